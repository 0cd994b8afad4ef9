//! The Gram matrix of one row's gathered other-side rows, `C = Σ_t u_t y_tᵀ` (lower
//! triangle), by a register-blocked kernel: the batched accumulation of the exact row
//! solve ([`super::exact`]), in place of one rank-1 update per rating.
//!
//! # Layout and blocking
//!
//! `u` and `y` hold `n` rows of `s` floats each, contiguous (`s` a multiple of 16, the
//! padding zero): `y` the other side's rows of the row's ratings, gathered, and `u` either
//! the same block (explicit ALS: `C = YᵤᵀYᵤ`) or its rows scaled by per-rating weights
//! (implicit: `Σ w_t y_t y_tᵀ`). `C` is `s × s` row-major; rows `0..d` are written at
//! columns `0..=a` and up to the end of that column's 16-float block (the rest of the block
//! past the diagonal holds the mirrored entries; nothing else is touched).
//!
//! Rows of `C` are taken `R` at a time (then 4, 2, 1 for the rest); for each row block,
//! the 16-float column blocks it needs (up to its last row: the lower triangle) are taken
//! `J` at a time, the shape fitting the level's registers ([`block_shape`]: 8 × 3 at
//! AVX-512, 6 × 1 below). The `R × J` vector accumulators stay in registers over all `n`
//! ratings: per rating, `J` loads of `y_t`, `R` broadcasts of `u_t`'s entries and `R·J`
//! fused multiply-adds. Each entry of `C` is one multiply-add chain over `t = 0, 1, …, n−1`
//! in order: the result depends only on the row's data, never on the thread, the level's
//! block shape or the block a row is solved in.

use crate::engine::simd::{Isa, Simd};

/// The register block's shape at a level: rows of `C` per block (the last rows of a
/// shape run in blocks of 4, 2, 1) and 16-float column blocks per block.
///
/// AVX-512 has 32 vector registers of 16 floats: 8 × 3 accumulators, 3 loads of `y_t` and a
/// broadcast fit. Below it a 16-float vector is two (AVX2) or more registers, of 16 in all:
/// 8 × 3 accumulators would be 48 registers and spill on every rating, so blocks there are
/// ROWS_BELOW_V4 rows × one column block (2·ROWS_BELOW_V4 + 3 registers).
fn block_shape<S: Simd>() -> (usize, usize) {
    if S::ISA == Isa::V4 {
        (8, 3)
    } else {
        (ROWS_BELOW_V4, 1)
    }
}

/// Rows of `C` per register block below AVX-512.
const ROWS_BELOW_V4: usize = 6;

/// Writes the lower triangle of `C = Σ_t u_t y_tᵀ` (rows `0..d`) into `c` (`s × s`); see the
/// module docs for the layout. `u` and `y` hold the same number of `s`-float rows.
#[inline(always)]
pub(crate) fn lower_gram<S: Simd>(
    simd: S,
    u: &[f32],
    y: &[f32],
    s: usize,
    d: usize,
    c: &mut [f32],
) {
    assert!(
        s.is_multiple_of(16)
            && d <= s
            && c.len() >= s * s
            && u.len() == y.len()
            && y.len().is_multiple_of(s.max(1))
    );
    let (max_rows, max_cols) = block_shape::<S>();
    let mut a0 = 0;
    while a0 < d {
        let rows = match d - a0 {
            r if r >= max_rows => max_rows,
            r if r >= 4 => 4,
            r if r >= 2 => 2,
            _ => 1,
        };
        // The lower triangle of these rows ends in column a0 + rows − 1.
        let need = (a0 + rows).div_ceil(16);
        let mut j0 = 0;
        while j0 < need {
            let cols = (need - j0).min(max_cols);
            let at = Block { a0, j0, s };
            match (rows, cols) {
                (8, 1) => at.run::<S, 8, 1>(simd, u, y, c),
                (8, 2) => at.run::<S, 8, 2>(simd, u, y, c),
                (8, _) => at.run::<S, 8, 3>(simd, u, y, c),
                (ROWS_BELOW_V4, _) => at.run::<S, ROWS_BELOW_V4, 1>(simd, u, y, c),
                (4, 1) => at.run::<S, 4, 1>(simd, u, y, c),
                (4, 2) => at.run::<S, 4, 2>(simd, u, y, c),
                (4, _) => at.run::<S, 4, 3>(simd, u, y, c),
                (2, 1) => at.run::<S, 2, 1>(simd, u, y, c),
                (2, 2) => at.run::<S, 2, 2>(simd, u, y, c),
                (2, _) => at.run::<S, 2, 3>(simd, u, y, c),
                (_, 1) => at.run::<S, 1, 1>(simd, u, y, c),
                (_, 2) => at.run::<S, 1, 2>(simd, u, y, c),
                (_, _) => at.run::<S, 1, 3>(simd, u, y, c),
            }
            j0 += cols;
        }
        a0 += rows;
    }
}

/// One register block: rows `a0..a0 + R` of `C`, column blocks `j0..j0 + J`.
#[derive(Clone, Copy)]
struct Block {
    a0: usize,
    j0: usize,
    s: usize,
}

impl Block {
    #[inline(always)]
    fn run<S: Simd, const R: usize, const J: usize>(
        self,
        simd: S,
        u: &[f32],
        y: &[f32],
        c: &mut [f32],
    ) {
        let Block { a0, j0, s } = self;
        let mut acc = [[simd.splat(0.0); J]; R];
        for (ut, yt) in u.chunks_exact(s).zip(y.chunks_exact(s)) {
            let yb: &[[f32; 16]; J] = yt[j0 * 16..(j0 + J) * 16]
                .as_chunks::<16>()
                .0
                .try_into()
                .expect("J blocks of 16");
            let ua: &[f32; R] = ut[a0..a0 + R].try_into().expect("R entries");
            let yv: [S::F32x16; J] = std::array::from_fn(|j| simd.load(&yb[j]));
            for r in 0..R {
                let b = simd.splat(ua[r]);
                for j in 0..J {
                    acc[r][j] = simd.mul_add(b, yv[j], acc[r][j]);
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            let row = &mut c[(a0 + r) * s + j0 * 16..(a0 + r) * s + (j0 + J) * 16];
            for (out, &v) in row.as_chunks_mut::<16>().0.iter_mut().zip(acc_r) {
                simd.store(out, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::simd::{Scalar, WithSimd, each_level};

    /// The reference: each entry as its own sum over the ratings, in f64, with the sum of
    /// the products' magnitudes (for the error bound).
    fn naive(u: &[f32], y: &[f32], s: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
        let n = y.len() / s;
        let (mut c, mut m) = (vec![0.0; s * s], vec![0.0; s * s]);
        for a in 0..d {
            for b in 0..=a {
                let p = |t: usize| f64::from(u[t * s + a]) * f64::from(y[t * s + b]);
                c[a * s + b] = (0..n).map(p).sum();
                m[a * s + b] = (0..n).map(|t| p(t).abs()).sum();
            }
        }
        (c, m)
    }

    /// `n` pseudo-random rows of `s` floats, zero past column `d`.
    fn rows(n: usize, s: usize, d: usize, salt: usize) -> Vec<f32> {
        (0..n * s)
            .map(|i| {
                if i % s < d {
                    ((i * 7919 + salt) as f32 * 0.013).sin()
                } else {
                    0.0
                }
            })
            .collect()
    }

    struct Gram<'a>(&'a [f32], &'a [f32], usize, usize);

    impl WithSimd for Gram<'_> {
        type Output = Vec<f32>;
        fn with_simd<S: Simd>(self, simd: S) -> Vec<f32> {
            let Gram(u, y, s, d) = self;
            let mut c = vec![f32::NAN; s * s];
            lower_gram(simd, u, y, s, d, &mut c);
            c
        }
    }

    #[test]
    fn the_blocked_gram_is_the_naive_sum_at_every_level_and_shape() {
        // d = 1 and 5 (partial blocks only), 16, 42 (ALS explicit k = 40 + 2), 64, and 70
        // (more column blocks than one register block holds); n = 0, 1, 37.
        for (s, d) in [(16, 1), (16, 5), (16, 16), (48, 42), (64, 64), (80, 70)] {
            for n in [0usize, 1, 37] {
                let y = rows(n, s, d, 1);
                // Weighted rows for the asymmetric case; `u = y` is the symmetric one.
                let w: Vec<f32> = y
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v * (1.0 + (i / s) as f32 * 0.1))
                    .collect();
                for u in [&y, &w] {
                    let (want, magnitude) = naive(u, &y, s, d);
                    let portable = Gram(u, &y, s, d).with_simd(Scalar);
                    let skipped = each_level(|level| {
                        let got = level.dispatch(Gram(u, &y, s, d));
                        for a in 0..d {
                            for b in 0..=a {
                                let (g, e) = (got[a * s + b], want[a * s + b]);
                                // A chain of n fused multiply-adds in f32: at most
                                // n·2⁻²⁴ times the sum of the products' magnitudes
                                // (the standard bound γ_n, to first order).
                                let tol = (n as f64 + 1.0) * 2f64.powi(-24) * magnitude[a * s + b];
                                assert!(
                                    (f64::from(g) - e).abs() <= tol,
                                    "s {s} d {d} n {n} {level:?}: C[{a}][{b}] {g} vs {e}"
                                );
                            }
                        }
                        // Rows past d are never written.
                        assert!(
                            got[d * s..].iter().all(|v| v.is_nan()),
                            "s {s} d {d}: rows past d written"
                        );
                        if level.isa() == Isa::Scalar {
                            assert_eq!(
                                got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                                portable.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                            );
                        }
                    });
                    assert!(!skipped.contains(&Isa::Scalar));
                }
            }
        }
    }
}
