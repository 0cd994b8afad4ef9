//! How many allocator arenas the `rustrec` process may keep.
//!
//! glibc's allocator gives a thread that finds the arenas busy an arena of its own, up to
//! eight per core, and keeps an arena's freed memory for later allocations from that arena.
//! A read parses on rayon's workers and merges on a thread of its own; training then
//! allocates the grid and the factor tables elsewhere, so the pages the read freed were not
//! reused but joined by fresh ones. With one arena per core they are reused: ML-1M `fit`
//! peaked at 25.8–26.4 MB with the read's freed memory returned (`malloc_trim`), and at
//! 23.8–24.3 MB with this limit as well (`bench/mf_vs_libmf.sh`, whole process). Training
//! allocates outside its loops, so the workers do not contend for the arenas.

/// Limits the allocator to one arena per core (glibc; elsewhere nothing changes). Call it
/// first thing in `main`, before any other thread exists.
pub fn one_arena_per_core() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let cores = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets a parameter of the allocator (a bad value is refused, not
        // applied); called before any other thread exists, nothing allocates concurrently.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, cores);
        }
    }
}
