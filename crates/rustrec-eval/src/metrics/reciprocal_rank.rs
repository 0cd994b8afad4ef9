//! Reciprocal rank of the first relevant item.
//!
//! `RR = 1 / r`, with `r` the 1-based position of the best-ranked relevant item in the
//! *full* ranking of the candidates (not only the top-k list); `0` when no relevant item is
//! a candidate. The protocols find `r` without sorting: it is 1 plus the number of
//! candidates ranked before the best relevant item (`topn::better`), an O(items) count.

use std::cmp::Ordering;

use rustrec_core::topn::better;

/// `1 / rank`, or `0` when there is no relevant item.
#[inline]
pub fn reciprocal_rank(first_relevant_rank: Option<usize>) -> f64 {
    first_relevant_rank.map_or(0.0, |r| 1.0 / r as f64)
}

/// The 1-based rank of `target` among `candidates` (which may include it): 1 plus the
/// number of candidates ordered strictly before it by `topn::better` (higher score, ties to
/// the lower item index, NaN last).
pub fn rank_of(target: (u32, f32), candidates: &[(u32, f32)]) -> usize {
    1 + candidates
        .iter()
        .filter(|c| better(c, &target) == Ordering::Less)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        let cand = [(0, 0.5), (1, 0.9), (2, 0.5), (3, 0.1)];
        // ranking: 1 (0.9), 0 (0.5, lower index wins the tie), 2 (0.5), 3 (0.1)
        assert_eq!(rank_of((2, 0.5), &cand), 3);
        assert_eq!(rank_of((0, 0.5), &cand), 2);
        assert_eq!(rank_of((1, 0.9), &cand), 1);
        assert_eq!(reciprocal_rank(Some(3)), 1.0 / 3.0);
        assert_eq!(reciprocal_rank(None), 0.0);
    }
}
