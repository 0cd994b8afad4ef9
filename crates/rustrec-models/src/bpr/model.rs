//! The trained implicit-feedback factor model.

use std::sync::Arc;

use rustrec_data::{IdMap, ItemIdx, UserIdx};

use super::hyperparams::BprValidParams;
use super::kernel::dot;
use crate::engine::RowTable;
use crate::engine::scoring::{dot_best, dot_rows, dot_rows_many};
use rustrec_core::Recommender;

/// A trained BPR-MF or WARP-MF model: `score(u, i) = p_u·q_i + b_i`.
///
/// Users without training interactions keep zero factors, so their scores are the item
/// biases (a popularity-like order); items without training interactions start at zero
/// and only ever move as sampled negatives, so they rank low — the cold-start policy.
#[derive(Clone, PartialEq)]
pub struct BprModel {
    pub(crate) users: Arc<IdMap>,
    pub(crate) items: Arc<IdMap>,
    pub(crate) user_factors: RowTable,
    pub(crate) item_factors: RowTable,
    pub(crate) item_bias: Vec<f32>,
    pub(crate) params: BprValidParams,
    pub(crate) user_seen: Vec<bool>,
    pub(crate) item_seen: Vec<bool>,
}

impl std::fmt::Debug for BprModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BprModel({:?}, {} users × {} items, k = {})",
            self.params.0.loss,
            self.users.len(),
            self.items.len(),
            self.factors()
        )
    }
}

impl BprModel {
    /// Number of latent factors.
    pub fn factors(&self) -> usize {
        self.user_factors.cols()
    }

    /// The parameters the model was trained with.
    pub fn params(&self) -> &BprValidParams {
        &self.params
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

    /// User factors as a dense `n_users × k` row-major matrix.
    pub fn user_factors(&self) -> Vec<f32> {
        self.user_factors.to_dense()
    }

    /// Item factors as a dense `n_items × k` row-major matrix.
    pub fn item_factors(&self) -> Vec<f32> {
        self.item_factors.to_dense()
    }

    /// Item biases (all zero when the model has none).
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
}

impl Recommender for BprModel {
    fn kind(&self) -> &'static str {
        <super::Bpr as crate::family::Family>::KIND
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }

    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        let p = self.user_factors.row(user.index());
        dot_rows(p, &self.item_factors, out);
        for (o, &b) in out.iter_mut().zip(&self.item_bias) {
            *o += b;
        }
    }

    fn score_users_into(&self, users: &[UserIdx], out: &mut [f32]) {
        let xs: Vec<&[f32]> = users
            .iter()
            .map(|u| self.user_factors.row(u.index()))
            .collect();
        dot_rows_many(&xs, &self.item_factors, out);
        for row in out.chunks_exact_mut(self.item_factors.rows().max(1)) {
            for (o, &b) in row.iter_mut().zip(&self.item_bias) {
                *o += b;
            }
        }
    }

    #[inline]
    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let i = item.index();
        self.item_bias[i]
            + dot_best(
                self.user_factors.row(user.index()),
                self.item_factors.row(i),
            )
    }
}

impl crate::registry::Model for BprModel {
    fn task(&self) -> rustrec_core::Task {
        rustrec_core::Task::Ranking
    }

    fn to_model_file(&self) -> crate::Result<rustrec_io::ModelFile> {
        BprModel::to_model_file(self)
    }

    fn as_similar_items(&self) -> Option<&dyn crate::similar::SimilarItems> {
        Some(self)
    }

    fn as_fold_in(&self) -> Option<&dyn rustrec_core::FoldIn> {
        Some(self)
    }

    fn as_factor_tables(&self) -> Option<&dyn crate::factors::FactorTables> {
        Some(self)
    }
}

/// Passes over a new user's history when folding in.
const FOLD_IN_EPOCHS: usize = 100;

impl rustrec_core::FoldIn for BprModel {
    /// Fits a fresh user vector (starting at zero) by SGD on the BPR loss
    /// −ln σ(p·(q_i − q_j) + b_i − b_j) with the item factors and biases frozen: 100 passes
    /// over `history`, each positive paired with an item outside the history drawn from a
    /// stream seeded by the history itself (so the result is reproducible), at the model's
    /// learning rate and regularisation; then scores every item. WARP models fold in with
    /// the same BPR objective. Values in `history` are ignored (implicit feedback), and so
    /// are items outside the model.
    fn score_profile(&self, history: &[(ItemIdx, f32)], out: &mut [f32]) {
        use crate::engine::rng;
        let n_items = self.items.len();
        let mut hist: Vec<u32> = history
            .iter()
            .map(|(i, _)| i.0)
            .filter(|&i| (i as usize) < n_items)
            .collect();
        hist.sort_unstable();
        hist.dedup();
        let prm = &self.params.0;
        let mut p = vec![0.0f32; self.user_factors.stride()];
        if !hist.is_empty() && hist.len() < n_items {
            let seed = hist
                .iter()
                .fold(0x666f_6c64u64, |h, &i| h.rotate_left(7) ^ u64::from(i));
            let mut rng = rng::stream(seed, &[]);
            for _ in 0..FOLD_IN_EPOCHS {
                for &i in &hist {
                    let j = loop {
                        let j = rng::below(&mut rng, n_items as u32);
                        if hist.binary_search(&j).is_err() {
                            break j;
                        }
                    };
                    let (qi, qj) = (
                        self.item_factors.row(i as usize),
                        self.item_factors.row(j as usize),
                    );
                    let x = dot(&p, qi) - dot(&p, qj) + self.item_bias[i as usize]
                        - self.item_bias[j as usize];
                    // −∂(−ln σ(x))/∂x = 1 − σ(x) = σ(−x).
                    let g = 1.0 / (1.0 + x.exp());
                    for ((pk, &a), &b) in p.iter_mut().zip(qi).zip(qj) {
                        *pk += prm.lr * (g * (a - b) - prm.reg * *pk);
                    }
                }
            }
        }
        dot_rows(&p, &self.item_factors, out);
        for (o, &b) in out.iter_mut().zip(&self.item_bias) {
            *o += b;
        }
    }
}

impl crate::similar::SimilarItems for BprModel {
    /// Cosine of the item factor vectors.
    fn similarities_into(&self, item: ItemIdx, out: &mut [f32]) {
        crate::similar::cosine_into(&self.item_factors, self.factors(), item, out);
    }
}

impl crate::factors::FactorTables for BprModel {
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
        None
    }

    fn item_bias(&self) -> Option<Vec<f32>> {
        Some(self.item_biases().to_vec())
    }
}
