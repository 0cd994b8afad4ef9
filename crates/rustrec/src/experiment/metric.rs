//! The names of the metrics a validation run can watch (`validation.metric`, `tune
//! --metric`): one check for every command that takes one.

use super::error::{ExperimentError, Result};

/// Whether `metric` is a rating error (evaluated on ratings, not rankings).
pub fn is_rating_metric(metric: &str) -> bool {
    matches!(metric, "rmse" | "mae" | "mse")
}

/// Checks that `metric` is a figure a validation run computes: a rating error (`rmse`,
/// `mae`, `mse`), `mrr`, `auc`, or a ranking metric at a cutoff (`ndcg@10`), spelled as the
/// reports spell it.
pub fn check_metric(metric: &str) -> Result<()> {
    if is_rating_metric(metric) {
        return Ok(());
    }
    let (name, cutoff) = match metric.split_once('@') {
        Some((n, k)) => (n, Some(k)),
        None => (metric, None),
    };
    let known = rustrec_eval::Metric::ALL
        .into_iter()
        .find(|m| m.name() == name);
    let ok = match (known, cutoff) {
        (Some(m), Some(k)) => m.has_cutoff() && k.parse::<usize>().is_ok_and(|k| k >= 1),
        (Some(m), None) => !m.has_cutoff(),
        (None, _) => false,
    };
    if ok {
        return Ok(());
    }
    let at: Vec<&str> = rustrec_eval::Metric::ALL
        .iter()
        .filter(|m| m.has_cutoff())
        .map(|m| m.name())
        .collect();
    Err(ExperimentError::Config(format!(
        "metric {metric:?} (--metric, or the config's validation.metric): expected rmse, mae, \
         mse, mrr, auc, or NAME@K with K ≥ 1 and NAME one of {} (such as ndcg@10)",
        at.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_checked_as_the_reports_spell_them() {
        for good in ["rmse", "mae", "mse", "auc", "mrr", "ndcg@10", "precision@1"] {
            check_metric(good).unwrap();
        }
        for bad in ["RMSE", "foo", "ndcg@0", "ndcg", "auc@5", "ndcg@x", ""] {
            let e = check_metric(bad).unwrap_err().to_string();
            assert!(
                e.contains(&format!("{bad:?}")) && e.contains("ndcg@10"),
                "{e}"
            );
        }
        assert!(is_rating_metric("mae") && !is_rating_metric("auc"));
    }
}
