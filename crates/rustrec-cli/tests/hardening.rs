//! End-to-end tests of issue 12 (hardening the edges) for `describe`, `split`, `synth`,
//! `predict` and `recommend`: no torn or lost file, no output over an input, one list syntax,
//! checked `--history` and item files, escaped control characters, `--json` purity.
//! Each test is named after the bad case it pins. Fixtures are written by the tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_rustrec")
}

fn rustrec(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &Output) -> &Output {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        stderr(out)
    );
    out
}

/// The failure's standard error, asserting the command failed cleanly (no panic).
fn fails(out: &Output) -> String {
    let err = stderr(out);
    assert!(
        !out.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Standard output must be exactly one JSON object.
fn one_json_object(out: &Output) -> serde_json::Value {
    ok(out);
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {text}"));
    assert!(v.is_object(), "{text}");
    v
}

/// Temporary files left in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// A synthetic ML-100K-like train/test pair (`small.base`, `small.test`) and an MF model
/// trained on it.
struct Fixture {
    dir: tempfile::TempDir,
    train: PathBuf,
    test: PathBuf,
    model: PathBuf,
}

fn fixture(users: &str, items: &str, ratings: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("small.base");
    let test = dir.path().join("small.test");
    let model = dir.path().join("m.st");
    ok(&rustrec(&[
        "synth",
        "--users",
        users,
        "--items",
        items,
        "--ratings",
        ratings,
        "--seed",
        "5",
        "--out",
        p(&train),
        "--test-fraction",
        "0.1",
        "--test-out",
        p(&test),
        "-q",
    ]));
    ok(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--factors",
        "4",
        "--epochs",
        "2",
        "--out",
        p(&model),
        "-q",
    ]));
    Fixture {
        dir,
        train,
        test,
        model,
    }
}

fn small() -> Fixture {
    fixture("120", "80", "3000")
}

/// Ctrl-C (SIGINT), a closed terminal (SIGHUP, a regression: it left a partial temporary
/// file) and SIGUSR1 each leave the old file and no temporary file, with the shell's exit
/// status 128 + the signal number.
#[cfg(unix)]
#[test]
fn recommend_all_interrupted_by_a_signal_leaves_the_old_file_and_no_temporary() {
    let f = fixture("3000", "1500", "150000");
    let out = f.dir.path().join("recs.csv");
    ok(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--all",
        "-n",
        "1",
        "--out",
        p(&out),
        "-q",
    ]));
    let mut old = std::fs::read(&out).unwrap();
    for (signal, status_code) in [("INT", 130), ("HUP", 129), ("USR1", 138)] {
        let mut child = Command::new(bin())
            .args(["recommend", "--model", p(&f.model), "--all", "-n", "1000"])
            .args(["--out", p(&out), "-q"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the temporary file exists and is being written, then interrupt.
        let started = Instant::now();
        loop {
            if !temporaries(f.dir.path()).is_empty() {
                break;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "recommend --all ended before its temporary file was seen"
            );
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no temporary file"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(30));
        let killed = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        if status.success() {
            // Finished between the check and the signal: then the file must be complete.
            let text = std::fs::read_to_string(&out).unwrap();
            assert_eq!(text.lines().count(), 1 + 3000 * 1000);
            old = text.into_bytes();
            continue;
        }
        assert_eq!(
            status.code(),
            Some(status_code),
            "SIG{signal}: exit status {status:?}"
        );
        assert_eq!(
            std::fs::read(&out).unwrap(),
            old,
            "SIG{signal}: the old file was replaced"
        );
        assert_eq!(
            temporaries(f.dir.path()),
            Vec::<String>::new(),
            "SIG{signal}"
        );
    }
}

#[test]
fn recommend_all_writes_through_a_symlink_keeps_permissions_and_never_over_the_model() {
    let f = small();
    let dir = f.dir.path();
    let target = dir.join("target.jsonl");
    std::fs::write(&target, "old\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.join("link.jsonl");
        std::os::unix::fs::symlink("target.jsonl", &link).unwrap();
        ok(&rustrec(&[
            "recommend",
            "--model",
            p(&f.model),
            "--all",
            "-n",
            "3",
            "--out",
            p(&link),
            "-q",
        ]));
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
    #[cfg(not(unix))]
    ok(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--all",
        "-n",
        "3",
        "--out",
        p(&target),
        "-q",
    ]));
    // JSON Lines use the key of the one-user output.
    let text = std::fs::read_to_string(&target).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["recommendations"].as_array().unwrap().len(), 3);
    assert!(first.get("items").is_none());

    let before = std::fs::read(&f.model).unwrap();
    let err = fails(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--all",
        "--out",
        p(&f.model),
    ]));
    assert!(err.contains("--model") && err.contains("--out"), "{err}");
    assert_eq!(std::fs::read(&f.model).unwrap(), before);
}

#[test]
fn split_refuses_one_file_for_two_outputs_and_an_output_over_its_input() {
    let f = small();
    let dir = f.dir.path();
    let input = std::fs::read(&f.train).unwrap();
    let s = dir.join("s.tsv");
    let err = fails(&rustrec(&[
        "split",
        p(&f.train),
        "--train-out",
        p(&s),
        "--test-out",
        p(&s),
        "-q",
    ]));
    assert!(err.contains("--train-out") && err.contains("--test-out") && err.contains("s.tsv"));
    assert!(!s.exists());
    let err = fails(&rustrec(&[
        "split",
        p(&f.train),
        "--train-out",
        p(&dir.join(".").join("small.base")),
        "--test-out",
        p(&dir.join("te.tsv")),
        "-q",
    ]));
    assert!(
        err.contains("--train-out") && err.contains("destroy the input"),
        "{err}"
    );
    assert_eq!(std::fs::read(&f.train).unwrap(), input);
    let err = fails(&rustrec(&[
        "synth",
        "--out",
        p(&s),
        "--test-fraction",
        "0.1",
        "--test-out",
        p(&s),
        "-q",
    ]));
    assert!(err.contains("--out") && err.contains("--test-out"), "{err}");
}

/// Regression (issue 12): `split ratings.dat --test-out a.test` wrote a file that was read
/// back as ML-100K and failed with "expected 4 tab-separated fields, found 3".
#[test]
fn what_split_writes_is_read_back_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let dat = dir.path().join("ratings.dat");
    ok(&rustrec(&[
        "synth",
        "--users",
        "100",
        "--items",
        "60",
        "--ratings",
        "2500",
        "--format",
        "ml-dat",
        "--no-timestamps",
        "--out",
        p(&dat),
        "-q",
    ]));
    let (train, test) = (dir.path().join("a.train"), dir.path().join("a.test"));
    ok(&rustrec(&[
        "split",
        p(&dat),
        "--train-out",
        p(&train),
        "--test-out",
        p(&test),
        "-q",
    ]));
    let first = std::fs::read_to_string(&test).unwrap();
    assert_eq!(first.lines().next().unwrap().split('\t').count(), 3);
    let d = one_json_object(&rustrec(&["describe", p(&test), "--json", "-q"]));
    assert_eq!(d["format"], "tsv");
    let model = dir.path().join("m.st");
    ok(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--epochs",
        "1",
        "--out",
        p(&model),
        "-q",
    ]));
}

#[test]
fn json_output_is_exactly_one_object_with_shared_keys() {
    let f = small();
    let dir = f.dir.path();
    let d = one_json_object(&rustrec(&["describe", p(&f.train), "--json"]));
    assert!(d["rating_mean"].is_number());
    let s = one_json_object(&rustrec(&[
        "synth",
        "--users",
        "50",
        "--items",
        "30",
        "--ratings",
        "1200",
        "--out",
        p(&dir.join("syn.data")),
        "--json",
    ]));
    assert!(s["rating_mean"].is_number() && s.get("mean_rating").is_none());
    one_json_object(&rustrec(&[
        "split",
        p(&f.train),
        "--train-out",
        p(&dir.join("j1.tsv")),
        "--test-out",
        p(&dir.join("j2.tsv")),
        "--json",
    ]));
    let user = first_user(&f.train);
    let r = one_json_object(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--user",
        &user,
        "-n",
        "4",
        "--json",
    ]));
    assert_eq!(r["recommendations"].as_array().unwrap().len(), 4);
    one_json_object(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--all",
        "-n",
        "2",
        "--out",
        p(&dir.join("all.csv")),
        "--json",
    ]));
    one_json_object(&rustrec(&[
        "predict",
        "--model",
        p(&f.model),
        "--user",
        &user,
        "--item",
        &first_item(&f.train),
        "--json",
    ]));
}

fn first_user(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string()
}

fn first_item(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap()
        .to_string()
}

/// Items of the model, in the order of the training file.
fn items(path: &Path, n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let item = line.split('\t').nth(1).unwrap().to_string();
        if !out.contains(&item) {
            out.push(item);
        }
        if out.len() == n {
            break;
        }
    }
    out
}

/// Regression (issue 12): `predict --item 50,172` predicted one unknown item "50,172".
#[test]
fn lists_take_commas_or_repeated_values_and_refuse_empty_elements() {
    let f = small();
    let user = first_user(&f.train);
    let it = items(&f.train, 3);
    let predictions = |args: &[&str]| {
        let mut all = vec!["predict", "--model", p(&f.model), "--user", &user, "--json"];
        all.extend_from_slice(args);
        let v = one_json_object(&rustrec(&all));
        let preds = v["predictions"].as_array().unwrap().clone();
        assert!(preds.iter().all(|p| p["known_item"] == true), "{preds:?}");
        preds.len()
    };
    let comma = format!("{},{}", it[0], it[1]);
    assert_eq!(predictions(&["--item", &comma]), 2);
    assert_eq!(predictions(&["--item", &it[0], "--item", &it[1]]), 2);
    assert_eq!(predictions(&["--item", &it[0], &it[1], &it[2]]), 3);
    let err = fails(&rustrec(&[
        "predict",
        "--model",
        p(&f.model),
        "--user",
        &user,
        "--item",
        &format!("{},,{}", it[0], it[1]),
    ]));
    assert!(err.contains("--item") && err.contains("empty"), "{err}");

    let recs = |args: &[&str]| {
        let mut all = vec![
            "recommend",
            "--model",
            p(&f.model),
            "--user",
            &user,
            "--json",
        ];
        all.extend_from_slice(args);
        one_json_object(&rustrec(&all))["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["item"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let allowed = recs(&["--include-seen", "--allow", &it[0], &it[1], &it[2]]);
    assert_eq!(allowed.len(), 3);
    assert!(allowed.iter().all(|i| it.contains(i)));
    let by_comma = recs(&["--include-seen", "--allow", &it.join(",")]);
    assert_eq!(by_comma, allowed);
    let blocked = recs(&["--include-seen", "--block", &it.join(","), "-n", "20"]);
    assert!(blocked.iter().all(|i| !it.contains(i)));
    let err = fails(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--user",
        &user,
        "--allow",
        "",
    ]));
    assert!(err.contains("--allow") && err.contains("empty"), "{err}");
    let err = fails(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--user",
        &user,
        "--block",
        "x",
    ]));
    assert!(
        err.contains("--block") && err.contains("not known"),
        "{err}"
    );
    for n in ["-5", "0", "ten"] {
        let err = fails(&rustrec(&[
            "recommend",
            "--model",
            p(&f.model),
            "--user",
            &user,
            "-n",
            n,
        ]));
        assert!(
            err.contains("-n") && err.contains(n) && err.contains("a whole number ≥ 1"),
            "{err}"
        );
    }
}

#[test]
fn an_empty_pairs_file_is_an_error_naming_it() {
    let f = small();
    let empty = f.dir.path().join("pairs.tsv");
    std::fs::write(&empty, "\n\n").unwrap();
    let err = fails(&rustrec(&[
        "predict",
        "--model",
        p(&f.model),
        "--pairs",
        p(&empty),
    ]));
    assert!(
        err.contains("pairs.tsv") && err.contains("no `user item` pairs"),
        "{err}"
    );
    let user = first_user(&f.train);
    let item = first_item(&f.train);
    std::fs::write(&empty, format!("{user}\t{item}\n{user} {item}\n")).unwrap();
    let v = one_json_object(&rustrec(&[
        "predict",
        "--model",
        p(&f.model),
        "--pairs",
        p(&empty),
        "--json",
        "-q",
    ]));
    assert_eq!(v["predictions"].as_array().unwrap().len(), 2);
}

/// Regression (issue 12): `--history 50` was scored as 50:1, `50:1e9` was accepted,
/// `50:5,50:4` too, and `50:5:3` was reported as "item 50:5 is not known".
#[test]
fn a_malformed_history_is_refused_with_its_reason() {
    let f = small();
    let it = items(&f.train, 2);
    let (a, b) = (&it[0], &it[1]);
    let run = |h: &str| {
        rustrec(&[
            "recommend",
            "--model",
            p(&f.model),
            "--history",
            h,
            "-n",
            "3",
        ])
    };
    for (h, why) in [
        (a.to_string(), "ITEM:RATING"),
        (format!("{a}:1e9"), "outside the model's rating range"),
        (format!("{a}:5,{a}:4"), "given twice"),
        (format!("{a}:5:3"), "expected ITEM or ITEM:VALUE"),
        ("999999:3".to_string(), "item 999999 is not known"),
    ] {
        let err = fails(&run(&h));
        assert!(err.contains("--history") && err.contains(why), "{h}: {err}");
        assert!(
            !(why.contains("ITEM or") && err.contains("not known")),
            "{err}"
        );
    }
    ok(&run(&format!("{a}:5,{b}:2.5")));
}

#[test]
fn an_item_file_of_another_data_set_is_refused() {
    let f = small();
    let model_items = items(&f.train, 1000);
    let dir = f.dir.path();
    // A u.item for every item of the model: accepted, titles shown.
    let flags = vec!["0"; 19].join("|");
    let u_item: String = model_items
        .iter()
        .map(|i| format!("{i}|Movie {i} (1999)|01-Jan-1999||http://x|{flags}\n"))
        .collect();
    let path = dir.join("u.item");
    std::fs::write(&path, u_item).unwrap();
    let user = first_user(&f.train);
    let out = ok(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--user",
        &user,
        "-n",
        "2",
        "--item-file",
        p(&path),
    ]))
    .clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Movie "));
    // The same movies as movies.dat: the model was trained on ml-tab ratings (small.base).
    let dat: String = model_items
        .iter()
        .map(|i| format!("{i}::Movie {i} (1999)::Drama\n"))
        .collect();
    let path = dir.join("movies.dat");
    std::fs::write(&path, dat).unwrap();
    let err = fails(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--user",
        &user,
        "--item-file",
        p(&path),
    ]));
    assert!(
        err.contains("movies.dat") && err.contains("u.item"),
        "{err}"
    );
    // A u.item with a third of the model's items.
    let few: String = model_items
        .iter()
        .take(model_items.len() / 3)
        .map(|i| format!("{i}|Movie {i}|||u|{flags}\n"))
        .collect();
    let path = dir.join("u.item");
    std::fs::write(&path, few).unwrap();
    let err = fails(&rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--user",
        &user,
        "--item-file",
        p(&path),
    ]));
    let msg = format!("of the model's {} items", model_items.len());
    assert!(err.contains(&msg), "{err}");
}

#[test]
fn control_characters_from_a_data_file_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("esc.data");
    std::fs::write(&path, "1\t2\t3\t4\n5\t\x1b[31mx\t3\t4\n").unwrap();
    let out = rustrec(&["describe", p(&path)]);
    let err = fails(&out);
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(err.contains("\\x1b[31mx"), "{err}");
    // Skipped rows are listed escaped too.
    let out = ok(&rustrec(&["describe", p(&path), "--skip-bad-rows"])).clone();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\x1b') && text.contains("\\x1b"), "{text}");
}

#[test]
fn a_toml_error_keeps_its_excerpt_on_lines_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[model]\nkind = \"mf\"\nfactors = \n").unwrap();
    let err = fails(&rustrec(&["fit", "--config", p(&config)]));
    assert!(
        err.contains("line 3") && err.contains("\n3 | factors ="),
        "{err}"
    );
    assert!(!err.contains("\\n"), "no escaped line breaks: {err}");
}

#[test]
fn a_failed_split_leaves_both_old_outputs() {
    let f = small();
    let dir = f.dir.path();
    let (train, test) = (dir.join("old.train"), dir.join("old.test"));
    std::fs::write(&train, "old train").unwrap();
    std::fs::write(&test, "old test").unwrap();
    // The test output's directory does not exist: nothing may be replaced.
    let err = fails(&rustrec(&[
        "split",
        p(&f.test),
        "--train-out",
        p(&train),
        "--test-out",
        p(&dir.join("missing").join("t.tsv")),
        "-q",
    ]));
    assert!(err.contains("missing"), "{err}");
    assert_eq!(std::fs::read_to_string(&train).unwrap(), "old train");
    assert_eq!(temporaries(dir), Vec::<String>::new());
    ok(&rustrec(&[
        "split",
        p(&f.test),
        "--train-out",
        p(&train),
        "--test-out",
        p(&test),
        "-q",
    ]));
    assert_ne!(std::fs::read_to_string(&test).unwrap(), "old test");
}
