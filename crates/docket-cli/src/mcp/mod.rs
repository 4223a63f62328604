//! `docket mcp`: every docket operation as an MCP tool over stdio.
//!
//! Each tool call is turned into a `docket` command line (`tools.rs`) and run
//! in-process through the CLI's own parser and dispatcher with a capturing
//! printer (`exec.rs`), so the MCP face returns the same data and error codes as
//! `--json` and goes through the same guards: there is no second implementation
//! of any operation. `server.rs` answers the protocol; `wire.rs` stands between
//! stdio and the SDK so malformed or oversized input always gets an error
//! response. Nothing but protocol reaches stdout.

mod exec;
mod server;
pub mod tools;
mod wire;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use clap::Args;
use docket_core::session;
use docket_core::{Error, Project};
use rmcp::ServiceExt;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::{CliError, CliResult};
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct McpArgs {
    /// Role of the session the server opens (architect, implementer or custom)
    #[arg(long, default_value = "implementer")]
    pub role: String,
    /// Name of that session (default: generated)
    #[arg(long)]
    pub name: Option<String>,
    /// Register only the read tools; open no session
    #[arg(long)]
    pub readonly: bool,
}

/// What the server needs to open its session lazily (after `init`).
struct Startup {
    role: String,
    name: Option<String>,
    /// The session was given (`--session`/`DOCKET_SESSION`), not opened here.
    explicit: bool,
}

static STARTUP: Mutex<Option<Startup>> = Mutex::new(None);

/// Open the server's session if it has none yet and the project exists.
fn ensure_session(d: &server::Docket) {
    if d.readonly {
        return;
    }
    let Ok(mut current) = d.session.lock() else {
        return;
    };
    let Ok(p) = Project::discover(&d.root) else {
        return;
    };
    let Some((role, name, explicit)) = STARTUP.lock().ok().and_then(|s| {
        s.as_ref()
            .map(|s| (s.role.clone(), s.name.clone(), s.explicit))
    }) else {
        return;
    };
    if let Some(id) = current.as_deref() {
        // A session this server opened may have been expired by `cleanup`
        // while the editor sat idle: open a fresh one instead of failing writes.
        if explicit || session::find(&p, id).is_ok() {
            return;
        }
        eprintln!("docket mcp: session {id} has ended; opening a new one");
    }
    let now = docket_core::ops::format_ts(context::now());
    match session::start_detached(&p, &now, &role, name.as_deref()) {
        Ok(s) => *current = Some(s.id),
        Err(e) => eprintln!("docket mcp: cannot open a session: {e}"),
    }
}

pub fn run(g: &GlobalArgs, a: McpArgs, _printer: &mut Printer) -> CliResult<u8> {
    context::reserve_stdin();
    let start = context::start_dir(&g.dir)?;
    let start = start.canonicalize().map_err(|e| Error::io(&start, e))?;
    let project = Project::discover(&start).ok();
    let root: PathBuf = project.as_ref().map(|p| p.root.clone()).unwrap_or(start);
    // The role must exist before anything is served: a typo fails fast.
    if let Some(p) = &project
        && !a.readonly
    {
        session::base_role(p, &a.role)?;
    }
    let explicit = g
        .session
        .clone()
        .or_else(|| std::env::var("DOCKET_SESSION").ok())
        .filter(|s| !s.trim().is_empty());
    if let Ok(mut s) = STARTUP.lock() {
        *s = Some(Startup {
            role: a.role.clone(),
            name: a.name.clone(),
            explicit: explicit.is_some(),
        });
    }
    let docket = server::Docket {
        root: root.clone(),
        readonly: a.readonly,
        session: Arc::new(Mutex::new(explicit.clone())),
    };
    ensure_session(&docket);
    let shared = docket.session.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("<runtime>", e))?;
    let served = rt.block_on(async move {
        let (input, output, pump) = wire::stdio();
        let service = docket
            .serve((input, output))
            .await
            .map_err(|e| e.to_string())?;
        let _ = service.waiting().await;
        pump.finish().await;
        Ok::<(), String>(())
    });
    // End the session this server opened (also one opened lazily after `init`
    // or reopened after an expiry).
    let to_end = if explicit.is_none() {
        shared.lock().ok().and_then(|s| s.clone())
    } else {
        None
    };
    if let Some(id) = to_end
        && let Ok(p) = Project::discover(&root)
        && let Ok(s) = session::find(&p, &id)
    {
        let _ = session::end(&p, &s);
    }
    rt.shutdown_background();
    match served {
        Ok(()) => Ok(0),
        Err(m) => Err(CliError::from(Error::invalid(format!("mcp: {m}")))),
    }
}
