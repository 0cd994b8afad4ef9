//! One module per subcommand: each has an `Args` (clap) and a `run`.

use clap::Subcommand;

use crate::Globals;

mod common;
mod compare;
mod convert;
mod cv;
mod demo;
pub mod describe;
mod dist;
mod eval;
mod experiment_args;
mod fit;
mod json_difference;
mod lr_find;
mod models;
mod predict;
mod recommend;
mod report;
#[cfg(feature = "serve")]
mod serve;
mod split;
mod synth;
mod tune;

/// The subcommands (clap parses one per run, so the size of the largest does not matter).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on built-in synthetic data (no files, no network): generate,
    /// split, train with early stopping, evaluate, recommend.
    Demo(demo::Args),
    /// Read a rating file and print its statistics (users, items, density, per-user and
    /// per-item counts, Gini index of item popularity).
    Describe(describe::Args),
    /// Rewrite a rating file in another format: between the text formats and Parquet
    /// (user, item, rating and timestamp columns; raw ids kept exactly).
    Convert(convert::Args),
    /// Train a model (MF, ...) from a TOML experiment config and/or options, evaluate it on
    /// test, and optionally save it, plot its learning curve and profile it.
    Fit(fit::Args),
    /// Evaluate a saved model on a test file (rating or ranking metrics).
    Eval(eval::Args),
    /// List the model kinds: task, inputs and hyperparameters with defaults and ranges.
    Models(models::Args),
    /// Predict ratings of a saved model for (user, item) pairs given by raw id.
    Predict(predict::Args),
    /// Recommend the top-N items of a saved model for a user, or for every user to a file.
    Recommend(recommend::Args),
    /// Serve saved models over HTTP: recommendations, fold-in, similar items, predictions,
    /// reload, metrics, an OpenAPI document and a page for people.
    #[cfg(feature = "serve")]
    Serve(serve::Args),
    /// Split a rating file into train and test (and validation) files.
    Split(split::Args),
    /// Write a synthetic rating file shaped like a MovieLens release (exact user, item and
    /// rating counts, MovieLens-like activity, popularity and rating marginal), optionally
    /// with a seeded random train/test split.
    Synth(synth::Args),
    /// Search hyperparameters on a validation split carved from the training data, then
    /// refit the best configuration and score it on the test set once.
    Tune(tune::Args),
    /// Cross-validate a configuration: K folds, per-fold figures, mean and standard deviation.
    Cv(cv::Args),
    /// Compare configurations on one split, with paired significance tests and an HTML report.
    Compare(compare::Args),
    /// Learning-rate range test: the loss at growing learning rates, and a suggested rate.
    LrFind(lr_find::Args),
}

/// Runs a subcommand.
pub fn run(command: Command, globals: Globals) -> anyhow::Result<()> {
    match command {
        Command::Demo(args) => demo::run_demo(args, globals),
        Command::Describe(args) => describe::run(args, globals),
        Command::Convert(args) => convert::run(args, globals),
        Command::Fit(args) => fit::run_fit(args, globals),
        Command::Eval(args) => eval::run(args, globals),
        Command::Models(args) => models::run(args, globals),
        Command::Predict(args) => predict::run(args, globals),
        Command::Recommend(args) => recommend::run(args, globals),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args, globals),
        Command::Split(args) => split::run(args, globals),
        Command::Synth(args) => synth::run(args, globals),
        Command::Tune(args) => tune::run(args, globals),
        Command::Cv(args) => cv::run(args, globals),
        Command::Compare(args) => compare::run(args, globals),
        Command::LrFind(args) => lr_find::run(args, globals),
    }
}
