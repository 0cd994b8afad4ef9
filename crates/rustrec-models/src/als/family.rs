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

    /// The kind's own `implicit` (false for als, true for ials).
    fn default_params() -> AlsParams {
        AlsParams::default().implicit(IMPLICIT)
    }

    fn check(params: &AlsParams) -> Result<()> {
        of_this_kind::<IMPLICIT>(params)?.check().map(|_| ())
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
        let valid = of_this_kind::<IMPLICIT>(params)?.check()?;
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

/// `params` with `implicit` set by the kind. `implicit = true` under kind `als` is refused
/// rather than ignored: it asks for implicit ALS, which is kind `ials`. (Under `ials`, a
/// given `implicit = false` cannot be told from the default it equals.)
fn of_this_kind<const IMPLICIT: bool>(params: &AlsParams) -> Result<AlsParams> {
    if params.implicit && !IMPLICIT {
        return Err(crate::ModelError::invalid(
            "implicit",
            true,
            "false under kind als, which trains on ratings (the kind sets it); for implicit \
             ALS use kind = \"ials\"",
        ));
    }
    Ok(params.clone().implicit(IMPLICIT))
}

#[cfg(test)]
mod tests {
    use crate::registry::ModelSpec;

    /// Regression: `implicit = true` under kind `als` was accepted and ignored (the kind
    /// sets it), training explicit ALS on what the user meant as implicit feedback.
    #[test]
    fn implicit_true_under_kind_als_is_refused_naming_kind_ials() {
        let spec = |v: serde_json::Value| ModelSpec::from_json(v).and_then(|s| s.check());
        let err = spec(serde_json::json!({"kind": "als", "implicit": true}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("implicit"), "{err}");
        assert!(err.contains("kind = \"ials\""), "{err}");
        for ok in [
            serde_json::json!({"kind": "als", "implicit": false}),
            serde_json::json!({"kind": "ials", "implicit": true}),
            serde_json::json!({"kind": "ials"}),
        ] {
            assert!(spec(ok.clone()).is_ok(), "{ok}");
        }
    }

    /// `rustrec models ials` listed `implicit` with the parameter type's default, false,
    /// although the kind trains with true.
    #[test]
    fn each_als_kind_lists_the_implicit_it_trains_with() {
        use crate::family::{DynFamily, Registered};
        for (family, want) in [
            (&Registered::<super::Als>::NEW as &dyn DynFamily, false),
            (&Registered::<super::Ials>::NEW, true),
        ] {
            let row = family
                .params()
                .into_iter()
                .find(|p| p.name == "implicit")
                .unwrap();
            assert_eq!(row.default, serde_json::json!(want), "{}", family.kind());
        }
    }
}
