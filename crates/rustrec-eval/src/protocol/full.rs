//! The full-ranking protocol: every candidate item ranked for every test user.
//!
//! For each user with at least one relevant test item (and, by default, at least one
//! training interaction), the model scores every item (`Recommender::score_into` into a
//! reused buffer); the user's training items are excluded (`exclude_seen`); the remaining
//! *candidates* are ranked best first — higher score, ties to the lower item index, NaN
//! last (`topn::better`), the stable tie-break of the peer harnesses' `argsort(-s,
//! kind="stable")`. The relevant items are the user's test items that are candidates,
//! plus the ones the model cannot rank (`RankingConfig::unrankable`: items it does not
//! know), which count as misses.
//! All metrics at all cutoffs come out of one pass (see [`crate::metrics`] for the
//! definitions).
//!
//! ## Cost per user (n items, m relevant, K = max cutoff)
//! * scoring: the model's `score_into`, O(n · factors) for a factor model — the floor;
//! * the seen items are skipped by a per-item mark (set and cleared through the user's rows
//!   only); each figure then comes from its own pass over the scores in place:
//! * top-K: a streaming selector ([`super::top_k`]: sorted insertion; once it is full, a
//!   block of 64 items without a score above the K-th is skipped by one branch-free check);
//! * AUC: m branch-free sweeps over the candidate scores when m ≤ 64, else binary searches
//!   against the sorted relevant scores — O(n · min(m, log m)) either way, no full sort
//!   (see [`crate::metrics::auc`]);
//! * MRR: one branch-free pass counts the candidates ranked before the best relevant item;
//! * the rest is O(K) per user.
//!
//! A user's evaluation is dispatched through the SIMD layer (`rustrec_core::simd`): its
//! passes are compiled for the CPU's best level, so the branch-free ones run 8 or 16 lanes
//! wide. They only compare and count, so every level gives the same figures.
//!
//! This matches `implicit_metrics` of `/work/shared/acceptance/peers/common.py` (AUC with
//! ties ½ averaged over users, precision@k with denominator k and stable index tie-break,
//! users with ≥ 1 test item counted) when `require_train` is off or every test user has
//! training data, and test items are disjoint from training items.

use std::sync::atomic::{AtomicU32, Ordering};

use rustrec_core::Recommender;
use rustrec_core::simd::{Level, Simd, WithSimd};
use rustrec_core::topn::better;
use rustrec_data::{Interactions, UserIdx};

use super::top_k::TopK;
use super::{
    Outcome, check_cutoffs, check_unrankable, count_common, row_items, run, select_users,
    unrankable_of,
};
use crate::error::{EvalError, Result};
use crate::id_space::check_in_model_space;
use crate::metrics::auc::{AucCounter, SWEEP_LIMIT, auc_by_sweeps, prepare_positives};
use crate::metrics::average_precision::average_precision;
use crate::metrics::diversity::{ItemPopularity, coverage, gini};
use crate::metrics::ndcg::ndcg;
use crate::metrics::precision_recall::{hit_rate, precision, recall, recall_capped};
use crate::metrics::reciprocal_rank::reciprocal_rank;
use crate::metrics::{Metric, PrefixStats, scan_prefixes};
use crate::report::RankingMetrics;

/// Settings of a full-ranking evaluation.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `cutoffs` | `[5, 10, 20]` | the `k` of every `metric@k` |
/// | `metrics` | all ([`Metric::ALL`]) | which metrics to compute (report order is fixed) |
/// | `exclude_seen` | `true` | leave the user's training items out of the ranking |
/// | `require_train` | `true` | skip (and count) test users without training data |
/// | `per_user` | `false` | keep one result row per user (for significance tests) |
/// | `users` | `None` (all) | evaluate only these users (e.g. a validation subset) |
/// | `unrankable` | empty (none) | per user, relevant test items the model cannot rank |
///
/// ## Relevant items the model cannot rank
/// `unrankable[u]` (users beyond the vector: 0) counts user `u`'s relevant test items that
/// are not in `test` because the model does not know them — the items of a test file that
/// the model was never trained on. They stay in the user's relevant set but can never be
/// retrieved, so they count as misses: in the denominators of `recall@k`,
/// `recall_capped@k` and `map@k` (`n_relevant` includes them), in the ideal DCG of
/// `ndcg@k`, and in the AUC as relevant items ranked below every candidate (each of their
/// pairs with a non-relevant candidate counts 0). They never enter a top-k list, so
/// `precision@k` and `hit_rate@k` only see fewer hits, and `mrr` is 0 when no relevant item
/// is rankable. A user whose relevant items are all unrankable is evaluated (every metric
/// 0, AUC 0 when there is a non-relevant candidate). Their total over the evaluated users
/// is [`RankingMetrics::unrankable_relevant`].
#[derive(Clone, Debug, PartialEq)]
pub struct RankingConfig {
    /// Cutoffs `k` (each ≥ 1; sorted and deduplicated before use).
    pub cutoffs: Vec<usize>,
    /// Metrics to compute.
    pub metrics: Vec<Metric>,
    /// Whether the user's training items are removed from the candidates.
    pub exclude_seen: bool,
    /// Whether users without training interactions are skipped (and counted).
    pub require_train: bool,
    /// Whether per-user results are kept.
    pub per_user: bool,
    /// Restrict the evaluation to these users (dense indices).
    pub users: Option<Vec<UserIdx>>,
    /// Per user (dense index), relevant test items the model cannot rank because it does
    /// not know them; they count as misses (see the type's docs). Users beyond the vector
    /// have none.
    pub unrankable: Vec<u32>,
}

impl Default for RankingConfig {
    fn default() -> Self {
        RankingConfig {
            cutoffs: vec![5, 10, 20],
            metrics: Metric::ALL.to_vec(),
            exclude_seen: true,
            require_train: true,
            per_user: false,
            users: None,
            unrankable: Vec::new(),
        }
    }
}

impl RankingConfig {
    /// The default settings with the given cutoffs.
    pub fn with_cutoffs(cutoffs: &[usize]) -> Self {
        RankingConfig {
            cutoffs: cutoffs.to_vec(),
            ..Self::default()
        }
    }
}

/// One per-user value: a metric at a cutoff (index into the cutoffs) or without one.
#[derive(Clone, Copy, Debug)]
struct Slot {
    metric: Metric,
    cut: usize,
}

/// The checked settings: what to compute and where each per-user value goes.
struct Plan {
    cutoffs: Vec<usize>,
    metrics: Vec<Metric>,
    slots: Vec<Slot>,
    kmax: usize,
    want_auc: bool,
    want_mrr: bool,
    want_counts: bool,
    want_novelty: bool,
}

impl Plan {
    fn new(cfg: &RankingConfig) -> Result<Self> {
        let mut metrics = cfg.metrics.clone();
        metrics.sort_unstable();
        metrics.dedup();
        if metrics.is_empty() {
            return Err(EvalError::invalid("metrics", "[]", "at least one metric"));
        }
        let with_cutoff = metrics.iter().any(|m| m.has_cutoff());
        let cutoffs = check_cutoffs(&cfg.cutoffs, with_cutoff)?;
        let mut slots = Vec::new();
        for &metric in metrics.iter().filter(|m| m.is_per_user()) {
            if metric.has_cutoff() {
                slots.extend((0..cutoffs.len()).map(|cut| Slot { metric, cut }));
            } else {
                slots.push(Slot { metric, cut: 0 });
            }
        }
        let has = |m| metrics.contains(&m);
        Ok(Plan {
            kmax: if with_cutoff {
                cutoffs.last().copied().unwrap_or(0)
            } else {
                0
            },
            want_auc: has(Metric::Auc),
            want_mrr: has(Metric::Mrr),
            want_counts: has(Metric::Coverage) || has(Metric::Gini),
            want_novelty: has(Metric::Novelty),
            cutoffs,
            metrics,
            slots,
        })
    }

    fn name(&self, metric: Metric, cut: usize, prefix: &str) -> String {
        if metric.has_cutoff() {
            format!("{prefix}{}@{}", metric.name(), self.cutoffs[cut])
        } else {
            format!("{prefix}{}", metric.name())
        }
    }
}

const FREE: u8 = 0;
const SEEN: u8 = 1;
const RELEVANT: u8 = 2;

/// Most floats of a worker's block of scores (64 MiB): users of a block beyond it are
/// scored one by one.
const BLOCK_SCORE_FLOATS: usize = 16 << 20;

/// One worker's reusable buffers.
struct Workspace {
    scores: Vec<f32>,
    /// Scores of the block's users that need them, `n_items` per user, in block order
    /// ([`score_block`]); `block_next` is the next of `block_users` to be evaluated.
    block: Vec<f32>,
    block_users: Vec<UserIdx>,
    block_next: usize,
    mark: Vec<u8>,
    positives: Vec<f32>,
    top: TopK,
    relevant: Vec<bool>,
    prefixes: Vec<PrefixStats>,
}

impl Workspace {
    fn new(n_items: usize, n_cutoffs: usize) -> Self {
        Workspace {
            scores: vec![0.0; n_items],
            block: Vec::new(),
            block_users: Vec::new(),
            block_next: 0,
            mark: vec![FREE; n_items],
            positives: Vec::new(),
            top: TopK::default(),
            relevant: Vec::new(),
            prefixes: vec![PrefixStats::default(); n_cutoffs],
        }
    }
}

/// Everything the per-user evaluation reads.
struct Ctx<'a> {
    model: &'a dyn Recommender,
    train: &'a Interactions,
    test: &'a Interactions,
    cfg: &'a RankingConfig,
    plan: &'a Plan,
    popularity: Option<&'a ItemPopularity>,
    /// `counts[c * n_items + i]`: users whose top-`cutoffs[c]` list holds item `i`.
    counts: &'a [AtomicU32],
}

/// Evaluates `model` by ranking every candidate item for every test user.
///
/// `train` gives the items to exclude (`cfg.exclude_seen`), the users without training
/// data (`cfg.require_train`) and the popularity for novelty; `train` and `test` must be in
/// the model's id space. Runs in parallel in the current rayon pool; the result does not
/// depend on the number of threads.
pub fn evaluate_ranking(
    model: &dyn Recommender,
    train: &Interactions,
    test: &Interactions,
    cfg: &RankingConfig,
) -> Result<RankingMetrics> {
    evaluate_ranking_at(Level::detect(), model, train, test, cfg)
}

/// [`evaluate_ranking`] with the per-user passes compiled for `level` (one of
/// [`Level::available`]): every level gives the same figures.
fn evaluate_ranking_at(
    level: Level,
    model: &dyn Recommender,
    train: &Interactions,
    test: &Interactions,
    cfg: &RankingConfig,
) -> Result<RankingMetrics> {
    check_in_model_space(model, train, "train")?;
    check_in_model_space(model, test, "test")?;
    let plan = Plan::new(cfg)?;
    check_unrankable(model, &cfg.unrankable)?;
    let users = select_users(model, test, cfg.users.as_deref())?;
    let n_items = model.n_items();
    let popularity = plan
        .want_novelty
        .then(|| ItemPopularity::from_train(train, n_items));
    let n_counts = if plan.want_counts {
        plan.cutoffs.len() * n_items
    } else {
        0
    };
    let counts: Vec<AtomicU32> = (0..n_counts).map(|_| AtomicU32::new(0)).collect();
    let ctx = Ctx {
        model,
        train,
        test,
        cfg,
        plan: &plan,
        popularity: popularity.as_ref(),
        counts: &counts,
    };
    let totals = run(
        &users,
        plan.slots.len(),
        cfg.per_user,
        || Workspace::new(n_items, plan.cutoffs.len()),
        |ws, users| score_block(&ctx, ws, users),
        |ws, u, out| {
            level.dispatch(UserEvaluation {
                ctx: &ctx,
                ws,
                u,
                out,
            })
        },
    );
    totals.require_some()?;

    let counts: Vec<u32> = counts.into_iter().map(AtomicU32::into_inner).collect();
    let mut values = Vec::new();
    for &metric in &plan.metrics {
        if metric.is_per_user() {
            for (s, slot) in plan.slots.iter().enumerate() {
                if slot.metric == metric {
                    values.push((plan.name(metric, slot.cut, ""), totals.mean(s)));
                }
            }
        } else {
            for cut in 0..plan.cutoffs.len() {
                let c = &counts[cut * n_items..(cut + 1) * n_items];
                let v = if metric == Metric::Coverage {
                    coverage(c)
                } else {
                    gini(c)
                };
                values.push((plan.name(metric, cut, ""), v));
            }
        }
    }
    let auc_users = plan
        .slots
        .iter()
        .position(|s| s.metric == Metric::Auc)
        .map_or(0, |s| totals.defined[s]);
    let per_user = cfg.per_user.then(|| {
        let names = plan
            .slots
            .iter()
            .map(|s| plan.name(s.metric, s.cut, ""))
            .collect();
        totals.per_user(names, test)
    });
    Ok(RankingMetrics {
        protocol: "full".into(),
        seed: None,
        unrankable_relevant: totals.unrankable,
        values,
        users_evaluated: totals.evaluated,
        users_skipped_no_test: totals.no_test,
        users_skipped_no_train: totals.no_train,
        auc_users,
        test_items_in_train: totals.overlap,
        users_with_fewer_negatives: 0,
        per_user,
    })
}

/// The test items of user `u` that are also training items when `u` is evaluated, or why it
/// is not (no relevant test item, or no training data when that is required). A user whose
/// only relevant items are unrankable is evaluated: they count as misses.
fn overlap_if_evaluated(ctx: &Ctx<'_>, u: u32) -> std::result::Result<usize, Outcome> {
    let test_items = row_items(ctx.test, u);
    let train_items = row_items(ctx.train, u);
    let overlap = count_common(test_items, train_items);
    let rankable_none =
        test_items.len() == overlap && (ctx.cfg.exclude_seen || test_items.is_empty());
    if rankable_none && unrankable_of(&ctx.cfg.unrankable, u) == 0 {
        return Err(Outcome::NoTest { overlap });
    }
    if ctx.cfg.require_train && train_items.is_empty() {
        return Err(Outcome::NoTrain);
    }
    Ok(overlap)
}

/// Scores the evaluated users of a block together ([`Recommender::score_users_into`]: the
/// same scores as one by one, with the item table read once per block).
fn score_block(ctx: &Ctx<'_>, ws: &mut Workspace, users: &[u32]) {
    let n = ctx.model.n_items().max(1);
    let room = (BLOCK_SCORE_FLOATS / n).max(1);
    ws.block_users.clear();
    ws.block_users.extend(
        users
            .iter()
            .filter(|&&u| overlap_if_evaluated(ctx, u).is_ok())
            .take(room)
            .map(|&u| UserIdx(u)),
    );
    ws.block_next = 0;
    ws.block
        .resize(ws.block_users.len() * ctx.model.n_items(), 0.0);
    ctx.model.score_users_into(&ws.block_users, &mut ws.block);
}

/// One user's evaluation as a SIMD kernel: [`evaluate_user`] inlined into a function
/// compiled for the dispatching level, so that its passes over the scores (the top-k block
/// check, the AUC sweeps, the MRR count: comparisons and counts, exact at any width)
/// vectorise at that level's width.
struct UserEvaluation<'a, 'c> {
    ctx: &'a Ctx<'c>,
    ws: &'a mut Workspace,
    u: u32,
    out: &'a mut [f64],
}

impl WithSimd for UserEvaluation<'_, '_> {
    type Output = Outcome;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> Outcome {
        evaluate_user(self.ctx, self.ws, self.u, self.out)
    }
}

#[inline(always)]
fn evaluate_user(ctx: &Ctx<'_>, ws: &mut Workspace, u: u32, out: &mut [f64]) -> Outcome {
    let overlap = match overlap_if_evaluated(ctx, u) {
        Ok(overlap) => overlap,
        Err(outcome) => return outcome,
    };
    let test_items = row_items(ctx.test, u);
    let train_items = row_items(ctx.train, u);
    let seen: &[u32] = if ctx.cfg.exclude_seen {
        train_items
    } else {
        &[]
    };
    let mark = &mut ws.mark;
    for &i in seen {
        mark[i as usize] = SEEN;
    }
    let mut n_relevant = 0;
    for &i in test_items {
        if mark[i as usize] == FREE {
            mark[i as usize] = RELEVANT;
            n_relevant += 1;
        }
    }
    // Relevant items the model cannot rank: in every denominator, never in the list.
    let unrankable = unrankable_of(&ctx.cfg.unrankable, u);
    let n_all = n_relevant + unrankable;

    let n = ctx.model.n_items();
    let pre_scored = ws.block_users.get(ws.block_next) == Some(&UserIdx(u));
    let scores: &[f32] = if pre_scored {
        let r = ws.block_next;
        ws.block_next += 1;
        &ws.block[r * n..(r + 1) * n]
    } else {
        ctx.model.score_into(UserIdx(u), &mut ws.scores);
        &ws.scores
    };
    let plan = ctx.plan;

    // The best relevant item, for MRR: the reciprocal rank counts the candidates ordered
    // before it (higher score, or equal score and lower index; NaN scores last).
    let best = test_items
        .iter()
        .filter(|&&i| mark[i as usize] == RELEVANT)
        .map(|&i| (i, scores[i as usize]))
        .min_by(better);
    let (best_item, best_score) = best.unwrap_or((0, f32::NAN));
    let count_before = plan.want_mrr && !best_score.is_nan();

    // Each figure from its own pass over the scores, read in place: the top-max(k) list
    // (blocks without a score above the k-th skipped whole), the AUC counts and the MRR
    // count (branch-free, vectorised).
    ws.top.reset(plan.kmax);
    if plan.kmax > 0 {
        ws.top.offer_row(scores, mark, SEEN);
    }
    let before = if count_before {
        scores
            .iter()
            .zip(mark.iter())
            .enumerate()
            .fold(0u32, |n, (i, (&s, &m))| {
                let ahead = (s > best_score) | ((s == best_score) & ((i as u32) < best_item));
                n + u32::from((m != SEEN) & ahead)
            }) as usize
    } else {
        0
    };
    let mut auc = f64::NAN;
    if plan.want_auc {
        ws.positives.clear();
        ws.positives.extend(
            test_items
                .iter()
                .filter(|&&i| mark[i as usize] == RELEVANT)
                .map(|&i| scores[i as usize]),
        );
        prepare_positives(&mut ws.positives);
        let rankable_auc = if n_relevant <= SWEEP_LIMIT {
            auc_by_sweeps(&ws.positives, scores, mark, SEEN)
        } else {
            let mut counter = AucCounter::new(&ws.positives);
            for (&s, &m) in scores.iter().zip(mark.iter()) {
                if m == FREE {
                    counter.add_negative(s);
                }
            }
            counter.finish()
        };
        auc = with_unrankable_auc(rankable_auc, n_relevant, unrankable, || {
            mark.iter().filter(|&&m| m == FREE).count()
        })
        .unwrap_or(f64::NAN);
    }

    let top = ws.top.finish();
    let head = top.len();
    ws.relevant.clear();
    ws.relevant
        .extend(top.iter().map(|&(i, _)| mark[i as usize] == RELEVANT));
    scan_prefixes(&ws.relevant, &plan.cutoffs, |c, s| ws.prefixes[c] = *s);

    let mut rr = 0.0;
    if plan.want_mrr {
        rr = if count_before {
            reciprocal_rank(Some(before + 1))
        } else {
            // Every relevant score is NaN: count the slow, general way.
            reciprocal_rank(best.map(|b| {
                1 + scores
                    .iter()
                    .zip(mark.iter())
                    .enumerate()
                    .filter(|&(i, (&s, &m))| {
                        m != SEEN && better(&(i as u32, s), &b) == std::cmp::Ordering::Less
                    })
                    .count()
            }))
        };
    }

    if plan.want_counts {
        let n_items = scores.len();
        for (c, &k) in plan.cutoffs.iter().enumerate() {
            for &(i, _) in &top[..k.min(head)] {
                ctx.counts[c * n_items + i as usize].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    for (slot, v) in plan.slots.iter().zip(out.iter_mut()) {
        let k = plan.cutoffs.get(slot.cut).copied().unwrap_or(0);
        let p = ws.prefixes.get(slot.cut).copied().unwrap_or_default();
        *v = match slot.metric {
            Metric::Precision => precision(p.hits, k),
            Metric::Recall => recall(p.hits, n_all),
            Metric::RecallCapped => recall_capped(p.hits, k, n_all),
            Metric::Map => average_precision(&p, k, n_all),
            Metric::Ndcg => ndcg(&p, k, n_all),
            Metric::HitRate => hit_rate(p.hits),
            Metric::Mrr => rr,
            Metric::Auc => auc,
            Metric::Novelty => ctx.popularity.map_or(f64::NAN, |pop| {
                pop.novelty(top[..k.min(head)].iter().map(|&(i, _)| i))
            }),
            Metric::Coverage | Metric::Gini => f64::NAN,
        };
    }

    for &i in seen.iter().chain(test_items) {
        mark[i as usize] = FREE;
    }
    Outcome::Evaluated {
        n_relevant: n_all,
        overlap,
        unrankable,
        fewer_negatives: false,
    }
}

/// The AUC with `unrankable` relevant items ranked below every candidate, from the AUC of
/// the `m` rankable ones (`None`: no rankable relevant item, or no non-relevant candidate).
/// Their pairs with the `N` non-relevant candidates all count 0, so the AUC becomes
/// `AUC_rankable · m / (m + unrankable)`; with no rankable relevant item it is 0 when
/// `N > 0` (`n_negatives` is asked for only then). Undefined when `N = 0`.
fn with_unrankable_auc(
    rankable: Option<f64>,
    m: usize,
    unrankable: usize,
    n_negatives: impl FnOnce() -> usize,
) -> Option<f64> {
    if unrankable == 0 {
        return rankable;
    }
    match rankable {
        Some(a) => Some(a * m as f64 / (m + unrankable) as f64),
        None if m == 0 && n_negatives() > 0 => Some(0.0),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use rustrec_core::simd::{Isa, each_level};

    use super::*;
    use crate::test_support::ScoreTable;

    #[test]
    fn every_simd_level_gives_the_same_figures() {
        // 30 users × 300 items (several 64-item blocks of the top-k check), scores with
        // ties and NaNs; user 0 has more relevant items than the AUC sweeps take.
        let (nu, ni) = (30u32, 300u32);
        let scores: Vec<f32> = (0..nu * ni)
            .map(|k| {
                if k % 97 == 5 {
                    f32::NAN
                } else {
                    ((k * 7919) % 23) as f32 / 4.0
                }
            })
            .collect();
        let model = ScoreTable::new(nu as usize, ni as usize, scores);
        let pairs = |keep: &dyn Fn(u32, u32) -> bool| -> Vec<(u32, u32, f32)> {
            (0..nu)
                .flat_map(|u| (0..ni).map(move |i| (u, i)))
                .filter(|&(u, i)| keep(u, i))
                .map(|(u, i)| (u, i, 1.0))
                .collect()
        };
        let in_train = |u: u32, i: u32| (u * 13 + i * 7).is_multiple_of(11);
        let train = Interactions::from_index_triplets(
            nu as usize,
            ni as usize,
            &pairs(&|u, i| in_train(u, i)),
        )
        .unwrap();
        let in_test = |u: u32, i: u32| {
            !in_train(u, i)
                && if u == 0 {
                    i % 3 == 1
                } else {
                    (u * 5 + i * 3).is_multiple_of(17)
                }
        };
        let test = Interactions::from_index_triplets(
            nu as usize,
            ni as usize,
            &pairs(&|u, i| in_test(u, i)),
        )
        .unwrap();
        assert!(test.user_degree(UserIdx(0)) > SWEEP_LIMIT);
        let cfg = RankingConfig::with_cutoffs(&[1, 5, 20]);
        let mut figures = Vec::new();
        let skipped = each_level(|level| {
            let m = evaluate_ranking_at(level, &model, &train, &test, &cfg).unwrap();
            assert_eq!(m.users_evaluated, nu as usize);
            figures.push(format!("{:?}", m.values));
        });
        assert!(!skipped.contains(&Isa::Scalar));
        assert!(
            figures[0].contains("auc") && !figures[0].contains("NaN"),
            "{}",
            figures[0]
        );
        for f in &figures[1..] {
            assert_eq!(f, &figures[0], "a level gives other figures");
        }
    }
}
