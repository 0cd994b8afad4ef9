//! Id interning for the reader: the file's [`Interner`] (raw id → dense index in the caller's
//! [`IdMap`], with a direct table for small integer ids) and the [`LocalIds`] of one chunk.
//!
//! Chunks parsed in parallel intern into chunk-local indices (first appearance within the
//! chunk); the reader then interns each chunk's new ids into the file's maps in chunk order,
//! which gives exactly the first-appearance order of a sequential read, and remaps the rows.

use rustc_hash::FxHashMap;

use crate::ids::{IdKind, IdMap};

/// Raw integer ids below this are looked up in a flat table before the hash map.
pub(super) const DIRECT_LIMIT: i64 = 1 << 22;

/// A raw → dense id cache in front of an [`IdMap`] for small non-negative integer ids.
pub(crate) struct Interner<'m> {
    map: &'m mut IdMap,
    /// `direct[raw] = index + 1`, 0 when unknown.
    direct: Vec<u32>,
}

impl<'m> Interner<'m> {
    pub(crate) fn new(map: &'m mut IdMap) -> Self {
        let mut direct = Vec::new();
        if let Some(ids) = map.int_ids() {
            for (k, &raw) in ids.iter().enumerate() {
                if (0..DIRECT_LIMIT).contains(&raw) {
                    let raw = raw as usize;
                    if raw >= direct.len() {
                        direct.resize(raw + 1, 0);
                    }
                    direct[raw] = k as u32 + 1;
                }
            }
        }
        Interner { map, direct }
    }

    #[inline]
    pub(crate) fn int(&mut self, raw: i64) -> u32 {
        if (0..DIRECT_LIMIT).contains(&raw) && self.map.kind() == IdKind::Int {
            let slot = raw as usize;
            if let Some(&k) = self.direct.get(slot)
                && k != 0
            {
                return k - 1;
            }
            let k = self.map.intern_int(raw);
            if slot >= self.direct.len() {
                self.direct.resize((slot + 1).next_power_of_two(), 0);
            }
            self.direct[slot] = k + 1;
            k
        } else {
            self.map.intern_int(raw)
        }
    }

    #[inline]
    pub(crate) fn text(&mut self, raw: &str) -> u32 {
        self.map.intern_str(raw)
    }

    /// The kind of the map interned into (it can turn from integer to string ids).
    pub(crate) fn kind(&self) -> IdKind {
        self.map.kind()
    }
}

/// The ids of one chunk, numbered by first appearance in the chunk.
#[derive(Debug)]
pub(crate) enum LocalIds<'t> {
    /// Integer ids: `direct[raw] = local + 1` (0 = unseen) for raw ids below
    /// [`DIRECT_LIMIT`], a hash map above.
    Int {
        raw: Vec<i64>,
        direct: Vec<u32>,
        large: FxHashMap<i64, u32>,
    },
    /// String ids, borrowed from the chunk's text.
    Text {
        raw: Vec<&'t str>,
        index: FxHashMap<&'t str, u32>,
    },
}

impl<'t> LocalIds<'t> {
    /// Empty local ids of the given kind; integer ids use `table` (all zeros, from
    /// [`TablePool::take`]) as their direct table.
    pub(crate) fn new(text: bool, table: Vec<u32>) -> Self {
        if text {
            LocalIds::Text {
                raw: Vec::new(),
                index: FxHashMap::default(),
            }
        } else {
            LocalIds::Int {
                raw: Vec::new(),
                direct: table,
                large: FxHashMap::default(),
            }
        }
    }

    /// The local index of integer id `id`, adding it if new. Only on `Int` local ids.
    #[inline(always)]
    pub(crate) fn int(&mut self, id: i64) -> u32 {
        if let LocalIds::Int { direct, .. } = self
            && (0..DIRECT_LIMIT).contains(&id)
            && let Some(&k) = direct.get(id as usize)
            && k != 0
        {
            return k - 1;
        }
        self.add_int(id)
    }

    /// [`Self::int`] for an id not in the direct table: a new small id, or a large one.
    #[cold]
    #[inline(never)]
    fn add_int(&mut self, id: i64) -> u32 {
        let LocalIds::Int { raw, direct, large } = self else {
            unreachable!("integer id on string local ids")
        };
        if (0..DIRECT_LIMIT).contains(&id) {
            let slot = id as usize;
            let k = raw.len() as u32;
            raw.push(id);
            if slot >= direct.len() {
                direct.resize((slot + 1).next_power_of_two(), 0);
            }
            direct[slot] = k + 1;
            k
        } else {
            let next = raw.len() as u32;
            *large.entry(id).or_insert_with(|| {
                raw.push(id);
                next
            })
        }
    }

    /// The local index of string id `id`, adding it if new. Only on `Text` local ids.
    #[inline]
    pub(super) fn text(&mut self, id: &'t str) -> u32 {
        let LocalIds::Text { raw, index } = self else {
            unreachable!("string id on integer local ids")
        };
        let next = raw.len() as u32;
        *index.entry(id).or_insert_with(|| {
            raw.push(id);
            next
        })
    }

    /// Frees the lookup tables, keeping the ids in first-appearance order; the direct table
    /// goes back to `pool`, zeroed again (only its used slots are touched).
    pub(crate) fn release(&mut self, pool: &TablePool) {
        match self {
            LocalIds::Int { raw, direct, large } => {
                let mut table = std::mem::take(direct);
                for &id in raw.iter() {
                    if let Some(slot) = table.get_mut(id as usize) {
                        *slot = 0;
                    }
                }
                pool.give(table);
                *large = FxHashMap::default();
            }
            LocalIds::Text { index, .. } => *index = FxHashMap::default(),
        }
    }

    /// Interns every id into `global` in first-appearance order: the local → global table.
    pub(crate) fn intern_into(&self, global: &mut Interner<'_>) -> Vec<u32> {
        match self {
            LocalIds::Int { raw, .. } => raw.iter().map(|&id| global.int(id)).collect(),
            LocalIds::Text { raw, .. } => raw.iter().map(|id| global.text(id)).collect(),
        }
    }

    /// The string id of local index `k` (on `Text` local ids).
    pub(super) fn text_of(&self, k: u32) -> Option<&'t str> {
        match self {
            LocalIds::Text { raw, .. } => raw.get(k as usize).copied(),
            LocalIds::Int { .. } => None,
        }
    }
}

/// Direct tables (all zeros) for the chunks' [`LocalIds`], reused from chunk to chunk so that
/// a chunk does not pay for allocating and zeroing a table as large as its largest id.
#[derive(Debug, Default)]
pub(crate) struct TablePool {
    tables: std::sync::Mutex<Vec<Vec<u32>>>,
}

impl TablePool {
    /// A zeroed table (empty when the pool has none).
    pub(crate) fn take(&self) -> Vec<u32> {
        self.tables
            .lock()
            .map(|mut t| t.pop().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Returns a zeroed table.
    pub(crate) fn give(&self, table: Vec<u32>) {
        if let Ok(mut t) = self.tables.lock() {
            t.push(table);
        }
    }
}
