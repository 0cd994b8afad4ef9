//! Leave-k-out per user.

use rand::Rng;

use super::holdout::VALIDATION_SEED_MIX;
use super::{Split, rng_from};
use crate::error::{DataError, Result};
use crate::interactions::Interactions;

/// Which of a user's entries go to test in [`leave_k_out`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeaveOut {
    /// `k` entries chosen uniformly at random.
    Random,
    /// The `k` latest entries by timestamp; among equal timestamps the larger item index
    /// counts as later. Needs timestamps.
    Latest,
}

impl std::str::FromStr for LeaveOut {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "random" => Ok(Self::Random),
            "latest" | "last" => Ok(Self::Latest),
            other => Err(DataError::invalid_parameter(
                "leave_out",
                other,
                "one of random, latest",
            )),
        }
    }
}

/// For every user with more than `k` interactions, moves `k` of them to test (chosen by
/// `which`); users with `k` or fewer stay whole in train.
///
/// The random choice is a partial Fisher–Yates shuffle of each row's positions, users in
/// index order, all from one generator seeded by `seed`. `k` must be at least 1;
/// [`LeaveOut::Latest`] fails on data without timestamps.
pub fn leave_k_out(x: &Interactions, k: usize, which: LeaveOut, seed: u64) -> Result<Split> {
    if k == 0 {
        return Err(DataError::invalid_parameter(
            "k",
            k,
            "at least 1 test entry per user",
        ));
    }
    let stamps = match which {
        LeaveOut::Latest => Some(x.timestamps().ok_or_else(|| {
            DataError::Invalid(
                "leave-k-out of the latest entries needs timestamps, and this data has none; \
                 use random leave-k-out or data with timestamps"
                    .into(),
            )
        })?),
        LeaveOut::Random => None,
    };
    let ptr = x.user_ptr();
    let items = x.item_indices();
    let mut in_test = vec![false; x.nnz()];
    let mut rng = rng_from(seed);
    let mut scratch: Vec<usize> = Vec::new();
    for u in 0..x.n_users() {
        let (a, b) = (ptr[u], ptr[u + 1]);
        let len = b - a;
        if len <= k {
            continue;
        }
        scratch.clear();
        scratch.extend(a..b);
        match stamps {
            None => {
                for j in 0..k {
                    let pick = rng.random_range(j..len);
                    scratch.swap(j, pick);
                }
                for &p in &scratch[..k] {
                    in_test[p] = true;
                }
            }
            Some(ts) => {
                // Keys (timestamp, item) are distinct within a row: the k largest are exact.
                scratch.select_nth_unstable_by_key(len - k, |&p| (ts[p], items[p]));
                for &p in &scratch[len - k..] {
                    in_test[p] = true;
                }
            }
        }
    }
    Ok(Split::from_test_mask(x, &in_test))
}

/// Carves a validation set out of a training set by a random [`leave_k_out`]: every user
/// with more than `k` training interactions has `k` of them moved to validation — the
/// validation counterpart of a leave-k-out test protocol. The returned split's `train` is
/// the set to fit on, its `test` the validation set.
///
/// As in [`super::validation_split`], the seed is mixed with a constant so that one seed
/// for the outer split and for this one does not replay the same draws.
pub fn validation_leave_k_out(train: &Interactions, k: usize, seed: u64) -> Result<Split> {
    leave_k_out(train, k, LeaveOut::Random, seed ^ VALIDATION_SEED_MIX)
}
