//! Errors as data: a stable code, a message, details, and remedies — the
//! operations (with arguments) that would get the caller unstuck. Each face
//! renders a remedy in its own terms (CLI flags, an MCP tool call, a web button);
//! none of them ever offers `force` first.

use docket_core::Error;
use docket_core::workflow::Verdict;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// Result of every API operation.
pub type ApiResult<T> = Result<T, ApiError>;

/// Every operation a remedy can point at. Faces map each to their own syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Init,
    Info,
    Prime,
    Check,
    List,
    Ready,
    Search,
    Show,
    Create,
    Update,
    Advance,
    Explain,
    Start,
    Close,
    Reopen,
    Status,
    Note,
    Comment,
    PlanWrite,
    Dep,
    Undep,
    Delete,
    Claim,
    SessionStart,
    SessionEnd,
    RoleCreate,
    Log,
    Stats,
    ContextList,
    ContextAdd,
    ContextUpdate,
    DocList,
    DocAdd,
    /// `docket trust`: a person trusts the runner config on their machine
    /// (no agent face offers it: an agent must not trust commands for them).
    Trust,
}

impl Op {
    /// The operation's name as it appears in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Op::Init => "init",
            Op::Info => "info",
            Op::Prime => "prime",
            Op::Check => "check",
            Op::List => "list",
            Op::Ready => "ready",
            Op::Search => "search",
            Op::Show => "show",
            Op::Create => "create",
            Op::Update => "update",
            Op::Advance => "advance",
            Op::Explain => "explain",
            Op::Start => "start",
            Op::Close => "close",
            Op::Reopen => "reopen",
            Op::Status => "status",
            Op::Note => "note",
            Op::Comment => "comment",
            Op::PlanWrite => "plan_write",
            Op::Dep => "dep",
            Op::Undep => "undep",
            Op::Delete => "delete",
            Op::Claim => "claim",
            Op::SessionStart => "session_start",
            Op::SessionEnd => "session_end",
            Op::RoleCreate => "role_create",
            Op::Log => "log",
            Op::Stats => "stats",
            Op::ContextList => "context_list",
            Op::ContextAdd => "context_add",
            Op::ContextUpdate => "context_update",
            Op::DocList => "doc_list",
            Op::DocAdd => "doc_add",
            Op::Trust => "trust",
        }
    }
}

/// Who can apply a remedy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Who {
    /// The caller, as they are.
    Caller,
    /// A different session than the caller's (plan approval, verification).
    AnotherSession,
    /// A session with this role (or a custom role mapped to it).
    Role(String),
    /// A person editing files by hand.
    Person,
}

impl Who {
    fn is_caller(&self) -> bool {
        *self == Who::Caller
    }
}

/// One way out of an error: an operation, its arguments, who can do it, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Remedy {
    pub op: Op,
    /// Arguments by request field name (`id`, `ac`, `done`, `to`, `force`, …).
    pub args: Map<String, Value>,
    #[serde(skip_serializing_if = "Who::is_caller")]
    pub by: Who,
    pub why: String,
}

impl Remedy {
    /// A remedy the caller can apply.
    pub fn new(op: Op, args: Value, why: impl Into<String>) -> Remedy {
        Remedy {
            op,
            args: match args {
                Value::Object(m) => m,
                _ => Map::new(),
            },
            by: Who::Caller,
            why: why.into(),
        }
    }

    /// The same remedy, for someone else.
    pub fn by(mut self, who: Who) -> Remedy {
        self.by = who;
        self
    }

    /// Whether this remedy overrides a rule (`force` or `steal`): faces show
    /// those last, or not at all.
    pub fn forces(&self) -> bool {
        ["force", "steal"]
            .iter()
            .any(|k| self.args.get(*k).and_then(Value::as_bool) == Some(true))
    }
}

/// A failed operation, as every face receives it.
#[derive(Debug, Clone, Serialize)]
pub struct ApiError {
    /// Stable machine code (docs/JSON.md).
    pub code: &'static str,
    pub message: String,
    /// What would help, best first; a `force` remedy always comes last.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remedies: Vec<Remedy>,
    /// Structured facts of the error (input, candidates, failing guards, …).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub details: Map<String, Value>,
    /// The core error, when it came from the core (faces may inspect it).
    #[serde(skip)]
    pub source: Option<std::sync::Arc<Error>>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// An `invalid_argument` error raised by a face or the API itself.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::from(Error::invalid(message))
    }

    /// Add a remedy (kept before any `force` remedy).
    pub fn with_remedy(mut self, r: Remedy) -> ApiError {
        self.remedies.push(r);
        self.remedies.sort_by_key(Remedy::forces);
        self
    }

    /// The core error this came from, if any.
    pub fn core(&self) -> Option<&Error> {
        self.source.as_deref()
    }
}

fn id_arg(id: &str) -> Value {
    json!({ "id": id })
}

/// Remedies for each failing guard of a refused move, then `force` when allowed.
fn guard_remedies(id: &str, to: Option<&str>, failing: &[Verdict]) -> Vec<Remedy> {
    let mut out = Vec::new();
    let no_plan = failing.iter().any(|v| v.guard == "plan_present");
    // What the caller can fix comes before what needs someone else.
    let mut failing: Vec<&Verdict> = failing.iter().collect();
    failing.sort_by_key(|v| {
        matches!(
            v.guard,
            "plan_approved_by_other_session" | "verifier_not_implementer" | "role"
        )
    });
    for v in failing.iter().copied() {
        match v.guard {
            "plan_present" => out.push(Remedy::new(
                Op::PlanWrite,
                json!({ "id": id, "text": "<the plan>" }),
                "write a plan first",
            )),
            // Approval waits for a plan: that remedy comes once one exists.
            "plan_approved_by_other_session" if no_plan => {}
            "plan_approved_by_other_session" | "verifier_not_implementer" => out.push(
                Remedy::new(Op::Advance, id_arg(id), v.message.clone()).by(Who::AnotherSession),
            ),
            "role" => {
                let role = v
                    .items
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "architect".into());
                out.push(
                    Remedy::new(Op::Advance, id_arg(id), v.message.clone()).by(Who::Role(role)),
                )
            }
            "acceptance_complete" => {
                for title in &v.items {
                    out.push(Remedy::new(
                        Op::Update,
                        json!({ "id": id, "ac": title, "done": true }),
                        "check the criterion once it holds",
                    ));
                }
            }
            "children_done" => {
                for child in &v.items {
                    out.push(Remedy::new(
                        Op::Close,
                        id_arg(child),
                        "close the open child",
                    ));
                }
            }
            "deps_done" => {
                for dep in &v.items {
                    out.push(Remedy::new(
                        Op::Show,
                        id_arg(dep),
                        "finish the open dependency",
                    ));
                }
            }
            _ => {}
        }
    }
    if !failing.is_empty() && failing.iter().all(|v| v.forceable) {
        let mut args = json!({ "id": id, "force": true, "reason": "<why>" });
        if let Some(to) = to {
            args["to"] = json!(to);
        }
        out.push(Remedy::new(
            Op::Advance,
            args,
            "override, recorded as a violation in the audit log",
        ));
    }
    out
}

fn verdicts_json(failing: &[Verdict]) -> Value {
    json!(failing)
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let mut details = Map::new();
        let mut remedies = Vec::new();
        let mut put = |k: &str, v: Value| {
            details.insert(k.into(), v);
        };
        match &e {
            Error::NoProject { .. } => {
                remedies.push(Remedy::new(Op::Init, json!({}), "create a project here"))
            }
            Error::AlreadyExists { path } => put("path", json!(path.to_string_lossy())),
            Error::NotFound { input } => {
                put("input", json!(input));
                remedies.push(Remedy::new(
                    Op::List,
                    json!({ "all": true }),
                    "find the id among all tickets",
                ));
            }
            Error::AmbiguousId { input, candidates } => {
                put("input", json!(input));
                put("candidates", json!(candidates));
                for c in candidates.iter().take(5) {
                    remedies.push(Remedy::new(Op::Show, id_arg(c), "one of the matches"));
                }
            }
            Error::Cycle { path } => {
                put("cycle", json!(path));
                if let [a, b, ..] = path.as_slice() {
                    remedies.push(Remedy::new(
                        Op::Undep,
                        json!({ "id": a, "on": b }),
                        "remove one edge of the cycle",
                    ));
                }
            }
            Error::AcceptanceIncomplete {
                id, open, failing, ..
            } => {
                put("id", json!(id));
                put(
                    "open_acceptance",
                    Value::Array(open.iter().map(|t| json!({ "title": t })).collect()),
                );
                put("failing", verdicts_json(failing));
                remedies = guard_remedies(id, None, failing);
            }
            Error::OpenChildren {
                id,
                children,
                failing,
            } => {
                put("id", json!(id));
                put("children", json!(children));
                put("failing", verdicts_json(failing));
                remedies = guard_remedies(id, None, failing);
            }
            Error::HasIncomingRefs { id, referrers } => {
                put("id", json!(id));
                put("referrers", json!(referrers));
                for r in referrers {
                    remedies.push(Remedy::new(
                        Op::Undep,
                        json!({ "id": r, "on": id }),
                        "remove the reference",
                    ));
                }
                remedies.push(Remedy::new(
                    Op::Delete,
                    json!({ "id": id, "cascade": true }),
                    "delete and remove every reference to it",
                ));
            }
            Error::TransitionNotAllowed { id, from, to } => {
                put("id", json!(id));
                put("from", json!(from));
                put("to", json!(to));
                remedies.push(Remedy::new(
                    Op::Explain,
                    id_arg(id),
                    "see the moves the workflow allows from here",
                ));
            }
            Error::GuardFailed {
                id,
                guard,
                forceable,
                failing,
                ..
            } => {
                put("id", json!(id));
                put("guard", json!(guard));
                put("forceable", json!(forceable));
                put("failing", verdicts_json(failing));
                remedies = guard_remedies(id, None, failing);
                if !*forceable {
                    remedies.retain(|r| !r.forces());
                }
            }
            Error::NoSuchCriterion { id, title, known } => {
                put("id", json!(id));
                put("title", json!(title));
                put("known", json!(known));
                for k in known {
                    remedies.push(Remedy::new(
                        Op::Update,
                        json!({ "id": id, "ac": k, "done": true }),
                        "a criterion the ticket has",
                    ));
                }
            }
            Error::NoSession { .. } => remedies.push(Remedy::new(
                Op::SessionStart,
                json!({ "role": "implementer" }),
                "start a session (architect or implementer)",
            )),
            Error::UnknownRole { role, known } => {
                put("role", json!(role));
                put("known", json!(known));
                remedies.push(Remedy::new(
                    Op::RoleCreate,
                    json!({ "name": role, "like": "implementer" }),
                    "define the role",
                ));
            }
            Error::RoleInUse { sessions, .. } => put("sessions", json!(sessions)),
            Error::RunCycle { tickets } => put("tickets", json!(tickets)),
            Error::SequenceConflict { ticket, dep, .. } => put("tickets", json!([ticket, dep])),
            Error::DirtyTree { paths } => put("paths", json!(paths)),
            Error::RunnerUntrusted {
                project,
                hash,
                changed,
                commands,
                templates,
                ..
            } => {
                put("project", json!(project.to_string_lossy()));
                put("hash", json!(hash));
                put("changed", json!(changed));
                put("commands", json!(commands));
                put("templates", json!(templates));
                remedies.push(
                    Remedy::new(
                        Op::Trust,
                        json!({}),
                        "review the commands and templates, then trust them on this machine",
                    )
                    .by(Who::Person),
                );
            }
            Error::TemplateOutside { name, path, reason } => {
                put("name", json!(name));
                put("path", json!(path.to_string_lossy()));
                put("reason", json!(reason));
            }
            Error::AgentRedefined { name } => put("name", json!(name)),
            Error::EntryNotFound { what, key } => {
                put("key", json!(key));
                let doc = *what == "document";
                remedies.push(Remedy::new(
                    if doc { Op::DocList } else { Op::ContextList },
                    json!({}),
                    "see the existing keys",
                ));
                if !doc {
                    remedies.push(Remedy::new(
                        Op::ContextAdd,
                        json!({ "key": key, "body": "<text>" }),
                        "add it",
                    ));
                }
            }
            Error::EntryExists { what, key } => {
                put("key", json!(key));
                remedies.push(if *what == "document" {
                    Remedy::new(Op::DocList, json!({}), "choose a slug not in use")
                } else {
                    Remedy::new(
                        Op::ContextUpdate,
                        json!({ "key": key, "body": "<text>" }),
                        "replace it",
                    )
                });
            }
            Error::ConfigInvalid { path, .. }
            | Error::Parse { path, .. }
            | Error::Io { path, .. } => {
                put("path", json!(path.to_string_lossy()));
                if matches!(e, Error::Parse { .. }) {
                    remedies.push(
                        Remedy::new(Op::Check, json!({}), "fix the file by hand, then check")
                            .by(Who::Person),
                    );
                }
            }
            Error::DuplicateId { id, paths } => {
                put("id", json!(id));
                put(
                    "paths",
                    json!(
                        paths
                            .iter()
                            .map(|p| p.to_string_lossy())
                            .collect::<Vec<_>>()
                    ),
                );
                remedies.push(
                    Remedy::new(
                        Op::Check,
                        json!({}),
                        "keep one file per id by hand, then check",
                    )
                    .by(Who::Person),
                );
            }
            Error::IdMismatch {
                path,
                file_id,
                meta_id,
            } => {
                put("path", json!(path.to_string_lossy()));
                put("file_id", json!(file_id));
                put("meta_id", json!(meta_id));
                remedies.push(
                    Remedy::new(
                        Op::Check,
                        json!({}),
                        "make the file name and frontmatter id agree by hand, then check",
                    )
                    .by(Who::Person),
                );
            }
            Error::Claimed {
                id,
                holder,
                session,
                since,
            } => {
                put("id", json!(id));
                put("holder", json!(holder));
                put("session", json!(session));
                put("since", json!(since));
                remedies.push(Remedy::new(
                    Op::Claim,
                    json!({ "next": true }),
                    "pick another ready ticket",
                ));
                remedies.push(Remedy::new(
                    Op::Claim,
                    json!({ "id": id, "steal": true, "reason": "<why>" }),
                    "take it over, recorded as a violation",
                ));
            }
            Error::NothingReady { .. } => remedies.push(Remedy::new(
                Op::List,
                json!({}),
                "see what is open; blocked work waits on its dependencies",
            )),
            Error::PlanFrozen { .. } => {}
            Error::EditNotSaved { id, recovery, .. } => {
                put("id", json!(id));
                if let Some(r) = recovery {
                    put("recovery", json!(r.to_string_lossy()));
                }
            }
            Error::InvalidArgument { .. }
            | Error::NotInteractive { .. }
            | Error::RunnerFailed { .. } => {}
        }
        remedies.sort_by_key(Remedy::forces);
        ApiError {
            code: e.code(),
            message: e.to_string(),
            remedies,
            details,
            source: Some(std::sync::Arc::new(e)),
        }
    }
}
