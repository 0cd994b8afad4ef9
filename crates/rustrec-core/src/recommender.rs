//! The [`Recommender`] trait: what every trained model can do.

use std::sync::Arc;

use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};

use crate::topn::top_n;

/// Items to leave out of a recommendation list.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exclusion<'a> {
    /// Leave out the items the user has in this data (usually the training data).
    pub seen: Option<&'a Interactions>,
    /// If given, recommend only these items (sorted, dense indices).
    pub allow: Option<&'a [u32]>,
    /// Never recommend these items (sorted, dense indices).
    pub block: &'a [u32],
}

impl<'a> Exclusion<'a> {
    /// Excludes nothing.
    pub fn none() -> Self {
        Self::default()
    }

    /// Excludes the user's items in `seen`.
    pub fn seen(seen: &'a Interactions) -> Self {
        Exclusion {
            seen: Some(seen),
            ..Self::default()
        }
    }

    /// Whether `item` may be recommended to `user`.
    #[inline]
    pub fn allows(&self, user: UserIdx, item: u32) -> bool {
        if let Some(seen) = self.seen
            && user.index() < seen.n_users()
            && seen.row(user).contains(item)
        {
            return false;
        }
        if let Some(allow) = self.allow
            && allow.binary_search(&item).is_err()
        {
            return false;
        }
        self.block.binary_search(&item).is_err()
    }
}

/// A trained model that scores items for users.
///
/// Only [`Recommender::score_into`] is essential; the other methods have provided versions
/// that models override when they can do better.
pub trait Recommender: Send + Sync {
    /// Short name of the model family, as written in model files (`"mf"`, `"bpr"`, ...).
    fn kind(&self) -> &'static str;

    /// The user id map of the training data.
    fn user_ids(&self) -> &Arc<IdMap>;

    /// The item id map of the training data.
    fn item_ids(&self) -> &Arc<IdMap>;

    /// Number of users the model knows.
    fn n_users(&self) -> usize {
        self.user_ids().len()
    }

    /// Number of items the model knows.
    fn n_items(&self) -> usize {
        self.item_ids().len()
    }

    /// Writes the score of every item for `user` into `out` (`out.len() == n_items()`);
    /// higher means more recommended.
    fn score_into(&self, user: UserIdx, out: &mut [f32]);

    /// The scores of several users at once: `out` holds `users.len()` rows of `n_items()`
    /// scores, row `r` exactly what [`Recommender::score_into`] writes for `users[r]`.
    /// Factor models override it to score the users against cache-sized tiles of the item
    /// table (full-ranking evaluation of many users); the default scores them one by one.
    fn score_users_into(&self, users: &[UserIdx], out: &mut [f32]) {
        let n = self.n_items();
        assert_eq!(
            out.len(),
            users.len() * n,
            "one row of n_items scores per user"
        );
        for (&u, row) in users.iter().zip(out.chunks_exact_mut(n.max(1))) {
            self.score_into(u, row);
        }
    }

    /// The score (for rating models, the predicted rating) of one (user, item) pair.
    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let mut scores = vec![0.0; self.n_items()];
        self.score_into(user, &mut scores);
        scores[item.index()]
    }

    /// Prediction for raw ids as they appear in files, with whether the user and the item
    /// were known. Models that can fall back for unknown ids (MF: global mean and the
    /// known bias) override this; the default gives NaN for an unknown user or item.
    fn predict_raw(&self, user: &str, item: &str) -> (f32, bool, bool) {
        let (u, i) = (
            self.user_ids().get_text(user),
            self.item_ids().get_text(item),
        );
        match (u, i) {
            (Some(u), Some(i)) => (self.predict(UserIdx(u), ItemIdx(i)), true, true),
            _ => (f32::NAN, u.is_some(), i.is_some()),
        }
    }

    /// The `n` best items for `user` that `exclude` allows, best first; ties go to the
    /// lower item index.
    fn recommend(&self, user: UserIdx, n: usize, exclude: &Exclusion<'_>) -> Vec<(ItemIdx, f32)> {
        let mut scores = vec![0.0; self.n_items()];
        self.score_into(user, &mut scores);
        top_n(&scores, n, |item| exclude.allows(user, item))
            .into_iter()
            .map(|(i, s)| (ItemIdx(i), s))
            .collect()
    }
}

/// A model that scores a user it was not trained on from that user's history alone
/// ("fold-in"), without retraining: the cold-start path of a deployed recommender.
pub trait FoldIn: Recommender {
    /// Writes the score of every item into `out` (`out.len() == n_items()`) for a user whose
    /// history is `history`: (item, value) pairs in the model's item space, in any order.
    /// Items outside `0..n_items()` are ignored. Higher means more recommended.
    fn score_profile(&self, history: &[(ItemIdx, f32)], out: &mut [f32]);
}
