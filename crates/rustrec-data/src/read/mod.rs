//! Readers of rating logs: MovieLens (`u.data`, `ratings.dat`, `ratings.csv`) and generic
//! delimited files.
//!
//! * [`read_triplets`] streams one file into [`crate::Triplets`] over caller-provided id maps
//!   (several files can share an id space); [`read_interactions`] and [`read_train_test`]
//!   build [`crate::Interactions`] directly.
//! * [`Format`] names a layout; [`detect_format`] tells it from the file name and first line.
//! * Errors name file, line, field and value (`u.data:3: rating field "five" is not a
//!   number`); nothing is skipped silently (see [`ReadOptions::skip_bad_rows`]).
//!
//! Files are read in large chunks (not whole into memory) and parsed on bytes by hand; see
//! the module docs of the private `lines` and `numbers` modules for the details.

mod format;
mod lines;
pub(crate) mod numbers;
mod ratings;

pub use format::{DelimitedSpec, Format, ML_CSV_HEADER, detect_format};
pub use lines::decode_text;
pub(crate) use lines::open;
pub use ratings::{
    KEPT_SKIPPED, ReadOptions, ReadReport, TrainTest, read_interactions, read_train_test,
    read_triplets,
};
