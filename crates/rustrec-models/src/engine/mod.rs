//! The training engine shared by every SGD-trained model: row tables, optimizers,
//! learning-rate schedules, seeded random streams, the parallel block schedule and the
//! epoch loop (validation, early stopping, divergence checks, callbacks).
//!
//! A model brings its parameter tables (user side, item side) and a per-block kernel; the
//! engine cuts the data into blocks ([`grid::Grid`]), hands each block its disjoint slices of
//! the tables on the rayon pool, and runs epochs ([`epochs::train`]). The SGD factor models
//! share their parameter block, initialisation, per-side tables and learning-rate clock
//! ([`sgd`]); every fast kernel dispatches through the SIMD layer ([`simd`]).

pub mod checkpoint;
#[cfg(test)]
mod distributed_tests;
pub mod epochs;
pub mod exchange;
pub mod grid;
pub mod linalg;
pub mod memory;
pub mod optimizer;
pub mod packed;
pub mod rng;
pub mod row_grid;
pub mod schedule;
pub mod scoring;
pub mod sgd;
pub mod table;

/// The SIMD layer, shared with evaluation from `rustrec-core` (see its docs).
pub use rustrec_core::simd;

pub use epochs::{EpochStats, Trainer, stop_when};
pub use optimizer::{Optimizer, StepSize};
pub use schedule::Schedule;
pub use table::RowTable;
