//! Run one docket command in-process, exactly as the CLI would, and capture its
//! JSON envelope instead of printing it. This is what makes the MCP face return
//! the CLI's data and error codes and pass through the CLI's guards: it *is* the
//! CLI's parser and dispatcher.

use std::ffi::OsString;
use std::path::Path;

use serde_json::{Value, json};

use crate::cli;
use crate::context;
use crate::output::{Printer, SCHEMA_VERSION};

/// What one command produced.
#[derive(Debug)]
pub struct Ran {
    /// The `--json` envelope, parsed.
    pub envelope: Value,
    /// The plain-text form a person would have seen.
    pub text: String,
    /// Warnings that would have gone to stderr.
    pub warnings: Vec<String>,
}

impl Ran {
    /// Whether the command failed (an `error` envelope).
    pub fn is_error(&self) -> bool {
        self.envelope.get("error").is_some()
    }

    pub(super) fn internal(message: String) -> Ran {
        Ran {
            envelope: json!({ "schema_version": SCHEMA_VERSION, "ok": false,
                               "error": { "code": "internal", "message": message } }),
            text: String::new(),
            warnings: Vec::new(),
        }
    }
}

static RUNNING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Run `docket --json -C <root> [--session S] <args...>` in this process.
/// Blocking: call it from `spawn_blocking`.
pub fn run(root: &Path, session: Option<&str>, args: Vec<String>) -> Ran {
    let mut argv: Vec<OsString> = vec!["docket".into(), "--json".into(), "-C".into()];
    argv.push(root.as_os_str().to_owned());
    if let Some(s) = session {
        argv.push(format!("--session={s}").into());
    }
    argv.extend(args.into_iter().map(OsString::from));
    let mut printer = Printer::capturing();
    // Commands run one at a time: the CLI keeps per-invocation state in process
    // globals (the session to touch on success), written for one command a process.
    let _one = RUNNING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    context::discard_pending_touch();
    // A panic in a command must not take the server down with it.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match cli::parse_embedded(&argv) {
            Ok(parsed) => match cli::dispatch(parsed, &mut printer) {
                Ok(0) => context::touch_session(),
                Ok(_) => context::discard_pending_touch(),
                Err(err) => {
                    context::discard_pending_touch();
                    printer.error(&err);
                }
            },
            Err(err) => {
                printer.error(&err);
            }
        }
        printer.take_capture().unwrap_or_default()
    }));
    let cap = match outcome {
        Ok(cap) => cap,
        Err(_) => return Ran::internal("the command panicked; nothing was written".into()),
    };
    match serde_json::from_str::<Value>(&cap.envelope) {
        Ok(envelope) => Ran {
            envelope,
            text: cap.text,
            warnings: cap.warnings,
        },
        Err(e) => Ran::internal(format!("the command printed no JSON envelope: {e}")),
    }
}

/// The result of a call whose worker thread could not finish.
pub fn run_failed(why: &str) -> Ran {
    Ran::internal(format!("the command did not finish: {why}"))
}
