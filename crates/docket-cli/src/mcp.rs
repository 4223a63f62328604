//! `docket mcp`: the MCP face lives in the `docket-mcp` crate; the CLI only
//! parses its flags and hands over the process-level inputs (folder, clock,
//! acting user, session).

use clap::Args;
use docket_core::{Error, Project};

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
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

pub fn run(g: &GlobalArgs, a: McpArgs, _printer: &mut Printer) -> CliResult<u8> {
    let start = context::start_dir(&g.dir)?;
    let dir = start.canonicalize().map_err(|e| Error::io(&start, e))?;
    let session = g
        .session
        .clone()
        .or_else(|| std::env::var("DOCKET_SESSION").ok())
        .filter(|s| !s.trim().is_empty());
    let actor = context::actor(Project::discover(&dir).ok().as_ref());
    docket_mcp::serve(docket_mcp::Options {
        dir,
        role: a.role,
        name: a.name,
        readonly: a.readonly,
        session,
        actor,
        clock: context::now,
        hot_index: context::hot_index(),
    })?;
    Ok(0)
}
