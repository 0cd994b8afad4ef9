//! Training biased MF with the block-parallel SGD engine.

use std::sync::Arc;
use std::time::Instant;

use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};

use super::ensemble::{Ensemble, Member, member_seed};
use super::hyperparams::{Layout, MfParams, MfValidParams, Output, Sampling};
use super::kernel::{self, GenericConsts, Order, RegWeights, SgdConsts};
use super::model::MfModel;
use super::rows_kernel::{self, RowsBlock};
use crate::engine::checkpoint::codec;
use crate::engine::epochs::{self, EpochStats, Trainer};
use crate::engine::grid::{BlockId, Diagonal, EntryOrder, Grid, Walk};
use crate::engine::packed::{EntryRead, PackedBlock, PackedBlocks};
use crate::engine::rng;
use crate::engine::row_grid::{self, RowSegments};
use crate::engine::sgd::{EpochClock, SideBin, SideTables, init_table};
use crate::engine::table::{RowTable, gather_values};
use crate::error::Result;
use crate::model_file::rating_range;
use rustrec_core::cluster::{Cluster, ClusterHandle};
use rustrec_core::{Fit, FitContext};

impl Fit for MfValidParams {
    type Model = MfModel;
    type Error = crate::ModelError;

    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<MfModel> {
        let members = self.0.members;
        if members == 1 {
            let cluster = ctx.cluster.clone();
            return epochs::fit_in_pool(train, ctx, self.0.epochs, move |seed| {
                let mut t = MfTrainer::new(self, train, seed);
                t.cluster = cluster;
                t
            });
        }
        if ctx.cluster.is_some() {
            return Err(crate::ModelError::invalid(
                "members",
                members,
                "1 on several processes (an ensemble trains on one process)",
            ));
        }
        epochs::fit_in_pool(train, ctx, self.0.epochs, |seed| Ensemble {
            params: self,
            members: (0..members)
                .map(|m| MfTrainer::new(self, train, member_seed(seed, m)))
                .collect(),
        })
    }

    fn fit_owned(&self, train: Interactions, ctx: &mut FitContext<'_>) -> Result<MfModel> {
        if self.0.members != 1 || train.nnz() == 0 {
            return self.fit(&train, ctx);
        }
        let cluster = ctx.cluster.clone();
        epochs::train_in_pool(ctx, self.0.epochs, move |seed| {
            let mut t = MfTrainer::owning(self, train, seed);
            t.cluster = cluster;
            t
        })
    }
}

/// Biased MF under training: parameters in the grid's (shuffled) row order.
pub(crate) struct MfTrainer<'a> {
    params: &'a MfValidParams,
    /// The training data, for the kernels that read it during the epochs (`layout = rows`,
    /// and the generic kernel's seen test).
    train: TrainData<'a>,
    /// What the model keeps of the training data.
    facts: DataFacts,
    grid: Grid,
    /// The row segments of the blocks under `layout = rows` (the grid then holds no
    /// entries).
    segments: Option<RowSegments>,
    /// The blocks' entries packed into 32-bit words, for the fast path when the data fits
    /// (the grid then holds no entries).
    packed: Option<PackedBlocks>,
    seed: u64,
    mu: f32,
    /// User factors, biases, optimizer state and regularisation weights (`reg_exponent`).
    users: SideTables,
    /// Item factors, biases, optimizer state and regularisation weights.
    items: SideTables,
    /// Running average of the parameters over the last `average_last` epochs.
    average: Option<Average>,
    fast: bool,
    /// The processes sharing each diagonal's blocks (`None`: this process runs them all).
    cluster: Option<ClusterHandle>,
}

/// The training data as an [`MfTrainer`] holds it.
enum TrainData<'a> {
    /// Borrowed from the caller.
    Borrowed(&'a Interactions),
    /// Handed over by the caller, and kept: the layout reads it during the epochs, or the
    /// packing does not fit it.
    Owned(Box<Interactions>),
    /// Handed over and drained into packed blocks: the packed fast path does not read it.
    Drained,
}

impl TrainData<'_> {
    /// The data, for the kernels that read it during the epochs.
    fn read_in_epochs(&self) -> Result<&Interactions> {
        match self {
            TrainData::Borrowed(train) => Ok(train),
            TrainData::Owned(train) => Ok(train),
            TrainData::Drained => Err(crate::ModelError::Data(
                "MF trainer: this layout reads the training data during the epochs, and the \
                 data was drained into packed blocks (a bug: only the packed fast path drains \
                 it)"
                .into(),
            )),
        }
    }
}

/// What a model keeps of its training data: the id maps, which users and items have
/// interactions, and the range of the values.
struct DataFacts {
    users: Arc<IdMap>,
    items: Arc<IdMap>,
    user_seen: Vec<bool>,
    item_seen: Vec<bool>,
    rating_range: Option<[f32; 2]>,
}

impl DataFacts {
    fn of(train: &Interactions) -> Self {
        let (user_seen, item_seen) = train.seen_flags();
        DataFacts {
            users: Arc::clone(train.user_ids()),
            items: Arc::clone(train.item_ids()),
            user_seen,
            item_seen,
            rating_range: rating_range(train),
        }
    }
}

/// What the initialisation needs of the training data besides [`DataFacts`]: each row's
/// number of interactions and the mean value.
struct DataCounts {
    user_degree: Vec<usize>,
    item_degree: Vec<usize>,
    mean: f64,
}

impl DataCounts {
    fn of(train: &Interactions) -> Self {
        DataCounts {
            user_degree: (0..train.n_users())
                .map(|u| train.user_degree(UserIdx(u as u32)))
                .collect(),
            item_degree: (0..train.n_items())
                .map(|i| train.item_degree(ItemIdx(i as u32)))
                .collect(),
            mean: train.mean_value(),
        }
    }
}

/// The order of the grid's entries under `sampling`. Shuffled entries start from data
/// order, the order a grid built while the data drains has ([`MfTrainer::owning`]).
fn entry_order(sampling: Sampling) -> EntryOrder {
    match sampling {
        Sampling::InOrder => EntryOrder::Gathered,
        Sampling::Shuffled | Sampling::WithReplacement => EntryOrder::ShuffledFromDataOrder,
    }
}

/// The grid and entries an [`MfTrainer`] trains on.
struct Layouts {
    grid: Grid,
    segments: Option<RowSegments>,
    packed: Option<PackedBlocks>,
}

/// What one block of an epoch reports: loss, samples, sampling and update seconds.
type BlockResult = (f64, u64, f64, f64);

/// The [`BlockResult`] of a block that started at `t0`, had its order drawn by `t1` and
/// ends now.
fn block_result(loss: f64, samples: u64, t0: Instant, t1: Instant) -> BlockResult {
    let t2 = Instant::now();
    (
        loss,
        samples,
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
    )
}

/// After a diagonal on a cluster: sends the bins of the blocks this process ran (with
/// their results) to every process and writes the other processes' bins into `ub` / `ib`;
/// returns every block's result in user-bin order. Process `q` runs the blocks of user
/// bins `r` with `r mod processes = q`.
fn sync_diagonal(
    cluster: Option<&dyn Cluster>,
    d: Diagonal,
    ub: &mut [SideBin<'_>],
    ib: &mut [SideBin<'_>],
    done: Vec<(usize, BlockResult)>,
) -> Result<Vec<BlockResult>> {
    let Some(c) = cluster else {
        return Ok(done.into_iter().map(|(_, r)| r).collect());
    };
    let (me, procs, b) = (c.process(), c.processes(), ub.len());
    let mut out = Vec::new();
    let mut results = vec![None; b];
    for &(r, res) in &done {
        codec::put_u64s(
            &mut out,
            &[res.0.to_bits(), res.1, res.2.to_bits(), res.3.to_bits()],
        );
        ub[r].encode(&mut out);
        ib[(r + d.shift) % b].encode(&mut out);
        results[r] = Some(res);
    }
    let parts = c.all_gather(out).map_err(crate::ModelError::Data)?;
    for (q, part) in parts.iter().enumerate().filter(|&(q, _)| q != me) {
        let mut rd = codec::Reader::new(part);
        for r in (0..b).filter(|r| r % procs == q) {
            let mut w = [0u64; 4];
            rd.u64s(&mut w)?;
            ub[r].decode(&mut rd)?;
            ib[(r + d.shift) % b].decode(&mut rd)?;
            results[r] = Some((
                f64::from_bits(w[0]),
                w[1],
                f64::from_bits(w[2]),
                f64::from_bits(w[3]),
            ));
        }
        if !rd.done() {
            return Err(crate::ModelError::Data(format!(
                "process {q} sent more than its blocks (do all processes run the same \
                 configuration on the same data?)"
            )));
        }
    }
    results
        .into_iter()
        .enumerate()
        .map(|(r, x)| {
            x.ok_or_else(|| crate::ModelError::Data(format!("no process ran user bin {r}")))
        })
        .collect()
}

/// The order of a block's samples under `sampling`: a walk over its `n` entries, or `None`
/// for draws with replacement.
fn walk_of(sampling: Sampling, rng: &mut rng::Rng, n: usize) -> Option<Walk> {
    match sampling {
        Sampling::Shuffled => Some(Walk::random(rng, n)),
        Sampling::InOrder => Some(Walk { start: 0, step: 1 }),
        Sampling::WithReplacement => None,
    }
}

/// One block of the fast path (plain SGD): `entries` in the order the block's own random
/// stream gives, with the learning rate of `clock`.
#[allow(clippy::too_many_arguments)]
fn fast_block<E: EntryRead>(
    entries: E,
    id: BlockId,
    u: &mut SideBin<'_>,
    i: &mut SideBin<'_>,
    seed: u64,
    sampling: Sampling,
    clock: &EpochClock,
    consts: SgdConsts,
) -> BlockResult {
    let t0 = Instant::now();
    let mut rng = Grid::block_rng(seed, id);
    let n = entries.len();
    let order = match walk_of(sampling, &mut rng, n) {
        Some(w) => Order::Walk(w),
        None => Order::WithReplacement(&mut rng, n),
    };
    let t1 = Instant::now();
    let lr_at = |k: usize, n: usize| clock.lr_at(id.step, k, n);
    let loss = kernel::sgd_block(
        entries,
        order,
        u.factors,
        i.factors,
        u.bias,
        i.bias,
        RegWeights {
            user: u.reg_weight,
            item: i.reg_weight,
        },
        consts,
        &lr_at,
    );
    block_result(loss, n as u64, t0, t1)
}

/// The running mean of the parameters at the end of the epochs averaged so far (Polyak &
/// Juditsky 1992; per-epoch, as stochastic weight averaging, Izmailov et al. 2018).
struct Average {
    count: usize,
    p: RowTable,
    q: RowTable,
    bu: Vec<f32>,
    bi: Vec<f32>,
}

impl Average {
    /// Folds the current parameters into the mean: `avg += (x − avg) / count`.
    fn add(&mut self, p: &RowTable, q: &RowTable, bu: &[f32], bi: &[f32]) {
        self.count += 1;
        let w = 1.0 / self.count as f32;
        let fold = |avg: &mut [f32], x: &[f32]| {
            for (a, &x) in avg.iter_mut().zip(x) {
                *a += (x - *a) * w;
            }
        };
        fold(self.p.as_mut_slice(), p.as_slice());
        fold(self.q.as_mut_slice(), q.as_slice());
        fold(&mut self.bu, bu);
        fold(&mut self.bi, bi);
    }
}

/// Per-sample regularisation multipliers `(n_r / n̄)^(α − 1)` of rows with `counts[r]`
/// training interactions, `n̄` the mean count of the rows that have any, listed in the
/// grid order `order`; empty when `α = 1` (every multiplier 1). Rows without interactions
/// are never sampled and get 1.
fn reg_weights(counts: impl Fn(usize) -> usize, order: &[u32], alpha: f32) -> Vec<f32> {
    if alpha == 1.0 {
        return Vec::new();
    }
    let (sum, active) = order.iter().fold((0usize, 0usize), |(s, a), &r| {
        let n = counts(r as usize);
        (s + n, a + usize::from(n > 0))
    });
    let mean = sum as f64 / active.max(1) as f64;
    order
        .iter()
        .map(|&r| match counts(r as usize) {
            0 => 1.0,
            n => (n as f64 / mean).powf(f64::from(alpha) - 1.0) as f32,
        })
        .collect()
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

impl<'a> MfTrainer<'a> {
    /// A fresh trainer: factors drawn from `seed`'s init stream, biases zero.
    pub(crate) fn new(params: &'a MfValidParams, train: &'a Interactions, seed: u64) -> Self {
        let layouts = Self::layouts(params, train, seed);
        let (facts, counts) = (DataFacts::of(train), DataCounts::of(train));
        Self::assemble(
            params,
            TrainData::Borrowed(train),
            facts,
            &counts,
            layouts,
            seed,
        )
    }

    /// The trainer [`MfTrainer::new`] gives (the same bits), on data handed over: on the
    /// packed fast path the blocks are built while `train` is drained, so that the data
    /// and its blocks are never held together ([`Grid::with_packed_entries_drained`]);
    /// other layouts keep the data.
    pub(crate) fn owning(params: &'a MfValidParams, train: Interactions, seed: u64) -> Self {
        let p = &params.0;
        let (facts, counts) = (DataFacts::of(&train), DataCounts::of(&train));
        // The layouts that would pack the entries in data order (see `layouts`).
        let packed_path = p.plain_sgd()
            && entry_order(p.sampling) == EntryOrder::ShuffledFromDataOrder
            && p.layout_for(train.nnz()) != Layout::Rows;
        let drained = match packed_path {
            true => Grid::with_packed_entries_drained(train, p.bins, seed),
            false => Err(Box::new(train)),
        };
        let (train, layouts) = match drained {
            Ok((grid, packed)) => (
                TrainData::Drained,
                Layouts {
                    grid,
                    segments: None,
                    packed: Some(packed),
                },
            ),
            Err(train) => {
                let layouts = Self::layouts(params, &train, seed);
                (TrainData::Owned(train), layouts)
            }
        };
        Self::assemble(params, train, facts, &counts, layouts, seed)
    }

    /// The grid and entries of `train` under `params`' layout.
    fn layouts(params: &MfValidParams, train: &Interactions, seed: u64) -> Layouts {
        let p = &params.0;
        let bins = p.bins;
        let order = entry_order(p.sampling);
        let (grid, segments, packed) = match p.layout_for(train.nnz()) {
            Layout::Rows => {
                let (g, s) = row_grid::row_ranges(train, bins);
                (g, Some(s), None)
            }
            Layout::Shuffled | Layout::Auto => {
                // Only the fast kernel reads packed entries.
                match p
                    .plain_sgd()
                    .then(|| Grid::with_packed_entries(train, bins, seed, order))
                {
                    Some(Some((g, packed))) => (g, None, Some(packed)),
                    _ => (Grid::with_entry_order(train, bins, seed, order), None, None),
                }
            }
        };
        Layouts {
            grid,
            segments,
            packed,
        }
    }

    /// The trainer on `layouts`: factors drawn from `seed`'s init stream, biases zero.
    fn assemble(
        params: &'a MfValidParams,
        train: TrainData<'a>,
        facts: DataFacts,
        counts: &DataCounts,
        layouts: Layouts,
        seed: u64,
    ) -> Self {
        let p = &params.0;
        let Layouts {
            grid,
            segments,
            packed,
        } = layouts;
        let (nu, ni, k) = (facts.user_seen.len(), facts.item_seen.len(), p.factors);
        let mut init_rng = rng::stream(seed, &[0x696e_6974]);
        let p_orig = init_table(p.init, nu, k, |u| facts.user_seen[u], &mut init_rng)
            // The fused kernels work on whole 16-float chunks, also for k = 1.
            .into_chunked();
        let q_orig =
            init_table(p.init, ni, k, |i| facts.item_seen[i], &mut init_rng).into_chunked();
        let slots = p.optimizer.slots();
        let mu = if p.global_mean {
            raw_score_of(p.output, counts.mean as f32)
        } else {
            0.0
        };
        let u_reg_weight = reg_weights(|u| counts.user_degree[u], &grid.user_order, p.reg_exponent);
        let i_reg_weight = reg_weights(|i| counts.item_degree[i], &grid.item_order, p.reg_exponent);
        let average = (p.average_last > 0).then(|| Average {
            count: 0,
            p: RowTable::zeros_chunked(nu, k),
            q: RowTable::zeros_chunked(ni, k),
            bu: vec![0.0; nu],
            bi: vec![0.0; ni],
        });
        MfTrainer {
            average,
            params,
            train,
            facts,
            seed,
            mu,
            users: SideTables::new(
                p_orig.into_gathered(&grid.user_order),
                true,
                slots,
                0.0,
                u_reg_weight,
            ),
            items: SideTables::new(
                q_orig.into_gathered(&grid.item_order),
                true,
                slots,
                0.0,
                i_reg_weight,
            ),
            fast: p.plain_sgd(),
            grid,
            segments,
            packed,
            cluster: None,
        }
    }
}

impl Trainer for MfTrainer<'_> {
    type Model = MfModel;

    fn epoch(&mut self, epoch: usize) -> Result<EpochStats> {
        let p: &MfParams = &self.params.0;
        let clock = EpochClock::new(p.sgd(), epoch, self.grid.bins());
        let seed = self.seed;
        let sampling = p.sampling;
        let stride = self.users.factors.stride();
        let Grid {
            blocks,
            user_order,
            item_order,
            user_bounds,
            item_bounds,
            ..
        } = &mut self.grid;
        let mut ub = self.users.bins(user_bounds);
        let mut ib = self.items.bins(item_bounds);
        let cluster = self.cluster.as_deref();
        let (me, procs) = cluster.map_or((0, 1), |c| (c.process(), c.processes()));
        let mine = move |r: usize| r % procs == me;
        let sync = |d: Diagonal,
                    ub: &mut [SideBin<'_>],
                    ib: &mut [SideBin<'_>],
                    done: Vec<(usize, BlockResult)>| {
            sync_diagonal(cluster, d, ub, ib, done)
        };
        // The fast kernels' constants (plain SGD).
        let consts = SgdConsts {
            stride,
            mu: self.mu,
            reg: p.reg,
            reg_bias: p.reg_bias.unwrap_or(p.reg),
            biases: p.biases,
        };
        let results: Vec<BlockResult> = if let Some(segments) = &self.segments {
            let train = self.train.read_in_epochs()?;
            let (user_bounds, item_bounds) = (&*user_bounds, &*item_bounds);
            blocks.run_epoch_shared(
                seed,
                epoch,
                &mut ub,
                &mut ib,
                mine,
                |id, u, i, _| {
                    let t0 = Instant::now();
                    let (r, c) = (id.user_bin, id.item_bin);
                    let (first_user, n_users) =
                        (user_bounds[r], user_bounds[r + 1] - user_bounds[r]);
                    let walk = Walk::random(&mut Grid::block_rng(seed, id), n_users);
                    let block = RowsBlock {
                        user_ptr: train.user_ptr(),
                        items: train.item_indices(),
                        values: train.values(),
                        segments,
                        first_user,
                        n_users,
                        item_range: c,
                        item_lo: item_bounds[c] as u32,
                        len: segments.block_len(r, c),
                    };
                    let t1 = Instant::now();
                    let lr_at = |k: usize, n: usize| clock.lr_at(id.step, k, n);
                    let loss = rows_kernel::sgd_rows_block(
                        block,
                        walk,
                        u.factors,
                        i.factors,
                        u.bias,
                        i.bias,
                        RegWeights {
                            user: u.reg_weight,
                            item: i.reg_weight,
                        },
                        consts,
                        &lr_at,
                    );
                    block_result(loss, block.len as u64, t0, t1)
                },
                sync,
            )?
        } else if self.fast {
            // One generic function per storage of the entries (a closure cannot be generic).
            let clock = &clock;
            match &mut self.packed {
                Some(PackedBlocks { blocks, packing }) => blocks.run_epoch_shared(
                    seed,
                    epoch,
                    &mut ub,
                    &mut ib,
                    mine,
                    |id, u, i, words| {
                        let entries = PackedBlock { words, packing };
                        fast_block(entries, id, u, i, seed, sampling, clock, consts)
                    },
                    sync,
                )?,
                None => blocks.run_epoch_shared(
                    seed,
                    epoch,
                    &mut ub,
                    &mut ib,
                    mine,
                    |id, u, i, entries| {
                        fast_block(&entries[..], id, u, i, seed, sampling, clock, consts)
                    },
                    sync,
                )?,
            }
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
            let train = self.train.read_in_epochs()?;
            let (user_order, item_order) = (&*user_order, &*item_order);
            let (user_bounds, item_bounds) = (&*user_bounds, &*item_bounds);
            blocks.run_epoch_shared(
                seed,
                epoch,
                &mut ub,
                &mut ib,
                mine,
                |id, us, is, entries| {
                    let t0 = Instant::now();
                    let mut rng = Grid::block_rng(seed, id);
                    let walk = walk_of(sampling, &mut rng, entries.len());
                    let t1 = Instant::now();
                    let lr_at = |k: usize, n: usize| clock.lr_at(id.step, k, n);
                    let momentum_at = |k: usize, n: usize| clock.momentum_at(id.step, k, n);
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
                    block_result(out.loss, out.samples, t0, t1)
                },
                sync,
            )?
        };
        let mut stats = EpochStats {
            learning_rate: clock.end_lr(),
            ..Default::default()
        };
        for (loss, n, s, u) in results {
            stats.loss_sum += loss;
            stats.samples += n;
            stats.sampling_seconds += s;
            stats.update_seconds += u;
        }
        if epoch + p.average_last >= p.epochs
            && let Some(avg) = self.average.as_mut()
        {
            avg.add(
                &self.users.factors,
                &self.items.factors,
                &self.users.bias,
                &self.items.bias,
            );
        }
        Ok(stats)
    }

    fn state(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.users.encode(&mut out);
        self.items.encode(&mut out);
        if let Some(avg) = &self.average {
            codec::put_u64s(&mut out, &[avg.count as u64]);
            codec::put_f32s(&mut out, avg.p.as_slice());
            codec::put_f32s(&mut out, avg.q.as_slice());
            codec::put_f32s(&mut out, &avg.bu);
            codec::put_f32s(&mut out, &avg.bi);
        }
        Some(out)
    }

    fn restore(&mut self, state: &[u8]) -> Result<()> {
        let mut r = codec::Reader::new(state);
        self.users.decode(&mut r)?;
        self.items.decode(&mut r)?;
        if let Some(avg) = self.average.as_mut() {
            let mut count = [0u64];
            r.u64s(&mut count)?;
            avg.count = count[0] as usize;
            r.f32s(avg.p.as_mut_slice())?;
            r.f32s(avg.q.as_mut_slice())?;
            r.f32s(&mut avg.bu)?;
            r.f32s(&mut avg.bi)?;
        }
        if !r.done() {
            return Err(crate::ModelError::Data("state: trailing bytes".into()));
        }
        Ok(())
    }

    fn snapshot(&self) -> MfModel {
        let g = &self.grid;
        let m = self.member();
        self.model_from(
            m.p.gather(&g.user_pos),
            m.q.gather(&g.item_pos),
            gather_values(m.bu, &g.user_pos),
            gather_values(m.bi, &g.item_pos),
            self.params,
        )
    }

    /// [`Self::snapshot`]'s model, its factor tables moved out of the trainer and put in id
    /// order in place.
    fn take_model(&mut self) -> MfModel {
        let take = |t: &mut SideTables| (t.take_factors(), std::mem::take(&mut t.bias));
        let ((p, bu), (q, bi)) = match self.average.take() {
            Some(a) if a.count > 0 => ((a.p, a.bu), (a.q, a.bi)),
            _ => (take(&mut self.users), take(&mut self.items)),
        };
        let g = &self.grid;
        let (bu, bi) = (
            gather_values(&bu, &g.user_pos),
            gather_values(&bi, &g.item_pos),
        );
        let (p, q) = (p.into_gathered(&g.user_pos), q.into_gathered(&g.item_pos));
        self.model_from(p, q, bu, bi, self.params)
    }
}

impl MfTrainer<'_> {
    /// The current parameters (the running average once averaging has begun), as a view
    /// that [`super::ensemble::merge`] reads in id order.
    pub(crate) fn member(&self) -> Member<'_> {
        let (p, q, bu, bi) = match &self.average {
            Some(a) if a.count > 0 => (&a.p, &a.q, &a.bu, &a.bi),
            _ => (
                &self.users.factors,
                &self.items.factors,
                &self.users.bias,
                &self.items.bias,
            ),
        };
        Member {
            p,
            q,
            bu,
            bi,
            user_pos: Some(&self.grid.user_pos),
            item_pos: Some(&self.grid.item_pos),
        }
    }

    /// A model of this trainer's data (ids, μ, seen rows) with the given parameters,
    /// rows in id order.
    pub(crate) fn model_from(
        &self,
        user_factors: RowTable,
        item_factors: RowTable,
        user_bias: Vec<f32>,
        item_bias: Vec<f32>,
        params: &MfValidParams,
    ) -> MfModel {
        let facts = &self.facts;
        MfModel {
            users: Arc::clone(&facts.users),
            items: Arc::clone(&facts.items),
            user_factors,
            item_factors,
            user_bias,
            item_bias,
            global_mean: self.mu,
            params: params.clone(),
            user_seen: facts.user_seen.clone(),
            item_seen: facts.item_seen.clone(),
            rating_range: facts.rating_range,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mf::hyperparams::MfParams;

    /// 40 users × 30 items, about half rated, with `levels` distinct values.
    fn ratings(levels: u32) -> Interactions {
        let rows: Vec<(u32, u32, f32)> = (0..40u32)
            .flat_map(|u| {
                (0..30u32)
                    .filter(move |i| (u * 7 + i * 3) % 5 < 3)
                    .map(move |i| (u, i, 1.0 + ((u * 31 + i * 17) % levels) as f32 / 2.0))
            })
            .collect();
        Interactions::from_index_triplets(40, 30, &rows).unwrap()
    }

    fn trained(mut t: MfTrainer<'_>) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        for epoch in 0..3 {
            t.epoch(epoch).unwrap();
        }
        let m = t.take_model();
        (
            m.user_table().as_slice().to_vec(),
            m.item_table().as_slice().to_vec(),
            m.user_bias.clone(),
        )
    }

    #[test]
    fn the_fast_path_packs_entries_when_they_fit_and_trains_the_same_bits_as_twelve_byte_ones() {
        let x = ratings(9);
        let params = MfParams::default().factors(8).bins(3).check().unwrap();
        let packed = MfTrainer::new(&params, &x, 5);
        assert!(
            packed.packed.is_some(),
            "9 values and small bins fit 32 bits"
        );
        assert_eq!(packed.grid.nnz(), 0);
        let mut wide = MfTrainer::new(&params, &x, 5);
        wide.grid = Grid::with_entry_order(&x, 3, 5, EntryOrder::ShuffledFromDataOrder);
        wide.packed = None;
        assert_eq!(trained(packed), trained(wide));
    }

    #[test]
    fn a_trainer_on_data_handed_over_trains_the_same_bits_as_on_borrowed_data() {
        // Packed blocks built while the data drains; 12-byte entries (the packing does not
        // fit 300 values), the rows layout and in-order sampling keep the data.
        let base = || MfParams::default().factors(8).bins(3);
        let cases = [
            (9, base(), true),
            (300, base(), false),
            (9, base().layout(Layout::Rows), false),
            (9, base().sampling(Sampling::InOrder), false),
        ];
        for (levels, params, drains) in cases {
            let x = ratings(levels);
            let params = params.check().unwrap();
            let owning = MfTrainer::owning(&params, x.clone(), 5);
            assert_eq!(
                matches!(owning.train, TrainData::Drained),
                drains,
                "{levels} values, {:?} layout, {:?}",
                params.0.layout,
                params.0.sampling
            );
            let (m_owning, m_borrowed) = (trained(owning), trained(MfTrainer::new(&params, &x, 5)));
            assert_eq!(
                m_owning, m_borrowed,
                "{levels} values, {:?}",
                params.0.layout
            );
        }
    }

    #[test]
    fn data_with_more_values_than_a_packing_holds_trains_on_twelve_byte_entries() {
        let x = ratings(300);
        let params = MfParams::default().factors(8).bins(3).check().unwrap();
        let t = MfTrainer::new(&params, &x, 5);
        assert!(t.packed.is_none());
        assert_eq!(t.grid.nnz(), x.nnz());
        let (p, _, _) = trained(t);
        assert!(p.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn reg_weights_follow_the_count_power_normalised_at_the_mean() {
        // Counts 1, 4, 0, 3 listed in the order 3, 0, 1, 2: mean over active rows = 8/3.
        let counts = [1usize, 4, 0, 3];
        let order = [3u32, 0, 1, 2];
        assert!(reg_weights(|r| counts[r], &order, 1.0).is_empty());
        let w = reg_weights(|r| counts[r], &order, 0.5);
        let want = |n: f64| (n / (8.0 / 3.0)).powf(-0.5) as f32;
        let expect = [want(3.0), want(1.0), want(4.0), 1.0];
        for (a, b) in w.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{w:?} vs {expect:?}");
        }
        // α = 0: the total penalty n·λ·w is the same for every active row.
        let w0 = reg_weights(|r| counts[r], &order, 0.0);
        let totals: Vec<f32> = [3.0f32, 1.0, 4.0]
            .iter()
            .zip(&w0)
            .map(|(n, w)| n * w)
            .collect();
        assert!(
            totals.iter().all(|t| (t - 8.0 / 3.0).abs() < 1e-5),
            "{totals:?}"
        );
    }
}
