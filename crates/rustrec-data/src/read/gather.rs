//! A rating file read by several processes together: each parses only its share of the
//! text (`super::share`), then every process receives every share and puts them together
//! into the rows, id maps and report a single process reading the whole file gets.
//!
//! 1. **Shares.** Process `p` of `n` reads the lines that start in bytes
//!    `p · len / n .. (p + 1) · len / n`, with share-local id indices and line numbers.
//! 2. **Summaries.** One exchange gives every process every share's outcome: its counts,
//!    its first error, and its raw ids in local order. The first error in process order is
//!    the file's first error; its line number becomes the file's by adding the lines of the
//!    shares before (all of which parsed whole). Every process returns that same error.
//! 3. **Ids in process order.** Each share's raw ids are interned into the file's maps in
//!    process order, which is their order of first appearance in the whole file.
//! 4. **Rows.** The shares' rows are exchanged in rounds of at most [`ROUND_ROWS`] a
//!    process, each written straight into its place in the file's rows (process order),
//!    ids mapped, line numbers offset.
//!
//! The result equals [`crate::read_interactions`] (rows, ids, their order, errors,
//! skipped-row messages, report counts) for any number of processes, as the tests check.
//! A Parquet file is shared out by row groups rather than bytes (`super::share`).
//! Memory: a process ends with the whole file's rows, as a single read does, and holds its
//! own share's rows and one round of encoded rows besides.

use std::path::Path;
use std::time::Instant;

use crate::error::{DataError, Result};
use crate::ids::{IdKind, IdMap};
use crate::interactions::Interactions;
use crate::progress::Progress;
use crate::read::format::Format;
use crate::read::ratings::{
    KEPT_SKIPPED, ReadOptions, ReadReport, TrainTest, fresh_id_maps, read_one_with, read_pair_with,
    read_triplets,
};
use crate::read::share::read_triplets_share;
use crate::stats::merge_ranges;
use crate::triplets::{DuplicatePolicy, Triplets};
use crate::user_column::UserColumn;

/// The most rows a process sends in one exchange (12 to 28 bytes each).
pub const ROUND_ROWS: usize = 1 << 22;

/// How the processes of a shared read exchange bytes.
pub trait Exchange {
    /// This process, in `0..processes()`.
    fn process(&self) -> usize;
    /// Number of processes.
    fn processes(&self) -> usize;
    /// Sends `mine` to every other process and returns every process's part in process
    /// order (this process's own included). Every process calls it the same number of
    /// times in the same order; an error (a lost process) ends the read.
    fn all_gather(&self, mine: Vec<u8>) -> std::result::Result<Vec<Vec<u8>>, String>;
}

/// [`crate::read_interactions`] with the file read by the processes of `exchange`
/// together, each parsing only its share (see the module docs). Every process gets the
/// same result (or the same error).
pub fn read_interactions_shared(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    exchange: &dyn Exchange,
    progress: &dyn Progress,
) -> Result<(Interactions, ReadReport)> {
    read_one_with(path.as_ref(), options, shared_reader(exchange, progress))
}

/// [`crate::read_train_test`] with each file read by the processes of `exchange`
/// together (see the module docs).
pub fn read_train_test_shared(
    train_path: impl AsRef<Path>,
    test_path: impl AsRef<Path>,
    options: &ReadOptions,
    exchange: &dyn Exchange,
    progress: &dyn Progress,
) -> Result<TrainTest> {
    read_pair_with(
        train_path.as_ref(),
        test_path.as_ref(),
        options,
        shared_reader(exchange, progress),
    )
}

/// The reader of one file that [`read_one_with`] / [`read_pair_with`] call: the shared read
/// by the processes of `exchange`, in rounds of [`ROUND_ROWS`].
fn shared_reader<'a>(
    exchange: &'a dyn Exchange,
    progress: &'a dyn Progress,
) -> impl FnMut(&Path, &ReadOptions, &mut IdMap, &mut IdMap) -> Result<(Triplets, ReadReport)> + 'a
{
    move |path, options, users, items| {
        read_triplets_shared(path, options, exchange, users, items, progress, ROUND_ROWS)
    }
}

/// [`crate::read_triplets`] of the whole file from the shares of every process, interning
/// into `users` / `items` (see the module docs), exchanging at most `round_rows` rows a
/// process per round.
fn read_triplets_shared(
    path: &Path,
    options: &ReadOptions,
    exchange: &dyn Exchange,
    users: &mut IdMap,
    items: &mut IdMap,
    progress: &dyn Progress,
    round_rows: usize,
) -> Result<(Triplets, ReadReport)> {
    if exchange.processes() <= 1 {
        return read_triplets(path, options, users, items, progress);
    }
    let started = Instant::now();
    let lost = |e: String| {
        DataError::Invalid(format!(
            "{}: reading the file across processes failed: {e}",
            path.display()
        ))
    };
    let (mut share_users, mut share_items) = fresh_id_maps(path, options)?;
    let local = read_triplets_share(
        path,
        options,
        exchange.process(),
        exchange.processes(),
        &mut share_users,
        &mut share_items,
        progress,
    );
    let (summary, rows) = match local {
        Ok((rows, report)) => {
            let summary = Summary::Read(Box::new(ShareRead {
                report,
                explicit_lines: rows.lines.is_some(),
                timestamps: rows.timestamps.is_some(),
                users: share_users,
                items: share_items,
            }));
            (summary, rows)
        }
        Err(DataError::Parse { line, message, .. }) => {
            (Summary::ParseError { line, message }, Triplets::default())
        }
        Err(other) => (Summary::Failed(other.to_string()), Triplets::default()),
    };
    // Each summary goes with what the process saw of the file: shares of copies that differ
    // (machines with other versions of the data) would not make one file.
    let mut message = Encoder::default();
    match file_identity(path) {
        Some((len, head)) => {
            message.u8(1);
            message.u64(len);
            message.u64(head);
        }
        None => message.u8(0),
    }
    message.0.extend_from_slice(&summary.encode());
    let parts = exchange.all_gather(message.0).map_err(lost)?;
    let mut identities = Vec::with_capacity(parts.len());
    let mut summaries = Vec::with_capacity(parts.len());
    for part in &parts {
        let mut d = Decoder::new(part);
        let identity = match d.u8() {
            Some(0) => None,
            Some(_) => d.u64().zip(d.u64()),
            None => None,
        };
        let summary = Summary::decode(&part[d.at..])
            .ok_or_else(|| lost("a process sent a summary that does not decode".into()))?;
        identities.push(identity);
        summaries.push(summary);
    }
    same_file(path, &identities)?;
    let mut lines_before = 0u64;
    let mut reads = Vec::with_capacity(summaries.len());
    for summary in summaries {
        match summary {
            Summary::Read(read) => {
                lines_before += read.report.lines;
                reads.push(*read);
            }
            Summary::ParseError { line, message } => {
                return Err(DataError::parse(path, lines_before + line, message));
            }
            Summary::Failed(message) => return Err(DataError::Invalid(message)),
        }
    }
    let rounds = Rounds {
        exchange,
        rows: round_rows,
    };
    let out = gather_rows(path, options, &rows, &reads, rounds, users, items).map_err(lost)?;
    drop(rows);
    if out.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    let mut report = merged_report(path, options, &reads);
    report.rows = out.len() as u64;
    report.seconds = started.elapsed().as_secs_f64();
    Ok((out, report))
}

/// An error naming the first process whose file (length, hash of its first bytes) differs
/// from process 0's; processes that could not read theirs are left to their share's error.
fn same_file(path: &Path, identities: &[Option<(u64, u64)>]) -> Result<()> {
    let Some(Some((len0, head0))) = identities.first().copied() else {
        return Ok(());
    };
    let differs = |&(_, id): &(usize, &Option<(u64, u64)>)| id.is_some_and(|x| x != (len0, head0));
    let Some((q, &Some((len, _)))) = identities.iter().enumerate().skip(1).find(differs) else {
        return Ok(());
    };
    Err(DataError::Invalid(format!(
        "{}: process {q} sees another file than process 0 ({len} bytes against {len0}{}): \
         every process must read the same data",
        path.display(),
        if len == len0 {
            ", other first bytes"
        } else {
            ""
        }
    )))
}

/// The report of the whole file from its shares' reports (counts summed, skipped rows'
/// line numbers made the file's); `rows` and `seconds` are left to the caller.
fn merged_report(path: &Path, options: &ReadOptions, reads: &[ShareRead]) -> ReadReport {
    let mut report = ReadReport {
        path: path.into(),
        format: options.format.clone(),
        bytes: 0,
        lines: 0,
        rows: 0,
        blank_lines: 0,
        skipped: 0,
        first_skipped: Vec::new(),
        seconds: 0.0,
        source_format: None,
        time_range: None,
    };
    for read in reads {
        let r = &read.report;
        for (line, why) in &r.first_skipped {
            if report.first_skipped.len() < KEPT_SKIPPED {
                report
                    .first_skipped
                    .push((report.lines + line, why.clone()));
            }
        }
        report.bytes += r.bytes;
        report.source_format = report.source_format.take().or(r.source_format.clone());
        report.lines += r.lines;
        report.blank_lines += r.blank_lines;
        report.skipped += r.skipped;
        report.time_range = merge_ranges(report.time_range, r.time_range);
    }
    report
}

/// The file's length and a hash of its first 64 KiB; `None` when it cannot be read (the
/// share's read then reports why).
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut head = Vec::with_capacity(64 << 10);
    file.take(64 << 10).read_to_end(&mut head).ok()?;
    Some((len, xxhash_rust::xxh3::xxh3_64(&head)))
}

/// What one process's share gave, as every process learns it.
enum Summary {
    /// The share parsed (bad rows skipped, if asked).
    Read(Box<ShareRead>),
    /// A bad row stopped it, at `line` of the share.
    ParseError { line: u64, message: String },
    /// Another error (the file could not be read).
    Failed(String),
}

/// A share that parsed, as the summaries describe it.
struct ShareRead {
    report: ReadReport,
    explicit_lines: bool,
    timestamps: bool,
    users: IdMap,
    items: IdMap,
}

/// How the rows are exchanged: at most `rows` a process per call of `exchange`.
struct Rounds<'e> {
    exchange: &'e dyn Exchange,
    rows: usize,
}

/// The shares' rows in process order, their ids interned into `users` / `items` and their
/// line numbers made the file's. Each round every process sends its next (at most)
/// `rounds.rows` rows, which every process writes straight into their place.
fn gather_rows(
    path: &Path,
    options: &ReadOptions,
    own: &Triplets,
    reads: &[ShareRead],
    rounds: Rounds<'_>,
    users: &mut IdMap,
    items: &mut IdMap,
) -> std::result::Result<Triplets, String> {
    let Rounds {
        exchange,
        rows: round_rows,
    } = rounds;
    let total: usize = reads.iter().map(|r| r.report.rows as usize).sum();
    // A share without rows may not have seen the row that tells whether the file has
    // timestamps (a ratings.dat has them or not as its first row says).
    let timestamps = reads
        .iter()
        .find(|r| r.report.rows > 0)
        .is_some_and(|r| r.timestamps);
    if reads
        .iter()
        .any(|r| r.report.rows > 0 && r.timestamps != timestamps)
    {
        return Err("the processes disagree on whether the file has timestamps".into());
    }
    // Row k is line k + 1 of the file while every share's rows are its lines, one for one.
    let implicit = reads.iter().all(|r| !r.explicit_lines)
        && reads
            .split_last()
            .is_none_or(|(_, before)| before.iter().all(|r| r.report.rows == r.report.lines));
    let keep_lines = options.duplicates == DuplicatePolicy::Error && !implicit;
    let tables: Vec<(Vec<u32>, Vec<u32>)> = reads
        .iter()
        .map(|r| (intern_all(&r.users, users), intern_all(&r.items, items)))
        .collect();
    let mut out = Triplets::new(path.display().to_string(), false, false);
    let mut user_rows = vec![0; total];
    out.items = vec![0; total];
    out.values = vec![0.0; total];
    out.timestamps = timestamps.then(|| vec![0; total]);
    out.lines = keep_lines.then(|| vec![0; total]);
    let (mut first_row, mut first_line) = (Vec::new(), Vec::new());
    let (mut rows, mut lines) = (0usize, 0u64);
    for r in reads {
        first_row.push(rows);
        first_line.push(lines);
        rows += r.report.rows as usize;
        lines += r.report.lines;
    }
    let rounds = reads
        .iter()
        .map(|r| (r.report.rows as usize).div_ceil(round_rows))
        .max()
        .unwrap_or(0);
    for round in 0..rounds {
        let block = |n: usize| (round * round_rows).min(n)..((round + 1) * round_rows).min(n);
        let parts = exchange.all_gather(encode_rows(own, block(own.len())))?;
        if parts.len() != reads.len() {
            return Err(format!(
                "{} parts came back from {} processes",
                parts.len(),
                reads.len()
            ));
        }
        for (q, part) in parts.iter().enumerate() {
            let read = &reads[q];
            let rows = block(read.report.rows as usize);
            let at = first_row[q] + rows.start..first_row[q] + rows.end;
            let place = Place {
                users: &mut user_rows[at.clone()],
                items: &mut out.items[at.clone()],
                values: &mut out.values[at.clone()],
                timestamps: out.timestamps.as_mut().map(|t| &mut t[at.clone()]),
                lines: out.lines.as_mut().map(|l| &mut l[at]),
            };
            let from = (first_line[q], rows.start as u64);
            decode_rows(part, read, &tables[q], place, from)
                .ok_or_else(|| format!("process {q} sent rows that do not decode"))?;
        }
    }
    out.users = UserColumn::from(user_rows);
    Ok(out)
}

/// Where a block of one share's rows goes in the file's rows.
struct Place<'o> {
    users: &'o mut [u32],
    items: &'o mut [u32],
    values: &'o mut [f32],
    timestamps: Option<&'o mut [i64]>,
    lines: Option<&'o mut [u64]>,
}

/// The index in `global` of each id of `local`, in local order (interning the new ones).
fn intern_all(local: &IdMap, global: &mut IdMap) -> Vec<u32> {
    match (local.int_ids(), local.str_ids()) {
        (Some(ints), _) => ints.iter().map(|&id| global.intern_int(id)).collect(),
        (None, Some(strs)) => strs.iter().map(|id| global.intern_str(id)).collect(),
        (None, None) => Vec::new(),
    }
}

/// Rows `rows` of a share as bytes: users, items, values, then timestamps and line
/// numbers when it has them (little-endian).
fn encode_rows(own: &Triplets, rows: std::ops::Range<usize>) -> Vec<u8> {
    let wide = usize::from(own.timestamps.is_some()) + usize::from(own.lines.is_some());
    let mut out = Vec::with_capacity(rows.len() * (12 + 8 * wide));
    out.extend(
        own.users
            .range(rows.clone())
            .iter()
            .flat_map(|v| v.to_le_bytes()),
    );
    out.extend(own.items[rows.clone()].iter().flat_map(|v| v.to_le_bytes()));
    out.extend(
        own.values[rows.clone()]
            .iter()
            .flat_map(|v| v.to_le_bytes()),
    );
    if let Some(ts) = &own.timestamps {
        out.extend(ts[rows.clone()].iter().flat_map(|v| v.to_le_bytes()));
    }
    if let Some(lines) = &own.lines {
        out.extend(lines[rows].iter().flat_map(|v| v.to_le_bytes()));
    }
    out
}

/// Writes a block of `read`'s rows (as [`encode_rows`] wrote them; the block starts at row
/// `first_row` of the share) into `place`, ids mapped through `tables`, line numbers made
/// the file's by adding `lines_before` (the lines of the shares before); `None` when the
/// bytes do not match.
fn decode_rows(
    bytes: &[u8],
    read: &ShareRead,
    (user_of, item_of): &(Vec<u32>, Vec<u32>),
    place: Place<'_>,
    (lines_before, first_row): (u64, u64),
) -> Option<()> {
    let n = place.users.len();
    let wide = usize::from(read.timestamps) + usize::from(read.explicit_lines);
    if bytes.len() != n * (12 + 8 * wide) {
        return None;
    }
    let (users, rest) = bytes.split_at(4 * n);
    let (items, rest) = rest.split_at(4 * n);
    let (values, rest) = rest.split_at(4 * n);
    let word = |c: &[u8]| u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    let wide_word = |c: &[u8]| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
    for (out, c) in place.users.iter_mut().zip(users.chunks_exact(4)) {
        *out = *user_of.get(word(c) as usize)?;
    }
    for (out, c) in place.items.iter_mut().zip(items.chunks_exact(4)) {
        *out = *item_of.get(word(c) as usize)?;
    }
    for (out, c) in place.values.iter_mut().zip(values.chunks_exact(4)) {
        *out = f32::from_bits(word(c));
    }
    let (stamps, local_lines) = rest.split_at(if read.timestamps { 8 * n } else { 0 });
    if let Some(ts) = place.timestamps {
        for (out, c) in ts.iter_mut().zip(stamps.chunks_exact(8)) {
            *out = wide_word(c) as i64;
        }
    }
    if let Some(lines) = place.lines {
        if read.explicit_lines {
            for (out, c) in lines.iter_mut().zip(local_lines.chunks_exact(8)) {
                *out = lines_before + wide_word(c);
            }
        } else {
            // Row k of the share is its line k + 1.
            for (k, out) in lines.iter_mut().enumerate() {
                *out = lines_before + first_row + k as u64 + 1;
            }
        }
    }
    Some(())
}

impl Summary {
    fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::default();
        match self {
            Summary::Read(read) => {
                let ShareRead {
                    report,
                    explicit_lines,
                    timestamps,
                    users,
                    items,
                } = read.as_ref();
                e.u8(0);
                for v in [
                    report.bytes,
                    report.lines,
                    report.rows,
                    report.blank_lines,
                    report.skipped,
                ] {
                    e.u64(v);
                }
                e.u64(report.first_skipped.len() as u64);
                for (line, why) in &report.first_skipped {
                    e.u64(*line);
                    e.str(why);
                }
                match &report.source_format {
                    Some(f) => {
                        e.u8(1);
                        e.str(f);
                    }
                    None => e.u8(0),
                }
                match report.time_range {
                    Some((lo, hi)) => {
                        e.u8(1);
                        e.u64(lo as u64);
                        e.u64(hi as u64);
                    }
                    None => e.u8(0),
                }
                e.u8(u8::from(*explicit_lines));
                e.u8(u8::from(*timestamps));
                e.ids(users);
                e.ids(items);
            }
            Summary::ParseError { line, message } => {
                e.u8(1);
                e.u64(*line);
                e.str(message);
            }
            Summary::Failed(message) => {
                e.u8(2);
                e.str(message);
            }
        }
        e.0
    }

    fn decode(bytes: &[u8]) -> Option<Summary> {
        let mut d = Decoder::new(bytes);
        let summary = match d.u8()? {
            0 => {
                let [bytes, lines, rows, blank_lines, skipped] =
                    [d.u64()?, d.u64()?, d.u64()?, d.u64()?, d.u64()?];
                let kept = d.u64()? as usize;
                let mut first_skipped = Vec::with_capacity(kept.min(KEPT_SKIPPED));
                for _ in 0..kept {
                    first_skipped.push((d.u64()?, d.str()?));
                }
                let source_format = match d.u8()? {
                    0 => None,
                    _ => Some(d.str()?),
                };
                let time_range = match d.u8()? {
                    0 => None,
                    _ => Some((d.u64()? as i64, d.u64()? as i64)),
                };
                let explicit_lines = d.u8()? != 0;
                let timestamps = d.u8()? != 0;
                let (users, items) = (d.ids()?, d.ids()?);
                Summary::Read(Box::new(ShareRead {
                    report: ReadReport {
                        path: Default::default(),
                        format: Format::Auto,
                        bytes,
                        lines,
                        rows,
                        blank_lines,
                        skipped,
                        first_skipped,
                        seconds: 0.0,
                        source_format,
                        time_range,
                    },
                    explicit_lines,
                    timestamps,
                    users,
                    items,
                }))
            }
            1 => Summary::ParseError {
                line: d.u64()?,
                message: d.str()?,
            },
            2 => Summary::Failed(d.str()?),
            _ => return None,
        };
        d.is_done().then_some(summary)
    }
}

/// Little-endian writing of the summaries.
#[derive(Default)]
struct Encoder(Vec<u8>);

impl Encoder {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn ids(&mut self, ids: &IdMap) {
        match (ids.int_ids(), ids.str_ids()) {
            (Some(ints), _) => {
                self.u8(0);
                self.u64(ints.len() as u64);
                ints.iter().for_each(|&v| self.u64(v as u64));
            }
            (None, Some(strs)) => {
                self.u8(1);
                self.u64(strs.len() as u64);
                strs.iter().for_each(|s| self.str(s));
            }
            (None, None) => {
                self.u8(0);
                self.u64(0);
            }
        }
    }
}

/// Reading what [`Encoder`] wrote; `None` past the end.
struct Decoder<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Decoder<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Decoder { bytes, at: 0 }
    }

    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    fn is_done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    fn str(&mut self) -> Option<String> {
        let n = usize::try_from(self.u64()?).ok()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    fn ids(&mut self) -> Option<IdMap> {
        let kind = self.u8()?;
        let n = usize::try_from(self.u64()?).ok()?;
        let mut map = IdMap::new(if kind == 0 { IdKind::Int } else { IdKind::Str });
        for _ in 0..n {
            match kind {
                0 => map.intern_int(self.u64()? as i64),
                _ => map.intern_str(&self.str()?),
            };
        }
        (map.len() == n).then_some(map)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Barrier, Mutex};

    use super::*;
    use crate::progress::NoProgress;

    /// Threads as processes, exchanging through memory.
    struct Hub {
        slots: Mutex<Vec<Vec<u8>>>,
        barrier: Barrier,
    }

    struct Member<'h>(&'h Hub, usize);

    impl Exchange for Member<'_> {
        fn process(&self) -> usize {
            self.1
        }

        fn processes(&self) -> usize {
            self.0.slots.lock().unwrap().len()
        }

        fn all_gather(&self, mine: Vec<u8>) -> std::result::Result<Vec<Vec<u8>>, String> {
            self.0.slots.lock().unwrap()[self.1] = mine;
            self.0.barrier.wait();
            let all = self.0.slots.lock().unwrap().clone();
            self.0.barrier.wait();
            Ok(all)
        }
    }

    /// Rounds of a few rows (shares of unequal sizes end their rounds at different times;
    /// blank lines make line numbers explicit): the rows and line numbers of a whole read.
    #[test]
    fn rows_exchanged_in_many_small_rounds_are_the_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.dat");
        let mut text = String::new();
        for k in 0..500 {
            text.push_str(&format!(
                "{}::{}::{}::{}\n",
                k % 23,
                (k * 7) % 51,
                1 + k % 5,
                k
            ));
            if k % 97 == 0 {
                text.push('\n');
            }
        }
        std::fs::write(&path, text).unwrap();
        let options = ReadOptions::new(Format::MlDat);
        let (mut u, mut i) = (IdMap::new_int(), IdMap::new_int());
        let (want, _) = read_triplets(&path, &options, &mut u, &mut i, &NoProgress).unwrap();
        assert!(
            want.lines.is_some(),
            "blank lines make the line numbers explicit"
        );
        for n in [2, 3] {
            let hub = Hub {
                slots: Mutex::new(vec![Vec::new(); n]),
                barrier: Barrier::new(n),
            };
            std::thread::scope(|scope| {
                for p in 0..n {
                    let (hub, path, options) = (&hub, &path, &options);
                    let (want, u, i) = (&want, &u, &i);
                    scope.spawn(move || {
                        let (mut gu, mut gi) = (IdMap::new_int(), IdMap::new_int());
                        let member = Member(hub, p);
                        let (got, _) = read_triplets_shared(
                            path,
                            options,
                            &member,
                            &mut gu,
                            &mut gi,
                            &NoProgress,
                            7,
                        )
                        .unwrap();
                        assert_eq!((&got.users, &got.items), (&want.users, &want.items));
                        assert_eq!(got.values, want.values);
                        assert_eq!(got.timestamps, want.timestamps);
                        assert_eq!(got.lines, want.lines);
                        assert_eq!((&gu, &gi), (u, i));
                    });
                }
            });
        }
    }
}
