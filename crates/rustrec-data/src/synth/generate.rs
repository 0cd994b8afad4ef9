//! The parallel generator behind [`super::synthesize`].

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::activity::user_counts;
use super::params::SynthParams;
use super::popularity::{Popularity, SampleScratch};
use super::truth::PlantedTruth;
use crate::error::Result;
use crate::ids::IdMap;
use crate::interactions::Interactions;
use crate::progress::Progress;

/// Independent random streams: one per purpose, and one per user.
#[derive(Clone, Copy)]
enum Stream {
    UserOrder = 1,
    ItemOrder = 2,
    Items = 3,
    User = 4,
}

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of stream `stream`, index `index`, for `seed`.
fn rng(seed: u64, stream: Stream, index: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(mix(mix(seed) ^ mix(((stream as u64) << 56) ^ index)))
}

/// A standard normal draw (Box–Muller, cosine branch).
#[inline]
fn normal<R: Rng>(rng: &mut R) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A uniformly random permutation of `0..n`.
fn permutation<R: Rng>(n: usize, rng: &mut R) -> Vec<u32> {
    let mut p: Vec<u32> = (0..n as u32).collect();
    for k in (1..n).rev() {
        let j = rng.random_range(0..=k);
        p.swap(k, j);
    }
    p
}

/// Splits `data` into consecutive pieces of the given lengths.
fn split_lengths<'a, T>(mut data: &'a mut [T], lengths: &[usize]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(lengths.len());
    for &len in lengths {
        let (head, tail) = data.split_at_mut(len);
        out.push(head);
        data = tail;
    }
    out
}

/// `split_lengths` of an optional array, or one `None` per piece.
fn optional_parts<'a, T>(data: Option<&'a mut [T]>, lengths: &[usize]) -> Vec<Option<&'a mut [T]>> {
    match data {
        Some(d) => split_lengths(d, lengths).into_iter().map(Some).collect(),
        None => lengths.iter().map(|_| None).collect(),
    }
}

/// The output slices of one block of consecutive users.
struct Block<'a> {
    first_user: usize,
    items: &'a mut [u32],
    values: &'a mut [f32],
    stamps: Option<&'a mut [i64]>,
    latent: Option<&'a mut [f32]>,
    user_bias: &'a mut [f32],
    user_factors: &'a mut [f32],
}

const USERS_PER_BLOCK: usize = 256;

/// Generates the data; the truth's `latent` is filled only when `keep_latent`.
pub(super) fn generate(
    params: &SynthParams,
    progress: &dyn Progress,
    keep_latent: bool,
) -> Result<(Interactions, PlantedTruth)> {
    params.check()?;
    let p = params;
    let (n_users, n_items, rank) = (p.users, p.items, p.rank);
    let seed = p.seed;

    // How many interactions each user has: activity quantiles shuffled onto users.
    let by_rank = user_counts(
        n_users,
        p.ratings,
        p.min_per_user,
        n_items,
        p.user_activity_exponent,
    );
    let order = permutation(n_users, &mut rng(seed, Stream::UserOrder, 0));
    let mut counts = vec![0usize; n_users];
    for (k, &u) in order.iter().enumerate() {
        counts[u as usize] = by_rank[k];
    }
    let mut user_ptr = Vec::with_capacity(n_users + 1);
    user_ptr.push(0usize);
    for &c in &counts {
        user_ptr.push(user_ptr.last().copied().unwrap_or(0) + c);
    }
    let nnz = p.ratings;

    // Item popularity ranks shuffled onto item indices, and the planted item side.
    let popularity = Popularity::zipf(
        n_items,
        p.item_popularity_exponent,
        p.item_popularity_offset,
        p.item_popularity_cutoff,
    );
    let item_of_rank = permutation(n_items, &mut rng(seed, Stream::ItemOrder, 0));
    let factor_std = if rank > 0 {
        (p.interaction_std / (rank as f64).sqrt()).sqrt()
    } else {
        0.0
    };
    let mut item_rng = rng(seed, Stream::Items, 0);
    let mut item_bias = Vec::with_capacity(n_items);
    let mut item_factors = Vec::with_capacity(n_items * rank);
    for _ in 0..n_items {
        item_bias.push((p.item_bias_std * normal(&mut item_rng)) as f32);
        for _ in 0..rank {
            item_factors.push((factor_std * normal(&mut item_rng)) as f32);
        }
    }

    // Output arrays, cut into blocks of users written in parallel.
    let mut items = vec![0u32; nnz];
    let mut values = vec![0f32; nnz];
    let mut stamps = p.timestamps.then(|| vec![0i64; nnz]);
    let mut latent = keep_latent.then(|| vec![0f32; nnz]);
    let mut user_bias = vec![0f32; n_users];
    let mut user_factors = vec![0f32; n_users * rank];
    let starts: Vec<usize> = (0..n_users).step_by(USERS_PER_BLOCK).collect();
    let block_users: Vec<usize> = starts
        .iter()
        .map(|&s| USERS_PER_BLOCK.min(n_users - s))
        .collect();
    let block_nnz: Vec<usize> = starts
        .iter()
        .zip(&block_users)
        .map(|(&s, &n)| user_ptr[s + n] - user_ptr[s])
        .collect();
    let block_factors: Vec<usize> = block_users.iter().map(|&n| n * rank).collect();
    let item_parts = split_lengths(&mut items, &block_nnz);
    let value_parts = split_lengths(&mut values, &block_nnz);
    let stamp_parts = optional_parts(stamps.as_deref_mut(), &block_nnz);
    let latent_parts = optional_parts(latent.as_deref_mut(), &block_nnz);
    let bias_parts = split_lengths(&mut user_bias, &block_users);
    let factor_parts = split_lengths(&mut user_factors, &block_factors);
    let blocks: Vec<Block<'_>> = starts
        .iter()
        .zip(item_parts)
        .zip(value_parts)
        .zip(stamp_parts)
        .zip(latent_parts)
        .zip(bias_parts)
        .zip(factor_parts)
        .map(
            |((((((&first_user, items), values), stamps), latent), user_bias), user_factors)| {
                Block {
                    first_user,
                    items,
                    values,
                    stamps,
                    latent,
                    user_bias,
                    user_factors,
                }
            },
        )
        .collect();

    progress.start("synthesize", Some(n_users as u64));
    let ctx = Context {
        p,
        user_ptr: &user_ptr,
        popularity: &popularity,
        item_of_rank: &item_of_rank,
        item_bias: &item_bias,
        item_factors: &item_factors,
        factor_std,
    };
    blocks.into_par_iter().for_each_init(
        || (SampleScratch::default(), Vec::new()),
        |(scratch, ranks), block| {
            let n = block.user_bias.len();
            ctx.fill_block(block, scratch, ranks);
            progress.advance(n as u64);
        },
    );
    progress.finish();

    let user_ids = Arc::new(IdMap::from_ints(1..=n_users as i64)?);
    let item_ids = Arc::new(IdMap::from_ints(1..=n_items as i64)?);
    let data = Interactions::from_csr(user_ids, item_ids, user_ptr, items, values, stamps)?;
    let truth = PlantedTruth {
        mean: p.mean as f32,
        user_bias,
        item_bias,
        rank,
        user_factors,
        item_factors,
        noise_std: p.noise_std as f32,
        latent: latent.unwrap_or_default(),
    };
    Ok((data, truth))
}

/// What every block reads.
struct Context<'a> {
    p: &'a SynthParams,
    user_ptr: &'a [usize],
    popularity: &'a Popularity,
    item_of_rank: &'a [u32],
    item_bias: &'a [f32],
    item_factors: &'a [f32],
    factor_std: f64,
}

impl Context<'_> {
    fn fill_block(&self, mut b: Block<'_>, scratch: &mut SampleScratch, ranks: &mut Vec<u32>) {
        let p = self.p;
        let rank = p.rank;
        let base = self.user_ptr[b.first_user];
        let span = (p.last_timestamp - p.first_timestamp) as f64;
        for k in 0..b.user_bias.len() {
            let u = b.first_user + k;
            let mut rng = rng(p.seed, Stream::User, u as u64);
            let bias = (p.user_bias_std * normal(&mut rng)) as f32;
            b.user_bias[k] = bias;
            let pu = &mut b.user_factors[k * rank..(k + 1) * rank];
            for x in pu.iter_mut() {
                *x = (self.factor_std * normal(&mut rng)) as f32;
            }
            let (a, e) = (self.user_ptr[u] - base, self.user_ptr[u + 1] - base);
            ranks.clear();
            ranks.resize(e - a, 0);
            self.popularity.sample(e - a, &mut rng, scratch, ranks);
            let row = &mut b.items[a..e];
            for (slot, &r) in row.iter_mut().zip(ranks.iter()) {
                *slot = self.item_of_rank[r as usize];
            }
            row.sort_unstable();
            // The user's active period: a start in the span, an exponential duration.
            let start = rng.random::<f64>() * span;
            let length = (-(1.0 - rng.random::<f64>()).ln() * 0.05 * span).min(span - start);
            for j in a..e {
                let i = b.items[j] as usize;
                let q = &self.item_factors[i * rank..(i + 1) * rank];
                let dot: f32 = pu.iter().zip(q).map(|(x, y)| x * y).sum();
                let clean = p.mean as f32 + bias + self.item_bias[i] + dot;
                let noisy = clean + (p.noise_std * normal(&mut rng)) as f32;
                b.values[j] = p.scale.quantize(noisy);
                if let Some(latent) = b.latent.as_deref_mut() {
                    latent[j] = noisy;
                }
                // Drawn with or without timestamps, so that leaving them out leaves the
                // generator where it was and the later ratings unchanged.
                let t = start + rng.random::<f64>() * length;
                if let Some(stamps) = b.stamps.as_deref_mut() {
                    stamps[j] = p.first_timestamp + t as i64;
                }
            }
        }
    }
}
