//! Hybrid parameters and the fit.

use serde::{Deserialize, Serialize};

use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_data::split::validation_split;

use super::search::{combine, search_weights};
use crate::error::{ModelError, Result};
use crate::fit::{Fit, FitContext};
use crate::knn::{ContentFiles, ItemItemModel, ItemKnnCbfParams, ItemKnnParams, SimilarityMatrix};
use crate::model_file::params_value;
use crate::slim::SlimMseParams;

/// The `kind` of hybrid models.
pub const KIND: &str = "hybrid";

/// One component of a hybrid: an item-based model, tagged by its `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Component {
    /// ItemKNN collaborative filtering.
    ItemKnn(ItemKnnParams),
    /// ItemKNN content-based filtering.
    ItemKnnCbf(ItemKnnCbfParams),
    /// SLIM-MSE.
    SlimMse(SlimMseParams),
}

/// Hybrid of item × item matrices.
///
/// | Name | Default | Range | Purpose |
/// |---|---|---|---|
/// | `components` | (required) | ≥ 1 tables with a `kind` | the matrices to mix |
/// | `weights` | none | one finite number per component | fixed weights (skips the search) |
/// | `validation_fraction` | 0.2 | (0, 1) | share of training entries held out to learn weights |
/// | `weight_grid` | 0, 0.1, 0.2, 0.5, 1, 2, 5, 10 | finite numbers | values tried for each weight |
/// | `rounds` | 2 | ≥ 1 | sweeps of coordinate ascent |
/// | `cutoff` | 10 | ≥ 1 | `k` of the NDCG@k that is maximised |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HybridParams {
    /// The components.
    pub components: Vec<Component>,
    /// Fixed weights, one per component.
    pub weights: Option<Vec<f32>>,
    /// Share of training entries held out for the weight search.
    pub validation_fraction: f64,
    /// Values tried for each weight.
    pub weight_grid: Vec<f32>,
    /// Coordinate-ascent sweeps.
    pub rounds: usize,
    /// NDCG cutoff.
    pub cutoff: usize,
}

impl Default for HybridParams {
    fn default() -> Self {
        HybridParams {
            components: Vec::new(),
            weights: None,
            validation_fraction: 0.2,
            weight_grid: vec![0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0],
            rounds: 2,
            cutoff: 10,
        }
    }
}

/// Checked [`HybridParams`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HybridValidParams(pub(crate) HybridParams);

impl HybridParams {
    /// Validates the parameters (and every component's).
    pub fn check(&self) -> Result<HybridValidParams> {
        if self.components.is_empty() {
            return Err(ModelError::invalid(
                "components",
                "[]",
                "at least one component",
            ));
        }
        for c in &self.components {
            match c {
                Component::ItemKnn(p) => p.check().map(|_| ())?,
                Component::ItemKnnCbf(p) => p.check().map(|_| ())?,
                Component::SlimMse(p) => p.check().map(|_| ())?,
            }
        }
        if let Some(w) = &self.weights
            && (w.len() != self.components.len() || w.iter().any(|x| !x.is_finite()))
        {
            return Err(ModelError::invalid(
                "weights",
                format!("{w:?}"),
                format!(
                    "{} finite numbers, one per component",
                    self.components.len()
                ),
            ));
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return Err(ModelError::invalid(
                "validation_fraction",
                self.validation_fraction,
                "in (0, 1)",
            ));
        }
        if self.weight_grid.is_empty() || self.weight_grid.iter().any(|x| !x.is_finite()) {
            return Err(ModelError::invalid(
                "weight_grid",
                format!("{:?}", self.weight_grid),
                "a non-empty list of finite numbers",
            ));
        }
        if self.rounds == 0 {
            return Err(ModelError::invalid("rounds", 0, "at least 1"));
        }
        if self.cutoff == 0 {
            return Err(ModelError::invalid("cutoff", 0, "at least 1"));
        }
        Ok(HybridValidParams(self.clone()))
    }

    /// The content files of the content-based components, in order.
    pub fn content_files(&self) -> Vec<ContentFiles> {
        self.components
            .iter()
            .filter_map(|c| match c {
                Component::ItemKnnCbf(p) => Some(p.content_files()),
                _ => None,
            })
            .collect()
    }
}

impl HybridValidParams {
    /// The parameters.
    pub fn params(&self) -> &HybridParams {
        &self.0
    }

    /// Fits every component on `train`, each scaled to a largest absolute entry of 1.
    /// `content[m]` is the content of the `m`-th content-based component.
    fn fit_components(
        &self,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        seed: u64,
        threads: usize,
    ) -> Result<Vec<SimilarityMatrix>> {
        let mut out = Vec::with_capacity(self.0.components.len());
        let mut next_content = content.iter();
        for c in &self.0.components {
            let mut ctx = FitContext::new(seed, threads);
            let model = match c {
                Component::ItemKnn(p) => p.check()?.fit(train, &mut ctx)?,
                Component::SlimMse(p) => p.check()?.fit(train, &mut ctx)?,
                Component::ItemKnnCbf(p) => {
                    let Some(items) = next_content.next() else {
                        return Err(ModelError::Data(format!(
                            "{KIND}: {} content sets given for {} content-based components",
                            content.len(),
                            self.0.content_files().len()
                        )));
                    };
                    p.check()?.fit_with_content(train, items, &mut ctx)?
                }
            };
            let sim = model.sim;
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
    /// components on all of `train` and sums them. `content[m]` is the content of the
    /// `m`-th content-based component (see [`HybridParams::content_files`]).
    pub fn fit_with_content(
        &self,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<ItemItemModel> {
        let p = &self.0;
        let threads = ctx.effective_threads();
        let started = std::time::Instant::now();
        let (weights, validation_ndcg) = match &p.weights {
            Some(w) => (w.clone(), None),
            None => {
                let split = validation_split(train, p.validation_fraction, ctx.seed)?;
                let parts = self.fit_components(&split.train, content, ctx.seed, threads)?;
                let pool = crate::engine::thread_pool(threads)?;
                let (w, ndcg) = pool.install(|| {
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
        let parts = self.fit_components(train, content, ctx.seed, threads)?;
        let sim = combine(&parts, &weights);
        ctx.profile.update += started.elapsed().as_secs_f64();
        let mut params = params_value(p)?;
        params["learned_weights"] = serde_json::json!(weights);
        params["validation_ndcg"] = serde_json::json!(validation_ndcg);
        // A saved hybrid is reloaded as it is; the weights it found stay in `params`.
        if let Some(obj) = params.as_object_mut() {
            obj.insert("weights".into(), serde_json::json!(weights));
        }
        Ok(ItemItemModel::new(KIND, params, train, sim))
    }
}

impl Fit for HybridValidParams {
    type Model = ItemItemModel;

    /// Fits a hybrid without content-based components (those need
    /// [`HybridValidParams::fit_with_content`]).
    fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<ItemItemModel> {
        self.fit_with_content(train, &[], ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ModelSpec;
    use crate::knn::{SimilarityParams, cf_similarity};
    use crate::recommender::Recommender;

    #[test]
    fn a_config_table_with_tagged_components_reads() {
        let spec: ModelSpec = serde_json::from_value(serde_json::json!({
            "kind": "hybrid",
            "rounds": 1,
            "components": [
                {"kind": "item-knn", "neighbours": 20},
                {"kind": "item-knn-cbf", "features": ["genres", "years"]},
                {"kind": "slim-mse", "epochs": 1}
            ]
        }))
        .unwrap();
        let ModelSpec::Hybrid(p) = &spec else {
            panic!("not a hybrid: {spec:?}")
        };
        assert_eq!(p.components.len(), 3);
        assert_eq!(spec.content_files().len(), 1);
        assert!(spec.check().is_ok());
        let bad = serde_json::from_value::<ModelSpec>(serde_json::json!({
            "kind": "hybrid", "components": [{"kind": "item-knn", "neighbors": 20}]
        }));
        assert!(bad.is_err());
    }

    #[test]
    fn fixed_weights_give_the_weighted_sum_of_scaled_components() {
        let train = Interactions::from_index_triplets(
            4,
            4,
            &[
                (0, 0, 1.0),
                (0, 1, 1.0),
                (1, 1, 1.0),
                (1, 2, 1.0),
                (2, 0, 1.0),
                (2, 3, 1.0),
                (3, 2, 1.0),
            ],
        )
        .unwrap();
        let cos = SimilarityParams {
            shrink: 0.0,
            ..Default::default()
        };
        let jac = SimilarityParams {
            similarity: crate::knn::Similarity::Jaccard,
            shrink: 0.0,
            ..Default::default()
        };
        let p = HybridParams {
            components: vec![
                Component::ItemKnn((&cos).into()),
                Component::ItemKnn((&jac).into()),
            ],
            weights: Some(vec![2.0, 0.5]),
            ..Default::default()
        };
        let m = p
            .check()
            .unwrap()
            .fit(&train, &mut FitContext::new(1, 1))
            .unwrap();
        let (a, b) = (cf_similarity(&train, &cos), cf_similarity(&train, &jac));
        let (ma, mb) = (a.max_abs(), b.max_abs());
        for j in 0..4 {
            for i in 0..4 {
                let want = 2.0 * a.get(j, i) / ma + 0.5 * b.get(j, i) / mb;
                assert!((m.similarity().get(j, i) - want).abs() < 1e-6);
            }
        }
        assert_eq!(m.kind(), KIND);
        assert_eq!(m.params()["learned_weights"], serde_json::json!([2.0, 0.5]));
    }

    #[test]
    fn bad_weights_and_empty_components_are_named() {
        let e = HybridParams::default().check().unwrap_err().to_string();
        assert!(e.contains("components"), "{e}");
        let p = HybridParams {
            components: vec![Component::ItemKnn(ItemKnnParams::default())],
            weights: Some(vec![1.0, 2.0]),
            ..Default::default()
        };
        assert!(p.check().unwrap_err().to_string().contains("weights"));
    }
}
