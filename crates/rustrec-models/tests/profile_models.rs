//! EASE^R and AsySVD end to end on planted communities: they rank held-out items far above
//! chance, fold-in of a training user's history reproduces their scores, AsySVD's loss
//! falls and its fits are reproduced bit for bit, and early stopping on a ranking metric
//! works through `ctx.validation`.

use std::sync::{Arc, Mutex};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustrec_data::split::holdout;
use rustrec_data::{Interactions, ItemIdx, UserIdx};
use rustrec_eval::{Metric, RankingConfig, evaluate_ranking};
use rustrec_models::asysvd::AsySvdParams;
use rustrec_models::ease::EaseParams;
use rustrec_models::{
    EarlyStopping, Fit, FitContext, FoldIn, ModelSpec, Recommender, Task, Validation,
};

/// 4 communities of users and items: a user takes an item of their community with
/// probability 0.35 and any other with 0.02; values 1–5. Split 80/20 at random.
fn communities(users: usize, items: usize, seed: u64) -> (Interactions, Interactions) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut rows = Vec::new();
    for u in 0..users {
        for i in 0..items {
            let p = if u % 4 == i % 4 { 0.35 } else { 0.02 };
            if rng.random::<f64>() < p {
                rows.push((u as u32, i as u32, f32::from(rng.random_range(1u8..=5))));
            }
        }
    }
    let x = Interactions::from_index_triplets(users, items, &rows).unwrap();
    let split = holdout(&x, 0.2, seed).unwrap();
    (split.train, split.test)
}

/// In [`communities`] (120 × 80) a user has about 1.7 test items among about 73
/// candidates, so a random ranking has precision ≈ 0.023; a ranking that knows the
/// communities exactly puts ≈ 1.4 test items among its ≈ 13 unseen community items first,
/// precision ≈ 0.11. The bar is four times chance.
const CHANCE_TIMES_4: f64 = 0.09;

fn precision_at_5(model: &dyn Recommender, train: &Interactions, test: &Interactions) -> f64 {
    let cfg = RankingConfig {
        cutoffs: vec![5],
        metrics: vec![Metric::Precision],
        ..RankingConfig::default()
    };
    let m = evaluate_ranking(model, train, test, &cfg).unwrap();
    m.get("precision@5").unwrap()
}

/// Every training user's own history, scored by fold-in, gives their scores.
fn fold_in_agrees(model: &dyn FoldIn, train: &Interactions) {
    let n = model.n_items();
    let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
    for u in (0..train.n_users() as u32).step_by(7) {
        let row = train.row(UserIdx(u));
        let history: Vec<(ItemIdx, f32)> = row
            .items
            .iter()
            .zip(row.values)
            .map(|(&i, &v)| (ItemIdx(i), v))
            .collect();
        model.score_into(UserIdx(u), &mut a);
        model.score_profile(&history, &mut b);
        for (x, y) in a.iter().zip(&b) {
            assert!(
                (x - y).abs() <= 1e-5 * (1.0 + x.abs()),
                "user {u}: {x} vs {y}"
            );
        }
    }
}

#[test]
fn ease_ranks_held_out_items_of_the_users_community() {
    let (train, test) = communities(120, 80, 1);
    let model = EaseParams::default()
        .lambda(10.0)
        .check()
        .unwrap()
        .fit(&train, &mut FitContext::with_threads(1, 2).unwrap())
        .unwrap();
    let n = model.n_items();
    assert!((0..n).all(|i| model.weights()[i * n + i] == 0.0));
    let p5 = precision_at_5(&model, &train, &test);
    assert!(p5 > CHANCE_TIMES_4, "precision@5 = {p5}");
    fold_in_agrees(&model, &train);
    // With the values: still a valid model that ranks well.
    let valued = EaseParams::default()
        .lambda(200.0)
        .implicit(false)
        .check()
        .unwrap()
        .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
        .unwrap();
    assert!(precision_at_5(&valued, &train, &test) > CHANCE_TIMES_4);
    fold_in_agrees(&valued, &train);
}

#[test]
fn ease_through_the_registry_is_a_one_epoch_ranking_model_with_validation() {
    let (train, test) = communities(60, 40, 2);
    let spec: ModelSpec = serde_json::from_str(r#"{"kind": "ease", "lambda": 20}"#).unwrap();
    assert_eq!(
        (spec.kind(), spec.task(), spec.epochs()),
        ("ease", Task::Ranking, None)
    );
    let mut ctx = FitContext::with_threads(3, 2).unwrap();
    let test_ref = &test;
    let train_ref = &train;
    ctx.validation = Some(Validation::Custom {
        evaluate: Box::new(move |m: &dyn Recommender| {
            vec![("precision@5".into(), precision_at_5(m, train_ref, test_ref))]
        }),
        metric: "precision@5".into(),
        higher_is_better: true,
    });
    let model = spec.fit(&train, &mut ctx).unwrap();
    assert_eq!(ctx.history.len(), 1);
    assert_eq!(ctx.history[0].samples, train.nnz() as u64);
    let reported = ctx.history[0].validation[0].1;
    assert_eq!(reported, precision_at_5(&model, &train, &test));
    assert!(model.as_fold_in().is_some());
}

fn asysvd() -> AsySvdParams {
    AsySvdParams::default()
        .factors(8)
        .epochs(15)
        .lr(0.01)
        .batch_size(16)
}

#[test]
fn asysvd_loss_falls_and_it_ranks_far_above_chance() {
    let (train, test) = communities(120, 80, 4);
    let mut ctx = FitContext::with_threads(5, 2).unwrap();
    let model = asysvd().check().unwrap().fit(&train, &mut ctx).unwrap();
    let losses: Vec<f64> = ctx.history.iter().map(|r| r.train_loss).collect();
    assert_eq!(losses.len(), 15);
    assert!(losses[14] < 0.6 * losses[0], "{losses:?}");
    assert!(
        losses.windows(2).filter(|w| w[1] > w[0]).count() <= 2,
        "{losses:?}"
    );
    let p5 = precision_at_5(&model, &train, &test);
    assert!(p5 > CHANCE_TIMES_4, "precision@5 = {p5}");
    fold_in_agrees(&model, &train);
}

#[test]
fn asysvd_is_reproduced_bit_for_bit_whatever_the_thread_count() {
    let (train, _) = communities(50, 30, 6);
    let params = asysvd().epochs(3).check().unwrap();
    let fit = |seed, threads| {
        params
            .fit(
                &train,
                &mut FitContext::with_threads(seed, threads).unwrap(),
            )
            .unwrap()
    };
    let a = fit(9, 1);
    assert_eq!(a, fit(9, 1));
    assert_eq!(a, fit(9, 2));
    assert_ne!(a, fit(10, 2));
}

#[test]
fn asysvd_early_stopping_on_a_ranking_metric_restores_the_best_epoch() {
    let (train, test) = communities(80, 40, 7);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let (train_ref, test_ref) = (&train, &test);
    let mut ctx = FitContext::with_threads(1, 2).unwrap();
    ctx.validation = Some(Validation::Custom {
        evaluate: Box::new(move |m: &dyn Recommender| {
            let p = precision_at_5(m, train_ref, test_ref);
            log.lock().unwrap().push(p);
            vec![("precision@5".into(), p)]
        }),
        metric: "precision@5".into(),
        higher_is_better: true,
    });
    ctx.early_stopping = Some(EarlyStopping {
        patience: 2,
        ..EarlyStopping::default()
    });
    // A learning rate far too high for the last epochs' model to be the best one.
    let model = asysvd()
        .epochs(12)
        .lr(0.05)
        .check()
        .unwrap()
        .fit(&train, &mut ctx)
        .unwrap();
    let values = seen.lock().unwrap().clone();
    let best = ctx.best_epoch.unwrap();
    let best_value = values.iter().cloned().fold(f64::MIN, f64::max);
    assert_eq!(values[best - 1], best_value);
    assert_eq!(precision_at_5(&model, &train, &test), best_value);
    if values.len() < 12 {
        assert_eq!(
            values.len(),
            best + 2,
            "stops after `patience` epochs without gain"
        );
    }
}

#[test]
fn a_runaway_learning_rate_stops_asysvd_as_divergence() {
    let (train, _) = communities(120, 80, 3);
    let err = AsySvdParams::default()
        .lr(1e4)
        .epochs(3)
        .check()
        .unwrap()
        .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("diverged") && text.contains("10000"),
        "{text}"
    );
    // The default learning rate trains normally.
    assert!(
        AsySvdParams::default()
            .epochs(3)
            .check()
            .unwrap()
            .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
            .is_ok()
    );
}
