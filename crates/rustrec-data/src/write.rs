//! Writing [`Interactions`] as rating files that the readers (and other tools) accept.
//!
//! One line per stored entry, user by user and items increasing within a user, with the raw
//! ids of the id maps:
//!
//! | format | line | header |
//! |---|---|---|
//! | [`OutputFormat::MlTab`] (`u.data`) | `user\titem\trating\ttimestamp` | none |
//! | [`OutputFormat::MlDat`] (`ratings.dat`) | `user::item::rating::timestamp`, or `user::item::rating` without timestamps | none |
//! | [`OutputFormat::MlCsv`] (`ratings.csv`) | `user,item,rating,timestamp` | `userId,movieId,rating,timestamp` |
//! | [`OutputFormat::Tsv`] | `user\titem\trating[\ttimestamp]` | none |
//! | [`OutputFormat::Csv`] | `user,item,rating[,timestamp]` | `user,item,rating[,timestamp]` |
//!
//! The MovieLens tab and csv layouts have a timestamp column on every line (their readers
//! require four fields): data without timestamps is refused there ([`check_timestamps`])
//! rather than given invented times, and ml-dat, tsv and csv write it in three columns,
//! which their readers take back as data without timestamps. The MovieLens layouts need
//! integer ids; the generic ones take
//! string ids too: an id holding the separator is written in CSV quotes (`"Godfather, The
//! (1972)"`), as their readers take it back; an id with a line break, one starting with a
//! quote, and one holding both the separator and a quote are refused. Ratings are
//! printed minimally (`4`, `3.5`, `0.25`): whole and half values by a fast path, others
//! with the shortest text that reads back to the same `f32`.
//!
//! Lines are formatted in parallel, in blocks of users, and written in order through one
//! buffered writer; ids are formatted once up front. Files are written atomically
//! ([`crate::atomic`]): an interrupted or failed write leaves the old file, and
//! [`write_files`] replaces a train and a test file together or neither.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use crate::atomic::{AtomicFile, commit_all};
use crate::error::{DataError, Result};
pub use crate::file_format::{FileFormat, OutputChoice};
use crate::ids::IdMap;
use crate::interactions::Interactions;

/// The layout of a written rating file (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputFormat {
    /// MovieLens 100K `u.data`.
    MlTab,
    /// MovieLens 1M/10M `ratings.dat`.
    MlDat,
    /// MovieLens 20M/25M `ratings.csv`.
    MlCsv,
    /// Tab-separated, no header.
    Tsv,
    /// Comma-separated with a header.
    Csv,
}

impl OutputFormat {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::MlTab => "ml-tab",
            Self::MlDat => "ml-dat",
            Self::MlCsv => "ml-csv",
            Self::Tsv => "tsv",
            Self::Csv => "csv",
        }
    }

    fn separator(self) -> &'static [u8] {
        match self {
            Self::MlTab | Self::Tsv => b"\t",
            Self::MlDat => b"::",
            Self::MlCsv | Self::Csv => b",",
        }
    }

    fn is_movielens(self) -> bool {
        matches!(self, Self::MlTab | Self::MlDat | Self::MlCsv)
    }

    /// Whether every line of this layout holds a timestamp: ml-tab (`u.data`) and ml-csv
    /// (`ratings.csv`), whose readers require four fields. ml-dat takes three or four.
    pub fn needs_timestamps(self) -> bool {
        matches!(self, Self::MlTab | Self::MlCsv)
    }
}

/// Refuses to write data without timestamps (`has_timestamps` false) in a layout whose
/// lines all hold one ([`OutputFormat::needs_timestamps`]): a 0 written there would read
/// back as a real time, and a temporal split would then cut on invented times. `output`
/// says what is being written (a path, or a flag and a path) and starts the message, which
/// names the layout and the formats that take data without timestamps.
pub fn check_timestamps(format: FileFormat, has_timestamps: bool, output: &str) -> Result<()> {
    match format {
        FileFormat::Text(layout) if layout.needs_timestamps() && !has_timestamps => {
            Err(DataError::Invalid(format!(
                "{output}: the {} layout has a timestamp on every line, and this data has no \
                 timestamps (writing 0 would invent them); write tsv, csv, ml-dat (three \
                 columns) or parquet instead, which hold data without timestamps",
                layout.name()
            )))
        }
        _ => Ok(()),
    }
}

/// The MovieLens layout of an output named like a release's rating file that the readers
/// recognise by its name alone (`--format auto` reads `u.data` as ml-tab and `ratings.csv`
/// as ml-csv whatever the content): a file written under such a name in another layout
/// would not read back. `None` for any other name.
pub fn movielens_layout_of_name(path: &Path) -> Option<OutputFormat> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase());
    match name.as_deref() {
        Some("u.data") => Some(OutputFormat::MlTab),
        Some("ratings.csv") => Some(OutputFormat::MlCsv),
        _ => None,
    }
}

/// The format to write `path` in when a command's format flag was `given` (parsed into
/// `choice`) or not. Given: the flag's value (a text layout for a Parquet name is refused,
/// see [`OutputChoice::for_path`]). Not given: the MovieLens layout of a name the readers
/// decide by ([`movielens_layout_of_name`]: `synth --out ratings.csv` writes ml-csv, which
/// `describe ratings.csv` reads back), else what [`OutputChoice::for_path`] picks. The
/// second value says how the format was chosen, for messages (`"--to tsv"`, `"ml-tab by
/// its name; --to sets another"`, `"tsv, the default of --out-format"`).
pub fn output_format_for(
    choice: &OutputChoice,
    flag: &str,
    given: bool,
    path: &Path,
) -> Result<(FileFormat, String)> {
    let by_choice = choice.for_path(path);
    // Whether the choice has a default layout (a name that tells nothing gets it).
    let has_default = choice.for_path(Path::new("x")).is_ok();
    let (format, by_name) = match (movielens_layout_of_name(path), by_choice) {
        (Some(layout), by_choice)
            if !given && by_choice.as_ref().ok() != Some(&FileFormat::Text(layout)) =>
        {
            (FileFormat::Text(layout), true)
        }
        (_, by_choice) => {
            let f = by_choice?;
            let named = FileFormat::from_name(path) == Some(f)
                && (f == FileFormat::Parquet || !has_default);
            (f, !given && named)
        }
    };
    let how = if given {
        format!("{flag} {}", format.name())
    } else if by_name {
        format!("{} by its name; {flag} sets another", format.name())
    } else {
        format!("{}, the default of {flag}", format.name())
    };
    Ok((format, how))
}

impl std::str::FromStr for OutputFormat {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "ml-tab" | "ml-100k" => Ok(Self::MlTab),
            "ml-dat" | "ml-1m" | "ml-10m" => Ok(Self::MlDat),
            "ml-csv" | "ml-20m" | "ml-25m" => Ok(Self::MlCsv),
            "tsv" => Ok(Self::Tsv),
            "csv" => Ok(Self::Csv),
            other => Err(DataError::invalid_parameter(
                "format",
                other,
                "one of ml-tab, ml-dat, ml-csv, tsv, csv",
            )),
        }
    }
}

/// Writes `x` to `path` in `format` (a text layout, or Parquet), atomically
/// ([`crate::atomic`]): `path` is replaced whole or, on any error, left as it was. Returns
/// the bytes written.
pub fn write_file(
    x: &Interactions,
    format: impl Into<FileFormat>,
    path: impl AsRef<Path>,
) -> Result<u64> {
    let path = path.as_ref();
    write_files(&[(x, format.into(), path)]).map(|bytes| bytes[0])
}

/// Writes several files together (a train and a test file): each goes to a temporary file,
/// and only when all of them are written are they renamed into place
/// ([`crate::atomic::commit_all`]). If writing any of them fails, none of the paths is
/// replaced. Returns the bytes written to each file.
///
/// Data without timestamps is refused in a layout that needs them ([`check_timestamps`]),
/// before any file is touched.
pub fn write_files(files: &[(&Interactions, FileFormat, &Path)]) -> Result<Vec<u64>> {
    for &(x, format, path) in files {
        check_timestamps(
            format,
            x.timestamps().is_some(),
            &path.display().to_string(),
        )?;
    }
    let mut pending = Vec::with_capacity(files.len());
    let mut bytes = Vec::with_capacity(files.len());
    for &(x, format, path) in files {
        let mut out = AtomicFile::create(path)?;
        bytes.push(match format {
            FileFormat::Text(layout) => {
                write_interactions(x, layout, &mut out).map_err(|e| match e {
                    WriteError::Io(e) => DataError::io(path, e),
                    // Name the file: with several outputs the message must say which one.
                    WriteError::Data(e) => DataError::Invalid(format!("{}: {e}", path.display())),
                })?
            }
            FileFormat::Parquet => write_parquet_into(x, &mut out)?,
        });
        pending.push(out);
    }
    commit_all(pending)?;
    Ok(bytes)
}

#[cfg(feature = "parquet")]
fn write_parquet_into(x: &Interactions, out: &mut AtomicFile) -> Result<u64> {
    crate::parquet::write_parquet_into(x, None, out)
}

#[cfg(not(feature = "parquet"))]
fn write_parquet_into(_: &Interactions, out: &mut AtomicFile) -> Result<u64> {
    Err(DataError::Invalid(format!(
        "{}: this build cannot write Parquet (the `parquet` feature, on by default, is off)",
        out.path().display()
    )))
}

/// Why [`write_interactions`] failed: the writer, or data the format cannot hold.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The writer failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The data cannot be written in this format (for example string ids in a MovieLens
    /// layout).
    #[error(transparent)]
    Data(#[from] DataError),
}

/// Writes `x` to `out` in `format` and returns the number of bytes written. `out` should be
/// buffered or large writes are slow; [`write_file`] does that. Data without timestamps in
/// a layout that needs them is an error ([`check_timestamps`]).
pub fn write_interactions(
    x: &Interactions,
    format: OutputFormat,
    out: &mut impl Write,
) -> std::result::Result<u64, WriteError> {
    let time_column = x.timestamps().is_some();
    check_timestamps(format.into(), time_column, "the output")?;
    let users = IdTexts::new(x.user_ids(), format, "user")?;
    let items = IdTexts::new(x.item_ids(), format, "item")?;
    let mut written = 0u64;
    let header: &[u8] = match (format, time_column) {
        // Without timestamps ml-csv was refused above.
        (OutputFormat::MlCsv, _) => b"userId,movieId,rating,timestamp\n",
        (OutputFormat::Csv, true) => b"user,item,rating,timestamp\n",
        (OutputFormat::Csv, false) => b"user,item,rating\n",
        _ => b"",
    };
    out.write_all(header)?;
    written += header.len() as u64;

    // Blocks of about BLOCK_ENTRIES entries, formatted BATCH blocks at a time in parallel.
    const BLOCK_ENTRIES: usize = 1 << 16;
    const BATCH: usize = 32;
    let ptr = x.user_ptr();
    let mut bounds = vec![0usize];
    for u in 0..x.n_users() {
        if ptr[u + 1] - ptr[*bounds.last().unwrap_or(&0)] >= BLOCK_ENTRIES {
            bounds.push(u + 1);
        }
    }
    if *bounds.last().unwrap_or(&0) != x.n_users() {
        bounds.push(x.n_users());
    }
    let ranges: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    let lines = LineWriter {
        x,
        users: &users,
        items: &items,
        sep: format.separator(),
    };
    for batch in ranges.chunks(BATCH) {
        let texts: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|&(a, b)| lines.format_users(a, b))
            .collect();
        for t in &texts {
            out.write_all(t)?;
            written += t.len() as u64;
        }
    }
    Ok(written)
}

/// Every raw id of a map, formatted once, concatenated.
struct IdTexts {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl IdTexts {
    fn new(map: &IdMap, format: OutputFormat, what: &str) -> Result<Self> {
        let mut bytes = Vec::new();
        let mut ends = Vec::with_capacity(map.len());
        if let Some(ints) = map.int_ids() {
            for &id in ints {
                push_int(&mut bytes, id);
                ends.push(bytes.len());
            }
        } else if let Some(strs) = map.str_ids() {
            if format.is_movielens() {
                return Err(DataError::Invalid(format!(
                    "the {} format needs integer {what} ids, and this data has string ids \
                     (such as {:?}); write tsv or csv instead",
                    format.name(),
                    strs.first().map_or("", |s| s)
                )));
            }
            let sep = format.separator();
            for s in strs {
                let b = s.as_bytes();
                let refuse = |why: &str| {
                    Err(DataError::Invalid(format!(
                        "{what} id {s:?} {why} and cannot be written as {}",
                        format.name()
                    )))
                };
                if b.contains(&b'\n') || b.contains(&b'\r') {
                    return refuse("holds a line break");
                }
                if b.windows(sep.len()).any(|w| w == sep) {
                    // Quoted, as the readers of these formats read CSV quotes; a quote
                    // inside would have to be doubled, which the readers refuse.
                    if b.contains(&b'"') {
                        return refuse("holds both the separator and a quote");
                    }
                    bytes.push(b'"');
                    bytes.extend_from_slice(b);
                    bytes.push(b'"');
                } else if s.trim_start_matches(' ').starts_with('"') {
                    return refuse("starts with a quote, which readers take for a quoted field");
                } else {
                    bytes.extend_from_slice(b);
                }
                ends.push(bytes.len());
            }
        }
        Ok(IdTexts { bytes, ends })
    }

    #[inline]
    fn get(&self, idx: usize) -> &[u8] {
        let start = if idx == 0 { 0 } else { self.ends[idx - 1] };
        &self.bytes[start..self.ends[idx]]
    }
}

struct LineWriter<'a> {
    x: &'a Interactions,
    users: &'a IdTexts,
    items: &'a IdTexts,
    sep: &'static [u8],
}

impl LineWriter<'_> {
    /// The lines of users `a..b`, with a timestamp column when the data has timestamps.
    fn format_users(&self, a: usize, b: usize) -> Vec<u8> {
        let ptr = self.x.user_ptr();
        let (items, values, stamps) = (self.x.item_indices(), self.x.values(), self.x.timestamps());
        let mut buf = Vec::with_capacity((ptr[b] - ptr[a]) * 24);
        for u in a..b {
            let user = self.users.get(u);
            for k in ptr[u]..ptr[u + 1] {
                buf.extend_from_slice(user);
                buf.extend_from_slice(self.sep);
                buf.extend_from_slice(self.items.get(items[k] as usize));
                buf.extend_from_slice(self.sep);
                push_value(&mut buf, values[k]);
                if let Some(t) = stamps {
                    buf.extend_from_slice(self.sep);
                    push_int(&mut buf, t[k]);
                }
                buf.push(b'\n');
            }
        }
        buf
    }
}

/// Appends the decimal text of `v`.
#[inline]
fn push_int(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    let mut n = v.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[k..]);
}

/// Appends the shortest text of `v` that reads back to `v` (`4`, `3.5`, `0.25`).
#[inline]
fn push_value(buf: &mut Vec<u8>, v: f32) {
    let twice = v * 2.0;
    if twice == twice.trunc() && twice.abs() < 1e9 && v != 0.0 {
        let t = twice as i64;
        if t < 0 {
            buf.push(b'-');
        }
        let a = t.unsigned_abs();
        push_int(buf, (a / 2) as i64);
        if a % 2 == 1 {
            buf.extend_from_slice(b".5");
        }
    } else if v == 0.0 {
        buf.push(b'0');
    } else {
        // Display of f32 is the shortest round-trip text; writing to a Vec cannot fail.
        let _ = write!(buf, "{v}");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{DuplicatePolicy, Triplets};

    fn tiny(timestamps: bool) -> Interactions {
        let users = Arc::new(IdMap::from_ints([196, 22]).unwrap());
        let items = Arc::new(IdMap::from_ints([242, 377, 51]).unwrap());
        let mut t = Triplets::new("tiny", timestamps, false);
        t.push(1, 1, 1.0, Some(878_887_116), 0);
        t.push(0, 0, 3.0, Some(881_250_949), 0);
        t.push(0, 2, 3.5, Some(-5), 0);
        t.push(1, 2, 0.25, Some(0), 0);
        t.build(users, items, DuplicatePolicy::Error).unwrap()
    }

    fn text(x: &Interactions, f: OutputFormat) -> String {
        let mut out = Vec::new();
        let n = write_interactions(x, f, &mut out).unwrap();
        assert_eq!(n, out.len() as u64);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn exact_bytes_of_every_format() {
        let x = tiny(true);
        assert_eq!(
            text(&x, OutputFormat::MlTab),
            "196\t242\t3\t881250949\n196\t51\t3.5\t-5\n22\t377\t1\t878887116\n22\t51\t0.25\t0\n"
        );
        assert_eq!(
            text(&x, OutputFormat::MlDat),
            "196::242::3::881250949\n196::51::3.5::-5\n22::377::1::878887116\n22::51::0.25::0\n"
        );
        assert_eq!(
            text(&x, OutputFormat::MlCsv),
            "userId,movieId,rating,timestamp\n196,242,3,881250949\n196,51,3.5,-5\n\
             22,377,1,878887116\n22,51,0.25,0\n"
        );
        let y = tiny(false);
        assert_eq!(
            text(&y, OutputFormat::MlDat),
            "196::242::3\n196::51::3.5\n22::377::1\n22::51::0.25\n"
        );
        assert_eq!(
            text(&y, OutputFormat::Tsv),
            "196\t242\t3\n196\t51\t3.5\n22\t377\t1\n22\t51\t0.25\n"
        );
        assert_eq!(
            text(&y, OutputFormat::Csv),
            "user,item,rating\n196,242,3\n196,51,3.5\n22,377,1\n22,51,0.25\n"
        );
    }

    #[test]
    fn values_print_minimally_and_read_back_exactly() {
        let cases: [(f32, &str); 8] = [
            (4.0, "4"),
            (3.5, "3.5"),
            (0.5, "0.5"),
            (-1.5, "-1.5"),
            (0.0, "0"),
            (0.1, "0.1"),
            (1e-7, "0.0000001"),
            (12345.0, "12345"),
        ];
        for (v, want) in cases {
            let mut buf = Vec::new();
            push_value(&mut buf, v);
            assert_eq!(std::str::from_utf8(&buf).unwrap(), want);
            assert_eq!(want.parse::<f32>().unwrap(), v);
        }
        let mut buf = Vec::new();
        push_int(&mut buf, i64::MIN);
        assert_eq!(std::str::from_utf8(&buf).unwrap(), i64::MIN.to_string());
    }

    #[test]
    fn string_ids_go_to_generic_formats_only() {
        let users = Arc::new(IdMap::from_strs(["alice", "bo,b"]).unwrap());
        let items = Arc::new(IdMap::from_strs(["x"]).unwrap());
        let mut t = Triplets::new("s", false, false);
        t.push(0, 0, 2.0, None, 0);
        t.push(1, 0, 1.0, None, 0);
        let x = t.build(users, items, DuplicatePolicy::Error).unwrap();
        assert_eq!(text(&x, OutputFormat::Tsv), "alice\tx\t2\nbo,b\tx\t1\n");
        // The separator in an id: CSV quotes.
        assert_eq!(
            text(&x, OutputFormat::Csv),
            "user,item,rating\nalice,x,2\n\"bo,b\",x,1\n"
        );
        let mut sink = Vec::new();
        let err = write_interactions(&x, OutputFormat::MlDat, &mut sink).unwrap_err();
        assert!(err.to_string().contains("integer user ids"), "{err}");
    }

    /// Ids the readers could not take back as written are refused, naming the id.
    #[test]
    fn ids_that_would_read_back_otherwise_are_refused() {
        for (id, why) in [
            ("a\nb", "line break"),
            ("\"quoted", "starts with a quote"),
            ("say \"hi\", bob", "both the separator and a quote"),
        ] {
            let users = Arc::new(IdMap::from_strs([id]).unwrap());
            let items = Arc::new(IdMap::from_strs(["x"]).unwrap());
            let mut t = Triplets::new("s", false, false);
            t.push(0, 0, 2.0, None, 0);
            let x = t.build(users, items, DuplicatePolicy::Error).unwrap();
            let err = write_interactions(&x, OutputFormat::Csv, &mut Vec::new()).unwrap_err();
            assert!(
                err.to_string().contains(&format!("{id:?}")) && err.to_string().contains(why),
                "{err}"
            );
        }
        // A quote inside an id without the separator is an ordinary character.
        let users = Arc::new(IdMap::from_strs(["12\" pizza"]).unwrap());
        let items = Arc::new(IdMap::from_strs(["x"]).unwrap());
        let mut t = Triplets::new("s", false, false);
        t.push(0, 0, 2.0, None, 0);
        let x = t.build(users, items, DuplicatePolicy::Error).unwrap();
        assert_eq!(
            text(&x, OutputFormat::Csv),
            "user,item,rating\n12\" pizza,x,2\n"
        );
    }

    #[test]
    fn many_blocks_keep_the_order() {
        // More than one formatting block: 300 users × 500 items = 150,000 lines.
        let rows: Vec<(u32, u32, f32)> = (0..300u32)
            .flat_map(|u| (0..500u32).map(move |i| (u, i, 1.0 + ((u + i) % 9) as f32 * 0.5)))
            .collect();
        let x = Interactions::from_index_triplets(300, 500, &rows).unwrap();
        let s = text(&x, OutputFormat::Tsv);
        let mut n = 0;
        for (line, &(u, i, v)) in s.lines().zip(&rows) {
            assert_eq!(line, format!("{u}\t{i}\t{v}"));
            n += 1;
        }
        assert_eq!(n, rows.len());
        assert_eq!(s.lines().count(), rows.len());
    }

    #[test]
    fn write_file_names_the_path_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("missing-dir").join("out.tsv");
        let msg = write_file(&tiny(true), OutputFormat::Tsv, &bad)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("missing-dir"), "{msg}");
        let good = dir.path().join("u.data");
        let n = write_file(&tiny(true), OutputFormat::MlTab, &good).unwrap();
        assert_eq!(std::fs::metadata(&good).unwrap().len(), n);
    }

    /// One rating (2) of user "alice" for item "x": string ids, which ml-dat cannot hold.
    fn string_ids() -> Interactions {
        let users = Arc::new(IdMap::from_strs(["alice"]).unwrap());
        let items = Arc::new(IdMap::from_strs(["x"]).unwrap());
        let mut t = Triplets::new("s", false, false);
        t.push(0, 0, 2.0, None, 0);
        t.build(users, items, DuplicatePolicy::Error).unwrap()
    }

    /// Writes a train file (`first`, named `train_name`) and a test file together: when the
    /// test file fails (string ids in ml-dat) neither old file is replaced and no temporary
    /// is left; when both succeed, both are replaced.
    fn check_replaced_together_or_not_at_all(train_name: &str, first: FileFormat) {
        let dir = tempfile::tempdir().unwrap();
        let (train, test) = (dir.path().join(train_name), dir.path().join("a.test"));
        std::fs::write(&train, "old train").unwrap();
        std::fs::write(&test, "old test").unwrap();
        let strings = string_ids();
        let x = tiny(true);
        let (train, test) = (train.as_path(), test.as_path());
        let err = write_files(&[
            (&x, first, train),
            (&strings, OutputFormat::MlDat.into(), test),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("integer user ids"), "{err}");
        assert_eq!(std::fs::read_to_string(train).unwrap(), "old train");
        assert_eq!(std::fs::read_to_string(test).unwrap(), "old test");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary left"
        );

        let bytes = write_files(&[
            (&x, first, train),
            (&strings, OutputFormat::Tsv.into(), test),
        ])
        .unwrap();
        let written = std::fs::read(train).unwrap();
        assert_eq!(written.len() as u64, bytes[0]);
        let parquet = written.starts_with(b"PAR1") && written.ends_with(b"PAR1");
        assert_eq!(parquet, first == FileFormat::Parquet, "{first:?}");
        assert_eq!(std::fs::read_to_string(test).unwrap(), "alice\tx\t2\n");
    }

    /// Regression: data without timestamps written as ml-tab or ml-csv got a timestamp of 0
    /// on every line, which read back as real times. Now those layouts refuse it, naming the
    /// output and the layouts that fit, and write nothing; every layout that takes it reads
    /// back the same entries, with timestamps exactly when the data had them.
    #[test]
    fn data_without_timestamps_is_refused_where_lines_need_one_and_reads_back_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        for layout in [OutputFormat::MlTab, OutputFormat::MlCsv] {
            let path = dir.path().join(format!("r.{}", layout.name()));
            let msg = write_file(&tiny(false), layout, &path)
                .unwrap_err()
                .to_string();
            for part in [p(&path), layout.name(), "no timestamps", "tsv, csv, ml-dat"] {
                assert!(msg.contains(part), "{part:?} missing from: {msg}");
            }
            assert!(!path.exists(), "nothing written for {}", layout.name());
            let msg = write_interactions(&tiny(false), layout, &mut Vec::new())
                .unwrap_err()
                .to_string();
            assert!(msg.contains("the output"), "{msg}");
        }
        let formats = [
            OutputFormat::MlTab,
            OutputFormat::MlDat,
            OutputFormat::MlCsv,
            OutputFormat::Tsv,
            OutputFormat::Csv,
        ];
        for with_time in [true, false] {
            let x = tiny(with_time);
            for layout in formats {
                if layout.needs_timestamps() && !with_time {
                    continue;
                }
                let path = dir.path().join(format!("{with_time}.{}", layout.name()));
                write_file(&x, layout, &path).unwrap();
                // Read as a user would, the format told from the content.
                let options = crate::ReadOptions::new(crate::Format::Auto);
                let (y, _) =
                    crate::read_interactions(&path, &options, &crate::progress::NoProgress)
                        .unwrap();
                // (user, item, rating, timestamp) in raw ids, sorted.
                let entries = |x: &Interactions| {
                    let mut e: Vec<_> = x
                        .iter()
                        .enumerate()
                        .map(|(k, (u, i, v))| {
                            let (u, i) = (x.user_ids().raw(u.0), x.item_ids().raw(i.0));
                            let t = x.timestamps().map(|t| t[k]);
                            (u.to_string(), i.to_string(), v.to_bits(), t)
                        })
                        .collect();
                    e.sort();
                    e
                };
                assert_eq!(entries(&y), entries(&x), "{}", layout.name());
            }
        }
    }

    fn p(path: &Path) -> &str {
        path.to_str().unwrap()
    }

    #[test]
    fn a_failed_second_file_replaces_neither() {
        check_replaced_together_or_not_at_all("a.train", OutputFormat::Tsv.into());
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn a_parquet_and_a_text_file_are_replaced_together_or_not_at_all() {
        check_replaced_together_or_not_at_all("a.parquet", FileFormat::Parquet);
    }
}
