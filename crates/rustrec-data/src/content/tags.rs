//! Tag files: ML-10M `tags.dat` (`UserID::MovieID::Tag::Timestamp`) and ML-20M/25M/latest
//! `tags.csv` (`userId,movieId,tag,timestamp`, CSV quoting).

use std::path::Path;

use crate::content::csv::CsvRecords;
use crate::content::read_text;
use crate::error::{DataError, Result};
use crate::read::numbers::{parse_i64, parse_id};

/// One tag applied by a user to a movie.
#[derive(Clone, Debug, PartialEq)]
pub struct TagRecord {
    /// Raw user id.
    pub user: i64,
    /// Raw movie id.
    pub item: i64,
    /// The tag as written.
    pub tag: String,
    /// Seconds since the epoch.
    pub timestamp: i64,
}

fn record(
    path: &Path,
    line: u64,
    user: &str,
    item: &str,
    tag: &str,
    ts: &str,
) -> Result<TagRecord> {
    let id = |field: &str, value: &str| {
        parse_id(value.trim().as_bytes())
            .map_err(|e| DataError::parse(path, line, e.describe(field, value)))
    };
    Ok(TagRecord {
        user: id("user id", user)?,
        item: id("movie id", item)?,
        tag: tag.to_string(),
        timestamp: parse_i64(ts.trim().as_bytes()).ok_or_else(|| {
            DataError::parse(
                path,
                line,
                format!("timestamp field \"{ts}\" is not an integer"),
            )
        })?,
    })
}

/// Reads ML-10M `tags.dat`. The tag is what lies between the second and the last `::`, so
/// a tag holding `::` survives.
pub fn read_tags_dat(path: impl AsRef<Path>) -> Result<Vec<TagRecord>> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut out = Vec::new();
    for (k, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_no = k as u64 + 1;
        let parts = line.split_once("::").and_then(|(u, rest)| {
            let (i, rest) = rest.split_once("::")?;
            let (tag, ts) = rest.rsplit_once("::")?;
            Some((u, i, tag, ts))
        });
        let Some((u, i, tag, ts)) = parts else {
            return Err(DataError::parse(
                path,
                line_no,
                format!("expected \"UserID::MovieID::Tag::Timestamp\", found \"{line}\""),
            ));
        };
        out.push(record(path, line_no, u, i, tag, ts)?);
    }
    if out.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    Ok(out)
}

/// Reads ML-20M/25M/latest `tags.csv` (header `userId,movieId,tag,timestamp`).
pub fn read_tags_csv(path: impl AsRef<Path>) -> Result<Vec<TagRecord>> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut records = CsvRecords::new(&text);
    let mut fields = Vec::new();
    let mut out = Vec::new();
    let mut header = true;
    while let Some(rec) = records.next_record(&mut fields) {
        let line = rec.map_err(|(line, msg)| DataError::parse(path, line, msg))?;
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue;
        }
        if std::mem::take(&mut header) {
            let names: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
            if names != ["userId", "movieId", "tag", "timestamp"] {
                return Err(DataError::parse(
                    path,
                    line,
                    format!(
                        "expected the header \"userId,movieId,tag,timestamp\", found \"{}\"",
                        fields.join(",")
                    ),
                ));
            }
            continue;
        }
        if fields.len() != 4 {
            return Err(DataError::parse(
                path,
                line,
                format!(
                    "expected 4 comma-separated fields (userId,movieId,tag,timestamp), found {}; quote tags holding commas",
                    fields.len()
                ),
            ));
        }
        out.push(record(
            path, line, &fields[0], &fields[1], &fields[2], &fields[3],
        )?);
    }
    if out.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    Ok(out)
}

/// Reads a tag file, choosing the reader by extension: `.dat` or `.csv`.
pub fn read_tags(path: impl AsRef<Path>) -> Result<Vec<TagRecord>> {
    let path = path.as_ref();
    match path.extension().and_then(|e| e.to_str()) {
        Some("dat") => read_tags_dat(path),
        Some("csv") => read_tags_csv(path),
        _ => Err(DataError::Invalid(format!(
            "{}: unknown tag file; expected tags.dat or tags.csv",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str, content: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        (dir, path)
    }

    #[test]
    fn tags_dat_keeps_odd_tags_whole() {
        let (_d, path) = fixture(
            "tags.dat",
            b"15::4973::excellent!::1215184630\n20::1747::a::b::1188263880",
        );
        let tags = read_tags(&path).unwrap();
        assert_eq!(
            tags[0],
            TagRecord {
                user: 15,
                item: 4973,
                tag: "excellent!".into(),
                timestamp: 1215184630
            }
        );
        assert_eq!(tags[1].tag, "a::b");
        let (_d, path) = fixture("tags.dat", b"15::4973::x::soon\n");
        let msg = read_tags(&path).unwrap_err().to_string();
        assert!(
            msg.contains("tags.dat:1: timestamp field \"soon\""),
            "{msg}"
        );
    }

    #[test]
    fn tags_csv_with_quoted_commas_crlf_and_latin1() {
        let (_d, path) = fixture(
            "tags.csv",
            b"userId,movieId,tag,timestamp\r\n2,60756,funny,1445714994\r\n2,89774,\"Boxing, story\",1445715207\r\n3,1,caf\xe9,1\r\n",
        );
        let tags = read_tags(&path).unwrap();
        assert_eq!(tags.len(), 3);
        assert_eq!(tags[1].tag, "Boxing, story");
        assert_eq!(tags[2].tag, "café");
        let (_d, path) = fixture("tags.csv", b"userId,movieId,tag,timestamp\n2,-5,x,1\n");
        let msg = read_tags(&path).unwrap_err().to_string();
        assert!(
            msg.contains("tags.csv:2: movie id field \"-5\" is negative"),
            "{msg}"
        );
    }
}
