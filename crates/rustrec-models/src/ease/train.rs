//! Fitting EASE^R: the closed-form solve, run as the one epoch of the shared epoch loop.

use std::sync::Arc;
use std::time::Instant;

use rustrec_data::Interactions;

use super::hyperparams::EaseValidParams;
use super::kernel::{ease_weights, gram};
use super::model::EaseModel;
use crate::engine::epochs::{self, EpochStats, Trainer};
use crate::error::{ModelError, Result};
use crate::profiles::UserProfiles;
use rustrec_core::{Fit, FitContext};

impl Fit for EaseValidParams {
    type Model = EaseModel;
    type Error = crate::ModelError;

    /// Builds `XᵀX` from the sparse training rows and solves for `B` on `ctx.threads`
    /// threads. EASE has no epochs: the solve runs as the one epoch of the shared epoch
    /// loop, so `ctx.history` gets one report (its `seconds` is the whole fit) and
    /// `ctx.validation`, if any, is evaluated once on the result.
    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<EaseModel> {
        if train.nnz() == 0 {
            return Err(ModelError::Data(
                "the training data holds no interactions".into(),
            ));
        }
        let threads = ctx.effective_threads();
        let pool = ctx.threads.clone();
        let mut solver = Solver {
            params: self,
            train,
            threads,
            model: None,
        };
        pool.install(|| epochs::train(&mut solver, 1, ctx))
    }
}

/// The closed-form solve as a one-epoch [`Trainer`].
struct Solver<'a> {
    params: &'a EaseValidParams,
    train: &'a Interactions,
    threads: usize,
    model: Option<EaseModel>,
}

impl Solver<'_> {
    fn model_with(&self, b: Vec<f32>) -> EaseModel {
        let p = &self.params.0;
        EaseModel {
            users: self.train.user_ids().clone(),
            items: self.train.item_ids().clone(),
            b,
            profiles: Arc::new(UserProfiles::from_interactions(self.train, p.implicit)),
            params: self.params.clone(),
        }
    }
}

impl Trainer for Solver<'_> {
    type Model = EaseModel;

    fn epoch(&mut self, _epoch: usize) -> Result<EpochStats> {
        let p = &self.params.0;
        let started = Instant::now();
        let g = gram(self.train, p.implicit);
        let n = self.train.n_items();
        let b = ease_weights(g, n, f64::from(p.lambda), faer::Par::rayon(self.threads))?;
        self.model = Some(self.model_with(b));
        Ok(EpochStats {
            loss_sum: 0.0,
            samples: self.train.nnz() as u64,
            sampling_seconds: 0.0,
            update_seconds: started.elapsed().as_secs_f64(),
            learning_rate: 0.0,
        })
    }

    fn snapshot(&self) -> EaseModel {
        match &self.model {
            Some(m) => m.clone(),
            // Before the solve: B = 0 (every score 0).
            None => {
                let n = self.train.n_items();
                self.model_with(vec![0.0; n * n])
            }
        }
    }
}
