//! Hyperparameters of AsySVD, unchecked ([`AsySvdParams`]) and checked
//! ([`AsySvdValidParams`]).

use serde::Serialize;

use crate::engine::{Optimizer, Schedule};
use crate::error::Result;
use crate::params::{Hyperparams, Rule, hyperparams};

hyperparams! {
    /// Asymmetric SVD (Koren 2008): `r̂_u = (|I(u)|^(−½) Σ_{j∈I(u)} r_uj V₁[j]) · V₂ᵀ`, trained on
    /// batches of user profiles by minimising the mean squared error on the observed items and
    /// sampled unobserved items (target 0).
    pub struct AsySvdParams {
        sgd {
            factors: 64,
            epochs: 20,
            lr: 0.002,
            optimizer: Optimizer::adam(),
            schedule: Schedule::Constant,
        }
        reg: f32 = 0.0, Rule::NonNegative,
            "Weight decay on the rows a step touches (decoupled for AdamW).";
        batch_size: usize = 64, Rule::at_least(1),
            "Users per update.";
        negatives: usize = 1, Rule::int(0, 1000),
            "Unobserved items (target 0) drawn per observed item.";
        normalize: bool = true, Rule::Flag,
            "Scale a user's sum by |I(u)|^(−½).";
        implicit: bool = true, Rule::Flag,
            "Binary profiles and targets (1) instead of the values.";
        init_std: f32 = 0.01, Rule::Positive,
            "Standard deviation of the normal initialisation.";
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
    /// Validates every parameter, naming the first one out of range.
    pub fn check(&self) -> Result<AsySvdValidParams> {
        self.check_ranges()?;
        Ok(AsySvdValidParams(self.clone()))
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
