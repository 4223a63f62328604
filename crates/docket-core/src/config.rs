//! Project configuration (`.docket/config.toml`): the workflow as data.
//!
//! Presets are nothing but config templates; once written, the file is the truth
//! and teams may edit statuses, transitions and guards freely.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::workflow::Guard;

/// The whole parsed `config.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub project: ProjectSection,
    pub workflow: Workflow,
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default)]
    pub sessions: SessionsConfig,
    /// The agent runner (`docket run`); every key is optional.
    #[serde(default)]
    pub runner: crate::runner::RunnerConfig,
}

/// Session housekeeping.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsConfig {
    /// Idle time after which `cleanup` expires a session, e.g. "4h" or "90m".
    pub idle_limit: Option<String>,
}

impl SessionsConfig {
    /// The idle limit in seconds (default 4 h).
    pub fn idle_limit_secs(&self) -> std::result::Result<i64, String> {
        match &self.idle_limit {
            None => Ok(crate::session::DEFAULT_IDLE_LIMIT_SECS),
            Some(text) => text
                .parse::<jiff::SignedDuration>()
                .map(|d| d.as_secs())
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| {
                    format!(
                        "sessions.idle_limit: `{text}` is not a duration like \"4h\" or \"90m\""
                    )
                }),
        }
    }
}

/// Identity of the project.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    /// Ticket ids are `<prefix>-<suffix>`.
    pub prefix: String,
    /// Ticket files larger than this are skipped with a warning (and reported
    /// by `check`) instead of read: a stray huge file must not stall every
    /// listing or exhaust memory.
    #[serde(default = "default_max_ticket_bytes")]
    pub max_ticket_bytes: u64,
}

/// 1 MB: far above any hand-written ticket, far below trouble.
pub const DEFAULT_MAX_TICKET_BYTES: u64 = 1_000_000;

fn default_max_ticket_bytes() -> u64 {
    DEFAULT_MAX_TICKET_BYTES
}

/// Statuses, types, modes and the transition rules between statuses.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// The preset this workflow started from (informational).
    #[serde(default)]
    pub preset: String,
    /// Every status, in board order.
    pub statuses: Vec<String>,
    /// Statuses that end a ticket's life; their files live in `archive/`.
    pub terminal: Vec<String>,
    /// The status `start` moves to; the acceptance gate guards moves out of it.
    pub active: String,
    /// The status in which plans are written; leaving it freezes the plan.
    /// Without one, plans may be written in any open status and never freeze.
    #[serde(default)]
    pub planning: Option<String>,
    pub types: Vec<String>,
    #[serde(default = "default_modes")]
    pub modes: Vec<String>,
    /// Allowed moves; a move is allowed when at least one rule matches it, and the
    /// guards of every matching rule apply.
    #[serde(default)]
    pub transitions: Vec<TransitionRule>,
    /// Stage metadata per status (`[workflow.stages.<status>]`): pipeline rank and
    /// whether `docket run` may hand tickets in it to an agent. Statuses without an
    /// entry are outside the stage order (like `blocked`).
    #[serde(default)]
    pub stages: indexmap::IndexMap<String, crate::runner::StageConfig>,
    /// Work-in-progress limits: most tickets per status (`in_progress = 3`).
    /// Enforced atomically by the `wip_limit` guard on every move into it.
    #[serde(default, skip_serializing_if = "indexmap::IndexMap::is_empty")]
    pub wip: indexmap::IndexMap<String, usize>,
    /// Most tickets per status for one session (or user without a session).
    #[serde(default, skip_serializing_if = "indexmap::IndexMap::is_empty")]
    pub wip_per_session: indexmap::IndexMap<String, usize>,
}

/// One declared move between statuses, with the guards that protect it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionRule {
    /// Status selectors: a name, `*`, `@terminal`, `@open` or `@active`.
    pub from: Vec<String>,
    pub to: Vec<String>,
    #[serde(default)]
    pub guards: Vec<String>,
    /// Roles allowed to make the move (the `role` guard); empty means anyone.
    /// A custom role passes when it or the built-in role it maps to is listed.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// Values a new ticket gets when the user does not say.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(rename = "type", default = "default_type")]
    pub kind: String,
    #[serde(default = "default_priority")]
    pub priority: i64,
    #[serde(default = "default_mode")]
    pub mode: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            kind: default_type(),
            priority: default_priority(),
            mode: default_mode(),
        }
    }
}

fn default_modes() -> Vec<String> {
    vec!["afk".into(), "hitl".into()]
}
fn default_type() -> String {
    "task".into()
}
fn default_priority() -> i64 {
    2
}
fn default_mode() -> String {
    "hitl".into()
}

/// Names of the presets `docket init --preset` accepts.
pub const PRESETS: &[&str] = &["simple", "plan-first", "pipeline"];

const SIMPLE_TEMPLATE: &str = r#"# docket project configuration.
# The workflow below is data: edit statuses, transitions and guards freely,
# then run `docket check` and `docket info` to see the result.

[project]
# Ticket ids are <prefix>-<suffix>, e.g. {prefix}-01kqa9shxy7z3m.
prefix = "{prefix}"

[workflow]
# The preset this workflow started from; the keys below are the truth.
preset = "simple"
# Every status, in board order.
statuses = ["open", "in_progress", "closed"]
# Statuses that end a ticket's life; their files live in .docket/archive/.
terminal = ["closed"]
# The status `docket start` moves to.
active = "in_progress"
types = ["task", "bug", "feature", "epic", "chore"]
modes = ["afk", "hitl"]

# Allowed moves. `from` and `to` take status names, "*" (any status),
# "@terminal", "@open" (any non-terminal status) or "@active".
# A move is allowed when some rule matches it; the guards of every matching
# rule apply. Guards: acceptance_complete, children_done, deps_done,
# plan_present, plan_approved_by_other_session, verifier_not_implementer;
# `roles = [...]` on a rule limits who may make the move (the role guard).
[[workflow.transitions]]
from = ["*"]
to = ["*"]

[[workflow.transitions]]
from = ["@active"]
to = ["@terminal"]
guards = ["acceptance_complete"]

[[workflow.transitions]]
from = ["@open"]
to = ["@terminal"]
guards = ["children_done"]

# Work-in-progress limits (the wip_limit guard, checked atomically): at most
# this many tickets in a status, and per session.
# [workflow.wip]
# in_progress = 3
# [workflow.wip_per_session]
# in_progress = 1

[defaults]
type = "task"
priority = 2      # 0 (highest) .. 4
mode = "hitl"     # afk: an agent may run it alone; hitl: needs a human

[sessions]
# `docket cleanup` expires sessions idle longer than this.
idle_limit = "4h"
"#;

const PLAN_FIRST_TEMPLATE: &str = r#"# docket project configuration: the plan-first workflow.
# Every piece of work gets a written plan that a different session approves
# before any code is written. The rules below are data: edit them freely, then
# run `docket check` and `docket info` to see the result.

[project]
# Ticket ids are <prefix>-<suffix>, e.g. {prefix}-01kqa9shxy7z3m.
prefix = "{prefix}"

[workflow]
preset = "plan-first"
# Every status, in board order. `docket advance` moves to the next one.
statuses = ["todo", "planning", "in_progress", "done", "verified", "archived", "cancelled"]
# Statuses that end a ticket's life; their files live in .docket/archive/.
terminal = ["archived", "cancelled"]
# The status `docket start` moves to (through the same guards).
active = "in_progress"
# Plans are written here (`docket plan`); leaving it freezes the plan.
planning = "planning"
types = ["task", "bug", "feature", "epic", "chore"]
modes = ["afk", "hitl"]

# Allowed moves. `from` and `to` take status names, "*", "@terminal",
# "@open" (any non-terminal status) or "@active". A move is allowed when some
# rule matches it; the guards and roles of every matching rule apply.
# Guards: role (via `roles`), plan_present, plan_approved_by_other_session,
# verifier_not_implementer, deps_done, acceptance_complete, children_done.
# Custom roles (`docket role create`) pass as the built-in role they map to.

# Anyone with a session picks a ticket up for planning.
[[workflow.transitions]]
from = ["todo"]
to = ["planning"]
roles = ["architect", "implementer"]

# Approval: an architect who did not write the plan moves it to work.
[[workflow.transitions]]
from = ["planning"]
to = ["in_progress"]
roles = ["architect"]
guards = ["plan_present", "plan_approved_by_other_session", "deps_done"]

# Submit for review.
[[workflow.transitions]]
from = ["in_progress"]
to = ["done"]
roles = ["implementer"]
guards = ["acceptance_complete"]

# Review against the frozen plan: verify, or send back for rework.
[[workflow.transitions]]
from = ["done"]
to = ["verified"]
roles = ["architect"]
guards = ["verifier_not_implementer", "children_done"]

[[workflow.transitions]]
from = ["done"]
to = ["in_progress"]
roles = ["architect"]

[[workflow.transitions]]
from = ["verified"]
to = ["archived"]
roles = ["architect"]
guards = ["children_done"]

# Cancel from any open status; revive a cancelled ticket.
[[workflow.transitions]]
from = ["@open"]
to = ["cancelled"]
roles = ["architect"]

[[workflow.transitions]]
from = ["cancelled"]
to = ["todo"]
roles = ["architect"]

# Stages for `docket run` (docs/RUNNER.md): agents plan (implementer), approve
# (architect), implement (implementer) and verify (architect), each run in its
# own session, so every plan is approved by a session other than its author.
[workflow.stages.todo]
rank = 0
runnable = true
role = "implementer"
prompt = "plan-first-plan.md"

[workflow.stages.planning]
rank = 1
runnable = true
role = "architect"
prompt = "plan-first-approve.md"

[workflow.stages.in_progress]
rank = 2
runnable = true
role = "implementer"
prompt = "plan-first-implement.md"

[workflow.stages.done]
rank = 3
runnable = true
role = "architect"
prompt = "plan-first-verify.md"

[workflow.stages.verified]
rank = 4

# Work-in-progress limits (the wip_limit guard, checked atomically): at most
# this many tickets in a status, and per session.
# [workflow.wip]
# in_progress = 3
# [workflow.wip_per_session]
# in_progress = 1

[defaults]
type = "task"
priority = 2      # 0 (highest) .. 4
mode = "hitl"     # afk: an agent may run it alone; hitl: needs a human

[sessions]
# `docket cleanup` expires sessions idle longer than this.
idle_limit = "4h"
"#;

const PIPELINE_TEMPLATE: &str = r#"# docket project configuration: the `pipeline` preset (tess-like stages).
# Coding agents work tickets through the stages with `docket run`; see
# docs/RUNNER.md. The workflow below is data: edit it freely, then run
# `docket check` and `docket info`.

[project]
# Ticket ids are <prefix>-<suffix>, e.g. {prefix}-01kqa9shxy7z3m.
prefix = "{prefix}"

[workflow]
preset = "pipeline"
# Every status, in board order. New tickets start in the first one that is
# neither terminal nor active (backlog).
statuses = ["backlog", "fix", "plan", "implement", "review", "complete", "blocked"]
terminal = ["complete"]
# The status `docket start` moves to.
active = "implement"
types = ["task", "bug", "feature", "epic", "chore"]
modes = ["afk", "hitl"]

# Any move is allowed; agents advance tickets one stage at a time.
[[workflow.transitions]]
from = ["*"]
to = ["*"]

[[workflow.transitions]]
from = ["@open"]
to = ["@terminal"]
guards = ["children_done"]

# Stages: `rank` orders them (equal rank = peer stages: fix and plan); a
# dependency is satisfied for the runner when it is terminal or in a strictly
# later stage. `runnable` stages are handed to agents by `docket run`, with the
# `role` of the agent's session and the `prompt` template (a file in
# .docket/templates/, defaults built in). `next` is where a finished stage goes.
# `manual = true` keeps a stage out of the default `--stages` set.
# Optional per stage: model = "...", effort = "...".
# Statuses without a stage (blocked) are parked outside the pipeline.
[workflow.stages.backlog]
rank = 0
runnable = true
manual = true
role = "architect"
prompt = "backlog.md"
next = "plan"

[workflow.stages.fix]
rank = 1
runnable = true
role = "implementer"
prompt = "fix.md"
next = "implement"

[workflow.stages.plan]
rank = 1
runnable = true
role = "architect"
prompt = "plan.md"
next = "implement"

[workflow.stages.implement]
rank = 2
runnable = true
role = "implementer"
prompt = "implement.md"
next = "review"

[workflow.stages.review]
rank = 3
runnable = true
role = "architect"
prompt = "review.md"
next = "complete"

[workflow.stages.complete]
rank = 4

# Work-in-progress limits (the wip_limit guard, checked atomically): at most
# this many tickets in a status, and per session.
# [workflow.wip]
# implement = 3
# [workflow.wip_per_session]
# implement = 1

[defaults]
type = "task"
priority = 2      # 0 (highest) .. 4
mode = "afk"      # afk: an agent may run it alone; hitl: needs a human

[sessions]
idle_limit = "4h"

[runner]
# Agent adapter: claude, codex, cursor, auggie, or a [runner.agents.<name>] below.
agent = "claude"
strategy = "batch"         # batch, chase or live
idle_timeout = "10m"       # kill an agent silent this long (whole process tree)
max_deletions = 5          # refuse a per-ticket commit deleting more files
commit = true              # one git commit per ticket
modes = ["afk"]            # run only tickets in these modes (hitl waits for a person)
# max_chain = 6            # chase: stage moves per ticket
# model = "..."            # default model for every stage
# effort = "..."           # default effort

# Model and effort by ticket tier (difficulty), over the stage's own:
# [runner.tiers.critical]
# model = "opus"
# effort = "high"

# A generic adapter: any CLI that takes a prompt. Placeholders: {prompt_file},
# {prompt}, {model}, {effort}, {ticket}, {stage}. `stdin = true` pipes the
# prompt in; `format` is "text", "claude" (stream-json) or "codex" (exec --json).
# `docket run` starts it only after you run `docket trust` on your machine.
# [runner.agents.mine]
# command = ["my-agent", "--prompt-file", "{prompt_file}"]
# model_args = ["--model", "{model}"]
"#;

/// The commented `config.toml` text for a preset, or `None` for an unknown preset.
pub fn preset_template(preset: &str, prefix: &str) -> Option<String> {
    match preset {
        "simple" => Some(SIMPLE_TEMPLATE.replace("{prefix}", prefix)),
        "plan-first" => Some(PLAN_FIRST_TEMPLATE.replace("{prefix}", prefix)),
        "pipeline" => Some(PIPELINE_TEMPLATE.replace("{prefix}", prefix)),
        _ => None,
    }
}

/// Whether `prefix` is usable in ids and file names.
pub fn validate_prefix(prefix: &str) -> Result<()> {
    let ok = !prefix.is_empty()
        && prefix.len() <= 12
        && prefix.starts_with(|c: char| c.is_ascii_lowercase())
        && prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid prefix `{prefix}`: use 1-12 lowercase letters or digits, starting with a letter"
        )))
    }
}

/// Largest config file read (a config is a few KB).
const MAX_CONFIG_BYTES: u64 = 1 << 20;

impl Config {
    /// Read and validate a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = crate::store::read_user_text(path, MAX_CONFIG_BYTES).map_err(|e| {
            Error::ConfigInvalid {
                path: path.to_path_buf(),
                message: e.to_string(),
            }
        })?;
        Config::parse(&text, path)
    }

    /// Parse and validate config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let invalid = |message: String| Error::ConfigInvalid {
            path: path.to_path_buf(),
            message,
        };
        let config: Config = toml::from_str(text).map_err(|e| invalid(e.message().to_string()))?;
        config.validate().map_err(invalid)?;
        Ok(config)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        validate_prefix(&self.project.prefix).map_err(|e| e.to_string())?;
        let wf = &self.workflow;
        if wf.statuses.is_empty() {
            return Err("workflow.statuses is empty".into());
        }
        for (i, s) in wf.statuses.iter().enumerate() {
            if s.trim().is_empty() || s.starts_with('@') || s == "*" {
                return Err(format!("workflow.statuses: invalid status name `{s}`"));
            }
            if wf.statuses[..i].contains(s) {
                return Err(format!("workflow.statuses: `{s}` appears twice"));
            }
        }
        for t in &wf.terminal {
            if !wf.statuses.contains(t) {
                return Err(format!(
                    "workflow.terminal: `{t}` is not in workflow.statuses"
                ));
            }
        }
        if wf.terminal.is_empty() {
            return Err("workflow.terminal is empty: name at least one terminal status".into());
        }
        for (table, limits) in [("wip", &wf.wip), ("wip_per_session", &wf.wip_per_session)] {
            for (s, n) in limits {
                if !wf.statuses.contains(s) || wf.terminal.contains(s) {
                    return Err(format!(
                        "workflow.{table}: `{s}` is not an open status of workflow.statuses"
                    ));
                }
                if *n == 0 {
                    return Err(format!("workflow.{table}.{s}: a limit must be at least 1"));
                }
            }
        }
        if !wf.statuses.contains(&wf.active) {
            return Err(format!(
                "workflow.active: `{}` is not in workflow.statuses",
                wf.active
            ));
        }
        if wf.terminal.contains(&wf.active) {
            return Err(format!(
                "workflow.active: `{}` is a terminal status",
                wf.active
            ));
        }
        if let Some(pl) = wf
            .planning
            .as_ref()
            .filter(|pl| !wf.statuses.contains(pl) || wf.terminal.contains(pl))
        {
            return Err(format!(
                "workflow.planning: `{pl}` must be a non-terminal status in workflow.statuses"
            ));
        }
        if self.reopen_status().is_none() {
            return Err(
                "workflow: need a status that is neither terminal nor active (where new tickets start)".into(),
            );
        }
        if wf.types.is_empty() {
            return Err("workflow.types is empty".into());
        }
        if wf.modes.is_empty() {
            return Err("workflow.modes is empty".into());
        }
        for (i, rule) in wf.transitions.iter().enumerate() {
            for sel in rule.from.iter().chain(&rule.to) {
                let known = matches!(sel.as_str(), "*" | "@terminal" | "@open" | "@active")
                    || wf.statuses.contains(sel);
                if !known {
                    return Err(format!(
                        "workflow.transitions[{i}]: unknown status selector `{sel}`"
                    ));
                }
            }
            if let Some(r) = rule.roles.iter().find(|r| r.trim().is_empty()) {
                return Err(format!("workflow.transitions[{i}]: invalid role `{r}`"));
            }
            for g in &rule.guards {
                if g == "role" {
                    if rule.roles.is_empty() {
                        return Err(format!(
                            "workflow.transitions[{i}]: guard `role` needs `roles = [...]` on the rule"
                        ));
                    }
                    continue;
                }
                if Guard::parse(g).is_none() {
                    return Err(format!(
                        "workflow.transitions[{i}]: unknown guard `{g}` (known: {})",
                        Guard::ALL.join(", ")
                    ));
                }
            }
        }
        self.sessions.idle_limit_secs()?;
        crate::runner::validate_config(self)?;
        let d = &self.defaults;
        if !wf.types.contains(&d.kind) {
            return Err(format!(
                "defaults.type: `{}` is not in workflow.types",
                d.kind
            ));
        }
        if !wf.modes.contains(&d.mode) {
            return Err(format!(
                "defaults.mode: `{}` is not in workflow.modes",
                d.mode
            ));
        }
        if !(0..=4).contains(&d.priority) {
            return Err(format!("defaults.priority: {} is not in 0..=4", d.priority));
        }
        Ok(())
    }

    /// Whether `status` ends a ticket's life (its file lives in `archive/`).
    /// Whether work on a ticket in `status` has begun: the status is the
    /// planning or active one, or comes after them in the workflow's order
    /// (done, review, blocked, ...). Terminal statuses count as begun too.
    /// `ready` lists only tickets that have not begun.
    pub fn is_started(&self, status: &str) -> bool {
        let wf = &self.workflow;
        let pos = |s: &str| wf.statuses.iter().position(|x| x == s);
        let first_work = [Some(wf.active.as_str()), wf.planning.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(pos)
            .min();
        match (pos(status), first_work) {
            (Some(i), Some(w)) => i >= w || self.is_terminal(status),
            _ => self.is_terminal(status),
        }
    }

    pub fn is_terminal(&self, status: &str) -> bool {
        self.workflow.terminal.iter().any(|t| t == status)
    }

    /// Where new and reopened tickets go: the first status neither terminal nor active.
    pub fn reopen_status(&self) -> Option<&str> {
        self.workflow
            .statuses
            .iter()
            .find(|s| !self.is_terminal(s) && **s != self.workflow.active)
            .map(String::as_str)
    }

    /// The status new tickets start in.
    pub fn initial_status(&self) -> &str {
        self.reopen_status()
            .unwrap_or(self.workflow.statuses[0].as_str())
    }

    /// The natural next status for `advance`: the stage's next one when the
    /// workflow declares stages (`[workflow.stages]`), else the first later
    /// status in board order that some transition rule allows moving to.
    pub fn next_status(&self, from: &str) -> Option<String> {
        if let Some(next) = self.stage_next(from) {
            return Some(next.to_string());
        }
        let wf = &self.workflow;
        let pos = wf.statuses.iter().position(|s| s == from)?;
        wf.statuses[pos + 1..]
            .iter()
            .find(|to| crate::workflow::rule_allows(self, from, to))
            .cloned()
    }

    /// The status `close` moves to.
    pub fn close_status(&self) -> &str {
        &self.workflow.terminal[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_preset_parses() {
        let text = preset_template("simple", "dk").unwrap();
        let c = Config::parse(&text, Path::new("config.toml")).unwrap();
        assert_eq!(c.initial_status(), "open");
        assert_eq!(c.close_status(), "closed");
        assert!(c.is_terminal("closed"));
    }

    #[test]
    fn plan_first_preset_parses() {
        let text = preset_template("plan-first", "dk").unwrap();
        let c = Config::parse(&text, Path::new("config.toml")).unwrap();
        assert_eq!(c.initial_status(), "todo");
        assert_eq!(c.close_status(), "archived");
        assert_eq!(c.workflow.planning.as_deref(), Some("planning"));
        assert_eq!(c.next_status("done").as_deref(), Some("verified"));
        assert_eq!(c.next_status("verified").as_deref(), Some("archived"));
        assert_eq!(c.next_status("archived"), None);
    }

    #[test]
    fn bad_active_rejected() {
        let text = preset_template("simple", "dk")
            .unwrap()
            .replace("active = \"in_progress\"", "active = \"nope\"");
        let err = Config::parse(&text, Path::new("c")).unwrap_err();
        assert_eq!(err.code(), "config_invalid");
    }

    #[test]
    fn unknown_guard_rejected() {
        let text = preset_template("simple", "dk")
            .unwrap()
            .replace("\"children_done\"", "\"bogus\"");
        let err = Config::parse(&text, Path::new("c")).unwrap_err();
        assert!(err.to_string().contains("unknown guard"));
    }
}
