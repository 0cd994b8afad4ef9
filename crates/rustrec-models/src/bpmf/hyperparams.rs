//! Hyperparameters of Bayesian MF, unchecked ([`BpmfParams`]) and checked
//! ([`BpmfValidParams`]).

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::mf::MAX_MEMBERS;
use crate::params::{at_least_one, finite_range, integer_in, positive, setter};

/// Bayesian probabilistic MF (Salakhutdinov & Mnih 2008) sampled by Gibbs sampling.
///
/// The priors are the paper's: user and item vectors `~ N(μ, Λ⁻¹)` with a Gaussian–Wishart
/// hyperprior `μ₀ = 0`, `β₀`, `W₀ = I`, `ν₀ = k`; ratings `~ N(r̄ + u·v, 1/α)`.
///
/// | Name | Default | Range | Purpose |
/// |---|---|---|---|
/// | `factors` | 10 | 1–256 | length k of the user and item vectors |
/// | `iterations` | 300 | > `burn_in` | Gibbs sweeps (hyperparameters, users, items); one sweep = one epoch |
/// | `burn_in` | 100 | < `iterations` | sweeps before samples are kept |
/// | `thin` | 4 | ≥ 1, keeping at most 64 samples | keep one sample every `thin` sweeps after the burn-in |
/// | `alpha` | 2.0 | > 0 | precision α of the observation noise |
/// | `beta0` | 2.0 | > 0 | β₀ of the Gaussian–Wishart hyperprior |
/// | `init_std` | 0.1 | > 0 | std of the normal initial vectors |
/// | `clip` | none | lo < hi | clamp predictions to `[lo, hi]` |
///
/// The prediction is the mean of the kept samples' `r̄ + u·v` (clamped after the mean),
/// held as one [`crate::mf::MfModel`] whose factors are the samples side by side (see
/// [`super`]), so at most [`MAX_MEMBERS`] samples are kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BpmfParams {
    /// Number of latent factors k.
    pub factors: usize,
    /// Number of Gibbs sweeps.
    pub iterations: usize,
    /// Sweeps before the first kept sample.
    pub burn_in: usize,
    /// Keep one sample every `thin` sweeps after the burn-in.
    pub thin: usize,
    /// Precision of the observation noise.
    pub alpha: f32,
    /// β₀ of the Gaussian–Wishart hyperprior.
    pub beta0: f32,
    /// Standard deviation of the initial vectors.
    pub init_std: f32,
    /// Clamp predictions to `[lo, hi]` (`None`: no clamping).
    pub clip: Option<[f32; 2]>,
}

impl Default for BpmfParams {
    fn default() -> Self {
        BpmfParams {
            factors: 10,
            iterations: 300,
            burn_in: 100,
            thin: 4,
            alpha: 2.0,
            beta0: 2.0,
            init_std: 0.1,
            clip: None,
        }
    }
}

/// [`BpmfParams`] that passed [`BpmfParams::check`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BpmfValidParams(pub(crate) BpmfParams);

impl BpmfValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &BpmfParams {
        &self.0
    }

    /// Whether the sample of sweep `iteration` (0-based) is kept.
    pub(crate) fn keeps(&self, iteration: usize) -> bool {
        let p = &self.0;
        iteration >= p.burn_in && (iteration - p.burn_in).is_multiple_of(p.thin)
    }
}

impl BpmfParams {
    setter! {
        /// Sets `factors`.
        factors: usize,
        /// Sets `iterations`.
        iterations: usize,
        /// Sets `burn_in`.
        burn_in: usize,
        /// Sets `thin`.
        thin: usize,
        /// Sets `alpha`.
        alpha: f32,
        /// Sets `beta0`.
        beta0: f32,
        /// Sets `init_std`.
        init_std: f32,
        /// Sets `clip`.
        clip: Option<[f32; 2]>,
    }

    /// The number of samples kept: sweeps `burn_in, burn_in + thin, …` below `iterations`.
    pub fn kept_samples(&self) -> usize {
        self.iterations
            .saturating_sub(self.burn_in)
            .div_ceil(self.thin.max(1))
    }

    /// Validates every parameter, naming the first one out of range.
    pub fn check(&self) -> Result<BpmfValidParams> {
        let p = self;
        integer_in("factors", p.factors, 1..=256)?;
        at_least_one("iterations", p.iterations)?;
        if p.burn_in >= p.iterations {
            return Err(ModelError::invalid(
                "burn_in",
                p.burn_in,
                format!("less than iterations = {}", p.iterations),
            ));
        }
        at_least_one("thin", p.thin)?;
        if p.kept_samples() > MAX_MEMBERS {
            let least = (p.iterations - p.burn_in).div_ceil(MAX_MEMBERS);
            return Err(ModelError::invalid(
                "thin",
                p.thin,
                format!(
                    "at least {least}, so that at most {MAX_MEMBERS} samples are kept from \
                     iterations − burn_in = {} sweeps",
                    p.iterations - p.burn_in
                ),
            ));
        }
        positive("alpha", p.alpha)?;
        positive("beta0", p.beta0)?;
        positive("init_std", p.init_std)?;
        if let Some([lo, hi]) = p.clip {
            finite_range("clip", format!("[{lo}, {hi}]"), lo, hi)?;
        }
        Ok(BpmfValidParams(p.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_hyperparameter_is_named_with_its_value_and_range() {
        let d = BpmfParams::default;
        let cases: Vec<(BpmfParams, &str)> = vec![
            (d().factors(0), "factors = 0"),
            (d().factors(257), "factors = 257"),
            (d().iterations(0), "iterations = 0"),
            (d().burn_in(300), "burn_in = 300"),
            (d().thin(0), "thin = 0"),
            (d().thin(1), "thin = 1"),
            (d().alpha(0.0), "alpha = 0"),
            (d().beta0(f32::NAN), "beta0 = NaN"),
            (d().init_std(-1.0), "init_std = -1"),
            (d().clip(Some([5.0, 1.0])), "clip = [5, 1]"),
        ];
        for (p, want) in cases {
            let e = p.check().unwrap_err().to_string();
            assert!(e.contains(want), "{e} should name {want}");
        }
        assert!(d().check().is_ok());
    }

    #[test]
    fn kept_sweeps_start_at_the_burn_in_every_thin() {
        let p = BpmfParams::default()
            .iterations(10)
            .burn_in(3)
            .thin(3)
            .check()
            .unwrap();
        let kept: Vec<usize> = (0..10).filter(|&t| p.keeps(t)).collect();
        assert_eq!(kept, vec![3, 6, 9]);
        assert_eq!(p.params().kept_samples(), kept.len());
    }
}
