//! Writing rating rows as a Parquet file (see the [module docs](super)).

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::atomic::AtomicFile;
use crate::error::{DataError, Result};
use crate::ids::IdMap;
use crate::interactions::Interactions;

/// Rows per row group (the unit the reader decodes in parallel).
pub const ROW_GROUP_ROWS: usize = 1 << 20;

/// The ids of a map as written: integers when they all are (or all are strings holding
/// canonical non-negative decimal integers), else their text.
enum IdColumn {
    Int(Vec<i64>),
    Text(Vec<String>),
}

impl IdColumn {
    fn of(map: &IdMap) -> IdColumn {
        if let Some(ints) = map.int_ids()
            && ints.iter().all(|&v| v >= 0)
        {
            return IdColumn::Int(ints.to_vec());
        }
        if let Some(strs) = map.str_ids() {
            let canonical: Option<Vec<i64>> = strs
                .iter()
                .map(|s| {
                    s.parse::<i64>()
                        .ok()
                        .filter(|v| *v >= 0 && v.to_string() == **s)
                })
                .collect();
            if let Some(ints) = canonical {
                return IdColumn::Int(ints);
            }
        }
        IdColumn::Text(map.to_strings())
    }

    fn data_type(&self) -> DataType {
        match self {
            IdColumn::Int(_) => DataType::Int64,
            IdColumn::Text(_) => DataType::Utf8,
        }
    }

    /// The column of the rows with these indices.
    fn array(&self, rows: &[u32]) -> ArrayRef {
        match self {
            IdColumn::Int(ids) => Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|&k| ids[k as usize]),
            )),
            IdColumn::Text(ids) => Arc::new(StringArray::from_iter_values(
                rows.iter().map(|&k| ids[k as usize].as_str()),
            )),
        }
    }
}

/// The key-value metadata entry that lists the item ids in the order of their indices
/// (percent-encoded: `%` as `%25`, `,` as `%2C`; comma-separated), so that the reader interns
/// items in the order a read of the original file did, although the rows are written user by
/// user.
pub const ITEM_ORDER_KEY: &str = "rustrec.item_order";

/// The key-value metadata entry naming the format the data was converted from (`ml-dat`,
/// …), reported by the reader as [`crate::ReadReport::source_format`].
pub const SOURCE_FORMAT_KEY: &str = "rustrec.source_format";

/// The text of an id in the [`ITEM_ORDER_KEY`] list.
pub(crate) fn encode_id(id: &str) -> String {
    id.replace('%', "%25").replace(',', "%2C")
}

/// Writes `x` to `path` as Parquet, atomically: one row per stored entry, user by user and
/// items in index order within a user (the order [`crate::Interactions`] holds them in), with
/// columns `user`, `item`, `rating` and, when `x` has timestamps, `timestamp`; the item ids'
/// index order goes to the [`ITEM_ORDER_KEY`] metadata. Read back into fresh id maps, the
/// file gives the same `Interactions` (same indices, same order) as the file `x` was read
/// from, and the reader skips the sort. `source_format` (the format `x` was read from, if
/// any) goes to the [`SOURCE_FORMAT_KEY`] metadata. Returns the bytes written.
pub fn write_parquet(
    x: &Interactions,
    source_format: Option<&str>,
    path: impl AsRef<Path>,
) -> Result<u64> {
    let mut out = AtomicFile::create(path)?;
    let bytes = write_parquet_into(x, source_format, &mut out)?;
    out.commit()?;
    Ok(bytes)
}

/// [`write_parquet`] into a temporary file not yet committed (so that a train and a test
/// file can be replaced together, [`crate::write::write_files`]). Returns the bytes written.
pub fn write_parquet_into(
    x: &Interactions,
    source_format: Option<&str>,
    out: &mut AtomicFile,
) -> Result<u64> {
    let path = out.path().to_path_buf();
    let path = path.as_path();
    let (user_ids, item_ids) = (IdColumn::of(x.user_ids()), IdColumn::of(x.item_ids()));
    let mut fields = vec![
        Field::new("user", user_ids.data_type(), false),
        Field::new("item", item_ids.data_type(), false),
        Field::new("rating", DataType::Float32, false),
    ];
    if x.timestamps().is_some() {
        fields.push(Field::new("timestamp", DataType::Int64, false));
    }
    let schema = Arc::new(Schema::new(fields));
    // Items with at least one rating, in index order (an item without ratings is not in a
    // rating file either).
    let counts = x.item_ptr();
    let order: Vec<String> = x
        .item_ids()
        .to_strings()
        .iter()
        .enumerate()
        .filter(|&(i, _)| counts[i + 1] > counts[i])
        .map(|(_, id)| encode_id(id))
        .collect();
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_column_compression(ColumnPath::from("timestamp"), Compression::UNCOMPRESSED)
        .set_column_dictionary_enabled(ColumnPath::from("timestamp"), false)
        .set_max_row_group_size(ROW_GROUP_ROWS)
        .set_key_value_metadata(Some(
            [
                Some(KeyValue::new(ITEM_ORDER_KEY.to_string(), order.join(","))),
                source_format.map(|f| KeyValue::new(SOURCE_FORMAT_KEY.to_string(), f.to_string())),
            ]
            .into_iter()
            .flatten()
            .collect(),
        ))
        .build();
    let failed = |e: parquet::errors::ParquetError| {
        DataError::Invalid(format!("{}: writing Parquet: {e}", path.display()))
    };
    // The user of each entry.
    let ptr = x.user_ptr();
    let mut row_users = Vec::with_capacity(x.nnz());
    for u in 0..x.n_users() {
        row_users.extend(std::iter::repeat_n(u as u32, ptr[u + 1] - ptr[u]));
    }
    let mut writer =
        ArrowWriter::try_new(&mut *out, schema.clone(), Some(props)).map_err(failed)?;
    let mut start = 0;
    while start < x.nnz() {
        let end = (start + ROW_GROUP_ROWS).min(x.nnz());
        let mut columns: Vec<ArrayRef> = vec![
            user_ids.array(&row_users[start..end]),
            item_ids.array(&x.item_indices()[start..end]),
            Arc::new(Float32Array::from(x.values()[start..end].to_vec())),
        ];
        if let Some(ts) = x.timestamps() {
            columns.push(Arc::new(Int64Array::from(ts[start..end].to_vec())));
        }
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .map_err(|e| DataError::Invalid(format!("{}: {e}", path.display())))?;
        writer.write(&batch).map_err(failed)?;
        start = end;
    }
    writer.close().map_err(failed)?;
    let bytes = out
        .file_mut()?
        .metadata()
        .map_err(|e| DataError::io(path, e))?
        .len();
    Ok(bytes)
}
