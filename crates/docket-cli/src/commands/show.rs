//! `docket show`

use clap::Args;
use docket_api::tickets::{self, ShowRequest};
use docket_api::view::Detail;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, SCHEMA_V3};
use crate::render;

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Ticket id (any unique prefix)
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// Everything: the whole log with its hash chain, plan revisions, notes,
    /// unknown frontmatter keys (JSON is compact without it)
    #[arg(long)]
    pub full: bool,
}

pub fn run(g: &GlobalArgs, a: ShowArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let detail = if a.full {
        Detail::Full
    } else {
        Detail::Compact
    };
    let shown = tickets::show(&cx, &ShowRequest { id: a.id, detail })?;
    let human = || render::show(&cx.project, &shown.ticket);
    printer.schema(SCHEMA_V3);
    match detail {
        Detail::Full => printer.success(&shown.full(), None, human),
        Detail::Compact => printer.success(&shown.compact(), None, human),
    }
    Ok(0)
}
