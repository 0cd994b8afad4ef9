//! Checking, before allocating, that a model's tables fit in this machine's memory.
//!
//! A factor table of `factors × rows` floats is allocated lazily by the operating system, so
//! an absurd size (`factors = 1024` on hundreds of millions of rows) does not fail at the
//! allocation but later, as an abort or the out-of-memory killer. Families estimate what
//! they will allocate ([`crate::Family::memory_estimate`]) and the registry refuses a fit
//! whose estimate exceeds the machine's physical memory, naming the sizes.

use crate::error::{ModelError, Result};

/// Bytes of physical memory of this machine (`None` when it cannot be read).
pub fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Fails when `bytes` exceed `available`, with `what` (such as "mf with factors = 1024 on
/// 943 users and 1682 items") in the message.
pub fn ensure_fits(what: &str, bytes: u128, available: Option<u64>) -> Result<()> {
    match available {
        Some(limit) if bytes > u128::from(limit) => Err(ModelError::Data(format!(
            "{what} needs about {} of memory for its tables; this machine has {}: lower the \
             sizes (factors, members, neighbours, ...) or use a larger machine",
            show_bytes(bytes),
            show_bytes(u128::from(limit))
        ))),
        _ => Ok(()),
    }
}

/// `bytes` as "12.3 GB".
pub fn show_bytes(bytes: u128) -> String {
    let gb = bytes as f64 / 1e9;
    if gb >= 1.0 {
        format!("{gb:.1} GB")
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// Bytes of a padded factor table of `rows × cols` floats, times `copies` (the table, its
/// optimizer state, an average, ...).
pub fn table_bytes(rows: usize, cols: usize, copies: usize) -> u128 {
    let stride = cols.div_ceil(super::table::LANES) * super::table::LANES;
    rows as u128 * stride as u128 * 4 * copies as u128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_above_the_memory_is_refused_naming_both() {
        assert!(ensure_fits("x", 10, Some(100)).is_ok());
        assert!(ensure_fits("x", u128::MAX, None).is_ok());
        let e = ensure_fits("mf with factors = 1024", 5_000_000_000, Some(1_000_000_000))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("factors = 1024") && e.contains("5.0 GB") && e.contains("1.0 GB"),
            "{e}"
        );
        assert_eq!(table_bytes(10, 17, 2), 10 * 32 * 4 * 2);
        assert!(physical_memory().is_none_or(|m| m > 0));
    }
}
