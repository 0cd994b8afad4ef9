//! File formats of rating logs, and how a format is told from a file's name and first line.

use std::fmt;
use std::io::Read;
use std::path::Path;

use crate::error::{DataError, Result};
use crate::read::layout::{split, split_quoted};
use crate::read::lines::{open, shown, trim_cr};
use crate::read::numbers::parse_id;

/// The header line of MovieLens 20M/25M/latest `ratings.csv`.
pub const ML_CSV_HEADER: [&str; 4] = ["userId", "movieId", "rating", "timestamp"];

/// The layout of a rating file.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Format {
    /// Tell the format from the file's name, then from its first line (see [`detect_format`]).
    #[default]
    Auto,
    /// MovieLens 100K `u.data`, `u1.base`, `ua.test`, …: `user<TAB>item<TAB>rating<TAB>timestamp`,
    /// no header, integer ids.
    MlTab,
    /// MovieLens 1M/10M `ratings.dat`: `user::item::rating[::timestamp]` (3 or 4 fields, the
    /// same count on every line), no header, integer ids.
    MlDat,
    /// MovieLens 20M/25M/latest `ratings.csv`: header `userId,movieId,rating,timestamp`, then
    /// comma-separated rows with integer ids.
    MlCsv,
    /// Any delimited log (CSV, TSV, …) described by a [`DelimitedSpec`].
    Delimited(DelimitedSpec),
    /// Apache Parquet with user, item, rating (and timestamp) columns: see the `parquet`
    /// module (the `parquet` feature; without it, reading one is an error that says so).
    Parquet,
}

/// A generic delimited rating (or implicit-feedback) log.
#[derive(Clone, Debug, PartialEq)]
pub struct DelimitedSpec {
    /// Field separator: one byte (`,`, `\t`, `;`) or several (`::`).
    pub delimiter: Vec<u8>,
    /// Whether the first line is a header to skip.
    pub has_header: bool,
    /// 0-based column of the user id.
    pub user_col: usize,
    /// 0-based column of the item id.
    pub item_col: usize,
    /// 0-based column of the value; `None` for implicit logs (see `fixed_rating`).
    pub rating_col: Option<usize>,
    /// 0-based column of the timestamp (an integer), if any.
    pub timestamp_col: Option<usize>,
    /// The value given to every row when there is no rating column (default 1).
    pub fixed_rating: Option<f32>,
    /// Whether ids are arbitrary strings (otherwise non-negative integers).
    pub string_ids: bool,
    /// Whether rows may leave out the timestamp column, which must then be the last one
    /// (`user item rating [timestamp]`, set by [`Self::csv`] and [`Self::tsv`]): the first
    /// data row decides, and every later row must have its field count, as in `ratings.dat`.
    /// Otherwise every row holds the timestamp column.
    pub optional_timestamp: bool,
    /// The number of fields of every row, when the columns were listed one by one
    /// ([`Self::with_columns`]: `-` columns count, a trailing one too). `None`: every row
    /// holds the named columns and no more (see `optional_timestamp`). A row with another
    /// count is an error, never read in part.
    pub field_count: Option<usize>,
}

impl DelimitedSpec {
    /// Columns user, item, rating = 0, 1, 2, no timestamp, no header, integer ids: every
    /// row has exactly three fields.
    pub fn new(delimiter: &str) -> Self {
        DelimitedSpec {
            delimiter: delimiter.as_bytes().to_vec(),
            has_header: false,
            user_col: 0,
            item_col: 1,
            rating_col: Some(2),
            timestamp_col: None,
            fixed_rating: None,
            string_ids: false,
            optional_timestamp: false,
            field_count: None,
        }
    }

    /// The layout `user item rating [timestamp]` on `delimiter`: three or four fields, the
    /// same count on every row (the first data row decides), the fourth an integer
    /// timestamp. What [`crate::write`] writes as tsv and csv.
    fn with_optional_timestamp(delimiter: &str) -> Self {
        DelimitedSpec {
            timestamp_col: Some(3),
            optional_timestamp: true,
            ..Self::new(delimiter)
        }
    }

    /// A comma-separated log with a header line: `user,item,rating[,timestamp]`.
    pub fn csv() -> Self {
        DelimitedSpec {
            has_header: true,
            ..Self::with_optional_timestamp(",")
        }
    }

    /// A tab-separated log without a header line: `user<TAB>item<TAB>rating[<TAB>timestamp]`.
    pub fn tsv() -> Self {
        Self::with_optional_timestamp("\t")
    }

    /// Sets the columns from names in order, e.g. `["user", "item", "rating", "timestamp"]`;
    /// `-` or `_` skips a column. `user` and `item` are required, and each of user, item,
    /// rating (or `value`) and timestamp (or `time`) may be named once: a second one is an
    /// error, not a column that silently replaces the first. An empty name is an error too
    /// (a stray comma), not a guess at a skipped column.
    ///
    /// The list is the whole row: every row must then have exactly `names.len()` fields,
    /// skipped ones included (`user,item,rating,-` reads rows of four fields and refuses
    /// rows of three or five), and the timestamp, when named, is on every row.
    pub fn with_columns<S: AsRef<str>>(mut self, names: &[S]) -> Result<Self> {
        let joined = names
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(",");
        let (mut user, mut item, mut rating, mut timestamp) = (None, None, None, None);
        for (k, name) in names.iter().enumerate() {
            let name = name.as_ref().trim();
            let slot = match name {
                "user" => &mut user,
                "item" => &mut item,
                "rating" | "value" => &mut rating,
                "timestamp" | "time" => &mut timestamp,
                "-" | "_" => continue,
                "" => {
                    return Err(DataError::invalid_parameter(
                        "columns",
                        &joined,
                        format!(
                            "a name for every column (column {} is empty): user, item, \
                             rating, timestamp, or - for a column to skip",
                            k + 1
                        ),
                    ));
                }
                other => {
                    return Err(DataError::invalid_parameter(
                        "columns",
                        other,
                        "column names user, item, rating, timestamp or - to skip one",
                    ));
                }
            };
            if let Some(first) = *slot {
                return Err(DataError::invalid_parameter(
                    "columns",
                    &joined,
                    format!(
                        "duplicate column `{name}` (columns {} and {}): name each \
                         of user, item, rating and timestamp at most once, and - for a column \
                         to skip",
                        first + 1,
                        k + 1
                    ),
                ));
            }
            *slot = Some(k);
        }
        self.rating_col = rating;
        self.timestamp_col = timestamp;
        self.user_col = user.ok_or_else(|| {
            DataError::invalid_parameter("columns", &joined, "a list naming a user column")
        })?;
        self.item_col = item.ok_or_else(|| {
            DataError::invalid_parameter("columns", &joined, "a list naming an item column")
        })?;
        self.optional_timestamp = false;
        self.field_count = Some(names.len());
        Ok(self)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Auto => f.write_str("auto"),
            Format::MlTab => f.write_str("ml-tab"),
            Format::MlDat => f.write_str("ml-dat"),
            Format::MlCsv => f.write_str("ml-csv"),
            Format::Parquet => f.write_str("parquet"),
            Format::Delimited(spec) => {
                let name = match spec.delimiter.as_slice() {
                    b"," => "csv".to_string(),
                    b"\t" => "tsv".to_string(),
                    other => format!("delimited({:?})", String::from_utf8_lossy(other)),
                };
                f.write_str(&name)
            }
        }
    }
}

impl std::str::FromStr for Format {
    type Err = DataError;
    /// `auto`, `ml-tab`, `ml-dat`, `ml-csv`, `csv` (comma, header), `tsv` (tab, no header) or
    /// `parquet`; csv and tsv rows are `user item rating [timestamp]` ([`DelimitedSpec::csv`]).
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Format::Auto),
            "ml-tab" | "ml-100k" => Ok(Format::MlTab),
            "ml-dat" | "ml-1m" | "ml-10m" => Ok(Format::MlDat),
            "ml-csv" | "ml-20m" | "ml-25m" => Ok(Format::MlCsv),
            "csv" => Ok(Format::Delimited(DelimitedSpec::csv())),
            "tsv" => Ok(Format::Delimited(DelimitedSpec::tsv())),
            "parquet" => Ok(Format::Parquet),
            other => Err(DataError::invalid_parameter(
                "format",
                other,
                "one of auto, ml-tab, ml-dat, ml-csv, csv, tsv, parquet",
            )),
        }
    }
}

/// Tells the format of a rating file, from its name and its first lines.
///
/// A file that starts with the Parquet magic bytes `PAR1`, or is named `*.parquet`, is
/// [`Format::Parquet`].
///
/// The names of the MovieLens files themselves decide: `u.data` is [`Format::MlTab`],
/// `ratings.csv` is [`Format::MlCsv`] (a file of that name that does not parse is reported
/// line by line by the reader). Extensions only guess: `*.base` / `*.test` suggest
/// [`Format::MlTab`], `*.dat` suggests [`Format::MlDat`], and the guess stands only if the
/// first non-empty line agrees with it (four tab-separated fields that are not a header;
/// a `::`): a file named `a.test` that `rustrec split` wrote as a three-column TSV is read
/// as that TSV. Without a guess, or when the content contradicts it,
/// the first line decides: `::` → `MlDat`; the `ratings.csv` header → `MlCsv`; four
/// tab-separated integers → `MlTab`; else a [`Format::Delimited`] on tab, `;` or `,` whose
/// header flag, columns (user, item, then rating and timestamp if present), field count
/// (every row as wide as the first: a wider or narrower one is an error) and id kind
/// follow that line. When the content fits no format, a guess from the name stands (the
/// reader then says what is wrong with the file), else it is an error.
pub fn detect_format(path: impl AsRef<Path>) -> Result<Format> {
    let path = path.as_ref();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (mut file, _) = open(path)?;
    let by_name = if name == "u.data" || ext == "base" || ext == "test" {
        Some(Format::MlTab)
    } else if ext == "dat" {
        Some(Format::MlDat)
    } else if name == "ratings.csv" {
        Some(Format::MlCsv)
    } else {
        None
    };
    let mut head = vec![0u8; 1 << 16];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DataError::io(path, e)),
        }
    }
    if head[..filled].starts_with(b"PAR1") || ext == "parquet" {
        return Ok(Format::Parquet);
    }
    let head = super::lines::without_byte_order_mark(&head[..filled]);
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(trim_cr)
        .filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        // An empty file: the reader reports it as such, in the format the name suggests.
        return by_name.ok_or_else(|| DataError::Empty { path: path.into() });
    };
    if let Some(guess) = by_name {
        // The release's own file names are decisive: a `u.data` that does not parse as
        // ML-100K is an error the reader explains (wrong delimiter, a header line).
        if name == "u.data" || name == "ratings.csv" || agrees(&guess, first) {
            return Ok(guess);
        }
        let sniffed = sniff(first, lines.next()).map_err(|why| DataError::parse(path, 1, why))?;
        return Ok(sniffed.unwrap_or(guess));
    }
    let sniffed = sniff(first, lines.next()).map_err(|why| DataError::parse(path, 1, why))?;
    sniffed.ok_or_else(|| {
        DataError::parse(
            path,
            1,
            format!(
                "cannot tell the format from the first line \"{}\"; give the format (and delimiter) explicitly",
                shown(first)
            ),
        )
    })
}

/// Whether a file's first non-empty line fits the format its name suggests.
fn agrees(format: &Format, first: &[u8]) -> bool {
    match format {
        Format::MlTab => {
            // Four fields, and not a header line (every field holding a letter).
            let fields: Vec<&[u8]> = first.split(|&b| b == b'\t').collect();
            fields.len() == 4 && !fields.iter().all(|f| f.iter().any(u8::is_ascii_alphabetic))
        }
        Format::MlDat => looks_like_ml_dat(first),
        Format::MlCsv => {
            let names: Vec<String> = sniffed_fields(first, b',')
                .into_iter()
                .map(|f| shown(f).trim().to_string())
                .collect();
            names.len() == ML_CSV_HEADER.len()
                && names
                    .iter()
                    .zip(ML_CSV_HEADER)
                    .all(|(n, h)| n.eq_ignore_ascii_case(h))
        }
        Format::Auto | Format::Delimited(_) | Format::Parquet => true,
    }
}

/// Whether `line` reads as a ratings.dat line: fields separated by `::`, which hold no tab,
/// comma or semicolon (in a line with one of those, `::` is part of an id:
/// `a::b<TAB>item<TAB>4`).
fn looks_like_ml_dat(line: &[u8]) -> bool {
    !line.iter().any(|b| matches!(b, b'\t' | b';' | b','))
        && memchr::memmem::find(line, b"::").is_some()
}

/// The fields of `line` split at `delim`, quoted ones without their quotes, as the
/// delimited layouts read them (a line their splitter refuses is split plainly here: the
/// reader then says what is wrong with it).
fn sniffed_fields(line: &[u8], delim: u8) -> Vec<&[u8]> {
    let mut ranges = Vec::new();
    if split_quoted(line, delim, &mut ranges).is_err() {
        split(line, &[delim], &mut ranges);
    }
    ranges.iter().map(|&(a, b)| &line[a..b]).collect()
}

/// The format suggested by a first line (and the second, when the first is a header):
/// `Ok(None)` when it suggests none, an error (the message) when it could be read two ways.
///
/// A first line whose fields all hold letters (and whose first two are not both integers)
/// is a header if it names columns ([`column_role`]: `user`, `itemId`, `rating`, ...) or if
/// the second line holds a number where it holds a name. Its names then place the columns
/// ([`header_columns`]). Without either sign the line could be a header or a row of
/// string ids (`alice,matrix`), and which one is not guessed.
fn sniff(first: &[u8], second: Option<&[u8]>) -> std::result::Result<Option<Format>, String> {
    if looks_like_ml_dat(first) {
        return Ok(Some(Format::MlDat));
    }
    let Some(delim) = [b"\t" as &[u8], b";", b","]
        .into_iter()
        .find(|d| first.contains(&d[0]))
    else {
        return Ok(None);
    };
    let fields = sniffed_fields(first, delim[0]);
    if delim == b"," {
        let names: Vec<String> = fields.iter().map(|f| shown(f).trim().to_string()).collect();
        if names == ML_CSV_HEADER {
            return Ok(Some(Format::MlCsv));
        }
    }
    let is_int = |f: &[u8]| parse_id(f.trim_ascii()).is_ok();
    let second_fields = second.map(|l| sniffed_fields(l, delim[0]));
    let looks_like_names = !fields.iter().take(2).all(|f| is_int(f))
        && fields.iter().all(|f| f.iter().any(u8::is_ascii_alphabetic));
    let names_columns = fields.iter().any(|f| column_role(f).is_some());
    let number_under_a_name = second_fields.as_ref().is_some_and(|data| {
        fields.iter().zip(data).any(|(name, value)| {
            !is_int(name)
                && std::str::from_utf8(value.trim_ascii()).is_ok_and(|v| v.parse::<f64>().is_ok())
        })
    });
    if looks_like_names && !names_columns && !number_under_a_name {
        return Err(format!(
            "line 1 \"{}\" could be a header or a row of string ids: none of its fields names \
             a column and no number follows under them; start the file with a header line \
             naming its columns (user, item, rating, timestamp, in the file's order), or give \
             the format explicitly (describe --format csv --header or --no-header)",
            shown(first)
        ));
    }
    let has_header = looks_like_names;
    if delim == b"\t"
        && !has_header
        && fields.len() == 4
        && fields.iter().all(|f| is_int(f) || f.contains(&b'.'))
    {
        return Ok(Some(Format::MlTab));
    }
    let data: Vec<&[u8]> = if has_header {
        match second_fields {
            Some(d) => d,
            None => return Ok(None),
        }
    } else {
        fields.clone()
    };
    if data.len() < 2 {
        return Ok(None);
    }
    let Ok(delimiter) = std::str::from_utf8(delim) else {
        return Ok(None);
    };
    let mut spec = DelimitedSpec::new(delimiter);
    spec.has_header = has_header;
    spec.rating_col = (data.len() > 2).then_some(2);
    spec.timestamp_col = (data.len() > 3).then_some(3);
    // Every row as wide as the first: a later row with another count is an error, not a
    // row whose extra fields are dropped.
    spec.field_count = Some(data.len());
    if has_header {
        header_columns(&fields, &mut spec)
            .map_err(|why| format!("line 1 \"{}\": {why}", shown(first)))?;
    }
    let id = |k: usize| data.get(k).is_none_or(|f| is_int(f));
    spec.string_ids = !(id(spec.user_col) && id(spec.item_col));
    Ok(Some(Format::Delimited(spec)))
}

/// What a header name says a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnRole {
    /// The user id column.
    User,
    /// The item id column.
    Item,
    /// The rating (or count, weight) column.
    Rating,
    /// The timestamp column.
    Timestamp,
}

impl ColumnRole {
    /// The role's name, as `--columns` spells it.
    fn name(self) -> &'static str {
        match self {
            ColumnRole::User => "user",
            ColumnRole::Item => "item",
            ColumnRole::Rating => "rating",
            ColumnRole::Timestamp => "timestamp",
        }
    }
}

/// The role of a column named `name` in a header (case, `_`, `-` and spaces aside): `user`,
/// `userId`, `uid`, `customer_id`, ...; `item`, `movieId`, `product`, ...; `rating`,
/// `score`, `count`, `plays`, ...; `timestamp`, `time`, `ts`.
pub fn column_role(name: &[u8]) -> Option<ColumnRole> {
    let key: String = String::from_utf8_lossy(name)
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    match key.as_str() {
        "user" | "userid" | "uid" | "customer" | "customerid" => Some(ColumnRole::User),
        "item" | "itemid" | "iid" | "movie" | "movieid" | "product" | "productid" => {
            Some(ColumnRole::Item)
        }
        "rating" | "score" | "value" | "count" | "plays" | "weight" | "stars" => {
            Some(ColumnRole::Rating)
        }
        "timestamp" | "time" | "ts" | "unixtime" => Some(ColumnRole::Timestamp),
        _ => None,
    }
}

/// Places the columns of `spec` (set by position: user, item, rating, timestamp) after the
/// header `names`. Names in the positions' own order (or unknown names) keep the positions.
/// Known names in another order place their columns by name, provided every column is
/// named, user and item among them, and no role twice; anything else is an error saying
/// what does not fit (a column would be misread).
fn header_columns(names: &[&[u8]], spec: &mut DelimitedSpec) -> std::result::Result<(), String> {
    let roles: Vec<Option<ColumnRole>> = names.iter().map(|n| column_role(n)).collect();
    let positional = |k: usize| match k {
        0 => Some(ColumnRole::User),
        1 => Some(ColumnRole::Item),
        2 if spec.rating_col.is_some() => Some(ColumnRole::Rating),
        3 if spec.timestamp_col.is_some() => Some(ColumnRole::Timestamp),
        _ => None,
    };
    if roles
        .iter()
        .enumerate()
        .all(|(k, role)| role.is_none() || *role == positional(k))
    {
        return Ok(());
    }
    let place = |wanted: ColumnRole| {
        let mut at = roles
            .iter()
            .enumerate()
            .filter(|(_, r)| **r == Some(wanted));
        match (at.next(), at.next()) {
            (Some((k, _)), None) => Ok(Some(k)),
            (None, _) => Ok(None),
            (Some((a, _)), Some((b, _))) => Err(format!(
                "columns {} and {} both name the {} column; name each once",
                a + 1,
                b + 1,
                wanted.name()
            )),
        }
    };
    let (user, item) = (place(ColumnRole::User)?, place(ColumnRole::Item)?);
    let unnamed = roles.iter().position(Option::is_none);
    match (user, item, unnamed) {
        (Some(user), Some(item), None) => {
            spec.user_col = user;
            spec.item_col = item;
            spec.rating_col = place(ColumnRole::Rating)?;
            spec.timestamp_col = place(ColumnRole::Timestamp)?;
            Ok(())
        }
        _ => Err(format!(
            "its names place columns away from the order user, item, rating, timestamp, and \
             not every column has a name rustrec knows ({}); name every column (user, item, \
             rating, timestamp) or put them in that order",
            unnamed.map_or_else(
                || "user and item are both needed".to_string(),
                |k| format!("column {} is \"{}\"", k + 1, shown(names[k]))
            )
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(name: &str, content: &str) -> Result<Format> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        detect_format(&path)
    }

    #[test]
    fn names_decide_when_the_content_agrees_or_fits_nothing() {
        assert_eq!(detect("u.data", "1\t2\t3\t4\n").unwrap(), Format::MlTab);
        assert_eq!(detect("ua.base", "").unwrap(), Format::MlTab);
        assert_eq!(detect("ratings.dat", "1::2::3\n").unwrap(), Format::MlDat);
        assert_eq!(
            detect("ratings.csv", "userId,movieId,rating,timestamp\n1,2,3,4\n").unwrap(),
            Format::MlCsv
        );
        // Content that fits no format: the name's guess stands, the reader explains.
        assert_eq!(detect("ratings.csv", "x").unwrap(), Format::MlCsv);
        assert_eq!(detect("u1.test", "garbage\n").unwrap(), Format::MlTab);
    }

    /// Regression (issue 12): `split ratings.dat --test-out a.test` wrote a 3-column TSV that
    /// was then read as ML-100K ("expected 4 tab-separated fields, found 3").
    #[test]
    fn content_that_contradicts_the_name_wins() {
        let Format::Delimited(spec) = detect("a.test", "1\t2\t5\n3\t4\t1\n").unwrap() else {
            panic!("not delimited")
        };
        assert_eq!(spec.delimiter, b"\t");
        assert_eq!((spec.rating_col, spec.timestamp_col), (Some(2), None));
        assert_eq!(detect("a.base", "1::2::5::9\n").unwrap(), Format::MlDat);
        assert_eq!(
            detect("x.dat", "userId,movieId,rating,timestamp\n1,2,3,4\n").unwrap(),
            Format::MlCsv
        );
        let Format::Delimited(spec) = detect("r.dat", "user,item,rating\n1,2,3\n").unwrap() else {
            panic!("not delimited")
        };
        assert!(spec.has_header);
        // A .test file with a header line is not ML-100K either.
        assert!(matches!(
            detect("b.test", "user\titem\trating\n1\t2\t3\n").unwrap(),
            Format::Delimited(DelimitedSpec {
                has_header: true,
                ..
            })
        ));
        assert!(matches!(
            detect("b.test", "user\titem\trating\ttime\n1\t2\t3\t4\n").unwrap(),
            Format::Delimited(DelimitedSpec {
                has_header: true,
                timestamp_col: Some(3),
                ..
            })
        ));
        // The MovieLens names decide whatever the content: the reader explains the problem.
        assert_eq!(detect("u.data", "x1\t2\t3\t4\n").unwrap(), Format::MlTab);
        assert_eq!(detect("u.data", "1,2,3\n").unwrap(), Format::MlTab);
        assert_eq!(detect("ratings.csv", "1,2,3,4\n").unwrap(), Format::MlCsv);
    }

    /// Regression: a tab-separated log whose ids hold `::` was read as ratings.dat.
    #[test]
    fn a_double_colon_inside_the_ids_of_a_delimited_log_is_not_ml_dat() {
        let spec = delimited("log.tsv", "ns::alice\tns::matrix\t4\n");
        assert_eq!(spec.delimiter, b"\t");
        assert!(spec.string_ids && !spec.has_header);
        assert_eq!(spec.rating_col, Some(2));
        let spec = delimited("log.csv", "user,item\na::b,c::d\n");
        assert_eq!(spec.delimiter, b",");
        assert!(spec.has_header);
        // A `.dat` name does not make such a line ratings.dat either.
        assert!(matches!(
            detect("log.dat", "ns::a\tns::b\t4\n").unwrap(),
            Format::Delimited(_)
        ));
        assert_eq!(
            detect("ratings.dat", "1::2::5::9\n").unwrap(),
            Format::MlDat
        );
    }

    #[test]
    fn content_decides_for_other_names() {
        assert_eq!(detect("r.txt", "1::2::5::9\n").unwrap(), Format::MlDat);
        assert_eq!(detect("r.txt", "1\t2\t5\t9\n").unwrap(), Format::MlTab);
        assert_eq!(
            detect("r.txt", "userId,movieId,rating,timestamp\r\n1,2,3.5,9\r\n").unwrap(),
            Format::MlCsv
        );
        let Format::Delimited(spec) = detect("log.csv", "user,item\nalice,apple\n").unwrap() else {
            panic!("not delimited")
        };
        assert!(spec.has_header && spec.string_ids);
        assert_eq!((spec.rating_col, spec.timestamp_col), (None, None));
        let Format::Delimited(spec) = detect("log.csv", "1;2;4.5\n").unwrap() else {
            panic!("not delimited")
        };
        assert_eq!(spec.delimiter, b";");
        assert!(!spec.has_header && !spec.string_ids);
        assert_eq!(spec.rating_col, Some(2));
        assert!(detect("x.txt", "hello\n").is_err());
        assert!(matches!(
            detect("x.txt", "\n\n"),
            Err(DataError::Empty { .. })
        ));
    }

    fn delimited(name: &str, content: &str) -> DelimitedSpec {
        match detect(name, content).unwrap() {
            Format::Delimited(spec) => spec,
            other => panic!("{content:?}: {other:?}"),
        }
    }

    /// Regression: `alice,matrix` as the first line was taken for a header and the row
    /// dropped silently. A line of names that names no column and has no number under it
    /// is refused; one that names columns, or has numbers under it, is a header.
    #[test]
    fn a_first_line_of_names_is_a_header_only_with_a_sign_of_one() {
        let e = detect("clicks.csv", "alice,matrix\nbob,alien\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("clicks.csv:1") && e.contains("\"alice,matrix\" could be a header"),
            "{e}"
        );
        assert!(detect("one.csv", "alice,matrix\n").is_err());
        let spec = delimited("clicks.csv", "user,item\nalice,matrix\n");
        assert!(spec.has_header && spec.string_ids);
        let spec = delimited("log.csv", "who,what,stars\nalice,matrix,4.5\n");
        assert!(spec.has_header && spec.string_ids);
        assert_eq!(spec.rating_col, Some(2));
        // A data row of string ids followed by a number stays a row.
        let spec = delimited("log.csv", "alice,matrix,4\nbob,alien,3\n");
        assert!(!spec.has_header && spec.string_ids);
    }

    /// Regression: `item,user,rating` was read by position, users as items.
    #[test]
    fn header_names_place_the_columns() {
        let spec = delimited("log.csv", "item,user,rating\n10,1,5\n");
        assert_eq!(
            (
                spec.user_col,
                spec.item_col,
                spec.rating_col,
                spec.timestamp_col
            ),
            (1, 0, Some(2), None)
        );
        let spec = delimited("log.csv", "user_id,Movie-Id,ts\n1,2,100\n");
        assert_eq!(
            (
                spec.user_col,
                spec.item_col,
                spec.rating_col,
                spec.timestamp_col
            ),
            (0, 1, None, Some(2))
        );
        let spec = delimited("log.tsv", "Timestamp\tScore\tItemId\tUserId\n9\t4\t2\t1\n");
        assert_eq!(
            (
                spec.user_col,
                spec.item_col,
                spec.rating_col,
                spec.timestamp_col
            ),
            (3, 2, Some(1), Some(0))
        );
        assert!(!spec.string_ids);
        // Unknown names in the positional order keep the positions.
        let spec = delimited("log.csv", "uid,mid,stars,when\n1,2,4,9\n");
        assert_eq!(
            (
                spec.user_col,
                spec.item_col,
                spec.rating_col,
                spec.timestamp_col
            ),
            (0, 1, Some(2), Some(3))
        );
        // Out of order with a column of an unknown name, or a role twice: refused.
        let e = detect("log.csv", "item,user,colour\n1,2,3\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("log.csv:1") && e.contains("column 3 is \"colour\""),
            "{e}"
        );
        let e = detect("log.csv", "item,user,rating,score\n1,2,3,4\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("columns 3 and 4 both name the rating column"),
            "{e}"
        );
    }

    #[test]
    fn formats_parse_from_their_names_and_columns_from_a_list() {
        assert_eq!("ml-dat".parse::<Format>().unwrap(), Format::MlDat);
        assert!("xml".parse::<Format>().is_err());
        let spec = DelimitedSpec::csv()
            .with_columns(&["item", "-", "user", "timestamp"])
            .unwrap();
        assert_eq!((spec.user_col, spec.item_col), (2, 0));
        assert_eq!((spec.rating_col, spec.timestamp_col), (None, Some(3)));
        assert!(
            DelimitedSpec::csv()
                .with_columns(&["user", "rating"])
                .is_err()
        );
        assert!(
            DelimitedSpec::csv()
                .with_columns(&["user", "item", "colour"])
                .is_err()
        );
    }

    /// Regression: `--columns user,user,item,rating` was accepted, the second `user` taking
    /// the rating's place and misreading every row. Every repeated name (aliases included)
    /// is refused, naming the name, both positions and the list.
    #[test]
    fn a_column_named_twice_is_refused() {
        for (names, dup, at) in [
            (
                &["user", "user", "item", "rating"][..],
                "user",
                "columns 1 and 2",
            ),
            (&["user", "item", "item"][..], "item", "columns 2 and 3"),
            (
                &["user", "item", "rating", "value"][..],
                "value",
                "columns 3 and 4",
            ),
            (
                &["time", "user", "item", "timestamp"][..],
                "timestamp",
                "columns 1 and 4",
            ),
        ] {
            let err = DelimitedSpec::csv()
                .with_columns(names)
                .unwrap_err()
                .to_string();
            let want = format!("duplicate column `{dup}` ({at})");
            assert!(err.contains(&want), "{want:?} missing from: {err}");
            assert!(err.contains(&names.join(",")), "{err}");
        }
        let spec = DelimitedSpec::csv()
            .with_columns(&["user", "-", "item", "_", "rating"])
            .unwrap();
        assert_eq!((spec.user_col, spec.item_col), (0, 2));
        assert_eq!((spec.rating_col, spec.timestamp_col), (Some(4), None));
    }
}
