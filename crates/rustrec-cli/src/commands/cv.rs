//! `rustrec cv`: cross-validation of a configuration (library: `rustrec::cv`).

use clap::Args as ClapArgs;
use rustrec::cv::{Folds, cross_validate};
use rustrec::experiment::RunOptions;
use rustrec::models::Threads;
use serde_json::Value;

use super::experiment_args::ExperimentArgs;
use super::report::{check_paths, data_inputs};
use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Cross-validate a configuration: K seeded random folds of its data (its ratings file, or
/// its train and test files together; every interaction in exactly one test fold), or given
/// fold files; per-fold figures with their mean and standard deviation.
///
/// Examples:
///   rustrec cv --config examples/ml100k-ua-mf-sgd.toml --data-dir ml-100k --folds 5
///   rustrec cv --config examples/ml100k-ua-mf-sgd.toml --data-dir ml-100k \
///     --folds 5 --folds-files 'u{}.base,u{}.test'
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The configuration, its data, overrides and threads.
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Predefined folds: TRAIN,TEST file names with {} for the fold number 1..=K, such as
    /// 'u{}.base,u{}.test' (relative to --data-dir).
    #[arg(long)]
    pub folds_files: Option<String>,
    /// Seed of the random folds [default: 42]; refused with --folds-files, whose folds are
    /// given.
    #[arg(long, value_parser = super::common::seed_parser())]
    pub seed: Option<u64>,
}

/// The seed of the random folds when `--seed` is not given.
const DEFAULT_SEED: u64 = 42;

/// Runs `rustrec cv`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    // `--seed` seeds the folds, not a config key: `--set train.seed` beside it is no clash.
    let (_, cfg) = args.experiment.config(&[])?;
    check_paths(&data_inputs(&cfg, args.experiment.data_dir.as_deref()), &[])?;
    let folds = match &args.folds_files {
        Some(pattern) => {
            if let Some(seed) = args.seed {
                anyhow::bail!(
                    "--seed {seed}: the seed draws random folds, but --folds-files {pattern} \
                     gives the folds; leave --seed out"
                );
            }
            Folds::Files {
                pattern: pattern.clone(),
                k: args.folds,
            }
        }
        None => Folds::Random {
            k: args.folds,
            seed: args.seed.unwrap_or(DEFAULT_SEED),
        },
    };
    let threads = Threads::new(args.experiment.threads.unwrap_or(cfg.train.threads))?;
    let bars = Bars::new(globals.quiet);
    let opts = RunOptions {
        data_dir: args.experiment.data_dir.as_deref(),
        progress: &bars,
        threads: Some(&threads),
    };
    let json = globals.json;
    let headline = |f: &serde_json::Map<String, Value>| -> String {
        f.iter()
            .filter(|(k, _)| matches!(k.as_str(), "rmse" | "mae" | "auc") || k.ends_with("@10"))
            .filter(|(k, _)| !k.starts_with("validation_"))
            .map(|(k, v)| format!("{k} {:.4}", v.as_f64().unwrap_or(f64::NAN)))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let cv = cross_validate(&cfg, &folds, &opts, &mut |f, outcome| {
        say!(
            json,
            "fold {f}: {} train / {} test  {}",
            outcome.data.train.nnz(),
            outcome.data.test.nnz(),
            headline(&outcome.figures)
        );
    })?;
    // `rustrec::cv::summarize` gives `null` standard deviations over a single fold.
    let std = cv.std;
    let summary: Vec<String> = cv
        .mean
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "rmse" | "mae" | "auc") || k.ends_with("@10"))
        .filter(|(k, _)| !k.starts_with("validation_"))
        .map(|(k, m)| {
            let s = match std.get(k).and_then(Value::as_f64) {
                Some(s) => format!("{s:.4}"),
                None => "n/a".to_string(),
            };
            format!("{k} {:.4} ± {s}", m.as_f64().unwrap_or(f64::NAN))
        })
        .collect();
    say!(
        json,
        "mean ± std over {} fold{}: {}",
        cv.folds.len(),
        if cv.folds.len() == 1 { "" } else { "s" },
        summary.join("  ")
    );
    let mut report = Report::new();
    report.set("k", cv.folds.len());
    report.set(
        "folds",
        Value::Array(cv.folds.iter().cloned().map(Value::Object).collect()),
    );
    report.set("mean", Value::Object(cv.mean));
    report.set("std", Value::Object(std));
    report.finish(globals.json);
    Ok(())
}
