//! A new user's history, as `recommend --history` takes it: `ITEM:VALUE,ITEM:VALUE,...` in
//! the raw item ids of the data files, checked against what the model can use.
//!
//! What a value means depends on the model:
//!
//! | model | entry | value |
//! |---|---|---|
//! | rating model (MF, BPMF, explicit ALS) | `ITEM:RATING` | a rating inside the model's rating range `[lo, hi]`; a bare `ITEM` is refused (which rating would it be?) |
//! | ranking model (BPR, SLIM, EASE, item-KNN, implicit ALS, ...) | `ITEM` or `ITEM:WEIGHT` | a finite weight > 0; a bare `ITEM` weighs 1 |
//!
//! Always refused, each with a message naming the entry: an empty history or entry, more
//! than one `:` (`50:5:3`, a syntax error, not an unknown item `50:5`), a value that is not a
//! number, an item the model does not know, and an item given twice (`50:5,50:4`: which
//! rating counts?). Item ids holding `,` or `:` cannot be given.
//!
//! ```
//! use rustrec::data::IdMap;
//! use rustrec::history::{HistoryRules, parse_history};
//!
//! let items = IdMap::from_ints([50, 172, 181])?;
//! let rating = HistoryRules::rating(1.0, 5.0);
//! let h = parse_history("50:5, 172:3.5", &items, &rating)?;
//! assert_eq!(h.len(), 2);
//! assert!(parse_history("50:9", &items, &rating).is_err()); // outside [1, 5]
//! assert!(parse_history("50", &items, &rating).is_err()); // no rating
//! assert_eq!(parse_history("50,181:2", &items, &HistoryRules::ranking())?[0].1, 1.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rustrec_data::{Escaped, IdMap, ItemIdx};

/// What a history entry must be for one model (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistoryRules {
    /// `Some((lo, hi))` for a rating model: every entry is `ITEM:RATING` with
    /// `lo ≤ RATING ≤ hi`. `None` for a ranking model: `ITEM` (weight 1) or `ITEM:WEIGHT`
    /// with a finite weight > 0.
    pub rating_range: Option<(f32, f32)>,
}

impl HistoryRules {
    /// The rules of a rating model with ratings in `[lo, hi]`.
    pub fn rating(lo: f32, hi: f32) -> Self {
        HistoryRules {
            rating_range: Some((lo, hi)),
        }
    }

    /// The rules of a ranking model.
    pub fn ranking() -> Self {
        HistoryRules { rating_range: None }
    }

    /// The rules of a rating model whose file does not store the range of its training
    /// ratings (saved before it was kept): any finite rating.
    pub fn any_finite_rating() -> Self {
        HistoryRules::rating(-f32::MAX, f32::MAX)
    }
}

/// The ratings a rating model takes, for messages: `from LO to HI`, or for
/// [`HistoryRules::any_finite_rating`] words saying so (not two 39-digit numbers).
pub fn rating_range_words(lo: f32, hi: f32) -> String {
    if (lo, hi) == (-f32::MAX, f32::MAX) {
        "any finite number (the model file does not store the range of its training ratings)"
            .to_string()
    } else {
        format!("from {lo} to {hi}")
    }
}

/// Why a history was refused. Every message quotes the entry (control characters
/// escaped).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HistoryError {
    /// No entry at all.
    #[error("the history is empty; give {}", expected(rules_of(*.0)))]
    Empty(Option<(f32, f32)>),
    /// An empty entry (`50:5,,172:3`).
    #[error("entry {position} is empty; give entries separated by commas, such as {}", example(*.rating_range))]
    EmptyEntry {
        /// 1-based position of the entry.
        position: usize,
        /// The model's rating range (`None` for a ranking model).
        rating_range: Option<(f32, f32)>,
    },
    /// Not `ITEM` or `ITEM:VALUE` (`50:5:3`, `:5`).
    #[error("entry \"{}\": expected ITEM or ITEM:VALUE", Escaped(entry))]
    Syntax {
        /// The entry.
        entry: String,
    },
    /// A rating model's entry without a rating.
    #[error(
        "entry \"{}\": this model predicts ratings and needs ITEM:RATING, with RATING {}",
        Escaped(entry),
        rating_range_words(*lo, *hi)
    )]
    MissingRating {
        /// The entry.
        entry: String,
        /// Lowest rating.
        lo: f32,
        /// Highest rating.
        hi: f32,
    },
    /// The value is not a number.
    #[error("entry \"{}\": \"{}\" is not a number", Escaped(entry), Escaped(value))]
    NotANumber {
        /// The entry.
        entry: String,
        /// The value text.
        value: String,
    },
    /// A number a 32-bit float cannot hold (`1e50`, `1e-50`, `inf`).
    #[error(
        "entry \"{}\": {} does not fit the models' 32-bit floats; give a number of magnitude \
         at most {:e} and, unless 0, at least {:e}",
        Escaped(entry),
        Escaped(value),
        f32::MAX,
        f32::from_bits(1)
    )]
    DoesNotFit {
        /// The entry.
        entry: String,
        /// The value text.
        value: String,
    },
    /// A rating outside the model's range.
    #[error(
        "entry \"{}\": rating {value} is outside the model's rating range [{lo}, {hi}]",
        Escaped(entry)
    )]
    RatingOutOfRange {
        /// The entry.
        entry: String,
        /// The rating.
        value: f32,
        /// Lowest rating.
        lo: f32,
        /// Highest rating.
        hi: f32,
    },
    /// A ranking model's weight that is not finite and > 0.
    #[error(
        "entry \"{}\": weight {value} must be a finite number > 0 (or leave it out for 1)",
        Escaped(entry)
    )]
    BadWeight {
        /// The entry.
        entry: String,
        /// The weight.
        value: f32,
    },
    /// An item the model does not know.
    #[error("item {} is not known to the model", Escaped(item))]
    UnknownItem {
        /// The raw item id.
        item: String,
    },
    /// The same item twice.
    #[error(
        "item {} is given twice (entries {first} and {second}); give each item once",
        Escaped(item)
    )]
    Repeated {
        /// The raw item id.
        item: String,
        /// 1-based position of its first entry.
        first: usize,
        /// 1-based position of the repeat.
        second: usize,
    },
}

fn rules_of(rating_range: Option<(f32, f32)>) -> HistoryRules {
    HistoryRules { rating_range }
}

/// What an entry should look like, in words.
fn expected(rules: HistoryRules) -> String {
    match rules.rating_range {
        Some((lo, hi)) => format!(
            "ITEM:RATING entries (RATING {}) separated by commas, such as {}",
            rating_range_words(lo, hi),
            example(Some((lo, hi)))
        ),
        None => format!(
            "ITEM or ITEM:WEIGHT entries separated by commas, such as {}",
            example(None)
        ),
    }
}

/// An example history.
fn example(rating_range: Option<(f32, f32)>) -> String {
    match rating_range {
        Some((lo, hi)) if (lo, hi) == (-f32::MAX, f32::MAX) => "50:4,172:3".to_string(),
        Some((_, hi)) => format!("50:{hi},172:{}", hi.max(1.0) - 1.0),
        None => "50,172:2".to_string(),
    }
}

/// Parses a history into the model's item indices and values, in the order given (see the
/// module docs for the rules). `items` is the model's item id map.
pub fn parse_history(
    text: &str,
    items: &IdMap,
    rules: &HistoryRules,
) -> Result<Vec<(ItemIdx, f32)>, HistoryError> {
    if text.trim().is_empty() {
        return Err(HistoryError::Empty(rules.rating_range));
    }
    let mut checked = Checked::new(items, rules);
    for (k, raw) in text.split(',').enumerate() {
        let position = k + 1;
        let entry = raw.trim();
        if entry.is_empty() {
            return Err(HistoryError::EmptyEntry {
                position,
                rating_range: rules.rating_range,
            });
        }
        let mut parts = entry.split(':');
        let item = parts.next().unwrap_or_default().trim();
        let value = parts.next().map(str::trim);
        if parts.next().is_some() || item.is_empty() || value == Some("") {
            return Err(HistoryError::Syntax {
                entry: entry.to_string(),
            });
        }
        let value = match value {
            Some(v) if v.parse::<f32>().is_ok_and(|x| !x.is_nan()) => {
                Some(f32_as_sent(v).ok_or_else(|| HistoryError::DoesNotFit {
                    entry: entry.to_string(),
                    value: v.to_string(),
                })?)
            }
            Some(v) => {
                return Err(HistoryError::NotANumber {
                    entry: entry.to_string(),
                    value: v.to_string(),
                });
            }
            None => None,
        };
        checked.push(position, entry, item, value)?;
    }
    Ok(checked.out)
}

/// The decimal number `text` as the 32-bit float the models take (correctly rounded), or
/// `None` when a float does not hold it as sent: not a number, infinite, beyond
/// [`f32::MAX`] (which would become infinite), or a nonzero below the smallest subnormal
/// (which would become 0). The one rule for history values, on the command line and in
/// the server's JSON.
///
/// ```
/// use rustrec::history::f32_as_sent;
///
/// assert_eq!(f32_as_sent("4.5"), Some(4.5));
/// assert_eq!(f32_as_sent("0e-50"), Some(0.0));
/// assert_eq!(f32_as_sent("1e-50"), None); // would be 0
/// assert_eq!(f32_as_sent("1e39"), None); // would be infinite
/// ```
pub fn f32_as_sent(text: &str) -> Option<f32> {
    let value = text.parse::<f32>().ok()?;
    // `str::parse` gives ±inf above the range and ±0 below it.
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    let nonzero = mantissa.bytes().any(|b| matches!(b, b'1'..=b'9'));
    (value.is_finite() && (value != 0.0 || !nonzero)).then_some(value)
}

/// A history given as (raw item id, value) entries rather than text — as a JSON object
/// `{"50": 5, "172": 4}` holds it — checked by the same rules as [`parse_history`] (a
/// `None` value is a bare `ITEM`). Ids are taken whole (they may hold `,` or `:`); a NaN
/// value is refused as not a number.
///
/// ```
/// use rustrec::data::IdMap;
/// use rustrec::history::{HistoryRules, history_from_entries, parse_history};
///
/// let items = IdMap::from_ints([50, 172])?;
/// let rules = HistoryRules::rating(1.0, 5.0);
/// let h = history_from_entries([("50", Some(5.0)), ("172", Some(4.0))], &items, &rules)?;
/// assert_eq!(h, parse_history("50:5,172:4", &items, &rules)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn history_from_entries<'a>(
    entries: impl IntoIterator<Item = (&'a str, Option<f32>)>,
    items: &IdMap,
    rules: &HistoryRules,
) -> Result<Vec<(ItemIdx, f32)>, HistoryError> {
    let mut checked = Checked::new(items, rules);
    for (k, (item, value)) in entries.into_iter().enumerate() {
        let position = k + 1;
        let entry = match value {
            Some(v) => format!("{item}:{v}"),
            None => item.to_string(),
        };
        if item.trim().is_empty() {
            return Err(HistoryError::EmptyEntry {
                position,
                rating_range: rules.rating_range,
            });
        }
        if value.is_some_and(f32::is_nan) {
            return Err(HistoryError::NotANumber {
                entry,
                value: "NaN".into(),
            });
        }
        checked.push(position, &entry, item.trim(), value)?;
    }
    if checked.out.is_empty() {
        return Err(HistoryError::Empty(rules.rating_range));
    }
    Ok(checked.out)
}

/// The entries accepted so far, and the checks every entry passes whatever its syntax.
struct Checked<'a> {
    items: &'a IdMap,
    rules: &'a HistoryRules,
    out: Vec<(ItemIdx, f32)>,
    /// Position of each item's entry, to name both entries of a repeat.
    positions: Vec<(u32, usize)>,
}

impl<'a> Checked<'a> {
    fn new(items: &'a IdMap, rules: &'a HistoryRules) -> Self {
        Checked {
            items,
            rules,
            out: Vec::new(),
            positions: Vec::new(),
        }
    }

    /// Checks entry number `position` (`entry` as written, its `item` id and `value`) and
    /// keeps it.
    fn push(
        &mut self,
        position: usize,
        entry: &str,
        item: &str,
        value: Option<f32>,
    ) -> Result<(), HistoryError> {
        let value = match (self.rules.rating_range, value) {
            (Some((lo, hi)), None) => {
                return Err(HistoryError::MissingRating {
                    entry: entry.to_string(),
                    lo,
                    hi,
                });
            }
            (Some((lo, hi)), Some(v)) if !(lo..=hi).contains(&v) => {
                return Err(HistoryError::RatingOutOfRange {
                    entry: entry.to_string(),
                    value: v,
                    lo,
                    hi,
                });
            }
            (None, Some(v)) if !(v.is_finite() && v > 0.0) => {
                return Err(HistoryError::BadWeight {
                    entry: entry.to_string(),
                    value: v,
                });
            }
            (_, Some(v)) => v,
            (None, None) => 1.0,
        };
        let idx = self
            .items
            .get_text(item)
            .ok_or_else(|| HistoryError::UnknownItem {
                item: item.to_string(),
            })?;
        if let Some(&(_, first)) = self.positions.iter().find(|(i, _)| *i == idx) {
            return Err(HistoryError::Repeated {
                item: item.to_string(),
                first,
                second: position,
            });
        }
        self.positions.push((idx, position));
        self.out.push((ItemIdx(idx), value));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn items() -> IdMap {
        IdMap::from_ints([50, 172, 181, 7]).unwrap()
    }

    fn err(text: &str, rules: HistoryRules) -> HistoryError {
        parse_history(text, &items(), &rules).unwrap_err()
    }

    const RATING: HistoryRules = HistoryRules {
        rating_range: Some((1.0, 5.0)),
    };
    const RANKING: HistoryRules = HistoryRules { rating_range: None };

    #[test]
    fn a_rating_model_takes_ratings_in_its_range() {
        let h = parse_history(" 50:5 , 172:1,181:3.5", &items(), &RATING).unwrap();
        assert_eq!(h, [(ItemIdx(0), 5.0), (ItemIdx(1), 1.0), (ItemIdx(2), 3.5)]);
        assert!(matches!(
            err("50", RATING),
            HistoryError::MissingRating { .. }
        ));
        assert!(matches!(
            err("50:1e9", RATING),
            HistoryError::RatingOutOfRange { .. }
        ));
        assert!(matches!(
            err("50:0.99", RATING),
            HistoryError::RatingOutOfRange { .. }
        ));
        assert!(matches!(
            err("50:inf", RATING),
            HistoryError::DoesNotFit { .. }
        ));
        assert!(matches!(
            err("50:nan", RATING),
            HistoryError::NotANumber { .. }
        ));
        let msg = err("50", RATING).to_string();
        assert!(
            msg.contains("ITEM:RATING") && msg.contains("1 to 5"),
            "{msg}"
        );
    }

    #[test]
    fn a_rating_model_without_a_stored_range_takes_any_finite_rating_and_says_so() {
        let any = HistoryRules::any_finite_rating();
        let h = parse_history("50:-1e30,172:7", &items(), &any).unwrap();
        assert_eq!(h, [(ItemIdx(0), -1e30), (ItemIdx(1), 7.0)]);
        for msg in [err("50", any).to_string(), err("", any).to_string()] {
            assert!(msg.contains("RATING any finite number"), "{msg}");
            assert!(!msg.contains("340282"), "{msg}");
        }
        assert!(err("", any).to_string().contains("such as 50:4,172:3"));
    }

    #[test]
    fn a_ranking_model_takes_bare_items_and_positive_weights() {
        let h = parse_history("50,172:2.5", &items(), &RANKING).unwrap();
        assert_eq!(h, [(ItemIdx(0), 1.0), (ItemIdx(1), 2.5)]);
        for bad in ["50:0", "50:-1", "50:-0"] {
            assert!(
                matches!(err(bad, RANKING), HistoryError::BadWeight { .. }),
                "{bad}"
            );
        }
    }

    /// Values a 32-bit float cannot hold are refused as written, not as the 0 or the
    /// infinity a float would make of them (the server's JSON takes the same rule).
    #[test]
    fn values_beyond_a_float_are_refused_as_given() {
        for (text, value) in [
            ("50:1e-50", "1e-50"),
            ("50:1e39", "1e39"),
            ("50:-inf", "-inf"),
        ] {
            for rules in [RATING, RANKING] {
                let e = err(text, rules);
                assert_eq!(
                    e,
                    HistoryError::DoesNotFit {
                        entry: text.into(),
                        value: value.into()
                    }
                );
                assert!(
                    e.to_string().contains(&format!("{value} does not fit")),
                    "{e}"
                );
            }
        }
        // The smallest subnormal and the largest float are taken.
        let h = parse_history("50:1e-45,172:3.4028235e38", &items(), &RANKING).unwrap();
        assert_eq!(h, [(ItemIdx(0), f32::from_bits(1)), (ItemIdx(1), f32::MAX)]);
        assert_eq!(f32_as_sent("0.000e-99"), Some(0.0));
        assert_eq!(f32_as_sent("x"), None);
    }

    /// Regression (issue 12): `50:5:3` was reported as "item 50:5 is not known".
    #[test]
    fn more_than_one_colon_is_a_syntax_error_not_an_unknown_item() {
        for rules in [RATING, RANKING] {
            for bad in ["50:5:3", ":5", "50:", "50::5"] {
                let e = err(bad, rules);
                assert!(matches!(e, HistoryError::Syntax { .. }), "{bad}: {e}");
                assert!(e.to_string().contains("expected ITEM or ITEM:VALUE"), "{e}");
                assert!(!e.to_string().contains("not known"), "{e}");
            }
        }
    }

    #[test]
    fn repeats_unknown_items_and_empty_entries_are_refused_by_name() {
        let e = err("50:5,172:3,50:4", RATING);
        assert_eq!(
            e,
            HistoryError::Repeated {
                item: "50".into(),
                first: 1,
                second: 3
            }
        );
        let e = err("99:3", RATING).to_string();
        assert_eq!(e, "item 99 is not known to the model");
        let e = err("\u{1b}[31m:3", RATING).to_string();
        assert!(!e.contains('\u{1b}') && e.contains("\\x1b"), "{e}");
        assert!(matches!(
            err("50:5,,7:1", RATING),
            HistoryError::EmptyEntry { position: 2, .. }
        ));
        assert!(matches!(err(" ", RANKING), HistoryError::Empty(None)));
        assert!(err("", RATING).to_string().contains("ITEM:RATING"));
    }

    #[test]
    fn entries_follow_the_rules_of_the_text_form() {
        let h = history_from_entries([("50", Some(5.0)), ("172", Some(1.0))], &items(), &RATING);
        assert_eq!(
            h.unwrap(),
            parse_history("50:5,172:1", &items(), &RATING).unwrap()
        );
        let e = |entries: &[(&str, Option<f32>)], rules| {
            history_from_entries(entries.iter().copied(), &items(), &rules).unwrap_err()
        };
        assert!(matches!(e(&[], RATING), HistoryError::Empty(_)));
        assert!(matches!(
            e(&[("50", None)], RATING),
            HistoryError::MissingRating { .. }
        ));
        assert!(matches!(
            e(&[("50", Some(9.0))], RATING),
            HistoryError::RatingOutOfRange { .. }
        ));
        assert!(matches!(
            e(&[("50", Some(f32::NAN))], RANKING),
            HistoryError::NotANumber { .. }
        ));
        assert!(matches!(
            e(&[("50", Some(-1.0))], RANKING),
            HistoryError::BadWeight { .. }
        ));
        assert!(matches!(
            e(&[("99", Some(1.0))], RANKING),
            HistoryError::UnknownItem { .. }
        ));
        assert!(matches!(
            e(&[(" ", Some(1.0))], RANKING),
            HistoryError::EmptyEntry { .. }
        ));
        assert!(matches!(
            e(&[("50", None), ("50", Some(2.0))], RANKING),
            HistoryError::Repeated {
                first: 1,
                second: 2,
                ..
            }
        ));
        assert_eq!(
            history_from_entries([("50", None), ("7", Some(2.0))], &items(), &RANKING).unwrap(),
            [(ItemIdx(0), 1.0), (ItemIdx(3), 2.0)]
        );
    }

    proptest! {
        /// Any well-formed history of distinct known items parses back to its values.
        #[test]
        fn well_formed_histories_parse_back(
            picks in proptest::sample::subsequence(vec![50i64, 172, 181, 7], 1..=4),
            halves in proptest::collection::vec(2u32..=10, 4),
        ) {
            let entries: Vec<(i64, f32)> =
                picks.iter().zip(&halves).map(|(&i, &h)| (i, h as f32 / 2.0)).collect();
            let text = entries.iter().map(|(i, v)| format!("{i}:{v}")).collect::<Vec<_>>().join(",");
            let h = parse_history(&text, &items(), &RATING).unwrap();
            let map = items();
            for ((item, v), (idx, got)) in entries.iter().zip(&h) {
                prop_assert_eq!(map.get_int(*item), Some(idx.0));
                prop_assert_eq!(v, got);
            }
        }

        /// Whatever the text, the parser returns a history or an error; it never panics,
        /// and what it returns holds each known item at most once with a valid value.
        #[test]
        fn any_text_gives_a_valid_history_or_an_error(text in "[0-9:,. a-z-]{0,24}") {
            for rules in [RATING, RANKING] {
                if let Ok(h) = parse_history(&text, &items(), &rules) {
                    let mut seen: Vec<u32> = h.iter().map(|(i, _)| i.0).collect();
                    seen.sort_unstable();
                    seen.dedup();
                    prop_assert_eq!(seen.len(), h.len());
                    for (_, v) in &h {
                        let valid = match rules.rating_range {
                            Some((lo, hi)) => (lo..=hi).contains(v),
                            None => v.is_finite() && *v > 0.0,
                        };
                        prop_assert!(valid, "value {} with rules {:?}", v, rules);
                    }
                }
            }
        }
    }
}
