//! `docket serve`: the web dashboard. The face lives in `docket-web`; this file
//! only turns flags into its options and its refusal into an exit code.

use clap::Args;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

/// Flags of `docket serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (anything but loopback requires --token)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (a free one is taken when it is busy)
    #[arg(long, default_value_t = 3004)]
    pub port: u16,
    /// Refuse every write
    #[arg(long)]
    pub readonly: bool,
    /// Open the dashboard in the default browser
    #[arg(long)]
    pub open: bool,
    /// Require this secret on every request (bearer header, or the printed ?token= URL)
    #[arg(long, value_name = "T")]
    pub token: Option<String>,
}

/// Serve until interrupted; refusing to start (e.g. a public address without a
/// token) is an error with a non-zero exit.
pub fn run(g: &GlobalArgs, a: ServeArgs, _printer: &mut Printer) -> CliResult<u8> {
    // SAFETY: the first thing the command does; its threads start later.
    unsafe { crate::return_freed_memory_at_once() };
    let p = context::project(&g.dir)?;
    let opts = docket_web::ServeOptions {
        host: a.host,
        port: a.port,
        readonly: a.readonly,
        open: a.open,
        token: a.token,
        session: g.session.clone(),
    };
    // Other docket processes' listings get the hot index while the dashboard runs.
    super::watch::beside(&p);
    docket_web::serve(&p.root, opts)
        .map_err(|e| docket_core::Error::invalid(format!("{} ({})", e.message, e.code)))?;
    Ok(0)
}
