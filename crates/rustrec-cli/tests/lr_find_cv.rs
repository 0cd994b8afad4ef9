//! End-to-end tests of `rustrec lr-find`, `rustrec cv` and the general flags of `fit`
//! (validation, split seed, the keys of `--json`).

use std::path::{Path, PathBuf};

mod common;
use common::{json_of, p, rustrec, synth_small};

/// A config of a small rating file split 90/10, with `extra` TOML appended.
fn config(dir: &Path, extra: &str) -> PathBuf {
    let data = dir.join("small.data");
    if !data.exists() {
        synth_small(&data, "5", None);
    }
    let cfg = dir.join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[data]\nratings = {:?}\n[split]\nkind = \"holdout\"\ntest_fraction = 0.1\n\
             [model]\nkind = \"mf\"\nfactors = 4\nepochs = 2\n[train]\nthreads = 1\n{extra}",
            p(&data)
        ),
    )
    .unwrap();
    cfg
}

fn stderr_of(args: &[&str]) -> String {
    let out = rustrec(args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Regression: `fit --json --plot F` (and `--export-npy D`) wrote the file but the JSON had
/// no key naming it, unlike `lr-find --plot` and `fit --out`/`--report`.
#[test]
fn fit_json_names_the_plot_and_the_npy_directory_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let plot = dir.path().join("curve.svg");
    let npy = dir.path().join("npy");
    let f = json_of(&rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--validation",
        "0.1",
        "--plot",
        p(&plot),
        "--export-npy",
        p(&npy),
        "--json",
        "-q",
    ]));
    assert_eq!(f["plot"].as_str(), Some(p(&plot)), "{f}");
    assert_eq!(f["export_npy"].as_str(), Some(p(&npy)), "{f}");
    assert!(plot.exists() && npy.join("manifest.json").exists());
}

/// Regression: with `validation.k` in the config, `--validation 0.3` was silently ignored
/// (k rows per user were still held out), and a config holding both `fraction` and `k`
/// used `k` without a word.
#[test]
fn the_validation_flag_is_not_silently_ignored_next_to_a_configured_k() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "[validation]\nk = 2\n");
    let fit = |extra: &[&str]| {
        let mut args = vec!["fit", "--config", p(&cfg), "--json", "-q"];
        args.extend(extra);
        json_of(&rustrec(&args))
    };
    let by_k = fit(&[]);
    let by_fraction = fit(&["--validation", "0.3"]);
    let train = by_fraction["train_interactions"].as_f64().unwrap();
    let held = by_fraction["validation_interactions"].as_f64().unwrap();
    assert_ne!(
        by_k["validation_interactions"],
        by_fraction["validation_interactions"]
    );
    // 30% of the training rows (`train_interactions` counts them before the carving).
    assert!((held / train - 0.3).abs() < 0.03, "{held} of {train}");
    // Two choices on the command line, or in one config, are refused naming both keys.
    let err = stderr_of(&[
        "fit",
        "--config",
        p(&cfg),
        "--validation",
        "0.3",
        "--set",
        "validation.k=3",
    ]);
    assert!(
        err.contains("validation.fraction = 0.3") && err.contains("validation.k = 3"),
        "{err}"
    );
    let both = config(dir.path(), "[validation]\nk = 2\nfraction = 0.2\n");
    let err = stderr_of(&["fit", "--config", p(&both)]);
    assert!(
        err.contains("validation.fraction = 0.2") && err.contains("validation.k = 2"),
        "{err}"
    );
}

/// Regression: bad validation settings were refused under another name
/// (`invalid validation_fraction = 0`, `invalid k = 0: at least 1 test entry per user`), and
/// a negative `min_delta` was taken, counting every worse epoch as an improvement.
#[test]
fn bad_validation_settings_name_the_flag_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    for (args, want) in [
        (vec!["--validation", "0"], "--validation 0:"),
        (vec!["--validation", "1.5"], "--validation 1.5:"),
        (vec!["--set", "validation.k=0"], "validation.k = 0:"),
        (
            vec!["--set", "validation.min_delta=-0.5"],
            "validation.min_delta = -0.5:",
        ),
    ] {
        let mut all = vec!["fit", "--config", p(&cfg)];
        all.extend(&args);
        let err = stderr_of(&all);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// Regression: `--split-seed` next to `--train`/`--test` failed with "missing field `kind`
/// in `split`", and with a temporal split with "unknown field `seed`": neither named the
/// flag.
#[test]
fn a_split_seed_without_a_random_split_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let data = dir.path().join("small.data");
    let err = stderr_of(&[
        "fit",
        "--train",
        p(&data),
        "--test",
        p(&data),
        "--split-seed",
        "5",
    ]);
    assert!(
        err.contains("--split-seed 5") && err.contains("no split"),
        "{err}"
    );
    let err = stderr_of(&[
        "fit",
        "--config",
        p(&cfg),
        "--split",
        "temporal:0.1",
        "--split-seed",
        "3",
    ]);
    assert!(
        err.contains("--split-seed 3") && err.contains("temporal"),
        "{err}"
    );
}

/// Regression: lr-find's errors named its settings as `start =`, `epochs_per_step =` under
/// a "configuration:" heading rather than the flags given, printed zero as `0e0`, printed
/// the 32-bit limits in 64-bit digits (1.1754943508222875e-38), and `--start -1` was taken
/// for an unknown flag.
#[test]
fn lr_find_errors_name_the_flag_its_value_and_the_32_bit_limits() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let run = |args: &[&str]| {
        let mut all = vec!["lr-find", "--config", p(&cfg)];
        all.extend(args);
        stderr_of(&all)
    };
    let err = run(&["--start", "0"]);
    assert!(
        err.contains("--start 0.0:")
            && err.contains("from 1.1754944e-38 to 3.4028235e38")
            && !err.contains("configuration"),
        "{err}"
    );
    let err = run(&["--start", "-1"]);
    assert!(err.contains("--start -1.0:"), "{err}");
    let err = run(&["--start", "1", "--end", "0.5"]);
    assert!(
        err.contains("--end 0.5") && err.contains("--start 1.0"),
        "{err}"
    );
    let err = run(&["--epochs-per-step", "0"]);
    assert!(err.contains("--epochs-per-step 0:"), "{err}");
    let err = run(&["--steps", "2"]);
    assert!(err.contains("--steps 2:"), "{err}");
}

/// `lr-find --json --plot` prints one object with every documented key.
#[test]
fn lr_find_json_is_one_object_with_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let plot = dir.path().join("lr.svg");
    let f = json_of(&rustrec(&[
        "lr-find",
        "--config",
        p(&cfg),
        "--start",
        "1e-4",
        "--steps",
        "8",
        "--plot",
        p(&plot),
        "--json",
        "-q",
    ]));
    for key in [
        "suggested_lr",
        "min_loss_lr",
        "min_loss_lr_div10",
        "lrs",
        "losses",
        "smoothed",
        "stopped",
        "plot",
    ] {
        assert!(f.get(key).is_some(), "{key}: {f}");
    }
    assert_eq!(f["plot"].as_str(), Some(p(&plot)));
}

/// The figures of `cv` with given fold files, by hand: each fold's RMSE is that of `fit` on
/// the same pair, and the mean and sample standard deviation are those of the folds.
#[test]
fn cv_figures_match_fit_per_fold_and_their_mean_and_sample_std() {
    let dir = tempfile::tempdir().unwrap();
    for f in 1..=3 {
        let base = dir.path().join(format!("f{f}.base"));
        let test = dir.path().join(format!("f{f}.test"));
        synth_small(&base, &f.to_string(), Some((&test, "0.2")));
    }
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[data]\ntrain = \"f1.base\"\ntest = \"f1.test\"\n[model]\nkind = \"mf\"\nfactors = 4\n\
         epochs = 3\n[train]\nthreads = 1\n",
    )
    .unwrap();
    let cv = json_of(&rustrec(&[
        "cv",
        "--config",
        p(&cfg),
        "--data-dir",
        p(dir.path()),
        "--folds",
        "3",
        "--folds-files",
        "f{}.base,f{}.test",
        "--json",
        "-q",
    ]));
    let mut rmse = Vec::new();
    for f in 1..=3 {
        let fit = json_of(&rustrec(&[
            "fit",
            "--config",
            p(&cfg),
            "--data-dir",
            p(dir.path()),
            "--set",
            &format!("data.train=\"f{f}.base\""),
            "--set",
            &format!("data.test=\"f{f}.test\""),
            "--json",
            "-q",
        ]));
        let fold = &cv["folds"][f - 1];
        assert_eq!(fold["fold"], f);
        assert_eq!(fold["rmse"], fit["rmse"], "fold {f}");
        assert_eq!(fold["test_interactions"], fit["test_interactions"]);
        rmse.push(fit["rmse"].as_f64().unwrap());
    }
    let mean = rmse.iter().sum::<f64>() / 3.0;
    let std = (rmse.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
    assert!((cv["mean"]["rmse"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert!((cv["std"]["rmse"].as_f64().unwrap() - std).abs() < 1e-12);
    assert_eq!(cv["k"], 3);
}
