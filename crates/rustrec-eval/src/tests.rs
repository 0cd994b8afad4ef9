//! Protocol-level tests: hand-computed cases, a naive reference implementation, invariants.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rustrec_data::{Interactions, UserIdx};

use crate::metrics::Metric;
use crate::test_support::ScoreTable;
use crate::{
    EvalError, RankingConfig, RankingMetrics, SampledConfig, evaluate_ranking, evaluate_sampled,
};

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-9
}

/// The values bit for bit (NaN equals NaN) and the user counts.
fn fingerprint(m: &RankingMetrics) -> (Vec<(String, u64)>, [usize; 5]) {
    (
        m.values
            .iter()
            .map(|(n, v)| (n.clone(), v.to_bits()))
            .collect(),
        [
            m.users_evaluated,
            m.users_skipped_no_test,
            m.users_skipped_no_train,
            m.auc_users,
            m.test_items_in_train,
        ],
    )
}

fn assert_values(m: &RankingMetrics, want: &[(&str, f64)]) {
    for &(name, v) in want {
        let got = m.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert!(close(got, v), "{name}: got {got}, want {v}");
    }
}

/// 4 users × 6 items.
/// * user 0: train {0}, test {2, 4}, scores [9, 1, 5, 7, 3, 0]
/// * user 1: train {1, 2}, test {0}, scores [2, 8, 8, 2, 2, 1]
/// * user 2: no train, test {5}, scores all 0
/// * user 3: train {0}, no test
fn hand_case() -> (ScoreTable, Interactions, Interactions) {
    #[rustfmt::skip]
    let scores = vec![
        9.0, 1.0, 5.0, 7.0, 3.0, 0.0,
        2.0, 8.0, 8.0, 2.0, 2.0, 1.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    ];
    let train = Interactions::from_index_triplets(
        4,
        6,
        &[(0, 0, 1.0), (1, 1, 1.0), (1, 2, 1.0), (3, 0, 1.0)],
    )
    .unwrap();
    let test = Interactions::from_index_triplets(
        4,
        6,
        &[(0, 2, 1.0), (0, 4, 1.0), (1, 0, 1.0), (2, 5, 1.0)],
    )
    .unwrap();
    (ScoreTable::new(4, 6, scores), train, test)
}

#[test]
fn full_protocol_hand_computed() {
    let (model, train, test) = hand_case();
    let cfg = RankingConfig {
        cutoffs: vec![3, 1],
        per_user: true,
        ..RankingConfig::default()
    };
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    // user 0: candidates 1..5 ranked 3(7) 2(5) 4(3) 1(1) 5(0) → relevance 0 1 1 0 0, n = 2
    //   @1: hits 0.  @3: hits 2 → P 2/3, R 1, Rc 2/min(3,2) = 1,
    //   AP@3 = (1/2 + 2/3) / 2 = 0.583333, DCG@3 = 1/log2(3) + 1/log2(4) = 1.130930,
    //   IDCG = 1 + 1/log2(3) = 1.630930 → NDCG@3 = 0.693426; RR = 1/2;
    //   AUC: positives {5, 3} vs {7, 1, 0}: 2 + 2 wins of 6 = 2/3.
    // user 1: candidates 0(2) 3(2) 4(2) 5(1), ties to the lower index → relevance 1 0 0 0, n = 1
    //   @1 and @3: hits 1 → P@1 1, P@3 1/3, R 1, Rc 1, AP 1, NDCG 1, HR 1; RR 1;
    //   AUC: {2} vs {2, 2, 1} = (½ + ½ + 1) / 3 = 2/3.
    // user 2 has no training data (skipped), user 3 no test item (skipped).
    let ndcg3_u0 = (1.0 / 3f64.log2() + 0.5) / (1.0 + 1.0 / 3f64.log2());
    assert_values(
        &m,
        &[
            ("precision@1", 0.5),
            ("precision@3", (2.0 / 3.0 + 1.0 / 3.0) / 2.0),
            ("recall@1", 0.5),
            ("recall@3", 1.0),
            ("recall_capped@1", 0.5),
            ("recall_capped@3", 1.0),
            ("map@1", 0.5),
            ("map@3", ((0.5 + 2.0 / 3.0) / 2.0 + 1.0) / 2.0),
            ("ndcg@1", 0.5),
            ("ndcg@3", (ndcg3_u0 + 1.0) / 2.0),
            ("hit_rate@1", 0.5),
            ("hit_rate@3", 1.0),
            ("mrr", 0.75),
            ("auc", 2.0 / 3.0),
            // top-1 lists {3}, {0} → 2 of 6 items; top-3 {3,2,4}, {0,3,4} → 4 of 6
            ("coverage@1", 2.0 / 6.0),
            ("coverage@3", 4.0 / 6.0),
            // @1 counts sorted 0 0 0 0 1 1, weights (2j−7) = −5 −3 −1 1 3 5: (3+5)/(6·2)
            ("gini@1", 8.0 / 12.0),
            // @3 counts sorted 0 0 1 1 2 2: (−1 + 1 + 6 + 10)/(6·6)
            ("gini@3", 16.0 / 36.0),
            // U = 3 users with training data; degrees item0 2, item1 1, item2 1, others 0;
            // −log2((d+1)/4): item0 0.415037, items 1,2 → 1, items 3,4,5 → 2 bits.
            // @1: u0 {3} → 2, u1 {0} → 0.415037
            ("novelty@1", (2.0 + -(0.75f64).log2()) / 2.0),
            // @3: u0 {3,2,4} → 5/3, u1 {0,3,4} → (0.415037 + 4)/3
            (
                "novelty@3",
                (5.0 / 3.0 + (-(0.75f64).log2() + 4.0) / 3.0) / 2.0,
            ),
        ],
    );
    let names: Vec<&str> = m.values.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        &names[..4],
        ["precision@1", "precision@3", "recall@1", "recall@3"]
    );
    assert_eq!(m.users_evaluated, 2);
    assert_eq!(m.users_skipped_no_train, 1);
    assert_eq!(m.users_skipped_no_test, 1);
    assert_eq!(m.auc_users, 2);
    assert_eq!(m.protocol, "full");
    let per_user = m.per_user.as_ref().unwrap();
    assert_eq!(per_user.rows.len(), 2);
    assert_eq!(per_user.rows[0].user, "0");
    assert_eq!(per_user.rows[0].n_test, 2);
    assert!(close(per_user.column("mrr").unwrap()[0], 0.5));
    assert!(!per_user.names.iter().any(|n| n.starts_with("coverage")));
}

/// The peer harnesses' `implicit_metrics`: every user with a test item counts, including
/// user 2 who has no training data (all six items are candidates, all tied at 0:
/// item 5 ranks last → P@3 = 0; AUC = ½ since every comparison ties).
#[test]
fn peer_protocol_counts_users_without_training_data() {
    let (model, train, test) = hand_case();
    let cfg = RankingConfig {
        cutoffs: vec![3],
        metrics: vec![Metric::Precision, Metric::Auc, Metric::Mrr],
        require_train: false,
        ..RankingConfig::default()
    };
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    assert_values(
        &m,
        &[
            ("precision@3", (2.0 / 3.0 + 1.0 / 3.0 + 0.0) / 3.0),
            ("auc", (2.0 / 3.0 + 2.0 / 3.0 + 0.5) / 3.0),
            ("mrr", (0.5 + 1.0 + 1.0 / 6.0) / 3.0),
        ],
    );
    assert_eq!(m.values.len(), 3);
    assert_eq!(m.users_evaluated, 3);
}

#[test]
fn test_items_also_in_train_are_counted_and_not_relevant() {
    // user 0: train {0, 1}, test {1, 2}; item 1 is in both.
    let model = ScoreTable::new(1, 4, vec![4.0, 3.0, 2.0, 1.0]);
    let train = Interactions::from_index_triplets(1, 4, &[(0, 0, 1.0), (0, 1, 1.0)]).unwrap();
    let test = Interactions::from_index_triplets(1, 4, &[(0, 1, 1.0), (0, 2, 1.0)]).unwrap();
    let cfg = RankingConfig::with_cutoffs(&[1]);
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    // candidates 2(2), 3(1); relevant {2} → P@1 = 1, R@1 = 1/1
    assert_values(&m, &[("precision@1", 1.0), ("recall@1", 1.0), ("auc", 1.0)]);
    assert_eq!(m.test_items_in_train, 1);
    // Without exclusion item 0 (4) leads and both test items are relevant:
    // ranking 0 1 2 3 → relevance 0 1 1 0 → P@1 0, RR 1/2, AUC = (1 + 1 + ½·0 ...) :
    // positives {3, 2} vs {4, 1}: 1 + 1 = 2 of 4 = 0.5
    let cfg = RankingConfig {
        exclude_seen: false,
        ..RankingConfig::with_cutoffs(&[1])
    };
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    assert_values(&m, &[("precision@1", 0.0), ("mrr", 0.5), ("auc", 0.5)]);
}

#[test]
fn nan_scores_rank_last() {
    // scores [NaN, 1, NaN, 0]: ranking 1, 3, 0, 2 (NaN last, ties by index).
    let model = ScoreTable::new(1, 4, vec![f32::NAN, 1.0, f32::NAN, 0.0]);
    let train = Interactions::from_index_triplets(1, 4, &[]).unwrap();
    let cfg = RankingConfig {
        require_train: false,
        ..RankingConfig::with_cutoffs(&[2])
    };
    // Relevant item 2 (NaN) ranks 4th; below every number, it ties with the NaN item 0
    // only: AUC ½ / 3.
    let test = Interactions::from_index_triplets(1, 4, &[(0, 2, 1.0)]).unwrap();
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    assert_values(
        &m,
        &[("mrr", 0.25), ("auc", 0.5 / 3.0), ("precision@2", 0.0)],
    );
    // Relevant item 3 (score 0) ranks 2nd, above both NaN items: AUC 2/3.
    let test = Interactions::from_index_triplets(1, 4, &[(0, 3, 1.0)]).unwrap();
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    assert_values(
        &m,
        &[("mrr", 0.5), ("auc", 2.0 / 3.0), ("precision@2", 0.5)],
    );
}

/// Regression: AUC mapped NaN to −∞, so a NaN score tied with a −∞ score (½) although
/// NaN ranks below every number — below −∞ too — in the top-k lists, in MRR and in the
/// documentation. Both AUC paths (sweeps for few relevant items, binary searches for many)
/// and the sampled protocol must count NaN below −∞.
#[test]
fn auc_ranks_nan_below_negative_infinity() {
    let inf = f32::INFINITY;
    let train = Interactions::from_index_triplets(1, 3, &[]).unwrap();
    let cfg = RankingConfig {
        require_train: false,
        ..RankingConfig::with_cutoffs(&[1])
    };
    // scores [−∞, NaN, 0]: ranking 2, 0, 1.
    let model = ScoreTable::new(1, 3, vec![-inf, f32::NAN, 0.0]);
    // Relevant item 1 (NaN) ranks last: it beats neither −∞ nor 0 → AUC 0 / 2 = 0.
    let test = Interactions::from_index_triplets(1, 3, &[(0, 1, 1.0)]).unwrap();
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    assert_values(&m, &[("mrr", 1.0 / 3.0), ("auc", 0.0)]);
    // Relevant item 0 (−∞) ranks 2nd: it beats NaN, loses to 0 → AUC 1 / 2.
    let test = Interactions::from_index_triplets(1, 3, &[(0, 0, 1.0)]).unwrap();
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    assert_values(&m, &[("mrr", 0.5), ("auc", 0.5)]);

    // Many relevant items (the binary-search path): 70 relevant items, then a −∞ and
    // a 0 negative. All relevant NaN → AUC 0; all relevant −∞ → each beats the NaN
    // negative only → AUC 70 / (70 · 2) = ½.
    let n_rel = 70;
    assert!(n_rel > crate::metrics::auc::SWEEP_LIMIT);
    let n = n_rel + 2;
    let rows: Vec<(u32, u32, f32)> = (0..n_rel as u32).map(|i| (0, i, 1.0)).collect();
    let test = Interactions::from_index_triplets(1, n, &rows).unwrap();
    let train = Interactions::from_index_triplets(1, n, &[]).unwrap();
    for (relevant, negative, want) in [(f32::NAN, -inf, 0.0), (-inf, f32::NAN, 0.5)] {
        let mut scores = vec![relevant; n_rel];
        scores.extend([negative, 0.0]);
        let model = ScoreTable::new(1, n, scores);
        let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
        assert_values(&m, &[("auc", want)]);
    }

    // The sampled protocol (every free item a negative): target 0 against NaN and 0.
    let train = Interactions::from_index_triplets(1, 3, &[]).unwrap();
    let test = Interactions::from_index_triplets(1, 3, &[(0, 0, 1.0)]).unwrap();
    let cfg = SampledConfig {
        cutoffs: vec![1],
        require_train: false,
        ..SampledConfig::new(10, 1)
    };
    // Target −∞: beats the NaN negative, loses to 0 → AUC ½, rank 2.
    let model = ScoreTable::new(1, 3, vec![-inf, f32::NAN, 0.0]);
    let m = evaluate_sampled(&model, &train, &test, &cfg).unwrap();
    assert_values(&m, &[("sampled_auc", 0.5), ("sampled_mrr", 0.5)]);
    // Target NaN: beats neither the −∞ nor the 0 negative → AUC 0, rank 3.
    let model = ScoreTable::new(1, 3, vec![f32::NAN, -inf, 0.0]);
    let m = evaluate_sampled(&model, &train, &test, &cfg).unwrap();
    assert_values(&m, &[("sampled_auc", 0.0), ("sampled_mrr", 1.0 / 3.0)]);
}

#[test]
fn bad_settings_fail_with_the_setting_name() {
    let (model, train, test) = hand_case();
    let err = |cfg: RankingConfig| evaluate_ranking(&model, &train, &test, &cfg).unwrap_err();
    assert!(matches!(
        err(RankingConfig::with_cutoffs(&[0, 5])),
        EvalError::InvalidParameter {
            name: "cutoffs",
            ..
        }
    ));
    assert!(matches!(
        err(RankingConfig::with_cutoffs(&[])),
        EvalError::InvalidParameter {
            name: "cutoffs",
            ..
        }
    ));
    assert!(matches!(
        err(RankingConfig {
            metrics: vec![],
            ..RankingConfig::default()
        }),
        EvalError::InvalidParameter {
            name: "metrics",
            ..
        }
    ));
    assert!(matches!(
        err(RankingConfig {
            users: Some(vec![UserIdx(9)]),
            ..RankingConfig::default()
        }),
        EvalError::InvalidParameter { name: "users", .. }
    ));
    // Only user 3 (no test item): nothing to evaluate.
    assert!(matches!(
        err(RankingConfig {
            users: Some(vec![UserIdx(3)]),
            ..RankingConfig::default()
        }),
        EvalError::Nothing(_)
    ));
    // AUC and MRR alone need no cutoff.
    let cfg = RankingConfig {
        cutoffs: vec![],
        metrics: vec![Metric::Auc],
        ..RankingConfig::default()
    };
    assert!(evaluate_ranking(&model, &train, &test, &cfg).is_ok());
}

// ------------------------------------------------------------------------------------
// The naive reference: plain loops over a full sort, written from the definitions.

#[derive(Clone, Debug)]
struct Case {
    n_users: usize,
    n_items: usize,
    scores: Vec<f32>,
    train: Vec<(u32, u32, f32)>,
    test: Vec<(u32, u32, f32)>,
}

impl Case {
    /// `cells[u * n_items + i]`: 1 → train, 2 → test, else nothing.
    fn new(n_users: usize, n_items: usize, scores: Vec<i8>, cells: Vec<u8>) -> Self {
        let mut train = Vec::new();
        let mut test = Vec::new();
        for u in 0..n_users {
            for i in 0..n_items {
                match cells[u * n_items + i] {
                    1 => train.push((u as u32, i as u32, 1.0)),
                    2 => test.push((u as u32, i as u32, 1.0)),
                    _ => {}
                }
            }
        }
        Case {
            n_users,
            n_items,
            scores: scores.into_iter().map(|s| f32::from(s) * 0.5).collect(),
            train,
            test,
        }
    }

    fn data(&self) -> (ScoreTable, Interactions, Interactions) {
        (
            ScoreTable::new(self.n_users, self.n_items, self.scores.clone()),
            Interactions::from_index_triplets(self.n_users, self.n_items, &self.train).unwrap(),
            Interactions::from_index_triplets(self.n_users, self.n_items, &self.test).unwrap(),
        )
    }

    fn items_of(rows: &[(u32, u32, f32)], u: usize) -> Vec<usize> {
        rows.iter()
            .filter(|r| r.0 as usize == u)
            .map(|r| r.1 as usize)
            .collect()
    }
}

struct Reference {
    values: BTreeMap<String, f64>,
    evaluated: usize,
    no_train: usize,
    no_test: usize,
}

fn reference(case: &Case, cutoffs: &[usize], exclude_seen: bool, require_train: bool) -> Reference {
    let n = case.n_items;
    let mut per_user: Vec<BTreeMap<String, f64>> = Vec::new();
    let mut counts = vec![vec![0usize; n]; cutoffs.len()];
    let (mut no_train, mut no_test) = (0, 0);
    let train_users = (0..case.n_users)
        .filter(|&u| !Case::items_of(&case.train, u).is_empty())
        .count();
    for u in 0..case.n_users {
        let test = Case::items_of(&case.test, u);
        let train = Case::items_of(&case.train, u);
        if test.is_empty() {
            no_test += 1;
            continue;
        }
        if require_train && train.is_empty() {
            no_train += 1;
            continue;
        }
        let score = |i: usize| f64::from(case.scores[u * n + i]);
        let mut cand: Vec<usize> = (0..n)
            .filter(|i| !exclude_seen || !train.contains(i))
            .collect();
        // Stable sort by score, highest first: equal scores keep index order.
        cand.sort_by(|&a, &b| score(b).partial_cmp(&score(a)).unwrap());
        let rel: Vec<bool> = cand.iter().map(|i| test.contains(i)).collect();
        let n_rel = test.len() as f64;
        let mut m = BTreeMap::new();
        for (c, &k) in cutoffs.iter().enumerate() {
            let mut hits = 0.0;
            let mut ap = 0.0;
            let mut dcg = 0.0;
            for j in 0..k.min(cand.len()) {
                counts[c][cand[j]] += 1;
                if rel[j] {
                    hits += 1.0;
                    ap += hits / (j + 1) as f64;
                    dcg += 1.0 / ((j + 2) as f64).log2();
                }
            }
            let kk = k as f64;
            let cap = kk.min(n_rel);
            let idcg: f64 = (0..cap as usize)
                .map(|j| 1.0 / ((j + 2) as f64).log2())
                .sum();
            m.insert(format!("precision@{k}"), hits / kk);
            m.insert(format!("recall@{k}"), hits / n_rel);
            m.insert(format!("recall_capped@{k}"), hits / cap);
            m.insert(format!("map@{k}"), ap / cap);
            m.insert(format!("ndcg@{k}"), dcg / idcg);
            m.insert(format!("hit_rate@{k}"), if hits > 0.0 { 1.0 } else { 0.0 });
            let top = &cand[..k.min(cand.len())];
            let bits: f64 = top
                .iter()
                .map(|&i| {
                    let d = case.train.iter().filter(|r| r.1 as usize == i).count();
                    -(((d + 1) as f64) / (train_users + 1) as f64).log2()
                })
                .sum();
            m.insert(
                format!("novelty@{k}"),
                if top.is_empty() {
                    0.0
                } else {
                    bits / top.len() as f64
                },
            );
        }
        let first = rel
            .iter()
            .position(|&r| r)
            .map_or(0.0, |p| 1.0 / (p + 1) as f64);
        m.insert("mrr".into(), first);
        // AUC with average ranks (scipy.stats.rankdata), as the peer harness computes it.
        let s: Vec<f64> = cand.iter().map(|&i| score(i)).collect();
        let avg_rank = |x: f64| {
            let below = s.iter().filter(|&&y| y < x).count() as f64;
            let equal = s.iter().filter(|&&y| y == x).count() as f64;
            below + (equal + 1.0) / 2.0
        };
        let n_pos = rel.iter().filter(|&&r| r).count() as f64;
        let n_neg = s.len() as f64 - n_pos;
        if n_pos > 0.0 && n_neg > 0.0 {
            let rank_sum: f64 = (0..s.len())
                .filter(|&j| rel[j])
                .map(|j| avg_rank(s[j]))
                .sum();
            m.insert(
                "auc".into(),
                (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg),
            );
        }
        per_user.push(m);
    }
    let mut values = BTreeMap::new();
    if let Some(first) = per_user.first() {
        for name in first
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .into_iter()
            .chain(["auc".to_string()])
        {
            let vals: Vec<f64> = per_user
                .iter()
                .filter_map(|m| m.get(&name))
                .copied()
                .collect();
            let mean = vals.iter().sum::<f64>() / vals.len() as f64;
            values.insert(name, mean);
        }
    }
    for (c, &k) in cutoffs.iter().enumerate() {
        let cnt: Vec<f64> = counts[c].iter().map(|&x| x as f64).collect();
        values.insert(
            format!("coverage@{k}"),
            cnt.iter().filter(|&&x| x > 0.0).count() as f64 / n as f64,
        );
        // Gini as the mean absolute difference over all pairs / (2 · mean).
        let total: f64 = cnt.iter().sum();
        let mut abs_diff = 0.0;
        for a in &cnt {
            for b in &cnt {
                abs_diff += (a - b).abs();
            }
        }
        let g = if total == 0.0 {
            0.0
        } else {
            abs_diff / (2.0 * n as f64 * total)
        };
        values.insert(format!("gini@{k}"), g);
    }
    Reference {
        values,
        evaluated: per_user.len(),
        no_train,
        no_test,
    }
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (1usize..7, 1usize..12).prop_flat_map(|(nu, ni)| {
        (
            prop::collection::vec(-3i8..4, nu * ni),
            prop::collection::vec(0u8..4, nu * ni),
        )
            .prop_map(move |(s, c)| Case::new(nu, ni, s, c))
    })
}

fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every metric agrees with the naive reference; all but novelty lie in [0, 1].
    #[test]
    fn full_protocol_matches_the_naive_reference(
        case in case_strategy(),
        exclude_seen in any::<bool>(),
        require_train in any::<bool>(),
    ) {
        let (model, train, test) = case.data();
        let cutoffs = [1usize, 3, 20];
        let cfg = RankingConfig { cutoffs: cutoffs.to_vec(), exclude_seen, require_train, ..RankingConfig::default() };
        let want = reference(&case, &cutoffs, exclude_seen, require_train);
        match evaluate_ranking(&model, &train, &test, &cfg) {
            Err(EvalError::Nothing(_)) => prop_assert_eq!(want.evaluated, 0),
            Err(e) => prop_assert!(false, "{e}"),
            Ok(m) => {
                prop_assert_eq!(m.users_evaluated, want.evaluated);
                prop_assert_eq!(m.users_skipped_no_train, want.no_train);
                prop_assert_eq!(m.users_skipped_no_test, want.no_test);
                prop_assert_eq!(m.values.len(), 9 * 3 + 2);
                for (name, v) in &m.values {
                    let w = want.values.get(name).copied().unwrap_or(f64::NAN);
                    prop_assert!(close(*v, w), "{}: got {}, want {}", name, v, w);
                    let metric: Metric = name.split('@').next().unwrap().parse().unwrap();
                    if metric.is_unit_interval() && !v.is_nan() {
                        prop_assert!((0.0..=1.0).contains(v), "{} = {}", name, v);
                    }
                }
            }
        }
    }

    /// Test items scored above everything else: every accuracy metric at its optimum.
    #[test]
    fn a_perfect_ranking_scores_the_optimum(case in case_strategy()) {
        let mut case = case;
        for &(u, i, _) in &case.test {
            case.scores[u as usize * case.n_items + i as usize] = 10.0;
        }
        let (model, train, test) = case.data();
        let cfg = RankingConfig { cutoffs: vec![1, 3, 20], per_user: true, ..RankingConfig::default() };
        let Ok(m) = evaluate_ranking(&model, &train, &test, &cfg) else { return Ok(()) };
        let pu = m.per_user.unwrap();
        for (r, row) in pu.rows.iter().enumerate() {
            let n = row.n_test as f64;
            for k in [1usize, 3, 20] {
                let get = |name: &str| pu.column(&format!("{name}@{k}")).unwrap()[r];
                let kk = k as f64;
                prop_assert!(close(get("precision"), kk.min(n) / kk));
                prop_assert!(close(get("recall"), kk.min(n) / n));
                prop_assert!(close(get("recall_capped"), 1.0));
                prop_assert!(close(get("ndcg"), 1.0));
                prop_assert!(close(get("map"), 1.0));
                prop_assert!(close(get("hit_rate"), 1.0));
            }
            prop_assert!(close(pu.column("mrr").unwrap()[r], 1.0));
            let auc = pu.column("auc").unwrap()[r];
            prop_assert!(auc.is_nan() || close(auc, 1.0));
        }
    }

    /// Test items scored below everything else: AUC 0, the first hit after all others.
    #[test]
    fn a_reversed_ranking_has_auc_zero(case in case_strategy()) {
        let mut case = case;
        for &(u, i, _) in &case.test {
            case.scores[u as usize * case.n_items + i as usize] = -10.0;
        }
        let (model, train, test) = case.data();
        let cfg = RankingConfig { per_user: true, ..RankingConfig::default() };
        let Ok(m) = evaluate_ranking(&model, &train, &test, &cfg) else { return Ok(()) };
        let pu = m.per_user.unwrap();
        for (r, row) in pu.rows.iter().enumerate() {
            let u: usize = row.user.parse().unwrap();
            let n_train = train.user_degree(UserIdx(u as u32));
            let others = case.n_items - n_train - row.n_test;
            let auc = pu.column("auc").unwrap()[r];
            let expected_auc = if others == 0 { auc.is_nan() } else { auc == 0.0 };
            prop_assert!(expected_auc, "auc {}", auc);
            prop_assert!(close(pu.column("mrr").unwrap()[r], 1.0 / (others + 1) as f64));
        }
    }

    /// The order of the test rows and the numbering of users change nothing.
    #[test]
    fn row_order_and_user_numbering_do_not_matter(case in case_strategy(), seed in any::<u64>()) {
        let (model, train, test) = case.data();
        let cfg = RankingConfig::default();
        let base = evaluate_ranking(&model, &train, &test, &cfg);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);

        let mut shuffled = case.test.clone();
        shuffled.shuffle(&mut rng);
        let test2 = Interactions::from_index_triplets(case.n_users, case.n_items, &shuffled).unwrap();
        let again = evaluate_ranking(&model, &train, &test2, &cfg);
        prop_assert_eq!(base.as_ref().ok().map(fingerprint), again.as_ref().ok().map(fingerprint));

        let mut perm: Vec<u32> = (0..case.n_users as u32).collect();
        perm.shuffle(&mut rng);
        let relabel = |rows: &[(u32, u32, f32)]| -> Vec<(u32, u32, f32)> {
            rows.iter().map(|&(u, i, v)| (perm[u as usize], i, v)).collect()
        };
        let mut scores = vec![0.0; case.scores.len()];
        for (u, &to_user) in perm.iter().enumerate() {
            let to = to_user as usize * case.n_items;
            scores[to..to + case.n_items].copy_from_slice(&case.scores[u * case.n_items..(u + 1) * case.n_items]);
        }
        let permuted = Case { scores, train: relabel(&case.train), test: relabel(&case.test), ..case };
        let (pm, ptrain, ptest) = permuted.data();
        let other = evaluate_ranking(&pm, &ptrain, &ptest, &cfg);
        match (base, other) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.users_evaluated, b.users_evaluated);
                for ((na, va), (nb, vb)) in a.values.iter().zip(&b.values) {
                    prop_assert_eq!(na, nb);
                    prop_assert!((va - vb).abs() < 1e-12 || (va.is_nan() && vb.is_nan()));
                }
            }
            (Err(_), Err(_)) => {}
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a.is_ok(), b.is_ok()),
        }
    }

    /// Evaluating a subset of users equals evaluating a test set holding only them.
    #[test]
    fn a_user_subset_equals_a_filtered_test_set(case in case_strategy(), pick in any::<u64>()) {
        let (model, train, test) = case.data();
        let chosen: Vec<UserIdx> = (0..case.n_users as u32).filter(|u| pick >> (u % 64) & 1 == 1).map(UserIdx).collect();
        let filtered = test.filter(|u, _, _, _| chosen.contains(&u));
        let cfg = RankingConfig { users: Some(chosen.clone()), ..RankingConfig::default() };
        let a = evaluate_ranking(&model, &train, &test, &cfg);
        let b = evaluate_ranking(&model, &train, &filtered, &RankingConfig::default());
        match (a, b) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(fingerprint(&a).0, fingerprint(&b).0);
                prop_assert_eq!(a.users_evaluated, b.users_evaluated);
            }
            (Err(_), Err(_)) => {}
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a.is_ok(), b.is_ok()),
        }
    }
}

/// A larger random case (more users than one parallel block).
fn big_case(n_users: usize, n_items: usize, seed: u64) -> Case {
    big_case_with(n_users, n_items, seed, 1)
}

/// Cells: 3 in 10 train, `test_tenths` in 10 test.
fn big_case_with(n_users: usize, n_items: usize, seed: u64, test_tenths: u32) -> Case {
    use rand::Rng;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let scores = (0..n_users * n_items)
        .map(|_| rng.random_range(-8i8..8))
        .collect();
    let cells = (0..n_users * n_items)
        .map(|_| match rng.random_range(0..10u32) {
            0..=2 => 1,
            c if c < 3 + test_tenths => 2,
            _ => 0,
        })
        .collect();
    Case::new(n_users, n_items, scores, cells)
}

#[test]
fn parallel_results_equal_single_threaded_and_the_reference() {
    let case = big_case(300, 40, 1);
    let (model, train, test) = case.data();
    let cfg = RankingConfig {
        per_user: true,
        ..RankingConfig::default()
    };
    let one = with_threads(1, || evaluate_ranking(&model, &train, &test, &cfg).unwrap());
    let three = with_threads(3, || evaluate_ranking(&model, &train, &test, &cfg).unwrap());
    assert_eq!(fingerprint(&one), fingerprint(&three));
    assert_eq!(one.per_user, three.per_user);
    let want = reference(&case, &[5, 10, 20], true, true);
    assert_eq!(one.users_evaluated, want.evaluated);
    for (name, v) in &one.values {
        assert!(
            close(*v, want.values[name]),
            "{name}: {v} vs {}",
            want.values[name]
        );
    }
    let sampled_cfg = SampledConfig::new(7, 3);
    let s1 = with_threads(1, || {
        evaluate_sampled(&model, &train, &test, &sampled_cfg).unwrap()
    });
    let s3 = with_threads(3, || {
        evaluate_sampled(&model, &train, &test, &sampled_cfg).unwrap()
    });
    assert_eq!(fingerprint(&s1), fingerprint(&s3));
}

/// Many relevant items (AUC by binary searches instead of sweeps) and a cutoff above the
/// insertion limit (top-k by selection) agree with the reference too.
#[test]
fn long_lists_agree_with_the_reference() {
    let case = big_case_with(30, 400, 4, 4);
    let (model, train, test) = case.data();
    assert!((0..30).any(|u| test.user_degree(UserIdx(u)) > crate::metrics::auc::SWEEP_LIMIT));
    let cutoffs = [3, 150, 1000];
    let cfg = RankingConfig::with_cutoffs(&cutoffs);
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    let want = reference(&case, &cutoffs, true, true);
    for (name, v) in &m.values {
        assert!(
            close(*v, want.values[name]),
            "{name}: {v} vs {}",
            want.values[name]
        );
    }
}

// ------------------------------------------------------------------------------------
// Sampled protocol.

#[test]
fn sampled_protocol_hand_computed() {
    // 1 user, 5 items: train {0}, test {1, 2}; free items {3, 4} are fewer than the 10
    // negatives asked for, so both are the negatives of each test item.
    // scores [9, 4, 2, 3, 1]
    //   t = 1 (4): negatives 3 (3), 4 (1) → rank 1, AUC 2/2
    //   t = 2 (2): item 3 (3) ranks before → rank 2, AUC 1/2
    let model = ScoreTable::new(1, 5, vec![9.0, 4.0, 2.0, 3.0, 1.0]);
    let train = Interactions::from_index_triplets(1, 5, &[(0, 0, 1.0)]).unwrap();
    let test = Interactions::from_index_triplets(1, 5, &[(0, 1, 1.0), (0, 2, 1.0)]).unwrap();
    let cfg = SampledConfig {
        cutoffs: vec![1, 2],
        ..SampledConfig::new(10, 1)
    };
    let m = evaluate_sampled(&model, &train, &test, &cfg).unwrap();
    assert_eq!(m.protocol, "sampled(10)");
    assert_values(
        &m,
        &[
            ("sampled_hit_rate@1", 0.5), // (1 + 0) / 2
            ("sampled_hit_rate@2", 1.0), // (1 + 1) / 2
            ("sampled_ndcg@1", 0.5),     // (1 + 0) / 2
            ("sampled_ndcg@2", (1.0 + 1.0 / 3f64.log2()) / 2.0),
            ("sampled_mrr", 0.75), // (1 + 1/2) / 2
            ("sampled_auc", 0.75), // (1 + 1/2) / 2
        ],
    );
    assert_eq!(m.values.len(), 6);
}

#[test]
fn sampled_protocol_counts_unrankable_relevant_items_as_misses() {
    // The hand case above (user 0: t = 1 at rank 1 with AUC 1, t = 2 at rank 2 with AUC
    // ½) plus one relevant item the model does not know: a third test item with hit rate,
    // NDCG, reciprocal rank and AUC 0, so every mean is over 3 items.
    let model = ScoreTable::new(2, 5, [[9.0, 4.0, 2.0, 3.0, 1.0]; 2].concat());
    let train = Interactions::from_index_triplets(2, 5, &[(0, 0, 1.0), (1, 0, 1.0)]).unwrap();
    let test = Interactions::from_index_triplets(2, 5, &[(0, 1, 1.0), (0, 2, 1.0)]).unwrap();
    let cfg = SampledConfig {
        cutoffs: vec![1, 2],
        unrankable: vec![1, 0],
        ..SampledConfig::new(10, 1)
    };
    let m = evaluate_sampled(&model, &train, &test, &cfg).unwrap();
    assert_values(
        &m,
        &[
            ("sampled_hit_rate@1", 1.0 / 3.0),
            ("sampled_hit_rate@2", 2.0 / 3.0),
            ("sampled_ndcg@1", 1.0 / 3.0),
            ("sampled_ndcg@2", (1.0 + 1.0 / 3f64.log2()) / 3.0),
            ("sampled_mrr", 1.5 / 3.0),
            ("sampled_auc", 1.5 / 3.0),
        ],
    );
    assert_eq!(m.unrankable_relevant, 1);
    assert_eq!(m.users_evaluated, 1);

    // A user whose only relevant item is unknown is evaluated with every value 0 (user 1
    // has no test row), and the macro average takes it in.
    let cfg = SampledConfig {
        cutoffs: vec![1],
        unrankable: vec![0, 1],
        ..SampledConfig::new(10, 1)
    };
    let m = evaluate_sampled(&model, &train, &test, &cfg).unwrap();
    assert_eq!(m.users_evaluated, 2);
    assert_eq!(m.unrankable_relevant, 1);
    // User 0: hit@1 (1 + 0) / 2, AUC (1 + ½) / 2; user 1: 0 and 0.
    assert_values(&m, &[("sampled_hit_rate@1", 0.25), ("sampled_auc", 0.375)]);

    // Counts for a user the model does not know are refused, naming the setting.
    let cfg = SampledConfig {
        unrankable: vec![0, 0, 2],
        ..SampledConfig::new(10, 1)
    };
    assert!(matches!(
        evaluate_sampled(&model, &train, &test, &cfg).unwrap_err(),
        EvalError::InvalidParameter {
            name: "unrankable",
            ..
        }
    ));
}

#[test]
fn sampled_negatives_are_never_interacted_items() {
    // Training items score 100 and test items 50, every other item below 10. If a
    // training item or another test item were drawn as a negative, some test item would
    // rank below first (ties among test items go to the lower index).
    let n_users = 80;
    let n_items = 150;
    let mut case = big_case(n_users, n_items, 9);
    // Make some users dense (> half the catalog) so the shuffle path is used too.
    for u in 0..10u32 {
        for i in 0..(n_items as u32 * 3 / 4) {
            if !case.test.iter().any(|r| r.0 == u && r.1 == i)
                && !case.train.iter().any(|r| r.0 == u && r.1 == i)
            {
                case.train.push((u, i, 1.0));
            }
        }
    }
    for s in case.scores.iter_mut() {
        *s = s.abs();
    }
    for &(u, i, _) in &case.train {
        case.scores[u as usize * n_items + i as usize] = 100.0;
    }
    for &(u, i, _) in &case.test {
        case.scores[u as usize * n_items + i as usize] = 50.0;
    }
    let (model, train, test) = case.data();
    for n_neg in [5, 30] {
        let m = evaluate_sampled(&model, &train, &test, &SampledConfig::new(n_neg, 11)).unwrap();
        for (name, v) in &m.values {
            assert_eq!(*v, 1.0, "{name} with {n_neg} negatives");
        }
    }
}

#[test]
fn sampled_results_are_per_user_streams() {
    // A user's result does not depend on which other users are evaluated.
    let case = big_case(100, 60, 5);
    let (model, train, test) = case.data();
    let cfg = SampledConfig {
        per_user: true,
        ..SampledConfig::new(10, 77)
    };
    let all = evaluate_sampled(&model, &train, &test, &cfg).unwrap();
    let rows = all.per_user.unwrap().rows;
    for row in rows.iter().step_by(13) {
        let u: u32 = row.user.parse().unwrap();
        let one = evaluate_sampled(
            &model,
            &train,
            &test,
            &SampledConfig {
                users: Some(vec![UserIdx(u)]),
                ..cfg.clone()
            },
        )
        .unwrap();
        assert_eq!(one.per_user.unwrap().rows[0], *row);
    }
    // Another seed draws other negatives.
    let other = evaluate_sampled(&model, &train, &test, &SampledConfig::new(10, 78)).unwrap();
    assert_ne!(other.values, all.values);
    assert!(matches!(
        evaluate_sampled(&model, &train, &test, &SampledConfig::new(0, 1)),
        Err(EvalError::InvalidParameter {
            name: "n_negatives",
            ..
        })
    ));
}

proptest! {
    /// With more negatives asked for than free items, every free item is a negative: the
    /// sampled protocol then equals this plain computation.
    #[test]
    fn sampled_protocol_without_sampling_matches_a_plain_count(case in case_strategy()) {
        let (model, train, test) = case.data();
        let cfg = SampledConfig { cutoffs: vec![1, 3], ..SampledConfig::new(1000, 5) };
        let n = case.n_items;
        let mut per_user: Vec<[f64; 6]> = Vec::new();
        for u in 0..case.n_users {
            let test_u = Case::items_of(&case.test, u);
            let train_u = Case::items_of(&case.train, u);
            if test_u.is_empty() || train_u.is_empty() {
                continue;
            }
            let score = |i: usize| case.scores[u * n + i];
            let negatives: Vec<usize> = (0..n).filter(|i| !test_u.contains(i) && !train_u.contains(i)).collect();
            let mut sums = [0.0; 6];
            let mut n_auc = 0.0;
            for &t in &test_u {
                let st = score(t);
                let rank = 1 + negatives.iter().filter(|&&i| score(i) > st || (score(i) == st && i < t)).count();
                let below = negatives.iter().filter(|&&i| score(i) < st).count() as f64;
                let tied = negatives.iter().filter(|&&i| score(i) == st).count() as f64;
                for (c, k) in [1usize, 3].into_iter().enumerate() {
                    if rank <= k {
                        sums[c] += 1.0;
                        sums[2 + c] += 1.0 / ((rank + 1) as f64).log2();
                    }
                }
                sums[4] += 1.0 / rank as f64;
                if !negatives.is_empty() {
                    sums[5] += (below + 0.5 * tied) / negatives.len() as f64;
                    n_auc += 1.0;
                }
            }
            let m = test_u.len() as f64;
            for s in &mut sums[..5] {
                *s /= m;
            }
            sums[5] = if n_auc > 0.0 { sums[5] / n_auc } else { f64::NAN };
            per_user.push(sums);
        }
        match evaluate_sampled(&model, &train, &test, &cfg) {
            Err(EvalError::Nothing(_)) => prop_assert!(per_user.is_empty()),
            Err(e) => prop_assert!(false, "{e}"),
            Ok(m) => {
                prop_assert_eq!(m.users_evaluated, per_user.len());
                for (s, (name, v)) in m.values.iter().enumerate() {
                    let defined: Vec<f64> = per_user.iter().map(|r| r[s]).filter(|x| !x.is_nan()).collect();
                    let want = defined.iter().sum::<f64>() / defined.len() as f64;
                    prop_assert!(close(*v, want), "{}: got {}, want {}", name, v, want);
                    prop_assert!(v.is_nan() || (0.0..=1.0).contains(v));
                }
            }
        }
    }
}

/// A table model that only scores users in blocks: its one-user `score_into` panics, so a
/// full ranking that falls back to it (or scores a skipped user) fails.
struct BlockOnly(ScoreTable);

impl rustrec_core::Recommender for BlockOnly {
    fn kind(&self) -> &'static str {
        "block-only"
    }
    fn user_ids(&self) -> &std::sync::Arc<rustrec_data::IdMap> {
        self.0.user_ids()
    }
    fn item_ids(&self) -> &std::sync::Arc<rustrec_data::IdMap> {
        self.0.item_ids()
    }
    fn score_into(&self, user: UserIdx, _out: &mut [f32]) {
        panic!("user {} scored alone", user.0);
    }
    fn score_users_into(&self, users: &[UserIdx], out: &mut [f32]) {
        let n = self.n_items();
        for (&u, row) in users.iter().zip(out.chunks_exact_mut(n)) {
            row.copy_from_slice(self.0.row(u.index()));
        }
    }
}

#[test]
fn full_ranking_scores_blocks_of_users_and_reads_each_users_own_row() {
    // 150 users (three blocks), 30 items; every third user has no test item (skipped).
    let (n_users, n_items) = (150usize, 30usize);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let scores: Vec<f32> = (0..n_users * n_items)
        .map(|k| ((k * 7919) % 1013) as f32 / 1013.0)
        .collect();
    let mut train_rows = Vec::new();
    let mut test_rows = Vec::new();
    for u in 0..n_users as u32 {
        let mut items: Vec<u32> = (0..n_items as u32).collect();
        items.shuffle(&mut rng);
        train_rows.extend(items[..5].iter().map(|&i| (u, i, 1.0)));
        if u % 3 != 0 {
            test_rows.extend(items[5..8].iter().map(|&i| (u, i, 1.0)));
        }
    }
    let train = Interactions::from_index_triplets(n_users, n_items, &train_rows).unwrap();
    let test = Interactions::from_index_triplets(n_users, n_items, &test_rows).unwrap();
    let cfg = RankingConfig {
        per_user: true,
        ..RankingConfig::with_cutoffs(&[5, 10])
    };
    let one_by_one = evaluate_ranking(
        &ScoreTable::new(n_users, n_items, scores.clone()),
        &train,
        &test,
        &cfg,
    )
    .unwrap();
    let blocked = evaluate_ranking(
        &BlockOnly(ScoreTable::new(n_users, n_items, scores)),
        &train,
        &test,
        &cfg,
    )
    .unwrap();
    assert_eq!(one_by_one.users_evaluated, 100);
    assert_eq!(format!("{one_by_one:?}"), format!("{blocked:?}"));
}

/// Regression: relevant test items the model does not know were dropped before ranking, so
/// a user with two relevant items, one of them unknown, scored recall 1.0 on the one left.
/// They now count as misses.
///
/// 2 users × 4 items, scores of user 0: [9, 1, 5, 7].
/// * user 0: train {0}, test {2}, plus 1 unknown relevant item;
/// * user 1: train {1}, no test item the model knows, 1 unknown relevant item.
#[test]
fn unknown_relevant_items_count_as_misses() {
    #[rustfmt::skip]
    let scores = vec![
        9.0, 1.0, 5.0, 7.0,
        4.0, 3.0, 2.0, 1.0,
    ];
    let model = ScoreTable::new(2, 4, scores);
    let train = Interactions::from_index_triplets(2, 4, &[(0, 0, 1.0), (1, 1, 1.0)]).unwrap();
    let test = Interactions::from_index_triplets(2, 4, &[(0, 2, 1.0)]).unwrap();
    let cfg = RankingConfig {
        cutoffs: vec![1, 2],
        per_user: true,
        unrankable: vec![1, 1],
        ..RankingConfig::default()
    };
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    assert_eq!(m.users_evaluated, 2);
    assert_eq!(m.users_skipped_no_test, 0);
    assert_eq!(m.unrankable_relevant, 2);
    let per_user = m.per_user.as_ref().unwrap();
    assert_eq!(per_user.rows.len(), 2);
    assert_eq!((per_user.rows[0].n_test, per_user.rows[1].n_test), (2, 1));
    let user = |name: &str, u: usize| per_user.column(name).unwrap()[u];
    // User 0: candidates 3 (7), 2 (5), 1 (1): the known relevant item 2 at rank 2, the
    // unknown one never ranked; 2 relevant items in all.
    //   recall@2 = 1/2 (not 1/1), recall_capped@2 = 1/min(2, 2), map@2 = (1/2)/min(2, 2),
    //   ndcg@2 = (1/log2 3) / (1 + 1/log2 3) = 0.386853 (IDCG over 2 relevant items),
    //   precision@2 = 1/2, hit_rate@2 = 1, mrr = 1/2, and the AUC counts the unknown
    //   item's pairs with the 2 non-relevant candidates as lost: (1 + 0) / (2 · 2).
    let d3 = 1.0 / 3f64.log2();
    for (name, want) in [
        ("recall@1", 0.0),
        ("recall@2", 0.5),
        ("recall_capped@2", 0.5),
        ("map@2", 0.25),
        ("ndcg@1", 0.0),
        ("ndcg@2", d3 / (1.0 + d3)),
        ("precision@2", 0.5),
        ("hit_rate@2", 1.0),
        ("mrr", 0.5),
        ("auc", 0.25),
    ] {
        assert!(
            close(user(name, 0), want),
            "user 0 {name}: {}",
            user(name, 0)
        );
    }
    assert!((user("ndcg@2", 0) - 0.386853).abs() < 1e-6);
    // User 1: its only relevant item is unknown: evaluated, every metric 0 (it had been left
    // out as a user without a test item).
    for name in [
        "recall@2",
        "recall_capped@2",
        "map@2",
        "ndcg@2",
        "precision@2",
        "hit_rate@2",
        "mrr",
        "auc",
    ] {
        assert_eq!(user(name, 1), 0.0, "user 1 {name}");
    }
    assert_values(
        &m,
        &[
            ("recall@2", 0.25),
            ("ndcg@2", d3 / (1.0 + d3) / 2.0),
            ("auc", 0.125),
        ],
    );
    assert_eq!(m.auc_users, 2);

    // Without the counts, the same test data gives the inflated figures of before.
    let before = evaluate_ranking(
        &model,
        &train,
        &test,
        &RankingConfig {
            unrankable: Vec::new(),
            ..cfg.clone()
        },
    )
    .unwrap();
    assert_eq!(before.users_evaluated, 1);
    assert_values(&before, &[("recall@2", 1.0), ("ndcg@2", d3), ("auc", 0.5)]);
}

/// An unknown relevant item of a user without a non-relevant candidate leaves the AUC
/// undefined, as for any user without one.
#[test]
fn unknown_relevant_items_leave_auc_undefined_without_negatives() {
    // 1 user × 2 items: train {0}, test {1}: the only candidate is relevant.
    let model = ScoreTable::new(1, 2, vec![1.0, 2.0]);
    let train = Interactions::from_index_triplets(1, 2, &[(0, 0, 1.0)]).unwrap();
    let test = Interactions::from_index_triplets(1, 2, &[(0, 1, 1.0)]).unwrap();
    let cfg = RankingConfig {
        cutoffs: vec![1],
        unrankable: vec![3],
        ..RankingConfig::default()
    };
    let m = evaluate_ranking(&model, &train, &test, &cfg).unwrap();
    assert_eq!(m.auc_users, 0);
    assert!(m.get("auc").unwrap().is_nan());
    assert_values(&m, &[("recall@1", 0.25), ("precision@1", 1.0)]);
}

#[test]
fn unrankable_counts_for_users_the_model_does_not_know_are_refused() {
    let (model, train, test) = hand_case();
    let cfg = RankingConfig {
        unrankable: vec![0, 0, 0, 0, 2],
        ..RankingConfig::default()
    };
    let err = evaluate_ranking(&model, &train, &test, &cfg)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unrankable") && err.contains("user index 4"),
        "{err}"
    );
    // Zeros beyond the model's users say nothing and are accepted.
    let cfg = RankingConfig {
        unrankable: vec![0; 9],
        ..RankingConfig::default()
    };
    assert!(evaluate_ranking(&model, &train, &test, &cfg).is_ok());
}

/// The sampled protocol's seed chooses the negatives: another seed draws another sample
/// (other figures), the same seed the same figures; the seed is reported.
#[test]
fn sampled_seed_chooses_the_negatives_and_is_reported() {
    let (n_users, n_items) = (40usize, 200usize);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let scores: Vec<f32> = (0..n_users * n_items)
        .map(|_| rand::Rng::random::<f32>(&mut rng))
        .collect();
    let model = ScoreTable::new(n_users, n_items, scores);
    let mut train_rows = Vec::new();
    let mut test_rows = Vec::new();
    for u in 0..n_users as u32 {
        let mut items: Vec<u32> = (0..n_items as u32).collect();
        items.shuffle(&mut rng);
        train_rows.extend(items[..10].iter().map(|&i| (u, i, 1.0)));
        test_rows.extend(items[10..13].iter().map(|&i| (u, i, 1.0)));
    }
    let train = Interactions::from_index_triplets(n_users, n_items, &train_rows).unwrap();
    let test = Interactions::from_index_triplets(n_users, n_items, &test_rows).unwrap();
    let run =
        |seed| evaluate_sampled(&model, &train, &test, &SampledConfig::new(20, seed)).unwrap();
    let (a, again, b) = (run(1), run(1), run(2));
    assert_eq!((a.seed, b.seed), (Some(1), Some(2)));
    assert_eq!(fingerprint(&a), fingerprint(&again));
    assert_ne!(a.get("sampled_auc"), b.get("sampled_auc"));
    let json: serde_json::Value = serde_json::from_str(&b.to_json()).unwrap();
    assert_eq!(json["seed"], 2);
    assert_eq!(json["protocol"], "sampled(20)");
}
