//! Same seed, same bytes: every kind in the registry, trained with its defaults (a few
//! epochs) on the same data and seed, saves a byte-identical file whatever the thread count.
//! The data is large enough that every parallel loop splits its work (more than one block of
//! users, items and bins).

use std::path::Path;

use rustrec_data::Interactions;
use rustrec_models::registry::families;
use rustrec_models::{FitContext, ModelSpec};
use serde_json::json;

const USERS: u32 = 700;
const ITEMS: u32 = 600;

/// A seeded rating matrix: each user rates 10–40 items, with 1–5 stars.
fn ratings() -> Interactions {
    let mut state = 99u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    let mut rows = Vec::new();
    for u in 0..USERS {
        let n = 10 + next() % 31;
        let mut items: Vec<u32> = Vec::new();
        while items.len() < n as usize {
            // Popular items more often, so item degrees differ widely.
            let i = (next() % ITEMS).min(next() % ITEMS);
            if !items.contains(&i) {
                items.push(i);
            }
        }
        for i in items {
            rows.push((u, i, (1 + next() % 5) as f32));
        }
    }
    Interactions::from_index_triplets(USERS as usize, ITEMS as usize, &rows).unwrap()
}

/// A MovieLens-100K item file for the items of [`ratings`] (ids 0..ITEMS), two genres each.
fn write_item_file(path: &Path) {
    let lines: Vec<String> = (0..ITEMS)
        .map(|i| {
            let flags: Vec<&str> = (0..19)
                .map(|g| {
                    if g == 1 + i % 18 || g == 1 + (i * 7) % 18 {
                        "1"
                    } else {
                        "0"
                    }
                })
                .collect();
            format!(
                "{i}|Movie {i} (1995)|01-Jan-1995||http://x|{}",
                flags.join("|")
            )
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// The defaults of `kind`, with at most three epochs so that the test stays quick.
fn spec(kind: &str, item_file: &Path) -> ModelSpec {
    let item_file = item_file.display().to_string();
    let mut spec = match kind {
        "hybrid" => ModelSpec::from_json(json!({"kind": "hybrid", "components": [
            {"kind": "item-knn"}, {"kind": "item-knn-cbf", "item_file": item_file}]}))
        .unwrap(),
        _ => ModelSpec::new(kind).unwrap(),
    };
    if !spec.content_files().is_empty() && kind != "hybrid" {
        spec.set_item_file(&item_file);
    }
    match spec.epochs() {
        Some(e) if e > 3 => spec.with_epochs(3),
        _ => spec,
    }
}

fn saved_bytes(spec: &ModelSpec, train: &Interactions, threads: usize, dir: &Path) -> Vec<u8> {
    let content = spec.load_content(Path::new("."), train.item_ids()).unwrap();
    let mut ctx = FitContext::with_threads(2024, threads).unwrap();
    let model = spec.fit_with_content(train, &content, &mut ctx).unwrap();
    let path = dir.join(format!("{}-{threads}.safetensors", spec.kind()));
    model
        .save(&path, train, json!({"test": "same_bytes"}))
        .unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn every_kind_saves_the_same_bytes_on_one_two_and_three_threads() {
    let dir = tempfile::tempdir().unwrap();
    let item_file = dir.path().join("u.item");
    write_item_file(&item_file);
    let train = ratings();
    assert!(families().len() >= 12);
    for family in families() {
        let spec = spec(family.kind(), &item_file);
        let one = saved_bytes(&spec, &train, 1, dir.path());
        for threads in [2, 3] {
            assert!(
                one == saved_bytes(&spec, &train, threads, dir.path()),
                "`{}` saved different bytes on 1 and {threads} threads",
                family.kind()
            );
        }
    }
}
