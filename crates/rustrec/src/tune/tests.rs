//! Studies on small synthetic data: logging, reproducibility, resume, failures, pruning,
//! parallel trials, models without epochs.

use std::sync::Mutex;

use rustrec_data::NoProgress;

use super::*;
use crate::experiment::ExperimentConfig;

const BASE: &str = r#"
[data]
synthetic = { like = "ml-100k", seed = 3 }

[split]
kind = "holdout"
test_fraction = 0.1
seed = 1

[validation]
fraction = 0.1
patience = 2

[model]
kind = "mf"
factors = 8
epochs = 6
init = { kind = "normal", std = 0.01 }

[train]
seed = 5
threads = 1
"#;

const SPACE: &str = r#"
[model.factors]
type = "int"
low = 2
high = 16
log = true

[model.lr]
type = "float"
low = 0.002
high = 0.05
log = true
"#;

fn study(base: &str, space: &str, settings: TuneSettings) -> Study {
    Study::new(
        toml::from_str(base).unwrap(),
        SearchSpace::from_toml(space).unwrap(),
        settings,
        None,
        &NoProgress,
    )
    .unwrap()
}

fn run(study: &Study, history: Vec<TrialRecord>) -> (Vec<TrialRecord>, Vec<usize>) {
    let logged = Mutex::new(Vec::new());
    let trials = study
        .run(history, &|t| {
            logged.lock().unwrap().push(t.number);
            Ok(())
        })
        .unwrap();
    (trials, logged.into_inner().unwrap())
}

fn tpe(trials: usize, seed: u64) -> TuneSettings {
    TuneSettings {
        trials,
        sampler: Sampler::Tpe(TpeSettings {
            startup: 3,
            ..TpeSettings::default()
        }),
        seed,
        ..TuneSettings::default()
    }
}

#[test]
fn a_study_logs_every_trial_and_tests_the_best_configuration_once() {
    let s = study(BASE, SPACE, tpe(5, 1));
    assert_eq!(s.objective().metric, "rmse");
    assert_eq!(s.objective().direction, Direction::Minimize);
    let (trials, logged) = run(&s, Vec::new());
    assert_eq!(trials.len(), 5);
    assert_eq!(logged.len(), 5);
    for (k, t) in trials.iter().enumerate() {
        assert_eq!(t.number, k);
        assert_eq!(t.state, TrialState::Complete, "{t:?}");
        let v = t.value.unwrap();
        assert!(v > 0.5 && v < 1.5, "{v}");
        assert!(t.epochs >= 1 && t.intermediate.len() == t.epochs);
        s.space().check_params(&t.params).unwrap();
    }
    let best = s.best(&trials).unwrap();
    assert!(
        trials
            .iter()
            .all(|t| t.value.unwrap() >= best.value.unwrap())
    );
    let (table, cfg, outcome) = s.refit(&best.params, &NoProgress).unwrap();
    assert_eq!(
        table["model"]["factors"].as_integer(),
        best.params["model.factors"].as_i64()
    );
    assert!(cfg.validation.as_ref().unwrap().refit);
    let test = metric_figures(&outcome.figures);
    assert!(test["rmse"].as_f64().unwrap() > 0.5, "{test:?}");
    // The table is a configuration that reads back.
    let text = toml::to_string(&table).unwrap();
    assert_eq!(ExperimentConfig::from_toml(&text).unwrap(), cfg);
}

#[test]
fn trials_do_not_evaluate_on_test_and_get_a_validation_when_the_base_has_none() {
    let base = BASE.replace("[validation]\nfraction = 0.1\npatience = 2\n", "");
    let s = study(&base, SPACE, tpe(2, 1));
    let mut params = serde_json::Map::new();
    params.insert("model.factors".into(), 4.into());
    params.insert("model.lr".into(), serde_json::json!(0.01));
    let cfg = s.trial_config(&params).unwrap();
    let v = cfg.validation.as_ref().unwrap();
    assert!(!v.restore_best && v.patience > 1_000_000 && !v.refit);
    assert_eq!(v.metric.as_deref(), Some("rmse"));
    let t = s.run_trial(0, params.clone(), &rustrec_models::Threads::single(), &[]);
    assert_eq!(t.state, TrialState::Complete);
    // No early stopping: every epoch ran, and the value is the last epoch's.
    assert_eq!(t.epochs, 6);
    assert_eq!(t.value, *t.intermediate.last().unwrap());
    // The best configuration keeps the base's shape: no validation added.
    assert!(!s.best_table(&params).unwrap().contains_key("validation"));
}

/// Regression: a search space over `validation.patience` on a base without [validation]
/// left the trials a [validation] with only `patience`, which chooses no validation rows
/// (refused since such a table no longer holds out 10% unasked). The trials get the
/// default share under the searched key.
#[test]
fn a_space_over_validation_keys_on_a_base_without_validation_still_holds_out_rows() {
    let base = BASE.replace("[validation]\nfraction = 0.1\npatience = 2\n", "");
    let s = study(&base, SPACE, tpe(2, 1));
    let mut params = serde_json::Map::new();
    params.insert("model.factors".into(), 4.into());
    params.insert("validation.patience".into(), 3.into());
    let cfg = s.trial_config(&params).unwrap();
    let v = cfg.validation.as_ref().unwrap();
    assert_eq!((v.fraction, v.k, v.patience), (0.1, None, 3));
    assert!(!v.restore_best && !v.refit);
    // A searched `k` is not joined by the default fraction (the two are one choice).
    params.insert("validation.k".into(), 2.into());
    let v = s.trial_config(&params).unwrap().validation.unwrap();
    assert_eq!((v.k, v.patience), (Some(2), 3));
}

#[test]
fn the_same_seed_gives_the_same_trials_and_a_resumed_study_continues_them() {
    let (a, _) = run(&study(BASE, SPACE, tpe(6, 7)), Vec::new());
    let (b, _) = run(&study(BASE, SPACE, tpe(6, 7)), Vec::new());
    let strip = |v: &[TrialRecord]| -> Vec<TrialRecord> {
        v.iter()
            .map(|t| TrialRecord {
                seconds: 0.0,
                ..t.clone()
            })
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    let (first, _) = run(&study(BASE, SPACE, tpe(4, 7)), Vec::new());
    let (resumed, logged) = run(&study(BASE, SPACE, tpe(6, 7)), first);
    assert_eq!(logged, vec![4, 5], "only the new trials are run");
    assert_eq!(strip(&resumed), strip(&a));
    let (c, _) = run(&study(BASE, SPACE, tpe(6, 8)), Vec::new());
    assert_ne!(strip(&c), strip(&a));
}

#[test]
fn failed_trials_are_logged_and_the_search_goes_on() {
    // Learning rates this large diverge.
    let space = "[model.lr]\ntype = \"float\"\nlow = 0.01\nhigh = 500.0\nlog = true";
    let settings = TuneSettings {
        trials: 6,
        sampler: Sampler::Random,
        seed: 3,
        ..TuneSettings::default()
    };
    let (trials, logged) = run(&study(BASE, space, settings), Vec::new());
    assert_eq!(logged.len(), 6);
    let failed: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state == TrialState::Failed)
        .collect();
    assert!(!failed.is_empty(), "{trials:?}");
    for t in &failed {
        assert!(t.value.is_none());
        assert!(t.params["model.lr"].as_f64().unwrap() > 0.5, "{t:?}");
        let e = t.error.as_deref().unwrap();
        assert!(e.contains("diverge"), "{e}");
    }
    assert!(trials.iter().any(|t| t.state == TrialState::Complete));
}

#[test]
fn a_space_key_that_is_not_a_model_parameter_is_refused_by_name() {
    let e = Study::new(
        toml::from_str(BASE).unwrap(),
        SearchSpace::from_toml("[model.factor]\ntype = \"int\"\nlow = 2\nhigh = 4").unwrap(),
        tpe(2, 1),
        None,
        &NoProgress,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("model.factor") && e.contains("rustrec models mf"),
        "{e}"
    );
}

#[test]
fn the_median_pruner_stops_poor_trials_early() {
    let base = BASE
        .replace("epochs = 6", "epochs = 12")
        .replace("patience = 2", "patience = 50");
    let space = "[model.lr]\ntype = \"float\"\nlow = 0.0002\nhigh = 0.05\nlog = true";
    let settings = TuneSettings {
        trials: 10,
        sampler: Sampler::Random,
        pruner: Pruner::Median {
            startup_trials: 2,
            warmup_epochs: 1,
        },
        seed: 4,
        ..TuneSettings::default()
    };
    let (trials, _) = run(&study(&base, space, settings), Vec::new());
    let pruned: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .collect();
    assert!(pruned.len() >= 2, "{trials:#?}");
    for t in pruned {
        assert!(t.epochs < 12 && t.value.is_some());
        assert_eq!(t.epochs, t.intermediate.len());
    }
}

#[test]
fn asha_stops_trials_only_at_its_rungs() {
    let base = BASE
        .replace("epochs = 6", "epochs = 10")
        .replace("patience = 2", "patience = 50");
    let space = "[model.lr]\ntype = \"float\"\nlow = 0.0002\nhigh = 0.05\nlog = true";
    let settings = TuneSettings {
        trials: 8,
        sampler: Sampler::Random,
        pruner: Pruner::Asha {
            min_epochs: 1,
            reduction_factor: 3,
        },
        seed: 4,
        ..TuneSettings::default()
    };
    let (trials, _) = run(&study(&base, space, settings), Vec::new());
    let pruned: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .collect();
    assert!(pruned.len() >= 2, "{trials:#?}");
    for t in &pruned {
        // Rungs at 1, 3 and 9 epochs: a trial stops right after one of them.
        assert!(matches!(t.epochs, 1 | 3 | 9), "{t:?}");
        assert_eq!(t.epochs, t.intermediate.len());
    }
    // The first trial has nothing to compete with: it runs to the end.
    assert_eq!(trials[0].state, TrialState::Complete);
    assert_eq!(trials[0].epochs, 10);
}

#[test]
fn parallel_trials_are_reproducible_and_share_the_thread_budget() {
    let settings = TuneSettings {
        parallel: 2,
        threads: Some(2),
        ..tpe(4, 9)
    };
    let (a, logged) = run(&study(BASE, SPACE, settings.clone()), Vec::new());
    let (b, _) = run(&study(BASE, SPACE, settings), Vec::new());
    assert_eq!(logged.len(), 4);
    let params = |v: &[TrialRecord]| -> Vec<_> {
        v.iter()
            .map(|t| (t.number, t.params.clone(), t.value))
            .collect()
    };
    assert_eq!(params(&a), params(&b));
}

#[test]
fn models_without_epochs_are_scored_on_validation_after_the_fit() {
    let base = r#"
        [data]
        synthetic = { like = "ml-100k", seed = 3 }
        implicit_threshold = 4.0
        [split]
        kind = "holdout"
        test_fraction = 0.2
        [model]
        kind = "ease"
        [train]
        threads = 1
        [eval]
        cutoffs = [10]
    "#;
    let space = "[model.lambda]\ntype = \"float\"\nlow = 10.0\nhigh = 1000.0\nlog = true";
    let settings = TuneSettings {
        trials: 2,
        sampler: Sampler::Random,
        ..TuneSettings::default()
    };
    let s = study(base, space, settings);
    assert_eq!(s.objective().metric, "ndcg@10");
    assert_eq!(s.objective().direction, Direction::Maximize);
    let (trials, _) = run(&s, Vec::new());
    for t in &trials {
        assert_eq!(t.state, TrialState::Complete, "{t:?}");
        let v = t.value.unwrap();
        assert!(v > 0.0 && v <= 1.0, "{v}");
    }
    let best = s.best(&trials).unwrap();
    let (table, _, outcome) = s.refit(&best.params, &NoProgress).unwrap();
    assert!(!table.contains_key("validation"));
    assert!(outcome.figures.contains_key("ndcg@10"));
}

#[test]
fn the_best_configuration_is_tested_on_the_tuned_metric() {
    let settings = TuneSettings {
        metric: Some("ndcg@7".into()),
        ..tpe(1, 1)
    };
    let s = study(BASE, SPACE, settings);
    assert_eq!(s.objective().direction, Direction::Maximize);
    let mut params = serde_json::Map::new();
    params.insert("model.factors".into(), 4.into());
    params.insert("model.lr".into(), serde_json::json!(0.01));
    let table = s.best_table(&params).unwrap();
    let cfg = ExperimentConfig::from_value(table).unwrap();
    assert_eq!(cfg.eval.ranking, Some(true));
    assert!(cfg.eval.cutoffs.contains(&7));
    assert_eq!(cfg.validation.unwrap().metric.as_deref(), Some("ndcg@7"));
}

#[test]
fn an_unknown_metric_is_refused_before_any_trial_with_the_valid_names() {
    for bad in ["foo", "ndcg", "ndcg@0", "ndcg@x", "auc@10", "hr@10"] {
        let settings = TuneSettings {
            metric: Some(bad.into()),
            ..tpe(1, 1)
        };
        let e = Study::new(
            toml::from_str(BASE).unwrap(),
            SearchSpace::from_toml(SPACE).unwrap(),
            settings,
            None,
            &NoProgress,
        )
        .err()
        .unwrap_or_else(|| panic!("{bad} was accepted"))
        .to_string();
        assert!(
            e.contains(&format!("{bad:?}")) && e.contains("--metric") && e.contains("hit_rate"),
            "{e}"
        );
    }
    for good in [
        "rmse",
        "mae",
        "ndcg@10",
        "recall_capped@20",
        "auc",
        "mrr",
        "hit_rate@5",
    ] {
        crate::experiment::check_metric(good).unwrap();
    }
}

/// Regression: every figure with an `@` counted as a test metric, so `tune --json`'s `test`
/// held the validation figures `validation_ndcg@10`, `validation_precision@5`, ...
#[test]
fn test_figures_leave_out_the_validation_figures() {
    let figures: serde_json::Map<String, serde_json::Value> = [
        "rmse",
        "ndcg@10",
        "coverage@10",
        "auc",
        "mrr",
        "validation_ndcg@10",
        "validation_precision@5",
        "validation_auc",
        "validation_rmse",
        "train_seconds",
        "epochs_run",
    ]
    .iter()
    .map(|k| (k.to_string(), serde_json::json!(0.5)))
    .collect();
    let kept: Vec<String> = metric_figures(&figures).keys().cloned().collect();
    assert_eq!(kept, vec!["auc", "coverage@10", "mrr", "ndcg@10", "rmse"]);
}

/// Regression: the median pruner marked a trial `pruned` when its value lost to the median
/// at its last epoch, though it had trained all its epochs (and a model without epochs, such
/// as EASE, at its one pass); such trials were left out of the complete ones.
#[test]
fn a_trial_that_ran_all_its_epochs_is_complete_not_pruned() {
    // Three epochs, two of warm-up: the pruner's only say would be after the last epoch.
    let base = BASE
        .replace("epochs = 6", "epochs = 3")
        .replace("patience = 2", "patience = 50");
    let space = "[model.lr]\ntype = \"float\"\nlow = 0.0002\nhigh = 0.05\nlog = true";
    let settings = TuneSettings {
        trials: 8,
        sampler: Sampler::Random,
        pruner: Pruner::Median {
            startup_trials: 1,
            warmup_epochs: 2,
        },
        seed: 4,
        ..TuneSettings::default()
    };
    let (trials, _) = run(&study(&base, space, settings), Vec::new());
    let ends: Vec<(TrialState, usize)> = trials.iter().map(|t| (t.state, t.epochs)).collect();
    assert_eq!(ends, vec![(TrialState::Complete, 3); 8], "{trials:#?}");
    // EASE trains in one pass: nothing to prune, whatever the warm-up.
    let median = Pruner::Median {
        startup_trials: 1,
        warmup_epochs: 0,
    };
    let ease = r#"
        [data]
        synthetic = { like = "ml-100k", seed = 3 }
        implicit_threshold = 4.0
        [split]
        kind = "holdout"
        test_fraction = 0.2
        [model]
        kind = "ease"
        [train]
        threads = 1
    "#;
    let space = "[model.lambda]\ntype = \"float\"\nlow = 1.0\nhigh = 10000.0\nlog = true";
    let settings = TuneSettings {
        trials: 5,
        sampler: Sampler::Random,
        pruner: median,
        seed: 2,
        ..TuneSettings::default()
    };
    let (trials, _) = run(&study(ease, space, settings), Vec::new());
    let states: Vec<TrialState> = trials.iter().map(|t| t.state).collect();
    assert_eq!(states, vec![TrialState::Complete; 5], "{trials:#?}");
}

/// Regression: `--resume` read the logged values back one ulp off now and then, so a resumed
/// study reported other figures than the ones logged, and its sampler saw other values.
#[test]
fn a_study_resumed_from_its_log_matches_an_uninterrupted_one_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let logged_run = |path: &std::path::Path, trials: usize, resume: bool| {
        let (log, history) = if resume {
            let (log, history, torn) = TrialLog::resume(path).unwrap();
            assert!(!torn);
            (log, history)
        } else {
            (TrialLog::create(path).unwrap(), Vec::new())
        };
        let log = Mutex::new(log);
        study(BASE, SPACE, tpe(trials, 7))
            .run(history, &|t| log.lock().unwrap().append(t))
            .unwrap()
    };
    let (whole, parts) = (
        dir.path().join("whole.jsonl"),
        dir.path().join("parts.jsonl"),
    );
    let uninterrupted = logged_run(&whole, 8, false);
    logged_run(&parts, 5, false);
    let resumed = logged_run(&parts, 8, true);
    // Every figure, as bits (the seconds aside): values, intermediate values, parameters.
    let bits = |trials: &[TrialRecord]| -> Vec<(usize, Vec<u64>, String)> {
        trials
            .iter()
            .map(|t| {
                let mut b: Vec<u64> = t.value.iter().map(|v| v.to_bits()).collect();
                b.extend(t.intermediate.iter().flatten().map(|v| v.to_bits()));
                b.extend(
                    t.params
                        .values()
                        .filter_map(|v| v.as_f64())
                        .map(f64::to_bits),
                );
                (t.number, b, t.state.name().to_string())
            })
            .collect()
    };
    assert_eq!(bits(&resumed), bits(&uninterrupted));
    assert_eq!(bits(&read_log(&parts).unwrap()), bits(&uninterrupted));
    assert_eq!(bits(&read_log(&whole).unwrap()), bits(&uninterrupted));
}

fn refusal(base: &str, space: &str, settings: TuneSettings) -> String {
    match Study::new(
        toml::from_str(base).unwrap(),
        SearchSpace::from_toml(space).unwrap(),
        settings,
        None,
        &NoProgress,
    ) {
        Ok(_) => panic!("{space:?} was accepted"),
        Err(e) => e.to_string(),
    }
}

/// Regression: a space value no configuration takes (a key the configuration does not
/// have, a string where a number goes, a range below the parameter's) was accepted, and
/// every trial that drew it failed, one after the other, until "no trial completed".
#[test]
fn space_values_no_trial_could_run_are_refused_before_any_trial() {
    for (space, want) in [
        (
            "[bogus.key]\ntype = \"int\"\nlow = 1\nhigh = 3",
            "[bogus.key] (int 1..=3): bogus.key = 1 makes no configuration a trial could run",
        ),
        (
            "[model.factors]\ntype = \"choice\"\nvalues = [4, \"8\"]",
            "model.factors = \"8\" makes no configuration",
        ),
        (
            "[model.factors]\ntype = \"int\"\nlow = -5\nhigh = 3",
            "model.factors = -5 makes no configuration",
        ),
        (
            "[model.factors]\ntype = \"float\"\nlow = 2\nhigh = 8",
            "model.factors = 2.0 makes no configuration",
        ),
        (
            "[model.lr]\ntype = \"float\"\nlow = 0.001\nhigh = 0.1\nlog = true\n\
             [model.factors]\ntype = \"int\"\nlow = 4\nhigh = 5000",
            "model.factors = 5000 makes no configuration a trial could run with any of the 5 \
             combination(s) of the other parameters' grid values tried",
        ),
    ] {
        let e = refusal(BASE, space, tpe(2, 1));
        assert!(e.contains(want), "{space:?}: {e}");
        // The configuration's own reason follows.
        assert!(e.contains("configuration"), "{space:?}: {e}");
    }
    // A value valid only beside another parameter's value is accepted: WARP's margin is
    // refused with the base's loss = "bpr", not with the space's loss = "warp".
    let bpr = BASE
        .replace("kind = \"mf\"", "kind = \"bpr\"")
        .replace("[validation]\nfraction = 0.1\npatience = 2\n", "");
    let space = "[model.loss]\ntype = \"choice\"\nvalues = [\"warp\"]\n\
                 [model.margin]\ntype = \"float\"\nlow = 0.5\nhigh = 2.0";
    let s = study(&bpr, space, tpe(1, 1));
    assert_eq!(s.space().params.len(), 2);
    // With loss = "bpr" among the choices, every trial drawing it would fail on the margin.
    let space = space.replace("[\"warp\"]", "[\"bpr\", \"warp\"]");
    let e = refusal(&bpr, &space, tpe(1, 1));
    assert!(
        e.contains("model.loss = \"bpr\" makes no configuration") && e.contains("margin"),
        "{e}"
    );
}

/// Regression: `--direction max` with `--metric rmse` was taken, so the study kept the
/// worst RMSE while each trial's early stopping kept its best epoch by the smallest RMSE.
#[test]
fn a_direction_against_the_metric_is_refused() {
    for (metric, direction, want) in [
        (
            "rmse",
            Direction::Maximize,
            "direction max (--direction) contradicts metric rmse, which is minimised \
             (smaller is better); leave --direction out, or give --direction min",
        ),
        (
            "recall@5",
            Direction::Minimize,
            "direction min (--direction) contradicts metric recall@5, which is maximised \
             (larger is better)",
        ),
    ] {
        let settings = TuneSettings {
            metric: Some(metric.into()),
            direction: Some(direction),
            ..tpe(2, 1)
        };
        let e = refusal(BASE, SPACE, settings);
        assert!(e.contains(want), "{e}");
    }
    // The metric's own direction, given, is taken.
    let settings = TuneSettings {
        metric: Some("ndcg@10".into()),
        direction: Some(Direction::Maximize),
        ..tpe(1, 1)
    };
    assert_eq!(
        study(BASE, SPACE, settings).objective().direction,
        Direction::Maximize
    );
}

/// Regression: `--parallel 100000` started a pool of worker threads per parallel trial,
/// however few trials there were, and the process aborted ("failed to initiate panic").
#[test]
fn parallel_beyond_the_limit_is_refused_and_pools_stop_at_the_trials() {
    let settings = TuneSettings {
        parallel: study::MAX_PARALLEL + 1,
        ..tpe(2, 1)
    };
    let e = refusal(BASE, SPACE, settings);
    assert!(
        e.contains("parallel = 257 (--parallel): expected 1 to 256 trials at once"),
        "{e}"
    );
    let settings = TuneSettings {
        parallel: study::MAX_PARALLEL,
        ..tpe(2, 1)
    };
    let (trials, logged) = run(&study(BASE, SPACE, settings), Vec::new());
    assert_eq!((trials.len(), logged.len()), (2, 2));
}
