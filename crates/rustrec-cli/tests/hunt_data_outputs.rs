//! Regression tests from a new-user hunt of `split`, `convert`, `synth` and `describe`: output
//! formats chosen from the output's name, missing output directories, merged duplicate rows,
//! synthetic items without ratings and negative numbers given to numeric flags.

mod common;

use std::path::Path;

use common::{json_of, p, rustrec};

/// A small ML-100K-shaped file with timestamps (ml-tab).
fn small_data(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("u.data");
    common::synth_small(&data, "3", None);
    data
}

/// The standard error of a failed command, after checking that it failed.
fn failure(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "expected a failure");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Regression: `synth --out ratings.csv` wrote the tab-separated ml-tab layout (the default
/// of --format) into a file named `ratings.csv`, which `describe` (reading that name as
/// ml-csv) then refused: "unexpected header".
#[test]
fn synth_output_named_ratings_csv_is_written_in_a_layout_its_name_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ratings.csv");
    let args = [
        "synth",
        "--users",
        "30",
        "--items",
        "40",
        "--ratings",
        "700",
    ];
    let synth = rustrec(&[&args[..], &["--json", "-q", "--out", p(&out)]].concat());
    let report = json_of(&synth);
    assert_eq!(report["format"], "ml-csv");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("userId,movieId,rating,timestamp\n"),
        "{text}"
    );
    let described = json_of(&rustrec(&["describe", p(&out), "--json", "-q"]));
    assert_eq!(described["interactions"], 700);
}

/// Regression: `split --train-out ratings.csv` wrote tab-separated text (the tsv default)
/// that `describe ratings.csv` refused, and `--test-out u.data` of data without timestamps
/// wrote three columns that `describe u.data` refused; now the first is ml-csv and the
/// second is refused before anything is written, naming the name, the flag and the fix.
#[test]
fn split_outputs_named_like_movielens_files_read_back_or_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path());
    let sub = dir.path().join("out");
    std::fs::create_dir(&sub).unwrap();
    let (train, test) = (sub.join("ratings.csv"), sub.join("u.data"));
    let out = rustrec(&[
        "split",
        p(&data),
        "--train-out",
        p(&train),
        "--test-out",
        p(&test),
        "--json",
        "-q",
    ]);
    let report = json_of(&out);
    let rows = |path: &Path| json_of(&rustrec(&["describe", p(path), "--json", "-q"]));
    assert_eq!(rows(&train)["format"], "ml-csv");
    assert_eq!(rows(&train)["interactions"], report["train_interactions"]);
    assert_eq!(rows(&test)["interactions"], report["test_interactions"]);

    let plain = dir.path().join("r.tsv");
    std::fs::write(&plain, "1\t1\t5\n1\t2\t3\n2\t1\t4\n2\t2\t2\n3\t1\t1\n").unwrap();
    let fresh = dir.path().join("fresh");
    std::fs::create_dir(&fresh).unwrap();
    let (train2, test2) = (fresh.join("t.tsv"), fresh.join("u.data"));
    let err = failure(&rustrec(&[
        "split",
        p(&plain),
        "--test-fraction",
        "0.4",
        "--train-out",
        p(&train2),
        "--test-out",
        p(&test2),
    ]));
    assert!(
        err.contains("--test-out")
            && err.contains("ml-tab by its name")
            && err.contains("--out-format"),
        "{err}"
    );
    assert!(!train2.exists() && !test2.exists());
}

/// Regression: an output in a directory that does not exist failed after the whole input
/// was read, with a bare "No such file or directory" naming neither the flag nor the
/// directory.
#[test]
fn missing_output_directory_is_named_with_its_flag_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path());
    let missing = dir.path().join("results").join("train.tsv");
    let err = failure(&rustrec(&[
        "split",
        p(&data),
        "--train-out",
        p(&missing),
        "--test-out",
        p(&dir.path().join("test.tsv")),
    ]));
    assert!(
        err.contains("--train-out") && err.contains("results") && err.contains("does not exist"),
        "{err}"
    );
    // The input is never read: an unreadable input does not change the error.
    let err = failure(&rustrec(&[
        "split",
        p(&dir.path().join("no-such-input.data")),
        "--train-out",
        p(&missing),
        "--test-out",
        p(&dir.path().join("test.tsv")),
    ]));
    assert!(err.contains("--train-out"), "{err}");
    let err = failure(&rustrec(&["convert", p(&data), p(&missing)]));
    assert!(
        err.contains("OUT") && err.contains("does not exist"),
        "{err}"
    );
    let err = failure(&rustrec(&["synth", "--out", p(&missing)]));
    assert!(
        err.contains("--out") && err.contains("does not exist"),
        "{err}"
    );
}

/// Regression: `split` had no `--duplicates`, yet its error on a repeated pair told the
/// user to choose a duplicate policy.
#[test]
fn split_duplicates_flag_merges_repeated_pairs_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("r.tsv");
    std::fs::write(
        &data,
        "1\t1\t5\n1\t2\t3\n1\t1\t1\n2\t1\t4\n2\t2\t2\n3\t1\t1\n",
    )
    .unwrap();
    let (train, test) = (dir.path().join("a.tsv"), dir.path().join("b.tsv"));
    let args = |policy: Option<&'static str>| {
        let mut a = vec![
            "split",
            p(&data),
            "--test-fraction",
            "0.4",
            "--train-out",
            p(&train),
            "--test-out",
            p(&test),
            "--json",
            "-q",
        ];
        if let Some(policy) = policy {
            a.extend(["--duplicates", policy]);
        }
        a
    };
    let err = failure(&rustrec(&args(None)));
    assert!(err.contains("duplicate"), "{err}");
    let report = json_of(&rustrec(&args(Some("keep-last"))));
    assert_eq!(report["duplicate_rows"], 1);
    let total = report["train_interactions"].as_u64().unwrap()
        + report["test_interactions"].as_u64().unwrap();
    assert_eq!(total, 5);
    let written =
        std::fs::read_to_string(&train).unwrap() + &std::fs::read_to_string(&test).unwrap();
    assert!(
        written.contains("1\t1\t1\n") && !written.contains("1\t1\t5\n"),
        "{written}"
    );
    let err = failure(&rustrec(&args(Some("first"))));
    assert!(
        err.contains("--duplicates") && err.contains("first"),
        "{err}"
    );
}

/// Regression: `convert --duplicates sum` reported `rows` 2 for a file it wrote with one
/// row (the docs said `rows` are also the rows written to Parquet), and `describe` showed
/// `lines` 2 against `interactions` 1 with no word on the merge.
#[test]
fn merged_duplicate_rows_are_reported_by_convert_and_describe() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("dup.tsv");
    std::fs::write(&data, "1\t2\t3\t4\n1\t2\t5\t6\n7\t8\t1\t9\n").unwrap();
    let out = dir.path().join("out.parquet");
    let report = json_of(&rustrec(&[
        "convert",
        p(&data),
        p(&out),
        "--duplicates",
        "sum",
        "--json",
        "-q",
    ]));
    assert_eq!(report["rows"], 3);
    assert_eq!(report["interactions"], 2);
    assert_eq!(report["duplicate_rows"], 1);
    let back = json_of(&rustrec(&["describe", p(&out), "--json", "-q"]));
    assert_eq!(back["interactions"], report["interactions"]);
    assert_eq!(back["duplicate_rows"], 0);

    let described = json_of(&rustrec(&[
        "describe",
        p(&data),
        "--duplicates",
        "mean",
        "--json",
        "-q",
    ]));
    assert_eq!(described["duplicate_rows"], 1);
    assert_eq!(described["interactions"], 2);
}

/// Regression: `synth` reported `items` 1682 (and a density over 1682 items) for a file in
/// which only 1678 items have a rating, with nothing saying so.
#[test]
fn synth_reports_items_that_drew_no_rating() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.data");
    let report = json_of(&rustrec(&[
        "synth",
        "--users",
        "200",
        "--items",
        "2000",
        "--ratings",
        "400",
        "--min-per-user",
        "1",
        "--json",
        "-q",
        "--out",
        p(&out),
    ]));
    let described = json_of(&rustrec(&["describe", p(&out), "--json", "-q"]));
    let items = report["items"].as_u64().unwrap();
    let unrated = report["items_without_interactions"].as_u64().unwrap();
    assert!(unrated > 0, "400 ratings cannot cover 2000 items");
    assert_eq!(items - unrated, described["items"].as_u64().unwrap());
}

/// Regression: a negative value for a numeric flag (`--test-fraction -0.1`) was taken by the
/// argument parser for an unknown flag `-0` instead of getting the flag's range error.
#[test]
fn negative_fraction_gets_the_range_error_not_an_unknown_flag() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path());
    let err = failure(&rustrec(&[
        "split",
        p(&data),
        "--test-fraction",
        "-0.1",
        "--train-out",
        p(&dir.path().join("a.tsv")),
        "--test-out",
        p(&dir.path().join("b.tsv")),
    ]));
    assert!(
        err.contains("--test-fraction -0.1") && err.contains("strictly between 0 and 1"),
        "{err}"
    );
    let err = failure(&rustrec(&[
        "synth",
        "--test-fraction",
        "-0.5",
        "--test-out",
        p(&dir.path().join("t.data")),
        "--out",
        p(&dir.path().join("s.data")),
    ]));
    assert!(err.contains("--test-fraction -0.5"), "{err}");
}
