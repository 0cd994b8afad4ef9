//! `rustrec predict` as a new user meets it: ids with spaces or quotes, blank ids, and a
//! ranking model, whose "predictions" are scores.

mod common;
use std::path::{Path, PathBuf};

use common::{json_of, p, rustrec, succeeded, synth_small};

/// A model of `kind` trained with its defaults on a small synthetic file in `dir`.
fn model(dir: &Path, kind: &str) -> PathBuf {
    let data = dir.join("u.data");
    if !data.exists() {
        synth_small(&data, "3", None);
    }
    let out = dir.join(format!("{kind}.st"));
    let fit = rustrec(&[
        "fit",
        "--ratings",
        p(&data),
        "--split",
        "holdout:0.2",
        "--model",
        kind,
        "--threads",
        "1",
        "--out",
        p(&out),
        "-q",
    ]);
    succeeded(&fit);
    out
}

fn stderr_of(args: &[&str]) -> String {
    let out = rustrec(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} was accepted: {stderr}");
    stderr
}

/// Regression: `--user ''` was predicted as an unknown user (while `--item ''` was
/// refused), and `--user ' 1'` was echoed with its space.
#[test]
fn predict_blank_user_is_refused_and_spaces_around_it_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(dir.path(), "mf");
    let stderr = stderr_of(&["predict", "--model", p(&m), "--user", " ", "--item", "1"]);
    assert!(
        stderr.contains("--user") && stderr.contains("blank"),
        "{stderr}"
    );
    let j = json_of(&rustrec(&[
        "predict",
        "--model",
        p(&m),
        "--user",
        " 1 ",
        "--item",
        "1",
        "--json",
    ]));
    assert_eq!(j["predictions"][0]["user"], "1", "{j}");
    assert_eq!(j["predictions"][0]["known_user"], true, "{j}");
}

/// Regression: a pairs file with CSV-quoted ids (`"1","1"`, as a rating file may have them)
/// gave the ids with their quotes, all unknown; a quoted id may hold a separator.
#[test]
fn predict_pairs_with_quoted_ids_are_read_as_csv_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(dir.path(), "mf");
    let pairs = dir.path().join("pairs.csv");
    std::fs::write(&pairs, "\"1\",\"1\"\n\"a user\" \"1\"\n").unwrap();
    let j = json_of(&rustrec(&[
        "predict",
        "--model",
        p(&m),
        "--pairs",
        p(&pairs),
        "--json",
    ]));
    let preds = j["predictions"].as_array().unwrap();
    assert_eq!(preds.len(), 2, "{j}");
    assert_eq!(preds[0]["user"], "1", "{j}");
    assert_eq!(preds[0]["item"], "1", "{j}");
    assert_eq!(preds[0]["known_user"], true, "{j}");
    assert_eq!(preds[0]["known_item"], true, "{j}");
    assert_eq!(preds[1]["user"], "a user", "{j}");
    assert_eq!(preds[1]["known_user"], false, "{j}");
    // A blank quoted id, an open quote and text after a closing quote name file and line.
    for (text, needle) in [
        ("1 1\n\"1\" \"\"\n", "a blank item id"),
        ("\"1 1\n", "does not close"),
        ("\"1\"x 1\n", "after its closing quote"),
    ] {
        std::fs::write(&pairs, text).unwrap();
        let stderr = stderr_of(&["predict", "--model", p(&m), "--pairs", p(&pairs)]);
        assert!(stderr.contains("pairs.csv:"), "{text:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{text:?}: {needle:?} not in {stderr}"
        );
    }
}

/// Regression: a ranking model's scores were printed as if they were predicted ratings,
/// and an unscorable pair as a bare NaN, with nothing saying what the values are.
#[test]
fn predict_on_a_ranking_model_says_the_values_are_scores() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(dir.path(), "bpr");
    let out = rustrec(&[
        "predict",
        "--model",
        p(&m),
        "--user",
        "1",
        "--item",
        "1",
        "--json",
    ]);
    let j = json_of(&out);
    assert_eq!(j["task"], "ranking", "{j}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not predicted ratings"), "{stderr}");
    let rating = model(dir.path(), "mf");
    let out = rustrec(&[
        "predict",
        "--model",
        p(&rating),
        "--user",
        "1",
        "--item",
        "1",
        "--json",
    ]);
    assert_eq!(json_of(&out)["task"], "rating");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("not predicted ratings"));
}
