//! Quick development benchmark: biased MF on a `::`-separated ratings file, 90/10 split.
//! Usage: cargo run --release -p rustrec-models --example mf_speed -- FILE [threads] [epochs] [k] [lr] [reg]
use std::sync::Arc;

use rustrec_data::{DuplicatePolicy, IdMap, Triplets};
use rustrec_models::mf::MfParams;
use rustrec_models::rating::rating_errors;
use rustrec_models::{Fit, FitContext};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).unwrap();
    let threads: usize = args.get(2).map_or(2, |s| s.parse().unwrap());
    let epochs: usize = args.get(3).map_or(20, |s| s.parse().unwrap());
    let k: usize = args.get(4).map_or(40, |s| s.parse().unwrap());
    let lr: f32 = args.get(5).map_or(0.01, |s| s.parse().unwrap());
    let reg: f32 = args.get(6).map_or(0.05, |s| s.parse().unwrap());
    let (mut users, mut items) = (IdMap::new_int(), IdMap::new_int());
    let mut tr = Triplets::new("train", false, false);
    let mut te = Triplets::new("test", false, false);
    let mut h: u64 = 42;
    for line in text.lines() {
        let f: Vec<&str> = line.split("::").collect();
        let u = users.intern_int(f[0].parse().unwrap());
        let i = items.intern_int(f[1].parse().unwrap());
        let r: f32 = f[2].parse().unwrap();
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
        if h.is_multiple_of(10) {
            te.push(u, i, r, None, 0)
        } else {
            tr.push(u, i, r, None, 0)
        }
    }
    let (users, items) = (Arc::new(users), Arc::new(items));
    let train = tr
        .build(users.clone(), items.clone(), DuplicatePolicy::Error)
        .unwrap();
    let test = te.build(users, items, DuplicatePolicy::Error).unwrap();
    let params = MfParams::default()
        .factors(k)
        .epochs(epochs)
        .lr(lr)
        .reg(reg)
        .check()
        .unwrap();
    let mut ctx = FitContext::new(42, threads);
    let t0 = std::time::Instant::now();
    let model = params.fit(&train, &mut ctx).unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let (samples, train_secs) = ctx.totals();
    let e = rating_errors(&model, &test);
    println!(
        "train {} test {} | {:.3}s total, {:.3}s in epochs, {:.1}M updates/s | test RMSE {:.4} | profile {:?}",
        train.nnz(),
        test.nnz(),
        secs,
        train_secs,
        samples as f64 / train_secs / 1e6,
        e.rmse,
        ctx.profile
    );
}
