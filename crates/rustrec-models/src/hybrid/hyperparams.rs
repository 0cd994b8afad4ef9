//! Hybrid parameters, unchecked ([`HybridParams`]) and checked ([`HybridValidParams`]).

use serde::Serialize;

use crate::error::{ModelError, Result};
use crate::knn::{ContentFiles, ItemKnn, ItemKnnCbf};
use crate::params::{Hyperparams, Rule, RuleValue, hyperparams};
use crate::registry::ModelSpec;

/// A component is any item-based model (its family trains an item × item matrix), given
/// as a table with its `kind`: it must check, and be item-based.
impl RuleValue for ModelSpec {
    fn check_rule(&self, name: &'static str, _: &Rule) -> Result<()> {
        if !self.family().item_based() {
            return Err(ModelError::invalid(
                name,
                format!("a `{}` component", self.kind()),
                "item-based models only (item-knn, item-knn-cbf, slim-mse)",
            ));
        }
        self.check()
    }
}

fn default_components() -> Vec<ModelSpec> {
    vec![
        ModelSpec::of::<ItemKnn>(Default::default()),
        ModelSpec::of::<ItemKnnCbf>(Default::default()),
    ]
}

hyperparams! {
    /// Hybrid of item × item matrices (see [`super`]): `rustrec models hybrid` prints the
    /// table of names, defaults and ranges. The default mixes ItemKNN-CF with ItemKNN-CBF on
    /// genres (give the item file with `fit --item-file`).
    pub struct HybridParams {
        components: Vec<ModelSpec> = default_components(),
            Rule::Own("a list of item-based models (item-knn, item-knn-cbf, slim-mse), each a table with its kind"),
            "The matrices to mix.";
        weights: Option<Vec<f32>> = None, Rule::Own("one finite number per component"),
            "Fixed weights (skips the search).";
        validation_fraction: f64 = 0.2, Rule::Own("in (0, 1)"),
            "Share of training entries held out to learn the weights.";
        weight_grid: Vec<f32> = vec![0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0],
            Rule::Own("a non-empty list of finite numbers"), "Values tried for each weight.";
        rounds: usize = 2, Rule::at_least(1), "Sweeps of coordinate ascent.";
        cutoff: usize = 10, Rule::at_least(1), "k of the NDCG@k that is maximised.";
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
        self.check_ranges()?;
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
        Ok(HybridValidParams(self.clone()))
    }

    /// The content files of the components, in order.
    pub fn content_files(&self) -> Vec<ContentFiles> {
        self.components
            .iter()
            .flat_map(|c| c.content_files())
            .collect()
    }

    /// Points every content-based component at `item_file`.
    pub fn set_item_file(&mut self, item_file: &str) {
        for c in &mut self.components {
            c.set_item_file(item_file);
        }
    }
}

#[cfg(test)]
mod tests {
    use rustrec_core::{Fit, FitContext};
    use rustrec_data::Interactions;

    use super::*;
    use crate::knn::{SimilarityParams, cf_similarity};
    use rustrec_core::Recommender;

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
        let p = spec.params::<HybridParams>().expect("a hybrid");
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
                ModelSpec::of::<ItemKnn>((&cos).into()),
                ModelSpec::of::<ItemKnn>((&jac).into()),
            ],
            weights: Some(vec![2.0, 0.5]),
            ..Default::default()
        };
        let m = p
            .check()
            .unwrap()
            .fit(&train, &mut FitContext::with_threads(1, 1).unwrap())
            .unwrap();
        let (a, b) = (cf_similarity(&train, &cos), cf_similarity(&train, &jac));
        let (ma, mb) = (a.max_abs(), b.max_abs());
        for j in 0..4 {
            for i in 0..4 {
                let want = 2.0 * a.get(j, i) / ma + 0.5 * b.get(j, i) / mb;
                assert!((m.similarity().get(j, i) - want).abs() < 1e-6);
            }
        }
        assert_eq!(m.kind(), "hybrid");
        assert_eq!(m.params()["learned_weights"], serde_json::json!([2.0, 0.5]));
    }

    #[test]
    fn bad_weights_and_empty_components_are_named() {
        let e = HybridParams::default()
            .components(vec![])
            .check()
            .unwrap_err()
            .to_string();
        assert!(e.contains("components"), "{e}");
        let e = HybridParams::default()
            .components(vec![ModelSpec::new("mf").unwrap()])
            .check()
            .unwrap_err()
            .to_string();
        assert!(e.contains("`mf`") && e.contains("item-based"), "{e}");
        let p = HybridParams {
            components: vec![ModelSpec::of::<ItemKnn>(Default::default())],
            weights: Some(vec![1.0, 2.0]),
            ..Default::default()
        };
        assert!(p.check().unwrap_err().to_string().contains("weights"));
    }
}
