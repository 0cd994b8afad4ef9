//! The routes ([`ROUTES`], the one list the router, the metrics and the OpenAPI test
//! follow), their handlers, and the middleware every request passes: a bound on requests
//! worked on at once, a time limit, and the metrics.
//!
//! Handlers only parse (query, path, body: cheap, on the reactor) and hand the rest to the
//! CPU pool with the catalogue current when the request arrived.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::answer;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::request::{FoldInRequest, PredictRequest, Query};
use crate::state::AppState;

/// One route: method, path template (axum syntax, as in the OpenAPI document), its query
/// parameters and what it does.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path template, `{param}` for a path parameter.
    pub path: &'static str,
    /// The query parameters it takes (those the OpenAPI document lists); any other is
    /// refused with a 400 naming it, rather than ignored.
    pub query: &'static [&'static str],
    /// One line on what it answers.
    pub summary: &'static str,
}

impl Route {
    /// `METHOD /path/{template}`, as errors and metrics name the route.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Every route of the server.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/v1/recommend/{user}",
        query: &["n", "exclude_seen", "allow", "block", "model"],
        summary: "Top-N items for a known user",
    },
    Route {
        method: "POST",
        path: "/v1/recommend",
        query: &["model"],
        summary: "Top-N items for a new user's history (fold-in)",
    },
    Route {
        method: "GET",
        path: "/v1/similar-items/{item}",
        query: &["n", "model"],
        summary: "The items most similar to an item",
    },
    Route {
        method: "POST",
        path: "/v1/predict",
        query: &["model"],
        summary: "Predictions for (user, item) pairs",
    },
    Route {
        method: "GET",
        path: "/v1/models",
        query: &[],
        summary: "The models served",
    },
    Route {
        method: "GET",
        path: "/v1/items",
        query: &["q", "n", "model"],
        summary: "Items whose title or id matches a text",
    },
    Route {
        method: "POST",
        path: "/v1/reload",
        query: &[],
        summary: "Re-read every model file and swap them in atomically",
    },
    Route {
        method: "GET",
        path: "/healthz",
        query: &[],
        summary: "Liveness: 200 once the models are loaded",
    },
    Route {
        method: "GET",
        path: "/metrics",
        query: &[],
        summary: "Prometheus metrics",
    },
    Route {
        method: "GET",
        path: "/openapi.json",
        query: &[],
        summary: "This API's OpenAPI 3 document",
    },
    Route {
        method: "GET",
        path: "/",
        query: &["model", "n", "user", "q", "liked"],
        summary: "The page for people",
    },
];

/// The index in [`ROUTES`] of a matched route. A `HEAD` request is answered by its path's
/// `GET` route (axum runs the `GET` handler and drops the body), so it is that route's
/// request: its query is checked and it is counted as that route, not as "unmatched".
fn route_index(method: &Method, path: &str) -> Option<usize> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    ROUTES
        .iter()
        .position(|r| r.path == path && r.method == method)
}

/// Whether a request path (`/v1/recommend/1`) matches a route's template
/// (`/v1/recommend/{user}`: a `{param}` segment matches any one non-empty segment).
fn path_matches(template: &str, path: &str) -> bool {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) if ts.starts_with('{') && ts.ends_with('}') => {
                if ps.is_empty() {
                    return false;
                }
            }
            (Some(ts), Some(ps)) if ts == ps => {}
            _ => return false,
        }
    }
}

/// The methods `path` takes, as the `Allow` header of a 405 lists them (`HEAD` with `GET`).
pub fn methods_of(path: &str) -> Vec<&'static str> {
    let mut methods = Vec::new();
    for r in ROUTES.iter().filter(|r| path_matches(r.path, path)) {
        methods.push(r.method);
        if r.method == "GET" {
            methods.push("HEAD");
        }
    }
    methods
}

/// The router of the whole server over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.limits.max_body_bytes;
    let mut r = Router::new();
    for route in ROUTES {
        let method_router = match (route.method, route.path) {
            ("GET", "/v1/recommend/{user}") => get(recommend_user),
            ("POST", "/v1/recommend") => post(recommend_history),
            ("GET", "/v1/similar-items/{item}") => get(similar_items),
            ("POST", "/v1/predict") => post(predict),
            ("GET", "/v1/models") => get(models),
            ("GET", "/v1/items") => get(items),
            ("POST", "/v1/reload") => post(reload),
            ("GET", "/healthz") => get(healthz),
            ("GET", "/metrics") => get(metrics),
            ("GET", "/openapi.json") => get(openapi),
            ("GET", "/") => get(page),
            // Every entry of ROUTES has its arm above (the route test sends each one).
            _ => continue,
        };
        r = r.route(route.path, method_router);
    }
    r.fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn(known_query))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Every request: wait for a slot (at most `max_in_flight` at once), answer within the
/// time limit (else 503), count it.
async fn guard(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| route_index(req.method(), p.as_str()));
    let limit = app.config.limits.request_timeout;
    let work = async {
        let _permit = app.in_flight.acquire().await;
        next.run(req).await
    };
    let response = match tokio::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(_) => {
            let mut r = busy(limit).into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
    };
    app.metrics
        .record(route, response.status().as_u16(), started.elapsed());
    response
}

/// 503: a request that took longer than `limit`, the limit named as given
/// (`--timeout 0.0001` is "0.0001 s", not "0.0 s").
fn busy(limit: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the request took longer than this server's limit of {} s; the server is busy, \
             try again",
            limit.as_secs_f64()
        ),
    )
}

/// Every request to a route: a query string it can parse, holding only the parameters
/// the route takes ([`Route::query`]), else a 400 naming the first one it does not take —
/// a misspelt `N=2` or `exclude-seen=false` would otherwise be ignored and answered as if
/// it had not been given.
async fn known_query(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| route_index(req.method(), p.as_str()));
    if let Some(route) = route.map(|k| &ROUTES[k]) {
        let checked =
            Query::parse(req.uri().query()).and_then(|q| q.only(route.query, &route.name()));
        if let Err(e) = checked {
            return e.into_response();
        }
    }
    next.run(req).await
}

/// A JSON answer.
fn json_response(body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The answer of a pool job.
/// Runs `answer` on the CPU pool against the models being served now (a reload swaps them
/// for later requests only) and makes its JSON, or its error, the response.
async fn on_pool<F>(app: &AppState, answer: F) -> Response
where
    F: FnOnce(&Catalog) -> Result<Vec<u8>, ApiError> + Send + 'static,
{
    let catalog = app.catalog.load_full();
    answered(app.pool.run(move || answer(&catalog)).await)
}

fn answered(r: Result<Result<Vec<u8>, ApiError>, ApiError>) -> Response {
    match r.and_then(|inner| inner) {
        Ok(body) => json_response(body),
        Err(e) => e.into_response(),
    }
}

fn path_param(p: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    p.map(|Path(s)| s)
        .map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text())))
}

fn body_bytes(b: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than this server's limit of {limit} bytes"),
            )
        } else {
            ApiError::new(
                e.status(),
                format!("cannot read the body: {}", e.body_text()),
            )
        }
    })
}

/// Refuses a body sent with a `Content-Encoding` other than `identity` (a 415 naming it):
/// the server reads bodies as sent, so a compressed one would be refused as malformed JSON,
/// and an uncompressed one labelled `gzip` answered as if the label were not there.
fn uncompressed(headers: &HeaderMap) -> Result<(), ApiError> {
    for value in headers.get_all(header::CONTENT_ENCODING) {
        let text = String::from_utf8_lossy(value.as_bytes());
        let coded = text
            .split(',')
            .map(str::trim)
            .any(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"));
        if coded {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Content-Encoding \"{}\" is not supported: send the JSON body \
                     uncompressed (no Content-Encoding, or identity)",
                    rustrec::data::escape_control(&text)
                ),
            ));
        }
    }
    Ok(())
}

async fn recommend_user(
    State(app): State<Arc<AppState>>,
    user: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let user = path_param(user)?;
    let params = Query::parse(q.as_deref())?.recommend(&app.config.limits)?;
    Ok(on_pool(&app, move |catalog| {
        answer::recommend_user(catalog, &user, &params)
    })
    .await)
}

async fn recommend_history(
    State(app): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let limits = &app.config.limits;
    let model = Query::parse(q.as_deref())?.model()?;
    uncompressed(&headers)?;
    let body = body_bytes(body, limits.max_body_bytes)?;
    let req = FoldInRequest::parse(&body, limits)?;
    Ok(on_pool(&app, move |catalog| {
        answer::recommend_history(catalog, model.as_deref(), &req)
    })
    .await)
}

async fn similar_items(
    State(app): State<Arc<AppState>>,
    item: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let item = path_param(item)?;
    let params = Query::parse(q.as_deref())?.similar(&app.config.limits)?;
    Ok(on_pool(&app, move |catalog| {
        answer::similar_items(catalog, &item, &params)
    })
    .await)
}

async fn predict(
    State(app): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let limits = &app.config.limits;
    let model = Query::parse(q.as_deref())?.model()?;
    uncompressed(&headers)?;
    let body = body_bytes(body, limits.max_body_bytes)?;
    let req = PredictRequest::parse(&body, limits)?;
    Ok(on_pool(&app, move |catalog| {
        answer::predict(catalog, model.as_deref(), &req)
    })
    .await)
}

async fn models(State(app): State<Arc<AppState>>) -> Response {
    let catalog = app.catalog.load();
    let list: Vec<serde_json::Value> = catalog
        .models
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let r = m.recommender();
            json!({
                "name": m.name,
                "path": m.path.to_string_lossy(),
                "kind": r.kind(),
                "task": m.task_name(),
                "default": k == 0,
                "users": r.n_users(),
                "items": r.n_items(),
                "fold_in": m.model().as_fold_in().is_some(),
                "similar_items": m.model().as_similar_items().is_some(),
                // The range stored in the file: `null` for a ranking model, and for a
                // rating model saved before the range was kept (its history rules then
                // accept any finite rating; the full f32 range is not a rating range).
                "rating_range": m.model().rating_range(),
                "titles": m.titles.is_some(),
                "titles_note": m.titles_note,
            })
        })
        .collect();
    json_response(
        json!({
            "models": list,
            "loaded_seconds_ago": catalog.loaded_at.elapsed().as_secs_f64(),
        })
        .to_string()
        .into_bytes(),
    )
}

async fn items(
    State(app): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(q.as_deref())?;
    let text = query.get("q")?.unwrap_or_default().to_string();
    let limit = query.n(&app.config.limits)?;
    let model = query.model()?;
    Ok(on_pool(&app, move |catalog| {
        answer::search_items(catalog, model.as_deref(), &text, limit)
    })
    .await)
}

/// `POST /v1/reload` re-reads every model file and takes no body: one that asks for
/// something (`{"model": "mf"}`, to reload one model) is refused with a 400 rather than
/// ignored while every model is reloaded. An empty body, white space, or an empty JSON
/// object (`{}`, which some clients send with every POST) asks for nothing.
fn no_reload_body(body: &[u8]) -> Result<(), ApiError> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let asks_nothing = trimmed.is_empty()
        || serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(trimmed)
            .is_ok_and(|m| m.is_empty());
    if asks_nothing {
        return Ok(());
    }
    const SHOWN: usize = 80;
    let shown: String = trimmed.chars().take(SHOWN).collect();
    let more = if trimmed.chars().count() > SHOWN {
        "..."
    } else {
        ""
    };
    Err(ApiError::bad_request(format!(
        "POST /v1/reload takes no body, found \"{}{more}\": it re-reads every model file \
         given to rustrec serve (one model cannot be reloaded alone); send an empty body",
        rustrec::data::escape_control(&shown)
    )))
}

async fn reload(State(app): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Response {
    let checked =
        body_bytes(body, app.config.limits.max_body_bytes).and_then(|b| no_reload_body(&b));
    if let Err(e) = checked {
        return e.into_response();
    }
    match app.reload().await {
        Ok(v) => json_response(v.to_string().into_bytes()),
        Err(e) => e.into_response(),
    }
}

async fn healthz(State(app): State<Arc<AppState>>) -> Response {
    let n = app.catalog.load().models.len();
    json_response(
        json!({"status": "ok", "models": n})
            .to_string()
            .into_bytes(),
    )
}

async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    let text = app.metrics.render(&app.catalog.load());
    let mut r = Response::new(Body::from(text));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

async fn openapi(State(app): State<Arc<AppState>>) -> Response {
    json_response(
        crate::openapi::document(&app.config.limits)
            .to_string()
            .into_bytes(),
    )
}

async fn page() -> Html<&'static str> {
    Html(crate::page::HTML)
}

async fn no_route(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "no route for {method} {}; the routes are in /openapi.json",
        rustrec::data::escape_control(uri.path())
    ))
}

async fn wrong_method(method: Method, uri: axum::http::Uri) -> ApiError {
    let path = uri.path();
    let takes = match methods_of(path).as_slice() {
        [] => String::new(),
        methods => format!(" (it takes {})", methods.join(", ")),
    };
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{method} is not allowed on {}{takes}; the routes are in /openapi.json",
            rustrec::data::escape_control(path)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: with `--timeout 0.0001` a late request was told the limit was "0.0 s".
    #[test]
    fn the_busy_answer_names_the_time_limit_as_given() {
        for (limit, said) in [
            (
                std::time::Duration::from_secs_f64(0.0001),
                "limit of 0.0001 s;",
            ),
            (std::time::Duration::from_millis(20), "limit of 0.02 s;"),
            (std::time::Duration::from_secs(10), "limit of 10 s;"),
        ] {
            let e = busy(limit);
            assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
            assert!(e.message.contains(said), "{limit:?}: {}", e.message);
        }
    }

    /// The template matching behind the 405's list of methods.
    #[test]
    fn paths_match_their_route_templates() {
        assert_eq!(methods_of("/v1/recommend/1"), ["GET", "HEAD"]);
        assert_eq!(methods_of("/v1/recommend"), ["POST"]);
        assert_eq!(methods_of("/v1/models"), ["GET", "HEAD"]);
        assert_eq!(methods_of("/v1/reload"), ["POST"]);
        assert!(methods_of("/v1/recommend/").is_empty());
        assert!(methods_of("/v1/recommend/1/2").is_empty());
        assert!(methods_of("/nothing").is_empty());
        assert_eq!(methods_of("/"), ["GET", "HEAD"]);
    }
}
