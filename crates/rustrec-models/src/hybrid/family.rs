//! The `hybrid` family: a learned blend of item × item matrices.

use rustrec_core::{FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::hyperparams::HybridParams;
use crate::error::Result;
use crate::family::{Family, Input};
use crate::knn::{ContentFiles, ItemItemModel, SCHEMA};
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// A weighted sum of item-based models with weights learned on validation data.
pub struct Hybrid;

impl Family for Hybrid {
    const KIND: &'static str = "hybrid";
    const ABOUT: &'static str = "a blend of item-based models (item-knn, item-knn-cbf, \
        slim-mse) with weights learned on a validation split";
    const TASK: Task = Task::Ranking;
    const INPUTS: &'static [Input] = &[Input::Ratings, Input::ItemContent];
    const ITERATIVE: bool = false;
    const ITEM_BASED: bool = true;
    const SCHEMA: Schema = SCHEMA;
    type Params = HybridParams;

    fn check(params: &HybridParams) -> Result<()> {
        params.check().map(|_| ())
    }

    fn content_files(params: &HybridParams) -> Vec<ContentFiles> {
        params.content_files()
    }

    fn set_item_file(params: &mut HybridParams, item_file: &str) {
        params.set_item_file(item_file);
    }

    fn fit(
        params: &HybridParams,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Ok(TrainedModel::new(
            params.check()?.fit_with_content(train, content, ctx)?,
        ))
    }

    fn load(file: ModelFile) -> Result<TrainedModel> {
        Ok(TrainedModel::new(ItemItemModel::from_model_file(
            file,
            Self::KIND,
        )?))
    }
}
