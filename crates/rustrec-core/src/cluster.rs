//! What a fit needs from a cluster of processes that train one model together, and how a
//! fit keeps checkpoints.
//!
//! A [`Cluster`] is a fixed set of processes (`0..processes()`); each holds the whole
//! training data and a copy of the parameters, solves only its share of the rows or blocks,
//! and exchanges what it solved with [`Cluster::all_gather`]. Because every row (ALS) or
//! block (DSGD) is computed by exactly one process with the same kernel and the same
//! inputs, every process ends each step with the same bits as a single-process run.
//! `rustrec-dist` implements it on timely dataflow; a fit without a cluster is one process.

use std::path::PathBuf;
use std::sync::Arc;

/// A set of processes training one model (see the module docs).
pub trait Cluster: Send + Sync {
    /// This process, in `0..processes()`.
    fn process(&self) -> usize;
    /// Number of processes.
    fn processes(&self) -> usize;
    /// Sends `mine` to every other process and returns every process's part, in process
    /// order (this process's own part included). Every process must call it the same
    /// number of times, in the same order. An error (a lost process) ends the fit.
    fn all_gather(&self, mine: Vec<u8>) -> Result<Vec<Vec<u8>>, String>;
}

/// A shared handle to a cluster.
pub type ClusterHandle = Arc<dyn Cluster>;

/// Checkpoints of a fit: the trainer's whole state, written atomically to
/// `dir/checkpoint.rrck` every `every` epochs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpointing {
    /// Directory of the checkpoint file (created when missing).
    pub dir: PathBuf,
    /// Write after every `every`-th epoch (at least 1).
    pub every: usize,
    /// Continue from the checkpoint in `dir`, if there is one.
    pub resume: bool,
    /// Identifies the run (configuration and data): a checkpoint written under another key
    /// is refused on resume.
    pub key: String,
}

/// The contiguous share of `0..rows` that process `p` of `processes` solves, balanced by
/// the number of entries: `ptr` holds the `rows + 1` row offsets of the data.
pub fn row_share(ptr: &[usize], p: usize, processes: usize) -> std::ops::Range<usize> {
    let rows = ptr.len().saturating_sub(1);
    let nnz = ptr.last().copied().unwrap_or(0);
    let bound = |q: usize| {
        if q == 0 {
            0
        } else if q >= processes {
            rows
        } else {
            let target = q * nnz / processes;
            ptr[..rows].partition_point(|&o| o < target)
        }
    };
    bound(p)..bound(p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_shares_cover_every_row_once_and_balance_entries() {
        // Rows with 4, 0, 2, 2, 4, 0 entries.
        let ptr = [0, 4, 4, 6, 8, 12, 12];
        let shares: Vec<_> = (0..3).map(|p| row_share(&ptr, p, 3)).collect();
        assert_eq!(shares, vec![0..1, 1..4, 4..6]);
        let one = row_share(&ptr, 0, 1);
        assert_eq!(one, 0..6);
        let many: Vec<_> = (0..8).map(|p| row_share(&ptr, p, 8)).collect();
        assert_eq!(many.first().unwrap().start, 0);
        assert_eq!(many.last().unwrap().end, 6);
        assert!(many.windows(2).all(|w| w[0].end == w[1].start));
    }
}
