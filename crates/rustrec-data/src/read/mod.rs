//! Readers of rating logs: MovieLens (`u.data`, `ratings.dat`, `ratings.csv`) and generic
//! delimited files.
//!
//! * [`read_triplets`] streams one file into [`crate::Triplets`] over caller-provided id maps
//!   (several files can share an id space); [`read_interactions`] and [`read_train_test`]
//!   build [`crate::Interactions`] directly.
//! * [`read_interactions_shared`] and [`read_train_test_shared`] give the same result with the
//!   file read by several processes together, each parsing only its share (byte ranges of a
//!   text file, row groups of a Parquet file) and exchanging them through an [`Exchange`].
//! * [`Format`] names a layout; [`detect_format`] tells it from the file name and first line.
//! * Errors name file, line, field and value (`u.data:3: rating field "five" is not a
//!   number`); nothing is skipped silently (see [`ReadOptions::skip_bad_rows`]).
//!
//! ```
//! use rustrec_data::{NoProgress, ReadOptions, UserIdx, ItemIdx, read_interactions};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("ratings.dat");
//! std::fs::write(&path, "1::10::4.5::978300760\n2::10::3::978302109\n")?;
//! let (x, report) = read_interactions(&path, &ReadOptions::default(), &NoProgress)?;
//! assert_eq!((x.n_users(), x.n_items(), x.nnz()), (2, 1, 2));
//! assert_eq!(x.get(UserIdx(0), ItemIdx(0)), Some(4.5));
//! assert_eq!(report.format.to_string(), "ml-dat");
//!
//! std::fs::write(&path, "1::10::4.5::978300760\n2::10::lots::978302109\n")?;
//! let err = read_interactions(&path, &ReadOptions::default(), &NoProgress).unwrap_err();
//! assert!(err.to_string().ends_with("ratings.dat:2: rating field \"lots\" is not a number"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Files are read in large chunks (not whole into memory) and parsed on bytes by hand; see
//! the module docs of the private `lines` and `numbers` modules for the details.

mod chunked;
mod format;
mod gather;
mod interner;
mod layout;
mod lines;
pub(crate) mod numbers;
mod ratings;
#[cfg(test)]
mod reference;
mod row;
mod share;

pub use format::{ColumnRole, DelimitedSpec, Format, ML_CSV_HEADER, column_role, detect_format};
pub use gather::{Exchange, ROUND_ROWS, read_interactions_shared, read_train_test_shared};
#[cfg(feature = "parquet")]
pub(crate) use interner::{Interner, LocalIds, TablePool};
pub(crate) use lines::open;
pub use lines::{decode_text, without_byte_order_mark};
pub use ratings::{
    KEPT_SKIPPED, ReadOptions, ReadReport, TimestampUse, TrainTest, fresh_id_maps,
    read_in_id_space, read_interactions, read_train_test, read_triplets,
};
pub use share::{read_triplets_share, share_bounds};
