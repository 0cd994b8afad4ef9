//! The random baseline: each (user, item) pair gets a score from a seeded hash, so every
//! user sees an independent uniformly random order of the items, reproduced by the seed
//! (the fit's seed), and `predict` agrees with `score_into`.

use std::sync::Arc;

use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};
use rustrec_io::{Header, ModelFile, Tensor};
use serde::{Deserialize, Serialize};

use super::RANDOM_KIND;
use crate::error::Result;
use crate::fit::{Fit, FitContext};
use crate::model_file::check_kind;
use crate::recommender::Recommender;

/// Parameters of the random baseline (none: the seed is the fit's seed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomParams {}

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
        let header = Header::new(RANDOM_KIND, self.users.len(), self.items.len());
        let seed = vec![self.seed as u32, (self.seed >> 32) as u32];
        Ok(
            ModelFile::new(header, (*self.users).clone(), (*self.items).clone())
                .with("seed", Tensor::vector(seed))?,
        )
    }

    /// Rebuilds the model from a model file of kind `random`.
    pub fn from_model_file(file: ModelFile) -> Result<Self> {
        check_kind(&file, RANDOM_KIND)?;
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
        RANDOM_KIND
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
            .fit(&data(), &mut FitContext::new(seed, 1))
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

    /// `RUSTREC_REGEN_FIXTURES=1 cargo test -p rustrec-models random_v1` rewrites it.
    #[test]
    fn random_v1_fixture_loads_with_the_same_scores() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/random-v1.safetensors");
        let seed = 0x1234_5678_9abc_def0;
        if std::env::var_os("RUSTREC_REGEN_FIXTURES").is_some() {
            TrainedModel::Random(fit(seed))
                .save(&path, &data(), serde_json::json!({"fixture": true}))
                .unwrap();
        }
        let loaded = TrainedModel::load(&path).unwrap();
        let (model, header) = (loaded.model, loaded.header);
        assert_eq!((header.format_version, header.kind.as_str()), (1, "random"));
        let TrainedModel::Random(m) = &model else {
            panic!("not a random model")
        };
        assert_eq!(m.seed(), seed);
        assert_eq!(m, &fit(seed));
    }
}
