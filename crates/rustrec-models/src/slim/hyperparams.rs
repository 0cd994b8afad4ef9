//! Hyperparameters of SLIM trained by SGD on the squared error, unchecked
//! ([`SlimMseParams`]) and checked ([`SlimMseValidParams`]).

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::params::{Hyperparams, Rule, hyperparams, no_effect, self_checked};

/// Item groups when `groups` is not set: enough for the threads to balance their work
/// (the cost of a sample varies with its user's profile length). ML-1M, 2 threads, epochs
/// 2–5: 6.5 M samples/s with 2 groups, 7.6 M with 8, 7.8 M with 16, 7.0 M with 32.
pub const DEFAULT_GROUPS: usize = 16;

/// The most item groups.
pub const MAX_GROUPS: usize = 65_536;

self_checked!(SlimInit => names);

/// Where `S` starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlimInit {
    /// All zeros (the course notebook).
    Zeros,
    /// The ItemKNN cosine similarity (shrink `init_shrink`, `init_neighbours` per item).
    Cosine,
}

hyperparams! {
    /// SLIM (Ning & Karypis 2011) with the squared-error loss, trained by SGD as in the
    /// recommender-systems course notebook: draw a stored interaction `(u, i, r)` uniformly
    /// with replacement, predict `r̂ = Σ_{j ∈ I(u)} r_uj · S[j, i]`, and with `e = r − r̂` update
    /// `S[j, i] += lr · (e · r_uj − l2 · S[j, i] − l1 · sign(S[j, i]))` for every `j ∈ I(u)`
    /// (the ElasticNet terms are 0 by default, which is the notebook's plain update).
    ///
    /// **Why the diagonal is excluded by default.** With `S[i, i]` free, `r̂_ui` contains
    /// `r_ui · S[i, i]`: the model can explain every training value by copying its input
    /// (`S = I` has zero loss) and learns little about other items; that is why SLIM constrains
    /// `diag(S) = 0`. The course's Cython kernel does include it, so the speed configuration
    /// (`examples/ml1m-slim-mse.toml`) sets `exclude_diagonal = false` to run the very same
    /// algorithm.
    pub struct SlimMseParams {
        epochs: usize = 10, Rule::at_least(1),
            "Epochs of nnz samples each.";
        lr: f32 = 1e-4, Rule::Positive,
            "Learning rate.";
        l1: f32 = 0.0, Rule::NonNegative,
            "L1 weight (sparsity, SLIM ElasticNet).";
        l2: f32 = 0.0, Rule::NonNegative,
            "L2 weight.";
        exclude_diagonal: bool = true, Rule::Flag,
            "Keep S[i, i] = 0.";
        non_negative: bool = false, Rule::Flag,
            "Clip S at 0 after each update (SLIM's constraint).";
        init: SlimInit = SlimInit::Zeros, Rule::Choice("zeros, cosine"),
            "Starting S.";
        init_shrink: f32 = 10.0, Rule::NonNegative,
            "Shrink of the cosine start.";
        init_neighbours: usize = 100, Rule::at_least(1),
            "Neighbours per item of the cosine start.";
        top_k: usize = 200, Rule::Own("an integer ≥ 0 (0: all non-zeros)"),
            "Entries kept per target item in the final model.";
        groups: Option<usize> = None, Rule::int(1, MAX_GROUPS),
            "Item groups of the parallel schedule (none: 16); a run depends on the seed and the groups, not on the thread count.";
    }
}

/// Checked [`SlimMseParams`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlimMseValidParams(pub(crate) SlimMseParams);

impl SlimMseValidParams {
    /// The parameters.
    pub fn params(&self) -> &SlimMseParams {
        &self.0
    }
}

impl SlimMseParams {
    /// Validates the parameters against their table, and refuses the cosine start's
    /// settings away from their defaults without `init = "cosine"` (they would be ignored).
    pub fn check(&self) -> Result<SlimMseValidParams> {
        self.check_ranges()?;
        if self.init != SlimInit::Cosine {
            let defaults = Self::default();
            if self.init_shrink != defaults.init_shrink {
                return Err(no_effect(
                    "init_shrink",
                    self.init_shrink,
                    "init = \"cosine\"",
                ));
            }
            if self.init_neighbours != defaults.init_neighbours {
                return Err(no_effect(
                    "init_neighbours",
                    self.init_neighbours,
                    "init = \"cosine\"",
                ));
            }
        }
        Ok(SlimMseValidParams(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_hyperparameter_is_named_with_its_value() {
        let cases = [
            (SlimMseParams::default().epochs(0), "epochs = 0"),
            (SlimMseParams::default().lr(0.0), "lr = 0"),
            (SlimMseParams::default().l1(-1.0), "l1 = -1"),
            (SlimMseParams::default().l2(f32::NAN), "l2 = NaN"),
            (SlimMseParams::default().groups(Some(0)), "groups = 0"),
            (
                SlimMseParams::default().init_neighbours(0),
                "init_neighbours = 0",
            ),
        ];
        for (p, want) in cases {
            let e = p.check().unwrap_err().to_string();
            assert!(e.contains(want), "{e} lacks {want}");
        }
        assert!(SlimMseParams::default().check().is_ok());
    }

    /// Regression: the cosine start's settings were ignored without a word under the
    /// default `init = "zeros"`.
    #[test]
    fn cosine_start_settings_without_init_cosine_are_refused() {
        let e = SlimMseParams::default()
            .init_shrink(5.0)
            .check()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("init_shrink = 5: has no effect unless init = \"cosine\""),
            "{e}"
        );
        let e = SlimMseParams::default()
            .init_neighbours(20)
            .check()
            .unwrap_err()
            .to_string();
        assert!(e.contains("init_neighbours = 20: has no effect"), "{e}");
        let cosine = SlimMseParams::default()
            .init(SlimInit::Cosine)
            .init_shrink(5.0)
            .init_neighbours(20);
        assert!(cosine.check().is_ok());
    }

    #[test]
    fn a_config_table_reads_and_typos_are_refused() {
        let p: SlimMseParams =
            serde_json::from_str(r#"{"lr": 0.001, "exclude_diagonal": false, "init": "cosine"}"#)
                .unwrap();
        assert_eq!(
            (p.lr, p.exclude_diagonal, p.init),
            (0.001, false, SlimInit::Cosine)
        );
        assert!(serde_json::from_str::<SlimMseParams>(r#"{"learning_rate": 1}"#).is_err());
    }
}
