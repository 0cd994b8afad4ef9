//! The error type of the evaluation crate.

use std::path::PathBuf;

/// Result alias of the evaluation crate.
pub type Result<T, E = EvalError> = std::result::Result<T, E>;

/// What can go wrong while evaluating a model or exporting results.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// An evaluation setting is outside its allowed range.
    #[error("invalid {name} = {value}: {expected}")]
    InvalidParameter {
        /// Setting name as the user spells it.
        name: &'static str,
        /// The value given.
        value: String,
        /// The allowed range.
        expected: String,
    },
    /// The data's id maps and the model's id maps disagree (neither extends the other).
    #[error(
        "the {data} data is not in the model's id space: its {kind} ids are not the model's \
         ids in the same order (was the model trained on another data set or split?)"
    )]
    IdSpace {
        /// Which data set (`"test"`, `"train"`).
        data: &'static str,
        /// `"user"` or `"item"`.
        kind: &'static str,
    },
    /// Some stored interactions use a user or item the model has no index for.
    #[error(
        "{count} {data} interactions have a {kind} unknown to the model (the model knows \
         {model_size} {kind}s; first unknown {kind}: raw id {first})"
    )]
    OutsideModel {
        /// Which data set (`"test"`, `"train"`).
        data: &'static str,
        /// `"user"` or `"item"`.
        kind: &'static str,
        /// Number of interactions affected.
        count: usize,
        /// Number of users or items the model knows.
        model_size: usize,
        /// Raw id of the first unknown user or item.
        first: String,
    },
    /// Nothing could be evaluated (no test rows, or every user was skipped).
    #[error("nothing to evaluate: {0}")]
    Nothing(String),
    /// Writing an export file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl EvalError {
    /// A setting outside its range.
    pub fn invalid(name: &'static str, value: impl ToString, expected: impl Into<String>) -> Self {
        EvalError::InvalidParameter {
            name,
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}
