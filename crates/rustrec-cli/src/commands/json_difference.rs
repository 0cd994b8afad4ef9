//! Where two settings differ, in words: the first key (as `data.implicit_threshold`) whose
//! values differ, for errors about configs or processes that must agree.

use serde_json::Value;

/// `value` as JSON, for [`first_difference`].
pub fn json(value: &impl serde::Serialize) -> anyhow::Result<Value> {
    Ok(serde_json::to_value(value)?)
}

/// The first key (in sorted order, as `data.implicit_threshold`; `path` names the root)
/// where `a` and `b` differ, with both values (`absent` for a key one lacks).
pub fn first_difference(path: &str, a: &Value, b: &Value) -> Option<(String, String, String)> {
    let shown = |v: Option<&Value>| match v {
        None | Some(Value::Null) => "absent".to_string(),
        Some(v) => v.to_string(),
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let key = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => first_difference(&key, u, v),
                    (u, v) if shown(u) == shown(v) => None,
                    (u, v) => Some((key, shown(u), shown(v))),
                }
            })
        }
        _ if a == b => None,
        _ => Some((path.to_string(), shown(Some(a)), shown(Some(b)))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::first_difference;

    #[test]
    fn the_first_differing_key_is_named_with_both_values() {
        let a = json!({"data": {"ratings": "r.dat", "threshold": 1.0}, "seed": 1});
        assert_eq!(first_difference("c", &a, &a), None);
        let b = json!({"data": {"ratings": "r.dat", "threshold": 4.0}, "seed": 2});
        assert_eq!(
            first_difference("c", &a, &b),
            Some(("c.data.threshold".into(), "1.0".into(), "4.0".into()))
        );
        let c = json!({"data": {"ratings": "r.dat"}, "seed": 1});
        assert_eq!(
            first_difference("c", &a, &c),
            Some(("c.data.threshold".into(), "1.0".into(), "absent".into()))
        );
        // A null value and a missing key are the same (an unset option).
        let d = json!({"data": {"ratings": "r.dat", "threshold": null}, "seed": 1});
        assert_eq!(first_difference("c", &c, &d), None);
        assert_eq!(
            first_difference("seed", &json!(1), &json!([1])),
            Some(("seed".into(), "1".into(), "[1]".into()))
        );
    }
}
