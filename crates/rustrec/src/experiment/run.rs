//! Running an experiment: fit with validation and early stopping, refit, evaluate.

use std::path::Path;
use std::time::Instant;

use rustrec_data::split::{self, drop_cold_test_rows};
use rustrec_data::{Exchange, Interactions, Progress};
use rustrec_eval::{
    RankingConfig, RatingMetrics, SampledConfig, TrainCoverage, evaluate_ranking,
    evaluate_ratings_with_coverage, evaluate_ratings_with_train, evaluate_sampled,
};
use rustrec_models::{
    EarlyStopping, EpochCallback, EpochReport, FitContext, Profile, Recommender, Task, Threads,
    TrainedModel, Validation,
};
use serde_json::{Map, Value, json};

use super::config::{EvalConfig, ExperimentConfig, ValidationConfig};
use super::data::{ClusterExchange, LoadedData, load_with};
use super::error::{ExperimentError, Result};
use super::metric::{check_metric, is_rating_metric};
use crate::tune::Direction;

/// Settings of a run that are not part of the experiment itself.
pub struct RunOptions<'a> {
    /// Directory that relative data paths are resolved against.
    pub data_dir: Option<&'a Path>,
    /// Receives progress and per-epoch lines.
    pub progress: &'a dyn Progress,
    /// The pool to train and evaluate on; `None`: a pool of the config's `train.threads`,
    /// built once for the run.
    pub threads: Option<&'a Threads>,
}

/// What a caller can add to a run beyond [`RunOptions`] (for [`run_with`]): what tuning,
/// cross-validation and comparisons need. `RunHooks::default()` is what [`run`] uses.
pub struct RunHooks<'a> {
    /// Evaluate the model on the test set (default `true`). A tuning trial sets `false`: it
    /// is scored on validation data carved from train, and the test set is not touched.
    pub evaluate_test: bool,
    /// Called after every epoch of the (first) fit, with its report (validation metrics
    /// included); `ControlFlow::Break` stops training — how pruners stop a trial.
    pub callbacks: Vec<EpochCallback<'a>>,
    /// Train and test already loaded (one split shared by several runs, or a fold of a
    /// cross-validation) instead of loading `cfg.data` and `cfg.split`.
    pub data: Option<&'a LoadedData>,
    /// The processes that train the model together (families with
    /// `DynFamily::distributed`; `None`: this process alone).
    pub cluster: Option<rustrec_core::cluster::ClusterHandle>,
    /// Checkpoints of the fit (same families).
    pub checkpoint: Option<rustrec_core::cluster::Checkpointing>,
    /// The caller will not read [`Outcome::data`]'s training interactions (default
    /// `false`): when nothing in the run reads them after the fit either (no validation,
    /// a rating-only evaluation, one process, data loaded by the run), the run hands them
    /// to the fit, which may drain them into a layout of its own instead of holding both
    /// (MF: peak memory). `Outcome::data.train` then keeps the id space and no
    /// interactions.
    pub release_train: bool,
}

impl Default for RunHooks<'_> {
    fn default() -> Self {
        RunHooks {
            evaluate_test: true,
            callbacks: Vec::new(),
            data: None,
            cluster: None,
            checkpoint: None,
            release_train: false,
        }
    }
}

/// What an experiment produced.
pub struct Outcome {
    /// The trained model (after refit, if asked).
    pub model: TrainedModel,
    /// The data it was trained and evaluated on (its training interactions handed over to
    /// the fit with [`RunHooks::release_train`]).
    pub data: LoadedData,
    /// One report per epoch of the (first) fit.
    pub history: Vec<EpochReport>,
    /// The epoch whose model was kept.
    pub best_epoch: Option<usize>,
    /// Time per phase.
    pub profile: Profile,
    /// Named figures (`users`, `rmse`, `ndcg@10`, `train_seconds`, ...).
    pub figures: Map<String, Value>,
    /// Why training ended, for the user: `"early stopping at epoch 7 (best: 4)"`, or that
    /// early stopping never fired before the epoch cap. `None` without validation.
    pub stopping: Option<String>,
}

impl Outcome {
    /// What a model file keeps of this run (its header's `training`): the configuration
    /// (without the thread count, which does not change the model), the data format, the
    /// epochs run and kept, and per epoch the loss, validation metrics, samples and learning
    /// rate — no timings, so that one seed gives one file, byte for byte. Nor the paths of
    /// the data files: the header's data fingerprint names the data, and the same data read
    /// from another place, or from a Parquet copy (whose recorded source format is the data
    /// format), gives the same file.
    pub fn training_record(&self, cfg: &ExperimentConfig) -> Value {
        let mut config = serde_json::to_value(cfg).unwrap_or(Value::Null);
        if let Some(train) = config.get_mut("train").and_then(Value::as_object_mut) {
            train.remove("threads");
        }
        if let Some(data) = config.get_mut("data").and_then(Value::as_object_mut) {
            for path in ["ratings", "train", "test", "item_file"] {
                data.remove(path);
            }
        }
        let history: Vec<Value> = self
            .history
            .iter()
            .map(|r| {
                json!({
                    "epoch": r.epoch,
                    "train_loss": number(r.train_loss),
                    "validation": r.validation.iter()
                        .map(|(n, v)| (n.clone(), number(*v)))
                        .collect::<Map<String, Value>>(),
                    "samples": r.samples,
                    "learning_rate": number(r.learning_rate),
                })
            })
            .collect();
        json!({
            "config": config,
            "data_format": self.data.format,
            "epochs_run": self.history.len(),
            "best_epoch": self.best_epoch,
            "history": history,
        })
    }
}

fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// Runs the experiment: loads data, fits (with validation and early stopping if asked),
/// optionally refits on all training data, and evaluates on test.
pub fn run(cfg: &ExperimentConfig, opts: &RunOptions<'_>) -> Result<Outcome> {
    run_with(cfg, opts, RunHooks::default())
}

/// [`run`] with [`RunHooks`]: epoch callbacks, preloaded data, or no test evaluation.
pub fn run_with<'a>(
    cfg: &ExperimentConfig,
    opts: &RunOptions<'a>,
    hooks: RunHooks<'a>,
) -> Result<Outcome> {
    let mut spec = cfg.model.clone();
    if let Some(item_file) = &cfg.data.item_file {
        if spec.content_files().is_empty() {
            return Err(ExperimentError::Config(format!(
                "data.item_file (--item-file) = {}: a {} model uses no item content; leave it \
                 out, or train a kind that reads it (item-knn-cbf, hybrid)",
                item_file.display(),
                spec.kind()
            )));
        }
        let path = super::data::resolve(opts.data_dir, item_file);
        spec.set_item_file(&path.to_string_lossy());
    }
    spec.check()?;
    if let Some(metric) = cfg.validation.as_ref().and_then(|v| v.metric.as_deref()) {
        check_metric(metric)?;
    }
    if (hooks.cluster.is_some() || hooks.checkpoint.is_some()) && !spec.family().distributed() {
        return Err(rustrec_models::ModelError::Data(format!(
            "model kind {}: cannot train on several processes or keep checkpoints (als, ials \
             and mf can)",
            spec.kind()
        ))
        .into());
    }
    let own_threads;
    let threads = match opts.threads {
        Some(t) => t,
        None => {
            own_threads =
                Threads::new(cfg.train.threads).map_err(rustrec_models::ModelError::from)?;
            &own_threads
        }
    };
    // On a cluster each process parses only its share of the files.
    let exchange = hooks.cluster.as_deref().map(ClusterExchange::new);
    let mut data = match hooks.data {
        Some(d) => d.clone(),
        None => load_with(
            &cfg.data,
            cfg.split.as_ref(),
            opts.data_dir,
            opts.progress,
            exchange.as_ref().map(|e| e as &dyn Exchange),
        )?,
    };
    if cfg.eval.drop_cold {
        let mut s = split::Split::new(data.train.clone(), data.test.clone())?;
        drop_cold_test_rows(&mut s);
        data.test = s.test;
        data.report = s.report;
    }
    let task = spec.task();
    let mut figures = Map::new();
    figures.insert("model".into(), json!(spec.kind()));
    figures.insert("users".into(), json!(data.train.n_users()));
    figures.insert("items".into(), json!(data.train.n_items()));
    figures.insert("train_interactions".into(), json!(data.train.nnz()));
    figures.insert("test_interactions".into(), json!(data.test.nnz()));
    figures.insert("cold_test_users".into(), json!(data.report.cold_test_users));
    if let Some(ex) = &exchange {
        // What reading the data by shares cost this process (the training's exchanges are
        // reported apart from it).
        figures.insert("data_bytes_sent".into(), json!(ex.bytes_sent()));
        figures.insert("data_exchange_seconds".into(), json!(ex.seconds()));
    }
    figures.insert("cold_test_items".into(), json!(data.report.cold_test_items));
    figures.insert("data_seconds".into(), number(data.seconds));
    if cfg.data.skip_bad_rows {
        figures.insert("skipped_rows".into(), json!(data.skipped_rows));
    }

    // Validation carved from train.
    let carved = match &cfg.validation {
        Some(v) => Some(match v.k {
            Some(k) => split::validation_leave_k_out(&data.train, k, v.seed)?,
            None => split::validation_split(&data.train, v.fraction, v.seed)?,
        }),
        None => None,
    };
    if let (Some(v), Some(s)) = (&cfg.validation, &carved)
        && s.test.nnz() == 0
    {
        return Err(empty_validation(v, &data.train));
    }
    let rating_only = cfg.eval.rating.unwrap_or(task == Task::Rating)
        && !cfg.eval.ranking.unwrap_or(task == Task::Ranking);
    // Nothing after the fit reads the training interactions: hand them over, keeping what
    // the rating evaluation needs of them.
    let released = (hooks.release_train
        && hooks.data.is_none()
        && carved.is_none()
        && hooks.cluster.is_none()
        && rating_only)
        .then(|| {
            let coverage = TrainCoverage::of(&data.train);
            let kept = data.train.id_space_only();
            (coverage, std::mem::replace(&mut data.train, kept))
        });
    let fit_train = carved.as_ref().map_or(&data.train, |s| &s.train);
    let cutoffs = cfg.eval.cutoffs.clone();
    let mut ctx = FitContext::new(cfg.train.seed, threads.clone());
    ctx.progress = opts.progress;
    ctx.callbacks = hooks.callbacks;
    ctx.cluster = hooks.cluster;
    ctx.checkpoint = hooks.checkpoint;
    if let (Some(v), Some(s)) = (&cfg.validation, &carved) {
        figures.insert("validation_interactions".into(), json!(s.test.nnz()));
        ctx.early_stopping = Some(EarlyStopping {
            patience: v.patience,
            restore_best: v.restore_best,
            min_delta: v.min_delta,
        });
        ctx.validation = Some(validation_for(
            task,
            v.metric.as_deref(),
            fit_train,
            &s.test,
            &cutoffs,
        )?);
    }
    // Item content (ItemKNN-CBF, hybrids): read once over the training item ids.
    let content_dir = super::data::resolve(opts.data_dir, Path::new("."));
    let content =
        spec.load_content_for(&content_dir, data.train.item_ids(), data.format.as_deref())?;
    let started = Instant::now();
    let (mut model, coverage) = match released {
        Some((coverage, train)) => (
            spec.fit_owned_with_content(train, &content, &mut ctx)?,
            Some(coverage),
        ),
        None => (spec.fit_with_content(fit_train, &content, &mut ctx)?, None),
    };
    let mut train_seconds = started.elapsed().as_secs_f64();
    let history = std::mem::take(&mut ctx.history);
    let best_epoch = ctx.best_epoch;
    let mut profile = ctx.profile.clone();
    drop(ctx);
    let (samples, epoch_seconds) = history
        .iter()
        .fold((0u64, 0.0), |(s, t), r| (s + r.samples, t + r.seconds));
    if let (Some(v), Some(best)) = (&cfg.validation, best_epoch)
        && v.refit
    {
        let refit = spec.with_epochs(best);
        let mut ctx = FitContext::new(cfg.train.seed, threads.clone());
        ctx.progress = opts.progress;
        let again = Instant::now();
        model = refit.fit_with_content(&data.train, &content, &mut ctx)?;
        train_seconds += again.elapsed().as_secs_f64();
        profile.update += ctx.profile.update;
        figures.insert("refit_epochs".into(), json!(best));
    }
    figures.insert("epochs_run".into(), json!(history.len()));
    // The validation metrics of the kept epoch, as `validation_<name>`.
    let kept = best_epoch.and_then(|b| history.iter().find(|r| r.epoch == b));
    for (name, value) in kept.map(|r| r.validation.as_slice()).unwrap_or_default() {
        figures.insert(format!("validation_{name}"), number(*value));
    }
    if let Some(b) = best_epoch {
        figures.insert("best_epoch".into(), json!(b));
    }
    let iterative = spec.family().iterative();
    if let Some(last) = history.last().filter(|_| iterative) {
        figures.insert("train_loss".into(), number(last.train_loss));
    }
    figures.insert("train_seconds".into(), number(train_seconds));
    if epoch_seconds > 0.0 && iterative {
        figures.insert(
            "samples_per_sec".into(),
            number(samples as f64 / epoch_seconds),
        );
        figures.insert(
            "seconds_per_iteration".into(),
            number(epoch_seconds / history.len() as f64),
        );
    }
    figures.insert("threads".into(), json!(threads.count()));
    figures.insert("seed".into(), json!(cfg.train.seed));
    let stopping = stopping_note(cfg, task, &history, best_epoch, spec.epochs());
    if let Some(note) = &stopping {
        figures.insert("stopping".into(), json!(note));
    }

    if hooks.evaluate_test {
        let eval_started = Instant::now();
        threads.install(|| match &coverage {
            Some(coverage) => {
                let m = evaluate_ratings_with_coverage(&model, &data.test, coverage)?;
                insert_rating_figures(&mut figures, &m);
                Ok(())
            }
            None => evaluate_into(
                &mut figures,
                &model,
                &data.train,
                &data.test,
                task,
                &cfg.eval,
            ),
        })?;
        let eval_seconds = eval_started.elapsed().as_secs_f64();
        figures.insert("eval_seconds".into(), number(eval_seconds));
    }
    Ok(Outcome {
        model,
        data,
        history,
        best_epoch,
        profile,
        figures,
        stopping,
    })
}

/// Why a run with validation stopped: by early stopping, or at the epoch cap without it
/// having fired (worth saying: the cap may be too low, or patience too long). With
/// `validation.restore_best = false` the model kept is the last epoch's, which the note says
/// beside the epoch validation found best (`best_epoch` is then the kept, last epoch).
fn stopping_note(
    cfg: &ExperimentConfig,
    task: Task,
    history: &[EpochReport],
    best_epoch: Option<usize>,
    cap: Option<usize>,
) -> Option<String> {
    let v = cfg.validation.as_ref()?;
    let (run, cap) = (history.len(), cap?);
    let (best, kept) = if v.restore_best {
        (best_epoch.unwrap_or(run), String::new())
    } else {
        let metric = v.metric.as_deref().unwrap_or(match task {
            Task::Rating => "rmse",
            Task::Ranking => "ndcg@10",
        });
        let best = best_by_validation(history, metric, v.min_delta).unwrap_or(run);
        (
            best,
            format!(
                "; the model of the last epoch ({run}) was kept, as validation.restore_best = \
                 false"
            ),
        )
    };
    Some(if run < cap {
        format!("early stopping after epoch {run} of {cap} (best epoch {best}{kept})")
    } else {
        format!(
            "early stopping never fired: training ran to the epoch cap ({cap}); best epoch \
             {best}{kept} — raise the epochs (model.epochs) if the best epoch is the last"
        )
    })
}

/// The epoch early stopping counts as best on `metric` (in `tune`'s direction for it): the
/// first epoch, then each that improves on the best so far by more than `min_delta`.
fn best_by_validation(history: &[EpochReport], metric: &str, min_delta: f64) -> Option<usize> {
    let higher = Direction::of_metric(metric) == Direction::Maximize;
    let mut best: Option<(f64, usize)> = None;
    for r in history {
        let Some(value) = r.validation.iter().find(|(n, _)| n == metric).map(|m| m.1) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((b, _)) if higher => value > b + min_delta,
            Some((b, _)) => value < b - min_delta,
        };
        if better {
            best = Some((value, r.epoch));
        }
    }
    best.map(|b| b.1)
}

/// The error for a `[validation]` that holds out nothing of `train`: early stopping would
/// watch an empty set (whose errors read 0 and whose rankings are undefined) and keep an
/// arbitrary epoch.
fn empty_validation(v: &ValidationConfig, train: &Interactions) -> ExperimentError {
    match v.k {
        Some(k) => {
            let most = train
                .user_ptr()
                .windows(2)
                .map(|w| w[1] - w[0])
                .max()
                .unwrap_or(0);
            ExperimentError::Config(format!(
                "validation.k = {k}: no user has more than {k} training interactions (the most \
                 any user has is {most}), so the validation set would be empty and early \
                 stopping would watch nothing; give a k below {most}, or a validation.fraction \
                 (--validation F) instead"
            ))
        }
        None => ExperimentError::Config(format!(
            "validation.fraction = {} (--validation): holds out none of the {} training \
             interactions, so the validation set would be empty and early stopping would watch \
             nothing; give a larger fraction, such as 0.1",
            v.fraction,
            train.nnz()
        )),
    }
}

/// The validation that drives early stopping for a model of `task`.
fn validation_for<'a>(
    task: Task,
    metric: Option<&str>,
    fit_train: &'a Interactions,
    valid: &'a Interactions,
    cutoffs: &[usize],
) -> Result<Validation<'a>> {
    match (task, metric) {
        (Task::Rating, None | Some("rmse")) => Ok(Validation::Ratings(valid)),
        // The other rating errors, and any of them for a ranking model (as `tune` tunes it).
        (_, Some(metric)) if is_rating_metric(metric) => Ok(Validation::Custom {
            evaluate: Box::new(move |model: &dyn Recommender| {
                let e = rustrec_core::rating::rating_errors(model, valid);
                vec![
                    ("rmse".to_string(), e.rmse),
                    ("mae".to_string(), e.mae),
                    ("mse".to_string(), e.mse),
                ]
            }),
            metric: metric.to_string(),
            higher_is_better: false,
        }),
        (_, metric) => {
            let metric = metric.unwrap_or("ndcg@10").to_string();
            let mut cuts = cutoffs.to_vec();
            if let Some(k) = metric.split('@').nth(1).and_then(|k| k.parse().ok()) {
                cuts.push(k);
            }
            cuts.sort_unstable();
            cuts.dedup();
            let cfg = RankingConfig::with_cutoffs(&cuts);
            let name = metric.clone();
            // The direction `tune` optimises the metric in (`gini@k` is a concentration:
            // lower is better), so that early stopping keeps the epoch tune would rank best.
            let higher_is_better = Direction::of_metric(&metric) == Direction::Maximize;
            Ok(Validation::Custom {
                evaluate: Box::new(move |model: &dyn Recommender| {
                    evaluate_ranking(model, fit_train, valid, &cfg)
                        .map(|m| m.as_metrics())
                        .unwrap_or_else(|_| vec![(name.clone(), f64::NAN)])
                }),
                metric,
                higher_is_better,
            })
        }
    }
}

/// Evaluates `model` on `test` and adds the figures: rating metrics for rating models,
/// ranking metrics for ranking models (either can be forced on or off in `[eval]`).
pub fn evaluate_into(
    figures: &mut Map<String, Value>,
    model: &dyn Recommender,
    train: &Interactions,
    test: &Interactions,
    task: Task,
    cfg: &EvalConfig,
) -> Result<()> {
    if cfg.rating.unwrap_or(task == Task::Rating) {
        let m = evaluate_ratings_with_train(model, test, train)?;
        insert_rating_figures(figures, &m);
    }
    if cfg.ranking.unwrap_or(task == Task::Ranking) {
        let m = match cfg.protocol.as_str() {
            "full" => evaluate_ranking(
                model,
                train,
                test,
                &RankingConfig::with_cutoffs(&cfg.cutoffs),
            )?,
            "sampled" => {
                let mut s = SampledConfig::new(cfg.negatives, cfg.sampling_seed());
                s.cutoffs = cfg.cutoffs.clone();
                evaluate_sampled(model, train, test, &s)?
            }
            other => {
                return Err(ExperimentError::Config(format!(
                    "eval.protocol = {other:?}: expected \"full\" or \"sampled\""
                )));
            }
        };
        figures.insert("protocol".into(), json!(m.protocol));
        if let Some(seed) = m.seed {
            figures.insert("eval_seed".into(), json!(seed));
        }
        for (name, value) in &m.values {
            figures.insert(name.clone(), number(*value));
        }
        for (key, count) in m.counts() {
            figures.insert(key.into(), json!(count));
        }
    }
    Ok(())
}

/// The figures of a rating evaluation (`rmse`, `mae`, `mse`, `test_ratings`, and the
/// cold-start counts when known).
fn insert_rating_figures(figures: &mut Map<String, Value>, m: &RatingMetrics) {
    figures.insert("rmse".into(), number(m.rmse));
    figures.insert("mae".into(), number(m.mae));
    figures.insert("mse".into(), number(m.mse));
    figures.insert("test_ratings".into(), json!(m.n));
    if let Some(c) = m.cold_users {
        figures.insert("cold_user_ratings".into(), json!(c));
    }
    if let Some(c) = m.cold_items {
        figures.insert("cold_item_ratings".into(), json!(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustrec_data::NoProgress;

    /// Early stopping watched every ranking metric as higher-is-better, so `gini@10` (a
    /// concentration, which `tune` minimises) kept the epoch with the *worst* Gini.
    #[test]
    fn early_stopping_on_gini_keeps_the_lowest_gini_epoch() {
        let cfg = ExperimentConfig::from_toml(
            r#"
            [data.synthetic]
            like = "ml-100k"
            [split]
            kind = "holdout"
            test_fraction = 0.1
            [model]
            kind = "bpr"
            factors = 8
            epochs = 6
            [validation]
            fraction = 0.1
            patience = 6
            restore_best = true
            metric = "gini@10"
            [train]
            threads = 1
            "#,
        )
        .unwrap();
        let outcome = run_with(
            &cfg,
            &RunOptions {
                data_dir: None,
                progress: &NoProgress,
                threads: None,
            },
            RunHooks {
                evaluate_test: false,
                ..RunHooks::default()
            },
        )
        .unwrap();
        let gini: Vec<(usize, f64)> = outcome
            .history
            .iter()
            .map(|r| {
                let v = r.validation.iter().find(|(n, _)| n == "gini@10");
                (r.epoch, v.map(|(_, v)| *v).unwrap_or(f64::NAN))
            })
            .collect();
        assert_eq!(gini.len(), 6, "{gini:?}");
        assert!(gini.iter().all(|(_, g)| g.is_finite()), "{gini:?}");
        // The values must differ, or any epoch would do and the test could not fail.
        let lowest = gini.iter().map(|g| g.1).fold(f64::INFINITY, f64::min);
        let highest = gini.iter().map(|g| g.1).fold(f64::NEG_INFINITY, f64::max);
        assert!(lowest < highest, "{gini:?}");
        let best = gini.iter().find(|g| g.1 == lowest).map(|g| g.0);
        assert_eq!(outcome.best_epoch, best, "{gini:?}");
    }

    /// A run that hands its training data to the fit (`release_train`) reports the figures
    /// and trains the model of one that keeps it; it hands the data over only when nothing
    /// after the fit reads it.
    #[test]
    fn a_run_that_releases_its_training_data_gives_the_figures_and_model_of_one_that_keeps_it() {
        let config = |extra: &str| {
            ExperimentConfig::from_toml(&format!(
                r#"
                [data.synthetic]
                like = "ml-100k"
                [split]
                kind = "holdout"
                test_fraction = 0.1
                [model]
                kind = "mf"
                factors = 8
                epochs = 3
                [train]
                threads = 1
                {extra}
                "#
            ))
            .unwrap()
        };
        let run_it = |cfg: &ExperimentConfig, release_train: bool| {
            run_with(
                cfg,
                &RunOptions {
                    data_dir: None,
                    progress: &NoProgress,
                    threads: None,
                },
                RunHooks {
                    release_train,
                    ..RunHooks::default()
                },
            )
            .unwrap()
        };
        let cfg = config("");
        let (kept, released) = (run_it(&cfg, false), run_it(&cfg, true));
        let without_timings = |o: &Outcome| {
            let mut f = o.figures.clone();
            f.retain(|k, _| !k.contains("seconds") && !k.contains("per_sec"));
            f
        };
        assert_eq!(without_timings(&released), without_timings(&kept));
        assert!(kept.figures.contains_key("cold_item_ratings"));
        let tensors = |o: &Outcome| o.model.to_model_file().unwrap().tensors;
        assert!(tensors(&kept).contains_key("item_factors"));
        assert_eq!(tensors(&released), tensors(&kept));
        assert_eq!(released.data.train.nnz(), 0, "handed over to the fit");
        assert!(released.data.train.same_id_space(&kept.data.train));
        // A ranking evaluation reads the training data after the fit: it stays.
        let ranked = config("[eval]\nranking = true");
        assert!(run_it(&ranked, true).data.train.nnz() > 0);
    }

    /// Early stopping and `tune` agree on the direction of every metric a validation run
    /// can watch.
    #[test]
    fn early_stopping_direction_is_tunes_for_every_metric() {
        let empty = Interactions::from_index_triplets(1, 1, &[(0, 0, 1.0)]).unwrap();
        let mut names: Vec<String> = ["rmse", "mae", "mse"].map(String::from).to_vec();
        for m in rustrec_eval::Metric::ALL {
            names.push(if m.has_cutoff() {
                format!("{}@10", m.name())
            } else {
                m.name().to_string()
            });
        }
        for task in [Task::Rating, Task::Ranking] {
            for name in &names {
                check_metric(name).unwrap();
                let v = validation_for(task, Some(name), &empty, &empty, &[10]).unwrap();
                let higher = match &v {
                    Validation::Ratings(_) => false,
                    Validation::Custom {
                        higher_is_better, ..
                    } => *higher_is_better,
                };
                assert_eq!(
                    higher,
                    Direction::of_metric(name) == Direction::Maximize,
                    "{name} ({task:?})"
                );
            }
        }
    }
    fn report(epoch: usize, validation: &[(&str, f64)]) -> EpochReport {
        EpochReport {
            epoch,
            train_loss: 1.0,
            validation: validation
                .iter()
                .map(|(n, v)| (n.to_string(), *v))
                .collect(),
            samples: 1,
            seconds: 1.0,
            samples_per_sec: 1.0,
            learning_rate: 0.1,
        }
    }

    /// With `validation.restore_best = false` the engine reports the kept (last) epoch as
    /// `best_epoch`, and the note said "best epoch 3" of a run whose validation RMSE was
    /// best at epoch 2.
    #[test]
    fn stopping_note_without_restore_best_names_the_validation_best_and_the_kept_epoch() {
        let cfg = |restore: bool| {
            ExperimentConfig::from_toml(&format!(
                "[data.synthetic]\nlike = \"ml-100k\"\n[validation]\nfraction = 0.1\n\
                 patience = 1\nrestore_best = {restore}\n[model]\nkind = \"mf\"\nepochs = 5\n"
            ))
            .unwrap()
        };
        let history = [
            report(1, &[("rmse", 0.9), ("mae", 0.7)]),
            report(2, &[("rmse", 0.8), ("mae", 0.6)]),
            report(3, &[("rmse", 0.85), ("mae", 0.5)]),
        ];
        let note = stopping_note(&cfg(false), Task::Rating, &history, Some(3), Some(5)).unwrap();
        assert!(
            note.contains("best epoch 2;") && note.contains("last epoch (3) was kept"),
            "{note}"
        );
        let note = stopping_note(&cfg(true), Task::Rating, &history, Some(2), Some(5)).unwrap();
        assert!(
            note.contains("best epoch 2)") && !note.contains("kept"),
            "{note}"
        );
        // The direction is the metric's: a ranking run keeps the highest nDCG, and a Gini
        // the lowest.
        let ranked = [
            report(1, &[("ndcg@10", 0.1), ("gini@10", 0.5)]),
            report(2, &[("ndcg@10", 0.3), ("gini@10", 0.7)]),
            report(3, &[("ndcg@10", 0.2), ("gini@10", 0.6)]),
        ];
        assert_eq!(best_by_validation(&ranked, "ndcg@10", 0.0), Some(2));
        assert_eq!(best_by_validation(&ranked, "gini@10", 0.0), Some(1));
        // An improvement within min_delta does not count.
        assert_eq!(best_by_validation(&ranked, "ndcg@10", 0.25), Some(1));
    }
}
