//! Dense indices and the map between raw ids (as they appear in files) and dense indices.

use std::fmt;

use rustc_hash::FxHashMap;

use crate::error::{DataError, Result};

/// Dense index of a user, `0..n_users`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(transparent)]
pub struct UserIdx(pub u32);

/// Dense index of an item, `0..n_items`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(transparent)]
pub struct ItemIdx(pub u32);

impl UserIdx {
    /// The index as a `usize`, for indexing slices.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl ItemIdx {
    /// The index as a `usize`, for indexing slices.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for UserIdx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user#{}", self.0)
    }
}

impl fmt::Display for ItemIdx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item#{}", self.0)
    }
}

/// A raw id as it appears in a file: an integer (MovieLens) or any string (generic logs).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RawId {
    /// An integer id.
    Int(i64),
    /// A string id.
    Str(Box<str>),
}

impl fmt::Display for RawId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawId::Int(v) => write!(f, "{v}"),
            RawId::Str(s) => f.write_str(s),
        }
    }
}

impl From<i64> for RawId {
    fn from(v: i64) -> Self {
        RawId::Int(v)
    }
}

impl From<&str> for RawId {
    fn from(s: &str) -> Self {
        RawId::Str(s.into())
    }
}

/// Whether an [`IdMap`] holds integer or string raw ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdKind {
    /// Raw ids are integers (`i64`).
    Int,
    /// Raw ids are arbitrary strings.
    Str,
}

#[derive(Clone, Debug)]
enum Keys {
    Int {
        raw: Vec<i64>,
        index: FxHashMap<i64, u32>,
    },
    Str {
        raw: Vec<Box<str>>,
        index: FxHashMap<Box<str>, u32>,
    },
}

/// A two-way map between raw ids and dense indices `0..len()`.
///
/// Dense indices are given in order of first appearance. An id map only grows, so indices
/// handed out stay valid; this is what lets a train and a test file share one id space.
#[derive(Clone, Debug)]
pub struct IdMap {
    keys: Keys,
}

impl IdMap {
    /// An empty map of integer ids.
    pub fn new_int() -> Self {
        IdMap {
            keys: Keys::Int {
                raw: Vec::new(),
                index: FxHashMap::default(),
            },
        }
    }

    /// An empty map of string ids.
    pub fn new_str() -> Self {
        IdMap {
            keys: Keys::Str {
                raw: Vec::new(),
                index: FxHashMap::default(),
            },
        }
    }

    /// An empty map of the given kind.
    pub fn new(kind: IdKind) -> Self {
        match kind {
            IdKind::Int => Self::new_int(),
            IdKind::Str => Self::new_str(),
        }
    }

    /// A map of the integer ids `0..n` (index `k` ↔ raw id `k`), as used by synthetic data.
    pub fn identity(n: usize) -> Self {
        let mut map = Self::new_int();
        for k in 0..n {
            map.intern_int(k as i64);
        }
        map
    }

    /// A map of integer ids in the given order. Fails on a repeated id.
    pub fn from_ints(ids: impl IntoIterator<Item = i64>) -> Result<Self> {
        let mut map = Self::new_int();
        for id in ids {
            let before = map.len();
            map.intern_int(id);
            if map.len() == before {
                return Err(DataError::Invalid(format!(
                    "id {id} is repeated in an id list"
                )));
            }
        }
        Ok(map)
    }

    /// A map of string ids in the given order. Fails on a repeated id.
    pub fn from_strs<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> Result<Self> {
        let mut map = Self::new_str();
        for id in ids {
            let before = map.len();
            map.intern_str(id.as_ref());
            if map.len() == before {
                return Err(DataError::Invalid(format!(
                    "id {:?} is repeated in an id list",
                    id.as_ref()
                )));
            }
        }
        Ok(map)
    }

    /// The kind of raw ids held.
    pub fn kind(&self) -> IdKind {
        match self.keys {
            Keys::Int { .. } => IdKind::Int,
            Keys::Str { .. } => IdKind::Str,
        }
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        match &self.keys {
            Keys::Int { raw, .. } => raw.len(),
            Keys::Str { raw, .. } => raw.len(),
        }
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The dense index of an integer id, adding it if new (on a string map, its decimal text).
    #[inline]
    pub fn intern_int(&mut self, id: i64) -> u32 {
        match &mut self.keys {
            Keys::Int { raw, index } => {
                let next = raw.len() as u32;
                *index.entry(id).or_insert_with(|| {
                    raw.push(id);
                    next
                })
            }
            Keys::Str { .. } => {
                let text = id.to_string();
                self.intern_str(&text)
            }
        }
    }

    /// The dense index of a string id, adding it if new.
    ///
    /// On an integer map the string must parse as an integer; otherwise use a string map.
    #[inline]
    pub fn intern_str(&mut self, id: &str) -> u32 {
        match &mut self.keys {
            Keys::Str { raw, index } => {
                if let Some(&k) = index.get(id) {
                    return k;
                }
                let next = raw.len() as u32;
                raw.push(id.into());
                index.insert(id.into(), next);
                next
            }
            Keys::Int { .. } => match id.trim().parse::<i64>() {
                Ok(v) => self.intern_int(v),
                Err(_) => {
                    self.convert_to_str();
                    self.intern_str(id)
                }
            },
        }
    }

    /// The dense index of a raw id, adding it if new.
    pub fn intern(&mut self, id: &RawId) -> u32 {
        match id {
            RawId::Int(v) => self.intern_int(*v),
            RawId::Str(s) => self.intern_str(s),
        }
    }

    /// Turns an integer map into a string map with the same indices.
    fn convert_to_str(&mut self) {
        if let Keys::Int { raw, .. } = &self.keys {
            let raw: Vec<Box<str>> = raw.iter().map(|v| v.to_string().into()).collect();
            let index = raw
                .iter()
                .enumerate()
                .map(|(k, s)| (s.clone(), k as u32))
                .collect();
            self.keys = Keys::Str { raw, index };
        }
    }

    /// The dense index of an integer id, if present.
    #[inline]
    pub fn get_int(&self, id: i64) -> Option<u32> {
        match &self.keys {
            Keys::Int { index, .. } => index.get(&id).copied(),
            Keys::Str { index, .. } => index.get(id.to_string().as_str()).copied(),
        }
    }

    /// The dense index of an id written as text (as typed on a command line), if present.
    pub fn get_text(&self, text: &str) -> Option<u32> {
        match &self.keys {
            Keys::Int { index, .. } => text
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|v| index.get(&v).copied()),
            Keys::Str { index, .. } => index.get(text).copied(),
        }
    }

    /// The dense index of a raw id, if present.
    pub fn get(&self, id: &RawId) -> Option<u32> {
        match id {
            RawId::Int(v) => self.get_int(*v),
            RawId::Str(s) => self.get_text(s),
        }
    }

    /// The raw id of dense index `idx`.
    ///
    /// # Panics
    /// If `idx >= len()`.
    pub fn raw(&self, idx: u32) -> RawId {
        match &self.keys {
            Keys::Int { raw, .. } => RawId::Int(raw[idx as usize]),
            Keys::Str { raw, .. } => RawId::Str(raw[idx as usize].clone()),
        }
    }

    /// The raw integer ids in index order (`None` for a string map).
    pub fn int_ids(&self) -> Option<&[i64]> {
        match &self.keys {
            Keys::Int { raw, .. } => Some(raw),
            Keys::Str { .. } => None,
        }
    }

    /// The raw string ids in index order (`None` for an integer map).
    pub fn str_ids(&self) -> Option<&[Box<str>]> {
        match &self.keys {
            Keys::Int { .. } => None,
            Keys::Str { raw, .. } => Some(raw),
        }
    }

    /// Every raw id in index order, as text.
    pub fn to_strings(&self) -> Vec<String> {
        match &self.keys {
            Keys::Int { raw, .. } => raw.iter().map(|v| v.to_string()).collect(),
            Keys::Str { raw, .. } => raw.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether `other` starts with exactly the ids of `self`, in the same order — that is,
    /// whether indices of `self` mean the same in `other`.
    pub fn is_prefix_of(&self, other: &IdMap) -> bool {
        if self.len() > other.len() {
            return false;
        }
        match (&self.keys, &other.keys) {
            (Keys::Int { raw: a, .. }, Keys::Int { raw: b, .. }) => a[..] == b[..a.len()],
            (Keys::Str { raw: a, .. }, Keys::Str { raw: b, .. }) => a[..] == b[..a.len()],
            _ => false,
        }
    }
}

impl PartialEq for IdMap {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.is_prefix_of(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_first_appearance_order_and_two_way() {
        let mut m = IdMap::new_int();
        assert_eq!(m.intern_int(42), 0);
        assert_eq!(m.intern_int(7), 1);
        assert_eq!(m.intern_int(42), 0);
        assert_eq!(m.len(), 2);
        assert_eq!(m.raw(1), RawId::Int(7));
        assert_eq!(m.get_int(7), Some(1));
        assert_eq!(m.get_int(8), None);
        assert_eq!(m.get_text(" 42"), Some(0));
    }

    #[test]
    fn string_ids_round_trip() {
        let mut m = IdMap::new_str();
        assert_eq!(m.intern_str("alice"), 0);
        assert_eq!(m.intern_str("bob"), 1);
        assert_eq!(m.intern(&RawId::from("alice")), 0);
        assert_eq!(m.raw(1).to_string(), "bob");
        assert_eq!(m.get_text("carol"), None);
    }

    #[test]
    fn an_integer_map_given_a_non_integer_becomes_a_string_map_keeping_indices() {
        let mut m = IdMap::new_int();
        m.intern_int(5);
        m.intern_int(3);
        assert_eq!(m.intern_str("x9"), 2);
        assert_eq!(m.kind(), IdKind::Str);
        assert_eq!(m.get_text("5"), Some(0));
        assert_eq!(m.get_text("3"), Some(1));
    }

    #[test]
    fn repeated_ids_in_a_list_are_rejected() {
        assert!(IdMap::from_ints([1, 2, 1]).is_err());
        assert!(IdMap::from_strs(["a", "b", "a"]).is_err());
        assert_eq!(IdMap::from_ints([3, 1]).unwrap().get_int(1), Some(1));
    }

    #[test]
    fn prefix_relation() {
        let a = IdMap::from_ints([1, 2]).unwrap();
        let b = IdMap::from_ints([1, 2, 3]).unwrap();
        let c = IdMap::from_ints([2, 1, 3]).unwrap();
        assert!(a.is_prefix_of(&b));
        assert!(!a.is_prefix_of(&c));
        assert!(!b.is_prefix_of(&a));
    }
}
