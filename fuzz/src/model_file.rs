//! Targets `model_file` and `model_file_structured`: the model-file loader.
//!
//! - [`run_bytes`] writes arbitrary bytes to a file and loads it as a model
//!   (`rustrec_io::read_header`, `rustrec_io::read_model`, then `TrainedModel::from_file`).
//!   Its seeds are the committed model fixtures, but the checksum stops most mutations of
//!   a valid file early.
//! - [`run_structured`] starts from one of the committed model fixtures of every family
//!   and schema version ([`FIXTURES`]), applies mutations that the input describes (values,
//!   shapes, types, missing or renamed tensors, id maps, hyperparameters, kind, schema
//!   version: see [`mutate`]) and loads the result, either directly (`from_file`) or
//!   through a file written by `write_model` (so with a valid checksum).
//!
//! A model that loads must be usable: [`exercise`] scores, predicts and recommends for
//! its first users, folds in a new user when the family can, and saves and reloads it.
//! Errors must not quote raw control characters.

use std::cell::OnceCell;

use rustrec::data::{IdMap, ItemIdx, UserIdx};
use rustrec::io::{ModelFile, Tensor, read_header, read_model, write_model};
use rustrec::models::{Exclusion, LoadedModel, Recommender, TrainedModel};

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!(
                "../../crates/rustrec-models/tests/fixtures/",
                $name,
                ".safetensors"
            )),
        )
    };
}

/// The model fixtures of `crates/rustrec-models/tests/fixtures` (one per family and schema
/// version), embedded so that the target needs no files.
pub const FIXTURES: [(&str, &[u8]); 17] = [
    fixture!("als-v1"),
    fixture!("als-v2"),
    fixture!("asysvd-v1"),
    fixture!("bpr-v1"),
    fixture!("bpr-v2"),
    fixture!("ease-v1"),
    fixture!("hybrid-v1"),
    fixture!("ials-v1"),
    fixture!("ials-v2"),
    fixture!("item-knn-cbf-v1"),
    fixture!("item-knn-v1"),
    fixture!("mf-clip-v2"),
    fixture!("mf-v1"),
    fixture!("mf-v2"),
    fixture!("random-v1"),
    fixture!("slim-mse-v1"),
    fixture!("top-pop-v1"),
];

/// Loads arbitrary bytes as a model file (target `model_file`).
pub fn run_bytes(data: &[u8]) {
    let path = crate::scratch::write("model.safetensors", data);
    if let Err(e) = read_header(&path) {
        crate::check::clean_message("read_header", &e.to_string());
    }
    let file = match read_model(&path) {
        Ok(file) => file,
        Err(e) => {
            crate::check::clean_message("read_model", &e.to_string());
            return;
        }
    };
    assert_eq!(file.header.n_users, file.user_ids.len());
    assert_eq!(file.header.n_items, file.item_ids.len());
    load(file);
}

/// Loads a mutated model fixture (target `model_file_structured`).
pub fn run_structured(data: &[u8]) {
    let mut input = Bytes(data);
    let pick = input.byte() as usize;
    let through_file = pick & 0x80 != 0;
    let Some(mut file) = fixture_file(pick % FIXTURES.len()) else {
        return;
    };
    mutate(&mut file, &mut input);
    if through_file {
        let path = crate::scratch::write("structured.safetensors", b"");
        match write_model(&path, &file) {
            Ok(()) => match TrainedModel::load(&path) {
                Ok(loaded) => exercise(&loaded),
                Err(e) => crate::check::clean_message("load", &e.to_string()),
            },
            Err(e) => crate::check::clean_message("write_model", &e.to_string()),
        }
    } else {
        load(file);
    }
}

/// `TrainedModel::from_file`, then [`exercise`] on success.
fn load(file: ModelFile) {
    match TrainedModel::from_file(file) {
        Ok(loaded) => exercise(&loaded),
        Err(e) => crate::check::clean_message("from_file", &e.to_string()),
    }
}

/// Uses a loaded model as the commands do; nothing may panic.
pub fn exercise(loaded: &LoadedModel) {
    let model = &loaded.model;
    let (n_users, n_items) = (model.n_users(), model.n_items());
    assert_eq!(n_users, model.user_ids().len());
    assert_eq!(n_items, model.item_ids().len());
    if let Some(seen) = &loaded.seen {
        assert_eq!((seen.n_users(), seen.n_items()), (n_users, n_items));
    }
    let mut scores = vec![0f32; n_items];
    for u in 0..n_users.min(4) {
        let user = UserIdx(u as u32);
        model.score_into(user, &mut scores);
        if n_items > 0 {
            model.predict(user, ItemIdx(n_items as u32 - 1));
        }
        let exclusion = match &loaded.seen {
            Some(seen) => Exclusion::seen(seen),
            None => Exclusion::none(),
        };
        let recs = model.recommend(user, 3, &exclusion);
        assert!(recs.len() <= 3.min(n_items));
        assert!(recs.iter().all(|(i, _)| i.index() < n_items));
    }
    model.predict_raw("no such user", "no such item");
    if let Some(fold_in) = model.as_fold_in()
        && n_items > 0
    {
        let value = model.rating_range().map_or(1.0, |[lo, _]| lo);
        fold_in.score_profile(&[(ItemIdx(0), value)], &mut scores);
    }
    // A model that loads can be saved again, and loads back.
    match model.to_model_file() {
        Ok(file) => {
            if let Err(e) = TrainedModel::from_file(file) {
                panic!("a loaded model saved back does not load: {e}");
            }
        }
        Err(e) => panic!("a loaded model cannot be saved back: {e}"),
    }
}

/// The fixture `k`, read as a [`ModelFile`] (cached per thread).
fn fixture_file(k: usize) -> Option<ModelFile> {
    thread_local! {
        static FILES: OnceCell<Vec<Option<ModelFile>>> = const { OnceCell::new() };
    }
    FILES.with(|files| {
        files
            .get_or_init(|| {
                FIXTURES
                    .iter()
                    .map(|(name, bytes)| {
                        let path = crate::scratch::write(&format!("{name}.safetensors"), bytes);
                        read_model(&path).ok()
                    })
                    .collect()
            })
            .get(k)
            .cloned()
            .flatten()
    })
}

/// The fuzz input, consumed a few bytes at a time (zeros once it runs out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// An index below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (u16::from_le_bytes([self.byte(), self.byte()]) as usize) % n
        }
    }
}

/// Values that tend to break things.
const SPECIAL_F32: [f32; 8] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    0.0,
    -1.0,
    1e30,
    f32::MIN_POSITIVE,
    f32::MAX,
];
const SPECIAL_INT: [u64; 7] = [0, 1, 2, 7, u32::MAX as u64, i64::MAX as u64, u64::MAX];

/// Applies the mutations the input describes, one per step until the input runs out (at
/// most 16).
fn mutate(file: &mut ModelFile, input: &mut Bytes<'_>) {
    for _ in 0..16 {
        if input.is_empty() {
            break;
        }
        let names: Vec<String> = file.tensors.keys().cloned().collect();
        let op = input.byte() % 12;
        let name = names.get(input.below(names.len())).cloned();
        match (op, name) {
            // One element: any bits, or a special value.
            (0, Some(name)) => {
                let (at, bits) = (input.below(1 << 16), input.u32());
                if let Some(t) = file.tensors.get_mut(&name) {
                    set_element(t, at, bits);
                }
            }
            (1, Some(name)) => {
                let (at, which) = (input.below(1 << 16), input.byte() as usize);
                if let Some(t) = file.tensors.get_mut(&name) {
                    set_special(t, at, which);
                }
            }
            // Every element special.
            (2, Some(name)) => {
                let which = input.byte() as usize;
                if let Some(t) = file.tensors.get_mut(&name) {
                    for at in 0..t.len() {
                        set_special(t, at, which);
                    }
                }
            }
            // A new length for one dimension (data cut or padded with zeros).
            (3, Some(name)) => {
                let (dim, len) = (input.byte() as usize, input.byte() as usize % 40);
                if let Some(t) = file.tensors.get_mut(&name) {
                    reshape(t, dim, len);
                }
            }
            (4, Some(name)) => {
                file.tensors.remove(&name);
            }
            // Another element type, values converted.
            (5, Some(name)) => {
                let to = input.byte() % 4;
                if let Some(t) = file.tensors.remove(&name) {
                    file.tensors.insert(name, convert(t, to));
                }
            }
            // Renamed, to another tensor's name or to one of the registry's.
            (6, Some(name)) => {
                let others = ["seen_indptr", "seen_items", "user_ids", "item_ids"];
                let to = match names.get(input.below(names.len() + others.len())) {
                    Some(n) => n.clone(),
                    None => others[input.below(others.len())].to_string(),
                };
                if let Some(t) = file.tensors.remove(&name) {
                    file.tensors.insert(to, t);
                }
            }
            // One id more or one fewer, the header following.
            (7, _) => {
                let users = input.byte() & 1 == 0;
                let grow = input.byte() & 1 == 0;
                let ids = if users {
                    &mut file.user_ids
                } else {
                    &mut file.item_ids
                };
                *ids = resize_ids(ids, grow);
                file.header.n_users = file.user_ids.len();
                file.header.n_items = file.item_ids.len();
            }
            // A hyperparameter set to an odd value.
            (8, _) => {
                let value = odd_json(input.byte());
                if let Some(params) = file.header.params.as_object_mut() {
                    let keys: Vec<String> = params.keys().cloned().collect();
                    if let Some(key) = keys.get(input.below(keys.len())) {
                        params.insert(key.clone(), value);
                    }
                }
            }
            (9, _) => file.header.schema_version = u32::from(input.byte() % 4),
            // Another family's kind on this file.
            (10, _) => {
                let kinds = [
                    "mf",
                    "bpr",
                    "als",
                    "ials",
                    "ease",
                    "slim-mse",
                    "item-knn",
                    "item-knn-cbf",
                    "hybrid",
                    "asysvd",
                    "top-pop",
                    "random",
                ];
                file.header.kind = kinds[input.below(kinds.len())].to_string();
            }
            // Stored seen items, small and arbitrary.
            (11, _) => {
                let n = file.user_ids.len() + 1;
                let indptr: Vec<u64> = (0..n).map(|_| u64::from(input.byte() % 8)).collect();
                let items: Vec<u32> = (0..input.byte() % 8)
                    .map(|_| u32::from(input.byte() % 16))
                    .collect();
                file.tensors
                    .insert("seen_indptr".into(), Tensor::vector(indptr));
                file.tensors
                    .insert("seen_items".into(), Tensor::vector(items));
            }
            _ => {}
        }
    }
}

fn set_element(t: &mut Tensor, at: usize, bits: u32) {
    match t {
        Tensor::F32 { data, .. } if !data.is_empty() => {
            let k = at % data.len();
            data[k] = f32::from_bits(bits);
        }
        Tensor::U32 { data, .. } if !data.is_empty() => {
            let k = at % data.len();
            data[k] = bits;
        }
        Tensor::I64 { data, .. } if !data.is_empty() => {
            let k = at % data.len();
            data[k] = i64::from(bits as i32);
        }
        Tensor::U64 { data, .. } if !data.is_empty() => {
            let k = at % data.len();
            data[k] = u64::from(bits);
        }
        _ => {}
    }
}

fn set_special(t: &mut Tensor, at: usize, which: usize) {
    let int = SPECIAL_INT[which % SPECIAL_INT.len()];
    match t {
        Tensor::F32 { data, .. } if !data.is_empty() => {
            let k = at % data.len();
            data[k] = SPECIAL_F32[which % SPECIAL_F32.len()];
        }
        Tensor::U32 { data, .. } if !data.is_empty() => {
            let k = at % data.len();
            data[k] = int as u32;
        }
        Tensor::I64 { data, .. } if !data.is_empty() => {
            let k = at % data.len();
            data[k] = int as i64;
        }
        Tensor::U64 { data, .. } if !data.is_empty() => {
            let k = at % data.len();
            data[k] = int;
        }
        _ => {}
    }
}

/// Sets dimension `dim` (mod the rank) to `len`, cutting or zero-padding the data so that
/// the tensor stays consistent (as a file written by some other program would be).
fn reshape(t: &mut Tensor, dim: usize, len: usize) {
    fn apply<T: Clone + Default>(
        shape: &mut Vec<usize>,
        data: &mut Vec<T>,
        dim: usize,
        len: usize,
    ) {
        if shape.is_empty() {
            shape.push(data.len());
        }
        let d = dim % shape.len();
        shape[d] = len;
        let total = shape.iter().product::<usize>();
        data.resize(total, T::default());
    }
    match t {
        Tensor::F32 { shape, data } => apply(shape, data, dim, len),
        Tensor::U32 { shape, data } => apply(shape, data, dim, len),
        Tensor::I64 { shape, data } => apply(shape, data, dim, len),
        Tensor::U64 { shape, data } => apply(shape, data, dim, len),
    }
}

/// The tensor with its values converted to type `to` (0 f32, 1 u32, 2 i64, 3 u64).
fn convert(t: Tensor, to: u8) -> Tensor {
    let shape = t.shape().to_vec();
    let values: Vec<f64> = match &t {
        Tensor::F32 { data, .. } => data.iter().map(|&v| f64::from(v)).collect(),
        Tensor::U32 { data, .. } => data.iter().map(|&v| f64::from(v)).collect(),
        Tensor::I64 { data, .. } => data.iter().map(|&v| v as f64).collect(),
        Tensor::U64 { data, .. } => data.iter().map(|&v| v as f64).collect(),
    };
    match to {
        0 => Tensor::new(shape, values.iter().map(|&v| v as f32).collect::<Vec<_>>()),
        1 => Tensor::new(shape, values.iter().map(|&v| v as u32).collect::<Vec<_>>()),
        2 => Tensor::new(shape, values.iter().map(|&v| v as i64).collect::<Vec<_>>()),
        _ => Tensor::new(shape, values.iter().map(|&v| v as u64).collect::<Vec<_>>()),
    }
}

/// The id map with one more id (a new one) or without its last id.
fn resize_ids(ids: &IdMap, grow: bool) -> IdMap {
    let mut texts = ids.to_strings();
    if grow {
        texts.push(format!("{}", 1_000_000 + texts.len()));
    } else {
        texts.pop();
    }
    match ids.int_ids() {
        Some(_) => IdMap::from_ints(texts.iter().filter_map(|t| t.parse::<i64>().ok()))
            .unwrap_or_else(|_| ids.clone()),
        None => IdMap::from_strs(&texts).unwrap_or_else(|_| ids.clone()),
    }
}

/// A JSON value chosen by `which`, among the ones a hand-edited file might hold.
fn odd_json(which: u8) -> serde_json::Value {
    match which % 12 {
        0 => 0.into(),
        1 => (-1).into(),
        2 => 1e30.into(),
        3 => u64::MAX.into(),
        4 => i64::MIN.into(),
        5 => 1e-30.into(),
        6 => "text".into(),
        7 => serde_json::Value::Null,
        8 => true.into(),
        9 => serde_json::json!([1, 2]),
        10 => serde_json::json!({"a": 1}),
        _ => 1_000_000_000.into(),
    }
}
