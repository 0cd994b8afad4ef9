//! End-to-end test of `rustrec split`.

use std::collections::HashSet;
use std::process::Command;

fn pairs(path: &std::path::Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect()
}

#[test]
fn split_writes_disjoint_files_that_cover_the_input_and_repeat_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("u.data");
    let bin = env!("CARGO_BIN_EXE_rustrec");
    let ok = |args: &[&str]| {
        let out = Command::new(bin).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let d = data.to_str().unwrap();
    ok(&[
        "synth",
        "--like",
        "ml-100k",
        "--users",
        "60",
        "--items",
        "50",
        "--ratings",
        "1500",
        "--format",
        "ml-tab",
        "--out",
        d,
        "-q",
    ]);
    let run = |tag: &str, seed: &str| {
        let (tr, te) = (
            dir.path().join(format!("{tag}.train")),
            dir.path().join(format!("{tag}.test")),
        );
        ok(&[
            "split",
            d,
            "--kind",
            "leave-k-out",
            "--k",
            "2",
            "--seed",
            seed,
            "--train-out",
            tr.to_str().unwrap(),
            "--test-out",
            te.to_str().unwrap(),
            "-q",
        ]);
        (pairs(&tr), pairs(&te))
    };
    let (train, test) = run("a", "1");
    let all: HashSet<_> = pairs(&data).into_iter().collect();
    let tr: HashSet<_> = train.iter().cloned().collect();
    let te: HashSet<_> = test.iter().cloned().collect();
    assert!(tr.is_disjoint(&te));
    assert_eq!(tr.union(&te).cloned().collect::<HashSet<_>>(), all);
    assert_eq!(run("b", "1"), (train.clone(), test.clone()));
    assert_ne!(run("c", "2").1, test);
}

/// The tab-separated (user, item) pairs of a file as a set.
fn pair_set(path: &std::path::Path) -> HashSet<(String, String)> {
    pairs(path).into_iter().collect()
}

/// Regression: with --validation, the cold counts of `--json` were those of the train set
/// before the validation carve, not of the --train-out file written (the ML-100K-shaped
/// data of seed 42: 6 cold test items reported, 8 in the files).
#[test]
fn split_cold_counts_are_against_the_written_train_file_with_validation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("u.data");
    let bin = env!("CARGO_BIN_EXE_rustrec");
    let out = Command::new(bin)
        .args(["synth", "-q", "--out"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (tr, te, va) = (
        dir.path().join("tr.tsv"),
        dir.path().join("te.tsv"),
        dir.path().join("va.tsv"),
    );
    let out = Command::new(bin)
        .args(["split", "--json", "-q", "--validation", "0.1"])
        .arg(&data)
        .arg("--train-out")
        .arg(&tr)
        .arg("--test-out")
        .arg(&te)
        .arg("--validation-out")
        .arg(&va)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let train = pair_set(&tr);
    let test = pair_set(&te);
    let train_users: HashSet<&String> = train.iter().map(|(u, _)| u).collect();
    let train_items: HashSet<&String> = train.iter().map(|(_, i)| i).collect();
    let cold_items: HashSet<&String> = test
        .iter()
        .map(|(_, i)| i)
        .filter(|i| !train_items.contains(i))
        .collect();
    let cold_users: HashSet<&String> = test
        .iter()
        .map(|(u, _)| u)
        .filter(|u| !train_users.contains(u))
        .collect();
    let cold_rows = test
        .iter()
        .filter(|(u, i)| !train_users.contains(u) || !train_items.contains(i))
        .count();
    assert!(!cold_items.is_empty(), "the case needs cold items");
    assert_eq!(json["cold_test_items"], cold_items.len(), "{json}");
    assert_eq!(json["cold_test_users"], cold_users.len(), "{json}");
    assert_eq!(json["cold_test_rows"], cold_rows, "{json}");
}

/// Regression: bad split flags were reported with the library's names (`invalid
/// test_fraction = 0`, `invalid k = 0`, `invalid leave_out = foo`, `invalid
/// validation_fraction = 1`) and only after the file was read.
#[test]
fn split_errors_name_the_flag_and_its_value() {
    let dir = tempfile::tempdir().unwrap();
    // The input does not exist: the flags are refused before it is read.
    let data = dir.path().join("missing.data");
    let bin = env!("CARGO_BIN_EXE_rustrec");
    let err = |args: &[&str]| {
        let out = Command::new(bin)
            .arg("split")
            .arg(&data)
            .arg("--train-out")
            .arg(dir.path().join("tr.tsv"))
            .arg("--test-out")
            .arg(dir.path().join("te.tsv"))
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = err(&["--test-fraction", "0"]);
    assert!(e.contains("--test-fraction 0:"), "{e}");
    let e = err(&["--kind", "temporal", "--test-fraction", "1.5"]);
    assert!(e.contains("--test-fraction 1.5:"), "{e}");
    let e = err(&["--kind", "leave-k-out", "--k", "0"]);
    assert!(e.contains("--k 0:"), "{e}");
    let e = err(&["--kind", "leave-k-out", "--which", "foo"]);
    assert!(e.contains("--which foo:") && e.contains("latest"), "{e}");
    let v = dir.path().join("va.tsv");
    let e = err(&["--validation", "1", "--validation-out", v.to_str().unwrap()]);
    assert!(e.contains("--validation 1:"), "{e}");
}
