//! Non-personalised baselines for ranking: [`TopPop`](TopPopModel) (items by training
//! popularity) and [`Random`](RandomModel) (a seeded random order per user). Every
//! personalised ranking model should beat both; they also anchor the sanity of an
//! evaluation (a random ranking has AUC ≈ 0.5).

mod family;
mod popularity;
mod random;

pub use family::{Random, TopPop};
pub use popularity::{TopPopModel, TopPopParams};
pub use random::{RandomModel, RandomParams};
