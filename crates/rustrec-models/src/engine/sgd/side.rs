//! One side (users or items) of a factor model under block-parallel SGD: its per-row tables
//! in the grid's row order, and the disjoint per-bin slices the block schedule hands to the
//! kernels.

use crate::engine::checkpoint::codec;
use crate::engine::table::RowTable;
use crate::error::Result;

/// Every per-row table of one side, rows in the grid's (shuffled) order, so that a bin of
/// the grid is a contiguous range of rows in each table.
#[derive(Clone, Debug)]
pub struct SideTables {
    /// Padded factor rows.
    pub factors: RowTable,
    /// One bias per row (empty for a side without biases).
    pub bias: Vec<f32>,
    /// Optimizer state of the factor rows (`slots × stride` per row; empty for plain SGD).
    pub factor_state: Vec<f32>,
    /// Optimizer state of the biases (`slots` per row).
    pub bias_state: Vec<f32>,
    /// Updates applied to each row so far (Adam's `t`).
    pub steps: Vec<u32>,
    /// Regularisation multiplier of each row (empty: 1 for every row).
    pub reg_weight: Vec<f32>,
}

/// One side's parameters within a block: the rows of one bin of every [`SideTables`] table.
pub struct SideBin<'a> {
    /// Padded factor rows of the bin.
    pub factors: &'a mut [f32],
    /// Biases of the bin (empty for a side without biases).
    pub bias: &'a mut [f32],
    /// Optimizer state of the factor rows (`slots × stride` per row).
    pub factor_state: &'a mut [f32],
    /// Optimizer state of the biases (`slots` per row).
    pub bias_state: &'a mut [f32],
    /// Updates applied to each row so far (Adam's `t`).
    pub steps: &'a mut [u32],
    /// Regularisation multiplier of each row (empty: 1 for every row).
    pub reg_weight: &'a [f32],
}

impl SideBin<'_> {
    /// Appends every value this bin's updates change (factors, biases, optimizer state,
    /// step counts) to `out`, for another process or a checkpoint.
    pub fn encode(&self, out: &mut Vec<u8>) {
        codec::put_f32s(out, self.factors);
        codec::put_f32s(out, self.bias);
        codec::put_f32s(out, self.factor_state);
        codec::put_f32s(out, self.bias_state);
        codec::put_u32s(out, self.steps);
    }

    /// Overwrites this bin with values written by [`SideBin::encode`].
    pub fn decode(&mut self, r: &mut codec::Reader<'_>) -> Result<()> {
        r.f32s(self.factors)?;
        r.f32s(self.bias)?;
        r.f32s(self.factor_state)?;
        r.f32s(self.bias_state)?;
        r.u32s(self.steps)
    }
}

impl SideTables {
    /// Moves the factor table out (for the final model), leaving an empty one: the side is
    /// not trained after this.
    pub fn take_factors(&mut self) -> RowTable {
        let cols = self.factors.cols();
        std::mem::replace(&mut self.factors, RowTable::zeros(0, cols))
    }

    /// Appends every table that training changes (see [`SideBin::encode`]).
    pub fn encode(&self, out: &mut Vec<u8>) {
        codec::put_f32s(out, self.factors.as_slice());
        codec::put_f32s(out, &self.bias);
        codec::put_f32s(out, &self.factor_state);
        codec::put_f32s(out, &self.bias_state);
        codec::put_u32s(out, &self.steps);
    }

    /// Overwrites the tables with values written by [`SideTables::encode`].
    pub fn decode(&mut self, r: &mut codec::Reader<'_>) -> Result<()> {
        r.f32s(self.factors.as_mut_slice())?;
        r.f32s(&mut self.bias)?;
        r.f32s(&mut self.factor_state)?;
        r.f32s(&mut self.bias_state)?;
        r.u32s(&mut self.steps)
    }

    /// The tables of a side whose factor rows start as `factors` (already in grid order):
    /// biases zero (none when `biases` is false), `slots` optimizer slots per value
    /// starting at `state0` (Adagrad's initial accumulator; 0 otherwise), no steps yet.
    pub fn new(
        factors: RowTable,
        biases: bool,
        slots: usize,
        state0: f32,
        reg_weight: Vec<f32>,
    ) -> Self {
        let rows = factors.rows();
        let bias_rows = if biases { rows } else { 0 };
        SideTables {
            factor_state: vec![state0; rows * slots * factors.stride()],
            bias: vec![0.0; bias_rows],
            bias_state: vec![state0; bias_rows * slots],
            steps: vec![0; rows],
            reg_weight,
            factors,
        }
    }

    /// The slices of each bin: bin `b` holds rows `bounds[b]..bounds[b + 1]` of every table.
    pub fn bins(&mut self, bounds: &[usize]) -> Vec<SideBin<'_>> {
        let rows = self.factors.rows();
        let stride = self.factors.stride();
        let width = |len: usize| len.checked_div(rows).unwrap_or(0);
        let (bias_w, state_w, bias_state_w, weight_w) = (
            width(self.bias.len()),
            width(self.factor_state.len()),
            width(self.bias_state.len()),
            width(self.reg_weight.len()),
        );
        let weights = &self.reg_weight;
        let mut weight_bins = Vec::with_capacity(bounds.len());
        for w in bounds.windows(2) {
            weight_bins.push(&weights[w[0] * weight_w..w[1] * weight_w]);
        }
        split_rows(self.factors.as_mut_slice(), bounds, stride)
            .into_iter()
            .zip(split_rows(&mut self.bias, bounds, bias_w))
            .zip(split_rows(&mut self.factor_state, bounds, state_w))
            .zip(split_rows(&mut self.bias_state, bounds, bias_state_w))
            .zip(split_rows(&mut self.steps, bounds, 1))
            .zip(weight_bins)
            .map(
                |(((((factors, bias), factor_state), bias_state), steps), reg_weight)| SideBin {
                    factors,
                    bias,
                    factor_state,
                    bias_state,
                    steps,
                    reg_weight,
                },
            )
            .collect()
    }
}

/// Cuts `data` into the row ranges of `bounds`, `width` values per row (`width = 0`: empty
/// slices).
pub fn split_rows<'t, T>(
    mut data: &'t mut [T],
    bounds: &[usize],
    width: usize,
) -> Vec<&'t mut [T]> {
    let mut out = Vec::with_capacity(bounds.len().saturating_sub(1));
    for w in bounds.windows(2) {
        let (piece, rest) = data.split_at_mut((w[1] - w[0]) * width);
        out.push(piece);
        data = rest;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bin_gets_its_rows_of_every_table() {
        let mut factors = RowTable::zeros(5, 3);
        for r in 0..5 {
            factors.row_mut(r)[0] = r as f32;
        }
        let stride = factors.stride();
        let mut side = SideTables::new(factors, true, 2, 0.5, vec![10.0, 11.0, 12.0, 13.0, 14.0]);
        assert_eq!(side.factor_state.len(), 5 * 2 * stride);
        assert!(side.bias_state.iter().all(|&s| s == 0.5));
        let bins = side.bins(&[0, 2, 2, 5]);
        assert_eq!(bins.len(), 3);
        let rows: Vec<usize> = bins.iter().map(|b| b.steps.len()).collect();
        assert_eq!(rows, [2, 0, 3]);
        for (b, first) in bins.iter().zip([Some(0.0), None, Some(2.0)]) {
            assert_eq!(b.factors.len(), b.steps.len() * stride);
            assert_eq!(b.bias.len(), b.steps.len());
            assert_eq!(b.factor_state.len(), b.steps.len() * 2 * stride);
            assert_eq!(b.bias_state.len(), b.steps.len() * 2);
            assert_eq!(b.factors.first().copied(), first);
        }
        assert_eq!(bins[2].reg_weight, [12.0, 13.0, 14.0]);
    }

    #[test]
    fn a_side_without_biases_or_weights_gets_empty_slices() {
        let mut side = SideTables::new(RowTable::zeros(4, 2), false, 0, 0.0, Vec::new());
        for b in side.bins(&[0, 1, 4]) {
            assert!(b.bias.is_empty() && b.bias_state.is_empty() && b.factor_state.is_empty());
            assert!(b.reg_weight.is_empty());
            assert!(!b.steps.is_empty());
        }
    }
}
