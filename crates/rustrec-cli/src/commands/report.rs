//! Pieces shared by `tune`, `cv`, `compare`, `lr-find` and `fit --report`: reading a
//! configuration with `--set` overrides, naming its input files for the output-path checks,
//! and writing the HTML report.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rustrec::compare::assess;
use rustrec::experiment::{ExperimentConfig, Outcome, resolve, set_key};
use rustrec::models::Task;
use rustrec::report::{ModelReport, Report};

/// A configuration file as a TOML table, with `--set KEY=VALUE` overrides applied.
pub fn read_table(path: &Path, sets: &[String]) -> anyhow::Result<toml::Table> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config {}", path.display()))?;
    let mut table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
    for kv in sets {
        let (key, value) = kv
            .split_once('=')
            .with_context(|| format!("--set {kv}: expected KEY=VALUE"))?;
        set_key(&mut table, key.trim(), value.trim())?;
    }
    Ok(table)
}

/// A configuration file with overrides, checked.
pub fn read_config(
    path: &Path,
    sets: &[String],
) -> anyhow::Result<(toml::Table, ExperimentConfig)> {
    let table = read_table(path, sets)?;
    let cfg = ExperimentConfig::from_value(table.clone())
        .with_context(|| format!("{}", path.display()))?;
    Ok((table, cfg))
}

/// The data files a configuration reads, resolved against `data_dir`, with their keys.
pub fn data_inputs(cfg: &ExperimentConfig, data_dir: Option<&Path>) -> Vec<(String, PathBuf)> {
    [
        ("data.ratings", &cfg.data.ratings),
        ("data.train", &cfg.data.train),
        ("data.test", &cfg.data.test),
        ("data.item_file", &cfg.data.item_file),
    ]
    .into_iter()
    .filter_map(|(key, p)| p.as_ref().map(|p| (key.to_string(), resolve(data_dir, p))))
    .collect()
}

/// Refuses, before any work, outputs that name an input or each other.
pub fn check_paths(inputs: &[(String, PathBuf)], outputs: &[(&str, &Path)]) -> anyhow::Result<()> {
    let inputs: Vec<(&str, &Path)> = inputs
        .iter()
        .map(|(k, p)| (k.as_str(), p.as_path()))
        .collect();
    rustrec::data::paths::check_outputs(&inputs, outputs)?;
    Ok(())
}

/// Refuses a report path that is not an `.html` file in an existing directory.
pub fn check_report_path(path: &Path) -> anyhow::Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(ext, "html" | "htm") {
        anyhow::bail!(
            "--report {}: the report is an HTML page; give a file name ending in .html",
            path.display()
        );
    }
    check_dir(path, "--report")
}

/// Refuses an output whose directory does not exist.
pub fn check_dir(path: &Path, flag: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!(
            "{flag} {}: the directory {} does not exist",
            path.display(),
            dir.display()
        );
    }
    if path.is_dir() {
        anyhow::bail!(
            "{flag} {}: is a directory, expected a file name",
            path.display()
        );
    }
    Ok(())
}

/// The metric early stopping watched in a run of `cfg`.
pub fn tracked(cfg: &ExperimentConfig, task: Task) -> Option<String> {
    cfg.validation.as_ref().map(|v| {
        v.metric.clone().unwrap_or_else(|| match task {
            Task::Rating => "rmse".into(),
            Task::Ranking => "ndcg@10".into(),
        })
    })
}

/// The report of one trained model (`fit --report`, and the refitted model of `tune`):
/// its test metrics with per-user values, popularity bias of its top-N lists, learning
/// curve.
pub fn model_report(
    title: &str,
    name: &str,
    cfg: &ExperimentConfig,
    outcome: &Outcome,
    threads: &rustrec::models::Threads,
) -> anyhow::Result<Report> {
    let assessment = threads.install(|| {
        assess(
            &outcome.model,
            &outcome.data.train,
            &outcome.data.test,
            &cfg.eval,
            true,
        )
    })?;
    let model = ModelReport::new(
        name,
        cfg.model.kind(),
        &assessment,
        &outcome.history,
        tracked(cfg, outcome.model.task()),
    );
    Ok(Report {
        title: title.into(),
        notes: vec![format!(
            "{} training and {} test interactions; {} users, {} items.",
            outcome.data.train.nnz(),
            outcome.data.test.nnz(),
            outcome.data.train.n_users(),
            outcome.data.train.n_items()
        )],
        models: vec![model],
        tune: None,
    })
}

/// The name of a configuration: its `name`, or its file's stem.
pub fn config_name(cfg: &ExperimentConfig, path: &Path) -> String {
    cfg.name.clone().unwrap_or_else(|| {
        path.file_stem().map_or_else(
            || cfg.model.kind().to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    })
}
