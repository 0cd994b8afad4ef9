//! The experiment configuration: what a `rustrec fit --config FILE.toml` file holds.
//!
//! ```toml
//! [data]                      # one file and a [split], two files, or synthetic data
//! ratings = "ratings.dat"     # or: train = "ua.base" and test = "ua.test"
//! format = "auto"             # auto | ml-tab | ml-dat | ml-csv | csv | tsv
//! implicit_threshold = 4.0    # optional: values ≥ 4 become positives (1), others dropped
//!
//! [split]                     # used with `ratings` or `synthetic`
//! kind = "holdout"            # holdout | leave-k-out | temporal
//! test_fraction = 0.1
//! seed = 42
//!
//! [validation]                # carved from train, never from test
//! fraction = 0.05             # or k = 10: per-user leave-10-out
//! patience = 3
//!
//! [model]
//! kind = "mf"                 # the remaining keys are the model's parameters
//! factors = 40
//!
//! [train]
//! seed = 42
//! threads = 2
//!
//! [eval]
//! cutoffs = [5, 10, 20]
//! ```
//! Relative data paths are resolved against the data directory given at run time
//! (`--data-dir`), or the current directory.

use std::path::PathBuf;

use rustrec_data::DuplicatePolicy;
use rustrec_data::split::LeaveOut;
use rustrec_models::ModelSpec;
use serde::{Deserialize, Serialize};

use super::error::{ExperimentError, Result};

/// A whole experiment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExperimentConfig {
    /// A short name, shown in outputs.
    pub name: Option<String>,
    /// What the experiment is for.
    pub description: Option<String>,
    /// Where the data comes from.
    pub data: DataConfig,
    /// How one data file is split into train and test.
    pub split: Option<SplitConfig>,
    /// The validation set carved from train, and early stopping on it.
    pub validation: Option<ValidationConfig>,
    /// The model and its parameters.
    pub model: ModelSpec,
    /// Seed and threads.
    pub train: TrainConfig,
    /// How the model is evaluated on test.
    pub eval: EvalConfig,
}

/// Where the data comes from: one of `ratings` (with a split), `train` + `test`, or
/// `synthetic`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// One rating file, split by `[split]`.
    pub ratings: Option<PathBuf>,
    /// A predefined training file (with `test`).
    pub train: Option<PathBuf>,
    /// A predefined test file (with `train`).
    pub test: Option<PathBuf>,
    /// File format: `auto`, `ml-tab`, `ml-dat`, `ml-csv`, `csv`, `tsv`.
    pub format: Option<String>,
    /// Values ≥ this become positives (value 1); the others are dropped.
    pub implicit_threshold: Option<f32>,
    /// What to do with repeated (user, item) pairs.
    pub duplicates: DuplicatePolicy,
    /// Skip malformed rows (counted) instead of failing.
    pub skip_bad_rows: bool,
    /// Allowed rating range `[lo, hi]`.
    pub rating_scale: Option<[f32; 2]>,
    /// Built-in synthetic data instead of files.
    pub synthetic: Option<SyntheticConfig>,
    /// Item content (a MovieLens item file: `u.item`, `movies.dat`, `movies.csv`) for the
    /// models that use it (`fit --item-file`); it replaces the model's own item file.
    pub item_file: Option<PathBuf>,
}

/// Synthetic MovieLens-shaped data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticConfig {
    /// Preset shape: `ml-100k`, `ml-1m`, `ml-10m`, `ml-20m`, `netflix`.
    pub like: String,
    /// Generator seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

/// How one data set becomes train and test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SplitConfig {
    /// A global random holdout of `test_fraction` of the interactions.
    Holdout {
        /// Fraction of interactions in test.
        test_fraction: f64,
        /// Seed.
        #[serde(default = "default_seed")]
        seed: u64,
    },
    /// `k` interactions per user go to test (users with ≤ k stay in train).
    LeaveKOut {
        /// Interactions per user in test.
        k: usize,
        /// Which ones: `random` or `latest`.
        #[serde(default = "default_leave_out")]
        which: LeaveOut,
        /// Seed.
        #[serde(default = "default_seed")]
        seed: u64,
    },
    /// The latest `test_fraction` of interactions by timestamp go to test.
    Temporal {
        /// Fraction of interactions in test.
        test_fraction: f64,
    },
}

/// A validation set carved from the training data (a random holdout of `fraction`, or with
/// `k` a per-user leave-k-out), used for early stopping and model selection; the test set is
/// never touched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValidationConfig {
    /// Fraction of the training interactions held out for validation (unused with `k`).
    /// A `[validation]` table gives this or `k`: one with neither is refused rather than
    /// read as the default's 10% (see [`ExperimentConfig::from_value`]).
    pub fraction: f64,
    /// Per-user leave-k-out instead of the global holdout: every user with more than `k`
    /// training interactions has `k` random ones held out (the counterpart of a
    /// leave-k-out `[split]`).
    pub k: Option<usize>,
    /// Seed of the validation holdout.
    pub seed: u64,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Return the best epoch's model (otherwise the last one).
    pub restore_best: bool,
    /// Smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Metric watched: `rmse` for rating models, a ranking metric such as `ndcg@10` for
    /// ranking models (the default for each task).
    pub metric: Option<String>,
    /// After early stopping, train again on all the training data for the best epoch count.
    pub refit: bool,
}

impl Default for ValidationConfig {
    fn default() -> Self {
        ValidationConfig {
            fraction: 0.1,
            k: None,
            seed: 7,
            patience: 3,
            restore_best: true,
            min_delta: 0.0,
            metric: None,
            refit: false,
        }
    }
}

/// Run-wide training settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Seed of every random choice in training.
    pub seed: u64,
    /// Worker threads (0 = one per core; at most [`rustrec_core::MAX_THREADS`]). Results do
    /// not depend on it.
    pub threads: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            seed: 42,
            threads: 0,
        }
    }
}

/// How the model is evaluated on test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    /// Ranking cutoffs.
    pub cutoffs: Vec<usize>,
    /// Rating metrics (RMSE, MAE); default: for rating models.
    pub rating: Option<bool>,
    /// Ranking metrics; default: for ranking models.
    pub ranking: Option<bool>,
    /// Ranking protocol: `full` (every item ranked) or `sampled` (each test item against
    /// `negatives` sampled unseen items).
    pub protocol: String,
    /// Negatives per test item in the sampled protocol.
    pub negatives: usize,
    /// Seed of the sampled protocol's negative draws (default [`EvalConfig::DEFAULT_SEED`]);
    /// only for `protocol = "sampled"` (the full protocol draws nothing, so a seed given
    /// with it is refused). Absent from saved configs that do not set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Remove test rows whose user or item has no training data before evaluating.
    pub drop_cold: bool,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            cutoffs: vec![5, 10, 20],
            rating: None,
            ranking: None,
            protocol: "full".into(),
            negatives: 100,
            seed: None,
            drop_cold: false,
        }
    }
}

impl EvalConfig {
    /// The sampled protocol's seed when `eval.seed` is not set (the seed every sampled
    /// figure used before the key existed).
    pub const DEFAULT_SEED: u64 = 1;

    /// The seed of the sampled protocol's negative draws: `eval.seed`, or
    /// [`EvalConfig::DEFAULT_SEED`].
    pub fn sampling_seed(&self) -> u64 {
        self.seed.unwrap_or(Self::DEFAULT_SEED)
    }

    /// Refuses, naming the key and its value, a seed the protocol would not use and a seed
    /// a TOML file (so a saved model's config) cannot hold.
    fn check(&self) -> Result<()> {
        let Some(seed) = self.seed else {
            return Ok(());
        };
        if self.protocol != "sampled" {
            return Err(ExperimentError::Config(format!(
                "eval.seed = {seed}: only the sampled protocol draws at random, and \
                 eval.protocol = {:?}; set eval.protocol = \"sampled\" or leave out eval.seed",
                self.protocol
            )));
        }
        if seed > i64::MAX as u64 {
            return Err(ExperimentError::Config(format!(
                "eval.seed = {seed}: expected a whole number from 0 to {}",
                i64::MAX
            )));
        }
        Ok(())
    }
}

fn default_seed() -> u64 {
    42
}

fn default_leave_out() -> LeaveOut {
    LeaveOut::Random
}

impl ExperimentConfig {
    /// Parses a TOML configuration.
    pub fn from_toml(text: &str) -> Result<Self> {
        Self::from_value(toml::from_str(text).map_err(|e| ExperimentError::Config(e.to_string()))?)
    }

    /// Builds a configuration from a TOML value tree (after overrides). A non-finite number
    /// (TOML's `nan`, `inf`) is refused naming its key: no setting takes one. A
    /// `[validation]` must choose its rows with exactly one of `fraction` and `k`: one with
    /// neither (only `patience = 3`, say) is refused, not given 10% of train unasked.
    pub fn from_value(value: toml::Table) -> Result<Self> {
        refuse_non_finite(&value, "")?;
        let both = value
            .get("validation")
            .and_then(toml::Value::as_table)
            .and_then(|v| Some((v.get("fraction")?, v.get("k")?)));
        if let Some((fraction, k)) = both {
            return Err(ExperimentError::Config(format!(
                "validation.fraction = {fraction} and validation.k = {k} both choose the \
                 validation rows (a fraction of train, or k rows per user); give one"
            )));
        }
        // Which rows validation holds out is the table's choice, made with `fraction` or
        // `k`; checked after its values, so that a bad one is named first.
        let chooses_no_rows = value
            .get("validation")
            .and_then(toml::Value::as_table)
            .filter(|v| !v.contains_key("fraction") && !v.contains_key("k"))
            .map(|v| v.keys().cloned().collect::<Vec<_>>());
        let cfg = Self::deserialize(value).map_err(|e| ExperimentError::Config(e.to_string()))?;
        if let Some(v) = &cfg.validation {
            v.check()?;
        }
        if let Some(keys) = chooses_no_rows {
            return Err(ExperimentError::Config(format!(
                "[validation] ({}) chooses no validation rows; give validation.fraction (a \
                 fraction of train, such as 0.1 for 10%) or validation.k (rows held out per \
                 user), or leave out [validation]",
                match keys.as_slice() {
                    [] => "empty".to_string(),
                    keys => format!("with only {}", keys.join(", ")),
                }
            )));
        }
        cfg.eval.check()?;
        Ok(cfg)
    }
}

impl ValidationConfig {
    /// Refuses, naming the key and its value, the settings that would make no validation
    /// set or make early stopping meaningless.
    fn check(&self) -> Result<()> {
        let bad = |m: String| Err(ExperimentError::Config(m));
        match self.k {
            Some(0) => {
                bad("validation.k = 0: expected at least 1 (validation rows per user)".to_string())
            }
            None if !(self.fraction > 0.0 && self.fraction < 1.0) => bad(format!(
                "validation.fraction = {}: expected a fraction strictly between 0 and 1, such \
                 as 0.1 for 10% of train",
                self.fraction
            )),
            _ if self.min_delta < 0.0 => bad(format!(
                "validation.min_delta = {}: expected 0 or more (how much the validation metric \
                 must improve for an epoch to count as better)",
                self.min_delta
            )),
            _ => Ok(()),
        }
    }
}

/// The first float in `table` (keys below `prefix`) that is not finite or that a 32-bit
/// float, which the models compute in, cannot hold (it would turn into infinity or 0), as
/// an error naming its key.
fn refuse_non_finite(table: &toml::Table, prefix: &str) -> Result<()> {
    fn check(value: &toml::Value, key: &str) -> Result<()> {
        match value {
            toml::Value::Float(f) if !f.is_finite() => Err(ExperimentError::Config(format!(
                "{key} = {f}: expected a finite number"
            ))),
            toml::Value::Float(f) if !fits_f32(*f) => Err(ExperimentError::Config(format!(
                "{key} = {f:e}: outside the range of the models' 32-bit numbers; give 0 or a \
                 magnitude from {:e} to {:e}",
                f32::MIN_POSITIVE,
                f32::MAX
            ))),
            toml::Value::Table(t) => refuse_non_finite(t, key),
            toml::Value::Array(items) => {
                (items.iter().enumerate()).try_for_each(|(i, v)| check(v, &format!("{key}[{i}]")))
            }
            _ => Ok(()),
        }
    }
    table.iter().try_for_each(|(k, v)| match prefix {
        "" => check(v, k),
        _ => check(v, &format!("{prefix}.{k}")),
    })
}

/// Whether `f` keeps its meaning as an `f32`: 0, or a normal 32-bit magnitude.
fn fits_f32(f: f64) -> bool {
    f == 0.0 || (f64::from(f32::MIN_POSITIVE)..=f64::from(f32::MAX)).contains(&f.abs())
}

/// Sets `key` (a dotted path such as `model.factors`) in a TOML table to `value`, parsed as
/// a TOML value when it is one (`40`, `0.01`, `true`, `[5, 10]`, `"text"`) and taken as a
/// string otherwise — how command-line options override a configuration's keys.
pub fn set_key(table: &mut toml::Table, key: &str, value: &str) -> Result<()> {
    let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"));
    let parsed = match parsed {
        Some(toml::Value::Float(f)) if !f.is_finite() && looks_numeric(value) => {
            return Err(out_of_range(key, value));
        }
        Some(v) => v,
        // Text that reads as a number but not as a TOML one is out of range, not a string.
        None if looks_numeric(value) => return Err(out_of_range(key, value)),
        None => toml::Value::String(value.to_string()),
    };
    set_value(table, key, parsed)
}

/// Whether `text` is written like a number (`12`, `-3.5`, `1e400`).
fn looks_numeric(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E' | '_'))
}

fn out_of_range(key: &str, value: &str) -> ExperimentError {
    ExperimentError::Config(format!(
        "{key} = {value}: the number is out of range (integers fit in 64 signed bits, up to \
         9223372036854775807; decimals must be finite, up to about 1.8e308; a 32-bit \
         parameter such as a learning rate up to about 3.4e38)"
    ))
}

/// Sets `key` (dotted path) in a TOML table to `value`, creating tables on the way.
pub fn set_value(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<()> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts
        .pop()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ExperimentError::Config(format!("empty key in override {key:?}")))?;
    let mut here = table;
    for part in parts {
        let entry = here
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        here = entry.as_table_mut().ok_or_else(|| {
            ExperimentError::Config(format!("cannot set {key}: {part} is not a table"))
        })?;
    }
    here.insert(last.to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_numbers_are_refused_naming_their_key() {
        for (text, want) in [
            ("[model]\nkind = \"mf\"\nlr = nan", "model.lr = NaN"),
            ("[model]\nkind = \"mf\"\nreg = -inf", "model.reg = -inf"),
            ("[eval]\ncutoffs = [10]\nx = [1.0, inf]", "eval.x[1] = inf"),
        ] {
            let err = ExperimentConfig::from_toml(text).unwrap_err().to_string();
            assert!(
                err.contains(want) && err.contains("finite"),
                "{text}: {err}"
            );
        }
        let mut t: toml::Table = toml::from_str("[model]\nkind = \"mf\"").unwrap();
        set_key(&mut t, "model.lr", "nan").unwrap();
        let err = ExperimentConfig::from_value(t).unwrap_err().to_string();
        assert!(err.contains("model.lr = NaN"), "{err}");
    }

    /// A number a 32-bit float turns into 0 or infinity is refused as given, not trained
    /// with as 0 (or reported as `lr = 0`).
    #[test]
    fn numbers_outside_the_f32_range_are_refused_as_given() {
        for (text, want) in [
            ("[model]\nkind = \"mf\"\nlr = 1e-50", "model.lr = 1e-50"),
            ("[model]\nkind = \"mf\"\nreg = -1e39", "model.reg = -1e39"),
        ] {
            let err = ExperimentConfig::from_toml(text).unwrap_err().to_string();
            assert!(
                err.contains(want) && err.contains("32-bit"),
                "{text}: {err}"
            );
        }
        for fine in ["lr = 0.0", "lr = 1e-30", "reg = 3e38"] {
            let text = format!("[model]\nkind = \"mf\"\n{fine}");
            assert!(ExperimentConfig::from_toml(&text).is_ok(), "{fine}");
        }
    }

    #[test]
    fn a_full_config_parses_and_unknown_keys_are_refused() {
        let cfg = ExperimentConfig::from_toml(
            r#"
            [data]
            train = "ua.base"
            test = "ua.test"
            [validation]
            fraction = 0.05
            refit = true
            [model]
            kind = "mf"
            factors = 64
            lr = 0.005
            [train]
            threads = 2
            "#,
        )
        .unwrap();
        assert_eq!(
            cfg.data.train.as_deref(),
            Some(std::path::Path::new("ua.base"))
        );
        let model = serde_json::to_value(&cfg.model).unwrap();
        assert_eq!(model["kind"], "mf");
        assert_eq!(model["factors"], 64);
        assert!(cfg.validation.unwrap().refit);
        let err = ExperimentConfig::from_toml("[model]\nkind = \"mf\"\nfactor = 3").unwrap_err();
        assert!(err.to_string().contains("factor"), "{err}");
        let err = ExperimentConfig::from_toml("[dta]\nratings = \"x\"").unwrap_err();
        assert!(err.to_string().contains("dta"), "{err}");
    }

    #[test]
    fn overrides_set_nested_keys_with_typed_values() {
        let mut t: toml::Table = toml::from_str("[model]\nkind = \"mf\"\nfactors = 8").unwrap();
        set_key(&mut t, "model.factors", "32").unwrap();
        set_key(&mut t, "data.train", "/tmp/a b.tsv").unwrap();
        set_key(&mut t, "eval.cutoffs", "[1, 2]").unwrap();
        let cfg = ExperimentConfig::from_value(t).unwrap();
        assert_eq!(serde_json::to_value(&cfg.model).unwrap()["factors"], 32);
        assert_eq!(cfg.data.train.unwrap().to_str(), Some("/tmp/a b.tsv"));
        assert_eq!(cfg.eval.cutoffs, vec![1, 2]);
    }

    /// `validation.fraction` was silently ignored next to `validation.k`, and bad values
    /// were refused later under another name (`invalid k = 0: at least 1 test entry`).
    #[test]
    fn validation_settings_are_checked_naming_their_key() {
        for (table, want) in [
            (
                "fraction = 0.2\nk = 3",
                "validation.fraction = 0.2 and validation.k = 3",
            ),
            ("fraction = 1.5", "validation.fraction = 1.5"),
            ("fraction = 0.0", "validation.fraction = 0"),
            ("k = 0", "validation.k = 0"),
            ("min_delta = -1.0", "validation.min_delta = -1"),
        ] {
            let text = format!("[model]\nkind = \"mf\"\n[validation]\n{table}");
            let err = ExperimentConfig::from_toml(&text).unwrap_err().to_string();
            assert!(err.contains(want), "{table}: {err}");
        }
        for fine in [
            "k = 2",
            "fraction = 0.3",
            "fraction = 0.1\nmin_delta = 0.01",
            "k = 1\npatience = 2",
        ] {
            let text = format!("[model]\nkind = \"mf\"\n[validation]\n{fine}");
            assert!(ExperimentConfig::from_toml(&text).is_ok(), "{fine}");
        }
    }

    /// Regression: a `[validation]` with neither `fraction` nor `k` (only `patience = 3`,
    /// or `--set validation.patience=3` alone) silently held out 10% of train. It is
    /// refused naming the table, the keys it has and the two that choose the rows.
    #[test]
    fn a_validation_table_without_fraction_or_k_is_refused() {
        for (table, want) in [
            ("patience = 3", "[validation] (with only patience)"),
            (
                "patience = 3\nseed = 4",
                "[validation] (with only patience, seed)",
            ),
            ("", "[validation] (empty)"),
        ] {
            let text = format!("[model]\nkind = \"mf\"\n[validation]\n{table}");
            let err = ExperimentConfig::from_toml(&text).unwrap_err().to_string();
            assert!(
                err.contains(want)
                    && err.contains("validation.fraction")
                    && err.contains("validation.k"),
                "{table}: {err}"
            );
        }
        let mut t: toml::Table = toml::from_str("[model]\nkind = \"mf\"").unwrap();
        set_key(&mut t, "validation.patience", "3").unwrap();
        let err = ExperimentConfig::from_value(t.clone())
            .unwrap_err()
            .to_string();
        assert!(err.contains("with only patience"), "{err}");
        set_key(&mut t, "validation.fraction", "0.2").unwrap();
        let v = ExperimentConfig::from_value(t).unwrap().validation.unwrap();
        assert_eq!((v.fraction, v.patience), (0.2, 3));
    }

    #[test]
    fn eval_seed_defaults_to_1_and_is_checked() {
        let cfg = ExperimentConfig::from_toml("[model]\nkind = \"bpr\"").unwrap();
        assert_eq!(cfg.eval.seed, None);
        assert_eq!(cfg.eval.sampling_seed(), 1);
        let text = "[model]\nkind = \"bpr\"\n[eval]\nprotocol = \"sampled\"\nseed = 7";
        let cfg = ExperimentConfig::from_toml(text).unwrap();
        assert_eq!(cfg.eval.sampling_seed(), 7);
        // A seed given to the full protocol would change nothing: refused, naming it.
        let err = ExperimentConfig::from_toml("[model]\nkind = \"bpr\"\n[eval]\nseed = 7")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("eval.seed = 7") && err.contains("\"full\""),
            "{err}"
        );
        let err = ExperimentConfig::from_toml(
            "[model]\nkind = \"bpr\"\n[eval]\nprotocol = \"sampled\"\nseed = -1",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("seed") && err.contains("-1"), "{err}");
        // Unset, the key stays out of a saved config (model files keep their bytes).
        let saved: toml::Table =
            toml::from_str(&toml::to_string(&EvalConfig::default()).unwrap()).unwrap();
        assert!(
            saved.contains_key("negatives") && !saved.contains_key("seed"),
            "{saved}"
        );
    }

    #[test]
    fn numbers_that_do_not_fit_are_named_not_read_as_text() {
        let mut t = toml::Table::new();
        for (key, value) in [
            ("model.lr", "1e400"),
            ("train.seed", "9223372036854775808"),
            ("model.reg", "-1e999"),
        ] {
            let e = set_key(&mut t, key, value).unwrap_err().to_string();
            assert!(
                e.contains(key) && e.contains(value) && e.contains("out of range"),
                "{e}"
            );
        }
        set_key(&mut t, "data.train", "ua.base").unwrap();
        assert_eq!(t["data"]["train"].as_str(), Some("ua.base"));
        set_key(&mut t, "model.lr", "1e-3").unwrap();
        assert_eq!(t["model"]["lr"].as_float(), Some(1e-3));
    }
}
