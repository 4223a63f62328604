//! The checks every request passes before a handler runs: the access token, the
//! `Host` header (against DNS rebinding), and for writes the read-only switch,
//! a same-origin `Origin` and the CSRF token. Also the response headers that
//! keep the page from running anything but its own script.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::WebError;
use crate::routes::AppState;

/// Name of the cookie that carries the access token after `?token=`.
pub const TOKEN_COOKIE: &str = "docket_token";
/// Name of the cookie that carries the picked session.
pub const SESSION_COOKIE: &str = "docket_session";
/// Header a script may use instead of the session cookie.
pub const SESSION_HEADER: &str = "x-docket-session";
/// Header that carries the CSRF token on writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Compare secrets without leaking where they differ through timing.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
}

/// 128 random bits as hex, from the OS (for the per-process CSRF token).
pub fn random_token() -> String {
    use std::io::Read;
    let mut buf = [0u8; 16];
    let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf));
    if from_os.is_err() {
        // std's hasher keys are seeded from OS randomness on every platform.
        use std::hash::{BuildHasher, Hasher};
        for chunk in buf.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// The middleware: refuse early with the envelope, else run the handler and add
/// the security headers (and the token cookie after a `?token=` login).
pub async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let mut set_token_cookie = false;
    if let Some(expected) = &st.token {
        let headers = req.headers();
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let from_cookie = cookie(headers, TOKEN_COOKIE);
        let from_query = query_token(req.uri().query());
        let ok = |t: Option<&str>| t.is_some_and(|t| same_secret(t, expected));
        if ok(from_query) {
            set_token_cookie = true;
        } else if !ok(bearer) && !ok(from_cookie) {
            return with_headers(
                WebError::new(
                    401,
                    "unauthorized",
                    "this server needs its token: open the URL `docket serve` printed, or send `Authorization: Bearer <token>`",
                )
                .into_response(),
            );
        }
    }
    if let Err(e) = check_host(&st, req.headers()) {
        return with_headers(e.into_response());
    }
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if write && let Err(e) = check_write(&st, req.headers()) {
        return with_headers(e.into_response());
    }
    let mut resp = next.run(req).await;
    if set_token_cookie
        && let Some(t) = &st.token
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{TOKEN_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict"
        ))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    with_headers(resp)
}

/// Without a token the server trusts only loopback names in `Host`, so a page on
/// another site cannot reach it through a rebound DNS name.
fn check_host(st: &AppState, headers: &HeaderMap) -> Result<(), WebError> {
    if st.token.is_some() {
        return Ok(());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((n, port)) if !n.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => host,
    };
    if crate::is_loopback(name) {
        Ok(())
    } else {
        Err(WebError::new(
            403,
            "bad_host",
            format!("Host `{host}` is not this server's loopback address"),
        ))
    }
}

fn check_write(st: &AppState, headers: &HeaderMap) -> Result<(), WebError> {
    if st.readonly {
        return Err(WebError::new(
            403,
            "readonly",
            "this dashboard is read-only (`docket serve --readonly`)",
        ));
    }
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let same = !host.is_empty()
        && (origin == format!("http://{host}") || origin == format!("https://{host}"));
    if !same {
        return Err(WebError::new(
            403,
            "bad_origin",
            "writes must come from the dashboard's own page (missing or foreign Origin)",
        ));
    }
    let csrf = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !same_secret(csrf, &st.csrf) {
        return Err(WebError::new(
            403,
            "csrf",
            "missing or wrong CSRF token: reload the dashboard page",
        ));
    }
    Ok(())
}

fn with_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_content() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert_eq!(random_token().len(), 32);
        assert_ne!(random_token(), random_token());
    }

    #[test]
    fn cookies_and_query_tokens_are_found() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; docket_session=s-1"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("s-1"));
        assert_eq!(cookie(&h, "b"), None);
        assert_eq!(query_token(Some("x=1&token=zz")), Some("zz"));
        assert_eq!(query_token(None), None);
    }
}
