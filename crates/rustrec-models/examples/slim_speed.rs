//! SLIM-MSE SGD speed on a rating file: the course notebook's algorithm (diagonal included,
//! lr 1e-4, `nnz` samples per epoch) on an 80/20 random holdout (seed 42), as the Cython
//! reference `bench/slim_mse_cython.py` runs it.
//!
//! ```text
//! cargo run --release -p rustrec-models --example slim_speed -- \
//!     PATH/TO/ml-1m/ratings.dat [threads=2] [epochs=2] [exclude_diagonal=false]
//! ```
//! Prints one line per epoch (mean squared error of the samples, samples/s) and a JSON
//! summary line.

use rustrec_data::read::{ReadOptions, read_interactions};
use rustrec_data::{NoProgress, split::holdout};
use rustrec_models::slim::SlimMseParams;
use rustrec_models::{Fit, FitContext};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: slim_speed RATINGS [threads] [epochs] [exclude_diagonal]")?;
    let threads: usize = args.get(2).map_or(Ok(2), |s| s.parse())?;
    let epochs: usize = args.get(3).map_or(Ok(2), |s| s.parse())?;
    let exclude: bool = args.get(4).map_or(Ok(false), |s| s.parse())?;
    let (x, _) = read_interactions(path, &ReadOptions::default(), &NoProgress)?;
    let split = holdout(&x, 0.2, 42)?;
    let train = split.train;
    let params = SlimMseParams::default()
        .lr(1e-4)
        .epochs(epochs)
        .exclude_diagonal(exclude)
        .check()?;
    let mut ctx = FitContext::with_threads(42, threads).unwrap();
    let started = std::time::Instant::now();
    let model = params.fit(&train, &mut ctx)?;
    let wall = started.elapsed().as_secs_f64();
    for r in &ctx.history {
        println!(
            "epoch {}  mse {:.4}  {:.0} samples/s  {:.3}s",
            r.epoch, r.train_loss, r.samples_per_sec, r.seconds
        );
    }
    let (samples, secs) = ctx.totals();
    println!(
        "{}",
        serde_json::json!({
            "file": path,
            "n_users": train.n_users(), "n_items": train.n_items(), "n_train": train.nnz(),
            "threads": threads, "epochs": epochs, "exclude_diagonal": exclude,
            "train_mse_of_samples_per_epoch": ctx.history.iter().map(|r| r.train_loss).collect::<Vec<_>>(),
            "samples_per_sec": samples as f64 / secs,
            "train_seconds": secs, "fit_wall_seconds": wall,
            "final_nnz": model.similarity().nnz(),
        })
    );
    Ok(())
}
