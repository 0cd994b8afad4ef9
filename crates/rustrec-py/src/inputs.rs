//! The files a dataset or a model was read from, so that nothing Python writes overwrites
//! one of them (the house rule the CLI enforces with
//! [`check_outputs`](rustrec::data::paths::check_outputs)).
//!
//! A [`Dataset`](crate::data::Dataset) read from files (`read_ratings`, `read_train_test`)
//! keeps their paths, and so do its splits and its implicit view; a model fitted on it
//! keeps them too, with the item files of a content-based model, and a loaded model keeps
//! the model file. `save` refuses a path that names one of them, before writing anything.
//! Data built in memory (arrays, frames, synthetic data) has no input files.
//!
//! Paths are stored as the files they name ([`canonical_target`]: absolute, links
//! resolved) when they are read, so a later change of the working directory does not
//! change what they name.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use rustrec::data::paths::{canonical_target, check_outputs};

use crate::error::data_error;

/// Input files, each with the call and argument that read it (`read_ratings(path)`).
pub type Inputs = Vec<(String, PathBuf)>;

/// The input `path` read by `what` (such as `read_ratings(path)`), as the file it names.
pub fn input(what: &str, path: &Path) -> PyResult<(String, PathBuf)> {
    Ok((
        what.to_string(),
        canonical_target(path).map_err(data_error)?,
    ))
}

/// Refuses writing `path` (the output, named `what` such as `save(path)`) when it names
/// one of `inputs`: a `ValueError` naming the input's call, `what` and the path.
pub fn refuse_overwrite(inputs: &Inputs, what: &str, path: &Path) -> PyResult<()> {
    let named: Vec<(&str, &Path)> = inputs
        .iter()
        .map(|(name, p)| (name.as_str(), p.as_path()))
        .collect();
    check_outputs(&named, &[(what, path)]).map_err(data_error)
}
