//! Giving the memory a fit freed back to the system.
//!
//! glibc's allocator keeps the pages of freed blocks in its arenas for later allocations,
//! so a notebook process stays as large as its largest fit: the fit's temporaries and, once
//! released, the by-item copy of the training matrix (52 MB for 6.5M interactions) remain
//! resident though nothing uses them. `malloc_trim` hands free pages back to the system;
//! with other C libraries this does nothing.

/// Returns the allocator's free pages to the system (glibc; elsewhere nothing).
pub(crate) fn give_back_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim releases only memory the allocator holds free; it reads and
    // changes no live allocation, and 0 is a valid padding.
    unsafe {
        libc::malloc_trim(0);
    }
}
