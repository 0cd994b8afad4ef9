//! Normalised discounted cumulative gain at a cutoff (binary relevance).
//!
//! `DCG@k = Σ_{j≤k} rel_j / log2(j + 1)` and `NDCG@k = DCG@k / IDCG@k`, where the ideal
//! `IDCG@k = Σ_{j ≤ min(k, n_relevant)} 1 / log2(j + 1)` puts every relevant item it can
//! at the top (Järvelin & Kekäläinen 2002, with the log2(j+1) discount of Burges et al.).

use super::{PrefixStats, discount, prefix_stats};

/// `IDCG` of `m` relevant items ranked first: `Σ_{j=1..m} 1 / log2(j + 1)`.
pub fn ideal_dcg(m: usize) -> f64 {
    (1..=m).map(discount).sum()
}

/// NDCG from prefix statistics at cutoff `k`.
#[inline]
pub fn ndcg(stats: &PrefixStats, k: usize, n_relevant: usize) -> f64 {
    stats.dcg / ideal_dcg(k.min(n_relevant))
}

/// `NDCG@k` of a ranked relevance list with `n_relevant` relevant items in all.
pub fn ndcg_at(relevant: &[bool], k: usize, n_relevant: usize) -> f64 {
    ndcg(&prefix_stats(relevant, k), k, n_relevant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // ranked: . R . R, 2 relevant in all
        // DCG@4  = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161
        // IDCG@4 = 1/log2(2) + 1/log2(3) = 1 + 0.63093 = 1.63093 → NDCG = 0.650921
        let rel = [false, true, false, true];
        let want = (1.0 / 3f64.log2() + 1.0 / 5f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&rel, 4, 2) - want).abs() < 1e-12);
        assert!((ndcg_at(&rel, 4, 2) - 0.650921).abs() < 1e-6);
        // @1: no hit → 0
        assert_eq!(ndcg_at(&rel, 1, 2), 0.0);
        // perfect: R R with 3 relevant, k = 2 → IDCG over min(2,3) = 2 → 1
        assert!((ndcg_at(&[true, true], 2, 3) - 1.0).abs() < 1e-12);
    }
}
