//! Tests of the Parquet reader and writer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;

use super::*;
use crate::{DataError, Format, IdKind, NoProgress, ReadOptions, detect_format, read_interactions};

/// Writes a Parquet file with the given columns (no nulls unless the array has them).
fn write_columns(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Text → Interactions → Parquet: the path of the Parquet file.
fn convert(text_path: &Path, options: &ReadOptions) -> PathBuf {
    let (x, _) = read_interactions(text_path, options, &NoProgress).unwrap();
    let out = text_path.with_extension("parquet");
    let bytes = write_parquet(&x, Some("ml-dat"), &out).unwrap();
    assert_eq!(bytes, std::fs::metadata(&out).unwrap().len());
    out
}

#[test]
fn text_converted_to_parquet_reads_back_as_the_same_interactions() {
    let dir = tempfile::tempdir().unwrap();
    let dat = dir.path().join("r.dat");
    // Ids out of order, an item first seen late, timestamps, half stars.
    std::fs::write(
        &dat,
        "7::30::4::100\n3::30::3.5::90\n7::11::1::80\n900000::5::5::70\n3::11::2.5::60\n",
    )
    .unwrap();
    let options = ReadOptions::default();
    let pq = convert(&dat, &options);
    assert_eq!(detect_format(&pq).unwrap(), Format::Parquet);
    let (a, _) = read_interactions(&dat, &options, &NoProgress).unwrap();
    let (b, report) = read_interactions(&pq, &options, &NoProgress).unwrap();
    assert_eq!(report.format, Format::Parquet);
    assert_eq!(report.source_format.as_deref(), Some("ml-dat"));
    assert_eq!((report.lines, report.rows), (5, 5));
    assert_eq!(a.user_ids(), b.user_ids());
    assert_eq!(a.item_ids(), b.item_ids());
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_eq!(a.values(), b.values());
    assert_eq!(a.timestamps(), b.timestamps());
    assert_eq!(b.user_ids().int_ids().unwrap(), &[7, 3, 900000]);
}

#[test]
fn string_ids_round_trip_exactly_and_canonical_integers_become_integers() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    std::fs::write(&csv, "user,item,rating\n007,a,1\n7,b,2\nbob,a,3\n").unwrap();
    let mut spec = crate::DelimitedSpec::csv();
    spec.string_ids = true;
    let options = ReadOptions::new(Format::Delimited(spec));
    let pq = convert(&csv, &options);
    // Users "007", "7", "bob" must stay strings ("007" is not canonical); items too.
    assert_eq!(parquet_id_kinds(&pq).unwrap(), (IdKind::Str, IdKind::Str));
    let (x, _) = read_interactions(&pq, &ReadOptions::default(), &NoProgress).unwrap();
    assert_eq!(x.user_ids().to_strings(), ["007", "7", "bob"]);
    assert_eq!(x.item_ids().to_strings(), ["a", "b"]);

    // String ids that are all canonical integers are written as integers.
    std::fs::write(&csv, "user,item,rating\n12,40,1\n5,41,2\n").unwrap();
    let pq = convert(&csv, &options);
    assert_eq!(parquet_id_kinds(&pq).unwrap(), (IdKind::Int, IdKind::Int));
    let (x, _) = read_interactions(&pq, &ReadOptions::default(), &NoProgress).unwrap();
    assert_eq!(x.user_ids().int_ids().unwrap(), &[12, 5]);
}

/// Several row groups, users and items in scrambled first-appearance order, ids with a
/// comma and a percent sign: the same matrix, the same id maps, as from the text.
#[test]
fn many_row_groups_give_the_same_matrix_and_id_order() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("big.tsv");
    let n = ROW_GROUP_ROWS * 2 + 123;
    let mut text = String::with_capacity(n * 12);
    for k in 0..n {
        text.push_str(&format!(
            "{}\t{}\t{}\n",
            (k * 7919) % 5003,
            (k * 31) % 97,
            1 + k % 5
        ));
    }
    std::fs::write(&tsv, text).unwrap();
    let options = ReadOptions::new("tsv".parse().unwrap());
    let mut options = options;
    options.duplicates = crate::DuplicatePolicy::KeepLast;
    let pq = convert(&tsv, &options);
    let (a, _) = read_interactions(&tsv, &options, &NoProgress).unwrap();
    let auto = ReadOptions {
        format: Format::Auto,
        ..options.clone()
    };
    let (b, _) = read_interactions(&pq, &auto, &NoProgress).unwrap();
    assert_eq!(a.user_ids(), b.user_ids());
    assert_eq!(a.item_ids(), b.item_ids());
    assert_eq!(a.user_ptr(), b.user_ptr());
    assert_eq!(a.item_indices(), b.item_indices());
    assert_eq!(a.values(), b.values());

    // String ids holding the metadata's separators round-trip too.
    let csv = dir.path().join("odd.csv");
    std::fs::write(&csv, "user;item;rating\nu1;b,1;1\nu2;a%2C;2\nu1;a%2C;3\n").unwrap();
    let mut spec = crate::DelimitedSpec::new(";");
    spec.has_header = true;
    spec.string_ids = true;
    let options = ReadOptions::new(Format::Delimited(spec));
    let pq = convert(&csv, &options);
    let (a, _) = read_interactions(&csv, &options, &NoProgress).unwrap();
    let (b, _) = read_interactions(&pq, &ReadOptions::default(), &NoProgress).unwrap();
    assert_eq!(b.item_ids().to_strings(), ["b,1", "a%2C"]);
    assert_eq!(a.item_ids(), b.item_ids());
    assert_eq!(a.item_indices(), b.item_indices());
}

#[test]
fn a_missing_column_is_an_error_naming_the_file_and_the_columns_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nor.parquet");
    write_columns(
        &path,
        vec![
            ("userId", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
            ("movieId", Arc::new(Int64Array::from(vec![3, 4]))),
            ("stars", Arc::new(Float32Array::from(vec![1.0, 2.0]))),
        ],
    );
    let msg = read_interactions(&path, &ReadOptions::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("nor.parquet"), "{msg}");
    assert!(msg.contains("no rating column"), "{msg}");
    assert!(msg.contains("stars (Float32)"), "{msg}");
}

#[test]
fn a_column_of_the_wrong_type_is_an_error_naming_file_column_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typ.parquet");
    write_columns(
        &path,
        vec![
            ("user", Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef),
            ("item", Arc::new(Int32Array::from(vec![3, 4]))),
            ("rating", Arc::new(StringArray::from(vec!["good", "bad"]))),
        ],
    );
    let msg = read_interactions(&path, &ReadOptions::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("typ.parquet"), "{msg}");
    assert!(
        msg.contains("column \"rating\" has type Utf8; expected numbers"),
        "{msg}"
    );
    let path = dir.path().join("fl.parquet");
    write_columns(
        &path,
        vec![
            ("user", Arc::new(Float32Array::from(vec![1.0])) as ArrayRef),
            ("item", Arc::new(Int32Array::from(vec![3]))),
            ("rating", Arc::new(Float32Array::from(vec![1.0]))),
        ],
    );
    let msg = read_interactions(&path, &ReadOptions::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("fl.parquet") && msg.contains("column \"user\" has type Float32"),
        "{msg}"
    );
}

#[test]
fn bad_values_are_errors_naming_the_row_and_column_or_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.parquet");
    write_columns(
        &path,
        vec![
            (
                "user",
                Arc::new(Int64Array::from(vec![Some(1), None, Some(-4), Some(2)])) as ArrayRef,
            ),
            ("item", Arc::new(Int64Array::from(vec![3, 4, 5, 6]))),
            (
                "rating",
                Arc::new(Float32Array::from(vec![1.0, 2.0, 3.0, f32::NAN])),
            ),
        ],
    );
    let err = read_interactions(&path, &ReadOptions::default(), &NoProgress).unwrap_err();
    assert!(matches!(err, DataError::Invalid(_)));
    let msg = err.to_string();
    assert!(
        msg.contains("bad.parquet: row 2: column \"user\" is null"),
        "{msg}"
    );
    let options = ReadOptions {
        skip_bad_rows: true,
        ..ReadOptions::default()
    };
    let (x, report) = read_interactions(&path, &options, &NoProgress).unwrap();
    assert_eq!((x.nnz(), report.skipped), (1, 3));
    assert_eq!(report.first_skipped[1].0, 3);
    assert!(
        report.first_skipped[1].1.contains("-4, negative"),
        "{:?}",
        report.first_skipped
    );
    assert!(report.first_skipped[2].1.contains("not a finite number"));
}

#[test]
fn a_file_that_is_not_parquet_inside_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fake.parquet");
    std::fs::write(&path, "1\t2\t3\n").unwrap();
    let msg = read_interactions(&path, &ReadOptions::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("fake.parquet") && msg.contains("not a readable Parquet file"),
        "{msg}"
    );
}

/// Int32 ids and float64 ratings (as pandas writes them) in many small row groups, ids
/// first appearing in later groups: the parallel read gives the text file's matrix and id
/// order; with one null in the last group the file is read row by row, naming the row.
#[test]
fn plain_files_of_other_types_read_in_parallel_as_the_text_reads() {
    let dir = tempfile::tempdir().unwrap();
    let n = 5000usize;
    let users: Vec<i32> = (0..n)
        .map(|k| ((k * 7919) % 1009 + k / 50) as i32)
        .collect();
    let items: Vec<i64> = (0..n)
        .map(|k| ((k * 31) % 97 + k / 1000 * 1000) as i64)
        .collect();
    let ratings: Vec<f64> = (0..n).map(|k| 0.5 + (k % 10) as f64 / 2.0).collect();
    let tsv = dir.path().join("same.tsv");
    let text: String = (0..n)
        .map(|k| format!("{}\t{}\t{}\n", users[k], items[k], ratings[k]))
        .collect();
    std::fs::write(&tsv, text).unwrap();
    let write = |path: &Path, last_user: Option<i32>| {
        let mut users: Vec<Option<i32>> = users.iter().copied().map(Some).collect();
        users[n - 1] = last_user;
        let schema = Arc::new(Schema::new(vec![
            Field::new("userId", arrow_schema::DataType::Int32, true),
            Field::new("movieId", arrow_schema::DataType::Int64, false),
            Field::new("rating", arrow_schema::DataType::Float64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int32Array::from(users)) as ArrayRef,
                Arc::new(Int64Array::from(items.clone())),
                Arc::new(arrow_array::Float64Array::from(ratings.clone())),
            ],
        )
        .unwrap();
        let props = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_size(700)
            .build();
        let file = std::fs::File::create(path).unwrap();
        let mut w = ArrowWriter::try_new(file, schema, Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    };
    let mut options = ReadOptions::new("tsv".parse().unwrap());
    options.duplicates = crate::DuplicatePolicy::KeepLast;
    let (want, _) = read_interactions(&tsv, &options, &NoProgress).unwrap();
    let auto = ReadOptions {
        format: Format::Auto,
        ..options.clone()
    };
    let pq = dir.path().join("plain.parquet");
    write(&pq, Some(users[n - 1]));
    let (got, report) = read_interactions(&pq, &auto, &NoProgress).unwrap();
    assert_eq!(report.lines, n as u64);
    assert_eq!(got.user_ids(), want.user_ids());
    assert_eq!(got.item_ids(), want.item_ids());
    assert_eq!(got.user_ptr(), want.user_ptr());
    assert_eq!(got.item_indices(), want.item_indices());
    assert_eq!(got.values(), want.values());

    let bad = dir.path().join("null.parquet");
    write(&bad, None);
    let err = read_interactions(&bad, &auto, &NoProgress).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("null.parquet: row {n}: column \"userId\" is null")),
        "{err}"
    );
}

/// Timestamps read as a range only: the rows of the full read without their timestamps, and
/// the range of the kept rows' timestamps — from the row groups' statistics, from the decoded
/// column when the file has none, and from the kept rows only when bad rows are skipped.
#[test]
fn a_range_only_read_gives_the_rows_and_the_range_of_their_timestamps() {
    use parquet::file::properties::{EnabledStatistics, WriterProperties};
    let dir = tempfile::tempdir().unwrap();
    let n = 3000usize;
    let users: Vec<i64> = (0..n).map(|k| ((k * 7919) % 101) as i64).collect();
    let items: Vec<i64> = (0..n).map(|k| ((k * 31) % 97) as i64).collect();
    let ratings: Vec<f32> = (0..n).map(|k| (1 + k % 5) as f32).collect();
    let stamps: Vec<i64> = (0..n).map(|k| 1_000 + ((k * 37) % 2003) as i64).collect();
    let write = |path: &Path, statistics: EnabledStatistics, first_user: i64, first_stamp: i64| {
        let mut users = users.clone();
        let mut stamps = stamps.clone();
        users[0] = first_user;
        stamps[0] = first_stamp;
        let schema = Arc::new(Schema::new(vec![
            Field::new("user", arrow_schema::DataType::Int64, false),
            Field::new("item", arrow_schema::DataType::Int64, false),
            Field::new("rating", arrow_schema::DataType::Float32, false),
            Field::new("timestamp", arrow_schema::DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(users)) as ArrayRef,
                Arc::new(Int64Array::from(items.clone())),
                Arc::new(Float32Array::from(ratings.clone())),
                Arc::new(Int64Array::from(stamps)),
            ],
        )
        .unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_size(700)
            .set_statistics_enabled(statistics)
            .build();
        let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, Some(props))
            .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    };
    let keep = ReadOptions {
        duplicates: crate::DuplicatePolicy::KeepLast,
        skip_bad_rows: true,
        ..ReadOptions::default()
    };
    let range_only = ReadOptions {
        timestamps: crate::TimestampUse::RangeOnly,
        ..keep.clone()
    };
    let cases = [
        ("stats.parquet", EnabledStatistics::Chunk, 7, 1_000_000),
        ("nostats.parquet", EnabledStatistics::None, 7, -5),
        // A negative id: the file is read row by row and its first row skipped, so its
        // timestamp (the file's largest, in the statistics) is not in the range.
        ("skipped.parquet", EnabledStatistics::Chunk, -1, 9_999_999),
    ];
    for (name, statistics, first_user, first_stamp) in cases {
        let path = dir.path().join(name);
        write(&path, statistics, first_user, first_stamp);
        let (full, full_report) = read_interactions(&path, &keep, &NoProgress).unwrap();
        let (ranged, report) = read_interactions(&path, &range_only, &NoProgress).unwrap();
        let ts = full
            .timestamps()
            .expect("the full read keeps the timestamps");
        let want = (*ts.iter().min().unwrap(), *ts.iter().max().unwrap());
        assert_eq!(report.time_range, Some(want), "{name}");
        assert_eq!(full_report.time_range, None, "{name}");
        assert_eq!(ranged.timestamps(), None, "{name}");
        assert_eq!(ranged.fingerprint(), full.fingerprint(), "{name}");
        assert_eq!(report.skipped, full_report.skipped, "{name}");
    }
    // The skipped row's timestamp is the largest of the file but not of the range.
    let (_, report) =
        read_interactions(dir.path().join("skipped.parquet"), &range_only, &NoProgress).unwrap();
    assert_eq!(report.skipped, 1);
    assert!(report.time_range.unwrap().1 < 9_999_999);
}
