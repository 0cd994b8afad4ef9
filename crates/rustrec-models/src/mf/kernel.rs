//! SGD kernels for one block of biased MF.
//!
//! * [`sgd_block`] — the fast path (plain SGD, one sample per update, identity output, no
//!   dropout): one fused pass per sample over whole 16-float chunks of the padded rows,
//!   written once over the [`simd`](crate::engine::simd) layer and compiled for the best
//!   level of the CPU ([`sgd_block_with`] takes a chosen [`Level`]). LLVM neither fuses
//!   `a · b + c` nor vectorises the dot product's reduction on its own, so the AVX2 and
//!   AVX-512 levels run at about twice the speed of the portable one.
//! * [`generic_block`] — every option: any optimizer, mini-batches, dropout, sigmoid output,
//!   negative samples. It computes gradients with [`sample_gradient`], the function the
//!   finite-difference tests check.
//! * [`reference_sgd`] — the textbook loop over unpadded rows, kept beside the fast one and
//!   tested to agree with it.

use crate::engine::grid::{Entry, Walk};
use crate::engine::optimizer::{Optimizer, StepSize};
use crate::engine::packed::EntryRead;
use crate::engine::rng::{self, Rng};
use crate::engine::simd::{Level, Simd, WithSimd, prefetch};
use crate::engine::table::LANES;

use super::hyperparams::{Output, Reduction};

/// Constants of the fast SGD kernel.
#[derive(Clone, Copy, Debug)]
pub struct SgdConsts {
    /// Floats per padded row.
    pub stride: usize,
    /// Global mean μ (0 when unused).
    pub mu: f32,
    /// λ on factors.
    pub reg: f32,
    /// λ on biases.
    pub reg_bias: f32,
    /// Whether biases are learned.
    pub biases: bool,
}

/// Per-row multipliers of the per-sample regularisation within a block (see
/// `MfParams::reg_exponent`): user row `u`'s factors and bias are shrunk with `λ · user[u]`
/// and `λ_b · user[u]`, item rows likewise. Empty slices mean 1 for every row (plain
/// per-sample λ), which is the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct RegWeights<'a> {
    /// Multiplier of each user row of the block's user bin (or empty).
    pub user: &'a [f32],
    /// Multiplier of each item row of the block's item bin (or empty).
    pub item: &'a [f32],
}

impl RegWeights<'_> {
    /// The multipliers of user row `u` and item row `i`.
    #[inline(always)]
    pub fn at(&self, u: usize, i: usize) -> (f32, f32) {
        (
            self.user.get(u).copied().unwrap_or(1.0),
            self.item.get(i).copied().unwrap_or(1.0),
        )
    }
}

/// Where the samples of a block come from.
pub enum Order<'a> {
    /// Every entry once, in the order of a [`Walk`].
    Walk(Walk),
    /// `n` draws with replacement, from this generator.
    WithReplacement(&'a mut Rng, usize),
}

/// The learning rate over a block: `lr(k)` for sample `k` of `n`, refreshed every
/// [`LR_REFRESH`] samples.
pub trait LrAt: Fn(usize, usize) -> f32 + Sync {}
impl<F: Fn(usize, usize) -> f32 + Sync> LrAt for F {}

/// Samples between two evaluations of the learning-rate schedule inside a block.
pub const LR_REFRESH: usize = 256;

/// One SGD step on padded rows `p`, `q` (whole 16-float chunks) with prediction base
/// `base = μ + b_u + b_i`; returns the error `r − r̂` computed before the update. One pass
/// for the dot product ([`Simd::dot`]: 16 partial sums, fused multiply-adds at V3 and V4,
/// so those two give the same bits), one for the update of both rows from their old values.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn fused_step<S: Simd>(
    s: S,
    p: &mut [f32],
    q: &mut [f32],
    r: f32,
    base: f32,
    lr: f32,
    reg_p: f32,
    reg_q: f32,
) -> f32 {
    let n = p.len();
    assert!(
        q.len() == n && n.is_multiple_of(LANES),
        "rows must be padded to 16 floats"
    );
    let e = r - (base + s.dot(p, q));
    let a = s.splat(lr * e);
    let shrink_p = s.splat(1.0 - lr * reg_p);
    let shrink_q = s.splat(1.0 - lr * reg_q);
    let (pc, _) = p.as_chunks_mut::<LANES>();
    let (qc, _) = q.as_chunks_mut::<LANES>();
    for (pc, qc) in pc.iter_mut().zip(qc) {
        let (pv, qv) = (s.load(pc), s.load(qc));
        s.store(pc, s.mul_add(a, qv, s.mul(shrink_p, pv)));
        s.store(qc, s.mul_add(a, pv, s.mul(shrink_q, qv)));
    }
    e
}

/// Asks the CPU to bring the factor rows of the next sample into cache while the current
/// one is computed (a hint only: it never faults and changes no result).
#[inline(always)]
fn prefetch_rows(p: &[f32], q: &[f32], stride: usize, next: Entry) {
    let (u, i) = (next.user as usize * stride, next.item as usize * stride);
    if let (Some(pu), Some(qi)) = (p.get(u), q.get(i)) {
        prefetch(pu);
        prefetch(qi);
    }
}

/// Plain SGD over one block, as a [`WithSimd`] kernel: the loop below is compiled once per
/// instruction-set level, with [`fused_step`] inlined. The fields are the arguments of
/// [`sgd_block_with`] after the level, in order.
struct SgdBlock<'a, 'o, E>(
    E,
    Order<'o>,
    &'a mut [f32],
    &'a mut [f32],
    &'a mut [f32],
    &'a mut [f32],
    RegWeights<'a>,
    SgdConsts,
    &'a dyn LrAt,
);

impl<E: EntryRead> WithSimd for SgdBlock<'_, '_, E> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f64 {
        let SgdBlock(entries, order, p, q, bu, bi, w, c, lr_at) = self;
        let s = c.stride;
        let len = entries.len();
        let (n, mut rng, walk) = match order {
            Order::Walk(w) => (len, None, w),
            Order::WithReplacement(rng, n) => (n, Some(rng), Walk { start: 0, step: 1 }),
        };
        let mut pos = walk.start;
        let mut loss = 0.0f64;
        let mut lr = lr_at(0, n);
        for k in 0..n {
            if k % LR_REFRESH == 0 && k > 0 {
                lr = lr_at(k, n);
            }
            let e = match rng.as_mut() {
                None => {
                    let e = entries.at(pos);
                    pos += walk.step;
                    if pos >= len {
                        pos -= len;
                    }
                    prefetch_rows(p, q, s, entries.at(pos));
                    e
                }
                Some(rng) => entries.at(rng::below(rng, len as u32) as usize),
            };
            let (u, i) = (e.user as usize, e.item as usize);
            let (wu, wi) = w.at(u, i);
            let base = c.mu + bu[u] + bi[i];
            let err = fused_step(
                simd,
                &mut p[u * s..(u + 1) * s],
                &mut q[i * s..(i + 1) * s],
                e.value,
                base,
                lr,
                c.reg * wu,
                c.reg * wi,
            );
            if c.biases {
                bu[u] += lr * (err - c.reg_bias * wu * bu[u]);
                bi[i] += lr * (err - c.reg_bias * wi * bi[i]);
            }
            loss += f64::from(err * err);
        }
        loss
    }
}

/// Plain SGD over one block (the fast path) at the best level of this CPU. `p`/`q` are the
/// block's user/item bins of the padded factor tables, `bu`/`bi` their biases, `w` the
/// rows' regularisation multipliers. Returns the sum of squared errors. `entries` are
/// 12-byte [`Entry`]s or packed words ([`crate::engine::packed::PackedBlock`]).
#[allow(clippy::too_many_arguments)]
pub fn sgd_block<E: EntryRead>(
    entries: E,
    order: Order<'_>,
    p: &mut [f32],
    q: &mut [f32],
    bu: &mut [f32],
    bi: &mut [f32],
    w: RegWeights<'_>,
    c: SgdConsts,
    lr_at: &dyn LrAt,
) -> f64 {
    sgd_block_with(Level::detect(), entries, order, p, q, bu, bi, w, c, lr_at)
}

/// [`sgd_block`] at a chosen instruction-set level (one of [`Level::available`]).
#[allow(clippy::too_many_arguments)]
pub fn sgd_block_with<E: EntryRead>(
    level: Level,
    entries: E,
    order: Order<'_>,
    p: &mut [f32],
    q: &mut [f32],
    bu: &mut [f32],
    bi: &mut [f32],
    w: RegWeights<'_>,
    c: SgdConsts,
    lr_at: &dyn LrAt,
) -> f64 {
    debug_assert_eq!(c.stride % LANES, 0);
    level.dispatch(SgdBlock(entries, order, p, q, bu, bi, w, c, lr_at))
}

/// The textbook SGD loop on unpadded rows (`k` floats each), one sample after another:
/// the readable reference that [`sgd_block`] is tested against.
#[allow(clippy::too_many_arguments)]
pub fn reference_sgd(
    entries: &[Entry],
    k: usize,
    p: &mut [f32],
    q: &mut [f32],
    bu: &mut [f32],
    bi: &mut [f32],
    w: RegWeights<'_>,
    c: SgdConsts,
    lr: f32,
) -> f64 {
    let mut loss = 0.0;
    for e in entries {
        let (u, i) = (e.user as usize, e.item as usize);
        let (wu, wi) = w.at(u, i);
        let mut pred = c.mu + bu[u] + bi[i];
        for f in 0..k {
            pred += p[u * k + f] * q[i * k + f];
        }
        let err = e.value - pred;
        loss += f64::from(err * err);
        if c.biases {
            bu[u] += lr * (err - c.reg_bias * wu * bu[u]);
            bi[i] += lr * (err - c.reg_bias * wi * bi[i]);
        }
        for f in 0..k {
            let (pf, qf) = (p[u * k + f], q[i * k + f]);
            p[u * k + f] += lr * (err * qf - c.reg * wu * pf);
            q[i * k + f] += lr * (err * pf - c.reg * wi * qf);
        }
    }
    loss
}

/// Constants of the general kernel.
#[derive(Clone, Copy, Debug)]
pub struct GenericConsts {
    /// Floats per padded row.
    pub stride: usize,
    /// Global mean μ (0 when unused).
    pub mu: f32,
    /// λ on factors.
    pub reg: f32,
    /// λ on biases.
    pub reg_bias: f32,
    /// Whether biases are learned.
    pub biases: bool,
    /// Output function.
    pub output: Output,
    /// Dropout probability on factor vectors.
    pub dropout: f32,
    /// Update rule.
    pub optimizer: Optimizer,
    /// Samples per update.
    pub batch_size: usize,
    /// How a batch's gradients combine.
    pub reduction: Reduction,
    /// Share of samples that are negatives.
    pub negative_fraction: f32,
}

/// Gradient of one sample's loss `½(r − r̂)²` with respect to the raw score `z`, and the
/// prediction: `(∂L/∂z, r̂)`. With a sigmoid output, `r̂ = lo + (hi − lo)σ(z)` and
/// `∂r̂/∂z = (hi − lo)σ(z)(1 − σ(z))`.
#[inline]
pub fn output_gradient(output: Output, z: f32, r: f32) -> (f32, f32) {
    match output {
        Output::Identity => (z - r, z),
        Output::Sigmoid { lo, hi } => {
            let s = super::model::sigmoid(z);
            let pred = lo + (hi - lo) * s;
            ((pred - r) * (hi - lo) * s * (1.0 - s), pred)
        }
    }
}

/// Loss gradient of one sample for rows `p`, `q` (padded, same length) with dropout masks
/// `mp`, `mq` (1 where kept, scaled by 1/(1 − dropout); all ones without dropout).
/// Writes `∂L/∂p` into `gp` and `∂L/∂q` into `gq`; returns `(∂L/∂z, r̂)` — `∂L/∂b_u` and
/// `∂L/∂b_i` both equal `∂L/∂z`.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn sample_gradient(
    p: &[f32],
    q: &[f32],
    mp: &[f32],
    mq: &[f32],
    base: f32,
    r: f32,
    output: Output,
    gp: &mut [f32],
    gq: &mut [f32],
) -> (f32, f32) {
    let mut z = base;
    for f in 0..p.len() {
        z += p[f] * mp[f] * q[f] * mq[f];
    }
    let (gz, pred) = output_gradient(output, z, r);
    for f in 0..p.len() {
        let m = mp[f] * mq[f];
        gp[f] = gz * m * q[f];
        gq[f] = gz * m * p[f];
    }
    (gz, pred)
}

pub use crate::engine::sgd::SideBin;

/// Sparse gradient accumulator of one side for one mini-batch.
struct BatchGrads {
    slot: Vec<u32>,
    touched: Vec<u32>,
    grads: Vec<f32>,
    bias_grads: Vec<f32>,
    stride: usize,
}

impl BatchGrads {
    fn new(rows: usize, batch: usize, stride: usize) -> Self {
        BatchGrads {
            slot: vec![u32::MAX; rows],
            touched: Vec::with_capacity(batch),
            grads: vec![0.0; batch * stride],
            bias_grads: vec![0.0; batch],
            stride,
        }
    }

    /// Adds a row's gradient (scaled by nothing) to the batch.
    #[inline]
    fn add(&mut self, row: usize, g: &[f32], gb: f32) {
        let mut s = self.slot[row];
        if s == u32::MAX {
            s = self.touched.len() as u32;
            self.slot[row] = s;
            self.touched.push(row as u32);
        }
        let a = s as usize * self.stride;
        for (acc, &x) in self.grads[a..a + self.stride].iter_mut().zip(g) {
            *acc += x;
        }
        self.bias_grads[s as usize] += gb;
    }

    /// Applies the accumulated gradients to `side` and clears the batch.
    fn apply(&mut self, side: &mut SideBin<'_>, c: &GenericConsts, scale: f32, step: StepSize) {
        let s = self.stride;
        let slots = c.optimizer.slots();
        for (k, &row) in self.touched.iter().enumerate() {
            let row = row as usize;
            let g = &mut self.grads[k * s..(k + 1) * s];
            if scale != 1.0 {
                g.iter_mut().for_each(|x| *x *= scale);
            }
            side.steps[row] += 1;
            let t = side.steps[row];
            let w = side.reg_weight.get(row).copied().unwrap_or(1.0);
            c.optimizer.step(
                &mut side.factors[row * s..(row + 1) * s],
                g,
                &mut side.factor_state[row * slots * s..(row + 1) * slots * s],
                t,
                StepSize {
                    weight_decay: c.reg * w,
                    ..step
                },
            );
            g.iter_mut().for_each(|x| *x = 0.0);
            if c.biases {
                let gb = [self.bias_grads[k] * scale];
                c.optimizer.step(
                    &mut side.bias[row..row + 1],
                    &gb,
                    &mut side.bias_state[row * slots..(row + 1) * slots],
                    t,
                    StepSize {
                        weight_decay: c.reg_bias * w,
                        ..step
                    },
                );
            }
            self.bias_grads[k] = 0.0;
            self.slot[row] = u32::MAX;
        }
        self.touched.clear();
    }
}

/// Result of the general kernel on one block.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockLoss {
    /// Sum of squared errors of the samples.
    pub loss: f64,
    /// Samples processed.
    pub samples: u64,
}

/// Every-option training over one block. `is_seen(local_user, local_item)` tells whether
/// a user of this block's user bin has interacted with an item of its item bin (used to
/// draw negatives). `lr_at` and `momentum_at` give the schedule at sample `k` of `n`.
#[allow(clippy::too_many_arguments)]
pub fn generic_block(
    entries: &[Entry],
    walk: Option<Walk>,
    rng: &mut Rng,
    user: &mut SideBin<'_>,
    item: &mut SideBin<'_>,
    c: &GenericConsts,
    lr_at: &dyn LrAt,
    momentum_at: &(dyn Fn(usize, usize) -> Option<f32> + Sync),
    is_seen: &dyn Fn(u32, u32) -> bool,
) -> BlockLoss {
    let s = c.stride;
    let n_user_rows = user.bias.len();
    let n_item_rows = item.bias.len();
    let len = entries.len();
    if len == 0 || n_item_rows == 0 {
        return BlockLoss::default();
    }
    // Positives once each (shuffled) or len draws; negatives on top so that they make up
    // `negative_fraction` of all samples.
    let total = if c.negative_fraction > 0.0 {
        (len as f64 / (1.0 - f64::from(c.negative_fraction))).round() as usize
    } else {
        len
    };
    let mut ug = BatchGrads::new(n_user_rows, c.batch_size, s);
    let mut ig = BatchGrads::new(n_item_rows, c.batch_size, s);
    let mut mp = vec![1.0f32; s];
    let mut mq = vec![1.0f32; s];
    let mut gp = vec![0.0f32; s];
    let mut gq = vec![0.0f32; s];
    let keep_scale = 1.0 / (1.0 - c.dropout);
    let mut loss = 0.0f64;
    let mut next_positive = 0usize;
    let mut in_batch = 0usize;
    let mut samples = 0u64;
    for k in 0..total {
        let negative = c.negative_fraction > 0.0
            && (next_positive >= len || rng::unit_f32(rng) < c.negative_fraction);
        let e = if negative {
            let owner = entries[rng::below(rng, len as u32) as usize];
            let mut found = None;
            for _ in 0..32 {
                let j = rng::below(rng, n_item_rows as u32);
                if !is_seen(owner.user, j) {
                    found = Some(j);
                    break;
                }
            }
            match found {
                Some(j) => Entry {
                    user: owner.user,
                    item: j,
                    value: 0.0,
                },
                None => continue,
            }
        } else {
            if next_positive >= len {
                continue;
            }
            let e = match walk {
                Some(w) => entries[(w.start + next_positive * w.step) % len],
                None => entries[rng::below(rng, len as u32) as usize],
            };
            next_positive += 1;
            e
        };
        let (u, i) = (e.user as usize, e.item as usize);
        if c.dropout > 0.0 {
            for f in 0..s {
                mp[f] = if rng::unit_f32(rng) < c.dropout {
                    0.0
                } else {
                    keep_scale
                };
                mq[f] = if rng::unit_f32(rng) < c.dropout {
                    0.0
                } else {
                    keep_scale
                };
            }
        }
        let base = c.mu + user.bias[u] + item.bias[i];
        let (gz, pred) = sample_gradient(
            &user.factors[u * s..(u + 1) * s],
            &item.factors[i * s..(i + 1) * s],
            &mp,
            &mq,
            base,
            e.value,
            c.output,
            &mut gp,
            &mut gq,
        );
        let err = e.value - pred;
        loss += f64::from(err * err);
        samples += 1;
        ug.add(u, &gp, gz);
        ig.add(i, &gq, gz);
        in_batch += 1;
        if in_batch == c.batch_size || k + 1 == total {
            let scale = match c.reduction {
                Reduction::Sum => 1.0,
                Reduction::Mean => 1.0 / in_batch as f32,
            };
            let step = StepSize {
                lr: lr_at(k, total),
                weight_decay: 0.0,
                momentum: momentum_at(k, total),
            };
            ug.apply(user, c, scale, step);
            ig.apply(item, c, scale, step);
            in_batch = 0;
        }
    }
    if in_batch > 0 {
        let scale = match c.reduction {
            Reduction::Sum => 1.0,
            Reduction::Mean => 1.0 / in_batch as f32,
        };
        let step = StepSize {
            lr: lr_at(total, total),
            weight_decay: 0.0,
            momentum: momentum_at(total, total),
        };
        ug.apply(user, c, scale, step);
        ig.apply(item, c, scale, step);
    }
    BlockLoss { loss, samples }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::simd::{Isa, each_level};

    fn entries() -> Vec<Entry> {
        let mut v = Vec::new();
        for u in 0..5u32 {
            for i in 0..4u32 {
                if (u + 2 * i) % 3 != 0 {
                    v.push(Entry {
                        user: u,
                        item: i,
                        value: 1.0 + ((u * 7 + i * 3) % 5) as f32,
                    });
                }
            }
        }
        v
    }

    fn init(n: usize, k: usize, salt: usize) -> Vec<f32> {
        (0..n * k)
            .map(|x| (((x + salt) * 37 % 17) as f32 - 8.0) / 40.0)
            .collect()
    }

    fn pad(dense: &[f32], n: usize, k: usize, stride: usize) -> Vec<f32> {
        let mut out = vec![0.0; n * stride];
        for r in 0..n {
            out[r * stride..r * stride + k].copy_from_slice(&dense[r * k..(r + 1) * k]);
        }
        out
    }

    const SEQUENTIAL: Walk = Walk { start: 0, step: 1 };

    #[test]
    fn fast_kernel_agrees_with_the_textbook_loop_at_every_level_with_and_without_row_weights() {
        let es = entries();
        let (wu, wi) = ([0.5f32, 1.0, 2.0, 3.0, 0.25], [4.0f32, 0.3, 1.0, 1.5]);
        let weightings = [
            RegWeights::default(),
            RegWeights {
                user: &wu,
                item: &wi,
            },
        ];
        // One 16-float chunk per row, and two (k = 21 in rows of 32).
        for (k, stride) in [(5, 16), (21, 32)] {
            let c = SgdConsts {
                stride,
                mu: 3.0,
                reg: 0.05,
                reg_bias: 0.02,
                biases: true,
            };
            let mut portable = Vec::new();
            for w in weightings {
                let mut fused = Vec::new();
                let skipped = each_level(|level| {
                    let (mut p_ref, mut q_ref) = (init(5, k, 1), init(4, k, 2));
                    let (mut bu_ref, mut bi_ref) = (vec![0.1f32; 5], vec![-0.2f32; 4]);
                    let (mut p, mut q) = (pad(&p_ref, 5, k, stride), pad(&q_ref, 4, k, stride));
                    let (mut bu, mut bi) = (bu_ref.clone(), bi_ref.clone());
                    let loss_fast = sgd_block_with(
                        level,
                        &es[..],
                        Order::Walk(SEQUENTIAL),
                        &mut p,
                        &mut q,
                        &mut bu,
                        &mut bi,
                        w,
                        c,
                        &|_, _| 0.01,
                    );
                    let loss_ref = reference_sgd(
                        &es,
                        k,
                        &mut p_ref,
                        &mut q_ref,
                        &mut bu_ref,
                        &mut bi_ref,
                        w,
                        c,
                        0.01,
                    );
                    assert!(
                        (loss_fast - loss_ref).abs() < 1e-4 * loss_ref,
                        "{level:?}: {loss_fast} vs {loss_ref}"
                    );
                    for r in 0..5 {
                        for f in 0..k {
                            let (a, b) = (p[r * stride + f], p_ref[r * k + f]);
                            assert!((a - b).abs() < 1e-5, "{level:?}: {a} vs {b}");
                        }
                        assert!(
                            p[r * stride + k..(r + 1) * stride]
                                .iter()
                                .all(|&x| x == 0.0),
                            "padding stays zero"
                        );
                    }
                    for r in 0..4 {
                        for f in 0..k {
                            assert!((q[r * stride + f] - q_ref[r * k + f]).abs() < 1e-5);
                        }
                    }
                    for (a, b) in bu.iter().zip(&bu_ref).chain(bi.iter().zip(&bi_ref)) {
                        assert!((a - b).abs() < 1e-5);
                    }
                    if level == Level::Scalar {
                        portable.push(p);
                    } else {
                        fused.push((loss_fast.to_bits(), p, q, bu, bi));
                    }
                });
                assert!(!skipped.contains(&Isa::Scalar));
                // AVX2 and AVX-512 take the same 16 partial sums with the same fused
                // operations: the same bits.
                for pair in fused.windows(2) {
                    assert!(pair[0] == pair[1], "V3 and V4 differ (k = {k})");
                }
            }
            // The weights change the result: user 3 is shrunk three times as hard.
            assert!((portable[0][3 * stride] - portable[1][3 * stride]).abs() > 1e-5);
        }
    }

    #[test]
    fn packed_entries_train_the_same_bits_as_twelve_byte_entries_at_every_level() {
        use crate::engine::packed::{EntryPacking, PackedBlock};
        let es = entries();
        let values: Vec<f32> = es.iter().map(|e| e.value).collect();
        let packing = EntryPacking::for_grid(&values, 5, 4).unwrap();
        let words: Vec<u32> = es.iter().map(|&e| packing.encode(e)).collect();
        let packed = PackedBlock {
            words: &words,
            packing: &packing,
        };
        let (k, stride) = (21, 32);
        let c = SgdConsts {
            stride,
            mu: 3.0,
            reg: 0.05,
            reg_bias: 0.02,
            biases: true,
        };
        let skipped = each_level(|level| {
            let run = |packed_words: bool, with_replacement: bool| {
                let (mut p, mut q) = (
                    pad(&init(5, k, 1), 5, k, stride),
                    pad(&init(4, k, 2), 4, k, stride),
                );
                let (mut bu, mut bi) = (vec![0.1f32; 5], vec![-0.2f32; 4]);
                let mut rng = rng::stream(7, &[]);
                let order = if with_replacement {
                    Order::WithReplacement(&mut rng, 40)
                } else {
                    Order::Walk(Walk { start: 3, step: 5 })
                };
                let lr = |_: usize, _: usize| 0.02;
                let (p_, q_, bu_, bi_) = (&mut p, &mut q, &mut bu, &mut bi);
                let w = RegWeights::default();
                let loss = if packed_words {
                    sgd_block_with(level, packed, order, p_, q_, bu_, bi_, w, c, &lr)
                } else {
                    sgd_block_with(level, &es[..], order, p_, q_, bu_, bi_, w, c, &lr)
                };
                (loss.to_bits(), p, q, bu, bi)
            };
            for with_replacement in [false, true] {
                let wide = run(false, with_replacement);
                assert!(wide.0 != 0, "the block trained");
                assert!(
                    run(true, with_replacement) == wide,
                    "{level:?}, with replacement {with_replacement}: packed entries differ"
                );
            }
        });
        assert!(!skipped.contains(&Isa::Scalar));
    }

    #[test]
    fn one_hand_computed_weighted_step() {
        // One rating, k = 1 (padded to 16): p = 0.5, q = 0.4, b_u = b_i = 0, μ = 3, r = 4.
        // e = 4 − (3 + 0.2) = 0.8; lr = 0.1, λ = 0.5, weights 2 (user) and 0.5 (item):
        // p ← (1 − 0.1·0.5·2)·0.5 + 0.1·0.8·0.4 = 0.45 + 0.032 = 0.482
        // q ← (1 − 0.1·0.5·0.5)·0.4 + 0.1·0.8·0.5 = 0.39 + 0.04 = 0.43
        // b_u ← 0.1·0.8 = 0.08 (λ_b·2·0 = 0), b_i likewise.
        let stride = 16;
        let (mut p, mut q) = (vec![0.0f32; stride], vec![0.0f32; stride]);
        p[0] = 0.5;
        q[0] = 0.4;
        let (mut bu, mut bi) = ([0.0f32], [0.0f32]);
        let es = [Entry {
            user: 0,
            item: 0,
            value: 4.0,
        }];
        let c = SgdConsts {
            stride,
            mu: 3.0,
            reg: 0.5,
            reg_bias: 0.5,
            biases: true,
        };
        let w = RegWeights {
            user: &[2.0],
            item: &[0.5],
        };
        let loss = sgd_block(
            &es[..],
            Order::Walk(SEQUENTIAL),
            &mut p,
            &mut q,
            &mut bu,
            &mut bi,
            w,
            c,
            &|_, _| 0.1,
        );
        assert!((loss - 0.64).abs() < 1e-6, "{loss}");
        assert!((p[0] - 0.482).abs() < 1e-6, "{}", p[0]);
        assert!((q[0] - 0.43).abs() < 1e-6, "{}", q[0]);
        assert!((bu[0] - 0.08).abs() < 1e-6 && (bi[0] - 0.08).abs() < 1e-6);
    }

    #[test]
    fn general_kernel_with_plain_sgd_agrees_with_the_fast_one_under_row_weights() {
        let (k, stride) = (5, 16);
        let es = entries();
        let (wu, wi) = ([0.5f32, 1.0, 2.0, 3.0, 0.25], [4.0f32, 0.3, 1.0, 1.5]);
        let (mut p, mut q) = (
            pad(&init(5, k, 1), 5, k, stride),
            pad(&init(4, k, 2), 4, k, stride),
        );
        let (mut bu, mut bi) = (vec![0.1f32; 5], vec![-0.2f32; 4]);
        let (mut p2, mut q2, mut bu2, mut bi2) = (p.clone(), q.clone(), bu.clone(), bi.clone());
        let c = SgdConsts {
            stride,
            mu: 3.0,
            reg: 0.05,
            reg_bias: 0.02,
            biases: true,
        };
        let w = RegWeights {
            user: &wu,
            item: &wi,
        };
        sgd_block(
            &es[..],
            Order::Walk(SEQUENTIAL),
            &mut p,
            &mut q,
            &mut bu,
            &mut bi,
            w,
            c,
            &|_, _| 0.01,
        );
        let g = GenericConsts {
            stride,
            mu: 3.0,
            reg: 0.05,
            reg_bias: 0.02,
            biases: true,
            output: Output::Identity,
            dropout: 0.0,
            optimizer: Optimizer::Sgd,
            batch_size: 1,
            reduction: Reduction::Mean,
            negative_fraction: 0.0,
        };
        let (mut us, mut is) = (vec![0.0f32; 0], vec![0.0f32; 0]);
        let (mut ut, mut it) = (vec![0u32; 5], vec![0u32; 4]);
        let mut user = SideBin {
            factors: &mut p2,
            bias: &mut bu2,
            factor_state: &mut us,
            bias_state: &mut [],
            steps: &mut ut,
            reg_weight: &wu,
        };
        let mut item = SideBin {
            factors: &mut q2,
            bias: &mut bi2,
            factor_state: &mut is,
            bias_state: &mut [],
            steps: &mut it,
            reg_weight: &wi,
        };
        let mut rng = rng::stream(1, &[]);
        generic_block(
            &es,
            Some(SEQUENTIAL),
            &mut rng,
            &mut user,
            &mut item,
            &g,
            &|_, _| 0.01,
            &|_, _| None,
            &|_, _| true,
        );
        for (a, b) in p.iter().zip(&p2).chain(q.iter().zip(&q2)) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        for (a, b) in bu.iter().zip(&bu2).chain(bi.iter().zip(&bi2)) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    /// ½(r − out(z))² for the finite-difference checks.
    fn loss(p: &[f32], q: &[f32], mp: &[f32], mq: &[f32], base: f32, r: f32, out: Output) -> f64 {
        let mut z = f64::from(base);
        for f in 0..p.len() {
            z += f64::from(p[f] * mp[f]) * f64::from(q[f] * mq[f]);
        }
        let pred = match out {
            Output::Identity => z,
            Output::Sigmoid { lo, hi } => f64::from(lo) + f64::from(hi - lo) / (1.0 + (-z).exp()),
        };
        0.5 * (f64::from(r) - pred).powi(2)
    }

    #[test]
    fn gradients_match_finite_differences_for_every_output_and_dropout() {
        let p = [0.3f32, -0.2, 0.5, 0.1];
        let q = [-0.4f32, 0.25, 0.6, -0.3];
        let masks = [[1.0f32; 4], [2.0, 0.0, 2.0, 2.0]];
        let outputs = [Output::Identity, Output::Sigmoid { lo: 0.0, hi: 5.5 }];
        for out in outputs {
            for mp in &masks {
                for mq in &masks {
                    let (base, r) = (0.7f32, 4.0f32);
                    let mut gp = [0.0f32; 4];
                    let mut gq = [0.0f32; 4];
                    let (gz, _) = sample_gradient(&p, &q, mp, mq, base, r, out, &mut gp, &mut gq);
                    let h = 1e-3f32;
                    for f in 0..4 {
                        let (mut a, mut b) = (p, p);
                        a[f] += h;
                        b[f] -= h;
                        let num = (loss(&a, &q, mp, mq, base, r, out)
                            - loss(&b, &q, mp, mq, base, r, out))
                            / (2.0 * f64::from(h));
                        assert!(
                            (num - f64::from(gp[f])).abs() < 2e-3,
                            "dp {out:?} {f}: {num} vs {}",
                            gp[f]
                        );
                        let (mut a, mut b) = (q, q);
                        a[f] += h;
                        b[f] -= h;
                        let num = (loss(&p, &a, mp, mq, base, r, out)
                            - loss(&p, &b, mp, mq, base, r, out))
                            / (2.0 * f64::from(h));
                        assert!(
                            (num - f64::from(gq[f])).abs() < 2e-3,
                            "dq {out:?} {f}: {num} vs {}",
                            gq[f]
                        );
                    }
                    let num = (loss(&p, &q, mp, mq, base + h, r, out)
                        - loss(&p, &q, mp, mq, base - h, r, out))
                        / (2.0 * f64::from(h));
                    assert!(
                        (num - f64::from(gz)).abs() < 2e-3,
                        "dz {out:?}: {num} vs {gz}"
                    );
                }
            }
        }
    }
}
