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

/// Reads a whole metadata file and decodes it (UTF-8 if valid, else Latin-1).
fn read_text(path: &Path) -> Result<String> {
    crate::read::open(path)?;
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    if bytes.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    Ok(crate::read::decode_text(&bytes))
}
