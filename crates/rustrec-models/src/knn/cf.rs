//! ItemKNN collaborative filtering (Sarwar et al. 2001; Deshpande & Karypis 2004): items
//! are vectors of their users' interactions (URM columns), `S` keeps each item's `k` most
//! similar items, and `r̂_ui = Σ_{j ∈ I(u)} r_uj · S[j, i]`.

use serde::Serialize;

use rustrec_data::Interactions;

use super::matrix::SimilarityMatrix;
use super::model::ItemItemModel;
use super::similarity::{
    Similarity, SimilarityParams, SparseRows, default_shrink, item_similarity,
};
use super::weighting::Weighting;
use crate::error::{ModelError, Result};
use crate::model_file::params_value;
use crate::params::{Hyperparams, Rule, hyperparams};
use rustrec_core::{Fit, FitContext};

hyperparams! {
    /// ItemKNN-CF parameters: the fields of [`SimilarityParams`] (see its table of names,
    /// defaults and ranges). Values of the training data (ratings, or 1 for implicit feedback)
    /// are the vector entries and the profile weights `r_uj`.
    pub struct ItemKnnParams {
        similarity: Similarity = Similarity::Cosine, Rule::Choice("cosine, adjusted-cosine, jaccard, asymmetric-cosine, dot"),
            "The measure.";
        neighbours: usize = 100, Rule::at_least(1),
            "k: neighbours kept per target item.";
        shrink: Option<f32> = None, Rule::NonNegative,
            "h, added to the denominator (damps similarities of rare items); none: 10, or 0 for dot (no denominator; dot refuses any other).";
        alpha: f32 = 0.5, Rule::Between(0.0, 1.0),
            "Exponent of the asymmetric cosine (only asymmetric-cosine uses it).";
        weighting: Weighting = Weighting::None, Rule::Choice("none, tfidf, bm25"),
            "Weighting of the item vectors before the similarity (TF-IDF: with cosine as implicit's TFIDFRecommender; BM25: with dot as its BM25Recommender).";
        bm25_k1: f32 = 1.2, Rule::Positive,
            "BM25's term-frequency saturation k1 (only weighting = bm25 uses it).";
        bm25_b: f32 = 0.75, Rule::Between(0.0, 1.0),
            "BM25's length normalisation b (only weighting = bm25 uses it).";
    }
}

impl From<&SimilarityParams> for ItemKnnParams {
    fn from(s: &SimilarityParams) -> Self {
        ItemKnnParams {
            similarity: s.similarity,
            neighbours: s.neighbours,
            shrink: Some(s.shrink),
            alpha: s.alpha,
            weighting: s.weighting,
            bm25_k1: s.bm25_k1,
            bm25_b: s.bm25_b,
        }
    }
}

impl ItemKnnParams {
    /// The similarity settings.
    pub fn similarity_params(&self) -> SimilarityParams {
        SimilarityParams {
            similarity: self.similarity,
            neighbours: self.neighbours,
            shrink: self.shrink.unwrap_or(default_shrink(self.similarity)),
            alpha: self.alpha,
            weighting: self.weighting,
            bm25_k1: self.bm25_k1,
            bm25_b: self.bm25_b,
        }
    }
}

/// Checked [`ItemKnnParams`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemKnnValidParams(pub(crate) ItemKnnParams);

impl ItemKnnParams {
    /// Validates the parameters.
    pub fn check(&self) -> Result<ItemKnnValidParams> {
        self.check_ranges()?;
        self.similarity_params().check()?;
        Ok(ItemKnnValidParams(self.clone()))
    }
}

impl ItemKnnValidParams {
    /// The parameters.
    pub fn params(&self) -> &ItemKnnParams {
        &self.0
    }
}

/// The top-`k` CF similarity matrix of the items of `train` (on the current rayon pool).
pub fn cf_similarity(train: &Interactions, params: &SimilarityParams) -> SimilarityMatrix {
    let items = SparseRows {
        indptr: train.item_ptr(),
        indices: train.user_indices(),
        values: train.col_values(),
    };
    let users = SparseRows {
        indptr: train.user_ptr(),
        indices: train.item_indices(),
        values: train.values(),
    };
    item_similarity(items, users, params)
}

impl Fit for ItemKnnValidParams {
    type Model = ItemItemModel;
    type Error = crate::ModelError;

    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<ItemItemModel> {
        if train.is_empty() {
            return Err(ModelError::Data(
                "item-knn: the training data is empty".into(),
            ));
        }
        if let (Weighting::Tfidf | Weighting::Bm25, Some((lowest, _))) =
            (self.0.weighting, train.value_range())
            && lowest < 0.0
        {
            return Err(ModelError::Data(format!(
                "item-knn: weighting = \"{}\" needs values ≥ 0 (counts or ratings); the \
                 training data holds values down to {lowest}",
                if self.0.weighting == Weighting::Tfidf {
                    "tfidf"
                } else {
                    "bm25"
                }
            )));
        }
        let started = std::time::Instant::now();
        let sim = ctx
            .threads
            .install(|| cf_similarity(train, &self.0.similarity_params()));
        ctx.profile.update += started.elapsed().as_secs_f64();
        if sim.nnz() == 0 {
            return Err(ModelError::Data(empty_similarity(&self.0)));
        }
        // The file records the shrink term used, also when it was left to the default.
        let params = params_value(&ItemKnnParams {
            shrink: Some(self.0.similarity_params().shrink),
            ..self.0.clone()
        })?;
        Ok(ItemItemModel::new(
            <super::ItemKnn as crate::family::Family>::KIND,
            params,
            train,
            sim,
        ))
    }
}

/// Why an item-knn fit found no similarity at all: its model would score every item 0
/// for every user and rank nothing.
fn empty_similarity(p: &ItemKnnParams) -> String {
    if p.similarity == Similarity::AdjustedCosine {
        "item-knn: similarity = \"adjusted-cosine\" found no non-zero similarity: it \
         subtracts each user's mean value, and every user gave each of their items the same \
         value (binary or implicit data, such as after --implicit-threshold), so every \
         centred value is 0 and the model would rank nothing; use similarity = \"cosine\" \
         (or another measure) on such data"
            .to_string()
    } else {
        "item-knn: every item-item similarity is 0 (no two items share a user with \
         non-zero values in the training data), so the model would rank nothing"
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use rustrec_data::{ItemIdx, UserIdx};

    use super::*;
    use rustrec_core::Recommender;

    #[test]
    fn scores_are_the_profile_times_the_cosine_matrix() {
        // Same 3 × 3 matrix as the similarity tests.
        let train = Interactions::from_index_triplets(
            3,
            3,
            &[
                (0, 0, 5.0),
                (0, 1, 3.0),
                (1, 0, 4.0),
                (1, 2, 2.0),
                (2, 1, 1.0),
                (2, 2, 4.0),
            ],
        )
        .unwrap();
        let p = ItemKnnParams {
            shrink: Some(0.0),
            ..Default::default()
        };
        let m = p
            .check()
            .unwrap()
            .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
            .unwrap();
        let s01 = 15.0 / (41f32 * 10.0).sqrt();
        let s02 = 8.0 / (41f32 * 20.0).sqrt();
        let s12 = 4.0 / (10f32 * 20.0).sqrt();
        // User 0 (i0 = 5, i1 = 3) on item 2: 5·s02 + 3·s12.
        let mut out = vec![0.0; 3];
        m.score_into(UserIdx(0), &mut out);
        assert!((out[2] - (5.0 * s02 + 3.0 * s12)).abs() < 1e-5);
        assert!((out[0] - 3.0 * s01).abs() < 1e-5);
        assert!((m.predict(UserIdx(0), ItemIdx(2)) - out[2]).abs() < 1e-6);
        assert_eq!(m.kind(), "item-knn");
    }

    #[test]
    fn parameters_read_flat_from_a_config_table() {
        let p: ItemKnnParams =
            serde_json::from_str(r#"{"similarity": "jaccard", "neighbours": 50, "shrink": 0}"#)
                .unwrap();
        assert_eq!(p.neighbours, 50);
        assert_eq!(p.similarity, Similarity::Jaccard);
        let bad = serde_json::from_str::<ItemKnnParams>(r#"{"neighbors": 50}"#);
        assert!(bad.unwrap_err().to_string().contains("neighbors"));
    }

    /// Regression: `similarity = "dot"` failed with the default `shrink = 10` ("invalid
    /// shrink = 10: 0 with similarity = dot"), so dot could only be used by also setting
    /// shrink = 0. The default shrink is now chosen per measure (0 for dot).
    #[test]
    fn dot_similarity_trains_with_the_default_shrink() {
        let train = Interactions::from_index_triplets(
            3,
            3,
            &[
                (0, 0, 5.0),
                (0, 1, 3.0),
                (1, 0, 4.0),
                (1, 2, 2.0),
                (2, 1, 1.0),
                (2, 2, 4.0),
            ],
        )
        .unwrap();
        let p: ItemKnnParams = serde_json::from_str(r#"{"similarity": "dot"}"#).unwrap();
        assert_eq!(p.similarity_params().shrink, 0.0);
        let m = p
            .check()
            .unwrap()
            .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
            .unwrap();
        // x0·x1 = 15, x0·x2 = 8, x1·x2 = 4: user 0 (i0 = 5, i1 = 3) on item 2 is 5·8 + 3·4.
        let mut out = vec![0.0; 3];
        m.score_into(UserIdx(0), &mut out);
        assert!((out[2] - 52.0).abs() < 1e-4, "{out:?}");
        assert_eq!(
            m.params()["shrink"],
            0.0,
            "the file records the shrink used"
        );
        // The normalised measures keep their default of 10, recorded in the file.
        let cos = ItemKnnParams::default().check().unwrap();
        assert_eq!(cos.params().similarity_params().shrink, 10.0);
        let m = cos
            .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
            .unwrap();
        assert_eq!(m.params()["shrink"], 10.0);
        // A shrink given with dot would be dropped: refused, naming the key and the value.
        let e = ItemKnnParams {
            similarity: Similarity::Dot,
            shrink: Some(10.0),
            ..Default::default()
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(e.contains("shrink = 10") && e.contains("dot"), "{e}");
        // Content-based: the same default.
        let cbf = crate::knn::ItemKnnCbfParams {
            similarity: Similarity::Dot,
            ..Default::default()
        };
        assert!(cbf.check().is_ok());
        assert_eq!(cbf.similarity_params().shrink, 0.0);
    }

    /// Regression: `alpha` with any measure but the asymmetric cosine, and `bm25_k1` /
    /// `bm25_b` without BM25 weighting, were accepted and silently ignored.
    #[test]
    fn parameters_without_effect_are_refused_naming_the_setting_they_need() {
        let refused = |p: ItemKnnParams, want: &[&str]| {
            let e = p.check().unwrap_err().to_string();
            for w in want {
                assert!(e.contains(w), "{e:?} should contain {w:?}");
            }
        };
        for similarity in [
            Similarity::Cosine,
            Similarity::AdjustedCosine,
            Similarity::Jaccard,
            Similarity::Dot,
        ] {
            refused(
                ItemKnnParams::default().similarity(similarity).alpha(0.8),
                &[
                    "alpha = 0.8",
                    "no effect",
                    "similarity = \"asymmetric-cosine\"",
                ],
            );
        }
        for weighting in [Weighting::None, Weighting::Tfidf] {
            refused(
                ItemKnnParams::default().weighting(weighting).bm25_k1(2.0),
                &["bm25_k1 = 2", "no effect", "weighting = \"bm25\""],
            );
            refused(
                ItemKnnParams::default().weighting(weighting).bm25_b(0.5),
                &["bm25_b = 0.5", "no effect", "weighting = \"bm25\""],
            );
        }
        // Where they take effect they are accepted, and defaults are never refused.
        assert!(
            ItemKnnParams::default()
                .similarity(Similarity::AsymmetricCosine)
                .alpha(0.8)
                .check()
                .is_ok()
        );
        assert!(
            ItemKnnParams::default()
                .weighting(Weighting::Bm25)
                .bm25_k1(2.0)
                .bm25_b(0.5)
                .check()
                .is_ok()
        );
        for similarity in [
            Similarity::Cosine,
            Similarity::AdjustedCosine,
            Similarity::Jaccard,
            Similarity::AsymmetricCosine,
            Similarity::Dot,
        ] {
            for weighting in [Weighting::None, Weighting::Tfidf, Weighting::Bm25] {
                if similarity == Similarity::Jaccard && weighting != Weighting::None {
                    continue; // refused (tests/hunt_params_knn.rs)
                }
                let p = ItemKnnParams::default()
                    .similarity(similarity)
                    .weighting(weighting);
                assert!(p.check().is_ok(), "{similarity:?} {weighting:?}");
            }
        }
    }

    #[test]
    fn weightings_refuse_negative_values_by_name() {
        let train =
            Interactions::from_index_triplets(2, 2, &[(0, 0, 1.0), (0, 1, -2.0), (1, 1, 3.0)])
                .unwrap();
        for (w, name) in [(Weighting::Tfidf, "tfidf"), (Weighting::Bm25, "bm25")] {
            let p = ItemKnnParams {
                weighting: w,
                ..Default::default()
            }
            .check()
            .unwrap();
            let err = p
                .fit(
                    &train,
                    &mut FitContext::new(0, rustrec_core::Threads::single()),
                )
                .unwrap_err()
                .to_string();
            assert!(err.contains(name) && err.contains("-2"), "{err}");
        }
        let p = ItemKnnParams::default().check().unwrap();
        assert!(
            p.fit(
                &train,
                &mut FitContext::new(0, rustrec_core::Threads::single())
            )
            .is_ok()
        );
    }
}
