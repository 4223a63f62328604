//! `docket delete`

use clap::Args;
use docket_api::tickets::{self, DeleteRequest};

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, SCHEMA_V2, paint, style};

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// Also remove every reference to it (deps, links, parent) from other tickets
    #[arg(long)]
    pub cascade: bool,
}

pub fn run(g: &GlobalArgs, a: DeleteArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let d = tickets::delete(
        &cx,
        &DeleteRequest {
            id: a.id,
            cascade: a.cascade,
        },
    )?;
    printer.schema(SCHEMA_V2).success(&d, None, || {
        let mut s = format!("deleted {}  {}", paint(style::ID, &d.id), d.title);
        for id in &d.updated {
            s.push_str(&format!("\n  removed references from {id}"));
        }
        s
    });
    Ok(0)
}
