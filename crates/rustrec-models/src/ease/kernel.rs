//! The numerical kernels of EASE^R: the sparse Gram matrix `XᵀX` and the closed-form
//! weights `B = I − P·diag(1/diag(P))`, `P = (G + λI)⁻¹`.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt;
use faer::{MatMut, MatRef, Par};
use rayon::prelude::*;
use rustrec_data::{Interactions, ItemIdx, UserIdx};

use crate::error::{ModelError, Result};

/// `XᵀX` of the training matrix as a dense `n_items × n_items` matrix (symmetric, so its
/// row-major and column-major layouts coincide), with `X` binary when `binary`.
///
/// Row `i` is `Σ_{u ∈ users(i)} x_ui · x_u`, accumulated from the sparse rows of `X`; rows
/// are computed in parallel on the current rayon pool, each by one worker, so the result
/// does not depend on the thread count.
pub fn gram(x: &Interactions, binary: bool) -> Vec<f64> {
    let n = x.n_items();
    let mut g = vec![0.0f64; n * n];
    if n == 0 {
        return g;
    }
    g.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        let col = x.col(ItemIdx(i as u32));
        for (&u, &x_ui) in col.users.iter().zip(col.values) {
            let r = x.row(UserIdx(u));
            if binary {
                for &j in r.items {
                    row[j as usize] += 1.0;
                }
            } else {
                let x_ui = f64::from(x_ui);
                for (&j, &x_uj) in r.items.iter().zip(r.values) {
                    row[j as usize] += x_ui * f64::from(x_uj);
                }
            }
        }
    });
    g
}

/// The EASE^R weights from the Gram matrix `g` (`n × n`, symmetric; overwritten): returns
/// `B` row-major in f32, with `B_ij = −P_ij / P_jj` and `B_jj = 0`, `P = (g + λI)⁻¹`.
///
/// `par` is faer's parallelism (`Par::rayon(threads)` inside the fit's pool). Fails,
/// naming `lambda`, if `g + λI` is not numerically positive definite: a singular Gram
/// matrix (items with coinciding or dependent columns) plus a `λ` lost in rounding next to
/// its entries.
pub fn ease_weights(mut g: Vec<f64>, n: usize, lambda: f64, par: Par) -> Result<Vec<f32>> {
    if g.len() != n * n {
        return Err(ModelError::Data(format!(
            "Gram matrix of {} values for {n} items",
            g.len()
        )));
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    let largest_diagonal = (0..n).map(|i| g[i * n + i]).fold(0.0f64, f64::max);
    for i in 0..n {
        g[i * n + i] += lambda;
    }
    let p = inverse_spd(g, n, par).map_err(|pivot| {
        ModelError::Data(format!(
            "ease: XᵀX + λI could not be inverted: its Cholesky factorisation found no positive \
             pivot at item row {pivot} of {n}, so in f64 the matrix is singular (items whose \
             columns of X coincide or depend on each other) and lambda = {} is too small \
             to lift it (the diagonal of XᵀX reaches {largest_diagonal}): raise lambda \
             (Steck's 200 to 1000 suit binary data; scale it with XᵀX)",
            // λ is the f32 of the parameters widened: printed as the f32, it reads as given.
            lambda as f32
        ))
    })?;
    let diag: Vec<f64> = (0..n).map(|j| p[j * n + j]).collect();
    let mut b = vec![0.0f32; n * n];
    b.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        // Row i of the symmetric P is its (contiguous) column i.
        let p_i = &p[i * n..(i + 1) * n];
        for (j, (b_ij, (&p_ij, &p_jj))) in row.iter_mut().zip(p_i.iter().zip(&diag)).enumerate() {
            *b_ij = if i == j { 0.0 } else { (-p_ij / p_jj) as f32 };
        }
    });
    Ok(b)
}

/// The inverse of the symmetric positive definite `a` (`n × n`, consumed), full (both
/// triangles), by faer's Cholesky factorisation and inverse-from-factor; `Err(row)` with
/// the row whose pivot was not positive when `a` is not numerically positive definite.
fn inverse_spd(mut a: Vec<f64>, n: usize, par: Par) -> std::result::Result<Vec<f64>, usize> {
    let factor_req = llt::factor::cholesky_in_place_scratch::<f64>(n, par, Default::default());
    let inverse_req = llt::inverse::inverse_scratch::<f64>(n, par);
    let mut buffer = MemBuffer::new(factor_req.or(inverse_req));
    llt::factor::cholesky_in_place(
        MatMut::from_column_major_slice_mut(&mut a, n, n),
        Default::default(),
        par,
        MemStack::new(&mut buffer),
        Default::default(),
    )
    .map_err(|e| match e {
        llt::factor::LltError::NonPositivePivot { index } => index,
    })?;
    let mut inv = vec![0.0f64; n * n];
    llt::inverse::inverse(
        MatMut::from_column_major_slice_mut(&mut inv, n, n),
        MatRef::from_column_major_slice(&a, n, n),
        par,
        MemStack::new(&mut buffer),
    );
    drop(a);
    mirror_lower_to_upper(&mut inv, n);
    Ok(inv)
}

/// Copies the lower triangle of the column-major `n × n` matrix `m` onto its upper
/// triangle, in tiles so that both the reads and the writes stay in cache.
fn mirror_lower_to_upper(m: &mut [f64], n: usize) {
    const TILE: usize = 64;
    for c0 in (0..n).step_by(TILE) {
        for r0 in (0..=c0).step_by(TILE) {
            for c in c0..(c0 + TILE).min(n) {
                for r in r0..(r0 + TILE).min(c) {
                    // (r, c) with r < c is upper; its mirror (c, r) is lower.
                    m[c * n + r] = m[r * n + c];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The inverse of a dense f64 matrix by Gauss–Jordan elimination with partial
    /// pivoting: the naive oracle.
    fn gauss_jordan_inverse(a: &[f64], n: usize) -> Vec<f64> {
        let mut m = a.to_vec();
        let mut inv = vec![0.0; n * n];
        for i in 0..n {
            inv[i * n + i] = 1.0;
        }
        for c in 0..n {
            let pivot = (c..n)
                .max_by(|&x, &y| m[x * n + c].abs().total_cmp(&m[y * n + c].abs()))
                .unwrap();
            for k in 0..n {
                m.swap(c * n + k, pivot * n + k);
                inv.swap(c * n + k, pivot * n + k);
            }
            let d = m[c * n + c];
            for k in 0..n {
                m[c * n + k] /= d;
                inv[c * n + k] /= d;
            }
            for r in 0..n {
                if r != c {
                    let f = m[r * n + c];
                    for k in 0..n {
                        m[r * n + k] -= f * m[c * n + k];
                        inv[r * n + k] -= f * inv[c * n + k];
                    }
                }
            }
        }
        inv
    }

    /// A random sparse matrix with values 1..5 (each cell present with probability ½).
    fn random_x(nu: usize, ni: usize, cells: &[u8]) -> Interactions {
        let mut rows = Vec::new();
        for u in 0..nu {
            for i in 0..ni {
                let c = cells[(u * ni + i) % cells.len()];
                if c % 2 == 1 {
                    rows.push((u as u32, i as u32, f32::from(1 + c % 5)));
                }
            }
        }
        Interactions::from_index_triplets(nu, ni, &rows).unwrap()
    }

    fn dense_gram(x: &Interactions, binary: bool) -> Vec<f64> {
        let n = x.n_items();
        let mut g = vec![0.0; n * n];
        for u in 0..x.n_users() {
            let r = x.row(UserIdx(u as u32));
            for (&i, &vi) in r.items.iter().zip(r.values) {
                for (&j, &vj) in r.items.iter().zip(r.values) {
                    let (vi, vj) = if binary {
                        (1.0, 1.0)
                    } else {
                        (f64::from(vi), f64::from(vj))
                    };
                    g[i as usize * n + j as usize] += vi * vj;
                }
            }
        }
        g
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// The sparse Gram matrix equals the dense `Σ_u x_uᵀ x_u`.
        #[test]
        fn sparse_gram_matches_the_dense_product(
            nu in 1usize..9, ni in 1usize..9, binary in any::<bool>(),
            cells in proptest::collection::vec(any::<u8>(), 1..100),
        ) {
            let x = random_x(nu, ni, &cells);
            prop_assert_eq!(gram(&x, binary), dense_gram(&x, binary));
        }

        /// B has a zero diagonal, equals `I − P diag(1/diag P)` with `P` from Gauss–Jordan,
        /// and solves the constrained normal equations: `(G + λI)B − G` vanishes off the
        /// diagonal (Steck 2019, eq. 4: its diagonal holds the Lagrange multipliers).
        #[test]
        fn weights_satisfy_the_closed_form_and_the_normal_equations(
            nu in 1usize..12, ni in 2usize..10, lambda in 0.5f64..20.0, binary in any::<bool>(),
            cells in proptest::collection::vec(any::<u8>(), 1..150),
        ) {
            let x = random_x(nu, ni, &cells);
            let n = ni;
            let g = dense_gram(&x, binary);
            let b = ease_weights(gram(&x, binary), n, lambda, Par::Seq).unwrap();
            let mut g_reg = g.clone();
            for i in 0..n {
                g_reg[i * n + i] += lambda;
            }
            let p = gauss_jordan_inverse(&g_reg, n);
            let scale = g.iter().fold(lambda, |m, v| m.max(v.abs()));
            for i in 0..n {
                prop_assert_eq!(b[i * n + i], 0.0);
                for j in 0..n {
                    let want = if i == j { 0.0 } else { -p[i * n + j] / p[j * n + j] };
                    let got = f64::from(b[i * n + j]);
                    prop_assert!((got - want).abs() < 1e-5 * (1.0 + want.abs()),
                        "B[{i},{j}] = {got}, Gauss–Jordan gives {want}");
                    let mut residual = -g[i * n + j];
                    for k in 0..n {
                        residual += g_reg[i * n + k] * f64::from(b[k * n + j]);
                    }
                    if i != j {
                        prop_assert!(residual.abs() < 1e-5 * scale,
                            "((G + λI)B − G)[{i},{j}] = {residual}");
                    }
                }
            }
        }
    }

    /// Regression: a singular `XᵀX` with a `lambda` too small to lift it failed with
    /// "not positive definite (NonPositivePivot { index: 1 })", faer's internal name.
    #[test]
    fn a_singular_gram_with_a_tiny_lambda_says_what_happened_and_names_lambda() {
        // Items 0 and 1 have the same column: G = [[3, 3], [3, 3]] is singular, and
        // 1e-30 is lost next to 3 in f64.
        let x = Interactions::from_index_triplets(
            3,
            2,
            &[
                (0, 0, 1.0),
                (0, 1, 1.0),
                (1, 0, 1.0),
                (1, 1, 1.0),
                (2, 0, 1.0),
                (2, 1, 1.0),
            ],
        )
        .unwrap();
        let e = ease_weights(gram(&x, true), 2, 1e-30, Par::Seq)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("NonPositivePivot"), "{e}");
        assert!(
            e.contains("could not be inverted")
                && e.contains("singular")
                && e.contains("lambda = 0.000000000000000000000000000001")
                && e.contains("raise lambda"),
            "{e}"
        );
        assert!(ease_weights(gram(&x, true), 2, 1.0, Par::Seq).is_ok());
    }

    #[test]
    fn two_items_by_hand() {
        // X = [[1, 1], [1, 0]] → G = [[2, 1], [1, 1]]; λ = 1 → G + λI = [[3, 1], [1, 2]],
        // P = [[2, −1], [−1, 3]] / 5, B_01 = −P_01/P_11 = 1/3, B_10 = −P_10/P_00 = 1/2.
        let x = Interactions::from_index_triplets(2, 2, &[(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0)])
            .unwrap();
        let b = ease_weights(gram(&x, true), 2, 1.0, Par::Seq).unwrap();
        let want = [0.0, 1.0 / 3.0, 0.5, 0.0];
        for (got, want) in b.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{b:?}");
        }
    }

    #[test]
    fn mirroring_fills_the_upper_triangle_across_tiles() {
        let n = 70;
        let mut m = vec![0.0; n * n];
        for c in 0..n {
            for r in c..n {
                m[c * n + r] = (r * 1000 + c) as f64;
            }
        }
        mirror_lower_to_upper(&mut m, n);
        for c in 0..n {
            for r in 0..n {
                assert_eq!(m[c * n + r], m[r * n + c], "({r}, {c})");
            }
        }
    }
}
