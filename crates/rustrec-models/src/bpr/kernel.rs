//! Losses, gradients and the per-block training loop of BPR-MF and WARP-MF.
//!
//! ## Maths
//! Scores `x̂_ui = p_u·q_i + b_i` (`b_i` optional). A triple `(u, i, j)` — `i` a positive,
//! `j` an unseen item — has `x = x̂_ui − x̂_uj = p_u·(q_i − q_j) + b_i − b_j` and a loss
//! `ℓ(x)` whose derivative `d = ℓ'(x)` gives every gradient:
//! `∂/∂p_u = d·(q_i − q_j)`, `∂/∂q_i = d·p_u`, `∂/∂q_j = −d·p_u`, `∂/∂b_i = d`,
//! `∂/∂b_j = −d`; each touched row also gets the L2 term `λ·row` (weight decay).
//! * BPR: `ℓ = −ln σ(x) = ln(1 + e^{−x})`, `d = −σ(−x)` ([`bpr_loss`]).
//! * WARP: `ℓ = w · max(0, margin − x)`, `d = −w` when the margin is violated
//!   ([`warp_loss`]); `w = L(⌊(n_items − 1)/trials⌋)`, `L(k) = Σ_{r=1..k} 1/r`
//!   ([`Harmonic`]), `trials` the negatives drawn until the first violator.
//!
//! ## WARP's rank estimate under the block grid
//! Negatives are drawn in the block's item bin (`n_items / bins` items). The number of
//! trials to the first violator estimates the share of violators in the bin, and since
//! bins are a uniform random partition of the items, that share estimates the share among
//! all items: the rank among all items is `bins ×` the rank within the bin, i.e.
//! `⌊(n_items − 1)/trials⌋` with the *global* item count, as without bins.
//!
//! ## Paths
//! Plain SGD takes [`sgd_triple`], one fused pass over the three rows (dot products are
//! taken first, then `p_u`, `q_i`, `q_j` are updated in one sweep from their old values).
//! Adagrad (WARP's usual optimizer, as in LightFM) takes [`adagrad_triple`], the same kind
//! of sweep over the rows and their squared-gradient sums. Every other optimizer takes the
//! generic path: [`triple_gradient`] into buffers, then [`Optimizer::step`] per row. The
//! fused paths compute the same update as the generic one (tested).

use crate::engine::grid::Walk;
use crate::engine::optimizer::{Optimizer, StepSize};
use crate::engine::packed::EntryRead;
use crate::engine::rng::{self, Rng};
use crate::engine::sgd::SideBin;
use crate::engine::simd::{Isa, Level, Scalar, Simd, WithSimd};
use crate::engine::table::LANES;

use super::hyperparams::{Loss, PairSampling};
use super::loss_sum::LossSum;
use super::sampler::{BlockIndex, NegativeSampler};

/// `ln(1 + e^{−x})` and its derivative `−σ(−x)`: the BPR loss of a difference `x`.
#[inline]
pub fn bpr_loss(x: f32) -> (f32, f32) {
    let t = bpr_terms(x);
    // ln(1 + e) rather than ln_1p(e): libm's log1pf costs several times logf, and the
    // absolute error for tiny e (below 1e-7) is irrelevant for a reported loss.
    (t.hinge + t.one_plus_e.ln(), t.d)
}

/// The parts of the BPR loss of `x`: `ℓ = hinge + ln(one_plus_e)`, derivative `d`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BprTerms {
    /// `max(−x, 0)`.
    pub hinge: f32,
    /// `1 + e^{−|x|}`, in [1, 2].
    pub one_plus_e: f32,
    /// `dℓ/dx = −σ(−x)`.
    pub d: f32,
}

/// [`bpr_loss`] before its logarithm (the block loop sums the logarithms with one call,
/// see `LossSum`).
#[inline]
pub fn bpr_terms(x: f32) -> BprTerms {
    // Stable for both signs with one exponential: with e = e^{−|x|},
    // softplus(−x) = max(−x, 0) + ln(1 + e) and σ(−x) = e/(1 + e) (x ≥ 0) or 1/(1 + e).
    let e = (-x.abs()).exp();
    let one_plus_e = 1.0 + e;
    let sig = if x >= 0.0 { e } else { 1.0 } / one_plus_e;
    BprTerms {
        hinge: (-x).max(0.0),
        one_plus_e,
        d: -sig,
    }
}

/// The weighted hinge `w · max(0, margin − x)` and its derivative in `x`.
#[inline]
pub fn warp_loss(x: f32, margin: f32, weight: f32) -> (f32, f32) {
    let h = margin - x;
    if h > 0.0 {
        (weight * h, -weight)
    } else {
        (0.0, 0.0)
    }
}

/// Harmonic numbers `L(k) = Σ_{r=1..k} 1/r` for `k ≤ n`.
#[derive(Clone, Debug)]
pub struct Harmonic(Vec<f32>);

impl Harmonic {
    /// The table up to `L(n)`.
    pub fn new(n: usize) -> Self {
        let mut v = Vec::with_capacity(n + 1);
        let mut s = 0.0f64;
        v.push(0.0);
        for r in 1..=n {
            s += 1.0 / r as f64;
            v.push(s as f32);
        }
        Harmonic(v)
    }

    /// `L(k)` (`k` clamped to the table).
    #[inline]
    pub fn at(&self, k: usize) -> f32 {
        self.0[k.min(self.0.len() - 1)]
    }
}

/// The WARP weight after `trials` draws found a violator among `n_items` items.
#[inline]
pub fn warp_weight(h: &Harmonic, n_items: usize, trials: usize) -> f32 {
    h.at(n_items.saturating_sub(1) / trials.max(1))
}

/// Dot product of two padded rows at the portable level ([`Simd::dot`] of [`Scalar`]: 16
/// partial sums, then the tail), as scoring uses it.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    Scalar.dot(a, b)
}

/// `p·(q_i − q_j)`, the factor part of `x̂_ui − x̂_uj`, in one pass and one reduction:
/// whole 16-float chunks with the level's vectors, then the rest one by one.
#[inline(always)]
pub fn score_difference<S: Simd>(s: S, p: &[f32], qi: &[f32], qj: &[f32]) -> f32 {
    let (qi, qj) = (&qi[..p.len()], &qj[..p.len()]);
    let (pc, pt) = p.as_chunks::<LANES>();
    let (ic, it) = qi.as_chunks::<LANES>();
    let (jc, jt) = qj.as_chunks::<LANES>();
    let mut acc = s.splat(0.0);
    for ((pc, ic), jc) in pc.iter().zip(ic).zip(jc) {
        acc = s.mul_add(s.load(pc), s.sub(s.load(ic), s.load(jc)), acc);
    }
    let mut sum = s.reduce_sum(acc);
    for ((p, qi), qj) in pt.iter().zip(it).zip(jt) {
        sum += p * (qi - qj);
    }
    sum
}

/// Gradients of `ℓ` for the triple, given `d = ℓ'(x)`, without regularisation: writes
/// `∂/∂p_u`, `∂/∂q_i`, `∂/∂q_j` (the bias gradients are `d` and `−d`).
#[inline]
pub fn triple_gradient(
    p: &[f32],
    qi: &[f32],
    qj: &[f32],
    d: f32,
    gp: &mut [f32],
    gqi: &mut [f32],
    gqj: &mut [f32],
) {
    for f in 0..p.len() {
        gp[f] = d * (qi[f] - qj[f]);
        gqi[f] = d * p[f];
        gqj[f] = -d * p[f];
    }
}

/// One plain-SGD step on a triple with loss derivative `d`: every row moves by
/// `−lr·(gradient + λ·row)`, all from the old values. Whole 16-float chunks with the
/// level's vectors (fused multiply-adds at V3 and V4), then the rest one by one (rows of one
/// factor are stored unpadded, stride 1).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn sgd_triple<S: Simd>(
    s: S,
    p: &mut [f32],
    qi: &mut [f32],
    qj: &mut [f32],
    d: f32,
    lr: f32,
    reg: f32,
) {
    debug_assert!(qi.len() == p.len() && qj.len() == p.len());
    let (a, shrink) = (lr * d, 1.0 - lr * reg);
    let (av, sv) = (s.splat(a), s.splat(shrink));
    let (pc, pt) = p.as_chunks_mut::<LANES>();
    let (ic, it) = qi.as_chunks_mut::<LANES>();
    let (jc, jt) = qj.as_chunks_mut::<LANES>();
    for ((pc, ic), jc) in pc.iter_mut().zip(ic).zip(jc) {
        let (pv, iv, jv) = (s.load(pc), s.load(ic), s.load(jc));
        s.store(pc, s.neg_mul_add(av, s.sub(iv, jv), s.mul(sv, pv)));
        s.store(ic, s.neg_mul_add(av, pv, s.mul(sv, iv)));
        s.store(jc, s.mul_add(av, pv, s.mul(sv, jv)));
    }
    for ((p, qi), qj) in pt.iter_mut().zip(it).zip(jt) {
        let (pf, qif, qjf) = (*p, *qi, *qj);
        *p = shrink * pf - a * (qif - qjf);
        *qi = shrink * qif - a * pf;
        *qj = shrink * qjf + a * pf;
    }
}

/// One Adagrad step on a triple with loss derivative `d`, fused: with every gradient taken
/// at the old values and the L2 term `λ·row` added to it (as [`Optimizer::step`]),
/// `G ← G + g²`, `row ← row − lr·g / (√G + ε)` for each coordinate of `p_u`, `q_i`, `q_j`
/// (`gp`, `gi`, `gj` are their squared-gradient sums). Written over whole [`LANES`]
/// chunks and inlined into the block loop compiled for each instruction set, where it
/// vectorises (square roots and divisions are exact lane-wise operations, so the result
/// does not depend on the instruction set).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn adagrad_triple(
    (p, qi, qj): (&mut [f32], &mut [f32], &mut [f32]),
    (gp, gi, gj): (&mut [f32], &mut [f32], &mut [f32]),
    d: f32,
    lr: f32,
    reg: f32,
    eps: f32,
) {
    #[inline(always)]
    fn lane(
        (p, qi, qj): (&mut f32, &mut f32, &mut f32),
        (gp, gi, gj): (&mut f32, &mut f32, &mut f32),
        d: f32,
        lr: f32,
        reg: f32,
        eps: f32,
    ) {
        let (pf, qif, qjf) = (*p, *qi, *qj);
        adagrad_scalar(p, gp, d * (qif - qjf), lr, reg, eps);
        adagrad_scalar(qi, gi, d * pf, lr, reg, eps);
        adagrad_scalar(qj, gj, -d * pf, lr, reg, eps);
    }
    fn chunks(x: &mut [f32]) -> std::slice::ChunksExactMut<'_, f32> {
        x.chunks_exact_mut(LANES)
    }
    let rows = chunks(p).zip(chunks(qi)).zip(chunks(qj));
    let sums = chunks(gp).zip(chunks(gi)).zip(chunks(gj));
    for (((pc, ic), jc), ((gpc, gic), gjc)) in rows.zip(sums) {
        for l in 0..LANES {
            lane(
                (&mut pc[l], &mut ic[l], &mut jc[l]),
                (&mut gpc[l], &mut gic[l], &mut gjc[l]),
                d,
                lr,
                reg,
                eps,
            );
        }
    }
    // Rows of one factor are stored unpadded (stride 1).
    for f in p.len() / LANES * LANES..p.len() {
        lane(
            (&mut p[f], &mut qi[f], &mut qj[f]),
            (&mut gp[f], &mut gi[f], &mut gj[f]),
            d,
            lr,
            reg,
            eps,
        );
    }
}

/// One Adagrad step of a scalar (an item bias) with gradient `g` and L2 term `λ·x`.
#[inline(always)]
fn adagrad_scalar(x: &mut f32, acc: &mut f32, g: f32, lr: f32, reg: f32, eps: f32) {
    let g = g + reg * *x;
    *acc += g * g;
    *x -= lr * g / (acc.sqrt() + eps);
}

/// Two distinct rows `i != j` of a padded table, mutable.
#[inline(always)]
pub fn two_rows(t: &mut [f32], i: usize, j: usize, s: usize) -> (&mut [f32], &mut [f32]) {
    debug_assert_ne!(i, j);
    if i < j {
        let (a, b) = t.split_at_mut(j * s);
        (&mut a[i * s..(i + 1) * s], &mut b[..s])
    } else {
        let (a, b) = t.split_at_mut(i * s);
        (&mut b[..s], &mut a[j * s..(j + 1) * s])
    }
}

/// Constants of the block loop.
#[derive(Clone, Copy, Debug)]
pub struct TripleConsts {
    /// Floats per padded row.
    pub stride: usize,
    /// Pairwise loss.
    pub loss: Loss,
    /// How positives are drawn.
    pub sampling: PairSampling,
    /// λ on factors.
    pub reg: f32,
    /// λ on item biases.
    pub reg_bias: f32,
    /// Whether item biases are learned.
    pub item_bias: bool,
    /// Update rule; `Sgd` takes the fused path.
    pub optimizer: Optimizer,
    /// WARP: negatives tried per positive.
    pub max_tries: usize,
    /// WARP: margin.
    pub margin: f32,
    /// Items in the whole catalog (WARP's rank estimate).
    pub n_items: usize,
}

/// What a block did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlockOutcome {
    /// Sum of the losses of the samples.
    pub loss: f64,
    /// Positives processed.
    pub samples: u64,
    /// Positives skipped because the user had seen every item of the bin.
    pub skipped: u64,
    /// Updates applied (WARP skips positives with no violator).
    pub updates: u64,
}

/// Schedule values for sample `k` of `n`: learning rate and (for cycling schedules)
/// momentum.
pub trait StepAt: Fn(usize, usize) -> (f32, Option<f32>) + Sync {}
impl<F: Fn(usize, usize) -> (f32, Option<f32>) + Sync> StepAt for F {}

/// Samples between two evaluations of the schedule.
pub const SCHEDULE_REFRESH: usize = 256;

/// A sample's loss as the block loop gets it: a number, or BPR's terms before the
/// logarithm ([`BprTerms`]).
#[derive(Clone, Copy, Debug)]
enum SampleLoss {
    Value(f32),
    Softplus(f32, f32),
}

/// The positives of a block in training order: a seeded walk over every entry
/// ([`PairSampling::PerInteraction`]) or a user drawn among the block's users, then one of
/// their positives ([`PairSampling::PerUser`]).
struct Positives<'a, E> {
    entries: E,
    index: &'a BlockIndex,
    sampling: PairSampling,
    pos: usize,
    step: usize,
}

impl<'a, E: EntryRead> Positives<'a, E> {
    fn new(entries: E, index: &'a BlockIndex, sampling: PairSampling, rng: &mut Rng) -> Self {
        let walk = Walk::random(rng, entries.len());
        Positives {
            entries,
            index,
            sampling,
            pos: walk.start,
            step: walk.step,
        }
    }

    /// The next (bin-local user, bin-local item) positive. The walk also brings the entry
    /// after the next into cache.
    #[inline(always)]
    fn next(&mut self, rng: &mut Rng) -> (u32, u32) {
        match self.sampling {
            PairSampling::PerInteraction => {
                let n = self.entries.len();
                let positive = self.entries.position(self.pos);
                self.pos = wrap_add(self.pos, self.step, n);
                self.entries.prefetch(wrap_add(self.pos, self.step, n));
                positive
            }
            PairSampling::PerUser => {
                let active = self.index.active_users();
                let u = active[rng::below(rng, active.len() as u32) as usize];
                let seen = self.index.seen(u);
                (u, seen[rng::below(rng, seen.len() as u32) as usize])
            }
        }
    }
}

/// `(a + b) mod n` for `a, b < n`.
#[inline(always)]
fn wrap_add(a: usize, b: usize, n: usize) -> usize {
    if a + b >= n { a + b - n } else { a + b }
}

/// Scratch buffers of the generic path.
struct Scratch {
    gp: Vec<f32>,
    gqi: Vec<f32>,
    gqj: Vec<f32>,
}

/// Trains one block: `entries.len()` positives (each once, or drawn per user), negatives
/// from `sampler` (the block's item bin) excluding `index.seen(user)`. Uses the best
/// instruction-set level of the CPU for the fused paths.
#[allow(clippy::too_many_arguments)]
pub fn train_block(
    entries: impl EntryRead,
    index: &BlockIndex,
    sampler: NegativeSampler<'_>,
    harmonic: &Harmonic,
    rng: &mut Rng,
    user: &mut SideBin<'_>,
    item: &mut SideBin<'_>,
    c: &TripleConsts,
    step_at: &dyn StepAt,
) -> BlockOutcome {
    train_block_with(
        Level::detect(),
        entries,
        index,
        sampler,
        harmonic,
        rng,
        user,
        item,
        c,
        step_at,
    )
}

/// [`train_block`] at a chosen instruction-set level (one of [`Level::available`]); the
/// portable level when rows are not padded to 16 floats.
#[allow(clippy::too_many_arguments)]
pub fn train_block_with(
    level: Level,
    entries: impl EntryRead,
    index: &BlockIndex,
    sampler: NegativeSampler<'_>,
    harmonic: &Harmonic,
    rng: &mut Rng,
    user: &mut SideBin<'_>,
    item: &mut SideBin<'_>,
    c: &TripleConsts,
    step_at: &dyn StepAt,
) -> BlockOutcome {
    let level = if c.stride.is_multiple_of(LANES) {
        level
    } else {
        Level::Scalar
    };
    level.dispatch(TrainBlock(
        entries, index, sampler, harmonic, rng, user, item, c, step_at,
    ))
}

/// The block loop as a [`WithSimd`] kernel, compiled once per instruction-set level: dot
/// products by [`Simd::dot_register`], the plain-SGD step by [`sgd_triple`], Adagrad's
/// fused step (portable code the compiler vectorises) inlined alike. The fields are the
/// arguments of [`train_block_with`] after the level, in order.
struct TrainBlock<'a, 'r, 'u, 'i, E>(
    E,
    &'a BlockIndex,
    NegativeSampler<'a>,
    &'a Harmonic,
    &'r mut Rng,
    &'r mut SideBin<'u>,
    &'r mut SideBin<'i>,
    &'a TripleConsts,
    &'a dyn StepAt,
);

impl<E: EntryRead> WithSimd for TrainBlock<'_, '_, '_, '_, E> {
    type Output = BlockOutcome;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> BlockOutcome {
        let TrainBlock(entries, index, sampler, harmonic, rng, user, item, c, step_at) = self;
        let dot = |a: &[f32], b: &[f32]| simd.dot_register(a, b);
        let n = entries.len();
        let mut out = BlockOutcome::default();
        if n == 0 || sampler.is_empty() {
            return out;
        }
        let s = c.stride;
        // `train_block_with` runs the vector levels on whole 16-float rows only; stating it
        // lets the compiler drop the tail loops of `dot_register` and `sgd_triple` there.
        if S::ISA != Isa::Scalar {
            assert!(s.is_multiple_of(LANES), "rows padded to 16 floats");
        }
        let mut positives = Positives::new(entries, index, c.sampling, rng);
        if c.loss == Loss::Bpr && c.optimizer == Optimizer::Sgd {
            return bpr_sgd_block(
                simd,
                &mut positives,
                index,
                sampler,
                rng,
                user,
                item,
                c,
                step_at,
                n,
            );
        }
        let fast = matches!(c.optimizer, Optimizer::Sgd | Optimizer::Adagrad { .. });
        let mut scratch = Scratch {
            gp: vec![0.0; if fast { 0 } else { s }],
            gqi: vec![0.0; if fast { 0 } else { s }],
            gqj: vec![0.0; if fast { 0 } else { s }],
        };
        let (mut lr, mut momentum) = step_at(0, n);
        let mut losses = LossSum::default();
        for k in 0..n {
            if k % SCHEDULE_REFRESH == 0 && k > 0 {
                (lr, momentum) = step_at(k, n);
            }
            let (u, i) = positives.next(rng);
            out.samples += 1;
            let seen = index.row(u);
            let (ui, ii) = (u as usize, i as usize);
            let found = match c.loss {
                Loss::Bpr => sampler.draw(rng, seen).map(|j| {
                    let j = j as usize;
                    let t = bpr_terms(bpr_score(simd, s, user, item, (ui, ii, j)));
                    (j, SampleLoss::Softplus(t.hinge, t.one_plus_e), t.d)
                }),
                Loss::Warp => {
                    let p = &user.factors[ui * s..(ui + 1) * s];
                    let x_ui = dot(p, &item.factors[ii * s..(ii + 1) * s]) + item.bias[ii];
                    let mut hit = None;
                    let mut none_left = false;
                    for trials in 1..=c.max_tries {
                        let Some(j) = sampler.draw(rng, seen) else {
                            none_left = true;
                            break;
                        };
                        let j = j as usize;
                        let x_uj = dot(p, &item.factors[j * s..(j + 1) * s]) + item.bias[j];
                        if x_uj > x_ui - c.margin {
                            let w = warp_weight(harmonic, c.n_items, trials);
                            let (l, d) = warp_loss(x_ui - x_uj, c.margin, w);
                            hit = Some((j, SampleLoss::Value(l), d));
                            break;
                        }
                    }
                    if none_left {
                        None
                    } else {
                        // No violator within the budget: no update, zero loss.
                        Some(hit.unwrap_or((usize::MAX, SampleLoss::Value(0.0), 0.0)))
                    }
                }
            };
            let Some((j, l, d)) = found else {
                out.skipped += 1;
                continue;
            };
            match l {
                SampleLoss::Value(l) => losses.add(l),
                SampleLoss::Softplus(hinge, one_plus_e) => losses.add_softplus(hinge, one_plus_e),
            }
            if j == usize::MAX || d == 0.0 {
                continue;
            }
            out.updates += 1;
            let p = &mut user.factors[ui * s..(ui + 1) * s];
            let (qi, qj) = two_rows(item.factors, ii, j, s);
            match c.optimizer {
                Optimizer::Sgd => {
                    sgd_triple(simd, p, qi, qj, d, lr, c.reg);
                    if c.item_bias {
                        sgd_item_biases(item.bias, (ii, j), d, lr, c.reg_bias);
                    }
                }
                Optimizer::Adagrad { eps } => {
                    // Adagrad has one state slot: row r's sums are state[r·s..(r + 1)·s].
                    let eps = eps as f32;
                    let gp = &mut user.factor_state[ui * s..(ui + 1) * s];
                    let (gi, gj) = two_rows(item.factor_state, ii, j, s);
                    adagrad_triple((p, qi, qj), (gp, gi, gj), d, lr, c.reg, eps);
                    if c.item_bias {
                        let (b, g) = (&mut *item.bias, &mut *item.bias_state);
                        adagrad_scalar(&mut b[ii], &mut g[ii], d, lr, c.reg_bias, eps);
                        adagrad_scalar(&mut b[j], &mut g[j], -d, lr, c.reg_bias, eps);
                    }
                }
                _ => generic_update(user, item, &mut scratch, c, (ui, ii, j), d, lr, momentum),
            }
        }
        out.loss = losses.total();
        out
    }
}

/// A triple of table rows: (bin-local user, positive item, negative item).
type Triple = (usize, usize, usize);

/// `x̂_ui − x̂_uj` of a triple from the tables as they are (rows of `s` floats). A function,
/// not a closure: closures are not inlined into the level's compiled kernel, whose
/// intrinsics then become calls.
#[inline(always)]
fn bpr_score<S: Simd>(
    simd: S,
    s: usize,
    user: &SideBin<'_>,
    item: &SideBin<'_>,
    (u, i, j): Triple,
) -> f32 {
    score_difference(
        simd,
        &user.factors[u * s..(u + 1) * s],
        &item.factors[i * s..(i + 1) * s],
        &item.factors[j * s..(j + 1) * s],
    ) + item.bias[i]
        - item.bias[j]
}

/// The plain-SGD step of the positive's and the negative's biases `(i, j)` for loss
/// derivative `d` (their gradients are `d` and `−d`).
#[inline(always)]
fn sgd_item_biases(bias: &mut [f32], (i, j): (usize, usize), d: f32, lr: f32, reg: f32) {
    bias[i] -= lr * (d + reg * bias[i]);
    bias[j] -= lr * (-d + reg * bias[j]);
}

/// BPR with plain SGD (the common case), one sample ahead: its draws never read the
/// factors, so the next triple is drawn before this one's update (the same random calls in
/// the same order), and when it shares no row with this one — the update then changes
/// nothing it reads — its score is computed before the update too, overlapping this
/// sample's exponential and update. Otherwise it is scored after the update, as in turn.
/// Either way every score reads exactly the values the one-by-one loop reads: the same bits.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn bpr_sgd_block<S: Simd, E: EntryRead>(
    simd: S,
    positives: &mut Positives<'_, E>,
    index: &BlockIndex,
    sampler: NegativeSampler<'_>,
    rng: &mut Rng,
    user: &mut SideBin<'_>,
    item: &mut SideBin<'_>,
    c: &TripleConsts,
    step_at: &dyn StepAt,
    n: usize,
) -> BlockOutcome {
    /// The next positive and a negative for it (`None`: the user has seen the whole bin).
    #[inline(always)]
    fn draw<E: EntryRead>(
        positives: &mut Positives<'_, E>,
        index: &BlockIndex,
        sampler: NegativeSampler<'_>,
        rng: &mut Rng,
    ) -> Option<Triple> {
        let (u, i) = positives.next(rng);
        let j = sampler.draw(rng, index.row(u))?;
        Some((u as usize, i as usize, j as usize))
    }
    let s = c.stride;
    let disjoint =
        |a: Triple, b: Triple| a.0 != b.0 && a.1 != b.1 && a.1 != b.2 && a.2 != b.1 && a.2 != b.2;
    let mut out = BlockOutcome::default();
    let mut losses = LossSum::default();
    let (mut lr, _) = step_at(0, n);
    let mut next = draw(positives, index, sampler, rng);
    // The next triple's score when already computed (valid for the tables as they will be
    // when its turn comes).
    let mut next_score: Option<f32> = None;
    for k in 0..n {
        if k % SCHEDULE_REFRESH == 0 && k > 0 {
            (lr, _) = step_at(k, n);
        }
        out.samples += 1;
        let (current, current_score) = (next, next_score);
        if k + 1 < n {
            next = draw(positives, index, sampler, rng);
            next_score = match (current, next) {
                (Some(a), Some(b)) if disjoint(a, b) => Some(bpr_score(simd, s, user, item, b)),
                _ => None,
            };
        }
        let Some((u, i, j)) = current else {
            out.skipped += 1;
            continue;
        };
        let x = match current_score {
            Some(x) => x,
            None => bpr_score(simd, s, user, item, (u, i, j)),
        };
        let t = bpr_terms(x);
        losses.add_softplus(t.hinge, t.one_plus_e);
        if t.d == 0.0 {
            continue;
        }
        out.updates += 1;
        let p = &mut user.factors[u * s..(u + 1) * s];
        let (qi, qj) = two_rows(item.factors, i, j, s);
        sgd_triple(simd, p, qi, qj, t.d, lr, c.reg);
        if c.item_bias {
            sgd_item_biases(item.bias, (i, j), t.d, lr, c.reg_bias);
        }
    }
    out.loss = losses.total();
    out
}

/// The generic-optimizer update of a triple (rows `(u, i, j)`) with loss derivative `d`.
/// Kept out of line: inlined into the block loop it takes registers from the fused paths.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn generic_update(
    user: &mut SideBin<'_>,
    item: &mut SideBin<'_>,
    sc: &mut Scratch,
    c: &TripleConsts,
    (u, i, j): (usize, usize, usize),
    d: f32,
    lr: f32,
    momentum: Option<f32>,
) {
    let s = c.stride;
    let slots = c.optimizer.slots();
    {
        let p = &user.factors[u * s..(u + 1) * s];
        let qi = &item.factors[i * s..(i + 1) * s];
        let qj = &item.factors[j * s..(j + 1) * s];
        triple_gradient(p, qi, qj, d, &mut sc.gp, &mut sc.gqi, &mut sc.gqj);
    }
    let step = StepSize {
        lr,
        weight_decay: c.reg,
        momentum,
    };
    user.steps[u] += 1;
    c.optimizer.step(
        &mut user.factors[u * s..(u + 1) * s],
        &sc.gp,
        &mut user.factor_state[u * slots * s..(u + 1) * slots * s],
        user.steps[u],
        step,
    );
    for (row, g, gb) in [(i, &sc.gqi, d), (j, &sc.gqj, -d)] {
        item.steps[row] += 1;
        let t = item.steps[row];
        c.optimizer.step(
            &mut item.factors[row * s..(row + 1) * s],
            g,
            &mut item.factor_state[row * slots * s..(row + 1) * slots * s],
            t,
            step,
        );
        if c.item_bias {
            c.optimizer.step(
                &mut item.bias[row..row + 1],
                &[gb],
                &mut item.bias_state[row * slots..(row + 1) * slots],
                t,
                StepSize {
                    weight_decay: c.reg_bias,
                    ..step
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::grid::Entry;
    use crate::engine::simd::each_level;

    /// The triple's loss in f64, straight from the definitions.
    fn loss64(loss: Loss, p: &[f32], qi: &[f32], qj: &[f32], bi: f32, bj: f32, w: f64) -> f64 {
        let dot = |a: &[f32], b: &[f32]| -> f64 {
            a.iter()
                .zip(b)
                .map(|(&x, &y)| f64::from(x) * f64::from(y))
                .sum()
        };
        let x = dot(p, qi) - dot(p, qj) + f64::from(bi) - f64::from(bj);
        match loss {
            Loss::Bpr => (1.0 + (-x).exp()).ln(),
            Loss::Warp => w * (1.0 - x).max(0.0),
        }
    }

    /// Analytic gradient of a triple for `loss` (WARP with weight `w`, margin 1).
    fn analytic(
        loss: Loss,
        p: &[f32],
        qi: &[f32],
        qj: &[f32],
        bi: f32,
        bj: f32,
        w: f32,
    ) -> ([Vec<f32>; 3], f32) {
        let x = dot(p, qi) - dot(p, qj) + bi - bj;
        let d = match loss {
            Loss::Bpr => bpr_loss(x).1,
            Loss::Warp => warp_loss(x, 1.0, w).1,
        };
        let (mut gp, mut gi, mut gj) = (vec![0.0; 16], vec![0.0; 16], vec![0.0; 16]);
        triple_gradient(p, qi, qj, d, &mut gp, &mut gi, &mut gj);
        ([gp, gi, gj], d)
    }

    fn row(vals: &[f32]) -> Vec<f32> {
        let mut r = vec![0.0; 16];
        r[..vals.len()].copy_from_slice(vals);
        r
    }

    #[test]
    fn bpr_and_warp_gradients_match_finite_differences() {
        let p = row(&[0.3, -0.2, 0.5, 0.1]);
        let qi = row(&[-0.4, 0.25, 0.6, -0.3]);
        let qj = row(&[0.2, 0.1, -0.5, 0.7]);
        let (bi, bj, w) = (0.15f32, -0.05f32, 2.5f32);
        for loss in [Loss::Bpr, Loss::Warp] {
            // WARP's hinge is active here (x < 1); check that before differencing.
            if loss == Loss::Warp {
                assert!(loss64(loss, &p, &qi, &qj, bi, bj, 1.0) > 0.0);
            }
            let ([gp, gi, gj], d) = analytic(loss, &p, &qi, &qj, bi, bj, w);
            let h = 1e-3f32;
            let l = |p: &[f32], qi: &[f32], qj: &[f32], bi: f32, bj: f32| {
                loss64(loss, p, qi, qj, bi, bj, f64::from(w))
            };
            let close = |num: f64, ana: f32, what: &str| {
                assert!(
                    (num - f64::from(ana)).abs() < 1e-3,
                    "{loss:?} {what}: {num} vs {ana}"
                );
            };
            for f in 0..4 {
                let (mut a, mut b) = (p.clone(), p.clone());
                a[f] += h;
                b[f] -= h;
                let num =
                    (l(&a, &qi, &qj, bi, bj) - l(&b, &qi, &qj, bi, bj)) / (2.0 * f64::from(h));
                close(num, gp[f], "p");
                let (mut a, mut b) = (qi.clone(), qi.clone());
                a[f] += h;
                b[f] -= h;
                let num = (l(&p, &a, &qj, bi, bj) - l(&p, &b, &qj, bi, bj)) / (2.0 * f64::from(h));
                close(num, gi[f], "q_i");
                let (mut a, mut b) = (qj.clone(), qj.clone());
                a[f] += h;
                b[f] -= h;
                let num = (l(&p, &qi, &a, bi, bj) - l(&p, &qi, &b, bi, bj)) / (2.0 * f64::from(h));
                close(num, gj[f], "q_j");
            }
            let num =
                (l(&p, &qi, &qj, bi + h, bj) - l(&p, &qi, &qj, bi - h, bj)) / (2.0 * f64::from(h));
            close(num, d, "b_i");
            let num =
                (l(&p, &qi, &qj, bi, bj + h) - l(&p, &qi, &qj, bi, bj - h)) / (2.0 * f64::from(h));
            close(num, -d, "b_j");
        }
    }

    #[test]
    fn bpr_loss_is_stable_and_hand_computed() {
        let (l, d) = bpr_loss(0.0);
        assert!((l - 2f32.ln()).abs() < 1e-6 && (d + 0.5).abs() < 1e-6);
        let (l, d) = bpr_loss(-100.0);
        assert!((l - 100.0).abs() < 1e-3 && (d + 1.0).abs() < 1e-6);
        let (l, d) = bpr_loss(100.0);
        assert!((0.0..1e-30).contains(&l) && d.abs() < 1e-30);
        assert_eq!(warp_loss(1.5, 1.0, 2.0), (0.0, 0.0));
        assert_eq!(warp_loss(0.25, 1.0, 2.0), (1.5, -2.0));
    }

    #[test]
    fn warp_weights_are_harmonic_numbers_of_the_rank_estimate() {
        let h = Harmonic::new(100);
        // 101 items, first try violates: rank estimate 100, L(100) ≈ 5.18738.
        assert!((warp_weight(&h, 101, 1) - 5.187_378).abs() < 1e-5);
        // 4 trials: ⌊100/4⌋ = 25.
        assert!((warp_weight(&h, 101, 4) - h.at(25)).abs() < 1e-7);
        // L(3) = 1 + 1/2 + 1/3.
        assert!((h.at(3) - 11.0 / 6.0).abs() < 1e-6);
        assert_eq!(warp_weight(&h, 5, 10), 0.0);
    }

    /// `sgd_triple` at `level` (dispatched, so compiled for it).
    struct SgdTriple<'a> {
        rows: (&'a mut [f32], &'a mut [f32], &'a mut [f32]),
        d: f32,
        lr: f32,
        reg: f32,
    }

    impl WithSimd for SgdTriple<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, s: S) {
            let (p, qi, qj) = self.rows;
            sgd_triple(s, p, qi, qj, self.d, self.lr, self.reg);
        }
    }

    #[test]
    fn fused_sgd_equals_the_generic_path_with_sgd_at_every_level() {
        // Rows of 32 floats (two chunks) and of one factor (stride 1: the scalar tail).
        let mut row32 = row(&[0.3, -0.2, 0.5, 0.1, 0.7]);
        row32.extend(row(&[0.25, -0.6]));
        let cases = [
            (
                row32,
                [row(&[-0.4, 0.25, 0.6, -0.3, 0.0]), row(&[0.9, 0.3])].concat(),
                [row(&[0.2, 0.1, -0.5, 0.7, 0.3]), row(&[-0.1, 0.4])].concat(),
            ),
            (vec![0.3], vec![-0.4], vec![0.2]),
        ];
        let (d, lr, reg) = (-0.4f32, 0.1f32, 0.05f32);
        for (p0, qi0, qj0) in cases {
            let n = p0.len();
            let (mut gp, mut gi, mut gj) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            triple_gradient(&p0, &qi0, &qj0, d, &mut gp, &mut gi, &mut gj);
            let step = StepSize {
                lr,
                weight_decay: reg,
                momentum: None,
            };
            let (mut p2, mut qi2, mut qj2) = (p0.clone(), qi0.clone(), qj0.clone());
            Optimizer::Sgd.step(&mut p2, &gp, &mut [], 1, step);
            Optimizer::Sgd.step(&mut qi2, &gi, &mut [], 1, step);
            Optimizer::Sgd.step(&mut qj2, &gj, &mut [], 1, step);
            let skipped = each_level(|level| {
                let (mut p, mut qi, mut qj) = (p0.clone(), qi0.clone(), qj0.clone());
                level.dispatch(SgdTriple {
                    rows: (&mut p, &mut qi, &mut qj),
                    d,
                    lr,
                    reg,
                });
                for f in 0..n {
                    assert!((p[f] - p2[f]).abs() < 1e-6, "{level:?}");
                    assert!((qi[f] - qi2[f]).abs() < 1e-6, "{level:?}");
                    assert!((qj[f] - qj2[f]).abs() < 1e-6, "{level:?}");
                }
                // Hand check of one coordinate: p₀ ← 0.3·(1 − 0.005) − 0.1·(−0.4)·(−0.4 − 0.2).
                assert!((p[0] - (0.3 * 0.995 - 0.024)).abs() < 1e-6, "{level:?}");
                if n > 1 {
                    assert!(p[5..16].iter().all(|&x| x == 0.0), "padding stays zero");
                }
            });
            assert!(!skipped.contains(&Isa::Scalar));
        }
    }

    struct ScoreDifference<'a>(&'a [f32], &'a [f32], &'a [f32]);

    impl WithSimd for ScoreDifference<'_> {
        type Output = f32;
        #[inline(always)]
        fn with_simd<S: Simd>(self, s: S) -> f32 {
            score_difference(s, self.0, self.1, self.2)
        }
    }

    #[test]
    fn score_difference_equals_the_two_dot_products_at_every_level() {
        // 37 floats: two whole chunks and a tail of 5.
        let v = |salt: usize| -> Vec<f32> {
            (0..37)
                .map(|f| (((f * 7 + salt) % 13) as f32 - 6.0) / 8.0)
                .collect()
        };
        let (p, qi, qj) = (v(1), v(4), v(9));
        let want: f64 = (0..37)
            .map(|f| f64::from(p[f]) * (f64::from(qi[f]) - f64::from(qj[f])))
            .sum();
        assert!((f64::from(dot(&p, &qi) - dot(&p, &qj)) - want).abs() < 1e-5);
        let skipped = each_level(|level| {
            let got = level.dispatch(ScoreDifference(&p, &qi, &qj));
            assert!(
                (f64::from(got) - want).abs() < 1e-5,
                "{level:?}: {got} vs {want}"
            );
        });
        assert!(!skipped.contains(&Isa::Scalar));
    }

    #[test]
    fn fused_adagrad_equals_the_generic_path_and_a_hand_computed_step() {
        let p0 = row(&[0.3, -0.2, 0.5, 0.1, 0.7]);
        let qi0 = row(&[-0.4, 0.25, 0.6, -0.3, 0.0]);
        let qj0 = row(&[0.2, 0.1, -0.5, 0.7, 0.3]);
        let acc0 = |x: f32| vec![x; 16];
        let (d, lr, reg, eps) = (-2.5f32, 0.05f32, 0.3f32, 1e-6f32);
        // Two steps, so the second one starts from non-trivial sums.
        let (mut p, mut qi, mut qj) = (p0.clone(), qi0.clone(), qj0.clone());
        let (mut gp, mut gi, mut gj) = (acc0(1.0), acc0(1.0), acc0(1.0));
        for _ in 0..2 {
            adagrad_triple(
                (&mut p, &mut qi, &mut qj),
                (&mut gp, &mut gi, &mut gj),
                d,
                lr,
                reg,
                eps,
            );
        }
        let opt = Optimizer::Adagrad {
            eps: f64::from(eps),
        };
        let step = StepSize {
            lr,
            weight_decay: reg,
            momentum: None,
        };
        let (mut p2, mut qi2, mut qj2) = (p0.clone(), qi0.clone(), qj0.clone());
        let (mut gp2, mut gi2, mut gj2) = (acc0(1.0), acc0(1.0), acc0(1.0));
        let (mut dp, mut di, mut dj) = (vec![0.0; 16], vec![0.0; 16], vec![0.0; 16]);
        for t in 1..=2 {
            triple_gradient(&p2, &qi2, &qj2, d, &mut dp, &mut di, &mut dj);
            opt.step(&mut p2, &dp, &mut gp2, t, step);
            opt.step(&mut qi2, &di, &mut gi2, t, step);
            opt.step(&mut qj2, &dj, &mut gj2, t, step);
        }
        for (a, b) in [
            (&p, &p2),
            (&qi, &qi2),
            (&qj, &qj2),
            (&gp, &gp2),
            (&gi, &gi2),
            (&gj, &gj2),
        ] {
            for f in 0..16 {
                assert!((a[f] - b[f]).abs() < 1e-6, "{f}: {} vs {}", a[f], b[f]);
            }
        }
        // Hand check of p₀'s first step: g = d·(q_i₀ − q_j₀) + λ·p₀ = −2.5·(−0.6) + 0.09
        // = 1.59, G = 1 + 1.59², p₀ = 0.3 − 0.05·1.59/(√G + ε).
        let (mut p1, mut qi1, mut qj1) = (p0.clone(), qi0.clone(), qj0.clone());
        let (mut g1, mut g2, mut g3) = (acc0(1.0), acc0(1.0), acc0(1.0));
        adagrad_triple(
            (&mut p1, &mut qi1, &mut qj1),
            (&mut g1, &mut g2, &mut g3),
            d,
            lr,
            reg,
            eps,
        );
        let g = 1.59f64;
        let want = 0.3 - 0.05 * g / ((1.0 + g * g).sqrt() + 1e-6);
        assert!(
            (f64::from(p1[0]) - want).abs() < 1e-6,
            "{} vs {want}",
            p1[0]
        );
        assert!((f64::from(g1[0]) - (1.0 + g * g)).abs() < 1e-5);
        // Padding: zero rows with zero gradient stay zero, sums unchanged.
        assert!(p1[5..].iter().all(|&x| x == 0.0) && g1[5..].iter().all(|&x| x == 1.0));
        // Rows of one factor (stride 1) take the scalar tail.
        let (mut a, mut b, mut c) = ([0.3f32], [-0.4f32], [0.2f32]);
        let (mut ga, mut gb, mut gc) = ([1.0f32], [1.0f32], [1.0f32]);
        adagrad_triple(
            (&mut a, &mut b, &mut c),
            (&mut ga, &mut gb, &mut gc),
            d,
            lr,
            reg,
            eps,
        );
        assert!((f64::from(a[0]) - want).abs() < 1e-6);
    }

    #[test]
    fn two_rows_returns_the_requested_rows_in_order() {
        let mut t: Vec<f32> = (0..12).map(|x| x as f32).collect();
        let (a, b) = two_rows(&mut t, 2, 0, 4);
        assert_eq!((a[0], b[0]), (8.0, 0.0));
        let (a, b) = two_rows(&mut t, 1, 2, 4);
        assert_eq!((a[0], b[0]), (4.0, 8.0));
    }

    /// The one-by-one BPR + SGD loop, as written before the one-sample-ahead kernel: each
    /// triple drawn, scored and applied in turn. Returns the loss, samples, skipped, updates.
    struct OneByOne<'a> {
        entries: &'a [Entry],
        index: &'a BlockIndex,
        sampler: NegativeSampler<'a>,
        rng: &'a mut Rng,
        p: &'a mut [f32],
        q: &'a mut [f32],
        b: &'a mut [f32],
        c: &'a TripleConsts,
    }

    impl WithSimd for OneByOne<'_> {
        type Output = BlockOutcome;
        fn with_simd<S: Simd>(self, simd: S) -> BlockOutcome {
            let OneByOne {
                entries,
                index,
                sampler,
                rng,
                p,
                q,
                b,
                c,
            } = self;
            let s = c.stride;
            let mut positives = Positives::new(entries, index, c.sampling, rng);
            let (mut out, mut losses) = (BlockOutcome::default(), LossSum::default());
            for _ in 0..entries.len() {
                let (u, i) = positives.next(rng);
                out.samples += 1;
                let Some(j) = sampler.draw(rng, index.row(u)) else {
                    out.skipped += 1;
                    continue;
                };
                let (u, i, j) = (u as usize, i as usize, j as usize);
                let x = score_difference(
                    simd,
                    &p[u * s..(u + 1) * s],
                    &q[i * s..(i + 1) * s],
                    &q[j * s..(j + 1) * s],
                ) + b[i]
                    - b[j];
                let t = bpr_terms(x);
                losses.add_softplus(t.hinge, t.one_plus_e);
                if t.d == 0.0 {
                    continue;
                }
                out.updates += 1;
                let (qi, qj) = two_rows(q, i, j, s);
                sgd_triple(simd, &mut p[u * s..(u + 1) * s], qi, qj, t.d, 0.05, c.reg);
                b[i] -= 0.05 * (t.d + c.reg_bias * b[i]);
                b[j] -= 0.05 * (-t.d + c.reg_bias * b[j]);
            }
            out.loss = losses.total();
            out
        }
    }

    /// The one-sample-ahead BPR + SGD kernel gives the one-by-one loop's bits at every
    /// level: on a tiny block, where consecutive triples often share a row (scored after the
    /// update), and on a larger one, where they mostly do not (scored before it); uniform
    /// and weighted negatives; the random stream left in the same state.
    #[test]
    fn bpr_one_sample_ahead_is_the_one_by_one_loop_bit_for_bit() {
        for (users, items) in [(12u32, 6u32), (60, 200)] {
            let entries: Vec<Entry> = (0..users)
                .flat_map(|u| {
                    (0..items)
                        .filter(move |i| (u * 7 + i * 3) % 4 == 0)
                        .map(move |i| Entry {
                            user: u,
                            item: i,
                            value: 1.0,
                        })
                })
                .collect();
            let (nu, ni) = (users as usize, items as usize);
            let index = BlockIndex::new(&entries[..], nu, ni);
            let cdf: Vec<f64> = (0..=ni).map(|k| (k * k) as f64 + k as f64).collect();
            let init = |rows: usize, salt: usize| -> Vec<f32> {
                (0..rows * 16)
                    .map(|k| {
                        if k % 16 < 5 {
                            (((k + salt) * 37 % 17) as f32 - 8.0) / 40.0
                        } else {
                            0.0
                        }
                    })
                    .collect()
            };
            let c = TripleConsts {
                stride: 16,
                loss: Loss::Bpr,
                sampling: PairSampling::PerInteraction,
                reg: 0.01,
                reg_bias: 0.02,
                item_bias: true,
                optimizer: Optimizer::Sgd,
                max_tries: 1,
                margin: 1.0,
                n_items: ni,
            };
            let h = Harmonic::new(ni);
            for weighted in [false, true] {
                let sampler = if weighted {
                    NegativeSampler::weighted(&cdf)
                } else {
                    NegativeSampler::uniform(items)
                };
                let skipped = each_level(|level| {
                    let (mut p, mut q, mut b) = (init(nu, 1), init(ni, 2), vec![0.1f32; ni]);
                    let mut rng = rng::stream(9, &[]);
                    let out = train_block_with(
                        level,
                        &entries[..],
                        &index,
                        sampler,
                        &h,
                        &mut rng,
                        &mut SideBin {
                            factors: &mut p,
                            bias: &mut [],
                            factor_state: &mut [],
                            bias_state: &mut [],
                            steps: &mut vec![0; nu],
                            reg_weight: &[],
                        },
                        &mut SideBin {
                            factors: &mut q,
                            bias: &mut b,
                            factor_state: &mut [],
                            bias_state: &mut [],
                            steps: &mut vec![0; ni],
                            reg_weight: &[],
                        },
                        &c,
                        &|_, _| (0.05, None),
                    );
                    let (mut p0, mut q0, mut b0) = (init(nu, 1), init(ni, 2), vec![0.1f32; ni]);
                    let mut rng0 = rng::stream(9, &[]);
                    let want = level.dispatch(OneByOne {
                        entries: &entries,
                        index: &index,
                        sampler,
                        rng: &mut rng0,
                        p: &mut p0,
                        q: &mut q0,
                        b: &mut b0,
                        c: &c,
                    });
                    let what = format!("{users}×{items} weighted {weighted} {level:?}");
                    assert!(
                        2 * want.updates > entries.len() as u64,
                        "{what}: the block trains"
                    );
                    assert_eq!(out, want, "{what}");
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&p), bits(&p0), "{what}: users");
                    assert_eq!(bits(&q), bits(&q0), "{what}: items");
                    assert_eq!(bits(&b), bits(&b0), "{what}: biases");
                    use rand::RngCore;
                    assert_eq!(rng.next_u64(), rng0.next_u64(), "{what}: the random stream");
                });
                assert!(!skipped.contains(&Isa::Scalar));
            }
        }
    }

    #[test]
    fn every_level_trains_a_block_alike() {
        // 6 users × 20 items, k = 5 in rows of 16; BPR and WARP, plain SGD and Adagrad (fused paths).
        let entries: Vec<Entry> = (0..6u32)
            .flat_map(|u| {
                (0..20u32)
                    .filter(move |i| (u * 7 + i * 3) % 5 == 0)
                    .map(move |i| Entry {
                        user: u,
                        item: i,
                        value: 1.0,
                    })
            })
            .collect();
        let index = BlockIndex::new(&entries[..], 6, 20);
        let init = |rows: usize, salt: usize| -> Vec<f32> {
            let mut v = vec![0.0; rows * 16];
            for r in 0..rows {
                for f in 0..5 {
                    v[r * 16 + f] = (((r * 5 + f + salt) * 37 % 17) as f32 - 8.0) / 40.0;
                }
            }
            v
        };
        let h = Harmonic::new(20);
        let optimizers = [Optimizer::Sgd, Optimizer::Adagrad { eps: 1e-6 }];
        for (loss, optimizer) in [Loss::Bpr, Loss::Warp]
            .into_iter()
            .flat_map(|l| optimizers.map(|o| (l, o)))
        {
            let c = TripleConsts {
                stride: 16,
                loss,
                sampling: PairSampling::PerInteraction,
                reg: 0.01,
                reg_bias: 0.01,
                item_bias: true,
                optimizer,
                max_tries: 5,
                margin: 1.0,
                n_items: 20,
            };
            let slots = optimizer.slots();
            let run = |level: Level| {
                let (mut p, mut q, mut b) = (init(6, 1), init(20, 2), vec![0.0f32; 20]);
                let (mut ps, mut qs) =
                    (vec![1.0f32; 6 * 16 * slots], vec![1.0f32; 20 * 16 * slots]);
                let mut bs = vec![1.0f32; 20 * slots];
                let mut rng = rng::stream(4, &[]);
                let out = train_block_with(
                    level,
                    &entries[..],
                    &index,
                    NegativeSampler::uniform(20),
                    &h,
                    &mut rng,
                    &mut SideBin {
                        factors: &mut p,
                        bias: &mut [],
                        factor_state: &mut ps,
                        bias_state: &mut [],
                        steps: &mut [0; 6],
                        reg_weight: &[],
                    },
                    &mut SideBin {
                        factors: &mut q,
                        bias: &mut b,
                        factor_state: &mut qs,
                        bias_state: &mut bs,
                        steps: &mut [0; 20],
                        reg_weight: &[],
                    },
                    &c,
                    &|_, _| (0.05, None),
                );
                (out, p, q, b)
            };
            let (o0, p0, q0, b0) = run(Level::Scalar);
            assert!(o0.updates > 0);
            let skipped = each_level(|level| {
                if level == Level::Scalar {
                    return;
                }
                let (o, p, q, b) = run(level);
                assert_eq!(
                    (o.samples, o.updates),
                    (o0.samples, o0.updates),
                    "{level:?}"
                );
                assert!(
                    (o.loss - o0.loss).abs() < 1e-3 * o0.loss.max(1.0),
                    "{level:?}"
                );
                for (x, y) in p
                    .iter()
                    .zip(&p0)
                    .chain(q.iter().zip(&q0))
                    .chain(b.iter().zip(&b0))
                {
                    assert!(
                        (x - y).abs() < 1e-4,
                        "{level:?} {loss:?} {optimizer:?}: {x} vs {y}"
                    );
                }
            });
            assert!(!skipped.contains(&Isa::Scalar));
        }
    }
}
