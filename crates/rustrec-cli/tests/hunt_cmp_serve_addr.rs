//! `rustrec serve --addr`: an address that is not IP:PORT is refused naming the flag, the
//! value and the valid form, saying that host names are not accepted, and suggesting the
//! full address for a bare port (the model file is never read).
#![cfg(feature = "serve")]

mod common;
use common::rustrec;

/// Standard error of `rustrec serve --addr ADDR`, which must fail before reading the model.
fn refused(addr: &str) -> String {
    let out = rustrec(&["serve", "--model", "m=does-not-exist.st", "--addr", addr]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "--addr {addr:?} was accepted: {stderr}"
    );
    assert!(
        !stderr.contains("does-not-exist"),
        "--addr {addr:?} read the model: {stderr}"
    );
    stderr
}

/// Regression: `--addr localhost:8080` and `--addr 8080` said only "invalid socket address
/// syntax", naming neither the valid form nor whether host names are taken.
#[test]
fn serve_addr_host_name_or_bare_port_names_flag_value_and_valid_form() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "localhost:8080",
            &[
                "--addr",
                "'localhost:8080'",
                "IP:PORT",
                "127.0.0.1:8080",
                "host names such as localhost are not accepted",
            ],
        ),
        (
            "8080",
            &[
                "--addr",
                "'8080'",
                "IP:PORT",
                "8080 is a port alone: give 127.0.0.1:8080",
            ],
        ),
        (
            "127.0.0.1",
            &["'127.0.0.1'", "has no port: give 127.0.0.1:8080"],
        ),
        ("::1", &["'::1'", "has no port: give [::1]:8080"]),
    ];
    for (addr, needles) in cases {
        let stderr = refused(addr);
        assert!(
            !stderr.contains("invalid socket address syntax"),
            "{addr}: {stderr}"
        );
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{addr}: {needle:?} not in {stderr}"
            );
        }
    }
}
