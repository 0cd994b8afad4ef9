//! The readable reference reader: one line after another, ids interned row by row into the
//! caller's maps. The parallel reader (`chunked.rs`) must give exactly what this gives — rows,
//! ids and their order, line numbers, errors, skipped rows — for any chunk size and thread
//! count; the tests below check that on odd inputs and on random ones.

use std::path::Path;

use crate::error::{DataError, Result};
use crate::ids::IdMap;
use crate::progress::NoProgress;
use crate::read::format::{Format, detect_format};
use crate::read::layout::Layout;
use crate::read::lines::for_each_line;
use crate::read::ratings::{KEPT_SKIPPED, ReadOptions};
use crate::read::row::{Ids, Row, RowRules};
use crate::triplets::{DuplicatePolicy, Triplets};

/// Rows, line count, blank lines, skipped rows and the first skipped messages.
pub(super) type Reference = (Triplets, u64, u64, u64, Vec<(u64, String)>);

/// Reads `path` sequentially (see the module docs).
pub(super) fn read_reference(
    path: &Path,
    options: &ReadOptions,
    users: &mut IdMap,
    items: &mut IdMap,
) -> Result<Reference> {
    let format = match &options.format {
        Format::Auto => detect_format(path)?,
        other => other.clone(),
    };
    let layout = Layout::of(&format);
    let mut rules = RowRules::new(&layout, options.rating_scale);
    let keep_lines = options.duplicates == DuplicatePolicy::Error;
    let mut out = Triplets::new(
        path.display().to_string(),
        layout.timestamp.is_some(),
        false,
    );
    let (mut blank, mut skipped, mut first_skipped) = (0u64, 0u64, Vec::new());
    let lines = for_each_line(path, &NoProgress, "reading", |line_no, mut line| {
        if line_no == 1 {
            line = super::lines::without_byte_order_mark(line);
        }
        if line.is_empty() {
            blank += 1;
            return Ok(());
        }
        match rules.parse(Some(line_no), line) {
            Ok(Row::Header) => Ok(()),
            Ok(Row::Data {
                ids,
                value,
                timestamp,
            }) => {
                let (u, i) = match ids {
                    Ids::Int(u, i) => (users.intern_int(u), items.intern_int(i)),
                    Ids::Text(u, i) => (users.intern_str(u), items.intern_str(i)),
                };
                if keep_lines && out.lines.is_none() && line_no != out.len() as u64 + 1 {
                    out.lines = Some((1..=out.len() as u64).collect());
                }
                out.push(u, i, value, timestamp, line_no);
                Ok(())
            }
            Err(message) if options.skip_bad_rows => {
                skipped += 1;
                if first_skipped.len() < KEPT_SKIPPED {
                    first_skipped.push((line_no, message));
                }
                Ok(())
            }
            Err(message) => Err(DataError::parse(path, line_no, message)),
        }
    })?;
    if layout.rows_lack_timestamp(rules.first_count) {
        out.timestamps = None;
    }
    Ok((out, lines, blank, skipped, first_skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::chunked::Plan;
    use crate::read::format::DelimitedSpec;
    use crate::read::ratings::{TimestampUse, read_triplets_with};
    use proptest::prelude::*;

    /// Reads `bytes` as `name` with both readers (the parallel one with `plan` on `threads`
    /// threads) and asserts they agree on everything, errors included.
    fn agree(name: &str, bytes: &[u8], options: &ReadOptions, plan: Plan, threads: usize) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (mut ru, mut ri) = fresh(options);
        let want = read_reference(&path, options, &mut ru, &mut ri);
        let (mut pu, mut pi) = fresh(options);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let got = pool.install(|| {
            read_triplets_with(&path, options, &mut pu, &mut pi, &NoProgress, Some(plan))
        });
        let ctx = format!(
            "{name} {:?} plan {plan:?} threads {threads}",
            String::from_utf8_lossy(bytes)
        );
        match (want, got) {
            (Ok((t, lines, blank, skipped, first)), Ok((g, report))) => {
                assert!(!t.is_empty(), "{ctx}");
                assert_eq!(g.users, t.users, "{ctx}");
                assert_eq!(g.items, t.items, "{ctx}");
                assert_eq!(g.values, t.values, "{ctx}");
                assert_eq!(g.timestamps, t.timestamps, "{ctx}");
                assert_eq!(g.lines, t.lines, "{ctx}");
                assert_eq!(
                    (report.lines, report.blank_lines, report.skipped),
                    (lines, blank, skipped),
                    "{ctx}"
                );
                assert_eq!(report.first_skipped, first, "{ctx}");
                assert_eq!(report.time_range, None, "{ctx}");
                // Only the range of the timestamps: the same rows, the range of the kept
                // rows' timestamps, no column.
                let ranged = ReadOptions {
                    timestamps: TimestampUse::RangeOnly,
                    ..options.clone()
                };
                let (mut u, mut i) = fresh(options);
                let (r, report) = pool
                    .install(|| {
                        read_triplets_with(&path, &ranged, &mut u, &mut i, &NoProgress, Some(plan))
                    })
                    .unwrap();
                assert_eq!(
                    (&r.users, &r.items, &r.values),
                    (&t.users, &t.items, &t.values),
                    "{ctx}"
                );
                assert_eq!(r.timestamps, None, "{ctx}");
                let want_range = t
                    .timestamps
                    .as_ref()
                    .map(|ts| (*ts.iter().min().unwrap(), *ts.iter().max().unwrap()));
                assert_eq!(report.time_range, want_range, "{ctx}");
            }
            (Ok((t, ..)), Err(e)) => {
                // The only difference allowed: the reference does not refuse an empty file.
                assert!(t.is_empty(), "{ctx}: {e}");
                assert!(matches!(e, DataError::Empty { .. }), "{ctx}: {e}");
            }
            (Err(w), Err(g)) => assert_eq!(w.to_string(), g.to_string(), "{ctx}"),
            (Err(w), Ok(_)) => panic!("{ctx}: reference failed with {w}, parallel read"),
        }
        assert_eq!(pu, ru, "{ctx}: user maps");
        assert_eq!(pi, ri, "{ctx}: item maps");
    }

    fn fresh(options: &ReadOptions) -> (IdMap, IdMap) {
        match &options.format {
            Format::Delimited(spec) if spec.string_ids => (IdMap::new_str(), IdMap::new_str()),
            _ => (IdMap::new_int(), IdMap::new_int()),
        }
    }

    /// Tiny plans (a chunk ends every few bytes: lines are cut everywhere) and the default.
    fn plans() -> Vec<Plan> {
        vec![
            Plan { batch: 7, chunk: 1 },
            Plan {
                batch: 16,
                chunk: 5,
            },
            Plan {
                batch: 64,
                chunk: 13,
            },
            Plan::default(),
        ]
    }

    fn all_agree(name: &str, text: &str, options: &ReadOptions) {
        for plan in plans() {
            for threads in [1, 3] {
                agree(name, text.as_bytes(), options, plan, threads);
            }
        }
    }

    #[test]
    fn odd_files_read_as_the_reference_reads_them() {
        let dat = ReadOptions::new(Format::MlDat);
        all_agree("a.dat", "1::10::4::5\r\n2::11::3::6\r\n3::10::5::7", &dat);
        all_agree("b.dat", "\u{FEFF}1::10::4\n\n\n2::11::3\n1::11::2\n", &dat);
        all_agree("c.dat", "1::10::4\n2::11::3::9\n", &dat); // field count changes
        all_agree("d.dat", "1::10::4\n2::x::3\n3::4::5\n", &dat); // bad item
        all_agree("e.dat", "userId::movieId::r\n1::2::3\n", &dat); // header hint
        all_agree("f.dat", "1::10::4\n1::10::5\n", &dat); // duplicate: lines kept
        all_agree("g.dat", "\n\n", &dat); // empty
        all_agree("h.dat", "\n\n1::10::4\n\n2::10::3\n\n", &dat); // lines stored
        let csv = ReadOptions::new(Format::MlCsv);
        all_agree(
            "ratings.csv",
            "userId,movieId,rating,timestamp\r\n1,2,3.5,9\r\n4,2,1,8\r\n",
            &csv,
        );
        all_agree("ratings.csv", "1,2,3.5,9\n", &csv); // missing header
        let mut skip = ReadOptions::new(Format::MlDat);
        skip.skip_bad_rows = true;
        skip.rating_scale = Some((1.0, 5.0));
        let many_bad: String = (1..40)
            .map(|k| format!("{}::{}::{}\n", k % 7, k % 5, k % 9))
            .collect();
        all_agree("s.dat", &many_bad, &skip);
        all_agree("t.dat", "1::2\nx::1::1\n1::2::3\n4::5::6::7\n", &skip);
        // A skipped row's timestamp is outside the range of the kept rows'.
        all_agree("u.dat", "1::2::9::999999\n1::3::4::5\n2::3::3::6\n", &skip);
        let mut spec = DelimitedSpec::csv();
        spec.string_ids = true;
        let strs = ReadOptions::new(Format::Delimited(spec));
        all_agree(
            "s.csv",
            "u,i,r\nalice,apple,1\nbob,pear,2\n\nalice,pear,3\ncarol,,4\n",
            &strs,
        );
        let mut spec = DelimitedSpec::tsv();
        spec.rating_col = None;
        spec.timestamp_col = None;
        all_agree(
            "i.tsv",
            "5\t7\n9\t7\n5\t8\n",
            &ReadOptions::new(Format::Delimited(spec)),
        );
    }

    /// The tsv and csv layouts (`user item rating [timestamp]`, the same count on every
    /// row) and listed columns with a trailing skipped one: timestamps, files without them,
    /// mixed counts, a fifth field, a bad timestamp, rows skipped.
    #[test]
    fn tsv_csv_and_listed_columns_read_as_the_reference_reads_them() {
        let tsv = ReadOptions::new("tsv".parse().unwrap());
        all_agree(
            "a.tsv",
            "1\t10\t4\t100\n2\t11\t3.5\t200\r\n1\t11\t5\t9",
            &tsv,
        );
        all_agree("b.tsv", "\n1\t10\t4\n2\t11\t3\n\n", &tsv); // no timestamps
        all_agree("c.tsv", "1\t10\t4\t100\n2\t11\t3\n", &tsv); // count changes
        all_agree("d.tsv", "1\t10\t4\n2\t11\t3\t100\n", &tsv);
        all_agree("e.tsv", "1\t10\t4\t100\t5\n", &tsv); // a fifth field
        all_agree("f.tsv", "1\t10\t4\t100\n2\t11\t3\tnoon\n", &tsv); // bad timestamp
        let csv = ReadOptions::new("csv".parse().unwrap());
        all_agree("g.csv", "u,i,r,t\n1,10,4,100\n2,11,3,200\n", &csv);
        all_agree("h.csv", "u,i,r\n1,10,4\n2,11,3,200\n", &csv);
        let mut skip = tsv.clone();
        skip.skip_bad_rows = true;
        all_agree(
            "s.tsv",
            "1\t10\t4\t100\n2\t11\t3\n3\t12\t2\t300\t1\n4\t13\t1\t400\n",
            &skip,
        );
        let Format::Delimited(spec) = "tsv".parse().unwrap() else {
            unreachable!("tsv is delimited")
        };
        let listed = ReadOptions::new(Format::Delimited(
            spec.with_columns(&["user", "item", "rating", "-"]).unwrap(),
        ));
        all_agree("l.tsv", "1\t10\t4\tred\n2\t11\t3\tblue\n", &listed);
        all_agree("m.tsv", "1\t10\t4\tred\n2\t11\t3\n", &listed);
        all_agree("n.tsv", "1\t10\t4\n", &listed);
    }

    /// String ids read into integer maps (a test file with string ids after a training file
    /// with integer ones): the maps turn into string maps midway, which only a row-by-row
    /// interning reproduces.
    #[test]
    fn string_ids_on_integer_maps_read_as_the_reference() {
        let mut spec = DelimitedSpec::tsv();
        spec.string_ids = true;
        let options = ReadOptions::new(Format::Delimited(spec));
        let text = "5\t1\t1\n+5\t1\t2\nx\t2\t3\n+5\t3\t4\n05\t4\t5\n";
        for plan in plans() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("m.tsv");
            std::fs::write(&path, text).unwrap();
            let (mut ru, mut ri) = (IdMap::new_int(), IdMap::new_int());
            let (want, ..) = read_reference(&path, &options, &mut ru, &mut ri).unwrap();
            let (mut pu, mut pi) = (IdMap::new_int(), IdMap::new_int());
            let (got, _) =
                read_triplets_with(&path, &options, &mut pu, &mut pi, &NoProgress, Some(plan))
                    .unwrap();
            assert_eq!((got.users, got.items), (want.users, want.items));
            assert_eq!((pu, pi), (ru, ri));
        }
    }

    /// A line of random bytes drawn from the characters that matter to the parser.
    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => (0u32..30, 0u32..12, 1u32..6, 0u32..3).prop_map(|(u, i, r, t)| match t {
                0 => format!("{u}::{i}::{r}"),
                1 => format!("{u}::{i}::{r}::{}", u * 7 + i),
                _ => format!("{u}::{i}::{r}.5::1"),
            }),
            1 => Just(String::new()),
            1 => "[0-9:x\\r .-]{0,12}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_files_read_as_the_reference_reads_them(
            lines in proptest::collection::vec(line(), 0..60),
            crlf in any::<bool>(),
            final_newline in any::<bool>(),
            skip in any::<bool>(),
            keep_last in any::<bool>(),
            tsv in any::<bool>(),
            batch in 1usize..200,
            chunk in 1usize..50,
            threads in 1usize..4,
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join(eol);
            if final_newline {
                text.push_str(eol);
            }
            // The same lines as ratings.dat, or tab-separated as `--format tsv` reads them.
            let (name, format, text) = if tsv {
                ("p.tsv", "tsv".parse().unwrap(), text.replace("::", "\t"))
            } else {
                ("p.dat", Format::MlDat, text)
            };
            let mut options = ReadOptions::new(format);
            options.skip_bad_rows = skip;
            if keep_last {
                options.duplicates = DuplicatePolicy::KeepLast;
            }
            agree(name, text.as_bytes(), &options, Plan { batch, chunk }, threads);
        }
    }
}
