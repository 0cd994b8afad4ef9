//! Saving and loading [`AlsModel`] in the rustrec model file format.
//!
//! Tensors: `user_factors` (n_users × k), `item_factors` (n_items × k), `user_bias`,
//! `item_bias` (zeros without biases), `global_mean` (one value). The header's `params`
//! hold the [`AlsParams`] (including `implicit`). The padded in-memory layout (bias and
//! constant columns) is rebuilt on load, so the file format does not depend on it.

use std::sync::Arc;

use rustrec_io::{ANY, Header, ModelFile, Tensor};

use super::hyperparams::AlsParams;
use super::model::AlsModel;
use crate::error::Result;
use crate::model_file::{check_kind, params_of, params_value};

/// The `kind` written in ALS model files (explicit and implicit alike).
pub const KIND: &str = "als";

impl AlsModel {
    /// The model as a model file (header `params`, tensors, id maps); the caller fills in
    /// `training` and the data fingerprint.
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let (nu, ni, k) = (self.users.len(), self.items.len(), self.factors());
        let mut header = Header::new(KIND, nu, ni);
        header.params = params_value(self.params.params())?;
        let file = ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
            .with("user_factors", Tensor::matrix(nu, k, self.user_factors()))?
            .with("item_factors", Tensor::matrix(ni, k, self.item_factors()))?
            .with("user_bias", Tensor::vector(self.user_biases()))?
            .with("item_bias", Tensor::vector(self.item_biases()))?
            .with("global_mean", Tensor::vector(vec![self.global_mean]))?;
        Ok(file)
    }

    /// Rebuilds a model from a model file of kind `als`.
    pub fn from_model_file(mut file: ModelFile) -> Result<Self> {
        check_kind(&file, KIND)?;
        let params: AlsParams = params_of(&file)?;
        let params = params.check()?;
        let (nu, ni, k) = (
            file.user_ids.len(),
            file.item_ids.len(),
            params.params().factors,
        );
        let uf = file.take::<f32>("user_factors", &[nu, k])?;
        let itf = file.take::<f32>("item_factors", &[ni, k])?;
        let ub = file.take::<f32>("user_bias", &[nu])?;
        let ib = file.take::<f32>("item_bias", &[ni])?;
        let mu = file
            .f32("global_mean", &[ANY])?
            .first()
            .copied()
            .unwrap_or(0.0);
        Ok(AlsModel::from_parts(
            Arc::new(file.user_ids),
            Arc::new(file.item_ids),
            params,
            [&uf, &itf, &ub, &ib],
            mu,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustrec_data::{IdMap, ItemIdx, UserIdx};

    use super::*;
    use crate::als::hyperparams::AlsParams;
    use crate::recommender::Recommender;
    use crate::registry::TrainedModel;

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
        TrainedModel::Als(model)
            .save(&path, &train, serde_json::json!({"iterations": 3}))
            .unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.data_fingerprint, train.fingerprint());
        let TrainedModel::Als(loaded) = loaded.model else {
            panic!("not an ALS model")
        };
        assert_eq!(loaded, hand_made());
    }

    /// The committed file of format version 1 keeps loading, with the same predictions.
    /// `RUSTREC_REGEN_FIXTURES=1 cargo test -p rustrec-models als_v1` rewrites it.
    #[test]
    fn als_v1_fixture_loads_with_the_predictions_it_was_saved_with() {
        if std::env::var_os("RUSTREC_REGEN_FIXTURES").is_some() {
            let model = hand_made();
            let train = no_interactions(&model);
            TrainedModel::Als(model)
                .save(fixture_path(), &train, serde_json::json!({"fixture": true}))
                .unwrap();
        }
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

    #[test]
    fn a_file_of_another_kind_is_refused_by_name() {
        let mut file = hand_made().to_model_file().unwrap();
        file.header.kind = "slim".into();
        let err = AlsModel::from_model_file(file).unwrap_err().to_string();
        assert!(err.contains("slim"), "{err}");
    }
}
