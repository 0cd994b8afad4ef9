//! The rustrec model file format.
//!
//! Every model (MF, BPR, SLIM, ALS, ...) is saved in one generic, versioned container: a
//! [safetensors](https://github.com/huggingface/safetensors) file whose tensors are the
//! model's arrays and whose `__metadata__` holds a JSON [`Header`] (format, version, model
//! kind, hyperparameters, training summary, data fingerprint, sizes, checksum) and the id maps.
//! NumPy users open it with `safetensors.numpy.load_file(path)`. See [`file`](mod@file) for the byte
//! layout and [`format`](mod@format) for the header and the versioning rules.
//!
//! Models convert themselves to and from a [`ModelFile`]; this crate knows nothing about any
//! model. [`write_npy`] exports a single array for NumPy.
//!
//! ```
//! use rustrec_data::IdMap;
//! use rustrec_io::{ANY, Header, ModelFile, Tensor, read_model, write_model};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("model.safetensors");
//! let mut file = ModelFile::new(Header::new("mf", 2, 1), IdMap::from_ints([7, 9])?, IdMap::identity(1));
//! file.insert("user_factors", Tensor::matrix(2, 3, vec![0.5f32; 6]))?;
//! write_model(&path, &file)?;
//!
//! let loaded = read_model(&path)?;
//! let p = loaded.f32("user_factors", &[2, ANY])?;
//! assert_eq!(p.len(), 6);
//! assert!(loaded.f32("item_factors", &[1, 3]).is_err()); // names the missing tensor
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod atomic;
pub mod error;
pub mod file;
pub mod format;
pub mod npy;
pub mod tensor;

pub use error::{IoError, Result};
pub use file::{ModelFile, read_header, read_model, write_model};
pub use format::{FORMAT_VERSION, Header, MAGIC, OLDEST_SUPPORTED_VERSION};
pub use npy::{npy_header, write_npy, write_tensor_npy};
pub use tensor::{ANY, DType, Element, Tensor};
