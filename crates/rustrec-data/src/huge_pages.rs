//! Large columns in 2 MiB pages.
//!
//! Filling a freshly reserved column of a large file takes one page fault per 4 KiB page:
//! on a 10M-row file the columns' faults were about a third of the whole read. Where the
//! kernel backs memory with huge pages only on request (transparent huge pages in `madvise`
//! mode, the usual default), [`advise`] asks for them on a column's reserved but untouched
//! capacity, so it fills with 512 times fewer faults. It is a hint: nothing changes if the
//! kernel declines, and on other systems it does nothing.

/// Columns below this many bytes are left alone (they would not fill a huge page).
const MIN_BYTES: usize = 4 << 20;

/// Asks the kernel to back the spare capacity of `v` with huge pages.
pub(crate) fn advise<T>(v: &mut Vec<T>) {
    let spare = v.spare_capacity_mut();
    advise_bytes(spare.as_ptr() as usize, std::mem::size_of_val(spare));
}

/// Asks the kernel to back the untouched pages of `v` (fresh zeroed memory, as
/// `vec![0; n]` returns for large `n`) with huge pages.
pub(crate) fn advise_zeroed<T>(v: &mut [T]) {
    advise_bytes(v.as_ptr() as usize, std::mem::size_of_val(v));
}

fn advise_bytes(start: usize, bytes: usize) {
    if bytes < MIN_BYTES {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let first = start.next_multiple_of(HUGE);
        let end = (start + bytes) / HUGE * HUGE;
        if end > first {
            // SAFETY: [first, end) lies inside the caller's own allocation (rounded inwards
            // to huge-page boundaries); MADV_HUGEPAGE only changes how the kernel backs
            // those pages, never their contents or validity.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advising_leaves_the_contents_and_capacity_alone() {
        let mut v: Vec<u32> = (0..1000).collect();
        v.reserve_exact(8 << 20);
        let cap = v.capacity();
        advise(&mut v);
        v.extend(1000..(8 << 20));
        assert_eq!(v.capacity(), cap);
        assert!(v.iter().enumerate().all(|(k, &x)| x as usize == k));
    }
}
