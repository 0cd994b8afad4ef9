//! Where the CPU work of a request runs: off the async reactor, so that a request being
//! scored never delays accepting, reading or writing others.
//!
//! Two choices ([`PoolKind`]): a rayon pool of `--threads` workers, handed each job with
//! `spawn` and answering through a oneshot channel, or tokio's blocking pool
//! (`spawn_blocking`). `bench/README.md` has the measurement that picked the default. A
//! panic in a job (a bug, never a bad request) is caught and answered as a 500; the worker
//! and the server live on.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::config::PoolKind;
use crate::error::ApiError;

/// The pool the CPU work of requests runs on.
pub enum CpuPool {
    /// A rayon pool.
    Rayon(rayon::ThreadPool),
    /// tokio's blocking pool.
    Blocking,
    /// On the async worker itself.
    Inline,
}

impl CpuPool {
    /// A pool of `kind` with `threads` workers (rayon; tokio's blocking pool sizes itself),
    /// `threads` ≥ 1 as [`crate::ServeConfig::worker_threads`] gives it.
    pub fn new(kind: PoolKind, threads: usize) -> std::io::Result<Self> {
        match kind {
            PoolKind::Rayon => rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|k| format!("rustrec-serve-{k}"))
                .build()
                .map(CpuPool::Rayon)
                .map_err(std::io::Error::other),
            PoolKind::Blocking => Ok(CpuPool::Blocking),
            PoolKind::Inline => Ok(CpuPool::Inline),
        }
    }

    /// Runs `job` on the pool and waits for it without blocking the reactor.
    pub async fn run<R, F>(&self, job: F) -> Result<R, ApiError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let caught = |r: std::thread::Result<R>| {
            r.map_err(|_| ApiError::internal("internal error: the request's work panicked"))
        };
        match self {
            CpuPool::Rayon(pool) => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                pool.spawn(move || {
                    let _ = tx.send(catch_unwind(AssertUnwindSafe(job)));
                });
                match rx.await {
                    Ok(r) => caught(r),
                    Err(_) => Err(ApiError::internal("internal error: the worker stopped")),
                }
            }
            CpuPool::Blocking => {
                match tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(job))).await
                {
                    Ok(r) => caught(r),
                    Err(_) => Err(ApiError::internal("internal error: the worker stopped")),
                }
            }
            CpuPool::Inline => caught(catch_unwind(AssertUnwindSafe(job))),
        }
    }
}
