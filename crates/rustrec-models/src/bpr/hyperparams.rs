//! Hyperparameters of the implicit-feedback factor models, unchecked ([`BprParams`]) and
//! checked ([`BprValidParams`]).

use serde::{Deserialize, Serialize};

use crate::engine::{Optimizer, Schedule};
use crate::error::{ModelError, Result};
use crate::mf::Init;
use crate::params::{at_least_one, integer_in, non_negative, positive, setter};

/// The pairwise loss a positive `(u, i)` and a negative `j` are trained with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// BPR (Rendle et al. 2009): `−ln σ(x̂_ui − x̂_uj)`, one uniformly drawn negative.
    Bpr,
    /// WARP (Weston et al. 2011): negatives are drawn until one violates the margin
    /// (`x̂_uj > x̂_ui − 1`) or `max_tries` are spent; the hinge `1 − x̂_ui + x̂_uj` is
    /// weighted by `L(⌊(n_items − 1)/trials⌋)`, `L(k) = Σ_{r=1..k} 1/r`.
    Warp,
}

/// How the positives of an epoch are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairSampling {
    /// Every training positive exactly once per epoch, in a fresh seeded order.
    PerInteraction,
    /// As many draws as there are positives, each a uniformly drawn user followed by one of
    /// that user's positives (the course's BPR data set; it weights users equally instead
    /// of weighting heavy users by their activity). With the block grid, the user is drawn
    /// among the users that have positives in the block.
    PerUser,
}

/// Implicit-feedback matrix factorization trained on (user, positive, negative) triples:
/// `x̂_ui = p_u·q_i (+ b_i)`, with the BPR or WARP loss (one model kind, `bpr`, with
/// `loss = "bpr" | "warp"`).
///
/// | Name | Default | Range | Purpose |
/// |---|---|---|---|
/// | `loss` | bpr | bpr, warp | pairwise loss |
/// | `factors` | 20 | 1–1024 | length k of p_u, q_i |
/// | `epochs` | 20 | ≥ 1 | passes over the positives |
/// | `lr` | 0.05 | > 0 | base learning rate |
/// | `optimizer` | sgd | sgd, momentum, adagrad, rmsprop, adam, adamw | update rule (plain SGD and Adagrad take fused fast paths) |
/// | `schedule` | constant | constant, step, exponential, one-cycle | lr over time |
/// | `reg` | 0.01 | ≥ 0 | λ on user and item factors (per update, weight decay) |
/// | `reg_bias` | = `reg` | ≥ 0 | λ on item biases |
/// | `item_bias` | true | | learn b_i |
/// | `sampling` | per-interaction | per-interaction, per-user | how positives are drawn |
/// | `popularity_alpha` | 0 | [0, 2] | negatives drawn ∝ (count + 1)^α (0: uniform over unseen items) |
/// | `max_tries` | 10 | 1–10000 | WARP: negatives tried per positive (LightFM's `max_sampled`) |
/// | `margin` | 1 | > 0 | WARP: the margin of the hinge |
/// | `initial_accumulator` | 0 | ≥ 0 | Adagrad: starting value of the squared-gradient sums (PyTorch's `initial_accumulator_value`; LightFM uses 1, which makes early steps `lr·g` instead of `lr·sign(g)`) |
/// | `init` | normal(0.1) | std > 0 | factor initialisation (biases start at 0) |
/// | `bins` | auto | ≥ 1 | blocks per dimension of the parallel schedule (auto: 4 × max(threads, 2)) |
///
/// On `bins`: a positive's negatives come from its block's item bin (see
/// [`super::sampler`]), which is harmless for BPR (one uniform negative) but narrows
/// WARP's hunt for margin violators to `n_items / bins` items that stay the same for a
/// given positive. On ML-100K (torchmf's protocol) WARP with `bins = 1` gains about 0.05
/// precision@5 over `bins = 8`, at the price of training on one thread; BPR loses
/// nothing with 8 bins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BprParams {
    /// Pairwise loss.
    pub loss: Loss,
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
    /// L2 / weight decay on item biases (`None`: same as `reg`).
    pub reg_bias: Option<f32>,
    /// Learn item biases.
    pub item_bias: bool,
    /// How positives are drawn.
    pub sampling: PairSampling,
    /// Exponent of the popularity weighting of negatives (0 = uniform).
    pub popularity_alpha: f32,
    /// WARP: negatives tried per positive.
    pub max_tries: usize,
    /// WARP: hinge margin.
    pub margin: f32,
    /// Adagrad: starting value of the squared-gradient sums.
    pub initial_accumulator: f32,
    /// Initialisation of factors.
    pub init: Init,
    /// Bins per dimension of the block schedule (`None`: automatic).
    pub bins: Option<usize>,
}

impl Default for BprParams {
    fn default() -> Self {
        BprParams {
            loss: Loss::Bpr,
            factors: 20,
            epochs: 20,
            lr: 0.05,
            optimizer: Optimizer::Sgd,
            schedule: Schedule::Constant,
            reg: 0.01,
            reg_bias: None,
            item_bias: true,
            sampling: PairSampling::PerInteraction,
            popularity_alpha: 0.0,
            max_tries: 10,
            margin: 1.0,
            initial_accumulator: 0.0,
            init: Init::Normal { std: 0.1 },
            bins: None,
        }
    }
}

/// [`BprParams`] that passed [`BprParams::check`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BprValidParams(pub(crate) BprParams);

impl BprValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &BprParams {
        &self.0
    }
}

impl BprParams {
    /// WARP defaults: the WARP loss with Adagrad (as LightFM), lr 0.05.
    pub fn warp() -> Self {
        BprParams {
            loss: Loss::Warp,
            optimizer: Optimizer::Adagrad { eps: 1e-6 },
            ..Self::default()
        }
    }

    setter! {
        /// Sets `loss`.
        loss: Loss,
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
        /// Sets `item_bias`.
        item_bias: bool,
        /// Sets `sampling`.
        sampling: PairSampling,
        /// Sets `popularity_alpha`.
        popularity_alpha: f32,
        /// Sets `max_tries`.
        max_tries: usize,
        /// Sets `margin`.
        margin: f32,
        /// Sets `initial_accumulator`.
        initial_accumulator: f32,
        /// Sets `init`.
        init: Init,
        /// Sets `bins`.
        bins: Option<usize>,
    }

    /// Validates every parameter, naming the first one out of range.
    pub fn check(&self) -> Result<BprValidParams> {
        let p = self;
        integer_in("factors", p.factors, 1..=1024)?;
        at_least_one("epochs", p.epochs)?;
        positive("lr", p.lr)?;
        non_negative("reg", p.reg)?;
        if let Some(rb) = p.reg_bias {
            non_negative("reg_bias", rb)?;
        }
        if !(0.0..=2.0).contains(&p.popularity_alpha) {
            return Err(ModelError::invalid(
                "popularity_alpha",
                p.popularity_alpha,
                "in [0, 2]",
            ));
        }
        integer_in("max_tries", p.max_tries, 1..=10_000)?;
        positive("margin", p.margin)?;
        non_negative("initial_accumulator", p.initial_accumulator)?;
        p.init.check()?;
        if let Some(bins) = p.bins {
            at_least_one("bins", bins)?;
        }
        p.optimizer.check()?;
        p.schedule.check()?;
        Ok(BprValidParams(p.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_hyperparameter_is_named_with_its_value_and_range() {
        let cases: Vec<(BprParams, &str)> = vec![
            (BprParams::default().factors(0), "factors = 0"),
            (BprParams::default().epochs(0), "epochs = 0"),
            (BprParams::default().lr(-1.0), "lr = -1"),
            (BprParams::default().reg(f32::NAN), "reg = NaN"),
            (BprParams::default().reg_bias(Some(-2.0)), "reg_bias = -2"),
            (
                BprParams::default().popularity_alpha(3.0),
                "popularity_alpha = 3",
            ),
            (BprParams::default().max_tries(0), "max_tries = 0"),
            (BprParams::default().margin(0.0), "margin = 0"),
            (
                BprParams::default().initial_accumulator(-1.0),
                "initial_accumulator = -1",
            ),
            (
                BprParams::default().init(Init::Normal { std: -0.1 }),
                "init.std = -0.1",
            ),
            (BprParams::default().bins(Some(0)), "bins = 0"),
            (
                BprParams::default().optimizer(Optimizer::Adagrad { eps: 0.0 }),
                "optimizer.eps = 0",
            ),
        ];
        for (params, want) in cases {
            let msg = params.check().unwrap_err().to_string();
            assert!(msg.contains(want), "{msg:?} should contain {want:?}");
        }
        assert!(BprParams::default().check().is_ok());
        assert!(BprParams::warp().check().is_ok());
    }

    #[test]
    fn params_read_from_config_values_with_defaults() {
        let p: BprParams = serde_json::from_str(
            r#"{"loss": "warp", "factors": 8, "sampling": "per-user",
                "optimizer": {"kind": "adagrad", "eps": 1e-6}}"#,
        )
        .unwrap();
        assert_eq!(p.loss, Loss::Warp);
        assert_eq!(p.factors, 8);
        assert_eq!(p.sampling, PairSampling::PerUser);
        assert_eq!(p.epochs, 20);
        assert!(serde_json::from_str::<BprParams>(r#"{"loss": "hinge"}"#).is_err());
        assert!(serde_json::from_str::<BprParams>(r#"{"factor": 8}"#).is_err());
    }
}
