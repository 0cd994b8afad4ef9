//! Saving and loading [`MfModel`] in the rustrec model file format.
//!
//! Schema version 2 (tensors in [`SCHEMA`]): `user_factors` (n_users × k), `item_factors`
//! (n_items × k), `user_bias`, `item_bias`, `global_mean` (one value), `user_seen` /
//! `item_seen` (1 for rows that had training data) and `rating_range` (`[min, max]` of the
//! training ratings, the range of `clip = "auto"`). The header's `params` hold the
//! [`MfParams`]. The factor width `k` is read from the tensors (a merged seed ensemble has
//! `factors × members` of them).
//!
//! Version 1 (before schemas were versioned) differs in its parameters only: `clip` was
//! `null` or `[lo, hi]` (`null` now reads as `"none"`, the clipping those models had) and
//! `bins` could be `null` (automatic; it only shaped training). It has no `rating_range`.

use rustrec_io::{DType, ModelFile, Tensor};

use super::hyperparams::MfParams;
use super::model::MfModel;
use crate::engine::RowTable;
use crate::error::Result;
use crate::family::{Family, unsupported_version};
use crate::model_file::{
    check_loaded_clip, flags_of, flags_tensor as flags, params_of, params_value,
    stored_rating_range,
};
use crate::schema::{Dim, Schema, TensorDecl};

/// The tensors of an MF model file.
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
        TensorDecl::new("user_seen", DType::U32, &[Dim::Users])
            .about("1 for users with training data, 0 for cold rows"),
        TensorDecl::new("item_seen", DType::U32, &[Dim::Items])
            .about("1 for items with training data, 0 for cold rows"),
        TensorDecl::optional("rating_range", DType::F32, &[Dim::Fixed(2)])
            .about("[min, max] of the training ratings (the range of clip = auto)"),
    ],
};

/// What version 1's unset `bins` (then a default that followed the thread count) becomes:
/// the constant default that version 2 introduced, fixed here whatever `DEFAULT_BINS` becomes.
const V1_UNSET_BINS: usize = 8;

/// Brings an MF file of schema version `from` to version 2.
pub(crate) fn migrate(file: &mut ModelFile, from: u32) -> Result<()> {
    if from != 1 {
        return Err(unsupported_version(super::Mf::KIND, from, SCHEMA.version));
    }
    if let Some(params) = file.header.params.as_object_mut() {
        if params.get("clip").is_none_or(|c| c.is_null()) {
            params.insert("clip".into(), "none".into());
        }
        if params.get("bins").is_some_and(|b| b.is_null()) {
            params.insert("bins".into(), V1_UNSET_BINS.into());
        }
    }
    Ok(())
}

impl MfModel {
    /// The model as a model file (header `params`, tensors, id maps); the caller fills in
    /// `training` and the data fingerprint.
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let (nu, ni, k) = (self.users.len(), self.items.len(), self.factors());
        let mut header = rustrec_io::Header::new(super::Mf::KIND, nu, ni);
        header.params = params_value(self.params.params())?;
        let mut file = ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
            .with("user_factors", Tensor::matrix(nu, k, self.user_factors()))?
            .with("item_factors", Tensor::matrix(ni, k, self.item_factors()))?
            .with("user_bias", Tensor::vector(self.user_bias.clone()))?
            .with("item_bias", Tensor::vector(self.item_bias.clone()))?
            .with("global_mean", Tensor::vector(vec![self.global_mean]))?
            .with("user_seen", flags(&self.user_seen))?
            .with("item_seen", flags(&self.item_seen))?;
        if let Some(range) = self.rating_range {
            file.insert("rating_range", Tensor::vector(range.to_vec()))?;
        }
        Ok(file)
    }

    /// Rebuilds a model from a model file of kind `mf`, migrated to the current schema and
    /// validated against [`SCHEMA`] (the registry's loader does both).
    pub fn from_model_file(mut file: ModelFile) -> Result<Self> {
        let dims = SCHEMA.validate(&file)?;
        let params: MfParams = params_of(&file)?;
        let (nu, ni, k) = (file.user_ids.len(), file.item_ids.len(), dims.get("k")?);
        let user_factors = file.take::<f32>("user_factors", &[nu, k])?;
        let item_factors = file.take::<f32>("item_factors", &[ni, k])?;
        let user_bias = file.take::<f32>("user_bias", &[nu])?;
        let item_bias = file.take::<f32>("item_bias", &[ni])?;
        let global_mean = file.f32("global_mean", &[1])?[0];
        let user_seen = flags_of(&file, "user_seen", nu)?;
        let item_seen = flags_of(&file, "item_seen", ni)?;
        let rating_range = stored_rating_range(&file)?;
        check_loaded_clip(params.clip.range(rating_range))?;
        Ok(MfModel {
            users: std::sync::Arc::new(file.user_ids),
            items: std::sync::Arc::new(file.item_ids),
            user_factors: RowTable::from_dense(nu, k, &user_factors),
            item_factors: RowTable::from_dense(ni, k, &item_factors),
            user_bias,
            item_bias,
            global_mean,
            // Loaded parameters are not re-checked: a range tightened since the file was
            // written must not make it unreadable (they only describe its training).
            params: super::hyperparams::MfValidParams(params),
            user_seen,
            item_seen,
            rating_range,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustrec_data::{IdMap, ItemIdx, UserIdx};

    use super::*;
    use crate::registry::TrainedModel;
    use rustrec_core::Recommender;

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
            rating_range: Some([1.0, 5.0]),
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

    fn fixture_path(version: u32) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/mf-v{version}.safetensors"))
    }

    fn train() -> rustrec_data::Interactions {
        rustrec_data::Interactions::from_csr(
            model_users(),
            model_items(),
            vec![0, 2, 3],
            vec![0, 1, 1],
            vec![4.0, 3.0, 5.0],
            None,
        )
        .unwrap()
    }

    #[test]
    fn save_then_load_gives_identical_predictions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        let model = TrainedModel::new(hand_made());
        model
            .save(&path, &train(), serde_json::json!({"epochs": 3}))
            .unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.data_fingerprint, train().fingerprint());
        assert_eq!(loaded.header.training["epochs"], 3);
        assert_eq!(loaded.header.schema_version, SCHEMA.version);
        let seen = loaded.seen.unwrap();
        assert_eq!(seen.row(UserIdx(0)).items, &[0, 1]);
        assert_eq!(seen.row(UserIdx(1)).items, &[1]);
        let loaded = loaded.model.downcast_ref::<MfModel>().unwrap();
        assert_eq!(loaded, &hand_made());
        assert_eq!(loaded.rating_range, Some([1.0, 5.0]));
    }

    /// The committed file of schema version 1 (format version 1) keeps loading, with the
    /// predictions it was saved with: its `clip: null` reads as no clipping.
    #[test]
    fn mf_v1_fixture_loads_with_the_predictions_it_was_saved_with() {
        let loaded = TrainedModel::load(fixture_path(1)).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!(header.format_version, 1);
        assert_eq!(header.schema_version, 1);
        assert_eq!(header.kind, "mf");
        for u in 0..2 {
            for i in 0..3 {
                let got = model.predict(UserIdx(u as u32), ItemIdx(i as u32));
                assert!((got - expected(u, i)).abs() < 1e-6, "({u}, {i}): {got}");
            }
        }
        let m = model.downcast_ref::<MfModel>().unwrap();
        assert_eq!(m.params().params().clip, super::super::Clip::None);
        assert_eq!(m.predict_raw("20", "300").0, expected(1, 2));
        assert!(!m.knows_item(ItemIdx(2)));
        assert_eq!(model.task(), rustrec_core::Task::Rating);
    }

    /// The committed file of the current schema: predictions clipped to the stored training
    /// range by the default `clip = "auto"`. `RUSTREC_REGEN_FIXTURES=1` rewrites it (only
    /// the current version's fixture: older ones are what older builds wrote).
    #[test]
    fn mf_current_fixture_loads_with_clipped_predictions() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
            "tests/fixtures/mf-clip-v{}.safetensors",
            SCHEMA.version
        ));
        if std::env::var_os("RUSTREC_REGEN_FIXTURES").is_some() && !path.exists() {
            TrainedModel::new(hand_made())
                .save(&path, &train(), serde_json::json!({"fixture": true}))
                .unwrap();
        }
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.schema_version, SCHEMA.version);
        for u in 0..2 {
            for i in 0..3 {
                let got = loaded.model.predict(UserIdx(u as u32), ItemIdx(i as u32));
                let want = expected(u, i).clamp(1.0, 5.0);
                assert!((got - want).abs() < 1e-6, "({u}, {i}): {got}");
            }
        }
        assert_eq!(loaded.model.rating_range(), Some([1.0, 5.0]));
    }

    #[test]
    fn a_migration_from_an_unknown_version_is_refused_naming_it() {
        let mut file = hand_made().to_model_file().unwrap();
        let e = migrate(&mut file, 7).unwrap_err().to_string();
        assert!(e.contains("schema version 7") && e.contains("newer"), "{e}");
    }

    #[test]
    fn renamed_or_tightened_parameters_do_not_stop_a_file_from_loading() {
        // A stored value outside today's range (factors above the maximum) still loads:
        // loading reads the parameters, it does not re-check them, and shapes come from
        // the tensors.
        let mut model = hand_made();
        model.params.0.factors = 5000;
        let file = model.to_model_file().unwrap();
        let back = MfModel::from_model_file(file).unwrap();
        assert_eq!(back.factors(), 2);
    }
}
