//! Exchanging rows of a [`RowTable`] between the processes of a [`Cluster`]: each process
//! owns a contiguous share of the rows, computes it, and every process ends with every row.
//!
//! A message is the process's partial sums (an objective and a count per chunk of rows it
//! solved, for the epoch's report) followed by the `cols` logical floats of each row of
//! its share, little-endian; the padding of a row is zero and is not sent.

use std::ops::Range;

use rustrec_core::cluster::{Cluster, row_share};

use super::table::RowTable;
use crate::error::{ModelError, Result};

/// The share of every process: process `q` owns rows `shares[q]` (see [`row_share`]).
pub fn shares(ptr: &[usize], processes: usize) -> Vec<Range<usize>> {
    (0..processes)
        .map(|q| row_share(ptr, q, processes))
        .collect()
}

/// Sends the rows `shares[me]` of `table` (with this process's `partials`) to every
/// process and writes every other process's rows into `table`; returns every process's
/// partials, concatenated in process order.
pub fn all_gather_rows(
    cluster: &dyn Cluster,
    table: &mut RowTable,
    shares: &[Range<usize>],
    partials: &[(f64, u64)],
) -> Result<Vec<(f64, u64)>> {
    let me = cluster.process();
    let cols = table.cols();
    let mine = &shares[me];
    let mut out = Vec::with_capacity(8 + 16 * partials.len() + mine.len() * cols * 4);
    out.extend_from_slice(&(partials.len() as u64).to_le_bytes());
    for (f, n) in partials {
        out.extend_from_slice(&f.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
    }
    for r in mine.clone() {
        for x in &table.row(r)[..cols] {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    let parts = cluster.all_gather(out).map_err(ModelError::Data)?;
    let mut all = Vec::new();
    for (q, part) in parts.iter().enumerate() {
        let rows = shares[q].clone();
        let k = part.get(..8).map_or(0, |h| {
            u64::from_le_bytes(h.try_into().expect("8 bytes")) as usize
        });
        let head = 8 + 16 * k;
        if part.len() != head + rows.len() * cols * 4 {
            return Err(ModelError::Data(format!(
                "process {q} sent {} bytes of rows where {} were expected (do all processes \
                 run the same configuration on the same data?)",
                part.len(),
                head + rows.len() * cols * 4
            )));
        }
        for w in part[8..head].chunks_exact(16) {
            all.push((
                f64::from_le_bytes(w[..8].try_into().expect("8 bytes")),
                u64::from_le_bytes(w[8..].try_into().expect("8 bytes")),
            ));
        }
        if q == me {
            continue;
        }
        let mut words = part[head..].chunks_exact(4);
        for r in rows {
            for x in &mut table.row_mut(r)[..cols] {
                *x = f32::from_le_bytes(
                    words.next().expect("length checked").try_into().expect("4"),
                );
            }
        }
    }
    Ok(all)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::{Arc, Barrier, Mutex};

    /// An in-memory cluster of threads (for tests): `all_gather` meets at a barrier.
    pub(crate) struct ThreadCluster {
        me: usize,
        shared: Arc<Meeting>,
    }

    /// What the simulated processes share: one slot each, and a barrier before and after
    /// the slots are read.
    struct Meeting {
        before: Barrier,
        slots: Mutex<Vec<Vec<u8>>>,
        after: Barrier,
    }

    impl ThreadCluster {
        /// `n` handles, one per simulated process.
        pub(crate) fn new(n: usize) -> Vec<ThreadCluster> {
            let shared = Arc::new(Meeting {
                before: Barrier::new(n),
                slots: Mutex::new(vec![Vec::new(); n]),
                after: Barrier::new(n),
            });
            (0..n)
                .map(|me| ThreadCluster {
                    me,
                    shared: Arc::clone(&shared),
                })
                .collect()
        }
    }

    impl Cluster for ThreadCluster {
        fn process(&self) -> usize {
            self.me
        }
        fn processes(&self) -> usize {
            self.shared.slots.lock().unwrap().len()
        }
        fn all_gather(&self, mine: Vec<u8>) -> std::result::Result<Vec<Vec<u8>>, String> {
            let Meeting {
                before,
                slots,
                after,
            } = &*self.shared;
            slots.lock().unwrap()[self.me] = mine;
            before.wait();
            let all = slots.lock().unwrap().clone();
            after.wait();
            Ok(all)
        }
    }

    #[test]
    fn every_process_ends_with_every_row() {
        let ptr = [0usize, 2, 3, 5, 9, 10];
        let clusters = ThreadCluster::new(2);
        let tables: Vec<RowTable> = std::thread::scope(|s| {
            let hs: Vec<_> = clusters
                .iter()
                .map(|c| {
                    s.spawn(move || {
                        let sh = shares(&ptr, 2);
                        let mut t = RowTable::zeros(5, 3);
                        for r in sh[c.process()].clone() {
                            t.row_mut(r)[..3].copy_from_slice(&[r as f32, 1.0, -(r as f32)]);
                        }
                        let me = c.process();
                        let got = all_gather_rows(c, &mut t, &sh, &[(me as f64, 1)]).unwrap();
                        assert_eq!(got, vec![(0.0, 1), (1.0, 1)]);
                        t
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for t in &tables {
            for r in 0..5 {
                assert_eq!(&t.row(r)[..3], &[r as f32, 1.0, -(r as f32)]);
            }
        }
    }
}
