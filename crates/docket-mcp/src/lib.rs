//! docket's MCP face: every operation as a tool over stdio, on the typed API.
//!
//! A tool call is checked against the schema derived from its request type
//! (`tools.rs`, `schema.rs`), deserialized into that request, and run by
//! `docket_api` in a blocking task with its own `Context` (`dispatch.rs`): no
//! argv, no CLI, no process-wide lock, so reads run side by side and writes
//! serialize on the project lock inside the core. Results are lean (what
//! changed; compact views; pages of 50 rows). Errors are tool results whose
//! remedies are tool calls (`remedy.rs`). `wire.rs` stands between stdio and the
//! SDK so malformed or oversized input always gets an error response.

// Errors are the API's `ApiError` (cold path, carrying remedies); boxing them
// would only add noise at every call site, as in docket-api.
#![allow(clippy::result_large_err)]

mod dispatch;
mod prime;
mod prompts;
mod remedy;
mod schema;
mod server;
pub mod tools;
mod wire;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use docket_core::{Error, Project, session};
use rmcp::ServiceExt;

/// How the server was started.
#[derive(Debug, Clone)]
pub struct Options {
    /// The project root, or the folder `project(action=init)` creates one in.
    pub dir: PathBuf,
    /// Role of the session the server opens (architect, implementer or custom).
    pub role: String,
    /// Name of that session (default: generated).
    pub name: Option<String>,
    /// Only read tools and actions; no session is opened.
    pub readonly: bool,
    /// Act as this existing session instead of opening one (never ended here).
    pub session: Option<String>,
    /// Who acts when no session does (recorded on changes).
    pub actor: Option<String>,
    /// The clock of each call (tests pin it).
    pub clock: fn() -> jiff::Timestamp,
    /// Listings may ask a running hot index (`docket watch`) first.
    pub hot_index: bool,
}

/// Serve MCP over stdio until the client closes stdin. Opens the server's
/// session first (when the project exists and the server may write) and ends
/// it on the way out.
pub fn serve(opts: Options) -> Result<(), Error> {
    // The role must exist before anything is served: a typo fails fast.
    if let Ok(p) = Project::discover(&opts.dir)
        && !opts.readonly
        && opts.session.is_none()
    {
        session::base_role(&p, &opts.role)?;
    }
    let inner = Arc::new(server::Inner {
        opts,
        own: Mutex::new(None),
    });
    // Open the session now so it shows in `session list` while the server runs.
    let _ = inner.context(None);
    let handler = server::Docket(inner.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("<runtime>", e))?;
    let served = rt.block_on(async move {
        let (input, output, pump) = wire::stdio();
        let service = handler
            .serve((input, output))
            .await
            .map_err(|e| e.to_string())?;
        let _ = service.waiting().await;
        pump.finish().await;
        Ok::<(), String>(())
    });
    inner.end_own();
    rt.shutdown_background();
    served.map_err(|m| Error::invalid(format!("mcp: {m}")))
}
