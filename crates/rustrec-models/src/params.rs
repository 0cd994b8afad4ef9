//! Pieces every model's hyperparameter module shares: builder setters and range checks
//! that name the parameter, its value and the allowed range.

use crate::error::{ModelError, Result};

/// Builder setters `fn name(mut self, value: T) -> Self` for fields of a parameter struct.
macro_rules! setter {
    ($(#[$doc:meta] $name:ident: $ty:ty),* $(,)?) => {
        $(#[$doc] pub fn $name(mut self, value: $ty) -> Self { self.$name = value; self })*
    };
}
pub(crate) use setter;

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

/// `v` must be an integer in `range` (message: "an integer in a..=b").
pub(crate) fn integer_in(
    name: &'static str,
    v: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<()> {
    if range.contains(&v) {
        Ok(())
    } else {
        let (a, b) = range.into_inner();
        Err(ModelError::invalid(
            name,
            v,
            format!("an integer in {a}..={b}"),
        ))
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
        assert!(integer_in("factors", 1024, 1..=1024).is_ok());
        let e = integer_in("factors", 0, 1..=1024).unwrap_err().to_string();
        assert!(e.contains("factors = 0") && e.contains("1..=1024"), "{e}");
        assert!(at_least_one("epochs", 1).is_ok());
        let e = at_least_one("epochs", 0).unwrap_err().to_string();
        assert!(e.contains("epochs = 0") && e.contains("at least 1"), "{e}");
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
