//! Saving and loading [`ItemItemModel`]s (every item-based kind) in the rustrec model file
//! format.
//!
//! Tensors: the training profiles as CSR (`profile_indptr` (n_users + 1, u64),
//! `profile_items` (u32), `profile_values` (f32)) and the similarity matrix as CSR by source
//! item (`sim_indptr` (n_items + 1, u64), `sim_items` (u32), `sim_values` (f32)). The
//! header's `kind` is the model family and its `params` the parameters it was trained with.

use std::sync::Arc;

use rustrec_data::Interactions;
use rustrec_io::{DType, Header, ModelFile, Tensor};

use super::matrix::SimilarityMatrix;
use super::model::ItemItemModel;
use crate::error::{ModelError, Result};
use crate::schema::{Dim, Schema, TensorDecl};

/// The tensors of an item-based model file (every item-based kind; schema version 1,
/// unchanged since files were first written).
pub const SCHEMA: Schema = Schema {
    version: 1,
    tensors: &[
        TensorDecl::new("profile_indptr", DType::U64, &[Dim::UsersPlusOne])
            .about("CSR row offsets of the training profiles, one per user + 1"),
        TensorDecl::new("profile_items", DType::U32, &[Dim::Named("nnz")])
            .about("item indices of the training profiles"),
        TensorDecl::new("profile_values", DType::F32, &[Dim::Named("nnz")])
            .about("values of the training profiles"),
        TensorDecl::new("sim_indptr", DType::U64, &[Dim::ItemsPlusOne])
            .about("CSR row offsets of the item × item similarities, one per item + 1"),
        TensorDecl::new("sim_items", DType::U32, &[Dim::Named("sim_nnz")])
            .about("target item of each similarity"),
        TensorDecl::new("sim_values", DType::F32, &[Dim::Named("sim_nnz")])
            .about("the similarity values"),
    ],
};

fn offsets(v: &[usize]) -> Tensor {
    Tensor::vector(v.iter().map(|&x| x as u64).collect::<Vec<u64>>())
}

fn to_usize(v: Vec<u64>) -> Vec<usize> {
    v.into_iter().map(|x| x as usize).collect()
}

impl ItemItemModel {
    /// The model as a model file; the caller fills in `training` and the data fingerprint.
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let p = &self.profiles;
        let (nu, ni) = (p.n_users(), p.n_items());
        let mut header = Header::new(self.kind, nu, ni);
        header.params = self.params.clone();
        let (sp, si, sv) = self.sim.csr();
        let file = ModelFile::new(header, (**p.user_ids()).clone(), (**p.item_ids()).clone())
            .with("profile_indptr", offsets(p.user_ptr()))?
            .with("profile_items", Tensor::vector(p.item_indices().to_vec()))?
            .with("profile_values", Tensor::vector(p.values().to_vec()))?
            .with("sim_indptr", offsets(sp))?
            .with("sim_items", Tensor::vector(si.to_vec()))?
            .with("sim_values", Tensor::vector(sv.to_vec()))?;
        Ok(file)
    }

    /// Rebuilds a model of the item-based family `kind` from its model file (the
    /// registry picks the family by the file's kind).
    pub fn from_model_file(mut file: ModelFile, kind: &'static str) -> Result<Self> {
        let dims = SCHEMA.validate(&file)?;
        let (nnz, sim_nnz) = (dims.get("nnz")?, dims.get("sim_nnz")?);
        let (nu, ni) = (file.user_ids.len(), file.item_ids.len());
        let where_ = file
            .source()
            .map_or_else(|| "model file".to_string(), |p| p.display().to_string());
        let pi = to_usize(file.take::<u64>("profile_indptr", &[nu + 1])?);
        let items = file.take::<u32>("profile_items", &[nnz])?;
        let values = file.take::<f32>("profile_values", &[nnz])?;
        let si = to_usize(file.take::<u64>("sim_indptr", &[ni + 1])?);
        let sim_items = file.take::<u32>("sim_items", &[sim_nnz])?;
        let sim_values = file.take::<f32>("sim_values", &[sim_nnz])?;
        let sim = SimilarityMatrix::from_csr(ni, si, sim_items, sim_values).ok_or_else(|| {
            ModelError::Data(format!("{where_}: tensors sim_*: not a valid CSR matrix"))
        })?;
        let profiles = Interactions::from_csr(
            Arc::new(file.user_ids),
            Arc::new(file.item_ids),
            pi,
            items,
            values,
            None,
        )
        .map_err(|e| ModelError::Data(format!("{where_}: tensors profile_*: {e}")))?;
        Ok(ItemItemModel {
            kind,
            params: file.header.params,
            profiles,
            sim,
        })
    }
}

#[cfg(test)]
mod tests {
    use rustrec_data::{ItemIdx, UserIdx};

    use super::*;
    use crate::registry::TrainedModel;
    use rustrec_core::Recommender;

    /// 2 users × 3 items (raw ids 0..): u0 = {i0: 2, i1: 1}, u1 = {i2: 1};
    /// S[0, 2] = 0.5, S[1, 0] = −1, S[2, 1] = 3.
    fn hand_made(kind: &'static str) -> ItemItemModel {
        let train =
            Interactions::from_index_triplets(2, 3, &[(0, 0, 2.0), (0, 1, 1.0), (1, 2, 1.0)])
                .unwrap();
        let sim =
            SimilarityMatrix::from_columns(3, &[vec![(1, -1.0)], vec![(2, 3.0)], vec![(0, 0.5)]]);
        ItemItemModel::new(kind, serde_json::json!({"neighbours": 7}), &train, sim)
    }

    /// Scores of the hand-made model, written out: u0 = 2·row0 + 1·row1, u1 = row2.
    const EXPECTED: [[f32; 3]; 2] = [[-1.0, 0.0, 1.0], [0.0, 3.0, 0.0]];

    fn fixture_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/item-knn-v1.safetensors")
    }

    #[test]
    fn every_item_based_kind_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        for kind in ["slim-mse", "item-knn", "item-knn-cbf", "hybrid"] {
            let path = dir.path().join(format!("{kind}.safetensors"));
            let model = hand_made(kind);
            TrainedModel::new(model.clone())
                .save(&path, model.profiles(), serde_json::json!({}))
                .unwrap();
            let loaded = TrainedModel::load(&path).unwrap();
            assert_eq!(loaded.header.kind, kind);
            assert_eq!(
                loaded.header.data_fingerprint,
                model.profiles().fingerprint()
            );
            let Some(m) = loaded.model.downcast_ref::<ItemItemModel>() else {
                panic!("{kind} loaded as another variant")
            };
            assert_eq!(m, &hand_made(kind));
        }
    }

    /// The committed file of format version 1 keeps loading, with the same scores.
    /// Format-1 files are what old builds wrote: never rewritten.
    #[test]
    fn item_knn_v1_fixture_loads_with_the_scores_it_was_saved_with() {
        let loaded = TrainedModel::load(fixture_path()).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!(header.format_version, 1);
        assert_eq!(header.kind, "item-knn");
        assert_eq!(header.params["neighbours"], 7);
        for u in 0..2u32 {
            let mut out = vec![0.0; 3];
            model.score_into(UserIdx(u), &mut out);
            assert_eq!(out, EXPECTED[u as usize]);
            for i in 0..3u32 {
                assert_eq!(
                    model.predict(UserIdx(u), ItemIdx(i)),
                    EXPECTED[u as usize][i as usize]
                );
            }
        }
    }
}
