//! Pruners: stopping unpromising trials early, from the validation metric after each epoch.
//!
//! A trial's run calls the pruner after every epoch (through the fit's epoch callbacks,
//! [`crate::experiment::RunHooks::callbacks`]) with the trial's validation values so far and
//! the trials that had finished when it started; `true` stops the trial, which is logged as
//! `pruned` with its best value so far. It is not asked after a trial's last epoch: a
//! trial that ran all its epochs is complete ([`super::study`]).
//!
//! * [`Pruner::Median`] (Optuna's `MedianPruner`; the "median stopping rule" of Google
//!   Vizier, Golovin et al. 2017): after `startup_trials` complete trials and `warmup_epochs`
//!   epochs of this trial, prune when the trial's best value so far is worse than the median
//!   of the complete trials' values at the same epoch (trials that stopped before that epoch
//!   do not count; without any, nothing is pruned).
//! * [`Pruner::Asha`] (asynchronous successive halving, Li et al. 2020; Optuna's
//!   `SuccessiveHalvingPruner`): rungs at epochs `min_epochs · ηᵏ`; at a rung, the trial's
//!   best value so far competes with the values every earlier trial had at that rung (its own
//!   included) and goes on only if it is in the best `1/η` of them — or, while the rung has
//!   fewer than η values, only if it is the best.
//!
//! Pruners only see finished trials (with `--parallel P`, the trials of earlier batches), so
//! a decision never depends on timing: the same seed gives the same pruned trials.

use super::samplers::Direction;
use super::trial_log::{TrialRecord, TrialState, best_of};
use crate::experiment::{ExperimentError, Result};

/// When trials are stopped early.
#[derive(Clone, Debug, PartialEq)]
pub enum Pruner {
    /// Never.
    None,
    /// The median stopping rule.
    Median {
        /// Complete trials needed before anything is pruned.
        startup_trials: usize,
        /// Epochs of a trial before it may be pruned.
        warmup_epochs: usize,
    },
    /// Successive halving at geometric rungs.
    Asha {
        /// Epoch of the first rung.
        min_epochs: usize,
        /// η: rungs at `min_epochs · ηᵏ`, the best `1/η` go on.
        reduction_factor: usize,
    },
}

impl Pruner {
    /// The median pruner with Optuna's defaults (5 start-up trials) and 5 warm-up epochs.
    pub fn median() -> Self {
        Pruner::Median {
            startup_trials: 5,
            warmup_epochs: 5,
        }
    }

    /// ASHA with rungs at 1, 3, 9, 27, ... epochs.
    pub fn asha() -> Self {
        Pruner::Asha {
            min_epochs: 1,
            reduction_factor: 3,
        }
    }

    /// `none`, `median[:startup=N,warmup=E]` or `asha[:min=E,eta=N]`.
    pub fn parse(text: &str) -> Result<Self> {
        let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
        let mut pruner = match kind {
            "none" => Pruner::None,
            "median" => Pruner::median(),
            "asha" => Pruner::asha(),
            other => {
                return Err(ExperimentError::Config(format!(
                    "pruner {other:?}: expected none, median or asha"
                )));
            }
        };
        let mut given: Vec<&str> = Vec::new();
        for kv in rest.split(',').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            if given.contains(&k.trim()) {
                return Err(ExperimentError::Config(format!(
                    "pruner {text}: {} is given twice; give each setting once",
                    k.trim()
                )));
            }
            given.push(k.trim());
            let n: usize = v.trim().parse().map_err(|_| {
                ExperimentError::Config(format!("pruner {text}: {kv}: expected KEY=INTEGER"))
            })?;
            match (&mut pruner, k.trim()) {
                (Pruner::Median { startup_trials, .. }, "startup") => *startup_trials = n,
                (Pruner::Median { warmup_epochs, .. }, "warmup") => *warmup_epochs = n,
                (Pruner::Asha { min_epochs, .. }, "min") if n >= 1 => *min_epochs = n,
                (
                    Pruner::Asha {
                        reduction_factor, ..
                    },
                    "eta",
                ) if n >= 2 => *reduction_factor = n,
                _ => {
                    return Err(ExperimentError::Config(format!(
                        "pruner {text}: unknown or out-of-range setting {kv:?} (median: \
                         startup=N, warmup=E; asha: min=E ≥ 1, eta=N ≥ 2)"
                    )));
                }
            }
        }
        Ok(pruner)
    }

    /// The pruner's name.
    pub fn name(&self) -> &'static str {
        match self {
            Pruner::None => "none",
            Pruner::Median { .. } => "median",
            Pruner::Asha { .. } => "asha",
        }
    }

    /// Whether to stop a trial after `values.len()` epochs with these validation values,
    /// given the trials finished before it started.
    pub fn should_prune(
        &self,
        values: &[Option<f64>],
        others: &[TrialRecord],
        direction: Direction,
    ) -> bool {
        let epoch = values.len();
        let minimize = direction == Direction::Minimize;
        let Some(best) = best_of(values.iter().flatten().copied(), minimize) else {
            return false;
        };
        match *self {
            Pruner::None => false,
            Pruner::Median {
                startup_trials,
                warmup_epochs,
            } => {
                if epoch <= warmup_epochs {
                    return false;
                }
                let complete: Vec<&TrialRecord> = others
                    .iter()
                    .filter(|t| t.state == TrialState::Complete)
                    .collect();
                if complete.len() < startup_trials {
                    return false;
                }
                let mut at: Vec<f64> = complete
                    .iter()
                    .filter_map(|t| t.intermediate.get(epoch - 1).copied().flatten())
                    .filter(|v| !v.is_nan())
                    .collect();
                if at.is_empty() {
                    return false;
                }
                at.sort_by(f64::total_cmp);
                let m = at.len();
                let median = if m % 2 == 1 {
                    at[m / 2]
                } else {
                    (at[m / 2 - 1] + at[m / 2]) / 2.0
                };
                direction.better(median, best)
            }
            Pruner::Asha {
                min_epochs,
                reduction_factor,
            } => {
                if !is_rung(epoch, min_epochs, reduction_factor) {
                    return false;
                }
                let mut competing: Vec<f64> = others
                    .iter()
                    .filter(|t| t.intermediate.len() >= epoch)
                    .filter_map(|t| t.best_until(epoch, minimize))
                    .collect();
                competing.push(best);
                // Best first.
                competing.sort_by(|a, b| {
                    if minimize {
                        a.total_cmp(b)
                    } else {
                        b.total_cmp(a)
                    }
                });
                let promotable = (competing.len() / reduction_factor).max(1);
                let threshold = competing[promotable - 1];
                direction.better(threshold, best)
            }
        }
    }
}

/// Whether `epoch` is `min · ηᵏ` for some k ≥ 0.
fn is_rung(epoch: usize, min: usize, eta: usize) -> bool {
    let mut r = min.max(1);
    while r < epoch {
        r = r.saturating_mul(eta.max(2));
    }
    r == epoch
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn trial(number: usize, state: TrialState, values: &[f64]) -> TrialRecord {
        TrialRecord {
            number,
            params: Map::new(),
            value: values.iter().copied().reduce(f64::min),
            state,
            epochs: values.len(),
            seconds: 0.0,
            intermediate: values.iter().map(|v| Some(*v)).collect(),
            error: None,
        }
    }

    fn some(v: &[f64]) -> Vec<Option<f64>> {
        v.iter().map(|x| Some(*x)).collect()
    }

    #[test]
    fn the_median_rule_prunes_a_trial_worse_than_the_median_at_its_epoch() {
        let p = Pruner::Median {
            startup_trials: 3,
            warmup_epochs: 1,
        };
        let others = vec![
            trial(0, TrialState::Complete, &[1.0, 0.9, 0.8]),
            trial(1, TrialState::Complete, &[1.1, 1.0, 0.95]),
            trial(2, TrialState::Complete, &[1.2, 0.95]),
            // Pruned trials do not count.
            trial(3, TrialState::Pruned, &[0.1, 0.1]),
        ];
        let min = Direction::Minimize;
        // Warm-up: never at epoch 1.
        assert!(!p.should_prune(&some(&[5.0]), &others, min));
        // Epoch 2: median of 0.9, 1.0, 0.95 is 0.95.
        assert!(p.should_prune(&some(&[1.5, 0.96]), &others, min));
        assert!(!p.should_prune(&some(&[1.5, 0.95]), &others, min));
        // Its best so far counts, not its last value.
        assert!(!p.should_prune(&some(&[0.9, 2.0]), &others, min));
        // Epoch 3: only trials 0 and 1 reached it; median (0.8 + 0.95) / 2.
        assert!(p.should_prune(&some(&[1.0, 1.0, 0.9]), &others, min));
        assert!(!p.should_prune(&some(&[1.0, 1.0, 0.85]), &others, min));
        // Epoch 4: no complete trial reached it.
        assert!(!p.should_prune(&some(&[1.0, 1.0, 1.0, 1.0]), &others, min));
        // Too few complete trials.
        assert!(!p.should_prune(&some(&[9.0, 9.0]), &others[..2], min));
        // Maximised metrics turn it around.
        assert!(!p.should_prune(&some(&[0.5, 0.95]), &others, Direction::Maximize));
        assert!(p.should_prune(&some(&[0.5, 0.9]), &others, Direction::Maximize));
    }

    #[test]
    fn asha_promotes_the_best_third_at_each_rung() {
        let p = Pruner::Asha {
            min_epochs: 1,
            reduction_factor: 3,
        };
        assert!(is_rung(1, 1, 3) && is_rung(3, 1, 3) && is_rung(9, 1, 3));
        assert!(!is_rung(2, 1, 3) && !is_rung(4, 1, 3));
        let min = Direction::Minimize;
        // The first trial at a rung goes on.
        assert!(!p.should_prune(&some(&[1.0]), &[], min));
        let others: Vec<TrialRecord> = (0..5)
            .map(|k| trial(k, TrialState::Complete, &[1.0 + k as f64 * 0.1, 0.5, 0.4]))
            .collect();
        // Rung 1: values 1.0..1.4 and ours; 6 values → the best 2 go on.
        assert!(!p.should_prune(&some(&[1.05]), &others, min));
        assert!(p.should_prune(&some(&[1.15]), &others, min));
        // Not at a rung: no decision.
        assert!(!p.should_prune(&some(&[9.0, 9.0]), &others, min));
        // Rung 3: everyone had 0.4; 0.45 is not in the best two.
        assert!(p.should_prune(&some(&[9.0, 9.0, 0.45]), &others, min));
    }

    #[test]
    fn pruners_parse_with_settings() {
        assert_eq!(Pruner::parse("none").unwrap(), Pruner::None);
        assert_eq!(
            Pruner::parse("median:startup=2,warmup=10").unwrap(),
            Pruner::Median {
                startup_trials: 2,
                warmup_epochs: 10
            }
        );
        assert_eq!(
            Pruner::parse("asha:min=2,eta=4").unwrap(),
            Pruner::Asha {
                min_epochs: 2,
                reduction_factor: 4
            }
        );
        assert!(Pruner::parse("asha:eta=1").is_err());
        assert!(Pruner::parse("hyperband").is_err());
    }

    /// Regression: a repeated setting was taken silently (the last one won).
    #[test]
    fn a_setting_given_twice_is_refused_by_name() {
        for text in ["median:startup=2,startup=3", "asha:min=1,eta=3,min=2"] {
            let e = Pruner::parse(text).unwrap_err().to_string();
            let key = if text.starts_with("median") {
                "startup"
            } else {
                "min"
            };
            assert!(
                e.contains(&format!("pruner {text}: {key} is given twice")),
                "{e}"
            );
        }
    }
}
