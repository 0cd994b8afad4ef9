//! Export of single arrays as NumPy `.npy` files (format version 1.0).
//!
//! Layout: the magic `\x93NUMPY`, the version bytes `1, 0`, the header length as `u16` LE,
//! then an ASCII Python dict such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }`
//! padded with spaces and ended by `\n` so that the data starts at a multiple of 64 bytes;
//! then the values, little-endian, row-major. `numpy.load(path)` reads it.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::atomic::write_atomically;
use crate::error::{IoError, Result};
use crate::tensor::{Element, Tensor, le_blocks};

/// The NPY magic string.
const MAGIC: &[u8] = b"\x93NUMPY";

/// Alignment of the start of the data.
const ALIGN: usize = 64;

/// The NPY 1.0 preamble (magic, version, header length, header) for an array of NumPy type
/// `descr` and the given shape.
///
/// Fails only if the shape is so long that the header exceeds 65 535 bytes.
pub fn npy_header(descr: &str, shape: &[usize]) -> Option<Vec<u8>> {
    let dims = match shape {
        [] => "()".to_string(),
        [d] => format!("({d},)"),
        _ => {
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            format!("({})", dims.join(", "))
        }
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    let unpadded = MAGIC.len() + 2 + 2 + dict.len() + 1;
    let padding = unpadded.next_multiple_of(ALIGN) - unpadded;
    dict.extend(std::iter::repeat_n(' ', padding));
    dict.push('\n');
    let header_len = u16::try_from(dict.len()).ok()?;
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + dict.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    Some(out)
}

/// Writes `data` (row-major, of the given shape) as a `.npy` file, atomically.
///
/// `T` is `f32` (`<f4`), `u32` (`<u4`), `i64` (`<i8`) or `u64` (`<u8`).
pub fn write_npy<T: Element>(path: impl AsRef<Path>, shape: &[usize], data: &[T]) -> Result<()> {
    let path = path.as_ref();
    let name = path.display().to_string();
    Tensor::new(shape.to_vec(), data.to_vec()).check(&name)?;
    write_npy_unchecked(path, shape, data)
}

fn write_npy_unchecked<T: Element>(path: &Path, shape: &[usize], data: &[T]) -> Result<()> {
    let header = npy_header(T::NPY_DESCR, shape).ok_or_else(|| IoError::InvalidTensor {
        name: path.display().to_string(),
        shape: shape.to_vec(),
        len: data.len(),
    })?;
    write_atomically(path, |_, file| {
        let mut out = BufWriter::new(file);
        out.write_all(&header).map_err(|e| IoError::io(path, e))?;
        let mut result = Ok(());
        le_blocks(data, |block| {
            if result.is_ok() {
                result = out.write_all(block);
            }
        });
        result
            .and_then(|()| out.flush())
            .map_err(|e| IoError::io(path, e))
    })
}

/// Writes a [`Tensor`] as a `.npy` file, atomically.
pub fn write_tensor_npy(path: impl AsRef<Path>, tensor: &Tensor) -> Result<()> {
    let path = path.as_ref();
    tensor.check(&path.display().to_string())?;
    match tensor {
        Tensor::F32 { shape, data } => write_npy_unchecked(path, shape, data),
        Tensor::U32 { shape, data } => write_npy_unchecked(path, shape, data),
        Tensor::I64 { shape, data } => write_npy_unchecked(path, shape, data),
        Tensor::U64 { shape, data } => write_npy_unchecked(path, shape, data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits an NPY 1.0 file into (header dict text, data bytes), checking the preamble.
    fn parse(bytes: &[u8]) -> (String, &[u8]) {
        assert_eq!(&bytes[..6], MAGIC);
        assert_eq!(&bytes[6..8], &[1, 0]);
        let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + len) % 64, 0, "data must start 64-byte aligned");
        let dict = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
        assert!(dict.ends_with('\n'));
        (dict.trim_end().to_string(), &bytes[10 + len..])
    }

    #[test]
    fn a_f32_matrix_has_numpys_header_and_little_endian_row_major_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.npy");
        write_npy(&path, &[2, 3], &[1.0f32, 2.0, 3.0, 4.0, 5.0, -0.5]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let (dict, data) = parse(&bytes);
        assert_eq!(
            dict,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        );
        assert_eq!(data.len(), 24);
        assert_eq!(&data[..4], &1.0f32.to_le_bytes());
        assert_eq!(&data[20..], &(-0.5f32).to_le_bytes());
    }

    #[test]
    fn vectors_scalars_and_integer_types_get_their_descr_and_python_tuple() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.npy");
        write_npy(&path, &[3], &[10i64, -1, 7]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let (dict, data) = parse(&bytes);
        assert_eq!(
            dict,
            "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }"
        );
        assert_eq!(&data[8..16], &(-1i64).to_le_bytes());

        write_tensor_npy(&path, &Tensor::new(vec![], vec![5u32])).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let (dict, data) = parse(&bytes);
        assert_eq!(
            dict,
            "{'descr': '<u4', 'fortran_order': False, 'shape': (), }"
        );
        assert_eq!(data, &5u32.to_le_bytes());

        let header = npy_header("<u8", &[0, 4]).unwrap();
        assert!(String::from_utf8_lossy(&header).contains("'shape': (0, 4)"));
    }

    #[test]
    fn data_not_matching_the_shape_is_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.npy");
        let err = write_npy(&path, &[2, 2], &[1.0f32; 3]).unwrap_err();
        assert!(
            matches!(err, IoError::InvalidTensor { len: 3, .. }),
            "{err}"
        );
        assert!(!path.exists());
    }
}
