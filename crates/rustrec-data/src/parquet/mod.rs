//! Rating files in Apache Parquet (the `parquet` feature): reading ([`read_parquet`], used by
//! [`crate::read_triplets`] when the format is [`crate::Format::Parquet`]) and writing
//! ([`write_parquet`], behind `rustrec convert`).
//!
//! A rating file in Parquet is a table with a user and an item column, a rating column and
//! optionally a timestamp column, one row per rating. Columns are found by name, ignoring case:
//!
//! | column | names | types |
//! |---|---|---|
//! | user | `user`, `user_id`, `userId` | any integer type (ids ≥ 0), or strings |
//! | item | `item`, `item_id`, `itemId`, `movie`, `movie_id`, `movieId` | same |
//! | rating | `rating`, `value`, `score` | any integer or float type |
//! | timestamp (optional) | `timestamp`, `time`, `ts` | any integer type, or a timestamp (read as seconds) |
//!
//! Only these columns are read (column projection). The usual file (integer ids, float
//! ratings, no nulls) has its row groups decoded in parallel straight into the final columns
//! (`parallel.rs`); any other is read row group after row group, in windows that rayon
//! decodes in parallel, row by row. Rows keep the file's order, so ids are interned in order
//! of first appearance exactly as from the same rows in a text file, and the `Interactions`
//! (and a model fitted on them) are the same. Nulls, negative ids and non-finite ratings are
//! errors naming the file, the row (1-based) and the column, as are missing columns and
//! columns of another type.
//!
//! [`write_parquet`] writes an [`crate::Interactions`] as `user`, `item`, `rating` (float32)
//! and, when it has them, `timestamp` (int64), user by user, in row groups of
//! [`ROW_GROUP_ROWS`] rows, Snappy-compressed except the timestamps (stored plain: they
//! shrink by a third at most and were most of the decompression a read paid for), through
//! an atomic file; the item ids' index
//! order goes to the file's metadata ([`ITEM_ORDER_KEY`]), so that reading it interns items
//! in the order the original file did, and the rows arrive already sorted (the matrix is
//! then built without a sort). Id columns are int64 when the id map holds integers or strings that are
//! all canonical decimal integers (`17`, not `017` or `+17`), else strings: raw ids read back
//! exactly as they were.

mod group_bytes;
mod parallel;
mod read;
mod write;

pub(crate) use read::read_parquet_groups;
pub use read::{parquet_id_kinds, read_parquet};
pub use write::{
    ITEM_ORDER_KEY, ROW_GROUP_ROWS, SOURCE_FORMAT_KEY, write_parquet, write_parquet_into,
};

/// Accepted names of the user column (compared ignoring case).
pub(crate) const USER_NAMES: [&str; 3] = ["user", "user_id", "userid"];
/// Accepted names of the item column.
pub(crate) const ITEM_NAMES: [&str; 6] =
    ["item", "item_id", "itemid", "movie", "movie_id", "movieid"];
/// Accepted names of the rating column.
pub(crate) const RATING_NAMES: [&str; 3] = ["rating", "value", "score"];
/// Accepted names of the timestamp column.
pub(crate) const TIMESTAMP_NAMES: [&str; 3] = ["timestamp", "time", "ts"];

#[cfg(test)]
mod tests;
