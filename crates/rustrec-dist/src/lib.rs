//! Distributed training on timely dataflow: several processes, each with a copy of the
//! training data, train one model together and end with the bits a single process computes.
//!
//! * [`hostfile`]: the host file (`host:port` a line, timely's meaning: line `i` is
//!   process `i`).
//! * [`timely_cluster`]: [`TimelyCluster`], a [`rustrec_core::cluster::Cluster`] whose
//!   all-gather runs as a timely dataflow over TCP between the processes.
//! * [`fault`]: a lost process stops the others with an error naming it, never a hang.
//!
//! The algorithms (which rows or blocks a process computes, what it sends) live with the
//! model families in `rustrec-models` (ALS/iALS: `als::train`; MF by DSGD:
//! `mf::train` on the block schedule of `engine::grid`); this crate only moves bytes.

#![warn(missing_docs)]

pub mod fault;
pub mod hostfile;
pub mod quiet_stdout;
pub mod timely_cluster;

pub use hostfile::read_hostfile;
pub use timely_cluster::{ClusterSpec, TimelyCluster};

/// What can go wrong while starting a cluster.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    /// The host file or the flags do not describe a cluster.
    #[error("{0}")]
    Config(String),
    /// timely could not start (a port in use, a peer unreachable, ...).
    #[error("cannot start the cluster: {0}")]
    Start(String),
}
