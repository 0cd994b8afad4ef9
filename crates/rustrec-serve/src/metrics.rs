//! Prometheus metrics, kept in atomics (no lock on the request path) and written as the
//! text exposition format on `GET /metrics`:
//!
//! * `rustrec_requests_total{endpoint, status}` — requests answered, by route template and
//!   status code;
//! * `rustrec_request_duration_seconds{endpoint}` — a latency histogram (from the request
//!   entering the router to its answer being ready);
//! * `rustrec_models_loaded`, `rustrec_model_info{name, kind, task, users, items}` — the
//!   catalogue being served; `rustrec_reloads_total{result}` — reloads done and refused.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::catalog::Catalog;
use crate::routes::ROUTES;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Status codes counted one by one (100..=599); others are not expected from this server.
const STATUS_MIN: u16 = 100;
const STATUS_SLOTS: usize = 500;

/// One endpoint's counters.
struct Endpoint {
    statuses: Box<[AtomicU64]>,
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Endpoint {
    fn new() -> Self {
        Endpoint {
            statuses: (0..STATUS_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_micros: AtomicU64::new(0),
        }
    }
}

/// Every counter of the server.
pub struct Metrics {
    /// One per route of [`ROUTES`], then one for requests that matched no route.
    endpoints: Vec<Endpoint>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            endpoints: (0..=ROUTES.len()).map(|_| Endpoint::new()).collect(),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
        }
    }
}

/// The label of endpoint slot `k`.
fn endpoint_label(k: usize) -> String {
    match ROUTES.get(k) {
        Some(r) => r.name(),
        None => "unmatched".to_string(),
    }
}

impl Metrics {
    /// Counts one answered request of route `route` (an index into [`ROUTES`], `None` for
    /// no route).
    pub fn record(&self, route: Option<usize>, status: u16, took: Duration) {
        let e = &self.endpoints[route.unwrap_or(ROUTES.len()).min(ROUTES.len())];
        if let Some(slot) = status
            .checked_sub(STATUS_MIN)
            .map(usize::from)
            .filter(|&s| s < STATUS_SLOTS)
        {
            e.statuses[slot].fetch_add(1, Relaxed);
        }
        let secs = took.as_secs_f64();
        let b = BUCKETS
            .iter()
            .position(|&u| secs <= u)
            .unwrap_or(BUCKETS.len());
        e.buckets[b].fetch_add(1, Relaxed);
        e.sum_micros.fetch_add(took.as_micros() as u64, Relaxed);
    }

    /// Counts a reload.
    pub fn reloaded(&self, ok: bool) {
        if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        }
        .fetch_add(1, Relaxed);
    }

    /// The text exposition of every metric, with the catalogue being served.
    pub fn render(&self, catalog: &Catalog) -> String {
        let mut out = String::with_capacity(8192);
        out.push_str(
            "# HELP rustrec_requests_total Requests answered, by endpoint and status.\n\
             # TYPE rustrec_requests_total counter\n",
        );
        for (k, e) in self.endpoints.iter().enumerate() {
            let label = endpoint_label(k);
            for (slot, c) in e.statuses.iter().enumerate() {
                let v = c.load(Relaxed);
                if v > 0 {
                    let _ = writeln!(
                        out,
                        "rustrec_requests_total{{endpoint=\"{label}\",status=\"{}\"}} {v}",
                        slot as u16 + STATUS_MIN
                    );
                }
            }
        }
        out.push_str(
            "# HELP rustrec_request_duration_seconds Time from a request entering the router \
             to its answer.\n# TYPE rustrec_request_duration_seconds histogram\n",
        );
        for (k, e) in self.endpoints.iter().enumerate() {
            let counts: Vec<u64> = e.buckets.iter().map(|b| b.load(Relaxed)).collect();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                continue;
            }
            let label = endpoint_label(k);
            let mut cumulative = 0;
            for (b, upper) in BUCKETS.iter().enumerate() {
                cumulative += counts[b];
                let _ = writeln!(
                    out,
                    "rustrec_request_duration_seconds_bucket{{endpoint=\"{label}\",le=\"{upper}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "rustrec_request_duration_seconds_bucket{{endpoint=\"{label}\",le=\"+Inf\"}} {total}"
            );
            let _ = writeln!(
                out,
                "rustrec_request_duration_seconds_sum{{endpoint=\"{label}\"}} {}",
                e.sum_micros.load(Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "rustrec_request_duration_seconds_count{{endpoint=\"{label}\"}} {total}"
            );
        }
        let _ = write!(
            out,
            "# HELP rustrec_models_loaded Models being served.\n\
             # TYPE rustrec_models_loaded gauge\nrustrec_models_loaded {}\n\
             # HELP rustrec_model_info A served model (value 1).\n\
             # TYPE rustrec_model_info gauge\n",
            catalog.models.len()
        );
        for m in &catalog.models {
            let r = m.recommender();
            let _ = writeln!(
                out,
                "rustrec_model_info{{name=\"{}\",kind=\"{}\",task=\"{}\",users=\"{}\",items=\"{}\"}} 1",
                label_value(&m.name),
                r.kind(),
                m.task_name(),
                r.n_users(),
                r.n_items()
            );
        }
        let _ = write!(
            out,
            "# HELP rustrec_reloads_total Reloads, by result.\n\
             # TYPE rustrec_reloads_total counter\n\
             rustrec_reloads_total{{result=\"ok\"}} {}\n\
             rustrec_reloads_total{{result=\"refused\"}} {}\n",
            self.reloads_ok.load(Relaxed),
            self.reloads_failed.load(Relaxed)
        );
        out
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn label_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
