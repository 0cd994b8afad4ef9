//! The cache prefetch hint (x86-64 baseline SSE; nothing elsewhere).

/// Asks the CPU to bring the cache line holding `p` into L1 ahead of use. A hint only: it
/// reads nothing architecturally and never faults, so any address is fine (even one past
/// a slice or dangling), and results never depend on it.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of the x86-64 baseline; a prefetch cannot fault nor change
        // memory, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
