//! Fitting a hybrid: the components, the weight search on a validation split, the sum.

use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_data::split::validation_split;

use super::hyperparams::{HybridParams, HybridValidParams};
use super::kernel::{combine, search_weights, validation_users};
use crate::error::{ModelError, Result};
use crate::knn::{ItemItemModel, SimilarityMatrix};
use crate::model_file::params_value;
use rustrec_core::{Fit, FitContext};

impl HybridValidParams {
    /// The parameters.
    pub fn params(&self) -> &HybridParams {
        &self.0
    }

    /// Fits every component on `train`, each scaled to a largest absolute entry of 1.
    /// `content` holds the content sets of the components, in order.
    fn fit_components(
        &self,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &FitContext<'_>,
    ) -> Result<Vec<SimilarityMatrix>> {
        let mut out = Vec::with_capacity(self.0.components.len());
        let mut rest = content;
        for c in &self.0.components {
            let wanted = c.content_files().len();
            if rest.len() < wanted {
                return Err(ModelError::Data(format!(
                    "hybrid: {} content sets given for {} content-based components",
                    content.len(),
                    self.0.content_files().len()
                )));
            }
            let (mine, others) = rest.split_at(wanted);
            rest = others;
            let mut inner = FitContext::new(ctx.seed, ctx.threads.clone());
            let model = c.fit_with_content(train, mine, &mut inner)?;
            let Some(model) = model.downcast_ref::<ItemItemModel>() else {
                return Err(ModelError::Data(format!(
                    "hybrid: component `{}` did not train an item-based model",
                    c.kind()
                )));
            };
            let sim = model.sim.clone();
            let max = sim.max_abs();
            out.push(if max > 0.0 {
                sim.scaled(1.0 / max)
            } else {
                sim
            });
        }
        Ok(out)
    }

    /// Learns the weights on a validation split of `train` (unless fixed), refits the
    /// components on all of `train` and sums them. `content[m]` is the content of
    /// [`HybridParams::content_files`]`[m]`.
    pub fn fit_with_content(
        &self,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<ItemItemModel> {
        let p = &self.0;
        let started = std::time::Instant::now();
        let (weights, validation_ndcg) = match &p.weights {
            Some(w) => (w.clone(), None),
            None => {
                let split = validation_split(train, p.validation_fraction, ctx.seed)?;
                // Without a user to measure NDCG on, every weight scores 0 and the search
                // would silently keep its starting weights.
                if p.components.len() > 1 && validation_users(&split.train, &split.test).is_empty()
                {
                    return Err(ModelError::invalid(
                        "validation_fraction",
                        p.validation_fraction,
                        "a share that holds out, for at least one user, some but not all of \
                         their training entries (this one holds out none to learn the weights \
                         on); raise it, or give fixed weights",
                    ));
                }
                let parts = self.fit_components(&split.train, content, ctx)?;
                let (w, ndcg) = ctx.threads.install(|| {
                    search_weights(
                        &parts,
                        &split.train,
                        &split.test,
                        &p.weight_grid,
                        p.rounds,
                        p.cutoff,
                    )
                });
                (w, Some(ndcg))
            }
        };
        ctx.profile.evaluation += started.elapsed().as_secs_f64();
        let started = std::time::Instant::now();
        let parts = self.fit_components(train, content, ctx)?;
        let sim = combine(&parts, &weights);
        ctx.profile.update += started.elapsed().as_secs_f64();
        let mut params = params_value(p)?;
        params["learned_weights"] = serde_json::json!(weights);
        params["validation_ndcg"] = serde_json::json!(validation_ndcg);
        // A saved hybrid is reloaded as it is; the weights it found stay in `params`.
        if let Some(obj) = params.as_object_mut() {
            obj.insert("weights".into(), serde_json::json!(weights));
        }
        Ok(ItemItemModel::new(
            <super::Hybrid as crate::family::Family>::KIND,
            params,
            train,
            sim,
        ))
    }
}

impl Fit for HybridValidParams {
    type Model = ItemItemModel;
    type Error = crate::ModelError;

    /// Fits a hybrid without content-based components (those need
    /// [`HybridValidParams::fit_with_content`]).
    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<ItemItemModel> {
        self.fit_with_content(train, &[], ctx)
    }
}

#[cfg(test)]
mod tests {
    use rustrec_core::{Fit, FitContext};
    use rustrec_data::Interactions;

    use super::*;
    use crate::knn::{ItemKnn, SimilarityParams};
    use crate::registry::ModelSpec;

    /// Regression: a validation share too small to hold out any entry left no user to
    /// measure NDCG on; every trial scored 0 and the "learned" weights were the starting
    /// ones, with no word said.
    #[test]
    fn a_validation_split_without_users_is_refused_naming_validation_fraction() {
        let rows: Vec<(u32, u32, f32)> = (0..20u32)
            .flat_map(|u| {
                (0..10u32)
                    .filter(move |i| (u + i) % 3 != 0)
                    .map(move |i| (u, i, 1.0))
            })
            .collect();
        let train = Interactions::from_index_triplets(20, 10, &rows).unwrap();
        let knn = |shrink| {
            ModelSpec::of::<ItemKnn>(
                (&SimilarityParams {
                    shrink,
                    ..Default::default()
                })
                    .into(),
            )
        };
        let fit = |fraction| {
            HybridParams {
                components: vec![knn(0.0), knn(5.0)],
                validation_fraction: fraction,
                ..Default::default()
            }
            .check()
            .unwrap()
            .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
        };
        let e = fit(1e-9).unwrap_err().to_string();
        assert!(
            e.contains("validation_fraction")
                && e.contains("0.000000001")
                && e.contains("raise it"),
            "{e}"
        );
        assert!(fit(0.3).is_ok());
    }
}
