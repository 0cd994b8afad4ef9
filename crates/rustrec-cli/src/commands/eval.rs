//! `rustrec eval`: evaluate a saved model on a test file.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::data::paths::check_outputs;
use rustrec::data::read::{Format, ReadOptions};
use rustrec::eval::{
    RankingConfig, SampledConfig, UnknownTestRows, evaluate_ranking, evaluate_ratings_with_train,
    evaluate_sampled,
};
use rustrec::experiment::{EvalConfig, TestThreshold};
use rustrec::models::{Recommender, Task};

use super::common::{
    InModelSpace, LinesFormat, lines_format, load_model, read_in_model_space, seen_items_counted,
};
use crate::Globals;
use crate::output::{Report, human_line};

/// Evaluate a saved model on a test file: RMSE/MAE for rating models, ranking metrics
/// (precision, recall, MAP, NDCG, MRR, AUC, coverage, ...) for ranking models or with
/// --ranking. The user's training items (stored in the model file, or --train) are left
/// out of rankings.
///
/// Rows of --train whose user or item the model does not know are left out of the training
/// items and counted (`unknown_train_rows`, and a note on standard error).
///
/// Test rows whose user or item the model does not know are counted (`unknown_test_rows`).
/// Rating errors leave them out: a model cannot predict an id it never saw. In rankings,
/// a known user's relevant items that the model does not know stay in the user's relevant
/// set as misses (in the denominators of recall, MAP and the ideal DCG; never in a top-k
/// list); users the model does not know are left out and counted.
///
/// `--protocol sampled` ranks each relevant item against `--negatives` items the user has
/// not interacted with, drawn with `--seed` (the `eval.protocol`, `eval.negatives` and
/// `eval.seed` of `rustrec fit`, with the same defaults and `sampled_*` metric names); a
/// known user's unknown relevant items count as misses there too.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The model file (from `rustrec fit --out`).
    #[arg(long)]
    pub model: PathBuf,
    /// The test file.
    #[arg(long)]
    pub test: PathBuf,
    /// The training file (default: the training items stored in the model file).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// File format of --test/--train: auto, ml-tab, ml-dat, ml-csv, csv, tsv.
    #[arg(long)]
    pub format: Option<String>,
    /// Treat test values ≥ this as positives and drop the others (default: the threshold
    /// the model was trained with, if any).
    #[arg(long)]
    pub implicit_threshold: Option<f32>,
    /// Compute ranking metrics (default for ranking models).
    #[arg(long)]
    pub ranking: bool,
    /// Ranking cutoffs (whole numbers ≥ 1).
    #[arg(long, value_delimiter = ',', default_value = "5,10,20")]
    pub cutoffs: Vec<usize>,
    /// Write per-user ranking results here (.csv or .jsonl), for significance tests.
    #[arg(long)]
    pub per_user_out: Option<PathBuf>,
    /// Ranking protocol: full (every item ranked) or sampled (each relevant item against
    /// --negatives items the user has not interacted with).
    #[arg(long, default_value = "full", value_parser = ["full", "sampled"])]
    pub protocol: String,
    /// Negatives per relevant item under --protocol sampled (whole number ≥ 1; default 100).
    #[arg(long)]
    pub negatives: Option<usize>,
    /// Seed of the negative draws under --protocol sampled (default 1, as `eval.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// The sampled protocol's negatives and seed, or `None` for the full protocol; refuses
/// --negatives and --seed without --protocol sampled (nothing would use them) and
/// --negatives 0.
fn sampled_settings(args: &Args) -> anyhow::Result<Option<(usize, u64)>> {
    let defaults = EvalConfig::default();
    if args.protocol != "sampled" {
        for (flag, given) in [
            ("--negatives", args.negatives.map(|n| n.to_string())),
            ("--seed", args.seed.map(|s| s.to_string())),
        ] {
            if let Some(value) = given {
                anyhow::bail!(
                    "{flag} {value}: only the sampled protocol uses it, and --protocol is {}; \
                     add --protocol sampled or leave out {flag}",
                    args.protocol
                );
            }
        }
        return Ok(None);
    }
    let negatives = args.negatives.unwrap_or(defaults.negatives);
    if negatives == 0 {
        anyhow::bail!("--negatives 0: expected a whole number ≥ 1, such as 100");
    }
    Ok(Some((
        negatives,
        args.seed.unwrap_or(EvalConfig::DEFAULT_SEED),
    )))
}

/// Why a test file leaves nothing to evaluate, naming `--test`, when it does: none of its
/// rows names a user and an item the model knows (a file of another data set), or none of
/// the known rows reaches the implicit threshold. Without this the evaluation failed with
/// "no ratings" or "N users without a relevant test item", which named neither the file nor
/// the reason.
fn nothing_in_test(
    args: &Args,
    test: &InModelSpace,
    unknown: &UnknownTestRows,
    threshold: Option<f32>,
) -> Option<String> {
    let path = args.test.display();
    if test.known_rows == 0 && test.unknown_rows > 0 {
        return Some(format!(
            "--test {path}: none of its {} rows names a user and an item the model knows \
             ({} name an unknown user, {} a known user and an unknown item), so nothing can \
             be evaluated; give a test file of the data the model was trained on",
            test.unknown_rows, unknown.user_rows, unknown.item_rows
        ));
    }
    match threshold {
        Some(t) if test.known_rows > 0 && test.data.nnz() == 0 => Some(format!(
            "--test {path}: none of its {} rows with ids the model knows has a value ≥ the \
             implicit threshold {t}, so there is no positive to rank; give a lower \
             --implicit-threshold (the model's own is used when none is given)",
            test.known_rows
        )),
        _ => None,
    }
}

/// Runs `rustrec eval`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    if let Some(bad) = args.cutoffs.iter().find(|&&k| k == 0) {
        anyhow::bail!("--cutoffs: {bad} is not a cutoff; give whole numbers ≥ 1, such as 5,10,20");
    }
    if let Some(t) = args.implicit_threshold
        && !t.is_finite()
    {
        anyhow::bail!("--implicit-threshold {t}: expected a finite number, such as 4");
    }
    let sampled = sampled_settings(&args)?;
    // The per-user file and its format, checked before the model is loaded.
    let per_user_out = match &args.per_user_out {
        Some(out) => {
            let mut inputs = vec![
                ("--model", args.model.as_path()),
                ("--test", args.test.as_path()),
            ];
            inputs.extend(args.train.as_deref().map(|p| ("--train", p)));
            check_outputs(&inputs, &[("--per-user-out", out.as_path())])?;
            Some((out, lines_format(out, "--per-user-out")?))
        }
        None => None,
    };
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let task = model.task();
    let rule = TestThreshold::new(&loaded.header.training, args.implicit_threshold);
    let (threshold, rating_errors_apply) = (rule.threshold, rule.rating_errors_apply);
    if let Some(t) = rule.refused(task, args.ranking) {
        anyhow::bail!(
            "--implicit-threshold {t}: the test ratings become 1s, and this {} model was \
             trained on ratings, so its RMSE against them would mean nothing; add --ranking \
             for ranking metrics (rating errors are then left out)",
            model.kind()
        );
    }
    if let (None, Some(t)) = (args.implicit_threshold, rule.trained) {
        eprintln!(
            "note: the model was trained with implicit_threshold = {t}: test values ≥ {t} are \
             its positives and the others are left out (--implicit-threshold chooses another)"
        );
    }
    let test = read_in_model_space(model, &args.test, args.format.as_deref(), threshold)?;
    let seen = seen_items_counted(&loaded, args.train.as_deref(), args.format.as_deref())?;
    let mut report = Report::new();
    report.set("model", model.kind());
    report.set("test_interactions", test.data.nnz());
    report.set("unknown_test_rows", test.unknown_rows);
    report.set("unknown_train_rows", seen.unknown_train_rows);
    let seen = seen.data;
    // The file once more, only when some rows name ids the model does not know, to tell
    // those rows apart.
    let unknown = if test.unknown_rows > 0 {
        let format = match args.format.as_deref() {
            Some(f) => f.parse::<Format>()?,
            None => Format::Auto,
        };
        UnknownTestRows::of_file(
            &args.test,
            &ReadOptions::new(format),
            model.user_ids(),
            model.item_ids(),
            threshold,
        )
        .with_context(|| format!("cannot read --test {}", args.test.display()))?
    } else {
        UnknownTestRows::default()
    };
    if let Some(why) = nothing_in_test(&args, &test, &unknown, threshold) {
        anyhow::bail!(why);
    }
    report.set("unknown_user_test_rows", unknown.user_rows);
    report.set("unknown_item_test_rows", unknown.item_rows);
    let say = |line: &str| human_line(globals.json, line);
    if test.unknown_rows > 0 {
        eprintln!(
            "note: {} test rows name a user or item the model does not know ({} an unknown \
             user, {} a known user and an unknown item): rating errors leave them out; \
             rankings count a known user's unknown relevant items as misses and leave out \
             the unknown users",
            test.unknown_rows, unknown.user_rows, unknown.item_rows
        );
    }
    // The model says what it is for (an iALS file ranks, an explicit ALS file rates).
    report.set("task", task.name());
    if let Some(t) = threshold {
        report.set_f64("implicit_threshold", f64::from(t));
    }
    if task == Task::Rating && !args.ranking && sampled.is_some() {
        anyhow::bail!(
            "--protocol sampled: a ranking protocol, and this {} model rates; add --ranking \
             to rank with it (or leave out --protocol)",
            model.kind()
        );
    }
    if task == Task::Rating && !args.ranking && args.per_user_out.is_some() {
        anyhow::bail!(
            "--per-user-out: per-user results are ranking results, and this {} model rates; \
             add --ranking to rank with it (or leave out --per-user-out)",
            model.kind()
        );
    }
    if task == Task::Rating && rating_errors_apply {
        let train = seen
            .clone()
            .unwrap_or_else(|| test.data.filter(|_, _, _, _| false));
        let m = evaluate_ratings_with_train(model, &test.data, &train)?;
        say(&format!(
            "rmse {:.4}  mae {:.4}  on {} ratings",
            m.rmse, m.mae, m.n
        ));
        report
            .set_f64("rmse", m.rmse)
            .set_f64("mae", m.mae)
            .set_f64("mse", m.mse);
        // The rows the errors are over: the test rows with a known user and item.
        report.set("test_ratings", m.n);
        if let Some(c) = m.cold_users {
            report.set("cold_user_ratings", c);
        }
        if let Some(c) = m.cold_items {
            report.set("cold_item_ratings", c);
        }
    }
    if task == Task::Ranking || args.ranking {
        let train = seen.ok_or_else(|| {
            anyhow::anyhow!("ranking needs the training items: give --train FILE")
        })?;
        let per_user = args.per_user_out.is_some();
        let m = match sampled {
            Some((negatives, seed)) => {
                let mut cfg = SampledConfig::new(negatives, seed);
                cfg.cutoffs = args.cutoffs.clone();
                cfg.per_user = per_user;
                cfg.unrankable = unknown.unrankable;
                let m = evaluate_sampled(model, &train, &test.data, &cfg)?;
                report.set("protocol", m.protocol.as_str());
                report.set("eval_seed", seed);
                m
            }
            None => {
                let mut cfg = RankingConfig::with_cutoffs(&args.cutoffs);
                cfg.per_user = per_user;
                cfg.unrankable = unknown.unrankable;
                evaluate_ranking(model, &train, &test.data, &cfg)?
            }
        };
        // Every figure, at every cutoff asked for (a filter here once hid all but @5 and
        // @10, so that `--cutoffs 1,3` printed no metric at a cutoff).
        let line: Vec<String> = m
            .values
            .iter()
            .map(|(n, v)| format!("{n} {v:.4}"))
            .collect();
        say(&format!("{} users: {}", m.users_evaluated, line.join("  ")));
        for (n, v) in &m.values {
            report.set_f64(n, *v);
        }
        for (key, count) in m.counts() {
            report.set(key, count);
        }
        if let Some((negatives, _)) = sampled
            && m.users_with_fewer_negatives > 0
        {
            eprintln!(
                "note: --negatives {negatives}: {} of the {} users evaluated had fewer items \
                 they had not interacted with (the model has {} items), so all of those were \
                 their negatives; their sampled_* figures rank against fewer than {negatives} \
                 negatives (users_with_fewer_negatives)",
                m.users_with_fewer_negatives,
                m.users_evaluated,
                model.n_items()
            );
        }
        report.set("unrankable_relevant", m.unrankable_relevant);
        report.set("users_skipped_unknown", unknown.users);
        if let (Some((path, format)), Some(per_user)) = (per_user_out, &m.per_user) {
            match format {
                LinesFormat::Csv => per_user.save_csv(path),
                LinesFormat::JsonLines => per_user.save_jsonl(path),
            }
            .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    report.finish(globals.json);
    Ok(())
}
