//! End-to-end tests of switching the model kind of a config whose `[model]` gives no `kind`
//! (so it is of the default kind, mf): `--set model.kind=K` and `fit --model K` start
//! `[model]` from kind K's defaults, as they do from an explicit `kind`.

use std::path::{Path, PathBuf};

mod common;
use common::{json_of, p, rustrec, succeeded};

/// A config of synthetic ML-100K-shaped data under a holdout of 20% seeded 3, whose
/// `[model]` has no `kind` and holds mf's keys: 4 factors, 1 epoch and `biases = false`
/// (a key of mf's alone).
fn kindless_config(dir: &Path) -> PathBuf {
    let cfg = dir.join("kindless.toml");
    std::fs::write(
        &cfg,
        "[data]\nsynthetic = { like = \"ml-100k\" }\n\
         [split]\nkind = \"holdout\"\ntest_fraction = 0.2\nseed = 3\n\
         [model]\nfactors = 4\nepochs = 1\nbiases = false\n[train]\nthreads = 1\n",
    )
    .unwrap();
    cfg
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

/// The number of item factors of the model `rustrec fit ARGS` trains (exported as `.npy`
/// to `dir/name`).
fn item_factors(dir: &Path, name: &str, args: &[&str]) -> u64 {
    let npy = dir.join(name);
    let mut all = vec!["fit", "-q", "--export-npy", p(&npy)];
    all.extend_from_slice(args);
    succeeded(&rustrec(&all));
    npy_shape(&npy.join("item_factors.npy")).1
}

/// Regression: a config whose `[model]` has no `kind` (so mf, the default) kept its mf
/// keys under `--set model.kind=bpr` or `fit --model bpr`: `biases = false` failed as a key
/// bpr does not know, and `factors = 4` would have become the bpr model's. Like a switch
/// from an explicit `kind = "mf"`, the switch starts `[model]` from bpr's defaults (20
/// factors) plus the other `--set model.*` keys; `--set model.kind=mf` keeps the section.
#[test]
fn a_kindless_model_table_switched_to_another_kind_starts_from_its_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = kindless_config(dir.path());
    let c = p(&cfg);
    let d = dir.path();
    let set = |kv: &'static str| ["--set", kv];
    let bpr = [
        &["--config", c][..],
        &set("model.kind=bpr"),
        &set("model.epochs=1"),
    ]
    .concat();
    assert_eq!(item_factors(d, "set", &bpr), 20);
    let bpr6 = [&bpr[..], &set("model.factors=6")].concat();
    assert_eq!(item_factors(d, "set6", &bpr6), 6);
    let flag = ["--config", c, "--model", "bpr", "--epochs", "1"];
    assert_eq!(item_factors(d, "flag", &flag), 20);
    // The default kind named: the same kind, the section and its 4 factors stay.
    let mf = [&["--config", c][..], &set("model.kind=mf")].concat();
    assert_eq!(item_factors(d, "same", &mf), 4);
    assert_eq!(item_factors(d, "none", &["--config", c]), 4);
}

/// A flag's key in a kindless `[model]` is not dropped by the switch: refused as two
/// choices, naming the flag and that the table is of the default kind, as from an explicit
/// kind. A kindless `[model]` that only flags wrote (no config) holds nothing of mf's: the
/// flag's factors apply to the kind `--set` chooses.
#[test]
fn a_kindless_model_switch_refuses_to_drop_a_flags_key_and_keeps_flag_only_keys() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = kindless_config(dir.path());
    let out = rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "-q",
        "--factors",
        "8",
        "--set",
        "model.kind=bpr",
    ]);
    assert!(
        !out.status.success(),
        "--factors beside the switch was accepted"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--set model.kind=bpr: another kind of model starts [model] afresh")
            && err.contains("without a kind is of the default kind, mf")
            && err.contains("model.factors that --factors sets"),
        "{err}"
    );
    let no_config = [
        "--synthetic",
        "ml-100k",
        "--split",
        "holdout:0.2",
        "--threads",
        "1",
        "--factors",
        "8",
        "--set",
        "model.kind=bpr",
        "--set",
        "model.epochs=1",
    ];
    assert_eq!(item_factors(dir.path(), "flags", &no_config), 8);
}

/// The commands of a config (`cv` here) switch a kindless `[model]` the same way: mf's
/// `biases = false` does not follow the switch to bpr (it failed as a key bpr does not
/// know), and bpr's own figures come out.
#[test]
fn cv_switches_a_kindless_model_table_like_fit() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = kindless_config(dir.path());
    let cv = json_of(&rustrec(&[
        "cv",
        "--config",
        p(&cfg),
        "-q",
        "--json",
        "--folds",
        "2",
        "--set",
        "model.kind=bpr",
        "--set",
        "model.epochs=1",
    ]));
    assert_eq!(cv["k"], 2);
    // A ranking model: AUC, no RMSE.
    assert!(cv["mean"]["auc"].as_f64().is_some(), "{cv}");
    assert!(cv["mean"].get("rmse").is_none(), "{cv}");
}
