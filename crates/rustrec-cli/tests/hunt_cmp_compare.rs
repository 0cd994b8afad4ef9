//! `rustrec compare` as a new user meets it: configs of one name, configs that measure
//! differently, and rating and ranking models side by side.

mod common;
use std::path::Path;

use common::{p, rustrec, succeeded, synth_small};

/// Writes a config for `kind` on `u.data` with a holdout split, and `extra` lines.
fn config(dir: &Path, file: &str, kind: &str, extra: &str) {
    let text = format!(
        "[data]\nratings = \"u.data\"\n[split]\nkind = \"holdout\"\ntest_fraction = 0.2\n\
         seed = 1\n[model]\nkind = \"{kind}\"\n[train]\nthreads = 1\n{extra}"
    );
    std::fs::write(dir.join(file), text).unwrap();
}

fn refused(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["compare", "--data-dir", p(dir)];
    all.extend_from_slice(args);
    let out = rustrec(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} was accepted: {stderr}");
    // Refused before any work: no data read, no model trained.
    assert!(!stderr.contains("epoch"), "{stderr}");
    stderr
}

/// Regression: two configs of one name (the same file twice, or two files with one stem)
/// were compared as two models of one name, the table and the JSON's `best` unable to tell
/// them apart ("best rmse: mf; vs it: mf p = 1").
#[test]
fn compare_duplicate_model_names_are_refused_naming_both_configs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    config(dir.path(), "mf.toml", "mf", "");
    config(&dir.path().join("b"), "mf.toml", "mf", "");
    let a = dir.path().join("mf.toml");
    let b = dir.path().join("b/mf.toml");
    let stderr = refused(dir.path(), &["--config", p(&a), "--config", p(&a)]);
    assert!(stderr.contains("given twice"), "{stderr}");
    let stderr = refused(dir.path(), &["--config", p(&a), "--config", p(&b)]);
    assert!(stderr.contains(&format!("--config {}", p(&b))), "{stderr}");
    assert!(
        stderr.contains(p(&a)) && stderr.contains("\"mf\""),
        "{stderr}"
    );
    assert!(stderr.contains("name = "), "{stderr}");
}

/// Regression: a config evaluated with the sampled protocol (or another eval.seed or
/// eval.drop_cold) was compared with one evaluated on the full ranking, figures of
/// different measurements set side by side without a word.
#[test]
fn compare_configs_that_evaluate_differently_are_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), "pop.toml", "top-pop", "");
    config(
        dir.path(),
        "sampled.toml",
        "random",
        "[eval]\nprotocol = \"sampled\"\nnegatives = 50\n",
    );
    config(
        dir.path(),
        "cold.toml",
        "random",
        "[eval]\ndrop_cold = true\n",
    );
    let pop = dir.path().join("pop.toml");
    for (other, needle) in [
        ("sampled.toml", "eval.protocol is \"sampled\", and \"full\""),
        ("cold.toml", "eval.drop_cold is true, and false"),
    ] {
        let other = dir.path().join(other);
        let stderr = refused(dir.path(), &["--config", p(&pop), "--config", p(&other)]);
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
        assert!(
            stderr.contains(&format!("--config {}", p(&other))),
            "{stderr}"
        );
    }
}

/// Regression: a rating model compared with a ranking model got no ranking metrics, so the
/// ranking model was "best" on ndcg@10 by being the only one with it, and "best rmse" named
/// the rating model without saying the other had none.
#[test]
fn compare_rating_and_ranking_models_are_ranked_alike() {
    let dir = tempfile::tempdir().unwrap();
    synth_small(&dir.path().join("u.data"), "5", None);
    config(dir.path(), "mf.toml", "mf", "");
    config(dir.path(), "pop.toml", "top-pop", "");
    let out = rustrec(&[
        "compare",
        "--data-dir",
        p(dir.path()),
        "--config",
        p(&dir.path().join("mf.toml")),
        "--config",
        p(&dir.path().join("pop.toml")),
        "-q",
    ]);
    succeeded(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("best rmse: mf (pop has no rmse)"),
        "{stdout}"
    );
    let out = rustrec(&[
        "compare",
        "--data-dir",
        p(dir.path()),
        "--config",
        p(&dir.path().join("mf.toml")),
        "--config",
        p(&dir.path().join("pop.toml")),
        "--json",
        "-q",
    ]);
    let j = common::json_of(&out);
    let models = j["models"].as_array().unwrap();
    assert_eq!(models[0]["name"], "mf");
    assert!(models[0]["metrics"]["rmse"].is_number(), "{j}");
    assert!(models[0]["metrics"]["ndcg@10"].is_number(), "{j}");
    assert!(models[1]["metrics"]["rmse"].is_null(), "{j}");
    // Both have ndcg@10, so the one that is not best is tested against the best.
    let best = j["best"]["ndcg@10"].as_str().unwrap();
    let other = models.iter().find(|m| m["name"] != best).unwrap();
    assert!(other["p_value"]["ndcg@10"].is_number(), "{j}");
}
