//! Fitting: the [`Fit`] trait and the [`FitContext`] that carries run-wide settings.

use std::ops::ControlFlow;

use rustrec_data::{Interactions, NoProgress, Progress};

use crate::error::CoreError;
use crate::recommender::Recommender;
use crate::threads::Threads;

/// A checked parameter set of one model family that can be fitted to data.
pub trait Fit {
    /// The trained model.
    type Model: Recommender;
    /// What can go wrong while fitting.
    type Error;

    /// Trains on `train`, with the run-wide settings of `ctx` (seed, thread pool,
    /// validation, early stopping, callbacks). The per-epoch history is left in
    /// `ctx.history`.
    fn fit(
        &self,
        train: &Interactions,
        ctx: &mut FitContext<'_>,
    ) -> Result<Self::Model, Self::Error>;

    /// [`Fit::fit`] on data the caller hands over and does not need again: a model that
    /// trains on a layout of its own may build it while draining `train`, so that the two
    /// are never held together (MF's packed blocks). The model is the one [`Fit::fit`]
    /// gives, bit for bit. By default, [`Fit::fit`] on `train`.
    fn fit_owned(
        &self,
        train: Interactions,
        ctx: &mut FitContext<'_>,
    ) -> Result<Self::Model, Self::Error> {
        self.fit(&train, ctx)
    }
}

/// Named metric values, in a stable order (for example `[("rmse", 0.91), ("mae", 0.72)]`).
pub type Metrics = Vec<(String, f64)>;

/// A caller-supplied validation: named metrics of the model as it is after an epoch.
pub type Evaluate<'a> = Box<dyn FnMut(&dyn Recommender) -> Metrics + Send + 'a>;

/// How a model is validated after each epoch.
pub enum Validation<'a> {
    /// Rating metrics (`rmse`, `mae`) on held-out ratings in the training id space; RMSE
    /// drives early stopping.
    Ratings(&'a Interactions),
    /// A caller-supplied evaluation (for example a ranking evaluator) returning named
    /// metrics; `metric` names the one that drives early stopping.
    Custom {
        /// Computes the metrics of the model as it is after an epoch.
        evaluate: Evaluate<'a>,
        /// The metric that early stopping watches.
        metric: String,
        /// Whether larger values of `metric` are better.
        higher_is_better: bool,
    },
}

/// Early stopping on the validation metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement before training stops.
    pub patience: usize,
    /// Whether the model returned is the one of the best epoch (otherwise the last one).
    pub restore_best: bool,
    /// Smallest change that counts as an improvement.
    pub min_delta: f64,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            patience: 3,
            restore_best: true,
            min_delta: 0.0,
        }
    }
}

/// What happened in one epoch. Model files keep the deterministic part (epoch, loss,
/// validation, samples, learning rate); the timings only go to reports.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EpochReport {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss per sample (the model's own loss, regularisation excluded).
    pub train_loss: f64,
    /// Validation metrics, if a validation set was given.
    pub validation: Metrics,
    /// Training samples processed (SGD updates, or rows solved for ALS).
    pub samples: u64,
    /// Wall-clock seconds of the training part of the epoch (validation excluded).
    pub seconds: f64,
    /// `samples / seconds`.
    pub samples_per_sec: f64,
    /// Learning rate at the end of the epoch (0 for models without one).
    pub learning_rate: f64,
}

/// Wall-clock seconds spent in each phase of a fit, for `--profile`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Profile {
    /// Building indices, blocks, initial values.
    pub prepare: f64,
    /// Drawing and ordering samples.
    pub sampling: f64,
    /// Computing gradients and applying updates (or solving, for ALS).
    pub update: f64,
    /// Validation after epochs.
    pub evaluation: f64,
}

/// A callback called after every epoch; `Break` stops training.
pub type EpochCallback<'a> = Box<dyn FnMut(&EpochReport) -> ControlFlow<()> + Send + 'a>;

/// Run-wide settings of a fit and what it reports back.
pub struct FitContext<'a> {
    /// Seed of every random choice; with the same seed a fit is reproduced bit for bit,
    /// whatever the thread count.
    pub seed: u64,
    /// The pool the fit runs on (and the caller evaluates on).
    pub threads: Threads,
    /// Validation after each epoch, if any.
    pub validation: Option<Validation<'a>>,
    /// Early stopping on the validation metric (needs `validation`).
    pub early_stopping: Option<EarlyStopping>,
    /// Receives progress (one phase per epoch) and one message line per epoch.
    pub progress: &'a dyn Progress,
    /// Called after every epoch.
    pub callbacks: Vec<EpochCallback<'a>>,
    /// Filled by the fit: one report per epoch.
    pub history: Vec<EpochReport>,
    /// Filled by the fit: the epoch whose model was returned (1-based).
    pub best_epoch: Option<usize>,
    /// Filled by the fit: time per phase.
    pub profile: Profile,
    /// The processes that train this model together (`None`: this process alone). Only
    /// families that say so in their docs (ALS, iALS, MF) use it; the others refuse it.
    pub cluster: Option<crate::cluster::ClusterHandle>,
    /// Checkpoints of the trainer's state (families with a resumable trainer).
    pub checkpoint: Option<crate::cluster::Checkpointing>,
}

impl<'a> FitContext<'a> {
    /// A context with the given seed, running on `threads`.
    pub fn new(seed: u64, threads: Threads) -> Self {
        FitContext {
            seed,
            threads,
            validation: None,
            early_stopping: None,
            progress: &NoProgress,
            callbacks: Vec::new(),
            history: Vec::new(),
            best_epoch: None,
            profile: Profile::default(),
            cluster: None,
            checkpoint: None,
        }
    }

    /// A context with the given seed on a new pool of `threads` workers (0 = one per
    /// core): for one-off fits; a run that fits several times shares one [`Threads`].
    pub fn with_threads(seed: u64, threads: usize) -> Result<Self, CoreError> {
        Ok(Self::new(seed, Threads::new(threads)?))
    }

    /// The number of worker threads this fit uses.
    pub fn effective_threads(&self) -> usize {
        self.threads.count()
    }

    /// Sum of the samples processed over all epochs and of their training seconds.
    pub fn totals(&self) -> (u64, f64) {
        self.history
            .iter()
            .fold((0, 0.0), |(s, t), r| (s + r.samples, t + r.seconds))
    }
}
