//! SLIM (Ning & Karypis 2011) with the squared-error loss, trained by SGD exactly as in the
//! recommender-systems course notebook (uniform draws of stored interactions with
//! replacement, `nnz` per epoch), with the ElasticNet terms, non-negativity, a cosine start
//! and top-`k` pruning as options. See [`kernel`] for the layout and the race-free parallel
//! schedule, [`SlimMseParams`] for the parameters.

pub mod chunked;
mod family;
mod hyperparams;
pub mod kernel;
mod relabel;
mod train;

pub use family::SlimMse;
pub use hyperparams::{DEFAULT_GROUPS, MAX_GROUPS, SlimInit, SlimMseParams, SlimMseValidParams};
pub use train::{SlimTrainer, item_groups};
