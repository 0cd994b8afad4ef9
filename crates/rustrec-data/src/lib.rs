//! Interaction data for rustrec.
//!
//! The flow is: a reader (or the synthetic generator) produces [`Triplets`] — raw
//! `(user, item, value, timestamp)` rows already mapped to dense indices by an [`IdMap`] —
//! and [`Triplets::build`] turns them into [`Interactions`], the training-data type: a
//! user × item sparse matrix stored both as CSR (by user) and CSC (by item), with sorted
//! indices in every row, f32 values and optional timestamps.
//!
//! Two `Interactions` built with the same `Arc<IdMap>`s share one id space, which is how a
//! train and a test set (or a predefined `ua.base` / `ua.test` pair) stay comparable.
#![warn(missing_docs)]

pub mod content;
mod error;
mod ids;
mod interactions;
mod kcore;
mod progress;
pub mod read;
pub mod split;
pub mod stats;
pub mod synth;
mod triplets;
pub mod write;

pub use error::{DataError, Result};
pub use ids::{IdKind, IdMap, ItemIdx, RawId, UserIdx};
pub use interactions::{Col, Interactions, Row};
pub use kcore::{KCoreReport, kcore};
pub use progress::{NoProgress, Progress};
pub use read::{
    DelimitedSpec, Format, ReadOptions, ReadReport, TrainTest, detect_format, read_interactions,
    read_train_test, read_triplets,
};
pub use stats::{DatasetStats, describe};
pub use triplets::{DuplicatePolicy, Triplets};
