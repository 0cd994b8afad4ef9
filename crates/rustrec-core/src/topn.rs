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
/// to the lower item index. Runs in O(items + n log n) with a partial selection.
pub fn top_n(scores: &[f32], n: usize, mut keep: impl FnMut(u32) -> bool) -> Vec<(u32, f32)> {
    let mut cand: Vec<(u32, f32)> = scores
        .iter()
        .enumerate()
        .filter(|&(i, _)| keep(i as u32))
        .map(|(i, &s)| (i as u32, s))
        .collect();
    if n == 0 {
        return Vec::new();
    }
    if cand.len() > n {
        cand.select_nth_unstable_by(n - 1, better);
        cand.truncate(n);
    }
    cand.sort_unstable_by(better);
    cand
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

    proptest! {
        #[test]
        fn agrees_with_a_full_sort(scores in prop::collection::vec(-5i8..5, 0..60), n in 0usize..70) {
            let scores: Vec<f32> = scores.into_iter().map(f32::from).collect();
            let mut all: Vec<(u32, f32)> = scores.iter().enumerate().map(|(i, &s)| (i as u32, s)).collect();
            all.sort_by(better);
            all.truncate(n);
            prop_assert_eq!(top_n(&scores, n, |_| true), all);
        }
    }
}
