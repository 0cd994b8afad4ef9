//! Item content and metadata: movie titles, genres, years and tags, as sparse item × feature
//! matrices (ICMs) in the id space of the interaction data.
//!
//! * Readers turn each MovieLens metadata file into plain records: [`read_movies`]
//!   (`u.item`, `movies.dat`, `movies.csv`) gives [`MovieRecord`]s, [`read_tags`]
//!   (`tags.dat`, `tags.csv`) gives [`TagRecord`]s, [`read_u_user`] gives
//!   [`UserAttributes`].
//! * [`ItemContent`] builds an ICM from records over the item [`crate::IdMap`] of the
//!   interactions: genres (binary), years (one-hot), tags (counts). Items of the map without
//!   content get empty rows; records of items not in the map are ignored and counted.
//! * [`ItemTitles`] maps dense item indices to titles, to show recommendations;
//!   [`check_item_file`] first makes sure the file belongs to the model's data.
//!
//! Metadata files are small, so they are read whole and decoded at once: as UTF-8 when the
//! file is valid UTF-8 (ML-10M and later), else as Latin-1 (ML-100K `u.item`, ML-1M
//! `movies.dat`), each byte being the character of that code point.

mod csv;
mod icm;
mod item_file;
mod movies;
mod tags;
mod titles;
mod users;

use std::path::Path;

use crate::error::{DataError, Result};

pub use icm::{ContentStats, ItemContent};
pub use item_file::{ItemCoverage, MIN_ITEM_COVERAGE, MovieFileKind, check_item_file};
pub use movies::{
    ML100K_GENRES, MovieRecord, read_movies, read_movies_csv, read_movies_dat, read_u_genre,
    read_u_item, year_from_title,
};
pub use tags::{TagRecord, read_tags, read_tags_csv, read_tags_dat};
pub use titles::ItemTitles;
pub use users::{UserAttributes, read_u_user};

/// Reads a whole metadata file and decodes it (UTF-8 if valid, else Latin-1), without the
/// UTF-8 byte order mark that spreadsheet programs put first (the rating readers skip it
/// too): left in, it would be part of the header or of the first item id.
fn read_text(path: &Path) -> Result<String> {
    crate::read::open(path)?;
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    let text = crate::read::without_byte_order_mark(&bytes);
    if text.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    Ok(crate::read::decode_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a metadata file saved with a UTF-8 byte order mark was refused ("expected
    /// the header ... found \"\u{feff}movieId,...\"", `movie id field "ï»¿1"`) while rating
    /// files with one were read. Every reader now reads it as the file without the mark.
    #[test]
    fn a_byte_order_mark_is_skipped_by_every_metadata_reader() {
        let flags = "|0".repeat(18);
        let files: [(&str, String); 5] = [
            (
                "movies.csv",
                "movieId,title,genres\n1,Toy Story (1995),Comedy\n".into(),
            ),
            ("movies.dat", "1::Toy Story (1995)::Comedy\n".into()),
            (
                "u.item",
                format!("1|Toy Story (1995)|01-Jan-1995||http://x|1{flags}\n"),
            ),
            (
                "tags.csv",
                "userId,movieId,tag,timestamp\n15,1,fun,1215184630\n".into(),
            ),
            ("tags.dat", "15::1::fun::1215184630\n".into()),
        ];
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let plain = dir.path().join(name);
            std::fs::write(&plain, &text).unwrap();
            let bom = dir.path().join("bom").join(name);
            std::fs::create_dir_all(bom.parent().unwrap()).unwrap();
            std::fs::write(&bom, [b"\xEF\xBB\xBF", text.as_bytes()].concat()).unwrap();
            if name.starts_with("tags") {
                let want = read_tags(&plain).unwrap();
                assert_eq!(read_tags(&bom).unwrap(), want, "{name}");
                assert_eq!(want[0].item, 1);
            } else {
                let want = read_movies(&plain).unwrap();
                assert_eq!(read_movies(&bom).unwrap(), want, "{name}");
                assert_eq!(want[0].id, 1);
            }
        }
        // A file of the mark alone is as empty as an empty file.
        let only = dir.path().join("movies.dat");
        std::fs::write(&only, b"\xEF\xBB\xBF").unwrap();
        assert!(matches!(read_movies(&only), Err(DataError::Empty { .. })));
    }
}
