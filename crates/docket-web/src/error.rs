//! The web face's error value and the JSON envelope every response uses, so a
//! browser script or an agent reads one shape whatever went wrong.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Version of the envelope's shape; bumped only on a breaking change.
pub const SCHEMA_VERSION: u32 = 1;

/// A refused or failed request: an HTTP status, a stable code, a message and
/// the remedies that would fix it.
#[derive(Debug, Clone)]
pub struct WebError {
    /// HTTP status (4xx for anything the caller can fix).
    pub status: u16,
    /// Stable machine-readable code (the core's codes plus the web's own).
    pub code: String,
    /// One sentence for a person.
    pub message: String,
    /// What would fix it (each an object; the page renders them as hints or buttons).
    pub remedies: Vec<Value>,
    /// Extra facts, e.g. every guard's verdict for a refused move.
    pub details: Option<Value>,
}

impl WebError {
    /// An error without remedies.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> WebError {
        WebError {
            status,
            code: code.to_string(),
            message: message.into(),
            remedies: Vec::new(),
            details: None,
        }
    }

    /// The `error` object of the envelope.
    pub fn to_json(&self) -> Value {
        let mut e = json!({
            "code": self.code,
            "message": self.message,
            "remedies": self.remedies,
        });
        if let (Some(d), Some(o)) = (&self.details, e.as_object_mut()) {
            o.insert("details".into(), d.clone());
        }
        e
    }
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for WebError {}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = json!({"schema_version": SCHEMA_VERSION, "ok": false, "error": self.to_json()});
        (status, axum::Json(body)).into_response()
    }
}

/// A successful envelope around `data`.
pub fn ok(data: Value) -> Response {
    axum::Json(json!({"schema_version": SCHEMA_VERSION, "ok": true, "data": data})).into_response()
}
