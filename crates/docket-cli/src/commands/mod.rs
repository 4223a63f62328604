//! One module per command family; each holds its clap args and its handler.

pub mod agents;
pub mod check;
pub mod claim;
pub mod create;
pub mod delete;
pub mod demo;
pub mod edit;
pub mod gen_cmd;
pub mod graph;
pub mod info;
pub mod init;
pub mod interop;
pub mod knowledge;
pub mod lifecycle;
pub mod listing;
pub mod man;
pub mod merge_driver;
pub mod monitor;
pub mod note;
pub mod plan;
pub mod prime;
pub mod run;
pub mod serve;
pub mod session;
pub mod show;
pub mod stats;
pub mod trust;
pub mod update;
pub mod usage;
pub mod watch;

use std::path::Path;

use docket_api::view::Changed;
use docket_core::Error;

use crate::output::{Printer, SCHEMA_V3};
use crate::render;

/// Print the lean result of a single-ticket write (schema 2): the id, its
/// short form, the status and what changed; people get one line. The write's
/// warnings go to stderr and, in JSON, to `meta.warnings`.
pub fn print_changed(printer: &mut Printer, verb: &str, c: &Changed) {
    if !c.warnings.is_empty() {
        for w in &c.warnings {
            printer.warn(w);
        }
        let meta = serde_json::json!({ "warnings": c.warnings });
        let mut data = c.clone();
        data.warnings.clear();
        printer
            .schema(SCHEMA_V3)
            .success(&data, Some(meta), || changed_text(verb, &data));
        return;
    }
    printer
        .schema(SCHEMA_V3)
        .success(c, None, || changed_text(verb, c));
}

/// The one line people get for a write.
fn changed_text(verb: &str, c: &Changed) -> String {
    if c.changed.is_empty() && c.logged.is_empty() {
        return format!(
            "{} (no change)",
            render::changed_line("unchanged", &c.short, &c.ticket)
        );
    }
    let mut s = render::changed_line(verb, &c.short, &c.ticket);
    if let Some(a) = &c.archived_to {
        s.push_str(&format!("\n  archived to {a}"));
    }
    s
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
