//! What every model's conversion to and from a [`ModelFile`] shares: the kind check and the
//! hyperparameters kept as JSON in the header.

use rustrec_io::ModelFile;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ModelError, Result};

/// Fails unless `file` holds a model of kind `kind`.
pub(crate) fn check_kind(file: &ModelFile, kind: &str) -> Result<()> {
    if file.header.kind == kind {
        return Ok(());
    }
    Err(ModelError::Data(format!(
        "model file holds a `{}` model, not `{kind}`",
        file.header.kind
    )))
}

/// The hyperparameters stored in `file`'s header (unchecked).
pub(crate) fn params_of<P: DeserializeOwned>(file: &ModelFile) -> Result<P> {
    serde_json::from_value(file.header.params.clone())
        .map_err(|e| ModelError::Data(format!("model file parameters: {e}")))
}

/// `params` as the JSON value a model file's header stores.
pub(crate) fn params_value<P: Serialize + ?Sized>(params: &P) -> Result<serde_json::Value> {
    serde_json::to_value(params)
        .map_err(|e| ModelError::Data(format!("cannot serialise parameters: {e}")))
}
