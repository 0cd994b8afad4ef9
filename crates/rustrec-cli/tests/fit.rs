//! End-to-end tests of `rustrec demo`, `fit`, `eval`, `predict` and `recommend`.

use std::path::Path;

mod common;
use common::{last_json, p, rustrec};

/// Writes a u.data-like train/test pair from a synthetic ML-100K-shaped set.
fn write_pair(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let train = dir.join("small.base");
    let test = dir.join("small.test");
    let out = rustrec(&[
        "synth",
        "--like",
        "ml-100k",
        "--users",
        "200",
        "--items",
        "150",
        "--ratings",
        "8000",
        "--seed",
        "3",
        "--format",
        "ml-tab",
        "--out",
        p(&train),
        "--test-fraction",
        "0.1",
        "--test-out",
        p(&test),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (train, test)
}

#[test]
fn demo_beats_the_global_mean_baseline() {
    let f = last_json(&rustrec(&["demo", "--threads", "2", "--json", "-q"]));
    let rmse = f["rmse"].as_f64().unwrap();
    let baseline = f["baseline_rmse"].as_f64().unwrap();
    assert!(rmse < 0.8 * baseline, "rmse {rmse} vs baseline {baseline}");
    assert_eq!(f["users"], 943);
}

#[test]
fn fit_saves_a_model_that_eval_predict_and_recommend_use() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let model = dir.path().join("m.safetensors");
    let plot = dir.path().join("curve.svg");
    let npy = dir.path().join("npy");
    let f = last_json(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--factors",
        "8",
        "--epochs",
        "15",
        "--validation",
        "0.1",
        "--threads",
        "2",
        "--out",
        p(&model),
        "--plot",
        p(&plot),
        "--export-npy",
        p(&npy),
        "--profile",
        "--json",
        "-q",
    ]));
    let rmse = f["rmse"].as_f64().unwrap();
    assert!(rmse > 0.3 && rmse < 1.2, "rmse {rmse}");
    assert!(f["samples_per_sec"].as_f64().unwrap() > 0.0);
    assert!(f["epochs_run"].as_u64().unwrap() >= 1);
    assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));
    let w = std::fs::read(npy.join("user_factors.npy")).unwrap();
    assert_eq!(&w[..6], b"\x93NUMPY");

    // eval on the same test file gives the same RMSE as fit reported.
    let e = last_json(&rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&test),
        "--json",
    ]));
    assert!((e["rmse"].as_f64().unwrap() - rmse).abs() < 1e-9);

    // predict: a known pair, and an unknown item that falls back to the user's bias.
    let first = std::fs::read_to_string(&train).unwrap();
    let user = first.split('\t').next().unwrap().to_string();
    let out = last_json(&rustrec(&[
        "predict",
        "--model",
        p(&model),
        "--user",
        &user,
        "--item",
        "999999",
        "--json",
    ]));
    let pred = &out["predictions"][0];
    assert_eq!(pred["known_item"], false);
    assert!(pred["prediction"].as_f64().unwrap().is_finite());

    // recommend leaves out the user's training items.
    let seen: Vec<String> = first
        .lines()
        .filter(|l| l.split('\t').next() == Some(user.as_str()))
        .map(|l| l.split('\t').nth(1).unwrap().to_string())
        .collect();
    let r = last_json(&rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        &user,
        "-n",
        "20",
        "--json",
    ]));
    let items: Vec<String> = r["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["item"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(items.len(), 20);
    assert!(
        items.iter().all(|i| !seen.contains(i)),
        "a seen item was recommended"
    );
    // Allowing only a seen item leaves nothing, and says so.
    let none = rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        &user,
        "--allow",
        &seen[0],
    ]);
    assert!(none.status.success());
    let said = String::from_utf8_lossy(&none.stdout);
    assert!(
        said.contains("no items to recommend") && said.contains("--allow"),
        "{said}"
    );

    // recommend --history folds in a new user without retraining, leaving out the history.
    let h = last_json(&rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--history",
        &format!("{}:5,{}:4", seen[0], seen[1]),
        "-n",
        "5",
        "--json",
    ]));
    let recs = h["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 5);
    assert!(
        recs.iter()
            .all(|x| x["item"] != seen[0].as_str() && x["item"] != seen[1].as_str())
    );
    let bad = rustrec(&["recommend", "--model", p(&model), "--history", "999999:5"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("999999"));

    // recommend --all writes every user's list.
    let all = dir.path().join("all.csv");
    last_json(&rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--all",
        "--out",
        p(&all),
        "-n",
        "3",
        "--json",
    ]));
    let lines = std::fs::read_to_string(&all).unwrap().lines().count();
    assert_eq!(lines, 1 + 3 * 200);
}

#[test]
fn a_config_file_runs_and_options_override_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let cfg = dir.path().join("exp.toml");
    std::fs::write(
        &cfg,
        "[data]\ntrain = \"small.base\"\ntest = \"small.test\"\n[model]\nkind = \"mf\"\nfactors = 4\nepochs = 3\n[train]\nthreads = 1\n",
    )
    .unwrap();
    let f = last_json(&rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--data-dir",
        p(dir.path()),
        "--json",
        "-q",
    ]));
    assert_eq!(f["epochs_run"], 3);
    let f = last_json(&rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--data-dir",
        p(dir.path()),
        "--epochs",
        "5",
        "--set",
        "model.dropout=0.1",
        "--json",
        "-q",
    ]));
    assert_eq!(f["epochs_run"], 5);
    // Data given as options replaces the config's data.
    let f = last_json(&rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--train",
        p(&test),
        "--test",
        p(&train),
        "--json",
        "-q",
    ]));
    let small = std::fs::read_to_string(&test).unwrap().lines().count();
    assert_eq!(f["train_interactions"].as_u64().unwrap() as usize, small);
}

#[test]
fn a_leave_k_out_validation_holds_out_k_per_user_with_more_than_k() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let f = last_json(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--model",
        "bpr",
        "--factors",
        "4",
        "--epochs",
        "2",
        "--set",
        "validation.k=5",
        "--json",
        "-q",
    ]));
    let mut per_user = std::collections::HashMap::<String, usize>::new();
    for line in std::fs::read_to_string(&train).unwrap().lines() {
        let user = line.split_whitespace().next().unwrap().to_string();
        *per_user.entry(user).or_default() += 1;
    }
    let want: usize = per_user.values().map(|&n| if n > 5 { 5 } else { 0 }).sum();
    assert!(want > 0);
    assert_eq!(
        f["validation_interactions"].as_u64().unwrap() as usize,
        want
    );
}

/// Regression: `validation.metric = "mae"` (or a misspelt name such as "RMSE") computed
/// ranking figures and never stopped early; "ndcg@0" watched NaN and kept epoch 1.
#[test]
fn the_validation_metric_is_checked_and_watched() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let fit = |metric: &str| {
        rustrec(&[
            "fit",
            "--train",
            p(&train),
            "--test",
            p(&test),
            "--factors",
            "4",
            "--epochs",
            "30",
            // A [validation] chooses its rows (one with only a metric is refused).
            "--validation",
            "0.1",
            "--set",
            &format!("validation.metric=\"{metric}\""),
            "--json",
            "-q",
        ])
    };
    let f = last_json(&fit("mae"));
    let mae = f["validation_mae"].as_f64().unwrap();
    let rmse = f["validation_rmse"].as_f64().unwrap();
    assert!(mae > 0.0 && mae <= rmse, "{f}");
    assert!(f.get("validation_ndcg@10").is_none(), "{f}");
    for bad in ["RMSE", "ndcg@0", "foo"] {
        let out = fit(bad);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad} accepted");
        assert!(
            err.contains(&format!("metric \"{bad}\"")) && err.contains("validation.metric"),
            "{err}"
        );
    }
}

#[test]
fn bad_settings_fail_with_one_clear_line_naming_the_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let out = rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--factors",
        "0",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("factors = 0") && err.contains("1..=1024"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let out = rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--lr",
        "1000",
        "-q",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("diverged") && err.contains("lower learning rate"),
        "{err}"
    );

    let out = rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--set",
        "model.colour=3",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("colour"));
}

/// `--export-npy` writes files named after the model's tensors into its directory: none of
/// them may be an input or another output, and a refused run writes nothing.
#[test]
fn the_npy_export_refuses_to_overwrite_an_input_or_another_output() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let npy = dir.path().join("npy");
    std::fs::create_dir(&npy).unwrap();
    // The training file stored under the name of a factor matrix the export writes.
    let hidden = npy.join("user_factors.npy");
    std::fs::copy(&train, &hidden).unwrap();
    let before = std::fs::read(&hidden).unwrap();
    let fit = |train: &Path, extra: &[&str]| {
        let mut a = vec![
            "fit",
            "--train",
            p(train),
            "--test",
            p(&test),
            "--epochs",
            "2",
            "--export-npy",
            p(&npy),
            "-q",
        ];
        a.extend_from_slice(extra);
        rustrec(&a)
    };
    let out = fit(&hidden, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("data.train")
            && err.contains("--export-npy")
            && err.contains("user_factors.npy"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&hidden).unwrap(),
        before,
        "the input was changed"
    );
    assert!(!npy.join("manifest.json").exists());

    // The model file under the name of the export's id list.
    let model = npy.join("item_ids.npy");
    let out = fit(&train, &["--out", p(&model)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("--out") && err.contains("--export-npy") && err.contains("item_ids.npy"),
        "{err}"
    );
    assert!(!model.exists());

    // Elsewhere in the directory, both are written.
    let model = npy.join("m.safetensors");
    let out = fit(&train, &["--out", p(&model)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(model.exists() && npy.join("item_ids.npy").exists());
}

/// `eval --per-user-out` writes one line per evaluated user; for a rating model it needs
/// `--ranking` (it is refused, not dropped), and a name that is neither `.csv` nor `.jsonl`
/// is refused rather than guessed.
#[test]
fn eval_writes_per_user_results_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let model = dir.path().join("m.safetensors");
    let out = rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--epochs",
        "2",
        "--out",
        p(&model),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eval = |per_user: &Path, extra: &[&str]| {
        let mut a = vec![
            "eval",
            "--model",
            p(&model),
            "--test",
            p(&test),
            "--per-user-out",
            p(per_user),
            "--json",
        ];
        a.extend_from_slice(extra);
        rustrec(&a)
    };
    let csv = dir.path().join("per_user.csv");
    let out = eval(&csv, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--ranking"), "{err}");
    assert!(!csv.exists());

    let txt = dir.path().join("per_user.txt");
    let out = eval(&txt, &["--ranking"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("per_user.txt") && err.contains(".jsonl"),
        "{err}"
    );
    assert!(!txt.exists());

    let f = last_json(&eval(&csv, &["--ranking"]));
    let users = f["users_evaluated"].as_u64().unwrap();
    assert!(users > 0);
    let lines = std::fs::read_to_string(&csv).unwrap().lines().count() as u64;
    assert_eq!(lines, users + 1, "a header and one line per evaluated user");

    // recommend --all names its file the same way, and a missing directory is named.
    for (out, want) in [
        (dir.path().join("all.txt"), ".jsonl"),
        (dir.path().join("no").join("all.csv"), "does not exist"),
    ] {
        let run = rustrec(&["recommend", "--model", p(&model), "--all", "--out", p(&out)]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success() && err.contains(want), "{err}");
        assert!(!out.exists());
    }
}

/// `--epochs` sets each kind's own count of rounds (`iterations` for ALS), and is refused,
/// naming the flag, for a kind that does not train in rounds or that would train a
/// different count.
#[test]
fn epochs_sets_the_rounds_of_every_iterative_kind() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let fit = |extra: &[&str]| {
        let mut a = vec![
            "fit",
            "--train",
            p(&train),
            "--test",
            p(&test),
            "--json",
            "-q",
        ];
        a.extend_from_slice(extra);
        rustrec(&a)
    };
    for kind in ["als", "ials", "mf"] {
        let f = last_json(&fit(&["--model", kind, "--epochs", "2", "--factors", "4"]));
        assert_eq!(f["epochs_run"], 2, "{kind}: {f}");
    }
    let refused = |extra: &[&str], want: &[&str]| {
        let out = fit(extra);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra:?}: {err}");
        for w in want {
            assert!(err.contains(w), "{extra:?}: {err}");
        }
    };
    refused(
        &["--model", "ease", "--epochs", "2"],
        &["--epochs 2", "ease"],
    );
    // BPMF keeps at least one sample past its burn-in of 100 sweeps.
    refused(
        &["--model", "bpmf", "--epochs", "2"],
        &["--epochs 2", "101"],
    );
    refused(
        &[
            "--model",
            "als",
            "--epochs",
            "2",
            "--set",
            "model.iterations=3",
        ],
        &["--epochs 2", "model.iterations=3"],
    );
}

/// `fit` checks an item file against the training ratings as `recommend` does: a
/// `movies.dat` (ML-1M / ML-10M) does not describe `u.data`-format (ML-100K) ratings.
#[test]
fn fit_refuses_the_item_file_of_another_release() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let movies = dir.path().join("movies.dat");
    let lines: String = (1..=150)
        .map(|i| format!("{i}::Movie {i} (1995)::Comedy\n"))
        .collect();
    std::fs::write(&movies, lines).unwrap();
    let out = rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--model",
        "item-knn-cbf",
        "--item-file",
        p(&movies),
        "-q",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("movies.dat") && err.contains("u.item"),
        "{err}"
    );

    // A kind that reads no item content does not take an item file silently.
    let out = rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--item-file",
        p(&movies),
        "--epochs",
        "1",
        "-q",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("--item-file") && err.contains("mf"), "{err}");
}

/// Flags that only mean something next to another are refused alone (clap names both)
/// rather than ignored.
#[test]
fn flags_that_need_another_are_refused_alone() {
    for (args, partner) in [
        (
            &["compare", "--config", "a.toml", "--split-seed", "3"][..],
            "--split",
        ),
        (
            &[
                "fit",
                "--train",
                "a",
                "--test",
                "b",
                "--connect-timeout",
                "5",
            ][..],
            "--processes",
        ),
        (
            &[
                "recommend",
                "--model",
                "m",
                "--user",
                "1",
                "--train",
                "t",
                "--include-seen",
            ][..],
            "--train",
        ),
    ] {
        let out = rustrec(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {err}");
        assert!(err.contains(partner), "{args:?}: {err}");
    }
}

/// An unknown shape stops the demo before it prints anything.
#[test]
fn the_demo_checks_its_shape_before_printing() {
    let out = rustrec(&["demo", "--like", "ml-5m"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("--like") && err.contains("ml-5m") && err.contains("ml-1m"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!err.contains("== rustrec demo"), "{err}");
}

/// Regression: `eval` of a model trained with `--implicit-threshold 4` counted every test
/// row as a positive (fit scored 5469 rows, eval 9430), and `eval --implicit-threshold` on
/// a model trained on ratings reported its RMSE against 1s.
#[test]
fn eval_takes_the_training_threshold_and_refuses_rating_errors_against_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_pair(dir.path());
    let (bpr, mf) = (dir.path().join("bpr.st"), dir.path().join("mf.st"));
    let fit = |extra: &[&str], out: &Path| {
        let mut args = vec!["fit", "--train", p(&train), "--test", p(&test)];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--epochs", "3", "--out", p(out), "--json", "-q"]);
        last_json(&rustrec(&args))
    };
    let fitted = fit(&["--model", "bpr", "--implicit-threshold", "4"], &bpr);
    fit(&["--model", "mf"], &mf);
    let eval = |model: &Path, extra: &[&str]| {
        let mut args = vec!["eval", "--model", p(model), "--test", p(&test)];
        args.extend_from_slice(extra);
        args.push("--json");
        rustrec(&args)
    };
    let out = eval(&bpr, &[]);
    let e = last_json(&out);
    assert_eq!(e["test_interactions"], fitted["test_interactions"]);
    assert_eq!(e["ndcg@10"], fitted["ndcg@10"]);
    assert_eq!(e["implicit_threshold"], 4.0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("implicit_threshold = 4"));

    let out = eval(&mf, &["--implicit-threshold", "4"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("--implicit-threshold 4") && err.contains("--ranking"),
        "{err}"
    );
    let e = last_json(&eval(&mf, &["--implicit-threshold", "4", "--ranking"]));
    assert!(
        e.get("rmse").is_none() && e["ndcg@10"].as_f64().is_some(),
        "{e}"
    );
}

/// A leaky test file shows in the figures: `eval` reports the users skipped for having no
/// relevant test item left and the test rows already among the user's training items,
/// beside `users_evaluated` (only `users_evaluated` was reported); `fit` reports them too.
#[test]
fn ranking_figures_count_the_skipped_users_and_the_leaked_test_rows() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("t.tsv");
    let (clean, leaky) = (dir.path().join("v.tsv"), dir.path().join("leaky.tsv"));
    // Users 1-3 rated items 10-13 (user 2 not 12, user 3 not 13), user 4 items 14-16.
    let mut rows = String::from("4\t14\t3\n4\t15\t4\n4\t16\t5\n");
    for u in 1..=3 {
        for i in 10..=13 {
            if (u, i) != (3, 13) && (u, i) != (2, 12) {
                rows.push_str(&format!("{u}\t{i}\t{}\n", 1 + (u + i) % 5));
            }
        }
    }
    std::fs::write(&train, rows).unwrap();
    std::fs::write(&clean, "2\t12\t5\n3\t13\t4\n").unwrap();
    // User 1's only test row repeats a training row, user 2 has one such row beside a new
    // item, user 3 one new item.
    std::fs::write(&leaky, "1\t10\t5\n2\t11\t4\n2\t12\t5\n3\t13\t4\n").unwrap();
    let model = dir.path().join("m.st");
    let fitted = last_json(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&clean),
        "--model",
        "top-pop",
        "--out",
        p(&model),
        "--json",
        "-q",
    ]));
    let evaluated = last_json(&rustrec(&[
        "eval",
        "--model",
        p(&model),
        "--test",
        p(&leaky),
        "--train",
        p(&train),
        "--json",
    ]));
    let counts = |f: &serde_json::Value| {
        [
            "users_evaluated",
            "users_skipped_no_test",
            "users_skipped_no_train",
            "test_items_in_train",
            "auc_users",
        ]
        .map(|k| f[k].as_u64())
    };
    // Users 1 and 4 have no test row; in the leaky file user 1's only one is seen.
    assert_eq!(counts(&fitted), [2, 2, 0, 0, 2].map(Some), "{fitted}");
    assert_eq!(counts(&evaluated), [2, 2, 0, 2, 2].map(Some), "{evaluated}");
}

/// Regression: a flag and a `--set` of its key were both taken and the `--set` won without
/// a word (`--seed 5 --set train.seed=7` trained with seed 7); the two are refused as two
/// choices, naming the flag. A `--set` below a flag's key (`--optimizer adam --set
/// model.optimizer.beta1=0.8`) still refines it.
#[test]
fn a_flag_and_a_set_of_its_key_are_refused_as_two_choices() {
    for (flags, key) in [
        (
            &["--seed", "5", "--set", "train.seed=7"][..],
            "--seed also sets train.seed",
        ),
        (
            &["--factors", "8", "--set", "model.factors=4"][..],
            "--factors also sets model.factors",
        ),
        (
            &["--threads", "1", "--set", "train.threads=2"][..],
            "--threads also sets train.threads",
        ),
    ] {
        let mut args = vec![
            "fit",
            "--synthetic",
            "ml-100k",
            "--split",
            "holdout:0.1",
            "-q",
        ];
        args.extend_from_slice(flags);
        let out = rustrec(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flags:?} was accepted");
        assert!(
            err.contains(key) && err.contains("give one of the two"),
            "{err}"
        );
    }
    let out = rustrec(&[
        "fit",
        "--synthetic",
        "ml-100k",
        "--split",
        "holdout:0.1",
        "--epochs",
        "1",
        "--factors",
        "4",
        "--optimizer",
        "adam",
        "--set",
        "model.optimizer.beta1=0.8",
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
