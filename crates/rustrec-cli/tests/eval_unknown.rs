//! `rustrec eval` on test rows whose user or item the model does not know: rating errors
//! leave them out (and say how many), rankings count a known user's unknown relevant items
//! as misses.

mod common;

use std::fs;

use common::{TOP_POP_TRAIN as TRAIN, json_of, p, rustrec, succeeded, top_pop_model};

/// Test rows (ml-tab: user, item, rating, time), with `--implicit-threshold 3`:
/// * user 1: item 20 (known, relevant), item 90 (unknown, relevant), item 80 (unknown,
///   rating 1: not relevant);
/// * user 4: item 70 (unknown, relevant) only;
/// * user 9 (unknown): item 10.
const TEST: &str = "1\t20\t5\t1\n1\t90\t5\t1\n1\t80\t1\t1\n4\t70\t4\t1\n9\t10\t5\t1\n";

fn number(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing or not a number: {v}"))
}

fn assert_close(v: &serde_json::Value, key: &str, want: f64) {
    let got = number(v, key);
    assert!((got - want).abs() < 1e-9, "{key}: got {got}, want {want}");
}

/// Regression: the unknown item 90 of user 1 was dropped with the row, so user 1's one
/// known item gave recall@2 = 1 and ndcg@2 = 1; user 4, whose only relevant item is
/// unknown, was left out altogether.
#[test]
fn eval_counts_unknown_relevant_items_as_misses() {
    let dir = tempfile::tempdir().unwrap();
    let model = top_pop_model(dir.path());
    let test = dir.path().join("test.tsv");
    fs::write(&test, TEST).unwrap();
    let per_user = dir.path().join("per_user.csv");
    let v = json_of(&rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--format",
        "tsv",
        "--cutoffs",
        "1,2",
        "--implicit-threshold",
        "3",
        "--per-user-out",
        p(&per_user),
        "--json",
    ]));
    // The counts of rows the model does not know: kept, and split by cause.
    assert_eq!(v["unknown_test_rows"], 4, "{v}");
    assert_eq!(v["unknown_user_test_rows"], 1, "{v}");
    assert_eq!(v["unknown_item_test_rows"], 3, "{v}");
    assert_eq!(v["test_interactions"], 1, "{v}");
    // Relevant and unknown: 90 (user 1) and 70 (user 4); 80 is below the threshold.
    assert_eq!(v["unrankable_relevant"], 2, "{v}");
    assert_eq!(v["users_skipped_unknown"], 1, "{v}");
    assert_eq!(v["users_evaluated"], 2, "{v}");

    // User 1: candidates 20 (2 users), 30 (1): relevant 20 at rank 1, 90 never ranked;
    // 2 relevant items. recall@1 = recall@2 = 1/2; ndcg@1 = 1/IDCG@1 = 1;
    // ndcg@2 = 1 / (1 + 1/log2 3) = 0.613147; map@2 = 1 / min(2, 2) = 1/2;
    // AUC: 20 above 30 (1), 90 below it (0): 1/2.
    // User 4: candidates 10, 20, its one relevant item unknown: every metric 0, AUC 0.
    let csv = fs::read_to_string(&per_user).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| rows[0].iter().position(|&c| c == name).unwrap();
    let cell = |row: usize, name: &str| rows[row][col(name)].parse::<f64>().unwrap();
    assert_eq!((rows[1][0], rows[1][1]), ("1", "2"), "{csv}");
    assert_eq!((rows[2][0], rows[2][1]), ("4", "1"), "{csv}");
    let ndcg2 = 1.0 / (1.0 + 1.0 / 3f64.log2());
    for (name, u1) in [
        ("recall@1", 0.5),
        ("recall@2", 0.5),
        ("ndcg@1", 1.0),
        ("ndcg@2", ndcg2),
        ("map@2", 0.5),
        ("precision@2", 0.5),
        ("mrr", 1.0),
        ("auc", 0.5),
    ] {
        assert!((cell(1, name) - u1).abs() < 1e-9, "user 1 {name}: {csv}");
        assert_eq!(cell(2, name), 0.0, "user 4 {name}: {csv}");
    }
    assert!((ndcg2 - 0.613147).abs() < 1e-6);
    assert_close(&v, "recall@2", 0.25);
    assert_close(&v, "ndcg@2", ndcg2 / 2.0);
    assert_close(&v, "auc", 0.25);
    assert_close(&v, "mrr", 0.5);
}

/// Without unknown rows nothing changes: the keys are there, at 0.
#[test]
fn eval_without_unknown_rows_reports_zero_counts() {
    let dir = tempfile::tempdir().unwrap();
    let model = top_pop_model(dir.path());
    let test = dir.path().join("test.tsv");
    fs::write(&test, "1\t20\t5\t1\n").unwrap();
    let v = json_of(&rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--format",
        "tsv",
        "--cutoffs",
        "2",
        "--json",
    ]));
    for key in [
        "unknown_test_rows",
        "unknown_user_test_rows",
        "unknown_item_test_rows",
        "unrankable_relevant",
        "users_skipped_unknown",
    ] {
        assert_eq!(v[key], 0, "{key}: {v}");
    }
    assert_close(&v, "recall@2", 1.0);
}

/// A rating model cannot predict an id it never saw: the errors are over the known rows
/// only, and the JSON says over how many and how many were left out.
#[test]
fn eval_rating_errors_leave_out_unknown_rows_and_count_them() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.tsv");
    fs::write(&train, TRAIN).unwrap();
    let fit_test = dir.path().join("fit_test.tsv");
    fs::write(&fit_test, "2\t30\t4\t1\n").unwrap();
    let model = dir.path().join("mf.rrm");
    succeeded(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&fit_test),
        "--format",
        "tsv",
        "--model",
        "mf",
        "--epochs",
        "2",
        "--out",
        p(&model),
        "-q",
    ]));
    let test = dir.path().join("test.tsv");
    fs::write(
        &test,
        "1\t20\t4\t1\n4\t10\t3\t1\n1\t90\t5\t1\n9\t10\t5\t1\n",
    )
    .unwrap();
    let v = json_of(&rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--format",
        "tsv",
        "--json",
    ]));
    assert_eq!(v["test_ratings"], 2, "{v}");
    assert_eq!(v["unknown_test_rows"], 2, "{v}");
    assert_eq!(v["unknown_user_test_rows"], 1, "{v}");
    assert_eq!(v["unknown_item_test_rows"], 1, "{v}");
    assert!(number(&v, "rmse").is_finite(), "{v}");
}

/// `eval --protocol sampled` (which `eval` lacked: only `fit` had the sampled protocol)
/// reports the `sampled_*` metrics, `protocol` and `eval_seed` as `fit` does, and counts a
/// known user's unknown relevant items as misses there too.
#[test]
fn eval_sampled_protocol_counts_unknown_relevant_items_as_misses() {
    let dir = tempfile::tempdir().unwrap();
    let model = top_pop_model(dir.path());
    let test = dir.path().join("test.tsv");
    fs::write(&test, TEST).unwrap();
    let v = json_of(&rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--format",
        "tsv",
        "--cutoffs",
        "1",
        "--implicit-threshold",
        "3",
        "--protocol",
        "sampled",
        "--negatives",
        "2",
        "--seed",
        "7",
        "--json",
    ]));
    assert_eq!(v["protocol"], "sampled(2)", "{v}");
    assert_eq!(v["eval_seed"], 7, "{v}");
    assert_eq!(v["unrankable_relevant"], 2, "{v}");
    assert_eq!(v["users_skipped_unknown"], 1, "{v}");
    assert_eq!(v["users_evaluated"], 2, "{v}");
    assert!(v.get("recall@1").is_none(), "full-protocol keys: {v}");
    // User 1: the one free item is 30, the only negative; 20 (2 users) ranks above it
    // (hit, reciprocal rank and AUC 1) and the unknown 90 is a miss (all 0): means 1/2.
    // User 4: its one relevant item is unknown: all 0. Over the two users: 1/4.
    for key in [
        "sampled_hit_rate@1",
        "sampled_ndcg@1",
        "sampled_mrr",
        "sampled_auc",
    ] {
        assert_close(&v, key, 0.25);
    }
}

/// --negatives and --seed mean nothing to the full protocol, and no draw can use 0
/// negatives: each is refused naming the flag, not ignored.
#[test]
fn eval_refuses_sampled_settings_it_would_not_use() {
    let dir = tempfile::tempdir().unwrap();
    let model = top_pop_model(dir.path());
    let test = dir.path().join("test.tsv");
    fs::write(&test, "1\t20\t5\t1\n").unwrap();
    let run = |extra: &[&str]| {
        let mut a = vec![
            "eval",
            "--model",
            p(&model),
            "--test",
            p(&test),
            "--format",
            "tsv",
        ];
        a.extend_from_slice(extra);
        rustrec(&a)
    };
    for (extra, needle) in [
        (&["--seed", "3"][..], "--seed 3: only the sampled protocol"),
        (
            &["--negatives", "5"][..],
            "--negatives 5: only the sampled protocol",
        ),
        (
            &["--protocol", "sampled", "--negatives", "0"][..],
            "--negatives 0: expected a whole number ≥ 1",
        ),
    ] {
        let out = run(extra);
        assert!(!out.status.success(), "{extra:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{extra:?}: {err}");
    }
    let out = run(&["--protocol", "sampled", "--seed", "3", "--json"]);
    let v = json_of(&out);
    assert_eq!(v["eval_seed"], 3, "{v}");
}
