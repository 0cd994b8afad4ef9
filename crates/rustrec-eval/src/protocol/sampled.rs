//! The sampled protocol: each held-out item ranked against `N` sampled negatives.
//!
//! For every test user (with training data, by default) and each of the user's test items
//! `t` that is not a training item, `N` distinct *negatives* are drawn uniformly from the
//! items the user has not interacted with (neither in train nor in test), and `t` is ranked
//! among those `N + 1` items: `rank = 1 +` the negatives ordered before `t` by
//! `topn::better` (higher score; on equal scores the lower item index first, as in the
//! full protocol). Per test item:
//!
//! * `sampled_hit_rate@k = [rank ≤ k]`,
//! * `sampled_ndcg@k = [rank ≤ k] / log2(rank + 1)` (one relevant item, so IDCG = 1),
//! * `sampled_mrr = 1 / rank`,
//! * `sampled_auc = (negatives scored below t + ½ tied) / N`.
//!
//! A user's values are the means over the user's test items; the reported values are the
//! means over users (macro average, as in the full protocol; with leave-one-out splits this
//! is the same as the mean over test items). When a user has at most `N` non-interacted
//! items, all of them are the negatives (no sampling); a user with none gets rank 1 and an
//! undefined AUC. The users with fewer than `N` are counted
//! (`RankingMetrics::users_with_fewer_negatives`), so that an `N` near or beyond the
//! catalog — where the protocol ranks against every free item — does not pass unsaid.
//!
//! Relevant items the model cannot rank (`SampledConfig::unrankable`: test items it does
//! not know, of users it knows) count as misses: each adds a test item whose hit rate,
//! NDCG and reciprocal rank are 0 and whose AUC is 0 (every negative above it; undefined,
//! as for the others, when the user has no free item). A user whose only relevant items
//! are unrankable is evaluated with all values 0.
//!
//! ## Randomness
//! Each user has its own stream (`Xoshiro256PlusPlus` seeded from `(seed, user index)`), so
//! the negatives — and the metrics — do not depend on the thread count or on which other
//! users are evaluated. Negatives are drawn by rejection when at least half of the catalog
//! is free for the user, otherwise by a partial Fisher–Yates shuffle of the free items.

use std::cmp::Ordering;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustrec_core::Recommender;
use rustrec_core::topn::better;
use rustrec_data::{Interactions, UserIdx};

use super::{
    Outcome, check_cutoffs, check_unrankable, count_common, row_items, run, select_users,
    unrankable_of,
};
use crate::error::{EvalError, Result};
use crate::id_space::check_in_model_space;
use crate::metrics::auc::{ranks_below, ties};
use crate::metrics::discount;
use crate::report::RankingMetrics;

/// Settings of a sampled evaluation.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `n_negatives` | 100 | negatives drawn per test item |
/// | `seed` | 1 ([`SampledConfig::DEFAULT_SEED`]) | seed of the negative draws |
/// | `cutoffs` | `[5, 10, 20]` | the `k` of `sampled_hit_rate@k`, `sampled_ndcg@k` |
/// | `require_train` | `true` | skip (and count) test users without training data |
/// | `per_user` | `false` | keep one result row per user |
/// | `users` | `None` (all) | evaluate only these users |
/// | `unrankable` | empty (none) | per user, relevant test items the model cannot rank |
///
/// `unrankable[u]` (users beyond the vector: 0) counts user `u`'s relevant test items that
/// are not in `test` because the model does not know them; they count as misses (see the
/// module docs). Counts for users the model does not know are refused.
#[derive(Clone, Debug, PartialEq)]
pub struct SampledConfig {
    /// Negatives per test item (≥ 1).
    pub n_negatives: usize,
    /// Seed of the negative draws.
    pub seed: u64,
    /// Cutoffs `k` (each ≥ 1).
    pub cutoffs: Vec<usize>,
    /// Whether users without training interactions are skipped (and counted).
    pub require_train: bool,
    /// Whether per-user results are kept.
    pub per_user: bool,
    /// Restrict the evaluation to these users (dense indices).
    pub users: Option<Vec<UserIdx>>,
    /// Per user, the relevant test items the model cannot rank (counted as misses).
    pub unrankable: Vec<u32>,
}

impl SampledConfig {
    /// The seed of the negative draws when none is chosen: the one `rustrec fit` and
    /// `rustrec eval` use by default (`eval.seed`), so that the library's default settings
    /// give the front ends' figures.
    pub const DEFAULT_SEED: u64 = 1;

    /// The default settings with `n_negatives` negatives and `seed`.
    pub fn new(n_negatives: usize, seed: u64) -> Self {
        SampledConfig {
            n_negatives,
            seed,
            ..Self::default()
        }
    }
}

impl Default for SampledConfig {
    fn default() -> Self {
        SampledConfig {
            n_negatives: 100,
            seed: Self::DEFAULT_SEED,
            cutoffs: vec![5, 10, 20],
            require_train: true,
            per_user: false,
            users: None,
            unrankable: Vec::new(),
        }
    }
}

const FREE: u8 = 0;
const TAKEN: u8 = 1;
const DRAWN: u8 = 2;

struct Workspace {
    scores: Vec<f32>,
    mark: Vec<u8>,
    free: Vec<u32>,
    negatives: Vec<u32>,
    sums: Vec<f64>,
}

/// How a user's negatives are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DrawMode {
    /// At most `N` free items: take them all.
    All,
    /// At least half the catalog is free: draw uniformly and reject taken or drawn items.
    Rejection,
    /// Few free items: partial Fisher–Yates shuffle of the list of free items.
    Shuffle,
}

impl DrawMode {
    fn choose(n_negatives: usize, n_free: usize, n_items: usize) -> Self {
        if n_free <= n_negatives {
            DrawMode::All
        } else if 2 * n_free >= n_items {
            DrawMode::Rejection
        } else {
            DrawMode::Shuffle
        }
    }
}

/// Draws `n` distinct free items into `out`. `mark` flags the user's items as `TAKEN`
/// (and is left as it was found); `free` lists the free items (unused by `Rejection`).
fn draw_negatives(
    mode: DrawMode,
    n: usize,
    mark: &mut [u8],
    free: &mut [u32],
    rng: &mut Xoshiro256PlusPlus,
    out: &mut Vec<u32>,
) {
    out.clear();
    match mode {
        DrawMode::All => out.extend_from_slice(free),
        DrawMode::Rejection => {
            let n_items = mark.len() as u32;
            while out.len() < n {
                let i = rng.random_range(0..n_items);
                if mark[i as usize] == FREE {
                    mark[i as usize] = DRAWN;
                    out.push(i);
                }
            }
            for &i in out.iter() {
                mark[i as usize] = FREE;
            }
        }
        DrawMode::Shuffle => {
            for j in 0..n {
                let r = rng.random_range(j..free.len());
                free.swap(j, r);
            }
            out.extend_from_slice(&free[..n]);
        }
    }
}

/// The stream seed of one user: SplitMix64 finalizer of `seed` and the user index.
fn user_seed(seed: u64, user: u32) -> u64 {
    let mut z = seed ^ (u64::from(user) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Evaluates `model` under the sampled protocol (see the module docs).
///
/// Metric names carry the prefix `sampled_` and the result's `protocol` is
/// `"sampled(N)"`. `train` and `test` must be in the model's id space.
pub fn evaluate_sampled(
    model: &dyn Recommender,
    train: &Interactions,
    test: &Interactions,
    cfg: &SampledConfig,
) -> Result<RankingMetrics> {
    check_in_model_space(model, train, "train")?;
    check_in_model_space(model, test, "test")?;
    if cfg.n_negatives == 0 {
        return Err(EvalError::invalid("n_negatives", 0, "at least 1"));
    }
    let cutoffs = check_cutoffs(&cfg.cutoffs, true)?;
    check_unrankable(model, &cfg.unrankable)?;
    let users = select_users(model, test, cfg.users.as_deref())?;
    let n_items = model.n_items();
    let n_cut = cutoffs.len();
    // Slots: hit_rate@k…, ndcg@k…, mrr, auc.
    let n_slots = 2 * n_cut + 2;
    let totals = run(
        &users,
        n_slots,
        cfg.per_user,
        || Workspace {
            scores: vec![0.0; n_items],
            mark: vec![FREE; n_items],
            free: Vec::new(),
            negatives: Vec::with_capacity(cfg.n_negatives),
            sums: vec![0.0; n_slots],
        },
        |_, _| {},
        |ws, u, out| {
            let test_items = row_items(test, u);
            let train_items = row_items(train, u);
            let overlap = count_common(test_items, train_items);
            let unrankable = unrankable_of(&cfg.unrankable, u);
            if test_items.len() == overlap && unrankable == 0 {
                return Outcome::NoTest { overlap };
            }
            if cfg.require_train && train_items.is_empty() {
                return Outcome::NoTrain;
            }
            let user = UserTest {
                u,
                train_items,
                test_items,
                unrankable,
            };
            let (n_relevant, fewer_negatives) = evaluate_user(model, ws, &user, cfg, &cutoffs);
            out.copy_from_slice(&ws.sums);
            Outcome::Evaluated {
                n_relevant,
                overlap,
                unrankable,
                fewer_negatives,
            }
        },
    );
    totals.require_some()?;
    let mut names: Vec<String> = Vec::with_capacity(n_slots);
    names.extend(cutoffs.iter().map(|k| format!("sampled_hit_rate@{k}")));
    names.extend(cutoffs.iter().map(|k| format!("sampled_ndcg@{k}")));
    names.push("sampled_mrr".into());
    names.push("sampled_auc".into());
    let values = names
        .iter()
        .enumerate()
        .map(|(s, n)| (n.clone(), totals.mean(s)))
        .collect();
    Ok(RankingMetrics {
        protocol: format!("sampled({})", cfg.n_negatives),
        seed: Some(cfg.seed),
        unrankable_relevant: totals.unrankable,
        values,
        users_evaluated: totals.evaluated,
        users_skipped_no_test: totals.no_test,
        users_skipped_no_train: totals.no_train,
        auc_users: totals.defined[n_slots - 1],
        test_items_in_train: totals.overlap,
        users_with_fewer_negatives: totals.fewer_negatives,
        per_user: cfg.per_user.then(|| totals.per_user(names, test)),
    })
}

/// One user's items: training and test items (sorted indices) and the count of relevant
/// test items the model cannot rank.
struct UserTest<'a> {
    u: u32,
    train_items: &'a [u32],
    test_items: &'a [u32],
    unrankable: usize,
}

/// Fills `ws.sums` with the user's mean values; returns the number of relevant items (the
/// ranked ones and the unrankable ones, which count as misses) and whether the user had
/// fewer free items than the negatives asked for (all of them were then the negatives).
fn evaluate_user(
    model: &dyn Recommender,
    ws: &mut Workspace,
    user: &UserTest<'_>,
    cfg: &SampledConfig,
    cutoffs: &[usize],
) -> (usize, bool) {
    let UserTest {
        u,
        train_items,
        test_items,
        unrankable,
    } = *user;
    let n_items = ws.mark.len();
    let n_cut = cutoffs.len();
    let mark = &mut ws.mark;
    for &i in train_items.iter().chain(test_items) {
        mark[i as usize] = TAKEN;
    }
    let n_free =
        n_items - (train_items.len() + test_items.len() - count_common(train_items, test_items));
    let mode = DrawMode::choose(cfg.n_negatives, n_free, n_items);
    ws.free.clear();
    if mode != DrawMode::Rejection {
        ws.free
            .extend((0..n_items as u32).filter(|&i| mark[i as usize] == FREE));
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(user_seed(cfg.seed, u));
    model.score_into(UserIdx(u), &mut ws.scores);
    ws.sums.iter_mut().for_each(|s| *s = 0.0);
    let (mut n_ranked, mut n_auc) = (0usize, 0usize);
    for &t in test_items {
        if train_items.binary_search(&t).is_ok() {
            continue;
        }
        draw_negatives(
            mode,
            cfg.n_negatives.min(n_free),
            mark,
            &mut ws.free,
            &mut rng,
            &mut ws.negatives,
        );
        // Rank t among them.
        let target = (t, ws.scores[t as usize]);
        let (mut before, mut below, mut tied) = (0usize, 0usize, 0usize);
        for &i in &ws.negatives {
            let s = ws.scores[i as usize];
            if better(&(i, s), &target) == Ordering::Less {
                before += 1;
            }
            // NaN below every number, −∞ included (the order of `better`).
            if ranks_below(s, target.1) {
                below += 1;
            } else if ties(s, target.1) {
                tied += 1;
            }
        }
        let rank = before + 1;
        for (c, &k) in cutoffs.iter().enumerate() {
            if rank <= k {
                ws.sums[c] += 1.0;
                ws.sums[n_cut + c] += discount(rank);
            }
        }
        ws.sums[2 * n_cut] += 1.0 / rank as f64;
        if !ws.negatives.is_empty() {
            ws.sums[2 * n_cut + 1] +=
                (below as f64 + 0.5 * tied as f64) / ws.negatives.len() as f64;
            n_auc += 1;
        }
        n_ranked += 1;
    }
    for &i in train_items.iter().chain(test_items) {
        mark[i as usize] = FREE;
    }
    // The unrankable items: misses (hit rate, NDCG, reciprocal rank 0) with AUC 0 where the
    // user has negatives to be ranked below.
    if n_free > 0 {
        n_auc += unrankable;
    }
    let n_relevant = n_ranked + unrankable;
    let n = n_relevant as f64;
    for s in &mut ws.sums[..2 * n_cut + 1] {
        *s /= n;
    }
    ws.sums[2 * n_cut + 1] = if n_auc > 0 {
        ws.sums[2 * n_cut + 1] / n_auc as f64
    } else {
        f64::NAN
    };
    (n_relevant, n_free < cfg.n_negatives)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Negatives are distinct, free, `min(N, free)` of them, and the marks are restored.
        #[test]
        fn negatives_are_distinct_free_items(
            taken in prop::collection::vec(any::<bool>(), 1..60),
            n in 1usize..20,
            seed in any::<u64>(),
        ) {
            let mut mark: Vec<u8> = taken.iter().map(|&t| if t { TAKEN } else { FREE }).collect();
            let before = mark.clone();
            let n_items = mark.len();
            let n_free = mark.iter().filter(|&&m| m == FREE).count();
            let mode = DrawMode::choose(n, n_free, n_items);
            let mut free: Vec<u32> = (0..n_items as u32).filter(|&i| mark[i as usize] == FREE).collect();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut out = Vec::new();
            for _ in 0..3 {
                draw_negatives(mode, n.min(n_free), &mut mark, &mut free, &mut rng, &mut out);
                prop_assert_eq!(out.len(), n.min(n_free));
                let mut sorted = out.clone();
                sorted.sort_unstable();
                sorted.dedup();
                prop_assert_eq!(sorted.len(), out.len());
                prop_assert!(out.iter().all(|&i| !taken[i as usize]));
                prop_assert_eq!(&mark, &before);
            }
        }
    }

    /// Regression: `--negatives` at or beyond a user's free items silently ranked against
    /// all of them while the protocol still read `sampled(N)`; such users are now counted.
    #[test]
    fn users_with_fewer_free_items_than_negatives_are_counted() {
        use crate::test_support::ScoreTable;
        // 6 items. User 0: train {0}, test {1} → 4 free items (2..6).
        // User 1: train {0, 2, 3}, test {4} → 2 free items (1, 5).
        let train = Interactions::from_index_triplets(
            2,
            6,
            &[(0, 0, 1.0), (1, 0, 1.0), (1, 2, 1.0), (1, 3, 1.0)],
        )
        .unwrap();
        let test = Interactions::from_index_triplets(2, 6, &[(0, 1, 1.0), (1, 4, 1.0)]).unwrap();
        let model = ScoreTable::new(2, 6, (0..12).map(|x| x as f32).collect());
        let counted = |n: usize| {
            let cfg = SampledConfig {
                cutoffs: vec![1],
                ..SampledConfig::new(n, 1)
            };
            let m = evaluate_sampled(&model, &train, &test, &cfg).unwrap();
            assert_eq!(m.users_evaluated, 2);
            let key = m
                .counts()
                .into_iter()
                .find(|(k, _)| *k == "users_with_fewer_negatives");
            assert_eq!(
                key,
                Some(("users_with_fewer_negatives", m.users_with_fewer_negatives))
            );
            m.users_with_fewer_negatives
        };
        // 2 negatives: both users have enough free items (4 and exactly 2).
        assert_eq!(counted(2), 0);
        // 3: user 1 has only 2; 4: still only user 1; 5 and beyond the catalog: both.
        assert_eq!(counted(3), 1);
        assert_eq!(counted(4), 1);
        assert_eq!(counted(5), 2);
        assert_eq!(counted(100), 2);
    }

    #[test]
    fn every_mode_is_uniform_over_free_items() {
        // 10 items, items 0..2 taken → 8 free; draw 2 per round, 40 000 rounds:
        // each free item should appear with probability 2/8 = 0.25.
        for (taken, mode) in [(2usize, DrawMode::Rejection), (6, DrawMode::Shuffle)] {
            let n_items = 10;
            let mut mark = vec![FREE; n_items];
            mark[..taken].iter_mut().for_each(|m| *m = TAKEN);
            let n_free = n_items - taken;
            assert_eq!(DrawMode::choose(2, n_free, n_items), mode);
            let mut free: Vec<u32> = (taken as u32..n_items as u32).collect();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
            let mut hits = vec![0usize; n_items];
            let mut out = Vec::new();
            let rounds = 40_000;
            for _ in 0..rounds {
                draw_negatives(mode, 2, &mut mark, &mut free, &mut rng, &mut out);
                for &i in &out {
                    hits[i as usize] += 1;
                }
            }
            let p = 2.0 / n_free as f64;
            for (i, &h) in hits.iter().enumerate() {
                let f = h as f64 / rounds as f64;
                if i < taken {
                    assert_eq!(h, 0);
                } else {
                    // sd ≈ sqrt(p(1−p)/rounds) ≤ 0.0025; allow 5 sd
                    assert!((f - p).abs() < 0.0125, "{mode:?} item {i}: {f} vs {p}");
                }
            }
        }
    }
}
