//! Hyperparameters of Bayesian MF, unchecked ([`BpmfParams`]) and checked
//! ([`BpmfValidParams`]).

use serde::Serialize;

use crate::error::{ModelError, Result};
use crate::mf::Clip;
use crate::mf::MAX_MEMBERS;
use crate::params::{Hyperparams, Rule, at_least_one, hyperparams};

hyperparams! {
    /// Bayesian probabilistic MF (Salakhutdinov & Mnih 2008) sampled by Gibbs sampling.
    ///
    /// The priors are the paper's: user and item vectors `~ N(μ, Λ⁻¹)` with a
    /// Gaussian–Wishart hyperprior `μ₀ = 0`, `β₀`, `W₀ = I`, `ν₀ = k`; ratings
    /// `~ N(r̄ + u·v, 1/α)`. `rustrec models bpmf` prints the table of names, defaults and
    /// ranges.
    ///
    /// The prediction is the mean of the kept samples' `r̄ + u·v` (clamped after the mean),
    /// held as one [`crate::mf::MfModel`] whose factors are the samples side by side (see
    /// [`super`]), so at most [`MAX_MEMBERS`] samples are kept.
    pub struct BpmfParams {
        factors: usize = 10, Rule::int(1, 256), "Length k of the user and item vectors.";
        iterations: usize = 300, Rule::at_least(1),
            "Gibbs sweeps (hyperparameters, users, items); one sweep is one epoch.";
        burn_in: usize = 100, Rule::Own("less than iterations"),
            "Sweeps before samples are kept.";
        thin: usize = 4, Rule::Own("at least 1, keeping at most 64 samples"),
            "Keep one sample every thin sweeps after the burn-in.";
        alpha: f32 = 2.0, Rule::Positive, "Precision α of the observation noise.";
        beta0: f32 = 2.0, Rule::Positive, "β₀ of the Gaussian–Wishart hyperprior.";
        init_std: f32 = 0.1, Rule::Positive, "Standard deviation of the initial vectors.";
        clip: Clip = Clip::Auto,
            Rule::Own("auto (the training ratings' range), none, or [lo, hi] with lo < hi"),
            "Clamp predictions (after the mean over samples).";
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
    /// The number of samples kept: sweeps `burn_in, burn_in + thin, …` below `iterations`.
    pub fn kept_samples(&self) -> usize {
        self.iterations
            .saturating_sub(self.burn_in)
            .div_ceil(self.thin.max(1))
    }

    /// Validates every parameter, naming the first one out of range, and refuses a `thin`
    /// away from its default that exceeds the sweeps after the burn-in (it would have no
    /// effect).
    pub fn check(&self) -> Result<BpmfValidParams> {
        let p = self;
        p.check_ranges()?;
        if p.burn_in >= p.iterations {
            return Err(ModelError::invalid(
                "burn_in",
                p.burn_in,
                format!("less than iterations = {}", p.iterations),
            ));
        }
        at_least_one("thin", p.thin)?;
        // Past the sweeps after the burn-in, every thin keeps the same one sample (the
        // burn-in's): only a value away from the default can be told from one left out.
        let after_burn_in = p.iterations - p.burn_in;
        if p.thin > after_burn_in && p.thin != Self::default().thin {
            return Err(ModelError::invalid(
                "thin",
                p.thin,
                format!(
                    "at most iterations − burn_in = {after_burn_in}: a larger thin has no \
                     effect (only the sample of sweep burn_in = {} is kept, whatever thin \
                     is); lower thin, raise iterations, or leave thin out",
                    p.burn_in
                ),
            ));
        }
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
            (d().clip(Clip::Range([5.0, 1.0])), "clip = [5, 1]"),
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
