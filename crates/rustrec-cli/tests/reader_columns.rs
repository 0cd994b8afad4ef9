//! `--format tsv|csv` read `user item rating [timestamp]`, and `--columns` lists the whole
//! row (a trailing `-` included): every field is read or refused, none dropped.

mod common;

use common::{json_of, p, rustrec, succeeded};

/// Standard error of a command that must fail.
fn failure(out: &std::process::Output) -> String {
    assert!(
        !out.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Regression: `describe --format tsv` on `user item rating timestamp` rows dropped the
/// timestamps (no time range), where `--format auto` read them.
#[test]
fn describe_format_tsv_dropped_the_timestamp_column() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("r.tsv");
    std::fs::write(&log, "1\t10\t4\t100\n2\t10\t3\t200\n1\t11\t5\t300\n").unwrap();
    let j = json_of(&rustrec(&[
        "describe",
        p(&log),
        "--format",
        "tsv",
        "--json",
    ]));
    assert_eq!(
        (&j["first_timestamp"], &j["last_timestamp"]),
        (&100.into(), &300.into())
    );
    assert_eq!(j["interactions"], 3);
}

/// What `synth --format tsv` and `--format csv` write reads back with the same format and
/// its timestamps, the same range as the ML-100K layout of the same seed.
#[test]
fn synth_tsv_and_csv_read_back_with_their_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let mut ranges = Vec::new();
    for format in ["ml-tab", "tsv", "csv"] {
        let out = dir.path().join(format!("s.{format}"));
        succeeded(&rustrec(&[
            "synth",
            "--users",
            "30",
            "--items",
            "40",
            "--ratings",
            "700",
            "--seed",
            "7",
            "--format",
            format,
            "--out",
            p(&out),
            "-q",
        ]));
        let read_as = if format == "ml-tab" { "auto" } else { format };
        let j = json_of(&rustrec(&[
            "describe",
            p(&out),
            "--format",
            read_as,
            "--json",
        ]));
        assert!(j["first_timestamp"].is_i64(), "{format}: {j}");
        ranges.push((
            j["first_timestamp"].clone(),
            j["last_timestamp"].clone(),
            j["interactions"].clone(),
        ));
    }
    assert!(ranges.iter().all(|r| *r == ranges[0]), "{ranges:?}");
}

/// A fifth field is an error naming the file, the line, the count and the counts allowed.
#[test]
fn describe_format_tsv_refuses_a_fifth_field() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("r.tsv");
    std::fs::write(&log, "1\t10\t4\t100\n2\t10\t3\t200\tx\n").unwrap();
    let err = failure(&rustrec(&["describe", p(&log), "--format", "tsv"]));
    assert!(
        err.contains("r.tsv:2: expected 3 or 4 tab-separated fields (user, item, rating[, timestamp]), found 5"),
        "{err}"
    );
}

/// Regression: `--columns user,item,rating,-` read rows of three fields as if the trailing
/// `-` were not there; the list is the row, so they are refused and rows of four read.
#[test]
fn columns_with_a_trailing_dash_kept_no_fourth_column() {
    let dir = tempfile::tempdir().unwrap();
    let (four, three) = (dir.path().join("four.tsv"), dir.path().join("three.tsv"));
    std::fs::write(&four, "1\t10\t4\tred\n2\t10\t3\tblue\n").unwrap();
    std::fs::write(&three, "1\t10\t4\n2\t10\t3\n").unwrap();
    let args = |file| {
        vec![
            "describe",
            p(file),
            "--format",
            "tsv",
            "--columns",
            "user,item,rating,-",
            "--json",
        ]
    };
    let j = json_of(&rustrec(&args(&four)));
    assert_eq!(j["interactions"], 2);
    assert!(j.get("first_timestamp").is_none(), "{j}");
    let err = failure(&rustrec(&args(&three)));
    assert!(
        err.contains(
            "three.tsv:1: expected 4 tab-separated fields (user, item, rating, -), found 3"
        ),
        "{err}"
    );
}

/// Regression: `fit --format tsv --split temporal:F` on a tsv with timestamps (what
/// `synth --format tsv` writes) said the data had none; it splits on them, and a tsv of
/// three columns still says it has none.
#[test]
fn fit_format_tsv_temporal_split_found_no_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.tsv");
    succeeded(&rustrec(&[
        "synth",
        "--users",
        "50",
        "--items",
        "40",
        "--ratings",
        "1200",
        "--seed",
        "3",
        "--format",
        "tsv",
        "--out",
        p(&log),
        "-q",
    ]));
    let fit = |file: &std::path::Path| {
        rustrec(&[
            "fit",
            "--ratings",
            p(file),
            "--format",
            "tsv",
            "--split",
            "temporal:0.2",
            "--model",
            "mf",
            "--quiet",
        ])
    };
    succeeded(&fit(&log));
    let text = std::fs::read_to_string(&log).unwrap();
    let three: String = text
        .lines()
        .map(|l| format!("{}\n", &l[..l.rfind('\t').unwrap()]))
        .collect();
    let no_time = dir.path().join("c.tsv");
    std::fs::write(&no_time, three).unwrap();
    let err = failure(&fit(&no_time));
    assert!(err.contains("a temporal split needs timestamps"), "{err}");
}
