//! The epoch loop shared by every iteratively trained model: timing, divergence checks,
//! validation, early stopping with restore-best, callbacks and progress lines.

use std::ops::ControlFlow;
use std::time::Instant;

use super::checkpoint;
use crate::error::{ModelError, Result};
use rustrec_core::Recommender;
use rustrec_core::rating::rating_errors;
use rustrec_core::{EpochCallback, EpochReport, FitContext, Metrics, Validation};

/// What one epoch of a trainer did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EpochStats {
    /// Sum of the per-sample losses.
    pub loss_sum: f64,
    /// Samples (updates) processed.
    pub samples: u64,
    /// Seconds spent drawing and ordering samples (summed over threads, then scaled to
    /// the epoch's wall time by the caller of [`train`]).
    pub sampling_seconds: f64,
    /// Seconds spent in gradient and update (summed over threads).
    pub update_seconds: f64,
    /// Learning rate at the end of the epoch (0 for a solver without one).
    pub learning_rate: f64,
}

/// A model being trained, one epoch at a time.
pub trait Trainer {
    /// The model a snapshot gives.
    type Model: Recommender + Clone;
    /// Runs epoch `epoch` (0-based).
    fn epoch(&mut self, epoch: usize) -> Result<EpochStats>;
    /// The model as it is now.
    fn snapshot(&self) -> Self::Model;

    /// The final model, when training is over and the trainer is not used again:
    /// [`Self::snapshot`] unless the trainer can move its tables into the model instead of
    /// copying them (a copy doubles the parameters' memory at the end of training).
    fn take_model(&mut self) -> Self::Model {
        self.snapshot()
    }

    /// The whole state that later epochs depend on (parameters, optimizer state), for
    /// checkpoints; `None`: this trainer cannot be checkpointed.
    fn state(&self) -> Option<Vec<u8>> {
        None
    }

    /// Restores a state written by [`Trainer::state`] of a trainer built the same way.
    fn restore(&mut self, _state: &[u8]) -> Result<()> {
        Err(ModelError::Data(
            "this model cannot resume from a checkpoint".into(),
        ))
    }

    /// The largest mean training loss that is not divergence. A loss that stays finite
    /// but far above what predicting nothing costs (values of 1e20 with a huge learning
    /// rate) means the model is lost as surely as a NaN; trainers whose loss has a natural
    /// scale say so here. Default: only a non-finite loss is divergence.
    fn loss_bound(&self) -> f64 {
        f64::INFINITY
    }
}

/// Runs up to `epochs` epochs of `trainer` with the settings of `ctx` and returns the
/// model: the best epoch's if early stopping restores it, the last one's otherwise.
pub fn train<T: Trainer>(
    trainer: &mut T,
    epochs: usize,
    ctx: &mut FitContext<'_>,
) -> Result<T::Model> {
    let mut best: Option<(f64, usize, Option<T::Model>)> = None;
    let mut since_best = 0usize;
    let restore = ctx.early_stopping.is_some_and(|e| e.restore_best);
    let first = resume(trainer, epochs, ctx)?;
    ctx.progress.start("training", Some(epochs as u64));
    ctx.progress.advance(first as u64);
    let mut last_model = None;
    for epoch in first..epochs {
        let started = Instant::now();
        let stats = trainer.epoch(epoch)?;
        let seconds = started.elapsed().as_secs_f64();
        let busy = stats.sampling_seconds + stats.update_seconds;
        if busy > 0.0 {
            ctx.profile.sampling += seconds * stats.sampling_seconds / busy;
            ctx.profile.update += seconds * stats.update_seconds / busy;
        } else {
            ctx.profile.update += seconds;
        }
        let train_loss = if stats.samples == 0 {
            0.0
        } else {
            stats.loss_sum / stats.samples as f64
        };
        if !train_loss.is_finite() || train_loss > trainer.loss_bound() {
            ctx.progress.finish();
            return Err(ModelError::Diverged {
                epoch: epoch + 1,
                loss: train_loss,
                // Solvers without a step size (ALS, EASE, BPMF) report 0.
                learning_rate: (stats.learning_rate > 0.0).then_some(stats.learning_rate),
            });
        }
        let eval_started = Instant::now();
        let (validation, model) = match ctx.validation.as_mut() {
            None => (Metrics::new(), None),
            Some(v) => {
                let model = trainer.snapshot();
                let metrics = validate(v, &model);
                (metrics, Some(model))
            }
        };
        ctx.profile.evaluation += eval_started.elapsed().as_secs_f64();
        let report = EpochReport {
            epoch: epoch + 1,
            train_loss,
            validation,
            samples: stats.samples,
            seconds,
            samples_per_sec: if seconds > 0.0 {
                stats.samples as f64 / seconds
            } else {
                0.0
            },
            learning_rate: stats.learning_rate,
        };
        ctx.progress.message(&epoch_line(&report, epochs));
        ctx.progress.advance(1);
        let mut stop = false;
        for cb in ctx.callbacks.iter_mut() {
            if cb(&report).is_break() {
                stop = true;
            }
        }
        if let (Some(v), Some(es)) = (ctx.validation.as_ref(), ctx.early_stopping) {
            let (name, higher) = watched(v);
            if let Some(value) = report
                .validation
                .iter()
                .find(|(n, _)| *n == name)
                .map(|m| m.1)
            {
                let better = match &best {
                    None => true,
                    Some((b, _, _)) => {
                        if higher {
                            value > b + es.min_delta
                        } else {
                            value < b - es.min_delta
                        }
                    }
                };
                if better {
                    best = Some((value, epoch + 1, if restore { model.clone() } else { None }));
                    since_best = 0;
                } else {
                    since_best += 1;
                    if since_best >= es.patience {
                        stop = true;
                    }
                }
            }
        }
        ctx.history.push(report);
        last_model = model;
        if let Some(ck) = ctx.checkpoint.as_ref()
            && (epoch + 1) % ck.every.max(1) == 0
        {
            let mut state = checkpoint::encode_history(&ctx.history);
            state.extend(trainer.state().ok_or_else(not_resumable)?);
            checkpoint::write(ck, epoch + 1, &state)?;
        }
        if stop {
            break;
        }
    }
    ctx.progress.finish();
    if let (true, Some((_, epoch, Some(model)))) = (restore, best) {
        ctx.best_epoch = Some(epoch);
        return Ok(model);
    }
    ctx.best_epoch = ctx.history.last().map(|r| r.epoch);
    Ok(last_model.unwrap_or_else(|| trainer.take_model()))
}

/// The common body of an SGD model's `fit`: refuses empty data, makes the trainer inside
/// the context's thread pool (timed as preparation) and runs the epochs there. The trainer
/// gets the seed only: nothing it does may depend on the number of threads.
pub fn fit_in_pool<T, F>(
    data: &rustrec_data::Interactions,
    ctx: &mut FitContext<'_>,
    epochs: usize,
    make_trainer: F,
) -> Result<T::Model>
where
    T: Trainer,
    T::Model: Send,
    F: FnOnce(u64) -> T + Send,
{
    if data.nnz() == 0 {
        return Err(ModelError::Data(
            "the training data holds no interactions".into(),
        ));
    }
    train_in_pool(ctx, epochs, make_trainer)
}

/// [`fit_in_pool`] without its check of the data, for a trainer that takes the data over
/// (the caller checks that it holds interactions).
pub fn train_in_pool<T, F>(
    ctx: &mut FitContext<'_>,
    epochs: usize,
    make_trainer: F,
) -> Result<T::Model>
where
    T: Trainer,
    T::Model: Send,
    F: FnOnce(u64) -> T + Send,
{
    let started = Instant::now();
    let pool = ctx.threads.clone();
    let seed = ctx.seed;
    pool.install(|| {
        let mut trainer = make_trainer(seed);
        ctx.profile.prepare += started.elapsed().as_secs_f64();
        train(&mut trainer, epochs, ctx)
    })
}

/// The metric early stopping watches, and whether higher is better.
fn watched(v: &Validation<'_>) -> (String, bool) {
    match v {
        Validation::Ratings(_) => ("rmse".to_string(), false),
        Validation::Custom {
            metric,
            higher_is_better,
            ..
        } => (metric.clone(), *higher_is_better),
    }
}

fn validate<M: Recommender>(v: &mut Validation<'_>, model: &M) -> Metrics {
    match v {
        Validation::Ratings(data) => {
            let e = rating_errors(model, data);
            vec![("rmse".to_string(), e.rmse), ("mae".to_string(), e.mae)]
        }
        Validation::Custom { evaluate, .. } => evaluate(model),
    }
}

/// The one-line summary of an epoch shown to users.
pub fn epoch_line(r: &EpochReport, epochs: usize) -> String {
    let width = epochs.to_string().len();
    let mut line = format!(
        "epoch {:>w$}/{epochs}  train_loss {:.5}",
        r.epoch,
        r.train_loss,
        w = width
    );
    for (name, value) in &r.validation {
        line.push_str(&format!("  val_{name} {value:.5}"));
    }
    line.push_str(&format!(
        "  {:.2}M samples/s  {:.3}s",
        r.samples_per_sec / 1e6,
        r.seconds
    ));
    line
}

/// A callback that stops training once `done(report)` holds (for library users).
pub fn stop_when<'a>(mut done: impl FnMut(&EpochReport) -> bool + Send + 'a) -> EpochCallback<'a> {
    Box::new(move |r| {
        if done(r) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
}

fn not_resumable() -> ModelError {
    ModelError::Data(
        "--checkpoint-dir: this model kind cannot be checkpointed (ALS, iALS and MF can)".into(),
    )
}

/// With `--resume`, restores the trainer from the context's checkpoint and returns the
/// number of epochs it holds (0 without one). On a cluster every process must hold the same
/// checkpoint: they compare the epoch count and a fingerprint of the state.
fn resume<T: Trainer>(trainer: &mut T, epochs: usize, ctx: &mut FitContext<'_>) -> Result<usize> {
    let Some(ck) = ctx.checkpoint.as_ref() else {
        return Ok(0);
    };
    if trainer.state().is_none() {
        return Err(not_resumable());
    }
    if ctx.early_stopping.is_some() {
        return Err(ModelError::Data(
            "--checkpoint-dir: checkpoints do not keep early stopping's best model yet; \
             train without validation.patience, or without checkpoints"
                .into(),
        ));
    }
    let saved = if ck.resume {
        checkpoint::read(ck)?
    } else {
        None
    };
    let (done, print) = match &saved {
        Some(s) => (s.epochs_done, checkpoint::fnv1a(&s.state)),
        None => (0, 0),
    };
    if let Some(cluster) = ctx.cluster.as_ref() {
        let mut mine = (done as u64).to_le_bytes().to_vec();
        mine.extend_from_slice(&print.to_le_bytes());
        let all = cluster.all_gather(mine.clone()).map_err(ModelError::Data)?;
        if let Some(p) = all.iter().position(|o| *o != mine) {
            return Err(ModelError::Data(format!(
                "--resume: process {p} holds another checkpoint than process {} in {} \
                 (give every process the same checkpoint file)",
                cluster.process(),
                ck.dir.display()
            )));
        }
    }
    let Some(saved) = saved else {
        return Ok(0);
    };
    if saved.epochs_done > epochs {
        return Err(ModelError::Data(format!(
            "checkpoint {}: holds {} epochs, more than the {epochs} asked for",
            checkpoint::path_of(ck).display(),
            saved.epochs_done
        )));
    }
    let (history, used) = checkpoint::decode_history(&saved.state).map_err(|e| {
        ModelError::Data(format!(
            "checkpoint {}: {e}",
            checkpoint::path_of(ck).display()
        ))
    })?;
    ctx.history = history;
    trainer.restore(&saved.state[used..]).map_err(|e| {
        ModelError::Data(format!(
            "checkpoint {}: {e}",
            checkpoint::path_of(ck).display()
        ))
    })?;
    ctx.progress.message(&format!(
        "resumed from {} after epoch {}",
        checkpoint::path_of(ck).display(),
        saved.epochs_done
    ));
    Ok(saved.epochs_done)
}
