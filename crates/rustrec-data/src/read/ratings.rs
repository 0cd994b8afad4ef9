//! Reading rating logs into [`Triplets`] / [`Interactions`].
//!
//! Every format resolves to one `Layout` (delimiter, allowed field counts, columns, header
//! rule, id kind), so a single row parser (`row.rs`) serves them all. It works on byte slices:
//! fields are split by a byte loop, integers and ratings are parsed by hand
//! ([`super::numbers`]). The file is parsed in parallel chunks (`chunked.rs`) whose ids are
//! interned locally, then into the file's id maps in chunk order, which keeps the order of
//! first appearance; a direct-mapped table (raw id → dense index, for small non-negative
//! integer ids) saves the hash lookup for the common case. A row's ids are interned only once
//! the whole row has parsed, so a skipped row adds no id.
//!
//! Figures: `bench/read_vs_pandas.sh` and `examples/read_speed.rs`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::error::{DataError, Result};
use crate::ids::IdMap;
use crate::interactions::Interactions;
use crate::progress::Progress;
use crate::read::chunked::{Plan, read_chunked};
use crate::read::format::{Format, detect_format};
use crate::read::interner::Interner;
use crate::read::layout::Layout;
use crate::read::lines::open;
use crate::read::row::RowRules;
use crate::triplets::{DuplicatePolicy, Triplets};

/// How many skipped rows [`ReadReport::first_skipped`] keeps.
pub const KEPT_SKIPPED: usize = 10;

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
    /// Whether the timestamps are kept, one per row, or only their range is reported.
    pub timestamps: TimestampUse,
}

/// What a read does with a timestamp column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimestampUse {
    /// Keep a timestamp per row (time-based splits need them).
    #[default]
    Keep,
    /// Keep only their smallest and largest value ([`ReadReport::time_range`]); the rows get
    /// no timestamps. Text timestamps are still parsed and checked; a Parquet column whose
    /// row groups all record exact bounds is not decoded at all.
    RangeOnly,
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
    /// The format the data was converted from, when the file records it (a Parquet file
    /// written by `rustrec convert`): what a model trained on it records as its data format,
    /// so that it is the same as from the original file.
    pub source_format: Option<String>,
    /// The smallest and largest timestamp of the rows kept, when the file has timestamps and
    /// they were read with [`TimestampUse::RangeOnly`] (otherwise `None`: the rows carry
    /// them).
    pub time_range: Option<(i64, i64)>,
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
    read_triplets_with(path, options, users, items, progress, None)
}

/// [`read_triplets`] with the file cut as `plan` says, or as [`Plan::for_bytes`] its size
/// when `None` (any plan gives the same result).
pub(crate) fn read_triplets_with(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    users: &mut IdMap,
    items: &mut IdMap,
    progress: &dyn Progress,
    plan: Option<Plan>,
) -> Result<(Triplets, ReadReport)> {
    let path = path.as_ref();
    let started = Instant::now();
    let (file, bytes) = open(path)?;
    let format = match &options.format {
        Format::Auto => detect_format(path)?,
        other => other.clone(),
    };
    if format == Format::Parquet {
        return read_parquet(path, options, None, users, items, progress);
    }
    let layout = Layout::of(&format);
    let mut rules = RowRules::new(&layout, options.rating_scale);
    let text = TextRead {
        path,
        options,
        format,
        started,
        first_line: 1,
        plan: plan.unwrap_or_else(|| Plan::for_bytes(bytes)),
    };
    let (out, report) = text.read(&mut rules, file, bytes, users, items, progress)?;
    if out.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    Ok((out, report))
}

/// A read of text rows: the whole file, or a process's share of it (`super::share`).
pub(super) struct TextRead<'a> {
    pub(super) path: &'a Path,
    pub(super) options: &'a ReadOptions,
    /// The format (resolved, not `Auto`).
    pub(super) format: Format,
    pub(super) started: Instant,
    /// The file line number of the text's first line, used while the rules are unsettled.
    pub(super) first_line: u64,
    pub(super) plan: Plan,
}

impl TextRead<'_> {
    /// Reads the `len` bytes of `text` with `rules` (as the layout of the format made them,
    /// settled or not) into rows over `users` / `items`, and the report (an empty result is
    /// the caller's to judge).
    pub(super) fn read(
        self,
        rules: &mut RowRules<'_>,
        text: impl std::io::Read + Send,
        len: u64,
        users: &mut IdMap,
        items: &mut IdMap,
        progress: &dyn Progress,
    ) -> Result<(Triplets, ReadReport)> {
        let layout = rules.layout;
        let out = Triplets::new(
            self.path.display().to_string(),
            layout.timestamp.is_some(),
            false,
        );
        let (mut out, mut counts) = read_chunked(
            self.path,
            text,
            len,
            rules,
            out,
            Interner::new(users),
            Interner::new(items),
            self.options.skip_bad_rows,
            self.options.duplicates == DuplicatePolicy::Error,
            self.options.timestamps,
            self.first_line,
            self.plan,
            progress,
        )?;
        // The workers' chunk columns and id tables are freed by now.
        crate::freed_memory::release_freed_memory();
        if layout.rows_lack_timestamp(rules.first_count) {
            out.timestamps = None; // a ratings.dat, tsv or csv without timestamps
            counts.time_range = None;
        }
        let report = ReadReport {
            path: self.path.into(),
            format: self.format,
            bytes: len,
            lines: counts.lines,
            rows: out.len() as u64,
            blank_lines: counts.blank,
            skipped: counts.skipped,
            first_skipped: counts.first_skipped,
            seconds: self.started.elapsed().as_secs_f64(),
            source_format: None,
            time_range: counts.time_range,
        };
        Ok((out, report))
    }
}

/// Fresh id maps for reading `path` with [`read_triplets`] (`options.format` resolved, not
/// `Auto`): string maps when the format has string ids; for Parquet, the kind of each id
/// column.
pub fn fresh_id_maps(path: &Path, options: &ReadOptions) -> Result<(IdMap, IdMap)> {
    Ok(match &options.format {
        Format::Delimited(spec) if spec.string_ids => (IdMap::new_str(), IdMap::new_str()),
        #[cfg(feature = "parquet")]
        Format::Parquet => {
            let (u, i) = crate::parquet::parquet_id_kinds(path)?;
            (IdMap::new(u), IdMap::new(i))
        }
        _ => {
            let _ = path;
            (IdMap::new_int(), IdMap::new_int())
        }
    })
}

/// Reads a Parquet file, whole (`share` `None`) or share `(index, count)` of its row
/// groups (the `parquet` feature).
#[cfg(feature = "parquet")]
pub(super) fn read_parquet(
    path: &Path,
    options: &ReadOptions,
    share: Option<(usize, usize)>,
    users: &mut IdMap,
    items: &mut IdMap,
    progress: &dyn Progress,
) -> Result<(Triplets, ReadReport)> {
    crate::parquet::read_parquet_groups(path, options, share, users, items, progress)
}

/// Without the `parquet` feature a Parquet file is an error that says how to read it.
#[cfg(not(feature = "parquet"))]
pub(super) fn read_parquet(
    path: &Path,
    _: &ReadOptions,
    _: Option<(usize, usize)>,
    _: &mut IdMap,
    _: &mut IdMap,
    _: &dyn Progress,
) -> Result<(Triplets, ReadReport)> {
    Err(DataError::Invalid(format!(
        "{}: is a Parquet file, but this build has no Parquet support (build with the \
         `parquet` feature, which the rustrec command line has by default)",
        path.display()
    )))
}

/// Reads a rating file into [`Interactions`] with its own id space. The report's `seconds`
/// include building the matrix.
pub fn read_interactions(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    progress: &dyn Progress,
) -> Result<(Interactions, ReadReport)> {
    read_one_with(path.as_ref(), options, |path, options, users, items| {
        read_triplets(path, options, users, items, progress)
    })
}

/// Reads a rating file into the id space `users` × `items` (a trained model's): the rows
/// whose user and item are in it, as [`Interactions`] over those maps, and how many rows
/// were left out because their user or item is not. Duplicates are an error naming both
/// lines. When every row is known (the file the model was trained on) the rows become the
/// matrix in place, without a copy.
pub fn read_in_id_space(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    users: &Arc<IdMap>,
    items: &Arc<IdMap>,
    progress: &dyn Progress,
) -> Result<(Interactions, usize)> {
    let (mut all_users, mut all_items) = (IdMap::clone(users), IdMap::clone(items));
    // The matrix gets no timestamps: only their range is kept while reading.
    let options = ReadOptions {
        timestamps: TimestampUse::RangeOnly,
        ..options.clone()
    };
    let (rows, _) = read_triplets(path, &options, &mut all_users, &mut all_items, progress)?;
    let (known, unknown) = rows.into_known(users.len(), items.len());
    let x =
        known.into_interactions(Arc::clone(users), Arc::clone(items), DuplicatePolicy::Error)?;
    Ok((x, unknown))
}

/// [`read_interactions`] with the file read by `read`.
pub(super) fn read_one_with(
    path: &Path,
    options: &ReadOptions,
    read: impl FnOnce(&Path, &ReadOptions, &mut IdMap, &mut IdMap) -> Result<(Triplets, ReadReport)>,
) -> Result<(Interactions, ReadReport)> {
    let started = Instant::now();
    let options = resolve(path, options)?;
    let (mut users, mut items) = fresh_id_maps(path, &options)?;
    let (triplets, mut report) = read(path, &options, &mut users, &mut items)?;
    let x = triplets.into_interactions(Arc::new(users), Arc::new(items), options.duplicates)?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok((x, report))
}

/// Options with `Auto` replaced by the detected format.
pub(super) fn resolve(path: &Path, options: &ReadOptions) -> Result<ReadOptions> {
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
    read_pair_with(
        train_path.as_ref(),
        test_path.as_ref(),
        options,
        |path, options, users, items| read_triplets(path, options, users, items, progress),
    )
}

/// [`read_train_test`] with each file read by `read`.
pub(super) fn read_pair_with(
    train_path: &Path,
    test_path: &Path,
    options: &ReadOptions,
    mut read: impl FnMut(&Path, &ReadOptions, &mut IdMap, &mut IdMap) -> Result<(Triplets, ReadReport)>,
) -> Result<TrainTest> {
    let train_options = resolve(train_path, options)?;
    let test_options = resolve(test_path, options)?;
    let (mut users, mut items) = fresh_id_maps(train_path, &train_options)?;
    let (train, train_report) = read(train_path, &train_options, &mut users, &mut items)?;
    let (test, test_report) = read(test_path, &test_options, &mut users, &mut items)?;
    let (users, items) = (Arc::new(users), Arc::new(items));
    Ok(TrainTest {
        train: train.into_interactions(users.clone(), items.clone(), options.duplicates)?,
        test: test.into_interactions(users, items, options.duplicates)?,
        train_report,
        test_report,
    })
}
