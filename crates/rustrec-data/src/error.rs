//! The error type of the data crate.

use std::path::PathBuf;

/// Result alias of the data crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;

/// Everything that can go wrong while reading, building, splitting or generating data.
///
/// Every variant that comes from a file names the file and, where it applies, the line
/// (1-based) and field, so that a user can open the file at the right place.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The operating system refused to open or read a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A line of a file could not be parsed.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong, naming the field and its value.
        message: String,
    },
    /// A file holds no data rows.
    #[error("{}: the file holds no data rows", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The same (user, item) pair appears twice and the duplicate policy is `Error`.
    #[error(
        "{source_name}: duplicated (user {user}, item {item}) at lines {first_line} and {second_line}; \
         choose a duplicate policy (keep-last, sum or mean) to accept duplicates"
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
    #[error("invalid {name} = {value}: {expected}")]
    InvalidParameter {
        /// Parameter name as the user spells it.
        name: &'static str,
        /// The value given.
        value: String,
        /// The allowed range or form.
        expected: String,
    },
    /// Ids of two kinds (integer and string) were mixed in one id map.
    #[error("{0}")]
    IdKindMismatch(String),
    /// Any other invalid input, described in full.
    #[error("{0}")]
    Invalid(String),
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
