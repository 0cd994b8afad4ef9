//! The SIMD layer: capability tokens that only run-time detection creates, the vector
//! operations of each instruction-set level, and the primitives every fast kernel shares.
//!
//! # Design
//!
//! * **Tokens**: [`Scalar`] (portable, always), [`V3`] (AVX2 + FMA) and [`V4`]
//!   (AVX-512F, implies V3) are zero-sized `Copy` types with a private field; only
//!   `V3::try_new` / `V4::try_new` make them, after `is_x86_feature_detected!` (the only
//!   place in the crate that asks the CPU). [`Level`] holds one, so a `Level` value exists
//!   only for an instruction set this CPU has; [`Isa`] names a level that may be absent.
//! * **Lanes** ([`Lanes`]): the per-level vector operations (16- and 8-lane `f32` vectors,
//!   loads and stores from arrays, `mul_add`, a fixed-tree horizontal sum) — the only code
//!   written once per instruction set.
//! * **Primitives** ([`Simd`]): `dot`, `axpy`, the fused dot-then-axpy step, written once
//!   over [`Lanes`]; a level overrides one only to choose between documented summation
//!   orders.
//! * **Dispatch** ([`WithSimd`]): a kernel is a value implementing `with_simd<S: Simd>`;
//!   [`Level::dispatch`] hands it the token inside a function compiled with the level's
//!   target features, so its loop and the primitives inline and compile for that level.
//!
//! No safe function reaches `#[target_feature]` code without a token: the functions that
//! carry those attributes here take or are methods of a token, and a kernel with its own
//! `#[target_feature]` function (SLIM's chunked step) takes the token as an argument and is
//! called in `unsafe` only where the caller holds one, naming it in the `SAFETY` note.
//!
//! # Adding a kernel
//!
//! Write its loop once as `fn with_simd<S: Simd>(self, s: S)` (`#[inline(always)]`), using
//! `s.dot`, `s.axpy`, … or the [`Lanes`] operations on `as_chunks::<16>()` of the rows; keep
//! the readable reference beside it; dispatch with [`Level::detect`]`().dispatch(..)` (or
//! `Level::at_most` when it is written for fewer levels); test it at every level with
//! [`each_level`], which reports the levels the CPU lacks instead of comparing the portable
//! code with itself.
//!
//! # Why not pulp
//!
//! pulp (in the tree through faer) has exactly this design (`pulp::x86::V3`/`V4`, `Arch`,
//! `WithSimd`), and these names follow it, but it does not fit here:
//! * its `V4` exists only with pulp's `x86-v4` feature, which faer enables only with its
//!   `nightly` feature. Turning it on for us would turn it on for faer and gemm too (Cargo
//!   unifies features), whose run-time dispatch (`Arch::default()`) would then pick their
//!   AVX-512 kernels — changing the results of EASE's and ALS's faer Cholesky solves, which
//!   must stay bit-identical;
//! * its tokens demand more than the kernels use (V3 also BMI1/2, LZCNT, POPCNT; V4 also
//!   AVX-512 BW/CD/DQ/VL), so a CPU with AVX2+FMA or AVX-512F alone would fall back;
//! * the kernels are written with `std::arch` intrinsics in fixed summation orders (the
//!   trained bits must not change); pulp's `f32s` changes width with the level, and its
//!   generic reductions do not promise these orders.
//!
//! So this module is the small equivalent: three tokens and the operations the kernels use.

mod lanes;
mod level;
mod prefetch;
mod primitives;
mod token;
mod with_simd;

pub use lanes::Lanes;
pub use level::{Isa, Level, each_level};
pub use prefetch::prefetch;
pub use primitives::{Simd, dot_axpy_64};
pub use token::{Scalar, V3, V4};
pub use with_simd::WithSimd;
