//! What every model's conversion to and from a [`ModelFile`] shares: the hyperparameters
//! kept as JSON in the header, per-row flags and the training ratings' range.

use rustrec_io::{ModelFile, Tensor};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ModelError, Result};

/// The hyperparameters stored in `file`'s header (unchecked).
pub(crate) fn params_of<P: DeserializeOwned>(file: &ModelFile) -> Result<P> {
    serde_json::from_value(file.header.params.clone())
        .map_err(|e| ModelError::Data(format!("model file parameters: {e}")))
}

/// `params` as the JSON value a model file's header stores.
pub(crate) fn params_value<P: Serialize + ?Sized>(params: &P) -> Result<serde_json::Value> {
    let mut value = serde_json::to_value(params)
        .map_err(|e| ModelError::Data(format!("cannot serialise parameters: {e}")))?;
    crate::family::tidy_floats(&mut value);
    Ok(value)
}

/// A boolean per row as a `u32` tensor (1 = true), as model files store "row had training
/// data" flags.
pub(crate) fn flags_tensor(v: &[bool]) -> Tensor {
    Tensor::vector(v.iter().map(|&b| u32::from(b)).collect::<Vec<u32>>())
}

/// `[min, max]` of the values of `train` (`None` without values).
pub(crate) fn rating_range(train: &rustrec_data::Interactions) -> Option<[f32; 2]> {
    let v = train.values();
    let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    (lo <= hi).then_some([lo, hi])
}

/// The optional `rating_range` tensor of `file` (`[min, max]` of the training ratings),
/// checked: finite, `min ≤ max`. A range read unchecked from a damaged or hand-edited file
/// reached `f32::clamp`, which panics on NaN or reversed bounds (found by fuzzing).
pub(crate) fn stored_rating_range(file: &ModelFile) -> Result<Option<[f32; 2]>> {
    if !file.tensors.contains_key("rating_range") {
        return Ok(None);
    }
    let r = file.f32("rating_range", &[2])?;
    let (lo, hi) = (r[0], r[1]);
    if lo.is_finite() && hi.is_finite() && lo <= hi {
        Ok(Some([lo, hi]))
    } else {
        Err(ModelError::Data(format!(
            "model file: tensor `rating_range` holds [{lo}, {hi}], expected finite \
             [min, max] with min ≤ max"
        )))
    }
}

/// Checks the range a loaded model clamps its predictions to (the stored `clip`, or the
/// training range for `clip = "auto"`): `lo ≤ hi`, neither NaN, as `f32::clamp` needs.
pub(crate) fn check_loaded_clip(range: Option<[f32; 2]>) -> Result<()> {
    match range {
        Some([lo, hi]) if lo.is_nan() || hi.is_nan() || lo > hi => Err(ModelError::Data(format!(
            "model file parameters: clip = [{lo}, {hi}] is not a range lo ≤ hi"
        ))),
        _ => Ok(()),
    }
}

/// The `n` flags stored as [`flags_tensor`] under `name` in `file`.
pub(crate) fn flags_of(file: &ModelFile, name: &str, n: usize) -> Result<Vec<bool>> {
    Ok(file.u32(name, &[n])?.iter().map(|&v| v != 0).collect())
}

#[cfg(test)]
mod tests {
    use rustrec_data::IdMap;
    use rustrec_io::Header;

    use super::*;

    fn file(kind: &str) -> ModelFile {
        let ids = |n: i64| IdMap::from_ints(0..n).unwrap();
        ModelFile::new(Header::new(kind, 2, 3), ids(2), ids(3))
    }

    #[test]
    fn flags_round_trip() {
        let flags = [true, false, true];
        let f = file("mf").with("seen", flags_tensor(&flags)).unwrap();
        assert_eq!(flags_of(&f, "seen", 3).unwrap(), flags);
        assert!(flags_of(&f, "seen", 2).is_err());
        assert!(flags_of(&f, "other", 3).is_err());
    }
}
