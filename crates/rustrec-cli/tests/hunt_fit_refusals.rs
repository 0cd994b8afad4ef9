//! End-to-end regressions of `rustrec fit` found by a new-user hunt: a validation split
//! that holds out nothing, a learning curve asked of a one-pass model, a search space given
//! as the experiment config.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{json_of, p, rustrec, synth_small};

/// A small rating file and an MF config over it (split 80/20), in `dir`.
fn config(dir: &Path, model: &str) -> PathBuf {
    let data = dir.join("small.data");
    synth_small(&data, "3", None);
    let cfg = dir.join("exp.toml");
    std::fs::write(
        &cfg,
        format!(
            "[data]\nratings = {:?}\n[split]\nkind = \"holdout\"\ntest_fraction = 0.2\nseed = 1\n\
             [model]\n{model}\n[train]\nseed = 1\nthreads = 1\n",
            p(&data)
        ),
    )
    .unwrap();
    cfg
}

const MF: &str = "kind = \"mf\"\nfactors = 4\nepochs = 3";

fn fit(cfg: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["fit", "--config", p(cfg), "-q"];
    args.extend_from_slice(extra);
    rustrec(&args)
}

fn refused(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Regression: `validation.k` above every user's training count carved an empty validation
/// set; early stopping watched its RMSE of 0 for ever, stopped after `patience` epochs and
/// kept epoch 1's model, reported as "early stopping after epoch 4 (best epoch 1)".
#[test]
fn validation_k_above_every_user_is_refused_not_watched_on_an_empty_set() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), MF);
    let model = dir.path().join("m.safetensors");
    // The same run with a k users do exceed trains and reports validation rows.
    let ok = json_of(&fit(&cfg, &["--set", "validation.k=2", "--json"]));
    assert!(ok["validation_interactions"].as_u64().unwrap() > 0, "{ok}");
    let e = refused(&fit(
        &cfg,
        &["--set", "validation.k=1000", "--out", p(&model), "--json"],
    ));
    assert!(
        e.contains("validation.k = 1000")
            && e.contains("empty")
            && e.contains("the most any user has is"),
        "{e}"
    );
    assert!(!model.exists(), "no model is written");
}

/// Regression: a `--validation` fraction too small to hold out one row did the same.
#[test]
fn validation_fraction_holding_out_nothing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), MF);
    let e = refused(&fit(&cfg, &["--validation", "1e-9"]));
    assert!(
        e.contains("validation.fraction = 0.000000001")
            && e.contains("--validation")
            && e.contains("empty"),
        "{e}"
    );
}

/// Regression: `--plot` with a kind that trains in one pass (item-knn, hybrid) trained,
/// wrote `--out`, then failed with "no epochs were recorded" (ease drew a one-point
/// "curve"). It is refused before any work now.
#[test]
fn plot_of_a_one_pass_model_is_refused_before_training() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["item-knn", "ease"] {
        let cfg = config(dir.path(), &format!("kind = {kind:?}"));
        let model = dir.path().join("m.safetensors");
        let plot = dir.path().join("curve.svg");
        let e = refused(&fit(&cfg, &["--out", p(&model), "--plot", p(&plot)]));
        assert!(
            e.contains("--plot") && e.contains(&format!("a {kind} model trains in one pass")),
            "{e}"
        );
        assert!(
            !model.exists() && !plot.exists(),
            "{kind}: nothing is written"
        );
    }
    // An iterative kind still draws its curve.
    let cfg = config(dir.path(), MF);
    let plot = dir.path().join("curve.svg");
    let out = json_of(&fit(&cfg, &["--plot", p(&plot), "--json"]));
    assert!(plot.exists(), "{out}");
}

/// Regression: a `rustrec tune` search space given to `fit --config` failed with a type
/// error about one parameter (`invalid factors = {"high":256,...}`), or, without a model
/// kind in it, with "kind = mf: unknown field alpha" — nothing said the file was a space.
#[test]
fn search_space_given_as_the_config_is_named_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let space = dir.path().join("space.toml");
    std::fs::write(
        &space,
        "[model.alpha]\ntype = \"float\"\nlow = 0.1\nhigh = 40.0\nlog = true\n",
    )
    .unwrap();
    let e = refused(&rustrec(&[
        "fit",
        "--config",
        p(&space),
        "--synthetic",
        "ml-100k",
        "-q",
    ]));
    assert!(
        e.contains("search space") && e.contains("[model.alpha]") && e.contains("rustrec tune"),
        "{e}"
    );
}
