//! The trained ALS model, and fold-in of a new user's history.
//!
//! # Row layout
//!
//! Implicit models and explicit models without biases store `x_u` and `y_i` (k columns)
//! and score `x_u·y_i`. Explicit models with biases store k + 2 columns, user rows
//! `[x_u, b_u, 1]` and item rows `[y_i, 1, b_i]`, so one dot product over the padded rows
//! gives `x_u·y_i + b_u + b_i`, and the score is `μ + x_u·y_i + b_u + b_i`. The constant
//! column of each side is the one its solve keeps fixed (see `kernel.rs`).

use std::sync::{Arc, OnceLock};

use rustrec_data::{IdMap, ItemIdx, UserIdx};

use super::hyperparams::AlsValidParams;
use super::kernel::{self, Loss, Scratch, System};
use crate::engine::RowTable;
use crate::engine::scoring::{dot_best, dot_rows, dot_rows_many};
use crate::family::Family;
use crate::registry::Model;
use rustrec_core::{FoldIn, Recommender, Task};

/// A trained ALS model: `score = x_u·y_i` (implicit) or `μ + b_u + b_i + x_u·y_i`
/// (explicit with biases). Users and items without training data have zero factors (and
/// zero biases).
#[derive(Clone)]
pub struct AlsModel {
    pub(crate) users: Arc<IdMap>,
    pub(crate) items: Arc<IdMap>,
    pub(crate) user_rows: RowTable,
    pub(crate) item_rows: RowTable,
    pub(crate) global_mean: f32,
    pub(crate) params: AlsValidParams,
    /// `YᵀY + λI` of the item rows, built on the first implicit fold-in.
    pub(crate) item_gram: OnceLock<Vec<f32>>,
    /// `[min, max]` of the training ratings (`None` in files written before it was kept).
    pub(crate) rating_range: Option<[f32; 2]>,
}

impl PartialEq for AlsModel {
    fn eq(&self, o: &Self) -> bool {
        self.users == o.users
            && self.items == o.items
            && self.user_rows == o.user_rows
            && self.item_rows == o.item_rows
            && self.global_mean == o.global_mean
            && self.params == o.params
            && self.rating_range == o.rating_range
    }
}

impl std::fmt::Debug for AlsModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AlsModel({} users × {} items, k = {}, implicit = {})",
            self.users.len(),
            self.items.len(),
            self.factors(),
            self.params.0.implicit
        )
    }
}

/// Columns of a row table for `k` factors.
pub(crate) fn row_cols(params: &AlsValidParams) -> usize {
    params.0.factors + if params.has_biases() { 2 } else { 0 }
}

impl AlsModel {
    /// Number of latent factors.
    pub fn factors(&self) -> usize {
        self.params.0.factors
    }

    /// The parameters the model was trained with.
    pub fn params(&self) -> &AlsValidParams {
        &self.params
    }

    /// The global mean μ (0 unless explicit with biases).
    pub fn global_mean(&self) -> f32 {
        self.global_mean
    }

    fn factor_part(t: &RowTable, k: usize) -> Vec<f32> {
        (0..t.rows()).flat_map(|r| t.row(r)[..k].to_vec()).collect()
    }

    /// The user factor table as stored (rows padded to the SIMD stride; the first
    /// [`factors`](Self::factors) columns are the factors): for zero-copy views.
    pub fn user_table(&self) -> &RowTable {
        &self.user_rows
    }

    /// The item factor table as stored, as [`user_table`](Self::user_table).
    pub fn item_table(&self) -> &RowTable {
        &self.item_rows
    }

    /// User factors as a dense `n_users × k` row-major matrix.
    pub fn user_factors(&self) -> Vec<f32> {
        Self::factor_part(&self.user_rows, self.factors())
    }

    /// Item factors as a dense `n_items × k` row-major matrix.
    pub fn item_factors(&self) -> Vec<f32> {
        Self::factor_part(&self.item_rows, self.factors())
    }

    /// User biases (zeros without biases).
    pub fn user_biases(&self) -> Vec<f32> {
        let k = self.factors();
        (0..self.user_rows.rows())
            .map(|r| {
                if self.params.has_biases() {
                    self.user_rows.row(r)[k]
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Item biases (zeros without biases).
    pub fn item_biases(&self) -> Vec<f32> {
        let k = self.factors();
        (0..self.item_rows.rows())
            .map(|r| {
                if self.params.has_biases() {
                    self.item_rows.row(r)[k + 1]
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Rebuilds the padded row tables from factors and biases (the inverse of the
    /// accessors above).
    pub(crate) fn from_parts(
        users: Arc<IdMap>,
        items: Arc<IdMap>,
        params: AlsValidParams,
        parts: [&[f32]; 4],
        global_mean: f32,
    ) -> Self {
        let [uf, itf, ub, ib] = parts;
        let k = params.0.factors;
        let cols = row_cols(&params);
        let build = |n: usize, f: &[f32], bias: &[f32], user_side: bool| {
            let mut t = RowTable::zeros(n, cols);
            for r in 0..n {
                let row = t.row_mut(r);
                row[..k].copy_from_slice(&f[r * k..(r + 1) * k]);
                if cols > k {
                    let (b, one) = if user_side { (k, k + 1) } else { (k + 1, k) };
                    row[b] = bias[r];
                    row[one] = 1.0;
                }
            }
            t
        };
        AlsModel {
            user_rows: build(users.len(), uf, ub, true),
            item_rows: build(items.len(), itf, ib, false),
            users,
            items,
            global_mean,
            params,
            item_gram: OnceLock::new(),
            rating_range: None,
        }
    }

    /// The range predictions are clamped to: explicit models only, by `clip`.
    #[inline]
    fn clip_range(&self) -> Option<[f32; 2]> {
        if self.params.0.implicit {
            None
        } else {
            self.params.0.clip.range(self.rating_range)
        }
    }

    /// The loss of a user solve against this model's items.
    pub(crate) fn user_loss(&self) -> Loss {
        user_loss(&self.params, self.global_mean)
    }
}

/// The loss of a user-side solve.
pub(crate) fn user_loss(params: &AlsValidParams, mu: f32) -> Loss {
    let p = &params.0;
    if p.implicit {
        Loss::Implicit { alpha: p.alpha }
    } else {
        Loss::Explicit {
            mu,
            reg: p.reg,
            weighted: p.weighted_reg,
            fixed: params.has_biases().then_some(p.factors + 1),
        }
    }
}

/// The loss of an item-side solve.
pub(crate) fn item_loss(params: &AlsValidParams, mu: f32) -> Loss {
    match user_loss(params, mu) {
        Loss::Explicit {
            mu,
            reg,
            weighted,
            fixed,
        } => Loss::Explicit {
            mu,
            reg,
            weighted,
            fixed: fixed.map(|c| c - 1),
        },
        implicit => implicit,
    }
}

impl Recommender for AlsModel {
    /// `als` or `ials`, by the feedback it was trained on.
    fn kind(&self) -> &'static str {
        if self.params.0.implicit {
            <super::Ials as Family>::KIND
        } else {
            <super::Als as Family>::KIND
        }
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }

    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        score_row(self, self.user_rows.row(user.index()), out);
    }

    fn score_users_into(&self, users: &[UserIdx], out: &mut [f32]) {
        let xs: Vec<&[f32]> = users
            .iter()
            .map(|u| self.user_rows.row(u.index()))
            .collect();
        dot_rows_many(&xs, &self.item_rows, out);
        for row in out.chunks_exact_mut(self.item_rows.rows().max(1)) {
            finish_scores(self, row);
        }
    }

    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let z = self.global_mean
            + dot_best(
                self.user_rows.row(user.index()),
                self.item_rows.row(item.index()),
            );
        match self.clip_range() {
            Some([lo, hi]) => z.clamp(lo, hi),
            None => z,
        }
    }

    /// Prediction for raw ids. An explicit (rating) model treats an unknown user or item
    /// as one without training data — zero factors and bias — so the prediction falls
    /// back to `μ` plus the known side's bias, as MF's does; an implicit one gives NaN for
    /// unknown ids (no score to fall back to).
    fn predict_raw(&self, user: &str, item: &str) -> (f32, bool, bool) {
        let (u, i) = (self.users.get_text(user), self.items.get_text(item));
        match (u, i) {
            (Some(u), Some(i)) => return (self.predict(UserIdx(u), ItemIdx(i)), true, true),
            _ if self.params.0.implicit => return (f32::NAN, u.is_some(), i.is_some()),
            _ => {}
        }
        // The row of a side without training data: zeros but for the constant column of
        // the bias layout (see the module docs).
        let k = self.factors();
        let empty_row = |stride: usize, one: usize| {
            let mut row = vec![0.0f32; stride];
            if self.params.has_biases() {
                row[one] = 1.0;
            }
            row
        };
        let user_row = match u {
            Some(u) => self.user_rows.row(u as usize).to_vec(),
            None => empty_row(self.user_rows.stride(), k + 1),
        };
        let item_row = match i {
            Some(i) => self.item_rows.row(i as usize).to_vec(),
            None => empty_row(self.item_rows.stride(), k),
        };
        let z = self.global_mean + dot_best(&user_row, &item_row);
        let z = match self.clip_range() {
            Some([lo, hi]) => z.clamp(lo, hi),
            None => z,
        };
        (z, u.is_some(), i.is_some())
    }
}

impl Model for AlsModel {
    fn task(&self) -> Task {
        if self.params.0.implicit {
            Task::Ranking
        } else {
            Task::Rating
        }
    }

    fn to_model_file(&self) -> crate::Result<rustrec_io::ModelFile> {
        AlsModel::to_model_file(self)
    }

    fn as_similar_items(&self) -> Option<&dyn crate::similar::SimilarItems> {
        Some(self)
    }

    fn as_fold_in(&self) -> Option<&dyn FoldIn> {
        Some(self)
    }

    fn rating_range(&self) -> Option<[f32; 2]> {
        (!self.params.0.implicit)
            .then_some(self.rating_range)
            .flatten()
    }

    fn as_factor_tables(&self) -> Option<&dyn crate::factors::FactorTables> {
        Some(self)
    }
}

fn score_row(m: &AlsModel, x: &[f32], out: &mut [f32]) {
    dot_rows(x, &m.item_rows, out);
    finish_scores(m, out);
}

/// Adds the global mean to the dot products `out` and clips them (for a rating model).
fn finish_scores(m: &AlsModel, out: &mut [f32]) {
    for o in out.iter_mut() {
        *o += m.global_mean;
    }
    if let Some([lo, hi]) = m.clip_range() {
        out.iter_mut().for_each(|o| *o = o.clamp(lo, hi));
    }
}

impl FoldIn for AlsModel {
    /// Solves the user's least-squares problem exactly (Cholesky) against the fixed item
    /// factors — the same problem a user half-step solves — and scores every item.
    /// Items outside the model are ignored; a repeated item keeps its last value.
    fn score_profile(&self, history: &[(ItemIdx, f32)], out: &mut [f32]) {
        let mut h: Vec<(u32, f32)> = history
            .iter()
            .filter(|(i, _)| i.index() < self.items.len())
            .map(|&(i, v)| (i.0, v))
            .collect();
        h.sort_by_key(|e| e.0);
        h.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1 = later.1;
            }
            same
        });
        let items: Vec<u32> = h.iter().map(|e| e.0).collect();
        let values: Vec<f32> = h.iter().map(|e| e.1).collect();
        let mut x = vec![0.0f32; self.user_rows.stride()];
        if self.params.has_biases() {
            x[self.factors() + 1] = 1.0;
        }
        if !items.is_empty() {
            let gram: &[f32] = if self.params.0.implicit {
                self.item_gram
                    .get_or_init(|| kernel::gram(&self.item_rows, self.params.0.reg))
            } else {
                &[]
            };
            let sys = System {
                others: &self.item_rows,
                gram,
                loss: self.user_loss(),
            };
            let mut scratch = Scratch::new(x.len());
            kernel::cholesky_row::<false>(&sys, &items, &values, &mut x, &mut scratch);
        }
        score_row(self, &x, out);
    }
}

impl crate::similar::SimilarItems for AlsModel {
    /// Cosine of the item factor vectors `y_i` (without the bias columns).
    fn similarities_into(&self, item: ItemIdx, out: &mut [f32]) {
        crate::similar::cosine_into(&self.item_rows, self.factors(), item, out);
    }
}

impl crate::factors::FactorTables for AlsModel {
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
        Some(self.user_biases())
    }

    fn item_bias(&self) -> Option<Vec<f32>> {
        Some(self.item_biases())
    }
}
