//! Tensors: owned, typed, C-ordered arrays with a shape.
//!
//! A model stores only four element types: `f32` (factor matrices, biases, dense weights),
//! `u32` (indices and CSR column indices), `i64` (raw integer ids) and `u64` (CSR row
//! offsets, counts). They map one to one onto safetensors dtypes `F32`, `U32`, `I64`, `U64`
//! and onto NumPy dtypes `<f4`, `<u4`, `<i8`, `<u8`. Data is kept as a flat `Vec` in row-major
//! (C) order: element `(i, j)` of a `[rows, cols]` tensor is `data[i * cols + j]`.

use std::fmt;

use crate::error::{IoError, Result};

/// In a shape passed to an accessor, a dimension that may have any length.
///
/// `file.f32("user_factors", &[n_users, ANY])` accepts any number of factors; read the actual
/// shape from [`Tensor::shape`].
pub const ANY: usize = usize::MAX;

/// The element type of a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// 32-bit float.
    F32,
    /// 32-bit unsigned integer.
    U32,
    /// 64-bit signed integer.
    I64,
    /// 64-bit unsigned integer.
    U64,
}

impl DType {
    /// The safetensors name of the type (`"F32"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "F32",
            DType::U32 => "U32",
            DType::I64 => "I64",
            DType::U64 => "U64",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::U32 => 4,
            DType::I64 | DType::U64 => 8,
        }
    }

    pub(crate) fn to_safetensors(self) -> safetensors::Dtype {
        match self {
            DType::F32 => safetensors::Dtype::F32,
            DType::U32 => safetensors::Dtype::U32,
            DType::I64 => safetensors::Dtype::I64,
            DType::U64 => safetensors::Dtype::U64,
        }
    }

    pub(crate) fn from_safetensors(dtype: safetensors::Dtype) -> Option<Self> {
        match dtype {
            safetensors::Dtype::F32 => Some(DType::F32),
            safetensors::Dtype::U32 => Some(DType::U32),
            safetensors::Dtype::I64 => Some(DType::I64),
            safetensors::Dtype::U64 => Some(DType::U64),
            _ => None,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DType::F32 => "f32",
            DType::U32 => "u32",
            DType::I64 => "i64",
            DType::U64 => "u64",
        })
    }
}

/// An owned tensor: a shape and its values in row-major order.
#[derive(Clone, Debug, PartialEq)]
pub enum Tensor {
    /// 32-bit floats.
    F32 {
        /// Length of each dimension.
        shape: Vec<usize>,
        /// Values, row-major.
        data: Vec<f32>,
    },
    /// 32-bit unsigned integers.
    U32 {
        /// Length of each dimension.
        shape: Vec<usize>,
        /// Values, row-major.
        data: Vec<u32>,
    },
    /// 64-bit signed integers.
    I64 {
        /// Length of each dimension.
        shape: Vec<usize>,
        /// Values, row-major.
        data: Vec<i64>,
    },
    /// 64-bit unsigned integers.
    U64 {
        /// Length of each dimension.
        shape: Vec<usize>,
        /// Values, row-major.
        data: Vec<u64>,
    },
}

impl Tensor {
    /// A tensor of the given shape. The data length is checked when the tensor is added to a
    /// [`crate::ModelFile`].
    pub fn new<T: Element>(shape: Vec<usize>, data: Vec<T>) -> Self {
        T::wrap(shape, data)
    }

    /// A one-dimensional tensor.
    pub fn vector<T: Element>(data: Vec<T>) -> Self {
        T::wrap(vec![data.len()], data)
    }

    /// A `[rows, cols]` matrix from row-major data.
    pub fn matrix<T: Element>(rows: usize, cols: usize, data: Vec<T>) -> Self {
        T::wrap(vec![rows, cols], data)
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            Tensor::F32 { shape, .. }
            | Tensor::U32 { shape, .. }
            | Tensor::I64 { shape, .. }
            | Tensor::U64 { shape, .. } => shape,
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Tensor::F32 { .. } => DType::F32,
            Tensor::U32 { .. } => DType::U32,
            Tensor::I64 { .. } => DType::I64,
            Tensor::U64 { .. } => DType::U64,
        }
    }

    /// Number of values stored.
    pub fn len(&self) -> usize {
        match self {
            Tensor::F32 { data, .. } => data.len(),
            Tensor::U32 { data, .. } => data.len(),
            Tensor::I64 { data, .. } => data.len(),
            Tensor::U64 { data, .. } => data.len(),
        }
    }

    /// Whether no values are stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, if the tensor holds `T`.
    pub fn data<T: Element>(&self) -> Option<&[T]> {
        T::view(self)
    }

    /// Checks that the data length is the product of the shape.
    pub(crate) fn check(&self, name: &str) -> Result<()> {
        let expected = self
            .shape()
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d));
        if expected == Some(self.len()) {
            Ok(())
        } else {
            Err(IoError::InvalidTensor {
                name: name.to_string(),
                shape: self.shape().to_vec(),
                len: self.len(),
            })
        }
    }

    /// Feeds the little-endian bytes of the values to `sink`, in blocks.
    pub(crate) fn for_each_le_block(&self, sink: impl FnMut(&[u8])) {
        match self {
            Tensor::F32 { data, .. } => le_blocks(data, sink),
            Tensor::U32 { data, .. } => le_blocks(data, sink),
            Tensor::I64 { data, .. } => le_blocks(data, sink),
            Tensor::U64 { data, .. } => le_blocks(data, sink),
        }
    }
}

/// Elements per block when converting values to bytes (64 KiB of `u64`).
const BLOCK: usize = 8192;

/// Feeds the little-endian bytes of `data` to `sink` in blocks, with one scratch buffer.
pub(crate) fn le_blocks<T: Element>(data: &[T], mut sink: impl FnMut(&[u8])) {
    let mut scratch = Vec::with_capacity(BLOCK.min(data.len()) * T::DTYPE.size());
    for block in data.chunks(BLOCK) {
        scratch.clear();
        for v in block {
            v.put_le(&mut scratch);
        }
        sink(&scratch);
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for u32 {}
    impl Sealed for i64 {}
    impl Sealed for u64 {}
}

/// An element type a [`Tensor`] can hold: `f32`, `u32`, `i64` or `u64`.
pub trait Element: sealed::Sealed + Copy + Sized + 'static {
    /// The matching [`DType`].
    const DTYPE: DType;
    /// The NumPy type string (`"<f4"`, ...).
    const NPY_DESCR: &'static str;
    /// Wraps data into the matching [`Tensor`] variant.
    fn wrap(shape: Vec<usize>, data: Vec<Self>) -> Tensor;
    /// The values of `tensor`, if it holds this type.
    fn view(tensor: &Tensor) -> Option<&[Self]>;
    /// Takes the values out of `tensor`, if it holds this type (giving the tensor back if not).
    fn unwrap(tensor: Tensor) -> std::result::Result<Vec<Self>, Tensor>;
    /// Appends the little-endian bytes of `self`.
    fn put_le(self, out: &mut Vec<u8>);
    /// Decodes values from little-endian bytes (`bytes.len()` is a multiple of the size).
    fn decode_le(bytes: &[u8]) -> Vec<Self>;
}

macro_rules! element {
    ($t:ty, $variant:ident, $descr:literal) => {
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            const NPY_DESCR: &'static str = $descr;

            fn wrap(shape: Vec<usize>, data: Vec<Self>) -> Tensor {
                Tensor::$variant { shape, data }
            }

            fn view(tensor: &Tensor) -> Option<&[Self]> {
                match tensor {
                    Tensor::$variant { data, .. } => Some(data),
                    _ => None,
                }
            }

            fn unwrap(tensor: Tensor) -> std::result::Result<Vec<Self>, Tensor> {
                match tensor {
                    Tensor::$variant { data, .. } => Ok(data),
                    other => Err(other),
                }
            }

            #[inline]
            fn put_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }

            fn decode_le(bytes: &[u8]) -> Vec<Self> {
                const N: usize = std::mem::size_of::<$t>();
                bytes
                    .chunks_exact(N)
                    .map(|c| {
                        let mut a = [0u8; N];
                        a.copy_from_slice(c);
                        <$t>::from_le_bytes(a)
                    })
                    .collect()
            }
        }
    };
}

element!(f32, F32, "<f4");
element!(u32, U32, "<u4");
element!(i64, I64, "<i8");
element!(u64, U64, "<u8");

/// Whether `found` fits `expected`, where [`ANY`] in `expected` matches any length.
pub(crate) fn shape_matches(expected: &[usize], found: &[usize]) -> bool {
    expected.len() == found.len()
        && expected
            .iter()
            .zip(found)
            .all(|(&e, &f)| e == ANY || e == f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn little_endian_bytes_round_trip_for_every_type() {
        let mut out = Vec::new();
        le_blocks(&[1.5f32, -2.0], |b| out.extend_from_slice(b));
        assert_eq!(out, [0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0]);
        assert_eq!(f32::decode_le(&out), vec![1.5, -2.0]);
        let mut out = Vec::new();
        le_blocks(&[-2i64], |b| out.extend_from_slice(b));
        assert_eq!(out, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(i64::decode_le(&out), vec![-2]);
        let big: Vec<u32> = (0..20_000).collect();
        let mut out = Vec::new();
        le_blocks(&big, |b| out.extend_from_slice(b));
        assert_eq!(u32::decode_le(&out), big);
        let mut out = Vec::new();
        le_blocks(&[u64::MAX - 1], |b| out.extend_from_slice(b));
        assert_eq!(u64::decode_le(&out), vec![u64::MAX - 1]);
    }

    #[test]
    fn data_length_is_checked_against_the_shape() {
        assert!(Tensor::matrix(2, 3, vec![0f32; 6]).check("w").is_ok());
        let err = Tensor::matrix(2, 3, vec![0f32; 5]).check("w").unwrap_err();
        assert!(
            err.to_string()
                .contains("`w` has shape [2, 3] (6 values) but 5")
        );
        assert!(Tensor::new(vec![], vec![7u32]).check("scalar").is_ok());
        assert!(
            Tensor::new(vec![usize::MAX, 2], vec![0u64])
                .check("huge")
                .is_err()
        );
    }

    #[test]
    fn any_matches_any_length_but_not_another_rank() {
        assert!(shape_matches(&[3, ANY], &[3, 64]));
        assert!(!shape_matches(&[3, ANY], &[4, 64]));
        assert!(!shape_matches(&[3, ANY], &[3]));
        assert!(shape_matches(&[], &[]));
    }
}
