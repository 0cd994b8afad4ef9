//! Target `ratings`: every rating reader on arbitrary bytes.
//!
//! Input: one byte of options (bit 0 `skip_bad_rows`, bit 1 a rating scale of [1, 5],
//! bits 2-3 the duplicate policy, bit 4 a header for the string-id layout, bits 5-7 the
//! file name for `Auto`), then the file's content. The content is read
//! - with every explicit format: `ml-tab`, `ml-dat`, `ml-csv`, `csv`, `tsv`, and generic
//!   layouts with a two-byte delimiter and string ids, and with reordered columns, a
//!   three-byte delimiter and a fixed value;
//! - with `Format::Auto` under one of the MovieLens names (`u.data`, `ratings.dat`,
//!   `ratings.csv`), names that only suggest a format (`ua.base`, `a.test`, `x.dat`) or
//!   names that say nothing (`log.csv`, `r.txt`);
//! - as a train/test pair (the same file twice, one id space), for half of the names.
//!
//! (Each read allocates the reader's 4 MiB line buffer, which dominates the cost of a run:
//! hence one `Auto` name per input rather than all of them.)
//!
//! Checked on success: the report's counts (lines, rows, skipped, blank lines) agree with
//! the content and with the matrix; every user and item has a row; values are finite (and
//! inside the scale when one is given and duplicates are not summed); an `Auto` read equals
//! the read with the format it detected; a clean `ml-tab` / `ml-dat` / `ml-csv` read equals
//! the generic `tsv` / `::` / `csv` read of the same columns. On error: the message holds no
//! raw control character.

use std::path::Path;

use rustrec::data::read::KEPT_SKIPPED;
use rustrec::data::{
    DelimitedSpec, DuplicatePolicy, Format, Interactions, ItemIdx, NoProgress, ReadOptions,
    ReadReport, UserIdx, read_interactions, read_train_test,
};

/// Runs one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&flags, content)) = data.split_first() else {
        return;
    };
    let options = |format: Format| ReadOptions {
        format,
        skip_bad_rows: flags & 1 != 0,
        rating_scale: (flags & 2 != 0).then_some((1.0, 5.0)),
        duplicates: match (flags >> 2) & 3 {
            0 => DuplicatePolicy::Error,
            1 => DuplicatePolicy::KeepLast,
            2 => DuplicatePolicy::Sum,
            _ => DuplicatePolicy::Mean,
        },
        ..ReadOptions::default()
    };

    // Explicit formats, under a name that suggests nothing.
    let path = crate::scratch::write("ratings.txt", content);
    let ml_tab = read(&path, content, &options(Format::MlTab));
    let ml_dat = read(&path, content, &options(Format::MlDat));
    let ml_csv = read(&path, content, &options(Format::MlCsv));
    let csv = read(
        &path,
        content,
        &options(Format::Delimited(DelimitedSpec::csv())),
    );
    let tsv = read(
        &path,
        content,
        &options(Format::Delimited(DelimitedSpec::tsv())),
    );
    // ratings.dat's layout in generic terms: `user::item::rating[::timestamp]`, three or
    // four fields on every row (a generic spec without the timestamp column refuses a
    // fourth field rather than drop it).
    let dat_generic = read(
        &path,
        content,
        &options(Format::Delimited(DelimitedSpec {
            timestamp_col: Some(3),
            optional_timestamp: true,
            ..DelimitedSpec::new("::")
        })),
    );
    for (name, clean, generic) in [
        ("ml-tab vs tsv", &ml_tab, &tsv),
        ("ml-dat vs '::'", &ml_dat, &dat_generic),
        ("ml-csv vs csv", &ml_csv, &csv),
    ] {
        // A MovieLens read that kept every row is also a valid generic read of the same
        // user, item and rating columns.
        if let Some((x, report)) = clean
            && report.skipped == 0
        {
            match generic {
                Some((y, _)) => same_matrix(name, x, y),
                None => panic!("{name}: the MovieLens read succeeded, the generic one failed"),
            }
        }
    }
    let mut strings = DelimitedSpec::new("::");
    strings.string_ids = true;
    strings.has_header = flags & 16 != 0;
    strings.timestamp_col = Some(3);
    read(&path, content, &options(Format::Delimited(strings)));
    if let Ok(mut spec) =
        DelimitedSpec::new("<|>").with_columns(&["item", "-", "user", "timestamp"])
    {
        spec.fixed_rating = Some(2.5);
        read(&path, content, &options(Format::Delimited(spec)));
    }

    // Format detection from the name and the content: one name per input (bits 5-7).
    let names = [
        "u.data",
        "ua.base",
        "a.test",
        "ratings.dat",
        "x.dat",
        "ratings.csv",
        "log.csv",
        "r.txt",
    ];
    let name = names[usize::from(flags >> 5)];
    let path = crate::scratch::write(name, content);
    if let Some((x, report)) = read(&path, content, &options(Format::Auto)) {
        let again = read(&path, content, &options(report.format.clone()));
        match again {
            Some((y, _)) => same_matrix(name, &x, &y),
            None => panic!("{name}: read as {} by Auto only", report.format),
        }
    }

    // A predefined split whose two files are the same: one id space, equal matrices.
    if flags & 0x20 == 0 {
        match read_train_test(&path, &path, &options(Format::Auto), &NoProgress) {
            Ok(tt) => {
                same_matrix("train/test", &tt.train, &tt.test);
                assert!(tt.train.same_id_space(&tt.test));
            }
            Err(e) => crate::check::clean_message("read_train_test", &e.to_string()),
        }
    }
}

/// Reads `path` and checks the result against `content`; `None` on a (checked) error.
fn read(path: &Path, content: &[u8], options: &ReadOptions) -> Option<(Interactions, ReadReport)> {
    match read_interactions(path, options, &NoProgress) {
        Ok((x, report)) => {
            check_read(content, options, &x, &report);
            Some((x, report))
        }
        Err(e) => {
            crate::check::clean_message("read_interactions", &e.to_string());
            None
        }
    }
}

fn check_read(content: &[u8], options: &ReadOptions, x: &Interactions, report: &ReadReport) {
    let newlines = content.iter().filter(|&&b| b == b'\n').count() as u64;
    let last_open = content.last().is_some_and(|&b| b != b'\n');
    assert_eq!(report.lines, newlines + u64::from(last_open), "line count");
    assert_eq!(report.bytes, content.len() as u64);
    assert!(report.rows > 0, "a successful read has rows");
    assert!(
        report.rows + report.skipped + report.blank_lines <= report.lines,
        "{report:?}"
    );
    assert_eq!(
        report.first_skipped.len() as u64,
        report.skipped.min(KEPT_SKIPPED as u64)
    );
    if !options.skip_bad_rows {
        assert_eq!(report.skipped, 0);
    }
    if options.format != Format::Auto {
        assert_eq!(report.format, options.format);
    }
    // Rows become non-zeros, merged only when duplicates are allowed.
    let nnz = x.nnz() as u64;
    if options.duplicates == DuplicatePolicy::Error {
        assert_eq!(nnz, report.rows, "rows kept vs non-zeros");
    } else {
        assert!(nnz <= report.rows && nnz > 0);
    }
    assert_eq!(x.n_users(), x.user_ids().len());
    assert_eq!(x.n_items(), x.item_ids().len());
    // Only kept rows add ids: every user and every item has a non-zero.
    for u in 0..x.n_users() {
        assert!(
            x.user_degree(UserIdx(u as u32)) > 0,
            "user {u} without rows"
        );
    }
    for i in 0..x.n_items() {
        assert!(
            x.item_degree(ItemIdx(i as u32)) > 0,
            "item {i} without rows"
        );
    }
    for &v in x.values() {
        assert!(v.is_finite(), "value {v} in the matrix");
        if let Some((lo, hi)) = options.rating_scale
            && options.duplicates != DuplicatePolicy::Sum
        {
            assert!((lo..=hi).contains(&v), "value {v} outside [{lo}, {hi}]");
        }
    }
    if let Some(ts) = x.timestamps() {
        assert_eq!(ts.len(), x.nnz());
    }
}

/// The same users, items and values, by raw id.
fn same_matrix(what: &str, x: &Interactions, y: &Interactions) {
    assert_eq!(x.nnz(), y.nnz(), "{what}: non-zeros");
    let mut a: Vec<(String, String, u32)> = x
        .iter()
        .map(|(u, i, v)| {
            (
                x.user_ids().raw(u.0).to_string(),
                x.item_ids().raw(i.0).to_string(),
                v.to_bits(),
            )
        })
        .collect();
    let mut b: Vec<(String, String, u32)> = y
        .iter()
        .map(|(u, i, v)| {
            (
                y.user_ids().raw(u.0).to_string(),
                y.item_ids().raw(i.0).to_string(),
                v.to_bits(),
            )
        })
        .collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b, "{what}: the matrices differ");
}
