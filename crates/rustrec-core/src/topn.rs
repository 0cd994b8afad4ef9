//! Selecting the `n` best-scored items.

use std::cmp::Ordering;

/// Orders `(item, score)` pairs best first: higher score, then lower item index.
/// NaN scores sort last.
#[inline]
pub fn better(a: &(u32, f32), b: &(u32, f32)) -> Ordering {
    match (a.1.is_nan(), b.1.is_nan()) {
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        (true, true) => a.0.cmp(&b.0),
        (false, false) => {
            b.1.partial_cmp(&a.1)
                .unwrap_or(Ordering::Equal)
                .then(a.0.cmp(&b.0))
        }
    }
}

/// The `n` items with the highest scores among those `keep` accepts, best first; ties go
/// to the lower item index. Runs in O(items + n log n) with a partial selection, in
/// O(n) memory: candidates gather in a buffer of `2n` that is cut back to its `n` best
/// whenever it fills, so a call never holds more than `2n` of them (a list per user of a
/// large batch stays small), and the list returned has a capacity of at most `2n`.
///
/// [`better`] is a strict total order on distinct items, so the `n` best are one set in
/// one order whatever the selection does: the result equals sorting every candidate with
/// `better` and keeping the first `n` (`top_n_by_full_sort`, the test oracle).
pub fn top_n(scores: &[f32], n: usize, mut keep: impl FnMut(u32) -> bool) -> Vec<(u32, f32)> {
    if n == 0 {
        return Vec::new();
    }
    let limit = n.saturating_mul(2).min(scores.len()).max(1);
    let mut best: Vec<(u32, f32)> = Vec::with_capacity(limit);
    for (i, &s) in scores.iter().enumerate() {
        if !keep(i as u32) {
            continue;
        }
        if best.len() == limit {
            keep_best(&mut best, n);
        }
        best.push((i as u32, s));
    }
    keep_best(&mut best, n);
    best.sort_unstable_by(better);
    best
}

/// Cuts `cand` back to its `n` best entries (by [`better`], in no particular order).
fn keep_best(cand: &mut Vec<(u32, f32)>, n: usize) {
    if cand.len() > n {
        cand.select_nth_unstable_by(n - 1, better);
        cand.truncate(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn picks_best_first_and_breaks_ties_by_index() {
        let s = [0.5, 2.0, 2.0, -1.0, 3.0];
        assert_eq!(top_n(&s, 3, |_| true), vec![(4, 3.0), (1, 2.0), (2, 2.0)]);
        assert_eq!(top_n(&s, 2, |i| i != 4), vec![(1, 2.0), (2, 2.0)]);
        assert_eq!(top_n(&s, 10, |i| i == 3), vec![(3, -1.0)]);
        assert!(top_n(&s, 0, |_| true).is_empty());
    }

    /// The readable reference: every candidate sorted, the first `n` kept.
    fn top_n_by_full_sort(scores: &[f32], n: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        let mut all: Vec<(u32, f32)> = scores
            .iter()
            .enumerate()
            .map(|(i, &s)| (i as u32, s))
            .filter(|&(i, _)| keep(i))
            .collect();
        all.sort_by(better);
        all.truncate(n);
        all
    }

    /// Scores and results compared bit for bit (NaN included).
    fn bits(list: &[(u32, f32)]) -> Vec<(u32, u32)> {
        list.iter().map(|&(i, s)| (i, s.to_bits())).collect()
    }

    #[test]
    fn memory_stays_proportional_to_n_not_to_the_items() {
        // A batch `recommend` holds one list per user: 10 of 300 000 items must not keep a
        // buffer of 300 000 candidates alive.
        let scores: Vec<f32> = (0..300_000u64)
            .map(|i| ((i * 7919) % 1000) as f32)
            .collect();
        let list = top_n(&scores, 10, |_| true);
        assert_eq!(list.len(), 10);
        assert!(list.capacity() <= 20, "capacity {}", list.capacity());
        assert_eq!(
            bits(&list),
            bits(&top_n_by_full_sort(&scores, 10, |_| true))
        );
    }

    proptest! {
        #[test]
        fn agrees_with_a_full_sort(scores in prop::collection::vec(-5i8..5, 0..60), n in 0usize..70) {
            let scores: Vec<f32> = scores.into_iter().map(f32::from).collect();
            prop_assert_eq!(top_n(&scores, n, |_| true), top_n_by_full_sort(&scores, n, |_| true));
        }

        /// Many more candidates than `n` (the buffer is cut back many times), NaN and
        /// signed zeros among the scores, and a filter.
        #[test]
        fn agrees_with_a_full_sort_when_the_buffer_is_cut_back(
            scores in prop::collection::vec(prop_oneof![(-6i8..6).prop_map(f32::from), Just(f32::NAN), Just(-0.0f32)], 0..500),
            n in 0usize..40,
            skip in 1u32..5,
        ) {
            let keep = |i: u32| skip == 1 || !i.is_multiple_of(skip);
            let got = top_n(&scores, n, keep);
            prop_assert!(got.capacity() <= (2 * n).max(1));
            prop_assert_eq!(bits(&got), bits(&top_n_by_full_sort(&scores, n, keep)));
        }
    }
}
