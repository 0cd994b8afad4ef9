//! Implicit-feedback matrix factorization ranked by pairwise losses: BPR-MF (Rendle et
//! al. 2009) and WARP-MF (Weston et al. 2011, as in LightFM), trained by the shared
//! block-parallel SGD engine.
//!
//! * [`hyperparams`](BprParams) — the parameters (one model kind `bpr`, `loss = "bpr" |
//!   "warp"`), with their table of defaults and ranges.
//! * [`sampler`] — positives of a block, negatives among the user's unseen items of the
//!   block's item bin (exact, never a seen item).
//! * [`kernel`] — losses, gradients, the per-block loop (fused SGD path and generic
//!   optimizer path).
//! * `loss_sum` — a block's loss total with one logarithm per block.
//! * `train` — the [`crate::engine::Trainer`] over the grid; `model` — [`BprModel`];
//!   `persist` — model files.

mod family;
mod hyperparams;
pub mod kernel;
mod loss_sum;
mod model;
mod persist;
pub mod sampler;
pub(crate) mod train;

pub use family::Bpr;
pub use hyperparams::{BprParams, BprValidParams, Loss, PairSampling};
pub use model::BprModel;
pub use persist::SCHEMA;

#[cfg(test)]
mod tests;
