//! End-to-end tests of `rustrec convert` and of Parquet input.

mod common;

use common::{json_of, p, rustrec, succeeded};

/// A small ML-10M-shaped `ratings.dat` (half stars, timestamps).
fn synth_dat(out: &std::path::Path, netflix: bool) {
    let like = if netflix { "netflix" } else { "ml-10m" };
    succeeded(&rustrec(&[
        "synth",
        "--like",
        like,
        "--users",
        "300",
        "--items",
        "200",
        "--ratings",
        "9000",
        "--format",
        "ml-dat",
        "--out",
        p(out),
        "-q",
    ]));
}

#[test]
fn text_to_parquet_gives_the_same_data_and_the_same_model_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let dat = dir.path().join("r.dat");
    synth_dat(&dat, false);
    let pq = dir.path().join("r.parquet");
    let out = json_of(&rustrec(&["convert", p(&dat), p(&pq), "--json", "-q"]));
    assert_eq!(out["to"], "parquet");
    assert_eq!(out["rows"], 9000);
    let text = json_of(&rustrec(&["describe", p(&dat), "--json", "-q"]));
    let parquet = json_of(&rustrec(&["describe", p(&pq), "--json", "-q"]));
    assert_eq!(parquet["format"], "parquet");
    for key in [
        "users",
        "items",
        "interactions",
        "gini",
        "rating_mean",
        "per_user_max",
    ] {
        assert_eq!(text[key], parquet[key], "{key}");
    }
    let (a, b) = (dir.path().join("a.st"), dir.path().join("b.st"));
    for (input, model) in [(&dat, &a), (&pq, &b)] {
        succeeded(&rustrec(&[
            "fit",
            "--ratings",
            p(input),
            "--split",
            "holdout:0.1",
            "--epochs",
            "2",
            "--out",
            p(model),
            "-q",
        ]));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    // And back to text: the same statistics again.
    let back = dir.path().join("back.tsv");
    succeeded(&rustrec(&["convert", p(&pq), p(&back), "-q"]));
    let again = json_of(&rustrec(&["describe", p(&back), "--json", "-q"]));
    for key in ["users", "items", "interactions", "gini", "rating_mean"] {
        assert_eq!(text[key], again[key], "{key}");
    }
}

#[test]
fn convert_refuses_to_overwrite_its_input_and_unknown_output_names() {
    let dir = tempfile::tempdir().unwrap();
    let dat = dir.path().join("r.dat");
    synth_dat(&dat, false);
    let out = rustrec(&["convert", p(&dat), p(&dat), "--to", "parquet"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("destroy the input"), "{err}");
    let out = rustrec(&["convert", p(&dat), p(&dir.path().join("r.xyz"))]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--to") && err.contains("r.xyz"), "{err}");
}

#[test]
fn synth_like_netflix_writes_whole_stars() {
    let dir = tempfile::tempdir().unwrap();
    let dat = dir.path().join("n.dat");
    synth_dat(&dat, true);
    let d = json_of(&rustrec(&["describe", p(&dat), "--json", "-q"]));
    assert_eq!(d["interactions"], 9000);
    let text = std::fs::read_to_string(&dat).unwrap();
    assert!(
        text.lines()
            .all(|l| l.split("::").nth(2).is_some_and(|r| !r.contains('.'))),
        "half stars in a Netflix-shaped file"
    );
}

/// Whether `path` holds a Parquet file (its magic bytes at both ends).
fn is_parquet(path: &std::path::Path) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes.len() >= 8 && bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1")
}

#[test]
fn split_and_synth_write_parquet_for_parquet_names_and_text_for_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("s.parquet"), dir.path().join("s_test.tsv"));
    let made = json_of(&rustrec(&[
        "synth",
        "--users",
        "60",
        "--items",
        "40",
        "--ratings",
        "900",
        "--min-per-user",
        "5",
        "--test-fraction",
        "0.2",
        "--out",
        p(&train),
        "--test-out",
        p(&test),
        "--json",
        "-q",
    ]));
    assert_eq!(
        (&made["format"], &made["test_format"]),
        (&"parquet".into(), &"ml-tab".into())
    );
    assert!(is_parquet(&train) && !is_parquet(&test));
    let back = json_of(&rustrec(&["describe", p(&train), "--json", "-q"]));
    assert_eq!(back["format"], "parquet");
    assert_eq!(back["interactions"], made["train_interactions"]);

    let (a, b) = (dir.path().join("a.pq"), dir.path().join("b.csv"));
    succeeded(&rustrec(&[
        "split",
        p(&train),
        "--train-out",
        p(&a),
        "--test-out",
        p(&b),
        "-q",
    ]));
    assert!(is_parquet(&a), "a *.pq name gets Parquet");
    let b_text = std::fs::read_to_string(&b).unwrap();
    assert!(
        b_text.lines().next().unwrap().contains('\t'),
        "other names keep tsv: {b_text:.40}"
    );
    let (a_rows, b_rows) = (
        json_of(&rustrec(&["describe", p(&a), "--json", "-q"]))["interactions"].clone(),
        json_of(&rustrec(&["describe", p(&b), "--json", "-q"]))["interactions"].clone(),
    );
    assert_eq!(
        a_rows.as_u64().unwrap() + b_rows.as_u64().unwrap(),
        back["interactions"].as_u64().unwrap(),
        "the split keeps every row"
    );
}

#[test]
fn a_text_layout_for_a_parquet_name_is_refused_naming_the_flag_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("r.tsv");
    succeeded(&rustrec(&[
        "synth",
        "--users",
        "30",
        "--items",
        "20",
        "--ratings",
        "300",
        "--min-per-user",
        "5",
        "--format",
        "tsv",
        "--out",
        p(&src),
        "-q",
    ]));
    let out = dir.path().join("out.parquet");
    let other = dir.path().join("other.tsv");
    let cases: [Vec<&str>; 3] = [
        vec!["synth", "--format", "ml-dat", "--out", p(&out)],
        vec![
            "split",
            p(&src),
            "--out-format",
            "tsv",
            "--train-out",
            p(&other),
            "--test-out",
            p(&out),
        ],
        vec!["convert", p(&src), p(&out), "--to", "csv"],
    ];
    for (args, (flag, value)) in cases.iter().zip([
        ("--format", "ml-dat"),
        ("--out-format", "tsv"),
        ("--to", "csv"),
    ]) {
        let run = rustrec(args);
        assert!(!run.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains(flag) && err.contains(value) && err.contains("out.parquet"),
            "{args:?}: {err}"
        );
        assert!(!out.exists() && !other.exists(), "{args:?} wrote a file");
    }
    // An unknown format names the flag and the choices.
    let run = rustrec(&[
        "split",
        p(&src),
        "--out-format",
        "xlsx",
        "--train-out",
        p(&other),
        "--test-out",
        p(&out),
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        !run.status.success() && err.contains("--out-format") && err.contains("parquet, ml-tab"),
        "{err}"
    );
}
