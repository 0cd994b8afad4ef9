//! `rustrec serve`: an HTTP server for saved rustrec models (axum on tokio).
//!
//! # What it answers
//! Recommendations for known users (`GET /v1/recommend/{user}`), for new users from a
//! history by fold-in (`POST /v1/recommend`), similar items (`GET /v1/similar-items/{item}`)
//! and predictions (`POST /v1/predict`), for several models at once (`?model=NAME`, the
//! first being the default), in the JSON shapes of the CLI's `--json` output; plus
//! `/v1/models`, `/v1/items` (title search), `/v1/reload`, `/healthz`, `/metrics`
//! (Prometheus), `/openapi.json` and a page for people at `/`. [`routes::ROUTES`] lists
//! them; [`openapi::document`] describes them.
//!
//! # Design
//! * **Thin front end.** The answers come from the library: the models' `score_into` and
//!   fold-in, `rustrec::history` for histories, `rustrec::serving` for what the CLI's
//!   `recommend` shares with the server; this crate parses, schedules and writes JSON.
//! * **The request path.** A handler parses the query or body on the async reactor
//!   (cheap), then runs the CPU work — scoring every item exactly (the model's
//!   `score_into`: for factor models `rustrec_models::engine::scoring`, four item rows at a
//!   time on the SIMD layer at the best level the CPU has), selecting the top N with a
//!   bounded heap ([`topn`]), writing the JSON — on a [`pool::CpuPool`] (a rayon pool of `--threads`
//!   workers by default), so the reactor keeps accepting and writing while a request is
//!   scored. Each worker reuses one score buffer and heap ([`answer`]), so a request
//!   allocates little beyond its answer.
//! * **Reload without a dropped request.** The models sit in a [`catalog::Catalog`] behind
//!   an `ArcSwap`: a request takes the current catalogue with one atomic load and keeps it
//!   until it answers; `POST /v1/reload` and SIGHUP load every file first and swap only if
//!   all loaded (else the old catalogue keeps serving and the error is returned).
//! * **Bad requests** get a 4xx with `{"error": "..."}` naming the problem; nothing sent
//!   is ignored or guessed at (a query parameter a route does not take — [`routes::Route`]
//!   lists them —, an unknown body field, a `null` for a value, a number a 32-bit float
//!   cannot hold: each is refused by name). Limits
//!   ([`config::Limits`]) bound `n`, histories, pairs, the body (413), the time of a
//!   request (503) and the requests worked on at once. A panic in a request's work is
//!   caught and answered with a 500; the server lives on.
//! * **Shutdown.** SIGTERM and SIGINT stop accepting, let the requests in flight finish,
//!   and exit.
#![warn(missing_docs)]

pub mod answer;
pub mod catalog;
pub mod config;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod page;
pub mod pool;
pub mod request;
pub mod routes;
pub mod server;
pub mod state;
pub mod topn;

pub use config::{Limits, ModelSource, PoolKind, ServeConfig};
pub use error::{ApiError, ServeError};
pub use server::{Running, Server, run};
