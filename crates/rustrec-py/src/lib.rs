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
mod trim;

/// The registry as `rustrec models --json` prints it: `{"models": [{kind, about, task,
/// inputs, iterative, saved_as, schema_version, params: [{name, default, range, help}]}]}`.
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
                "params": f.params(),
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
    m.add_function(wrap_pyfunction!(registry_json, m)?)?;
    m.add_class::<data::Dataset>()?;
    m.add_class::<engine::Engine>()?;
    m.add_function(wrap_pyfunction!(data::read_ratings, m)?)?;
    m.add_function(wrap_pyfunction!(data::read_train_test, m)?)?;
    m.add_function(wrap_pyfunction!(data::split, m)?)?;
    m.add_function(wrap_pyfunction!(data::synthetic, m)?)?;
    m.add_function(wrap_pyfunction!(eval::evaluate, m)?)?;
    Ok(())
}
