//! Plans, derived from the audit log: every `docket plan` is a `plan` entry
//! (version, content hash, full text) and the `## Plan` section shows the latest.
//! Leaving the planning status records an `approval` entry that freezes the plan
//! by hash; `check` compares the section against it.

use serde::Serialize;

use crate::audit::{LogEntry, kind, plan_hash};
use crate::config::Config;
use crate::ticket::{SECTION_PLAN, Ticket};
use crate::workflow::LogFacts;

/// One recorded plan revision.
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub version: u64,
    pub at: String,
    pub author: String,
    pub session: Option<String>,
    pub hash: String,
    /// The full text of this revision.
    pub text: String,
}

/// The approval that froze a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub version: u64,
    pub hash: String,
    pub approver: String,
    pub session: Option<String>,
    pub at: String,
}

/// A ticket's plan as the log tells it.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PlanState {
    /// The `## Plan` section as it is in the file now.
    pub text: String,
    pub revisions: Vec<Revision>,
    /// Set once the plan left planning; later revisions are refused.
    pub frozen: Option<Approval>,
    /// Comments recorded against the frozen plan while the work was in progress.
    pub deviations: Vec<LogEntry>,
}

impl PlanState {
    /// Latest revision number (0 when no plan was written).
    pub fn version(&self) -> u64 {
        self.revisions.last().map(|r| r.version).unwrap_or(0)
    }

    /// Whether the section still matches the frozen hash.
    pub fn intact(&self) -> bool {
        match &self.frozen {
            Some(a) => plan_hash(&self.text) == a.hash,
            None => true,
        }
    }
}

/// Rebuild the plan state from the ticket and its parsed log.
pub fn state(t: &Ticket, entries: &[LogEntry]) -> PlanState {
    state_of_body(&t.body, entries)
}

/// [`state`] on a markdown body.
pub fn state_of_body(body: &str, entries: &[LogEntry]) -> PlanState {
    let mut st = PlanState {
        text: crate::audit::normalize_text(&crate::ticket::section_of(body, SECTION_PLAN)),
        ..Default::default()
    };
    for e in entries {
        match e.kind.as_str() {
            kind::PLAN => {
                st.revisions.push(Revision {
                    version: e.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
                    at: e.at.clone(),
                    author: e.actor.clone(),
                    session: e.session.clone(),
                    hash: e.get("plan_hash").unwrap_or_default().to_string(),
                    text: e.text.clone(),
                });
                // A new revision after an approval means the ticket went back
                // to planning: the old freeze no longer applies.
                st.frozen = None;
            }
            kind::APPROVAL => {
                st.frozen = Some(Approval {
                    version: e.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
                    hash: e.get("plan_hash").unwrap_or_default().to_string(),
                    approver: e.actor.clone(),
                    session: e.session.clone(),
                    at: e.at.clone(),
                });
            }
            kind::COMMENT if e.get("deviation") == Some("true") => st.deviations.push(e.clone()),
            _ => {}
        }
    }
    st
}

/// The facts the plan and isolation guards need.
pub fn log_facts(config: &Config, entries: &[LogEntry]) -> LogFacts {
    let mut facts = LogFacts::default();
    let active = config.workflow.active.as_str();
    for e in entries {
        match e.kind.as_str() {
            kind::PLAN => facts.plan_author = Some((e.identity(), e.actor.clone())),
            kind::TRANSITION if e.get("from") == Some(active) => {
                let who = (e.identity(), e.actor.clone());
                if !facts.implementers.contains(&who) {
                    facts.implementers.push(who);
                }
            }
            _ => {}
        }
    }
    facts
}
