//! Bayesian probabilistic matrix factorization (Salakhutdinov & Mnih, ICML 2008), sampled
//! by Gibbs sampling: the model `r̂ = r̄ + u·v` of plain MF with Gaussian–Wishart priors on
//! the user and item vectors, averaged over posterior samples instead of fitted by SGD.
//!
//! **Sweep.** Each epoch draws the user side's mean and precision from their posterior
//! given the user vectors, then every user vector from its Gaussian conditional given the
//! item vectors (rows are independent, so they are drawn in parallel, each from its own
//! seeded stream: a run depends on the seed, not on the threads), then the same for items.
//!
//! **Model.** The prediction is the mean over the kept samples `s` of `r̄ + u_s·v_s`. That
//! mean is the score of one MF model whose vectors are the samples' side by side, each
//! scaled by `1/√S` (the merge of [`crate::mf`]'s seed ensembles), so a trained BPMF is an
//! [`crate::mf::MfModel`]: it is saved, loaded, evaluated and folded in as any MF model.

mod family;
mod hyperparams;
mod kernel;
mod train;

pub use family::Bpmf;
pub use hyperparams::{BpmfParams, BpmfValidParams};
