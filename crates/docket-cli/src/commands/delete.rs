//! `docket delete`

use clap::Args;
use docket_core::ops;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;
use crate::render;

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Ticket id
    pub id: String,
    /// Also remove every reference to it (deps, links, parent) from other tickets
    #[arg(long)]
    pub cascade: bool,
}

pub fn run(g: &GlobalArgs, a: DeleteArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let d = ops::delete(&p, &context::ctx(&p, g)?, &a.id, a.cascade)?;
    let updated: Vec<render::TicketView> = d.updated.iter().map(|t| render::view(&p, t)).collect();
    let data = json!({ "deleted": render::view(&p, &d.ticket), "updated": updated });
    printer.success(&data, None, || {
        let mut s = render::changed_line("deleted", &d.ticket);
        for t in &d.updated {
            s.push_str(&format!("\n  removed references from {}", t.meta.id));
        }
        s
    });
    Ok(0)
}
