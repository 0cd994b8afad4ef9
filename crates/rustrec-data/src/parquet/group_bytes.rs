//! One row group's projected column chunks, read with one `pread` into a buffer that the
//! next row group of the same thread reuses.
//!
//! Through a `File`, the Parquet reader duplicates the file handle, seeks and allocates a
//! buffer for every page (6,000 duplicated handles for the 10M-row file). [`GroupBytes`] holds the byte span of the
//! row group's projected columns in one buffer, hands out slices of it (no copy), and when
//! the reader drops its last slice the buffer goes back to its [`BufferPool`].

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex};

use bytes::{Buf, Bytes};
use parquet::arrow::ProjectionMask;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::RowGroupMetaData;
use parquet::file::reader::{ChunkReader, Length};

/// Buffers given back by dropped [`GroupBytes`], for the next row groups.
#[derive(Clone, Default)]
pub(super) struct BufferPool {
    buffers: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// A pooled buffer: returned to its pool when dropped.
struct Pooled {
    buffer: Vec<u8>,
    pool: BufferPool,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buffer
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Ok(mut buffers) = self.pool.buffers.lock() {
            buffers.push(std::mem::take(&mut self.buffer));
        }
    }
}

/// The bytes `start..start + bytes.len()` of a Parquet file of `file_len` bytes: the span of
/// one row group's projected columns.
pub(super) struct GroupBytes {
    start: u64,
    bytes: Bytes,
    file_len: u64,
}

impl GroupBytes {
    /// Reads the span of the columns of `group` that `mask` selects from `file`.
    pub(super) fn read(
        file: &File,
        group: &RowGroupMetaData,
        mask: &ProjectionMask,
        pool: &BufferPool,
    ) -> std::io::Result<GroupBytes> {
        let file_len = file.metadata()?.len();
        let (mut start, mut end) = (u64::MAX, 0u64);
        for (k, column) in group.columns().iter().enumerate() {
            if mask.leaf_included(k) {
                let (at, len) = column.byte_range();
                start = start.min(at);
                end = end.max(at.saturating_add(len));
            }
        }
        if start >= end || end > file_len {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the row group's columns lie outside the file",
            ));
        }
        let len = usize::try_from(end - start)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let mut buffer = pool
            .buffers
            .lock()
            .ok()
            .and_then(|mut b| b.pop())
            .filter(|b| b.capacity() >= len)
            // Room for row groups a little larger than this one (a regrown buffer would be
            // fresh pages again).
            .unwrap_or_else(|| Vec::with_capacity(len + len / 8));
        buffer.resize(len, 0);
        file.read_exact_at(&mut buffer, start)?;
        let bytes = Bytes::from_owner(Pooled {
            buffer,
            pool: pool.clone(),
        });
        Ok(GroupBytes {
            start,
            bytes,
            file_len,
        })
    }

    /// The bytes from file offset `at`, `len` of them (to the span's end when `None`).
    fn slice(&self, at: u64, len: Option<usize>) -> Result<Bytes> {
        let outside = || {
            ParquetError::EOF(format!(
                "bytes at {at} are outside the row group's span {}..{}",
                self.start,
                self.start + self.bytes.len() as u64
            ))
        };
        let from = at
            .checked_sub(self.start)
            .and_then(|k| usize::try_from(k).ok())
            .filter(|&k| k <= self.bytes.len())
            .ok_or_else(outside)?;
        let to = match len {
            Some(n) => from.checked_add(n).filter(|&e| e <= self.bytes.len()),
            None => Some(self.bytes.len()),
        }
        .ok_or_else(outside)?;
        Ok(self.bytes.slice(from..to))
    }
}

impl Length for GroupBytes {
    fn len(&self) -> u64 {
        self.file_len
    }
}

impl ChunkReader for GroupBytes {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> Result<Self::T> {
        Ok(self.slice(start, None)?.reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes> {
        self.slice(start, Some(length))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u64, data: &[u8]) -> GroupBytes {
        GroupBytes {
            start,
            bytes: Bytes::copy_from_slice(data),
            file_len: 100,
        }
    }

    #[test]
    fn slices_are_taken_by_file_offset_and_never_beyond_the_span() {
        let g = span(10, b"abcdef");
        assert_eq!(&g.get_bytes(10, 3).unwrap()[..], b"abc");
        assert_eq!(&g.get_bytes(13, 3).unwrap()[..], b"def");
        assert_eq!(&g.slice(12, None).unwrap()[..], b"cdef");
        assert!(g.get_bytes(9, 1).is_err());
        assert!(g.get_bytes(14, 3).is_err());
        assert!(g.get_read(17).is_err());
        assert_eq!(g.len(), 100);
    }

    #[test]
    fn a_dropped_span_gives_its_buffer_back() {
        let pool = BufferPool::default();
        let owned = Bytes::from_owner(Pooled {
            buffer: vec![7; 4096],
            pool: pool.clone(),
        });
        let part = owned.slice(1..3);
        drop(owned);
        assert!(
            pool.buffers.lock().unwrap().is_empty(),
            "a slice still holds it"
        );
        drop(part);
        let back = pool.buffers.lock().unwrap().pop().unwrap();
        assert_eq!(back.capacity(), 4096);
    }
}
