//! Capability tokens: zero-sized values that prove the CPU runs an instruction set.
//!
//! A [`V3`] or [`V4`] can only come from its `try_new`, which asks the CPU at run time
//! (`is_x86_feature_detected!`); the private field stops any other code from building one.
//! So a function that takes a token by value can run code compiled for that instruction set
//! (through [`V3::vectorize`] / [`V4::vectorize`], or an `unsafe` call whose `SAFETY` note
//! names the token) without trusting its caller: holding the token is the proof.
//!
//! A token cannot be forged outside this module:
//!
//! ```compile_fail,E0451
//! let forged = rustrec_core::simd::V3 { _private: () };
//! ```
//!
//! while asking the CPU always compiles (and gives `None` where the CPU lacks AVX2 or FMA):
//!
//! ```
//! let maybe: Option<rustrec_core::simd::V3> = rustrec_core::simd::V3::try_new();
//! # let _ = maybe;
//! ```

use super::WithSimd;

/// What lets a token exist: `()` on x86-64; off x86-64 an uninhabited type, so that no
/// [`V3`] or [`V4`] value can exist there at all.
#[cfg(target_arch = "x86_64")]
type Proof = ();
#[cfg(not(target_arch = "x86_64"))]
type Proof = Never;

/// The type without values (tokens off x86-64).
#[cfg(not(target_arch = "x86_64"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Never {}

/// The portable level: plain Rust on every CPU (always available, freely made).
///
/// Its vector operations work on arrays and round every product before adding it (no fused
/// multiply-add), which is what the portable kernels always did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scalar;

/// Proof that the CPU has AVX2 and FMA (the vector part of x86-64-v3): 256-bit vectors and
/// fused multiply-adds. Made only by [`V3::try_new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct V3 {
    pub(super) _private: Proof,
}

/// Proof that the CPU has AVX-512F, AVX2 and FMA: 512-bit vectors. Made only by
/// [`V4::try_new`]; implies [`V3`] ([`V4::v3`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct V4 {
    pub(super) _private: Proof,
}

impl Scalar {
    /// Runs `op` with the portable primitives (no special compilation).
    #[inline(always)]
    pub fn vectorize<K: WithSimd>(self, op: K) -> K::Output {
        op.with_simd(self)
    }
}

impl V3 {
    /// `Some` when this CPU has AVX2 and FMA (and the operating system saves the 256-bit
    /// registers), `None` otherwise and off x86-64.
    #[inline]
    pub fn try_new() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Some(V3 { _private: () });
        }
        None
    }

    /// Runs `op` with this token, compiled for AVX2 and FMA: `op.with_simd` is inlined into
    /// a function with those target features, so the primitives it calls inline too.
    #[inline(always)]
    pub fn vectorize<K: WithSimd>(self, op: K) -> K::Output {
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2,fma")]
            fn compiled<K: WithSimd>(t: V3, op: K) -> K::Output {
                op.with_simd(t)
            }
            // SAFETY: `self` is a `V3`, which only `V3::try_new` makes, after detecting AVX2
            // and FMA on this CPU: the features `compiled` is built with.
            unsafe { compiled(self, op) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        match self._private {}
    }
}

impl V4 {
    /// `Some` when this CPU has AVX-512F, AVX2 and FMA (and the operating system saves the
    /// 512-bit registers), `None` otherwise and off x86-64.
    #[inline]
    pub fn try_new() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return Some(V4 { _private: () });
        }
        None
    }

    /// The [`V3`] this CPU also has (`V4::try_new` checked AVX2 and FMA too).
    #[inline(always)]
    pub fn v3(self) -> V3 {
        V3 {
            _private: self._private,
        }
    }

    /// Runs `op` with this token, compiled for AVX-512F, AVX2 and FMA (see
    /// [`V3::vectorize`]).
    #[inline(always)]
    pub fn vectorize<K: WithSimd>(self, op: K) -> K::Output {
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f,avx2,fma")]
            fn compiled<K: WithSimd>(t: V4, op: K) -> K::Output {
                op.with_simd(t)
            }
            // SAFETY: `self` is a `V4`, which only `V4::try_new` makes, after detecting
            // AVX-512F, AVX2 and FMA on this CPU: the features `compiled` is built with.
            unsafe { compiled(self, op) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        match self._private {}
    }
}
