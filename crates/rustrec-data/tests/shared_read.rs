//! A file read by several processes together (each parsing its byte range, then exchanging
//! the shares) gives every process what one process reading the whole file gets: the same
//! rows, ids in the same order, the same report counts and the same errors. Processes are
//! threads here, exchanging through memory.

use std::sync::{Barrier, Mutex};

use rustrec_data::{
    DelimitedSpec, DuplicatePolicy, Exchange, Format, Interactions, NoProgress, ReadOptions,
    ReadReport, TimestampUse, read_interactions, read_interactions_shared, read_train_test,
    read_train_test_shared,
};

/// The processes' meeting point: every part is put in its slot, then all are read.
struct Hub {
    slots: Mutex<Vec<Vec<u8>>>,
    barrier: Barrier,
    calls: Mutex<Vec<usize>>,
}

/// One process of a [`Hub`].
struct Member<'h> {
    hub: &'h Hub,
    process: usize,
}

impl Exchange for Member<'_> {
    fn process(&self) -> usize {
        self.process
    }

    fn processes(&self) -> usize {
        self.hub.slots.lock().unwrap().len()
    }

    fn all_gather(&self, mine: Vec<u8>) -> Result<Vec<Vec<u8>>, String> {
        self.hub.calls.lock().unwrap()[self.process] += 1;
        self.hub.slots.lock().unwrap()[self.process] = mine;
        self.hub.barrier.wait();
        let all = self.hub.slots.lock().unwrap().clone();
        self.hub.barrier.wait();
        Ok(all)
    }
}

/// Runs `read` on `n` processes; their results, in process order.
fn on_processes<T: Send>(n: usize, read: impl Fn(&dyn Exchange) -> T + Sync) -> Vec<T> {
    let hub = Hub {
        slots: Mutex::new(vec![Vec::new(); n]),
        barrier: Barrier::new(n),
        calls: Mutex::new(vec![0; n]),
    };
    let out = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|process| {
                let (hub, read) = (&hub, &read);
                scope.spawn(move || read(&Member { hub, process }))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    let calls = hub.calls.into_inner().unwrap();
    assert!(
        calls.iter().all(|&c| c == calls[0]),
        "unequal exchanges {calls:?}"
    );
    out
}

fn same_data(a: &Interactions, b: &Interactions, ctx: &str) {
    assert_eq!(a.user_ids(), b.user_ids(), "{ctx}: users");
    assert_eq!(a.item_ids(), b.item_ids(), "{ctx}: items");
    assert_eq!(a.fingerprint(), b.fingerprint(), "{ctx}: entries");
    assert_eq!(a.timestamps(), b.timestamps(), "{ctx}: timestamps");
}

fn same_report(a: &ReadReport, b: &ReadReport, ctx: &str) {
    assert_eq!(
        (a.lines, a.rows, a.blank_lines, a.skipped, a.bytes),
        (b.lines, b.rows, b.blank_lines, b.skipped, b.bytes),
        "{ctx}: counts"
    );
    assert_eq!(a.first_skipped, b.first_skipped, "{ctx}: skipped rows");
    assert_eq!(a.time_range, b.time_range, "{ctx}: time range");
    assert_eq!(a.format, b.format, "{ctx}: format");
}

/// Reads `text` as `name` whole and on 1, 2, 3, 5 and 8 processes: every process must get
/// the whole read's result, or its error.
fn agree(name: &str, text: &str, options: &ReadOptions) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let whole = read_interactions(&path, options, &NoProgress);
    for n in [1, 2, 3, 5, 8] {
        let ctx = format!("{name} on {n} processes");
        for got in on_processes(n, |ex| {
            read_interactions_shared(&path, options, ex, &NoProgress)
        }) {
            match (&whole, got) {
                (Ok((a, ra)), Ok((b, rb))) => {
                    same_data(a, &b, &ctx);
                    same_report(ra, &rb, &ctx);
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{ctx}"),
                (Ok(_), Err(e)) => panic!("{ctx}: the whole read succeeds, a share gave {e}"),
                (Err(e), Ok(_)) => panic!("{ctx}: the whole read fails ({e}), the shares read"),
            }
        }
    }
}

/// A ratings.dat of `rows` lines with scrambled ids (new ones keep appearing late) and
/// timestamps.
fn ratings_dat(rows: usize) -> String {
    (0..rows)
        .map(|k| {
            format!(
                "{}::{}::{}::{}\n",
                (k * 7919) % 613 + k / 400,
                (k * 31) % 211 + k / 900,
                1 + k % 5,
                900_000_000 + (k * 104_729) % 77_777
            )
        })
        .collect()
}

#[test]
fn shares_put_together_are_the_whole_file() {
    let dat = ReadOptions::new(Format::MlDat);
    let keep_last = ReadOptions {
        duplicates: DuplicatePolicy::KeepLast,
        ..dat.clone()
    };
    agree("ratings.dat", &ratings_dat(5000), &keep_last);
    agree(
        "ratings.dat",
        &ratings_dat(3000),
        &ReadOptions {
            timestamps: TimestampUse::RangeOnly,
            ..keep_last.clone()
        },
    );
    // Fewer lines than processes, blank lines, no final newline, CRLF.
    agree("a.dat", "1::10::4::5\r\n\n2::11::3::6\r\n3::10::5::7", &dat);
    agree("b.dat", "\n\n\n\n\n\n1::10::4\n", &dat);
    // Ratings without timestamps; a header and quoted-free CSV; string ids.
    agree("c.dat", "5::7::1\n6::7::2\n5::8::3\n7::9::4\n", &dat);
    let csv = ReadOptions::new(Format::MlCsv);
    let mut text = String::from("userId,movieId,rating,timestamp\n");
    for k in 0..400 {
        text.push_str(&format!(
            "{},{},{}.5,{}\n",
            k % 37,
            k % 41 + k / 100,
            k % 4,
            k
        ));
    }
    agree("ratings.csv", &text, &csv);
    let mut spec = DelimitedSpec::csv();
    spec.string_ids = true;
    let strs = ReadOptions::new(Format::Delimited(spec));
    let mut text = String::from("u,i,r\n");
    for k in 0..300 {
        text.push_str(&format!(
            "user{},item{},{}\n",
            (k * 13) % 29,
            (k * 7) % 31,
            1 + k % 3
        ));
    }
    agree("s.csv", &text, &strs);
}

/// `--format tsv` and `--format csv` (`user item rating [timestamp]`): shares read the
/// fourth column as the whole read does, files without one too, and a row whose count
/// differs from the first row's (in a later share) is the same error.
#[test]
fn tsv_and_csv_shares_read_timestamps_as_the_whole_file() {
    let keep_last = |format: &str| ReadOptions {
        duplicates: DuplicatePolicy::KeepLast,
        ..ReadOptions::new(format.parse().unwrap())
    };
    let (tsv, csv) = (keep_last("tsv"), keep_last("csv"));
    let text = ratings_dat(3000).replace("::", "\t");
    let csv_text = format!("u,i,r,t\n{}", ratings_dat(3000).replace("::", ","));
    // The whole reads themselves succeed, with the timestamps of ratings.dat.
    let dir = tempfile::tempdir().unwrap();
    let dat_path = dir.path().join("r.dat");
    std::fs::write(&dat_path, ratings_dat(3000)).unwrap();
    let (dat, _) = read_interactions(&dat_path, &keep_last("ml-dat"), &NoProgress).unwrap();
    for (name, text, options) in [("r.tsv", &text, &tsv), ("r.csv", &csv_text, &csv)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (x, _) = read_interactions(&path, options, &NoProgress).unwrap();
        same_data(&x, &dat, name);
        agree(name, text, options);
    }
    let without: String = text
        .lines()
        .map(|l| format!("{}\n", &l[..l.rfind('\t').unwrap()]))
        .collect();
    agree("n.tsv", &without, &tsv);
    let mut mixed = text.clone();
    mixed.push_str("1\t2\t3\n");
    agree("m.tsv", &mixed, &tsv);
    let mut wide = text;
    wide.push_str("1\t2\t3\t4\t5\n");
    agree("w.tsv", &wide, &tsv);
}

#[test]
fn errors_and_skipped_rows_name_the_whole_file_lines() {
    let dat = ReadOptions::new(Format::MlDat);
    // A bad rating late in the file: its line as the whole read numbers it.
    let mut text = ratings_dat(2000);
    text.push_str("9::9::lots::1\n");
    text.push_str(&ratings_dat(500).replace("::", "::1"));
    agree("bad.dat", &text, &dat);
    // A field count change in a later share.
    let mut text = ratings_dat(1000).replace("::9", "::8");
    text.push_str("1::2::3\n");
    agree("count.dat", &text, &dat);
    // A duplicate pair far apart: both lines named.
    let mut text = String::from("1::2::3::4\n");
    text.push_str(&ratings_dat(1500).replace("\n1::", "\n100001::"));
    text.push_str("1::2::5::6\n");
    agree("dup.dat", &text, &dat);
    // Bad rows skipped all over the file (and counted, the first ten named).
    let skip = ReadOptions {
        skip_bad_rows: true,
        rating_scale: Some((1.0, 4.0)),
        duplicates: DuplicatePolicy::KeepLast,
        ..dat.clone()
    };
    agree("skip.dat", &ratings_dat(3000), &skip);
    // A file whose first lines are all bad or blank: later shares settle their rules
    // where the whole read does.
    let mut text = String::from("\n\nx::1::1::1\n\n");
    text.push_str(&ratings_dat(50));
    agree("late.dat", &text, &skip);
    // Empty: the same error.
    agree("empty.dat", "\n\n\n", &dat);
}

#[test]
fn a_train_and_test_pair_read_by_shares_is_the_pair_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("r.train"), dir.path().join("r.test"));
    let text = ratings_dat(4000);
    let (a, b) = text.split_at(text.len() * 9 / 10);
    let cut = a.rfind('\n').unwrap() + 1;
    std::fs::write(&train, &text[..cut]).unwrap();
    std::fs::write(&test, format!("{}{b}77777::88888::1::2\n", &a[cut..])).unwrap();
    let options = ReadOptions {
        format: Format::MlDat,
        duplicates: DuplicatePolicy::KeepLast,
        ..ReadOptions::default()
    };
    let whole = read_train_test(&train, &test, &options, &NoProgress).unwrap();
    for n in [2, 3] {
        for pair in on_processes(n, |ex| {
            read_train_test_shared(&train, &test, &options, ex, &NoProgress).unwrap()
        }) {
            same_data(&whole.train, &pair.train, "train");
            same_data(&whole.test, &pair.test, "test");
            same_report(&whole.test_report, &pair.test_report, "test report");
        }
    }
}

#[test]
fn each_share_holds_the_lines_that_start_in_its_byte_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.dat");
    let text = ratings_dat(997);
    std::fs::write(&path, &text).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let len = text.len() as u64;
    for n in [1, 2, 7] {
        let bounds: Vec<(u64, u64)> = (0..n)
            .map(|p| rustrec_data::read::share_bounds(&file, len, p, n).unwrap())
            .collect();
        assert_eq!(bounds[0].0, 0);
        assert_eq!(bounds[n - 1].1, len);
        for (p, &(start, end)) in bounds.iter().enumerate() {
            // Starts at a line start, at or after p·len/n, before any later line start.
            assert!(start == 0 || text.as_bytes()[start as usize - 1] == b'\n');
            let raw = len * p as u64 / n as u64;
            assert!(start >= raw, "share {p} of {n} starts at {start} < {raw}");
            let line_start = |s: u64| s == 0 || text.as_bytes()[s as usize - 1] == b'\n';
            assert!(
                (raw..start).all(|s| !line_start(s)),
                "share {p} of {n} skips a line start"
            );
            if p + 1 < n {
                assert_eq!(end, bounds[p + 1].0);
            }
        }
    }
}

/// A Parquet file is shared out by row groups: the processes together read what one
/// process reads (ids in the same order, the source format the file records, the
/// timestamps or their range), and a bad row in a late row group is named by its row in
/// the whole file.
#[cfg(feature = "parquet")]
#[test]
fn a_parquet_file_shared_by_row_groups_is_the_whole_file() {
    use std::path::Path;
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float32Array, Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;
    use rustrec_data::parquet::SOURCE_FORMAT_KEY;

    let dir = tempfile::tempdir().unwrap();
    let rows = 5000usize;
    // Users and items first seen in late row groups; the null user (when asked) in the last.
    let write = |path: &Path, null_at: Option<usize>| {
        let users: Vec<Option<i64>> = (0..rows)
            .map(|k| (Some(k) != null_at).then_some(((k * 7919) % 613 + k / 400) as i64))
            .collect();
        let items: Vec<i64> = (0..rows)
            .map(|k| ((k * 31) % 211 + k / 900) as i64)
            .collect();
        let ratings: Vec<f32> = (0..rows).map(|k| (1 + k % 5) as f32).collect();
        let stamps: Vec<i64> = (0..rows)
            .map(|k| 900_000 + ((k * 104_729) % 77_777) as i64)
            .collect();
        let schema = Arc::new(Schema::new(vec![
            Field::new("user", DataType::Int64, true),
            Field::new("item", DataType::Int64, false),
            Field::new("rating", DataType::Float32, false),
            Field::new("timestamp", DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(users)) as ArrayRef,
                Arc::new(Int64Array::from(items)),
                Arc::new(Float32Array::from(ratings)),
                Arc::new(Int64Array::from(stamps)),
            ],
        )
        .unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_size(450)
            .set_key_value_metadata(Some(vec![KeyValue::new(
                SOURCE_FORMAT_KEY.to_string(),
                "ml-dat".to_string(),
            )]))
            .build();
        let file = std::fs::File::create(path).unwrap();
        let mut w = ArrowWriter::try_new(file, schema, Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    };
    let pq = dir.path().join("r.parquet");
    write(&pq, None);
    let auto = ReadOptions {
        duplicates: DuplicatePolicy::KeepLast,
        ..ReadOptions::default()
    };
    for timestamps in [TimestampUse::Keep, TimestampUse::RangeOnly] {
        let options = ReadOptions {
            timestamps,
            ..auto.clone()
        };
        let (want, want_report) = read_interactions(&pq, &options, &NoProgress).unwrap();
        assert_eq!(want_report.source_format.as_deref(), Some("ml-dat"));
        for n in [2, 3, 5] {
            let ctx = format!("parquet on {n} processes, {timestamps:?}");
            for (got, report) in on_processes(n, |ex| {
                read_interactions_shared(&pq, &options, ex, &NoProgress).unwrap()
            }) {
                same_data(&want, &got, &ctx);
                same_report(&want_report, &report, &ctx);
                assert_eq!(report.source_format, want_report.source_format, "{ctx}");
            }
        }
    }
    let bad = dir.path().join("bad.parquet");
    write(&bad, Some(rows - 3));
    let want = read_interactions(&bad, &auto, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(want.contains(&format!("row {}", rows - 2)), "{want}");
    for got in on_processes(3, |ex| {
        read_interactions_shared(&bad, &auto, ex, &NoProgress)
    }) {
        assert_eq!(got.unwrap_err().to_string(), want);
    }
}

/// Processes on machines with different copies of the data stop with an error naming the
/// process that sees another file, instead of putting together shares of two files.
#[test]
fn a_process_that_sees_another_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (same, longer, edited) = (
        dir.path().join("a.dat"),
        dir.path().join("b.dat"),
        dir.path().join("c.dat"),
    );
    let text = ratings_dat(2000);
    std::fs::write(&same, &text).unwrap();
    std::fs::write(&longer, format!("{text}1::2::3::4\n")).unwrap();
    std::fs::write(&edited, text.replacen("::1::", "::2::", 1)).unwrap();
    let options = ReadOptions {
        format: Format::MlDat,
        duplicates: DuplicatePolicy::KeepLast,
        ..ReadOptions::default()
    };
    for (other, what) in [(&longer, "bytes against"), (&edited, "other first bytes")] {
        let results = on_processes(3, |ex| {
            let path = if ex.process() == 2 { other } else { &same };
            read_interactions_shared(path, &options, ex, &NoProgress)
        });
        for got in results {
            let err = got.unwrap_err().to_string();
            assert!(
                err.contains("process 2 sees another file than process 0") && err.contains(what),
                "{err}"
            );
        }
    }
}
