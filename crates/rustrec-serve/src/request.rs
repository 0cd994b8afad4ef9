//! Requests as the handlers receive them — query strings and JSON bodies — checked into
//! typed parameters, every problem a 400 naming the parameter and the value (an unknown
//! id is a 404, found later against the model).

use std::fmt;

use rustrec::data::escape_control;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

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

/// A query string's `key=value` pairs, percent-decoded.
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses a raw query string (none: empty).
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| ApiError::bad_request(format!("the query string is malformed: {e}")))?;
        Ok(Query(pairs))
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
            None => Ok(DEFAULT_N.min(limits.max_n)),
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
        Ok(RecommendParams {
            n: self.n(limits)?,
            exclude_seen: self.flag("exclude_seen", true)?,
            allow: self.ids("allow", limits)?,
            block: self.ids("block", limits)?.unwrap_or_default(),
            model: self.model()?,
        })
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

/// The body of `POST /v1/recommend`, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct FoldInRequest {
    /// (raw item id, value) in the order given; `None` for a bare item.
    pub history: Vec<(String, Option<f32>)>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FoldInBody {
    history: History,
    #[serde(default)]
    n: Option<serde_json::Number>,
    #[serde(default)]
    exclude_seen: Option<bool>,
    #[serde(default)]
    allow: Option<Vec<IdText>>,
    #[serde(default)]
    block: Option<Vec<IdText>>,
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
        let n = match &b.n {
            None => DEFAULT_N.min(limits.max_n),
            Some(num) => check_n(
                num.as_i64()
                    .map(i128::from)
                    .or_else(|| num.as_u64().map(i128::from)),
                &num.to_string(),
                limits,
            )?,
        };
        let ids = |key: &str, v: Option<Vec<IdText>>| -> Result<Option<Vec<String>>, ApiError> {
            match v {
                None => Ok(None),
                Some(list) => {
                    check_list_len(key, list.len(), limits)?;
                    Ok(Some(list.into_iter().map(|i| i.0).collect()))
                }
            }
        };
        Ok(FoldInRequest {
            history: b.history.0,
            n,
            exclude_seen: b.exclude_seen.unwrap_or(true),
            allow: ids("allow", b.allow)?,
            block: ids("block", b.block)?.unwrap_or_default(),
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
        Ok(PredictRequest {
            pairs: b.pairs.into_iter().map(|(u, i)| (u.0, i.0)).collect(),
        })
    }
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
/// `null` (a bare item); or `["ITEM", ...]`, bare items.
struct History(Vec<(String, Option<f32>)>);

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
                    let value: Value = map.next_value()?;
                    out.push((item, value.0));
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

/// A history value: a number, or `null` for a bare item.
struct Value(Option<f32>);

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number (a rating, or a weight > 0) or null")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value(Some(v as f32)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value(Some(v as f32)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value(Some(v as f32)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value(None))
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
        assert_eq!(
            r.history,
            [
                ("50".into(), Some(5.0)),
                ("172".into(), Some(4.5)),
                ("7".into(), None)
            ]
        );
        assert_eq!(r.n, 3);
        let r = FoldInRequest::parse(br#"{"history": ["50", 172]}"#, &limits()).unwrap();
        assert_eq!(r.history, [("50".into(), None), ("172".into(), None)]);
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
