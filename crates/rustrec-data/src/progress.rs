//! Progress reporting for long operations (reading, training, evaluation).
//!
//! Library code reports progress through this trait; the command-line tool implements it
//! with progress bars, library users may implement it as they like or pass [`NoProgress`].

/// Receives progress of a long operation. All methods have empty defaults.
pub trait Progress: Sync {
    /// A new phase starts: `label` names it, `total` is its length in `unit`s if known.
    fn start(&self, _label: &str, _total: Option<u64>) {}
    /// `delta` more units are done.
    fn advance(&self, _delta: u64) {}
    /// The phase is over.
    fn finish(&self) {}
    /// A line of information to show to the user (for example one line per epoch).
    fn message(&self, _line: &str) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}
