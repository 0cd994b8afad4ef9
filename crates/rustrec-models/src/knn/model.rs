//! [`ItemItemModel`]: the trained form of every item-based model (ItemKNN-CF, ItemKNN-CBF,
//! SLIM, hybrids) — the training profiles and a sparse item × item matrix.

use std::sync::Arc;

use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};

use super::matrix::SimilarityMatrix;
use rustrec_core::Recommender;

/// A trained item-based model: `r̂_ui = Σ_{j ∈ I(u)} r_uj · S[j, i]`, with the user profiles
/// `r_u` of the training data and a sparse `S`.
///
/// Users without training interactions score 0 everywhere; items that no profile item links
/// to score 0 (for ItemKNN-CBF, cold items *are* linked through their content).
#[derive(Clone)]
pub struct ItemItemModel {
    pub(crate) kind: &'static str,
    pub(crate) params: serde_json::Value,
    pub(crate) profiles: Interactions,
    pub(crate) sim: SimilarityMatrix,
}

impl PartialEq for ItemItemModel {
    /// Same kind, parameters, id maps, profiles and matrix.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.profiles, &other.profiles);
        self.kind == other.kind
            && self.params == other.params
            && self.sim == other.sim
            && a.same_id_space(b)
            && a.user_ptr() == b.user_ptr()
            && a.item_indices() == b.item_indices()
            && a.values() == b.values()
    }
}

impl std::fmt::Debug for ItemItemModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ItemItemModel({}: {} users × {} items, {} similarities)",
            self.kind,
            self.profiles.n_users(),
            self.sim.n_items(),
            self.sim.nnz()
        )
    }
}

impl ItemItemModel {
    /// A model of family `kind` (one of the registry's item-based kinds) with the
    /// parameters it was trained with, scoring with `sim` over the profiles of `train`.
    pub fn new(
        kind: &'static str,
        params: serde_json::Value,
        train: &Interactions,
        sim: SimilarityMatrix,
    ) -> Self {
        ItemItemModel {
            kind,
            params,
            profiles: train.clone(),
            sim,
        }
    }

    /// The item × item matrix `S`.
    pub fn similarity(&self) -> &SimilarityMatrix {
        &self.sim
    }

    /// The parameters the model was trained with, as written in model files.
    pub fn params(&self) -> &serde_json::Value {
        &self.params
    }

    /// The training profiles the model scores from.
    pub fn profiles(&self) -> &Interactions {
        &self.profiles
    }
}

impl Recommender for ItemItemModel {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        self.profiles.user_ids()
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        self.profiles.item_ids()
    }

    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        if user.index() >= self.profiles.n_users() {
            return;
        }
        let row = self.profiles.row(user);
        self.sim.accumulate(row.items, row.values, out);
    }

    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        if user.index() >= self.profiles.n_users() {
            return 0.0;
        }
        let row = self.profiles.row(user);
        row.items
            .iter()
            .zip(row.values)
            .map(|(&j, &r)| r * self.sim.get(j, item.0))
            .sum()
    }
}

impl crate::registry::Model for ItemItemModel {
    fn task(&self) -> rustrec_core::Task {
        rustrec_core::Task::Ranking
    }

    fn to_model_file(&self) -> crate::Result<rustrec_io::ModelFile> {
        ItemItemModel::to_model_file(self)
    }

    fn as_similar_items(&self) -> Option<&dyn crate::similar::SimilarItems> {
        Some(self)
    }

    fn as_fold_in(&self) -> Option<&dyn rustrec_core::FoldIn> {
        Some(self)
    }
}

impl rustrec_core::FoldIn for ItemItemModel {
    /// Scores a new user's history directly: `Σ_j r_j · S[j, ·]`, the same sum that
    /// [`Recommender::score_into`] takes over a training user's profile.
    fn score_profile(&self, history: &[(ItemIdx, f32)], out: &mut [f32]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        let (items, values): (Vec<u32>, Vec<f32>) = history.iter().map(|&(i, v)| (i.0, v)).unzip();
        self.sim.accumulate(&items, &values, out);
    }
}

impl crate::similar::SimilarItems for ItemItemModel {
    /// The stored similarities `S[item, ·]`; items without one get `−∞`.
    fn similarities_into(&self, item: ItemIdx, out: &mut [f32]) {
        out.fill(f32::NEG_INFINITY);
        if item.index() >= self.sim.n_items() {
            return;
        }
        let (items, values) = self.sim.row(item.0);
        for (&j, &s) in items.iter().zip(values) {
            if let Some(o) = out.get_mut(j as usize) {
                *o = s;
            }
        }
    }
}

#[cfg(test)]
mod fold_in_tests {
    use super::*;
    use rustrec_core::FoldIn;

    #[test]
    fn folding_in_a_training_users_profile_gives_their_scores() {
        let train = Interactions::from_index_triplets(
            3,
            4,
            &[
                (0, 0, 1.0),
                (0, 2, 3.0),
                (1, 1, 2.0),
                (2, 3, 1.0),
                (2, 0, 5.0),
            ],
        )
        .unwrap();
        let cols = vec![
            vec![(1u32, 0.5f32), (2, 0.25)],
            vec![(0, 0.5), (3, 1.0)],
            vec![(0, 0.25)],
            vec![(1, 1.0), (2, 2.0)],
        ];
        let sim = SimilarityMatrix::from_columns(4, &cols);
        let model = ItemItemModel::new("item-knn", serde_json::Value::Null, &train, sim);
        for u in 0..3u32 {
            let row = train.row(UserIdx(u));
            let history: Vec<(ItemIdx, f32)> = row
                .items
                .iter()
                .zip(row.values)
                .map(|(&i, &v)| (ItemIdx(i), v))
                .collect();
            let (mut a, mut b) = (vec![0.0; 4], vec![0.0; 4]);
            model.score_into(UserIdx(u), &mut a);
            model.score_profile(&history, &mut b);
            assert_eq!(a, b);
        }
    }
}
