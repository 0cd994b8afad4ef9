//! `eval.seed`: the seed of the sampled protocol's negatives (it was always 1).

mod common;

use std::path::Path;

use common::{json_of, p, rustrec, synth_small};
use serde_json::Value;

/// `rustrec fit` of a `top-pop` model evaluated by the sampled protocol (20 negatives),
/// with `extra` settings.
fn sampled_fit(train: &Path, test: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "fit",
        "--train",
        p(train),
        "--test",
        p(test),
        "--model",
        "top-pop",
        "--set",
        "eval.protocol=sampled",
        "--set",
        "eval.negatives=20",
        "--json",
        "-q",
    ];
    args.extend(extra);
    json_of(&rustrec(&args))
}

/// The sampled metrics of a report, as text (bit for bit).
fn sampled_figures(v: &Value) -> String {
    let map = v.as_object().unwrap();
    let figures: Vec<String> = map
        .iter()
        .filter(|(k, _)| k.starts_with("sampled_"))
        .map(|(k, x)| format!("{k}={x}"))
        .collect();
    assert!(figures.len() >= 4, "{v}");
    figures.join(" ")
}

/// Regression: the sampled protocol always drew its negatives with seed 1 and no setting
/// changed it. `eval.seed` does; unset it is 1, so earlier figures stay as they were.
#[test]
fn eval_seed_chooses_the_sampled_negatives() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("r.tsv"), dir.path().join("t.tsv"));
    synth_small(&train, "5", Some((&test, "0.2")));
    let unset = sampled_fit(&train, &test, &[]);
    let one = sampled_fit(&train, &test, &["--set", "eval.seed=1"]);
    let two = sampled_fit(&train, &test, &["--set", "eval.seed=2"]);
    let two_again = sampled_fit(&train, &test, &["--set", "eval.seed=2"]);
    assert_eq!(unset["protocol"], "sampled(20)");
    assert_eq!(
        (&unset["eval_seed"], &one["eval_seed"], &two["eval_seed"]),
        (&Value::from(1), &Value::from(1), &Value::from(2))
    );
    assert_eq!(sampled_figures(&unset), sampled_figures(&one));
    assert_eq!(sampled_figures(&two), sampled_figures(&two_again));
    assert_ne!(
        unset["sampled_auc"], two["sampled_auc"],
        "another seed, another sample of negatives"
    );
}

#[test]
fn eval_seed_is_refused_where_it_would_change_nothing_or_is_not_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("r.tsv"), dir.path().join("t.tsv"));
    synth_small(&train, "5", Some((&test, "0.2")));
    let run = |sets: &[&str]| {
        let mut args = vec![
            "fit",
            "--train",
            p(&train),
            "--test",
            p(&test),
            "--model",
            "top-pop",
            "-q",
        ];
        for s in sets {
            args.extend(["--set", s]);
        }
        let out = rustrec(&args);
        assert!(!out.status.success(), "{sets:?} was accepted");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(&["eval.seed=2"]);
    assert!(
        err.contains("eval.seed = 2") && err.contains("eval.protocol = \"full\""),
        "{err}"
    );
    let err = run(&["eval.protocol=sampled", "eval.seed=-3"]);
    assert!(err.contains("eval.seed") && err.contains("-3"), "{err}");
}
