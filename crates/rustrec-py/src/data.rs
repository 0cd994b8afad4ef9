//! [`Dataset`]: interactions with their raw-id maps, from arrays or any file the CLI
//! reads, and the CLI's splits over them.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rustrec::data::read::{DelimitedSpec, Format, ReadOptions};
use rustrec::data::split::{self as splits, LeaveOut};
use rustrec::data::synth::{Preset, SynthParams, synthesize};
use rustrec::data::{DuplicatePolicy, Escaped, IdMap, Interactions, NoProgress, Triplets};

use crate::convert::{self, CsrArrays, RawIds, as_python_writes, check_finite, id_map, ids_to_py};
use crate::error::{data_error, value_error};
use crate::inputs::{Inputs, input};

/// The error of [`Dataset::from_triplets`]: a repeated (user, item) pair is named with its
/// two rows as positions in the arrays (0-based, as `frame.iloc` counts them; the
/// triplets carry them 1-based, as lines of a file), and with the argument that accepts
/// duplicates — the file reader's message speaks of lines and of a policy without naming
/// the argument, which `fit(frame)` does not take.
fn duplicate_rows_error(e: rustrec::data::DataError) -> PyErr {
    match e {
        rustrec::data::DataError::Duplicate {
            user,
            item,
            first_line,
            second_line,
            ..
        } => PyValueError::new_err(format!(
            "(user {}, item {}) is given twice, at rows {} and {} (0-based positions, as \
             frame.iloc counts them); drop the repeats first \
             (frame.drop_duplicates([user_col, item_col])), or accept them with \
             duplicates=\"keep-last\", \"sum\" or \"mean\" of rustrec.Dataset.from_frame or \
             rustrec.Dataset.from_triplets and fit that Dataset",
            Escaped(&user),
            Escaped(&item),
            first_line.saturating_sub(1),
            second_line.saturating_sub(1)
        )),
        other => data_error(other),
    }
}

/// A user × item interaction matrix with the raw ids of its users and items.
#[pyclass(module = "rustrec._rustrec", frozen)]
pub struct Dataset {
    pub(crate) x: Arc<Interactions>,
    pub(crate) format: String,
    /// The files it was read from (none for data built in memory): see [`crate::inputs`].
    pub(crate) inputs: Inputs,
}

impl Dataset {
    pub(crate) fn new(x: Interactions, format: impl Into<String>) -> Self {
        Dataset {
            x: Arc::new(x),
            format: format.into(),
            inputs: Inputs::new(),
        }
    }

    /// The dataset with the input files `inputs`.
    pub(crate) fn read_from(mut self, inputs: Inputs) -> Self {
        self.inputs = inputs;
        self
    }
}

#[pymethods]
impl Dataset {
    /// A dataset from CSR arrays (users × items) with optional raw ids in index order;
    /// `what` names the matrix in errors. A shape out of proportion with the stored
    /// entries is refused (`convert::check_matrix_shape`) unless `check_shape` is false
    /// (a matrix shaped like a model that already exists, such as a test set).
    #[staticmethod]
    #[pyo3(signature = (indptr, indices, data, n_items, user_ids=None, item_ids=None, what="user_items", check_shape=true))]
    #[allow(clippy::too_many_arguments)]
    fn from_csr(
        py: Python<'_>,
        indptr: PyReadonlyArray1<'_, i64>,
        indices: PyReadonlyArray1<'_, i32>,
        data: PyReadonlyArray1<'_, f32>,
        n_items: usize,
        user_ids: Option<RawIds<'_>>,
        item_ids: Option<RawIds<'_>>,
        what: &str,
        check_shape: bool,
    ) -> PyResult<Dataset> {
        let n_users = indptr.len()?.saturating_sub(1);
        check_dimension(what, "columns (items)", n_items)?;
        check_dimension(what, "rows (users)", n_users)?;
        if check_shape {
            convert::check_matrix_shape(what, n_users, n_items, indices.len()?)?;
        }
        let csr = CsrArrays::new(&indptr, &indices, &data, n_items, what)?;
        let users = Arc::new(id_map(user_ids, csr.rows(), "users")?);
        let items = Arc::new(id_map(item_ids, n_items, "items")?);
        let x = py.allow_threads(|| csr.into_interactions(users, items))?;
        Ok(Dataset::new(x, "csr"))
    }

    /// A dataset from parallel arrays of raw user ids, raw item ids, values and optional
    /// timestamps (a pandas frame's columns). Ids are numbered in order of first
    /// appearance, as the file readers do; a repeated (user, item) pair is an error
    /// unless `duplicates` is `"sum"` or `"mean"`. `what` names the values in errors (a
    /// frame's rating column).
    #[staticmethod]
    #[pyo3(signature = (users, items, values, timestamps=None, duplicates="error", what="values"))]
    fn from_triplets(
        users: RawIds<'_>,
        items: RawIds<'_>,
        values: PyReadonlyArray1<'_, f32>,
        timestamps: Option<PyReadonlyArray1<'_, i64>>,
        duplicates: &str,
        what: &str,
    ) -> PyResult<Dataset> {
        let policy: DuplicatePolicy = duplicates.parse().map_err(data_error)?;
        let values = values.as_array();
        let n = values.len();
        let (umap, u) = intern(users, n, "users")?;
        let (imap, i) = intern(items, n, "items")?;
        let stamps = timestamps.as_ref().map(|t| t.as_array());
        if let Some(t) = &stamps
            && t.len() != n
        {
            return Err(PyValueError::new_err(format!(
                "timestamps: {} entries for {n} values",
                t.len()
            )));
        }
        let mut t = Triplets::new("data frame", stamps.is_some(), true);
        for k in 0..n {
            check_finite(values[k], what, || format!("row {k}"))?;
            t.push(
                u[k],
                i[k],
                values[k],
                stamps.as_ref().map(|s| s[k]),
                k as u64 + 1,
            );
        }
        let x = t
            .build(Arc::new(umap), Arc::new(imap), policy)
            .map_err(duplicate_rows_error)?;
        Ok(Dataset::new(x, "frame"))
    }

    /// Number of users in the id space.
    #[getter]
    fn n_users(&self) -> usize {
        self.x.n_users()
    }

    /// Number of items in the id space.
    #[getter]
    fn n_items(&self) -> usize {
        self.x.n_items()
    }

    /// Number of stored interactions.
    #[getter]
    fn nnz(&self) -> usize {
        self.x.nnz()
    }

    /// The format the data was read from (`ml-tab`, `ml-dat`, `csv`, ..., or `csv` /
    /// `frame` for data from arrays).
    #[getter]
    fn format(&self) -> String {
        self.format.clone()
    }

    /// Raw user ids in index order.
    #[getter]
    fn user_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ids_to_py(py, self.x.user_ids())
    }

    /// Raw item ids in index order.
    #[getter]
    fn item_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ids_to_py(py, self.x.item_ids())
    }

    /// Whether the data has timestamps.
    #[getter]
    fn has_timestamps(&self) -> bool {
        self.x.timestamps().is_some()
    }

    /// `(indptr int64, indices int32, data float32)`: the CSR arrays (copies).
    #[allow(clippy::type_complexity)]
    fn csr_arrays<'py>(
        &self,
        py: Python<'py>,
    ) -> (
        Bound<'py, PyArray1<i64>>,
        Bound<'py, PyArray1<i32>>,
        Bound<'py, PyArray1<f32>>,
    ) {
        let x = &self.x;
        let indptr: Vec<i64> = x.user_ptr().iter().map(|&p| p as i64).collect();
        let indices: Vec<i32> = x.item_indices().iter().map(|&i| i as i32).collect();
        (
            PyArray1::from_vec(py, indptr),
            PyArray1::from_vec(py, indices),
            PyArray1::from_slice(py, x.values()),
        )
    }

    /// The timestamps in CSR order, or `None`.
    fn timestamps<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<i64>>> {
        self.x.timestamps().map(|t| PyArray1::from_slice(py, t))
    }

    /// The first negative value in CSR order as `(row, column, value)` (user index, item
    /// index), or `None`: implicit feedback must be ≥ 0.
    fn first_negative(&self) -> Option<(usize, u32, f32)> {
        let x = &self.x;
        let k = x.values().iter().position(|&v| v < 0.0)?;
        let row = x.user_ptr().partition_point(|&p| p <= k) - 1;
        Some((row, x.item_indices()[k], x.values()[k]))
    }

    /// The implicit-feedback view: values ≥ `threshold` become 1, the others are dropped
    /// (the id space is kept). A threshold that is not a finite number is refused: NaN
    /// would drop every interaction.
    fn to_implicit(&self, threshold: f32) -> PyResult<Dataset> {
        if !threshold.is_finite() {
            return Err(PyValueError::new_err(format!(
                "threshold = {}: expected a finite number (values ≥ threshold become 1, \
                 the others are dropped)",
                as_python_writes(threshold)
            )));
        }
        Ok(
            Dataset::new(self.x.to_implicit(threshold), self.format.clone())
                .read_from(self.inputs.clone()),
        )
    }

    /// Whether `other` shares this dataset's id space.
    fn same_id_space(&self, other: &Dataset) -> bool {
        self.x.same_id_space(&other.x)
    }

    fn __repr__(&self) -> String {
        format!(
            "Dataset({} users × {} items, {} interactions{})",
            self.x.n_users(),
            self.x.n_items(),
            self.x.nnz(),
            if self.x.timestamps().is_some() {
                ", with timestamps"
            } else {
                ""
            }
        )
    }
}

/// Refuses a matrix dimension past the `u32` index range (`what` names the matrix).
fn check_dimension(what: &str, dimension: &str, n: usize) -> PyResult<()> {
    if n <= u32::MAX as usize {
        return Ok(());
    }
    Err(PyValueError::new_err(format!(
        "{what}: {n} {dimension}; at most {} are supported",
        u32::MAX
    )))
}

/// Refuses integer indices that would make an index space out of proportion with the data
/// (`largest`: the largest index of `what`; see `convert::INDEX_SLOTS_FLOOR`), before the
/// caller allocates it.
#[pyfunction]
pub fn check_index_space(what: &str, largest: i64, interactions: usize) -> PyResult<()> {
    convert::check_index_space(what, largest.max(0) as u64, interactions)
}

/// Refuses a users × items matrix of shape `(rows, cols)` out of proportion with its
/// `nnz` stored entries (`what` names the argument; see `convert::check_matrix_shape`),
/// before the caller converts it.
#[pyfunction]
pub fn check_matrix_shape(what: &str, rows: usize, cols: usize, nnz: usize) -> PyResult<()> {
    convert::check_matrix_shape(what, rows, cols, nnz)
}

/// Interns raw ids in order of first appearance: the map and each entry's index.
fn intern(ids: RawIds<'_>, n: usize, what: &str) -> PyResult<(IdMap, Vec<u32>)> {
    let mut map;
    let idx: Vec<u32> = match ids {
        RawIds::Ints(a) => {
            map = IdMap::new_int();
            a.as_array().iter().map(|&v| map.intern_int(v)).collect()
        }
        RawIds::Strs(s) => {
            map = IdMap::new_str();
            s.iter().map(|v| map.intern_str(v)).collect()
        }
    };
    if idx.len() != n {
        return Err(PyValueError::new_err(format!(
            "{what}: {} ids for {n} values",
            idx.len()
        )));
    }
    Ok((map, idx))
}

/// Read options from the Python arguments: `format` as the CLI's `--format`, and for
/// delimited files `columns`, `header`, `delimiter`, `string_ids` as its flags.
#[allow(clippy::too_many_arguments)]
fn read_options(
    format: Option<&str>,
    columns: Option<Vec<String>>,
    header: Option<bool>,
    delimiter: Option<&str>,
    string_ids: bool,
    skip_bad_rows: bool,
    duplicates: &str,
) -> PyResult<ReadOptions> {
    let mut format: Format = format.unwrap_or("auto").parse().map_err(data_error)?;
    let custom = delimiter.is_some() || header.is_some() || columns.is_some() || string_ids;
    if custom {
        let mut spec = match format {
            Format::Delimited(spec) => spec,
            Format::Auto => DelimitedSpec::csv(),
            other => {
                return Err(PyValueError::new_err(format!(
                    "columns, header, delimiter and string_ids apply to format='csv' or \
                     'tsv', not {other:?}"
                )));
            }
        };
        if let Some(d) = delimiter {
            if d.is_empty() {
                return Err(PyValueError::new_err("delimiter must not be empty"));
            }
            spec.delimiter = d.as_bytes().to_vec();
        }
        if let Some(h) = header {
            spec.has_header = h;
        }
        if let Some(c) = columns {
            spec = spec.with_columns(&c).map_err(data_error)?;
        }
        spec.string_ids |= string_ids;
        format = Format::Delimited(spec);
    }
    Ok(ReadOptions {
        format,
        skip_bad_rows,
        rating_scale: None,
        duplicates: duplicates.parse().map_err(data_error)?,
        ..ReadOptions::default()
    })
}

/// Reads a rating file (any format the CLI reads) into a [`Dataset`].
#[pyfunction]
#[pyo3(signature = (path, format=None, columns=None, header=None, delimiter=None, string_ids=false, skip_bad_rows=false, duplicates="error"))]
#[allow(clippy::too_many_arguments)]
pub fn read_ratings(
    py: Python<'_>,
    path: PathBuf,
    format: Option<&str>,
    columns: Option<Vec<String>>,
    header: Option<bool>,
    delimiter: Option<&str>,
    string_ids: bool,
    skip_bad_rows: bool,
    duplicates: &str,
) -> PyResult<Dataset> {
    let options = read_options(
        format,
        columns,
        header,
        delimiter,
        string_ids,
        skip_bad_rows,
        duplicates,
    )?;
    let (x, report) = py
        .allow_threads(|| rustrec::data::read_interactions(&path, &options, &NoProgress))
        .map_err(data_error)?;
    let inputs = vec![input("read_ratings(path)", &path)?];
    Ok(Dataset::new(x, report.format.to_string()).read_from(inputs))
}

/// Reads a predefined train/test pair (`ua.base` / `ua.test`) into one id space.
#[pyfunction]
#[pyo3(signature = (train, test, format=None, columns=None, header=None, delimiter=None, string_ids=false))]
#[allow(clippy::too_many_arguments)]
pub fn read_train_test(
    py: Python<'_>,
    train: PathBuf,
    test: PathBuf,
    format: Option<&str>,
    columns: Option<Vec<String>>,
    header: Option<bool>,
    delimiter: Option<&str>,
    string_ids: bool,
) -> PyResult<(Dataset, Dataset)> {
    let options = read_options(
        format, columns, header, delimiter, string_ids, false, "error",
    )?;
    let tt = py
        .allow_threads(|| rustrec::data::read_train_test(&train, &test, &options, &NoProgress))
        .map_err(data_error)?;
    // Both parts were read together (one id space): each keeps both files as inputs.
    let inputs = vec![
        input("read_train_test(train)", &train)?,
        input("read_train_test(test)", &test)?,
    ];
    Ok((
        Dataset::new(tt.train, tt.train_report.format.to_string()).read_from(inputs.clone()),
        Dataset::new(tt.test, tt.test_report.format.to_string()).read_from(inputs),
    ))
}

/// The CLI's splits (`rustrec split --kind ...`): `holdout` (random fraction),
/// `leave-k-out` (per user; `which` = `random` or `latest`), `temporal` (global time cut).
/// Both parts keep the input's id space.
#[pyfunction]
#[pyo3(signature = (data, kind, test_fraction=0.2, k=1, which="random", seed=42))]
pub fn split(
    py: Python<'_>,
    data: &Dataset,
    kind: &str,
    test_fraction: f64,
    k: usize,
    which: &str,
    seed: u64,
) -> PyResult<(Dataset, Dataset)> {
    let x = Arc::clone(&data.x);
    let s = match kind {
        "holdout" => py.allow_threads(|| splits::holdout(&x, test_fraction, seed)),
        "leave-k-out" | "leave_k_out" => {
            let which: LeaveOut = which.parse().map_err(data_error)?;
            py.allow_threads(|| splits::leave_k_out(&x, k, which, seed))
        }
        "temporal" => py.allow_threads(|| splits::temporal(&x, test_fraction)),
        other => {
            return Err(PyValueError::new_err(format!(
                "kind = {other:?}: expected holdout, leave-k-out or temporal"
            )));
        }
    }
    .map_err(data_error)?;
    Ok((
        Dataset::new(s.train, data.format.clone()).read_from(data.inputs.clone()),
        Dataset::new(s.test, data.format.clone()).read_from(data.inputs.clone()),
    ))
}

/// MovieLens-shaped synthetic data (`rustrec synth`): `like` is `ml-100k`, `ml-1m`,
/// `ml-10m` or `ml-20m`; `users`, `items`, `ratings` shrink it.
#[pyfunction]
#[pyo3(signature = (like="ml-100k", users=None, items=None, ratings=None, seed=None))]
pub fn synthetic(
    py: Python<'_>,
    like: &str,
    users: Option<usize>,
    items: Option<usize>,
    ratings: Option<usize>,
    seed: Option<u64>,
) -> PyResult<Dataset> {
    let preset: Preset = like.parse().map_err(data_error)?;
    let mut p = SynthParams::like(preset);
    if let Some(u) = users {
        p.users = u;
    }
    if let Some(i) = items {
        p.items = i;
    }
    if let Some(r) = ratings {
        p.ratings = r;
    }
    if let Some(s) = seed {
        p.seed = s;
    }
    p.check().map_err(data_error)?;
    let x = py
        .allow_threads(|| synthesize(&p, &NoProgress))
        .map_err(value_error)?;
    Ok(Dataset::new(x, "synthetic"))
}
