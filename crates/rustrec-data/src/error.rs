//! The error type of the data crate.

use std::path::{Path, PathBuf};

use crate::escape::Escaped;

/// Result alias of the data crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;

/// Everything that can go wrong while reading, building, splitting or generating data.
///
/// Every variant that comes from a file names the file and, where it applies, the line
/// (1-based) and field, so that a user can open the file at the right place. Messages quote
/// file content with its control characters escaped ([`crate::escape_control`]): an ESC
/// byte in a field never reaches the terminal raw.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The operating system refused to open or read a file.
    #[error("{}: {source}", shown(path))]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A line of a file could not be parsed.
    #[error("{}:{line}: {}", shown(path), Escaped(message))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong, naming the field and its value.
        message: String,
    },
    /// A file holds no data rows.
    #[error("{}: the file holds no data rows", shown(path))]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The same (user, item) pair appears twice and the duplicate policy is `Error`.
    #[error(
        "{}: duplicated (user {}, item {}) at lines {first_line} and {second_line}; \
         choose a duplicate policy (keep-last, sum or mean) to accept duplicates",
        Escaped(source_name),
        Escaped(user),
        Escaped(item)
    )]
    Duplicate {
        /// Where the rows came from (a file path, or a description).
        source_name: String,
        /// Raw user id.
        user: String,
        /// Raw item id.
        item: String,
        /// Line (or row number) of the first occurrence.
        first_line: u64,
        /// Line (or row number) of the second occurrence.
        second_line: u64,
    },
    /// A parameter is outside its allowed range.
    #[error("invalid {name} = {}: {}", Escaped(value), Escaped(expected))]
    InvalidParameter {
        /// Parameter name as the user spells it.
        name: &'static str,
        /// The value given.
        value: String,
        /// The allowed range or form.
        expected: String,
    },
    /// An output path names the same file as an input or as another output (see
    /// [`crate::paths::check_outputs`]).
    #[error(
        "{} and {} name the same file {}: {}",
        first, second, shown(path),
        if *input { "writing it would destroy the input; write the output to another file" }
        else { "one output would overwrite the other; give each output its own file" }
    )]
    PathClash {
        /// The flag (or key) of the input, or of the first output.
        first: String,
        /// The flag (or key) of the output that clashes with it.
        second: String,
        /// The path, as given.
        path: PathBuf,
        /// Whether `first` is an input (else another output).
        input: bool,
    },
    /// Ids of two kinds (integer and string) were mixed in one id map.
    #[error("{}", Escaped(.0))]
    IdKindMismatch(String),
    /// Any other invalid input, described in full.
    #[error("{}", Escaped(.0))]
    Invalid(String),
}

/// A path as shown in a message: control characters escaped.
fn shown(path: &Path) -> String {
    crate::escape::escape_control(&path.display().to_string()).into_owned()
}

impl DataError {
    /// A parse error at `path:line`.
    pub fn parse(path: impl Into<PathBuf>, line: u64, message: impl Into<String>) -> Self {
        DataError::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }

    /// A parameter outside its range.
    pub fn invalid_parameter(
        name: &'static str,
        value: impl ToString,
        expected: impl Into<String>,
    ) -> Self {
        DataError::InvalidParameter {
            name,
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}
