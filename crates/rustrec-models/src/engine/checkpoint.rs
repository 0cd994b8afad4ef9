//! Checkpoint files of the epoch loop: a trainer's whole state after some epochs, written
//! atomically (temporary file + rename), so that a killed run leaves either the previous
//! checkpoint or the new one, never half of one.
//!
//! Layout (little-endian): the magic `RRCKPT01`, the run key (length + UTF-8), the number
//! of epochs done, the trainer state (length + bytes), and an FNV-1a 64 checksum of
//! everything before it.

use std::io::Write;
use std::path::{Path, PathBuf};

use rustrec_core::EpochReport;
use rustrec_core::cluster::Checkpointing;

use crate::error::{ModelError, Result};

const MAGIC: &[u8; 8] = b"RRCKPT01";

/// The file name of the checkpoint inside its directory.
pub const FILE_NAME: &str = "checkpoint.rrck";

/// A checkpoint read back.
#[derive(Debug, PartialEq, Eq)]
pub struct Saved {
    /// Epochs done when it was written.
    pub epochs_done: usize,
    /// The trainer's state.
    pub state: Vec<u8>,
}

/// FNV-1a 64 of `bytes` (the checksum of the file, and a cheap fingerprint of a state).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The path of the checkpoint of `ck`.
pub fn path_of(ck: &Checkpointing) -> PathBuf {
    ck.dir.join(FILE_NAME)
}

/// Writes the checkpoint of `ck` atomically: `state` after `epochs_done` epochs.
pub fn write(ck: &Checkpointing, epochs_done: usize, state: &[u8]) -> Result<()> {
    std::fs::create_dir_all(&ck.dir).map_err(|e| {
        ModelError::Data(format!(
            "--checkpoint-dir {}: cannot create the directory: {e}",
            ck.dir.display()
        ))
    })?;
    let mut bytes = Vec::with_capacity(state.len() + ck.key.len() + 40);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(ck.key.len() as u64).to_le_bytes());
    bytes.extend_from_slice(ck.key.as_bytes());
    bytes.extend_from_slice(&(epochs_done as u64).to_le_bytes());
    bytes.extend_from_slice(&(state.len() as u64).to_le_bytes());
    bytes.extend_from_slice(state);
    let sum = fnv1a(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    let path = path_of(ck);
    rustrec_data::atomic::write_atomically(&path, |f| {
        f.write_all(&bytes)
            .map_err(|source| rustrec_data::DataError::Io {
                path: path.clone(),
                source,
            })
    })
    .map_err(ModelError::from)
}

/// Reads the checkpoint of `ck`: `None` when there is none yet; an error naming the file
/// when it is damaged or was written for another run (another key).
pub fn read(ck: &Checkpointing) -> Result<Option<Saved>> {
    let path = path_of(ck);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ModelError::Data(format!(
                "checkpoint {}: cannot read: {e}",
                path.display()
            )));
        }
    };
    parse(&path, &bytes, &ck.key).map(Some)
}

fn parse(path: &Path, bytes: &[u8], key: &str) -> Result<Saved> {
    let bad = |what: &str| {
        ModelError::Data(format!(
            "checkpoint {}: {what}; delete it to start over",
            path.display()
        ))
    };
    if bytes.len() < MAGIC.len() + 32 || &bytes[..8] != MAGIC {
        return Err(bad("not a rustrec checkpoint (bad magic or too short)"));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    if fnv1a(body).to_le_bytes() != sum {
        return Err(bad("the checksum does not match (a damaged file)"));
    }
    let mut at = 8;
    let u64_at = |at: &mut usize| -> Result<u64> {
        let v = body
            .get(*at..*at + 8)
            .ok_or_else(|| bad("truncated"))?
            .try_into()
            .map(u64::from_le_bytes)
            .map_err(|_| bad("truncated"))?;
        *at += 8;
        Ok(v)
    };
    let key_len = u64_at(&mut at)? as usize;
    let stored = body
        .get(at..at.saturating_add(key_len))
        .ok_or_else(|| bad("truncated"))?;
    at += key_len;
    if stored != key.as_bytes() {
        return Err(bad(
            "it was written by a run with another configuration or other data",
        ));
    }
    let epochs_done = u64_at(&mut at)? as usize;
    let len = u64_at(&mut at)? as usize;
    let state = body
        .get(at..at.saturating_add(len))
        .ok_or_else(|| bad("truncated"))?
        .to_vec();
    Ok(Saved { epochs_done, state })
}

/// The epoch reports so far (they are part of the saved model's training record), encoded
/// for a checkpoint.
pub fn encode_history(history: &[EpochReport]) -> Vec<u8> {
    let mut out = Vec::new();
    codec::put_u64s(&mut out, &[history.len() as u64]);
    for r in history {
        codec::put_u64s(
            &mut out,
            &[
                r.epoch as u64,
                r.train_loss.to_bits(),
                r.samples,
                r.seconds.to_bits(),
                r.samples_per_sec.to_bits(),
                r.learning_rate.to_bits(),
                r.validation.len() as u64,
            ],
        );
        for (name, value) in &r.validation {
            codec::put_u64s(&mut out, &[name.len() as u64, value.to_bits()]);
            out.extend_from_slice(name.as_bytes());
        }
    }
    out
}

/// Reads what [`encode_history`] wrote at the start of `bytes`; returns the reports and
/// the number of bytes they took.
pub fn decode_history(bytes: &[u8]) -> Result<(Vec<EpochReport>, usize)> {
    let mut r = codec::Reader::new(bytes);
    let mut n = [0u64];
    r.u64s(&mut n)?;
    let mut out = Vec::new();
    for _ in 0..n[0] {
        let mut w = [0u64; 7];
        r.u64s(&mut w)?;
        let mut validation = Vec::new();
        for _ in 0..w[6] {
            let mut m = [0u64; 2];
            r.u64s(&mut m)?;
            let name = r.bytes(m[0] as usize)?;
            let name = String::from_utf8(name.to_vec())
                .map_err(|_| ModelError::Data("state: a metric name is not UTF-8".into()))?;
            validation.push((name, f64::from_bits(m[1])));
        }
        out.push(EpochReport {
            epoch: w[0] as usize,
            train_loss: f64::from_bits(w[1]),
            samples: w[2],
            seconds: f64::from_bits(w[3]),
            samples_per_sec: f64::from_bits(w[4]),
            learning_rate: f64::from_bits(w[5]),
            validation,
        });
    }
    Ok((out, r.position()))
}

/// Little-endian encoding of trainer state: f32/u32 slices appended with their length.
pub mod codec {
    use crate::error::{ModelError, Result};

    /// Appends `v` (length first).
    pub fn put_f32s(out: &mut Vec<u8>, v: &[f32]) {
        out.extend_from_slice(&(v.len() as u64).to_le_bytes());
        out.reserve(v.len() * 4);
        for x in v {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// Appends `v` (length first).
    pub fn put_u32s(out: &mut Vec<u8>, v: &[u32]) {
        out.extend_from_slice(&(v.len() as u64).to_le_bytes());
        out.reserve(v.len() * 4);
        for x in v {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// Appends `v` (length first).
    pub fn put_u64s(out: &mut Vec<u8>, v: &[u64]) {
        out.extend_from_slice(&(v.len() as u64).to_le_bytes());
        for x in v {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// Reads values appended by [`put_f32s`] / [`put_u32s`] / [`put_u64s`].
    pub struct Reader<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl<'a> Reader<'a> {
        /// A reader at the start of `bytes`.
        pub fn new(bytes: &'a [u8]) -> Self {
            Reader { bytes, at: 0 }
        }

        fn words(&mut self, into_len: usize) -> Result<&'a [u8]> {
            self.words_of(into_len, 4)
        }

        fn words_of(&mut self, into_len: usize, width: usize) -> Result<&'a [u8]> {
            let head = self
                .bytes
                .get(self.at..self.at + 8)
                .ok_or_else(|| ModelError::Data("state: truncated".into()))?;
            let n = u64::from_le_bytes(head.try_into().expect("8 bytes")) as usize;
            if n != into_len {
                return Err(ModelError::Data(format!(
                    "state: {n} values where {into_len} were expected (another shape)"
                )));
            }
            self.at += 8;
            let body = self
                .bytes
                .get(self.at..self.at + width * n)
                .ok_or_else(|| ModelError::Data("state: truncated".into()))?;
            self.at += width * n;
            Ok(body)
        }

        /// Fills `into` (its length must be the stored one).
        pub fn f32s(&mut self, into: &mut [f32]) -> Result<()> {
            let body = self.words(into.len())?;
            for (x, b) in into.iter_mut().zip(body.chunks_exact(4)) {
                *x = f32::from_le_bytes(b.try_into().expect("4 bytes"));
            }
            Ok(())
        }

        /// Fills `into` (its length must be the stored one).
        pub fn u32s(&mut self, into: &mut [u32]) -> Result<()> {
            let body = self.words(into.len())?;
            for (x, b) in into.iter_mut().zip(body.chunks_exact(4)) {
                *x = u32::from_le_bytes(b.try_into().expect("4 bytes"));
            }
            Ok(())
        }

        /// Fills `into` (its length must be the stored one).
        pub fn u64s(&mut self, into: &mut [u64]) -> Result<()> {
            let body = self.words_of(into.len(), 8)?;
            for (x, b) in into.iter_mut().zip(body.chunks_exact(8)) {
                *x = u64::from_le_bytes(b.try_into().expect("8 bytes"));
            }
            Ok(())
        }

        /// The next `n` raw bytes.
        pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
            let b = self
                .bytes
                .get(self.at..self.at + n)
                .ok_or_else(|| ModelError::Data("state: truncated".into()))?;
            self.at += n;
            Ok(b)
        }

        /// Bytes read so far.
        pub fn position(&self) -> usize {
            self.at
        }

        /// True when every byte was read.
        pub fn done(&self) -> bool {
            self.at == self.bytes.len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ck(dir: &Path, key: &str) -> Checkpointing {
        Checkpointing {
            dir: dir.to_path_buf(),
            every: 1,
            resume: true,
            key: key.into(),
        }
    }

    #[test]
    fn a_checkpoint_reads_back_and_refuses_another_key_or_damage() {
        let dir = tempfile::tempdir().unwrap();
        let c = ck(dir.path(), "run a");
        assert_eq!(read(&c).unwrap(), None);
        write(&c, 7, &[1, 2, 3]).unwrap();
        assert_eq!(
            read(&c).unwrap(),
            Some(Saved {
                epochs_done: 7,
                state: vec![1, 2, 3]
            })
        );
        let err = read(&ck(dir.path(), "run b")).unwrap_err().to_string();
        assert!(err.contains("another configuration"), "{err}");
        let p = path_of(&c);
        let mut bytes = std::fs::read(&p).unwrap();
        let n = bytes.len();
        bytes[n - 12] ^= 1;
        std::fs::write(&p, &bytes).unwrap();
        let err = read(&c).unwrap_err().to_string();
        assert!(err.contains("checksum") && err.contains(FILE_NAME), "{err}");
    }

    #[test]
    fn the_codec_round_trips_and_checks_lengths() {
        let mut out = Vec::new();
        codec::put_f32s(&mut out, &[1.5, -2.0]);
        codec::put_u32s(&mut out, &[7]);
        codec::put_u64s(&mut out, &[u64::MAX, 3]);
        let mut r = codec::Reader::new(&out);
        let mut f = [0.0f32; 2];
        let mut u = [0u32; 1];
        let mut w = [0u64; 2];
        r.f32s(&mut f).unwrap();
        r.u32s(&mut u).unwrap();
        r.u64s(&mut w).unwrap();
        assert!(r.done());
        assert_eq!((f, u, w), ([1.5, -2.0], [7], [u64::MAX, 3]));
        let mut r = codec::Reader::new(&out);
        assert!(r.f32s(&mut [0.0; 3]).is_err());
    }

    #[test]
    fn the_history_round_trips() {
        let h = vec![EpochReport {
            epoch: 3,
            train_loss: 0.25,
            validation: vec![("rmse".into(), 0.9)],
            samples: 10,
            seconds: 1.5,
            samples_per_sec: 6.0,
            learning_rate: 0.01,
        }];
        let mut bytes = encode_history(&h);
        bytes.extend_from_slice(&[9, 9]);
        let (back, used) = decode_history(&bytes).unwrap();
        assert_eq!(used, bytes.len() - 2);
        assert_eq!(back.len(), 1);
        assert_eq!(
            (back[0].epoch, back[0].train_loss, &back[0].validation),
            (3, 0.25, &h[0].validation)
        );
    }

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
