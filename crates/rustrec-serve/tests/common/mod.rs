//! What the server tests share: small generated fixtures (a rating file, a movie file, an
//! implicit-ALS and an MF model trained on them), a server on an ephemeral loopback port,
//! and a minimal HTTP/1.1 client.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustrec::data::NoProgress;
use rustrec::data::read::{ReadOptions, read_interactions};
use rustrec::models::{FitContext, ModelSpec};
use rustrec_serve::{ModelSource, Running, ServeConfig};
use serde_json::{Value, json};

/// Users and items of the generated data.
pub const USERS: i64 = 60;
pub const ITEMS: i64 = 40;

/// Raw id of item `k` (not the dense index, to catch mix-ups).
pub fn item_id(k: i64) -> i64 {
    100 + 3 * k
}

/// A directory with `u.data`, `u.item`, `ials.st` and `mf.st`.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Writes the rating file: every user rates a deterministic third of the items, with
/// ratings 1–5 that depend on user and item groups (so the models learn something).
fn write_ratings(path: &Path) {
    let mut text = String::new();
    for u in 1..=USERS {
        for k in 0..ITEMS {
            if (u * 7 + k * 5) % 3 == 0 {
                let r = 1 + ((u % 4) * (k % 5) + u + k) % 5;
                text.push_str(&format!(
                    "{u}\t{}\t{r}\t{}\n",
                    item_id(k),
                    880000000 + u * 100 + k
                ));
            }
        }
    }
    std::fs::write(path, text).unwrap();
}

/// Writes a `u.item` movie file with a title for every item.
fn write_movies(path: &Path) {
    let mut text = String::new();
    for k in 0..ITEMS {
        let genres = (0..19)
            .map(|g| if g == k % 19 { "1" } else { "0" })
            .collect::<Vec<_>>()
            .join("|");
        text.push_str(&format!(
            "{}|Movie Number {k} ({})|01-Jan-1995||http://example.invalid/{k}|{genres}\n",
            item_id(k),
            1990 + k % 10
        ));
    }
    std::fs::write(path, text).unwrap();
}

/// Trains `spec` on the rating file and saves it to `out`.
pub fn fit(data: &Path, spec: Value, out: &Path) {
    let (train, _) = read_interactions(data, &ReadOptions::default(), &NoProgress).unwrap();
    let spec = ModelSpec::from_json(spec).unwrap();
    let mut ctx = FitContext::with_threads(42, 1).unwrap();
    let model = spec.fit(&train, &mut ctx).unwrap();
    model.save(out, &train, json!({"fixture": true})).unwrap();
}

/// The fixture directory with both models trained.
pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let f = Fixture { dir };
    write_ratings(&f.path("u.data"));
    write_movies(&f.path("u.item"));
    fit(&f.path("u.data"), ials_spec(8), &f.path("ials.st"));
    fit(
        &f.path("u.data"),
        json!({"kind": "mf", "factors": 6, "epochs": 10}),
        &f.path("mf.st"),
    );
    f
}

/// An implicit-ALS model of `factors` factors.
pub fn ials_spec(factors: usize) -> Value {
    json!({"kind": "ials", "factors": factors, "iterations": 4})
}

/// A server for the fixture's models (ials first), with titles, on a free loopback port.
pub fn start(f: &Fixture) -> Running {
    let mut config = ServeConfig::new(vec![
        ModelSource {
            name: "ials".into(),
            path: f.path("ials.st"),
        },
        ModelSource {
            name: "mf".into(),
            path: f.path("mf.st"),
        },
    ]);
    config.item_file = Some(f.path("u.item"));
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.threads = 2;
    start_with(config)
}

/// A server for `config`.
pub fn start_with(config: ServeConfig) -> Running {
    Running::start(config).unwrap()
}

/// An answer: status, headers (lower-case names) and body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request (`Connection: close`) and reads the whole answer.
pub fn send(addr: SocketAddr, method: &str, path: &str, body: Option<&[u8]>) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(b) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    if let Some(b) = body {
        // The server may answer (413) and close before reading a large body.
        let _ = s.write_all(b);
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse(&raw)
}

/// `(status, error message)` of a request that is refused: the answer's `error` text
/// (a panic names the request when the answer has none).
pub fn refusal(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let a = send(addr, method, path, body.map(str::as_bytes));
    let v = a.json();
    let msg = v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{method} {path}: no error in {v}"))
        .to_string();
    (a.status, msg)
}

pub fn get(addr: SocketAddr, path: &str) -> Answer {
    send(addr, "GET", path, None)
}

pub fn post(addr: SocketAddr, path: &str, body: &str) -> Answer {
    send(addr, "POST", path, Some(body.as_bytes()))
}

fn parse(raw: &[u8]) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP header in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}
