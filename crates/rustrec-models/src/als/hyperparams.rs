//! Hyperparameters of alternating least squares, unchecked ([`AlsParams`]) and checked
//! ([`AlsValidParams`]).

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::params::{at_least_one, integer_in, non_negative, positive, setter};

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

/// Alternating least squares: explicit (Zhou et al. 2008, weighted-λ regularisation) or
/// implicit (Hu, Koren & Volinsky 2008, confidence `c = 1 + α·r`).
///
/// | Name | Default | Range | Purpose |
/// |---|---|---|---|
/// | `factors` | 64 | 1–1024 | length k of x_u, y_i |
/// | `iterations` | 15 | ≥ 1 | alternations (users then items); one iteration = one epoch |
/// | `reg` | 0.01 | ≥ 0 (> 0 for Cholesky) | λ |
/// | `implicit` | false | | implicit feedback (set by kind `ials`) |
/// | `alpha` | 1.0 | ≥ 0 | implicit: confidence `c = 1 + α·r` |
/// | `weighted_reg` | true | | explicit: λ·n_u on a row with n_u ratings (Zhou et al.) |
/// | `biases` | true | | explicit: learn b_u, b_i and use the training mean μ |
/// | `solver` | cg(3) | cholesky, cg(steps ≥ 1) | per-row solver |
/// | `init_std` | 0.01 | > 0 | std of the normal initial factors |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlsParams {
    /// Number of latent factors k.
    pub factors: usize,
    /// Number of iterations (each solves every user row, then every item row).
    pub iterations: usize,
    /// Regularisation λ.
    pub reg: f32,
    /// Implicit feedback (Hu, Koren & Volinsky) instead of explicit ratings.
    pub implicit: bool,
    /// Implicit: confidence `c_ui = 1 + alpha·r_ui` of an observed pair.
    pub alpha: f32,
    /// Explicit: scale λ by the row's number of ratings (weighted-λ regularisation).
    pub weighted_reg: bool,
    /// Explicit: learn user and item biases around the training mean.
    pub biases: bool,
    /// Per-row solver.
    pub solver: Solver,
    /// Standard deviation of the initial factors.
    pub init_std: f32,
}

impl Default for AlsParams {
    fn default() -> Self {
        AlsParams {
            factors: 64,
            iterations: 15,
            reg: 0.01,
            implicit: false,
            alpha: 1.0,
            weighted_reg: true,
            biases: true,
            solver: Solver::Cg { steps: 3 },
            init_std: 0.01,
        }
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
    setter! {
        /// Sets `factors`.
        factors: usize,
        /// Sets `iterations`.
        iterations: usize,
        /// Sets `reg`.
        reg: f32,
        /// Sets `implicit`.
        implicit: bool,
        /// Sets `alpha`.
        alpha: f32,
        /// Sets `weighted_reg`.
        weighted_reg: bool,
        /// Sets `biases`.
        biases: bool,
        /// Sets `solver`.
        solver: Solver,
        /// Sets `init_std`.
        init_std: f32,
    }

    /// Validates every parameter, naming the first one out of range.
    pub fn check(&self) -> Result<AlsValidParams> {
        let p = self;
        integer_in("factors", p.factors, 1..=1024)?;
        at_least_one("iterations", p.iterations)?;
        non_negative("reg", p.reg)?;
        non_negative("alpha", p.alpha)?;
        positive("init_std", p.init_std)?;
        match p.solver {
            Solver::Cg { steps: 0 } => {
                return Err(ModelError::invalid("solver.steps", 0, "at least 1"));
            }
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
