//! The block schedule that makes parallel SGD race-free and reproducible.
//!
//! Users and items are each shuffled (seeded) and cut into `bins` contiguous ranges, which
//! splits the rating matrix into `bins × bins` blocks (Gemulla et al. 2011; Zhuang et al.
//! 2013, LIBMF's FPSGD). Two blocks that share neither a user range nor an item range can
//! be trained at the same time without touching the same parameter rows. An epoch runs
//! `bins` *diagonals* — block `(r, (r + s) mod bins)` for every row range `r`, for a shift
//! `s` — one after the other, in a seeded random order of shifts; the blocks of one diagonal
//! run in parallel on the rayon pool.
//!
//! Why this and not Hogwild: every parameter row is owned by exactly one block at a time,
//! so the factor tables are handed out as disjoint `&mut` slices — no `unsafe`, no atomics,
//! no data race — and each block draws from its own random stream seeded by (seed, epoch,
//! block), so the result does not depend on which thread ran which block: a seed and a bin
//! count reproduce a run bit for bit. Entries store bin-local indices, so kernels index
//! straight into their bin's slices.

use rayon::prelude::*;
use rustrec_data::{Interactions, UserIdx};

use super::packed::{EntryPacking, PackedBlocks};
use super::rng::{self, Rng};

/// Blocks per dimension of the parallel schedule when `bins` is not set: a constant, so
/// that results never depend on the thread count. 8 × 8 blocks keep up to 8 threads busy
/// and each block's rows in cache on MovieLens-sized data; raise `bins` for more threads.
pub const DEFAULT_BINS: usize = 8;

/// The most `bins`: 256 × 256 blocks (each block holds the schedule's bookkeeping).
pub const MAX_BINS: usize = 256;

/// The order of each block's entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryOrder {
    /// Gathered user by user in training position order (items increasing), then shuffled
    /// once (seeded).
    Shuffled,
    /// Gathered in data order (users by index, items increasing), then shuffled once: the
    /// order of a grid built while the data is drained
    /// ([`Grid::with_packed_entries_drained`], which meets the users in index order).
    ShuffledFromDataOrder,
    /// User by user in training position order, items increasing, not shuffled: for
    /// samplers that visit interactions in order.
    Gathered,
}

/// One training entry with bin-local user and item positions.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Entry {
    /// User position within its user bin.
    pub user: u32,
    /// Item position within its item bin.
    pub item: u32,
    /// The interaction's value.
    pub value: f32,
}

/// A seeded pseudo-random order over `n` entries: position `(start + k·step) mod n` for
/// `k = 0..n`, with `step` coprime to `n`, so every entry is visited exactly once. Applied to
/// entries shuffled once at the start, it gives each epoch a fresh order without the cost
/// of reshuffling memory (LIBMF does not reshuffle at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk {
    /// First position.
    pub start: usize,
    /// Distance between consecutive positions (coprime to `n`).
    pub step: usize,
}

impl Walk {
    /// A random walk over `n` entries.
    pub fn random(rng: &mut Rng, n: usize) -> Walk {
        if n <= 1 {
            return Walk { start: 0, step: 1 };
        }
        let start = rng::below(rng, n as u32) as usize;
        let mut step = 1 + rng::below(rng, (n - 1) as u32) as usize;
        while gcd(step, n) != 1 {
            step = step % (n - 1) + 1;
        }
        Walk { start, step }
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The packing of `train`'s entries on a grid of `bins` bins (sized for its widest bins).
fn packing_of(train: &Interactions, bins: usize) -> Option<EntryPacking> {
    let widest = |n: usize| (0..bins).map(|b| (b + 1) * n / bins - b * n / bins).max();
    EntryPacking::for_grid(
        train.values(),
        widest(train.n_users()).unwrap_or(0),
        widest(train.n_items()).unwrap_or(0),
    )
}

/// The bin of every training position, for a grid with these range boundaries.
fn bin_of_position(bounds: &[usize]) -> Vec<u32> {
    let n = bounds.last().copied().unwrap_or(0);
    (0..n)
        .map(|p| (bounds.partition_point(|&b| b <= p) - 1) as u32)
        .collect()
}

/// Shuffles each block once (its own seeded stream), so that any walk through it mixes
/// users and items.
fn shuffle_blocks<T: Send>(blocks: &mut [Vec<T>], seed: u64) {
    blocks.par_iter_mut().enumerate().for_each(|(k, blk)| {
        rng::shuffle(&mut rng::stream(seed, &[0x006d_6978, k as u64]), blk);
    });
}

/// Identifies a block: its user bin, item bin, and the epoch it runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockId {
    /// User bin (row range).
    pub user_bin: usize,
    /// Item bin (column range).
    pub item_bin: usize,
    /// 0-based epoch.
    pub epoch: usize,
    /// Position of the block's diagonal within the epoch (0-based).
    pub step: usize,
}

/// A random partition of users and items into bins, and the training entries per block,
/// stored as `T` ([`Entry`], or packed words: [`Grid::with_packed_entries`]).
#[derive(Clone, Debug)]
pub struct Grid<T = Entry> {
    bins: usize,
    /// `user_order[pos]` = the original user at training position `pos`.
    pub user_order: Vec<u32>,
    /// `item_order[pos]` = the original item at training position `pos`.
    pub item_order: Vec<u32>,
    /// `user_pos[u]` = the training position of original user `u`.
    pub user_pos: Vec<u32>,
    /// `item_pos[i]` = the training position of original item `i`.
    pub item_pos: Vec<u32>,
    /// Row-range boundaries in training positions (`bins + 1` entries).
    pub user_bounds: Vec<usize>,
    /// Column-range boundaries in training positions (`bins + 1` entries).
    pub item_bounds: Vec<usize>,
    /// The entries of every block.
    pub blocks: Blocks<T>,
}

/// The entries of the `bins × bins` blocks, block `(r, c)` at `r · bins + c`.
#[derive(Clone, Debug)]
pub struct Blocks<T = Entry> {
    bins: usize,
    blocks: Vec<Vec<T>>,
}

impl Grid {
    /// Partitions `train` into `bins × bins` blocks with a seeded shuffle of users and items.
    pub fn new(train: &Interactions, bins: usize, seed: u64) -> Self {
        Self::with_entry_order(train, bins, seed, EntryOrder::Shuffled)
    }

    /// As [`Grid::new`], each block's entries in `order`.
    pub fn with_entry_order(
        train: &Interactions,
        bins: usize,
        seed: u64,
        order: EntryOrder,
    ) -> Self {
        Grid::build(train, bins, seed, order, |e| e)
    }

    /// As [`Grid::with_entry_order`], the entries packed into 32-bit words
    /// ([`EntryPacking`]): a grid whose blocks hold no entries, and the packed blocks. The
    /// packed blocks hold the same entries in the same order, so a kernel reading them
    /// computes the same bits. `None` when the data does not fit the packing.
    pub fn with_packed_entries(
        train: &Interactions,
        bins: usize,
        seed: u64,
        order: EntryOrder,
    ) -> Option<(Self, PackedBlocks)> {
        let bins = bins.max(1);
        let packing = packing_of(train, bins)?;
        let grid = Grid::build(train, bins, seed, order, |e| packing.encode(e));
        let (grid, blocks) = grid.split_entries();
        Some((grid, PackedBlocks { blocks, packing }))
    }

    /// As [`Grid::with_packed_entries`] in [`EntryOrder::ShuffledFromDataOrder`], built
    /// while `train` is
    /// drained ([`Interactions::drain_rows_from_last`]): the rows' memory is given back as
    /// the blocks fill, so the data is never held twice (the matrix takes 8 bytes an
    /// interaction, the packed blocks 4). The grid and the blocks are those of
    /// [`Grid::with_packed_entries`], bit for bit. `Err(train)`, untouched, when the data
    /// does not fit the packing.
    pub fn with_packed_entries_drained(
        train: Interactions,
        bins: usize,
        seed: u64,
    ) -> Result<(Self, PackedBlocks), Box<Interactions>> {
        let bins = bins.max(1);
        let Some(packing) = packing_of(&train, bins) else {
            return Err(Box::new(train));
        };
        let grid = Grid::partition(train.n_users(), train.n_items(), bins, seed);
        let user_bin = bin_of_position(&grid.user_bounds);
        let item_bin = bin_of_position(&grid.item_bounds);
        let block_of = |user: u32, item: u32| {
            let r = user_bin[grid.user_pos[user as usize] as usize] as usize;
            r * bins + item_bin[grid.item_pos[item as usize] as usize] as usize
        };
        let mut sizes = vec![0usize; bins * bins];
        for user in 0..train.n_users() as u32 {
            for &item in train.row(UserIdx(user)).items {
                sizes[block_of(user, item)] += 1;
            }
        }
        // Allocated at their exact sizes and filled from the front as the rows come (last
        // user first, each row backwards), so the pages a block touches grow with the
        // entries it holds while the drained rows' pages are given back.
        let mut blocks: Vec<Vec<u32>> = sizes.into_iter().map(Vec::with_capacity).collect();
        train.drain_rows_from_last(|user, row| {
            let position = grid.user_pos[user.0 as usize] as usize;
            let r = user_bin[position] as usize;
            let local_user = (position - grid.user_bounds[r]) as u32;
            for (&item, &value) in row.items.iter().zip(row.values).rev() {
                let ip = grid.item_pos[item as usize] as usize;
                let c = item_bin[ip] as usize;
                blocks[r * bins + c].push(packing.encode(Entry {
                    user: local_user,
                    item: (ip - grid.item_bounds[c]) as u32,
                    value,
                }));
            }
        });
        // Back to data order (users by index, items increasing), then the shuffle of every
        // grid with shuffled entries.
        blocks.par_iter_mut().for_each(|blk| blk.reverse());
        shuffle_blocks(&mut blocks, seed);
        Ok((
            grid,
            PackedBlocks {
                blocks: Blocks { bins, blocks },
                packing,
            },
        ))
    }

    /// The grid of `train` with each entry stored as `encode(entry)`, in `order`.
    fn build<T: Send>(
        train: &Interactions,
        bins: usize,
        seed: u64,
        order: EntryOrder,
        encode: impl Fn(Entry) -> T + Sync,
    ) -> Grid<T> {
        let partition = Grid::partition(train.n_users(), train.n_items(), bins, seed);
        let bins = partition.bins;
        let (user_bounds, item_bounds) = (&partition.user_bounds, &partition.item_bounds);
        let item_pos = &partition.item_pos;
        let item_bin = bin_of_position(item_bounds);
        let mut blocks: Vec<Vec<T>> = (0..bins)
            .into_par_iter()
            .flat_map_iter(|r| {
                // (user, its position within the bin), in the order entries are gathered.
                let mut bin_users: Vec<(u32, u32)> = partition.user_order
                    [user_bounds[r]..user_bounds[r + 1]]
                    .iter()
                    .enumerate()
                    .map(|(local, &user)| (user, local as u32))
                    .collect();
                if order == EntryOrder::ShuffledFromDataOrder {
                    bin_users.sort_unstable();
                }
                // Each block is allocated at its exact size (a pass to count first): grown
                // by doubling, the blocks would hold up to twice the data's memory.
                let mut sizes = vec![0usize; bins];
                for &(user, _) in &bin_users {
                    for &i in train.row(UserIdx(user)).items {
                        sizes[item_bin[item_pos[i as usize] as usize] as usize] += 1;
                    }
                }
                let mut row_blocks: Vec<Vec<T>> =
                    sizes.into_iter().map(Vec::with_capacity).collect();
                for &(user, local_user) in &bin_users {
                    let row = train.row(UserIdx(user));
                    for (&i, &v) in row.items.iter().zip(row.values) {
                        let ip = item_pos[i as usize] as usize;
                        let c = item_bin[ip] as usize;
                        row_blocks[c].push(encode(Entry {
                            user: local_user,
                            item: (ip - item_bounds[c]) as u32,
                            value: v,
                        }));
                    }
                }
                row_blocks
            })
            .collect();
        if order != EntryOrder::Gathered {
            shuffle_blocks(&mut blocks, seed);
        }
        partition.with_blocks(blocks)
    }

    /// The seeded partition of `n_users` users and `n_items` items into `bins` ranges each
    /// (one bin: the identity order), with blocks that hold no entries.
    fn partition(n_users: usize, n_items: usize, bins: usize, seed: u64) -> Grid {
        let bins = bins.max(1);
        let mut rng = rng::stream(seed, &[0x6772_6964]);
        let mut user_order: Vec<u32> = (0..n_users as u32).collect();
        let mut item_order: Vec<u32> = (0..n_items as u32).collect();
        if bins > 1 {
            rng::shuffle(&mut rng, &mut user_order);
            rng::shuffle(&mut rng, &mut item_order);
        }
        let inverse = |order: &[u32]| {
            let mut pos = vec![0u32; order.len()];
            for (p, &x) in order.iter().enumerate() {
                pos[x as usize] = p as u32;
            }
            pos
        };
        let bounds = |n: usize| (0..=bins).map(|b| b * n / bins).collect::<Vec<_>>();
        Grid {
            bins,
            user_pos: inverse(&user_order),
            item_pos: inverse(&item_order),
            user_order,
            item_order,
            user_bounds: bounds(n_users),
            item_bounds: bounds(n_items),
            blocks: Blocks {
                bins,
                blocks: (0..bins * bins).map(|_| Vec::new()).collect(),
            },
        }
    }

    /// A grid of the contiguous index ranges `user_bounds` × `item_bounds` (training
    /// positions are the data's indices) whose blocks hold no entries: for layouts whose
    /// kernels read the training data themselves ([`super::row_grid`]). The schedule is
    /// that of every grid.
    pub fn of_ranges(user_bounds: Vec<usize>, item_bounds: Vec<usize>) -> Self {
        let bins = user_bounds.len() - 1;
        assert_eq!(
            item_bounds.len(),
            bins + 1,
            "as many item ranges as user ranges"
        );
        let identity = |n: usize| (0..n as u32).collect::<Vec<u32>>();
        let (nu, ni) = (user_bounds[bins], item_bounds[bins]);
        Grid {
            bins,
            user_order: identity(nu),
            item_order: identity(ni),
            user_pos: identity(nu),
            item_pos: identity(ni),
            user_bounds,
            item_bounds,
            blocks: Blocks {
                bins,
                blocks: vec![Vec::new(); bins * bins],
            },
        }
    }

    /// The seeded random stream of one block in one epoch.
    pub fn block_rng(seed: u64, id: BlockId) -> Rng {
        rng::stream(
            seed,
            &[
                0x626c_6f63,
                id.epoch as u64,
                id.user_bin as u64,
                id.item_bin as u64,
            ],
        )
    }
}

impl<T> Grid<T> {
    /// Number of bins per dimension.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// Entries of block (user bin `r`, item bin `c`).
    pub fn block(&self, r: usize, c: usize) -> &[T] {
        self.blocks.block(r, c)
    }

    /// Total number of entries.
    pub fn nnz(&self) -> usize {
        self.blocks.blocks.iter().map(Vec::len).sum()
    }

    /// The original user of user bin `r`, local position `local`.
    #[inline]
    pub fn user_of(&self, r: usize, local: u32) -> u32 {
        self.user_order[self.user_bounds[r] + local as usize]
    }

    /// The original item of item bin `c`, local position `local`.
    #[inline]
    pub fn item_of(&self, c: usize, local: u32) -> u32 {
        self.item_order[self.item_bounds[c] + local as usize]
    }

    /// This grid's partition with blocks that hold no entries, and its blocks.
    fn split_entries(mut self) -> (Grid, Blocks<T>) {
        let bins = self.bins;
        let blocks = std::mem::take(&mut self.blocks.blocks);
        let empty = (0..bins * bins).map(|_| Vec::new()).collect();
        (self.with_blocks(empty), Blocks { bins, blocks })
    }

    /// This grid's partition with `blocks` (`bins × bins` of them) as its entries.
    fn with_blocks<U>(self, blocks: Vec<Vec<U>>) -> Grid<U> {
        let bins = self.bins;
        Grid {
            bins,
            user_order: self.user_order,
            item_order: self.item_order,
            user_pos: self.user_pos,
            item_pos: self.item_pos,
            user_bounds: self.user_bounds,
            item_bounds: self.item_bounds,
            blocks: Blocks { bins, blocks },
        }
    }
}

impl<T> Blocks<T> {
    /// Entries of block (user bin `r`, item bin `c`).
    pub fn block(&self, r: usize, c: usize) -> &[T] {
        &self.blocks[r * self.bins + c]
    }
}

impl<T: Send> Blocks<T> {
    /// Runs one epoch: for each diagonal (in a seeded random order), calls
    /// `f(id, &mut user_bins[r], &mut item_bins[c], &mut entries)` for its blocks in
    /// parallel. Returns the results in a fixed order (diagonal by diagonal, then by user
    /// bin), so that reductions over them are deterministic.
    ///
    /// `user_bins` and `item_bins` hold one value per bin (typically slices of the
    /// parameter tables cut with [`Grid::user_bounds`] / [`Grid::item_bounds`]).
    pub fn run_epoch<U, I, R, F>(
        &mut self,
        seed: u64,
        epoch: usize,
        user_bins: &mut [U],
        item_bins: &mut [I],
        f: F,
    ) -> Vec<R>
    where
        U: Send,
        I: Send,
        R: Send,
        F: Fn(BlockId, &mut U, &mut I, &mut Vec<T>) -> R + Sync,
    {
        let all = self.run_epoch_shared(
            seed,
            epoch,
            user_bins,
            item_bins,
            |_| true,
            f,
            |_, _, _, done: Vec<(usize, R)>| {
                Ok::<_, std::convert::Infallible>(done.into_iter().map(|(_, r)| r).collect())
            },
        );
        match all {
            Ok(results) => results,
            Err(never) => match never {},
        }
    }

    /// [`Blocks::run_epoch`] shared between processes: of each diagonal this process runs
    /// only the blocks whose user bin `mine` accepts, then calls
    /// `sync(diagonal, user_bins, item_bins, done)` with its results (`(user bin, result)`);
    /// `sync` exchanges the bins it updated with the other processes (writing theirs into
    /// `user_bins` / `item_bins`) and returns the results of every block of the diagonal in
    /// user-bin order. The schedule (the order of diagonals, each block's random stream)
    /// is the one of [`Blocks::run_epoch`], so every layout computes the same bits.
    #[allow(clippy::too_many_arguments)]
    pub fn run_epoch_shared<U, I, R, F, S, E>(
        &mut self,
        seed: u64,
        epoch: usize,
        user_bins: &mut [U],
        item_bins: &mut [I],
        mine: impl Fn(usize) -> bool,
        f: F,
        mut sync: S,
    ) -> Result<Vec<R>, E>
    where
        U: Send,
        I: Send,
        R: Send,
        F: Fn(BlockId, &mut U, &mut I, &mut Vec<T>) -> R + Sync,
        S: FnMut(Diagonal, &mut [U], &mut [I], Vec<(usize, R)>) -> Result<Vec<R>, E>,
    {
        let b = self.bins;
        assert_eq!(user_bins.len(), b, "one user bin value per bin");
        assert_eq!(item_bins.len(), b, "one item bin value per bin");
        let mut results = Vec::with_capacity(b * b);
        for (step, shift) in self.diagonals(seed, epoch).into_iter().enumerate() {
            let mut items: Vec<&mut I> = item_bins.iter_mut().collect();
            items.rotate_left(shift);
            let blocks: Vec<&mut Vec<T>> = self
                .blocks
                .iter_mut()
                .enumerate()
                .filter(|(k, _)| (k / b + shift) % b == k % b)
                .map(|(_, blk)| blk)
                .collect();
            let jobs: Vec<_> = user_bins
                .iter_mut()
                .zip(items)
                .zip(blocks)
                .enumerate()
                .filter(|(r, _)| mine(*r))
                .collect();
            let done: Vec<(usize, R)> = jobs
                .into_par_iter()
                .map(|(r, ((u, i), entries))| {
                    let id = BlockId {
                        user_bin: r,
                        item_bin: (r + shift) % b,
                        epoch,
                        step,
                    };
                    (r, f(id, u, i, entries))
                })
                .collect();
            let diagonal = Diagonal { step, shift };
            results.extend(sync(diagonal, user_bins, item_bins, done)?);
        }
        Ok(results)
    }

    /// The shifts of the diagonals of `epoch`, in the order they run (seeded).
    fn diagonals(&self, seed: u64, epoch: usize) -> Vec<usize> {
        let mut shifts: Vec<usize> = (0..self.bins).collect();
        rng::shuffle(
            &mut rng::stream(seed, &[0x7368_6966, epoch as u64]),
            &mut shifts,
        );
        shifts
    }
}

/// One diagonal of an epoch: blocks `(r, (r + shift) mod bins)` for every user bin `r`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diagonal {
    /// Position of the diagonal within the epoch (0-based).
    pub step: usize,
    /// Its shift.
    pub shift: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn data() -> Interactions {
        let rows: Vec<(u32, u32, f32)> = (0..20u32)
            .flat_map(|u| {
                (0..15u32)
                    .filter(move |i| (u + i) % 3 == 0)
                    .map(move |i| (u, i, (u * i) as f32))
            })
            .collect();
        Interactions::from_index_triplets(20, 15, &rows).unwrap()
    }

    #[test]
    fn a_walk_visits_every_position_once() {
        let mut rng = rng::stream(1, &[]);
        for n in [1usize, 2, 7, 12, 100] {
            let w = Walk::random(&mut rng, n);
            let mut seen = vec![false; n];
            let mut pos = w.start;
            for _ in 0..n {
                assert!(!seen[pos]);
                seen[pos] = true;
                pos = (pos + w.step) % n;
            }
        }
    }

    #[test]
    fn blocks_partition_the_entries_and_map_back() {
        let x = data();
        let g = Grid::new(&x, 3, 9);
        assert_eq!(g.nnz(), x.nnz());
        let mut seen = Vec::new();
        for r in 0..3 {
            for c in 0..3 {
                for e in g.block(r, c) {
                    let (u, i) = (g.user_of(r, e.user), g.item_of(c, e.item));
                    assert_eq!(x.get(UserIdx(u), rustrec_data::ItemIdx(i)), Some(e.value));
                    seen.push((u, i));
                }
            }
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), x.nnz());
    }

    #[test]
    fn packed_blocks_hold_the_entries_of_the_grid_in_the_same_order() {
        let x = data();
        for order in [
            EntryOrder::Shuffled,
            EntryOrder::ShuffledFromDataOrder,
            EntryOrder::Gathered,
        ] {
            let wide = Grid::with_entry_order(&x, 3, 9, order);
            let (grid, packed) = Grid::with_packed_entries(&x, 3, 9, order).unwrap();
            assert_eq!(grid.user_order, wide.user_order);
            assert_eq!(grid.item_order, wide.item_order);
            assert_eq!(
                (grid.user_bounds.clone(), grid.item_bounds.clone()),
                (wide.user_bounds.clone(), wide.item_bounds.clone())
            );
            assert_eq!(grid.nnz(), 0, "the partition holds no entries");
            let mut total = 0;
            for k in 0..9 {
                let words = &packed.blocks.blocks[k];
                let decoded: Vec<Entry> = words.iter().map(|&w| packed.packing.decode(w)).collect();
                assert_eq!(decoded, wide.blocks.blocks[k], "block {k}");
                total += words.len();
            }
            assert_eq!(total, x.nnz());
        }
    }

    #[test]
    fn a_grid_built_while_the_data_is_drained_is_the_grid_built_from_borrowed_data() {
        // Enough entries that the drain gives rows back several times on the way.
        let rows: Vec<(u32, u32, f32)> = (0..400u32)
            .flat_map(|u| {
                (0..300u32)
                    .filter(move |i| (u * 13 + i * 7) % 5 < 2 && u % 17 != 3)
                    .map(move |i| (u, i, 1.0 + ((u + i) % 5) as f32))
            })
            .collect();
        let x = Interactions::from_index_triplets(400, 300, &rows).unwrap();
        for bins in [1, 3, 8] {
            let (grid, packed) =
                Grid::with_packed_entries(&x, bins, 7, EntryOrder::ShuffledFromDataOrder).unwrap();
            let (drained_grid, drained) =
                Grid::with_packed_entries_drained(x.clone(), bins, 7).unwrap();
            assert_eq!(drained_grid.user_order, grid.user_order, "bins {bins}");
            assert_eq!(drained_grid.item_pos, grid.item_pos, "bins {bins}");
            assert_eq!(drained_grid.user_bounds, grid.user_bounds, "bins {bins}");
            assert_eq!(drained.packing, packed.packing, "bins {bins}");
            assert_eq!(drained.blocks.blocks, packed.blocks.blocks, "bins {bins}");
            assert!(
                drained
                    .blocks
                    .blocks
                    .iter()
                    .all(|b| b.capacity() == b.len()),
                "exact sizes"
            );
        }
    }

    #[test]
    fn data_that_does_not_fit_the_packing_is_handed_back_untouched_by_the_drained_build() {
        let rows: Vec<(u32, u32, f32)> = (0..300u32)
            .map(|k| (k / 13, k % 13, k as f32 / 7.0))
            .collect();
        let x = Interactions::from_index_triplets(24, 13, &rows).unwrap();
        let back = Grid::with_packed_entries_drained(x.clone(), 2, 1).unwrap_err();
        assert_eq!(back.fingerprint(), x.fingerprint());
    }

    #[test]
    fn data_with_too_many_distinct_values_is_not_packed() {
        let rows: Vec<(u32, u32, f32)> = (0..300u32)
            .map(|k| (k / 13, k % 13, k as f32 / 7.0))
            .collect();
        let x = Interactions::from_index_triplets(24, 13, &rows).unwrap();
        assert!(Grid::with_packed_entries(&x, 2, 1, EntryOrder::Shuffled).is_none());
    }

    #[test]
    fn every_block_is_allocated_at_its_exact_size() {
        let g = Grid::new(&data(), 3, 9);
        for blk in &g.blocks.blocks {
            assert_eq!(blk.capacity(), blk.len(), "no room left over in a block");
        }
    }

    #[test]
    fn an_epoch_visits_every_block_once_and_diagonals_never_share_a_bin() {
        let x = data();
        let mut g = Grid::new(&x, 4, 1);
        let mut ub = vec![(); 4];
        let mut ib = vec![(); 4];
        let log = Mutex::new(Vec::new());
        let ids = g.blocks.run_epoch(5, 0, &mut ub, &mut ib, |id, _, _, _| {
            log.lock().unwrap().push(id);
            id
        });
        assert_eq!(ids.len(), 16);
        let mut pairs: Vec<_> = ids.iter().map(|id| (id.user_bin, id.item_bin)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        assert_eq!(pairs.len(), 16);
        for step in 0..4 {
            let d: Vec<_> = ids.iter().filter(|id| id.step == step).collect();
            let mut cols: Vec<_> = d.iter().map(|id| id.item_bin).collect();
            cols.sort_unstable();
            cols.dedup();
            assert_eq!(cols.len(), 4, "a diagonal uses every item bin once");
        }
    }
}
