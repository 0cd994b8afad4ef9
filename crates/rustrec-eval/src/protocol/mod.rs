//! Evaluation protocols: how candidates are chosen and users are walked.
//!
//! * [`full`] ranks every item of the catalog (less the user's training items) for each
//!   test user — the protocol of record.
//! * [`sampled`] ranks each held-out item against `N` sampled non-interacted items — cheap,
//!   popular in the literature (He et al. 2017), and known to be biased (Krichene & Rendle
//!   2020); its metrics carry a `sampled_` prefix so they are never mistaken for the others.
//!
//! ## Parallelism, memory and determinism
//! Both protocols share one driver: the users to evaluate are cut into fixed blocks of
//! [`BLOCK_USERS`]; rayon evaluates blocks in parallel (in the caller's thread pool — wrap
//! the call in `ThreadPool::install` to choose the thread count), each worker reusing one
//! workspace (a score buffer of `n_items` floats, a mark per item, the candidate list), so
//! memory is `O(threads × items)`, never `users × items`. Each block adds its users'
//! values in user order; block sums are then added in block order. Results are therefore
//! identical bit for bit whatever the number of threads.

pub mod full;
pub mod sampled;
pub mod top_k;

use rayon::prelude::*;
use rustrec_core::Recommender;
use rustrec_data::{Interactions, UserIdx};

use crate::error::{EvalError, Result};
use crate::report::{PerUserResult, PerUserResults};

/// Users per parallel block (fixed, so that sums do not depend on the thread count).
pub const BLOCK_USERS: usize = 64;

/// What happened to one user.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Outcome {
    /// No relevant test item (`overlap` test items were training items).
    NoTest { overlap: usize },
    /// Test items but no training interaction, and the protocol requires one.
    NoTrain,
    /// Evaluated: the per-user values were written. `n_relevant` counts the `unrankable`
    /// relevant items too (those the model does not know, counted as misses).
    /// `fewer_negatives`: the sampled protocol could not draw the `N` negatives asked for
    /// (the user has fewer free items) and took all the free ones (always `false` in the
    /// full protocol).
    Evaluated {
        n_relevant: usize,
        overlap: usize,
        unrankable: usize,
        fewer_negatives: bool,
    },
}

/// Sums over the evaluated users, in user order.
pub(crate) struct Totals {
    pub sums: Vec<f64>,
    /// Users whose value was defined (not NaN), per slot.
    pub defined: Vec<usize>,
    pub evaluated: usize,
    pub no_test: usize,
    pub no_train: usize,
    pub overlap: usize,
    /// Relevant items of the evaluated users that the model cannot rank.
    pub unrankable: usize,
    /// Evaluated users whose negatives were all their free items, fewer than asked for
    /// (sampled protocol).
    pub fewer_negatives: usize,
    pub rows: Vec<(u32, usize, Vec<f64>)>,
}

impl Totals {
    fn new(n_slots: usize) -> Self {
        Totals {
            sums: vec![0.0; n_slots],
            defined: vec![0; n_slots],
            evaluated: 0,
            no_test: 0,
            no_train: 0,
            overlap: 0,
            unrankable: 0,
            fewer_negatives: 0,
            rows: Vec::new(),
        }
    }

    fn merge(&mut self, b: Totals) {
        for (a, x) in self.sums.iter_mut().zip(&b.sums) {
            *a += x;
        }
        for (a, x) in self.defined.iter_mut().zip(&b.defined) {
            *a += x;
        }
        self.evaluated += b.evaluated;
        self.no_test += b.no_test;
        self.no_train += b.no_train;
        self.overlap += b.overlap;
        self.unrankable += b.unrankable;
        self.fewer_negatives += b.fewer_negatives;
        self.rows.extend(b.rows);
    }

    /// Mean of slot `s` over the users where it is defined (NaN if none).
    pub fn mean(&self, s: usize) -> f64 {
        if self.defined[s] == 0 {
            f64::NAN
        } else {
            self.sums[s] / self.defined[s] as f64
        }
    }

    /// Fails when no user was evaluated, saying why.
    pub fn require_some(&self) -> Result<()> {
        if self.evaluated > 0 {
            return Ok(());
        }
        Err(EvalError::Nothing(format!(
            "no user could be evaluated ({} users without a relevant test item, {} without \
             training data)",
            self.no_test, self.no_train
        )))
    }

    /// The per-user rows with raw user ids.
    pub fn per_user(&self, names: Vec<String>, users: &Interactions) -> PerUserResults {
        PerUserResults {
            names,
            rows: self
                .rows
                .iter()
                .map(|(u, n, v)| PerUserResult {
                    user: users.user_ids().raw(*u).to_string(),
                    n_test: *n,
                    values: v.clone(),
                })
                .collect(),
        }
    }
}

/// The users to walk: `chosen` (sorted, deduplicated; each must be known to the model) or
/// every user of `test` that the model knows.
pub(crate) fn select_users(
    model: &dyn Recommender,
    test: &Interactions,
    chosen: Option<&[UserIdx]>,
) -> Result<Vec<u32>> {
    match chosen {
        Some(list) => {
            let mut users: Vec<u32> = list.iter().map(|u| u.0).collect();
            users.sort_unstable();
            users.dedup();
            if let Some(&u) = users.iter().find(|&&u| u as usize >= model.n_users()) {
                return Err(EvalError::invalid(
                    "users",
                    format!("user index {u}"),
                    format!("indices below {} (the model's users)", model.n_users()),
                ));
            }
            Ok(users)
        }
        None => Ok((0..test.n_users().min(model.n_users()) as u32).collect()),
    }
}

/// Runs `eval` on every user in parallel blocks and sums the per-user values (`n_slots` of
/// them; NaN = undefined for that user) in user order. `prepare` sees each block's users
/// before they are evaluated (to score them together).
pub(crate) fn run<W>(
    users: &[u32],
    n_slots: usize,
    keep_rows: bool,
    init: impl Fn() -> W + Sync + Send,
    prepare: impl Fn(&mut W, &[u32]) + Sync + Send,
    eval: impl Fn(&mut W, u32, &mut [f64]) -> Outcome + Sync + Send,
) -> Totals {
    let blocks: Vec<Totals> = users
        .par_chunks(BLOCK_USERS)
        .map_init(
            || (init(), vec![0.0; n_slots]),
            |(ws, values), chunk| {
                prepare(ws, chunk);
                let mut t = Totals::new(n_slots);
                for &u in chunk {
                    match eval(ws, u, values) {
                        Outcome::NoTest { overlap } => {
                            t.no_test += 1;
                            t.overlap += overlap;
                        }
                        Outcome::NoTrain => t.no_train += 1,
                        Outcome::Evaluated {
                            n_relevant,
                            overlap,
                            unrankable,
                            fewer_negatives,
                        } => {
                            t.evaluated += 1;
                            t.fewer_negatives += usize::from(fewer_negatives);
                            t.overlap += overlap;
                            t.unrankable += unrankable;
                            for (s, &v) in values.iter().enumerate() {
                                if !v.is_nan() {
                                    t.sums[s] += v;
                                    t.defined[s] += 1;
                                }
                            }
                            if keep_rows {
                                t.rows.push((u, n_relevant, values.clone()));
                            }
                        }
                    }
                }
                t
            },
        )
        .collect();
    let mut total = Totals::new(n_slots);
    for b in blocks {
        total.merge(b);
    }
    total
}

/// Number of common entries of two increasing lists.
pub(crate) fn count_common(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Sorted, deduplicated cutoffs; each must be at least 1.
pub(crate) fn check_cutoffs(cutoffs: &[usize], needed: bool) -> Result<Vec<usize>> {
    if let Some(&k) = cutoffs.iter().find(|&&k| k == 0) {
        return Err(EvalError::invalid("cutoffs", k, "cutoffs of at least 1"));
    }
    if needed && cutoffs.is_empty() {
        return Err(EvalError::invalid(
            "cutoffs",
            "[]",
            "at least one cutoff for metrics at k",
        ));
    }
    let mut c = cutoffs.to_vec();
    c.sort_unstable();
    c.dedup();
    Ok(c)
}

/// Refuses unrankable counts for users the model does not know (they could never be walked,
/// so their items would vanish from the figures without a word).
pub(crate) fn check_unrankable(model: &dyn Recommender, unrankable: &[u32]) -> Result<()> {
    let n_users = model.n_users();
    match unrankable.iter().skip(n_users).position(|&n| n > 0) {
        Some(k) => Err(EvalError::invalid(
            "unrankable",
            format!(
                "{} items for user index {}",
                unrankable[n_users + k],
                n_users + k
            ),
            format!(
                "counts for the model's users only (indices below {n_users}); the relevant \
                 items of users the model does not know cannot be counted per user"
            ),
        )),
        None => Ok(()),
    }
}

/// The relevant items of user `u` that the model cannot rank, from per-user counts
/// (users beyond the vector: 0).
#[inline]
pub(crate) fn unrankable_of(unrankable: &[u32], u: u32) -> usize {
    unrankable.get(u as usize).map_or(0, |&n| n as usize)
}

/// The user's row in `data`, empty when the user is beyond its id map.
#[inline]
pub(crate) fn row_items(data: &Interactions, u: u32) -> &[u32] {
    if (u as usize) < data.n_users() {
        data.row(UserIdx(u)).items
    } else {
        &[]
    }
}
