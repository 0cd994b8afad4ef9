//! Rows of `(user, item, value, timestamp)` as read, before they become [`Interactions`].

use std::sync::Arc;

use rayon::prelude::*;

use crate::error::{DataError, Result};
use crate::ids::IdMap;
use crate::interactions::Interactions;
use crate::user_column::UserColumn;

/// What to do when the same (user, item) pair appears more than once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DuplicatePolicy {
    /// Refuse the data, naming both lines (the default: a duplicate usually means a wrong
    /// file or a wrong column choice).
    #[default]
    Error,
    /// Keep the row that comes last in the input.
    KeepLast,
    /// Sum the values (for counts such as plays or clicks). The last timestamp is kept.
    Sum,
    /// Average the values. The last timestamp is kept.
    Mean,
}

impl std::str::FromStr for DuplicatePolicy {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "error" => Ok(Self::Error),
            "keep-last" | "last" => Ok(Self::KeepLast),
            "sum" => Ok(Self::Sum),
            "mean" => Ok(Self::Mean),
            other => Err(DataError::invalid_parameter(
                "duplicates",
                other,
                "one of error, keep-last, sum, mean",
            )),
        }
    }
}

/// Interaction rows in input order, with users and items already mapped to dense indices.
///
/// Readers fill one of these per file (several files can share id maps, so their rows
/// share one id space); [`Triplets::build`] sorts them into [`Interactions`].
#[derive(Clone, Debug, Default)]
pub struct Triplets {
    /// Where the rows come from (a file path or a description), for error messages.
    pub source: String,
    /// Dense user index of each row (kept as runs while rows come grouped by user).
    pub users: UserColumn,
    /// Dense item index of each row.
    pub items: Vec<u32>,
    /// Value (rating, count, or 1 for implicit feedback) of each row.
    pub values: Vec<f32>,
    /// Timestamp of each row, when the source has them.
    pub timestamps: Option<Vec<i64>>,
    /// Line number of each row in the source (1-based), when known.
    pub lines: Option<Vec<u64>>,
}

impl Triplets {
    /// Empty triplets from `source`; `timestamps` and `lines` say which columns will be kept.
    pub fn new(source: impl Into<String>, timestamps: bool, lines: bool) -> Self {
        Triplets {
            source: source.into(),
            timestamps: timestamps.then(Vec::new),
            lines: lines.then(Vec::new),
            ..Default::default()
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Appends a row. `timestamp` and `line` are ignored if those columns are not kept.
    #[inline]
    pub fn push(&mut self, user: u32, item: u32, value: f32, timestamp: Option<i64>, line: u64) {
        self.users.push(user);
        self.items.push(item);
        self.values.push(value);
        if let Some(ts) = &mut self.timestamps {
            ts.push(timestamp.unwrap_or(0));
        }
        if let Some(lines) = &mut self.lines {
            lines.push(line);
        }
    }

    /// The source line of row `k` (its 1-based row number when lines are not kept).
    pub fn line_of(&self, k: usize) -> u64 {
        self.lines.as_ref().map_or(k as u64 + 1, |l| l[k])
    }

    /// The rows whose user index is below `n_users` and item index below `n_items` (those
    /// a model trained on that many knows), with their source lines and without
    /// timestamps, and how many rows were left out. When every row is known (the usual
    /// case: the file the model was trained on) the rows are kept as they are, not copied.
    pub fn into_known(mut self, n_users: usize, n_items: usize) -> (Triplets, usize) {
        let known = |u: u32, i: u32| (u as usize) < n_users && (i as usize) < n_items;
        let unknown = self
            .users
            .iter()
            .zip(&self.items)
            .filter(|&(u, &i)| !known(u, i))
            .count();
        if unknown == 0 {
            self.timestamps = None;
            return (self, 0);
        }
        (self.known_copy(known), unknown)
    }

    /// A copy of the rows whose (user, item) `known` accepts, with their lines.
    fn known_copy(&self, known: impl Fn(u32, u32) -> bool) -> Triplets {
        let mut copy = Triplets::new(self.source.clone(), false, true);
        for (k, (u, (&i, &v))) in self
            .users
            .iter()
            .zip(self.items.iter().zip(&self.values))
            .enumerate()
        {
            if known(u, i) {
                copy.push(u, i, v, None, self.line_of(k));
            }
        }
        copy
    }

    /// Sorts the rows into [`Interactions`] over the given id maps.
    ///
    /// Every index must be below the maps' lengths. Duplicated (user, item) pairs are
    /// handled by `policy`; with [`DuplicatePolicy::Error`] the error names both lines.
    pub fn build(
        &self,
        users: Arc<IdMap>,
        items: Arc<IdMap>,
        policy: DuplicatePolicy,
    ) -> Result<Interactions> {
        let n_users = users.len();
        let n_items = items.len();
        if let Some(k) = self.users.iter().position(|u| u as usize >= n_users) {
            return Err(DataError::Invalid(format!(
                "{}: row {} has user index {} but the user id map holds {n_users} ids",
                self.source,
                self.line_of(k),
                self.users.get(k)
            )));
        }
        if let Some(k) = self.items.iter().position(|&i| i as usize >= n_items) {
            return Err(DataError::Invalid(format!(
                "{}: row {} has item index {} but the item id map holds {n_items} ids",
                self.source,
                self.line_of(k),
                self.items[k]
            )));
        }
        if self.len() > u32::MAX as usize {
            return Err(DataError::Invalid(format!(
                "{}: more than {} rows are not supported",
                self.source,
                u32::MAX
            )));
        }
        if self.is_sorted() {
            return Ok(self.clone().into_sorted(users, items));
        }
        // Counting sort by user, stable: rows of one user keep input order.
        let user_ptr = self.users.row_starts(n_users);
        let mut next = user_ptr.clone();
        let mut order = vec![0u32; self.len()];
        for (k, u) in self.users.iter().enumerate() {
            order[next[u as usize]] = k as u32;
            next[u as usize] += 1;
        }
        // Sort each row by item; ties keep input order (the key holds the rank in the row).
        let mut keys: Vec<u64> = vec![0; self.len()];
        keys.par_chunks_mut(1 << 14)
            .enumerate()
            .for_each(|(chunk, out)| {
                let base = chunk << 14;
                for (off, key) in out.iter_mut().enumerate() {
                    let k = order[base + off] as usize;
                    *key = (u64::from(self.items[k]) << 32) | k as u64;
                }
            });
        drop(order); // freed before the CSR arrays are allocated: a lower peak
        let rows: Vec<&mut [u64]> = crate::triplets_in_place::split_rows(&mut keys, &user_ptr);
        rows.into_par_iter().for_each(|row| row.sort_unstable());

        // Merge duplicates and write the CSR arrays.
        let with_ts = self.timestamps.is_some();
        let mut indptr = Vec::with_capacity(n_users + 1);
        indptr.push(0usize);
        let mut indices = Vec::with_capacity(self.len());
        let mut values = Vec::with_capacity(self.len());
        let mut stamps = with_ts.then(|| Vec::with_capacity(self.len()));
        for u in 0..n_users {
            let row = &keys[user_ptr[u]..user_ptr[u + 1]];
            let mut j = 0;
            while j < row.len() {
                let item = (row[j] >> 32) as u32;
                let mut end = j + 1;
                while end < row.len() && (row[end] >> 32) as u32 == item {
                    end += 1;
                }
                let first = (row[j] & 0xFFFF_FFFF) as usize;
                let last = (row[end - 1] & 0xFFFF_FFFF) as usize;
                let value = if end - j == 1 {
                    self.values[first]
                } else {
                    match policy {
                        DuplicatePolicy::Error => {
                            let second = (row[j + 1] & 0xFFFF_FFFF) as usize;
                            return Err(DataError::Duplicate {
                                source_name: self.source.clone(),
                                user: users.raw(u as u32).to_string(),
                                item: items.raw(item).to_string(),
                                first_line: self.line_of(first),
                                second_line: self.line_of(second),
                            });
                        }
                        DuplicatePolicy::KeepLast => self.values[last],
                        DuplicatePolicy::Sum => {
                            let sum: f32 = row[j..end]
                                .iter()
                                .map(|&key| self.values[(key & 0xFFFF_FFFF) as usize])
                                .sum();
                            // Finite values can sum past f32::MAX: refuse rather than
                            // hand an infinite value to a model (found by fuzzing).
                            if !sum.is_finite() {
                                // Rows are lines when the reader kept line numbers.
                                let at = if self.lines.is_some() {
                                    "lines"
                                } else {
                                    "rows"
                                };
                                return Err(DataError::Invalid(format!(
                                    "{}: the {} values of (user {}, item {}) ({at} {} and \
                                     {}, ...) sum to {sum}, beyond the range of a 32-bit \
                                     float; use the duplicate policy mean or keep-last",
                                    self.source,
                                    end - j,
                                    users.raw(u as u32),
                                    items.raw(item),
                                    self.line_of(first),
                                    self.line_of((row[j + 1] & 0xFFFF_FFFF) as usize),
                                )));
                            }
                            sum
                        }
                        DuplicatePolicy::Mean => {
                            let sum: f64 = row[j..end]
                                .iter()
                                .map(|&key| f64::from(self.values[(key & 0xFFFF_FFFF) as usize]))
                                .sum();
                            (sum / (end - j) as f64) as f32
                        }
                    }
                };
                indices.push(item);
                values.push(value);
                if let (Some(out), Some(ts)) = (&mut stamps, &self.timestamps) {
                    out.push(ts[last]);
                }
                j = end;
            }
            indptr.push(indices.len());
        }
        drop(keys); // freed before `from_csr` allocates the CSC arrays
        Interactions::from_csr(users, items, indptr, indices, values, stamps)
    }
}

impl Triplets {
    /// [`Triplets::build`] consuming the rows: rows that are already sorted (see
    /// [`Triplets::is_sorted`]) become the matrix's arrays without a copy; others are
    /// sorted in place (`triplets_in_place`), with a peak of about the rows' own size.
    pub fn into_interactions(
        self,
        users: Arc<IdMap>,
        items: Arc<IdMap>,
        policy: DuplicatePolicy,
    ) -> Result<Interactions> {
        let (fit, sorted) = self.fit_and_sorted(&users, &items);
        if !fit || self.len() > u32::MAX as usize {
            // `build` names the row that does not fit.
            return self.build(users, items, policy);
        }
        if sorted {
            Ok(self.into_sorted(users, items))
        } else {
            crate::triplets_in_place::into_interactions_in_place(self, users, items, policy)
        }
    }

    /// Whether the rows come user by user with strictly increasing items within a user (as
    /// `parquet::write_parquet` writes them): then they hold no duplicate and are already
    /// the CSR arrays.
    pub fn is_sorted(&self) -> bool {
        self.fit_and_sorted_within(usize::MAX, usize::MAX).1
    }

    /// In one pass: whether every index fits its map, and whether the rows are sorted
    /// ([`Self::is_sorted`]).
    fn fit_and_sorted(&self, users: &IdMap, items: &IdMap) -> (bool, bool) {
        self.fit_and_sorted_within(users.len(), items.len())
    }

    /// [`Self::fit_and_sorted`] against maps of `nu` users and `ni` items.
    fn fit_and_sorted_within(&self, nu: usize, ni: usize) -> (bool, bool) {
        const BLOCK: usize = 1 << 16;
        let n = self.len();
        // Blocks of rows, each checked by branch-free folds; a block's last row is compared
        // with the next block's first.
        (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| {
                let (lo, hi) = (b * BLOCK, ((b + 1) * BLOCK + 1).min(n));
                let (us, is) = (self.users.range(lo..hi), &self.items[lo..hi]);
                let fit = us.iter().fold(true, |a, &u| a & ((u as usize) < nu))
                    & is.iter().fold(true, |a, &i| a & ((i as usize) < ni));
                let sorted = us.windows(2).zip(is.windows(2)).fold(true, |a, (u, i)| {
                    a & ((u[0] < u[1]) | ((u[0] == u[1]) & (i[0] < i[1])))
                });
                (fit, sorted)
            })
            .reduce(|| (true, true), |a, b| (a.0 && b.0, a.1 && b.1))
    }

    /// The matrix of sorted rows whose indices fit their maps (the caller checked both).
    fn into_sorted(self, users: Arc<IdMap>, items: Arc<IdMap>) -> Interactions {
        let indptr = self.users.sorted_row_starts(users.len());
        Interactions::from_valid_csr(
            users,
            items,
            indptr,
            self.items,
            self.values,
            self.timestamps,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maps(nu: usize, ni: usize) -> (Arc<IdMap>, Arc<IdMap>) {
        (Arc::new(IdMap::identity(nu)), Arc::new(IdMap::identity(ni)))
    }

    #[test]
    fn order_and_fit_are_checked_across_block_boundaries() {
        // Sorted rows, user k / 10, item k % 10, over three blocks of the parallel check.
        let n = 2 * (1 << 16) + 5;
        let sorted: Vec<(u32, u32, f32)> = (0..n)
            .map(|k| ((k / 10) as u32, (k % 10) as u32, 1.0))
            .collect();
        let (u, i) = maps(n / 10 + 1, 10);
        assert_eq!(triplets(&sorted).fit_and_sorted(&u, &i), (true, true));
        // Out of order exactly where the first block meets the second.
        let mut swapped = sorted.clone();
        swapped.swap((1 << 16) - 1, 1 << 16);
        assert_eq!(triplets(&swapped).fit_and_sorted(&u, &i), (true, false));
        // An item index beyond the map on the very last row.
        let mut beyond = sorted.clone();
        beyond[n - 1].1 = 10;
        assert!(!triplets(&beyond).fit_and_sorted(&u, &i).0);
    }

    fn triplets(rows: &[(u32, u32, f32)]) -> Triplets {
        let mut t = Triplets::new("test", false, true);
        for (k, &(u, i, v)) in rows.iter().enumerate() {
            t.push(u, i, v, None, k as u64 + 10);
        }
        t
    }

    #[test]
    fn duplicates_are_an_error_naming_both_lines_by_default() {
        let (u, i) = maps(2, 3);
        let t = triplets(&[(0, 1, 1.0), (1, 2, 2.0), (0, 1, 3.0)]);
        let err = t.build(u, i, DuplicatePolicy::Error).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("lines 10 and 12"), "{msg}");
        assert!(msg.contains("user 0, item 1"), "{msg}");
    }

    #[test]
    fn rows_known_to_a_model_keep_their_lines_and_count_the_rest() {
        // Rows at lines 10, 11, 12, 13: the row of user 5 (line 11) and of item 4 (line 13)
        // are unknown to a model of 2 users and 3 items; a duplicate after them must still
        // name the file's lines.
        let t = triplets(&[(0, 1, 1.0), (5, 2, 2.0), (0, 1, 3.0), (1, 4, 1.0)]);
        let (known, unknown) = t.into_known(2, 3);
        assert_eq!(unknown, 2);
        assert_eq!(known.len(), 2);
        assert_eq!((known.line_of(0), known.line_of(1)), (10, 12));
        let (u, i) = maps(2, 3);
        let msg = known
            .build(u, i, DuplicatePolicy::Error)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("lines 10 and 12"), "{msg}");
    }

    #[test]
    fn rows_all_known_to_a_model_are_kept_without_a_copy() {
        let mut t = triplets(&[(0, 1, 1.0), (1, 2, 2.0), (0, 0, 3.0)]);
        t.timestamps = Some(vec![5, 6, 7]);
        let items_at = t.items.as_ptr();
        let (known, unknown) = t.into_known(2, 3);
        assert_eq!(unknown, 0);
        assert_eq!(
            known.items.as_ptr(),
            items_at,
            "the same column, not a copy"
        );
        assert_eq!(known.items, [1, 2, 0]);
        assert_eq!(known.timestamps, None);
        assert_eq!((known.line_of(0), known.line_of(2)), (10, 12));
        let (u, i) = maps(2, 3);
        let x = known
            .into_interactions(u, i, DuplicatePolicy::Error)
            .unwrap();
        assert_eq!(x.nnz(), 3);
    }

    #[test]
    fn duplicate_policies_keep_last_sum_and_mean() {
        let rows = [(0, 1, 1.0), (0, 1, 4.0), (0, 0, 2.0), (0, 1, 7.0)];
        let check = |policy, want: f32| {
            let (u, i) = maps(1, 2);
            let x = triplets(&rows).build(u, i, policy).unwrap();
            assert_eq!(x.nnz(), 2);
            assert_eq!(x.row(crate::UserIdx(0)).items, &[0, 1]);
            assert_eq!(x.row(crate::UserIdx(0)).values, &[2.0, want]);
        };
        check(DuplicatePolicy::KeepLast, 7.0);
        check(DuplicatePolicy::Sum, 12.0);
        check(DuplicatePolicy::Mean, 4.0);
    }

    /// Regression (fuzzing, target `ratings`): two finite values of one pair summed to
    /// infinity under the `sum` policy, and the matrix held `inf`.
    #[test]
    fn summed_duplicates_beyond_f32_are_an_error_not_infinity() {
        let (u, i) = maps(1, 1);
        let err = triplets(&[(0, 0, 3.4e38), (0, 0, 3.4e38)])
            .build(u, i, DuplicatePolicy::Sum)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("(user 0, item 0)") && err.contains("lines 10 and 11"),
            "{err}"
        );
        let (u, i) = maps(1, 1);
        let x = triplets(&[(0, 0, 3.4e38), (0, 0, -3.4e38)])
            .build(u, i, DuplicatePolicy::Sum)
            .unwrap();
        assert_eq!(x.values(), &[0.0]);
    }

    #[test]
    fn indices_out_of_the_maps_are_rejected() {
        let (u, i) = maps(1, 1);
        assert!(
            triplets(&[(0, 1, 1.0)])
                .build(u, i, DuplicatePolicy::Error)
                .is_err()
        );
    }

    #[test]
    fn policy_parses_from_text() {
        assert_eq!(
            "sum".parse::<DuplicatePolicy>().unwrap(),
            DuplicatePolicy::Sum
        );
        assert!("max".parse::<DuplicatePolicy>().is_err());
    }
}
