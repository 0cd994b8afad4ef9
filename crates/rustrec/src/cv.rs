//! Cross-validation: `rustrec cv`.
//!
//! The configuration runs once per fold, each fold's test set held out from its training
//! set, and every evaluation figure is reported per fold, with its mean and standard
//! deviation over the folds.
//!
//! Folds ([`Folds`]):
//! * [`Folds::Random`]: all the configuration's data — its `ratings` file (or synthetic
//!   data), or its `train` and `test` files together — is cut into `k` folds of
//!   interactions at random (seeded): every interaction is in exactly one test fold, the
//!   fold sizes differ by at most one, and fold `f`'s training set is the other `k − 1`
//!   folds (Surprise's `KFold`, per interaction rather than per user);
//! * [`Folds::Files`]: predefined pairs, such as MovieLens 100K's `u1.base`/`u1.test` …
//!   `u5.base`/`u5.test`, given by a pattern `TRAIN,TEST` in which `{}` stands for the fold
//!   number 1..=k: `u{}.base,u{}.test`. Relative paths are resolved like the
//!   configuration's data paths (against `--data-dir`).
//!
//! Each fold runs the whole configuration — its `[validation]` (carved from the fold's
//! training set), early stopping, refit — and is evaluated on the fold's test set. The
//! standard deviation is the sample one (denominator `k − 1`), `null` over a single fold.

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustrec_data::split::SplitReport;
use rustrec_data::{Interactions, Progress};
use serde_json::{Map, Value, json};

use crate::experiment::{
    DataConfig, ExperimentConfig, ExperimentError, LoadedData, Outcome, Result, RunHooks,
    RunOptions, SplitConfig, load, run_with,
};
use crate::tune::study::is_metric_name;

/// How the data is cut into folds.
#[derive(Clone, Debug, PartialEq)]
pub enum Folds {
    /// `k` seeded random folds of the configuration's interactions.
    Random {
        /// Number of folds (≥ 2).
        k: usize,
        /// Seed of the assignment.
        seed: u64,
    },
    /// Predefined train/test file pairs.
    Files {
        /// `TRAIN,TEST` with `{}` for the fold number (1-based).
        pattern: String,
        /// Number of folds.
        k: usize,
    },
}

/// What a cross-validation gives.
#[derive(Clone, Debug, PartialEq)]
pub struct CvOutcome {
    /// One object of figures per fold (`fold`, sizes, evaluation metrics, training time).
    pub folds: Vec<Map<String, Value>>,
    /// Mean of every numeric figure over the folds.
    pub mean: Map<String, Value>,
    /// Sample standard deviation of every numeric figure over the folds; `null` for each
    /// figure when there is one fold, where it is undefined (see [`summarize`]).
    pub std: Map<String, Value>,
}

fn bad(msg: String) -> ExperimentError {
    ExperimentError::Config(msg)
}

/// The entries of `a` and `b` together (same id space, no common pair).
pub fn union(a: &Interactions, b: &Interactions) -> Result<Interactions> {
    if !a.same_id_space(b) {
        return Err(bad("cannot merge data of two id spaces".into()));
    }
    let with_ts = a.timestamps().is_some() && b.timestamps().is_some();
    let mut indptr = Vec::with_capacity(a.n_users() + 1);
    let mut items = Vec::with_capacity(a.nnz() + b.nnz());
    let mut values = Vec::with_capacity(a.nnz() + b.nnz());
    let mut stamps: Vec<i64> = Vec::new();
    indptr.push(0);
    let (ap, bp) = (a.user_ptr(), b.user_ptr());
    for u in 0..a.n_users() {
        let (mut i, mut j) = (ap[u], bp[u]);
        while i < ap[u + 1] || j < bp[u + 1] {
            let take_a =
                j >= bp[u + 1] || (i < ap[u + 1] && a.item_indices()[i] < b.item_indices()[j]);
            let (x, k) = if take_a { (a, i) } else { (b, j) };
            if !take_a && i < ap[u + 1] && a.item_indices()[i] == b.item_indices()[j] {
                return Err(bad(format!(
                    "train and test both hold (user {}, item {})",
                    a.user_ids().raw(u as u32),
                    a.item_ids().raw(a.item_indices()[i])
                )));
            }
            items.push(x.item_indices()[k]);
            values.push(x.values()[k]);
            if with_ts {
                stamps.push(x.timestamps().map_or(0, |t| t[k]));
            }
            if take_a {
                i += 1;
            } else {
                j += 1;
            }
        }
        indptr.push(items.len());
    }
    Ok(Interactions::from_csr(
        a.user_ids().clone(),
        a.item_ids().clone(),
        indptr,
        items,
        values,
        with_ts.then_some(stamps),
    )?)
}

/// `k` random folds of `x` (see the module docs): fold `f` is `(train, test)`.
pub fn random_folds(
    x: &Interactions,
    k: usize,
    seed: u64,
) -> Result<Vec<(Interactions, Interactions)>> {
    if k < 2 || k > x.nnz() {
        return Err(bad(format!(
            "folds = {k}: expected 2 to {} (the number of interactions)",
            x.nnz()
        )));
    }
    let n = x.nnz();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xC0F0_1D5E_ED00_0000);
    for j in (1..n).rev() {
        order.swap(j, rng.random_range(0..=j));
    }
    let mut fold = vec![0usize; n];
    for (rank, &pos) in order.iter().enumerate() {
        fold[pos] = rank % k;
    }
    Ok((0..k)
        .map(|f| {
            (
                x.filter(|_, _, _, pos| fold[pos] != f),
                x.filter(|_, _, _, pos| fold[pos] == f),
            )
        })
        .collect())
}

/// The train and test files of fold `fold` (1-based) of a `TRAIN,TEST` pattern.
pub fn fold_files(pattern: &str, fold: usize) -> Result<(PathBuf, PathBuf)> {
    let (train, test) = pattern.split_once(',').ok_or_else(|| {
        bad(format!(
            "--folds-files {pattern:?}: expected TRAIN,TEST with {{}} for the fold number, \
             such as u{{}}.base,u{{}}.test"
        ))
    })?;
    if !train.contains("{}") || !test.contains("{}") {
        return Err(bad(format!(
            "--folds-files {pattern:?}: both files need {{}} where the fold number (1, 2, ...) goes"
        )));
    }
    let n = fold.to_string();
    Ok((
        PathBuf::from(train.trim().replace("{}", &n)),
        PathBuf::from(test.trim().replace("{}", &n)),
    ))
}

fn loaded(train: Interactions, test: Interactions, format: Option<String>) -> LoadedData {
    LoadedData {
        report: SplitReport::compute(&train, &test),
        train,
        test,
        seconds: 0.0,
        lines: 0,
        skipped_rows: 0,
        format,
    }
}

/// The train/test pair of every fold of `cfg`'s data.
pub fn fold_data(
    cfg: &ExperimentConfig,
    folds: &Folds,
    data_dir: Option<&Path>,
    progress: &dyn Progress,
) -> Result<Vec<LoadedData>> {
    match folds {
        Folds::Random { k, seed } => {
            // Any split reads the data; its two parts are merged back.
            let split = cfg.split.clone().or_else(|| {
                (cfg.data.ratings.is_some() || cfg.data.synthetic.is_some()).then_some(
                    SplitConfig::Holdout {
                        test_fraction: 0.5,
                        seed: 0,
                    },
                )
            });
            let data = load(&cfg.data, split.as_ref(), data_dir, progress)?;
            let all = union(&data.train, &data.test)?;
            Ok(random_folds(&all, *k, *seed)?
                .into_iter()
                .map(|(train, test)| loaded(train, test, data.format.clone()))
                .collect())
        }
        Folds::Files { pattern, k } => {
            if *k == 0 {
                return Err(bad("folds = 0: give at least one fold".into()));
            }
            (1..=*k)
                .map(|f| {
                    let (train, test) = fold_files(pattern, f)?;
                    let dc = DataConfig {
                        ratings: None,
                        synthetic: None,
                        train: Some(train),
                        test: Some(test),
                        ..cfg.data.clone()
                    };
                    load(&dc, None, data_dir, progress)
                })
                .collect()
        }
    }
}

/// Runs `cfg` on every fold; `on_fold` sees each fold's number (1-based) and outcome.
pub fn cross_validate(
    cfg: &ExperimentConfig,
    folds: &Folds,
    opts: &RunOptions<'_>,
    on_fold: &mut dyn FnMut(usize, &Outcome),
) -> Result<CvOutcome> {
    let data = fold_data(cfg, folds, opts.data_dir, opts.progress)?;
    let mut out = Vec::new();
    for (f, d) in data.iter().enumerate() {
        let hooks = RunHooks {
            data: Some(d),
            ..RunHooks::default()
        };
        let outcome = run_with(cfg, opts, hooks)?;
        on_fold(f + 1, &outcome);
        let mut figures = Map::new();
        figures.insert("fold".into(), json!(f + 1));
        for (k, v) in &outcome.figures {
            let keep = is_metric_name(k)
                || k.starts_with("validation_")
                || matches!(
                    k.as_str(),
                    "train_interactions"
                        | "test_interactions"
                        | "train_seconds"
                        | "epochs_run"
                        | "best_epoch"
                        | "users_evaluated"
                );
            if keep {
                figures.insert(k.clone(), v.clone());
            }
        }
        out.push(figures);
    }
    let (mean, std) = summarize(&out);
    Ok(CvOutcome {
        folds: out,
        mean,
        std,
    })
}

/// Mean and sample standard deviation of every numeric figure present in all folds
/// (`fold` excluded). The std map has the mean's keys; over a single fold each std is
/// `null`: the sample deviation divides by K − 1 = 0, and 0 would claim a spread that was
/// never measured (`rustrec cv` reports the same `null`).
pub fn summarize(folds: &[Map<String, Value>]) -> (Map<String, Value>, Map<String, Value>) {
    let (mut mean, mut std) = (Map::new(), Map::new());
    let Some(first) = folds.first() else {
        return (mean, std);
    };
    for key in first.keys().filter(|k| *k != "fold") {
        let xs: Vec<f64> = folds
            .iter()
            .filter_map(|f| f.get(key).and_then(Value::as_f64))
            .collect();
        if xs.len() != folds.len() {
            continue;
        }
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let num = |v: f64| serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number);
        let sd = if xs.len() > 1 {
            let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
            num(var.sqrt())
        } else {
            Value::Null
        };
        mean.insert(key.clone(), num(m));
        std.insert(key.clone(), sd);
    }
    (mean, std)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustrec_data::NoProgress;

    fn data() -> Interactions {
        let rows: Vec<(u32, u32, f32)> = (0..40u32)
            .flat_map(|u| (0..7u32).map(move |i| (u, (u * 3 + i * 5) % 23, 1.0 + (i % 5) as f32)))
            .collect();
        let mut rows = rows;
        rows.sort_unstable_by_key(|r| (r.0, r.1));
        rows.dedup_by_key(|r| (r.0, r.1));
        Interactions::from_index_triplets(40, 23, &rows).unwrap()
    }

    #[test]
    fn every_interaction_is_in_exactly_one_test_fold() {
        let x = data();
        let folds = random_folds(&x, 5, 3).unwrap();
        assert_eq!(folds.len(), 5);
        let mut seen = std::collections::BTreeMap::new();
        for (train, test) in &folds {
            assert_eq!(train.nnz() + test.nnz(), x.nnz());
            assert!(test.nnz() >= x.nnz() / 5 && test.nnz() <= x.nnz() / 5 + 1);
            for (u, i, v) in test.iter() {
                assert!(!train.contains(u, i));
                assert_eq!(x.get(u, i), Some(v));
                *seen.entry((u.0, i.0)).or_insert(0) += 1;
            }
        }
        assert_eq!(seen.len(), x.nnz());
        assert!(seen.values().all(|&c| c == 1));
        // Seeded.
        assert_eq!(
            random_folds(&x, 5, 3).unwrap()[2].1.fingerprint(),
            folds[2].1.fingerprint()
        );
        assert_ne!(
            random_folds(&x, 5, 4).unwrap()[2].1.fingerprint(),
            folds[2].1.fingerprint()
        );
        assert!(random_folds(&x, 1, 3).is_err());
    }

    #[test]
    fn union_merges_a_split_back() {
        let x = data();
        let s = rustrec_data::split::holdout(&x, 0.3, 1).unwrap();
        assert_eq!(
            union(&s.train, &s.test).unwrap().fingerprint(),
            x.fingerprint()
        );
        assert!(union(&x, &s.test).is_err());
    }

    #[test]
    fn fold_patterns_name_both_files() {
        let (a, b) = fold_files("u{}.base,u{}.test", 3).unwrap();
        assert_eq!(
            (a.to_str().unwrap(), b.to_str().unwrap()),
            ("u3.base", "u3.test")
        );
        assert!(fold_files("u1.base,u1.test", 1).is_err());
        assert!(fold_files("u{}.base", 1).is_err());
    }

    #[test]
    fn summaries_take_mean_and_sample_std() {
        let folds: Vec<Map<String, Value>> = [1.0, 2.0, 3.0]
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let mut m = Map::new();
                m.insert("fold".into(), json!(k + 1));
                m.insert("rmse".into(), json!(v));
                m
            })
            .collect();
        let (mean, std) = summarize(&folds);
        assert_eq!(mean["rmse"], json!(2.0));
        assert_eq!(std["rmse"], json!(1.0));
        assert!(!mean.contains_key("fold"));
    }

    /// Regression: over one fold `summarize` gave every figure a standard deviation of 0,
    /// a spread never measured (the sample deviation divides by K − 1 = 0), while
    /// `rustrec cv` reported `null`. The library now gives `null` too, under the mean's keys.
    #[test]
    fn one_fold_has_a_null_standard_deviation_not_0() {
        let mut fold = Map::new();
        fold.insert("fold".into(), json!(1));
        fold.insert("rmse".into(), json!(0.93));
        fold.insert("ndcg@10".into(), json!(0.25));
        let (mean, std) = summarize(std::slice::from_ref(&fold));
        assert_eq!(mean["rmse"], json!(0.93));
        assert_eq!(
            std.keys().collect::<Vec<_>>(),
            mean.keys().collect::<Vec<_>>()
        );
        assert!(std.values().all(Value::is_null), "{std:?}");
        // Two equal folds measure a spread of 0: a number, not null.
        let mut other = fold.clone();
        other.insert("fold".into(), json!(2));
        let (_, std) = summarize(&[fold, other]);
        assert_eq!(std["rmse"], json!(0.0));
    }

    #[test]
    fn a_cross_validation_runs_every_fold_of_a_config() {
        let cfg = ExperimentConfig::from_toml(
            r#"
            [data]
            synthetic = { like = "ml-100k", seed = 2 }
            [split]
            kind = "holdout"
            test_fraction = 0.1
            [model]
            kind = "mf"
            factors = 4
            epochs = 3
            [train]
            threads = 1
            "#,
        )
        .unwrap();
        let opts = RunOptions {
            data_dir: None,
            progress: &NoProgress,
            threads: None,
        };
        let mut seen = Vec::new();
        let cv = cross_validate(
            &cfg,
            &Folds::Random { k: 3, seed: 1 },
            &opts,
            &mut |f, _| seen.push(f),
        )
        .unwrap();
        assert_eq!(seen, vec![1, 2, 3]);
        assert_eq!(cv.folds.len(), 3);
        let total: u64 = cv
            .folds
            .iter()
            .map(|f| f["test_interactions"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 100_000);
        assert!(cv.mean["rmse"].as_f64().unwrap() > 0.5);
        assert!(cv.std["rmse"].as_f64().unwrap() >= 0.0);
    }
}
