//! What every front end needs to answer requests with a saved model — the CLI's
//! `recommend` and the HTTP server (`rustrec serve`) call these, so that both accept the
//! same histories, check item files the same way and name unknown items alike.

use std::path::Path;

use rustrec_data::content::{ItemTitles, MovieRecord, check_item_file};
use rustrec_data::{DataError, IdMap};
use rustrec_io::Header;
use rustrec_models::{LoadedModel, Recommender, Task};
use serde_json::Value;

use crate::history::HistoryRules;

/// How many users the Python package folded in (`partial_fit_users`) past the trained
/// ones, as the file's training record lists them (`fold_ins.users`), if any. The command
/// line and the server score the trained users only and say so.
pub fn folded_in_users(loaded: &LoadedModel) -> Option<usize> {
    let users = loaded
        .header
        .training
        .get("fold_ins")?
        .get("users")?
        .as_array()?
        .len();
    (users > 0).then_some(users)
}

/// The note the command line and the server give for a file with folded-in users
/// ([`folded_in_users`]): they are unknown to them, and how to score them.
pub fn folded_in_note(path: &Path, loaded: &LoadedModel) -> Option<String> {
    let n = folded_in_users(loaded)?;
    Some(format!(
        "{} also holds {n} user(s) that the Python package folded in (partial_fit_users) \
         past its {} trained users; only the trained users are scored here, so those are \
         unknown (score them in Python, or give their history as a history request)",
        path.display(),
        loaded.model.n_users()
    ))
}

/// What a new user's history must be for this model: the model says whether it rates or
/// ranks, and rating models stored the range of their training ratings (files written
/// before it was kept accept any finite rating).
pub fn history_rules(loaded: &LoadedModel) -> HistoryRules {
    match loaded.model.task() {
        Task::Ranking => HistoryRules::ranking(),
        Task::Rating => match loaded.model.rating_range() {
            Some([lo, hi]) => HistoryRules::rating(lo, hi),
            None => HistoryRules::any_finite_rating(),
        },
    }
}

/// The `--format` name of the model's training ratings, when known.
///
/// `fit` writes `training.data_format`; for models saved before it did, the name of the
/// training file in the saved config is a guess (`u.data`, `*.base` → `ml-tab`; `*.dat` →
/// `ml-dat`; `ratings.csv` → `ml-csv`).
pub fn training_data_format(header: &Header) -> Option<String> {
    let training = &header.training;
    if let Some(f) = training.get("data_format").and_then(Value::as_str) {
        return Some(f.to_string());
    }
    let data = training.get("config")?.get("data")?;
    if let Some(f) = data.get("format").and_then(Value::as_str)
        && f != "auto"
    {
        return Some(f.to_string());
    }
    let file = ["train", "ratings"]
        .iter()
        .find_map(|k| data.get(k).and_then(Value::as_str))?;
    let path = Path::new(file);
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match (name.as_str(), ext.as_deref()) {
        ("u.data", _) | (_, Some("base")) => Some("ml-tab".into()),
        (_, Some("dat")) => Some("ml-dat".into()),
        ("ratings.csv", _) => Some("ml-csv".into()),
        _ => None,
    }
}

/// The titles of the model's items from the movie file `path` (read into `movies`), after
/// checking that the file belongs to the model's data ([`check_item_file`]: the release of
/// the training ratings, and the share of the model's items it describes).
pub fn item_titles(
    path: &Path,
    movies: &[MovieRecord],
    loaded: &LoadedModel,
) -> Result<ItemTitles, DataError> {
    let items = loaded.model.item_ids();
    let format = training_data_format(&loaded.header);
    check_item_file(path, movies, items, format.as_deref())?;
    Ok(ItemTitles::from_movies(movies, items))
}

/// The dense indices of raw item ids (as `--allow`/`--block` or a request give them),
/// sorted and deduplicated — the form [`rustrec_models::Exclusion`] takes. An unknown id
/// is returned as the error.
pub fn dense_items<S: AsRef<str>>(items: &IdMap, raw: &[S]) -> Result<Vec<u32>, String> {
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        let r = r.as_ref();
        out.push(items.get_text(r).ok_or_else(|| r.to_string())?);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The raw ids that an allow list and a block list both name, as given (in `allow`'s
/// order, each once): a contradiction every front end refuses before loading anything.
pub fn raw_items_in_both<'a, S: AsRef<str>>(allow: &'a [S], block: &[S]) -> Vec<&'a str> {
    let mut both: Vec<&str> = Vec::new();
    for id in allow.iter().map(AsRef::as_ref) {
        if block.iter().any(|b| b.as_ref() == id) && !both.contains(&id) {
            both.push(id);
        }
    }
    both
}

/// The model's raw ids of the items that the dense lists `allow` and `block` (sorted, as
/// [`dense_items`] returns them) share: also two spellings of one integer id (`01`, `1`),
/// which [`raw_items_in_both`] cannot tell apart from the text.
pub fn dense_items_in_both(items: &IdMap, allow: &[u32], block: &[u32]) -> Vec<String> {
    allow
        .iter()
        .filter(|i| block.binary_search(i).is_ok())
        .map(|&i| items.raw(i).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_in_both_lists_are_found_as_text_and_as_dense_indices() {
        let allow = ["3", "1", "3", "01"];
        let block = ["1", "3", "9"];
        assert_eq!(raw_items_in_both(&allow, &block), vec!["3", "1"]);
        let items = IdMap::from_ints([1, 3, 9]).unwrap();
        let dense = |raw: &[&str]| dense_items(&items, raw).unwrap();
        // `01` and `1` are one integer id: only the dense lists tell.
        let both = dense_items_in_both(&items, &dense(&["01"]), &dense(&["1", "9"]));
        assert_eq!(both, vec!["1"]);
        assert!(dense_items_in_both(&items, &dense(&["3"]), &dense(&["9"])).is_empty());
    }

    #[test]
    fn dense_items_are_sorted_deduplicated_and_name_the_unknown_id() {
        let items = IdMap::from_ints([50, 172, 181]).unwrap();
        assert_eq!(dense_items(&items, &["181", "50", "181"]), Ok(vec![0, 2]));
        assert_eq!(dense_items(&items, &["50", "9"]), Err("9".to_string()));
        assert_eq!(dense_items::<&str>(&items, &[]), Ok(vec![]));
    }
}
