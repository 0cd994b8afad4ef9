//! The `mf` family: biased matrix factorization for ratings.

use rustrec_core::{Fit, FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::hyperparams::MfParams;
use super::model::MfModel;
use super::persist;
use crate::error::Result;
use crate::family::Family;
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// Biased matrix factorization (Koren 2008).
pub struct Mf;

impl Family for Mf {
    const KIND: &'static str = "mf";
    const ABOUT: &'static str = "biased matrix factorization for ratings (Koren 2008): \
        SGD/Adam/AdamW/..., one-cycle, dropout, sigmoid range, seed ensembles";
    const TASK: Task = Task::Rating;
    const ITERATIVE: bool = true;
    const DISTRIBUTED: bool = true;
    const SCHEMA: Schema = persist::SCHEMA;
    type Params = MfParams;

    fn check(params: &MfParams) -> Result<()> {
        params.check().map(|_| ())
    }

    fn epochs(params: &MfParams) -> Option<usize> {
        Some(params.epochs)
    }

    fn with_epochs(params: &MfParams, epochs: usize) -> MfParams {
        params.clone().epochs(epochs)
    }

    /// Factors of users and items (`factors × members` wide), with the optimizer's state
    /// and, with `average_last`, a running average.
    fn memory_estimate(params: &MfParams, train: &Interactions) -> u128 {
        let copies = 1 + params.optimizer.slots() + usize::from(params.average_last > 0);
        crate::engine::memory::table_bytes(
            train.n_users() + train.n_items(),
            params.factors * params.members,
            copies * 2,
        )
    }

    fn fit(
        params: &MfParams,
        train: &Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(params.check()?.fit(train, ctx)?))
    }

    fn fit_owned(
        params: &MfParams,
        train: Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(params.check()?.fit_owned(train, ctx)?))
    }

    fn migrate(file: &mut ModelFile, from_version: u32) -> Result<()> {
        persist::migrate(file, from_version)
    }

    fn load(file: ModelFile) -> Result<TrainedModel> {
        Ok(TrainedModel::new(MfModel::from_model_file(file)?))
    }
}
