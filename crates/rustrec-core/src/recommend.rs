//! Top-N lists for many users, streamed in blocks so memory stays bounded.

use rayon::prelude::*;
use rustrec_data::{ItemIdx, UserIdx};

use crate::recommender::{Exclusion, Recommender};

/// Users per block in [`recommend_all`].
pub const DEFAULT_BLOCK: usize = 1024;

/// Computes the top `n` items of every user in `users`, `block` users at a time in parallel
/// (one score buffer per worker, partial selection per user), and hands each user's list to
/// `sink` in the order of `users`. Memory is bounded by `block × n` results plus one score
/// buffer per thread. `sink` may stop early by returning an error.
pub fn recommend_all<E>(
    model: &dyn Recommender,
    users: &[UserIdx],
    n: usize,
    exclusion: &Exclusion<'_>,
    block: usize,
    mut sink: impl FnMut(UserIdx, &[(ItemIdx, f32)]) -> Result<(), E>,
) -> Result<(), E> {
    let block = block.max(1);
    for chunk in users.chunks(block) {
        let lists: Vec<Vec<(ItemIdx, f32)>> = chunk
            .par_iter()
            .map_init(
                || vec![0.0f32; model.n_items()],
                |scores, &user| {
                    model.score_into(user, scores);
                    crate::topn::top_n(scores, n, |i| exclusion.allows(user, i))
                        .into_iter()
                        .map(|(i, s)| (ItemIdx(i), s))
                        .collect()
                },
            )
            .collect();
        for (&user, list) in chunk.iter().zip(&lists) {
            sink(user, list)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustrec_data::{IdMap, Interactions};

    use super::*;

    /// Scores item i for user u as (i · (u + 1)) mod 7.
    struct Table(Arc<IdMap>, Arc<IdMap>);

    impl Recommender for Table {
        fn kind(&self) -> &'static str {
            "table"
        }
        fn user_ids(&self) -> &Arc<IdMap> {
            &self.0
        }
        fn item_ids(&self) -> &Arc<IdMap> {
            &self.1
        }
        fn score_into(&self, user: UserIdx, out: &mut [f32]) {
            for (i, o) in out.iter_mut().enumerate() {
                *o = ((i as u32 * (user.0 + 1)) % 7) as f32;
            }
        }
    }

    #[test]
    fn streams_the_same_lists_as_recommend_in_user_order_and_skips_seen_items() {
        let m = Table(Arc::new(IdMap::identity(5)), Arc::new(IdMap::identity(9)));
        let seen = Interactions::from_index_triplets(5, 9, &[(0, 6, 1.0), (2, 3, 1.0)]).unwrap();
        let ex = Exclusion::seen(&seen);
        let users: Vec<UserIdx> = (0..5).rev().map(UserIdx).collect();
        let mut got = Vec::new();
        recommend_all(&m, &users, 3, &ex, 2, |u, list| {
            got.push((u, list.to_vec()));
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), users);
        for (u, list) in got {
            assert_eq!(list, m.recommend(u, 3, &ex));
            assert!(list.iter().all(|(i, _)| !seen.contains(u, *i)));
        }
    }
}
