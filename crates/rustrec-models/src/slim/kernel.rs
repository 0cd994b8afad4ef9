//! The SLIM-MSE SGD kernel: the fast version on the transposed table, and the textbook
//! reference it is tested against.
//!
//! **Layout.** `S` is stored transposed and dense: row `i` of the table is the column
//! `S[·, i]`, with `S[j, i]` at position `label[j]` (items by descending popularity, see
//! `super::relabel`). One sample `(u, i, r)` reads and writes `S[j, i]` for `j ∈ I(u)` — all in row
//! `i`, one contiguous `4 · n_items` bytes (14.8 KB for ML-1M, in L1), where the
//! row-major `S[j, i]` of the Cython kernel touches one cache line per profile item.
//! Because a sample touches only its target's column, samples of different targets
//! commute: [`run_group`] draws an epoch's positions first, then applies them target by
//! target (each target's samples in drawn order), so a row is brought into L1 once per
//! epoch rather than once per sample — the same result as the drawn order, 3.3× faster.
//! Rows are padded to a multiple of 16 floats and 64-byte aligned (a
//! [`RowTable`](crate::engine::RowTable)), so that the chunked step's 32-byte vectors never
//! straddle two cache lines: packed `n_items` apart, most rows start off a 32-byte boundary
//! and half of their vectors are split loads and stores (ML-10M-shaped, 2 threads: 5.2–5.8
//! → 5.9–6.5 M samples/s in four back-to-back pairs).
//!
//! **Parallelism.** A sample only touches the row of its target item. The items are cut
//! into contiguous groups, each group's rows are a disjoint `&mut` slice of the table, and
//! each group draws its samples only among the interactions of its own items (a contiguous
//! range of the CSC arrays). No two threads ever write the same memory, and no `unsafe`
//! aliasing is needed. Each group draws as many samples as it has interactions, so every
//! stored interaction is still drawn with probability `1/nnz` per sample — a stratified
//! version of the notebook's uniform draw with replacement.
//!
//! **Steps.** When the values sit on a grid (ratings) and the CPU has AVX2 + FMA (a V3 level,
//! or V4, of the [`simd`](crate::engine::simd) layer), a sample runs the chunked vector step
//! of [`super::chunked`] (profiles as 8-item blocks of one-byte
//! codes); otherwise the sparse steps below, one scalar access per profile item.
//!
//! **Prefetch.** On data whose chunked profiles exceed L3 (ML-10M-shaped: ~40 MB) each
//! sample starts by waiting on the first loads of a random user's profile; the chunked path
//! asks for the profile of the sample `AHEAD` (2) places later before each step, so those
//! loads overlap the current step (ML-10M-shaped, 2 threads: 3.9 → 4.4 M samples/s in
//! one back-to-back pair; distances 3 and 4 and 32 lines were no better within the noise).
//! Finding those chunks is itself a random load (the user's entry in the chunk index), so
//! that entry is prefetched `AHEAD_INDEX` (8) samples ahead, and the chunked path does not
//! look up the CSR profile it does not use: 5.2–5.4 → 5.4–5.7 M samples/s in three
//! back-to-back pairs. (Tried and dropped: keeping the decoded lanes of the first pass
//! for the update pass, 4.6–4.7 M, the extra stores cost more than the decoding saved;
//! decoding 4-bit codes with one AVX-512 VL two-table permute instead of a mask and a
//! conversion, within the noise.)

use rustrec_data::Interactions;

use super::chunked::ChunkedProfiles;
use super::relabel::RelabelledProfiles;
use crate::engine::rng::{Rng, below};
use crate::engine::simd::Level;

/// The update rule of one sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Update {
    /// Learning rate.
    pub lr: f32,
    /// L1 weight.
    pub l1: f32,
    /// L2 weight.
    pub l2: f32,
    /// Clip at zero after the update.
    pub non_negative: bool,
    /// Keep `S[i, i] = 0`.
    pub exclude_diagonal: bool,
}

impl Update {
    /// Whether this is the notebook's plain update (no ElasticNet terms, no clipping).
    fn is_plain(&self) -> bool {
        self.l1 == 0.0 && self.l2 == 0.0 && !self.non_negative
    }
}

/// The interactions as the kernel reads them: CSR profiles and CSC samples.
#[derive(Clone, Copy, Debug)]
pub struct Samples<'a> {
    /// CSR offsets of the user profiles.
    pub user_ptr: &'a [usize],
    /// Profile items (CSR), as positions in a column ([`Self::label`]).
    pub profile_items: &'a [u32],
    /// Profile values (CSR).
    pub profile_values: &'a [f32],
    /// CSC offsets by item.
    pub item_ptr: &'a [usize],
    /// User of each CSC position.
    pub users: &'a [u32],
    /// Value of each CSC position.
    pub values: &'a [f32],
    /// Item of each CSC position ([`item_of_positions`]).
    pub item_of: &'a [u32],
    /// `label[j]`: the position of `S[j, i]` in the column of `i` (a permutation).
    pub label: &'a [u32],
    /// The profiles as 8-item chunks, for the vector step (`None`: sparse steps only).
    pub chunked: Option<&'a ChunkedProfiles>,
}

/// The item of each CSC position of `x`.
pub fn item_of_positions(x: &Interactions) -> Vec<u32> {
    let ptr = x.item_ptr();
    (0..x.n_items())
        .flat_map(|i| std::iter::repeat_n(i as u32, ptr[i + 1] - ptr[i]))
        .collect()
}

impl<'a> Samples<'a> {
    /// The arrays of `x`, with `item_of = item_of_positions(x)`, and its profiles relabelled
    /// by `profiles` (built from `x`).
    pub fn new(x: &'a Interactions, item_of: &'a [u32], profiles: &'a RelabelledProfiles) -> Self {
        Samples {
            user_ptr: x.user_ptr(),
            profile_items: profiles.items(),
            profile_values: profiles.values(),
            label: profiles.label(),
            item_ptr: x.item_ptr(),
            users: x.user_indices(),
            values: x.col_values(),
            item_of,
            chunked: None,
        }
    }

    /// The same arrays, with the chunked profiles of the same interactions.
    pub fn with_chunks(self, chunked: Option<&'a ChunkedProfiles>) -> Self {
        Samples { chunked, ..self }
    }

    /// The profile of user `u`.
    #[inline]
    fn profile(&self, u: u32) -> (&'a [u32], &'a [f32]) {
        let (a, b) = (self.user_ptr[u as usize], self.user_ptr[u as usize + 1]);
        (&self.profile_items[a..b], &self.profile_values[a..b])
    }
}

/// Draws the CSC position of the next sample among positions `lo..hi` (`hi > lo`).
#[inline]
pub fn draw(rng: &mut Rng, lo: usize, hi: usize) -> usize {
    lo + below(rng, (hi - lo) as u32) as usize
}

/// How many samples ahead [`run_group`] prefetches a profile's chunks.
const AHEAD: usize = 2;

/// How many samples ahead [`run_group`] prefetches where a profile's chunks are (its entry
/// in the chunk index), so that the prefetch of the chunks `AHEAD` samples ahead does not
/// itself wait on that load.
const AHEAD_INDEX: usize = 8;

/// Reusable buffers of one group (no allocation per sample, nor per epoch once warm).
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    drawn: Vec<u32>,
    ordered: Vec<u32>,
    offsets: Vec<usize>,
}

/// Runs `n` samples of the group of items `first..first + rows.len() / stride` on its rows
/// of the transposed table (row `l` of the group is `rows[l · stride..][..n_items]`,
/// `stride ≥ n_items`), drawing from the group's CSC positions with `rng`. Returns the
/// sum of squared errors. Every profile item must be `< n_items` (as in any
/// [`Interactions`] with `n_items` items).
///
/// The `n` positions are drawn first, in the notebook's way, then applied grouped by
/// target item with each item's samples in their drawn order. A sample `(u, i, r)` reads
/// and writes only the column `S[·, i]`, so samples of different items commute: the result
/// is that of applying them in drawn order (up to float summation order), while each row
/// is brought into L1 once per epoch instead of once per sample.
#[allow(clippy::too_many_arguments)]
pub fn run_group(
    rows: &mut [f32],
    (n_items, stride): (usize, usize),
    first: usize,
    data: &Samples<'_>,
    n: u64,
    rng: &mut Rng,
    up: &Update,
    scratch: &mut Scratch,
) -> f64 {
    assert!(stride >= n_items, "a row holds the column of every item");
    let group_items = rows.len() / stride;
    let (lo, hi) = (data.item_ptr[first], data.item_ptr[first + group_items]);
    if hi == lo {
        return 0.0;
    }
    let Scratch {
        drawn,
        ordered,
        offsets,
    } = scratch;
    drawn.clear();
    drawn.extend((0..n).map(|_| draw(rng, lo, hi) as u32));
    // Stable counting sort of the drawn positions by item.
    offsets.clear();
    offsets.resize(group_items + 1, 0);
    for &k in drawn.iter() {
        offsets[data.item_of[k as usize] as usize - first + 1] += 1;
    }
    for l in 0..group_items {
        offsets[l + 1] += offsets[l];
    }
    ordered.clear();
    ordered.resize(drawn.len(), 0);
    {
        let mut next: Vec<usize> = offsets[..group_items].to_vec();
        for &k in drawn.iter() {
            let slot = &mut next[data.item_of[k as usize] as usize - first];
            ordered[*slot] = k;
            *slot += 1;
        }
    }
    let plain = up.is_plain();
    let level = Level::detect();
    let chunked = data.chunked.filter(|c| c.n_items() == n_items);
    // Checked once here (when the sparse steps run), this makes the unchecked column
    // accesses of `step_plain_unchecked` sound: every profile item indexes inside a column
    // of `n_items`.
    let in_range = || data.profile_items.iter().all(|&j| (j as usize) < n_items);
    let unchecked = plain && chunked.is_none() && in_range();
    let mut loss = 0.0f64;
    for local in 0..group_items {
        let col = &mut rows[local * stride..local * stride + n_items];
        let i = first + local;
        let mine = &ordered[offsets[local]..offsets[local + 1]];
        for (t, &k) in mine.iter().enumerate() {
            let (u, r) = (data.users[k as usize], data.values[k as usize]);
            let e = if let Some(c) = chunked {
                let next = offsets[local] + t;
                if let Some(&far) = ordered.get(next + AHEAD_INDEX) {
                    c.prefetch_range(data.users[far as usize]);
                }
                if let Some(&ahead) = ordered.get(next + AHEAD) {
                    c.prefetch(data.users[ahead as usize]);
                }
                c.step(col, u, r, up, level)
            } else {
                let (items, values) = data.profile(u);
                if unchecked {
                    // SAFETY: `in_range` holds: every profile item is < n_items = col.len().
                    unsafe { step_plain_unchecked(col, items, values, r, up.lr) }
                } else if plain {
                    step_plain(col, items, values, r, up.lr)
                } else {
                    step_general(col, items, values, r, up)
                }
            };
            if up.exclude_diagonal {
                col[data.label[i] as usize] = 0.0;
            }
            loss += f64::from(e) * f64::from(e);
        }
    }
    loss
}

/// The plain update on one column; returns the error `e`.
///
/// A plain loop: AVX-512 gathers and scatters (16 lanes, masked tail) were measured slower
/// on this machine's AMD EPYC (8 epochs of ML-1M, one thread: 4.0 s of CPU against 3.1 s),
/// and a gather for the dot product with a scalar scatter no faster than a plain loop.
/// [`run_group`] uses the same loop without bounds checks (`step_plain_unchecked`, after
/// checking every profile item once per call): 345–401 ms of CPU per ML-1M epoch against
/// 421–461 ms with checks. The unchecked loop loads the eight column entries of a chunk
/// first and the scatter computes a chunk's eight increments as one vector before its
/// stores, which lets the compiler load items and values eight at a time: ML-1M, 12
/// epochs, 2 threads, 4.30M → 5.14M samples/s. (A 3-byte profile copy — `u16` items, `u8`
/// value codes — was measured no faster: the kernel is bound by loads issued, not bytes.)
#[inline]
fn step_plain(col: &mut [f32], items: &[u32], values: &[f32], r: f32, lr: f32) -> f32 {
    let e = r - gather_dot(col, items, values);
    let g = lr * e;
    for (&j, &v) in items.iter().zip(values) {
        col[j as usize] += g * v;
    }
    e
}

/// [`step_plain`] without bounds checks on `col`.
///
/// # Safety
/// Every entry of `items` must be `< col.len()`.
#[inline]
unsafe fn step_plain_unchecked(
    col: &mut [f32],
    items: &[u32],
    values: &[f32],
    r: f32,
    lr: f32,
) -> f32 {
    let n = items.len().min(values.len());
    let (items, values) = (&items[..n], &values[..n]);
    let base = col.as_mut_ptr();
    let mut acc = [0.0f32; 8];
    let full = n / 8 * 8;
    let mut k = 0;
    while k < full {
        let mut c = [0.0f32; 8];
        for l in 0..8 {
            // SAFETY: items[k + l] < col.len() by the caller's contract.
            c[l] = unsafe { *base.add(items[k + l] as usize) };
        }
        for l in 0..8 {
            acc[l] += values[k + l] * c[l];
        }
        k += 8;
    }
    let mut tail = 0.0f32;
    for k in full..n {
        // SAFETY: as above.
        tail += values[k] * unsafe { *base.add(items[k] as usize) };
    }
    let dot =
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
    let e = r - dot;
    let g = lr * e;
    // Eight entries at a time: one vector load of items and of values each, the products
    // computed as one vector, then eight scalar read-modify-writes.
    let (ic, vc) = (items.chunks_exact(8), values.chunks_exact(8));
    let (ir, vr) = (ic.remainder(), vc.remainder());
    for (idx, v) in ic.zip(vc) {
        let mut d = [0.0f32; 8];
        for l in 0..8 {
            d[l] = g * v[l];
        }
        for l in 0..8 {
            // SAFETY: idx[l] < col.len() by the caller's contract.
            unsafe { *base.add(idx[l] as usize) += d[l] };
        }
    }
    for (&j, &v) in ir.iter().zip(vr) {
        // SAFETY: j < col.len() by the caller's contract.
        unsafe { *base.add(j as usize) += g * v };
    }
    e
}

/// `Σ_k values[k] · col[items[k]]`, with eight independent partial sums.
#[inline]
fn gather_dot(col: &[f32], items: &[u32], values: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ic, vc) = (items.chunks_exact(8), values.chunks_exact(8));
    let (ir, vr) = (ic.remainder(), vc.remainder());
    for (idx, v) in ic.zip(vc) {
        for l in 0..8 {
            acc[l] += v[l] * col[idx[l] as usize];
        }
    }
    let mut tail = 0.0f32;
    for (&j, &v) in ir.iter().zip(vr) {
        tail += v * col[j as usize];
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// The ElasticNet / non-negative update on one column; returns the error `e`.
#[inline]
fn step_general(col: &mut [f32], items: &[u32], values: &[f32], r: f32, up: &Update) -> f32 {
    let e = r - gather_dot(col, items, values);
    for (&j, &v) in items.iter().zip(values) {
        let s = &mut col[j as usize];
        let mut next = *s + up.lr * (e * v - up.l2 * *s - up.l1 * sign(*s));
        if up.non_negative && next < 0.0 {
            next = 0.0;
        }
        *s = next;
    }
    e
}

/// `sign(x)` with `sign(0) = 0` (the subgradient SLIM uses at 0).
#[inline]
pub(super) fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The textbook loop, on `S` stored row-major (`s[j * n + i] = S[j, i]`), for the samples
/// at CSC positions `samples` in order: `r̂ = Σ_{j ∈ I(u)} r_uj S[j, i]`, `e = r − r̂`,
/// `S[j, i] += lr (e r_uj − l2 S[j, i] − l1 sign S[j, i])` for `j ∈ I(u)` (`j ≠ i` when the
/// diagonal is excluded), clipped at 0 if non-negative. Returns the sum of `e²`.
pub fn reference(s: &mut [f32], x: &Interactions, samples: &[usize], up: &Update) -> f64 {
    let n = x.n_items();
    let item_of = item_of_positions(x);
    let mut loss = 0.0;
    for &k in samples {
        let (u, i, r) = (x.user_indices()[k], item_of[k] as usize, x.col_values()[k]);
        let row = x.row(rustrec_data::UserIdx(u));
        let mut pred = 0.0f32;
        for (&j, &v) in row.items.iter().zip(row.values) {
            pred += v * s[j as usize * n + i];
        }
        let e = r - pred;
        for (&j, &v) in row.items.iter().zip(row.values) {
            if up.exclude_diagonal && j as usize == i {
                continue;
            }
            let w = &mut s[j as usize * n + i];
            *w += up.lr * (e * v - up.l2 * *w - up.l1 * sign(*w));
            if up.non_negative && *w < 0.0 {
                *w = 0.0;
            }
        }
        loss += f64::from(e) * f64::from(e);
    }
    loss
}
