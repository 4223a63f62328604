//! `docket claim`: take a ticket (or the next ready one) for the acting
//! session, atomically, so parallel agents never work the same ticket.

use clap::Args;
use docket_api::moves::{self, ClaimRequest};

use crate::cli::GlobalArgs;
use crate::commands::listing::FilterArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, paint, style};
use crate::render;

#[derive(Args, Debug)]
pub struct ClaimArgs {
    /// Ticket id (omit with --next or --list)
    #[arg(required_unless_present_any = ["next", "list"], conflicts_with_all = ["next", "list"], add = crate::complete::tickets())]
    pub id: Option<String>,
    /// Pick the first ready, unclaimed ticket matching the filters and claim it
    #[arg(long, conflicts_with = "list")]
    pub next: bool,
    /// List the live claims instead
    #[arg(long)]
    pub list: bool,
    /// Take over another live session's claim (recorded as a violation); needs --reason
    #[arg(long, requires = "reason", conflicts_with_all = ["next", "list"])]
    pub steal: bool,
    /// Why the claim is taken over
    #[arg(long, requires = "steal", allow_hyphen_values = true)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

pub fn run(g: &GlobalArgs, a: ClaimArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    if a.list {
        let claims = moves::claims(&cx)?;
        printer.success(&claims, None, || {
            if claims.is_empty() {
                return paint(style::DIM, "no live claims");
            }
            let rows: Vec<Vec<String>> = claims
                .iter()
                .map(|c| vec![c.ticket.clone(), c.name.clone(), c.since.clone()])
                .collect();
            render::table(
                &["TICKET", "HOLDER", "SINCE"],
                &rows,
                &[Some(style::ID), None, Some(style::DIM)],
            )
        });
        return Ok(0);
    }
    let req = ClaimRequest {
        id: a.id,
        next: a.next,
        filters: a.filter.filters()?,
        steal: a.steal,
        reason: a.reason,
    };
    let c = moves::claim(&cx, req)?;
    super::print_changed(printer, "claimed", &c);
    Ok(0)
}
