//! End-to-end regressions of `rustrec tune` and `rustrec cv` found by a new-user hunt: a
//! resumed log of another objective, a direction against the metric, space values no trial
//! could run, a seed that random folds would use given beside fold files.

use std::path::{Path, PathBuf};

mod common;
use common::{json_of, p, rustrec, synth_small};

/// A small rating file and an MF config over it (split 80/20), in `dir`.
fn config(dir: &Path) -> PathBuf {
    let data = dir.join("small.data");
    synth_small(&data, "3", None);
    let cfg = dir.join("mf.toml");
    std::fs::write(
        &cfg,
        format!(
            "[data]\nratings = {:?}\n[split]\nkind = \"holdout\"\ntest_fraction = 0.2\nseed = 1\n\
             [model]\nkind = \"mf\"\nfactors = 4\nepochs = 2\n[train]\nseed = 1\nthreads = 1\n",
            p(&data)
        ),
    )
    .unwrap();
    cfg
}

fn space(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("space.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const SPACE: &str = "[model.factors]\ntype = \"int\"\nlow = 2\nhigh = 6\n";

fn tune(cfg: &Path, space: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "tune",
        "--config",
        p(cfg),
        "--space",
        p(space),
        "--sampler",
        "random",
        "-q",
    ];
    args.extend_from_slice(extra);
    rustrec(&args)
}

fn refused(out: &std::process::Output) -> String {
    assert!(
        !out.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Regression: `tune --resume` of a log scored on RMSE with `--metric mae` ranked the
/// logged RMSE values against the new MAE ones and reported a "best" across the two.
#[test]
fn resume_of_a_log_scored_on_another_metric_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let space = space(dir.path(), SPACE);
    let log = dir.path().join("trials.jsonl");
    let first = json_of(&tune(
        &cfg,
        &space,
        &["--trials", "2", "--log", p(&log), "--json"],
    ));
    assert_eq!(first["metric"], "rmse", "{first}");
    let logged = std::fs::read_to_string(&log).unwrap();
    for line in logged.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            (v["metric"].as_str(), v["direction"].as_str()),
            (Some("rmse"), Some("min"))
        );
    }
    let e = refused(&tune(
        &cfg,
        &space,
        &[
            "--trials",
            "3",
            "--log",
            p(&log),
            "--resume",
            "--metric",
            "mae",
        ],
    ));
    assert!(
        e.contains(
            "logged trial 0 was scored on validation rmse (min), but this search tunes \
                    mae (min)"
        ) && e.contains("--metric rmse --direction min"),
        "{e}"
    );
    // Nothing was appended to the log.
    assert_eq!(std::fs::read_to_string(&log).unwrap(), logged);
    // The same objective continues it.
    let resumed = json_of(&tune(
        &cfg,
        &space,
        &["--trials", "3", "--log", p(&log), "--resume", "--json"],
    ));
    assert_eq!(
        (resumed["trials"].as_u64(), resumed["trials_run"].as_u64()),
        (Some(3), Some(1))
    );
}

/// Regression: `--direction max` beside `--metric rmse` was taken: the study kept the
/// largest validation RMSE.
#[test]
fn a_direction_against_the_metric_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let space = space(dir.path(), SPACE);
    let e = refused(&tune(
        &cfg,
        &space,
        &["--trials", "1", "--metric", "rmse", "--direction", "max"],
    ));
    assert!(
        e.contains("direction max (--direction) contradicts metric rmse, which is minimised"),
        "{e}"
    );
}

/// Regression: a space value no configuration takes (here a string for `model.factors`)
/// was accepted; each trial drawing it failed, and with only such values the search ended
/// in "no trial completed".
#[test]
fn a_space_value_no_trial_could_run_is_refused_before_any_trial() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let space = space(
        dir.path(),
        "[model.factors]\ntype = \"choice\"\nvalues = [4, \"8\"]\n",
    );
    let log = dir.path().join("trials.jsonl");
    let e = refused(&tune(&cfg, &space, &["--trials", "2", "--log", p(&log)]));
    assert!(
        e.contains("space.toml")
            && e.contains(
                "[model.factors] (choice of 4, \"8\"): model.factors = \"8\" makes no \
                           configuration a trial could run"
            )
            && e.contains("factors"),
        "{e}"
    );
    // Regression: the refused study left an empty trials.jsonl behind.
    assert!(!log.exists(), "a refused study created its log");
}

/// Regression: `cv --folds-files ... --seed 7` took the seed without a word, though given
/// folds draw nothing at random.
#[test]
fn cv_seed_beside_fold_files_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    synth_small(
        &dir.path().join("f1.base"),
        "1",
        Some((&dir.path().join("f1.test"), "0.2")),
    );
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[data]\ntrain = \"f1.base\"\ntest = \"f1.test\"\n[model]\nkind = \"mf\"\nfactors = 4\n\
         epochs = 2\n[train]\nthreads = 1\n",
    )
    .unwrap();
    let args = |seed: bool| {
        let mut a = vec![
            "cv",
            "--config",
            p(&cfg),
            "--data-dir",
            p(dir.path()),
            "--folds",
            "1",
            "--folds-files",
            "f{}.base,f{}.test",
            "-q",
            "--json",
        ];
        if seed {
            a.extend(["--seed", "7"]);
        }
        a
    };
    let e = refused(&rustrec(&args(true)));
    assert!(
        e.contains(
            "--seed 7: the seed draws random folds, but --folds-files f{}.base,f{}.test \
                    gives the folds; leave --seed out"
        ),
        "{e}"
    );
    assert_eq!(json_of(&rustrec(&args(false)))["k"], 1);
}

/// Regression: `--startup 5` beside `--sampler random` (or grid) was taken without a word,
/// though only TPE has start-up trials.
#[test]
fn startup_beside_a_sampler_other_than_tpe_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let space = space(dir.path(), SPACE);
    for sampler in ["random", "grid"] {
        let e = refused(&rustrec(&[
            "tune",
            "--config",
            p(&cfg),
            "--space",
            p(&space),
            "--sampler",
            sampler,
            "--startup",
            "5",
            "--trials",
            "1",
            "-q",
        ]));
        assert!(
            e.contains(&format!(
                "--startup 5: the start-up trials are TPE's (--sampler tpe); the {sampler} \
                 sampler has none, leave --startup out"
            )),
            "{e}"
        );
    }
    let ok = json_of(&rustrec(&[
        "tune",
        "--config",
        p(&cfg),
        "--space",
        p(&space),
        "--sampler",
        "tpe",
        "--startup",
        "1",
        "--trials",
        "2",
        "-q",
        "--json",
    ]));
    assert_eq!(ok["trials"], 2);
}
