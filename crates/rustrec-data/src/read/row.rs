//! Parsing one line of a rating file into a [`Row`], without interning its ids.
//!
//! [`RowRules`] holds the only state a line's meaning depends on: whether the header line was
//! seen and the field count of the first data row (formats whose rows must all have the same
//! count). Both are settled by the first lines of a file, so once they are
//! ([`RowRules::settled`]) every later line parses independently of the others, which is what
//! lets the reader parse chunks of a file in parallel.

use crate::read::layout::{Header, Layout};
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
        if self.header_seen
            && let Some(row) = self.fast(line)
        {
            return Ok(row);
        }
        self.general(line_no, line)
    }

    /// [`Self::parse`] without the fast path.
    fn general<'l>(
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
        layout.split_line(line, &mut self.fields)?;
        let n = self.fields.len();
        if n < layout.min_fields || n > layout.max_fields {
            let hint = if n == 1 {
                "; is the delimiter right?"
            } else {
                ""
            };
            let columns = layout
                .columns
                .as_ref()
                .map_or_else(String::new, |c| format!(" ({c})"));
            return Err(format!(
                "expected {} {} fields{columns}, found {n}{hint}",
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

    /// The fast path of the common rows: `user<d>item<d>rating[<d>timestamp]` (columns 0 to
    /// 2 or 3, the delimiter one or two bytes) made of plain digits and a short decimal
    /// rating, with the field count the rules expect and a rating in scale. It accepts only
    /// lines whose fields the general path would parse to exactly the same values (the same
    /// digit loops, the same `mantissa / 10^k` for the rating); on anything else it returns
    /// `None` and the general path decides, with its error messages.
    #[inline]
    fn fast<'l>(&self, line: &[u8]) -> Option<Row<'l>> {
        let layout = self.layout;
        if layout.string_ids
            || layout.user != 0
            || layout.item != 1
            || layout.rating != Some(2)
            || !matches!(layout.timestamp, None | Some(3))
            || !(1..=2).contains(&layout.delim.len())
        {
            return None;
        }
        let expected = if layout.same_count {
            self.first_count?.0
        } else if layout.timestamp.is_some() {
            4
        } else {
            3
        };
        let d = layout.delim.as_slice();
        let (user, p) = digits(line, 0)?;
        let p = after_delim(line, p, d)?;
        let (item, p) = digits(line, p)?;
        let p = after_delim(line, p, d)?;
        let (value, p) = short_decimal(line, p)?;
        let (fields, timestamp) = if p == line.len() {
            (3, None)
        } else {
            let p = after_delim(line, p, d)?;
            let (t, p) = digits(line, p)?;
            if p != line.len() {
                return None;
            }
            (4, Some(t))
        };
        if fields != expected || fields < layout.min_fields || fields > layout.max_fields {
            return None;
        }
        if let Some((lo, hi)) = self.scale
            && (value < lo || value > hi)
        {
            return None;
        }
        Some(Row::Data {
            ids: Ids::Int(user, item),
            value,
            timestamp: if layout.timestamp.is_some() {
                timestamp
            } else {
                None
            },
        })
    }

    fn check_header(&self, line: &[u8], names: &[&str]) -> std::result::Result<(), String> {
        let mut ranges = Vec::new();
        self.layout.split_line(line, &mut ranges)?;
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

/// 1 to 18 ASCII digits from `p` (no sign, no space: at most 18 digits cannot overflow an
/// `i64`), and where they stop.
#[inline]
fn digits(line: &[u8], p: usize) -> Option<(i64, usize)> {
    let mut v: i64 = 0;
    let mut q = p;
    while q < line.len() {
        let d = line[q].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add(i64::from(d));
        q += 1;
    }
    (q > p && q - p <= 18).then_some((v, q))
}

/// The position after the delimiter `d` at `p`.
#[inline]
fn after_delim(line: &[u8], p: usize, d: &[u8]) -> Option<usize> {
    // Byte comparisons: `starts_with` on slices this short costs a `memcmp` call.
    match *d {
        [a] => (line.get(p) == Some(&a)).then_some(p + 1),
        [a, b] => (line.get(p) == Some(&a) && line.get(p + 1) == Some(&b)).then_some(p + 2),
        _ => None,
    }
}

/// `digits[.digits]` from `p` with 1 to 7 digits in all and at least one after a point: the
/// value as [`crate::read::numbers`] computes it (an exact mantissa below 2^24 divided by an
/// exact power of ten, one rounding), and where it stops.
#[inline]
fn short_decimal(line: &[u8], p: usize) -> Option<(f32, usize)> {
    const POW10: [f32; 8] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7];
    let (mut mantissa, mut n, mut q) = (0u32, 0usize, p);
    while q < line.len() && line[q].is_ascii_digit() {
        mantissa = mantissa
            .wrapping_mul(10)
            .wrapping_add(u32::from(line[q] - b'0'));
        n += 1;
        q += 1;
    }
    if n == 0 {
        return None;
    }
    let mut frac = 0;
    if q < line.len() && line[q] == b'.' {
        q += 1;
        while q < line.len() && line[q].is_ascii_digit() {
            mantissa = mantissa
                .wrapping_mul(10)
                .wrapping_add(u32::from(line[q] - b'0'));
            n += 1;
            frac += 1;
            q += 1;
        }
        if frac == 0 {
            return None;
        }
    }
    (n <= 7).then(|| (mantissa as f32 / POW10[frac], q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::format::Format;
    use proptest::prelude::*;

    /// The fast path and the general path give the same row (or the fast path declines).
    fn same(format: &Format, first: &str, line: &str) {
        let layout = Layout::of(format);
        let mut rules = RowRules::new(&layout, Some((0.5, 5.0)));
        rules.parse(Some(1), first.as_bytes()).unwrap();
        if let Some(Row::Data {
            ids: Ids::Int(u, i),
            value,
            timestamp,
        }) = rules.fast(line.as_bytes())
        {
            let general = rules.clone().general(Some(2), line.as_bytes());
            match general {
                Ok(Row::Data {
                    ids: Ids::Int(gu, gi),
                    value: gv,
                    timestamp: gt,
                }) => {
                    assert_eq!((u, i, timestamp), (gu, gi, gt), "{line:?}");
                    assert_eq!(value.to_bits(), gv.to_bits(), "{line:?}");
                }
                other => panic!("{line:?}: fast path accepted, general gave {other:?}"),
            }
        }
    }

    #[test]
    fn the_fast_path_declines_what_it_does_not_know() {
        let layout = Layout::of(&Format::MlDat);
        let mut rules = RowRules::new(&layout, None);
        rules.parse(Some(1), b"1::2::3::4").unwrap();
        for line in [
            "1::2::3",
            "1::2::3::4::5",
            " 1::2::3::4",
            "1::2::3.::4",
            "1::2::-3::4",
            "1::2::3e1::4",
            "1::2::12345678::4",
            "1:2::3::4",
            "1::2::3::-4",
            "+1::2::3::4",
            "1234567890123456789::2::3::4",
        ] {
            assert!(rules.fast(line.as_bytes()).is_none(), "{line}");
        }
        assert!(rules.fast(b"1::2::3.5::4").is_some());
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_general_one(
            u in "[0-9]{1,19}", i in "[0-9]{1,3}", r in "[0-9]{0,8}(\\.[0-9]{0,8})?",
            t in proptest::option::of("[0-9]{1,19}"),
        ) {
            let dat = match &t {
                Some(t) => format!("{u}::{i}::{r}::{t}"),
                None => format!("{u}::{i}::{r}"),
            };
            let first = if t.is_some() { "1::2::3::4" } else { "1::2::3" };
            same(&Format::MlDat, first, &dat);
            let tsv = dat.replace("::", "\t");
            same(&Format::MlTab, "1\t2\t3\t4", &tsv);
        }
    }
}
