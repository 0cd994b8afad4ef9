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
