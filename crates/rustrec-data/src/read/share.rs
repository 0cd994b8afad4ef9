//! One process's share of a text rating file read by several processes: the lines that
//! start in its byte range, parsed as a read of the whole file parses them.
//!
//! The file's `len` bytes are cut at `k · len / count`; a line belongs to the share its
//! first byte falls in, so every line is read by exactly one process and the shares in
//! process order are the file in order. A share other than the first settles the row rules
//! on the first lines of the file (header, field count) exactly as the whole read does, then
//! parses its own lines with them. Its ids get share-local indices in order of first
//! appearance and its line numbers count from the share's start; `super::gather` puts the
//! shares together into the whole file's rows, ids and line numbers.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

use crate::error::{DataError, Result};
use crate::ids::IdMap;
use crate::progress::Progress;
use crate::read::chunked::{Plan, settle_before};
use crate::read::format::{Format, detect_format};
use crate::read::layout::Layout;
use crate::read::lines::open;
use crate::read::ratings::{ReadOptions, ReadReport, TextRead, read_parquet};
use crate::read::row::RowRules;
use crate::triplets::Triplets;

/// The byte range `start..end` of the lines that start in share `index` of `count` of a
/// file of `len` bytes.
pub fn share_bounds(
    file: &File,
    len: u64,
    index: usize,
    count: usize,
) -> std::io::Result<(u64, u64)> {
    Ok((
        line_start_from(file, len, index, count)?,
        line_start_from(file, len, index + 1, count)?,
    ))
}

/// The first line start at or after byte `k · len / count` (`len` past the last line).
fn line_start_from(file: &File, len: u64, k: usize, count: usize) -> std::io::Result<u64> {
    let raw = if k >= count {
        len
    } else {
        (u128::from(len) * k as u128 / count.max(1) as u128) as u64
    };
    if raw == 0 || raw >= len {
        return Ok(raw.min(len));
    }
    // A line starts at `raw` when the byte before it ends a line.
    let mut at = raw - 1;
    let mut window = vec![0u8; 64 << 10];
    while at < len {
        let n = window.len().min((len - at) as usize);
        file.read_exact_at(&mut window[..n], at)?;
        if let Some(p) = memchr::memchr(b'\n', &window[..n]) {
            return Ok(at + p as u64 + 1);
        }
        at += n as u64;
    }
    Ok(len)
}

/// Reads share `index` of `count` of a rating file into `Triplets` over `users` and `items`
/// (fresh maps: the indices are share-local). Unlike a whole read, a share with no rows is
/// not an error (the whole file may still have some); line numbers in the rows, the report
/// and a parse error count from the share's first line. A Parquet file is shared out by
/// row groups instead of bytes (its errors name the row as the whole file numbers it).
pub fn read_triplets_share(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    index: usize,
    count: usize,
    users: &mut IdMap,
    items: &mut IdMap,
    progress: &dyn Progress,
) -> Result<(Triplets, ReadReport)> {
    let path = path.as_ref();
    let started = Instant::now();
    let (mut file, bytes) = open(path)?;
    let format = match &options.format {
        Format::Auto => detect_format(path)?,
        other => other.clone(),
    };
    if format == Format::Parquet {
        return read_parquet(path, options, Some((index, count)), users, items, progress);
    }
    let layout = Layout::of(&format);
    let mut rules = RowRules::new(&layout, options.rating_scale);
    let (start, end) =
        share_bounds(&file, bytes, index, count).map_err(|e| DataError::io(path, e))?;
    let lines_before = if start > 0 {
        settle_before(&file, start, &mut rules, options.skip_bad_rows)
            .map_err(|e| DataError::io(path, e))?
    } else {
        Some(0)
    };
    file.seek(SeekFrom::Start(start))
        .map_err(|e| DataError::io(path, e))?;
    let text = TextRead {
        path,
        options,
        format,
        started,
        // Only a share whose earlier lines left the rules unsettled parses a prologue: its
        // messages then number lines as the whole read does.
        first_line: lines_before.map_or(1, |n| n + 1),
        plan: Plan::for_bytes(end - start),
    };
    let (out, report) = text.read(
        &mut rules,
        std::io::Read::take(file, end - start),
        end - start,
        users,
        items,
        progress,
    )?;
    Ok((out, report))
}
