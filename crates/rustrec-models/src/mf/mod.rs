//! Biased matrix factorization for explicit ratings (Koren, Bell & Volinsky 2009; Koren
//! 2008): `r̂ = μ + b_u + b_i + p_u·q_i`, with the plain-MF, dropout (torchmf) and
//! `y_range` (fastai) variants, trained by the shared SGD engine. Seed ensembles
//! (`members`) train several factorizations and merge them exactly into one model
//! (`ensemble`).

pub(crate) mod ensemble;
mod family;
mod hyperparams;
pub mod kernel;
mod model;
mod persist;
pub mod rows_kernel;
pub(crate) mod train;

pub use crate::engine::grid::{DEFAULT_BINS, MAX_BINS};
pub use crate::engine::sgd::Init;
pub use ensemble::member_seed;
pub use family::Mf;
pub use hyperparams::{
    Clip, Layout, MAX_MEMBERS, MfParams, MfValidParams, Output, ROWS_LAYOUT_MIN_RATINGS, Reduction,
    Sampling,
};
pub use model::MfModel;
pub use persist::SCHEMA;
