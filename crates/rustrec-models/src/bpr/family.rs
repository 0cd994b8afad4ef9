//! The `bpr` family: implicit-feedback MF with the BPR or WARP loss.

use rustrec_core::{Fit, FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::hyperparams::BprParams;
use super::model::BprModel;
use super::persist;
use crate::error::Result;
use crate::family::Family;
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// BPR-MF (Rendle 2009) and WARP-MF (Weston 2011).
pub struct Bpr;

impl Family for Bpr {
    const KIND: &'static str = "bpr";
    const ABOUT: &'static str = "BPR-MF (Rendle 2009) or, with loss = \"warp\", WARP-MF \
        (Weston 2011) for implicit feedback";
    const TASK: Task = Task::Ranking;
    const ITERATIVE: bool = true;
    const SCHEMA: Schema = persist::SCHEMA;
    type Params = BprParams;

    fn check(params: &BprParams) -> Result<()> {
        params.check().map(|_| ())
    }

    fn epochs(params: &BprParams) -> Option<usize> {
        Some(params.epochs)
    }

    fn with_epochs(params: &BprParams, epochs: usize) -> BprParams {
        params.clone().epochs(epochs)
    }

    /// Factors of users and items with the optimizer's state.
    fn memory_estimate(params: &BprParams, train: &Interactions) -> u128 {
        crate::engine::memory::table_bytes(
            train.n_users() + train.n_items(),
            params.factors,
            (1 + params.optimizer.slots()) * 2,
        )
    }

    fn fit(
        params: &BprParams,
        train: &Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(params.check()?.fit(train, ctx)?))
    }

    fn migrate(file: &mut ModelFile, from_version: u32) -> Result<()> {
        persist::migrate(file, from_version)
    }

    fn load(file: ModelFile) -> Result<TrainedModel> {
        Ok(TrainedModel::new(BprModel::from_model_file(file)?))
    }
}
