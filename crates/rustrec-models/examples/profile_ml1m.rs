//! Development helper: EASE^R or AsySVD on a MovieLens rating file, 80/20 random holdout,
//! full-ranking metrics at 5, 10 and 20.
//!
//! Usage: `profile_ml1m RATINGS MODEL_JSON [THRESHOLD] [THREADS]`, for example
//! `cargo run --release -p rustrec-models --example profile_ml1m -- \
//!   PATH/TO/ml-1m/ratings.dat '{"kind": "ease", "lambda": 500}'`.
//! Ratings ≥ THRESHOLD (default 1: every rating) become positives with value 1 unless
//! THRESHOLD is `values`, which keeps the ratings.
use std::time::Instant;

use rustrec_data::{NoProgress, ReadOptions, read_interactions, split::holdout};
use rustrec_eval::{RankingConfig, evaluate_ranking};
use rustrec_models::{FitContext, ModelSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (path, spec) = match (args.get(1), args.get(2)) {
        (Some(p), Some(s)) => (p, serde_json::from_str::<ModelSpec>(s)?),
        _ => return Err("usage: profile_ml1m RATINGS MODEL_JSON [THRESHOLD] [THREADS]".into()),
    };
    let threshold = args.get(3).map_or("1", String::as_str);
    let threads: usize = args.get(4).map_or(Ok(2), |t| t.parse())?;
    let (x, _) = read_interactions(path, &ReadOptions::default(), &NoProgress)?;
    let x = if threshold == "values" {
        x
    } else {
        x.to_implicit(threshold.parse()?)
    };
    let split = holdout(&x, 0.2, 42)?;
    let mut ctx = FitContext::with_threads(42, threads).unwrap();
    let started = Instant::now();
    let model = spec.fit(&split.train, &mut ctx)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let metrics = evaluate_ranking(
        model.as_recommender(),
        &split.train,
        &split.test,
        &RankingConfig::with_cutoffs(&[5, 10, 20]),
    )?;
    println!(
        "{} on {} users × {} items, {} train / {} test; fit {fit_seconds:.2}s ({} epochs, \
         best {:?}), evaluation {:.2}s",
        spec.kind(),
        x.n_users(),
        x.n_items(),
        split.train.nnz(),
        split.test.nnz(),
        ctx.history.len(),
        ctx.best_epoch,
        started.elapsed().as_secs_f64()
    );
    for r in &ctx.history {
        println!(
            "  epoch {} loss {:.5} {:.2}s",
            r.epoch, r.train_loss, r.seconds
        );
    }
    for name in ["precision@10", "recall@10", "ndcg@10", "map@10", "auc"] {
        println!("  {name} {:.4}", metrics.get(name).unwrap_or(f64::NAN));
    }
    Ok(())
}
