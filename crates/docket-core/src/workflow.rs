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
    /// Every acceptance criterion is checked.
    AcceptanceComplete,
    /// Every child ticket is terminal.
    ChildrenDone,
    /// Every dependency exists and is terminal.
    DepsDone,
}

impl Guard {
    /// Names accepted in `config.toml`.
    pub const ALL: &'static [&'static str] = &["acceptance_complete", "children_done", "deps_done"];

    pub fn parse(name: &str) -> Option<Guard> {
        match name {
            "acceptance_complete" => Some(Guard::AcceptanceComplete),
            "children_done" => Some(Guard::ChildrenDone),
            "deps_done" => Some(Guard::DepsDone),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Guard::AcceptanceComplete => "acceptance_complete",
            Guard::ChildrenDone => "children_done",
            Guard::DepsDone => "deps_done",
        }
    }

    /// Whether the graph (other tickets) is needed to evaluate this guard.
    pub fn needs_graph(self) -> bool {
        matches!(self, Guard::ChildrenDone | Guard::DepsDone)
    }
}

/// One guard's answer about one move.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub guard: &'static str,
    pub passed: bool,
    /// What the guard saw, and when it failed, what would satisfy it.
    pub message: String,
    /// Items behind a failure (unchecked criteria, open children or deps).
    pub items: Vec<String>,
}

/// Facts about other tickets some guards need.
#[derive(Debug, Default, Clone)]
pub struct GraphFacts {
    /// Non-terminal children of the ticket.
    pub open_children: Vec<String>,
    /// Dependencies that are missing or not terminal.
    pub open_deps: Vec<String>,
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

/// The guards protecting `from -> to`, or an error when no rule allows it.
pub fn guards_for(config: &Config, id: &str, from: &str, to: &str) -> Result<Vec<Guard>> {
    if !config.workflow.statuses.iter().any(|s| s == to) {
        return Err(Error::invalid(format!(
            "unknown status `{to}` (allowed: {})",
            config.workflow.statuses.join(", ")
        )));
    }
    let mut allowed = false;
    let mut guards: Vec<Guard> = Vec::new();
    for rule in &config.workflow.transitions {
        let hit = rule.from.iter().any(|s| selector_matches(config, s, from))
            && rule.to.iter().any(|s| selector_matches(config, s, to));
        if hit {
            allowed = true;
            for g in rule.guards.iter().filter_map(|g| Guard::parse(g)) {
                if !guards.contains(&g) {
                    guards.push(g);
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
    Ok(guards)
}

/// Evaluate every guard for a move of `meta` to `to`.
pub fn evaluate(guards: &[Guard], meta: &Meta, facts: &GraphFacts) -> Vec<Verdict> {
    guards
        .iter()
        .map(|g| match g {
            Guard::AcceptanceComplete => {
                let open: Vec<String> = meta
                    .acceptance
                    .iter()
                    .filter(|c| !c.done)
                    .map(|c| c.title.clone())
                    .collect();
                Verdict {
                    guard: g.name(),
                    passed: open.is_empty(),
                    message: if open.is_empty() {
                        "all acceptance criteria are checked".into()
                    } else {
                        format!(
                            "{} of {} acceptance criteria unchecked; check them with `docket update <id> --ac \"<title>\" --done`",
                            open.len(),
                            meta.acceptance.len()
                        )
                    },
                    items: open,
                }
            }
            Guard::ChildrenDone => Verdict {
                guard: g.name(),
                passed: facts.open_children.is_empty(),
                message: if facts.open_children.is_empty() {
                    "no open child tickets".into()
                } else {
                    "close the open child tickets first".into()
                },
                items: facts.open_children.clone(),
            },
            Guard::DepsDone => Verdict {
                guard: g.name(),
                passed: facts.open_deps.is_empty(),
                message: if facts.open_deps.is_empty() {
                    "every dependency is done".into()
                } else {
                    "finish the open dependencies first".into()
                },
                items: facts.open_deps.clone(),
            },
        })
        .collect()
}

/// The error for the first failed verdict, if any.
pub fn first_failure(id: &str, meta: &Meta, verdicts: &[Verdict]) -> Option<Error> {
    let v = verdicts.iter().find(|v| !v.passed)?;
    Some(match v.guard {
        "acceptance_complete" => Error::AcceptanceIncomplete {
            id: id.to_string(),
            open: v.items.clone(),
            total: meta.acceptance.len(),
        },
        "children_done" => Error::OpenChildren {
            id: id.to_string(),
            children: v.items.clone(),
        },
        _ => Error::GuardFailed {
            id: id.to_string(),
            guard: v.guard.to_string(),
            message: format!("{}: {}", v.message, v.items.join(", ")),
        },
    })
}
