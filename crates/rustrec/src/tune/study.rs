//! A study: trials of a base configuration over a search space, scored on validation data
//! carved from the training data, and the best configuration refitted and tested once.
//!
//! ## What a trial is
//! The base configuration with the trial's parameters set ([`Study::trial_config`]):
//! * its `[validation]` (the split carved from train, early stopping on it) watches the
//!   tuned metric, and the refit after early stopping is switched off — the trial is scored
//!   on the validation set, so a refit would only cost time;
//! * a base without `[validation]` gets one (10 % of train, seed 7) that does not stop early
//!   (`patience` beyond any epoch count, the last epoch's model kept), so a trial is what the
//!   base would train, scored on data it did not train on;
//! * the test set is not evaluated at all ([`crate::experiment::RunHooks::evaluate_test`]).
//!
//! A trial's value is the validation metric of the epoch the run keeps; for a model that
//! does not train in epochs (EASE, item-KNN), the trained model is evaluated on the
//! validation set once. The pruner ([`super::pruners`]) watches the per-epoch values through
//! the fit's epoch callbacks and may stop a trial that has epochs left; a trial that ran all
//! its epochs (or a model that does not train in epochs) is complete, never pruned. A trial
//! whose run fails — training diverged, the parameters
//! were refused, a metric came out as NaN — is logged as `failed` and the search goes on.
//!
//! ## Refit and test
//! [`Study::best_table`] is the base configuration with the best trial's parameters; with
//! `[validation]` its `refit = true` (so the model ends trained on all training data, for
//! the epoch count early stopping chose) and its metric the tuned one; a model that does not
//! train in epochs loses `[validation]` (it would only withhold data). [`Study::refit`] runs
//! it once and evaluates it on the test set: the only time a study touches the test set.
//!
//! ## Parallel trials and reproducibility
//! With `parallel = P`, trials run `P` at a time, each on its own pool of
//! `max(1, threads / P)` workers (the thread budget is `threads`, or the base's
//! `train.threads`, 0 meaning one per core). The `P` trials of a batch are suggested from the
//! trials finished before the batch, and their pruners see those trials only, so the
//! trials depend on the seed and `P`, never on timing or thread counts (results of a fit
//! never depend on its thread count). The data is read and split once and shared by every
//! trial, unless the space changes `data.*` or `split.*` keys.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rustrec_data::split;
use rustrec_data::{NoProgress, Progress};
use rustrec_models::{EpochReport, Task, Threads};
use serde_json::{Map, Value};

use super::pruners::Pruner;
use super::samplers::{Direction, Sampler};
use super::space::{SearchSpace, json_to_toml};
use super::trial_log::{TrialRecord, TrialState};
use crate::experiment::{
    ExperimentConfig, ExperimentError, LoadedData, Outcome, Result, RunHooks, RunOptions,
    check_metric, evaluate_into, is_rating_metric, load, run_with, set_value,
};

/// How a study searches.
#[derive(Clone, Debug, PartialEq)]
pub struct TuneSettings {
    /// Total number of trials (a resumed study counts its logged trials).
    pub trials: usize,
    /// How parameters are chosen.
    pub sampler: Sampler,
    /// How trials are stopped early.
    pub pruner: Pruner,
    /// The validation metric to optimise (`rmse`, `ndcg@10`, ...); default: the base's
    /// `validation.metric`, else `rmse` for rating models and `ndcg@10` for ranking models.
    pub metric: Option<String>,
    /// Minimise or maximise: the metric's usual direction ([`Direction::of_metric`]); a
    /// direction given here must be that one (the other is refused by [`Study::new`]).
    pub direction: Option<Direction>,
    /// Trials run at once: 1 to [`MAX_PARALLEL`].
    pub parallel: usize,
    /// Seed of the samplers (the models train with the base's `train.seed`).
    pub seed: u64,
    /// Thread budget shared by the parallel trials; default: the base's `train.threads`.
    pub threads: Option<usize>,
}

impl Default for TuneSettings {
    fn default() -> Self {
        TuneSettings {
            trials: 20,
            sampler: Sampler::Tpe(Default::default()),
            pruner: Pruner::None,
            metric: None,
            direction: None,
            parallel: 1,
            seed: 0,
            threads: None,
        }
    }
}

/// What is optimised.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// The validation metric.
    pub metric: String,
    /// Its direction.
    pub direction: Direction,
}

/// The default validation of a base that has none (see the module docs).
const DEFAULT_VALIDATION_FRACTION: f64 = 0.1;
const DEFAULT_VALIDATION_SEED: i64 = 7;
/// The most trials a study runs at once (each on its own pool of worker threads).
pub const MAX_PARALLEL: usize = 256;
/// The most combinations of the other parameters' grid values a value of the search space
/// is checked with ([`Study::new`]).
pub const MAX_CHECKED_COMBINATIONS: usize = 256;
/// A patience no epoch count reaches: no early stopping.
const NO_EARLY_STOPPING: i64 = 1 << 40;

/// A study (see the module docs).
pub struct Study {
    base: toml::Table,
    base_cfg: ExperimentConfig,
    space: SearchSpace,
    settings: TuneSettings,
    objective: Objective,
    data: Option<LoadedData>,
    data_dir: Option<PathBuf>,
}

fn config_error(msg: String) -> ExperimentError {
    ExperimentError::Config(msg)
}

/// The thread budget `threads` means (0: one per core).
pub fn thread_budget(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

impl Study {
    /// Prepares a study of `base` (a configuration's TOML table) over `space`: checks that
    /// the space's model keys are parameters of the model, picks the objective, and reads and
    /// splits the data once (unless the space changes it).
    pub fn new(
        base: toml::Table,
        space: SearchSpace,
        settings: TuneSettings,
        data_dir: Option<&Path>,
        progress: &dyn Progress,
    ) -> Result<Self> {
        let base_cfg = ExperimentConfig::from_value(base.clone())?;
        if settings.trials == 0 {
            return Err(config_error("trials = 0: give at least one trial".into()));
        }
        if !(1..=MAX_PARALLEL).contains(&settings.parallel) {
            return Err(config_error(format!(
                "parallel = {} (--parallel): expected 1 to {MAX_PARALLEL} trials at once",
                settings.parallel
            )));
        }
        if !space.params.iter().any(|p| p.name == "model.kind") {
            let family = base_cfg.model.family();
            let names: Vec<&str> = family.params().iter().map(|p| p.name).collect();
            for p in &space.params {
                if let Some(rest) = p.name.strip_prefix("model.") {
                    let key = rest.split('.').next().unwrap_or(rest);
                    if !names.contains(&key) {
                        return Err(config_error(format!(
                            "search space: {} is not a parameter of model kind `{}` (its \
                             parameters: {}; see `rustrec models {}`)",
                            p.name,
                            family.kind(),
                            names.join(", "),
                            family.kind()
                        )));
                    }
                }
            }
        }
        let metric = settings
            .metric
            .clone()
            .or_else(|| base_cfg.validation.as_ref().and_then(|v| v.metric.clone()))
            .unwrap_or_else(|| match base_cfg.model.task() {
                Task::Rating => "rmse".into(),
                Task::Ranking => "ndcg@10".into(),
            });
        check_metric(&metric)?;
        let usual = Direction::of_metric(&metric);
        // The trials' early stopping keeps the epoch best in the metric's own direction: a
        // study ranking them the other way would mix two objectives.
        if let Some(given) = settings.direction.filter(|d| *d != usual) {
            return Err(config_error(format!(
                "direction {} (--direction) contradicts metric {metric}, which is {} \
                 ({} is better); leave --direction out, or give --direction {}",
                given.name(),
                match usual {
                    Direction::Minimize => "minimised",
                    Direction::Maximize => "maximised",
                },
                match usual {
                    Direction::Minimize => "smaller",
                    Direction::Maximize => "larger",
                },
                usual.name()
            )));
        }
        let direction = usual;
        let mut study = Study {
            base,
            base_cfg,
            space,
            settings,
            objective: Objective { metric, direction },
            data: None,
            data_dir: data_dir.map(Path::to_path_buf),
        };
        study.check_space_values()?;
        if !study.space.touches_data() {
            study.data = Some(load(
                &study.base_cfg.data,
                study.base_cfg.split.as_ref(),
                data_dir,
                progress,
            )?);
        }
        Ok(study)
    }

    /// Checks, before any trial, that each end of every numeric parameter's range and every
    /// value of a choice makes a configuration the trials can run, with at least one
    /// combination of the other parameters' grid values (parameters may depend on each
    /// other, as WARP's `margin` on `loss = "warp"`). A value no trial could run — a key the
    /// configuration does not have, a value of the wrong type, a number out of the
    /// parameter's range — is refused here, naming the parameter, the value and the
    /// configuration's reason, rather than failing trial after trial. A parameter whose
    /// other parameters have more than [`MAX_CHECKED_COMBINATIONS`] grid combinations is
    /// checked with their first [`MAX_CHECKED_COMBINATIONS`].
    fn check_space_values(&self) -> Result<()> {
        let params = &self.space.params;
        let grids: Vec<Vec<Value>> = params.iter().map(|p| p.grid()).collect();
        for (i, p) in params.iter().enumerate() {
            let others: Vec<usize> = (0..params.len()).filter(|j| *j != i).collect();
            let combinations = others
                .iter()
                .try_fold(1usize, |acc, j| acc.checked_mul(grids[*j].len()))
                .unwrap_or(usize::MAX)
                .min(MAX_CHECKED_COMBINATIONS);
            for v in p.checked_values() {
                let mut first_error = None;
                for c in 0..combinations {
                    let mut trial = Map::new();
                    let mut rest = c;
                    for j in &others {
                        let g = &grids[*j];
                        if g.is_empty() {
                            continue;
                        }
                        trial.insert(params[*j].name.clone(), g[rest % g.len()].clone());
                        rest /= g.len();
                    }
                    trial.insert(p.name.clone(), v.clone());
                    let checked = self.trial_config(&trial).and_then(|cfg| {
                        cfg.model.check().map_err(ExperimentError::from)?;
                        Ok(())
                    });
                    match checked {
                        Ok(_) => {
                            first_error = None;
                            break;
                        }
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                if let Some(e) = first_error {
                    let with = if others.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " with any of the {combinations} combination(s) of the other \
                             parameters' grid values tried"
                        )
                    };
                    return Err(config_error(format!(
                        "search space: [{}] ({}): {} = {v} makes no configuration a trial \
                         could run{with}: {e}",
                        p.name,
                        p.describe(),
                        p.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// What is optimised.
    pub fn objective(&self) -> &Objective {
        &self.objective
    }

    /// The search space.
    pub fn space(&self) -> &SearchSpace {
        &self.space
    }

    /// The settings.
    pub fn settings(&self) -> &TuneSettings {
        &self.settings
    }

    /// The base configuration.
    pub fn base_config(&self) -> &ExperimentConfig {
        &self.base_cfg
    }

    /// The data shared by the trials (`None` when the space changes the data).
    pub fn data(&self) -> Option<&LoadedData> {
        self.data.as_ref()
    }

    /// The base table with `params` set.
    fn with_params(&self, params: &Map<String, Value>) -> Result<toml::Table> {
        let mut table = self.base.clone();
        for (key, value) in params {
            let v = json_to_toml(value)
                .ok_or_else(|| config_error(format!("{key} = null is not a value")))?;
            set_value(&mut table, key, v)?;
        }
        Ok(table)
    }

    /// The configuration a trial with `params` runs (see the module docs).
    pub fn trial_config(&self, params: &Map<String, Value>) -> Result<ExperimentConfig> {
        let mut table = self.with_params(params)?;
        let metric = toml::Value::String(self.objective.metric.clone());
        if self.base.contains_key("validation") {
            set_value(&mut table, "validation.refit", toml::Value::Boolean(false))?;
        } else {
            // The base chose no validation rows: the trials hold out the default share,
            // under any validation keys the search space sets (a space over
            // `validation.patience` alone would otherwise leave a [validation] that chooses
            // no rows, which the config refuses).
            let v = table
                .entry("validation")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let v = v.as_table_mut().ok_or_else(|| {
                config_error("validation: the search space set it to a value, not a table".into())
            })?;
            if !v.contains_key("fraction") && !v.contains_key("k") {
                v.insert(
                    "fraction".into(),
                    toml::Value::Float(DEFAULT_VALIDATION_FRACTION),
                );
            }
            let defaults = [
                ("seed", toml::Value::Integer(DEFAULT_VALIDATION_SEED)),
                ("patience", toml::Value::Integer(NO_EARLY_STOPPING)),
                ("restore_best", toml::Value::Boolean(false)),
            ];
            for (key, value) in defaults {
                v.entry(key).or_insert(value);
            }
        }
        set_value(&mut table, "validation.metric", metric)?;
        ExperimentConfig::from_value(table)
    }

    /// The configuration of the best parameters: what `--out` writes and
    /// [`Study::refit`] runs (see the module docs).
    pub fn best_table(&self, params: &Map<String, Value>) -> Result<toml::Table> {
        let mut table = self.with_params(params)?;
        let cfg = ExperimentConfig::from_value(table.clone())?;
        // The test set is scored on the tuned metric too (a rating model tuned on nDCG gets
        // ranking metrics, a ranking model tuned on RMSE rating errors).
        let metric = &self.objective.metric;
        let rating = is_rating_metric(metric);
        if rating && !cfg.eval.rating.unwrap_or(cfg.model.task() == Task::Rating) {
            set_value(&mut table, "eval.rating", toml::Value::Boolean(true))?;
        }
        if !rating {
            if !cfg
                .eval
                .ranking
                .unwrap_or(cfg.model.task() == Task::Ranking)
            {
                set_value(&mut table, "eval.ranking", toml::Value::Boolean(true))?;
            }
            if let Some(k) = metric
                .split('@')
                .nth(1)
                .and_then(|k| k.parse::<usize>().ok())
                && !cfg.eval.cutoffs.contains(&k)
            {
                let mut cuts = cfg.eval.cutoffs.clone();
                cuts.push(k);
                cuts.sort_unstable();
                let cuts = cuts
                    .into_iter()
                    .map(|c| toml::Value::Integer(c as i64))
                    .collect();
                set_value(&mut table, "eval.cutoffs", toml::Value::Array(cuts))?;
            }
        }
        if table.contains_key("validation") {
            if cfg.model.family().iterative() {
                set_value(&mut table, "validation.refit", toml::Value::Boolean(true))?;
                set_value(
                    &mut table,
                    "validation.metric",
                    toml::Value::String(self.objective.metric.clone()),
                )?;
            } else {
                table.remove("validation");
            }
        }
        Ok(table)
    }

    /// The best finished trial (complete, by value; ties to the earlier trial).
    pub fn best<'a>(&self, history: &'a [TrialRecord]) -> Option<&'a TrialRecord> {
        let dir = self.objective.direction;
        history
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .filter(|t| t.value.is_some_and(f64::is_finite))
            .fold(None, |best: Option<&TrialRecord>, t| match best {
                Some(b)
                    if !dir.better(t.value.unwrap_or(f64::NAN), b.value.unwrap_or(f64::NAN)) =>
                {
                    Some(b)
                }
                _ => Some(t),
            })
    }

    /// Runs trials until `history` (finished trials, such as a resumed log) holds
    /// `settings.trials` of them, or the sampler has nothing left. `sink` gets each trial as
    /// it finishes (to log it); an error from it stops the study.
    pub fn run(
        &self,
        mut history: Vec<TrialRecord>,
        sink: &(dyn Fn(&TrialRecord) -> Result<()> + Sync),
    ) -> Result<Vec<TrialRecord>> {
        for t in &history {
            self.space.check_params(&t.params).map_err(|e| {
                config_error(format!(
                    "logged trial {}: {e} (the log was made with another search space?)",
                    t.number
                ))
            })?;
        }
        history.sort_by_key(|t| t.number);
        let budget = thread_budget(self.settings.threads.unwrap_or(self.base_cfg.train.threads));
        let workers = self.settings.parallel.max(1);
        let per_trial = (budget / workers).max(1);
        // No batch holds more trials than are left to run: a pool beyond them would only
        // start idle threads.
        let left = self.settings.trials.saturating_sub(history.len()).max(1);
        let pools: Vec<Threads> = (0..workers.min(left))
            .map(|_| Threads::new(per_trial).map_err(rustrec_models::ModelError::from))
            .collect::<std::result::Result<_, _>>()?;
        let mut next = history.iter().map(|t| t.number + 1).max().unwrap_or(0);
        while history.len() < self.settings.trials {
            let batch = pools.len().min(self.settings.trials - history.len());
            let mut jobs = Vec::new();
            for _ in 0..batch {
                match self.settings.sampler.suggest(
                    &self.space,
                    &history,
                    next,
                    self.settings.seed,
                    self.objective.direction,
                )? {
                    Some(p) => jobs.push((next, p)),
                    None => break,
                }
                next += 1;
            }
            if jobs.is_empty() {
                break;
            }
            let snapshot: &[TrialRecord] = &history;
            let finished: Vec<Result<TrialRecord>> = std::thread::scope(|scope| {
                let handles: Vec<_> = jobs
                    .into_iter()
                    .zip(&pools)
                    .map(|((number, params), pool)| {
                        scope.spawn(move || {
                            let record = self.run_trial(number, params, pool, snapshot);
                            sink(&record).map(|()| record)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(config_error("a trial's thread panicked".into()))
                        })
                    })
                    .collect()
            });
            let mut done = Vec::new();
            for r in finished {
                done.push(r?);
            }
            history.extend(done);
            history.sort_by_key(|t| t.number);
        }
        Ok(history)
    }

    /// Runs one trial (never fails: a failure is a `failed` record).
    pub fn run_trial(
        &self,
        number: usize,
        params: Map<String, Value>,
        pool: &Threads,
        others: &[TrialRecord],
    ) -> TrialRecord {
        let started = Instant::now();
        let values: Mutex<Vec<Option<f64>>> = Mutex::new(Vec::new());
        let pruned = AtomicBool::new(false);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.score(&params, pool, others, &values, &pruned)
        }))
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(config_error(format!("the trial panicked: {what}")))
        });
        let intermediate = values.into_inner().unwrap_or_default();
        let minimize = self.objective.direction == Direction::Minimize;
        let mut record = TrialRecord {
            number,
            params,
            value: None,
            state: TrialState::Failed,
            epochs: intermediate.len(),
            seconds: 0.0,
            intermediate,
            error: None,
        };
        match outcome {
            Ok((value, epochs)) => {
                record.epochs = epochs.max(record.epochs);
                if pruned.load(Ordering::Relaxed) {
                    record.state = TrialState::Pruned;
                    record.value = record.best_until(record.intermediate.len(), minimize);
                } else if value.is_finite() {
                    record.state = TrialState::Complete;
                    record.value = Some(value);
                } else {
                    record.error = Some(format!(
                        "validation {} is {value} (the model diverged?)",
                        self.objective.metric
                    ));
                }
            }
            Err(e) => record.error = Some(e.to_string()),
        }
        record.seconds = started.elapsed().as_secs_f64();
        record
    }

    /// Trains a trial's model and returns its validation value and epochs.
    fn score(
        &self,
        params: &Map<String, Value>,
        pool: &Threads,
        others: &[TrialRecord],
        values: &Mutex<Vec<Option<f64>>>,
        pruned: &AtomicBool,
    ) -> Result<(f64, usize)> {
        let cfg = self.trial_config(params)?;
        let metric = self.objective.metric.clone();
        let direction = self.objective.direction;
        let pruner = &self.settings.pruner;
        // A trial that has run its last epoch has nothing left to save: it is complete,
        // whatever the pruner would say (and a model that does not train in epochs is
        // never pruned).
        let budget = cfg.model.epochs();
        let callback = Box::new(move |r: &EpochReport| {
            let v = r
                .validation
                .iter()
                .find(|(n, _)| *n == metric)
                .map(|m| m.1)
                .filter(|v| !v.is_nan());
            let Ok(mut vs) = values.lock() else {
                return ControlFlow::Continue(());
            };
            vs.push(v);
            let last_epoch = budget.is_none_or(|b| vs.len() >= b);
            if !last_epoch && pruner.should_prune(&vs, others, direction) {
                pruned.store(true, Ordering::Relaxed);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        let opts = RunOptions {
            data_dir: self.data_dir.as_deref(),
            progress: &NoProgress,
            threads: Some(pool),
        };
        let hooks = RunHooks {
            evaluate_test: false,
            callbacks: vec![callback],
            data: self.data.as_ref(),
            ..RunHooks::default()
        };
        let outcome = run_with(&cfg, &opts, hooks)?;
        let epochs = outcome.history.len();
        Ok((self.validation_value(&cfg, &outcome, pool)?, epochs))
    }

    /// The validation metric of a trial's run (see the module docs).
    fn validation_value(
        &self,
        cfg: &ExperimentConfig,
        outcome: &Outcome,
        pool: &Threads,
    ) -> Result<f64> {
        let metric = &self.objective.metric;
        if let Some(v) = outcome
            .figures
            .get(&format!("validation_{metric}"))
            .and_then(Value::as_f64)
        {
            return Ok(v);
        }
        let v = cfg
            .validation
            .as_ref()
            .ok_or_else(|| config_error("a trial needs [validation]".into()))?;
        let carved = match v.k {
            Some(k) => split::validation_leave_k_out(&outcome.data.train, k, v.seed)?,
            None => split::validation_split(&outcome.data.train, v.fraction, v.seed)?,
        };
        let mut eval = cfg.eval.clone();
        let rating = is_rating_metric(metric);
        eval.rating = Some(rating);
        eval.ranking = Some(!rating);
        if let Some(k) = metric.split('@').nth(1).and_then(|k| k.parse().ok()) {
            eval.cutoffs.push(k);
            eval.cutoffs.sort_unstable();
            eval.cutoffs.dedup();
        }
        let mut figures = Map::new();
        let task = outcome.model.task();
        pool.install(|| {
            evaluate_into(
                &mut figures,
                &outcome.model,
                &carved.train,
                &carved.test,
                task,
                &eval,
            )
        })?;
        figures.get(metric).and_then(Value::as_f64).ok_or_else(|| {
            let known: Vec<&String> = figures.keys().collect();
            config_error(format!(
                "metric {metric:?} is not computed on validation (computed: {known:?})"
            ))
        })
    }

    /// Trains the best configuration ([`Study::best_table`] of `params`) once, on all the
    /// training data, and evaluates it on the test set. Returns the table and the outcome.
    pub fn refit(
        &self,
        params: &Map<String, Value>,
        progress: &dyn Progress,
    ) -> Result<(toml::Table, ExperimentConfig, Outcome)> {
        let table = self.best_table(params)?;
        let cfg = ExperimentConfig::from_value(table.clone())?;
        let budget = thread_budget(self.settings.threads.unwrap_or(self.base_cfg.train.threads));
        let pool = Threads::new(budget).map_err(rustrec_models::ModelError::from)?;
        let opts = RunOptions {
            data_dir: self.data_dir.as_deref(),
            progress,
            threads: Some(&pool),
        };
        let hooks = RunHooks {
            data: if self.space.touches_data() {
                None
            } else {
                self.data.as_ref()
            },
            ..RunHooks::default()
        };
        let outcome = run_with(&cfg, &opts, hooks)?;
        Ok((table, cfg, outcome))
    }
}

/// The test metrics among a run's figures (rating errors and ranking metrics).
pub fn metric_figures(figures: &Map<String, Value>) -> Map<String, Value> {
    figures
        .iter()
        .filter(|(k, _)| is_metric_name(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Whether a figure's name is an evaluation metric as the reports spell it (`rmse`,
/// `ndcg@10`, `auc`, ...; [`check_metric`]) — not a figure named after one, such as
/// `validation_ndcg@10`.
pub fn is_metric_name(name: &str) -> bool {
    check_metric(name).is_ok()
}
