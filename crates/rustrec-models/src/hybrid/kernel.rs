//! The weight search of the hybrid: NDCG@k of a combined matrix on validation data, and
//! coordinate ascent over a grid of weights.

use rayon::prelude::*;
use rustrec_data::{Interactions, UserIdx};

use crate::knn::SimilarityMatrix;
use rustrec_core::topn::top_n;

/// `Σ_m weights[m] · parts[m]`.
pub(crate) fn combine(parts: &[SimilarityMatrix], weights: &[f32]) -> SimilarityMatrix {
    let n = parts.first().map_or(0, |p| p.n_items());
    let pairs: Vec<(&SimilarityMatrix, f32)> = parts.iter().zip(weights.iter().copied()).collect();
    SimilarityMatrix::weighted_sum(n, &pairs)
}

/// The users NDCG is measured on: those with both training and validation entries.
pub(crate) fn validation_users(train: &Interactions, validation: &Interactions) -> Vec<u32> {
    (0..validation.n_users() as u32)
        .filter(|&u| {
            let u = UserIdx(u);
            !validation.row(u).is_empty() && u.index() < train.n_users() && !train.row(u).is_empty()
        })
        .collect()
}

/// Mean NDCG@`k` (binary relevance: every validation entry is relevant) of the scores
/// `r_u · S` over the users with both training and validation entries; training items are
/// not ranked. `train` and `validation` share one id space. Runs on the current rayon pool.
pub fn ndcg_at(
    sim: &SimilarityMatrix,
    train: &Interactions,
    validation: &Interactions,
    k: usize,
) -> f64 {
    let n = sim.n_items();
    let users = validation_users(train, validation);
    if users.is_empty() {
        return 0.0;
    }
    let discount: Vec<f64> = (0..k).map(|r| 1.0 / ((r + 2) as f64).log2()).collect();
    // Per-user figures are collected in user order and added sequentially, so the sum (and
    // every weight chosen by comparing sums) is the same for any thread count.
    let per_user: Vec<f64> = users
        .par_iter()
        .map_init(
            || vec![0.0f32; n],
            |scores, &u| {
                let (seen, relevant) = (train.row(UserIdx(u)), validation.row(UserIdx(u)));
                scores.iter_mut().for_each(|s| *s = 0.0);
                sim.accumulate(seen.items, seen.values, scores);
                let top = top_n(scores, k, |i| !seen.contains(i));
                let dcg: f64 = top
                    .iter()
                    .enumerate()
                    .filter(|(_, (i, _))| relevant.contains(*i))
                    .map(|(r, _)| discount[r])
                    .sum();
                let ideal: f64 = discount[..relevant.len().min(k)].iter().sum();
                dcg / ideal
            },
        )
        .collect();
    per_user.iter().sum::<f64>() / users.len() as f64
}

/// Coordinate ascent on the weights of `parts` from all ones: each sweep tries every value
/// of `grid` for one weight at a time and keeps the best NDCG@`k` on `validation` (ties keep
/// the current weight; all-zero weights are skipped). Returns the weights and their NDCG.
pub fn search_weights(
    parts: &[SimilarityMatrix],
    train: &Interactions,
    validation: &Interactions,
    grid: &[f32],
    rounds: usize,
    k: usize,
) -> (Vec<f32>, f64) {
    let mut weights = vec![1.0f32; parts.len()];
    let mut best = ndcg_at(&combine(parts, &weights), train, validation, k);
    if parts.len() == 1 {
        return (weights, best);
    }
    for _ in 0..rounds {
        let mut changed = false;
        for m in 0..parts.len() {
            for &w in grid {
                if w == weights[m] {
                    continue;
                }
                let mut trial = weights.clone();
                trial[m] = w;
                if trial.iter().all(|&x| x == 0.0) {
                    continue;
                }
                let score = ndcg_at(&combine(parts, &trial), train, validation, k);
                if score > best {
                    best = score;
                    weights = trial;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    (weights, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndcg_matches_a_hand_computation() {
        // 1 user, 4 items; profile {0}; S row 0 scores items 1 > 2 > 3; relevant {2, 3}.
        let train = Interactions::from_index_triplets(1, 4, &[(0, 0, 1.0)]).unwrap();
        let val = Interactions::from_index_triplets(1, 4, &[(0, 2, 1.0), (0, 3, 1.0)]).unwrap();
        let s = SimilarityMatrix::from_columns(
            4,
            &[vec![], vec![(0, 0.9)], vec![(0, 0.5)], vec![(0, 0.1)]],
        );
        // Ranking 1, 2, 3: hits at ranks 2 and 3 → (1/log2 3 + 1/log2 4) / (1 + 1/log2 3).
        let want = (1.0 / 3f64.log2() + 0.5) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&s, &train, &val, 3) - want).abs() < 1e-12);
        // At k = 1 the only item shown (1) is a miss.
        assert_eq!(ndcg_at(&s, &train, &val, 1), 0.0);
    }

    #[test]
    fn the_search_drops_a_harmful_component() {
        // Part 0 ranks the relevant item 2 first; part 1 pushes the irrelevant item 1 far up.
        let train = Interactions::from_index_triplets(1, 3, &[(0, 0, 1.0)]).unwrap();
        let val = Interactions::from_index_triplets(1, 3, &[(0, 2, 1.0)]).unwrap();
        let good = SimilarityMatrix::from_columns(3, &[vec![], vec![(0, 0.2)], vec![(0, 1.0)]]);
        let bad = SimilarityMatrix::from_columns(3, &[vec![], vec![(0, 1.0)], vec![]]);
        let (w, ndcg) = search_weights(&[good, bad], &train, &val, &[0.0, 0.5, 1.0, 2.0], 2, 1);
        assert_eq!(ndcg, 1.0);
        // With weights (1, 1) item 1 scores 1.2 > 1.0; the search must lower the second
        // weight below 0.8 relative to the first.
        assert!(w[1] < 0.8 * w[0], "{w:?}");
    }
}
