//! [`PlantedTruth`]: the model a synthetic data set was drawn from.

use crate::ids::{ItemIdx, UserIdx};
use crate::interactions::Interactions;

/// The planted model behind a synthetic data set, and the real-valued ratings before
/// rounding, so that tests can check how close a fitted model comes to the truth.
///
/// The expected rating of (u, i) is [`PlantedTruth::clean`]:
/// `μ + b_u + b_i + p_u·q_i`; the data holds `quantize(clean + ε)`, `ε ~ N(0, noise_std²)`.
#[derive(Clone, Debug)]
pub struct PlantedTruth {
    /// μ.
    pub mean: f32,
    /// `b_u` per user index.
    pub user_bias: Vec<f32>,
    /// `b_i` per item index.
    pub item_bias: Vec<f32>,
    /// Rank of the factors.
    pub rank: usize,
    /// `p_u`, row-major `n_users × rank`.
    pub user_factors: Vec<f32>,
    /// `q_i`, row-major `n_items × rank`.
    pub item_factors: Vec<f32>,
    /// Standard deviation of the noise ε.
    pub noise_std: f32,
    /// `clean + ε` of every stored entry, in CSR order, before clipping and rounding.
    pub latent: Vec<f32>,
}

impl PlantedTruth {
    /// `μ + b_u + b_i + p_u·q_i`, the planted expected rating before noise and rounding.
    #[inline]
    pub fn clean(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let k = self.rank;
        let p = &self.user_factors[user.index() * k..(user.index() + 1) * k];
        let q = &self.item_factors[item.index() * k..(item.index() + 1) * k];
        let dot: f32 = p.iter().zip(q).map(|(a, b)| a * b).sum();
        self.mean + self.user_bias[user.index()] + self.item_bias[item.index()] + dot
    }

    /// RMSE of the planted model ([`clean`](Self::clean), clipped to `[lo, hi]`) against the
    /// values stored in `x` (the data set or a split of it): roughly the best RMSE a model
    /// of the same family can reach on this data. 0 when `x` is empty.
    pub fn oracle_rmse(&self, x: &Interactions, lo: f32, hi: f32) -> f64 {
        if x.is_empty() {
            return 0.0;
        }
        let sum: f64 = x
            .iter()
            .map(|(u, i, v)| {
                let e = f64::from(self.clean(u, i).clamp(lo, hi) - v);
                e * e
            })
            .sum();
        (sum / x.nnz() as f64).sqrt()
    }
}
