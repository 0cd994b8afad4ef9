//! Item titles by dense item index.

use crate::content::movies::MovieRecord;
use crate::ids::{IdMap, ItemIdx};

/// The title of every item of an id space (`None` where the metadata has none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemTitles {
    titles: Vec<Option<String>>,
    unknown_items: usize,
}

impl ItemTitles {
    /// Titles of the items of `items`, from movie records; records of items not in the map
    /// are ignored and counted ([`ItemTitles::unknown_items`]).
    pub fn from_movies(movies: &[MovieRecord], items: &IdMap) -> Self {
        let mut titles = vec![None; items.len()];
        let mut unknown_items = 0;
        for m in movies {
            match items.get_int(m.id) {
                Some(k) => titles[k as usize] = Some(m.title.clone()),
                None => unknown_items += 1,
            }
        }
        ItemTitles {
            titles,
            unknown_items,
        }
    }

    /// The title of `item`, if known.
    pub fn get(&self, item: ItemIdx) -> Option<&str> {
        self.titles.get(item.index()).and_then(|t| t.as_deref())
    }

    /// Number of items of the id space.
    pub fn len(&self) -> usize {
        self.titles.len()
    }

    /// Whether the id space is empty.
    pub fn is_empty(&self) -> bool {
        self.titles.is_empty()
    }

    /// Items of the id space without a title.
    pub fn missing(&self) -> usize {
        self.titles.iter().filter(|t| t.is_none()).count()
    }

    /// Records ignored because their item is not in the id space.
    pub fn unknown_items(&self) -> usize {
        self.unknown_items
    }
}
