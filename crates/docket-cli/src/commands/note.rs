//! `docket add-note`

use std::io::{IsTerminal, Read};

use clap::Args;
use docket_api::notes;
use docket_core::Error;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct AddNoteArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// Note text (read from stdin when omitted)
    #[arg(allow_hyphen_values = true)]
    pub text: Vec<String>,
}

/// Read all of stdin, refusing an interactive terminal.
pub fn read_stdin(what: &str) -> Result<String, Error> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Error::invalid(format!(
            "no {what} given: pass it as an argument or pipe it on stdin"
        )));
    }
    let mut s = String::new();
    stdin
        .lock()
        .read_to_string(&mut s)
        .map_err(|e| Error::io("<stdin>", e))?;
    Ok(s)
}

pub fn run(g: &GlobalArgs, a: AddNoteArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let text = if a.text.is_empty() {
        read_stdin("note text")?
    } else {
        a.text.join(" ")
    };
    let c = notes::add_note(&cx, &notes::TextRequest { id: a.id, text })?;
    super::print_changed(printer, "noted", &c);
    Ok(0)
}
