//! `rustrec predict`: predictions of a saved model for (user, item) pairs given by raw id.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::data::read::{ColumnRole, column_role};
use rustrec::data::values::parse_element;
use rustrec::data::{DataError, Progress, escape_control};
use rustrec::models::{Recommender, Task};
use serde_json::json;

use super::common::load_model;
use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Predict ratings (or scores) of a saved model for (user, item) pairs given by the raw
/// ids of the data files. Unknown users or items fall back to what the model knows (for
/// MF: the global mean and the known bias) and are flagged. A ranking model (bpr, ials,
/// ease, ...) gives scores that order items for a user, not ratings, and no score (NaN;
/// null in --json) for a pair it cannot score.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// Raw user id.
    #[arg(long, requires = "item", value_parser = user_id)]
    pub user: Option<String>,
    /// Raw item id(s): `--item 50,172`, `--item 50 172` or `--item 50 --item 172`.
    #[arg(long, num_args = 1.., value_delimiter = ',', value_parser = item_id, requires = "user")]
    pub item: Vec<String>,
    /// A file of `user item` pairs, one per line (separated by tab, space, comma or ::).
    /// A first line naming the columns (`user,item`, `userId,movieId`, ...) is a header.
    /// A field in double quotes (`"user 1","50"`, as CSV writes it) is the text between
    /// them, which may hold the separators.
    #[arg(long, conflicts_with_all = ["user", "item"])]
    pub pairs: Option<PathBuf>,
}

fn item_id(text: &str) -> Result<String, String> {
    parse_element("--item", text).map_err(|e| match e {
        DataError::InvalidParameter { expected, .. } => expected,
        other => other.to_string(),
    })
}

/// `--user`: an id, without the spaces around it (as `--item` and the rating readers take
/// ids); a blank one is refused.
fn user_id(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("a user id; a blank one is not one (such as --user 196)".into());
    }
    Ok(t.to_string())
}

/// The fields of one line of a pairs file: split at tab, space, comma or colon, empty
/// fields dropped (so `::` and runs of spaces are one separator). A field that opens with a
/// double quote runs to the next one and is the text between them (CSV's quoting; the
/// rating readers take quoted ids so); a quote left open, or text right after a closing
/// quote, is an error saying so.
fn pair_fields(line: &str) -> Result<Vec<&str>, String> {
    let is_sep = |c: char| matches!(c, '\t' | ' ' | ',' | ':');
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(is_sep);
        if rest.is_empty() {
            return Ok(fields);
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let Some(end) = quoted.find('"') else {
                return Err(format!(
                    "field {} opens a double quote that the line does not close",
                    fields.len() + 1
                ));
            };
            fields.push(&quoted[..end]);
            rest = &quoted[end + 1..];
            if rest.starts_with(|c: char| !is_sep(c)) {
                return Err(format!(
                    "field {} has text after its closing quote",
                    fields.len()
                ));
            }
        } else {
            let end = rest.find(is_sep).unwrap_or(rest.len());
            fields.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
}

/// Pairs published to the progress bar at a time.
const PROGRESS_STEP: usize = 4096;

/// Whether a header field names the user column (`Some(true)`), the item column
/// (`Some(false)`) or neither, by the names a rating file's header may use.
fn header_role(field: &str) -> Option<bool> {
    match column_role(field.as_bytes())? {
        ColumnRole::User => Some(true),
        ColumnRole::Item => Some(false),
        ColumnRole::Rating | ColumnRole::Timestamp => None,
    }
}

/// The `user item` pairs of a pairs file, read like a rating file: a leading UTF-8 byte
/// order mark is skipped, not taken into the first user id. A first line that names the
/// user and the item column (`user,item`, `userId,movieId`, also `item,user`, which swaps
/// the columns) is a header, not a pair, and is said so on standard error. A line with one
/// field, or with more than two, is an error naming the file and line; so is a file without
/// any pair.
fn read_pairs(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("--pairs {}: cannot read the file", path.display()))?;
    let bytes = rustrec::data::read::without_byte_order_mark(&bytes);
    let text = rustrec::data::read::decode_text(bytes);
    let mut pairs = Vec::new();
    // Whether the columns are `item user` (after a header saying so).
    let mut swapped = false;
    let mut looked_for_header = false;
    for (n, line) in text.lines().enumerate() {
        let fields = pair_fields(line).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}: {e} in \"{}\"",
                path.display(),
                n + 1,
                escape_control(line)
            )
        })?;
        if !fields.is_empty()
            && !std::mem::replace(&mut looked_for_header, true)
            && let [a, b] = fields[..]
            && let (Some(a_user), Some(b_user)) = (header_role(a), header_role(b))
            && a_user != b_user
        {
            swapped = b_user;
            eprintln!(
                "note: {}:{}: \"{}\" names the columns: read as a header, not as a pair",
                path.display(),
                n + 1,
                escape_control(line)
            );
            continue;
        }
        match fields[..] {
            [] => {}
            [user, item] if user.trim().is_empty() || item.trim().is_empty() => anyhow::bail!(
                "{}:{}: a blank {} id in \"{}\"; every pair needs a user and an item id",
                path.display(),
                n + 1,
                if user.trim().is_empty() != swapped {
                    "user"
                } else {
                    "item"
                },
                escape_control(line)
            ),
            [user, item] if swapped => pairs.push((item.to_string(), user.to_string())),
            [user, item] => pairs.push((user.to_string(), item.to_string())),
            _ => anyhow::bail!(
                "{}:{}: expected `user item` (two fields), found {} field{} in \"{}\"",
                path.display(),
                n + 1,
                fields.len(),
                if fields.len() == 1 { "" } else { "s" },
                escape_control(line)
            ),
        }
    }
    if pairs.is_empty() {
        anyhow::bail!(
            "--pairs {}: the file holds no `user item` pairs (one pair per line, separated by \
             tab, space, comma or ::)",
            path.display()
        );
    }
    Ok(pairs)
}

/// Runs `rustrec predict`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let json = globals.json;
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(u) = &args.user {
        pairs.extend(args.item.iter().map(|i| (u.clone(), i.clone())));
    }
    if let Some(path) = &args.pairs {
        pairs.extend(read_pairs(path)?);
    }
    if pairs.is_empty() {
        anyhow::bail!("give --user U --item I[,I...] or --pairs FILE");
    }
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let task = model.task();
    if task == Task::Ranking && !globals.quiet {
        eprintln!(
            "note: {} is a {} model, for ranking: its values are scores that order items for a \
             user (higher first), not predicted ratings; a pair it cannot score has none \
             (NaN; null in --json)",
            args.model.display(),
            model.kind()
        );
    }
    // A bar for a pairs file, unless the lines themselves scroll by on a terminal.
    let lines_on_terminal = if json {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let bars = Bars::new(globals.quiet || args.pairs.is_none() || lines_on_terminal);
    bars.start("predicting", Some(pairs.len() as u64));
    let mut out = Vec::with_capacity(pairs.len());
    for (k, (u, i)) in pairs.iter().enumerate() {
        let (value, known_user, known_item) = model.predict_raw(u, i);
        let flag = match (known_user, known_item) {
            (true, true) => "",
            (false, true) => "  (unknown user)",
            (true, false) => "  (unknown item)",
            (false, false) => "  (unknown user and item)",
        };
        say!(
            json,
            "{}\t{}\t{value:.4}{flag}",
            escape_control(u),
            escape_control(i)
        );
        out.push(json!({"user": u, "item": i, "prediction": value, "known_user": known_user, "known_item": known_item}));
        if (k + 1) % PROGRESS_STEP == 0 {
            bars.advance(PROGRESS_STEP as u64);
        }
    }
    bars.finish();
    let mut report = Report::new();
    report.set("task", task.name());
    if out.len() == 1 {
        report.set("prediction", out[0]["prediction"].clone());
    }
    report.set("predictions", serde_json::Value::Array(out));
    report.finish(json);
    Ok(())
}
