//! The search space: one table per configuration key, read from a TOML file.
//!
//! ```toml
//! [model.factors]            # the key the value is written to (any dotted config key)
//! type = "int"               # int | float | choice
//! low = 8
//! high = 256                 # inclusive for int and float
//! log = true                 # sample on a log scale (low > 0)
//!
//! [model.lr]
//! type = "float"
//! low = 0.001
//! high = 0.05
//! log = true
//!
//! [model.reg_exponent]
//! type = "float"
//! low = 0.0
//! high = 1.0
//! step = 0.25                # optional: a multiple of step above low (not with log)
//!
//! [model.optimizer]
//! type = "choice"
//! values = [{ kind = "sgd" }, { kind = "adam" }]   # any TOML values
//! ```
//!
//! The grid sampler takes `points` values of a numeric parameter (`points = 5` by default,
//! evenly spaced, on the log scale with `log = true`; an integer range with fewer values
//! takes them all) and every value of a choice.
//!
//! Each parameter also has *internal coordinates*, where the samplers work: the value itself,
//! or its logarithm with `log = true`; an integer range `[low, high]` is `[low − ½, high + ½)`
//! and a value is rounded back (as Optuna does), and a choice is the index of its value.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::experiment::{ExperimentError, Result};

/// What values a parameter takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// Integers in `[low, high]`.
    Int {
        /// Smallest value.
        low: i64,
        /// Largest value.
        high: i64,
        /// Sample on a log scale.
        log: bool,
        /// Only `low + k·step`.
        step: Option<i64>,
    },
    /// Numbers in `[low, high]`.
    Float {
        /// Smallest value.
        low: f64,
        /// Largest value.
        high: f64,
        /// Sample on a log scale.
        log: bool,
        /// Only `low + k·step`.
        step: Option<f64>,
    },
    /// One of these values (as JSON; any TOML value).
    Choice {
        /// The values.
        values: Vec<Value>,
    },
}

/// One parameter of the space.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The dotted configuration key (`model.factors`).
    pub name: String,
    /// Its values.
    pub domain: Domain,
    /// Grid points of a numeric parameter (grid sampler only).
    pub points: usize,
}

/// Default number of grid points of a numeric parameter.
pub const DEFAULT_GRID_POINTS: usize = 5;

/// The search space: parameters in the order of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchSpace {
    /// The parameters.
    pub params: Vec<Param>,
}

fn bad(msg: String) -> ExperimentError {
    ExperimentError::Config(msg)
}

fn as_f64(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// A TOML value as JSON (datetimes become strings).
pub fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// A JSON value as TOML; `None` for `null` (TOML has no null).
pub fn json_to_toml(v: &Value) -> Option<toml::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(a) => toml::Value::Array(a.iter().map(json_to_toml).collect::<Option<_>>()?),
        Value::Object(o) => toml::Value::Table(
            o.iter()
                .map(|(k, v)| Some((k.clone(), json_to_toml(v)?)))
                .collect::<Option<_>>()?,
        ),
    })
}

impl SearchSpace {
    /// Reads a space from TOML text (see the module docs); errors name the parameter and key.
    pub fn from_toml(text: &str) -> Result<Self> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| bad(format!("search space: {e}")))?;
        let mut params = Vec::new();
        collect(&table, "", &mut params)?;
        if params.is_empty() {
            return Err(bad(
                "search space: no parameter; give one table per key, such as [model.factors] \
                 with type = \"int\", low = 8, high = 256"
                    .into(),
            ));
        }
        Ok(SearchSpace { params })
    }

    /// The parameter called `name`.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Whether any parameter changes how data is read or split (`data.*`, `split.*`), so
    /// that trials cannot share one loaded data set.
    pub fn touches_data(&self) -> bool {
        self.params
            .iter()
            .any(|p| p.name.starts_with("data.") || p.name.starts_with("split."))
    }

    /// Checks a trial's parameters against the space (a resumed log made with another space
    /// is refused): every parameter present, in its domain.
    pub fn check_params(&self, params: &serde_json::Map<String, Value>) -> Result<()> {
        for p in &self.params {
            let v = params
                .get(&p.name)
                .ok_or_else(|| bad(format!("no value of {}", p.name)))?;
            if !p.contains(v) {
                return Err(bad(format!(
                    "{} = {v} is outside the space ({})",
                    p.name,
                    p.describe()
                )));
            }
        }
        if let Some(extra) = params.keys().find(|k| self.get(k).is_none()) {
            return Err(bad(format!("{extra} is not a parameter of the space")));
        }
        Ok(())
    }
}

const KEYS: [&str; 7] = ["type", "low", "high", "log", "step", "values", "points"];

/// Walks the tables: a table with a `type` is a parameter named by its path.
fn collect(table: &toml::Table, prefix: &str, out: &mut Vec<Param>) -> Result<()> {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let toml::Value::Table(t) = value else {
            return Err(bad(format!(
                "search space: {name} = {value}: expected a table such as [{name}] with type = \
                 \"int\" | \"float\" | \"choice\""
            )));
        };
        if t.contains_key("type") {
            out.push(parse_param(&name, t)?);
        } else {
            collect(t, &name, out)?;
        }
    }
    Ok(())
}

fn parse_param(name: &str, t: &toml::Table) -> Result<Param> {
    if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(bad(format!(
            "search space: [{name}] has an unknown key {k:?} (known: {})",
            KEYS.join(", ")
        )));
    }
    let kind = t.get("type").and_then(|v| v.as_str()).unwrap_or_default();
    let log = match t.get("log") {
        None => false,
        Some(toml::Value::Boolean(b)) => *b,
        Some(v) => {
            return Err(bad(format!(
                "search space: [{name}] log = {v}: expected true or false"
            )));
        }
    };
    let points = match t.get("points") {
        None => DEFAULT_GRID_POINTS,
        Some(toml::Value::Integer(n)) if *n >= 1 => *n as usize,
        Some(v) => {
            return Err(bad(format!(
                "search space: [{name}] points = {v}: expected an integer ≥ 1"
            )));
        }
    };
    let num = |key: &str| -> Result<f64> {
        let v = t
            .get(key)
            .ok_or_else(|| bad(format!("search space: [{name}] needs {key}")))?;
        as_f64(v).filter(|f| f.is_finite()).ok_or_else(|| {
            bad(format!(
                "search space: [{name}] {key} = {v}: expected a number"
            ))
        })
    };
    let domain = match kind {
        "int" => {
            let int = |key: &str| -> Result<i64> {
                match t.get(key) {
                    Some(toml::Value::Integer(i)) => Ok(*i),
                    Some(v) => Err(bad(format!(
                        "search space: [{name}] {key} = {v}: expected an integer (type = \"int\")"
                    ))),
                    None => Err(bad(format!("search space: [{name}] needs {key}"))),
                }
            };
            let (low, high) = (int("low")?, int("high")?);
            let step = match t.get("step") {
                None => None,
                Some(toml::Value::Integer(s)) if *s >= 1 => Some(*s),
                Some(v) => {
                    return Err(bad(format!(
                        "search space: [{name}] step = {v}: expected an integer ≥ 1"
                    )));
                }
            };
            if low > high {
                return Err(bad(format!(
                    "search space: [{name}] low = {low} > high = {high}"
                )));
            }
            if log && low < 1 {
                return Err(bad(format!(
                    "search space: [{name}] log = true needs low ≥ 1 (low = {low})"
                )));
            }
            if log && step.is_some() {
                return Err(bad(format!(
                    "search space: [{name}] step does not go with log = true"
                )));
            }
            Domain::Int {
                low,
                high,
                log,
                step,
            }
        }
        "float" => {
            let (low, high) = (num("low")?, num("high")?);
            let step = match t.get("step") {
                None => None,
                Some(v) => Some(as_f64(v).filter(|s| *s > 0.0 && s.is_finite()).ok_or_else(
                    || {
                        bad(format!(
                            "search space: [{name}] step = {v}: expected a number > 0"
                        ))
                    },
                )?),
            };
            if low >= high {
                return Err(bad(format!(
                    "search space: [{name}] low = {low} must be below high = {high}"
                )));
            }
            if log && low <= 0.0 {
                return Err(bad(format!(
                    "search space: [{name}] log = true needs low > 0 (low = {low})"
                )));
            }
            if log && step.is_some() {
                return Err(bad(format!(
                    "search space: [{name}] step does not go with log = true"
                )));
            }
            Domain::Float {
                low,
                high,
                log,
                step,
            }
        }
        "choice" => {
            let values = match t.get("values") {
                Some(toml::Value::Array(a)) if !a.is_empty() => {
                    a.iter().map(toml_to_json).collect::<Vec<_>>()
                }
                _ => {
                    return Err(bad(format!(
                        "search space: [{name}] type = \"choice\" needs values = [...] (at least one)"
                    )));
                }
            };
            let distinct: BTreeSet<String> = values.iter().map(|v| v.to_string()).collect();
            if distinct.len() != values.len() {
                return Err(bad(format!("search space: [{name}] values repeat a value")));
            }
            Domain::Choice { values }
        }
        other => {
            return Err(bad(format!(
                "search space: [{name}] type = {other:?}: expected \"int\", \"float\" or \"choice\""
            )));
        }
    };
    Ok(Param {
        name: name.to_string(),
        domain,
        points,
    })
}

impl Param {
    /// The domain in words (for messages and reports).
    pub fn describe(&self) -> String {
        match &self.domain {
            Domain::Int { low, high, log, .. } => {
                format!("int {low}..={high}{}", if *log { ", log" } else { "" })
            }
            Domain::Float { low, high, log, .. } => {
                format!("float {low}..={high}{}", if *log { ", log" } else { "" })
            }
            Domain::Choice { values } => format!(
                "choice of {}",
                values
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Whether values are spaced on a log scale.
    pub fn is_log(&self) -> bool {
        matches!(
            self.domain,
            Domain::Int { log: true, .. } | Domain::Float { log: true, .. }
        )
    }

    /// Whether `v` is a value of the domain.
    pub fn contains(&self, v: &Value) -> bool {
        match &self.domain {
            Domain::Int { low, high, .. } => {
                v.as_i64().is_some_and(|i| (*low..=*high).contains(&i))
            }
            Domain::Float { low, high, .. } => v.as_f64().is_some_and(|f| {
                // Values logged as text may round in the last digit.
                let slack = 1e-12 * (high - low).abs().max(1.0);
                f >= low - slack && f <= high + slack
            }),
            Domain::Choice { values } => values.contains(v),
        }
    }

    /// The internal range `[a, b)` of a numeric parameter, or `[0, n)` of a choice.
    pub fn internal_range(&self) -> (f64, f64) {
        match &self.domain {
            Domain::Int { low, high, log, .. } => {
                let (a, b) = (*low as f64 - 0.5, *high as f64 + 0.5);
                if *log { (a.ln(), b.ln()) } else { (a, b) }
            }
            Domain::Float { low, high, log, .. } => {
                if *log {
                    (low.ln(), high.ln())
                } else {
                    (*low, *high)
                }
            }
            Domain::Choice { values } => (0.0, values.len() as f64),
        }
    }

    /// The value at internal coordinate `x` (clamped into the domain).
    pub fn from_internal(&self, x: f64) -> Value {
        match &self.domain {
            Domain::Int {
                low,
                high,
                log,
                step,
            } => {
                let v = if *log { x.exp() } else { x };
                let mut i = v.round() as i64;
                if let Some(s) = step {
                    i = low + ((i - low) as f64 / *s as f64).round() as i64 * s;
                    while i > *high {
                        i -= s;
                    }
                }
                Value::from(i.clamp(*low, *high))
            }
            Domain::Float {
                low,
                high,
                log,
                step,
            } => {
                let mut v = if *log { x.exp() } else { x };
                if let Some(s) = step {
                    v = low + ((v - low) / s).round() * s;
                    if v > *high {
                        v -= s;
                    }
                }
                let v = v.clamp(*low, *high);
                serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
            }
            Domain::Choice { values } => {
                let k = (x.floor().max(0.0) as usize).min(values.len() - 1);
                values[k].clone()
            }
        }
    }

    /// The internal coordinate of value `v`, if it is one of the domain.
    pub fn to_internal(&self, v: &Value) -> Option<f64> {
        if !self.contains(v) {
            return None;
        }
        let (a, b) = self.internal_range();
        let x = match &self.domain {
            Domain::Int { log, .. } | Domain::Float { log, .. } => {
                let f = v.as_f64()?;
                if *log { f.ln() } else { f }
            }
            Domain::Choice { values } => values.iter().position(|c| c == v)? as f64,
        };
        // `[a, b)`: a value at the upper end of a float range sits just inside.
        Some(x.clamp(a, b - (b - a) * 1e-12))
    }

    /// The grid values (see the module docs).
    pub fn grid(&self) -> Vec<Value> {
        match &self.domain {
            Domain::Choice { values } => values.clone(),
            Domain::Int {
                low, high, step, ..
            } => {
                let s = step.unwrap_or(1);
                let count = ((high - low) / s + 1) as usize;
                if count <= self.points {
                    return (0..count as i64)
                        .map(|k| Value::from(low + k * s))
                        .collect();
                }
                let mut out: Vec<Value> = Vec::new();
                for k in 0..self.points {
                    let x = self.spread(k);
                    let v = self.from_internal(x);
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                out
            }
            Domain::Float { .. } => {
                let mut out: Vec<Value> = Vec::new();
                for k in 0..self.points {
                    let v = self.from_internal(self.spread(k));
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                out
            }
        }
    }

    /// The `k`-th of `points` evenly spaced internal coordinates from the low to the high
    /// value (inclusive).
    fn spread(&self, k: usize) -> f64 {
        let (lo, hi) = match &self.domain {
            Domain::Int { low, high, log, .. } => {
                let (a, b) = (*low as f64, *high as f64);
                if *log { (a.ln(), b.ln()) } else { (a, b) }
            }
            Domain::Float { low, high, log, .. } => {
                if *log {
                    (low.ln(), high.ln())
                } else {
                    (*low, *high)
                }
            }
            Domain::Choice { values } => (0.0, values.len() as f64 - 1.0),
        };
        if self.points <= 1 {
            return (lo + hi) / 2.0;
        }
        lo + (hi - lo) * k as f64 / (self.points - 1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPACE: &str = r#"
        [model.factors]
        type = "int"
        low = 8
        high = 256
        log = true

        [model.lr]
        type = "float"
        low = 0.001
        high = 0.05
        log = true

        [model.optimizer]
        type = "choice"
        values = [{ kind = "sgd" }, { kind = "adam" }]

        ["validation.patience"]
        type = "int"
        low = 2
        high = 4
    "#;

    #[test]
    fn a_space_reads_with_names_from_the_table_paths() {
        let s = SearchSpace::from_toml(SPACE).unwrap();
        let names: Vec<&str> = s.params.iter().map(|p| p.name.as_str()).collect();
        assert!(names.contains(&"model.factors") && names.contains(&"validation.patience"));
        let f = s.get("model.factors").unwrap();
        assert!(f.is_log());
        assert_eq!(f.grid().len(), 5);
        assert_eq!(f.grid()[0], Value::from(8));
        assert_eq!(f.grid()[4], Value::from(256));
        assert_eq!(
            s.get("validation.patience").unwrap().grid(),
            vec![Value::from(2), Value::from(3), Value::from(4)]
        );
        let o = s.get("model.optimizer").unwrap();
        assert_eq!(o.grid().len(), 2);
        assert_eq!(o.grid()[1]["kind"], "adam");
        assert!(!s.touches_data());
    }

    #[test]
    fn internal_coordinates_round_trip_and_stay_in_the_domain() {
        let s = SearchSpace::from_toml(SPACE).unwrap();
        for p in &s.params {
            let (a, b) = p.internal_range();
            for k in 0..=100 {
                let x = a + (b - a) * k as f64 / 100.0;
                let v = p.from_internal(x.min(b - 1e-9));
                assert!(p.contains(&v), "{} {v}", p.name);
                let back = p.to_internal(&v).unwrap();
                assert!(back >= a && back < b, "{} {v} {back}", p.name);
                assert_eq!(p.from_internal(back), v, "{}", p.name);
            }
        }
    }

    #[test]
    fn bad_spaces_are_refused_by_name() {
        for (text, want) in [
            ("[model.factors]\ntype = \"int\"\nlow = 8", "needs high"),
            (
                "[model.factors]\ntype = \"int\"\nlow = 8\nhigh = 4",
                "low = 8 > high = 4",
            ),
            (
                "[model.lr]\ntype = \"float\"\nlow = 0\nhigh = 1\nlog = true",
                "log = true needs low > 0",
            ),
            ("[model.lr]\ntype = \"flot\"\nlow = 0\nhigh = 1", "\"flot\""),
            (
                "[model.lr]\ntype = \"float\"\nlow = 0\nhigh = 1\nlo = 3",
                "unknown key \"lo\"",
            ),
            ("[model.o]\ntype = \"choice\"\nvalues = []", "at least one"),
            (
                "[model.factors]\ntype = \"int\"\nlow = 1.5\nhigh = 4",
                "expected an integer",
            ),
            ("x = 3", "expected a table"),
            ("", "no parameter"),
        ] {
            let e = SearchSpace::from_toml(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn steps_quantize_values() {
        let s = SearchSpace::from_toml(
            "[a]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\nstep = 0.25\n[b]\ntype = \"int\"\nlow = 2\nhigh = 11\nstep = 3",
        )
        .unwrap();
        let a = s.get("a").unwrap();
        assert_eq!(a.from_internal(0.3), Value::from(0.25));
        let b = s.get("b").unwrap();
        assert_eq!(b.from_internal(10.9), Value::from(11));
        assert_eq!(b.from_internal(6.0), Value::from(5));
        assert_eq!(
            b.grid(),
            vec![
                Value::from(2),
                Value::from(5),
                Value::from(8),
                Value::from(11)
            ]
        );
    }

    #[test]
    fn json_and_toml_values_convert_both_ways() {
        let t: toml::Table =
            toml::from_str("v = [1, 2.5, \"x\", {kind = \"adam\"}, true]").unwrap();
        let j = toml_to_json(&t["v"]);
        assert_eq!(json_to_toml(&j).unwrap(), t["v"]);
        assert!(json_to_toml(&Value::Null).is_none());
    }
}
