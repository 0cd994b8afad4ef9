//! [`Engine`]: a trained model of any kind as Python sees it.
//!
//! It holds the [`TrainedModel`] (shared, immutable), the training interactions (for
//! filtering what users have seen, for saving, and as the base of partial fits), one
//! [`Threads`] pool, the per-epoch history, and the users folded in after training
//! (`partial_fit_users` on models without an incremental solver: their scores come from
//! the model's fold-in of the stored history; see [`crate::fold_ins`], which also says how
//! they are saved).
//!
//! Batch calls (`recommend`, `similar_*`, `predict`) release the GIL and run on the pool;
//! results never depend on the thread count.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use numpy::ndarray::{ArrayView2, ShapeBuilder};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{PyIndexError, PyKeyboardInterrupt, PyNotImplementedError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::PyDict;
use rayon::prelude::*;
use rustrec::data::{IdMap, Interactions, ItemIdx, UserIdx};
use rustrec::models::als::AlsModel;
use rustrec::models::engine::RowTable;
use rustrec::models::topn::top_n;
use rustrec::models::{
    EpochReport, FitContext, ModelSpec, Recommender, Task, Threads, TrainedModel,
};

use crate::convert::{CsrArrays, check_index_space, ids_to_py, index_set, pool};
use crate::data::Dataset;
use crate::error::{model_error, value_error};
use crate::fold_ins::{self, FoldIns, History};
use crate::inputs::{Inputs, input, refuse_overwrite};

/// A trained model with its training data, thread pool and history.
///
/// The state sits behind a mutex, so calls on one model from several Python threads
/// serialise (a call waits for the one running) instead of failing on pyo3's borrow
/// flags. The lock is always taken through [`Engine::lock`], which waits without the GIL:
/// a call holding the lock may release the GIL (every long call does) and take it back
/// while another thread waits, so neither can block the other forever.
#[pyclass(frozen, module = "rustrec._rustrec")]
pub struct Engine {
    state: Mutex<State>,
}

/// What an [`Engine`] holds.
pub(crate) struct State {
    model: TrainedModel,
    /// The training interactions in the model's id space, when known.
    seen: Option<Arc<Interactions>>,
    threads: Threads,
    seed: u64,
    history: Vec<EpochReport>,
    /// The user id map: the model's, grown by folded-in users.
    users: Arc<IdMap>,
    /// Folded-in users (dense index → history), scored by the model's fold-in: every
    /// user past the trained ones is among them ([`crate::fold_ins`]).
    folded: FoldIns,
    /// The parameters the model was fitted with (`None` for loaded models).
    spec: Option<ModelSpec>,
    /// The `training` record of the file it was loaded from.
    training: serde_json::Value,
    /// The files the model and its training data were read from, which `save` refuses
    /// to overwrite ([`crate::inputs`]).
    inputs: Inputs,
}

impl Engine {
    fn new(state: State) -> Self {
        Engine {
            state: Mutex::new(state),
        }
    }

    /// The model's state, once no other call holds it: the wait happens without the GIL
    /// (pyo3's `lock_py_attached`). A call that panicked (a bug) leaves the state as it
    /// was before its first change, so a poisoned lock is taken over.
    pub(crate) fn lock(&self, py: Python<'_>) -> MutexGuard<'_, State> {
        self.state
            .lock_py_attached(py)
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The factor matrices of a factor model: users (when it has user vectors), items, k.
struct Factors {
    users: Option<Vec<f32>>,
    items: Vec<f32>,
    k: usize,
}

fn factors_of(model: &TrainedModel) -> Option<Factors> {
    let t = model.as_factor_tables()?;
    Some(Factors {
        users: t.user_factors(),
        items: t.item_factors(),
        k: t.k(),
    })
}

/// A trained model held as the base object of numpy views of its factor tables: the
/// views keep this model alive even after the `Engine` moves on to another (a partial
/// fit replaces it).
#[pyclass(frozen, module = "rustrec._rustrec")]
struct ModelRef(TrainedModel);

/// The stored factor table of a factor model (users or items) and its number of factor
/// columns (the leading columns of each padded row).
fn factor_table(model: &TrainedModel, users: bool) -> Option<(&RowTable, usize)> {
    let t = model.as_factor_tables()?;
    let table = if users { t.user_rows()? } else { t.item_rows() };
    Some((table, t.k()))
}

/// A read-only numpy view (rows × k, row stride the table's padded stride) of a factor
/// table of `model`, without a copy; `None` for models without that table.
fn factor_view<'py>(
    py: Python<'py>,
    model: &TrainedModel,
    users: bool,
) -> PyResult<Option<Bound<'py, PyArray2<f32>>>> {
    if factor_table(model, users).is_none() {
        return Ok(None);
    }
    let owner = Bound::new(py, ModelRef(model.clone()))?;
    let Some((table, k)) = factor_table(&owner.get().0, users) else {
        return Ok(None);
    };
    let view = ArrayView2::from_shape(
        (table.rows(), k).strides((table.stride(), 1)),
        table.as_slice(),
    )
    .map_err(value_error)?;
    // SAFETY: `view` borrows a factor table of the model that `owner` holds (a clone of
    // the `Arc` behind `TrainedModel`), and `owner` becomes the array's base object, so the
    // table outlives the array; trained models are never written or reallocated (partial
    // fits build a new model), so the memory does not change under the view, and the array
    // is made read-only below (numpy refuses to make it writeable again: its base exposes
    // no writeable buffer).
    let array = unsafe { PyArray2::borrow_from_array(&view, owner.clone().into_any()) };
    array.readwrite().make_nonwriteable();
    Ok(Some(array))
}

/// Top-N lists: item ids (int32, -1 where a list is short) and scores (float32), one row
/// per query.
type TopN<'py> = (Bound<'py, PyArray2<i32>>, Bound<'py, PyArray2<f32>>);

/// `n` rows of `k` values as a 2-D array.
fn matrix<'py>(
    py: Python<'py>,
    v: Vec<f32>,
    n: usize,
    k: usize,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    PyArray1::from_vec(py, v).reshape([n, k])
}

/// Top-N results as `(ids int32, scores float32)` arrays of shape `(rows, n)`, padded with
/// -1 and -inf where fewer candidates remain.
fn results<'py>(py: Python<'py>, lists: Vec<Vec<(u32, f32)>>, n: usize) -> PyResult<TopN<'py>> {
    let rows = lists.len();
    let mut ids = vec![-1i32; rows * n];
    let mut scores = vec![f32::NEG_INFINITY; rows * n];
    for (r, list) in lists.iter().enumerate() {
        for (c, &(i, s)) in list.iter().take(n).enumerate() {
            ids[r * n + c] = i as i32;
            scores[r * n + c] = s;
        }
    }
    Ok((
        PyArray1::from_vec(py, ids).reshape([rows, n])?,
        PyArray1::from_vec(py, scores).reshape([rows, n])?,
    ))
}

/// Where the items to leave out of each user's list come from.
enum Seen<'a> {
    None,
    /// The stored training interactions, by user index.
    Stored(&'a Interactions),
    /// One row per requested user.
    Rows(&'a CsrArrays),
}

/// The `training` record saved with a model fitted from Python (the shape the CLI writes:
/// configuration, epochs, per-epoch history; no timings).
fn training_record(
    spec: Option<&ModelSpec>,
    seed: u64,
    history: &[EpochReport],
) -> serde_json::Value {
    let num = |v: f64| {
        serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
    };
    let hist: Vec<serde_json::Value> = history
        .iter()
        .map(|r| {
            serde_json::json!({
                "epoch": r.epoch,
                "train_loss": num(r.train_loss),
                "validation": r.validation.iter().map(|(n, v)| (n.clone(), num(*v))).collect::<serde_json::Map<_, _>>(),
                "samples": r.samples,
                "learning_rate": num(r.learning_rate),
            })
        })
        .collect();
    serde_json::json!({
        "config": {
            "model": spec.map(ModelSpec::to_json),
            "train": {"seed": seed},
        },
        "data_format": "python",
        "epochs_run": history.len(),
        "best_epoch": history.len().checked_sub(1).map(|_| history.len()),
        "history": hist,
        "source": "python",
    })
}

fn report_dict<'py>(py: Python<'py>, r: &EpochReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("epoch", r.epoch)?;
    d.set_item("train_loss", r.train_loss)?;
    for (name, v) in &r.validation {
        d.set_item(format!("validation_{name}"), *v)?;
    }
    d.set_item("samples", r.samples)?;
    d.set_item("seconds", r.seconds)?;
    d.set_item("samples_per_sec", r.samples_per_sec)?;
    d.set_item("learning_rate", r.learning_rate)?;
    Ok(d)
}

/// Fits `spec` on `train`, calling `on_epoch(epoch, figures)` (with the GIL) after every
/// epoch: a false return stops training, an exception stops it and is raised.
///
/// The fit runs on a scoped thread while the calling thread, without the GIL, waits for it
/// and checks for signals every 50 ms (Python handles them on the main thread only): Ctrl-C stops
/// training at the end of the running epoch and raises `KeyboardInterrupt`.
fn fit_spec(
    py: Python<'_>,
    spec: &ModelSpec,
    train: &Arc<Interactions>,
    seed: u64,
    threads: &Threads,
    on_epoch: Option<PyObject>,
    item_dir: Option<PathBuf>,
) -> PyResult<(TrainedModel, Vec<EpochReport>)> {
    let failure: Mutex<Option<PyErr>> = Mutex::new(None);
    let stop = AtomicBool::new(false);
    let fail = |e: PyErr| {
        let mut slot = failure.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
    };
    let result = py.allow_threads(|| {
        // The worker drops `done` when it returns or unwinds: the wait below ends at once.
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let (stop, fail) = (&stop, &fail);
        std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                let _done = done;
                let mut ctx = FitContext::new(seed, threads.clone());
                ctx.callbacks.push(Box::new(|report: &EpochReport| {
                    if stop.load(Ordering::Relaxed) {
                        return ControlFlow::Break(());
                    }
                    let Some(cb) = &on_epoch else {
                        return ControlFlow::Continue(());
                    };
                    Python::with_gil(|py| {
                        let called = report_dict(py, report)
                            .and_then(|figures| cb.call1(py, (report.epoch, figures)));
                        match called {
                            // `False` stops; `None`, `True` and anything else go on.
                            Ok(v)
                                if v.bind(py).is_instance_of::<pyo3::types::PyBool>()
                                    && !v.bind(py).is_truthy().unwrap_or(true) =>
                            {
                                ControlFlow::Break(())
                            }
                            Ok(_) => ControlFlow::Continue(()),
                            Err(e) => {
                                fail(e);
                                ControlFlow::Break(())
                            }
                        }
                    })
                }));
                let content = match &item_dir {
                    Some(dir) if !spec.content_files().is_empty() => {
                        spec.load_content(dir, train.item_ids())?
                    }
                    _ => Vec::new(),
                };
                let model = spec.fit_with_content(train, &content, &mut ctx)?;
                Ok::<_, rustrec::models::ModelError>((model, std::mem::take(&mut ctx.history)))
            });
            while let Err(RecvTimeoutError::Timeout) =
                finished.recv_timeout(std::time::Duration::from_millis(50))
            {
                if !stop.load(Ordering::Relaxed)
                    && let Err(e) = Python::with_gil(|py| py.check_signals())
                {
                    fail(e);
                    stop.store(true, Ordering::Relaxed);
                }
            }
            worker.join()
        })
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    match result {
        Ok(r) => r.map_err(model_error),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

impl State {
    fn n_users(&self) -> usize {
        self.users.len()
    }

    fn n_items(&self) -> usize {
        self.model.n_items()
    }

    /// Checks user indices and that each can be scored: a trained user, a folded-in user,
    /// or (with `recalculate`) any index.
    fn user_indices(
        &self,
        users: &PyReadonlyArray1<'_, i64>,
        recalculate: bool,
    ) -> PyResult<Vec<u32>> {
        let n = self.n_users();
        users
            .as_array()
            .iter()
            .map(|&u| {
                if u < 0 || (!recalculate && u as usize >= n) {
                    Err(PyIndexError::new_err(format!(
                        "user index {u} outside 0..{n} (the model's users; fold new users in \
                         with partial_fit_users or recalculate_user=True)"
                    )))
                } else if u > i64::from(u32::MAX) {
                    Err(PyIndexError::new_err(format!(
                        "user index {u} outside 0..={} (the largest index a model holds)",
                        u32::MAX
                    )))
                } else {
                    Ok(u as u32)
                }
            })
            .collect()
    }

    fn fold_in_error(&self, what: &str) -> PyErr {
        PyNotImplementedError::new_err(format!(
            "{what}: model kind `{}` has no fold-in of a user's history",
            self.model.kind()
        ))
    }

    /// Scores every item for user `u` (or for the history `row`, by fold-in).
    fn score_user(&self, u: u32, row: Option<(&[u32], &[f32])>, out: &mut [f32]) {
        if let Some((items, values)) = row {
            if let Some(f) = self.model.as_fold_in() {
                let h: Vec<(ItemIdx, f32)> = items
                    .iter()
                    .zip(values)
                    .map(|(&i, &v)| (ItemIdx(i), v))
                    .collect();
                f.score_profile(&h, out);
            }
            return;
        }
        if let Some(h) = self.folded.get(u) {
            if let Some(f) = self.model.as_fold_in() {
                f.score_profile(h, out);
            }
            return;
        }
        self.model.score_into(UserIdx(u), out);
    }

    /// Writes the model file: the trained model, the seen lists of its own users, and the
    /// folded-in users in the `training` record ([`crate::fold_ins`]).
    fn save_to(&self, path: &Path, python: Option<serde_json::Value>) -> PyResult<()> {
        let train = self.trained_users_seen()?;
        let mut training = if self.spec.is_some() {
            training_record(self.spec.as_ref(), self.seed, &self.history)
        } else {
            self.training.clone()
        };
        if let Some(record) = training.as_object_mut() {
            record.remove(fold_ins::RECORD_KEY);
            if !self.folded.is_empty() {
                record.insert(
                    fold_ins::RECORD_KEY.into(),
                    self.folded.to_record(self.n_users()),
                );
            }
            if let Some(python) = python {
                record.insert("python".into(), python);
            }
        }
        self.model.save(path, &train, training).map_err(model_error)
    }

    /// The seen lists of the trained model's users (the first rows of the stored
    /// interactions when users were folded in past them), or empty lists when the model
    /// stores no interactions.
    pub(crate) fn trained_users_seen(&self) -> PyResult<Interactions> {
        let users = Arc::clone(self.model.user_ids());
        match &self.seen {
            Some(s) if s.n_users() == users.len() => Ok(Interactions::clone(s)),
            Some(s) if s.n_users() > users.len() => fold_ins::leading_rows(s, users),
            _ => Interactions::from_csr(
                users,
                Arc::clone(self.model.item_ids()),
                vec![0; self.model.n_users() + 1],
                Vec::new(),
                Vec::new(),
                None,
            )
            .map_err(value_error),
        }
    }

    /// The interactions with the rows of `userids` replaced by `rows` (growing the user
    /// id space for new indices), for partial fits.
    fn merged_users(&self, userids: &[u32], rows: &CsrArrays) -> PyResult<Interactions> {
        let seen = self.seen.as_ref().ok_or_else(|| {
            PyValueError::new_err("partial_fit_users needs the training interactions, which this model does not store")
        })?;
        let old_n = self.n_users();
        let max = userids.iter().copied().max().map_or(0, |m| m as usize + 1);
        if max > old_n {
            check_index_space("userids", max as u64 - 1, seen.nnz() + rows.indices.len())?;
        }
        let users = Arc::new(fold_ins::grown_users(&self.users, old_n.max(max))?);
        let given: HashMap<u32, usize> = userids.iter().enumerate().map(|(r, &u)| (u, r)).collect();
        fold_ins::rows_replaced(seen, users, |u, items, values| match given.get(&u) {
            Some(&r) => {
                let (i, v) = rows.row(r);
                items.extend_from_slice(i);
                values.extend_from_slice(v);
                true
            }
            None => false,
        })
    }

    /// Remembers the users of a partial fit of a model without an incremental solver:
    /// each of `userids` with its row of `rows`, and every user of the grown id space
    /// past `old_n` that was not given with an empty history ([`crate::fold_ins`]).
    fn fold_in(&mut self, userids: &[u32], rows: &CsrArrays, old_n: usize, new_n: usize) {
        for u in old_n as u32..new_n as u32 {
            self.folded.insert(u, History::new());
        }
        for (r, &u) in userids.iter().enumerate() {
            let (i, v) = rows.row(r);
            let history = i.iter().zip(v).map(|(&i, &v)| (ItemIdx(i), v)).collect();
            self.folded.insert(u, history);
        }
    }
}

#[pymethods]
impl Engine {
    /// Trains a model of `kind` with the parameters `params` (JSON object without the
    /// kind) on `train`. `on_epoch(epoch, figures)` is called after every epoch.
    #[staticmethod]
    ///
    /// `threads` is any integer ≥ 0 (0 = one per core), named `threads_arg` in errors.
    /// The model keeps the input files of `train` and, for content-based models, the item
    /// files read from `item_dir` ([`crate::inputs`]).
    #[pyo3(signature = (kind, params, train, seed=0, threads=None, on_epoch=None, item_dir=None, threads_arg="threads"))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        kind: &str,
        params: &str,
        train: &Dataset,
        seed: u64,
        threads: Option<&Bound<'_, PyAny>>,
        on_epoch: Option<PyObject>,
        item_dir: Option<PathBuf>,
        threads_arg: &str,
    ) -> PyResult<Engine> {
        let mut json: serde_json::Value = serde_json::from_str(params).map_err(value_error)?;
        if let Some(map) = json.as_object_mut() {
            map.insert("kind".into(), kind.into());
        }
        let spec = ModelSpec::from_json(json).map_err(model_error)?;
        spec.check().map_err(model_error)?;
        let threads = match threads {
            Some(t) => pool(threads_arg, t)?,
            None => Threads::new(0).map_err(value_error)?,
        };
        let mut inputs = train.inputs.clone();
        if let Some(dir) = &item_dir {
            for files in spec.content_files() {
                let names = std::iter::once(files.item_file).chain(files.tags_file);
                for name in names {
                    inputs.push(input("an item file of fit(item_dir)", &dir.join(name))?);
                }
            }
        }
        let (model, history) = fit_spec(py, &spec, &train.x, seed, &threads, on_epoch, item_dir)?;
        crate::trim::give_back_free_memory();
        Ok(Engine::new(State {
            users: Arc::clone(model.user_ids()),
            model,
            seen: Some(Arc::clone(&train.x)),
            threads,
            seed,
            history,
            folded: FoldIns::default(),
            spec: Some(spec),
            training: serde_json::Value::Null,
            inputs,
        }))
    }

    /// Reads a model file of any kind (as `rustrec fit --out` writes them). `threads` as
    /// in [`Engine::fit`]. `inputs`: the files the model counts as read from (what `save`
    /// refuses to overwrite); `None` is the model file itself (a pickled model passes the
    /// list of the model it was made from instead, as its file is a temporary one).
    #[staticmethod]
    #[pyo3(signature = (path, threads=None, inputs=None, threads_arg="threads"))]
    fn load(
        py: Python<'_>,
        path: PathBuf,
        threads: Option<&Bound<'_, PyAny>>,
        inputs: Option<Inputs>,
        threads_arg: &str,
    ) -> PyResult<Engine> {
        let threads = match threads {
            Some(t) => pool(threads_arg, t)?,
            None => Threads::new(0).map_err(value_error)?,
        };
        let inputs = match inputs {
            Some(list) => list,
            None => vec![input("load(path)", &path)?],
        };
        let loaded = py
            .allow_threads(|| rustrec::models::TrainedModel::load(&path))
            .map_err(model_error)?;
        let seed = loaded
            .header
            .training
            .pointer("/config/train/seed")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        let model_users = loaded.model.n_users();
        let mut users = Arc::clone(loaded.model.user_ids());
        let mut seen = loaded.seen;
        let mut folded = FoldIns::default();
        let restored =
            FoldIns::from_record(&loaded.header.training, model_users, loaded.model.n_items())?;
        if let Some((n_users, fold_ins)) = restored {
            let stored = seen.as_ref().ok_or_else(|| {
                PyValueError::new_err(format!(
                    "{}: the file holds users folded in by partial_fit_users but not the \
                     trained users' seen lists they extend",
                    path.display()
                ))
            })?;
            users = Arc::new(fold_ins::grown_users(&users, n_users)?);
            seen = Some(fold_ins::seen_with_fold_ins(
                stored,
                Arc::clone(&users),
                &fold_ins,
            )?);
            folded = fold_ins;
        }
        Ok(Engine::new(State {
            users,
            model: loaded.model,
            seen: seen.map(Arc::new),
            threads,
            seed,
            history: Vec::new(),
            folded,
            spec: None,
            training: loaded.header.training,
            inputs,
        }))
    }

    /// Writes the model file (the CLI's format; the training interactions' item lists are
    /// stored so that a loaded model filters seen items by itself). `python` (JSON) is kept
    /// in the file's `training` record under `python`: how the Python class that saved the
    /// model was built (read back by `training`).
    ///
    /// A `path` that names one of the files the model or its training data were read from
    /// ([`Engine::inputs`]) is refused before anything is written: a `ValueError` naming
    /// the input, `what` (the Python call and argument, such as `save(path)`) and the path.
    #[pyo3(signature = (path, python=None, what="save(path)"))]
    fn save(
        &self,
        py: Python<'_>,
        path: PathBuf,
        python: Option<&str>,
        what: &str,
    ) -> PyResult<()> {
        let python: Option<serde_json::Value> = python
            .map(serde_json::from_str)
            .transpose()
            .map_err(value_error)?;
        let guard = self.lock(py);
        let s = &*guard;
        refuse_overwrite(&s.inputs, what, &path)?;
        py.allow_threads(|| s.save_to(&path, python))
    }

    /// The files the model and its training data were read from, each with the call that
    /// read it (`read_ratings(path)`, `load(path)`, ...): what `save` refuses to overwrite.
    #[getter]
    fn inputs(&self, py: Python<'_>) -> Inputs {
        self.lock(py).inputs.clone()
    }

    /// Drops the by-item copy of the stored training matrix, which models that walk columns
    /// (ALS, iALS, item-KNN, SLIM, EASE, BPMF) build while training, when this model is the
    /// matrix's only holder (no `Dataset` refers to it). Returns whether a copy was dropped.
    /// Its 8 bytes an interaction are given back; it is built again if ever needed.
    fn release_training_columns(&self, py: Python<'_>) -> bool {
        let mut guard = self.lock(py);
        let s = &mut *guard;
        match s.seen.as_mut().and_then(Arc::get_mut) {
            Some(x) if x.has_columns() => {
                x.release_columns();
                crate::trim::give_back_free_memory();
                true
            }
            _ => false,
        }
    }

    /// Whether the stored training matrix holds its by-item copy.
    #[getter]
    fn holds_training_columns(&self, py: Python<'_>) -> bool {
        self.lock(py).seen.as_ref().is_some_and(|x| x.has_columns())
    }

    /// The model's kind as written in its files.
    #[getter]
    fn kind(&self, py: Python<'_>) -> &'static str {
        self.lock(py).model.kind()
    }

    /// `rating` or `ranking`.
    #[getter]
    fn task(&self, py: Python<'_>) -> &'static str {
        self.lock(py).model.task().name()
    }

    /// Number of users (trained and folded in).
    #[getter(n_users)]
    fn py_n_users(&self, py: Python<'_>) -> usize {
        self.lock(py).n_users()
    }

    /// Number of items.
    #[getter(n_items)]
    fn py_n_items(&self, py: Python<'_>) -> usize {
        self.lock(py).n_items()
    }

    /// The seed the model was trained with (for a loaded model, the one its file
    /// records; 0 when the file records none).
    #[getter]
    fn seed(&self, py: Python<'_>) -> u64 {
        self.lock(py).seed
    }

    /// Worker threads of the model's pool.
    #[getter]
    fn threads(&self, py: Python<'_>) -> usize {
        self.lock(py).threads.count()
    }

    /// Raw user ids in index order.
    #[getter]
    fn user_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let guard = self.lock(py);
        let s = &*guard;
        ids_to_py(py, &s.users)
    }

    /// Raw item ids in index order.
    #[getter]
    fn item_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let guard = self.lock(py);
        let s = &*guard;
        ids_to_py(py, s.model.item_ids())
    }

    /// The parameters as JSON (`kind` first): the fitted ones, or those in the file, with
    /// the values the kind sets itself (`implicit` of ALS and iALS) as the model uses them.
    #[getter]
    fn params(&self, py: Python<'_>) -> PyResult<String> {
        let guard = self.lock(py);
        let s = &*guard;
        let mut p = match &s.spec {
            Some(spec) => spec.to_json(),
            None => {
                let file = s.model.to_model_file().map_err(model_error)?;
                let mut p = file.header.params.clone();
                if let Some(m) = p.as_object_mut() {
                    m.insert("kind".into(), file.header.kind.clone().into());
                }
                p
            }
        };
        if let Some(m) = p.as_object_mut() {
            m.extend(crate::fixed_params(s.model.kind()));
        }
        Ok(p.to_string())
    }

    /// The `training` record of the file the model was loaded from (JSON).
    #[getter]
    fn training(&self, py: Python<'_>) -> String {
        self.lock(py).training.to_string()
    }

    /// One dict per epoch: `epoch`, `train_loss`, `samples`, `seconds`,
    /// `samples_per_sec`, `learning_rate` (and `validation_*`).
    #[getter]
    fn history<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.lock(py)
            .history
            .iter()
            .map(|r| report_dict(py, r))
            .collect()
    }

    /// The stored training interactions, if any.
    fn train_data(&self, py: Python<'_>) -> Option<Dataset> {
        let guard = self.lock(py);
        let s = &*guard;
        s.seen.as_ref().map(|x| Dataset {
            x: Arc::clone(x),
            format: "model".into(),
            inputs: s.inputs.clone(),
        })
    }

    /// User factors (n_users × k), or `None` for models without user vectors: a
    /// read-only view of the model's table, no copy (rows keep the table's padded stride).
    fn user_factors<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArray2<f32>>>> {
        let guard = self.lock(py);
        let s = &*guard;
        factor_view(py, &s.model, true)
    }

    /// Item factors (n_items × k), or `None` for models without item vectors: a
    /// read-only view, as `user_factors`.
    fn item_factors<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArray2<f32>>>> {
        let guard = self.lock(py);
        let s = &*guard;
        factor_view(py, &s.model, false)
    }

    /// Item biases, or `None`.
    fn item_biases<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f32>>> {
        let guard = self.lock(py);
        let s = &*guard;
        s.model
            .as_factor_tables()
            .and_then(|t| t.item_bias())
            .map(|b| PyArray1::from_vec(py, b))
    }

    /// User biases, or `None`.
    fn user_biases<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f32>>> {
        let guard = self.lock(py);
        let s = &*guard;
        s.model
            .as_factor_tables()
            .and_then(|t| t.user_bias())
            .map(|b| PyArray1::from_vec(py, b))
    }

    /// Whether the model scores a new user's history (fold-in).
    #[getter]
    fn has_fold_in(&self, py: Python<'_>) -> bool {
        self.lock(py).model.as_fold_in().is_some()
    }

    /// Whether the model is an ALS model (incremental `partial_fit`).
    #[getter]
    fn is_als(&self, py: Python<'_>) -> bool {
        self.lock(py).model.downcast_ref::<AlsModel>().is_some()
    }

    /// Top-`n` items for each user of `users`.
    ///
    /// `seen`: 0 = filter nothing, 1 = the stored training interactions, 2 = the rows
    /// given (`rows_*`, one per user). `recalculate`: score the given rows by fold-in
    /// instead of the stored user vectors. `block`: item indices never recommended;
    /// `allow`: the only candidates.
    #[pyo3(signature = (users, n, seen, rows_indptr=None, rows_indices=None, rows_data=None, recalculate=false, block=None, allow=None))]
    #[allow(clippy::too_many_arguments)]
    fn recommend<'py>(
        &self,
        py: Python<'py>,
        users: PyReadonlyArray1<'_, i64>,
        n: usize,
        seen: u8,
        rows_indptr: Option<PyReadonlyArray1<'_, i64>>,
        rows_indices: Option<PyReadonlyArray1<'_, i32>>,
        rows_data: Option<PyReadonlyArray1<'_, f32>>,
        recalculate: bool,
        block: Option<PyReadonlyArray1<'_, i64>>,
        allow: Option<PyReadonlyArray1<'_, i64>>,
    ) -> PyResult<TopN<'py>> {
        let guard = self.lock(py);
        let s = &*guard;
        let n_items = s.n_items();
        let users = s.user_indices(&users, recalculate)?;
        let rows = match (rows_indptr, rows_indices, rows_data) {
            (Some(p), Some(i), Some(d)) => {
                let r = CsrArrays::new(&p, &i, &d, n_items, "user_items")?;
                if r.rows() != users.len() {
                    return Err(PyValueError::new_err(format!(
                        "user_items has {} rows for {} users: expected shape ({}, {n_items}), \
                         one row per user asked for",
                        r.rows(),
                        users.len(),
                        users.len()
                    )));
                }
                Some(r)
            }
            _ => None,
        };
        if recalculate && s.model.as_fold_in().is_none() {
            return Err(s.fold_in_error("recalculate_user=True"));
        }
        if recalculate && rows.is_none() {
            return Err(PyValueError::new_err(
                "recalculate_user=True needs user_items: the history of every user asked for",
            ));
        }
        let block = index_set(block, n_items, "filter_items")?.unwrap_or_default();
        let allow = index_set(allow, n_items, "items")?;
        refuse_in_both(s.model.item_ids(), allow.as_deref(), &block, ITEM_LISTS)?;
        let exclusion = match seen {
            0 => Seen::None,
            1 => match &s.seen {
                Some(s) => Seen::Stored(s),
                None => {
                    return Err(PyValueError::new_err(
                        "filter_already_liked_items=True with user_items=None needs the \
                         training interactions, which this model does not store: pass \
                         user_items, or filter_already_liked_items=False",
                    ));
                }
            },
            _ => match &rows {
                Some(r) => Seen::Rows(r),
                None => return Err(PyValueError::new_err("user_items missing")),
            },
        };
        let cols = n.min(allow.as_ref().map_or(n_items, Vec::len));
        let lists: Vec<Vec<(u32, f32)>> = py.allow_threads(|| {
            s.threads.install(|| {
                users
                    .par_iter()
                    .enumerate()
                    .map_init(
                        || vec![0.0f32; n_items],
                        |buf, (b, &u)| {
                            let row = if recalculate {
                                rows.as_ref().map(|r| r.row(b))
                            } else {
                                None
                            };
                            s.score_user(u, row, buf);
                            let seen_row: &[u32] = match &exclusion {
                                Seen::None => &[],
                                Seen::Stored(s) if (u as usize) < s.n_users() => {
                                    s.row(UserIdx(u)).items
                                }
                                Seen::Stored(_) => &[],
                                Seen::Rows(r) => r.row(b).0,
                            };
                            top_n(buf, cols, |i| {
                                seen_row.binary_search(&i).is_err()
                                    && block.binary_search(&i).is_err()
                                    && allow.as_ref().is_none_or(|a| a.binary_search(&i).is_ok())
                            })
                        },
                    )
                    .collect()
            })
        });
        results(py, lists, cols)
    }

    /// Scores of every item for each user (rows × n_items), as `recommend` ranks them.
    #[pyo3(signature = (users, rows_indptr=None, rows_indices=None, rows_data=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        users: PyReadonlyArray1<'_, i64>,
        rows_indptr: Option<PyReadonlyArray1<'_, i64>>,
        rows_indices: Option<PyReadonlyArray1<'_, i32>>,
        rows_data: Option<PyReadonlyArray1<'_, f32>>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let guard = self.lock(py);
        let s = &*guard;
        let n_items = s.n_items();
        let rows = match (rows_indptr, rows_indices, rows_data) {
            (Some(p), Some(i), Some(d)) => Some(CsrArrays::new(&p, &i, &d, n_items, "user_items")?),
            _ => None,
        };
        let users = s.user_indices(&users, rows.is_some())?;
        if rows.is_some() && s.model.as_fold_in().is_none() {
            return Err(s.fold_in_error("scoring histories"));
        }
        let mut out = vec![0.0f32; users.len() * n_items];
        py.allow_threads(|| {
            s.threads.install(|| {
                out.par_chunks_mut(n_items.max(1))
                    .zip(users.par_iter().enumerate())
                    .for_each(|(buf, (b, &u))| {
                        let row = rows.as_ref().map(|r| r.row(b));
                        s.score_user(u, row, buf);
                    })
            })
        });
        matrix(py, out, users.len(), n_items)
    }

    /// Predictions for (user, item) index pairs.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        users: PyReadonlyArray1<'_, i64>,
        items: PyReadonlyArray1<'_, i64>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let guard = self.lock(py);
        let s = &*guard;
        let users = s.user_indices(&users, false)?;
        let n_items = s.n_items() as i64;
        let items: Vec<u32> = items
            .as_array()
            .iter()
            .map(|&i| {
                if i < 0 || i >= n_items {
                    Err(PyIndexError::new_err(format!(
                        "item index {i} outside 0..{n_items}"
                    )))
                } else {
                    Ok(i as u32)
                }
            })
            .collect::<PyResult<_>>()?;
        if users.len() != items.len() {
            return Err(PyValueError::new_err(format!(
                "predict: {} users and {} items; give two arrays of the same length",
                users.len(),
                items.len()
            )));
        }
        let out: Vec<f32> = py.allow_threads(|| {
            s.threads.install(|| {
                users
                    .par_iter()
                    .zip(items.par_iter())
                    .map(|(&u, &i)| {
                        if s.folded.contains(u) {
                            let mut buf = vec![0.0; s.n_items()];
                            s.score_user(u, None, &mut buf);
                            buf[i as usize]
                        } else {
                            s.model.predict(UserIdx(u), ItemIdx(i))
                        }
                    })
                    .collect()
            })
        });
        Ok(PyArray1::from_vec(py, out))
    }

    /// The `n` items most similar to each of `items`: cosine of the item factors for
    /// factor models, the similarity (or weight) rows for item-based models.
    #[pyo3(signature = (items, n, block=None, allow=None))]
    fn similar_items<'py>(
        &self,
        py: Python<'py>,
        items: PyReadonlyArray1<'_, i64>,
        n: usize,
        block: Option<PyReadonlyArray1<'_, i64>>,
        allow: Option<PyReadonlyArray1<'_, i64>>,
    ) -> PyResult<TopN<'py>> {
        let guard = self.lock(py);
        let s = &*guard;
        let n_items = s.n_items();
        let query = index_set_ordered(&items, n_items, "itemid")?;
        let block = index_set(block, n_items, "filter_items")?.unwrap_or_default();
        let allow = index_set(allow, n_items, "items")?;
        refuse_in_both(s.model.item_ids(), allow.as_deref(), &block, ITEM_LISTS)?;
        let cols = n.min(allow.as_ref().map_or(n_items, Vec::len));
        let keep = |i: u32| {
            block.binary_search(&i).is_err()
                && allow.as_ref().is_none_or(|a| a.binary_search(&i).is_ok())
        };
        let lists: Vec<Vec<(u32, f32)>> = if let Some(f) = factors_of(&s.model) {
            let table = normalised(&f.items, f.k);
            py.allow_threads(|| {
                s.threads
                    .install(|| cosine_top(&table, f.k, &query, cols, &keep))
            })
        } else if let Some(sim) = s.model.as_similar_items() {
            // Item-based models (ItemKNN, SLIM, EASE, hybrids): their learned similarities;
            // items the model does not relate to the query (−∞) are left out.
            py.allow_threads(|| {
                s.threads.install(|| {
                    query
                        .par_iter()
                        .map_init(
                            || vec![0f32; n_items],
                            |scores, &j| {
                                sim.similarities_into(ItemIdx(j), scores);
                                let related = |i: u32| scores[i as usize] > f32::NEG_INFINITY;
                                top_n(scores, cols, |i| i != j && keep(i) && related(i))
                            },
                        )
                        .collect()
                })
            })
        } else {
            return Err(PyNotImplementedError::new_err(format!(
                "similar_items: model kind `{}` has neither item vectors nor item similarities \
                 (factor models and item-based models have them)",
                s.model.kind()
            )));
        };
        results(py, lists, cols)
    }

    /// The `n` users most similar to each of `users` (cosine of the user factors).
    #[pyo3(signature = (users, n, block=None, allow=None))]
    fn similar_users<'py>(
        &self,
        py: Python<'py>,
        users: PyReadonlyArray1<'_, i64>,
        n: usize,
        block: Option<PyReadonlyArray1<'_, i64>>,
        allow: Option<PyReadonlyArray1<'_, i64>>,
    ) -> PyResult<TopN<'py>> {
        let guard = self.lock(py);
        let s = &*guard;
        let Some(Factors {
            users: Some(uf), k, ..
        }) = factors_of(&s.model)
        else {
            return Err(PyNotImplementedError::new_err(format!(
                "similar_users: model kind `{}` has no user vectors (MF, BPR and ALS models \
                 have them)",
                s.model.kind()
            )));
        };
        let n_users = uf.len() / k.max(1);
        if let Some(&u) = users
            .as_array()
            .iter()
            .find(|&&u| u >= 0 && (u as usize) >= n_users && (u as usize) < s.n_users())
        {
            return Err(PyIndexError::new_err(format!(
                "userid: user {u} was folded in by partial_fit_users, which gives model kind \
                 `{}` no user vector (the model's {n_users} trained users have one)",
                s.model.kind()
            )));
        }
        let query = index_set_ordered(&users, n_users, "userid")?;
        let block = index_set(block, n_users, "filter_users")?.unwrap_or_default();
        let allow = index_set(allow, n_users, "users")?;
        refuse_in_both(&s.users, allow.as_deref(), &block, USER_LISTS)?;
        let cols = n.min(allow.as_ref().map_or(n_users, Vec::len));
        let keep = |i: u32| {
            block.binary_search(&i).is_err()
                && allow.as_ref().is_none_or(|a| a.binary_search(&i).is_ok())
        };
        let table = normalised(&uf, k);
        let lists = py.allow_threads(|| {
            s.threads
                .install(|| cosine_top(&table, k, &query, cols, &keep))
        });
        results(py, lists, cols)
    }

    /// Folds in new or changed users: `rows` holds one row per entry of `userids`. ALS
    /// models re-solve those users and every item for `iterations` iterations
    /// (`AlsModel::partial_fit`); other models with a fold-in keep the histories and score
    /// those users from them. New indices grow the model.
    #[pyo3(signature = (userids, indptr, indices, data, iterations=1))]
    fn partial_fit_users(
        &self,
        py: Python<'_>,
        userids: PyReadonlyArray1<'_, i64>,
        indptr: PyReadonlyArray1<'_, i64>,
        indices: PyReadonlyArray1<'_, i32>,
        data: PyReadonlyArray1<'_, f32>,
        iterations: usize,
    ) -> PyResult<()> {
        let mut guard = self.lock(py);
        let s = &mut *guard;
        let n_items = s.n_items();
        let userids = s.user_indices(&userids, true)?;
        let rows = CsrArrays::new(&indptr, &indices, &data, n_items, "user_items")?;
        if rows.rows() != userids.len() {
            return Err(PyValueError::new_err(format!(
                "user_items has {} rows for {} users: expected shape ({}, {n_items})",
                rows.rows(),
                userids.len(),
                userids.len()
            )));
        }
        let merged = s.merged_users(&userids, &rows)?;
        if let Some(als) = s.model.downcast_ref::<AlsModel>() {
            let touched: Vec<UserIdx> = userids.iter().map(|&u| UserIdx(u)).collect();
            let als = als.clone();
            let threads = s.threads.clone();
            let seed = s.seed;
            let (model, history) = py
                .allow_threads(|| {
                    let mut ctx = FitContext::new(seed, threads);
                    let m = als.partial_fit(&merged, &touched, iterations, &mut ctx)?;
                    Ok::<_, rustrec::models::ModelError>((m, ctx.history))
                })
                .map_err(model_error)?;
            s.model = TrainedModel::new(model);
            s.history.extend(history);
            s.users = Arc::clone(s.model.user_ids());
        } else {
            if s.model.as_fold_in().is_none() {
                return Err(s.fold_in_error("partial_fit_users"));
            }
            let old_n = s.n_users();
            s.fold_in(&userids, &rows, old_n, merged.n_users());
            s.users = Arc::clone(merged.user_ids());
        }
        s.seen = Some(Arc::new(merged));
        Ok(())
    }

    /// Folds in new or changed items (ALS models only): `rows` holds one row of users per
    /// entry of `itemids`; the items and the users who touched them are re-solved for
    /// `iterations` iterations.
    #[pyo3(signature = (itemids, indptr, indices, data, iterations=1))]
    fn partial_fit_items(
        &self,
        py: Python<'_>,
        itemids: PyReadonlyArray1<'_, i64>,
        indptr: PyReadonlyArray1<'_, i64>,
        indices: PyReadonlyArray1<'_, i32>,
        data: PyReadonlyArray1<'_, f32>,
        iterations: usize,
    ) -> PyResult<()> {
        let mut guard = self.lock(py);
        let s = &mut *guard;
        let Some(als) = s.model.downcast_ref::<AlsModel>() else {
            return Err(PyNotImplementedError::new_err(format!(
                "partial_fit_items: only ALS models (kinds als, ials) re-solve items \
                 incrementally; model kind `{}` needs a refit",
                s.model.kind()
            )));
        };
        if !s.folded.is_empty() {
            return Err(PyValueError::new_err(
                "partial_fit_items after fold-in users",
            ));
        }
        let seen = s.seen.as_ref().ok_or_else(|| {
            PyValueError::new_err("partial_fit_items needs the training interactions, which this model does not store")
        })?;
        let n_users = s.n_users();
        let rows = CsrArrays::new(&indptr, &indices, &data, n_users, "item_users")?;
        let ids: Vec<i64> = itemids.as_array().to_vec();
        if rows.rows() != ids.len() {
            return Err(PyValueError::new_err(format!(
                "item_users has {} rows for {} items: expected shape ({}, {n_users})",
                rows.rows(),
                ids.len(),
                ids.len()
            )));
        }
        let old_items = s.n_items();
        let mut items = (**seen.item_ids()).clone();
        let mut given: HashMap<u32, usize> = HashMap::new();
        for (r, &i) in ids.iter().enumerate() {
            if i < 0 {
                return Err(PyIndexError::new_err(format!("item index {i} is negative")));
            }
            given.insert(i as u32, r);
        }
        let largest = ids.iter().copied().max().unwrap_or(-1);
        if largest >= old_items as i64 {
            check_index_space("itemids", largest as u64, seen.nnz() + rows.indices.len())?;
        }
        let new_items = old_items.max((largest + 1) as usize);
        for k in old_items..new_items {
            if items.get_int(k as i64).is_some() {
                return Err(PyValueError::new_err(format!(
                    "partial_fit_items: new item index {k} would get the raw id {k}, which \
                     another item already has"
                )));
            }
            items.intern_int(k as i64);
        }
        // Rebuild the user rows: old entries of untouched items, plus the given columns.
        let mut per_user: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n_users];
        let mut touched = vec![false; n_users];
        for u in 0..n_users.min(seen.n_users()) {
            let row = seen.row(UserIdx(u as u32));
            for (&i, &v) in row.items.iter().zip(row.values) {
                if given.contains_key(&i) {
                    touched[u] = true;
                } else {
                    per_user[u].push((i, v));
                }
            }
        }
        for (&i, &r) in &given {
            let (us, vs) = rows.row(r);
            for (&u, &v) in us.iter().zip(vs) {
                per_user[u as usize].push((i, v));
                touched[u as usize] = true;
            }
        }
        let mut indptr = vec![0usize];
        let mut idx = Vec::new();
        let mut val = Vec::new();
        for mut row in per_user {
            row.sort_by_key(|e| e.0);
            idx.extend(row.iter().map(|e| e.0));
            val.extend(row.iter().map(|e| e.1));
            indptr.push(idx.len());
        }
        let merged = Interactions::from_csr(
            Arc::clone(seen.user_ids()),
            Arc::new(items),
            indptr,
            idx,
            val,
            None,
        )
        .map_err(value_error)?;
        let touched: Vec<UserIdx> = (0..n_users as u32)
            .filter(|&u| touched[u as usize])
            .map(UserIdx)
            .collect();
        let als = als.clone();
        let threads = s.threads.clone();
        let seed = s.seed;
        let (model, history) = py
            .allow_threads(|| {
                let mut ctx = FitContext::new(seed, threads);
                let m = als.partial_fit(&merged, &touched, iterations, &mut ctx)?;
                Ok::<_, rustrec::models::ModelError>((m, ctx.history))
            })
            .map_err(model_error)?;
        s.model = TrainedModel::new(model);
        s.history.extend(history);
        s.seen = Some(Arc::new(merged));
        Ok(())
    }

    /// Refuses an allow list and a block list of indices (item indices, or user indices
    /// with `users`) that share an entry, as `recommend` and `similar_*` do: for the
    /// callers that rank in Python (the `rustrec.implicit` BPR's `similar_*`).
    #[pyo3(signature = (allow, block, users=false))]
    fn check_allow_block(
        &self,
        py: Python<'_>,
        allow: PyReadonlyArray1<'_, i64>,
        block: PyReadonlyArray1<'_, i64>,
        users: bool,
    ) -> PyResult<()> {
        let guard = self.lock(py);
        let s = &*guard;
        let (ids, lists) = if users {
            (&*s.users, USER_LISTS)
        } else {
            (&**s.model.item_ids(), ITEM_LISTS)
        };
        let allow = index_set(Some(allow), ids.len(), lists.allow)?;
        let block = index_set(Some(block), ids.len(), lists.block)?.unwrap_or_default();
        refuse_in_both(ids, allow.as_deref(), &block, lists)
    }

    /// Whether the model predicts ratings (`rating`) or ranks items (`ranking`).
    fn is_rating(&self, py: Python<'_>) -> bool {
        self.lock(py).model.task() == Task::Rating
    }

    /// The rating range of a rating model, or `None`.
    fn rating_range(&self, py: Python<'_>) -> Option<(f32, f32)> {
        self.lock(py).model.rating_range().map(|[a, b]| (a, b))
    }

    /// Raises `KeyboardInterrupt` (for tests of the interrupt path).
    #[staticmethod]
    fn _interrupt_error() -> PyErr {
        PyKeyboardInterrupt::new_err("interrupted")
    }
}

impl State {
    /// The model for [`crate::eval`].
    pub(crate) fn model(&self) -> &TrainedModel {
        &self.model
    }

    /// The stored training interactions.
    pub(crate) fn seen(&self) -> Option<&Arc<Interactions>> {
        self.seen.as_ref()
    }

    /// The model's pool.
    pub(crate) fn pool(&self) -> &Threads {
        &self.threads
    }

    /// The `training` record of the file the model was loaded from (null for a model
    /// fitted here).
    pub(crate) fn training(&self) -> &serde_json::Value {
        &self.training
    }
}

/// The Python names of an allow list and a block list, and of what they hold.
#[derive(Clone, Copy)]
struct Lists {
    allow: &'static str,
    block: &'static str,
    noun: &'static str,
}

/// `items=` and `filter_items=` of `recommend` and `similar_items`.
const ITEM_LISTS: Lists = Lists {
    allow: "items",
    block: "filter_items",
    noun: "item",
};

/// `users=` and `filter_users=` of `similar_users`.
const USER_LISTS: Lists = Lists {
    allow: "users",
    block: "filter_users",
    noun: "user",
};

/// Refuses indices that `allow` (the only candidates) and `block` (never listed) both
/// hold, both sorted as [`index_set`] returns them: no list honours both, and an empty one
/// would hide the mistake. The CLI (`recommend --allow --block`) and the server refuse the
/// same through [`rustrec::serving::dense_items_in_both`]; the `ValueError` names the two
/// arguments and each shared index with its raw id in `ids`.
fn refuse_in_both(ids: &IdMap, allow: Option<&[u32]>, block: &[u32], lists: Lists) -> PyResult<()> {
    let Some(allow) = allow else {
        return Ok(());
    };
    let both = rustrec::serving::dense_items_in_both(ids, allow, block);
    if both.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = both
        .iter()
        .map(|raw| {
            let raw_shown = rustrec::data::escape_control(raw);
            match ids.get_text(raw) {
                Some(i) => format!("{i} (raw id {raw_shown})"),
                None => format!("raw id {raw_shown}"),
            }
        })
        .collect();
    let one = both.len() == 1;
    Err(PyValueError::new_err(format!(
        "{} and {} both name {}{} {}: {} {} cannot be both among the only candidates and \
         never listed; leave {} out of one of the two lists",
        lists.allow,
        lists.block,
        lists.noun,
        if one { "" } else { "s" },
        shown.join(", "),
        if lists.noun == "item" { "an" } else { "a" },
        lists.noun,
        if one { "it" } else { "each" },
    )))
}

/// Indices in the order given, each below `n`.
fn index_set_ordered(a: &PyReadonlyArray1<'_, i64>, n: usize, what: &str) -> PyResult<Vec<u32>> {
    a.as_array()
        .iter()
        .map(|&v| {
            if v < 0 || v as usize >= n {
                Err(PyIndexError::new_err(format!(
                    "{what}: index {v} outside 0..{n}"
                )))
            } else {
                Ok(v as u32)
            }
        })
        .collect()
}

/// Rows of `k` values scaled to unit length (zero rows stay zero).
fn normalised(v: &[f32], k: usize) -> Vec<f32> {
    let mut out = v.to_vec();
    for row in out.chunks_mut(k.max(1)) {
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|x| *x /= norm);
        }
    }
    out
}

/// For each query row, the `n` rows of highest cosine (rows already normalised).
fn cosine_top(
    table: &[f32],
    k: usize,
    query: &[u32],
    n: usize,
    keep: &(dyn Fn(u32) -> bool + Sync),
) -> Vec<Vec<(u32, f32)>> {
    let rows = table.len() / k.max(1);
    query
        .par_iter()
        .map_init(
            || vec![0.0f32; rows],
            |buf, &q| {
                let x = &table[q as usize * k..(q as usize + 1) * k];
                for (r, o) in buf.iter_mut().enumerate() {
                    *o = table[r * k..(r + 1) * k]
                        .iter()
                        .zip(x)
                        .map(|(a, b)| a * b)
                        .sum();
                }
                top_n(buf, n, keep)
            },
        )
        .collect()
}
