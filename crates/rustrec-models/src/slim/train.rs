//! Training SLIM-MSE: the [`Trainer`] that runs epochs of the kernel over item groups in
//! parallel, and the conversion of the dense transposed table into the sparse final model.

use rayon::prelude::*;
use rustrec_data::Interactions;

use super::chunked::{ChunkedProfiles, has_vector_step};
use super::hyperparams::{DEFAULT_GROUPS, SlimInit, SlimMseValidParams};
use super::kernel::{Samples, Scratch, Update, item_of_positions, run_group};
use super::relabel::RelabelledProfiles;
use crate::engine::epochs::{self, EpochStats, Trainer};
use crate::engine::table::LANES;
use crate::engine::{RowTable, rng};
use crate::error::{ModelError, Result};
use crate::knn::{
    ItemItemModel, Similarity, SimilarityMatrix, SimilarityParams, cf_similarity, keep_top_k,
};
use rustrec_core::Threads;
use rustrec_core::{Fit, FitContext};

/// Purpose coordinate of SLIM's random streams.
const STREAM: u64 = 0x5d1e;

/// SLIM-MSE being trained: the transposed dense table and the item groups.
pub struct SlimTrainer<'a> {
    params: SlimMseValidParams,
    train: &'a Interactions,
    item_of: Vec<u32>,
    /// Row `i` = the column `S[·, i]`, with `S[j, i]` at `profiles.label()[j]` (rows
    /// padded and 64-byte aligned: see the kernel's docs).
    table: RowTable,
    /// The profiles with items relabelled by popularity (the order inside a column).
    profiles: RelabelledProfiles,
    /// Group `g` holds items `bounds[g]..bounds[g + 1]`.
    bounds: Vec<usize>,
    pool: Threads,
    seed: u64,
    scratch: Vec<Scratch>,
    /// The profiles as chunks, when the vector step can run (AVX2 + FMA, values on a grid).
    chunked: Option<ChunkedProfiles>,
}

/// Cuts items `0..n` into at most `groups` contiguous ranges of about equal interaction
/// counts (`item_ptr` are the CSC offsets); returns the boundaries.
pub fn item_groups(item_ptr: &[usize], groups: usize) -> Vec<usize> {
    let n = item_ptr.len() - 1;
    let nnz = item_ptr[n];
    let mut bounds = vec![0];
    for g in 1..groups {
        let target = nnz * g / groups;
        let cut = item_ptr.partition_point(|&p| p < target).min(n);
        if cut > *bounds.last().unwrap_or(&0) {
            bounds.push(cut);
        }
    }
    if *bounds.last().unwrap_or(&0) < n || bounds.len() == 1 {
        bounds.push(n);
    }
    bounds
}

impl<'a> SlimTrainer<'a> {
    /// Prepares training on `train` (the initial `S`, the groups, the thread pool).
    pub fn new(
        params: &SlimMseValidParams,
        train: &'a Interactions,
        seed: u64,
        threads: Threads,
    ) -> Result<Self> {
        let p = &params.0;
        let n = train.n_items();
        if train.is_empty() {
            return Err(ModelError::Data(
                "slim-mse: the training data is empty".into(),
            ));
        }
        if n.checked_mul(n + LANES)
            .is_none_or(|c| c > isize::MAX as usize / 4)
            || train.nnz() >= u32::MAX as usize
        {
            return Err(ModelError::Data(format!(
                "slim-mse: {n} items need a dense {n} × {n} table, too large"
            )));
        }
        check_l1_against_values(p, train)?;
        let pool = threads;
        let profiles = RelabelledProfiles::new(train);
        let label = profiles.label();
        let mut table = RowTable::zeros(n, n);
        // The zeroed allocation is lazy: write it now, in parallel, so that the operating
        // system's first-touch page faults (55 MB on ML-1M; costly in a virtual machine)
        // land in preparation rather than in the first epoch's samples/s.
        pool.install(|| {
            (table.as_mut_slice())
                .par_chunks_mut(1 << 16)
                .for_each(|c| c.fill(0.0))
        });
        if p.init == SlimInit::Cosine {
            let sim = pool.install(|| {
                cf_similarity(
                    train,
                    &SimilarityParams {
                        similarity: Similarity::Cosine,
                        neighbours: p.init_neighbours,
                        shrink: p.init_shrink,
                        ..SimilarityParams::default()
                    },
                )
            });
            for (i, col) in sim.to_columns().iter().enumerate() {
                for &(j, s) in col {
                    table.row_mut(i)[label[j as usize] as usize] = s;
                }
            }
        }
        let groups = p.groups.unwrap_or(DEFAULT_GROUPS);
        let bounds = item_groups(train.item_ptr(), groups);
        Ok(SlimTrainer {
            scratch: vec![Scratch::default(); bounds.len() - 1],
            params: params.clone(),
            train,
            item_of: item_of_positions(train),
            chunked: if has_vector_step() {
                ChunkedProfiles::from_csr(n, train.user_ptr(), profiles.items(), profiles.values())
            } else {
                None
            },
            profiles,
            table,
            bounds,
            pool,
            seed,
        })
    }

    /// The current `S` as a dense row-major `n × n` matrix (`out[j * n + i] = S[j, i]`).
    pub fn dense(&self) -> Vec<f32> {
        let n = self.train.n_items();
        let label = self.profiles.label();
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                out[j * n + i] = self.table.row(i)[label[j] as usize];
            }
        }
        out
    }

    /// Whether the epochs run the chunked vector step (ratings on a grid, AVX2) rather than
    /// the sparse one.
    pub fn uses_vector_step(&self) -> bool {
        self.chunked.is_some()
    }

    /// The item groups' boundaries.
    pub fn bounds(&self) -> &[usize] {
        &self.bounds
    }

    /// The CSC positions group `g` draws in epoch `epoch`, in order (for tests against the
    /// reference kernel).
    pub fn drawn_positions(&self, epoch: usize, g: usize) -> Vec<usize> {
        let ptr = self.train.item_ptr();
        let (lo, hi) = (ptr[self.bounds[g]], ptr[self.bounds[g + 1]]);
        let mut r = rng::stream(self.seed, &[STREAM, epoch as u64, g as u64]);
        (lo..hi)
            .map(|_| super::kernel::draw(&mut r, lo, hi))
            .collect()
    }

    fn update(&self) -> Update {
        let p = &self.params.0;
        Update {
            lr: p.lr,
            l1: p.l1,
            l2: p.l2,
            non_negative: p.non_negative,
            exclude_diagonal: p.exclude_diagonal,
        }
    }
}

impl Trainer for SlimTrainer<'_> {
    type Model = ItemItemModel;

    fn epoch(&mut self, epoch: usize) -> Result<EpochStats> {
        let n = self.train.n_items();
        let up = self.update();
        let data = Samples::new(self.train, &self.item_of, &self.profiles)
            .with_chunks(self.chunked.as_ref());
        let ptr = self.train.item_ptr();
        // Disjoint `&mut` rows per group.
        let mut parts: Vec<(usize, &mut [f32], &mut Scratch)> =
            Vec::with_capacity(self.bounds.len());
        let stride = self.table.stride();
        let rows = self.table.split_rows(&self.bounds);
        for ((w, scratch), rows) in self
            .bounds
            .windows(2)
            .zip(self.scratch.iter_mut())
            .zip(rows)
        {
            parts.push((w[0], rows, scratch));
        }
        let seed = self.seed;
        let groups: Vec<(usize, usize)> = self
            .bounds
            .windows(2)
            .map(|w| (w[0], ptr[w[1]] - ptr[w[0]]))
            .collect();
        let results: Vec<(f64, u64, f64)> = self.pool.install(|| {
            parts
                .into_par_iter()
                .enumerate()
                .map(|(g, (first, rows, scratch))| {
                    let started = std::time::Instant::now();
                    let samples = groups[g].1 as u64;
                    let mut r = rng::stream(seed, &[STREAM, epoch as u64, g as u64]);
                    let loss = run_group(
                        rows,
                        (n, stride),
                        first,
                        &data,
                        samples,
                        &mut r,
                        &up,
                        scratch,
                    );
                    (loss, samples, started.elapsed().as_secs_f64())
                })
                .collect()
        });
        Ok(EpochStats {
            loss_sum: results.iter().map(|r| r.0).sum(),
            samples: results.iter().map(|r| r.1).sum(),
            sampling_seconds: 0.0,
            update_seconds: results.iter().map(|r| r.2).sum(),
            learning_rate: f64::from(up.lr),
        })
    }

    fn snapshot(&self) -> ItemItemModel {
        let n = self.train.n_items();
        let k = match self.params.0.top_k {
            0 => n,
            k => k,
        };
        let table = &self.table;
        let label = self.profiles.label();
        let columns: Vec<Vec<(u32, f32)>> = self.pool.install(|| {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let row = &table.row(i)[..n];
                    let mut col: Vec<(u32, f32)> = label
                        .iter()
                        .enumerate()
                        .map(|(j, &l)| (j as u32, row[l as usize]))
                        .filter(|e| e.1 != 0.0)
                        .collect();
                    keep_top_k(&mut col, k);
                    col
                })
                .collect()
        });
        let params = serde_json::to_value(&self.params.0).unwrap_or(serde_json::Value::Null);
        ItemItemModel::new(
            <super::SlimMse as crate::family::Family>::KIND,
            params,
            self.train,
            SimilarityMatrix::from_columns(n, &columns),
        )
    }
}

impl Fit for SlimMseValidParams {
    type Model = ItemItemModel;
    type Error = crate::ModelError;

    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<ItemItemModel> {
        let started = std::time::Instant::now();
        let mut trainer = SlimTrainer::new(self, train, ctx.seed, ctx.threads.clone())?;
        ctx.profile.prepare += started.elapsed().as_secs_f64();
        let model = epochs::train(&mut trainer, self.0.epochs, ctx)?;
        refuse_all_zero(&self.0, &model)?;
        Ok(model)
    }
}

/// Refuses an `l1` for which `S = 0` is the optimum. Each sample `(u, i)` adds
/// `½e² + l1 Σ_j |S[j, i]|` to the objective; at `S = 0` its gradient in `S[j, i]` is
/// `−r_ui · r_uj`, at most `m²` in size with `m` the largest absolute training value, so
/// when `l1 ≥ m²` the subgradient condition holds at zero for every weight (the `l2` term
/// vanishes there): the penalty wins everywhere and the model would score every item 0.
fn check_l1_against_values(p: &super::SlimMseParams, train: &Interactions) -> Result<()> {
    let largest = train.values().iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let bound = largest * largest;
    if p.l1 > 0.0 && p.l1 >= bound {
        return Err(ModelError::invalid(
            "l1",
            p.l1,
            format!(
                "below {bound} for this data: with training values up to {largest}, \
                 l1 ≥ {bound} (the largest value squared) makes S = 0 the optimum, every \
                 weight zero and every item scored 0"
            ),
        ));
    }
    Ok(())
}

/// Refuses a trained `S` whose every weight is zero: such a model scores every item 0 for
/// every user, and saving or evaluating it would report a useless model as trained.
fn refuse_all_zero(p: &super::SlimMseParams, model: &ItemItemModel) -> Result<()> {
    if model.similarity().nnz() > 0 {
        return Ok(());
    }
    Err(ModelError::Data(format!(
        "slim-mse: every weight of S is zero after training (l1 = {}, l2 = {}, non_negative = \
         {}), so the model would score every item 0 and is not kept. S[j, i] learns only from \
         users who have both j and i{}; penalties (l1, l2) or non_negative = true large \
         enough hold every weight at zero: lower them",
        p.l1,
        p.l2,
        p.non_negative,
        if p.exclude_diagonal {
            " (j ≠ i: exclude_diagonal = true)"
        } else {
            ""
        }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{below, stream};
    use crate::slim::SlimMseParams;
    use crate::slim::kernel::reference;

    /// Random ratings 1..=5 on about `density` of a users × items grid (every user ≥ 1).
    fn random_data(users: u32, items: u32, density: f32, seed: u64) -> Interactions {
        random_values(users, items, density, seed, |k| 1.0 + k as f32)
    }

    /// As [`random_data`], with the value `value(k)` for a draw `k` in `0..5`.
    fn random_values(
        users: u32,
        items: u32,
        density: f32,
        seed: u64,
        value: impl Fn(u32) -> f32,
    ) -> Interactions {
        let mut r = stream(seed, &[]);
        let mut rows = Vec::new();
        for u in 0..users {
            for i in 0..items {
                if rng::unit_f32(&mut r) < density || i == u % items {
                    rows.push((u, i, value(below(&mut r, 5))));
                }
            }
        }
        Interactions::from_index_triplets(users as usize, items as usize, &rows).unwrap()
    }

    fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
    }

    #[test]
    fn the_fast_kernel_agrees_with_the_textbook_loop_on_the_same_samples() {
        // Ratings 1..=5 run the chunked vector step (on a CPU with AVX2), square roots of
        // them (not on a grid) the sparse steps.
        let grid = random_data(40, 25, 0.3, 1);
        let off_grid = random_values(40, 25, 0.3, 1, |k| (1.0 + k as f32).sqrt());
        for (x, vector) in [(grid, has_vector_step()), (off_grid, false)] {
            agrees_with_the_textbook_loop(&x, vector);
        }
    }

    fn agrees_with_the_textbook_loop(x: &Interactions, vector: bool) {
        let variants = [
            SlimMseParams::default().lr(0.002).exclude_diagonal(false),
            SlimMseParams::default().lr(0.002),
            SlimMseParams::default()
                .lr(0.002)
                .l1(0.01)
                .l2(0.1)
                .non_negative(true),
        ];
        for p in variants {
            for groups in [1, 3] {
                let p = p.clone().groups(Some(groups)).check().unwrap();
                let mut t = SlimTrainer::new(&p, x, 9, Threads::new(2).unwrap()).unwrap();
                assert_eq!(t.uses_vector_step(), vector);
                assert_eq!(t.bounds().len(), groups + 1);
                let mut s = vec![0.0f32; 25 * 25];
                let mut want_loss = 0.0;
                for epoch in 0..2 {
                    let stats = t.epoch(epoch).unwrap();
                    assert_eq!(stats.samples, x.nnz() as u64);
                    let mut loss = 0.0;
                    for g in 0..groups {
                        loss += reference(&mut s, x, &t.drawn_positions(epoch, g), &t.update());
                    }
                    want_loss = loss;
                    assert!(
                        (stats.loss_sum - loss).abs() < 1e-3 * loss,
                        "{p:?} groups {groups}: loss {} vs {loss}",
                        stats.loss_sum
                    );
                }
                assert!(want_loss > 0.0);
                assert!(close(&t.dense(), &s, 1e-4), "{p:?} groups {groups}");
            }
        }
    }

    #[test]
    fn the_sample_loss_decreases_and_the_diagonal_stays_zero() {
        let x = random_data(60, 30, 0.25, 2);
        let p = SlimMseParams::default()
            .lr(0.0005)
            .epochs(8)
            .top_k(0)
            .check()
            .unwrap();
        let mut ctx = FitContext::with_threads(3, 2).unwrap();
        let model = p.fit(&x, &mut ctx).unwrap();
        let losses: Vec<f64> = ctx.history.iter().map(|r| r.train_loss).collect();
        assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
        for i in 0..30 {
            assert_eq!(model.similarity().get(i, i), 0.0);
        }
        assert!(model.similarity().nnz() > 0);
        // With the diagonal free the model learns to copy its input: S[i, i] grows.
        let p = SlimMseParams::default()
            .lr(0.002)
            .epochs(8)
            .exclude_diagonal(false)
            .check()
            .unwrap();
        let copy = p
            .fit(&x, &mut FitContext::with_threads(3, 2).unwrap())
            .unwrap();
        let diag: f32 = (0..30).map(|i| copy.similarity().get(i, i)).sum::<f32>() / 30.0;
        let off: f32 = (0..30)
            .flat_map(|i| (0..30).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| copy.similarity().get(j, i).abs())
            .sum::<f32>()
            / (30.0 * 29.0);
        assert!(diag > 3.0 * off, "diagonal {diag}, off-diagonal {off}");
    }

    /// Regression: `l1 = 1e30` trained without a word (a model of meaningless weights,
    /// when `S = 0` is the optimum of the objective for any `l1 ≥ m²`).
    #[test]
    fn an_l1_that_makes_zero_the_optimum_is_refused_before_training() {
        let x = random_data(30, 20, 0.3, 2);
        let fit = |p: SlimMseParams| {
            p.check()
                .unwrap()
                .fit(&x, &mut FitContext::with_threads(1, 1).unwrap())
        };
        for l1 in [1e30, 25.0] {
            let e = fit(SlimMseParams::default().l1(l1))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("invalid l1 = {l1}: below 25 for this data"))
                    && e.contains("values up to 5")
                    && e.contains("every weight zero"),
                "{e}"
            );
        }
        let model = fit(SlimMseParams::default().l1(1e-3)).unwrap();
        assert!(model.similarity().nnz() > 0);
    }

    /// Regression: a fit whose `S` ended all zeros (every item scored 0 for every user)
    /// was kept, evaluated and saved without a word. Here no user has two items, so no
    /// weight ever moves; the error names the penalties.
    #[test]
    fn a_fit_whose_every_weight_is_zero_is_refused_naming_l1_and_l2() {
        let single: Vec<(u32, u32, f32)> = (0..30u32).map(|u| (u, u % 10, 4.0)).collect();
        let x = Interactions::from_index_triplets(30, 10, &single).unwrap();
        let e = SlimMseParams::default()
            .l1(0.5)
            .check()
            .unwrap()
            .fit(&x, &mut FitContext::with_threads(1, 1).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("every weight of S is zero")
                && e.contains("l1 = 0.5")
                && e.contains("l2 = 0")
                && e.contains("users who have both j and i"),
            "{e}"
        );
        // One user with two items gives S weights: the fit is kept.
        let mut two = single.clone();
        two.push((0, 1, 3.0));
        let x = Interactions::from_index_triplets(30, 10, &two).unwrap();
        let model = SlimMseParams::default()
            .check()
            .unwrap()
            .fit(&x, &mut FitContext::with_threads(1, 1).unwrap())
            .unwrap();
        assert!(model.similarity().nnz() > 0);
    }

    #[test]
    fn a_fit_is_reproduced_by_seed_and_thread_count() {
        let x = random_data(50, 20, 0.3, 4);
        let p = SlimMseParams::default()
            .lr(0.002)
            .epochs(2)
            .check()
            .unwrap();
        let fit = |seed, threads| {
            p.fit(&x, &mut FitContext::with_threads(seed, threads).unwrap())
                .unwrap()
        };
        assert_eq!(fit(5, 2).similarity(), fit(5, 2).similarity());
        assert_eq!(fit(5, 1).similarity(), fit(5, 3).similarity());
        assert_ne!(fit(5, 2).similarity(), fit(6, 2).similarity());
    }

    #[test]
    fn pruning_keeps_top_k_per_target_and_the_cosine_start_is_used() {
        let x = random_data(50, 20, 0.4, 5);
        let p = SlimMseParams::default()
            .lr(0.001)
            .epochs(1)
            .top_k(3)
            .check()
            .unwrap();
        let m = p
            .fit(&x, &mut FitContext::with_threads(1, 1).unwrap())
            .unwrap();
        for col in m.similarity().to_columns() {
            assert!(col.len() <= 3);
        }
        let p = SlimMseParams::default()
            .init(SlimInit::Cosine)
            .init_shrink(0.0)
            .check()
            .unwrap();
        let t = SlimTrainer::new(&p, &x, 1, Threads::single()).unwrap();
        let cos = cf_similarity(
            &x,
            &SimilarityParams {
                shrink: 0.0,
                ..Default::default()
            },
        );
        let dense = t.dense();
        assert_eq!(dense[20 + 3], cos.get(1, 3));
    }

    #[test]
    fn groups_cover_the_items_with_balanced_interactions() {
        let ptr = [0, 10, 20, 30, 40, 50, 60];
        assert_eq!(item_groups(&ptr, 2), vec![0, 3, 6]);
        assert_eq!(item_groups(&ptr, 3), vec![0, 2, 4, 6]);
        assert_eq!(item_groups(&ptr, 100), vec![0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(item_groups(&[0, 0], 4), vec![0, 1]);
    }
}
