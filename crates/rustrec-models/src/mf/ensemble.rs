//! Seed ensembles of biased MF (`members = M`), merged exactly into one biased MF.
//!
//! M factorizations with the same hyperparameters and independent seed streams train in
//! lockstep, one epoch each per epoch of the ensemble. Their mean raw score
//!
//! ```text
//! (1/M) Σ_m (μ + b_u^m + b_i^m + p_u^m·q_i^m)
//!   = μ + mean_m b_u^m + mean_m b_i^m + [p_u^1 … p_u^M]/√M · [q_i^1 … q_i^M]/√M
//! ```
//!
//! is the raw score of a single biased MF with averaged biases and the members' factor
//! vectors concatenated, each scaled by `1/√M` (k·M factors). [`merge`] builds that model,
//! so a trained ensemble is saved, loaded, scored and folded in as any MF model. The output
//! function and `clip` apply after the mean: the prediction is `clip(out(mean raw score))`.

use rayon::prelude::*;

use super::hyperparams::MfValidParams;
use super::model::MfModel;
use super::train::MfTrainer;
use crate::engine::RowTable;
use crate::engine::epochs::{EpochStats, Trainer};
use crate::engine::rng;
use crate::error::Result;

/// Coordinate of the member seed streams.
const MEMBER_STREAM: u64 = 0x6d65_6d62;

/// The training seed of member `m` of an ensemble run with `seed`: member 0 keeps `seed`
/// (it is the model a single run would train), the others get independent streams. A
/// single-model fit with `member_seed(seed, m)` reproduces member `m` bit for bit (for
/// the same epochs and `bins`).
pub fn member_seed(seed: u64, m: usize) -> u64 {
    if m == 0 {
        seed
    } else {
        use rand::RngCore;
        rng::stream(seed, &[MEMBER_STREAM, m as u64]).next_u64()
    }
}

/// One member's parameters as [`merge`] reads them: user `u`'s factors are row
/// `user_pos[u]` of `p` and its bias `bu[user_pos[u]]` (row `u` itself when `user_pos` is
/// `None`), items likewise.
pub(crate) struct Member<'a> {
    /// User factor rows.
    pub(crate) p: &'a RowTable,
    /// Item factor rows.
    pub(crate) q: &'a RowTable,
    /// User biases.
    pub(crate) bu: &'a [f32],
    /// Item biases.
    pub(crate) bi: &'a [f32],
    /// Storage row of each user (`None`: the identity).
    pub(crate) user_pos: Option<&'a [u32]>,
    /// Storage row of each item (`None`: the identity).
    pub(crate) item_pos: Option<&'a [u32]>,
}

#[cfg(test)]
impl MfModel {
    /// The model's parameters as a [`Member`] view.
    fn member(&self) -> Member<'_> {
        Member {
            p: &self.user_factors,
            q: &self.item_factors,
            bu: &self.user_bias,
            bi: &self.item_bias,
            user_pos: None,
            item_pos: None,
        }
    }
}

/// The merged parameters of members with `k` factors each, in id order: factor tables
/// `n × k·M` holding member `m`'s vectors, scaled by `1/√M`, in columns `m·k..(m+1)·k`,
/// and the mean biases (accumulated in f64).
pub(crate) fn merge(members: &[Member<'_>], k: usize) -> (RowTable, RowTable, Vec<f32>, Vec<f32>) {
    let users: Vec<_> = members.iter().map(|x| (x.p, x.bu, x.user_pos)).collect();
    let items: Vec<_> = members.iter().map(|x| (x.q, x.bi, x.item_pos)).collect();
    let (p, bu) = merge_side(&users, k);
    let (q, bi) = merge_side(&items, k);
    (p, q, bu, bi)
}

/// One member's side (users or items): factor rows, biases, storage row of each id.
type Side<'a> = (&'a RowTable, &'a [f32], Option<&'a [u32]>);

/// One side (users or items) of [`merge`].
fn merge_side(side: &[Side<'_>], k: usize) -> (RowTable, Vec<f32>) {
    let m = side.len();
    let rows = side[0].1.len();
    let scale = 1.0 / (m as f32).sqrt();
    let at = |pos: Option<&[u32]>, r: usize| pos.map_or(r, |p| p[r] as usize);
    let mut factors = RowTable::zeros(rows, k * m);
    let mut bias = Vec::with_capacity(rows);
    for r in 0..rows {
        let dst = factors.row_mut(r);
        let mut sum = 0.0f64;
        for (j, &(table, b, pos)) in side.iter().enumerate() {
            let src = at(pos, r);
            for (d, &x) in dst[j * k..(j + 1) * k].iter_mut().zip(&table.row(src)[..k]) {
                *d = x * scale;
            }
            sum += f64::from(b[src]);
        }
        bias.push((sum / m as f64) as f32);
    }
    (factors, bias)
}

/// Merges models trained with the same parameters on the same data (same id maps, same
/// global mean) into one whose raw score is the mean of theirs; `params` become the
/// merged model's, and their `factors × members` must be the merged width `k·M`.
#[cfg(test)]
pub(crate) fn merge_models(models: &[MfModel], params: &MfValidParams) -> MfModel {
    let views: Vec<Member<'_>> = models.iter().map(MfModel::member).collect();
    let (p, q, bu, bi) = merge(&views, models[0].factors());
    MfModel {
        user_factors: p,
        item_factors: q,
        user_bias: bu,
        item_bias: bi,
        params: params.clone(),
        ..models[0].clone()
    }
}

/// M MF trainers run in lockstep; a snapshot is their [`merge`].
pub(crate) struct Ensemble<'a> {
    pub(crate) params: &'a MfValidParams,
    pub(crate) members: Vec<MfTrainer<'a>>,
}

impl Trainer for Ensemble<'_> {
    type Model = MfModel;

    /// One epoch of every member (members run concurrently, each with its own blocks;
    /// a member's result does not depend on which thread runs it). The loss and sample
    /// counts are summed over members, so the reported mean loss is the members' mean.
    fn epoch(&mut self, epoch: usize) -> Result<EpochStats> {
        let stats: Vec<EpochStats> = self
            .members
            .par_iter_mut()
            .map(|m| m.epoch(epoch))
            .collect::<Result<_>>()?;
        Ok(stats.iter().fold(EpochStats::default(), |a, s| EpochStats {
            loss_sum: a.loss_sum + s.loss_sum,
            samples: a.samples + s.samples,
            sampling_seconds: a.sampling_seconds + s.sampling_seconds,
            update_seconds: a.update_seconds + s.update_seconds,
            learning_rate: s.learning_rate,
        }))
    }

    /// The merged model, read straight from the members' tables.
    fn snapshot(&self) -> MfModel {
        let views: Vec<Member<'_>> = self.members.iter().map(MfTrainer::member).collect();
        let (p, q, bu, bi) = merge(&views, self.params.0.factors);
        self.members[0].model_from(p, q, bu, bi, self.params)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustrec_data::{IdMap, ItemIdx, UserIdx};

    use super::*;
    use crate::mf::MfParams;
    use rustrec_core::Recommender;

    /// A one-user, one-item model with k = 1.
    fn member(bu: f32, bi: f32, p: f32, q: f32) -> MfModel {
        MfModel {
            users: Arc::new(IdMap::identity(1)),
            items: Arc::new(IdMap::identity(1)),
            user_factors: RowTable::from_dense(1, 1, &[p]),
            item_factors: RowTable::from_dense(1, 1, &[q]),
            user_bias: vec![bu],
            item_bias: vec![bi],
            global_mean: 3.0,
            params: MfParams::default().factors(1).check().unwrap(),
            user_seen: vec![true],
            item_seen: vec![true],
            rating_range: None,
        }
    }

    #[test]
    fn a_hand_computed_merge_of_two_members() {
        // A: 3 + 0.2 − 0.1 + 1·0.5 = 3.6;  B: 3 + 0 + 0.3 + 2·(−1) = 1.3;  mean 2.45.
        // Merged: b_u = 0.1, b_i = 0.1, p = (1, 2)/√2, q = (0.5, −1)/√2, p·q = −0.75.
        let (a, b) = (member(0.2, -0.1, 1.0, 0.5), member(0.0, 0.3, 2.0, -1.0));
        let params = MfParams::default().factors(1).members(2).check().unwrap();
        let m = merge_models(&[a, b], &params);
        let h = std::f32::consts::FRAC_1_SQRT_2;
        assert_eq!(m.factors(), 2);
        assert!((m.user_biases()[0] - 0.1).abs() < 1e-7);
        assert!((m.item_biases()[0] - 0.1).abs() < 1e-7);
        for (got, want) in m.user_factors().iter().zip([h, 2.0 * h]) {
            assert!((got - want).abs() < 1e-7, "{got} vs {want}");
        }
        for (got, want) in m.item_factors().iter().zip([0.5 * h, -h]) {
            assert!((got - want).abs() < 1e-7, "{got} vs {want}");
        }
        assert!((m.predict(UserIdx(0), ItemIdx(0)) - 2.45).abs() < 1e-6);
    }

    #[test]
    fn clip_applies_to_the_mean_not_to_each_member() {
        // Raw scores 6.0 and 3.6: clip(mean) = clip(4.8) = 4.8 with clip [1, 5], while the
        // mean of clipped member predictions would be (5 + 3.6)/2 = 4.3.
        let (a, b) = (member(1.0, 1.0, 1.0, 1.0), member(0.2, -0.1, 1.0, 0.5));
        let params = MfParams::default()
            .factors(1)
            .members(2)
            .clip(super::super::Clip::Range([1.0, 5.0]))
            .check()
            .unwrap();
        let m = merge_models(&[a, b], &params);
        assert!((m.predict(UserIdx(0), ItemIdx(0)) - 4.8).abs() < 1e-6);
        // Three members with raw scores 6, 6, 3.6: mean 5.2, clipped to 5.
        let c = merge_models(
            &[
                member(1.0, 1.0, 1.0, 1.0),
                member(1.0, 1.0, 1.0, 1.0),
                member(0.2, -0.1, 1.0, 0.5),
            ],
            &params.0.clone().members(3).check().unwrap(),
        );
        assert_eq!(c.predict(UserIdx(0), ItemIdx(0)), 5.0);
    }

    #[test]
    fn member_zero_keeps_the_seed_and_the_others_differ() {
        assert_eq!(member_seed(42, 0), 42);
        let seeds: Vec<u64> = (0..8).map(|m| member_seed(42, m)).collect();
        for (a, x) in seeds.iter().enumerate() {
            for y in &seeds[a + 1..] {
                assert_ne!(x, y);
            }
        }
        assert_ne!(member_seed(42, 1), member_seed(43, 1));
    }
}
