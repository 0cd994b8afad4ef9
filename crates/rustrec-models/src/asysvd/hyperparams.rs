//! Hyperparameters of AsySVD, unchecked ([`AsySvdParams`]) and checked
//! ([`AsySvdValidParams`]).

use serde::{Deserialize, Serialize};

use crate::engine::{Optimizer, Schedule};
use crate::error::Result;
use crate::params::{at_least_one, integer_in, non_negative, positive, setter};

/// Asymmetric SVD (Koren 2008): `r̂_u = (|I(u)|^(−½) Σ_{j∈I(u)} r_uj V₁[j]) · V₂ᵀ`, trained on
/// batches of user profiles by minimising the mean squared error on the observed items and
/// sampled unobserved items (target 0).
///
/// | Name | Default | Range | Purpose |
/// |---|---|---|---|
/// | `factors` | 64 | 1–1024 | length k of the rows of V₁ and V₂ |
/// | `epochs` | 20 | ≥ 1 | passes over the users |
/// | `lr` | 0.002 | > 0 | base learning rate |
/// | `optimizer` | adam | sgd, momentum, adagrad, rmsprop, adam, adamw | update rule |
/// | `schedule` | constant | constant, step, exponential, one-cycle | lr over time |
/// | `reg` | 0 | ≥ 0 | weight decay on the rows a step touches (decoupled for AdamW) |
/// | `batch_size` | 64 | ≥ 1 | users per update |
/// | `negatives` | 1 | 0–1000 | unobserved items (target 0) drawn per observed item |
/// | `normalize` | true | | scale a user's sum by `|I(u)|^(−½)` |
/// | `implicit` | true | | binary profiles and targets (1) instead of the values |
/// | `init_std` | 0.01 | > 0 | standard deviation of the normal initialisation |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AsySvdParams {
    /// Number of latent factors k.
    pub factors: usize,
    /// Number of epochs.
    pub epochs: usize,
    /// Base learning rate.
    pub lr: f32,
    /// Update rule.
    pub optimizer: Optimizer,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Weight decay.
    pub reg: f32,
    /// Users per update.
    pub batch_size: usize,
    /// Sampled unobserved items per observed item.
    pub negatives: usize,
    /// Scale the user representation by `|I(u)|^(−½)`.
    pub normalize: bool,
    /// Binary profiles and targets.
    pub implicit: bool,
    /// Standard deviation of the initial factors.
    pub init_std: f32,
}

impl Default for AsySvdParams {
    fn default() -> Self {
        AsySvdParams {
            factors: 64,
            epochs: 20,
            lr: 0.002,
            optimizer: Optimizer::adam(),
            schedule: Schedule::Constant,
            reg: 0.0,
            batch_size: 64,
            negatives: 1,
            normalize: true,
            implicit: true,
            init_std: 0.01,
        }
    }
}

/// [`AsySvdParams`] that passed [`AsySvdParams::check`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AsySvdValidParams(pub(crate) AsySvdParams);

impl AsySvdValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &AsySvdParams {
        &self.0
    }
}

impl AsySvdParams {
    setter! {
        /// Sets `factors`.
        factors: usize,
        /// Sets `epochs`.
        epochs: usize,
        /// Sets `lr`.
        lr: f32,
        /// Sets `optimizer`.
        optimizer: Optimizer,
        /// Sets `schedule`.
        schedule: Schedule,
        /// Sets `reg`.
        reg: f32,
        /// Sets `batch_size`.
        batch_size: usize,
        /// Sets `negatives`.
        negatives: usize,
        /// Sets `normalize`.
        normalize: bool,
        /// Sets `implicit`.
        implicit: bool,
        /// Sets `init_std`.
        init_std: f32,
    }

    /// Validates every parameter, naming the first one out of range.
    pub fn check(&self) -> Result<AsySvdValidParams> {
        let p = self;
        integer_in("factors", p.factors, 1..=1024)?;
        at_least_one("epochs", p.epochs)?;
        positive("lr", p.lr)?;
        non_negative("reg", p.reg)?;
        at_least_one("batch_size", p.batch_size)?;
        integer_in("negatives", p.negatives, 0..=1000)?;
        positive("init_std", p.init_std)?;
        p.optimizer.check()?;
        p.schedule.check()?;
        Ok(AsySvdValidParams(p.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_hyperparameter_is_named_with_its_value_and_range() {
        let cases: Vec<(AsySvdParams, &str)> = vec![
            (AsySvdParams::default().factors(0), "factors = 0"),
            (AsySvdParams::default().epochs(0), "epochs = 0"),
            (AsySvdParams::default().lr(-0.1), "lr = -0.1"),
            (AsySvdParams::default().reg(f32::NAN), "reg = NaN"),
            (AsySvdParams::default().batch_size(0), "batch_size = 0"),
            (AsySvdParams::default().negatives(5000), "negatives = 5000"),
            (AsySvdParams::default().init_std(0.0), "init_std = 0"),
            (
                AsySvdParams::default().optimizer(Optimizer::Adam {
                    beta1: 1.0,
                    beta2: 0.9,
                    eps: 1e-8,
                }),
                "optimizer.beta1 = 1",
            ),
        ];
        for (params, want) in cases {
            let msg = params.check().unwrap_err().to_string();
            assert!(msg.contains(want), "{msg:?} should contain {want:?}");
        }
        assert!(AsySvdParams::default().check().is_ok());
        let p: AsySvdParams =
            serde_json::from_str(r#"{"factors": 8, "optimizer": {"kind": "sgd"}}"#).unwrap();
        assert_eq!(
            p,
            AsySvdParams::default().factors(8).optimizer(Optimizer::Sgd)
        );
        assert!(serde_json::from_str::<AsySvdParams>(r#"{"factor": 8}"#).is_err());
    }
}
