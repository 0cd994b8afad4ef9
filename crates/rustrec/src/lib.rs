//! rustrec: a fast recommender-system engine.
//!
//! This facade re-exports the crates a library user needs —
//! [`data`] (interactions, readers, splits, statistics, synthetic data),
//! [`io`] (the model file format), [`models`] (models and the training engine) and
//! [`eval`] (metrics and evaluation protocols) — and adds [`experiment`], which runs a whole
//! experiment (data → split → fit → evaluate) from a TOML configuration, as
//! `rustrec fit --config` does, and [`serving`], what every front end (CLI, HTTP server)
//! shares to answer requests with a saved model.
#![warn(missing_docs)]

pub mod compare;
pub mod cv;
pub mod experiment;
pub mod history;
pub mod lr_find;
pub mod report;
pub mod serving;
pub mod stats;
pub mod tune;

pub use rustrec_data as data;
pub use rustrec_eval as eval;
pub use rustrec_io as io;
pub use rustrec_models as models;
