//! End-to-end tests of `rustrec tune`, `cv`, `compare`, `lr-find` and `fit --report` on small
//! generated data.

use std::path::{Path, PathBuf};

mod common;
use common::{json_of, p, rustrec, synth_small};

/// A small rating pair `NAME.base` / `NAME.test` in `dir`.
fn write_pair(dir: &Path, name: &str, seed: &str) {
    synth_small(
        &dir.join(format!("{name}.base")),
        seed,
        Some((&dir.join(format!("{name}.test")), "0.1")),
    );
}

const MF: &str = r#"
name = "small-mf"
[data]
train = "small.base"
test = "small.test"
[validation]
fraction = 0.1
patience = 2
[model]
kind = "mf"
factors = 4
epochs = 8
init = { kind = "normal", std = 0.01 }
[train]
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

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), "small", "3");
    let cfg = dir.path().join("mf.toml");
    std::fs::write(&cfg, MF).unwrap();
    let space = dir.path().join("space.toml");
    std::fs::write(&space, SPACE).unwrap();
    (dir, cfg, space)
}

#[test]
fn tune_logs_trials_writes_a_config_that_fits_and_resumes() {
    let (dir, cfg, space) = setup();
    let d = dir.path();
    let (log, best, report) = (
        d.join("trials.jsonl"),
        d.join("best.toml"),
        d.join("tune.html"),
    );
    let tune = |trials: &str, resume: bool| {
        let mut a = vec![
            "tune",
            "--config",
            p(&cfg),
            "--data-dir",
            p(d),
            "--space",
            p(&space),
            "--trials",
            trials,
            "--sampler",
            "tpe",
            "--startup",
            "2",
            "--metric",
            "rmse",
            "--log",
            p(&log),
            "--out",
            p(&best),
            "--report",
            p(&report),
            "--seed",
            "1",
            "--json",
            "-q",
        ];
        if resume {
            a.push("--resume");
        }
        rustrec(&a)
    };
    let j = json_of(&tune("4", false));
    assert_eq!(j["trials"], 4);
    assert!(j["best"]["model.factors"].as_i64().is_some(), "{j}");
    let val = j["validation"]["rmse"].as_f64().unwrap();
    assert!(val > 0.5 && val < 1.5, "{j}");
    assert!(j["test"]["rmse"].as_f64().unwrap() > 0.5, "{j}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    for (k, t) in lines.iter().enumerate() {
        for key in ["number", "params", "value", "state", "epochs", "seconds"] {
            assert!(t.get(key).is_some(), "{key} missing in {t}");
        }
        assert_eq!(t["number"], k);
        assert_eq!(t["state"], "complete");
    }
    let best_value = lines
        .iter()
        .filter_map(|t| t["value"].as_f64())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(val, best_value);
    // best.toml is a configuration that fits, and gives the test figure tune reported.
    let f = json_of(&rustrec(&[
        "fit",
        "--config",
        p(&best),
        "--data-dir",
        p(d),
        "--json",
        "-q",
    ]));
    assert_eq!(f["rmse"], j["test"]["rmse"]);
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(page.contains("Search history") && page.contains("Parameter importance"));
    // A second search refuses to overwrite the log...
    let again = tune("6", false);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));
    // ... and --resume adds only the missing trials.
    let j = json_of(&tune("6", true));
    assert_eq!(j["trials"], 6);
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 6);
}

#[test]
fn tune_with_a_pruner_and_parallel_trials_and_bad_spaces() {
    let (dir, cfg, space) = setup();
    let d = dir.path();
    let j = json_of(&rustrec(&[
        "tune",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--space",
        p(&space),
        "--trials",
        "4",
        "--sampler",
        "random",
        "--pruner",
        "median:startup=1,warmup=1",
        "--parallel",
        "2",
        "--threads",
        "2",
        "--seed",
        "5",
        "--json",
        "-q",
    ]));
    assert_eq!(j["trials"], 4);
    assert_eq!(
        j["complete"].as_u64().unwrap()
            + j["pruned"].as_u64().unwrap()
            + j["failed"].as_u64().unwrap(),
        4
    );
    let bad = d.join("bad.toml");
    std::fs::write(&bad, "[model.factor]\ntype = \"int\"\nlow = 2\nhigh = 4").unwrap();
    let out = rustrec(&[
        "tune",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--space",
        p(&bad),
        "-q",
    ]);
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("model.factor") && e.contains("rustrec models mf"),
        "{e}"
    );
    // The log may not be an input.
    let out = rustrec(&[
        "tune",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--space",
        p(&space),
        "--log",
        p(&cfg),
        "-q",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("same file"));
}

/// `tune` on the small MF setup with extra arguments.
fn tune_small(d: &Path, cfg: &Path, space: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "tune",
        "--config",
        p(cfg),
        "--data-dir",
        p(d),
        "--space",
        p(space),
    ];
    args.extend_from_slice(extra);
    rustrec(&args)
}

/// Regression (float steps and the end of the grid): a float step skipped `high` and tried
/// the value below it twice (`0.6` and `0.6000000000000001`); with fewer grid points than
/// `--trials`, the command announced trials it never ran, without a word.
#[test]
fn tune_grid_tries_each_step_value_once_and_says_where_the_grid_ends() {
    let (dir, cfg, _) = setup();
    let d = dir.path();
    let space = d.join("step.toml");
    std::fs::write(
        &space,
        "[model.reg]\ntype = \"float\"\nlow = 0.1\nhigh = 0.7\nstep = 0.1\npoints = 7",
    )
    .unwrap();
    let log = d.join("grid.jsonl");
    let out = tune_small(
        d,
        &cfg,
        &space,
        &[
            "--sampler",
            "grid",
            "--trials",
            "10",
            "--set",
            "model.epochs=1",
            "--log",
            p(&log),
            "--json",
            "-q",
        ],
    );
    let j = json_of(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "the grid has 7 point(s) (model.reg 7): the study stops there, at 7 of the 10 \
             trials asked (--trials)"
        ) && stderr.contains("0 trial(s) logged, 7 to run"),
        "{stderr}"
    );
    assert_eq!(
        (&j["trials"], &j["trials_run"], &j["grid_points"]),
        (&7.into(), &7.into(), &7.into()),
        "{j}"
    );
    let mut tried: Vec<f64> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["params"]["model.reg"]
                .as_f64()
                .unwrap()
        })
        .collect();
    tried.sort_by(f64::total_cmp);
    assert_eq!(tried, vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
}

/// Regression: `test` also held validation figures (`validation_ndcg@10`, ...), as every
/// figure with an `@` counted as a test metric.
#[test]
fn tune_json_test_holds_the_test_metrics_only() {
    let (dir, _, _) = setup();
    let d = dir.path();
    let cfg = d.join("bpr.toml");
    std::fs::write(
        &cfg,
        "[data]\ntrain = \"small.base\"\ntest = \"small.test\"\nimplicit_threshold = 3\n\
         [validation]\nfraction = 0.1\npatience = 3\n\
         [model]\nkind = \"bpr\"\nfactors = 8\nepochs = 3\n[train]\nthreads = 1\n\
         [eval]\ncutoffs = [5, 10]\n",
    )
    .unwrap();
    let space = d.join("bpr-space.toml");
    std::fs::write(
        &space,
        "[model.lr]\ntype = \"float\"\nlow = 0.01\nhigh = 0.1\nlog = true",
    )
    .unwrap();
    let j = json_of(&tune_small(
        d,
        &cfg,
        &space,
        &[
            "--trials",
            "2",
            "--sampler",
            "random",
            "--metric",
            "ndcg@10",
            "--json",
            "-q",
        ],
    ));
    let test = j["test"].as_object().unwrap();
    for key in ["ndcg@10", "precision@5", "auc", "mrr"] {
        assert!(test[key].as_f64().is_some(), "{key} missing: {j}");
    }
    let validation: Vec<&String> = test.keys().filter(|k| k.contains("validation")).collect();
    assert!(validation.is_empty(), "{validation:?} in test: {j}");
    assert!(j["validation"]["ndcg@10"].as_f64().is_some(), "{j}");
}

/// Regression: `--resume` read logged values back one ulp off now and then, so a resumed
/// search reported other figures (and its TPE sampler saw other values) than the same
/// search run in one go.
#[test]
fn tune_resumed_from_its_log_reports_what_an_uninterrupted_search_reports() {
    let (dir, cfg, space) = setup();
    let d = dir.path();
    let search = |log: &Path, trials: &str, resume: bool| {
        let mut extra = vec![
            "--trials",
            trials,
            "--sampler",
            "tpe",
            "--startup",
            "2",
            "--seed",
            "4",
            "--log",
            p(log),
            "--json",
            "-q",
        ];
        if resume {
            extra.push("--resume");
        }
        json_of(&tune_small(d, &cfg, &space, &extra))
    };
    let (whole, parts) = (d.join("whole.jsonl"), d.join("parts.jsonl"));
    let uninterrupted = search(&whole, "5", false);
    search(&parts, "3", false);
    let resumed = search(&parts, "5", true);
    assert_eq!(resumed["trials_run"], 2);
    assert_eq!(uninterrupted["trials_run"], 5);
    for key in [
        "best",
        "best_trial",
        "validation",
        "test",
        "trials",
        "complete",
    ] {
        assert_eq!(resumed[key], uninterrupted[key], "{key}");
    }
    // The logs agree but for the timings.
    let lines = |path: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| {
                let mut t: serde_json::Value = serde_json::from_str(l).unwrap();
                t.as_object_mut().unwrap().remove("seconds");
                t
            })
            .collect()
    };
    assert_eq!(lines(&parts), lines(&whole));
}

/// Regressions: `values` on an int parameter was ignored, a repeated pruner setting taken
/// silently, and a trial that ran all its epochs counted as pruned.
#[test]
fn tune_refuses_keys_a_parameter_does_not_take_and_repeated_pruner_settings() {
    let (dir, cfg, space) = setup();
    let d = dir.path();
    let bad = d.join("values.toml");
    std::fs::write(
        &bad,
        "[model.factors]\ntype = \"int\"\nlow = 2\nhigh = 8\nvalues = [2, 4, 8]",
    )
    .unwrap();
    let out = tune_small(d, &cfg, &bad, &["-q"]);
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("values.toml")
            && e.contains("[model.factors] type = \"int\" does not take \"values\"")
            && e.contains("its keys: type, low, high, log, step, points"),
        "{e}"
    );
    let out = tune_small(
        d,
        &cfg,
        &space,
        &["--pruner", "median:startup=2,startup=3", "-q"],
    );
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("pruner median:startup=2,startup=3: startup is given twice"),
        "{e}"
    );
    // Three epochs, two of warm-up: the pruner could only speak after the last epoch.
    let j = json_of(&tune_small(
        d,
        &cfg,
        &space,
        &[
            "--trials",
            "5",
            "--sampler",
            "random",
            "--seed",
            "2",
            "--set",
            "model.epochs=3",
            "--set",
            "validation.patience=10",
            "--pruner",
            "median:startup=1,warmup=2",
            "--json",
            "-q",
        ],
    ));
    assert_eq!(
        (&j["complete"], &j["pruned"]),
        (&5.into(), &0.into()),
        "{j}"
    );
    assert_eq!(j["epochs"], 15, "{j}");
}

#[test]
fn cv_gives_folds_mean_and_std_from_random_folds_or_fold_files() {
    let (dir, cfg, _) = setup();
    let d = dir.path();
    let j = json_of(&rustrec(&[
        "cv",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--folds",
        "3",
        "--json",
        "-q",
    ]));
    let folds = j["folds"].as_array().unwrap();
    assert_eq!(folds.len(), 3);
    assert!(folds.iter().all(|f| f["rmse"].as_f64().is_some()));
    let total: u64 = folds
        .iter()
        .map(|f| f["test_interactions"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 6000, "every interaction in one test fold");
    assert!(j["mean"]["rmse"].as_f64().unwrap() > 0.0 && j["std"]["rmse"].as_f64().unwrap() >= 0.0);
    write_pair(d, "s1", "1");
    write_pair(d, "s2", "2");
    let j = json_of(&rustrec(&[
        "cv",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--folds",
        "2",
        "--folds-files",
        "s{}.base,s{}.test",
        "--json",
        "-q",
    ]));
    assert_eq!(j["folds"].as_array().unwrap().len(), 2);
    assert_eq!(j["folds"][1]["fold"], 2);
    let out = rustrec(&[
        "cv",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--folds-files",
        "s1.base,s1.test",
        "-q",
    ]);
    assert!(!out.status.success());
}

#[test]
fn compare_tests_models_on_one_split_and_lr_find_suggests_a_rate() {
    let (dir, cfg, _) = setup();
    let d = dir.path();
    let implicit = |kind: &str, extra: &str| {
        format!(
            "[data]\ntrain = \"small.base\"\ntest = \"small.test\"\nimplicit_threshold = 3\n\
             [model]\nkind = \"{kind}\"\n{extra}\n[train]\nthreads = 1\n[eval]\ncutoffs = [5, 10]\n"
        )
    };
    let (a, b) = (d.join("pop.toml"), d.join("bpr.toml"));
    std::fs::write(&a, implicit("top-pop", "")).unwrap();
    std::fs::write(&b, implicit("bpr", "factors = 8\nepochs = 4")).unwrap();
    let report = d.join("cmp.html");
    let j = json_of(&rustrec(&[
        "compare",
        "--config",
        p(&a),
        "--config",
        p(&b),
        "--data-dir",
        p(d),
        "--report",
        p(&report),
        "--json",
        "-q",
    ]));
    let models = j["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    assert_eq!(models[0]["name"], "pop");
    assert!(
        models
            .iter()
            .all(|m| m["metrics"]["ndcg@10"].as_f64().is_some())
    );
    let best = j["best"]["ndcg@10"].as_str().unwrap();
    let other = models.iter().find(|m| m["name"] != best).unwrap();
    let pv = other["p_value"]["ndcg@10"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&pv));
    assert!(std::fs::read_to_string(&report).unwrap().contains("<svg"));
    // lr-find on the MF config.
    let plot = d.join("lr.svg");
    let j = json_of(&rustrec(&[
        "lr-find",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--start",
        "1e-4",
        "--steps",
        "14",
        "--plot",
        p(&plot),
        "--json",
        "-q",
    ]));
    let lr = j["suggested_lr"].as_f64().unwrap();
    assert!(lr > 0.0 && lr < 10.0, "{j}");
    assert_eq!(
        j["lrs"].as_array().unwrap().len(),
        j["losses"].as_array().unwrap().len()
    );
    assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));
    let out = rustrec(&["lr-find", "--config", p(&a), "--data-dir", p(d), "-q"]);
    assert!(!out.status.success(), "top-pop has no learning rate");
    // fit --report.
    let page = d.join("fit.html");
    let f = json_of(&rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--report",
        p(&page),
        "--json",
        "-q",
    ]));
    assert!(f["report"].as_str().is_some());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Learning curves") && html.contains("Popularity bias"));
    let out = rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--report",
        p(&d.join("x.pdf")),
        "-q",
    ]);
    assert!(!out.status.success());
}

#[test]
fn compare_on_a_split_of_its_own_and_bad_splits_named() {
    let (dir, cfg, _) = setup();
    let d = dir.path();
    synth_small(&d.join("all.data"), "6", None);
    let implicit = |kind: &str, extra: &str| {
        format!(
            "[data]\nratings = \"all.data\"\nimplicit_threshold = 1\n\
             [split]\nkind = \"holdout\"\ntest_fraction = 0.1\nseed = 1\n\
             [model]\nkind = \"{kind}\"\n{extra}\n[train]\nthreads = 1\n[eval]\ncutoffs = [10]\n"
        )
    };
    let (a, b) = (d.join("pop.toml"), d.join("bpr.toml"));
    std::fs::write(&a, implicit("top-pop", "")).unwrap();
    std::fs::write(&b, implicit("bpr", "factors = 8\nepochs = 3")).unwrap();
    let compare = |split: Option<&str>, first: &Path| {
        let mut args = vec!["compare", "--config", p(first), "--config", p(&b)];
        if let Some(s) = split {
            args.extend(["--split", s]);
        }
        args.extend(["--data-dir", p(d), "--json", "-q"]);
        rustrec(&args)
    };
    let share = |j: &serde_json::Value| {
        let train = j["train_interactions"].as_f64().unwrap();
        let test = j["test_interactions"].as_f64().unwrap();
        (train + test, test / (train + test))
    };
    let own = json_of(&compare(None, &a));
    let (total, f) = share(&own);
    assert!((f - 0.1).abs() < 0.02, "the config's own split: {f}");
    let other = json_of(&compare(Some("holdout:0.3"), &a));
    let (total_other, f) = share(&other);
    assert!((f - 0.3).abs() < 0.02, "--split holdout:0.3 gave {f}");
    assert_eq!(total, total_other, "the same data, split otherwise");
    assert_eq!(other["models"].as_array().unwrap().len(), 2);
    for (bad, says) in [
        ("holdout:1.5", "(0, 1)"),
        ("holdout", "(0, 1)"),
        ("leave-k-out:0", "≥ 1"),
        ("kfold:3", "unknown split"),
    ] {
        let out = compare(Some(bad), &a);
        assert!(!out.status.success(), "--split {bad} was accepted");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(
            e.contains(&format!("--split {bad}")) && e.contains(says) && e.contains("holdout:F"),
            "{e}"
        );
    }
    // A first config with train and test files has no single file to split.
    let out = compare(Some("holdout:0.2"), &cfg);
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("data.ratings") && e.contains("mf.toml"), "{e}");
}
