//! End-to-end regression tests of the data commands' edge cases (`split`, `synth`,
//! `convert`, `predict`, `describe`): data without timestamps in layouts that need them,
//! empty split parts, flags a split kind would ignore, repeated `--columns`, the JSON key of
//! skipped rows, and byte order marks. Each test is named after the bug it pins.

mod common;

use std::path::Path;
use std::process::Output;

use common::{json_of, last_json, p, rustrec, succeeded, synth_small};

/// The standard error of a command that must fail, after checking that it did.
fn failure(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected a failure, got: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that `text` holds every one of `parts`.
fn holds_all(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
}

/// A ratings file in the three-column `user::item::rating` layout (no timestamps): 12 users
/// rate 10 items each.
fn three_columns(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("r.dat");
    let text: String = (1..=12)
        .flat_map(|u| (1..=10).map(move |i| format!("{u}::{i}::{}\n", 1 + (u + i) % 5)))
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn data_without_timestamps_is_not_written_with_invented_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = three_columns(d);

    // convert: the output's name asks for ml-tab, or --to asks for ml-csv.
    let out = d.join("r.data");
    let err = failure(&rustrec(&["convert", p(&input), p(&out)]));
    holds_all(
        &err,
        &[
            p(&out),
            "ml-tab",
            "no timestamps",
            "tsv, csv, ml-dat",
            "--to",
        ],
    );
    assert!(!out.exists());
    let out = d.join("r.csv");
    let err = failure(&rustrec(&["convert", p(&input), p(&out), "--to", "ml-csv"]));
    holds_all(&err, &[p(&out), "--to ml-csv", "no timestamps"]);
    assert!(!out.exists());

    // ml-dat takes three columns: written as read, and it reads back the same.
    let dat = d.join("copy.dat");
    succeeded(&rustrec(&["convert", p(&input), p(&dat), "-q"]));
    let mut want: Vec<String> = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut got: Vec<String> = std::fs::read_to_string(&dat)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);

    // split: every output named, nothing written.
    let (train, test) = (d.join("a.csv"), d.join("b.csv"));
    let err = failure(&rustrec(&[
        "split",
        p(&input),
        "--train-out",
        p(&train),
        "--test-out",
        p(&test),
        "--out-format",
        "ml-csv",
    ]));
    holds_all(&err, &["--train-out", p(&train), "--out-format ml-csv"]);
    assert!(!train.exists() && !test.exists());

    // synth --no-timestamps: with ml-tab given, and with ml-tab as the default.
    let w = d.join("w.data");
    let base = [
        "synth",
        "--users",
        "30",
        "--items",
        "40",
        "--ratings",
        "600",
        "--min-per-user",
        "5",
        "--no-timestamps",
        "--out",
        p(&w),
    ];
    let err = failure(&rustrec(&[&base[..], &["--format", "ml-tab"]].concat()));
    holds_all(
        &err,
        &["--out", "--format ml-tab", "--no-timestamps", "tsv"],
    );
    let err = failure(&rustrec(&base));
    holds_all(
        &err,
        &["ml-tab, the default of --format", "--no-timestamps"],
    );
    assert!(!w.exists());
}

#[test]
fn a_split_that_leaves_a_part_empty_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = three_columns(d);
    let (train, test, valid) = (d.join("a.tsv"), d.join("b.tsv"), d.join("v.tsv"));
    let split = |extra: &[&str]| {
        let mut args = vec![
            "split",
            p(&input),
            "--train-out",
            p(&train),
            "--test-out",
            p(&test),
        ];
        args.extend_from_slice(extra);
        let err = failure(&rustrec(&args));
        assert!(!train.exists() && !test.exists() && !valid.exists());
        err
    };
    let err = split(&["--kind", "leave-k-out", "--k", "1000"]);
    holds_all(&err, &["--k 1000", "--test-out", "has 10"]);
    // 120 interactions: round(120 × 0.001) = 0 go to test, round(120 × 0.999) = 120.
    let err = split(&["--test-fraction", "0.001"]);
    holds_all(
        &err,
        &["--test-fraction 0.001", "0 of the 120", "--test-out"],
    );
    let err = split(&["--test-fraction", "0.999"]);
    holds_all(&err, &["--test-fraction 0.999", "--train-out"]);
    let err = split(&["--validation", "0.001", "--validation-out", p(&valid)]);
    holds_all(&err, &["--validation 0.001", "--validation-out"]);

    // synth: the same for its holdout, refused before it reports what it generated.
    let (out, test_out) = (d.join("s.tsv"), d.join("t.tsv"));
    let synth = rustrec(&[
        "synth",
        "--users",
        "30",
        "--items",
        "40",
        "--ratings",
        "600",
        "--min-per-user",
        "5",
        "--test-fraction",
        "0.0001",
        "--out",
        p(&out),
        "--test-out",
        p(&test_out),
    ]);
    let err = failure(&synth);
    holds_all(
        &err,
        &["--test-fraction 0.0001", "0 of the 600", "--test-out"],
    );
    assert!(
        synth.stdout.is_empty(),
        "printed before the refusal: {}",
        String::from_utf8_lossy(&synth.stdout)
    );
    assert!(!out.exists() && !test_out.exists());
}

#[test]
fn split_flags_the_kind_would_ignore_are_refused_naming_both_flags() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = three_columns(d);
    let (train, test) = (d.join("a.tsv"), d.join("b.tsv"));
    let split = |extra: &[&str]| {
        let mut args = vec![
            "split",
            p(&input),
            "--train-out",
            p(&train),
            "--test-out",
            p(&test),
        ];
        args.extend_from_slice(extra);
        failure(&rustrec(&args))
    };
    let err = split(&["--validation-out", "v.tsv"]);
    holds_all(&err, &["--validation <", "--validation-out"]);
    let err = split(&["--k", "2"]);
    holds_all(&err, &["--k", "--kind holdout", "--kind leave-k-out"]);
    let err = split(&["--kind", "temporal", "--k", "2"]);
    holds_all(&err, &["--k", "--kind temporal"]);
    let err = split(&["--which", "latest"]);
    holds_all(&err, &["--which", "--kind holdout"]);
    let err = split(&["--kind", "leave-k-out", "--test-fraction", "0.1"]);
    holds_all(&err, &["--test-fraction", "--kind leave-k-out"]);
    assert!(!train.exists() && !test.exists());
    // The flags each kind uses still work.
    for extra in [
        &["--kind", "leave-k-out", "--k", "2", "--which", "random"][..],
        &["--kind", "holdout", "--test-fraction", "0.25"][..],
    ] {
        let mut args = vec![
            "split",
            p(&input),
            "--train-out",
            p(&train),
            "--test-out",
            p(&test),
            "-q",
        ];
        args.extend_from_slice(extra);
        succeeded(&rustrec(&args));
    }
}

#[test]
fn describe_refuses_a_column_named_twice() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    std::fs::write(&log, "1,1,2,5\n1,2,2,4\n").unwrap();
    let err = failure(&rustrec(&[
        "describe",
        p(&log),
        "--no-header",
        "--columns",
        "user,user,item,rating",
    ]));
    holds_all(
        &err,
        &[
            "--columns",
            "user,user,item,rating",
            "duplicate column `user`",
        ],
    );
}

#[test]
fn synth_no_timestamps_only_leaves_out_the_timestamp_column() {
    let dir = tempfile::tempdir().unwrap();
    let (with, without) = (dir.path().join("w.tsv"), dir.path().join("wn.tsv"));
    for (out, extra) in [(&with, None), (&without, Some("--no-timestamps"))] {
        let mut args = vec![
            "synth",
            "--users",
            "40",
            "--items",
            "60",
            "--ratings",
            "900",
            "--seed",
            "9",
            "--format",
            "tsv",
            "--out",
            p(out),
            "-q",
        ];
        args.extend(extra);
        succeeded(&rustrec(&args));
    }
    let with = std::fs::read_to_string(&with).unwrap();
    let without = std::fs::read_to_string(&without).unwrap();
    let first_three: Vec<String> = with
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "{l}");
            f[..3].join("\t")
        })
        .collect();
    let lines: Vec<&str> = without.lines().collect();
    assert_eq!(lines.len(), 900);
    assert_eq!(lines, first_three);
}

#[test]
fn convert_json_reports_skipped_rows_under_the_shared_key() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("r.dat");
    std::fs::write(&input, "1::1::5\n1::x::4\n2::1::3\n").unwrap();
    let out = dir.path().join("r.tsv");
    let j = json_of(&rustrec(&[
        "convert",
        p(&input),
        p(&out),
        "--skip-bad-rows",
        "--json",
        "-q",
    ]));
    assert_eq!(j["skipped_rows"], 1, "{j}");
    assert!(j.get("skipped").is_none(), "{j}");
}

#[test]
fn predict_pairs_skip_a_byte_order_mark_and_refuse_extra_fields() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (train, test, model) = (d.join("u.data"), d.join("t.data"), d.join("m.rrm"));
    synth_small(&train, "3", Some((&test, "0.2")));
    succeeded(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--factors",
        "4",
        "--epochs",
        "1",
        "--out",
        p(&model),
        "-q",
    ]));
    let line = std::fs::read_to_string(&train).unwrap();
    let f: Vec<&str> = line.lines().next().unwrap().split('\t').collect();
    let pairs = d.join("p.txt");
    std::fs::write(&pairs, format!("\u{feff}{} {}\n", f[0], f[1])).unwrap();
    let j = last_json(&rustrec(&[
        "predict",
        "--model",
        p(&model),
        "--pairs",
        p(&pairs),
        "--json",
        "-q",
    ]));
    let pred = &j["predictions"][0];
    assert_eq!(pred["user"], f[0], "{j}");
    assert_eq!(pred["known_user"], true, "{j}");

    std::fs::write(&pairs, "1 50\n1 50 garbage more\n").unwrap();
    let err = failure(&rustrec(&[
        "predict",
        "--model",
        p(&model),
        "--pairs",
        p(&pairs),
    ]));
    holds_all(
        &err,
        &[
            &format!("{}:2", p(&pairs)),
            "found 4 fields",
            "garbage more",
        ],
    );
}

#[test]
fn an_item_file_with_a_byte_order_mark_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ratings = d.join("ratings.dat");
    std::fs::write(&ratings, "1::1::5::10\n1::2::4::11\n2::1::3::12\n").unwrap();
    let movies = d.join("movies.csv");
    std::fs::write(
        &movies,
        "\u{feff}movieId,title,genres\n1,Toy Story (1995),Comedy\n2,Heat (1995),Action\n",
    )
    .unwrap();
    succeeded(&rustrec(&[
        "describe",
        p(&ratings),
        "--item-file",
        p(&movies),
        "-q",
    ]));
}
