//! Scoring every item for a block of users, single-threaded: [`dot_rows`] one user at a
//! time (four rows per step) against [`dot_rows_many`] (item tiles, two users per step
//! when the factor count is a multiple of 16), in ns per (user, item) pair, for a
//! Netflix-sized catalogue (17,770 items) and 64 users; both give the same bits.
//!
//! `cargo run --release -p rustrec-models --example block_scoring_speed`

use std::time::Instant;

use rustrec_models::engine::RowTable;
use rustrec_models::engine::scoring::{dot_rows, dot_rows_many};

fn main() {
    let (items, users) = (17_770usize, 64usize);
    for k in [32usize, 40, 64, 128] {
        let values = |n: usize, m: usize| -> Vec<f32> {
            (0..n)
                .map(|x| ((x * m % 101) as f32 - 50.0) / 101.0)
                .collect()
        };
        let rows = RowTable::from_dense(items, k, &values(items * k, 37));
        let user_rows = values(users * k, 13);
        let xs: Vec<&[f32]> = user_rows.chunks(k).collect();
        let reps = 40;
        let pairs = (reps * users * items) as f64;

        let mut one = vec![0f32; users * items];
        let t = Instant::now();
        for _ in 0..reps {
            for (x, out) in xs.iter().zip(one.chunks_exact_mut(items)) {
                dot_rows(x, &rows, out);
            }
        }
        let one_ns = t.elapsed().as_secs_f64() * 1e9 / pairs;

        let mut many = vec![0f32; users * items];
        let t = Instant::now();
        for _ in 0..reps {
            dot_rows_many(&xs, &rows, &mut many);
        }
        let many_ns = t.elapsed().as_secs_f64() * 1e9 / pairs;

        let same = one
            .iter()
            .zip(&many)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "dot_rows_many differs from dot_rows at k = {k}");
        println!(
            "k = {k:>3}: dot_rows one user at a time {one_ns:5.2} ns/pair, dot_rows_many \
             {many_ns:5.2} ns/pair ({:.2}x)",
            many_ns / one_ns
        );
    }
}
