//! Similar items: the items a trained model puts closest to a given item, the
//! "more like this" of a catalogue page.
//!
//! A model offers it through [`crate::Model::as_similar_items`] (and
//! [`crate::TrainedModel::as_similar_items`]); front ends ask the model, never its kind.
//!
//! | model | similarity of item `j` to item `i` |
//! |---|---|
//! | factor models (MF, BPMF, ALS, iALS, BPR/WARP, AsySVD) | cosine of the item factor vectors, `q_i·q_j / (‖q_i‖ ‖q_j‖)` |
//! | item-based models (ItemKNN, ItemKNN-CBF, SLIM, hybrid) | the stored similarity `S[i, j]`, what `i` in a profile adds to `j`'s score |
//! | EASE | the weight `B[i, j]`, likewise |
//!
//! Items the model does not relate to `i` (no stored similarity, or a zero factor vector,
//! whose cosine is undefined) get `−∞`, so that callers can leave them out.

use rustrec_core::Recommender;
use rustrec_data::ItemIdx;

use crate::engine::RowTable;

/// A model that can say how similar every item is to a given item (see the module docs).
pub trait SimilarItems: Recommender {
    /// Writes into `out` (`out.len() == n_items()`) how similar every item is to `item`,
    /// higher meaning more similar; items the model does not relate to `item` get
    /// `f32::NEG_INFINITY`. `out[item]` itself is whatever the measure gives (callers
    /// leave the item out of its own list).
    fn similarities_into(&self, item: ItemIdx, out: &mut [f32]);
}

/// Cosine similarity of the first `k` columns of row `item` of `rows` with every row,
/// into `out`; rows of norm zero (and every row, when `item`'s is zero) get `−∞`.
pub(crate) fn cosine_into(rows: &RowTable, k: usize, item: ItemIdx, out: &mut [f32]) {
    let q = &rows.row(item.index())[..k];
    let norm_q = dot(q, q).sqrt();
    for (j, o) in out.iter_mut().enumerate() {
        let r = &rows.row(j)[..k];
        let norm_r = dot(r, r).sqrt();
        *o = if norm_q > 0.0 && norm_r > 0.0 {
            dot(q, r) / (norm_q * norm_r)
        } else {
            f32::NEG_INFINITY
        };
    }
}

/// Plain dot product (eight lanes, so that it vectorises).
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let whole = a.len().min(b.len()) / 8 * 8;
    for (x, y) in a[..whole].chunks_exact(8).zip(b[..whole].chunks_exact(8)) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = a[whole..].iter().zip(&b[whole..]).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_is_one_for_parallel_rows_and_undefined_for_zero_rows() {
        let t = RowTable::from_dense(
            4,
            3,
            &[
                1.0, 2.0, 2.0, 2.0, 4.0, 4.0, 0.0, 0.0, 0.0, -1.0, -2.0, -2.0,
            ],
        );
        let mut out = [0.0; 4];
        cosine_into(&t, 3, ItemIdx(0), &mut out);
        assert!((out[0] - 1.0).abs() < 1e-6 && (out[1] - 1.0).abs() < 1e-6);
        assert_eq!(out[2], f32::NEG_INFINITY);
        assert!((out[3] + 1.0).abs() < 1e-6);
        cosine_into(&t, 3, ItemIdx(2), &mut out);
        assert!(out.iter().all(|&s| s == f32::NEG_INFINITY));
        // Only the first k columns count.
        cosine_into(&t, 1, ItemIdx(0), &mut out);
        assert!((out[3] + 1.0).abs() < 1e-6);
    }
}
