//! Item-based neighbourhood models: ItemKNN collaborative filtering ([`ItemKnnParams`]) and
//! content-based filtering ([`ItemKnnCbfParams`]), and the pieces every item-based model
//! shares — the sparse item × item [`SimilarityMatrix`], the similarity computation
//! ([`item_similarity`]) and the trained form [`ItemItemModel`] with its model file.

mod best_k;
mod cbf;
mod cf;
mod family;
mod matrix;
mod model;
mod persist;
mod similarity;
mod weighting;

pub use best_k::BestK;
pub use cbf::{
    ContentFiles, Feature, ItemKnnCbfParams, ItemKnnCbfValidParams, concatenate, content_similarity,
};
pub use cf::{ItemKnnParams, ItemKnnValidParams, cf_similarity};
pub use family::{ItemKnn, ItemKnnCbf};
pub use matrix::{SimilarityMatrix, keep_top_k};
pub use model::ItemItemModel;
pub use persist::SCHEMA;
pub use similarity::{
    OwnedRows, Similarity, SimilarityParams, SparseRows, default_shrink, item_similarity,
};
pub use weighting::{Bm25, Weighting};
