//! A new user's hunt through `rustrec eval` and `rustrec recommend` on saved models: the
//! figures against hand-computed values, and the answers that used to hide what happened.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{json_of, p, rustrec, succeeded};

/// A tiny hand-checkable data set: 10 users, 10 items; user `k` (1..=10) has items
/// `1..=11-k` in train, so item `j` has `11 - j` training interactions and `top-pop` ranks
/// items 1, 2, 3, ... in that order. Test: user 6 (train items 1..=5) holds out 7 and 9,
/// user 8 (train items 1..=3) holds out 4 and 10. Returns (train, test, saved top-pop model).
fn tiny(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (train, test, model) = (
        dir.join("train.data"),
        dir.join("test.data"),
        dir.join("pop.rrm"),
    );
    let mut rows = String::new();
    for k in 1..=10 {
        for j in 1..=(11 - k) {
            rows.push_str(&format!("{k}\t{j}\t4\t1000\n"));
        }
    }
    std::fs::write(&train, rows).unwrap();
    std::fs::write(
        &test,
        "6\t7\t5\t2000\n6\t9\t5\t2000\n8\t4\t5\t2000\n8\t10\t4\t2000\n",
    )
    .unwrap();
    succeeded(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--model",
        "top-pop",
        "--out",
        p(&model),
        "-q",
    ]));
    (train, test, model)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts a failed run whose error holds every one of `parts`.
fn fails_with(out: &Output, parts: &[&str]) {
    assert!(!out.status.success(), "should fail: {}", stdout(out));
    let err = stderr(out);
    for part in parts {
        assert!(err.contains(part), "{part:?} not in: {err}");
    }
}

fn close(v: &serde_json::Value, key: &str, want: f64) {
    let got = v[key].as_f64().unwrap_or_else(|| panic!("no {key} in {v}"));
    assert!((got - want).abs() < 1e-9, "{key}: {got} != {want}");
}

/// The figures of `eval` on the tiny set, each computed by hand (see [`tiny`]).
///
/// User 6 ranks 6, 7, 8, 9, 10 (relevant 7, 9); user 8 ranks 4, 5, 6, ... (relevant 4, 10).
/// * precision@3 = (1/3 + 1/3)/2, precision@5 = (2/5 + 1/5)/2 = 0.3;
/// * recall@5 = (1 + 1/2)/2; MAP@5 = ((1/2 + 2/4)/2 + (1/1)/2)/2 = 0.5; MRR = (1/2 + 1)/2;
/// * NDCG@5: user 6 (1/log2 3 + 1/log2 5)/(1 + 1/log2 3), user 8 1/(1 + 1/log2 3);
/// * AUC: user 6 (7 above 8, 10; 9 above 10) = 3/6, user 8 (4 above all 5) = 5/10;
/// * coverage@3: {6,7,8} ∪ {4,5,6} = 5 of 10 items; Gini@3 of the counts
///   (0,0,0,0,0,1,1,1,1,2): 2·50/(10·6) − 11/10.
#[test]
fn eval_figures_match_hand_computed_values() {
    let dir = tempfile::tempdir().unwrap();
    let (_, test, model) = tiny(dir.path());
    let v = json_of(&rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--cutoffs",
        "3,5",
        "--json",
        "-q",
    ]));
    let l3 = 1.0 / 3f64.log2();
    let idcg = 1.0 + l3;
    close(&v, "precision@3", 1.0 / 3.0);
    close(&v, "precision@5", 0.3);
    close(&v, "recall@5", 0.75);
    close(&v, "map@5", 0.5);
    close(&v, "mrr", 0.75);
    close(
        &v,
        "ndcg@5",
        ((l3 + 1.0 / 5f64.log2()) / idcg + 1.0 / idcg) / 2.0,
    );
    close(&v, "auc", 0.5);
    close(&v, "coverage@3", 0.5);
    close(&v, "gini@3", 100.0 / 60.0 - 1.1);
    assert_eq!(v["users_evaluated"], 2);
}

/// Regression: the human line of `eval` kept only the figures at @5 and @10, so that
/// `--cutoffs 1,3` printed no metric at a cutoff at all (and @20 of the defaults never
/// showed).
#[test]
fn eval_human_line_hid_every_cutoff_but_5_and_10() {
    let dir = tempfile::tempdir().unwrap();
    let (_, test, model) = tiny(dir.path());
    let out = rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--cutoffs",
        "1,3",
        "-q",
    ]);
    succeeded(&out);
    let line = stdout(&out);
    for figure in [
        "precision@1 0.5000",
        "precision@3 0.3333",
        "recall@3 0.5000",
        "coverage@3 0.5000",
        "mrr 0.7500",
    ] {
        assert!(line.contains(figure), "{figure:?} not in: {line}");
    }
}

/// Regression: a test file none of whose users the model knows failed with "no user could
/// be evaluated (10 users without a relevant test item …)", naming neither the file nor the
/// reason (for a rating model: "the test data holds no ratings").
#[test]
fn eval_of_a_test_file_of_unknown_users_said_no_relevant_items() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, model) = tiny(dir.path());
    let other = dir.path().join("other.data");
    std::fs::write(&other, "100\t1\t5\t1\n101\t2\t5\t1\n").unwrap();
    let out = rustrec(&["eval", "--model", p(&model), "--test", p(&other), "-q"]);
    fails_with(
        &out,
        &[
            &format!("--test {}", other.display()),
            "none of its 2 rows names a user and an item the model knows",
            "2 name an unknown user",
        ],
    );
}

/// Regression: an implicit threshold above every test value left no positive and failed
/// with "N users without a relevant test item", not naming the threshold.
#[test]
fn eval_threshold_above_every_test_value_did_not_name_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let (_, test, model) = tiny(dir.path());
    let out = rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--implicit-threshold",
        "6",
        "-q",
    ]);
    fails_with(
        &out,
        &[
            &format!("--test {}", test.display()),
            "none of its 4 rows",
            "implicit threshold 6",
            "--implicit-threshold",
        ],
    );
}

/// Regression: a `--train` file of another data set (no id the model knows) was taken
/// with a note, so that nothing was left out of the rankings (and `eval` then failed with
/// "users without training data").
#[test]
fn train_file_of_another_id_space_was_taken() {
    let dir = tempfile::tempdir().unwrap();
    let (_, test, model) = tiny(dir.path());
    let other = dir.path().join("other.data");
    std::fs::write(&other, "500\t900\t5\t1\n501\t901\t4\t1\n").unwrap();
    let parts = [
        format!("--train {}", other.display()),
        "none of its 2 rows names a user and an item the model knows".to_string(),
    ];
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let eval = rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--train",
        p(&other),
        "-q",
    ]);
    fails_with(&eval, &parts);
    let recommend = rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        "6",
        "--train",
        p(&other),
    ]);
    fails_with(&recommend, &parts);
}

/// Regression: `--protocol sampled` with more negatives than a user has free items ranked
/// against all of them and still reported `sampled(N)`, without a word. Such users are now
/// counted (`users_with_fewer_negatives`) and a note says so.
#[test]
fn sampled_negatives_beyond_the_catalogue_passed_unsaid() {
    let dir = tempfile::tempdir().unwrap();
    let (_, test, model) = tiny(dir.path());
    let sampled = |negatives: &str| {
        rustrec(&[
            "eval",
            "--model",
            p(&model),
            "--test",
            p(&test),
            "--protocol",
            "sampled",
            "--negatives",
            negatives,
            "--json",
            "-q",
        ])
    };
    // User 6 has 10 − 5 − 2 = 3 free items, user 8 has 10 − 3 − 2 = 5.
    let all = sampled("50");
    let v = json_of(&all);
    assert_eq!(v["protocol"], "sampled(50)");
    assert_eq!(v["users_with_fewer_negatives"], 2);
    assert!(
        stderr(&all).contains("--negatives 50: 2 of the 2 users evaluated had fewer"),
        "{}",
        stderr(&all)
    );
    assert_eq!(json_of(&sampled("4"))["users_with_fewer_negatives"], 1);
    let enough = sampled("3");
    assert_eq!(json_of(&enough)["users_with_fewer_negatives"], 0);
    assert!(!stderr(&enough).contains("had fewer"));
}

/// Regression: `recommend --user` (and `--history`) with `-n` beyond the items left gave a
/// shorter list without a word, as if the catalogue had no more.
#[test]
fn recommend_list_shorter_than_n_came_without_a_word() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, model) = tiny(dir.path());
    // User 6 trained on 5 of the 10 items.
    let out = rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        "6",
        "-n",
        "100",
    ]);
    succeeded(&out);
    let text = stdout(&out);
    assert_eq!(
        text.lines().filter(|l| l.contains(". ")).count(),
        5,
        "{text}"
    );
    assert!(
        text.contains(
            "user 6 got 5 items of the -n 100 asked: only 5 of the model's 10 items are left \
             after their training items"
        ),
        "{text}"
    );
    let out = rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--history",
        "1,2",
        "--block",
        "3",
        "-n",
        "9",
    ]);
    succeeded(&out);
    assert!(
        stdout(&out).contains(
            "the history got 7 items of the -n 9 asked: only 7 of the model's 10 items are \
             left after the history's items and --block"
        ),
        "{}",
        stdout(&out)
    );
    // Exactly -n items: no note.
    let out = rustrec(&["recommend", "--model", p(&model), "--user", "6", "-n", "5"]);
    succeeded(&out);
    assert!(!stdout(&out).contains("note:"), "{}", stdout(&out));
}

/// Regression: an item id holding a comma could not be given to `--allow` or `--block`
/// (`--block "a,b"` was read as items `a` and `b`). `--block-id` and `--allow-id` take one
/// whole id each and add to the comma lists.
#[test]
fn item_ids_with_commas_could_not_be_allowed_or_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("r.csv");
    let mut rows = String::from("user,item,rating\n");
    // Popularity: "a,b" 3, c 2, d 1; user u4 has seen nothing but d.
    for (u, i) in [
        ("u1", "\"a,b\""),
        ("u2", "\"a,b\""),
        ("u3", "\"a,b\""),
        ("u1", "c"),
        ("u2", "c"),
        ("u4", "d"),
    ] {
        rows.push_str(&format!("{u},{i},4\n"));
    }
    std::fs::write(&data, rows).unwrap();
    let model = dir.path().join("pop.rrm");
    let test = dir.path().join("t.csv");
    std::fs::write(&test, "user,item,rating\nu4,c,4\n").unwrap();
    succeeded(&rustrec(&[
        "fit",
        "--train",
        p(&data),
        "--test",
        p(&test),
        "--model",
        "top-pop",
        "--out",
        p(&model),
        "-q",
    ]));
    let items = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["recommend", "--model", p(&model), "--user", "u4", "--json"];
        args.extend(extra);
        let v = json_of(&rustrec(&args));
        v["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["item"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(items(&[]), ["a,b", "c"]);
    assert_eq!(items(&["--block-id", "a,b"]), ["c"]);
    assert_eq!(items(&["--allow-id", "a,b"]), ["a,b"]);
    // The comma lists keep their meaning, and the two add up.
    assert_eq!(
        items(&["--allow", "c,d", "--allow-id", "a,b"]),
        ["a,b", "c"]
    );
    let out = rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        "u4",
        "--block",
        "a,b",
    ]);
    fails_with(&out, &["--block: item a is not known to the model"]);
    let out = rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        "u4",
        "--allow-id",
        "a,b",
        "--block-id",
        "a,b",
    ]);
    fails_with(&out, &["--allow and --block both name item a,b"]);
    let out = rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        "u4",
        "--allow-id",
        "x,y",
    ]);
    fails_with(&out, &["--allow-id: item x,y is not known to the model"]);
}
