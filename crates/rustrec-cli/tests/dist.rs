//! Several `rustrec fit` processes on loopback (ports chosen at run time) train one model:
//! the file process 0 writes has the single-process bytes (iALS, explicit ALS, MF by DSGD)
//! on 3 × 1 and 2 × 2 layouts; a killed process stops the others with an error naming it;
//! a checkpointed cluster run that is killed resumes to the uninterrupted bytes.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{p, rustrec, succeeded, synth_small};

/// A host file of `n` free loopback ports (bound to port 0, then released).
fn hostfile(dir: &Path, n: usize) -> PathBuf {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let text: String = listeners
        .iter()
        .map(|l| format!("127.0.0.1:{}\n", l.local_addr().unwrap().port()))
        .collect();
    let path = dir.join(format!("hosts-{n}.txt"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts process `i` of `n` with `args`.
fn spawn(args: &[String], n: usize, i: usize, w: usize, hosts: &Path) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rustrec"));
    cmd.args(args).args([
        "--processes",
        &n.to_string(),
        "--process",
        &i.to_string(),
        "--hostfile",
        p(hosts),
        "--workers",
        &w.to_string(),
    ]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.spawn().unwrap()
}

/// Runs `n` processes × `w` workers; process 0 also gets `first` (e.g. `--out F`).
fn cluster(dir: &Path, n: usize, w: usize, args: &[String], first: &[String]) -> Vec<Output> {
    let hosts = hostfile(dir, n);
    let children: Vec<Child> = (0..n)
        .map(|i| {
            let mut a = args.to_vec();
            if i == 0 {
                a.extend_from_slice(first);
            }
            spawn(&a, n, i, w, &hosts)
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_layout_writes_the_single_process_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("r.data");
    synth_small(&data, "5", None);
    let cases: [(&str, &[&str]); 3] = [
        (
            "ials",
            &[
                "--set",
                "model.iterations=4",
                "--set",
                "model.solver={kind=\"cg\",steps=3}",
                "--implicit-threshold",
                "1",
            ],
        ),
        (
            "als",
            &[
                "--set",
                "model.iterations=4",
                "--set",
                "model.biases=true",
                "--set",
                "model.solver={kind=\"cholesky\"}",
            ],
        ),
        ("mf", &["--epochs", "4", "--set", "model.bins=4"]),
    ];
    for (kind, extra) in cases {
        let mut args = strings(&[
            "fit",
            "--ratings",
            p(&data),
            "--split",
            "holdout:0.2",
            "--model",
            kind,
            "--factors",
            "8",
            "--threads",
            "2",
            "-q",
        ]);
        args.extend(strings(extra));
        let single = dir.path().join(format!("{kind}-single.st"));
        let mut a = args.clone();
        a.extend(strings(&["--out", p(&single)]));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        succeeded(&rustrec(&a));
        let want = std::fs::read(&single).unwrap();
        for (n, w) in [(3, 1), (2, 2)] {
            let out = dir.path().join(format!("{kind}-{n}x{w}.st"));
            let outs = cluster(
                dir.path(),
                n,
                w,
                &args,
                &strings(&["--out", p(&out), "--json"]),
            );
            for (i, o) in outs.iter().enumerate() {
                assert!(
                    o.status.success(),
                    "{kind} {n}x{w} process {i}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
            }
            let got = std::fs::read(&out).unwrap();
            assert!(
                got == want,
                "{kind} {n}x{w}: the model differs from one process's"
            );
            let report = common::json_of(&outs[0]);
            assert_eq!(report["processes"], n, "{report}");
            assert!(
                report["bytes_sent_per_iteration"].as_u64().unwrap() > 0,
                "{report}"
            );
            assert!(
                report["seconds_per_iteration"].as_f64().is_some(),
                "{report}"
            );
            for o in &outs[1..] {
                assert!(o.stdout.is_empty(), "only process 0 reports");
            }
        }
    }
}

#[test]
fn a_killed_process_stops_the_others_with_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("r.data");
    let ck = dir.path().join("ck");
    synth_small(&data, "6", None);
    let args = strings(&[
        "fit",
        "--ratings",
        p(&data),
        "--split",
        "holdout:0.2",
        "--model",
        "ials",
        "--factors",
        "8",
        "--set",
        "model.iterations=100000000",
        "--implicit-threshold",
        "1",
        "--checkpoint-dir",
        p(&ck),
        "--checkpoint-every",
        "1",
        "-q",
    ]);
    let hosts = hostfile(dir.path(), 3);
    let mut children: Vec<Child> = (0..3).map(|i| spawn(&args, 3, i, 1, &hosts)).collect();
    // A checkpoint means every process is connected and an epoch has been gathered.
    let file = ck.join("checkpoint.rrck");
    let started = Instant::now();
    while !file.exists() {
        if started.elapsed() > Duration::from_secs(120) {
            for c in &mut children {
                let _ = c.kill();
            }
            panic!("no epoch finished within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut victim = children.pop().unwrap();
    victim.kill().unwrap();
    victim.wait().unwrap();
    let killed = Instant::now();
    for (i, mut c) in children.into_iter().enumerate() {
        let status = loop {
            if let Some(s) = c.try_wait().unwrap() {
                break s;
            }
            if killed.elapsed() > Duration::from_secs(30) {
                c.kill().unwrap();
                panic!("process {i} still runs 30 s after process 2 was killed");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!status.success(), "process {i} exited 0: {err}");
        assert!(
            err.contains("lost connection to process 2"),
            "process {i}: {err}"
        );
    }
}

#[test]
fn a_killed_checkpointed_cluster_resumes_to_the_uninterrupted_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("ck");
    let full = dir.path().join("full.st");
    let resumed = dir.path().join("resumed.st");
    let args = strings(&[
        "fit",
        "--synthetic",
        "ml-100k",
        "--split",
        "holdout:0.1",
        "--model",
        "als",
        "--factors",
        "16",
        "--set",
        "model.iterations=40",
        "--threads",
        "1",
        "-q",
    ]);
    let mut a = args.clone();
    a.extend(strings(&["--out", p(&full)]));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    succeeded(&rustrec(&a));
    let mut with_ck = args.clone();
    with_ck.extend(strings(&[
        "--checkpoint-dir",
        p(&ck),
        "--checkpoint-every",
        "2",
    ]));
    let hosts = hostfile(dir.path(), 2);
    let mut first = with_ck.clone();
    first.extend(strings(&["--out", p(&resumed)]));
    let mut children = vec![
        spawn(&first, 2, 0, 1, &hosts),
        spawn(&with_ck, 2, 1, 1, &hosts),
    ];
    let file = ck.join("checkpoint.rrck");
    let started = Instant::now();
    while !file.exists() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    for c in &mut children {
        let _ = c.kill();
        c.wait().unwrap();
    }
    assert!(file.exists(), "no checkpoint was written");
    assert!(
        !resumed.exists(),
        "the run finished before it could be interrupted (make it longer)"
    );
    let mut again = with_ck.clone();
    again.push("--resume".into());
    let outs = cluster(dir.path(), 2, 1, &again, &strings(&["--out", p(&resumed)]));
    for o in &outs {
        succeeded(o);
    }
    assert!(
        std::fs::read(&resumed).unwrap() == std::fs::read(&full).unwrap(),
        "the resumed model differs from the uninterrupted one"
    );
}

#[test]
fn bad_cluster_flags_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let hosts = hostfile(dir.path(), 2);
    let out = rustrec(&[
        "fit",
        "--synthetic",
        "ml-100k",
        "--processes",
        "3",
        "--process",
        "0",
        "--hostfile",
        p(&hosts),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("--processes 3") && err.contains("2 address"),
        "{err}"
    );
    let out = rustrec(&["fit", "--synthetic", "ml-100k", "--processes", "2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("--hostfile"), "{err}");
    let out = rustrec(&[
        "fit",
        "--synthetic",
        "ml-100k",
        "--model",
        "item-knn",
        "--checkpoint-dir",
        p(&dir.path().join("ck")),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("item-knn") && err.contains("checkpoints"),
        "{err}"
    );
}

/// Each process parses only its share of a train/test pair: the model is the one process's,
/// and a bad line in the last share stops every process with the error one process gives,
/// naming the line as numbered in the whole file.
#[test]
fn shared_reads_give_the_single_process_model_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("r.train"), dir.path().join("r.test"));
    synth_small(&train, "9", Some((&test, "0.1")));
    let args = |train: &Path| {
        strings(&[
            "fit",
            "--train",
            p(train),
            "--test",
            p(&test),
            "--model",
            "als",
            "--factors",
            "6",
            "--set",
            "model.iterations=3",
            "--threads",
            "1",
            "-q",
        ])
    };
    let single = dir.path().join("single.st");
    let mut a = args(&train);
    a.extend(strings(&["--out", p(&single)]));
    succeeded(&rustrec(&a.iter().map(String::as_str).collect::<Vec<_>>()));
    let out = dir.path().join("three.st");
    let outs = cluster(
        dir.path(),
        3,
        1,
        &args(&train),
        &strings(&["--out", p(&out)]),
    );
    for (i, o) in outs.iter().enumerate() {
        assert!(
            o.status.success(),
            "process {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&single).unwrap());

    // A bad rating on the file's last line, which the last process reads.
    let bad = dir.path().join("bad.train");
    let mut text = std::fs::read_to_string(&train).unwrap();
    let lines = text.lines().count();
    text.push_str("1\t2\tfive\t3\n");
    std::fs::write(&bad, text).unwrap();
    let one = rustrec(&args(&bad).iter().map(String::as_str).collect::<Vec<_>>());
    let want = format!(
        "bad.train:{}: rating field \"five\" is not a number",
        lines + 1
    );
    assert!(
        String::from_utf8_lossy(&one.stderr).contains(&want),
        "{one:?}"
    );
    let outs = cluster(dir.path(), 3, 1, &args(&bad), &[]);
    for (i, o) in outs.iter().enumerate() {
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success() && err.contains(&want),
            "process {i}: {err}"
        );
    }
}

/// Regressions: a host file naming one address twice made the process wait the whole
/// --connect-timeout and blame a peer that "never started"; --connect-timeout 0 was taken
/// and failed the start at once; a host file of the wrong length was not named.
#[test]
fn a_bad_host_file_or_timeout_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("dup.txt");
    std::fs::write(&hosts, "127.0.0.1:1\n127.0.0.1:1\n").unwrap();
    let fit = |hosts: &Path, extra: &[&str]| {
        let mut args = vec![
            "fit",
            "--synthetic",
            "ml-100k",
            "--split",
            "holdout:0.1",
            "--model",
            "als",
            "--processes",
            "2",
            "--process",
            "0",
            "--hostfile",
            p(hosts),
            "-q",
        ];
        args.extend_from_slice(extra);
        let out = rustrec(&args);
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // A 1 s timeout keeps the test short when the duplicate is not caught.
    let err = fit(&hosts, &["--connect-timeout", "1"]);
    assert!(
        err.contains("dup.txt:2") && err.contains("same address as line 1"),
        "{err}"
    );
    let good = hostfile(dir.path(), 2);
    let err = fit(&good, &["--connect-timeout", "0"]);
    assert!(err.contains("--connect-timeout 0"), "{err}");
    let short = hostfile(dir.path(), 1);
    let err = fit(&short, &[]);
    assert!(
        err.contains("--processes 2") && err.contains(p(&short)),
        "{err}"
    );
}

/// Waits for `child` at most `limit`, killing it (and failing) when it takes longer.
fn wait_at_most(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("{what} still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Regression: processes started with other epochs waited for each other for ever (and
/// another seed would have joined them into a wrong model); every process now refuses,
/// naming the process and the setting that differ. A non-leader given --json prints one
/// JSON object.
#[test]
fn processes_started_with_other_settings_refuse_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("r.data");
    synth_small(&data, "5", None);
    let args = |epochs: &str| {
        strings(&[
            "fit",
            "--ratings",
            p(&data),
            "--split",
            "holdout:0.2",
            "--model",
            "mf",
            "--factors",
            "4",
            "--epochs",
            epochs,
            "-q",
        ])
    };
    let hosts = hostfile(dir.path(), 2);
    let children = [
        spawn(&args("3"), 2, 0, 1, &hosts),
        spawn(&args("5"), 2, 1, 1, &hosts),
    ];
    for (i, child) in children.into_iter().enumerate() {
        let out = wait_at_most(child, Duration::from_secs(60), "a process");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "process {i} trained: {err}");
        let other = 1 - i;
        assert!(
            err.contains(&format!(
                "--process {i}: process {other} was started with other settings"
            )) && err.contains("settings.model.epochs is"),
            "process {i}: {err}"
        );
    }
    // The same settings train; process 1 given --json prints one object.
    let mut json = args("3");
    json.push("--json".into());
    let outs = cluster(dir.path(), 2, 1, &json, &[]);
    for (i, o) in outs.iter().enumerate() {
        assert!(
            o.status.success(),
            "process {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let second = common::json_of(&outs[1]);
    assert_eq!(
        (second["process"].as_u64(), second["processes"].as_u64()),
        (Some(1), Some(2))
    );
}
