//! The rustrec model file format.
#![warn(missing_docs)]

/// Errors of model files.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The OS refused to read or write a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}
