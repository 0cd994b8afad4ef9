//! `rustrec recommend --all` reports how many items it wrote, not the `-n` asked for, when
//! fewer are left to recommend.

mod common;

use std::fs;
use std::path::Path;

use common::{json_of, p, rustrec, succeeded, top_pop_model};

/// The standard output of a successful `recommend --all` of `model` to `out` with `extra`
/// flags.
fn recommend_all(model: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["recommend", "--model", p(model), "--all", "--out", p(out)];
    args.extend_from_slice(extra);
    let run = rustrec(&args);
    succeeded(&run);
    String::from_utf8_lossy(&run.stdout).into_owned()
}

/// Regression: `recommend --all -n N` printed "U users' top-N written" whatever it wrote,
/// though a user gets fewer than N items when fewer are left after the user's training
/// items, `--allow` and `--block` (or in a catalogue smaller than N). Here, without seen
/// items and `-n 2`, users 2 and 3 have only item 30 left (1 item each) and users 1 and 4
/// get 2: the line says 1 to 2 items each, 6 in all, 2 users with fewer and why; the JSON
/// has the same counts. When every user gets N the line is as before.
#[test]
fn recommend_all_reports_the_items_written_not_the_n_asked() {
    let dir = tempfile::tempdir().unwrap();
    let model = top_pop_model(dir.path());
    let csv = dir.path().join("top.csv");

    let text = recommend_all(&model, &csv, &["-n", "2"]);
    assert!(
        text.contains("4 users' recommendations, 1 to 2 items each (6 in all), written to")
            && text.contains(
                "2 of the users had fewer than the -n 2 asked left of the model's 3 items \
                 after their training items"
            ),
        "{text}"
    );
    assert!(!text.contains("top-2"), "{text}");
    // The file holds what the line says.
    let rows = fs::read_to_string(&csv).unwrap().lines().count() - 1;
    assert_eq!(rows, 6);

    let out = rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--all",
        "--out",
        p(&csv),
        "-n",
        "2",
        "--json",
    ]);
    let report = json_of(&out);
    assert_eq!(report["users"], 4, "{report}");
    assert_eq!(report["items_written"], 6, "{report}");
    assert_eq!(report["items_per_user"]["min"], 1, "{report}");
    assert_eq!(report["items_per_user"]["max"], 2, "{report}");
    assert_eq!(report["users_with_fewer"], 2, "{report}");

    // A catalogue of 3 items cannot give 5: every user gets 3, and the line says so.
    let text = recommend_all(&model, &csv, &["-n", "5", "--include-seen"]);
    assert!(
        text.contains("4 users' recommendations, 3 items each (12 in all), written to")
            && text
                .contains("every user had fewer than the -n 5 asked left of the model's 3 items\n"),
        "{text}"
    );
    // --block leaves out one more: 2 each.
    let text = recommend_all(
        &model,
        &csv,
        &["-n", "5", "--include-seen", "--block", "30"],
    );
    assert!(
        text.contains("2 items each (8 in all)") && text.contains("3 items after --block"),
        "{text}"
    );

    // Every user got the n asked for: the line is the short one.
    let text = recommend_all(&model, &csv, &["-n", "1", "--include-seen"]);
    assert!(text.contains("4 users' top-1 written to"), "{text}");
    let report = json_of(&rustrec(&[
        "recommend",
        "--model",
        p(&model),
        "--all",
        "--out",
        p(&csv),
        "-n",
        "1",
        "--include-seen",
        "--json",
    ]));
    assert_eq!(report["users_with_fewer"], 0, "{report}");
    assert_eq!(report["items_written"], 4, "{report}");
}
