//! User profiles cut into 8-item chunks, and the SLIM step that reads them with 8-lane
//! vector loads instead of one scalar load per profile item.
//!
//! **Why.** The sparse step ([`super::kernel`]) reads `S[j, i]` for each profile item `j`
//! one at a time: load the item, the value, the column entry, and again with a store in the
//! update — about 3 cycles per profile entry on this machine, bound by the loads issued. A
//! ML-1M profile (311 items on average per drawn sample) covers about two items per 8-item
//! block of the column, so reading the column in 8-float vectors — one load and one fused
//! multiply-add per block — does the same sums with fewer instructions. (16-lane AVX-512
//! chunks were measured slower on this AMD EPYC: its 512-bit operations are split in two,
//! and a 16-item block holds only ~3 profile items.)
//!
//! **Layout.** For each user, the non-empty chunks of the profile in increasing order: the
//! first item of the chunk and 8 value codes, where code 0 means "not in the profile" and
//! code `c > 0` stands for the value `c · scale`. Ratings sit on a grid (MovieLens: 1…5, or
//! 0.5…5 in half stars), so values that are all exact multiples `1…255` of one `scale` are
//! coded; other data keeps the sparse step. Two encodings ([`Layout`]):
//! - [`Layout::Nibbles`], when every code is `≤ 15` and there are at most 65,536 items: a
//!   `u16` first item and eight 4-bit codes in a `u32` (6 bytes a chunk), decoded by a
//!   variable shift and a mask — or, when every code is at most 7 (whole stars), by the shift
//!   and a permute that looks each lane's float up, which leaves the arithmetic ports to the
//!   fused multiply-adds (on an Intel Xeon, ML-1M: 6.1 → 6.7 M samples/s);
//! - [`Layout::Bytes`] otherwise: a `u32` first item and eight one-byte codes in a `u64`
//!   (12 bytes a chunk).
//!
//! On ML-10M-sized data the profiles are far beyond L3 and a step waits on their loads
//! (each sample reads a random user's profile), so half the bytes is half the traffic.
//!
//! **Same algorithm.** The chunked step computes the same prediction `Σ_j r_uj S[j, i]`
//! (summed in another order: float results agree to rounding) and applies the same update
//! to exactly the profile's entries: lanes outside the profile keep their values (the
//! plain update adds `g · 0` to them; the ElasticNet update is masked).

use rustrec_data::Interactions;

use super::kernel::{Update, sign};
use crate::engine::simd::{Level, prefetch};

/// Items per chunk (the lanes of a 256-bit vector of `f32`).
pub const CHUNK: usize = 8;

/// The common step of the values: every value is `code · scale` for a code in `1..=255`.
/// `None` when there is no such step (tried: the smallest value divided by 1…16).
fn value_grid(values: &[f32]) -> Option<f32> {
    let min = values.iter().copied().fold(f32::INFINITY, f32::min);
    if !(min.is_finite() && min > 0.0) {
        return None;
    }
    (1..=16u32).map(|d| min / d as f32).find(|&scale| {
        values.iter().all(|&v| {
            let code = (v / scale).round();
            (1.0..=255.0).contains(&code) && code * scale == v
        })
    })
}

/// The first item of a chunk, as stored.
pub trait Start: Copy {
    /// The item index.
    fn index(self) -> usize;
    /// The stored form of `j` (`j` must fit).
    fn from_index(j: usize) -> Self;
}

impl Start for u32 {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
    #[inline]
    fn from_index(j: usize) -> Self {
        j as u32
    }
}

impl Start for u16 {
    #[inline]
    fn index(self) -> usize {
        usize::from(self)
    }
    #[inline]
    fn from_index(j: usize) -> Self {
        j as u16
    }
}

/// The eight value codes of a chunk, packed.
pub trait Codes: Copy + Default {
    /// Bits per code.
    const BITS: usize;
    /// The code of lane `l`.
    fn code(self, l: usize) -> u32;
    /// The same codes with `code` (`< 2^BITS`) or-ed into lane `l`.
    fn with(self, l: usize, code: u32) -> Self;
}

impl Codes for u64 {
    const BITS: usize = 8;
    #[inline]
    fn code(self, l: usize) -> u32 {
        ((self >> (8 * l)) & 0xff) as u32
    }
    #[inline]
    fn with(self, l: usize, code: u32) -> Self {
        self | (u64::from(code) << (8 * l))
    }
}

impl Codes for u32 {
    const BITS: usize = 4;
    #[inline]
    fn code(self, l: usize) -> u32 {
        (self >> (4 * l)) & 0xf
    }
    #[inline]
    fn with(self, l: usize, code: u32) -> Self {
        self | (code << (4 * l))
    }
}

/// The encoding of the chunks (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `u32` first items, one-byte codes in a `u64` (12 bytes a chunk).
    Bytes,
    /// `u16` first items, 4-bit codes in a `u32` (6 bytes a chunk).
    Nibbles,
}

/// The chunks of all users in one encoding: first items and packed codes.
#[derive(Clone, Debug, Default)]
struct Chunks<S, C> {
    starts: Vec<S>,
    codes: Vec<C>,
}

#[derive(Clone, Debug)]
enum Store {
    Bytes(Chunks<u32, u64>),
    Nibbles(Chunks<u16, u32>),
}

/// The profiles of a set of interactions as 8-item chunks of value codes.
#[derive(Clone, Debug)]
pub struct ChunkedProfiles {
    n_items: usize,
    /// The value of code `c` is `c · scale`.
    scale: f32,
    /// The largest code.
    max_code: u32,
    /// User `u`'s chunks are `ptr[u]..ptr[u + 1]`.
    ptr: Vec<usize>,
    /// First item of each chunk — a multiple of [`CHUNK`], or `n_items − 8` for the last
    /// chunk when `n_items` is not a multiple of 8 — and its codes.
    store: Store,
}

impl ChunkedProfiles {
    /// Chunks the CSR profiles of `x`; `None` when its values are not all multiples
    /// `1…255` of one step (see `value_grid`) or when it has fewer than 8 items.
    ///
    /// Item `j` belongs to the chunk starting at `8 ⌊j / 8⌋`, except that the last chunk
    /// starts at `n_items − 8` so that no chunk reaches past the column: it then overlaps
    /// the one before, whose items keep code 0 in it.
    ///
    /// Every profile is chunked: even at one item per chunk (the worst case), a chunk
    /// through the vector step costs less than an item through the sparse step (ML-1M, one
    /// thread: 3.5–3.9 M samples/s of CPU time with every profile chunked, 3.1–3.5 M with
    /// only profiles of 1.5 or 2 items per chunk, 2.3–2.8 M with none).
    pub fn build(x: &Interactions) -> Option<Self> {
        Self::from_csr(x.n_items(), x.user_ptr(), x.item_indices(), x.values())
    }

    /// As [`Self::build`], from CSR arrays: user `u`'s items are
    /// `items[user_ptr[u]..user_ptr[u + 1]]`, increasing, with `values`. `None` also when an
    /// item is not `< n_items`. The layout is [`Layout::Nibbles`] when it can hold the data.
    pub fn from_csr(
        n_items: usize,
        user_ptr: &[usize],
        items: &[u32],
        values: &[f32],
    ) -> Option<Self> {
        Self::with_layout(n_items, user_ptr, items, values, true)
    }

    /// [`Self::from_csr`], in [`Layout::Bytes`] unless `compact` allows the nibbles.
    fn with_layout(
        n_items: usize,
        user_ptr: &[usize],
        items: &[u32],
        values: &[f32],
        compact: bool,
    ) -> Option<Self> {
        let n = n_items;
        if n < CHUNK || items.iter().any(|&j| j as usize >= n) {
            return None;
        }
        let scale = value_grid(values)?;
        let max_code = values
            .iter()
            .map(|&v| (v / scale).round() as u32)
            .max()
            .unwrap_or(0);
        let csr = (user_ptr, items, values);
        let (ptr, store) = if compact && max_code <= 15 && n <= 1 << 16 {
            let (ptr, c) = chunk::<u16, u32>(n, csr, scale);
            (ptr, Store::Nibbles(c))
        } else {
            let (ptr, c) = chunk::<u32, u64>(n, csr, scale);
            (ptr, Store::Bytes(c))
        };
        Some(ChunkedProfiles {
            n_items: n,
            scale,
            max_code,
            ptr,
            store,
        })
    }

    /// The number of items the chunks index into.
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// The value of code 1 (code `c` stands for `c · scale()`).
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// The largest code stored.
    pub fn max_code(&self) -> u32 {
        self.max_code
    }

    /// The encoding of the chunks.
    pub fn layout(&self) -> Layout {
        match self.store {
            Store::Bytes(_) => Layout::Bytes,
            Store::Nibbles(_) => Layout::Nibbles,
        }
    }

    /// The chunks of user `u`, decoded: each chunk's first item and its 8 codes.
    pub fn decoded(&self, u: u32) -> Vec<(usize, [u32; CHUNK])> {
        fn decode<S: Start, C: Codes>(starts: &[S], codes: &[C]) -> Vec<(usize, [u32; CHUNK])> {
            let lanes = |c: C| std::array::from_fn(|l| c.code(l));
            starts
                .iter()
                .zip(codes)
                .map(|(s, &c)| (s.index(), lanes(c)))
                .collect()
        }
        let r = self.ptr[u as usize]..self.ptr[u as usize + 1];
        match &self.store {
            Store::Bytes(c) => decode(&c.starts[r.clone()], &c.codes[r]),
            Store::Nibbles(c) => decode(&c.starts[r.clone()], &c.codes[r]),
        }
    }

    /// The number of chunks stored (over all users).
    pub fn n_chunks(&self) -> usize {
        self.ptr.last().copied().unwrap_or(0)
    }

    /// Asks the CPU to start loading user `u`'s chunks (at most [`PREFETCH_LINES`] cache
    /// lines of each array), so that a step issued a few samples later finds them in
    /// cache: on data whose profiles exceed L3 a step otherwise waits on their first loads.
    /// A hint only: no effect on results, nothing off x86-64.
    #[inline]
    pub fn prefetch(&self, u: u32) {
        let r = self.ptr[u as usize]..self.ptr[u as usize + 1];
        match &self.store {
            Store::Bytes(c) => {
                prefetch_lines(&c.starts[r.clone()]);
                prefetch_lines(&c.codes[r]);
            }
            Store::Nibbles(c) => {
                prefetch_lines(&c.starts[r.clone()]);
                prefetch_lines(&c.codes[r]);
            }
        }
    }

    /// Asks the CPU to start loading where user `u`'s chunks are (their entry in the chunk
    /// index), ahead of [`Self::prefetch`] for the same user. A hint only, as that one.
    #[inline]
    pub fn prefetch_range(&self, u: u32) {
        prefetch_lines(&self.ptr[u as usize..u as usize + 2]);
    }

    /// One step for user `u` on the column `col` ([`step_portable`]), with AVX2 vectors when
    /// `level` proves AVX2 + FMA (V3 or V4). Panics unless `col` has `n_items` entries.
    #[inline]
    pub fn step(&self, col: &mut [f32], u: u32, r: f32, up: &Update, level: Level) -> f32 {
        assert_eq!(col.len(), self.n_items, "a column has one entry per item");
        let range = self.ptr[u as usize]..self.ptr[u as usize + 1];
        match &self.store {
            Store::Bytes(c) => {
                let (s, k) = (&c.starts[range.clone()], &c.codes[range]);
                self.step_in(col, s, k, r, up, level)
            }
            Store::Nibbles(c) => {
                let (s, k) = (&c.starts[range.clone()], &c.codes[range]);
                self.step_in(col, s, k, r, up, level)
            }
        }
    }

    /// [`Self::step`] on one user's chunks, stored in `starts` and `codes`.
    #[inline]
    fn step_in<S: Start, C: v3::Widen>(
        &self,
        col: &mut [f32],
        starts: &[S],
        codes: &[C],
        r: f32,
        up: &Update,
        level: Level,
    ) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if let Some(t) = level.v3() {
            let (scale, small) = (self.scale, self.max_code <= v3::SMALL_CODE_MAX);
            // SAFETY: `t` (a V3 token) proves AVX2 and FMA, the features `v3::step`
            // enables; every chunk of `with_layout` starts at or below `n_items − 8`, and
            // `n_items` is `col.len()` (asserted by `step`); `small` only when every code
            // is at most `SMALL_CODE_MAX`.
            return unsafe {
                if small {
                    v3::step::<S, C, true>(t, col, starts, codes, scale, r, up)
                } else {
                    v3::step::<S, C, false>(t, col, starts, codes, scale, r, up)
                }
            };
        }
        let _ = level;
        step_portable(col, starts, codes, self.scale, r, up)
    }
}

/// The most cache lines [`ChunkedProfiles::prefetch`] asks for, per array.
pub const PREFETCH_LINES: usize = 16;

/// Prefetches the cache lines of `s` (at most [`PREFETCH_LINES`]).
#[inline]
fn prefetch_lines<T>(s: &[T]) {
    let bytes = std::mem::size_of_val(s);
    let p = s.as_ptr().cast::<u8>();
    for off in (0..bytes).step_by(64).take(PREFETCH_LINES) {
        prefetch(p.wrapping_add(off));
    }
}

/// Cuts the CSR profiles `(user_ptr, items, values)` into chunks of codes `value / scale`.
fn chunk<S: Start, C: Codes>(
    n: usize,
    (user_ptr, items, values): (&[usize], &[u32], &[f32]),
    scale: f32,
) -> (Vec<usize>, Chunks<S, C>) {
    let n_users = user_ptr.len().saturating_sub(1);
    let mut ptr = Vec::with_capacity(n_users + 1);
    ptr.push(0);
    let mut out = Chunks::<S, C> {
        starts: Vec::new(),
        codes: Vec::new(),
    };
    for u in 0..n_users {
        for k in user_ptr[u]..user_ptr[u + 1] {
            let j = items[k] as usize;
            let start = (j / CHUNK * CHUNK).min(n - CHUNK);
            if out.starts.len() == ptr[u] || out.starts.last().map(|s| s.index()) != Some(start) {
                out.starts.push(S::from_index(start));
                out.codes.push(C::default());
            }
            let code = (values[k] / scale).round() as u32;
            if let Some(chunk) = out.codes.last_mut() {
                *chunk = chunk.with(j - start, code);
            }
        }
        ptr.push(out.starts.len());
    }
    (ptr, out)
}

/// One SLIM step on the column `col` (`S[·, i]`, `n_items` long) for a profile given as
/// chunks: returns `e = r − Σ_j r_uj col[j]` after applying `up` to the profile's entries.
/// The portable version: the reference for the vector one, and the fallback.
pub fn step_portable<S: Start, C: Codes>(
    col: &mut [f32],
    starts: &[S],
    codes: &[C],
    scale: f32,
    r: f32,
    up: &Update,
) -> f32 {
    let mut dot = 0.0f32;
    for (&s, &c) in starts.iter().zip(codes) {
        for l in 0..CHUNK {
            if c.code(l) != 0 {
                dot += (c.code(l) as f32 * scale) * col[s.index() + l];
            }
        }
    }
    let e = r - dot;
    for (&s, &c) in starts.iter().zip(codes) {
        for l in 0..CHUNK {
            if c.code(l) != 0 {
                let w = &mut col[s.index() + l];
                let v = c.code(l) as f32 * scale;
                let mut next = *w + up.lr * (e * v - up.l2 * *w - up.l1 * sign(*w));
                if up.non_negative && next < 0.0 {
                    next = 0.0;
                }
                *w = next;
            }
        }
    }
    e
}

/// Whether the vector step can run on this CPU (AVX2 and FMA).
pub fn has_vector_step() -> bool {
    Level::detect().v3().is_some()
}

#[cfg(not(target_arch = "x86_64"))]
mod v3 {
    /// Codes the vector step can widen (every [`super::Codes`] off x86-64).
    pub trait Widen: super::Codes {}
    impl<C: super::Codes> Widen for C {}
}

/// The AVX2 step: code for V3 only (16-lane AVX-512 chunks were measured slower, see the
/// module docs), entered with a [`V3`] token.
#[cfg(target_arch = "x86_64")]
mod v3 {
    use std::arch::x86_64::*;

    use super::{Codes, Start, Update};
    use crate::engine::simd::V3;

    /// The largest code the `SMALL` decoding of [`Widen::floats`] handles: the 8 entries
    /// of one AVX2 permute.
    pub const SMALL_CODE_MAX: u32 = 7;

    /// Codes the vector step can widen to eight `f32` lanes.
    pub trait Widen: Codes {
        /// The 8 codes as floats (`t` proves AVX2). With `SMALL` every code must be at most
        /// [`SMALL_CODE_MAX`]; the floats are the same either way.
        fn floats<const SMALL: bool>(self, t: V3) -> __m256;
    }

    impl Widen for u64 {
        #[inline(always)]
        fn floats<const SMALL: bool>(self, _: V3) -> __m256 {
            // SAFETY: the V3 token proves AVX2.
            unsafe { _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(self as i64))) }
        }
    }

    impl Widen for u32 {
        #[inline(always)]
        fn floats<const SMALL: bool>(self, _: V3) -> __m256 {
            // SAFETY: the V3 token proves AVX2.
            unsafe {
                // Lane l holds bits 4l..4l + 4 in its low bits (the codes above it after).
                let shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
                let shifted = _mm256_srlv_epi32(_mm256_set1_epi32(self as i32), shifts);
                if SMALL {
                    // A code ≤ 7 is the lane's low 3 bits, the only bits the permute reads:
                    // it looks the float up in [0, 1, …, 7] instead of masking and
                    // converting (one shuffle instead of two arithmetic operations, on
                    // ports the fused multiply-adds do not use).
                    let table = _mm256_setr_ps(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
                    _mm256_permutevar8x32_ps(table, shifted)
                } else {
                    _mm256_cvtepi32_ps(_mm256_and_si256(shifted, _mm256_set1_epi32(0xf)))
                }
            }
        }
    }

    /// AVX2 [`super::step_portable`]: sums `code · S` in four vectors, then scales once.
    /// The token `t` proves AVX2 and FMA, the features this function is compiled for.
    ///
    /// # Safety
    /// Every entry of `starts` must be `≤ col.len() − 8`; with `SMALL`, every code must be
    /// at most [`SMALL_CODE_MAX`].
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn step<S: Start, C: Widen, const SMALL: bool>(
        t: V3,
        col: &mut [f32],
        starts: &[S],
        codes: &[C],
        scale: f32,
        r: f32,
        up: &Update,
    ) -> f32 {
        let base = col.as_mut_ptr();
        let n = starts.len().min(codes.len());
        let (starts, codes) = (&starts[..n], &codes[..n]);
        // Four independent sums hide the latency of the fused multiply-adds.
        let mut acc = [_mm256_setzero_ps(); 4];
        // Exact quads: their fixed indices need no bounds checks in the loop.
        let (mut quad_starts, mut quad_codes) = (starts.chunks_exact(4), codes.chunks_exact(4));
        for (s4, c4) in (&mut quad_starts).zip(&mut quad_codes) {
            for (l, a) in acc.iter_mut().enumerate() {
                let v = c4[l].floats::<SMALL>(t);
                // SAFETY: every start + 8 <= col.len() (the caller's contract).
                let x = unsafe { _mm256_loadu_ps(base.add(s4[l].index())) };
                *a = _mm256_fmadd_ps(v, x, *a);
            }
        }
        for (&s, &c) in quad_starts.remainder().iter().zip(quad_codes.remainder()) {
            let v = c.floats::<SMALL>(t);
            // SAFETY: as above.
            let x = unsafe { _mm256_loadu_ps(base.add(s.index())) };
            acc[0] = _mm256_fmadd_ps(v, x, acc[0]);
        }
        let sum = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
        let half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps::<1>(sum));
        let quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
        let dot = _mm_cvtss_f32(_mm_add_ss(quarter, _mm_movehdup_ps(quarter)));
        let e = r - dot * scale;
        let g = up.lr * e;
        if up.l1 == 0.0 && up.l2 == 0.0 && !up.non_negative && g.is_finite() {
            // x + (g · scale) · code: lanes outside the profile have code 0 and a finite
            // g, so they get x + 0, the same value (only a −0 may become +0).
            let gv = _mm256_set1_ps(g * scale);
            for (&s, &c) in starts.iter().zip(codes) {
                let v = c.floats::<SMALL>(t);
                // SAFETY: s + 8 <= col.len() (the caller's contract); `col` is borrowed
                // mutably by this function.
                unsafe {
                    let p = base.add(s.index());
                    _mm256_storeu_ps(p, _mm256_fmadd_ps(v, gv, _mm256_loadu_ps(p)));
                }
            }
            return e;
        }
        let (lr, l1, l2, ev, sv) = (
            _mm256_set1_ps(up.lr),
            _mm256_set1_ps(up.l1),
            _mm256_set1_ps(up.l2),
            _mm256_set1_ps(e),
            _mm256_set1_ps(scale),
        );
        let (zero, one) = (_mm256_setzero_ps(), _mm256_set1_ps(1.0));
        for (&s, &c) in starts.iter().zip(codes) {
            let code = c.floats::<SMALL>(t);
            let v = _mm256_mul_ps(code, sv);
            let inside = _mm256_cmp_ps::<_CMP_GT_OQ>(code, zero);
            // SAFETY: as above.
            unsafe {
                let p = base.add(s.index());
                let x = _mm256_loadu_ps(p);
                // x + lr (e v − l2 x − l1 sign x), clipped at 0 if non-negative, on the
                // profile's lanes only.
                let sgn = _mm256_sub_ps(
                    _mm256_and_ps(_mm256_cmp_ps::<_CMP_GT_OQ>(x, zero), one),
                    _mm256_and_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(x, zero), one),
                );
                let grad = _mm256_sub_ps(
                    _mm256_fmsub_ps(ev, v, _mm256_mul_ps(l2, x)),
                    _mm256_mul_ps(l1, sgn),
                );
                let mut y = _mm256_fmadd_ps(lr, grad, x);
                if up.non_negative {
                    y = _mm256_max_ps(y, zero);
                }
                _mm256_storeu_ps(p, _mm256_blendv_ps(x, y, inside));
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{self, below, stream};
    use crate::engine::simd::{Isa, each_level};

    /// Random data with `levels` distinct rating values (`1, 1.5, 2, …`).
    fn random_data(users: u32, items: u32, density: f32, levels: u32, seed: u64) -> Interactions {
        let mut r = stream(seed, &[]);
        let mut rows = Vec::new();
        for u in 0..users {
            for i in 0..items {
                if rng::unit_f32(&mut r) < density || i == u % items {
                    rows.push((u, i, 1.0 + 0.5 * below(&mut r, levels) as f32));
                }
            }
        }
        Interactions::from_index_triplets(users as usize, items as usize, &rows).unwrap()
    }

    /// `x` chunked in both layouts (the nibbles when `x` fits them).
    fn both_layouts(x: &Interactions) -> [ChunkedProfiles; 2] {
        let (ptr, items, values) = (x.user_ptr(), x.item_indices(), x.values());
        let n = x.n_items();
        [false, true]
            .map(|compact| ChunkedProfiles::with_layout(n, ptr, items, values, compact).unwrap())
    }

    /// The (item, value) pairs of user `u`'s chunks, checking the chunk starts.
    fn decode_profile(p: &ChunkedProfiles, u: u32) -> Vec<(u32, f32)> {
        let chunks = p.decoded(u);
        let n = p.n_items();
        assert!(chunks.windows(2).all(|w| w[0].0 < w[1].0));
        let mut out = Vec::new();
        for (s, codes) in chunks {
            assert!(s.is_multiple_of(CHUNK) || s == n - CHUNK, "start {s}");
            for (l, &c) in codes.iter().enumerate() {
                if c != 0 {
                    out.push(((s + l) as u32, c as f32 * p.scale()));
                }
            }
        }
        out
    }

    fn profile_of(x: &Interactions, u: u32) -> Vec<(u32, f32)> {
        let row = x.row(rustrec_data::UserIdx(u));
        row.items
            .iter()
            .copied()
            .zip(row.values.iter().copied())
            .collect()
    }

    #[test]
    fn chunks_decode_back_to_the_profiles() {
        // Codes 2..=15 (1, 1.5, …, 7.5 on the step 0.5) fit the nibbles; 53 items leave a
        // partial last chunk.
        let x = random_data(30, 53, 0.2, 14, 1);
        assert_eq!(
            ChunkedProfiles::build(&x).unwrap().layout(),
            Layout::Nibbles
        );
        let [bytes, nibbles] = both_layouts(&x);
        assert_eq!(bytes.layout(), Layout::Bytes);
        for p in [&bytes, &nibbles] {
            assert_eq!(p.scale(), 0.5);
            for u in 0..30u32 {
                assert_eq!(decode_profile(p, u), profile_of(&x, u), "user {u}");
            }
        }
        assert_eq!(bytes.n_chunks(), nibbles.n_chunks());
        assert!(ChunkedProfiles::build(&random_data(5, 7, 0.5, 5, 2)).is_none());
    }

    #[test]
    fn codes_above_15_or_more_than_65536_items_keep_the_bytes() {
        // Codes 2..=16: one too many for 4 bits.
        let x = random_data(30, 40, 0.5, 15, 3);
        let p = ChunkedProfiles::build(&x).unwrap();
        assert_eq!(p.layout(), Layout::Bytes);
        for u in 0..30u32 {
            assert_eq!(decode_profile(&p, u), profile_of(&x, u), "user {u}");
        }
        // The nibbles' u16 first items are used up to 65,536 items.
        for (n, want) in [(65_536usize, Layout::Nibbles), (65_537, Layout::Bytes)] {
            let items = [0u32, 9, n as u32 - 1];
            let p = ChunkedProfiles::from_csr(n, &[0, 3], &items, &[1.0, 2.0, 3.0]).unwrap();
            assert_eq!(p.layout(), want, "{n} items");
            let got = decode_profile(&p, 0);
            assert_eq!(
                got,
                vec![(0, 1.0), (9, 2.0), (n as u32 - 1, 3.0)],
                "{n} items"
            );
        }
        // An item outside the column is refused.
        assert!(ChunkedProfiles::from_csr(10, &[0, 1], &[10], &[1.0]).is_none());
    }

    #[test]
    fn nibble_codes_round_trip_every_value_in_every_lane() {
        for l in 0..CHUNK {
            for c in 0..16u32 {
                let packed = !(0xfu32 << (4 * l));
                let packed = packed.with(l, c);
                assert_eq!(packed.code(l), c);
                let bytes = 0u64.with(l, c * 17);
                assert_eq!(bytes.code(l), c * 17);
                for other in (0..CHUNK).filter(|&o| o != l) {
                    assert_eq!(packed.code(other), 0xf);
                    assert_eq!(bytes.code(other), 0);
                }
            }
        }
    }

    #[test]
    fn values_are_coded_on_their_grid_or_not_at_all() {
        assert_eq!(value_grid(&[1.0, 2.0, 5.0]), Some(1.0));
        assert_eq!(value_grid(&[0.5, 1.0, 4.5, 5.0]), Some(0.5));
        assert_eq!(value_grid(&[3.0, 4.5]), Some(1.5));
        assert_eq!(value_grid(&[1.0; 4]), Some(1.0));
        // Not multiples of one step, a code above 255, zero and negative values.
        assert_eq!(value_grid(&[1.0, std::f32::consts::PI]), None);
        assert_eq!(value_grid(&[1.0, 256.0]), None);
        assert_eq!(value_grid(&[0.0, 1.0]), None);
        assert_eq!(value_grid(&[-1.0, 1.0]), None);
        assert_eq!(value_grid(&[]), None);
    }

    fn updates() -> [Update; 3] {
        let plain = Update {
            lr: 0.01,
            l1: 0.0,
            l2: 0.0,
            non_negative: false,
            exclude_diagonal: false,
        };
        [
            plain,
            Update {
                l1: 0.02,
                l2: 0.1,
                ..plain
            },
            Update {
                l1: 0.02,
                l2: 0.1,
                non_negative: true,
                ..plain
            },
        ]
    }

    /// A column of random values in ±0.5 (some exactly 0, to exercise `sign(0)`).
    fn random_column(n: usize, seed: u64) -> Vec<f32> {
        let mut r = stream(seed, &[]);
        (0..n)
            .map(|j| {
                if j % 7 == 0 {
                    0.0
                } else {
                    rng::unit_f32(&mut r) - 0.5
                }
            })
            .collect()
    }

    #[test]
    fn the_portable_step_is_the_sparse_textbook_step() {
        // 53 items: the last chunk (48..53) is partial.
        let x = random_data(20, 53, 0.3, 10, 3);
        for p in both_layouts(&x) {
            for up in updates() {
                for u in 0..20u32 {
                    let mut got = random_column(53, u as u64);
                    let mut want = got.clone();
                    let row = x.row(rustrec_data::UserIdx(u));
                    let e = p.step(&mut got, u, 4.0, &up, Level::Scalar);
                    let dot: f32 = row
                        .items
                        .iter()
                        .zip(row.values)
                        .map(|(&j, &v)| v * want[j as usize])
                        .sum();
                    let want_e = 4.0 - dot;
                    for (&j, &v) in row.items.iter().zip(row.values) {
                        let w = &mut want[j as usize];
                        let mut next = *w + up.lr * (want_e * v - up.l2 * *w - up.l1 * sign(*w));
                        if up.non_negative && next < 0.0 {
                            next = 0.0;
                        }
                        *w = next;
                    }
                    assert!(
                        (e - want_e).abs() < 1e-5,
                        "{up:?} user {u}: e {e} vs {want_e}"
                    );
                    for (a, b) in got.iter().zip(&want) {
                        assert!((a - b).abs() < 1e-6, "{up:?} user {u}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_step_at_every_level_matches_the_portable_step() {
        let skipped = each_level(|level| {
            // 6 levels give codes 2..=7 (the permute's decoding), 10 give codes up to 11.
            for (n, levels) in [53usize, 64, 8, 9, 17]
                .into_iter()
                .flat_map(|n| [(n, 6), (n, 10)])
            {
                let x = random_data(25, n as u32, 0.35, levels, n as u64);
                for p in both_layouts(&x) {
                    assert_eq!(
                        p.max_code() <= 7,
                        levels == 6,
                        "n {n}: codes up to {}",
                        p.max_code()
                    );
                    for up in updates() {
                        for u in 0..25u32 {
                            // The column sits inside a larger buffer: the entries around it
                            // must not change (the partial last chunk is masked).
                            let mut buf = random_column(n + 32, 100 + u as u64);
                            let mut want = buf.clone();
                            let e = p.step(&mut buf[8..8 + n], u, 3.5, &up, level);
                            let col = &mut want[8..8 + n];
                            let want_e = p.step(col, u, 3.5, &up, Level::Scalar);
                            assert!(
                                (e - want_e).abs() < 1e-5,
                                "{level:?} n {n} levels {levels} {up:?} user {u}"
                            );
                            for (j, (a, b)) in buf.iter().zip(&want).enumerate() {
                                if j < 8 || j >= 8 + n {
                                    assert_eq!(
                                        a.to_bits(),
                                        b.to_bits(),
                                        "outside the column at {j}"
                                    );
                                } else {
                                    assert!(
                                        (a - b).abs() < 1e-6,
                                        "{level:?} n {n} {up:?} user {u} at {j}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        });
        assert!(!skipped.contains(&Isa::Scalar));
    }
}
