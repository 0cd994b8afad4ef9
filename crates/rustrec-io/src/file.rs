//! Reading and writing model files.
//!
//! # Layout
//! A model file is a [safetensors](https://github.com/huggingface/safetensors) file, so NumPy
//! and PyTorch open it as they are (`safetensors.numpy.load_file(path)` gives a dict of
//! arrays):
//!
//! ```text
//! u64 LE  n                       length of the JSON header
//! n bytes JSON header             {"__metadata__": {...}, "<tensor>": {"dtype", "shape",
//!                                  "data_offsets"}, ...}, space-padded to a multiple of 8
//! ...     tensor data             little-endian, row-major, back to back
//! ```
//!
//! `__metadata__` (a string → string map) holds:
//! - `rustrec`: the JSON [`Header`] plus `user_id_kind` and `item_id_kind` (see
//!   [`crate::format`]);
//! - `checksum` (see below);
//! - `user_ids` / `item_ids`: JSON arrays of strings, only for string ids.
//!
//! Tensors are the model's own (named by the model: `user_factors`, `item_bias`, ...) plus,
//! for integer ids, `user_ids` / `item_ids`: `i64` vectors of raw ids in dense-index order.
//!
//! # Checksum
//! `__metadata__["checksum"]` is `"xxh3-64:<16 hex digits>"`, the XXH3-64 hash (seed 0) of,
//! for each tensor in byte-wise order of names (the id tensors included): the name, a 0
//! byte, the safetensors dtype name (`F32`...), a 0 byte, the rank, each dimension and the
//! data length in bytes (each as a `u64` LE), then the data bytes; followed, for string ids,
//! by the key (`user_ids`, then `item_ids`), a 0 byte, the text length (`u64` LE) and the
//! JSON text as stored; and last the same for the header (`rustrec`, its text as stored), so
//! that an edited hyperparameter or training summary is caught like a flipped weight.
//! Reading recomputes it from the bytes in the file and refuses a mismatch. Files of format
//! version 1 kept the checksum inside the header, without the header's text.
//!
//! # Determinism
//! The writer lays out the JSON header with sorted keys and the tensors in a fixed order, so
//! a model with the same contents always gives the same bytes.
//!
//! # Atomicity
//! [`write_model`] writes a temporary file in the target's directory, syncs it, and renames it
//! over the target, so a crash never leaves a half-written model under the target's name.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rustrec_data::{IdKind, IdMap};
use safetensors::tensor::{SafeTensors, View};
use xxhash_rust::xxh3::Xxh3;

use crate::atomic::write_atomically;
use crate::error::{IoError, Result};
use crate::format::{
    FORMAT_VERSION, HEADER_KEY, Header, ITEM_IDS_KEY, MAGIC, OLDEST_SUPPORTED_VERSION, USER_IDS_KEY,
};
use crate::tensor::{DType, Element, Tensor, le_blocks, shape_matches};

/// Largest JSON header safetensors accepts.
const MAX_HEADER_LEN: u64 = 100_000_000;

/// Tensor names the container keeps for itself.
const RESERVED: [&str; 3] = [USER_IDS_KEY, ITEM_IDS_KEY, "__metadata__"];

/// Prefix of the checksum text.
const CHECKSUM_PREFIX: &str = "xxh3-64:";

/// The `__metadata__` key of the checksum (format version 2 on; version 1 kept it inside
/// the header, which it therefore could not cover).
const CHECKSUM_KEY: &str = "checksum";

/// A saved model: header, id maps and named tensors.
///
/// Models convert themselves to a `ModelFile` to be saved, and back from one when loaded,
/// using the typed accessors ([`ModelFile::f32`], [`ModelFile::take`], ...) that fail with an
/// error naming the file, the tensor and the expected type or shape.
#[derive(Clone, Debug)]
pub struct ModelFile {
    /// The model's self-description.
    pub header: Header,
    /// Raw user ids in dense-index order.
    pub user_ids: IdMap,
    /// Raw item ids in dense-index order.
    pub item_ids: IdMap,
    /// The model's tensors by name (not the id maps).
    pub tensors: BTreeMap<String, Tensor>,
    source: Option<PathBuf>,
}

impl ModelFile {
    /// A model file with no tensors yet.
    pub fn new(header: Header, user_ids: IdMap, item_ids: IdMap) -> Self {
        ModelFile {
            header,
            user_ids,
            item_ids,
            tensors: BTreeMap::new(),
            source: None,
        }
    }

    /// Adds (or replaces) a tensor. Fails if its data length does not match its shape or if
    /// the name is reserved (`user_ids`, `item_ids`, `__metadata__`).
    pub fn insert(&mut self, name: impl Into<String>, tensor: Tensor) -> Result<()> {
        let name = name.into();
        if RESERVED.contains(&name.as_str()) {
            return Err(IoError::ReservedName { name });
        }
        tensor.check(&name)?;
        self.tensors.insert(name, tensor);
        Ok(())
    }

    /// [`ModelFile::insert`], builder style.
    pub fn with(mut self, name: impl Into<String>, tensor: Tensor) -> Result<Self> {
        self.insert(name, tensor)?;
        Ok(self)
    }

    /// The file this model was read from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// The tensor called `name`.
    pub fn tensor(&self, name: &str) -> Result<&Tensor> {
        self.tensors
            .get(name)
            .ok_or_else(|| IoError::MissingTensor {
                path: self.source.clone(),
                name: name.to_string(),
                available: self.tensors.keys().cloned().collect(),
            })
    }

    /// The values of tensor `name`, checking that it holds `T` and has shape `shape`
    /// ([`crate::ANY`] matches any length).
    pub fn get<T: Element>(&self, name: &str, shape: &[usize]) -> Result<&[T]> {
        let tensor = self.tensor(name)?;
        self.check_tensor::<T>(name, tensor, shape)?;
        tensor
            .data::<T>()
            .ok_or_else(|| self.wrong_dtype::<T>(name, tensor))
    }

    /// Moves the values of tensor `name` out of the file (no copy), with the checks of
    /// [`ModelFile::get`]. On error the tensor stays in place.
    pub fn take<T: Element>(&mut self, name: &str, shape: &[usize]) -> Result<Vec<T>> {
        let tensor = self.tensor(name)?;
        self.check_tensor::<T>(name, tensor, shape)?;
        let Some(tensor) = self.tensors.remove(name) else {
            return Err(IoError::MissingTensor {
                path: self.source.clone(),
                name: name.to_string(),
                available: self.tensors.keys().cloned().collect(),
            });
        };
        match T::unwrap(tensor) {
            Ok(data) => Ok(data),
            Err(tensor) => {
                let err = self.wrong_dtype::<T>(name, &tensor);
                self.tensors.insert(name.to_string(), tensor);
                Err(err)
            }
        }
    }

    /// [`ModelFile::get`] for an `f32` tensor.
    pub fn f32(&self, name: &str, shape: &[usize]) -> Result<&[f32]> {
        self.get(name, shape)
    }

    /// [`ModelFile::get`] for a `u32` tensor.
    pub fn u32(&self, name: &str, shape: &[usize]) -> Result<&[u32]> {
        self.get(name, shape)
    }

    /// [`ModelFile::get`] for an `i64` tensor.
    pub fn i64(&self, name: &str, shape: &[usize]) -> Result<&[i64]> {
        self.get(name, shape)
    }

    /// [`ModelFile::get`] for a `u64` tensor.
    pub fn u64(&self, name: &str, shape: &[usize]) -> Result<&[u64]> {
        self.get(name, shape)
    }

    fn check_tensor<T: Element>(&self, name: &str, tensor: &Tensor, shape: &[usize]) -> Result<()> {
        if tensor.dtype() != T::DTYPE {
            return Err(self.wrong_dtype::<T>(name, tensor));
        }
        if !shape_matches(shape, tensor.shape()) {
            return Err(IoError::ShapeMismatch {
                path: self.source.clone(),
                name: name.to_string(),
                expected: shape.to_vec(),
                found: tensor.shape().to_vec(),
            });
        }
        Ok(())
    }

    fn wrong_dtype<T: Element>(&self, name: &str, tensor: &Tensor) -> IoError {
        IoError::WrongDtype {
            path: self.source.clone(),
            name: name.to_string(),
            expected: T::DTYPE,
            found: tensor.dtype(),
        }
    }
}

/// Where the bytes of a stored tensor come from.
enum Feed<'a> {
    Tensor(&'a Tensor),
    Ids(&'a [i64]),
}

/// A tensor as handed to safetensors: converted to bytes only when written.
struct Stored<'a> {
    dtype: DType,
    shape: Vec<usize>,
    feed: Feed<'a>,
}

impl Stored<'_> {
    fn for_each_le_block(&self, sink: impl FnMut(&[u8])) {
        match self.feed {
            Feed::Tensor(t) => t.for_each_le_block(sink),
            Feed::Ids(ids) => le_blocks(ids, sink),
        }
    }
}

impl View for &Stored<'_> {
    fn dtype(&self) -> safetensors::Dtype {
        self.dtype.to_safetensors()
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        let mut bytes = Vec::with_capacity(self.data_len());
        self.for_each_le_block(|b| bytes.extend_from_slice(b));
        Cow::Owned(bytes)
    }

    fn data_len(&self) -> usize {
        self.shape.iter().product::<usize>() * self.dtype.size()
    }
}

/// The running checksum of a model file (see the module docs for what is hashed).
struct Checksum(Xxh3);

impl Checksum {
    fn new() -> Self {
        Checksum(Xxh3::new())
    }

    fn tensor_prefix(&mut self, name: &str, dtype: DType, shape: &[usize], n_bytes: usize) {
        self.0.update(name.as_bytes());
        self.0.update(&[0]);
        self.0.update(dtype.name().as_bytes());
        self.0.update(&[0]);
        self.0.update(&(shape.len() as u64).to_le_bytes());
        for &d in shape {
            self.0.update(&(d as u64).to_le_bytes());
        }
        self.0.update(&(n_bytes as u64).to_le_bytes());
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn text(&mut self, key: &str, text: &str) {
        self.0.update(key.as_bytes());
        self.0.update(&[0]);
        self.0.update(&(text.len() as u64).to_le_bytes());
        self.0.update(text.as_bytes());
    }

    fn digest(&self) -> u64 {
        self.0.digest()
    }
}

fn id_kind_name(kind: IdKind) -> &'static str {
    match kind {
        IdKind::Int => "int",
        IdKind::Str => "str",
    }
}

/// The JSON text of string ids (`None` for integer ids).
fn str_ids_json(ids: &IdMap) -> Result<Option<String>, serde_json::Error> {
    match ids.str_ids() {
        Some(ids) => serde_json::to_string(ids).map(Some),
        None => Ok(None),
    }
}

/// Writes `file` to `path` atomically (temporary file, fsync, rename).
///
/// The header's `format` and `format_version` are always written as [`MAGIC`] and
/// [`FORMAT_VERSION`]. Fails if the header's `n_users` / `n_items` differ from the id maps or
/// if a tensor is invalid.
pub fn write_model(path: impl AsRef<Path>, file: &ModelFile) -> Result<()> {
    let path = path.as_ref();
    let inconsistent = |reason: String| IoError::Inconsistent {
        path: path.to_path_buf(),
        reason,
    };
    for (what, declared, actual) in [
        ("n_users", file.header.n_users, file.user_ids.len()),
        ("n_items", file.header.n_items, file.item_ids.len()),
    ] {
        if declared != actual {
            return Err(inconsistent(format!(
                "header {what} is {declared} but the id map holds {actual} ids"
            )));
        }
    }

    let mut stored: BTreeMap<&str, Stored<'_>> = BTreeMap::new();
    for (name, tensor) in &file.tensors {
        if RESERVED.contains(&name.as_str()) {
            return Err(IoError::ReservedName { name: name.clone() });
        }
        tensor.check(name)?;
        stored.insert(
            name,
            Stored {
                dtype: tensor.dtype(),
                shape: tensor.shape().to_vec(),
                feed: Feed::Tensor(tensor),
            },
        );
    }
    let mut metadata = BTreeMap::new();
    let mut id_texts = Vec::new();
    for (key, ids) in [
        (USER_IDS_KEY, &file.user_ids),
        (ITEM_IDS_KEY, &file.item_ids),
    ] {
        if let Some(int_ids) = ids.int_ids() {
            stored.insert(
                key,
                Stored {
                    dtype: DType::I64,
                    shape: vec![int_ids.len()],
                    feed: Feed::Ids(int_ids),
                },
            );
        } else if let Some(text) =
            str_ids_json(ids).map_err(|e| inconsistent(format!("{key}: {e}")))?
        {
            id_texts.push((key, text.clone()));
            metadata.insert(key.to_string(), text);
        }
    }

    let mut header =
        serde_json::to_value(&file.header).map_err(|e| inconsistent(format!("header: {e}")))?;
    if let Some(obj) = header.as_object_mut() {
        obj.insert("format".into(), MAGIC.into());
        obj.insert("format_version".into(), FORMAT_VERSION.into());
        obj.insert(
            "user_id_kind".into(),
            id_kind_name(file.user_ids.kind()).into(),
        );
        obj.insert(
            "item_id_kind".into(),
            id_kind_name(file.item_ids.kind()).into(),
        );
    }
    let header_text = header.to_string();

    let mut checksum = Checksum::new();
    for (name, s) in &stored {
        checksum.tensor_prefix(name, s.dtype, &s.shape, (&s).data_len());
        s.for_each_le_block(|b| checksum.bytes(b));
    }
    for (key, text) in &id_texts {
        checksum.text(key, text);
    }
    checksum.text(HEADER_KEY, &header_text);
    metadata.insert(HEADER_KEY.to_string(), header_text);
    metadata.insert(
        CHECKSUM_KEY.to_string(),
        format!("{CHECKSUM_PREFIX}{:016x}", checksum.digest()),
    );

    write_atomically(path, |_, out| {
        write_safetensors(out, &stored, &metadata).map_err(|e| IoError::io(path, e))
    })
}

/// Writes the safetensors layout: the header length, the JSON header (metadata and tensor
/// table, keys in sorted order so that the same model always gives the same bytes,
/// space-padded to a multiple of 8), then the tensor data, 8-byte types first (as the
/// safetensors crate orders them, keeping every tensor aligned), then by name.
fn write_safetensors(
    out: &mut File,
    stored: &BTreeMap<&str, Stored<'_>>,
    metadata: &BTreeMap<String, String>,
) -> std::io::Result<()> {
    let mut order: Vec<(&str, &Stored<'_>)> = stored.iter().map(|(k, v)| (*k, v)).collect();
    order.sort_by(|(a, x), (b, y)| y.dtype.size().cmp(&x.dtype.size()).then(a.cmp(b)));
    let mut table = serde_json::Map::new();
    table.insert("__metadata__".into(), serde_json::json!(metadata));
    let mut offset = 0usize;
    for (name, s) in &order {
        let len = (&**s).data_len();
        table.insert(
            name.to_string(),
            serde_json::json!({
                "dtype": s.dtype.name(),
                "shape": s.shape,
                "data_offsets": [offset, offset + len],
            }),
        );
        offset += len;
    }
    let mut text = serde_json::Value::Object(table).to_string().into_bytes();
    text.resize(text.len().next_multiple_of(8), b' ');
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    w.write_all(&(text.len() as u64).to_le_bytes())?;
    w.write_all(&text)?;
    for (_, s) in &order {
        let mut result = Ok(());
        s.for_each_le_block(|b| {
            if result.is_ok() {
                result = w.write_all(b);
            }
        });
        result?;
    }
    w.flush()
}

/// What the JSON header of a file says, checked up to the format version.
struct Prefix {
    /// Length of the JSON header in bytes.
    header_len: usize,
    /// The header's JSON text, when the checksum covers it (format version 2 on).
    header_text: Option<String>,
    /// The safetensors `__metadata__` map.
    metadata: HashMap<String, String>,
    header: Header,
    user_kind: IdKind,
    item_kind: IdKind,
    checksum: String,
    /// Bytes of tensor data the header describes (`None` if it could not be worked out).
    data_len: Option<u64>,
}

/// Parses and checks the safetensors header at the start of `bytes` (the whole file, or at
/// least its first `8 + n` bytes).
fn parse_prefix(path: &Path, bytes: &[u8]) -> Result<Prefix> {
    let not_model = |reason: String| IoError::not_a_model(path, reason);
    let Some(len_bytes) = bytes.first_chunk::<8>() else {
        return Err(not_model(format!(
            "the file has {} bytes, fewer than the 8-byte header length of a safetensors file",
            bytes.len()
        )));
    };
    let n = u64::from_le_bytes(*len_bytes);
    let rest = &bytes[8..];
    let looks_ours = |text: &[u8]| text.windows(MAGIC.len()).any(|w| w == MAGIC.as_bytes());
    if n > MAX_HEADER_LEN {
        return Err(not_model(format!(
            "the first 8 bytes give an implausible safetensors header length of {n}"
        )));
    }
    let n = n as usize;
    let Some(text) = rest.get(..n) else {
        return Err(if looks_ours(rest) {
            IoError::corrupt(
                path,
                format!(
                    "truncated inside the header: it declares {n} header bytes but only {} follow",
                    rest.len()
                ),
            )
        } else {
            not_model(format!(
                "the safetensors header length {n} exceeds the {} bytes that follow",
                rest.len()
            ))
        });
    };
    let damaged = |reason: String| {
        if looks_ours(text) {
            IoError::corrupt(path, reason)
        } else {
            not_model(reason)
        }
    };
    let text = std::str::from_utf8(text)
        .map_err(|e| damaged(format!("the safetensors header is not UTF-8: {e}")))?;
    let outer: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| damaged(format!("the safetensors header is not JSON: {e}")))?;
    let Some(outer) = outer.as_object() else {
        return Err(damaged(
            "the safetensors header is not a JSON object".into(),
        ));
    };
    let metadata: HashMap<String, String> = match outer.get("__metadata__") {
        None => HashMap::new(),
        Some(m) => serde_json::from_value(m.clone())
            .map_err(|e| damaged(format!("`__metadata__` is not a string map: {e}")))?,
    };
    let Some(header_text) = metadata.get(HEADER_KEY) else {
        return Err(not_model(format!(
            "a safetensors file without a `{HEADER_KEY}` entry in `__metadata__`; \
             was it written by another program?"
        )));
    };
    let header_value: serde_json::Value = serde_json::from_str(header_text)
        .map_err(|e| IoError::corrupt(path, format!("the rustrec header is not JSON: {e}")))?;
    let Some(fields) = header_value.as_object() else {
        return Err(IoError::corrupt(
            path,
            "the rustrec header is not a JSON object",
        ));
    };
    match fields.get("format").and_then(|f| f.as_str()) {
        Some(MAGIC) => {}
        other => {
            return Err(not_model(format!(
                "its header's format is {other:?}, expected {MAGIC:?}"
            )));
        }
    }
    let found = fields
        .get("format_version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| IoError::corrupt(path, "the header has no integer `format_version`"))?;
    if !(OLDEST_SUPPORTED_VERSION as u64..=FORMAT_VERSION as u64).contains(&found) {
        return Err(IoError::IncompatibleVersion {
            path: path.to_path_buf(),
            found: u32::try_from(found).unwrap_or(u32::MAX),
            oldest_supported: OLDEST_SUPPORTED_VERSION,
            newest_supported: FORMAT_VERSION,
        });
    }

    let mut fields = fields.clone();
    let mut take_str = |key: &str| -> Result<String> {
        match fields.remove(key) {
            Some(serde_json::Value::String(s)) => Ok(s),
            other => Err(IoError::corrupt(
                path,
                format!("header field `{key}` should be a string, found {other:?}"),
            )),
        }
    };
    // Version 1 kept the checksum in the header (covering tensors and ids only); from
    // version 2 it sits beside the header and covers the header's text too.
    let checksum = if found == 1 {
        take_str("checksum")?
    } else {
        metadata.get(CHECKSUM_KEY).cloned().ok_or_else(|| {
            IoError::corrupt(path, format!("no `{CHECKSUM_KEY}` entry in `__metadata__`"))
        })?
    };
    let header_text = header_text.clone();
    let mut kind = |key: &str| -> Result<IdKind> {
        match take_str(key)?.as_str() {
            "int" => Ok(IdKind::Int),
            "str" => Ok(IdKind::Str),
            other => Err(IoError::corrupt(
                path,
                format!("header field `{key}` is {other:?}, expected \"int\" or \"str\""),
            )),
        }
    };
    let user_kind = kind("user_id_kind")?;
    let item_kind = kind("item_id_kind")?;
    let header: Header = serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|e| IoError::corrupt(path, format!("header: {e}")))?;

    let data_len = outer
        .iter()
        .filter(|(k, _)| k.as_str() != "__metadata__")
        .map(|(_, v)| v.get("data_offsets")?.get(1)?.as_u64())
        .try_fold(0u64, |acc, end| end.map(|e| acc.max(e)));

    Ok(Prefix {
        header_len: n,
        header_text: (found >= 2).then_some(header_text),
        metadata,
        header,
        user_kind,
        item_kind,
        checksum,
        data_len,
    })
}

/// Reads only the header of a model file (cheap: tensor data is not read or verified).
pub fn read_header(path: impl AsRef<Path>) -> Result<Header> {
    let path = path.as_ref();
    let mut file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(8)
        .read_to_end(&mut bytes)
        .map_err(|e| IoError::io(path, e))?;
    if let Some(len) = bytes.first_chunk::<8>() {
        let n = u64::from_le_bytes(*len).min(MAX_HEADER_LEN + 1);
        file.take(n)
            .read_to_end(&mut bytes)
            .map_err(|e| IoError::io(path, e))?;
    }
    Ok(parse_prefix(path, &bytes)?.header)
}

/// Reads a model file, checking magic, format version, layout and checksum.
pub fn read_model(path: impl AsRef<Path>) -> Result<ModelFile> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| IoError::io(path, e))?;
    let mut prefix = parse_prefix(path, &bytes)?;

    if let Some(data_len) = prefix.data_len {
        let expected = 8 + prefix.header_len as u64 + data_len;
        let actual = bytes.len() as u64;
        if actual < expected {
            return Err(IoError::corrupt(
                path,
                format!("truncated: the header describes {expected} bytes, the file has {actual}"),
            ));
        }
        if actual > expected {
            return Err(IoError::corrupt(
                path,
                format!(
                    "{} unexpected bytes after the tensor data (the header describes {expected})",
                    actual - expected
                ),
            ));
        }
    }
    let st = SafeTensors::deserialize(&bytes)
        .map_err(|e| IoError::corrupt(path, format!("safetensors layout: {e}")))?;

    let mut names = st.names();
    names.sort_unstable();
    let mut checksum = Checksum::new();
    let mut tensors = BTreeMap::new();
    for name in names {
        let view = st
            .tensor(name)
            .map_err(|e| IoError::corrupt(path, e.to_string()))?;
        let dtype = DType::from_safetensors(view.dtype()).ok_or_else(|| {
            IoError::corrupt(
                path,
                format!(
                    "tensor `{name}` has dtype {:?}, which rustrec does not use",
                    view.dtype()
                ),
            )
        })?;
        let shape = view.shape().to_vec();
        checksum.tensor_prefix(name, dtype, &shape, view.data().len());
        checksum.bytes(view.data());
        let data = view.data();
        let tensor = match dtype {
            DType::F32 => Tensor::new(shape, f32::decode_le(data)),
            DType::U32 => Tensor::new(shape, u32::decode_le(data)),
            DType::I64 => Tensor::new(shape, i64::decode_le(data)),
            DType::U64 => Tensor::new(shape, u64::decode_le(data)),
        };
        tensors.insert(name.to_string(), tensor);
    }
    let mut id_texts = Vec::new();
    for (key, kind) in [
        (USER_IDS_KEY, prefix.user_kind),
        (ITEM_IDS_KEY, prefix.item_kind),
    ] {
        if kind == IdKind::Str {
            let text = prefix.metadata.remove(key).ok_or_else(|| {
                IoError::corrupt(
                    path,
                    format!("string ids `{key}` missing from __metadata__"),
                )
            })?;
            checksum.text(key, &text);
            id_texts.push(text);
        }
    }
    if let Some(text) = &prefix.header_text {
        checksum.text(HEADER_KEY, text);
    }
    let computed = checksum.digest();
    let stored = prefix
        .checksum
        .strip_prefix(CHECKSUM_PREFIX)
        .and_then(|hex| u64::from_str_radix(hex, 16).ok());
    if stored != Some(computed) {
        return Err(IoError::ChecksumMismatch {
            path: path.to_path_buf(),
            stored: prefix.checksum,
            computed,
        });
    }

    let mut id_texts = id_texts.into_iter();
    let mut id_map =
        |key: &str, kind: IdKind, expected: usize| -> Result<IdMap> {
            let map = match kind {
            IdKind::Int => match tensors.remove(key) {
                Some(Tensor::I64 { shape, data }) if shape.len() == 1 => IdMap::from_ints(data),
                Some(other) => {
                    return Err(IoError::corrupt(
                        path,
                        format!(
                            "id tensor `{key}` should be a 1-d i64 tensor, found {} of shape {}",
                            other.dtype(),
                            crate::error::show_shape(other.shape())
                        ),
                    ));
                }
                None => {
                    return Err(IoError::corrupt(path, format!("id tensor `{key}` missing")));
                }
            },
            IdKind::Str => {
                let text = id_texts.next().unwrap_or_default();
                let ids: Vec<String> = serde_json::from_str(&text).map_err(|e| {
                    IoError::corrupt(path, format!("string ids `{key}` are not a JSON array: {e}"))
                })?;
                IdMap::from_strs(ids)
            }
        }
        .map_err(|e| IoError::corrupt(path, format!("{key}: {e}")))?;
            if map.len() != expected {
                return Err(IoError::corrupt(
                    path,
                    format!(
                        "{key} holds {} ids but the header says {expected}",
                        map.len()
                    ),
                ));
            }
            Ok(map)
        };
    let user_ids = id_map(USER_IDS_KEY, prefix.user_kind, prefix.header.n_users)?;
    let item_ids = id_map(ITEM_IDS_KEY, prefix.item_kind, prefix.header.n_items)?;

    Ok(ModelFile {
        header: prefix.header,
        user_ids,
        item_ids,
        tensors,
        source: Some(path.to_path_buf()),
    })
}
