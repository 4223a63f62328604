//! The one module that talks to the operations layer. Every route maps its HTTP
//! input to a call here and renders what comes back; no other module of the web
//! face touches the project, so the workflow guards hold exactly as in the CLI.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use docket_core::audit::{self, LogEntry};
use docket_core::graph::Graph;
use docket_core::ops::{self, Ctx, MoveOptions, NewTicket, Target, Update, format_ts};
use docket_core::query::{self, Filter};
use docket_core::session::{self, Session};
use docket_core::store::Entry;
use docket_core::ticket::{SECTION_DESCRIPTION, SECTION_DESIGN};
use docket_core::{Error, Project, id};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::WebError;
use crate::markdown;

/// Which project the dashboard serves and who acts for requests without a session.
#[derive(Debug, Clone)]
pub struct Backend {
    root: PathBuf,
}

/// Listing filters as the query string carries them (comma-separated lists).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub tag: Option<String>,
    pub status: Option<String>,
    pub assignee: Option<String>,
    pub mode: Option<String>,
    pub q: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// Include tickets in terminal statuses (the board always does).
    pub all: Option<bool>,
}

/// Fields of a new ticket from the create form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateReq {
    pub title: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub priority: Option<i64>,
    pub mode: Option<String>,
    pub assignee: Option<String>,
    pub parent: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub design: Option<String>,
    #[serde(default)]
    pub acceptance: Vec<String>,
    #[serde(default)]
    pub deps: Vec<String>,
}

/// Field changes from the ticket page; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateReq {
    pub title: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub priority: Option<i64>,
    pub mode: Option<String>,
    pub assignee: Option<String>,
    pub tier: Option<String>,
    pub tags: Option<Vec<String>>,
    pub description: Option<String>,
    pub design: Option<String>,
    #[serde(default)]
    pub add_acceptance: Vec<String>,
    #[serde(default)]
    pub remove_acceptance: Vec<String>,
}

/// Check or uncheck one acceptance criterion, named by its title.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionReq {
    pub title: String,
    pub done: bool,
}

/// A note (free text) or a comment (recorded as a plan deviation while in progress).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteReq {
    pub text: String,
    #[serde(default)]
    pub comment: bool,
}

/// A move: to a named status, or the natural next one when `to` is absent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveReq {
    pub to: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub force: bool,
    pub reason: Option<String>,
}

/// A plan revision's full text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanReq {
    pub text: String,
}

/// Start a new session for the person at the page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartSessionReq {
    pub role: String,
    pub name: Option<String>,
}

/// A card on the board or a row in a listing.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub id: String,
    pub short: String,
    pub title: String,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub priority: i64,
    pub mode: String,
    pub tier: Option<String>,
    pub assignee: Option<String>,
    pub tags: Vec<String>,
    pub criteria_done: usize,
    pub criteria_total: usize,
    pub blocked: bool,
    pub archived: bool,
    pub updated: String,
    /// The first matching line, for searches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
}

/// Most cards one column or page carries; the rest come with "show more".
pub const MAX_LIMIT: usize = 500;
const DEFAULT_LIMIT: usize = 100;

fn split_list(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Whether an id typed into a URL may reach the resolver: letters, digits, `-`
/// and `_` only, so no path separator or `..` can ever reach the filesystem.
pub fn valid_id(input: &str) -> bool {
    !input.is_empty()
        && input.len() <= 80
        && input
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check_id(input: &str) -> Result<(), WebError> {
    if valid_id(input) {
        Ok(())
    } else {
        Err(WebError::new(
            400,
            "invalid_id",
            "a ticket id holds only letters, digits, `-` and `_`",
        ))
    }
}

/// The clock: `DOCKET_NOW` (tests) or the real time.
fn now() -> String {
    let ts = std::env::var("DOCKET_NOW")
        .ok()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(jiff::Timestamp::now);
    format_ts(ts)
}

/// Who acts without a session: `DOCKET_ACTOR`, else the login name.
fn default_actor() -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    env("DOCKET_ACTOR")
        .or_else(|| env("USER"))
        .or_else(|| Some("web".into()))
}

impl Backend {
    /// A backend for the project whose root folder is `root`.
    pub fn new(root: &Path) -> Result<Backend, WebError> {
        Project::open(root).map_err(WebError::from)?;
        Ok(Backend {
            root: root.to_path_buf(),
        })
    }

    /// The project's `.docket/` folder, which the watcher observes.
    pub fn docket_dir(&self) -> PathBuf {
        self.root.join(docket_core::store::DIR_NAME)
    }

    fn project(&self) -> Result<Project, WebError> {
        Project::open(&self.root).map_err(WebError::from)
    }

    /// The acting context: the picked session (by id), else the default actor.
    fn ctx(&self, p: &Project, session_id: Option<&str>) -> Result<Ctx, WebError> {
        let session = match session_id.filter(|s| !s.is_empty()) {
            Some(sid) => Some(session::find(p, sid)?),
            None => None,
        };
        Ok(Ctx {
            now: now(),
            actor: session.as_ref().map(Session::label).or_else(default_actor),
            session,
        })
    }

    fn touch(p: &Project, ctx: &Ctx) {
        if let Some(mut s) = ctx.session.clone() {
            // Best effort, as in the CLI: failing to record last-seen is no error.
            let _ = session::touch(p, &mut s, &ctx.now);
        }
    }

    /// Project facts the page needs once: workflow, allowed values, sessions.
    pub fn info(&self, session_id: Option<&str>) -> Result<Value, WebError> {
        let p = self.project()?;
        let wf = &p.config.workflow;
        let current = session_id
            .filter(|s| !s.is_empty())
            .and_then(|sid| session::find(&p, sid).ok());
        let roles: Vec<Value> = session::roles(&p)?
            .into_iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect();
        Ok(json!({
            "prefix": p.config.project.prefix,
            "preset": wf.preset,
            "statuses": wf.statuses,
            "terminal": wf.terminal,
            "active": wf.active,
            "planning": wf.planning,
            "types": wf.types,
            "modes": wf.modes,
            "tiers": ops::TIERS,
            "defaults": {"type": p.config.defaults.kind, "priority": p.config.defaults.priority, "mode": p.config.defaults.mode},
            "roles": roles,
            "session": current,
            "actor": default_actor(),
        }))
    }

    fn filter(p: &Project, q: &ListQuery) -> Result<Filter, WebError> {
        let f = Filter {
            types: split_list(&q.kind),
            modes: split_list(&q.mode),
            tags: split_list(&q.tag),
            statuses: split_list(&q.status),
            assignees: split_list(&q.assignee),
        };
        f.validate(&p.config)
            .map_err(|m| WebError::new(400, "invalid_argument", m))?;
        Ok(f)
    }

    fn cards(p: &Project, idx: &Index, picked: &[(&Entry, Option<String>)]) -> Vec<Card> {
        picked
            .iter()
            .map(|(e, line)| {
                let m = &e.meta;
                Card {
                    id: m.id.clone(),
                    short: idx.short(&m.id),
                    title: m.title.clone(),
                    status: m.status.clone(),
                    kind: m.kind.clone(),
                    priority: m.priority,
                    mode: m.mode.clone(),
                    tier: m.tier.clone(),
                    assignee: m.assignee.clone(),
                    tags: m.tags.clone(),
                    criteria_done: m.acceptance.iter().filter(|c| c.done).count(),
                    criteria_total: m.acceptance.len(),
                    blocked: !p.config.is_terminal(&m.status) && idx.graph.is_blocked(e),
                    archived: e.archived,
                    updated: m.updated.clone(),
                    line: line.clone(),
                }
            })
            .collect()
    }

    /// `GET /api/tickets`: filtered, in board order, a page at a time.
    pub fn list(&self, q: &ListQuery) -> Result<Value, WebError> {
        let p = self.project()?;
        let filter = Self::filter(&p, q)?;
        let scan = p.scan()?;
        let all = q.all.unwrap_or(false) || !filter.statuses.is_empty();
        let mut chosen: Vec<&Entry> = scan
            .entries
            .iter()
            .filter(|e| all || !p.config.is_terminal(&e.meta.status))
            .filter(|e| filter.matches(&e.meta))
            .collect();
        chosen.sort_by(|a, b| query::by_board_order(&p.config)(a, b));
        let with_lines: Vec<(&Entry, Option<String>)> = match q.q.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => query::search(&chosen, text)
                .into_iter()
                .map(|h| (h.entry, Some(h.line)))
                .collect(),
            _ => chosen.into_iter().map(|e| (e, None)).collect(),
        };
        let total = with_lines.len();
        let (start, limit) = page(q)?;
        let end = (start + limit).min(total);
        let page_items = if start < total {
            &with_lines[start..end]
        } else {
            &[][..]
        };
        let idx = Index::new(&p, &scan.entries);
        let items = Self::cards(&p, &idx, page_items);
        Ok(json!({
            "items": items,
            "total": total,
            "next_cursor": (end < total).then(|| end.to_string()),
        }))
    }

    /// `GET /api/board`: one column per status in workflow order, each capped.
    pub fn board(&self, q: &ListQuery) -> Result<Value, WebError> {
        let p = self.project()?;
        let filter = Self::filter(&p, q)?;
        let scan = p.scan()?;
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let mut by_status: HashMap<&str, Vec<&Entry>> = HashMap::new();
        for e in scan.entries.iter().filter(|e| filter.matches(&e.meta)) {
            by_status.entry(e.meta.status.as_str()).or_default().push(e);
        }
        let idx = Index::new(&p, &scan.entries);
        let order = query::by_board_order(&p.config);
        let mut columns = Vec::new();
        for status in &p.config.workflow.statuses {
            if !filter.statuses.is_empty() && !filter.statuses.contains(status) {
                continue;
            }
            let mut list = by_status.remove(status.as_str()).unwrap_or_default();
            list.sort_by(|a, b| order(a, b));
            let total = list.len();
            let picked: Vec<(&Entry, Option<String>)> =
                list.into_iter().take(limit).map(|e| (e, None)).collect();
            let cards = Self::cards(&p, &idx, &picked);
            columns.push(json!({
                "status": status,
                "terminal": p.config.is_terminal(status),
                "total": total,
                "cards": cards,
                "next_cursor": (total > limit).then(|| limit.to_string()),
            }));
        }
        Ok(json!({ "columns": columns, "failures": scan.failures.len() }))
    }

    /// `GET /api/tickets/{id}`: everything the ticket page shows.
    pub fn ticket(&self, input: &str) -> Result<Value, WebError> {
        check_id(input)?;
        let p = self.project()?;
        let t = p.get(input)?;
        let scan = p.scan()?;
        let graph = Graph::new(&scan.entries, &p.config);
        let (log, defects) = audit::parse(&t);
        let broken = audit::verify(&log);
        let chain = if let Some(d) = defects.first().or(broken.as_ref()) {
            json!({"intact": false, "entry": d.entry, "problem": d.message})
        } else {
            json!({"intact": true, "entries": log.len()})
        };
        let plan = docket_core::plan::state(&t, &log);
        let has_plan = !plan.revisions.is_empty() || !plan.text.is_empty();
        let plan_json = has_plan.then(|| {
            let frozen_text = plan.frozen.as_ref().and_then(|a| {
                plan.revisions
                    .iter()
                    .find(|r| r.version == a.version)
                    .map(|r| r.text.clone())
            });
            json!({
                "text": plan.text,
                "html": markdown::render(&plan.text),
                "version": plan.version(),
                "intact": plan.intact(),
                "revisions": plan.revisions,
                "frozen": plan.frozen,
                "frozen_html": frozen_text.as_deref().map(markdown::render),
                "deviations": plan.deviations,
            })
        });
        let refs = |ids: &[String]| -> Vec<Value> { ids.iter().map(|i| ref_json(&graph, i)).collect() };
        let children: Vec<String> = scan
            .entries
            .iter()
            .filter(|e| e.meta.parent.as_deref() == Some(t.meta.id.as_str()))
            .map(|e| e.meta.id.clone())
            .collect();
        let dependents: Vec<String> = scan
            .entries
            .iter()
            .filter(|e| e.meta.deps.iter().any(|d| d == &t.meta.id))
            .map(|e| e.meta.id.clone())
            .collect();
        let short = Index::new(&p, &scan.entries).short(&t.meta.id);
        let blocked = graph
            .get(&t.meta.id)
            .is_some_and(|e| !p.config.is_terminal(&e.meta.status) && graph.is_blocked(e));
        let description = t.section(SECTION_DESCRIPTION);
        let design = t.section(SECTION_DESIGN);
        Ok(json!({
            "meta": t.meta,
            "short": short,
            "path": p.display_path(&t.path),
            "blocked": blocked,
            "description": description,
            "description_html": markdown::render(&description),
            "design": design,
            "design_html": markdown::render(&design),
            "notes": t.notes(),
            "plan": plan_json,
            "log": log,
            "chain": chain,
            "deps": refs(&t.meta.deps),
            "dependents": refs(&dependents),
            "children": refs(&children),
            "links": refs(&t.meta.links),
            "parent": t.meta.parent.as_ref().map(|i| ref_json(&graph, i)),
            "next": p.config.next_status(&t.meta.status),
        }))
    }

    /// `GET /api/tickets/{id}/graph`: the ticket, what it waits on (transitively,
    /// a few levels) and what waits on it, as nodes and edges for the SVG view.
    pub fn graph(&self, input: &str) -> Result<Value, WebError> {
        check_id(input)?;
        let p = self.project()?;
        let root = p.resolve(input)?.id;
        let scan = p.scan()?;
        let graph = Graph::new(&scan.entries, &p.config);
        let mut dependents: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in &scan.entries {
            for d in &e.meta.deps {
                dependents
                    .entry(d.as_str())
                    .or_default()
                    .push(e.meta.id.as_str());
            }
        }
        const DEPTH: i64 = 3;
        const MAX_NODES: usize = 200;
        let mut level: BTreeMap<String, i64> = BTreeMap::new();
        let mut edges: Vec<(String, String)> = Vec::new();
        level.insert(root.clone(), 0);
        // Upstream: what the root waits on (negative levels are to the left).
        let mut frontier = vec![root.clone()];
        for depth in 1..=DEPTH {
            let mut next = Vec::new();
            for id in &frontier {
                if let Some(e) = graph.get(id) {
                    for d in &e.meta.deps {
                        edges.push((id.clone(), d.clone()));
                        if !level.contains_key(d) && level.len() < MAX_NODES {
                            level.insert(d.clone(), -depth);
                            next.push(d.clone());
                        }
                    }
                }
            }
            frontier = next;
        }
        let mut frontier = vec![root.clone()];
        for depth in 1..=DEPTH {
            let mut next = Vec::new();
            for id in &frontier {
                for w in dependents.get(id.as_str()).into_iter().flatten() {
                    edges.push((w.to_string(), id.clone()));
                    if !level.contains_key(*w) && level.len() < MAX_NODES {
                        level.insert(w.to_string(), depth);
                        next.push(w.to_string());
                    }
                }
            }
            frontier = next;
        }
        let mut seen = HashSet::new();
        edges.retain(|(a, b)| {
            level.contains_key(a) && level.contains_key(b) && seen.insert((a.clone(), b.clone()))
        });
        let nodes: Vec<Value> = level
            .iter()
            .map(|(id, lvl)| {
                let mut r = ref_json(&graph, id);
                if let Some(o) = r.as_object_mut() {
                    o.insert("level".into(), json!(lvl));
                    o.insert("root".into(), json!(*id == root));
                }
                r
            })
            .collect();
        let edges: Vec<Value> = edges
            .into_iter()
            .map(|(from, to)| json!({"from": from, "to": to}))
            .collect();
        Ok(json!({"root": root, "nodes": nodes, "edges": edges}))
    }

    /// `GET /api/activity`: the newest log entries across tickets. Only the most
    /// recently updated tickets are read, so this stays cheap at any size.
    pub fn activity(&self, limit: usize) -> Result<Value, WebError> {
        let p = self.project()?;
        let scan = p.scan()?;
        let limit = limit.clamp(1, 200);
        let mut recent: Vec<&Entry> = scan.entries.iter().collect();
        recent.sort_by(|a, b| b.meta.updated.cmp(&a.meta.updated));
        recent.truncate(limit);
        let mut items: Vec<(LogEntry, &Entry)> = Vec::new();
        for e in recent {
            if let Ok(t) = p.read(&docket_core::store::FileRef {
                id: e.meta.id.clone(),
                path: e.path.clone(),
                archived: e.archived,
            }) {
                let (log, _) = audit::parse(&t);
                items.extend(log.into_iter().map(|l| (l, e)));
            }
        }
        items.sort_by(|a, b| b.0.at.cmp(&a.0.at).then(b.0.n.cmp(&a.0.n)));
        items.truncate(limit);
        let out: Vec<Value> = items
            .into_iter()
            .map(|(l, e)| json!({"ticket": e.meta.id, "title": e.meta.title, "status": e.meta.status, "entry": l}))
            .collect();
        Ok(json!({ "items": out }))
    }

    /// `GET /api/sessions`: the active sessions.
    pub fn sessions(&self) -> Result<Value, WebError> {
        let p = self.project()?;
        Ok(json!({ "items": session::list(&p)? }))
    }

    /// Start a detached session (the folder's default session is left alone, so
    /// a person's terminal is unaffected) for the page to act as.
    pub fn start_session(&self, req: StartSessionReq) -> Result<Value, WebError> {
        let p = self.project()?;
        let name = req.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let s = session::start_detached(&p, &now(), req.role.trim(), name)?;
        Ok(json!(s))
    }

    /// Check that a session id names an active session (before the page picks it).
    pub fn find_session(&self, key: &str) -> Result<Session, WebError> {
        let p = self.project()?;
        Ok(session::find(&p, key)?)
    }

    /// `POST /api/tickets`.
    pub fn create(&self, sid: Option<&str>, req: CreateReq) -> Result<Value, WebError> {
        let p = self.project()?;
        let ctx = self.ctx(&p, sid)?;
        let new = NewTicket {
            title: req.title,
            kind: req.kind.filter(|s| !s.is_empty()),
            priority: req.priority,
            mode: req.mode.filter(|s| !s.is_empty()),
            assignee: req.assignee.filter(|s| !s.trim().is_empty()),
            parent: req.parent.filter(|s| !s.trim().is_empty()),
            tags: req.tags,
            description: req.description.filter(|s| !s.trim().is_empty()),
            design: req.design.filter(|s| !s.trim().is_empty()),
            acceptance: req.acceptance,
            deps: req.deps,
            ..NewTicket::default()
        };
        let out = ops::create(&p, &ctx, new)?;
        Self::touch(&p, &ctx);
        Ok(json!({"id": out.ticket.meta.id, "path": p.display_path(&out.ticket.path)}))
    }

    /// `POST /api/tickets/{id}`: change fields.
    pub fn update(&self, sid: Option<&str>, input: &str, req: UpdateReq) -> Result<Value, WebError> {
        check_id(input)?;
        let p = self.project()?;
        let ctx = self.ctx(&p, sid)?;
        let u = Update {
            title: req.title,
            kind: req.kind,
            priority: req.priority,
            mode: req.mode,
            assignee: req.assignee,
            tier: req.tier,
            tags: req.tags,
            description: req.description,
            design: req.design,
            add_ac: req.add_acceptance,
            remove_ac: req.remove_acceptance,
            ..Update::default()
        };
        let out = ops::update(&p, &ctx, input, u)?;
        Self::touch(&p, &ctx);
        Ok(json!({"id": out.ticket.meta.id, "changed": out.changed}))
    }

    /// `POST /api/tickets/{id}/criteria`: check or uncheck one criterion.
    pub fn criterion(&self, sid: Option<&str>, input: &str, req: CriterionReq) -> Result<Value, WebError> {
        check_id(input)?;
        let p = self.project()?;
        let ctx = self.ctx(&p, sid)?;
        let u = Update {
            flip_ac: Some((req.title, req.done)),
            ..Update::default()
        };
        let out = ops::update(&p, &ctx, input, u)?;
        Self::touch(&p, &ctx);
        Ok(json!({"id": out.ticket.meta.id, "acceptance": out.ticket.meta.acceptance}))
    }

    /// `POST /api/tickets/{id}/notes`: a note, or a comment.
    pub fn note(&self, sid: Option<&str>, input: &str, req: NoteReq) -> Result<Value, WebError> {
        check_id(input)?;
        let p = self.project()?;
        let ctx = self.ctx(&p, sid)?;
        let out = if req.comment {
            ops::comment(&p, &ctx, input, &req.text)?
        } else {
            ops::add_note(&p, &ctx, input, &req.text)?
        };
        Self::touch(&p, &ctx);
        Ok(json!({"id": out.ticket.meta.id}))
    }

    /// `POST /api/tickets/{id}/plan`: write or revise the plan.
    pub fn plan(&self, sid: Option<&str>, input: &str, req: PlanReq) -> Result<Value, WebError> {
        check_id(input)?;
        let p = self.project()?;
        let ctx = self.ctx(&p, sid)?;
        let out = ops::write_plan(&p, &ctx, input, &req.text)?;
        Self::touch(&p, &ctx);
        Ok(json!({"id": out.ticket.meta.id}))
    }

    /// `POST /api/tickets/{id}/move`: judge the move with every guard; refuse
    /// with all verdicts (nothing written) or make it through the same operation
    /// the CLI's `advance` uses.
    pub fn move_ticket(&self, sid: Option<&str>, input: &str, req: MoveReq) -> Result<Value, WebError> {
        check_id(input)?;
        let p = self.project()?;
        let ctx = self.ctx(&p, sid)?;
        let target = match req.to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Target::Status(s.to_string()),
            None => Target::Next,
        };
        let preview = ops::preview_move(&p, &ctx, input, &target)?;
        if req.dry_run {
            return Ok(json!({"moved": false, "preview": preview}));
        }
        if !preview.allowed && !req.force {
            let failing: Vec<&str> = preview
                .verdicts
                .iter()
                .filter(|v| !v.passed)
                .map(|v| v.guard)
                .collect();
            let mut e = WebError::new(
                409,
                "guard_failed",
                format!(
                    "{} → {} refused by {}",
                    preview.from,
                    preview.to,
                    failing.join(", ")
                ),
            );
            e.details = Some(json!({"preview": preview}));
            return Err(e);
        }
        let opts = MoveOptions {
            force: req.force,
            reason: req.reason,
            summary: None,
        };
        let out = ops::transition(&p, &ctx, input, Target::Status(preview.to.clone()), opts)?;
        Self::touch(&p, &ctx);
        Ok(json!({
            "moved": out.changed,
            "id": out.ticket.meta.id,
            "status": out.ticket.meta.status,
            "preview": preview,
        }))
    }

    /// `GET /api/runs`: the runner's current run and its log files, if any.
    pub fn runs(&self) -> Result<Value, WebError> {
        let p = self.project()?;
        let local = p.local_dir();
        let current = std::fs::read_to_string(local.join("run").join("current.json"))
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok());
        let mut logs: Vec<Value> = Vec::new();
        if let Ok(rd) = std::fs::read_dir(local.join("logs")) {
            for e in rd.flatten() {
                let meta = e.metadata().ok();
                let modified = meta
                    .as_ref()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| jiff::Timestamp::try_from(t).ok())
                    .map(format_ts);
                logs.push(json!({
                    "name": e.file_name().to_string_lossy(),
                    "size": meta.map(|m| m.len()),
                    "modified": modified,
                }));
            }
        }
        logs.sort_by(|a, b| b["modified"].as_str().cmp(&a["modified"].as_str()));
        logs.truncate(50);
        Ok(json!({"current": current, "logs": logs}))
    }
}

fn page(q: &ListQuery) -> Result<(usize, usize), WebError> {
    let start = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| WebError::new(400, "invalid_argument", "cursor: not a cursor this server issued"))?,
        None => 0,
    };
    Ok((start, q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)))
}

fn ref_json(graph: &Graph, id: &str) -> Value {
    match graph.get(id) {
        Some(e) => json!({
            "id": id,
            "title": e.meta.title,
            "status": e.meta.status,
            "done": graph.is_terminal(e),
            "missing": false,
        }),
        None => json!({"id": id, "missing": true}),
    }
}

/// The graph and shortest unique ids over one scan, built once per request.
struct Index<'a> {
    graph: Graph<'a>,
    shorts: HashMap<&'a str, String>,
}

impl<'a> Index<'a> {
    fn new(p: &'a Project, all: &'a [Entry]) -> Index<'a> {
        let refs: Vec<&str> = all.iter().map(|e| e.meta.id.as_str()).collect();
        let shorts = id::shortest_unique_prefixes(&refs, 4);
        Index {
            graph: Graph::new(all, &p.config),
            shorts: refs.into_iter().zip(shorts).collect(),
        }
    }

    fn short(&self, id: &str) -> String {
        self.shorts.get(id).cloned().unwrap_or_else(|| id.to_string())
    }
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::NotFound { .. } | Error::NoProject { .. } => 404,
            Error::GuardFailed { .. }
            | Error::TransitionNotAllowed { .. }
            | Error::AcceptanceIncomplete { .. }
            | Error::OpenChildren { .. }
            | Error::PlanFrozen { .. }
            | Error::HasIncomingRefs { .. }
            | Error::Cycle { .. }
            | Error::AlreadyExists { .. } => 409,
            Error::Io { .. } | Error::ConfigInvalid { .. } | Error::Parse { .. } => 500,
            _ => 400,
        };
        let mut w = WebError::new(status, e.code(), e.to_string());
        if let Some(h) = e.hint() {
            w.remedies.push(json!({"hint": h}));
        }
        w
    }
}

/// What part of the dashboard a changed path under `.docket/` affects, and the
/// ticket id when it is a ticket file; `None` for derived files (the cache, the
/// lock, temp files) that must not wake anyone.
pub fn classify(rel: &Path) -> Option<(&'static str, Option<String>)> {
    let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
    let name = parts.last().copied().unwrap_or("");
    if name.starts_with(".tmp") || name.starts_with('.') {
        return None;
    }
    match parts.as_slice() {
        ["tickets" | "archive"] => Some(("tickets", None)),
        ["tickets" | "archive", file] => Some((
            "tickets",
            docket_core::store::id_from_file_name(file).map(String::from),
        )),
        ["config.toml"] | ["roles.toml"] => Some(("config", None)),
        ["local", "session"] | ["local", "sessions", ..] => Some(("sessions", None)),
        ["local", "run", ..] | ["local", "logs", ..] => Some(("runs", None)),
        _ => None,
    }
}
