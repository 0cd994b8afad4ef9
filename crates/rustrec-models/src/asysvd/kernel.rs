//! The per-user kernels of AsySVD training: negative sampling, the user representation,
//! the forward/backward pass of one user's predictions, and the reduction of a user's
//! gradients into the gradient tables. [`reference_batch_loss`] is the plain statement of
//! the batch loss that the gradient tests differentiate numerically.

use crate::engine::RowTable;
use crate::engine::rng::{self, Rng};

/// `Σ a_k b_k` over two padded rows.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = a.len().min(b.len()) / 8 * 8;
    for (x, y) in a[..chunks].chunks_exact(8).zip(b[..chunks].chunks_exact(8)) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for k in chunks..a.len().min(b.len()) {
        s += a[k] * b[k];
    }
    s
}

/// `y ← y + a·x` over two padded rows.
#[inline]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// The scale `|I(u)|^(−½)` (or 1) of a profile of `len` items.
#[inline]
pub fn profile_norm(len: usize, normalize: bool) -> f32 {
    if normalize && len > 0 {
        1.0 / (len as f32).sqrt()
    } else {
        1.0
    }
}

/// Replaces `out` by one user's training samples: the observed items with their values as
/// targets, then `negatives × |I(u)|` uniformly drawn unobserved items with target 0 (with
/// replacement; fewer if the user has seen almost every item).
pub fn draw_samples(
    items: &[u32],
    values: &[f32],
    negatives: usize,
    n_items: u32,
    rng: &mut Rng,
    out: &mut Vec<(u32, f32)>,
) {
    out.clear();
    out.extend(items.iter().copied().zip(values.iter().copied()));
    let unseen = n_items as usize - items.len().min(n_items as usize);
    if unseen == 0 || negatives == 0 {
        return;
    }
    let wanted = negatives * items.len();
    let mut attempts = 0usize;
    let max_attempts = 20 * wanted + 100;
    let mut drawn = 0usize;
    while drawn < wanted && attempts < max_attempts {
        attempts += 1;
        let j = rng::below(rng, n_items);
        if items.binary_search(&j).is_err() {
            out.push((j, 0.0));
            drawn += 1;
        }
    }
}

/// `p ← norm · Σ_j r_uj V₁[j]` (a padded row of `v1`'s stride).
pub fn user_representation(items: &[u32], values: &[f32], norm: f32, v1: &RowTable, p: &mut [f32]) {
    p.fill(0.0);
    for (&j, &r) in items.iter().zip(values) {
        axpy(norm * r, v1.row(j as usize), p);
    }
}

/// One user's predictions and their gradients: for every sample `s`, `r̂_s = p·V₂[i_s]`;
/// writes `err[s] = scale·(r̂_s − r_s)` (`scale = 2/S` for a batch of `S` samples) and
/// `gp = Σ_s err[s] V₂[i_s]` (= ∂L/∂p), and returns `Σ_s (r̂_s − r_s)²`.
pub fn forward_backward(
    p: &[f32],
    samples: &[(u32, f32)],
    v2: &RowTable,
    scale: f32,
    err: &mut Vec<f32>,
    gp: &mut [f32],
) -> f64 {
    err.clear();
    gp.fill(0.0);
    let mut loss = 0.0f64;
    for &(i, target) in samples {
        let q = v2.row(i as usize);
        let e = dot(p, q) - target;
        loss += f64::from(e) * f64::from(e);
        let g = scale * e;
        err.push(g);
        axpy(g, q, gp);
    }
    loss
}

/// Adds one user's gradients to the tables: `g2[i_s] += err[s]·p` for every sample and
/// `g1[j] += norm·r_uj·gp` for every profile item, marking the rows touched.
#[allow(clippy::too_many_arguments)]
pub fn accumulate(
    samples: &[(u32, f32)],
    err: &[f32],
    p: &[f32],
    items: &[u32],
    values: &[f32],
    norm: f32,
    gp: &[f32],
    g1: &mut RowTable,
    touched1: &mut [bool],
    g2: &mut RowTable,
    touched2: &mut [bool],
) {
    for (&(i, _), &e) in samples.iter().zip(err) {
        axpy(e, p, g2.row_mut(i as usize));
        touched2[i as usize] = true;
    }
    for (&j, &r) in items.iter().zip(values) {
        axpy(norm * r, gp, g1.row_mut(j as usize));
        touched1[j as usize] = true;
    }
}

/// One user of a batch, for [`reference_batch_loss`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceUser {
    /// Profile items.
    pub items: Vec<u32>,
    /// Profile values `r_uj`.
    pub values: Vec<f32>,
    /// The profile's scale (`|I(u)|^(−½)` or 1).
    pub norm: f32,
    /// (item, target) pairs predicted.
    pub samples: Vec<(u32, f32)>,
}

/// The batch loss `(1/S) Σ_u Σ_{s of u} ((norm_u Σ_j r_uj V₁[j]) · V₂[i_s] − r_s)²`, written
/// out with dense unpadded `k`-vectors in f64: the oracle of the gradient tests.
pub fn reference_batch_loss(v1: &[f64], v2: &[f64], k: usize, users: &[ReferenceUser]) -> f64 {
    let mut total = 0.0;
    let mut count = 0usize;
    for ReferenceUser {
        items,
        values,
        norm,
        samples,
    } in users
    {
        let mut p = vec![0.0f64; k];
        for (&j, &r) in items.iter().zip(values) {
            for c in 0..k {
                p[c] += f64::from(*norm) * f64::from(r) * v1[j as usize * k + c];
            }
        }
        for &(i, target) in samples {
            let pred: f64 = (0..k).map(|c| p[c] * v2[i as usize * k + c]).sum();
            total += (pred - f64::from(target)).powi(2);
            count += 1;
        }
    }
    total / count.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny fixed problem: 4 items, k = 3, two users with their samples.
    fn problem() -> (RowTable, RowTable, Vec<ReferenceUser>) {
        let k = 3;
        let v1: Vec<f32> = (0..12)
            .map(|x| ((x * 7 % 11) as f32 - 5.0) / 10.0)
            .collect();
        let v2: Vec<f32> = (0..12).map(|x| ((x * 5 % 13) as f32 - 6.0) / 9.0).collect();
        let users = vec![
            ReferenceUser {
                items: vec![0, 2],
                values: vec![4.0, 1.0],
                norm: profile_norm(2, true),
                samples: vec![(0, 4.0), (2, 1.0), (1, 0.0), (3, 0.0)],
            },
            ReferenceUser {
                items: vec![1],
                values: vec![3.0],
                norm: 1.0,
                samples: vec![(1, 3.0), (2, 0.0), (2, 0.0)],
            },
        ];
        (
            RowTable::from_dense(4, k, &v1),
            RowTable::from_dense(4, k, &v2),
            users,
        )
    }

    /// The analytic gradients of the batch loss (from the kernels) match central finite
    /// differences of the reference loss, for every entry of V₁ and V₂.
    #[test]
    fn gradients_match_finite_differences() {
        let (v1, v2, users) = problem();
        let k = 3;
        let s: usize = users.iter().map(|u| u.samples.len()).sum();
        let scale = 2.0 / s as f32;
        let mut g1 = RowTable::zeros(4, k);
        let mut g2 = RowTable::zeros(4, k);
        let (mut t1, mut t2) = (vec![false; 4], vec![false; 4]);
        let mut loss = 0.0;
        for ReferenceUser {
            items,
            values,
            norm,
            samples,
        } in &users
        {
            let mut p = vec![0.0; v1.stride()];
            let mut gp = vec![0.0; v1.stride()];
            let mut err = Vec::new();
            user_representation(items, values, *norm, &v1, &mut p);
            loss += forward_backward(&p, samples, &v2, scale, &mut err, &mut gp);
            accumulate(
                samples, &err, &p, items, values, *norm, &gp, &mut g1, &mut t1, &mut g2, &mut t2,
            );
        }
        let dense = |t: &RowTable| {
            t.to_dense()
                .iter()
                .map(|&x| f64::from(x))
                .collect::<Vec<_>>()
        };
        let (d1, d2) = (dense(&v1), dense(&v2));
        let reference = reference_batch_loss(&d1, &d2, k, &users);
        assert!(
            (loss / s as f64 - reference).abs() < 1e-5,
            "{loss} vs {reference}"
        );
        let h = 1e-5;
        for (table, grad) in [(0, &g1), (1, &g2)] {
            let analytic = grad.to_dense();
            for e in 0..12 {
                let numeric = {
                    let (mut a1, mut a2) = (d1.clone(), d2.clone());
                    let m = if table == 0 { &mut a1 } else { &mut a2 };
                    m[e] += h;
                    let up = reference_batch_loss(&a1, &a2, k, &users);
                    let m = if table == 0 { &mut a1 } else { &mut a2 };
                    m[e] -= 2.0 * h;
                    let down = reference_batch_loss(&a1, &a2, k, &users);
                    (up - down) / (2.0 * h)
                };
                let got = f64::from(analytic[e]);
                assert!(
                    (got - numeric).abs() < 1e-4 * (1.0 + numeric.abs()),
                    "table V{} entry {e}: analytic {got}, numeric {numeric}",
                    table + 1
                );
            }
        }
        // Item 3 is only a negative of user 0, never in a profile: V₁ row untouched.
        assert_eq!(t1, [true, true, true, false]);
        assert_eq!(t2, [true, true, true, true]);
    }

    #[test]
    fn negatives_are_unobserved_and_counted() {
        let mut rng = rng::stream(1, &[]);
        let mut out = Vec::new();
        draw_samples(&[1, 4, 6], &[1.0, 1.0, 1.0], 3, 8, &mut rng, &mut out);
        assert_eq!(out[..3], [(1, 1.0), (4, 1.0), (6, 1.0)]);
        assert_eq!(out.len(), 3 + 9);
        assert!(
            out[3..]
                .iter()
                .all(|&(j, t)| t == 0.0 && ![1, 4, 6].contains(&j) && j < 8)
        );
        // A user who has seen every item gets no negatives (and the loop ends).
        draw_samples(&[0, 1], &[2.0, 3.0], 5, 2, &mut rng, &mut out);
        assert_eq!(out, [(0, 2.0), (1, 3.0)]);
    }
}
