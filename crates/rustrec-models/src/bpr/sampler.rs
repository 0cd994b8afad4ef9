//! Drawing training triples: positives of a block, and negatives the user has not seen.
//!
//! ## Positives
//! A block's entries are its positives. [`BlockIndex`] groups them by user (sorted
//! bin-local item positions per bin-local user), which serves both the per-user sampler
//! (draw a user among the block's users, then one of their positives) and the seen-item
//! test for negatives.
//!
//! ## Negatives
//! With the block grid, a block owns only the item rows of its item bin, so the negative
//! `j` of a positive in block `(r, c)` is drawn among the items of bin `c` that the user
//! has **not** interacted with in the training data. [`NegativeSampler::draw`] does
//! rejection sampling — draw from the bin (uniformly or ∝ (count + 1)^α), accept if the
//! user has not seen it ([`SeenRow::contains`]: one bit of the block's dense seen matrix
//! when the block is dense enough for the matrix to take no more memory than its item
//! lists, else a binary search in the user's sorted seen list) — for at most
//! [`REJECTION_TRIES`] tries, then falls back to an exact draw from the unseen items: the
//! `r`-th unseen item is found by walking the sorted seen list once (uniform case) or by
//! walking the bin's weights skipping seen items (weighted case). Both branches sample the
//! same conditional distribution, so the result is exactly "uniform (or ∝ weight) over the
//! user's unseen items of the bin", never a seen item, and the draw never loops forever.
//! A user who has seen every item of the bin gets `None` (the caller skips and counts
//! the sample). Every item id of the bin can come out, the smallest and the largest
//! included.
//!
//! ## What the bin restriction does to the distribution
//! Within a bin the draw is exact. Over an epoch, a user's negatives come from bin `c` in
//! proportion to the user's positives in bin `c` (`deg_c(u)`), where a global uniform draw
//! would use the share of unseen items in bin `c`. Because the item partition is a seeded
//! uniform random permutation cut into equal bins, `E[deg_c(u)] = deg(u)/bins` and
//! `E[unseen_c(u)] = unseen(u)/bins`: in expectation over the partition the marginal of
//! `j` is uniform over the user's unseen items, and every unseen item has a positive
//! probability whenever the user has a positive in its bin. With `bins = 1` the draw is
//! the textbook global one.

use crate::engine::packed::EntryRead;
use crate::engine::rng::{self, Rng};

/// Rejection tries before the exact fallback.
pub const REJECTION_TRIES: usize = 16;

/// The positives of one block grouped by bin-local user.
#[derive(Clone, Debug, Default)]
pub struct BlockIndex {
    ptr: Vec<u32>,
    items: Vec<u32>,
    active: Vec<u32>,
    /// The seen matrix as bits, `words` u64 per bin-local user, when it is at most twice
    /// the size of `items` ([`DENSE_BITS_PER_ENTRY`]); `None` for sparser blocks.
    dense: Option<SeenBits>,
}

/// Bits of the dense seen matrix allowed per positive: at 64 the matrix takes at most
/// twice the memory of the u32 item lists it shadows (blocks at least 1/64 full use it;
/// ML-1M's blocks are about 1/28 full, Netflix-sized sets about 1/85).
pub const DENSE_BITS_PER_ENTRY: usize = 64;

/// A block's seen (user, item) pairs as a dense bit matrix, one row of `words` u64 per
/// bin-local user.
#[derive(Clone, Debug, Default)]
struct SeenBits {
    words: usize,
    bits: Vec<u64>,
}

/// One user's seen items in a block: the sorted list (for the exact fallback and the
/// per-user positive draw) and, for dense blocks, the same set as a row of bits.
#[derive(Clone, Copy, Debug)]
pub struct SeenRow<'a> {
    /// The sorted bin-local item positions.
    pub items: &'a [u32],
    bits: Option<&'a [u64]>,
}

impl<'a> SeenRow<'a> {
    /// A row given by its sorted list only (membership by binary search).
    pub fn list(items: &'a [u32]) -> Self {
        SeenRow { items, bits: None }
    }

    /// Whether item `j` (bin-local) is among the user's seen items.
    #[inline]
    pub fn contains(&self, j: u32) -> bool {
        match self.bits {
            Some(bits) => bits[(j / 64) as usize] >> (j % 64) & 1 == 1,
            None => self.items.binary_search(&j).is_ok(),
        }
    }
}

impl BlockIndex {
    /// Indexes `entries` of a block whose user bin holds `n_users` users.
    pub fn new(entries: impl EntryRead, n_users: usize, n_items: usize) -> Self {
        let all = || (0..entries.len()).map(|k| entries.at(k));
        let mut ptr = vec![0u32; n_users + 1];
        for e in all() {
            ptr[e.user as usize + 1] += 1;
        }
        for u in 0..n_users {
            ptr[u + 1] += ptr[u];
        }
        let mut fill = ptr.clone();
        let mut items = vec![0u32; entries.len()];
        for e in all() {
            let at = &mut fill[e.user as usize];
            items[*at as usize] = e.item;
            *at += 1;
        }
        for u in 0..n_users {
            items[ptr[u] as usize..ptr[u + 1] as usize].sort_unstable();
        }
        let active = (0..n_users as u32)
            .filter(|&u| ptr[u as usize + 1] > ptr[u as usize])
            .collect();
        let words = n_items.div_ceil(64);
        let dense = (n_users * words * 64 <= DENSE_BITS_PER_ENTRY * entries.len()).then(|| {
            let mut bits = vec![0u64; n_users * words];
            for e in all() {
                bits[e.user as usize * words + (e.item / 64) as usize] |= 1 << (e.item % 64);
            }
            SeenBits { words, bits }
        });
        BlockIndex {
            ptr,
            items,
            active,
            dense,
        }
    }

    /// The seen items of bin-local `user` in both forms.
    #[inline]
    pub fn row(&self, user: u32) -> SeenRow<'_> {
        let u = user as usize;
        SeenRow {
            items: self.seen(user),
            bits: self
                .dense
                .as_ref()
                .map(|d| &d.bits[u * d.words..(u + 1) * d.words]),
        }
    }

    /// Whether the block keeps the dense bit matrix.
    pub fn is_dense(&self) -> bool {
        self.dense.is_some()
    }

    /// The same index without the bit matrix (tests compare both forms).
    #[cfg(test)]
    fn list_only(mut self) -> Self {
        self.dense = None;
        self
    }

    /// The sorted bin-local items `user` has in this block.
    #[inline]
    pub fn seen(&self, user: u32) -> &[u32] {
        let u = user as usize;
        &self.items[self.ptr[u] as usize..self.ptr[u + 1] as usize]
    }

    /// Users with at least one positive in the block.
    pub fn active_users(&self) -> &[u32] {
        &self.active
    }
}

/// Draws negatives among the `n` items of one item bin.
#[derive(Clone, Copy, Debug)]
pub struct NegativeSampler<'a> {
    n: u32,
    /// Prefix sums of the weights (`cdf[k]` = total weight of items `< k`), when weighted.
    cdf: Option<&'a [f64]>,
}

impl<'a> NegativeSampler<'a> {
    /// Uniform draws over a bin of `n` items.
    pub fn uniform(n: u32) -> Self {
        NegativeSampler { n, cdf: None }
    }

    /// Draws ∝ weight over a bin whose weight prefix sums are `cdf` (`n + 1` values from
    /// 0, non-decreasing, every weight > 0).
    pub fn weighted(cdf: &'a [f64]) -> Self {
        NegativeSampler {
            n: cdf.len().saturating_sub(1) as u32,
            cdf: Some(cdf),
        }
    }

    /// Number of items in the bin.
    pub fn len(&self) -> u32 {
        self.n
    }

    /// Whether the bin is empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// A bin-local item not in `row` (its list sorted, strictly increasing, all `< n`), or
    /// `None` when the row covers the whole bin. Inlined into the block loops (it runs once
    /// a sample); the rare exact fallback stays out of line.
    #[inline(always)]
    pub fn draw(&self, rng: &mut Rng, row: SeenRow<'_>) -> Option<u32> {
        if row.items.len() >= self.n as usize {
            return None;
        }
        for _ in 0..REJECTION_TRIES {
            let j = self.propose(rng);
            if !row.contains(j) {
                return Some(j);
            }
        }
        Some(self.exact_unseen(rng, row.items))
    }

    /// The exact draw after [`REJECTION_TRIES`] rejections: uniform (or ∝ weight) over the
    /// bin's items not in `seen`, which holds fewer than `n` items.
    #[cold]
    #[inline(never)]
    fn exact_unseen(&self, rng: &mut Rng, seen: &[u32]) -> u32 {
        match self.cdf {
            None => nth_unseen(rng::below(rng, self.n - seen.len() as u32), seen),
            Some(cdf) => weighted_unseen(cdf, seen, f64::from(rng::unit_f32(rng))),
        }
    }

    #[inline]
    fn propose(&self, rng: &mut Rng) -> u32 {
        match self.cdf {
            None => rng::below(rng, self.n),
            Some(cdf) => {
                let x = f64::from(rng::unit_f32(rng)) * cdf[self.n as usize];
                // The item k with cdf[k] <= x < cdf[k + 1].
                ((cdf[1..].partition_point(|&c| c <= x)) as u32).min(self.n - 1)
            }
        }
    }
}

/// The `r`-th (0-based) item not in the sorted list `seen`.
#[inline]
pub fn nth_unseen(mut r: u32, seen: &[u32]) -> u32 {
    for &s in seen {
        if s <= r {
            r += 1;
        } else {
            break;
        }
    }
    r
}

/// The unseen item at fraction `u ∈ [0, 1)` of the unseen items' total weight.
fn weighted_unseen(cdf: &[f64], seen: &[u32], u: f64) -> u32 {
    let n = cdf.len() - 1;
    let weight = |k: usize| cdf[k + 1] - cdf[k];
    let seen_weight: f64 = seen.iter().map(|&s| weight(s as usize)).sum();
    let mut x = u * (cdf[n] - seen_weight);
    let mut next_seen = seen.iter().peekable();
    let mut last = None;
    for k in 0..n {
        if next_seen.peek().is_some_and(|&&s| s as usize == k) {
            next_seen.next();
            continue;
        }
        last = Some(k as u32);
        let w = weight(k);
        if x < w {
            return k as u32;
        }
        x -= w;
    }
    // Rounding left `x` past the last weight: the last unseen item (one exists, since
    // `seen` does not cover the bin).
    last.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::grid::Entry;
    use proptest::prelude::*;

    #[test]
    fn nth_unseen_skips_the_seen_items() {
        assert_eq!(nth_unseen(0, &[]), 0);
        assert_eq!(nth_unseen(0, &[0, 1, 3]), 2);
        assert_eq!(nth_unseen(1, &[0, 1, 3]), 4);
        assert_eq!(nth_unseen(2, &[0, 2]), 4);
    }

    #[test]
    fn block_index_groups_and_sorts_by_user() {
        let e = |user, item| Entry {
            user,
            item,
            value: 1.0,
        };
        let idx = BlockIndex::new(&[e(2, 5), e(0, 3), e(2, 1), e(0, 0)][..], 4, 6);
        assert_eq!(idx.seen(0), &[0, 3]);
        assert_eq!(idx.seen(1), &[] as &[u32]);
        assert_eq!(idx.seen(2), &[1, 5]);
        assert_eq!(idx.active_users(), &[0, 2]);
    }

    #[test]
    fn the_only_unseen_item_comes_out_even_at_either_end_of_the_bin() {
        let mut rng = rng::stream(1, &[]);
        let n = 50u32;
        let all_but = |k: u32| (0..n).filter(|&i| i != k).collect::<Vec<_>>();
        let cdf: Vec<f64> = (0..=n).map(|k| f64::from(k * (k + 1) / 2)).collect();
        for k in [0, 1, 25, n - 1] {
            let seen = all_but(k);
            for _ in 0..20 {
                assert_eq!(
                    NegativeSampler::uniform(n).draw(&mut rng, SeenRow::list(&seen)),
                    Some(k)
                );
                assert_eq!(
                    NegativeSampler::weighted(&cdf).draw(&mut rng, SeenRow::list(&seen)),
                    Some(k)
                );
            }
        }
        let full: Vec<u32> = (0..n).collect();
        assert_eq!(
            NegativeSampler::uniform(n).draw(&mut rng, SeenRow::list(&full)),
            None
        );
    }

    #[test]
    fn uniform_draws_are_uniform_over_unseen_items_including_the_fallback() {
        // 10 items, 7 seen: rejection fails often, so both branches are exercised.
        let seen = [0u32, 2, 3, 4, 5, 6, 8];
        let mut counts = [0u32; 10];
        let mut rng = rng::stream(5, &[]);
        let draws = 30_000;
        for _ in 0..draws {
            counts[NegativeSampler::uniform(10)
                .draw(&mut rng, SeenRow::list(&seen))
                .unwrap() as usize] += 1;
        }
        for (k, &c) in counts.iter().enumerate() {
            if seen.contains(&(k as u32)) {
                assert_eq!(c, 0);
            } else {
                let share = f64::from(c) / f64::from(draws);
                assert!((share - 1.0 / 3.0).abs() < 0.02, "item {k}: {share}");
            }
        }
    }

    #[test]
    fn weighted_draws_follow_the_weights_of_unseen_items() {
        // Weights 1, 2, 3, 4; item 2 seen → shares 1/7, 2/7, 0, 4/7.
        let cdf = [0.0, 1.0, 3.0, 6.0, 10.0];
        let mut counts = [0u32; 4];
        let mut rng = rng::stream(8, &[]);
        let draws = 40_000;
        for _ in 0..draws {
            counts[NegativeSampler::weighted(&cdf)
                .draw(&mut rng, SeenRow::list(&[2]))
                .unwrap() as usize] += 1;
        }
        let want = [1.0 / 7.0, 2.0 / 7.0, 0.0, 4.0 / 7.0];
        for k in 0..4 {
            let share = f64::from(counts[k]) / f64::from(draws);
            assert!((share - want[k]).abs() < 0.015, "item {k}: {share}");
        }
        // The exact fallback alone gives the same shares.
        let x = [0.0, 0.1, 0.2, 0.99];
        let got: Vec<u32> = x.iter().map(|&u| weighted_unseen(&cdf, &[2], u)).collect();
        assert_eq!(got, vec![0, 0, 1, 3]);
    }

    proptest! {
        /// Whatever the user has seen (nearly everything, the first or last ids, nothing),
        /// a draw is an item of the bin the user has not seen, or `None` only when the
        /// user has seen the whole bin.
        #[test]
        fn a_seen_item_is_never_returned(
            n in 1u32..80,
            mask in prop::collection::vec(prop::bool::weighted(0.9), 80),
            edges in 0u8..4,
            seed in 0u64..1000,
            weighted in any::<bool>(),
        ) {
            let mut seen: Vec<u32> = (0..n).filter(|&i| mask[i as usize]).collect();
            // Force the extreme ids into or out of the seen set.
            if edges & 1 == 1 { seen.retain(|&i| i != 0); } else if !seen.contains(&0) { seen.insert(0, 0); }
            if edges & 2 == 2 { seen.retain(|&i| i != n - 1); } else if !seen.contains(&(n - 1)) { seen.push(n - 1); }
            seen.sort_unstable();
            seen.dedup();
            let cdf: Vec<f64> = (0..=n).map(|k| f64::from(k) * 1.5 + f64::from(k * k) * 0.01).collect();
            let sampler = if weighted { NegativeSampler::weighted(&cdf) } else { NegativeSampler::uniform(n) };
            let mut rng = rng::stream(seed, &[]);
            let mut hit_unseen = vec![false; n as usize];
            for _ in 0..200 {
                match sampler.draw(&mut rng, SeenRow::list(&seen)) {
                    Some(j) => {
                        prop_assert!(j < n);
                        prop_assert!(seen.binary_search(&j).is_err(), "seen item {} returned", j);
                        hit_unseen[j as usize] = true;
                    }
                    None => prop_assert_eq!(seen.len(), n as usize),
                }
            }
            // With one or two unseen items, 200 draws reach each of them.
            let unseen: Vec<u32> = (0..n).filter(|i| seen.binary_search(i).is_err()).collect();
            if unseen.len() <= 2 {
                for &j in &unseen {
                    prop_assert!(hit_unseen[j as usize], "unseen item {} never drawn", j);
                }
            }
        }

        /// The dense bit matrix and the sorted lists hold the same pairs, and draws through
        /// either form are the same items from the same generator.
        #[test]
        fn dense_and_list_forms_agree(
            n_users in 1usize..12,
            n_items in 1usize..150,
            pairs in prop::collection::vec((0usize..12, 0usize..150), 0..400),
            seed in 0u64..1000,
        ) {
            let mut entries: Vec<Entry> = pairs
                .iter()
                .filter(|&&(u, i)| u < n_users && i < n_items)
                .map(|&(u, i)| Entry { user: u as u32, item: i as u32, value: 1.0 })
                .collect();
            entries.sort_by_key(|e| (e.user, e.item));
            entries.dedup_by_key(|e| (e.user, e.item));
            let full = BlockIndex::new(&entries[..], n_users, n_items);
            let dense = n_users * n_items.div_ceil(64) * 64 <= DENSE_BITS_PER_ENTRY * entries.len();
            prop_assert_eq!(full.is_dense(), dense);
            let list = full.clone().list_only();
            let sampler = NegativeSampler::uniform(n_items as u32);
            for u in 0..n_users as u32 {
                for j in 0..n_items as u32 {
                    let want = entries.iter().any(|e| e.user == u && e.item == j);
                    prop_assert_eq!(full.row(u).contains(j), want);
                    prop_assert_eq!(list.row(u).contains(j), want);
                }
                let (mut a, mut b) = (rng::stream(seed, &[u64::from(u)]), rng::stream(seed, &[u64::from(u)]));
                for _ in 0..50 {
                    prop_assert_eq!(sampler.draw(&mut a, full.row(u)), sampler.draw(&mut b, list.row(u)));
                }
            }
        }
    }
}
