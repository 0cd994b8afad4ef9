//! Regressions found by a hunt of the model families' parameter edges: settings that were
//! accepted and silently did nothing, and trainings that returned an untrained model as if
//! trained.

use rustrec_data::{Interactions, ItemIdx, UserIdx};
use rustrec_models::bpmf::BpmfParams;
use rustrec_models::bpr::BprParams;
use rustrec_models::knn::{ItemKnnParams, Similarity, Weighting};
use rustrec_models::{Fit, FitContext, ModelSpec, Recommender};

/// `spec` checked as the registry checks a config's `[model]` table.
fn check(spec: serde_json::Value) -> Result<(), String> {
    ModelSpec::from_json(spec.clone())
        .and_then(|s| s.check())
        .map_err(|e| format!("{spec}: {e}"))
}

fn ctx() -> FitContext<'static> {
    FitContext::with_threads(3, 1).unwrap()
}

/// Regression: `alpha` (the confidence of implicit ALS) under kind `als`, and the
/// explicit-only `weighted_reg`, `biases` and `clip` under kind `ials`, were accepted and
/// ignored (the same model came out as with the defaults).
#[test]
fn als_parameters_of_the_other_kind_are_refused_as_without_effect() {
    for (spec, name, value, kind) in [
        (
            serde_json::json!({"kind": "als", "alpha": 5.0}),
            "alpha",
            "5",
            "ials",
        ),
        (
            serde_json::json!({"kind": "ials", "weighted_reg": false}),
            "weighted_reg",
            "false",
            "als",
        ),
        (
            serde_json::json!({"kind": "ials", "biases": false}),
            "biases",
            "false",
            "als",
        ),
        (
            serde_json::json!({"kind": "ials", "clip": [1, 5]}),
            "clip",
            "[1, 5]",
            "als",
        ),
        (
            serde_json::json!({"kind": "ials", "clip": "none"}),
            "clip",
            "\"none\"",
            "als",
        ),
    ] {
        let e = check(spec).unwrap_err();
        for want in [
            format!("{name} = {value}"),
            "has no effect".to_string(),
            format!("kind = \"{kind}\""),
        ] {
            assert!(e.contains(&want), "{e} should contain {want}");
        }
    }
    // Where they count, and at their defaults, they are accepted.
    for ok in [
        serde_json::json!({"kind": "ials", "alpha": 5.0}),
        serde_json::json!({"kind": "als", "weighted_reg": false, "biases": false, "clip": [1, 5]}),
        serde_json::json!({"kind": "als", "alpha": 1.0}),
        serde_json::json!({"kind": "ials", "weighted_reg": true, "biases": true, "clip": "auto"}),
    ] {
        check(ok).unwrap();
    }
}

/// Every user has seen every item: there is no negative to draw.
fn every_item_seen() -> Interactions {
    let rows: Vec<(u32, u32, f32)> = (0..3)
        .flat_map(|u| (0..4).map(move |i| (u, i, 1.0)))
        .collect();
    Interactions::from_index_triplets(3, 4, &rows).unwrap()
}

/// Each user has unseen items, but with more bins than items every item bin holds at most
/// one item, which is the positive itself.
fn one_unseen_item_per_user() -> Interactions {
    let rows: Vec<(u32, u32, f32)> = (0..4u32)
        .flat_map(|u| (0..4u32).filter(move |&i| i != u).map(move |i| (u, i, 1.0)))
        .collect();
    Interactions::from_index_triplets(4, 4, &rows).unwrap()
}

/// Regression: when no positive could be paired with an unseen item of its item bin
/// (every user had seen every item, or `bins` above the number of items left a single
/// item per bin), BPR and WARP skipped every sample of every epoch and returned the
/// initial factors as a trained model, without a word.
#[test]
fn bpr_with_no_drawable_negative_is_refused_instead_of_returning_initial_factors() {
    for loss in ["bpr", "warp"] {
        let p = |bins: usize| {
            let spec = serde_json::json!({"loss": loss, "factors": 2, "epochs": 2, "bins": bins});
            serde_json::from_value::<BprParams>(spec).unwrap()
        };
        let e = p(1)
            .check()
            .unwrap()
            .fit(&every_item_seen(), &mut ctx())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("none of the 12 training positives") && e.contains("every one of the 4"),
            "{loss}: {e}"
        );
        let data = one_unseen_item_per_user();
        let e = p(8)
            .check()
            .unwrap()
            .fit(&data, &mut ctx())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("none of the 12 training positives") && e.contains("bins = 8"),
            "{loss}: {e}"
        );
        // One bin draws from the whole catalogue: each user's unseen item is a negative,
        // and training moves it below the user's positives.
        let model = p(1)
            .lr(0.5)
            .epochs(50)
            .check()
            .unwrap()
            .fit(&data, &mut ctx())
            .unwrap();
        for u in 0..4u32 {
            let unseen = model.predict(UserIdx(u), ItemIdx(u));
            let seen = model.predict(UserIdx(u), ItemIdx((u + 1) % 4));
            assert!(unseen < seen, "{loss}: user {u}: {unseen} ≥ {seen}");
        }
    }
}

/// Regression: the Jaccard index counts supports, which a TF-IDF or BM25 weighting does
/// not change, so `weighting` under `similarity = "jaccard"` was accepted and ignored (the
/// same matrix as without it).
#[test]
fn jaccard_refuses_a_weighting_it_ignores() {
    for weighting in [Weighting::Tfidf, Weighting::Bm25] {
        let e = ItemKnnParams::default()
            .similarity(Similarity::Jaccard)
            .weighting(weighting)
            .check()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("weighting = \"")
                && e.contains("has no effect with similarity = \"jaccard\""),
            "{e}"
        );
        for similarity in [Similarity::Cosine, Similarity::Dot] {
            ItemKnnParams::default()
                .similarity(similarity)
                .weighting(weighting)
                .check()
                .unwrap();
        }
    }
}

/// Regression: adjusted cosine subtracts each user's mean, so on binary data (every value
/// 1, as after `--implicit-threshold`) every centred value and every similarity was 0, and
/// item-knn returned a model that scores every item 0 (an AUC of 0.5) as if trained.
#[test]
fn adjusted_cosine_on_binary_data_is_refused_instead_of_an_all_zero_model() {
    let binary = one_unseen_item_per_user();
    let fit = |similarity| {
        ItemKnnParams::default()
            .similarity(similarity)
            .check()
            .unwrap()
            .fit(&binary, &mut ctx())
    };
    let e = fit(Similarity::AdjustedCosine).unwrap_err().to_string();
    assert!(
        e.contains("adjusted-cosine") && e.contains("every user gave each of their items"),
        "{e}"
    );
    // The cosine of the same data has similarities.
    let m = fit(Similarity::Cosine).unwrap();
    let mut scores = vec![0.0; 4];
    m.score_into(UserIdx(0), &mut scores);
    assert!(scores[0] > 0.0, "{scores:?}");
    // On ratings that vary within a user, adjusted cosine trains.
    let ratings = Interactions::from_index_triplets(
        3,
        3,
        &[
            (0, 0, 5.0),
            (0, 1, 1.0),
            (1, 0, 4.0),
            (1, 1, 2.0),
            (1, 2, 5.0),
            (2, 1, 1.0),
            (2, 2, 4.0),
        ],
    )
    .unwrap();
    ItemKnnParams::default()
        .similarity(Similarity::AdjustedCosine)
        .check()
        .unwrap()
        .fit(&ratings, &mut ctx())
        .unwrap();
}

/// Regression: a `thin` larger than the sweeps after the burn-in keeps the same single
/// sample as any other such thin, and was accepted without effect.
#[test]
fn bpmf_thin_beyond_the_sweeps_after_the_burn_in_is_refused() {
    let p = BpmfParams::default().iterations(5).burn_in(4);
    let e = p.clone().thin(10).check().unwrap_err().to_string();
    assert!(
        e.contains("thin = 10") && e.contains("at most iterations − burn_in = 1"),
        "{e}"
    );
    // At or under the span, and at its default, thin is accepted.
    p.clone().thin(1).check().unwrap();
    p.clone().check().unwrap();
    BpmfParams::default()
        .iterations(10)
        .burn_in(4)
        .thin(6)
        .check()
        .unwrap();
}
