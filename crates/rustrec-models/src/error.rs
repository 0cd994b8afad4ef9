//! The error type of the models crate.

/// Result alias of the models crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// What can go wrong while checking parameters, training or using a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A hyperparameter is outside its allowed range.
    #[error("invalid {name} = {value}: {expected}")]
    InvalidParameter {
        /// Parameter name as the user spells it (in configs and on the command line).
        name: &'static str,
        /// The value given.
        value: String,
        /// The allowed range.
        expected: String,
    },
    /// The loss became NaN or infinite.
    #[error(
        "training diverged at epoch {epoch}: the loss is {loss}; {advice}",
        advice = divergence_advice(*learning_rate)
    )]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// The non-finite loss.
        loss: f64,
        /// The learning rate in use; `None` for models solved without one (ALS, BPMF).
        learning_rate: Option<f64>,
    },
    /// The data does not suit the model (empty, wrong id space, ...).
    #[error("{0}")]
    Data(String),
    /// A model file could not be written or read.
    #[error(transparent)]
    Io(#[from] rustrec_io::IoError),
    /// A data-layer error.
    #[error(transparent)]
    DataLayer(#[from] rustrec_data::DataError),
    /// A thread count out of range, or a pool that would not start.
    #[error(transparent)]
    Core(#[from] rustrec_core::CoreError),
    /// A callback asked to stop with an error.
    #[error("stopped by a callback: {0}")]
    Callback(String),
}

/// What to try after a divergence: a lower learning rate where there is one, otherwise a
/// look at the values that can overflow (a solver without a step size diverges only on
/// extreme parameters or data).
fn divergence_advice(learning_rate: Option<f64>) -> String {
    match learning_rate {
        // The rate is an f32 widened to f64: printed as the f32 it is, it reads as given
        // (0.05, not 0.05000000074505806).
        Some(lr) => format!(
            "try a lower learning rate (now {}) or another reg (too large a reg diverges \
             too: the step shrinks a row by lr·reg)",
            lr as f32
        ),
        None => "look for extreme values among the parameters (such as reg or alpha) and the \
                 ratings"
            .to_string(),
    }
}

impl ModelError {
    /// A parameter outside its range.
    pub fn invalid(name: &'static str, value: impl ToString, expected: impl Into<String>) -> Self {
        ModelError::InvalidParameter {
            name,
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the advice printed the f32 learning rate widened to f64
    /// ("now 0.05000000074505806" for `lr = 0.05`), and only ever suggested stronger
    /// regularisation, also when a huge `reg` was the cause.
    #[test]
    fn divergence_advice_prints_the_learning_rate_as_given() {
        let e = ModelError::Diverged {
            epoch: 1,
            loss: f64::NAN,
            learning_rate: Some(f64::from(0.05f32)),
        }
        .to_string();
        assert!(e.contains("(now 0.05)"), "{e}");
        assert!(
            e.contains("lower learning rate") && e.contains("reg"),
            "{e}"
        );
    }
}
