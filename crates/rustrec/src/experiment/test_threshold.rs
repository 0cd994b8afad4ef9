//! The implicit threshold a saved model is evaluated with, one rule for `rustrec eval` and
//! the Python package's `evaluate`.
//!
//! A model trained with `implicit_threshold = t` learned from the 1s that ratings ≥ t
//! became, so its test data is thresholded the same way unless the caller gives another
//! threshold. Rating errors are measured when the test values are ratings, or when the model
//! itself learned from a threshold's 1s; a rating model trained on ratings, scored against
//! the 1s of a given threshold, has no meaningful RMSE, so that evaluation is refused
//! unless it only ranks.

use serde_json::Value;

use rustrec_models::Task;

/// How a saved model's test data is read and which figures apply to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TestThreshold {
    /// The threshold the test values go through: the given one, else the training one.
    pub threshold: Option<f32>,
    /// The threshold the caller gave.
    pub given: Option<f32>,
    /// The threshold the model was trained with (its file's `training` record).
    pub trained: Option<f32>,
    /// Whether rating errors (RMSE, MAE) mean something against the test values.
    pub rating_errors_apply: bool,
}

impl TestThreshold {
    /// The rule for a model whose file's `training` record is `training`, evaluated with the
    /// threshold the caller gave (`None`: the training one applies).
    pub fn new(training: &Value, given: Option<f32>) -> Self {
        let trained = trained_implicit_threshold(training);
        let threshold = given.or(trained);
        TestThreshold {
            threshold,
            given,
            trained,
            rating_errors_apply: threshold.is_none() || trained.is_some(),
        }
    }

    /// The given threshold that must be refused: a rating model trained on ratings, asked
    /// for rating errors (`ranking` false) against the 1s the threshold leaves.
    pub fn refused(&self, task: Task, ranking: bool) -> Option<f32> {
        self.given
            .filter(|_| task == Task::Rating && !self.rating_errors_apply && !ranking)
    }
}

/// The implicit threshold a model was trained with, from its file's `training` record
/// ([`super::Outcome::training_record`]: `config.data.implicit_threshold`); `None` for a
/// model trained on the values as they were, or a record without a configuration.
pub fn trained_implicit_threshold(training: &Value) -> Option<f32> {
    let t = training
        .pointer("/config/data/implicit_threshold")?
        .as_f64()?;
    Some(t as f32)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn trained_with(t: Option<f64>) -> Value {
        match t {
            Some(t) => json!({"config": {"data": {"implicit_threshold": t}}}),
            None => json!({"config": {"data": {}}}),
        }
    }

    #[test]
    fn the_training_threshold_applies_unless_another_is_given() {
        let rule = TestThreshold::new(&trained_with(Some(4.0)), None);
        assert_eq!((rule.threshold, rule.trained), (Some(4.0), Some(4.0)));
        assert!(rule.rating_errors_apply);
        let rule = TestThreshold::new(&trained_with(Some(4.0)), Some(3.5));
        assert_eq!((rule.threshold, rule.trained), (Some(3.5), Some(4.0)));
        assert!(rule.rating_errors_apply);
        assert_eq!(rule.refused(Task::Rating, false), None);
    }

    #[test]
    fn a_threshold_given_to_a_rating_model_trained_on_ratings_is_refused_unless_it_ranks() {
        let plain = TestThreshold::new(&trained_with(None), None);
        assert_eq!((plain.threshold, plain.trained), (None, None));
        assert!(plain.rating_errors_apply);
        assert_eq!(plain.refused(Task::Rating, false), None);
        let rule = TestThreshold::new(&trained_with(None), Some(4.0));
        assert_eq!(rule.threshold, Some(4.0));
        assert!(!rule.rating_errors_apply);
        assert_eq!(rule.refused(Task::Rating, false), Some(4.0));
        assert_eq!(rule.refused(Task::Rating, true), None);
        assert_eq!(rule.refused(Task::Ranking, false), None);
    }

    #[test]
    fn a_record_without_a_configuration_has_no_training_threshold() {
        assert_eq!(trained_implicit_threshold(&json!({})), None);
        assert_eq!(trained_implicit_threshold(&json!(null)), None);
        assert_eq!(
            trained_implicit_threshold(&trained_with(Some(3.5))),
            Some(3.5)
        );
    }
}
