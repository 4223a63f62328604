//! `prime`: everything an agent needs at the start of a session, in one call.

use serde::Serialize;

use crate::error::Result;
use crate::graph::Graph;
use crate::query::{self, Filter};
use crate::store::{Entry, Project};
use crate::ticket::Meta;

/// In-progress work older than this is flagged `stale`.
pub const STALE_DAYS: i64 = 14;

/// A listed ticket in the primer.
#[derive(Debug, Clone, Serialize)]
pub struct PrimeItem {
    #[serde(flatten)]
    pub meta: Meta,
    pub path: String,
    /// Only on in-progress entries: not updated for [`STALE_DAYS`] days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<bool>,
}

/// The allowed values an agent must use.
#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    pub statuses: Vec<String>,
    pub terminal: Vec<String>,
    pub active: String,
    pub types: Vec<String>,
    pub modes: Vec<String>,
    pub priorities: Vec<i64>,
}

/// Project facts at the top of the primer.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectInfo {
    pub name: String,
    pub prefix: String,
    pub root: String,
    pub open: usize,
    pub closed: usize,
}

/// The whole primer.
#[derive(Debug, Clone, Serialize)]
pub struct Primer {
    pub project: ProjectInfo,
    pub schema: Schema,
    pub in_progress: Vec<PrimeItem>,
    /// In progress with every acceptance criterion checked.
    pub ready_to_close: Vec<PrimeItem>,
    pub ready: Vec<PrimeItem>,
    /// Ready tickets beyond the cap.
    pub ready_remaining: usize,
    pub recently_closed: Vec<PrimeItem>,
    /// The commands to work a ticket in this project's workflow, in order.
    pub work_loop: Vec<String>,
}

/// The work loop for a workflow: plan-first when it has a planning status.
pub fn work_loop(config: &crate::config::Config) -> Vec<String> {
    let wf = &config.workflow;
    match &wf.planning {
        Some(planning) => vec![
            "docket session --role implementer|architect (once; export DOCKET_SESSION=<id>)".into(),
            "docket ready, then docket show <id>".into(),
            format!("docket advance <id> (→ {planning}), then docket plan <id> --body \"…\""),
            format!(
                "another architect session approves: docket advance <id> (→ {}; the plan freezes)",
                wf.active
            ),
            "implement; record deviations from the plan with docket comment <id> \"…\"".into(),
            "docket advance <id> --note \"result\" (submit); an architect who did not implement verifies with docket advance <id>".into(),
            "refused? docket advance <id> --explain says which guard and what satisfies it".into(),
        ],
        None => vec![
            "docket ready, then docket show <id>".into(),
            "docket start <id>".into(),
            "docket add-note <id> \"…\" as you go".into(),
            "docket close <id> --summary \"…\"".into(),
        ],
    }
}

/// Build the primer; `limit` caps the ready list (default 10).
pub fn build(
    p: &Project,
    filter: &Filter,
    limit: Option<usize>,
    now: jiff::Timestamp,
) -> Result<Primer> {
    let scan = p.scan()?;
    let cfg = &p.config;
    let graph = Graph::new(&scan.entries, cfg);
    let item = |e: &Entry, stale: Option<bool>| PrimeItem {
        meta: e.meta.clone(),
        path: p.display_path(&e.path),
        stale,
    };
    let is_stale = |m: &Meta| {
        m.updated
            .parse::<jiff::Timestamp>()
            .map(|t| now.duration_since(t).as_secs() >= STALE_DAYS * 86_400)
            .unwrap_or(false)
    };
    let visible: Vec<&Entry> = scan
        .entries
        .iter()
        .filter(|e| filter.matches(&e.meta))
        .collect();
    let mut active: Vec<&Entry> = visible
        .iter()
        .copied()
        .filter(|e| e.meta.status == cfg.workflow.active)
        .collect();
    active.sort_by(|a, b| query::by_priority_then_newest(&a.meta, &b.meta));
    let ready_to_close = active
        .iter()
        .filter(|e| !e.meta.acceptance.is_empty() && e.meta.acceptance.iter().all(|c| c.done))
        .map(|e| item(e, None))
        .collect();
    let in_progress = active
        .iter()
        .map(|e| item(e, Some(is_stale(&e.meta))))
        .collect();
    let mut ready: Vec<&Entry> = visible
        .iter()
        .copied()
        .filter(|e| e.meta.status != cfg.workflow.active && graph.is_ready(e))
        .collect();
    ready.sort_by(|a, b| query::by_priority_then_newest(&a.meta, &b.meta));
    let cap = limit.unwrap_or(10);
    let ready_remaining = ready.len().saturating_sub(cap);
    let mut closed: Vec<&Entry> = visible
        .iter()
        .copied()
        .filter(|e| cfg.is_terminal(&e.meta.status))
        .collect();
    closed.sort_by(|a, b| query::by_closed_desc(&a.meta, &b.meta));
    let open = scan
        .entries
        .iter()
        .filter(|e| !cfg.is_terminal(&e.meta.status))
        .count();
    Ok(Primer {
        project: ProjectInfo {
            name: p
                .root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            prefix: cfg.project.prefix.clone(),
            root: p.root.to_string_lossy().into_owned(),
            open,
            closed: scan.entries.len() - open,
        },
        schema: Schema {
            statuses: cfg.workflow.statuses.clone(),
            terminal: cfg.workflow.terminal.clone(),
            active: cfg.workflow.active.clone(),
            types: cfg.workflow.types.clone(),
            modes: cfg.workflow.modes.clone(),
            priorities: (0..=4).collect(),
        },
        in_progress,
        ready_to_close,
        ready: ready.iter().take(cap).map(|e| item(e, None)).collect(),
        ready_remaining,
        recently_closed: closed.iter().take(5).map(|e| item(e, None)).collect(),
        work_loop: work_loop(cfg),
    })
}
