//! End-to-end tests of `rustrec describe`: the binary on fixture files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn rustrec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rustrec"))
        .args(args)
        .output()
        .unwrap()
}

/// The JSON object on the last line of standard output.
fn last_json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("no JSON on the last line ({e}): {text}"))
}

#[test]
fn json_counts_of_a_small_u_data() {
    let dir = tempfile::tempdir().unwrap();
    // 3 users, 4 items, 6 ratings; item 40 is rated once, item 10 three times.
    let path = fixture(
        dir.path(),
        "u.data",
        b"1\t10\t5\t100\n1\t20\t3\t101\n2\t10\t4\t102\n2\t30\t1\t103\n3\t10\t2\t104\n3\t40\t4\t105",
    );
    let out = rustrec(&["describe", path.to_str().unwrap(), "--json", "-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = last_json(&out);
    assert_eq!(j["users"], 3);
    assert_eq!(j["items"], 4);
    assert_eq!(j["interactions"], 6);
    assert_eq!(j["format"], "ml-tab");
    assert_eq!(j["rating_min"], 1.0);
    assert_eq!(j["rating_max"], 5.0);
    assert_eq!(j["per_user_min"], 2);
    assert_eq!(j["per_user_max"], 2);
    assert_eq!(j["per_item_min"], 1);
    assert_eq!(j["per_item_max"], 3);
    assert_eq!(j["skipped_rows"], 0);
    assert!((j["density"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    // item counts 1, 1, 1, 3 → 2(1 + 2 + 3 + 12)/(4·6) − 5/4 = 0.25.
    assert!((j["gini"].as_f64().unwrap() - 0.25).abs() < 1e-12);
    assert!(j["read_seconds"].is_number() && j["lines_per_sec"].is_number());
}

#[test]
fn malformed_line_3_exits_non_zero_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(
        dir.path(),
        "u.data",
        b"1\t10\t5\t881250949\n2\t20\t4\t881250950\n3\t30\tfive\t881250951\n",
    );
    let out = rustrec(&["describe", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "error: {}:3: rating field \"five\" is not a number",
        path.display()
    );
    assert_eq!(stderr.trim_end(), want);
    assert!(!stderr.contains("panicked"));
}

#[test]
fn skip_bad_rows_reports_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path(), "ratings.dat", b"1::10::5\n2::x::4\n3::30::2\n");
    let out = rustrec(&[
        "describe",
        path.to_str().unwrap(),
        "--skip-bad-rows",
        "--json",
    ]);
    assert!(out.status.success());
    let j = last_json(&out);
    assert_eq!(
        (j["interactions"].as_u64(), j["skipped_rows"].as_u64()),
        (Some(2), Some(1))
    );
    // With --json the human lines go to standard error.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2: item field \"x\" is not a number")
    );
}

#[test]
fn csv_log_with_columns_string_ids_and_duplicates_summed() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(
        dir.path(),
        "plays.txt",
        b"item;user;n\nsong;ann;2\nsong;ann;3\nhit;bob;1\n",
    );
    let args = [
        "describe",
        path.to_str().unwrap(),
        "--format",
        "csv",
        "--delimiter",
        ";",
        "--columns",
        "item,user,rating",
        "--string-ids",
        "--duplicates",
        "sum",
        "--json",
    ];
    let out = rustrec(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = last_json(&out);
    assert_eq!(
        (j["users"].as_u64(), j["items"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(j["interactions"], 2);
    assert_eq!(j["rating_max"], 5.0);
    let out = rustrec(&args[..args.len() - 3]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("lines 2 and 3"));
}

#[test]
fn missing_file_and_bad_flags_are_one_line_errors() {
    let out = rustrec(&["describe", "/no/such/dir/u.data"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: /no/such/dir/u.data: no such file"),
        "{stderr}"
    );
    let out = rustrec(&["describe", "x.csv", "--format", "xml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid format = xml"));
    let out = rustrec(&["describe", "u.data", "--format", "ml-tab", "--header"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("apply to --format csv or tsv"));
}

#[test]
fn item_and_tag_files_add_content_figures() {
    let dir = tempfile::tempdir().unwrap();
    let ratings = fixture(
        dir.path(),
        "ratings.csv",
        b"userId,movieId,rating,timestamp\r\n1,11,4.0,5\r\n2,11,3.5,6\r\n2,12,5.0,7\r\n",
    );
    // Movie 13 is not rated; movie 11's title holds a comma.
    let movies = fixture(
        dir.path(),
        "movies.csv",
        b"movieId,title,genres\r\n11,\"American President, The (1995)\",Comedy|Drama\r\n12,Dracula (1995),Horror\r\n13,Other (1990),Drama\r\n",
    );
    let tags = fixture(
        dir.path(),
        "tags.csv",
        b"userId,movieId,tag,timestamp\n1,11,funny,1\n2,11,Funny,2\n2,12,\"scary, dark\",3\n",
    );
    let out = rustrec(&[
        "describe",
        ratings.to_str().unwrap(),
        "--item-file",
        movies.to_str().unwrap(),
        "--tags-file",
        tags.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = last_json(&out);
    assert_eq!(j["format"], "ml-csv");
    assert_eq!(j["icm_genres_features"], 3);
    assert_eq!(j["icm_genres_occurrences"], 3);
    assert_eq!(j["icm_genres_unknown_items"], 1);
    assert!((j["icm_genres_density"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    assert_eq!(j["icm_years_features"], 1);
    assert_eq!(j["icm_tags_features"], 2);
    assert_eq!(j["icm_tags_occurrences"], 2);
    assert_eq!(j["items_without_title"], 0);
    let bad = fixture(
        dir.path(),
        "movies.dat",
        b"11::Ok (1995)::Drama\n12 broken\n",
    );
    let out = rustrec(&[
        "describe",
        ratings.to_str().unwrap(),
        "--item-file",
        bad.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("movies.dat:2: expected \"MovieID::Title::Genres\"")
    );
}

/// Regression: `describe --json` left out the timestamp range that the text output shows.
/// The rows are out of time order, so the first and last lines' stamps are not the range.
#[test]
fn json_has_the_first_and_last_timestamp_of_the_ratings() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(
        dir.path(),
        "u.data",
        b"1\t10\t5\t881250949\n1\t20\t3\t874965758\n2\t10\t4\t893286638\n2\t30\t1\t881251000\n",
    );
    let out = rustrec(&["describe", path.to_str().unwrap(), "--json", "-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = last_json(&out);
    assert_eq!(j["first_timestamp"], 874965758);
    assert_eq!(j["last_timestamp"], 893286638);
    // The human line says the same, on standard error under --json and on standard output
    // without it.
    let line = "timestamps    874965758 to 893286638";
    assert!(String::from_utf8_lossy(&out.stderr).contains(line));
    let out = rustrec(&["describe", path.to_str().unwrap(), "-q"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(line));
}

/// Without a timestamp column there is no range: the keys are absent (as every figure that
/// depends on what the data has) and the text says nothing of timestamps.
#[test]
fn data_without_timestamps_has_no_timestamp_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path(), "ratings.dat", b"1::10::5\n2::20::3\n");
    let out = rustrec(&["describe", path.to_str().unwrap(), "--json", "-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = last_json(&out);
    assert_eq!(j["interactions"], 2);
    assert!(j.get("first_timestamp").is_none(), "{j}");
    assert!(j.get("last_timestamp").is_none(), "{j}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("timestamps"));
}

/// Regression: a missing or wrong `--item-file` / `--tags-file` was read after the rating
/// file, so the statistics were printed and then the command failed with the file's error
/// alone (`nosuch: unknown movie file`), not naming the flag. Both are now read first and
/// their errors name the flag; nothing is printed on standard output.
#[test]
fn item_and_tags_file_errors_name_the_flag_before_any_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let ratings = fixture(dir.path(), "u.data", b"1\t10\t5\t100\n2\t10\t4\t101\n");
    let missing = dir.path().join("nosuch").join("u.item");
    let missing_tags = dir.path().join("nosuch").join("tags.csv");
    for (flag, path) in [
        ("--item-file", missing.as_path()),
        ("--item-file", ratings.as_path()),
        ("--tags-file", missing_tags.as_path()),
        ("--tags-file", ratings.as_path()),
    ] {
        let out = rustrec(&[
            "describe",
            ratings.to_str().unwrap(),
            flag,
            path.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flag} {path:?} was accepted");
        assert!(
            err.starts_with(&format!("error: {flag}: {}", path.display())),
            "{err}"
        );
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let out = rustrec(&[
        "describe",
        ratings.to_str().unwrap(),
        "--duplicates",
        "bogus",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: --duplicates: invalid duplicates = bogus"),
        "{err}"
    );
}
