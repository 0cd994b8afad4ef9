//! Rating errors (RMSE, MAE) of a model on held-out ratings, used by validation during
//! training. The evaluation crate builds its fuller report on the same definition.

use rayon::prelude::*;
use rustrec_data::{Interactions, ItemIdx, UserIdx};

use crate::recommender::Recommender;

/// Root-mean-square and mean absolute error over `n` ratings.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct RatingErrors {
    /// √(mean squared error).
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Mean squared error.
    pub mse: f64,
    /// Number of ratings.
    pub n: usize,
}

/// RMSE, MAE and MSE of `model.predict` on every entry of `data` (which must be in the
/// model's id space). Sums are taken per user in parallel and added in user order, so the
/// result does not depend on the thread count.
pub fn rating_errors<M: Recommender + ?Sized>(model: &M, data: &Interactions) -> RatingErrors {
    let per_user: Vec<(f64, f64)> = (0..data.n_users())
        .into_par_iter()
        .map(|u| {
            let user = UserIdx(u as u32);
            let row = data.row(user);
            let mut se = 0.0;
            let mut ae = 0.0;
            for (&i, &r) in row.items.iter().zip(row.values) {
                let e = f64::from(model.predict(user, ItemIdx(i)) - r);
                se += e * e;
                ae += e.abs();
            }
            (se, ae)
        })
        .collect();
    let (se, ae) = per_user
        .iter()
        .fold((0.0, 0.0), |(s, a), &(x, y)| (s + x, a + y));
    let n = data.nnz();
    if n == 0 {
        return RatingErrors::default();
    }
    let mse = se / n as f64;
    RatingErrors {
        rmse: mse.sqrt(),
        mae: ae / n as f64,
        mse,
        n,
    }
}
