//! `rustrec tune`: hyperparameter search on a validation split carved from the training
//! data, then one refit of the best configuration scored on the test set
//! (library: `rustrec::tune`).

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::data::atomic::write_atomically;
use rustrec::models::Threads;
use rustrec::report::TuneReport;
use rustrec::tune::{
    Direction, Pruner, Sampler, SearchSpace, Study, TpeSettings, TrialLog, TrialRecord, TrialState,
    TuneSettings, importance, metric_figures,
};
use serde_json::{Value, json};

use super::experiment_args::{ExperimentArgs, FlagKey};
use super::report::{
    check_dir, check_paths, check_report_path, config_name, data_inputs, model_report,
};
use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Search hyperparameters: trials of a base config over a search space, each scored on a
/// validation split carved from the training data (the config's `[validation]`, or 10 % of
/// train), logged as they finish; then the best config is refitted on all training data and
/// scored on the test set once.
///
/// Example:
///   rustrec tune --config examples/ml100k-ua-mf-sgd.toml --data-dir ml-100k \
///     --space examples/ml100k-mf-space.toml --trials 30 --log trials.jsonl --out best.toml
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The configuration, its data, overrides and threads.
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// The search space (TOML: one table per config key with type = "int" | "float" and
    /// low, high, log, step, points, or type = "choice" and values).
    #[arg(long)]
    pub space: PathBuf,
    /// Total number of trials (with --resume, including the logged ones).
    #[arg(long, default_value_t = 20)]
    pub trials: usize,
    /// tpe, random or grid.
    #[arg(long, default_value = "tpe")]
    pub sampler: String,
    /// Random trials before TPE takes over [default: 10]; refused with another sampler.
    #[arg(long)]
    pub startup: Option<usize>,
    /// none, median[:startup=N,warmup=E] or asha[:min=E,eta=N].
    #[arg(long, default_value = "none")]
    pub pruner: String,
    /// Validation metric to optimise: rmse, mae, ndcg@10, recall@20, auc, ... (default: the
    /// config's validation.metric, else rmse for rating models, ndcg@10 for ranking models).
    #[arg(long)]
    pub metric: Option<String>,
    /// min or max: the metric's usual direction (rmse, mae, mse, gini@K min; the others
    /// max); the other one is refused, as the trials' early stopping follows the metric's.
    #[arg(long)]
    pub direction: Option<String>,
    /// Log of the trials (JSON Lines), appended as each trial finishes.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Continue the log given by --log: its trials are not run again, and the sampler sees
    /// them.
    #[arg(long)]
    pub resume: bool,
    /// Write the best configuration here (TOML).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write an HTML report here (search history, parameter importance, the best model).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Trials run at once (1 to 256); each gets max(1, threads / P) worker threads.
    #[arg(long, default_value_t = 1)]
    pub parallel: usize,
    /// Seed of the sampler: the same seed gives the same trials.
    #[arg(long, default_value_t = 0, value_parser = super::common::seed_parser())]
    pub seed: u64,
}

fn params_text(t: &TrialRecord) -> String {
    t.params
        .iter()
        .map(|(k, v)| match v {
            Value::Number(n) if n.is_f64() => format!("{k}={:.4e}", n.as_f64().unwrap_or(0.0)),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `rustrec tune`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    // `--metric` chooses the tuned metric: a `--set validation.metric` beside it is a second
    // choice, refused (as a `--set train.threads` beside `--threads`).
    let by_flags: Vec<FlagKey> = args
        .metric
        .iter()
        .map(|_| FlagKey {
            flag: "--metric",
            key: "validation.metric",
        })
        .collect();
    let table = args.experiment.table(&by_flags)?;
    let cfg = rustrec::experiment::ExperimentConfig::from_value(table.clone())
        .with_context(|| format!("{}", args.experiment.config.display()))?;
    let space_text = std::fs::read_to_string(&args.space)
        .with_context(|| format!("cannot read search space {}", args.space.display()))?;
    let space =
        SearchSpace::from_toml(&space_text).with_context(|| format!("{}", args.space.display()))?;
    if args.resume && args.log.is_none() {
        anyhow::bail!("--resume continues a log: give it with --log FILE");
    }
    if args.parallel == 0 {
        anyhow::bail!("--parallel 0: give at least 1");
    }
    let mut inputs = data_inputs(&cfg, args.experiment.data_dir.as_deref());
    inputs.push(("--config".into(), args.experiment.config.clone()));
    inputs.push(("--space".into(), args.space.clone()));
    let mut outputs: Vec<(&str, &std::path::Path)> = Vec::new();
    outputs.extend(args.log.as_deref().map(|p| ("--log", p)));
    outputs.extend(args.out.as_deref().map(|p| ("--out", p)));
    outputs.extend(args.report.as_deref().map(|p| ("--report", p)));
    check_paths(&inputs, &outputs)?;
    for (flag, p) in &outputs {
        check_dir(p, flag)?;
    }
    if let Some(p) = &args.report {
        check_report_path(p)?;
    }
    let sampler = match (Sampler::parse(&args.sampler)?, args.startup) {
        (Sampler::Tpe(s), Some(startup)) => Sampler::Tpe(TpeSettings { startup, ..s }),
        (Sampler::Tpe(s), None) => Sampler::Tpe(s),
        (other, Some(startup)) => anyhow::bail!(
            "--startup {startup}: the start-up trials are TPE's (--sampler tpe); the {} \
             sampler has none, leave --startup out",
            other.name()
        ),
        (other, None) => other,
    };
    let settings = TuneSettings {
        trials: args.trials,
        sampler,
        pruner: Pruner::parse(&args.pruner)?,
        metric: args.metric.clone(),
        direction: args
            .direction
            .as_deref()
            .map(Direction::parse)
            .transpose()?,
        parallel: args.parallel,
        seed: args.seed,
        threads: args.experiment.threads,
    };
    let bars = Bars::new(globals.quiet);
    let study = Study::new(
        table,
        space,
        settings,
        args.experiment.data_dir.as_deref(),
        &bars,
    )
    .map_err(|e| {
        // A refusal of the space's keys or values names the space file, as its reading does.
        let about_space = e.to_string().contains("search space:");
        let e = anyhow::Error::from(e);
        if about_space {
            e.context(args.space.display().to_string())
        } else {
            e
        }
    })?;
    // The log: new, or continued; opened once the study is accepted, so that a refused
    // study leaves no log file behind (nor a continued one cut).
    let (log, history) = match (&args.log, args.resume) {
        (Some(p), true) => {
            let (log, history, torn) = TrialLog::resume(p)?;
            if torn {
                say!(
                    globals.json,
                    "{}: dropped a last line cut short (a search stopped while writing it)",
                    p.display()
                );
            }
            (Some(log), history)
        }
        (Some(p), false) => (Some(TrialLog::create(p)?), Vec::new()),
        (None, _) => (None, Vec::new()),
    };
    let objective = study.objective().clone();
    // A continued log must hold trials of this objective; new lines record it.
    let log = log.map(|l| l.for_objective(&objective)).transpose()?;
    let logged = history.len();
    // The grid sampler ends with its grid: say so, rather than promise trials it cannot run.
    let grid_points = study.settings().sampler.capacity(study.space())?;
    if let Some(points) = grid_points.filter(|g| *g < args.trials) {
        say!(
            globals.json,
            "the grid has {points} point(s) ({}): the study stops there, at {points} of the {} \
             trials asked (--trials)",
            study
                .space()
                .params
                .iter()
                .map(|p| format!("{} {}", p.name, p.grid().len()))
                .collect::<Vec<_>>()
                .join(" × "),
            args.trials
        );
    }
    let planned = grid_points.map_or(args.trials, |g| g.min(args.trials));
    say!(
        globals.json,
        "tuning validation {} ({}) over {} with {} (pruner {}): {} trial(s) logged, {} to run, {} at a time",
        objective.metric,
        objective.direction.name(),
        study
            .space()
            .params
            .iter()
            .map(|p| format!("{} [{}]", p.name, p.describe()))
            .collect::<Vec<_>>()
            .join(", "),
        study.settings().sampler.name(),
        study.settings().pruner.name(),
        logged,
        planned.saturating_sub(logged),
        args.parallel
    );
    let log = Mutex::new(log);
    let json = globals.json;
    let metric = objective.metric.clone();
    let trials = study.run(history, &|t: &TrialRecord| {
        if let Ok(mut guard) = log.lock()
            && let Some(l) = guard.as_mut()
        {
            l.append(t)?;
        }
        let value = t.value.map_or("–".to_string(), |v| format!("{v:.5}"));
        let extra = t
            .error
            .as_deref()
            .map_or(String::new(), |e| format!("  ({e})"));
        say!(
            json,
            "trial {:>3}  {:<8}  {metric} {value}  {} epochs  {:.1}s  {}{extra}",
            t.number,
            t.state.name(),
            t.epochs,
            t.seconds,
            params_text(t)
        );
        Ok(())
    })?;
    let count = |s: TrialState| trials.iter().filter(|t| t.state == s).count();
    let best = study.best(&trials).with_context(|| {
        format!(
            "no trial completed ({} failed, {} pruned): nothing to refit",
            count(TrialState::Failed),
            count(TrialState::Pruned)
        )
    })?;
    let best_value = best.value.unwrap_or(f64::NAN);
    say!(
        json,
        "best: trial {} with validation {} {best_value:.5}: {}",
        best.number,
        objective.metric,
        params_text(best)
    );
    say!(
        json,
        "refitting the best configuration on all training data, scoring it on test once"
    );
    let (best_table, best_cfg, outcome) = study.refit(&best.params, &bars)?;
    let test = metric_figures(&outcome.figures);
    let shown: Vec<String> = test
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "rmse" | "mae" | "auc" | "mrr") || k.ends_with("@10"))
        .map(|(k, v)| format!("{k} {:.4}", v.as_f64().unwrap_or(f64::NAN)))
        .collect();
    say!(json, "test: {}", shown.join("  "));
    let mut report = Report::new();
    if let Some(path) = &args.out {
        let header = format!(
            "# Written by `rustrec tune`: the best of {} trials (trial {}, validation {} {best_value:.5}),\n\
             # searched with {} on a validation split carved from the training data. Test figures\n\
             # of this configuration: {}.\n",
            trials.len(),
            best.number,
            objective.metric,
            study.settings().sampler.name(),
            shown.join(", ")
        );
        let body = toml::to_string(&best_table).context("cannot write the best configuration")?;
        write_atomically(path, |f| {
            use std::io::Write;
            f.write_all(header.as_bytes())
                .and_then(|()| f.write_all(body.as_bytes()))
                .map_err(|e| anyhow::Error::from(rustrec::data::DataError::io(path, e)))
        })?;
        say!(json, "best configuration written to {}", path.display());
        report.set("out", path.to_string_lossy().into_owned());
    }
    if let Some(path) = &args.report {
        let threads = Threads::new(rustrec::tune::study::thread_budget(
            args.experiment.threads.unwrap_or(best_cfg.train.threads),
        ))?;
        let name = config_name(&best_cfg, &args.experiment.config);
        let mut page = model_report(
            &format!("rustrec tune: {name}"),
            &format!("{name} (best)"),
            &best_cfg,
            &outcome,
            &threads,
        )?;
        page.notes.push(
            "The table, curves and distributions are the best configuration refitted on all \
             training data and evaluated on the test set once; the search below used only \
             validation data carved from the training data."
                .to_string(),
        );
        page.tune = Some(TuneReport {
            metric: objective.metric.clone(),
            direction: objective.direction,
            method: format!(
                "sampler {}, pruner {}, seed {}",
                study.settings().sampler.name(),
                study.settings().pruner.name(),
                args.seed
            ),
            importance: importance(study.space(), &trials),
            space: study.space().clone(),
            trials: trials.clone(),
            best: Some(best.number),
        });
        page.write(path)?;
        say!(json, "report written to {}", path.display());
        report.set("report", path.to_string_lossy().into_owned());
    }
    let mut validation = serde_json::Map::new();
    validation.insert(objective.metric.clone(), json!(best_value));
    report.set("best", Value::Object(best.params.clone()));
    report.set("best_trial", best.number);
    report.set("validation", Value::Object(validation));
    report.set("test", Value::Object(test));
    report.set("metric", objective.metric.clone());
    report.set("direction", objective.direction.name());
    report.set("complete", count(TrialState::Complete));
    report.set("pruned", count(TrialState::Pruned));
    report.set("failed", count(TrialState::Failed));
    report.set("epochs", trials.iter().map(|t| t.epochs).sum::<usize>());
    if let Some(p) = &args.log {
        report.set("log", p.to_string_lossy().into_owned());
    }
    report.set("trials", trials.len());
    report.set("trials_run", trials.len().saturating_sub(logged));
    if let Some(points) = grid_points {
        report.set("grid_points", points);
    }
    report.finish(globals.json);
    Ok(())
}
