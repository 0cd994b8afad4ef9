//! Conversions between numpy / Python values and the library's types: CSR arrays,
//! id maps, index lists.

use std::sync::Arc;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyIndexError, PyOverflowError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use rustrec::data::{IdMap, Interactions};
use rustrec::models::Threads;

use crate::error::{data_error, value_error};

/// The pool of `threads` workers (0 = one per core), given as the argument `what`
/// (`threads`, `num_threads`): any Python integer ≥ 0.
///
/// The library refuses a count past its limit ([`Threads::new`]: "threads = N: at most
/// ..."). A count too large for this machine's integers is past that limit as well: it is
/// refused with the library's words rather than pyo3's bare `OverflowError`. Either
/// message names `what` and the value as given.
pub fn pool(what: &str, threads: &Bound<'_, PyAny>) -> PyResult<Threads> {
    let given = threads.str()?.to_string();
    let count = match threads.extract::<usize>() {
        Ok(n) => n,
        Err(e) if e.is_instance_of::<PyOverflowError>(threads.py()) => {
            if !threads.gt(0)? {
                return Err(PyValueError::new_err(format!(
                    "{what} = {given}: expected a whole number ≥ 0 (0 = one per core)"
                )));
            }
            usize::MAX
        }
        Err(e) => return Err(e),
    };
    Threads::new(count).map_err(|e| {
        // The library names its own argument and the count it saw.
        let msg = e.to_string();
        match msg.split_once(": ") {
            Some((head, rest)) if head.starts_with("threads = ") => {
                value_error(format!("{what} = {given}: {rest}"))
            }
            _ => value_error(msg),
        }
    })
}

/// Raw ids handed over from Python: integers (a numpy integer array) or strings.
#[derive(FromPyObject)]
pub enum RawIds<'py> {
    /// Integer ids.
    Ints(PyReadonlyArray1<'py, i64>),
    /// String ids.
    Strs(Vec<String>),
}

/// An id map from raw ids in index order (`None`: the identity map `0..n`).
pub fn id_map(ids: Option<RawIds<'_>>, n: usize, what: &str) -> PyResult<IdMap> {
    let map = match ids {
        None => IdMap::identity(n),
        Some(RawIds::Ints(a)) => {
            IdMap::from_ints(a.as_array().iter().copied()).map_err(data_error)?
        }
        Some(RawIds::Strs(s)) => IdMap::from_strs(&s).map_err(data_error)?,
    };
    if map.len() != n {
        return Err(PyValueError::new_err(format!(
            "{what}: {} ids for {n} {what}",
            map.len()
        )));
    }
    Ok(map)
}

/// The raw ids of a map in index order: an `int64` array, or a list of `str`.
pub fn ids_to_py<'py>(py: Python<'py>, map: &IdMap) -> PyResult<Bound<'py, PyAny>> {
    match map.int_ids() {
        Some(ints) => Ok(PyArray1::from_slice(py, ints).into_any()),
        None => Ok(PyList::new(py, map.to_strings())?.into_any()),
    }
}

/// CSR arrays (`indptr` int64, `indices` int32, `data` float32, rows strictly increasing
/// within each row: scipy's canonical format) as owned vectors, checked against
/// `n_cols`.
pub struct CsrArrays {
    /// Row offsets.
    pub indptr: Vec<usize>,
    /// Column indices.
    pub indices: Vec<u32>,
    /// Values.
    pub data: Vec<f32>,
}

impl CsrArrays {
    /// Copies and checks the arrays (`what` names the argument in errors).
    pub fn new(
        indptr: &PyReadonlyArray1<'_, i64>,
        indices: &PyReadonlyArray1<'_, i32>,
        data: &PyReadonlyArray1<'_, f32>,
        n_cols: usize,
        what: &str,
    ) -> PyResult<Self> {
        let indptr = indptr.as_array();
        let indices = indices.as_array();
        let data = data.as_array();
        if indptr.is_empty() || indptr[0] != 0 {
            return Err(PyValueError::new_err(format!(
                "{what}: indptr must start at 0"
            )));
        }
        let nnz = indices.len();
        if data.len() != nnz || indptr[indptr.len() - 1] as usize != nnz {
            return Err(PyValueError::new_err(format!(
                "{what}: {} indices, {} values and indptr ending at {}",
                nnz,
                data.len(),
                indptr[indptr.len() - 1]
            )));
        }
        let mut ptr = Vec::with_capacity(indptr.len());
        for w in indptr.windows(2) {
            if w[1] < w[0] {
                return Err(PyValueError::new_err(format!("{what}: indptr decreases")));
            }
        }
        ptr.extend(indptr.iter().map(|&p| p as usize));
        let mut idx = Vec::with_capacity(nnz);
        for &i in indices.iter() {
            if i < 0 || i as usize >= n_cols {
                return Err(PyIndexError::new_err(format!(
                    "{what}: column index {i} outside 0..{n_cols}"
                )));
            }
            idx.push(i as u32);
        }
        for r in 0..ptr.len() - 1 {
            for k in ptr[r]..ptr[r + 1] {
                check_finite(data[k], what, || format!("row {r}, column {}", idx[k]))?;
            }
            if idx[ptr[r]..ptr[r + 1]].windows(2).any(|w| w[0] >= w[1]) {
                return Err(PyValueError::new_err(format!(
                    "{what}: row {r} has unsorted or repeated column indices \
                     (call sum_duplicates() / sort_indices() on the matrix)"
                )));
            }
        }
        Ok(CsrArrays {
            indptr: ptr,
            indices: idx,
            data: data.iter().copied().collect(),
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Row `r`: its column indices and values.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }

    /// The matrix as [`Interactions`] over the given id maps.
    pub fn into_interactions(self, users: Arc<IdMap>, items: Arc<IdMap>) -> PyResult<Interactions> {
        Interactions::from_csr(users, items, self.indptr, self.indices, self.data, None)
            .map_err(data_error)
    }
}

/// Refuses a value that is not a finite number (NaN, ±inf): a `ValueError` naming the
/// argument `what`, the position (`at`, such as `row 3, column 7`) and the value. Every
/// value that reaches a model passes here: NaN would be counted as an interaction by the
/// models that only look at which entries exist, and make the others diverge.
pub fn check_finite(v: f32, what: &str, at: impl FnOnce() -> String) -> PyResult<()> {
    if v.is_finite() {
        return Ok(());
    }
    Err(PyValueError::new_err(format!(
        "{what}: {} has the value {}; values must be finite numbers (not NaN or ±inf)",
        at(),
        as_python_writes(v)
    )))
}

/// `v` as Python writes a float: `nan` for NaN (Rust writes `NaN`), `inf`, `-inf`, `0.5`.
pub fn as_python_writes(v: f32) -> String {
    if v.is_nan() {
        "nan".into()
    } else {
        v.to_string()
    }
}

/// Index spaces made from integer indices (`fit(users, items, ratings)` with integer
/// arrays, new indices in `partial_fit_users` / `partial_fit_items`) are dense: the
/// largest index `m` makes `m + 1` users or items, every one of them allocated. An index
/// space may hold at most `max(INDEX_SLOTS_FLOOR, INDEX_SLOTS_PER_INTERACTION ×
/// interactions)` slots, and never more than `u32::MAX`; anything larger is refused before
/// anything is allocated: it is the mark of raw ids passed as indices.
pub const INDEX_SLOTS_FLOOR: u64 = 1 << 20;

/// See [`INDEX_SLOTS_FLOOR`].
pub const INDEX_SLOTS_PER_INTERACTION: u64 = 16;

/// The largest index space `interactions` interactions may span (see [`INDEX_SLOTS_FLOOR`]).
pub fn max_index_space(interactions: usize) -> u64 {
    INDEX_SLOTS_FLOOR
        .max((interactions as u64).saturating_mul(INDEX_SLOTS_PER_INTERACTION))
        .min(u64::from(u32::MAX))
}

/// Refuses an index space whose largest index `largest` is out of proportion with the
/// `interactions` it holds (see [`INDEX_SLOTS_FLOOR`]): a `ValueError` naming the argument
/// `what`, the largest index and the largest one allowed.
pub fn check_index_space(what: &str, largest: u64, interactions: usize) -> PyResult<()> {
    let limit = max_index_space(interactions);
    if largest < limit {
        return Ok(());
    }
    Err(PyValueError::new_err(format!(
        "{what}: the largest index is {largest}, which would make {} index slots for \
         {interactions} interactions; integer indices are dense (0..n-1, every slot allocated) \
         and may reach at most {} here (max({INDEX_SLOTS_FLOOR}, \
         {INDEX_SLOTS_PER_INTERACTION} × interactions), below 2^32). Number the ids densely \
         (np.unique(ids, return_inverse=True)), or pass raw ids as a pandas DataFrame or \
         rustrec.Dataset.from_triplets, which number them in order of first appearance",
        u128::from(largest) + 1,
        limit - 1
    )))
}

/// Refuses a users × items matrix whose shape is out of proportion with the `nnz`
/// entries it stores (see [`INDEX_SLOTS_FLOOR`]): every row is a user and every column an
/// item of the model, each allocated, so a shape such as `(1000, 10**8)` would take
/// gigabytes (or abort the process) for a handful of entries. The `ValueError` names the
/// argument `what`, the shape, the dimension and the largest one allowed.
pub fn check_matrix_shape(what: &str, rows: usize, cols: usize, nnz: usize) -> PyResult<()> {
    let limit = max_index_space(nnz);
    for (n, dimension) in [(rows, "rows (users)"), (cols, "columns (items)")] {
        if n as u64 > limit {
            return Err(PyValueError::new_err(format!(
                "{what}: a matrix of shape ({rows}, {cols}) with {nnz} stored entries has {n} \
                 {dimension}; every row and column is a user or item slot of the model \
                 (each allocated), and at most {limit} are allowed here (max({INDEX_SLOTS_FLOOR}, \
                 {INDEX_SLOTS_PER_INTERACTION} × stored entries), below 2^32). Drop the empty \
                 rows and columns (number the ids densely), or pass raw ids as a pandas \
                 DataFrame or rustrec.Dataset.from_triplets"
            )));
        }
    }
    Ok(())
}

/// Sorted, deduplicated item indices below `n` (`what` names the argument).
pub fn index_set(
    a: Option<PyReadonlyArray1<'_, i64>>,
    n: usize,
    what: &str,
) -> PyResult<Option<Vec<u32>>> {
    let Some(a) = a else { return Ok(None) };
    let mut out = Vec::with_capacity(a.len()?);
    for &v in a.as_array().iter() {
        if v < 0 || v as usize >= n {
            return Err(PyIndexError::new_err(format!(
                "{what}: index {v} outside 0..{n}"
            )));
        }
        out.push(v as u32);
    }
    out.sort_unstable();
    out.dedup();
    Ok(Some(out))
}
