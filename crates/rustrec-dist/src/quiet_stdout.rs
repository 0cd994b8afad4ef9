//! timely prints its connection progress ("awaiting connections ...", "error connecting
//! ... retrying") with `println!`, on standard output, where `rustrec fit --json` promises
//! exactly one JSON object. [`to_stderr_while`] points file descriptor 1 at standard error
//! while the processes connect, then restores it.

/// Runs `f` with standard output redirected to standard error (on Unix; elsewhere `f`
/// runs as is).
pub fn to_stderr_while<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(unix)]
    {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        // SAFETY: dup/dup2/close on the process's own standard descriptors 1 and 2, which
        // stay open for the whole program; a failed dup (-1) skips the redirection.
        let saved = unsafe { libc::dup(1) };
        if saved >= 0 {
            // SAFETY: as above; 2 and 1 are valid descriptors.
            unsafe { libc::dup2(2, 1) };
        }
        let out = f();
        if saved >= 0 {
            let _ = std::io::stdout().flush();
            // SAFETY: `saved` is the descriptor dup returned above, still open.
            unsafe {
                libc::dup2(saved, 1);
                libc::close(saved);
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        f()
    }
}
