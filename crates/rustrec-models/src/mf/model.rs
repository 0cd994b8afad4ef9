//! The trained biased MF model.

use std::sync::Arc;

use rustrec_data::{IdMap, ItemIdx, UserIdx};

use super::hyperparams::{MfValidParams, Output};
use crate::engine::RowTable;
use crate::engine::scoring::{dot_best, dot_rows, dot_rows_many};
use crate::family::Family;
use crate::registry::Model;
use rustrec_core::Task;
use rustrec_core::{FoldIn, Recommender};

/// A trained biased matrix factorization: `r̂ = out(μ + b_u + b_i + p_u·q_i)`.
///
/// With `clip = [lo, hi]` in its parameters, every prediction is then clamped to `[lo, hi]`.
///
/// Users and items that had no training interactions keep zero factors and zero biases,
/// so their predictions fall back to `out(μ + b_i)` (unseen user), `out(μ + b_u)` (unseen
/// item) or `out(μ)` — the documented cold-start policy.
#[derive(Clone, PartialEq)]
pub struct MfModel {
    pub(crate) users: Arc<IdMap>,
    pub(crate) items: Arc<IdMap>,
    pub(crate) user_factors: RowTable,
    pub(crate) item_factors: RowTable,
    pub(crate) user_bias: Vec<f32>,
    pub(crate) item_bias: Vec<f32>,
    pub(crate) global_mean: f32,
    pub(crate) params: MfValidParams,
    pub(crate) user_seen: Vec<bool>,
    pub(crate) item_seen: Vec<bool>,
    /// `[min, max]` of the training ratings (`None` in files written before it was kept):
    /// the range of `clip = "auto"` and of a new user's ratings.
    pub(crate) rating_range: Option<[f32; 2]>,
}

impl std::fmt::Debug for MfModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MfModel({} users × {} items, k = {}, μ = {})",
            self.users.len(),
            self.items.len(),
            self.factors(),
            self.global_mean
        )
    }
}

impl MfModel {
    /// Number of latent factors: `factors × members` of its parameters (a merged seed
    /// ensemble holds its members' factors side by side).
    pub fn factors(&self) -> usize {
        self.user_factors.cols()
    }

    /// The parameters the model was trained with.
    pub fn params(&self) -> &MfValidParams {
        &self.params
    }

    /// The global mean μ in the raw-score space (0 when the model has none): the training
    /// mean, or with a sigmoid output the score whose output is the training mean.
    pub fn global_mean(&self) -> f32 {
        self.global_mean
    }

    /// The user factor table as stored (rows padded to the SIMD stride; the first
    /// [`factors`](Self::factors) columns are the factors): for zero-copy views.
    pub fn user_table(&self) -> &RowTable {
        &self.user_factors
    }

    /// The item factor table as stored, as [`user_table`](Self::user_table).
    pub fn item_table(&self) -> &RowTable {
        &self.item_factors
    }

    /// User factors as a dense `n_users × k` row-major matrix (the notebooks' `get_W`).
    pub fn user_factors(&self) -> Vec<f32> {
        self.user_factors.to_dense()
    }

    /// Item factors as a dense `n_items × k` row-major matrix (the notebooks' `get_H`).
    pub fn item_factors(&self) -> Vec<f32> {
        self.item_factors.to_dense()
    }

    /// User biases.
    pub fn user_biases(&self) -> &[f32] {
        &self.user_bias
    }

    /// Item biases.
    pub fn item_biases(&self) -> &[f32] {
        &self.item_bias
    }

    /// Whether the user had training interactions.
    pub fn knows_user(&self, user: UserIdx) -> bool {
        self.user_seen.get(user.index()).copied().unwrap_or(false)
    }

    /// Whether the item had training interactions.
    pub fn knows_item(&self, item: ItemIdx) -> bool {
        self.item_seen.get(item.index()).copied().unwrap_or(false)
    }

    /// Applies the output function, then the `clip` range if any, to a raw score.
    #[inline]
    pub(crate) fn output(&self, z: f32) -> f32 {
        let r = match self.params.0.output {
            Output::Identity => z,
            Output::Sigmoid { lo, hi } => lo + (hi - lo) * sigmoid(z),
        };
        match self.params.0.clip.range(self.rating_range) {
            Some([lo, hi]) => r.clamp(lo, hi),
            None => r,
        }
    }
}

/// The logistic function.
#[inline]
pub(crate) fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// Dot product of two padded rows: the SIMD layer's sum at the best level, the same bits as
/// an entry of [`dot_rows`] (so `predict` agrees with `score_into`).
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    dot_best(a, b)
}

impl Recommender for MfModel {
    fn kind(&self) -> &'static str {
        <super::Mf as Family>::KIND
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }

    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        let u = user.index();
        let p = self.user_factors.row(u);
        let base = self.global_mean + self.user_bias[u];
        dot_rows(p, &self.item_factors, out);
        for (o, &b) in out.iter_mut().zip(&self.item_bias) {
            *o = self.output(base + b + *o);
        }
    }

    fn score_users_into(&self, users: &[UserIdx], out: &mut [f32]) {
        let xs: Vec<&[f32]> = users
            .iter()
            .map(|u| self.user_factors.row(u.index()))
            .collect();
        dot_rows_many(&xs, &self.item_factors, out);
        let rows = out.chunks_exact_mut(self.item_factors.rows().max(1));
        for (row, u) in rows.zip(users) {
            let base = self.global_mean + self.user_bias[u.index()];
            for (o, &b) in row.iter_mut().zip(&self.item_bias) {
                *o = self.output(base + b + *o);
            }
        }
    }

    /// Prediction for raw ids as they appear in files; unknown ids fall back as unseen
    /// users/items do. Returns the prediction and whether the user and item were known.
    fn predict_raw(&self, user: &str, item: &str) -> (f32, bool, bool) {
        let u = self.users.get_text(user);
        let i = self.items.get_text(item);
        let z_user = u.map_or(0.0, |u| self.user_bias[u as usize]);
        let z_item = i.map_or(0.0, |i| self.item_bias[i as usize]);
        let dot = match (u, i) {
            (Some(u), Some(i)) => dot(
                self.user_factors.row(u as usize),
                self.item_factors.row(i as usize),
            ),
            _ => 0.0,
        };
        let known_user = u.is_some_and(|u| self.user_seen[u as usize]);
        let known_item = i.is_some_and(|i| self.item_seen[i as usize]);
        (
            self.output(self.global_mean + z_user + z_item + dot),
            known_user,
            known_item,
        )
    }

    #[inline]
    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let (u, i) = (user.index(), item.index());
        self.output(
            self.global_mean
                + self.user_bias[u]
                + self.item_bias[i]
                + dot(self.user_factors.row(u), self.item_factors.row(i)),
        )
    }
}

impl Model for MfModel {
    fn task(&self) -> Task {
        Task::Rating
    }

    fn to_model_file(&self) -> crate::Result<rustrec_io::ModelFile> {
        MfModel::to_model_file(self)
    }

    fn as_similar_items(&self) -> Option<&dyn crate::similar::SimilarItems> {
        Some(self)
    }

    fn as_fold_in(&self) -> Option<&dyn FoldIn> {
        Some(self)
    }

    fn rating_range(&self) -> Option<[f32; 2]> {
        self.rating_range
    }

    fn as_factor_tables(&self) -> Option<&dyn crate::factors::FactorTables> {
        Some(self)
    }
}

/// Passes over the history when folding a user in.
const FOLD_IN_EPOCHS: usize = 100;

impl FoldIn for MfModel {
    /// Fits a fresh user vector and bias (both starting at zero) by 100
    /// passes of SGD over `history` in its order, with the item factors and biases frozen,
    /// at the model's learning rate and regularisation; then scores every item. Items
    /// outside the model are ignored.
    fn score_profile(&self, history: &[(ItemIdx, f32)], out: &mut [f32]) {
        let prm = &self.params.0;
        let (lr, reg) = (prm.lr, prm.reg);
        let reg_b = prm.reg_bias.unwrap_or(reg);
        let mut p = vec![0.0f32; self.user_factors.stride()];
        let mut bu = 0.0f32;
        let hist: Vec<(usize, f32)> = history
            .iter()
            .filter(|(i, _)| i.index() < self.items.len())
            .map(|&(i, r)| (i.index(), r))
            .collect();
        for _ in 0..FOLD_IN_EPOCHS {
            for &(i, r) in &hist {
                let q = self.item_factors.row(i);
                let z = self.global_mean + bu + self.item_bias[i] + dot(&p, q);
                // −∂½(r − out(z))²/∂z.
                let g = match prm.output {
                    Output::Identity => r - z,
                    Output::Sigmoid { lo, hi } => {
                        let s = sigmoid(z);
                        (r - (lo + (hi - lo) * s)) * (hi - lo) * s * (1.0 - s)
                    }
                };
                if prm.biases {
                    bu += lr * (g - reg_b * bu);
                }
                for (pk, &qk) in p.iter_mut().zip(q) {
                    *pk += lr * (g * qk - reg * *pk);
                }
            }
        }
        let base = self.global_mean + bu;
        dot_rows(&p, &self.item_factors, out);
        for (o, &b) in out.iter_mut().zip(&self.item_bias) {
            *o = self.output(base + b + *o);
        }
    }
}

impl crate::similar::SimilarItems for MfModel {
    /// Cosine of the item factor vectors (a merged ensemble: of all its members' factors).
    fn similarities_into(&self, item: ItemIdx, out: &mut [f32]) {
        crate::similar::cosine_into(&self.item_factors, self.factors(), item, out);
    }
}

impl crate::factors::FactorTables for MfModel {
    fn k(&self) -> usize {
        self.factors()
    }

    fn user_rows(&self) -> Option<&RowTable> {
        Some(self.user_table())
    }

    fn item_rows(&self) -> &RowTable {
        self.item_table()
    }

    fn user_bias(&self) -> Option<Vec<f32>> {
        Some(self.user_biases().to_vec())
    }

    fn item_bias(&self) -> Option<Vec<f32>> {
        Some(self.item_biases().to_vec())
    }
}
