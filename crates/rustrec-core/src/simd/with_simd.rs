//! [`WithSimd`]: a kernel written once, generic over the level, that each token compiles
//! for its instruction set.

use super::Simd;

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
