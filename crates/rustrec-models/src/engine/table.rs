//! [`RowTable`]: a row-major table of f32 rows (factor vectors, biases, optimizer state),
//! each row padded to a multiple of [`LANES`] floats and aligned to 64 bytes, so that the
//! SGD kernels work on whole SIMD registers and every row starts a cache line.

/// `values[pos[r]]` for every `r`: a column (biases) in the order `pos` gives, as
/// [`RowTable::gather`] does for rows.
pub fn gather_values(values: &[f32], pos: &[u32]) -> Vec<f32> {
    pos.iter().map(|&p| values[p as usize]).collect()
}

/// Floats per SIMD block (one 512-bit register, one 64-byte cache line).
pub const LANES: usize = 16;

/// A table of `rows` rows of `cols` logical columns, stored with a padded stride.
///
/// Padding columns are zero and stay zero under every update in this crate (their
/// gradients are products with zero), so kernels may process whole padded rows.
#[derive(Clone)]
pub struct RowTable {
    rows: usize,
    cols: usize,
    stride: usize,
    start: usize,
    data: Vec<f32>,
}

impl PartialEq for RowTable {
    /// Tables are equal when their shapes and values are (alignment offsets aside).
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows && self.cols == other.cols && self.as_slice() == other.as_slice()
    }
}

impl std::fmt::Debug for RowTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowTable({} × {})", self.rows, self.cols)
    }
}

impl RowTable {
    /// A zero table. `cols == 1` gives an unpadded column (biases); otherwise rows are
    /// padded to a multiple of [`LANES`].
    pub fn zeros(rows: usize, cols: usize) -> Self {
        let stride = if cols <= 1 {
            cols
        } else {
            cols.div_ceil(LANES) * LANES
        };
        Self::zeros_with_stride(rows, cols, stride)
    }

    /// A zero table of `rows` rows of `stride` floats, the first `cols` of them logical.
    fn zeros_with_stride(rows: usize, cols: usize, stride: usize) -> Self {
        let mut data = vec![0.0f32; rows * stride + LANES];
        let misalign = (data.as_ptr() as usize % 64) / std::mem::size_of::<f32>();
        let start = if misalign == 0 { 0 } else { LANES - misalign };
        data.truncate(start + rows * stride);
        RowTable {
            rows,
            cols,
            stride,
            start,
            data,
        }
    }

    /// A zero table whose rows are padded to a multiple of [`LANES`] even for `cols == 1`:
    /// the layout of kernels that work on whole SIMD chunks only (MF's fused SGD step).
    pub fn zeros_chunked(rows: usize, cols: usize) -> Self {
        Self::zeros_with_stride(rows, cols, cols.div_ceil(LANES) * LANES)
    }

    /// This table with rows padded to a multiple of [`LANES`] (see
    /// [`RowTable::zeros_chunked`]); unchanged when they already are.
    pub fn into_chunked(self) -> Self {
        if self.stride.is_multiple_of(LANES) {
            return self;
        }
        let mut t = Self::zeros_chunked(self.rows, self.cols);
        for r in 0..self.rows {
            t.row_mut(r)[..self.cols].copy_from_slice(&self.row(r)[..self.cols]);
        }
        t
    }

    /// A table holding `values` (`rows × cols`, row-major, unpadded).
    pub fn from_dense(rows: usize, cols: usize, values: &[f32]) -> Self {
        assert_eq!(
            values.len(),
            rows * cols,
            "dense table has the wrong length"
        );
        let mut t = Self::zeros(rows, cols);
        for r in 0..rows {
            t.row_mut(r)[..cols].copy_from_slice(&values[r * cols..(r + 1) * cols]);
        }
        t
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Logical number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Floats per stored row (≥ `cols`).
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Row `r` including padding.
    #[inline]
    pub fn row(&self, r: usize) -> &[f32] {
        let a = self.start + r * self.stride;
        &self.data[a..a + self.stride]
    }

    /// Row `r` including padding, mutable.
    #[inline]
    pub fn row_mut(&mut self, r: usize) -> &mut [f32] {
        let a = self.start + r * self.stride;
        &mut self.data[a..a + self.stride]
    }

    /// All rows, padded, as one slice.
    pub fn as_slice(&self) -> &[f32] {
        &self.data[self.start..]
    }

    /// All rows, padded, as one mutable slice.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data[self.start..]
    }

    /// The rows without padding, row-major (`rows × cols`).
    pub fn to_dense(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.rows * self.cols);
        for r in 0..self.rows {
            out.extend_from_slice(&self.row(r)[..self.cols]);
        }
        out
    }

    /// Splits the table into the row ranges `bounds[b]..bounds[b+1]`, each as a mutable
    /// slice — the disjoint pieces that parallel blocks own.
    pub fn split_rows(&mut self, bounds: &[usize]) -> Vec<&mut [f32]> {
        let stride = self.stride;
        let mut rest = self.as_mut_slice();
        let mut out = Vec::with_capacity(bounds.len().saturating_sub(1));
        for w in bounds.windows(2) {
            let (piece, tail) = rest.split_at_mut((w[1] - w[0]) * stride);
            out.push(piece);
            rest = tail;
        }
        out
    }

    /// A copy whose row `r` is row `perm[r]` of this table.
    pub fn gather(&self, perm: &[u32]) -> Self {
        let mut out = Self::zeros(perm.len(), self.cols);
        for (r, &src) in perm.iter().enumerate() {
            out.row_mut(r).copy_from_slice(self.row(src as usize));
        }
        out
    }

    /// [`Self::gather`] by a permutation of the rows, in place (no second table): row `r`
    /// becomes row `perm[r]`, moving rows along the permutation's cycles.
    ///
    /// # Panics
    /// If `perm` is not a permutation of `0..rows`.
    pub fn into_gathered(mut self, perm: &[u32]) -> Self {
        assert_eq!(perm.len(), self.rows, "a permutation of every row");
        let stride = self.stride;
        let mut done = vec![false; self.rows];
        let mut first = vec![0f32; stride];
        for start in 0..self.rows {
            if done[start] {
                continue;
            }
            first.copy_from_slice(self.row_mut(start));
            let mut r = start;
            loop {
                done[r] = true;
                let src = perm[r] as usize;
                if src == start {
                    self.row_mut(r).copy_from_slice(&first);
                    break;
                }
                assert!(!done[src], "row {src} appears twice in the permutation");
                let base = self.start;
                self.data.copy_within(
                    base + src * stride..base + (src + 1) * stride,
                    base + r * stride,
                );
                r = src;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_padded_aligned_and_round_trip() {
        let t = RowTable::from_dense(3, 5, &(0..15).map(|v| v as f32).collect::<Vec<_>>());
        assert_eq!(t.stride(), 16);
        assert_eq!(t.row(1)[..5], [5.0, 6.0, 7.0, 8.0, 9.0]);
        assert!(t.row(1)[5..].iter().all(|&v| v == 0.0));
        assert_eq!(t.row(2).as_ptr() as usize % 64, 0);
        assert_eq!(t.to_dense(), (0..15).map(|v| v as f32).collect::<Vec<_>>());
        let b = RowTable::zeros(4, 1);
        assert_eq!(b.stride(), 1);
    }

    #[test]
    fn chunked_tables_pad_a_single_column_to_a_whole_chunk() {
        let t = RowTable::from_dense(3, 1, &[1.0, 2.0, 3.0]).into_chunked();
        assert_eq!(t.stride(), LANES);
        assert_eq!(t.to_dense(), vec![1.0, 2.0, 3.0]);
        assert!(t.row(1)[1..].iter().all(|&v| v == 0.0));
        assert_eq!(t.row(2).as_ptr() as usize % 64, 0);
        assert_eq!(RowTable::zeros_chunked(2, 1).stride(), LANES);
        assert_eq!(RowTable::zeros_chunked(2, 20).stride(), 2 * LANES);
    }

    #[test]
    fn split_rows_gives_disjoint_ranges() {
        let mut t = RowTable::from_dense(4, 1, &[1.0, 2.0, 3.0, 4.0]);
        let parts = t.split_rows(&[0, 1, 4]);
        assert_eq!(parts[0], &[1.0]);
        assert_eq!(parts[1], &[2.0, 3.0, 4.0]);
    }

    #[test]
    fn gathering_in_place_equals_gathering_into_a_copy() {
        let (rows, cols) = (97, 20);
        let values: Vec<f32> = (0..rows * cols).map(|v| v as f32 * 0.5).collect();
        let t = RowTable::from_dense(rows, cols, &values);
        // Permutations with one long cycle, many short ones, and the identity.
        let perms: Vec<Vec<u32>> = vec![
            (0..rows as u32)
                .map(|r| (r * 13 + 5) % rows as u32)
                .collect(),
            (0..rows as u32)
                .map(|r| r ^ 1)
                .map(|r| r.min(rows as u32 - 1))
                .collect(),
            (0..rows as u32).collect(),
        ];
        for perm in perms {
            let mut sorted = perm.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..rows as u32).collect::<Vec<_>>(),
                "a permutation"
            );
            let got = t.clone().into_gathered(&perm);
            assert_eq!(got, t.gather(&perm));
            assert_eq!(
                got.row(3)[..cols],
                values[perm[3] as usize * cols..][..cols]
            );
        }
    }

    #[test]
    fn gather_permutes_rows() {
        let t = RowTable::from_dense(3, 1, &[10.0, 20.0, 30.0]);
        assert_eq!(t.gather(&[2, 0, 1]).to_dense(), vec![30.0, 10.0, 20.0]);
        assert_eq!(t.clone().into_gathered(&[2, 0, 1]), t.gather(&[2, 0, 1]));
        assert_eq!(
            gather_values(&[10.0, 20.0, 30.0], &[2, 0, 1]),
            vec![30.0, 10.0, 20.0]
        );
    }
}
