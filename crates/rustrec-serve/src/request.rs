//! Requests as the handlers receive them — query strings and JSON bodies — checked into
//! typed parameters, every problem a 400 naming the parameter and the value (an unknown
//! id is a 404, found later against the model). Nothing is dropped or guessed: a query
//! parameter a route does not take, a body field it does not know, a `null` where a value
//! belongs and a number the models' 32-bit floats cannot hold are each refused.

use std::fmt;

use rustrec::data::escape_control;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::config::Limits;
use crate::error::ApiError;

/// Answers of this many items unless `n` says otherwise.
pub const DEFAULT_N: usize = 10;

/// The query of `GET /v1/recommend/{user}`.
#[derive(Clone, Debug, PartialEq)]
pub struct RecommendParams {
    /// Items in the answer.
    pub n: usize,
    /// Leave out the user's training items (default true).
    pub exclude_seen: bool,
    /// Recommend only among these raw item ids.
    pub allow: Option<Vec<String>>,
    /// Never recommend these raw item ids.
    pub block: Vec<String>,
    /// The model's name (default: the first).
    pub model: Option<String>,
}

/// The query of `GET /v1/similar-items/{item}`.
#[derive(Clone, Debug, PartialEq)]
pub struct SimilarParams {
    /// Items in the answer.
    pub n: usize,
    /// The model's name (default: the first).
    pub model: Option<String>,
}

/// One key or value of a query string (`+` a space, percent escapes decoded), or a 400
/// naming the `pair` when the bytes are not UTF-8.
fn decode_component(text: &str, pair: &str) -> Result<String, ApiError> {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| {
            ApiError::bad_request(format!(
                "the query parameter \"{}\" is not UTF-8 text once its percent escapes are \
                 decoded; encode the text as UTF-8 before escaping it",
                escape_control(pair)
            ))
        })
}

/// A query string's `key=value` pairs, percent-decoded.
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses a raw query string (none: empty): `key=value` pairs separated by `&`, `+`
    /// for a space, percent escapes decoded. A key or value whose escapes do not decode to
    /// UTF-8 text is refused, naming it: replaced by U+FFFD it would search for, or name,
    /// something else.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let key = decode_component(key, part)?;
            let value = decode_component(value, part)?;
            pairs.push((key, value));
        }
        Ok(Query(pairs))
    }

    /// Refuses any parameter not in `allowed`, the parameters of `route` (`GET /path`):
    /// a misspelt one (`N=2`, `exclude-seen=false`) would otherwise be ignored.
    pub fn only(&self, allowed: &[&str], route: &str) -> Result<(), ApiError> {
        let Some((key, value)) = self.0.iter().find(|(k, _)| !allowed.contains(&k.as_str())) else {
            return Ok(());
        };
        let valid = if allowed.is_empty() {
            format!("{route} takes no query parameters")
        } else {
            format!("the parameters of {route} are {}", allowed.join(", "))
        };
        Err(ApiError::bad_request(format!(
            "unknown query parameter \"{}\" (given as \"{}={}\"); {valid}",
            escape_control(key),
            escape_control(key),
            escape_control(value)
        )))
    }

    /// The value of `key`; a key given twice is an error (which one counts?).
    pub fn get(&self, key: &str) -> Result<Option<&str>, ApiError> {
        let mut found = None;
        for (k, v) in &self.0 {
            if k == key {
                if found.is_some() {
                    return Err(ApiError::bad_request(format!(
                        "{key} is given twice; give it once"
                    )));
                }
                found = Some(v.as_str());
            }
        }
        Ok(found)
    }

    /// `n`: a whole number from 1 to the limit.
    pub fn n(&self, limits: &Limits) -> Result<usize, ApiError> {
        match self.get("n")? {
            None => Ok(limits.default_n()),
            Some(text) => check_n(text.trim().parse::<i128>().ok(), text, limits),
        }
    }

    /// The model's name.
    pub fn model(&self) -> Result<Option<String>, ApiError> {
        Ok(self.get("model")?.map(str::to_string))
    }

    /// A boolean parameter: `true`/`false` (or `1`/`0`).
    pub fn flag(&self, key: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(key)? {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(other) => Err(ApiError::bad_request(format!(
                "{key} must be true or false, found \"{}\"",
                escape_control(other)
            ))),
        }
    }

    /// A list of raw ids: `allow=1,2,3` (an empty element is refused, as by the CLI).
    pub fn ids(&self, key: &str, limits: &Limits) -> Result<Option<Vec<String>>, ApiError> {
        let Some(text) = self.get(key)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for part in text.split(',') {
            let id = part.trim();
            if id.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "{key} = \"{}\": an empty element is not an id; give ids separated by \
                     commas, such as 50,172",
                    escape_control(text)
                )));
            }
            out.push(id.to_string());
        }
        check_list_len(key, out.len(), limits)?;
        Ok(Some(out))
    }

    /// The parameters of `GET /v1/recommend/{user}`.
    pub fn recommend(&self, limits: &Limits) -> Result<RecommendParams, ApiError> {
        let params = RecommendParams {
            n: self.n(limits)?,
            exclude_seen: self.flag("exclude_seen", true)?,
            allow: self.ids("allow", limits)?,
            block: self.ids("block", limits)?.unwrap_or_default(),
            model: self.model()?,
        };
        check_allow_block(params.allow.as_deref(), &params.block)?;
        Ok(params)
    }

    /// The parameters of `GET /v1/similar-items/{item}`.
    pub fn similar(&self, limits: &Limits) -> Result<SimilarParams, ApiError> {
        Ok(SimilarParams {
            n: self.n(limits)?,
            model: self.model()?,
        })
    }
}

/// Checks `n` (parsed as `value` from `text`) against `1..=max_n`.
fn check_n(value: Option<i128>, text: &str, limits: &Limits) -> Result<usize, ApiError> {
    match value {
        Some(n) if n >= 1 && n <= limits.max_n as i128 => Ok(n as usize),
        Some(n) if n > limits.max_n as i128 => Err(ApiError::bad_request(format!(
            "n = {n} is above this server's limit of {}",
            limits.max_n
        ))),
        _ => Err(ApiError::bad_request(format!(
            "n must be a whole number from 1 to {}, found \"{}\"",
            limits.max_n,
            escape_control(text)
        ))),
    }
}

/// `n` of a body, from its JSON text: a whole number written as one (`3`; not `3.0`, `1e2`
/// or `"3"`) from 1 to the limit, refused naming the text as sent.
fn body_n(text: &str, limits: &Limits) -> Result<usize, ApiError> {
    match text.as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => check_n(text.parse::<i128>().ok(), text, limits),
        _ => Err(ApiError::bad_request(format!(
            "n must be a JSON number, a whole number from 1 to {}, found {}",
            limits.max_n,
            escape_control(text)
        ))),
    }
}

/// Id lists (`allow`, `block`) are bounded like histories.
fn check_list_len(key: &str, len: usize, limits: &Limits) -> Result<(), ApiError> {
    if len > limits.max_history {
        return Err(ApiError::bad_request(format!(
            "{key} holds {len} ids, more than this server's limit of {}",
            limits.max_history
        )));
    }
    Ok(())
}

/// Refuses items that `allow` and `block` both name (raw ids as sent, each once, in `allow`'s
/// order): no answer honours both, and an empty one would hide the mistake. The CLI's
/// `recommend --allow --block` refuses them the same way.
pub fn check_allow_block(allow: Option<&[String]>, block: &[String]) -> Result<(), ApiError> {
    let both = rustrec::serving::raw_items_in_both(allow.unwrap_or_default(), block);
    if both.is_empty() {
        return Ok(());
    }
    Err(allowed_and_blocked(&both))
}

/// 400: `items` (raw ids) are in both `allow` and `block`.
pub fn allowed_and_blocked<S: AsRef<str>>(items: &[S]) -> ApiError {
    let shown: Vec<String> = items
        .iter()
        .map(|i| format!("\"{}\"", escape_control(i.as_ref())))
        .collect();
    ApiError::bad_request(format!(
        "allow and block both name {} {}: an item cannot be both the only kind recommended \
         and never recommended; leave {} out of one of the two lists",
        if items.len() == 1 { "item" } else { "items" },
        shown.join(", "),
        if items.len() == 1 { "it" } else { "each" },
    ))
}

/// One entry of a new user's history, as sent.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    /// The raw item id.
    pub item: String,
    /// Its rating or weight; `None` for a bare item (`null`, or an id of a list).
    pub value: Option<HistoryValue>,
}

impl HistoryEntry {
    /// `(item, value)`, as [`rustrec::history::history_from_entries`] takes an entry.
    pub fn as_pair(&self) -> (&str, Option<f32>) {
        (&self.item, self.value.as_ref().map(|v| v.value))
    }
}

/// A rating or weight of a history: the JSON number as sent, and the 32-bit float the
/// models take, read from the text (correctly rounded) and checked to hold it: no overflow
/// to infinity, no underflow of a nonzero to 0.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryValue {
    /// The JSON text, for messages (`1e300`, `1e-50`: not what a float makes of it).
    pub sent: String,
    /// As the models take it.
    pub value: f32,
}

impl HistoryValue {
    /// The JSON number `sent` as a 32-bit float, or a 400 naming `item` and the value if
    /// it does not fit.
    fn new(item: &str, sent: String) -> Result<Self, ApiError> {
        // JSON's number syntax is a subset of what `str::parse` reads.
        if let Some(value) = rustrec::history::f32_as_sent(&sent) {
            return Ok(HistoryValue { sent, value });
        }
        Err(ApiError::bad_request(format!(
            "history: item \"{}\" = {} does not fit the models' 32-bit floats; give a \
             number of magnitude at most {:e} and, unless 0, at least {:e}",
            escape_control(item),
            escape_control(&sent),
            f32::MAX,
            f32::from_bits(1)
        )))
    }
}

/// The body of `POST /v1/recommend`, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct FoldInRequest {
    /// The entries in the order given.
    pub history: Vec<HistoryEntry>,
    /// Items in the answer.
    pub n: usize,
    /// Leave out the history's items (default true).
    pub exclude_seen: bool,
    /// Recommend only among these raw item ids.
    pub allow: Option<Vec<String>>,
    /// Never recommend these raw item ids.
    pub block: Vec<String>,
}

/// The body of `POST /v1/predict`, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictRequest {
    /// (raw user id, raw item id) pairs.
    pub pairs: Vec<(String, String)>,
}

/// A `POST /v1/recommend` body as parsed; an optional field is `None` when left out,
/// `Some(None)` when `null` (refused: the document does not allow it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FoldInBody {
    history: History,
    /// Kept as its JSON text, so that a refusal names the value as sent (`1e2`, not
    /// `100.0`; `"3"`, not serde's message).
    #[serde(default, deserialize_with = "present")]
    n: Option<Option<Box<RawValue>>>,
    #[serde(default, deserialize_with = "present")]
    exclude_seen: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    allow: Option<Option<Vec<IdText>>>,
    #[serde(default, deserialize_with = "present")]
    block: Option<Option<Vec<IdText>>>,
}

/// An optional field that was given: `Some(None)` for `null` (a left-out field takes the
/// `default`, `None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The value of optional field `key`: a `null` is refused (`expected`: what to give
/// instead), not taken as the default.
fn not_null<T>(key: &str, field: Option<Option<T>>, expected: &str) -> Result<Option<T>, ApiError> {
    match field {
        Some(None) => Err(ApiError::bad_request(format!(
            "{key} is null; give {expected}, or leave {key} out"
        ))),
        Some(value) => Ok(value),
        None => Ok(None),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictBody {
    pairs: Vec<(IdText, IdText)>,
}

/// The JSON body of a request, or a 400 with serde's message (which names the line and
/// column) for malformed JSON or a wrong shape.
fn body<'a, T: Deserialize<'a>>(bytes: &'a [u8], shape: &str) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not {shape}: {e}")))
}

impl FoldInRequest {
    /// Parses and checks a `POST /v1/recommend` body.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, ApiError> {
        let b: FoldInBody = body(
            bytes,
            r#"{"history": {"ITEM": VALUE, ...}, "n": N} (or "history": ["ITEM", ...])"#,
        )?;
        if b.history.0.len() > limits.max_history {
            return Err(ApiError::bad_request(format!(
                "history holds {} items, more than this server's limit of {}",
                b.history.0.len(),
                limits.max_history
            )));
        }
        let n = match not_null(
            "n",
            b.n,
            &format!(
                "a whole number from 1 to {} (default {})",
                limits.max_n,
                limits.default_n()
            ),
        )? {
            None => limits.default_n(),
            Some(raw) => body_n(raw.get(), limits)?,
        };
        let ids =
            |key: &str, v: Option<Option<Vec<IdText>>>| -> Result<Option<Vec<String>>, ApiError> {
                match not_null(key, v, "a list of item ids")? {
                    None => Ok(None),
                    Some(list) => {
                        check_list_len(key, list.len(), limits)?;
                        let list: Vec<String> = list.into_iter().map(|i| i.0).collect();
                        check_body_ids(key, &list)?;
                        Ok(Some(list))
                    }
                }
            };
        let history = b
            .history
            .0
            .into_iter()
            .map(|(item, sent)| {
                let value = sent.map(|v| HistoryValue::new(&item, v)).transpose()?;
                Ok(HistoryEntry { item, value })
            })
            .collect::<Result<_, ApiError>>()?;
        let allow = ids("allow", b.allow)?;
        let block = ids("block", b.block)?.unwrap_or_default();
        check_allow_block(allow.as_deref(), &block)?;
        Ok(FoldInRequest {
            history,
            n,
            exclude_seen: not_null(
                "exclude_seen",
                b.exclude_seen,
                "true or false (default true)",
            )?
            .unwrap_or(true),
            allow,
            block,
        })
    }
}

impl PredictRequest {
    /// Parses and checks a `POST /v1/predict` body.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, ApiError> {
        let b: PredictBody = body(bytes, r#"{"pairs": [["USER", "ITEM"], ...]}"#)?;
        if b.pairs.is_empty() {
            return Err(ApiError::bad_request(
                "pairs is empty; give at least one [\"USER\", \"ITEM\"] pair",
            ));
        }
        if b.pairs.len() > limits.max_pairs {
            return Err(ApiError::bad_request(format!(
                "pairs holds {} pairs, more than this server's limit of {}",
                b.pairs.len(),
                limits.max_pairs
            )));
        }
        let pairs: Vec<(String, String)> = b.pairs.into_iter().map(|(u, i)| (u.0, i.0)).collect();
        // A blank id names no user or item: answered, it would be an "unknown" one and get
        // the model's fallback prediction, as if a real id had been sent. The CLI's
        // `predict --user "" --item ""` refuses it too.
        for (k, (user, item)) in pairs.iter().enumerate() {
            for (slot, what, id) in [(0, "user", user), (1, "item", item)] {
                if id.trim().is_empty() {
                    return Err(ApiError::bad_request(format!(
                        "pairs[{k}][{slot}] (the {what}) is \"{}\": a blank id names no {what}; \
                         give [\"USER\", \"ITEM\"] pairs of raw ids, such as [\"1\", \"50\"]",
                        escape_control(id)
                    )));
                }
            }
        }
        Ok(PredictRequest { pairs })
    }
}

/// Refuses what a body's item-id list `key` (`allow`, `block`) cannot mean: a blank id (a
/// 400 as in the query's `allow=1,,2` and the CLI's `--allow`, not an "unknown item" 404),
/// and an empty `allow`, which would allow no item and answer an empty list for any
/// history, hiding the mistake (an empty `block` blocks nothing and is taken as sent).
fn check_body_ids(key: &str, ids: &[String]) -> Result<(), ApiError> {
    if key == "allow" && ids.is_empty() {
        return Err(ApiError::bad_request(
            "allow is an empty list: it would allow no item, and every answer would be \
             empty; give at least one item id, or leave allow out to recommend among all items",
        ));
    }
    if let Some((k, id)) = ids.iter().enumerate().find(|(_, id)| id.trim().is_empty()) {
        return Err(ApiError::bad_request(format!(
            "{key}[{k}] is \"{}\": a blank id is not an item id; give raw item ids, such as \
             [\"50\", \"172\"]",
            escape_control(id)
        )));
    }
    Ok(())
}

/// A raw id in a body: a string, or a whole number (ids are strings in answers).
struct IdText(String);

impl<'de> Deserialize<'de> for IdText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IdText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id (a string such as \"50\", or a whole number)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IdText, E> {
                Ok(IdText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IdText, E> {
                Ok(IdText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IdText, E> {
                Ok(IdText(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A history: `{"ITEM": VALUE, ...}` in the order written (fold-in by SGD depends on it;
/// a repeated item is kept, for the history rules to refuse by name), `VALUE` a number or
/// `null` (a bare item); or `["ITEM", ...]`, bare items. Numbers are kept as their JSON
/// text ([`HistoryValue::new`] reads them).
struct History(Vec<(String, Option<String>)>);

impl<'de> Deserialize<'de> for History {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = History;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a history: an object {\"ITEM\": VALUE, ...} with numbers as values, or a \
                     list of item ids",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<History, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = map.next_key::<String>()? {
                    let raw: Box<RawValue> = map.next_value()?;
                    let text = raw.get();
                    let value = match text.as_bytes().first() {
                        _ if text == "null" => None,
                        Some(b'-' | b'0'..=b'9') => Some(text.to_string()),
                        first => {
                            let found = match first {
                                Some(b'"') => "a string",
                                Some(b't' | b'f') => "a boolean",
                                Some(b'{') => "an object",
                                _ => "a list",
                            };
                            return Err(de::Error::custom(format!(
                                "history: item \"{}\" holds {found}; expected a number (a \
                                 rating, or a weight > 0) or null",
                                escape_control(&item)
                            )));
                        }
                    };
                    out.push((item, value));
                }
                Ok(History(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<History, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<IdText>()? {
                    out.push((item.0, None));
                }
                Ok(History(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn n_is_a_whole_number_within_the_limit() {
        let q = |s: &str| Query::parse(Some(s)).unwrap().n(&limits());
        assert_eq!(q("").unwrap(), 10);
        assert_eq!(q("n=3").unwrap(), 3);
        for bad in [
            "n=0",
            "n=-1",
            "n=abc",
            "n=1.5",
            "n=",
            "n=99999999999999999999999",
        ] {
            let e = q(bad).unwrap_err();
            assert_eq!(e.status, 400, "{bad}");
            assert!(e.message.contains("n "), "{bad}: {}", e.message);
        }
        assert!(q("n=5000").unwrap_err().message.contains("limit of 1000"));
        assert!(q("n=1&n=2").unwrap_err().message.contains("twice"));
    }

    #[test]
    fn flags_and_id_lists() {
        let q = Query::parse(Some("exclude_seen=false&allow=1,%202&block=")).unwrap();
        assert!(!q.flag("exclude_seen", true).unwrap());
        assert_eq!(
            q.ids("allow", &limits()).unwrap(),
            Some(vec!["1".into(), "2".into()])
        );
        assert!(q.ids("block", &limits()).is_err());
        let q = Query::parse(Some("exclude_seen=maybe")).unwrap();
        assert_eq!(q.flag("exclude_seen", true).unwrap_err().status, 400);
    }

    #[test]
    fn histories_keep_their_order_and_values() {
        let r = FoldInRequest::parse(
            br#"{"history": {"50": 5, "172": 4.5, "7": null}, "n": 3}"#,
            &limits(),
        )
        .unwrap();
        let pairs = |r: &FoldInRequest| -> Vec<(String, Option<f32>)> {
            r.history
                .iter()
                .map(|e| (e.item.clone(), e.as_pair().1))
                .collect()
        };
        assert_eq!(
            pairs(&r),
            [
                ("50".into(), Some(5.0)),
                ("172".into(), Some(4.5)),
                ("7".into(), None)
            ]
        );
        assert_eq!(r.n, 3);
        let r = FoldInRequest::parse(br#"{"history": ["50", 172]}"#, &limits()).unwrap();
        assert_eq!(pairs(&r), [("50".into(), None), ("172".into(), None)]);
        assert_eq!(r.n, 10);
        for bad in [
            &br#"{"history": "#[..],
            br#"{"history": {"50": "x"}}"#,
            br#"{"history": {}, "n": -1}"#,
            br#"{"history": {}, "n": 0}"#,
            br#"{"history": {}, "n": 2.5}"#,
            br#"{"histry": {}}"#,
            br#"[]"#,
        ] {
            let e = FoldInRequest::parse(bad, &limits()).unwrap_err();
            assert_eq!(e.status, 400, "{}", String::from_utf8_lossy(bad));
        }
    }

    /// Regression: `?q=%FF` was decoded to U+FFFD and answered with an empty list.
    #[test]
    fn query_text_must_decode_to_utf8() {
        let q = Query::parse(Some("q=Toy+Story%20%C3%A9&n=2&flag")).unwrap();
        assert_eq!(q.get("q").unwrap(), Some("Toy Story é"));
        assert_eq!(q.get("n").unwrap(), Some("2"));
        assert_eq!(q.get("flag").unwrap(), Some(""));
        assert!(Query::parse(Some("&&")).unwrap().0.is_empty());
        for bad in ["q=%FF", "q=abc%C3", "%FE=1"] {
            let e = Query::parse(Some(bad)).map(|_| ()).unwrap_err();
            assert_eq!(e.status, 400, "{bad}");
            assert!(
                e.message.contains(bad) && e.message.contains("UTF-8"),
                "{}",
                e.message
            );
        }
    }

    /// Regression: `?N=2`, `?exclude-seen=false` and `?bogus=1` were ignored (answered as
    /// if not given).
    #[test]
    fn unknown_query_parameters_are_refused_naming_the_valid_ones() {
        let allowed = ["n", "exclude_seen", "model"];
        let route = "GET /v1/recommend/{user}";
        assert!(
            Query::parse(Some("n=2&exclude_seen=false"))
                .unwrap()
                .only(&allowed, route)
                .is_ok()
        );
        for (query, key, given) in [
            ("N=2", "\"N\"", "\"N=2\""),
            (
                "n=2&exclude-seen=false",
                "\"exclude-seen\"",
                "\"exclude-seen=false\"",
            ),
            ("n=3&bogus=1", "\"bogus\"", "\"bogus=1\""),
        ] {
            let e = Query::parse(Some(query))
                .unwrap()
                .only(&allowed, route)
                .unwrap_err();
            assert_eq!(e.status, 400);
            assert!(
                e.message.contains(key)
                    && e.message.contains(given)
                    && e.message.contains(route)
                    && e.message.contains("n, exclude_seen, model"),
                "{query}: {}",
                e.message
            );
        }
        let e = Query::parse(Some("x=1"))
            .unwrap()
            .only(&[], "GET /healthz")
            .unwrap_err();
        assert!(
            e.message.contains("GET /healthz takes no query parameters"),
            "{}",
            e.message
        );
    }

    /// Regression: `{"50": 1e300}` became a rating `inf`, and `{"50": 1e-50}` a weight 0,
    /// each then refused in words of the converted value, not the one sent.
    #[test]
    fn history_values_a_32_bit_float_cannot_hold_are_refused_as_sent() {
        for (body, sent) in [
            (r#"{"history": {"50": 1e300}}"#, "= 1e300 "),
            (r#"{"history": {"50": -1e300}}"#, "= -1e300 "),
            (r#"{"history": {"50": 1e-50}}"#, "= 1e-50 "),
            (r#"{"history": {"50": -1e-50}}"#, "= -1e-50 "),
        ] {
            let e = FoldInRequest::parse(body.as_bytes(), &limits()).unwrap_err();
            assert_eq!(e.status, 400, "{body}");
            assert!(
                e.message.contains("item \"50\"")
                    && e.message.contains(sent)
                    && e.message.contains("3.4028235e38")
                    && e.message.contains("1e-45"),
                "{body}: {}",
                e.message
            );
        }
        // The largest and smallest that fit, and 0 (for the model's rules to judge).
        let r = FoldInRequest::parse(
            br#"{"history": {"1": 3.4028235e38, "2": 1e-45, "3": 0, "4": 16777217}}"#,
            &limits(),
        )
        .unwrap();
        let values: Vec<f32> = r.history.iter().filter_map(|e| e.as_pair().1).collect();
        assert_eq!(values, [f32::MAX, f32::from_bits(1), 0.0, 16_777_216.0]);
        assert_eq!(r.history[3].value.as_ref().unwrap().sent, "16777217");
    }

    /// Regression: `"n": null` and `"exclude_seen": null` were taken as the defaults; the
    /// document does not make them nullable.
    #[test]
    fn null_fields_are_refused_by_name() {
        for (field, expected) in [
            ("n", "a whole number from 1 to 1000 (default 10)"),
            ("exclude_seen", "true or false"),
            ("allow", "a list of item ids"),
            ("block", "a list of item ids"),
        ] {
            let body = format!(r#"{{"history": {{"50": 1}}, "{field}": null}}"#);
            let e = FoldInRequest::parse(body.as_bytes(), &limits()).unwrap_err();
            assert_eq!(e.status, 400, "{body}");
            assert!(
                e.message.contains(&format!("{field} is null"))
                    && e.message.contains(expected)
                    && e.message.contains(&format!("leave {field} out")),
                "{body}: {}",
                e.message
            );
        }
        let r = FoldInRequest::parse(br#"{"history": {"50": 1}}"#, &limits()).unwrap();
        assert_eq!(
            (r.n, r.exclude_seen, r.allow, r.block),
            (10, true, None, vec![])
        );
    }

    /// Regression: a body's `"n": 1e2` was refused as `found "100.0"`,
    /// `"n": 99999999999999999999999` as `found "1e+23"` (what a float made of them, not
    /// what was sent) and `"n": "3"` in serde's words, without the valid range.
    #[test]
    fn body_n_is_refused_as_sent() {
        for (n, said) in [
            ("1e2", "found \"1e2\""),
            ("2.0", "found \"2.0\""),
            ("-0.5", "found \"-0.5\""),
            ("0", "found \"0\""),
            (
                "99999999999999999999999",
                "n = 99999999999999999999999 is above",
            ),
            ("\"3\"", "found \"3\""),
            ("true", "found true"),
            ("[3]", "found [3]"),
        ] {
            let body = format!(r#"{{"history": {{"50": 1}}, "n": {n}}}"#);
            let e = FoldInRequest::parse(body.as_bytes(), &limits()).unwrap_err();
            assert_eq!(e.status, 400, "{body}");
            assert!(
                e.message.contains(said) && e.message.contains("1000"),
                "{body}: {}",
                e.message
            );
        }
        let r = FoldInRequest::parse(br#"{"history": {"50": 1}, "n": 1000}"#, &limits());
        assert_eq!(r.unwrap().n, 1000);
    }

    #[test]
    fn predict_pairs() {
        let r = PredictRequest::parse(br#"{"pairs": [["1", "50"], [2, 172]]}"#, &limits()).unwrap();
        assert_eq!(
            r.pairs,
            [("1".into(), "50".into()), ("2".into(), "172".into())]
        );
        assert!(PredictRequest::parse(br#"{"pairs": []}"#, &limits()).is_err());
        assert!(PredictRequest::parse(br#"{"pairs": [["1"]]}"#, &limits()).is_err());
    }
}
