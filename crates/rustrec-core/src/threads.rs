//! [`Threads`]: the one thread pool of a run, shared by training and evaluation.
//!
//! A run builds its pool once (the command line from `--threads`, a library user from
//! [`Threads::new`]) and hands it to every fit through [`crate::FitContext`]; evaluation runs
//! inside the same pool with [`Threads::install`]. Nothing sets rayon's global pool, so a
//! library caller keeps control of how many cores rustrec uses. Results never depend on the
//! thread count: the count only decides how many workers share the same fixed schedule.

use std::sync::Arc;

use crate::error::CoreError;

/// The most worker threads a run may ask for. More workers than this only add overhead on
/// any machine rustrec targets, and thousands of threads exhaust memory for their stacks.
pub const MAX_THREADS: usize = 256;

/// A shared pool of worker threads (cheap to clone: clones share the pool).
#[derive(Clone)]
pub struct Threads {
    pool: Arc<rayon::ThreadPool>,
}

impl std::fmt::Debug for Threads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Threads({})", self.count())
    }
}

impl Threads {
    /// A pool of `threads` workers; 0 means one per core. Fails above [`MAX_THREADS`] or
    /// when the operating system will not start the threads.
    pub fn new(threads: usize) -> Result<Self, CoreError> {
        let cores = cores();
        if threads > MAX_THREADS {
            return Err(CoreError::TooManyThreads {
                given: threads,
                max: MAX_THREADS,
                cores,
            });
        }
        let n = if threads == 0 { cores } else { threads };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("rustrec-{i}"))
            .build()
            .map_err(|e| CoreError::PoolStart {
                threads: n,
                reason: e.to_string(),
            })?;
        Ok(Threads {
            pool: Arc::new(pool),
        })
    }

    /// One worker: the pool of sequential runs and of tests.
    pub fn single() -> Self {
        // A single thread starts wherever threads start at all; if even that fails there is
        // nothing sensible left to do.
        Self::new(1).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Number of workers.
    pub fn count(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs `f` inside the pool: rayon's parallel iterators in `f` use these workers.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        self.pool.install(f)
    }
}

/// Cores of this machine (1 when unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_runs_parallel_work_on_its_own_workers() {
        let t = Threads::new(3).unwrap();
        assert_eq!(t.count(), 3);
        let inside = t.install(rayon::current_num_threads);
        assert_eq!(inside, 3);
        assert_eq!(t.clone().count(), 3);
        assert_eq!(Threads::single().count(), 1);
        assert_eq!(Threads::new(0).unwrap().count(), cores());
    }

    #[test]
    fn absurd_counts_are_refused_naming_the_limit() {
        let e = Threads::new(100_000).unwrap_err().to_string();
        assert!(e.contains("100000") && e.contains("at most 256"), "{e}");
        assert!(Threads::new(MAX_THREADS).is_ok());
    }
}
