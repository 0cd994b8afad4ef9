//! Saving and loading [`AlsModel`] in the rustrec model file format.
//!
//! Schema version 2 ([`SCHEMA`], kinds `als` and `ials`): `user_factors` (n_users × k),
//! `item_factors` (n_items × k), `user_bias`, `item_bias` (zeros without biases),
//! `global_mean` (one value) and, for explicit models, `rating_range` (`[min, max]` of the
//! training ratings). The header's `params` hold the [`AlsParams`] (including `implicit`).
//! The padded in-memory layout (bias and constant columns) is rebuilt on load, so the file
//! format does not depend on it. `k` is read from the tensors.
//!
//! Version 1 files all said kind `als` (implicit ones too: their `implicit` parameter tells)
//! and had no `clip` (read as `"none"`, the behaviour they were saved with).

use std::sync::Arc;

use rustrec_io::{DType, Header, ModelFile, Tensor};

use super::hyperparams::{AlsParams, AlsValidParams};
use super::model::AlsModel;
use crate::error::Result;
use crate::family::unsupported_version;
use crate::model_file::{check_loaded_clip, params_of, params_value, stored_rating_range};
use crate::schema::{Dim, Schema, TensorDecl};

/// The tensors of an ALS model file (explicit and implicit).
pub const SCHEMA: Schema = Schema {
    version: 2,
    tensors: &[
        TensorDecl::new("user_factors", DType::F32, &[Dim::Users, Dim::Named("k")])
            .about("user factor vectors, one row per user in user_ids order"),
        TensorDecl::new("item_factors", DType::F32, &[Dim::Items, Dim::Named("k")])
            .about("item factor vectors, one row per item in item_ids order"),
        TensorDecl::new("user_bias", DType::F32, &[Dim::Users]).about("user biases b_u"),
        TensorDecl::new("item_bias", DType::F32, &[Dim::Items]).about("item biases b_i"),
        TensorDecl::new("global_mean", DType::F32, &[Dim::Fixed(1)])
            .about("the global mean μ (raw-score space)"),
        TensorDecl::optional("rating_range", DType::F32, &[Dim::Fixed(2)])
            .about("[min, max] of the training ratings (the range of clip = auto)"),
    ],
};

/// Brings an ALS file of schema version `from` to the current one.
pub(crate) fn migrate(kind: &str, file: &mut ModelFile, from: u32) -> Result<()> {
    if from != 1 {
        return Err(unsupported_version(kind, from, SCHEMA.version));
    }
    if let Some(params) = file.header.params.as_object_mut()
        && !params.contains_key("clip")
    {
        params.insert("clip".into(), "none".into());
    }
    Ok(())
}

impl AlsModel {
    /// The model as a model file (header `params`, tensors, id maps); the caller fills in
    /// `training` and the data fingerprint.
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let (nu, ni, k) = (self.users.len(), self.items.len(), self.factors());
        let mut header = Header::new(rustrec_core::Recommender::kind(self), nu, ni);
        header.params = params_value(self.params.params())?;
        let mut file = ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
            .with("user_factors", Tensor::matrix(nu, k, self.user_factors()))?
            .with("item_factors", Tensor::matrix(ni, k, self.item_factors()))?
            .with("user_bias", Tensor::vector(self.user_biases()))?
            .with("item_bias", Tensor::vector(self.item_biases()))?
            .with("global_mean", Tensor::vector(vec![self.global_mean]))?;
        if let Some(range) = self.rating_range {
            file.insert("rating_range", Tensor::vector(range.to_vec()))?;
        }
        Ok(file)
    }

    /// Rebuilds a model from a model file of kind `als` or `ials` of the current schema;
    /// `implicit` is what the kind says (version-1 files: what their parameters say).
    pub fn from_model_file(mut file: ModelFile, implicit: Option<bool>) -> Result<Self> {
        let dims = SCHEMA.validate(&file)?;
        let mut params: AlsParams = params_of(&file)?;
        if let Some(implicit) = implicit {
            params.implicit = implicit;
        }
        let (nu, ni, k) = (file.user_ids.len(), file.item_ids.len(), dims.get("k")?);
        params.factors = k;
        let uf = file.take::<f32>("user_factors", &[nu, k])?;
        let itf = file.take::<f32>("item_factors", &[ni, k])?;
        let ub = file.take::<f32>("user_bias", &[nu])?;
        let ib = file.take::<f32>("item_bias", &[ni])?;
        let mu = file.f32("global_mean", &[1])?[0];
        let rating_range = stored_rating_range(&file)?;
        if !params.implicit {
            check_loaded_clip(params.clip.range(rating_range))?;
        }
        let mut model = AlsModel::from_parts(
            Arc::new(file.user_ids),
            Arc::new(file.item_ids),
            AlsValidParams(params),
            [&uf, &itf, &ub, &ib],
            mu,
        );
        model.rating_range = rating_range;
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustrec_data::{IdMap, ItemIdx, UserIdx};

    use super::*;
    use crate::als::hyperparams::AlsParams;
    use crate::registry::TrainedModel;
    use rustrec_core::Recommender;

    /// A hand-made explicit model with biases: 2 users × 3 items, k = 2, raw ids 10, 20
    /// and 100, 200, 300.
    fn hand_made() -> AlsModel {
        let params = AlsParams::default().factors(2).check().unwrap();
        AlsModel::from_parts(
            Arc::new(IdMap::from_ints([10, 20]).unwrap()),
            Arc::new(IdMap::from_ints([100, 200, 300]).unwrap()),
            params,
            [
                &[0.5, -1.0, 2.0, 0.25],
                &[1.0, 2.0, -0.5, 0.5, 0.0, 0.0],
                &[0.1, -0.2],
                &[0.3, 0.0, -0.4],
            ],
            3.5,
        )
    }

    /// `μ + b_u + b_i + x_u·y_i` of the hand-made model, written out.
    fn expected(u: usize, i: usize) -> f32 {
        let table = [
            [
                3.5 + 0.1 + 0.3 + (0.5 - 2.0),
                3.5 + 0.1 + 0.0 + (-0.25 - 0.5),
                3.5 + 0.1 - 0.4,
            ],
            [
                3.5 - 0.2 + 0.3 + (2.0 + 0.5),
                3.5 - 0.2 + 0.0 + (-1.0 + 0.125),
                3.5 - 0.2 - 0.4,
            ],
        ];
        table[u][i]
    }

    /// An interaction matrix in the model's id space without entries.
    fn no_interactions(m: &AlsModel) -> rustrec_data::Interactions {
        rustrec_data::Interactions::from_csr(
            Arc::clone(&m.users),
            Arc::clone(&m.items),
            vec![0; m.users.len() + 1],
            vec![],
            vec![],
            None,
        )
        .unwrap()
    }

    fn fixture_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/als-v1.safetensors")
    }

    #[test]
    fn hand_made_scores_are_mu_plus_biases_plus_dot() {
        let m = hand_made();
        for u in 0..2 {
            for i in 0..3 {
                let got = m.predict(UserIdx(u as u32), ItemIdx(i as u32));
                assert!((got - expected(u, i)).abs() < 1e-6, "({u}, {i}): {got}");
            }
        }
        assert_eq!(m.user_biases(), vec![0.1, -0.2]);
        assert_eq!(m.item_factors(), vec![1.0, 2.0, -0.5, 0.5, 0.0, 0.0]);
    }

    #[test]
    fn save_then_load_gives_an_identical_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        let model = hand_made();
        let train = no_interactions(&model);
        TrainedModel::new(model)
            .save(&path, &train, serde_json::json!({"iterations": 3}))
            .unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.data_fingerprint, train.fingerprint());
        let Some(loaded) = loaded.model.downcast_ref::<AlsModel>() else {
            panic!("not an ALS model")
        };
        assert_eq!(loaded, &hand_made());
    }

    /// The committed file of format version 1 keeps loading, with the same predictions.
    /// Format-1 files are what old builds wrote: never rewritten.
    #[test]
    fn als_v1_fixture_loads_with_the_predictions_it_was_saved_with() {
        let loaded = TrainedModel::load(fixture_path()).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!(header.format_version, 1);
        assert_eq!(header.kind, "als");
        for u in 0..2 {
            for i in 0..3 {
                let got = model.predict(UserIdx(u as u32), ItemIdx(i as u32));
                assert!((got - expected(u, i)).abs() < 1e-6, "({u}, {i}): {got}");
            }
        }
    }
}
