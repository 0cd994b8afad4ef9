//! `rustrec demo`: the main job on built-in synthetic data, no files and no network.

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::data::UserIdx;
use rustrec::experiment::LoadedData;
use rustrec::experiment::{
    DataConfig, ExperimentConfig, RunOptions, SplitConfig, SyntheticConfig, TrainConfig,
    ValidationConfig, run,
};
use rustrec::models::bpr::{Bpr, BprParams};
use rustrec::models::mf::{Mf, MfParams};
use rustrec::models::{Exclusion, ModelSpec, Recommender, Threads};
use serde_json::{Value, json};

use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Run the whole pipeline on built-in synthetic data shaped like MovieLens: generate,
/// describe, split 90/10, train matrix factorization with early stopping on a validation
/// split and evaluate RMSE on test; then train BPR-MF on the implicit view (ratings ≥ 4),
/// evaluate its ranking, and show a user's recommendations.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Shape of the synthetic data: ml-100k, ml-1m, ml-10m, ml-20m or netflix.
    #[arg(long, default_value = "ml-100k")]
    pub like: String,
    /// Seed of the data, the split and training.
    #[arg(long, default_value_t = 42, value_parser = super::common::seed_parser())]
    pub seed: u64,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Runs `rustrec demo`.
pub fn run_demo(args: Args, globals: Globals) -> anyhow::Result<()> {
    // Checked before the first line is printed.
    args.like
        .parse::<rustrec::data::synth::Preset>()
        .map_err(|e| anyhow::anyhow!("--like: {e}"))?;
    let bars = Bars::new(globals.quiet);
    let threads = Threads::new(args.threads).context("--threads")?;
    let cfg = ExperimentConfig {
        name: Some("demo".into()),
        data: DataConfig {
            synthetic: Some(SyntheticConfig {
                like: args.like.clone(),
                seed: args.seed,
            }),
            ..Default::default()
        },
        split: Some(SplitConfig::Holdout {
            test_fraction: 0.1,
            seed: args.seed,
        }),
        validation: Some(ValidationConfig {
            fraction: 0.05,
            seed: args.seed,
            ..Default::default()
        }),
        model: ModelSpec::of::<Mf>(
            MfParams::default()
                .factors(40)
                .epochs(40)
                .lr(0.01)
                .reg(0.05),
        ),
        train: TrainConfig {
            seed: args.seed,
            threads: args.threads,
        },
        ..Default::default()
    };
    say!(
        globals.json,
        "== rustrec demo: synthetic data shaped like {} (seed {})",
        args.like,
        args.seed
    );
    let outcome = run(
        &cfg,
        &RunOptions {
            data_dir: None,
            progress: &bars,
            threads: Some(&threads),
        },
    )?;
    let f = &outcome.figures;
    let num = |k: &str| f.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let train = &outcome.data.train;
    let stats = rustrec::data::describe(train);
    say!(
        globals.json,
        "data: {} users, {} items, {} train / {} test ratings, density {:.4}, item Gini {:.3}",
        train.n_users(),
        train.n_items(),
        train.nnz(),
        outcome.data.test.nnz(),
        stats.density,
        stats.gini
    );
    // The baseline every rating model must beat: predicting the training mean.
    let mu = train.mean_value() as f32;
    let test = &outcome.data.test;
    let se: f64 = test
        .iter()
        .map(|(_, _, r)| f64::from((r - mu) * (r - mu)))
        .sum();
    let baseline = (se / test.nnz().max(1) as f64).sqrt();
    say!(
        globals.json,
        "matrix factorization: test RMSE {:.4} (global-mean baseline {:.4}), MAE {:.4}, \
         best epoch {} of {}, trained in {:.2}s at {:.1}M samples/s",
        num("rmse"),
        baseline,
        num("mae"),
        outcome.best_epoch.unwrap_or(0),
        outcome.history.len(),
        num("train_seconds"),
        num("samples_per_sec") / 1e6
    );
    // Ranking: BPR-MF on the implicit view of the same data.
    let implicit = ExperimentConfig {
        name: Some("demo-bpr".into()),
        data: DataConfig {
            implicit_threshold: Some(4.0),
            ..cfg.data.clone()
        },
        validation: None,
        model: ModelSpec::of::<Bpr>(BprParams::default().epochs(25)),
        ..cfg.clone()
    };
    let ranked = run(
        &implicit,
        &RunOptions {
            data_dir: None,
            progress: &bars,
            threads: Some(&threads),
        },
    )?;
    let g = &ranked.figures;
    let rnum = |k: &str| g.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    say!(
        globals.json,
        "BPR-MF on ratings ≥ 4: AUC {:.4}, precision@10 {:.4}, NDCG@10 {:.4} over {} users, \
         trained in {:.2}s",
        rnum("auc"),
        rnum("precision@10"),
        rnum("ndcg@10"),
        g.get("users_evaluated")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        rnum("train_seconds")
    );
    let model = &ranked.model;
    let user = UserIdx(0);
    let threshold = implicit
        .data
        .implicit_threshold
        .unwrap_or(f32::NEG_INFINITY);
    let block = rated_below(&outcome.data, model, user, threshold);
    let exclusion = Exclusion {
        block: &block,
        ..Exclusion::seen(&ranked.data.train)
    };
    let recs = model.recommend(user, 5, &exclusion);
    let user_id = model.user_ids().raw(user.0).to_string();
    say!(
        globals.json,
        "top 5 for user {user_id} (leaving out the items the user rated: those below {threshold} \
         and the training positives; held-out test positives may appear): {}",
        recs.iter()
            .map(|(i, s)| format!("{} ({s:.2})", model.item_ids().raw(i.0)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let recommendations: Vec<Value> = recs
        .iter()
        .map(|(i, s)| json!({"item": model.item_ids().raw(i.0).to_string(), "score": s}))
        .collect();
    let mut report = Report::new();
    for (k, v) in f {
        report.set(k, v.clone());
    }
    report.set_f64("baseline_rmse", baseline);
    for key in ["auc", "precision@10", "ndcg@10"] {
        report.set(
            &format!("bpr_{key}"),
            g.get(key).cloned().unwrap_or(Value::Null),
        );
    }
    report.set_f64("gini", stats.gini);
    report
        .set("user", user_id)
        .set("recommendations", Value::Array(recommendations));
    report.finish(globals.json);
    Ok(())
}

/// The items (dense indices of `model`, sorted) that `user` of `model` rated below
/// `threshold` in the explicit data (its training and test parts). The implicit view of a
/// ranking model drops those ratings, so its training data alone does not leave them out:
/// without this list the demo recommended items the user had rated 3 of 5 as "not seen".
/// Users and items are matched by raw id, so the two runs' id spaces need not agree.
fn rated_below(
    explicit: &LoadedData,
    model: &dyn Recommender,
    user: UserIdx,
    threshold: f32,
) -> Vec<u32> {
    let raw_user = model.user_ids().raw(user.0);
    let mut out = Vec::new();
    for part in [&explicit.train, &explicit.test] {
        let Some(u) = part.user_ids().get(&raw_user) else {
            continue;
        };
        let row = part.row(UserIdx(u));
        for (&i, &v) in row.items.iter().zip(row.values) {
            if v < threshold
                && let Some(m) = model.item_ids().get(&part.item_ids().raw(i))
            {
                out.push(m);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}
