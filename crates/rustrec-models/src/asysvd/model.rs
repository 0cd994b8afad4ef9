//! The trained AsySVD model.

use std::sync::Arc;

use rustrec_data::{IdMap, ItemIdx, UserIdx};

use super::hyperparams::AsySvdValidParams;
use super::kernel::{axpy, dot, profile_norm};
use crate::engine::RowTable;
use crate::profiles::UserProfiles;
use rustrec_core::{FoldIn, Recommender};

/// A trained asymmetric SVD: `r̂_u = p_u · V₂ᵀ` with `p_u = |I(u)|^(−½) Σ_{j∈I(u)} r_uj V₁[j]`.
///
/// Users without training interactions have `p_u = 0` and score 0 everywhere; items that
/// were never in a profile keep their initial `V₁` row, which no score uses.
#[derive(Clone, PartialEq)]
pub struct AsySvdModel {
    pub(crate) users: Arc<IdMap>,
    pub(crate) items: Arc<IdMap>,
    pub(crate) v1: RowTable,
    pub(crate) v2: RowTable,
    pub(crate) profiles: Arc<UserProfiles>,
    pub(crate) params: AsySvdValidParams,
}

impl std::fmt::Debug for AsySvdModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AsySvdModel({} users × {} items, k = {})",
            self.users.len(),
            self.items.len(),
            self.factors()
        )
    }
}

impl AsySvdModel {
    /// Number of latent factors k.
    pub fn factors(&self) -> usize {
        self.v1.cols()
    }

    /// The parameters the model was trained with.
    pub fn params(&self) -> &AsySvdValidParams {
        &self.params
    }

    /// The profile factors V₁ as a dense `n_items × k` row-major matrix.
    pub fn profile_factors(&self) -> Vec<f32> {
        self.v1.to_dense()
    }

    /// The item factor table V₂ as stored (rows padded to the SIMD stride; the first
    /// [`factors`](Self::factors) columns are the factors): for zero-copy views.
    pub fn item_table(&self) -> &RowTable {
        &self.v2
    }

    /// The item factors V₂ as a dense `n_items × k` row-major matrix (the notebook's
    /// `k × n_items` matrix, transposed).
    pub fn item_factors(&self) -> Vec<f32> {
        self.v2.to_dense()
    }

    /// The representation `p_u` of a history (padded to the tables' stride).
    fn representation(&self, history: impl Iterator<Item = (u32, f32)>, len: usize) -> Vec<f32> {
        let p = &self.params.0;
        let norm = profile_norm(len, p.normalize);
        let mut rep = vec![0.0; self.v1.stride()];
        for (j, r) in history {
            if (j as usize) < self.v1.rows() {
                let r = if p.implicit { 1.0 } else { r };
                axpy(norm * r, self.v1.row(j as usize), &mut rep);
            }
        }
        rep
    }

    fn scores_of(&self, rep: &[f32], out: &mut [f32]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = dot(rep, self.v2.row(i));
        }
    }
}

impl Recommender for AsySvdModel {
    fn kind(&self) -> &'static str {
        <super::AsySvd as crate::family::Family>::KIND
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }

    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        let (items, values) = self.profiles.row(user);
        let rep = self.representation(
            items.iter().copied().zip(values.iter().copied()),
            items.len(),
        );
        self.scores_of(&rep, out);
    }

    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let (items, values) = self.profiles.row(user);
        let rep = self.representation(
            items.iter().copied().zip(values.iter().copied()),
            items.len(),
        );
        dot(&rep, self.v2.row(item.index()))
    }
}

impl crate::registry::Model for AsySvdModel {
    fn task(&self) -> rustrec_core::Task {
        rustrec_core::Task::Ranking
    }

    fn to_model_file(&self) -> crate::Result<rustrec_io::ModelFile> {
        AsySvdModel::to_model_file(self)
    }

    fn as_similar_items(&self) -> Option<&dyn crate::similar::SimilarItems> {
        Some(self)
    }

    fn as_fold_in(&self) -> Option<&dyn FoldIn> {
        Some(self)
    }

    fn as_factor_tables(&self) -> Option<&dyn crate::factors::FactorTables> {
        Some(self)
    }
}

impl FoldIn for AsySvdModel {
    /// Scores the history as a training user's profile; the normalisation counts the
    /// history's items that the model knows.
    fn score_profile(&self, history: &[(ItemIdx, f32)], out: &mut [f32]) {
        let known = history
            .iter()
            .filter(|(i, _)| i.index() < self.v1.rows())
            .count();
        let rep = self.representation(history.iter().map(|&(i, v)| (i.0, v)), known);
        self.scores_of(&rep, out);
    }
}

impl crate::similar::SimilarItems for AsySvdModel {
    /// Cosine of the item factor vectors `q_i` (the ones user representations are scored
    /// against).
    fn similarities_into(&self, item: ItemIdx, out: &mut [f32]) {
        crate::similar::cosine_into(&self.v2, self.v2.cols(), item, out);
    }
}

impl crate::factors::FactorTables for AsySvdModel {
    fn k(&self) -> usize {
        self.factors()
    }

    fn user_rows(&self) -> Option<&RowTable> {
        None
    }

    fn item_rows(&self) -> &RowTable {
        self.item_table()
    }

    fn user_bias(&self) -> Option<Vec<f32>> {
        None
    }

    fn item_bias(&self) -> Option<Vec<f32>> {
        None
    }
}
