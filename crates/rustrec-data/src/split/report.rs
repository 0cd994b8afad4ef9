//! [`SplitReport`]: what a split produced.

use crate::ids::{ItemIdx, UserIdx};
use crate::interactions::Interactions;

/// Sizes of a split and how much of its test set is cold (unknown to train).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SplitReport {
    /// Entries in train.
    pub train_interactions: usize,
    /// Entries in test.
    pub test_interactions: usize,
    /// Users with at least one train entry.
    pub train_users: usize,
    /// Users with at least one test entry.
    pub test_users: usize,
    /// Test users with no train entry.
    pub cold_test_users: usize,
    /// Test items with no train entry.
    pub cold_test_items: usize,
    /// Test rows whose user or item is cold.
    pub cold_test_rows: usize,
    /// Cold test rows removed by [`super::drop_cold_test_rows`] (0 if never called).
    pub dropped_cold_rows: usize,
}

impl SplitReport {
    /// Counts for a train/test pair over one id space.
    pub fn compute(train: &Interactions, test: &Interactions) -> Self {
        let train_users = (0..train.n_users())
            .filter(|&u| train.user_degree(UserIdx(u as u32)) > 0)
            .count();
        let mut test_users = 0;
        let mut cold_test_users = 0;
        let mut cold_test_rows = 0;
        let cold_item = |i: u32| train.item_degree(ItemIdx(i)) == 0;
        for u in 0..test.n_users() {
            let row = test.row(UserIdx(u as u32));
            if row.is_empty() {
                continue;
            }
            test_users += 1;
            if train.user_degree(UserIdx(u as u32)) == 0 {
                cold_test_users += 1;
                cold_test_rows += row.len();
            } else {
                cold_test_rows += row.items.iter().filter(|&&i| cold_item(i)).count();
            }
        }
        let cold_test_items = (0..test.n_items())
            .filter(|&i| test.item_degree(ItemIdx(i as u32)) > 0 && cold_item(i as u32))
            .count();
        SplitReport {
            train_interactions: train.nnz(),
            test_interactions: test.nnz(),
            train_users,
            test_users,
            cold_test_users,
            cold_test_items,
            cold_test_rows,
            dropped_cold_rows: 0,
        }
    }
}
