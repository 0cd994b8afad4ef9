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
//! step = 0.25                # optional: only low, low + step, ..., high (not with log)
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
//! With `step`, `high − low` must be a whole number of steps, so that `high` is a value; the
//! values are `low + k·step` for `k = 0, 1, ..., n` (`low + n·step = high`). A float step's
//! values are computed in whole units of the finest decimal place `low`, `high` and `step` are
//! written with, so each value is the decimal a user would write (`0.3`, not
//! `0.30000000000000004`) and every value appears once. The grid of a stepped parameter (and
//! of an integer one, whose step is 1) takes all its values when there are at most `points`
//! of them, else `points` of them evenly spaced by index, from `low` to `high`.
//!
//! Each parameter also has *internal coordinates*, where the samplers work: the value itself,
//! or its logarithm with `log = true`, and a choice is the index of its value. A stepped range
//! (an integer one has step 1) is widened by half a step at each end, `[low − step/2,
//! high + step/2)`, and a coordinate is rounded to the nearest value (as Optuna does), so that
//! a uniform draw gives every value the same chance — the two ends included.

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

/// A text that two values share when they are equal as numbers, not only as written: an
/// integral float is written as its integer (`4.0` as `4`), inside arrays and tables too.
fn same_number_key(v: &Value) -> String {
    match v {
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (None, None, Some(f)) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                (f as i64).to_string()
            }
            _ => n.to_string(),
        },
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(same_number_key).collect::<Vec<_>>().join(",")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{k:?}:{}", same_number_key(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
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

/// The keys of a numeric parameter (`type = "int"` or `"float"`).
const NUMERIC_KEYS: [&str; 6] = ["type", "low", "high", "log", "step", "points"];
/// The keys of a choice (`type = "choice"`): every value is on the grid, so no `points`.
const CHOICE_KEYS: [&str; 2] = ["type", "values"];
/// Every key of a parameter table.
const KEYS: [&str; 7] = ["type", "low", "high", "log", "step", "values", "points"];

/// The most decimal digits a float step's values may have: they are computed as `i128`
/// units of the finest decimal place (up to 38 digits), with room for their sums.
const MAX_STEP_DIGITS: usize = 37;

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
    let kind = match t.get("type") {
        Some(toml::Value::String(k)) => k.as_str(),
        other => {
            let shown = other.map_or("missing".to_string(), |v| v.to_string());
            return Err(bad(format!(
                "search space: [{name}] type = {shown}: expected \"int\", \"float\" or \"choice\""
            )));
        }
    };
    let allowed: &[&str] = match kind {
        "int" | "float" => &NUMERIC_KEYS,
        "choice" => &CHOICE_KEYS,
        _ => &KEYS,
    };
    if let Some(k) = t.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad(format!(
            "search space: [{name}] type = {kind:?} does not take {k:?} (its keys: {})",
            allowed.join(", ")
        )));
    }
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
            if let Some(s) = step {
                let span = i128::from(high) - i128::from(low);
                let s = i128::from(s);
                if span % s != 0 {
                    let below = i128::from(low) + span / s * s;
                    return Err(not_a_whole_number_of_steps(
                        name,
                        &low.to_string(),
                        &high.to_string(),
                        &s.to_string(),
                        &below.to_string(),
                        &(below + s).to_string(),
                    ));
                }
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
            if let Some(step) = step {
                DecimalSteps::new(name, low, high, step)?;
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
            let mut seen: Vec<(String, &Value)> = Vec::new();
            for v in &values {
                let key = same_number_key(v);
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    let how = if *first == v {
                        String::new()
                    } else {
                        " (the same number written two ways)".to_string()
                    };
                    return Err(bad(format!(
                        "search space: [{name}] values repeat a value: {first} and {v}{how}; \
                         give each value once"
                    )));
                }
                seen.push((key, v));
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

/// The error of a stepped range whose `high` is not `low` plus a whole number of steps.
fn not_a_whole_number_of_steps(
    name: &str,
    low: &str,
    high: &str,
    step: &str,
    below: &str,
    above: &str,
) -> ExperimentError {
    bad(format!(
        "search space: [{name}] step = {step} does not divide high − low (low = {low}, high = \
         {high}): the values low + k·step would never reach high; give high = {below} or \
         {above}, or a step that divides high − low"
    ))
}

/// A stepped float range in exact decimal arithmetic: its values `low + k·step`
/// (`k = 0..=n`) are whole numbers of units of `10^−places`, the finest decimal place of
/// `low`, `high` and `step` as written, and each value is the `f64` nearest that decimal —
/// what parsing the decimal a user would write gives (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
struct DecimalSteps {
    /// `low` in units.
    low: i128,
    /// `step` in units (≥ 1).
    step: i128,
    /// Steps from `low` to `high`: the values are `k = 0..=n`.
    n: u64,
    /// Decimal places of a unit.
    places: usize,
}

/// Decimal places of `x` written as its shortest round-trip decimal (`0.1` → 1, `3` → 0).
fn decimal_places(x: f64) -> usize {
    // `Display` of an `f64` is the shortest decimal that reads back as `x`, never in
    // exponent notation.
    format!("{x}").split_once('.').map_or(0, |(_, f)| f.len())
}

/// `x` (written as its shortest decimal) in units of `10^−places`, if it has at most
/// `places` decimals and fits in [`MAX_STEP_DIGITS`] digits.
fn to_units(x: f64, places: usize) -> Option<i128> {
    let text = format!("{}", x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let pad = places.checked_sub(frac.len())?;
    let digits = format!("{int}{frac}{}", "0".repeat(pad));
    let digits = digits.trim_start_matches('0');
    if digits.len() > MAX_STEP_DIGITS {
        return None;
    }
    let units: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    Some(if x < 0.0 { -units } else { units })
}

/// The `f64` nearest `units · 10^−places`: the decimal's text, parsed (correctly rounded).
fn from_units(units: i128, places: usize) -> f64 {
    let digits = format!("{:0>width$}", units.unsigned_abs(), width = places + 1);
    let (int, frac) = digits.split_at(digits.len() - places);
    let sign = if units < 0 { "-" } else { "" };
    // Digits with at most one point always parse.
    format!("{sign}{int}.{frac}0").parse().unwrap_or(f64::NAN)
}

impl DecimalSteps {
    /// The steps of `[low, high]` by `step`; refused, naming the parameter, when `high` is
    /// not `low` plus a whole number of steps or the values need too many digits.
    fn new(name: &str, low: f64, high: f64, step: f64) -> Result<Self> {
        let places = decimal_places(low)
            .max(decimal_places(high))
            .max(decimal_places(step));
        let (Some(lo), Some(hi), Some(st)) = (
            to_units(low, places),
            to_units(high, places),
            to_units(step, places),
        ) else {
            return Err(bad(format!(
                "search space: [{name}] low = {low}, high = {high}, step = {step}: too many \
                 digits to step exactly (at most {MAX_STEP_DIGITS} digits from the largest \
                 value to the finest decimal place)"
            )));
        };
        let span = hi - lo;
        if st <= 0 || span % st != 0 {
            let below = lo + span / st.max(1) * st;
            return Err(not_a_whole_number_of_steps(
                name,
                &low.to_string(),
                &high.to_string(),
                &step.to_string(),
                &from_units(below, places).to_string(),
                &from_units(below + st, places).to_string(),
            ));
        }
        Ok(DecimalSteps {
            low: lo,
            step: st,
            n: u64::try_from(span / st).unwrap_or(u64::MAX),
            places,
        })
    }

    /// The `k`-th value, `k ≤ n`.
    fn value(&self, k: u64) -> f64 {
        from_units(self.low + i128::from(k) * self.step, self.places)
    }
}

/// The index of `points` indices spread evenly over `0..=n` (rounded half up), or the
/// middle one when `points` is 1.
fn spread_index(j: usize, points: usize, n: u64) -> u64 {
    if points <= 1 {
        return n.div_ceil(2);
    }
    let (j, d) = (j as u128, (points - 1) as u128);
    ((2 * j * u128::from(n) + d) / (2 * d)) as u64
}

/// The values of a stepped parameter (see [`Param::steps`]).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Steps {
    /// `low + k·step`, `k = 0..=n`, for an integer range.
    Int {
        /// Smallest value.
        low: i64,
        /// The step (1 without `step`).
        step: i64,
        /// Steps from low to high.
        n: u64,
    },
    /// A float range with `step`.
    Float(DecimalSteps, f64),
}

impl Steps {
    /// Steps from low to high: the values are `k = 0..=n`.
    fn n(&self) -> u64 {
        match self {
            Steps::Int { n, .. } => *n,
            Steps::Float(d, _) => d.n,
        }
    }

    /// The lowest value and the step, as numbers.
    fn low_and_step(&self) -> (f64, f64) {
        match self {
            Steps::Int { low, step, .. } => (*low as f64, *step as f64),
            Steps::Float(d, step) => (d.value(0), *step),
        }
    }

    /// The `k`-th value (`k ≤ n`).
    fn value(&self, k: u64) -> Value {
        match self {
            Steps::Int { low, step, .. } => Value::from(low + k as i64 * step),
            Steps::Float(d, _) => {
                serde_json::Number::from_f64(d.value(k)).map_or(Value::Null, Value::Number)
            }
        }
    }

    /// The index of the value nearest `x` (clamped to `0..=n`).
    fn nearest(&self, x: f64) -> u64 {
        let (low, step) = self.low_and_step();
        let k = ((x - low) / step).round();
        if k >= 0.0 {
            (k as u64).min(self.n())
        } else {
            0
        }
    }

    /// The internal range: half a step beyond each end.
    fn internal_range(&self) -> (f64, f64) {
        let (low, step) = self.low_and_step();
        let high = self.value(self.n()).as_f64().unwrap_or(low);
        (low - step / 2.0, high + step / 2.0)
    }
}

impl Param {
    /// The domain in words (for messages and reports).
    pub fn describe(&self) -> String {
        let scale = |log: bool, step: Option<String>| match (log, step) {
            (true, _) => ", log".to_string(),
            (false, Some(s)) => format!(", step {s}"),
            (false, None) => String::new(),
        };
        match &self.domain {
            Domain::Int {
                low,
                high,
                log,
                step,
            } => format!(
                "int {low}..={high}{}",
                scale(*log, step.map(|s| s.to_string()))
            ),
            Domain::Float {
                low,
                high,
                log,
                step,
            } => format!(
                "float {low}..={high}{}",
                scale(*log, step.map(|s| s.to_string()))
            ),
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

    /// The values a space is checked with before any trial: every value of a choice, the
    /// two ends of a numeric range (a configuration's ranges are intervals, so the values
    /// between the ends are valid when the ends are).
    pub fn checked_values(&self) -> Vec<Value> {
        match &self.domain {
            Domain::Choice { values } => values.clone(),
            Domain::Int { low, high, .. } => {
                let mut ends = vec![Value::from(*low)];
                if high != low {
                    ends.push(Value::from(*high));
                }
                ends
            }
            Domain::Float { low, high, .. } => [*low, *high]
                .into_iter()
                .filter_map(serde_json::Number::from_f64)
                .map(Value::Number)
                .collect(),
        }
    }

    /// Whether values are spaced on a log scale.
    pub fn is_log(&self) -> bool {
        matches!(
            self.domain,
            Domain::Int { log: true, .. } | Domain::Float { log: true, .. }
        )
    }

    /// The values of a stepped parameter: an integer range without `log = true` (step 1
    /// unless given) or a float range with `step`. `None` for the others, and for a float
    /// domain made without [`SearchSpace::from_toml`] whose step it would have refused.
    fn steps(&self) -> Option<Steps> {
        match &self.domain {
            Domain::Int {
                low,
                high,
                log: false,
                step,
            } => {
                let step = step.unwrap_or(1).max(1);
                let n = (i128::from(*high) - i128::from(*low)) / i128::from(step);
                Some(Steps::Int {
                    low: *low,
                    step,
                    n: u64::try_from(n).unwrap_or(0),
                })
            }
            Domain::Float {
                low,
                high,
                log: false,
                step: Some(step),
            } => DecimalSteps::new("", *low, *high, *step)
                .ok()
                .map(|d| Steps::Float(d, *step)),
            _ => None,
        }
    }

    /// Whether `v` is a value of the domain (with a step: one of its values).
    pub fn contains(&self, v: &Value) -> bool {
        match &self.domain {
            Domain::Int { low, high, .. } => v.as_i64().is_some_and(|i| {
                (*low..=*high).contains(&i)
                    && match self.steps() {
                        Some(Steps::Int { low, step, .. }) => {
                            (i128::from(i) - i128::from(low)) % i128::from(step) == 0
                        }
                        _ => true,
                    }
            }),
            Domain::Float { low, high, .. } => v.as_f64().is_some_and(|f| {
                // Values logged by an older version may differ in the last digits.
                let slack = 1e-12 * (high - low).abs().max(1.0);
                let on_step = |s: Steps| {
                    let (_, step) = s.low_and_step();
                    let nearest = s.value(s.nearest(f)).as_f64().unwrap_or(f64::NAN);
                    (nearest - f).abs() <= 1e-9 * step
                };
                f >= low - slack && f <= high + slack && self.steps().is_none_or(on_step)
            }),
            Domain::Choice { values } => values.contains(v),
        }
    }

    /// The internal range `[a, b)` of a numeric parameter, or `[0, n)` of a choice.
    pub fn internal_range(&self) -> (f64, f64) {
        if let Some(s) = self.steps() {
            return s.internal_range();
        }
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

    /// The value at internal coordinate `x` (the nearest value of a stepped range; clamped
    /// into the domain).
    pub fn from_internal(&self, x: f64) -> Value {
        if let Some(s) = self.steps() {
            return s.value(s.nearest(x));
        }
        match &self.domain {
            Domain::Int { low, high, log, .. } => {
                let v = if *log { x.exp() } else { x };
                Value::from((v.round() as i64).clamp(*low, *high))
            }
            Domain::Float { low, high, log, .. } => {
                let v = if *log { x.exp() } else { x };
                serde_json::Number::from_f64(v.clamp(*low, *high))
                    .map_or(Value::Null, Value::Number)
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

    /// The grid values (see the module docs), each once.
    pub fn grid(&self) -> Vec<Value> {
        if let Domain::Choice { values } = &self.domain {
            return values.clone();
        }
        if let Some(s) = self.steps() {
            let n = s.n();
            if n < self.points as u64 {
                return (0..=n).map(|k| s.value(k)).collect();
            }
            return (0..self.points)
                .map(|j| s.value(spread_index(j, self.points, n)))
                .collect();
        }
        if let Domain::Int { low, high, .. } = &self.domain
            && high - low < self.points as i64
        {
            return (*low..=*high).map(Value::from).collect();
        }
        let mut out: Vec<Value> = Vec::new();
        for k in 0..self.points {
            let v = self.spread_value(k);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }

    /// The `k`-th of `points` values evenly spaced in internal coordinates from the low to
    /// the high value; the ends are `low` and `high` exactly.
    fn spread_value(&self, k: usize) -> Value {
        let (low, high) = match &self.domain {
            Domain::Int { low, high, .. } => (Value::from(*low), Value::from(*high)),
            Domain::Float { low, high, .. } => (
                serde_json::Number::from_f64(*low).map_or(Value::Null, Value::Number),
                serde_json::Number::from_f64(*high).map_or(Value::Null, Value::Number),
            ),
            Domain::Choice { values } => return values[k.min(values.len() - 1)].clone(),
        };
        if self.points > 1 && k == 0 {
            return low;
        }
        if self.points > 1 && k == self.points - 1 {
            return high;
        }
        let (lo, hi) = match (low.as_f64(), high.as_f64()) {
            (Some(l), Some(h)) if self.is_log() => (l.ln(), h.ln()),
            (Some(l), Some(h)) => (l, h),
            _ => return Value::Null,
        };
        let x = if self.points <= 1 {
            (lo + hi) / 2.0
        } else {
            lo + (hi - lo) * k as f64 / (self.points - 1) as f64
        };
        self.from_internal(x)
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
        assert!(b.contains(&Value::from(5)) && !b.contains(&Value::from(6)));
        assert_eq!(b.internal_range(), (0.5, 12.5));
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

    fn floats(values: &[Value]) -> Vec<f64> {
        values.iter().map(|v| v.as_f64().unwrap()).collect()
    }

    /// Regression: `low + k·step` in binary went past `high` by float noise, so `high` was
    /// never a value, the step below it came twice (`0.6` and `0.6000000000000001`), and
    /// values carried noise (`0.30000000000000004`).
    #[test]
    fn float_steps_give_each_value_once_as_written_high_included() {
        let space = |low: &str, high: &str, step: &str, points: usize| {
            SearchSpace::from_toml(&format!(
                "[x]\ntype = \"float\"\nlow = {low}\nhigh = {high}\nstep = {step}\npoints = {points}"
            ))
            .unwrap()
            .params[0]
                .clone()
        };
        let p = space("0.1", "0.7", "0.1", 7);
        assert_eq!(floats(&p.grid()), vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
        let p = space("0.001", "0.01", "0.003", 5);
        assert_eq!(floats(&p.grid()), vec![0.001, 0.004, 0.007, 0.01]);
        let p = space("-0.3", "0.3", "0.15", 5);
        assert_eq!(floats(&p.grid()), vec![-0.3, -0.15, 0.0, 0.15, 0.3]);
        // Fewer points than values: evenly spaced by index, both ends included.
        let p = space("0.1", "0.7", "0.1", 5);
        assert_eq!(floats(&p.grid()), vec![0.1, 0.3, 0.4, 0.6, 0.7]);
        // Any coordinate maps to one of the values, as written.
        let p = space("0.1", "0.7", "0.1", 7);
        let grid = p.grid();
        let (a, b) = p.internal_range();
        for k in 0..=1000 {
            let x = a + (b - a) * k as f64 / 1000.0;
            let v = p.from_internal(x.min(b - 1e-12));
            assert!(grid.contains(&v), "{x} → {v}");
            assert_eq!(p.from_internal(p.to_internal(&v).unwrap()), v);
        }
        assert_eq!(p.from_internal(b - 1e-12), Value::from(0.7));
        assert_eq!(p.from_internal(0.3), Value::from(0.3));
        assert!(p.contains(&Value::from(0.3)) && !p.contains(&Value::from(0.35)));
        assert_eq!(p.describe(), "float 0.1..=0.7, step 0.1");
    }

    /// Regression: the internal range of a stepped float was `[low, high]`, so a uniform
    /// draw gave each end half the chance of an inner value (and `high` none at all).
    #[test]
    fn uniform_draws_give_every_step_value_the_same_chance() {
        use rand::SeedableRng;
        let s = SearchSpace::from_toml(
            "[x]\ntype = \"float\"\nlow = 0.1\nhigh = 0.7\nstep = 0.1\n\
             [n]\ntype = \"int\"\nlow = 2\nhigh = 11\nstep = 3",
        )
        .unwrap();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let draws = 28_000;
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for _ in 0..draws {
            let p = crate::tune::samplers::random_params(&s, &mut rng);
            for (k, v) in p {
                *counts.entry(format!("{k}={v}")).or_default() += 1;
            }
        }
        let want: Vec<String> = ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]
            .iter()
            .map(|v| format!("x={v}"))
            .chain([2, 5, 8, 11].iter().map(|v| format!("n={v}")))
            .collect();
        assert_eq!(counts.keys().cloned().collect::<Vec<_>>(), {
            let mut w = want.clone();
            w.sort();
            w
        });
        for (k, c) in &counts {
            let expected = if k.starts_with("x=") {
                draws / 7
            } else {
                draws / 4
            };
            let off = (*c as f64 - expected as f64).abs() / expected as f64;
            assert!(off < 0.05, "{k}: {c} draws, expected about {expected}");
        }
    }

    #[test]
    fn a_step_that_does_not_reach_high_is_refused_with_the_nearest_highs() {
        for (text, want) in [
            (
                "[x]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\nstep = 0.3",
                "[x] step = 0.3 does not divide high − low (low = 0, high = 1)",
            ),
            (
                "[x]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\nstep = 0.3",
                "high = 0.9 or 1.2",
            ),
            (
                "[n]\ntype = \"int\"\nlow = 2\nhigh = 12\nstep = 3",
                "high = 11 or 14",
            ),
            (
                "[x]\ntype = \"float\"\nlow = 0.1\nhigh = 1e30\nstep = 1e-20",
                "too many digits",
            ),
        ] {
            let e = SearchSpace::from_toml(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    /// Regression: `values` on a numeric parameter (and `points` on a choice) was ignored.
    #[test]
    fn keys_a_parameter_type_does_not_take_are_refused_by_name() {
        for (text, want) in [
            (
                "[model.factors]\ntype = \"int\"\nlow = 2\nhigh = 8\nvalues = [2, 4]",
                "[model.factors] type = \"int\" does not take \"values\" (its keys: type, low, \
                 high, log, step, points)",
            ),
            (
                "[model.lr]\ntype = \"float\"\nlow = 0.1\nhigh = 0.2\nvalues = [0.1]",
                "[model.lr] type = \"float\" does not take \"values\"",
            ),
            (
                "[model.o]\ntype = \"choice\"\nvalues = [1, 2]\npoints = 3",
                "[model.o] type = \"choice\" does not take \"points\" (its keys: type, values)",
            ),
            (
                "[model.o]\ntype = \"choice\"\nvalues = [1, 2]\nlow = 1",
                "does not take \"low\"",
            ),
            (
                "[model.o]\ntype = 3\nvalues = [1, 2]",
                "[model.o] type = 3: expected",
            ),
        ] {
            let e = SearchSpace::from_toml(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    /// Regression: a choice of `4` and `4.0` (or `[1, 2]` and `[1.0, 2]`) was taken as two
    /// values, since their JSON texts differ.
    #[test]
    fn a_choice_of_the_same_number_written_two_ways_is_refused() {
        for (values, want) in [
            (
                "[4, 4.0]",
                "values repeat a value: 4 and 4.0 (the same number written two ways)",
            ),
            (
                "[0.5, 1, 1]",
                "values repeat a value: 1 and 1; give each value once",
            ),
            (
                "[[1, 2], [1.0, 2]]",
                "values repeat a value: [1,2] and [1.0,2]",
            ),
            (
                "[{ kind = \"sgd\", lr = 1 }, { kind = \"sgd\", lr = 1.0 }]",
                "the same number written two ways",
            ),
        ] {
            let text = format!("[model.x]\ntype = \"choice\"\nvalues = {values}");
            let e = SearchSpace::from_toml(&text).unwrap_err().to_string();
            assert!(
                e.contains("[model.x] values repeat a value") && e.contains(want),
                "{values}: {e}"
            );
        }
        // Different numbers, and a number beside a string, stay distinct.
        for values in [
            "[4, 4.5]",
            "[4, \"4\"]",
            "[9007199254740993, 9007199254740992]",
        ] {
            let text = format!("[model.x]\ntype = \"choice\"\nvalues = {values}");
            assert!(SearchSpace::from_toml(&text).is_ok(), "{values}");
        }
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
