//! End-to-end test of `rustrec split`.

use std::collections::HashSet;
use std::process::Command;

fn pairs(path: &std::path::Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect()
}

#[test]
fn split_writes_disjoint_files_that_cover_the_input_and_repeat_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("u.data");
    let bin = env!("CARGO_BIN_EXE_rustrec");
    let ok = |args: &[&str]| {
        let out = Command::new(bin).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let d = data.to_str().unwrap();
    ok(&[
        "synth",
        "--like",
        "ml-100k",
        "--users",
        "60",
        "--items",
        "50",
        "--ratings",
        "1500",
        "--format",
        "ml-tab",
        "--out",
        d,
        "-q",
    ]);
    let run = |tag: &str, seed: &str| {
        let (tr, te) = (
            dir.path().join(format!("{tag}.train")),
            dir.path().join(format!("{tag}.test")),
        );
        ok(&[
            "split",
            d,
            "--kind",
            "leave-k-out",
            "--k",
            "2",
            "--seed",
            seed,
            "--train-out",
            tr.to_str().unwrap(),
            "--test-out",
            te.to_str().unwrap(),
            "-q",
        ]);
        (pairs(&tr), pairs(&te))
    };
    let (train, test) = run("a", "1");
    let all: HashSet<_> = pairs(&data).into_iter().collect();
    let tr: HashSet<_> = train.iter().cloned().collect();
    let te: HashSet<_> = test.iter().cloned().collect();
    assert!(tr.is_disjoint(&te));
    assert_eq!(tr.union(&te).cloned().collect::<HashSet<_>>(), all);
    assert_eq!(run("b", "1"), (train.clone(), test.clone()));
    assert_ne!(run("c", "2").1, test);
}
