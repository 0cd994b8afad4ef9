//! Errors of the library crates as Python exceptions: `ValueError` for bad input and
//! parameters (the message names the parameter, value and allowed range, as the library
//! writes it), `OSError` for files.

use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyValueError};

/// A `ValueError` with the error's message.
pub fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// An `OSError` with the error's message (files that cannot be read or written).
pub fn os_error(e: impl std::fmt::Display) -> PyErr {
    PyOSError::new_err(e.to_string())
}

/// A model error: `OSError` when a file could not be read or written, else `ValueError`.
pub fn model_error(e: rustrec::models::ModelError) -> PyErr {
    use rustrec::models::ModelError;
    match e {
        ModelError::Io(_) => os_error(e),
        ModelError::DataLayer(d) => data_error(d),
        other => value_error(other),
    }
}

/// A data error: `OSError` for files, else `ValueError`.
pub fn data_error(e: rustrec::data::DataError) -> PyErr {
    use rustrec::data::DataError;
    match &e {
        DataError::Io { .. } => os_error(e),
        _ => value_error(e),
    }
}
