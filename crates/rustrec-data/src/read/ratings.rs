//! Reading rating logs into [`Triplets`] / [`Interactions`].
//!
//! Every format resolves to one [`Layout`] (delimiter, allowed field counts, columns, header
//! rule, id kind), so a single row parser serves them all. The parser works on byte slices:
//! lines come from [`super::lines`] (4 MiB reads, `memchr` for newlines), fields are split by
//! a byte loop, integers and ratings are parsed by hand ([`super::numbers`]), and integer
//! ids are interned with [`IdMap::intern_int`]. A direct-mapped table in front of the id
//! maps (raw id → dense index, for raw ids below [`DIRECT_LIMIT`]) saves the hash lookup for
//! the common case of small positive ids. A row's ids are interned only once the whole row
//! has parsed, so a skipped row adds no id.
//!
//! Measured (release, `examples/read_speed.rs`) on a 10,000,054-line ML-10M-shaped
//! `ratings.dat`: about 1.4 s of CPU for parsing plus building the `Interactions`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::error::{DataError, Result};
use crate::ids::{IdKind, IdMap};
use crate::interactions::Interactions;
use crate::progress::Progress;
use crate::read::format::{DelimitedSpec, Format, ML_CSV_HEADER, detect_format};
use crate::read::lines::{for_each_line, open, shown};
use crate::read::numbers::{parse_f32, parse_i64, parse_id};
use crate::triplets::{DuplicatePolicy, Triplets};

/// How many skipped rows [`ReadReport::first_skipped`] keeps.
pub const KEPT_SKIPPED: usize = 10;

/// Raw integer ids below this are looked up in a flat table before the hash map.
const DIRECT_LIMIT: i64 = 1 << 22;

/// How to read a rating file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadOptions {
    /// The file's format (`Auto` detects it, see [`detect_format`]).
    pub format: Format,
    /// Skip (and count) rows that do not parse instead of failing on the first one.
    pub skip_bad_rows: bool,
    /// Allowed rating range `[lo, hi]`, inclusive; a value outside is an error (or skipped).
    pub rating_scale: Option<(f32, f32)>,
    /// What to do with a repeated (user, item) pair.
    pub duplicates: DuplicatePolicy,
}

impl ReadOptions {
    /// Options for `format`, with the defaults otherwise (fail on bad rows and duplicates).
    pub fn new(format: Format) -> Self {
        ReadOptions {
            format,
            ..Self::default()
        }
    }
}

/// What a read did.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadReport {
    /// The file read.
    pub path: PathBuf,
    /// The format used (the detected one when `Auto` was asked).
    pub format: Format,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Lines in the file (a last line without newline counts).
    pub lines: u64,
    /// Data rows kept.
    pub rows: u64,
    /// Empty lines, ignored.
    pub blank_lines: u64,
    /// Rows skipped as malformed (only with `skip_bad_rows`).
    pub skipped: u64,
    /// Line number and reason of the first [`KEPT_SKIPPED`] skipped rows.
    pub first_skipped: Vec<(u64, String)>,
    /// Wall-clock seconds spent reading and parsing.
    pub seconds: f64,
}

impl ReadReport {
    /// Lines read per second.
    pub fn lines_per_sec(&self) -> f64 {
        if self.seconds > 0.0 {
            self.lines as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// What the header line of a file must be.
#[derive(Clone, Debug)]
enum Header {
    /// No header: a first line that looks like one is an error.
    Forbidden,
    /// Skip the first non-empty line.
    Skip,
    /// The first line must hold these names.
    Expect(&'static [&'static str]),
}

/// A format resolved to what the row parser needs.
#[derive(Clone, Debug)]
struct Layout {
    delim: Vec<u8>,
    delim_name: String,
    min_fields: usize,
    max_fields: usize,
    /// Whether every row must have the field count of the first row.
    same_count: bool,
    user: usize,
    item: usize,
    rating: Option<usize>,
    timestamp: Option<usize>,
    fixed_rating: f32,
    header: Header,
    string_ids: bool,
}

impl Layout {
    fn of(format: &Format) -> Layout {
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
            Format::Auto | Format::MlTab => ml("\t", "tab-separated", 4, Header::Forbidden),
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

    fn expected_fields(&self) -> String {
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
fn split(line: &[u8], delim: &[u8], out: &mut Vec<(usize, usize)>) {
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

/// A raw → dense id cache in front of an [`IdMap`] for small non-negative integer ids.
struct Interner<'m> {
    map: &'m mut IdMap,
    /// `direct[raw] = index + 1`, 0 when unknown.
    direct: Vec<u32>,
}

impl<'m> Interner<'m> {
    fn new(map: &'m mut IdMap) -> Self {
        let mut direct = Vec::new();
        if let Some(ids) = map.int_ids() {
            for (k, &raw) in ids.iter().enumerate() {
                if (0..DIRECT_LIMIT).contains(&raw) {
                    let raw = raw as usize;
                    if raw >= direct.len() {
                        direct.resize(raw + 1, 0);
                    }
                    direct[raw] = k as u32 + 1;
                }
            }
        }
        Interner { map, direct }
    }

    #[inline]
    fn int(&mut self, raw: i64) -> u32 {
        if (0..DIRECT_LIMIT).contains(&raw) && self.map.kind() == IdKind::Int {
            let slot = raw as usize;
            if let Some(&k) = self.direct.get(slot)
                && k != 0
            {
                return k - 1;
            }
            let k = self.map.intern_int(raw);
            if slot >= self.direct.len() {
                self.direct.resize((slot + 1).next_power_of_two(), 0);
            }
            self.direct[slot] = k + 1;
            k
        } else {
            self.map.intern_int(raw)
        }
    }

    #[inline]
    fn text(&mut self, raw: &str) -> u32 {
        self.map.intern_str(raw)
    }
}

/// The ids of a row, checked but not yet interned.
enum Ids<'l> {
    Int(i64, i64),
    Text(&'l str, &'l str),
}

/// Parses the rows of one file.
struct RowParser<'a, 'm> {
    layout: &'a Layout,
    scale: Option<(f32, f32)>,
    users: Interner<'m>,
    items: Interner<'m>,
    out: Triplets,
    fields: Vec<(usize, usize)>,
    /// Field count of the first data row (for `same_count` layouts).
    first_count: Option<(usize, u64)>,
    header_seen: bool,
    /// Whether rows must know their line (for duplicate errors). While row `k` is line
    /// `k + 1` the line numbers are implicit ([`Triplets::line_of`]) and not stored.
    keep_lines: bool,
}

impl RowParser<'_, '_> {
    /// Handles one non-empty line: `Ok(true)` if it was a data row, `Ok(false)` for a header,
    /// `Err(message)` if it is malformed.
    #[inline]
    fn line(&mut self, line_no: u64, line: &[u8]) -> std::result::Result<bool, String> {
        let layout = self.layout;
        if !self.header_seen {
            self.header_seen = true;
            match layout.header {
                Header::Skip => return Ok(false),
                Header::Expect(names) => {
                    return self.check_header(line, names).map(|()| false);
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
                None => self.first_count = Some((n, line_no)),
                Some((first, first_line)) if first != n => {
                    return Err(format!(
                        "expected {first} {} fields (as on line {first_line}), found {n}",
                        layout.delim_name
                    ));
                }
                Some(_) => {}
            }
        }
        let field = |k: usize| {
            let (a, b) = self.fields[k];
            line[a..b].trim_ascii()
        };
        let (user_raw, item_raw) = (field(layout.user), field(layout.item));
        // Ids are checked first (a header line fails here, with a hint), interned last (a
        // row that fails later must not add ids).
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
                if line_no == 1 && user_raw.iter().any(u8::is_ascii_alphabetic) {
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
        let (user, item) = match ids {
            Ids::Int(u, i) => (self.users.int(u), self.items.int(i)),
            Ids::Text(u, i) => (self.users.text(u), self.items.text(i)),
        };
        if self.keep_lines && self.out.lines.is_none() && line_no != self.out.len() as u64 + 1 {
            // Rows stop being lines 1, 2, 3, …: from now on line numbers are stored.
            self.out.lines = Some((1..=self.out.len() as u64).collect());
        }
        self.out.push(user, item, value, timestamp, line_no);
        Ok(true)
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

/// Reads a rating file into `Triplets` whose indices come from (and extend) `users` and
/// `items`, so that several files can share one id space.
///
/// Errors name the file, the line and the field ([`DataError::Parse`]); an empty file is
/// [`DataError::Empty`]. With `skip_bad_rows` malformed rows are skipped and counted in the
/// report instead. Blank lines are ignored (and counted). When the duplicate policy is
/// `Error`, every row knows its line so that a duplicate names both lines: implicitly
/// (`lines` is `None`) while row `k` is line `k + 1`, stored once a header, blank or skipped
/// line breaks that.
pub fn read_triplets(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    users: &mut IdMap,
    items: &mut IdMap,
    progress: &dyn Progress,
) -> Result<(Triplets, ReadReport)> {
    let path = path.as_ref();
    let started = Instant::now();
    let (_, bytes) = open(path)?;
    let format = match &options.format {
        Format::Auto => detect_format(path)?,
        other => other.clone(),
    };
    let layout = Layout::of(&format);
    let estimate = (bytes / 24) as usize;
    let mut out = Triplets::new(
        path.display().to_string(),
        layout.timestamp.is_some(),
        false,
    );
    out.users.reserve(estimate);
    out.items.reserve(estimate);
    out.values.reserve(estimate);
    if let Some(ts) = &mut out.timestamps {
        ts.reserve(estimate);
    }
    let mut parser = RowParser {
        layout: &layout,
        scale: options.rating_scale,
        users: Interner::new(users),
        items: Interner::new(items),
        out,
        fields: Vec::with_capacity(8),
        first_count: None,
        header_seen: false,
        keep_lines: options.duplicates == DuplicatePolicy::Error,
    };
    let (mut blank, mut skipped, mut first_skipped) = (0u64, 0u64, Vec::new());
    let lines = for_each_line(path, progress, "reading", |line_no, mut line| {
        if line_no == 1 {
            // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first field.
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            blank += 1;
            return Ok(());
        }
        match parser.line(line_no, line) {
            Ok(_) => Ok(()),
            Err(message) if options.skip_bad_rows => {
                skipped += 1;
                if first_skipped.len() < KEPT_SKIPPED {
                    first_skipped.push((line_no, message));
                }
                Ok(())
            }
            Err(message) => Err(DataError::parse(path, line_no, message)),
        }
    })?;
    let mut out = parser.out;
    if out.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    if parser.first_count.is_some_and(|(n, _)| n < 4) && layout.same_count {
        out.timestamps = None; // a ratings.dat without timestamps
    }
    let report = ReadReport {
        path: path.into(),
        format,
        bytes,
        lines,
        rows: out.len() as u64,
        blank_lines: blank,
        skipped,
        first_skipped,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((out, report))
}

/// Fresh id maps for a format: string maps when the format has string ids.
fn fresh_maps(options: &ReadOptions) -> (IdMap, IdMap) {
    match &options.format {
        Format::Delimited(spec) if spec.string_ids => (IdMap::new_str(), IdMap::new_str()),
        _ => (IdMap::new_int(), IdMap::new_int()),
    }
}

/// Reads a rating file into [`Interactions`] with its own id space. The report's `seconds`
/// include building the matrix.
pub fn read_interactions(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    progress: &dyn Progress,
) -> Result<(Interactions, ReadReport)> {
    let started = Instant::now();
    let path = path.as_ref();
    let options = resolve(path, options)?;
    let (mut users, mut items) = fresh_maps(&options);
    let (triplets, mut report) = read_triplets(path, &options, &mut users, &mut items, progress)?;
    let x = triplets.build(Arc::new(users), Arc::new(items), options.duplicates)?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok((x, report))
}

/// Options with `Auto` replaced by the detected format.
fn resolve(path: &Path, options: &ReadOptions) -> Result<ReadOptions> {
    let mut options = options.clone();
    if options.format == Format::Auto {
        options.format = detect_format(path)?;
    }
    Ok(options)
}

/// A predefined train/test pair read into one id space.
#[derive(Clone, Debug)]
pub struct TrainTest {
    /// The training interactions.
    pub train: Interactions,
    /// The test interactions, in the same id space (same `Arc` maps) as `train`.
    pub test: Interactions,
    /// What reading the training file did.
    pub train_report: ReadReport,
    /// What reading the test file did.
    pub test_report: ReadReport,
}

/// Reads a predefined split (`ua.base` / `ua.test`, `u1.base` / `u1.test`, …): both files
/// intern into the same id maps, and both `Interactions` are built over the final maps
/// (the same `Arc`s), so users or items seen only in the test file exist, empty, in train.
/// With `Auto`, each file's format is detected separately.
pub fn read_train_test(
    train_path: impl AsRef<Path>,
    test_path: impl AsRef<Path>,
    options: &ReadOptions,
    progress: &dyn Progress,
) -> Result<TrainTest> {
    let train_options = resolve(train_path.as_ref(), options)?;
    let test_options = resolve(test_path.as_ref(), options)?;
    let (mut users, mut items) = fresh_maps(&train_options);
    let (train, train_report) =
        read_triplets(train_path, &train_options, &mut users, &mut items, progress)?;
    let (test, test_report) =
        read_triplets(test_path, &test_options, &mut users, &mut items, progress)?;
    let (users, items) = (Arc::new(users), Arc::new(items));
    Ok(TrainTest {
        train: train.build(users.clone(), items.clone(), options.duplicates)?,
        test: test.build(users, items, options.duplicates)?,
        train_report,
        test_report,
    })
}
