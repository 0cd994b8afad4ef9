//! k-core filtering: keep only users and items with enough interactions.
//!
//! Dropping a user lowers the degree of its items, which may push an item below its
//! threshold, whose removal lowers other users' degrees, and so on; one pass is not enough.
//! [`kcore`] peels to the fixed point with a work queue (each entry is removed at most once,
//! so the cost is `O(nnz log d)`, the log for finding an entry in its row): the result is
//! the largest sub-matrix in which every remaining user has at least `min_user` and every
//! remaining item at least `min_item` interactions. It is unique, so the order of removal
//! does not matter.
//!
//! The result keeps the input's id space (the same `Arc<IdMap>`s): dropped users and items
//! keep their index and simply have no interactions. Models then allocate rows for them that
//! stay untouched; that costs a little memory but lets the filtered data be split and
//! evaluated next to the unfiltered data without translating indices.

use std::collections::VecDeque;

use crate::ids::{ItemIdx, UserIdx};
use crate::interactions::Interactions;

/// What [`kcore`] kept and dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KCoreReport {
    /// Users with at least one interaction before filtering.
    pub users_before: usize,
    /// Items with at least one interaction before filtering.
    pub items_before: usize,
    /// Interactions before filtering.
    pub interactions_before: usize,
    /// Users with at least one interaction after filtering (each has `>= min_user`).
    pub users_after: usize,
    /// Items with at least one interaction after filtering (each has `>= min_item`).
    pub items_after: usize,
    /// Interactions after filtering.
    pub interactions_after: usize,
}

/// The (`min_user`, `min_item`)-core of `x`: repeatedly drops users with fewer than
/// `min_user` and items with fewer than `min_item` interactions until none is left, in the
/// same id space (see the module docs). A threshold of 0 or 1 drops nothing on its side.
pub fn kcore(x: &Interactions, min_user: usize, min_item: usize) -> (Interactions, KCoreReport) {
    let mut alive = vec![true; x.nnz()];
    let mut user_deg: Vec<usize> = (0..x.n_users())
        .map(|u| x.user_degree(UserIdx(u as u32)))
        .collect();
    let mut item_deg: Vec<usize> = (0..x.n_items())
        .map(|i| x.item_degree(ItemIdx(i as u32)))
        .collect();
    let users_before = user_deg.iter().filter(|&&d| d > 0).count();
    let items_before = item_deg.iter().filter(|&&d| d > 0).count();

    #[derive(Clone, Copy)]
    enum Node {
        User(u32),
        Item(u32),
    }
    let mut queue: VecDeque<Node> = VecDeque::new();
    let mut user_gone = vec![false; x.n_users()];
    let mut item_gone = vec![false; x.n_items()];
    for (u, &d) in user_deg.iter().enumerate() {
        if d > 0 && d < min_user {
            user_gone[u] = true;
            queue.push_back(Node::User(u as u32));
        }
    }
    for (i, &d) in item_deg.iter().enumerate() {
        if d > 0 && d < min_item {
            item_gone[i] = true;
            queue.push_back(Node::Item(i as u32));
        }
    }
    let ptr = x.user_ptr();
    let items = x.item_indices();
    while let Some(node) = queue.pop_front() {
        match node {
            Node::User(u) => {
                for p in ptr[u as usize]..ptr[u as usize + 1] {
                    if !alive[p] {
                        continue;
                    }
                    alive[p] = false;
                    let i = items[p] as usize;
                    item_deg[i] -= 1;
                    user_deg[u as usize] -= 1;
                    if !item_gone[i] && item_deg[i] < min_item {
                        item_gone[i] = true;
                        queue.push_back(Node::Item(i as u32));
                    }
                }
            }
            Node::Item(i) => {
                for &u in x.col(ItemIdx(i)).users {
                    let (a, b) = (ptr[u as usize], ptr[u as usize + 1]);
                    let Ok(off) = items[a..b].binary_search(&i) else {
                        continue;
                    };
                    let p = a + off;
                    if !alive[p] {
                        continue;
                    }
                    alive[p] = false;
                    user_deg[u as usize] -= 1;
                    item_deg[i as usize] -= 1;
                    if !user_gone[u as usize] && user_deg[u as usize] < min_user {
                        user_gone[u as usize] = true;
                        queue.push_back(Node::User(u));
                    }
                }
            }
        }
    }
    let out = x.filter(|_, _, _, k| alive[k]);
    let report = KCoreReport {
        users_before,
        items_before,
        interactions_before: x.nnz(),
        users_after: user_deg.iter().filter(|&&d| d > 0).count(),
        items_after: item_deg.iter().filter(|&&d| d > 0).count(),
        interactions_after: out.nnz(),
    };
    (out, report)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn peeling_needs_more_than_one_pass() {
        // 2-core on both sides. User 0 rates items 0,1,2; user 1 rates 0,1; user 2 rates 2,3;
        // user 3 rates 3 only.
        // Pass 1: user 3 (1 < 2) goes; item 3 still has user 2 and user 3 → after user 3
        // leaves, item 3 has 1 → goes; then user 2 has only item 2 → goes; then item 2 has
        // only user 0 → goes. Users 0 and 1 with items 0 and 1 remain.
        let x = Interactions::from_index_triplets(
            4,
            4,
            &[
                (0, 0, 1.0),
                (0, 1, 1.0),
                (0, 2, 1.0),
                (1, 0, 1.0),
                (1, 1, 1.0),
                (2, 2, 1.0),
                (2, 3, 1.0),
                (3, 3, 1.0),
            ],
        )
        .unwrap();
        let (core, report) = kcore(&x, 2, 2);
        let kept: Vec<(u32, u32)> = core.iter().map(|(u, i, _)| (u.0, i.0)).collect();
        assert_eq!(kept, vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
        assert_eq!(core.n_users(), 4, "the id space is kept");
        assert_eq!(
            report,
            KCoreReport {
                users_before: 4,
                items_before: 4,
                interactions_before: 8,
                users_after: 2,
                items_after: 2,
                interactions_after: 4,
            }
        );
    }

    /// Naive oracle: whole passes until nothing changes.
    fn naive(x: &Interactions, mu: usize, mi: usize) -> Vec<(u32, u32)> {
        let mut kept: Vec<(u32, u32)> = x.iter().map(|(u, i, _)| (u.0, i.0)).collect();
        loop {
            let mut ud = vec![0usize; x.n_users()];
            let mut id = vec![0usize; x.n_items()];
            for &(u, i) in &kept {
                ud[u as usize] += 1;
                id[i as usize] += 1;
            }
            let next: Vec<_> = kept
                .iter()
                .copied()
                .filter(|&(u, i)| ud[u as usize] >= mu && id[i as usize] >= mi)
                .collect();
            if next.len() == kept.len() {
                return kept;
            }
            kept = next;
        }
    }

    proptest! {
        #[test]
        fn agrees_with_repeated_whole_passes(
            rows in prop::collection::vec((0u32..10, 0u32..10), 0..70),
            mu in 0usize..5, mi in 0usize..5,
        ) {
            let mut seen = std::collections::BTreeSet::new();
            let rows: Vec<(u32, u32, f32)> = rows.into_iter()
                .filter(|&p| seen.insert(p)).map(|(u, i)| (u, i, 1.0)).collect();
            let x = Interactions::from_index_triplets(10, 10, &rows).unwrap();
            let (core, report) = kcore(&x, mu, mi);
            let got: Vec<(u32, u32)> = core.iter().map(|(u, i, _)| (u.0, i.0)).collect();
            prop_assert_eq!(&got, &naive(&x, mu, mi));
            prop_assert_eq!(report.interactions_after, got.len());
            for u in 0..10 {
                let d = core.user_degree(UserIdx(u));
                prop_assert!(d == 0 || d >= mu);
            }
        }
    }
}
