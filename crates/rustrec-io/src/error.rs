//! The error type of model files.
//!
//! Every variant names the file it is about (or says the model was built in memory), the
//! tensor when there is one, and what was expected against what was found.

use std::path::{Path, PathBuf};

use crate::tensor::DType;

/// Results of this crate.
pub type Result<T, E = IoError> = std::result::Result<T, E>;

/// Errors of model files.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The OS refused to read or write a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not a rustrec model file at all (another format, or a safetensors file
    /// written by another program).
    #[error("{}: not a rustrec model file ({reason})", path.display())]
    NotAModelFile {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The file is a rustrec model file of a format version this build cannot read.
    #[error(
        "{}: model file format version {found} is not supported by this build of rustrec, \
         which reads versions {oldest_supported} to {newest_supported}; {}",
        path.display(),
        version_hint(*found, *newest_supported)
    )]
    IncompatibleVersion {
        /// The file.
        path: PathBuf,
        /// The version written in the file.
        found: u32,
        /// The oldest version this build reads ([`crate::OLDEST_SUPPORTED_VERSION`]).
        oldest_supported: u32,
        /// The newest version this build reads ([`crate::FORMAT_VERSION`]).
        newest_supported: u32,
    },
    /// The file is a rustrec model file but is truncated or damaged.
    #[error("{}: corrupt model file: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The tensors do not hash to the checksum stored in the header.
    #[error(
        "{}: corrupt model file: the header's checksum is {stored} but the stored tensors \
         hash to xxh3-64:{computed:016x}",
        path.display()
    )]
    ChecksumMismatch {
        /// The file.
        path: PathBuf,
        /// The checksum written in the header.
        stored: String,
        /// The checksum of the data actually read.
        computed: u64,
    },
    /// A tensor a model needs is not in the file.
    #[error("{}: no tensor named `{name}` (the file has: {})", origin(path), available.join(", "))]
    MissingTensor {
        /// The file, if the model was read from one.
        path: Option<PathBuf>,
        /// The tensor asked for.
        name: String,
        /// The tensors present.
        available: Vec<String>,
    },
    /// A tensor has another element type than the one asked for.
    #[error(
        "{}: tensor `{name}` holds {found} values, expected {expected}",
        origin(path)
    )]
    WrongDtype {
        /// The file, if the model was read from one.
        path: Option<PathBuf>,
        /// The tensor.
        name: String,
        /// The element type asked for.
        expected: DType,
        /// The element type stored.
        found: DType,
    },
    /// A tensor has another shape than the one asked for.
    #[error(
        "{}: tensor `{name}` has shape {}, expected {}",
        origin(path),
        show_shape(found),
        show_shape(expected)
    )]
    ShapeMismatch {
        /// The file, if the model was read from one.
        path: Option<PathBuf>,
        /// The tensor.
        name: String,
        /// The shape asked for ([`crate::ANY`] marks a free dimension).
        expected: Vec<usize>,
        /// The shape stored.
        found: Vec<usize>,
    },
    /// A model handed over a tensor whose data length does not match its shape.
    #[error(
        "tensor `{name}` has shape {} ({} values) but {len} values of data",
        show_shape(shape),
        shape.iter().product::<usize>()
    )]
    InvalidTensor {
        /// The tensor.
        name: String,
        /// Its declared shape.
        shape: Vec<usize>,
        /// The number of values given.
        len: usize,
    },
    /// A model used a tensor name the container keeps for itself.
    #[error("tensor name `{name}` is reserved for the id maps; pick another name")]
    ReservedName {
        /// The name.
        name: String,
    },
    /// A model file to be written is inconsistent (for example, the header's user count
    /// differs from the size of the user id map).
    #[error("{}: cannot write model file: {reason}", path.display())]
    Inconsistent {
        /// The file that was to be written.
        path: PathBuf,
        /// What does not agree.
        reason: String,
    },
}

impl IoError {
    /// Wraps an OS error with the file it concerns.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        IoError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A [`IoError::Corrupt`] error.
    pub(crate) fn corrupt(path: &Path, reason: impl Into<String>) -> Self {
        IoError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    /// A [`IoError::NotAModelFile`] error.
    pub(crate) fn not_a_model(path: &Path, reason: impl Into<String>) -> Self {
        IoError::NotAModelFile {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

fn origin(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => "model (not read from a file)".to_string(),
    }
}

/// A shape as `[943, 64]`, with [`crate::ANY`] shown as `_`.
pub(crate) fn show_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape
        .iter()
        .map(|&d| {
            if d == crate::ANY {
                "_".to_string()
            } else {
                d.to_string()
            }
        })
        .collect();
    format!("[{}]", dims.join(", "))
}

fn version_hint(found: u32, newest: u32) -> &'static str {
    if found > newest {
        "it was written by a newer rustrec: upgrade rustrec to read it"
    } else {
        "it was written by an older rustrec: load it with that version and re-save, or re-train"
    }
}
