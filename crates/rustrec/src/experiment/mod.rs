//! Whole experiments from a configuration: data → split → validation → fit → evaluate.
//!
//! This is what `rustrec fit --config FILE` runs; library users can run the same
//! configurations, or build an [`ExperimentConfig`] in code.

mod config;
mod data;
mod error;
mod metric;
mod run;
mod test_threshold;

pub use config::{
    DataConfig, EvalConfig, ExperimentConfig, SplitConfig, SyntheticConfig, TrainConfig,
    ValidationConfig, set_key, set_value,
};
pub use data::{ClusterExchange, LoadedData, apply_split, load, load_with, resolve};
pub use error::{ExperimentError, Result};
pub use metric::{check_metric, is_rating_metric};
pub use run::{Outcome, RunHooks, RunOptions, evaluate_into, run, run_with};
pub use test_threshold::{TestThreshold, trained_implicit_threshold};
