//! Saving and loading [`EaseModel`] in the rustrec model file format.
//!
//! Tensors: `b` (n_items × n_items, row-major f32) and the user profiles (`profile_ptr`,
//! `profile_items`, `profile_values`, see [`crate::profiles`]). The header's `params` hold
//! the [`EaseParams`]. Schema version 1 (unchanged since files were first written).

use std::sync::Arc;

use rustrec_io::{DType, Header, ModelFile, Tensor};

use super::Ease;
use super::hyperparams::{EaseParams, EaseValidParams};
use super::model::EaseModel;
use crate::error::Result;
use crate::family::Family;
use crate::model_file::{params_of, params_value};
use crate::profiles::UserProfiles;
use crate::schema::{Dim, Schema, TensorDecl};

/// The tensors of an EASE model file.
pub const SCHEMA: Schema = Schema {
    version: 1,
    tensors: &[
        TensorDecl::new("b", DType::F32, &[Dim::Items, Dim::Items])
            .about("the item × item weight matrix B (row: source item, column: target item)"),
        TensorDecl::new("profile_ptr", DType::U64, &[Dim::UsersPlusOne])
            .about("CSR row offsets of the training profiles, one per user + 1"),
        TensorDecl::new("profile_items", DType::U32, &[Dim::Named("nnz")])
            .about("item indices of the training profiles"),
        TensorDecl::new("profile_values", DType::F32, &[Dim::Named("nnz")])
            .about("values of the training profiles"),
    ],
};

impl EaseModel {
    /// The model as a model file (header `params`, tensors, id maps); the caller fills in
    /// `training` and the data fingerprint.
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let (nu, ni) = (self.users.len(), self.items.len());
        let mut header = Header::new(Ease::KIND, nu, ni);
        header.params = params_value(self.params.params())?;
        let file = ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
            .with("b", Tensor::matrix(ni, ni, self.b.clone()))?;
        self.profiles.add_to(file)
    }

    /// Rebuilds a model from a model file of kind `ease`.
    pub fn from_model_file(mut file: ModelFile) -> Result<Self> {
        SCHEMA.validate(&file)?;
        let params = EaseValidParams(params_of::<EaseParams>(&file)?);
        let (nu, ni) = (file.user_ids.len(), file.item_ids.len());
        let b = file.take::<f32>("b", &[ni, ni])?;
        let profiles = UserProfiles::take_from(&mut file, nu, ni)?;
        Ok(EaseModel {
            users: Arc::new(file.user_ids),
            items: Arc::new(file.item_ids),
            b,
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

    /// A hand-made model: 2 users × 3 items (raw ids 10, 20 and 100, 200, 300), with
    /// user 10 holding items 100 (value 4) and 300 (value 2), user 20 holding item 200.
    fn hand_made(implicit: bool) -> EaseModel {
        let x = train();
        EaseModel {
            users: x.user_ids().clone(),
            items: x.item_ids().clone(),
            b: vec![0.0, 0.5, -0.25, 1.0, 0.0, 2.0, 0.125, -1.0, 0.0],
            profiles: Arc::new(UserProfiles::from_interactions(&x, implicit)),
            params: EaseParams::default()
                .lambda(7.0)
                .implicit(implicit)
                .check()
                .unwrap(),
        }
    }

    /// `x_u · B` of the implicit hand-made model, written out.
    const EXPECTED: [[f32; 3]; 2] = [
        // user 10: rows 0 + 2 of B
        [0.125, 0.5 - 1.0, -0.25],
        // user 20: row 1 of B
        [1.0, 0.0, 2.0],
    ];

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
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ease-v1.safetensors")
    }

    #[test]
    fn scores_are_sums_of_weight_rows_and_fold_in_agrees() {
        let m = hand_made(true);
        let mut out = [0.0; 3];
        for (u, want) in EXPECTED.iter().enumerate() {
            m.score_into(UserIdx(u as u32), &mut out);
            assert_eq!(&out, want);
            for (i, &w) in want.iter().enumerate() {
                assert_eq!(m.predict(UserIdx(u as u32), ItemIdx(i as u32)), w);
            }
        }
        m.score_profile(
            &[(ItemIdx(2), 3.0), (ItemIdx(0), 1.0), (ItemIdx(9), 1.0)],
            &mut out,
        );
        assert_eq!(out, EXPECTED[0]);
        // With values: 4·row 0 + 2·row 2.
        let m = hand_made(false);
        m.score_into(UserIdx(0), &mut out);
        assert_eq!(out, [0.25, 2.0 - 2.0, -1.0]);
        m.score_profile(&[(ItemIdx(0), 4.0), (ItemIdx(2), 2.0)], &mut out);
        assert_eq!(out, [0.25, 0.0, -1.0]);
    }

    #[test]
    fn save_then_load_gives_the_same_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        TrainedModel::new(hand_made(false))
            .save(&path, &train(), serde_json::json!({"epochs": 1}))
            .unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.data_fingerprint, train().fingerprint());
        assert_eq!(loaded.seen.unwrap().row(UserIdx(0)).items, &[0, 2]);
        let Some(loaded) = loaded.model.downcast_ref::<EaseModel>() else {
            panic!("loaded {:?}", loaded.model);
        };
        assert_eq!(loaded, &hand_made(false));
    }

    /// The committed file of format version 1 keeps loading, with the scores it was saved
    /// with. Format-1 files are what old builds wrote: never rewritten.
    #[test]
    fn ease_v1_fixture_loads_with_the_scores_it_was_saved_with() {
        let loaded = TrainedModel::load(fixture_path()).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!(header.format_version, 1);
        assert_eq!(header.kind, "ease");
        let mut out = [0.0; 3];
        for (u, want) in EXPECTED.iter().enumerate() {
            model.score_into(UserIdx(u as u32), &mut out);
            assert_eq!(&out, want);
        }
        assert_eq!(model.item_ids().get_text("300"), Some(2));
    }
}
