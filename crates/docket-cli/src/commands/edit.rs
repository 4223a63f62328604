//! `docket edit`: the whole file in $EDITOR, validated before it is saved.

use std::io::IsTerminal;

use clap::Args;
use docket_core::Error;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct EditArgs {
    /// Ticket id
    pub id: String,
}

pub fn run(g: &GlobalArgs, a: EditArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let t = cx.project.get(&a.id)?;
    require_terminal(
        "edit needs an interactive terminal; use `docket update` (or add-note) in scripts and agents",
    )?;
    let original = std::fs::read_to_string(&t.path).map_err(|e| Error::io(&t.path, e))?;
    let text = edit_text(&original, "docket-edit-")?;
    let c = docket_api::tickets::replace_text(&cx, &t.meta.id, &text)?;
    super::print_changed(printer, "edited", &c);
    Ok(0)
}

/// Refuse unless both stdin and stdout are a terminal (an editor needs one).
pub fn require_terminal(message: &str) -> Result<(), Error> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(Error::NotInteractive {
            message: message.into(),
        });
    }
    Ok(())
}

/// Let the user edit `initial` in $VISUAL/$EDITOR (default vi); returns the text.
pub fn edit_text(initial: &str, prefix: &str) -> Result<String, Error> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let tmp = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(".md")
        .tempfile()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    std::fs::write(tmp.path(), initial).map_err(|e| Error::io(tmp.path(), e))?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("docket-edit")
        .arg(tmp.path())
        .status()
        .map_err(|e| Error::io(&editor, e))?;
    if !status.success() {
        return Err(Error::invalid(format!(
            "editor `{editor}` exited with {status}; nothing saved"
        )));
    }
    std::fs::read_to_string(tmp.path()).map_err(|e| Error::io(tmp.path(), e))
}
