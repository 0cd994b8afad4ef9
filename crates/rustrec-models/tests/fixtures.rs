//! Model files of every kind and every schema version keep loading, with the predictions
//! they were saved with.
//!
//! `tests/fixtures/KIND-vN.safetensors` is a model file of kind KIND written by the build
//! that had schema version N; `KIND-vN.json` holds what that build predicted with it: the
//! score of every (user, item) pair and, for kinds with fold-in, the scores of a new user
//! who rated items 0 and 1 with 4 and 2. Files of version 1 were written by the builds
//! before schemas were versioned and are never rewritten. The fixture of each family's
//! current version is written by this test when `RUSTREC_REGEN_FIXTURES=1` (only when that
//! version is new: an existing fixture is what an earlier build of the same version wrote).

use std::path::{Path, PathBuf};

use rustrec_data::{Interactions, ItemIdx, UserIdx};
use rustrec_models::registry::families;
use rustrec_models::{FitContext, ModelSpec, Recommender, TrainedModel};
use serde_json::{Value, json};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The kinds that have files of their own (BPMF saves `mf` files).
fn file_kinds() -> Vec<&'static str> {
    families()
        .iter()
        .filter(|f| f.saved_as() == f.kind())
        .map(|f| f.kind())
        .collect()
}

/// What a model predicts, in the layout of the `.json` files.
fn predictions(model: &TrainedModel) -> Value {
    let scores: Vec<Vec<f32>> = (0..model.n_users())
        .map(|u| {
            (0..model.n_items())
                .map(|i| model.predict(UserIdx(u as u32), ItemIdx(i as u32)))
                .collect()
        })
        .collect();
    let fold_in = model.as_fold_in().map(|f| {
        let mut out = vec![0.0; model.n_items()];
        f.score_profile(&[(ItemIdx(0), 4.0), (ItemIdx(1), 2.0)], &mut out);
        out
    });
    json!({"scores": scores, "fold_in_items_0_1": fold_in})
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-5 * want.abs().max(1.0)
}

/// Checks that `path` loads and predicts what `golden` says.
fn check_against_golden(path: &Path, golden: &Value) {
    let loaded = TrainedModel::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let got = predictions(&loaded.model);
    let name = path.display();
    let want_scores = golden["scores"].as_array().unwrap();
    let got_scores = got["scores"].as_array().unwrap();
    assert_eq!(got_scores.len(), want_scores.len(), "{name}: users");
    for (u, (g, w)) in got_scores.iter().zip(want_scores).enumerate() {
        let (g, w) = (g.as_array().unwrap(), w.as_array().unwrap());
        assert_eq!(g.len(), w.len(), "{name}: items");
        for (i, (g, w)) in g.iter().zip(w).enumerate() {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            assert!(
                close(g, w),
                "{name}: score ({u}, {i}) is {g}, was saved as {w}"
            );
        }
    }
    match (
        golden["fold_in_items_0_1"].as_array(),
        got["fold_in_items_0_1"].as_array(),
    ) {
        (Some(w), Some(g)) => {
            for (i, (g, w)) in g.iter().zip(w).enumerate() {
                let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
                assert!(
                    close(g, w),
                    "{name}: fold-in score of item {i} is {g}, was {w}"
                );
            }
        }
        // A family may gain a fold-in (the baselines did); it may not lose one.
        (None, _) => {}
        (Some(w), None) => panic!("{name}: the model lost its fold-in (was {w:?})"),
    }
}

fn golden_of(path: &Path) -> Value {
    let text = std::fs::read_to_string(path.with_extension("json"))
        .unwrap_or_else(|e| panic!("{}: {e}", path.with_extension("json").display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_kind_has_a_version_1_fixture_that_loads_with_its_saved_predictions() {
    for kind in file_kinds() {
        let path = dir().join(format!("{kind}-v1.safetensors"));
        assert!(path.exists(), "no version-1 fixture for `{kind}`");
        check_against_golden(&path, &golden_of(&path));
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.format_version, 1);
        assert_eq!(loaded.header.schema_version, 1);
        // Version 1 wrote implicit ALS as kind `als`; the model still knows what it is.
        assert_eq!(loaded.model.kind(), kind, "{}", path.display());
        let family = rustrec_models::registry::family(kind).unwrap();
        assert_eq!(loaded.model.task(), family.task(), "{kind}");
    }
}

/// A small deterministic rating matrix: 30 users × 12 items, 1–5 stars.
fn tiny() -> Interactions {
    let mut rows = Vec::new();
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    for u in 0..30u32 {
        let n = 4 + next() % 6;
        let mut items: Vec<u32> = Vec::new();
        while items.len() < n as usize {
            let i = next() % 12;
            if !items.contains(&i) {
                items.push(i);
            }
        }
        for i in items {
            rows.push((u, i, (1 + next() % 5) as f32));
        }
    }
    Interactions::from_index_triplets(30, 12, &rows).unwrap()
}

/// A MovieLens-100K item file for the 12 items of [`tiny`] (ids 0..12).
fn item_file(dir: &Path) -> PathBuf {
    let path = dir.join("u.item");
    let lines: Vec<String> = (0..12)
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
                "{i}|Movie {i} ({})|01-Jan-{}||http://x|{}",
                1990 + i,
                1990 + i,
                flags.join("|")
            )
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// The parameters each kind's current fixture is trained with (small and quick).
fn fixture_spec(kind: &str, item_file: &Path) -> ModelSpec {
    let item_file = item_file.display().to_string();
    let value = match kind {
        "mf" => json!({"kind": "mf", "factors": 3, "epochs": 3}),
        "bpr" => json!({"kind": "bpr", "factors": 3, "epochs": 3}),
        "als" | "ials" => json!({"kind": kind, "factors": 3, "iterations": 2}),
        "asysvd" => json!({"kind": "asysvd", "factors": 3, "epochs": 2}),
        "slim-mse" => json!({"kind": "slim-mse", "epochs": 2, "lr": 0.001}),
        "item-knn-cbf" => json!({"kind": "item-knn-cbf", "item_file": item_file}),
        "hybrid" => json!({"kind": "hybrid", "components": [
            {"kind": "item-knn", "neighbours": 5},
            {"kind": "item-knn-cbf", "item_file": item_file}], "weights": [1.0, 0.5]}),
        other => json!({"kind": other}),
    };
    ModelSpec::from_json(value).unwrap()
}

#[test]
fn every_kind_has_a_fixture_of_its_current_schema_that_loads_with_its_saved_predictions() {
    let regen = std::env::var_os("RUSTREC_REGEN_FIXTURES").is_some();
    let scratch = tempfile::tempdir().unwrap();
    let items = item_file(scratch.path());
    for kind in file_kinds() {
        let family = rustrec_models::registry::family(kind).unwrap();
        let version = family.schema().version;
        let path = dir().join(format!("{kind}-v{version}.safetensors"));
        if regen && !path.exists() {
            let train = tiny();
            let spec = fixture_spec(kind, &items);
            let content = spec.load_content(Path::new("."), train.item_ids()).unwrap();
            let mut ctx = FitContext::with_threads(42, 1).unwrap();
            let model = spec.fit_with_content(&train, &content, &mut ctx).unwrap();
            model.save(&path, &train, json!({"fixture": true})).unwrap();
            let written = TrainedModel::load(&path).unwrap();
            std::fs::write(
                path.with_extension("json"),
                serde_json::to_string_pretty(&predictions(&written.model)).unwrap(),
            )
            .unwrap();
        }
        assert!(
            path.exists(),
            "no fixture of schema version {version} for `{kind}`"
        );
        check_against_golden(&path, &golden_of(&path));
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.header.schema_version, version, "{kind}");
        assert_eq!(loaded.header.kind, kind);
        // The file is valid against the declared schema of its family.
        let file = rustrec_io::read_model(&path).unwrap();
        family.schema().validate(&file).unwrap();
        // What is declared is what is written: no undeclared tensor besides the seen items.
        for name in file.tensors.keys() {
            assert!(
                family.schema().tensor(name).is_some() || name.starts_with("seen_"),
                "{kind}: tensor `{name}` is not in the schema"
            );
        }
    }
}

#[test]
fn every_declared_tensor_says_what_it_holds() {
    for f in families() {
        for t in f.schema().tensors {
            assert!(
                !t.about.is_empty(),
                "{}: tensor `{}` has no description",
                f.kind(),
                t.name
            );
        }
    }
}
