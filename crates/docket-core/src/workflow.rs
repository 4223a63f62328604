//! The workflow engine: which moves the config declares and what every guard on
//! them says. Front-ends never decide a move themselves; they ask this module
//! through [`crate::ops`].

use serde::Serialize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ticket::Meta;

/// A named check a transition rule can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Guard {
    /// The mover's role is one the rule lists (`roles = [...]`).
    Role,
    /// A plan has been written with `docket plan`.
    PlanPresent,
    /// The session that last wrote the plan is not the one approving it.
    PlanApprovedByOtherSession,
    /// The verifier did not submit the implementation.
    VerifierNotImplementer,
    /// Every acceptance criterion is checked.
    AcceptanceComplete,
    /// Every child ticket is terminal.
    ChildrenDone,
    /// Every dependency exists and is terminal.
    DepsDone,
    /// The target status is under its work-in-progress limit (`[workflow.wip]`,
    /// `[workflow.wip_per_session]`). Added to every move into a limited status.
    WipLimit,
}

impl Guard {
    /// Names accepted in `config.toml` (`role` comes from a rule's `roles`).
    pub const ALL: &'static [&'static str] = &[
        "role",
        "plan_present",
        "plan_approved_by_other_session",
        "verifier_not_implementer",
        "acceptance_complete",
        "children_done",
        "deps_done",
        "wip_limit",
    ];

    pub fn parse(name: &str) -> Option<Guard> {
        match name {
            "role" => Some(Guard::Role),
            "plan_present" => Some(Guard::PlanPresent),
            "plan_approved_by_other_session" => Some(Guard::PlanApprovedByOtherSession),
            "verifier_not_implementer" => Some(Guard::VerifierNotImplementer),
            "acceptance_complete" => Some(Guard::AcceptanceComplete),
            "children_done" => Some(Guard::ChildrenDone),
            "deps_done" => Some(Guard::DepsDone),
            "wip_limit" => Some(Guard::WipLimit),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Guard::Role => "role",
            Guard::PlanPresent => "plan_present",
            Guard::PlanApprovedByOtherSession => "plan_approved_by_other_session",
            Guard::VerifierNotImplementer => "verifier_not_implementer",
            Guard::AcceptanceComplete => "acceptance_complete",
            Guard::ChildrenDone => "children_done",
            Guard::DepsDone => "deps_done",
            Guard::WipLimit => "wip_limit",
        }
    }

    /// Whether the graph (other tickets) is needed to evaluate this guard.
    pub fn needs_graph(self) -> bool {
        matches!(
            self,
            Guard::ChildrenDone | Guard::DepsDone | Guard::WipLimit
        )
    }

    /// Whether `--force --reason` may pass it (recording a violation). Work
    /// without a written plan is never allowed.
    pub fn forceable(self) -> bool {
        !matches!(self, Guard::PlanPresent)
    }
}

/// One guard's answer about one move.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub guard: &'static str,
    pub passed: bool,
    /// Whether `--force --reason` can pass it.
    pub forceable: bool,
    /// What the guard saw, and when it failed, what would satisfy it.
    pub message: String,
    /// Items behind a failure (unchecked criteria, open children or deps).
    pub items: Vec<String>,
}

/// What protects one move: its guards, and the role lists of the matching rules
/// (the mover must satisfy each list).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub guards: Vec<Guard>,
    pub roles: Vec<Vec<String>>,
}

/// Who is making a move.
#[derive(Debug, Clone, Default)]
pub struct Mover {
    /// Session id, when acting in a session.
    pub session: Option<String>,
    /// The session's role as given (may be custom) and the built-in role it maps to.
    pub role: Option<String>,
    pub base_role: Option<String>,
    /// The display name (`name (role)` or the user).
    pub actor: String,
}

impl Mover {
    /// Compared with [`crate::audit::LogEntry::identity`].
    pub fn identity(&self) -> String {
        match &self.session {
            Some(s) => format!("session:{s}"),
            None => format!("user:{}", self.actor),
        }
    }
}

/// Facts from the ticket's own log some guards need.
#[derive(Debug, Clone, Default)]
pub struct LogFacts {
    /// Identity and display name of whoever wrote the latest plan revision.
    pub plan_author: Option<(String, String)>,
    /// Identities (and names) of whoever moved the ticket out of the active status.
    pub implementers: Vec<(String, String)>,
}

/// Facts about other tickets some guards need.
#[derive(Debug, Default, Clone)]
pub struct GraphFacts {
    /// Non-terminal children of the ticket.
    pub open_children: Vec<String>,
    /// Dependencies that are missing or not terminal.
    pub open_deps: Vec<String>,
    /// The target status's work in progress, when it has a limit.
    pub wip: Option<WipFacts>,
}

/// How full a limited status is, counted under the project lock.
#[derive(Debug, Default, Clone)]
pub struct WipFacts {
    pub status: String,
    /// Other tickets in the status now, and the limit.
    pub count: usize,
    pub limit: Option<usize>,
    /// Of those, the mover's own (assigned to the mover's name), and the limit.
    pub mine: usize,
    pub per_session: Option<usize>,
}

/// A named status selector in a transition rule matches `status`.
fn selector_matches(config: &Config, sel: &str, status: &str) -> bool {
    match sel {
        "*" => true,
        "@terminal" => config.is_terminal(status),
        "@open" => !config.is_terminal(status),
        "@active" => status == config.workflow.active,
        name => name == status,
    }
}

fn rule_hits(config: &Config, rule: &crate::config::TransitionRule, from: &str, to: &str) -> bool {
    rule.from.iter().any(|s| selector_matches(config, s, from))
        && rule.to.iter().any(|s| selector_matches(config, s, to))
}

/// Whether some rule declares `from -> to` (guards aside).
pub fn rule_allows(config: &Config, from: &str, to: &str) -> bool {
    config
        .workflow
        .transitions
        .iter()
        .any(|r| rule_hits(config, r, from, to))
}

/// The guards protecting `from -> to`, or an error when no rule allows it.
pub fn guards_for(config: &Config, id: &str, from: &str, to: &str) -> Result<Rules> {
    if !config.workflow.statuses.iter().any(|s| s == to) {
        return Err(Error::invalid(format!(
            "unknown status `{to}` (allowed: {})",
            config.workflow.statuses.join(", ")
        )));
    }
    let mut allowed = false;
    let mut rules = Rules::default();
    for rule in &config.workflow.transitions {
        if rule_hits(config, rule, from, to) {
            allowed = true;
            if !rule.roles.is_empty() {
                rules.roles.push(rule.roles.clone());
                if !rules.guards.contains(&Guard::Role) {
                    rules.guards.insert(0, Guard::Role);
                }
            }
            for g in rule.guards.iter().filter_map(|g| Guard::parse(g)) {
                if !rules.guards.contains(&g) {
                    rules.guards.push(g);
                }
            }
        }
    }
    if !allowed {
        return Err(Error::TransitionNotAllowed {
            id: id.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        });
    }
    let wf = &config.workflow;
    if from != to
        && (wf.wip.contains_key(to) || wf.wip_per_session.contains_key(to))
        && !rules.guards.contains(&Guard::WipLimit)
    {
        rules.guards.push(Guard::WipLimit);
    }
    // `role` listed without roles on a rule is rejected by config validation.
    if rules.roles.is_empty() {
        rules.guards.retain(|g| *g != Guard::Role);
    }
    Ok(rules)
}

/// Everything guards look at for one move.
#[derive(Debug, Clone, Copy)]
pub struct GuardInput<'a> {
    pub meta: &'a Meta,
    pub graph: &'a GraphFacts,
    pub log: &'a LogFacts,
    pub mover: &'a Mover,
    pub roles: &'a [Vec<String>],
}

fn verdict(g: Guard, passed: bool, message: String, items: Vec<String>) -> Verdict {
    Verdict {
        guard: g.name(),
        passed,
        forceable: g.forceable(),
        message,
        items,
    }
}

fn role_verdict(input: &GuardInput) -> Verdict {
    let m = input.mover;
    let want: Vec<String> = {
        let mut all: Vec<String> = Vec::new();
        for list in input.roles {
            for r in list {
                if !all.contains(r) {
                    all.push(r.clone());
                }
            }
        }
        all
    };
    let Some(role) = &m.role else {
        return verdict(
            Guard::Role,
            false,
            format!(
                "this move needs a session with role {}; act as such a session",
                want.join(" or ")
            ),
            want,
        );
    };
    let base = m.base_role.as_deref().unwrap_or(role);
    let ok = input
        .roles
        .iter()
        .all(|list| list.iter().any(|r| r == role || r == base));
    let message = if ok {
        format!("role {role} may make this move")
    } else {
        format!(
            "role {role} may not make this move; it needs {} (use a session with that role)",
            want.join(" or ")
        )
    };
    verdict(Guard::Role, ok, message, if ok { vec![] } else { want })
}

fn wip_verdict(g: Guard, w: Option<&WipFacts>) -> Verdict {
    let Some(w) = w else {
        return verdict(g, true, "no work-in-progress limit applies".into(), vec![]);
    };
    let over_all = w.limit.is_some_and(|l| w.count >= l);
    let over_mine = w.per_session.is_some_and(|l| w.mine >= l);
    let message = match (over_all, over_mine) {
        (true, _) => format!(
            "`{}` is full: {} of {} allowed; finish or move one first",
            w.status,
            w.count,
            w.limit.unwrap_or(0)
        ),
        (false, true) => format!(
            "you already have {} of {} allowed in `{}`; finish one first",
            w.mine,
            w.per_session.unwrap_or(0),
            w.status
        ),
        (false, false) => format!(
            "`{}` has room ({}{})",
            w.status,
            w.count,
            w.limit.map(|l| format!(" of {l}")).unwrap_or_default()
        ),
    };
    verdict(g, !over_all && !over_mine, message, vec![])
}

/// Evaluate every guard for a move.
pub fn evaluate(guards: &[Guard], input: &GuardInput) -> Vec<Verdict> {
    let meta = input.meta;
    let facts = input.graph;
    guards
        .iter()
        .map(|&g| match g {
            Guard::Role => role_verdict(input),
            Guard::PlanPresent => match &input.log.plan_author {
                Some(_) => verdict(g, true, "a plan is written".into(), vec![]),
                None => verdict(
                    g,
                    false,
                    "no plan yet; write the plan first"
                        .into(),
                    vec![],
                ),
            },
            Guard::PlanApprovedByOtherSession => match &input.log.plan_author {
                Some((who, name)) if *who == input.mover.identity() => verdict(
                    g,
                    false,
                    format!(
                        "{name} wrote the latest plan revision and cannot approve it; another session must make this move"
                    ),
                    vec![name.clone()],
                ),
                Some((_, name)) => verdict(
                    g,
                    true,
                    format!("the plan was written by {name}, another session"),
                    vec![],
                ),
                None => verdict(g, false, "there is no plan to approve".into(), vec![]),
            },
            Guard::VerifierNotImplementer => {
                let me = input.mover.identity();
                match input.log.implementers.iter().find(|(id, _)| *id == me) {
                    Some((_, name)) => verdict(
                        g,
                        false,
                        format!(
                            "{name} submitted this work and cannot verify it; another session must"
                        ),
                        vec![name.clone()],
                    ),
                    None => verdict(g, true, "the verifier did not submit the work".into(), vec![]),
                }
            }
            Guard::AcceptanceComplete => {
                let open: Vec<String> = meta
                    .acceptance
                    .iter()
                    .filter(|c| !c.done)
                    .map(|c| c.title.clone())
                    .collect();
                let message = if open.is_empty() {
                    "all acceptance criteria are checked".into()
                } else {
                    format!(
                        "{} of {} acceptance criteria unchecked; check each once it holds",
                        open.len(),
                        meta.acceptance.len()
                    )
                };
                verdict(g, open.is_empty(), message, open)
            }
            Guard::ChildrenDone => verdict(
                g,
                facts.open_children.is_empty(),
                if facts.open_children.is_empty() {
                    "no open child tickets".into()
                } else {
                    "close the open child tickets first".into()
                },
                facts.open_children.clone(),
            ),
            Guard::WipLimit => wip_verdict(g, facts.wip.as_ref()),
            Guard::DepsDone => verdict(
                g,
                facts.open_deps.is_empty(),
                if facts.open_deps.is_empty() {
                    "every dependency is done".into()
                } else {
                    "finish the open dependencies first".into()
                },
                facts.open_deps.clone(),
            ),
        })
        .collect()
}

/// The error for the first failed verdict, if any.
pub fn first_failure(id: &str, meta: &Meta, verdicts: &[Verdict]) -> Option<Error> {
    let v = verdicts.iter().find(|v| !v.passed)?;
    let failing: Vec<Verdict> = verdicts.iter().filter(|v| !v.passed).cloned().collect();
    Some(match v.guard {
        "acceptance_complete" => Error::AcceptanceIncomplete {
            id: id.to_string(),
            open: v.items.clone(),
            total: meta.acceptance.len(),
            failing,
        },
        "children_done" => Error::OpenChildren {
            id: id.to_string(),
            children: v.items.clone(),
            failing,
        },
        _ => Error::GuardFailed {
            id: id.to_string(),
            guard: v.guard.to_string(),
            message: if v.items.is_empty() || v.guard != "deps_done" {
                v.message.clone()
            } else {
                format!("{}: {}", v.message, v.items.join(", "))
            },
            forceable: v.forceable,
            failing,
        },
    })
}
