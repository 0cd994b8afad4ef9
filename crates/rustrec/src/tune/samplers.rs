//! Samplers: what the next trial's parameters are.
//!
//! A sampler sees the space, the finished trials and the new trial's number, and returns
//! the parameters. Every random choice is drawn from a generator seeded by the study's seed
//! and the trial number, so the same seed, space and history give the same parameters —
//! which is what makes a search reproducible and a resumed search continue as an
//! uninterrupted one would.
//!
//! * [`Sampler::Random`]: each parameter uniform in its internal coordinates (log-uniform
//!   with `log = true`), independently.
//! * [`Sampler::Grid`]: the Cartesian product of every parameter's grid (see
//!   [`super::space`]), visited in a seeded random order (as Optuna's `GridSampler`), so
//!   that a search stopped early has spread over the grid; the search ends when the grid is
//!   exhausted.
//! * [`Sampler::Tpe`]: the tree-structured Parzen estimator ([`super::tpe`]), after
//!   `startup` random trials.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::{Map, Value};

use super::space::SearchSpace;
use super::tpe::TpeSettings;
use super::trial_log::{TrialRecord, TrialState};
use crate::experiment::{ExperimentError, Result};

/// Whether the objective is minimised or maximised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Smaller is better (RMSE, MAE).
    Minimize,
    /// Larger is better (nDCG, recall, AUC).
    Maximize,
}

impl Direction {
    /// The usual direction of a metric: `rmse`, `mae`, `mse`, `gini@k` and `loss` are
    /// minimised, every other metric maximised.
    pub fn of_metric(metric: &str) -> Self {
        let base = metric.split('@').next().unwrap_or(metric);
        if matches!(
            base,
            "rmse" | "mae" | "mse" | "gini" | "loss" | "train_loss"
        ) {
            Direction::Minimize
        } else {
            Direction::Maximize
        }
    }

    /// Whether `a` is better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Minimize => a < b,
            Direction::Maximize => a > b,
        }
    }

    /// `min` or `max`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Minimize => "min",
            Direction::Maximize => "max",
        }
    }

    /// `min`/`minimize` or `max`/`maximize`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "min" | "minimize" => Ok(Direction::Minimize),
            "max" | "maximize" => Ok(Direction::Maximize),
            other => Err(ExperimentError::Config(format!(
                "direction {other:?}: expected min or max"
            ))),
        }
    }
}

/// How the next parameters are chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum Sampler {
    /// Independent uniform (or log-uniform) draws.
    Random,
    /// The grid, in a seeded random order.
    Grid,
    /// TPE after random start-up trials.
    Tpe(TpeSettings),
}

impl Sampler {
    /// `random`, `grid` or `tpe` (TPE with its default settings).
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "random" => Ok(Sampler::Random),
            "grid" => Ok(Sampler::Grid),
            "tpe" => Ok(Sampler::Tpe(TpeSettings::default())),
            other => Err(ExperimentError::Config(format!(
                "sampler {other:?}: expected tpe, random or grid"
            ))),
        }
    }

    /// The sampler's name.
    pub fn name(&self) -> &'static str {
        match self {
            Sampler::Random => "random",
            Sampler::Grid => "grid",
            Sampler::Tpe(_) => "tpe",
        }
    }

    /// How many trials the sampler can suggest over `space`: the number of grid points for
    /// the grid (the search ends there), `None` (no end) for the others.
    pub fn capacity(&self, space: &SearchSpace) -> Result<Option<usize>> {
        match self {
            Sampler::Grid => grid_size(&grids(space)).map(Some),
            Sampler::Random | Sampler::Tpe(_) => Ok(None),
        }
    }

    /// The parameters of trial `number`, given the finished trials (any order); `None` when
    /// the sampler has nothing left (an exhausted grid).
    pub fn suggest(
        &self,
        space: &SearchSpace,
        history: &[TrialRecord],
        number: usize,
        seed: u64,
        direction: Direction,
    ) -> Result<Option<Map<String, Value>>> {
        match self {
            Sampler::Random => Ok(Some(random_params(space, &mut trial_rng(seed, number)))),
            Sampler::Grid => grid_params(space, number, seed),
            Sampler::Tpe(settings) => {
                super::tpe::suggest(settings, space, history, number, seed, direction).map(Some)
            }
        }
    }
}

/// SplitMix64's finaliser: spreads a 64-bit input over all output bits.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of trial `number`'s draws in a study seeded `seed`.
pub fn trial_seed(seed: u64, number: usize) -> u64 {
    mix(seed ^ mix(number as u64 ^ 0x7E1A_15EE_D000_0000))
}

fn trial_rng(seed: u64, number: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(trial_seed(seed, number))
}

/// One independent draw of every parameter, uniform in internal coordinates.
pub fn random_params(space: &SearchSpace, rng: &mut impl Rng) -> Map<String, Value> {
    space
        .params
        .iter()
        .map(|p| {
            let (a, b) = p.internal_range();
            let x = a + (b - a) * rng.random::<f64>();
            (p.name.clone(), p.from_internal(x))
        })
        .collect()
}

/// The most grid points a grid search takes.
pub const MAX_GRID: usize = 1_000_000;

/// Every parameter's grid values, in the order of the space.
fn grids(space: &SearchSpace) -> Vec<Vec<Value>> {
    space.params.iter().map(|p| p.grid()).collect()
}

/// The number of points of the grid (the product of the parameters'), refused above
/// [`MAX_GRID`].
fn grid_size(grids: &[Vec<Value>]) -> Result<usize> {
    grids
        .iter()
        .try_fold(1usize, |acc, g| {
            acc.checked_mul(g.len()).filter(|t| *t <= MAX_GRID)
        })
        .ok_or_else(|| {
            ExperimentError::Config(format!(
                "the grid has more than {MAX_GRID} points; lower `points` or use tpe or random"
            ))
        })
}

fn grid_params(
    space: &SearchSpace,
    number: usize,
    seed: u64,
) -> Result<Option<Map<String, Value>>> {
    let grids = grids(space);
    let total = grid_size(&grids)?;
    if number >= total {
        return Ok(None);
    }
    // A seeded permutation of the grid (Fisher–Yates), the same for every trial.
    let mut order: Vec<usize> = (0..total).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix(seed ^ 0x6121_D000));
    for k in (1..total).rev() {
        order.swap(k, rng.random_range(0..=k));
    }
    let mut index = order[number];
    let mut params = Map::new();
    for (p, g) in space.params.iter().zip(&grids) {
        params.insert(p.name.clone(), g[index % g.len()].clone());
        index /= g.len();
    }
    Ok(Some(params))
}

/// The finished trials ranked best first for a model-based sampler: complete trials by
/// value, then pruned ones by value, then failed ones (ties by trial number).
pub fn ranked(history: &[TrialRecord], direction: Direction) -> Vec<&TrialRecord> {
    let class = |t: &TrialRecord| match (t.state, t.value) {
        (TrialState::Complete, Some(v)) if !v.is_nan() => 0,
        (TrialState::Pruned, Some(v)) if !v.is_nan() => 1,
        _ => 2,
    };
    let key = |t: &TrialRecord| match (class(t), t.value) {
        (2, _) | (_, None) => 0.0,
        (_, Some(v)) => match direction {
            Direction::Minimize => v,
            Direction::Maximize => -v,
        },
    };
    let mut out: Vec<&TrialRecord> = history.iter().collect();
    out.sort_by(|a, b| {
        class(a)
            .cmp(&class(b))
            .then(key(a).total_cmp(&key(b)))
            .then(a.number.cmp(&b.number))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> SearchSpace {
        SearchSpace::from_toml(
            "[model.factors]\ntype = \"int\"\nlow = 8\nhigh = 64\nlog = true\n\
             [model.lr]\ntype = \"float\"\nlow = 0.001\nhigh = 0.1\nlog = true\n\
             [model.kind2]\ntype = \"choice\"\nvalues = [\"a\", \"b\", \"c\"]",
        )
        .unwrap()
    }

    #[test]
    fn random_draws_are_reproducible_in_range_and_log_uniform() {
        let s = space();
        let a = Sampler::Random
            .suggest(&s, &[], 3, 9, Direction::Minimize)
            .unwrap()
            .unwrap();
        let b = Sampler::Random
            .suggest(&s, &[], 3, 9, Direction::Minimize)
            .unwrap()
            .unwrap();
        let c = Sampler::Random
            .suggest(&s, &[], 4, 9, Direction::Minimize)
            .unwrap()
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        s.check_params(&a).unwrap();
        // Log-uniform: about half the draws of lr lie below the geometric middle 0.01.
        let below = (0..2000)
            .filter(|&n| {
                let p = Sampler::Random
                    .suggest(&s, &[], n, 1, Direction::Minimize)
                    .unwrap()
                    .unwrap();
                p["model.lr"].as_f64().unwrap() < 0.01
            })
            .count();
        assert!((850..1150).contains(&below), "{below}");
    }

    #[test]
    fn the_grid_visits_every_point_once_then_ends() {
        let s = space();
        let total = s.params.iter().map(|p| p.grid().len()).product::<usize>();
        assert_eq!(total, 5 * 5 * 3);
        let mut seen = std::collections::BTreeSet::new();
        for n in 0..total {
            let p = Sampler::Grid
                .suggest(&s, &[], n, 5, Direction::Minimize)
                .unwrap()
                .unwrap();
            assert!(seen.insert(serde_json::to_string(&p).unwrap()));
        }
        assert!(
            Sampler::Grid
                .suggest(&s, &[], total, 5, Direction::Minimize)
                .unwrap()
                .is_none()
        );
        assert_eq!(Sampler::Grid.capacity(&s).unwrap(), Some(total));
        assert_eq!(Sampler::Random.capacity(&s).unwrap(), None);
    }

    /// Regression: with a float step, no sampler ever gave `high`, and each gave the value
    /// below it twice over (`0.6` and `0.6000000000000001`).
    #[test]
    fn every_sampler_keeps_to_the_step_values_high_included() {
        let s = SearchSpace::from_toml(
            "[model.lr]\ntype = \"float\"\nlow = 0.1\nhigh = 0.7\nstep = 0.1\npoints = 7",
        )
        .unwrap();
        let want = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
        let tpe = Sampler::Tpe(crate::tune::TpeSettings {
            startup: 3,
            ..Default::default()
        });
        for sampler in [Sampler::Grid, Sampler::Random, tpe] {
            let mut history: Vec<TrialRecord> = Vec::new();
            let trials = if sampler == Sampler::Grid { 7 } else { 60 };
            for n in 0..trials {
                let p = sampler
                    .suggest(&s, &history, n, 3, Direction::Minimize)
                    .unwrap()
                    .unwrap();
                let v = p["model.lr"].as_f64().unwrap();
                assert!(want.contains(&v), "{} gave {v}", sampler.name());
                history.push(TrialRecord {
                    number: n,
                    value: Some((v - 0.7).abs()),
                    params: p,
                    state: TrialState::Complete,
                    epochs: 0,
                    seconds: 0.0,
                    intermediate: vec![],
                    error: None,
                });
            }
            let mut seen: Vec<f64> = history
                .iter()
                .map(|t| t.params["model.lr"].as_f64().unwrap())
                .collect();
            seen.sort_by(f64::total_cmp);
            seen.dedup();
            assert_eq!(seen, want, "{}", sampler.name());
        }
        assert!(
            Sampler::Grid
                .suggest(&s, &[], 7, 3, Direction::Minimize)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn ranking_puts_complete_then_pruned_then_failed() {
        let t = |number, value: Option<f64>, state| TrialRecord {
            number,
            params: Map::new(),
            value,
            state,
            epochs: 0,
            seconds: 0.0,
            intermediate: vec![],
            error: None,
        };
        let h = vec![
            t(0, Some(0.5), TrialState::Pruned),
            t(1, None, TrialState::Failed),
            t(2, Some(0.9), TrialState::Complete),
            t(3, Some(0.8), TrialState::Complete),
        ];
        let order: Vec<usize> = ranked(&h, Direction::Minimize)
            .iter()
            .map(|t| t.number)
            .collect();
        assert_eq!(order, vec![3, 2, 0, 1]);
        let order: Vec<usize> = ranked(&h, Direction::Maximize)
            .iter()
            .map(|t| t.number)
            .collect();
        assert_eq!(order, vec![2, 3, 0, 1]);
        assert_eq!(Direction::of_metric("ndcg@10"), Direction::Maximize);
        assert_eq!(Direction::of_metric("rmse"), Direction::Minimize);
    }
}
