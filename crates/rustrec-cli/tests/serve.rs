//! End-to-end tests of the `rustrec serve` binary on an ephemeral loopback port: its
//! answers equal the CLI's `recommend`, `recommend --history` and `predict` with `--json`
//! (the same shapes, the same numbers), SIGHUP re-reads the model files (refusing a broken
//! one), and SIGTERM lets a request in flight finish before the process exits.
//!
//! Signals are sent with `kill(1)`, so these tests are Unix-only; they need the `serve`
//! feature (on by default).
#![cfg(all(unix, feature = "serve"))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};

mod common;
use common::{last_json, p, rustrec};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Writes a synthetic rating file and fits an implicit-ALS model (`factors` factors) and
/// an MF model on it.
fn fit_models(dir: &Path, factors: usize) {
    let data = dir.join("u.data");
    if !data.exists() {
        last_json(&rustrec(&[
            "synth",
            "--users",
            "120",
            "--items",
            "90",
            "--ratings",
            "3000",
            "--seed",
            "5",
            "--format",
            "ml-tab",
            "--out",
            p(&data),
            "--test-fraction",
            "0.1",
            "--test-out",
            p(&dir.join("u.test")),
            "-q",
            "--json",
        ]));
    }
    fit_ials(dir, factors, &dir.join("ials.st"));
    last_json(&rustrec(&[
        "fit",
        "--train",
        p(&data),
        "--test",
        p(&dir.join("u.test")),
        "--model",
        "mf",
        "--factors",
        "6",
        "--epochs",
        "5",
        "--out",
        p(&dir.join("mf.st")),
        "-q",
        "--json",
    ]));
}

fn fit_ials(dir: &Path, factors: usize, out: &Path) {
    last_json(&rustrec(&[
        "fit",
        "--train",
        p(&dir.join("u.data")),
        "--test",
        p(&dir.join("u.test")),
        "--model",
        "ials",
        "--set",
        &format!("model.factors={factors}"),
        "--out",
        p(out),
        "-q",
        "--json",
    ]));
}

/// A `rustrec serve` process and the address it printed; killed on drop.
struct Served {
    child: Child,
    addr: SocketAddr,
    /// Standard error after the address line, read on a thread.
    log: mpsc::Receiver<String>,
}

impl Served {
    fn start(dir: &Path) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rustrec"))
            .args([
                "serve",
                "--model",
                &format!("ials={}", p(&dir.join("ials.st"))),
                "--model",
                &format!("mf={}", p(&dir.join("mf.st"))),
                "--addr",
                "127.0.0.1:0",
                "--threads",
                "2",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, log) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // "serving ials, mf on http://127.0.0.1:PORT (page: ...)"
        let line = log
            .recv_timeout(Duration::from_secs(60))
            .expect("rustrec serve printed no address within 60 s");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split([' ', '/']).next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Served { child, addr, log }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} failed");
    }

    /// The next line of standard error holding `needle`, within `wait`.
    fn log_line(&self, needle: &str, wait: Duration) -> String {
        let until = Instant::now() + wait;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no line with {needle:?} on standard error within {wait:?}"),
            }
        }
    }

    /// Waits for the process to exit, at most `wait`.
    fn exit_status(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Status and JSON body of one HTTP/1.1 request (`Connection: close`).
fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(head(addr, method, path, body.map(str::len)).as_bytes())
        .unwrap();
    if let Some(b) = body {
        s.write_all(b.as_bytes()).unwrap();
    }
    read_answer(&mut s)
}

fn head(addr: SocketAddr, method: &str, path: &str, len: Option<usize>) -> String {
    let mut h = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(n) = len {
        h.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {n}\r\n"
        ));
    }
    h + "\r\n"
}

fn read_answer(s: &mut TcpStream) -> (u16, Value) {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    (status, json)
}

/// `v` without its `model` key (the server names the model that answered; the CLI's
/// answers come from the one model given).
fn without_model(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("model");
    }
    v
}

#[test]
fn the_server_answers_as_the_cli_does() {
    let dir = tempfile::tempdir().unwrap();
    fit_models(dir.path(), 8);
    let server = Served::start(dir.path());
    let (ials, mf) = (dir.path().join("ials.st"), dir.path().join("mf.st"));
    assert_eq!(http(server.addr, "GET", "/healthz", None).0, 200);

    for user in ["1", "17", "60"] {
        let (status, got) = http(
            server.addr,
            "GET",
            &format!("/v1/recommend/{user}?n=7"),
            None,
        );
        assert_eq!(status, 200, "{got}");
        assert_eq!(got["model"], "ials");
        let want = last_json(&rustrec(&[
            "recommend",
            "--model",
            p(&ials),
            "--user",
            user,
            "-n",
            "7",
            "--json",
        ]));
        assert_eq!(without_model(got), want, "user {user}");
    }

    // A new user's history by fold-in, as `recommend --history` scores it.
    let (status, got) = http(
        server.addr,
        "POST",
        "/v1/recommend",
        Some(r#"{"history": {"3": 1, "10": 2, "25": 1}, "n": 6}"#),
    );
    assert_eq!(status, 200, "{got}");
    let want = last_json(&rustrec(&[
        "recommend",
        "--model",
        p(&ials),
        "--history",
        "3:1,10:2,25:1",
        "-n",
        "6",
        "--json",
    ]));
    assert_eq!(without_model(got), want);

    // Predictions of the second model, known and unknown ids.
    let (status, got) = http(
        server.addr,
        "POST",
        "/v1/predict?model=mf",
        Some(r#"{"pairs": [["1", "3"], ["1", "10"], ["1", "99999"]]}"#),
    );
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["model"], "mf");
    let want = last_json(&rustrec(&[
        "predict",
        "--model",
        p(&mf),
        "--user",
        "1",
        "--item",
        "3,10,99999",
        "--json",
    ]));
    assert_eq!(without_model(got), want);
}

#[test]
fn sighup_rereads_the_files_and_keeps_the_old_models_when_one_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    fit_models(dir.path(), 8);
    let server = Served::start(dir.path());
    let ials = dir.path().join("ials.st");
    let (_, before) = http(server.addr, "GET", "/v1/recommend/2?n=5", None);

    // A truncated file: refused (said on standard error), the old model answers.
    let good = std::fs::read(&ials).unwrap();
    std::fs::write(&ials, &good[..good.len() / 3]).unwrap();
    server.signal("HUP");
    let line = server.log_line("SIGHUP", Duration::from_secs(30));
    assert!(line.contains("refused") && line.contains("ials"), "{line}");
    assert_eq!(
        http(server.addr, "GET", "/v1/recommend/2?n=5", None),
        (200, before.clone())
    );

    // Another model in the file: swapped in.
    fit_ials(dir.path(), 3, &ials);
    server.signal("HUP");
    let line = server.log_line("SIGHUP", Duration::from_secs(30));
    assert!(line.contains("reloaded"), "{line}");
    let (status, after) = http(server.addr, "GET", "/v1/recommend/2?n=5", None);
    assert_eq!(status, 200);
    assert_ne!(after, before);
    let want = last_json(&rustrec(&[
        "recommend",
        "--model",
        p(&ials),
        "--user",
        "2",
        "-n",
        "5",
        "--json",
    ]));
    assert_eq!(without_model(after), want);
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits() {
    let dir = tempfile::tempdir().unwrap();
    fit_models(dir.path(), 8);
    let mut server = Served::start(dir.path());
    // A request whose body is half sent when SIGTERM arrives.
    let body = r#"{"history": {"3": 1, "10": 2}, "n": 4}"#;
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(head(server.addr, "POST", "/v1/recommend", Some(body.len())).as_bytes())
        .unwrap();
    s.write_all(&body.as_bytes()[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    server.signal("TERM");
    server.log_line("SIGTERM", Duration::from_secs(30));
    // Still draining: the process waits for the request.
    assert!(
        server.exit_status(Duration::from_millis(500)).is_none(),
        "the server exited with a request in flight"
    );
    // No new connections are answered meanwhile.
    let refused = TcpStream::connect(server.addr).and_then(|mut c| {
        c.set_read_timeout(Some(Duration::from_secs(5)))?;
        c.write_all(head(server.addr, "GET", "/healthz", None).as_bytes())?;
        let mut buf = Vec::new();
        c.read_to_end(&mut buf)?;
        Ok(buf)
    });
    if let Ok(answer) = refused {
        assert!(
            answer.is_empty(),
            "a new connection was answered while draining: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    s.write_all(&body.as_bytes()[10..]).unwrap();
    let (status, v) = read_answer(&mut s);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["recommendations"].as_array().map(Vec::len), Some(4));
    let exit = server
        .exit_status(Duration::from_secs(20))
        .expect("the server did not exit after its last request");
    assert!(exit.success(), "exit {exit:?}");
}
