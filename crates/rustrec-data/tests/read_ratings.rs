//! Rating-file readers on fixture files: every kind of bad input gives an error naming the
//! file, line and field; good files give the hand-counted interactions.

use std::path::PathBuf;

use rustrec_data::{
    DataError, DelimitedSpec, DuplicatePolicy, Format, IdMap, ItemIdx, NoProgress, ReadOptions,
    UserIdx, read_in_id_space, read_interactions, read_train_test, read_triplets,
};

/// Writes `content` to `name` in a fresh temporary folder.
fn fixture(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

fn read(
    name: &str,
    content: &[u8],
    options: &ReadOptions,
) -> rustrec_data::Result<rustrec_data::Interactions> {
    let (_dir, path) = fixture(name, content);
    read_interactions(&path, options, &NoProgress).map(|(x, _)| x)
}

fn error(name: &str, content: &[u8], options: &ReadOptions) -> String {
    match read(name, content, options) {
        Ok(_) => panic!("{name} was accepted"),
        Err(e) => e.to_string(),
    }
}

fn auto() -> ReadOptions {
    ReadOptions::default()
}

#[test]
fn u_data_reads_with_ids_in_first_appearance_order_and_timestamps() {
    let x = read(
        "u.data",
        b"196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t302\t5\t1\n",
        &auto(),
    )
    .unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (2, 2, 3));
    assert_eq!(x.user_ids().get_int(196), Some(0));
    assert_eq!(x.item_ids().get_int(302), Some(1));
    assert_eq!(x.get(UserIdx(0), ItemIdx(1)), Some(5.0));
    assert_eq!(x.row(UserIdx(0)).timestamps, Some(&[881250949, 1][..]));
}

#[test]
fn last_line_without_newline_is_accepted() {
    let x = read("ratings.dat", b"1::10::5::100\n2::20::3.5::200", &auto()).unwrap();
    assert_eq!(x.nnz(), 2);
    assert_eq!(x.get(UserIdx(1), ItemIdx(1)), Some(3.5));
}

#[test]
fn ratings_dat_with_three_fields_has_no_timestamps() {
    let x = read("ratings.dat", b"1::10::5\n1::11::4\n", &auto()).unwrap();
    assert_eq!(x.nnz(), 2);
    assert!(x.timestamps().is_none());
}

#[test]
fn ratings_dat_mixing_three_and_four_fields_is_an_error() {
    let msg = error("ratings.dat", b"1::10::5\n1::11::4::77\n", &auto());
    assert!(
        msg.ends_with("ratings.dat:2: expected 3 '::'-separated fields (as on line 1), found 4"),
        "{msg}"
    );
}

#[test]
fn ratings_csv_with_crlf_and_its_header() {
    let x = read(
        "ratings.csv",
        b"userId,movieId,rating,timestamp\r\n1,2,3.5,9\r\n1,3,4.0,10\r\n",
        &auto(),
    )
    .unwrap();
    assert_eq!(x.nnz(), 2);
    assert_eq!(x.get(UserIdx(0), ItemIdx(0)), Some(3.5));
}

#[test]
fn ratings_csv_with_a_wrong_or_missing_header_is_an_error() {
    let msg = error("ratings.csv", b"user,item,rating,ts\n1,2,3,4\n", &auto());
    assert!(
        msg.contains(
            "ratings.csv:1: unexpected header: expected \"userId,movieId,rating,timestamp\""
        ),
        "{msg}"
    );
    let msg = error("ratings.csv", b"1,2,3,4\n", &auto());
    assert!(msg.contains("ratings.csv:1: missing header line"), "{msg}");
}

#[test]
fn a_header_in_a_headerless_format_is_named_as_such() {
    let msg = error(
        "u.data",
        b"user\titem\trating\ttimestamp\n1\t2\t3\t4\n",
        &auto(),
    );
    assert!(
        msg.contains("u.data:1: user field \"user\" is not a number"),
        "{msg}"
    );
    assert!(msg.contains("looks like a header"), "{msg}");
}

#[test]
fn empty_file_is_empty_error() {
    let (_d, path) = fixture("u.data", b"");
    let err = read_interactions(&path, &auto(), &NoProgress).unwrap_err();
    assert!(matches!(err, DataError::Empty { .. }), "{err}");
    let (_d, path) = fixture("u.data", b"\n\n");
    let err = read_interactions(&path, &auto(), &NoProgress).unwrap_err();
    assert!(matches!(err, DataError::Empty { .. }), "{err}");
}

#[test]
fn wrong_number_of_fields_names_the_line() {
    let msg = error("u.data", b"1\t2\t3\t4\n1\t2\t3\n", &auto());
    assert!(
        msg.ends_with("u.data:2: expected 4 tab-separated fields, found 3"),
        "{msg}"
    );
}

#[test]
fn wrong_delimiter_suggests_checking_it() {
    let msg = error("u.data", b"1,2,3,4\n", &auto());
    assert!(
        msg.ends_with(
            "u.data:1: expected 4 tab-separated fields, found 1; is the delimiter right?"
        ),
        "{msg}"
    );
}

#[test]
fn non_numeric_rating_names_field_and_value() {
    let msg = error(
        "u.data",
        b"1\t10\t5\t1\n2\t20\t4\t2\n3\t30\tfive\t3\n",
        &auto(),
    );
    assert!(
        msg.ends_with("u.data:3: rating field \"five\" is not a number"),
        "{msg}"
    );
}

#[test]
fn nan_and_infinite_ratings_are_rejected() {
    let msg = error("ratings.dat", b"1::2::NaN::1\n", &auto());
    assert!(
        msg.ends_with("ratings.dat:1: rating field \"NaN\" is not a finite number"),
        "{msg}"
    );
    let msg = error("ratings.dat", b"1::2::4::1\n1::3::inf::1\n", &auto());
    assert!(
        msg.ends_with("ratings.dat:2: rating field \"inf\" is not a finite number"),
        "{msg}"
    );
}

#[test]
fn negative_and_non_integer_ids_are_rejected() {
    let msg = error("u.data", b"-1\t2\t3\t4\n", &auto());
    assert!(
        msg.contains("u.data:1: user field \"-1\" is negative"),
        "{msg}"
    );
    let msg = error("u.data", b"1\t2.5\t3\t4\n", &auto());
    assert!(
        msg.ends_with("u.data:1: item field \"2.5\" is not an integer"),
        "{msg}"
    );
}

#[test]
fn bad_timestamp_is_rejected() {
    let msg = error("u.data", b"1\t2\t3\tyesterday\n", &auto());
    assert!(
        msg.ends_with("u.data:1: timestamp field \"yesterday\" is not an integer"),
        "{msg}"
    );
}

#[test]
fn rating_outside_the_scale_is_rejected() {
    let options = ReadOptions {
        rating_scale: Some((1.0, 5.0)),
        ..auto()
    };
    let msg = error("u.data", b"1\t2\t3\t4\n1\t3\t6\t4\n", &options);
    assert!(
        msg.ends_with("u.data:2: rating field \"6\" is outside the rating scale [1, 5]"),
        "{msg}"
    );
    assert!(read("u.data", b"1\t2\t1\t4\n1\t3\t5\t4\n", &options).is_ok());
}

#[test]
fn duplicates_are_an_error_naming_both_lines_unless_a_policy_says_otherwise() {
    let content = b"1\t2\t3\t4\n5\t6\t1\t4\n1\t2\t5\t9\n";
    let msg = error("u.data", content, &auto());
    assert!(
        msg.contains("u.data") && msg.contains("user 1, item 2") && msg.contains("lines 1 and 3"),
        "{msg}"
    );
    let options = ReadOptions {
        duplicates: DuplicatePolicy::Mean,
        ..auto()
    };
    let x = read("u.data", content, &options).unwrap();
    assert_eq!(x.get(UserIdx(0), ItemIdx(0)), Some(4.0));
}

#[test]
fn skip_bad_rows_counts_and_keeps_the_first_line_numbers() {
    let (_d, path) = fixture("u.data", b"1\t2\t3\t4\nbad\n1\t3\tx\t4\n\n2\t2\t4\t5\n");
    let options = ReadOptions {
        skip_bad_rows: true,
        ..auto()
    };
    let (x, report) = read_interactions(&path, &options, &NoProgress).unwrap();
    assert_eq!(x.nnz(), 2);
    assert_eq!(
        (
            report.lines,
            report.rows,
            report.skipped,
            report.blank_lines
        ),
        (5, 2, 2, 1)
    );
    assert_eq!(
        report.first_skipped.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert!(report.first_skipped[1].1.contains("rating field \"x\""));
    assert_eq!(report.format, Format::MlTab);
}

#[test]
fn directory_and_missing_path_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_interactions(dir.path(), &auto(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&dir.path().display().to_string()) && err.contains("directory"),
        "{err}"
    );
    let missing = dir.path().join("u.data");
    let err = read_interactions(&missing, &auto(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("u.data") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn string_id_logs_with_a_fixed_value_and_a_header() {
    let mut spec = DelimitedSpec::csv()
        .with_columns(&["timestamp", "user", "item"])
        .unwrap();
    spec.string_ids = true;
    spec.fixed_rating = Some(2.0);
    let options = ReadOptions::new(Format::Delimited(spec));
    let x = read(
        "log.csv",
        b"ts,who,what\n5,alice,apple\n6,bob,apple\n7,alice,pear",
        &options,
    )
    .unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (2, 2, 3));
    assert_eq!(x.user_ids().get_text("bob"), Some(1));
    assert!(x.values().iter().all(|&v| v == 2.0));
    assert_eq!(x.row(UserIdx(0)).timestamps, Some(&[5, 7][..]));
}

#[test]
fn multi_byte_delimiters_and_too_few_columns() {
    let spec = DelimitedSpec::new("||");
    let options = ReadOptions::new(Format::Delimited(spec));
    let x = read("x.txt", b"1||2||4.5\n3||2||1\n", &options).unwrap();
    assert_eq!(x.get(UserIdx(1), ItemIdx(0)), Some(1.0));
    let msg = error("x.txt", b"1||2\n", &options);
    assert!(
        msg.ends_with("x.txt:1: expected 3 \"||\"-separated fields (user, item, rating), found 2"),
        "{msg}"
    );
}

#[test]
fn several_files_share_one_id_space() {
    let (_d1, a) = fixture("a.base", b"1\t10\t5\t0\n2\t20\t4\t0\n");
    let (_d2, b) = fixture("a.test", b"2\t30\t3\t0\n9\t10\t1\t0\n");
    let (mut users, mut items) = (IdMap::new_int(), IdMap::new_int());
    let options = auto();
    let (ta, _) = read_triplets(&a, &options, &mut users, &mut items, &NoProgress).unwrap();
    let (tb, _) = read_triplets(&b, &options, &mut users, &mut items, &NoProgress).unwrap();
    assert_eq!(
        (ta.users.clone().into_vec(), tb.users.clone().into_vec()),
        (vec![0, 1], vec![1, 2])
    );
    assert_eq!(tb.items, vec![2, 0]);
    let split = read_train_test(&a, &b, &options, &NoProgress).unwrap();
    assert!(std::sync::Arc::ptr_eq(
        split.train.user_ids(),
        split.test.user_ids()
    ));
    assert_eq!((split.train.n_users(), split.train.n_items()), (3, 3));
    assert_eq!(split.train.user_degree(UserIdx(2)), 0);
    assert_eq!(split.test.get(UserIdx(2), ItemIdx(0)), Some(1.0));
}

#[test]
fn reading_a_file_larger_than_one_chunk_keeps_every_row() {
    let mut content = String::new();
    for k in 0..300_000u32 {
        content.push_str(&format!("{}::{}::{}.5::{}\n", k % 1000, k / 1000, k % 5, k));
    }
    let (_d, path) = fixture("ratings.dat", content.as_bytes());
    let (x, report) = read_interactions(&path, &auto(), &NoProgress).unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (1000, 300, 300_000));
    assert_eq!(report.lines, 300_000);
    assert_eq!(
        x.get(UserIdx(7), ItemIdx(299)),
        Some(((299_007 % 5) as f32) + 0.5)
    );
}

#[test]
fn duplicates_name_the_right_lines_after_a_header_or_a_blank_line() {
    let msg = error("u.data", b"1\t2\t3\t4\n\n5\t6\t1\t4\n1\t2\t5\t9\n", &auto());
    assert!(msg.contains("lines 1 and 4"), "{msg}");
    let msg = error(
        "ratings.csv",
        b"userId,movieId,rating,timestamp\n1,2,3,4\n1,2,4,5\n",
        &auto(),
    );
    assert!(msg.contains("lines 2 and 3"), "{msg}");
}

mod roundtrip {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Writes rows in `format` (0 = u.data, 1 = ratings.dat, 2 = ratings.csv with CRLF).
    fn write(rows: &BTreeMap<(u32, u32), (u8, i64)>, format: u8) -> (String, Vec<u8>) {
        let mut text = String::new();
        let name = match format {
            0 => "u.data",
            1 => "ratings.dat",
            _ => {
                text.push_str("userId,movieId,rating,timestamp\r\n");
                "ratings.csv"
            }
        };
        for (&(u, i), &(half_stars, ts)) in rows {
            let r = f32::from(half_stars) / 2.0;
            match format {
                0 => text.push_str(&format!("{u}\t{i}\t{r}\t{ts}\n")),
                1 => text.push_str(&format!("{u}::{i}::{r}::{ts}\n")),
                _ => text.push_str(&format!("{u},{i},{r},{ts}\r\n")),
            }
        }
        (name.to_string(), text.into_bytes())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn every_written_rating_reads_back(
            rows in proptest::collection::btree_map((1u32..40, 1u32..60), (1u8..=10, 0i64..2_000_000_000), 1..120),
            format in 0u8..3,
        ) {
            let (name, content) = write(&rows, format);
            let x = read(&name, &content, &auto()).unwrap();
            prop_assert_eq!(x.nnz(), rows.len());
            for (&(u, i), &(half_stars, _)) in &rows {
                let user = x.user_ids().get_int(i64::from(u)).unwrap();
                let item = x.item_ids().get_int(i64::from(i)).unwrap();
                prop_assert_eq!(x.get(UserIdx(user), ItemIdx(item)), Some(f32::from(half_stars) / 2.0));
            }
            let users: std::collections::BTreeSet<u32> = rows.keys().map(|k| k.0).collect();
            prop_assert_eq!(x.n_users(), users.len());
        }
    }
}

#[test]
fn a_byte_order_mark_before_the_header_is_ignored() {
    let x = read(
        "ratings.csv",
        b"\xEF\xBB\xBFuserId,movieId,rating,timestamp\n1,2,3,4\n",
        &auto(),
    )
    .unwrap();
    assert_eq!(x.nnz(), 1);
}

/// Records the progress calls of a read.
#[derive(Default)]
struct Recorder {
    calls: std::sync::Mutex<Vec<(String, Option<u64>)>>,
    advanced: std::sync::atomic::AtomicU64,
}

impl rustrec_data::Progress for Recorder {
    fn start(&self, label: &str, total: Option<u64>) {
        self.calls.lock().unwrap().push((label.to_string(), total));
    }
    fn advance(&self, delta: u64) {
        self.advanced
            .fetch_add(delta, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn progress_counts_the_bytes_of_the_file() {
    let content = b"1\t2\t3\t4\n2\t3\t4\t5\n";
    let (_d, path) = fixture("u.data", content);
    let progress = Recorder::default();
    read_interactions(&path, &auto(), &progress).unwrap();
    let calls = progress.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![("reading".to_string(), Some(content.len() as u64))]
    );
    assert_eq!(
        progress.advanced.load(std::sync::atomic::Ordering::Relaxed),
        content.len() as u64
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ReadOptions>();
    check::<rustrec_data::ReadReport>();
    check::<Format>();
    check::<rustrec_data::TrainTest>();
    check::<rustrec_data::DatasetStats>();
    check::<rustrec_data::content::ItemContent>();
    check::<rustrec_data::content::ItemTitles>();
    check::<rustrec_data::content::UserAttributes>();
}

#[test]
fn a_file_read_into_a_models_id_space_leaves_out_and_counts_unknown_rows() {
    // A model's id space: users 1, 2 and items 10, 20 (dense 0, 1 in that order).
    let (mut users, mut items) = (IdMap::new_int(), IdMap::new_int());
    for u in [1, 2] {
        users.intern_int(u);
    }
    for i in [10, 20] {
        items.intern_int(i);
    }
    let (users, items) = (std::sync::Arc::new(users), std::sync::Arc::new(items));
    let read = |content: &[u8]| {
        let (_dir, path) = fixture("test.tsv", content);
        read_in_id_space(&path, &auto(), &users, &items, &NoProgress)
    };

    // Every row known: all kept, in the model's dense indices.
    let (x, unknown) = read(b"2\t20\t4\n1\t10\t3\n2\t10\t5\n").unwrap();
    assert_eq!(unknown, 0);
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (2, 2, 3));
    assert_eq!(x.get(UserIdx(1), ItemIdx(1)), Some(4.0));
    assert_eq!(x.get(UserIdx(0), ItemIdx(0)), Some(3.0));

    // A new user (3) and a new item (30): their rows are counted and left out.
    let (x, unknown) = read(b"3\t10\t1\n1\t30\t2\n1\t20\t5\n").unwrap();
    assert_eq!(unknown, 2);
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (2, 2, 1));
    assert_eq!(x.get(UserIdx(0), ItemIdx(1)), Some(5.0));

    // A duplicate is named by its file lines, with or without unknown rows before it.
    for content in [
        &b"1\t10\t3\n2\t20\t4\n1\t10\t5\n"[..],
        b"1\t10\t3\n9\t9\t9\n1\t10\t5\n",
    ] {
        let msg = read(content).unwrap_err().to_string();
        assert!(msg.contains("lines 1 and 3"), "{msg}");
    }
}

/// Regression: `"u1","i1",4` kept the quotes in the ids (`"u1"` was a user no other tool
/// knew), and `"u2","i,2",3` was split inside the quotes ("rating field "2"" is not a
/// number"). Quoted fields read as CSV quotes them, in every delimited format.
#[test]
fn quoted_csv_fields_read_as_their_unquoted_text() {
    let plain = read(
        "ratings.csv",
        b"userId,movieId,rating,timestamp\n1,2,3.5,9\n1,3,4.0,10\n7,2,1,11\n",
        &auto(),
    )
    .unwrap();
    let quoted = read(
        "ratings.csv",
        b"\"userId\",\"movieId\",\"rating\",\"timestamp\"\n\"1\",\"2\",\"3.5\",\"9\"\n1,\"3\",4.0,10\n\"7\",2,\"1\",11\n",
        &auto(),
    )
    .unwrap();
    let same = |f: fn(&rustrec_data::Interactions) -> Vec<String>| {
        assert_eq!(f(&plain), f(&quoted));
    };
    same(|x| {
        (0..x.n_users() as u32)
            .map(|u| x.user_ids().raw(u).to_string())
            .collect()
    });
    same(|x| {
        (0..x.n_items() as u32)
            .map(|i| x.item_ids().raw(i).to_string())
            .collect()
    });
    same(|x| {
        vec![format!(
            "{:?} {:?} {:?} {:?}",
            x.user_ptr(),
            x.item_indices(),
            x.values(),
            x.timestamps()
        )]
    });
    assert!(
        quoted.user_ids().get_int(7).is_some(),
        "integer ids stay integers"
    );

    let x = read(
        "log.csv",
        b"user,item,rating\n\"u1\",\"Godfather, The (1972)\",4\nu2,\"Toy Story (1995)\",3.5\nu2,\"Godfather, The (1972)\",2\n",
        &auto(),
    )
    .unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (2, 2, 3));
    let godfather = x.item_ids().get_text("Godfather, The (1972)").unwrap();
    let u1 = x.user_ids().get_text("u1").unwrap();
    assert_eq!(x.get(UserIdx(u1), ItemIdx(godfather)), Some(4.0));
    assert_eq!(x.user_ids().get_text("\"u1\""), None);

    // Written back as csv (the id with a comma in quotes), the file reads to the same ids.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("again.csv");
    rustrec_data::write::write_file(&x, rustrec_data::write::OutputFormat::Csv, &out).unwrap();
    let again = read_interactions(&out, &auto(), &NoProgress).unwrap().0;
    let ids = |x: &rustrec_data::Interactions| -> Vec<String> {
        (0..x.n_items() as u32)
            .map(|i| x.item_ids().raw(i).to_string())
            .collect()
    };
    assert_eq!(ids(&again), ids(&x));
    assert_eq!(again.values(), x.values());
}

#[test]
fn quotes_that_cannot_be_read_are_refused_naming_line_and_field() {
    let msg = error(
        "log.csv",
        b"user,item,rating\nu1,i1,4\nu2,\"i2,3\n",
        &auto(),
    );
    assert!(
        msg.contains("log.csv:3") && msg.contains("field 2 opens a quote"),
        "{msg}"
    );
    let msg = error(
        "log.csv",
        b"user,item,rating\n\"a \"\"b\"\"\",i1,4\n",
        &auto(),
    );
    assert!(
        msg.contains("log.csv:2") && msg.contains("field 1 holds a doubled quote"),
        "{msg}"
    );
    let msg = error("log.csv", b"user,item,rating\nu1,\"i1\"x,4\n", &auto());
    assert!(
        msg.contains("log.csv:2") && msg.contains("text after its closing quote"),
        "{msg}"
    );
    // The MovieLens layouts have no quoting: a quote there is part of the field.
    let msg = error("u.data", b"\"1\"\t2\t3\t4\n", &auto());
    assert!(
        msg.contains("u.data:1") && msg.contains("\"\"1\"\""),
        "{msg}"
    );
}
