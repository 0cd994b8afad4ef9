//! Per-call cost of a k×k Cholesky solve (the ALS exact row solver) for k = 16, 64, 128:
//! the hand-written in-place solver (`engine::linalg::cholesky_solve`) against faer's `Mat::llt(Side::Lower)` + `solve`.
//!
//! `cargo run --release -p rustrec-models --example als_cholesky_bench`

use std::time::Instant;

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use rustrec_models::engine::linalg::cholesky_solve;

fn main() {
    for d in [16usize, 64, 128] {
        // A = MᵀM + d·I for a fixed pseudo-random M.
        let m: Vec<f64> = (0..d * d)
            .map(|v| ((v * 7919 % 1000) as f64) / 1000.0 - 0.5)
            .collect();
        let mut a = vec![0.0; d * d];
        for r in 0..d {
            for c in 0..d {
                a[r * d + c] = (0..d).map(|k| m[k * d + r] * m[k * d + c]).sum::<f64>()
                    + if r == c { d as f64 } else { 0.0 };
            }
        }
        let b: Vec<f64> = (0..d).map(|v| v as f64 * 0.01).collect();
        let reps = 200_000 / d;
        let (mut wa, mut wb) = (a.clone(), b.clone());
        let t = Instant::now();
        for _ in 0..reps {
            wa.copy_from_slice(&a);
            wb.copy_from_slice(&b);
            assert!(cholesky_solve(&mut wa, &mut wb, d));
        }
        let hand_us = t.elapsed().as_secs_f64() / reps as f64 * 1e6;
        let fa = Mat::from_fn(d, d, |r, c| a[r * d + c]);
        let fb = Mat::from_fn(d, 1, |r, _| b[r]);
        let t = Instant::now();
        let mut x = Mat::<f64>::zeros(d, 1);
        for _ in 0..reps {
            let llt = fa.llt(Side::Lower).expect("positive definite");
            x = llt.solve(&fb);
        }
        let faer_us = t.elapsed().as_secs_f64() / reps as f64 * 1e6;
        let err = (0..d)
            .map(|r| (x[(r, 0)] - wb[r]).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-9, "solutions differ by {err}");
        println!(
            "k = {d:>3}: hand-written {hand_us:8.2} µs/solve, faer llt+solve {faer_us:8.2} µs/solve"
        );
    }
}
