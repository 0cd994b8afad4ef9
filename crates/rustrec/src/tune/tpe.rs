//! The tree-structured Parzen estimator (Bergstra, Bardenet, Bengio & Kégl 2011,
//! "Algorithms for hyper-parameter optimization"), through the `tpe` crate.
//!
//! TPE models `p(x | good)` and `p(x | bad)` instead of `p(y | x)`: the finished trials are
//! split at the `γ` quantile of their values, each group's parameter values are smoothed into
//! a density (a Parzen window of Gaussians for numbers, a histogram for choices, each with a
//! prior), and the next value is, among `candidates` draws from the good density, the one
//! that maximises `l(x)/g(x)` — which maximises expected improvement (Bergstra et al. §4).
//!
//! The `tpe` crate (by Takeru Ohta, an Optuna developer) implements the univariate estimator
//! with this ask/tell design; parameters are modelled independently, as in the paper and in
//! Optuna's default `TPESampler`. This module adds what a study needs around it:
//! * the first `startup` trials are random ([`super::samplers::random_params`]), as
//!   Optuna's `n_startup_trials = 10`;
//! * the crate sorts what it is told by value; it is told each trial's *rank* in
//!   [`super::samplers::ranked`] (complete trials by value, then pruned ones, then failed
//!   ones), so that maximised objectives, pruned trials and failed trials (a divergent learning
//!   rate, a bad region) all fall on the right side of the split — failed trials count as the
//!   worst, which steers the search away from where they failed;
//! * a parameter is told in its internal coordinates ([`super::space`]: log scale with
//!   `log = true`, integers widened by ½, choices by index);
//! * the estimators are rebuilt from the whole history at every suggestion and sampled with a
//!   generator seeded from the study seed and the trial number, so a suggestion depends only
//!   on (seed, number, history): resumed and uninterrupted searches agree.
//!
//! Settings follow Optuna: `γ = 0.1` (the crate's fixed fraction; Optuna caps the good group
//! at 25 trials), 24 candidates.

use rand_010::SeedableRng;
use rand_010::rngs::Xoshiro256PlusPlus;
use serde_json::{Map, Value};
use tpe::{TpeOptimizerBuilder, categorical_range, histogram_estimator, parzen_estimator, range};

use super::samplers::{Direction, random_params, ranked, trial_seed};
use super::space::{Domain, SearchSpace};
use super::trial_log::TrialRecord;
use crate::experiment::{ExperimentError, Result};

/// Settings of the TPE sampler.
#[derive(Clone, Debug, PartialEq)]
pub struct TpeSettings {
    /// Random trials before TPE takes over.
    pub startup: usize,
    /// Fraction of the trials that form the good group.
    pub gamma: f64,
    /// Candidates drawn from the good density per suggestion.
    pub candidates: usize,
}

impl Default for TpeSettings {
    fn default() -> Self {
        TpeSettings {
            startup: 10,
            gamma: 0.1,
            candidates: 24,
        }
    }
}

fn failure(e: impl std::fmt::Display) -> ExperimentError {
    ExperimentError::Config(format!("TPE: {e}"))
}

/// The parameters of trial `number` (see the module docs).
pub fn suggest(
    settings: &TpeSettings,
    space: &SearchSpace,
    history: &[TrialRecord],
    number: usize,
    seed: u64,
    direction: Direction,
) -> Result<Map<String, Value>> {
    if history.len() < settings.startup.max(1) {
        let mut rng = <rand_xoshiro::Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(
            trial_seed(seed, number),
        );
        return Ok(random_params(space, &mut rng));
    }
    let order = ranked(history, direction);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(trial_seed(seed, number));
    let mut builder = TpeOptimizerBuilder::new();
    builder
        .gamma(settings.gamma)
        .candidates(settings.candidates);
    let mut params = Map::new();
    for p in &space.params {
        let (a, b) = p.internal_range();
        let x = match &p.domain {
            Domain::Choice { values } => {
                let mut opt = builder
                    .build(
                        histogram_estimator(),
                        categorical_range(values.len()).map_err(failure)?,
                    )
                    .map_err(failure)?;
                for (rank, t) in order.iter().enumerate() {
                    if let Some(x) = t.params.get(&p.name).and_then(|v| p.to_internal(v)) {
                        opt.tell(x, rank as f64).map_err(failure)?;
                    }
                }
                match opt.ask(&mut rng) {
                    Ok(x) => x,
                    Err(never) => match never {},
                }
            }
            _ => {
                let mut opt = builder
                    .build(parzen_estimator(), range(a, b).map_err(failure)?)
                    .map_err(failure)?;
                for (rank, t) in order.iter().enumerate() {
                    if let Some(x) = t.params.get(&p.name).and_then(|v| p.to_internal(v)) {
                        opt.tell(x, rank as f64).map_err(failure)?;
                    }
                }
                match opt.ask(&mut rng) {
                    Ok(x) => x,
                    Err(never) => match never {},
                }
            }
        };
        params.insert(p.name.clone(), p.from_internal(x));
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::samplers::Sampler;
    use crate::tune::trial_log::TrialState;

    fn space() -> SearchSpace {
        SearchSpace::from_toml(
            "[x]\ntype = \"float\"\nlow = -5.0\nhigh = 5.0\n\
             [lr]\ntype = \"float\"\nlow = 1e-5\nhigh = 1.0\nlog = true\n\
             [c]\ntype = \"choice\"\nvalues = [\"bad\", \"good\", \"worse\"]",
        )
        .unwrap()
    }

    /// A bowl with its minimum at x = 1.5, lr = 1e-2, c = "good".
    fn objective(p: &Map<String, Value>) -> f64 {
        let x = p["x"].as_f64().unwrap();
        let lr = p["lr"].as_f64().unwrap();
        let c = match p["c"].as_str().unwrap() {
            "good" => 0.0,
            "bad" => 1.0,
            _ => 2.0,
        };
        (x - 1.5).powi(2) + (lr.log10() + 2.0).powi(2) + c
    }

    fn search(sampler: &Sampler, seed: u64, trials: usize) -> Vec<TrialRecord> {
        let s = space();
        let mut history = Vec::new();
        for n in 0..trials {
            let params = sampler
                .suggest(&s, &history, n, seed, Direction::Minimize)
                .unwrap()
                .unwrap();
            let value = objective(&params);
            history.push(TrialRecord {
                number: n,
                params,
                value: Some(value),
                state: TrialState::Complete,
                epochs: 0,
                seconds: 0.0,
                intermediate: vec![],
                error: None,
            });
        }
        history
    }

    fn best(h: &[TrialRecord]) -> f64 {
        h.iter()
            .filter_map(|t| t.value)
            .fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn tpe_beats_random_search_on_a_bowl() {
        let tpe = Sampler::Tpe(TpeSettings::default());
        let (mut tpe_wins, mut tpe_total, mut random_total) = (0, 0.0, 0.0);
        for seed in 0..8 {
            let t = best(&search(&tpe, seed, 60));
            let r = best(&search(&Sampler::Random, seed, 60));
            tpe_total += t;
            random_total += r;
            if t < r {
                tpe_wins += 1;
            }
        }
        assert!(
            tpe_wins >= 6,
            "TPE won {tpe_wins} of 8 ({tpe_total} vs {random_total})"
        );
        assert!(
            tpe_total < 0.8 * random_total,
            "{tpe_total} vs {random_total}"
        );
    }

    #[test]
    fn tpe_concentrates_its_later_trials_near_the_optimum() {
        let h = search(&Sampler::Tpe(TpeSettings::default()), 3, 80);
        let late_good = h[40..].iter().filter(|t| t.params["c"] == "good").count();
        assert!(
            late_good >= 25,
            "{late_good} of 40 late trials chose the good value"
        );
        let mean_late: f64 = h[40..].iter().map(|t| t.value.unwrap()).sum::<f64>() / 40.0;
        let mean_start: f64 = h[..10].iter().map(|t| t.value.unwrap()).sum::<f64>() / 10.0;
        assert!(mean_late < mean_start, "{mean_late} vs {mean_start}");
    }

    #[test]
    fn suggestions_depend_only_on_seed_number_and_history() {
        let tpe = Sampler::Tpe(TpeSettings::default());
        let a = search(&tpe, 11, 25);
        let b = search(&tpe, 11, 25);
        assert_eq!(a, b);
        // Resuming from the first 20 trials gives the same 21st.
        let next = tpe
            .suggest(&space(), &a[..20], 20, 11, Direction::Minimize)
            .unwrap()
            .unwrap();
        assert_eq!(next, a[20].params);
        let other = search(&tpe, 12, 25);
        assert_ne!(a, other);
    }

    #[test]
    fn failed_trials_count_as_the_worst() {
        // Every trial with lr above 0.1 fails; TPE learns to stay below.
        let s = space();
        let tpe = Sampler::Tpe(TpeSettings::default());
        let mut history: Vec<TrialRecord> = Vec::new();
        for n in 0..60 {
            let params = tpe
                .suggest(&s, &history, n, 5, Direction::Minimize)
                .unwrap()
                .unwrap();
            let lr = params["lr"].as_f64().unwrap();
            let (value, state) = if lr > 0.1 {
                (None, TrialState::Failed)
            } else {
                (Some(objective(&params)), TrialState::Complete)
            };
            history.push(TrialRecord {
                number: n,
                params,
                value,
                state,
                epochs: 0,
                seconds: 0.0,
                intermediate: vec![],
                error: None,
            });
        }
        let late_failures = history[30..]
            .iter()
            .filter(|t| t.state == TrialState::Failed)
            .count();
        let early_failures = history[..10]
            .iter()
            .filter(|t| t.state == TrialState::Failed)
            .count();
        assert!(
            late_failures <= 3,
            "{late_failures} late failures ({early_failures} early)"
        );
    }
}
