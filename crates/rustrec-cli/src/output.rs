//! Output of a subcommand: human-readable lines, and (with `--json`) one JSON object of
//! named figures.
//!
//! With `--json`, standard output is exactly that one object, so that
//! `rustrec CMD --json | jq` works: every human line goes to standard error instead. Commands
//! print human lines with [`say!`] (or [`human_line`]) and the figures with
//! [`Report::finish`]; nothing else of theirs goes to standard output. The keys are
//! documented in `docs/json.md`.

use std::fmt;
use std::io::Write;

use serde_json::{Map, Value};

/// Prints one human-readable line: to standard output normally, to standard error when
/// `json` is set (standard output then carries only the JSON object).
pub fn human_line(json: bool, line: impl fmt::Display) {
    // A closed pipe (`rustrec ... | head`) is not an error worth a panic.
    if json {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    } else {
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}

/// `say!(json, "format", args...)`: [`human_line`] with `format!` arguments.
macro_rules! say {
    ($json:expr, $($arg:tt)*) => {
        $crate::output::human_line($json, format_args!($($arg)*))
    };
}
pub(crate) use say;

/// Collects the named figures of a run and prints them.
#[derive(Debug, Default)]
pub struct Report {
    figures: Map<String, Value>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a named figure.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> &mut Self {
        self.figures.insert(name.to_string(), value.into());
        self
    }

    /// Adds a float figure rounded to `digits` significant decimals (NaN becomes null).
    pub fn set_f64(&mut self, name: &str, value: f64) -> &mut Self {
        let v = serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.figures.insert(name.to_string(), v);
        self
    }

    /// The figure called `name`, if set.
    #[allow(dead_code)]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.figures.get(name)
    }

    /// Prints the JSON object on one line if `json` is set.
    pub fn finish(&self, json: bool) {
        if json {
            let _ = writeln!(
                std::io::stdout().lock(),
                "{}",
                Value::Object(self.figures.clone())
            );
        }
    }
}
