//! Hyperparameters of the implicit-feedback factor models, unchecked ([`BprParams`]) and
//! checked ([`BprValidParams`]).

use serde::{Deserialize, Serialize};

use crate::engine::grid::{DEFAULT_BINS, MAX_BINS};
use crate::engine::sgd::Init;
use crate::engine::{Optimizer, Schedule};
use crate::error::Result;
use crate::params::{Hyperparams, Rule, hyperparams, no_effect, self_checked};

/// The pairwise loss a positive `(u, i)` and a negative `j` are trained with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// BPR (Rendle et al. 2009): `−ln σ(x̂_ui − x̂_uj)`, one uniformly drawn negative.
    Bpr,
    /// WARP (Weston et al. 2011): negatives are drawn until one violates the margin
    /// (`x̂_uj > x̂_ui − 1`) or `max_tries` are spent; the hinge `1 − x̂_ui + x̂_uj` is
    /// weighted by `L(⌊(n_items − 1)/trials⌋)`, `L(k) = Σ_{r=1..k} 1/r`. Under the
    /// optimizers whose step is proportional to the gradient (sgd, momentum) the weight is
    /// divided by its largest value `L(n_items − 1)`, so that BPR's learning rates suit
    /// WARP too (see `bpr::train`).
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

self_checked!(Loss => names, PairSampling => names);

hyperparams! {
    /// Implicit-feedback matrix factorization trained on (user, positive, negative) triples:
    /// `x̂_ui = p_u·q_i (+ b_i)`, with the BPR or WARP loss (one model kind, `bpr`, with
    /// `loss = "bpr" | "warp"`). `rustrec models bpr` prints the table of names, defaults
    /// and ranges.
    ///
/// On `bins`: a positive's negatives come from its block's item bin (see
/// [`super::sampler`]), which is harmless for BPR (one uniform negative) but narrows
/// WARP's hunt for margin violators to `n_items / bins` items that stay the same for a
/// given positive. On ML-100K (torchmf's protocol) WARP with `bins = 1` gains about 0.05
/// precision@5 over `bins = 8`, at the price of training on one thread; BPR loses
/// nothing with 8 bins.
    pub struct BprParams {
        sgd {
            factors: 20,
            epochs: 20,
            lr: 0.05,
            optimizer: Optimizer::Sgd,
            schedule: Schedule::Constant,
        }
        loss: Loss = Loss::Bpr, Rule::Choice("bpr, warp"), "Pairwise loss.";
        reg: f32 = 0.01, Rule::NonNegative, "λ on user and item factors (per update).";
        reg_bias: Option<f32> = None, Rule::NonNegative, "λ on item biases (none: the same as reg).";
        item_bias: bool = true, Rule::Flag, "Learn item biases b_i.";
        sampling: PairSampling = PairSampling::PerInteraction,
            Rule::Choice("per-interaction, per-user"), "How positives are drawn.";
        popularity_alpha: f32 = 0.0, Rule::Between(0.0, 2.0),
            "Negatives drawn ∝ (count + 1)^α (0: uniform over unseen items).";
        max_tries: usize = 10, Rule::int(1, 10_000),
            "WARP: negatives tried per positive (LightFM's max_sampled; refused without loss = warp).";
        margin: f32 = 1.0, Rule::Positive, "WARP: the margin of the hinge (refused without loss = warp).";
        initial_accumulator: f32 = 0.0, Rule::NonNegative,
            "Adagrad: starting value of the squared-gradient sums (refused without optimizer = adagrad).";
        init: Init = Init::Normal { std: 0.1 }, Rule::Own("normal, truncated-normal (std > 0), uniform (scale > 0)"),
            "Initialisation of the factors (biases start at 0).";
        bins: usize = DEFAULT_BINS, Rule::int(1, MAX_BINS),
            "Blocks per dimension of the parallel schedule (results do not depend on threads).";
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

    /// Validates every parameter, naming the first one out of range, and refuses a
    /// parameter set away from its default where the other settings leave it without
    /// effect (`margin` and `max_tries` without `loss = "warp"`, `initial_accumulator`
    /// without Adagrad, `reg_bias` without item biases), naming the setting it needs.
    pub fn check(&self) -> Result<BprValidParams> {
        self.check_ranges()?;
        let defaults = Self::default();
        if self.loss != Loss::Warp {
            if self.margin != defaults.margin {
                return Err(no_effect("margin", self.margin, "loss = \"warp\""));
            }
            if self.max_tries != defaults.max_tries {
                return Err(no_effect("max_tries", self.max_tries, "loss = \"warp\""));
            }
        }
        if !matches!(self.optimizer, Optimizer::Adagrad { .. })
            && self.initial_accumulator != defaults.initial_accumulator
        {
            return Err(no_effect(
                "initial_accumulator",
                self.initial_accumulator,
                "optimizer = \"adagrad\"",
            ));
        }
        if let (Some(reg_bias), false) = (self.reg_bias, self.item_bias) {
            return Err(no_effect("reg_bias", reg_bias, "item_bias = true"));
        }
        Ok(BprValidParams(self.clone()))
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
            (BprParams::default().bins(0), "bins = 0"),
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

    /// Regression: `margin` (and `max_tries`) without `loss = "warp"`, and
    /// `initial_accumulator` without Adagrad, were accepted and silently ignored.
    #[test]
    fn parameters_without_effect_are_refused_naming_the_setting_they_need() {
        let cases: Vec<(BprParams, [&str; 2])> = vec![
            (
                BprParams::default().margin(0.5),
                ["margin = 0.5: has no effect", "unless loss = \"warp\""],
            ),
            (
                BprParams::default().max_tries(30),
                ["max_tries = 30: has no effect", "unless loss = \"warp\""],
            ),
            (
                BprParams::default().initial_accumulator(1.0),
                [
                    "initial_accumulator = 1: has no effect",
                    "unless optimizer = \"adagrad\"",
                ],
            ),
            (
                BprParams::warp()
                    .optimizer(Optimizer::adam())
                    .initial_accumulator(0.1),
                [
                    "initial_accumulator = 0.1",
                    "unless optimizer = \"adagrad\"",
                ],
            ),
            (
                BprParams::default().item_bias(false).reg_bias(Some(0.1)),
                ["reg_bias = 0.1: has no effect", "unless item_bias = true"],
            ),
        ];
        for (params, want) in cases {
            let msg = params.check().unwrap_err().to_string();
            for w in want {
                assert!(msg.contains(w), "{msg:?} should contain {w:?}");
            }
        }
        // Where they take effect they are accepted; defaults are never refused.
        let warp = BprParams::warp()
            .margin(0.5)
            .max_tries(30)
            .initial_accumulator(1.0)
            .reg_bias(Some(0.1));
        assert!(warp.check().is_ok());
        for optimizer in [Optimizer::Sgd, Optimizer::adam(), Optimizer::adamw()] {
            for loss in [Loss::Bpr, Loss::Warp] {
                let p = BprParams::default().optimizer(optimizer).loss(loss);
                assert!(p.check().is_ok(), "{optimizer:?} {loss:?}");
                assert!(p.item_bias(false).check().is_ok());
            }
        }
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
