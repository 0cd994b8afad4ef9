//! rustrec models and the shared training engine.
//!
//! Every model family lives in its own folder and declares itself once, as a
//! [`Family`] (kind name, task, inputs, hyperparameter table, fit, file schema, loading);
//! the registry lists the families in one place (below) and every command asks it
//! ([`ModelSpec`] for parameters of any kind, [`TrainedModel`] for a trained model of any
//! kind, [`registry::families`] for the list). Parameters follow the checked/unchecked
//! pattern: `XParams` is an unchecked builder, `XParams::check` validates it into
//! `XValidParams` (failing with the parameter's name, value and allowed range), and fitting
//! a valid parameter set returns the model.
#![warn(missing_docs)]

pub mod engine;
mod error;
pub mod factors;
pub mod family;
mod model_file;
pub mod params;
pub mod profiles;
pub mod registry;
pub mod schema;
pub mod similar;

// The model families: one line per folder, with the families it declares. This is the
// registry's list (`registry::FAMILIES`, in this order) and the only place a family is
// added.
registry::declare_families! {
    mf: [Mf],
    bpmf: [Bpmf],
    bpr: [Bpr],
    als: [Als, Ials],
    ease: [Ease],
    slim: [SlimMse],
    knn: [ItemKnn, ItemKnnCbf],
    hybrid: [Hybrid],
    asysvd: [AsySvd],
    baseline: [TopPop, Random],
}

pub use error::{ModelError, Result};
pub use factors::FactorTables;
pub use family::{DynFamily, Family, Input, ParamInfo};
pub use registry::{LoadedModel, Model, ModelSpec, TrainedModel};
pub use rustrec_core::{
    EarlyStopping, EpochCallback, EpochReport, Exclusion, Fit, FitContext, FoldIn, Metrics,
    Profile, Recommender, Task, Threads, Validation, rating, recommend, topn,
};
pub use similar::SimilarItems;
