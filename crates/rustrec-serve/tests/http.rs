//! The server end to end on an ephemeral loopback port: answers equal the library's (and so
//! the CLI's), bad requests get a 4xx with a JSON error, reload swaps or refuses without
//! dropping a request, the OpenAPI document is true to the routes, metrics count.

mod common;

use std::collections::BTreeSet;

use common::*;
use rustrec::data::{ItemIdx, UserIdx};
use rustrec::models::topn::top_n;
use rustrec::models::{Exclusion, Recommender, TrainedModel};
use rustrec_serve::routes::ROUTES;
use serde_json::Value;

/// `(item, score)` of an answer's list; scores as f32 (the models' precision: serde_json's
/// default parser may be one f64 ulp off).
fn items_of(v: &Value, key: &str) -> Vec<(String, f32)> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .iter()
        .map(|r| {
            (
                r["item"].as_str().unwrap().to_string(),
                r["score"].as_f64().unwrap() as f32,
            )
        })
        .collect()
}

#[test]
fn answers_equal_the_library_and_carry_titles() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let loaded = TrainedModel::load(f.path("ials.st")).unwrap();
    let model = loaded.model.as_recommender();
    let seen = loaded.seen.as_ref().unwrap();
    let raw = |i: ItemIdx| model.item_ids().raw(i.0).to_string();

    // A known user, with and without the seen items, and with allow/block lists.
    for user in ["1", "7", "60"] {
        let u = UserIdx(model.user_ids().get_text(user).unwrap());
        let want: Vec<(String, f32)> = model
            .recommend(u, 5, &Exclusion::seen(seen))
            .into_iter()
            .map(|(i, s)| (raw(i), s))
            .collect();
        let a = get(addr, &format!("/v1/recommend/{user}?n=5"));
        assert_eq!(a.status, 200, "{}", a.text());
        assert_eq!(a.header("content-type"), Some("application/json"));
        let v = a.json();
        assert_eq!(v["user"], user);
        assert_eq!(v["model"], "ials");
        assert_eq!(items_of(&v, "recommendations"), want);
        for r in v["recommendations"].as_array().unwrap() {
            assert!(
                r["title"].as_str().unwrap().starts_with("Movie Number "),
                "{r}"
            );
        }
        let all = get(
            addr,
            &format!("/v1/recommend/{user}?n=5&exclude_seen=false"),
        )
        .json();
        let want_all: Vec<(String, f32)> = model
            .recommend(u, 5, &Exclusion::none())
            .into_iter()
            .map(|(i, s)| (raw(i), s))
            .collect();
        assert_eq!(items_of(&all, "recommendations"), want_all);
    }
    // Disjoint lists: an item in both is refused (see
    // `an_item_both_allowed_and_blocked_is_refused_naming_both_fields`).
    let allow = [item_id(1), item_id(5), item_id(9)];
    let block = [item_id(2)];
    let q = format!(
        "/v1/recommend/3?n=10&allow={}&block={}",
        allow.map(|a| a.to_string()).join(","),
        block[0]
    );
    let got = items_of(&get(addr, &q).json(), "recommendations");
    let dense = |ids: &[i64]| {
        let mut d: Vec<u32> = ids
            .iter()
            .map(|&i| model.item_ids().get_int(i).unwrap())
            .collect();
        d.sort_unstable();
        d
    };
    let (allow_d, block_d) = (dense(&allow), dense(&block));
    let u3 = UserIdx(model.user_ids().get_text("3").unwrap());
    let ex = Exclusion {
        seen: Some(seen),
        allow: Some(&allow_d),
        block: &block_d,
    };
    let want: Vec<String> = model
        .recommend(u3, 10, &ex)
        .into_iter()
        .map(|(i, _)| raw(i))
        .collect();
    assert_eq!(got.iter().map(|g| g.0.clone()).collect::<Vec<_>>(), want);
    assert!(got.iter().all(|(i, _)| *i != item_id(2).to_string()));

    // A new user's history by fold-in: the CLI's recommend --history.
    let h = [(item_id(0), 1.0f32), (item_id(4), 2.0), (item_id(7), 1.0)];
    let body = format!(
        r#"{{"history": {{"{}": 1, "{}": 2, "{}": 1}}, "n": 6}}"#,
        h[0].0, h[1].0, h[2].0
    );
    let v = post(addr, "/v1/recommend", &body).json();
    assert_eq!(v["history_items"], 3);
    let history: Vec<(ItemIdx, f32)> = h
        .iter()
        .map(|&(i, w)| (ItemIdx(model.item_ids().get_int(i).unwrap()), w))
        .collect();
    let mut scores = vec![0.0; model.n_items()];
    loaded
        .model
        .as_fold_in()
        .unwrap()
        .score_profile(&history, &mut scores);
    let rated: Vec<u32> = history.iter().map(|(i, _)| i.0).collect();
    let want: Vec<(String, f32)> = top_n(&scores, 6, |i| !rated.contains(&i))
        .into_iter()
        .map(|(i, s)| (raw(ItemIdx(i)), s))
        .collect();
    assert_eq!(items_of(&v, "recommendations"), want);

    // Similar items: the item itself left out, most similar first.
    let v = get(addr, &format!("/v1/similar-items/{}?n=4", item_id(3))).json();
    let sim = items_of(&v, "similar");
    assert_eq!(sim.len(), 4);
    assert!(sim.iter().all(|(i, _)| *i != item_id(3).to_string()));
    assert!(sim.windows(2).all(|w| w[0].1 >= w[1].1));
    assert_eq!(v["item"], item_id(3).to_string());

    // Predictions of the second model, as `rustrec predict` gives them.
    let mf = TrainedModel::load(f.path("mf.st")).unwrap().model;
    let v = post(
        addr,
        "/v1/predict?model=mf",
        &format!(
            r#"{{"pairs": [["1", "{}"], ["999", "{}"]]}}"#,
            item_id(0),
            item_id(1)
        ),
    )
    .json();
    let p = v["predictions"].as_array().unwrap();
    assert_eq!(p.len(), 2);
    let (want0, ..) = mf.predict_raw("1", &item_id(0).to_string());
    assert_eq!(p[0]["prediction"].as_f64().unwrap() as f32, want0);
    assert_eq!(p[1]["known_user"], false);
    assert_eq!(p[1]["known_item"], true);
    assert!(v.get("prediction").is_none());
    let one = post(addr, "/v1/predict?model=mf", r#"{"pairs": [["1", "100"]]}"#).json();
    assert_eq!(one["prediction"], one["predictions"][0]["prediction"]);

    // Title search, the models list, health.
    let v = get(addr, "/v1/items?q=number%2012&n=5").json();
    assert_eq!(v["items"][0]["title"], "Movie Number 12 (1992)");
    let v = get(addr, "/v1/models").json();
    let names: Vec<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ials", "mf"]);
    assert_eq!(v["models"][1]["rating_range"][1], 5.0);
    assert_eq!(get(addr, "/healthz").status, 200);
    server.stop().unwrap();
}

#[test]
fn bad_requests_get_a_4xx_with_a_json_error_and_the_server_lives_on() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let big = "a".repeat(3 << 20);
    let cases: Vec<(&str, String, Option<&str>, u16, &str)> = vec![
        (
            "GET",
            "/v1/recommend/999999".into(),
            None,
            404,
            "user \\\"999999\\\" is not known to model ials; give a raw user id",
        ),
        ("GET", "/v1/recommend/1?n=-1".into(), None, 400, "n must be"),
        (
            "GET",
            "/v1/recommend/1?n=abc".into(),
            None,
            400,
            "\\\"abc\\\"",
        ),
        ("GET", "/v1/recommend/1?n=0".into(), None, 400, "n must be"),
        ("GET", "/v1/recommend/1?n=100000".into(), None, 400, "limit"),
        ("GET", "/v1/recommend/1?n=1&n=2".into(), None, 400, "twice"),
        (
            "GET",
            "/v1/recommend/1?model=nope".into(),
            None,
            404,
            "model \\\"nope\\\" is not served",
        ),
        (
            "GET",
            "/v1/recommend/1?exclude_seen=perhaps".into(),
            None,
            400,
            "exclude_seen",
        ),
        (
            "GET",
            "/v1/recommend/1?allow=1,,2".into(),
            None,
            400,
            "empty element",
        ),
        (
            "GET",
            "/v1/recommend/1?block=77777".into(),
            None,
            404,
            "block: item \\\"77777\\\" is not known",
        ),
        ("GET", "/v1/recommend/1?n=%ff%fe".into(), None, 400, ""),
        (
            "GET",
            "/v1/similar-items/999999".into(),
            None,
            404,
            "item \\\"999999\\\" is not known to model ials; give a raw item id",
        ),
        (
            "GET",
            "/v1/similar-items/100?n=x".into(),
            None,
            400,
            "n must be",
        ),
        (
            "POST",
            "/v1/recommend".into(),
            Some(r#"{"history": "#),
            400,
            "EOF",
        ),
        (
            "POST",
            "/v1/recommend".into(),
            Some(r#"{"history": {"100": "x"}}"#),
            400,
            "expected a number",
        ),
        (
            "POST",
            "/v1/recommend".into(),
            Some(r#"{"history": {}}"#),
            400,
            "empty",
        ),
        (
            "POST",
            "/v1/recommend".into(),
            Some(r#"{"history": {"100": -2}}"#),
            400,
            "weight",
        ),
        (
            "POST",
            "/v1/recommend?model=mf".into(),
            Some(r#"{"history": {"100": 9}}"#),
            400,
            "rating range",
        ),
        (
            "POST",
            "/v1/recommend?model=mf".into(),
            Some(r#"{"history": ["100"]}"#),
            400,
            "RATING from 1 to 5",
        ),
        (
            "POST",
            "/v1/recommend".into(),
            Some(r#"{"history": {"5": 1}}"#),
            404,
            "item \\\"5\\\" is not known",
        ),
        (
            "POST",
            "/v1/recommend".into(),
            Some(r#"{"history": {"100": 1, "100": 2}}"#),
            400,
            "twice",
        ),
        (
            "POST",
            "/v1/recommend".into(),
            Some(r#"{"history": {"100": 1}, "n": 0}"#),
            400,
            "n must be",
        ),
        (
            "POST",
            "/v1/recommend".into(),
            Some(r#"{"history": {"100": 1}, "m": 3}"#),
            400,
            "unknown field",
        ),
        (
            "POST",
            "/v1/recommend".into(),
            Some(big.as_str()),
            413,
            "limit",
        ),
        (
            "POST",
            "/v1/predict".into(),
            Some(r#"{"pairs": []}"#),
            400,
            "empty",
        ),
        (
            "POST",
            "/v1/predict".into(),
            Some(r#"{"pairs": [["1"]]}"#),
            400,
            "",
        ),
        ("POST", "/v1/predict".into(), Some("not json"), 400, ""),
        ("GET", "/v1/nothing".into(), None, 404, "no route"),
        ("DELETE", "/v1/models".into(), None, 405, "not allowed"),
        ("GET", "/v1/recommend".into(), None, 405, "not allowed"),
    ];
    for (method, path, body, status, needle) in &cases {
        let a = send(addr, method, path, body.map(str::as_bytes));
        assert_eq!(a.status, *status, "{method} {path}: {}", a.text());
        let v = a.json();
        let msg = v["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}: {v}"));
        assert!(v.to_string().contains(needle), "{method} {path}: {msg}");
    }
    assert_eq!(get(addr, "/healthz").status, 200);
    server.stop().unwrap();
}

/// Regression: unknown query parameters were ignored (`?N=2` answered 10 items,
/// `?exclude-seen=false` still left the seen items out, `?bogus=1` answered 200), while
/// unknown body fields were refused. Every route now refuses them, naming the parameter,
/// the value and the parameters it takes.
#[test]
fn unknown_query_parameters_are_refused_naming_the_ones_the_route_takes() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let history = Some(r#"{"history": {"100": 1}}"#);
    let cases: [(&str, &str, Option<&str>, &str, &str); 9] = [
        (
            "GET",
            "/v1/recommend/1?N=2",
            None,
            "\"N=2\"",
            "n, exclude_seen, allow, block, model",
        ),
        (
            "GET",
            "/v1/recommend/1?n=2&exclude-seen=false",
            None,
            "\"exclude-seen=false\"",
            "n, exclude_seen, allow, block, model",
        ),
        (
            "GET",
            "/v1/recommend/1?n=3&bogus=1",
            None,
            "\"bogus=1\"",
            "GET /v1/recommend/{user}",
        ),
        (
            "POST",
            "/v1/recommend?n=3",
            history,
            "\"n=3\"",
            "POST /v1/recommend are model",
        ),
        (
            "GET",
            "/v1/similar-items/100?N=3",
            None,
            "\"N=3\"",
            "are n, model",
        ),
        (
            "POST",
            "/v1/predict?model=mf&x=1",
            Some(r#"{"pairs": [["1", "100"]]}"#),
            "\"x=1\"",
            "are model",
        ),
        (
            "GET",
            "/v1/items?query=x",
            None,
            "\"query=x\"",
            "are q, n, model",
        ),
        (
            "GET",
            "/v1/models?model=mf",
            None,
            "\"model=mf\"",
            "GET /v1/models takes no query parameters",
        ),
        (
            "GET",
            "/healthz?verbose=1",
            None,
            "\"verbose=1\"",
            "GET /healthz takes no query parameters",
        ),
    ];
    for (method, path, body, given, valid) in cases {
        let (status, msg) = refusal(addr, method, path, body);
        assert_eq!(status, 400, "{method} {path}: {msg}");
        assert!(
            msg.contains("unknown query parameter") && msg.contains(given) && msg.contains(valid),
            "{method} {path}: {msg}"
        );
    }
    // Escapes that do not decode to UTF-8 text are refused, not searched for as U+FFFD.
    for path in ["/v1/items?q=%FF&n=2", "/v1/recommend/1?n=2&%FE=1"] {
        let (status, msg) = refusal(addr, "GET", path, None);
        assert_eq!(status, 400, "{path}: {msg}");
        assert!(msg.contains("not UTF-8"), "{path}: {msg}");
    }
    // What the routes take still works, the page's parameters included.
    for path in [
        "/v1/recommend/1?n=2&exclude_seen=false&model=mf",
        "/?user=1&n=3",
        "/v1/items?q=x&n=2",
    ] {
        assert_eq!(get(addr, path).status, 200, "{path}");
    }
    let m = get(addr, "/metrics").text();
    assert!(
        m.contains("rustrec_requests_total{endpoint=\"GET /healthz\",status=\"400\"} 1"),
        "{m}"
    );
    server.stop().unwrap();
}

/// Regression: `{"50": 1e300}` was refused as "rating inf", `{"50": 1e-50}` on an iALS model
/// as "weight 0 must be > 0" (the 32-bit float of the value, not the value), and the
/// messages of the JSON endpoint described the CLI's `ITEM:RATING` syntax.
#[test]
fn history_errors_name_the_value_as_sent_in_the_words_of_the_json() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let cases: [(&str, &str, u16, &[&str]); 10] = [
        (
            "ials",
            r#"{"history": {"100": 1e300}}"#,
            400,
            &["item \"100\" = 1e300 does not fit", "3.4028235e38"],
        ),
        (
            "mf",
            r#"{"history": {"100": 1e300}}"#,
            400,
            &["item \"100\" = 1e300 does not fit"],
        ),
        (
            "ials",
            r#"{"history": {"100": 1e-50}}"#,
            400,
            &["item \"100\" = 1e-50 does not fit", "1e-45"],
        ),
        (
            "ials",
            r#"{"history": {"100": 1E-50}}"#,
            400,
            &["= 1E-50 does not fit"],
        ),
        (
            "ials",
            r#"{"history": {"100": -2.50}}"#,
            400,
            &["item \"100\" = -2.50: a weight must be > 0"],
        ),
        (
            "mf",
            r#"{"history": {"100": 123456789.123}}"#,
            400,
            &["item \"100\" = 123456789.123 is outside the rating range of model mf, [1, 5]"],
        ),
        (
            "mf",
            r#"{"history": {"100": null}}"#,
            400,
            &[
                "item \"100\" has no rating",
                "{\"history\": {\"100\": RATING, ...}}",
                "RATING from 1 to 5",
            ],
        ),
        (
            "mf",
            r#"{"history": {}}"#,
            400,
            &[
                "history is empty; model mf predicts ratings",
                "{\"history\": {\"ITEM\": RATING, ...}}",
            ],
        ),
        (
            "ials",
            r#"{"history": []}"#,
            400,
            &["history is empty", "{\"history\": [\"ITEM\", ...]}"],
        ),
        (
            "ials",
            r#"{"history": {"100": 1, " ": 1}}"#,
            400,
            &["entry 2 has a blank item id \" \""],
        ),
    ];
    for (model, body, status, needles) in cases {
        let (got, msg) = refusal(
            addr,
            "POST",
            &format!("/v1/recommend?model={model}"),
            Some(body),
        );
        assert_eq!(got, status, "{model} {body}: {msg}");
        for needle in needles {
            assert!(
                msg.contains(needle),
                "{model} {body}: {needle:?} not in {msg}"
            );
        }
        for cli in [
            "ITEM:RATING",
            "ITEM:WEIGHT",
            "separated by commas",
            "50:5",
            "172:",
        ] {
            assert!(!msg.contains(cli), "{model} {body}: CLI syntax in {msg}");
        }
    }
    let (status, msg) = refusal(
        addr,
        "POST",
        "/v1/recommend",
        Some(r#"{"history": {"5": 1}}"#),
    );
    assert_eq!(status, 404, "{msg}");
    assert!(
        msg.contains("history: item \"5\" is not known to model ials"),
        "{msg}"
    );
    // The largest and smallest values that fit are taken (and judged by the model's rules).
    let v = post(
        addr,
        "/v1/recommend",
        r#"{"history": {"100": 3.4028235e38, "103": 1e-45}, "n": 2}"#,
    );
    assert_eq!(v.status, 200, "{}", v.text());
    server.stop().unwrap();
}

/// Regression: `"n": null` and `"exclude_seen": null` were taken as their defaults; the
/// OpenAPI document does not make them nullable, so they are refused by name.
#[test]
fn null_fields_of_a_history_request_are_refused_by_name() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    for field in ["n", "exclude_seen", "allow", "block"] {
        let body = format!(r#"{{"history": {{"100": 1}}, "{field}": null}}"#);
        let (status, msg) = refusal(addr, "POST", "/v1/recommend", Some(&body));
        assert_eq!(status, 400, "{body}: {msg}");
        assert!(
            msg.contains(&format!("{field} is null"))
                && msg.contains(&format!("leave {field} out")),
            "{body}: {msg}"
        );
    }
    let doc = get(addr, "/openapi.json").json();
    for field in ["n", "exclude_seen", "allow", "block"] {
        let schema = &doc["components"]["schemas"]["HistoryRequest"]["properties"][field];
        assert!(schema.get("nullable").is_none(), "{field}: {schema}");
    }
    server.stop().unwrap();
}

#[test]
fn reload_refuses_a_broken_file_swaps_a_good_one_and_drops_no_request() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let before = get(addr, "/v1/recommend/1?n=5").json();

    // A truncated file: refused, with the error; the old model serves on.
    let good = std::fs::read(f.path("ials.st")).unwrap();
    std::fs::write(f.path("ials.st"), &good[..1000]).unwrap();
    let a = post(addr, "/v1/reload", "");
    assert!(!(200..300).contains(&a.status), "{}", a.text());
    assert!(
        a.json()["error"].as_str().unwrap().contains("ials"),
        "{}",
        a.text()
    );
    assert_eq!(get(addr, "/v1/recommend/1?n=5").json(), before);

    // Another model in the file: swapped in while clients keep asking; none fails.
    fit(&f.path("u.data"), ials_spec(3), &f.path("ials.st"));
    // Each client asks until told to stop, and has answers before the reloads start (a
    // regression: on a busy machine the reloads once finished before any client asked).
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let asking = std::sync::Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let (stop, asking) = (stop.clone(), asking.clone());
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                loop {
                    statuses.push(get(addr, "/v1/recommend/2?n=3").status);
                    if statuses.len() == 1 {
                        asking.fetch_add(1, Ordering::SeqCst);
                    }
                    if stop.load(Ordering::SeqCst) {
                        return statuses;
                    }
                }
            })
        })
        .collect();
    while asking.load(Ordering::SeqCst) < 3 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    for _ in 0..3 {
        let a = post(addr, "/v1/reload", "");
        assert_eq!(a.status, 200, "{}", a.text());
    }
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        let statuses = c.join().unwrap();
        assert!(
            !statuses.is_empty() && statuses.iter().all(|&s| s == 200),
            "{statuses:?}"
        );
    }
    let after = get(addr, "/v1/recommend/1?n=5").json();
    assert_ne!(after, before);
    let metrics = get(addr, "/metrics").text();
    assert!(
        metrics.contains("rustrec_reloads_total{result=\"ok\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("rustrec_reloads_total{result=\"refused\"} 1"),
        "{metrics}"
    );
    server.stop().unwrap();
}

#[test]
fn the_openapi_document_is_true_to_the_routes_and_metrics_count_them() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let doc = get(addr, "/openapi.json").json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_ascii_uppercase(), p.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, routed);
    // Every route answers (not the no-route or wrong-method fallback), with a status it
    // documents.
    for r in ROUTES {
        let path = r
            .path
            .replace("{user}", "1")
            .replace("{item}", &item_id(0).to_string());
        let body = match (r.method, r.path) {
            ("POST", "/v1/recommend") => Some(format!(r#"{{"history": {{"{}": 1}}}}"#, item_id(0))),
            ("POST", "/v1/predict") => Some(r#"{"pairs": [["1", "100"]]}"#.to_string()),
            ("POST", _) => Some(String::new()),
            _ => None,
        };
        let a = send(addr, r.method, &path, body.as_deref().map(str::as_bytes));
        let op = &doc["paths"][r.path][r.method.to_ascii_lowercase()];
        assert!(
            op["responses"].get(a.status.to_string()).is_some(),
            "{} {path}: status {} not documented: {}",
            r.method,
            a.status,
            a.text()
        );
        assert_eq!(a.status, 200, "{} {path}: {}", r.method, a.text());
        for ref_ in op.to_string().split("#/components/schemas/").skip(1) {
            let name = ref_.split('"').next().unwrap();
            assert!(doc["components"]["schemas"].get(name).is_some(), "{name}");
        }
    }
    // A method a path does not take: 405 with an Allow header, as documented once.
    let a = send(addr, "DELETE", "/v1/models", None);
    assert_eq!(a.status, 405, "{}", a.text());
    assert_eq!(a.header("allow"), Some("GET,HEAD"));
    let documented = &doc["components"]["responses"]["MethodNotAllowed"];
    assert!(documented["headers"].get("Allow").is_some(), "{documented}");
    assert!(doc["info"]["description"].as_str().unwrap().contains("405"));
    let m = get(addr, "/metrics").text();
    for needle in [
        "rustrec_requests_total{endpoint=\"GET /v1/recommend/{user}\",status=\"200\"} 1",
        "rustrec_request_duration_seconds_bucket{endpoint=\"POST /v1/predict\",le=\"+Inf\"} 1",
        "rustrec_models_loaded 2",
        "rustrec_model_info{name=\"mf\",kind=\"mf\",task=\"rating\"",
    ] {
        assert!(m.contains(needle), "{needle} not in\n{m}");
    }
    server.stop().unwrap();
}

#[test]
fn a_model_file_that_does_not_load_stops_the_start_with_its_name() {
    let f = fixture();
    std::fs::write(f.path("bad.st"), b"not a model").unwrap();
    let mut config = rustrec_serve::ServeConfig::new(vec![
        rustrec_serve::ModelSource::parse(&format!("ok={}", f.path("ials.st").display())).unwrap(),
        rustrec_serve::ModelSource::parse(&format!("bad={}", f.path("bad.st").display())).unwrap(),
    ]);
    config.addr = "127.0.0.1:0".parse().unwrap();
    let e = rustrec_serve::Running::start(config)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("bad") && e.contains("bad.st"), "{e}");
}

/// Regression: an id or model name that is empty or all blanks was refused as `model  is
/// not served` or `user   is not known`, naming nothing one could see; ids are quoted.
#[test]
fn unknown_ids_and_model_names_are_quoted_in_refusals() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    for (path, body, status, needle) in [
        (
            "/v1/recommend/1?model=",
            None,
            404,
            "model \"\" is not served (models: ials, mf)",
        ),
        (
            "/v1/recommend/%20",
            None,
            404,
            "user \" \" is not known to model ials",
        ),
        (
            "/v1/similar-items/%20",
            None,
            404,
            "item \" \" is not known to model ials",
        ),
        (
            "/v1/recommend/1?allow=100,%20x",
            None,
            404,
            "allow: item \"x\" is not known",
        ),
        (
            "/v1/recommend",
            Some(r#"{"history": {"x y": 1}}"#),
            404,
            "history: item \"x y\" is not known to model ials",
        ),
    ] {
        let method = if body.is_some() { "POST" } else { "GET" };
        let (got, msg) = refusal(addr, method, path, body);
        assert_eq!(got, status, "{path}: {msg}");
        assert!(msg.contains(needle), "{path}: {msg}");
    }
    server.stop().unwrap();
}

/// A rating model saved before the range of its training ratings was kept (the v1
/// fixture of the models crate).
fn rating_model_without_a_range() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rustrec-models/tests/fixtures/mf-v1.safetensors")
}

/// Regression: for a rating model saved without its rating range, `/v1/models` answered
/// `"rating_range": [-3.4028234663852886e38, 3.4028234663852886e38]` (the history rules'
/// stand-in for "any finite rating", not a range of the model), and history refusals asked
/// for a RATING "from -340282350000000000000000000000000000000 to 3402823500...".
#[test]
fn a_rating_model_without_a_stored_range_says_so() {
    let f = fixture();
    let mut config = rustrec_serve::ServeConfig::new(vec![
        rustrec_serve::ModelSource {
            name: "old".into(),
            path: rating_model_without_a_range(),
        },
        rustrec_serve::ModelSource {
            name: "mf".into(),
            path: f.path("mf.st"),
        },
    ]);
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.threads = 1;
    let server = start_with(config);
    let addr = server.addr();
    let v = get(addr, "/v1/models").json();
    let models = v["models"].as_array().unwrap();
    assert_eq!(models[0]["task"], "rating", "{v}");
    assert!(models[0]["rating_range"].is_null(), "{v}");
    // A model that stores its range still shows it.
    let range = models[1]["rating_range"].as_array().unwrap();
    assert_eq!(range.len(), 2, "{v}");
    assert!(
        range[0].as_f64().unwrap() >= 1.0 && range[1].as_f64().unwrap() <= 5.0,
        "{v}"
    );
    let (status, msg) = refusal(addr, "POST", "/v1/recommend", Some(r#"{"history": {}}"#));
    assert_eq!(status, 400, "{msg}");
    assert!(
        msg.contains("model old predicts ratings")
            && msg.contains("with RATING any finite number")
            && !msg.contains("340282"),
        "{msg}"
    );
    server.stop().unwrap();
}

/// Regression: `?allow=100&block=100` (and the same in a `POST /v1/recommend` body) was
/// answered 200 with an empty list. An item both allowed and blocked is a contradiction,
/// refused with a 400 naming both fields and the items (as sent), like the CLI's
/// `recommend --allow --block`; two spellings of one integer id (`0100`, `100`) are the
/// same item, named by the model's id.
#[test]
fn an_item_both_allowed_and_blocked_is_refused_naming_both_fields() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    for (method, path, body, items) in [
        (
            "GET",
            "/v1/recommend/1?allow=100,101,102&block=102,100",
            None,
            "items \"100\", \"102\": ",
        ),
        (
            "GET",
            "/v1/recommend/1?allow=0100&block=100",
            None,
            "item \"100\": ",
        ),
        (
            "POST",
            "/v1/recommend",
            Some(r#"{"history": {"100": 1}, "allow": ["101", 102], "block": [102]}"#),
            "item \"102\": ",
        ),
        (
            "POST",
            "/v1/recommend",
            Some(r#"{"history": {"100": 1}, "allow": ["0100"], "block": [100]}"#),
            "item \"100\": ",
        ),
    ] {
        let (status, msg) = refusal(addr, method, path, body);
        assert_eq!(status, 400, "{path} {body:?}: {msg}");
        assert!(
            msg.starts_with(&format!("allow and block both name {items}")) && msg.contains("leave"),
            "{path} {body:?}: {msg}"
        );
    }
    // Disjoint lists are answered.
    let a = get(
        addr,
        "/v1/recommend/1?allow=100,103&block=106&exclude_seen=false",
    );
    assert_eq!(a.status, 200, "{}", a.text());
    server.stop().unwrap();
}
