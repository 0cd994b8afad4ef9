//! BPR-MF / WARP-MF (and the baselines) on ML-100K under torchmf's implicit protocol:
//! ratings ≥ 4 are positives; every user with more than 10 positives has 10 random ones
//! held out (seed 2017); per-user AUC over items not in train (ties ½) and precision@5
//! with training items excluded, averaged over the test users.
//!
//! ```text
//! cargo run --release -p rustrec-models --example implicit_ml100k -- \
//!     PATH/TO/ml-100k/u.data '{"loss": "bpr"}' [--threads 2] [--validate] [--seed 42]
//! ```
//! The second argument is a `[model]` table as JSON (`{"kind": "top-pop"}` and
//! `{"kind": "random"}` run the baselines; without `kind`, the keys are BPR parameters).
//! `--validate` tunes honestly: it carves a validation set out of the training data the
//! same way (10 random positives of every user with more than 10) and reports on that
//! instead of the test set.

use std::time::Instant;

use rustrec_data::split::{LeaveOut, leave_k_out};
use rustrec_data::{NoProgress, ReadOptions, read_interactions};
use rustrec_eval::{Metric, RankingConfig, evaluate_ranking};
use rustrec_models::bpr::{Bpr, BprParams};
use rustrec_models::{FitContext, ModelSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().ok_or(
        "usage: implicit_ml100k U.DATA [PARAMS-JSON] [--threads N] [--validate] [--seed S]",
    )?;
    let json = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "{}".into());
    let flag = |name: &str| args.iter().position(|a| a == name);
    let value = |name: &str, default: u64| -> Result<u64, Box<dyn std::error::Error>> {
        Ok(match flag(name) {
            Some(k) => args
                .get(k + 1)
                .ok_or(format!("{name} needs a value"))?
                .parse()?,
            None => default,
        })
    };
    let threads = value("--threads", 2)? as usize;
    let seed = value("--seed", 42)?;
    let validate = flag("--validate").is_some();

    let value: serde_json::Value = serde_json::from_str(&json)?;
    let spec: ModelSpec = if value.get("kind").is_some() {
        serde_json::from_value(value)?
    } else {
        ModelSpec::of::<Bpr>(serde_json::from_value::<BprParams>(value)?)
    };

    let (x, _) = read_interactions(path, &ReadOptions::default(), &NoProgress)?;
    let x = x.to_implicit(4.0);
    let split = leave_k_out(&x, 10, LeaveOut::Random, 2017)?;
    let (train, test) = if validate {
        let inner = leave_k_out(&split.train, 10, LeaveOut::Random, 7)?;
        (inner.train, inner.test)
    } else {
        (split.train, split.test)
    };

    let mut ctx = FitContext::with_threads(seed, threads).unwrap();
    let started = Instant::now();
    let model = spec.fit(&train, &mut ctx)?;
    let seconds = started.elapsed().as_secs_f64();

    let cfg = RankingConfig {
        cutoffs: vec![5],
        metrics: vec![Metric::Precision, Metric::Auc],
        ..RankingConfig::default()
    };
    let m = evaluate_ranking(&model, &train, &test, &cfg)?;
    println!(
        "{} {}: auc {:.4}  precision@5 {:.4}  train {:.3}s  ({} train positives, {} {} positives, {} threads)",
        spec.kind(),
        json,
        m.get("auc").unwrap_or(f64::NAN),
        m.get("precision@5").unwrap_or(f64::NAN),
        seconds,
        train.nnz(),
        test.nnz(),
        if validate { "validation" } else { "test" },
        threads,
    );
    if flag("--profile").is_some() {
        let (samples, epoch_seconds) = ctx.totals();
        println!(
            "  profile: {:?}; {} samples in {:.3}s of epochs",
            ctx.profile, samples, epoch_seconds
        );
    }
    Ok(())
}
