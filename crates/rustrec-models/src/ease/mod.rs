//! EASE^R (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): an item-item
//! linear model with a closed-form solution.
//!
//! # The model
//! With `X` the users × items training matrix, EASE^R finds the item-item weights
//!
//! ```text
//! B = argmin ‖X − XB‖²_F + λ‖B‖²_F   subject to diag(B) = 0,
//! ```
//!
//! whose solution (Lagrange multipliers on the diagonal constraint) is
//!
//! ```text
//! G = XᵀX + λI,   P = G⁻¹,   B = I − P · diag(1 / diag(P))
//! ```
//!
//! i.e. `B_ij = −P_ij / P_jj` off the diagonal and `B_jj = 0`. A user's scores are
//! `r̂_u = x_u · B`: the sum of the rows of `B` of the user's items (weighted by their
//! values when the model uses them). The same formula scores a user absent from training
//! from their history alone ([`crate::FoldIn`]).
//!
//! # Computation ([`kernel`])
//! * `G = XᵀX` is accumulated from the sparse `X` without densifying it: row `i` of `G` is
//!   `Σ_{u ∈ users(i)} x_ui · x_u`, one dense row per item, computed in parallel over items
//!   (cost `Σ_u |I(u)|²`, a fraction of a second on MovieLens-1M).
//! * `G + λI` is factorised by faer's blocked Cholesky (`LLᵀ`) and inverted from its factor
//!   in `f64`, on the fit's thread count (`Par::rayon(threads)`); this `O(n_items³)` step
//!   dominates the fit. Memory: three `n_items²` f64 matrices at the peak (330 MB for the
//!   3,706 items of MovieLens-1M), and the final `B` in f32.
//! * `B` is stored row-major in f32, so that scoring a user adds contiguous rows.

mod family;
mod hyperparams;
pub mod kernel;
mod model;
mod persist;
mod train;

pub use family::Ease;
pub use hyperparams::{EaseParams, EaseValidParams};
pub use model::EaseModel;
pub use persist::SCHEMA;
