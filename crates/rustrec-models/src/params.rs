//! Pieces every model's hyperparameter module shares: builder setters and range checks
//! that name the parameter, its value and the allowed range.

use crate::error::{ModelError, Result};

/// Builder setters `fn name(mut self, value: T) -> Self` for fields of a parameter struct.
macro_rules! setter {
    ($(#[$doc:meta] $name:ident: $ty:ty),* $(,)?) => {
        $(#[$doc] pub fn $name(mut self, value: $ty) -> Self { self.$name = value; self })*
    };
}
pub(crate) use setter;

/// `v` must be finite and > 0.
pub(crate) fn positive(name: &'static str, v: f32) -> Result<()> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(ModelError::invalid(name, v, "a finite number > 0"))
    }
}

/// `v` must be finite and ≥ 0.
pub(crate) fn non_negative(name: &'static str, v: f32) -> Result<()> {
    if v >= 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(ModelError::invalid(name, v, "a finite number ≥ 0"))
    }
}

/// A boolean per row as a `u32` tensor (1 = true), as model files store "row had training
/// data" flags.
pub(crate) fn flags_tensor(v: &[bool]) -> rustrec_io::Tensor {
    rustrec_io::Tensor::vector(v.iter().map(|&b| u32::from(b)).collect::<Vec<u32>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_checks_name_the_parameter_and_value() {
        assert!(positive("lr", 0.1).is_ok());
        let e = positive("lr", 0.0).unwrap_err().to_string();
        assert!(e.contains("lr = 0") && e.contains("> 0"), "{e}");
        assert!(positive("lr", f32::INFINITY).is_err());
        assert!(non_negative("reg", 0.0).is_ok());
        assert!(
            non_negative("reg", -1.0)
                .unwrap_err()
                .to_string()
                .contains("reg = -1")
        );
        assert_eq!(
            flags_tensor(&[true, false]).data::<u32>(),
            Some(&[1u32, 0][..])
        );
    }
}
