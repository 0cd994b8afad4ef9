//! The flags of `rustrec fit` for several processes (`--processes N --process I
//! --hostfile FILE --workers W`) and checkpoints (`--checkpoint-dir DIR --checkpoint-every
//! K --resume`), and the cluster they start (`rustrec-dist`, timely dataflow over TCP).

use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;
use rustrec::experiment::ExperimentConfig;
use rustrec_core::cluster::{Checkpointing, ClusterHandle};
use serde_json::Value;

use super::json_difference::{first_difference, json};

/// Distributed training and checkpoints.
#[derive(Debug, ClapArgs)]
pub struct DistArgs {
    /// Train on this many processes together (each runs `rustrec fit` with the same
    /// options and its own --process; process 0 writes --out and the report).
    #[arg(long)]
    pub processes: Option<usize>,
    /// This process, 0..N-1 (with --processes).
    #[arg(long)]
    pub process: Option<usize>,
    /// One host:port a line, line i for process i (with --processes).
    #[arg(long)]
    pub hostfile: Option<PathBuf>,
    /// timely worker threads per process (with --processes; default 1).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Seconds to wait for every process of the host file to connect (default 120).
    #[arg(long, default_value_t = 120, requires = "processes")]
    pub connect_timeout: u64,
    /// Write the trainer's state to DIR/checkpoint.rrck (atomically) every
    /// --checkpoint-every epochs (ALS, iALS, MF).
    #[arg(long)]
    pub checkpoint_dir: Option<PathBuf>,
    /// Epochs between checkpoints (default 10, as Spark's ALS checkpoint interval).
    #[arg(long)]
    pub checkpoint_every: Option<usize>,
    /// Continue from the checkpoint in --checkpoint-dir (from the start when it holds none).
    #[arg(long)]
    pub resume: bool,
}

/// A started cluster, and what the report needs from it.
pub struct Started {
    /// The handle given to the fit.
    pub handle: ClusterHandle,
    /// This process.
    pub process: usize,
    /// Number of processes.
    pub processes: usize,
    /// Workers per process.
    pub workers: usize,
    #[cfg(feature = "dist")]
    timely: std::sync::Arc<rustrec_dist::TimelyCluster>,
}

impl Started {
    /// Bytes this process sent to the others.
    pub fn bytes_sent(&self) -> u64 {
        #[cfg(feature = "dist")]
        {
            self.timely.bytes_sent()
        }
        #[cfg(not(feature = "dist"))]
        {
            0
        }
    }

    /// Seconds this process spent in exchanges (including waits for slower processes).
    pub fn exchange_seconds(&self) -> f64 {
        #[cfg(feature = "dist")]
        {
            self.timely.exchange_seconds()
        }
        #[cfg(not(feature = "dist"))]
        {
            0.0
        }
    }

    /// Waits for every process to finish its part, then stops the workers.
    pub fn finish(&self) -> anyhow::Result<()> {
        #[cfg(feature = "dist")]
        self.timely.finish()?;
        Ok(())
    }
}

/// The checkpoint settings of the flags (`None` without --checkpoint-dir).
pub fn checkpointing(
    args: &DistArgs,
    cfg: &ExperimentConfig,
) -> anyhow::Result<Option<Checkpointing>> {
    let Some(dir) = &args.checkpoint_dir else {
        if args.resume || args.checkpoint_every.is_some() {
            anyhow::bail!("--resume / --checkpoint-every need --checkpoint-dir DIR");
        }
        return Ok(None);
    };
    let every = args.checkpoint_every.unwrap_or(10);
    if every == 0 {
        anyhow::bail!("--checkpoint-every 0: give the number of epochs between checkpoints (≥ 1)");
    }
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "--checkpoint-dir {}: exists and is not a directory",
            dir.display()
        );
    }
    // What decides the trained bits: data, split, model and seed (not threads, outputs).
    let key = format!(
        "{:?}|{:?}|{:?}|{:?}|{}",
        cfg.data, cfg.split, cfg.validation, cfg.model, cfg.train.seed
    );
    Ok(Some(Checkpointing {
        dir: dir.clone(),
        every,
        resume: args.resume,
        key,
    }))
}

/// What decides the trained bits, as this process was started: the configuration's data
/// (each data file by its size: processes on other machines may name one file by other
/// paths), split, validation, model and seed. Threads and outputs do not count.
fn settings(cfg: &ExperimentConfig, data_dir: Option<&Path>) -> anyhow::Result<Value> {
    let mut data = json(&cfg.data)?;
    if let Value::Object(map) = &mut data {
        for key in ["ratings", "train", "test", "item_file"] {
            if let Some(Value::String(path)) = map.get(key) {
                let file = rustrec::experiment::resolve(data_dir, Path::new(path));
                let size = std::fs::metadata(&file).map(|m| m.len()).ok();
                map.insert(key.into(), serde_json::json!({ "bytes": size }));
            }
        }
    }
    Ok(serde_json::json!({
        "data": data,
        "split": json(&cfg.split)?,
        "validation": json(&cfg.validation)?,
        "model": json(&cfg.model)?,
        "seed": cfg.train.seed,
    }))
}

/// Refuses to train when the processes of `cluster` were started with settings that
/// change the model ([`settings`]): each would train its share of another model, and they
/// would wait for each other for ever or join into a wrong one. Every process says which
/// process differs, the first key that differs and both values.
pub fn check_same_settings(
    cluster: &Started,
    cfg: &ExperimentConfig,
    data_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let mine = settings(cfg, data_dir)?;
    let all = cluster
        .handle
        .all_gather(serde_json::to_vec(&mine)?)
        .map_err(anyhow::Error::msg)?;
    for (process, theirs) in all.iter().enumerate() {
        let theirs: Value = serde_json::from_slice(theirs)?;
        if let Some((key, here, there)) = first_difference("settings", &mine, &theirs) {
            anyhow::bail!(
                "--process {}: process {process} was started with other settings: {key} is \
                 {there} there and {here} here; start every process with the same config, data \
                 and flags (only --process, threads and outputs may differ)",
                cluster.process
            );
        }
    }
    Ok(())
}

/// Starts the cluster of the flags; `None` for one process.
pub fn start(args: &DistArgs) -> anyhow::Result<Option<Started>> {
    let given = args.processes.is_some()
        || args.process.is_some()
        || args.hostfile.is_some()
        || args.workers.is_some();
    if !given {
        return Ok(None);
    }
    let (Some(processes), Some(process), Some(hostfile)) =
        (args.processes, args.process, args.hostfile.as_ref())
    else {
        anyhow::bail!(
            "several processes need --processes N, --process I and --hostfile FILE together \
             (and optionally --workers W)"
        );
    };
    if args.connect_timeout == 0 {
        anyhow::bail!(
            "--connect-timeout 0: the processes would have no time to connect; give the \
             seconds to wait for every process of the host file (≥ 1, default 120)"
        );
    }
    let workers = args.workers.unwrap_or(1);
    start_cluster(processes, process, hostfile, workers, args.connect_timeout)
}

#[cfg(feature = "dist")]
fn start_cluster(
    processes: usize,
    process: usize,
    hostfile: &std::path::Path,
    workers: usize,
    timeout: u64,
) -> anyhow::Result<Option<Started>> {
    let hosts = rustrec_dist::read_hostfile(hostfile)?;
    let spec = rustrec_dist::ClusterSpec::new(hosts, processes, process, workers)
        .map_err(|e| anyhow::anyhow!("{e} (--hostfile {})", hostfile.display()))?;
    let timely =
        rustrec_dist::TimelyCluster::start(&spec, std::time::Duration::from_secs(timeout))?;
    let handle: ClusterHandle = timely.clone();
    Ok(Some(Started {
        handle,
        process,
        processes,
        workers,
        timely,
    }))
}

#[cfg(not(feature = "dist"))]
fn start_cluster(
    _processes: usize,
    _process: usize,
    _hostfile: &std::path::Path,
    _workers: usize,
    _timeout: u64,
) -> anyhow::Result<Option<Started>> {
    anyhow::bail!(
        "--processes: this rustrec was built without the `dist` feature (distributed \
         training); rebuild with default features"
    )
}
