//! The page for people in a real browser: headless Chromium (Debian's `chromium`) opens
//! `/?user=U`, `/?q=TEXT` and `/?liked=I,J` on a server for the fixture models, and the
//! rendered page must show the user's recommendations with their titles, the items found
//! by title, and the recommendations for the liked items. Without Chromium the test fails (it is part
//! of the suite, not optional): `apt-get install chromium` (CI's `.ci/run` does).

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

fn chromium() -> String {
    for name in ["chromium", "chromium-browser"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return name.to_string();
        }
    }
    panic!(
        "headless Chromium is needed for the page test and is not installed: \
         apt-get install chromium (Debian's package; .ci/run installs it)"
    );
}

/// The DOM of `url` after its scripts ran.
fn dump_dom(browser: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--virtual-time-budget=8000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // A browser that hangs must not hang the suite.
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_page_shows_a_users_recommendations_with_titles_in_chromium() {
    let browser = chromium();
    let f = fixture();
    let server = start(&f);
    let addr = server.addr();
    let want = get(addr, "/v1/recommend/5?n=10").json();
    let titles: Vec<String> = want["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(titles.len(), 10);
    let dom = dump_dom(&browser, &format!("http://{addr}/?user=5"));
    assert!(dom.contains("Recommendations for user 5"), "{dom}");
    for t in &titles {
        assert!(
            dom.contains(t.as_str()),
            "title {t:?} not on the page:\n{dom}"
        );
    }
    // The other model, picked in the address.
    let mf = get(addr, "/v1/recommend/5?n=10&model=mf").json();
    let first = mf["recommendations"][0]["title"]
        .as_str()
        .unwrap()
        .to_string();
    let dom = dump_dom(&browser, &format!("http://{addr}/?user=5&model=mf"));
    assert!(dom.contains("(mf)") && dom.contains(&first), "{dom}");

    // A new user: items found by title, then the recommendations for liked items.
    let dom = dump_dom(&browser, &format!("http://{addr}/?q=number%2012"));
    assert!(
        dom.contains(&format!("Movie Number 12 (1992) ({})", item_id(12))),
        "the search for a title found nothing:\n{dom}"
    );
    let (a, b) = (item_id(4), item_id(9));
    let want = post(
        addr,
        "/v1/recommend",
        &format!(r#"{{"history": {{"{a}": 1, "{b}": 1}}, "n": 10}}"#),
    )
    .json();
    let dom = dump_dom(&browser, &format!("http://{addr}/?liked={a},{b}"));
    assert!(
        dom.contains("Recommendations for 2 liked item(s) (ials)"),
        "{dom}"
    );
    // The liked items show with their titles, the recommendations with theirs.
    assert!(dom.contains("Movie Number 4 (1994)") && dom.contains("Movie Number 9 (1999)"));
    let titles: Vec<&str> = want["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 10);
    for t in titles {
        assert!(dom.contains(t), "title {t:?} not on the page:\n{dom}");
    }
    server.stop().unwrap();
}
