//! What a server is started with: the model files, the item file, the address, the
//! threads and the limits on requests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::ServeError;

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
    /// Threads for request work (the CPU pool).
    pub threads: usize,
    /// Threads of the async runtime (accepting, reading, writing); default 1: that work is
    /// light next to scoring, and on small machines more threads only compete with the
    /// CPU pool (`bench/README.md` has the pool measurements).
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
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            io_threads: None,
            pool: PoolKind::Rayon,
            limits: Limits::default(),
        }
    }

    /// Checks the configuration: at least one model, distinct names, at least one thread.
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
        if self.threads == 0 {
            return Err(ServeError::Config("--threads must be ≥ 1".into()));
        }
        Ok(())
    }
}
