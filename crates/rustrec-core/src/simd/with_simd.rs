//! [`WithSimd`]: a kernel written once, generic over the level, that each token compiles
//! for its instruction set.

use super::{Scalar, Simd};

/// A kernel (with its arguments) that runs at any level: [`super::Level::dispatch`] calls
/// `with_simd` with the level's token inside a function compiled for that level's
/// instruction set, so everything `with_simd` inlines — the kernel's loop, the
/// [`Simd`] primitives and their intrinsics — is compiled for it.
///
/// Mark `with_simd` `#[inline(always)]` (and the functions it calls in the hot loop): code
/// that is not inlined into the compiled function runs without the level's features.
pub trait WithSimd {
    /// What the kernel returns.
    type Output;

    /// Runs the kernel with the token `simd`.
    fn with_simd<S: Simd>(self, simd: S) -> Self::Output;
}

/// Runs `op` with the portable primitives ([`Scalar`]) whatever level it is dispatched at,
/// while still compiled for that level: the loops may vectorise (the compiler never fuses
/// or reorders float operations on its own, so the results are the portable ones).
///
/// ALS uses this at [`super::V3`], as it always did (its AVX2 build never had fused
/// multiply-adds).
#[derive(Clone, Copy, Debug)]
pub struct Portable<K>(pub K);

impl<K: WithSimd> WithSimd for Portable<K> {
    type Output = K::Output;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) -> K::Output {
        self.0.with_simd(Scalar)
    }
}
