//! The common SGD parameter block of the factor models.

use crate::engine::sgd::Init;
use crate::engine::{Optimizer, Schedule};
use crate::params::self_checked;

/// The parameters every SGD-trained factor model shares, as declared by the `sgd { .. }`
/// section of a family's `hyperparams!` table: the same names, ranges,
/// help and checks in every family (only the defaults are the family's own). A family's
/// parameter struct gives them by `sgd()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdSettings {
    /// Latent factors k.
    pub factors: usize,
    /// Passes over the training data.
    pub epochs: usize,
    /// Base learning rate.
    pub lr: f32,
    /// Update rule.
    pub optimizer: Optimizer,
    /// Learning rate (and momentum) over time.
    pub schedule: Schedule,
}

// The block's structured values check themselves (`optimizer.eps = 0`, `init.std = -1`).
self_checked!(Optimizer => own, Schedule => own, Init => own);
