//! The `asysvd` family.

use rustrec_core::{Fit, FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::hyperparams::AsySvdParams;
use super::model::AsySvdModel;
use super::persist;
use crate::error::Result;
use crate::family::Family;
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// Asymmetric SVD (Koren 2008).
pub struct AsySvd;

impl Family for AsySvd {
    const KIND: &'static str = "asysvd";
    const ABOUT: &'static str = "asymmetric SVD (Koren 2008) on user profiles, for ranking";
    const TASK: Task = Task::Ranking;
    const ITERATIVE: bool = true;
    const SCHEMA: Schema = persist::SCHEMA;
    type Params = AsySvdParams;

    fn check(params: &AsySvdParams) -> Result<()> {
        params.check().map(|_| ())
    }

    fn epochs(params: &AsySvdParams) -> Option<usize> {
        Some(params.epochs)
    }

    fn with_epochs(params: &AsySvdParams, epochs: usize) -> AsySvdParams {
        params.clone().epochs(epochs)
    }

    /// V₁ and V₂ with their gradients and optimizer state.
    fn memory_estimate(params: &AsySvdParams, train: &Interactions) -> u128 {
        crate::engine::memory::table_bytes(
            train.n_items(),
            params.factors,
            2 * (2 + params.optimizer.slots()),
        )
    }

    fn fit(
        params: &AsySvdParams,
        train: &Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(params.check()?.fit(train, ctx)?))
    }

    fn load(file: ModelFile) -> Result<TrainedModel> {
        Ok(TrainedModel::new(AsySvdModel::from_model_file(file)?))
    }
}
