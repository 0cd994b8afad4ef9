//! Bayesian MF end to end: recovery of a planted low-rank model, reproducibility across
//! thread counts, and the registry kind (config, refit epochs, save and load as MF).

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustrec_data::{IdMap, Interactions, ItemIdx, Triplets, UserIdx};
use rustrec_models::bpmf::BpmfParams;
use rustrec_models::mf::MfModel;
use rustrec_models::rating::rating_errors;
use rustrec_models::{Fit, FitContext, ModelSpec, Recommender, Task, TrainedModel};

/// Planted rank-3 ratings `3 + p_u·q_i + N(0, noise²)` on a `users × items` grid with 30 %
/// density, split 80/20.
fn planted(users: usize, items: usize, noise: f32, seed: u64) -> (Interactions, Interactions) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let k = 3;
    let mut gauss =
        |s: f32| -> f32 { (0..12).map(|_| rng.random::<f32>()).sum::<f32>() * s - 6.0 * s };
    let p: Vec<f32> = (0..users * k).map(|_| gauss(0.6)).collect();
    let q: Vec<f32> = (0..items * k).map(|_| gauss(0.6)).collect();
    let e: Vec<f32> = (0..users * items).map(|_| gauss(noise)).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed + 1);
    let mut train = Triplets::new("train", false, false);
    let mut test = Triplets::new("test", false, false);
    for u in 0..users {
        for i in 0..items {
            if rng.random::<f32>() < 0.3 {
                let dot: f32 = (0..k).map(|f| p[u * k + f] * q[i * k + f]).sum();
                let t = if rng.random::<f32>() < 0.8 {
                    &mut train
                } else {
                    &mut test
                };
                t.push(u as u32, i as u32, 3.0 + dot + e[u * items + i], None, 0);
            }
        }
    }
    let (users, items) = (
        Arc::new(IdMap::identity(users)),
        Arc::new(IdMap::identity(items)),
    );
    let policy = rustrec_data::DuplicatePolicy::Error;
    (
        train.build(users.clone(), items.clone(), policy).unwrap(),
        test.build(users, items, policy).unwrap(),
    )
}

fn params() -> BpmfParams {
    BpmfParams::default()
        .factors(3)
        .iterations(60)
        .burn_in(20)
        .thin(2)
        .alpha(25.0)
}

#[test]
fn bpmf_recovers_a_planted_model_down_to_the_noise_level() {
    let noise = 0.2;
    let (train, test) = planted(120, 100, noise, 3);
    let model = params()
        .check()
        .unwrap()
        .fit(&train, &mut FitContext::with_threads(7, 2).unwrap())
        .unwrap();
    let e = rating_errors(&model, &test);
    // The planted signal has a std of about 1.1 (p·q of three 0.6-std products): a model
    // that missed it would score near that.
    assert!(
        e.rmse < 1.3 * noise as f64,
        "test RMSE {} for noise {noise}",
        e.rmse
    );
}

#[test]
fn a_chain_is_reproduced_bit_for_bit_whatever_the_thread_count() {
    let (train, _) = planted(40, 30, 0.3, 5);
    let p = params().iterations(12).burn_in(4).check().unwrap();
    let fit = |threads| {
        p.fit(&train, &mut FitContext::with_threads(11, threads).unwrap())
            .unwrap()
    };
    let (a, b, c) = (
        fit(1),
        fit(2),
        p.fit(&train, &mut FitContext::with_threads(12, 2).unwrap())
            .unwrap(),
    );
    let scores = |m: &dyn Recommender| -> Vec<f32> {
        (0..40)
            .flat_map(|u| (0..30).map(move |i| (u, i)))
            .map(|(u, i)| m.predict(UserIdx(u), ItemIdx(i)))
            .collect()
    };
    assert_eq!(scores(&a), scores(&b));
    assert_ne!(scores(&a), scores(&c), "another seed gives another chain");
}

#[test]
fn the_registry_kind_reads_from_a_config_refits_and_saves_as_mf() {
    let (train, _) = planted(30, 20, 0.3, 6);
    let spec: ModelSpec = serde_json::from_str(
        r#"{"kind": "bpmf", "factors": 2, "iterations": 10, "burn_in": 4, "thin": 3}"#,
    )
    .unwrap();
    assert_eq!((spec.kind(), spec.task()), ("bpmf", Task::Rating));
    assert_eq!(spec.epochs(), Some(10));
    // A refit keeps at least one sweep past the burn-in.
    assert_eq!(spec.with_epochs(2).epochs(), Some(5));
    assert_eq!(spec.with_epochs(8).epochs(), Some(8));
    let bad: ModelSpec =
        serde_json::from_str(r#"{"kind": "bpmf", "iterations": 10, "burn_in": 10}"#).unwrap();
    assert!(
        bad.check()
            .unwrap_err()
            .to_string()
            .contains("burn_in = 10")
    );
    let mut ctx = FitContext::with_threads(1, 2).unwrap();
    let model = spec.fit(&train, &mut ctx).unwrap();
    assert_eq!(ctx.history.len(), 10);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bpmf.safetensors");
    model.save(&path, &train, serde_json::json!({})).unwrap();
    let loaded = TrainedModel::load(&path).unwrap();
    assert_eq!(loaded.header.kind, "mf");
    let (Some(a), Some(b)) = (
        model.downcast_ref::<MfModel>(),
        loaded.model.downcast_ref::<MfModel>(),
    ) else {
        panic!("not MF models");
    };
    assert_eq!(
        a.factors(),
        2 * 2,
        "two kept samples (sweeps 4 and 7) side by side"
    );
    for u in 0..30 {
        for i in 0..20 {
            let (u, i) = (UserIdx(u), ItemIdx(i));
            assert_eq!(a.predict(u, i), b.predict(u, i));
        }
    }
}
