//! The one place errors become messages, exit codes and JSON error objects.

use docket_core::Error;
use serde_json::{Map, Value, json};

/// A failed command: a core error, a usage error, or an explicit exit code.
#[derive(Debug)]
pub enum CliError {
    Core(Error),
    /// Flag parsing failed (already rendered by clap).
    Usage(String),
    /// `check` uses exit 2 for "cannot scan".
    WithExit(Error, u8),
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Core(e)
    }
}

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::WithExit(_, code) => *code,
            _ => 1,
        }
    }

    pub fn message(&self) -> String {
        match self {
            CliError::Core(e) | CliError::WithExit(e, _) => e.to_string(),
            CliError::Usage(m) => m.clone(),
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Core(e) | CliError::WithExit(e, _) => e.hint(),
            CliError::Usage(_) => Some("run with --help to see the accepted flags".into()),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            CliError::Core(e) | CliError::WithExit(e, _) => e.code(),
            CliError::Usage(_) => "invalid_argument",
        }
    }

    /// The JSON `error` object: code, message, hint and the variant's details.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("code".into(), json!(self.code()));
        obj.insert("message".into(), json!(self.message()));
        if let Some(h) = self.hint() {
            obj.insert("hint".into(), json!(h));
        }
        if let CliError::Core(e) | CliError::WithExit(e, _) = self {
            match e {
                Error::AmbiguousId { input, candidates } => {
                    obj.insert("input".into(), json!(input));
                    obj.insert("candidates".into(), json!(candidates));
                }
                Error::NotFound { input } => {
                    obj.insert("input".into(), json!(input));
                }
                Error::Cycle { path } => {
                    obj.insert("cycle".into(), json!(path));
                }
                Error::AcceptanceIncomplete { id, open, .. } => {
                    obj.insert("id".into(), json!(id));
                    let items: Vec<Value> = open.iter().map(|t| json!({ "title": t })).collect();
                    obj.insert("open_acceptance".into(), Value::Array(items));
                }
                Error::OpenChildren { id, children, .. } => {
                    obj.insert("id".into(), json!(id));
                    obj.insert("children".into(), json!(children));
                }
                Error::HasIncomingRefs { id, referrers } => {
                    obj.insert("id".into(), json!(id));
                    obj.insert("referrers".into(), json!(referrers));
                }
                Error::GuardFailed {
                    id,
                    guard,
                    forceable,
                    ..
                } => {
                    obj.insert("id".into(), json!(id));
                    obj.insert("guard".into(), json!(guard));
                    obj.insert("forceable".into(), json!(forceable));
                }
                Error::TransitionNotAllowed { id, from, to } => {
                    obj.insert("id".into(), json!(id));
                    obj.insert("from".into(), json!(from));
                    obj.insert("to".into(), json!(to));
                }
                Error::RunCycle { tickets } => {
                    obj.insert("tickets".into(), json!(tickets));
                }
                Error::SequenceConflict { ticket, dep, .. } => {
                    obj.insert("tickets".into(), json!([ticket, dep]));
                }
                Error::DirtyTree { paths } => {
                    obj.insert("paths".into(), json!(paths));
                }
                Error::ConfigInvalid { path, .. }
                | Error::Parse { path, .. }
                | Error::Io { path, .. } => {
                    obj.insert("path".into(), json!(path.to_string_lossy()));
                }
                _ => {}
            }
        }
        Value::Object(obj)
    }
}
