//! The parallel reader behind [`super::read_triplets`].
//!
//! The file is read in batches of [`Plan::batch`] bytes (never whole, never mapped), each cut
//! after its last newline (the incomplete line moves to the next batch). A batch is split at
//! line ends into chunks of about [`Plan::chunk`] bytes that rayon parses in parallel:
//!
//! 1. **Prologue.** The first lines of the file are parsed in order until the row rules are
//!    settled ([`RowRules::settled`]: header seen, field count of the first data row known);
//!    from then on a line's meaning depends on that line alone.
//! 2. **Chunks in parallel.** Each chunk parses its lines with a copy of the settled rules,
//!    numbering lines and ids locally: ids get chunk-local indices in order of first
//!    appearance ([`LocalIds`]), rows keep those, a chunk stops at its first bad row (unless
//!    bad rows are skipped).
//! 3. **Merge in chunk order.** Each chunk's new ids are interned into the file's id maps in
//!    their local order — which is their order of first appearance in the whole file — and
//!    its rows are remapped into the final [`Triplets`]. Line numbers become global by adding
//!    the lines of the chunks before; the first error in file order is the one reported.
//!
//! The merging is sequential but does not hold up the parsing: for each batch a scoped
//! thread first reads the next batch into a second buffer, then merges the batch's chunks in
//! order as rayon finishes them (a chunk parsed early waits for the ones before it).
//!
//! So the result (rows, ids, their order, errors, skipped-row messages, report) is the one a
//! sequential read gives, whatever the chunk size and thread count (tested against the
//! readable sequential reader in `reference.rs`). Memory: two batches of text, the chunks'
//! parsed rows of one batch, and the final columns, reserved once from the first chunk's
//! rows per byte.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use rayon::prelude::*;

use crate::error::{DataError, Result};
use crate::ids::IdKind;
use crate::progress::Progress;
use crate::read::interner::{Interner, LocalIds, TablePool};
use crate::read::lines::trim_cr;
use crate::read::ratings::{KEPT_SKIPPED, TimestampUse};
use crate::read::row::{Ids, Row, RowRules};
use crate::stats::merge_ranges;
use crate::triplets::Triplets;

/// How a file is cut for parallel parsing. Any plan gives the same result.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    /// Bytes read per batch (grown for a line longer than this).
    pub(crate) batch: usize,
    /// Target bytes per chunk (a chunk ends at the first line end after this many bytes).
    pub(crate) chunk: usize,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            batch: 2 << 20,
            chunk: 512 << 10,
        }
    }
}

impl Plan {
    /// The smallest batch [`Plan::for_bytes`] cuts.
    const MIN_BATCH: usize = 256 << 10;

    /// The plan for a text of `len` bytes: batches of a sixteenth of the text, from 256 KiB
    /// up to the default 2 MiB, and four chunks a batch. The two batches of text and one
    /// batch's parsed rows the read holds then stay small beside the file's rows: reading
    /// ML-1M's 10 MB training split held 15.2 MB of private memory with 2 MiB batches and
    /// 10.1 MB with these (`rustrec describe` as a whole process: 21.2 MB, now 17.0 MB, in
    /// the same time). From 32 MB of text on the plan is the default.
    pub(crate) fn for_bytes(len: u64) -> Plan {
        let default = Plan::default();
        let sixteenth = usize::try_from(len / 16).unwrap_or(usize::MAX);
        let batch = sixteenth.clamp(Self::MIN_BATCH, default.batch);
        Plan {
            batch,
            chunk: batch / (default.batch / default.chunk),
        }
    }
}

/// What parsing a run of lines gave. Line numbers are 1-based within the run.
struct ChunkOut<'t> {
    /// Bytes of text parsed.
    bytes: usize,
    lines: u64,
    blank: u64,
    users: Vec<u32>,
    items: Vec<u32>,
    values: Vec<f32>,
    timestamps: Vec<i64>,
    /// The smallest and largest timestamp, when only the range is kept.
    time_range: Option<(i64, i64)>,
    /// The line of each row, once a row was not line `rows + 1` (only when lines are kept).
    row_lines: Option<Vec<u32>>,
    local_users: LocalIds<'t>,
    local_items: LocalIds<'t>,
    skipped: u64,
    first_skipped: Vec<(u64, String)>,
    /// The first bad row (parsing stopped there), when bad rows are not skipped.
    error: Option<(u64, String)>,
}

/// What every chunk of a file shares.
struct Context<'a> {
    skip_bad_rows: bool,
    keep_lines: bool,
    /// A timestamp per row is kept.
    with_timestamps: bool,
    /// Only the timestamps' range is kept.
    time_range_only: bool,
    string_ids: bool,
    pool: &'a TablePool,
    /// Emptied row columns of merged chunks, reused by later chunks (fresh allocations of
    /// this size would be new pages to fault in, chunk after chunk).
    columns: &'a Mutex<Vec<Columns>>,
}

/// The row columns of a chunk.
type Columns = (Vec<u32>, Vec<u32>, Vec<f32>, Vec<i64>);

impl<'t> ChunkOut<'t> {
    fn new(ctx: &Context<'_>, bytes: usize) -> Self {
        let rows = bytes / 16 + 1;
        let (mut users, mut items, mut values, mut timestamps) = ctx
            .columns
            .lock()
            .ok()
            .and_then(|mut c| c.pop())
            .unwrap_or_default();
        users.reserve(rows);
        items.reserve(rows);
        values.reserve(rows);
        if ctx.with_timestamps {
            timestamps.reserve(rows);
        }
        ChunkOut {
            bytes,
            lines: 0,
            blank: 0,
            users,
            items,
            values,
            timestamps,
            time_range: None,
            row_lines: None,
            local_users: LocalIds::new(ctx.string_ids, ctx.pool.take()),
            local_items: LocalIds::new(ctx.string_ids, ctx.pool.take()),
            skipped: 0,
            first_skipped: Vec::new(),
            error: None,
        }
    }

    /// Parses one line (number `local` in this run; `global` is its line number in the file
    /// when known). Returns false when parsing must stop (a bad row, not skipped).
    #[inline]
    fn line(
        &mut self,
        ctx: &Context<'_>,
        rules: &mut RowRules<'_>,
        local: u64,
        global: Option<u64>,
        line: &'t [u8],
    ) -> bool {
        self.lines = local;
        if line.is_empty() {
            self.blank += 1;
            return true;
        }
        match rules.parse(global, line) {
            Ok(Row::Header) => true,
            Ok(Row::Data {
                ids,
                value,
                timestamp,
            }) => {
                let (u, i) = match ids {
                    Ids::Int(u, i) => (self.local_users.int(u), self.local_items.int(i)),
                    Ids::Text(u, i) => (self.local_users.text(u), self.local_items.text(i)),
                };
                let row = self.users.len() as u64;
                if ctx.keep_lines && self.row_lines.is_none() && local != row + 1 {
                    self.row_lines = Some((1..=row as u32).collect());
                }
                if let Some(lines) = &mut self.row_lines {
                    lines.push(local as u32);
                }
                self.users.push(u);
                self.items.push(i);
                self.values.push(value);
                if ctx.with_timestamps {
                    self.timestamps.push(timestamp.unwrap_or(0));
                } else if ctx.time_range_only {
                    let t = timestamp.unwrap_or(0);
                    self.time_range = merge_ranges(self.time_range, Some((t, t)));
                }
                true
            }
            Err(message) if ctx.skip_bad_rows => {
                self.skipped += 1;
                if self.first_skipped.len() < KEPT_SKIPPED {
                    self.first_skipped.push((local, message));
                }
                true
            }
            Err(message) => {
                self.error = Some((local, message));
                false
            }
        }
    }
}

/// Parses a chunk (whole lines; only the file's last chunk may lack a final newline) with
/// settled rules.
fn parse_chunk<'t>(ctx: &Context<'_>, rules: &RowRules<'_>, text: &'t [u8]) -> ChunkOut<'t> {
    let mut rules = rules.clone();
    let mut out = ChunkOut::new(ctx, text.len());
    let mut start = 0;
    let mut local = 0u64;
    for nl in memchr::memchr_iter(b'\n', text) {
        local += 1;
        if !out.line(ctx, &mut rules, local, None, trim_cr(&text[start..nl])) {
            out.lines = local;
            return out;
        }
        start = nl + 1;
    }
    if start < text.len() {
        local += 1;
        out.line(ctx, &mut rules, local, None, trim_cr(&text[start..]));
    }
    out.lines = local;
    out
}

/// Parses lines of `text` in order, numbering them from `first_line`, until the rules are
/// settled (or a bad row stops it). Returns the run and the bytes it consumed.
fn parse_prologue<'t>(
    ctx: &Context<'_>,
    rules: &mut RowRules<'_>,
    text: &'t [u8],
    first_line: u64,
) -> (ChunkOut<'t>, usize) {
    let mut out = ChunkOut::new(ctx, 0);
    let mut start = 0;
    let mut local = 0u64;
    while start < text.len() && !rules.settled() && out.error.is_none() {
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |p| start + p);
        local += 1;
        let global = first_line + local - 1;
        let mut line = trim_cr(&text[start..end]);
        if global == 1 {
            // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first field.
            line = super::lines::without_byte_order_mark(line);
        }
        out.line(ctx, rules, local, Some(global), line);
        start = (end + 1).min(text.len());
    }
    out.lines = local;
    (out, start)
}

/// Brings `rules` to the state a read of the whole file is in when it reaches byte `start`
/// (a line start): the prologue run over the lines before it, stopping as soon as the rules
/// are settled (normally after the first data row). Rows and errors are dropped: the share
/// of the file holding those lines reports them. Returns how many lines come before `start`
/// when the rules are still not settled there (the lines before hold no data row), for the
/// share to number its own prologue from; `None` when they are settled.
pub(super) fn settle_before(
    file: &File,
    start: u64,
    rules: &mut RowRules<'_>,
    skip_bad_rows: bool,
) -> std::io::Result<Option<u64>> {
    use std::os::unix::fs::FileExt;
    let pool = TablePool::default();
    let columns = Mutex::new(Vec::new());
    let ctx = Context {
        skip_bad_rows,
        keep_lines: false,
        with_timestamps: false,
        time_range_only: false,
        string_ids: rules.layout.string_ids,
        pool: &pool,
        columns: &columns,
    };
    let mut text = Vec::new();
    let (mut at, mut lines) = (0u64, 0u64);
    while at < start && !rules.settled() {
        let step = (start - at).min(1 << 20) as usize;
        let old = text.len();
        text.resize(old + step, 0);
        file.read_exact_at(&mut text[old..], at)?;
        at += step as u64;
        // `start` is a line start: the text before it ends with a whole line.
        let usable = if at == start {
            text.len()
        } else {
            memchr::memrchr(b'\n', &text).map_or(0, |p| p + 1)
        };
        let (out, used) = parse_prologue(&ctx, rules, &text[..usable], lines + 1);
        if out.error.is_some() {
            break;
        }
        lines += out.lines;
        text.drain(..used);
    }
    Ok((!rules.settled()).then_some(lines))
}

/// Cuts `text` after line ends into pieces of about `target` bytes.
fn cut(text: &[u8], target: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(text.len() / target.max(1) + 1);
    let mut start = 0;
    while start < text.len() {
        let want = start + target.max(1);
        let end = if want >= text.len() {
            text.len()
        } else {
            memchr::memchr(b'\n', &text[want..]).map_or(text.len(), |p| want + p + 1)
        };
        pieces.push(&text[start..end]);
        start = end;
    }
    pieces
}

/// The file-wide state the chunks are merged into.
struct Merger<'p, 'm> {
    path: &'p Path,
    columns: &'p Mutex<Vec<Columns>>,
    out: Triplets,
    users: Interner<'m>,
    items: Interner<'m>,
    lines: u64,
    blank: u64,
    skipped: u64,
    first_skipped: Vec<(u64, String)>,
    keep_lines: bool,
    time_range: Option<(i64, i64)>,
}

impl Merger<'_, '_> {
    /// Adds a chunk's rows (its ids interned in first-appearance order), or returns the
    /// chunk's error with its line number in the file.
    fn merge(&mut self, chunk: ChunkOut<'_>) -> Result<()> {
        let base = self.lines;
        for (line, message) in chunk.first_skipped {
            if self.first_skipped.len() < KEPT_SKIPPED {
                self.first_skipped.push((base + line, message));
            }
        }
        self.skipped += chunk.skipped;
        self.blank += chunk.blank;
        self.lines += chunk.lines;
        let (user_of, item_of) = (
            remap(&chunk.local_users, &chunk.users, &mut self.users),
            remap(&chunk.local_items, &chunk.items, &mut self.items),
        );
        if let Some((line, message)) = chunk.error {
            return Err(DataError::parse(self.path, base + line, message));
        }
        let rows_before = self.out.len() as u64;
        if self.keep_lines
            && !chunk.users.is_empty()
            && self.out.lines.is_none()
            && (chunk.row_lines.is_some() || base != rows_before)
        {
            // Rows stop being lines 1, 2, 3, …: from now on line numbers are stored.
            self.out.lines = Some((1..=rows_before).collect());
        }
        if let Some(lines) = &mut self.out.lines {
            match &chunk.row_lines {
                Some(local) => lines.extend(local.iter().map(|&l| base + u64::from(l))),
                None => lines.extend(base + 1..=base + chunk.users.len() as u64),
            }
        }
        extend_mapped(&mut self.out.users, &chunk.users, &user_of);
        extend_mapped(&mut self.out.items, &chunk.items, &item_of);
        self.out.values.extend_from_slice(&chunk.values);
        if let Some(ts) = &mut self.out.timestamps {
            ts.extend_from_slice(&chunk.timestamps);
        }
        self.time_range = merge_ranges(self.time_range, chunk.time_range);
        let (mut users, mut items, mut values, mut timestamps) =
            (chunk.users, chunk.items, chunk.values, chunk.timestamps);
        users.clear();
        items.clear();
        values.clear();
        timestamps.clear();
        if let Ok(mut spare) = self.columns.lock() {
            spare.push((users, items, values, timestamps));
        }
        Ok(())
    }
}

/// How a chunk's local ids map to the file's: one entry per local id, or `None` when each
/// row must be interned in turn (string ids arriving on an integer map, which may turn into
/// a string map midway: then only a row-by-row pass reproduces a sequential read).
fn remap(local: &LocalIds<'_>, rows: &[u32], global: &mut Interner<'_>) -> Remap {
    match local {
        LocalIds::Text { .. } if global.kind() == IdKind::Int => Remap::Rows(
            rows.iter()
                .map(|&k| local.text_of(k).map_or(0, |id| global.text(id)))
                .collect(),
        ),
        _ => Remap::Table(local.intern_into(global)),
    }
}

/// See [`remap`].
enum Remap {
    /// Global index of each local id.
    Table(Vec<u32>),
    /// Global index of each row.
    Rows(Vec<u32>),
}

/// Appends the global indices of `rows` (local indices) to `out`.
fn extend_mapped(out: &mut impl Extend<u32>, rows: &[u32], remap: &Remap) {
    match remap {
        Remap::Table(table) => out.extend(rows.iter().map(|&k| table[k as usize])),
        Remap::Rows(global) => out.extend(global.iter().copied()),
    }
}

/// Reserves room in `out` for the whole file's rows, estimated from the first parsed chunk's
/// rows per byte, so that the columns are not regrown (and copied) while reading a large
/// file of `len` bytes.
fn reserve_for_file(out: &mut Triplets, first: &ChunkOut<'_>, len: u64) {
    let per_byte = first.users.len() as f64 / first.bytes.max(1) as f64;
    let rows = (per_byte * len as f64 * 1.02) as usize + 16;
    let more = rows.saturating_sub(out.len());
    out.users.reserve_exact(more);
    out.items.reserve_exact(more);
    out.values.reserve_exact(more);
    if let Some(ts) = &mut out.timestamps {
        ts.reserve_exact(more);
    }
}

/// Reads into `buf` until it is full or the file ends; returns the bytes read.
fn fill(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// What [`read_chunked`] gives back besides the rows.
pub(super) struct Counts {
    pub(super) lines: u64,
    pub(super) blank: u64,
    pub(super) skipped: u64,
    pub(super) first_skipped: Vec<(u64, String)>,
    /// The timestamps' range, when only it was kept.
    pub(super) time_range: Option<(i64, i64)>,
}

/// Reads the rows of `file` (of `len` bytes) into `out` with `rules`, interning ids into
/// `users` / `items`; see the module docs.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_chunked(
    path: &Path,
    mut file: impl Read + Send,
    len: u64,
    rules: &mut RowRules<'_>,
    mut out: Triplets,
    users: Interner<'_>,
    items: Interner<'_>,
    skip_bad_rows: bool,
    keep_lines: bool,
    timestamps: TimestampUse,
    first_line: u64,
    plan: Plan,
    progress: &dyn Progress,
) -> Result<(Triplets, Counts)> {
    let time_range_only = timestamps == TimestampUse::RangeOnly && out.timestamps.is_some();
    if time_range_only {
        out.timestamps = None;
    }
    let pool = TablePool::default();
    let columns = Mutex::new(Vec::new());
    let ctx = Context {
        skip_bad_rows,
        keep_lines,
        with_timestamps: out.timestamps.is_some(),
        time_range_only,
        string_ids: rules.layout.string_ids,
        pool: &pool,
        columns: &columns,
    };
    out.lines = None;
    let mut merger = Merger {
        path,
        columns: &columns,
        out,
        users,
        items,
        lines: 0,
        blank: 0,
        skipped: 0,
        first_skipped: Vec::new(),
        keep_lines,
        time_range: None,
    };
    progress.start("reading", Some(len));
    // Two buffers: while rayon parses the chunks of one, a scoped thread reads the next
    // batch into the other and merges the parsed chunks in order as they come.
    // No larger than the file (plus the byte that shows its end); the second buffer only
    // once the file turns out longer than one batch.
    let first = usize::try_from(len.saturating_add(1)).unwrap_or(usize::MAX);
    let mut cur = vec![0u8; plan.batch.clamp(1, first)];
    let mut next = Vec::new();
    let n = fill(&mut file, &mut cur).map_err(|e| DataError::io(path, e))?;
    progress.advance(n as u64);
    let (mut filled, mut eof) = (n, n < cur.len());
    let mut reserved = false;
    loop {
        let usable = if eof {
            filled
        } else {
            match memchr::memrchr(b'\n', &cur[..filled]) {
                Some(p) => p + 1,
                None => {
                    // One line longer than the batch: grow it and read on.
                    cur.resize(cur.len() * 2, 0);
                    let n =
                        fill(&mut file, &mut cur[filled..]).map_err(|e| DataError::io(path, e))?;
                    progress.advance(n as u64);
                    eof = filled + n < cur.len();
                    filled += n;
                    continue;
                }
            }
        };
        if !eof && next.len() < cur.len() {
            next.resize(cur.len(), 0);
        }
        let (text, tail) = cur[..filled].split_at(usable);
        let mut consumed = 0;
        if !rules.settled() {
            let (mut prologue, used) = parse_prologue(&ctx, rules, text, first_line + merger.lines);
            consumed = used;
            prologue.local_users.release(&pool);
            prologue.local_items.release(&pool);
            merger.merge(prologue)?;
        }
        let settled: &RowRules<'_> = rules;
        let pieces = cut(&text[consumed..], plan.chunk);
        let count = pieces.len();
        let stop = AtomicBool::new(false);
        let (sender, receiver) = mpsc::channel::<(usize, ChunkOut<'_>)>();
        let merged: Result<usize> = std::thread::scope(|scope| {
            let merging = scope.spawn(|| -> Result<usize> {
                // The next batch starts with this one's unfinished line.
                let mut next_filled = 0;
                if !eof {
                    next[..tail.len()].copy_from_slice(tail);
                    let n = fill(&mut file, &mut next[tail.len()..])
                        .map_err(|e| DataError::io(path, e))?;
                    progress.advance(n as u64);
                    next_filled = tail.len() + n;
                }
                let mut waiting: Vec<Option<ChunkOut<'_>>> = (0..count).map(|_| None).collect();
                let mut want = 0;
                for (k, chunk) in receiver {
                    waiting[k] = Some(chunk);
                    while let Some(chunk) = waiting.get_mut(want).and_then(Option::take) {
                        if !reserved {
                            reserved = true;
                            reserve_for_file(&mut merger.out, &chunk, len);
                        }
                        merger
                            .merge(chunk)
                            .inspect_err(|_| stop.store(true, Ordering::Relaxed))?;
                        want += 1;
                    }
                }
                Ok(next_filled)
            });
            pieces
                .into_par_iter()
                .enumerate()
                .for_each_with(sender, |sender, (k, piece)| {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let mut chunk = parse_chunk(&ctx, settled, piece);
                    chunk.local_users.release(&pool);
                    chunk.local_items.release(&pool);
                    // The merger has stopped only after an error, which is then returned.
                    let _ = sender.send((k, chunk));
                });
            merging
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        let next_filled = merged?;
        if eof {
            break;
        }
        eof = next_filled < next.len();
        filled = next_filled;
        std::mem::swap(&mut cur, &mut next);
    }
    progress.finish();
    Ok((
        merger.out,
        Counts {
            lines: merger.lines,
            blank: merger.blank,
            skipped: merger.skipped,
            first_skipped: merger.first_skipped,
            time_range: merger.time_range,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::Plan;

    #[test]
    fn a_files_plan_cuts_sixteenths_within_the_batch_bounds_and_four_chunks_a_batch() {
        let default = Plan::default();
        for (len, batch) in [
            (0u64, Plan::MIN_BATCH),
            (1000, Plan::MIN_BATCH),
            (10_397_860, 10_397_860 / 16),
            (32 << 20, default.batch),
            (u64::MAX, default.batch),
        ] {
            let plan = Plan::for_bytes(len);
            assert_eq!(plan.batch, batch, "{len} bytes");
            assert_eq!(plan.chunk, batch / 4, "{len} bytes");
        }
        assert_eq!(Plan::for_bytes(64 << 20).chunk, default.chunk);
    }
}
