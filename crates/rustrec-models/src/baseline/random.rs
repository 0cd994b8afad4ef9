//! The random baseline: each (user, item) pair gets a score from a seeded hash, so every
//! user sees an independent uniformly random order of the items, reproduced by the seed
//! (the fit's seed), and `predict` agrees with `score_into`.

use std::sync::Arc;

use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};
use rustrec_io::{DType, Header, ModelFile, Tensor};

use super::Random;
use crate::error::Result;
use crate::family::Family;
use crate::params::hyperparams;
use crate::schema::{Dim, Schema, TensorDecl};
use rustrec_core::{Fit, FitContext};
use rustrec_core::{FoldIn, Recommender};

hyperparams! {
    /// Parameters of the random baseline (none: the seed is the fit's seed).
    pub struct RandomParams {}
}

/// The tensors of a `random` model file (schema version 1, unchanged since files
/// were first written).
pub const SCHEMA: Schema = Schema {
    version: 1,
    tensors: &[TensorDecl::new("seed", DType::U32, &[Dim::Fixed(2)])
        .about("the seed of the random scores (low, high 32 bits)")],
};

/// Uniform random scores in `[0, 1)`, a pure function of (seed, user, item).
#[derive(Clone, Debug, PartialEq)]
pub struct RandomModel {
    users: Arc<IdMap>,
    items: Arc<IdMap>,
    seed: u64,
}

/// SplitMix64 finaliser.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl RandomModel {
    /// The seed of the scores.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    #[inline]
    fn score(&self, user_key: u64, item: u32) -> f32 {
        let h = mix(user_key ^ u64::from(item));
        (h >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    #[inline]
    fn user_key(&self, user: UserIdx) -> u64 {
        mix(mix(self.seed) ^ u64::from(user.0)).rotate_left(32)
    }

    /// The model as a model file (tensor `seed`: low and high 32 bits).
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let header = Header::new(Random::KIND, self.users.len(), self.items.len());
        let seed = vec![self.seed as u32, (self.seed >> 32) as u32];
        Ok(
            ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
                .with("seed", Tensor::vector(seed))?,
        )
    }

    /// Rebuilds the model from a model file of kind `random`.
    pub fn from_model_file(file: ModelFile) -> Result<Self> {
        SCHEMA.validate(&file)?;
        let seed = file.u32("seed", &[2])?;
        let seed = u64::from(seed[0]) | (u64::from(seed[1]) << 32);
        Ok(RandomModel {
            users: Arc::new(file.user_ids),
            items: Arc::new(file.item_ids),
            seed,
        })
    }
}

impl Fit for RandomParams {
    type Model = RandomModel;
    type Error = crate::ModelError;

    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<RandomModel> {
        Ok(RandomModel {
            users: Arc::clone(train.user_ids()),
            items: Arc::clone(train.item_ids()),
            seed: ctx.seed,
        })
    }
}

impl Recommender for RandomModel {
    fn kind(&self) -> &'static str {
        Random::KIND
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }

    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        let key = self.user_key(user);
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.score(key, i as u32);
        }
    }

    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        self.score(self.user_key(user), item.0)
    }
}

impl FoldIn for RandomModel {
    /// A new user gets a random order of its own, drawn from the model's seed and the
    /// history (so the same history always gets the same order).
    fn score_profile(&self, history: &[(ItemIdx, f32)], out: &mut [f32]) {
        let key = history
            .iter()
            .fold(mix(self.seed ^ 0x6e65_7775), |h, (i, _)| {
                mix(h ^ u64::from(i.0))
            })
            .rotate_left(32);
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.score(key, i as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::TrainedModel;

    fn data() -> Interactions {
        Interactions::from_index_triplets(3, 200, &[(0, 0, 1.0), (1, 5, 1.0), (2, 199, 1.0)])
            .unwrap()
    }

    fn fit(seed: u64) -> RandomModel {
        RandomParams {}
            .fit(&data(), &mut FitContext::with_threads(seed, 1).unwrap())
            .unwrap()
    }

    #[test]
    fn scores_are_seeded_uniform_and_agree_with_predict() {
        let (a, b, c) = (fit(1), fit(1), fit(2));
        let mut sa = vec![0.0; 200];
        let mut sb = vec![0.0; 200];
        let mut sc = vec![0.0; 200];
        a.score_into(UserIdx(1), &mut sa);
        b.score_into(UserIdx(1), &mut sb);
        c.score_into(UserIdx(1), &mut sc);
        assert_eq!(sa, sb, "same seed, same scores");
        assert_ne!(sa, sc, "another seed, other scores");
        assert!(sa.iter().all(|&s| (0.0..1.0).contains(&s)));
        let mean = sa.iter().sum::<f32>() / 200.0;
        assert!((mean - 0.5).abs() < 0.08, "mean {mean}");
        assert_eq!(a.predict(UserIdx(1), ItemIdx(17)), sa[17]);
        let mut other_user = vec![0.0; 200];
        a.score_into(UserIdx(2), &mut other_user);
        assert_ne!(sa, other_user, "users get different orders");
    }

    /// Format-1 files are what old builds wrote: never rewritten.
    #[test]
    fn random_v1_fixture_loads_with_the_same_scores() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/random-v1.safetensors");
        let seed = 0x1234_5678_9abc_def0;
        let loaded = TrainedModel::load(&path).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!((header.format_version, header.kind.as_str()), (1, "random"));
        let Some(m) = model.downcast_ref::<RandomModel>() else {
            panic!("not a random model")
        };
        assert_eq!(m.seed(), seed);
        assert_eq!(m, &fit(seed));
    }

    #[test]
    fn a_new_user_gets_a_reproducible_order_of_their_own() {
        let m = RandomParams {}
            .fit(&data(), &mut FitContext::with_threads(3, 1).unwrap())
            .unwrap();
        let n = m.n_items();
        let (mut a, mut b, mut c) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        m.score_profile(&[(ItemIdx(0), 1.0)], &mut a);
        m.score_profile(&[(ItemIdx(0), 1.0)], &mut b);
        m.score_profile(&[(ItemIdx(1), 1.0)], &mut c);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|s| (0.0..1.0).contains(s)));
    }
}
