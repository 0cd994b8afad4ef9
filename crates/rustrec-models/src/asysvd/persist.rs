//! Saving and loading [`AsySvdModel`] in the rustrec model file format.
//!
//! Tensors: `v1` and `v2` (n_items × k, row-major f32) and the user profiles
//! (`profile_ptr`, `profile_items`, `profile_values`, see [`crate::profiles`]). The header's
//! `params` hold the [`AsySvdParams`].

use std::sync::Arc;

use rustrec_io::{DType, Header, ModelFile, Tensor};

use super::AsySvd;
use super::hyperparams::{AsySvdParams, AsySvdValidParams};
use super::model::AsySvdModel;
use crate::engine::RowTable;
use crate::error::Result;
use crate::family::Family;
use crate::model_file::{params_of, params_value};
use crate::profiles::UserProfiles;
use crate::schema::{Dim, Schema, TensorDecl};

/// The tensors of an AsySVD model file (schema version 1, unchanged since files were first
/// written); `k` is read from them.
pub const SCHEMA: Schema = Schema {
    version: 1,
    tensors: &[
        TensorDecl::new("v1", DType::F32, &[Dim::Items, Dim::Named("k")])
            .about("V₁: item vectors summed into a user representation"),
        TensorDecl::new("v2", DType::F32, &[Dim::Items, Dim::Named("k")])
            .about("V₂: item vectors scored against the user representation"),
        TensorDecl::new("profile_ptr", DType::U64, &[Dim::UsersPlusOne])
            .about("CSR row offsets of the training profiles, one per user + 1"),
        TensorDecl::new("profile_items", DType::U32, &[Dim::Named("nnz")])
            .about("item indices of the training profiles"),
        TensorDecl::new("profile_values", DType::F32, &[Dim::Named("nnz")])
            .about("values of the training profiles"),
    ],
};

impl AsySvdModel {
    /// The model as a model file (header `params`, tensors, id maps); the caller fills in
    /// `training` and the data fingerprint.
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let (nu, ni, k) = (self.users.len(), self.items.len(), self.factors());
        let mut header = Header::new(AsySvd::KIND, nu, ni);
        header.params = params_value(self.params.params())?;
        let file = ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
            .with("v1", Tensor::matrix(ni, k, self.v1.to_dense()))?
            .with("v2", Tensor::matrix(ni, k, self.v2.to_dense()))?;
        self.profiles.add_to(file)
    }

    /// Rebuilds a model from a model file of kind `asysvd`.
    pub fn from_model_file(mut file: ModelFile) -> Result<Self> {
        let dims = SCHEMA.validate(&file)?;
        let params = AsySvdValidParams(params_of::<AsySvdParams>(&file)?);
        let (nu, ni, k) = (file.user_ids.len(), file.item_ids.len(), dims.get("k")?);
        let v1 = file.take::<f32>("v1", &[ni, k])?;
        let v2 = file.take::<f32>("v2", &[ni, k])?;
        let profiles = UserProfiles::take_from(&mut file, nu, ni)?;
        Ok(AsySvdModel {
            users: Arc::new(file.user_ids),
            items: Arc::new(file.item_ids),
            v1: RowTable::from_dense(ni, k, &v1),
            v2: RowTable::from_dense(ni, k, &v2),
            profiles: Arc::new(profiles),
            params,
        })
    }
}

#[cfg(test)]
mod tests {
    use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};

    use super::*;
    use crate::registry::TrainedModel;
    use rustrec_core::{FoldIn, Recommender};

    /// A hand-made model: 2 users × 3 items (raw ids 10, 20 and 100, 200, 300), k = 2,
    /// user 10 holding items 100 and 300, user 20 holding item 200; unnormalised, implicit.
    fn hand_made() -> AsySvdModel {
        let x = train();
        let params = AsySvdParams::default()
            .factors(2)
            .normalize(false)
            .check()
            .unwrap();
        AsySvdModel {
            users: x.user_ids().clone(),
            items: x.item_ids().clone(),
            v1: RowTable::from_dense(3, 2, &[1.0, 0.5, -2.0, 1.0, 0.25, 0.0]),
            v2: RowTable::from_dense(3, 2, &[2.0, 0.0, 1.0, -1.0, 0.5, 4.0]),
            profiles: Arc::new(UserProfiles::from_interactions(&x, true)),
            params,
        }
    }

    /// `(Σ_{j∈I(u)} V₁[j]) · V₂ᵀ` of the hand-made model, written out:
    /// user 10: p = (1.25, 0.5) → (2.5, 0.75, 2.625); user 20: p = (−2, 1) → (−4, −3, 3).
    const EXPECTED: [[f32; 3]; 2] = [[2.5, 0.75, 2.625], [-4.0, -3.0, 3.0]];

    /// The training data of the hand-made model.
    fn train() -> Interactions {
        Interactions::from_csr(
            Arc::new(IdMap::from_ints([10, 20]).unwrap()),
            Arc::new(IdMap::from_ints([100, 200, 300]).unwrap()),
            vec![0, 2, 3],
            vec![0, 2, 1],
            vec![4.0, 2.0, 5.0],
            None,
        )
        .unwrap()
    }

    fn fixture_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/asysvd-v1.safetensors")
    }

    #[test]
    fn scores_follow_the_formula_and_fold_in_agrees() {
        let m = hand_made();
        let mut out = [0.0; 3];
        for (u, want) in EXPECTED.iter().enumerate() {
            m.score_into(UserIdx(u as u32), &mut out);
            assert_eq!(&out, want);
            assert_eq!(m.predict(UserIdx(u as u32), ItemIdx(2)), want[2]);
        }
        m.score_profile(
            &[(ItemIdx(2), 1.0), (ItemIdx(0), 1.0), (ItemIdx(7), 1.0)],
            &mut out,
        );
        assert_eq!(out, EXPECTED[0]);
        // Normalised: p = (1.25, 0.5)/√2.
        let mut m = hand_made();
        m.params = AsySvdParams::default().factors(2).check().unwrap();
        m.score_profile(&[(ItemIdx(0), 1.0), (ItemIdx(2), 1.0)], &mut out);
        for (got, want) in out.iter().zip(EXPECTED[0]) {
            assert!((got - want / 2f32.sqrt()).abs() < 1e-6, "{out:?}");
        }
    }

    #[test]
    fn save_then_load_gives_the_same_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        TrainedModel::new(hand_made())
            .save(&path, &train(), serde_json::json!({"epochs": 3}))
            .unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.data_fingerprint, train().fingerprint());
        assert_eq!(loaded.seen.unwrap().row(UserIdx(0)).items, &[0, 2]);
        let Some(loaded) = loaded.model.downcast_ref::<AsySvdModel>() else {
            panic!("loaded {:?}", loaded.model);
        };
        assert_eq!(loaded, &hand_made());
    }

    /// The committed file of format version 1 keeps loading, with the scores it was saved
    /// with. Format-1 files are what old builds wrote: never rewritten.
    #[test]
    fn asysvd_v1_fixture_loads_with_the_scores_it_was_saved_with() {
        let loaded = TrainedModel::load(fixture_path()).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!(header.format_version, 1);
        assert_eq!(header.kind, "asysvd");
        let mut out = [0.0; 3];
        for (u, want) in EXPECTED.iter().enumerate() {
            model.score_into(UserIdx(u as u32), &mut out);
            assert_eq!(&out, want);
        }
        let fold_in = model.as_fold_in().unwrap();
        fold_in.score_profile(&[(ItemIdx(1), 1.0)], &mut out);
        assert_eq!(out, EXPECTED[1]);
    }
}
