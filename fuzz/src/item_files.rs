//! Target `item_files`: the item-file readers of `rustrec_data::content` on arbitrary bytes.
//!
//! The content is read as `u.item` (default genres), `movies.dat`, `movies.csv` (through
//! `read_movies`, which picks the reader by name), `tags.dat`, `tags.csv`, `u.genre` and
//! `u.user`. An input holding a NUL byte is also split there into a `u.genre` and a
//! `u.item` written side by side, so that `read_movies` reads the item file with the genre
//! names of its neighbour.
//!
//! Checked on success: records exist; the matrices built from them (genres, years, tags)
//! have one row per item of the id map, increasing offsets and feature indices inside the
//! feature list; titles and coverage count consistently. On error: the message holds no
//! raw control character.

use rustrec::data::IdMap;
use rustrec::data::content::{
    ItemContent, ItemCoverage, ItemTitles, MovieRecord, TagRecord, check_item_file, read_movies,
    read_tags, read_u_genre, read_u_user,
};

/// Runs one input (see the module docs).
pub fn run(data: &[u8]) {
    crate::scratch::remove("u.genre");
    for name in ["u.item", "movies.dat", "movies.csv"] {
        let path = crate::scratch::write(name, data);
        match read_movies(&path) {
            Ok(movies) => check_movies(&path, &movies),
            Err(e) => crate::check::clean_message(name, &e.to_string()),
        }
    }
    for name in ["tags.dat", "tags.csv"] {
        let path = crate::scratch::write(name, data);
        match read_tags(&path) {
            Ok(tags) => check_tags(&tags),
            Err(e) => crate::check::clean_message(name, &e.to_string()),
        }
    }
    let path = crate::scratch::write("u.user", data);
    match read_u_user(&path) {
        Ok(users) => {
            assert!(!users.is_empty());
            assert_eq!(users.ids.len(), users.ages.len());
            assert_eq!(users.ids.len(), users.zips.len());
        }
        Err(e) => crate::check::clean_message("u.user", &e.to_string()),
    }
    let path = crate::scratch::write("u.genre", data);
    match read_u_genre(&path) {
        Ok(genres) => assert!(!genres.is_empty()),
        Err(e) => crate::check::clean_message("u.genre", &e.to_string()),
    }
    crate::scratch::remove("u.genre");

    // u.genre and u.item side by side.
    if let Some(nul) = data.iter().position(|&b| b == 0) {
        crate::scratch::write("u.genre", &data[..nul]);
        let path = crate::scratch::write("u.item", &data[nul + 1..]);
        match read_movies(&path) {
            Ok(movies) => check_movies(&path, &movies),
            Err(e) => crate::check::clean_message("u.genre + u.item", &e.to_string()),
        }
        crate::scratch::remove("u.genre");
    }
}

/// The id map of a model that knows every other movie of the file (and one more id).
fn items_of(ids: impl Iterator<Item = i64>) -> IdMap {
    let mut items = IdMap::new_int();
    for (k, id) in ids.enumerate() {
        if k % 2 == 0 {
            items.intern_int(id);
        }
    }
    items.intern_int(i64::MAX);
    items
}

fn check_movies(path: &std::path::Path, movies: &[MovieRecord]) {
    assert!(!movies.is_empty(), "a successful read has records");
    let items = items_of(movies.iter().map(|m| m.id));
    for icm in [
        ItemContent::genres(movies, &items),
        ItemContent::years(movies, &items),
    ] {
        check_icm(&icm, &items);
    }
    let titles = ItemTitles::from_movies(movies, &items);
    assert_eq!(titles.len(), items.len());
    let coverage = ItemCoverage::of(movies, &items);
    assert_eq!(coverage.model_items, items.len());
    assert_eq!(coverage.found, items.len() - titles.missing());
    if let Err(e) = check_item_file(path, movies, &items, Some("ml-tab")) {
        crate::check::clean_message("check_item_file", &e.to_string());
    }
}

fn check_tags(tags: &[TagRecord]) {
    assert!(!tags.is_empty(), "a successful read has records");
    let items = items_of(tags.iter().map(|t| t.item));
    check_icm(&ItemContent::tags(tags, &items), &items);
}

fn check_icm(icm: &ItemContent, items: &IdMap) {
    assert_eq!(icm.n_items(), items.len());
    let indptr = icm.indptr();
    assert_eq!(indptr.len(), items.len() + 1);
    assert_eq!(indptr[0], 0);
    assert!(indptr.windows(2).all(|w| w[0] <= w[1]), "offsets decrease");
    assert_eq!(indptr[items.len()], icm.nnz());
    assert_eq!(icm.values().len(), icm.nnz());
    for k in 0..items.len() {
        let row = &icm.indices()[indptr[k]..indptr[k + 1]];
        assert!(
            row.windows(2).all(|w| w[0] < w[1]),
            "row {k} not increasing"
        );
        assert!(row.iter().all(|&f| (f as usize) < icm.n_features()));
    }
    assert!(icm.values().iter().all(|v| v.is_finite() && *v > 0.0));
}
