//! Regressions of a new user's tour of the API: requests that were answered as if they
//! meant something (a blank id, an empty `allow`), a `HEAD` that skipped the query check,
//! and a 405 that did not say which methods the path takes.

mod common;

use common::*;

/// Regression: `{"pairs": [["", ""]]}` was answered 200 with the model's fallback
/// prediction for an unknown user and item, as if ids had been sent (the CLI's
/// `predict --user "" --item ""` refuses the blank id). A blank id is now a 400 naming
/// the pair, the slot and the value.
#[test]
fn a_blank_id_in_a_prediction_pair_is_refused_not_predicted_as_unknown() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let good = format!("[\"1\", \"{}\"]", item_id(0));
    for (body, named, what) in [
        (
            r#"{"pairs": [["", ""]]}"#.to_string(),
            "pairs[0][0]",
            "user",
        ),
        (
            format!(r#"{{"pairs": [["", "{}"]]}}"#, item_id(0)),
            "pairs[0][0]",
            "user",
        ),
        (
            format!(r#"{{"pairs": [{good}, ["1", "  "]]}}"#),
            "pairs[1][1]",
            "item",
        ),
    ] {
        for model in ["mf", "ials"] {
            let (status, msg) = refusal(
                addr,
                "POST",
                &format!("/v1/predict?model={model}"),
                Some(&body),
            );
            assert_eq!(status, 400, "{body}: {msg}");
            assert!(
                msg.contains(named)
                    && msg.contains(&format!("the {what}"))
                    && msg.contains("blank"),
                "{body}: {msg}"
            );
        }
    }
    // Unknown (but real) ids are still predicted, flagged as unknown.
    let a = post(
        addr,
        "/v1/predict?model=mf",
        r#"{"pairs": [["no-such-user", "1"]]}"#,
    );
    assert_eq!(a.status, 200, "{}", a.text());
    let v = a.json();
    assert_eq!(v["predictions"][0]["known_user"], false, "{v}");
    let a = post(
        addr,
        "/v1/predict?model=mf",
        &format!(r#"{{"pairs": [{good}]}}"#),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    server.stop().unwrap();
}

/// Regression: a `POST /v1/recommend` body with `"allow": []` was answered 200 with an
/// empty list (every item left out, the mistake hidden; the query's `allow=` and the CLI's
/// `--allow` refuse an empty list), and `"block": [""]` or `"allow": ["100", " "]` got a 404
/// "item is not known" where the query's `block=1,,2` gets a 400 for the blank element.
#[test]
fn an_empty_allow_list_or_a_blank_listed_id_in_a_history_request_is_refused() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let (i0, i1) = (item_id(0), item_id(1));
    let history = format!(r#""history": ["{i0}"]"#);
    for (extra, named) in [
        (r#""allow": []"#.to_string(), "allow is an empty list"),
        (r#""block": [""]"#.to_string(), "block[0] is \"\""),
        (format!(r#""allow": ["{i1}", " "]"#), "allow[1] is \" \""),
    ] {
        let body = format!("{{{history}, {extra}}}");
        let (status, msg) = refusal(addr, "POST", "/v1/recommend?model=ials", Some(&body));
        assert_eq!(status, 400, "{body}: {msg}");
        assert!(msg.contains(named), "{body}: {msg}");
        assert!(
            msg.contains("leave allow out") || msg.contains("a blank id is not an item id"),
            "{body}: {msg}"
        );
    }
    // An empty block blocks nothing: the same answer as without it.
    let plain = post(addr, "/v1/recommend?model=ials", &format!("{{{history}}}"));
    let blocked = post(
        addr,
        "/v1/recommend?model=ials",
        &format!(r#"{{{history}, "block": []}}"#),
    );
    assert_eq!(
        (plain.status, blocked.status),
        (200, 200),
        "{}",
        blocked.text()
    );
    assert_eq!(plain.json(), blocked.json());
    assert!(
        !plain.json()["recommendations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A one-item allow list is answered with that item.
    let a = post(
        addr,
        "/v1/recommend?model=ials",
        &format!(r#"{{{history}, "allow": ["{i1}"]}}"#),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    let v = a.json();
    assert_eq!(v["recommendations"][0]["item"], i1.to_string(), "{v}");
    server.stop().unwrap();
}

/// Regression: a 405 said only "DELETE is not allowed on /v1/recommend/1; the routes are
/// in /openapi.json"; it now names the methods the path takes, as its Allow header does.
#[test]
fn a_wrong_method_is_refused_naming_the_methods_the_path_takes() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    for (method, path, takes, allow) in [
        (
            "DELETE",
            "/v1/recommend/1",
            "it takes GET, HEAD",
            "GET,HEAD",
        ),
        ("GET", "/v1/recommend", "it takes POST", "POST"),
        ("GET", "/v1/predict", "it takes POST", "POST"),
        ("PUT", "/v1/models", "it takes GET, HEAD", "GET,HEAD"),
        ("GET", "/v1/reload", "it takes POST", "POST"),
    ] {
        let a = send(addr, method, path, None);
        assert_eq!(a.status, 405, "{method} {path}: {}", a.text());
        let msg = a.json()["error"].as_str().unwrap().to_string();
        assert!(
            msg.contains(&format!("{method} is not allowed on {path}")) && msg.contains(takes),
            "{method} {path}: {msg}"
        );
        assert_eq!(a.header("allow"), Some(allow), "{method} {path}");
    }
    server.stop().unwrap();
}

/// Regression: a `HEAD` request (answered by the `GET` route) skipped the check of its
/// query — `HEAD /v1/recommend/1?bogus=1` was a 200 where `GET` is a 400 — and was
/// counted in `/metrics` as `endpoint="unmatched"` although it was answered 200.
#[test]
fn head_requests_are_checked_and_counted_as_their_get_route() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    assert_eq!(
        send(addr, "GET", "/v1/recommend/1?bogus=1", None).status,
        400
    );
    assert_eq!(
        send(addr, "HEAD", "/v1/recommend/1?bogus=1", None).status,
        400
    );
    assert_eq!(send(addr, "HEAD", "/v1/recommend/1?n=2", None).status, 200);
    assert_eq!(send(addr, "HEAD", "/v1/models", None).status, 200);
    let m = get(addr, "/metrics").text();
    for needle in [
        "rustrec_requests_total{endpoint=\"GET /v1/recommend/{user}\",status=\"400\"} 2",
        "rustrec_requests_total{endpoint=\"GET /v1/recommend/{user}\",status=\"200\"} 1",
        "rustrec_requests_total{endpoint=\"GET /v1/models\",status=\"200\"} 1",
    ] {
        assert!(m.contains(needle), "{needle} not in\n{m}");
    }
    assert!(!m.contains("endpoint=\"unmatched\""), "{m}");
    server.stop().unwrap();
}

/// Regression: `POST /v1/reload` with `{"model": "mf"}` (asking to reload one model)
/// reloaded every model and answered 200, the body ignored. A body that asks for anything
/// is now a 400 naming it; an empty body, white space or `{}` still reloads.
#[test]
fn a_reload_with_a_body_is_refused_not_ignored() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    for body in [r#"{"model": "mf"}"#, "mf", "[]", "null"] {
        let (status, msg) = refusal(addr, "POST", "/v1/reload", Some(body));
        assert_eq!(status, 400, "{body}: {msg}");
        assert!(
            msg.contains("takes no body") && msg.contains(&format!("found \"{body}\"")),
            "{body}: {msg}"
        );
    }
    let m = get(addr, "/metrics").text();
    assert!(m.contains("rustrec_reloads_total{result=\"ok\"} 0"), "{m}");
    for body in ["", " \n", "{}", " { } "] {
        let a = post(addr, "/v1/reload", body);
        assert_eq!(a.status, 200, "{body:?}: {}", a.text());
        assert_eq!(a.json()["reloaded"].as_array().unwrap().len(), 2);
    }
    server.stop().unwrap();
}

/// Sends `body` with a `Content-Encoding` header.
fn send_encoded(addr: std::net::SocketAddr, path: &str, encoding: &str, body: &str) -> Answer {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: \
         application/json\r\nContent-Encoding: {encoding}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Answer {
        status,
        headers: vec![],
        body: body.as_bytes().to_vec(),
    }
}

/// Regression: a body labelled `Content-Encoding: gzip` was read as uncompressed JSON — a
/// really compressed one was refused as "expected value at line 1 column 1", and a plain
/// one so labelled answered 200 as if the header were not there. Both are now a 415 naming
/// the encoding; `identity` is the body as sent.
#[test]
fn a_compressed_body_is_refused_naming_its_content_encoding() {
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let predict = format!(r#"{{"pairs": [["1", "{}"]]}}"#, item_id(0));
    let history = format!(r#"{{"history": ["{}"]}}"#, item_id(0));
    for (path, body) in [("/v1/predict", &predict), ("/v1/recommend", &history)] {
        for encoding in ["gzip", "br", "identity, gzip"] {
            let a = send_encoded(addr, path, encoding, body);
            assert_eq!(a.status, 415, "{path} {encoding}: {}", a.text());
            let msg = a.json()["error"].as_str().unwrap().to_string();
            assert!(
                msg.contains(&format!("Content-Encoding \"{encoding}\""))
                    && msg.contains("uncompressed"),
                "{path} {encoding}: {msg}"
            );
        }
        let a = send_encoded(addr, path, "identity", body);
        assert_eq!(a.status, 200, "{path} identity: {}", a.text());
    }
    server.stop().unwrap();
}
