//! What a rating format means to the row parser: one [`Layout`] per format (delimiter, allowed
//! field counts, columns, header rule, id kind), and the field splitter.

use crate::read::format::{DelimitedSpec, Format, ML_CSV_HEADER};

/// What the header line of a file must be.
#[derive(Clone, Debug)]
pub(super) enum Header {
    /// No header: a first line that looks like one is an error.
    Forbidden,
    /// Skip the first non-empty line.
    Skip,
    /// The first line must hold these names.
    Expect(&'static [&'static str]),
}

/// A format resolved to what the row parser needs.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    pub(super) delim: Vec<u8>,
    pub(super) delim_name: String,
    pub(super) min_fields: usize,
    pub(super) max_fields: usize,
    /// Whether every row must have the field count of the first row.
    pub(super) same_count: bool,
    pub(super) user: usize,
    pub(super) item: usize,
    pub(super) rating: Option<usize>,
    pub(super) timestamp: Option<usize>,
    pub(super) fixed_rating: f32,
    pub(super) header: Header,
    pub(super) string_ids: bool,
    /// Whether a field may be quoted, as in CSV (`"a,b"`): the delimited formats, whose
    /// files other tools write; never the MovieLens `.data` and `.dat` layouts.
    pub(super) quoted: bool,
    /// What the fields of a row are, for the field-count error (`user, item, rating[,
    /// timestamp]`, `-` for a skipped column): the delimited layouts, whose columns vary.
    pub(super) columns: Option<String>,
}

impl Layout {
    pub(super) fn of(format: &Format) -> Layout {
        let ml = |delim: &str, name: &str, min, header| Layout {
            delim: delim.as_bytes().to_vec(),
            delim_name: name.to_string(),
            min_fields: min,
            max_fields: 4,
            same_count: true,
            user: 0,
            item: 1,
            rating: Some(2),
            timestamp: Some(3),
            fixed_rating: 1.0,
            header,
            string_ids: false,
            quoted: false,
            columns: None,
        };
        match format {
            // Parquet is not text: the reader hands it to the Parquet reader before asking
            // for a layout, so its arm only has to be some layout.
            Format::Auto | Format::MlTab | Format::Parquet => {
                ml("\t", "tab-separated", 4, Header::Forbidden)
            }
            Format::MlDat => ml("::", "'::'-separated", 3, Header::Forbidden),
            Format::MlCsv => Layout {
                quoted: true,
                ..ml(",", "comma-separated", 4, Header::Expect(&ML_CSV_HEADER))
            },
            Format::Delimited(spec) => Layout::delimited(spec),
        }
    }

    /// The layout of a delimited spec. Every row has the same field count: the listed
    /// columns' count ([`DelimitedSpec::field_count`]), else up to the last named column,
    /// where an optional timestamp that is the last column makes it one less or not, as
    /// the first data row says ([`DelimitedSpec::optional_timestamp`]).
    fn delimited(spec: &DelimitedSpec) -> Layout {
        let others = [Some(spec.user_col), Some(spec.item_col), spec.rating_col]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0);
        let needed = others.max(spec.timestamp_col.unwrap_or(0)) + 1;
        let (min_fields, max_fields, same_count) = match (spec.field_count, spec.timestamp_col) {
            // A count below the named columns (only a hand-built spec has one) cannot
            // hold them: every row must then hold them all, and a row of the given count
            // is refused saying so.
            (Some(n), _) => (n.max(needed), n.max(needed), false),
            (None, Some(t)) if spec.optional_timestamp && t > others => (t, t + 1, true),
            (None, _) => (needed, needed, false),
        };
        let delim_name = match spec.delimiter.as_slice() {
            b"\t" => "tab-separated".to_string(),
            b"," => "comma-separated".to_string(),
            d => format!("{:?}-separated", String::from_utf8_lossy(d)),
        };
        Layout {
            delim: spec.delimiter.clone(),
            delim_name,
            min_fields,
            max_fields,
            same_count,
            user: spec.user_col,
            item: spec.item_col,
            rating: spec.rating_col,
            timestamp: spec.timestamp_col,
            fixed_rating: spec.fixed_rating.unwrap_or(1.0),
            header: if spec.has_header {
                Header::Skip
            } else {
                Header::Forbidden
            },
            string_ids: spec.string_ids,
            quoted: spec.delimiter.len() == 1,
            columns: Some(column_names(spec, max_fields, same_count)),
        }
    }

    /// Whether the rows lack the timestamp column, as the first data row's field count
    /// (`first_count`) says: a `ratings.dat`, tsv or csv of three fields.
    pub(super) fn rows_lack_timestamp(&self, first_count: Option<(usize, u64)>) -> bool {
        self.same_count
            && self
                .timestamp
                .is_some_and(|t| first_count.is_some_and(|(n, _)| n <= t))
    }

    /// Splits `line` into its fields' byte ranges (`out`), honouring quotes where the
    /// layout has them ([`split_quoted`]).
    #[inline]
    pub(super) fn split_line(
        &self,
        line: &[u8],
        out: &mut Vec<(usize, usize)>,
    ) -> Result<(), String> {
        match *self.delim {
            [d] if self.quoted && memchr::memchr(b'"', line).is_some() => {
                split_quoted(line, d, out)
            }
            _ => {
                split(line, &self.delim, out);
                Ok(())
            }
        }
    }

    pub(super) fn expected_fields(&self) -> String {
        if self.max_fields == usize::MAX {
            format!("at least {}", self.min_fields)
        } else if self.min_fields == self.max_fields {
            format!("{}", self.min_fields)
        } else {
            format!("{} or {}", self.min_fields, self.max_fields)
        }
    }
}

/// The columns of a row of `spec`'s `fields` fields, as the field-count error shows them:
/// `user, item, rating, -`, the optional timestamp in brackets (`rating[, timestamp]`).
fn column_names(spec: &DelimitedSpec, fields: usize, timestamp_optional: bool) -> String {
    let mut out = String::new();
    for k in 0..fields {
        let name = if k == spec.user_col {
            "user"
        } else if k == spec.item_col {
            "item"
        } else if Some(k) == spec.rating_col {
            "rating"
        } else if Some(k) == spec.timestamp_col {
            "timestamp"
        } else {
            "-"
        };
        let optional = timestamp_optional && Some(k) == spec.timestamp_col;
        if optional {
            out.push('[');
        }
        if k > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        if optional {
            out.push(']');
        }
    }
    out
}

/// Splits `line` at `delim` into `out` (byte ranges).
///
/// A plain byte loop: rating lines are short (~25 bytes), where calling `memchr` per field
/// costs more than it saves (measured on a 10M-line `ratings.dat`).
#[inline]
pub(super) fn split(line: &[u8], delim: &[u8], out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut start = 0;
    match *delim {
        [d] => {
            for (p, &b) in line.iter().enumerate() {
                if b == d {
                    out.push((start, p));
                    start = p + 1;
                }
            }
        }
        [d0, d1] => {
            let mut p = 0;
            while p + 1 < line.len() {
                if line[p] == d0 && line[p + 1] == d1 {
                    out.push((start, p));
                    p += 2;
                    start = p;
                } else {
                    p += 1;
                }
            }
        }
        _ if !delim.is_empty() => {
            let mut p = 0;
            while p + delim.len() <= line.len() {
                if line[p..].starts_with(delim) {
                    out.push((start, p));
                    p += delim.len();
                    start = p;
                } else {
                    p += 1;
                }
            }
        }
        _ => {}
    }
    out.push((start, line.len()));
}

/// Splits a line of a quoting layout at the one-byte `delim` into `out` (byte ranges), as
/// CSV quotes fields (RFC 4180): a field that opens with `"` (after spaces) runs to its
/// closing quote and may hold the delimiter; its range is the text between the quotes.
/// A quote elsewhere in a field is an ordinary character, as Python's and pandas' CSV
/// readers take it.
///
/// Refused, with what is wrong and the field's number: a quote the line does not close
/// (a field cannot hold a line break: the reader splits files at line ends), a doubled
/// quote (`""`, which stands for `"`) inside quotes (ids and numbers hold no quotes; the
/// reader keeps ids as slices of the file's text), and text after a closing quote.
pub(super) fn split_quoted(
    line: &[u8],
    delim: u8,
    out: &mut Vec<(usize, usize)>,
) -> Result<(), String> {
    out.clear();
    let skip_spaces = |mut p: usize| {
        while line.get(p) == Some(&b' ') {
            p += 1;
        }
        p
    };
    let mut start = 0;
    loop {
        let field = out.len() + 1;
        let first = skip_spaces(start);
        let end = if line.get(first) == Some(&b'"') {
            let open = first + 1;
            let Some(len) = memchr::memchr(b'"', &line[open..]) else {
                return Err(format!(
                    "field {field} opens a quote that the line does not close (a field \
                     cannot hold a line break)"
                ));
            };
            let close = open + len;
            if line.get(close + 1) == Some(&b'"') {
                return Err(format!(
                    "field {field} holds a doubled quote (\"\"), which stands for a quote \
                     character; ids and numbers cannot hold one"
                ));
            }
            out.push((open, close));
            let after = skip_spaces(close + 1);
            if after < line.len() && line[after] != delim {
                return Err(format!(
                    "field {field} has text after its closing quote; a quoted field ends at \
                     the quote"
                ));
            }
            after
        } else {
            let end = memchr::memchr(delim, &line[start..]).map_or(line.len(), |k| start + k);
            out.push((start, end));
            end
        };
        if end >= line.len() {
            return Ok(());
        }
        start = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Result<Vec<&str>, String> {
        let mut out = Vec::new();
        split_quoted(line.as_bytes(), b',', &mut out)?;
        Ok(out.iter().map(|&(a, b)| &line[a..b]).collect())
    }

    /// Without quotes the quoted splitter agrees with the plain one.
    #[test]
    fn lines_without_quotes_split_as_before() {
        for line in ["1,2,3.5,4", "a,,b,", ",", "", "x y, z"] {
            let mut plain = Vec::new();
            split(line.as_bytes(), b",", &mut plain);
            let mut quoted = Vec::new();
            split_quoted(line.as_bytes(), b',', &mut quoted).unwrap();
            assert_eq!(plain, quoted, "{line:?}");
        }
    }

    #[test]
    fn quoted_fields_hold_the_delimiter_and_lose_their_quotes() {
        assert_eq!(
            fields(r#""u1","Godfather, The (1972)",4.5,"978300760""#).unwrap(),
            ["u1", "Godfather, The (1972)", "4.5", "978300760"]
        );
        assert_eq!(fields(r#" "a" ,"",b"#).unwrap(), ["a", "", "b"]);
        assert_eq!(fields(r#"a,"b""#).unwrap(), ["a", "b"]);
        // A quote inside an unquoted field is a character.
        assert_eq!(fields(r#"12" pizza,b"#).unwrap(), [r#"12" pizza"#, "b"]);
    }

    #[test]
    fn unclosed_doubled_and_trailing_quotes_are_refused_naming_the_field() {
        let e = fields(r#"a,"b,c"#).unwrap_err();
        assert!(e.contains("field 2") && e.contains("does not close"), "{e}");
        let e = fields(r#""say ""hi""",b"#).unwrap_err();
        assert!(e.contains("field 1") && e.contains("doubled quote"), "{e}");
        let e = fields(r#"a,"b"c,d"#).unwrap_err();
        assert!(
            e.contains("field 2") && e.contains("after its closing quote"),
            "{e}"
        );
    }
}
