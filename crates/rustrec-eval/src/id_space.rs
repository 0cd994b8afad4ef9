//! Checking that evaluation data is in a model's id space.
//!
//! rustrec keeps train and test in one id space (the same `Arc<IdMap>`s, or maps of which
//! one extends the other, see `IdMap::is_prefix_of`), so a dense index means the same user
//! or item in the model and in the data. The check is cheap: the maps are compared only
//! when they are not the very same `Arc`, and the entries beyond the model's maps are
//! counted in O(1) from the CSR/CSC offsets.

use std::sync::Arc;

use rustrec_core::Recommender;
use rustrec_data::{IdMap, Interactions};

use crate::error::{EvalError, Result};

fn compatible(model: &Arc<IdMap>, data: &Arc<IdMap>) -> bool {
    Arc::ptr_eq(model, data) || model.is_prefix_of(data) || data.is_prefix_of(model)
}

/// Fails unless `data` is in `model`'s id space and every stored interaction has a user
/// and an item the model knows. `name` names the data set in the error (`"test"`).
pub(crate) fn check_in_model_space(
    model: &dyn Recommender,
    data: &Interactions,
    name: &'static str,
) -> Result<()> {
    if !compatible(model.user_ids(), data.user_ids()) {
        return Err(EvalError::IdSpace {
            data: name,
            kind: "user",
        });
    }
    if !compatible(model.item_ids(), data.item_ids()) {
        return Err(EvalError::IdSpace {
            data: name,
            kind: "item",
        });
    }
    let n_users = model.n_users();
    if data.n_users() > n_users {
        let ptr = data.user_ptr();
        let count = ptr[data.n_users()] - ptr[n_users];
        if count > 0 {
            let first = (n_users..data.n_users())
                .find(|&u| ptr[u + 1] > ptr[u])
                .map_or_else(String::new, |u| data.user_ids().raw(u as u32).to_string());
            return Err(EvalError::OutsideModel {
                data: name,
                kind: "user",
                count,
                model_size: n_users,
                first,
            });
        }
    }
    let n_items = model.n_items();
    if data.n_items() > n_items {
        let ptr = data.item_ptr();
        let count = ptr[data.n_items()] - ptr[n_items];
        if count > 0 {
            let first = (n_items..data.n_items())
                .find(|&i| ptr[i + 1] > ptr[i])
                .map_or_else(String::new, |i| data.item_ids().raw(i as u32).to_string());
            return Err(EvalError::OutsideModel {
                data: name,
                kind: "item",
                count,
                model_size: n_items,
                first,
            });
        }
    }
    Ok(())
}
