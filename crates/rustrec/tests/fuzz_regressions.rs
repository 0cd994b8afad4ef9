//! Regressions found by fuzzing the configuration parser (`fuzz/`, target
//! `experiment_config`). Each test is named after the bug and reads the input the fuzzer
//! found (reduced), committed under `tests/fuzz-regressions/`.

use std::path::Path;

use rustrec::experiment::{ExperimentConfig, set_key};

/// Bug: TOML's parse error quotes the offending line of the file, and an ESC byte in it
/// reached the terminal raw ("escape control characters in every message", issue 12).
#[test]
fn parse_error_quotes_control_character_escaped() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions/parse-error-quotes-control-character.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let msg = ExperimentConfig::from_toml(&text).unwrap_err().to_string();
    assert!(!msg.contains('\u{1b}'), "{msg:?}");
    assert!(msg.contains("\\x1b[31m"), "{msg:?}");
    // The message keeps its lines (TOML points at the column under the quoted line).
    assert!(msg.lines().count() > 1, "{msg:?}");
    assert!(!msg.chars().any(|c| c.is_control() && c != '\n'), "{msg:?}");

    // The same for an override given on the command line.
    let mut table = toml::Table::new();
    set_key(&mut table, "data", "1").unwrap();
    let msg = set_key(&mut table, "data.x\u{1b}[2J", "2")
        .unwrap_err()
        .to_string();
    assert!(
        !msg.contains('\u{1b}') && msg.contains("\\x1b[2J"),
        "{msg:?}"
    );
}
