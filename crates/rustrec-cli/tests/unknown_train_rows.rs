//! `rustrec eval --train` and `recommend --train` on training rows whose user or item the
//! model does not know: left out of the training items, counted and named.

mod common;

use std::fs;
use std::path::Path;

use common::{TOP_POP_TRAIN as TRAIN, json_of, p, rustrec, succeeded, top_pop_model};

/// Regression: `eval --train FILE` and `recommend --train FILE` dropped the training rows
/// whose user or item the model does not know without a word or a count. Here 3 of the 5
/// rows are unknown (user 9; item 99 of a known user; user 8 with item 77): eval reports
/// `unknown_train_rows` = 3 and both commands say so on standard error; a `--train` the
/// model knows entirely, and the model file's own items, count 0 with no note.
#[test]
fn unknown_train_rows_are_counted_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let model = top_pop_model(dir.path());
    let test = dir.path().join("test.tsv");
    fs::write(&test, "1\t20\t5\t1\n4\t10\t5\t1\n").unwrap();
    let mixed = dir.path().join("mixed.tsv");
    fs::write(
        &mixed,
        "1\t10\t5\t1\n9\t10\t5\t1\n1\t99\t5\t1\n8\t77\t5\t1\n4\t30\t5\t1\n",
    )
    .unwrap();
    let eval = |train: Option<&Path>| {
        let mut args = vec![
            "eval",
            "--model",
            p(&model),
            "--test",
            p(&test),
            "--format",
            "ml-tab",
            "--json",
        ];
        if let Some(t) = train {
            args.extend_from_slice(&["--train", p(t)]);
        }
        let out = rustrec(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (json_of(&out), stderr)
    };
    let (v, err) = eval(Some(&mixed));
    assert_eq!(v["unknown_train_rows"], 3, "{v}");
    assert!(
        err.contains(&format!("note: --train {}: 3 rows", mixed.display()))
            && err.contains("does not know"),
        "{err}"
    );
    let known = dir.path().join("known.tsv");
    fs::write(&known, TRAIN).unwrap();
    for train in [Some(known.as_path()), None] {
        let (v, err) = eval(train);
        assert_eq!(v["unknown_train_rows"], 0, "{train:?}: {v}");
        assert!(!err.contains("--train"), "{train:?}: {err}");
    }
    let out = rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        "1",
        "--train",
        p(&mixed),
    ]);
    succeeded(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("note: --train {}: 3 rows", mixed.display())),
        "{err}"
    );
}
