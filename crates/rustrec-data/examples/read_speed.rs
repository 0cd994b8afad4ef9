//! Measures the rating reader: `cargo run --release -p rustrec-data --example read_speed -- FILE [RUNS]`.
//!
//! Prints, per run, the seconds spent parsing (`read_triplets`) and building the matrix
//! (`Triplets::build`), and the lines per second of the whole read.

use std::sync::Arc;
use std::time::Instant;

use rustrec_data::{IdMap, NoProgress, ReadOptions, read_triplets};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: read_speed FILE [RUNS]")?;
    let runs: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let options = ReadOptions::default();
    for run in 1..=runs {
        let t0 = Instant::now();
        let (mut users, mut items) = (IdMap::new_int(), IdMap::new_int());
        let (triplets, report) =
            read_triplets(&path, &options, &mut users, &mut items, &NoProgress)?;
        let parsed = t0.elapsed().as_secs_f64();
        let x = triplets.build(Arc::new(users), Arc::new(items), options.duplicates)?;
        let total = t0.elapsed().as_secs_f64();
        // Correctness inside the benchmark: every line is a row, every row an interaction.
        assert_eq!(report.rows as usize, x.nnz());
        println!(
            "run {run}: {} lines, parse {parsed:.3} s ({:.2} M lines/s), build {:.3} s, total {total:.3} s ({:.2} M lines/s); {} users, {} items",
            report.lines,
            report.lines as f64 / parsed / 1e6,
            total - parsed,
            report.lines as f64 / total / 1e6,
            x.n_users(),
            x.n_items()
        );
    }
    Ok(())
}
