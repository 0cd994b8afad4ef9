//! Hand-written number parsing on byte slices, for the hot loop of the readers.
//!
//! Integers are parsed digit by digit with overflow checks. Ratings take a fast path for
//! plain integers (`4`) and short decimals (`3.5`): the digits form an exact integer mantissa
//! `m < 2^24` and the result is `m / 10^k`, one correctly rounded f32 division of two exactly
//! representable numbers — so it equals what `str::parse::<f32>` returns. Anything else
//! (exponents, long fractions, `nan`, `inf`) goes to `str::parse::<f32>`; non-finite values are
//! rejected by the caller.

/// Why a field is not a valid integer id.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IntError {
    /// Empty field.
    Empty,
    /// A minus sign: ids must not be negative.
    Negative,
    /// Looks like a decimal number (`1.5`, `2e3`).
    NotInteger,
    /// Anything else that is not digits.
    NotNumber,
    /// Too large for 63 bits.
    Overflow,
}

impl IntError {
    /// Text for an error message about `field` holding `value`.
    pub(crate) fn describe(&self, field: &str, value: &str) -> String {
        match self {
            IntError::Empty => format!("{field} field is empty"),
            IntError::Negative => format!("{field} field \"{value}\" is negative; ids must be ≥ 0"),
            IntError::NotInteger => format!("{field} field \"{value}\" is not an integer"),
            IntError::NotNumber => format!("{field} field \"{value}\" is not a number"),
            IntError::Overflow => format!("{field} field \"{value}\" is too large"),
        }
    }
}

/// Parses a non-negative decimal integer (an optional leading `+` is allowed).
#[inline]
pub(crate) fn parse_id(bytes: &[u8]) -> Result<i64, IntError> {
    let digits = match bytes.first() {
        None => return Err(IntError::Empty),
        Some(b'+') => &bytes[1..],
        Some(b'-') => {
            return Err(
                if bytes.len() > 1 && bytes[1..].iter().all(u8::is_ascii_digit) {
                    IntError::Negative
                } else {
                    classify(bytes)
                },
            );
        }
        Some(_) => bytes,
    };
    if digits.is_empty() {
        return Err(IntError::NotNumber);
    }
    let mut v: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(classify(bytes));
        }
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d)))
            .ok_or(IntError::Overflow)?;
    }
    Ok(v)
}

/// Why a non-digit field failed: a decimal number, or not a number at all.
fn classify(bytes: &[u8]) -> IntError {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    match text.trim().parse::<f64>() {
        Ok(v) if v < 0.0 && v.fract() == 0.0 => IntError::Negative,
        Ok(_) => IntError::NotInteger,
        Err(_) => IntError::NotNumber,
    }
}

/// Parses a signed integer (timestamps).
#[inline]
pub(crate) fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let (neg, digits) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(d))?;
    }
    Some(if neg { -v } else { v })
}

/// Powers of ten exactly representable in f32.
const POW10: [f32; 8] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7];

/// Parses a float (`None` if the field is not a number). May return NaN or ±∞ for the
/// texts `nan` / `inf`; the caller decides what to do with them.
#[inline]
pub(crate) fn parse_f32(bytes: &[u8]) -> Option<f32> {
    if let Some(v) = fast_decimal(bytes) {
        return Some(v);
    }
    std::str::from_utf8(bytes).ok()?.trim().parse::<f32>().ok()
}

/// `[-]digits[.digits]` with at most 7 digits in all, else `None`.
#[inline]
fn fast_decimal(bytes: &[u8]) -> Option<f32> {
    let (neg, rest) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if rest.is_empty() || rest.len() > 8 {
        return None;
    }
    let mut mantissa: u32 = 0;
    let mut digits = 0usize;
    let mut frac: Option<usize> = None;
    for &b in rest {
        if b == b'.' {
            if frac.is_some() {
                return None;
            }
            frac = Some(0);
            continue;
        }
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        mantissa = mantissa * 10 + u32::from(d);
        digits += 1;
        if let Some(f) = &mut frac {
            *f += 1;
        }
    }
    if digits == 0 || digits > 7 || frac == Some(0) {
        return None;
    }
    // mantissa < 10^7 < 2^24 and 10^k ≤ 10^7 are exact in f32: one rounded division.
    let v = mantissa as f32 / POW10[frac.unwrap_or(0)];
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_parse_and_fail_with_the_right_reason() {
        assert_eq!(parse_id(b"0"), Ok(0));
        assert_eq!(parse_id(b"+17"), Ok(17));
        assert_eq!(parse_id(b"9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_id(b"9223372036854775808"), Err(IntError::Overflow));
        assert_eq!(parse_id(b"-3"), Err(IntError::Negative));
        assert_eq!(parse_id(b"1.5"), Err(IntError::NotInteger));
        assert_eq!(parse_id(b"abc"), Err(IntError::NotNumber));
        assert_eq!(parse_id(b""), Err(IntError::Empty));
        assert_eq!(parse_id(b"+"), Err(IntError::NotNumber));
    }

    #[test]
    fn floats_parse_like_the_standard_library() {
        assert_eq!(parse_f32(b"3.5"), Some(3.5));
        assert_eq!(parse_f32(b"4"), Some(4.0));
        assert_eq!(parse_f32(b"-0.25"), Some(-0.25));
        assert_eq!(parse_f32(b"1e2"), Some(100.0));
        assert_eq!(parse_f32(b"five"), None);
        assert_eq!(parse_f32(b"5."), Some(5.0));
        assert!(parse_f32(b"NaN").is_some_and(f32::is_nan));
        assert!(parse_f32(b"inf").is_some_and(f32::is_infinite));
    }

    proptest! {
        #[test]
        fn fast_decimals_equal_std_parse(int in 0u32..100_000, frac in 0u32..100, w in 0usize..3) {
            let text = match w {
                0 => format!("{int}"),
                1 => format!("{int}.{}", frac % 10),
                _ => format!("{int}.{frac:02}"),
            };
            prop_assert_eq!(parse_f32(text.as_bytes()), text.parse::<f32>().ok());
        }

        #[test]
        fn ids_equal_std_parse(v in 0i64..i64::MAX) {
            prop_assert_eq!(parse_id(v.to_string().as_bytes()), Ok(v));
            prop_assert_eq!(parse_i64(format!("-{v}").as_bytes()), Some(-v));
        }
    }
}
