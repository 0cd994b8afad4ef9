//! Item-based neighbourhood models: ItemKNN collaborative filtering ([`ItemKnnParams`]) and
//! content-based filtering ([`ItemKnnCbfParams`]), and the pieces every item-based model
//! shares — the sparse item × item [`SimilarityMatrix`], the similarity computation
//! ([`item_similarity`]) and the trained form [`ItemItemModel`] with its model file.

mod cbf;
mod cf;
mod matrix;
mod model;
mod persist;
mod similarity;

pub use cbf::{
    ContentFiles, Feature, ItemKnnCbfParams, ItemKnnCbfValidParams, KIND as CBF_KIND, concatenate,
    content_similarity,
};
pub use cf::{ItemKnnParams, ItemKnnValidParams, KIND as CF_KIND, cf_similarity};
pub use matrix::{SimilarityMatrix, keep_top_k};
pub use model::ItemItemModel;
pub use persist::ITEM_ITEM_KINDS;
pub use similarity::{OwnedRows, Similarity, SimilarityParams, SparseRows, item_similarity};
