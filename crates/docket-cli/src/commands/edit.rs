//! `docket edit`: the whole file in $EDITOR, validated before it is saved.
//! A failed check reopens the editor with the error on top (as `kubectl edit`
//! does); giving up keeps the text in a recovery file. The ticket file is
//! only ever replaced by an edit that passes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use docket_api::ApiError;
use docket_core::Error;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct EditArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// Start from this file instead of the ticket (e.g. the recovery file of an edit that was not saved)
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
}

/// The lines put above the text when an edit failed its check; every line
/// starts with `#` and they are removed before the text is read again.
fn with_error(text: &str, e: &ApiError) -> String {
    let mut out = format!("# docket: this edit was not saved ({}):\n", e.code);
    for line in e.message.lines() {
        out.push_str(&format!("# error: {line}\n"));
    }
    out.push_str(
        "# Fix the text below and save to try again. To give up, save it unchanged\n\
         # or empty the file: your text is then kept in a recovery file.\n\
         # These `#` lines are removed before the text is read.\n",
    );
    out.push_str(text);
    out
}

/// The text without the `#` lines [`with_error`] put on top.
fn strip_error(text: &str) -> String {
    let mut rest = text;
    while rest.starts_with('#') {
        rest = match rest.find('\n') {
            Some(i) => &rest[i + 1..],
            None => "",
        };
    }
    rest.to_string()
}

pub fn run(g: &GlobalArgs, a: EditArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let t = cx.project.get(&a.id)?;
    require_terminal(
        "edit needs an interactive terminal; use `docket update` (or add-note) in scripts and agents",
    )?;
    let id = t.meta.id.clone();
    let start = a.from.as_deref().unwrap_or(&t.path);
    let mut text = std::fs::read_to_string(start).map_err(|e| Error::io(start, e))?;
    // The last check that failed, with the text that failed it (`text`).
    let mut failed: Option<ApiError> = None;
    loop {
        let shown = match &failed {
            Some(e) => with_error(&text, e),
            None => text.clone(),
        };
        let edited = match (edit_text(&shown, "docket-edit-"), &failed) {
            (Ok(s), Some(_)) => strip_error(&s),
            (Ok(s), None) => s,
            (Err(e), None) => return Err(e.into()),
            (Err(e), Some(_)) => return Err(give_up(&cx, &id, &text, &e.to_string()).into()),
        };
        if edited.trim().is_empty() || (failed.is_some() && edited == text) {
            return Err(match &failed {
                Some(e) => give_up(&cx, &id, &text, &e.message),
                None => Error::EditNotSaved {
                    id: id.to_string(),
                    reason: "the file was emptied".into(),
                    recovery: None,
                },
            }
            .into());
        }
        match docket_api::tickets::replace_text(&cx, &id, &edited) {
            Ok(c) => {
                super::print_changed(printer, "edited", &c);
                return Ok(0);
            }
            Err(e) => {
                text = edited;
                failed = Some(e);
            }
        }
    }
}

/// The user stopped trying: keep `text` in a recovery file (the project's
/// `.docket/local/recovery/`, else the temp folder) and say where.
fn give_up(cx: &docket_api::Context, id: &str, text: &str, reason: &str) -> Error {
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S").to_string();
    let name = format!("{id}-{stamp}.md");
    let recovery = [
        cx.project.local_dir().join("recovery"),
        std::env::temp_dir().join("docket-recovery"),
    ]
    .into_iter()
    .find_map(|dir| save_recovery(&dir, &name, text));
    Error::EditNotSaved {
        id: id.to_string(),
        reason: reason.lines().next().unwrap_or(reason).to_string(),
        recovery,
    }
}

fn save_recovery(dir: &Path, name: &str, text: &str) -> Option<PathBuf> {
    std::fs::create_dir_all(dir).ok()?;
    let path = dir.join(name);
    std::fs::write(&path, text).ok()?;
    Some(path)
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
