//! The CG row solve on a gathered copy: the row's other-side rows are copied once, in
//! rating order, into one contiguous block, and every pass of the solve (the residual,
//! then one per CG step) reads the block instead of `n` scattered rows of the other
//! side's table. On large data the scattered reads dominate (the item half-step of a
//! Netflix-sized set reads rows from a 123 MB user table, four times per item); the block
//! is read sequentially and, for most rows, from the cache.
//!
//! Each pass over the block ([`pass`]) keeps the vector it multiplies (`x` or `p`) and the
//! vector it accumulates into (`r` or `A·p`) in registers for the whole row — rows up to
//! 64 floats with AVX-512, up to 32 below it — where the reference's per-rating `dot_axpy`
//! stores the accumulator and loads it back for the next rating (a store-to-load round trip
//! on the loop's critical path).
//!
//! The arithmetic is [`kernel::cg_row_of`]'s, operation for operation, in the same order
//! (each level's dot product: [`dot_chunks`]): the result is bit-identical to the reference
//! [`kernel::cg_row`] at every level (tested below).

use super::kernel::{self, CgVecs, Loss, Scratch, System, ridge, symv};
use crate::engine::RowTable;
use crate::engine::simd::{Isa, Simd, prefetch};

/// How many ratings ahead the gather prefetches.
const AHEAD: usize = 8;

/// [`kernel::cg_row`] on a gathered copy of the row's other-side rows: the same bits.
#[inline(always)]
pub(crate) fn cg_row_gathered<S: Simd>(
    simd: S,
    sys: &System<'_>,
    items: &[u32],
    values: &[f32],
    x: &mut [f32],
    steps: usize,
    scratch: &mut Scratch,
) -> f64 {
    let others = sys.others;
    let s = x.len();
    debug_assert_eq!(s, others.stride());
    let (rows, vecs) = scratch.cg_parts();
    let y = rows.rows_mut(items.len());
    gather(others, items, s, y);
    let y: &[f32] = y;
    // Below V4 a register pass over rows of 48 or 64 floats needs 18 or 24 of AVX2's 16
    // vector registers (the accumulator, the multiplied vector, the rating's row) and
    // spills: there the reference's per-rating `dot_axpy` is faster (ML-1M iALS on an AVX2
    // machine: k 64 0.054 against 0.19 s/iteration, k 48 0.049 against 0.16; at k 32 the
    // register pass runs 0.025). The same bits either way.
    let register_blocks = if S::ISA == Isa::V4 { 4 } else { 2 };
    match s / 16 {
        1 => cg_block::<S, 1>(simd, sys, y, values, x, steps, vecs),
        2 => cg_block::<S, 2>(simd, sys, y, values, x, steps, vecs),
        3 if register_blocks >= 3 => cg_block::<S, 3>(simd, sys, y, values, x, steps, vecs),
        4 if register_blocks >= 4 => cg_block::<S, 4>(simd, sys, y, values, x, steps, vecs),
        _ => {
            let row = |t: usize| &y[t * s..(t + 1) * s];
            kernel::cg_row_of(simd, sys, &row, values, x, steps, vecs)
        }
    }
}

/// `Σ_c y_c·v_c` over `N` blocks of 16 in the order of the level's `dot_axpy` (the
/// reference's): at V4 on 64 floats [`crate::engine::simd::dot_axpy_64`]'s two chains,
/// otherwise [`Simd::dot`]'s one chain of 16 partial sums; then the fixed tree.
#[inline(always)]
fn dot_chunks<S: Simd, const N: usize>(s: S, y: &[S::F32x16; N], v: &[S::F32x16; N]) -> f32 {
    if S::ISA == Isa::V4 && N == 4 {
        let a0 = s.mul(y[0], v[0]);
        let a1 = s.mul(y[1], v[1]);
        let a0 = s.mul_add(y[2], v[2], a0);
        let a1 = s.mul_add(y[3], v[3], a1);
        s.reduce_sum(s.add(a0, a1))
    } else {
        let mut acc = s.splat(0.0);
        for c in 0..N {
            acc = s.mul_add(y[c], v[c], acc);
        }
        s.reduce_sum(acc)
    }
}

/// Loads `N` blocks of 16 floats.
#[inline(always)]
fn load<S: Simd, const N: usize>(s: S, v: &[f32]) -> [S::F32x16; N] {
    let (c, _) = v.as_chunks::<16>();
    std::array::from_fn(|i| s.load(&c[i]))
}

/// Stores `N` blocks of 16 floats.
#[inline(always)]
fn store<S: Simd, const N: usize>(s: S, out: &mut [f32], v: [S::F32x16; N]) {
    let (c, _) = out.as_chunks_mut::<16>();
    for (o, v) in c.iter_mut().zip(v) {
        s.store(o, v);
    }
}

/// One pass over the block: for every rating `t` with `coef(t, y_t·v)` = `Some(c)`,
/// `out ← out + c·y_t` (the reference's `dot_axpy`), with `v` and `out` in registers.
/// `take(t)` false skips the rating before its dot product.
#[inline(always)]
fn pass<S: Simd, const N: usize>(
    s: S,
    block: &[f32],
    v: &[f32],
    out: &mut [f32],
    take: impl Fn(usize) -> bool,
    mut coef: impl FnMut(usize, f32) -> f32,
) {
    let vv = load::<S, N>(s, v);
    let mut acc = load::<S, N>(s, out);
    for (t, y) in block.chunks_exact(16 * N).enumerate() {
        if !take(t) {
            continue;
        }
        let yv = load::<S, N>(s, y);
        let c = s.splat(coef(t, dot_chunks(s, &yv, &vv)));
        for i in 0..N {
            acc[i] = s.mul_add(c, yv[i], acc[i]);
        }
    }
    store(s, out, acc);
}

/// [`kernel::cg_row_of`] on the gathered `block` (rows of `16·N` floats), each loop over
/// the ratings a register [`pass`]; every other operation is the reference's own.
#[inline(always)]
fn cg_block<S: Simd, const N: usize>(
    simd: S,
    sys: &System<'_>,
    block: &[f32],
    values: &[f32],
    x: &mut [f32],
    steps: usize,
    vecs: &mut CgVecs,
) -> f64 {
    let CgVecs { r, p, ap } = vecs;
    let mut f;
    let (lam, fixed) = match sys.loss {
        Loss::Implicit { alpha } => {
            symv(simd, sys.gram, x, r);
            f = f64::from(simd.dot(x, r));
            r.iter_mut().for_each(|v| *v = -*v);
            // The rows of zero weight summed into `ap`, the others into `r`: two
            // accumulators in registers.
            let xv = load::<S, N>(simd, x);
            let mut rv = load::<S, N>(simd, r);
            let mut unit_sum = [simd.splat(0.0); N];
            let one = simd.splat(1.0);
            let mut unit = 0u32;
            for (y, &v) in block.chunks_exact(16 * N).zip(values) {
                let yv = load::<S, N>(simd, y);
                let w = alpha * v;
                if w == 0.0 {
                    for i in 0..N {
                        unit_sum[i] = simd.mul_add(one, yv[i], unit_sum[i]);
                    }
                    unit += 1;
                    continue;
                }
                let c = 1.0 + w;
                let d = dot_chunks(simd, &yv, &xv);
                let cv = simd.splat(c - w * d);
                for i in 0..N {
                    rv[i] = simd.mul_add(cv, yv[i], rv[i]);
                }
                f += f64::from(w * d * d - 2.0 * c * d + c);
            }
            store(simd, r, rv);
            store(simd, ap, unit_sum);
            if unit > 0 {
                f += f64::from(unit) - 2.0 * f64::from(simd.dot(x, ap));
                simd.axpy(1.0, ap, r);
            }
            (0.0, None)
        }
        Loss::Explicit {
            mu,
            reg,
            weighted,
            fixed,
        } => {
            r.iter_mut().for_each(|v| *v = 0.0);
            f = 0.0;
            pass::<S, N>(
                simd,
                block,
                x,
                r,
                |_| true,
                |t, d| {
                    let e = values[t] - mu - d;
                    f += f64::from(e * e);
                    e
                },
            );
            let lam = ridge(reg, weighted, values.len());
            simd.axpy(-lam, x, r);
            let fixed_sq = fixed.map_or(0.0, |c| x[c] * x[c]);
            f += f64::from(lam) * f64::from(simd.dot(x, x) - fixed_sq);
            if let Some(c) = fixed {
                r[c] = 0.0;
            }
            (lam, fixed)
        }
    };
    p.copy_from_slice(r);
    let mut rs_old = simd.dot(r, r);
    for _ in 0..steps {
        if rs_old < 1e-20 {
            break;
        }
        match sys.loss {
            Loss::Implicit { alpha } => {
                symv(simd, sys.gram, p, ap);
                let take = |t: usize| alpha * values[t] != 0.0;
                pass::<S, N>(simd, block, p, ap, take, |t, d| alpha * values[t] * d);
            }
            Loss::Explicit { .. } => {
                ap.iter_mut().zip(p.iter()).for_each(|(a, &q)| *a = lam * q);
                pass::<S, N>(simd, block, p, ap, |_| true, |_, d| d);
                if let Some(c) = fixed {
                    ap[c] = 0.0;
                }
            }
        }
        let pap = simd.dot(p, ap);
        if pap <= 0.0 {
            break;
        }
        let step = rs_old / pap;
        simd.axpy(step, p, x);
        simd.axpy(-step, ap, r);
        f -= f64::from(step) * f64::from(rs_old);
        let rs_new = simd.dot(r, r);
        let beta = rs_new / rs_old;
        for (pk, &rk) in p.iter_mut().zip(r.iter()) {
            *pk = rk + beta * *pk;
        }
        rs_old = rs_new;
    }
    f
}

/// Copies `others.row(items[t])` to `y[t·s..]` for every `t`, prefetching [`AHEAD`] rows
/// ahead.
#[inline(always)]
pub(crate) fn gather(others: &RowTable, items: &[u32], s: usize, y: &mut [f32]) {
    for t in 0..items.len() {
        gather_one(others, items, s, y, t);
    }
}

/// Step `t` of [`gather`]: prefetches row `items[t + AHEAD]`, copies `others.row(items[t])`
/// to `y[t·s..(t + 1)·s]` and returns the source row (callers that also use the row as they
/// gather, like the exact solve's right-hand side).
#[inline(always)]
pub(crate) fn gather_one<'a>(
    others: &'a RowTable,
    items: &[u32],
    s: usize,
    y: &mut [f32],
    t: usize,
) -> &'a [f32] {
    if let Some(&ahead) = items.get(t + AHEAD) {
        for line in others.row(ahead as usize).chunks(16) {
            prefetch(line.as_ptr());
        }
    }
    let src = others.row(items[t] as usize);
    y[t * s..(t + 1) * s].copy_from_slice(src);
    src
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::simd::{Isa, WithSimd, each_level};

    struct Both<'a> {
        sys: &'a System<'a>,
        items: &'a [u32],
        values: &'a [f32],
        start: &'a [f32],
    }

    /// The solve by `cg_row_gathered`, by the reference, and, on rows of 64 floats, by the
    /// register pass of 4 blocks called directly (`cg_row_gathered` takes it at V4 only).
    type Solves = ((Vec<f32>, f64), (Vec<f32>, f64), Option<(Vec<f32>, f64)>);

    impl WithSimd for Both<'_> {
        type Output = Solves;
        fn with_simd<S: Simd>(self, simd: S) -> Self::Output {
            let mut scratch = Scratch::new(self.start.len());
            let mut fast = self.start.to_vec();
            let f_fast = cg_row_gathered(
                simd,
                self.sys,
                self.items,
                self.values,
                &mut fast,
                3,
                &mut scratch,
            );
            let mut reference = self.start.to_vec();
            let f_ref = kernel::cg_row(
                simd,
                self.sys,
                self.items,
                self.values,
                &mut reference,
                3,
                &mut scratch,
            );
            let s = self.start.len();
            let forced = (s == 64).then(|| {
                let mut x = self.start.to_vec();
                let (rows, vecs) = scratch.cg_parts();
                let y = rows.rows_mut(self.items.len());
                gather(self.sys.others, self.items, s, y);
                let f = cg_block::<S, 4>(simd, self.sys, y, self.values, &mut x, 3, vecs);
                (x, f)
            });
            ((fast, f_fast), (reference, f_ref), forced)
        }
    }

    #[test]
    fn the_gathered_cg_solve_gives_the_reference_bits_at_every_level() {
        // Rows of 1, 2, 3 and 4 blocks of 16 (the register passes; 64 is V4's two-chain
        // dot) and of 5 (the general path).
        for d in [10usize, 40, 48, 64, 70] {
            let n_others = 300usize;
            let vals: Vec<f32> = (0..n_others * d)
                .map(|i| (i as f32 * 0.37).sin() * 0.3)
                .collect();
            let others = RowTable::from_dense(n_others, d, &vals);
            let gram = kernel::gram(&others, 0.1);
            let empty = Vec::new();
            // Rows in a scattered order, repeated rows, some of zero weight (the implicit
            // solve's unit-confidence shortcut); an explicit loss with a fixed column.
            let items: Vec<u32> = (0..120u32)
                .map(|t| (t * 97 + 11) % n_others as u32)
                .collect();
            let values: Vec<f32> = (0..120).map(|t| (t % 4) as f32).collect();
            let mut start = vec![0.0; others.stride()];
            for (c, v) in start.iter_mut().take(d).enumerate() {
                *v = (c as f32 * 0.9).cos() * 0.1;
            }
            let losses = [
                (Loss::Implicit { alpha: 1.5 }, &gram),
                (
                    Loss::Explicit {
                        mu: 1.5,
                        reg: 0.05,
                        weighted: true,
                        fixed: Some(d - 1),
                    },
                    &empty,
                ),
            ];
            for (loss, g) in losses {
                let sys = System {
                    others: &others,
                    gram: g,
                    loss,
                };
                let skipped = each_level(|level| {
                    let ((fast, f_fast), (reference, f_ref), forced) = level.dispatch(Both {
                        sys: &sys,
                        items: &items,
                        values: &values,
                        start: &start,
                    });
                    assert_eq!(fast, reference, "d {d} {loss:?} {level:?}");
                    assert_eq!(
                        f_fast.to_bits(),
                        f_ref.to_bits(),
                        "d {d} {loss:?} {level:?}"
                    );
                    assert_eq!(forced.is_some(), d == 64);
                    if let Some((x, f)) = forced {
                        assert_eq!(x, reference, "register pass, d {d} {loss:?} {level:?}");
                        assert_eq!(
                            f.to_bits(),
                            f_ref.to_bits(),
                            "register pass, d {d} {loss:?} {level:?}"
                        );
                    }
                    assert_ne!(fast, start, "the solve moved the row");
                });
                assert!(!skipped.contains(&Isa::Scalar));
            }
        }
    }
}
