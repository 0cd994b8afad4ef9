//! Item–item similarities from sparse item vectors, computed target by target with a dense
//! accumulator and kept as the top-`k` neighbours of each target.
//!
//! Item `i` is a sparse vector `x_i` over *coordinates* — users for collaborative filtering
//! (a column of the URM), features for content (a row of the ICM). For a target `i` the
//! co-occurrences `x_i · x_j` with every other item `j` are accumulated by walking
//! `x_i`'s coordinates `c` and, for each, the items `j` holding `c` (the transposed
//! structure): the cost is `Σ_c |items(c)|²` overall, and no `n_items²` matrix exists.
//! Targets run in parallel (rayon), each worker with one dense accumulator of `n_items`.
//!
//! With `n_i = Σ_c x_ic²`, `#i` the number of coordinates of `i`, `h` the shrink term:
//!
//! | similarity | `S[j, i]` |
//! |---|---|
//! | cosine | `x_i·x_j / (√n_i √n_j + h)` |
//! | adjusted cosine | cosine of `x_ic − m_c`, `m_c` the mean of coordinate `c` (for CF: the user's mean rating, Sarwar et al. 2001) |
//! | Jaccard | `|i ∩ j| / (#i + #j − |i ∩ j| + h)` (binary) |
//! | asymmetric cosine | `x_i·x_j / (n_i^α n_j^(1−α) + h)` (Aiolli 2013; α = ½ is cosine) |
//! | dot | `x_i·x_j` (no normalisation, so no `h`: its default is 0 and another is refused) |
//!
//! The vectors may first be weighted by TF-IDF or BM25 ([`super::weighting`]).
//!
//! The diagonal `S[i, i]` is never kept: an item is not its own neighbour.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::best_k::BestK;
use super::matrix::SimilarityMatrix;
use super::weighting::{Bm25, Weighting, weighted};
use crate::error::{ModelError, Result};
use crate::params::no_effect;

/// The similarity measure between two item vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Similarity {
    /// Cosine, with the shrink term in the denominator.
    Cosine,
    /// Cosine of the vectors centred by coordinate (user) mean.
    AdjustedCosine,
    /// Jaccard index of the supports.
    Jaccard,
    /// Asymmetric cosine with exponent `alpha` on the target's norm.
    AsymmetricCosine,
    /// The plain dot product (implicit's BM25 recommender).
    Dot,
}

/// How item–item similarities are computed and pruned.
///
/// | Name | Default | Range | Purpose |
/// |---|---|---|---|
/// | `similarity` | cosine | cosine, adjusted-cosine, jaccard, asymmetric-cosine, dot | the measure |
/// | `neighbours` | 100 | ≥ 1 | `k`: neighbours kept per target item |
/// | `shrink` | 10 (0 for dot) | ≥ 0; 0 for dot | `h`, added to the denominator (damps similarities of rare items) |
/// | `alpha` | 0.5 | [0, 1]; 0.5 unless asymmetric-cosine | exponent of the asymmetric cosine |
/// | `weighting` | none | none, tfidf, bm25 | weighting of the item vectors first |
/// | `bm25_k1` | 1.2 | > 0; 1.2 unless bm25 | BM25's term-frequency saturation `k₁` |
/// | `bm25_b` | 0.75 | [0, 1]; 0.75 unless bm25 | BM25's length normalisation `b` |
///
/// A parameter that a setting leaves unused (`alpha` outside the asymmetric cosine,
/// `bm25_*` without BM25 weighting, a weighting with the Jaccard index, a shrink term with the dot product, which has no
/// denominator) is refused when it differs from its default, naming the setting that would
/// make it count: it would otherwise be dropped without a word. The item-knn parameter
/// sets leave `shrink` unset by default and take [`default_shrink`] of the measure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimilarityParams {
    /// The measure.
    pub similarity: Similarity,
    /// Neighbours kept per target item.
    pub neighbours: usize,
    /// Shrink term `h`.
    pub shrink: f32,
    /// Asymmetric-cosine exponent α.
    pub alpha: f32,
    /// Weighting of the item vectors.
    pub weighting: Weighting,
    /// BM25's `k₁`.
    pub bm25_k1: f32,
    /// BM25's `b`.
    pub bm25_b: f32,
}

crate::params::self_checked!(Similarity => names);

/// Default shrink term (`h`) of a measure: 10 for the normalised measures, 0 for the dot
/// product, whose similarity has no denominator to add it to.
pub fn default_shrink(similarity: Similarity) -> f32 {
    match similarity {
        Similarity::Dot => 0.0,
        _ => DEFAULT_SHRINK,
    }
}

/// Shrink term of the normalised measures when none is given.
const DEFAULT_SHRINK: f32 = 10.0;
/// Default asymmetric-cosine exponent (½: the cosine).
const DEFAULT_ALPHA: f32 = 0.5;
/// Default BM25 `k₁`.
const DEFAULT_BM25_K1: f32 = 1.2;
/// Default BM25 `b`.
const DEFAULT_BM25_B: f32 = 0.75;

impl Default for SimilarityParams {
    fn default() -> Self {
        SimilarityParams {
            similarity: Similarity::Cosine,
            neighbours: 100,
            shrink: DEFAULT_SHRINK,
            alpha: DEFAULT_ALPHA,
            weighting: Weighting::None,
            bm25_k1: DEFAULT_BM25_K1,
            bm25_b: DEFAULT_BM25_B,
        }
    }
}

impl SimilarityParams {
    /// Checks the ranges of the table above, and refuses a parameter set away from its
    /// default where the other settings leave it without effect.
    pub fn check(&self) -> Result<()> {
        if self.neighbours == 0 {
            return Err(ModelError::invalid("neighbours", 0, "at least 1"));
        }
        if !(self.shrink >= 0.0 && self.shrink.is_finite()) {
            return Err(ModelError::invalid(
                "shrink",
                self.shrink,
                "a finite number ≥ 0",
            ));
        }
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(ModelError::invalid("alpha", self.alpha, "in [0, 1]"));
        }
        if !(self.bm25_k1 > 0.0 && self.bm25_k1.is_finite()) {
            return Err(ModelError::invalid(
                "bm25_k1",
                self.bm25_k1,
                "a finite number > 0",
            ));
        }
        if !(0.0..=1.0).contains(&self.bm25_b) {
            return Err(ModelError::invalid("bm25_b", self.bm25_b, "in [0, 1]"));
        }
        if self.similarity == Similarity::Dot && self.shrink != 0.0 {
            return Err(ModelError::invalid(
                "shrink",
                self.shrink,
                "has no effect with similarity = \"dot\", which has no denominator to add it \
                 to: leave shrink out (dot's default is 0) or choose a normalised measure \
                 (cosine, adjusted-cosine, jaccard, asymmetric-cosine)",
            ));
        }
        if self.alpha != DEFAULT_ALPHA && self.similarity != Similarity::AsymmetricCosine {
            return Err(no_effect(
                "alpha",
                self.alpha,
                "similarity = \"asymmetric-cosine\"",
            ));
        }
        if self.similarity == Similarity::Jaccard && self.weighting != Weighting::None {
            return Err(ModelError::invalid(
                "weighting",
                match self.weighting {
                    Weighting::Tfidf => "\"tfidf\"",
                    _ => "\"bm25\"",
                },
                "has no effect with similarity = \"jaccard\", which counts the items' \
                 supports (weighting changes the values, not which are non-zero): leave \
                 weighting out, or choose a measure of the values (cosine, adjusted-cosine, \
                 asymmetric-cosine, dot)",
            ));
        }
        if self.weighting != Weighting::Bm25 {
            if self.bm25_k1 != DEFAULT_BM25_K1 {
                return Err(no_effect("bm25_k1", self.bm25_k1, "weighting = \"bm25\""));
            }
            if self.bm25_b != DEFAULT_BM25_B {
                return Err(no_effect("bm25_b", self.bm25_b, "weighting = \"bm25\""));
            }
        }
        Ok(())
    }
}

/// A borrowed CSR matrix: row `r` holds `indices[indptr[r]..indptr[r + 1]]` and their values.
#[derive(Clone, Copy, Debug)]
pub struct SparseRows<'a> {
    /// Row offsets (`rows + 1` entries).
    pub indptr: &'a [usize],
    /// Column indices.
    pub indices: &'a [u32],
    /// Values.
    pub values: &'a [f32],
}

impl<'a> SparseRows<'a> {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// Row `r`.
    #[inline]
    pub fn row(&self, r: usize) -> (&'a [u32], &'a [f32]) {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }
}

/// An owned CSR matrix (used for transposes and centred copies).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OwnedRows {
    /// Row offsets.
    pub indptr: Vec<usize>,
    /// Column indices.
    pub indices: Vec<u32>,
    /// Values.
    pub values: Vec<f32>,
}

impl OwnedRows {
    /// The borrowed view.
    pub fn view(&self) -> SparseRows<'_> {
        SparseRows {
            indptr: &self.indptr,
            indices: &self.indices,
            values: &self.values,
        }
    }

    /// The transpose of `m` (which has `cols` columns); rows of the result are sorted.
    pub fn transpose(m: SparseRows<'_>, cols: usize) -> Self {
        let mut indptr = vec![0usize; cols + 1];
        for &c in m.indices {
            indptr[c as usize + 1] += 1;
        }
        for k in 0..cols {
            indptr[k + 1] += indptr[k];
        }
        let mut next = indptr.clone();
        let mut indices = vec![0u32; m.indices.len()];
        let mut values = vec![0f32; m.indices.len()];
        for r in 0..m.rows() {
            let (cs, vs) = m.row(r);
            for (&c, &v) in cs.iter().zip(vs) {
                let slot = &mut next[c as usize];
                indices[*slot] = r as u32;
                values[*slot] = v;
                *slot += 1;
            }
        }
        OwnedRows {
            indptr,
            indices,
            values,
        }
    }
}

/// The top-`neighbours` similarity matrix of `n_items` items.
///
/// `items` holds the item vectors (row `i` = `x_i` over coordinates), `coords` the same
/// matrix transposed (row `c` = the items holding coordinate `c`, with their values). Runs
/// on the current rayon pool.
pub fn item_similarity(
    items: SparseRows<'_>,
    coords: SparseRows<'_>,
    params: &SimilarityParams,
) -> SimilarityMatrix {
    item_similarity_in(items, coords, params, None)
}

/// [`item_similarity`], with the accumulation mode of every target forced (`Some(true)`:
/// read back every slot; `Some(false)`: list the touched slots) or chosen by the amount of
/// work (`None`). Tests compare the modes.
fn item_similarity_in(
    items: SparseRows<'_>,
    coords: SparseRows<'_>,
    params: &SimilarityParams,
    force_scan: Option<bool>,
) -> SimilarityMatrix {
    let n_items = items.rows();
    let bm25 = Bm25 {
        k1: f64::from(params.bm25_k1),
        b: f64::from(params.bm25_b),
    };
    if let Some((items_w, coords_w)) = weighted(params.weighting, bm25, items, coords) {
        let p = SimilarityParams {
            weighting: Weighting::None,
            ..params.clone()
        };
        return item_similarity_in(items_w.view(), coords_w.view(), &p, force_scan);
    }
    if params.similarity == Similarity::AdjustedCosine {
        let (items_c, coords_c) = centred(items, coords);
        let p = SimilarityParams {
            similarity: Similarity::Cosine,
            ..params.clone()
        };
        return item_similarity_in(items_c.view(), coords_c.view(), &p, force_scan);
    }
    let binary = params.similarity == Similarity::Jaccard;
    // n_i = Σ x_ic² (Jaccard: the support size).
    let norms: Vec<f32> = (0..n_items)
        .map(|i| {
            let (_, v) = items.row(i);
            if binary {
                v.iter().filter(|&&x| x != 0.0).count() as f32
            } else {
                v.iter().map(|x| x * x).sum()
            }
        })
        .collect();
    let (h, alpha) = (params.shrink, params.alpha);
    let similarity = |i: usize, j: usize, dot: f32| -> Option<f32> {
        let (ni, nj) = (norms[i], norms[j]);
        let denom = match params.similarity {
            Similarity::Cosine | Similarity::AdjustedCosine => (ni * nj).sqrt() + h,
            Similarity::Jaccard => ni + nj - dot + h,
            Similarity::AsymmetricCosine => ni.powf(alpha) * nj.powf(1.0 - alpha) + h,
            Similarity::Dot => 1.0,
        };
        (denom > 0.0).then(|| dot / denom)
    };
    let columns: Vec<Vec<(u32, f32)>> = (0..n_items)
        .into_par_iter()
        .map_init(
            || (vec![0f32; n_items], Vec::<u32>::new()),
            |(acc, touched), i| {
                let (cs, xs) = items.row(i);
                // Co-occurrences to add for this target. When they are many next to the
                // catalogue, every slot is read back in one pass (no branch per addition);
                // otherwise the touched slots are listed as they first turn non-zero. Both
                // add the same terms in the same order, so the sums are the same bits.
                let work: usize = cs.iter().map(|&c| coords.row(c as usize).0.len()).sum();
                let scan = force_scan.unwrap_or(4 * work >= n_items);
                for (&c, &x) in cs.iter().zip(xs) {
                    if x == 0.0 {
                        continue;
                    }
                    let (js, ys) = coords.row(c as usize);
                    match (scan, binary) {
                        (true, true) => {
                            for (&j, &y) in js.iter().zip(ys) {
                                acc[j as usize] += f32::from(y != 0.0);
                            }
                        }
                        (true, false) => {
                            for (&j, &y) in js.iter().zip(ys) {
                                acc[j as usize] += x * y;
                            }
                        }
                        (false, _) => {
                            for (&j, &y) in js.iter().zip(ys) {
                                let slot = &mut acc[j as usize];
                                if *slot == 0.0 {
                                    touched.push(j);
                                }
                                *slot += if binary { f32::from(y != 0.0) } else { x * y };
                                // A sum that lands exactly on 0 would be pushed twice; the
                                // second visit below reads 0 and skips it.
                            }
                        }
                    }
                }
                let mut col = BestK::new(params.neighbours);
                let mut visit = |j: usize, acc: &mut [f32]| {
                    let dot = std::mem::take(&mut acc[j]);
                    if j != i
                        && dot != 0.0
                        && let Some(v) = similarity(i, j, dot)
                    {
                        col.push((j as u32, v));
                    }
                };
                if scan {
                    for j in 0..n_items {
                        visit(j, acc);
                    }
                } else {
                    for &j in touched.iter() {
                        visit(j as usize, acc);
                    }
                    touched.clear();
                }
                col.finish()
            },
        )
        .collect();
    SimilarityMatrix::from_columns(n_items, &columns)
}

/// Both views with every value `x_ic` replaced by `x_ic − m_c`, `m_c` the mean of the stored
/// values of coordinate `c`.
fn centred(items: SparseRows<'_>, coords: SparseRows<'_>) -> (OwnedRows, OwnedRows) {
    let means: Vec<f32> = (0..coords.rows())
        .map(|c| {
            let (_, v) = coords.row(c);
            if v.is_empty() {
                0.0
            } else {
                v.iter().sum::<f32>() / v.len() as f32
            }
        })
        .collect();
    let items_c = OwnedRows {
        indptr: items.indptr.to_vec(),
        indices: items.indices.to_vec(),
        values: items
            .indices
            .iter()
            .zip(items.values)
            .map(|(&c, &x)| x - means[c as usize])
            .collect(),
    };
    let mut coords_c = OwnedRows {
        indptr: coords.indptr.to_vec(),
        indices: coords.indices.to_vec(),
        values: coords.values.to_vec(),
    };
    for (c, m) in means.iter().enumerate() {
        for k in coords.indptr[c]..coords.indptr[c + 1] {
            coords_c.values[k] -= m;
        }
    }
    (items_c, coords_c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3 users × 3 items:
    /// u0: i0 = 5, i1 = 3
    /// u1: i0 = 4, i2 = 2
    /// u2: i1 = 1, i2 = 4
    fn urm() -> (OwnedRows, OwnedRows) {
        let by_user = OwnedRows {
            indptr: vec![0, 2, 4, 6],
            indices: vec![0, 1, 0, 2, 1, 2],
            values: vec![5.0, 3.0, 4.0, 2.0, 1.0, 4.0],
        };
        let by_item = OwnedRows::transpose(by_user.view(), 3);
        (by_item, by_user)
    }

    fn sims(p: SimilarityParams) -> SimilarityMatrix {
        let (by_item, by_user) = urm();
        item_similarity(by_item.view(), by_user.view(), &p)
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-5
    }

    #[test]
    fn cosine_with_shrink_matches_hand_computation() {
        // x0 = (5, 4, 0), x1 = (3, 0, 1), x2 = (0, 2, 4).
        // x0·x1 = 15, |x0| = √41, |x1| = √10; x0·x2 = 8, |x2| = √20; x1·x2 = 4.
        let s = sims(SimilarityParams {
            shrink: 0.0,
            ..Default::default()
        });
        assert!(close(s.get(1, 0), 15.0 / (41f32 * 10.0).sqrt()));
        assert!(close(s.get(0, 1), 15.0 / (41f32 * 10.0).sqrt()));
        assert!(close(s.get(2, 0), 8.0 / (41f32 * 20.0).sqrt()));
        assert!(close(s.get(2, 1), 4.0 / (10f32 * 20.0).sqrt()));
        assert_eq!(s.get(0, 0), 0.0);
        let s = sims(SimilarityParams {
            shrink: 2.0,
            ..Default::default()
        });
        assert!(close(s.get(1, 0), 15.0 / ((41f32 * 10.0).sqrt() + 2.0)));
    }

    #[test]
    fn adjusted_cosine_centres_by_user_mean() {
        // User means 4, 3, 2.5 → x0 = (1, 1, 0), x1 = (−1, 0, −1.5), x2 = (0, −1, 1.5).
        let s = sims(SimilarityParams {
            similarity: Similarity::AdjustedCosine,
            shrink: 0.0,
            ..Default::default()
        });
        let (n0, n1, n2) = (2f32, 1.0 + 2.25, 1.0 + 2.25);
        assert!(close(s.get(1, 0), -1.0 / (n0 * n1).sqrt()));
        assert!(close(s.get(2, 0), -1.0 / (n0 * n2).sqrt()));
        assert!(close(s.get(2, 1), -2.25 / (n1 * n2).sqrt()));
    }

    #[test]
    fn jaccard_counts_supports() {
        // Supports {u0,u1}, {u0,u2}, {u1,u2}: every pair shares one user of three.
        let s = sims(SimilarityParams {
            similarity: Similarity::Jaccard,
            shrink: 1.0,
            ..Default::default()
        });
        for (j, i) in [(0, 1), (1, 0), (0, 2), (2, 1)] {
            assert!(close(s.get(j, i), 1.0 / (2.0 + 2.0 - 1.0 + 1.0)));
        }
    }

    #[test]
    fn asymmetric_cosine_weights_the_target_norm_by_alpha() {
        let s = sims(SimilarityParams {
            similarity: Similarity::AsymmetricCosine,
            alpha: 0.8,
            shrink: 0.0,
            ..Default::default()
        });
        // Target i = 0, neighbour j = 1: 15 / (41^0.8 · 10^0.2); and the reverse.
        assert!(close(
            s.get(1, 0),
            15.0 / (41f32.powf(0.8) * 10f32.powf(0.2))
        ));
        assert!(close(
            s.get(0, 1),
            15.0 / (10f32.powf(0.8) * 41f32.powf(0.2))
        ));
    }

    #[test]
    fn only_the_k_best_neighbours_of_each_target_are_kept() {
        let s = sims(SimilarityParams {
            neighbours: 1,
            shrink: 0.0,
            ..Default::default()
        });
        // Target 0: neighbours 1 (0.741) and 2 (0.276) → keeps 1 only.
        assert!(s.get(1, 0) > 0.0);
        assert_eq!(s.get(2, 0), 0.0);
        assert_eq!(s.nnz(), 3);
    }

    #[test]
    fn bad_parameters_are_named() {
        let e = SimilarityParams {
            alpha: 2.0,
            ..Default::default()
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(e.contains("alpha = 2"), "{e}");
    }

    /// Reading back every slot and listing the touched ones give the same matrix, bit for
    /// bit, for every measure and weighting (random data with explicit zeros).
    #[test]
    fn both_accumulation_modes_give_the_same_bits() {
        use crate::engine::rng::{self, below};
        let mut g = rng::stream(11, &[]);
        let (n_items, n_users) = (40usize, 60usize);
        let mut indptr = vec![0usize];
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for _ in 0..n_items {
            for u in 0..n_users as u32 {
                if below(&mut g, 4) == 0 {
                    indices.push(u);
                    values.push(below(&mut g, 5) as f32);
                }
            }
            indptr.push(indices.len());
        }
        let items = OwnedRows {
            indptr,
            indices,
            values,
        };
        let coords = OwnedRows::transpose(items.view(), n_users);
        for similarity in [
            Similarity::Cosine,
            Similarity::AdjustedCosine,
            Similarity::Jaccard,
            Similarity::AsymmetricCosine,
            Similarity::Dot,
        ] {
            for weighting in [Weighting::None, Weighting::Tfidf, Weighting::Bm25] {
                let p = SimilarityParams {
                    similarity,
                    weighting,
                    neighbours: 7,
                    shrink: if similarity == Similarity::Dot {
                        0.0
                    } else {
                        1.5
                    },
                    ..SimilarityParams::default()
                };
                let a = item_similarity_in(items.view(), coords.view(), &p, Some(true));
                let b = item_similarity_in(items.view(), coords.view(), &p, Some(false));
                let c = item_similarity(items.view(), coords.view(), &p);
                assert!(
                    a.n_items() == n_items && a.nnz() > 0,
                    "{similarity:?} {weighting:?}"
                );
                for m in [&b, &c] {
                    for r in 0..n_items as u32 {
                        assert_eq!(a.row(r), m.row(r), "{similarity:?} {weighting:?} row {r}");
                    }
                }
            }
        }
    }
}
