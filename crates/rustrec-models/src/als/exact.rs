//! The exact row solve, fast: the row's other-side rows gathered into one contiguous block,
//! the normal-equation matrix formed from the block by the register-blocked Gram kernel
//! ([`super::row_gram`]) in `f32`, then factored and solved in `f64` by the right-looking
//! Cholesky ([`linalg::cholesky_upper`]). It solves the same system as the readable
//! reference [`kernel::cholesky_row_at`] (one `f64` rank-1 update per rating, then the
//! lower Cholesky): the answers differ only by the rounding of the `f32` sums (the test
//! below bounds the difference).
//!
//! Cost per row with `n` ratings and `d` columns: the gather (`n` row copies), about
//! `n·d²/2` multiply-adds in 16-lane registers, and `d³/6` in `f64` for the factor — for
//! ML-1M at k = 40 (d = 42) the Gram part dominates.

use super::gathered::gather_one;
use super::kernel::{self, Loss, Scratch, System};
use super::row_gram::lower_gram;
use crate::engine::linalg::{self, UPPER_CHUNK};
use crate::engine::simd::Simd;

/// Solves one row exactly (as [`kernel::cholesky_row_at`]: f64 Cholesky; a system that is
/// not positive definite — possible only with λ = 0 — leaves the row unchanged); returns the
/// objective at the solution.
#[inline(always)]
pub(crate) fn exact_row<S: Simd>(
    simd: S,
    sys: &System<'_>,
    items: &[u32],
    values: &[f32],
    x: &mut [f32],
    scratch: &mut Scratch,
) -> f64 {
    let others = sys.others;
    let d = others.cols();
    let s = x.len();
    debug_assert_eq!(s, others.stride());
    let n = items.len();
    let parts = scratch.exact_parts();
    let y = parts.rows.rows_mut(n);
    let bf = &mut parts.bf[..s];
    bf.fill(0.0);
    // Gather the rows and sum the right-hand side b = Σ t_t y_t in f32.
    let gather = |y: &mut [f32], t: usize| gather_one(others, items, s, y, t);
    let (u, implicit): (&[f32], bool) = match sys.loss {
        Loss::Implicit { alpha } => {
            let u = parts.weighted.rows_mut(n);
            for (t, &v) in values.iter().enumerate() {
                let src = gather(y, t);
                let w = alpha * v;
                for (o, &yv) in u[t * s..(t + 1) * s].iter_mut().zip(src) {
                    *o = w * yv;
                }
                simd.axpy(1.0 + w, src, bf);
            }
            (u, true)
        }
        Loss::Explicit { mu, .. } => {
            for (t, &v) in values.iter().enumerate() {
                let src = gather(y, t);
                simd.axpy(v - mu, src, bf);
            }
            (y, false)
        }
    };
    let y: &[f32] = y;
    let c = &mut parts.c[..s * s];
    lower_gram(simd, u, y, s, d, c);
    // The upper triangle in f64 (row j, columns j..d; rows of `ds` floats) from the lower
    // one of C (row `col`, contiguous), plus G (implicit) or λ_u (explicit).
    let ds = d.div_ceil(UPPER_CHUNK) * UPPER_CHUNK;
    let a = &mut parts.a[..d * ds];
    let b = &mut parts.b[..d];
    for col in 0..d {
        for (j, &v) in c[col * s..col * s + col + 1].iter().enumerate() {
            a[j * ds + col] = f64::from(v);
        }
        b[col] = f64::from(bf[col]);
    }
    match sys.loss {
        Loss::Implicit { .. } => {
            for j in 0..d {
                for col in j..d {
                    a[j * ds + col] += f64::from(sys.gram[j * s + col]);
                }
            }
        }
        Loss::Explicit {
            reg,
            weighted,
            fixed,
            ..
        } => {
            let lam = f64::from(if weighted { reg * n as f32 } else { reg });
            for j in 0..d {
                a[j * ds + j] += lam;
            }
            if let Some(fc) = fixed {
                // Move the fixed column (value 1) to the right-hand side, pin x[fc] = 1.
                for (r, br) in b.iter_mut().enumerate() {
                    let at = r.min(fc) * ds + r.max(fc);
                    if r != fc {
                        *br -= a[at];
                    }
                    a[at] = 0.0;
                }
                a[fc * ds + fc] = 1.0;
                b[fc] = 1.0;
            }
        }
    }
    debug_assert!(implicit == matches!(sys.loss, Loss::Implicit { .. }));
    if linalg::cholesky_upper(a, d, ds) {
        linalg::solve_upper(a, d, ds, b);
        if b.iter().all(|v| v.is_finite()) {
            for (xk, &bk) in x.iter_mut().zip(b.iter()) {
                *xk = bk as f32;
            }
        }
    }
    let row = |t: usize| &y[t * s..(t + 1) * s];
    kernel::objective_of(simd, sys, &row, values, x, &mut parts.gx[..s])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RowTable;
    use crate::engine::simd::{Isa, WithSimd, each_level};

    /// A random table of `rows × cols` with values in [-0.5, 0.5).
    fn random_table(rows: usize, cols: usize, seed: u64) -> RowTable {
        let mut g = crate::engine::rng::stream(seed, &[]);
        let vals: Vec<f32> = (0..rows * cols)
            .map(|_| crate::engine::rng::unit_f32(&mut g) - 0.5)
            .collect();
        RowTable::from_dense(rows, cols, &vals)
    }

    struct Both<'a> {
        sys: &'a System<'a>,
        items: &'a [u32],
        values: &'a [f32],
        start: &'a [f32],
    }

    impl WithSimd for Both<'_> {
        type Output = ((Vec<f32>, f64), (Vec<f32>, f64));
        fn with_simd<S: Simd>(self, simd: S) -> Self::Output {
            let mut scratch = Scratch::new(self.start.len());
            let mut fast = self.start.to_vec();
            let f_fast = exact_row(
                simd,
                self.sys,
                self.items,
                self.values,
                &mut fast,
                &mut scratch,
            );
            let mut reference = self.start.to_vec();
            let f_ref = kernel::cholesky_row_at(
                simd,
                self.sys,
                self.items,
                self.values,
                &mut reference,
                &mut scratch,
            );
            ((fast, f_fast), (reference, f_ref))
        }
    }

    /// The fast solve and the reference agree at every level, for explicit rows (with and
    /// without biases, weighted λ or not) and implicit rows, at d = 42 (ML-1M's k = 40 with
    /// biases) and small shapes, with few and many ratings (one user rating every item:
    /// the largest sums).
    ///
    /// Tolerance: the two differ in how `A` and `b` are summed (f32 register chains against
    /// f64). For `n` products of size ≤ 0.25 the f32 sums are off by at most about
    /// `n·2⁻²⁴·0.25` per entry (~1.5e-5 for n = 1000) against diagonal entries of at least
    /// `λ_u` (≥ 0.05·n with weighted λ, or 1 + ‖y‖² terms); with these well-conditioned
    /// systems the relative change of the solution stays below 1e-4 of its largest entry
    /// (observed: about 1e-6).
    #[test]
    fn the_fast_exact_solve_agrees_with_the_reference() {
        for (d, bias) in [(42usize, true), (42, false), (6, true), (64, false)] {
            let others_rows = 1000;
            let mut others = random_table(others_rows, d, d as u64);
            if bias {
                // Item rows [y, 1, b_i]: the user side's fixed column is the last.
                for r in 0..others_rows {
                    others.row_mut(r)[d - 2] = 1.0;
                }
            }
            let gram = kernel::gram(&others, 0.1);
            for n in [1usize, 7, 150, 1000] {
                let items: Vec<u32> = (0..n as u32)
                    .map(|t| (t * 7) % others_rows as u32)
                    .collect();
                let items: Vec<u32> = if n == 1000 {
                    (0..1000).collect()
                } else {
                    items
                };
                let values: Vec<f32> = (0..n).map(|t| 1.0 + (t % 5) as f32).collect();
                let mut start = vec![0.0f32; others.stride()];
                for (c, v) in start.iter_mut().take(d).enumerate() {
                    *v = (c as f32 * 0.7).sin() * 0.1;
                }
                let losses = [
                    Loss::Explicit {
                        mu: 3.0,
                        reg: 0.05,
                        weighted: true,
                        fixed: bias.then_some(d - 1),
                    },
                    Loss::Explicit {
                        mu: 3.0,
                        reg: 0.5,
                        weighted: false,
                        fixed: bias.then_some(d - 1),
                    },
                    Loss::Implicit { alpha: 2.0 },
                ];
                for loss in losses {
                    if bias {
                        start[d - 1] = 1.0;
                    }
                    let empty = Vec::new();
                    let sys = System {
                        others: &others,
                        gram: if matches!(loss, Loss::Implicit { .. }) {
                            &gram
                        } else {
                            &empty
                        },
                        loss,
                    };
                    let skipped = each_level(|level| {
                        let ((fast, f_fast), (reference, f_ref)) = level.dispatch(Both {
                            sys: &sys,
                            items: &items,
                            values: &values,
                            start: &start,
                        });
                        let scale = reference.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
                        for c in 0..others.stride() {
                            assert!(
                                (fast[c] - reference[c]).abs() <= 1e-4 * scale,
                                "d {d} n {n} {loss:?} {level:?}: x[{c}] {} vs {}",
                                fast[c],
                                reference[c]
                            );
                        }
                        if let Loss::Explicit {
                            fixed: Some(fc), ..
                        } = loss
                        {
                            assert_eq!(fast[fc], 1.0, "the constant column stays 1");
                        }
                        assert!(fast[d..].iter().all(|&v| v == 0.0), "padding stays 0");
                        // The objective sums terms much larger than itself (implicit:
                        // c_t·(1 − d_t)² and xᵀGx, which cancel), each from an f32 dot
                        // product: its rounding is relative to Σ_t c_t (explicit: to
                        // Σ_t (r_t − μ)²), not to F.
                        let terms: f64 = values
                            .iter()
                            .map(|&v| match loss {
                                Loss::Implicit { alpha } => f64::from(1.0 + alpha * v),
                                Loss::Explicit { mu, .. } => f64::from((v - mu) * (v - mu)),
                            })
                            .sum();
                        assert!(
                            (f_fast - f_ref).abs() <= 1e-6 * terms + 1e-5 * f_ref.abs(),
                            "d {d} n {n} {loss:?}: objective {f_fast} vs {f_ref}"
                        );
                    });
                    assert!(!skipped.contains(&Isa::Scalar));
                }
            }
        }
    }
}
