//! Test rows that name a user or item the model does not know.
//!
//! Every front end (`rustrec eval`, the Python package's `evaluate`) follows one rule for
//! them: rating errors leave them out (a model cannot predict an id it never saw); in
//! rankings a known user's relevant items that the model does not know stay in the user's
//! relevant set as misses ([`crate::RankingConfig::unrankable`]), and users the model does
//! not know are left out and counted. [`UnknownTestRows`] is that count, gathered row by
//! row with [`UnknownRowCensus`] or from a rating file with [`UnknownTestRows::of_file`].

use std::collections::BTreeSet;
use std::path::Path;

use rustrec_data::read::{ReadOptions, TimestampUse, read_triplets};
use rustrec_data::{IdMap, NoProgress};

/// The test rows a model cannot use, as every front end reports them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnknownTestRows {
    /// Rows whose user the model does not know (`unknown_user_test_rows`).
    pub user_rows: usize,
    /// Rows of a known user whose item the model does not know (`unknown_item_test_rows`).
    pub item_rows: usize,
    /// Users the model does not know with at least one relevant row, left out of rankings
    /// (`users_skipped_unknown`).
    pub users: usize,
    /// Per model user (dense index): the distinct relevant items the model does not know,
    /// the misses rankings count ([`crate::RankingConfig::unrankable`]).
    pub unrankable: Vec<u32>,
}

impl UnknownTestRows {
    /// All rows the model cannot use (`unknown_test_rows`).
    pub fn rows(&self) -> usize {
        self.user_rows + self.item_rows
    }

    /// Reads the rating file `path` with the model's id maps (`users`, `items`) extended
    /// by the ids it does not know, and counts those rows. A row is relevant when its value
    /// is ≥ `threshold` (every row without one).
    pub fn of_file(
        path: &Path,
        options: &ReadOptions,
        users: &IdMap,
        items: &IdMap,
        threshold: Option<f32>,
    ) -> rustrec_data::Result<Self> {
        let options = ReadOptions {
            timestamps: TimestampUse::RangeOnly,
            ..options.clone()
        };
        let (n_users, n_items) = (users.len(), items.len());
        let (mut all_users, mut all_items) = (users.clone(), items.clone());
        let (rows, _) = read_triplets(path, &options, &mut all_users, &mut all_items, &NoProgress)?;
        let mut census = UnknownRowCensus::new(n_users, threshold);
        for ((u, &i), &v) in rows.users.iter().zip(&rows.items).zip(&rows.values) {
            // The extended maps put the ids the model does not know after its own.
            let row = if u as usize >= n_users {
                TestRow::UnknownUser { user: u }
            } else if i as usize >= n_items {
                TestRow::UnknownItem { user: u, item: i }
            } else {
                TestRow::Known
            };
            census.add(row, v);
        }
        Ok(census.finish())
    }
}

/// One test row as the model sees it, for [`UnknownRowCensus::add`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestRow {
    /// User and item are the model's.
    Known,
    /// The model does not know the user (`user`: any index that tells such users apart).
    UnknownUser {
        /// An index of the user, distinct for distinct unknown users.
        user: u32,
    },
    /// The model knows the user but not the item.
    UnknownItem {
        /// The user's dense index in the model.
        user: u32,
        /// An index of the item, distinct for distinct unknown items.
        item: u32,
    },
}

/// Gathers [`UnknownTestRows`] row by row.
#[derive(Debug)]
pub struct UnknownRowCensus {
    threshold: Option<f32>,
    out: UnknownTestRows,
    unknown_users: BTreeSet<u32>,
    unknown_pairs: BTreeSet<(u32, u32)>,
}

impl UnknownRowCensus {
    /// An empty count for a model of `n_users` users; a row is relevant when its value is
    /// ≥ `threshold` (every row without one), as in the test data rankings see.
    pub fn new(n_users: usize, threshold: Option<f32>) -> Self {
        UnknownRowCensus {
            threshold,
            out: UnknownTestRows {
                unrankable: vec![0; n_users],
                ..UnknownTestRows::default()
            },
            unknown_users: BTreeSet::new(),
            unknown_pairs: BTreeSet::new(),
        }
    }

    /// Counts one row of value `value`.
    pub fn add(&mut self, row: TestRow, value: f32) {
        let relevant = self.threshold.is_none_or(|t| value >= t);
        match row {
            TestRow::Known => {}
            TestRow::UnknownUser { user } => {
                self.out.user_rows += 1;
                if relevant {
                    self.unknown_users.insert(user);
                }
            }
            TestRow::UnknownItem { user, item } => {
                self.out.item_rows += 1;
                if relevant {
                    self.unknown_pairs.insert((user, item));
                }
            }
        }
    }

    /// The count of every row added.
    pub fn finish(mut self) -> UnknownTestRows {
        self.out.users = self.unknown_users.len();
        for (u, _) in self.unknown_pairs {
            if let Some(n) = self.out.unrankable.get_mut(u as usize) {
                *n += 1;
            }
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn census_counts_rows_and_distinct_relevant_unknown_pairs_and_users() {
        let mut c = UnknownRowCensus::new(3, Some(4.0));
        c.add(TestRow::Known, 5.0);
        c.add(TestRow::UnknownItem { user: 1, item: 7 }, 5.0);
        // The same pair again is one more row but the same miss.
        c.add(TestRow::UnknownItem { user: 1, item: 7 }, 4.0);
        // Below the threshold: a row, not a miss.
        c.add(TestRow::UnknownItem { user: 2, item: 8 }, 3.0);
        c.add(TestRow::UnknownUser { user: 9 }, 5.0);
        c.add(TestRow::UnknownUser { user: 9 }, 5.0);
        c.add(TestRow::UnknownUser { user: 10 }, 1.0);
        let out = c.finish();
        assert_eq!(out.user_rows, 3);
        assert_eq!(out.item_rows, 3);
        assert_eq!(out.rows(), 6);
        assert_eq!(out.users, 1);
        assert_eq!(out.unrankable, vec![0, 1, 0]);
    }

    #[test]
    fn without_a_threshold_every_row_is_relevant() {
        let mut c = UnknownRowCensus::new(1, None);
        c.add(TestRow::UnknownItem { user: 0, item: 1 }, -5.0);
        c.add(TestRow::UnknownUser { user: 3 }, f32::MIN);
        let out = c.finish();
        assert_eq!((out.users, out.unrankable), (1, vec![1]));
    }

    #[test]
    fn of_file_tells_unknown_users_from_unknown_items() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.tsv");
        std::fs::write(&path, "a\tx\t5\na\tnew\t5\nb\tx\t2\nz\tx\t5\n").unwrap();
        let users = IdMap::from_strs(["a", "b"]).unwrap();
        let items = IdMap::from_strs(["x"]).unwrap();
        let options = ReadOptions::new(rustrec_data::read::Format::Auto);
        let out = UnknownTestRows::of_file(&path, &options, &users, &items, Some(4.0)).unwrap();
        assert_eq!((out.user_rows, out.item_rows, out.users), (1, 1, 1));
        assert_eq!(out.unrankable, vec![1, 0]);
    }
}
