//! The primitives the kernels share — dot products, `axpy`, the fused dot-then-axpy step —
//! written once over [`Lanes`], and the few choices that differ by level.
//!
//! **Summation orders.** [`Simd::dot`] keeps 16 partial sums (lane `l` adds the products
//! `k ≡ l (mod 16)`), reduced by the fixed tree of [`Lanes::reduce_sum`], then adds the sum
//! of the tail (the products past the last whole 16): the same order at every level, so V3
//! and V4 give the same bits, and the portable level differs only by rounding each product
//! before adding it. [`Simd::dot8`] does the same with 8 partial sums. At V3 and V4 an empty
//! tail adds nothing (that would put one more dependent addition on the kernels' critical
//! path); the portable code adds its `+0`, which changes no bits: the accumulators start at
//! `+0` and adding products never makes them `−0`.
//!
//! **Lengths.** The rows of a primitive have equal lengths (the second is cut to the first:
//! a shorter one panics), which also tells the compiler that their chunks pair up.

use super::{Lanes, Scalar, V3, V4};

/// The shared primitives at one instruction-set level (implemented by [`Scalar`], [`V3`]
/// and [`V4`]). Each provided method is written once over [`Lanes`]; a level overrides one
/// to pick another of these orders, or (the portable `dot`) to get better code for the same
/// operations — each override says which.
pub trait Simd: Lanes {
    /// `Σ a_k b_k` over `a.len()` (= `b.len()`), in 16 partial sums (see the module docs).
    #[inline(always)]
    fn dot(self, a: &[f32], b: &[f32]) -> f32 {
        let b = &b[..a.len()];
        let (ac, at) = a.as_chunks::<16>();
        let (bc, bt) = b.as_chunks::<16>();
        let mut acc = self.splat(0.0);
        for (x, y) in ac.iter().zip(bc) {
            acc = self.mul_add(self.load(x), self.load(y), acc);
        }
        let sum = self.reduce_sum(acc);
        if at.is_empty() {
            return sum;
        }
        let mut tail = 0.0f32;
        for (x, y) in at.iter().zip(bt) {
            tail += x * y;
        }
        sum + tail
    }

    /// `Σ a_k b_k` over `a.len()` (= `b.len()`), in 8 partial sums
    /// ([`Lanes::reduce_sum8`]).
    #[inline(always)]
    fn dot8(self, a: &[f32], b: &[f32]) -> f32 {
        let b = &b[..a.len()];
        let (ac, at) = a.as_chunks::<8>();
        let (bc, bt) = b.as_chunks::<8>();
        let mut acc = self.splat8(0.0);
        for (x, y) in ac.iter().zip(bc) {
            acc = self.mul_add8(self.load8(x), self.load8(y), acc);
        }
        let sum = self.reduce_sum8(acc);
        if at.is_empty() {
            return sum;
        }
        let mut tail = 0.0f32;
        for (x, y) in at.iter().zip(bt) {
            tail += x * y;
        }
        sum + tail
    }

    /// `Σ a_k b_k` with one register of partial sums: [`Self::dot`] (16 lanes) at the
    /// portable level and V4, [`Self::dot8`] at V3 — BPR-MF's order, kept so that a model
    /// trains to the same bits as before on every CPU.
    #[inline(always)]
    fn dot_register(self, a: &[f32], b: &[f32]) -> f32 {
        self.dot(a, b)
    }

    /// `y ← y + a·x` over `y.len()` (= `x.len()`): 16 lanes, then the tail one by one.
    #[inline(always)]
    fn axpy(self, a: f32, x: &[f32], y: &mut [f32]) {
        let x = &x[..y.len()];
        let (xc, xt) = x.as_chunks::<16>();
        let (yc, yt) = y.as_chunks_mut::<16>();
        let av = self.splat(a);
        for (xs, ys) in xc.iter().zip(yc) {
            let v = self.mul_add(av, self.load(xs), self.load(ys));
            self.store(ys, v);
        }
        for (xk, yk) in xt.iter().zip(yt) {
            *yk += a * xk;
        }
    }

    /// `d = y·v`, then `out ← out + coef(d)·y`; returns `d` ([`Self::dot`], then
    /// [`Self::axpy`]). V4 keeps a 64-float `y` in four registers between the two passes
    /// ([`dot_axpy_64`]).
    #[inline(always)]
    fn dot_axpy(self, y: &[f32], v: &[f32], out: &mut [f32], coef: impl FnOnce(f32) -> f32) -> f32 {
        dot_then_axpy(self, y, v, out, coef)
    }
}

/// [`Simd::dot_axpy`]'s two passes.
#[inline(always)]
fn dot_then_axpy<S: Simd>(
    s: S,
    y: &[f32],
    v: &[f32],
    out: &mut [f32],
    coef: impl FnOnce(f32) -> f32,
) -> f32 {
    let d = s.dot(y, v);
    s.axpy(coef(d), y, out);
    d
}

/// [`Simd::dot_axpy`] on rows of exactly 64 floats, loading `y` once: the dot product in
/// two chains (blocks 0 and 2, blocks 1 and 3, added at the end), then the four `axpy`
/// blocks from the loaded `y`.
#[inline(always)]
pub fn dot_axpy_64<S: Simd>(
    s: S,
    y: &[f32; 64],
    v: &[f32; 64],
    out: &mut [f32; 64],
    coef: impl FnOnce(f32) -> f32,
) -> f32 {
    let (yc, _) = y.as_chunks::<16>();
    let (vc, _) = v.as_chunks::<16>();
    let (oc, _) = out.as_chunks_mut::<16>();
    let ([y0, y1, y2, y3], [v0, v1, v2, v3], [o0, o1, o2, o3]) = (yc, vc, oc) else {
        unreachable!("64 floats are four chunks of 16");
    };
    // Four named registers (not an array the compiler might keep in memory).
    let (y0, y1, y2, y3) = (s.load(y0), s.load(y1), s.load(y2), s.load(y3));
    let a0 = s.mul(y0, s.load(v0));
    let a1 = s.mul(y1, s.load(v1));
    let a0 = s.mul_add(y2, s.load(v2), a0);
    let a1 = s.mul_add(y3, s.load(v3), a1);
    let d = s.reduce_sum(s.add(a0, a1));
    let c = s.splat(coef(d));
    s.store(o0, s.mul_add(c, y0, s.load(o0)));
    s.store(o1, s.mul_add(c, y1, s.load(o1)));
    s.store(o2, s.mul_add(c, y2, s.load(o2)));
    s.store(o3, s.mul_add(c, y3, s.load(o3)));
    d
}

impl Simd for Scalar {
    /// The same operations as the provided method (16 partial sums, the tree, then `+` the
    /// tail, here always), written over slices with lane loops: in this form LLVM keeps
    /// four-lane vectors, where it vectorises the provided method, once unrolled, two lanes
    /// wide (BPR's scoring loop: 6% more instructions).
    #[inline(always)]
    fn dot(self, a: &[f32], b: &[f32]) -> f32 {
        let b = &b[..a.len()];
        let mut acc = [0.0f32; 16];
        for (x, y) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
            for l in 0..16 {
                acc[l] += x[l] * y[l];
            }
        }
        let mut h = [0.0f32; 8];
        for l in 0..8 {
            h[l] = acc[l] + acc[l + 8];
        }
        let mut g = [0.0f32; 4];
        for l in 0..4 {
            g[l] = h[l] + h[l + 4];
        }
        let mut tail = 0.0f32;
        for k in a.len() / 16 * 16..a.len() {
            tail += a[k] * b[k];
        }
        (g[0] + g[2]) + (g[1] + g[3]) + tail
    }
}

impl Simd for V3 {
    #[inline(always)]
    fn dot_register(self, a: &[f32], b: &[f32]) -> f32 {
        self.dot8(a, b)
    }
}

impl Simd for V4 {
    #[inline(always)]
    fn dot_axpy(self, y: &[f32], v: &[f32], out: &mut [f32], coef: impl FnOnce(f32) -> f32) -> f32 {
        if let (Ok(y64), Ok(v64), Ok(out64)) = (
            <&[f32; 64]>::try_from(y),
            <&[f32; 64]>::try_from(v),
            <&mut [f32; 64]>::try_from(&mut *out),
        ) {
            return dot_axpy_64(self, y64, v64, out64, coef);
        }
        dot_then_axpy(self, y, v, out, coef)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Isa, Level, WithSimd, each_level};
    use super::*;

    /// `n` floats in ±0.5, none exactly zero.
    fn values(n: usize, salt: usize) -> Vec<f32> {
        (0..n)
            .map(|k| (((k * 37 + salt * 11) % 101) as f32 - 50.5) / 101.0)
            .collect()
    }

    fn dot64(a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| f64::from(x) * f64::from(y))
            .sum()
    }

    /// Every primitive at one level on rows of `n` floats: (dot, dot8, dot_register, axpy
    /// result, dot_axpy's d and result).
    struct Run {
        n: usize,
    }

    type Outputs = (f32, f32, f32, Vec<f32>, f32, Vec<f32>);

    impl WithSimd for Run {
        type Output = Outputs;
        #[inline(always)]
        fn with_simd<S: Simd>(self, s: S) -> Outputs {
            let (a, b) = (values(self.n, 1), values(self.n, 2));
            let mut y = values(self.n, 3);
            s.axpy(0.75, &a, &mut y);
            let mut out = values(self.n, 4);
            let d = s.dot_axpy(&a, &b, &mut out, |d| 0.5 - d);
            (
                s.dot(&a, &b),
                s.dot8(&a, &b),
                s.dot_register(&a, &b),
                y,
                d,
                out,
            )
        }
    }

    #[test]
    fn every_primitive_at_every_level_agrees_with_the_plain_sums() {
        for n in [0usize, 1, 7, 8, 16, 17, 40, 64, 80] {
            let (a, b) = (values(n, 1), values(n, 2));
            let want = dot64(&a, &b);
            let mut results = Vec::new();
            let skipped = each_level(|level| {
                let (dot, dot8, dot_r, y, d, out) = level.dispatch(Run { n });
                for (what, got) in [("dot", dot), ("dot8", dot8), ("dot_register", dot_r)] {
                    assert!(
                        (f64::from(got) - want).abs() < 1e-5,
                        "{level:?} n {n} {what}: {got} vs {want}"
                    );
                }
                assert_eq!(d.to_bits(), dot.to_bits(), "{level:?} n {n}");
                let (y0, o0) = (values(n, 3), values(n, 4));
                for k in 0..n {
                    let want_y = f64::from(y0[k]) + 0.75 * f64::from(a[k]);
                    assert!(
                        (f64::from(y[k]) - want_y).abs() < 1e-6,
                        "{level:?} axpy {k}"
                    );
                    let want_o = f64::from(o0[k]) + (0.5 - f64::from(d)) * f64::from(a[k]);
                    assert!(
                        (f64::from(out[k]) - want_o).abs() < 1e-6,
                        "{level:?} dot_axpy"
                    );
                }
                results.push((level, dot, dot8, y));
            });
            assert_eq!(results.len() + skipped.len(), 3);
            // V3 and V4 sum in the same order with the same fused operations: same bits.
            let fused: Vec<_> = results.iter().filter(|r| r.0 != Level::Scalar).collect();
            for pair in fused.windows(2) {
                assert_eq!(pair[0].1.to_bits(), pair[1].1.to_bits(), "dot, n {n}");
                assert_eq!(pair[0].2.to_bits(), pair[1].2.to_bits(), "dot8, n {n}");
                assert_eq!(pair[0].3, pair[1].3, "axpy, n {n}");
            }
        }
    }

    /// Four vectors' lane sums by `reduce_sum4` and one by one by `reduce_sum`.
    struct FourSums<'a>(&'a [[f32; 16]; 4]);

    impl WithSimd for FourSums<'_> {
        type Output = ([f32; 4], [f32; 4]);
        #[inline(always)]
        fn with_simd<S: Simd>(self, s: S) -> ([f32; 4], [f32; 4]) {
            let v = self.0.map(|lanes| s.load(&lanes));
            (s.reduce_sum4(v), v.map(|x| s.reduce_sum(x)))
        }
    }

    #[test]
    fn four_sums_side_by_side_have_the_bits_of_four_single_sums() {
        // Lanes of mixed magnitudes and signs (so that the tree's order shows in the
        // rounding), rows that differ, and rows with ±0, ±∞ and a NaN.
        let mut cases: Vec<[[f32; 16]; 4]> = (0..50)
            .map(|c| {
                std::array::from_fn(|r| {
                    std::array::from_fn(|l| {
                        let k = c * 64 + r * 16 + l;
                        let v = ((k * 7919 % 1009) as f32 - 504.5) / 97.0;
                        v * 10f32.powi((k % 7) as i32 - 3)
                    })
                })
            })
            .collect();
        let mut special = cases[0];
        special[0][3] = f32::INFINITY;
        special[1] = [-0.0; 16];
        special[2][9] = f32::NEG_INFINITY;
        special[3][0] = f32::NAN;
        cases.push(special);
        let skipped = each_level(|level| {
            for (c, rows) in cases.iter().enumerate() {
                let (four, one_by_one) = level.dispatch(FourSums(rows));
                for r in 0..4 {
                    let (a, b) = (four[r], one_by_one[r]);
                    assert!(
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                        "{level:?} case {c} row {r}: {a} vs {b}"
                    );
                }
            }
        });
        assert!(!skipped.contains(&Isa::Scalar));
    }

    #[test]
    fn the_portable_dot_is_the_textbook_sixteen_lane_sum() {
        // Hand-written order: 16 partial sums, the tree, then the tail.
        let (a, b) = (values(37, 5), values(37, 6));
        let mut acc = [0.0f32; 16];
        for k in 0..32 {
            acc[k % 16] += a[k] * b[k];
        }
        let h: Vec<f32> = (0..8).map(|l| acc[l] + acc[l + 8]).collect();
        let g: Vec<f32> = (0..4).map(|l| h[l] + h[l + 4]).collect();
        let tail = (32..37).fold(0.0f32, |t, k| t + a[k] * b[k]);
        let want = ((g[0] + g[2]) + (g[1] + g[3])) + tail;
        assert_eq!(Scalar.dot(&a, &b).to_bits(), want.to_bits());
    }
}
