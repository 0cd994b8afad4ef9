//! The rows layout of the block schedule: SGD reads the training matrix in place.
//!
//! [`super::grid::Grid::new`] shuffles users and items into bins and copies every rating
//! into its block (4 or 12 bytes each), in a random order that sends every sample to a random
//! factor row. Once the factor tables outgrow the caches (Netflix-sized data) that copy
//! costs memory and the random rows cost most of the time. This layout instead cuts users
//! and items into **contiguous** index ranges holding about the same number of ratings, so
//! block `(r, c)` is, for each user of range `r`, one contiguous segment of that user's
//! CSR row (rows are sorted by item): nothing is copied. A block is trained user by user
//! (users in a seeded random order each epoch, each user's segment in item order), so a
//! user's factor row stays in the first-level cache over its segment and the item range's
//! rows stay in the second level — the order LIBMF sorts its blocks into (Chin et al.
//! 2015), without LIBMF's copy of the data.
//!
//! The segments are found once ([`RowSegments::new`]: a cut per user and item range, 4
//! bytes each); the schedule, the random streams and the bins' slices are those of the
//! grid, so results stay independent of the thread count and the process count.

use rustrec_data::{Interactions, UserIdx};

use super::grid::Grid;
use super::simd::prefetch;

/// Contiguous index ranges over `counts.len()` rows, `bins` of them, each holding about
/// `1/bins` of the total count: boundary `b` is the first row whose preceding rows hold at
/// least `b/bins` of the total. Returns `bins + 1` non-decreasing boundaries from 0 to
/// `counts.len()`.
pub fn balanced_bounds(counts: &[usize], bins: usize) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    let mut bounds = Vec::with_capacity(bins + 1);
    bounds.push(0);
    let (mut row, mut before) = (0usize, 0usize);
    for b in 1..bins {
        // The smallest row with before(row) · bins ≥ b · total.
        let goal = b as u128 * total as u128;
        while row < counts.len() && (before as u128) * (bins as u128) < goal {
            before += counts[row];
            row += 1;
        }
        bounds.push(row);
    }
    bounds.push(counts.len());
    bounds
}

/// Where each user's CSR row crosses the item ranges of a rows-layout grid.
#[derive(Clone, Debug)]
pub struct RowSegments {
    bins: usize,
    /// `cuts[u · (bins + 1) + c]`: position within user `u`'s row of its first item of item
    /// range `c` (the row's length for `c = bins`).
    cuts: Vec<u32>,
    /// Ratings of block `(r, c)` at `r · bins + c`.
    block_len: Vec<usize>,
}

impl RowSegments {
    /// The cuts of every row of `train` at `item_bounds`, and the size of every block of
    /// `user_bounds × item_bounds`.
    pub fn new(train: &Interactions, user_bounds: &[usize], item_bounds: &[usize]) -> Self {
        let bins = item_bounds.len() - 1;
        let n_users = train.n_users();
        let mut cuts = Vec::with_capacity(n_users * (bins + 1));
        let mut block_len = vec![0usize; bins * bins];
        let mut r = 0;
        for u in 0..n_users {
            while user_bounds[r + 1] <= u {
                r += 1;
            }
            let items = train.row(UserIdx(u as u32)).items;
            for &lo in &item_bounds[..bins] {
                cuts.push(items.partition_point(|&i| (i as usize) < lo) as u32);
            }
            cuts.push(items.len() as u32);
            let row_cuts = &cuts[u * (bins + 1)..];
            for c in 0..bins {
                block_len[r * bins + c] += (row_cuts[c + 1] - row_cuts[c]) as usize;
            }
        }
        RowSegments {
            bins,
            cuts,
            block_len,
        }
    }

    /// Ratings in block (user range `r`, item range `c`).
    pub fn block_len(&self, r: usize, c: usize) -> usize {
        self.block_len[r * self.bins + c]
    }

    /// Positions in the CSR arrays (`Interactions::item_indices` / `values`) of user `u`'s
    /// ratings of item range `c`, given the row pointers `user_ptr`.
    #[inline]
    pub fn segment(&self, user_ptr: &[usize], u: usize, c: usize) -> std::ops::Range<usize> {
        let start = user_ptr[u];
        let cuts = &self.cuts[u * (self.bins + 1)..];
        start + cuts[c] as usize..start + cuts[c + 1] as usize
    }

    /// Asks the CPU for the table entries [`Self::segment`] reads for user `u`, range `c`
    /// (a hint only: it reads nothing itself, so a miss does not hold up the caller).
    #[inline(always)]
    pub fn prefetch_segment(&self, user_ptr: &[usize], u: usize, c: usize) {
        if let (Some(start), Some(cut)) = (user_ptr.get(u), self.cuts.get(u * (self.bins + 1) + c))
        {
            prefetch(start);
            prefetch(cut);
        }
    }
}

/// A grid of `bins` contiguous, count-balanced user ranges and item ranges with no copied
/// entries (training positions are the data's indices), and the row segments of its
/// blocks.
pub fn row_ranges(train: &Interactions, bins: usize) -> (Grid, RowSegments) {
    let bins = bins.max(1);
    let (nu, ni) = (train.n_users(), train.n_items());
    let user_counts: Vec<usize> = (0..nu)
        .map(|u| train.user_degree(UserIdx(u as u32)))
        .collect();
    let mut item_counts = vec![0usize; ni];
    for &i in train.item_indices() {
        item_counts[i as usize] += 1;
    }
    let user_bounds = balanced_bounds(&user_counts, bins);
    let item_bounds = balanced_bounds(&item_counts, bins);
    let segments = RowSegments::new(train, &user_bounds, &item_bounds);
    (Grid::of_ranges(user_bounds, item_bounds), segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustrec_data::ItemIdx;

    #[test]
    fn balanced_bounds_split_the_total_evenly_on_hand_computed_cases() {
        assert_eq!(balanced_bounds(&[1, 1, 1, 1], 2), vec![0, 2, 4]);
        // Total 10: boundary 1 is the first row with ≥ 5 before it (after 5 → row 1).
        assert_eq!(balanced_bounds(&[5, 1, 1, 1, 1, 1], 2), vec![0, 1, 6]);
        assert_eq!(balanced_bounds(&[0, 0, 6, 0, 6], 3), vec![0, 3, 5, 5]);
        assert_eq!(balanced_bounds(&[], 3), vec![0, 0, 0, 0]);
        assert_eq!(balanced_bounds(&[2, 3], 1), vec![0, 2]);
    }

    #[test]
    fn the_segments_of_every_block_are_exactly_its_ratings() {
        let rows: Vec<(u32, u32, f32)> = (0..37u32)
            .flat_map(|u| {
                (0..23u32)
                    .filter(move |i| (u * 7 + i * 3) % 5 < 2)
                    .map(move |i| (u, i, (u + 2 * i) as f32))
            })
            .collect();
        let x = Interactions::from_index_triplets(37, 23, &rows).unwrap();
        let bins = 4;
        let (g, seg) = row_ranges(&x, bins);
        assert_eq!(g.bins(), bins);
        let mut seen = Vec::new();
        for r in 0..bins {
            for c in 0..bins {
                let mut n = 0;
                for u in g.user_bounds[r]..g.user_bounds[r + 1] {
                    for k in seg.segment(x.user_ptr(), u, c) {
                        let (i, v) = (x.item_indices()[k], x.values()[k]);
                        assert!((g.item_bounds[c]..g.item_bounds[c + 1]).contains(&(i as usize)));
                        assert_eq!(x.get(UserIdx(u as u32), ItemIdx(i)), Some(v));
                        seen.push((u, i));
                        n += 1;
                    }
                }
                assert_eq!(seg.block_len(r, c), n);
            }
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), x.nnz(), "every rating in exactly one block");
    }
}
