//! Helpers the end-to-end tests of the `rustrec` binary share (each test file uses some).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs the binary under test with `args` and waits for it.
pub fn rustrec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rustrec"))
        .args(args)
        .output()
        .unwrap()
}

/// A path as a command-line argument.
pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Asserts that the command succeeded, naming its exit status and standard error if not.
pub fn succeeded(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The standard output of a successful `--json` command, which must be exactly one line
/// holding one JSON object.
pub fn json_of(out: &Output) -> Value {
    succeeded(out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "--json prints one line: {text}");
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The last line of a successful command's standard output, as JSON.
pub fn last_json(out: &Output) -> Value {
    succeeded(out);
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("last line is not JSON ({e}): {text}"))
}

/// Writes a small ML-100K-shaped rating file (150 users, 120 items, 6,000 ratings from
/// `seed`, ML-100K's tab format) to `out`; with `test = Some((path, fraction))`, that share
/// of the ratings goes to `path` instead.
pub fn synth_small(out: &Path, seed: &str, test: Option<(&Path, &str)>) {
    let mut args = vec![
        "synth",
        "--like",
        "ml-100k",
        "--users",
        "150",
        "--items",
        "120",
        "--ratings",
        "6000",
        "--seed",
        seed,
        "--format",
        "ml-tab",
        "--out",
        p(out),
        "-q",
    ];
    if let Some((path, fraction)) = test {
        args.extend(["--test-fraction", fraction, "--test-out", p(path)]);
    }
    succeeded(&rustrec(&args));
}

/// Training data of the `top-pop` fixture (ml-tab: user, item, rating, time): item 10 has
/// 3 users (1, 2, 3), item 20 has 2 (2, 3), item 30 has 1 (4), so every user's ranking is
/// fixed: 10, 20, 30 less the user's training items.
pub const TOP_POP_TRAIN: &str =
    "1\t10\t5\t1\n2\t10\t5\t1\n3\t10\t5\t1\n2\t20\t5\t1\n3\t20\t5\t1\n4\t30\t5\t1\n";

/// A `top-pop` model of [`TOP_POP_TRAIN`], fitted and saved in `dir` (as `m.rrm`, with
/// `train.tsv` and `fit_test.tsv` beside it).
pub fn top_pop_model(dir: &Path) -> std::path::PathBuf {
    let train = dir.join("train.tsv");
    let fit_test = dir.join("fit_test.tsv");
    std::fs::write(&train, TOP_POP_TRAIN).unwrap();
    std::fs::write(&fit_test, "2\t30\t5\t1\n").unwrap();
    let model = dir.join("m.rrm");
    succeeded(&rustrec(&[
        "fit",
        "--train",
        p(&train),
        "--test",
        p(&fit_test),
        "--format",
        "ml-tab",
        "--model",
        "top-pop",
        "--out",
        p(&model),
        "-q",
    ]));
    model
}
