//! Training Bayesian MF: the Gibbs sampler (one sweep per epoch) and the model its kept
//! samples give.

use std::sync::Arc;

use rand::Rng as _;
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use rayon::prelude::*;
use rustrec_data::Interactions;

use super::hyperparams::BpmfValidParams;
use super::kernel::{conditional_draw, diverged, gram_lower, padded_f32};
use crate::engine::RowTable;
use crate::engine::epochs::{self, EpochStats, Trainer};
use crate::engine::linalg::{cholesky, dot, inverse_spd, solve_lower_transposed};
use crate::engine::rng::{self, Rng};
use crate::engine::simd::{Isa, Level};
use crate::error::Result;
use crate::mf::ensemble::{Member, merge};
use crate::mf::{MfModel, MfParams};
use crate::model_file::rating_range;
use rustrec_core::{Fit, FitContext};

/// Purpose coordinate of the sampler's random streams.
const STREAM: u64 = 0x6270_6d66;

/// Which side a sweep samples (a coordinate of the random streams).
const USERS: u64 = 0;
const ITEMS: u64 = 1;

impl Fit for BpmfValidParams {
    type Model = MfModel;
    type Error = crate::ModelError;

    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<MfModel> {
        epochs::fit_in_pool(train, ctx, self.0.iterations, |seed| {
            BpmfSampler::new(self, train, seed)
        })
    }
}

/// The state of the chain: the current user and item vectors (`n × k`, row-major, f64)
/// and the samples kept so far.
pub(crate) struct BpmfSampler<'a> {
    params: &'a BpmfValidParams,
    train: &'a Interactions,
    seed: u64,
    /// Mean training rating r̄ (the model predicts `r̄ + u·v`).
    mean: f64,
    users: Vec<f64>,
    items: Vec<f64>,
    kept: Vec<(RowTable, RowTable)>,
}

/// The Gaussian–Wishart hyperprior: `μ₀ = 0`, `β₀`, `W₀ = I`, `ν₀ = k`.
#[derive(Clone, Copy)]
struct Prior {
    k: usize,
    beta0: f64,
}

impl<'a> BpmfSampler<'a> {
    /// A chain started from normal vectors of std `init_std`.
    pub(crate) fn new(params: &'a BpmfValidParams, train: &'a Interactions, seed: u64) -> Self {
        let p = &params.0;
        let k = p.factors;
        let mut r = rng::stream(seed, &[STREAM, u64::MAX]);
        let std = f64::from(p.init_std);
        let mut draw = |n: usize| -> Vec<f64> {
            (0..n * k)
                .map(|_| std * r.sample::<f64, _>(StandardNormal))
                .collect()
        };
        let users = draw(train.n_users());
        let items = draw(train.n_items());
        let values = train.values();
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len().max(1) as f64;
        BpmfSampler {
            params,
            train,
            seed,
            mean,
            users,
            items,
            kept: Vec::new(),
        }
    }

    /// The current vectors as f32 tables (users, items).
    fn current(&self) -> (RowTable, RowTable) {
        let k = self.params.0.factors;
        let table = |x: &[f64]| {
            let v: Vec<f32> = x.iter().map(|&a| a as f32).collect();
            RowTable::from_dense(x.len() / k, k, &v)
        };
        (table(&self.users), table(&self.items))
    }

    /// The summed squared error of the current sample on the training ratings. Per-user sums
    /// are computed in parallel and added in user order, so the figure (which the model file
    /// keeps) does not depend on how the work was split between threads.
    fn train_loss_sum(&self) -> f64 {
        let k = self.params.0.factors;
        let t = self.train;
        let per_user: Vec<f64> = (0..t.n_users())
            .into_par_iter()
            .map(|u| {
                let pu = &self.users[u * k..(u + 1) * k];
                let (a, b) = (t.user_ptr()[u], t.user_ptr()[u + 1]);
                (a..b)
                    .map(|e| {
                        let i = t.item_indices()[e] as usize;
                        let qi = &self.items[i * k..(i + 1) * k];
                        let d = f64::from(t.values()[e]) - self.mean - dot(pu, qi);
                        d * d
                    })
                    .sum::<f64>()
            })
            .collect();
        per_user.iter().sum()
    }
}

impl Trainer for BpmfSampler<'_> {
    type Model = MfModel;

    /// One sweep: user hyperparameters, every user vector, item hyperparameters, every
    /// item vector; the sample is kept when the sweep is past the burn-in, every `thin`.
    fn epoch(&mut self, epoch: usize) -> Result<EpochStats> {
        let p = &self.params.0;
        let started = std::time::Instant::now();
        let prior = Prior {
            k: p.factors,
            beta0: f64::from(p.beta0),
        };
        let alpha = f64::from(p.alpha);
        let t = self.train;
        let seed = self.seed;
        let rows = move |side: u64| {
            move |row: usize| rng::stream(seed, &[STREAM, epoch as u64, side, row as u64])
        };
        let mut r = rng::stream(self.seed, &[STREAM, epoch as u64, 2]);
        let by_user = Ratings {
            ptr: t.user_ptr(),
            other: t.item_indices(),
            values: t.values(),
        };
        let by_item = Ratings {
            ptr: t.item_ptr(),
            other: t.user_indices(),
            values: t.col_values(),
        };
        let noise = (alpha, self.mean);
        sample_side(
            &mut self.users,
            &self.items,
            &by_user,
            prior,
            noise,
            &mut r,
            rows(USERS),
        )?;
        sample_side(
            &mut self.items,
            &self.users,
            &by_item,
            prior,
            noise,
            &mut r,
            rows(ITEMS),
        )?;
        if self.params.keeps(epoch) {
            let sample = self.current();
            self.kept.push(sample);
        }
        Ok(EpochStats {
            loss_sum: self.train_loss_sum(),
            samples: t.nnz() as u64,
            sampling_seconds: 0.0,
            update_seconds: started.elapsed().as_secs_f64(),
            learning_rate: 0.0,
        })
    }

    /// The mean of the kept samples' predictions as one MF model (before the burn-in
    /// ends: the current sample alone).
    fn snapshot(&self) -> MfModel {
        let current;
        let samples: &[(RowTable, RowTable)] = if self.kept.is_empty() {
            current = [self.current()];
            &current
        } else {
            &self.kept
        };
        let t = self.train;
        let (zu, zi) = (vec![0.0f32; t.n_users()], vec![0.0f32; t.n_items()]);
        let views: Vec<Member<'_>> = samples
            .iter()
            .map(|(u, i)| Member {
                p: u,
                q: i,
                bu: &zu,
                bi: &zi,
                user_pos: None,
                item_pos: None,
            })
            .collect();
        let k = self.params.0.factors;
        let (p, q, bu, bi) = merge(&views, k);
        let params = MfParams::default()
            .factors(k)
            .members(samples.len())
            .epochs(self.params.0.iterations)
            .biases(false)
            .clip(self.params.0.clip)
            .check()
            .expect("BPMF's checked parameters give valid MF parameters");
        let (user_seen, item_seen) = t.seen_flags();
        MfModel {
            users: Arc::clone(t.user_ids()),
            items: Arc::clone(t.item_ids()),
            user_factors: p,
            item_factors: q,
            user_bias: bu,
            item_bias: bi,
            global_mean: self.mean as f32,
            params,
            user_seen,
            item_seen,
            rating_range: rating_range(t),
        }
    }
}

/// One side's ratings in compressed form: row `r`'s entries are `ptr[r]..ptr[r + 1]` of
/// `other` (the index on the other side) and `values`.
struct Ratings<'a> {
    ptr: &'a [usize],
    other: &'a [u32],
    values: &'a [f32],
}

/// `k` standard normal draws.
fn normals(r: &mut Rng, k: usize) -> Vec<f64> {
    (0..k).map(|_| r.sample::<f64, _>(StandardNormal)).collect()
}

/// A draw of `Λ ~ Wishart(W, ν)` (`k × k`, scale `W`, `ν > k − 1` degrees of freedom) by
/// the Bartlett decomposition: `Λ = (L A)(L A)ᵀ` with `W = L Lᵀ`, `A` lower triangular,
/// `A_ii = √χ²(ν − i)`, `A_ij ~ N(0, 1)` below the diagonal.
pub(crate) fn sample_wishart(w: &[f64], k: usize, nu: f64, r: &mut Rng) -> Result<Vec<f64>> {
    let mut l = w.to_vec();
    if !cholesky(&mut l, k) {
        return Err(diverged("the Wishart scale is not positive definite"));
    }
    let mut a = vec![0.0; k * k];
    for i in 0..k {
        let chi = ChiSquared::new(nu - i as f64).map_err(|e| {
            diverged(&format!(
                "χ² with {} degrees of freedom: {e}",
                nu - i as f64
            ))
        })?;
        a[i * k + i] = chi.sample(r).sqrt();
        for j in 0..i {
            a[i * k + j] = r.sample::<f64, _>(StandardNormal);
        }
    }
    // la = L A (both lower triangular), then Λ = la laᵀ.
    let mut la = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            la[i * k + j] = (j..=i).map(|p| l[i * k + p] * a[p * k + j]).sum();
        }
    }
    let mut out = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let v: f64 = (0..=j).map(|p| la[i * k + p] * la[j * k + p]).sum();
            out[i * k + j] = v;
            out[j * k + i] = v;
        }
    }
    Ok(out)
}

/// Draws the mean and precision of one side's vectors `x` (`n × k`) from their
/// Gaussian–Wishart posterior given the vectors.
fn sample_hyper(x: &[f64], prior: Prior, r: &mut Rng) -> Result<(Vec<f64>, Vec<f64>)> {
    let k = prior.k;
    let n = x.len() / k;
    let nf = n as f64;
    let mut mean = vec![0.0; k];
    for row in x.chunks_exact(k) {
        mean.iter_mut().zip(row).for_each(|(m, &v)| *m += v);
    }
    mean.iter_mut().for_each(|m| *m /= nf);
    // W_n⁻¹ = W₀⁻¹ + n S̄ + β₀ n / (β₀ + n) x̄ x̄ᵀ, with W₀ = I and n S̄ = Σ (x − x̄)(x − x̄)ᵀ.
    let mut w_inv = vec![0.0; k * k];
    for row in x.chunks_exact(k) {
        for i in 0..k {
            let di = row[i] - mean[i];
            for j in 0..=i {
                w_inv[i * k + j] += di * (row[j] - mean[j]);
            }
        }
    }
    let shrink = prior.beta0 * nf / (prior.beta0 + nf);
    for i in 0..k {
        for j in 0..=i {
            let v = w_inv[i * k + j] + shrink * mean[i] * mean[j] + f64::from(u8::from(i == j));
            w_inv[i * k + j] = v;
            w_inv[j * k + i] = v;
        }
    }
    let w = inverse_spd(&w_inv, k).ok_or_else(|| diverged("the vectors' scatter is singular"))?;
    let lambda = sample_wishart(&w, k, k as f64 + nf, r)?;
    // μ ~ N(μ_n, ((β₀ + n) Λ)⁻¹), μ_n = n x̄ / (β₀ + n): μ_n + C⁻ᵀ z with C Cᵀ = (β₀ + n) Λ.
    let beta_n = prior.beta0 + nf;
    let mut c: Vec<f64> = lambda.iter().map(|&v| v * beta_n).collect();
    if !cholesky(&mut c, k) {
        return Err(diverged("the sampled precision is not positive definite"));
    }
    let mut z = normals(r, k);
    solve_lower_transposed(&c, k, &mut z);
    let mu = mean
        .iter()
        .zip(&z)
        .map(|(&m, &d)| nf * m / beta_n + d)
        .collect();
    Ok((mu, lambda))
}

/// One half-sweep: the side's hyperparameters from `hyper_rng` ([`sample_hyper`]), then
/// every row of `x` given the other side `y` ([`sample_rows`]).
fn sample_side(
    x: &mut [f64],
    y: &[f64],
    ratings: &Ratings<'_>,
    prior: Prior,
    noise: (f64, f64),
    hyper_rng: &mut Rng,
    row_rng: impl Fn(usize) -> Rng + Sync,
) -> Result<()> {
    let (mu, lambda) = sample_hyper(x, prior, hyper_rng)?;
    sample_rows(x, y, ratings, (&mu, &lambda), noise, row_rng)
}

/// Draws every row of `x` from its Gaussian conditional given the other side `y`, the
/// side's hyperparameters `(μ, Λ)` and `(α, r̄)`: precision `P = Λ + α Σ y_j y_jᵀ`, mean
/// `P⁻¹ (Λ μ + α Σ (r_j − r̄) y_j)`. Rows are independent given `y`; row `r` uses the
/// stream `row_rng(r)`, so the draw does not depend on the threads.
fn sample_rows(
    x: &mut [f64],
    y: &[f64],
    ratings: &Ratings<'_>,
    (mu, lambda): (&[f64], &[f64]),
    (alpha, mean): (f64, f64),
    row_rng: impl Fn(usize) -> Rng + Sync,
) -> Result<()> {
    let k = mu.len();
    let lambda_mu: Vec<f64> = (0..k)
        .map(|i| dot(&lambda[i * k..(i + 1) * k], mu))
        .collect();
    let (y32, stride) = padded_f32(y, k);
    // The Gram triangle and the draw are written for at most AVX2 + FMA (8-lane blocks).
    let level = Level::detect().at_most(Isa::V3);
    // Buffers reused across the rows a worker draws: the Gram triangle, P and b.
    let buffers = || {
        (
            vec![0.0f32; k * stride],
            vec![0.0f64; k * k],
            vec![0.0f64; k],
        )
    };
    x.par_chunks_mut(k)
        .enumerate()
        .try_for_each_init(buffers, |(gram, prec, b), (row, out)| {
            let entries = ratings.ptr[row]..ratings.ptr[row + 1];
            let others = &ratings.other[entries.clone()];
            gram_lower(level, &y32, (k, stride), others, gram);
            prec.copy_from_slice(lambda);
            for a in 0..k {
                for c in 0..=a {
                    let v = prec[a * k + c] + alpha * f64::from(gram[a * stride + c]);
                    prec[a * k + c] = v;
                    prec[c * k + a] = v;
                }
            }
            b.copy_from_slice(&lambda_mu);
            for (&j, &r) in others.iter().zip(&ratings.values[entries]) {
                let t = alpha * (f64::from(r) - mean);
                let yj = &y[j as usize * k..(j as usize + 1) * k];
                b.iter_mut().zip(yj).for_each(|(bv, &v)| *bv += t * v);
            }
            conditional_draw(level, prec, b, &mut row_rng(row), out)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustrec_data::{ItemIdx, UserIdx};

    use crate::bpmf::BpmfParams;
    use rustrec_core::Recommender;

    #[test]
    fn wishart_draws_average_to_nu_times_the_scale() {
        let w = [2.0, 0.5, 0.5, 1.0];
        let nu = 5.0;
        let mut r = rng::stream(4, &[]);
        let n = 40_000;
        let mut mean = [0.0; 4];
        for _ in 0..n {
            let s = sample_wishart(&w, 2, nu, &mut r).unwrap();
            assert_eq!(s[1], s[2], "symmetric");
            for a in 0..4 {
                mean[a] += s[a] / n as f64;
            }
        }
        for a in 0..4 {
            assert!(
                (mean[a] - nu * w[a]).abs() < 0.15,
                "{mean:?} vs {nu} × {w:?}"
            );
        }
    }

    /// A small random rating matrix.
    fn small_data() -> Interactions {
        let mut r = rng::stream(9, &[]);
        let mut rows = Vec::new();
        for u in 0..12u32 {
            for i in 0..9u32 {
                if rng::unit_f32(&mut r) < 0.5 || i == u % 9 {
                    rows.push((u, i, 1.0 + rng::below(&mut r, 5) as f32));
                }
            }
        }
        Interactions::from_index_triplets(12, 9, &rows).unwrap()
    }

    #[test]
    fn the_model_is_the_mean_of_the_kept_samples_and_survives_a_file_round_trip() {
        let data = small_data();
        // No clipping, so that the model is exactly the mean of the samples.
        let params = BpmfParams::default()
            .factors(3)
            .iterations(9)
            .burn_in(3)
            .thin(2)
            .clip(crate::mf::Clip::None)
            .check()
            .unwrap();
        let pool = rustrec_core::Threads::new(2).unwrap();
        pool.install(|| {
            let mut s = BpmfSampler::new(&params, &data, 5);
            for e in 0..9 {
                s.epoch(e).unwrap();
            }
            assert_eq!(s.kept.len(), 3, "sweeps 3, 5 and 7");
            let model = s.snapshot();
            assert_eq!(model.factors(), 9);
            for u in 0..12 {
                for i in 0..9 {
                    let mean: f64 = s
                        .kept
                        .iter()
                        .map(|(pu, qi)| {
                            let d: f32 = pu.row(u)[..3]
                                .iter()
                                .zip(&qi.row(i)[..3])
                                .map(|(a, b)| a * b)
                                .sum();
                            s.mean + f64::from(d)
                        })
                        .sum::<f64>()
                        / 3.0;
                    let got = model.predict(UserIdx(u as u32), ItemIdx(i as u32));
                    assert!(
                        (f64::from(got) - mean).abs() < 1e-4,
                        "({u}, {i}): {got} vs {mean}"
                    );
                }
            }
            let back = MfModel::from_model_file(model.to_model_file().unwrap()).unwrap();
            for u in 0..12 {
                for i in 0..9 {
                    let (u, i) = (UserIdx(u), ItemIdx(i));
                    assert_eq!(back.predict(u, i), model.predict(u, i));
                }
            }
        });
    }
}
