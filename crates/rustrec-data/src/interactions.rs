//! [`Interactions`]: the user × item matrix that models train on.

use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::error::{DataError, Result};
use crate::ids::{IdMap, ItemIdx, UserIdx};

mod drain;

/// One user's interactions: item indices in increasing order and their values.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    /// Dense item indices, strictly increasing.
    pub items: &'a [u32],
    /// Value of each item.
    pub values: &'a [f32],
    /// Timestamp of each item, when the data has them.
    pub timestamps: Option<&'a [i64]>,
}

impl Row<'_> {
    /// Number of interactions in the row.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the row is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the row holds `item` (binary search).
    #[inline]
    pub fn contains(&self, item: u32) -> bool {
        self.items.binary_search(&item).is_ok()
    }
}

/// One item's interactions: user indices in increasing order and their values.
#[derive(Clone, Copy, Debug)]
pub struct Col<'a> {
    /// Dense user indices, strictly increasing.
    pub users: &'a [u32],
    /// Value of each user's interaction.
    pub values: &'a [f32],
}

impl Col<'_> {
    /// Number of interactions in the column.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

/// A sparse user × item matrix of interactions, stored by user (CSR) and by item (CSC).
///
/// * Users and items are dense indices `0..n_users` / `0..n_items`; the id maps translate
///   them to the raw ids of the source. Two `Interactions` that hold the same `Arc<IdMap>`s
///   share one id space (a train and a test set, say); a user or item may then have no
///   interactions in one of them.
/// * Every row holds strictly increasing item indices (no duplicates), so membership is a
///   binary search and merges are linear.
/// * Values are `f32` (ratings, counts, or 1 for implicit feedback); timestamps (`i64`,
///   seconds) are optional and follow the CSR order.
///
/// Rows and columns are borrowed slices: nothing is copied on access. The by-item copy
/// (CSC) is built on the first access to a column and kept: models that only walk rows
/// (MF, BPR) never pay its memory (8 bytes an interaction).
#[derive(Clone, Debug)]
pub struct Interactions {
    users: Arc<IdMap>,
    items: Arc<IdMap>,
    user_ptr: Vec<usize>,
    item_indices: Vec<u32>,
    values: Vec<f32>,
    timestamps: Option<Vec<i64>>,
    /// Interactions of each item.
    item_counts: Vec<usize>,
    /// The by-item copy, built on first use.
    csc: OnceLock<Csc>,
}

/// The matrix stored by item.
#[derive(Clone, Debug)]
struct Csc {
    item_ptr: Vec<usize>,
    user_indices: Vec<u32>,
    col_values: Vec<f32>,
}

impl Interactions {
    /// Builds from CSR arrays, checking them, and derives the CSC copy.
    ///
    /// `indptr` has `users.len() + 1` non-decreasing offsets starting at 0; each row's item
    /// indices must be strictly increasing and below `items.len()`.
    pub fn from_csr(
        users: Arc<IdMap>,
        items: Arc<IdMap>,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f32>,
        timestamps: Option<Vec<i64>>,
    ) -> Result<Self> {
        let n_users = users.len();
        let n_items = items.len();
        let bad = |what: String| Err(DataError::Invalid(format!("invalid CSR arrays: {what}")));
        if indptr.len() != n_users + 1 || indptr[0] != 0 {
            return bad(format!(
                "indptr has {} entries for {n_users} users",
                indptr.len()
            ));
        }
        if *indptr.last().unwrap_or(&0) != indices.len() || indices.len() != values.len() {
            return bad(format!(
                "indptr ends at {:?}, {} indices, {} values",
                indptr.last(),
                indices.len(),
                values.len()
            ));
        }
        if let Some(ts) = &timestamps
            && ts.len() != indices.len()
        {
            return bad(format!(
                "{} timestamps for {} entries",
                ts.len(),
                indices.len()
            ));
        }
        // The first bad row in user order, found in parallel, is the one reported.
        let row_error = |u: usize| -> Option<String> {
            if indptr[u] > indptr[u + 1] {
                return Some(format!("indptr decreases at user {u}"));
            }
            // The last offset equals `indices.len()`, but one before it may still be beyond
            // it when a later one decreases (`[0, 5, 2]`): checked before slicing (a stored
            // `seen_indptr` of a damaged model file panicked here; found by fuzzing).
            if indptr[u + 1] > indices.len() {
                return Some(format!(
                    "indptr[{}] = {} is beyond the {} entries",
                    u + 1,
                    indptr[u + 1],
                    indices.len()
                ));
            }
            let row = &indices[indptr[u]..indptr[u + 1]];
            if row.windows(2).any(|w| w[0] >= w[1]) {
                return Some(format!("row {u} is not strictly increasing"));
            }
            if row.last().is_some_and(|&i| i as usize >= n_items) {
                return Some(format!("row {u} has an item index >= {n_items}"));
            }
            None
        };
        if let Some(u) = (0..n_users)
            .into_par_iter()
            .with_min_len(1 << 10)
            .find_first(|&u| row_error(u).is_some())
        {
            return bad(row_error(u).unwrap_or_default());
        }
        Ok(Self::from_valid_csr(
            users, items, indptr, indices, values, timestamps,
        ))
    }

    /// [`Self::from_csr`] for arrays the caller has already checked: `indptr` starts at 0,
    /// never decreases and ends at the entries, each row's items strictly increase and every
    /// index fits its map (as [`crate::Triplets`] checks sorted rows).
    pub(crate) fn from_valid_csr(
        users: Arc<IdMap>,
        items: Arc<IdMap>,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f32>,
        timestamps: Option<Vec<i64>>,
    ) -> Self {
        let item_counts = count_items(items.len(), &indices);
        Interactions {
            users,
            items,
            user_ptr: indptr,
            item_indices: indices,
            values,
            timestamps,
            item_counts,
            csc: OnceLock::new(),
        }
    }

    /// Builds from `(user, item, value)` index triplets over identity id maps of the given
    /// sizes (raw id = index). Duplicates are an error. Handy in tests and examples.
    pub fn from_index_triplets(
        n_users: usize,
        n_items: usize,
        rows: &[(u32, u32, f32)],
    ) -> Result<Self> {
        let mut t = crate::Triplets::new("triplets", false, false);
        for &(u, i, v) in rows {
            t.push(u, i, v, None, 0);
        }
        t.build(
            Arc::new(IdMap::identity(n_users)),
            Arc::new(IdMap::identity(n_items)),
            crate::DuplicatePolicy::Error,
        )
    }

    /// Whether the by-item copy (CSC) is currently built.
    pub fn has_columns(&self) -> bool {
        self.csc.get().is_some()
    }

    /// Drops the by-item copy (CSC), if built, and gives its memory (8 bytes an interaction)
    /// back: for a matrix kept after a model that walked its columns has trained. The next
    /// column access builds the same copy again.
    pub fn release_columns(&mut self) {
        self.csc.take();
    }

    /// Which users and which items have at least one interaction here (flags in index
    /// order): what models keep to tell known rows from cold ones, and what evaluations
    /// count cold test rows by.
    pub fn seen_flags(&self) -> (Vec<bool>, Vec<bool>) {
        (
            self.user_ptr.windows(2).map(|w| w[1] > w[0]).collect(),
            self.item_counts.iter().map(|&n| n > 0).collect(),
        )
    }

    /// The id space of this matrix, holding no interactions: what a caller keeps of data it
    /// hands over to be drained ([`Interactions::drain_rows_from_last`]).
    pub fn id_space_only(&self) -> Interactions {
        Interactions {
            users: Arc::clone(&self.users),
            items: Arc::clone(&self.items),
            user_ptr: vec![0; self.n_users() + 1],
            item_indices: Vec::new(),
            values: Vec::new(),
            timestamps: None,
            item_counts: vec![0; self.n_items()],
            csc: OnceLock::new(),
        }
    }

    /// The by-item copy, built on the first call.
    fn csc(&self) -> &Csc {
        self.csc.get_or_init(|| {
            let (item_ptr, user_indices, col_values) = transpose(
                self.n_users(),
                self.n_items(),
                &self.user_ptr,
                &self.item_indices,
                &self.values,
            );
            Csc {
                item_ptr,
                user_indices,
                col_values,
            }
        })
    }

    /// Number of users in the id space (some may have no interactions here).
    #[inline]
    pub fn n_users(&self) -> usize {
        self.user_ptr.len() - 1
    }

    /// Number of items in the id space (some may have no interactions here).
    #[inline]
    pub fn n_items(&self) -> usize {
        self.item_counts.len()
    }

    /// Number of stored interactions.
    #[inline]
    pub fn nnz(&self) -> usize {
        self.item_indices.len()
    }

    /// Whether there are no interactions.
    pub fn is_empty(&self) -> bool {
        self.nnz() == 0
    }

    /// The user id map.
    pub fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }

    /// The item id map.
    pub fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }

    /// Whether `other` uses the very same id maps (the same id space).
    pub fn same_id_space(&self, other: &Interactions) -> bool {
        (Arc::ptr_eq(&self.users, &other.users) || *self.users == *other.users)
            && (Arc::ptr_eq(&self.items, &other.items) || *self.items == *other.items)
    }

    /// One user's interactions.
    #[inline]
    pub fn row(&self, user: UserIdx) -> Row<'_> {
        let (a, b) = (self.user_ptr[user.index()], self.user_ptr[user.index() + 1]);
        Row {
            items: &self.item_indices[a..b],
            values: &self.values[a..b],
            timestamps: self.timestamps.as_ref().map(|t| &t[a..b]),
        }
    }

    /// One item's interactions.
    #[inline]
    pub fn col(&self, item: ItemIdx) -> Col<'_> {
        let csc = self.csc();
        let (a, b) = (csc.item_ptr[item.index()], csc.item_ptr[item.index() + 1]);
        Col {
            users: &csc.user_indices[a..b],
            values: &csc.col_values[a..b],
        }
    }

    /// Number of interactions of `user`.
    #[inline]
    pub fn user_degree(&self, user: UserIdx) -> usize {
        self.user_ptr[user.index() + 1] - self.user_ptr[user.index()]
    }

    /// Number of interactions of `item`.
    #[inline]
    pub fn item_degree(&self, item: ItemIdx) -> usize {
        self.item_counts[item.index()]
    }

    /// The value stored for (user, item), if any.
    pub fn get(&self, user: UserIdx, item: ItemIdx) -> Option<f32> {
        let row = self.row(user);
        row.items.binary_search(&item.0).ok().map(|k| row.values[k])
    }

    /// Whether (user, item) is stored.
    #[inline]
    pub fn contains(&self, user: UserIdx, item: ItemIdx) -> bool {
        self.row(user).contains(item.0)
    }

    /// CSR row offsets (`n_users + 1` entries).
    pub fn user_ptr(&self) -> &[usize] {
        &self.user_ptr
    }

    /// CSR item indices, row after row.
    pub fn item_indices(&self) -> &[u32] {
        &self.item_indices
    }

    /// CSR values, row after row.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// CSR timestamps, row after row, when the data has them.
    pub fn timestamps(&self) -> Option<&[i64]> {
        self.timestamps.as_deref()
    }

    /// CSC column offsets (`n_items + 1` entries).
    pub fn item_ptr(&self) -> &[usize] {
        &self.csc().item_ptr
    }

    /// CSC user indices, column after column.
    pub fn user_indices(&self) -> &[u32] {
        &self.csc().user_indices
    }

    /// CSC values, column after column.
    pub fn col_values(&self) -> &[f32] {
        &self.csc().col_values
    }

    /// The user of every CSR entry (the COO row array), computed on demand.
    pub fn coo_users(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.nnz());
        for u in 0..self.n_users() {
            let len = self.user_ptr[u + 1] - self.user_ptr[u];
            out.extend(std::iter::repeat_n(u as u32, len));
        }
        out
    }

    /// Every interaction as `(user, item, value)`, user by user, items increasing.
    pub fn iter(&self) -> impl Iterator<Item = (UserIdx, ItemIdx, f32)> + '_ {
        (0..self.n_users()).flat_map(move |u| {
            let row = self.row(UserIdx(u as u32));
            row.items
                .iter()
                .zip(row.values)
                .map(move |(&i, &v)| (UserIdx(u as u32), ItemIdx(i), v))
        })
    }

    /// Smallest and largest stored value (`None` when empty).
    pub fn value_range(&self) -> Option<(f32, f32)> {
        self.value_summary().map(|s| (s.min, s.max))
    }

    /// Mean of the stored values (0 when empty).
    pub fn mean_value(&self) -> f64 {
        self.value_summary().map_or(0.0, |s| s.mean)
    }

    /// Smallest, largest and mean stored value in one parallel pass (`None` when empty).
    /// Fixed blocks are summed in parallel and their sums added in order, so the mean has
    /// the same bits on any thread count; min and max do not depend on the order.
    pub fn value_summary(&self) -> Option<ValueSummary> {
        if self.values.is_empty() {
            return None;
        }
        let blocks: Vec<(f32, f32, f64)> = self
            .values
            .par_chunks(1 << 16)
            .map(|block| {
                let (lo, hi) = block
                    .iter()
                    .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                        (lo.min(v), hi.max(v))
                    });
                (lo, hi, block_sum(block))
            })
            .collect();
        let (mut min, mut max, mut sum) = (f32::INFINITY, f32::NEG_INFINITY, 0f64);
        for &(lo, hi, s) in &blocks {
            (min, max, sum) = (min.min(lo), max.max(hi), sum + s);
        }
        Some(ValueSummary {
            min,
            max,
            mean: sum / self.values.len() as f64,
        })
    }

    /// Fraction of the user × item matrix that is stored.
    pub fn density(&self) -> f64 {
        let cells = self.n_users() as f64 * self.n_items() as f64;
        if cells == 0.0 {
            0.0
        } else {
            self.nnz() as f64 / cells
        }
    }

    /// Keeps the entries for which `keep(user, item, value, position)` is true, in the same
    /// id space. `position` is the entry's index in the CSR arrays.
    pub fn filter(&self, mut keep: impl FnMut(UserIdx, ItemIdx, f32, usize) -> bool) -> Self {
        self.filter_map(|u, i, v, k| keep(u, i, v, k).then_some(v))
    }

    /// Keeps the entries for which `f` returns a value (the new value), in the same id space.
    pub fn filter_map(
        &self,
        mut f: impl FnMut(UserIdx, ItemIdx, f32, usize) -> Option<f32>,
    ) -> Self {
        let mut indptr = Vec::with_capacity(self.n_users() + 1);
        indptr.push(0);
        let mut indices = Vec::new();
        let mut values = Vec::new();
        let mut stamps = self.timestamps.as_ref().map(|_| Vec::new());
        for u in 0..self.n_users() {
            for k in self.user_ptr[u]..self.user_ptr[u + 1] {
                let item = self.item_indices[k];
                if let Some(v) = f(UserIdx(u as u32), ItemIdx(item), self.values[k], k) {
                    indices.push(item);
                    values.push(v);
                    if let (Some(out), Some(ts)) = (&mut stamps, &self.timestamps) {
                        out.push(ts[k]);
                    }
                }
            }
            indptr.push(indices.len());
        }
        Self::from_csr(
            self.users.clone(),
            self.items.clone(),
            indptr,
            indices,
            values,
            stamps,
        )
        .expect("a filtered valid CSR is valid")
    }

    /// The implicit-feedback view: entries with value ≥ `threshold` become 1, the others
    /// are dropped. The id space is unchanged.
    pub fn to_implicit(&self, threshold: f32) -> Self {
        self.filter_map(|_, _, v, _| (v >= threshold).then_some(1.0))
    }

    /// The same entries in a larger id space: `users` and `items` must start with this
    /// data's ids in the same order (see [`IdMap::is_prefix_of`]).
    pub fn with_id_space(&self, users: Arc<IdMap>, items: Arc<IdMap>) -> Result<Self> {
        if !self.users.is_prefix_of(&users) || !self.items.is_prefix_of(&items) {
            return Err(DataError::Invalid(
                "the new id maps do not extend the data's id maps".into(),
            ));
        }
        let mut indptr = self.user_ptr.clone();
        indptr.resize(users.len() + 1, self.nnz());
        Self::from_csr(
            users,
            items,
            indptr,
            self.item_indices.clone(),
            self.values.clone(),
            self.timestamps.clone(),
        )
    }

    /// A 64-bit fingerprint of the id maps and entries (xxh3), to tell whether a model was
    /// trained on this data.
    pub fn fingerprint(&self) -> u64 {
        use xxhash_rust::xxh3::Xxh3;
        let mut h = Xxh3::new();
        h.update(&(self.n_users() as u64).to_le_bytes());
        h.update(&(self.n_items() as u64).to_le_bytes());
        for id in self
            .users
            .to_strings()
            .iter()
            .chain(&self.items.to_strings())
        {
            h.update(id.as_bytes());
            h.update(&[0]);
        }
        for &p in &self.user_ptr {
            h.update(&(p as u64).to_le_bytes());
        }
        for &i in &self.item_indices {
            h.update(&i.to_le_bytes());
        }
        for &v in &self.values {
            h.update(&v.to_le_bytes());
        }
        h.digest()
    }
}

/// The smallest, largest and mean stored value ([`Interactions::value_summary`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValueSummary {
    /// Smallest value.
    pub min: f32,
    /// Largest value.
    pub max: f32,
    /// Mean value.
    pub mean: f64,
}

/// The sum of `block` in `f64`, in four running sums (not one long chain of additions).
fn block_sum(block: &[f32]) -> f64 {
    let mut lanes = [0f64; 4];
    let quads = block.chunks_exact(4);
    let rest: f64 = quads.remainder().iter().map(|&v| f64::from(v)).sum();
    for q in quads {
        for (lane, &v) in lanes.iter_mut().zip(q) {
            *lane += f64::from(v);
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest
}

/// The CSC arrays (column offsets, user of each entry, value of each entry) of valid CSR
/// arrays (rows strictly increasing, items below `n_items`), in parallel: the items are cut
/// into ranges of about equal entry counts, and each range's task walks every row, finding
/// its part of the (sorted) row by binary search, and fills its own contiguous slice of the
/// CSC arrays in user order. The result does not depend on the ranges (nor on the threads).
/// Interactions per item of the CSR item indices `indices` (in parallel).
fn count_items(n_items: usize, indices: &[u32]) -> Vec<usize> {
    indices
        .par_chunks(1 << 18)
        .fold(
            || vec![0usize; n_items],
            |mut c, chunk| {
                for &i in chunk {
                    c[i as usize] += 1;
                }
                c
            },
        )
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        })
        .unwrap_or_else(|| vec![0; n_items])
}

fn transpose(
    n_users: usize,
    n_items: usize,
    indptr: &[usize],
    indices: &[u32],
    values: &[f32],
) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
    let counts = count_items(n_items, indices);
    let mut item_ptr = Vec::with_capacity(n_items + 1);
    item_ptr.push(0usize);
    for c in &counts {
        item_ptr.push(item_ptr[item_ptr.len() - 1] + c);
    }
    let nnz = indices.len();
    let mut user_indices = vec![0u32; nnz];
    let mut col_values = vec![0f32; nnz];
    // Item ranges [lo, hi) of about nnz / parts entries each.
    let parts = (4 * rayon::current_num_threads()).clamp(1, n_items.max(1));
    let mut bounds = vec![0usize];
    for p in 1..parts {
        let target = nnz * p / parts;
        let i = item_ptr.partition_point(|&x| x < target).min(n_items);
        if i > bounds[bounds.len() - 1] {
            bounds.push(i);
        }
    }
    bounds.push(n_items);
    // Split the CSC arrays at the ranges' first entries.
    let mut slices = Vec::with_capacity(bounds.len() - 1);
    let (mut users_rest, mut values_rest) = (&mut user_indices[..], &mut col_values[..]);
    for w in bounds.windows(2) {
        let len = item_ptr[w[1]] - item_ptr[w[0]];
        let (u, ur) = users_rest.split_at_mut(len);
        let (v, vr) = values_rest.split_at_mut(len);
        slices.push((w[0], w[1], u, v));
        users_rest = ur;
        values_rest = vr;
    }
    slices
        .into_par_iter()
        .for_each(|(lo, hi, out_users, out_values)| {
            let base = item_ptr[lo];
            let mut next: Vec<usize> = item_ptr[lo..hi].iter().map(|&p| p - base).collect();
            for u in 0..n_users {
                let row = &indices[indptr[u]..indptr[u + 1]];
                let start = row.partition_point(|&i| (i as usize) < lo);
                let end = start + row[start..].partition_point(|&i| (i as usize) < hi);
                for k in start..end {
                    let slot = &mut next[row[k] as usize - lo];
                    out_users[*slot] = u as u32;
                    out_values[*slot] = values[indptr[u] + k];
                    *slot += 1;
                }
            }
        });
    (item_ptr, user_indices, col_values)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn seen_flags_mark_the_users_and_items_with_an_interaction() {
        // 3 users × 4 items: user 1 and items 0 and 2 have none.
        let x = super::Interactions::from_index_triplets(
            3,
            4,
            &[(0, 1, 2.0), (2, 3, 1.0), (2, 1, 5.0)],
        )
        .unwrap();
        assert_eq!(
            x.seen_flags(),
            (vec![true, false, true], vec![false, true, false, true])
        );
    }

    #[test]
    fn the_mean_and_range_are_exact_and_the_same_on_any_thread_count() {
        // 200,003 ratings (blocks and a remainder): values k mod 10 halves, 0.5 to 5.
        let n = 200_003usize;
        let rows: Vec<(u32, u32, f32)> = (0..n)
            .map(|k| {
                (
                    (k / 1000) as u32,
                    (k % 1000) as u32,
                    0.5 + (k % 10) as f32 / 2.0,
                )
            })
            .collect();
        let x = super::Interactions::from_index_triplets(201, 1000, &rows).unwrap();
        let exact: f64 = rows.iter().map(|r| f64::from(r.2)).sum::<f64>() / n as f64;
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| (x.mean_value().to_bits(), x.value_range()))
        };
        let (one, range) = on(1);
        assert_eq!(on(3), (one, range));
        assert!(
            (f64::from_bits(one) - exact).abs() < 1e-12,
            "{} vs {exact}",
            f64::from_bits(one)
        );
        assert_eq!(range, Some((0.5, 5.0)));
    }

    /// The readable transpose: every entry dropped in its column, user after user.
    fn naive_transpose(
        n_items: usize,
        indptr: &[usize],
        indices: &[u32],
        values: &[f32],
    ) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
        let mut cols: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n_items];
        for u in 0..indptr.len() - 1 {
            for k in indptr[u]..indptr[u + 1] {
                cols[indices[k] as usize].push((u as u32, values[k]));
            }
        }
        let mut ptr = vec![0];
        let (mut us, mut vs) = (Vec::new(), Vec::new());
        for c in cols {
            for (u, v) in c {
                us.push(u);
                vs.push(v);
            }
            ptr.push(us.len());
        }
        (ptr, us, vs)
    }

    proptest! {
        #[test]
        fn the_parallel_transpose_equals_the_naive_one(
            rows in proptest::collection::vec(proptest::collection::btree_set(0u32..40, 0..12), 0..30),
            n_items in 40usize..45,
            threads in 1usize..4,
        ) {
            let mut indptr = vec![0];
            let mut indices = Vec::new();
            for row in &rows {
                indices.extend(row.iter().copied());
                indptr.push(indices.len());
            }
            let values: Vec<f32> = (0..indices.len()).map(|k| k as f32 * 0.5).collect();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let got = pool.install(|| transpose(rows.len(), n_items, &indptr, &indices, &values));
            prop_assert_eq!(got, naive_transpose(n_items, &indptr, &indices, &values));
        }
    }

    use super::*;

    fn small() -> Interactions {
        Interactions::from_index_triplets(
            3,
            4,
            &[
                (0, 3, 5.0),
                (0, 1, 3.0),
                (2, 0, 1.0),
                (1, 1, 4.0),
                (2, 3, 2.0),
            ],
        )
        .unwrap()
    }

    #[test]
    fn csr_rows_are_sorted_and_csc_mirrors_csr() {
        let x = small();
        assert_eq!(x.n_users(), 3);
        assert_eq!(x.n_items(), 4);
        assert_eq!(x.nnz(), 5);
        assert_eq!(x.row(UserIdx(0)).items, &[1, 3]);
        assert_eq!(x.row(UserIdx(0)).values, &[3.0, 5.0]);
        assert_eq!(x.col(ItemIdx(1)).users, &[0, 1]);
        assert_eq!(x.col(ItemIdx(1)).values, &[3.0, 4.0]);
        assert_eq!(x.col(ItemIdx(2)).users, &[] as &[u32]);
        assert_eq!(x.get(UserIdx(2), ItemIdx(3)), Some(2.0));
        assert_eq!(x.get(UserIdx(2), ItemIdx(2)), None);
        let from_csc: usize = (0..4).map(|i| x.item_degree(ItemIdx(i))).sum();
        assert_eq!(from_csc, x.nnz());
    }

    #[test]
    fn released_columns_are_built_again_the_same() {
        let mut x = small();
        assert!(!x.has_columns());
        let before: Vec<(Vec<u32>, Vec<f32>)> = (0..4)
            .map(|i| {
                let c = x.col(ItemIdx(i));
                (c.users.to_vec(), c.values.to_vec())
            })
            .collect();
        assert!(x.has_columns());
        x.release_columns();
        assert!(!x.has_columns());
        for (i, (users, values)) in before.iter().enumerate() {
            let c = x.col(ItemIdx(i as u32));
            assert_eq!((c.users, c.values), (&users[..], &values[..]));
        }
        assert!(x.has_columns());
    }

    #[test]
    fn implicit_view_thresholds_and_keeps_the_id_space() {
        let x = small().to_implicit(3.0);
        assert_eq!(x.nnz(), 3);
        assert!(x.values().iter().all(|&v| v == 1.0));
        assert_eq!(x.n_users(), 3);
        assert!(!x.contains(UserIdx(2), ItemIdx(0)));
    }

    #[test]
    fn from_csr_rejects_unsorted_rows() {
        let m = Arc::new(IdMap::identity(1));
        let items = Arc::new(IdMap::identity(3));
        let r = Interactions::from_csr(m, items, vec![0, 2], vec![2, 1], vec![1.0, 1.0], None);
        assert!(r.is_err());
    }

    #[test]
    fn fingerprint_changes_with_a_value() {
        let a = small();
        let b = a.filter_map(|u, i, v, _| Some(if u.0 == 0 && i.0 == 1 { v + 1.0 } else { v }));
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), small().fingerprint());
    }

    #[test]
    fn larger_id_space_keeps_entries() {
        let x = small();
        let mut users = (**x.user_ids()).clone();
        users.intern_int(99);
        let y = x
            .with_id_space(Arc::new(users), x.item_ids().clone())
            .unwrap();
        assert_eq!(y.n_users(), 4);
        assert_eq!(y.nnz(), x.nnz());
        assert_eq!(y.user_degree(UserIdx(3)), 0);
    }
}
