//! Values given on a command line or in a config, parsed one way everywhere: lists of ids,
//! counts and finite numbers, with errors that name the flag, the value and what is valid.
//!
//! A list is comma-separated (`50,172`); a program may also take repeated values
//! (`--item 50 --item 172`, `--allow 1 2 3`) and give each to [`parse_list`], which accepts
//! both and concatenates. Spaces around elements are ignored; an empty element (`50,,3`,
//! `''`) is an error, never silently dropped: it usually means a typo.

use crate::error::{DataError, Result};

/// The elements of a comma-separated list given to `flag`, trimmed. An empty element (or an
/// empty list) is an error naming the flag.
///
/// ```
/// use rustrec_data::values::parse_list;
/// assert_eq!(parse_list("--item", "50, 172").unwrap(), ["50", "172"]);
/// assert!(parse_list("--item", "50,,3").unwrap_err().to_string().contains("--item"));
/// ```
pub fn parse_list(flag: &'static str, text: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (k, element) in text.split(',').enumerate() {
        out.push(parse_element(flag, element).map_err(|_| {
            DataError::invalid_parameter(
                flag,
                format!("{text:?}"),
                format!(
                    "element {} is empty; give ids separated by commas, such as 50,172",
                    k + 1
                ),
            )
        })?);
    }
    Ok(out)
}

/// One element of a list given to `flag`, trimmed; empty is an error naming the flag.
pub fn parse_element(flag: &'static str, text: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DataError::invalid_parameter(
            flag,
            format!("{text:?}"),
            "an id; an empty element is not one (give ids separated by commas, such as 50,172)",
        ));
    }
    Ok(t.to_string())
}

/// A whole number ≥ 1 given to `flag` (a number of items, users, threads, ...).
///
/// ```
/// use rustrec_data::values::parse_count;
/// assert_eq!(parse_count("-n", "10").unwrap(), 10);
/// let msg = parse_count("-n", "-5").unwrap_err().to_string();
/// assert!(msg.contains("-n") && msg.contains("-5") && msg.contains("a whole number ≥ 1"));
/// ```
pub fn parse_count(flag: &'static str, text: &str) -> Result<usize> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(DataError::invalid_parameter(
            flag,
            text,
            "a whole number ≥ 1",
        )),
    }
}

/// A finite number given to `flag` (`nan`, `inf` and text that is not a number are errors).
///
/// ```
/// use rustrec_data::values::parse_finite;
/// assert_eq!(parse_finite("--implicit-threshold", "4").unwrap(), 4.0);
/// assert!(parse_finite("--implicit-threshold", "nan").is_err());
/// ```
pub fn parse_finite(flag: &'static str, text: &str) -> Result<f64> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(DataError::invalid_parameter(flag, text, "a finite number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_elements_are_errors_naming_the_flag_and_the_position() {
        for bad in ["", " ", "50,,3", "50,", ",50"] {
            let msg = parse_list("--allow", bad).unwrap_err().to_string();
            assert!(
                msg.contains("--allow") && msg.contains("empty"),
                "{bad:?}: {msg}"
            );
        }
        assert!(
            parse_list("--item", "50,,3")
                .unwrap_err()
                .to_string()
                .contains("element 2")
        );
        assert_eq!(parse_list("--item", " 7 ").unwrap(), ["7"]);
        assert!(parse_element("--block", " ").is_err());
    }

    #[test]
    fn counts_and_finite_numbers() {
        for bad in ["0", "-5", "1.5", "ten", "", "99999999999999999999999"] {
            let msg = parse_count("-n", bad).unwrap_err().to_string();
            assert!(
                msg.contains("a whole number ≥ 1") && msg.contains("-n"),
                "{msg}"
            );
        }
        assert_eq!(parse_count("-n", " 3 ").unwrap(), 3);
        for bad in ["nan", "NaN", "inf", "-inf", "1e400", "x"] {
            let msg = parse_finite("--implicit-threshold", bad)
                .unwrap_err()
                .to_string();
            assert!(
                msg.contains("--implicit-threshold") && msg.contains(bad),
                "{msg}"
            );
        }
        assert_eq!(parse_finite("--x", "-0.5").unwrap(), -0.5);
    }

    proptest! {
        #[test]
        fn a_joined_list_parses_back(ids in proptest::collection::vec("[a-z0-9]{1,6}", 1..8)) {
            prop_assert_eq!(parse_list("--item", &ids.join(",")).unwrap(), ids);
        }
    }
}
