//! Beyond accuracy: catalog coverage, concentration (Gini) and novelty of top-k lists.
//!
//! With `c_i` the number of users whose top-k list holds item `i`, over the `n` items of the
//! catalog (the model's items):
//!
//! * `coverage@k = |{i : c_i > 0}| / n`;
//! * `gini@k = Σ_{j=1..n} (2j − n − 1) c_(j) / (n Σ_i c_i)`, with `c_(1) ≤ … ≤ c_(n)`
//!   sorted increasingly — 0 when every item is recommended equally often, close to 1 when
//!   a few items take all the slots (the Gini diversity of Adomavicius & Kwon 2012,
//!   Shani & Gunawardana 2011, reported as concentration: lower is more diverse);
//! * `novelty@k` is per user: the mean self-information `−log2 p(i)` of the items in the
//!   top-k list (Zhou et al. 2010), with `p(i) = (d_i + 1) / (U + 1)`, `d_i` the number of
//!   training users of item `i` and `U` the number of users with any training interaction.
//!   The add-one keeps items unseen in training finite (`log2(U + 1)` bits). Novelty is in
//!   bits, not in `[0, 1]`.

use rustrec_data::{Interactions, ItemIdx};

/// `|{i : c_i > 0}| / counts.len()` (0 for an empty catalog).
pub fn coverage(counts: &[u32]) -> f64 {
    if counts.is_empty() {
        return 0.0;
    }
    counts.iter().filter(|&&c| c > 0).count() as f64 / counts.len() as f64
}

/// The Gini index of the recommendation counts (0 when nothing was recommended).
pub fn gini(counts: &[u32]) -> f64 {
    let n = counts.len();
    let total: f64 = counts.iter().map(|&c| f64::from(c)).sum();
    if n == 0 || total == 0.0 {
        return 0.0;
    }
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(j, &c)| (2.0 * (j + 1) as f64 - n as f64 - 1.0) * f64::from(c))
        .sum();
    weighted / (n as f64 * total)
}

/// The self-information `−log2 p(i)` of every item, from training popularity.
#[derive(Clone, Debug)]
pub struct ItemPopularity {
    self_information: Vec<f64>,
}

impl ItemPopularity {
    /// Popularity from `train` over `n_items` items (items beyond `train` count as unseen).
    pub fn from_train(train: &Interactions, n_items: usize) -> Self {
        let users = (0..train.n_users())
            .filter(|&u| train.user_ptr()[u + 1] > train.user_ptr()[u])
            .count();
        let denom = (users + 1) as f64;
        let self_information = (0..n_items)
            .map(|i| {
                let d = if i < train.n_items() {
                    train.item_degree(ItemIdx(i as u32))
                } else {
                    0
                };
                -(((d + 1) as f64) / denom).log2()
            })
            .collect();
        ItemPopularity { self_information }
    }

    /// `−log2 p(item)` in bits.
    #[inline]
    pub fn self_information(&self, item: u32) -> f64 {
        self.self_information[item as usize]
    }

    /// Mean self-information of a list of items (0 for an empty list).
    pub fn novelty(&self, items: impl ExactSizeIterator<Item = u32>) -> f64 {
        let n = items.len();
        if n == 0 {
            return 0.0;
        }
        items.map(|i| self.self_information(i)).sum::<f64>() / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_and_gini_hand_computed() {
        // counts [0, 0, 2, 2]: coverage 2/4.
        // sorted 0 0 2 2, n = 4, total 4: weights (2j−5) = −3 −1 1 3
        // Σ = 1·2 + 3·2 = 8 → gini = 8 / (4·4) = 0.5
        assert_eq!(coverage(&[0, 2, 0, 2]), 0.5);
        assert_eq!(gini(&[0, 2, 0, 2]), 0.5);
        // uniform → 0; all on one item of 4 → (3·5)/(4·5) = 0.75 = 1 − 1/n
        assert_eq!(gini(&[3, 3, 3]), 0.0);
        assert_eq!(gini(&[0, 0, 0, 5]), 0.75);
        assert_eq!(gini(&[0, 0]), 0.0);
    }

    #[test]
    fn novelty_hand_computed() {
        // 3 users with training data; item 0 seen by 3, item 1 by 1, item 2 by none.
        let train = Interactions::from_index_triplets(
            4,
            3,
            &[(0, 0, 1.0), (1, 0, 1.0), (2, 0, 1.0), (2, 1, 1.0)],
        )
        .unwrap();
        let pop = ItemPopularity::from_train(&train, 3);
        // p = (d+1)/(U+1) with U = 3: item0 4/4 → 0 bits; item1 2/4 → 1 bit; item2 1/4 → 2 bits
        assert_eq!(pop.self_information(0), 0.0);
        assert_eq!(pop.self_information(1), 1.0);
        assert_eq!(pop.self_information(2), 2.0);
        assert_eq!(pop.novelty([1u32, 2].into_iter()), 1.5);
    }
}
