//! The per-row least-squares kernels of ALS: conjugate gradient (the fast path), Cholesky
//! (exact, the reference and the fold-in solver) and the direct objective (the oracle).
//!
//! # The row problem
//!
//! With the other side's factors fixed (rows `y_i` of a padded [`RowTable`]), each row `x`
//! minimises a quadratic `F(x) = xᵀA x − 2bᵀx + const`:
//!
//! * **implicit** (Hu, Koren & Volinsky 2008): `F = Σ_all c_i (p_i − x·y_i)² + λ‖x‖²` with
//!   `p_i = 1, c_i = 1 + α r_i` on observed items and `p_i = 0, c_i = 1` elsewhere, so
//!   `A = G + Σ_obs (c_i − 1) y_i y_iᵀ` with `G = YᵀY + λI` computed once per half-step
//!   ([`gram`]), and `b = Σ_obs c_i y_i`. A CG step costs `O(k² + n_u·k)`.
//! * **explicit** (Zhou et al. 2008): `F = Σ_obs (r_i − μ − x·y_i)² + λ_u‖x_free‖²` with
//!   `λ_u = λ·n_u` (weighted-λ) or `λ`. With biases the rows carry a *fixed* column that
//!   holds the constant 1 (see [`super::model`]): the user row is `[x, b_u, 1]`, the item
//!   row `[y, 1, b_i]`, so `x·y` over the whole padded row is `x·y + b_u + b_i`; the solve
//!   moves every column but the fixed one, whose residual and search direction are kept 0.
//!
//! # Conjugate gradient
//!
//! `steps` CG steps from the row's current value (Takács et al. 2011; `implicit`'s
//! `_als.pyx` does the same with BLAS calls per entry). The objective is tracked for free:
//! `F(x₀)` comes from the per-entry dot products the initial residual needs anyway, and each
//! CG step lowers `F` by exactly `α·rᵀr`.
//!
//! # Fast paths
//!
//! [`solve_rows`] runs the fast kernels, which first copy the row's other-side rows into one
//! contiguous block: [`super::gathered`] (CG, register-resident passes, the same bits as
//! [`cg_row`]) and [`super::exact`] (Cholesky: the matrix by the blocked Gram kernel of
//! [`super::row_gram`], then [`crate::engine::linalg::cholesky_upper`]; agrees with
//! [`cholesky_row_at`] to rounding). The functions here are the readable references.
//!
//! All loops run over whole padded rows in 16-float blocks (padding is zero), through the
//! [`simd`](crate::engine::simd) primitives (`dot`, `axpy`, the fused `dot_axpy`);
//! [`solve_rows`] and [`gram`] run at the best level of the CPU: the AVX-512 primitives at
//! V4, the AVX2 + FMA ones at V3, portable code otherwise.

use rayon::prelude::*;

use super::exact::exact_row;
use super::gathered::cg_row_gathered;
use crate::engine::RowTable;
use crate::engine::linalg::cholesky_solve;
use crate::engine::simd::{Level, Scalar, Simd, WithSimd};

/// The compressed rows one side solves against: row `r` holds
/// `idx[ptr[r]..ptr[r+1]]` (indices into the other side) with values `val[..]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Csr<'a> {
    /// Row offsets, `rows + 1` entries.
    pub ptr: &'a [usize],
    /// Column indices (rows of the other side's table).
    pub idx: &'a [u32],
    /// Values (ratings, counts or 1).
    pub val: &'a [f32],
}

/// The loss of one half-step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Loss {
    /// Implicit feedback, confidence `1 + alpha·r`; the system's `gram` holds `YᵀY + λI`.
    Implicit {
        /// α.
        alpha: f32,
    },
    /// Explicit ratings.
    Explicit {
        /// Global mean subtracted from every rating.
        mu: f32,
        /// λ.
        reg: f32,
        /// λ·n_u instead of λ.
        weighted: bool,
        /// The column of this side's rows that holds the constant 1 (with biases).
        fixed: Option<usize>,
    },
}

/// One half-step's fixed data: the other side's factors and, for implicit, `YᵀY + λI`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct System<'a> {
    /// The other side's rows `y_i`.
    pub others: &'a RowTable,
    /// Implicit: `stride × stride` row-major `YᵀY + λI` (zero in the padding); else empty.
    pub gram: &'a [f32],
    /// The loss.
    pub loss: Loss,
}

/// How each row is solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// Conjugate gradient with this many steps.
    Cg(usize),
    /// Exact Cholesky solve.
    Cholesky,
}

/// Scratch memory of one worker: nothing is allocated per row (the gathered block grows to
/// the largest row a worker meets, then stays).
pub(crate) struct Scratch {
    cg: CgVecs,
    a: Vec<f64>,
    b: Vec<f64>,
    /// The fast kernels' copy of a row's other-side rows ([`exact`](super::exact),
    /// [`gathered`](super::gathered)).
    pub(super) rows: Gathered,
    /// The exact solve's weighted copy (implicit: `w_t y_t`).
    pub(super) weighted: Gathered,
    /// The exact solve's `s × s` f32 Gram block and its f32 right-hand side.
    pub(super) c: Vec<f32>,
    pub(super) bf: Vec<f32>,
}

/// The three vectors of a CG solve.
pub(super) struct CgVecs {
    /// The residual.
    pub r: Vec<f32>,
    /// The search direction.
    pub p: Vec<f32>,
    /// `A·p` (and, before the loop, the sum of the unit-weight rows).
    pub ap: Vec<f32>,
}

impl Scratch {
    /// Scratch for rows of `stride` floats.
    pub fn new(stride: usize) -> Self {
        Scratch {
            cg: CgVecs {
                r: vec![0.0; stride],
                p: vec![0.0; stride],
                ap: vec![0.0; stride],
            },
            a: vec![0.0; stride * stride],
            b: vec![0.0; stride],
            rows: Gathered::new(stride),
            weighted: Gathered::new(stride),
            c: vec![0.0; stride * stride],
            bf: vec![0.0; stride],
        }
    }

    /// The parts the exact solve uses, borrowed apart.
    pub(super) fn exact_parts(&mut self) -> ExactParts<'_> {
        ExactParts {
            a: &mut self.a,
            b: &mut self.b,
            rows: &mut self.rows,
            weighted: &mut self.weighted,
            c: &mut self.c,
            bf: &mut self.bf,
            gx: &mut self.cg.r,
        }
    }

    /// The gathered block and the CG vectors, borrowed apart.
    pub(super) fn cg_parts(&mut self) -> (&mut Gathered, &mut CgVecs) {
        (&mut self.rows, &mut self.cg)
    }
}

/// [`Scratch`]'s parts for [`super::exact`].
pub(super) struct ExactParts<'a> {
    pub a: &'a mut Vec<f64>,
    pub b: &'a mut Vec<f64>,
    pub rows: &'a mut Gathered,
    pub weighted: &'a mut Gathered,
    pub c: &'a mut Vec<f32>,
    pub bf: &'a mut Vec<f32>,
    /// A vector of `stride` floats for the objective.
    pub gx: &'a mut Vec<f32>,
}

/// A growable block of rows of `stride` floats, 64-byte aligned (a [`RowTable`]), into
/// which a row's other-side rows are copied.
pub(crate) struct Gathered {
    table: RowTable,
}

impl Gathered {
    fn new(stride: usize) -> Self {
        Gathered {
            table: RowTable::zeros(0, stride),
        }
    }

    /// The first `n` rows, as one slice of `n × stride` floats (contents unspecified);
    /// grows (doubling) when `n` exceeds the capacity.
    pub(super) fn rows_mut(&mut self, n: usize) -> &mut [f32] {
        if self.table.rows() < n {
            let grown = n.max(2 * self.table.rows());
            self.table = RowTable::zeros(grown, self.table.cols());
        }
        let s = self.table.stride();
        &mut self.table.as_mut_slice()[..n * s]
    }
}

/// `out = G·v` for the symmetric `stride × stride` matrix `g` (rows of `v.len()`).
#[inline(always)]
pub(super) fn symv<S: Simd>(s: S, g: &[f32], v: &[f32], out: &mut [f32]) {
    let n = v.len();
    out.iter_mut().for_each(|o| *o = 0.0);
    for (a, &va) in v.iter().enumerate() {
        if va != 0.0 {
            s.axpy(va, &g[a * n..(a + 1) * n], out);
        }
    }
}

/// `λ_u` of an explicit row with `n` ratings.
#[inline(always)]
pub(super) fn ridge(reg: f32, weighted: bool, n: usize) -> f32 {
    if weighted { reg * n as f32 } else { reg }
}

/// The objective `F(x)` of one row, computed directly (the oracle of the tracked value).
#[inline(always)]
pub(crate) fn objective<S: Simd>(
    simd: S,
    sys: &System<'_>,
    items: &[u32],
    values: &[f32],
    x: &[f32],
) -> f64 {
    let mut gx = vec![0.0; x.len()];
    objective_of(
        simd,
        sys,
        &|t| sys.others.row(items[t] as usize),
        values,
        x,
        &mut gx,
    )
}

/// [`objective`] with the row's other-side rows given by `row(t)` (`t`-th rating) and a
/// vector of `x.len()` floats to work in.
#[inline(always)]
pub(crate) fn objective_of<'r, S: Simd>(
    simd: S,
    sys: &System<'_>,
    row: &impl Fn(usize) -> &'r [f32],
    values: &[f32],
    x: &[f32],
    gx: &mut [f32],
) -> f64 {
    match sys.loss {
        Loss::Implicit { alpha } => {
            symv(simd, sys.gram, x, gx);
            let mut f = f64::from(simd.dot(x, gx));
            for (t, &v) in values.iter().enumerate() {
                let d = f64::from(simd.dot(row(t), x));
                let w = f64::from(alpha * v);
                let c = 1.0 + w;
                f += w * d * d - 2.0 * c * d + c;
            }
            f
        }
        Loss::Explicit {
            mu,
            reg,
            weighted,
            fixed,
        } => {
            let mut f = 0.0f64;
            for (t, &v) in values.iter().enumerate() {
                let e = f64::from(v - mu - simd.dot(row(t), x));
                f += e * e;
            }
            let fixed_sq = fixed.map_or(0.0, |c| x[c] * x[c]);
            let lam = ridge(reg, weighted, values.len());
            f + f64::from(lam) * f64::from(simd.dot(x, x) - fixed_sq)
        }
    }
}

/// `steps` CG steps on one row from its current value; returns the objective after them.
/// The readable reference: the other side's rows are read in place (the fast path,
/// [`super::gathered`], copies them first; the tests compare it with this).
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "the reference of the fast path's tests")
)]
#[inline(always)]
pub(crate) fn cg_row<S: Simd>(
    simd: S,
    sys: &System<'_>,
    items: &[u32],
    values: &[f32],
    x: &mut [f32],
    steps: usize,
    scratch: &mut Scratch,
) -> f64 {
    let others = sys.others;
    let row = |t: usize| others.row(items[t] as usize);
    cg_row_of(simd, sys, &row, values, x, steps, &mut scratch.cg)
}

/// [`cg_row`] with the row's other-side rows given by `row(t)` (`t`-th rating).
#[inline(always)]
pub(crate) fn cg_row_of<'r, S: Simd>(
    simd: S,
    sys: &System<'_>,
    row: &impl Fn(usize) -> &'r [f32],
    values: &[f32],
    x: &mut [f32],
    steps: usize,
    vecs: &mut CgVecs,
) -> f64 {
    let CgVecs { r, p, ap } = vecs;
    // Residual r = b − A x and the objective F(x) from the same dot products.
    let mut f;
    let (lam, fixed) = match sys.loss {
        Loss::Implicit { alpha } => {
            symv(simd, sys.gram, x, r);
            f = f64::from(simd.dot(x, r));
            r.iter_mut().for_each(|v| *v = -*v);
            // Rows of zero weight (confidence 1) add y_i to b and nothing to A: they are
            // summed into `ap` (free until the CG loop), and their terms of F, 1 − 2·y_i·x,
            // come from one dot with that sum.
            ap.iter_mut().for_each(|v| *v = 0.0);
            let mut unit = 0u32;
            for (t, &v) in values.iter().enumerate() {
                let w = alpha * v;
                if w == 0.0 {
                    simd.axpy(1.0, row(t), ap);
                    unit += 1;
                    continue;
                }
                let c = 1.0 + w;
                let d = simd.dot_axpy(row(t), x, r, |d| c - w * d);
                f += f64::from(w * d * d - 2.0 * c * d + c);
            }
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
            for (t, &v) in values.iter().enumerate() {
                let d = simd.dot_axpy(row(t), x, r, |d| v - mu - d);
                let e = v - mu - d;
                f += f64::from(e * e);
            }
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
        // Ap without forming A.
        match sys.loss {
            Loss::Implicit { alpha } => {
                symv(simd, sys.gram, p, ap);
                for (t, &v) in values.iter().enumerate() {
                    // A zero weight (confidence 1) adds nothing to A: skip its row. Binary
                    // data with α·r = 1 (implicit's `alpha = 1`) make every weight zero.
                    let w = alpha * v;
                    if w != 0.0 {
                        simd.dot_axpy(row(t), p, ap, |d| w * d);
                    }
                }
            }
            Loss::Explicit { .. } => {
                ap.iter_mut().zip(p.iter()).for_each(|(a, &q)| *a = lam * q);
                for t in 0..values.len() {
                    simd.dot_axpy(row(t), p, ap, |d| d);
                }
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

/// [`cholesky_row_at`] at the portable level, for the fold-in (`als::model`).
///
/// `W` must be `false` (a compile-time check): the const parameter is kept only so that the
/// fold-in's call site (`cholesky_row::<false>(..)`, in a file another change owns) compiles
/// unchanged; once both are merged, that call becomes `cholesky_row_at(Scalar, ..)` and this
/// wrapper goes.
#[inline]
pub(crate) fn cholesky_row<const W: bool>(
    sys: &System<'_>,
    items: &[u32],
    values: &[f32],
    x: &mut [f32],
    scratch: &mut Scratch,
) -> f64 {
    const { assert!(!W, "the fold-in's exact solve is portable") };
    cholesky_row_at(Scalar, sys, items, values, x, scratch)
}

/// Solves one row exactly (Cholesky in f64); returns the objective at the solution
/// (computed with `simd`'s primitives). A singular system (possible only with λ = 0) leaves
/// the row unchanged.
#[inline(always)]
pub(crate) fn cholesky_row_at<S: Simd>(
    simd: S,
    sys: &System<'_>,
    items: &[u32],
    values: &[f32],
    x: &mut [f32],
    scratch: &mut Scratch,
) -> f64 {
    let d = sys.others.cols();
    let s = x.len();
    let Scratch { a, b, .. } = scratch;
    let a = &mut a[..d * d];
    let b = &mut b[..d];
    a.iter_mut().for_each(|v| *v = 0.0);
    b.iter_mut().for_each(|v| *v = 0.0);
    // Lower triangle of A and b.
    let mut rank1 = |w: f64, t: f64, y: &[f32]| {
        for r in 0..d {
            let yr = w * f64::from(y[r]);
            let row = &mut a[r * d..r * d + r + 1];
            for (c, v) in row.iter_mut().enumerate() {
                *v += yr * f64::from(y[c]);
            }
            b[r] += t * f64::from(y[r]);
        }
    };
    match sys.loss {
        Loss::Implicit { alpha } => {
            for (&i, &v) in items.iter().zip(values) {
                let w = f64::from(alpha * v);
                rank1(w, 1.0 + w, sys.others.row(i as usize));
            }
            for r in 0..d {
                for c in 0..=r {
                    a[r * d + c] += f64::from(sys.gram[r * s + c]);
                }
            }
        }
        Loss::Explicit {
            mu,
            reg,
            weighted,
            fixed,
        } => {
            for (&i, &v) in items.iter().zip(values) {
                rank1(1.0, f64::from(v - mu), sys.others.row(i as usize));
            }
            let lam = f64::from(ridge(reg, weighted, items.len()));
            for r in 0..d {
                a[r * d + r] += lam;
            }
            if let Some(fc) = fixed {
                // Move the fixed column (value 1) to the right-hand side, pin x[fc] = 1.
                for r in 0..d {
                    let afr = if r >= fc {
                        a[r * d + fc]
                    } else {
                        a[fc * d + r]
                    };
                    if r != fc {
                        b[r] -= afr;
                    }
                }
                for r in 0..d {
                    if r >= fc {
                        a[r * d + fc] = 0.0;
                    } else {
                        a[fc * d + r] = 0.0;
                    }
                }
                a[fc * d + fc] = 1.0;
                b[fc] = 1.0;
            }
        }
    }
    if solve_spd(a, b, d) {
        for (xk, &bk) in x.iter_mut().zip(b.iter()) {
            *xk = bk as f32;
        }
    }
    objective(simd, sys, items, values, x)
}

/// Sizes from which [`solve_spd`] hands the factorisation to faer. Measured with
/// `cargo run --release -p rustrec-models --example als_cholesky_bench` (µs per
/// factor + solve, hand-written vs faer's `llt` + `solve`): k = 16: 4.7 vs 11.9; k = 64:
/// 225 vs 64; k = 128: 2064 vs 93 — faer's blocked kernels win from about k = 32 despite
/// its per-call allocation. (Since the hand-written solver moved to
/// [`crate::engine::linalg`], with interleaved dot products and a column-oriented back
/// substitution: k = 16: 0.74 vs 1.02; k = 64: 16 vs 9; k = 128: 100 vs 89 — the crossover
/// is now nearer k = 48; the threshold is left at 32.)
const FAER_FROM: usize = 32;

/// Solves `A z = b` in place (`b` becomes `z`) for the symmetric positive definite `d × d`
/// matrix whose lower triangle `a` holds (row-major); false when `A` is not positive
/// definite. Small systems use [`cholesky_solve`], larger ones faer's Cholesky (LLᵀ).
pub(crate) fn solve_spd(a: &mut [f64], b: &mut [f64], d: usize) -> bool {
    if d < FAER_FROM {
        return cholesky_solve(a, b, d);
    }
    use faer::linalg::solvers::SolveCore;
    // Row-major lower triangle = column-major upper triangle of the same symmetric matrix.
    let view = faer::MatRef::from_column_major_slice(&a[..d * d], d, d);
    let Ok(llt) = view.llt(faer::Side::Upper) else {
        return false;
    };
    let rhs = faer::MatMut::from_column_major_slice_mut(&mut b[..d], d, 1);
    llt.solve_in_place_with_conj(faer::Conj::No, rhs);
    b.iter().all(|v| v.is_finite())
}

/// `YᵀY + λI` of `table` as a `stride × stride` row-major matrix (λ on the logical
/// diagonal only), summed over fixed blocks of rows in a fixed order (reproducible for
/// any thread count).
pub(crate) fn gram(table: &RowTable, reg: f32) -> Vec<f32> {
    const BLOCK: usize = 512;
    let s = table.stride();
    let rows = table.rows();
    let level = Level::detect();
    let partials: Vec<Vec<f32>> = (0..rows.div_ceil(BLOCK))
        .into_par_iter()
        .map(|blk| {
            let mut g = vec![0.0f32; s * s];
            let rows = blk * BLOCK..((blk + 1) * BLOCK).min(rows);
            level.dispatch(GramBlock {
                table,
                rows,
                g: &mut g,
            });
            g
        })
        .collect();
    let mut g = vec![0.0f32; s * s];
    for part in &partials {
        g.iter_mut().zip(part).for_each(|(a, b)| *a += b);
    }
    for c in 0..table.cols() {
        g[c * s + c] += reg;
    }
    g
}

/// `g += Σ_r y_r y_rᵀ` over the rows `rows` of `table` (rows of `stride` floats).
struct GramBlock<'a> {
    table: &'a RowTable,
    rows: std::ops::Range<usize>,
    g: &'a mut [f32],
}

impl WithSimd for GramBlock<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let GramBlock { table, rows, g } = self;
        let s = table.stride();
        let k = table.cols();
        for r in rows {
            let y = table.row(r);
            for a in 0..k {
                if y[a] != 0.0 {
                    simd.axpy(y[a], y, &mut g[a * s..(a + 1) * s]);
                }
            }
        }
    }
}

/// Solves the rows of `table` (the side being updated) against `sys`, in parallel over
/// blocks of rows; row `r` uses `data`'s row `r`. Rows without data, and rows whose
/// `only` flag is false, are left as they are. Returns the summed objective of the rows
/// solved and their number.
pub(crate) fn solve_rows(
    sys: &System<'_>,
    data: Csr<'_>,
    table: &mut RowTable,
    method: Method,
    only: Option<&[bool]>,
) -> (f64, u64) {
    solve_rows_at(Level::detect(), sys, data, table, method, only)
}

/// [`solve_rows`] at a chosen instruction-set level (one of [`Level::available`]).
pub(crate) fn solve_rows_at(
    level: Level,
    sys: &System<'_>,
    data: Csr<'_>,
    table: &mut RowTable,
    method: Method,
    only: Option<&[bool]>,
) -> (f64, u64) {
    const BLOCK: usize = 64;
    let s = table.stride();
    if s == 0 || table.rows() == 0 {
        return (0.0, 0);
    }
    // One scratch per rayon task (reused across its blocks): the sums below are in block
    // order whatever the split.
    let parts: Vec<(f64, u64)> = table
        .as_mut_slice()
        .par_chunks_mut(BLOCK * s)
        .enumerate()
        .map_init(
            || Scratch::new(s),
            |scratch, (blk, rows)| {
                let block = SolveBlock(sys, data, rows, blk * BLOCK, method, only, scratch);
                level.dispatch(block)
            },
        )
        .collect();
    parts
        .into_iter()
        .fold((0.0, 0), |(f, n), (pf, pn)| (f + pf, n + pn))
}

/// Solves the rows of a block against a system: `(sys, data, rows, first, method, only,
/// scratch)`, `rows` being table rows `first..` (as in [`solve_rows`]); returns the summed
/// objective and the number of rows solved.
struct SolveBlock<'a, 's>(
    &'a System<'a>,
    Csr<'a>,
    &'a mut [f32],
    usize,
    Method,
    Option<&'a [bool]>,
    &'s mut Scratch,
);

impl WithSimd for SolveBlock<'_, '_> {
    type Output = (f64, u64);

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> (f64, u64) {
        let SolveBlock(sys, data, rows, first, method, only, scratch) = self;
        let s = scratch.cg.r.len();
        let (mut f, mut n) = (0.0, 0u64);
        for (k, x) in rows.chunks_exact_mut(s).enumerate() {
            let r = first + k;
            if r + 1 >= data.ptr.len() || only.is_some_and(|o| !o.get(r).copied().unwrap_or(false))
            {
                continue;
            }
            let (lo, hi) = (data.ptr[r], data.ptr[r + 1]);
            if lo == hi {
                continue;
            }
            let (items, values) = (&data.idx[lo..hi], &data.val[lo..hi]);
            f += match method {
                Method::Cg(steps) => cg_row_gathered(simd, sys, items, values, x, steps, scratch),
                Method::Cholesky => exact_row(simd, sys, items, values, x, scratch),
            };
            n += 1;
        }
        (f, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::simd::{Isa, each_level};

    #[test]
    fn cholesky_solves_a_hand_checked_system() {
        // A = [[4, 2], [2, 3]], b = [2, 5] → z = [-0.5, 2].
        let mut a = vec![4.0, 0.0, 2.0, 3.0];
        let mut b = vec![2.0, 5.0];
        assert!(cholesky_solve(&mut a, &mut b, 2));
        assert!(
            (b[0] + 0.5).abs() < 1e-12 && (b[1] - 2.0).abs() < 1e-12,
            "{b:?}"
        );
        let mut singular = vec![1.0, 0.0, 1.0, 1.0 - 1.0];
        assert!(!cholesky_solve(&mut singular, &mut [1.0, 1.0], 2));
    }

    #[test]
    fn the_faer_and_hand_written_solvers_agree() {
        for d in [3usize, 40] {
            let m: Vec<f64> = (0..d * d)
                .map(|v| ((v * 7919 % 1000) as f64) / 1000.0 - 0.5)
                .collect();
            let mut a = vec![0.0; d * d];
            for r in 0..d {
                for c in 0..=r {
                    a[r * d + c] = (0..d).map(|k| m[k * d + r] * m[k * d + c]).sum::<f64>()
                        + if r == c { 1.0 } else { 0.0 };
                }
            }
            let b: Vec<f64> = (0..d).map(|v| v as f64 - 1.5).collect();
            let (mut a1, mut b1) = (a.clone(), b.clone());
            let (mut a2, mut b2) = (a.clone(), b.clone());
            assert!(cholesky_solve(&mut a1, &mut b1, d));
            assert!(solve_spd(&mut a2, &mut b2, d));
            let err = b1
                .iter()
                .zip(&b2)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max);
            assert!(err < 1e-8, "d = {d}: {err}");
        }
    }

    #[test]
    fn gram_matches_the_naive_product() {
        let vals: Vec<f32> = (0..5 * 3).map(|v| (v as f32 * 0.37).sin()).collect();
        let t = RowTable::from_dense(5, 3, &vals);
        let g = gram(&t, 0.5);
        let s = t.stride();
        for a in 0..3 {
            for b in 0..3 {
                let want: f32 = (0..5)
                    .map(|r| vals[r * 3 + a] * vals[r * 3 + b])
                    .sum::<f32>()
                    + if a == b { 0.5 } else { 0.0 };
                assert!((g[a * s + b] - want).abs() < 1e-5);
            }
        }
        assert!(g[3 * s..].iter().all(|&v| v == 0.0));
    }

    /// A random table of `rows × cols` with values in [-0.5, 0.5).
    fn random_table(rows: usize, cols: usize, seed: u64) -> RowTable {
        let mut g = crate::engine::rng::stream(seed, &[]);
        let vals: Vec<f32> = (0..rows * cols)
            .map(|_| crate::engine::rng::unit_f32(&mut g) - 0.5)
            .collect();
        RowTable::from_dense(rows, cols, &vals)
    }

    /// The row problem's normal equations `A x = b`, built naively in f64 over *every*
    /// item of the other side (dense `C_u` and `p_u`), and the max-norm of `A x − b`
    /// relative to `b`.
    fn normal_equation_residual(
        loss: Loss,
        reg: f32,
        others: &RowTable,
        items: &[u32],
        values: &[f32],
        x: &[f32],
    ) -> f64 {
        let d = others.cols();
        let (mut a, mut b) = (vec![0.0f64; d * d], vec![0.0f64; d]);
        let free: Vec<usize> = (0..d)
            .filter(|&c| !matches!(loss, Loss::Explicit { fixed: Some(f), .. } if f == c))
            .collect();
        for j in 0..others.rows() {
            let y = others.row(j);
            let obs = items.iter().position(|&i| i as usize == j);
            let (c, target) = match (loss, obs) {
                (Loss::Implicit { alpha }, Some(k)) => (1.0 + f64::from(alpha * values[k]), 1.0),
                (Loss::Implicit { .. }, None) => (1.0, 0.0),
                (Loss::Explicit { mu, fixed, .. }, Some(k)) => {
                    let shift = fixed.map_or(0.0, |f| f64::from(y[f]));
                    (1.0, f64::from(values[k] - mu) - shift)
                }
                (Loss::Explicit { .. }, None) => (0.0, 0.0),
            };
            for &r in &free {
                for &q in &free {
                    a[r * d + q] += c * f64::from(y[r]) * f64::from(y[q]);
                }
                b[r] += c * target * f64::from(y[r]);
            }
        }
        let lam = match loss {
            Loss::Implicit { .. } => f64::from(reg),
            Loss::Explicit { weighted, .. } => {
                f64::from(reg) * if weighted { items.len() as f64 } else { 1.0 }
            }
        };
        let mut worst = 0.0f64;
        let scale = b.iter().fold(1e-9f64, |m, v| m.max(v.abs()));
        for &r in &free {
            let ax: f64 = free
                .iter()
                .map(|&q| a[r * d + q] * f64::from(x[q]))
                .sum::<f64>()
                + lam * f64::from(x[r]);
            worst = worst.max((ax - b[r]).abs() / scale);
        }
        worst
    }

    struct Case {
        loss: Loss,
        reg: f32,
        others: RowTable,
        gram: Vec<f32>,
        items: Vec<u32>,
        values: Vec<f32>,
        start: Vec<f32>,
    }

    impl Case {
        /// The row problem of this case.
        fn system(&self) -> System<'_> {
            System {
                others: &self.others,
                gram: &self.gram,
                loss: self.loss,
            }
        }
    }

    /// An implicit case (k = 6) and an explicit case with biases (k = 4 + 2 columns,
    /// user side: the fixed column is the last).
    fn cases() -> Vec<Case> {
        let mut out = Vec::new();
        let others = random_table(40, 6, 1);
        let gram = gram(&others, 0.1);
        let stride = others.stride();
        let mut start = vec![0.0; stride];
        start[..6].copy_from_slice(&[0.1, -0.2, 0.05, 0.0, 0.3, -0.1]);
        out.push(Case {
            loss: Loss::Implicit { alpha: 2.0 },
            reg: 0.1,
            others,
            gram,
            items: vec![1, 4, 5, 17, 30, 39],
            // Zeros: rows of confidence 1, which the CG solve sums instead of visiting.
            values: vec![1.0, 3.0, 0.0, 2.0, 0.0, 5.0],
            start,
        });
        let mut others = random_table(30, 6, 2);
        for r in 0..30 {
            others.row_mut(r)[4] = 1.0; // item rows [y, 1, b_i]
        }
        let mut start = vec![0.0; others.stride()];
        start[..6].copy_from_slice(&[0.2, 0.1, -0.3, 0.0, 0.05, 1.0]);
        out.push(Case {
            loss: Loss::Explicit {
                mu: 3.5,
                reg: 0.05,
                weighted: true,
                fixed: Some(5),
            },
            reg: 0.05,
            others,
            gram: Vec::new(),
            items: vec![0, 3, 7, 8, 12, 20, 21, 29],
            values: vec![4.0, 5.0, 1.0, 3.0, 4.0, 2.0, 5.0, 3.0],
            start,
        });
        out
    }

    #[test]
    fn the_cholesky_user_solve_satisfies_its_normal_equations() {
        for case in cases() {
            let sys = case.system();
            let mut x = case.start.clone();
            let mut scratch = Scratch::new(x.len());
            cholesky_row_at(
                Scalar,
                &sys,
                &case.items,
                &case.values,
                &mut x,
                &mut scratch,
            );
            let res = normal_equation_residual(
                case.loss,
                case.reg,
                &case.others,
                &case.items,
                &case.values,
                &x,
            );
            assert!(res < 1e-5, "{:?}: relative residual {res}", case.loss);
            if let Loss::Explicit { fixed: Some(f), .. } = case.loss {
                assert_eq!(x[f], 1.0, "the constant column stays 1");
            }
            assert!(
                x[case.others.cols()..].iter().all(|&v| v == 0.0),
                "padding stays 0"
            );
        }
    }

    #[test]
    fn cg_converges_to_the_cholesky_answer_as_steps_grow() {
        for case in cases() {
            let sys = case.system();
            let mut scratch = Scratch::new(case.start.len());
            let mut exact = case.start.clone();
            cholesky_row_at(
                Scalar,
                &sys,
                &case.items,
                &case.values,
                &mut exact,
                &mut scratch,
            );
            let mut errors = Vec::new();
            for steps in [1, 2, 3, 6] {
                let mut x = case.start.clone();
                cg_row(
                    Scalar,
                    &sys,
                    &case.items,
                    &case.values,
                    &mut x,
                    steps,
                    &mut scratch,
                );
                let err = x
                    .iter()
                    .zip(&exact)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0f32, f32::max);
                errors.push(err);
            }
            assert!(
                errors.windows(2).all(|w| w[1] <= w[0] + 1e-6),
                "{:?}: errors {errors:?} do not shrink",
                case.loss
            );
            // Six steps on a six-unknown (five free) problem: CG is exact up to rounding.
            assert!(errors[3] < 1e-4, "{:?}: errors {errors:?}", case.loss);
        }
    }

    #[test]
    fn cg_tracks_the_objective_it_reaches_and_never_raises_it() {
        for case in cases() {
            let sys = case.system();
            let mut scratch = Scratch::new(case.start.len());
            let before = objective(Scalar, &sys, &case.items, &case.values, &case.start);
            let mut x = case.start.clone();
            let tracked = cg_row(
                Scalar,
                &sys,
                &case.items,
                &case.values,
                &mut x,
                2,
                &mut scratch,
            );
            let direct = objective(Scalar, &sys, &case.items, &case.values, &x);
            assert!(
                (tracked - direct).abs() < 1e-4 * direct.abs().max(1.0),
                "{:?}: tracked {tracked} vs direct {direct}",
                case.loss
            );
            assert!(
                direct <= before + 1e-9,
                "{:?}: {before} → {direct}",
                case.loss
            );
        }
    }

    #[test]
    fn every_level_solves_rows_like_the_portable_code_and_tracks_the_direct_objective() {
        // Plus a 64-float-row case: V4's register-resident `dot_axpy`.
        let others = random_table(90, 64, 3);
        let gram = gram(&others, 0.1);
        let mut wide = vec![Case {
            loss: Loss::Implicit { alpha: 1.0 },
            reg: 0.1,
            start: (0..64).map(|v| (v as f32 * 0.1).sin() * 0.1).collect(),
            others,
            gram,
            items: vec![2, 9, 33, 50, 51, 88],
            values: vec![1.0; 6],
        }];
        wide.extend(cases());
        for case in wide {
            let sys = case.system();
            let data_ptr = [0, case.items.len()];
            let data = Csr {
                ptr: &data_ptr,
                idx: &case.items,
                val: &case.values,
            };
            let cols = case.others.cols();
            let solve = |level: Level, method: Method| {
                let mut table = RowTable::from_dense(1, cols, &case.start[..cols]);
                let (f, n) = solve_rows_at(level, &sys, data, &mut table, method, None);
                (f, n, table.row(0).to_vec())
            };
            let (_, n0, portable) = solve(Level::Scalar, Method::Cg(3));
            assert_eq!(n0, 1);
            let skipped = each_level(|level| {
                for method in [Method::Cg(3), Method::Cholesky] {
                    let (f, n, rows) = solve(level, method);
                    assert_eq!(n, 1, "{level:?}");
                    // The reference: the objective computed directly from the definitions.
                    let direct = objective(Scalar, &sys, &case.items, &case.values, &rows);
                    assert!(
                        (f - direct).abs() < 1e-4 * direct.abs().max(1.0),
                        "{level:?} {method:?}: tracked {f} vs direct {direct}"
                    );
                    if method != Method::Cg(3) {
                        continue;
                    }
                    for c in 0..cols {
                        assert!(
                            (rows[c] - portable[c]).abs() < 1e-5,
                            "{level:?}: {rows:?} vs {portable:?}"
                        );
                    }
                }
            });
            assert!(!skipped.contains(&Isa::Scalar));
        }
    }
}
