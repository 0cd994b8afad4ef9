//! Small dense symmetric positive-definite algebra in `f64` (row-major `k × k`): Cholesky
//! factor (lower, or upper and right-looking for speed), triangular solves, solve and inverse — the `k × k` systems of ALS's exact row
//! solver and of BPMF's Gibbs sampler. (Large systems: faer.)

/// Replaces the lower triangle of `a` (`k × k`, symmetric) by its Cholesky factor `L`
/// (`a = L Lᵀ`) and zeroes the upper triangle. `false` if `a` is not positive definite.
#[inline(always)]
pub fn cholesky(a: &mut [f64], k: usize) -> bool {
    assert_eq!(a.len(), k * k, "a k × k matrix");
    for j in 0..k {
        let (done, rest) = a.split_at_mut((j + 1) * k);
        let row_j = &mut done[j * k..];
        let d = row_j[j] - dot(&row_j[..j], &row_j[..j]);
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let d = d.sqrt();
        row_j[j] = d;
        let inv = 1.0 / d;
        for row_i in rest.chunks_exact_mut(k) {
            row_i[j] = (row_i[j] - dot(&row_i[..j], &row_j[..j])) * inv;
        }
        let row_j = &mut a[j * k..(j + 1) * k];
        row_j[j + 1..].fill(0.0);
    }
    true
}

/// `Σ a_p b_p`, in four interleaved partial sums (independent chains the CPU overlaps,
/// and that the compiler may pack into vectors).
#[inline(always)]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a4, a_rest) = a[..n].as_chunks::<4>();
    let (b4, b_rest) = b[..n].as_chunks::<4>();
    let mut acc = [0.0f64; 4];
    for (x, y) in a4.iter().zip(b4) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f64 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Solves `L y = x` in place (`l` lower triangular with a non-zero diagonal).
#[inline(always)]
pub fn solve_lower(l: &[f64], k: usize, x: &mut [f64]) {
    for i in 0..k {
        let row = &l[i * k..(i + 1) * k];
        x[i] = (x[i] - dot(&row[..i], &x[..i])) / row[i];
    }
}

/// Solves `Lᵀ y = x` in place (`l` lower triangular with a non-zero diagonal).
#[inline(always)]
pub fn solve_lower_transposed(l: &[f64], k: usize, x: &mut [f64]) {
    // Column-oriented: once y_i is known, take L_ip · y_i off every x_p with p < i (row i
    // of L, contiguous) — no dependent chain of subtractions, no strided reads.
    for i in (0..k).rev() {
        let row = &l[i * k..i * k + i + 1];
        x[i] /= row[i];
        let yi = x[i];
        for (xp, &lv) in x[..i].iter_mut().zip(&row[..i]) {
            *xp -= lv * yi;
        }
    }
}

/// Solves `A z = b` in place (`b` becomes `z`) for the symmetric positive-definite `A`
/// whose lower triangle `a` holds; `a` becomes its Cholesky factor `L`. `false` (leaving
/// `b` unspecified) when `A` is not positive definite.
pub fn cholesky_solve(a: &mut [f64], b: &mut [f64], k: usize) -> bool {
    if !cholesky(a, k) {
        return false;
    }
    solve_lower(a, k, b);
    solve_lower_transposed(a, k, b);
    true
}

/// Floats of `f64` per chunk of [`cholesky_upper`]'s row updates (one 512-bit vector).
pub const UPPER_CHUNK: usize = 8;

/// Replaces the **upper** triangle of the symmetric `k × k` matrix in `a` (rows of `stride`
/// floats, `stride ≥ k` a multiple of [`UPPER_CHUNK`]; `a.len() ≥ k·stride`) by the
/// Cholesky factor `U` with `A = UᵀU` (`U = Lᵀ` of [`cholesky`]). Only the upper triangle
/// is read; the rest of each row is workspace (overwritten). `false` if `A` is not positive
/// definite.
///
/// Right-looking, four pivot rows at a time: the panel of four rows is factored, then every
/// later row `i` takes the panel's rank-4 product off its upper part in one pass. The row
/// updates run over whole 8-float chunks (from the chunk holding the diagonal to the padded
/// end): no scalar tails, one load and store of each chunk per four pivots, where
/// [`cholesky`]'s row dot products are short horizontal sums. `k³/6` multiply-adds plus the
/// chunk rounding.
#[inline(always)]
pub fn cholesky_upper(a: &mut [f64], k: usize, stride: usize) -> bool {
    const C: usize = UPPER_CHUNK;
    assert!(
        stride >= k && stride.is_multiple_of(C) && a.len() >= k * stride,
        "a k × stride matrix"
    );
    // Workspace to 0: left of the diagonal's chunk it is never touched; the rest stays finite.
    for (i, row) in a[..k * stride].chunks_exact_mut(stride).enumerate() {
        row[i / C * C..i].fill(0.0);
        row[k..].fill(0.0);
    }
    let mut j0 = 0;
    while j0 < k {
        let jb = (k - j0).min(4);
        // Factor the panel: rows j0..j0 + jb, updated by all earlier panels already.
        for q in 0..jb {
            let j = j0 + q;
            let (head, tail) = a.split_at_mut((j + 1) * stride);
            let row_j = &mut head[j * stride..];
            let d = row_j[j];
            if !(d > 0.0 && d.is_finite()) {
                return false;
            }
            let d = d.sqrt();
            let inv = 1.0 / d;
            for ch in row_j[j / C * C..].as_chunks_mut::<C>().0 {
                ch.iter_mut().for_each(|v| *v *= inv);
            }
            row_j[j] = d;
            let row_j = &head[j * stride..];
            for (i, row_i) in (j + 1..j0 + jb).zip(tail.chunks_exact_mut(stride)) {
                let f = row_j[i];
                let from = i / C * C;
                let (dst, _) = row_i[from..].as_chunks_mut::<C>();
                let (src, _) = row_j[from..].as_chunks::<C>();
                for (x, u) in dst.iter_mut().zip(src) {
                    let (u, mut v) = (*u, *x);
                    for l in 0..C {
                        v[l] -= f * u[l];
                    }
                    *x = v;
                }
            }
        }
        // The rank-jb update of every later row.
        let (head, tail) = a.split_at_mut((j0 + jb) * stride);
        let panel = &head[j0 * stride..];
        for (i, row_i) in (j0 + jb..k).zip(tail.chunks_exact_mut(stride)) {
            let from = i / C * C;
            let (dst, _) = row_i[from..].as_chunks_mut::<C>();
            if jb == 4 {
                let p = |q: usize| {
                    panel[q * stride + from..(q + 1) * stride]
                        .as_chunks::<C>()
                        .0
                };
                let f: [f64; 4] = std::array::from_fn(|q| panel[q * stride + i]);
                let rows = dst.iter_mut().zip(p(0)).zip(p(1)).zip(p(2)).zip(p(3));
                for ((((x, u0), u1), u2), u3) in rows {
                    // Whole chunks in locals: every load before the store (so the compiler
                    // need not fear the store aliasing the next loads, and vectorises).
                    let (u0, u1, u2, u3, mut v) = (*u0, *u1, *u2, *u3, *x);
                    for l in 0..C {
                        v[l] -= (f[0] * u0[l] + f[1] * u1[l]) + (f[2] * u2[l] + f[3] * u3[l]);
                    }
                    *x = v;
                }
            } else {
                for q in 0..jb {
                    let f = panel[q * stride + i];
                    let (src, _) = panel[q * stride + from..(q + 1) * stride].as_chunks::<C>();
                    for (x, u) in dst.iter_mut().zip(src) {
                        let (u, mut v) = (*u, *x);
                        for l in 0..C {
                            v[l] -= f * u[l];
                        }
                        *x = v;
                    }
                }
            }
        }
        j0 += jb;
    }
    true
}

/// Solves `UᵀU z = b` in place (`b[..k]` becomes `z`) for the factor `U` of
/// [`cholesky_upper`] (rows of `stride` floats): forward `Uᵀ y = b` column by column
/// (`axpy`s over rows of `U`), then back `U z = y` by row dot products.
#[inline(always)]
pub fn solve_upper(u: &[f64], k: usize, stride: usize, b: &mut [f64]) {
    for j in 0..k {
        let row = &u[j * stride..j * stride + k];
        b[j] /= row[j];
        let yj = b[j];
        for (bp, &uv) in b[j + 1..k].iter_mut().zip(&row[j + 1..]) {
            *bp -= uv * yj;
        }
    }
    for i in (0..k).rev() {
        let row = &u[i * stride..i * stride + k];
        let s = dot(&row[i + 1..], &b[i + 1..k]);
        b[i] = (b[i] - s) / row[i];
    }
}

/// The inverse of the symmetric positive-definite `a`; `None` if it is not one.
pub fn inverse_spd(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = a.to_vec();
    if !cholesky(&mut l, k) {
        return None;
    }
    let mut inv = vec![0.0; k * k];
    let mut e = vec![0.0; k];
    for c in 0..k {
        e.iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = f64::from(u8::from(i == c)));
        solve_lower(&l, k, &mut e);
        solve_lower_transposed(&l, k, &mut e);
        for (r, &v) in e.iter().enumerate() {
            inv[r * k + c] = v;
        }
    }
    // Exactly symmetric (the two halves differ only by rounding).
    for r in 0..k {
        for c in 0..r {
            let m = 0.5 * (inv[r * k + c] + inv[c * k + r]);
            inv[r * k + c] = m;
            inv[c * k + r] = m;
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matmul(a: &[f64], b: &[f64], k: usize) -> Vec<f64> {
        let mut out = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                out[i * k + j] = (0..k).map(|p| a[i * k + p] * b[p * k + j]).sum();
            }
        }
        out
    }

    #[test]
    fn a_hand_computed_cholesky_factor() {
        // [[4, 2], [2, 5]] = L Lᵀ with L = [[2, 0], [1, 2]].
        let mut a = vec![4.0, 2.0, 2.0, 5.0];
        assert!(cholesky(&mut a, 2));
        assert_eq!(a, vec![2.0, 0.0, 1.0, 2.0]);
        // L y = (2, 5) → y = (1, 2); Lᵀ z = (1, 2) → z = (0, 1).
        let mut x = vec![2.0, 5.0];
        solve_lower(&a, 2, &mut x);
        assert_eq!(x, vec![1.0, 2.0]);
        solve_lower_transposed(&a, 2, &mut x);
        assert_eq!(x, vec![0.0, 1.0]);
    }

    #[test]
    fn inverse_times_matrix_is_the_identity() {
        let a = vec![4.0, 1.0, 0.5, 1.0, 3.0, -0.2, 0.5, -0.2, 2.0];
        let inv = inverse_spd(&a, 3).unwrap();
        let id = matmul(&a, &inv, 3);
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((id[i * 3 + j] - want).abs() < 1e-12, "{id:?}");
            }
        }
    }

    #[test]
    fn the_upper_factor_is_the_transpose_of_the_lower_one_and_solves_alike() {
        // A = MᵀM + I for a fixed pseudo-random M, k = 1, 2, 7 and 43 (odd, not a multiple
        // of a vector's width).
        for k in [1usize, 2, 4, 5, 7, 8, 9, 43] {
            let m: Vec<f64> = (0..k * k)
                .map(|v| ((v * 7919 % 1000) as f64) / 1000.0 - 0.5)
                .collect();
            let mut a = vec![0.0; k * k];
            for r in 0..k {
                for c in 0..k {
                    a[r * k + c] = (0..k).map(|p| m[p * k + r] * m[p * k + c]).sum::<f64>()
                        + f64::from(u8::from(r == c));
                }
            }
            let b: Vec<f64> = (0..k).map(|v| v as f64 * 0.3 - 1.0).collect();
            let (mut l, mut z_lower) = (a.clone(), b.clone());
            assert!(cholesky_solve(&mut l, &mut z_lower, k));
            // Only the upper triangle is read: garbage below it and in the padding must
            // not matter.
            let stride = k.div_ceil(UPPER_CHUNK) * UPPER_CHUNK + UPPER_CHUNK;
            let mut u = vec![f64::NAN; k * stride];
            for r in 0..k {
                u[r * stride + r..r * stride + k].copy_from_slice(&a[r * k + r..(r + 1) * k]);
            }
            assert!(cholesky_upper(&mut u, k, stride));
            for r in 0..k {
                for c in r..k {
                    let (got, want) = (u[r * stride + c], l[c * k + r]);
                    assert!(
                        (got - want).abs() < 1e-12 * want.abs().max(1.0),
                        "k {k}: U[{r}][{c}] {got} vs L {want}"
                    );
                }
            }
            let mut z = b.clone();
            solve_upper(&u, k, stride, &mut z);
            // The residual A z − b, from the untouched A.
            for r in 0..k {
                let az: f64 = (0..k).map(|c| a[r * k + c] * z[c]).sum();
                assert!(
                    (az - b[r]).abs() < 1e-10,
                    "k {k}: row {r}: {az} vs {}",
                    b[r]
                );
                assert!((z[r] - z_lower[r]).abs() < 1e-10);
            }
        }
        // [[4, 2], [2, 5]] = UᵀU with U = [[2, 1], [0, 2]] (hand-computed).
        let mut a = vec![0.0; 16];
        (a[0], a[1], a[9]) = (4.0, 2.0, 5.0);
        assert!(cholesky_upper(&mut a, 2, 8));
        assert_eq!((a[0], a[1], a[9]), (2.0, 1.0, 2.0));
        let mut indefinite = vec![0.0; 16];
        (indefinite[0], indefinite[1], indefinite[9]) = (1.0, 2.0, 1.0);
        assert!(!cholesky_upper(&mut indefinite, 2, 8));
        let mut nan = vec![f64::NAN; 8];
        assert!(!cholesky_upper(&mut nan, 1, 8));
    }

    #[test]
    fn indefinite_and_non_finite_matrices_are_refused() {
        assert!(!cholesky(&mut [1.0, 2.0, 2.0, 1.0], 2));
        assert!(!cholesky(&mut [f64::NAN], 1));
        assert!(inverse_spd(&[0.0], 1).is_none());
    }
}
