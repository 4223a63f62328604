//! The docket web dashboard behind `docket serve`: an axum server on a tokio
//! current-thread runtime that maps HTTP requests to docket's operations
//! (`backend`), renders their answers as JSON envelopes for an embedded
//! vanilla-JS page, and pushes live changes over server-sent events.
//!
//! Safety is part of the face: loopback by default, a bearer token required for
//! any other address, a CSRF token and a same-origin `Origin` on every write, a
//! `Host` check against DNS rebinding, body size limits, strict ids, escaped
//! text and sanitized markdown.

// Errors are the cold path and carry remedies and details for the page; boxing
// them would only add noise at every call site (as in docket-api).
#![allow(clippy::result_large_err)]

pub mod backend;
pub mod error;
pub mod markdown;
mod routes;
mod security;
pub mod watch;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::Path;

pub use error::WebError;

/// How `docket serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to bind; loopback unless a token protects the server.
    pub host: String,
    /// Preferred port; a free one is taken when it is busy.
    pub port: u16,
    /// Refuse every write (405/403 with the envelope).
    pub readonly: bool,
    /// Open the dashboard in the default browser once listening.
    pub open: bool,
    /// Required on every request when set (bearer header, cookie or `?token=`).
    pub token: Option<String>,
    /// The session requests act as when the page picked none (`docket --session S
    /// serve`); without it they act as the user, with no session.
    pub session: Option<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            host: "127.0.0.1".into(),
            port: 3004,
            readonly: false,
            open: false,
            token: None,
            session: None,
        }
    }
}

/// Whether `host` names this machine only.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Validate the options before anything listens: a non-loopback address needs a token.
pub fn check_options(opts: &ServeOptions) -> Result<(), WebError> {
    if let Some(t) = &opts.token
        && (t.len() < 8 || t.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(WebError::new(
            400,
            "invalid_argument",
            "--token must be at least 8 characters without spaces",
        ));
    }
    if !is_loopback(&opts.host) && opts.token.is_none() {
        return Err(WebError::new(
            400,
            "insecure_bind",
            format!(
                "refusing to listen on `{}` without --token: anyone who can reach it could change tickets (bind 127.0.0.1, or pass --token <secret>)",
                opts.host
            ),
        ));
    }
    Ok(())
}

fn bind(opts: &ServeOptions) -> Result<TcpListener, WebError> {
    let host = opts.host.trim_start_matches('[').trim_end_matches(']');
    let host = if host.eq_ignore_ascii_case("localhost") {
        "127.0.0.1"
    } else {
        host
    };
    let ip: IpAddr = host.parse().map_err(|_| {
        WebError::new(
            400,
            "invalid_argument",
            format!("--host `{}` is not an IP address (or localhost)", opts.host),
        )
    })?;
    let io =
        |e: std::io::Error| WebError::new(500, "io_error", format!("cannot listen on {ip}: {e}"));
    match TcpListener::bind(SocketAddr::new(ip, opts.port)) {
        Ok(l) => Ok(l),
        // The preferred port is busy: take any free one and say which.
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            TcpListener::bind(SocketAddr::new(ip, 0)).map_err(io)
        }
        Err(e) => Err(io(e)),
    }
}

/// Serve the dashboard for the project at `root` until interrupted. Prints the
/// URL on stdout once listening.
pub fn serve(root: &Path, opts: ServeOptions) -> Result<(), WebError> {
    check_options(&opts)?;
    let backend = backend::Backend::new(root, opts.session.as_deref())?;
    let listener = bind(&opts)?;
    listener
        .set_nonblocking(true)
        .map_err(|e| WebError::new(500, "io_error", e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| WebError::new(500, "io_error", e.to_string()))?;
    let host_shown = match addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let mut url = format!("http://{host_shown}:{}/", addr.port());
    if let Some(t) = &opts.token {
        url.push_str(&format!("?token={t}"));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| WebError::new(500, "io_error", e.to_string()))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| WebError::new(500, "io_error", e.to_string()))?;
        let (tx, _) = tokio::sync::broadcast::channel(64);
        watch::spawn(backend.docket_dir(), tx.clone());
        let app = routes::router(routes::AppState::new(backend, &opts, tx));
        // Never `println!`: a closed stdout (`docket serve | head -1`, a test
        // that reads only the URL) must not take the server down.
        let mut banner = format!("docket serve: {url}\n");
        if opts.readonly {
            banner.push_str("read-only: every write is refused\n");
        }
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
        drop(out);
        if opts.open {
            // Best effort: a missing opener must not stop the server.
            let _ = std::process::Command::new("xdg-open")
                .arg(&url)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
        }
        let server = axum::serve(listener, app);
        tokio::select! {
            r = server => r.map_err(|e| WebError::new(500, "io_error", e.to_string())),
            // Open event streams never end, so stop at once rather than drain.
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_binds_without_a_token() {
        for h in ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["0.0.0.0", "192.168.1.5", "example.com", "::"] {
            assert!(!is_loopback(h), "{h}");
        }
        let public = ServeOptions {
            host: "0.0.0.0".into(),
            ..ServeOptions::default()
        };
        assert_eq!(
            check_options(&public).map_err(|e| e.code),
            Err("insecure_bind".into())
        );
        let with_token = ServeOptions {
            token: Some("long-enough".into()),
            ..public.clone()
        };
        assert!(check_options(&with_token).is_ok());
        let weak = ServeOptions {
            token: Some("short".into()),
            ..public
        };
        assert_eq!(
            check_options(&weak).map_err(|e| e.code),
            Err("invalid_argument".into())
        );
    }
}
