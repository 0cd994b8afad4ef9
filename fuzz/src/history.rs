//! Target `history`: `rustrec::history::parse_history`, the `recommend --history` parser.
//!
//! Input: one byte choosing the rules (a ranking model, or a rating model with one of three
//! ranges) and the item ids (integers or strings), then the history text (UTF-8, lossy).
//!
//! Checked on success: one entry per comma-separated part, in order; each item known and
//! given once; each value inside the rating range (rating models) or finite and > 0
//! (ranking models), and 1 for a bare item of a ranking model. On error: the message holds
//! no raw control character.

use rustrec::data::IdMap;
use rustrec::history::{HistoryRules, parse_history};

/// Runs one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&choice, text)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(text);
    let rules = match choice & 3 {
        0 => HistoryRules::ranking(),
        1 => HistoryRules::rating(1.0, 5.0),
        2 => HistoryRules::rating(0.5, 5.0),
        _ => HistoryRules::rating(-10.0, 10.0),
    };
    let items = if choice & 4 == 0 {
        IdMap::from_ints([50, 172, 181, 7, 0, i64::MAX])
    } else {
        IdMap::from_strs(["50", "172", "abc", "x y", "é", "-1"])
    };
    let Ok(items) = items else {
        unreachable!("the item lists have no repeats")
    };
    match parse_history(&text, &items, &rules) {
        Ok(history) => {
            let entries: Vec<&str> = text.split(',').collect();
            assert_eq!(history.len(), entries.len(), "one entry per part");
            let mut seen: Vec<u32> = history.iter().map(|(i, _)| i.0).collect();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), history.len(), "an item given twice");
            for ((item, value), entry) in history.iter().zip(&entries) {
                assert!(item.index() < items.len());
                let (id, given) = match entry.split_once(':') {
                    Some((id, v)) => (id.trim(), Some(v)),
                    None => (entry.trim(), None),
                };
                assert_eq!(items.get_text(id), Some(item.0), "entry {entry:?}");
                match rules.rating_range {
                    Some((lo, hi)) => {
                        assert!(
                            (lo..=hi).contains(value),
                            "rating {value} outside [{lo}, {hi}]"
                        )
                    }
                    None => {
                        assert!(value.is_finite() && *value > 0.0, "weight {value}");
                        if given.is_none() {
                            assert_eq!(*value, 1.0);
                        }
                    }
                }
            }
        }
        Err(e) => crate::check::clean_message("parse_history", &e.to_string()),
    }
}
