//! Hyperparameter search: `rustrec tune`.
//!
//! A [`Study`] runs trials of a base configuration over a [`SearchSpace`], each scored on a
//! validation split carved from the training data (never the test set), logs every trial
//! ([`TrialLog`]), and refits the best configuration once to score it on the test set. The
//! pieces, one per file:
//!
//! | file | what |
//! |---|---|
//! | [`space`] | the search space file (`type = "int" | "float" | "choice"`, `low`, `high`, `log`, `values`) |
//! | [`samplers`] | random and grid sampling, the objective's direction |
//! | [`tpe`] | the tree-structured Parzen estimator (Bergstra et al. 2011), through the `tpe` crate |
//! | [`pruners`] | the median stopping rule and asynchronous successive halving, from per-epoch validation values |
//! | [`trial_log`] | trial records and the append-only JSON Lines log that `--resume` continues |
//! | [`study`] | trials, parallel batches, the best configuration, its refit and test |
//! | [`importance`](mod@importance) | parameter importance (variance explained by binned values) |
//!
//! ```no_run
//! use rustrec::tune::{SearchSpace, Study, TuneSettings, Sampler, Pruner};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let base: toml::Table = toml::from_str(&std::fs::read_to_string("mf.toml")?)?;
//! let space = SearchSpace::from_toml(&std::fs::read_to_string("space.toml")?)?;
//! let settings = TuneSettings { trials: 30, pruner: Pruner::median(), ..TuneSettings::default() };
//! let study = Study::new(base, space, settings, None, &rustrec::data::NoProgress)?;
//! let trials = study.run(Vec::new(), &|t| { println!("{} {:?}", t.number, t.value); Ok(()) })?;
//! let best = study.best(&trials).expect("a trial completed");
//! let (_table, _cfg, outcome) = study.refit(&best.params, &rustrec::data::NoProgress)?;
//! println!("test rmse {}", outcome.figures["rmse"]);
//! # Ok(()) }
//! ```

pub mod importance;
pub mod pruners;
pub mod samplers;
pub mod space;
pub mod study;
pub mod tpe;
pub mod trial_log;

pub use importance::{Importance, importance};
pub use pruners::Pruner;
pub use samplers::{Direction, Sampler};
pub use space::{Domain, Param, SearchSpace};
pub use study::{Objective, Study, TuneSettings, metric_figures};
pub use tpe::TpeSettings;
pub use trial_log::{TrialLog, TrialRecord, TrialState, read_log};

#[cfg(test)]
mod tests;
