//! Parameter importance: how much of the spread of the objective each parameter explains.
//!
//! Method: for each parameter, the complete trials are grouped by the parameter's value —
//! a choice by value, a number into (at most) [`BINS`] bins of equal counts over its internal
//! coordinate (so on the log scale for `log = true`) — and the importance is the correlation
//! ratio `η² = Σ_bins n_b (ȳ_b − ȳ)² / Σ_trials (y − ȳ)²`: the share of the objective's
//! variance explained by the binned values, from 0 (the objective does not move with the
//! parameter) to 1. Each parameter is judged alone (interactions are not separated), and with
//! few trials η² is biased upwards (a bin mean fits noise); the report shows it with the
//! number of trials it comes from. It is a cheap first look, not fANOVA (Hutter et al. 2014,
//! Optuna's default), which fits a random forest over all parameters together.

use super::space::SearchSpace;
use super::trial_log::{TrialRecord, TrialState};

/// Bins of a numeric parameter.
pub const BINS: usize = 4;

/// One parameter's importance.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Importance {
    /// The parameter.
    pub name: String,
    /// η², the share of variance explained by the binned values.
    pub eta_squared: f64,
    /// Groups the trials fell into.
    pub groups: usize,
}

/// The importance of every parameter of `space` over the complete trials of `history`
/// (ordered as the space); empty with fewer than 3 complete trials.
pub fn importance(space: &SearchSpace, history: &[TrialRecord]) -> Vec<Importance> {
    let trials: Vec<&TrialRecord> = history
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.value.is_some_and(f64::is_finite))
        .collect();
    if trials.len() < 3 {
        return Vec::new();
    }
    let y: Vec<f64> = trials.iter().filter_map(|t| t.value).collect();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let total: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    space
        .params
        .iter()
        .map(|p| {
            let x: Vec<f64> = trials
                .iter()
                .map(|t| {
                    t.params
                        .get(&p.name)
                        .and_then(|v| p.to_internal(v))
                        .unwrap_or(f64::NAN)
                })
                .collect();
            let groups = group(&x, matches!(p.domain, super::space::Domain::Choice { .. }));
            let n_groups = groups.iter().copied().max().map_or(0, |g| g + 1);
            let mut sums = vec![(0.0, 0usize); n_groups];
            for (&g, &v) in groups.iter().zip(&y) {
                sums[g].0 += v;
                sums[g].1 += 1;
            }
            let between: f64 = sums
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| {
                    let m = s / *n as f64;
                    *n as f64 * (m - mean) * (m - mean)
                })
                .sum();
            Importance {
                name: p.name.clone(),
                eta_squared: if total > 0.0 {
                    (between / total).clamp(0.0, 1.0)
                } else {
                    0.0
                },
                groups: sums.iter().filter(|(_, n)| *n > 0).count(),
            }
        })
        .collect()
}

/// The group of each value: distinct values of a choice, or equal-count bins of numbers
/// (equal values stay in one bin).
fn group(x: &[f64], categorical: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0; x.len()];
    if categorical {
        let mut g = 0;
        for w in 0..order.len() {
            if w > 0 && x[order[w]] != x[order[w - 1]] {
                g += 1;
            }
            out[order[w]] = g;
        }
        return out;
    }
    let bins = BINS.min(x.len()).max(1);
    let mut g = 0;
    for (rank, &k) in order.iter().enumerate() {
        let want = rank * bins / x.len();
        if want > g && (rank == 0 || x[k] != x[order[rank - 1]]) {
            g = want;
        }
        out[k] = g;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value};

    #[test]
    fn the_parameter_that_drives_the_objective_explains_most_of_it() {
        let space = SearchSpace::from_toml(
            "[a]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\n[b]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\n\
             [c]\ntype = \"choice\"\nvalues = [1, 2]",
        )
        .unwrap();
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let mut history = Vec::new();
        for n in 0..200 {
            let a: f64 = rng.random();
            let b: f64 = rng.random();
            let c = if n % 2 == 0 { 1 } else { 2 };
            let mut params = Map::new();
            params.insert("a".into(), Value::from(a));
            params.insert("b".into(), Value::from(b));
            params.insert("c".into(), Value::from(c));
            history.push(TrialRecord {
                number: n,
                params,
                value: Some(10.0 * a + 0.1 * b + if c == 2 { 3.0 } else { 0.0 }),
                state: TrialState::Complete,
                epochs: 0,
                seconds: 0.0,
                intermediate: vec![],
                error: None,
            });
        }
        let imp = importance(&space, &history);
        assert_eq!(imp.len(), 3);
        let (a, b, c) = (imp[0].eta_squared, imp[1].eta_squared, imp[2].eta_squared);
        assert!(a > 0.6 && b < 0.05 && c > 0.1 && c < a, "{imp:?}");
        assert_eq!(imp[0].groups, BINS);
        assert_eq!(imp[2].groups, 2);
        assert!(importance(&space, &history[..2]).is_empty());
    }

    fn trial(number: usize, x: impl Into<Value>, value: f64) -> TrialRecord {
        let mut params = Map::new();
        params.insert("x".into(), x.into());
        TrialRecord {
            number,
            params,
            value: Some(value),
            state: TrialState::Complete,
            epochs: 0,
            seconds: 0.0,
            intermediate: vec![],
            error: None,
        }
    }

    #[test]
    fn eta_squared_matches_a_hand_computation() {
        // A choice: groups {1, 3} and {5, 7}; mean 4; total Σ(y − 4)² = 9 + 1 + 1 + 9 = 20;
        // between 2·(2 − 4)² + 2·(6 − 4)² = 16; η² = 16 / 20 = 0.8.
        let choice = SearchSpace::from_toml("[x]\ntype = \"choice\"\nvalues = [1, 2]").unwrap();
        let h = vec![
            trial(0, 1, 1.0),
            trial(1, 2, 5.0),
            trial(2, 1, 3.0),
            trial(3, 2, 7.0),
        ];
        let imp = importance(&choice, &h);
        assert!((imp[0].eta_squared - 0.8).abs() < 1e-12, "{imp:?}");
        assert_eq!(imp[0].groups, 2);
        // A number: 8 trials in 4 equal-count bins of the sorted values, {0.1, 0.2},
        // {0.3, 0.4}, {0.5, 0.6}, {0.7, 0.8}, with values 1, 2 | 3, 4 | 5, 6 | 7, 8: bin
        // means 1.5, 3.5, 5.5, 7.5 around 4.5; between 2·(9 + 1 + 1 + 9) = 40; total
        // Σ(y − 4.5)² = 42; η² = 40 / 42. Failed trials do not count.
        let number =
            SearchSpace::from_toml("[x]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0").unwrap();
        let mut h: Vec<TrialRecord> = [8, 3, 5, 1, 7, 2, 6, 4]
            .iter()
            .enumerate()
            .map(|(n, &k)| trial(n, k as f64 / 10.0, k as f64))
            .collect();
        h.push(TrialRecord {
            value: None,
            state: TrialState::Failed,
            ..trial(8, 0.15, 100.0)
        });
        let imp = importance(&number, &h);
        assert!((imp[0].eta_squared - 40.0 / 42.0).abs() < 1e-12, "{imp:?}");
        assert_eq!(imp[0].groups, 4);
    }
}
