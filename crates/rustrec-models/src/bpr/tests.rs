//! End-to-end tests of BPR-MF and WARP-MF training.

use rustrec_data::{Interactions, ItemIdx, UserIdx};

use super::*;
use crate::engine::Optimizer;
use rustrec_core::Recommender;
use rustrec_core::{Fit, FitContext};

/// Planted structure: 4 groups of 20 users and 25 items; a user interacts with an item of
/// its own group with probability 0.4, with any other item with probability 0.02. Up to
/// two of each user's in-group items, chosen at random, are held out for testing.
fn planted() -> (Interactions, Interactions) {
    let (nu, ni) = (80u32, 100u32);
    let mut rng = crate::engine::rng::stream(11, &[]);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for u in 0..nu {
        let mut held = 0;
        for i in 0..ni {
            let same = u / 20 == i / 25;
            let p = if same { 0.4 } else { 0.02 };
            if crate::engine::rng::unit_f32(&mut rng) < p {
                if same && held < 2 && crate::engine::rng::unit_f32(&mut rng) < 0.25 {
                    test.push((u, i, 1.0));
                    held += 1;
                } else {
                    train.push((u, i, 1.0));
                }
            }
        }
    }
    (
        Interactions::from_index_triplets(nu as usize, ni as usize, &train).unwrap(),
        Interactions::from_index_triplets(nu as usize, ni as usize, &test).unwrap(),
    )
}

/// Mean per-user AUC of test items against items in neither train nor test (ties ½).
fn auc(model: &dyn Recommender, train: &Interactions, test: &Interactions) -> f64 {
    let mut scores = vec![0.0f32; model.n_items()];
    let (mut sum, mut users) = (0.0, 0);
    for u in 0..train.n_users() {
        let user = UserIdx(u as u32);
        let pos = test.row(user).items;
        if pos.is_empty() {
            continue;
        }
        model.score_into(user, &mut scores);
        let neg: Vec<f32> = (0..scores.len() as u32)
            .filter(|&i| !train.row(user).contains(i) && !pos.contains(&i))
            .map(|i| scores[i as usize])
            .collect();
        let mut wins = 0.0;
        for &i in pos {
            for &n in &neg {
                let s = scores[i as usize];
                wins += if s > n {
                    1.0
                } else if s == n {
                    0.5
                } else {
                    0.0
                };
            }
        }
        sum += wins / (pos.len() * neg.len()) as f64;
        users += 1;
    }
    sum / f64::from(users)
}

fn fit(params: &BprParams, train: &Interactions, seed: u64, threads: usize) -> BprModel {
    params
        .check()
        .unwrap()
        .fit(train, &mut FitContext::with_threads(seed, threads).unwrap())
        .unwrap()
}

#[test]
fn bpr_and_warp_learn_the_planted_groups() {
    let (train, test) = planted();
    let base = BprParams::default().factors(8).epochs(40).bins(2);
    let variants = [
        ("bpr sgd", base.clone().lr(0.1)),
        (
            "bpr adam per-user",
            base.clone()
                .lr(0.01)
                .optimizer(Optimizer::adam())
                .sampling(PairSampling::PerUser),
        ),
        (
            "warp adagrad",
            BprParams::warp().factors(8).epochs(40).bins(2),
        ),
        (
            "bpr popularity negatives",
            base.clone().lr(0.1).popularity_alpha(0.5),
        ),
    ];
    for (name, params) in variants {
        let model = fit(&params, &train, 3, 2);
        let a = auc(&model, &train, &test);
        assert!(a > 0.75, "{name}: AUC {a}");
    }
    // The untrained model (one tiny step) is near chance: the learning is real.
    let barely = fit(&base.clone().lr(1e-6).epochs(1), &train, 3, 2);
    let a0 = auc(&barely, &train, &test);
    assert!((a0 - 0.5).abs() < 0.15, "untrained AUC {a0}");
}

#[test]
fn same_seed_and_bins_give_the_same_model_whatever_the_threads() {
    let (train, _) = planted();
    for params in [
        BprParams::default().factors(6).epochs(3).bins(4),
        BprParams::warp().factors(6).epochs(3).bins(4),
    ] {
        let a = fit(&params, &train, 9, 1);
        let b = fit(&params, &train, 9, 2);
        let c = fit(&params, &train, 9, 2);
        assert_eq!(a, b, "thread count changed the model");
        assert_eq!(b, c, "a rerun changed the model");
        let d = fit(&params, &train, 10, 2);
        assert_ne!(a, d, "another seed gives another model");
    }
}

#[test]
fn users_who_saw_every_item_are_skipped_not_looped_on() {
    // User 0 has every item, user 1 half of them; one bin so the bin is the catalog.
    let mut rows: Vec<(u32, u32, f32)> = (0..10).map(|i| (0, i, 1.0)).collect();
    rows.extend((0..5).map(|i| (1, 2 * i, 1.0)));
    let train = Interactions::from_index_triplets(2, 10, &rows).unwrap();
    let params = BprParams::default().factors(4).epochs(2).bins(1);
    let valid = params.check().unwrap();
    let mut trainer = train::BprTrainer::new(&valid, &train, 1);
    let stats = crate::engine::Trainer::epoch(&mut trainer, 0).unwrap();
    assert_eq!(trainer.skipped, 10, "user 0's ten positives are skipped");
    assert_eq!(stats.samples, 5);
    // The trained model still ranks user 1's unseen items (odd ids) by score.
    let model = crate::engine::Trainer::snapshot(&trainer);
    assert!(model.predict(UserIdx(1), ItemIdx(1)).is_finite());
}

/// Regression: a learning rate that makes BPR diverge panicked on a debug assertion of the
/// loss sum (a NaN factor) in debug builds, instead of stopping with the divergence message
/// release builds gave.
#[test]
fn a_diverging_learning_rate_stops_training_with_a_message_not_a_panic() {
    let (train, _) = planted();
    let err = BprParams::default()
        .factors(4)
        .epochs(5)
        .bins(1)
        .lr(1e6)
        .check()
        .unwrap()
        .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
        .unwrap_err();
    assert!(
        matches!(err, crate::ModelError::Diverged { .. }),
        "expected divergence, got {err}"
    );
}

#[test]
fn training_data_without_interactions_is_refused() {
    let empty = Interactions::from_index_triplets(2, 2, &[]).unwrap();
    let err = BprParams::default()
        .check()
        .unwrap()
        .fit(&empty, &mut FitContext::with_threads(42, 1).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no interactions"), "{err}");
}

#[test]
fn a_ranking_metric_drives_early_stopping_and_restores_the_best_epoch() {
    let (train, test) = planted();
    let params = BprParams::default().factors(8).epochs(30).lr(0.1).bins(2);
    let valid = params.check().unwrap();
    let calls = std::sync::atomic::AtomicUsize::new(0);
    // A validation "metric" that peaks at epoch 3: early stopping (patience 2) must stop at
    // epoch 5 and return the epoch-3 model.
    let mut ctx = FitContext::with_threads(5, 2).unwrap();
    ctx.validation = Some(rustrec_core::Validation::Custom {
        evaluate: Box::new(|m: &dyn Recommender| {
            let epoch = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            let fake = -((epoch as f64) - 3.0).abs();
            vec![
                ("score".to_string(), fake),
                ("auc".to_string(), auc(m, &train, &test)),
            ]
        }),
        metric: "score".into(),
        higher_is_better: true,
    });
    ctx.early_stopping = Some(rustrec_core::EarlyStopping {
        patience: 2,
        restore_best: true,
        min_delta: 0.0,
    });
    let model = valid.fit(&train, &mut ctx).unwrap();
    assert_eq!(ctx.history.len(), 5);
    assert_eq!(ctx.best_epoch, Some(3));
    let epoch3 = fit(&params.clone().epochs(3), &train, 5, 2);
    // With a constant learning rate, epoch 3 of a 30-epoch run is a 3-epoch run.
    assert_eq!(model.user_factors(), epoch3.user_factors());
    assert_eq!(model.item_factors(), epoch3.item_factors());
    assert_eq!(model.item_biases(), epoch3.item_biases());
}

#[test]
fn the_final_model_equals_the_last_epochs_snapshot() {
    // Without validation the trainer's tables are moved into the final model (and put in
    // id order in place); with validation each epoch's model is a copy.
    let (train, test) = planted();
    let params = BprParams::default().factors(6).epochs(3).bins(3);
    let moved = fit(&params, &train, 9, 2);
    let mut ctx = FitContext::with_threads(9, 2).unwrap();
    ctx.validation = Some(rustrec_core::Validation::Custom {
        evaluate: Box::new(|m: &dyn Recommender| vec![("auc".to_string(), auc(m, &train, &test))]),
        metric: "auc".into(),
        higher_is_better: true,
    });
    let copied = params.check().unwrap().fit(&train, &mut ctx).unwrap();
    assert_eq!(ctx.history.len(), 3);
    assert!(moved == copied);
    assert!(moved.user_factors().iter().any(|&v| v != 0.0));
}
