//! `rustrec recommend`: top-N items of a saved model for one user or for all users.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::data::atomic::AtomicFile;
use rustrec::data::content::{ItemTitles, read_movies};
use rustrec::data::paths::check_outputs;
use rustrec::data::values::{parse_count, parse_element};
use rustrec::data::{DataError, ItemIdx, Progress, RawId, UserIdx, escape_control};
use rustrec::history::parse_history;
use rustrec::models::recommend::{DEFAULT_BLOCK, recommend_all};
use rustrec::models::{Exclusion, Recommender, TrainedModel};
use rustrec::serving;
use serde_json::{Value, json};

use super::common::{LinesFormat, lines_format, load_model, seen_items};
use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

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
    /// A new user's history, recommended for without retraining (fold-in). For a rating
    /// model `ITEM:RATING,...` with ratings in the model's range; for a ranking model
    /// `ITEM,...` or `ITEM:WEIGHT,...` (weight > 0, default 1). Raw item ids, each once.
    #[arg(long, conflicts_with = "all")]
    pub history: Option<String>,
    /// Every user, written to --out.
    #[arg(long, requires = "out")]
    pub all: bool,
    /// Number of items per user (a whole number ≥ 1).
    #[arg(short = 'n', long, default_value = "10", value_parser = count, allow_negative_numbers = true)]
    pub n: usize,
    /// Output file of --all: .csv (user,rank,item,score, and title with --item-file) or
    /// .jsonl (one user per line).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Movie titles: u.item, movies.dat or movies.csv of the model's data (refused if it
    /// belongs to another data set or release).
    #[arg(long)]
    pub item_file: Option<PathBuf>,
    /// Training file whose items are left out (default: those stored in the model file).
    /// Not with --history, whose own items are the ones left out.
    #[arg(long, conflicts_with = "history")]
    pub train: Option<PathBuf>,
    /// Do not leave out the user's training items.
    #[arg(long, conflicts_with = "train")]
    pub include_seen: bool,
    /// Never recommend these raw item ids: `--block 1,2,3` or `--block 1 2 3`.
    #[arg(long, num_args = 1.., value_delimiter = ',', value_parser = block_id)]
    pub block: Vec<String>,
    /// Recommend only among these raw item ids: `--allow 1,2,3` or `--allow 1 2 3`.
    #[arg(long, num_args = 1.., value_delimiter = ',', value_parser = allow_id)]
    pub allow: Option<Vec<String>>,
    /// One raw item id never to recommend, taken whole, so that it may hold commas
    /// (`--block-id "smith, john"`); repeat the flag for more. Adds to --block.
    #[arg(long, value_parser = block_whole_id)]
    pub block_id: Vec<String>,
    /// One raw item id to recommend among, taken whole, so that it may hold commas
    /// (`--allow-id "smith, john"`); repeat the flag for more. Adds to --allow.
    #[arg(long, value_parser = allow_whole_id)]
    pub allow_id: Vec<String>,
}

/// What a value parser tells clap: the part of the error that says what is valid (clap
/// names the flag and the value itself).
fn expected(e: DataError) -> String {
    match e {
        DataError::InvalidParameter { expected, .. } => expected,
        other => other.to_string(),
    }
}

fn count(text: &str) -> Result<usize, String> {
    parse_count("-n", text).map_err(|e| format!("-n must be {}", expected(e)))
}

fn block_id(text: &str) -> Result<String, String> {
    parse_element("--block", text).map_err(expected)
}

fn allow_id(text: &str) -> Result<String, String> {
    parse_element("--allow", text).map_err(expected)
}

/// One whole item id of `--block-id`/`--allow-id`: the spaces around it removed (as the
/// readers remove them from the ids of a data file), commas kept; empty is refused.
fn whole_id(text: &str) -> Result<String, String> {
    let id = text.trim();
    if id.is_empty() {
        return Err(
            "an item id; an empty one is not (give one whole id per flag, such as \
             \"smith, john\")"
                .to_string(),
        );
    }
    Ok(id.to_string())
}

fn block_whole_id(text: &str) -> Result<String, String> {
    whole_id(text)
}

fn allow_whole_id(text: &str) -> Result<String, String> {
    whole_id(text)
}

/// The raw ids of `--block` and `--block-id` together.
fn block_list(args: &Args) -> Vec<String> {
    args.block.iter().chain(&args.block_id).cloned().collect()
}

/// The raw ids of `--allow` and `--allow-id` together; `None` when neither flag is given
/// (every item allowed).
fn allow_list(args: &Args) -> Option<Vec<String>> {
    if args.allow.is_none() && args.allow_id.is_empty() {
        return None;
    }
    let mut all = args.allow.clone().unwrap_or_default();
    all.extend(args.allow_id.iter().cloned());
    Some(all)
}

/// The note of a list shorter than the `-n` asked for (`None` when it is not): how many
/// items it holds, of the model's `n_items`, and what left the others out (`left_out`:
/// the user's or history's items, `--allow`, `--block`). A short list used to come without
/// a word, as if the catalogue had no more.
fn fewer_note(
    who: &str,
    got: usize,
    n: usize,
    n_items: usize,
    left_out: &[&str],
) -> Option<String> {
    if got >= n {
        return None;
    }
    let after = match left_out {
        [] => String::new(),
        [one] => format!(" after {one}"),
        [rest @ .., last] => format!(" after {} and {last}", rest.join(", ")),
    };
    Some(format!(
        "note: {who} got {got} item{} of the -n {n} asked: only {got} of the model's {n_items} \
         items are left{after}",
        if got == 1 { "" } else { "s" }
    ))
}

/// The dense indices of raw item ids given to `flag`, sorted and deduplicated; an unknown
/// item is an error naming the flag and the item.
fn dense_items(model: &dyn Recommender, flag: &str, raw: &[String]) -> anyhow::Result<Vec<u32>> {
    serving::dense_items(model.item_ids(), raw).map_err(|r| {
        anyhow::anyhow!(
            "{flag}: item {} is not known to the model",
            escape_control(&r)
        )
    })
}

/// The refusal of items given to both `--allow` and `--block`: no answer could honour both,
/// and an empty list (what one used to get) hides the mistake.
fn contradiction(items: &[String]) -> anyhow::Error {
    let shown: Vec<String> = items
        .iter()
        .map(|i| escape_control(i).into_owned())
        .collect();
    anyhow::anyhow!(
        "--allow and --block both name {} {}: an item cannot be both the only kind \
         recommended and never recommended; leave {} out of one of the two flags",
        if items.len() == 1 { "item" } else { "items" },
        shown.join(", "),
        if items.len() == 1 { "it" } else { "each" },
    )
}

/// The error of a `--user` the model does not know: the id quoted (so that an empty id or
/// one with spaces shows), the model and what is valid. The readers remove the spaces around
/// ids, so an id given with spaces around it that is known without them is pointed out
/// (not taken silently).
fn unknown_user(model: &dyn Recommender, path: &Path, raw: &str) -> String {
    let users = model.user_ids();
    let mut msg = format!(
        "--user \"{}\": not a user of model {} ({} users); give a raw user id of its \
         training data",
        escape_control(raw),
        path.display(),
        users.len()
    );
    if !users.is_empty() {
        msg.push_str(&format!(", such as {}", users.raw(0)));
    }
    let trimmed = raw.trim();
    if trimmed != raw && users.get_text(trimmed).is_some() {
        msg.push_str(&format!(
            "; ids are read without the spaces around them: did you mean \"{}\"?",
            escape_control(trimmed)
        ));
    }
    msg
}

/// Runs `rustrec recommend`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let json = globals.json;
    let (allow_raw, block_raw) = (allow_list(&args), block_list(&args));
    // An item both allowed and blocked is refused before any file is read.
    if let Some(allow) = &allow_raw {
        let both = serving::raw_items_in_both(allow, &block_raw);
        if !both.is_empty() {
            let both: Vec<String> = both.into_iter().map(str::to_string).collect();
            return Err(contradiction(&both));
        }
    }
    if let (Some(out), false) = (&args.out, args.all) {
        anyhow::bail!(
            "--out {}: only --all writes a file; give --all to write every user's top-{} \
             there, or leave out --out to print one user's",
            out.display(),
            args.n
        );
    }
    // The file of `--all` and its format, checked before the model is loaded.
    let all_out = if args.all {
        let out = args.out.as_deref().context("--all needs --out FILE")?;
        let mut inputs = vec![("--model", args.model.as_path())];
        inputs.extend(args.train.as_deref().map(|p| ("--train", p)));
        inputs.extend(args.item_file.as_deref().map(|p| ("--item-file", p)));
        check_outputs(&inputs, &[("--out", out)])?;
        Some((out, lines_format(out, "--out")?))
    } else {
        None
    };
    let loaded = load_model(&args.model)?;
    let model = &loaded.model;
    let seen = if args.include_seen {
        None
    } else {
        let s = seen_items(&loaded, args.train.as_deref(), None).context("--train")?;
        if s.is_none() {
            eprintln!(
                "note: the model file holds no training items; give --train to leave them out"
            );
        }
        s
    };
    let titles = match &args.item_file {
        Some(path) => {
            let movies = read_movies(path).context("--item-file")?;
            Some(serving::item_titles(path, &movies, &loaded).context("--item-file")?)
        }
        None => None,
    };
    // Each list checked under its own flag's name, then merged.
    let merged = |a: Vec<u32>, b: Vec<u32>| {
        let mut all = [a, b].concat();
        all.sort_unstable();
        all.dedup();
        all
    };
    let block = merged(
        dense_items(model, "--block", &args.block)?,
        dense_items(model, "--block-id", &args.block_id)?,
    );
    let allow = match allow_raw {
        Some(_) => Some(merged(
            dense_items(model, "--allow", args.allow.as_deref().unwrap_or_default())?,
            dense_items(model, "--allow-id", &args.allow_id)?,
        )),
        None => None,
    };
    // Two spellings of one item (`01` and `1` of an integer id) meet only here.
    if let Some(allow) = &allow {
        let both = serving::dense_items_in_both(model.item_ids(), allow, &block);
        if !both.is_empty() {
            return Err(contradiction(&both));
        }
    }
    let exclusion = Exclusion {
        seen: seen.as_ref(),
        allow: allow.as_deref(),
        block: &block,
    };
    let title = |i: ItemIdx| titles.as_ref().and_then(|t| t.get(i)).unwrap_or("");
    // One recommended item: a human line and its JSON object.
    let show = |rank: usize, i: ItemIdx, score: f32| {
        let id = model.item_ids().raw(i.0).to_string();
        say!(
            json,
            "{:>3}. {:>8}  {score:>9.4}  {}",
            rank + 1,
            escape_control(&id),
            escape_control(title(i))
        );
        json!({"item": id, "score": score, "title": title(i)})
    };
    let mut report = Report::new();
    if let Some(text) = &args.history {
        let fold_in = model.as_fold_in().with_context(|| {
            format!(
                "a `{}` model cannot score a new user's history",
                model.kind()
            )
        })?;
        let history = parse_history(text, model.item_ids(), &serving::history_rules(&loaded))
            .context("--history")?;
        let mut scores = vec![0.0f32; model.n_items()];
        fold_in.score_profile(&history, &mut scores);
        let rated: Vec<u32> = history.iter().map(|(i, _)| i.0).collect();
        let list = rustrec::models::topn::top_n(&scores, args.n, |i| {
            (args.include_seen || !rated.contains(&i))
                && block.binary_search(&i).is_err()
                && allow.as_ref().is_none_or(|a| a.binary_search(&i).is_ok())
        });
        let items: Vec<Value> = list
            .iter()
            .enumerate()
            .map(|(rank, &(i, score))| show(rank, ItemIdx(i), score))
            .collect();
        if items.is_empty() {
            say!(
                json,
                "no items to recommend for this history: every item is left out (the \
                 history's items, --allow, --block)"
            );
        } else {
            let left_out = left_out_by(
                !args.include_seen,
                "the history's items",
                allow.is_some(),
                !block.is_empty(),
            );
            let note = fewer_note(
                "the history",
                items.len(),
                args.n,
                model.n_items(),
                &left_out,
            );
            if let Some(note) = note {
                say!(json, "{note}");
            }
        }
        report.set("history_items", history.len());
        report.set("recommendations", Value::Array(items));
    } else if let Some(raw) = &args.user {
        let u = model
            .user_ids()
            .get_text(raw)
            .with_context(|| unknown_user(model, &args.model, raw))?;
        let list = model.recommend(UserIdx(u), args.n, &exclusion);
        let items: Vec<Value> = list
            .iter()
            .enumerate()
            .map(|(rank, &(i, score))| show(rank, i, score))
            .collect();
        if items.is_empty() {
            say!(
                json,
                "no items to recommend to user {}: every item is left out (the user's \
                 training items, --allow, --block)",
                escape_control(raw)
            );
        } else {
            let left_out = left_out_by(
                seen.is_some(),
                "their training items",
                allow.is_some(),
                !block.is_empty(),
            );
            let who = format!("user {}", escape_control(raw));
            if let Some(note) = fewer_note(&who, items.len(), args.n, model.n_items(), &left_out) {
                say!(json, "{note}");
            }
        }
        report.set("user", raw.clone());
        report.set("recommendations", Value::Array(items));
    } else if let Some((path, format)) = all_out {
        let users: Vec<UserIdx> = (0..model.n_users() as u32).map(UserIdx).collect();
        // What leaves items out of a user's list, for the line that says why a user got
        // fewer than -n.
        let left_out = left_out_by(
            seen.is_some(),
            "their training items",
            allow.is_some(),
            !block.is_empty(),
        );
        let started = std::time::Instant::now();
        let bars = Bars::new(globals.quiet);
        let written = write_all(
            model,
            &users,
            args.n,
            &exclusion,
            titles.as_ref(),
            (path, format),
            &bars,
        )?;
        let secs = started.elapsed().as_secs_f64();
        let (what, fewer) = written.describe(args.n, model.n_items(), &left_out);
        say!(
            json,
            "{what} written to {} in {secs:.2}s{fewer}",
            path.display()
        );
        report
            .set("users", users.len())
            .set("out", path.to_string_lossy().into_owned())
            .set("items_written", written.items)
            .set(
                "items_per_user",
                json!({"min": written.min, "max": written.max}),
            )
            .set("users_with_fewer", written.short);
        report.set_f64("seconds", secs);
    } else {
        anyhow::bail!("give --user RAW_ID, --history ITEM:RATING,... or --all --out FILE");
    }
    report.finish(json);
    Ok(())
}

/// What leaves items out of a list, in words, for the notes of lists shorter than `-n`:
/// `own` (the user's training items or the history's items) when `seen`, then `--allow`
/// and `--block` when given.
fn left_out_by(seen: bool, own: &'static str, allow: bool, block: bool) -> Vec<&'static str> {
    [(seen, own), (allow, "--allow"), (block, "--block")]
        .into_iter()
        .filter_map(|(applies, what)| applies.then_some(what))
        .collect()
}

/// A raw id as one CSV field (RFC 4180): a string id that holds a comma, a quote or a line
/// break is quoted, with its quotes doubled, so that ids such as `smith, john` stay one
/// field; integer ids are written as they are.
struct CsvField(RawId);

impl std::fmt::Display for CsvField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            RawId::Str(s) if s.contains([',', '"', '\n', '\r']) => {
                write!(f, "\"{}\"", s.replace('"', "\"\""))
            }
            RawId::Str(s) => f.write_str(s),
            RawId::Int(n) => write!(f, "{n}"),
        }
    }
}

/// A title as one CSV field, always quoted (RFC 4180, quotes doubled), so that a title
/// with a comma, a quote or a line break stays one field and an empty title (an item the
/// movie file has none for) is `""`.
struct CsvQuoted<'a>(&'a str);

impl std::fmt::Display for CsvQuoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0.replace('"', "\"\""))
    }
}

/// How many items `recommend --all` wrote: a user gets fewer than `-n` when fewer items are
/// left after the user's training items, `--allow` and `--block`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Written {
    /// Users written.
    users: usize,
    /// Items written, over all users.
    items: usize,
    /// The fewest items a user got (0 without users).
    min: usize,
    /// The most items a user got.
    max: usize,
    /// Users who got fewer than the `n` asked for.
    short: usize,
}

impl Written {
    /// Counts one user's list of `len` items, of `n` asked for.
    fn add(&mut self, len: usize, n: usize) {
        self.min = if self.users == 0 {
            len
        } else {
            self.min.min(len)
        };
        self.max = self.max.max(len);
        self.users += 1;
        self.items += len;
        self.short += usize::from(len < n);
    }

    /// What was written, for the line `recommend --all` prints, and a note that ends it:
    /// `943 users' top-10` and no note when every user got the `n` asked for; otherwise the
    /// counts users got (`943 users' recommendations, 3 to 10 items each (8950 in all),`),
    /// and a note of how many got fewer than `n` and why: of the model's `n_items` items,
    /// too few were left after what `left_out` names (`their training items`, `--allow`,
    /// `--block`; empty when nothing was left out).
    fn describe(&self, n: usize, n_items: usize, left_out: &[&str]) -> (String, String) {
        let users = self.users;
        if self.short == 0 {
            return (format!("{users} users' top-{n}"), String::new());
        }
        let each = if self.min == self.max {
            format!("{} item{}", self.min, if self.min == 1 { "" } else { "s" })
        } else {
            format!("{} to {} items", self.min, self.max)
        };
        let who = if self.short == users {
            "every user".to_string()
        } else {
            format!("{} of the users", self.short)
        };
        let after = match left_out {
            [] => String::new(),
            [one] => format!(" after {one}"),
            [rest @ .., last] => format!(" after {} and {last}", rest.join(", ")),
        };
        (
            format!(
                "{users} users' recommendations, {each} each ({} in all),",
                self.items
            ),
            format!(
                ": {who} had fewer than the -n {n} asked left of the model's {n_items} \
                 items{after}"
            ),
        )
    }
}

/// Writes every user's top `n` to `path` in `format` (CSV, or JSON Lines), atomically: the
/// file appears whole when done, and an error or Ctrl-C leaves the previous file and no
/// temporary file. With `titles` (from `--item-file`) each item has its title beside it:
/// a `title` column of the CSV, a `title` key of each JSON Lines item (`""` for an item the
/// movie file has no title for).
fn write_all(
    model: &TrainedModel,
    users: &[UserIdx],
    n: usize,
    exclusion: &Exclusion<'_>,
    titles: Option<&ItemTitles>,
    (path, format): (&Path, LinesFormat),
    progress: &dyn Progress,
) -> anyhow::Result<Written> {
    let jsonl = format == LinesFormat::JsonLines;
    let mut written = Written::default();
    let mut w = AtomicFile::create(path)?;
    let cannot = || format!("cannot write {}", path.display());
    if !jsonl {
        let title_column = if titles.is_some() { ",title" } else { "" };
        writeln!(w, "user,rank,item,score{title_column}").with_context(cannot)?;
    }
    let title = |i: ItemIdx| titles.map(|t| t.get(i).unwrap_or(""));
    progress.start("recommending", Some(users.len() as u64));
    recommend_all(model, users, n, exclusion, DEFAULT_BLOCK, |u, list| {
        progress.advance(1);
        written.add(list.len(), n);
        if jsonl {
            let uid = model.user_ids().raw(u.0).to_string();
            let items: Vec<Value> = list
                .iter()
                .map(|&(i, s)| {
                    let mut item =
                        json!({"item": model.item_ids().raw(i.0).to_string(), "score": s});
                    if let Some(t) = title(i) {
                        item["title"] = Value::from(t);
                    }
                    item
                })
                .collect();
            writeln!(w, "{}", json!({"user": uid, "recommendations": items}))
        } else {
            let user = CsvField(model.user_ids().raw(u.0)).to_string();
            for (rank, &(i, s)) in list.iter().enumerate() {
                let item = CsvField(model.item_ids().raw(i.0));
                write!(w, "{user},{},{item},{s}", rank + 1)?;
                match title(i) {
                    Some(t) => writeln!(w, ",{}", CsvQuoted(t))?,
                    None => writeln!(w)?,
                }
            }
            Ok(())
        }
    })
    .with_context(cannot)?;
    progress.finish();
    w.commit()?;
    Ok(written)
}
