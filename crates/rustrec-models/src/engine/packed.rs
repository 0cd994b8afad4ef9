//! Training entries packed into one 32-bit word each.
//!
//! A [`super::grid::Entry`] takes 12 bytes: a bin-local user position, a bin-local item
//! position and the value as a float. Within a block both positions are small (a bin of a
//! 6,040-user catalogue cut 8 ways holds 755 users: 10 bits), and rating data has a handful
//! of distinct values (1–5 stars: 5 values, 3 bits). When the three fit in 32 bits, an entry
//! is stored as
//!
//! ```text
//! user << (item_bits + value_bits) | item << value_bits | value code
//! ```
//!
//! with the value code an index into a table of the data's distinct values, so decoding
//! gives back the very same float: a run on packed entries computes the same bits as one on
//! 12-byte entries, in a third of the memory (LIBMF stores 12 bytes a rating). The packing
//! is chosen per data set ([`EntryPacking::for_grid`]); data that does not fit keeps
//! 12-byte entries.

use super::grid::{Blocks, Entry};
use super::simd::prefetch;

/// The most bits a value code may take: tables of up to 256 distinct values.
pub const MAX_VALUE_BITS: u32 = 8;

/// Read access to the entries of one block, whatever their storage: kernels are written
/// once over this and compiled for each storage.
pub trait EntryRead: Copy + Send + Sync {
    /// Number of entries.
    fn len(&self) -> usize;
    /// Whether the block has no entries.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Entry `k` (`k < len`).
    fn at(&self, k: usize) -> Entry;
    /// The (user, item) positions of entry `k` (`k < len`), for kernels that do not read
    /// the value.
    fn position(&self, k: usize) -> (u32, u32);
    /// Asks the CPU to bring entry `k` into cache (a hint; any `k` is allowed).
    fn prefetch(&self, k: usize);
}

impl EntryRead for &[Entry] {
    #[inline(always)]
    fn len(&self) -> usize {
        <[Entry]>::len(self)
    }

    #[inline(always)]
    fn at(&self, k: usize) -> Entry {
        self[k]
    }

    #[inline(always)]
    fn position(&self, k: usize) -> (u32, u32) {
        (self[k].user, self[k].item)
    }

    #[inline(always)]
    fn prefetch(&self, k: usize) {
        prefetch(self.as_ptr().wrapping_add(k));
    }
}

/// How entries of one grid are packed: the bits of each field and the table of values.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryPacking {
    item_bits: u32,
    value_bits: u32,
    /// The distinct values, by increasing bit pattern, padded with the last one to 256
    /// entries (so that a masked code indexes it without a bounds check).
    values: Box<[f32; 1 << MAX_VALUE_BITS]>,
    /// How many of `values` are distinct values of the data.
    distinct: usize,
}

/// Bits to write the numbers `0..n` (at least 1).
fn bits_for(n: usize) -> u32 {
    (usize::BITS - n.saturating_sub(1).leading_zeros()).max(1)
}

impl EntryPacking {
    /// The packing of entries with values from `values`, user positions `< users` and item
    /// positions `< items` (the largest bins), or `None` when they do not fit in 32 bits
    /// or the values have more than 256 distinct bit patterns.
    pub fn for_grid(values: &[f32], users: usize, items: usize) -> Option<Self> {
        let mut distinct: Vec<u32> = Vec::new();
        for &v in values {
            let bits = v.to_bits();
            if let Err(at) = distinct.binary_search(&bits) {
                if distinct.len() == 1 << MAX_VALUE_BITS {
                    return None;
                }
                distinct.insert(at, bits);
            }
        }
        let value_bits = if distinct.len() <= 1 {
            0
        } else {
            bits_for(distinct.len())
        };
        let (user_bits, item_bits) = (bits_for(users), bits_for(items));
        if user_bits + item_bits + value_bits > 32 {
            return None;
        }
        let last = distinct.last().copied().unwrap_or(0);
        let mut table = Box::new([f32::from_bits(last); 1 << MAX_VALUE_BITS]);
        for (slot, &bits) in table.iter_mut().zip(&distinct) {
            *slot = f32::from_bits(bits);
        }
        Some(EntryPacking {
            item_bits,
            value_bits,
            values: table,
            distinct: distinct.len(),
        })
    }

    /// Bits of the value code (0 when the data has one value).
    pub fn value_bits(&self) -> u32 {
        self.value_bits
    }

    /// Number of distinct values in the table.
    pub fn distinct_values(&self) -> usize {
        self.distinct
    }

    /// The word of `e`, whose positions and value must be within what this packing was made
    /// for (checked in debug builds).
    #[inline]
    pub fn encode(&self, e: Entry) -> u32 {
        let table = &self.values[..self.distinct.max(1)];
        let code = table
            .binary_search_by_key(&e.value.to_bits(), |v| v.to_bits())
            .unwrap_or_else(|_| panic!("value {} is not in the packing's table", e.value))
            as u32;
        debug_assert!(
            u64::from(e.item) < 1 << self.item_bits,
            "item position fits"
        );
        debug_assert!(
            u64::from(e.user) < 1u64 << (32 - self.item_bits - self.value_bits),
            "user position fits"
        );
        let shift = self.item_bits + self.value_bits;
        // The user shift is below 32: `for_grid` gives the user at least one bit.
        (e.user << shift) | (e.item << self.value_bits) | code
    }

    /// The (user, item) positions of a packed entry.
    #[inline(always)]
    pub fn position(&self, word: u32) -> (u32, u32) {
        let shift = self.item_bits + self.value_bits;
        let item_mask = (1u32 << self.item_bits) - 1;
        (word >> shift, (word >> self.value_bits) & item_mask)
    }

    /// The entry of `word`.
    #[inline(always)]
    pub fn decode(&self, word: u32) -> Entry {
        let (user, item) = self.position(word);
        let value_mask = (1u32 << self.value_bits) - 1;
        Entry {
            user,
            item,
            value: self.values[(word & value_mask & 0xff) as usize],
        }
    }
}

/// The packed entries of a grid's blocks, and how they are packed
/// ([`super::grid::Grid::with_packed_entries`]).
#[derive(Clone, Debug)]
pub struct PackedBlocks {
    /// The blocks' words, in the grid's block order.
    pub blocks: Blocks<u32>,
    /// How they are packed.
    pub packing: EntryPacking,
}

impl PackedBlocks {
    /// Block (user bin `r`, item bin `c`) with the packing to read it.
    pub fn block(&self, r: usize, c: usize) -> PackedBlock<'_> {
        PackedBlock {
            words: self.blocks.block(r, c),
            packing: &self.packing,
        }
    }
}

/// One block of packed entries with its packing: what kernels read.
#[derive(Clone, Copy, Debug)]
pub struct PackedBlock<'a> {
    /// The packed entries.
    pub words: &'a [u32],
    /// How they are packed.
    pub packing: &'a EntryPacking,
}

impl EntryRead for PackedBlock<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.words.len()
    }

    #[inline(always)]
    fn at(&self, k: usize) -> Entry {
        self.packing.decode(self.words[k])
    }

    #[inline(always)]
    fn position(&self, k: usize) -> (u32, u32) {
        self.packing.position(self.words[k])
    }

    #[inline(always)]
    fn prefetch(&self, k: usize) {
        prefetch(self.words.as_ptr().wrapping_add(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_decodes_to_itself() {
        let values = [1.0f32, 2.5, 5.0, -0.0, 0.0, 3.0];
        let p = EntryPacking::for_grid(&values, 1000, 300).unwrap();
        assert_eq!(p.distinct_values(), 6);
        assert_eq!(p.value_bits(), 3);
        for user in [0u32, 1, 517, 999] {
            for item in [0u32, 7, 299] {
                for &value in &values {
                    let e = Entry { user, item, value };
                    let back = p.decode(p.encode(e));
                    assert_eq!(p.position(p.encode(e)), (user, item));
                    assert_eq!(back.user, user);
                    assert_eq!(back.item, item);
                    assert_eq!(
                        back.value.to_bits(),
                        value.to_bits(),
                        "exact value, sign too"
                    );
                }
            }
        }
    }

    #[test]
    fn one_value_needs_no_code_bits() {
        let p = EntryPacking::for_grid(&[1.0; 10], 1 << 16, 1 << 16).unwrap();
        assert_eq!(p.value_bits(), 0);
        let e = Entry {
            user: (1 << 16) - 1,
            item: (1 << 16) - 1,
            value: 1.0,
        };
        assert_eq!(p.decode(p.encode(e)), e);
    }

    #[test]
    fn data_that_does_not_fit_in_32_bits_is_refused() {
        // 17 + 13 + 3 bits.
        assert!(EntryPacking::for_grid(&[1.0, 2.0, 3.0, 4.0, 5.0], 1 << 17, 1 << 13).is_none());
        assert!(EntryPacking::for_grid(&[1.0, 2.0, 3.0, 4.0, 5.0], 1 << 16, 1 << 13).is_some());
        // 257 distinct values.
        let many: Vec<f32> = (0..257).map(|k| k as f32).collect();
        assert!(EntryPacking::for_grid(&many, 2, 2).is_none());
        assert!(EntryPacking::for_grid(&many[..256], 2, 2).is_some());
    }

    #[test]
    fn bits_cover_the_positions() {
        assert_eq!(bits_for(0), 1);
        assert_eq!(bits_for(1), 1);
        assert_eq!(bits_for(2), 1);
        assert_eq!(bits_for(3), 2);
        assert_eq!(bits_for(256), 8);
        assert_eq!(bits_for(257), 9);
    }
}
