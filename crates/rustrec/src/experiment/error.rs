//! Errors of an experiment run.

/// Result alias of the experiment runner.
pub type Result<T, E = ExperimentError> = std::result::Result<T, E>;

/// What can go wrong in an experiment: a bad configuration or an error of a lower layer.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The configuration is malformed or inconsistent.
    #[error("configuration: {}", shown(.0))]
    Config(String),
    /// Reading or splitting data failed.
    #[error(transparent)]
    Data(#[from] rustrec_data::DataError),
    /// Training or saving a model failed.
    #[error(transparent)]
    Model(#[from] rustrec_models::ModelError),
    /// Evaluation failed.
    #[error(transparent)]
    Eval(#[from] rustrec_eval::EvalError),
}

/// A configuration message as shown: control characters escaped, line breaks kept. TOML's
/// parse errors quote the offending line of the file (an ESC byte there must not reach the
/// terminal raw; found by fuzzing) and span several lines, with a caret under the column.
fn shown(message: &str) -> String {
    message
        .split('\n')
        .map(rustrec_data::escape_control)
        .collect::<Vec<_>>()
        .join("\n")
}
