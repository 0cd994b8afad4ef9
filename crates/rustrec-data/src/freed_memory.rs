//! Returning the memory a parallel read freed to the system.
//!
//! glibc's allocator gives each thread that allocates its own arena, and keeps an arena's
//! freed memory for that thread's later allocations. The reader's rayon workers allocate the
//! chunks' row columns and id tables; once the read is over those are freed, but stay
//! resident in the workers' arenas, which training hardly allocates from again. On ML-1M
//! that was about 3 MB of the `fit` process's peak (27.2 against 23.9 MB; whole process,
//! `bench/mf_vs_libmf.sh`). [`release_freed_memory`] hands such free pages back
//! (`malloc_trim`); elsewhere it does nothing.

/// Returns the free pages of every allocator arena to the kernel (glibc's `malloc_trim`).
/// Live allocations are untouched; a later allocation just faults fresh pages in.
pub(crate) fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim is thread-safe and only gives free memory of the allocator's own
    // arenas back to the kernel (or reports that there was none); no live allocation moves
    // or changes.
    unsafe {
        libc::malloc_trim(0);
    }
}
