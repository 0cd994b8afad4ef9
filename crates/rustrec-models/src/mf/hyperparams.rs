//! Hyperparameters of biased matrix factorization, unchecked ([`MfParams`]) and checked
//! ([`MfValidParams`]).

use serde::{Deserialize, Serialize};

use crate::engine::{Optimizer, Schedule};
use crate::error::{ModelError, Result};
use crate::params::{at_least_one, finite_range, integer_in, non_negative, positive, setter};

/// How factor vectors are initialised (biases start at zero).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Init {
    /// Normal(0, std) — Surprise uses std 0.1.
    Normal {
        /// Standard deviation.
        std: f32,
    },
    /// Normal(0, std) truncated to ±2·std — fastai's `trunc_normal_` with std 0.01.
    TruncatedNormal {
        /// Standard deviation before truncation.
        std: f32,
    },
    /// Uniform(−scale, scale).
    Uniform {
        /// Half-width.
        scale: f32,
    },
}

impl Init {
    /// Checks the spread: `std` or `scale` finite and > 0 (named `init.std`, `init.scale`).
    pub fn check(&self) -> Result<()> {
        match *self {
            Init::Normal { std } | Init::TruncatedNormal { std } => positive("init.std", std),
            Init::Uniform { scale } => positive("init.scale", scale),
        }
    }
}

/// How the raw score `z = μ + b_u + b_i + p_u·q_i` becomes a prediction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Output {
    /// `r̂ = z`.
    Identity,
    /// `r̂ = lo + (hi − lo)·σ(z)` — fastai's `y_range`.
    Sigmoid {
        /// Lower end of the range.
        lo: f32,
        /// Upper end of the range.
        hi: f32,
    },
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

/// How a mini-batch's loss is reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reduction {
    /// Gradients of a batch are summed.
    Sum,
    /// Gradients of a batch are averaged (PyTorch's default).
    Mean,
}

/// Biased matrix factorization (Koren 2008): `r̂ = μ + b_u + b_i + p_u·q_i`, trained by
/// minimising `½(r − r̂)² + ½λ(‖p_u‖² + ‖q_i‖²) + ½λ_b(b_u² + b_i²)` per sample.
///
/// | Name | Default | Range | Purpose |
/// |---|---|---|---|
/// | `factors` | 40 | 1–1024 | length k of p_u, q_i |
/// | `epochs` | 20 | ≥ 1 | passes over the data |
/// | `lr` | 0.01 | > 0 | base learning rate |
/// | `optimizer` | sgd | sgd, momentum, adagrad, rmsprop, adam, adamw | update rule |
/// | `schedule` | constant | constant, step, exponential, one-cycle | lr over time |
/// | `reg` | 0.05 | ≥ 0 | λ on factors (weight decay; decoupled for AdamW) |
/// | `reg_bias` | = `reg` | ≥ 0 | λ_b on biases |
/// | `biases` | true | | learn b_u, b_i |
/// | `global_mean` | true | | add μ, the training mean |
/// | `dropout` | 0 | [0, 1) | dropout on p_u and q_i during training (torchmf) |
/// | `output` | identity | identity, sigmoid(lo < hi) | fastai's `y_range` |
/// | `init` | normal(0.1) | std > 0 | factor initialisation |
/// | `batch_size` | 1 | ≥ 1 | samples per update |
/// | `reduction` | mean | sum, mean | how a batch's gradients combine |
/// | `sampling` | shuffled | shuffled, with-replacement, in-order | sample order |
/// | `negative_fraction` | 0 | [0, 1) | share of samples that are unseen items with target 0 |
/// | `bins` | auto | ≥ 1 | blocks per dimension of the parallel schedule (auto: 4 × max(threads, 2); blocks also keep each step's rows in cache) |
/// | `reg_exponent` | 1 | [0, 2] | α: a row with n training ratings is shrunk with λ·(n/n̄)^(α−1) per sample, i.e. a total penalty ∝ n^α (see below) |
/// | `clip` | none | lo < hi | predictions clamped to `[lo, hi]` (the rating scale), at prediction time only |
/// | `average_last` | 0 | 0 ≤ m ≤ `epochs` | the model is the mean of the parameters after each of the last m epochs (0: the last epoch's) |
/// | `members` | 1 | 1–64 | independent factorizations trained side by side and merged into one model of `factors × members` factors (seed ensemble, see below) |
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MfParams {
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
    /// L2 / weight decay on factors.
    pub reg: f32,
    /// L2 / weight decay on biases (`None`: same as `reg`).
    pub reg_bias: Option<f32>,
    /// Learn user and item biases.
    pub biases: bool,
    /// Add the global mean μ of the training ratings.
    pub global_mean: bool,
    /// Dropout probability on factor vectors during training.
    pub dropout: f32,
    /// Output function.
    pub output: Output,
    /// Initialisation of factors.
    pub init: Init,
    /// Samples per update.
    pub batch_size: usize,
    /// How a batch's gradients combine.
    pub reduction: Reduction,
    /// Sample order.
    pub sampling: Sampling,
    /// Share of samples that are negatives (unseen items, target 0).
    pub negative_fraction: f32,
    /// Bins per dimension of the block schedule (`None`: automatic).
    pub bins: Option<usize>,
    /// α of the frequency-scaled regularisation: per-sample λ·(n/n̄)^(α−1) (1: plain λ).
    pub reg_exponent: f32,
    /// Clamp predictions to `[lo, hi]` (`None`: no clamping).
    pub clip: Option<[f32; 2]>,
    /// Average the parameters over the last m epochs (iterate averaging; 0: none).
    pub average_last: usize,
    /// Independent factorizations merged into one model (seed ensemble; 1: a single one).
    pub members: usize,
}

impl Default for MfParams {
    fn default() -> Self {
        MfParams {
            factors: 40,
            epochs: 20,
            lr: 0.01,
            optimizer: Optimizer::Sgd,
            schedule: Schedule::Constant,
            reg: 0.05,
            reg_bias: None,
            biases: true,
            global_mean: true,
            dropout: 0.0,
            output: Output::Identity,
            init: Init::Normal { std: 0.1 },
            batch_size: 1,
            reduction: Reduction::Mean,
            sampling: Sampling::Shuffled,
            negative_fraction: 0.0,
            bins: None,
            reg_exponent: 1.0,
            clip: None,
            average_last: 0,
            members: 1,
        }
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
        /// Sets `reg_bias`.
        reg_bias: Option<f32>,
        /// Sets `biases`.
        biases: bool,
        /// Sets `global_mean`.
        global_mean: bool,
        /// Sets `dropout`.
        dropout: f32,
        /// Sets `output`.
        output: Output,
        /// Sets `init`.
        init: Init,
        /// Sets `batch_size`.
        batch_size: usize,
        /// Sets `reduction`.
        reduction: Reduction,
        /// Sets `sampling`.
        sampling: Sampling,
        /// Sets `negative_fraction`.
        negative_fraction: f32,
        /// Sets `bins`.
        bins: Option<usize>,
        /// Sets `reg_exponent`.
        reg_exponent: f32,
        /// Sets `clip`.
        clip: Option<[f32; 2]>,
        /// Sets `average_last`.
        average_last: usize,
        /// Sets `members`.
        members: usize,
    }

    /// Validates every parameter, naming the first one out of range.
    pub fn check(&self) -> Result<MfValidParams> {
        let p = self;
        integer_in("factors", p.factors, 1..=1024)?;
        at_least_one("epochs", p.epochs)?;
        positive("lr", p.lr)?;
        non_negative("reg", p.reg)?;
        if let Some(rb) = p.reg_bias {
            non_negative("reg_bias", rb)?;
        }
        if !(0.0..1.0).contains(&p.dropout) {
            return Err(ModelError::invalid("dropout", p.dropout, "in [0, 1)"));
        }
        if !(0.0..1.0).contains(&p.negative_fraction) {
            return Err(ModelError::invalid(
                "negative_fraction",
                p.negative_fraction,
                "in [0, 1)",
            ));
        }
        if let Output::Sigmoid { lo, hi } = p.output {
            finite_range("output", format!("sigmoid({lo}, {hi})"), lo, hi)?;
        }
        p.init.check()?;
        at_least_one("batch_size", p.batch_size)?;
        if !(0.0..=2.0).contains(&p.reg_exponent) {
            return Err(ModelError::invalid(
                "reg_exponent",
                p.reg_exponent,
                "a number in [0, 2]",
            ));
        }
        if let Some([lo, hi]) = p.clip {
            finite_range("clip", format!("[{lo}, {hi}]"), lo, hi)?;
        }
        if p.average_last > p.epochs {
            return Err(ModelError::invalid(
                "average_last",
                p.average_last,
                format!("at most epochs = {}", p.epochs),
            ));
        }
        integer_in("members", p.members, 1..=MAX_MEMBERS)?;
        if let Some(bins) = p.bins {
            at_least_one("bins", bins)?;
        }
        p.optimizer.check()?;
        p.schedule.check()?;
        Ok(MfValidParams(p.clone()))
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
            (MfParams::default().bins(Some(0)), "bins = 0"),
            (
                MfParams::default().reg_exponent(-0.5),
                "reg_exponent = -0.5",
            ),
            (
                MfParams::default().reg_exponent(f32::NAN),
                "reg_exponent = NaN",
            ),
            (MfParams::default().clip(Some([5.0, 1.0])), "clip = [5, 1]"),
            (MfParams::default().average_last(21), "average_last = 21"),
            (MfParams::default().members(0), "members = 0"),
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
}
