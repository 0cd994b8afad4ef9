//! Speed of scoring every item for one user — what a factor model's `score_into` does for
//! `recommend` and `rustrec serve` — on an ML-1M-shaped table (3,706 items × 64 factors,
//! random values): [`dot_rows_at`] at every SIMD level this CPU has, against the plain
//! per-row loop the models used before (16 lanes, no fused multiply-add), one thread.
//! Prints microseconds per user (best of 5 rounds of 2,000 users) and checks that every
//! level agrees with the plain loop within rounding.
//!
//! ```text
//! cargo run --release -p rustrec-models --example scoring_speed [items factors]
//! ```

use std::hint::black_box;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustrec_models::engine::RowTable;
use rustrec_models::engine::scoring::dot_rows_at;
use rustrec_models::engine::simd::Level;

/// The per-row loop `score_into` had before the SIMD layer.
fn plain(x: &[f32], rows: &RowTable, out: &mut [f32]) {
    for (i, o) in out.iter_mut().enumerate() {
        let y = rows.row(i);
        let mut acc = [0.0f32; 16];
        for (a, b) in x.chunks_exact(16).zip(y.chunks_exact(16)) {
            for l in 0..16 {
                acc[l] += a[l] * b[l];
            }
        }
        *o = acc.iter().sum();
    }
}

/// Best of 5 rounds: microseconds per user of `f` over `users` user rows.
fn time(users: &RowTable, mut f: impl FnMut(&[f32])) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for u in 0..users.rows() {
                f(users.row(u));
            }
            t.elapsed().as_secs_f64() * 1e6 / users.rows() as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("usage: scoring_speed [items factors]"))
        .collect();
    let (items, k) = (
        args.first().copied().unwrap_or(3706),
        args.get(1).copied().unwrap_or(64),
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut random =
        |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-0.5..0.5)).collect() };
    let rows = RowTable::from_dense(items, k, &random(items * k));
    let users = RowTable::from_dense(2000, k, &random(2000 * k));
    let mut want = vec![0.0f32; items];
    let mut out = vec![0.0f32; items];
    let base = time(&users, |x| {
        plain(x, &rows, &mut want);
        black_box(&want);
    });
    println!("{items} items × {k} factors, one thread, µs per user (best of 5 × 2,000 users)");
    println!("  plain per-row loop (before): {base:8.2}");
    for level in Level::available() {
        let us = time(&users, |x| {
            dot_rows_at(level, x, &rows, &mut out);
            black_box(&out);
        });
        plain(users.row(0), &rows, &mut want);
        dot_rows_at(level, users.row(0), &rows, &mut out);
        let worst = want
            .iter()
            .zip(&out)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-4,
            "{:?} disagrees with the plain loop by {worst}",
            level.isa()
        );
        println!(
            "  dot_rows at {:<14} {us:8.2}  ({:.1}× the plain loop)",
            level.isa().name(),
            base / us
        );
    }
}
