//! The lifecycle family: start, status, close, reopen. All go through the
//! workflow engine's guards.

use clap::Args;
use docket_core::ops::{self, MoveOptions, Target};

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

/// Override flags shared by every move.
#[derive(Args, Debug, Clone)]
pub struct MoveArgs {
    /// Pass failing guards (acceptance, children); needs --summary
    #[arg(long)]
    pub force: bool,
    /// Why: recorded as a timestamped note
    #[arg(long)]
    pub summary: Option<String>,
}

#[derive(Args, Debug)]
pub struct StartArgs {
    /// Ticket id
    pub id: String,
    #[command(flatten)]
    pub mv: MoveArgs,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Ticket id
    pub id: String,
    /// New status (see `docket info`)
    pub status: String,
    #[command(flatten)]
    pub mv: MoveArgs,
}

#[derive(Args, Debug)]
pub struct CloseArgs {
    /// Ticket id
    pub id: String,
    #[command(flatten)]
    pub mv: MoveArgs,
}

fn go(
    g: &GlobalArgs,
    id: &str,
    target: Target,
    mv: MoveArgs,
    verb: &str,
    printer: &mut Printer,
) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let o = ops::transition(
        &p,
        &context::ctx(&p, g)?,
        id,
        target,
        MoveOptions {
            force: mv.force,
            summary: mv.summary,
        },
    )?;
    super::print_outcome(&p, printer, verb, &o);
    Ok(0)
}

pub fn start(g: &GlobalArgs, a: StartArgs, printer: &mut Printer) -> CliResult<u8> {
    go(g, &a.id, Target::Start, a.mv, "started", printer)
}

pub fn status(g: &GlobalArgs, a: StatusArgs, printer: &mut Printer) -> CliResult<u8> {
    go(g, &a.id, Target::Status(a.status), a.mv, "moved", printer)
}

pub fn close(g: &GlobalArgs, a: CloseArgs, printer: &mut Printer) -> CliResult<u8> {
    go(g, &a.id, Target::Close, a.mv, "closed", printer)
}

pub fn reopen(g: &GlobalArgs, a: StartArgs, printer: &mut Printer) -> CliResult<u8> {
    go(g, &a.id, Target::Reopen, a.mv, "reopened", printer)
}
