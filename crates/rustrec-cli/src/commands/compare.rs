//! `rustrec compare`: several configurations on one split, one table, paired per-user
//! significance tests against the best model (library: `rustrec::compare`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::compare::compare;
use rustrec::experiment::{ExperimentConfig, RunOptions, SplitConfig, load};
use rustrec::models::Threads;

use super::json_difference::{first_difference, json};
use super::report::{check_paths, check_report_path, config_name, data_inputs, read_config};
use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Compare models: every config is trained on one split and evaluated with per-user
/// results; each model is tested against the best on every metric (Wilcoxon signed-rank and
/// paired t, two-sided). The configs give the same [data] and [split] (--split replaces the
/// split for all), evaluate alike (eval.protocol, negatives, seed, drop_cold) and have
/// distinct names; rating models compared with ranking models are ranked as well.
///
/// Example:
///   rustrec compare --config examples/ml1m-ease.toml --config examples/ml1m-ials.toml \
///     --config examples/ml1m-bpr.toml --data-dir ml-1m --report report.html
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Experiment configurations (TOML), one per model; give --config several times.
    #[arg(long, required = true)]
    pub config: Vec<PathBuf>,
    /// Split of the first config's data instead of its own: holdout:FRACTION,
    /// leave-k-out:K or temporal:FRACTION.
    #[arg(long)]
    pub split: Option<String>,
    /// Seed of --split.
    #[arg(long, default_value_t = 42, requires = "split", value_parser = super::common::seed_parser())]
    pub split_seed: u64,
    /// Write an HTML report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Worker threads (default: the first config's train.threads).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Directory that the configs' relative data paths are resolved against.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// The forms `--split` takes, for error messages.
const SPLIT_FORMS: &str = "holdout:F or temporal:F with a test fraction F in (0, 1), or \
                           leave-k-out:K with K ≥ 1 (such as holdout:0.2)";

fn parse_split(spec: &str, seed: u64) -> anyhow::Result<SplitConfig> {
    let (kind, arg) = spec.split_once(':').unwrap_or((spec, ""));
    let fraction = || -> anyhow::Result<f64> {
        arg.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| *f > 0.0 && *f < 1.0)
            .with_context(|| {
                format!("--split {spec}: the test fraction {arg:?} is not a number in (0, 1); expected {SPLIT_FORMS}")
            })
    };
    Ok(match kind {
        "holdout" => SplitConfig::Holdout {
            test_fraction: fraction()?,
            seed,
        },
        "temporal" => SplitConfig::Temporal {
            test_fraction: fraction()?,
        },
        "leave-k-out" => SplitConfig::LeaveKOut {
            k: arg
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|k| *k >= 1)
                .with_context(|| {
                    format!(
                        "--split {spec}: k {arg:?} is not an integer ≥ 1; expected {SPLIT_FORMS}"
                    )
                })?,
            which: rustrec::data::split::LeaveOut::Random,
            seed,
        },
        other => anyhow::bail!("--split {spec}: unknown split {other:?}; expected {SPLIT_FORMS}"),
    })
}

/// The `[eval]` settings that decide which test rows and which candidate items a metric is
/// computed over (protocol, its negatives and seed, cold rows dropped): configs that differ in
/// them would set figures of different measurements side by side. (Cutoffs and the choice of
/// rating or ranking metrics only decide which figures there are.)
/// The protocol comes first, so that a config of another protocol is told so rather than
/// that its `negatives` differ.
fn measurement(eval: &rustrec::experiment::EvalConfig) -> [serde_json::Value; 2] {
    let sampled = eval.protocol == "sampled";
    [
        serde_json::json!({ "protocol": eval.protocol }),
        serde_json::json!({
            "negatives": sampled.then_some(eval.negatives),
            "seed": sampled.then(|| eval.sampling_seed()),
            "drop_cold": eval.drop_cold,
        }),
    ]
}

/// Refuses configs whose `[data]` differ, or whose `[split]` differ unless `--split` replaces
/// them (`split_given`): every model is trained on the first config's data and split, so a
/// later config's own would be silently ignored. Refuses configs whose `[eval]` measures
/// differently ([`measurement`]): their figures could not be compared. The error names both
/// files and the first key that differs.
fn same_data(
    configs: &[(String, ExperimentConfig)],
    paths: &[PathBuf],
    split_given: bool,
) -> anyhow::Result<()> {
    let first = &configs[0].1;
    for ((_, cfg), path) in configs.iter().zip(paths).skip(1) {
        let mut sections = vec![("data", json(&first.data)?, json(&cfg.data)?)];
        if !split_given {
            sections.push(("split", json(&first.split)?, json(&cfg.split)?));
        }
        for (a, b) in measurement(&first.eval)
            .into_iter()
            .zip(measurement(&cfg.eval))
        {
            sections.push(("eval", a, b));
        }
        for (section, a, b) in sections {
            if let Some((key, a, b)) = first_difference(section, &a, &b) {
                if section == "eval" {
                    anyhow::bail!(
                        "--config {}: {key} is {b}, and {a} in the first config ({}); compare \
                         sets the models' figures side by side, so the configs must measure \
                         them alike (the same eval.protocol, eval.negatives, eval.seed and \
                         eval.drop_cold)",
                        path.display(),
                        paths[0].display(),
                    );
                }
                anyhow::bail!(
                    "--config {}: {key} is {b}, and {a} in the first config ({}); compare trains \
                     every model on one data set and split (the first config's), so the configs \
                     must give the same [data]{}",
                    path.display(),
                    paths[0].display(),
                    if split_given {
                        ""
                    } else {
                        " and [split] (or give --split for all)"
                    }
                );
            }
        }
    }
    Ok(())
}

/// Runs `rustrec compare`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let mut configs: Vec<(String, ExperimentConfig)> = Vec::new();
    for (k, path) in args.config.iter().enumerate() {
        let (_, cfg) = read_config(path, &[])?;
        let name = config_name(&cfg, path);
        if let Some(j) = configs.iter().position(|(n, _)| *n == name) {
            let other = &args.config[j];
            if other == path {
                anyhow::bail!(
                    "--config {}: given twice (configs {} and {}); compare each config once",
                    path.display(),
                    j + 1,
                    k + 1
                );
            }
            anyhow::bail!(
                "--config {}: its model is named {name:?}, as is the one of --config {}; the \
                 table and the JSON name models by it, so give each config a distinct \
                 `name = \"...\"` (a config without one is named after its file)",
                path.display(),
                other.display()
            );
        }
        configs.push((name, cfg));
    }
    if configs.len() == 1 {
        eprintln!(
            "note: one config ({}): there is no other model to test it against; give --config \
             once per model to compare",
            args.config[0].display()
        );
    }
    let mut inputs = data_inputs(&configs[0].1, args.data_dir.as_deref());
    for p in &args.config {
        inputs.push(("--config".into(), p.clone()));
    }
    let outputs: Vec<(&str, &std::path::Path)> = args
        .report
        .as_deref()
        .map(|p| ("--report", p))
        .into_iter()
        .collect();
    check_paths(&inputs, &outputs)?;
    if let Some(p) = &args.report {
        check_report_path(p)?;
    }
    let first = &configs[0].1;
    let split = match &args.split {
        Some(s) => Some(parse_split(s, args.split_seed)?),
        None => first.split.clone(),
    };
    if args.split.is_some() && first.data.train.is_some() {
        anyhow::bail!(
            "--split {}: a split applies to one rating file, and the first config ({}) has \
             train and test files (data.train, data.test); give a config with data.ratings \
             first, or leave out --split to use its split",
            args.split.as_deref().unwrap_or_default(),
            args.config[0].display()
        );
    }
    same_data(&configs, &args.config, args.split.is_some())?;
    let threads = Threads::new(args.threads.unwrap_or(first.train.threads))?;
    let bars = Bars::new(globals.quiet);
    let data = load(&first.data, split.as_ref(), args.data_dir.as_deref(), &bars)?;
    let json = globals.json;
    say!(
        json,
        "{} models on the split of {}: {} training and {} test interactions",
        configs.len(),
        configs[0].0,
        data.train.nnz(),
        data.test.nnz()
    );
    let opts = RunOptions {
        data_dir: args.data_dir.as_deref(),
        progress: &bars,
        threads: Some(&threads),
    };
    let cmp = compare(&configs, &data, &opts, args.report.is_some(), &mut |e| {
        let main: Vec<String> = e
            .assessment
            .metrics
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "rmse" | "mae" | "auc") || k.ends_with("@10"))
            .filter(|(k, _)| {
                !k.starts_with("coverage") && !k.starts_with("gini") && !k.starts_with("novelty")
            })
            .map(|(k, v)| format!("{k} {v:.4}"))
            .collect();
        let secs = e
            .figures
            .get("train_seconds")
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        say!(
            json,
            "{} ({}): {}  trained in {secs:.2}s",
            e.name,
            e.kind,
            main.join("  ")
        );
    })?;
    // The table: one line per model, p-values of the Wilcoxon test against the best.
    for name in ["rmse", "ndcg@10", "recall@10", "auc"] {
        let Some(&b) = cmp.best.get(name) else {
            continue;
        };
        // Models without the metric (ranking models have no rating error) are said so: the
        // best is the best of those that have it.
        let without: Vec<&str> = cmp
            .entries
            .iter()
            .filter(|e| e.assessment.get(name).is_none_or(f64::is_nan))
            .map(|e| e.name.as_str())
            .collect();
        let without = if without.is_empty() {
            String::new()
        } else {
            format!(
                " ({} {} no {name})",
                without.join(", "),
                if without.len() == 1 { "has" } else { "have" }
            )
        };
        let others: Vec<String> = cmp
            .entries
            .iter()
            .zip(&cmp.tests)
            .filter_map(|(e, t)| {
                t.get(name).map(|p| {
                    let t = rustrec::stats::format_p(p.wilcoxon);
                    let eq = if t.starts_with('<') { "" } else { "= " };
                    format!("{} p {eq}{t}", e.name)
                })
            })
            .collect();
        say!(
            json,
            "best {name}: {}{without}{}{}",
            cmp.entries[b].name,
            if others.is_empty() {
                ""
            } else {
                "; vs it (Wilcoxon): "
            },
            others.join(", ")
        );
    }
    let mut report = Report::new();
    if let serde_json::Value::Object(map) = cmp.to_json() {
        for (k, v) in map {
            report.set(&k, v);
        }
    }
    if let Some(path) = &args.report {
        let mut page = rustrec::report::Report::from_comparison("rustrec compare", &cmp);
        page.notes.push(format!(
            "Configurations: {}.",
            args.config
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        page.write(path)?;
        say!(json, "report written to {}", path.display());
        report.set("report", path.to_string_lossy().into_owned());
    }
    report.finish(globals.json);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> (String, ExperimentConfig) {
        let cfg: ExperimentConfig = toml::from_str(text).unwrap();
        ("c".into(), cfg)
    }

    const BASE: &str = "[data]\nratings = \"r.dat\"\nimplicit_threshold = 1\n\
                        [split]\nkind = \"holdout\"\ntest_fraction = 0.2\nseed = 42\n\
                        [model]\nkind = \"ease\"\n";

    fn paths(n: usize) -> Vec<PathBuf> {
        (0..n)
            .map(|k| PathBuf::from(format!("c{k}.toml")))
            .collect()
    }

    #[test]
    fn configs_with_the_same_data_and_split_are_compared_whatever_their_models() {
        let other = BASE.replace("kind = \"ease\"", "kind = \"ials\"");
        // 1 and 1.0 are the same threshold.
        let other = other.replace("implicit_threshold = 1\n", "implicit_threshold = 1.0\n");
        same_data(&[config(BASE), config(&other)], &paths(2), false).unwrap();
    }

    #[test]
    fn a_later_config_with_other_data_is_refused_naming_the_file_and_the_key() {
        let other = BASE.replace("implicit_threshold = 1\n", "implicit_threshold = 4\n");
        let e = same_data(&[config(BASE), config(&other)], &paths(2), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--config c1.toml"), "{e}");
        assert!(e.contains("data.implicit_threshold is 4.0"), "{e}");
        assert!(e.contains("and 1.0 in the first config (c0.toml)"), "{e}");
        let other = BASE.replace("implicit_threshold = 1\n", "");
        let e = same_data(&[config(BASE), config(&other)], &paths(2), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("data.implicit_threshold is absent"), "{e}");
        let other = BASE.replace("r.dat", "s.dat");
        let e = same_data(
            &[config(BASE), config(BASE), config(&other)],
            &paths(3),
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("--config c2.toml: data.ratings is \"s.dat\""),
            "{e}"
        );
    }

    #[test]
    fn a_later_config_with_another_split_is_refused_unless_split_replaces_them_all() {
        let other = BASE.replace("seed = 42", "seed = 7");
        let configs = [config(BASE), config(&other)];
        let e = same_data(&configs, &paths(2), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("split.seed is 7, and 42"), "{e}");
        assert!(e.contains("or give --split for all"), "{e}");
        same_data(&configs, &paths(2), true).unwrap();
    }
}
