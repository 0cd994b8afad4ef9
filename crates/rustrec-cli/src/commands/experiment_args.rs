//! The flags of every command that runs an experiment configuration (`cv`, `lr-find`,
//! `tune`): which config, where its data lives, overrides and threads.

use std::path::PathBuf;

use clap::Args as ClapArgs;

/// `--config`, `--data-dir`, `--set`, `--threads`.
#[derive(ClapArgs, Debug, Clone)]
pub struct ExperimentArgs {
    /// Experiment configuration (TOML).
    #[arg(long)]
    pub config: PathBuf,
    /// Directory that the config's relative data paths are resolved against.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Override a config key, e.g. --set model.epochs=30 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Worker threads (default: the config's train.threads; 0 = one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}
