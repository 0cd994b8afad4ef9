//! `rustrec lr-find`: the learning-rate range test (library: `rustrec::lr_find`).

use std::path::PathBuf;

use clap::Args as ClapArgs;
use rustrec::data::atomic::write_atomically;
use rustrec::experiment::RunOptions;
use rustrec::lr_find::{LrFindSettings, lr_find, plot_svg, to_json};
use rustrec::models::Threads;

use super::experiment_args::{ExperimentArgs, FlagKey};
use super::report::{check_dir, check_paths, data_inputs};
use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Learning-rate range test (fastai's lr_find, one short fit per rate): the loss at
/// exponentially growing learning rates, smoothed, until it explodes; suggests the rate where
/// the loss falls fastest. For models with an `lr` (mf, bpr, asysvd, slim-mse).
///
/// Each rate is trained at that constant rate on all of train: the config's learning-rate
/// schedule and its [validation] are not used (a note on standard error says so), and a
/// --set of model.schedule or validation is refused.
///
/// Example:
///   rustrec lr-find --config examples/ml100k-ua-mf-sgd.toml --data-dir ml-100k --plot lr.svg
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The configuration, its data, overrides and threads.
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Draw the loss against the learning rate to this SVG file.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Smallest learning rate.
    #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
    pub start: f64,
    /// Largest learning rate.
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    pub end: f64,
    /// Learning rates tried (at most).
    #[arg(long, default_value_t = 40)]
    pub steps: usize,
    /// Epochs trained at each rate.
    #[arg(long, default_value_t = 1)]
    pub epochs_per_step: usize,
}

/// The settings of the flags, checked before any work; a bad one is named by its flag
/// (`--epochs-per-step 0`), its value and what is valid.
fn settings(args: &Args) -> anyhow::Result<LrFindSettings> {
    let settings = LrFindSettings {
        start: args.start,
        end: args.end,
        steps: args.steps,
        epochs_per_step: args.epochs_per_step,
        ..LrFindSettings::default()
    };
    settings.check().map_err(|e| {
        let expected = e.expected.replace("start = ", "--start ");
        anyhow::anyhow!(
            "lr-find --{} {}: {expected}",
            e.name.replace('_', "-"),
            e.value
        )
    })?;
    Ok(settings)
}

/// The model keys the test sets itself at every step: the rate (from the range of
/// `--start` and `--end`) and the rounds (`--epochs-per-step`); a `--set` of one would be
/// overwritten without a word, so it is refused as a second choice.
const BY_FLAGS: [FlagKey; 3] = [
    FlagKey {
        flag: "--start/--end",
        key: "model.lr",
    },
    FlagKey {
        flag: "--epochs-per-step",
        key: "model.epochs",
    },
    FlagKey {
        flag: "--epochs-per-step",
        key: "model.iterations",
    },
];

/// The config sections the test does not use, with why: the test trains every rate at a
/// constant rate, on all of train. A `--set` of one (or of a key below it) would change
/// nothing, so it is refused; one in the config file is named in a note.
const UNUSED: [(&str, &str); 2] = [
    (
        "model.schedule",
        "lr-find trains each rate it tries at that constant rate (schedule kind = \"constant\")",
    ),
    (
        "validation",
        "lr-find trains on all of train and reads the training loss; it carves no validation \
         split and stops no run early",
    ),
];

/// Refuses a `--set` of a key the test does not use (see [`UNUSED`]), or of a table above
/// one (`--set 'model={...}'` is refused already, as `model.lr` lies below it).
fn refuse_unused_sets(sets: &[String]) -> anyhow::Result<()> {
    for kv in sets {
        let key = kv.split_once('=').map_or(kv.as_str(), |(k, _)| k).trim();
        let unused = UNUSED.iter().find(|(section, _)| {
            key.strip_prefix(section)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        });
        if let Some((section, why)) = unused {
            anyhow::bail!("--set {kv}: {why}, so {section} would change nothing; leave it out");
        }
    }
    Ok(())
}

/// A note for each section of the configuration (`table`, after the `--set`s) that the
/// test does not use (see [`UNUSED`]): a schedule other than `constant`, a `[validation]`.
fn unused_notes(table: &toml::Table) -> Vec<String> {
    let mut notes = Vec::new();
    let model = table.get("model").and_then(toml::Value::as_table);
    if let Some(schedule) = model.and_then(|m| m.get("schedule")) {
        let kind = schedule.get("kind").and_then(toml::Value::as_str);
        if kind != Some("constant") {
            notes.push(format!(
                "note: the config's model.schedule ({}) is not used: {}",
                kind.map_or_else(|| schedule.to_string(), |k| format!("kind = \"{k}\"")),
                UNUSED[0].1
            ));
        }
    }
    if table.contains_key("validation") {
        notes.push(format!(
            "note: the config's [validation] is not used: {}",
            UNUSED[1].1
        ));
    }
    notes
}

/// Runs `rustrec lr-find`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let settings = settings(&args)?;
    refuse_unused_sets(&args.experiment.set)?;
    let (table, cfg) = args.experiment.config(&BY_FLAGS)?;
    // On standard error whatever the output: standard output is the result (or its JSON).
    for note in unused_notes(&table) {
        eprintln!("{note}");
    }
    let mut inputs = data_inputs(&cfg, args.experiment.data_dir.as_deref());
    inputs.push(("--config".into(), args.experiment.config.clone()));
    let outputs: Vec<(&str, &std::path::Path)> = args
        .plot
        .as_deref()
        .map(|p| ("--plot", p))
        .into_iter()
        .collect();
    check_paths(&inputs, &outputs)?;
    if let Some(p) = &args.plot {
        check_dir(p, "--plot")?;
        if p.extension().and_then(|e| e.to_str()) != Some("svg") {
            anyhow::bail!(
                "--plot {}: the plot is drawn as SVG; give a name ending in .svg",
                p.display()
            );
        }
    }
    let threads = Threads::new(args.experiment.threads.unwrap_or(cfg.train.threads))?;
    let bars = Bars::new(globals.quiet);
    let opts = RunOptions {
        data_dir: args.experiment.data_dir.as_deref(),
        progress: &bars,
        threads: Some(&threads),
    };
    let r = lr_find(&cfg, &settings, &opts)?;
    let json = globals.json;
    say!(
        json,
        "suggested learning rate {:.3e} (steepest fall of the smoothed loss); minimum at {:.3e} \
         (÷10: {:.3e}); {} rates tried, {}",
        r.suggested_lr,
        r.min_loss_lr,
        r.min_loss_lr_div10,
        r.lrs.len(),
        r.stopped
    );
    let mut report = Report::new();
    if let serde_json::Value::Object(map) = to_json(&r) {
        for (k, v) in map {
            report.set(&k, v);
        }
    }
    if let Some(path) = &args.plot {
        let svg = plot_svg(&r);
        write_atomically(path, |f| {
            use std::io::Write;
            f.write_all(svg.as_bytes())
                .map_err(|e| anyhow::Error::from(rustrec::data::DataError::io(path, e)))
        })?;
        say!(json, "plot drawn to {}", path.display());
        report.set("plot", path.to_string_lossy().into_owned());
    }
    report.finish(globals.json);
    Ok(())
}
