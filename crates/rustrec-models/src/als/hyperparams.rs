//! Hyperparameters of alternating least squares, unchecked ([`AlsParams`]) and checked
//! ([`AlsValidParams`]).

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::mf::Clip;
use crate::params::{Hyperparams, Rule, hyperparams, no_effect, non_negative, self_checked};

/// How each row's least-squares problem is solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Solver {
    /// Exact solve of the normal equations by a k×k Cholesky factorisation
    /// (`O(n_u·k² + k³)` per row).
    Cholesky,
    /// `steps` conjugate-gradient steps warm-started from the row's previous value
    /// (Takács, Pilászy & Tikk 2011; the `implicit` package uses 3): `O(k² + n_u·k)` per
    /// step, never forming the k×k matrix.
    Cg {
        /// CG steps per row and half-iteration.
        steps: usize,
    },
}

self_checked!(Solver => own);

impl Solver {
    /// Checks the CG step count (named `solver.steps`).
    pub fn check(&self) -> Result<()> {
        match *self {
            Solver::Cg { steps: 0 } => Err(ModelError::invalid("solver.steps", 0, "at least 1")),
            _ => Ok(()),
        }
    }
}

hyperparams! {
    /// Alternating least squares: explicit (Zhou et al. 2008, weighted-λ regularisation;
    /// kind `als`) or implicit (Hu, Koren & Volinsky 2008, confidence `c = 1 + α·r`; kind
    /// `ials`). `rustrec models als` prints the table of names, defaults and ranges.
    pub struct AlsParams {
        factors: usize = 64, Rule::int(1, 1024), "Number of latent factors k (length of x_u, y_i).";
        iterations: usize = 15, Rule::at_least(1),
            "Alternations (users then items); one iteration is one epoch.";
        reg: f32 = 0.01, Rule::Own("a finite number ≥ 0 (> 0 for explicit ALS with cholesky)"),
            "Regularisation λ.";
        implicit: bool = false, Rule::Flag,
            "Implicit feedback; set by the kind (als: false, ials: true): true under kind als is refused (use ials).";
        alpha: f32 = 1.0, Rule::NonNegative, "Implicit: confidence c = 1 + α·r of an observed pair.";
        weighted_reg: bool = true, Rule::Flag,
            "Explicit: λ·n_u on a row with n_u ratings (weighted-λ, Zhou et al.).";
        biases: bool = true, Rule::Flag, "Explicit: learn b_u, b_i around the training mean μ.";
        solver: Solver = Solver::Cg { steps: 3 }, Rule::Own("cholesky, or cg with steps ≥ 1"),
            "Per-row solver.";
        init_std: f32 = 0.01, Rule::Positive, "Standard deviation of the normal initial factors.";
        clip: Clip = Clip::Auto,
            Rule::Own("auto (the training ratings' range), none, or [lo, hi] with lo < hi"),
            "Explicit: clamp predictions.";
    }
}

/// [`AlsParams`] that passed [`AlsParams::check`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlsValidParams(pub(crate) AlsParams);

impl AlsValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &AlsParams {
        &self.0
    }

    /// Whether the model uses biases and a global mean (explicit with `biases`).
    pub(crate) fn has_biases(&self) -> bool {
        !self.0.implicit && self.0.biases
    }
}

impl AlsParams {
    /// Validates every parameter, naming the first one out of range, and refuses a
    /// parameter set away from its default where the kind leaves it without effect:
    /// `alpha` under explicit ALS (kind `als`), and `weighted_reg`, `biases` and `clip`
    /// under implicit ALS (kind `ials`), naming the kind that uses it.
    pub fn check(&self) -> Result<AlsValidParams> {
        let p = self;
        p.check_ranges()?;
        non_negative("reg", p.reg)?;
        p.check_no_effect()?;
        match p.solver {
            Solver::Cholesky if p.reg <= 0.0 && !p.implicit => {
                return Err(ModelError::invalid(
                    "reg",
                    p.reg,
                    "> 0 with the cholesky solver (the normal equations must be positive definite)",
                ));
            }
            _ => {}
        }
        Ok(AlsValidParams(p.clone()))
    }

    /// The explicit-only and implicit-only parameters, refused under the other kind when
    /// they differ from their defaults (only such a value can be told from one left out;
    /// see `no_effect`).
    fn check_no_effect(&self) -> Result<()> {
        let d = Self::default();
        if self.implicit {
            let explicit_only = "kind = \"als\"";
            if self.weighted_reg != d.weighted_reg {
                return Err(no_effect("weighted_reg", self.weighted_reg, explicit_only));
            }
            if self.biases != d.biases {
                return Err(no_effect("biases", self.biases, explicit_only));
            }
            if self.clip != d.clip {
                let shown = match self.clip {
                    Clip::Auto => "\"auto\"".to_string(),
                    Clip::None => "\"none\"".to_string(),
                    Clip::Range([lo, hi]) => format!("[{lo}, {hi}]"),
                };
                return Err(no_effect("clip", shown, explicit_only));
            }
        } else if self.alpha != d.alpha {
            return Err(no_effect("alpha", self.alpha, "kind = \"ials\""));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_hyperparameter_is_named_with_its_value_and_range() {
        let cases: Vec<(AlsParams, &str)> = vec![
            (AlsParams::default().factors(0), "factors = 0"),
            (AlsParams::default().iterations(0), "iterations = 0"),
            (AlsParams::default().reg(-1.0), "reg = -1"),
            (AlsParams::default().alpha(f32::NAN), "alpha = NaN"),
            (AlsParams::default().init_std(0.0), "init_std = 0"),
            (
                AlsParams::default().solver(Solver::Cg { steps: 0 }),
                "solver.steps = 0",
            ),
            (
                AlsParams::default().reg(0.0).solver(Solver::Cholesky),
                "reg = 0",
            ),
        ];
        for (params, want) in cases {
            let msg = params.check().unwrap_err().to_string();
            assert!(msg.contains(want), "{msg:?} should contain {want:?}");
        }
        assert!(AlsParams::default().check().is_ok());
    }

    #[test]
    fn params_read_from_toml_like_json_with_defaults() {
        let p: AlsParams =
            serde_json::from_str(r#"{"factors": 8, "solver": {"kind": "cg", "steps": 5}}"#)
                .unwrap();
        assert_eq!(p.factors, 8);
        assert_eq!(p.solver, Solver::Cg { steps: 5 });
        assert_eq!(p.iterations, 15);
        assert!(serde_json::from_str::<AlsParams>(r#"{"factor": 8}"#).is_err());
    }
}
