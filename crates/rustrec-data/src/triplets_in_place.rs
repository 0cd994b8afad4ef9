//! Consumed [`Triplets`] become [`Interactions`] with no more memory than the rows
//! themselves.
//!
//! [`Triplets::build`] borrows the rows and writes the CSR arrays beside them through a
//! sort key per row, so its peak is about 2.3× the rows (2.8 GB for Netflix-sized data).
//! [`into_interactions_in_place`] consumes them instead:
//!
//! 1. a counting sort by user scatters the items, values (and timestamps) into the CSR
//!    arrays from the last row to the first, a slice of rows at a time; each slice's
//!    columns are then cut off and returned to the allocator, so the CSR arrays grow as the
//!    rows shrink. Going backwards from each row's end keeps a user's rows in input order
//!    (a stable sort);
//! 2. each row is sorted by item (stably: duplicates stay in input order) and its
//!    duplicates merged by the policy, in parallel; rows are then compacted in place.
//!
//! The user column is kept to the end, only to name the lines of a refused duplicate; when
//! rows come grouped by user (the usual file) it is runs of one user already (a
//! [`UserColumn`] as read) or is first cut down to them. The
//! result (and every error) is that of [`Triplets::build`], which the tests check.

use std::sync::Arc;

use rayon::prelude::*;

use crate::error::{DataError, Result};
use crate::ids::IdMap;
use crate::interactions::Interactions;
use crate::triplets::{DuplicatePolicy, Triplets};
use crate::user_column::UserColumn;

/// Rows scattered between two releases of the columns' tails.
const SLICE_ROWS: usize = 1 << 20;

/// What merging one row's duplicates found wrong: the duplicate's item and the positions
/// within the row (input order) of the two rows named in the error.
struct RowProblem {
    item: u32,
    first: usize,
    second: usize,
    /// `Some(sum)` for a sum that left the range of `f32`, `None` for a refused duplicate.
    sum: Option<(f32, usize)>,
}

/// Cuts `v` down to `len` entries and gives the rest back to the allocator.
fn release_tail<T>(v: &mut Vec<T>, len: usize) {
    v.truncate(len);
    v.shrink_to_fit();
}

/// Splits `data` into the rows delimited by `ptr`.
pub(crate) fn split_rows<'a, T>(mut data: &'a mut [T], ptr: &[usize]) -> Vec<&'a mut [T]> {
    let mut rows = Vec::with_capacity(ptr.len().saturating_sub(1));
    for w in ptr.windows(2) {
        let (row, rest) = data.split_at_mut(w[1] - w[0]);
        rows.push(row);
        data = rest;
    }
    rows
}

/// Sorts one row by item (ties in input order), merges its duplicates by `policy` (a
/// merged duplicate keeps the last timestamp), and returns its new length; the merged row
/// is at the front of the slices.
fn sort_and_merge_row(
    items: &mut [u32],
    values: &mut [f32],
    mut stamps: Option<&mut [i64]>,
    policy: DuplicatePolicy,
) -> std::result::Result<usize, RowProblem> {
    let n = items.len();
    let sorted = items.windows(2).all(|w| w[0] < w[1]);
    if sorted {
        return Ok(n);
    }
    // (item, position) as one integer: sorting it orders by item, ties by input order.
    let mut order: Vec<u64> = items
        .iter()
        .enumerate()
        .map(|(k, &i)| (u64::from(i) << 32) | k as u64)
        .collect();
    order.sort_unstable();
    let item_at = |x: usize| (order[x] >> 32) as u32;
    let pos = |x: usize| (order[x] & 0xFFFF_FFFF) as usize;
    let old_values = values.to_vec();
    let old_stamps = stamps.as_deref().map(<[i64]>::to_vec);
    let mut out = 0;
    let mut j = 0;
    while j < n {
        let item = item_at(j);
        let mut end = j + 1;
        while end < n && item_at(end) == item {
            end += 1;
        }
        let value = if end - j == 1 {
            old_values[pos(j)]
        } else {
            match policy {
                DuplicatePolicy::Error => {
                    return Err(RowProblem {
                        item,
                        first: pos(j),
                        second: pos(j + 1),
                        sum: None,
                    });
                }
                DuplicatePolicy::KeepLast => old_values[pos(end - 1)],
                DuplicatePolicy::Sum => {
                    let sum: f32 = (j..end).map(|x| old_values[pos(x)]).sum();
                    if !sum.is_finite() {
                        return Err(RowProblem {
                            item,
                            first: pos(j),
                            second: pos(j + 1),
                            sum: Some((sum, end - j)),
                        });
                    }
                    sum
                }
                DuplicatePolicy::Mean => {
                    let sum: f64 = (j..end).map(|x| f64::from(old_values[pos(x)])).sum();
                    (sum / (end - j) as f64) as f32
                }
            }
        };
        items[out] = item;
        values[out] = value;
        if let (Some(out_stamps), Some(old)) = (stamps.as_deref_mut(), &old_stamps) {
            out_stamps[out] = old[pos(end - 1)];
        }
        out += 1;
        j = end;
    }
    Ok(out)
}

/// Step 1 of the module notes: the rows scattered into CSR order by user (a stable
/// counting sort over `ptr`, from the last row to the first), releasing the columns' tails
/// as they are consumed.
fn scatter_by_user(
    ptr: &[usize],
    user_col: &UserColumn,
    mut item_col: Vec<u32>,
    mut value_col: Vec<f32>,
    mut stamp_col: Option<Vec<i64>>,
) -> (Vec<u32>, Vec<f32>, Option<Vec<i64>>) {
    let n = item_col.len();
    // Zeroed allocations are fresh pages, resident only once written: the CSR arrays
    // grow as the columns shrink.
    let mut csr_items = vec![0u32; n];
    let mut csr_values = vec![0f32; n];
    crate::huge_pages::advise_zeroed(&mut csr_items);
    crate::huge_pages::advise_zeroed(&mut csr_values);
    let mut csr_stamps = stamp_col.as_ref().map(|_| vec![0i64; n]);
    let mut next: Vec<usize> = ptr[1..].to_vec();
    let mut len = n;
    let mut backwards = user_col.iter().rev();
    while len > 0 {
        let start = len.saturating_sub(SLICE_ROWS);
        for k in (start..len).rev() {
            let u = backwards.next().expect("a user per row") as usize;
            next[u] -= 1;
            let at = next[u];
            csr_items[at] = item_col[k];
            csr_values[at] = value_col[k];
            if let (Some(out), Some(s)) = (&mut csr_stamps, &stamp_col) {
                out[at] = s[k];
            }
        }
        release_tail(&mut item_col, start);
        release_tail(&mut value_col, start);
        if let Some(s) = &mut stamp_col {
            release_tail(s, start);
        }
        len = start;
    }
    (csr_items, csr_values, csr_stamps)
}

/// [`Triplets::into_interactions`] for rows that are not already sorted: the same result
/// as [`Triplets::build`] with a peak of about the rows' own size (see the module notes).
/// The caller has checked that every index fits the maps.
pub(crate) fn into_interactions_in_place(
    t: Triplets,
    users: Arc<IdMap>,
    items: Arc<IdMap>,
    policy: DuplicatePolicy,
) -> Result<Interactions> {
    let Triplets {
        source,
        users: user_col,
        items: item_col,
        values: value_col,
        timestamps: stamp_col,
        lines,
    } = t;
    let n_users = users.len();
    let ptr = user_col.row_starts(n_users);
    // Rows grouped by user in index order (a file sorted by user: first appearance numbers
    // the users in that order) are already in CSR order: the stable counting sort would
    // move nothing, so the columns become the CSR arrays as they are.
    let in_csr_order = user_col.is_non_decreasing();
    let user_col = user_col.compress();
    let (mut csr_items, mut csr_values, mut csr_stamps) = if in_csr_order {
        (item_col, value_col, stamp_col)
    } else {
        scatter_by_user(&ptr, &user_col, item_col, value_col, stamp_col)
    };
    // 2. Sort each row by item and merge its duplicates.
    let outcomes: Vec<std::result::Result<usize, RowProblem>> = {
        let item_rows = split_rows(&mut csr_items, &ptr);
        let value_rows = split_rows(&mut csr_values, &ptr);
        let stamp_rows: Vec<Option<&mut [i64]>> = match &mut csr_stamps {
            Some(s) => split_rows(s, &ptr).into_iter().map(Some).collect(),
            None => (0..n_users).map(|_| None).collect(),
        };
        item_rows
            .into_par_iter()
            .zip(value_rows)
            .zip(stamp_rows)
            .with_min_len(256)
            .map(|((i, v), s)| sort_and_merge_row(i, v, s, policy))
            .collect()
    };
    let line_of = |user: usize, pos: usize| -> u64 {
        let k = user_col.row_of(user as u32, pos).unwrap_or(0);
        lines.as_ref().map_or(k as u64 + 1, |l| l[k])
    };
    if let Some((u, p)) = outcomes
        .iter()
        .enumerate()
        .find_map(|(u, o)| o.as_ref().err().map(|p| (u, p)))
    {
        let (first_line, second_line) = (line_of(u, p.first), line_of(u, p.second));
        return Err(match p.sum {
            None => DataError::Duplicate {
                source_name: source,
                user: users.raw(u as u32).to_string(),
                item: items.raw(p.item).to_string(),
                first_line,
                second_line,
            },
            Some((sum, count)) => {
                let at = if lines.is_some() { "lines" } else { "rows" };
                DataError::Invalid(format!(
                    "{source}: the {count} values of (user {}, item {}) ({at} {first_line} \
                     and {second_line}, ...) sum to {sum}, beyond the range of a 32-bit \
                     float; use the duplicate policy mean or keep-last",
                    users.raw(u as u32),
                    items.raw(p.item),
                ))
            }
        });
    }
    drop(user_col);
    drop(lines);
    // 3. Compact the merged rows (rows only shrink, so moving left is safe).
    let mut indptr = Vec::with_capacity(n_users + 1);
    indptr.push(0usize);
    let mut write = 0;
    for (u, o) in outcomes.iter().enumerate() {
        let kept = *o.as_ref().unwrap_or(&0);
        let read = ptr[u];
        if read != write {
            csr_items.copy_within(read..read + kept, write);
            csr_values.copy_within(read..read + kept, write);
            if let Some(s) = &mut csr_stamps {
                s.copy_within(read..read + kept, write);
            }
        }
        write += kept;
        indptr.push(write);
    }
    release_tail(&mut csr_items, write);
    release_tail(&mut csr_values, write);
    if let Some(s) = &mut csr_stamps {
        release_tail(s, write);
    }
    Interactions::from_csr(users, items, indptr, csr_items, csr_values, csr_stamps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn maps(nu: usize, ni: usize) -> (Arc<IdMap>, Arc<IdMap>) {
        (Arc::new(IdMap::identity(nu)), Arc::new(IdMap::identity(ni)))
    }

    fn same(a: &Interactions, b: &Interactions) {
        assert_eq!(a.user_ptr(), b.user_ptr());
        assert_eq!(a.item_indices(), b.item_indices());
        assert_eq!(
            a.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(a.timestamps(), b.timestamps());
    }

    fn triplets(rows: &[(u32, u32, f32, i64)], stamps: bool, lines: bool) -> Triplets {
        let mut t = Triplets::new("rows.tsv", stamps, lines);
        for (k, &(u, i, v, ts)) in rows.iter().enumerate() {
            t.push(u, i, v, Some(ts), 3 * k as u64 + 2);
        }
        t
    }

    #[test]
    fn a_hand_made_case_sorts_merges_and_keeps_the_last_stamp() {
        // User 1: items 4, 0, 4 (the duplicate 4 has values 2 then 5); user 0: item 3.
        let rows = [
            (1, 4, 2.0, 10),
            (1, 0, 1.0, 11),
            (0, 3, 7.0, 12),
            (1, 4, 5.0, 13),
        ];
        let (u, i) = maps(2, 5);
        let t = triplets(&rows, true, false);
        let x = into_interactions_in_place(t, u, i, DuplicatePolicy::Sum).unwrap();
        assert_eq!(x.user_ptr(), &[0, 1, 3]);
        assert_eq!(x.item_indices(), &[3, 0, 4]);
        assert_eq!(x.values(), &[7.0, 1.0, 7.0]);
        assert_eq!(x.timestamps().unwrap(), &[12, 11, 13]);
    }

    proptest! {
        #[test]
        fn in_place_equals_build_for_every_policy(
            rows in prop::collection::vec((0u32..7, 0u32..9, -3.0f32..3.0, 0i64..1000), 0..120),
            stamps in any::<bool>(),
            lines in any::<bool>(),
        ) {
            // As read, and grouped by user (then the user column becomes runs).
            let mut grouped = rows.clone();
            grouped.sort_by_key(|r| r.0);
            for (rows, policy) in [&rows, &grouped].into_iter().flat_map(|r| [
                DuplicatePolicy::Error,
                DuplicatePolicy::KeepLast,
                DuplicatePolicy::Sum,
                DuplicatePolicy::Mean,
            ].map(move |p| (r, p))) {
                let (u, i) = maps(7, 9);
                let want = triplets(rows, stamps, lines).build(u.clone(), i.clone(), policy);
                let want = want.map_err(|e| e.to_string());
                // The user column as pushed (runs, these being short) and as one index a
                // row (as the Parquet and shared readers give it).
                let as_runs = triplets(rows, stamps, lines);
                let mut as_rows = triplets(rows, stamps, lines);
                as_rows.users = UserColumn::from(as_rows.users.clone().into_vec());
                for t in [as_runs, as_rows] {
                    let got = into_interactions_in_place(t, u.clone(), i.clone(), policy);
                    match (&want, got) {
                        (Ok(a), Ok(b)) => same(a, &b),
                        (Err(a), Err(b)) => prop_assert_eq!(a, &b.to_string()),
                        (a, b) => prop_assert!(false, "{:?} vs {:?}", a.as_ref().map(|_| ()), b.map(|_| ())),
                    }
                }
            }
        }
    }

    #[test]
    fn an_overflowing_sum_is_refused_with_the_same_message() {
        let rows = [(0, 1, 3e38, 0), (0, 0, 1.0, 0), (0, 1, 3e38, 0)];
        let (u, i) = maps(1, 2);
        let want = triplets(&rows, false, true)
            .build(u.clone(), i.clone(), DuplicatePolicy::Sum)
            .unwrap_err()
            .to_string();
        let got =
            into_interactions_in_place(triplets(&rows, false, true), u, i, DuplicatePolicy::Sum)
                .unwrap_err()
                .to_string();
        assert_eq!(want, got);
        assert!(got.contains("lines 2 and 8"), "{got}");
    }
}
