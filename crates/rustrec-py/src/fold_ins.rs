//! Users folded in after training, and how they persist.
//!
//! `partial_fit_users` on a model without an incremental solver (every kind but the ALS
//! family) keeps the trained model as it is and remembers the history given for each
//! user; the engine scores those users from their histories by the model's fold-in
//! ([`FoldIn::score_profile`](rustrec::models::FoldIn)). A new index past the last user
//! grows the id space (new index `k` gets the raw id `k`), and **every index in the gap
//! it leaves is a user with an empty history**, scored by the fold-in of that empty
//! history — as ALS, which re-solves such users, gives them zero factors. So every user
//! of the grown id space is either a trained user or a folded-in one, and none reaches
//! the trained model's user table out of its range.
//!
//! Model files hold the trained model and the seen-item lists of its own users only, so
//! [`FoldIns::to_record`] writes the folded-in users into the file's `training` record
//! under [`RECORD_KEY`]:
//!
//! ```text
//! "fold_ins": {"n_users": 56, "users": [[7, [items...], [values...]], [50, [], []], ...]}
//! ```
//!
//! in index order (a JSON number holds an `f32` exactly, so the values come back to the
//! bit), and [`FoldIns::from_record`] reads them back: a round trip scores every user the
//! same and leaves out the same seen items. Tools that do not know the record (the CLI)
//! read the file as the trained model with its own users, and say so
//! (`rustrec::serving::folded_in_note`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rustrec::data::{IdMap, Interactions, ItemIdx, UserIdx};

use crate::error::value_error;

/// Where a model file's `training` record holds the folded-in users.
pub(crate) const RECORD_KEY: &str = "fold_ins";

/// A user's history as the fold-in scores it: item indices (increasing) and values.
pub(crate) type History = Vec<(ItemIdx, f32)>;

/// The folded-in users of a model (dense index → history).
#[derive(Clone, Debug, Default)]
pub(crate) struct FoldIns {
    by_user: HashMap<u32, History>,
}

impl FoldIns {
    /// The history of user `u`, if folded in.
    pub(crate) fn get(&self, u: u32) -> Option<&History> {
        self.by_user.get(&u)
    }

    /// Whether user `u` is folded in.
    pub(crate) fn contains(&self, u: u32) -> bool {
        self.by_user.contains_key(&u)
    }

    /// Whether no user is folded in.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_user.is_empty()
    }

    /// Folds user `u` in with `history` (replacing an earlier one).
    pub(crate) fn insert(&mut self, u: u32, history: History) {
        self.by_user.insert(u, history);
    }

    /// The record written under [`RECORD_KEY`]: the number of users of the grown id space
    /// and every folded-in user in index order.
    pub(crate) fn to_record(&self, n_users: usize) -> serde_json::Value {
        let ordered: BTreeMap<u32, &History> = self.by_user.iter().map(|(&u, h)| (u, h)).collect();
        let users: Vec<serde_json::Value> = ordered
            .into_iter()
            .map(|(u, h)| {
                let items: Vec<u32> = h.iter().map(|e| e.0.0).collect();
                let values: Vec<f32> = h.iter().map(|e| e.1).collect();
                serde_json::json!([u, items, values])
            })
            .collect();
        serde_json::json!({ "n_users": n_users, "users": users })
    }

    /// The folded-in users of a model file's `training` record and the number of users of
    /// the grown id space, or `None` when the record has none. The record is checked
    /// against the model (`model_users` trained users, `n_items` items): a damaged record
    /// is an error naming what is wrong, never a panic later.
    pub(crate) fn from_record(
        training: &serde_json::Value,
        model_users: usize,
        n_items: usize,
    ) -> PyResult<Option<(usize, FoldIns)>> {
        let Some(record) = training.get(RECORD_KEY) else {
            return Ok(None);
        };
        let bad = |what: &str| {
            PyValueError::new_err(format!(
                "the model file's training record `{RECORD_KEY}` (users folded in by \
                 partial_fit_users) is damaged: {what}"
            ))
        };
        let n_users = record
            .get("n_users")
            .and_then(serde_json::Value::as_u64)
            .map(|n| n as usize)
            .filter(|&n| n >= model_users && n <= u32::MAX as usize)
            .ok_or_else(|| {
                bad(&format!(
                    "n_users missing or below the model's {model_users}"
                ))
            })?;
        let entries = record
            .get("users")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| bad("users missing"))?;
        let mut fold_ins = FoldIns::default();
        for entry in entries {
            let (u, history) = history_of(entry, n_users, n_items).map_err(|e| bad(&e))?;
            fold_ins.insert(u, history);
        }
        if let Some(gap) = (model_users..n_users).find(|&u| !fold_ins.contains(u as u32)) {
            return Err(bad(&format!(
                "user {gap} is past the trained users but not folded in"
            )));
        }
        Ok(Some((n_users, fold_ins)))
    }
}

/// One entry `[user, [items...], [values...]]` of the record, checked.
fn history_of(
    entry: &serde_json::Value,
    n_users: usize,
    n_items: usize,
) -> Result<(u32, History), String> {
    let parts = entry.as_array().filter(|p| p.len() == 3);
    let Some([u, items, values]) = parts.map(Vec::as_slice) else {
        return Err(format!("entry {entry} is not [user, items, values]"));
    };
    let u = u
        .as_u64()
        .filter(|&u| (u as usize) < n_users)
        .ok_or_else(|| format!("user {u} outside 0..{n_users}"))? as u32;
    let items: Vec<u32> = serde_json::from_value(items.clone()).map_err(|e| e.to_string())?;
    let values: Vec<f32> = serde_json::from_value(values.clone()).map_err(|e| e.to_string())?;
    if items.len() != values.len() {
        return Err(format!(
            "user {u}: {} items, {} values",
            items.len(),
            values.len()
        ));
    }
    if items.windows(2).any(|w| w[0] >= w[1])
        || items.last().is_some_and(|&i| i as usize >= n_items)
    {
        return Err(format!(
            "user {u}: items not increasing or outside 0..{n_items}"
        ));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(format!("user {u}: a value is not finite"));
    }
    Ok((u, items.into_iter().map(ItemIdx).zip(values).collect()))
}

/// `users` grown to `n` users: new index `k` gets the raw id `k` (as `partial_fit_users`
/// names the users it adds); refused when another user already has that raw id.
pub(crate) fn grown_users(users: &IdMap, n: usize) -> PyResult<IdMap> {
    let mut grown = users.clone();
    for k in users.len()..n {
        let raw = k as i64;
        if grown.get_int(raw).is_some() {
            return Err(PyValueError::new_err(format!(
                "partial_fit_users: new user index {k} would get the raw id {k}, which \
                 another user already has; this model's users have raw ids (see user_ids)"
            )));
        }
        grown.intern_int(raw);
    }
    Ok(grown)
}

/// The rows of `base` over the id map `users` (one row per user of `users`): row `u` is
/// what `replace(u, items, values)` appends when it returns true, else `base`'s row `u`
/// (empty past `base`'s users).
pub(crate) fn rows_replaced(
    base: &Interactions,
    users: Arc<IdMap>,
    mut replace: impl FnMut(u32, &mut Vec<u32>, &mut Vec<f32>) -> bool,
) -> PyResult<Interactions> {
    let n = users.len();
    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0usize);
    let mut indices = Vec::new();
    let mut values = Vec::new();
    for u in 0..n as u32 {
        if !replace(u, &mut indices, &mut values) && (u as usize) < base.n_users() {
            let row = base.row(UserIdx(u));
            indices.extend_from_slice(row.items);
            values.extend_from_slice(row.values);
        }
        indptr.push(indices.len());
    }
    Interactions::from_csr(
        users,
        Arc::clone(base.item_ids()),
        indptr,
        indices,
        values,
        None,
    )
    .map_err(value_error)
}

/// The first `users.len()` rows of `seen` (the trained users' seen lists, when the id
/// space has grown past them) over the id map `users`.
pub(crate) fn leading_rows(seen: &Interactions, users: Arc<IdMap>) -> PyResult<Interactions> {
    let n = users.len();
    let end = seen.user_ptr()[n];
    Interactions::from_csr(
        users,
        Arc::clone(seen.item_ids()),
        seen.user_ptr()[..=n].to_vec(),
        seen.item_indices()[..end].to_vec(),
        seen.values()[..end].to_vec(),
        None,
    )
    .map_err(value_error)
}

/// The seen lists of a model read back with its folded-in users: the stored lists of
/// the trained users, the folded-in users' histories (with their values) in place of
/// theirs, over `users` (the grown id space).
pub(crate) fn seen_with_fold_ins(
    stored: &Interactions,
    users: Arc<IdMap>,
    fold_ins: &FoldIns,
) -> PyResult<Interactions> {
    rows_replaced(stored, users, |u, items, values| match fold_ins.get(u) {
        Some(h) => {
            items.extend(h.iter().map(|e| e.0.0));
            values.extend(h.iter().map(|e| e.1));
            true
        }
        None => false,
    })
}
