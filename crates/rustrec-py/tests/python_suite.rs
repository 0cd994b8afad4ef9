//! Builds the Python package and runs its pytest suite (`crates/rustrec-py/tests/*.py`), so
//! that `cargo test --workspace` covers the Python API too.
//!
//! The suite's virtual environment lives under the cargo target directory
//! (`target/python-suite/venv`) and is reused between runs; it is rebuilt when the list of
//! packages below changes. The package is built by `maturin develop` (dev profile) into
//! that environment, in the same target directory as the `cargo test` that runs this file
//! (cargo releases its build lock before it runs tests, as it does for `cargo run`), so
//! the workspace crates and dependencies that `cargo test --workspace` just built are
//! reused: only pyo3 (with its `extension-module` feature), numpy and this crate are
//! compiled again, once. The suite compares with the `rustrec` binary that
//! `cargo test --workspace` builds (`target/debug/rustrec`); `RUSTREC_CLI` overrides it.
//!
//! Set `RUSTREC_SKIP_PYTHON=1` to leave the suite out (it then prints why, and passes).
//! Without Python 3 on the machine the test fails, naming what to install.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Packages of the suite's environment (the first line of the marker file).
const REQUIREMENTS: &[&str] = &[
    "maturin>=1.5,<2",
    "pytest>=7",
    "numpy>=2,<3",
    "scipy>=1.11",
    "pandas>=2",
    "implicit==0.7.3",
    "threadpoolctl",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the crate sits two levels under the workspace root")
        .to_path_buf()
}

/// The target directory the test binary was built in (`target/`).
fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the tmp dir is inside the target dir")
        .to_path_buf()
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{text}",
        out.status
    );
    text
}

fn python() -> String {
    std::env::var("RUSTREC_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The suite's venv, created (or rebuilt) when missing or outdated; returns its python.
fn venv(dir: &Path) -> PathBuf {
    let py = dir.join("bin").join("python");
    let marker = dir.join("rustrec-requirements.txt");
    let want = REQUIREMENTS.join("\n");
    if py.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(want.as_str()) {
        return py;
    }
    let _ = std::fs::remove_dir_all(dir);
    let ok = Command::new(python())
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the Python suite needs Python 3 with venv and pip (`{}` not found): install python3 \
         and python3-venv, or set RUSTREC_PYTHON, or RUSTREC_SKIP_PYTHON=1 to leave it out",
        python()
    );
    run(
        Command::new(python()).args(["-m", "venv"]).arg(dir),
        "creating the suite's venv",
    );
    run(
        Command::new(&py)
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
            .args(REQUIREMENTS),
        "installing the suite's packages",
    );
    std::fs::write(&marker, want).expect("write the venv marker");
    py
}

#[test]
fn python_package_builds_and_its_pytest_suite_passes() {
    if std::env::var_os("RUSTREC_SKIP_PYTHON").is_some() {
        eprintln!("RUSTREC_SKIP_PYTHON is set: the Python suite is left out");
        return;
    }
    let started = Instant::now();
    let root = workspace_root();
    let base = target_dir().join("python-suite");
    std::fs::create_dir_all(&base).expect("create target/python-suite");
    let venv_dir = base.join("venv");
    let py = venv(&venv_dir);
    let venv_secs = started.elapsed().as_secs_f64();

    // Build and install the package into the venv (debug profile: the suite is about
    // behaviour, and the dev profile optimises dependencies anyway).
    let maturin = venv_dir.join("bin").join("maturin");
    run(
        Command::new(&maturin)
            .args(["develop", "--quiet", "--manifest-path"])
            .arg(root.join("crates/rustrec-py/Cargo.toml"))
            .env("VIRTUAL_ENV", &venv_dir)
            .env("CARGO_TARGET_DIR", target_dir())
            .env_remove("CONDA_PREFIX"),
        "maturin develop",
    );
    let build_secs = started.elapsed().as_secs_f64() - venv_secs;

    let cli = std::env::var_os("RUSTREC_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug").join("rustrec"));
    let out = Command::new(&py)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(root.join("crates/rustrec-py/tests"))
        .env("RUSTREC_CLI", &cli)
        .env("OPENBLAS_NUM_THREADS", "1")
        .current_dir(&root)
        .output()
        .expect("start pytest");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "python suite: venv {venv_secs:.1} s, build {build_secs:.1} s, pytest {:.1} s",
        started.elapsed().as_secs_f64() - venv_secs - build_secs
    );
    assert!(out.status.success(), "pytest failed:\n{text}");
    // The last line of a passing run: "N passed in S s".
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(last.contains("passed"), "pytest ran no test:\n{text}");
    eprintln!("{last}");
}
