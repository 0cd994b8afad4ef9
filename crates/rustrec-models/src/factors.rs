//! Reading a factor model's tables: the capability that lets callers outside a family (the
//! Python package's numpy views, exports) reach the user and item factors and biases
//! without knowing which family trained them.

use crate::engine::RowTable;

/// The stored factor tables of a matrix-factorization model. Each stored row starts with
/// the `k` latent factors (a family may keep more columns after them, e.g. ALS's bias
/// columns, and pads rows to the SIMD stride).
pub trait FactorTables {
    /// Latent factors k: the leading columns of each stored row.
    fn k(&self) -> usize;

    /// The stored user rows (`None` for models without user vectors, such as AsySVD, whose
    /// users are their histories).
    fn user_rows(&self) -> Option<&RowTable>;

    /// The stored item rows.
    fn item_rows(&self) -> &RowTable;

    /// One bias per user, for models that have user biases.
    fn user_bias(&self) -> Option<Vec<f32>>;

    /// One bias per item, for models that have item biases.
    fn item_bias(&self) -> Option<Vec<f32>>;

    /// The user factors as a dense `n_users × k` row-major matrix.
    fn user_factors(&self) -> Option<Vec<f32>> {
        self.user_rows().map(|t| leading_columns(t, self.k()))
    }

    /// The item factors as a dense `n_items × k` row-major matrix.
    fn item_factors(&self) -> Vec<f32> {
        leading_columns(self.item_rows(), self.k())
    }
}

/// The first `k` columns of every row of `table`, row after row.
fn leading_columns(table: &RowTable, k: usize) -> Vec<f32> {
    (0..table.rows())
        .flat_map(|r| table.row(r)[..k].iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tables(RowTable, RowTable);

    impl FactorTables for Tables {
        fn k(&self) -> usize {
            2
        }
        fn user_rows(&self) -> Option<&RowTable> {
            Some(&self.0)
        }
        fn item_rows(&self) -> &RowTable {
            &self.1
        }
        fn user_bias(&self) -> Option<Vec<f32>> {
            None
        }
        fn item_bias(&self) -> Option<Vec<f32>> {
            None
        }
    }

    #[test]
    fn the_dense_factors_are_the_leading_k_columns_of_each_row() {
        // Three stored columns of which the first two are factors.
        let users = RowTable::from_dense(2, 3, &[1.0, 2.0, 9.0, 3.0, 4.0, 9.0]);
        let items = RowTable::from_dense(1, 3, &[5.0, 6.0, 9.0]);
        let t = Tables(users, items);
        assert_eq!(t.user_factors(), Some(vec![1.0, 2.0, 3.0, 4.0]));
        assert_eq!(t.item_factors(), vec![5.0, 6.0]);
    }
}
