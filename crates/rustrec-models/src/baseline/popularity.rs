//! The popularity baseline: every user gets the items ranked by their number of training
//! interactions (ties to the lower item index, as every ranking in rustrec).

use std::sync::Arc;

use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};
use rustrec_io::{Header, ModelFile, Tensor};
use serde::{Deserialize, Serialize};

use super::TOP_POP_KIND;
use crate::error::Result;
use crate::fit::{Fit, FitContext};
use crate::model_file::check_kind;
use crate::recommender::Recommender;

/// Parameters of the popularity baseline (none; the struct keeps configs uniform).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopPopParams {}

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
        let header = Header::new(TOP_POP_KIND, self.users.len(), self.items.len());
        Ok(
            ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
                .with("popularity", Tensor::vector(self.popularity.clone()))?,
        )
    }

    /// Rebuilds the model from a model file of kind `top-pop`.
    pub fn from_model_file(mut file: ModelFile) -> Result<Self> {
        check_kind(&file, TOP_POP_KIND)?;
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
        TOP_POP_KIND
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommender::Exclusion;
    use crate::registry::TrainedModel;

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
        let m = TopPopParams {}.fit(&x, &mut FitContext::default()).unwrap();
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
        let m = TopPopParams {}.fit(&x, &mut FitContext::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pop.safetensors");
        TrainedModel::TopPop(m.clone())
            .save(&path, &x, serde_json::Value::Null)
            .unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.seen.map(|s| s.nnz()), Some(x.nnz()));
        let TrainedModel::TopPop(loaded) = loaded.model else {
            panic!("not a top-pop model")
        };
        assert_eq!(loaded, m);
    }

    /// `RUSTREC_REGEN_FIXTURES=1 cargo test -p rustrec-models top_pop_v1` rewrites it.
    #[test]
    fn top_pop_v1_fixture_loads() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/top-pop-v1.safetensors");
        if std::env::var_os("RUSTREC_REGEN_FIXTURES").is_some() {
            let x = data();
            let m = TopPopParams {}.fit(&x, &mut FitContext::default()).unwrap();
            TrainedModel::TopPop(m)
                .save(&path, &x, serde_json::json!({"fixture": true}))
                .unwrap();
        }
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
}
