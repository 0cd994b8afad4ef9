//! Reading a Parquet rating file into [`Triplets`] (see the [module docs](super)).

use std::fs::File;
use std::ops::Range;
use std::path::Path;
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::file::statistics::Statistics;
use rayon::prelude::*;

use super::parallel::{PlainRead, Positions, read_plain};
use super::{
    ITEM_NAMES, ITEM_ORDER_KEY, RATING_NAMES, SOURCE_FORMAT_KEY, TIMESTAMP_NAMES, USER_NAMES,
};
use crate::error::{DataError, Result};
use crate::ids::{IdKind, IdMap};
use crate::progress::Progress;
use crate::read::{Format, KEPT_SKIPPED, ReadOptions, ReadReport, TimestampUse};
use crate::triplets::{DuplicatePolicy, Triplets};

/// The value of a key-value metadata entry of the file.
fn metadata_value<'m>(meta: &'m ArrowReaderMetadata, key: &str) -> Option<&'m str> {
    meta.metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|e| e.key == key))
        .and_then(|e| e.value.as_deref())
}

/// Where the rating columns are in the file's schema, and whether the ids are strings.
#[derive(Debug)]
struct Columns {
    user: usize,
    item: usize,
    rating: usize,
    timestamp: Option<usize>,
    user_text: bool,
    item_text: bool,
}

/// An error about the file as a whole.
fn invalid(path: &Path, message: impl std::fmt::Display) -> DataError {
    DataError::Invalid(format!("{}: {message}", path.display()))
}

/// Opens `path` and reads its footer.
fn open_metadata(path: &Path) -> Result<ArrowReaderMetadata> {
    let (file, _) = crate::read::open(path)?;
    ArrowReaderMetadata::load(&file, Default::default())
        .map_err(|e| invalid(path, format!("not a readable Parquet file ({e})")))
}

fn is_int(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// The position of root column `k` in a batch projected on `roots` (projection keeps the
/// schema's order).
fn position(roots: &[usize], k: usize) -> usize {
    roots.iter().filter(|&&r| r < k).count()
}

/// The smallest and largest value of root column `root` when it is an int64 column without
/// nulls whose every row group records exact bounds in its statistics; `None` otherwise.
fn exact_int64_range(
    meta: &ArrowReaderMetadata,
    root: usize,
    groups: Range<usize>,
) -> Option<(i64, i64)> {
    if meta.schema().fields().get(root)?.data_type() != &DataType::Int64 {
        return None;
    }
    let schema = meta.parquet_schema();
    let leaf = (0..schema.num_columns()).find(|&l| schema.get_column_root_idx(l) == root)?;
    let mut range: Option<(i64, i64)> = None;
    for group in &meta.metadata().row_groups()[groups] {
        if group.num_rows() == 0 {
            continue;
        }
        let Some(Statistics::Int64(s)) = group.column(leaf).statistics() else {
            return None;
        };
        if s.null_count_opt() != Some(0) || !s.min_is_exact() || !s.max_is_exact() {
            return None;
        }
        let (lo, hi) = (*s.min_opt()?, *s.max_opt()?);
        range = Some(range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
    }
    range
}

/// Finds the rating columns and checks their types.
fn columns(path: &Path, schema: &Schema) -> Result<Columns> {
    let fields = schema.fields();
    let find = |names: &[&str]| {
        fields.iter().position(|f| {
            names
                .iter()
                .any(|n| f.name().trim().eq_ignore_ascii_case(n))
        })
    };
    let found = || {
        fields
            .iter()
            .map(|f| format!("{} ({})", f.name(), f.data_type()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let require = |names: &[&str], what: &str| {
        find(names).ok_or_else(|| {
            invalid(
                path,
                format!(
                    "no {what} column (the file has {}); name it {}",
                    found(),
                    names.join(", ")
                ),
            )
        })
    };
    let user = require(&USER_NAMES, "user")?;
    let item = require(&ITEM_NAMES, "item")?;
    let rating = require(&RATING_NAMES, "rating")?;
    let timestamp = find(&TIMESTAMP_NAMES);
    let wrong = |k: usize, expected: &str| {
        invalid(
            path,
            format!(
                "column \"{}\" has type {}; expected {expected}",
                fields[k].name(),
                fields[k].data_type()
            ),
        )
    };
    let id_text = |k: usize| {
        let t = fields[k].data_type();
        if is_int(t) {
            Ok(false)
        } else if is_text(t) {
            Ok(true)
        } else {
            Err(wrong(k, "integers or strings (ids)"))
        }
    };
    let (user_text, item_text) = (id_text(user)?, id_text(item)?);
    let t = fields[rating].data_type();
    if !(is_int(t) || matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64)) {
        return Err(wrong(rating, "numbers (integer or float ratings)"));
    }
    if let Some(k) = timestamp {
        let t = fields[k].data_type();
        if !(is_int(t) || matches!(t, DataType::Timestamp(..))) {
            return Err(wrong(k, "integers or timestamps"));
        }
    }
    Ok(Columns {
        user,
        item,
        rating,
        timestamp,
        user_text,
        item_text,
    })
}

/// The kinds of the user and item ids of a Parquet rating file (integer or string columns),
/// for choosing fresh id maps.
pub fn parquet_id_kinds(path: impl AsRef<Path>) -> Result<(IdKind, IdKind)> {
    let path = path.as_ref();
    let meta = open_metadata(path)?;
    let c = columns(path, meta.schema())?;
    let kind = |text| if text { IdKind::Str } else { IdKind::Int };
    Ok((kind(c.user_text), kind(c.item_text)))
}

/// A column of one batch as the reader needs it.
enum Values<'a> {
    /// Integers (`u64` values above `i64::MAX` become `None`, "too large").
    Int(Vec<Option<i64>>),
    /// Strings.
    Text(Vec<&'a str>),
    /// Floats (ratings).
    Float(Vec<f32>),
}

/// The values of `array` (an integer, float, timestamp or string column) and its nulls.
fn values(array: &dyn Array) -> Values<'_> {
    macro_rules! ints {
        ($t:ty) => {
            Values::Int(
                array
                    .as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&v| i64::try_from(v).ok())
                    .collect(),
            )
        };
    }
    macro_rules! seconds {
        ($t:ty, $per:expr) => {
            Values::Int(
                array
                    .as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&v| Some(v.div_euclid($per)))
                    .collect(),
            )
        };
    }
    match array.data_type() {
        DataType::Int8 => ints!(Int8Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int64 => Values::Int(
            array
                .as_primitive::<Int64Type>()
                .values()
                .iter()
                .map(|&v| Some(v))
                .collect(),
        ),
        DataType::UInt8 => ints!(UInt8Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt64 => ints!(UInt64Type),
        DataType::Timestamp(TimeUnit::Second, _) => seconds!(TimestampSecondType, 1),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            seconds!(TimestampMillisecondType, 1_000)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            seconds!(TimestampMicrosecondType, 1_000_000)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            seconds!(TimestampNanosecondType, 1_000_000_000)
        }
        DataType::Float16 => Values::Float(
            array
                .as_primitive::<Float16Type>()
                .values()
                .iter()
                .map(|v| v.to_f32())
                .collect(),
        ),
        DataType::Float32 => Values::Float(array.as_primitive::<Float32Type>().values().to_vec()),
        DataType::Float64 => Values::Float(
            array
                .as_primitive::<Float64Type>()
                .values()
                .iter()
                .map(|&v| v as f32)
                .collect(),
        ),
        DataType::Utf8 => Values::Text(
            array
                .as_string::<i32>()
                .iter()
                .map(|s| s.unwrap_or(""))
                .collect(),
        ),
        DataType::LargeUtf8 => Values::Text(
            array
                .as_string::<i64>()
                .iter()
                .map(|s| s.unwrap_or(""))
                .collect(),
        ),
        DataType::Utf8View => Values::Text(
            array
                .as_string_view()
                .iter()
                .map(|s| s.unwrap_or(""))
                .collect(),
        ),
        // The types were checked against the schema before any batch was read.
        _ => Values::Int(Vec::new()),
    }
}

/// A row's id, checked but not interned.
enum Id<'a> {
    Int(i64),
    Text(&'a str),
}

/// The id in row `r` of an id column, or why it is not one.
fn id_at<'a>(
    name: &str,
    array: &dyn Array,
    v: &Values<'a>,
    r: usize,
) -> std::result::Result<Id<'a>, String> {
    if array.is_null(r) {
        return Err(format!("column \"{name}\" is null"));
    }
    match v {
        Values::Int(ints) => match ints.get(r).copied().flatten() {
            Some(id) if id >= 0 => Ok(Id::Int(id)),
            Some(id) => Err(format!(
                "column \"{name}\" holds {id}, negative; ids must be ≥ 0"
            )),
            None => Err(format!(
                "column \"{name}\" holds a value too large for an id"
            )),
        },
        Values::Text(texts) => match texts.get(r) {
            Some(s) if !s.is_empty() => Ok(Id::Text(s)),
            _ => Err(format!("column \"{name}\" is empty")),
        },
        Values::Float(_) => Err(format!("column \"{name}\" is not an id column")),
    }
}

/// Reads a Parquet rating file into `Triplets` whose indices come from (and extend) `users`
/// and `items`, like [`crate::read_triplets`] does for text files. The report counts rows
/// as lines; errors name the file, the 1-based row and the column.
pub fn read_parquet(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    users: &mut IdMap,
    items: &mut IdMap,
    progress: &dyn Progress,
) -> Result<(Triplets, ReadReport)> {
    read_parquet_groups(path.as_ref(), options, None, users, items, progress)
}

/// [`read_parquet`] of the whole file (`share` `None`) or of share `(index, count)`, for a
/// read by several processes: the row groups `index · G / count .. (index + 1) · G / count`
/// of its `G`, read as [`read_parquet`] reads them, except that line (row) numbers in the
/// rows and the report count from the share's first row, and a share without rows is not
/// an error. An error names the row as the whole file numbers it.
pub(crate) fn read_parquet_groups(
    path: &Path,
    options: &ReadOptions,
    share: Option<(usize, usize)>,
    users: &mut IdMap,
    items: &mut IdMap,
    progress: &dyn Progress,
) -> Result<(Triplets, ReadReport)> {
    let started = Instant::now();
    let bytes = std::fs::metadata(path)
        .map_err(|e| DataError::io(path, e))?
        .len();
    let meta = open_metadata(path)?;
    let c = columns(path, meta.schema())?;
    let names: Vec<String> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut roots = vec![c.user, c.item, c.rating];
    roots.extend(c.timestamp);
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots.clone());
    let at = |k: usize| position(&roots, k);
    let (bu, bi, br, bt) = (at(c.user), at(c.item), at(c.rating), c.timestamp.map(at));
    // Only the range of the timestamps wanted, and every row group records it exactly: the
    // parallel read leaves the column out.
    let n_groups = meta.metadata().num_row_groups();
    let groups = match share {
        Some((index, count)) => {
            let bound = |k: usize| (k.min(count) * n_groups) / count.max(1);
            bound(index)..bound(index + 1)
        }
        None => 0..n_groups,
    };
    let group_rows = |g: usize| meta.metadata().row_group(g).num_rows().max(0) as u64;
    // The file's rows before the first group read, for naming a row in an error.
    let rows_before: u64 = (0..groups.start).map(group_rows).sum();
    // A share's bytes: from its first group's first page (the file's start for the first
    // share) to the next share's (the file's end for the last): the shares' add up to the
    // file's size.
    let group_start = |g: usize| {
        if g == 0 {
            0
        } else if g >= n_groups {
            bytes
        } else {
            let group = meta.metadata().row_group(g);
            (0..group.num_columns())
                .map(|k| group.column(k).byte_range().0)
                .min()
                .unwrap_or(bytes)
        }
    };
    let share_bytes = group_start(groups.end).saturating_sub(group_start(groups.start));
    let known_range = match options.timestamps {
        TimestampUse::RangeOnly => c
            .timestamp
            .and_then(|k| exact_int64_range(&meta, k, groups.clone())),
        TimestampUse::Keep => None,
    };
    let plain_roots = match known_range {
        Some(_) => vec![c.user, c.item, c.rating],
        None => roots.clone(),
    };
    let plain_mask = ProjectionMask::roots(meta.parquet_schema(), plain_roots.clone());

    let total_rows = groups.clone().map(group_rows).sum::<u64>() as usize;
    let mut out = Triplets::new(
        path.display().to_string(),
        c.timestamp.is_some() && known_range.is_none(),
        false,
    );
    let mut users = crate::read::Interner::new(users);
    let mut items = crate::read::Interner::new(items);
    // A file written by `write_parquet` lists its items in the order the original file
    // first named them: interning them in that order first gives the same item indices.
    let order = metadata_value(&meta, ITEM_ORDER_KEY);
    for token in order.into_iter().flat_map(|o| o.split(',')) {
        if token.is_empty() {
            continue;
        }
        let id = token.replace("%2C", ",").replace("%25", "%");
        if c.item_text {
            items.text(&id);
        } else {
            match id.parse::<i64>() {
                Ok(v) if v >= 0 => {
                    items.int(v);
                }
                _ => {
                    return Err(invalid(
                        path,
                        format!(
                            "the metadata {ITEM_ORDER_KEY} names item \"{id}\", not an \
                             integer id like those of its item column"
                        ),
                    ));
                }
            }
        }
    }
    let (mut row_no, mut skipped, mut first_skipped) = (0u64, 0u64, Vec::new());
    progress.start("reading", Some(total_rows as u64));
    let plain = PlainRead {
        path,
        meta: &meta,
        mask: &plain_mask,
        at: Positions {
            user: position(&plain_roots, c.user),
            item: position(&plain_roots, c.item),
            rating: position(&plain_roots, c.rating),
            timestamp: c
                .timestamp
                .filter(|_| known_range.is_none())
                .map(|k| position(&plain_roots, k)),
        },
        scale: options.rating_scale,
        groups: groups.clone(),
    };
    let mut time_range = None;
    let groups: Vec<usize> = if read_plain(&plain, &mut users, &mut items, &mut out, progress) {
        row_no = out.len() as u64;
        time_range = known_range;
        Vec::new()
    } else {
        // Row by row, timestamps included: only the rows kept count towards their range.
        if c.timestamp.is_some() {
            out.timestamps.get_or_insert_with(Vec::new);
        }
        out.users.reserve_exact(total_rows);
        out.items.reserve_exact(total_rows);
        out.values.reserve_exact(total_rows);
        if let Some(ts) = &mut out.timestamps {
            ts.reserve_exact(total_rows);
        }
        groups.clone().collect()
    };
    let window = 2 * rayon::current_num_threads().max(1);
    for window in groups.chunks(window) {
        // Row groups of a window are decoded in parallel, each through its own file handle
        // (handles cloned from one file would share one offset), then merged in order.
        let decoded: Vec<Result<Vec<RecordBatch>>> = window
            .par_iter()
            .map(|&g| {
                let file = File::open(path).map_err(|e| DataError::io(path, e))?;
                // Batches of 64 Ki rows: buffers the allocator reuses, rather than fresh
                // pages for each row group.
                ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
                    .with_projection(mask.clone())
                    .with_row_groups(vec![g])
                    .with_batch_size(1 << 16)
                    .build()
                    .and_then(|reader| {
                        reader
                            .collect::<std::result::Result<Vec<_>, _>>()
                            .map_err(Into::into)
                    })
                    .map_err(|e| invalid(path, format!("row group {g}: {e}")))
            })
            .collect();
        for group in decoded {
            for batch in group? {
                let n = batch.num_rows();
                let (ua, ia, ra) = (batch.column(bu), batch.column(bi), batch.column(br));
                let ta = bt.map(|k| batch.column(k));
                let (uv, iv, rv) = (values(ua), values(ia), values(ra));
                let tv = ta.map(|a| values(a.as_ref()));
                for r in 0..n {
                    row_no += 1;
                    let row = (|| {
                        let u = id_at(&names[c.user], ua.as_ref(), &uv, r)?;
                        let i = id_at(&names[c.item], ia.as_ref(), &iv, r)?;
                        let rating_name = &names[c.rating];
                        if ra.is_null(r) {
                            return Err(format!("column \"{rating_name}\" is null"));
                        }
                        let v = match &rv {
                            Values::Float(f) => f[r],
                            Values::Int(ints) => ints[r].map_or(f32::INFINITY, |x| x as f32),
                            Values::Text(_) => f32::NAN,
                        };
                        if !v.is_finite() {
                            return Err(format!(
                                "column \"{rating_name}\" holds {v}, not a finite number"
                            ));
                        }
                        if let Some((lo, hi)) = options.rating_scale
                            && (v < lo || v > hi)
                        {
                            return Err(format!(
                                "column \"{rating_name}\" holds {v}, outside the rating scale [{lo}, {hi}]"
                            ));
                        }
                        let t = match (&tv, ta) {
                            (Some(Values::Int(ts)), Some(a)) => {
                                if a.is_null(r) {
                                    let name = c.timestamp.map_or("timestamp", |k| &names[k]);
                                    return Err(format!("column \"{name}\" is null"));
                                }
                                ts[r].unwrap_or(i64::MAX)
                            }
                            _ => 0,
                        };
                        Ok((u, i, v, t))
                    })();
                    match row {
                        Ok((u, i, v, t)) => {
                            let u = match u {
                                Id::Int(x) => users.int(x),
                                Id::Text(s) => users.text(s),
                            };
                            let i = match i {
                                Id::Int(x) => items.int(x),
                                Id::Text(s) => items.text(s),
                            };
                            if out.lines.is_none() && row_no != out.len() as u64 + 1 {
                                // Rows stop being rows 1, 2, 3, … (a skipped row).
                                out.lines = Some((1..=out.len() as u64).collect());
                            }
                            out.push(u, i, v, Some(t), row_no);
                        }
                        Err(message) if options.skip_bad_rows => {
                            skipped += 1;
                            if first_skipped.len() < KEPT_SKIPPED {
                                first_skipped.push((row_no, message));
                            }
                        }
                        Err(message) => {
                            let row = rows_before + row_no;
                            return Err(invalid(path, format!("row {row}: {message}")));
                        }
                    }
                }
                progress.advance(n as u64);
            }
        }
    }
    progress.finish();
    if out.is_empty() && share.is_none() {
        return Err(DataError::Empty { path: path.into() });
    }
    if options.duplicates != DuplicatePolicy::Error {
        out.lines = None;
    }
    if options.timestamps == TimestampUse::RangeOnly
        && let Some(ts) = out.timestamps.take()
    {
        time_range = crate::stats::time_range(&ts);
    }
    let report = ReadReport {
        path: path.into(),
        format: Format::Parquet,
        bytes: share_bytes,
        lines: row_no,
        rows: out.len() as u64,
        blank_lines: 0,
        skipped,
        first_skipped,
        seconds: started.elapsed().as_secs_f64(),
        source_format: metadata_value(&meta, SOURCE_FORMAT_KEY).map(str::to_string),
        time_range,
    };
    Ok((out, report))
}
