//! Fitting a hybrid: the components, the weight search on a validation split, the sum.

use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_data::split::validation_split;

use super::hyperparams::{HybridParams, HybridValidParams};
use super::kernel::{combine, search_weights};
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
