//! Writing rating rows as a Parquet file (see the [module docs](super)).

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::atomic::AtomicFile;
use crate::error::{DataError, Result};
use crate::ids::IdMap;
use crate::triplets::Triplets;

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

/// Writes the rows of `t` (indices into `users` and `items`) in their order to `path` as
/// Parquet, atomically: columns `user`, `item`, `rating` and, when `t` has timestamps,
/// `timestamp`. Returns the bytes written.
pub fn write_parquet(
    t: &Triplets,
    users: &IdMap,
    items: &IdMap,
    path: impl AsRef<Path>,
) -> Result<u64> {
    let path = path.as_ref();
    let (user_ids, item_ids) = (IdColumn::of(users), IdColumn::of(items));
    let mut fields = vec![
        Field::new("user", user_ids.data_type(), false),
        Field::new("item", item_ids.data_type(), false),
        Field::new("rating", DataType::Float32, false),
    ];
    if t.timestamps.is_some() {
        fields.push(Field::new("timestamp", DataType::Int64, false));
    }
    let schema = Arc::new(Schema::new(fields));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_size(ROW_GROUP_ROWS)
        .build();
    let failed = |e: parquet::errors::ParquetError| {
        DataError::Invalid(format!("{}: writing Parquet: {e}", path.display()))
    };
    let mut out = AtomicFile::create(path)?;
    let mut writer = ArrowWriter::try_new(&mut out, schema.clone(), Some(props)).map_err(failed)?;
    let mut start = 0;
    while start < t.len() {
        let end = (start + ROW_GROUP_ROWS).min(t.len());
        let mut columns: Vec<ArrayRef> = vec![
            user_ids.array(&t.users[start..end]),
            item_ids.array(&t.items[start..end]),
            Arc::new(Float32Array::from(t.values[start..end].to_vec())),
        ];
        if let Some(ts) = &t.timestamps {
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
    out.commit()?;
    Ok(bytes)
}
