//! The header of a model file and the format constants.
//!
//! The header is a JSON object stored, as text, under the key [`HEADER_KEY`] of the
//! safetensors `__metadata__` map. Besides the fields of [`Header`] it holds two fields the
//! container fills in itself:
//!
//! | field          | value                                                        |
//! |----------------|--------------------------------------------------------------|
//! | `user_id_kind` | `"int"` (ids in tensor `user_ids`) or `"str"` (ids in metadata `user_ids`) |
//! | `item_id_kind` | the same for items                                           |
//!
//! The checksum (`"xxh3-64:<16 hex digits>"`, see [`crate::file`]) sits beside the header
//! under the `__metadata__` key `checksum` and covers the header's text. Format version 1
//! kept it as a header field `checksum` that covered only the tensors and ids; such files
//! are still read and checked that way.
//!
//! Two version numbers travel in the header: `format_version`, the container's (this
//! crate's), and `schema_version`, the model family's (its parameters and tensors; see the
//! models crate), 1 for files written before schemas existed.
//!
//! Versioning follows tantivy: a reader accepts `OLDEST_SUPPORTED_VERSION ..= FORMAT_VERSION`
//! and reports anything else as [`crate::IoError::IncompatibleVersion`]. The magic string and
//! the version are checked before the rest of the header is parsed, so a future version may
//! change every other field and still be reported as "too new" rather than as corrupt.

use serde::{Deserialize, Serialize};

/// The value of the header's `format` field: the magic that marks a rustrec model file.
pub const MAGIC: &str = "rustrec-model";

/// The format version this build writes.
pub const FORMAT_VERSION: u32 = 2;

/// The oldest format version this build still reads.
pub const OLDEST_SUPPORTED_VERSION: u32 = 1;

/// The `__metadata__` key that holds the JSON header.
pub const HEADER_KEY: &str = "rustrec";

/// The tensor (integer ids, `i64`) or `__metadata__` key (string ids, JSON array) of user ids.
pub const USER_IDS_KEY: &str = "user_ids";

/// The tensor (integer ids, `i64`) or `__metadata__` key (string ids, JSON array) of item ids.
pub const ITEM_IDS_KEY: &str = "item_ids";

/// The self-description of a saved model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`MAGIC`]. Set by the writer.
    pub format: String,
    /// The container format version. The writer always writes [`FORMAT_VERSION`]; after
    /// reading, the version the file was written with.
    pub format_version: u32,
    /// The model family, such as `"mf"`, `"bpr"`, `"slim-mse"`, `"als"`.
    pub kind: String,
    /// The version of the family's schema (parameters and tensors) the file follows; 1 for
    /// files written before schemas were versioned.
    #[serde(default = "first_schema")]
    pub schema_version: u32,
    /// The rustrec version that wrote the file.
    pub rustrec_version: String,
    /// The model's hyperparameters.
    pub params: serde_json::Value,
    /// Training settings and a summary of the training history.
    pub training: serde_json::Value,
    /// A fingerprint of the training data, to warn when a model is used with other data.
    /// Written as 16 hexadecimal digits.
    #[serde(with = "hex_u64")]
    pub data_fingerprint: u64,
    /// Number of users (the length of the user id map).
    pub n_users: usize,
    /// Number of items (the length of the item id map).
    pub n_items: usize,
}

impl Header {
    /// A header for a model of family `kind`, with empty `params` and `training` objects,
    /// a zero fingerprint and the current format version and rustrec version.
    pub fn new(kind: impl Into<String>, n_users: usize, n_items: usize) -> Self {
        Header {
            format: MAGIC.to_string(),
            format_version: FORMAT_VERSION,
            kind: kind.into(),
            schema_version: 1,
            rustrec_version: env!("CARGO_PKG_VERSION").to_string(),
            params: serde_json::Value::Object(serde_json::Map::new()),
            training: serde_json::Value::Object(serde_json::Map::new()),
            data_fingerprint: 0,
            n_users,
            n_items,
        }
    }
}

fn first_schema() -> u32 {
    1
}

/// Serde of a `u64` as a string of 16 hexadecimal digits (JSON numbers lose precision above
/// 2^53 in many readers).
mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = String::deserialize(d)?;
        u64::from_str_radix(&text, 16)
            .map_err(|e| D::Error::custom(format!("bad hexadecimal fingerprint {text:?}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_written_as_hex_and_read_back() {
        let mut h = Header::new("mf", 3, 4);
        h.data_fingerprint = 0xdead_beef_0000_0001;
        let json = serde_json::to_value(&h).unwrap();
        assert_eq!(json["data_fingerprint"], "deadbeef00000001");
        assert_eq!(json["format"], "rustrec-model");
        assert_eq!(json["format_version"], FORMAT_VERSION);
        assert_eq!(json["schema_version"], 1);
        let back: Header = serde_json::from_value(json).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn a_bad_fingerprint_is_an_error_naming_the_value() {
        let mut json = serde_json::to_value(Header::new("mf", 0, 0)).unwrap();
        json["data_fingerprint"] = "xyz".into();
        let err = serde_json::from_value::<Header>(json).unwrap_err();
        assert!(err.to_string().contains("\"xyz\""), "{err}");
    }
}
