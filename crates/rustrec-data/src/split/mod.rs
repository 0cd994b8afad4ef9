//! Train/test splits: random holdout, leave-k-out per user, and temporal cuts.
//!
//! # Guarantees
//! Every split takes one [`Interactions`] and returns a [`Split`] whose `train` and `test`
//! * share the input's id maps (`Arc<IdMap>`s): a user or item index means the same in
//!   both, and a user or item may have no interactions in one of them;
//! * are disjoint (no (user, item) pair is in both) and together hold exactly the input's
//!   entries, values and timestamps;
//! * are reproducible: the random splits draw from a [`Xoshiro256PlusPlus`] generator seeded
//!   from a `u64`, and visit entries in CSR order, so the same data and seed always give the
//!   same split, on any machine and with any number of threads.
//!
//! # The splits
//! * [`holdout`]: exactly `round(nnz × test_fraction)` entries chosen uniformly at random,
//!   all users together (the classic 80/20 split).
//! * [`leave_k_out`]: per user, `k` entries go to test, chosen at random
//!   ([`LeaveOut::Random`]) or the user's latest ([`LeaveOut::Latest`], by timestamp; ties
//!   between equal timestamps go by item index, the larger index counting as later).
//!   Users with `k` or fewer interactions stay whole in train.
//! * [`temporal`]: a global time cut; the latest `round(nnz × test_fraction)` entries by
//!   timestamp go to test (ties between equal timestamps by CSR position, the later position
//!   counting as later). [`temporal_at`] cuts at a given timestamp instead.
//! * [`Split::new`] checks and reports a predefined pair (such as MovieLens `ua.base` /
//!   `ua.test`) read into one id space.
//!
//! # Validation sets
//! A validation set is a split of the training set: apply any of these functions to
//! `split.train` (its `train` becomes the fitting set, its `test` the validation set). The
//! test set is never touched. [`validation_split`] does this with a random holdout, deriving
//! its own seed from the one given so that it does not repeat the outer split's draws;
//! [`validation_leave_k_out`] does it per user (a second random leave-k-out), which mirrors
//! a leave-k-out test protocol.
//!
//! # Cold users and items
//! A user or item that appears in test but has no interaction in train is *cold*. Random
//! splits create a few (a user whose every entry was drawn into test; a rare item);
//! temporal splits create many (users who joined after the cut). [`SplitReport`] counts cold
//! test users, cold test items, and the test rows that involve either.
//!
//! Policy: a split **keeps** cold rows in test, because that is the honest picture of the
//! data. Rating models predict them from what they know (global mean and the known bias),
//! and ranking evaluation skips users with no training data. To evaluate on warm rows only,
//! call [`drop_cold_test_rows`] (or [`Split::without_cold_test_rows`]); the report then
//! says how many rows were removed ([`SplitReport::dropped_cold_rows`]).

mod holdout;
mod leave_out;
mod report;
mod temporal;

#[cfg(test)]
mod tests;

pub use holdout::{holdout, validation_split};
pub use leave_out::{LeaveOut, leave_k_out, validation_leave_k_out};
pub use report::SplitReport;
pub use temporal::{temporal, temporal_at};

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{DataError, Result};
use crate::interactions::Interactions;

/// A train and a test set over one id space, with counts describing them.
#[derive(Clone, Debug)]
pub struct Split {
    /// The entries to fit on.
    pub train: Interactions,
    /// The held-out entries.
    pub test: Interactions,
    /// Sizes and cold-start counts.
    pub report: SplitReport,
}

impl Split {
    /// A predefined split (for example `ua.base` / `ua.test` read into one id space).
    ///
    /// Fails if the two sets do not share an id space or hold a common (user, item) pair.
    pub fn new(train: Interactions, test: Interactions) -> Result<Self> {
        if !train.same_id_space(&test) {
            return Err(DataError::Invalid(
                "train and test do not share one id space; read them with shared id maps".into(),
            ));
        }
        for (u, i, _) in test.iter() {
            if train.contains(u, i) {
                return Err(DataError::Invalid(format!(
                    "train and test both hold (user {}, item {})",
                    train.user_ids().raw(u.0),
                    train.item_ids().raw(i.0)
                )));
            }
        }
        Ok(Self::from_mask_unchecked(train, test))
    }

    /// Builds the report of a pair known to be a valid split.
    fn from_mask_unchecked(train: Interactions, test: Interactions) -> Self {
        let report = SplitReport::compute(&train, &test);
        Split {
            train,
            test,
            report,
        }
    }

    /// Splits `x` by a mask over its CSR positions: `true` goes to test.
    pub(crate) fn from_test_mask(x: &Interactions, in_test: &[bool]) -> Self {
        let train = x.filter(|_, _, _, k| !in_test[k]);
        let test = x.filter(|_, _, _, k| in_test[k]);
        Self::from_mask_unchecked(train, test)
    }

    /// The same split without the test rows whose user or item is cold.
    pub fn without_cold_test_rows(mut self) -> Self {
        drop_cold_test_rows(&mut self);
        self
    }
}

/// Removes from `split.test` every row whose user or item has no interaction in
/// `split.train`, updates the report (cold counts become 0) and returns how many rows were
/// removed (also added to [`SplitReport::dropped_cold_rows`]).
pub fn drop_cold_test_rows(split: &mut Split) -> usize {
    let train = &split.train;
    let before = split.test.nnz();
    let warm = split
        .test
        .filter(|u, i, _, _| train.user_degree(u) > 0 && train.item_degree(i) > 0);
    let removed = before - warm.nnz();
    split.test = warm;
    let dropped = split.report.dropped_cold_rows + removed;
    split.report = SplitReport::compute(&split.train, &split.test);
    split.report.dropped_cold_rows = dropped;
    removed
}

/// A generator for one split, seeded from `seed`.
pub(crate) fn rng_from(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Checks that `fraction` lies strictly between 0 and 1.
pub(crate) fn check_fraction(name: &'static str, fraction: f64) -> Result<()> {
    if fraction > 0.0 && fraction < 1.0 {
        Ok(())
    } else {
        Err(DataError::invalid_parameter(
            name,
            fraction,
            "a fraction strictly between 0 and 1 (for example 0.2 for 20%)",
        ))
    }
}

/// `round(nnz × fraction)`, the number of test entries of a fraction split.
pub(crate) fn count_of(nnz: usize, fraction: f64) -> usize {
    ((nnz as f64 * fraction).round() as usize).min(nnz)
}
