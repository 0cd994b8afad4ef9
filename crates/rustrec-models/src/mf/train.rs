//! Training biased MF with the block-parallel SGD engine.

use std::sync::Arc;
use std::time::Instant;

use rand_distr::{Distribution, Normal, Uniform};
use rustrec_data::{Interactions, ItemIdx, UserIdx};

use super::hyperparams::{Init, MfParams, MfValidParams, Output, Sampling};
use super::kernel::{self, GenericConsts, Order, SgdConsts, SideBin};
use super::model::MfModel;
use crate::engine::epochs::{self, EpochStats, Trainer};
use crate::engine::grid::{Grid, Walk};
use crate::engine::optimizer::Optimizer;
use crate::engine::rng;
use crate::engine::table::RowTable;
use crate::engine::thread_pool;
use crate::error::{ModelError, Result};
use crate::fit::{Fit, FitContext};

impl Fit for MfValidParams {
    type Model = MfModel;

    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<MfModel> {
        if train.nnz() == 0 {
            return Err(ModelError::Data(
                "the training data holds no interactions".into(),
            ));
        }
        let started = Instant::now();
        let threads = ctx.effective_threads();
        let pool = thread_pool(threads)?;
        let epochs = self.0.epochs;
        let seed = ctx.seed;
        pool.install(|| {
            let mut trainer = MfTrainer::new(self, train, seed, threads);
            ctx.profile.prepare += started.elapsed().as_secs_f64();
            epochs::train(&mut trainer, epochs, ctx)
        })
    }
}

/// Biased MF under training: parameters in the grid's (shuffled) row order.
struct MfTrainer<'a> {
    params: &'a MfValidParams,
    train: &'a Interactions,
    grid: Grid,
    seed: u64,
    mu: f32,
    p: RowTable,
    q: RowTable,
    bu: Vec<f32>,
    bi: Vec<f32>,
    p_state: Vec<f32>,
    q_state: Vec<f32>,
    bu_state: Vec<f32>,
    bi_state: Vec<f32>,
    u_steps: Vec<u32>,
    i_steps: Vec<u32>,
    fast: bool,
}

/// Draws initial factor values.
pub(crate) fn init_table(
    init: Init,
    rows: usize,
    k: usize,
    active: impl Fn(usize) -> bool,
    rng: &mut rng::Rng,
) -> RowTable {
    let mut t = RowTable::zeros(rows, k);
    let mut draw: Box<dyn FnMut(&mut rng::Rng) -> f32> = match init {
        Init::Normal { std } => {
            let d = Normal::new(0.0, std).unwrap_or_else(|_| Normal::new(0.0, 0.1).expect("valid"));
            Box::new(move |r| d.sample(r))
        }
        Init::TruncatedNormal { std } => {
            let d = Normal::new(0.0, std).unwrap_or_else(|_| Normal::new(0.0, 0.1).expect("valid"));
            Box::new(move |r| {
                loop {
                    let x: f32 = d.sample(r);
                    if x.abs() <= 2.0 * std {
                        break x;
                    }
                }
            })
        }
        Init::Uniform { scale } => {
            let d = Uniform::new_inclusive(-scale, scale).expect("scale checked > 0");
            Box::new(move |r| d.sample(r))
        }
    };
    for r in 0..rows {
        // Draw for every row so that a row's values do not depend on which rows are active.
        let row = t.row_mut(r);
        for x in row.iter_mut().take(k) {
            *x = draw(rng);
        }
        if !active(r) {
            row.iter_mut().for_each(|x| *x = 0.0);
        }
    }
    t
}

/// The raw score whose output is `value` (the logit for a sigmoid output), so that a
/// model starts out predicting the training mean.
fn raw_score_of(output: Output, value: f32) -> f32 {
    match output {
        Output::Identity => value,
        Output::Sigmoid { lo, hi } => {
            let s = ((value - lo) / (hi - lo)).clamp(1e-4, 1.0 - 1e-4);
            (s / (1.0 - s)).ln()
        }
    }
}

/// Cuts `data` into the row ranges of `bounds`, `width` values per row.
pub(crate) fn split_by<'t, T>(
    mut data: &'t mut [T],
    bounds: &[usize],
    width: usize,
) -> Vec<&'t mut [T]> {
    let mut out = Vec::with_capacity(bounds.len());
    for w in bounds.windows(2) {
        let (piece, rest) = data.split_at_mut((w[1] - w[0]) * width);
        out.push(piece);
        data = rest;
    }
    out
}

impl<'a> MfTrainer<'a> {
    fn new(params: &'a MfValidParams, train: &'a Interactions, seed: u64, threads: usize) -> Self {
        let p = &params.0;
        let bins = p.bins.unwrap_or(4 * threads.max(2));
        let grid = Grid::new(train, bins, seed);
        let (nu, ni, k) = (train.n_users(), train.n_items(), p.factors);
        let mut init_rng = rng::stream(seed, &[0x696e_6974]);
        let p_orig = init_table(
            p.init,
            nu,
            k,
            |u| train.user_degree(UserIdx(u as u32)) > 0,
            &mut init_rng,
        );
        let q_orig = init_table(
            p.init,
            ni,
            k,
            |i| train.item_degree(ItemIdx(i as u32)) > 0,
            &mut init_rng,
        );
        let slots = p.optimizer.slots();
        let stride = p_orig.stride();
        let mu = if p.global_mean {
            raw_score_of(p.output, train.mean_value() as f32)
        } else {
            0.0
        };
        let fast = matches!(p.optimizer, Optimizer::Sgd)
            && p.batch_size == 1
            && p.dropout == 0.0
            && p.output == Output::Identity
            && p.negative_fraction == 0.0;
        MfTrainer {
            params,
            train,
            seed,
            mu,
            p: p_orig.gather(&grid.user_order),
            q: q_orig.gather(&grid.item_order),
            bu: vec![0.0; nu],
            bi: vec![0.0; ni],
            p_state: vec![0.0; nu * slots * stride],
            q_state: vec![0.0; ni * slots * stride],
            bu_state: vec![0.0; nu * slots],
            bi_state: vec![0.0; ni * slots],
            u_steps: vec![0; nu],
            i_steps: vec![0; ni],
            fast,
            grid,
        }
    }
}

impl Trainer for MfTrainer<'_> {
    type Model = MfModel;

    fn epoch(&mut self, epoch: usize) -> Result<EpochStats> {
        let p: &MfParams = &self.params.0;
        let bins = self.grid.bins();
        let epochs = p.epochs;
        let (base_lr, schedule) = (f64::from(p.lr), p.schedule);
        let progress = move |step: usize, k: usize, n: usize| -> f64 {
            let within = if n == 0 { 0.0 } else { k as f64 / n as f64 };
            (epoch as f64 + (step as f64 + within) / bins as f64) / epochs as f64
        };
        let seed = self.seed;
        let shuffled = p.sampling == Sampling::Shuffled;
        let stride = self.p.stride();
        let Grid {
            blocks,
            user_order,
            item_order,
            user_bounds,
            item_bounds,
            ..
        } = &mut self.grid;
        let results: Vec<(f64, u64, f64, f64)> = if self.fast {
            let consts = SgdConsts {
                stride,
                mu: self.mu,
                reg: p.reg,
                reg_bias: p.reg_bias.unwrap_or(p.reg),
                biases: p.biases,
            };
            let mut ub: Vec<(&mut [f32], &mut [f32])> =
                split_by(self.p.as_mut_slice(), user_bounds, stride)
                    .into_iter()
                    .zip(split_by(&mut self.bu, user_bounds, 1))
                    .collect();
            let mut ib: Vec<(&mut [f32], &mut [f32])> =
                split_by(self.q.as_mut_slice(), item_bounds, stride)
                    .into_iter()
                    .zip(split_by(&mut self.bi, item_bounds, 1))
                    .collect();
            blocks.run_epoch(
                seed,
                epoch,
                &mut ub,
                &mut ib,
                |id, (pu, bu), (qi, bi), entries| {
                    let t0 = Instant::now();
                    let mut rng = Grid::block_rng(seed, id);
                    let n = entries.len();
                    let order = if shuffled {
                        Order::Walk(Walk::random(&mut rng, n))
                    } else {
                        Order::WithReplacement(&mut rng, n)
                    };
                    let t1 = Instant::now();
                    let lr_at = |k: usize, n: usize| {
                        schedule.lr_at(base_lr, progress(id.step, k, n), epochs) as f32
                    };
                    let loss = kernel::sgd_block(entries, order, pu, qi, bu, bi, consts, &lr_at);
                    let t2 = Instant::now();
                    (
                        loss,
                        n as u64,
                        (t1 - t0).as_secs_f64(),
                        (t2 - t1).as_secs_f64(),
                    )
                },
            )
        } else {
            let consts = GenericConsts {
                stride,
                mu: self.mu,
                reg: p.reg,
                reg_bias: p.reg_bias.unwrap_or(p.reg),
                biases: p.biases,
                output: p.output,
                dropout: p.dropout,
                optimizer: p.optimizer,
                batch_size: p.batch_size,
                reduction: p.reduction,
                negative_fraction: p.negative_fraction,
            };
            let slots = p.optimizer.slots();
            let mut ub: Vec<SideBin<'_>> = split_by(self.p.as_mut_slice(), user_bounds, stride)
                .into_iter()
                .zip(split_by(&mut self.bu, user_bounds, 1))
                .zip(split_by(&mut self.p_state, user_bounds, slots * stride))
                .zip(split_by(&mut self.bu_state, user_bounds, slots))
                .zip(split_by(&mut self.u_steps, user_bounds, 1))
                .map(
                    |((((factors, bias), factor_state), bias_state), steps)| SideBin {
                        factors,
                        bias,
                        factor_state,
                        bias_state,
                        steps,
                    },
                )
                .collect();
            let mut ib: Vec<SideBin<'_>> = split_by(self.q.as_mut_slice(), item_bounds, stride)
                .into_iter()
                .zip(split_by(&mut self.bi, item_bounds, 1))
                .zip(split_by(&mut self.q_state, item_bounds, slots * stride))
                .zip(split_by(&mut self.bi_state, item_bounds, slots))
                .zip(split_by(&mut self.i_steps, item_bounds, 1))
                .map(
                    |((((factors, bias), factor_state), bias_state), steps)| SideBin {
                        factors,
                        bias,
                        factor_state,
                        bias_state,
                        steps,
                    },
                )
                .collect();
            let train = self.train;
            let (user_order, item_order) = (&*user_order, &*item_order);
            let (user_bounds, item_bounds) = (&*user_bounds, &*item_bounds);
            blocks.run_epoch(seed, epoch, &mut ub, &mut ib, |id, us, is, entries| {
                let t0 = Instant::now();
                let mut rng = Grid::block_rng(seed, id);
                let walk = shuffled.then(|| Walk::random(&mut rng, entries.len()));
                let t1 = Instant::now();
                let lr_at = |k: usize, n: usize| {
                    schedule.lr_at(base_lr, progress(id.step, k, n), epochs) as f32
                };
                let momentum_at = |k: usize, n: usize| {
                    schedule
                        .momentum_at(progress(id.step, k, n))
                        .map(|m| m as f32)
                };
                let is_seen = |lu: u32, li: u32| {
                    let u = user_order[user_bounds[id.user_bin] + lu as usize];
                    let i = item_order[item_bounds[id.item_bin] + li as usize];
                    train.contains(UserIdx(u), ItemIdx(i))
                };
                let out = kernel::generic_block(
                    entries,
                    walk,
                    &mut rng,
                    us,
                    is,
                    &consts,
                    &lr_at,
                    &momentum_at,
                    &is_seen,
                );
                let t2 = Instant::now();
                (
                    out.loss,
                    out.samples,
                    (t1 - t0).as_secs_f64(),
                    (t2 - t1).as_secs_f64(),
                )
            })
        };
        let mut stats = EpochStats {
            learning_rate: schedule.lr_at(base_lr, (epoch + 1) as f64 / epochs as f64, epochs),
            ..Default::default()
        };
        for (loss, n, s, u) in results {
            stats.loss_sum += loss;
            stats.samples += n;
            stats.sampling_seconds += s;
            stats.update_seconds += u;
        }
        Ok(stats)
    }

    fn snapshot(&self) -> MfModel {
        let g = &self.grid;
        let gather =
            |v: &[f32], pos: &[u32]| pos.iter().map(|&p| v[p as usize]).collect::<Vec<_>>();
        let train = self.train;
        MfModel {
            users: Arc::clone(train.user_ids()),
            items: Arc::clone(train.item_ids()),
            user_factors: self.p.gather(&g.user_pos),
            item_factors: self.q.gather(&g.item_pos),
            user_bias: gather(&self.bu, &g.user_pos),
            item_bias: gather(&self.bi, &g.item_pos),
            global_mean: self.mu,
            params: self.params.clone(),
            user_seen: (0..train.n_users())
                .map(|u| train.user_degree(UserIdx(u as u32)) > 0)
                .collect(),
            item_seen: (0..train.n_items())
                .map(|i| train.item_degree(ItemIdx(i as u32)) > 0)
                .collect(),
        }
    }
}
