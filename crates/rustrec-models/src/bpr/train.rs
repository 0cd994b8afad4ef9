//! Training BPR-MF / WARP-MF with the block-parallel engine.
//!
//! The grid ([`Grid`]) cuts users and items into `bins` seeded ranges; a block's
//! positives are its entries, its negatives come from its item bin (see
//! [`super::sampler`]), so a block touches only its own user and item rows and the
//! diagonals run in parallel without races. Each block draws from its own stream seeded by
//! (seed, epoch, block): a seed and a bin count reproduce a model bit for bit, whatever
//! the thread count.
//!
//! ## WARP's weight under plain SGD and momentum
//! WARP's hinge is weighted by `L(rank)`, up to `L(n_items − 1) ≈ ln n_items + 0.58` (8.0
//! on ML-100K's 1,682 items), where BPR's derivative is at most 1 in magnitude. Under the
//! optimizers whose step is proportional to the gradient (sgd, momentum) the steps of the
//! positives ranked low were that many times the learning rate's, and at the default
//! `lr = 0.05` WARP diverged (an infinite loss by epoch 14 on ML-100K-shaped data). There
//! the weight is divided by its largest value, `w / L(n_items − 1)` in `(0, 1]`, so that
//! WARP's steps are bounded as BPR's and BPR's learning rates suit it. The adaptive
//! optimizers (adagrad, rmsprop, adam, adamw) divide each step by the gradients' running
//! size, so the weight's scale largely cancels there; they keep the weight as it is
//! (LightFM's recipe, `examples/ml100k-implicit-warp.toml`, is unchanged).
//!
//! The kernel applies the weight `w`; the division is made exact by what the trainer
//! passes it (`WarpScale`): for a linear step `−lr·(g + λ·θ)` and momentum's linear
//! accumulation, `lr / L` with `λ·L` take the same step as `lr` and `λ` on the gradient of
//! the weight `w / L`. The loss reported is that of the normalised weight.
//!
//! When the data fits, the blocks' entries are packed into 32-bit words
//! ([`PackedBlocks`]), as MF's are: the same entries in the same order, so the same model
//! bits, in a third of the memory (an ML-10M-shaped `fit` of `examples/ml1m-bpr.toml`
//! peaked at 247 MB with 12-byte entries, 177 MB packed; the same speed).

use std::sync::Arc;
use std::time::Instant;

use rustrec_data::{Interactions, ItemIdx, UserIdx};

use super::hyperparams::{BprParams, BprValidParams, Loss};
use super::kernel::{self, Harmonic, TripleConsts};
use super::model::BprModel;
use super::sampler::{BlockIndex, NegativeSampler};
use crate::engine::epochs::{self, EpochStats, Trainer};
use crate::engine::grid::{BlockId, EntryOrder, Grid};
use crate::engine::optimizer::Optimizer;
use crate::engine::packed::{EntryRead, PackedBlock, PackedBlocks};
use crate::engine::rng;
use crate::engine::sgd::{EpochClock, SideBin, SideTables, init_table};
use crate::engine::table::{RowTable, gather_values};
use crate::error::{ModelError, Result};
use rustrec_core::{Fit, FitContext};

impl Fit for BprValidParams {
    type Model = BprModel;
    type Error = crate::ModelError;

    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<BprModel> {
        epochs::fit_in_pool(train, ctx, self.0.epochs, |seed| {
            BprTrainer::new(self, train, seed)
        })
    }
}

/// A model under training: parameters in the grid's (shuffled) row order.
pub(crate) struct BprTrainer<'a> {
    params: &'a BprValidParams,
    train: &'a Interactions,
    /// The grid; its blocks hold no entries when `packed` holds them.
    grid: Grid,
    /// The blocks' entries packed into 32-bit words (a third of the memory), when the data
    /// fits ([`Grid::with_packed_entries`]); the same entries in the same order.
    packed: Option<PackedBlocks>,
    seed: u64,
    /// Per block (`r · bins + c`): its positives grouped by user.
    index: Vec<BlockIndex>,
    /// Per item bin: prefix sums of the negative weights (empty when uniform).
    cdf: Vec<Vec<f64>>,
    harmonic: Harmonic,
    /// User factors and optimizer state (no biases).
    users: SideTables,
    /// Item factors, biases and optimizer state.
    items: SideTables,
    /// Positives skipped so far because their user had seen a whole item bin.
    pub(crate) skipped: u64,
    /// Why no positive can ever be trained (every user has seen every item of each bin
    /// holding one of their positives), or `None`: [`Trainer::epoch`] refuses to run then,
    /// rather than return the initial factors as a trained model.
    untrainable: Option<String>,
}

impl<'a> BprTrainer<'a> {
    pub(crate) fn new(params: &'a BprValidParams, train: &'a Interactions, seed: u64) -> Self {
        let p = &params.0;
        let bins = p.bins;
        let (grid, packed) =
            match Grid::with_packed_entries(train, bins, seed, EntryOrder::Shuffled) {
                Some((grid, packed)) => (grid, Some(packed)),
                None => (Grid::new(train, bins, seed), None),
            };
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
        let b = grid.bins();
        let index: Vec<BlockIndex> = (0..b * b)
            .map(|blk| {
                let (r, c) = (blk / b, blk % b);
                let users = grid.user_bounds[r + 1] - grid.user_bounds[r];
                let items = grid.item_bounds[c + 1] - grid.item_bounds[c];
                match &packed {
                    Some(packed) => BlockIndex::new(packed.block(r, c), users, items),
                    None => BlockIndex::new(grid.block(r, c), users, items),
                }
            })
            .collect();
        let untrainable = untrainable(&grid, &index, bins, train);
        let cdf = if p.popularity_alpha > 0.0 {
            (0..b)
                .map(|c| {
                    let mut acc = 0.0f64;
                    let mut v = vec![0.0];
                    for pos in grid.item_bounds[c]..grid.item_bounds[c + 1] {
                        let item = grid.item_order[pos];
                        let count = train.item_degree(ItemIdx(item)) as f64;
                        acc += (count + 1.0).powf(f64::from(p.popularity_alpha));
                        v.push(acc);
                    }
                    v
                })
                .collect()
        } else {
            Vec::new()
        };
        let slots = p.optimizer.slots();
        // Adagrad's one slot is the squared-gradient sum; other optimizers start at zero.
        let acc0 = match p.optimizer {
            Optimizer::Adagrad { .. } => p.initial_accumulator,
            _ => 0.0,
        };
        BprTrainer {
            params,
            train,
            packed,
            seed,
            index,
            cdf,
            harmonic: Harmonic::new(ni),
            users: SideTables::new(
                p_orig.into_gathered(&grid.user_order),
                false,
                slots,
                acc0,
                Vec::new(),
            ),
            items: SideTables::new(
                q_orig.into_gathered(&grid.item_order),
                true,
                slots,
                acc0,
                Vec::new(),
            ),
            skipped: 0,
            untrainable,
            grid,
        }
    }
}

impl Trainer for BprTrainer<'_> {
    type Model = BprModel;

    fn epoch(&mut self, epoch: usize) -> Result<EpochStats> {
        if let Some(why) = &self.untrainable {
            return Err(ModelError::Data(why.clone()));
        }
        let p: &BprParams = &self.params.0;
        let bins = self.grid.bins();
        let clock = EpochClock::new(p.sgd(), epoch, bins);
        let seed = self.seed;
        let stride = self.users.factors.stride();
        let warp = WarpScale::new(p, &self.harmonic, self.train.n_items());
        let consts = TripleConsts {
            stride,
            loss: p.loss,
            sampling: p.sampling,
            reg: p.reg * warp.max_weight,
            reg_bias: p.reg_bias.unwrap_or(p.reg) * warp.max_weight,
            item_bias: p.item_bias,
            optimizer: p.optimizer,
            max_tries: p.max_tries,
            margin: p.margin,
            n_items: self.train.n_items(),
        };
        let Grid {
            blocks,
            user_bounds,
            item_bounds,
            ..
        } = &mut self.grid;
        let mut ub = self.users.bins(user_bounds);
        let mut ib = self.items.bins(item_bounds);
        let epoch_blocks = EpochBlocks {
            seed,
            bins,
            index: &self.index,
            cdf: &self.cdf,
            harmonic: &self.harmonic,
            consts: &consts,
            clock: &clock,
            lr_scale: warp.max_weight.recip(),
        };
        // One generic call per storage of the entries (a closure cannot be generic).
        let results = match &mut self.packed {
            Some(PackedBlocks { blocks, packing }) => {
                blocks.run_epoch(seed, epoch, &mut ub, &mut ib, |id, us, is, words| {
                    epoch_blocks.train(id, us, is, PackedBlock { words, packing })
                })
            }
            None => blocks.run_epoch(seed, epoch, &mut ub, &mut ib, |id, us, is, entries| {
                epoch_blocks.train(id, us, is, &entries[..])
            }),
        };
        let mut stats = EpochStats {
            learning_rate: clock.end_lr(),
            ..Default::default()
        };
        for (out, seconds) in results {
            stats.loss_sum += out.loss / f64::from(warp.max_weight);
            stats.samples += out.samples - out.skipped;
            stats.update_seconds += seconds;
            self.skipped += out.skipped;
        }
        Ok(stats)
    }

    fn snapshot(&self) -> BprModel {
        let g = &self.grid;
        self.model_from(
            self.users.factors.gather(&g.user_pos),
            self.items.factors.gather(&g.item_pos),
        )
    }

    /// [`Self::snapshot`]'s model, the factor tables moved out of the trainer and put in
    /// id order in place.
    fn take_model(&mut self) -> BprModel {
        let (p, q) = (self.users.take_factors(), self.items.take_factors());
        let g = &self.grid;
        self.model_from(p.into_gathered(&g.user_pos), q.into_gathered(&g.item_pos))
    }
}

/// Why no positive of `train` can be paired with a negative, or `None` when one can. A
/// positive's negative is drawn among the unseen items of its item bin (see
/// [`super::sampler`]), so a positive whose user has seen the whole bin is skipped; when
/// every positive is, training would run its epochs without a single update and return the
/// initial factors as if trained.
fn untrainable(
    grid: &Grid,
    index: &[BlockIndex],
    bins: usize,
    train: &Interactions,
) -> Option<String> {
    let b = grid.bins();
    let trainable = index.iter().enumerate().any(|(blk, block)| {
        let c = blk % b;
        let bin_items = grid.item_bounds[c + 1] - grid.item_bounds[c];
        block
            .active_users()
            .iter()
            .any(|&u| block.seen(u).len() < bin_items)
    });
    if trainable || train.nnz() == 0 {
        return None;
    }
    let (n, items) = (train.nnz(), train.n_items());
    Some(if bins <= 1 {
        format!(
            "bpr: none of the {n} training positives can be paired with a negative: every \
             user has seen every one of the {items} items, so no unseen item is left to \
             draw and training would return its initial factors; train on data where users \
             have unseen items"
        )
    } else {
        format!(
            "bpr: none of the {n} training positives can be paired with a negative: a \
             negative is drawn among the unseen items of the positive's item bin, and with \
             bins = {bins} cutting the {items} items into bins of about {per} each, every \
             user has seen the whole bin of each of their positives, so training would \
             return its initial factors; lower bins (bins = 1 draws from the whole \
             catalogue)",
            per = items.div_ceil(bins)
        )
    })
}

/// The division of WARP's weight by its largest value under the optimizers whose step is
/// proportional to the gradient (see the module docs); `max_weight = 1` (no change) for
/// BPR and for the adaptive optimizers.
#[derive(Clone, Copy, Debug, PartialEq)]
struct WarpScale {
    /// The weight is divided by this: `L(n_items − 1)`, or 1.
    max_weight: f32,
}

impl WarpScale {
    fn new(p: &BprParams, harmonic: &Harmonic, n_items: usize) -> Self {
        let linear_step = matches!(p.optimizer, Optimizer::Sgd | Optimizer::Momentum { .. });
        let largest = kernel::warp_weight(harmonic, n_items, 1);
        let max_weight = if p.loss == Loss::Warp && linear_step && largest > 1.0 {
            largest
        } else {
            1.0
        };
        WarpScale { max_weight }
    }
}

/// What every block of an epoch shares.
struct EpochBlocks<'a> {
    seed: u64,
    bins: usize,
    index: &'a [BlockIndex],
    cdf: &'a [Vec<f64>],
    harmonic: &'a Harmonic,
    consts: &'a TripleConsts,
    clock: &'a EpochClock,
    /// Factor on the schedule's learning rate (`WarpScale`; 1 but for WARP with a
    /// linear step).
    lr_scale: f32,
}

impl EpochBlocks<'_> {
    /// Trains block `id` on `entries`, with its own random stream; the outcome and the
    /// seconds it took.
    fn train(
        &self,
        id: BlockId,
        users: &mut SideBin<'_>,
        items: &mut SideBin<'_>,
        entries: impl EntryRead,
    ) -> (kernel::BlockOutcome, f64) {
        let t0 = Instant::now();
        let mut rng = Grid::block_rng(self.seed, id);
        let sampler = match self.cdf.get(id.item_bin) {
            Some(c) => NegativeSampler::weighted(c),
            None => NegativeSampler::uniform(items.bias.len() as u32),
        };
        let (clock, lr_scale) = (self.clock, self.lr_scale);
        let step_at = |k: usize, n: usize| {
            (
                clock.lr_at(id.step, k, n) * lr_scale,
                clock.momentum_at(id.step, k, n),
            )
        };
        let out = kernel::train_block(
            entries,
            &self.index[id.user_bin * self.bins + id.item_bin],
            sampler,
            self.harmonic,
            &mut rng,
            users,
            items,
            self.consts,
            &step_at,
        );
        (out, t0.elapsed().as_secs_f64())
    }
}

impl BprTrainer<'_> {
    /// The model of this trainer's data (ids, seen rows, item biases in id order) with the
    /// given factor tables, rows in id order.
    fn model_from(&self, user_factors: RowTable, item_factors: RowTable) -> BprModel {
        let g = &self.grid;
        let train = self.train;
        let (user_seen, item_seen) = train.seen_flags();
        BprModel {
            users: Arc::clone(train.user_ids()),
            items: Arc::clone(train.item_ids()),
            user_factors,
            item_factors,
            item_bias: gather_values(&self.items.bias, &g.item_pos),
            params: self.params.clone(),
            user_seen,
            item_seen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 40 users, 30 items; each value one of `levels`.
    fn positives(levels: usize) -> Interactions {
        let rows: Vec<(u32, u32, f32)> = (0..40u32)
            .flat_map(|u| {
                (0..30u32)
                    .filter(move |i| (u * 7 + i * 3) % 5 < 2)
                    .map(move |i| (u, i, 1.0 + ((u * 31 + i * 17) as usize % levels) as f32))
            })
            .collect();
        Interactions::from_index_triplets(40, 30, &rows).unwrap()
    }

    fn trained(mut t: BprTrainer<'_>) -> (Vec<f32>, Vec<f32>, Vec<f32>, u64) {
        let mut samples = 0;
        for epoch in 0..3 {
            samples += t.epoch(epoch).unwrap().samples;
        }
        let m = t.take_model();
        (
            m.user_table().as_slice().to_vec(),
            m.item_table().as_slice().to_vec(),
            m.item_biases().to_vec(),
            samples,
        )
    }

    #[test]
    fn packed_entries_train_the_same_bits_as_twelve_byte_ones() {
        let x = positives(3);
        for loss in [Loss::Bpr, Loss::Warp] {
            let params = BprParams::default().factors(8).bins(3).loss(loss);
            let valid = params.check().unwrap();
            let packed = BprTrainer::new(&valid, &x, 5);
            assert!(
                packed.packed.is_some(),
                "3 values and small bins fit 32 bits"
            );
            assert_eq!(packed.grid.nnz(), 0);
            let mut wide = BprTrainer::new(&valid, &x, 5);
            wide.grid = Grid::new(&x, 3, 5);
            wide.packed = None;
            assert_eq!(wide.grid.nnz(), x.nnz());
            let (a, b) = (trained(packed), trained(wide));
            assert!(a.3 > 0);
            assert_eq!(a, b, "{loss:?}");
        }
    }

    /// WARP's weight is divided by its largest value only where the step is proportional
    /// to the gradient; BPR and the adaptive optimizers train as before (a scale of
    /// exactly 1, so the same bits).
    #[test]
    fn warp_weight_is_normalised_only_for_linear_steps() {
        let h = Harmonic::new(1682);
        let largest = kernel::warp_weight(&h, 1682, 1);
        assert!((largest - 8.0).abs() < 0.01, "L(1681) = {largest}");
        let momentum = Optimizer::Momentum {
            momentum: 0.9,
            nesterov: false,
        };
        for optimizer in [Optimizer::Sgd, momentum] {
            let p = BprParams::default().loss(Loss::Warp).optimizer(optimizer);
            assert_eq!(WarpScale::new(&p, &h, 1682).max_weight, largest);
            let p = BprParams::default().optimizer(optimizer);
            assert_eq!(WarpScale::new(&p, &h, 1682).max_weight, 1.0);
        }
        for optimizer in [
            Optimizer::Adagrad { eps: 1e-6 },
            Optimizer::adam(),
            Optimizer::adamw(),
        ] {
            for loss in [Loss::Bpr, Loss::Warp] {
                let p = BprParams::default().loss(loss).optimizer(optimizer);
                assert_eq!(WarpScale::new(&p, &h, 1682).max_weight, 1.0);
            }
        }
        // Two items: the largest weight is L(1) = 1, nothing to divide.
        let p = BprParams::default().loss(Loss::Warp);
        assert_eq!(WarpScale::new(&p, &Harmonic::new(2), 2).max_weight, 1.0);
    }

    #[test]
    fn data_with_more_values_than_a_packing_holds_trains_on_twelve_byte_entries() {
        let x = positives(300);
        let valid = BprParams::default().factors(8).bins(3).check().unwrap();
        let t = BprTrainer::new(&valid, &x, 5);
        assert!(t.packed.is_none());
        assert_eq!(t.grid.nnz(), x.nnz());
        let (p, q, _, samples) = trained(t);
        assert_eq!(samples, 3 * x.nnz() as u64);
        assert!(p.iter().chain(&q).all(|v| v.is_finite()));
    }
}
