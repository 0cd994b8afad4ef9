//! `rustrec serve`: answer recommendation requests over HTTP (the `rustrec-serve` crate).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec_serve::{Limits, ModelSource, PoolKind, ServeConfig};

use crate::Globals;

/// Serve saved models over HTTP: recommendations for known users, for new users' histories
/// (fold-in), similar items and predictions, as JSON in the shapes of `--json`; a page for
/// people at /, metrics at /metrics, the API at /openapi.json. POST /v1/reload or SIGHUP
/// re-reads the model files; SIGTERM or Ctrl-C finishes the requests in flight and exits.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// A model file to serve, `NAME=PATH` or `PATH` (named after the file); repeat for
    /// several models. The first is the default; requests pick another with ?model=NAME.
    #[arg(long = "model", required = true, value_name = "[NAME=]PATH")]
    pub models: Vec<String>,
    /// Movie titles: u.item, movies.dat or movies.csv of the models' data (a model whose
    /// data it does not belong to is served without titles).
    #[arg(long)]
    pub item_file: Option<PathBuf>,
    /// Address to listen on, IP:PORT (127.0.0.1:8080: this machine only; 0.0.0.0:8080: every
    /// interface; [::1]:8080 for IPv6). Host names such as localhost are not accepted. Port 0:
    /// any free port, printed at start.
    #[arg(long, default_value = "127.0.0.1:8080", value_parser = parse_addr)]
    pub addr: SocketAddr,
    /// Threads that score requests (0 = one per core, the default; at most 256).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Where requests are scored: a rayon pool of --threads workers, tokio's blocking
    /// pool, or inline on the async workers (for comparison).
    #[arg(long, default_value = "rayon", value_parser = ["rayon", "blocking", "inline"])]
    pub pool: String,
    /// Threads of the async runtime that accept, read and write requests (1 to 256,
    /// default 1).
    #[arg(long)]
    pub io_threads: Option<usize>,
    /// Largest n a request may ask for (≥ 1).
    #[arg(long, default_value_t = Limits::default().max_n)]
    pub max_n: usize,
    /// Most entries in a new user's history (and in allow/block lists; ≥ 1).
    #[arg(long, default_value_t = Limits::default().max_history)]
    pub max_history: usize,
    /// Largest request body, in bytes (≥ 1).
    #[arg(long, default_value_t = Limits::default().max_body_bytes)]
    pub max_body: usize,
    /// Longest a request may take, waiting included, in seconds > 0 (then 503).
    #[arg(long, default_value_t = Limits::default().request_timeout.as_secs_f64())]
    pub timeout: f64,
    /// Requests worked on at once (≥ 1; more wait their turn).
    #[arg(long, default_value_t = Limits::default().max_in_flight)]
    pub max_in_flight: usize,
}

/// Parses `--addr`: an IP address and a port. A refusal (which clap prefixes with the flag
/// and the value) gives the valid form, says that host names are not looked up, and for a
/// bare port or a bare IP address suggests the full address (clap's own message was only
/// "invalid socket address syntax").
fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    const FORM: &str = "expected IP:PORT, such as 127.0.0.1:8080 (this machine only), \
                        0.0.0.0:8080 (every interface) or [::1]:8080 (IPv6); host names \
                        such as localhost are not accepted, give an IP address";
    let trimmed = text.trim();
    let hint = if let Ok(ip) = trimmed.parse::<IpAddr>() {
        format!(
            "; {trimmed} has no port: give {}",
            SocketAddr::new(ip, 8080)
        )
    } else if let Ok(port) = trimmed.trim_start_matches(':').parse::<u16>() {
        format!("; {trimmed} is a port alone: give 127.0.0.1:{port} (or 0.0.0.0:{port})")
    } else if let Ok(addr) = trimmed.parse::<SocketAddr>() {
        format!("; without the surrounding spaces it is {addr}")
    } else if let Some((host, port)) = trimmed.rsplit_once(':')
        && let Ok(port) = port.parse::<u16>()
        && host.eq_ignore_ascii_case("localhost")
    {
        format!("; for localhost give 127.0.0.1:{port}")
    } else {
        String::new()
    };
    Err(format!("{FORM}{hint}"))
}

/// Runs `rustrec serve`.
pub fn run(args: Args, _globals: Globals) -> anyhow::Result<()> {
    // The server handles SIGINT and SIGTERM itself (drain, then exit); it writes no file.
    rustrec::data::atomic::disable_signal_cleanup();
    let models = args
        .models
        .iter()
        .map(|m| ModelSource::parse(m))
        .collect::<Result<Vec<_>, _>>()?;
    let request_timeout = Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--timeout {:?}: give a number of seconds > 0 (at least 1e-9, at most {})",
                args.timeout,
                Duration::MAX.as_secs()
            )
        })?;
    let mut config = ServeConfig::new(models);
    config.item_file = args.item_file;
    config.addr = args.addr;
    config.threads = args.threads;
    config.pool = args.pool.parse::<PoolKind>()?;
    config.io_threads = args.io_threads;
    config.limits = Limits {
        max_n: args.max_n,
        max_history: args.max_history,
        max_pairs: Limits::default().max_pairs,
        max_body_bytes: args.max_body,
        request_timeout,
        max_in_flight: args.max_in_flight,
    };
    let names: Vec<String> = config.models.iter().map(|m| m.name.clone()).collect();
    rustrec_serve::run(config, |addr| {
        eprintln!(
            "serving {} on http://{addr} (page: http://{addr}/, API: http://{addr}/openapi.json)",
            names.join(", ")
        );
    })
    .context("rustrec serve")
}
