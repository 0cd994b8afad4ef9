//! Alternating least squares: explicit ratings with weighted-λ regularisation (Zhou,
//! Wilkinson, Schreiber & Pan 2008) and implicit feedback with confidence weights (Hu,
//! Koren & Volinsky 2008), solved per row exactly (Cholesky) or by a few warm-started
//! conjugate-gradient steps (Takács, Pilászy & Tikk 2011).
//!
//! Each iteration fixes the item factors and solves every user's regularised least-squares
//! problem, then the other way round. For implicit feedback the sum over *all* items is
//! split as `YᵀY + Σ_obs (c_ui − 1) y_i y_iᵀ`, with `YᵀY` computed once per half-step, so a
//! CG step on user u costs `O(k² + n_u·k)`. See `kernel.rs` for the maths of one row and
//! [`AlsModel`] for the layout of biases.
//!
//! Kinds in configs: `als` (explicit, task Rating) and `ials` (implicit, task Ranking);
//! both save as model kind `als` with `implicit` in the header's parameters.
//!
//! Beyond `fit`: [`AlsModel`] implements [`crate::FoldIn`] (an exact solve of a new
//! user's row against the fixed items) and [`AlsModel::partial_fit`] (more iterations on
//! data in a grown id space; untouched old users keep their rows exactly).
//!
//! Speed (release, 2 threads, ML-1M `ratings.dat` as implicit feedback, k = 64, CG with
//! 3 steps; `cargo run --release -p rustrec --example als_ml1m -- ratings.dat 2`): about
//! 0.054–0.073 s per iteration against 0.103–0.125 s for `implicit` 0.7.3 measured in the
//! same session (`peers/implicit-als-rate.sh`). The hot loop is one fused dot + axpy per
//! interaction (`dot_axpy`, explicit AVX-512 with the row kept in registers).
//!
//! The row solves read a gathered, contiguous copy of the row's other-side rows
//! (`gathered.rs`, `exact.rs`): CG passes keep their accumulator in registers (rows up to 64
//! floats with AVX-512, up to 32 below it: on an AVX2 machine a register pass over more
//! spills, and the per-rating kernel is faster there); the exact
//! (Cholesky) solve forms its matrix with a register-blocked Gram kernel (`row_gram.rs`) and
//! factors it right-looking in f64. Measured under heavy load on the 2-core machine (CPU time
//! of 10 iterations / 2 threads): explicit ALS on ML-1M, k = 40 with biases, Cholesky:
//! 0.053 s per iteration against 0.355 s for the per-rating rank-1 kernel; iALS k = 64 on the
//! Netflix-shaped set (`bench/ials_vs_implicit.sh`): about 0.19× implicit's CPU time per
//! iteration (0.69× before). On an AMD EPYC with AVX2 only, as whole acceptance runs
//! (`../shared/acceptance/als.sh`, `scale.sh`): ML-1M 0.054 s against implicit's 0.123 s per
//! iteration, Netflix-shaped 8.7 s against 23.8 s (0.37×).
//!
//! Note on `implicit` (benfred): its version 0.7 uses confidence `α·r` for an observed
//! pair (so α = 1 on binary data gives confidence 1, i.e. observed and unobserved pairs
//! weigh the same), where this module follows the paper's `1 + α·r`.

mod exact;
mod family;
mod gathered;
mod hyperparams;
mod kernel;
mod model;
mod persist;
mod row_gram;
mod train;

pub use family::{Als, AlsFamily, Ials};
pub use hyperparams::{AlsParams, AlsValidParams, Solver};
pub use model::AlsModel;
pub use persist::SCHEMA;
