//! Loading an experiment's data: files or synthetic data, implicit view, split.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rustrec_data::read::{Format, ReadOptions, read_interactions, read_train_test};
use rustrec_data::split::{self, Split, SplitReport};
use rustrec_data::synth::{Preset, SynthParams, synthesize};
use rustrec_data::{Interactions, Progress};

use super::config::{DataConfig, SplitConfig};
use super::error::{ExperimentError, Result};

/// Train and test in one id space, with what loading them did.
#[derive(Clone, Debug)]
pub struct LoadedData {
    /// Training interactions.
    pub train: Interactions,
    /// Test interactions (same id space).
    pub test: Interactions,
    /// Sizes and cold-start counts of the pair.
    pub report: SplitReport,
    /// Seconds spent reading (or generating) and splitting.
    pub seconds: f64,
    /// Lines read from files (0 for synthetic data).
    pub lines: u64,
}

/// Resolves `path` against `dir` unless it is absolute.
pub fn resolve(dir: Option<&Path>, path: &Path) -> PathBuf {
    match dir {
        Some(d) if path.is_relative() => d.join(path),
        _ => path.to_path_buf(),
    }
}

fn read_options(cfg: &DataConfig) -> Result<ReadOptions> {
    let format = match cfg.format.as_deref() {
        None => Format::Auto,
        Some(text) => text.parse::<Format>()?,
    };
    Ok(ReadOptions {
        format,
        skip_bad_rows: cfg.skip_bad_rows,
        rating_scale: cfg.rating_scale.map(|[lo, hi]| (lo, hi)),
        duplicates: cfg.duplicates,
    })
}

/// Applies a split configuration.
pub fn apply_split(x: &Interactions, cfg: &SplitConfig) -> Result<Split> {
    Ok(match *cfg {
        SplitConfig::Holdout {
            test_fraction,
            seed,
        } => split::holdout(x, test_fraction, seed)?,
        SplitConfig::LeaveKOut { k, which, seed } => split::leave_k_out(x, k, which, seed)?,
        SplitConfig::Temporal { test_fraction } => split::temporal(x, test_fraction)?,
    })
}

/// Loads train and test as the configuration says.
pub fn load(
    cfg: &DataConfig,
    split_cfg: Option<&SplitConfig>,
    data_dir: Option<&Path>,
    progress: &dyn Progress,
) -> Result<LoadedData> {
    let started = Instant::now();
    let options = read_options(cfg)?;
    let implicit = |x: Interactions| match cfg.implicit_threshold {
        Some(t) => x.to_implicit(t),
        None => x,
    };
    let need_split = || {
        split_cfg.ok_or_else(|| {
            ExperimentError::Config(
                "data.ratings and data.synthetic need a [split] section (kind = \"holdout\", ...)"
                    .into(),
            )
        })
    };
    let sources = [
        cfg.ratings.is_some(),
        cfg.train.is_some() || cfg.test.is_some(),
        cfg.synthetic.is_some(),
    ];
    if sources.iter().filter(|&&s| s).count() != 1 {
        return Err(ExperimentError::Config(
            "give exactly one data source: data.ratings (+ [split]), data.train + data.test, \
             or data.synthetic"
                .into(),
        ));
    }
    let mut lines = 0;
    let split = if let Some(path) = &cfg.ratings {
        let (x, report) = read_interactions(resolve(data_dir, path), &options, progress)?;
        lines = report.lines;
        apply_split(&implicit(x), need_split()?)?
    } else if let Some(synth) = &cfg.synthetic {
        let preset: Preset = synth.like.parse()?;
        let params = SynthParams {
            seed: synth.seed,
            ..SynthParams::like(preset)
        };
        let x = synthesize(&params, progress)?;
        apply_split(&implicit(x), need_split()?)?
    } else {
        let (Some(train), Some(test)) = (&cfg.train, &cfg.test) else {
            return Err(ExperimentError::Config(
                "data.train and data.test go together".into(),
            ));
        };
        if split_cfg.is_some() {
            return Err(ExperimentError::Config(
                "a [split] section does not apply to predefined train/test files".into(),
            ));
        }
        let pair = read_train_test(
            resolve(data_dir, train),
            resolve(data_dir, test),
            &options,
            progress,
        )?;
        lines = pair.train_report.lines + pair.test_report.lines;
        Split::new(implicit(pair.train), implicit(pair.test))?
    };
    Ok(LoadedData {
        report: split.report,
        train: split.train,
        test: split.test,
        seconds: started.elapsed().as_secs_f64(),
        lines,
    })
}
