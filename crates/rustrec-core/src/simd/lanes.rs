//! The vector operations each level implements: the only per-instruction-set code of the
//! layer. Everything else ([`super::Simd`]'s primitives, the kernels) is written once over
//! them.
//!
//! | | 16 lanes ([`Lanes::F32x16`]) | 8 lanes ([`Lanes::F32x8`]) | `mul_add` |
//! |---|---|---|---|
//! | [`Scalar`] | `[f32; 16]` | `[f32; 8]` | `a·b + c`, two roundings |
//! | [`V3`] | two `__m256` (lanes 0–7, 8–15) | `__m256` | fused, one rounding |
//! | [`V4`] | `__m512` | `__m256` | fused, one rounding |
//!
//! Element-wise operations give the same bits at V3 and V4; the sums of [`Lanes::reduce_sum`]
//! and [`Lanes::reduce_sum8`] use one fixed tree at every level.

use super::{Isa, Scalar, V3, V4};

/// Vector operations on 16 (and 8) `f32` lanes at one instruction-set level.
///
/// Loads and stores take arrays, so they are in bounds by type; split rows with
/// [`slice::as_chunks`].
pub trait Lanes: Copy + Send + Sync + 'static {
    /// The level this token proves (a kernel may state an invariant that holds only at some
    /// levels, so that the compiler can use it).
    const ISA: Isa;
    /// 16 lanes of `f32`.
    type F32x16: Copy;
    /// 8 lanes of `f32`.
    type F32x8: Copy;

    /// Every lane `x`.
    fn splat(self, x: f32) -> Self::F32x16;
    /// The 16 floats of `x`.
    fn load(self, x: &[f32; 16]) -> Self::F32x16;
    /// Writes `v` to `out`.
    fn store(self, out: &mut [f32; 16], v: Self::F32x16);
    /// `a + b`.
    fn add(self, a: Self::F32x16, b: Self::F32x16) -> Self::F32x16;
    /// `a − b`.
    fn sub(self, a: Self::F32x16, b: Self::F32x16) -> Self::F32x16;
    /// `a · b`.
    fn mul(self, a: Self::F32x16, b: Self::F32x16) -> Self::F32x16;
    /// `a · b + c` (fused on V3 and V4).
    fn mul_add(self, a: Self::F32x16, b: Self::F32x16, c: Self::F32x16) -> Self::F32x16;
    /// `c − a · b` (fused on V3 and V4).
    fn neg_mul_add(self, a: Self::F32x16, b: Self::F32x16, c: Self::F32x16) -> Self::F32x16;
    /// The sum of the lanes by a fixed tree: `h_l = v_l + v_{l+8}`, `g_l = h_l + h_{l+4}`,
    /// then `(g_0 + g_2) + (g_1 + g_3)`.
    fn reduce_sum(self, v: Self::F32x16) -> f32;
    /// The sums of four vectors, each by [`Lanes::reduce_sum`]'s tree (the same bits); V3
    /// sums the four side by side in shuffled registers instead of one after another.
    #[inline(always)]
    fn reduce_sum4(self, v: [Self::F32x16; 4]) -> [f32; 4] {
        v.map(|x| self.reduce_sum(x))
    }

    /// Every lane `x` (8 lanes).
    fn splat8(self, x: f32) -> Self::F32x8;
    /// The 8 floats of `x`.
    fn load8(self, x: &[f32; 8]) -> Self::F32x8;
    /// Writes `v` to `out` (8 lanes).
    fn store8(self, out: &mut [f32; 8], v: Self::F32x8);
    /// `a · b + c` (8 lanes; fused on V3 and V4).
    fn mul_add8(self, a: Self::F32x8, b: Self::F32x8, c: Self::F32x8) -> Self::F32x8;
    /// The sum of 8 lanes by a fixed tree: `h_l = v_l + v_{l+4}`, then
    /// `(h_0 + h_2) + (h_1 + h_3)`.
    fn reduce_sum8(self, v: Self::F32x8) -> f32;
}

/// `[f(a_0, b_0), …]` over two arrays.
#[inline(always)]
fn zip<const N: usize>(a: [f32; N], b: [f32; N], f: impl Fn(f32, f32) -> f32) -> [f32; N] {
    std::array::from_fn(|l| f(a[l], b[l]))
}

/// `[f(a_0, b_0, c_0), …]` over three arrays.
#[inline(always)]
fn zip3<const N: usize>(
    a: [f32; N],
    b: [f32; N],
    c: [f32; N],
    f: impl Fn(f32, f32, f32) -> f32,
) -> [f32; N] {
    std::array::from_fn(|l| f(a[l], b[l], c[l]))
}

impl Lanes for Scalar {
    const ISA: Isa = Isa::Scalar;
    type F32x16 = [f32; 16];
    type F32x8 = [f32; 8];

    #[inline(always)]
    fn splat(self, x: f32) -> [f32; 16] {
        [x; 16]
    }
    #[inline(always)]
    fn load(self, x: &[f32; 16]) -> [f32; 16] {
        *x
    }
    #[inline(always)]
    fn store(self, out: &mut [f32; 16], v: [f32; 16]) {
        *out = v;
    }
    #[inline(always)]
    fn add(self, a: [f32; 16], b: [f32; 16]) -> [f32; 16] {
        zip(a, b, |x, y| x + y)
    }
    #[inline(always)]
    fn sub(self, a: [f32; 16], b: [f32; 16]) -> [f32; 16] {
        zip(a, b, |x, y| x - y)
    }
    #[inline(always)]
    fn mul(self, a: [f32; 16], b: [f32; 16]) -> [f32; 16] {
        zip(a, b, |x, y| x * y)
    }
    #[inline(always)]
    fn mul_add(self, a: [f32; 16], b: [f32; 16], c: [f32; 16]) -> [f32; 16] {
        zip3(a, b, c, |x, y, z| x * y + z)
    }
    #[inline(always)]
    fn neg_mul_add(self, a: [f32; 16], b: [f32; 16], c: [f32; 16]) -> [f32; 16] {
        zip3(a, b, c, |x, y, z| z - x * y)
    }
    #[inline(always)]
    fn reduce_sum(self, v: [f32; 16]) -> f32 {
        let h: [f32; 8] = std::array::from_fn(|l| v[l] + v[l + 8]);
        self.reduce_sum8(h)
    }

    #[inline(always)]
    fn splat8(self, x: f32) -> [f32; 8] {
        [x; 8]
    }
    #[inline(always)]
    fn load8(self, x: &[f32; 8]) -> [f32; 8] {
        *x
    }
    #[inline(always)]
    fn store8(self, out: &mut [f32; 8], v: [f32; 8]) {
        *out = v;
    }
    #[inline(always)]
    fn mul_add8(self, a: [f32; 8], b: [f32; 8], c: [f32; 8]) -> [f32; 8] {
        zip3(a, b, c, |x, y, z| x * y + z)
    }
    #[inline(always)]
    fn reduce_sum8(self, v: [f32; 8]) -> f32 {
        let g: [f32; 4] = std::array::from_fn(|l| v[l] + v[l + 4]);
        (g[0] + g[2]) + (g[1] + g[3])
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Isa, Lanes, V3, V4};

    /// The 8-lane tree sum of [`Lanes::reduce_sum8`] with SSE shuffles.
    ///
    /// # Safety
    /// The CPU must have AVX.
    #[inline(always)]
    unsafe fn reduce8(v: __m256) -> f32 {
        // SAFETY: the caller guarantees AVX (the rest is SSE, part of x86-64).
        unsafe {
            let half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
            _mm_cvtss_f32(_mm_add_ss(quarter, _mm_shuffle_ps::<1>(quarter, quarter)))
        }
    }

    /// [`reduce8`] of four vectors side by side: each step of its tree (lanes `l` and
    /// `l + 4`, then `l` and `l + 2`, then 0 and 1) as one shuffle and one add for all four,
    /// every addition with the operands in `reduce8`'s order, so each sum has its bits.
    ///
    /// # Safety
    /// The CPU must have AVX.
    #[inline(always)]
    unsafe fn reduce8_four(h: [__m256; 4]) -> [f32; 4] {
        // SAFETY: the caller guarantees AVX (the rest is SSE, part of x86-64); the store
        // writes the 4 floats of `out`.
        unsafe {
            // Lanes l + (l + 4): [rows 0 | 1] and [rows 2 | 3], four lanes a row.
            let low01 = _mm256_permute2f128_ps::<0x20>(h[0], h[1]);
            let high01 = _mm256_permute2f128_ps::<0x31>(h[0], h[1]);
            let low23 = _mm256_permute2f128_ps::<0x20>(h[2], h[3]);
            let high23 = _mm256_permute2f128_ps::<0x31>(h[2], h[3]);
            let half01 = _mm256_add_ps(low01, high01);
            let half23 = _mm256_add_ps(low23, high23);
            // Lanes l + (l + 2): per 128-bit half [row 0 or 1: 2 lanes, row 2 or 3: 2 lanes].
            let first = _mm256_shuffle_ps::<0b01_00_01_00>(half01, half23);
            let second = _mm256_shuffle_ps::<0b11_10_11_10>(half01, half23);
            let quarter = _mm256_add_ps(first, second);
            // Lanes 0 + 1: [r0, r2, r0, r2 | r1, r3, r1, r3].
            let even = _mm256_shuffle_ps::<0b10_00_10_00>(quarter, quarter);
            let odd = _mm256_shuffle_ps::<0b11_01_11_01>(quarter, quarter);
            let sums = _mm256_add_ps(even, odd);
            let in_order = _mm_unpacklo_ps(
                _mm256_castps256_ps128(sums),
                _mm256_extractf128_ps::<1>(sums),
            );
            let mut out = [0.0f32; 4];
            _mm_storeu_ps(out.as_mut_ptr(), in_order);
            out
        }
    }

    // Each `unsafe` below calls AVX, AVX2 or FMA intrinsics, which need only the CPU
    // features the token (`self`, a `V3` or a `V4`) proves; loads and stores address arrays
    // of exactly the floats they move.

    impl Lanes for V3 {
        const ISA: Isa = Isa::V3;
        type F32x16 = [__m256; 2];
        type F32x8 = __m256;

        #[inline(always)]
        fn splat(self, x: f32) -> [__m256; 2] {
            let v = self.splat8(x);
            [v, v]
        }
        #[inline(always)]
        fn load(self, x: &[f32; 16]) -> [__m256; 2] {
            // SAFETY: `self` proves AVX; 16 floats at `x`, read at 0 and 8.
            unsafe {
                [
                    _mm256_loadu_ps(x.as_ptr()),
                    _mm256_loadu_ps(x.as_ptr().add(8)),
                ]
            }
        }
        #[inline(always)]
        fn store(self, out: &mut [f32; 16], v: [__m256; 2]) {
            // SAFETY: `self` proves AVX; 16 floats at `out`, written at 0 and 8.
            unsafe {
                _mm256_storeu_ps(out.as_mut_ptr(), v[0]);
                _mm256_storeu_ps(out.as_mut_ptr().add(8), v[1]);
            }
        }
        #[inline(always)]
        fn add(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
            // SAFETY: `self` proves AVX.
            unsafe { [_mm256_add_ps(a[0], b[0]), _mm256_add_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn sub(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
            // SAFETY: `self` proves AVX.
            unsafe { [_mm256_sub_ps(a[0], b[0]), _mm256_sub_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn mul(self, a: [__m256; 2], b: [__m256; 2]) -> [__m256; 2] {
            // SAFETY: `self` proves AVX.
            unsafe { [_mm256_mul_ps(a[0], b[0]), _mm256_mul_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn mul_add(self, a: [__m256; 2], b: [__m256; 2], c: [__m256; 2]) -> [__m256; 2] {
            [
                self.mul_add8(a[0], b[0], c[0]),
                self.mul_add8(a[1], b[1], c[1]),
            ]
        }
        #[inline(always)]
        fn neg_mul_add(self, a: [__m256; 2], b: [__m256; 2], c: [__m256; 2]) -> [__m256; 2] {
            // SAFETY: `self` proves FMA.
            unsafe {
                [
                    _mm256_fnmadd_ps(a[0], b[0], c[0]),
                    _mm256_fnmadd_ps(a[1], b[1], c[1]),
                ]
            }
        }
        #[inline(always)]
        fn reduce_sum(self, v: [__m256; 2]) -> f32 {
            // SAFETY: `self` proves AVX.
            self.reduce_sum8(unsafe { _mm256_add_ps(v[0], v[1]) })
        }
        #[inline(always)]
        fn reduce_sum4(self, v: [[__m256; 2]; 4]) -> [f32; 4] {
            // SAFETY: `self` proves AVX.
            unsafe { reduce8_four(v.map(|x| _mm256_add_ps(x[0], x[1]))) }
        }

        #[inline(always)]
        fn splat8(self, x: f32) -> __m256 {
            // SAFETY: `self` proves AVX.
            unsafe { _mm256_set1_ps(x) }
        }
        #[inline(always)]
        fn load8(self, x: &[f32; 8]) -> __m256 {
            // SAFETY: `self` proves AVX; 8 floats at `x`.
            unsafe { _mm256_loadu_ps(x.as_ptr()) }
        }
        #[inline(always)]
        fn store8(self, out: &mut [f32; 8], v: __m256) {
            // SAFETY: `self` proves AVX; 8 floats at `out`.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn mul_add8(self, a: __m256, b: __m256, c: __m256) -> __m256 {
            // SAFETY: `self` proves FMA.
            unsafe { _mm256_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn reduce_sum8(self, v: __m256) -> f32 {
            // SAFETY: `self` proves AVX.
            unsafe { reduce8(v) }
        }
    }

    impl Lanes for V4 {
        const ISA: Isa = Isa::V4;
        type F32x16 = __m512;
        type F32x8 = __m256;

        #[inline(always)]
        fn splat(self, x: f32) -> __m512 {
            // SAFETY: `self` proves AVX-512F.
            unsafe { _mm512_set1_ps(x) }
        }
        #[inline(always)]
        fn load(self, x: &[f32; 16]) -> __m512 {
            // SAFETY: `self` proves AVX-512F; 16 floats at `x`.
            unsafe { _mm512_loadu_ps(x.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, out: &mut [f32; 16], v: __m512) {
            // SAFETY: `self` proves AVX-512F; 16 floats at `out`.
            unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn add(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: `self` proves AVX-512F.
            unsafe { _mm512_add_ps(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: `self` proves AVX-512F.
            unsafe { _mm512_sub_ps(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: `self` proves AVX-512F.
            unsafe { _mm512_mul_ps(a, b) }
        }
        #[inline(always)]
        fn mul_add(self, a: __m512, b: __m512, c: __m512) -> __m512 {
            // SAFETY: `self` proves AVX-512F.
            unsafe { _mm512_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn neg_mul_add(self, a: __m512, b: __m512, c: __m512) -> __m512 {
            // SAFETY: `self` proves AVX-512F.
            unsafe { _mm512_fnmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn reduce_sum(self, v: __m512) -> f32 {
            // SAFETY: `self` proves AVX-512F.
            unsafe { _mm512_reduce_add_ps(v) }
        }

        #[inline(always)]
        fn splat8(self, x: f32) -> __m256 {
            self.v3().splat8(x)
        }
        #[inline(always)]
        fn load8(self, x: &[f32; 8]) -> __m256 {
            self.v3().load8(x)
        }
        #[inline(always)]
        fn store8(self, out: &mut [f32; 8], v: __m256) {
            self.v3().store8(out, v)
        }
        #[inline(always)]
        fn mul_add8(self, a: __m256, b: __m256, c: __m256) -> __m256 {
            self.v3().mul_add8(a, b, c)
        }
        #[inline(always)]
        fn reduce_sum8(self, v: __m256) -> f32 {
            self.v3().reduce_sum8(v)
        }
    }
}

/// Off x86-64 no `V3` or `V4` value exists (their proof is uninhabited): the operations
/// are never called.
#[cfg(not(target_arch = "x86_64"))]
mod absent {
    use super::{Lanes, V3, V4};

    macro_rules! unreachable_lanes {
        ($t:ty, $isa:expr) => {
            impl Lanes for $t {
                const ISA: super::Isa = $isa;
                type F32x16 = [f32; 16];
                type F32x8 = [f32; 8];
                fn splat(self, _: f32) -> [f32; 16] {
                    match self._private {}
                }
                fn load(self, _: &[f32; 16]) -> [f32; 16] {
                    match self._private {}
                }
                fn store(self, _: &mut [f32; 16], _: [f32; 16]) {
                    match self._private {}
                }
                fn add(self, _: [f32; 16], _: [f32; 16]) -> [f32; 16] {
                    match self._private {}
                }
                fn sub(self, _: [f32; 16], _: [f32; 16]) -> [f32; 16] {
                    match self._private {}
                }
                fn mul(self, _: [f32; 16], _: [f32; 16]) -> [f32; 16] {
                    match self._private {}
                }
                fn mul_add(self, _: [f32; 16], _: [f32; 16], _: [f32; 16]) -> [f32; 16] {
                    match self._private {}
                }
                fn neg_mul_add(self, _: [f32; 16], _: [f32; 16], _: [f32; 16]) -> [f32; 16] {
                    match self._private {}
                }
                fn reduce_sum(self, _: [f32; 16]) -> f32 {
                    match self._private {}
                }
                fn splat8(self, _: f32) -> [f32; 8] {
                    match self._private {}
                }
                fn load8(self, _: &[f32; 8]) -> [f32; 8] {
                    match self._private {}
                }
                fn store8(self, _: &mut [f32; 8], _: [f32; 8]) {
                    match self._private {}
                }
                fn mul_add8(self, _: [f32; 8], _: [f32; 8], _: [f32; 8]) -> [f32; 8] {
                    match self._private {}
                }
                fn reduce_sum8(self, _: [f32; 8]) -> f32 {
                    match self._private {}
                }
            }
        };
    }
    unreachable_lanes!(V3, super::Isa::V3);
    unreachable_lanes!(V4, super::Isa::V4);
}
