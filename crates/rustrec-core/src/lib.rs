//! What every rustrec layer shares, and nothing more: the [`Recommender`] trait (what a
//! trained model can do), the [`Fit`] trait with its [`FitContext`] (seed, one explicit
//! thread pool, validation, early stopping, callbacks, history), the [`Task`] of a model,
//! top-N selection ([`topn`], [`recommend`]), rating errors ([`rating`]) and the SIMD layer
//! every fast kernel dispatches through ([`simd`]: the models' kernels and evaluation's
//! per-user passes).
//!
//! Like linfa's root crate, this crate holds no algorithm: the models crate implements the
//! traits and the evaluation crate consumes them, so evaluation does not depend on the
//! models (and their numerical dependencies).
#![warn(missing_docs)]

pub mod cluster;
mod error;
mod fit;
pub mod rating;
pub mod recommend;
mod recommender;
pub mod simd;
mod task;
mod threads;
pub mod topn;

pub use error::CoreError;
pub use fit::{
    EarlyStopping, EpochCallback, EpochReport, Evaluate, Fit, FitContext, Metrics, Profile,
    Validation,
};
pub use recommender::{Exclusion, FoldIn, Recommender};
pub use task::Task;
pub use threads::{MAX_THREADS, Threads};
