//! [`UserProfiles`]: the training rows a profile-based model keeps to score its users.
//!
//! Models such as EASE and AsySVD have no user parameters: a user's scores are computed from
//! the items in their history (`r̂_u = x_u · B`, `r̂_u = (x_u V₁) V₂ᵀ`). The model therefore
//! keeps each training user's row — item indices and values, CSR — and saves it with its
//! parameters (tensors `profile_ptr` (u64, n_users + 1), `profile_items` (u32),
//! `profile_values` (f32)).

use rustrec_data::{Interactions, UserIdx};
use rustrec_io::{ANY, ModelFile, Tensor};

use crate::error::{ModelError, Result};

/// Every training user's items and values, CSR.
#[derive(Clone, Debug, PartialEq)]
pub struct UserProfiles {
    ptr: Vec<usize>,
    items: Vec<u32>,
    values: Vec<f32>,
}

impl UserProfiles {
    /// The rows of `train`, with every value replaced by 1 when `binary`.
    pub fn from_interactions(train: &Interactions, binary: bool) -> Self {
        let values = if binary {
            vec![1.0; train.nnz()]
        } else {
            train.values().to_vec()
        };
        UserProfiles {
            ptr: train.user_ptr().to_vec(),
            items: train.item_indices().to_vec(),
            values,
        }
    }

    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.ptr.len().saturating_sub(1)
    }

    /// Total number of stored (user, item) entries.
    pub fn nnz(&self) -> usize {
        self.items.len()
    }

    /// Items (increasing) and values of `user`; empty for users out of range.
    #[inline]
    pub fn row(&self, user: UserIdx) -> (&[u32], &[f32]) {
        let u = user.index();
        if u + 1 >= self.ptr.len() {
            return (&[], &[]);
        }
        let (a, b) = (self.ptr[u], self.ptr[u + 1]);
        (&self.items[a..b], &self.values[a..b])
    }

    /// Adds the three profile tensors to `file`.
    pub(crate) fn add_to(&self, file: ModelFile) -> Result<ModelFile> {
        let ptr: Vec<u64> = self.ptr.iter().map(|&p| p as u64).collect();
        Ok(file
            .with("profile_ptr", Tensor::vector(ptr))?
            .with("profile_items", Tensor::vector(self.items.clone()))?
            .with("profile_values", Tensor::vector(self.values.clone()))?)
    }

    /// Reads the profile tensors of a file with `n_users` users and `n_items` items, checking
    /// that they form valid CSR arrays.
    pub(crate) fn take_from(file: &mut ModelFile, n_users: usize, n_items: usize) -> Result<Self> {
        let ptr = file.take::<u64>("profile_ptr", &[n_users + 1])?;
        let items = file.take::<u32>("profile_items", &[ANY])?;
        let values = file.take::<f32>("profile_values", &[items.len()])?;
        let bad = |what: String| {
            ModelError::Data(format!(
                "{}: invalid user profiles: {what}",
                file.source()
                    .map_or("model file".to_string(), |p| p.display().to_string())
            ))
        };
        if ptr.first() != Some(&0) || ptr.last().copied() != Some(items.len() as u64) {
            return Err(bad(format!(
                "profile_ptr runs from {:?} to {:?} for {} entries",
                ptr.first(),
                ptr.last(),
                items.len()
            )));
        }
        if let Some(u) = ptr.windows(2).position(|w| w[0] > w[1]) {
            return Err(bad(format!("profile_ptr decreases at user {u}")));
        }
        if let Some(k) = items.iter().position(|&i| i as usize >= n_items) {
            return Err(bad(format!(
                "profile_items[{k}] = {} is not below n_items = {n_items}",
                items[k]
            )));
        }
        Ok(UserProfiles {
            ptr: ptr.into_iter().map(|p| p as usize).collect(),
            items,
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustrec_data::IdMap;
    use rustrec_io::Header;

    #[test]
    fn rows_round_trip_through_tensors_and_bad_arrays_are_refused() {
        let x = Interactions::from_index_triplets(3, 4, &[(0, 1, 5.0), (0, 3, 2.0), (2, 0, 4.0)])
            .unwrap();
        let p = UserProfiles::from_interactions(&x, false);
        assert_eq!(p.row(UserIdx(0)), (&[1u32, 3][..], &[5.0f32, 2.0][..]));
        assert_eq!(p.row(UserIdx(1)).0.len(), 0);
        assert_eq!(p.row(UserIdx(9)).0.len(), 0);
        assert_eq!(
            UserProfiles::from_interactions(&x, true).row(UserIdx(2)).1,
            &[1.0]
        );
        let file = ModelFile::new(
            Header::new("t", 3, 4),
            IdMap::identity(3),
            IdMap::identity(4),
        );
        let mut file = p.add_to(file).unwrap();
        let back = UserProfiles::take_from(&mut file.clone(), 3, 4).unwrap();
        assert_eq!(back, p);
        let err = UserProfiles::take_from(&mut file.clone(), 3, 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("profile_items[1] = 3"), "{err}");
        file.insert("profile_ptr", Tensor::vector(vec![0u64, 2, 1, 3]))
            .unwrap();
        let err = UserProfiles::take_from(&mut file, 3, 4)
            .unwrap_err()
            .to_string();
        assert!(err.contains("decreases at user 1"), "{err}");
    }
}
