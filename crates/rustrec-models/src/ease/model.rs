//! The trained EASE^R model and its fit.

use std::sync::Arc;

use rustrec_data::{IdMap, ItemIdx, UserIdx};

use super::hyperparams::EaseValidParams;
use crate::profiles::UserProfiles;
use rustrec_core::{FoldIn, Recommender};

/// A trained EASE^R model: item-item weights `B` (zero diagonal) and the training users'
/// profiles; `r̂_u = x_u · B`.
///
/// Items without training interactions have zero rows and columns in `B` (score 0); users
/// without training interactions score 0 everywhere.
#[derive(Clone, PartialEq)]
pub struct EaseModel {
    pub(crate) users: Arc<IdMap>,
    pub(crate) items: Arc<IdMap>,
    /// `n_items × n_items`, row-major.
    pub(crate) b: Vec<f32>,
    pub(crate) profiles: Arc<UserProfiles>,
    pub(crate) params: EaseValidParams,
}

impl std::fmt::Debug for EaseModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "EaseModel({} users × {} items, λ = {})",
            self.users.len(),
            self.items.len(),
            self.params.0.lambda
        )
    }
}

impl EaseModel {
    /// The parameters the model was fitted with.
    pub fn params(&self) -> &EaseValidParams {
        &self.params
    }

    /// Row `i` of `B`: the weight of item `i` towards every item.
    pub fn weights_row(&self, item: ItemIdx) -> &[f32] {
        let n = self.items.len();
        &self.b[item.index() * n..(item.index() + 1) * n]
    }

    /// `B` as a dense `n_items × n_items` row-major matrix.
    pub fn weights(&self) -> &[f32] {
        &self.b
    }

    /// `out = Σ value · B[item, :]` over `history` (values replaced by 1 for an implicit
    /// model); items out of range are ignored.
    fn accumulate(&self, history: impl Iterator<Item = (u32, f32)>, out: &mut [f32]) {
        let n = self.items.len();
        out.fill(0.0);
        for (item, value) in history {
            if item as usize >= n {
                continue;
            }
            let w = if self.params.0.implicit { 1.0 } else { value };
            let row = &self.b[item as usize * n..(item as usize + 1) * n];
            for (o, &b) in out.iter_mut().zip(row) {
                *o += w * b;
            }
        }
    }
}

impl Recommender for EaseModel {
    fn kind(&self) -> &'static str {
        <super::Ease as crate::family::Family>::KIND
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }

    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        let (items, values) = self.profiles.row(user);
        self.accumulate(items.iter().copied().zip(values.iter().copied()), out);
    }

    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let n = self.items.len();
        let (items, values) = self.profiles.row(user);
        let implicit = self.params.0.implicit;
        items
            .iter()
            .zip(values)
            .map(|(&j, &v)| {
                let w = if implicit { 1.0 } else { v };
                w * self.b[j as usize * n + item.index()]
            })
            .sum()
    }
}

impl crate::registry::Model for EaseModel {
    fn task(&self) -> rustrec_core::Task {
        rustrec_core::Task::Ranking
    }

    fn to_model_file(&self) -> crate::Result<rustrec_io::ModelFile> {
        EaseModel::to_model_file(self)
    }

    fn as_similar_items(&self) -> Option<&dyn crate::similar::SimilarItems> {
        Some(self)
    }

    fn as_fold_in(&self) -> Option<&dyn FoldIn> {
        Some(self)
    }
}

impl FoldIn for EaseModel {
    fn score_profile(&self, history: &[(ItemIdx, f32)], out: &mut [f32]) {
        self.accumulate(history.iter().map(|&(i, v)| (i.0, v)), out);
    }
}

impl crate::similar::SimilarItems for EaseModel {
    /// The weights `B[item, ·]`: what `item` in a profile adds to each item's score.
    fn similarities_into(&self, item: ItemIdx, out: &mut [f32]) {
        out.copy_from_slice(self.weights_row(item));
    }
}
