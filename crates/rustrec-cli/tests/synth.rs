//! End-to-end tests of `rustrec synth`.

use std::process::Command;

fn rustrec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rustrec"))
}

fn json_of(stdout: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(stdout);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("last line is not JSON ({e}): {text}"))
}

#[test]
fn synth_writes_the_requested_number_of_lines_and_reports_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("u.data");
    let run = rustrec()
        .args([
            "synth", "--like", "ml-100k", "--users", "50", "--items", "80",
        ])
        .args([
            "--ratings",
            "1234",
            "--seed",
            "5",
            "--format",
            "ml-tab",
            "--json",
            "-q",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 1234);
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "{line}");
        let user: u32 = f[0].parse().unwrap();
        let item: u32 = f[1].parse().unwrap();
        let rating: f32 = f[2].parse().unwrap();
        assert!((1..=50).contains(&user) && (1..=80).contains(&item));
        assert!([1.0, 2.0, 3.0, 4.0, 5.0].contains(&rating), "{line}");
        assert!(f[3].parse::<i64>().unwrap() > 0);
    }
    let j = json_of(&run.stdout);
    assert_eq!(j["users"], 50);
    assert_eq!(j["items"], 80);
    assert_eq!(j["interactions"], 1234);
    assert!((j["density"].as_f64().unwrap() - 1234.0 / 4000.0).abs() < 1e-12);
    let gini = j["gini"].as_f64().unwrap();
    assert!(gini > 0.0 && gini < 1.0);
    assert!(j["seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(j["out"], out.display().to_string());

    // Same seed, same bytes.
    let again = dir.path().join("again.data");
    let run = rustrec()
        .args([
            "synth",
            "--users",
            "50",
            "--items",
            "80",
            "--ratings",
            "1234",
        ])
        .args(["--seed", "5", "-q", "--out"])
        .arg(&again)
        .output()
        .unwrap();
    assert!(run.status.success());
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());
}

#[test]
fn synth_with_a_test_fraction_writes_a_disjoint_split() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("train.csv"), dir.path().join("test.csv"));
    let run = rustrec()
        .args([
            "synth",
            "--users",
            "40",
            "--items",
            "60",
            "--ratings",
            "1000",
        ])
        .args([
            "--scale",
            "half-stars",
            "--format",
            "ml-csv",
            "--test-fraction",
            "0.2",
        ])
        .args(["--json", "-q", "--out"])
        .arg(&train)
        .arg("--test-out")
        .arg(&test)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let read = |p: &std::path::Path| -> Vec<String> {
        let text = std::fs::read_to_string(p).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("userId,movieId,rating,timestamp"));
        lines
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
            .collect()
    };
    let (a, b) = (read(&train), read(&test));
    assert_eq!((a.len(), b.len()), (800, 200));
    let pairs: std::collections::HashSet<&String> = a.iter().collect();
    assert!(b.iter().all(|p| !pairs.contains(p)));
    let j = json_of(&run.stdout);
    assert_eq!(j["train_interactions"], 800);
    assert_eq!(j["test_interactions"], 200);
}

#[test]
fn synth_names_a_bad_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let run = rustrec()
        .args([
            "synth",
            "--users",
            "10",
            "--items",
            "5",
            "--ratings",
            "1000",
            "-q",
            "--out",
        ])
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    // The value came from the preset: the message names the flag and where the value is from.
    assert!(
        err.contains("--min-per-user (--like ml-100k's 20)") && err.contains("--items (5)"),
        "{err}"
    );
}

/// Regression: synth's errors named the library's fields (`invalid ratings = 3000`,
/// `invalid test_fraction = 1.5`) instead of the flags, and --test-fraction was checked
/// only after the whole data set had been generated.
#[test]
fn synth_errors_name_the_flag_and_come_before_generating() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.data");
    let run = |args: &[&str]| {
        let r = rustrec()
            .args(["synth", "-q", "--out"])
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        assert!(!r.status.success());
        assert!(!out.exists(), "nothing is written on an error");
        (
            String::from_utf8_lossy(&r.stdout).into_owned(),
            String::from_utf8_lossy(&r.stderr).into_owned(),
        )
    };
    let (_, err) = run(&["--users", "50", "--items", "40", "--ratings", "3000"]);
    assert!(
        err.contains("--ratings 3000") && err.contains("1000 ..= 2000"),
        "{err}"
    );
    let (stdout, err) = run(&["--test-fraction", "1.5", "--test-out", "t.data"]);
    assert!(err.contains("--test-fraction 1.5"), "{err}");
    // Refused before generating: nothing was synthesized.
    assert!(
        !err.contains("synthesized") && !stdout.contains("synthesized"),
        "{err}"
    );
}
