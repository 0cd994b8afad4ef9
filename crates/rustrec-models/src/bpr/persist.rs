//! Saving and loading [`BprModel`] in the rustrec model file format.
//!
//! Schema version 2 ([`SCHEMA`]): `user_factors` (n_users × k), `item_factors`
//! (n_items × k), `item_bias`, `user_seen` / `item_seen` (1 for rows that had training
//! data). The header's `params` hold the [`BprParams`] (the loss among them); `k` is read
//! from the tensors. Version 1 could store `bins: null` (automatic, training only), read
//! as the default.

use rustrec_io::{DType, Header, ModelFile, Tensor};

use super::Bpr;
use super::hyperparams::{BprParams, BprValidParams};
use super::model::BprModel;
use crate::engine::RowTable;
use crate::error::Result;
use crate::family::{Family, unsupported_version};
use crate::model_file::{flags_of, flags_tensor as flags, params_of, params_value};
use crate::schema::{Dim, Schema, TensorDecl};

/// The tensors of a BPR/WARP model file.
pub const SCHEMA: Schema = Schema {
    version: 2,
    tensors: &[
        TensorDecl::new("user_factors", DType::F32, &[Dim::Users, Dim::Named("k")])
            .about("user factor vectors, one row per user in user_ids order"),
        TensorDecl::new("item_factors", DType::F32, &[Dim::Items, Dim::Named("k")])
            .about("item factor vectors, one row per item in item_ids order"),
        TensorDecl::new("item_bias", DType::F32, &[Dim::Items]).about("item biases b_i"),
        TensorDecl::new("user_seen", DType::U32, &[Dim::Users])
            .about("1 for users with training data, 0 for cold rows"),
        TensorDecl::new("item_seen", DType::U32, &[Dim::Items])
            .about("1 for items with training data, 0 for cold rows"),
    ],
};

/// What version 1's unset `bins` (then a default that followed the thread count) becomes:
/// the constant default that version 2 introduced, fixed here whatever `DEFAULT_BINS` becomes.
const V1_UNSET_BINS: usize = 8;

/// Brings a BPR file of schema version `from` to the current one.
pub(crate) fn migrate(file: &mut ModelFile, from: u32) -> Result<()> {
    if from != 1 {
        return Err(unsupported_version(Bpr::KIND, from, SCHEMA.version));
    }
    if let Some(params) = file.header.params.as_object_mut()
        && params.get("bins").is_some_and(|b| b.is_null())
    {
        params.insert("bins".into(), V1_UNSET_BINS.into());
    }
    Ok(())
}

impl BprModel {
    /// The model as a model file (header `params`, tensors, id maps); the caller fills in
    /// `training` and the data fingerprint.
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let (nu, ni, k) = (self.users.len(), self.items.len(), self.factors());
        let mut header = Header::new(Bpr::KIND, nu, ni);
        header.params = params_value(self.params.params())?;
        let file = ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
            .with("user_factors", Tensor::matrix(nu, k, self.user_factors()))?
            .with("item_factors", Tensor::matrix(ni, k, self.item_factors()))?
            .with("item_bias", Tensor::vector(self.item_bias.clone()))?
            .with("user_seen", flags(&self.user_seen))?
            .with("item_seen", flags(&self.item_seen))?;
        Ok(file)
    }

    /// Rebuilds a model from a model file of kind `bpr` of the current schema.
    pub fn from_model_file(mut file: ModelFile) -> Result<Self> {
        let dims = SCHEMA.validate(&file)?;
        let params: BprParams = params_of(&file)?;
        let params = BprValidParams(params);
        let (nu, ni, k) = (file.user_ids.len(), file.item_ids.len(), dims.get("k")?);
        let user_factors = file.take::<f32>("user_factors", &[nu, k])?;
        let item_factors = file.take::<f32>("item_factors", &[ni, k])?;
        let item_bias = file.take::<f32>("item_bias", &[ni])?;
        let user_seen = flags_of(&file, "user_seen", nu)?;
        let item_seen = flags_of(&file, "item_seen", ni)?;
        Ok(BprModel {
            users: std::sync::Arc::new(file.user_ids),
            items: std::sync::Arc::new(file.item_ids),
            user_factors: RowTable::from_dense(nu, k, &user_factors),
            item_factors: RowTable::from_dense(ni, k, &item_factors),
            item_bias,
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
    use crate::bpr::Loss;
    use crate::registry::TrainedModel;
    use rustrec_core::Recommender;

    /// A hand-made model: 2 users × 3 items, k = 2, raw ids 10, 20 and 100, 200, 300.
    fn hand_made() -> BprModel {
        let params = BprParams::default()
            .loss(Loss::Warp)
            .factors(2)
            .epochs(3)
            .check()
            .unwrap();
        BprModel {
            users: Arc::new(IdMap::from_ints([10, 20]).unwrap()),
            items: Arc::new(IdMap::from_ints([100, 200, 300]).unwrap()),
            user_factors: RowTable::from_dense(2, 2, &[0.5, -1.0, 2.0, 0.25]),
            item_factors: RowTable::from_dense(3, 2, &[1.0, 2.0, -0.5, 0.5, 0.0, 0.0]),
            item_bias: vec![0.3, 0.0, -0.4],
            params,
            user_seen: vec![true, true],
            item_seen: vec![true, true, false],
        }
    }

    /// `b_i + p_u·q_i` of the hand-made model, written out.
    const EXPECTED: [[f32; 3]; 2] = [
        [0.3 + (0.5 - 2.0), -0.25 - 0.5, -0.4],
        [0.3 + (2.0 + 0.5), -1.0 + 0.125, -0.4],
    ];

    fn fixture_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bpr-v1.safetensors")
    }

    /// Training data in the model's id space, with no interactions.
    fn no_data(m: &BprModel) -> rustrec_data::Interactions {
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

    #[test]
    fn save_then_load_gives_the_same_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        let train = no_data(&hand_made());
        TrainedModel::new(hand_made())
            .save(&path, &train, serde_json::json!({"epochs": 3}))
            .unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.data_fingerprint, train.fingerprint());
        let Some(loaded) = loaded.model.downcast_ref::<BprModel>() else {
            panic!("not a BPR model")
        };
        assert_eq!(loaded, &hand_made());
    }

    /// The committed file of format version 1 keeps loading, with the same scores.
    /// Format-1 files are what old builds wrote: never rewritten.
    #[test]
    fn bpr_v1_fixture_loads_with_the_scores_it_was_saved_with() {
        let loaded = TrainedModel::load(fixture_path()).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!(header.format_version, 1);
        assert_eq!(header.kind, "bpr");
        for (u, row) in EXPECTED.iter().enumerate() {
            for (i, &want) in row.iter().enumerate() {
                let got = model.predict(UserIdx(u as u32), ItemIdx(i as u32));
                assert!((got - want).abs() < 1e-6, "({u}, {i}): {got}");
            }
        }
        let Some(m) = model.downcast_ref::<BprModel>() else {
            panic!("not a BPR model")
        };
        assert_eq!(m.params().params().loss, Loss::Warp);
        assert!(!m.knows_item(ItemIdx(2)));
    }
}
