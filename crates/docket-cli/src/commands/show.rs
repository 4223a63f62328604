//! `docket show`

use clap::Args;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;
use crate::render;

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Ticket id (any unique prefix)
    pub id: String,
}

pub fn run(g: &GlobalArgs, a: ShowArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let t = p.get(&a.id)?;
    printer.success(&render::view(&p, &t), None, || render::show(&p, &t));
    Ok(0)
}
