//! Hyperparameters of SLIM trained by SGD on the squared error, unchecked
//! ([`SlimMseParams`]) and checked ([`SlimMseValidParams`]).

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// Item groups when `groups` is not set: enough for the threads to balance their work
/// (the cost of a sample varies with its user's profile length). ML-1M, 2 threads, epochs
/// 2–5: 6.5 M samples/s with 2 groups, 7.6 M with 8, 7.8 M with 16, 7.0 M with 32.
pub const DEFAULT_GROUPS: usize = 16;

/// Where `S` starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlimInit {
    /// All zeros (the course notebook).
    Zeros,
    /// The ItemKNN cosine similarity (shrink `init_shrink`, `init_neighbours` per item).
    Cosine,
}

/// SLIM (Ning & Karypis 2011) with the squared-error loss, trained by SGD as in the
/// recommender-systems course notebook: draw a stored interaction `(u, i, r)` uniformly
/// with replacement, predict `r̂ = Σ_{j ∈ I(u)} r_uj · S[j, i]`, and with `e = r − r̂` update
/// `S[j, i] += lr · (e · r_uj − l2 · S[j, i] − l1 · sign(S[j, i]))` for every `j ∈ I(u)`
/// (the ElasticNet terms are 0 by default, which is the notebook's plain update).
///
/// | Name | Default | Range | Purpose |
/// |---|---|---|---|
/// | `epochs` | 10 | ≥ 1 | epochs of `nnz` samples each |
/// | `lr` | 1e-4 | > 0 | learning rate |
/// | `l1` | 0 | ≥ 0 | L1 weight (sparsity, SLIM ElasticNet) |
/// | `l2` | 0 | ≥ 0 | L2 weight |
/// | `exclude_diagonal` | true | | keep `S[i, i] = 0` |
/// | `non_negative` | false | | clip `S` at 0 after each update (SLIM's constraint) |
/// | `init` | zeros | zeros, cosine | starting `S` |
/// | `init_shrink` | 10 | ≥ 0 | shrink of the cosine start |
/// | `init_neighbours` | 100 | ≥ 1 | neighbours per item of the cosine start |
/// | `top_k` | 200 | ≥ 0 | entries kept per target item in the final model (0: all non-zeros) |
/// | `groups` | 16 | ≥ 1 | item groups of the parallel schedule: a run depends on the seed and the groups, not on the thread count |
///
/// **Why the diagonal is excluded by default.** With `S[i, i]` free, `r̂_ui` contains
/// `r_ui · S[i, i]`: the model can explain every training value by copying its input
/// (`S = I` has zero loss) and learns little about other items; that is why SLIM constrains
/// `diag(S) = 0`. The course's Cython kernel does include it, so the speed configuration
/// (`examples/ml1m-slim-mse.toml`) sets `exclude_diagonal = false` to run the very same
/// algorithm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlimMseParams {
    /// Number of epochs.
    pub epochs: usize,
    /// Learning rate.
    pub lr: f32,
    /// L1 weight.
    pub l1: f32,
    /// L2 weight.
    pub l2: f32,
    /// Keep the diagonal at zero.
    pub exclude_diagonal: bool,
    /// Clip at zero after each update.
    pub non_negative: bool,
    /// Starting matrix.
    pub init: SlimInit,
    /// Shrink of the cosine start.
    pub init_shrink: f32,
    /// Neighbours per item of the cosine start.
    pub init_neighbours: usize,
    /// Entries kept per target item in the final model (0 = all non-zeros).
    pub top_k: usize,
    /// Item groups of the parallel schedule (`None`: [`DEFAULT_GROUPS`]).
    pub groups: Option<usize>,
}

impl Default for SlimMseParams {
    fn default() -> Self {
        SlimMseParams {
            epochs: 10,
            lr: 1e-4,
            l1: 0.0,
            l2: 0.0,
            exclude_diagonal: true,
            non_negative: false,
            init: SlimInit::Zeros,
            init_shrink: 10.0,
            init_neighbours: 100,
            top_k: 200,
            groups: None,
        }
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

macro_rules! setter {
    ($($name:ident: $ty:ty),* $(,)?) => {
        $(#[doc = concat!("Sets `", stringify!($name), "`.")]
          pub fn $name(mut self, value: $ty) -> Self { self.$name = value; self })*
    };
}

impl SlimMseParams {
    setter! {
        epochs: usize,
        lr: f32,
        l1: f32,
        l2: f32,
        exclude_diagonal: bool,
        non_negative: bool,
        init: SlimInit,
        init_shrink: f32,
        init_neighbours: usize,
        top_k: usize,
        groups: Option<usize>,
    }

    /// Validates the parameters against the table above.
    pub fn check(&self) -> Result<SlimMseValidParams> {
        let p = self;
        if p.epochs == 0 {
            return Err(ModelError::invalid("epochs", 0, "at least 1"));
        }
        if !(p.lr > 0.0 && p.lr.is_finite()) {
            return Err(ModelError::invalid("lr", p.lr, "a finite number > 0"));
        }
        for (name, v) in [("l1", p.l1), ("l2", p.l2), ("init_shrink", p.init_shrink)] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(ModelError::invalid(name, v, "a finite number ≥ 0"));
            }
        }
        if p.init_neighbours == 0 {
            return Err(ModelError::invalid("init_neighbours", 0, "at least 1"));
        }
        if p.groups == Some(0) {
            return Err(ModelError::invalid("groups", 0, "at least 1"));
        }
        Ok(SlimMseValidParams(p.clone()))
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
