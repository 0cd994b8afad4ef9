//! Regressions found by fuzzing the model-file loader (`fuzz/`, targets `model_file` and
//! `model_file_structured`). Each test is named after the bug; the model files are the
//! committed fixtures with the damage the fuzzer found, saved with a valid checksum so that
//! they reach the family's loader exactly as a damaged file on disk would.
//!
//! The rule they pin: a model file either loads into a model that can be used (scored,
//! recommended from, folded in) or is refused with an error; it never panics later.

use std::path::{Path, PathBuf};

use rustrec_data::{ItemIdx, UserIdx};
use rustrec_io::{ModelFile, Tensor, read_model, write_model};
use rustrec_models::{Recommender, TrainedModel};

fn fixture(name: &str) -> ModelFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.safetensors"));
    read_model(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes `file` (valid checksum) and loads it back as a model file on disk would be.
fn save_and_load(
    dir: &tempfile::TempDir,
    file: &ModelFile,
) -> rustrec_models::Result<rustrec_models::LoadedModel> {
    let path: PathBuf = dir.path().join("damaged.safetensors");
    write_model(&path, file).unwrap();
    TrainedModel::load(&path)
}

/// Every score of every user, which is what panicked.
fn score_everything(model: &TrainedModel) {
    let mut out = vec![0.0; model.n_items()];
    for u in 0..model.n_users() {
        model.score_into(UserIdx(u as u32), &mut out);
        model.predict(UserIdx(u as u32), ItemIdx(0));
    }
}

/// Bug: an MF or explicit-ALS file whose `rating_range` tensor held NaN (or a minimum above
/// the maximum) loaded, and the first prediction panicked in `f32::clamp` ("min > max, or
/// either was NaN"). Found by `model_file_structured` on `mf-v2`.
#[test]
fn rating_range_with_nan_or_reversed_bounds_is_refused_at_load_not_a_clamp_panic() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["mf-v2", "mf-clip-v2", "als-v2"] {
        for bad in [
            [f32::NAN, 5.0],
            [1.0, f32::NAN],
            [5.0, 1.0],
            [1.0, f32::INFINITY],
        ] {
            let mut file = fixture(name);
            file.insert("rating_range", Tensor::vector(bad.to_vec()))
                .unwrap();
            match save_and_load(&dir, &file) {
                Ok(loaded) => panic!(
                    "{name} with rating_range {bad:?} loaded (kind {})",
                    loaded.model.kind()
                ),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(msg.contains("rating_range"), "{name}: {msg}");
                }
            }
        }
        // An equal minimum and maximum (every training rating the same) is a valid range.
        let mut file = fixture(name);
        file.insert("rating_range", Tensor::vector(vec![3.0f32, 3.0]))
            .unwrap();
        score_everything(&save_and_load(&dir, &file).unwrap().model);
    }
}

/// Bug (same panic): a stored `clip = [hi, lo]` hyperparameter (reversed, or NaN through a
/// hand-edited header) was used by `f32::clamp` at prediction time.
#[test]
fn reversed_clip_parameter_is_refused_at_load_not_a_clamp_panic() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["mf-v2", "als-v2"] {
        let mut file = fixture(name);
        file.header.params["clip"] = serde_json::json!([5.0, 1.0]);
        let msg = save_and_load(&dir, &file).unwrap_err().to_string();
        assert!(msg.contains("clip"), "{name}: {msg}");
    }
}

/// Bug: a file whose stored seen-item offsets (`seen_indptr`) were not increasing, with a
/// middle offset beyond the stored items, panicked while the loader rebuilt the seen
/// items ("range end index 6 out of range for slice of length 0"). Found by
/// `model_file_structured` on every family; fixed in `Interactions::from_csr`.
#[test]
fn seen_items_with_offsets_beyond_the_items_are_refused_not_a_slice_panic() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["mf-v2", "bpr-v2", "als-v2"] {
        let mut file = fixture(name);
        let n_users = file.user_ids.len();
        let mut indptr = vec![0u64; n_users + 1];
        indptr[1] = 6;
        file.insert("seen_indptr", Tensor::vector(indptr)).unwrap();
        file.insert("seen_items", Tensor::vector(Vec::<u32>::new()))
            .unwrap();
        let msg = save_and_load(&dir, &file).unwrap_err().to_string();
        assert!(msg.contains("indptr"), "{name}: {msg}");
    }
}
