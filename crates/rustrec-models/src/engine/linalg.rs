//! Small dense symmetric positive-definite algebra in `f64` (row-major `k × k`): Cholesky
//! factor, triangular solves, solve and inverse — the `k × k` systems of ALS's exact row
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
    fn indefinite_and_non_finite_matrices_are_refused() {
        assert!(!cholesky(&mut [1.0, 2.0, 2.0, 1.0], 2));
        assert!(!cholesky(&mut [f64::NAN], 1));
        assert!(inverse_spd(&[0.0], 1).is_none());
    }
}
