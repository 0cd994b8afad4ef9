//! `rustrec.evaluate`: the figures of `rustrec eval --json`, computed by the same library
//! calls on the same data.
//!
//! Test rows whose user or item the model does not know follow `rustrec eval`'s rule: they
//! are counted (`unknown_test_rows`, split into `unknown_user_test_rows` and
//! `unknown_item_test_rows`) and left out of the rating errors; in rankings a known user's
//! relevant items that the model does not know count as misses
//! (`RankingConfig::unrankable`, reported as `unrankable_relevant`), and users the model
//! does not know are left out and counted (`users_skipped_unknown`). Such rows come from a
//! rating file or from a dataset in another id space (a pandas DataFrame of raw ids is
//! one); a dataset in the model's own id space and a matrix in its index space have none.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rustrec::data::read::{Format, ReadOptions, read_in_id_space};
use rustrec::data::{DuplicatePolicy, Interactions, NoProgress, Triplets};
use rustrec::eval::{
    RankingConfig, SampledConfig, TestRow, UnknownRowCensus, UnknownTestRows, evaluate_ranking,
    evaluate_ratings_with_train, evaluate_sampled,
};
use rustrec::experiment::{EvalConfig, TestThreshold};
use rustrec::models::{Recommender, Task};
use serde_json::{Map, Value};

use crate::data::Dataset;
use crate::engine::Engine;
use crate::error::{data_error, value_error};

/// The test data of `evaluate`: a dataset or a file.
#[derive(FromPyObject)]
pub enum TestData<'py> {
    /// A dataset (in the model's id space, or mapped into it by raw ids).
    Data(PyRef<'py, Dataset>),
    /// A rating file, read into the model's id space as `rustrec eval --test` does.
    Path(PathBuf),
}

/// Test rows in the model's id space, and the rows that named a user or item the model
/// does not know (`threshold`: the relevant rows' values, for the per-user misses).
fn in_model_space(
    model: &dyn Recommender,
    test: &TestData<'_>,
    format: Option<&str>,
    threshold: Option<f32>,
) -> PyResult<(Interactions, UnknownTestRows)> {
    let users = model.user_ids();
    let items = model.item_ids();
    let (n_users, n_items) = (users.len(), items.len());
    match test {
        TestData::Path(path) => {
            let format: Format = format.unwrap_or("auto").parse().map_err(data_error)?;
            let options = ReadOptions::new(format);
            let (x, unknown) =
                read_in_id_space(path, &options, users, items, &NoProgress).map_err(data_error)?;
            if unknown == 0 {
                return Ok((x, UnknownTestRows::default()));
            }
            // As `rustrec eval`: the file once more, to tell the unknown rows apart.
            let unknown = UnknownTestRows::of_file(path, &options, users, items, threshold)
                .map_err(data_error)?;
            Ok((x, unknown))
        }
        TestData::Data(d) => {
            let x = &d.x;
            if Arc::ptr_eq(x.user_ids(), users) && Arc::ptr_eq(x.item_ids(), items) {
                return Ok((Interactions::clone(x), UnknownTestRows::default()));
            }
            if x.n_users() <= n_users
                && x.n_items() <= n_items
                && x.user_ids().is_prefix_of(users)
                && x.item_ids().is_prefix_of(items)
            {
                let y = x
                    .with_id_space(Arc::clone(users), Arc::clone(items))
                    .map_err(data_error)?;
                return Ok((y, UnknownTestRows::default()));
            }
            // Different id spaces: map by raw id.
            let mut known = Triplets::new("test", false, false);
            let mut census = UnknownRowCensus::new(n_users, threshold);
            for (u, i, v) in x.iter() {
                let a = users.get(&x.user_ids().raw(u.0));
                let b = items.get(&x.item_ids().raw(i.0));
                let row = match (a, b) {
                    (Some(a), Some(b)) => {
                        known.push(a, b, v, None, 0);
                        TestRow::Known
                    }
                    (None, _) => TestRow::UnknownUser { user: u.0 },
                    (Some(a), None) => TestRow::UnknownItem { user: a, item: i.0 },
                };
                census.add(row, v);
            }
            let y = known
                .build(Arc::clone(users), Arc::clone(items), DuplicatePolicy::Error)
                .map_err(data_error)?;
            Ok((y, census.finish()))
        }
    }
}

fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// The sampled protocol's negatives and seed (`protocol = "sampled"`), or `None` for the
/// full protocol; refuses an unknown protocol, `negatives`/`seed` without the sampled
/// protocol (nothing would use them) and `negatives = 0`, as `rustrec eval` does.
fn sampled_settings(
    protocol: &str,
    negatives: Option<usize>,
    seed: Option<u64>,
) -> PyResult<Option<(usize, u64)>> {
    match protocol {
        "full" => {
            for (name, given) in [
                ("negatives", negatives.map(|n| n.to_string())),
                ("seed", seed.map(|s| s.to_string())),
            ] {
                if let Some(value) = given {
                    return Err(PyValueError::new_err(format!(
                        "{name}={value}: only the sampled protocol uses it, and protocol is \
                         \"full\"; pass protocol=\"sampled\" or leave out {name}"
                    )));
                }
            }
            Ok(None)
        }
        "sampled" => {
            let negatives = negatives.unwrap_or(EvalConfig::default().negatives);
            if negatives == 0 {
                return Err(PyValueError::new_err(
                    "negatives=0: expected a whole number ≥ 1, such as 100",
                ));
            }
            Ok(Some((negatives, seed.unwrap_or(EvalConfig::DEFAULT_SEED))))
        }
        other => Err(PyValueError::new_err(format!(
            "protocol={other:?}: expected \"full\" (every item ranked) or \"sampled\" (each \
             relevant item against `negatives` items the user has not interacted with)"
        ))),
    }
}

/// The figures of `rustrec eval --json` for `model` on `test` (a dataset or a file),
/// leaving out each user's `train` items (default: the training interactions stored in
/// the model). Returns the JSON object as text.
#[pyfunction]
#[pyo3(signature = (model, test, train=None, cutoffs=vec![5, 10, 20], ranking=false, implicit_threshold=None, format=None, protocol="full", negatives=None, seed=None))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    py: Python<'_>,
    model: PyRef<'_, Engine>,
    test: TestData<'_>,
    train: Option<PyRef<'_, Dataset>>,
    cutoffs: Vec<usize>,
    ranking: bool,
    implicit_threshold: Option<f32>,
    format: Option<&str>,
    protocol: &str,
    negatives: Option<usize>,
    seed: Option<u64>,
) -> PyResult<String> {
    if let Some(bad) = cutoffs.iter().find(|&&k| k == 0) {
        return Err(PyValueError::new_err(format!(
            "cutoffs: {bad} is not a cutoff; give whole numbers ≥ 1, such as (5, 10, 20)"
        )));
    }
    let sampled = sampled_settings(protocol, negatives, seed)?;
    let guard = model.lock(py);
    let state = &*guard;
    let m = state.model();
    let task = m.task();
    // As `rustrec eval`: the threshold the model was trained with applies unless another
    // is given; a model trained on ratings has no rating errors against a threshold's 1s.
    let rule = TestThreshold::new(state.training(), implicit_threshold);
    let (threshold, rating_errors_apply) = (rule.threshold, rule.rating_errors_apply);
    if let Some(t) = rule.refused(task, ranking) {
        return Err(PyValueError::new_err(format!(
            "implicit_threshold={t}: the test ratings become 1s, and this {} model was \
             trained on ratings, so its RMSE against them would mean nothing; pass \
             ranking=True for ranking metrics (rating errors are then left out)",
            m.kind()
        )));
    }
    if task == Task::Rating && !ranking && sampled.is_some() {
        return Err(PyValueError::new_err(format!(
            "protocol=\"sampled\": a ranking protocol, and this {} model rates; pass \
             ranking=True to rank with it (or leave out protocol)",
            m.kind()
        )));
    }
    let (test, unknown) = in_model_space(m, &test, format, threshold)?;
    let test = match threshold {
        Some(t) => test.to_implicit(t),
        None => test,
    };
    // Training rows the model does not know are left out of the training items and
    // counted (`unknown_train_rows`), as `rustrec eval --train` does.
    let mut unknown_train_rows = 0;
    let train: Option<Interactions> = match train {
        Some(t) => {
            let (x, unknown) = in_model_space(m, &TestData::Data(t), None, None)?;
            unknown_train_rows = unknown.rows();
            Some(x)
        }
        // The stored interactions hold the users `partial_fit_users` folded in past the
        // trained ones too: the model (and so the test set mapped into its id space) knows
        // only the trained users, whose rows come first.
        None => match state.seen() {
            Some(_) => Some(state.trained_users_seen()?),
            None => None,
        },
    };
    let pool = state.pool().clone();
    let mut report = Map::new();
    report.insert("model".into(), m.kind().into());
    report.insert("test_interactions".into(), test.nnz().into());
    report.insert("unknown_test_rows".into(), unknown.rows().into());
    report.insert("unknown_user_test_rows".into(), unknown.user_rows.into());
    report.insert("unknown_item_test_rows".into(), unknown.item_rows.into());
    report.insert("unknown_train_rows".into(), unknown_train_rows.into());
    report.insert("task".into(), task.name().into());
    if let Some(t) = threshold {
        report.insert("implicit_threshold".into(), num(f64::from(t)));
    }
    let figures = py.allow_threads(|| {
        pool.install(|| {
            let mut out = Map::new();
            if task == Task::Rating && rating_errors_apply {
                let tr = train
                    .clone()
                    .unwrap_or_else(|| test.filter(|_, _, _, _| false));
                let r = evaluate_ratings_with_train(m, &test, &tr).map_err(value_error)?;
                out.insert("rmse".into(), num(r.rmse));
                out.insert("mae".into(), num(r.mae));
                out.insert("mse".into(), num(r.mse));
                // The rows the errors are over: the test rows with a known user and item.
                out.insert("test_ratings".into(), r.n.into());
                if let Some(c) = r.cold_users {
                    out.insert("cold_user_ratings".into(), c.into());
                }
                if let Some(c) = r.cold_items {
                    out.insert("cold_item_ratings".into(), c.into());
                }
            }
            if task == Task::Ranking || ranking {
                let tr = train.as_ref().ok_or_else(|| {
                    PyValueError::new_err("ranking needs the training items: pass train=")
                })?;
                let r = match sampled {
                    Some((negatives, seed)) => {
                        let mut cfg = SampledConfig::new(negatives, seed);
                        cfg.cutoffs = cutoffs.clone();
                        cfg.unrankable = unknown.unrankable.clone();
                        let r = evaluate_sampled(m, tr, &test, &cfg).map_err(value_error)?;
                        out.insert("protocol".into(), r.protocol.clone().into());
                        out.insert("eval_seed".into(), seed.into());
                        r
                    }
                    None => {
                        let mut cfg = RankingConfig::with_cutoffs(&cutoffs);
                        cfg.unrankable = unknown.unrankable.clone();
                        evaluate_ranking(m, tr, &test, &cfg).map_err(value_error)?
                    }
                };
                for (n, v) in &r.values {
                    out.insert(n.clone(), num(*v));
                }
                for (key, count) in r.counts() {
                    out.insert(key.into(), count.into());
                }
                out.insert("unrankable_relevant".into(), r.unrankable_relevant.into());
                out.insert("users_skipped_unknown".into(), unknown.users.into());
            }
            Ok::<_, PyErr>(out)
        })
    })?;
    report.extend(figures);
    Ok(Value::Object(report).to_string())
}
