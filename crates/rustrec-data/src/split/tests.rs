//! Hand-checked cases and property tests of the splits.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::{DuplicatePolicy, IdMap, Triplets, UserIdx};

fn build(n_users: usize, n_items: usize, rows: &[(u32, u32, f32, i64)]) -> Interactions {
    let mut t = Triplets::new("test", true, false);
    for &(u, i, v, ts) in rows {
        t.push(u, i, v, Some(ts), 0);
    }
    t.build(
        Arc::new(IdMap::identity(n_users)),
        Arc::new(IdMap::identity(n_items)),
        DuplicatePolicy::KeepLast,
    )
    .unwrap()
}

fn entries(x: &Interactions) -> BTreeMap<(u32, u32), (u32, i64)> {
    let ts = x.timestamps().unwrap();
    let mut out = BTreeMap::new();
    for (k, (u, i, v)) in x.iter().enumerate() {
        out.insert((u.0, i.0), (v.to_bits(), ts[k]));
    }
    out
}

/// Train and test are disjoint, cover `x` exactly (values and timestamps included) and
/// share its id maps.
fn assert_partition(x: &Interactions, s: &Split) {
    assert!(Arc::ptr_eq(x.user_ids(), s.train.user_ids()));
    assert!(Arc::ptr_eq(x.item_ids(), s.test.item_ids()));
    let (train, test) = (entries(&s.train), entries(&s.test));
    assert!(train.keys().all(|key| !test.contains_key(key)));
    let mut union = train.clone();
    union.extend(test);
    assert_eq!(union, entries(x));
    assert_eq!(s.report.train_interactions, s.train.nnz());
    assert_eq!(s.report.test_interactions, s.test.nnz());
}

fn data() -> impl Strategy<Value = Interactions> {
    (1usize..12, 1usize..15).prop_flat_map(|(nu, ni)| {
        prop::collection::vec((0..nu as u32, 0..ni as u32, 1u8..=5, 0i64..20), 0..80).prop_map(
            move |rows| {
                let rows: Vec<_> = rows
                    .into_iter()
                    .map(|(u, i, v, t)| (u, i, f32::from(v), t))
                    .collect();
                build(nu, ni, &rows)
            },
        )
    })
}

proptest! {
    #[test]
    fn holdout_partitions_with_the_exact_test_size(x in data(), f in 0.05f64..0.95, seed: u64) {
        let s = holdout(&x, f, seed).unwrap();
        assert_partition(&x, &s);
        prop_assert_eq!(s.test.nnz(), (x.nnz() as f64 * f).round() as usize);
        let again = holdout(&x, f, seed).unwrap();
        prop_assert_eq!(entries(&again.test), entries(&s.test));
    }

    #[test]
    fn leave_k_out_takes_exactly_k_from_users_with_more(
        x in data(), k in 1usize..4, seed: u64, latest: bool,
    ) {
        let which = if latest { LeaveOut::Latest } else { LeaveOut::Random };
        let s = leave_k_out(&x, k, which, seed).unwrap();
        assert_partition(&x, &s);
        for u in 0..x.n_users() {
            let u = UserIdx(u as u32);
            let want = if x.user_degree(u) > k { k } else { 0 };
            prop_assert_eq!(s.test.user_degree(u), want);
        }
        if latest {
            // Oracle: sort the row by (timestamp, item) and take the last k.
            let ts = x.timestamps().unwrap();
            for u in 0..x.n_users() {
                let (a, b) = (x.user_ptr()[u], x.user_ptr()[u + 1]);
                if b - a <= k { continue; }
                let mut keys: Vec<(i64, u32)> =
                    (a..b).map(|p| (ts[p], x.item_indices()[p])).collect();
                keys.sort();
                let mut want: Vec<u32> = keys[b - a - k..].iter().map(|&(_, i)| i).collect();
                want.sort();
                prop_assert_eq!(s.test.row(UserIdx(u as u32)).items, &want[..]);
            }
        }
        let again = leave_k_out(&x, k, which, seed).unwrap();
        prop_assert_eq!(entries(&again.test), entries(&s.test));
    }

    #[test]
    fn temporal_test_entries_are_never_earlier_than_train_entries(
        x in data(), f in 0.05f64..0.95,
    ) {
        let s = temporal(&x, f).unwrap();
        assert_partition(&x, &s);
        prop_assert_eq!(s.test.nnz(), (x.nnz() as f64 * f).round() as usize);
        let latest_train = s.train.timestamps().unwrap().iter().max().copied();
        let earliest_test = s.test.timestamps().unwrap().iter().min().copied();
        if let (Some(a), Some(b)) = (latest_train, earliest_test) {
            prop_assert!(a <= b);
        }
    }

    #[test]
    fn temporal_at_cuts_at_the_timestamp(x in data(), cut in 0i64..21) {
        let s = temporal_at(&x, cut).unwrap();
        assert_partition(&x, &s);
        prop_assert!(s.train.timestamps().unwrap().iter().all(|&t| t < cut));
        prop_assert!(s.test.timestamps().unwrap().iter().all(|&t| t >= cut));
    }

    #[test]
    fn cold_counts_match_a_naive_count_and_dropping_removes_them(x in data(), seed: u64) {
        let mut s = holdout(&x, 0.5, seed).unwrap();
        let train_users: std::collections::BTreeSet<u32> = s.train.iter().map(|e| e.0.0).collect();
        let train_items: std::collections::BTreeSet<u32> = s.train.iter().map(|e| e.1.0).collect();
        let cold_rows = s.test.iter()
            .filter(|(u, i, _)| !train_users.contains(&u.0) || !train_items.contains(&i.0))
            .count();
        let cold_users: std::collections::BTreeSet<u32> = s.test.iter()
            .map(|e| e.0.0).filter(|u| !train_users.contains(u)).collect();
        let cold_items: std::collections::BTreeSet<u32> = s.test.iter()
            .map(|e| e.1.0).filter(|i| !train_items.contains(i)).collect();
        prop_assert_eq!(s.report.cold_test_rows, cold_rows);
        prop_assert_eq!(s.report.cold_test_users, cold_users.len());
        prop_assert_eq!(s.report.cold_test_items, cold_items.len());
        let test_before = s.test.nnz();
        let removed = drop_cold_test_rows(&mut s);
        prop_assert_eq!(removed, cold_rows);
        prop_assert_eq!(s.test.nnz(), test_before - cold_rows);
        prop_assert_eq!(s.report.dropped_cold_rows, cold_rows);
        prop_assert_eq!(s.report.cold_test_rows, 0);
        prop_assert_eq!(s.report.cold_test_users, 0);
    }
}

fn grid(n_users: u32, n_items: u32) -> Interactions {
    let mut rows = Vec::new();
    for u in 0..n_users {
        for i in 0..n_items {
            rows.push((u, i, 1.0 + ((u + i) % 5) as f32, i64::from(u * 100 + i)));
        }
    }
    build(n_users as usize, n_items as usize, &rows)
}

#[test]
fn another_seed_gives_another_holdout() {
    let x = grid(20, 20);
    let a = holdout(&x, 0.2, 1).unwrap();
    let b = holdout(&x, 0.2, 2).unwrap();
    assert_eq!(a.test.nnz(), 80);
    assert_ne!(entries(&a.test), entries(&b.test));
    let c = leave_k_out(&x, 2, LeaveOut::Random, 1).unwrap();
    let d = leave_k_out(&x, 2, LeaveOut::Random, 2).unwrap();
    assert_ne!(entries(&c.test), entries(&d.test));
}

#[test]
fn latest_leave_one_out_breaks_timestamp_ties_by_item_index() {
    // User 0: items 0, 1, 2 at times 5, 9, 9 → item 2 (same time as 1, larger index).
    // User 1: one entry → stays in train.
    let x = build(
        2,
        3,
        &[
            (0, 0, 1.0, 5),
            (0, 1, 2.0, 9),
            (0, 2, 3.0, 9),
            (1, 0, 4.0, 1),
        ],
    );
    let s = leave_k_out(&x, 1, LeaveOut::Latest, 0).unwrap();
    assert_eq!(s.test.row(UserIdx(0)).items, &[2]);
    assert_eq!(s.test.user_degree(UserIdx(1)), 0);
    assert_eq!(s.train.row(UserIdx(0)).items, &[0, 1]);
}

#[test]
fn temporal_split_makes_late_users_cold_and_reports_them() {
    // User 0 rates at 1, 2; user 1 only at 10 → cold test user after a cut at 5.
    // Item 2 is only rated at 10 → cold test item.
    let x = build(
        2,
        3,
        &[
            (0, 0, 1.0, 1),
            (0, 1, 1.0, 2),
            (0, 2, 1.0, 10),
            (1, 0, 1.0, 10),
        ],
    );
    let s = temporal_at(&x, 5).unwrap();
    let r = s.report;
    assert_eq!((r.train_interactions, r.test_interactions), (2, 2));
    assert_eq!((r.train_users, r.test_users), (1, 2));
    assert_eq!(
        (r.cold_test_users, r.cold_test_items, r.cold_test_rows),
        (1, 1, 2)
    );
    let warm = s.without_cold_test_rows();
    assert_eq!(warm.test.nnz(), 0);
    assert_eq!(warm.report.dropped_cold_rows, 2);
}

#[test]
fn errors_name_the_problem() {
    let no_time = Interactions::from_index_triplets(1, 2, &[(0, 0, 1.0), (0, 1, 2.0)]).unwrap();
    let msg = leave_k_out(&no_time, 1, LeaveOut::Latest, 0)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("timestamps"), "{msg}");
    assert!(temporal(&no_time, 0.2).is_err());
    let msg = holdout(&no_time, 20.0, 0).unwrap_err().to_string();
    assert!(msg.contains("test_fraction = 20"), "{msg}");
    assert!(leave_k_out(&no_time, 0, LeaveOut::Random, 0).is_err());
}

#[test]
fn a_predefined_pair_is_checked_and_reported() {
    let x = grid(3, 3);
    let s = holdout(&x, 0.3, 7).unwrap();
    let again = Split::new(s.train.clone(), s.test.clone()).unwrap();
    assert_eq!(again.report, s.report);
    assert!(Split::new(x.clone(), s.test.clone()).is_err());
}

#[test]
fn validation_split_carves_from_train_only() {
    let x = grid(10, 10);
    let s = holdout(&x, 0.2, 3).unwrap();
    let v = validation_split(&s.train, 0.25, 3).unwrap();
    assert_eq!(v.test.nnz(), 20);
    assert_eq!(v.train.nnz() + v.test.nnz(), s.train.nnz());
    for (u, i, _) in v.test.iter() {
        assert!(!s.test.contains(u, i) && s.train.contains(u, i));
    }
}

#[test]
fn validation_leave_k_out_takes_k_per_user_from_train_only() {
    // User u has 3 + u items, 2 + u after the outer leave-one-out: user 0 stays whole, the
    // others give exactly 2 to validation.
    let rows: Vec<(u32, u32, f32, i64)> = (0..8u32)
        .flat_map(|u| (0..3 + u).map(move |i| (u, i, 1.0, i64::from(i))))
        .collect();
    let x = build(8, 12, &rows);
    let s = leave_k_out(&x, 1, LeaveOut::Random, 5).unwrap();
    let v = validation_leave_k_out(&s.train, 2, 5).unwrap();
    assert_partition(&s.train, &v);
    for u in 0..8u32 {
        let in_train = s.train.user_degree(UserIdx(u));
        let want = if in_train > 2 { 2 } else { 0 };
        assert_eq!(v.test.user_degree(UserIdx(u)), want, "user {u}");
    }
    for (u, i, _) in v.test.iter() {
        assert!(!s.test.contains(u, i) && s.train.contains(u, i));
    }
    // Its own draws, not those of a leave-k-out with the same seed.
    let same_seed = leave_k_out(&s.train, 2, LeaveOut::Random, 5).unwrap();
    assert_ne!(entries(&v.test), entries(&same_seed.test));
}
