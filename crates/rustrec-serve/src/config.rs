//! What a server is started with: the model files, the item file, the address, the
//! threads and the limits on requests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use rustrec_core::{CoreError, MAX_THREADS};

use crate::error::ServeError;
use crate::request::DEFAULT_N;

/// One model to serve: the name requests pick it by (`?model=NAME`) and its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelSource {
    /// The name in requests and answers.
    pub name: String,
    /// The model file, re-read on reload.
    pub path: PathBuf,
}

impl ModelSource {
    /// Parses `NAME=PATH`, or `PATH` alone (the name is then the file name without its
    /// extension: `models/ials.st` → `ials`). A name is letters, digits, `-`, `_` and `.`.
    ///
    /// ```
    /// use rustrec_serve::ModelSource;
    /// let m = ModelSource::parse("mf=/tmp/mf.safetensors").unwrap();
    /// assert_eq!((m.name.as_str(), m.path.to_str()), ("mf", Some("/tmp/mf.safetensors")));
    /// assert_eq!(ModelSource::parse("dir/ials.st").unwrap().name, "ials");
    /// assert!(ModelSource::parse("a b=x.st").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, ServeError> {
        let (name, path) = match text.split_once('=') {
            Some((name, path)) => (name.to_string(), PathBuf::from(path)),
            None => {
                let path = PathBuf::from(text);
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (stem, path)
            }
        };
        if path.as_os_str().is_empty() {
            return Err(ServeError::Config(format!(
                "--model {text:?}: expected NAME=PATH or PATH"
            )));
        }
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(ServeError::Config(format!(
                "--model {text:?}: the name {name:?} must be letters, digits, '-', '_' or '.' \
                 (give NAME=PATH)"
            )));
        }
        Ok(ModelSource { name, path })
    }
}

/// How the CPU work of a request (scoring, selection, JSON) is run off the async reactor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// A rayon pool of `threads` workers; the reactor awaits a oneshot channel.
    Rayon,
    /// tokio's blocking pool (`spawn_blocking`).
    Blocking,
    /// On the async worker that received the request (no hand-off; for comparison: a
    /// request being scored holds up the connections of that worker).
    Inline,
}

impl std::str::FromStr for PoolKind {
    type Err = ServeError;

    fn from_str(s: &str) -> Result<Self, ServeError> {
        match s {
            "rayon" => Ok(PoolKind::Rayon),
            "blocking" => Ok(PoolKind::Blocking),
            "inline" => Ok(PoolKind::Inline),
            other => Err(ServeError::Config(format!(
                "--pool {other:?}: expected rayon, blocking or inline"
            ))),
        }
    }
}

/// Limits that keep one request from taking the server down. A request over a limit gets a
/// 4xx naming it (413 for the body), except the time limit (503: the server is too busy).
///
/// | Name | Flag | Default | Range |
/// |---|---|---|---|
/// | `max_n` | `--max-n` | 1000 | ≥ 1 |
/// | `max_history` | `--max-history` | 10 000 | ≥ 1 |
/// | `max_pairs` | — | 10 000 | ≥ 1 |
/// | `max_body_bytes` | `--max-body` | 1 MiB | ≥ 1 |
/// | `request_timeout` | `--timeout` | 10 s | > 0 |
/// | `max_in_flight` | `--max-in-flight` | 1024 | 1 to [`tokio::sync::Semaphore::MAX_PERMITS`] |
///
/// [`Limits::check`] refuses a value out of its range, naming the flag.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Largest `n` (items in one answer).
    pub max_n: usize,
    /// Most entries of a new user's history.
    pub max_history: usize,
    /// Most pairs in one predict request.
    pub max_pairs: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take, waiting included.
    pub request_timeout: Duration,
    /// Requests worked on at once; more wait their turn (within the time limit).
    pub max_in_flight: usize,
}

impl Limits {
    /// The `n` of a request that does not give one: [`DEFAULT_N`], or `max_n` if lower
    /// (the OpenAPI document states this default).
    pub fn default_n(&self) -> usize {
        DEFAULT_N.min(self.max_n)
    }

    /// Checks every limit against its range (see the table above), naming the flag that
    /// sets it and the value given.
    pub fn check(&self) -> Result<(), ServeError> {
        let at_least_one = [
            ("--max-n", self.max_n, "the largest n a request may ask for"),
            (
                "--max-history",
                self.max_history,
                "the most entries of a new user's history",
            ),
            (
                "max_pairs",
                self.max_pairs,
                "the most pairs of a prediction request",
            ),
            (
                "--max-body",
                self.max_body_bytes,
                "the largest request body, in bytes",
            ),
        ];
        for (flag, value, what) in at_least_one {
            if value == 0 {
                return Err(ServeError::Config(format!(
                    "{flag} 0: give a whole number ≥ 1 ({what}); 0 would refuse every request"
                )));
            }
        }
        if self.request_timeout.is_zero() {
            return Err(ServeError::Config(format!(
                "--timeout {:?}: give a time > 0 (seconds a request may take)",
                self.request_timeout
            )));
        }
        let max_permits = tokio::sync::Semaphore::MAX_PERMITS;
        if !(1..=max_permits).contains(&self.max_in_flight) {
            return Err(ServeError::Config(format!(
                "--max-in-flight {}: give a whole number from 1 to {max_permits} (requests \
                 worked on at once)",
                self.max_in_flight
            )));
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_n: 1000,
            max_history: 10_000,
            max_pairs: 10_000,
            max_body_bytes: 1 << 20,
            request_timeout: Duration::from_secs(10),
            max_in_flight: 1024,
        }
    }
}

/// Everything a server is started with.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The models, the first being the default.
    pub models: Vec<ModelSource>,
    /// A movie file (`u.item`, `movies.dat`, `movies.csv`) for titles, checked against
    /// each model's items; models it does not belong to are served without titles.
    pub item_file: Option<PathBuf>,
    /// Where to listen (port 0: any free port).
    pub addr: SocketAddr,
    /// Threads for request work (the CPU pool): as everywhere in rustrec, 0 means one per
    /// core (the default) and at most [`MAX_THREADS`] may be asked for.
    pub threads: usize,
    /// Threads of the async runtime (accepting, reading, writing), 1 to [`MAX_THREADS`];
    /// `None`: 1, as that work is light next to scoring, and on small machines more threads
    /// only compete with the CPU pool (`bench/README.md` has the pool measurements).
    pub io_threads: Option<usize>,
    /// Where the CPU work of a request runs.
    pub pool: PoolKind,
    /// Limits on requests.
    pub limits: Limits,
}

impl ServeConfig {
    /// A configuration with defaults: loopback port 8080, one thread per core, a rayon
    /// pool and the default limits.
    pub fn new(models: Vec<ModelSource>) -> Self {
        ServeConfig {
            models,
            item_file: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            threads: 0,
            io_threads: None,
            pool: PoolKind::Rayon,
            limits: Limits::default(),
        }
    }

    /// Checks the configuration before anything starts: at least one model, distinct
    /// names, thread counts and limits in their ranges.
    pub fn check(&self) -> Result<(), ServeError> {
        if self.models.is_empty() {
            return Err(ServeError::Config(
                "give at least one --model [NAME=]PATH".into(),
            ));
        }
        for (k, m) in self.models.iter().enumerate() {
            if self.models[..k].iter().any(|o| o.name == m.name) {
                return Err(ServeError::Config(format!(
                    "two models are named {:?}; give distinct names with --model NAME=PATH",
                    m.name
                )));
            }
        }
        if self.threads > MAX_THREADS {
            // The rule and the words of every command's --threads (`rustrec fit`'s too).
            let e = CoreError::TooManyThreads {
                given: self.threads,
                max: MAX_THREADS,
                cores: cores(),
            };
            return Err(ServeError::Config(format!("--threads: {e}")));
        }
        if let Some(io) = self.io_threads
            && !(1..=MAX_THREADS).contains(&io)
        {
            return Err(ServeError::Config(format!(
                "--io-threads {io}: give 1 to {MAX_THREADS} threads for the async runtime \
                 (default 1)"
            )));
        }
        self.limits.check()
    }

    /// Workers of the CPU pool: `threads`, or one per core for 0.
    pub fn worker_threads(&self) -> usize {
        match self.threads {
            0 => cores(),
            n => n,
        }
    }

    /// Threads of the async runtime: `io_threads`, or 1.
    pub fn runtime_threads(&self) -> usize {
        self.io_threads.unwrap_or(1)
    }
}

/// Cores of this machine (1 when unknown, as rustrec's thread pools count them).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ServeConfig {
        ServeConfig::new(vec![ModelSource::parse("m=m.st").unwrap()])
    }

    /// The message of the check of `config` changed by `edit`.
    fn refused(edit: impl FnOnce(&mut ServeConfig)) -> String {
        let mut c = config();
        edit(&mut c);
        c.check().unwrap_err().to_string()
    }

    /// Regression: `rustrec serve --threads 100000` was accepted (thousands of threads,
    /// never listening); the limit is the one of every command.
    #[test]
    fn threads_follow_the_rule_of_every_command() {
        let e = refused(|c| c.threads = 100_000);
        assert!(
            e.contains("--threads") && e.contains("100000") && e.contains("at most 256"),
            "{e}"
        );
        let mut c = config();
        c.threads = MAX_THREADS;
        assert!(c.check().is_ok());
        c.threads = 0;
        assert!(c.check().is_ok());
        assert_eq!(c.worker_threads(), cores());
        c.threads = 3;
        assert_eq!(c.worker_threads(), 3);
    }

    /// Regression: `--io-threads 0` was accepted (and quietly taken as 1).
    #[test]
    fn io_threads_are_one_to_the_limit() {
        for bad in [0, MAX_THREADS + 1] {
            let e = refused(|c| c.io_threads = Some(bad));
            assert!(
                e.contains(&format!("--io-threads {bad}")) && e.contains("1 to 256"),
                "{e}"
            );
        }
        let mut c = config();
        c.io_threads = Some(MAX_THREADS);
        assert!(c.check().is_ok());
        assert_eq!(c.runtime_threads(), MAX_THREADS);
        c.io_threads = None;
        assert_eq!(c.runtime_threads(), 1);
    }

    /// Regression: `--max-n 0` was accepted, and every request without `n` got an empty
    /// list; `--max-in-flight 0` was accepted (and quietly taken as 1).
    #[test]
    fn limits_out_of_range_are_refused_naming_the_flag_and_value() {
        let d = Limits::default();
        let cases = [
            (Limits { max_n: 0, ..d }, "--max-n 0"),
            (
                Limits {
                    max_history: 0,
                    ..d
                },
                "--max-history 0",
            ),
            (
                Limits {
                    max_body_bytes: 0,
                    ..d
                },
                "--max-body 0",
            ),
            (Limits { max_pairs: 0, ..d }, "max_pairs 0"),
            (
                Limits {
                    max_in_flight: 0,
                    ..d
                },
                "--max-in-flight 0",
            ),
            (
                Limits {
                    request_timeout: Duration::ZERO,
                    ..d
                },
                "--timeout 0ns",
            ),
        ];
        for (limits, needle) in cases {
            let e = refused(|c| c.limits = limits);
            assert!(e.contains(needle), "{needle}: {e}");
            assert!(
                e.contains("≥ 1") || e.contains("from 1") || e.contains("> 0"),
                "{needle}: {e}"
            );
        }
        let huge = tokio::sync::Semaphore::MAX_PERMITS + 1;
        let e = refused(|c| c.limits.max_in_flight = huge);
        assert!(
            e.contains(&huge.to_string()) && e.contains("from 1 to"),
            "{e}"
        );
        assert!(config().check().is_ok());
    }

    #[test]
    fn the_default_n_never_exceeds_the_limit() {
        let mut l = Limits::default();
        assert_eq!(l.default_n(), DEFAULT_N);
        l.max_n = 3;
        assert_eq!(l.default_n(), 3);
    }
}
