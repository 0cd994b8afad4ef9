//! The error type of the core crate.

/// What can go wrong in the shared layer: a thread count out of range, or a thread pool
/// the operating system would not start.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The requested thread count is above [`crate::MAX_THREADS`].
    #[error(
        "threads = {given}: at most {max} worker threads (0 = one per core, {cores} on this \
         machine)"
    )]
    TooManyThreads {
        /// The count asked for.
        given: usize,
        /// The limit, [`crate::MAX_THREADS`].
        max: usize,
        /// Cores of this machine.
        cores: usize,
    },
    /// The pool could not be started.
    #[error("cannot start {threads} worker threads: {reason}")]
    PoolStart {
        /// The count asked for.
        threads: usize,
        /// What the operating system said.
        reason: String,
    },
}
