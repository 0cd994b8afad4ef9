//! Descriptive statistics of an [`Interactions`] matrix (`rustrec describe`).
//!
//! Counts per user and per item are taken over the whole id space, so a user or item of the
//! id space without interactions counts as 0 (a test set sharing a train set's ids has many).
//!
//! **Gini index of item popularity.** With the item counts sorted increasingly,
//! `x_1 ≤ … ≤ x_n` over all `n` items of the id space and `T = Σ x_i`,
//! `G = 2 Σ_i i·x_i / (n·T) − (n + 1)/n`. It is 0 when every item has the same count and
//! `(n − 1)/n` when one item has every interaction; the higher, the more concentrated the
//! interactions are on few (popular) items.

use rayon::prelude::*;

use crate::ids::{ItemIdx, UserIdx};
use crate::interactions::Interactions;

/// Summary of an interaction matrix.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DatasetStats {
    /// Users in the id space.
    pub users: usize,
    /// Items in the id space.
    pub items: usize,
    /// Stored interactions.
    pub interactions: usize,
    /// Smallest value (0 when empty).
    pub value_min: f32,
    /// Largest value (0 when empty).
    pub value_max: f32,
    /// Mean value (0 when empty).
    pub value_mean: f64,
    /// Fraction of the user × item matrix stored.
    pub density: f64,
    /// Fewest interactions of a user.
    pub per_user_min: usize,
    /// Mean interactions per user.
    pub per_user_avg: f64,
    /// Most interactions of a user.
    pub per_user_max: usize,
    /// Fewest interactions of an item.
    pub per_item_min: usize,
    /// Mean interactions per item.
    pub per_item_avg: f64,
    /// Most interactions of an item.
    pub per_item_max: usize,
    /// Gini index of the item interaction counts (see the module docs).
    pub gini: f64,
    /// Users of the id space without interactions.
    pub users_without_interactions: usize,
    /// Items of the id space without interactions.
    pub items_without_interactions: usize,
    /// Earliest and latest timestamp, when the data has timestamps.
    pub time_range: Option<(i64, i64)>,
}

/// The smallest and largest of `stamps` (`None` when empty), in one parallel pass.
pub(crate) fn time_range(stamps: &[i64]) -> Option<(i64, i64)> {
    (!stamps.is_empty()).then(|| {
        stamps
            .par_iter()
            .fold(
                || (i64::MAX, i64::MIN),
                |(lo, hi), &s| (lo.min(s), hi.max(s)),
            )
            .reduce(|| (i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)))
    })
}

/// The smallest range holding both ranges (`None`: no value yet).
pub(crate) fn merge_ranges(a: Option<(i64, i64)>, b: Option<(i64, i64)>) -> Option<(i64, i64)> {
    match (a, b) {
        (Some((lo, hi)), Some((l, h))) => Some((lo.min(l), hi.max(h))),
        (a, b) => a.or(b),
    }
}

/// Computes the statistics of `x`.
pub fn describe(x: &Interactions) -> DatasetStats {
    let user_counts: Vec<usize> = (0..x.n_users())
        .map(|u| x.user_degree(UserIdx(u as u32)))
        .collect();
    let item_counts: Vec<usize> = (0..x.n_items())
        .map(|i| x.item_degree(ItemIdx(i as u32)))
        .collect();
    let values = x.value_summary();
    let (value_min, value_max) = values.map_or((0.0, 0.0), |v| (v.min, v.max));
    let avg = |total: usize, n: usize| if n == 0 { 0.0 } else { total as f64 / n as f64 };
    let time_range = x.timestamps().and_then(time_range);
    DatasetStats {
        users: x.n_users(),
        items: x.n_items(),
        interactions: x.nnz(),
        value_min,
        value_max,
        value_mean: values.map_or(0.0, |v| v.mean),
        density: x.density(),
        per_user_min: user_counts.iter().copied().min().unwrap_or(0),
        per_user_avg: avg(x.nnz(), x.n_users()),
        per_user_max: user_counts.iter().copied().max().unwrap_or(0),
        per_item_min: item_counts.iter().copied().min().unwrap_or(0),
        per_item_avg: avg(x.nnz(), x.n_items()),
        per_item_max: item_counts.iter().copied().max().unwrap_or(0),
        gini: gini(&item_counts),
        users_without_interactions: user_counts.iter().filter(|&&c| c == 0).count(),
        items_without_interactions: item_counts.iter().filter(|&&c| c == 0).count(),
        time_range,
    }
}

/// Gini index of non-negative counts (0 for no counts or a zero total).
pub fn gini(counts: &[usize]) -> f64 {
    let n = counts.len();
    let total: f64 = counts.iter().map(|&c| c as f64).sum();
    if n == 0 || total == 0.0 {
        return 0.0;
    }
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(k, &c)| (k + 1) as f64 * c as f64)
        .sum();
    let n = n as f64;
    2.0 * weighted / (n * total) - (n + 1.0) / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_ranges_hold_both_and_none_is_no_value() {
        assert_eq!(merge_ranges(None, None), None);
        assert_eq!(merge_ranges(Some((3, 5)), None), Some((3, 5)));
        assert_eq!(merge_ranges(None, Some((-2, 0))), Some((-2, 0)));
        assert_eq!(merge_ranges(Some((3, 5)), Some((-2, 4))), Some((-2, 5)));
        assert_eq!(merge_ranges(Some((3, 5)), Some((4, 9))), Some((3, 9)));
    }
    use proptest::prelude::*;

    #[test]
    fn gini_of_equal_counts_is_zero_and_of_one_holder_is_n_minus_1_over_n() {
        assert_eq!(gini(&[3, 3, 3, 3]), 0.0);
        assert!((gini(&[0, 0, 0, 0, 7]) - 4.0 / 5.0).abs() < 1e-12);
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0, 0]), 0.0);
        // Hand-computed: sorted 1, 2, 3 → 2(1 + 4 + 9)/(3·6) − 4/3 = 28/18 − 24/18 = 2/9.
        assert!((gini(&[3, 1, 2]) - 2.0 / 9.0).abs() < 1e-12);
    }

    /// Gini as the mean absolute difference over all ordered pairs, halved and normalised.
    fn gini_by_pairs(counts: &[usize]) -> f64 {
        let n = counts.len() as f64;
        let total: f64 = counts.iter().map(|&c| c as f64).sum();
        let diff: f64 = counts
            .iter()
            .flat_map(|&a| counts.iter().map(move |&b| (a as f64 - b as f64).abs()))
            .sum();
        diff / (2.0 * n * total)
    }

    proptest! {
        #[test]
        fn gini_equals_the_pairwise_definition(counts in proptest::collection::vec(0usize..50, 1..30)) {
            prop_assume!(counts.iter().sum::<usize>() > 0);
            prop_assert!((gini(&counts) - gini_by_pairs(&counts)).abs() < 1e-9);
        }
    }

    #[test]
    fn describe_counts_over_the_whole_id_space() {
        // 3 users × 4 items; user 1 and item 2 have nothing.
        let x = Interactions::from_index_triplets(
            3,
            4,
            &[
                (0, 0, 1.0),
                (0, 1, 5.0),
                (2, 0, 3.0),
                (2, 3, 2.0),
                (0, 3, 4.0),
            ],
        )
        .unwrap();
        let s = describe(&x);
        assert_eq!((s.users, s.items, s.interactions), (3, 4, 5));
        assert_eq!((s.value_min, s.value_max), (1.0, 5.0));
        assert!((s.value_mean - 3.0).abs() < 1e-12);
        assert!((s.density - 5.0 / 12.0).abs() < 1e-12);
        assert_eq!((s.per_user_min, s.per_user_max), (0, 3));
        assert!((s.per_user_avg - 5.0 / 3.0).abs() < 1e-12);
        assert_eq!((s.per_item_min, s.per_item_max), (0, 2));
        assert!((s.per_item_avg - 1.25).abs() < 1e-12);
        assert_eq!(
            (s.users_without_interactions, s.items_without_interactions),
            (1, 1)
        );
        // item counts 2, 1, 0, 2 → sorted 0, 1, 2, 2: 2(0 + 2 + 6 + 8)/(4·5) − 5/4 = 0.35.
        assert!((s.gini - 0.35).abs() < 1e-12);
        assert_eq!(s.time_range, None);
    }
}
