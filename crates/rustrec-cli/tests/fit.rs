//! End-to-end tests of `rustrec demo`, `fit`, `eval`, `predict` and `recommend`.

use std::path::Path;

mod common;
use common::{last_json, p, rustrec};

/// Writes a u.data-like train/test pair from a synthetic ML-100K-shaped set.
fn write_pair(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let train = dir.join("small.base");
    let test = dir.join("small.test");
    let out = rustrec(&[
        "synth",
        "--like",
        "ml-100k",
        "--users",
        "200",
        "--items",
        "150",
        "--ratings",
        "8000",
        "--seed",
        "3",
        "--format",
        "ml-tab",
        "--out",
        p(&train),
        "--test-fraction",
        "0.1",
        "--test-out",
        p(&test),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (train, test)
}

#[test]
fn demo_beats_the_global_mean_baseline() {
    let f = last_json(&rustrec(&["demo", "--threads", "2", "--json", "-q"]));
    let rmse = f["rmse"].as_f64().unwrap();
    let baseline = f["baseline_rmse"].as_f64().unwrap();
    assert!(rmse < 0.8 * baseline, "rmse {rmse} vs baseline {baseline}");
    assert_eq!(f["users"], 943);
}

#[test]
fn fit_saves_a_model_that_eval_predict_and_recommend_use() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let model = dir.path().join("m.safetensors");
    let plot = dir.path().join("curve.svg");
    let npy = dir.path().join("npy");
    let f = last_json(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--factors",
        "8",
        "--epochs",
        "15",
        "--validation",
        "0.1",
        "--threads",
        "2",
        "--out",
        p(&model),
        "--plot",
        p(&plot),
        "--export-npy",
        p(&npy),
        "--profile",
        "--json",
        "-q",
    ]));
    let rmse = f["rmse"].as_f64().unwrap();
    assert!(rmse > 0.3 && rmse < 1.2, "rmse {rmse}");
    assert!(f["samples_per_sec"].as_f64().unwrap() > 0.0);
    assert!(f["epochs_run"].as_u64().unwrap() >= 1);
    assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));
    let w = std::fs::read(npy.join("user_factors.npy")).unwrap();
    assert_eq!(&w[..6], b"\x93NUMPY");

    // eval on the same test file gives the same RMSE as fit reported.
    let e = last_json(&rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--json",
    ]));
    assert!((e["rmse"].as_f64().unwrap() - rmse).abs() < 1e-9);

    // predict: a known pair, and an unknown item that falls back to the user's bias.
    let first = std::fs::read_to_string(&train).unwrap();
    let user = first.split('\t').next().unwrap().to_string();
    let out = last_json(&rustrec(&[
        "predict",
        "--model",
        p(&model),
        "--user",
        &user,
        "--item",
        "999999",
        "--json",
    ]));
    let pred = &out["predictions"][0];
    assert_eq!(pred["known_item"], false);
    assert!(pred["prediction"].as_f64().unwrap().is_finite());

    // recommend leaves out the user's training items.
    let seen: Vec<String> = first
        .lines()
        .filter(|l| l.split('\t').next() == Some(user.as_str()))
        .map(|l| l.split('\t').nth(1).unwrap().to_string())
        .collect();
    let r = last_json(&rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        &user,
        "-n",
        "20",
        "--json",
    ]));
    let items: Vec<String> = r["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["item"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(items.len(), 20);
    assert!(
        items.iter().all(|i| !seen.contains(i)),
        "a seen item was recommended"
    );

    // recommend --history folds in a new user without retraining, leaving out the history.
    let h = last_json(&rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--history",
        &format!("{}:5,{}:4", seen[0], seen[1]),
        "-n",
        "5",
        "--json",
    ]));
    let recs = h["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 5);
    assert!(
        recs.iter()
            .all(|x| x["item"] != seen[0].as_str() && x["item"] != seen[1].as_str())
    );
    let bad = rustrec(&["recommend", "--model", p(&model), "--history", "999999:5"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("999999"));

    // recommend --all writes every user's list.
    let all = dir.path().join("all.csv");
    last_json(&rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--all",
        "--out",
        p(&all),
        "-n",
        "3",
        "--json",
    ]));
    let lines = std::fs::read_to_string(&all).unwrap().lines().count();
    assert_eq!(lines, 1 + 3 * 200);
}

#[test]
fn a_config_file_runs_and_options_override_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let cfg = dir.path().join("exp.toml");
    std::fs::write(
        &cfg,
        "[data]\ntrain = \"small.base\"\ntest = \"small.test\"\n[model]\nkind = \"mf\"\nfactors = 4\nepochs = 3\n[train]\nthreads = 1\n",
    )
    .unwrap();
    let f = last_json(&rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--data-dir",
        p(dir.path()),
        "--json",
        "-q",
    ]));
    assert_eq!(f["epochs_run"], 3);
    let f = last_json(&rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--data-dir",
        p(dir.path()),
        "--epochs",
        "5",
        "--set",
        "model.dropout=0.1",
        "--json",
        "-q",
    ]));
    assert_eq!(f["epochs_run"], 5);
    // Data given as options replaces the config's data.
    let f = last_json(&rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--train",
        p(&test),
        "--test",
        p(&train),
        "--json",
        "-q",
    ]));
    let small = std::fs::read_to_string(&test).unwrap().lines().count();
    assert_eq!(f["train_interactions"].as_u64().unwrap() as usize, small);
}

#[test]
fn a_leave_k_out_validation_holds_out_k_per_user_with_more_than_k() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let f = last_json(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--model",
        "bpr",
        "--factors",
        "4",
        "--epochs",
        "2",
        "--set",
        "validation.k=5",
        "--json",
        "-q",
    ]));
    let mut per_user = std::collections::HashMap::<String, usize>::new();
    for line in std::fs::read_to_string(&train).unwrap().lines() {
        let user = line.split_whitespace().next().unwrap().to_string();
        *per_user.entry(user).or_default() += 1;
    }
    let want: usize = per_user.values().map(|&n| if n > 5 { 5 } else { 0 }).sum();
    assert!(want > 0);
    assert_eq!(
        f["validation_interactions"].as_u64().unwrap() as usize,
        want
    );
}

#[test]
fn bad_settings_fail_with_one_clear_line_naming_the_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let out = rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--factors",
        "0",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("factors = 0") && err.contains("1..=1024"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let out = rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--lr",
        "1000",
        "-q",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("diverged") && err.contains("lower learning rate"),
        "{err}"
    );

    let out = rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--set",
        "model.colour=3",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("colour"));
}
