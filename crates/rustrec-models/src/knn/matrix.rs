//! [`SimilarityMatrix`]: a sparse item × item matrix `S`, the one representation every
//! item-based model (ItemKNN-CF, ItemKNN-CBF, SLIM, their hybrids) ends up in.
//!
//! Scores are `r̂_u = r_u · S`, i.e. `r̂_ui = Σ_{j ∈ I(u)} r_uj · S[j, i]`. The matrix is
//! stored CSR by the *source* item `j`: row `j` lists the targets `i` with `S[j, i] ≠ 0`, so
//! scoring a user scatters one row per profile item into a dense score vector — no dense
//! `n_items²` matrix is ever needed. Models are built column by column ("the `k` best
//! neighbours `j` of target `i`"), which [`SimilarityMatrix::from_columns`] transposes.

use rayon::prelude::*;

/// A sparse item × item matrix stored by source item (CSR): `row(j)` holds `(i, S[j, i])`.
#[derive(Clone, Debug, PartialEq)]
pub struct SimilarityMatrix {
    n_items: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl SimilarityMatrix {
    /// An all-zero matrix.
    pub fn empty(n_items: usize) -> Self {
        SimilarityMatrix {
            n_items,
            indptr: vec![0; n_items + 1],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Builds from checked CSR arrays (row `j` = source item); `None` if they are not a
    /// valid CSR matrix of `n_items` rows with strictly increasing column indices.
    pub fn from_csr(
        n_items: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f32>,
    ) -> Option<Self> {
        let ok = indptr.len() == n_items + 1
            && indptr.first() == Some(&0)
            && indptr.last() == Some(&indices.len())
            && indices.len() == values.len()
            && indptr.windows(2).all(|w| w[0] <= w[1])
            && indptr.windows(2).all(|w| {
                let row = &indices[w[0]..w[1]];
                row.windows(2).all(|p| p[0] < p[1]) && row.iter().all(|&i| (i as usize) < n_items)
            });
        ok.then_some(SimilarityMatrix {
            n_items,
            indptr,
            indices,
            values,
        })
    }

    /// Builds from columns: `columns[i]` lists `(j, S[j, i])` for target item `i` (any
    /// order, no repeated `j`; zeros are dropped).
    pub fn from_columns(n_items: usize, columns: &[Vec<(u32, f32)>]) -> Self {
        let mut indptr = vec![0usize; n_items + 1];
        for col in columns {
            for &(j, s) in col {
                if s != 0.0 {
                    indptr[j as usize + 1] += 1;
                }
            }
        }
        for k in 0..n_items {
            indptr[k + 1] += indptr[k];
        }
        let nnz = indptr[n_items];
        let mut next = indptr.clone();
        let mut indices = vec![0u32; nnz];
        let mut values = vec![0f32; nnz];
        // Targets are visited in increasing order, so every row comes out sorted.
        for (i, col) in columns.iter().enumerate() {
            for &(j, s) in col {
                if s != 0.0 {
                    let slot = &mut next[j as usize];
                    indices[*slot] = i as u32;
                    values[*slot] = s;
                    *slot += 1;
                }
            }
        }
        SimilarityMatrix {
            n_items,
            indptr,
            indices,
            values,
        }
    }

    /// The columns of the matrix: `out[i]` lists `(j, S[j, i])` by increasing `j`.
    pub fn to_columns(&self) -> Vec<Vec<(u32, f32)>> {
        let mut cols = vec![Vec::new(); self.n_items];
        for j in 0..self.n_items {
            let (targets, values) = self.row(j as u32);
            for (&i, &s) in targets.iter().zip(values) {
                cols[i as usize].push((j as u32, s));
            }
        }
        cols
    }

    /// Number of items (rows and columns).
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `j`: the targets `i` (increasing) and the values `S[j, i]`.
    #[inline]
    pub fn row(&self, j: u32) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[j as usize], self.indptr[j as usize + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// `S[j, i]` (0 when not stored).
    pub fn get(&self, j: u32, i: u32) -> f32 {
        let (targets, values) = self.row(j);
        targets.binary_search(&i).map_or(0.0, |k| values[k])
    }

    /// The CSR arrays `(indptr, indices, values)`.
    pub fn csr(&self) -> (&[usize], &[u32], &[f32]) {
        (&self.indptr, &self.indices, &self.values)
    }

    /// The largest absolute value stored (0 for an empty matrix).
    pub fn max_abs(&self) -> f32 {
        self.values.iter().fold(0.0f32, |m, v| m.max(v.abs()))
    }

    /// The matrix times `factor`.
    pub fn scaled(&self, factor: f32) -> Self {
        let mut out = self.clone();
        out.values.iter_mut().for_each(|v| *v *= factor);
        out
    }

    /// `Σ_m weights[m] · matrices[m]` (all of the same size), entries summing to zero dropped.
    pub fn weighted_sum(n_items: usize, parts: &[(&SimilarityMatrix, f32)]) -> Self {
        let rows: Vec<Vec<(u32, f32)>> = (0..n_items as u32)
            .into_par_iter()
            .map(|j| {
                let mut row: Vec<(u32, f32)> = Vec::new();
                for &(m, w) in parts {
                    if w == 0.0 || j as usize >= m.n_items {
                        continue;
                    }
                    let (t, v) = m.row(j);
                    row.extend(t.iter().zip(v).map(|(&i, &s)| (i, w * s)));
                }
                row.sort_unstable_by_key(|e| e.0);
                let mut merged: Vec<(u32, f32)> = Vec::with_capacity(row.len());
                for (i, s) in row {
                    match merged.last_mut() {
                        Some(last) if last.0 == i => last.1 += s,
                        _ => merged.push((i, s)),
                    }
                }
                merged.retain(|e| e.1 != 0.0);
                merged
            })
            .collect();
        let mut indptr = Vec::with_capacity(n_items + 1);
        indptr.push(0);
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for row in rows {
            for (i, s) in row {
                indices.push(i);
                values.push(s);
            }
            indptr.push(indices.len());
        }
        SimilarityMatrix {
            n_items,
            indptr,
            indices,
            values,
        }
    }

    /// Adds `Σ_j profile_j · S[j, ·]` into `out` (`out.len() == n_items`): the scores of a
    /// user whose profile is `items` with `values`.
    #[inline]
    pub fn accumulate(&self, items: &[u32], values: &[f32], out: &mut [f32]) {
        for (&j, &r) in items.iter().zip(values) {
            if j as usize >= self.n_items {
                continue;
            }
            let (targets, sims) = self.row(j);
            for (&i, &s) in targets.iter().zip(sims) {
                out[i as usize] += r * s;
            }
        }
    }
}

/// Keeps the `k` entries of largest value (ties: lower index first) of `cand`, dropping
/// zeros and non-finite values; the result is sorted by index.
pub fn keep_top_k(cand: &mut Vec<(u32, f32)>, k: usize) {
    cand.retain(|e| e.1 != 0.0 && e.1.is_finite());
    let order = |a: &(u32, f32), b: &(u32, f32)| rustrec_core::topn::better(a, b);
    if cand.len() > k {
        if k == 0 {
            cand.clear();
            return;
        }
        cand.select_nth_unstable_by(k - 1, order);
        cand.truncate(k);
    }
    cand.sort_unstable_by_key(|e| e.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip_and_scores_are_profile_times_matrix() {
        // S = [[0, 2, 0], [1, 0, 3], [0, 0.5, 0]] (rows = source j, columns = target i).
        let cols = vec![vec![(1, 1.0)], vec![(0, 2.0), (2, 0.5)], vec![(1, 3.0)]];
        let s = SimilarityMatrix::from_columns(3, &cols);
        assert_eq!(s.nnz(), 4);
        assert_eq!(s.get(1, 2), 3.0);
        assert_eq!(s.get(2, 2), 0.0);
        assert_eq!(s.to_columns(), cols);
        let mut out = vec![0.0; 3];
        // r_u = (1, 0, 2): scores = 1·row0 + 2·row2 = (0, 2 + 1, 0).
        s.accumulate(&[0, 2], &[1.0, 2.0], &mut out);
        assert_eq!(out, vec![0.0, 3.0, 0.0]);
    }

    #[test]
    fn weighted_sum_merges_rows_and_drops_cancellations() {
        let a = SimilarityMatrix::from_columns(2, &[vec![(1, 1.0)], vec![(0, 2.0)]]);
        let b = SimilarityMatrix::from_columns(2, &[vec![(1, 2.0)], vec![]]);
        let c = SimilarityMatrix::weighted_sum(2, &[(&a, 2.0), (&b, -1.0)]);
        assert_eq!(c.get(1, 0), 0.0);
        assert_eq!(c.get(0, 1), 4.0);
        assert_eq!(c.nnz(), 1);
    }

    #[test]
    fn top_k_keeps_the_largest_and_sorts_by_index() {
        let mut v = vec![(5, 0.1), (2, 0.9), (7, 0.0), (1, 0.5), (3, 0.9)];
        keep_top_k(&mut v, 3);
        assert_eq!(v, vec![(1, 0.5), (2, 0.9), (3, 0.9)]);
        let mut w = vec![(0, 1.0)];
        keep_top_k(&mut w, 0);
        assert!(w.is_empty());
    }

    #[test]
    fn invalid_csr_is_refused() {
        assert!(SimilarityMatrix::from_csr(2, vec![0, 1, 1], vec![5], vec![1.0]).is_none());
        assert!(SimilarityMatrix::from_csr(2, vec![0, 2, 2], vec![1, 0], vec![1.0, 1.0]).is_none());
        assert!(SimilarityMatrix::from_csr(2, vec![0, 1, 2], vec![1, 0], vec![1.0, 1.0]).is_some());
    }
}
