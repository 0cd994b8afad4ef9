//! Training ALS: one epoch of [`epochs::train`] is one iteration — every user row solved
//! against the fixed items, then every item row against the fixed users, each half-step
//! parallel over blocks of rows on the rayon pool (a solve writes only its own row, so the
//! result does not depend on the thread count).
//!
//! The epoch's loss is the full objective (regularisation included) measured at the user
//! half-step — the tracked CG value of every user row plus the items' regulariser — divided
//! by the number of rows solved in the epoch (the epoch's `samples`).

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use rustrec_data::{Interactions, ItemIdx, UserIdx};

use super::hyperparams::{AlsValidParams, Solver};
use super::kernel::{self, Csr, Loss, Method, System};
use super::model::{AlsModel, item_loss, row_cols, user_loss};
use crate::engine::checkpoint::codec;
use crate::engine::epochs::{self, EpochStats, Trainer};
use crate::engine::exchange;
use crate::engine::{RowTable, rng};
use crate::error::{ModelError, Result};
use crate::model_file::rating_range;
use rustrec_core::cluster::{Cluster, ClusterHandle};
use rustrec_core::{Fit, FitContext};

impl Fit for AlsValidParams {
    type Model = AlsModel;
    type Error = crate::ModelError;

    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<AlsModel> {
        if train.nnz() == 0 {
            return Err(ModelError::Data(
                "the training data holds no interactions".into(),
            ));
        }
        let mu = if self.has_biases() {
            train.mean_value() as f32
        } else {
            0.0
        };
        let cols = row_cols(self);
        let users = RowTable::zeros(0, cols);
        let items = RowTable::zeros(0, cols);
        run(self, train, users, items, mu, None, self.0.iterations, ctx)
    }
}

impl AlsModel {
    /// Continues training for `iterations` more iterations on `data`: every interaction,
    /// old and new, in an id space that extends the model's ([`Interactions::with_id_space`]
    /// gives one; see [`rustrec_data::IdMap::is_prefix_of`]). New users and items get fresh
    /// rows; every item row with data is re-solved (old items learn from the new
    /// interactions); among the old users only those in `touched_users` are re-solved.
    ///
    /// The other old users keep their factors **exactly**; their predictions change only
    /// through the updated item factors (within a tolerance that shrinks as the model
    /// has converged). μ is kept.
    pub fn partial_fit(
        &self,
        data: &Interactions,
        touched_users: &[UserIdx],
        iterations: usize,
        ctx: &mut FitContext<'_>,
    ) -> Result<AlsModel> {
        if !self.users.is_prefix_of(data.user_ids()) || !self.items.is_prefix_of(data.item_ids()) {
            return Err(ModelError::Data(format!(
                "partial_fit: the data's id maps ({} users, {} items) do not extend the \
                 model's ({} users, {} items)",
                data.n_users(),
                data.n_items(),
                self.users.len(),
                self.items.len()
            )));
        }
        if iterations == 0 {
            return Err(ModelError::invalid("iterations", 0, "at least 1"));
        }
        let old_users = self.users.len();
        let mut only = vec![false; data.n_users()];
        only[old_users..].iter_mut().for_each(|o| *o = true);
        for u in touched_users {
            if let Some(o) = only.get_mut(u.index()) {
                *o = true;
            }
        }
        run(
            &self.params,
            data,
            self.user_rows.clone(),
            self.item_rows.clone(),
            self.global_mean,
            Some(only),
            iterations,
            ctx,
        )
    }
}

/// Grows (or creates) the tables to `data`'s shape and runs `iterations` epochs.
#[allow(clippy::too_many_arguments)]
fn run(
    params: &AlsValidParams,
    data: &Interactions,
    users: RowTable,
    items: RowTable,
    mu: f32,
    only_users: Option<Vec<bool>>,
    iterations: usize,
    ctx: &mut FitContext<'_>,
) -> Result<AlsModel> {
    let started = Instant::now();
    let pool = ctx.threads.clone();
    let seed = ctx.seed;
    pool.install(|| {
        let k = params.0.factors;
        let has_b = params.has_biases();
        let std = params.0.init_std;
        let users = grow(users, data.n_users(), k, has_b, true, std, seed, |r| {
            data.user_degree(UserIdx(r as u32)) > 0
        });
        let items = grow(items, data.n_items(), k, has_b, false, std, seed, |r| {
            data.item_degree(ItemIdx(r as u32)) > 0
        });
        let mut trainer = AlsTrainer {
            params,
            data,
            users,
            items,
            mu,
            only_users,
            cluster: ctx.cluster.clone(),
        };
        ctx.profile.prepare += started.elapsed().as_secs_f64();
        epochs::train(&mut trainer, iterations, ctx)
    })
}

/// `table` with rows up to `rows`: new rows with data drawn from Normal(0, std) (each row
/// from its own seeded stream, so a row's start does not depend on the table size), rows
/// without data zero; with biases the bias column starts at 0 and the constant column is 1.
#[allow(clippy::too_many_arguments)]
fn grow(
    table: RowTable,
    rows: usize,
    k: usize,
    biases: bool,
    user_side: bool,
    std: f32,
    seed: u64,
    active: impl Fn(usize) -> bool,
) -> RowTable {
    let old = table.rows();
    if old == rows {
        return table;
    }
    let mut t = RowTable::zeros(rows, table.cols());
    for r in 0..old.min(rows) {
        t.row_mut(r).copy_from_slice(table.row(r));
    }
    let normal =
        Normal::new(0.0f32, std).unwrap_or_else(|_| Normal::new(0.0, 0.01).expect("valid"));
    let side = u64::from(user_side);
    for r in old..rows {
        let row = t.row_mut(r);
        if active(r) {
            let mut g = rng::stream(seed, &[0x616c_7369, side, r as u64]);
            for x in row.iter_mut().take(k) {
                *x = normal.sample(&mut g);
            }
        }
        if biases {
            row[if user_side { k + 1 } else { k }] = 1.0;
        }
    }
    t
}

/// ALS under training.
struct AlsTrainer<'a> {
    params: &'a AlsValidParams,
    data: &'a Interactions,
    users: RowTable,
    items: RowTable,
    mu: f32,
    only_users: Option<Vec<bool>>,
    /// The processes sharing the row solves (`None`: this process solves every row).
    cluster: Option<ClusterHandle>,
}

/// Rows per chunk of a half-step: the objective of a half-step is summed chunk by chunk
/// in chunk order, and a process's share is a run of whole chunks, so the reported loss
/// has the same bits on any number of processes.
const CHUNK: usize = 256;

/// Solves the rows of `table` against `sys`, chunk by chunk ([`CHUNK`] rows, each through
/// [`kernel::solve_rows`] on a table of those rows, the chunks in parallel): every chunk,
/// or on a cluster only this process's run of chunks (balanced by entries), after which
/// every process's rows are exchanged. Each row's solve depends only on its own data and
/// `sys`, so the rows are bit for bit those of a single process. Returns the objective
/// (chunk sums added in chunk order) and the number of rows solved.
fn solve_side(
    cluster: Option<&dyn Cluster>,
    sys: &System<'_>,
    data: Csr<'_>,
    table: &mut RowTable,
    method: Method,
    only: Option<&[bool]>,
) -> Result<(f64, u64)> {
    let rows = table.rows();
    let (me, procs) = cluster.map_or((0, 1), |c| (c.process(), c.processes()));
    let chunk_ptr: Vec<usize> = (0..=rows.div_ceil(CHUNK))
        .map(|c| data.ptr[(c * CHUNK).min(rows)])
        .collect();
    let chunk_shares = exchange::shares(&chunk_ptr, procs);
    let row_of = |c: usize| (c * CHUNK).min(rows);
    let shares: Vec<_> = chunk_shares
        .iter()
        .map(|cs| row_of(cs.start)..row_of(cs.end))
        .collect();
    let mine = shares[me].clone();
    let (s, cols) = (table.stride(), table.cols());
    let first_chunk = chunk_shares[me].start;
    let partials: Vec<(f64, u64)> = table.as_mut_slice()[mine.start * s..mine.end * s]
        .par_chunks_mut(CHUNK * s)
        .enumerate()
        .map(|(k, slab)| {
            let lo = (first_chunk + k) * CHUNK;
            let n = slab.len() / s;
            let mut part = RowTable::zeros(n, cols);
            part.as_mut_slice().copy_from_slice(slab);
            let chunk_data = Csr {
                ptr: &data.ptr[lo..=lo + n],
                idx: data.idx,
                val: data.val,
            };
            let chunk_only = only.map(|o| &o[lo..lo + n]);
            let out = kernel::solve_rows(sys, chunk_data, &mut part, method, chunk_only);
            slab.copy_from_slice(part.as_slice());
            out
        })
        .collect();
    let all = match cluster {
        None => partials,
        Some(c) => exchange::all_gather_rows(c, table, &shares, &partials)?,
    };
    Ok(all
        .into_iter()
        .fold((0.0, 0), |(f, n), (pf, pn)| (f + pf, n + pn)))
}

impl AlsTrainer<'_> {
    fn method(&self) -> Method {
        match self.params.0.solver {
            Solver::Cholesky => Method::Cholesky,
            Solver::Cg { steps } => Method::Cg(steps),
        }
    }

    fn gram_for(&self, table: &RowTable) -> Vec<f32> {
        if self.params.0.implicit {
            kernel::gram(table, self.params.0.reg)
        } else {
            Vec::new()
        }
    }
}

/// The regulariser of a side that is not being solved, so that the user half-step's row
/// objectives plus this give the full objective.
fn side_regulariser(table: &RowTable, loss: Loss, degree: impl Fn(usize) -> usize) -> f64 {
    (0..table.rows())
        .map(|r| {
            let x = table.row(r);
            match loss {
                Loss::Implicit { .. } => 0.0,
                Loss::Explicit {
                    reg,
                    weighted,
                    fixed,
                    ..
                } => {
                    let n = degree(r);
                    if n == 0 {
                        return 0.0;
                    }
                    let lam = if weighted { reg * n as f32 } else { reg };
                    let sq: f32 =
                        x.iter().map(|v| v * v).sum::<f32>() - fixed.map_or(0.0, |c| x[c] * x[c]);
                    f64::from(lam) * f64::from(sq)
                }
            }
        })
        .sum()
}

/// `λ‖Y‖²` of an implicit side (`YᵀY + λI` already holds ‖Y‖² on its trace).
fn implicit_regulariser(gram: &[f32], stride: usize, cols: usize, reg: f32) -> f64 {
    let trace: f64 = (0..cols)
        .map(|c| f64::from(gram[c * stride + c] - reg))
        .sum();
    f64::from(reg) * trace
}

impl Trainer for AlsTrainer<'_> {
    type Model = AlsModel;

    fn epoch(&mut self, _epoch: usize) -> Result<EpochStats> {
        let t0 = Instant::now();
        let method = self.method();
        let data = self.data;
        // Users against fixed items.
        let gram_items = self.gram_for(&self.items);
        let u_loss = user_loss(self.params, self.mu);
        let sys = System {
            others: &self.items,
            gram: &gram_items,
            loss: u_loss,
        };
        let user_rows = Csr {
            ptr: data.user_ptr(),
            idx: data.item_indices(),
            val: data.values(),
        };
        let cluster = self.cluster.as_deref();
        let (f_users, n_users) = solve_side(
            cluster,
            &sys,
            user_rows,
            &mut self.users,
            method,
            self.only_users.as_deref(),
        )?;
        let i_loss = item_loss(self.params, self.mu);
        let reg_items = if self.params.0.implicit {
            implicit_regulariser(
                &gram_items,
                self.items.stride(),
                self.items.cols(),
                self.params.0.reg,
            )
        } else {
            side_regulariser(&self.items, i_loss, |r| data.item_degree(ItemIdx(r as u32)))
        };
        // Items against fixed users.
        let gram_users = self.gram_for(&self.users);
        let sys = System {
            others: &self.users,
            gram: &gram_users,
            loss: i_loss,
        };
        let item_rows = Csr {
            ptr: data.item_ptr(),
            idx: data.user_indices(),
            val: data.col_values(),
        };
        let (_, n_items) = solve_side(cluster, &sys, item_rows, &mut self.items, method, None)?;
        Ok(EpochStats {
            loss_sum: f_users + reg_items,
            samples: n_users + n_items,
            sampling_seconds: 0.0,
            update_seconds: t0.elapsed().as_secs_f64(),
            learning_rate: 0.0,
        })
    }

    fn state(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        codec::put_f32s(&mut out, self.users.as_slice());
        codec::put_f32s(&mut out, self.items.as_slice());
        Some(out)
    }

    fn restore(&mut self, state: &[u8]) -> Result<()> {
        let mut r = codec::Reader::new(state);
        r.f32s(self.users.as_mut_slice())?;
        r.f32s(self.items.as_mut_slice())?;
        if !r.done() {
            return Err(ModelError::Data("state: trailing bytes".into()));
        }
        Ok(())
    }

    fn snapshot(&self) -> AlsModel {
        AlsModel {
            users: Arc::clone(self.data.user_ids()),
            items: Arc::clone(self.data.item_ids()),
            user_rows: self.users.clone(),
            item_rows: self.items.clone(),
            global_mean: self.mu,
            params: self.params.clone(),
            item_gram: OnceLock::new(),
            rating_range: rating_range(self.data),
        }
    }
}
