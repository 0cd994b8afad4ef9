//! Which items a user takes: weighted sampling without replacement from a Zipf popularity.
//!
//! Item of popularity rank `r` (0 = most popular, of `n`) has the Zipf–Mandelbrot weight
//! with an exponential cut-off `w_r = (r + 1 + q)^(−a) · exp(−b·r/n)`. A user
//! with `c` interactions takes `c` distinct items by *successive sampling*: draw an item with
//! probability proportional to its weight among the items not yet taken, `c` times. Two
//! exact algorithms for that distribution are used, chosen by `c` alone (so the choice does
//! not bias the result):
//!
//! * **alias table + rejection** (Walker 1977, Vose 1991): draw from all items in O(1), and
//!   redraw when the item is already taken. After `j` draws the taken mass is at most the
//!   mass `T_j` of the `j` most popular items, so the expected number of draws is at most
//!   `B(c) = Σ_{j<c} 1 / (1 − T_j)`;
//! * **exponential keys** (Efraimidis & Spirakis 2006): give item `r` the key `E_r / w_r` with
//!   `E_r ~ Exp(1)` and keep the `c` smallest keys, one pass over all items.
//!
//! A user takes the rejection path when `B(c)` is below the number of items, the key pass
//! otherwise (heavy users, for whom rejection would mostly hit items already taken).

use rand::Rng;

/// Zipf weights, the alias table over them, and the rejection cost bound per count.
#[derive(Debug)]
pub(crate) struct Popularity {
    weights: Vec<f64>,
    alias_prob: Vec<f64>,
    alias: Vec<u32>,
    /// `rejection_cost[c]` = `B(c)`, the worst-case expected draws for `c` items.
    rejection_cost: Vec<f64>,
}

/// Scratch memory of one worker thread.
#[derive(Debug, Default)]
pub(crate) struct SampleScratch {
    taken: Vec<u64>,
    keys: Vec<(f64, u32)>,
}

impl Popularity {
    /// Zipf–Mandelbrot weights with an exponential cut-off,
    /// `(r + 1 + offset)^(−exponent) · exp(−cutoff · r / n_items)`, over `n_items` ranks.
    pub(crate) fn zipf(n_items: usize, exponent: f64, offset: f64, cutoff: f64) -> Self {
        let n = n_items as f64;
        let weights: Vec<f64> = (0..n_items)
            .map(|r| (r as f64 + 1.0 + offset).powf(-exponent) * (-cutoff * r as f64 / n).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        let (alias_prob, alias) = vose(&weights, total);
        let mut rejection_cost = Vec::with_capacity(n_items + 1);
        rejection_cost.push(0.0);
        let (mut taken, mut cost) = (0.0, 0.0);
        for &w in &weights {
            let free = (1.0 - taken / total).max(1e-300);
            cost += 1.0 / free;
            rejection_cost.push(cost);
            taken += w;
        }
        Popularity {
            weights,
            alias_prob,
            alias,
            rejection_cost,
        }
    }

    /// Number of items.
    pub(crate) fn len(&self) -> usize {
        self.weights.len()
    }

    /// Fills `out` with `count` distinct ranks drawn by successive weighted sampling.
    pub(crate) fn sample<R: Rng>(
        &self,
        count: usize,
        rng: &mut R,
        scratch: &mut SampleScratch,
        out: &mut [u32],
    ) {
        debug_assert_eq!(out.len(), count);
        let n = self.len();
        if self.rejection_cost[count] <= n as f64 {
            self.sample_by_rejection(rng, scratch, out);
        } else {
            self.sample_by_keys(count, rng, scratch, out);
        }
    }

    fn sample_by_rejection<R: Rng>(
        &self,
        rng: &mut R,
        scratch: &mut SampleScratch,
        out: &mut [u32],
    ) {
        let n = self.len();
        let words = n.div_ceil(64);
        if scratch.taken.len() < words {
            scratch.taken.resize(words, 0);
        }
        let mut filled = 0;
        while filled < out.len() {
            let r = self.draw(rng);
            let (word, bit) = (r as usize / 64, 1u64 << (r % 64));
            if scratch.taken[word] & bit == 0 {
                scratch.taken[word] |= bit;
                out[filled] = r;
                filled += 1;
            }
        }
        for &r in out.iter() {
            scratch.taken[r as usize / 64] = 0;
        }
    }

    fn sample_by_keys<R: Rng>(
        &self,
        count: usize,
        rng: &mut R,
        scratch: &mut SampleScratch,
        out: &mut [u32],
    ) {
        scratch.keys.clear();
        scratch
            .keys
            .extend(self.weights.iter().enumerate().map(|(r, &w)| {
                // 1 − U lies in (0, 1]: the logarithm is finite.
                let e = -(1.0 - rng.random::<f64>()).ln();
                (e / w, r as u32)
            }));
        if count < scratch.keys.len() {
            scratch
                .keys
                .select_nth_unstable_by(count, |a, b| a.0.total_cmp(&b.0));
        }
        for (slot, &(_, r)) in out.iter_mut().zip(&scratch.keys[..count]) {
            *slot = r;
        }
    }

    /// One draw from the alias table.
    #[inline]
    fn draw<R: Rng>(&self, rng: &mut R) -> u32 {
        let n = self.len();
        let k = rng.random_range(0..n);
        if rng.random::<f64>() < self.alias_prob[k] {
            k as u32
        } else {
            self.alias[k]
        }
    }
}

/// Vose's alias table: column `k` keeps itself with probability `prob[k]`, else `alias[k]`.
fn vose(weights: &[f64], total: f64) -> (Vec<f64>, Vec<u32>) {
    let n = weights.len();
    let mut prob: Vec<f64> = weights.iter().map(|&w| w * n as f64 / total).collect();
    let mut alias: Vec<u32> = (0..n as u32).collect();
    let (mut small, mut large): (Vec<u32>, Vec<u32>) =
        (0..n as u32).partition(|&k| prob[k as usize] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        alias[s as usize] = l;
        prob[l as usize] -= 1.0 - prob[s as usize];
        if prob[l as usize] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // Leftovers are 1 up to rounding.
    for k in small.into_iter().chain(large) {
        prob[k as usize] = 1.0;
    }
    (prob, alias)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;

    #[test]
    fn alias_table_reproduces_the_weights() {
        let w = [5.0, 1.0, 3.0, 0.5, 0.5];
        let (prob, alias) = vose(&w, 10.0);
        let mut mass = [0.0; 5];
        for k in 0..5 {
            mass[k] += prob[k] / 5.0;
            mass[alias[k] as usize] += (1.0 - prob[k]) / 5.0;
        }
        for k in 0..5 {
            assert!((mass[k] - w[k] / 10.0).abs() < 1e-12, "{mass:?}");
        }
    }

    /// Exact first-pick and pair probabilities of successive sampling of 2 out of 3, checked
    /// against both algorithms by frequency.
    #[test]
    fn both_algorithms_sample_the_successive_sampling_distribution() {
        let p = Popularity::zipf(3, 1.0, 0.0, 0.0); // weights 1, 1/2, 1/3 (total 11/6)
        let w = [1.0, 0.5, 1.0 / 3.0];
        let t: f64 = w.iter().sum();
        // P(pair {a, b}) = w_a/t · w_b/(t − w_a) + w_b/t · w_a/(t − w_b).
        let pair = |a: usize, b: usize| w[a] / t * w[b] / (t - w[a]) + w[b] / t * w[a] / (t - w[b]);
        let want = [pair(0, 1), pair(0, 2), pair(1, 2)];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut scratch = SampleScratch::default();
        let trials = 60_000;
        for keys in [false, true] {
            let mut seen = [0usize; 3];
            let mut out = [0u32; 2];
            for _ in 0..trials {
                if keys {
                    p.sample_by_keys(2, &mut rng, &mut scratch, &mut out);
                } else {
                    p.sample_by_rejection(&mut rng, &mut scratch, &mut out);
                }
                assert_ne!(out[0], out[1]);
                let (a, b) = (out[0].min(out[1]), out[0].max(out[1]));
                seen[(a + b - 1) as usize] += 1; // {0,1}→0, {0,2}→1, {1,2}→2
            }
            for k in 0..3 {
                let f = seen[k] as f64 / trials as f64;
                assert!(
                    (f - want[k]).abs() < 0.01,
                    "keys={keys} pair {k}: {f} vs {}",
                    want[k]
                );
            }
        }
    }

    #[test]
    fn heavy_counts_take_the_key_path_and_all_items_when_asked() {
        let p = Popularity::zipf(100, 1.2, 0.0, 0.0);
        assert!(p.rejection_cost[100] > 100.0);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let mut out = vec![0u32; 100];
        p.sample(100, &mut rng, &mut SampleScratch::default(), &mut out);
        out.sort_unstable();
        assert_eq!(out, (0..100).collect::<Vec<u32>>());
    }
}
