//! Hyperparameter tables and the checks that read them.
//!
//! Every family declares its parameters once, with `hyperparams!`: name, type, default,
//! allowed range ([`Rule`]) and a one-line help. From that one declaration come the
//! parameter struct (with serde and builder setters), its `Default`, the table that
//! `rustrec models` prints ([`Hyperparams::table`]) and the range checks
//! ([`Hyperparams::check_ranges`]), so the documented range and the enforced one cannot
//! drift apart. Checks that relate two parameters (`average_last ≤ epochs`) stay in the
//! family's own `check`.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ModelError, Result};

/// The allowed values of one hyperparameter: what the table shows and what the check
/// enforces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// An integer in `lo..=hi` (`hi = usize::MAX`: no upper bound).
    Int {
        /// Smallest value.
        lo: usize,
        /// Largest value.
        hi: usize,
    },
    /// A finite number > 0.
    Positive,
    /// A finite number ≥ 0.
    NonNegative,
    /// A number in `[0, 1)`.
    Fraction,
    /// A number in `[lo, hi]`.
    Between(f32, f32),
    /// A range `[lo, hi]` with `lo < hi`, both finite.
    Interval,
    /// `true` or `false`.
    Flag,
    /// One of the listed names (enforced when the value is read).
    Choice(&'static str),
    /// A structured value that checks itself (optimizer, schedule, ...); the text says
    /// what is allowed.
    Own(&'static str),
}

impl Rule {
    /// An integer in `lo..=hi`.
    pub const fn int(lo: usize, hi: usize) -> Rule {
        Rule::Int { lo, hi }
    }

    /// An integer ≥ `lo`.
    pub const fn at_least(lo: usize) -> Rule {
        Rule::Int { lo, hi: usize::MAX }
    }

    /// What the rule allows, in the words error messages and `rustrec models` use.
    pub fn describe(&self) -> String {
        match *self {
            Rule::Int { lo, hi: usize::MAX } => format!("at least {lo}"),
            Rule::Int { lo, hi } => format!("an integer in {lo}..={hi}"),
            Rule::Positive => "a finite number > 0".into(),
            Rule::NonNegative => "a finite number ≥ 0".into(),
            Rule::Fraction => "in [0, 1)".into(),
            Rule::Between(lo, hi) => format!("a number in [{lo}, {hi}]"),
            Rule::Interval => "a range lo < hi of finite numbers".into(),
            Rule::Flag => "true or false".into(),
            Rule::Choice(names) => format!("one of {names}"),
            Rule::Own(text) => text.into(),
        }
    }
}

/// A value a [`Rule`] can be checked against.
pub trait RuleValue {
    /// Checks `self` against `rule`, naming `name` in the error.
    fn check_rule(&self, name: &'static str, rule: &Rule) -> Result<()>;
}

fn out_of_range(name: &'static str, shown: impl ToString, rule: &Rule) -> ModelError {
    ModelError::invalid(name, shown, rule.describe())
}

impl RuleValue for usize {
    fn check_rule(&self, name: &'static str, rule: &Rule) -> Result<()> {
        match *rule {
            Rule::Int { lo, hi } if *self < lo || *self > hi => Err(out_of_range(name, self, rule)),
            _ => Ok(()),
        }
    }
}

impl RuleValue for f32 {
    fn check_rule(&self, name: &'static str, rule: &Rule) -> Result<()> {
        f64::from(*self)
            .check_rule(name, rule)
            .map_err(|_| out_of_range(name, self, rule))
    }
}

impl RuleValue for f64 {
    fn check_rule(&self, name: &'static str, rule: &Rule) -> Result<()> {
        let v = *self;
        let ok = match *rule {
            Rule::Positive => v > 0.0 && v.is_finite(),
            Rule::NonNegative => v >= 0.0 && v.is_finite(),
            Rule::Fraction => (0.0..1.0).contains(&v),
            Rule::Between(lo, hi) => (f64::from(lo)..=f64::from(hi)).contains(&v),
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(out_of_range(name, v, rule))
        }
    }
}

impl RuleValue for bool {
    fn check_rule(&self, _: &'static str, _: &Rule) -> Result<()> {
        Ok(())
    }
}

impl RuleValue for String {
    fn check_rule(&self, _: &'static str, _: &Rule) -> Result<()> {
        Ok(())
    }
}

impl<T: RuleValue> RuleValue for Vec<T> {
    fn check_rule(&self, name: &'static str, rule: &Rule) -> Result<()> {
        self.iter().try_for_each(|v| v.check_rule(name, rule))
    }
}

impl RuleValue for [f32; 2] {
    fn check_rule(&self, name: &'static str, rule: &Rule) -> Result<()> {
        let [lo, hi] = *self;
        match rule {
            Rule::Interval => finite_range(name, format!("[{lo}, {hi}]"), lo, hi),
            _ => Ok(()),
        }
    }
}

impl<T: RuleValue> RuleValue for Option<T> {
    fn check_rule(&self, name: &'static str, rule: &Rule) -> Result<()> {
        match self {
            Some(v) => v.check_rule(name, rule),
            None => Ok(()),
        }
    }
}

/// Implements [`RuleValue`] for types whose values check themselves (`fn check(&self) ->
/// Result<()>`), or that serde alone constrains (enums of names: no check).
macro_rules! self_checked {
    ($($ty:ty => $how:tt),* $(,)?) => {
        $(impl $crate::params::RuleValue for $ty {
            fn check_rule(
                &self,
                _: &'static str,
                _: &$crate::params::Rule,
            ) -> $crate::error::Result<()> {
                $crate::params::self_checked!(@check self $how)
            }
        })*
    };
    (@check $v:ident own) => { $v.check().map(|_| ()) };
    (@check $v:ident names) => {{ let _ = $v; Ok(()) }};
}
pub(crate) use self_checked;

/// One row of a family's hyperparameter table.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamRow {
    /// The name, as configs and `--set model.NAME=` spell it.
    pub name: &'static str,
    /// The allowed values.
    pub rule: Rule,
    /// What the parameter does.
    pub help: &'static str,
}

/// A family's parameter set: declared with `hyperparams!`, read from configs and model
/// files, described by its table.
pub trait Hyperparams:
    Default + Clone + Debug + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// Name, allowed range and help of every parameter, in declaration order.
    fn table() -> Vec<ParamRow>;
    /// Checks every parameter against its row of [`Hyperparams::table`], naming the first
    /// one out of range with its value and the allowed range.
    fn check_ranges(&self) -> Result<()>;
}

/// Declares a family's parameter struct from one table: for each field its type, default,
/// [`Rule`] and help. Generates the struct (serde, every field defaulted, unknown fields
/// refused, a value of the wrong type refused naming its key like a value out of range:
/// [`field_error`]), `Default`, a builder setter per field and [`Hyperparams`].
///
/// ```text
/// hyperparams! {
///     /// Docs of the struct.
///     pub struct EaseParams {
///         lambda: f32 = 500.0, Rule::Positive, "λ, the L2 penalty on B";
///         implicit: bool = true, Rule::Flag, "binary X instead of its values";
///     }
/// }
/// ```
///
/// A factor model trained by SGD opens its table with the common block,
/// `sgd { factors: 40, epochs: 20, lr: 0.01, optimizer: Optimizer::Sgd, schedule:
/// Schedule::Constant }` (its own defaults): the fields `factors`, `epochs`, `lr`,
/// `optimizer` and `schedule` then have the same ranges, help and checks in every family
/// that uses it, and `sgd()` returns them as an [`crate::engine::sgd::SgdSettings`].
macro_rules! hyperparams {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            sgd {
                factors: $factors:expr,
                epochs: $epochs:expr,
                lr: $lr:expr,
                optimizer: $optimizer:expr,
                schedule: $schedule:expr $(,)?
            }
            $($rest:tt)*
        }
    ) => {
        $crate::params::hyperparams! {
            $(#[$meta])*
            pub struct $name {
                factors: usize = $factors, $crate::params::Rule::int(1, 1024),
                    "Number of latent factors k.";
                epochs: usize = $epochs, $crate::params::Rule::at_least(1),
                    "Passes over the training data.";
                lr: f32 = $lr, $crate::params::Rule::Positive,
                    "Base learning rate (see schedule).";
                optimizer: $crate::engine::Optimizer = $optimizer,
                    $crate::params::Rule::Own("sgd, momentum, adagrad, rmsprop, adam, adamw (constants optional)"),
                    "Update rule.";
                schedule: $crate::engine::Schedule = $schedule,
                    $crate::params::Rule::Own("constant, step, exponential, one-cycle"),
                    "Learning rate over time.";
                $($rest)*
            }
        }

        impl $name {
            /// The common SGD block of the parameters.
            pub fn sgd(&self) -> $crate::engine::sgd::SgdSettings {
                $crate::engine::sgd::SgdSettings {
                    factors: self.factors,
                    epochs: self.epochs,
                    lr: self.lr,
                    optimizer: self.optimizer,
                    schedule: self.schedule,
                }
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $ty:ty = $default:expr , $rule:expr , $help:literal
            );* $(;)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize)]
        pub struct $name {
            $(
                #[doc = $help]
                $(#[$fmeta])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $($field: $default,)* }
            }
        }

        // Every field defaulted, unknown fields refused; a value of the wrong type or form
        // is refused naming its key, the value and the allowed range (`field_error`).
        impl<'de> serde::Deserialize<'de> for $name {
            // A table without parameters (`TopPopParams {}`) reads no value into nothing.
            #[allow(unused_mut, unused_variables)]
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                use serde::de::Error as _;
                const FIELDS: &[&str] = &[$(stringify!($field)),*];
                let map = <serde_json::Map<String, serde_json::Value>>::deserialize(d)?;
                let mut out = <$name as Default>::default();
                for (key, value) in map {
                    match key.as_str() {
                        $(stringify!($field) => {
                            out.$field = match serde_json::from_value(value.clone()) {
                                Ok(v) => v,
                                Err(e) => {
                                    return Err(D::Error::custom(
                                        $crate::params::field_error(
                                            stringify!($field),
                                            &value,
                                            &$rule,
                                            &e,
                                        ),
                                    ))
                                }
                            };
                        })*
                        other => return Err(D::Error::unknown_field(other, FIELDS)),
                    }
                }
                Ok(out)
            }
        }

        impl $name {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                pub fn $field(mut self, value: $ty) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }

        impl $crate::params::Hyperparams for $name {
            fn table() -> Vec<$crate::params::ParamRow> {
                vec![$($crate::params::ParamRow {
                    name: stringify!($field),
                    rule: $rule,
                    help: $help,
                }),*]
            }

            fn check_ranges(&self) -> $crate::error::Result<()> {
                $($crate::params::RuleValue::check_rule(
                    &self.$field,
                    stringify!($field),
                    &$rule,
                )?;)*
                Ok(())
            }
        }
    };
}
pub(crate) use hyperparams;

/// The message for a parameter value of the wrong type or form, as the range errors put
/// it (`invalid factors = -1: an integer in 1..=1024`), with serde's reason after it.
pub fn field_error(
    name: &str,
    value: &serde_json::Value,
    rule: &Rule,
    reason: &serde_json::Error,
) -> String {
    format!("invalid {name} = {value}: {} ({reason})", rule.describe())
}

/// `v` must be finite and > 0.
pub(crate) fn positive(name: &'static str, v: f32) -> Result<()> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(ModelError::invalid(name, v, "a finite number > 0"))
    }
}

/// `v` must be finite and ≥ 0.
pub(crate) fn non_negative(name: &'static str, v: f32) -> Result<()> {
    if v >= 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(ModelError::invalid(name, v, "a finite number ≥ 0"))
    }
}

/// `v` must be at least 1.
pub(crate) fn at_least_one(name: &'static str, v: usize) -> Result<()> {
    if v >= 1 {
        Ok(())
    } else {
        Err(ModelError::invalid(name, v, "at least 1"))
    }
}

/// The error for a parameter set away from its default where the other settings leave it
/// without effect: `invalid margin = 0.5: has no effect unless loss = "warp" (set loss =
/// "warp", or leave margin out)`. Only a value other than the default is refused, since
/// the parameter structs cannot tell a default from a value given equal to it.
pub(crate) fn no_effect(name: &'static str, value: impl ToString, unless: &str) -> ModelError {
    ModelError::invalid(
        name,
        value,
        format!("has no effect unless {unless} (set {unless}, or leave {name} out)"),
    )
}

/// `[lo, hi]` must be a range `lo < hi` of finite numbers; `shown` is how the error quotes
/// the value.
pub(crate) fn finite_range(name: &'static str, shown: String, lo: f32, hi: f32) -> Result<()> {
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok(())
    } else {
        Err(ModelError::invalid(
            name,
            shown,
            "a range lo < hi of finite numbers",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    hyperparams! {
        /// A table for the tests.
        pub struct TestParams {
            factors: usize = 8, Rule::int(1, 1024), "Factors.";
            lr: f32 = 0.1, Rule::Positive, "Learning rate.";
            name: Option<String> = None, Rule::Own("a name"), "A name.";
        }
    }

    /// Regression: a value of the wrong type (`factors = -1`, `lr = "fast"`) failed with
    /// serde's "invalid value: integer `-1`, expected usize", which named no key, where a
    /// value out of range names it (`invalid factors = 0: an integer in 1..=1024`).
    #[test]
    fn a_value_of_the_wrong_type_names_its_key_like_a_value_out_of_range() {
        for (json, want) in [
            (
                r#"{"factors": -1}"#,
                "invalid factors = -1: an integer in 1..=1024 (invalid value: integer `-1`, \
                 expected usize)",
            ),
            (
                r#"{"factors": 1.5}"#,
                "invalid factors = 1.5: an integer in 1..=1024",
            ),
            (
                r#"{"lr": "fast"}"#,
                "invalid lr = \"fast\": a finite number > 0",
            ),
            (r#"{"name": 3}"#, "invalid name = 3: a name"),
        ] {
            let e = serde_json::from_str::<TestParams>(json)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e:?} should contain {want:?}");
        }
        let e = serde_json::from_str::<TestParams>(r#"{"factor": 4}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown field `factor`, expected one of `factors`, `lr`, `name`"),
            "{e}"
        );
        let p: TestParams = serde_json::from_str(r#"{"lr": 0.5, "name": null}"#).unwrap();
        assert_eq!(p, TestParams::default().lr(0.5).factors(8).name(None));
        let p: TestParams = serde_json::from_str("{}").unwrap();
        assert_eq!(p, TestParams::default());
    }

    #[test]
    fn range_checks_name_the_parameter_and_value() {
        assert!(positive("lr", 0.1).is_ok());
        let e = positive("lr", 0.0).unwrap_err().to_string();
        assert!(e.contains("lr = 0") && e.contains("> 0"), "{e}");
        assert!(positive("lr", f32::INFINITY).is_err());
        assert!(non_negative("reg", 0.0).is_ok());
        assert!(
            non_negative("reg", -1.0)
                .unwrap_err()
                .to_string()
                .contains("reg = -1")
        );
        let rule = Rule::int(1, 1024);
        assert!(1024usize.check_rule("factors", &rule).is_ok());
        let e = 0usize.check_rule("factors", &rule).unwrap_err().to_string();
        assert!(e.contains("factors = 0") && e.contains("1..=1024"), "{e}");
        let e = 0.5f32
            .check_rule("dropout", &Rule::Between(0.0, 0.25))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("dropout = 0.5") && e.contains("[0, 0.25]"),
            "{e}"
        );
        assert!(Some(f32::NAN).check_rule("lr", &Rule::Positive).is_err());
        assert!(None::<f32>.check_rule("lr", &Rule::Positive).is_ok());
        assert!(1.0f32.check_rule("x", &Rule::Fraction).is_err());
        assert!(0.0f32.check_rule("x", &Rule::Fraction).is_ok());
        let e = [2.0f32, 1.0]
            .check_rule("clip", &Rule::Interval)
            .unwrap_err()
            .to_string();
        assert!(e.contains("clip = [2, 1]"), "{e}");
        assert_eq!(Rule::at_least(1).describe(), "at least 1");
        assert!(at_least_one("epochs", 1).is_ok());
        let e = at_least_one("epochs", 0).unwrap_err().to_string();
        assert!(e.contains("epochs = 0") && e.contains("at least 1"), "{e}");
        let e = no_effect("margin", 0.5, "loss = \"warp\"").to_string();
        assert_eq!(
            e,
            "invalid margin = 0.5: has no effect unless loss = \"warp\" (set loss = \"warp\", \
             or leave margin out)"
        );
        assert!(finite_range("clip", "[1, 5]".into(), 1.0, 5.0).is_ok());
        for (lo, hi) in [
            (5.0, 1.0),
            (1.0, 1.0),
            (f32::NEG_INFINITY, 1.0),
            (1.0, f32::NAN),
        ] {
            let e = finite_range("clip", format!("[{lo}, {hi}]"), lo, hi)
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("clip = [{lo}, {hi}]")), "{e}");
        }
    }
}
