//! The harnesses behind the cargo-fuzz targets, one module per reader or parser.
//!
//! Each target in `fuzz_targets/` is one line that calls a `run` function here. The same
//! files are compiled into the normal test suite (`crates/rustrec/tests/fuzz_corpus.rs`
//! includes them with `#[path]`), which runs every committed corpus file and every crash
//! found so far through exactly the code the fuzzer runs. So the modules use only the
//! `rustrec` facade, `tempfile` and `std`, and refer to each other as `crate::...` from the
//! root.
//!
//! A harness does more than wait for a panic: on success it checks that the counts agree
//! (rows, lines, non-zeros, ids), that formats which should agree give the same matrix,
//! and that every error message is free of raw control characters.

pub mod check;
pub mod experiment_config;
pub mod history;
pub mod item_files;
pub mod model_file;
pub mod ratings;
pub mod scratch;

/// Runs `f` on a one-thread rayon pool whose only worker is the calling thread, so that
/// the library's parallel loops (building a matrix sorts rows with rayon) run inline: on a
/// busy machine, handing each small job to another thread and waiting for it cost the
/// `ratings` target most of its time.
pub fn in_one_thread(f: impl FnOnce() + Send) {
    thread_local! {
        static POOL: Option<rayon::ThreadPool> =
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .use_current_thread()
                .build()
                .ok();
    }
    POOL.with(|pool| match pool {
        Some(pool) => pool.install(f),
        None => f(),
    })
}
