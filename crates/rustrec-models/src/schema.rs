//! Per-family model-file schemas: a version and the declared list of tensors.
//!
//! A family's files carry its schema version in the header (`schema_version`; files written
//! before schemas existed read as version 1). Loading a file:
//! 1. the family migrates the file from its version to the current one (parameters renamed
//!    or dropped, tensors renamed — [`crate::Family::migrate`]);
//! 2. [`Schema::validate`] checks every declared tensor against the file — present when
//!    required, the declared element type, and a shape whose dimensions agree with the id
//!    maps (`Users`, `Items`) and with each other (named dimensions such as the factor count
//!    `k`), and returns the sizes it found ([`Dims`]);
//! 3. the family builds its model from the tensors, taking sizes from [`Dims`], never from
//!    the stored hyperparameters: renaming a hyperparameter or tightening its range cannot
//!    break a saved file.
//!
//! Writers are held to the same declaration: the registry's tests save a model of every
//! family and validate the written file against its schema.

use std::collections::BTreeMap;

use rustrec_io::{DType, ModelFile};

use crate::error::{ModelError, Result};

/// A family's file schema: its version and the tensors its files hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schema {
    /// The version this build writes.
    pub version: u32,
    /// The tensors of a file of this version.
    pub tensors: &'static [TensorDecl],
}

/// One declared tensor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorDecl {
    /// Its name in the file.
    pub name: &'static str,
    /// Its element type.
    pub dtype: DType,
    /// Its dimensions.
    pub dims: &'static [Dim],
    /// Whether every file has it.
    pub required: bool,
    /// What it holds, for people (the `.npy` export's manifest shows it).
    pub about: &'static str,
}

impl TensorDecl {
    /// A tensor every file has.
    pub const fn new(name: &'static str, dtype: DType, dims: &'static [Dim]) -> Self {
        TensorDecl {
            name,
            dtype,
            dims,
            required: true,
            about: "",
        }
    }

    /// A tensor some files have.
    pub const fn optional(name: &'static str, dtype: DType, dims: &'static [Dim]) -> Self {
        TensorDecl {
            name,
            dtype,
            dims,
            required: false,
            about: "",
        }
    }

    /// The same declaration with a description.
    pub const fn about(mut self, about: &'static str) -> Self {
        self.about = about;
        self
    }
}

/// One dimension of a declared tensor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dim {
    /// The number of users (the user id map's length).
    Users,
    /// The number of items.
    Items,
    /// Users + 1 (CSR row offsets over users).
    UsersPlusOne,
    /// Items + 1 (CSR row offsets over items).
    ItemsPlusOne,
    /// A size named here, the same in every tensor that names it (`"k"`, `"nnz"`).
    Named(&'static str),
    /// Exactly this length.
    Fixed(usize),
}

/// The sizes of the named dimensions found in a file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dims(BTreeMap<&'static str, usize>);

impl Dims {
    /// The size of dimension `name`; fails if no present tensor declares it.
    pub fn get(&self, name: &str) -> Result<usize> {
        self.0.get(name).copied().ok_or_else(|| {
            ModelError::Data(format!(
                "model file: no tensor gives the size of dimension `{name}`"
            ))
        })
    }
}

impl Schema {
    /// The declaration of tensor `name`.
    pub fn tensor(&self, name: &str) -> Option<&TensorDecl> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Checks `file` against the declared tensors (see the module docs) and returns the sizes
    /// of the named dimensions. Tensors the schema does not declare are left alone (the
    /// registry's own `seen_*` tensors, or extra arrays of older files).
    pub fn validate(&self, file: &ModelFile) -> Result<Dims> {
        let (nu, ni) = (file.user_ids.len(), file.item_ids.len());
        let mut dims = Dims::default();
        let where_ = |name: &str| match file.source() {
            Some(p) => format!("{}: tensor `{name}`", p.display()),
            None => format!("tensor `{name}`"),
        };
        for decl in self.tensors {
            let Some(t) = file.tensors.get(decl.name) else {
                if decl.required {
                    return Err(ModelError::Data(format!(
                        "{} is missing (a `{}` file of schema version {} holds: {})",
                        where_(decl.name),
                        file.header.kind,
                        self.version,
                        self.tensors
                            .iter()
                            .map(|t| t.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                continue;
            };
            if t.dtype() != decl.dtype {
                return Err(ModelError::Data(format!(
                    "{} holds {} values, expected {}",
                    where_(decl.name),
                    t.dtype(),
                    decl.dtype
                )));
            }
            let shape = t.shape();
            if shape.len() != decl.dims.len() {
                return Err(ModelError::Data(format!(
                    "{} has shape {shape:?}, expected {} dimensions",
                    where_(decl.name),
                    decl.dims.len()
                )));
            }
            for (&len, dim) in shape.iter().zip(decl.dims) {
                let expected = match *dim {
                    Dim::Users => Some((nu, "the number of users".to_string())),
                    Dim::Items => Some((ni, "the number of items".to_string())),
                    Dim::UsersPlusOne => Some((nu + 1, "users + 1".to_string())),
                    Dim::ItemsPlusOne => Some((ni + 1, "items + 1".to_string())),
                    Dim::Fixed(n) => Some((n, format!("{n}"))),
                    Dim::Named(name) => match dims.0.get(name) {
                        Some(&n) => Some((n, format!("`{name}` = {n} (set by another tensor)"))),
                        None => {
                            dims.0.insert(name, len);
                            None
                        }
                    },
                };
                if let Some((n, what)) = expected
                    && n != len
                {
                    return Err(ModelError::Data(format!(
                        "{} has shape {shape:?}: a dimension of {len} where {what} is expected",
                        where_(decl.name)
                    )));
                }
            }
        }
        Ok(dims)
    }
}

#[cfg(test)]
mod tests {
    use rustrec_data::IdMap;
    use rustrec_io::{Header, Tensor};

    use super::*;

    const SCHEMA: Schema = Schema {
        version: 2,
        tensors: &[
            TensorDecl::new("p", DType::F32, &[Dim::Users, Dim::Named("k")]),
            TensorDecl::new("q", DType::F32, &[Dim::Items, Dim::Named("k")]),
            TensorDecl::optional("ptr", DType::U64, &[Dim::UsersPlusOne]),
            TensorDecl::new("mu", DType::F32, &[Dim::Fixed(1)]),
        ],
    };

    fn file(q_cols: usize) -> ModelFile {
        let ids = |n: i64| IdMap::from_ints(0..n).unwrap();
        ModelFile::new(Header::new("t", 2, 3), ids(2), ids(3))
            .with("p", Tensor::matrix(2, 4, vec![0f32; 8]))
            .unwrap()
            .with("q", Tensor::matrix(3, q_cols, vec![0f32; 3 * q_cols]))
            .unwrap()
            .with("mu", Tensor::vector(vec![1f32]))
            .unwrap()
    }

    #[test]
    fn a_valid_file_gives_its_named_sizes() {
        let dims = SCHEMA.validate(&file(4)).unwrap();
        assert_eq!(dims.get("k").unwrap(), 4);
        assert!(dims.get("nnz").is_err());
    }

    #[test]
    fn disagreeing_named_dimensions_are_refused() {
        let e = SCHEMA.validate(&file(5)).unwrap_err().to_string();
        assert!(e.contains("`q`") && e.contains("`k` = 4"), "{e}");
    }

    #[test]
    fn missing_required_tensors_and_wrong_types_or_sizes_are_named() {
        let mut f = file(4);
        f.tensors.remove("mu");
        let e = SCHEMA.validate(&f).unwrap_err().to_string();
        assert!(e.contains("`mu` is missing"), "{e}");
        let f = file(4).with("mu", Tensor::vector(vec![1u32])).unwrap();
        let e = SCHEMA.validate(&f).unwrap_err().to_string();
        assert!(e.contains("u32") && e.contains("f32"), "{e}");
        let f = file(4).with("ptr", Tensor::vector(vec![0u64; 2])).unwrap();
        let e = SCHEMA.validate(&f).unwrap_err().to_string();
        assert!(e.contains("users + 1"), "{e}");
        let f = file(4).with("ptr", Tensor::vector(vec![0u64; 3])).unwrap();
        assert!(SCHEMA.validate(&f).is_ok());
    }
}
