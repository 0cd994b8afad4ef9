//! Target `experiment_config`: `ExperimentConfig::from_toml`, `set_key` and `from_value`.
//!
//! Input (UTF-8, lossy): a TOML configuration, optionally followed by a line `---` and
//! override lines `KEY=VALUE` (as `--set KEY=VALUE` gives them; `\n` in a value stands for
//! a line break).
//!
//! Checked: a configuration that parses and can be written back as TOML reads back as the
//! same configuration; an override that succeeds stores a value at its key, and stores the
//! text itself unless the whole text is one TOML value; error messages hold no raw control
//! character.

use rustrec::experiment::{ExperimentConfig, set_key};

/// Runs one input (see the module docs).
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (config, overrides) = match text.split_once("\n---\n") {
        Some((c, o)) => (c, Some(o)),
        None => (&*text, None),
    };

    match ExperimentConfig::from_toml(config) {
        Ok(cfg) => {
            if let Err(e) = cfg.model.check() {
                crate::check::clean_message("model.check", &e.to_string());
            }
            round_trip(&cfg);
        }
        Err(e) => crate::check::clean_message("from_toml", &e.to_string()),
    }

    let Some(overrides) = overrides else {
        return;
    };
    let Ok(mut table) = toml::from_str::<toml::Table>(config) else {
        return;
    };
    for line in overrides.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.replace("\\n", "\n");
        match set_key(&mut table, key, &value) {
            Ok(()) => check_set(&table, key, &value),
            Err(e) => crate::check::clean_message("set_key", &e.to_string()),
        }
    }
    match ExperimentConfig::from_value(table) {
        Ok(cfg) => round_trip(&cfg),
        Err(e) => crate::check::clean_message("from_value", &e.to_string()),
    }
}

/// A configuration written as TOML reads back as itself.
fn round_trip(cfg: &ExperimentConfig) {
    let Ok(written) = toml::to_string(cfg) else {
        return;
    };
    match ExperimentConfig::from_toml(&written) {
        Ok(back) => {
            let (a, b) = (serde_json::to_value(cfg), serde_json::to_value(&back));
            assert_eq!(
                a.as_ref().ok(),
                b.as_ref().ok(),
                "the configuration written as\n{written}\nreads back differently"
            );
        }
        Err(e) => panic!("the configuration written as\n{written}\ndoes not read back: {e}"),
    }
}

/// After `set_key(table, key, value)` succeeded: the key holds a value, which is the text
/// itself unless the text is exactly one TOML value.
fn check_set(table: &toml::Table, key: &str, value: &str) {
    let mut here = table;
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    for part in parts {
        match here.get(part).and_then(toml::Value::as_table) {
            Some(t) => here = t,
            None => panic!("set_key({key:?}) left no table at {part:?}"),
        }
    }
    let Some(stored) = here.get(last) else {
        panic!("set_key({key:?}) stored nothing");
    };
    if stored.as_str() != Some(value) {
        let whole =
            toml::from_str::<toml::Table>(&format!("v = {value}")).is_ok_and(|t| t.len() == 1);
        assert!(
            whole,
            "set_key({key:?}, {value:?}) stored {stored:?}, which is not the whole text"
        );
    }
}
