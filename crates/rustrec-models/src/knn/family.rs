//! The `item-knn` and `item-knn-cbf` families: item-item similarity from ratings and
//! from item content. Both train an [`ItemItemModel`].

use rustrec_core::{Fit, FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::cbf::ItemKnnCbfParams;
use super::cf::ItemKnnParams;
use super::model::ItemItemModel;
use super::{ContentFiles, SCHEMA};
use crate::error::{ModelError, Result};
use crate::family::{Family, Input};
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// ItemKNN collaborative filtering (Sarwar et al. 2001).
pub struct ItemKnn;

/// ItemKNN content-based filtering: similarity of item content.
pub struct ItemKnnCbf;

impl Family for ItemKnn {
    const KIND: &'static str = "item-knn";
    const ABOUT: &'static str = "item-item nearest neighbours from ratings (Sarwar et al. \
        2001): cosine, adjusted cosine, Jaccard or asymmetric cosine with shrink, or the \
        dot product";
    const TASK: Task = Task::Ranking;
    const ITERATIVE: bool = false;
    const ITEM_BASED: bool = true;
    const SCHEMA: Schema = SCHEMA;
    type Params = ItemKnnParams;

    fn check(params: &ItemKnnParams) -> Result<()> {
        params.check().map(|_| ())
    }

    fn fit(
        params: &ItemKnnParams,
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

impl Family for ItemKnnCbf {
    const KIND: &'static str = "item-knn-cbf";
    const ABOUT: &'static str = "item-item nearest neighbours from item content (genres, \
        years, tags of a MovieLens item file)";
    const TASK: Task = Task::Ranking;
    const INPUTS: &'static [Input] = &[Input::Ratings, Input::ItemContent];
    const ITERATIVE: bool = false;
    const ITEM_BASED: bool = true;
    const SCHEMA: Schema = SCHEMA;
    type Params = ItemKnnCbfParams;

    fn check(params: &ItemKnnCbfParams) -> Result<()> {
        params.check().map(|_| ())
    }

    fn content_files(params: &ItemKnnCbfParams) -> Vec<ContentFiles> {
        vec![params.content_files()]
    }

    fn set_item_file(params: &mut ItemKnnCbfParams, item_file: &str) {
        params.item_file = item_file.to_string();
    }

    fn fit(
        params: &ItemKnnCbfParams,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        let Some(content) = content.first() else {
            return Err(ModelError::Data(
                "item-knn-cbf needs item content: give the item file with `fit --item-file \
                 FILE` (or `item_file` in [model])"
                    .into(),
            ));
        };
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
