//! Consuming a matrix row by row, its memory handed back as it goes.
//!
//! A model that trains on its own layout of the data (MF's packed blocks) builds that layout
//! from the matrix and no longer needs the matrix. Built from a borrowed matrix, both are
//! resident at once; built while the matrix is drained, the rows already copied are given
//! back along the way, so the two together take little more than the larger of them.

use super::{Interactions, Row};
use crate::freed_memory::release_freed_memory;
use crate::ids::UserIdx;

/// How many times a drain gives the rows it has handed over back to the system: often
/// enough that the copy and the matrix overlap by about 1/16 of the matrix, rarely enough
/// that the calls to the allocator cost nothing next to the copy.
const RELEASE_STEPS: usize = 16;

/// The fewest interactions a drain hands over between two releases (smaller matrices are
/// given back in fewer steps: a step costs a pass over the allocator's free lists).
const MIN_RELEASE: usize = 1 << 14;

impl Interactions {
    /// Consumes the matrix row by row from the last user to the first, calling
    /// `f(user, row)` for every user (users without interactions included, with an empty
    /// row), and gives the memory of the rows already handed over back to the system as it
    /// goes. The by-item copy and the timestamps, if any, are dropped first. Rows come from
    /// the last user so that the arrays only ever shrink from their end.
    pub fn drain_rows_from_last(self, mut f: impl FnMut(UserIdx, Row<'_>)) {
        let Interactions {
            user_ptr,
            mut item_indices,
            mut values,
            timestamps,
            csc,
            ..
        } = self;
        drop((timestamps, csc));
        let step = (item_indices.len() / RELEASE_STEPS).max(MIN_RELEASE);
        let mut released_at = item_indices.len();
        for u in (0..user_ptr.len() - 1).rev() {
            let (lo, hi) = (user_ptr[u], user_ptr[u + 1]);
            let row = Row {
                items: &item_indices[lo..hi],
                values: &values[lo..hi],
                timestamps: None,
            };
            f(UserIdx(u as u32), row);
            if released_at - lo >= step && lo > 0 {
                // Shrinking a buffer in place splits off its tail (glibc's realloc never
                // moves a block to shrink it); the release hands the tail's pages back.
                item_indices.truncate(lo);
                item_indices.shrink_to_fit();
                values.truncate(lo);
                values.shrink_to_fit();
                release_freed_memory();
                released_at = lo;
            }
        }
        drop((item_indices, values));
        release_freed_memory();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_handed_over_once_from_the_last_user_with_its_items_and_values() {
        let rows: Vec<(u32, u32, f32)> = (0..600u32)
            .flat_map(|u| {
                (0..300u32)
                    .filter(move |i| (u * 7 + i) % 3 == 0 && u % 11 != 4)
                    .map(move |i| (u, i, (u + i) as f32))
            })
            .collect();
        let x = Interactions::from_index_triplets(600, 300, &rows).unwrap();
        assert!(
            x.nnz() > 2 * MIN_RELEASE,
            "the drain releases more than once"
        );
        let want: Vec<(u32, Vec<u32>, Vec<f32>)> = (0..600u32)
            .rev()
            .map(|u| {
                let r = x.row(UserIdx(u));
                (u, r.items.to_vec(), r.values.to_vec())
            })
            .collect();
        let mut got = Vec::new();
        x.drain_rows_from_last(|u, row| {
            got.push((u.0, row.items.to_vec(), row.values.to_vec()));
        });
        assert_eq!(got, want);
        assert!(got.iter().any(|(_, items, _)| items.is_empty()));
    }

    #[test]
    fn the_id_space_kept_of_drained_data_has_its_ids_and_no_interactions() {
        let x = Interactions::from_index_triplets(3, 4, &[(0, 1, 2.0), (2, 3, 1.0)]).unwrap();
        let kept = x.id_space_only();
        assert!(kept.same_id_space(&x));
        assert_eq!((kept.n_users(), kept.n_items(), kept.nnz()), (3, 4, 0));
        assert_eq!(kept.user_degree(UserIdx(2)), 0);
        assert_eq!(kept.item_degree(crate::ItemIdx(3)), 0);
        assert!(kept.row(UserIdx(0)).is_empty());
    }
}
