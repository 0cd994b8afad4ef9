//! `rustrec serve`'s flags are checked before anything starts: a value out of range stops
//! the command at once, naming the flag, the value and the range (the model file is never
//! read, so these tests need none).
#![cfg(feature = "serve")]

mod common;
use common::rustrec;

/// Standard error of `rustrec serve` with `flags`, which must fail.
fn refused(flags: &[&str]) -> String {
    let mut args = vec![
        "serve",
        "--model",
        "m=does-not-exist.st",
        "--addr",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(flags);
    let out = rustrec(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{flags:?}: {stderr}");
    assert!(
        !stderr.contains("does-not-exist"),
        "{flags:?} read the model: {stderr}"
    );
    stderr
}

/// Regression: `--threads 100000` was accepted (thousands of threads, never listening),
/// `--max-n 0` made every answer without `n` empty, `--max-in-flight 0` and
/// `--io-threads 0` were accepted, and `--timeout 1e300` panicked.
#[test]
fn out_of_range_flags_stop_the_server_naming_flag_value_and_range() {
    let cases: [(&[&str], &[&str]); 7] = [
        (
            &["--threads", "100000"],
            &["--threads", "100000", "at most 256", "0 = one per core"],
        ),
        (&["--io-threads", "0"], &["--io-threads 0", "1 to 256"]),
        (&["--io-threads", "257"], &["--io-threads 257", "1 to 256"]),
        (&["--max-n", "0"], &["--max-n 0", "≥ 1"]),
        (
            &["--max-in-flight", "0"],
            &["--max-in-flight 0", "from 1 to"],
        ),
        (&["--max-history", "0"], &["--max-history 0", "≥ 1"]),
        (&["--timeout", "1e300"], &["--timeout 1e300", "> 0"]),
    ];
    for (flags, needles) in cases {
        let stderr = refused(flags);
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{flags:?}: {needle:?} not in {stderr}"
            );
        }
    }
}

/// `--threads 0` is one per core, as for every command: it passes the check (and the
/// command goes on to read the model file).
#[test]
fn zero_threads_mean_one_per_core() {
    let out = rustrec(&["serve", "--model", "m=does-not-exist.st", "--threads", "0"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("does-not-exist.st") && !stderr.contains("--threads"),
        "{stderr}"
    );
}
