//! Precision, recall (two denominators) and hit rate at a cutoff `k`.
//!
//! With `hits@k` the relevant items among the first `k` of the ranked list:
//! * `precision@k = hits@k / k` — the denominator stays `k` when fewer than `k`
//!   candidates exist (as lightfm and the peer harnesses compute it);
//! * `recall@k = hits@k / n_relevant` — the classic definition; its best value is
//!   `min(k, n_relevant) / n_relevant`, below 1 when a user has more than `k` test items;
//! * `recall_capped@k = hits@k / min(k, n_relevant)` — the normalised recall of Liang et
//!   al. (2018, "Variational autoencoders for collaborative filtering"), whose best value
//!   is always 1;
//! * `hit_rate@k = [hits@k ≥ 1]`.

use super::prefix_stats;

/// `hits / k`.
#[inline]
pub fn precision(hits: usize, k: usize) -> f64 {
    hits as f64 / k as f64
}

/// `hits / n_relevant`.
#[inline]
pub fn recall(hits: usize, n_relevant: usize) -> f64 {
    hits as f64 / n_relevant as f64
}

/// `hits / min(k, n_relevant)`.
#[inline]
pub fn recall_capped(hits: usize, k: usize, n_relevant: usize) -> f64 {
    hits as f64 / k.min(n_relevant) as f64
}

/// `1` if there is a hit, else `0`.
#[inline]
pub fn hit_rate(hits: usize) -> f64 {
    if hits > 0 { 1.0 } else { 0.0 }
}

/// `precision@k` of a ranked relevance list.
pub fn precision_at(relevant: &[bool], k: usize) -> f64 {
    precision(prefix_stats(relevant, k).hits, k)
}

/// `recall@k` of a ranked relevance list with `n_relevant` relevant items in all.
pub fn recall_at(relevant: &[bool], k: usize, n_relevant: usize) -> f64 {
    recall(prefix_stats(relevant, k).hits, n_relevant)
}

/// `recall_capped@k` of a ranked relevance list with `n_relevant` relevant items in all.
pub fn recall_capped_at(relevant: &[bool], k: usize, n_relevant: usize) -> f64 {
    recall_capped(prefix_stats(relevant, k).hits, k, n_relevant)
}

/// `hit_rate@k` of a ranked relevance list.
pub fn hit_rate_at(relevant: &[bool], k: usize) -> f64 {
    hit_rate(prefix_stats(relevant, k).hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // ranked: R . R . .   with 4 relevant items in all (2 not retrieved)
        let rel = [true, false, true, false, false];
        assert_eq!(precision_at(&rel, 1), 1.0); // 1/1
        assert_eq!(precision_at(&rel, 3), 2.0 / 3.0); // 2/3
        assert_eq!(precision_at(&rel, 10), 0.2); // 2/10: denominator stays k
        assert_eq!(recall_at(&rel, 3, 4), 0.5); // 2/4
        assert_eq!(recall_capped_at(&rel, 3, 4), 2.0 / 3.0); // 2/min(3,4)
        assert_eq!(recall_capped_at(&rel, 1, 4), 1.0); // 1/min(1,4)
        assert_eq!(hit_rate_at(&rel, 2), 1.0);
        assert_eq!(hit_rate_at(&[false, false, true], 2), 0.0);
    }
}
