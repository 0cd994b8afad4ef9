//! The popularity baseline: every user gets the items ranked by their number of training
//! interactions (ties to the lower item index, as every ranking in rustrec).

use std::sync::Arc;

use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};
use rustrec_io::{DType, Header, ModelFile, Tensor};

use super::TopPop;
use crate::error::Result;
use crate::family::Family;
use crate::params::hyperparams;
use crate::schema::{Dim, Schema, TensorDecl};
use rustrec_core::{Fit, FitContext};
use rustrec_core::{FoldIn, Recommender};

hyperparams! {
    /// Parameters of the popularity baseline (none; the struct keeps configs uniform).
    pub struct TopPopParams {}
}

/// The tensors of a `top-pop` model file (schema version 1, unchanged since files
/// were first written).
pub const SCHEMA: Schema = Schema {
    version: 1,
    tensors: &[TensorDecl::new("popularity", DType::F32, &[Dim::Items])
        .about("training interactions of each item")],
};

/// Items scored by their training popularity (number of interactions).
#[derive(Clone, Debug, PartialEq)]
pub struct TopPopModel {
    users: Arc<IdMap>,
    items: Arc<IdMap>,
    popularity: Vec<f32>,
}

impl TopPopModel {
    /// Number of training interactions of each item.
    pub fn popularity(&self) -> &[f32] {
        &self.popularity
    }

    /// The model as a model file (tensor `popularity`).
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let header = Header::new(TopPop::KIND, self.users.len(), self.items.len());
        Ok(
            ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
                .with("popularity", Tensor::vector(self.popularity.clone()))?,
        )
    }

    /// Rebuilds the model from a model file of kind `top-pop`.
    pub fn from_model_file(mut file: ModelFile) -> Result<Self> {
        SCHEMA.validate(&file)?;
        let ni = file.item_ids.len();
        let popularity = file.take::<f32>("popularity", &[ni])?;
        Ok(TopPopModel {
            users: Arc::new(file.user_ids),
            items: Arc::new(file.item_ids),
            popularity,
        })
    }
}

impl Fit for TopPopParams {
    type Model = TopPopModel;
    type Error = crate::ModelError;

    fn fit(&self, train: &Interactions, _ctx: &mut FitContext<'_>) -> Result<TopPopModel> {
        Ok(TopPopModel {
            users: Arc::clone(train.user_ids()),
            items: Arc::clone(train.item_ids()),
            popularity: (0..train.n_items())
                .map(|i| train.item_degree(ItemIdx(i as u32)) as f32)
                .collect(),
        })
    }
}

impl Recommender for TopPopModel {
    fn kind(&self) -> &'static str {
        TopPop::KIND
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }

    fn score_into(&self, _user: UserIdx, out: &mut [f32]) {
        out.copy_from_slice(&self.popularity);
    }

    fn predict(&self, _user: UserIdx, item: ItemIdx) -> f32 {
        self.popularity[item.index()]
    }
}

impl FoldIn for TopPopModel {
    /// A new user gets the popularity ranking too (their history only decides which items
    /// the caller leaves out).
    fn score_profile(&self, _history: &[(ItemIdx, f32)], out: &mut [f32]) {
        out.copy_from_slice(&self.popularity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::TrainedModel;
    use rustrec_core::Exclusion;

    fn data() -> Interactions {
        // Item 2 has 3 users, item 0 has 2, item 1 has 1, item 3 none.
        Interactions::from_index_triplets(
            3,
            4,
            &[
                (0, 0, 1.0),
                (0, 2, 1.0),
                (1, 2, 1.0),
                (1, 0, 1.0),
                (2, 2, 1.0),
                (2, 1, 1.0),
            ],
        )
        .unwrap()
    }

    #[test]
    fn ranks_by_training_popularity_and_excludes_seen_items() {
        let x = data();
        let m = TopPopParams {}
            .fit(&x, &mut FitContext::with_threads(42, 1).unwrap())
            .unwrap();
        assert_eq!(m.popularity(), &[2.0, 1.0, 3.0, 0.0]);
        let recs: Vec<u32> = m
            .recommend(UserIdx(2), 4, &Exclusion::seen(&x))
            .iter()
            .map(|(i, _)| i.0)
            .collect();
        assert_eq!(recs, vec![0, 3]);
    }

    #[test]
    fn save_and_load_round_trip() {
        let x = data();
        let m = TopPopParams {}
            .fit(&x, &mut FitContext::with_threads(42, 1).unwrap())
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pop.safetensors");
        TrainedModel::new(m.clone())
            .save(&path, &x, serde_json::Value::Null)
            .unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.seen.map(|s| s.nnz()), Some(x.nnz()));
        let Some(loaded) = loaded.model.downcast_ref::<TopPopModel>() else {
            panic!("not a top-pop model")
        };
        assert_eq!(loaded, &m);
    }

    /// Format-1 files are what old builds wrote: never rewritten.
    #[test]
    fn top_pop_v1_fixture_loads() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/top-pop-v1.safetensors");
        let loaded = TrainedModel::load(&path).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!(
            (header.format_version, header.kind.as_str()),
            (1, "top-pop")
        );
        let scores: Vec<f32> = (0..4)
            .map(|i| model.predict(UserIdx(0), ItemIdx(i)))
            .collect();
        assert_eq!(scores, vec![2.0, 1.0, 3.0, 0.0]);
    }

    #[test]
    fn a_new_user_gets_the_popularity_ranking() {
        let m = TopPopParams {}
            .fit(&data(), &mut FitContext::with_threads(42, 1).unwrap())
            .unwrap();
        let mut out = vec![0.0; 4];
        m.score_profile(&[(ItemIdx(3), 1.0)], &mut out);
        assert_eq!(out, m.popularity());
    }
}
