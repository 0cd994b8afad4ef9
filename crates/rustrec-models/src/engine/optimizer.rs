//! Optimizers that update one parameter row at a time, keeping state only for the rows a
//! step touches (as PyTorch's sparse embeddings with `SparseAdam`-style lazy updates).
//!
//! Each optimizer follows PyTorch's update rule for dense tensors, applied to a row:
//! * SGD: `p ← p − lr·g`
//! * SGD with momentum: `b ← μ·b + g`, `p ← p − lr·b` (Nesterov: `p ← p − lr·(g + μ·b)`)
//! * Adagrad: `G ← G + g²`, `p ← p − lr·g / (√G + ε)`
//! * RMSProp: `E ← α·E + (1−α)·g²`, `p ← p − lr·g / (√E + ε)`
//! * Adam: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
//!   `p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)`
//! * AdamW: `p ← p·(1 − lr·λ)` then the Adam step (decoupled weight decay).
//!
//! Weight decay `λ` is added to the gradient (`g ← g + λ·p`, the L2 penalty `½λ‖p‖²`) for
//! every optimizer except AdamW, which decouples it. Adam's step count `t` is kept per row
//! (the number of times that row was updated), so bias correction is exact for rows that
//! are touched rarely — a documented departure from PyTorch's one counter per tensor.

use crate::error::{ModelError, Result};

/// An optimizer and its constants. In a config, `optimizer = { kind = "adam" }` (or
/// `fit --optimizer adam`) takes PyTorch's defaults for every constant not given: momentum
/// 0.9, Adagrad ε 1e-10, RMSProp α 0.99 and ε 1e-8, Adam/AdamW β₁ 0.9, β₂ 0.999, ε 1e-8.
/// AdamW's decoupled weight decay is the model's `reg`.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Optimizer {
    /// Plain stochastic gradient descent.
    #[default]
    Sgd,
    /// SGD with (optionally Nesterov) momentum.
    Momentum {
        /// Momentum μ ∈ [0, 1) (default 0.9).
        #[serde(default = "default_momentum")]
        momentum: f64,
        /// Nesterov momentum.
        #[serde(default)]
        nesterov: bool,
    },
    /// Adagrad (Duchi et al. 2011).
    Adagrad {
        /// ε added to the root (PyTorch 1e-10).
        #[serde(default = "default_adagrad_eps")]
        eps: f64,
    },
    /// RMSProp (Tieleman & Hinton 2012).
    #[serde(rename = "rmsprop", alias = "rms-prop")]
    RmsProp {
        /// Smoothing α (PyTorch 0.99).
        #[serde(default = "default_rmsprop_alpha")]
        alpha: f64,
        /// ε (PyTorch 1e-8).
        #[serde(default = "default_eps")]
        eps: f64,
    },
    /// Adam (Kingma & Ba 2015) with L2 weight decay in the gradient.
    Adam {
        /// β₁ (0.9).
        #[serde(default = "default_beta1")]
        beta1: f64,
        /// β₂ (0.999).
        #[serde(default = "default_beta2")]
        beta2: f64,
        /// ε (1e-8).
        #[serde(default = "default_eps")]
        eps: f64,
    },
    /// AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay.
    #[serde(rename = "adamw", alias = "adam-w")]
    AdamW {
        /// β₁ (0.9).
        #[serde(default = "default_beta1")]
        beta1: f64,
        /// β₂ (0.999).
        #[serde(default = "default_beta2")]
        beta2: f64,
        /// ε (1e-8).
        #[serde(default = "default_eps")]
        eps: f64,
    },
}

fn default_momentum() -> f64 {
    0.9
}

fn default_adagrad_eps() -> f64 {
    1e-10
}

fn default_rmsprop_alpha() -> f64 {
    0.99
}

fn default_beta1() -> f64 {
    0.9
}

fn default_beta2() -> f64 {
    0.999
}

fn default_eps() -> f64 {
    1e-8
}

/// Per-step values that can change during training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepSize {
    /// Learning rate.
    pub lr: f32,
    /// Weight decay λ of this table.
    pub weight_decay: f32,
    /// β₁ for Adam-type optimizers, or μ for momentum, when a schedule cycles it.
    pub momentum: Option<f32>,
}

impl Optimizer {
    /// PyTorch's default Adam.
    pub fn adam() -> Self {
        Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }

    /// PyTorch's default AdamW.
    pub fn adamw() -> Self {
        Optimizer::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }

    /// Short name (`sgd`, `momentum`, `adagrad`, `rmsprop`, `adam`, `adamw`).
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum { .. } => "momentum",
            Optimizer::Adagrad { .. } => "adagrad",
            Optimizer::RmsProp { .. } => "rmsprop",
            Optimizer::Adam { .. } => "adam",
            Optimizer::AdamW { .. } => "adamw",
        }
    }

    /// The optimizer called `name` with PyTorch's default constants.
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "sgd" => Optimizer::Sgd,
            "momentum" => Optimizer::Momentum {
                momentum: 0.9,
                nesterov: false,
            },
            "adagrad" => Optimizer::Adagrad { eps: 1e-10 },
            "rmsprop" => Optimizer::RmsProp {
                alpha: 0.99,
                eps: 1e-8,
            },
            "adam" => Optimizer::adam(),
            "adamw" => Optimizer::adamw(),
            other => {
                return Err(ModelError::invalid(
                    "optimizer",
                    other,
                    "one of sgd, momentum, adagrad, rmsprop, adam, adamw",
                ));
            }
        })
    }

    /// Checks the constants.
    pub fn check(&self) -> Result<()> {
        let unit = |name: &'static str, v: f64| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(ModelError::invalid(name, v, "in [0, 1)"))
            }
        };
        let eps = |v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err(ModelError::invalid(
                    "optimizer.eps",
                    v,
                    "a finite number > 0",
                ))
            }
        };
        match *self {
            Optimizer::Sgd => Ok(()),
            Optimizer::Momentum { momentum, .. } => unit("optimizer.momentum", momentum),
            Optimizer::Adagrad { eps: e } => eps(e),
            Optimizer::RmsProp { alpha, eps: e } => {
                unit("optimizer.alpha", alpha)?;
                eps(e)
            }
            Optimizer::Adam {
                beta1,
                beta2,
                eps: e,
            }
            | Optimizer::AdamW {
                beta1,
                beta2,
                eps: e,
            } => {
                unit("optimizer.beta1", beta1)?;
                unit("optimizer.beta2", beta2)?;
                eps(e)
            }
        }
    }

    /// State floats kept per parameter.
    pub fn slots(&self) -> usize {
        match self {
            Optimizer::Sgd => 0,
            Optimizer::Momentum { .. } | Optimizer::Adagrad { .. } | Optimizer::RmsProp { .. } => 1,
            Optimizer::Adam { .. } | Optimizer::AdamW { .. } => 2,
        }
    }

    /// Whether the optimizer counts steps per row (Adam-type bias correction).
    pub fn counts_steps(&self) -> bool {
        matches!(self, Optimizer::Adam { .. } | Optimizer::AdamW { .. })
    }

    /// Updates `param` in place from the loss gradient `grad` (without regularisation).
    ///
    /// `state` holds `slots() × param.len()` floats (first slot, then second); `t` is the
    /// 1-based number of updates of this row including this one.
    #[inline]
    pub fn step(&self, param: &mut [f32], grad: &[f32], state: &mut [f32], t: u32, s: StepSize) {
        let n = param.len();
        debug_assert_eq!(grad.len(), n);
        debug_assert!(state.len() >= self.slots() * n);
        let (lr, wd) = (s.lr, s.weight_decay);
        match *self {
            Optimizer::Sgd => {
                for (p, &g) in param.iter_mut().zip(grad) {
                    *p -= lr * (g + wd * *p);
                }
            }
            Optimizer::Momentum { momentum, nesterov } => {
                let mu = s.momentum.unwrap_or(momentum as f32);
                for ((p, &g), b) in param.iter_mut().zip(grad).zip(&mut state[..n]) {
                    let g = g + wd * *p;
                    *b = mu * *b + g;
                    let d = if nesterov { g + mu * *b } else { *b };
                    *p -= lr * d;
                }
            }
            Optimizer::Adagrad { eps } => {
                let eps = eps as f32;
                for ((p, &g), acc) in param.iter_mut().zip(grad).zip(&mut state[..n]) {
                    let g = g + wd * *p;
                    *acc += g * g;
                    *p -= lr * g / (acc.sqrt() + eps);
                }
            }
            Optimizer::RmsProp { alpha, eps } => {
                let (alpha, eps) = (alpha as f32, eps as f32);
                for ((p, &g), sq) in param.iter_mut().zip(grad).zip(&mut state[..n]) {
                    let g = g + wd * *p;
                    *sq = alpha * *sq + (1.0 - alpha) * g * g;
                    *p -= lr * g / (sq.sqrt() + eps);
                }
            }
            Optimizer::Adam { beta1, beta2, eps } | Optimizer::AdamW { beta1, beta2, eps } => {
                let decoupled = matches!(self, Optimizer::AdamW { .. });
                let b1 = s.momentum.map_or(beta1, f64::from);
                let t = t.max(1) as i32;
                let bias1 = 1.0 - b1.powi(t);
                let bias2_sqrt = (1.0 - beta2.powi(t)).sqrt();
                let step = (f64::from(lr) / bias1) as f32;
                let (b1, b2, eps) = (b1 as f32, beta2 as f32, eps as f32);
                let inv_bias2_sqrt = (1.0 / bias2_sqrt) as f32;
                let (m, v) = state[..2 * n].split_at_mut(n);
                for (((p, &g), m), v) in param.iter_mut().zip(grad).zip(m).zip(v) {
                    let g = if decoupled {
                        *p *= 1.0 - lr * wd;
                        g
                    } else {
                        g + wd * *p
                    };
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    *p -= step * *m / (v.sqrt() * inv_bias2_sqrt + eps);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(opt: Optimizer, p0: f32, grads: &[f32], lr: f32, wd: f32) -> f32 {
        let mut p = [p0];
        let mut state = vec![0.0; opt.slots()];
        for (k, &g) in grads.iter().enumerate() {
            opt.step(
                &mut p,
                &[g],
                &mut state,
                k as u32 + 1,
                StepSize {
                    lr,
                    weight_decay: wd,
                    momentum: None,
                },
            );
        }
        p[0]
    }

    fn close(a: f32, b: f64) {
        assert!((f64::from(a) - b).abs() < 5e-6, "{a} vs {b}");
    }

    #[test]
    fn sgd_with_weight_decay() {
        // p = 1 − 0.1·(0.5 + 0.2·1) = 0.93
        close(run(Optimizer::Sgd, 1.0, &[0.5], 0.1, 0.2), 0.93);
    }

    #[test]
    fn momentum_two_steps() {
        let opt = Optimizer::Momentum {
            momentum: 0.9,
            nesterov: false,
        };
        // b1 = 1, p1 = 1 − 0.1 = 0.9; b2 = 0.9·1 + 2 = 2.9, p2 = 0.9 − 0.29 = 0.61
        close(run(opt, 1.0, &[1.0, 2.0], 0.1, 0.0), 0.61);
        let nesterov = Optimizer::Momentum {
            momentum: 0.9,
            nesterov: true,
        };
        // b1 = 1, d1 = 1 + 0.9 = 1.9, p1 = 0.81
        close(run(nesterov, 1.0, &[1.0], 0.1, 0.0), 0.81);
    }

    #[test]
    fn adagrad_two_steps() {
        // G1 = 4, p1 = 1 − 0.1·2/2 = 0.9; G2 = 5, p2 = 0.9 − 0.1·1/√5
        close(
            run(
                Optimizer::Adagrad { eps: 1e-10 },
                1.0,
                &[2.0, 1.0],
                0.1,
                0.0,
            ),
            0.9 - 0.1 / 5f64.sqrt(),
        );
    }

    #[test]
    fn rmsprop_one_step() {
        // E = 0.01·4 = 0.04, p = 1 − 0.1·2/(0.2 + 1e-8)
        let opt = Optimizer::RmsProp {
            alpha: 0.99,
            eps: 1e-8,
        };
        close(run(opt, 1.0, &[2.0], 0.1, 0.0), 1.0 - 0.2 / (0.2 + 1e-8));
    }

    #[test]
    fn adam_first_step_moves_by_lr_and_second_step_hand_computed() {
        // Step 1: m̂ = g, v̂ = g² → p = 1 − 0.1·sign(g) (up to ε).
        close(run(Optimizer::adam(), 1.0, &[3.0], 0.1, 0.0), 0.9);
        // Step 2 with g = 3 then 1:
        // m = 0.1·3·0.9 + 0.1·1 = 0.37, v = 0.001·9·0.999 + 0.001·1 = 0.009991
        // m̂ = 0.37/0.19, v̂ = 0.009991/0.001999
        let m_hat: f64 = 0.37 / (1.0 - 0.81);
        let v_hat: f64 = 0.009991 / (1.0 - 0.998001);
        close(
            run(Optimizer::adam(), 1.0, &[3.0, 1.0], 0.1, 0.0),
            0.9 - 0.1 * m_hat / (v_hat.sqrt() + 1e-8),
        );
    }

    #[test]
    fn adam_couples_and_adamw_decouples_weight_decay() {
        // Adam: g' = 0 + 0.5·2 = 1 → first step moves by lr: 2 − 0.1 = 1.9
        close(run(Optimizer::adam(), 2.0, &[0.0], 0.1, 0.5), 1.9);
        // AdamW: p = 2·(1 − 0.05) = 1.9, then g = 0 → no Adam move
        close(run(Optimizer::adamw(), 2.0, &[0.0], 0.1, 0.5), 1.9);
        // AdamW with g = 1: 1.9 − 0.1 = 1.8
        close(run(Optimizer::adamw(), 2.0, &[1.0], 0.1, 0.5), 1.8);
    }

    #[test]
    fn names_and_checks() {
        for name in ["sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw"] {
            assert_eq!(Optimizer::from_name(name).unwrap().name(), name);
        }
        let err = Optimizer::from_name("lbfgs").unwrap_err().to_string();
        assert!(err.contains("optimizer") && err.contains("lbfgs"), "{err}");
        let bad = Optimizer::Adam {
            beta1: 1.0,
            beta2: 0.9,
            eps: 1e-8,
        };
        assert!(bad.check().unwrap_err().to_string().contains("beta1"));
    }

    #[test]
    fn a_bare_optimizer_name_takes_the_usual_defaults_in_both_spellings() {
        for (text, name) in [
            ("sgd", "sgd"),
            ("momentum", "momentum"),
            ("adagrad", "adagrad"),
            ("rmsprop", "rmsprop"),
            ("rms-prop", "rmsprop"),
            ("adam", "adam"),
            ("adamw", "adamw"),
            ("adam-w", "adamw"),
        ] {
            let o: Optimizer = serde_json::from_value(serde_json::json!({"kind": text}))
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(o, Optimizer::from_name(name).unwrap(), "{text}");
            assert_eq!(o.name(), name);
            let back: Optimizer = serde_json::from_value(serde_json::to_value(o).unwrap()).unwrap();
            assert_eq!(back, o);
        }
        let o: Optimizer =
            serde_json::from_value(serde_json::json!({"kind": "adam", "beta2": 0.99})).unwrap();
        assert_eq!(
            o,
            Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.99,
                eps: 1e-8
            }
        );
        let e =
            serde_json::from_value::<Optimizer>(serde_json::json!({"kind": "adam", "beta3": 1}))
                .unwrap_err()
                .to_string();
        assert!(e.contains("beta3"), "{e}");
    }
}
