//! Movie metadata files: ML-100K `u.item` / `u.genre`, ML-1M/10M `movies.dat`,
//! ML-20M/25M/latest `movies.csv`.

use std::path::Path;

use crate::content::MovieFileKind;
use crate::content::csv::CsvRecords;
use crate::content::read_text;
use crate::error::{DataError, Result};
use crate::read::numbers::parse_id;

/// The 19 genres of ML-100K `u.item`, in flag order (as listed in `u.genre`).
pub const ML100K_GENRES: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// One movie as a metadata file describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct MovieRecord {
    /// Raw movie id (as in the rating files).
    pub id: i64,
    /// Title, decoded (Latin-1 or UTF-8), e.g. `Toy Story (1995)`.
    pub title: String,
    /// Genre names; empty for "(no genres listed)".
    pub genres: Vec<String>,
    /// Year from the title's `(1995)` suffix, else from the release date.
    pub year: Option<i32>,
}

/// The year of a title ending in `(YYYY)` (trailing spaces allowed).
pub fn year_from_title(title: &str) -> Option<i32> {
    let t = title.trim_end().strip_suffix(')')?;
    let open = t.rfind('(')?;
    let inner = &t[open + 1..];
    (inner.len() == 4 && inner.bytes().all(|b| b.is_ascii_digit()))
        .then(|| inner.parse().ok())
        .flatten()
}

/// The year of a `u.item` release date such as `01-Jan-1995`.
fn year_from_date(date: &str) -> Option<i32> {
    let d = date.trim();
    let y = d.get(d.len().checked_sub(4)?..)?;
    y.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| y.parse().ok())
        .flatten()
}

fn movie_id(path: &Path, line: u64, field: &str) -> Result<i64> {
    parse_id(field.trim().as_bytes())
        .map_err(|e| DataError::parse(path, line, e.describe("movie id", field)))
}

/// Reads ML-100K `u.genre` (`name|index` per line) into genre names by index.
pub fn read_u_genre(path: impl AsRef<Path>) -> Result<Vec<String>> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut names: Vec<Option<String>> = Vec::new();
    for (k, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_no = k as u64 + 1;
        let (name, index) = line.rsplit_once('|').ok_or_else(|| {
            DataError::parse(
                path,
                line_no,
                format!("expected \"name|index\", found \"{line}\""),
            )
        })?;
        let index = parse_id(index.trim().as_bytes())
            .map_err(|e| DataError::parse(path, line_no, e.describe("genre index", index)))?
            as usize;
        if index > 1000 {
            return Err(DataError::parse(
                path,
                line_no,
                format!("genre index {index} is too large"),
            ));
        }
        if names.len() <= index {
            names.resize(index + 1, None);
        }
        names[index] = Some(name.to_string());
    }
    if names.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    names
        .into_iter()
        .enumerate()
        .map(|(k, n)| {
            n.ok_or_else(|| {
                DataError::Invalid(format!("{}: genre index {k} is missing", path.display()))
            })
        })
        .collect()
}

/// Reads ML-100K `u.item`: `id|title|release date|video release date|IMDb URL|` then one
/// 0/1 flag per genre. `genres` names the flags (from [`read_u_genre`]); `None` uses
/// [`ML100K_GENRES`]. The file is Latin-1.
pub fn read_u_item(path: impl AsRef<Path>, genres: Option<&[String]>) -> Result<Vec<MovieRecord>> {
    let path = path.as_ref();
    let default: Vec<String> = ML100K_GENRES.iter().map(|s| s.to_string()).collect();
    let genres = genres.unwrap_or(&default);
    let text = read_text(path)?;
    let mut out = Vec::new();
    for (k, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_no = k as u64 + 1;
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != 5 + genres.len() {
            return Err(DataError::parse(
                path,
                line_no,
                format!(
                    "expected {} '|'-separated fields (5 + {} genre flags), found {}",
                    5 + genres.len(),
                    genres.len(),
                    fields.len()
                ),
            ));
        }
        let id = movie_id(path, line_no, fields[0])?;
        let mut names = Vec::new();
        for (g, flag) in fields[5..].iter().enumerate() {
            match flag.trim() {
                "1" => names.push(genres[g].clone()),
                "0" => {}
                other => {
                    return Err(DataError::parse(
                        path,
                        line_no,
                        format!(
                            "genre flag {} (\"{}\") is \"{other}\", not 0 or 1",
                            g, genres[g]
                        ),
                    ));
                }
            }
        }
        let title = fields[1].to_string();
        let year = year_from_title(&title).or_else(|| year_from_date(fields[2]));
        out.push(MovieRecord {
            id,
            title,
            genres: names,
            year,
        });
    }
    non_empty(path, out)
}

fn non_empty<T>(path: &Path, rows: Vec<T>) -> Result<Vec<T>> {
    if rows.is_empty() {
        Err(DataError::Empty { path: path.into() })
    } else {
        Ok(rows)
    }
}

/// Genre names of a `|`-separated list; "(no genres listed)" is none.
fn split_genres(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.is_empty() || text == "(no genres listed)" {
        return Vec::new();
    }
    text.split('|').map(|g| g.trim().to_string()).collect()
}

/// Reads ML-1M/10M `movies.dat`: `MovieID::Title::Genres`, genres `|`-separated. Latin-1
/// (1M) or UTF-8 (10M) are both accepted.
pub fn read_movies_dat(path: impl AsRef<Path>) -> Result<Vec<MovieRecord>> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut out = Vec::new();
    for (k, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_no = k as u64 + 1;
        let parts = line
            .split_once("::")
            .and_then(|(id, rest)| rest.rsplit_once("::").map(|(t, g)| (id, t, g)));
        let Some((id, title, genres)) = parts else {
            return Err(DataError::parse(
                path,
                line_no,
                format!("expected \"MovieID::Title::Genres\", found \"{line}\""),
            ));
        };
        out.push(MovieRecord {
            id: movie_id(path, line_no, id)?,
            title: title.to_string(),
            genres: split_genres(genres),
            year: year_from_title(title),
        });
    }
    non_empty(path, out)
}

/// Reads ML-20M/25M/latest `movies.csv`: header `movieId,title,genres`, CSV quoting.
pub fn read_movies_csv(path: impl AsRef<Path>) -> Result<Vec<MovieRecord>> {
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
            if names != ["movieId", "title", "genres"] {
                return Err(DataError::parse(
                    path,
                    line,
                    format!(
                        "expected the header \"movieId,title,genres\", found \"{}\"",
                        fields.join(",")
                    ),
                ));
            }
            continue;
        }
        if fields.len() != 3 {
            return Err(DataError::parse(
                path,
                line,
                format!(
                    "expected 3 comma-separated fields (movieId,title,genres), found {}; quote titles holding commas",
                    fields.len()
                ),
            ));
        }
        out.push(MovieRecord {
            id: movie_id(path, line, &fields[0])?,
            title: fields[1].clone(),
            genres: split_genres(&fields[2]),
            year: year_from_title(&fields[1]),
        });
    }
    non_empty(path, out)
}

/// Reads a movie file, choosing the reader by name: `u.item`, `*.dat` (`movies.dat`) or
/// `*.csv` (`movies.csv`).
pub fn read_movies(path: impl AsRef<Path>) -> Result<Vec<MovieRecord>> {
    let path = path.as_ref();
    match MovieFileKind::of_path(path) {
        Some(MovieFileKind::UItem) => {
            // Use the u.genre beside it when there is one.
            let genre_file = path.with_file_name("u.genre");
            let genres = if genre_file.is_file() {
                Some(read_u_genre(&genre_file)?)
            } else {
                None
            };
            read_u_item(path, genres.as_deref())
        }
        Some(MovieFileKind::MoviesDat) => read_movies_dat(path),
        Some(MovieFileKind::MoviesCsv) => read_movies_csv(path),
        None => Err(DataError::Invalid(format!(
            "{}: unknown movie file; expected u.item, movies.dat or movies.csv",
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

    const FLAGS_TOY: &str = "0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0";
    const FLAGS_NONE: &str = "1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0";

    #[test]
    fn u_item_with_latin1_titles_flags_and_years() {
        let mut content =
            format!("1|Toy Story (1995)|01-Jan-1995||http://x|{FLAGS_TOY}\n").into_bytes();
        content.extend_from_slice(b"2|Caf\xe9 Society|05-Mar-1997||http://y|");
        content.extend_from_slice(FLAGS_NONE.as_bytes());
        content.extend_from_slice(b"\n267|unknown||||");
        content.extend_from_slice(FLAGS_NONE.as_bytes());
        let (_d, path) = fixture("u.item", &content);
        let movies = read_movies(&path).unwrap();
        assert_eq!(movies.len(), 3);
        assert_eq!(movies[0].genres, ["Animation", "Children's", "Comedy"]);
        assert_eq!(movies[0].year, Some(1995));
        assert_eq!(movies[1].title, "Café Society");
        assert_eq!(movies[1].year, Some(1997));
        assert_eq!(movies[1].genres, ["unknown"]);
        assert_eq!((movies[2].id, movies[2].year), (267, None));
    }

    #[test]
    fn u_item_errors_name_line_and_field() {
        let (_d, path) = fixture(
            "u.item",
            format!("1|A (1990)|||u|{FLAGS_TOY}\n2|B|||u|0|1\n").as_bytes(),
        );
        let msg = read_u_item(&path, None).unwrap_err().to_string();
        assert!(
            msg.contains("u.item:2: expected 24 '|'-separated fields"),
            "{msg}"
        );
        let bad = FLAGS_TOY.replacen('0', "2", 1);
        let (_d, path) = fixture("u.item", format!("x1|A|||u|{bad}\n").as_bytes());
        let msg = read_u_item(&path, None).unwrap_err().to_string();
        assert!(
            msg.contains("u.item:1: movie id field \"x1\" is not a number"),
            "{msg}"
        );
        let (_d, path) = fixture("u.item", format!("1|A|||u|{bad}\n").as_bytes());
        let msg = read_u_item(&path, None).unwrap_err().to_string();
        assert!(msg.contains("genre flag 0 (\"unknown\") is \"2\""), "{msg}");
    }

    #[test]
    fn u_genre_names_by_index() {
        let (_d, path) = fixture("u.genre", b"unknown|0\nAction|1\n\n");
        assert_eq!(read_u_genre(&path).unwrap(), ["unknown", "Action"]);
        let (_d, path) = fixture("u.genre", b"Action|1\n");
        assert!(
            read_u_genre(&path)
                .unwrap_err()
                .to_string()
                .contains("index 0 is missing")
        );
    }

    #[test]
    fn movies_dat_latin1_and_utf8() {
        let (_d, path) = fixture(
            "movies.dat",
            b"1::Toy Story (1995)::Animation|Children's|Comedy\n73::Mis\xe9rables, Les (1995)::Drama\r\n9::X::(no genres listed)",
        );
        let movies = read_movies(&path).unwrap();
        assert_eq!(movies[1].title, "Misérables, Les (1995)");
        assert_eq!(movies[1].genres, ["Drama"]);
        assert!(movies[2].genres.is_empty());
        let (_d, path) = fixture(
            "movies.dat",
            "5::Amélie (2001)::Comedy|Romance\n".as_bytes(),
        );
        assert_eq!(read_movies(&path).unwrap()[0].title, "Amélie (2001)");
        let (_d, path) = fixture("movies.dat", b"5 Amelie\n");
        assert!(
            read_movies(&path)
                .unwrap_err()
                .to_string()
                .contains("movies.dat:1: expected")
        );
    }

    #[test]
    fn movies_csv_with_quoted_commas_and_crlf() {
        let (_d, path) = fixture(
            "movies.csv",
            b"movieId,title,genres\r\n11,\"American President, The (1995)\",Comedy|Drama|Romance\r\n12,Dracula (1995),Horror\r\n",
        );
        let movies = read_movies(&path).unwrap();
        assert_eq!(movies.len(), 2);
        assert_eq!(movies[0].title, "American President, The (1995)");
        assert_eq!(movies[0].year, Some(1995));
        assert_eq!(movies[0].genres, ["Comedy", "Drama", "Romance"]);
        let (_d, path) = fixture(
            "movies.csv",
            b"movieId,title,genres\n11,American President, The (1995),Comedy\n",
        );
        let msg = read_movies(&path).unwrap_err().to_string();
        assert!(
            msg.contains("movies.csv:2: expected 3 comma-separated fields"),
            "{msg}"
        );
        let (_d, path) = fixture("movies.csv", b"id,name,genres\n");
        assert!(
            read_movies(&path)
                .unwrap_err()
                .to_string()
                .contains("expected the header")
        );
    }

    #[test]
    fn years_from_titles() {
        assert_eq!(year_from_title("Babylon 5 (1994) "), Some(1994));
        assert_eq!(year_from_title("City (2004-2007)"), None);
        assert_eq!(year_from_title("No year"), None);
        assert_eq!(year_from_date("01-Jan-1995"), Some(1995));
        assert_eq!(year_from_date(""), None);
    }
}
