//! End-to-end tests of `rustrec recommend`: the binary on fixture files, each regression
//! test named after the bug it pins.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{p, rustrec, succeeded, synth_small};
use serde_json::Value;

/// The fields of one CSV line (RFC 4180: quoted fields, doubled quotes), and whether each
/// was quoted.
fn csv_fields(line: &str) -> Vec<(String, bool)> {
    let mut fields = Vec::new();
    let (mut field, mut quoted, mut in_quotes) = (String::new(), false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' if in_quotes => in_quotes = false,
            '"' if field.is_empty() => (in_quotes, quoted) = (true, true),
            ',' if !in_quotes => {
                fields.push((std::mem::take(&mut field), quoted));
                quoted = false;
            }
            c => field.push(c),
        }
    }
    fields.push((field, quoted));
    fields
}

/// The distinct items of a `u.data`-like file, in first-appearance order.
fn items_of(path: &Path) -> Vec<String> {
    let mut seen = Vec::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let item = line.split('\t').nth(1).unwrap().to_string();
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// Regression: `recommend --all --item-file F` read the titles and then wrote neither the
/// CSV nor the JSON Lines file with them. Each item now has its title beside it: a quoted
/// `title` column (commas and quotes of a title kept in one field), a `title` key; an item
/// the movie file lacks gets an empty title. Without `--item-file` the files are as before.
#[test]
fn recommend_all_writes_the_titles_of_the_item_file() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("u.data");
    let test = dir.path().join("u.test");
    synth_small(&train, "5", Some((&test, "0.1")));
    let model = dir.path().join("m.st");
    succeeded(&rustrec(&[
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
    // Every item but the first has a title with a comma and a quote in it.
    let items = items_of(&train);
    let untitled = items[0].clone();
    let mut titles: HashMap<String, String> = HashMap::new();
    let mut u_item = String::new();
    for item in &items[1..] {
        let title = format!("Film {item}, The \"Cut\" (1995)");
        u_item.push_str(&format!(
            "{item}|{title}|01-Jan-1995||http://x|{}\n",
            ["0"; 19].join("|")
        ));
        titles.insert(item.clone(), title);
    }
    titles.insert(untitled.clone(), String::new());
    let item_file = dir.path().join("u.item");
    std::fs::write(&item_file, u_item).unwrap();
    let n = items.len().to_string();
    let recommend = |out: &Path, with_titles: bool| {
        let mut args = vec![
            "recommend",
            "--model",
            p(&model),
            "--all",
            "-n",
            &n,
            "--include-seen",
            "--out",
            p(out),
            "-q",
        ];
        if with_titles {
            args.extend(["--item-file", p(&item_file)]);
        }
        succeeded(&rustrec(&args));
    };

    let csv = dir.path().join("top.csv");
    recommend(&csv, true);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("user,rank,item,score,title"));
    let mut rows = 0;
    let mut saw_untitled = false;
    for line in lines {
        let fields = csv_fields(line);
        assert_eq!(fields.len(), 5, "{line}");
        let (title, quoted) = &fields[4];
        assert!(quoted, "the title is not quoted: {line}");
        assert_eq!(title, &titles[&fields[2].0], "{line}");
        saw_untitled |= fields[2].0 == untitled;
        rows += 1;
    }
    assert_eq!(rows, 150 * items.len());
    assert!(
        saw_untitled,
        "with -n all items, the untitled item is in the file"
    );

    let jsonl = dir.path().join("top.jsonl");
    recommend(&jsonl, true);
    let mut rows = 0;
    for line in std::fs::read_to_string(&jsonl).unwrap().lines() {
        let j: Value = serde_json::from_str(line).unwrap();
        for rec in j["recommendations"].as_array().unwrap() {
            let item = rec["item"].as_str().unwrap();
            assert_eq!(rec["title"].as_str(), Some(titles[item].as_str()), "{rec}");
            rows += 1;
        }
    }
    assert_eq!(rows, 150 * items.len());

    // Without --item-file: no title column, no title key.
    recommend(&csv, false);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().next(), Some("user,rank,item,score"));
    assert!(text.lines().all(|l| csv_fields(l).len() == 4));
    recommend(&jsonl, false);
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(&jsonl)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(
        first["recommendations"][0].get("title").is_none(),
        "{first}"
    );
}

/// A model trained on a small tab-separated log with string user ids, one of which is
/// written with spaces around it (`  spaced `, read as `spaced`).
fn string_id_model(dir: &Path) -> std::path::PathBuf {
    let users = [
        "smith, john",
        "o\"brien",
        "  spaced ",
        "ann",
        "bob",
        "cy",
        "dee",
        "eve",
    ];
    let (mut train, mut test) = (
        String::from("user\titem\trating\n"),
        String::from("user\titem\trating\n"),
    );
    for (u, user) in users.iter().enumerate() {
        for i in 0..12 {
            let line = format!("{user}\tit{i}\t{}\n", 1 + (u * 7 + i * 3) % 5);
            if (u + i) % 5 == 0 {
                &mut test
            } else {
                &mut train
            }
            .push_str(&line);
        }
    }
    let (train_path, test_path) = (dir.join("train.tsv"), dir.join("test.tsv"));
    std::fs::write(&train_path, train).unwrap();
    std::fs::write(&test_path, test).unwrap();
    let model = dir.join("s.st");
    succeeded(&rustrec(&[
        "fit",
        "--train",
        p(&train_path),
        "--test",
        p(&test_path),
        "--factors",
        "2",
        "--epochs",
        "1",
        "--out",
        p(&model),
        "-q",
    ]));
    model
}

/// Regression: an unknown `--user` gave `user  spaced  is not known to the model`: no
/// flag, no quotes (an empty id or spaces around one did not show), no word on what is
/// valid. The error now names the flag, quotes the id, names the model and gives an
/// example id; an id known without its surrounding spaces (as the readers store ids) is
/// pointed out.
#[test]
fn recommend_unknown_user_error_names_the_flag_and_quotes_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let model = string_id_model(dir.path());
    let err = |user: &str| {
        let out = rustrec(&["recommend", "--model", p(&model), "--user", user]);
        assert!(!out.status.success(), "--user {user:?} was accepted");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = err("nosuch");
    assert!(
        e.starts_with("error: --user \"nosuch\": not a user of model")
            && e.contains(p(&model))
            && e.contains("8 users")
            && e.contains("such as smith, john"),
        "{e}"
    );
    assert!(!e.contains("did you mean"), "{e}");
    assert!(err("").starts_with("error: --user \"\": "));
    let e = err("  spaced ");
    assert!(
        e.starts_with("error: --user \"  spaced \": ") && e.contains("did you mean \"spaced\"?"),
        "{e}"
    );
    // The ids with a comma, a quote or spaces inside are users as they are.
    for user in ["smith, john", "o\"brien", "spaced"] {
        let out = rustrec(&[
            "--json",
            "recommend",
            "--model",
            p(&model),
            "--user",
            user,
            "-n",
            "2",
        ]);
        succeeded(&out);
        let j: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(j["user"], user);
        assert_eq!(j["recommendations"].as_array().unwrap().len(), 2, "{j}");
    }
}

/// Regression: a missing or empty `--train` file and a missing `--item-file` failed with the
/// file's error alone (`nosuch: no such file`), not saying which flag named it.
#[test]
fn recommend_train_and_item_file_errors_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let model = string_id_model(dir.path());
    let empty = dir.path().join("empty.tsv");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.path().join("nosuch").join("u.item");
    for (flag, path) in [
        ("--train", dir.path().join("nosuch.tsv")),
        ("--train", empty),
        ("--item-file", missing),
    ] {
        let out = rustrec(&[
            "recommend",
            "--model",
            p(&model),
            "--user",
            "ann",
            flag,
            p(&path),
        ]);
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flag} {path:?} was accepted");
        assert!(
            e.starts_with(&format!("error: {flag}: ")) && e.contains(p(&path)),
            "{e}"
        );
    }
}

/// Regression: `recommend --allow 1 --block 1` was accepted and answered with an empty list
/// (a note for one user, nothing at all for `--all`). An item both allowed and blocked is a
/// contradiction: it is refused before any file is read, naming both flags and the items as
/// given, and an item given in two spellings of one integer id (`01`, `1`) is refused once
/// the model's ids tell.
#[test]
fn recommend_refuses_an_item_both_allowed_and_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |args: &[&str]| {
        let out = rustrec(args);
        assert!(!out.status.success(), "{args:?} was accepted");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Before any work: the model file does not even exist, and --all writes nothing.
    let missing = dir.path().join("nosuch.st");
    let out_file = dir.path().join("all.csv");
    for (scope, with) in [("--user", "1"), ("--all", "--out"), ("--history", "7:4")] {
        let mut args = vec!["recommend", "--model", p(&missing), scope];
        if scope == "--all" {
            args.extend([with, p(&out_file)]);
        } else {
            args.push(with);
        }
        args.extend(["--allow", "5,1,2", "--block", "2", "--block", "9,1"]);
        let e = refused(&args);
        assert!(
            e.starts_with("error: --allow and --block both name items 1, 2:")
                && e.contains("leave each out of one of the two flags")
                && !e.contains("nosuch"),
            "{scope}: {e}"
        );
    }
    assert!(!out_file.exists());
    let e = refused(&[
        "recommend",
        "--model",
        p(&missing),
        "--user",
        "1",
        "--allow",
        "3",
        "--block",
        "3",
    ]);
    assert!(
        e.starts_with("error: --allow and --block both name item 3: ")
            && e.contains("leave it out"),
        "{e}"
    );

    // With a model: two spellings of one integer item id are the same item.
    let train = dir.path().join("u.data");
    let test = dir.path().join("u.test");
    synth_small(&train, "5", Some((&test, "0.1")));
    let model = dir.path().join("m.st");
    succeeded(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&test),
        "--factors",
        "2",
        "--epochs",
        "1",
        "--out",
        p(&model),
        "-q",
    ]));
    let item = items_of(&train)[0].clone();
    let user = std::fs::read_to_string(&train).unwrap();
    let user = user.split('\t').next().unwrap().to_string();
    let padded = format!("0{item}");
    for scope in [
        vec!["--user", user.as_str()],
        vec!["--all", "--out", p(&out_file)],
    ] {
        let mut args = vec!["recommend", "--model", p(&model)];
        args.extend(scope.iter().copied());
        args.extend(["--allow", &padded, "--block", &item]);
        let e = refused(&args);
        assert!(
            e.starts_with(&format!(
                "error: --allow and --block both name item {item}: "
            )),
            "{e}"
        );
    }
    assert!(!out_file.exists());
    // Disjoint lists are served as before.
    let other = items_of(&train)[1].clone();
    succeeded(&rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--user",
        &user,
        "--include-seen",
        "--allow",
        &item,
        "--block",
        &other,
    ]));
}
