//! The `als` and `ials` families: alternating least squares on ratings and on implicit
//! feedback. Both train an [`AlsModel`]; the kind sets `implicit`.

use rustrec_core::{Fit, FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;

use super::hyperparams::AlsParams;
use super::model::AlsModel;
use super::persist;
use crate::error::Result;
use crate::family::Family;
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// Alternating least squares: on ratings (`IMPLICIT = false`, [`Als`]) or on implicit
/// feedback (`IMPLICIT = true`, [`Ials`]). The two kinds share their parameters, their
/// training and their file schema; the kind sets `implicit`.
pub struct AlsFamily<const IMPLICIT: bool>;

/// Explicit ALS (weighted-λ, Zhou et al. 2008) for ratings.
pub type Als = AlsFamily<false>;

/// Implicit ALS (Hu, Koren & Volinsky 2008) for implicit feedback.
pub type Ials = AlsFamily<true>;

impl<const IMPLICIT: bool> Family for AlsFamily<IMPLICIT> {
    const KIND: &'static str = if IMPLICIT { "ials" } else { "als" };
    const ABOUT: &'static str = if IMPLICIT {
        "implicit ALS (Hu, Koren & Volinsky 2008): confidence-weighted least squares on \
         implicit feedback, Cholesky or CG"
    } else {
        "explicit ALS for ratings (weighted-λ, Zhou et al. 2008), Cholesky or CG"
    };
    const TASK: Task = if IMPLICIT {
        Task::Ranking
    } else {
        Task::Rating
    };
    const ITERATIVE: bool = true;
    const DISTRIBUTED: bool = true;
    const SCHEMA: Schema = persist::SCHEMA;
    type Params = AlsParams;

    fn check(params: &AlsParams) -> Result<()> {
        params.clone().implicit(IMPLICIT).check().map(|_| ())
    }

    fn epochs(params: &AlsParams) -> Option<usize> {
        Some(params.iterations)
    }

    fn with_epochs(params: &AlsParams, epochs: usize) -> AlsParams {
        params.clone().iterations(epochs)
    }

    /// Factors (with bias columns) of users and items, and a snapshot of them.
    fn memory_estimate(params: &AlsParams, train: &Interactions) -> u128 {
        crate::engine::memory::table_bytes(train.n_users() + train.n_items(), params.factors + 2, 2)
    }

    fn fit(
        params: &AlsParams,
        train: &Interactions,
        _content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        let valid = params.clone().implicit(IMPLICIT).check()?;
        Ok(TrainedModel::new(valid.fit(train, ctx)?))
    }

    /// Version-1 files of both kinds said `als`; their `implicit` parameter tells which.
    fn migrate(file: &mut ModelFile, from_version: u32) -> Result<()> {
        persist::migrate(Self::KIND, file, from_version)
    }

    /// A file of kind `ials` holds an implicit model. Files of kind `als` store
    /// `implicit = false`, except version-1 files of implicit models, which store `true`:
    /// there the stored value decides.
    fn load(file: ModelFile) -> Result<TrainedModel> {
        let implicit = IMPLICIT.then_some(true);
        Ok(TrainedModel::new(AlsModel::from_model_file(
            file, implicit,
        )?))
    }
}
