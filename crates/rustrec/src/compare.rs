//! Comparing models on one split: `rustrec compare`.
//!
//! Every configuration is trained on the same train/test pair (the first configuration's
//! data and split, read once) and evaluated with per-user results ([`assess`]): ranking
//! metrics per evaluated user (`per_user: true` of the full or sampled protocol), and for
//! rating models each user's RMSE and MAE over their test ratings. For every metric, the
//! model with the best mean is the reference, and each other model is tested against it
//! on the users both were evaluated on ([`crate::stats`]: the Wilcoxon signed-rank test,
//! normal approximation, zeros dropped, no continuity correction — scipy's defaults — and
//! the paired t-test), two-sided. No correction for multiple comparisons is applied: with
//! many metrics and models, read a p-value near 0.05 with care.
//!
//! A rating error per user is that user's RMSE (MAE), so the paired tests on `rmse` compare
//! per-user errors, while the reported `rmse` is the error over all test ratings.

use std::collections::{BTreeMap, HashMap};

use rustrec_data::{Interactions, ItemIdx, UserIdx};
use rustrec_eval::{RankingConfig, SampledConfig, evaluate_ranking, evaluate_ratings_with_train};
use rustrec_models::{EpochReport, Recommender, Task, TrainedModel};
use serde_json::{Map, Value, json};

use crate::experiment::{
    EvalConfig, ExperimentConfig, ExperimentError, LoadedData, Result, RunHooks, RunOptions,
    run_with,
};
use crate::stats::{ZeroMethod, paired_t, wilcoxon};
use crate::tune::samplers::Direction;

/// A model's test figures with per-user values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Assessment {
    /// Metric values over the test set, in report order.
    pub metrics: Vec<(String, f64)>,
    /// Per metric, the value of each evaluated user (raw user id, value).
    pub per_user: BTreeMap<String, Vec<(String, f64)>>,
}

impl Assessment {
    /// The value of metric `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics.iter().find(|(n, _)| n == name).map(|m| m.1)
    }
}

/// Evaluates `model` on `test` (training data `train`, for excluding seen items and cold
/// counts) as `eval` says — rating errors for rating models, ranking metrics for ranking
/// models, or as forced in `eval` — keeping per-user values. `ranking` adds ranking metrics
/// whatever the task (a report's popularity-bias figures need top-N lists).
pub fn assess(
    model: &TrainedModel,
    train: &Interactions,
    test: &Interactions,
    eval: &EvalConfig,
    ranking: bool,
) -> Result<Assessment> {
    let task = model.task();
    let mut out = Assessment::default();
    if eval.rating.unwrap_or(task == Task::Rating) {
        let m = evaluate_ratings_with_train(model, test, train)?;
        out.metrics.push(("rmse".into(), m.rmse));
        out.metrics.push(("mae".into(), m.mae));
        let (rmse, mae) = per_user_rating_errors(model, test);
        out.per_user.insert("rmse".into(), rmse);
        out.per_user.insert("mae".into(), mae);
    }
    if ranking || eval.ranking.unwrap_or(task == Task::Ranking) {
        let m = match eval.protocol.as_str() {
            "full" => {
                let cfg = RankingConfig {
                    per_user: true,
                    ..RankingConfig::with_cutoffs(&eval.cutoffs)
                };
                evaluate_ranking(model, train, test, &cfg)?
            }
            "sampled" => {
                let mut s = SampledConfig::new(eval.negatives, eval.sampling_seed());
                s.cutoffs = eval.cutoffs.clone();
                s.per_user = true;
                rustrec_eval::evaluate_sampled(model, train, test, &s)?
            }
            other => {
                return Err(ExperimentError::Config(format!(
                    "eval.protocol = {other:?}: expected \"full\" or \"sampled\""
                )));
            }
        };
        out.metrics.extend(m.values.iter().cloned());
        if let Some(pu) = &m.per_user {
            for name in &pu.names {
                if let Some(col) = pu.column(name) {
                    let values = pu
                        .rows
                        .iter()
                        .zip(col)
                        .map(|(r, v)| (r.user.clone(), v))
                        .collect();
                    out.per_user.insert(name.clone(), values);
                }
            }
        }
    }
    Ok(out)
}

/// Per-user values of one metric: (raw user id, value).
type PerUser = Vec<(String, f64)>;

/// Each test user's RMSE and MAE (raw user id, value), in user order.
fn per_user_rating_errors(model: &dyn Recommender, test: &Interactions) -> (PerUser, PerUser) {
    let (mut rmse, mut mae) = (Vec::new(), Vec::new());
    for u in 0..test.n_users() {
        let user = UserIdx(u as u32);
        let row = test.row(user);
        if row.is_empty() {
            continue;
        }
        let (mut se, mut ae) = (0.0, 0.0);
        for (&i, &r) in row.items.iter().zip(row.values) {
            let e = f64::from(model.predict(user, ItemIdx(i))) - f64::from(r);
            se += e * e;
            ae += e.abs();
        }
        let n = row.items.len() as f64;
        let id = test.user_ids().raw(u as u32).to_string();
        rmse.push((id.clone(), (se / n).sqrt()));
        mae.push((id, ae / n));
    }
    (rmse, mae)
}

/// One model of a comparison.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The configuration's `name`, or the file's.
    pub name: String,
    /// The model kind.
    pub kind: String,
    /// What the model is for.
    pub task: Task,
    /// Test metrics and per-user values.
    pub assessment: Assessment,
    /// The run's other figures (sizes, times, epochs).
    pub figures: Map<String, Value>,
    /// One report per epoch of the fit.
    pub history: Vec<EpochReport>,
    /// The metric early stopping watched, if any.
    pub tracked: Option<String>,
}

/// The paired tests of one model against the best on one metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Wilcoxon signed-rank p-value.
    pub wilcoxon: f64,
    /// Paired t-test p-value.
    pub t: f64,
    /// Users paired.
    pub users: usize,
}

/// Models compared on one split.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The models, in the order given.
    pub entries: Vec<Entry>,
    /// Per metric, the index of the best model.
    pub best: BTreeMap<String, usize>,
    /// Per model, per metric, its tests against the best (absent for the best itself and
    /// for metrics without per-user values, such as coverage).
    pub tests: Vec<BTreeMap<String, Paired>>,
    /// Sizes of the split.
    pub train_interactions: usize,
    /// Sizes of the split.
    pub test_interactions: usize,
}

impl Comparison {
    /// The JSON of `compare --json`: `{"models": [{"name", "kind", "metrics", "p_value",
    /// "p_value_t", "users_paired"}], "best": {metric: name}, ...}`.
    pub fn to_json(&self) -> Value {
        let num = |v: f64| serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number);
        let models: Vec<Value> = self
            .entries
            .iter()
            .zip(&self.tests)
            .map(|(e, tests)| {
                let metrics: Map<String, Value> = e
                    .assessment
                    .metrics
                    .iter()
                    .map(|(k, v)| (k.clone(), num(*v)))
                    .collect();
                let pw: Map<String, Value> = tests
                    .iter()
                    .map(|(k, p)| (k.clone(), num(p.wilcoxon)))
                    .collect();
                let pt: Map<String, Value> =
                    tests.iter().map(|(k, p)| (k.clone(), num(p.t))).collect();
                let users: Map<String, Value> = tests
                    .iter()
                    .map(|(k, p)| (k.clone(), json!(p.users)))
                    .collect();
                json!({
                    "name": e.name,
                    "kind": e.kind,
                    "task": e.task.name(),
                    "metrics": metrics,
                    "p_value": pw,
                    "p_value_t": pt,
                    "users_paired": users,
                    "train_seconds": e.figures.get("train_seconds").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
        let best: Map<String, Value> = self
            .best
            .iter()
            .map(|(k, &i)| (k.clone(), json!(self.entries[i].name)))
            .collect();
        json!({
            "models": models,
            "best": best,
            "train_interactions": self.train_interactions,
            "test_interactions": self.test_interactions,
        })
    }
}

/// Trains and assesses every configuration on `data`, then tests each model against the
/// best on every metric. `ranking` adds ranking metrics to rating models (for a report);
/// they are added also when rating and ranking models are compared together, so that every
/// model has the ranking metrics (a ranking model has no rating error to set beside a rating
/// model's). `on_model` sees each entry as it is done.
///
/// Refused before any training: no configs, and two configs of one name (the table, the
/// JSON and `best` name models by it, so the two could not be told apart).
pub fn compare(
    configs: &[(String, ExperimentConfig)],
    data: &LoadedData,
    opts: &RunOptions<'_>,
    ranking: bool,
    on_model: &mut dyn FnMut(&Entry),
) -> Result<Comparison> {
    if configs.is_empty() {
        return Err(ExperimentError::Config(
            "compare needs at least one config".into(),
        ));
    }
    check_distinct_names(configs.iter().map(|(name, _)| name.as_str()))?;
    let mixed_tasks = configs
        .iter()
        .any(|(_, cfg)| cfg.model.task() != configs[0].1.model.task());
    let ranking = ranking || mixed_tasks;
    let mut entries = Vec::new();
    for (name, cfg) in configs {
        let hooks = RunHooks {
            evaluate_test: false,
            data: Some(data),
            ..RunHooks::default()
        };
        let outcome = run_with(cfg, opts, hooks)?;
        let pool = match opts.threads {
            Some(t) => t.clone(),
            None => rustrec_models::Threads::new(cfg.train.threads)
                .map_err(rustrec_models::ModelError::from)?,
        };
        let assessment = pool.install(|| {
            assess(
                &outcome.model,
                &outcome.data.train,
                &outcome.data.test,
                &cfg.eval,
                ranking,
            )
        })?;
        let tracked = cfg.validation.as_ref().map(|v| {
            v.metric
                .clone()
                .unwrap_or_else(|| match outcome.model.task() {
                    Task::Rating => "rmse".into(),
                    Task::Ranking => "ndcg@10".into(),
                })
        });
        let entry = Entry {
            name: name.clone(),
            kind: cfg.model.kind().to_string(),
            task: outcome.model.task(),
            assessment,
            figures: outcome.figures,
            history: outcome.history,
            tracked,
        };
        on_model(&entry);
        entries.push(entry);
    }
    let (best, tests) = paired_tests(&entries);
    Ok(Comparison {
        entries,
        best,
        tests,
        train_interactions: data.train.nnz(),
        test_interactions: data.test.nnz(),
    })
}

/// Refuses two models of one name, naming it and the positions (1-based) of both.
pub fn check_distinct_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (k, name) in names.into_iter().enumerate() {
        if let Some(first) = seen.insert(name, k) {
            return Err(ExperimentError::Config(format!(
                "models {} and {} are both named {name:?}; the comparison names models by \
                 their name, so give each config a distinct `name = \"...\"`",
                first + 1,
                k + 1
            )));
        }
    }
    Ok(())
}

/// The best model per metric and the tests of the others against it.
pub fn paired_tests(entries: &[Entry]) -> (BTreeMap<String, usize>, Vec<BTreeMap<String, Paired>>) {
    let mut best: BTreeMap<String, usize> = BTreeMap::new();
    for (k, e) in entries.iter().enumerate() {
        for (name, v) in &e.assessment.metrics {
            if v.is_nan() {
                continue;
            }
            let dir = Direction::of_metric(name);
            match best.get(name) {
                Some(&b)
                    if !entries[b]
                        .assessment
                        .get(name)
                        .is_none_or(|bv| dir.better(*v, bv)) => {}
                _ => {
                    best.insert(name.clone(), k);
                }
            }
        }
    }
    let mut tests = vec![BTreeMap::new(); entries.len()];
    for (name, &b) in &best {
        let Some(reference) = entries[b].assessment.per_user.get(name) else {
            continue;
        };
        let by_user: HashMap<&str, f64> = reference.iter().map(|(u, v)| (u.as_str(), *v)).collect();
        for (k, e) in entries.iter().enumerate() {
            if k == b {
                continue;
            }
            let Some(mine) = e.assessment.per_user.get(name) else {
                continue;
            };
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for (u, v) in mine {
                if let Some(&r) = by_user.get(u.as_str()) {
                    x.push(*v);
                    y.push(r);
                }
            }
            let users = x
                .iter()
                .zip(&y)
                .filter(|(a, b)| !a.is_nan() && !b.is_nan())
                .count();
            let w = wilcoxon(&x, &y, ZeroMethod::Wilcox, false).map_or(1.0, |r| r.p_value);
            let t = paired_t(&x, &y).map_or(f64::NAN, |r| r.p_value);
            tests[k].insert(
                name.clone(),
                Paired {
                    wilcoxon: w,
                    t,
                    users,
                },
            );
        }
    }
    (best, tests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustrec_data::NoProgress;

    fn entry(name: &str, metric: &str, values: &[f64]) -> Entry {
        let per: Vec<(String, f64)> = values
            .iter()
            .enumerate()
            .map(|(u, v)| (u.to_string(), *v))
            .collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let mut a = Assessment::default();
        a.metrics.push((metric.into(), mean));
        a.per_user.insert(metric.into(), per);
        Entry {
            name: name.into(),
            kind: "x".into(),
            task: Task::Ranking,
            assessment: a,
            figures: Map::new(),
            history: vec![],
            tracked: None,
        }
    }

    #[test]
    fn each_model_is_tested_against_the_best_on_the_same_users() {
        let good: Vec<f64> = (0..60).map(|u| 0.5 + 0.004 * u as f64).collect();
        // Symmetric differences: no systematic shift.
        let close: Vec<f64> = good
            .iter()
            .enumerate()
            .map(|(u, v)| v - 1e-6 + 0.001 * ((u % 4) as f64 - 1.5))
            .collect();
        let poor: Vec<f64> = good.iter().map(|v| v - 0.1).collect();
        let entries = vec![
            entry("poor", "ndcg@10", &poor),
            entry("good", "ndcg@10", &good),
            entry("close", "ndcg@10", &close),
        ];
        let (best, tests) = paired_tests(&entries);
        assert_eq!(best["ndcg@10"], 1);
        assert!(tests[1].is_empty());
        assert!(tests[0]["ndcg@10"].wilcoxon < 1e-6 && tests[0]["ndcg@10"].t < 1e-6);
        assert!(tests[2]["ndcg@10"].wilcoxon > 0.05, "{:?}", tests[2]);
        assert_eq!(tests[0]["ndcg@10"].users, 60);
        // Lower is better for errors.
        let entries = vec![entry("a", "rmse", &good), entry("b", "rmse", &poor)];
        assert_eq!(paired_tests(&entries).0["rmse"], 1);
    }

    /// Regression: two configs of one name were compared as two models of one name, which
    /// `best` and the JSON could not tell apart.
    #[test]
    fn compare_refuses_two_models_of_one_name_naming_it_and_both_positions() {
        check_distinct_names(["a", "b", "c"]).unwrap();
        let e = check_distinct_names(["a", "b", "a"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("models 1 and 3 are both named \"a\""), "{e}");
        assert!(e.contains("name = "), "{e}");
    }

    #[test]
    fn models_on_one_split_get_metrics_and_p_values() {
        let cfg = |kind: &str, extra: &str| {
            ExperimentConfig::from_toml(&format!(
                "[data]\nsynthetic = {{ like = \"ml-100k\", seed = 4 }}\nimplicit_threshold = 4.0\n\
                 [split]\nkind = \"holdout\"\ntest_fraction = 0.2\n[model]\nkind = \"{kind}\"\n{extra}\n\
                 [train]\nthreads = 1\n[eval]\ncutoffs = [10]"
            ))
            .unwrap()
        };
        let configs = vec![
            ("pop".to_string(), cfg("top-pop", "")),
            ("bpr".to_string(), cfg("bpr", "factors = 8\nepochs = 3")),
        ];
        let data = crate::experiment::load(
            &configs[0].1.data,
            configs[0].1.split.as_ref(),
            None,
            &NoProgress,
        )
        .unwrap();
        let opts = RunOptions {
            data_dir: None,
            progress: &NoProgress,
            threads: None,
        };
        let mut names = Vec::new();
        let c = compare(&configs, &data, &opts, false, &mut |e| {
            names.push(e.name.clone())
        })
        .unwrap();
        assert_eq!(names, vec!["pop", "bpr"]);
        let j = c.to_json();
        assert_eq!(j["models"].as_array().unwrap().len(), 2);
        for m in j["models"].as_array().unwrap() {
            assert!(m["metrics"]["ndcg@10"].as_f64().is_some());
        }
        let b = c.best["ndcg@10"];
        let other = 1 - b;
        let p = c.tests[other]["ndcg@10"];
        assert!((0.0..=1.0).contains(&p.wilcoxon) && p.users > 100, "{p:?}");
        assert!(!c.tests[b].contains_key("ndcg@10"));
    }
}
