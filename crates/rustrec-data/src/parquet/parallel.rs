//! The parallel read of a plain Parquet rating file: every row group decoded on its own
//! thread straight into its part of the final columns.
//!
//! A file is *plain* when every batch has integer ids (int32/int64, ≥ 0), float ratings
//! (float32/float64, finite, within the rating scale), int64 timestamps (or none) and no
//! nulls: then no row can be an error or be skipped, and the rows of row group `g` are the
//! rows `offset[g]..offset[g + 1]` of the result. The read goes in three steps:
//!
//! 1. **Row groups in parallel.** Each group's columns are read at once ([`GroupBytes`]) and
//!    decoded batch by batch into its slice of the result's columns; its ids get group-local indices in order of first
//!    appearance within the group ([`LocalIds`]).
//! 2. **Ids in group order.** Each group's local ids are interned into the file's maps in
//!    their local order — their order of first appearance in the whole file.
//! 3. **Remap in parallel.** Each group's slice turns its local indices into the file's.
//!
//! The result is the one the sequential row-by-row read gives (the tests compare them). A
//! file that is not plain (or a batch that fails to decode) gives `None` before anything
//! was interned; the caller then reads it row by row, which names what is wrong.

use std::fs::File;
use std::ops::Range;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use rayon::prelude::*;

use super::group_bytes::{BufferPool, GroupBytes};
use crate::prefault::prefault;
use crate::progress::Progress;
use crate::read::{Interner, LocalIds, TablePool};
use crate::triplets::Triplets;
use crate::triplets_in_place::split_rows;
use crate::user_column::UserColumn;

/// Where the columns of the rating table are in a projected batch.
#[derive(Clone, Copy, Debug)]
pub(super) struct Positions {
    pub(super) user: usize,
    pub(super) item: usize,
    pub(super) rating: usize,
    pub(super) timestamp: Option<usize>,
}

/// What the parallel read needs to know about the file.
pub(super) struct PlainRead<'a> {
    pub(super) path: &'a Path,
    pub(super) meta: &'a ArrowReaderMetadata,
    pub(super) mask: &'a ProjectionMask,
    pub(super) at: Positions,
    /// The allowed rating range (`None`: any finite rating).
    pub(super) scale: Option<(f32, f32)>,
    /// The row groups to read (all of them, or a process's share).
    pub(super) groups: Range<usize>,
}

/// One row group's slices of the result's columns.
struct GroupRows<'o> {
    users: &'o mut [u32],
    items: &'o mut [u32],
    values: &'o mut [f32],
    stamps: Option<&'o mut [i64]>,
}

/// Reads every row group of a plain file in parallel into `out` (empty, with or without
/// timestamps as the file has them), interning ids into `users` / `items` in order of first
/// appearance. Returns false, with `out` still empty and nothing interned, for a file that is
/// not plain.
pub(super) fn read_plain(
    read: &PlainRead<'_>,
    users: &mut Interner<'_>,
    items: &mut Interner<'_>,
    out: &mut Triplets,
    progress: &dyn Progress,
) -> bool {
    let groups = &read.meta.metadata().row_groups()[read.groups.clone()];
    let mut offsets = Vec::with_capacity(groups.len() + 1);
    offsets.push(0usize);
    for g in groups {
        let Ok(rows) = usize::try_from(g.num_rows()) else {
            return false;
        };
        offsets.push(offsets[offsets.len() - 1] + rows);
    }
    let n = offsets[groups.len()];
    // Zeroed allocations: their pages are faulted in by the thread that writes them.
    out.users = UserColumn::from(vec![0; n]);
    out.items = vec![0; n];
    out.values = vec![0.0; n];
    if let Some(ts) = &mut out.timestamps {
        *ts = vec![0; n];
    }
    let pool = TablePool::default();
    let buffers = BufferPool::default();
    let decoded: Option<Vec<(LocalIds<'static>, LocalIds<'static>)>> = {
        let user_rows = split_rows(out.users.rows_mut(), &offsets);
        let item_rows = split_rows(&mut out.items, &offsets);
        let value_rows = split_rows(&mut out.values, &offsets);
        let stamp_rows: Vec<Option<&mut [i64]>> = match &mut out.timestamps {
            Some(ts) => split_rows(ts, &offsets).into_iter().map(Some).collect(),
            None => (0..groups.len()).map(|_| None).collect(),
        };
        user_rows
            .into_par_iter()
            .zip(item_rows)
            .zip(value_rows)
            .zip(stamp_rows)
            .enumerate()
            .map(|(g, (((users, items), values), stamps))| {
                let rows = GroupRows {
                    users,
                    items,
                    values,
                    stamps,
                };
                read_group(read, read.groups.start + g, rows, &pool, &buffers, progress)
            })
            .collect()
    };
    let Some(locals) = decoded else {
        out.users = UserColumn::default();
        out.items = Vec::new();
        out.values = Vec::new();
        if let Some(ts) = &mut out.timestamps {
            *ts = Vec::new();
        }
        return false;
    };
    let tables: Vec<(Vec<u32>, Vec<u32>)> = locals
        .iter()
        .map(|(u, i)| (u.intern_into(users), i.intern_into(items)))
        .collect();
    let user_rows = split_rows(out.users.rows_mut(), &offsets);
    let item_rows = split_rows(&mut out.items, &offsets);
    user_rows
        .into_par_iter()
        .zip(item_rows)
        .zip(&tables)
        .for_each(|((users, items), (user_of, item_of))| {
            users.iter_mut().for_each(|u| *u = user_of[*u as usize]);
            items.iter_mut().for_each(|i| *i = item_of[*i as usize]);
        });
    true
}

/// Decodes row group `g` into `rows`; its local user and item ids, or `None` when a batch is
/// not plain or does not decode.
fn read_group(
    read: &PlainRead<'_>,
    g: usize,
    rows: GroupRows<'_>,
    pool: &TablePool,
    buffers: &BufferPool,
    progress: &dyn Progress,
) -> Option<(LocalIds<'static>, LocalIds<'static>)> {
    let file = File::open(read.path).ok()?;
    let group = read.meta.metadata().row_groups().get(g)?;
    let span = GroupBytes::read(&file, group, read.mask, buffers).ok()?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(span, read.meta.clone())
        .with_projection(read.mask.clone())
        .with_row_groups(vec![g])
        // Batches of 4 Ki rows: arrow's buffers stay small enough for the allocator to reuse
        // rather than map fresh pages for each batch (57 k page faults for the 10M-row file
        // against 70 k with 64 Ki rows; the result's own columns take 51 k).
        .with_batch_size(1 << 12)
        .build()
        .ok()?;
    let mut local_users = LocalIds::new(false, pool.take());
    let mut local_items = LocalIds::new(false, pool.take());
    let GroupRows {
        users,
        items,
        values,
        mut stamps,
    } = rows;
    // Fault the group's part of the columns in on this thread, in one call per column.
    prefault(users);
    prefault(items);
    prefault(values);
    if let Some(s) = stamps.as_deref_mut() {
        prefault(s);
    }
    let mut done = 0;
    for batch in reader {
        let batch = batch.ok()?;
        let end = done + batch.num_rows();
        if end > users.len() {
            return None;
        }
        let stamps = stamps.as_deref_mut().map(|s| &mut s[done..end]);
        if !plain_batch(
            &batch,
            read,
            &mut local_users,
            &mut local_items,
            GroupRows {
                users: &mut users[done..end],
                items: &mut items[done..end],
                values: &mut values[done..end],
                stamps,
            },
        ) {
            return None;
        }
        progress.advance((end - done) as u64);
        done = end;
    }
    if done != users.len() {
        return None;
    }
    local_users.release(pool);
    local_items.release(pool);
    Some((local_users, local_items))
}

/// Writes one batch into `rows` (its size) when it is plain; false otherwise.
fn plain_batch(
    batch: &RecordBatch,
    read: &PlainRead<'_>,
    local_users: &mut LocalIds<'static>,
    local_items: &mut LocalIds<'static>,
    rows: GroupRows<'_>,
) -> bool {
    let at = read.at;
    if !(ids(batch.column(at.user).as_ref(), local_users, rows.users)
        && ids(batch.column(at.item).as_ref(), local_items, rows.items)
        && ratings(batch.column(at.rating).as_ref(), read.scale, rows.values))
    {
        return false;
    }
    match (at.timestamp, rows.stamps) {
        (Some(k), Some(out)) => {
            let a = batch.column(k);
            if a.data_type() != &DataType::Int64 || a.null_count() != 0 {
                return false;
            }
            out.copy_from_slice(a.as_primitive::<Int64Type>().values());
            true
        }
        (None, None) => true,
        _ => false,
    }
}

/// Local indices of an int32/int64 id column without nulls or negative ids.
fn ids(array: &dyn Array, local: &mut LocalIds<'static>, out: &mut [u32]) -> bool {
    if array.null_count() != 0 {
        return false;
    }
    match array.data_type() {
        DataType::Int64 => intern_run_aware(array.as_primitive::<Int64Type>().values(), local, out),
        DataType::Int32 => intern_run_aware(array.as_primitive::<Int32Type>().values(), local, out),
        _ => false,
    }
}

/// Local indices of non-negative integer ids (false, with `out` unspecified, for a negative
/// one); a run of one id (a user's rows) is looked up once.
fn intern_run_aware<T: Copy + Into<i64>>(
    ids: &[T],
    local: &mut LocalIds<'static>,
    out: &mut [u32],
) -> bool {
    if ids.iter().fold(false, |neg, &x| neg | (x.into() < 0)) {
        return false;
    }
    let mut last = (-1i64, 0u32);
    for (o, &x) in out.iter_mut().zip(ids) {
        let x: i64 = x.into();
        if x != last.0 {
            last = (x, local.int(x));
        }
        *o = last.1;
    }
    true
}

/// A float32/float64 rating column without nulls, every rating (as `f32`) finite and within
/// `scale`.
fn ratings(array: &dyn Array, scale: Option<(f32, f32)>, out: &mut [f32]) -> bool {
    if array.null_count() != 0 {
        return false;
    }
    match array.data_type() {
        DataType::Float32 => out.copy_from_slice(array.as_primitive::<Float32Type>().values()),
        DataType::Float64 => out
            .iter_mut()
            .zip(array.as_primitive::<Float64Type>().values().iter())
            .for_each(|(o, &x)| *o = x as f32),
        _ => return false,
    }
    let (lo, hi) = scale.unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
    out.iter().all(|&v| v.is_finite() && v >= lo && v <= hi)
}
