//! The work of each request, run on the CPU pool: look the user or item up, score every
//! item, select the best, and write the JSON answer — in the shapes the CLI prints with
//! `--json` (`docs/json.md`), so that one parser reads both.
//!
//! Each thread keeps one [`Scratch`] (a score buffer as long as the largest catalogue, the
//! selection heap, id lists) for every request it runs, so a request allocates only its
//! answer. Ids are written straight from the model's id map and titles from the model's
//! title table, without copies.

use std::cell::RefCell;

use rustrec::data::{IdMap, ItemIdx, UserIdx, escape_control};
use rustrec::history::{HistoryError, history_from_entries, rating_range_words};
use rustrec::serving::dense_items;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::catalog::{Catalog, Served};
use crate::error::ApiError;
use crate::request::{
    FoldInRequest, HistoryEntry, PredictRequest, RecommendParams, SimilarParams,
    allowed_and_blocked,
};
use crate::topn::{Filter, select};

/// A thread's buffers, reused by every request it runs.
#[derive(Default)]
pub struct Scratch {
    scores: Vec<f32>,
    heap: Vec<(u32, f32)>,
    allow: Vec<u32>,
    block: Vec<u32>,
    rated: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers.
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|s| f(&mut s.borrow_mut()))
}

/// The score buffer sized for `n` items (grown once, then reused).
fn scores(buf: &mut Vec<f32>, n: usize) -> &mut [f32] {
    if buf.len() < n {
        buf.resize(n, 0.0);
    }
    &mut buf[..n]
}

/// The model a request names (`?model=`), or the default one.
pub fn pick<'a>(catalog: &'a Catalog, name: Option<&str>) -> Result<&'a Served, ApiError> {
    catalog.get(name).map(|m| m.as_ref()).ok_or_else(|| {
        ApiError::not_found(format!(
            "model \"{}\" is not served (models: {})",
            escape_control(name.unwrap_or_default()),
            catalog.names()
        ))
    })
}

/// Raw ids of a list parameter (`allow`, `block`) as sorted dense indices into `out`.
fn dense_into(
    served: &Served,
    what: &str,
    raw: &[String],
    out: &mut Vec<u32>,
) -> Result<(), ApiError> {
    out.clear();
    if raw.is_empty() {
        return Ok(());
    }
    let items = dense_items(served.recommender().item_ids(), raw)
        .map_err(|r| unknown_item(served, what, &r))?;
    out.extend_from_slice(&items);
    Ok(())
}

/// Refuses an item that the sorted dense lists `allow` and `block` share: two spellings of
/// one integer id (`01`, `1`), which [`crate::request::check_allow_block`] cannot tell
/// apart from the text; named by the model's raw id.
fn check_dense_allow_block(
    served: &Served,
    allow: Option<&[u32]>,
    block: &[u32],
) -> Result<(), ApiError> {
    let ids = served.recommender().item_ids();
    let both = rustrec::serving::dense_items_in_both(ids, allow.unwrap_or_default(), block);
    if both.is_empty() {
        Ok(())
    } else {
        Err(allowed_and_blocked(&both))
    }
}

/// 404: item `raw` of field `what` is not one of the model's.
fn unknown_item(served: &Served, what: &str, raw: &str) -> ApiError {
    ApiError::not_found(format!(
        "{what}: item \"{}\" is not known to model {}; give raw item ids of its training \
         data ({} items; GET /v1/items?q=TEXT finds them)",
        escape_control(raw),
        served.name,
        served.recommender().n_items()
    ))
}

/// A JSON history as the model's item indices and values, checked by the rules the CLI's
/// `--history` follows ([`rustrec::history`]) but refused in the words of the JSON body
/// (`{"history": {"ITEM": RATING}}`, not `ITEM:RATING`), naming the value as sent. Each
/// entry is checked on its own first, so that an error names its entry; then the whole
/// (emptiness, repeats).
fn fold_in_history(
    served: &Served,
    entries: &[HistoryEntry],
) -> Result<Vec<(ItemIdx, f32)>, ApiError> {
    let (items, rules) = (served.recommender().item_ids(), &served.rules);
    for (k, entry) in entries.iter().enumerate() {
        if let Err(e) = history_from_entries([entry.as_pair()], items, rules) {
            return Err(entry_error(served, k + 1, entry, e));
        }
    }
    history_from_entries(entries.iter().map(HistoryEntry::as_pair), items, rules).map_err(|e| {
        ApiError::bad_request(match e {
            HistoryError::Empty(rating_range) => empty_history(served, rating_range),
            other => format!("history: {other}"),
        })
    })
}

/// What to give instead of an empty history, in the words of the JSON body.
fn empty_history(served: &Served, rating_range: Option<(f32, f32)>) -> String {
    match rating_range {
        Some((lo, hi)) => format!(
            "history is empty; model {} predicts ratings: give {{\"history\": {{\"ITEM\": \
             RATING, ...}}}} with RATING {}",
            served.name,
            rating_range_words(lo, hi)
        ),
        None => "history is empty; give {\"history\": {\"ITEM\": WEIGHT, ...}} with weights \
                 > 0 (null: 1), or {\"history\": [\"ITEM\", ...]}"
            .to_string(),
    }
}

/// Why entry number `position` of a JSON history was refused, in the JSON's words.
fn entry_error(
    served: &Served,
    position: usize,
    entry: &HistoryEntry,
    e: HistoryError,
) -> ApiError {
    let item = escape_control(&entry.item);
    let sent = escape_control(entry.value.as_ref().map_or("null", |v| v.sent.as_str()));
    ApiError::bad_request(match e {
        HistoryError::UnknownItem { .. } => return unknown_item(served, "history", &entry.item),
        HistoryError::EmptyEntry { .. } => {
            format!("history: entry {position} has a blank item id \"{item}\"")
        }
        HistoryError::MissingRating { lo, hi, .. } => format!(
            "history: item \"{item}\" has no rating (null, or an id of a list), but model {} \
             predicts ratings: give {{\"history\": {{\"{item}\": RATING, ...}}}} with RATING \
             {}",
            served.name,
            rating_range_words(lo, hi)
        ),
        HistoryError::RatingOutOfRange { lo, hi, .. } => format!(
            "history: item \"{item}\" = {sent} is outside the rating range of model {}, \
             [{lo}, {hi}]",
            served.name
        ),
        HistoryError::BadWeight { .. } => {
            format!("history: item \"{item}\" = {sent}: a weight must be > 0 (or null for 1)")
        }
        other => format!("history: {other}"),
    })
}

/// `GET /v1/recommend/{user}`.
pub fn recommend_user(
    catalog: &Catalog,
    user: &str,
    p: &RecommendParams,
) -> Result<Vec<u8>, ApiError> {
    let served = pick(catalog, p.model.as_deref())?;
    let model = served.recommender();
    let u = model.user_ids().get_text(user).ok_or_else(|| {
        ApiError::not_found(format!(
            "user \"{}\" is not known to model {}; give a raw user id of its training data \
             ({} users), or a new user's history to POST /v1/recommend",
            escape_control(user),
            served.name,
            model.n_users()
        ))
    })?;
    with_scratch(|s| {
        dense_into(
            served,
            "allow",
            p.allow.as_deref().unwrap_or_default(),
            &mut s.allow,
        )?;
        dense_into(served, "block", &p.block, &mut s.block)?;
        check_dense_allow_block(
            served,
            p.allow.as_ref().map(|_| s.allow.as_slice()),
            &s.block,
        )?;
        let seen: &[u32] = match (&served.loaded.seen, p.exclude_seen) {
            (Some(seen), true) if (u as usize) < seen.n_users() => seen.row(UserIdx(u)).items,
            _ => &[],
        };
        let buf = scores(&mut s.scores, model.n_items());
        model.score_into(UserIdx(u), buf);
        let filter = Filter {
            seen,
            allow: p.allow.as_ref().map(|_| s.allow.as_slice()),
            block: &s.block,
            skip_neg_infinity: false,
        };
        select(buf, p.n, &filter, &mut s.heap);
        Ok(to_json(&UserAnswer {
            user,
            model: &served.name,
            recommendations: Items {
                served,
                list: &s.heap,
            },
        }))
    })
}

/// `POST /v1/recommend`: a new user's history, scored by fold-in.
pub fn recommend_history(
    catalog: &Catalog,
    model_name: Option<&str>,
    req: &FoldInRequest,
) -> Result<Vec<u8>, ApiError> {
    let served = pick(catalog, model_name)?;
    let model = served.recommender();
    let fold_in = served.model().as_fold_in().ok_or_else(|| {
        ApiError::bad_request(format!(
            "model {} (a `{}` model) cannot score a new user's history",
            served.name,
            model.kind()
        ))
    })?;
    let history = fold_in_history(served, &req.history)?;
    with_scratch(|s| {
        dense_into(
            served,
            "allow",
            req.allow.as_deref().unwrap_or_default(),
            &mut s.allow,
        )?;
        dense_into(served, "block", &req.block, &mut s.block)?;
        check_dense_allow_block(
            served,
            req.allow.as_ref().map(|_| s.allow.as_slice()),
            &s.block,
        )?;
        s.rated.clear();
        if req.exclude_seen {
            s.rated.extend(history.iter().map(|(i, _)| i.0));
            s.rated.sort_unstable();
        }
        let buf = scores(&mut s.scores, model.n_items());
        fold_in.score_profile(&history, buf);
        let filter = Filter {
            seen: &s.rated,
            allow: req.allow.as_ref().map(|_| s.allow.as_slice()),
            block: &s.block,
            skip_neg_infinity: false,
        };
        select(buf, req.n, &filter, &mut s.heap);
        Ok(to_json(&HistoryAnswer {
            history_items: history.len(),
            model: &served.name,
            recommendations: Items {
                served,
                list: &s.heap,
            },
        }))
    })
}

/// `GET /v1/similar-items/{item}`.
pub fn similar_items(
    catalog: &Catalog,
    item: &str,
    p: &SimilarParams,
) -> Result<Vec<u8>, ApiError> {
    let served = pick(catalog, p.model.as_deref())?;
    let model = served.recommender();
    let i = model.item_ids().get_text(item).ok_or_else(|| {
        ApiError::not_found(format!(
            "item \"{}\" is not known to model {}; give a raw item id of its training data \
             ({} items; GET /v1/items?q=TEXT finds them)",
            escape_control(item),
            served.name,
            model.n_items()
        ))
    })?;
    let similar = served.model().as_similar_items().ok_or_else(|| {
        ApiError::bad_request(format!(
            "model {} (a `{}` model) has no measure of item similarity",
            served.name,
            model.kind()
        ))
    })?;
    with_scratch(|s| {
        let buf = scores(&mut s.scores, model.n_items());
        similar.similarities_into(ItemIdx(i), buf);
        let itself = [i];
        let filter = Filter {
            seen: &itself,
            allow: None,
            block: &[],
            skip_neg_infinity: true,
        };
        select(buf, p.n, &filter, &mut s.heap);
        Ok(to_json(&SimilarAnswer {
            item,
            model: &served.name,
            similar: Items {
                served,
                list: &s.heap,
            },
        }))
    })
}

/// `POST /v1/predict`.
pub fn predict(
    catalog: &Catalog,
    model_name: Option<&str>,
    req: &PredictRequest,
) -> Result<Vec<u8>, ApiError> {
    let served = pick(catalog, model_name)?;
    let model = served.recommender();
    let predictions: Vec<Prediction<'_>> = req
        .pairs
        .iter()
        .map(|(u, i)| {
            let (value, known_user, known_item) = model.predict_raw(u, i);
            Prediction {
                user: u,
                item: i,
                prediction: f64::from(value),
                known_user,
                known_item,
            }
        })
        .collect();
    Ok(to_json(&PredictAnswer {
        model: &served.name,
        task: served.loaded.model.task().name(),
        prediction: (predictions.len() == 1).then(|| predictions[0].prediction),
        predictions: &predictions,
    }))
}

/// Serialises an answer (the types here cannot fail to serialise).
fn to_json(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    // Writing to a Vec does not fail, and the answers hold only strings, numbers and
    // booleans.
    let _ = serde_json::to_writer(&mut out, value);
    out
}

/// A raw id of an id map, written as a JSON string without a copy.
struct Id<'a>(&'a IdMap, u32);

impl Serialize for Id<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let k = self.1 as usize;
        if let Some(ints) = self.0.int_ids() {
            s.collect_str(&ints[k])
        } else if let Some(strs) = self.0.str_ids() {
            s.serialize_str(&strs[k])
        } else {
            s.collect_str(&self.0.raw(self.1))
        }
    }
}

/// A list of `{"item", "score", "title"}` (the CLI's `recommendations` entries).
struct Items<'a> {
    served: &'a Served,
    list: &'a [(u32, f32)],
}

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = self.served.recommender().item_ids();
        let mut seq = s.serialize_seq(Some(self.list.len()))?;
        for &(i, score) in self.list {
            seq.serialize_element(&Entry {
                item: Id(items, i),
                score,
                title: self.served.title(i),
            })?;
        }
        seq.end()
    }
}

struct Entry<'a> {
    item: Id<'a>,
    score: f32,
    title: &'a str,
}

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("item", &self.item)?;
        // As the CLI writes it: the f32 widened to f64 (NaN becomes null).
        m.serialize_entry("score", &f64::from(self.score))?;
        m.serialize_entry("title", self.title)?;
        m.end()
    }
}

#[derive(Serialize)]
struct UserAnswer<'a> {
    user: &'a str,
    model: &'a str,
    recommendations: Items<'a>,
}

#[derive(Serialize)]
struct HistoryAnswer<'a> {
    history_items: usize,
    model: &'a str,
    recommendations: Items<'a>,
}

#[derive(Serialize)]
struct SimilarAnswer<'a> {
    item: &'a str,
    model: &'a str,
    similar: Items<'a>,
}

#[derive(Serialize)]
struct Prediction<'a> {
    user: &'a str,
    item: &'a str,
    prediction: f64,
    known_user: bool,
    known_item: bool,
}

#[derive(Serialize)]
struct PredictAnswer<'a> {
    model: &'a str,
    /// `rating` or `ranking`, as `rustrec predict --json` says: a ranking model's
    /// predictions are scores that order items, not ratings.
    task: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    prediction: Option<f64>,
    predictions: &'a [Prediction<'a>],
}

/// `GET /v1/items?q=TEXT`: up to `limit` items whose id is `TEXT` or whose title holds it
/// (case-insensitive), the id match first, then in catalogue order — the page's search.
pub fn search_items(
    catalog: &Catalog,
    model_name: Option<&str>,
    text: &str,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let served = pick(catalog, model_name)?;
    let ids = served.recommender().item_ids();
    let needle = text.trim().to_lowercase();
    // `limit` may be as large as the server's --max-n; never more than the items are found.
    let mut found: Vec<u32> = Vec::with_capacity(limit.min(ids.len()));
    if let Some(i) = ids.get_text(text.trim()) {
        found.push(i);
    }
    if !needle.is_empty() {
        for i in 0..ids.len() as u32 {
            if found.len() >= limit {
                break;
            }
            if !found.contains(&i) && served.title(i).to_lowercase().contains(&needle) {
                found.push(i);
            }
        }
    }
    found.truncate(limit);
    let list: Vec<serde_json::Value> = found
        .iter()
        .map(|&i| serde_json::json!({"item": ids.raw(i).to_string(), "title": served.title(i)}))
        .collect();
    Ok(to_json(
        &serde_json::json!({"model": served.name, "items": list}),
    ))
}
