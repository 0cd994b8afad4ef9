//! Opening data files, decoding their text, and (for the reference reader) streaming line
//! splitting over large chunks read with [`std::io::Read`].
//!
//! The file is read in chunks of [`CHUNK`] bytes into one reusable buffer; complete lines are
//! found with `memchr` and handed to a callback as byte slices (without the `\n` and without a
//! trailing `\r`, so CRLF files read like LF files). The incomplete tail of a chunk moves to the
//! front of the buffer before the next read; a line longer than the buffer grows it. A last
//! line without a newline is a line like any other. Nothing is allocated per line.

use std::fs::File;
#[cfg(test)]
use std::io::Read;
use std::path::Path;

use crate::error::{DataError, Result};
#[cfg(test)]
use crate::progress::Progress;

/// Bytes read per `read` call.
#[cfg(test)]
pub(crate) const CHUNK: usize = 4 << 20;

/// `text` without the UTF-8 byte-order mark that spreadsheet programs put first: left in,
/// it would be part of a header or of the first id. Every reader of text files skips it.
pub fn without_byte_order_mark(text: &[u8]) -> &[u8] {
    text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
}

/// Opens `path` for reading, with errors that name the path and say what is wrong
/// (missing, a directory, not readable). Returns the file and its length in bytes.
pub(crate) fn open(path: &Path) -> Result<(File, u64)> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            DataError::Invalid(format!("{}: no such file (check the path)", path.display()))
        }
        _ => DataError::io(path, e),
    })?;
    if meta.is_dir() {
        return Err(DataError::Invalid(format!(
            "{}: is a directory, not a data file",
            path.display()
        )));
    }
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    Ok((file, meta.len()))
}

/// Calls `each(line_number, line)` for every line of `path` (1-based line numbers), reporting
/// progress in bytes. Returns the number of lines. Stops at the first error `each` returns.
///
/// The readable sequential way through a file, kept for the reference reader the parallel
/// one is tested against.
#[cfg(test)]
pub(crate) fn for_each_line(
    path: &Path,
    progress: &dyn Progress,
    label: &str,
    mut each: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<u64> {
    let (mut file, len) = open(path)?;
    progress.start(label, Some(len));
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0usize; // bytes of buf holding data
    let mut line_no = 0u64;
    loop {
        if filled == buf.len() {
            // One line longer than the buffer: grow it.
            buf.resize(buf.len() * 2, 0);
        }
        let n = read_some(&mut file, &mut buf[filled..]).map_err(|e| DataError::io(path, e))?;
        progress.advance(n as u64);
        let end = filled + n;
        let eof = n == 0;
        let mut start = 0usize;
        for nl in memchr::memchr_iter(b'\n', &buf[filled..end]) {
            let stop = filled + nl;
            line_no += 1;
            each(line_no, trim_cr(&buf[start..stop]))?;
            start = stop + 1;
        }
        if eof {
            if start < end {
                line_no += 1;
                each(line_no, trim_cr(&buf[start..end]))?;
            }
            break;
        }
        buf.copy_within(start..end, 0);
        filled = end - start;
    }
    progress.finish();
    Ok(line_no)
}

/// Reads into `buf`, retrying on interruption.
#[cfg(test)]
fn read_some(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// The line without a trailing `\r`.
#[inline]
pub(crate) fn trim_cr(line: &[u8]) -> &[u8] {
    match line.split_last() {
        Some((b'\r', rest)) => rest,
        _ => line,
    }
}

/// Decodes text that is UTF-8 when valid, otherwise Latin-1 (ISO 8859-1: every byte is the
/// character of that code point), as the MovieLens files are: `u.item` and ML-1M
/// `movies.dat` are Latin-1, ML-10M `movies.dat` is UTF-8.
pub fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The bytes shown in an error message: decoded, cut after 60 characters, control
/// characters escaped (an ESC byte in a field must not reach the terminal).
pub(crate) fn shown(bytes: &[u8]) -> String {
    let text = decode_text(bytes);
    let text = if text.chars().count() > 60 {
        let cut: String = text.chars().take(60).collect();
        format!("{cut}…")
    } else {
        text
    };
    crate::escape::escape_control(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;
    use std::io::Write;

    fn lines_of(bytes: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        let mut out = Vec::new();
        for_each_line(f.path(), &NoProgress, "t", |n, l| {
            out.push((n, l.to_vec()));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn last_line_without_newline_and_crlf_are_lines() {
        let got = lines_of(b"a\r\nbb\n\nccc");
        let want: Vec<(u64, Vec<u8>)> = vec![
            (1, b"a".to_vec()),
            (2, b"bb".to_vec()),
            (3, b"".to_vec()),
            (4, b"ccc".to_vec()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn lines_longer_than_a_chunk_and_across_chunks_are_whole() {
        let long = vec![b'x'; CHUNK + 17];
        let mut data = b"first\n".to_vec();
        data.extend_from_slice(&long);
        data.extend_from_slice(b"\nlast\n");
        let got = lines_of(&data);
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].1.len(), CHUNK + 17);
        assert_eq!(got[2], (3, b"last".to_vec()));
    }

    #[test]
    fn latin1_bytes_decode_to_their_code_points_and_utf8_stays_utf8() {
        assert_eq!(decode_text(b"Caf\xe9"), "Café");
        assert_eq!(decode_text("Café".as_bytes()), "Café");
    }

    #[test]
    fn a_directory_and_a_missing_file_are_named_errors() {
        let dir = tempfile::tempdir().unwrap();
        let msg = open(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("is a directory"), "{msg}");
        let missing = dir.path().join("nope.data");
        let msg = open(&missing).unwrap_err().to_string();
        assert!(
            msg.contains("nope.data") && msg.contains("no such file"),
            "{msg}"
        );
    }
}
