//! `docket monitor`: the read-only terminal dashboard (the `docket-tui` face).

use std::io::IsTerminal;

use clap::Args;
use docket_core::Error;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct MonitorArgs {}

pub fn run(g: &GlobalArgs, _a: MonitorArgs, _printer: &mut Printer) -> CliResult<u8> {
    // SAFETY: the first thing the command does; its threads start later.
    unsafe { crate::return_freed_memory_at_once() };
    if g.json {
        return Err(Error::invalid(
            "monitor is an interactive screen and has no JSON output; use `docket stats --json` or `docket board --json`",
        )
        .into());
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Error::NotInteractive {
            message: "docket monitor needs an interactive terminal".into(),
        }
        .into());
    }
    // Resolve the project once up front so a bad -C fails before the screen opens.
    let cx = context::api_bare(g)?;
    // Other docket processes' listings get the hot index while the monitor runs.
    super::watch::beside(&cx.project);
    let make = || context::api_bare(g);
    docket_tui::run(&make).map_err(|e| Error::invalid(format!("monitor: {e}")))?;
    Ok(0)
}
