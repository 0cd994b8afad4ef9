//! End-to-end regression tests of `rustrec predict`, `rustrec recommend` and the csv/tsv
//! flags of `rustrec describe`, each named after the bug it pins.

mod common;

use std::path::{Path, PathBuf};

use common::{json_of, p, rustrec, succeeded, synth_small};

/// A small ML-100K-like train/test pair and an MF model trained on it.
struct Fixture {
    dir: tempfile::TempDir,
    train: PathBuf,
    model: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("small.base");
    let test = dir.path().join("small.test");
    let model = dir.path().join("m.st");
    synth_small(&train, "3", Some((&test, "0.1")));
    fit(&train, &test, &model);
    Fixture { dir, train, model }
}

fn fit(train: &Path, test: &Path, model: &Path) {
    succeeded(&rustrec(&[
        "fit",
        "--train",
        p(train),
        "--test",
        p(test),
        "--factors",
        "4",
        "--epochs",
        "2",
        "--out",
        p(model),
        "-q",
    ]));
}

/// The user and item of the first line of a `u.data`-like file.
fn first_pair(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut fields = text.lines().next().unwrap().split('\t');
    (
        fields.next().unwrap().to_string(),
        fields.next().unwrap().to_string(),
    )
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Regression: the header line `user,item` of a pairs file was scored as a pair of an
/// unknown user and an unknown item. A first line naming the columns is a header (said so
/// on standard error); `item user` swaps the columns.
#[test]
fn a_header_line_of_a_pairs_file_is_not_scored_as_a_pair() {
    let f = fixture();
    let (user, item) = first_pair(&f.train);
    for (name, text, note) in [
        (
            "pairs.csv",
            format!("user,item\n{user},{item}\n"),
            "user,item",
        ),
        (
            "swapped.tsv",
            format!("movieId\tuserId\n{item}\t{user}\n"),
            "movieId\\tuserId",
        ),
    ] {
        let pairs = f.dir.path().join(name);
        std::fs::write(&pairs, text).unwrap();
        let out = rustrec(&[
            "--json",
            "predict",
            "--model",
            p(&f.model),
            "--pairs",
            p(&pairs),
        ]);
        let v = json_of(&out);
        let predictions = v["predictions"].as_array().unwrap();
        assert_eq!(predictions.len(), 1, "{name}: {v}");
        assert_eq!(predictions[0]["user"], user.as_str(), "{name}: {v}");
        assert_eq!(predictions[0]["item"], item.as_str(), "{name}: {v}");
        assert_eq!(predictions[0]["known_user"], true, "{name}: {v}");
        assert_eq!(predictions[0]["known_item"], true, "{name}: {v}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{name}:1")) && err.contains(note) && err.contains("header"),
            "{err}"
        );
    }
}

/// Regression: `--item` given beside `--pairs` was silently ignored, and an unreadable
/// pairs file was reported without the flag.
#[test]
fn predict_refuses_item_beside_pairs_and_names_the_flag_of_an_unreadable_file() {
    let f = fixture();
    let (user, item) = first_pair(&f.train);
    let pairs = f.dir.path().join("pairs.tsv");
    std::fs::write(&pairs, format!("{user}\t{item}\n")).unwrap();
    let out = rustrec(&[
        "predict",
        "--model",
        p(&f.model),
        "--pairs",
        p(&pairs),
        "--item",
        &item,
    ]);
    assert!(!out.status.success(), "--pairs with --item was accepted");
    let err = stderr(&out);
    assert!(err.contains("--pairs") && err.contains("--item"), "{err}");

    let missing = f.dir.path().join("missing.tsv");
    let out = rustrec(&["predict", "--model", p(&f.model), "--pairs", p(&missing)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--pairs") && err.contains("missing.tsv"),
        "{err}"
    );
}

/// Regression: string ids holding a comma or a quote were written bare into the CSV of
/// `recommend --all`, so `smith, john` became two fields.
#[test]
fn recommend_all_csv_quotes_ids_with_commas_and_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let users: Vec<String> = (0..24)
        .map(|u| match u {
            0 => "smith, john".to_string(),
            1 => "o\"brien".to_string(),
            u => format!("u{u}"),
        })
        .collect();
    let items: Vec<String> = (0..16)
        .map(|i| {
            if i == 0 {
                "x,y".to_string()
            } else {
                format!("it{i}")
            }
        })
        .collect();
    let (mut train, mut test) = (
        String::from("user\titem\trating\n"),
        String::from("user\titem\trating\n"),
    );
    for (u, user) in users.iter().enumerate() {
        for (i, item) in items.iter().enumerate() {
            if (u + i) % 3 == 0 {
                continue;
            }
            let line = format!("{user}\t{item}\t{}\n", 1 + (u * 7 + i * 3) % 5);
            if (u + i) % 7 == 0 {
                &mut test
            } else {
                &mut train
            }
            .push_str(&line);
        }
    }
    let (train_path, test_path) = (dir.path().join("train.tsv"), dir.path().join("test.tsv"));
    std::fs::write(&train_path, train).unwrap();
    std::fs::write(&test_path, test).unwrap();
    let model = dir.path().join("m.st");
    fit(&train_path, &test_path, &model);
    let out = dir.path().join("top.csv");
    succeeded(&rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--all",
        "--out",
        p(&out),
        "-n",
        "16",
        "--include-seen",
        "-q",
    ]));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\n\"smith, john\",1,"), "{text}");
    assert!(text.contains("\n\"o\"\"brien\",1,"), "{text}");
    assert!(text.contains(",\"x,y\","), "{text}");
    // Every line has four fields once quoted commas are set aside.
    for line in text.lines() {
        let mut fields = 0;
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => fields += 1,
                _ => {}
            }
        }
        assert_eq!(fields + 1, 4, "{line}");
    }
}

/// Regression: `--out` without `--all` was ignored (nothing written, no word said), and
/// `--train` beside `--history` was ignored too.
#[test]
fn recommend_refuses_flags_it_would_ignore() {
    let f = fixture();
    let (user, item) = first_pair(&f.train);
    let out = f.dir.path().join("top.csv");
    let run = rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--user",
        &user,
        "--out",
        p(&out),
    ]);
    assert!(!run.status.success(), "--out without --all was accepted");
    let err = stderr(&run);
    assert!(err.contains("--out") && err.contains("--all"), "{err}");
    assert!(!out.exists());

    let run = rustrec(&[
        "recommend",
        "--model",
        p(&f.model),
        "--history",
        &format!("{item}:5"),
        "--train",
        p(&f.train),
    ]);
    assert!(!run.status.success(), "--train with --history was accepted");
    let err = stderr(&run);
    assert!(
        err.contains("--train") && err.contains("--history"),
        "{err}"
    );
}

/// Regression: `describe u.data --delimiter tab` (format auto) read the file as a CSV with
/// a header, silently dropping its first rating; `--string-ids` alone failed on commas.
#[test]
fn describe_csv_flags_on_an_auto_detected_file_keep_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("u.base");
    synth_small(&data, "4", None);
    let interactions = |extra: &[&str]| {
        let mut args = vec!["--json", "describe", p(&data), "-q"];
        args.extend(extra);
        json_of(&rustrec(&args))["interactions"].as_u64().unwrap()
    };
    let all = interactions(&[]);
    assert_eq!(all, 6000);
    assert_eq!(interactions(&["--delimiter", "tab"]), all);
    assert_eq!(interactions(&["--string-ids"]), all);
    assert_eq!(interactions(&["--no-header"]), all);
    // An explicit header is still honoured.
    assert_eq!(interactions(&["--header"]), all - 1);
}
