//! Evaluation of rustrec models: rating metrics, ranking metrics and protocols.
//!
//! * [`rating`] — RMSE, MAE, MSE of predicted ratings on held-out ratings
//!   ([`evaluate_ratings`], [`evaluate_ratings_with_train`]).
//! * [`metrics`] — the ranking metrics, one file per family, with their definitions.
//! * [`protocol`] — how users and candidates are walked: the full ranking
//!   ([`evaluate_ranking`] with a [`RankingConfig`]) and the sampled protocol
//!   ([`evaluate_sampled`] with a [`SampledConfig`]).
//! * [`report`] — [`RankingMetrics`] (ordered named values, JSON) and per-user results
//!   ([`PerUserResults`], CSV / JSON Lines exports for significance tests).
//!
//! All evaluations work in the model's id space (train and test share one in rustrec),
//! run in parallel over users in bounded memory (one score buffer per worker, never a
//! users × items matrix) and give the same result whatever the thread count.
//!
//! ```
//! use std::sync::Arc;
//! use rustrec_data::{IdMap, Interactions, UserIdx};
//! use rustrec_eval::{RankingConfig, evaluate_ranking, metrics::Metric};
//! use rustrec_core::Recommender;
//!
//! /// Scores item i as i: a popularity-like fixed order.
//! struct ByIndex(Arc<IdMap>, Arc<IdMap>);
//! impl Recommender for ByIndex {
//!     fn kind(&self) -> &'static str { "by-index" }
//!     fn user_ids(&self) -> &Arc<IdMap> { &self.0 }
//!     fn item_ids(&self) -> &Arc<IdMap> { &self.1 }
//!     fn score_into(&self, _: UserIdx, out: &mut [f32]) {
//!         for (i, s) in out.iter_mut().enumerate() { *s = i as f32; }
//!     }
//! }
//! let train = Interactions::from_index_triplets(1, 4, &[(0, 0, 1.0)]).unwrap();
//! let test = Interactions::from_index_triplets(1, 4, &[(0, 3, 1.0)]).unwrap();
//! let model = ByIndex(train.user_ids().clone(), train.item_ids().clone());
//! let cfg = RankingConfig {
//!     cutoffs: vec![1],
//!     metrics: vec![Metric::Precision, Metric::Auc],
//!     ..RankingConfig::default()
//! };
//! let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
//! assert_eq!(m.get("precision@1"), Some(1.0)); // item 3 scores highest
//! assert_eq!(m.get("auc"), Some(1.0));
//! ```
#![warn(missing_docs)]

mod error;
mod id_space;
pub mod metrics;
pub mod protocol;
pub mod rating;
pub mod report;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
mod unknown_rows;

pub use error::{EvalError, Result};
pub use metrics::Metric;
pub use protocol::full::{RankingConfig, evaluate_ranking};
pub use protocol::sampled::{SampledConfig, evaluate_sampled};
pub use rating::{
    RatingMetrics, TrainCoverage, evaluate_ratings, evaluate_ratings_with_coverage,
    evaluate_ratings_with_train,
};
pub use report::{PerUserResult, PerUserResults, RankingMetrics};
pub use unknown_rows::{TestRow, UnknownRowCensus, UnknownTestRows};
