//! Rating metrics: how close predicted ratings are to held-out ratings.
//!
//! For the `n` test interactions `(u, i, r_ui)` and the model's predictions `r̂_ui`
//! (`Recommender::predict`):
//!
//! * `mse  = Σ (r̂_ui − r_ui)² / n`, `rmse = √mse`,
//! * `mae  = Σ |r̂_ui − r_ui| / n`,
//! * `mean_error = Σ (r̂_ui − r_ui) / n` (the bias of the predictions: positive when the
//!   model over-predicts).
//!
//! ## Unknown and cold users and items
//! Train and test share one id space in rustrec, so every test row has an index the model
//! can be asked about. A test row whose user (or item) has no interaction in the *training*
//! data is still predicted by the model — which then falls back to what it has (biases, the
//! global mean) — and is counted in `cold_users` (`cold_items`), so a report shows how
//! much of the error comes from such rows. Those counts need the training data; without
//! it ([`evaluate_ratings`]) they are `None`. A test row whose index is beyond the model's
//! id maps (data read after the model was trained) is an error that names how many rows
//! are affected, rather than a silent guess.
//!
//! ## Parallelism and determinism
//! Users are processed in fixed blocks of [`BLOCK_USERS`] in parallel (rayon, in the
//! caller's thread pool); each block sums its rows in order in `f64`, and the block sums
//! are added in block order. The result is therefore the same bit for bit whatever the
//! number of threads.

use rayon::prelude::*;
use rustrec_core::{Metrics, Recommender};
use rustrec_data::{Interactions, ItemIdx, UserIdx};

use crate::error::{EvalError, Result};
use crate::id_space::check_in_model_space;

/// Users per parallel block (fixed, so sums do not depend on the thread count).
pub const BLOCK_USERS: usize = 256;

/// Rating metrics of a model on held-out ratings.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RatingMetrics {
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Mean squared error.
    pub mse: f64,
    /// Mean of (prediction − rating): positive when the model over-predicts.
    pub mean_error: f64,
    /// Number of test ratings.
    pub n: usize,
    /// Number of users with at least one test rating.
    pub users: usize,
    /// Test ratings whose user has no training interaction (`None` without training data).
    pub cold_users: Option<usize>,
    /// Test ratings whose item has no training interaction (`None` without training data).
    pub cold_items: Option<usize>,
}

impl RatingMetrics {
    /// The metrics as named values `rmse`, `mae`, `mse`, `mean_error` (for early stopping
    /// and reports).
    pub fn as_metrics(&self) -> Metrics {
        vec![
            ("rmse".into(), self.rmse),
            ("mae".into(), self.mae),
            ("mse".into(), self.mse),
            ("mean_error".into(), self.mean_error),
        ]
    }
}

#[derive(Clone, Copy, Default)]
struct Sums {
    sq: f64,
    abs: f64,
    err: f64,
    n: usize,
    users: usize,
    cold_users: usize,
    cold_items: usize,
}

/// Rating metrics of `model` on `test`, without cold-start counts.
///
/// `test` must be in the model's id space (see the module docs).
pub fn evaluate_ratings(model: &dyn Recommender, test: &Interactions) -> Result<RatingMetrics> {
    evaluate(model, test, None)
}

/// Which users and items have interactions in a training set: all that the cold-start
/// counts of [`evaluate_ratings_with_train`] need of it, for a caller that does not keep
/// the training data itself (it handed it over to the fit).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainCoverage {
    users: Vec<bool>,
    items: Vec<bool>,
}

impl TrainCoverage {
    /// The users and items of `train` with at least one interaction.
    pub fn of(train: &Interactions) -> Self {
        let (users, items) = train.seen_flags();
        TrainCoverage { users, items }
    }

    /// Whether user index `u` has no training interaction (or is beyond the training id
    /// space).
    fn cold_user(&self, u: usize) -> bool {
        !self.users.get(u).copied().unwrap_or(false)
    }

    /// Whether item index `i` has no training interaction (or is beyond it).
    fn cold_item(&self, i: usize) -> bool {
        !self.items.get(i).copied().unwrap_or(false)
    }
}

/// Rating metrics of `model` on `test`, counting the test rows whose user or item has no
/// interaction in the training data that `coverage` describes (`cold_users`,
/// `cold_items`): [`evaluate_ratings_with_train`] without the training data.
pub fn evaluate_ratings_with_coverage(
    model: &dyn Recommender,
    test: &Interactions,
    coverage: &TrainCoverage,
) -> Result<RatingMetrics> {
    evaluate(model, test, Some(coverage))
}

/// Rating metrics of `model` on `test`, counting the test rows whose user or item has no
/// interaction in `train` (`cold_users`, `cold_items`).
pub fn evaluate_ratings_with_train(
    model: &dyn Recommender,
    test: &Interactions,
    train: &Interactions,
) -> Result<RatingMetrics> {
    check_in_model_space(model, train, "train")?;
    evaluate(model, test, Some(&TrainCoverage::of(train)))
}

fn evaluate(
    model: &dyn Recommender,
    test: &Interactions,
    train: Option<&TrainCoverage>,
) -> Result<RatingMetrics> {
    check_in_model_space(model, test, "test")?;
    if test.is_empty() {
        return Err(EvalError::Nothing("the test data holds no ratings".into()));
    }
    let n_users = test.n_users();
    let n_blocks = n_users.div_ceil(BLOCK_USERS);
    let block_sums: Vec<Sums> = (0..n_blocks)
        .into_par_iter()
        .map(|b| {
            let mut s = Sums::default();
            for u in b * BLOCK_USERS..((b + 1) * BLOCK_USERS).min(n_users) {
                let user = UserIdx(u as u32);
                let row = test.row(user);
                if row.is_empty() {
                    continue;
                }
                s.users += 1;
                let user_cold = train.is_some_and(|t| t.cold_user(u));
                for (&i, &r) in row.items.iter().zip(row.values) {
                    let e = f64::from(model.predict(user, ItemIdx(i))) - f64::from(r);
                    s.sq += e * e;
                    s.abs += e.abs();
                    s.err += e;
                    s.n += 1;
                    if user_cold {
                        s.cold_users += 1;
                    }
                    if train.is_some_and(|t| t.cold_item(i as usize)) {
                        s.cold_items += 1;
                    }
                }
            }
            s
        })
        .collect();
    let t = block_sums.iter().fold(Sums::default(), |a, b| Sums {
        sq: a.sq + b.sq,
        abs: a.abs + b.abs,
        err: a.err + b.err,
        n: a.n + b.n,
        users: a.users + b.users,
        cold_users: a.cold_users + b.cold_users,
        cold_items: a.cold_items + b.cold_items,
    });
    let n = t.n as f64;
    let mse = t.sq / n;
    Ok(RatingMetrics {
        rmse: mse.sqrt(),
        mae: t.abs / n,
        mse,
        mean_error: t.err / n,
        n: t.n,
        users: t.users,
        cold_users: train.map(|_| t.cold_users),
        cold_items: train.map(|_| t.cold_items),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustrec_data::IdMap;

    use super::*;
    use crate::test_support::ScoreTable;

    // 2 users × 3 items; predictions:
    //   user 0: [3.0, 4.0, 2.0]
    //   user 1: [1.0, 5.0, 3.5]
    fn model() -> ScoreTable {
        ScoreTable::new(2, 3, vec![3.0, 4.0, 2.0, 1.0, 5.0, 3.5])
    }

    #[test]
    fn hand_computed_errors() {
        // test rows: (0,0,4) e=-1; (0,2,2) e=0; (1,1,3) e=+2
        let test =
            Interactions::from_index_triplets(2, 3, &[(0, 0, 4.0), (0, 2, 2.0), (1, 1, 3.0)])
                .unwrap();
        let m = evaluate_ratings(&model(), &test).unwrap();
        // mse = (1 + 0 + 4) / 3 = 5/3; mae = (1 + 0 + 2) / 3 = 1; mean error = (−1+0+2)/3 = 1/3
        assert!((m.mse - 5.0 / 3.0).abs() < 1e-12);
        assert!((m.rmse - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((m.mae - 1.0).abs() < 1e-12);
        assert!((m.mean_error - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!((m.n, m.users), (3, 2));
        assert_eq!((m.cold_users, m.cold_items), (None, None));
    }

    #[test]
    fn cold_rows_are_predicted_and_counted() {
        // train: user 0 rated item 0 only → user 1 cold, items 1 and 2 cold.
        let train = Interactions::from_index_triplets(2, 3, &[(0, 0, 4.0)]).unwrap();
        let test =
            Interactions::from_index_triplets(2, 3, &[(0, 0, 4.0), (0, 2, 2.0), (1, 1, 3.0)])
                .unwrap();
        let m = evaluate_ratings_with_train(&model(), &test, &train).unwrap();
        assert_eq!(m.cold_users, Some(1)); // row (1,1)
        assert_eq!(m.cold_items, Some(2)); // rows (0,2) and (1,1)
        assert_eq!(m.n, 3);
    }

    #[test]
    fn the_coverage_of_the_training_data_counts_the_cold_rows_the_data_itself_does() {
        // As above, and a train of a smaller id space: user 1 and item 2 lie beyond it.
        let test =
            Interactions::from_index_triplets(2, 3, &[(0, 0, 4.0), (0, 2, 2.0), (1, 1, 3.0)])
                .unwrap();
        for train in [
            Interactions::from_index_triplets(2, 3, &[(0, 0, 4.0)]).unwrap(),
            Interactions::from_index_triplets(1, 2, &[(0, 0, 4.0), (0, 1, 1.0)]).unwrap(),
        ] {
            let by_coverage =
                evaluate_ratings_with_coverage(&model(), &test, &TrainCoverage::of(&train))
                    .unwrap();
            let mut by_data = evaluate(&model(), &test, None).unwrap();
            let (users, items) = if train.n_items() == 3 { (1, 2) } else { (1, 1) };
            (by_data.cold_users, by_data.cold_items) = (Some(users), Some(items));
            assert_eq!(by_coverage, by_data, "train of {} items", train.n_items());
        }
    }

    #[test]
    fn rows_beyond_the_model_are_an_error_naming_the_count() {
        let m = model();
        let mut users = (**m.user_ids()).clone();
        users.intern_int(77);
        // users 0, 1 known; user 77 (index 2) unknown to the model, with 2 test rows.
        let test = Interactions::from_csr(
            Arc::new(users),
            m.item_ids().clone(),
            vec![0, 1, 1, 3],
            vec![0, 1, 2],
            vec![4.0, 3.0, 1.0],
            None,
        )
        .unwrap();
        let err = evaluate_ratings(&m, &test).unwrap_err().to_string();
        assert!(err.contains("2 test interactions"), "{err}");
        assert!(err.contains("raw id 77"), "{err}");
    }

    #[test]
    fn another_id_space_is_refused() {
        let m = model();
        let other = ScoreTable::with_maps(
            Arc::new(IdMap::from_ints([5, 6]).unwrap()),
            m.item_ids().clone(),
            vec![0.0; 6],
        );
        let test = Interactions::from_index_triplets(2, 3, &[(0, 0, 4.0)]).unwrap();
        assert!(matches!(
            evaluate_ratings(&other, &test),
            Err(EvalError::IdSpace { kind: "user", .. })
        ));
    }

    #[test]
    fn result_does_not_depend_on_the_thread_count() {
        let n_users = 700;
        let n_items = 5;
        let scores: Vec<f32> = (0..n_users * n_items)
            .map(|k| ((k * 37) % 11) as f32 * 0.37)
            .collect();
        let model = ScoreTable::new(n_users, n_items, scores);
        let rows: Vec<(u32, u32, f32)> = (0..n_users as u32)
            .flat_map(|u| {
                (0..n_items as u32)
                    .filter(move |i| (u + i) % 3 == 0)
                    .map(move |i| (u, i, ((u * i) % 5 + 1) as f32))
            })
            .collect();
        let test = Interactions::from_index_triplets(n_users, n_items, &rows).unwrap();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| evaluate_ratings(&model, &test).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(3));
        // Plain sequential reference.
        let (mut sq, mut n) = (0.0f64, 0usize);
        for &(u, i, r) in &rows {
            let e = f64::from(model.row(u as usize)[i as usize]) - f64::from(r);
            sq += e * e;
            n += 1;
        }
        assert!((one.mse - sq / n as f64).abs() < 1e-9);
    }
}
