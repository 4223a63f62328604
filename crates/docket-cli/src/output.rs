//! All stdout/stderr writing goes through [`Printer`]: the JSON envelope is built
//! here and only here, and human text gets colour only on a terminal.

use std::io::Write;

use anstyle::{AnsiColor, Style};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::CliError;

/// Version of the JSON envelope for outputs whose shape never changed (`docs/JSON.md`).
pub const SCHEMA_VERSION: u32 = 1;

/// Version of the outputs reshaped by the typed API: `delete`, `import`,
/// `export`, `inbox` (`docs/JSON.md` lists them).
pub const SCHEMA_V2: u32 = 2;

/// Version of the outputs that name a ticket's handle `handle` (schema 2
/// called it `short`): lean write results, `show`, `prime`.
pub const SCHEMA_V3: u32 = 3;

/// The success envelope of `docs/JSON.md`.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    schema_version: u32,
    ok: bool,
    data: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<Value>,
}

/// Where output goes: stdout for data, stderr for warnings and errors.
pub struct Printer {
    pub json: bool,
    /// `schema_version` of this command's envelope.
    schema: u32,
}

/// Styles used by human output.
pub mod style {
    use super::*;
    pub use docket_api::text::{DIM, ID};
    pub const BOLD: Style = Style::new().bold();
    pub const OK: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
    pub const WARN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
    pub const ERR: Style = Style::new()
        .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
        .bold();
}

/// Wrap `text` in `style` (stripped later when stdout is not a terminal).
pub fn paint(style: Style, text: &str) -> String {
    if color_off() {
        // Not painting beats painting and stripping: a 10k-row table is big.
        return text.to_string();
    }
    format!("{style}{text}{style:#}")
}

/// Whether stdout gets colour: what [`paint`] decides, for callers that
/// write styled text in place.
pub fn color_on() -> bool {
    !color_off()
}

/// Whether stdout gets no colour (not a terminal, NO_COLOR, ...), decided once.
fn color_off() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| {
        anstream::AutoStream::choice(&std::io::stdout()) == anstream::ColorChoice::Never
    })
}

/// `n` with its noun, singular for exactly one: `count(1, "ticket", "tickets")`
/// is "1 ticket", `count(0, …)` "0 tickets".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How wide human tables may be: `None` means never truncate. Only a terminal
/// gets a limit (piped output stays whole, so scripts and files see full
/// titles); there `COLUMNS`, when set to a positive number, wins over the
/// terminal's own size, so a user or test can pin the width.
pub fn term_width() -> Option<usize> {
    use std::io::IsTerminal;
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0);
    columns.or_else(|| {
        terminal_size::terminal_size_of(&stdout)
            .map(|(w, _)| usize::from(w.0))
            .filter(|w| *w > 0)
    })
}

impl Printer {
    pub fn new(json: bool) -> Self {
        Printer {
            json,
            schema: SCHEMA_VERSION,
        }
    }

    /// Set the `schema_version` of this command's envelope (see [`SCHEMA_V2`]).
    pub fn schema(&mut self, version: u32) -> &mut Self {
        self.schema = version;
        self
    }

    /// Print a success whose `data` is rows already rendered as JSON,
    /// comma-separated (a listing's [`docket_api::query::JsonListing`]): the
    /// envelope [`Printer::success`] writes, with the rows put in as they are.
    /// JSON mode only.
    pub fn success_json_rows(
        &mut self,
        rows: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
        meta: Option<Value>,
    ) {
        const DATA: &str = "\"data\":[]";
        let env = Envelope {
            schema_version: self.schema,
            ok: true,
            data: &Vec::<()>::new(),
            meta,
        };
        // Only numbers and booleans come before `data`: its first match is it.
        let frame = serde_json::to_string(&env).unwrap_or_default();
        let Some(at) = frame.find(DATA) else {
            return self.success(&Vec::<()>::new(), None, String::new);
        };
        let (head, tail) = frame.split_at(at + DATA.len() - 1);
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        // A closed pipe (`docket list --json | head`) is not an error worth reporting.
        let _ = out
            .write_all(head.as_bytes())
            .and_then(|()| rows(&mut out))
            .and_then(|()| out.write_all(tail.as_bytes()))
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush());
    }

    /// Print a success: the envelope in JSON mode, `human()` otherwise.
    pub fn success<T: Serialize>(
        &mut self,
        data: &T,
        meta: Option<Value>,
        human: impl FnOnce() -> String,
    ) {
        if self.json {
            // Serialized straight from the data: no intermediate Value tree.
            let env = Envelope {
                schema_version: self.schema,
                ok: true,
                data,
                meta,
            };
            // Streamed into a buffered, locked stdout: a listing of 60k rows
            // is never held as one string.
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match serde_json::to_writer(&mut out, &env) {
                Ok(()) => {
                    // A closed pipe (`docket list | head`) is not an error worth reporting.
                    let _ = writeln!(out);
                    let _ = out.flush();
                }
                Err(e) if e.is_io() => {}
                Err(e) => {
                    // Nothing was written unless serialization failed midway;
                    // either way the error envelope gets its own line.
                    drop(out);
                    let line = json!({ "schema_version": SCHEMA_VERSION, "ok": false,
                            "error": { "code": "internal", "message": e.to_string() } })
                    .to_string();
                    self.stdout_line(&line);
                }
            }
        } else {
            let text = human();
            if !text.is_empty() {
                self.stdout_text(&text);
            }
        }
    }

    /// Like [`Printer::success`] but with an explicit `ok` (check mirrors health).
    pub fn verdict<T: Serialize>(&mut self, ok: bool, data: &T, human: impl FnOnce() -> String) {
        if self.json {
            let env = json!({ "schema_version": self.schema, "ok": ok, "data": data });
            self.stdout_line(&env.to_string());
        } else {
            self.stdout_text(&human());
        }
    }

    /// Report an error; returns the exit code.
    pub fn error(&mut self, err: &CliError) -> u8 {
        if self.json {
            let env = json!({ "schema_version": self.schema, "ok": false, "error": err.to_json() });
            self.stdout_line(&env.to_string());
        } else {
            let mut text = match err {
                CliError::Usage(m) => format!("{} {}", paint(style::ERR, "error:"), m.trim_end()),
                _ => format!("{} {}", paint(style::ERR, "error:"), err.message()),
            };
            if let Some(h) = err.hint() {
                text.push_str(&format!("\n  {} {h}", paint(style::DIM, "hint:")));
            }
            let mut e = anstream::stderr();
            let text = crate::render::escape_controls(&text, !color_off());
            let _ = writeln!(e, "{text}");
        }
        err.exit_code()
    }

    /// Human-only text on stdout (suppressed in JSON mode).
    pub fn text(&mut self, text: &str) {
        if !self.json {
            self.stdout_text(text);
        }
    }

    /// A diagnostic line on stderr, as is (e.g. `DOCKET_HOT_DEBUG`).
    pub fn debug(&mut self, text: &str) {
        let mut e = std::io::stderr();
        let text = crate::render::escape_controls(text, false);
        let _ = writeln!(e, "docket: {text}");
    }

    /// A warning on stderr (never on stdout, so JSON stays clean).
    pub fn warn(&mut self, text: &str) {
        let mut e = anstream::stderr();
        let text = crate::render::escape_controls(text, false);
        let _ = writeln!(e, "{} {text}", paint(style::WARN, "warning:"));
    }

    fn stdout_line(&mut self, line: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`docket list | head`) is not an error worth reporting.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    /// Human text: every control sequence but colour is escaped here, so no
    /// field docket forgot to escape can drive the terminal.
    fn stdout_text(&mut self, text: &str) {
        // Colour sequences are docket's own only when colour is on.
        let text = &*crate::render::escape_controls(text, !color_off());
        if color_off() {
            // Nothing to strip: write straight through.
            let mut out = std::io::stdout().lock();
            let _ = if text.ends_with('\n') {
                write!(out, "{text}")
            } else {
                writeln!(out, "{text}")
            };
            let _ = out.flush();
            return;
        }
        let mut out = anstream::stdout().lock();
        let _ = if text.ends_with('\n') {
            write!(out, "{text}")
        } else {
            writeln!(out, "{text}")
        };
        let _ = out.flush();
    }
}
