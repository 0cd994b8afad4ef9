//! Errors: [`ServeError`] for starting and reloading, [`ApiError`] for one request (a
//! status and a message, answered as `{"error": "..."}`).

use std::path::PathBuf;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why the server could not start, or a reload was refused.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A bad setting.
    #[error("{0}")]
    Config(String),
    /// A model file that does not load.
    #[error("model {name:?}: cannot load {}: {source}", path.display())]
    Load {
        /// The model's name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// Why (boxed: model errors are large).
        source: Box<rustrec::models::ModelError>,
    },
    /// An item file that cannot be read.
    #[error("--item-file {}: {source}", path.display())]
    ItemFile {
        /// The file.
        path: PathBuf,
        /// Why (boxed: data errors are large).
        source: Box<rustrec::data::DataError>,
    },
    /// Binding the address or running the server.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// A request that cannot be answered: the status and a message naming the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status (4xx for the request's fault).
    pub status: StatusCode,
    /// What is wrong, for people.
    pub message: String,
}

impl ApiError {
    /// An error with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// 400: a bad parameter or body.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: an unknown user, item, model or route.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500: the server's fault.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The body `{"error": message}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "error": self.message }).to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, self.body()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    }
}
