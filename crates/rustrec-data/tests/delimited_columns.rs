//! The tsv and csv layouts (`user item rating [timestamp]`) and listed columns
//! (`with_columns`, the CLI's `--columns`): every field of a row is read or refused, none is
//! dropped, and what the writers write reads back to the same data.

use std::path::PathBuf;

use rustrec_data::synth::{SynthParams, synthesize};
use rustrec_data::write::{OutputFormat, write_file};
use rustrec_data::{
    DelimitedSpec, Format, Interactions, ItemIdx, NoProgress, ReadOptions, UserIdx,
    read_interactions,
};

/// Writes `content` to `name` in a fresh temporary folder.
fn fixture(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

fn read(name: &str, content: &[u8], options: &ReadOptions) -> rustrec_data::Result<Interactions> {
    let (_dir, path) = fixture(name, content);
    read_interactions(&path, options, &NoProgress).map(|(x, _)| x)
}

fn error(name: &str, content: &[u8], options: &ReadOptions) -> String {
    match read(name, content, options) {
        Ok(_) => panic!("{name} was accepted"),
        Err(e) => e.to_string(),
    }
}

/// The options of `--format NAME`.
fn format(name: &str) -> ReadOptions {
    ReadOptions::new(name.parse::<Format>().unwrap())
}

/// The options of `--format NAME --columns COLUMNS`.
fn columns(name: &str, columns: &[&str]) -> ReadOptions {
    let Format::Delimited(spec) = name.parse::<Format>().unwrap() else {
        panic!("{name} is not a delimited format")
    };
    ReadOptions::new(Format::Delimited(spec.with_columns(columns).unwrap()))
}

/// Regression: `--format tsv` (and csv) on `user item rating timestamp` rows dropped the
/// fourth column without a word; it is the timestamp.
#[test]
fn tsv_and_csv_formats_dropped_the_fourth_column() {
    let x = read(
        "r.tsv",
        b"1\t10\t4\t100\n2\t10\t3\t200\n1\t11\t5\t300\n",
        &format("tsv"),
    )
    .unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (2, 2, 3));
    assert_eq!(x.row(UserIdx(0)).timestamps, Some(&[100, 300][..]));
    assert_eq!(x.row(UserIdx(1)).timestamps, Some(&[200][..]));
    let x = read(
        "r.csv",
        b"user,item,rating,timestamp\n1,10,4.5,100\n2,10,3,200\n",
        &format("csv"),
    )
    .unwrap();
    assert_eq!(x.get(UserIdx(0), ItemIdx(0)), Some(4.5));
    assert_eq!(x.row(UserIdx(1)).timestamps, Some(&[200][..]));
}

/// Three fields are `user item rating`: no timestamps, as before.
#[test]
fn tsv_and_csv_rows_of_three_fields_have_no_timestamps() {
    let x = read("r.tsv", b"1\t10\t4\n2\t10\t3\n", &format("tsv")).unwrap();
    assert_eq!(x.nnz(), 2);
    assert_eq!(x.timestamps(), None);
    let x = read("r.csv", b"u,i,r\n1,10,4\n", &format("csv")).unwrap();
    assert_eq!(x.timestamps(), None);
}

/// The fourth field is checked as the MovieLens layouts check theirs: the file, the line,
/// the column and the value.
#[test]
fn a_fourth_field_that_is_not_an_integer_is_an_error() {
    for (name, text, options) in [
        (
            "r.tsv",
            &b"1\t10\t4\t100\n2\t10\t3\tnoon\n"[..],
            format("tsv"),
        ),
        (
            "r.csv",
            b"u,i,r,t\n1,10,4,100\n2,10,3,noon\n",
            format("csv"),
        ),
    ] {
        let line = if name == "r.csv" { 3 } else { 2 };
        let msg = error(name, text, &options);
        assert!(
            msg.ends_with(&format!(
                "{name}:{line}: timestamp field \"noon\" is not an integer"
            )),
            "{msg}"
        );
    }
    // The same message as ratings.dat gives.
    let dat = error(
        "r.dat",
        b"1::10::4::100\n2::10::3::noon\n",
        &ReadOptions::new(Format::MlDat),
    );
    assert!(
        dat.ends_with("r.dat:2: timestamp field \"noon\" is not an integer"),
        "{dat}"
    );
}

/// Regression: a fifth field (or more) was ignored; it is an error naming the file, the
/// line, the count found and the counts the layout takes.
#[test]
fn a_fifth_field_of_a_tsv_or_csv_was_silently_ignored() {
    let msg = error("r.tsv", b"1\t10\t4\t100\t7\n", &format("tsv"));
    assert!(
        msg.ends_with(
            "r.tsv:1: expected 3 or 4 tab-separated fields (user, item, rating[, timestamp]), \
             found 5"
        ),
        "{msg}"
    );
    let msg = error(
        "r.csv",
        b"u,i,r,t\n1,10,4,100\n2,10,3,100,x,y\n",
        &format("csv"),
    );
    assert!(
        msg.ends_with(
            "r.csv:3: expected 3 or 4 comma-separated fields (user, item, rating[, timestamp]), \
             found 6"
        ),
        "{msg}"
    );
}

/// Rows that mix three and four fields are refused, as in ratings.dat: the first data row
/// says whether the file has timestamps, and a row without one (or with one) after it is an
/// error naming that row, not a row given an invented time or stripped of its own.
#[test]
fn tsv_rows_mixing_three_and_four_fields_are_refused_as_in_ratings_dat() {
    let msg = error("r.tsv", b"1\t10\t4\t100\n2\t10\t3\n", &format("tsv"));
    assert!(
        msg.ends_with("r.tsv:2: expected 4 tab-separated fields (as on line 1), found 3"),
        "{msg}"
    );
    let msg = error("r.csv", b"u,i,r\n1,10,4\n\n2,10,3,100\n", &format("csv"));
    assert!(
        msg.ends_with("r.csv:4: expected 3 comma-separated fields (as on line 2), found 4"),
        "{msg}"
    );
    let dat = error(
        "r.dat",
        b"1::10::4::100\n2::10::3\n",
        &ReadOptions::new(Format::MlDat),
    );
    assert!(
        dat.ends_with("r.dat:2: expected 4 '::'-separated fields (as on line 1), found 3"),
        "{dat}"
    );
}

/// An auto-detected delimited log takes the width of its first row for every row: a later
/// wider row was read without its extra field.
#[test]
fn a_detected_log_with_a_later_wider_row_is_an_error() {
    let msg = error(
        "log.tsv",
        b"1\t10\t4\n2\t10\t3\t100\n",
        &ReadOptions::default(),
    );
    assert!(
        msg.ends_with("log.tsv:2: expected 3 tab-separated fields (user, item, rating), found 4"),
        "{msg}"
    );
    let msg = error(
        "log.csv",
        b"user,item,rating,timestamp,tag\n1,10,4,100,a\n2,10,3,200\n",
        &ReadOptions::default(),
    );
    assert!(
        msg.ends_with(
            "log.csv:3: expected 5 comma-separated fields (user, item, rating, timestamp, -), \
             found 4"
        ),
        "{msg}"
    );
}

/// Every stored entry as (raw user, raw item, rating bits, timestamp), sorted: the data
/// whatever order the ids were interned in.
fn entries(x: &Interactions) -> Vec<(String, String, u32, Option<i64>)> {
    let mut out = Vec::new();
    for u in 0..x.n_users() {
        let row = x.row(UserIdx(u as u32));
        for (k, (&i, &v)) in row.items.iter().zip(row.values).enumerate() {
            out.push((
                format!("{:?}", x.user_ids().raw(u as u32)),
                format!("{:?}", x.item_ids().raw(i)),
                v.to_bits(),
                row.timestamps.map(|t| t[k]),
            ));
        }
    }
    out.sort();
    out
}

/// What `synth` / `convert` / `split` write as tsv and csv reads back with `--format tsv`
/// and `--format csv` (and auto-detected) to the same data: ids, ratings and timestamps.
#[test]
fn tsv_and_csv_written_with_timestamps_read_back_to_the_same_data() {
    let params = SynthParams {
        users: 40,
        items: 30,
        ratings: 300,
        min_per_user: 1,
        ..SynthParams::default()
    };
    let with = synthesize(&params, &NoProgress).unwrap();
    assert!(with.timestamps().is_some());
    let without = synthesize(
        &SynthParams {
            timestamps: false,
            ..params
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(without.timestamps(), None);
    let dir = tempfile::tempdir().unwrap();
    for x in [&with, &without] {
        for (layout, name) in [(OutputFormat::Tsv, "tsv"), (OutputFormat::Csv, "csv")] {
            let path = dir.path().join(format!("out.{name}"));
            write_file(x, layout, &path).unwrap();
            for options in [format(name), ReadOptions::default()] {
                let (back, _) = read_interactions(&path, &options, &NoProgress).unwrap();
                let ctx = format!("{name} {:?}", options.format);
                assert_eq!(back.nnz(), x.nnz(), "{ctx}");
                assert_eq!(
                    back.timestamps().is_some(),
                    x.timestamps().is_some(),
                    "{ctx}"
                );
                assert_eq!(entries(&back), entries(x), "{ctx}");
            }
        }
    }
}

/// Regression: `--columns user,item,rating,-` lost its trailing `-`: rows of three fields
/// were read as if the list had three columns, and rows of five too. The list is the whole
/// row: four fields, the fourth skipped (not a timestamp).
#[test]
fn a_trailing_skipped_column_was_not_kept() {
    let options = columns("tsv", &["user", "item", "rating", "-"]);
    let x = read("r.tsv", b"1\t10\t4\tred\n2\t10\t3\tblue\n", &options).unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (2, 1, 2));
    assert_eq!(x.get(UserIdx(1), ItemIdx(0)), Some(3.0));
    assert_eq!(x.timestamps(), None);
    let msg = error("r.tsv", b"1\t10\t4\tred\n2\t10\t3\n", &options);
    assert!(
        msg.ends_with("r.tsv:2: expected 4 tab-separated fields (user, item, rating, -), found 3"),
        "{msg}"
    );
    let msg = error("r.tsv", b"1\t10\t4\n", &options);
    assert!(
        msg.ends_with("r.tsv:1: expected 4 tab-separated fields (user, item, rating, -), found 3"),
        "{msg}"
    );
    let msg = error("r.tsv", b"1\t10\t4\tred\t9\n", &options);
    assert!(msg.ends_with("found 5"), "{msg}");
    // Skipped columns before the end count the same way.
    let options = columns("csv", &["-", "user", "-", "item", "-"]);
    let x = read("r.csv", b"h1,h2,h3,h4,h5\nx,1,y,10,z\n", &options).unwrap();
    assert_eq!(x.nnz(), 1);
    let msg = error("r.csv", b"h1,h2,h3,h4,h5\nx,1,y,10\n", &options);
    assert!(
        msg.ends_with("r.csv:2: expected 5 comma-separated fields (-, user, -, item, -), found 4"),
        "{msg}"
    );
}

/// A listed timestamp column is on every row: with `--columns`, a row without it is an
/// error, not a row without a time.
#[test]
fn a_listed_timestamp_column_is_required_on_every_row() {
    let options = columns("tsv", &["user", "item", "rating", "timestamp"]);
    let x = read("r.tsv", b"1\t10\t4\t100\n", &options).unwrap();
    assert_eq!(x.timestamps(), Some(&[100][..]));
    let msg = error("r.tsv", b"1\t10\t4\n", &options);
    assert!(
        msg.ends_with(
            "r.tsv:1: expected 4 tab-separated fields (user, item, rating, timestamp), found 3"
        ),
        "{msg}"
    );
}

/// An empty name in a column list (a stray comma: `user,item,`) is refused rather than
/// guessed to be a skipped column.
#[test]
fn an_empty_column_name_is_refused() {
    let err = DelimitedSpec::tsv()
        .with_columns(&["user", "item", ""])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("user,item,") && err.contains("column 3 is empty"),
        "{err}"
    );
}
