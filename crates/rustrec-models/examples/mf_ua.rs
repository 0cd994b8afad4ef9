//! Development helper: biased MF on ML-100K ua.base → ua.test with settings from argv.
//! Usage: mf_ua DIR k epochs lr reg [reg_bias] [init_std]
use std::sync::Arc;

use rustrec_data::{DuplicatePolicy, IdMap, Triplets};
use rustrec_models::mf::{Init, MfParams};
use rustrec_models::rating::rating_errors;
use rustrec_models::{Fit, FitContext};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (mut users, mut items) = (IdMap::new_int(), IdMap::new_int());
    let mut read = |name: &str| {
        let text = std::fs::read_to_string(format!("{}/{name}", a[1])).unwrap();
        let mut t = Triplets::new(name, false, false);
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let u = users.intern_int(f[0].parse().unwrap());
            let i = items.intern_int(f[1].parse().unwrap());
            t.push(u, i, f[2].parse().unwrap(), None, 0);
        }
        t
    };
    let (tr, te) = (read("ua.base"), read("ua.test"));
    let (users, items) = (Arc::new(users), Arc::new(items));
    let train = tr
        .build(users.clone(), items.clone(), DuplicatePolicy::Error)
        .unwrap();
    let test = te.build(users, items, DuplicatePolicy::Error).unwrap();
    let p = |k: usize, d: f32| a.get(k).map_or(d, |s| s.parse().unwrap());
    let params = MfParams::default()
        .factors(p(2, 40.0) as usize)
        .epochs(p(3, 20.0) as usize)
        .lr(p(4, 0.01))
        .reg(p(5, 0.05))
        .reg_bias(Some(p(6, p(5, 0.05))))
        .init(Init::Normal { std: p(7, 0.1) })
        .schedule(rustrec_models::engine::Schedule::Exponential {
            gamma: f64::from(p(8, 1.0)),
        })
        .check()
        .unwrap();
    let mut ctx = FitContext::new(42, 2);
    let t0 = std::time::Instant::now();
    let model = params.fit(&train, &mut ctx).unwrap();
    use rustrec_models::Recommender;
    let secs = t0.elapsed().as_secs_f64();
    let se: f64 = test
        .iter()
        .map(|(u, i, r)| {
            let e = f64::from(model.predict(u, i).clamp(1.0, 5.0) - r);
            e * e
        })
        .sum();
    println!(
        "RMSE {:.4} clipped {:.4} in {:.3}s",
        rating_errors(&model, &test).rmse,
        (se / test.nnz() as f64).sqrt(),
        secs
    );
}
