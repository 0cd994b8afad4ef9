//! Streaming top-k selection for one user's candidates.
//!
//! Candidates arrive one by one in increasing item order. For small `k` (the usual
//! cutoffs, up to [`INSERTION_LIMIT`]) the best `k` are kept in a sorted array: a
//! candidate that does not beat the current `k`-th is rejected by one comparison, which
//! is what almost every candidate does once the array is full (about `k · ln(n/k)`
//! insertions for scores in random order), so a user costs O(n + k² ln(n/k)) with no
//! pass over a second buffer. For larger `k` every candidate is kept and the head is
//! found with `select_nth_unstable_by` (O(n)) and sorted.
//!
//! Order: `rustrec_core::topn::better` (higher score, ties to the lower item index, NaN
//! last), so the result equals `topn::top_n`.

use std::cmp::Ordering;

use rustrec_core::topn::better;

/// Largest `k` served by sorted insertion.
pub const INSERTION_LIMIT: usize = 128;

/// A reusable top-k selector.
#[derive(Debug, Default)]
pub struct TopK {
    k: usize,
    items: Vec<(u32, f32)>,
}

impl TopK {
    /// Starts a new selection of the best `k`, reusing the buffer.
    pub fn reset(&mut self, k: usize) {
        self.k = k;
        self.items.clear();
    }

    /// Offers one candidate.
    #[inline]
    pub fn offer(&mut self, item: u32, score: f32) {
        let c = (item, score);
        if self.k > INSERTION_LIMIT {
            self.items.push(c);
            return;
        }
        if self.items.len() == self.k {
            match self.items.last() {
                Some(worst) if better(&c, worst) == Ordering::Less => {
                    self.items.pop();
                }
                _ => return,
            }
        }
        let at = self
            .items
            .partition_point(|x| better(x, &c) == Ordering::Less);
        self.items.insert(at, c);
    }

    /// Offers every item `i` of `scores` whose `mark[i]` is not `excluded`, in item order
    /// (after nothing, or only lower items, was offered). Once the list is full, a block of
    /// items is first checked, branch-free, for a score above the worst kept one: only such
    /// a score can enter (an item offered later loses a tie, and NaN ranks last), so most
    /// blocks are skipped whole. The result is that of offering the items one by one.
    #[inline(always)]
    pub fn offer_row(&mut self, scores: &[f32], mark: &[u8], excluded: u8) {
        const BLOCK: usize = 64;
        for (b, (block, marks)) in scores.chunks(BLOCK).zip(mark.chunks(BLOCK)).enumerate() {
            if let Some(worst) = self.worst_kept()
                && !block
                    .iter()
                    .zip(marks)
                    .fold(false, |any, (&s, &m)| any | ((s > worst) & (m != excluded)))
            {
                continue;
            }
            for (j, (&s, &m)) in block.iter().zip(marks).enumerate() {
                if m != excluded {
                    self.offer((b * BLOCK + j) as u32, s);
                }
            }
        }
    }

    /// The score a later candidate must beat to enter: the worst kept one, once `k` are
    /// kept by sorted insertion and it is a number (`None` otherwise).
    fn worst_kept(&self) -> Option<f32> {
        if self.k > INSERTION_LIMIT || self.items.len() < self.k {
            return None;
        }
        self.items.last().map(|w| w.1).filter(|w| !w.is_nan())
    }

    /// The best `min(k, offered)` candidates, best first.
    pub fn finish(&mut self) -> &[(u32, f32)] {
        if self.k > INSERTION_LIMIT {
            let k = self.k.min(self.items.len());
            if k > 0 && k < self.items.len() {
                self.items.select_nth_unstable_by(k - 1, better);
            }
            self.items.truncate(k);
            self.items.sort_unstable_by(better);
        }
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rustrec_core::topn::top_n;

    use super::*;

    proptest! {
        #[test]
        fn equals_topn(scores in prop::collection::vec(-6i8..6, 0..400), k in 0usize..300, nan in any::<bool>()) {
            let mut scores: Vec<f32> = scores.into_iter().map(f32::from).collect();
            if nan && !scores.is_empty() {
                scores[0] = f32::NAN;
            }
            let mut t = TopK::default();
            t.reset(k);
            for (i, &s) in scores.iter().enumerate() {
                t.offer(i as u32, s);
            }
            let got: Vec<(u32, u32)> = t.finish().iter().map(|&(i, s)| (i, s.to_bits())).collect();
            let want: Vec<(u32, u32)> = top_n(&scores, k, |_| true).iter().map(|&(i, s)| (i, s.to_bits())).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn a_row_offered_at_once_equals_topn_of_its_unmarked_items(
            scores in prop::collection::vec(-6i8..6, 0..400),
            marks in prop::collection::vec(0u8..3, 400),
            k in 0usize..200,
            nans in prop::collection::vec(0usize..400, 0..4),
        ) {
            let mut scores: Vec<f32> = scores.into_iter().map(f32::from).collect();
            for &at in &nans {
                if at < scores.len() {
                    scores[at] = f32::NAN;
                }
            }
            let mark = &marks[..scores.len()];
            let mut t = TopK::default();
            t.reset(k);
            t.offer_row(&scores, mark, 1);
            let got: Vec<(u32, u32)> = t.finish().iter().map(|&(i, s)| (i, s.to_bits())).collect();
            let want: Vec<(u32, u32)> = top_n(&scores, k, |i| mark[i as usize] != 1)
                .iter()
                .map(|&(i, s)| (i, s.to_bits()))
                .collect();
            prop_assert_eq!(got, want);
        }
    }
}
