//! Loading an experiment's data: files or synthetic data, implicit view, split.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rustrec_core::cluster::Cluster;
use rustrec_data::read::{
    Exchange, Format, ReadOptions, TimestampUse, read_interactions, read_interactions_shared,
    read_train_test, read_train_test_shared,
};
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
    /// Malformed rows skipped (only with `data.skip_bad_rows`), over every file read.
    pub skipped_rows: u64,
    /// The format of the rating file(s) as read (`ml-tab`, `ml-dat`, `csv`, ...; `None`
    /// for synthetic data): kept in model files so that an item file of another release
    /// can be refused.
    pub format: Option<String>,
}

/// Resolves `path` against `dir` unless it is absolute.
pub fn resolve(dir: Option<&Path>, path: &Path) -> PathBuf {
    match dir {
        Some(d) if path.is_relative() => d.join(path),
        _ => path.to_path_buf(),
    }
}

/// `path` (the value of config key `key`) resolved against `dir`, or an error that names the
/// key, the file and how relative paths are resolved when it does not exist.
pub fn existing(dir: Option<&Path>, key: &str, path: &Path) -> Result<PathBuf> {
    let resolved = resolve(dir, path);
    if resolved.exists() {
        return Ok(resolved);
    }
    let hint = match dir {
        Some(d) if path.is_relative() => {
            format!(
                "relative paths are resolved against --data-dir {}",
                d.display()
            )
        }
        None if path.is_relative() => "relative paths in a config are resolved against \
             --data-dir DIR (not given: the current directory)"
            .to_string(),
        _ => "the path is absolute".to_string(),
    };
    Err(ExperimentError::Config(format!(
        "{key} = {:?}: no such file {} ({hint})",
        path.display().to_string(),
        resolved.display()
    )))
}

/// The read options of `cfg`: timestamps are kept only when `split` orders by time (nothing
/// else in an experiment uses them), which spares their memory and, for a Parquet file,
/// their decoding.
fn read_options(cfg: &DataConfig, split: Option<&SplitConfig>) -> Result<ReadOptions> {
    let format = match cfg.format.as_deref() {
        None => Format::Auto,
        Some(text) => text.parse::<Format>()?,
    };
    Ok(ReadOptions {
        format,
        skip_bad_rows: cfg.skip_bad_rows,
        rating_scale: cfg.rating_scale.map(|[lo, hi]| (lo, hi)),
        duplicates: cfg.duplicates,
        timestamps: match split {
            Some(SplitConfig::Temporal { .. })
            | Some(SplitConfig::LeaveKOut {
                which: split::LeaveOut::Latest,
                ..
            }) => TimestampUse::Keep,
            _ => TimestampUse::RangeOnly,
        },
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
    load_with(cfg, split_cfg, data_dir, progress, None)
}

/// The processes of a cluster as the exchange of a shared read, counting what it sends.
pub struct ClusterExchange<'c> {
    cluster: &'c dyn Cluster,
    bytes_sent: AtomicU64,
    nanos: AtomicU64,
}

impl<'c> ClusterExchange<'c> {
    /// An exchange over `cluster`.
    pub fn new(cluster: &'c dyn Cluster) -> Self {
        ClusterExchange {
            cluster,
            bytes_sent: AtomicU64::new(0),
            nanos: AtomicU64::new(0),
        }
    }

    /// Bytes this process has sent to the others through this exchange.
    pub fn bytes_sent(&self) -> u64 {
        self.bytes_sent.load(Ordering::Relaxed)
    }

    /// Seconds spent in its exchanges (waits for slower processes included).
    pub fn seconds(&self) -> f64 {
        self.nanos.load(Ordering::Relaxed) as f64 * 1e-9
    }
}

impl Exchange for ClusterExchange<'_> {
    fn process(&self) -> usize {
        self.cluster.process()
    }

    fn processes(&self) -> usize {
        self.cluster.processes()
    }

    fn all_gather(&self, mine: Vec<u8>) -> std::result::Result<Vec<Vec<u8>>, String> {
        let started = Instant::now();
        let others = self.cluster.processes().saturating_sub(1) as u64;
        self.bytes_sent
            .fetch_add(mine.len() as u64 * others, Ordering::Relaxed);
        let all = self.cluster.all_gather(mine);
        self.nanos
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        all
    }
}

/// [`load`]; with an `exchange` (the processes of a cluster) each process parses only its
/// share of each text file and every process gets the whole data
/// ([`read_interactions_shared`]).
pub fn load_with(
    cfg: &DataConfig,
    split_cfg: Option<&SplitConfig>,
    data_dir: Option<&Path>,
    progress: &dyn Progress,
    exchange: Option<&dyn Exchange>,
) -> Result<LoadedData> {
    let started = Instant::now();
    let options = read_options(cfg, split_cfg)?;
    let implicit = |x: Interactions| match cfg.implicit_threshold {
        Some(t) => x.to_implicit(t),
        None => x,
    };
    let need_split = || {
        split_cfg.ok_or_else(|| {
            ExperimentError::Config(
                "one rating file needs a split: give --split holdout:0.1 (or leave-k-out:K, \
                 temporal:F), or a [split] section in the config"
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
    let (mut lines, mut skipped_rows, mut format) = (0, 0, None);
    let split = if let Some(path) = &cfg.ratings {
        let path = existing(data_dir, "data.ratings", path)?;
        let (x, report) = match exchange {
            Some(ex) => read_interactions_shared(path, &options, ex, progress)?,
            None => read_interactions(path, &options, progress)?,
        };
        lines = report.lines;
        skipped_rows = report.skipped;
        format = Some(
            report
                .source_format
                .clone()
                .unwrap_or_else(|| report.format.to_string()),
        );
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
        let (train, test) = (
            existing(data_dir, "data.train", train)?,
            existing(data_dir, "data.test", test)?,
        );
        let pair = match exchange {
            Some(ex) => read_train_test_shared(train, test, &options, ex, progress)?,
            None => read_train_test(train, test, &options, progress)?,
        };
        lines = pair.train_report.lines + pair.test_report.lines;
        skipped_rows = pair.train_report.skipped + pair.test_report.skipped;
        format = Some(
            pair.train_report
                .source_format
                .clone()
                .unwrap_or_else(|| pair.train_report.format.to_string()),
        );
        Split::new(implicit(pair.train), implicit(pair.test))?
    };
    Ok(LoadedData {
        report: split.report,
        train: split.train,
        test: split.test,
        seconds: started.elapsed().as_secs_f64(),
        lines,
        skipped_rows,
        format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustrec_data::split::LeaveOut;

    /// Timestamps are kept exactly when the split orders by time.
    #[test]
    fn timestamps_are_kept_only_for_splits_by_time() {
        let cfg = DataConfig::default();
        let keeps = |split: Option<SplitConfig>| {
            read_options(&cfg, split.as_ref()).unwrap().timestamps == TimestampUse::Keep
        };
        assert!(keeps(Some(SplitConfig::Temporal { test_fraction: 0.1 })));
        assert!(keeps(Some(SplitConfig::LeaveKOut {
            k: 1,
            which: LeaveOut::Latest,
            seed: 0
        })));
        assert!(!keeps(Some(SplitConfig::LeaveKOut {
            k: 1,
            which: LeaveOut::Random,
            seed: 0
        })));
        assert!(!keeps(Some(SplitConfig::Holdout {
            test_fraction: 0.1,
            seed: 0
        })));
        assert!(!keeps(None));
    }
}
