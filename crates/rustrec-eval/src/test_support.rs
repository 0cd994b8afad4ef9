//! A fixed-score model for tests.

use std::sync::Arc;

use rustrec_core::Recommender;
use rustrec_data::{IdMap, ItemIdx, UserIdx};

/// A model that returns the scores of a dense user × item table (row-major).
pub(crate) struct ScoreTable {
    users: Arc<IdMap>,
    items: Arc<IdMap>,
    scores: Vec<f32>,
}

impl ScoreTable {
    /// A table over identity id maps; `scores.len()` must be `n_users * n_items`.
    pub(crate) fn new(n_users: usize, n_items: usize, scores: Vec<f32>) -> Self {
        assert_eq!(scores.len(), n_users * n_items);
        ScoreTable {
            users: Arc::new(IdMap::identity(n_users)),
            items: Arc::new(IdMap::identity(n_items)),
            scores,
        }
    }

    /// A table over the given id maps.
    pub(crate) fn with_maps(users: Arc<IdMap>, items: Arc<IdMap>, scores: Vec<f32>) -> Self {
        assert_eq!(scores.len(), users.len() * items.len());
        ScoreTable {
            users,
            items,
            scores,
        }
    }

    /// The scores of one user.
    pub(crate) fn row(&self, user: usize) -> &[f32] {
        let n = self.items.len();
        &self.scores[user * n..(user + 1) * n]
    }
}

impl Recommender for ScoreTable {
    fn kind(&self) -> &'static str {
        "score-table"
    }
    fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }
    fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }
    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        out.copy_from_slice(self.row(user.index()));
    }
    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        self.row(user.index())[item.index()]
    }
}
