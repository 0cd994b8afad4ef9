//! The kernels of the Gibbs sweep: the lower triangle of a Gram matrix over a row's
//! neighbours, and a draw from a row's Gaussian conditional, each compiled for every
//! instruction-set level through the SIMD layer.

use rand::Rng as _;
use rand_distr::StandardNormal;

use crate::engine::linalg::{cholesky, solve_lower, solve_lower_transposed};
use crate::engine::rng::Rng;
use crate::engine::simd::{Level, Simd, WithSimd};
use crate::error::{ModelError, Result};

/// Lanes of the [`gram_lower`] vectors.
const LANES: usize = 8;

/// `y` (`n × k`, f64) as f32 rows padded with zeros to `stride = k` rounded up to
/// [`LANES`]; returns the rows and the stride.
pub(super) fn padded_f32(y: &[f64], k: usize) -> (Vec<f32>, usize) {
    let stride = k.next_multiple_of(LANES);
    let mut out = vec![0.0f32; y.len() / k * stride];
    for (dst, src) in out.chunks_exact_mut(stride).zip(y.chunks_exact(k)) {
        dst.iter_mut().zip(src).for_each(|(d, &v)| *d = v as f32);
    }
    (out, stride)
}

/// The lower triangle of `Σ_j y_j y_jᵀ` over the rows `rows` of `y` (rows of `stride`
/// floats from [`padded_f32`], `k` of them used), as `k` rows of `stride` floats: entry
/// `(a, c)` for `c ≤ a` (the rest of each row is scratch). In `f32`, whole 8-lane blocks
/// (row `a` up to the block holding the diagonal), four rows of `y` per pass (one load
/// and store of the triangle per four terms); each entry adds its terms in the order of
/// `rows`, with fused multiply-adds at V3.
pub(super) fn gram_lower(
    level: Level,
    y: &[f32],
    shape: (usize, usize),
    rows: &[u32],
    g: &mut [f32],
) {
    let (k, stride) = shape;
    assert!(stride >= k && stride.is_multiple_of(LANES) && y.len().is_multiple_of(stride));
    assert!(rows.iter().all(|&j| (j as usize + 1) * stride <= y.len()));
    assert_eq!(
        g.len(),
        k * stride,
        "the triangle is k rows of stride floats"
    );
    g.fill(0.0);
    level.dispatch(GramLower { y, shape, rows, g });
}

/// [`gram_lower`]'s passes, compiled for each level.
struct GramLower<'a> {
    y: &'a [f32],
    shape: (usize, usize),
    rows: &'a [u32],
    g: &'a mut [f32],
}

impl WithSimd for GramLower<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let GramLower { y, shape, rows, g } = self;
        let (k, stride) = shape;
        let row = |j: u32| {
            y[j as usize * stride..(j as usize + 1) * stride]
                .as_chunks::<LANES>()
                .0
        };
        let mut quads = rows.chunks_exact(4);
        for q in quads.by_ref() {
            let ys = [row(q[0]), row(q[1]), row(q[2]), row(q[3])];
            for (a, grow) in g.chunks_exact_mut(stride).enumerate().take(k) {
                let w = ys.map(|yt| s.splat8(yt[a / LANES][a % LANES]));
                let blocks = &mut grow.as_chunks_mut::<LANES>().0[..=a / LANES];
                let terms = ys[0].iter().zip(ys[1]).zip(ys[2].iter().zip(ys[3]));
                for (gb, ((y0, y1), (y2, y3))) in blocks.iter_mut().zip(terms) {
                    let mut acc = s.load8(gb);
                    acc = s.mul_add8(w[0], s.load8(y0), acc);
                    acc = s.mul_add8(w[1], s.load8(y1), acc);
                    acc = s.mul_add8(w[2], s.load8(y2), acc);
                    acc = s.mul_add8(w[3], s.load8(y3), acc);
                    s.store8(gb, acc);
                }
            }
        }
        for &j in quads.remainder() {
            let yj = row(j);
            for (a, grow) in g.chunks_exact_mut(stride).enumerate().take(k) {
                let w = s.splat8(yj[a / LANES][a % LANES]);
                let blocks = &mut grow.as_chunks_mut::<LANES>().0[..=a / LANES];
                for (gb, yb) in blocks.iter_mut().zip(yj) {
                    let acc = s.mul_add8(w, s.load8(yb), s.load8(gb));
                    s.store8(gb, acc);
                }
            }
        }
    }
}

/// A draw from `N(P⁻¹ b, P⁻¹)` into `out` (`k = out.len()` long): `P = L Lᵀ`, mean by
/// two triangular solves, plus `L⁻ᵀ z`. `prec` and `b` are overwritten. Portable code,
/// compiled for `level` (the factorisation and solves use its vectors; the results do not
/// depend on it).
pub(crate) fn conditional_draw(
    level: Level,
    prec: &mut [f64],
    b: &mut [f64],
    r: &mut Rng,
    out: &mut [f64],
) -> Result<()> {
    level.dispatch(ConditionalDraw { prec, b, r, out })
}

/// [`conditional_draw`]'s arguments.
struct ConditionalDraw<'a> {
    prec: &'a mut [f64],
    b: &'a mut [f64],
    r: &'a mut Rng,
    out: &'a mut [f64],
}

impl WithSimd for ConditionalDraw<'_> {
    type Output = Result<()>;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> Result<()> {
        conditional_draw_body(self.prec, self.b, self.r, self.out)
    }
}

/// The body of [`conditional_draw`], inlined into each level's version.
#[inline(always)]
fn conditional_draw_body(
    prec: &mut [f64],
    b: &mut [f64],
    r: &mut Rng,
    out: &mut [f64],
) -> Result<()> {
    let k = out.len();
    if !cholesky(prec, k) {
        return Err(diverged(
            "a row's posterior precision is not positive definite",
        ));
    }
    solve_lower(prec, k, b);
    // L⁻ᵀ (L⁻¹ b + z) = P⁻¹ b + L⁻ᵀ z.
    for (o, &v) in out.iter_mut().zip(b.iter()) {
        *o = v + r.sample::<f64, _>(StandardNormal);
    }
    solve_lower_transposed(prec, k, out);
    Ok(())
}

/// The error of a sweep that met non-finite or degenerate values.
pub(super) fn diverged(what: &str) -> ModelError {
    ModelError::Data(format!(
        "bpmf: {what} (non-finite or extreme values; try a smaller alpha or init_std)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng;
    use crate::engine::simd::{Isa, each_level};

    /// Mean and covariance of 2-vectors.
    fn moments(draws: &[Vec<f64>]) -> ([f64; 2], [f64; 4]) {
        let n = draws.len() as f64;
        let mut m = [0.0; 2];
        for d in draws {
            m[0] += d[0] / n;
            m[1] += d[1] / n;
        }
        let mut c = [0.0; 4];
        for d in draws {
            for a in 0..2 {
                for b in 0..2 {
                    c[a * 2 + b] += (d[a] - m[a]) * (d[b] - m[b]) / n;
                }
            }
        }
        (m, c)
    }

    #[test]
    fn the_conditional_draw_has_the_hand_computed_mean_and_covariance_at_every_level() {
        // P = [[4, 1], [1, 3]], b = (1, 2): P⁻¹ = [[3, −1], [−1, 4]] / 11, mean (1, 7) / 11.
        let draw = |level: Level| -> Vec<Vec<f64>> {
            let mut r = rng::stream(3, &[]);
            (0..40_000)
                .map(|_| {
                    let (mut p, mut b) = (vec![4.0, 1.0, 1.0, 3.0], vec![1.0, 2.0]);
                    let mut out = vec![0.0; 2];
                    conditional_draw(level, &mut p, &mut b, &mut r, &mut out).unwrap();
                    out
                })
                .collect()
        };
        let draws = draw(Level::Scalar);
        // Portable code compiled for each level: the same draws to the bit.
        let skipped = each_level(|level| assert!(draw(level) == draws, "{level:?}"));
        assert!(!skipped.contains(&Isa::Scalar));
        let (m, c) = moments(&draws);
        let (want_m, want_c) = (
            [1.0 / 11.0, 7.0 / 11.0],
            [3.0 / 11.0, -1.0 / 11.0, -1.0 / 11.0, 4.0 / 11.0],
        );
        for a in 0..2 {
            assert!((m[a] - want_m[a]).abs() < 0.01, "mean {m:?} vs {want_m:?}");
        }
        for a in 0..4 {
            assert!(
                (c[a] - want_c[a]).abs() < 0.01,
                "covariance {c:?} vs {want_c:?}"
            );
        }
    }

    #[test]
    fn the_triangle_of_the_gram_matrix_matches_the_plain_sum_at_every_level() {
        let k = 11;
        let (y, stride) = padded_f32(
            &(0..7 * k)
                .map(|v| ((v * 37 % 17) as f64 - 8.0) / 5.0)
                .collect::<Vec<_>>(),
            k,
        );
        assert_eq!(stride, 16);
        // Rows with repeats, a number not a multiple of four.
        let rows = [0u32, 3, 6, 1, 3, 2, 5];
        let skipped = each_level(|level| {
            // A dirty buffer: the function clears it.
            let mut g = vec![1.0f32; k * stride];
            gram_lower(level, &y, (k, stride), &rows, &mut g);
            for a in 0..k {
                for c in 0..=a {
                    let want: f32 = rows
                        .iter()
                        .map(|&j| y[j as usize * stride + a] * y[j as usize * stride + c])
                        .sum();
                    let got = g[a * stride + c];
                    assert!(
                        (got - want).abs() < 1e-5,
                        "{level:?} ({a}, {c}): {got} vs {want}"
                    );
                }
            }
        });
        assert!(!skipped.contains(&Isa::Scalar));
    }
}
