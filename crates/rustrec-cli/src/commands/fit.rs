//! `rustrec fit`: train a model (from a TOML experiment config and/or options), evaluate it
//! on test, optionally save it, plot its learning curve and profile where the time went.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::data::paths::check_outputs;
use rustrec::experiment::{ExperimentConfig, RunHooks, RunOptions, run_with, set_value};
use rustrec::models::registry::family_or_error;
use rustrec::models::{Task, Threads, TrainedModel};
use serde_json::Value;

use super::experiment_args::{FlagKey, apply_sets, switch_kind};
use crate::Globals;
use crate::output::{Report, human_line};
use crate::plot::plot_learning_curve_tracked;
use crate::progress::Bars;

/// Train a model and evaluate it. Settings come from a TOML experiment config
/// (`--config`), overridden by the options below (`--set KEY=VALUE` for any key).
///
/// Examples:
///   rustrec fit --config examples/ml100k-ua-mf.toml --data-dir ml-100k
///   rustrec fit --train ua.base --test ua.test --model mf --factors 40 --epochs 20
///   rustrec fit --synthetic ml-100k --split holdout:0.1 --out model.safetensors
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Experiment configuration (TOML).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Directory that the config's relative data paths are resolved against.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// One rating file, split by --split (overrides data.ratings).
    #[arg(long)]
    pub ratings: Option<PathBuf>,
    /// Predefined training file (overrides data.train; give --test too).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Predefined test file (overrides data.test).
    #[arg(long)]
    pub test: Option<PathBuf>,
    /// Built-in synthetic data shaped like ml-100k, ml-1m, ml-10m, ml-20m or netflix.
    #[arg(long)]
    pub synthetic: Option<String>,
    /// Item file (u.item, movies.dat, movies.csv) for models that use item content
    /// (item-knn-cbf, hybrid; see `rustrec models`).
    #[arg(long)]
    pub item_file: Option<PathBuf>,
    /// File format: auto, ml-tab, ml-dat, ml-csv, csv, tsv.
    #[arg(long)]
    pub format: Option<String>,
    /// Treat values ≥ this as positives (1) and drop the others (implicit feedback).
    #[arg(long)]
    pub implicit_threshold: Option<f32>,
    /// Split of a single file: holdout:FRACTION, leave-k-out:K, temporal:FRACTION (another
    /// kind than the config's [split] starts the section afresh: no key of the old kind
    /// carries over).
    #[arg(long)]
    pub split: Option<String>,
    /// Seed of the split.
    #[arg(long, value_parser = super::common::seed_parser())]
    pub split_seed: Option<u64>,
    /// Model kind: mf, bpmf, bpr, als, ials, ease, slim-mse, item-knn, ... (`rustrec models`
    /// lists every kind with its parameters).
    #[arg(long)]
    pub model: Option<String>,
    /// Latent factors.
    #[arg(long)]
    pub factors: Option<usize>,
    /// Training rounds: the kind's `epochs` (mf, bpr, ...) or `iterations` (als, ials,
    /// bpmf); refused for kinds that train in one pass (ease, item-knn, ...).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Regularisation λ.
    #[arg(long)]
    pub reg: Option<f64>,
    /// Optimizer: sgd, momentum, adagrad, rmsprop, adam, adamw.
    #[arg(long)]
    pub optimizer: Option<String>,
    /// Hold out this fraction of train for validation and early stopping.
    #[arg(long)]
    pub validation: Option<f64>,
    /// Early-stopping patience in epochs (needs a validation split: --validation F, or the
    /// config's [validation]).
    #[arg(long)]
    pub patience: Option<usize>,
    /// After early stopping, retrain on all training data for the best epoch count (needs a
    /// validation split, as --patience does).
    #[arg(long)]
    pub refit: bool,
    /// Seed of training (results are the same for any thread count).
    #[arg(long, value_parser = super::common::seed_parser())]
    pub seed: Option<u64>,
    /// Worker threads (0 = one per core, at most 256); results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Ranking cutoffs, e.g. 5,10,20 (also computes ranking metrics for rating models).
    #[arg(long, value_delimiter = ',')]
    pub cutoffs: Option<Vec<usize>>,
    /// Any config key, e.g. --set model.dropout=0.02 --set eval.ranking=true (a key a flag
    /// sets is refused; --set split.kind=K switching the kind starts [split] from K's
    /// defaults).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Save the trained model here (safetensors; numpy and PyTorch can open it).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the factor matrices as .npy files into this directory.
    #[arg(long)]
    pub export_npy: Option<PathBuf>,
    /// Draw the learning curve (train loss, validation metric per epoch) to FILE.svg/.png.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Print where the time went (data, sampling, gradient and update, evaluation).
    #[arg(long)]
    pub profile: bool,
    /// Write an HTML report (metrics, learning curves, per-user distributions, popularity
    /// bias) to FILE.html.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Several processes, checkpoints.
    #[command(flatten)]
    pub dist: super::dist::DistArgs,
}

fn absolute(p: &Path) -> anyhow::Result<String> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    };
    Ok(abs.to_string_lossy().into_owned())
}

/// The configuration: the file's keys, then the options on top.
fn build_config(args: &Args) -> anyhow::Result<ExperimentConfig> {
    let mut table: toml::Table = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config {}", path.display()))?;
            let table: toml::Table =
                toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
            if let Some(key) = search_space_parameter(&table, "") {
                anyhow::bail!(
                    "--config {}: is a search space for `rustrec tune` ([{key}] has type = \
                     \"int\", \"float\" or \"choice\"), not an experiment config; train \
                     with an experiment config (such as examples/ml1m-mf.toml), or search with \
                     `rustrec tune --config EXPERIMENT.toml --space {}`",
                    path.display(),
                    path.display()
                );
            }
            table
        }
        None => toml::Table::new(),
    };
    let mut set = |key: &str, value: toml::Value| set_value(&mut table, key, value);
    let s = |v: String| toml::Value::String(v);
    if let Some(p) = &args.ratings {
        set("data.ratings", s(absolute(p)?))?;
    }
    if let Some(p) = &args.train {
        set("data.train", s(absolute(p)?))?;
    }
    if let Some(p) = &args.test {
        set("data.test", s(absolute(p)?))?;
    }
    if args.ratings.is_some() || args.train.is_some() || args.synthetic.is_some() {
        // Data given on the command line replaces the config's data source.
        if let Some(data) = table.get_mut("data").and_then(|d| d.as_table_mut()) {
            if args.ratings.is_none() {
                data.remove("ratings");
            }
            if args.train.is_none() {
                data.remove("train");
                data.remove("test");
            }
            data.remove("synthetic");
        }
        if args.train.is_some() {
            table.remove("split");
        }
    }
    // A `--split` of another kind than the config's starts `[split]` from that kind's
    // defaults (as a `--set split.kind` does): no key of the old kind carries over.
    if let Some(spec) = &args.split {
        let kind = spec.split_once(':').map_or(spec.as_str(), |(kind, _)| kind);
        switch_kind(&mut table, "split", kind)?;
    }
    // Whether the config file chooses a validation split (`--patience` and `--refit` need
    // one; they do not make one up).
    let file_validates = table.contains_key("validation");
    // The keys the flags set, so that a `--set` of one of them is refused, not obeyed.
    let mut by_flags: Vec<&'static str> = Vec::new();
    let mut set = |key: &'static str, value: toml::Value| {
        by_flags.push(key);
        set_value(&mut table, key, value)
    };
    if let Some(like) = &args.synthetic {
        set("data.synthetic.like", s(like.clone()))?;
    }
    if let Some(f) = &args.format {
        set("data.format", s(f.clone()))?;
    }
    if let Some(t) = args.implicit_threshold {
        if !t.is_finite() {
            anyhow::bail!("--implicit-threshold {t}: expected a finite number, such as 4");
        }
        set("data.implicit_threshold", toml::Value::Float(f64::from(t)))?;
    }
    if let Some(p) = &args.item_file {
        set("data.item_file", s(absolute(p)?))?;
    }
    if let Some(spec) = &args.split {
        let (kind, arg) = spec.split_once(':').unwrap_or((spec.as_str(), ""));
        set("split.kind", s(kind.to_string()))?;
        match kind {
            "holdout" | "temporal" => set(
                "split.test_fraction",
                toml::Value::Float(
                    arg.parse()
                        .with_context(|| format!("--split {spec}: fraction"))?,
                ),
            )?,
            "leave-k-out" => set(
                "split.k",
                toml::Value::Integer(arg.parse().with_context(|| format!("--split {spec}: k"))?),
            )?,
            other => {
                anyhow::bail!("--split {other}: expected holdout:F, leave-k-out:K or temporal:F")
            }
        }
    }
    if let Some(seed) = args.split_seed {
        match table
            .get("split")
            .and_then(|t| t.get("kind"))
            .and_then(toml::Value::as_str)
        {
            Some("holdout" | "leave-k-out") => {}
            kind => anyhow::bail!(
                "--split-seed {seed}: {}; the seed applies to a holdout or leave-k-out split \
                 (--split holdout:F, or split.kind in the config)",
                match kind {
                    Some(kind) => format!("the split `{kind}` is not random"),
                    None => "there is no split to seed".to_string(),
                }
            ),
        }
        by_flags.push("split.seed");
        set_value(&mut table, "split.seed", toml::Value::Integer(seed as i64))?;
    }
    // As for `--split`: a `--model` of another kind than the config's starts `[model]`
    // from that kind's defaults (the flags below then write into it).
    if let Some(m) = &args.model {
        switch_kind(&mut table, "model", m)?;
    }
    let mut set = |key: &'static str, value: toml::Value| {
        by_flags.push(key);
        set_value(&mut table, key, value)
    };
    if let Some(m) = &args.model {
        set("model.kind", s(m.clone()))?;
    }
    if let Some(k) = args.factors {
        set("model.factors", toml::Value::Integer(k as i64))?;
    }
    if let Some(lr) = args.lr {
        set("model.lr", toml::Value::Float(lr))?;
    }
    if let Some(reg) = args.reg {
        set("model.reg", toml::Value::Float(reg))?;
    }
    if let Some(o) = &args.optimizer {
        // The whole table: constants of another optimizer in the config do not carry over.
        let mut t = toml::Table::new();
        t.insert("kind".into(), s(o.clone()));
        set("model.optimizer", toml::Value::Table(t))?;
    }
    if let Some(f) = args.validation {
        if !(f > 0.0 && f < 1.0) {
            anyhow::bail!(
                "--validation {f}: expected a fraction of train strictly between 0 and 1, such \
                 as 0.1"
            );
        }
        set("validation.fraction", toml::Value::Float(f))?;
    }
    if let Some(p) = args.patience {
        set("validation.patience", toml::Value::Integer(p as i64))?;
    }
    if args.refit {
        set("validation.refit", toml::Value::Boolean(true))?;
    }
    if let Some(seed) = args.seed {
        set("train.seed", toml::Value::Integer(seed as i64))?;
    }
    if let Some(t) = args.threads {
        set("train.threads", toml::Value::Integer(t as i64))?;
    }
    if let Some(c) = &args.cutoffs {
        if let Some(bad) = c.iter().find(|&&k| k == 0) {
            anyhow::bail!(
                "--cutoffs: {bad} is not a cutoff; give whole numbers ≥ 1, such as 5,10,20"
            );
        }
        set(
            "eval.cutoffs",
            toml::Value::Array(c.iter().map(|&k| toml::Value::Integer(k as i64)).collect()),
        )?;
        // Cutoffs asked for are computed, for rating models too.
        set("eval.ranking", toml::Value::Boolean(true))?;
    }
    if args.validation.is_some()
        && let Some(v) = table.get_mut("validation").and_then(|v| v.as_table_mut())
    {
        // The flag chooses the validation rows: the config's per-user `k` gives way (a
        // `--set validation.k` next to the flag is refused as two choices).
        v.remove("k");
    }
    let by_flags: Vec<FlagKey> = by_flags
        .into_iter()
        .map(|key| FlagKey {
            flag: flag_of(key),
            key,
        })
        .collect();
    apply_sets(&mut table, &args.set, &by_flags)?;
    check_validation_chosen(args, &table, file_validates)?;
    let has_kind = table
        .get("model")
        .and_then(|m| m.as_table())
        .is_some_and(|m| m.contains_key("kind"));
    if !has_kind {
        set_value(&mut table, "model.kind", s("mf".into()))?;
    }
    let mut cfg = ExperimentConfig::from_value(table)?;
    if let Some(epochs) = args.epochs {
        cfg.model = with_epochs_flag(&cfg.model, epochs, &args.set)?;
    }
    Ok(cfg)
}

/// The first table under `table` (named by its dotted path below `prefix`) that describes a
/// `rustrec tune` search-space parameter (`type = "int" | "float" | "choice"`); no key of
/// an experiment config is spelled `type`.
fn search_space_parameter(table: &toml::Table, prefix: &str) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        let sub = value.as_table()?;
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let is_parameter = sub
            .get("type")
            .and_then(toml::Value::as_str)
            .is_some_and(|t| matches!(t, "int" | "float" | "choice"));
        if is_parameter {
            Some(name)
        } else {
            search_space_parameter(sub, &name)
        }
    })
}

/// Refuses `--patience` and `--refit` when nothing chooses a validation split (the
/// config's `[validation]`, `--validation F`, or a `--set` of `validation.fraction` or
/// `validation.k`): early stopping needs validation rows, and how many is not for the flag
/// to guess (it used to hold out 10% of train without a word).
fn check_validation_chosen(
    args: &Args,
    table: &toml::Table,
    file_validates: bool,
) -> anyhow::Result<()> {
    let chosen = file_validates
        || table
            .get("validation")
            .and_then(toml::Value::as_table)
            .is_some_and(|v| v.contains_key("fraction") || v.contains_key("k"));
    let flag = match (args.patience, args.refit) {
        (Some(p), _) => format!("--patience {p}"),
        (None, true) => "--refit".to_string(),
        (None, false) => return Ok(()),
    };
    if !chosen {
        anyhow::bail!(
            "{flag}: there is no validation split to stop early on; choose one with \
             --validation F (such as --validation 0.1 for 10% of train), or with \
             validation.fraction or validation.k (the config's [validation], or --set)"
        );
    }
    Ok(())
}

/// The flag of `fit` that sets config key `key` (one `build_config` records).
fn flag_of(key: &str) -> &'static str {
    match key {
        "data.synthetic.like" => "--synthetic",
        "data.format" => "--format",
        "data.implicit_threshold" => "--implicit-threshold",
        "data.item_file" => "--item-file",
        "split.kind" | "split.test_fraction" | "split.k" => "--split",
        "split.seed" => "--split-seed",
        "model.kind" => "--model",
        "model.factors" => "--factors",
        "model.lr" => "--lr",
        "model.reg" => "--reg",
        "model.optimizer" => "--optimizer",
        "validation.fraction" => "--validation",
        "validation.patience" => "--patience",
        "validation.refit" => "--refit",
        "train.seed" => "--seed",
        "train.threads" => "--threads",
        "eval.cutoffs" | "eval.ranking" => "--cutoffs",
        _ => "a flag",
    }
}

/// `--epochs N` for the model's kind: the family's own epoch or iteration count (`epochs`
/// of mf and bpr, `iterations` of als and ials, ...). Refused for a kind that does not
/// train in rounds, and next to a `--set` of that count (which of the two would count is
/// not for us to guess).
fn with_epochs_flag(
    model: &rustrec::models::ModelSpec,
    epochs: usize,
    sets: &[String],
) -> anyhow::Result<rustrec::models::ModelSpec> {
    let kind = model.kind();
    if model.epochs().is_none() {
        anyhow::bail!(
            "--epochs {epochs}: a {kind} model does not train in epochs or iterations \
             (`rustrec models {kind}` lists its parameters)"
        );
    }
    let round_keys = ["model.epochs", "model.iterations"];
    if let Some(kv) = sets.iter().find(|kv| {
        kv.split_once('=')
            .is_some_and(|(k, _)| round_keys.contains(&k.trim()))
    }) {
        anyhow::bail!(
            "--epochs {epochs} and --set {kv} both set the {kind} model's rounds; give one"
        );
    }
    if epochs == 0 {
        anyhow::bail!("--epochs 0: a model trains for at least 1 epoch (or iteration)");
    }
    let model = model.with_epochs(epochs);
    if let Some(other) = model.epochs().filter(|&n| n != epochs) {
        // BPMF keeps at least one sample past its burn-in.
        anyhow::bail!(
            "--epochs {epochs}: a {kind} model with these parameters trains at least {other} \
             rounds (`rustrec models {kind}` says which parameter sets the least)"
        );
    }
    model.check()?;
    Ok(model)
}

/// Runs `rustrec fit`.
pub fn run_fit(args: Args, globals: Globals) -> anyhow::Result<()> {
    let cfg = build_config(&args)?;
    check_writable_outputs(&args, &cfg)?;
    let threads = Threads::new(cfg.train.threads).context("--threads / train.threads")?;
    let checkpoint = super::dist::checkpointing(&args.dist, &cfg)?;
    let cluster = super::dist::start(&args.dist)?;
    if let Some(c) = &cluster {
        super::dist::check_same_settings(c, &cfg, args.data_dir.as_deref())?;
    }
    let leader = cluster.as_ref().is_none_or(|c| c.process == 0);
    let bars = Bars::new(globals.quiet || !leader);
    let outcome = run_with(
        &cfg,
        &RunOptions {
            data_dir: args.data_dir.as_deref(),
            progress: &bars,
            threads: Some(&threads),
        },
        RunHooks {
            evaluate_test: leader,
            cluster: cluster.as_ref().map(|c| c.handle.clone()),
            checkpoint,
            // Only the model file and the report read the training data after the fit.
            release_train: args.out.is_none() && args.report.is_none(),
            ..RunHooks::default()
        },
    )?;
    if let Some(c) = &cluster {
        c.finish()?;
        if !leader {
            // Only process 0 writes the model and the report; --json still gets one object.
            if globals.json {
                println!(
                    "{}",
                    serde_json::json!({ "process": c.process, "processes": c.processes })
                );
            }
            return Ok(());
        }
    }
    let mut report = Report::new();
    for (k, v) in &outcome.figures {
        report.set(k, v.clone());
    }
    if let Some(name) = &cfg.name {
        report.set("name", name.clone());
    }
    if let Some(c) = &cluster {
        report.set("processes", c.processes);
        report.set("workers", c.workers);
        report.set("bytes_sent", c.bytes_sent());
        // Per iteration: the training's exchanges, without the shared read of the data.
        let figure = |key: &str| outcome.figures.get(key).and_then(|v| v.as_f64());
        let data_bytes = figure("data_bytes_sent").unwrap_or(0.0) as u64;
        let data_seconds = figure("data_exchange_seconds").unwrap_or(0.0);
        let epochs = outcome.history.len().max(1) as u64;
        report.set(
            "bytes_sent_per_iteration",
            c.bytes_sent().saturating_sub(data_bytes) / epochs,
        );
        report.set_f64(
            "exchange_seconds_per_iteration",
            (c.exchange_seconds() - data_seconds).max(0.0) / epochs as f64,
        );
    }
    let say = |line: &str| human_line(globals.json, line);
    if cfg.data.skip_bad_rows {
        say(&format!(
            "skipped {} malformed row(s) (data.skip_bad_rows = true)",
            outcome.data.skipped_rows
        ));
    }
    if let Some(note) = &outcome.stopping {
        say(note);
    }
    say(&summary(&outcome.figures));
    if let Some(path) = &args.out {
        let training = outcome.training_record(&cfg);
        outcome
            .model
            .save(path, &outcome.data.train, training)
            .with_context(|| format!("cannot save the model to {}", path.display()))?;
        say(&format!("model saved to {}", path.display()));
        report.set("out", path.to_string_lossy().into_owned());
    }
    if let Some(dir) = &args.export_npy {
        export_npy(&outcome.model, dir, &written_paths(&args, &cfg))?;
        say(&format!("factor matrices written to {}", dir.display()));
        report.set("export_npy", dir.to_string_lossy().into_owned());
    }
    if let Some(path) = &args.plot {
        let tracked = cfg.validation.as_ref().map(|v| {
            v.metric
                .clone()
                .unwrap_or_else(|| match outcome.model.task() {
                    Task::Rating => "rmse".into(),
                    Task::Ranking => "ndcg@10".into(),
                })
        });
        plot_learning_curve_tracked(path, &outcome.history, tracked.as_deref())?;
        say(&format!("learning curve drawn to {}", path.display()));
        report.set("plot", path.to_string_lossy().into_owned());
    }
    if let Some(path) = &args.report {
        let name = cfg
            .name
            .clone()
            .unwrap_or_else(|| cfg.model.kind().to_string());
        let page = super::report::model_report(
            &format!("rustrec fit: {name}"),
            &name,
            &cfg,
            &outcome,
            &threads,
        )?;
        page.write(path)?;
        say(&format!("report written to {}", path.display()));
        report.set("report", path.to_string_lossy().into_owned());
    }
    if args.profile {
        let p = &outcome.profile;
        let data = outcome
            .figures
            .get("data_seconds")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let eval = outcome
            .figures
            .get("eval_seconds")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        say("profile (wall seconds):");
        say(&format!("  data (read, split)       {data:>9.4}"));
        say(&format!("  preparation (blocks)     {:>9.4}", p.prepare));
        say(&format!("  sampling                 {:>9.4}", p.sampling));
        say(&format!("  gradient and update      {:>9.4}", p.update));
        say(&format!("  validation               {:>9.4}", p.evaluation));
        say(&format!("  test evaluation          {eval:>9.4}"));
        report.set("profile", serde_json::to_value(p)?);
    }
    report.finish(globals.json);
    Ok(())
}

/// Checks, before any work, that the outputs can be written and destroy nothing: none is an
/// input or another output, `--out`'s directory exists and takes files, `--plot` has a
/// known extension, `--export-npy` is (or can become) a directory.
fn check_writable_outputs(args: &Args, cfg: &ExperimentConfig) -> anyhow::Result<()> {
    // No output may be an input or another output (compared as canonical paths); the
    // `.npy` export is checked file by file, over every name the model's kind can write.
    let files = written_paths(args, cfg);
    let mut outputs = files.named_outputs();
    let npy_names = match &args.export_npy {
        Some(dir) => {
            let schema = family_or_error(cfg.model.kind())?.schema();
            npy_file_names(schema.tensors.iter().map(|t| t.name))
                .into_iter()
                .map(|name| dir.join(name))
                .collect()
        }
        None => Vec::new(),
    };
    outputs.extend(npy_names.iter().map(|p| ("--export-npy", p.as_path())));
    check_outputs(&files.named_inputs(), &outputs)?;
    if let Some(p) = &args.report {
        super::report::check_report_path(p)?;
    }
    let dir_of = |p: &Path| match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    for (flag, path) in [("--out", &args.out), ("--plot", &args.plot)] {
        if let Some(p) = path {
            let dir = dir_of(p);
            if !dir.is_dir() {
                anyhow::bail!(
                    "{flag} {}: the directory {} does not exist",
                    p.display(),
                    dir.display()
                );
            }
            if p.is_dir() {
                anyhow::bail!(
                    "{flag} {}: is a directory, expected a file name",
                    p.display()
                );
            }
            let probe = dir.join(format!(".rustrec-write-check.{}", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&probe)
            {
                Ok(_) => {
                    let _ = std::fs::remove_file(&probe);
                }
                Err(e) => anyhow::bail!(
                    "{flag} {}: cannot write in {}: {e}",
                    p.display(),
                    dir.display()
                ),
            }
        }
    }
    if let Some(p) = &args.plot {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "svg" | "png") {
            anyhow::bail!(
                "--plot {}: unknown extension {ext:?}; the plot is drawn as .svg or .png",
                p.display()
            );
        }
        // A one-pass model has no learning curve: refused here, not after training (and
        // after `--out` was written), as the drawing itself would be.
        if !cfg.model.family().iterative() {
            anyhow::bail!(
                "--plot {}: a {} model trains in one pass, so there is no learning curve to \
                 draw; plot a kind that trains in epochs or iterations (mf, bpr, als, ...; \
                 `rustrec models` lists them), or leave out --plot",
                p.display(),
                cfg.model.kind()
            );
        }
    }
    if let Some(dir) = &args.export_npy
        && dir.exists()
        && !dir.is_dir()
    {
        anyhow::bail!(
            "--export-npy {}: exists and is not a directory",
            dir.display()
        );
    }
    Ok(())
}

/// The files a `fit` run reads and the single files it writes, each with the flag or
/// config key that names it.
struct WrittenPaths {
    inputs: Vec<(String, PathBuf)>,
    outputs: Vec<(&'static str, PathBuf)>,
}

impl WrittenPaths {
    fn named_inputs(&self) -> Vec<(&str, &Path)> {
        self.inputs
            .iter()
            .map(|(k, p)| (k.as_str(), p.as_path()))
            .collect()
    }

    fn named_outputs(&self) -> Vec<(&str, &Path)> {
        self.outputs
            .iter()
            .map(|(k, p)| (*k, p.as_path()))
            .collect()
    }
}

/// The inputs (data files as resolved against `--data-dir`, the config) and the single-file
/// outputs (`--out`, `--plot`, `--report`) of a run.
fn written_paths(args: &Args, cfg: &ExperimentConfig) -> WrittenPaths {
    let data_dir = args.data_dir.as_deref();
    let mut inputs: Vec<(String, PathBuf)> = [
        ("data.ratings", &cfg.data.ratings),
        ("data.train", &cfg.data.train),
        ("data.test", &cfg.data.test),
        ("data.item_file", &cfg.data.item_file),
    ]
    .into_iter()
    .filter_map(|(key, p)| {
        p.as_ref()
            .map(|p| (key.to_string(), rustrec::experiment::resolve(data_dir, p)))
    })
    .collect();
    if let Some(c) = &args.config {
        inputs.push(("--config".into(), c.clone()));
    }
    let outputs = [
        ("--out", &args.out),
        ("--plot", &args.plot),
        ("--report", &args.report),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.clone().map(|p| (flag, p)))
    .collect();
    WrittenPaths { inputs, outputs }
}

/// The names of the files `--export-npy` writes for a model with these tensors (whichever
/// of the `.npy` and `.json` id lists the ids call for, and the manifest).
fn npy_file_names<'a>(tensors: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = tensors.into_iter().map(|t| format!("{t}.npy")).collect();
    for side in ["user", "item"] {
        names.push(format!("{side}_ids.npy"));
        names.push(format!("{side}_ids.json"));
    }
    names.push("manifest.json".into());
    names
}

/// One human-readable line of the main figures.
fn summary(f: &serde_json::Map<String, Value>) -> String {
    let mut parts = Vec::new();
    let get = |k: &str| f.get(k).and_then(Value::as_f64);
    if let Some(m) = f.get("model").and_then(Value::as_str) {
        parts.push(format!("model {m}"));
    }
    for key in [
        "rmse",
        "mae",
        "auc",
        "precision@5",
        "precision@10",
        "recall@10",
        "ndcg@10",
    ] {
        if let Some(v) = get(key) {
            parts.push(format!("{key} {v:.4}"));
        }
    }
    if let Some(v) = get("train_seconds") {
        parts.push(format!("trained in {v:.3}s"));
    }
    if let Some(v) = get("samples_per_sec") {
        parts.push(format!("{:.2}M samples/s", v / 1e6));
    }
    parts.join("  ")
}

/// Writes every tensor of a model (factor matrices, biases, similarity weights) as a
/// `.npy` file named after it (the notebooks' `get_W` / `get_H`), the raw ids of the rows
/// (`user_ids.npy`/`item_ids.npy` for integer ids, `.json` lists for string ids), and
/// `manifest.json`, which says what each array holds.
///
/// Nothing is written when one of these files would be a file in `protect` (the run's
/// inputs and other outputs): the check before training covered the tensors the kind
/// declares, this one covers the ones the model holds.
fn export_npy(model: &TrainedModel, dir: &Path, protect: &WrittenPaths) -> anyhow::Result<()> {
    let file = model.to_model_file()?;
    let files: Vec<PathBuf> = npy_file_names(file.tensors.keys().map(String::as_str))
        .into_iter()
        .map(|name| dir.join(name))
        .collect();
    let mut outputs = protect.named_outputs();
    outputs.extend(files.iter().map(|p| ("--export-npy", p.as_path())));
    check_outputs(&protect.named_inputs(), &outputs)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let schema = family_or_error(&file.header.kind)?.schema();
    let mut arrays = serde_json::Map::new();
    for (name, tensor) in &file.tensors {
        let out = format!("{name}.npy");
        rustrec::io::write_tensor_npy(dir.join(&out), tensor)?;
        let about = schema.tensor(name).map_or("", |t| t.about);
        arrays.insert(
            out,
            serde_json::json!({
                "dtype": tensor.dtype().to_string(),
                "shape": tensor.shape(),
                "about": about,
            }),
        );
    }
    for (side, ids) in [("user", &file.user_ids), ("item", &file.item_ids)] {
        let about = format!("the raw {side} id of each row, in index order");
        if let Some(ints) = ids.int_ids() {
            let out = format!("{side}_ids.npy");
            rustrec::io::write_npy(dir.join(&out), &[ints.len()], ints)?;
            arrays.insert(
                out,
                serde_json::json!({"dtype": "i64", "shape": [ints.len()], "about": about}),
            );
        } else if let Some(strs) = ids.str_ids() {
            let out = format!("{side}_ids.json");
            rustrec::data::atomic::write_atomically(dir.join(&out), |f| {
                serde_json::to_writer(f, strs).map_err(anyhow::Error::from)
            })?;
            arrays.insert(
                out,
                serde_json::json!({"dtype": "string", "shape": [strs.len()], "about": about}),
            );
        }
    }
    let manifest = serde_json::json!({
        "model": file.header.kind,
        "task": model.task().name(),
        "arrays": arrays,
    });
    rustrec::data::atomic::write_atomically(dir.join("manifest.json"), |f| {
        serde_json::to_writer_pretty(f, &manifest).map_err(anyhow::Error::from)
    })?;
    Ok(())
}
