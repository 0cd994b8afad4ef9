//! [`ItemContent`]: a sparse item × feature matrix (CSR by item) with feature names.

use rustc_hash::FxHashMap;

use crate::content::movies::MovieRecord;
use crate::content::tags::TagRecord;
use crate::ids::{IdMap, ItemIdx};

/// Size figures of an ICM.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ContentStats {
    /// Number of features (columns).
    pub features: usize,
    /// Stored (item, feature) entries.
    pub occurrences: usize,
    /// `occurrences / (items × features)` (0 for an empty matrix).
    pub density: f64,
    /// Items of the id space with at least one feature.
    pub items_with_content: usize,
    /// Distinct items of the metadata that are not in the id space (ignored).
    pub unknown_items: usize,
}

/// A sparse item × feature matrix over the items of an interaction id space.
///
/// Rows are dense item indices `0..n_items` (every item of the id map has a row, empty when
/// the metadata says nothing about it); columns are features named by
/// [`ItemContent::feature_names`], sorted by name (years numerically), so that two files
/// with the same features give the same columns. Within a row, feature indices increase.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemContent {
    kind: String,
    feature_names: Vec<String>,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
    unknown_items: usize,
}

impl ItemContent {
    /// Builds an ICM named `kind` from `(raw item id, feature name, value)` entries: items
    /// not in `items` are ignored (their distinct count is kept), repeated (item, feature)
    /// entries are summed. Features are ordered by `order` (a sort key of the name).
    pub fn from_entries<'a, K: Ord>(
        kind: &str,
        items: &IdMap,
        entries: impl IntoIterator<Item = (i64, &'a str, f32)>,
        order: impl Fn(&str) -> K,
    ) -> Self {
        let mut feature_of: FxHashMap<&'a str, u32> = FxHashMap::default();
        let mut names: Vec<&'a str> = Vec::new();
        let mut cells: Vec<(u32, u32, f32)> = Vec::new();
        let mut unknown: FxHashMap<i64, ()> = FxHashMap::default();
        for (raw, name, value) in entries {
            let Some(item) = items.get_int(raw) else {
                unknown.insert(raw, ());
                continue;
            };
            let next = names.len() as u32;
            let f = *feature_of.entry(name).or_insert_with(|| {
                names.push(name);
                next
            });
            cells.push((item, f, value));
        }
        // Renumber features in the requested order.
        let mut by_order: Vec<u32> = (0..names.len() as u32).collect();
        by_order.sort_by(|&a, &b| {
            order(names[a as usize])
                .cmp(&order(names[b as usize]))
                .then_with(|| names[a as usize].cmp(names[b as usize]))
        });
        let mut rank = vec![0u32; names.len()];
        for (r, &f) in by_order.iter().enumerate() {
            rank[f as usize] = r as u32;
        }
        let feature_names = by_order
            .iter()
            .map(|&f| names[f as usize].to_string())
            .collect();
        for cell in &mut cells {
            cell.1 = rank[cell.1 as usize];
        }
        cells.sort_by_key(|&(i, f, _)| (i, f));
        let mut indptr = vec![0usize; items.len() + 1];
        let mut indices = Vec::with_capacity(cells.len());
        let mut values: Vec<f32> = Vec::with_capacity(cells.len());
        let mut last: Option<(u32, u32)> = None;
        for (i, f, v) in cells {
            if last == Some((i, f)) {
                if let Some(x) = values.last_mut() {
                    *x += v;
                }
                continue;
            }
            last = Some((i, f));
            indptr[i as usize + 1] += 1;
            indices.push(f);
            values.push(v);
        }
        for k in 0..items.len() {
            indptr[k + 1] += indptr[k];
        }
        ItemContent {
            kind: kind.to_string(),
            feature_names,
            indptr,
            indices,
            values,
            unknown_items: unknown.len(),
        }
    }

    /// Binary genre features (`genres` ICM).
    pub fn genres(movies: &[MovieRecord], items: &IdMap) -> Self {
        let entries = movies
            .iter()
            .flat_map(|m| m.genres.iter().map(move |g| (m.id, g.as_str(), 1.0)));
        let mut icm = Self::from_entries("genres", items, entries, str::to_string);
        icm.values.iter_mut().for_each(|v| *v = 1.0); // a genre listed twice is still binary
        icm.unknown_items = unknown_count(movies.iter().map(|m| m.id), items);
        icm
    }

    /// One-hot year features (`years` ICM), named by the year; movies without a year get
    /// an empty row.
    pub fn years(movies: &[MovieRecord], items: &IdMap) -> Self {
        let names: Vec<(i64, String)> = movies
            .iter()
            .filter_map(|m| m.year.map(|y| (m.id, y.to_string())))
            .collect();
        let mut icm = Self::from_entries(
            "years",
            items,
            names.iter().map(|(id, y)| (*id, y.as_str(), 1.0)),
            |y| y.parse::<i64>().unwrap_or(i64::MAX),
        );
        icm.unknown_items = unknown_count(movies.iter().map(|m| m.id), items);
        icm
    }

    /// Tag count features (`tags` ICM): how many times each tag was applied to the item.
    /// Tags are trimmed and lower-cased, so `Funny` and `funny ` are one feature.
    pub fn tags(tags: &[TagRecord], items: &IdMap) -> Self {
        let names: Vec<String> = tags.iter().map(|t| t.tag.trim().to_lowercase()).collect();
        let entries = tags
            .iter()
            .zip(&names)
            .filter(|(_, n)| !n.is_empty())
            .map(|(t, n)| (t.item, n.as_str(), 1.0));
        Self::from_entries("tags", items, entries, str::to_string)
    }

    /// What the features are (`genres`, `years`, `tags`, …).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Number of items (rows).
    pub fn n_items(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of features (columns).
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Feature names by column.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The features of `item` and their values.
    pub fn row(&self, item: ItemIdx) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[item.index()], self.indptr[item.index() + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// CSR row offsets (`n_items + 1`).
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// CSR feature indices.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// CSR values.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Distinct items of the metadata not in the id space (ignored).
    pub fn unknown_items(&self) -> usize {
        self.unknown_items
    }

    /// Size figures.
    pub fn stats(&self) -> ContentStats {
        let cells = self.n_items() as f64 * self.n_features() as f64;
        ContentStats {
            features: self.n_features(),
            occurrences: self.nnz(),
            density: if cells > 0.0 {
                self.nnz() as f64 / cells
            } else {
                0.0
            },
            items_with_content: self.indptr.windows(2).filter(|w| w[1] > w[0]).count(),
            unknown_items: self.unknown_items,
        }
    }
}

/// Distinct ids not in `items`.
fn unknown_count(ids: impl Iterator<Item = i64>, items: &IdMap) -> usize {
    let mut seen: FxHashMap<i64, ()> = FxHashMap::default();
    for id in ids {
        if items.get_int(id).is_none() {
            seen.insert(id, ());
        }
    }
    seen.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movie(id: i64, genres: &[&str], year: Option<i32>) -> MovieRecord {
        MovieRecord {
            id,
            title: format!("m{id}"),
            genres: genres.iter().map(|s| s.to_string()).collect(),
            year,
        }
    }

    fn tag(item: i64, tag: &str) -> TagRecord {
        TagRecord {
            user: 1,
            item,
            tag: tag.into(),
            timestamp: 0,
        }
    }

    #[test]
    fn genres_icm_over_the_interaction_id_space() {
        // Interaction items in order 20, 10, 30; movie 99 is not rated.
        let items = IdMap::from_ints([20, 10, 30]).unwrap();
        let movies = [
            movie(10, &["Drama", "Comedy"], Some(1995)),
            movie(20, &["Comedy"], Some(1990)),
            movie(99, &["Horror"], Some(1990)),
        ];
        let icm = ItemContent::genres(&movies, &items);
        assert_eq!(icm.feature_names(), ["Comedy", "Drama"]);
        assert_eq!(icm.n_items(), 3);
        assert_eq!(icm.row(ItemIdx(0)), (&[0u32][..], &[1.0f32][..]));
        assert_eq!(icm.row(ItemIdx(1)), (&[0u32, 1][..], &[1.0f32, 1.0][..]));
        assert_eq!(icm.row(ItemIdx(2)).0.len(), 0);
        let s = icm.stats();
        assert_eq!(
            (
                s.features,
                s.occurrences,
                s.items_with_content,
                s.unknown_items
            ),
            (2, 3, 2, 1)
        );
        assert!((s.density - 0.5).abs() < 1e-12);
    }

    #[test]
    fn years_are_one_hot_in_numeric_order() {
        let items = IdMap::from_ints([1, 2, 3]).unwrap();
        let movies = [
            movie(1, &[], Some(2001)),
            movie(2, &[], Some(995)),
            movie(3, &[], None),
        ];
        let icm = ItemContent::years(&movies, &items);
        assert_eq!(icm.feature_names(), ["995", "2001"]);
        assert_eq!(icm.row(ItemIdx(0)).0, &[1]);
        assert_eq!(icm.row(ItemIdx(1)).0, &[0]);
        assert_eq!(icm.stats().items_with_content, 2);
    }

    #[test]
    fn tags_are_counted_after_normalising() {
        let items = IdMap::from_ints([5, 6]).unwrap();
        let tags = [
            tag(5, "Funny"),
            tag(5, "funny "),
            tag(5, "dark"),
            tag(6, "dark"),
            tag(7, "x"),
            tag(6, " "),
        ];
        let icm = ItemContent::tags(&tags, &items);
        assert_eq!(icm.feature_names(), ["dark", "funny"]);
        assert_eq!(icm.row(ItemIdx(0)), (&[0u32, 1][..], &[1.0f32, 2.0][..]));
        assert_eq!(icm.row(ItemIdx(1)), (&[0u32][..], &[1.0f32][..]));
        assert_eq!(icm.unknown_items(), 1);
    }
}
