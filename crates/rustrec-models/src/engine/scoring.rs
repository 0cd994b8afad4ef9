//! Scoring every item against one vector — `out[i] = x · y_i` over a [`RowTable`] of item
//! rows — the floor of a factor model's `score_into` (the CLI's `recommend`, `rustrec
//! serve`, full-ranking evaluation), on the [`simd`](super::simd) layer.
//!
//! # Design
//!
//! * **The same sum as [`Simd::dot`].** Each entry is summed exactly as `Simd::dot(x, y_i)`
//!   at the same level (16 partial sums, the fixed tree, the tail), so a model's
//!   `predict` ([`dot_best`]) and its `score_into` ([`dot_rows`]) give the same bits for
//!   the same pair; a test checks it row by row at every level.
//! * **Four rows at a time** (at V3 and V4). One row's dot product is a chain of dependent fused
//!   multiply-adds (four for 64 factors) and a reduction; four rows in flight share each
//!   load of `x` and overlap their chains. Each row keeps its own accumulator and the same
//!   order of operations, so interleaving changes no bits. Their four reductions run side
//!   by side ([`Lanes::reduce_sum4`](super::simd::Lanes::reduce_sum4): at V3 a shuffle and
//!   an add per step of the tree for all four, not four horizontal sums), with the same bits.
//! * **Two users at a time** ([`dot_rows_many`], when the factor count is a multiple of
//!   16). Scoring a block of users, two vectors against two rows form a two-by-two block
//!   of accumulators: per 16 floats four loads feed four multiply-adds, where four rows
//!   of one vector take five. Again each entry keeps its accumulator, its order of
//!   operations and the side-by-side reduction: the same bits. The 480k-user evaluation
//!   of a 17,770-item catalogue at 64 factors went from 18.1–18.2 s to 14.4–14.5 s.
//! * **The best level, detected per call.** [`Level::detect`] is a cached CPU-feature
//!   check; [`dot_rows_at`] runs at a given level (for the tests).
//!
//! `x` may be shorter than the rows (only its length is summed) but not longer.

use super::simd::{Level, Scalar, Simd, WithSimd};
use super::table::RowTable;

/// `out[i] = x · rows.row(i)` for `i < out.len()` (at most `rows.rows()`), at the best
/// level this CPU runs.
///
/// ```
/// use rustrec_models::engine::{RowTable, scoring::dot_rows};
/// let rows = RowTable::from_dense(3, 2, &[1.0, 0.0, 0.0, 1.0, 2.0, 3.0]);
/// let mut out = [0.0f32; 3];
/// dot_rows(&[4.0, 5.0], &rows, &mut out);
/// assert_eq!(out, [4.0, 5.0, 23.0]);
/// ```
#[inline]
pub fn dot_rows(x: &[f32], rows: &RowTable, out: &mut [f32]) {
    dot_rows_at(Level::detect(), x, rows, out);
}

/// [`dot_rows`] at `level`.
///
/// # Panics
/// If `x` is longer than the stored rows ([`RowTable::stride`]).
#[inline]
pub fn dot_rows_at(level: Level, x: &[f32], rows: &RowTable, out: &mut [f32]) {
    assert!(
        x.len() <= rows.stride(),
        "dot_rows: a vector of {} floats against rows of {}",
        x.len(),
        rows.stride()
    );
    let n = out.len().min(rows.rows());
    level.dispatch(DotRows {
        x,
        rows,
        first: 0,
        out: &mut out[..n],
    });
}

/// Item rows per tile of [`dot_rows_many`]: 512 rows of 64 floats are 128 KiB, which stay
/// in the second-level cache while every user of a block is scored against them.
pub const ITEM_TILE: usize = 512;

/// `out[r · n + i] = xs[r] · rows.row(i)` for every vector `xs[r]` and every row `i < n`
/// (`n = rows.rows()`): [`dot_rows`] for several vectors, with the same bits, computed one
/// tile of [`ITEM_TILE`] rows at a time for all vectors, so that each tile is read from
/// memory once per call instead of once per vector.
pub fn dot_rows_many(xs: &[&[f32]], rows: &RowTable, out: &mut [f32]) {
    dot_rows_many_at(Level::detect(), xs, rows, out);
}

/// [`dot_rows_many`] at `level`.
///
/// # Panics
/// If `out` is not one row of `rows.rows()` scores per vector, or a vector is longer than
/// the stored rows.
pub fn dot_rows_many_at(level: Level, xs: &[&[f32]], rows: &RowTable, out: &mut [f32]) {
    let n = rows.rows();
    assert_eq!(
        out.len(),
        xs.len() * n,
        "dot_rows_many: one row of scores per vector"
    );
    for x in xs {
        assert!(
            x.len() <= rows.stride(),
            "dot_rows_many: a vector of {} floats against rows of {}",
            x.len(),
            rows.stride()
        );
    }
    let mut first = 0;
    while first < n {
        let end = (first + ITEM_TILE).min(n);
        let mut vectors = xs.iter().zip(out.chunks_exact_mut(n)).peekable();
        while let Some((x, out_x)) = vectors.next() {
            // Two vectors of one length, whole chunks of 16 floats, scored together (not at
            // the portable level, which scores row by row; with a tail, the tail's scalar
            // sums outweigh the loads saved: 4% slower at 40 factors).
            let pair = level != Level::Scalar
                && x.len() % 16 == 0
                && vectors.peek().is_some_and(|(y, _)| y.len() == x.len());
            match vectors.next_if(|_| pair) {
                Some((y, out_y)) => level.dispatch(DotRowsPair {
                    x: [x, y],
                    rows,
                    first,
                    out: [&mut out_x[first..end], &mut out_y[first..end]],
                }),
                None => level.dispatch(DotRows {
                    x,
                    rows,
                    first,
                    out: &mut out_x[first..end],
                }),
            }
        }
        first = end;
    }
}

/// `x · y` summed as [`dot_rows`] sums each entry, at the best level this CPU runs (for a
/// model's `predict`, so that it agrees with its `score_into` bit for bit).
#[inline]
pub fn dot_best(x: &[f32], y: &[f32]) -> f32 {
    Level::detect().dispatch(Dot { x, y })
}

/// The readable reference: each entry a plain sum in `f64` (the tests compare with it).
pub fn dot_rows_reference(x: &[f32], rows: &RowTable, out: &mut [f32]) {
    for (i, o) in out.iter_mut().enumerate().take(rows.rows()) {
        let sum: f64 = x
            .iter()
            .zip(rows.row(i))
            .map(|(&a, &b)| f64::from(a) * f64::from(b))
            .sum();
        *o = sum as f32;
    }
}

struct Dot<'a> {
    x: &'a [f32],
    y: &'a [f32],
}

impl WithSimd for Dot<'_> {
    type Output = f32;

    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) -> f32 {
        s.dot(self.x, self.y)
    }
}

/// `out[j] = x · rows.row(first + j)`.
struct DotRows<'a> {
    x: &'a [f32],
    rows: &'a RowTable,
    first: usize,
    out: &'a mut [f32],
}

impl WithSimd for DotRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let DotRows {
            x,
            rows,
            first,
            out,
        } = self;
        let k = x.len();
        let (xc, xt) = x.as_chunks::<16>();
        let row = |i: usize| &rows.row(first + i)[..k];
        // The portable level: row by row with its own `dot`, whose lane loops LLVM
        // vectorises (over arrays of 16 its four interleaved rows spill and run slower
        // than the loop the models had before). A constant test: `S` is known here.
        if std::any::TypeId::of::<S>() == std::any::TypeId::of::<Scalar>() {
            for (i, o) in out.iter_mut().enumerate() {
                *o = s.dot(x, row(i));
            }
            return;
        }
        let mut quads = out.chunks_exact_mut(4);
        let mut i = 0;
        for o in &mut quads {
            let (r0, r1, r2, r3) = (row(i), row(i + 1), row(i + 2), row(i + 3));
            let (c0, _) = r0.as_chunks::<16>();
            let (c1, _) = r1.as_chunks::<16>();
            let (c2, _) = r2.as_chunks::<16>();
            let (c3, _) = r3.as_chunks::<16>();
            // Four named accumulators (not an array the compiler might keep in memory);
            // each row's operations in `Simd::dot`'s order.
            let (mut a0, mut a1, mut a2, mut a3) =
                (s.splat(0.0), s.splat(0.0), s.splat(0.0), s.splat(0.0));
            for (j, xj) in xc.iter().enumerate() {
                let xv = s.load(xj);
                a0 = s.mul_add(xv, s.load(&c0[j]), a0);
                a1 = s.mul_add(xv, s.load(&c1[j]), a1);
                a2 = s.mul_add(xv, s.load(&c2[j]), a2);
                a3 = s.mul_add(xv, s.load(&c3[j]), a3);
            }
            if xt.is_empty() {
                // No tail: the four reductions side by side (the same bits).
                o.copy_from_slice(&s.reduce_sum4([a0, a1, a2, a3]));
            } else {
                o[0] = finish(s, a0, xt, r0);
                o[1] = finish(s, a1, xt, r1);
                o[2] = finish(s, a2, xt, r2);
                o[3] = finish(s, a3, xt, r3);
            }
            i += 4;
        }
        for o in quads.into_remainder() {
            *o = s.dot(x, row(i));
            i += 1;
        }
    }
}

/// `out[v][j] = x[v] · rows.row(first + j)` for two vectors of one length, a multiple of 16
/// (no tail): [`DotRows`] for both at once, two rows at a time. Per 16 floats its
/// two-by-two block of accumulators loads each vector and each row once (four loads) for
/// four multiply-adds, where [`DotRows`]' four rows of one vector take five loads. Each
/// entry keeps its own accumulator and [`DotRows`]' order of operations: the same bits.
struct DotRowsPair<'a> {
    x: [&'a [f32]; 2],
    rows: &'a RowTable,
    first: usize,
    out: [&'a mut [f32]; 2],
}

impl WithSimd for DotRowsPair<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let DotRowsPair {
            x: [x0, x1],
            rows,
            first,
            out: [out0, out1],
        } = self;
        let k = x0.len();
        let (x0c, _) = x0.as_chunks::<16>();
        let (x1c, _) = x1.as_chunks::<16>();
        debug_assert!(k % 16 == 0 && x1.len() == k, "two vectors of whole chunks");
        let row = |i: usize| &rows.row(first + i)[..k];
        let mut pairs0 = out0.chunks_exact_mut(2);
        let mut pairs1 = out1.chunks_exact_mut(2);
        let mut i = 0;
        for (o0, o1) in (&mut pairs0).zip(&mut pairs1) {
            let (c0, _) = row(i).as_chunks::<16>();
            let (c1, _) = row(i + 1).as_chunks::<16>();
            // `a{v}{r}`: vector v against row i + r.
            let (mut a00, mut a01, mut a10, mut a11) =
                (s.splat(0.0), s.splat(0.0), s.splat(0.0), s.splat(0.0));
            for j in 0..x0c.len() {
                let (y0, y1) = (s.load(&c0[j]), s.load(&c1[j]));
                let v0 = s.load(&x0c[j]);
                a00 = s.mul_add(v0, y0, a00);
                a01 = s.mul_add(v0, y1, a01);
                let v1 = s.load(&x1c[j]);
                a10 = s.mul_add(v1, y0, a10);
                a11 = s.mul_add(v1, y1, a11);
            }
            let [s00, s01, s10, s11] = s.reduce_sum4([a00, a01, a10, a11]);
            o0.copy_from_slice(&[s00, s01]);
            o1.copy_from_slice(&[s10, s11]);
            i += 2;
        }
        for (o0, o1) in pairs0
            .into_remainder()
            .iter_mut()
            .zip(pairs1.into_remainder())
        {
            *o0 = s.dot(x0, row(i));
            *o1 = s.dot(x1, row(i));
        }
    }
}

/// The end of `Simd::dot` for one row: reduce the partial sums, then add the tail (the
/// floats past the last whole 16) when there is one.
#[inline(always)]
fn finish<S: Simd>(s: S, acc: S::F32x16, xt: &[f32], row: &[f32]) -> f32 {
    let sum = s.reduce_sum(acc);
    if xt.is_empty() {
        return sum;
    }
    let mut tail = 0.0f32;
    for (a, b) in xt.iter().zip(&row[row.len() - xt.len()..]) {
        tail += a * b;
    }
    sum + tail
}

#[cfg(test)]
mod tests {
    use super::super::simd::each_level;
    use super::*;

    #[test]
    fn many_vectors_in_tiles_give_dot_rows_bits_for_each() {
        // More rows than two tiles and a partial one, an odd count (a row left over by the
        // two-row steps of a pair); widths with a tail (never paired) and without; five
        // vectors, so that one is scored alone, and, at 64, a shorter one between two pairs
        // (vectors of different lengths are not paired).
        for (cols, lens) in [(21, [21; 5]), (64, [64; 5]), (64, [64, 64, 48, 64, 64])] {
            let n = 2 * ITEM_TILE + 77;
            let (rows, _) = table(n, cols, 3);
            let (users, _) = table(5, cols, 8);
            let xs: Vec<&[f32]> = (0..5).map(|u| &users.row(u)[..lens[u]]).collect();
            each_level(|level| {
                let mut many = vec![f32::NAN; 5 * n];
                dot_rows_many_at(level, &xs, &rows, &mut many);
                for (u, x) in xs.iter().enumerate() {
                    let mut one = vec![0.0f32; n];
                    dot_rows_at(level, x, &rows, &mut one);
                    let got = &many[u * n..(u + 1) * n];
                    assert!(
                        got.iter()
                            .zip(&one)
                            .all(|(a, b)| a.to_bits() == b.to_bits()),
                        "{level:?}, cols {cols}, lengths {lens:?}, vector {u}"
                    );
                }
            });
        }
    }

    /// `rows × cols` values in ±0.5, none exactly zero.
    fn table(rows: usize, cols: usize, salt: usize) -> (RowTable, Vec<f32>) {
        let v: Vec<f32> = (0..rows * cols)
            .map(|k| (((k * 37 + salt * 11) % 101) as f32 - 50.5) / 101.0)
            .collect();
        (RowTable::from_dense(rows, cols, &v), v)
    }

    struct RowByRow<'a> {
        x: &'a [f32],
        rows: &'a RowTable,
    }

    impl WithSimd for RowByRow<'_> {
        type Output = Vec<f32>;
        #[inline(always)]
        fn with_simd<S: Simd>(self, s: S) -> Vec<f32> {
            (0..self.rows.rows())
                .map(|i| s.dot(self.x, &self.rows.row(i)[..self.x.len()]))
                .collect()
        }
    }

    #[test]
    fn every_level_sums_each_row_as_simd_dot_does_and_near_the_plain_sum() {
        for (n_rows, cols) in [(0, 8), (1, 64), (3, 16), (4, 64), (9, 64), (13, 20), (7, 3)] {
            let (rows, _) = table(n_rows, cols, 1);
            let (xt, _) = table(1, cols, 2);
            for len in [cols, rows.stride()] {
                let x = &xt.row(0)[..len];
                let mut want = vec![0.0; n_rows];
                dot_rows_reference(x, &rows, &mut want);
                let mut per_level = Vec::new();
                let skipped = each_level(|level| {
                    let mut got = vec![f32::NAN; n_rows];
                    dot_rows_at(level, x, &rows, &mut got);
                    let one_by_one = level.dispatch(RowByRow { x, rows: &rows });
                    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&got), bits(&one_by_one), "{level:?} {n_rows}×{cols}");
                    for (g, w) in got.iter().zip(&want) {
                        assert!(
                            (g - w).abs() < 1e-5,
                            "{level:?} {n_rows}×{cols}: {g} vs {w}"
                        );
                    }
                    per_level.push((level, got));
                });
                assert_eq!(per_level.len() + skipped.len(), 3);
                // V3 and V4 fuse the same operations in the same order: the same bits.
                let fused: Vec<_> = per_level
                    .iter()
                    .filter(|(l, _)| *l != Level::Scalar)
                    .collect();
                for pair in fused.windows(2) {
                    assert_eq!(pair[0].1, pair[1].1, "{n_rows}×{cols}");
                }
            }
        }
    }

    #[test]
    fn dot_best_is_an_entry_of_dot_rows() {
        let (rows, _) = table(11, 64, 3);
        let (xt, _) = table(1, 64, 4);
        let mut out = vec![0.0; 11];
        dot_rows(xt.row(0), &rows, &mut out);
        for (i, o) in out.iter().enumerate() {
            assert_eq!(
                o.to_bits(),
                dot_best(xt.row(0), rows.row(i)).to_bits(),
                "row {i}"
            );
        }
    }

    #[test]
    fn a_short_output_scores_only_its_rows_and_a_long_one_stops_at_the_table() {
        let (rows, _) = table(6, 16, 5);
        let (xt, _) = table(1, 16, 6);
        let mut all = vec![0.0; 6];
        dot_rows(xt.row(0), &rows, &mut all);
        let mut short = vec![0.0; 5];
        dot_rows(xt.row(0), &rows, &mut short);
        assert_eq!(short, all[..5]);
        let mut long = vec![-1.0; 8];
        dot_rows(xt.row(0), &rows, &mut long);
        assert_eq!(long[..6], all[..]);
        assert_eq!(long[6..], [-1.0, -1.0]);
    }
}
