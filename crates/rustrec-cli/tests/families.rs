//! End-to-end tests of what the registry gives the command line: `rustrec models`, every
//! kind trained with its defaults, `eval` choosing the task from the file, the same bytes
//! for one seed on any thread count, and the `.npy` export's manifest.

use std::path::{Path, PathBuf};

mod common;
use common::{json_of, p, rustrec};

/// A small ML-100K-shaped train/test pair and an item file for its items.
fn data(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (train, test) = (dir.join("small.base"), dir.join("small.test"));
    let out = rustrec(&[
        "synth",
        "--like",
        "ml-100k",
        "--users",
        "120",
        "--items",
        "90",
        "--ratings",
        "5000",
        "--seed",
        "5",
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
    let items = dir.join("u.item");
    let lines: Vec<String> = (1..=90)
        .map(|i| {
            let flags: Vec<&str> = (0..19)
                .map(|g| if g == 1 + i % 18 { "1" } else { "0" })
                .collect();
            format!(
                "{i}|Movie {i} (1995)|01-Jan-1995||http://x|{}",
                flags.join("|")
            )
        })
        .collect();
    std::fs::write(&items, lines.join("\n") + "\n").unwrap();
    (train, test, items)
}

#[test]
fn models_lists_every_kind_with_its_task_inputs_and_parameter_table() {
    let d = json_of(&rustrec(&["models", "--json"]));
    let models = d["models"].as_array().unwrap();
    assert!(models.len() >= 12, "{} kinds", models.len());
    let mf = models.iter().find(|m| m["kind"] == "mf").unwrap();
    assert_eq!(mf["task"], "rating");
    assert_eq!(mf["inputs"], serde_json::json!(["ratings"]));
    let factors = mf["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "factors")
        .unwrap();
    assert_eq!(factors["default"], 40);
    assert!(factors["range"].as_str().unwrap().contains("1..=1024"));
    let cbf = models.iter().find(|m| m["kind"] == "item-knn-cbf").unwrap();
    assert!(
        cbf["inputs"]
            .as_array()
            .unwrap()
            .contains(&"item_content".into())
    );
    let ials = models.iter().find(|m| m["kind"] == "ials").unwrap();
    assert_eq!(ials["task"], "ranking");
    // One kind, and an unknown one named with the list of kinds.
    let one = json_of(&rustrec(&["models", "bpr", "--json"]));
    assert_eq!(one["models"].as_array().unwrap().len(), 1);
    let bad = rustrec(&["models", "svd++"]);
    assert!(!bad.status.success());
    let e = String::from_utf8_lossy(&bad.stderr);
    assert!(e.contains("svd++") && e.contains("mf, bpmf"), "{e}");
}

/// Regression: `eval` of an iALS file printed RMSE/MAE, because it chose the task by
/// comparing the file's kind (`als`) with a list of strings.
#[test]
fn eval_of_an_ials_model_reports_ranking_metrics_not_rmse() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test, _) = data(dir.path());
    let model = dir.path().join("ials.safetensors");
    json_of(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--model",
        "ials",
        "--set",
        "model.iterations=3",
        "--out",
        p(&model),
        "--json",
        "-q",
    ]));
    let e = json_of(&rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--json",
    ]));
    assert_eq!(e["task"], "ranking");
    assert!(e.get("ndcg@10").is_some(), "{e}");
    assert!(e.get("rmse").is_none(), "{e}");
    let als = dir.path().join("als.safetensors");
    json_of(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--model",
        "als",
        "--set",
        "model.iterations=3",
        "--out",
        p(&als),
        "--json",
        "-q",
    ]));
    let e = json_of(&rustrec(&[
        "eval",
        "--model",
        p(&als),
        "--test",
        p(&test),
        "--json",
    ]));
    assert_eq!(e["task"], "rating");
    assert!(e.get("rmse").is_some(), "{e}");
}

#[test]
fn every_kind_trains_with_its_defaults_saves_evaluates_and_folds_in() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test, items) = data(dir.path());
    let list = json_of(&rustrec(&["models", "--json"]));
    for m in list["models"].as_array().unwrap() {
        let kind = m["kind"].as_str().unwrap();
        let model = dir.path().join(format!("{kind}.safetensors"));
        let mut args = vec![
            "fit",
            "--train",
            p(&train),
            "--test",
            p(&test),
            "--model",
            kind,
            "--out",
            p(&model),
            "--json",
            "-q",
        ];
        if m["inputs"]
            .as_array()
            .unwrap()
            .contains(&"item_content".into())
        {
            args.extend(["--item-file", p(&items)]);
        }
        let fit = json_of(&rustrec(&args));
        assert_eq!(fit["model"], kind);
        let e = json_of(&rustrec(&[
            "eval",
            "--model",
            p(&model),
            "--test",
            p(&test),
            "--json",
        ]));
        assert_eq!(e["task"], m["task"], "{kind}");
        let history = if m["task"] == "rating" {
            "1:5,2:3"
        } else {
            "1,2"
        };
        let r = json_of(&rustrec(&[
            "recommend",
            "--model",
            p(&model),
            "--history",
            history,
            "-n",
            "3",
            "--json",
        ]));
        assert_eq!(
            r["recommendations"].as_array().map(Vec::len),
            Some(3),
            "{kind}: {r}"
        );
    }
}

#[test]
fn one_seed_gives_the_same_model_bytes_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test, _) = data(dir.path());
    for kind in ["mf", "bpr", "ials", "slim-mse", "asysvd"] {
        let mut files = Vec::new();
        for (run, threads) in ["1", "3", "3"].iter().enumerate() {
            let out = dir.path().join(format!("{kind}-{run}.safetensors"));
            json_of(&rustrec(
                &[
                    "fit",
                    "--train",
                    p(&train),
                    "--test",
                    p(&test),
                    "--model",
                    kind,
                    "--seed",
                    "11",
                    "--threads",
                    threads,
                    "--set",
                    "model.epochs=3",
                    "--out",
                    p(&out),
                    "--json",
                    "-q",
                ]
                .iter()
                .map(|a| {
                    if *a == "model.epochs=3" && kind == "ials" {
                        "model.iterations=3"
                    } else {
                        a
                    }
                })
                .collect::<Vec<_>>(),
            ));
            files.push(std::fs::read(&out).unwrap());
        }
        assert!(
            files.windows(2).all(|w| w[0] == w[1]),
            "{kind}: files differ"
        );
    }
}

#[test]
fn the_npy_export_has_the_id_maps_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test, _) = data(dir.path());
    let npy = dir.path().join("npy");
    json_of(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--set",
        "model.epochs=2",
        "--export-npy",
        p(&npy),
        "--json",
        "-q",
    ]));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(npy.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["model"], "mf");
    let arrays = manifest["arrays"].as_object().unwrap();
    for name in [
        "user_factors.npy",
        "item_factors.npy",
        "user_ids.npy",
        "item_ids.npy",
    ] {
        assert!(arrays.contains_key(name), "{name} missing from {manifest}");
        assert!(npy.join(name).exists(), "{name} not written");
        assert!(
            !arrays[name]["about"].as_str().unwrap().is_empty(),
            "{name}"
        );
    }
    let users = arrays["user_ids.npy"]["shape"][0].as_u64().unwrap();
    assert_eq!(
        arrays["user_factors.npy"]["shape"][0].as_u64().unwrap(),
        users
    );
}

#[test]
fn threads_and_bins_beyond_their_limits_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test, _) = data(dir.path());
    for (flag, value, want) in [
        ("--threads", "100000", "at most 256"),
        ("--set", "model.bins=100000", "1..=256"),
    ] {
        let out = rustrec(&[
            "fit",
            "--train",
            p(&train),
            "--test",
            p(&test),
            flag,
            value,
            "-q",
        ]);
        assert!(!out.status.success());
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(
            e.contains(want) && !e.contains("panicked"),
            "{flag} {value}: {e}"
        );
    }
}
