//! Pieces shared by the commands that use a saved model.

use std::path::Path;

use anyhow::Context;
use rustrec::data::read::{Format, ReadOptions, read_in_id_space};
use rustrec::data::{Interactions, NoProgress};
use rustrec::models::{LoadedModel, Recommender, TrainedModel};

/// Loads a model file, naming it in errors. A file the Python package saved after
/// `partial_fit_users` also holds folded-in users, which the command line does not score:
/// a note on standard error says so ([`rustrec::serving::folded_in_note`]) rather than
/// those users being unknown here without a word.
pub fn load_model(path: &Path) -> anyhow::Result<LoadedModel> {
    let loaded = TrainedModel::load(path)
        .with_context(|| format!("cannot load model {}", path.display()))?;
    if let Some(note) = rustrec::serving::folded_in_note(path, &loaded) {
        eprintln!("note: {note}");
    }
    Ok(loaded)
}

/// A rating file read into a model's id space, and how many of its rows named a user or
/// item the model does not know (those rows are left out and counted).
pub struct InModelSpace {
    /// The rows with known user and item (with an implicit threshold: those of them that
    /// reach it, as 1s).
    pub data: Interactions,
    /// Rows left out because the user or item is unknown to the model.
    pub unknown_rows: usize,
    /// Rows with known user and item, before any implicit threshold.
    pub known_rows: usize,
}

/// Reads `path` into the id space of `model`.
pub fn read_in_model_space(
    model: &dyn Recommender,
    path: &Path,
    format: Option<&str>,
    implicit_threshold: Option<f32>,
) -> anyhow::Result<InModelSpace> {
    let format = match format {
        Some(f) => f.parse::<Format>()?,
        None => Format::Auto,
    };
    let options = ReadOptions::new(format);
    let (data, unknown_rows) = read_in_id_space(
        path,
        &options,
        model.user_ids(),
        model.item_ids(),
        &NoProgress,
    )?;
    let known_rows = data.nnz();
    let data = match implicit_threshold {
        Some(t) => data.to_implicit(t),
        None => data,
    };
    Ok(InModelSpace {
        data,
        unknown_rows,
        known_rows,
    })
}

/// The training items of each user: stored in the model file, or read from `train`
/// (see [`seen_items_counted`], which also counts the rows of `train` left out).
pub fn seen_items(
    loaded: &LoadedModel,
    train: Option<&Path>,
    format: Option<&str>,
) -> anyhow::Result<Option<Interactions>> {
    Ok(seen_items_counted(loaded, train, format)?.data)
}

/// The training items of each user, and how many rows of a `--train` file named a user or
/// item the model does not know.
pub struct SeenItems {
    /// The training items (`None`: the model file holds none and no `--train` was given).
    pub data: Option<Interactions>,
    /// Rows of `--train` left out because the model does not know their user or item (0
    /// for the items stored in the model file, which are in its id space).
    pub unknown_train_rows: usize,
}

/// The training items of each user: stored in the model file, or read from `train` into
/// the model's id space. A row of `train` whose user or item the model does not know
/// cannot be one of its training items: it is left out, counted, and a note on standard
/// error says how many (they used to vanish without a word). A `train` none of whose rows
/// the model knows is refused: it is another data set's file, and taking it would leave
/// nothing out.
pub fn seen_items_counted(
    loaded: &LoadedModel,
    train: Option<&Path>,
    format: Option<&str>,
) -> anyhow::Result<SeenItems> {
    let Some(path) = train else {
        return Ok(SeenItems {
            data: loaded.seen.clone(),
            unknown_train_rows: 0,
        });
    };
    let read = read_in_model_space(&loaded.model, path, format, None)?;
    if read.known_rows == 0 && read.unknown_rows > 0 {
        anyhow::bail!(
            "--train {}: none of its {} rows names a user and an item the model knows, so \
             it cannot be the model's training data (its ids are another data set's); give \
             the file the model was trained on, or leave out --train to use the training \
             items stored in the model file",
            path.display(),
            read.unknown_rows
        );
    }
    if read.unknown_rows > 0 {
        eprintln!(
            "note: --train {}: {} rows name a user or item the model does not know; they are \
             left out of the training items (the model never saw those ids, so they cannot \
             be excluded from its recommendations)",
            path.display(),
            read.unknown_rows
        );
    }
    Ok(SeenItems {
        data: Some(read.data),
        unknown_train_rows: read.unknown_rows,
    })
}

/// The value parser of every `--seed` flag: 0 ..= 2^63 − 1, the integers a TOML config (and
/// so a saved model's config) can hold, so that every command takes the same seeds.
pub fn seed_parser() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(..=i64::MAX as u64)
}

/// The two line-oriented files a table of results is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinesFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object a line.
    JsonLines,
}

/// The format of the output `path` given to `flag`, told by its extension: `.csv`, or
/// `.jsonl` (`.json` too, read as JSON Lines); any other name is refused rather than
/// guessed. Also refuses a path whose directory does not exist.
pub fn lines_format(path: &Path, flag: &str) -> anyhow::Result<LinesFormat> {
    super::report::check_dir(path, flag)?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => Ok(LinesFormat::Csv),
        Some("jsonl" | "json") => Ok(LinesFormat::JsonLines),
        other => anyhow::bail!(
            "{flag} {}: unknown extension {:?}; the file is written as .csv or .jsonl (JSON \
             Lines)",
            path.display(),
            other.unwrap_or("")
        ),
    }
}
