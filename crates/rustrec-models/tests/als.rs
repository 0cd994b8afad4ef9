//! ALS end to end: loss decrease, reproducibility across thread counts, recovery of a
//! planted model, fold-in, partial_fit with new ids, and the registry kinds.

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustrec_data::{IdMap, Interactions, ItemIdx, Triplets, UserIdx};
use rustrec_models::als::{AlsModel, AlsParams, Solver};
use rustrec_models::mf::MfParams;
use rustrec_models::rating::rating_errors;
use rustrec_models::{
    Exclusion, Fit, FitContext, FoldIn, ModelSpec, Recommender, Task, TrainedModel,
};

/// Planted rank-3 data on a `users × items` grid with 30 % density: ratings
/// `3 + b_u + b_i + p_u·q_i + noise` split 80/20, and the implicit view of all entries
/// whose planted affinity is positive.
fn planted(users: usize, items: usize, seed: u64) -> (Interactions, Interactions, Interactions) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let k = 3;
    let mut gauss =
        |s: f32| -> f32 { (0..12).map(|_| rng.random::<f32>()).sum::<f32>() * s - 6.0 * s };
    let p: Vec<f32> = (0..users * k).map(|_| gauss(0.5)).collect();
    let q: Vec<f32> = (0..items * k).map(|_| gauss(0.5)).collect();
    let bu: Vec<f32> = (0..users).map(|_| gauss(0.3)).collect();
    let bi: Vec<f32> = (0..items).map(|_| gauss(0.3)).collect();
    let noise: Vec<f32> = (0..users * items).map(|_| gauss(0.2)).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed + 1);
    let mut train = Triplets::new("train", false, false);
    let mut test = Triplets::new("test", false, false);
    let mut implicit = Triplets::new("implicit", false, false);
    for u in 0..users {
        for i in 0..items {
            let dot: f32 = (0..k).map(|f| p[u * k + f] * q[i * k + f]).sum();
            if dot > 0.2 && rng.random::<f32>() < 0.5 {
                implicit.push(u as u32, i as u32, 1.0, None, 0);
            }
            if rng.random::<f32>() < 0.3 {
                let r = 3.0 + bu[u] + bi[i] + dot + noise[u * items + i];
                let t = if rng.random::<f32>() < 0.8 {
                    &mut train
                } else {
                    &mut test
                };
                t.push(u as u32, i as u32, r, None, 0);
            }
        }
    }
    let users = Arc::new(IdMap::identity(users));
    let items = Arc::new(IdMap::identity(items));
    let policy = rustrec_data::DuplicatePolicy::Error;
    (
        train.build(users.clone(), items.clone(), policy).unwrap(),
        test.build(users.clone(), items.clone(), policy).unwrap(),
        implicit.build(users, items, policy).unwrap(),
    )
}

fn implicit_params() -> AlsParams {
    AlsParams::default()
        .implicit(true)
        .factors(8)
        .iterations(10)
        .reg(0.1)
        .alpha(2.0)
}

fn fit(params: &AlsParams, data: &Interactions, threads: usize) -> (AlsModel, FitContext<'static>) {
    let mut ctx = FitContext::with_threads(7, threads).unwrap();
    let model = params.check().unwrap().fit(data, &mut ctx).unwrap();
    (model, ctx)
}

#[test]
fn the_objective_decreases_every_iteration_for_every_solver() {
    let (train, _, implicit) = planted(120, 80, 1);
    let cases = [
        (implicit_params().solver(Solver::Cg { steps: 3 }), &implicit),
        (implicit_params().solver(Solver::Cholesky), &implicit),
        (AlsParams::default().factors(4).reg(0.05), &train),
        (
            AlsParams::default()
                .factors(4)
                .reg(0.05)
                .solver(Solver::Cholesky),
            &train,
        ),
    ];
    for (params, data) in cases {
        let (_, ctx) = fit(&params, data, 2);
        let losses: Vec<f64> = ctx.history.iter().map(|r| r.train_loss).collect();
        assert_eq!(losses.len(), params.iterations);
        assert!(
            losses.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-5)),
            "{:?}: {losses:?}",
            params.solver
        );
        assert!(losses[losses.len() - 1] < losses[0]);
        let rows = (data.n_users() + data.n_items()) as u64;
        assert!(
            ctx.history
                .iter()
                .all(|r| r.samples <= rows && r.samples > 0)
        );
    }
}

#[test]
fn a_fit_is_reproduced_bit_for_bit_whatever_the_thread_count() {
    let (train, _, implicit) = planted(150, 90, 2);
    for (params, data) in [
        (implicit_params(), &implicit),
        (AlsParams::default().factors(5), &train),
    ] {
        let (a, _) = fit(&params, data, 1);
        let (b, _) = fit(&params, data, 2);
        let (c, _) = fit(&params, data, 2);
        assert_eq!(a.user_factors(), b.user_factors());
        assert_eq!(a.item_factors(), b.item_factors());
        assert_eq!(b, c);
    }
}

#[test]
fn explicit_als_recovers_a_planted_model_down_to_the_noise_level() {
    let (train, test, _) = planted(300, 200, 3);
    for solver in [Solver::Cholesky, Solver::Cg { steps: 3 }] {
        let params = AlsParams::default()
            .factors(6)
            .iterations(20)
            .reg(0.02)
            .solver(solver);
        let (model, _) = fit(&params, &train, 2);
        let e = rating_errors(&model, &test);
        // Noise std 0.2; the global mean alone gives about 1.0 here.
        assert!(e.rmse < 0.3, "{solver:?}: test RMSE {}", e.rmse);
        assert_eq!(model.user_biases().len(), 300);
    }
}

fn history(data: &Interactions, u: usize) -> Vec<(ItemIdx, f32)> {
    let row = data.row(UserIdx(u as u32));
    row.items
        .iter()
        .zip(row.values)
        .map(|(&i, &v)| (ItemIdx(i), v))
        .collect()
}

/// Mean overlap@10 of the fold-in top-10 (of a training user's own history) with the
/// trained user's top-10, seen items excluded from both.
fn fold_in_overlap(model: &impl FoldIn, data: &Interactions) -> f64 {
    let mut scores = vec![0.0; model.n_items()];
    let mut total = 0.0;
    for u in 0..data.n_users() {
        let row = data.row(UserIdx(u as u32));
        model.score_profile(&history(data, u), &mut scores);
        let folded = rustrec_models::topn::top_n(&scores, 10, |i| !row.contains(i));
        let trained = model.recommend(UserIdx(u as u32), 10, &Exclusion::seen(data));
        let hits = folded
            .iter()
            .filter(|(i, _)| trained.iter().any(|(t, _)| t.0 == *i))
            .count();
        total += hits as f64 / 10.0;
    }
    total / data.n_users() as f64
}

#[test]
fn folding_in_a_training_users_history_gives_nearly_the_trained_top_10() {
    let (train, _, implicit) = planted(150, 120, 4);
    let (ials, _) = fit(&implicit_params().iterations(15), &implicit, 2);
    let overlap = fold_in_overlap(&ials, &implicit);
    assert!(overlap >= 0.8, "implicit ALS overlap@10 {overlap}");
    let (als, _) = fit(&AlsParams::default().factors(4).reg(0.05), &train, 2);
    let overlap = fold_in_overlap(&als, &train);
    assert!(overlap >= 0.8, "explicit ALS overlap@10 {overlap}");

    let mf = MfParams::default()
        .factors(4)
        .epochs(40)
        .lr(0.02)
        .reg(0.02)
        .check()
        .unwrap()
        .fit(&train, &mut FitContext::with_threads(7, 2).unwrap())
        .unwrap();
    let overlap = fold_in_overlap(&mf, &train);
    println!("MF fold-in overlap@10: {overlap:.3}");
    assert!(overlap >= 0.5, "MF overlap@10 {overlap}");
}

#[test]
fn folding_in_an_empty_history_scores_the_cold_start_baseline() {
    let (train, _, _) = planted(60, 40, 5);
    let (als, _) = fit(&AlsParams::default().factors(3), &train, 1);
    let mut scores = vec![0.0; als.n_items()];
    als.score_profile(&[], &mut scores);
    for (i, s) in scores.iter().enumerate() {
        let want = als.global_mean() + als.item_biases()[i];
        assert!((s - want).abs() < 1e-5);
    }
}

/// The data with `extra_users` new users and `extra_items` new items appended to the id
/// maps: new users copy old users' histories, `touched` old users and one more old user
/// per new item interact with the new items.
fn grown(
    data: &Interactions,
    extra_users: usize,
    extra_items: usize,
    touched: &[u32],
) -> Interactions {
    let (nu, ni) = (data.n_users(), data.n_items());
    let users = Arc::new(IdMap::identity(nu + extra_users));
    let items = Arc::new(IdMap::identity(ni + extra_items));
    let mut t = Triplets::new("grown", false, false);
    for (u, i, v) in data.iter() {
        t.push(u.0, i.0, v, None, 0);
    }
    // New user `nu + j` has the history of old user `2j` (new users resemble old ones).
    for j in 0..extra_users {
        let row = data.row(UserIdx(2 * j as u32));
        for (&i, &v) in row.items.iter().zip(row.values) {
            t.push((nu + j) as u32, i, v, None, 0);
        }
    }
    for &u in touched {
        for i in ni..ni + extra_items {
            t.push(u, i as u32, 1.0, None, 0);
        }
    }
    for i in ni..ni + extra_items {
        t.push(((i * 7) % nu) as u32, i as u32, 1.0, None, 0);
    }
    t.build(users, items, rustrec_data::DuplicatePolicy::KeepLast)
        .unwrap()
}

#[test]
fn partial_fit_grows_the_model_and_keeps_untouched_users_rows_exactly() {
    let (_, _, implicit) = planted(100, 70, 6);
    let params = implicit_params().iterations(20);
    let (model, _) = fit(&params, &implicit, 2);
    let touched = [3u32, 10];
    let more = grown(&implicit, 5, 4, &touched);
    let mut ctx = FitContext::with_threads(7, 2).unwrap();
    let touched_idx: Vec<UserIdx> = touched.iter().map(|&u| UserIdx(u)).collect();
    let next = model.partial_fit(&more, &touched_idx, 2, &mut ctx).unwrap();
    assert_eq!((next.n_users(), next.n_items()), (105, 74));
    assert_eq!(ctx.history.len(), 2);
    let (k, old, new) = (params.factors, model.user_factors(), next.user_factors());
    for u in 0..100 {
        let same = old[u * k..(u + 1) * k] == new[u * k..(u + 1) * k];
        assert_eq!(same, !touched.contains(&(u as u32)), "user {u}");
    }
    // New users got fitted rows.
    for u in 100..105 {
        assert!(new[u * k..(u + 1) * k].iter().any(|&v| v != 0.0));
    }
    // Untouched users' scores on old items move only through the item updates: little,
    // since the model had converged.
    // Measured as the RMS change relative to the RMS score.
    let (mut change, mut size) = (0.0f64, 0.0f64);
    for u in (0..100u32).filter(|u| !touched.contains(u)) {
        for i in 0..70 {
            let (a, b) = (
                model.predict(UserIdx(u), ItemIdx(i)),
                next.predict(UserIdx(u), ItemIdx(i)),
            );
            change += f64::from(a - b).powi(2);
            size += f64::from(a).powi(2);
        }
    }
    let relative = (change / size).sqrt();
    println!("partial_fit: relative RMS change of untouched users' scores {relative:.4}");
    assert!(relative < 0.1, "relative RMS change {relative}");
}

#[test]
fn partial_fit_refuses_data_whose_ids_do_not_extend_the_models() {
    let (_, _, implicit) = planted(40, 30, 7);
    let (model, _) = fit(&implicit_params(), &implicit, 1);
    let other = implicit
        .with_id_space(
            Arc::new(IdMap::from_ints((1000..1040).collect::<Vec<i64>>()).unwrap()),
            Arc::clone(implicit.item_ids()),
        )
        .err();
    assert!(other.is_some());
    let shrunk = Interactions::from_index_triplets(10, 30, &[(0, 0, 1.0)]);
    if let Ok(shrunk) = shrunk {
        let err = model
            .partial_fit(
                &shrunk,
                &[],
                1,
                &mut FitContext::with_threads(7, 1).unwrap(),
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("do not extend"), "{err}");
    }
}

#[test]
fn registry_kinds_als_and_ials_fit_save_and_load() {
    let (train, _, implicit) = planted(50, 40, 8);
    let ials: ModelSpec =
        serde_json::from_str(r#"{"kind": "ials", "factors": 4, "iterations": 3}"#).unwrap();
    let als: ModelSpec =
        serde_json::from_str(r#"{"kind": "als", "factors": 4, "iterations": 3}"#).unwrap();
    assert_eq!((ials.kind(), ials.task()), ("ials", Task::Ranking));
    assert_eq!((als.kind(), als.task()), ("als", Task::Rating));
    assert_eq!(ials.epochs(), Some(3));
    assert_eq!(ials.with_epochs(5).epochs(), Some(5));
    let dir = tempfile::tempdir().unwrap();
    for (spec, data) in [(ials, &implicit), (als, &train)] {
        let mut ctx = FitContext::with_threads(1, 1).unwrap();
        let model = spec.fit(data, &mut ctx).unwrap();
        assert_eq!(ctx.history.len(), 3);
        let path = dir.path().join(format!("{}.safetensors", spec.kind()));
        model.save(&path, data, serde_json::json!({})).unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        // Each kind is written as itself (format 1 wrote `als` for both), and the task
        // comes from the file: `eval` scores an iALS model by ranking.
        assert_eq!(loaded.header.kind, spec.kind());
        assert_eq!(loaded.model.task(), spec.task());
        assert_eq!(loaded.seen.as_ref().map(|s| s.nnz()), Some(data.nnz()));
        let (Some(a), Some(b)) = (
            model.downcast_ref::<AlsModel>(),
            loaded.model.downcast_ref::<AlsModel>(),
        ) else {
            panic!("not ALS models");
        };
        assert_eq!(a, b);
        assert_eq!(a.params().params().implicit, spec.kind() == "ials");
    }
}

#[test]
fn early_stopping_on_a_custom_validation_metric_restores_the_best_iteration() {
    use rustrec_models::{EarlyStopping, Validation};
    let (_, _, implicit) = planted(60, 50, 9);
    let mut calls = 0usize;
    let mut ctx = FitContext::with_threads(7, 1).unwrap();
    // A metric that peaks at iteration 3, then falls.
    ctx.validation = Some(Validation::Custom {
        evaluate: Box::new(move |_m: &dyn Recommender| {
            calls += 1;
            vec![("score".to_string(), -((calls as f64) - 3.0).abs())]
        }),
        metric: "score".into(),
        higher_is_better: true,
    });
    ctx.early_stopping = Some(EarlyStopping {
        patience: 2,
        restore_best: true,
        min_delta: 0.0,
    });
    let params = implicit_params().iterations(10).check().unwrap();
    let model = params.fit(&implicit, &mut ctx).unwrap();
    assert_eq!(ctx.best_epoch, Some(3));
    assert_eq!(ctx.history.len(), 5);
    let (three, _) = fit(&implicit_params().iterations(3), &implicit, 1);
    // The restored model is the one after 3 iterations (parameters aside).
    assert_eq!(model.user_factors(), three.user_factors());
    assert_eq!(model.item_factors(), three.item_factors());
}

/// A divergence of ALS (here from an absurd λ) stops training with advice that fits a
/// solver without a learning rate.
#[test]
fn an_als_divergence_does_not_speak_of_a_learning_rate() {
    let (train, _, _) = planted(30, 20, 4);
    let err = AlsParams::default()
        .factors(4)
        .iterations(3)
        .reg(1e30)
        .check()
        .unwrap()
        .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
        .unwrap_err();
    let message = err.to_string();
    match &err {
        rustrec_models::ModelError::Diverged { learning_rate, .. } => {
            assert_eq!(*learning_rate, None, "{message}")
        }
        other => panic!("expected divergence, got {other}"),
    }
    assert!(
        !message.contains("learning rate") && message.contains("reg"),
        "{message}"
    );
}

/// Regression: explicit ALS, a rating model, predicted NaN for a raw user or item id it
/// did not know, where MF falls back to μ and the known side's bias.
#[test]
fn explicit_als_predicts_unknown_ids_from_the_mean_and_the_known_bias() {
    let (train, _, implicit) = planted(60, 40, 5);
    let (als, _) = fit(
        &AlsParams::default()
            .factors(3)
            .clip(rustrec_models::mf::Clip::None),
        &train,
        1,
    );
    let (mu, bu, bi) = (als.global_mean(), als.user_biases(), als.item_biases());
    let cases = [
        ("999", "1", mu + bi[1], false, true),
        ("2", "999", mu + bu[2], true, false),
        ("999", "998", mu, false, false),
    ];
    for (user, item, want, known_user, known_item) in cases {
        let (got, ku, ki) = als.predict_raw(user, item);
        assert!(
            (got - want).abs() < 1e-5,
            "({user}, {item}): {got} vs {want}"
        );
        assert_eq!((ku, ki), (known_user, known_item));
    }
    let known = als.predict_raw("2", "1").0;
    assert!((known - als.predict(UserIdx(2), ItemIdx(1))).abs() < 1e-6);
    // Implicit models have no rating to fall back to.
    let (ials, _) = fit(&implicit_params(), &implicit, 1);
    assert!(ials.predict_raw("999", "1").0.is_nan());
}
