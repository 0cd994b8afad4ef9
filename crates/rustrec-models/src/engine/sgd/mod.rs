//! The scaffolding every SGD-trained factor model shares, so that a trainer's epoch is the
//! kernel call and little else:
//!
//! * [`SgdSettings`]: the common parameter block (`factors`, `epochs`, `lr`, `optimizer`,
//!   `schedule`), declared once with its ranges and help by the `sgd { .. }` section of
//!   `hyperparams!`, and checked with the rest of a family's table;
//! * [`Init`] and [`init_table`]: how factor rows start;
//! * [`SideTables`] / [`SideBin`]: one side's per-row tables (factors, biases, optimizer
//!   state, step counts, regularisation weights) in the grid's row order, handed out as
//!   disjoint per-bin slices for the block schedule;
//! * [`EpochClock`]: the learning rate and momentum at a point of a block of an epoch.

mod clock;
mod init;
mod settings;
mod side;

pub use clock::EpochClock;
pub use init::{Init, init_table};
pub use settings::SgdSettings;
pub use side::{SideBin, SideTables, split_rows};
