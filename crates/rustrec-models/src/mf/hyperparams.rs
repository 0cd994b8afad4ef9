//! Hyperparameters of biased matrix factorization, unchecked ([`MfParams`]) and checked
//! ([`MfValidParams`]).

use serde::{Deserialize, Serialize};

use crate::engine::grid::{DEFAULT_BINS, MAX_BINS};
use crate::engine::sgd::Init;
use crate::engine::{Optimizer, Schedule};
use crate::error::{ModelError, Result};
use crate::params::{Hyperparams, Rule, finite_range, hyperparams, no_effect, self_checked};

/// How the raw score `z = μ + b_u + b_i + p_u·q_i` becomes a prediction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Output {
    /// `r̂ = z`.
    Identity,
    /// `r̂ = lo + (hi − lo)·σ(z)` — fastai's `y_range`.
    Sigmoid {
        /// Lower end of the range (a config that leaves it out reads NaN, which
        /// [`Output::check`] refuses naming the missing key).
        #[serde(default = "missing_bound")]
        lo: f32,
        /// Upper end of the range (as `lo`).
        #[serde(default = "missing_bound")]
        hi: f32,
    },
}

/// A sigmoid bound left out of a config: NaN, so that [`Output::check`] can say which key
/// is missing (serde's own error, "missing field `lo`", named neither `output` nor the form
/// the value takes).
fn missing_bound() -> f32 {
    f32::NAN
}

/// How samples are drawn in an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sampling {
    /// Every training interaction once per epoch, in a fresh random order (entries are
    /// shuffled once, then each epoch walks every block in a new seeded affine order).
    Shuffled,
    /// `nnz` draws with replacement from the training interactions (the Cython notebook).
    WithReplacement,
    /// Every training interaction once per epoch in the data's order — user by user, items
    /// by increasing index (order of first appearance) — with no shuffling: Surprise's SVD
    /// order (Surprise follows the file within a user; on ML-100K `ua.base` the two orders
    /// end 3e-5 RMSE apart). With `bins > 1` the blocks still run in a random order; use
    /// `bins = 1` for the plain sequential pass.
    InOrder,
}

/// How the training ratings are laid out for the parallel block schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// `rows` for plain shuffled SGD on at least [`ROWS_LAYOUT_MIN_RATINGS`] training
    /// ratings (where it was measured faster, in less memory, at the same accuracy),
    /// `shuffled` otherwise.
    Auto,
    /// Users and items shuffled into bins, every rating copied into its block, blocks
    /// walked in a random order of ratings (the most random order; 4 bytes a rating for
    /// plain SGD when a block's positions and the value table fit 32 bits, as with
    /// MovieLens-shaped data: [`crate::engine::packed`]; 12 bytes otherwise).
    Shuffled,
    /// Contiguous, count-balanced user and item ranges; blocks read the training matrix in
    /// place, user by user in a random order of users, each user's ratings in item order
    /// (cache-friendly, no copy; plain SGD with `sampling = shuffled` only).
    Rows,
}

/// Training ratings from which `layout = auto` chooses `rows`.
///
/// Measured by `bench/mf_layouts.sh` (ML-10M-, ML-20M- and Netflix-shaped synthetic sets of
/// 2.7M to 18M training ratings, `examples/ml1m-mf.toml`, 2 threads): from 4M training
/// ratings on, `rows` trained 12-30% faster in 8-24% less peak memory at the same test RMSE
/// (within 0.0005); below, the two were even (2.7M) or `shuffled` was ahead (12% faster on
/// an ML-20M-shaped 3.6M; on ML-1M faster and 0.0006 better).
pub const ROWS_LAYOUT_MIN_RATINGS: usize = 5_000_000;

/// How a mini-batch's loss is reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reduction {
    /// Gradients of a batch are summed.
    Sum,
    /// Gradients of a batch are averaged (PyTorch's default).
    Mean,
}

/// How predictions are clamped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clip {
    /// To the range of the training ratings (Surprise's behaviour; the default).
    Auto,
    /// Not at all.
    None,
    /// To `[lo, hi]`.
    Range([f32; 2]),
}

impl Clip {
    /// Checks a `[lo, hi]` range (named `clip`).
    pub fn check(&self) -> Result<()> {
        match *self {
            Clip::Range([lo, hi]) => finite_range("clip", format!("[{lo}, {hi}]"), lo, hi),
            Clip::Auto | Clip::None => Ok(()),
        }
    }

    /// The range predictions are clamped to, given the training ratings' range.
    pub fn range(&self, rating_range: Option<[f32; 2]>) -> Option<[f32; 2]> {
        match *self {
            Clip::Auto => rating_range,
            Clip::None => None,
            Clip::Range(r) => Some(r),
        }
    }
}

/// In configs and files: `"auto"`, `"none"` or `[lo, hi]`.
impl Serialize for Clip {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Clip::Auto => s.serialize_str("auto"),
            Clip::None => s.serialize_str("none"),
            Clip::Range(r) => r.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Clip {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let bad = || {
            serde::de::Error::custom(format!(
                "clip = {v}: expected \"auto\", \"none\" or [lo, hi]"
            ))
        };
        match &v {
            serde_json::Value::String(s) if s == "auto" => Ok(Clip::Auto),
            serde_json::Value::String(s) if s == "none" => Ok(Clip::None),
            serde_json::Value::Array(a) if a.len() == 2 => {
                let num = |x: &serde_json::Value| x.as_f64().map(|f| f as f32);
                match (num(&a[0]), num(&a[1])) {
                    (Some(lo), Some(hi)) => Ok(Clip::Range([lo, hi])),
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }
}

impl Output {
    /// Checks a sigmoid's range (named `output`).
    pub fn check(&self) -> Result<()> {
        match *self {
            Output::Sigmoid { lo, hi } if lo.is_nan() || hi.is_nan() => {
                let missing = match (lo.is_nan(), hi.is_nan()) {
                    (true, true) => "lo and hi",
                    (true, false) => "lo",
                    _ => "hi",
                };
                Err(ModelError::invalid(
                    "output",
                    format!("sigmoid without {missing}"),
                    "the sigmoid needs both ends of its range, as output = { kind = \
                     \"sigmoid\", lo = 1, hi = 5 } (finite numbers, lo < hi: for ratings, the \
                     rating scale)",
                ))
            }
            Output::Sigmoid { lo, hi } => {
                finite_range("output", format!("sigmoid({lo}, {hi})"), lo, hi)
            }
            Output::Identity => Ok(()),
        }
    }
}

self_checked!(
    Output => own,
    Clip => own,
    Reduction => names,
    Sampling => names,
    Layout => names,
);

hyperparams! {
    /// Biased matrix factorization (Koren 2008): `r̂ = μ + b_u + b_i + p_u·q_i`, trained by
    /// minimising `½(r − r̂)² + ½λ(‖p_u‖² + ‖q_i‖²) + ½λ_b(b_u² + b_i²)` per sample.
    /// `rustrec models mf` prints the table of names, defaults and ranges.
    ///
/// **Frequency-scaled regularisation** (`reg_exponent`). Per-sample SGD regularisation
/// adds λ‖p_u‖² once per rating of u, so the total penalty of a row grows with its count
/// n_u: α = 1, the "weighted-λ" of ALS-WR (Zhou et al. 2008) and the weighted trace norm
/// (Srebro & Salakhutdinov 2010). α = 0 gives every row the same prior (MAP under one
/// Gaussian prior per row, as in PMF, Salakhutdinov & Mnih 2008); α = ½ is MyMediaLite's
/// `frequency_regularization` (λ/√n per sample). Foygel et al. (2011) show that a
/// weighting between the two generalises better under non-uniform sampling. The per-sample
/// factor is normalised by the mean count n̄ of the side (users or items), so λ keeps its
/// meaning at the mean row; it applies to factors and biases alike.
///
/// **Iterate averaging** (`average_last`): the model is the mean of the parameters after
/// each of the last m epochs (Polyak & Juditsky 1992; stochastic weight averaging,
/// Izmailov et al. 2018), which removes part of SGD's noise.
///
/// **Seed ensembles** (`members = M`). M factorizations with the same hyperparameters but
/// independent seed streams (initial factors, entry shuffles, block orders; member 0 uses
/// the run's seed, so it is the model `members = 1` would train) run epoch by epoch in
/// lockstep. After every epoch they are merged *exactly* into one biased MF:
/// `b_u = mean_m b_u^m`, `b_i = mean_m b_i^m`, and `p_u`, `q_i` the concatenations of the
/// members' vectors, each scaled by `1/√M`, so that
/// `μ + b_u + b_i + p_u·q_i = (1/M) Σ_m (μ + b_u^m + b_i^m + p_u^m·q_i^m)`:
/// the merged raw score is the mean of the members' raw scores. The output function and
/// `clip` then apply to that mean, so the prediction is `clip(out(mean of raw scores))`
/// (with the identity output: the clipped mean of the members' unclipped predictions,
/// which can differ from the mean of clipped predictions). Validation, early stopping and
/// the refit all see the merged model, so every member stops at the same epoch; the
/// training loss reported is the mean over members of their own losses. The trained model
/// is an ordinary MF model with `factors × members` factors (`MfModel::factors`).
/// Averaging members cuts the variance that comes from the random initialisation and the
/// sample order (Dietterich 2000; the "blending" of many factorizations in the Netflix Prize,
/// Töscher, Jahrer & Bell 2009).
///
/// **Tuning note (explicit ratings).** On MovieLens-100K (`ua.base`, hyperparameters chosen
/// on a validation split carved from it, see `examples/mf_tune.rs`) the best settings were a
/// small initialisation (`normal(0.01)` instead of 0.1), early stopping on validation, and
/// `reg_exponent = 0.5`: small initial factors make SGD fit the leading directions first, so
/// that stopping early acts as a low-rank regulariser (Gunasekar et al. 2017, implicit
/// regularisation in matrix factorization).
///
/// Note on scale: the loss is half the squared error (as Koren, Surprise and LIBMF), so a
/// learning rate `x` here is PyTorch's `x / 2` with `MSELoss` under plain SGD.
    pub struct MfParams {
        sgd {
            factors: 40,
            epochs: 20,
            lr: 0.01,
            optimizer: Optimizer::Sgd,
            schedule: Schedule::Constant,
        }
        reg: f32 = 0.05, Rule::NonNegative,
            "λ on factors (L2 / weight decay; decoupled for AdamW).";
        reg_bias: Option<f32> = None, Rule::NonNegative,
            "λ_b on biases (none: the same as reg).";
        biases: bool = true, Rule::Flag, "Learn user and item biases b_u, b_i.";
        global_mean: bool = true, Rule::Flag, "Add μ, the training mean.";
        dropout: f32 = 0.0, Rule::Fraction,
            "Dropout probability on p_u and q_i during training (torchmf).";
        output: Output = Output::Identity, Rule::Own("identity, or sigmoid with lo < hi"),
            "Output function (fastai's y_range is a sigmoid).";
        init: Init = Init::Normal { std: 0.1 }, Rule::Own("normal, truncated-normal (std > 0), uniform (scale > 0)"),
            "Initialisation of the factors (biases start at 0).";
        batch_size: usize = 1, Rule::at_least(1), "Samples per update.";
        reduction: Reduction = Reduction::Mean, Rule::Choice("sum, mean"),
            "How a batch's gradients combine.";
        sampling: Sampling = Sampling::Shuffled,
            Rule::Choice("shuffled, with-replacement, in-order"), "Sample order.";
        negative_fraction: f32 = 0.0, Rule::Fraction,
            "Share of samples that are unseen items with target 0.";
        layout: Layout = Layout::Auto, Rule::Choice("auto, shuffled, rows"),
            "Block layout: rows reads the data in place, user by user (fast at scale).";
        bins: usize = DEFAULT_BINS, Rule::int(1, MAX_BINS),
            "Blocks per dimension of the parallel schedule (results do not depend on threads).";
        reg_exponent: f32 = 1.0, Rule::Between(0.0, 2.0),
            "α of the frequency-scaled regularisation: per-sample λ·(n/n̄)^(α−1).";
        clip: Clip = Clip::Auto, Rule::Own("auto (the training ratings' range), none, or [lo, hi] with lo < hi"),
            "Clamp predictions (at prediction time only).";
        average_last: usize = 0, Rule::Own("an integer in 0..=epochs"),
            "Average the parameters over the last m epochs (0: the last epoch's).";
        members: usize = 1, Rule::int(1, MAX_MEMBERS),
            "Independent factorizations merged into one model (seed ensemble).";
    }
}

/// Largest `members`.
pub const MAX_MEMBERS: usize = 64;

/// [`MfParams`] that passed [`MfParams::check`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MfValidParams(pub(crate) MfParams);

impl MfValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &MfParams {
        &self.0
    }
}

impl MfParams {
    /// Whether training takes the fast kernel: plain SGD, one sample per update, identity
    /// output, no dropout, no negative samples.
    pub fn plain_sgd(&self) -> bool {
        matches!(self.optimizer, Optimizer::Sgd)
            && self.batch_size == 1
            && self.dropout == 0.0
            && self.output == Output::Identity
            && self.negative_fraction == 0.0
    }

    /// The layout training uses on `ratings` training ratings (`auto` resolved).
    pub fn layout_for(&self, ratings: usize) -> Layout {
        match self.layout {
            Layout::Auto
                if self.plain_sgd()
                    && self.sampling == Sampling::Shuffled
                    && ratings >= ROWS_LAYOUT_MIN_RATINGS =>
            {
                Layout::Rows
            }
            Layout::Auto => Layout::Shuffled,
            other => other,
        }
    }

    /// Validates every parameter, naming the first one out of range, and refuses a
    /// parameter set away from its default where the other settings leave it without
    /// effect (`reg_bias` without biases, `reduction = "sum"` with one sample per update),
    /// naming the setting it needs.
    pub fn check(&self) -> Result<MfValidParams> {
        self.check_ranges()?;
        if self.layout == Layout::Rows && !(self.plain_sgd() && self.sampling == Sampling::Shuffled)
        {
            return Err(ModelError::invalid(
                "layout",
                "rows",
                "auto or shuffled unless training is plain SGD with sampling = shuffled \
                 (optimizer = sgd, batch_size = 1, dropout = 0, output = identity, \
                 negative_fraction = 0)",
            ));
        }
        if let (Some(reg_bias), false) = (self.reg_bias, self.biases) {
            return Err(no_effect("reg_bias", reg_bias, "biases = true"));
        }
        // One sample per update: the mean of one gradient is that gradient, so the kernel's
        // scale is 1 under either reduction. Only a reduction away from the default can be
        // told apart from one left out (see `no_effect`).
        if self.batch_size == 1 && self.reduction != Self::default().reduction {
            return Err(ModelError::invalid(
                "reduction",
                match self.reduction {
                    Reduction::Sum => "\"sum\"",
                    Reduction::Mean => "\"mean\"",
                },
                "has no effect with batch_size = 1 (one sample per update: the sum and the \
                 mean of one gradient are the same); set batch_size above 1, or leave \
                 reduction out",
            ));
        }
        if self.average_last > self.epochs {
            return Err(ModelError::invalid(
                "average_last",
                self.average_last,
                format!("at most epochs = {}", self.epochs),
            ));
        }
        Ok(MfValidParams(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_hyperparameter_is_named_with_its_value_and_range() {
        let cases: Vec<(MfParams, &str)> = vec![
            (MfParams::default().factors(0), "factors = 0"),
            (MfParams::default().factors(2000), "factors = 2000"),
            (MfParams::default().epochs(0), "epochs = 0"),
            (MfParams::default().lr(0.0), "lr = 0"),
            (MfParams::default().lr(f32::NAN), "lr = NaN"),
            (MfParams::default().reg(-1.0), "reg = -1"),
            (MfParams::default().reg_bias(Some(-0.5)), "reg_bias = -0.5"),
            (MfParams::default().dropout(1.0), "dropout = 1"),
            (
                MfParams::default().negative_fraction(1.5),
                "negative_fraction = 1.5",
            ),
            (
                MfParams::default().output(Output::Sigmoid { lo: 5.0, hi: 1.0 }),
                "output = sigmoid(5, 1)",
            ),
            (
                MfParams::default().init(Init::Normal { std: 0.0 }),
                "init.std = 0",
            ),
            (
                MfParams::default().init(Init::Uniform { scale: -1.0 }),
                "init.scale = -1",
            ),
            (MfParams::default().batch_size(0), "batch_size = 0"),
            (MfParams::default().bins(0), "bins = 0"),
            (
                MfParams::default().bins(100_000),
                "bins = 100000: an integer in 1..=256",
            ),
            (
                MfParams::default().reg_exponent(-0.5),
                "reg_exponent = -0.5",
            ),
            (
                MfParams::default().reg_exponent(f32::NAN),
                "reg_exponent = NaN",
            ),
            (
                MfParams::default().clip(Clip::Range([5.0, 1.0])),
                "clip = [5, 1]",
            ),
            (MfParams::default().average_last(21), "average_last = 21"),
            (MfParams::default().members(0), "members = 0"),
            (
                MfParams::default().layout(Layout::Rows).batch_size(8),
                "layout = rows: auto or shuffled unless",
            ),
            (
                MfParams::default()
                    .layout(Layout::Rows)
                    .sampling(Sampling::InOrder),
                "layout = rows",
            ),
            (MfParams::default().members(65), "members = 65"),
            (
                MfParams::default().optimizer(Optimizer::Momentum {
                    momentum: 1.5,
                    nesterov: false,
                }),
                "optimizer.momentum = 1.5",
            ),
            (
                MfParams::default().schedule(Schedule::Exponential { gamma: 0.0 }),
                "schedule.gamma = 0",
            ),
        ];
        for (params, want) in cases {
            let msg = params.check().unwrap_err().to_string();
            assert!(msg.contains(want), "{msg:?} should contain {want:?}");
        }
        assert!(MfParams::default().check().is_ok());
        assert!(MfParams::default().layout(Layout::Rows).check().is_ok());
    }

    /// Regression: `reg_bias` with `biases = false` was accepted and ignored.
    #[test]
    fn reg_bias_without_biases_is_refused_naming_biases() {
        let e = MfParams::default()
            .biases(false)
            .reg_bias(Some(0.1))
            .check()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("reg_bias = 0.1: has no effect unless biases = true"),
            "{e}"
        );
        assert!(MfParams::default().biases(false).check().is_ok());
        assert!(MfParams::default().reg_bias(Some(0.1)).check().is_ok());
    }

    /// Regression: `reduction = "sum"` with `batch_size = 1` was accepted and changed
    /// nothing (a batch of one sample has the same sum and mean). It is refused naming
    /// both keys and their values; with a batch it counts, and at batch_size 1 the default
    /// (which a left-out key cannot be told from) stays accepted.
    #[test]
    fn reduction_sum_with_batch_size_1_is_refused_as_without_effect() {
        let e = MfParams::default()
            .reduction(Reduction::Sum)
            .check()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("invalid reduction = \"sum\": has no effect with batch_size = 1")
                && e.contains("set batch_size above 1, or leave reduction out"),
            "{e}"
        );
        // Parsed from a config, as a user writes it.
        let p: MfParams = serde_json::from_str(r#"{"reduction": "sum"}"#).unwrap();
        assert!(p.check().is_err());
        assert!(MfParams::default().check().is_ok());
        assert!(
            MfParams::default()
                .reduction(Reduction::Mean)
                .check()
                .is_ok()
        );
        for reduction in [Reduction::Sum, Reduction::Mean] {
            let batched = MfParams::default().batch_size(2).reduction(reduction);
            assert!(batched.check().is_ok(), "{reduction:?}");
        }
    }

    /// Regression: `output = "sigmoid"` (or a sigmoid table without its bounds) failed
    /// with serde's "missing field `lo`", naming neither `output` nor how to give the range.
    #[test]
    fn a_sigmoid_output_without_bounds_names_output_and_the_keys_it_needs() {
        for (config, missing) in [
            (
                r#"{"output": {"kind": "sigmoid"}}"#,
                "sigmoid without lo and hi",
            ),
            (
                r#"{"output": {"kind": "sigmoid", "hi": 5}}"#,
                "sigmoid without lo",
            ),
            (
                r#"{"output": {"kind": "sigmoid", "lo": 1}}"#,
                "sigmoid without hi",
            ),
        ] {
            let p: MfParams = serde_json::from_str(config).unwrap();
            let e = p.check().unwrap_err().to_string();
            assert!(
                e.contains(&format!("invalid output = {missing}"))
                    && e.contains(r#"output = { kind = "sigmoid", lo = 1, hi = 5 }"#),
                "{e}"
            );
        }
        let p: MfParams =
            serde_json::from_str(r#"{"output": {"kind": "sigmoid", "lo": 1, "hi": 5}}"#).unwrap();
        assert_eq!(p.output, Output::Sigmoid { lo: 1.0, hi: 5.0 });
        assert!(p.check().is_ok());
    }

    #[test]
    fn auto_layout_picks_rows_only_for_plain_shuffled_sgd_at_scale() {
        let p = MfParams::default();
        assert_eq!(p.layout_for(ROWS_LAYOUT_MIN_RATINGS - 1), Layout::Shuffled);
        assert_eq!(p.layout_for(ROWS_LAYOUT_MIN_RATINGS), Layout::Rows);
        let batched = MfParams::default().batch_size(4);
        assert_eq!(batched.layout_for(usize::MAX), Layout::Shuffled);
        let in_order = MfParams::default().sampling(Sampling::InOrder);
        assert_eq!(in_order.layout_for(usize::MAX), Layout::Shuffled);
        let forced = MfParams::default().layout(Layout::Shuffled);
        assert_eq!(forced.layout_for(usize::MAX), Layout::Shuffled);
        let rows = MfParams::default().layout(Layout::Rows);
        assert_eq!(rows.layout_for(10), Layout::Rows);
    }

    #[test]
    fn params_read_from_toml_like_json_with_defaults() {
        let p: MfParams = serde_json::from_str(
            r#"{"factors": 8, "optimizer": {"kind": "adam", "beta1": 0.9, "beta2": 0.99, "eps": 1e-8},
                "output": {"kind": "sigmoid", "lo": 0.0, "hi": 5.5}}"#,
        )
        .unwrap();
        assert_eq!(p.factors, 8);
        assert_eq!(p.epochs, 20);
        assert_eq!(p.output, Output::Sigmoid { lo: 0.0, hi: 5.5 });
        assert!(serde_json::from_str::<MfParams>(r#"{"factor": 8}"#).is_err());
    }

    #[test]
    fn clip_reads_auto_none_and_a_range() {
        for (text, want) in [
            (r#""auto""#, Clip::Auto),
            (r#""none""#, Clip::None),
            ("[1, 5]", Clip::Range([1.0, 5.0])),
        ] {
            let p: MfParams = serde_json::from_str(&format!(r#"{{"clip": {text}}}"#)).unwrap();
            assert_eq!(p.clip, want);
            let back: MfParams = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
            assert_eq!(back.clip, want);
        }
        assert_eq!(MfParams::default().clip, Clip::Auto);
        let e = serde_json::from_str::<MfParams>(r#"{"clip": "yes"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("auto") && e.contains("[lo, hi]"), "{e}");
        assert_eq!(Clip::Auto.range(Some([1.0, 5.0])), Some([1.0, 5.0]));
        assert_eq!(Clip::None.range(Some([1.0, 5.0])), None);
        assert_eq!(Clip::Range([0.0, 1.0]).range(None), Some([0.0, 1.0]));
    }

    #[test]
    fn the_table_lists_every_field_and_its_defaults_agree_with_default() {
        let table = MfParams::table();
        let json = serde_json::to_value(MfParams::default()).unwrap();
        let fields = json.as_object().unwrap();
        assert_eq!(table.len(), fields.len());
        for row in &table {
            assert!(fields.contains_key(row.name), "{}", row.name);
            assert!(!row.help.is_empty());
        }
        assert_eq!(json["bins"], 8);
        assert_eq!(json["clip"], "auto");
    }
}
