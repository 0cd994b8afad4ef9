//! `rustrec predict`: predictions of a saved model for (user, item) pairs given by raw id.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::models::Recommender;
use serde_json::json;

use super::common::load_model;
use crate::Globals;
use crate::output::Report;

/// Predict ratings (or scores) of a saved model for (user, item) pairs given by the raw
/// ids of the data files. Unknown users or items fall back to what the model knows (for
/// MF: the global mean and the known bias) and are flagged.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// Raw user id.
    #[arg(long, requires = "item")]
    pub user: Option<String>,
    /// Raw item id(s).
    #[arg(long, num_args = 1..)]
    pub item: Vec<String>,
    /// A file of `user item` pairs, one per line (separated by tab, space, comma or ::).
    #[arg(long, conflicts_with = "user")]
    pub pairs: Option<PathBuf>,
}

/// Runs `rustrec predict`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(u) = &args.user {
        pairs.extend(args.item.iter().map(|i| (u.clone(), i.clone())));
    }
    if let Some(path) = &args.pairs {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            let fields: Vec<&str> = line
                .split(['\t', ' ', ',', ':'])
                .filter(|f| !f.is_empty())
                .collect();
            if fields.is_empty() {
                continue;
            }
            if fields.len() < 2 {
                anyhow::bail!(
                    "{}:{}: expected `user item`, found {line:?}",
                    path.display(),
                    n + 1
                );
            }
            pairs.push((fields[0].to_string(), fields[1].to_string()));
        }
    }
    if pairs.is_empty() {
        anyhow::bail!("give --user U --item I [I ...] or --pairs FILE");
    }
    let mut out = Vec::with_capacity(pairs.len());
    for (u, i) in &pairs {
        let (value, known_user, known_item) = model.predict_raw(u, i);
        let flag = match (known_user, known_item) {
            (true, true) => "",
            (false, true) => "  (unknown user)",
            (true, false) => "  (unknown item)",
            (false, false) => "  (unknown user and item)",
        };
        println!("{u}\t{i}\t{value:.4}{flag}");
        out.push(json!({"user": u, "item": i, "prediction": value, "known_user": known_user, "known_item": known_item}));
    }
    let mut report = Report::new();
    if out.len() == 1 {
        report.set("prediction", out[0]["prediction"].clone());
    }
    report.set("predictions", serde_json::Value::Array(out));
    report.finish(globals.json);
    Ok(())
}
