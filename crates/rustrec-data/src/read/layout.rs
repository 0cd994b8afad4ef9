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
        };
        match format {
            // Parquet is not text: the reader hands it to the Parquet reader before asking
            // for a layout, so its arm only has to be some layout.
            Format::Auto | Format::MlTab | Format::Parquet => {
                ml("\t", "tab-separated", 4, Header::Forbidden)
            }
            Format::MlDat => ml("::", "'::'-separated", 3, Header::Forbidden),
            Format::MlCsv => ml(",", "comma-separated", 4, Header::Expect(&ML_CSV_HEADER)),
            Format::Delimited(spec) => Layout::delimited(spec),
        }
    }

    fn delimited(spec: &DelimitedSpec) -> Layout {
        let needed = [
            Some(spec.user_col),
            Some(spec.item_col),
            spec.rating_col,
            spec.timestamp_col,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0)
            + 1;
        let delim_name = match spec.delimiter.as_slice() {
            b"\t" => "tab-separated".to_string(),
            b"," => "comma-separated".to_string(),
            d => format!("{:?}-separated", String::from_utf8_lossy(d)),
        };
        Layout {
            delim: spec.delimiter.clone(),
            delim_name,
            min_fields: needed,
            max_fields: usize::MAX,
            same_count: false,
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
