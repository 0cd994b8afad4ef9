//! End-to-end tests of the rules `fit`, `tune`, `cv` and `lr-find` share for `--set`
//! beside their flags (a flag and a `--set` of its key are two choices; switching
//! `split.kind` or `model.kind` starts the section afresh), of `--patience`/`--refit` and
//! a `[validation]` without a validation split, of what `lr-find` does not use, and of
//! `cv`'s standard deviation over one fold.

use std::path::{Path, PathBuf};

mod common;
use common::{json_of, p, rustrec, succeeded};

/// A config of synthetic ML-100K-shaped data (100,000 ratings, with timestamps) under a
/// holdout of 20% seeded 3, and a small MF model, with `extra` TOML appended.
fn config(dir: &Path, extra: &str) -> PathBuf {
    let cfg = dir.join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[data]\nsynthetic = {{ like = \"ml-100k\" }}\n\
             [split]\nkind = \"holdout\"\ntest_fraction = 0.2\nseed = 3\n\
             [model]\nkind = \"mf\"\nfactors = 4\nepochs = 1\n[train]\nthreads = 1\n{extra}"
        ),
    )
    .unwrap();
    cfg
}

/// The standard error of a run expected to fail, asserting that it did.
fn stderr_of(args: &[&str]) -> String {
    let out = rustrec(args);
    assert!(!out.status.success(), "{args:?} was accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Regression: `tune`, `cv` and `lr-find` took a flag and a `--set` of the key it sets and
/// obeyed one of them without a word (`cv --threads 1 --set train.threads=2` ran on 1
/// thread; `tune --metric rmse --set validation.metric=mae` tuned RMSE; `lr-find --set
/// model.lr=0.1` and `--set model.epochs=3` were overwritten by the test's own rates and
/// rounds). Each is refused naming the flag, as `fit` does; so are a `--set` of a table
/// above a flag's key and a key given twice by `--set`.
#[test]
fn a_flag_and_a_set_of_its_key_are_refused_in_tune_cv_and_lr_find() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let space = dir.path().join("space.toml");
    std::fs::write(
        &space,
        "[\"model.reg\"]\ntype = \"float\"\nlow = 0.01\nhigh = 0.1\n",
    )
    .unwrap();
    let c = p(&cfg);
    let s = p(&space);
    for (args, want) in [
        (
            vec![
                "cv",
                "--config",
                c,
                "--threads",
                "1",
                "--set",
                "train.threads=2",
            ],
            "--set train.threads=2: --threads also sets train.threads; give one of the two",
        ),
        (
            vec![
                "tune",
                "--config",
                c,
                "--space",
                s,
                "--trials",
                "1",
                "--threads",
                "1",
                "--set",
                "train.threads=2",
            ],
            "--set train.threads=2: --threads also sets train.threads; give one of the two",
        ),
        (
            vec![
                "tune",
                "--config",
                c,
                "--space",
                s,
                "--trials",
                "1",
                "--metric",
                "rmse",
                "--set",
                "validation.metric=mae",
            ],
            "--set validation.metric=mae: --metric also sets validation.metric; give one of \
             the two",
        ),
        (
            vec![
                "lr-find",
                "--config",
                c,
                "--steps",
                "3",
                "--set",
                "model.lr=0.1",
            ],
            "--set model.lr=0.1: --start/--end also sets model.lr; give one of the two",
        ),
        (
            vec![
                "lr-find",
                "--config",
                c,
                "--steps",
                "3",
                "--set",
                "model.epochs=3",
            ],
            "--set model.epochs=3: --epochs-per-step also sets model.epochs",
        ),
        (
            vec![
                "lr-find",
                "--config",
                c,
                "--threads",
                "1",
                "--set",
                "train={threads=2}",
            ],
            "--set train={threads=2}: --threads also sets train.threads",
        ),
        (
            vec![
                "fit",
                "--config",
                c,
                "--seed",
                "5",
                "--set",
                "train={seed=7}",
            ],
            "--set train={seed=7}: --seed also sets train.seed; give one of the two",
        ),
        (
            vec![
                "cv",
                "--config",
                c,
                "--set",
                "model.factors=3",
                "--set",
                "model.factors=5",
            ],
            "--set model.factors=5: model.factors is also set by --set model.factors=3; give \
             one of the two",
        ),
    ] {
        let err = stderr_of(&args);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // `cv --seed` seeds the folds (no config key), so a `--set train.seed` beside it is no
    // clash.
    let cv = json_of(&rustrec(&[
        "cv",
        "--config",
        c,
        "--folds",
        "2",
        "--seed",
        "5",
        "--set",
        "train.seed=7",
        "--json",
        "-q",
    ]));
    assert_eq!(cv["k"], 2, "{cv}");
}

/// Regression: `fit --patience N` (and `--refit`) with no validation split configured
/// turned validation on with a 10% holdout nobody asked for. Both are refused, naming the
/// flag and the ways to choose a split; with one chosen (the flag, a `--set`, or the
/// config's `[validation]`) they run and stop early on it.
#[test]
fn patience_without_a_validation_split_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let c = p(&cfg);
    for (flag, named) in [
        (&["--patience", "2"][..], "--patience 2"),
        (&["--refit"][..], "--refit"),
        (
            &["--patience", "2", "--set", "validation.seed=4"][..],
            "--patience 2",
        ),
    ] {
        let mut args = vec!["fit", "--config", c, "-q"];
        args.extend_from_slice(flag);
        let err = stderr_of(&args);
        assert!(
            err.contains(&format!("{named}: there is no validation split"))
                && err.contains("--validation 0.1")
                && err.contains("validation.fraction"),
            "{err}"
        );
    }
    let held_out = |extra: &str, args: &[&str]| {
        let cfg = config(dir.path(), extra);
        let mut all = vec![
            "fit",
            "--config",
            p(&cfg),
            "--json",
            "-q",
            "--patience",
            "1",
        ];
        all.extend_from_slice(args);
        let f = json_of(&rustrec(&all));
        f["validation_interactions"].as_u64().unwrap()
    };
    // A quarter of the 80,000 training rows, as chosen (not a guessed tenth).
    assert_eq!(held_out("", &["--validation", "0.25"]), 20_000);
    assert_eq!(held_out("", &["--set", "validation.fraction=0.25"]), 20_000);
    assert_eq!(held_out("[validation]\nfraction = 0.25\n", &[]), 20_000);
}

/// Regression: `--set split.kind=K` on a config whose `[split]` is another kind kept the
/// old kind's keys: a holdout's `test_fraction = 0.2` silently became a temporal split's
/// (20% of test rows nobody chose), and a switch to leave-k-out was refused for that
/// `test_fraction` ("unknown field"). Switching the kind starts `[split]` from the new
/// kind's defaults plus the other `--set split.*` keys (in any order); the same kind keeps
/// the section; `fit --split` follows the same rule.
#[test]
fn switching_the_split_kind_starts_the_section_from_the_new_kinds_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let c = p(&cfg);
    let test_rows = |args: &[&str]| {
        let mut all = vec!["fit", "--config", c, "--json", "-q"];
        all.extend_from_slice(args);
        let f = json_of(&rustrec(&all));
        f["test_interactions"].as_u64().unwrap()
    };
    // The temporal split needs its own fraction: asked for, not carried over.
    let err = stderr_of(&["fit", "--config", c, "-q", "--set", "split.kind=temporal"]);
    assert!(
        err.contains("test_fraction") && err.contains("split"),
        "{err}"
    );
    for order in [
        ["split.kind=temporal", "split.test_fraction=0.3"],
        ["split.test_fraction=0.3", "split.kind=temporal"],
    ] {
        assert_eq!(
            test_rows(&["--set", order[0], "--set", order[1]]),
            30_000,
            "{order:?}"
        );
    }
    // Leave-one-out: one test row per user (every one of the 943 users has more than one).
    assert_eq!(
        test_rows(&["--set", "split.kind=leave-k-out", "--set", "split.k=1"]),
        943
    );
    assert_eq!(test_rows(&["--split", "leave-k-out:1"]), 943);
    // The same kind keeps the section (its 20%).
    assert_eq!(test_rows(&["--set", "split.kind=holdout"]), 20_000);
    // A flag's key in the section is not dropped by the switch: two choices, refused.
    let err = stderr_of(&[
        "fit",
        "--config",
        c,
        "-q",
        "--split-seed",
        "9",
        "--set",
        "split.kind=leave-k-out",
        "--set",
        "split.k=1",
    ]);
    assert!(
        err.contains("--set split.kind=leave-k-out: another kind of split starts [split] afresh")
            && err.contains("split.seed that --split-seed sets"),
        "{err}"
    );
    // The shared rule holds in the other commands too.
    let err = stderr_of(&["cv", "--config", c, "-q", "--set", "split.kind=temporal"]);
    assert!(err.contains("test_fraction"), "{err}");
}

/// Regression: `cv` over one fold (given fold files, `--folds 1`) reported a standard
/// deviation of 0 for every figure, where one value has none (the sample deviation divides
/// by K − 1 = 0). The JSON has `null`, the text line `n/a`.
#[test]
fn cv_over_one_fold_reports_no_standard_deviation() {
    let dir = tempfile::tempdir().unwrap();
    common::synth_small(
        &dir.path().join("f1.base"),
        "1",
        Some((&dir.path().join("f1.test"), "0.2")),
    );
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[data]\ntrain = \"f1.base\"\ntest = \"f1.test\"\n[model]\nkind = \"mf\"\nfactors = 4\n\
         epochs = 2\n[train]\nthreads = 1\n",
    )
    .unwrap();
    let args = |json: bool| {
        let mut a = vec![
            "cv",
            "--config",
            p(&cfg),
            "--data-dir",
            p(dir.path()),
            "--folds",
            "1",
            "--folds-files",
            "f{}.base,f{}.test",
            "-q",
        ];
        if json {
            a.push("--json");
        }
        a
    };
    let cv = json_of(&rustrec(&args(true)));
    assert_eq!(cv["k"], 1);
    let std = cv["std"].as_object().unwrap();
    assert!(std.contains_key("rmse"), "{cv}");
    assert!(std.values().all(|v| v.is_null()), "{cv}");
    assert!(cv["mean"]["rmse"].as_f64().is_some(), "{cv}");
    let out = rustrec(&args(false));
    succeeded(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("over 1 fold:") && text.contains("rmse") && text.contains("± n/a"),
        "{text}"
    );
    assert!(!text.contains("± 0.0000"), "{text}");
}

/// The shape `(rows, columns)` in the header of a `.npy` file.
fn npy_shape(path: &Path) -> (u64, u64) {
    let bytes = std::fs::read(path).unwrap();
    let header = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]).into_owned();
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no shape in {header}"));
    let dims: Vec<u64> = shape
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse().unwrap())
        .collect();
    (dims[0], dims[1])
}

/// Regression: `--set model.kind=K` on a config whose `[model]` is another kind kept the
/// old kind's parameters: an mf model's `biases = false` failed as a key bpr does not
/// know, and its `factors = 4` silently became the bpr model's (4 factors nobody chose
/// for it). Switching the kind starts `[model]` from kind K's defaults plus the other
/// `--set model.*` keys (in any order); a flag's key in the section is not dropped by the
/// switch but refused as a second choice; the commands of a config (`lr-find`, `cv`,
/// `tune`) follow the same rule.
#[test]
fn switching_the_model_kind_starts_the_section_from_the_new_kinds_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    // `biases` is mf's alone; the config's [model] is mf with 4 factors and 1 epoch.
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("epochs = 1\n", "epochs = 1\nbiases = false\n");
    std::fs::write(&cfg, text).unwrap();
    let c = p(&cfg);
    let item_factors = |name: &str, sets: &[&str]| {
        let npy = dir.path().join(name);
        let mut all = vec!["fit", "--config", c, "-q", "--export-npy", p(&npy)];
        for kv in sets {
            all.extend_from_slice(&["--set", kv]);
        }
        succeeded(&rustrec(&all));
        npy_shape(&npy.join("item_factors.npy"))
    };
    // bpr's own default of 20 factors, not mf's 4 (and no complaint about `biases`).
    assert_eq!(
        item_factors("default", &["model.kind=bpr", "model.epochs=1"]).1,
        20
    );
    // The new kind's keys given by --set apply, before or after the kind.
    for (name, order) in [
        ("after", ["model.kind=bpr", "model.factors=6"]),
        ("before", ["model.factors=6", "model.kind=bpr"]),
    ] {
        assert_eq!(
            item_factors(name, &[order[0], order[1], "model.epochs=1"]).1,
            6,
            "{order:?}"
        );
    }
    // `fit --model` switches the same way: bpr's 20 factors, mf's `biases` gone; the
    // flags after it write into the new section.
    let flag_factors = |name: &str, flags: &[&str]| {
        let npy = dir.path().join(name);
        let mut all = vec!["fit", "--config", c, "-q", "--export-npy", p(&npy)];
        all.extend_from_slice(flags);
        succeeded(&rustrec(&all));
        npy_shape(&npy.join("item_factors.npy")).1
    };
    assert_eq!(
        flag_factors("flag", &["--model", "bpr", "--epochs", "1"]),
        20
    );
    assert_eq!(
        flag_factors(
            "flag6",
            &["--model", "bpr", "--factors", "6", "--epochs", "1"]
        ),
        6
    );
    assert_eq!(flag_factors("flag-same", &["--model", "mf"]), 4);
    // The same kind keeps the section (its 4 factors).
    assert_eq!(item_factors("same", &["model.kind=mf"]).1, 4);
    // A flag's key in the section is not dropped by the switch: two choices, refused.
    for (flag, key) in [
        (&["--factors", "8"][..], "model.factors that --factors sets"),
        (
            &["--optimizer", "adam"][..],
            "model.optimizer that --optimizer sets",
        ),
    ] {
        let mut all = vec!["fit", "--config", c, "-q"];
        all.extend_from_slice(flag);
        all.extend_from_slice(&["--set", "model.kind=bpr"]);
        let err = stderr_of(&all);
        assert!(
            err.contains("--set model.kind=bpr: another kind of model starts [model] afresh")
                && err.contains(key),
            "{err}"
        );
    }
    // lr-find's own keys (the rates, the rounds) are not in the table: nothing of its
    // flags is dropped, and mf's `biases` does not follow the switch to bpr.
    let out = rustrec(&[
        "lr-find",
        "--config",
        c,
        "-q",
        "--json",
        "--steps",
        "3",
        "--start",
        "1e-3",
        "--end",
        "1e-2",
        "--set",
        "model.kind=bpr",
    ]);
    assert!(json_of(&out)["suggested_lr"].as_f64().is_some());
}

/// Regression: a `[validation]` with neither `fraction` nor `k` (only `patience = 3`, or
/// `--set validation.patience=3` alone) held out 10% of train that nobody chose. It is
/// refused naming the table, its keys and the two keys that choose the rows, in the
/// config file and by `--set`, in `fit` and in the commands of a config.
#[test]
fn a_validation_table_that_chooses_no_rows_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plain = config(dir.path(), "");
    let refused = |args: &[&str], keys: &str| {
        let err = stderr_of(args);
        assert!(
            err.contains(&format!(
                "[validation] (with only {keys}) chooses no validation rows"
            )) && err.contains("validation.fraction")
                && err.contains("validation.k"),
            "{args:?}: {err}"
        );
    };
    let c = p(&plain);
    refused(
        &["fit", "--config", c, "-q", "--set", "validation.patience=3"],
        "patience",
    );
    refused(
        &["cv", "--config", c, "-q", "--set", "validation.seed=3"],
        "seed",
    );
    let in_file = dir.path().join("v.toml");
    std::fs::copy(config(dir.path(), "[validation]\npatience = 3\n"), &in_file).unwrap();
    refused(&["fit", "--config", p(&in_file), "-q"], "patience");
    // With the rows chosen, the same table runs and holds out what it says.
    let f = json_of(&rustrec(&[
        "fit",
        "--config",
        p(&in_file),
        "--json",
        "-q",
        "--set",
        "validation.fraction=0.25",
    ]));
    assert_eq!(f["validation_interactions"], 20_000);
}

/// Regression: `lr-find` replaced the config's learning-rate schedule with a constant
/// rate and ignored its `[validation]` without a word; a `--set model.schedule...` or
/// `--set validation...` changed nothing. The `--set`s are refused (as `model.lr` is);
/// the config file's schedule and `[validation]` get a note on standard error, never on
/// standard output (which stays one JSON object with `--json`).
#[test]
fn lr_find_says_it_uses_no_schedule_and_no_validation() {
    let dir = tempfile::tempdir().unwrap();
    let plain = config(dir.path(), "");
    for set in [
        "model.schedule.kind=step",
        "model.schedule={kind=\"exponential\", gamma=0.9}",
        "validation.fraction=0.2",
        "validation={k=2}",
    ] {
        let err = stderr_of(&["lr-find", "--config", p(&plain), "-q", "--set", set]);
        assert!(
            err.contains(&format!("--set {set}: lr-find")) && err.contains("would change nothing"),
            "{set}: {err}"
        );
    }
    let run = |cfg: &Path| {
        let out = rustrec(&[
            "lr-find",
            "--config",
            p(cfg),
            "-q",
            "--json",
            "--steps",
            "3",
            "--start",
            "1e-3",
            "--end",
            "1e-2",
        ]);
        let json = json_of(&out);
        assert!(json["suggested_lr"].as_f64().is_some(), "{json}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(&plain);
    assert!(!err.contains("note:"), "{err}");
    let both = dir.path().join("both.toml");
    let text = std::fs::read_to_string(&plain).unwrap().replace(
        "epochs = 1\n",
        "epochs = 1\nschedule = { kind = \"exponential\", gamma = 0.9 }\n",
    );
    std::fs::write(&both, format!("{text}[validation]\nfraction = 0.1\n")).unwrap();
    let err = run(&both);
    assert!(
        err.contains("note: the config's model.schedule (kind = \"exponential\") is not used")
            && err.contains("note: the config's [validation] is not used"),
        "{err}"
    );
}
