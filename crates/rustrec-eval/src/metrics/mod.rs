//! Ranking metrics, one file per family.
//!
//! A user's evaluation starts from a *ranked list*: the candidate items (all items, less
//! the user's training items when those are excluded) sorted best first — higher score,
//! ties to the lower item index, NaN scores last (`rustrec_core::topn::better`) — and
//! the user's *relevant* items (held-out test items that are candidates; `n_relevant` of
//! them). Binary relevance throughout. With `rel_j ∈ {0,1}` the relevance of rank `j`
//! (1-based) and `hits@k = Σ_{j≤k} rel_j`:
//!
//! | name | definition | file |
//! |---|---|---|
//! | `precision@k` | `hits@k / k` (denominator `k` even when fewer than `k` candidates) | [`precision_recall`] |
//! | `recall@k` | `hits@k / n_relevant` | [`precision_recall`] |
//! | `recall_capped@k` | `hits@k / min(k, n_relevant)` — reaches 1 for a perfect ranking even when `n_relevant > k` | [`precision_recall`] |
//! | `hit_rate@k` | `1` if `hits@k ≥ 1` else `0` | [`precision_recall`] |
//! | `map@k` | average precision `Σ_{j≤k} rel_j · precision@j / min(k, n_relevant)` | [`average_precision`] |
//! | `ndcg@k` | `DCG@k / IDCG@k`, `DCG@k = Σ_{j≤k} rel_j / log2(j+1)`, IDCG over `min(k, n_relevant)` hits at the top | [`ndcg`] |
//! | `mrr` | `1 / rank` of the first relevant item in the full ranking | [`reciprocal_rank`] |
//! | `auc` | Mann–Whitney: P(relevant scores above a non-relevant candidate), ties ½ | [`auc`] |
//! | `coverage@k` | share of catalog items in at least one user's top-k | [`diversity`] |
//! | `gini@k` | Gini index of how often each catalog item is recommended in the top-k | [`diversity`] |
//! | `novelty@k` | mean self-information `−log2 p(i)` of the top-k items, `p` from training popularity | [`diversity`] |
//!
//! Per-user metrics are averaged over the evaluated users (AUC over the users for which it
//! is defined: at least one relevant and one non-relevant candidate); coverage and Gini are
//! computed once over all users' lists. Every metric except novelty lies in `[0, 1]`.
//!
//! The protocols compute all cutoffs in one pass over the top-`max(k)` list with
//! [`scan_prefixes`]; the `*_at` functions in the metric files are the plain one-cutoff
//! versions, kept as the readable reference (and tested against it).

pub mod auc;
pub mod average_precision;
pub mod diversity;
pub mod ndcg;
pub mod precision_recall;
pub mod reciprocal_rank;

use std::fmt;
use std::str::FromStr;

use crate::error::EvalError;

/// A ranking metric family.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `precision@k`.
    Precision,
    /// `recall@k` (denominator: number of relevant items).
    Recall,
    /// `recall_capped@k` (denominator: `min(k, relevant items)`).
    RecallCapped,
    /// `map@k` (mean average precision).
    Map,
    /// `ndcg@k`.
    Ndcg,
    /// `hit_rate@k`.
    HitRate,
    /// `mrr` (mean reciprocal rank, full ranking).
    Mrr,
    /// `auc` (per-user ROC AUC, averaged).
    Auc,
    /// `coverage@k` (catalog coverage of the top-k lists).
    Coverage,
    /// `gini@k` (concentration of the top-k recommendations).
    Gini,
    /// `novelty@k` (mean self-information of recommended items).
    Novelty,
}

impl Metric {
    /// Every metric, in the order results are reported.
    pub const ALL: [Metric; 11] = [
        Metric::Precision,
        Metric::Recall,
        Metric::RecallCapped,
        Metric::Map,
        Metric::Ndcg,
        Metric::HitRate,
        Metric::Mrr,
        Metric::Auc,
        Metric::Coverage,
        Metric::Gini,
        Metric::Novelty,
    ];

    /// The name used in reports (`"precision"`, `"recall_capped"`, `"ndcg"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::RecallCapped => "recall_capped",
            Metric::Map => "map",
            Metric::Ndcg => "ndcg",
            Metric::HitRate => "hit_rate",
            Metric::Mrr => "mrr",
            Metric::Auc => "auc",
            Metric::Coverage => "coverage",
            Metric::Gini => "gini",
            Metric::Novelty => "novelty",
        }
    }

    /// Whether the metric is computed at cutoffs (`name@k`).
    pub fn has_cutoff(self) -> bool {
        !matches!(self, Metric::Mrr | Metric::Auc)
    }

    /// Whether the metric has a value per user (coverage and Gini exist only over all users).
    pub fn is_per_user(self) -> bool {
        !matches!(self, Metric::Coverage | Metric::Gini)
    }

    /// Whether the metric's values lie in `[0, 1]` (all but novelty).
    pub fn is_unit_interval(self) -> bool {
        self != Metric::Novelty
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = EvalError;
    fn from_str(s: &str) -> Result<Self, EvalError> {
        let s = s.trim().to_ascii_lowercase();
        let alias = match s.as_str() {
            "prec" | "p" => "precision",
            "hr" | "hit" | "hits" | "hitrate" => "hit_rate",
            "ap" => "map",
            "recall_cap" | "capped_recall" => "recall_capped",
            other => other,
        };
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == alias)
            .ok_or_else(|| {
                let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
                EvalError::invalid("metric", s, format!("one of {}", names.join(", ")))
            })
    }
}

/// What the first `k` entries of a ranked list hold, for one-pass metrics at many cutoffs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PrefixStats {
    /// `hits@k`: relevant items among the first `k`.
    pub hits: usize,
    /// `DCG@k = Σ_{j≤k} rel_j / log2(j+1)`.
    pub dcg: f64,
    /// `Σ_{j≤k} rel_j · precision@j` (the numerator of average precision).
    pub precision_sum: f64,
}

/// Walks the ranked relevance list once and calls `at(c, stats)` for every cutoff
/// `cutoffs[c]` (which must be increasing), with the statistics of the first
/// `min(cutoffs[c], relevant.len())` entries.
pub fn scan_prefixes(
    relevant: &[bool],
    cutoffs: &[usize],
    mut at: impl FnMut(usize, &PrefixStats),
) {
    let mut s = PrefixStats::default();
    let mut j = 0usize;
    for (c, &k) in cutoffs.iter().enumerate() {
        let end = k.min(relevant.len());
        while j < end {
            if relevant[j] {
                s.hits += 1;
                s.dcg += discount(j + 1);
                s.precision_sum += s.hits as f64 / (j + 1) as f64;
            }
            j += 1;
        }
        at(c, &s);
    }
}

/// The DCG discount of 1-based rank `r`: `1 / log2(r + 1)`.
#[inline]
pub fn discount(rank: usize) -> f64 {
    1.0 / ((rank + 1) as f64).log2()
}

/// The statistics of the first `k` entries (one cutoff).
pub fn prefix_stats(relevant: &[bool], k: usize) -> PrefixStats {
    let mut out = PrefixStats::default();
    scan_prefixes(relevant, &[k], |_, s| out = *s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases_parse() {
        for m in Metric::ALL {
            assert_eq!(m.name().parse::<Metric>().unwrap(), m);
        }
        assert_eq!("HR".parse::<Metric>().unwrap(), Metric::HitRate);
        let err = "ndgc".parse::<Metric>().unwrap_err().to_string();
        assert!(err.contains("ndgc") && err.contains("ndcg"), "{err}");
    }

    #[test]
    fn prefixes_at_several_cutoffs() {
        // ranked relevance: 1 0 1 0 0
        let rel = [true, false, true, false, false];
        let mut got = Vec::new();
        scan_prefixes(&rel, &[1, 3, 10], |c, s| got.push((c, *s)));
        assert_eq!(got[0].1.hits, 1);
        assert_eq!(got[1].1.hits, 2);
        // dcg@3 = 1/log2(2) + 1/log2(4) = 1 + 0.5
        assert!((got[1].1.dcg - 1.5).abs() < 1e-12);
        // precision_sum@3 = 1/1 + 2/3
        assert!((got[1].1.precision_sum - (1.0 + 2.0 / 3.0)).abs() < 1e-12);
        // cutoff beyond the list: the whole list
        assert_eq!(got[2].1, got[1].1);
    }
}
