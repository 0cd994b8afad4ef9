//! Learning-rate schedules, as functions of training progress.
//!
//! Progress `t ∈ [0, 1]` is the fraction of all training samples done, so a schedule is
//! independent of how samples are grouped into blocks and threads. Kernels evaluate the
//! schedule every few hundred samples.

/// A learning-rate schedule. `lr` below is the optimizer's base learning rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Schedule {
    /// `lr` throughout.
    #[default]
    Constant,
    /// `lr · gamma^⌊epoch / every⌋`.
    Step {
        /// Epochs between decays.
        every: usize,
        /// Factor applied at each decay.
        gamma: f64,
    },
    /// `lr · gamma^epoch`.
    Exponential {
        /// Factor per epoch.
        gamma: f64,
    },
    /// One-cycle (Smith 2018; PyTorch's `OneCycleLR`, fastai's `fit_one_cycle`): cosine
    /// warm-up from `lr / div` to `lr` over the first `pct_start` of training, then cosine
    /// annealing down to `lr / (div · final_div)`. The momentum (β₁ for Adam-type
    /// optimizers) moves the other way: from `max_momentum` down to `base_momentum` during
    /// warm-up, back up after.
    OneCycle {
        /// Fraction of training spent warming up (fastai 0.25, PyTorch 0.3).
        #[serde(default = "one_cycle_pct_start")]
        pct_start: f64,
        /// Initial learning rate is `lr / div` (25 in both).
        #[serde(default = "one_cycle_div")]
        div: f64,
        /// Final learning rate is `lr / (div · final_div)` (fastai 1e5, PyTorch 1e4).
        #[serde(default = "one_cycle_final_div")]
        final_div: f64,
        /// Momentum at the ends of the cycle (0.95).
        #[serde(default = "one_cycle_max_momentum")]
        max_momentum: f64,
        /// Momentum at the peak learning rate (0.85).
        #[serde(default = "one_cycle_base_momentum")]
        base_momentum: f64,
    },
}

// fastai's `fit_one_cycle` defaults: what a config's `{ kind = "one-cycle" }` takes for
// every constant it does not give.
fn one_cycle_pct_start() -> f64 {
    0.25
}
fn one_cycle_div() -> f64 {
    25.0
}
fn one_cycle_final_div() -> f64 {
    1e5
}
fn one_cycle_max_momentum() -> f64 {
    0.95
}
fn one_cycle_base_momentum() -> f64 {
    0.85
}

impl Schedule {
    /// fastai's `fit_one_cycle` defaults.
    pub fn one_cycle() -> Self {
        Schedule::OneCycle {
            pct_start: one_cycle_pct_start(),
            div: one_cycle_div(),
            final_div: one_cycle_final_div(),
            max_momentum: one_cycle_max_momentum(),
            base_momentum: one_cycle_base_momentum(),
        }
    }

    /// Checks the schedule's parameters.
    pub fn check(&self) -> crate::Result<()> {
        use crate::ModelError;
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::Step { every, gamma } => {
                if every == 0 {
                    return Err(ModelError::invalid("schedule.every", every, "at least 1"));
                }
                check_gamma(gamma)
            }
            Schedule::Exponential { gamma } => check_gamma(gamma),
            Schedule::OneCycle {
                pct_start,
                div,
                final_div,
                max_momentum,
                base_momentum,
            } => {
                if !(pct_start > 0.0 && pct_start < 1.0) {
                    return Err(ModelError::invalid(
                        "schedule.pct_start",
                        pct_start,
                        "in (0, 1)",
                    ));
                }
                if !(div >= 1.0 && div.is_finite()) {
                    return Err(ModelError::invalid(
                        "schedule.div",
                        div,
                        "a finite number ≥ 1",
                    ));
                }
                if !(final_div >= 1.0 && final_div.is_finite()) {
                    return Err(ModelError::invalid(
                        "schedule.final_div",
                        final_div,
                        "a finite number ≥ 1",
                    ));
                }
                for (name, m) in [
                    ("schedule.max_momentum", max_momentum),
                    ("schedule.base_momentum", base_momentum),
                ] {
                    if !(0.0..1.0).contains(&m) {
                        return Err(ModelError::invalid(name, m, "in [0, 1)"));
                    }
                }
                Ok(())
            }
        }
    }

    /// Learning rate at progress `t ∈ [0, 1]` of a run of `epochs` epochs with base rate `lr`.
    pub fn lr_at(&self, lr: f64, t: f64, epochs: usize) -> f64 {
        let t = t.clamp(0.0, 1.0);
        match *self {
            Schedule::Constant => lr,
            Schedule::Step { every, gamma } => {
                let epoch = epoch_of(t, epochs);
                lr * gamma.powi((epoch / every) as i32)
            }
            Schedule::Exponential { gamma } => lr * gamma.powi(epoch_of(t, epochs) as i32),
            Schedule::OneCycle {
                pct_start,
                div,
                final_div,
                ..
            } => {
                let start = lr / div;
                let end = start / final_div;
                if t < pct_start {
                    cosine(start, lr, t / pct_start)
                } else {
                    cosine(lr, end, (t - pct_start) / (1.0 - pct_start))
                }
            }
        }
    }

    /// Momentum (β₁) at progress `t` for schedules that cycle it, `None` otherwise.
    pub fn momentum_at(&self, t: f64) -> Option<f64> {
        match *self {
            Schedule::OneCycle {
                pct_start,
                max_momentum,
                base_momentum,
                ..
            } => {
                let t = t.clamp(0.0, 1.0);
                Some(if t < pct_start {
                    cosine(max_momentum, base_momentum, t / pct_start)
                } else {
                    cosine(
                        base_momentum,
                        max_momentum,
                        (t - pct_start) / (1.0 - pct_start),
                    )
                })
            }
            _ => None,
        }
    }
}

fn check_gamma(gamma: f64) -> crate::Result<()> {
    if gamma > 0.0 && gamma <= 1.0 {
        Ok(())
    } else {
        Err(crate::ModelError::invalid(
            "schedule.gamma",
            gamma,
            "in (0, 1]",
        ))
    }
}

/// The 0-based epoch that progress `t` falls in.
fn epoch_of(t: f64, epochs: usize) -> usize {
    ((t * epochs as f64) as usize).min(epochs.saturating_sub(1))
}

/// Cosine interpolation from `a` (at 0) to `b` (at 1), as PyTorch's `_annealing_cos`.
fn cosine(a: f64, b: f64, x: f64) -> f64 {
    b + (a - b) / 2.0 * (1.0 + (std::f64::consts::PI * x).cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_cycle_without_constants_takes_fastais_and_unknown_keys_are_refused() {
        let s: Schedule = serde_json::from_str(r#"{"kind": "one-cycle"}"#).unwrap();
        assert_eq!(s, Schedule::one_cycle());
        let s: Schedule =
            serde_json::from_str(r#"{"kind": "one-cycle", "pct_start": 0.3}"#).unwrap();
        assert!(
            matches!(s, Schedule::OneCycle { pct_start, div, .. } if pct_start == 0.3 && div == 25.0)
        );
        let e = serde_json::from_str::<Schedule>(r#"{"kind": "one-cycle", "pct": 0.3}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("pct"), "{e}");
        assert!(serde_json::from_str::<Schedule>(r#"{"kind": "step", "every": 2}"#).is_err());
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn step_and_exponential_decay_by_epoch() {
        let s = Schedule::Step {
            every: 2,
            gamma: 0.5,
        };
        // 4 epochs: progress 0.3 is epoch 1, 0.5 is epoch 2, 0.99 is epoch 3.
        assert!(close(s.lr_at(0.1, 0.3, 4), 0.1));
        assert!(close(s.lr_at(0.1, 0.5, 4), 0.05));
        assert!(close(s.lr_at(0.1, 1.0, 4), 0.05));
        let e = Schedule::Exponential { gamma: 0.9 };
        assert!(close(e.lr_at(1.0, 0.75, 4), 0.729));
    }

    #[test]
    fn one_cycle_matches_hand_computed_points() {
        let s = Schedule::one_cycle();
        let lr = 0.01;
        // Start: lr / 25; peak at pct_start; end lr / 25 / 1e5.
        assert!(close(s.lr_at(lr, 0.0, 10), 0.0004));
        assert!(close(s.lr_at(lr, 0.25, 10), 0.01));
        assert!(close(s.lr_at(lr, 1.0, 10), 0.0004 / 1e5));
        // Half-way through warm-up: the cosine midpoint (start + peak) / 2.
        assert!(close(s.lr_at(lr, 0.125, 10), (0.0004 + 0.01) / 2.0));
        // Half-way through annealing: (peak + end) / 2.
        assert!(close(s.lr_at(lr, 0.625, 10), (0.01 + 0.0004 / 1e5) / 2.0));
        // Momentum: 0.95 → 0.85 at the peak → 0.95, midpoints 0.9.
        assert!(close(s.momentum_at(0.0).unwrap(), 0.95));
        assert!(close(s.momentum_at(0.125).unwrap(), 0.9));
        assert!(close(s.momentum_at(0.25).unwrap(), 0.85));
        assert!(close(s.momentum_at(1.0).unwrap(), 0.95));
        assert_eq!(Schedule::Constant.momentum_at(0.5), None);
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = Schedule::Step {
            every: 0,
            gamma: 0.5,
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(err.contains("schedule.every"), "{err}");
        assert!(Schedule::Exponential { gamma: 1.5 }.check().is_err());
    }
}
