//! Training AsySVD on batches of user profiles (see the module docs of [`super`]).

use std::sync::Arc;
use std::time::Instant;

use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use rustrec_data::{Interactions, UserIdx};

use super::hyperparams::{AsySvdParams, AsySvdValidParams};
use super::kernel::{
    accumulate, draw_samples, forward_backward, profile_norm, user_representation,
};
use super::model::AsySvdModel;
use crate::engine::epochs::{self, EpochStats, Trainer};
use crate::engine::optimizer::{Optimizer, StepSize};
use crate::engine::rng;
use crate::engine::sgd::EpochClock;
use crate::engine::table::RowTable;
use crate::error::{ModelError, Result};
use crate::profiles::UserProfiles;
use rustrec_core::{Fit, FitContext};

/// Stream purposes (the first coordinate of [`rng::stream`]).
const INIT: u64 = 0x696e_6974;
const ORDER: u64 = 0x6f72_6465;
const NEGATIVES: u64 = 0x6e65_6761;

impl Fit for AsySvdValidParams {
    type Model = AsySvdModel;
    type Error = crate::ModelError;

    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<AsySvdModel> {
        if train.nnz() == 0 {
            return Err(ModelError::Data(
                "the training data holds no interactions".into(),
            ));
        }
        let started = Instant::now();
        let pool = ctx.threads.clone();
        let mut trainer = AsySvdTrainer::new(self, train, ctx.seed)?;
        ctx.profile.prepare += started.elapsed().as_secs_f64();
        pool.install(|| epochs::train(&mut trainer, self.0.epochs, ctx))
    }
}

/// One user's buffers within a batch (reused from batch to batch).
#[derive(Default)]
struct UserWork {
    samples: Vec<(u32, f32)>,
    err: Vec<f32>,
    p: Vec<f32>,
    gp: Vec<f32>,
    loss: f64,
}

/// One factor table with its gradient, optimizer state and per-row step counts.
struct Table {
    values: RowTable,
    grad: RowTable,
    state: Vec<f32>,
    steps: Vec<u32>,
    touched: Vec<bool>,
}

impl Table {
    fn new(values: RowTable, slots: usize) -> Self {
        let (rows, cols, stride) = (values.rows(), values.cols(), values.stride());
        Table {
            grad: RowTable::zeros(rows, cols),
            state: vec![0.0; rows * slots.max(1) * stride],
            steps: vec![0; rows],
            touched: vec![false; rows],
            values,
        }
    }

    /// Updates every touched row from its gradient (one row per task), then clears the
    /// gradients and marks.
    fn step(&mut self, optimizer: &Optimizer, size: StepSize) {
        let stride = self.values.stride();
        let state_width = optimizer.slots().max(1) * stride;
        self.values
            .as_mut_slice()
            .par_chunks_mut(stride)
            .zip(self.grad.as_mut_slice().par_chunks_mut(stride))
            .zip(self.state.par_chunks_mut(state_width))
            .zip(self.steps.par_iter_mut())
            .zip(self.touched.par_iter_mut())
            .for_each(|((((row, grad), state), t), touched)| {
                if *touched {
                    *t += 1;
                    optimizer.step(row, grad, state, *t, size);
                    grad.fill(0.0);
                    *touched = false;
                }
            });
    }
}

/// AsySVD under training.
struct AsySvdTrainer<'a> {
    params: &'a AsySvdValidParams,
    train: &'a Interactions,
    seed: u64,
    profiles: Arc<UserProfiles>,
    /// Users with at least one training interaction.
    active: Vec<u32>,
    v1: Table,
    v2: Table,
    work: Vec<UserWork>,
}

fn normal_table(rows: usize, k: usize, std: f32, rng: &mut rng::Rng) -> Result<RowTable> {
    let normal = Normal::new(0.0, std)
        .map_err(|e| ModelError::invalid("init_std", std, format!("a valid std ({e})")))?;
    let mut t = RowTable::zeros(rows, k);
    for r in 0..rows {
        for x in t.row_mut(r).iter_mut().take(k) {
            *x = normal.sample(rng);
        }
    }
    Ok(t)
}

impl<'a> AsySvdTrainer<'a> {
    fn new(params: &'a AsySvdValidParams, train: &'a Interactions, seed: u64) -> Result<Self> {
        let p: &AsySvdParams = &params.0;
        let (ni, k) = (train.n_items(), p.factors);
        let mut init = rng::stream(seed, &[INIT]);
        let v1 = normal_table(ni, k, p.init_std, &mut init)?;
        let v2 = normal_table(ni, k, p.init_std, &mut init)?;
        let slots = p.optimizer.slots();
        let stride = v1.stride();
        let work = (0..p.batch_size.min(train.n_users()))
            .map(|_| UserWork {
                p: vec![0.0; stride],
                gp: vec![0.0; stride],
                ..UserWork::default()
            })
            .collect();
        Ok(AsySvdTrainer {
            params,
            train,
            seed,
            profiles: Arc::new(UserProfiles::from_interactions(train, p.implicit)),
            active: (0..train.n_users() as u32)
                .filter(|&u| train.user_degree(UserIdx(u)) > 0)
                .collect(),
            v1: Table::new(v1, slots),
            v2: Table::new(v2, slots),
            work,
        })
    }
}

impl Trainer for AsySvdTrainer<'_> {
    type Model = AsySvdModel;

    /// A thousand times the mean squared profile value: predicting 0 for every sample costs
    /// at most that mean (the sampled negatives have target 0), so a loss a thousand times
    /// higher is divergence.
    fn loss_bound(&self) -> f64 {
        let values = self.train.values();
        let mean_square = if self.params.0.implicit || values.is_empty() {
            1.0
        } else {
            values
                .iter()
                .map(|&v| f64::from(v) * f64::from(v))
                .sum::<f64>()
                / values.len() as f64
        };
        1e3 * mean_square
    }

    fn epoch(&mut self, epoch: usize) -> Result<EpochStats> {
        let p: &AsySvdParams = &self.params.0;
        let (seed, negatives, normalize) = (self.seed, p.negatives, p.normalize);
        let n_items = self.train.n_items() as u32;
        let mut order = self.active.clone();
        rng::shuffle(&mut rng::stream(seed, &[ORDER, epoch as u64]), &mut order);
        let n_batches = order.len().div_ceil(p.batch_size).max(1);
        let mut stats = EpochStats::default();
        let profiles = &*self.profiles;
        // One step per epoch; batch `b` of `n_batches` is its progress.
        let clock = EpochClock::new(p.sgd(), epoch, 1);
        for (b, batch) in order.chunks(p.batch_size).enumerate() {
            let size = StepSize {
                lr: clock.lr_at(0, b, n_batches),
                weight_decay: p.reg,
                momentum: clock.momentum_at(0, b, n_batches),
            };
            stats.learning_rate = f64::from(size.lr);
            let work = &mut self.work[..batch.len()];

            let sampling = Instant::now();
            work.par_iter_mut().zip(batch).for_each(|(w, &u)| {
                let (items, values) = profiles.row(UserIdx(u));
                let mut rng = rng::stream(seed, &[NEGATIVES, epoch as u64, u64::from(u)]);
                draw_samples(items, values, negatives, n_items, &mut rng, &mut w.samples);
            });
            stats.sampling_seconds += sampling.elapsed().as_secs_f64();

            let update = Instant::now();
            let s: usize = work.iter().map(|w| w.samples.len()).sum();
            let scale = 2.0 / s.max(1) as f32;
            let (v1, v2) = (&self.v1.values, &self.v2.values);
            work.par_iter_mut().zip(batch).for_each(|(w, &u)| {
                let (items, values) = profiles.row(UserIdx(u));
                let norm = profile_norm(items.len(), normalize);
                user_representation(items, values, norm, v1, &mut w.p);
                w.loss = forward_backward(&w.p, &w.samples, v2, scale, &mut w.err, &mut w.gp);
            });
            for (w, &u) in work.iter().zip(batch) {
                let (items, values) = profiles.row(UserIdx(u));
                let norm = profile_norm(items.len(), normalize);
                accumulate(
                    &w.samples,
                    &w.err,
                    &w.p,
                    items,
                    values,
                    norm,
                    &w.gp,
                    &mut self.v1.grad,
                    &mut self.v1.touched,
                    &mut self.v2.grad,
                    &mut self.v2.touched,
                );
                stats.loss_sum += w.loss;
            }
            stats.samples += s as u64;
            self.v1.step(&p.optimizer, size);
            self.v2.step(&p.optimizer, size);
            stats.update_seconds += update.elapsed().as_secs_f64();
        }
        Ok(stats)
    }

    fn snapshot(&self) -> AsySvdModel {
        AsySvdModel {
            users: self.train.user_ids().clone(),
            items: self.train.item_ids().clone(),
            v1: self.v1.values.clone(),
            v2: self.v2.values.clone(),
            profiles: self.profiles.clone(),
            params: self.params.clone(),
        }
    }
}
