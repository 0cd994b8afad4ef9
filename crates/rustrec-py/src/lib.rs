//! The native half of the `rustrec` Python package (`rustrec._rustrec`), built by maturin.
//!
//! The Python half (`python/rustrec/`) holds the user-facing API: argument handling
//! (scipy matrices, numpy arrays, pandas frames), the model classes generated from the
//! registry, and the `rustrec.implicit` drop-in. This crate is the engine room it calls:
//!
//! * `data::Dataset`: an [`Interactions`](rustrec::data::Interactions) behind an `Arc`,
//!   built from CSR arrays, raw-id triplets or any file the CLI reads; the CLI's splits.
//! * `engine::Engine`: a trained model of any kind ([`TrainedModel`](rustrec::models::TrainedModel)),
//!   its training interactions, its own thread pool and its per-epoch history; fit,
//!   batched top-N, similar items and users, predictions, fold-in, partial fits,
//!   save and load in the CLI's model files.
//! * `eval::evaluate`: the figures of `rustrec eval --json`.
//!
//! Every long call (training, batch scoring, evaluation, reading) releases the GIL and runs
//! on the model's own [`Threads`](rustrec::models::Threads) pool; nothing here uses BLAS.
#![warn(missing_docs)]

use pyo3::prelude::*;

mod convert;
mod data;
mod engine;
mod error;
mod eval;
mod fold_ins;
mod inputs;
mod trim;

/// Parameters a kind sets itself, whatever value is given: `implicit` of the ALS families
/// (`als` trains on ratings, `ials` on implicit feedback). The Python classes refuse a
/// contradicting value and report these.
pub(crate) fn fixed_params(kind: &str) -> serde_json::Map<String, serde_json::Value> {
    use rustrec::models::Family;
    use rustrec::models::als::{Als, Ials};
    let mut out = serde_json::Map::new();
    for (family_kind, implicit) in [(Als::KIND, false), (Ials::KIND, true)] {
        if kind == family_kind {
            out.insert("implicit".into(), implicit.into());
        }
    }
    out
}

/// A kind's parameter table as JSON, with the default of each parameter the kind fixes
/// replaced by the value it uses.
fn params_with_fixed_defaults(
    params: Vec<rustrec::models::ParamInfo>,
    fixed: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    let mut table = serde_json::to_value(params).unwrap_or_default();
    for row in table.as_array_mut().into_iter().flatten() {
        let name = row.get("name").and_then(serde_json::Value::as_str);
        if let Some(value) = name.and_then(|n| fixed.get(n)).cloned() {
            row["default"] = value;
        }
    }
    table
}

/// The registry as `rustrec models --json` prints it, with the parameters each kind fixes:
/// `{"models": [{kind, about, task, inputs, iterative, saved_as, schema_version, params:
/// [{name, default, range, help}], fixed: {name: value}}]}` (a fixed parameter's default is
/// the value the kind uses).
#[pyfunction]
fn registry_json() -> String {
    use rustrec::models::registry::families;
    let models: Vec<serde_json::Value> = families()
        .iter()
        .map(|f| {
            serde_json::json!({
                "kind": f.kind(),
                "about": f.about(),
                "task": f.task().name(),
                "inputs": f.inputs().iter().map(|i| i.name()).collect::<Vec<_>>(),
                "iterative": f.iterative(),
                "item_based": f.item_based(),
                "saved_as": f.saved_as(),
                "schema_version": f.schema().version,
                "params": params_with_fixed_defaults(f.params(), &fixed_params(f.kind())),
                "fixed": fixed_params(f.kind()),
            })
        })
        .collect();
    serde_json::json!({ "models": models }).to_string()
}

/// The native module.
#[pymodule]
fn _rustrec(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The CLI's SIGINT/SIGTERM cleanup handler must not be installed inside Python, which
    // handles these signals itself (KeyboardInterrupt).
    rustrec::data::atomic::disable_signal_cleanup();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The largest count (sizes, iterations, cutoffs) the engine's integers hold: the
    // Python side refuses a larger one naming the argument, where pyo3's conversion would
    // raise a bare OverflowError.
    m.add("MAX_COUNT", usize::MAX)?;
    m.add_function(wrap_pyfunction!(registry_json, m)?)?;
    m.add_class::<data::Dataset>()?;
    m.add_class::<engine::Engine>()?;
    m.add_function(wrap_pyfunction!(data::check_index_space, m)?)?;
    m.add_function(wrap_pyfunction!(data::check_matrix_shape, m)?)?;
    m.add_function(wrap_pyfunction!(data::read_ratings, m)?)?;
    m.add_function(wrap_pyfunction!(data::read_train_test, m)?)?;
    m.add_function(wrap_pyfunction!(data::split, m)?)?;
    m.add_function(wrap_pyfunction!(data::synthetic, m)?)?;
    m.add_function(wrap_pyfunction!(eval::evaluate, m)?)?;
    Ok(())
}
