//! Typed errors of the core. Every variant carries a stable machine code
//! (`Error::code`) so every face (CLI, MCP, web) reports the same thing.

use std::path::PathBuf;

/// Result alias used across the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in docket's core, one variant per stable code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No `.docket/` folder in the start folder or any ancestor.
    #[error("no docket project found in {} or any parent folder", start.display())]
    NoProject { start: PathBuf },

    /// `init` refused because a project is already there.
    #[error("a docket project already exists at {}", path.display())]
    AlreadyExists { path: PathBuf },

    /// No ticket matches the given (partial) id.
    #[error("no ticket matches `{input}`")]
    NotFound { input: String },

    /// A partial id matches several tickets.
    #[error("`{input}` matches {} tickets: {}", candidates.len(), candidates.join(", "))]
    AmbiguousId {
        input: String,
        candidates: Vec<String>,
    },

    /// A new dependency edge would close a cycle.
    #[error("dependency would create a cycle: {}", path.join(" -> "))]
    Cycle { path: Vec<String> },

    /// A flag, value or combination of them is not acceptable.
    #[error("{message}")]
    InvalidArgument { message: String },

    /// The acceptance gate refused a move into a terminal status.
    #[error("{} of {} acceptance criteria are unchecked on {id}: {}", open.len(), total, open.join("; "))]
    AcceptanceIncomplete {
        id: String,
        open: Vec<String>,
        total: usize,
        /// Every failing guard of the refused move (faces list them all).
        failing: Vec<crate::workflow::Verdict>,
    },

    /// The children gate refused a move into a terminal status.
    #[error(
        "{id} has {} open child {}: {}",
        children.len(),
        if children.len() == 1 { "ticket" } else { "tickets" },
        children.join(", ")
    )]
    OpenChildren {
        id: String,
        children: Vec<String>,
        /// Every failing guard of the refused move.
        failing: Vec<crate::workflow::Verdict>,
    },

    /// Deletion refused because other tickets point at this one.
    #[error("{id} is referenced by {}", referrers.join(", "))]
    HasIncomingRefs { id: String, referrers: Vec<String> },

    /// The move is not declared by the workflow.
    #[error("{id}: no transition from `{from}` to `{to}` in this workflow")]
    TransitionNotAllowed {
        id: String,
        from: String,
        to: String,
    },

    /// A workflow guard refused the move.
    #[error("{id}: guard `{guard}` refused the move: {message}")]
    GuardFailed {
        id: String,
        guard: String,
        message: String,
        /// Whether `--force --reason` could pass it.
        forceable: bool,
        /// Every failing guard of the refused move.
        failing: Vec<crate::workflow::Verdict>,
    },

    /// Another live session holds the ticket's claim.
    #[error("{id} is claimed by {holder} since {since}")]
    Claimed {
        id: String,
        holder: String,
        session: Option<String>,
        since: String,
    },

    /// `claim --next` found nothing to pick up.
    #[error("{message}")]
    NothingReady { message: String },

    /// `update --ac` named a criterion the ticket does not have.
    #[error("no acceptance criterion titled exactly `{title}` on {id} (it has: {})", if known.is_empty() { "none".to_string() } else { known.join("; ") })]
    NoSuchCriterion {
        id: String,
        title: String,
        known: Vec<String>,
    },

    /// `.docket/config.toml` is unreadable or inconsistent.
    #[error("invalid config {}: {message}", path.display())]
    ConfigInvalid { path: PathBuf, message: String },

    /// A ticket file could not be parsed.
    #[error("cannot parse {}: {message}", path.display())]
    Parse { path: PathBuf, message: String },

    /// `edit` needs an interactive terminal.
    #[error("{message}")]
    NotInteractive { message: String },

    /// `edit` gave up: the edited text failed its check and the user stopped
    /// trying. The ticket file is untouched; the text is kept in `recovery`
    /// when there was any to keep.
    #[error(
        "the edit of {id} was not saved: {reason}{}",
        recovery
            .as_ref()
            .map(|p| format!("\nyour text is kept in {}", p.display()))
            .unwrap_or_default()
    )]
    EditNotSaved {
        id: String,
        reason: String,
        recovery: Option<PathBuf>,
    },

    /// A command needs a session and none is selected or the named one is gone.
    #[error("{message}")]
    NoSession { message: String },

    /// The plan cannot be written now: frozen by an approval, or not in planning.
    #[error("{message}")]
    PlanFrozen { message: String },

    /// A role that is neither built in nor defined in `.docket/roles.toml`.
    #[error("unknown role `{role}` (known: {})", known.join(", "))]
    UnknownRole { role: String, known: Vec<String> },

    /// `role delete` refused while an active session uses the role.
    #[error("role `{role}` is used by active session(s): {}", sessions.join(", "))]
    RoleInUse { role: String, sessions: Vec<String> },

    /// `docket run`: a dependency cycle among the tickets a run would take.
    #[error("dependency cycle among runnable tickets: {}", tickets.join(" -> "))]
    RunCycle { tickets: Vec<String> },

    /// `docket run`: a ticket's sequence says it runs before a ticket it depends on.
    #[error(
        "sequence conflict: {ticket} (sequence {sequence}) depends on {dep} (sequence {dep_sequence}), which would run later"
    )]
    SequenceConflict {
        ticket: String,
        sequence: String,
        dep: String,
        dep_sequence: String,
    },

    /// `docket run`: uncommitted changes at start and `--dirty-tree abort`.
    #[error("the working tree has {} uncommitted change(s): {}", paths.len(), paths.join(", "))]
    DirtyTree { paths: Vec<String> },

    /// `docket run`: the runner config defines commands or templates the user
    /// has not trusted on this machine (or changed them since): a cloned
    /// repository must not start programs of its own choosing unasked.
    #[error(
        "the runner config of {} {} on this machine; `docket run` would run:\n{}",
        project.display(),
        if *changed { "changed since you trusted it" } else { "is not trusted" },
        listing.join("\n")
    )]
    RunnerUntrusted {
        project: PathBuf,
        /// The hash `docket trust` would record now.
        hash: String,
        /// Trusted before, with a different hash.
        changed: bool,
        /// The repository-defined commands, one line each.
        commands: Vec<String>,
        /// The project's own prompt templates (paths relative to the project).
        templates: Vec<String>,
        /// Commands and templates as shown to people, one line each.
        listing: Vec<String>,
    },

    /// `docket run`: a prompt template resolves outside the project (an
    /// absolute path, `..`, or a symlink leading out).
    #[error("template `{name}` resolves outside the project ({reason})")]
    TemplateOutside {
        name: String,
        path: PathBuf,
        reason: String,
    },

    /// `docket run`: `[runner.agents.<name>]` reuses a built-in adapter's name
    /// without `override = true`.
    #[error(
        "[runner.agents.{name}] redefines the built-in adapter `{name}`; add `override = true` to that table to replace it on purpose (it then needs `docket trust`), or give the adapter another name"
    )]
    AgentRedefined { name: String },

    /// `docket run`: the agent program cannot be started, or git failed.
    #[error("{message}")]
    RunnerFailed { message: String },

    /// Two files claim one ticket id, or a write would replace another
    /// ticket's file: mutations refuse rather than pick one.
    #[error("ticket id {id} is held by more than one file: {}", paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    DuplicateId { id: String, paths: Vec<PathBuf> },

    /// A ticket file's name and its frontmatter `id` disagree: mutations
    /// refuse, since either could be the one other tickets mean.
    #[error("{} is named for {file_id} but its frontmatter says id: {meta_id}", path.display())]
    IdMismatch {
        path: PathBuf,
        file_id: String,
        meta_id: String,
    },

    /// No project context entry or document has this key (`context`, `doc`).
    #[error("no {what} `{key}`")]
    EntryNotFound { what: &'static str, key: String },

    /// A context entry or document with this key already exists.
    #[error("{what} `{key}` already exists")]
    EntryExists { what: &'static str, key: String },

    /// An I/O failure, always naming the path involved.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The stable machine-readable code documented in `docs/JSON.md`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NoProject { .. } => "no_project",
            Error::AlreadyExists { .. } => "already_exists",
            Error::NotFound { .. } => "not_found",
            Error::AmbiguousId { .. } => "ambiguous_id",
            Error::Cycle { .. } => "cycle",
            Error::InvalidArgument { .. } | Error::NoSuchCriterion { .. } => "invalid_argument",
            Error::AcceptanceIncomplete { .. } => "acceptance_incomplete",
            Error::OpenChildren { .. } => "open_children",
            Error::HasIncomingRefs { .. } => "has_incoming_refs",
            Error::TransitionNotAllowed { .. } => "transition_not_allowed",
            Error::GuardFailed { .. } => "guard_failed",
            Error::ConfigInvalid { .. } => "config_invalid",
            Error::Parse { .. } => "parse_error",
            Error::NotInteractive { .. } => "not_interactive",
            Error::EditNotSaved { .. } => "edit_not_saved",
            Error::NoSession { .. } => "no_session",
            Error::Claimed { .. } => "claimed",
            Error::NothingReady { .. } => "nothing_ready",
            Error::PlanFrozen { .. } => "plan_frozen",
            Error::UnknownRole { .. } => "unknown_role",
            Error::RoleInUse { .. } => "role_in_use",
            Error::RunCycle { .. } => "run_cycle",
            Error::SequenceConflict { .. } => "sequence_conflict",
            Error::DirtyTree { .. } => "dirty_tree",
            Error::RunnerFailed { .. } => "runner_failed",
            Error::RunnerUntrusted { .. } => "runner_untrusted",
            Error::TemplateOutside { .. } => "template_outside",
            Error::AgentRedefined { .. } => "agent_redefined",
            Error::DuplicateId { .. } => "duplicate_id",
            Error::IdMismatch { .. } => "id_mismatch",
            Error::EntryNotFound { .. } => "entry_not_found",
            Error::EntryExists { .. } => "entry_exists",
            Error::Io { .. } => "io_error",
        }
    }

    /// What the user (or agent) can do next, when there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoProject { .. } => {
                Some("run `docket init` in your repository root to create a project".into())
            }
            Error::AlreadyExists { .. } => {
                Some("pass --force to rewrite the config (tickets are kept)".into())
            }
            Error::NotFound { .. } => {
                Some("run `docket list --status <s>` or `docket closed` to find the id".into())
            }
            Error::AmbiguousId { .. } => Some("type more characters of the id".into()),
            Error::Cycle { .. } => Some("remove one edge of the cycle with `docket undep`".into()),
            Error::AcceptanceIncomplete { .. } => Some(
                "check them with `docket update <id> --ac \"<title>\" --done`, or pass --force --reason \"<why>\"".into(),
            ),
            Error::OpenChildren { .. } => {
                Some("close the children first, or pass --force --reason \"<why>\"".into())
            }
            Error::HasIncomingRefs { .. } => {
                Some("remove the references first, or pass --cascade".into())
            }
            Error::GuardFailed { forceable, .. } => Some(if *forceable {
                "run `docket advance <id> --explain` to see every guard; to override, pass --force --reason \"<why>\" (recorded as a violation)".into()
            } else {
                "this guard cannot be forced; satisfy it first (`docket advance <id> --explain`)".into()
            }),
            Error::TransitionNotAllowed { .. } => {
                Some("run `docket info` to see the workflow's transitions".into())
            }
            Error::ConfigInvalid { .. } => Some("fix .docket/config.toml".into()),
            Error::Parse { .. } => Some("fix the file by hand, then run `docket check`".into()),
            Error::DuplicateId { .. } => Some(
                "keep one of the files (or give the other a new id and name), then run `docket check`".into(),
            ),
            Error::IdMismatch { .. } => Some(
                "make the file name and the frontmatter `id` agree by hand, then run `docket check`".into(),
            ),
            Error::NoSession { .. } => Some(
                "start one with `docket session --role <architect|implementer>` (or set DOCKET_SESSION)".into(),
            ),
            Error::UnknownRole { .. } => {
                Some("create it with `docket role create <name> --like architect|implementer`".into())
            }
            Error::RoleInUse { .. } => Some("end those sessions first (`docket session --end`)".into()),
            Error::RunCycle { .. } => Some(
                "remove one edge of the cycle with `docket undep`; no agent was started".into(),
            ),
            Error::SequenceConflict { .. } => Some(
                "renumber with `docket update <id> --sequence N` or remove the dependency; no agent was started".into(),
            ),
            Error::DirtyTree { .. } => Some(
                "commit or stash first, or pass --dirty-tree salvage (commit them first) or --dirty-tree ignore".into(),
            ),
            Error::RunnerUntrusted { .. } => Some(
                "review the commands and templates above, then run `docket trust` (nothing was started or changed)".into(),
            ),
            Error::TemplateOutside { .. } => Some(
                "keep prompt templates inside the project: a plain name in .docket/templates/, no absolute paths, `..` or symlinks leading out".into(),
            ),
            Error::AgentRedefined { .. } => Some(
                "add `override = true` to the table, or rename the adapter".into(),
            ),
            Error::EntryNotFound { what, .. } => Some(format!(
                "run `docket {} list` to see the keys",
                if *what == "document" { "doc" } else { "context" }
            )),
            Error::EditNotSaved {
                id,
                recovery: Some(p),
                ..
            } => Some(format!(
                "fix it there and continue with `docket edit {id} --from {}`",
                p.display()
            )),
            Error::EntryExists { what, .. } => Some(if *what == "document" {
                "choose another slug, or archive the old document first".into()
            } else {
                "use `docket context update <key>` to replace it".into()
            }),
            _ => None,
        }
    }

    /// Shorthand for an [`Error::InvalidArgument`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            message: message.into(),
        }
    }

    /// Shorthand for an [`Error::Io`] naming `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
