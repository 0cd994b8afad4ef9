//! Scoring users in blocks (`score_users_into`, which full-ranking evaluation uses) gives
//! every user the bits of scoring it alone (`score_into`), for the factor models that score
//! against tiles of the item table and for a model that keeps the one-by-one default.

use rustrec_core::Recommender;
use rustrec_data::{Interactions, UserIdx};
use rustrec_models::{FitContext, ModelSpec};

/// 1,300 users × 1,200 items (more than two tiles of items), 8–30 ratings a user.
fn ratings() -> Interactions {
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    let (nu, ni) = (1300u32, 1200u32);
    let mut rows = Vec::new();
    for u in 0..nu {
        let n = 8 + next() % 23;
        let mut items: Vec<u32> = Vec::new();
        while items.len() < n as usize {
            let i = (next() % ni).min(next() % ni);
            if !items.contains(&i) {
                items.push(i);
            }
        }
        rows.extend(items.into_iter().map(|i| (u, i, (1 + next() % 5) as f32)));
    }
    Interactions::from_index_triplets(nu as usize, ni as usize, &rows).unwrap()
}

#[test]
fn blocks_of_users_get_the_bits_of_one_user_at_a_time() {
    let train = ratings();
    let users: Vec<UserIdx> = (0..train.n_users() as u32)
        .step_by(13)
        .map(UserIdx)
        .collect();
    for kind in ["mf", "als", "ials", "bpr", "item-knn"] {
        let spec = ModelSpec::new(kind).unwrap();
        let spec = match spec.epochs() {
            Some(e) if e > 2 => spec.with_epochs(2),
            _ => spec,
        };
        let mut ctx = FitContext::with_threads(11, 2).unwrap();
        let model = spec.fit(&train, &mut ctx).unwrap();
        let n = model.n_items();
        let mut block = vec![f32::NAN; users.len() * n];
        model.score_users_into(&users, &mut block);
        let mut one = vec![0.0f32; n];
        for (r, &u) in users.iter().enumerate() {
            model.score_into(u, &mut one);
            let row = &block[r * n..(r + 1) * n];
            assert!(
                row.iter()
                    .zip(&one)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{kind}: user {} scored in a block differs from alone",
                u.0
            );
        }
        assert!(one.iter().any(|&s| s != one[0]), "{kind}: scores vary");
    }
}
