//! Output of a subcommand: human-readable lines, then (with `--json`) one JSON object of
//! named figures as the last line of standard output.

use serde_json::{Map, Value};

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
            println!("{}", Value::Object(self.figures.clone()));
        }
    }
}
