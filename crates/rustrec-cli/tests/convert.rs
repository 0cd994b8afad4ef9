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
