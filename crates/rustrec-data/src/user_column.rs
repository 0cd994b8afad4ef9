//! [`UserColumn`]: the user of each row of [`crate::Triplets`], kept as runs while the rows
//! come grouped by user.
//!
//! Rating files usually list a user's rows together. A column of one `u32` per row then
//! repeats each user hundreds of times: 400 MB for Netflix-sized data, a third of the rows'
//! memory while they are read. Kept as runs (a user and where its run ends) the same
//! column takes 12 bytes a user. Rows in another order turn the column into one index a
//! row as soon as runs stop paying ([`UserColumn::push`]); either way every reader of the
//! column sees the same users in the same order.

use std::borrow::Cow;
use std::ops::Range;

use rayon::iter::Either;
use rayon::prelude::*;

/// Rows read before runs may give way to one index a row (below this a column is small
/// whatever its form).
const MIN_ROWS_BEFORE_ROWS: usize = 1 << 12;

/// Runs are kept while there is at most one per this many rows.
const ROWS_PER_RUN: usize = 8;

/// The user index of each row, in row order.
#[derive(Clone, Debug)]
pub struct UserColumn {
    form: Form,
    /// Rows expected in all (from [`UserColumn::reserve_exact`]): the capacity a column
    /// of runs reserves when it turns into one index a row.
    expected: usize,
}

#[derive(Clone, Debug)]
enum Form {
    /// One user per row.
    Rows(Vec<u32>),
    /// Run `r` is rows `ends[r − 1]..ends[r]` (from 0 for the first), all of user
    /// `users[r]`; consecutive runs have different users.
    Runs { users: Vec<u32>, ends: Vec<usize> },
}

impl Default for UserColumn {
    fn default() -> Self {
        UserColumn {
            form: Form::Runs {
                users: Vec::new(),
                ends: Vec::new(),
            },
            expected: 0,
        }
    }
}

impl From<Vec<u32>> for UserColumn {
    /// One index a row, as given ([`UserColumn::compress`] turns it into runs).
    fn from(rows: Vec<u32>) -> Self {
        UserColumn {
            form: Form::Rows(rows),
            expected: 0,
        }
    }
}

impl PartialEq for UserColumn {
    /// Equal when the rows have the same users, whatever the form.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for UserColumn {}

impl Extend<u32> for UserColumn {
    fn extend<I: IntoIterator<Item = u32>>(&mut self, rows: I) {
        for u in rows {
            self.push(u);
        }
    }
}

impl UserColumn {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match &self.form {
            Form::Rows(rows) => rows.len(),
            Form::Runs { ends, .. } => ends.last().copied().unwrap_or(0),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the column is kept as runs (a form only: no result depends on it).
    pub fn is_runs(&self) -> bool {
        matches!(self.form, Form::Runs { .. })
    }

    /// Appends a row of user `u`. A column of runs turns into one index a row once it has
    /// read `MIN_ROWS_BEFORE_ROWS` rows and holds more than one run per
    /// `ROWS_PER_RUN` rows.
    #[inline]
    pub fn push(&mut self, u: u32) {
        match &mut self.form {
            Form::Rows(rows) => rows.push(u),
            Form::Runs { users, ends } => {
                let len = ends.last().copied().unwrap_or(0);
                // A new run that would make runs stop paying.
                let costly = users.last() != Some(&u)
                    && len + 1 >= MIN_ROWS_BEFORE_ROWS
                    && (users.len() + 1) * ROWS_PER_RUN > len + 1;
                if costly {
                    self.expand();
                    self.push(u);
                } else {
                    append_to_runs(users, ends, u);
                }
            }
        }
    }

    /// Reserves room for `additional` more rows when the column holds one index a row;
    /// a column of runs remembers the total for when it turns into one.
    pub fn reserve_exact(&mut self, additional: usize) {
        self.expected = self.len() + additional;
        if let Form::Rows(rows) = &mut self.form {
            rows.reserve_exact(additional);
        }
    }

    /// The user of row `k` (a binary search over runs).
    ///
    /// # Panics
    /// If `k` is not below [`Self::len`].
    pub fn get(&self, k: usize) -> u32 {
        match &self.form {
            Form::Rows(rows) => rows[k],
            Form::Runs { users, ends } => {
                assert!(k < self.len(), "row {k} of a column of {} rows", self.len());
                users[ends.partition_point(|&e| e <= k)]
            }
        }
    }

    /// The users of the rows in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = u32> + '_ {
        match &self.form {
            Form::Rows(rows) => Either::Left(rows.iter().copied()),
            Form::Runs { .. } => Either::Right(
                self.runs()
                    .flat_map(|(u, rows)| std::iter::repeat_n(u, rows.len())),
            ),
        }
    }

    /// The column as runs `(user, rows)` in row order: the runs of a column of runs, or a
    /// run per row.
    pub fn runs(&self) -> impl DoubleEndedIterator<Item = (u32, Range<usize>)> + '_ {
        match &self.form {
            Form::Rows(rows) => Either::Left(rows.iter().enumerate().map(|(k, &u)| (u, k..k + 1))),
            Form::Runs { users, ends } => {
                Either::Right(users.iter().zip(ends).enumerate().map(|(r, (&u, &end))| {
                    let start = if r == 0 { 0 } else { ends[r - 1] };
                    (u, start..end)
                }))
            }
        }
    }

    /// The users of rows `range`: borrowed from a column of one index a row, written out
    /// for a column of runs.
    pub fn range(&self, range: Range<usize>) -> Cow<'_, [u32]> {
        match &self.form {
            Form::Rows(rows) => Cow::Borrowed(&rows[range]),
            Form::Runs { users, ends } => {
                let mut out = Vec::with_capacity(range.len());
                let mut r = ends.partition_point(|&e| e <= range.start);
                let mut k = range.start;
                while k < range.end {
                    let run_end = ends[r].min(range.end);
                    out.extend(std::iter::repeat_n(users[r], run_end - k));
                    k = run_end;
                    r += 1;
                }
                Cow::Owned(out)
            }
        }
    }

    /// Whether every row's user is at least the one of the row before.
    pub fn is_non_decreasing(&self) -> bool {
        match &self.form {
            Form::Rows(rows) => rows
                .par_windows(2)
                .with_min_len(1 << 16)
                .all(|w| w[0] <= w[1]),
            Form::Runs { users, .. } => users.windows(2).all(|w| w[0] <= w[1]),
        }
    }

    /// Where each user's rows start once the rows are sorted by user (stably), and the row
    /// count at the end: the CSR row pointers over `n_users` users (`n_users + 1` entries),
    /// counted run by run. Every user must be below `n_users`.
    pub fn row_starts(&self, n_users: usize) -> Vec<usize> {
        let mut starts = vec![0usize; n_users + 1];
        for (u, rows) in self.runs() {
            starts[u as usize + 1] += rows.len();
        }
        for u in 0..n_users {
            starts[u + 1] += starts[u];
        }
        starts
    }

    /// [`Self::row_starts`] of a non-decreasing column: found by binary searches, in
    /// parallel, when the column holds one index a row.
    pub fn sorted_row_starts(&self, n_users: usize) -> Vec<usize> {
        match &self.form {
            Form::Rows(rows) => (0..n_users + 1)
                .into_par_iter()
                .with_min_len(1 << 10)
                .map(|u| rows.partition_point(|&x| (x as usize) < u))
                .collect(),
            Form::Runs { .. } => self.row_starts(n_users),
        }
    }

    /// The row of the `pos`-th row (0-based, row order) of `user`, if it has that many.
    pub fn row_of(&self, user: u32, pos: usize) -> Option<usize> {
        self.runs()
            .filter(|(u, _)| *u == user)
            .flat_map(|(_, rows)| rows)
            .nth(pos)
    }

    /// The column as one index a row (the runs written out).
    pub fn into_vec(self) -> Vec<u32> {
        match self.form {
            Form::Rows(rows) => rows,
            Form::Runs { .. } => self.iter().collect(),
        }
    }

    /// Mutable access to one index a row (a column of runs is written out first).
    pub fn rows_mut(&mut self) -> &mut Vec<u32> {
        self.expand();
        match &mut self.form {
            Form::Rows(rows) => rows,
            Form::Runs { .. } => unreachable!("expanded above"),
        }
    }

    /// Turns one index a row into runs when there are at most one per `ROWS_PER_RUN`
    /// rows (its memory is then given back); otherwise keeps it.
    pub fn compress(self) -> Self {
        let Form::Rows(rows) = &self.form else {
            return self;
        };
        let runs = 1 + rows.windows(2).filter(|w| w[0] != w[1]).count();
        if rows.is_empty() || runs * ROWS_PER_RUN > rows.len() {
            return self;
        }
        let (mut users, mut ends) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
        for &u in rows {
            append_to_runs(&mut users, &mut ends, u);
        }
        UserColumn {
            form: Form::Runs { users, ends },
            expected: self.expected,
        }
    }

    /// Writes a column of runs out as one index a row, with room for the rows expected.
    fn expand(&mut self) {
        if let Form::Runs { .. } = self.form {
            let mut rows = Vec::with_capacity(self.expected.max(self.len()));
            rows.extend(self.iter());
            self.form = Form::Rows(rows);
        }
    }
}

/// Appends a row of user `u` to runs `users` / `ends`: the last run grows when it is
/// `u`'s, otherwise a run of one row starts.
#[inline]
fn append_to_runs(users: &mut Vec<u32>, ends: &mut Vec<usize>, u: u32) {
    let len = ends.last().copied().unwrap_or(0);
    match ends.last_mut() {
        Some(end) if users.last() == Some(&u) => *end = len + 1,
        _ => {
            users.push(u);
            ends.push(len + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way of reading the column against the plain rows it was pushed.
    fn check_reads(col: &UserColumn, rows: &[u32]) {
        assert_eq!(col.len(), rows.len());
        assert_eq!(col.iter().collect::<Vec<_>>(), rows);
        assert_eq!(
            col.iter().rev().collect::<Vec<_>>(),
            rows.iter().rev().copied().collect::<Vec<_>>()
        );
        for (k, &u) in rows.iter().enumerate() {
            assert_eq!(col.get(k), u, "row {k}");
        }
        for lo in 0..rows.len().min(40) {
            for hi in lo..rows.len().min(lo + 40) {
                assert_eq!(&*col.range(lo..hi), &rows[lo..hi], "{lo}..{hi}");
            }
        }
        let flat: Vec<u32> = col.runs().flat_map(|(u, r)| r.map(move |_| u)).collect();
        assert_eq!(flat, rows);
        assert_eq!(col.clone().into_vec(), rows);
        assert_eq!(*col, UserColumn::from(rows.to_vec()));
        let sorted = rows.windows(2).all(|w| w[0] <= w[1]);
        assert_eq!(col.is_non_decreasing(), sorted);
        if sorted {
            let n_users = rows.last().map_or(0, |&u| u as usize + 1);
            let starts = col.sorted_row_starts(n_users);
            for (u, &start) in starts.iter().enumerate() {
                let want = rows.iter().filter(|&&x| (x as usize) < u).count();
                assert_eq!(start, want, "user {u}");
            }
            assert_eq!(starts[n_users], rows.len());
            assert_eq!(
                starts,
                UserColumn::from(rows.to_vec()).sorted_row_starts(n_users)
            );
        }
        let n_users = rows.iter().max().map_or(0, |&u| u as usize + 1);
        let starts = col.row_starts(n_users);
        for u in 0..n_users {
            let count = rows.iter().filter(|&&x| x as usize == u).count();
            assert_eq!(starts[u + 1] - starts[u], count, "rows of user {u}");
        }
        assert_eq!((starts[0], starts[n_users]), (0, rows.len()));
    }

    #[test]
    fn grouped_rows_stay_runs_and_read_back_as_pushed() {
        let rows: Vec<u32> = (0..5000u32).map(|k| k / 10).collect();
        let mut col = UserColumn::default();
        col.extend(rows.iter().copied());
        assert!(col.is_runs());
        check_reads(&col, &rows);
        assert_eq!(col.row_of(7, 3), Some(73));
        assert_eq!(col.row_of(7, 10), None);
    }

    #[test]
    fn ungrouped_rows_turn_into_one_index_a_row_with_the_expected_room() {
        let rows: Vec<u32> = (0..6000u32).map(|k| (k * 7919) % 1000).collect();
        let mut col = UserColumn::default();
        col.reserve_exact(10_000);
        col.extend(rows.iter().copied());
        assert!(!col.is_runs());
        assert!(col.rows_mut().capacity() >= 10_000);
        check_reads(&col, &rows);
        // A user seen again later: its second row.
        let second = rows
            .iter()
            .enumerate()
            .filter(|&(_, &u)| u == rows[0])
            .nth(1);
        assert_eq!(col.row_of(rows[0], 1), second.map(|(k, _)| k));
    }

    #[test]
    fn a_short_column_stays_runs_whatever_its_order() {
        let rows = vec![3, 1, 3, 1, 2, 2, 0];
        let mut col = UserColumn::default();
        col.extend(rows.iter().copied());
        assert!(col.is_runs());
        check_reads(&col, &rows);
        assert_eq!(col.row_of(3, 1), Some(2));
        assert_eq!(col.row_of(1, 1), Some(3));
        check_reads(&UserColumn::default(), &[]);
    }

    #[test]
    fn compress_keeps_runs_only_when_they_pay() {
        let grouped: Vec<u32> = (0..80u32).map(|k| k / 8).collect();
        let col = UserColumn::from(grouped.clone()).compress();
        assert!(col.is_runs());
        check_reads(&col, &grouped);
        let mixed = vec![1, 2, 1, 2, 1, 2, 1, 2];
        let col = UserColumn::from(mixed.clone()).compress();
        assert!(!col.is_runs());
        check_reads(&col, &mixed);
        let mut col = UserColumn::from(grouped.clone()).compress();
        col.rows_mut()[0] = 9;
        assert_eq!(col.get(0), 9);
        assert!(!col.is_runs());
    }
}
