//! [`BestK`]: the `k` best of a stream of `(item, value)` candidates without holding them
//! all — what [`keep_top_k`] returns for the whole stream, for one target's similarities.
//!
//! Candidates go into a buffer of `2k + 32`; when it fills, a partial selection keeps its
//! `k` best and their worst becomes the bar. Later candidates that do not beat the bar are
//! dropped with one comparison: they cannot be among the `k` best, since `k` better ones are
//! already kept. The order is a total one ([`better`]: larger value, then lower index), so
//! the kept set is exactly [`keep_top_k`]'s.

use std::cmp::Ordering;

use rustrec_core::topn::better;

use super::matrix::keep_top_k;

/// The `k` best candidates pushed so far (see the module docs).
#[derive(Debug)]
pub struct BestK {
    k: usize,
    kept: Vec<(u32, f32)>,
    bar: Option<(u32, f32)>,
}

impl BestK {
    /// An empty selection of the `k` best.
    pub fn new(k: usize) -> Self {
        BestK {
            k,
            kept: Vec::with_capacity(Self::capacity(k)),
            bar: None,
        }
    }

    fn capacity(k: usize) -> usize {
        2 * k + 32
    }

    /// Offers one candidate; zeros and non-finite values are dropped, as [`keep_top_k`]
    /// drops them.
    #[inline]
    pub fn push(&mut self, candidate: (u32, f32)) {
        if candidate.1 == 0.0 || !candidate.1.is_finite() || self.k == 0 {
            return;
        }
        if let Some(bar) = &self.bar
            && better(&candidate, bar) != Ordering::Less
        {
            return;
        }
        self.kept.push(candidate);
        if self.kept.len() == Self::capacity(self.k) {
            self.kept.select_nth_unstable_by(self.k - 1, better);
            self.kept.truncate(self.k);
            self.bar = Some(self.kept[self.k - 1]);
        }
    }

    /// The `k` best candidates (fewer when fewer were kept), sorted by item index.
    pub fn finish(mut self) -> Vec<(u32, f32)> {
        keep_top_k(&mut self.kept, self.k);
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn value(code: u8) -> f32 {
        match code {
            0 => 0.0,
            1 => f32::NAN,
            2 => f32::INFINITY,
            3 => f32::NEG_INFINITY,
            c => f32::from(c % 7) - 3.0, // ties on purpose, negatives and zeros too
        }
    }

    #[test]
    fn keeps_the_best_with_ties_to_the_lower_index_past_several_selections() {
        // 200 candidates of 4 values: the buffer (2·3 + 32) fills several times.
        let mut best = BestK::new(3);
        for j in 0..200u32 {
            best.push((j, (j % 4) as f32));
        }
        assert_eq!(best.finish(), vec![(3, 3.0), (7, 3.0), (11, 3.0)]);
    }

    proptest! {
        #[test]
        fn is_keep_top_k_of_every_candidate(codes in prop::collection::vec(any::<u8>(), 0..400), k in 0usize..60) {
            let cand: Vec<(u32, f32)> = codes.iter().enumerate().map(|(j, &c)| (j as u32, value(c))).collect();
            let mut best = BestK::new(k);
            for &c in &cand {
                best.push(c);
            }
            let mut all = cand.clone();
            keep_top_k(&mut all, k);
            let got = best.finish();
            prop_assert_eq!(got.len(), all.len());
            for (a, b) in got.iter().zip(&all) {
                prop_assert_eq!(a.0, b.0);
                prop_assert_eq!(a.1.to_bits(), b.1.to_bits());
            }
        }
    }
}
