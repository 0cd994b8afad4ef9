//! `rustrec recommend`: top-N items of a saved model for one user or for all users.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::data::content::{ItemTitles, read_movies};
use rustrec::data::{ItemIdx, UserIdx};
use rustrec::models::recommend::{DEFAULT_BLOCK, recommend_all};
use rustrec::models::{Exclusion, Recommender};
use serde_json::json;

use super::common::{load_model, seen_items};
use crate::Globals;
use crate::output::Report;

/// Recommend items: the top N of a saved model for one user (raw id), or for every user
/// written to a CSV or JSONL file. Items the user has seen in training are left out
/// (unless --include-seen); titles are shown when an item file is given.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// Raw user id.
    #[arg(long, conflicts_with_all = ["all", "history"])]
    pub user: Option<String>,
    /// A new user's history as `item:rating,item:rating,...` (raw item ids): recommend for
    /// this user without retraining (fold-in).
    #[arg(long, conflicts_with = "all")]
    pub history: Option<String>,
    /// Every user, written to --out.
    #[arg(long, requires = "out")]
    pub all: bool,
    /// Number of items per user.
    #[arg(short = 'n', long, default_value_t = 10)]
    pub n: usize,
    /// Output file of --all: .csv (user,rank,item,score) or .jsonl (one user per line).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Movie titles: u.item, movies.dat or movies.csv.
    #[arg(long)]
    pub item_file: Option<PathBuf>,
    /// Training file whose items are left out (default: those stored in the model file).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Do not leave out the user's training items.
    #[arg(long)]
    pub include_seen: bool,
    /// Never recommend these raw item ids.
    #[arg(long, value_delimiter = ',')]
    pub block: Vec<String>,
    /// Recommend only among these raw item ids.
    #[arg(long, value_delimiter = ',')]
    pub allow: Option<Vec<String>>,
}

fn dense_items(model: &dyn Recommender, raw: &[String]) -> anyhow::Result<Vec<u32>> {
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        out.push(
            model
                .item_ids()
                .get_text(r)
                .with_context(|| format!("item {r} is not known to the model"))?,
        );
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Parses `item:rating,item:rating,...` (a bare `item` counts 1) into the model's item
/// indices; unknown items are an error naming them.
fn parse_history(model: &dyn Recommender, text: &str) -> anyhow::Result<Vec<(ItemIdx, f32)>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (item, value) = match part.rsplit_once(':') {
            Some((i, v)) => (
                i.trim(),
                v.trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .with_context(|| format!("--history: {part:?}: the rating is not a number"))?,
            ),
            None => (part, 1.0),
        };
        let idx = model
            .item_ids()
            .get_text(item)
            .with_context(|| format!("--history: item {item} is not known to the model"))?;
        out.push((ItemIdx(idx), value));
    }
    if out.is_empty() {
        anyhow::bail!("--history is empty: give item:rating pairs separated by commas");
    }
    Ok(out)
}

/// Runs `rustrec recommend`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let seen = if args.include_seen {
        None
    } else {
        let s = seen_items(&loaded, args.train.as_deref(), None)?;
        if s.is_none() {
            eprintln!(
                "note: the model file holds no training items; give --train to leave them out"
            );
        }
        s
    };
    let titles = match &args.item_file {
        Some(path) => Some(ItemTitles::from_movies(
            &read_movies(path)?,
            model.item_ids(),
        )),
        None => None,
    };
    let block = dense_items(model, &args.block)?;
    let allow = args
        .allow
        .as_deref()
        .map(|a| dense_items(model, a))
        .transpose()?;
    let exclusion = Exclusion {
        seen: seen.as_ref(),
        allow: allow.as_deref(),
        block: &block,
    };
    let title = |i: ItemIdx| titles.as_ref().and_then(|t| t.get(i)).unwrap_or("");
    let mut report = Report::new();
    if let Some(text) = &args.history {
        let fold_in = model.as_fold_in().with_context(|| {
            format!(
                "a `{}` model cannot score a new user's history",
                model.kind()
            )
        })?;
        let history = parse_history(model, text)?;
        let mut scores = vec![0.0f32; model.n_items()];
        fold_in.score_profile(&history, &mut scores);
        let rated: Vec<u32> = history.iter().map(|(i, _)| i.0).collect();
        let list = rustrec::models::topn::top_n(&scores, args.n, |i| {
            (args.include_seen || !rated.contains(&i))
                && block.binary_search(&i).is_err()
                && allow.as_ref().is_none_or(|a| a.binary_search(&i).is_ok())
        });
        let mut items = Vec::new();
        for (rank, (i, score)) in list.iter().enumerate() {
            let id = model.item_ids().raw(*i).to_string();
            println!(
                "{:>3}. {id:>8}  {score:>9.4}  {}",
                rank + 1,
                title(ItemIdx(*i))
            );
            items.push(json!({"item": id, "score": score, "title": title(ItemIdx(*i))}));
        }
        report.set("history_items", history.len());
        report.set("recommendations", serde_json::Value::Array(items));
    } else if let Some(raw) = &args.user {
        let u = model
            .user_ids()
            .get_text(raw)
            .with_context(|| format!("user {raw} is not known to the model"))?;
        let list = model.recommend(UserIdx(u), args.n, &exclusion);
        let mut items = Vec::new();
        for (rank, (i, score)) in list.iter().enumerate() {
            let id = model.item_ids().raw(i.0).to_string();
            println!("{:>3}. {id:>8}  {score:>9.4}  {}", rank + 1, title(*i));
            items.push(json!({"item": id, "score": score, "title": title(*i)}));
        }
        report.set("user", raw.clone());
        report.set("recommendations", serde_json::Value::Array(items));
    } else if args.all {
        let path = args.out.as_ref().context("--all needs --out FILE")?;
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        let jsonl = path
            .extension()
            .is_some_and(|e| e == "jsonl" || e == "json");
        if !jsonl {
            writeln!(w, "user,rank,item,score")?;
        }
        let users: Vec<UserIdx> = (0..model.n_users() as u32).map(UserIdx).collect();
        let started = std::time::Instant::now();
        recommend_all(model, &users, args.n, &exclusion, DEFAULT_BLOCK, |u, list| {
            let uid = model.user_ids().raw(u.0).to_string();
            if jsonl {
                let items: Vec<_> = list
                    .iter()
                    .map(|(i, s)| json!({"item": model.item_ids().raw(i.0).to_string(), "score": s}))
                    .collect();
                writeln!(w, "{}", json!({"user": uid, "items": items}))
            } else {
                for (rank, (i, s)) in list.iter().enumerate() {
                    writeln!(w, "{uid},{},{},{s}", rank + 1, model.item_ids().raw(i.0))?;
                }
                Ok(())
            }
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
        w.flush()?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{} users' top-{} written to {} in {secs:.2}s",
            users.len(),
            args.n,
            path.display()
        );
        report
            .set("users", users.len())
            .set("out", path.to_string_lossy().into_owned());
        report.set_f64("seconds", secs);
    } else {
        anyhow::bail!("give --user RAW_ID, --history ITEM:RATING,... or --all --out FILE");
    }
    report.finish(globals.json);
    Ok(())
}
