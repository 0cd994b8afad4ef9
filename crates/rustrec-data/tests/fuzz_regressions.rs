//! Regressions found by fuzzing the readers (`fuzz/`, targets `ratings` and `item_files`).
//! Each test is named after the bug and reads the input the fuzzer found, committed under
//! `tests/fuzz-regressions/`.

use std::path::{Path, PathBuf};

use rustrec_data::{DuplicatePolicy, Format, NoProgress, ReadOptions, read_interactions};

fn input(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(name)
}

/// Bug: with `duplicates = "sum"`, two finite ratings of one (user, item) pair summed past
/// `f32::MAX`, and the matrix held `inf` (every single value is checked finite, the sum
/// was not).
#[test]
fn sum_of_duplicates_that_overflows_is_an_error_not_infinity() {
    let path = input("sum-of-duplicates-overflows.tsv");
    for format in [Format::MlTab, Format::Auto] {
        let options = ReadOptions {
            duplicates: DuplicatePolicy::Sum,
            ..ReadOptions::new(format)
        };
        let err = read_interactions(&path, &options, &NoProgress)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("(user 1, item 1)") && err.contains("rows 1 and 2"),
            "{err}"
        );
    }
    // Other policies keep a finite value.
    let options = ReadOptions {
        duplicates: DuplicatePolicy::Mean,
        ..ReadOptions::new(Format::MlTab)
    };
    let (x, _) = read_interactions(&path, &options, &NoProgress).unwrap();
    assert!(x.values().iter().all(|v| v.is_finite()));
}

/// Bug: `Interactions::from_csr` checked each offset against the next one only, so offsets
/// `[0, 5, 2]` over 2 entries (the last offset right, a middle one beyond the end) sliced
/// out of bounds and panicked. Reached through the `seen_indptr` tensor of a damaged model
/// file (target `model_file_structured`).
#[test]
fn csr_offset_beyond_the_entries_is_refused_not_a_slice_panic() {
    use std::sync::Arc;

    use rustrec_data::{IdMap, Interactions};
    let users = Arc::new(IdMap::identity(2));
    let items = Arc::new(IdMap::identity(3));
    let err = Interactions::from_csr(users, items, vec![0, 5, 2], vec![0, 1], vec![1.0; 2], None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("indptr[1] = 5"), "{err}");
}
