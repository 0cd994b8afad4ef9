//! Parsing one line of a rating file into a [`Row`], without interning its ids.
//!
//! [`RowRules`] holds the only state a line's meaning depends on: whether the header line was
//! seen and the field count of the first data row (formats whose rows must all have the same
//! count). Both are settled by the first lines of a file, so once they are
//! ([`RowRules::settled`]) every later line parses independently of the others, which is what
//! lets the reader parse chunks of a file in parallel.

use crate::read::layout::{Header, Layout, split};
use crate::read::lines::shown;
use crate::read::numbers::{parse_f32, parse_i64, parse_id};

/// The ids of a row, checked but not yet interned.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ids<'l> {
    /// Integer ids (user, item).
    Int(i64, i64),
    /// String ids (user, item).
    Text(&'l str, &'l str),
}

/// What a non-empty line holds.
#[derive(Clone, Copy, Debug)]
pub(super) enum Row<'l> {
    /// The header line.
    Header,
    /// A data row.
    Data {
        /// Its user and item ids.
        ids: Ids<'l>,
        /// Its value (the fixed rating when the layout has no rating column).
        value: f32,
        /// Its timestamp, when the layout has one and the row holds it.
        timestamp: Option<i64>,
    },
}

/// The row parser of one file: the layout and what the first lines settled.
#[derive(Clone, Debug)]
pub(super) struct RowRules<'a> {
    pub(super) layout: &'a Layout,
    pub(super) scale: Option<(f32, f32)>,
    /// Field count of the first data row and its line (for `same_count` layouts).
    pub(super) first_count: Option<(usize, u64)>,
    pub(super) header_seen: bool,
    /// Field ranges of the current line (scratch).
    fields: Vec<(usize, usize)>,
}

impl<'a> RowRules<'a> {
    /// Rules for a file of `layout`, before its first line.
    pub(super) fn new(layout: &'a Layout, scale: Option<(f32, f32)>) -> Self {
        RowRules {
            layout,
            scale,
            first_count: None,
            header_seen: false,
            fields: Vec::with_capacity(8),
        }
    }

    /// Whether no later line can change the rules (header seen, field count known).
    pub(super) fn settled(&self) -> bool {
        self.header_seen && (!self.layout.same_count || self.first_count.is_some())
    }

    /// Parses one non-empty line: `Err(message)` if it is malformed. `line_no` is its 1-based
    /// number in the file when known; it is needed only while the rules are not settled
    /// (which then records it) and for line 1 (the header hint): a settled parser reading
    /// a chunk in parallel passes `None`, and never changes state.
    #[inline]
    pub(super) fn parse<'l>(
        &mut self,
        line_no: Option<u64>,
        line: &'l [u8],
    ) -> std::result::Result<Row<'l>, String> {
        let layout = self.layout;
        if !self.header_seen {
            self.header_seen = true;
            match layout.header {
                Header::Skip => return Ok(Row::Header),
                Header::Expect(names) => {
                    return self.check_header(line, names).map(|()| Row::Header);
                }
                Header::Forbidden => {}
            }
        }
        split(line, &layout.delim, &mut self.fields);
        let n = self.fields.len();
        if n < layout.min_fields || n > layout.max_fields {
            let hint = if n == 1 {
                "; is the delimiter right?"
            } else {
                ""
            };
            return Err(format!(
                "expected {} {} fields, found {n}{hint}",
                layout.expected_fields(),
                layout.delim_name
            ));
        }
        if layout.same_count {
            match self.first_count {
                None => self.first_count = Some((n, line_no.unwrap_or(0))),
                Some((first, first_line)) if first != n => {
                    return Err(format!(
                        "expected {first} {} fields (as on line {first_line}), found {n}",
                        layout.delim_name
                    ));
                }
                Some(_) => {}
            }
        }
        let fields = &self.fields;
        let field = |k: usize| {
            let (a, b) = fields[k];
            line[a..b].trim_ascii()
        };
        let (user_raw, item_raw) = (field(layout.user), field(layout.item));
        // Ids are checked first (a header line fails here, with a hint); the caller interns
        // them only once the whole row has parsed (a row that fails must not add ids).
        let ids = if layout.string_ids {
            let u = std::str::from_utf8(user_raw)
                .map_err(|_| format!("user field \"{}\" is not UTF-8", shown(user_raw)))?;
            let i = std::str::from_utf8(item_raw)
                .map_err(|_| format!("item field \"{}\" is not UTF-8", shown(item_raw)))?;
            if u.is_empty() || i.is_empty() {
                return Err(format!(
                    "{} field is empty",
                    if u.is_empty() { "user" } else { "item" }
                ));
            }
            Ids::Text(u, i)
        } else {
            let u = parse_id(user_raw).map_err(|e| {
                let mut msg = e.describe("user", &shown(user_raw));
                if line_no == Some(1) && user_raw.iter().any(u8::is_ascii_alphabetic) {
                    msg.push_str(&format!(
                        "; line 1 looks like a header (\"{}\") but this format has none",
                        shown(line)
                    ));
                }
                msg
            })?;
            let i = parse_id(item_raw).map_err(|e| e.describe("item", &shown(item_raw)))?;
            Ids::Int(u, i)
        };
        let value = match layout.rating {
            Some(k) => {
                let raw = field(k);
                let v = parse_f32(raw)
                    .ok_or_else(|| format!("rating field \"{}\" is not a number", shown(raw)))?;
                if !v.is_finite() {
                    return Err(format!(
                        "rating field \"{}\" is not a finite number",
                        shown(raw)
                    ));
                }
                if let Some((lo, hi)) = self.scale
                    && (v < lo || v > hi)
                {
                    return Err(format!(
                        "rating field \"{}\" is outside the rating scale [{lo}, {hi}]",
                        shown(raw)
                    ));
                }
                v
            }
            None => layout.fixed_rating,
        };
        let timestamp = match layout.timestamp {
            Some(k) if k < n => {
                let raw = field(k);
                Some(parse_i64(raw).ok_or_else(|| {
                    format!("timestamp field \"{}\" is not an integer", shown(raw))
                })?)
            }
            _ => None,
        };
        Ok(Row::Data {
            ids,
            value,
            timestamp,
        })
    }

    fn check_header(&self, line: &[u8], names: &[&str]) -> std::result::Result<(), String> {
        let mut ranges = Vec::new();
        split(line, &self.layout.delim, &mut ranges);
        let found: Vec<String> = ranges
            .iter()
            .map(|&(a, b)| shown(&line[a..b]).trim().to_string())
            .collect();
        let ok = found.len() == names.len()
            && found
                .iter()
                .zip(names)
                .all(|(f, n)| f.eq_ignore_ascii_case(n));
        if ok {
            return Ok(());
        }
        let what = if parse_id(
            line.split(|&b| b == self.layout.delim[0])
                .next()
                .unwrap_or(b""),
        )
        .is_ok()
        {
            "missing header line"
        } else {
            "unexpected header"
        };
        Err(format!(
            "{what}: expected \"{}\", found \"{}\"",
            names.join(&*String::from_utf8_lossy(&self.layout.delim)),
            shown(line)
        ))
    }
}
