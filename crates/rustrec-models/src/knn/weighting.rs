//! Weighting of the item vectors before their similarity: TF-IDF and Okapi BM25, with items
//! as the documents and coordinates (users for collaborative filtering, features for
//! content) as the terms — implicit's `TFIDFRecommender` and `BM25Recommender` (Robertson &
//! Zaragoza 2009 for BM25).
//!
//! With `N` the number of items, `n_c` the number of items holding coordinate `c`,
//! `idf_c = ln N − ln(1 + n_c)`, `L_i = Σ_c x_ic` the length of item `i` and `L̄` the mean
//! length over all items:
//!
//! | weighting | `x_ic` becomes |
//! |---|---|
//! | none | `x_ic` |
//! | tfidf | `√x_ic · idf_c` |
//! | bm25 | `x_ic (k₁ + 1) / (k₁ ((1 − b) + b L_i / L̄) + x_ic) · idf_c` |
//!
//! implicit follows TF-IDF with the cosine and BM25 with the plain dot product
//! ([`super::Similarity::Dot`]). Weights are computed in f64 and stored as f32.

use serde::{Deserialize, Serialize};

use super::similarity::{OwnedRows, SparseRows};

/// How item vectors are weighted before the similarity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weighting {
    /// The values as they are.
    #[default]
    None,
    /// `√x · idf`.
    Tfidf,
    /// Okapi BM25 with `k₁` and `b`.
    Bm25,
}

crate::params::self_checked!(Weighting => names);

/// BM25's constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bm25 {
    /// Term-frequency saturation `k₁` (> 0).
    pub k1: f64,
    /// Length normalisation `b` in [0, 1].
    pub b: f64,
}

/// Both views of the item vectors with every value weighted: `items` (row `i` = `x_i`) and
/// `coords` (the same matrix transposed). `None` for [`Weighting::None`].
pub fn weighted(
    weighting: Weighting,
    bm25: Bm25,
    items: SparseRows<'_>,
    coords: SparseRows<'_>,
) -> Option<(OwnedRows, OwnedRows)> {
    if weighting == Weighting::None {
        return None;
    }
    let n_items = items.rows() as f64;
    let idf: Vec<f64> = (0..coords.rows())
        .map(|c| n_items.ln() - (coords.row(c).0.len() as f64).ln_1p())
        .collect();
    let lengths: Vec<f64> = (0..items.rows())
        .map(|i| items.row(i).1.iter().map(|&x| f64::from(x)).sum())
        .collect();
    let mean_length = if lengths.is_empty() {
        0.0
    } else {
        lengths.iter().sum::<f64>() / n_items
    };
    let weight = |i: usize, c: usize, x: f32| -> f32 {
        let x = f64::from(x);
        let w = match weighting {
            Weighting::None => x,
            Weighting::Tfidf => x.sqrt() * idf[c],
            Weighting::Bm25 => {
                let norm = if mean_length > 0.0 {
                    (1.0 - bm25.b) + bm25.b * lengths[i] / mean_length
                } else {
                    1.0
                };
                x * (bm25.k1 + 1.0) / (bm25.k1 * norm + x) * idf[c]
            }
        };
        w as f32
    };
    let mut items_w = OwnedRows {
        indptr: items.indptr.to_vec(),
        indices: items.indices.to_vec(),
        values: items.values.to_vec(),
    };
    for i in 0..items.rows() {
        for k in items.indptr[i]..items.indptr[i + 1] {
            items_w.values[k] = weight(i, items.indices[k] as usize, items.values[k]);
        }
    }
    let mut coords_w = OwnedRows {
        indptr: coords.indptr.to_vec(),
        indices: coords.indices.to_vec(),
        values: coords.values.to_vec(),
    };
    for c in 0..coords.rows() {
        for k in coords.indptr[c]..coords.indptr[c + 1] {
            coords_w.values[k] = weight(coords.indices[k] as usize, c, coords.values[k]);
        }
    }
    Some((items_w, coords_w))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3 items × 4 users: i0 = {u0: 1, u1: 2}, i1 = {u0: 1}, i2 = {u0: 4, u2: 1, u3: 1}.
    fn views() -> (OwnedRows, OwnedRows) {
        let items = OwnedRows {
            indptr: vec![0, 2, 3, 6],
            indices: vec![0, 1, 0, 0, 2, 3],
            values: vec![1.0, 2.0, 1.0, 4.0, 1.0, 1.0],
        };
        let coords = OwnedRows {
            indptr: vec![0, 3, 4, 5, 6],
            indices: vec![0, 1, 2, 0, 2, 2],
            values: vec![1.0, 1.0, 4.0, 2.0, 1.0, 1.0],
        };
        (items, coords)
    }

    const BM25: Bm25 = Bm25 { k1: 1.2, b: 0.75 };

    #[test]
    fn tfidf_and_bm25_match_hand_computation_in_both_views() {
        let (items, coords) = views();
        let n = 3f64;
        let idf = |holders: f64| n.ln() - (1.0 + holders).ln();
        let (iw, cw) = weighted(Weighting::Tfidf, BM25, items.view(), coords.view()).unwrap();
        // i2's value for u0 is 4: √4 · idf(u0), u0 held by 3 items.
        assert!((f64::from(iw.values[3]) - 2.0 * idf(3.0)).abs() < 1e-6);
        // i0's value for u1 is 2: √2 · idf(u1), u1 held by one item.
        assert!((f64::from(iw.values[1]) - 2f64.sqrt() * idf(1.0)).abs() < 1e-6);
        assert_eq!(
            cw.values[3], iw.values[1],
            "the transposed view holds the same weights"
        );

        let (iw, cw) = weighted(Weighting::Bm25, BM25, items.view(), coords.view()).unwrap();
        // Lengths 3, 1, 6; mean 10/3. i2, u2 (x = 1): norm = 0.25 + 0.75 · 6/(10/3).
        let norm = 0.25 + 0.75 * 6.0 / (10.0 / 3.0);
        let want = 1.0 * 2.2 / (1.2 * norm + 1.0) * idf(1.0);
        assert!((f64::from(iw.values[4]) - want).abs() < 1e-6);
        assert_eq!(cw.values[4], iw.values[4]);
        assert_eq!(cw.values[0], iw.values[0]);
        assert!(weighted(Weighting::None, BM25, items.view(), coords.view()).is_none());
    }
}
