//! Per-user ROC AUC (Mann–Whitney U with ties counted ½).
//!
//! For a user with relevant candidates `P` and non-relevant candidates `N`:
//!
//! `AUC = ( Σ_{p∈P, n∈N} [s_p > s_n] + ½ [s_p = s_n] ) / (|P| · |N|)`,
//!
//! which equals `(Σ_{p∈P} rank(s_p) − |P|(|P|+1)/2) / (|P||N|)` with average ranks over all
//! candidates — exactly `implicit_metrics` of the peer harnesses (`scipy.stats.rankdata`).
//! It is undefined (`None`) when `P` or `N` is empty; such users do not enter the average.
//!
//! ## Cost
//! Two exact ways, chosen by `|P|` (the protocols use [`SWEEP_LIMIT`]):
//! * [`auc_by_sweeps`], for few relevant items: one branch-free, vectorisable sweep over
//!   all candidate scores per relevant item, counting the candidates below and tied with
//!   it; comparisons of relevant items with each other sum to exactly `|P|²/2` (each pair
//!   contributes 1, each item with itself ½), which is subtracted — the rank-sum identity.
//!   O(|P| · n), a few microseconds for `|P| ≤ 64` and n in the thousands.
//! * [`AucCounter`], for many: the relevant scores are sorted once (`|P| log |P|`); each
//!   non-relevant score then counts the relevant scores above and tied with it by two
//!   binary searches — O(|N| log |P|).
//!
//! Either way no sort of all candidate scores and no `|P|·|N|` pairwise loop. Counts are
//! integers and halves, so both are exact in `f64` and agree bit for bit.
//!
//! NaN scores rank below every number, −∞ included, and tie with each other (as they sort
//! last in `topn::better`), so the AUC agrees with the top-k lists and MRR; `−0` and `+0`
//! tie. ([`ranks_below`], [`ties`], [`score_order`].)

use std::cmp::Ordering;

/// Whether score `s` ranks strictly below score `p`: a smaller number, or NaN against a
/// number (−∞ included). Branch-free.
#[inline(always)]
pub fn ranks_below(s: f32, p: f32) -> bool {
    (s < p) | (s.is_nan() & !p.is_nan())
}

/// Whether scores `s` and `p` tie: equal numbers (`−0 = +0`) or both NaN. Branch-free.
#[inline(always)]
pub fn ties(s: f32, p: f32) -> bool {
    (s == p) | (s.is_nan() & p.is_nan())
}

/// The increasing order of scores for the AUC: NaN first (lowest), then numbers by value.
pub fn score_order(a: &f32, b: &f32) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// Up to this many relevant items, [`auc_by_sweeps`] is faster than [`AucCounter`].
pub const SWEEP_LIMIT: usize = 64;

/// The AUC of relevant scores `positives` among the candidates: the scores `scores[i]`
/// (raw, NaN allowed) whose `mark[i]` is not `excluded`, the relevant ones included;
/// `positives` raw too, in any order. `None` when there is no relevant or no other
/// candidate. Every sweep reads the scores in place, branch-free.
#[inline(always)]
pub fn auc_by_sweeps(positives: &[f32], scores: &[f32], mark: &[u8], excluded: u8) -> Option<f64> {
    let m = positives.len();
    let candidates = mark.iter().fold(0u32, |c, &x| c + u32::from(x != excluded)) as usize;
    let n_neg = candidates.checked_sub(m)?;
    if m == 0 || n_neg == 0 {
        return None;
    }
    // NaN candidates rank below every number and tie with each other: counted once, so
    // that each sweep for a numeric relevant score compares numbers only.
    let nan = scores.iter().zip(mark).fold(0u32, |n, (&s, &x)| {
        n + u32::from((x != excluded) & s.is_nan())
    });
    let mut twice_wins: u64 = 0;
    for &p in positives {
        let (below, tied) = if p.is_nan() {
            (0, nan)
        } else {
            let (below, tied) = scores
                .iter()
                .zip(mark)
                .fold((0u32, 0u32), |(b, t), (&s, &x)| {
                    let keep = x != excluded;
                    (
                        b + u32::from(keep & (s < p)),
                        t + u32::from(keep & (s == p)),
                    )
                });
            (below + nan, tied)
        };
        twice_wins += 2 * u64::from(below) + u64::from(tied);
    }
    // Comparisons among relevant items (self included) add up to m²/2: twice that is m².
    let twice_wins = twice_wins - (m * m) as u64;
    Some(twice_wins as f64 / (2 * m * n_neg) as f64)
}

/// Accumulates the Mann–Whitney count of one user against sorted relevant scores.
#[derive(Debug)]
pub struct AucCounter<'a> {
    sorted_positives: &'a [f32],
    wins: f64,
    negatives: usize,
}

impl<'a> AucCounter<'a> {
    /// A counter over relevant scores sorted increasingly by [`score_order`]
    /// ([`prepare_positives`]).
    pub fn new(sorted_positives: &'a [f32]) -> Self {
        AucCounter {
            sorted_positives,
            wins: 0.0,
            negatives: 0,
        }
    }

    /// Adds one non-relevant candidate with score `s`.
    #[inline]
    pub fn add_negative(&mut self, s: f32) {
        let p = self.sorted_positives;
        let at_most = p.partition_point(|&x| ranks_below(x, s) | ties(x, s));
        let below = p[..at_most].partition_point(|&x| ranks_below(x, s));
        self.wins += (p.len() - at_most) as f64 + 0.5 * (at_most - below) as f64;
        self.negatives += 1;
    }

    /// The AUC, or `None` when there is no relevant or no non-relevant candidate.
    pub fn finish(&self) -> Option<f64> {
        let pairs = self.sorted_positives.len() * self.negatives;
        (pairs > 0).then(|| self.wins / pairs as f64)
    }
}

/// Sorts relevant scores for an [`AucCounter`]: increasingly by [`score_order`] (NaN first).
pub fn prepare_positives(scores: &mut [f32]) {
    scores.sort_unstable_by(score_order);
}

/// The AUC of relevant scores `positives` against non-relevant scores `negatives`.
pub fn auc(positives: &[f32], negatives: &[f32]) -> Option<f64> {
    let mut p = positives.to_vec();
    prepare_positives(&mut p);
    let mut counter = AucCounter::new(&p);
    for &s in negatives {
        counter.add_negative(s);
    }
    counter.finish()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The definition, pair by pair, with the ranking order written out: NaN below every
    /// number (−∞ included), NaNs tied, numbers by value (`−0 = +0`).
    fn pairwise(p: &[f32], n: &[f32]) -> Option<f64> {
        if p.is_empty() || n.is_empty() {
            return None;
        }
        let rank_key = |s: f32| if s.is_nan() { (0, 0.0) } else { (1, s) };
        let mut w = 0.0;
        for &a in p {
            for &b in n {
                let (a, b) = (rank_key(a), rank_key(b));
                w += if a.0 > b.0 || (a.0 == b.0 && a.1 > b.1) {
                    1.0
                } else if a.0 == b.0 && a.1 == b.1 {
                    0.5
                } else {
                    0.0
                };
            }
        }
        Some(w / (p.len() * n.len()) as f64)
    }

    /// Small integers as scores, with the special values: −4 → NaN, −3 → −∞, 3 → +∞,
    /// 2 → −0 (ties +0).
    fn score(x: i8) -> f32 {
        match x {
            -4 => f32::NAN,
            -3 => f32::NEG_INFINITY,
            3 => f32::INFINITY,
            2 => -0.0,
            x => f32::from(x) * 0.5,
        }
    }

    #[test]
    fn hand_computed() {
        // positives {0.9, 0.4}, negatives {0.5, 0.4, 0.1}
        // 0.9 beats all 3 → 3; 0.4 vs 0.5 → 0, vs 0.4 → ½, vs 0.1 → 1 → 1.5
        // AUC = 4.5 / 6 = 0.75
        assert_eq!(auc(&[0.9, 0.4], &[0.5, 0.4, 0.1]), Some(0.75));
        // rankdata check: all scores 0.1 0.4 0.4 0.5 0.9 → ranks 1, 2.5, 2.5, 4, 5;
        // positive ranks 2.5 + 5 = 7.5; (7.5 − 2·3/2) / 6 = 0.75 ✓
        assert_eq!(auc(&[1.0], &[1.0, 1.0]), Some(0.5));
        assert_eq!(auc(&[f32::NAN], &[0.0]), Some(0.0));
        // NaN ranks below −∞ too (as in `topn::better`): no tie between them.
        assert_eq!(auc(&[f32::NAN], &[f32::NEG_INFINITY]), Some(0.0));
        assert_eq!(auc(&[f32::NEG_INFINITY], &[f32::NAN]), Some(1.0));
        assert_eq!(auc(&[f32::NAN], &[f32::NAN]), Some(0.5));
        assert_eq!(auc(&[-0.0], &[0.0]), Some(0.5));
        assert_eq!(auc(&[], &[0.0]), None);
        assert_eq!(auc(&[1.0], &[]), None);
    }

    proptest! {
        #[test]
        fn matches_the_pairwise_count(
            p in prop::collection::vec(-4i8..4, 0..80),
            n in prop::collection::vec(-4i8..4, 0..30),
        ) {
            let p: Vec<f32> = p.into_iter().map(score).collect();
            let n: Vec<f32> = n.into_iter().map(score).collect();
            let got = auc(&p, &n);
            let want = pairwise(&p, &n);
            // The candidates among excluded scores (mark 1), which must not count.
            let mut scores = Vec::new();
            let mut mark = Vec::new();
            for (k, &s) in n.iter().chain(&p).enumerate() {
                scores.push(s);
                mark.push(0u8);
                if k % 3 == 0 {
                    scores.push(if k % 2 == 0 { f32::NAN } else { s });
                    mark.push(1);
                }
            }
            prop_assert_eq!(
                auc_by_sweeps(&p, &scores, &mark, 1).map(f64::to_bits),
                got.map(f64::to_bits)
            );
            prop_assert_eq!(got.is_some(), want.is_some());
            if let (Some(a), Some(b)) = (got, want) {
                prop_assert!((a - b).abs() < 1e-12);
                prop_assert!((0.0..=1.0).contains(&a));
            }
        }
    }
}
