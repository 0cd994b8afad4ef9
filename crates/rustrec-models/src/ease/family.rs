//! The `ease` family.

use rustrec_core::{Fit, FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::hyperparams::EaseParams;
use super::model::EaseModel;
use super::persist;
use crate::error::Result;
use crate::family::Family;
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// EASE^R (Steck 2019).
pub struct Ease;

impl Family for Ease {
    const KIND: &'static str = "ease";
    const ABOUT: &'static str = "EASE^R (Steck 2019): the closed-form item-item model";
    const TASK: Task = Task::Ranking;
    const ITERATIVE: bool = false;
    const SCHEMA: Schema = persist::SCHEMA;
    type Params = EaseParams;

    fn check(params: &EaseParams) -> Result<()> {
        params.check().map(|_| ())
    }

    /// The dense item × item Gram matrix in f64 and its inverse, and `B` in f32.
    fn memory_estimate(_params: &EaseParams, train: &Interactions) -> u128 {
        let n = train.n_items() as u128;
        n * n * (8 + 8 + 4)
    }

    fn fit(
        params: &EaseParams,
        train: &Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(params.check()?.fit(train, ctx)?))
    }

    fn load(file: ModelFile) -> Result<TrainedModel> {
        Ok(TrainedModel::new(EaseModel::from_model_file(file)?))
    }
}
