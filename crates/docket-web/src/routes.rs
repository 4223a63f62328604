//! HTTP routes: each maps a request to one backend call and renders its answer
//! as the JSON envelope; the page shell and its assets are embedded.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::ServeOptions;
use crate::backend::{self, Backend, ListQuery};
use crate::error::{WebError, ok};
use crate::security::{self, SESSION_COOKIE, SESSION_HEADER};
use crate::watch::Change;

/// Largest request body accepted (a plan or a description is far smaller).
pub const BODY_LIMIT: usize = 1024 * 1024;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The operations, behind one project root.
    pub backend: Arc<Backend>,
    /// This process's CSRF token (in the page's `<meta>`, checked on every write).
    pub csrf: Arc<str>,
    /// `--token`, required on every request when set.
    pub token: Option<Arc<str>>,
    /// `--readonly`: every write is refused.
    pub readonly: bool,
    /// Batches of file changes from the watcher, for `GET /events`.
    pub changes: broadcast::Sender<Change>,
}

impl AppState {
    /// State for one server: a fresh CSRF token per process.
    pub fn new(
        backend: Backend,
        opts: &ServeOptions,
        changes: broadcast::Sender<Change>,
    ) -> AppState {
        AppState {
            backend: Arc::new(backend),
            csrf: security::random_token().into(),
            token: opts.token.as_deref().map(Arc::from),
            readonly: opts.readonly,
            changes,
        }
    }
}

/// All routes, with the security middleware and the body limit.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/info", get(info))
        .route("/api/board", get(board))
        .route("/api/tickets", get(list).post(create))
        .route("/api/tickets/{id}", get(ticket).post(update))
        .route("/api/tickets/{id}/criteria", post(criterion))
        .route("/api/tickets/{id}/notes", post(note))
        .route("/api/tickets/{id}/plan", post(plan))
        .route("/api/tickets/{id}/move", post(move_ticket))
        .route("/api/tickets/{id}/graph", get(graph))
        .route("/api/activity", get(activity))
        .route("/api/stats", get(stats))
        .route("/api/sessions", get(sessions).post(start_session))
        .route("/api/session", post(pick_session))
        .route("/api/session/end", post(end_session))
        .route("/api/runs", get(runs))
        .route("/events", get(events))
        .route("/assets/app.js", get(app_js))
        .route("/assets/app.css", get(app_css))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .with_state(state)
}

/// A JSON request body: limited in size, parsed strictly, refused with the envelope.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        if !is_json {
            return Err(WebError::new(
                415,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                WebError::new(
                    413,
                    "body_too_large",
                    format!("request bodies are limited to {} KiB", BODY_LIMIT / 1024),
                )
            } else {
                WebError::new(400, "bad_request", e.body_text())
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| WebError::new(400, "invalid_json", format!("request body: {e}")))
    }
}

/// A ticket id from the path; a path that does not decode is refused with the
/// envelope like any other bad id.
pub struct Id(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|_| {
                WebError::new(
                    400,
                    "invalid_id",
                    "the ticket id in the path does not decode",
                )
            })
    }
}

/// The session the request acts as: the header, else the cookie.
fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .or_else(|| security::cookie(headers, SESSION_COOKIE))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Run a backend call off the async thread and wrap its answer.
async fn call<F>(st: &AppState, f: F) -> Response
where
    F: FnOnce(&Backend) -> Result<Value, WebError> + Send + 'static,
{
    let backend = st.backend.clone();
    match tokio::task::spawn_blocking(move || f(&backend)).await {
        Ok(Ok(v)) => ok(v),
        Ok(Err(e)) => e.into_response(),
        Err(_) => {
            WebError::new(500, "internal", "the operation failed unexpectedly").into_response()
        }
    }
}

async fn info(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let sid = session_of(&headers);
    let readonly = st.readonly;
    call(&st, move |b| {
        let mut v = b.info(sid.as_deref())?;
        if let Some(o) = v.as_object_mut() {
            o.insert("readonly".into(), json!(readonly));
        }
        Ok(v)
    })
    .await
}

async fn board(
    State(st): State<AppState>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match q {
        Ok(Query(q)) => call(&st, move |b| b.board(&q)).await,
        Err(e) => WebError::new(400, "invalid_argument", e.body_text()).into_response(),
    }
}

async fn list(
    State(st): State<AppState>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match q {
        Ok(Query(q)) => call(&st, move |b| b.list(&q)).await,
        Err(e) => WebError::new(400, "invalid_argument", e.body_text()).into_response(),
    }
}

async fn ticket(State(st): State<AppState>, Id(id): Id) -> Response {
    call(&st, move |b| b.ticket(&id)).await
}

async fn graph(State(st): State<AppState>, Id(id): Id) -> Response {
    call(&st, move |b| b.graph(&id)).await
}

#[derive(serde::Deserialize)]
struct ActivityQuery {
    limit: Option<usize>,
    window: Option<String>,
}

async fn activity(
    State(st): State<AppState>,
    q: Result<Query<ActivityQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match q {
        Ok(Query(q)) => {
            let limit = q.limit.unwrap_or(50);
            call(&st, move |b| b.activity(limit, q.window)).await
        }
        Err(e) => WebError::new(400, "invalid_argument", e.body_text()).into_response(),
    }
}

/// Stats filters from the query string (comma-separated lists).
#[derive(serde::Deserialize)]
struct StatsQuery {
    window: Option<String>,
    since: Option<String>,
    until: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    tier: Option<String>,
    status: Option<String>,
    assignee: Option<String>,
}

async fn stats(
    State(st): State<AppState>,
    q: Result<Query<StatsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return WebError::new(400, "invalid_argument", e.body_text()).into_response(),
    };
    let list = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let req = docket_api::insight::StatsRequest {
        types: list(&q.kind),
        tier: list(&q.tier),
        status: list(&q.status),
        assignee: list(&q.assignee),
        window: blank(q.window),
        since: blank(q.since),
        until: blank(q.until),
    };
    call(&st, move |b| b.stats(req)).await
}

async fn sessions(State(st): State<AppState>) -> Response {
    call(&st, |b| b.sessions()).await
}

async fn runs(State(st): State<AppState>) -> Response {
    call(&st, |b| b.runs()).await
}

async fn create(
    State(st): State<AppState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<backend::CreateReq>,
) -> Response {
    let sid = session_of(&headers);
    call(&st, move |b| b.create(sid.as_deref(), req)).await
}

async fn update(
    State(st): State<AppState>,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(req): JsonBody<backend::UpdateReq>,
) -> Response {
    let sid = session_of(&headers);
    call(&st, move |b| b.update(sid.as_deref(), &id, req)).await
}

async fn criterion(
    State(st): State<AppState>,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(req): JsonBody<backend::CriterionReq>,
) -> Response {
    let sid = session_of(&headers);
    call(&st, move |b| b.criterion(sid.as_deref(), &id, req)).await
}

async fn note(
    State(st): State<AppState>,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(req): JsonBody<backend::NoteReq>,
) -> Response {
    let sid = session_of(&headers);
    call(&st, move |b| b.note(sid.as_deref(), &id, req)).await
}

async fn plan(
    State(st): State<AppState>,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(req): JsonBody<backend::PlanReq>,
) -> Response {
    let sid = session_of(&headers);
    call(&st, move |b| b.plan(sid.as_deref(), &id, req)).await
}

async fn move_ticket(
    State(st): State<AppState>,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(req): JsonBody<backend::MoveReq>,
) -> Response {
    let sid = session_of(&headers);
    call(&st, move |b| b.move_ticket(sid.as_deref(), &id, req)).await
}

fn session_cookie(sid: &str) -> Option<HeaderValue> {
    // Session ids are generated by docket; anything else is never echoed.
    if !sid
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    {
        return None;
    }
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict"
    ))
    .ok()
}

async fn start_session(
    State(st): State<AppState>,
    JsonBody(req): JsonBody<backend::StartSessionReq>,
) -> Response {
    let resp = call(&st, move |b| b.start_session(req)).await;
    with_session_cookie(resp).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PickReq {
    /// An active session's id or name; null or empty to act without a session.
    id: Option<String>,
}

async fn pick_session(State(st): State<AppState>, JsonBody(req): JsonBody<PickReq>) -> Response {
    match req.id.filter(|s| !s.trim().is_empty()) {
        None => {
            let mut resp = ok(json!({"session": null}));
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            )) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Some(key) => {
            let resp = call(&st, move |b| b.find_session(key.trim())).await;
            with_session_cookie(resp).await
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EndReq {
    /// The session to end (id, prefix or name).
    id: String,
}

async fn end_session(
    State(st): State<AppState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<EndReq>,
) -> Response {
    let acting = session_of(&headers);
    let key = req.id.trim().to_string();
    let mut resp = call(&st, move |b| b.end_session(&key)).await;
    // Ending the session this browser acts as also forgets it here.
    let ended_mine = acting.is_some_and(|a| a == req.id.trim());
    if resp.status().is_success()
        && ended_mine
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        ))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// After a session was started or picked, remember it in a cookie.
async fn with_session_cookie(resp: Response) -> Response {
    if !resp.status().is_success() {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .unwrap_or_default();
    let sid = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v["data"]["id"].as_str().map(String::from));
    if let Some(v) = sid.as_deref().and_then(session_cookie) {
        parts.headers.append(header::SET_COOKIE, v);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// `GET /events`: one SSE `change` event per batch of file changes.
async fn events(State(st): State<AppState>) -> impl IntoResponse {
    let rx = st.changes.subscribe();
    let hello = futures_util::stream::once(async {
        Ok::<Event, Infallible>(Event::default().event("hello").data("{}"))
    });
    let changes = futures_util::stream::unfold(rx, |mut rx| async move {
        let data = match rx.recv().await {
            Ok(c) => serde_json::to_string(&c).unwrap_or_else(|_| "{}".into()),
            // Too slow to keep up: tell the page to refresh everything.
            Err(broadcast::error::RecvError::Lagged(_)) => json!({
                "seq": 0,
                "kinds": ["tickets", "sessions", "runs", "config"],
                "ids": [],
            })
            .to_string(),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(Event::default().event("change").data(data)), rx))
    });
    use futures_util::StreamExt;
    Sse::new(hello.chain(changes)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

async fn app_js() -> Response {
    asset(APP_JS, "text/javascript; charset=utf-8")
}

async fn app_css() -> Response {
    asset(APP_CSS, "text/css; charset=utf-8")
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Page routes get the shell (the script renders the view from the URL); unknown
/// API paths get the envelope.
async fn fallback(State(st): State<AppState>, uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" || path.starts_with("/assets/") {
        return WebError::new(404, "not_found", format!("no such endpoint: {path}"))
            .into_response();
    }
    let page = INDEX_HTML
        .replace("{{csrf}}", &st.csrf)
        .replace("{{readonly}}", if st.readonly { "true" } else { "false" });
    Html(page).into_response()
}

async fn method_not_allowed() -> Response {
    WebError::new(
        405,
        "method_not_allowed",
        "this endpoint does not accept that method",
    )
    .into_response()
}
