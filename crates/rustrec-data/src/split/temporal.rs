//! Global temporal cuts.

use super::{Split, check_fraction, count_of};
use crate::error::{DataError, Result};
use crate::interactions::Interactions;

fn stamps_of(x: &Interactions) -> Result<&[i64]> {
    x.timestamps().ok_or_else(|| {
        DataError::Invalid(
            "a temporal split needs timestamps, and this data has none; use a random holdout \
             or data with timestamps"
                .into(),
        )
    })
}

/// Moves the latest `round(nnz × test_fraction)` entries by timestamp to test; ties between
/// equal timestamps are broken by CSR position (user index, then item index), the later
/// position counting as later. Fails on data without timestamps.
///
/// Users who only rated after the cut become cold test users (see the module docs).
pub fn temporal(x: &Interactions, test_fraction: f64) -> Result<Split> {
    check_fraction("test_fraction", test_fraction)?;
    let ts = stamps_of(x)?;
    let nnz = x.nnz();
    let n_test = count_of(nnz, test_fraction);
    let mut in_test = vec![false; nnz];
    if n_test > 0 {
        // (timestamp, position) keys are distinct, so the selected set is exact.
        let mut keys: Vec<(i64, u32)> =
            ts.iter().enumerate().map(|(k, &t)| (t, k as u32)).collect();
        let cut = nnz - n_test;
        keys.select_nth_unstable(cut);
        for &(_, k) in &keys[cut..] {
            in_test[k as usize] = true;
        }
    }
    Ok(Split::from_test_mask(x, &in_test))
}

/// Cuts at `timestamp`: entries with a timestamp `>= timestamp` go to test, earlier ones to
/// train. Fails on data without timestamps.
pub fn temporal_at(x: &Interactions, timestamp: i64) -> Result<Split> {
    let ts = stamps_of(x)?;
    let in_test: Vec<bool> = ts.iter().map(|&t| t >= timestamp).collect();
    Ok(Split::from_test_mask(x, &in_test))
}
