//! Saving and loading [`MfModel`] in the rustrec model file format.
//!
//! Tensors: `user_factors` (n_users × k), `item_factors` (n_items × k), `user_bias`,
//! `item_bias`, `global_mean` (one value), `user_seen` / `item_seen` (1 for rows that had
//! training data). The header's `params` hold the [`MfParams`]; the factor width is
//! `k = factors × members` (a merged seed ensemble, see `MfParams::members`; files written
//! before `members` existed read as `members = 1`).

use rustrec_io::{ANY, Header, ModelFile, Tensor};

use super::hyperparams::MfParams;
use super::model::MfModel;
use crate::engine::RowTable;
use crate::error::Result;

/// The `kind` written in MF model files.
pub const KIND: &str = "mf";

use crate::model_file::{check_kind, flags_of, flags_tensor as flags, params_of, params_value};

impl MfModel {
    /// The model as a model file (header `params`, tensors, id maps); the caller fills in
    /// `training` and the data fingerprint.
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let (nu, ni, k) = (self.users.len(), self.items.len(), self.factors());
        let mut header = Header::new(KIND, nu, ni);
        header.params = params_value(self.params.params())?;
        let file = ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
            .with("user_factors", Tensor::matrix(nu, k, self.user_factors()))?
            .with("item_factors", Tensor::matrix(ni, k, self.item_factors()))?
            .with("user_bias", Tensor::vector(self.user_bias.clone()))?
            .with("item_bias", Tensor::vector(self.item_bias.clone()))?
            .with("global_mean", Tensor::vector(vec![self.global_mean]))?
            .with("user_seen", flags(&self.user_seen))?
            .with("item_seen", flags(&self.item_seen))?;
        Ok(file)
    }

    /// Rebuilds a model from a model file of kind `mf`.
    pub fn from_model_file(mut file: ModelFile) -> Result<Self> {
        check_kind(&file, KIND)?;
        let params: MfParams = params_of(&file)?;
        let params = params.check()?;
        let (nu, ni, k) = (
            file.user_ids.len(),
            file.item_ids.len(),
            params.params().factors * params.params().members,
        );
        let user_factors = file.take::<f32>("user_factors", &[nu, k])?;
        let item_factors = file.take::<f32>("item_factors", &[ni, k])?;
        let user_bias = file.take::<f32>("user_bias", &[nu])?;
        let item_bias = file.take::<f32>("item_bias", &[ni])?;
        let global_mean = file
            .f32("global_mean", &[ANY])?
            .first()
            .copied()
            .unwrap_or(0.0);
        let user_seen = flags_of(&file, "user_seen", nu)?;
        let item_seen = flags_of(&file, "item_seen", ni)?;
        Ok(MfModel {
            users: std::sync::Arc::new(file.user_ids),
            items: std::sync::Arc::new(file.item_ids),
            user_factors: RowTable::from_dense(nu, k, &user_factors),
            item_factors: RowTable::from_dense(ni, k, &item_factors),
            user_bias,
            item_bias,
            global_mean,
            params,
            user_seen,
            item_seen,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustrec_data::{IdMap, ItemIdx, UserIdx};

    use super::*;
    use crate::recommender::Recommender;
    use crate::registry::TrainedModel;

    fn model_users() -> Arc<IdMap> {
        Arc::new(IdMap::from_ints([10, 20]).unwrap())
    }

    fn model_items() -> Arc<IdMap> {
        Arc::new(IdMap::from_ints([100, 200, 300]).unwrap())
    }

    /// A hand-made model: 2 users × 3 items, k = 2, raw ids 10, 20 and 100, 200, 300.
    fn hand_made() -> MfModel {
        let params = MfParams::default().factors(2).epochs(3).check().unwrap();
        MfModel {
            users: model_users(),
            items: model_items(),
            user_factors: RowTable::from_dense(2, 2, &[0.5, -1.0, 2.0, 0.25]),
            item_factors: RowTable::from_dense(3, 2, &[1.0, 2.0, -0.5, 0.5, 0.0, 0.0]),
            user_bias: vec![0.1, -0.2],
            item_bias: vec![0.3, 0.0, -0.4],
            global_mean: 3.5,
            params,
            user_seen: vec![true, true],
            item_seen: vec![true, true, false],
        }
    }

    /// `μ + b_u + b_i + p_u·q_i` of the hand-made model, written out.
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

    fn fixture_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mf-v1.safetensors")
    }

    #[test]
    fn save_then_load_gives_identical_predictions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        let model = TrainedModel::Mf(hand_made());
        let train = rustrec_data::Interactions::from_csr(
            model_users(),
            model_items(),
            vec![0, 2, 3],
            vec![0, 1, 1],
            vec![4.0, 3.0, 5.0],
            None,
        )
        .unwrap();
        model
            .save(&path, &train, serde_json::json!({"epochs": 3}))
            .unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.data_fingerprint, train.fingerprint());
        assert_eq!(loaded.header.training["epochs"], 3);
        let seen = loaded.seen.unwrap();
        assert_eq!(seen.row(UserIdx(0)).items, &[0, 1]);
        assert_eq!(seen.row(UserIdx(1)).items, &[1]);
        let TrainedModel::Mf(loaded) = loaded.model else {
            panic!("loaded another kind");
        };
        assert_eq!(loaded, hand_made());
    }

    /// The committed file of format version 1 keeps loading, with the same predictions.
    /// `RUSTREC_REGEN_FIXTURES=1 cargo test -p rustrec-models mf_v1` rewrites it.
    #[test]
    fn mf_v1_fixture_loads_with_the_predictions_it_was_saved_with() {
        if std::env::var_os("RUSTREC_REGEN_FIXTURES").is_some() {
            let m = hand_made();
            let no_data = rustrec_data::Interactions::from_csr(
                model_users(),
                model_items(),
                vec![0, 0, 0],
                vec![],
                vec![],
                None,
            )
            .unwrap();
            TrainedModel::Mf(m)
                .save(
                    fixture_path(),
                    &no_data,
                    serde_json::json!({"fixture": true}),
                )
                .unwrap();
        }
        let loaded = TrainedModel::load(fixture_path()).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!(header.format_version, 1);
        assert_eq!(header.kind, "mf");
        for u in 0..2 {
            for i in 0..3 {
                let got = model.predict(UserIdx(u as u32), ItemIdx(i as u32));
                assert!((got - expected(u, i)).abs() < 1e-6, "({u}, {i}): {got}");
            }
        }
        let TrainedModel::Mf(m) = &model else {
            panic!("loaded {model:?}");
        };
        assert_eq!(m.predict_raw("20", "300").0, expected(1, 2));
        assert!(!m.knows_item(ItemIdx(2)));
    }

    #[test]
    fn a_file_of_another_kind_is_refused_by_name() {
        let mut file = hand_made().to_model_file().unwrap();
        file.header.kind = "slim".into();
        let err = MfModel::from_model_file(file).unwrap_err().to_string();
        assert!(err.contains("slim"), "{err}");
    }
}
