//! The fuzz corpus, run by the normal test suite: every committed input of every cargo-fuzz
//! target (`fuzz/corpus/TARGET/*`, seeds and the crashes found so far) goes through the
//! same harness the fuzzer runs — the harness files of `fuzz/src` are compiled in here
//! with `#[path]` — so the corpus stays meaningful, and every crash stays fixed, without
//! cargo-fuzz or a nightly toolchain. See `fuzz/README.md`.

#[path = "../../../fuzz/src/check.rs"]
mod check;
#[path = "../../../fuzz/src/experiment_config.rs"]
mod experiment_config;
#[path = "../../../fuzz/src/history.rs"]
mod history;
#[path = "../../../fuzz/src/item_files.rs"]
mod item_files;
#[path = "../../../fuzz/src/model_file.rs"]
mod model_file;
#[path = "../../../fuzz/src/ratings.rs"]
mod ratings;
#[path = "../../../fuzz/src/scratch.rs"]
mod scratch;

use std::path::{Path, PathBuf};

/// The committed inputs of `target`, sorted.
fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no corpus", dir.display());
    files
}

/// Runs every input of `target` through `harness`, naming the input that fails.
fn replay(target: &str, harness: fn(&[u8])) {
    for path in corpus(target) {
        let bytes = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| harness(&bytes));
        assert!(
            outcome.is_ok(),
            "fuzz/corpus/{target}: {} fails",
            path.display()
        );
    }
}

#[test]
fn corpus_ratings() {
    replay("ratings", ratings::run);
}

#[test]
fn corpus_item_files() {
    replay("item_files", item_files::run);
}

#[test]
fn corpus_model_file() {
    replay("model_file", model_file::run_bytes);
}

#[test]
fn corpus_model_file_structured() {
    replay("model_file_structured", model_file::run_structured);
}

#[test]
fn corpus_experiment_config() {
    replay("experiment_config", experiment_config::run);
}

#[test]
fn corpus_history() {
    replay("history", history::run);
}
