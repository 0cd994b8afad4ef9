//! rustrec models and the shared training engine.
//!
//! Every model implements [`Recommender`] (score, predict, recommend) and has a parameter
//! type implementing [`Fit`], following the checked/unchecked pattern: `XParams` is an
//! unchecked builder, `XParams::check` validates it into `XValidParams` (failing with the
//! parameter's name, value and allowed range), and fitting a valid parameter set returns the
//! model.
#![warn(missing_docs)]

pub mod als;
pub mod asysvd;
pub mod baseline;
pub mod bpmf;
pub mod bpr;
pub mod ease;
pub mod engine;
mod error;
mod fit;
pub mod hybrid;
pub mod knn;
pub mod mf;
mod model_file;
mod params;
pub mod profiles;
pub mod rating;
pub mod recommend;
mod recommender;
mod registry;
pub mod slim;
pub mod topn;

pub use error::{ModelError, Result};
pub use fit::{
    EarlyStopping, EpochCallback, EpochReport, Fit, FitContext, Metrics, Profile, Validation,
};
pub use recommender::{Exclusion, FoldIn, Recommender};
pub use registry::{LoadedModel, ModelSpec, Task, TrainedModel};
