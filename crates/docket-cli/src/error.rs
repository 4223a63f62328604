//! The one place errors become messages, exit codes and JSON error objects, and
//! where the API's remedies are rendered as command lines.

use docket_api::{ApiError, Op, Remedy, Who};
use docket_core::Error;
use serde_json::{Map, Value, json};

/// A failed command: an API (or core) error, a usage error, or an explicit exit code.
#[derive(Debug)]
pub enum CliError {
    Api(ApiError),
    /// Flag parsing failed (already rendered by clap).
    Usage(String),
    /// `check` uses exit 2 for "cannot scan".
    WithExit(ApiError, u8),
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Api(ApiError::from(e))
    }
}

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        CliError::Api(e)
    }
}

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    /// A core error with an explicit exit code.
    pub fn exit(e: impl Into<ApiError>, code: u8) -> CliError {
        CliError::WithExit(e.into(), code)
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::WithExit(_, code) => *code,
            _ => 1,
        }
    }

    fn api(&self) -> Option<&ApiError> {
        match self {
            CliError::Api(e) | CliError::WithExit(e, _) => Some(e),
            CliError::Usage(_) => None,
        }
    }

    pub fn message(&self) -> String {
        match self {
            CliError::Usage(m) => m.clone(),
            CliError::Api(e) | CliError::WithExit(e, _) => e.message.clone(),
        }
    }

    /// What to do next, for people: the remedies as command lines, one per
    /// line, else the core's hint.
    pub fn hint(&self) -> Option<String> {
        self.hint_with("\n        or: ")
    }

    fn hint_with(&self, sep: &str) -> Option<String> {
        let Some(e) = self.api() else {
            return Some("run with --help to see the accepted flags".into());
        };
        if e.remedies.is_empty() {
            return e.core().and_then(Error::hint);
        }
        let lines: Vec<String> = e.remedies.iter().take(4).map(render_remedy).collect();
        let more = e.remedies.len().saturating_sub(4);
        let mut s = lines.join(sep);
        if more > 0 {
            s.push_str(&format!("{sep}{more} more (see remedies in --json)"));
        }
        Some(s)
    }

    pub fn code(&self) -> &'static str {
        match self.api() {
            Some(e) => e.code,
            None => "invalid_argument",
        }
    }

    /// The JSON `error` object: code, message, hint, remedies (with their command
    /// lines) and the error's details.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("code".into(), json!(self.code()));
        obj.insert("message".into(), json!(self.message()));
        if let Some(h) = self.hint_with("; or ") {
            obj.insert("hint".into(), json!(h));
        }
        if let Some(e) = self.api() {
            if !e.remedies.is_empty() {
                let rs: Vec<Value> = e
                    .remedies
                    .iter()
                    .map(|r| {
                        let mut v = serde_json::to_value(r).unwrap_or_default();
                        v["command"] = json!(command_line(r));
                        v
                    })
                    .collect();
                obj.insert("remedies".into(), Value::Array(rs));
            }
            for (k, v) in &e.details {
                obj.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        Value::Object(obj)
    }
}

/// The command, and which request fields are positional, for each operation.
fn command_of(op: Op) -> (&'static str, &'static [&'static str]) {
    match op {
        Op::Init => ("init", &[]),
        Op::Info => ("info", &[]),
        Op::Prime => ("prime", &[]),
        Op::Check => ("check", &[]),
        Op::List => ("list", &[]),
        Op::Ready => ("ready", &[]),
        Op::Search => ("search", &["text"]),
        Op::Show => ("show", &["id"]),
        Op::Create => ("create", &["title"]),
        Op::Update => ("update", &["id"]),
        Op::Advance => ("advance", &["id"]),
        Op::Explain => ("advance --explain", &["id"]),
        Op::Start => ("start", &["id"]),
        Op::Close => ("close", &["id"]),
        Op::Reopen => ("reopen", &["id"]),
        Op::Status => ("status", &["id", "to"]),
        Op::Note => ("add-note", &["id", "text"]),
        Op::Comment => ("comment", &["id", "text"]),
        Op::PlanWrite => ("plan", &["id"]),
        Op::Dep => ("dep", &["id", "on"]),
        Op::Undep => ("undep", &["id", "on"]),
        Op::Delete => ("delete", &["id"]),
        Op::Claim => ("claim", &["id"]),
        Op::SessionStart => ("session", &[]),
        Op::SessionEnd => ("session --end", &[]),
        Op::RoleCreate => ("role create", &["name"]),
        Op::Log => ("log", &["id"]),
        Op::Stats => ("stats", &[]),
        Op::ContextList => ("context list", &[]),
        Op::ContextAdd => ("context add", &["key"]),
        Op::ContextUpdate => ("context update", &["key"]),
        Op::DocList => ("doc list", &[]),
        Op::DocAdd => ("doc add", &["slug"]),
        Op::Trust => ("trust", &[]),
    }
}

/// Quote a value for a POSIX shell only when it needs it.
fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/:@=,+-".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The CLI flag for a request field, where the two names differ.
fn flag_of(op: Op, field: &str) -> String {
    match (op, field) {
        (Op::PlanWrite, "text") => "body".into(),
        _ => field.replace('_', "-"),
    }
}

/// A remedy as a `docket …` command line.
pub fn command_line(r: &Remedy) -> String {
    let (cmd, positional) = command_of(r.op);
    let mut out = format!("docket {cmd}");
    for name in positional {
        if let Some(v) = r.args.get(*name) {
            out.push(' ');
            out.push_str(&quote(&value_text(v)));
        }
    }
    for (k, v) in &r.args {
        if positional.contains(&k.as_str()) {
            continue;
        }
        match (k.as_str(), v) {
            ("done", Value::Bool(true)) => out.push_str(" --done"),
            ("done", Value::Bool(false)) => out.push_str(" --undone"),
            (_, Value::Bool(true)) => out.push_str(&format!(" --{}", flag_of(r.op, k))),
            (_, Value::Bool(false)) => {}
            _ => out.push_str(&format!(
                " --{} {}",
                flag_of(r.op, k),
                quote(&value_text(v))
            )),
        }
    }
    out
}

/// A remedy for people: who, the command, why.
fn render_remedy(r: &Remedy) -> String {
    let who = match &r.by {
        Who::Caller => String::new(),
        Who::AnotherSession => "another session: ".into(),
        Who::Role(role) => format!("a session with role {role}: "),
        Who::Person => "by hand: ".into(),
    };
    format!("{who}`{}` ({})", command_line(r), r.why)
}
