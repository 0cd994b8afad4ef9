//! Random holdout over all entries.

use rand::Rng;

use super::{Split, check_fraction, count_of, rng_from};
use crate::error::Result;
use crate::interactions::Interactions;

/// Moves exactly `round(nnz × test_fraction)` entries, chosen uniformly at random among all
/// entries, to test; the rest is train.
///
/// The draw picks distinct CSR positions by rejection on a bit mask, choosing the smaller
/// side (test if the fraction is at most one half, train otherwise), so it costs
/// `O(nnz)` whatever the fraction. `test_fraction` must lie strictly between 0 and 1.
pub fn holdout(x: &Interactions, test_fraction: f64, seed: u64) -> Result<Split> {
    check_fraction("test_fraction", test_fraction)?;
    let nnz = x.nnz();
    let n_test = count_of(nnz, test_fraction);
    let pick_test = n_test <= nnz / 2;
    let n_pick = if pick_test { n_test } else { nnz - n_test };
    let mut picked = vec![false; nnz];
    let mut rng = rng_from(seed);
    let mut left = n_pick;
    while left > 0 {
        let k = rng.random_range(0..nnz);
        if !picked[k] {
            picked[k] = true;
            left -= 1;
        }
    }
    if !pick_test {
        picked.iter_mut().for_each(|p| *p = !*p);
    }
    Ok(Split::from_test_mask(x, &picked))
}

/// Carves a validation set out of a training set by a random holdout: the returned split's
/// `train` is the set to fit on, its `test` the validation set.
///
/// The seed is mixed with a constant so that using one seed for the outer split and for
/// this one does not replay the same random draws.
pub fn validation_split(train: &Interactions, fraction: f64, seed: u64) -> Result<Split> {
    check_fraction("validation_fraction", fraction)?;
    holdout(train, fraction, seed ^ VALIDATION_SEED_MIX)
}

/// Mixed into the seed of a validation split (see [`validation_split`]).
pub(super) const VALIDATION_SEED_MIX: u64 = 0x005E_ED0F_7A11_DA7E;
