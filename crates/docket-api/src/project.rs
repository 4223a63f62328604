//! The project family: info, the primer, the integrity check.

use docket_core::check::{self, Issue, Severity};
use docket_core::config::TransitionRule;
use docket_core::graph::Graph;
use docket_core::query;
use docket_core::store::Entry;
use docket_core::{Meta, Project};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::ApiResult;
use crate::query::Filters;
use crate::view::{Brief, Listed, short_ids};

/// The workflow as data: what an agent must use.
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowInfo {
    pub statuses: Vec<String>,
    pub terminal: Vec<String>,
    pub active: String,
    pub planning: Option<String>,
    pub initial: String,
    pub transitions: Vec<TransitionRule>,
    pub stages: serde_json::Value,
}

/// `info`: paths, counts, workflow and allowed values.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub project: serde_json::Value,
    pub paths: serde_json::Value,
    pub counts: serde_json::Value,
    pub workflow: WorkflowInfo,
    pub types: Vec<String>,
    pub modes: Vec<String>,
    pub priorities: Vec<i64>,
    pub tiers: Vec<&'static str>,
    pub defaults: serde_json::Value,
}

/// Describe the project.
pub fn info(cx: &Context) -> ApiResult<Info> {
    let p = &cx.project;
    let files = p.files()?;
    let archived = files.iter().filter(|f| f.archived).count();
    let wf = &p.config.workflow;
    Ok(Info {
        project: serde_json::json!({ "prefix": p.config.project.prefix, "preset": wf.preset }),
        paths: serde_json::json!({
            "root": p.root.to_string_lossy(),
            "config": p.display_path(&p.dir.join("config.toml")),
            "tickets": p.display_path(&p.tickets_dir()),
            "archive": p.display_path(&p.archive_dir()),
            "local": p.display_path(&p.local_dir()),
        }),
        counts: serde_json::json!({ "live": files.len() - archived, "archived": archived }),
        workflow: WorkflowInfo {
            statuses: wf.statuses.clone(),
            terminal: wf.terminal.clone(),
            active: wf.active.clone(),
            planning: wf.planning.clone(),
            initial: p.config.initial_status().to_string(),
            transitions: wf.transitions.clone(),
            stages: serde_json::to_value(&wf.stages).unwrap_or_default(),
        },
        types: wf.types.clone(),
        modes: wf.modes.clone(),
        priorities: (0..=4).collect(),
        tiers: docket_core::ops::TIERS.to_vec(),
        defaults: serde_json::to_value(&p.config.defaults).unwrap_or_default(),
    })
}

/// Create a project.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitRequest {
    /// Id prefix (default: from the folder name).
    #[serde(default)]
    pub prefix: Option<String>,
    /// Workflow preset: simple, plan-first or pipeline (default simple).
    #[serde(default)]
    pub preset: Option<String>,
}

/// A prefix from the folder name: its first letters/digits, lowercase, at most
/// four characters (`dk` when nothing is left).
pub fn default_prefix(root: &std::path::Path) -> String {
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let p: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .skip_while(|c| c.is_ascii_digit())
        .take(4)
        .collect();
    if p.is_empty() { "dk".into() } else { p }
}

/// Create `.docket/` in `root` (refused when one exists). Faces that write
/// agent instructions do so themselves; this only makes the project.
pub fn init(root: &std::path::Path, req: &InitRequest) -> ApiResult<Project> {
    let prefix = req.prefix.clone().unwrap_or_else(|| default_prefix(root));
    Ok(Project::init(
        root,
        &docket_core::store::InitOptions {
            prefix,
            preset: req.preset.clone().unwrap_or_else(|| "simple".into()),
            force: false,
        },
    )?)
}

/// In-progress work not updated for this many days is flagged `stale`.
pub const STALE_DAYS: i64 = 14;

/// What the primer asks for.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct PrimeRequest {
    #[serde(flatten)]
    pub filters: Filters,
    /// Rows per section (default 10; recently closed shows half).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// One primer row: the lean row plus what the primer knows.
#[derive(Debug, Clone, Serialize)]
pub struct PrimeItem {
    #[serde(flatten)]
    pub brief: Brief,
    /// Not updated for [`STALE_DAYS`] days.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// Assigned to the caller (their session name or user name).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mine: bool,
}

/// One capped section: the first rows and how many more there are.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Section {
    pub items: Vec<PrimeItem>,
    /// Rows beyond the cap (the full list is one query away).
    #[serde(skip_serializing_if = "is_zero")]
    pub more: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Project facts at the top of the primer.
#[derive(Debug, Clone, Serialize)]
pub struct PrimeProject {
    pub name: String,
    pub prefix: String,
    pub open: usize,
    pub closed: usize,
}

/// The allowed values and the workflow's key statuses.
#[derive(Debug, Clone, Serialize)]
pub struct PrimeSchema {
    pub statuses: Vec<String>,
    pub active: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planning: Option<String>,
    pub terminal: Vec<String>,
    pub types: Vec<String>,
    pub modes: Vec<String>,
}

/// Everything an agent needs first, capped so it stays small on any project.
#[derive(Debug, Clone, Serialize)]
pub struct Primer {
    pub project: PrimeProject,
    pub schema: PrimeSchema,
    /// The caller as recorded on changes.
    pub you: String,
    /// In progress, the caller's own first.
    pub in_progress: Section,
    /// In progress with every criterion checked.
    pub ready_to_close: Section,
    /// Can be picked up now.
    pub ready: Section,
    pub recently_closed: Section,
    /// Project context entries every agent must know: key and first line
    /// (`docket context readall` gives them whole).
    #[serde(skip_serializing_if = "ContextBrief::is_empty")]
    pub context: ContextBrief,
}

/// How many context entries the primer shows (the rest are one call away).
pub const PRIME_CONTEXT_CAP: usize = 8;

/// One context entry as the primer shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ContextLine {
    pub key: String,
    pub summary: String,
}

/// The primer's capped context entries.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ContextBrief {
    pub items: Vec<ContextLine>,
    #[serde(skip_serializing_if = "is_zero")]
    pub more: usize,
}

impl ContextBrief {
    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Build the primer.
pub fn prime(cx: &Context, req: &PrimeRequest) -> ApiResult<Primer> {
    let p = &cx.project;
    let cfg = &p.config;
    let filter = req.filters.to_filter(p)?;
    let cap = req.limit.unwrap_or(10).max(1);
    let scan = p.scan()?;
    let graph = Graph::new(&scan.entries, cfg);
    let you = cx.actor_label();
    let me: Vec<String> = [
        cx.session.as_ref().map(|s| s.name.clone()),
        cx.session.as_ref().map(|s| s.label()),
        cx.actor(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mine = |m: &Meta| {
        m.assignee
            .as_deref()
            .is_some_and(|a| me.iter().any(|x| x == a))
    };
    let now = cx.now;
    let stale = |m: &Meta| {
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
    active.sort_by(|a, b| {
        mine(&b.meta)
            .cmp(&mine(&a.meta))
            .then_with(|| query::by_priority_then_oldest(&a.meta, &b.meta))
    });
    let to_close: Vec<&Entry> = active
        .iter()
        .copied()
        .filter(|e| !e.meta.acceptance.is_empty() && e.meta.acceptance.iter().all(|c| c.done))
        .collect();
    let claimed = docket_core::claims::live_ids(p);
    let mut ready: Vec<&Entry> = visible
        .iter()
        .copied()
        .filter(|e| graph.is_pickable(e) && !claimed.contains(e.meta.id.as_str()))
        .collect();
    ready.sort_by(|a, b| query::by_priority_then_oldest(&a.meta, &b.meta));
    let mut closed: Vec<&Entry> = visible
        .iter()
        .copied()
        .filter(|e| cfg.is_terminal(&e.meta.status))
        .collect();
    closed.sort_by(|a, b| query::by_closed_desc(&a.meta, &b.meta));
    let section = |all: &[&Entry], cap: usize, mark_stale: bool| -> Section {
        let shown = &all[..all.len().min(cap)];
        let ids: Vec<&str> = shown.iter().map(|e| e.meta.id.as_str()).collect();
        let shorts = short_ids(p, &ids);
        Section {
            items: shown
                .iter()
                .zip(shorts)
                .map(|(e, short)| PrimeItem {
                    brief: Listed {
                        entry: (*e).clone(),
                        short,
                        blocked: false,
                        line: None,
                    }
                    .brief(),
                    stale: mark_stale && stale(&e.meta),
                    mine: mine(&e.meta),
                })
                .collect(),
            more: all.len().saturating_sub(cap),
        }
    };
    let open = scan
        .entries
        .iter()
        .filter(|e| !cfg.is_terminal(&e.meta.status))
        .count();
    Ok(Primer {
        project: PrimeProject {
            name: p
                .root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            prefix: cfg.project.prefix.clone(),
            open,
            closed: scan.entries.len() - open,
        },
        schema: PrimeSchema {
            statuses: cfg.workflow.statuses.clone(),
            active: cfg.workflow.active.clone(),
            planning: cfg.workflow.planning.clone(),
            terminal: cfg.workflow.terminal.clone(),
            types: cfg.workflow.types.clone(),
            modes: cfg.workflow.modes.clone(),
        },
        you,
        in_progress: section(&active, cap, true),
        ready_to_close: section(&to_close, cap, false),
        ready: section(&ready, cap, false),
        recently_closed: section(&closed, cap.div_ceil(2), false),
        context: {
            let all = docket_core::knowledge::context_list(p)?;
            ContextBrief {
                more: all.len().saturating_sub(PRIME_CONTEXT_CAP),
                items: all
                    .into_iter()
                    .take(PRIME_CONTEXT_CAP)
                    .map(|e| ContextLine {
                        key: e.key,
                        summary: e.summary,
                    })
                    .collect(),
            }
        },
    })
}

/// What `check` looks at.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// Only issues about these tickets.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Only issues with these codes.
    #[serde(default)]
    pub code: Vec<String>,
    /// Only these severities: error, warning.
    #[serde(default)]
    pub severity: Vec<String>,
    /// Re-verify every ticket's log and plan, ignoring the verdict cache
    /// (which trusts file ctimes; someone able to reset the clock could forge
    /// them).
    #[serde(default)]
    pub full: bool,
}

/// Counts of a check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckSummary {
    pub errors: usize,
    pub warnings: usize,
    pub scanned: usize,
}

/// The integrity report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub issues: Vec<Issue>,
    pub summary: CheckSummary,
}

impl CheckReport {
    /// No errors in the filtered view.
    pub fn healthy(&self) -> bool {
        self.summary.errors == 0
    }
}

/// Scan the project for integrity issues (cycles, dangling refs, schema,
/// archive placement, audit chains, frozen plans, parse errors).
pub fn check(p: &Project, req: &CheckRequest) -> ApiResult<CheckReport> {
    let mut ids = Vec::new();
    for i in &req.ids {
        ids.push(p.resolve(i)?.id);
    }
    let mut severities = Vec::new();
    for s in &req.severity {
        severities.push(Severity::parse(s).ok_or_else(|| {
            crate::ApiError::invalid(format!("unknown severity `{s}` (error, warning)"))
        })?);
    }
    let check::Report {
        issues: all,
        scanned,
    } = check::run_with(p, check::Options { full: req.full })?;
    let issues: Vec<Issue> = all
        .into_iter()
        .filter(|i| req.code.is_empty() || req.code.iter().any(|c| c == i.code))
        .filter(|i| severities.is_empty() || severities.contains(&i.severity))
        .filter(|i| ids.is_empty() || i.id.as_ref().is_some_and(|id| ids.contains(id)))
        .collect();
    let errors = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count();
    Ok(CheckReport {
        summary: CheckSummary {
            errors,
            warnings: issues.len() - errors,
            scanned,
        },
        issues,
    })
}
