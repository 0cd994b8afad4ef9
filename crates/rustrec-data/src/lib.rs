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
//!
//! Around that type: [`split`] (seeded holdout, leave-k-out and temporal splits with
//! cold-start counts), [`kcore`] (k-core filtering), [`synth`] (MovieLens-shaped synthetic
//! data from a planted model) and [`write`](mod@write) (rating files in the MovieLens and generic
//! layouts).
//!
//! For every command that writes files: [`atomic`] (a file is replaced whole or not at all,
//! and no temporary file outlives an error or Ctrl-C), [`paths`] (an output that would
//! overwrite an input or another output is refused before anything is read), [`values`]
//! (list and number flags parsed one way everywhere) and [`escape_control`] (file content
//! shown without raw control characters).
//!
//! ```
//! use rustrec_data::split::{LeaveOut, leave_k_out};
//! use rustrec_data::synth::{Preset, SynthParams, synthesize};
//! use rustrec_data::NoProgress;
//!
//! let params = SynthParams { users: 100, items: 50, ratings: 3_000, ..SynthParams::like(Preset::Ml100k) };
//! let data = synthesize(&params, &NoProgress)?;
//! let split = leave_k_out(&data, 1, LeaveOut::Latest, 7)?;
//! assert_eq!(split.test.nnz(), 100); // every user has at least 20 ratings
//! assert_eq!(split.train.nnz() + split.test.nnz(), 3_000);
//! # Ok::<(), rustrec_data::DataError>(())
//! ```
#![warn(missing_docs)]

pub mod atomic;
pub mod content;
mod error;
mod escape;
mod file_format;
mod freed_memory;
mod huge_pages;
mod ids;
mod interactions;
mod kcore;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod paths;
#[cfg(feature = "parquet")]
mod prefault;
mod progress;
pub mod read;
pub mod split;
pub mod stats;
pub mod synth;
mod triplets;
mod triplets_in_place;
mod user_column;
pub mod values;
pub mod write;

pub use error::{DataError, Result};
pub use escape::{Escaped, escape_control};
pub use ids::{IdKind, IdMap, ItemIdx, RawId, UserIdx};
pub use interactions::{Col, Interactions, Row, ValueSummary};
pub use kcore::{KCoreReport, kcore};
pub use progress::{NoProgress, Progress};
pub use read::{
    DelimitedSpec, Exchange, Format, ReadOptions, ReadReport, TimestampUse, TrainTest,
    detect_format, read_in_id_space, read_interactions, read_interactions_shared, read_train_test,
    read_train_test_shared, read_triplets,
};
pub use stats::{DatasetStats, describe};
pub use triplets::{DuplicatePolicy, Triplets};
pub use user_column::UserColumn;
