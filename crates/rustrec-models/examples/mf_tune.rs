//! Development helper: tunes biased MF on a validation split carved from ML-100K `ua.base`,
//! and only then measures `ua.test`.
//!
//! The validation split mirrors how `ua.test` was made from `u.data`: every user of `ua.base`
//! gives `min(10, ⌊n_u / 2⌋)` random ratings (seeded), so light users weigh in as they do in
//! `ua.test`. `ua.test` is never read by the `val` and `curve` modes.
//!
//! Usage (parameters are `MfParams` as JSON, missing fields take their defaults):
//! * `mf_tune DIR val   SPLIT_SEED TRAIN_SEEDS JSON…` — validation RMSE after the last epoch and
//!   at the best epoch (mean over training seeds `1..=TRAIN_SEEDS`), one line per JSON.
//! * `mf_tune DIR curve SPLIT_SEED JSON` — the validation RMSE after every epoch.
//! * `mf_tune DIR search SPLIT_SEED TRAIN_SEEDS FILE` — every JSON line of FILE on validation;
//!   the best (lowest mean validation RMSE at its best epoch) is refitted on all of `ua.base`
//!   for that many epochs (early stopping, unless it averages epochs) and measured on
//!   `ua.test`, with 2 threads and the same training seeds; nothing else touches `ua.test`.
//!   `examples/mf_tune_grid.jsonl` is the final grid searched (one `MfParams` JSON a line).
//! * `mf_tune DIR test JSON [SEEDS]` — fit on `ua.base`, RMSE on `ua.test` (for the chosen
//!   settings only), with 2 threads, per seed and for the average of the seeds' predictions.
use std::sync::Arc;
use std::time::Instant;

use rustrec_data::{DuplicatePolicy, IdMap, Interactions};
use rustrec_models::Validation;
use rustrec_models::mf::{MfModel, MfParams};
use rustrec_models::rating::rating_errors;
use rustrec_models::{Fit, FitContext, Recommender};

struct Data {
    base: Interactions,
    test: Interactions,
}

fn load(dir: &str) -> Data {
    let (mut users, mut items) = (IdMap::new_int(), IdMap::new_int());
    let mut read = |name: &str| {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("readable file");
        let mut t = rustrec_data::Triplets::new(name, false, false);
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let u = users.intern_int(f[0].parse().expect("user id"));
            let i = items.intern_int(f[1].parse().expect("item id"));
            t.push(u, i, f[2].parse().expect("rating"), None, 0);
        }
        t
    };
    let (tr, te) = (read("ua.base"), read("ua.test"));
    let (users, items) = (Arc::new(users), Arc::new(items));
    Data {
        base: tr
            .build(users.clone(), items.clone(), DuplicatePolicy::Error)
            .expect("valid ua.base"),
        test: te
            .build(users, items, DuplicatePolicy::Error)
            .expect("valid ua.test"),
    }
}

/// Splits `base` into (fit, validation): `min(10, ⌊n_u / 2⌋)` random ratings of every user.
fn split(base: &Interactions, seed: u64) -> (Interactions, Interactions) {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut held = vec![false; base.nnz()];
    let ptr = base.user_ptr();
    for u in 0..base.n_users() {
        let (a, b) = (ptr[u], ptr[u + 1]);
        let mut pos: Vec<usize> = (a..b).collect();
        pos.shuffle(&mut rng);
        for &k in pos.iter().take(10.min((b - a) / 2)) {
            held[k] = true;
        }
    }
    (
        base.filter(|_, _, _, k| !held[k]),
        base.filter(|_, _, _, k| held[k]),
    )
}

fn parse(json: &str) -> MfParams {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("bad params {json}: {e}"))
}

/// Validation RMSE after every epoch of one fit.
fn curve(fit: &Interactions, val: &Interactions, params: &MfParams, seed: u64) -> Vec<f64> {
    let valid = params.check().unwrap_or_else(|e| panic!("{e}"));
    let mut ctx = FitContext::with_threads(seed, 2).unwrap();
    ctx.validation = Some(Validation::Ratings(val));
    valid.fit(fit, &mut ctx).expect("fit");
    ctx.history
        .iter()
        .map(|r| {
            r.validation
                .iter()
                .find(|m| m.0 == "rmse")
                .map_or(f64::NAN, |m| m.1)
        })
        .collect()
}

/// (mean RMSE after the last epoch, best epoch of the mean curve, mean RMSE there).
fn validate(
    fit: &Interactions,
    val: &Interactions,
    params: &MfParams,
    seeds: u64,
) -> (f64, usize, f64) {
    let mut mean = vec![0.0; params.epochs];
    for s in 1..=seeds {
        for (m, x) in mean.iter_mut().zip(curve(fit, val, params, s)) {
            *m += x / seeds as f64;
        }
    }
    let (best, rmse) =
        mean.iter().enumerate().fold(
            (0, f64::INFINITY),
            |b, (e, &x)| if x < b.1 { (e + 1, x) } else { b },
        );
    (mean[mean.len() - 1], best, rmse)
}

/// Fits on all of `ua.base` and returns the model and training seconds.
fn refit(d: &Data, params: &MfParams, seed: u64) -> (MfModel, f64) {
    let valid = params.check().unwrap_or_else(|e| panic!("{e}"));
    let mut ctx = FitContext::with_threads(seed, 2).unwrap();
    let t0 = Instant::now();
    let model = valid.fit(&d.base, &mut ctx).expect("fit");
    (model, t0.elapsed().as_secs_f64())
}

fn test(d: &Data, params: &MfParams, seeds: u64) {
    let mut sum = vec![0.0f64; d.test.nnz()];
    for s in 1..=seeds {
        let (model, secs) = refit(d, params, s);
        for (acc, (u, i, _)) in sum.iter_mut().zip(d.test.iter()) {
            *acc += f64::from(model.predict(u, i));
        }
        println!(
            "seed {s}: ua.test RMSE {:.4} (fit {secs:.2}s on 2 threads)",
            rating_errors(&model, &d.test).rmse
        );
    }
    if seeds > 1 {
        let se: f64 = sum
            .iter()
            .zip(d.test.iter())
            .map(|(p, (_, _, r))| (p / seeds as f64 - f64::from(r)).powi(2))
            .sum();
        println!(
            "average of {seeds} seeds' predictions (an ensemble): ua.test RMSE {:.4}",
            (se / d.test.nnz() as f64).sqrt()
        );
    }
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let d = load(&a[1]);
    let arg = |k: usize| -> u64 { a[k].parse().expect("integer argument") };
    match a[2].as_str() {
        "val" => {
            let (fit, val) = split(&d.base, arg(3));
            for json in &a[5..] {
                let (last, best, at) = validate(&fit, &val, &parse(json), arg(4));
                println!("val last {last:.4} best {at:.4} @{best:<4} {json}");
            }
        }
        "curve" => {
            let (fit, val) = split(&d.base, arg(3));
            for (e, x) in curve(&fit, &val, &parse(&a[4]), 1).iter().enumerate() {
                println!("{:>4} {x:.4}", e + 1);
            }
        }
        "search" => {
            let (fit, val) = split(&d.base, arg(3));
            let text = std::fs::read_to_string(&a[5]).expect("readable candidates");
            let mut best: Option<(f64, usize, String)> = None;
            for json in text.lines().filter(|l| l.trim_start().starts_with('{')) {
                let (last, at_best, rmse_best) = validate(&fit, &val, &parse(json), arg(4));
                println!("val last {last:.4} best {rmse_best:.4} @{at_best:<4} {json}");
                if best.as_ref().is_none_or(|b| rmse_best < b.0) {
                    best = Some((rmse_best, at_best, json.to_string()));
                }
            }
            let (rmse, epochs, json) = best.expect("at least one candidate");
            // Early stopping on validation: refit on all of ua.base for the best epoch count.
            let mut chosen = parse(&json);
            if chosen.average_last == 0 {
                chosen.epochs = epochs;
            }
            println!(
                "chosen (validation RMSE {rmse:.4} at epoch {epochs}): {}",
                serde_json::to_string(&chosen).expect("serialisable")
            );
            for seed in 1..=arg(4) {
                let valid = chosen.check().unwrap_or_else(|e| panic!("{e}"));
                let model = valid
                    .fit(&fit, &mut FitContext::with_threads(seed, 2).unwrap())
                    .expect("fit");
                println!(
                    "seed {seed}: trained on the fit part only (early-stopped): ua.test RMSE {:.4}",
                    rating_errors(&model, &d.test).rmse
                );
            }
            println!("refit on all of ua.base for {epochs} epochs:");
            test(&d, &chosen, arg(4));
        }
        "test" => test(
            &d,
            &parse(&a[3]),
            a.get(4).map_or(1, |s| s.parse().expect("seeds")),
        ),
        m => panic!("unknown mode {m}"),
    }
}
