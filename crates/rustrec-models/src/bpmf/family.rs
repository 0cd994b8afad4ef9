//! The `bpmf` family: Bayesian MF by Gibbs sampling, whose result is an `mf` model.

use rustrec_core::{Fit, FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::hyperparams::BpmfParams;
use crate::error::Result;
use crate::family::Family;
use crate::mf::Mf;
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// Bayesian probabilistic MF (Salakhutdinov & Mnih 2008).
pub struct Bpmf;

impl Family for Bpmf {
    const KIND: &'static str = "bpmf";
    const ABOUT: &'static str = "Bayesian MF (Salakhutdinov & Mnih 2008) by Gibbs sampling; \
        the posterior mean is saved as an `mf` model";
    const TASK: Task = Task::Rating;
    const ITERATIVE: bool = true;
    const SAVED_AS: &'static str = Mf::KIND;
    const SCHEMA: Schema = Mf::SCHEMA;
    type Params = BpmfParams;

    fn check(params: &BpmfParams) -> Result<()> {
        params.check().map(|_| ())
    }

    fn epochs(params: &BpmfParams) -> Option<usize> {
        Some(params.iterations)
    }

    /// At least one sweep past the burn-in, so that the refit keeps a sample.
    fn with_epochs(params: &BpmfParams, epochs: usize) -> BpmfParams {
        params.clone().iterations(epochs.max(params.burn_in + 1))
    }

    /// The kept samples' factors side by side (`factors × kept samples`), twice (the
    /// chain and the merged model).
    fn memory_estimate(params: &BpmfParams, train: &Interactions) -> u128 {
        crate::engine::memory::table_bytes(
            train.n_users() + train.n_items(),
            params.factors * params.kept_samples().max(1),
            2,
        )
    }

    fn fit(
        params: &BpmfParams,
        train: &Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(params.check()?.fit(train, ctx)?))
    }

    fn load(file: ModelFile) -> Result<TrainedModel> {
        Mf::load(file)
    }
}
