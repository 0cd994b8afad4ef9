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

/// Runs `rustrec lr-find`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let settings = settings(&args)?;
    let (_, cfg) = args.experiment.config(&BY_FLAGS)?;
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
