//! The CG row solve on a gathered copy: the row's other-side rows are copied once, in
//! rating order, into one contiguous block, and every pass of the solve (the residual,
//! then one per CG step) reads the block instead of `n` scattered rows of the other
//! side's table. On large data the scattered reads dominate (the item half-step of a
//! Netflix-sized set reads rows from a 123 MB user table, four times per item); the block
//! is read sequentially and, for most rows, from the cache.
//!
//! The arithmetic is [`kernel::cg_row_of`]'s, on the same values in the same order: the
//! result is bit-identical to the reference [`kernel::cg_row`] (tested below).

use super::kernel::{self, Scratch, System};
use crate::engine::simd::{Simd, prefetch};

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
    let row = |t: usize| &y[t * s..(t + 1) * s];
    kernel::cg_row_of(simd, sys, &row, values, x, steps, vecs)
}

/// Copies `others.row(items[t])` to `y[t·s..]` for every `t`, prefetching [`AHEAD`] rows
/// ahead.
#[inline(always)]
pub(crate) fn gather(others: &crate::engine::RowTable, items: &[u32], s: usize, y: &mut [f32]) {
    for (t, (&i, out)) in items.iter().zip(y.chunks_exact_mut(s)).enumerate() {
        if let Some(&ahead) = items.get(t + AHEAD) {
            for line in others.row(ahead as usize).chunks(16) {
                prefetch(line.as_ptr());
            }
        }
        out.copy_from_slice(others.row(i as usize));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::als::kernel::Loss;
    use crate::engine::RowTable;
    use crate::engine::simd::{Isa, WithSimd, each_level};

    struct Both<'a> {
        sys: &'a System<'a>,
        items: &'a [u32],
        values: &'a [f32],
        start: &'a [f32],
    }

    impl WithSimd for Both<'_> {
        type Output = ((Vec<f32>, f64), (Vec<f32>, f64));
        fn with_simd<S: Simd>(self, simd: S) -> Self::Output {
            let mut scratch = Scratch::new(self.start.len());
            let mut fast = self.start.to_vec();
            let f_fast = cg_row_gathered(simd, self.sys, self.items, self.values, &mut fast, 3, &mut scratch);
            let mut reference = self.start.to_vec();
            let f_ref = kernel::cg_row(simd, self.sys, self.items, self.values, &mut reference, 3, &mut scratch);
            ((fast, f_fast), (reference, f_ref))
        }
    }

    #[test]
    fn the_gathered_cg_solve_gives_the_reference_bits_at_every_level() {
        let (n_others, d) = (300usize, 64usize);
        let vals: Vec<f32> = (0..n_others * d).map(|i| (i as f32 * 0.37).sin() * 0.3).collect();
        let others = RowTable::from_dense(n_others, d, &vals);
        let gram = kernel::gram(&others, 0.1);
        let empty = Vec::new();
        // Rows in a scattered order, repeated rows, some of zero weight (the implicit
        // solve's unit-confidence shortcut); an explicit loss with a fixed column.
        let items: Vec<u32> = (0..120u32).map(|t| (t * 97 + 11) % n_others as u32).collect();
        let values: Vec<f32> = (0..120).map(|t| (t % 4) as f32).collect();
        let start: Vec<f32> = (0..d).map(|c| (c as f32 * 0.9).cos() * 0.1).collect();
        let losses = [
            (Loss::Implicit { alpha: 1.5 }, &gram),
            (Loss::Explicit { mu: 1.5, reg: 0.05, weighted: true, fixed: Some(d - 1) }, &empty),
        ];
        for (loss, g) in losses {
            let sys = System { others: &others, gram: g, loss };
            let skipped = each_level(|level| {
                let ((fast, f_fast), (reference, f_ref)) = level.dispatch(Both { sys: &sys, items: &items, values: &values, start: &start });
                assert_eq!(fast, reference, "{loss:?} {level:?}");
                assert_eq!(f_fast.to_bits(), f_ref.to_bits(), "{loss:?} {level:?}");
                assert_ne!(fast, start, "the solve moved the row");
            });
            assert!(!skipped.contains(&Isa::Scalar));
        }
    }
}
