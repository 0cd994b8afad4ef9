//! Implicit ALS on MovieLens `ratings.dat` as implicit feedback (every rating a positive):
//! seconds per iteration on the full data (the `implicit` package's timing workload), then
//! NDCG@10 on an 80/20 holdout, and the fold-in overlap@10.
//!
//! `cargo run --release -p rustrec --example als_ml1m -- PATH/TO/ml-1m/ratings.dat [threads] [solver]`
//! (`solver`: `cg` (3 steps, default) or `cholesky`). With `ALS_EXPORT_SPLIT=DIR` the
//! holdout split is also written to `DIR/train.tsv` and `DIR/test.tsv` (dense indices).

use rustrec_data::{Format, NoProgress, ReadOptions, UserIdx, read_interactions, split};
use rustrec_eval::{RankingConfig, evaluate_ranking};
use rustrec_models::als::{AlsParams, Solver};
use rustrec_models::{Exclusion, Fit, FitContext, FoldIn, Recommender};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: als_ml1m RATINGS [threads] [cg|cholesky]")?;
    let threads: usize = args.get(2).map_or(Ok(2), |t| t.parse())?;
    let solver = match args.get(3).map(String::as_str) {
        Some("cholesky") => Solver::Cholesky,
        _ => Solver::Cg { steps: 3 },
    };
    let (x, _) = read_interactions(path, &ReadOptions::new(Format::MlDat), &NoProgress)?;
    let x = x.to_implicit(0.0);
    let params = AlsParams::default()
        .implicit(true)
        .factors(64)
        .iterations(15)
        .reg(0.01)
        .alpha(1.0)
        .solver(solver)
        .check()?;
    let mut ctx = FitContext::with_threads(42, threads).unwrap();
    params.fit(&x, &mut ctx)?;
    let secs: Vec<f64> = ctx.history.iter().map(|r| r.seconds).collect();
    let mean = secs.iter().sum::<f64>() / secs.len() as f64;
    println!(
        "full data: {} users, {} items, nnz {}; s/iter {:.4} (per iteration: {:?})",
        x.n_users(),
        x.n_items(),
        x.nnz(),
        mean,
        secs.iter()
            .map(|s| (s * 1e4).round() / 1e4)
            .collect::<Vec<_>>()
    );
    println!(
        "loss per iteration: {:?}",
        ctx.history.iter().map(|r| r.train_loss).collect::<Vec<_>>()
    );

    let s = split::holdout(&x, 0.2, 42)?;
    if let Ok(dir) = std::env::var("ALS_EXPORT_SPLIT") {
        // Dense-index TSVs of the split, for running a peer on exactly the same data.
        for (name, part) in [("train.tsv", &s.train), ("test.tsv", &s.test)] {
            let mut out = String::new();
            for (u, i, v) in part.iter() {
                out.push_str(&format!("{}\t{}\t{v}\n", u.0, i.0));
            }
            std::fs::write(std::path::Path::new(&dir).join(name), out)?;
        }
    }
    let mut ctx = FitContext::with_threads(42, threads).unwrap();
    let model = params.fit(&s.train, &mut ctx)?;
    let m = evaluate_ranking(
        &model,
        &s.train,
        &s.test,
        &RankingConfig::with_cutoffs(&[10]),
    )?;
    println!(
        "holdout 80/20 seed 42: ndcg@10 {:.4}  precision@10 {:.4}",
        m.get("ndcg@10").unwrap_or(f64::NAN),
        m.get("precision@10").unwrap_or(f64::NAN)
    );

    // Fold-in: a training user's own history scored from scratch vs the trained row.
    let (mut overlap, mut n) = (0.0, 0usize);
    let mut scores = vec![0.0; model.n_items()];
    for u in (0..s.train.n_users()).step_by(10) {
        let user = UserIdx(u as u32);
        let row = s.train.row(user);
        if row.is_empty() {
            continue;
        }
        let history: Vec<_> = row
            .items
            .iter()
            .zip(row.values)
            .map(|(&i, &v)| (rustrec_data::ItemIdx(i), v))
            .collect();
        model.score_profile(&history, &mut scores);
        let folded = rustrec_models::topn::top_n(&scores, 10, |i| !row.contains(i));
        let trained = model.recommend(user, 10, &Exclusion::seen(&s.train));
        let hits = folded
            .iter()
            .filter(|(i, _)| trained.iter().any(|(t, _)| t.0 == *i))
            .count();
        overlap += hits as f64 / 10.0;
        n += 1;
    }
    println!(
        "fold-in overlap@10 over {n} users: {:.3}",
        overlap / n as f64
    );
    Ok(())
}
