//! The `top-pop` and `random` families: non-personalised baselines.

use rustrec_core::{Fit, FitContext, FoldIn, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::popularity::{self, TopPopModel, TopPopParams};
use super::random::{self, RandomModel, RandomParams};
use crate::error::Result;
use crate::family::Family;
use crate::registry::{Model, TrainedModel};
use crate::schema::Schema;

/// Items by training popularity.
pub struct TopPop;

/// A seeded random order per user.
pub struct Random;

impl Family for TopPop {
    const KIND: &'static str = "top-pop";
    const ABOUT: &'static str = "baseline: items by their number of training interactions";
    const TASK: Task = Task::Ranking;
    const ITERATIVE: bool = false;
    const SCHEMA: Schema = popularity::SCHEMA;
    type Params = TopPopParams;

    fn fit(
        params: &TopPopParams,
        train: &Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(params.fit(train, ctx)?))
    }

    fn load(file: ModelFile) -> Result<TrainedModel> {
        Ok(TrainedModel::new(TopPopModel::from_model_file(file)?))
    }
}

impl Family for Random {
    const KIND: &'static str = "random";
    const ABOUT: &'static str = "baseline: a seeded random order of the items per user";
    const TASK: Task = Task::Ranking;
    const ITERATIVE: bool = false;
    const SCHEMA: Schema = random::SCHEMA;
    type Params = RandomParams;

    fn fit(
        params: &RandomParams,
        train: &Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(params.fit(train, ctx)?))
    }

    fn load(file: ModelFile) -> Result<TrainedModel> {
        Ok(TrainedModel::new(RandomModel::from_model_file(file)?))
    }
}

impl Model for TopPopModel {
    fn task(&self) -> Task {
        Task::Ranking
    }

    fn to_model_file(&self) -> Result<ModelFile> {
        TopPopModel::to_model_file(self)
    }

    fn as_fold_in(&self) -> Option<&dyn FoldIn> {
        Some(self)
    }
}

impl Model for RandomModel {
    fn task(&self) -> Task {
        Task::Ranking
    }

    fn to_model_file(&self) -> Result<ModelFile> {
        RandomModel::to_model_file(self)
    }

    fn as_fold_in(&self) -> Option<&dyn FoldIn> {
        Some(self)
    }
}
