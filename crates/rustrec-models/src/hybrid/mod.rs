//! Hybrid item-based model: a weighted sum of several item × item matrices — ItemKNN-CF,
//! ItemKNN-CBF, SLIM-MSE — `S = Σ_m w_m · S_m / max|S_m|`, with the weights learned on a
//! validation split (the course notebook's hybrid of similarity matrices).
//!
//! **Learning the weights.** A validation set is carved out of the training data
//! ([`rustrec_data::split::validation_split`]); every component is fitted on the rest and
//! scaled to a largest absolute entry of 1, so that weights are comparable. Starting from
//! all weights 1, coordinate ascent tries every value of `weight_grid` for one weight at a
//! time (the others fixed) and keeps the value with the best NDCG@`cutoff` on the validation
//! set (seen items excluded, ties keep the current value); `rounds` sweeps over the
//! components. The components are then refitted on the whole training data and summed with
//! the learned weights. Given `weights`, the search is skipped.

mod family;
mod hyperparams;
pub mod kernel;
mod train;

pub use family::Hybrid;
pub use hyperparams::{HybridParams, HybridValidParams};
pub use kernel::{ndcg_at, search_weights};
