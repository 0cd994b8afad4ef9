//! The model container end to end: round trips, the committed fixture of every format version,
//! and every way a file can be wrong.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rustrec_data::{IdKind, IdMap, RawId};
use rustrec_io::{
    ANY, DType, FORMAT_VERSION, Header, IoError, ModelFile, OLDEST_SUPPORTED_VERSION, Tensor,
    read_header, read_model, write_model,
};
use serde_json::json;

fn fixture_path(version: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("container-v{version}.safetensors"))
}

/// The model saved in the fixture of the current format version. Its values are spelled out
/// again in `the_v1_fixture_still_loads_with_every_value`, so editing this function without
/// adding a new fixture is caught.
fn fixture_model() -> ModelFile {
    let mut header = Header::new("mf", 3, 2);
    header.rustrec_version = "0.1.0".into();
    header.params = json!({"factors": 2, "learning_rate": 0.01, "loss": "squared"});
    header.training =
        json!({"epochs": 2, "seed": 42, "history": [{"epoch": 1, "train_loss": 0.5}]});
    header.data_fingerprint = 0x0123_4567_89ab_cdef;
    let users = IdMap::from_ints([10, -20, 1 << 40]).unwrap();
    let items = IdMap::from_strs(["tt0111161", "élan vital"]).unwrap();
    ModelFile::new(header, users, items)
        .with(
            "user_factors",
            Tensor::matrix(
                3,
                2,
                vec![1.0f32, -2.5, 0.0, -0.0, f32::MIN_POSITIVE / 4.0, 3.25e10],
            ),
        )
        .unwrap()
        .with("item_bias", Tensor::vector(vec![0.125f32, f32::INFINITY]))
        .unwrap()
        .with("sim_indptr", Tensor::vector(vec![0u64, 1, u64::MAX]))
        .unwrap()
        .with("sim_indices", Tensor::vector(vec![1u32, u32::MAX]))
        .unwrap()
        .with("counts", Tensor::new(vec![1, 2], vec![i64::MIN, 7i64]))
        .unwrap()
}

/// Writes the fixture of the current version when `RUSTREC_REGEN_FIXTURES=1`. A fixture of a
/// past version must never be regenerated: it is what old builds wrote.
#[test]
fn regenerate_fixture_when_asked() {
    if std::env::var("RUSTREC_REGEN_FIXTURES").as_deref() == Ok("1") {
        write_model(fixture_path(FORMAT_VERSION), &fixture_model()).unwrap();
    }
}

#[test]
fn the_v1_fixture_still_loads_with_every_value() {
    let path = fixture_path(1);
    let file = read_model(&path).unwrap();
    let h = &file.header;
    assert_eq!(h.format, "rustrec-model");
    assert_eq!(h.format_version, 1);
    assert_eq!(h.kind, "mf");
    assert_eq!(h.rustrec_version, "0.1.0");
    assert_eq!(
        h.params,
        json!({"factors": 2, "learning_rate": 0.01, "loss": "squared"})
    );
    assert_eq!(
        h.training,
        json!({"epochs": 2, "seed": 42, "history": [{"epoch": 1, "train_loss": 0.5}]})
    );
    assert_eq!(h.data_fingerprint, 0x0123_4567_89ab_cdef);
    assert_eq!((h.n_users, h.n_items), (3, 2));
    assert_eq!(file.user_ids.int_ids(), Some(&[10, -20, 1 << 40][..]));
    assert_eq!(file.item_ids.kind(), IdKind::Str);
    assert_eq!(file.item_ids.raw(1), RawId::from("élan vital"));
    assert_eq!(file.item_ids.get_text("tt0111161"), Some(0));

    let p = file.f32("user_factors", &[3, 2]).unwrap();
    let bits: Vec<u32> = p.iter().map(|v| v.to_bits()).collect();
    let want: Vec<u32> = [1.0f32, -2.5, 0.0, -0.0, f32::MIN_POSITIVE / 4.0, 3.25e10]
        .iter()
        .map(|v| v.to_bits())
        .collect();
    assert_eq!(bits, want);
    assert_eq!(
        file.f32("item_bias", &[2]).unwrap(),
        &[0.125, f32::INFINITY]
    );
    assert_eq!(file.u64("sim_indptr", &[3]).unwrap(), &[0, 1, u64::MAX]);
    assert_eq!(file.u32("sim_indices", &[2]).unwrap(), &[1, u32::MAX]);
    assert_eq!(file.i64("counts", &[1, 2]).unwrap(), &[i64::MIN, 7]);
    assert_eq!(file.tensors.len(), 5, "id tensors are not model tensors");
}

#[test]
fn every_supported_version_has_a_committed_fixture() {
    for v in OLDEST_SUPPORTED_VERSION..=FORMAT_VERSION {
        let path = fixture_path(v);
        assert!(path.exists(), "missing fixture {}", path.display());
        assert_eq!(read_model(&path).unwrap().header.format_version, v);
    }
}

#[test]
fn a_model_round_trips_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    let model = fixture_model();
    write_model(&path, &model).unwrap();
    let back = read_model(&path).unwrap();
    assert_eq!(back.header, model.header);
    assert_eq!(back.user_ids, model.user_ids);
    assert_eq!(back.item_ids, model.item_ids);
    assert_eq!(back.source(), Some(path.as_path()));
    for (name, t) in &model.tensors {
        let b = &back.tensors[name];
        assert_eq!((b.dtype(), b.shape()), (t.dtype(), t.shape()), "{name}");
    }
    assert_eq!(back.tensors["sim_indices"], model.tensors["sim_indices"]);
    assert_eq!(read_header(&path).unwrap(), model.header);
}

#[test]
fn writing_replaces_the_file_and_leaves_no_temporary_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    std::fs::write(&path, b"old content").unwrap();
    let model = fixture_model();
    write_model(&path, &model).unwrap();
    write_model(&path, &model).unwrap();
    assert!(read_model(&path).is_ok());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("m.safetensors")]);
}

#[test]
fn empty_id_maps_and_no_tensors_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.safetensors");
    let model = ModelFile::new(Header::new("pop", 0, 0), IdMap::new_int(), IdMap::new_str());
    write_model(&path, &model).unwrap();
    let back = read_model(&path).unwrap();
    assert_eq!(back.user_ids.len(), 0);
    assert_eq!(back.item_ids.kind(), IdKind::Str);
    assert!(back.tensors.is_empty());
}

/// Rewrites the rustrec JSON header of a model file in place (tensor data untouched).
fn edit_header(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut outer: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let text = outer["__metadata__"]["rustrec"]
        .as_str()
        .unwrap()
        .to_string();
    let mut header: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut header);
    outer["__metadata__"]["rustrec"] = header.to_string().into();
    let mut prefix = outer.to_string().into_bytes();
    prefix.resize(prefix.len().next_multiple_of(8), b' ');
    let mut out = (prefix.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&prefix);
    out.extend_from_slice(&bytes[8 + n..]);
    std::fs::write(path, out).unwrap();
}

fn written_fixture(dir: &Path) -> PathBuf {
    let path = dir.join("m.safetensors");
    write_model(&path, &fixture_model()).unwrap();
    path
}

#[test]
fn a_newer_or_older_format_version_is_a_typed_incompatibility() {
    let dir = tempfile::tempdir().unwrap();
    for found in [FORMAT_VERSION + 1, OLDEST_SUPPORTED_VERSION - 1] {
        let path = written_fixture(dir.path());
        // A future version may change every other field: only magic and version are needed.
        edit_header(&path, |h| {
            *h = json!({"format": "rustrec-model", "format_version": found, "whatever": []});
        });
        let err = read_model(&path).unwrap_err();
        match &err {
            IoError::IncompatibleVersion {
                path: p,
                found: f,
                oldest_supported,
                newest_supported,
            } => {
                assert_eq!((p, *f), (&path, found));
                assert_eq!(*oldest_supported, OLDEST_SUPPORTED_VERSION);
                assert_eq!(*newest_supported, FORMAT_VERSION);
            }
            other => panic!("expected IncompatibleVersion, got {other}"),
        }
        let text = err.to_string();
        assert!(
            text.contains(&format!("version {found} is not supported")),
            "{text}"
        );
        assert!(text.contains(if found > FORMAT_VERSION {
            "newer"
        } else {
            "older"
        }));
        assert!(matches!(
            read_header(&path),
            Err(IoError::IncompatibleVersion { .. })
        ));
    }
}

#[test]
fn files_that_are_not_rustrec_models_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("ratings.csv");
    std::fs::write(&csv, "user,item,rating\n1,2,3.5\n4,5,1.0\n").unwrap();
    let tiny = dir.path().join("tiny");
    std::fs::write(&tiny, b"abc").unwrap();
    // A valid safetensors file written by another program.
    let foreign = dir.path().join("torch.safetensors");
    let data = 1.0f32.to_le_bytes();
    let view =
        safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![1], &data).unwrap();
    safetensors::serialize_to_file([("w", view)], None, &foreign).unwrap();
    // A rustrec-like header with another magic.
    let other_magic = written_fixture(dir.path());
    edit_header(&other_magic, |h| h["format"] = "tantivy-index".into());

    for path in [&csv, &tiny, &foreign, &other_magic] {
        let err = read_model(path).unwrap_err();
        assert!(
            matches!(&err, IoError::NotAModelFile { path: p, .. } if p == path),
            "{}: {err}",
            path.display()
        );
        assert!(
            err.to_string().contains("not a rustrec model file"),
            "{err}"
        );
    }
}

#[test]
fn every_truncation_is_an_error_and_past_the_header_says_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = written_fixture(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let cut = dir.path().join("cut.safetensors");
    for len in 0..bytes.len() {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        let err = read_model(&cut).unwrap_err();
        match err {
            IoError::Corrupt { ref reason, .. } => {
                if len >= header_end {
                    assert!(reason.starts_with("truncated:"), "{len}: {reason}");
                }
            }
            IoError::NotAModelFile { .. } => assert!(len < header_end, "{len}: {err}"),
            other => panic!("cut at {len}: unexpected {other}"),
        }
    }
    // Once the magic is in, a cut inside the header is corruption, not another format.
    std::fs::write(&cut, &bytes[..header_end - 1]).unwrap();
    assert!(matches!(read_model(&cut), Err(IoError::Corrupt { .. })));
}

#[test]
fn appended_bytes_are_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let path = written_fixture(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&[0; 4]);
    std::fs::write(&path, bytes).unwrap();
    let err = read_model(&path).unwrap_err();
    assert!(err.to_string().contains("4 unexpected bytes"), "{err}");
}

#[test]
fn a_flipped_bit_anywhere_in_the_data_fails_the_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let path = written_fixture(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let bad = dir.path().join("bad.safetensors");
    for at in header_end..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x10;
        std::fs::write(&bad, &flipped).unwrap();
        match read_model(&bad) {
            Err(IoError::ChecksumMismatch {
                stored, computed, ..
            }) => {
                assert!(stored.starts_with("xxh3-64:"));
                assert_ne!(format!("xxh3-64:{computed:016x}"), stored);
            }
            other => panic!("flip at {at}: {other:?}"),
        }
    }
}

#[test]
fn edited_string_ids_fail_the_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let path = written_fixture(dir.path());
    let text = std::fs::read(&path).unwrap();
    // Same length, so the layout stays valid: only the checksum can notice.
    let needle = b"tt0111161";
    let at = text
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let mut edited = text.clone();
    edited[at + 8] = b'2';
    std::fs::write(&path, edited).unwrap();
    assert!(matches!(
        read_model(&path),
        Err(IoError::ChecksumMismatch { .. })
    ));
}

#[test]
fn an_edited_header_fails_the_checksum() {
    let dir = tempfile::tempdir().unwrap();
    for edit in [
        |h: &mut serde_json::Value| h["params"]["learning_rate"] = json!(0.02),
        |h: &mut serde_json::Value| h["training"]["seed"] = json!(43),
        |h: &mut serde_json::Value| h["kind"] = json!("bpr"),
    ] {
        let path = written_fixture(dir.path());
        edit_header(&path, edit);
        assert!(
            matches!(read_model(&path), Err(IoError::ChecksumMismatch { .. })),
            "an edited header must not load"
        );
    }
    // A format-1 file's checksum does not cover its header (documented): it still loads
    // after such an edit, which is why version 2 exists.
    let v1 = dir.path().join("v1.safetensors");
    std::fs::copy(fixture_path(1), &v1).unwrap();
    edit_header(&v1, |h| h["params"]["learning_rate"] = json!(0.02));
    assert_eq!(
        read_model(&v1).unwrap().header.params["learning_rate"],
        0.02
    );
}

#[test]
fn the_same_model_always_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    // String ids put three entries in `__metadata__`: their order must not vary.
    write_model(&a, &fixture_model()).unwrap();
    write_model(&b, &fixture_model()).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(fixture_path(FORMAT_VERSION)).unwrap(),
        "the writer's layout changed: that needs a new format version"
    );
}

#[test]
fn other_safetensors_readers_open_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = written_fixture(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let t = st.tensor("user_factors").unwrap();
    assert_eq!(t.shape(), &[3, 2]);
    assert_eq!(&t.data()[..4], &1.0f32.to_le_bytes());
    // 8-byte types come first, so every tensor starts on its own alignment.
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    for (name, info) in meta.tensors() {
        let size = match info.dtype {
            safetensors::Dtype::F32 | safetensors::Dtype::U32 => 4,
            _ => 8,
        };
        assert_eq!(info.data_offsets.0 % size, 0, "{name}");
    }
}

#[test]
fn accessors_name_the_file_the_tensor_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let path = written_fixture(dir.path());
    let mut file = read_model(&path).unwrap();
    let shown = path.display().to_string();

    let err = file.f32("item_factors", &[2, 2]).unwrap_err();
    assert!(matches!(err, IoError::MissingTensor { .. }));
    let text = err.to_string();
    assert!(
        text.contains(&shown) && text.contains("`item_factors`"),
        "{text}"
    );
    assert!(text.contains("user_factors"), "lists what is there: {text}");

    let err = file.f32("user_factors", &[3, 4]).unwrap_err();
    assert!(matches!(&err, IoError::ShapeMismatch { found, .. } if found == &[3, 2]));
    assert!(
        err.to_string()
            .contains("has shape [3, 2], expected [3, 4]"),
        "{err}"
    );
    let err = file.f32("user_factors", &[ANY]).unwrap_err();
    assert!(err.to_string().contains("expected [_]"), "{err}");

    let err = file.u32("user_factors", &[3, 2]).unwrap_err();
    assert!(matches!(
        err,
        IoError::WrongDtype {
            expected: DType::U32,
            found: DType::F32,
            ..
        }
    ));
    assert!(
        err.to_string().contains("holds f32 values, expected u32"),
        "{err}"
    );

    assert_eq!(file.f32("user_factors", &[3, ANY]).unwrap().len(), 6);
    assert!(file.take::<u32>("user_factors", &[3, 2]).is_err());
    assert!(
        file.tensors.contains_key("user_factors"),
        "a failed take keeps the tensor"
    );
    let taken: Vec<f32> = file.take("user_factors", &[ANY, 2]).unwrap();
    assert_eq!(taken[..2], [1.0, -2.5]);
    assert!(!file.tensors.contains_key("user_factors"));

    let in_memory = fixture_model();
    let err = in_memory.f32("nope", &[1]).unwrap_err();
    assert!(err.to_string().contains("not read from a file"), "{err}");
}

#[test]
fn inconsistent_models_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");

    let mut model = fixture_model();
    model.header.n_users = 4;
    let err = write_model(&path, &model).unwrap_err();
    assert!(
        err.to_string()
            .contains("n_users is 4 but the id map holds 3"),
        "{err}"
    );

    let mut model = fixture_model();
    let err = model
        .insert("user_ids", Tensor::vector(vec![1i64]))
        .unwrap_err();
    assert!(matches!(err, IoError::ReservedName { .. }));
    model
        .tensors
        .insert("item_ids".into(), Tensor::vector(vec![1i64]));
    assert!(matches!(
        write_model(&path, &model),
        Err(IoError::ReservedName { .. })
    ));

    let mut model = fixture_model();
    assert!(
        model
            .insert("w", Tensor::matrix(2, 2, vec![0f32; 3]))
            .is_err()
    );
    model
        .tensors
        .insert("w".into(), Tensor::matrix(2, 2, vec![0f32; 3]));
    assert!(matches!(
        write_model(&path, &model),
        Err(IoError::InvalidTensor { len: 3, .. })
    ));
    assert!(!path.exists());
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = read_model("/nonexistent/dir/model.safetensors").unwrap_err();
    assert!(matches!(err, IoError::Io { .. }));
    assert!(
        err.to_string()
            .contains("/nonexistent/dir/model.safetensors")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn random_tensors_round_trip_bit_for_bit(
        rows in 0usize..6,
        cols in 1usize..5,
        bits in proptest::collection::vec(any::<u32>(), 30),
        ints in proptest::collection::vec(any::<i64>(), 0..10),
        ids in proptest::collection::hash_set(any::<i64>(), 0..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.safetensors");
        let floats: Vec<f32> = bits[..rows * cols].iter().map(|&b| f32::from_bits(b)).collect();
        let ids: Vec<i64> = ids.into_iter().collect();
        let model = ModelFile::new(Header::new("x", ids.len(), 0), IdMap::from_ints(ids.clone()).unwrap(), IdMap::new_int())
            .with("f", Tensor::matrix(rows, cols, floats.clone())).unwrap()
            .with("i", Tensor::vector(ints.clone())).unwrap();
        write_model(&path, &model).unwrap();
        let back = read_model(&path).unwrap();
        let got: Vec<u32> = back.f32("f", &[rows, cols]).unwrap().iter().map(|v| v.to_bits()).collect();
        prop_assert_eq!(got, bits[..rows * cols].to_vec());
        prop_assert_eq!(back.i64("i", &[ints.len()]).unwrap(), &ints[..]);
        prop_assert_eq!(back.user_ids.int_ids().unwrap(), &ids[..]);
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ModelFile>();
    check::<Tensor>();
    check::<Header>();
    check::<IoError>();
}
