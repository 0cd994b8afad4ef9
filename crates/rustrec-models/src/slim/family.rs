//! The `slim-mse` family.

use rustrec_core::{Fit, FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::hyperparams::SlimMseParams;
use crate::error::Result;
use crate::family::Family;
use crate::knn::ItemItemModel;
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// SLIM with the squared loss, trained by SGD (Ning & Karypis 2011).
pub struct SlimMse;

impl Family for SlimMse {
    const KIND: &'static str = "slim-mse";
    const ABOUT: &'static str =
        "SLIM with squared loss trained by SGD (Ning & Karypis 2011; the course notebook)";
    const TASK: Task = Task::Ranking;
    const ITERATIVE: bool = true;
    const ITEM_BASED: bool = true;
    const SCHEMA: Schema = crate::knn::SCHEMA;
    type Params = SlimMseParams;

    fn check(params: &SlimMseParams) -> Result<()> {
        params.check().map(|_| ())
    }

    fn epochs(params: &SlimMseParams) -> Option<usize> {
        Some(params.epochs)
    }

    fn with_epochs(params: &SlimMseParams, epochs: usize) -> SlimMseParams {
        params.clone().epochs(epochs)
    }

    /// The dense, padded item × item table `S`.
    fn memory_estimate(_params: &SlimMseParams, train: &Interactions) -> u128 {
        crate::engine::memory::table_bytes(train.n_items(), train.n_items(), 1)
    }

    fn fit(
        params: &SlimMseParams,
        train: &Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(params.check()?.fit(train, ctx)?))
    }

    fn load(file: ModelFile) -> Result<TrainedModel> {
        Ok(TrainedModel::new(ItemItemModel::from_model_file(
            file,
            Self::KIND,
        )?))
    }
}
