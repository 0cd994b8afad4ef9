//! The fast SGD kernel over one block of the rows layout ([`crate::engine::row_grid`]):
//! the block's users in the order of a [`Walk`], each user's segment of its CSR row in item
//! order, read in place. The update is [`super::kernel`]'s fused step; only the order and
//! the source of the samples differ from [`super::kernel::sgd_block`], against which it is
//! tested bit for bit.

use crate::engine::grid::Walk;
use crate::engine::row_grid::RowSegments;
use crate::engine::simd::{Level, Simd, WithSimd, prefetch};

use super::kernel::{LR_REFRESH, LrAt, RegWeights, SgdConsts, fused_step};

/// One block of the rows layout: user range `users` and item range `item_range` of the
/// training matrix in CSR form (`user_ptr`, `items`, `values`, as in `Interactions`).
#[derive(Clone, Copy)]
pub struct RowsBlock<'a> {
    /// CSR row pointers of the whole matrix.
    pub user_ptr: &'a [usize],
    /// CSR item indices of the whole matrix.
    pub items: &'a [u32],
    /// CSR values of the whole matrix.
    pub values: &'a [f32],
    /// Where each row crosses the item ranges.
    pub segments: &'a RowSegments,
    /// The block's first user (index into the matrix).
    pub first_user: usize,
    /// The block's number of users.
    pub n_users: usize,
    /// The block's item range (its index among the item ranges).
    pub item_range: usize,
    /// The first item of that range (item `i` is row `i − item_lo` of the item bin).
    pub item_lo: u32,
    /// Ratings in the block.
    pub len: usize,
}

/// The kernel as a [`WithSimd`] operation; fields are [`sgd_rows_block_with`]'s arguments.
struct SgdRows<'a>(
    RowsBlock<'a>,
    Walk,
    &'a mut [f32],
    &'a mut [f32],
    &'a mut [f32],
    &'a mut [f32],
    RegWeights<'a>,
    SgdConsts,
    &'a dyn LrAt,
);

/// Asks for user `u`'s factor row and its segment's items and values (every cache line).
#[inline(always)]
fn prefetch_user(b: &RowsBlock<'_>, p: &[f32], stride: usize, local: usize) {
    let row = &p[local * stride..(local + 1) * stride];
    for line in row.chunks(16) {
        prefetch(line.as_ptr());
    }
    let seg = b
        .segments
        .segment(b.user_ptr, b.first_user + local, b.item_range);
    // Every cache line of the segment's items and values (a segment spans a few).
    if let (Some(items), Some(values)) = (b.items.get(seg.clone()), b.values.get(seg)) {
        for (i, v) in items.chunks(16).zip(values.chunks(16)) {
            prefetch(i.as_ptr());
            prefetch(v.as_ptr());
        }
        if let (Some(i), Some(v)) = (items.last(), values.last()) {
            prefetch(i);
            prefetch(v);
        }
    }
}

impl WithSimd for SgdRows<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f64 {
        let SgdRows(b, walk, p, q, bu, bi, w, c, lr_at) = self;
        let s = c.stride;
        let n_users = b.n_users;
        let n = b.len;
        let mut local = walk.start;
        let mut k = 0usize;
        let mut lr = lr_at(0, n);
        let mut loss = 0.0f64;
        for _ in 0..n_users {
            let u = local;
            local += walk.step;
            if local >= n_users {
                local -= n_users;
            }
            prefetch_user(&b, p, s, local);
            // The segment table entries of the user after next: reading them for the next
            // user's prefetch above then hits the cache instead of stalling the pipeline.
            let after = if local + walk.step >= n_users {
                local + walk.step - n_users
            } else {
                local + walk.step
            };
            b.segments
                .prefetch_segment(b.user_ptr, b.first_user + after, b.item_range);
            let seg = b
                .segments
                .segment(b.user_ptr, b.first_user + u, b.item_range);
            let p_u = &mut p[u * s..(u + 1) * s];
            let items = &b.items[seg.clone()];
            for (j, (&item, &r)) in items.iter().zip(&b.values[seg]).enumerate() {
                if k.is_multiple_of(LR_REFRESH) && k > 0 {
                    lr = lr_at(k, n);
                }
                // The next rating's item row, from the second-level cache into the first.
                if let Some(&next) = items.get(j + 1) {
                    let at = (next - b.item_lo) as usize * s;
                    for line in q[at..at + s].chunks(16) {
                        prefetch(line.as_ptr());
                    }
                }
                let i = (item - b.item_lo) as usize;
                let (wu, wi) = w.at(u, i);
                let base = c.mu + bu[u] + bi[i];
                let err = fused_step(
                    simd,
                    p_u,
                    &mut q[i * s..(i + 1) * s],
                    r,
                    base,
                    lr,
                    c.reg * wu,
                    c.reg * wi,
                );
                if c.biases {
                    bu[u] += lr * (err - c.reg_bias * wu * bu[u]);
                    bi[i] += lr * (err - c.reg_bias * wi * bi[i]);
                }
                loss += f64::from(err * err);
                k += 1;
            }
        }
        loss
    }
}

/// Plain SGD over one rows-layout block at the best level of this CPU: users in the order
/// of `walk` (over `0..block.n_users`), `p`/`q` the padded factor rows of the block's
/// user and item bins, `bu`/`bi` their biases. Returns the sum of squared errors.
#[allow(clippy::too_many_arguments)]
pub fn sgd_rows_block(
    block: RowsBlock<'_>,
    walk: Walk,
    p: &mut [f32],
    q: &mut [f32],
    bu: &mut [f32],
    bi: &mut [f32],
    w: RegWeights<'_>,
    c: SgdConsts,
    lr_at: &dyn LrAt,
) -> f64 {
    sgd_rows_block_with(Level::detect(), block, walk, p, q, bu, bi, w, c, lr_at)
}

/// [`sgd_rows_block`] at a chosen instruction-set level (one of [`Level::available`]).
#[allow(clippy::too_many_arguments)]
pub fn sgd_rows_block_with(
    level: Level,
    block: RowsBlock<'_>,
    walk: Walk,
    p: &mut [f32],
    q: &mut [f32],
    bu: &mut [f32],
    bi: &mut [f32],
    w: RegWeights<'_>,
    c: SgdConsts,
    lr_at: &dyn LrAt,
) -> f64 {
    assert_eq!(c.stride % 16, 0, "rows must be padded to 16 floats");
    assert!(p.len() >= block.n_users * c.stride);
    level.dispatch(SgdRows(block, walk, p, q, bu, bi, w, c, lr_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::grid::Entry;
    use crate::engine::rng;
    use crate::engine::row_grid::row_ranges;
    use crate::engine::simd::each_level;
    use crate::mf::kernel::{Order, sgd_block_with};
    use rustrec_data::Interactions;

    #[test]
    fn rows_kernel_gives_the_entry_kernel_bits_on_the_same_visiting_order() {
        let rows: Vec<(u32, u32, f32)> = (0..29u32)
            .flat_map(|u| {
                (0..19u32)
                    .filter(move |i| (u * 5 + i * 3) % 4 < 2)
                    .map(move |i| (u, i, 1.0 + ((u * 7 + i) % 5) as f32))
            })
            .collect();
        let x = Interactions::from_index_triplets(29, 19, &rows).unwrap();
        let (g, seg) = row_ranges(&x, 3);
        let (k, stride) = (21, 32);
        let c = SgdConsts {
            stride,
            mu: 3.0,
            reg: 0.05,
            reg_bias: 0.02,
            biases: true,
        };
        let (r, col) = (1, 2);
        let users = g.user_bounds[r]..g.user_bounds[r + 1];
        let item_lo = g.item_bounds[col];
        let (nu, ni) = (users.len(), g.item_bounds[col + 1] - item_lo);
        let walk = Walk::random(&mut rng::stream(7, &[]), nu);
        assert!(walk.step > 1 || nu <= 2, "a walk that is not the identity");
        // The entries in the order the rows kernel visits them.
        let mut visit = Vec::new();
        let mut local = walk.start;
        for _ in 0..nu {
            for kk in seg.segment(x.user_ptr(), users.start + local, col) {
                visit.push(Entry {
                    user: local as u32,
                    item: x.item_indices()[kk] - item_lo as u32,
                    value: x.values()[kk],
                });
            }
            local = (local + walk.step) % nu;
        }
        assert_eq!(visit.len(), seg.block_len(r, col));
        assert!(visit.len() > 10);
        let block = RowsBlock {
            user_ptr: x.user_ptr(),
            items: x.item_indices(),
            values: x.values(),
            segments: &seg,
            first_user: users.start,
            n_users: nu,
            item_range: col,
            item_lo: item_lo as u32,
            len: seg.block_len(r, col),
        };
        let init = |n: usize, salt: usize| -> Vec<f32> {
            let mut v = vec![0.0f32; n * stride];
            for row in 0..n {
                for f in 0..k {
                    v[row * stride + f] = (((row * k + f + salt) * 37 % 17) as f32 - 8.0) / 40.0;
                }
            }
            v
        };
        // A schedule that changes inside the block (refreshed every LR_REFRESH samples).
        let lr_at = |kk: usize, _n: usize| 0.01 + 1e-6 * kk as f32;
        each_level(|level| {
            let (mut p1, mut q1) = (init(nu, 1), init(ni, 2));
            let (mut bu1, mut bi1) = (vec![0.1f32; nu], vec![-0.2f32; ni]);
            let (mut p2, mut q2, mut bu2, mut bi2) =
                (p1.clone(), q1.clone(), bu1.clone(), bi1.clone());
            let l1 = sgd_rows_block_with(
                level,
                block,
                walk,
                &mut p1,
                &mut q1,
                &mut bu1,
                &mut bi1,
                RegWeights::default(),
                c,
                &lr_at,
            );
            let l2 = sgd_block_with(
                level,
                &visit[..],
                Order::Walk(Walk { start: 0, step: 1 }),
                &mut p2,
                &mut q2,
                &mut bu2,
                &mut bi2,
                RegWeights::default(),
                c,
                &lr_at,
            );
            assert_eq!(l1.to_bits(), l2.to_bits(), "{level:?}");
            assert!(
                p1 == p2 && q1 == q2 && bu1 == bu2 && bi1 == bi2,
                "{level:?}"
            );
            assert!(p1 != init(nu, 1), "the kernel trained");
        });
    }
}
