//! The HTML report in a real browser: headless Chromium (Debian's `chromium`) renders the
//! page of `rustrec compare --report` without script errors, with a table row per model and
//! its charts. The page has a small script that writes any script error into the page
//! (`class="js-error"`) and marks the body `data-rendered="ok"` when it has run; Chromium's
//! console log (`--enable-logging=stderr`) is checked too.

use std::path::Path;
use std::process::Command;

mod common;
use common::{p, rustrec, synth_small};

fn chromium() -> &'static str {
    for name in ["chromium", "chromium-browser"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return name;
        }
    }
    panic!(
        "headless Chromium is needed to test the HTML report, and it is not installed: \
         apt-get install chromium"
    );
}

/// The DOM after scripts ran, and Chromium's log.
fn render(page: &Path, profile: &Path) -> (String, String) {
    let out = Command::new("timeout")
        .args([
            "90",
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Console errors in Chromium's log: uncaught exceptions and `console.error` lines.
fn console_errors(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("Uncaught") || (l.contains("CONSOLE") && l.contains("ERROR")))
        .collect()
}

#[test]
fn the_compare_report_renders_in_headless_chromium_without_errors() {
    let browser = chromium();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    synth_small(&d.join("r.base"), "4", Some((&d.join("r.test"), "0.2")));
    let cfg = |name: &str, kind: &str, extra: &str| {
        let path = d.join(format!("{name}.toml"));
        std::fs::write(
            &path,
            format!(
                "name = \"{name}\"\n[data]\ntrain = \"r.base\"\ntest = \"r.test\"\nimplicit_threshold = 3\n\
                 [model]\nkind = \"{kind}\"\n{extra}\n[train]\nthreads = 1\n[eval]\ncutoffs = [5, 10]\n"
            ),
        )
        .unwrap();
        path
    };
    let configs = [
        cfg("popular", "top-pop", ""),
        cfg("bpr-mf", "bpr", "factors = 8\nepochs = 4"),
        cfg("ease-small", "ease", "lambda = 50.0"),
    ];
    let page = d.join("report.html");
    let mut args = vec!["compare"];
    for c in &configs {
        args.extend(["--config", p(c)]);
    }
    args.extend(["--data-dir", p(d), "--report", p(&page), "-q"]);
    let out = rustrec(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "nothing from the network"
    );

    let (dom, log) = render(&page, &d.join("profile"));
    assert!(
        dom.contains("data-rendered=\"ok\""),
        "the page's script did not run: {browser}\n{dom}"
    );
    assert!(
        !dom.contains("class=\"js-error\""),
        "script errors in the page"
    );
    assert!(
        console_errors(&log).is_empty(),
        "console errors: {:?}",
        console_errors(&log)
    );
    for name in ["popular", "bpr-mf", "ease-small"] {
        assert!(dom.matches(name).count() >= 2, "{name} missing");
    }
    let rows = dom.matches("<tr").count();
    assert!(rows >= 4, "a header and a row per model: {rows} rows");
    assert!(dom.matches("<svg").count() >= 5, "charts missing");
    assert!(dom.contains("charts, "), "the status line was not written");

    // The check can fail: a page with a script error is caught.
    let broken = d.join("broken.html");
    std::fs::write(
        &broken,
        html.replace("</body>", "<script>notAFunction();</script></body>"),
    )
    .unwrap();
    let (dom, log) = render(&broken, &d.join("profile2"));
    assert!(
        dom.contains("class=\"js-error\"") || !console_errors(&log).is_empty(),
        "a script error went unnoticed"
    );
}

/// Checks a rendered page: its script ran, no script or console error, and at least
/// `charts` inline SVG charts.
fn assert_renders(page: &Path, profile: &Path, charts: usize) -> String {
    let (dom, log) = render(page, profile);
    assert!(
        dom.contains("data-rendered=\"ok\""),
        "the page's script did not run: {}\n{dom}",
        page.display()
    );
    assert!(
        !dom.contains("class=\"js-error\""),
        "script errors in {}",
        page.display()
    );
    assert!(
        console_errors(&log).is_empty(),
        "console errors in {}: {:?}",
        page.display(),
        console_errors(&log)
    );
    let svgs = dom.matches("<svg").count();
    assert!(
        svgs >= charts,
        "{}: {svgs} charts, expected at least {charts}",
        page.display()
    );
    dom
}

#[test]
fn the_tune_and_fit_reports_render_in_headless_chromium_without_errors() {
    chromium();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    synth_small(&d.join("r.base"), "5", Some((&d.join("r.test"), "0.1")));
    let cfg = d.join("mf.toml");
    std::fs::write(
        &cfg,
        "name = \"small-mf\"\n[data]\ntrain = \"r.base\"\ntest = \"r.test\"\n\
         [validation]\nfraction = 0.1\npatience = 2\n\
         [model]\nkind = \"mf\"\nfactors = 4\nepochs = 6\n[train]\nthreads = 1\n",
    )
    .unwrap();
    let space = d.join("space.toml");
    std::fs::write(
        &space,
        "[model.factors]\ntype = \"int\"\nlow = 2\nhigh = 16\nlog = true\n\
         [model.reg]\ntype = \"float\"\nlow = 0.001\nhigh = 0.5\nlog = true\n\
         [model.sampling]\ntype = \"choice\"\nvalues = [\"shuffled\", \"in-order\"]\n",
    )
    .unwrap();
    let (tune_page, fit_page) = (d.join("tune.html"), d.join("fit.html"));
    let out = rustrec(&[
        "tune",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--space",
        p(&space),
        "--trials",
        "6",
        "--startup",
        "3",
        "--seed",
        "2",
        "--report",
        p(&tune_page),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = assert_renders(&tune_page, &d.join("profile-tune"), 4);
    for section in ["Search history", "Parameter importance", "Best trials"] {
        assert!(
            dom.contains(section),
            "{section} missing from the tune report"
        );
    }
    for name in ["model.factors", "model.reg", "model.sampling"] {
        assert!(dom.contains(name), "{name} missing from the tune report");
    }
    let out = rustrec(&[
        "fit",
        "--config",
        p(&cfg),
        "--data-dir",
        p(d),
        "--report",
        p(&fit_page),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = assert_renders(&fit_page, &d.join("profile-fit"), 2);
    for section in ["Learning curves", "Popularity bias", "small-mf"] {
        assert!(
            dom.contains(section),
            "{section} missing from the fit report"
        );
    }
}
