//! Whether a movie file belongs to a model's data: titles of another catalogue must not be
//! shown for a model's item ids.
//!
//! MovieLens ids are small integers in every release, so the ML-1M `movies.dat` has a title
//! for nearly every ML-100K item id, and the wrong one. Two rules catch that:
//!
//! 1. **Release.** When the format of the training ratings is known, the item file must be
//!    the one of the same release: `ml-tab` ratings (`u.data`) go with `u.item`, `ml-dat`
//!    (`ratings.dat`) with `movies.dat`, `ml-csv` (`ratings.csv`) with `movies.csv`. Generic
//!    `csv` / `tsv` ratings have no rule.
//! 2. **Coverage.** At least [`MIN_ITEM_COVERAGE`] of the model's items must have a record in
//!    the file; a file with fewer is from another data set (or another release).

use std::fmt;
use std::path::Path;

use crate::content::movies::MovieRecord;
use crate::error::{DataError, Result};
use crate::ids::IdMap;

/// The least share of a model's items an item file must describe to be accepted.
pub const MIN_ITEM_COVERAGE: f64 = 0.9;

/// The kind of a MovieLens movie file, told from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovieFileKind {
    /// ML-100K `u.item` (`|`-separated, genre flags).
    UItem,
    /// ML-1M / ML-10M `movies.dat` (`::`-separated).
    MoviesDat,
    /// ML-20M / ML-25M / latest `movies.csv`.
    MoviesCsv,
}

impl MovieFileKind {
    /// The kind of the file at `path`: `u.item` (or `*.item`), `*.dat`, `*.csv`; `None` for
    /// another name. [`crate::content::read_movies`] chooses its reader by the same rule.
    pub fn of_path(path: &Path) -> Option<Self> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name == "u.item" || name.ends_with(".item") {
            Some(Self::UItem)
        } else if name.ends_with(".dat") {
            Some(Self::MoviesDat)
        } else if name.ends_with(".csv") {
            Some(Self::MoviesCsv)
        } else {
            None
        }
    }

    /// The item file that goes with ratings of `format` (a `--format` name: `ml-tab`,
    /// `ml-dat`, `ml-csv`, or their aliases `ml-100k`, `ml-1m`, ...); `None` for generic
    /// formats.
    pub fn for_ratings_format(format: &str) -> Option<Self> {
        match format {
            "ml-tab" | "ml-100k" => Some(Self::UItem),
            "ml-dat" | "ml-1m" | "ml-10m" => Some(Self::MoviesDat),
            "ml-csv" | "ml-20m" | "ml-25m" => Some(Self::MoviesCsv),
            _ => None,
        }
    }

    /// The file's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Self::UItem => "u.item",
            Self::MoviesDat => "movies.dat",
            Self::MoviesCsv => "movies.csv",
        }
    }

    /// The releases that ship this file.
    fn releases(self) -> &'static str {
        match self {
            Self::UItem => "ML-100K",
            Self::MoviesDat => "ML-1M / ML-10M",
            Self::MoviesCsv => "ML-20M / ML-25M / latest",
        }
    }
}

impl fmt::Display for MovieFileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.releases())
    }
}

/// How much of a model's catalogue an item file describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemCoverage {
    /// Model items with a record in the file.
    pub found: usize,
    /// Items of the model.
    pub model_items: usize,
}

impl ItemCoverage {
    /// Counts the items of `items` that have a record in `movies`.
    pub fn of(movies: &[MovieRecord], items: &IdMap) -> Self {
        let mut has = vec![false; items.len()];
        for m in movies {
            if let Some(k) = items.get_int(m.id) {
                has[k as usize] = true;
            }
        }
        ItemCoverage {
            found: has.iter().filter(|&&h| h).count(),
            model_items: items.len(),
        }
    }

    /// `found / model_items` (1 for a model without items).
    pub fn share(&self) -> f64 {
        if self.model_items == 0 {
            1.0
        } else {
            self.found as f64 / self.model_items as f64
        }
    }
}

/// Checks that the movie file `path` (read into `movies`) belongs to a model whose item ids
/// are `items` and whose training ratings had the format `training_format` (`None` when
/// unknown): the release rule, then the coverage rule (see the module docs). Returns the
/// coverage; the error names the file, and what does not match.
pub fn check_item_file(
    path: &Path,
    movies: &[MovieRecord],
    items: &IdMap,
    training_format: Option<&str>,
) -> Result<ItemCoverage> {
    if let (Some(expected), Some(found)) = (
        training_format.and_then(MovieFileKind::for_ratings_format),
        MovieFileKind::of_path(path),
    ) && expected != found
    {
        return Err(DataError::Invalid(format!(
            "{}: a {found} item file, but the model was trained on {} ratings, whose item \
             file is {expected}; give the item file of the model's own release",
            path.display(),
            training_format.unwrap_or_default(),
        )));
    }
    let coverage = ItemCoverage::of(movies, items);
    if coverage.share() < MIN_ITEM_COVERAGE {
        return Err(DataError::Invalid(format!(
            "{}: the file has {} of the model's {} items ({:.1}%), fewer than the {:.0}% an \
             item file of the model's data has; is it from another data set?",
            path.display(),
            coverage.found,
            coverage.model_items,
            100.0 * coverage.share(),
            100.0 * MIN_ITEM_COVERAGE,
        )));
    }
    Ok(coverage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movies(ids: impl IntoIterator<Item = i64>) -> Vec<MovieRecord> {
        ids.into_iter()
            .map(|id| MovieRecord {
                id,
                title: format!("Movie {id}"),
                genres: Vec::new(),
                year: None,
            })
            .collect()
    }

    #[test]
    fn kinds_follow_names_and_rating_formats() {
        assert_eq!(
            MovieFileKind::of_path(Path::new("x/u.item")),
            Some(MovieFileKind::UItem)
        );
        assert_eq!(
            MovieFileKind::of_path(Path::new("MOVIES.DAT")),
            Some(MovieFileKind::MoviesDat)
        );
        assert_eq!(MovieFileKind::of_path(Path::new("movies.txt")), None);
        assert_eq!(
            MovieFileKind::for_ratings_format("ml-csv"),
            Some(MovieFileKind::MoviesCsv)
        );
        assert_eq!(MovieFileKind::for_ratings_format("tsv"), None);
    }

    #[test]
    fn another_release_is_refused_naming_both_files() {
        let items = IdMap::from_ints(1..=10).unwrap();
        let all = movies(1..=10);
        let err = check_item_file(Path::new("ml-1m/movies.dat"), &all, &items, Some("ml-tab"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("movies.dat") && err.contains("u.item") && err.contains("ml-tab"),
            "{err}"
        );
        let ok = check_item_file(Path::new("u.item"), &all, &items, Some("ml-tab")).unwrap();
        assert_eq!((ok.found, ok.model_items), (10, 10));
        // Generic ratings, or an unknown training format: no release rule.
        assert!(check_item_file(Path::new("movies.dat"), &all, &items, Some("tsv")).is_ok());
        assert!(check_item_file(Path::new("movies.dat"), &all, &items, None).is_ok());
    }

    #[test]
    fn too_few_of_the_models_items_is_refused_with_the_counts() {
        let items = IdMap::from_ints(1..=20).unwrap();
        // 17 of 20 (85%): refused; 18 of 20 (90%): accepted; records beyond the model's
        // items do not count.
        let err = check_item_file(Path::new("u.item"), &movies(4..=100), &items, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("17 of the model's 20 items"), "{err}");
        let ok = check_item_file(Path::new("u.item"), &movies(3..=100), &items, None).unwrap();
        assert_eq!(ok.found, 18);
        // String ids never match a movie file's integer ids.
        let strings = IdMap::from_strs(["a", "b"]).unwrap();
        assert!(check_item_file(Path::new("u.item"), &movies(1..=2), &strings, None).is_err());
    }
}
