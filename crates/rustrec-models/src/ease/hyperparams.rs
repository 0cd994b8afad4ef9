//! Hyperparameters of EASE^R, unchecked ([`EaseParams`]) and checked ([`EaseValidParams`]).

use serde::Serialize;

use crate::error::Result;
use crate::params::{Hyperparams, Rule, hyperparams};

hyperparams! {
    /// EASE^R (Steck 2019): `B = I − P·diag(1/diag(P))` with `P = (XᵀX + λI)⁻¹`.
    ///
    /// On λ: Steck reports λ between 200 and 1000 for MovieLens-20M, Netflix and MSD with a
    /// binary `X`; 500 is also a good value for MovieLens-1M-sized data (3,706 items, 1M
    /// interactions): on its 80/20 holdout (seed 42, every rating a positive) precision@10 is
    /// 0.348, 0.368, 0.378, 0.381, 0.378, 0.367 for λ = 100, 250, 500, 1000, 2000, 4000. The
    /// best λ grows with the counts in `XᵀX`: scale it with the data (or with the squared
    /// values when `implicit = false`), and tune it on a validation split.
    pub struct EaseParams {
        lambda: f32 = 500.0, Rule::Positive,
            "λ, the L2 penalty on B added to the diagonal of XᵀX.";
        implicit: bool = true, Rule::Flag,
            "Use a binary X (every interaction 1) instead of its values.";
    }
}

/// [`EaseParams`] that passed [`EaseParams::check`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EaseValidParams(pub(crate) EaseParams);

impl EaseValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &EaseParams {
        &self.0
    }
}

impl EaseParams {
    /// Validates the parameters, naming the first one out of range.
    pub fn check(&self) -> Result<EaseValidParams> {
        self.check_ranges()?;
        Ok(EaseValidParams(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_must_be_positive_and_unknown_keys_are_refused() {
        for bad in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            let msg = EaseParams::default()
                .lambda(bad)
                .check()
                .unwrap_err()
                .to_string();
            assert!(msg.contains("lambda"), "{msg}");
        }
        assert!(EaseParams::default().check().is_ok());
        let p: EaseParams = serde_json::from_str(r#"{"lambda": 250}"#).unwrap();
        assert_eq!(p, EaseParams::default().lambda(250.0));
        assert!(serde_json::from_str::<EaseParams>(r#"{"lamda": 250}"#).is_err());
    }
}
