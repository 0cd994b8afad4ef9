//! Biased MF end to end: recovery of a planted model, reproducibility, optimizers,
//! divergence, early stopping and the cold-start policy.

use std::sync::{Arc, Mutex};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustrec_data::{IdMap, Interactions, ItemIdx, Triplets, UserIdx};
use rustrec_models::engine::{Optimizer, Schedule};
use rustrec_models::mf::{Layout, MfModel, MfParams, Output, Sampling, member_seed};
use rustrec_models::rating::rating_errors;
use rustrec_models::{
    EarlyStopping, Fit, FitContext, FoldIn, ModelError, Recommender, TrainedModel, Validation,
};

/// Ratings `3 + b_u + b_i + p_u·q_i + noise` with rank-3 factors on a random 30 % of a
/// users × items grid, split 80/20 into train and test in one id space.
fn planted(users: usize, items: usize, noise: f32, seed: u64) -> (Interactions, Interactions) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let k = 3;
    let mut gauss =
        |s: f32| -> f32 { (0..12).map(|_| rng.random::<f32>()).sum::<f32>() * s - 6.0 * s };
    let p: Vec<f32> = (0..users * k).map(|_| gauss(0.5)).collect();
    let q: Vec<f32> = (0..items * k).map(|_| gauss(0.5)).collect();
    let bu: Vec<f32> = (0..users).map(|_| gauss(0.3)).collect();
    let bi: Vec<f32> = (0..items).map(|_| gauss(0.3)).collect();
    let noise_draws: Vec<f32> = (0..users * items).map(|_| gauss(noise)).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed + 1);
    let mut train = Triplets::new("planted-train", false, false);
    let mut test = Triplets::new("planted-test", false, false);
    for u in 0..users {
        for i in 0..items {
            if rng.random::<f32>() < 0.3 {
                let dot: f32 = (0..k).map(|f| p[u * k + f] * q[i * k + f]).sum();
                let r = 3.0 + bu[u] + bi[i] + dot + noise_draws[u * items + i];
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
        test.build(users, items, policy).unwrap(),
    )
}

fn fit(
    params: &MfParams,
    train: &Interactions,
    seed: u64,
    threads: usize,
) -> rustrec_models::mf::MfModel {
    let mut ctx = FitContext::with_threads(seed, threads).unwrap();
    params.check().unwrap().fit(train, &mut ctx).unwrap()
}

#[test]
fn recovers_a_planted_low_rank_model_down_to_the_noise_level() {
    let (train, test) = planted(300, 200, 0.2, 1);
    let params = MfParams::default().factors(8).epochs(60).lr(0.02).reg(0.02);
    for threads in [1, 2] {
        let model = fit(&params, &train, 7, threads);
        let e = rating_errors(&model, &test);
        // The noise std is 0.2: a model that found the structure gets close to it, while
        // predicting the global mean would give about 1.0 here.
        assert!(
            e.rmse < 0.3,
            "threads {threads}: test RMSE {} not near the noise",
            e.rmse
        );
    }
}

#[test]
fn training_loss_decreases_for_every_optimizer() {
    let (train, _) = planted(120, 80, 0.1, 2);
    let optimizers = [
        (Optimizer::Sgd, 0.02),
        (Optimizer::from_name("momentum").unwrap(), 0.002),
        (Optimizer::from_name("adagrad").unwrap(), 0.05),
        (Optimizer::from_name("rmsprop").unwrap(), 0.002),
        (Optimizer::adam(), 0.005),
        (Optimizer::adamw(), 0.005),
    ];
    for (opt, lr) in optimizers {
        let params = MfParams::default()
            .factors(4)
            .epochs(8)
            .lr(lr)
            .optimizer(opt)
            .batch_size(8);
        let mut ctx = FitContext::with_threads(3, 2).unwrap();
        params.check().unwrap().fit(&train, &mut ctx).unwrap();
        let first = ctx.history.first().unwrap().train_loss;
        let last = ctx.history.last().unwrap().train_loss;
        eprintln!("{}: loss {first} → {last}", opt.name());
        assert!(last < 0.8 * first, "{}: loss {first} → {last}", opt.name());
    }
}

#[test]
fn a_seed_and_thread_count_reproduce_a_run_bit_for_bit() {
    let (train, _) = planted(100, 60, 0.1, 3);
    for params in [
        MfParams::default().factors(5).epochs(3),
        MfParams::default()
            .factors(5)
            .epochs(3)
            .optimizer(Optimizer::adam())
            .dropout(0.1)
            .batch_size(4),
        MfParams::default()
            .factors(5)
            .epochs(3)
            .sampling(Sampling::WithReplacement)
            .negative_fraction(0.2),
    ] {
        let a = fit(&params, &train, 11, 2);
        let b = fit(&params, &train, 11, 2);
        assert_eq!(a, b, "same seed and threads must give the same model");
        let c = fit(&params, &train, 12, 2);
        assert_ne!(
            a.user_factors(),
            c.user_factors(),
            "another seed gives another model"
        );
        // The schedule depends on the bin count, not on the thread count.
        let d = fit(&params.clone().bins(8), &train, 11, 1);
        let e = fit(&params.clone().bins(8), &train, 11, 2);
        assert_eq!(d, e);
    }
}

#[test]
fn divergence_stops_training_with_an_error_naming_the_epoch() {
    let (train, _) = planted(50, 40, 0.1, 4);
    let params = MfParams::default().factors(4).epochs(10).lr(50.0);
    let err = params
        .check()
        .unwrap()
        .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
        .unwrap_err();
    match &err {
        ModelError::Diverged { epoch, .. } => assert!(*epoch >= 1),
        other => panic!("expected divergence, got {other}"),
    }
    assert!(err.to_string().contains("lower learning rate"), "{err}");
}

/// A context (seed 5, 2 threads) that validates on `test` and stops after 3 epochs
/// without improvement, restoring the best epoch.
fn stopping_on(test: &Interactions) -> FitContext<'_> {
    let mut ctx = FitContext::with_threads(5, 2).unwrap();
    ctx.validation = Some(Validation::Ratings(test));
    ctx.early_stopping = Some(EarlyStopping {
        patience: 3,
        restore_best: true,
        min_delta: 0.0,
    });
    ctx
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    let (train, test) = planted(150, 100, 0.3, 5);
    // No regularisation and many factors: validation RMSE turns up after a while.
    let params = MfParams::default().factors(64).epochs(80).lr(0.03).reg(0.0);
    let mut ctx = stopping_on(&test);
    let model = params.check().unwrap().fit(&train, &mut ctx).unwrap();
    let best = ctx.best_epoch.unwrap();
    let rmses: Vec<f64> = ctx.history.iter().map(|r| r.validation[0].1).collect();
    assert!(ctx.history.len() < 80, "should stop early");
    let min = rmses.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(rmses[best - 1], min);
    assert_eq!(
        ctx.history.len(),
        best + 3,
        "stops after `patience` epochs without improvement"
    );
    assert!(
        (rating_errors(&model, &test).rmse - min).abs() < 1e-9,
        "restored model is the best one"
    );
}

#[test]
fn callbacks_see_every_epoch_and_can_stop() {
    let (train, _) = planted(40, 30, 0.1, 6);
    let seen = Mutex::new(Vec::new());
    let mut ctx = FitContext::with_threads(1, 1).unwrap();
    ctx.callbacks.push(rustrec_models::engine::stop_when(|r| {
        seen.lock().unwrap().push(r.epoch);
        r.epoch == 4
    }));
    MfParams::default()
        .epochs(10)
        .check()
        .unwrap()
        .fit(&train, &mut ctx)
        .unwrap();
    drop(ctx);
    assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3, 4]);
}

#[test]
fn unseen_users_and_items_fall_back_to_biases_and_the_global_mean() {
    // User 2 and item 2 have no training data.
    let train = Interactions::from_index_triplets(
        3,
        3,
        &[(0, 0, 5.0), (0, 1, 3.0), (1, 0, 4.0), (1, 1, 1.0)],
    )
    .unwrap();
    let model = fit(&MfParams::default().factors(3).epochs(5), &train, 1, 1);
    let mu = model.global_mean();
    assert!((mu - 3.25).abs() < 1e-6);
    let bi0 = model.item_biases()[0];
    assert!((model.predict(UserIdx(2), ItemIdx(0)) - (mu + bi0)).abs() < 1e-6);
    let bu0 = model.user_biases()[0];
    assert!((model.predict(UserIdx(0), ItemIdx(2)) - (mu + bu0)).abs() < 1e-6);
    assert!(!model.knows_user(UserIdx(2)) && model.knows_user(UserIdx(0)));
    let (v, known_user, known_item) = model.predict_raw("77", "0");
    assert!(!known_user && known_item);
    assert!((v - (mu + bi0)).abs() < 1e-6);
}

#[test]
fn sigmoid_output_stays_in_range_and_one_cycle_trains() {
    let (train, test) = planted(120, 80, 0.2, 8);
    let params = MfParams::default()
        .factors(8)
        .epochs(10)
        .lr(0.01)
        .optimizer(Optimizer::adamw())
        .schedule(Schedule::one_cycle())
        .output(Output::Sigmoid { lo: 0.0, hi: 6.0 })
        .batch_size(16)
        .reg(0.01);
    let model = fit(&params, &train, 2, 2);
    let mut scores = vec![0.0; model.n_items()];
    for u in 0..model.n_users() {
        model.score_into(UserIdx(u as u32), &mut scores);
        assert!(scores.iter().all(|&s| (0.0..=6.0).contains(&s)));
    }
    let mean_rmse = {
        let mu = train.mean_value() as f32;
        let se: f64 = test
            .iter()
            .map(|(_, _, r)| f64::from((r - mu) * (r - mu)))
            .sum();
        (se / test.nnz() as f64).sqrt()
    };
    let e = rating_errors(&model, &test);
    assert!(
        e.rmse < 0.8 * mean_rmse,
        "RMSE {} vs global-mean RMSE {mean_rmse}",
        e.rmse
    );
}

#[test]
fn clip_clamps_every_prediction_and_changes_nothing_else() {
    let (train, test) = planted(60, 40, 0.5, 6);
    let params = MfParams::default().factors(4).epochs(5).lr(0.05);
    let plain = fit(&params, &train, 3, 1);
    let clipped = fit(
        &params
            .clone()
            .clip(rustrec_models::mf::Clip::Range([2.5, 3.5])),
        &train,
        3,
        1,
    );
    let mut saw_clamp = false;
    for u in 0..plain.n_users() {
        for i in 0..plain.n_items() {
            let (u, i) = (UserIdx(u as u32), ItemIdx(i as u32));
            let (a, b) = (plain.predict(u, i), clipped.predict(u, i));
            assert_eq!(b, a.clamp(2.5, 3.5));
            saw_clamp |= a != b;
        }
    }
    assert!(
        saw_clamp,
        "the fixture should have predictions outside [2.5, 3.5]"
    );
    assert!(rating_errors(&clipped, &test).rmse.is_finite());
}

#[test]
fn frequency_scaled_regularisation_trains_on_both_kernels() {
    let (train, test) = planted(300, 200, 0.2, 1);
    for params in [
        MfParams::default().factors(8).epochs(60).lr(0.02).reg(0.02),
        MfParams::default()
            .factors(8)
            .epochs(60)
            .lr(0.02)
            .reg(0.02)
            .batch_size(2),
    ] {
        let weighted = fit(&params.clone().reg_exponent(0.5), &train, 7, 2);
        let plain = fit(&params, &train, 7, 2);
        let e = rating_errors(&weighted, &test);
        assert!(
            e.rmse < 0.3,
            "{params:?}: RMSE {} not near the noise",
            e.rmse
        );
        assert_ne!(weighted, plain, "α = ½ must change the model");
    }
}

#[test]
fn averaging_the_last_epochs_gives_the_mean_of_those_epochs_models() {
    let (train, _) = planted(60, 40, 0.3, 8);
    let params = MfParams::default().factors(4).epochs(6).lr(0.03);
    let last = fit(&params, &train, 5, 2);
    let before = fit(&params.clone().epochs(5), &train, 5, 2);
    // Averaging one epoch is the last epoch's model, bit for bit.
    let one = fit(&params.clone().average_last(1), &train, 5, 2);
    assert_eq!(one.user_factors(), last.user_factors());
    assert_eq!(one.item_factors(), last.item_factors());
    assert_eq!(one.user_biases(), last.user_biases());
    let avg = fit(&params.clone().average_last(2), &train, 5, 2);
    let pairs = [
        (
            avg.user_factors(),
            last.user_factors(),
            before.user_factors(),
        ),
        (
            avg.item_factors(),
            last.item_factors(),
            before.item_factors(),
        ),
        (
            avg.user_biases().to_vec(),
            last.user_biases().to_vec(),
            before.user_biases().to_vec(),
        ),
        (
            avg.item_biases().to_vec(),
            last.item_biases().to_vec(),
            before.item_biases().to_vec(),
        ),
    ];
    for (a, x, y) in pairs {
        for ((a, x), y) in a.iter().zip(&x).zip(&y) {
            assert!((a - (x + y) / 2.0).abs() < 1e-6, "{a} vs mean of {x}, {y}");
        }
        assert_ne!(x, y, "the two epochs differ");
    }
}

#[test]
fn in_order_sampling_visits_the_data_in_order_and_trains() {
    let (train, test) = planted(100, 60, 0.1, 9);
    let params = MfParams::default()
        .factors(4)
        .epochs(15)
        .lr(0.02)
        .sampling(Sampling::InOrder)
        .bins(1);
    // One block and no shuffling: the order does not depend on the seed, only the initial
    // factors do, so two seeds differ but each seed repeats.
    let a = fit(&params, &train, 1, 1);
    assert_eq!(a, fit(&params, &train, 1, 2));
    assert_ne!(a.user_factors(), fit(&params, &train, 2, 1).user_factors());
    let mu = train.mean_value() as f32;
    let se: f64 = test
        .iter()
        .map(|(_, _, r)| f64::from((r - mu) * (r - mu)))
        .sum();
    let baseline = (se / test.nnz() as f64).sqrt();
    let e = rating_errors(&a, &test);
    assert!(
        e.rmse < 0.8 * baseline,
        "RMSE {} vs global-mean RMSE {baseline}",
        e.rmse
    );
}

#[test]
fn an_ensemble_predicts_the_clipped_mean_of_its_members_unclipped_predictions() {
    let (train, _) = planted(80, 60, 0.3, 9);
    let (k, m) = (4, 3);
    let single = MfParams::default().factors(k).epochs(6).lr(0.05).reg(0.02);
    // Member m is the single model trained with `member_seed(11, m)`.
    let members: Vec<MfModel> = (0..m)
        .map(|j| fit(&single, &train, member_seed(11, j), 2))
        .collect();
    let (lo, hi) = (2.5, 3.5);
    let ens = fit(
        &single
            .clone()
            .members(m)
            .clip(rustrec_models::mf::Clip::Range([lo, hi])),
        &train,
        11,
        2,
    );
    assert_eq!(ens.factors(), k * m);
    assert_ne!(members[0].user_factors(), members[1].user_factors());
    assert_ne!(members[1].item_factors(), members[2].item_factors());
    // Member 0's factors sit first in the merged rows, scaled by 1/√m, bit for bit.
    let scale = 1.0 / (m as f32).sqrt();
    let (merged, first) = (ens.user_factors(), members[0].user_factors());
    for u in 0..train.n_users() {
        for f in 0..k {
            assert_eq!(merged[u * k * m + f], first[u * k + f] * scale);
        }
    }
    let (mut clip_mattered, mut worst) = (false, 0.0f32);
    for u in 0..train.n_users() {
        for i in 0..train.n_items() {
            let (u, i) = (UserIdx(u as u32), ItemIdx(i as u32));
            let raw: Vec<f32> = members.iter().map(|x| x.predict(u, i)).collect();
            let mean = raw.iter().sum::<f32>() / m as f32;
            let want = mean.clamp(lo, hi);
            worst = worst.max((ens.predict(u, i) - want).abs());
            let mean_of_clipped = raw.iter().map(|r| r.clamp(lo, hi)).sum::<f32>() / m as f32;
            clip_mattered |= (mean_of_clipped - want).abs() > 1e-3;
        }
    }
    assert!(worst < 1e-5, "merged vs mean of members: {worst}");
    assert!(
        clip_mattered,
        "the fixture should tell clip(mean) from mean(clip)"
    );
}

#[test]
fn one_member_is_the_single_model_bit_for_bit() {
    let (train, _) = planted(60, 40, 0.3, 10);
    let params = MfParams::default().factors(5).epochs(4).reg_exponent(0.5);
    let single = fit(&params, &train, 3, 2);
    let one = fit(&params.clone().members(1), &train, 3, 2);
    assert_eq!(single, one);
    let two = fit(&params.clone().members(2), &train, 3, 2);
    assert_ne!(single.user_factors(), two.user_factors()[..]);
}

#[test]
fn an_ensemble_early_stops_on_the_merged_model_and_saves_as_plain_mf() {
    let (train, test) = planted(150, 100, 0.3, 5);
    let params = MfParams::default()
        .factors(16)
        .epochs(60)
        .lr(0.03)
        .reg(0.0)
        .members(2);
    let mut ctx = stopping_on(&test);
    let model = params.check().unwrap().fit(&train, &mut ctx).unwrap();
    let best = ctx.best_epoch.unwrap();
    let min = ctx
        .history
        .iter()
        .map(|r| r.validation[0].1)
        .fold(f64::INFINITY, f64::min);
    assert!(ctx.history.len() < 60, "should stop early");
    assert_eq!(ctx.history[best - 1].validation[0].1, min);
    assert!((rating_errors(&model, &test).rmse - min).abs() < 1e-9);
    drop(ctx);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ens.safetensors");
    TrainedModel::new(model.clone())
        .save(&path, &train, serde_json::json!({}))
        .unwrap();
    let loaded = TrainedModel::load(&path).unwrap().model;
    let loaded = loaded.downcast_ref::<MfModel>().expect("an MF model");
    assert_eq!(loaded, &model);
    assert_eq!(loaded.factors(), 32);
    // Fold-in works on the merged factors: a user's own history, folded in, ranks the
    // items they rated high above those they rated low.
    let history: Vec<(ItemIdx, f32)> = train
        .iter()
        .filter(|&(u, _, _)| u == UserIdx(0))
        .map(|(_, i, r)| (i, r))
        .collect();
    let mut scores = vec![0.0f32; loaded.n_items()];
    loaded.score_profile(&history, &mut scores);
    let (hi, lo): (Vec<_>, Vec<_>) = history.iter().partition(|(_, r)| *r >= 3.0);
    let mean = |v: &[&(ItemIdx, f32)]| {
        v.iter().map(|(i, _)| scores[i.index()]).sum::<f32>() / v.len().max(1) as f32
    };
    assert!(!hi.is_empty() && !lo.is_empty());
    assert!(mean(&hi) > mean(&lo), "{} vs {}", mean(&hi), mean(&lo));
}

#[test]
fn the_final_model_equals_the_last_epochs_snapshot() {
    // Without validation the trainer's tables are moved into the final model (and put in
    // id order in place); with validation each epoch's model is a copy. Both must be the
    // same model, with and without iterate averaging, in both layouts.
    let (train, test) = planted(60, 40, 0.1, 4);
    for (average_last, layout) in [
        (0, Layout::Shuffled),
        (2, Layout::Shuffled),
        (0, Layout::Rows),
        (2, Layout::Rows),
    ] {
        let params = MfParams::default()
            .factors(5)
            .epochs(4)
            .average_last(average_last)
            .layout(layout);
        let moved = fit(&params, &train, 3, 2);
        let mut ctx = FitContext::with_threads(3, 2).unwrap();
        ctx.validation = Some(Validation::Ratings(&test));
        let copied = params.check().unwrap().fit(&train, &mut ctx).unwrap();
        assert_eq!(ctx.history.len(), 4);
        assert!(moved == copied, "average_last {average_last}, {layout:?}");
        assert!(moved.user_factors().iter().any(|&v| v != 0.0));
    }
}

/// Regression: `factors = 1` made the factor tables one float wide (unpadded) and the
/// fused SGD kernels, which work on whole 16-float chunks, panicked ("rows must be padded
/// to 16 floats") on the default sampling, `layout = "rows"`, ensembles and averaging.
#[test]
fn one_factor_trains_on_every_plain_sgd_path() {
    let (train, test) = planted(60, 40, 0.1, 11);
    let variants = [
        MfParams::default(),
        MfParams::default().layout(Layout::Rows),
        MfParams::default().sampling(Sampling::WithReplacement),
        MfParams::default().members(2),
        MfParams::default().average_last(2),
    ];
    for params in variants {
        let params = params.factors(1).epochs(3);
        let model = fit(&params, &train, 5, 2);
        let e = rating_errors(&model, &test);
        assert!(e.rmse.is_finite(), "{params:?}: RMSE {}", e.rmse);
        assert_eq!(model, fit(&params, &train, 5, 1), "{params:?}: threads");
    }
}
