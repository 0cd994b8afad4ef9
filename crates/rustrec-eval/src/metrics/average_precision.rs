//! Average precision at a cutoff (`map@k` once averaged over users).
//!
//! `AP@k = Σ_{j≤k} rel_j · precision@j / min(k, n_relevant)`.
//!
//! The denominator `min(k, n_relevant)` is the number of hits a perfect top-k list holds,
//! so a perfect ranking scores 1 whatever `n_relevant` is (the convention of
//! `ml_metrics.apk` and most recommender libraries). Dividing by `n_relevant` instead
//! would cap AP@k at `k / n_relevant` for users with many test items.

use super::{PrefixStats, prefix_stats};

/// AP from prefix statistics at cutoff `k`.
#[inline]
pub fn average_precision(stats: &PrefixStats, k: usize, n_relevant: usize) -> f64 {
    stats.precision_sum / k.min(n_relevant) as f64
}

/// `AP@k` of a ranked relevance list with `n_relevant` relevant items in all.
pub fn average_precision_at(relevant: &[bool], k: usize, n_relevant: usize) -> f64 {
    average_precision(&prefix_stats(relevant, k), k, n_relevant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // ranked: R . R . R, 3 relevant in all
        let rel = [true, false, true, false, true];
        // AP@5 = (1/1 + 2/3 + 3/5) / min(5,3) = (1 + 0.6667 + 0.6) / 3 = 0.75556
        let want = (1.0 + 2.0 / 3.0 + 3.0 / 5.0) / 3.0;
        assert!((average_precision_at(&rel, 5, 3) - want).abs() < 1e-12);
        // AP@2 = (1/1) / min(2,3) = 0.5
        assert_eq!(average_precision_at(&rel, 2, 3), 0.5);
        // perfect list of 2 with 5 relevant: (1 + 1) / min(2,5) = 1
        assert_eq!(average_precision_at(&[true, true], 2, 5), 1.0);
        assert_eq!(average_precision_at(&[false, false], 2, 1), 0.0);
    }
}
