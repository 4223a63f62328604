//! One module per command family; each holds its clap args and its handler.

pub mod agents;
pub mod check;
pub mod create;
pub mod delete;
pub mod demo;
pub mod edit;
pub mod gen_cmd;
pub mod graph;
pub mod info;
pub mod init;
pub mod lifecycle;
pub mod listing;
pub mod man;
pub mod note;
pub mod plan;
pub mod prime;
pub mod run;
pub mod serve;
pub mod session;
pub mod show;
pub mod update;

use std::path::Path;

use docket_core::ops::Outcome;
use docket_core::{Error, Project};
use serde_json::json;

use crate::output::Printer;
use crate::render;

/// Print the result of a single-ticket mutation: the ticket, plus
/// `meta.archived_to` when it moved into the archive.
pub fn print_outcome(p: &Project, printer: &mut Printer, verb: &str, o: &Outcome) {
    let meta = o
        .archived_to
        .as_ref()
        .map(|path| json!({ "archived_to": p.display_path(path) }));
    printer.success(&render::view(p, &o.ticket), meta, || {
        if o.changed {
            let mut s = render::changed_line(verb, &o.ticket);
            if let Some(a) = &o.archived_to {
                s.push_str(&format!("\n  archived to {}", p.display_path(a)));
            }
            s
        } else {
            format!(
                "{} (no change)",
                render::changed_line("unchanged", &o.ticket)
            )
        }
    });
}

/// Text from exactly one of: an inline value, a file, or stdin. `None` when
/// none was given.
pub fn text_input(
    inline: Option<String>,
    file: Option<&Path>,
    stdin: bool,
    what: &str,
) -> Result<Option<String>, Error> {
    if let Some(t) = inline {
        return Ok(Some(t));
    }
    if let Some(f) = file {
        let bytes = std::fs::read(f).map_err(|e| Error::io(f, e))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::invalid(format!("{} is not UTF-8 text", f.display())))?;
        return Ok(Some(text));
    }
    if stdin {
        return note::read_stdin(what).map(Some);
    }
    Ok(None)
}
