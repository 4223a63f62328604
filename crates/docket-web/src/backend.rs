//! The one module that talks to the operations layer. Every route maps its HTTP
//! input to a call here and renders what comes back; no other module of the web
//! face touches the project, so the workflow guards hold exactly as in the CLI.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use docket_api::moves::{MoveKind, MoveRequest as ApiMove};
use docket_api::query::{BoardRequest, Filters, ListKind, ListRequest};
use docket_api::tickets::{CreateRequest, ShowRequest, UpdateRequest};
use docket_api::view::{Detail, Listed};
use docket_api::{ApiError, Context, insight, notes, project, query, sessions, tickets};
use docket_core::Project;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::WebError;
use crate::markdown;

/// Which project the dashboard serves. Every call builds a fresh [`Context`]
/// (project, clock, actor, session), so nothing is cached between requests.
#[derive(Debug, Clone)]
pub struct Backend {
    root: PathBuf,
    /// The session a request without one acts as (`--session`), if any.
    default_session: Option<String>,
}

/// Listing filters as the query string carries them (comma-separated lists).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    /// Ticket types, comma-separated (OR).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Tags, comma-separated (OR).
    pub tag: Option<String>,
    /// Statuses, comma-separated (OR); naming one includes terminal tickets.
    pub status: Option<String>,
    /// Assignees, comma-separated (OR).
    pub assignee: Option<String>,
    /// Modes (afk, hitl), comma-separated (OR).
    pub mode: Option<String>,
    /// Words to search for in the whole ticket file (turns the listing into a search).
    pub q: Option<String>,
    /// Page size (capped at [`MAX_LIMIT`]).
    pub limit: Option<usize>,
    /// A previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Include tickets in terminal statuses (the board always does).
    pub all: Option<bool>,
    /// Priorities, comma-separated, ranges allowed (`0-1,3`).
    pub priority: Option<String>,
    /// Sort fields, comma-separated, `-field` descending (`-priority,created`).
    pub sort: Option<String>,
}

/// Fields of a new ticket from the create form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateReq {
    /// One line.
    pub title: String,
    /// A configured type (default from the config).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// 0 (highest) to 4.
    pub priority: Option<i64>,
    /// afk or hitl.
    pub mode: Option<String>,
    /// Who should do it (blank: nobody).
    pub assignee: Option<String>,
    /// The parent ticket's id (blank: none).
    pub parent: Option<String>,
    /// Tags to set.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Markdown for the `## Description` section.
    pub description: Option<String>,
    /// Markdown for the `## Design` section.
    pub design: Option<String>,
    /// Acceptance criteria, one title each.
    #[serde(default)]
    pub acceptance: Vec<String>,
    /// Ids this ticket waits on.
    #[serde(default)]
    pub deps: Vec<String>,
}

/// Field changes from the ticket page; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateReq {
    /// New title.
    pub title: Option<String>,
    /// New type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// New priority, 0 to 4.
    pub priority: Option<i64>,
    /// New mode.
    pub mode: Option<String>,
    /// New assignee; an empty string clears it.
    pub assignee: Option<String>,
    /// New tier; an empty string clears it.
    pub tier: Option<String>,
    /// Replace all tags.
    pub tags: Option<Vec<String>>,
    /// Replace the `## Description` section.
    pub description: Option<String>,
    /// Replace the `## Design` section.
    pub design: Option<String>,
    /// Criteria to add.
    #[serde(default)]
    pub add_acceptance: Vec<String>,
    /// Criteria to remove, by title.
    #[serde(default)]
    pub remove_acceptance: Vec<String>,
}

/// Check or uncheck one acceptance criterion, named by its title.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionReq {
    /// The criterion's exact title.
    pub title: String,
    /// Checked or not.
    pub done: bool,
}

/// A note (free text) or a comment (recorded as a plan deviation while in progress).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteReq {
    /// The note's text (markdown).
    pub text: String,
    /// Record it as a comment rather than a note.
    #[serde(default)]
    pub comment: bool,
}

/// A move: to a named status, or the natural next one when `to` is absent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveReq {
    /// The target status; absent: the next one in the workflow.
    pub to: Option<String>,
    /// Only judge the move (every guard's verdict); write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Pass failing forceable guards, recorded as a violation (needs `reason`).
    #[serde(default)]
    pub force: bool,
    /// Why the guards were forced.
    pub reason: Option<String>,
}

/// A plan revision's full text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanReq {
    /// The whole plan (markdown).
    pub text: String,
}

/// Start a new session for the person at the page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartSessionReq {
    /// architect, implementer, or a custom role.
    pub role: String,
    /// A readable name (default: generated).
    pub name: Option<String>,
}

/// A card on the board or a row in a listing.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    /// The full id (links and moves use it).
    pub id: String,
    /// The handle: the shortest unique prefix, as shown (JSON `handle`).
    #[serde(rename = "handle")]
    pub short: String,
    /// The title, as text (the page escapes it).
    pub title: String,
    /// The current status (the column).
    pub status: String,
    /// The ticket type.
    #[serde(rename = "type")]
    pub kind: String,
    /// 0 (highest) to 4.
    pub priority: i64,
    /// afk or hitl.
    pub mode: String,
    /// critical, standard or low, when set.
    pub tier: Option<String>,
    /// Who does it, when set.
    pub assignee: Option<String>,
    /// Tags in file order.
    pub tags: Vec<String>,
    /// Checked acceptance criteria.
    pub criteria_done: usize,
    /// All acceptance criteria.
    pub criteria_total: usize,
    /// Open and waiting on an open or missing dependency.
    pub blocked: bool,
    /// The file is in `archive/`.
    pub archived: bool,
    /// Last change (RFC 3339).
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

/// The clock: `DOCKET_NOW` (tests pin it) or the real time.
fn now() -> jiff::Timestamp {
    std::env::var("DOCKET_NOW")
        .ok()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(jiff::Timestamp::now)
}

/// Who acts without a session: `DOCKET_ACTOR`, else the login name.
fn default_actor() -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    env("DOCKET_ACTOR")
        .or_else(|| env("USER"))
        .or_else(|| Some("web".into()))
}

/// Every ticket, in board order, terminal ones included (for references and graphs).
fn everything(cx: &Context) -> Result<Vec<Listed>, WebError> {
    let req = ListRequest {
        all: true,
        ..ListRequest::default()
    };
    Ok(query::list(cx, &req)?.rows)
}

fn card(info_terminal: &[String], l: &Listed) -> Card {
    let m = &l.entry.meta;
    Card {
        id: m.id.to_string(),
        short: l.short.clone(),
        title: m.title.clone(),
        status: m.status.to_string(),
        kind: m.kind.to_string(),
        priority: m.priority,
        mode: m.mode.to_string(),
        tier: m.tier.clone().map(String::from),
        assignee: m.assignee.clone().map(String::from),
        tags: docket_core::ticket::strings(&m.tags),
        criteria_done: m.acceptance.iter().filter(|c| c.done).count(),
        criteria_total: m.acceptance.len(),
        blocked: l.blocked && !info_terminal.iter().any(|s| *s == m.status),
        archived: l.entry.archived,
        updated: m.updated.to_string(),
        line: l.line.clone(),
    }
}

fn filters(q: &ListQuery) -> Result<Filters, WebError> {
    let priority = docket_core::query::parse_priorities(&split_list(&q.priority))
        .map_err(|m| WebError::new(400, "invalid_argument", m))?;
    Ok(Filters {
        types: split_list(&q.kind),
        mode: split_list(&q.mode),
        tag: split_list(&q.tag),
        status: split_list(&q.status),
        assignee: split_list(&q.assignee),
        priority,
    })
}

fn ref_json(by_id: &HashMap<&str, &Listed>, terminal: &[String], id: &str) -> Value {
    match by_id.get(id) {
        Some(l) => json!({
            "id": id,
            "handle": l.short,
            "title": l.entry.meta.title,
            "status": l.entry.meta.status,
            "done": terminal.iter().any(|s| *s == l.entry.meta.status),
            "missing": false,
        }),
        None => json!({"id": id, "missing": true}),
    }
}

impl Backend {
    /// A backend for the project whose root folder is `root`; `session` (checked
    /// now) is the one requests without a picked session act as.
    pub fn new(root: &Path, session: Option<&str>) -> Result<Backend, WebError> {
        let p = Project::open(root).map_err(ApiError::from)?;
        let default_session = match session.map(str::trim).filter(|s| !s.is_empty()) {
            Some(key) => Some(
                Context::new(p, now(), None)
                    .as_session(key)?
                    .session
                    .map(|s| s.id)
                    .unwrap_or_default(),
            ),
            None => None,
        };
        Ok(Backend {
            root: root.to_path_buf(),
            default_session,
        })
    }

    /// The project's `.docket/` folder, which the watcher observes.
    pub fn docket_dir(&self) -> PathBuf {
        self.root.join(docket_core::store::DIR_NAME)
    }

    /// The context of one call: the project as it is on disk now, the clock,
    /// and the picked session (by id), else the default actor.
    fn cx(&self, session_id: Option<&str>) -> Result<Context, WebError> {
        let p = Project::open(&self.root).map_err(ApiError::from)?;
        let cx = Context::new(p, now(), default_actor());
        let picked = session_id
            .filter(|s| !s.is_empty())
            .or(self.default_session.as_deref());
        Ok(match picked {
            Some(sid) => cx.as_session(sid)?,
            None => cx,
        })
    }

    /// The context of a read: no session, so an ended session never fails a read.
    fn read_cx(&self) -> Result<Context, WebError> {
        let p = Project::open(&self.root).map_err(ApiError::from)?;
        Ok(Context::new(p, now(), default_actor()))
    }

    /// Project facts the page needs once: workflow, allowed values, sessions.
    pub fn info(&self, session_id: Option<&str>) -> Result<Value, WebError> {
        let cx = self.read_cx()?;
        let info = project::info(&cx)?;
        // The picked (or default) session; one that ended shows as none.
        let current = self.cx(session_id).ok().and_then(|c| c.session);
        let roles = sessions::roles(&cx)?;
        let mut v = serde_json::to_value(&info).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.insert("roles".into(), json!(roles));
            o.insert("session".into(), json!(current));
            o.insert("actor".into(), json!(default_actor()));
        }
        Ok(v)
    }

    /// `GET /api/tickets`: filtered, in board order (search when `q` is given),
    /// a page at a time.
    pub fn list(&self, q: &ListQuery) -> Result<Value, WebError> {
        let cx = self.read_cx()?;
        let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let req = ListRequest {
            kind: if text.is_some() {
                ListKind::Search
            } else {
                ListKind::List
            },
            filters: filters(q)?,
            all: q.all.unwrap_or(false),
            text: text.map(String::from),
            limit: Some(q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)),
            cursor: q.cursor.clone(),
            sort: split_list(&q.sort),
            ..ListRequest::default()
        };
        let listing = query::list(&cx, &req)?;
        let terminal = &cx.project.config.workflow.terminal;
        let items: Vec<Card> = listing.rows.iter().map(|l| card(terminal, l)).collect();
        Ok(json!({
            "items": items,
            "total": listing.total,
            "next_cursor": listing.next_cursor,
        }))
    }

    /// `GET /api/board`: one column per status in workflow order, each capped;
    /// the rest of a column comes from `/api/tickets?status=S&cursor=N`.
    pub fn board(&self, q: &ListQuery) -> Result<Value, WebError> {
        let cx = self.read_cx()?;
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let req = BoardRequest {
            filters: filters(q)?,
            per_column: Some(limit),
        };
        let board = query::board(&cx, &req)?;
        let terminal = &cx.project.config.workflow.terminal;
        let columns: Vec<Value> = board
            .columns
            .iter()
            .filter(|c| req.filters.status.is_empty() || req.filters.status.contains(&c.status))
            .map(|c| {
                let cards: Vec<Card> = c.rows.iter().map(|l| card(terminal, l)).collect();
                json!({
                    "status": c.status,
                    "terminal": terminal.contains(&c.status),
                    "total": c.total,
                    "cards": cards,
                    "next_cursor": (c.total > limit).then(|| limit.to_string()),
                })
            })
            .collect();
        Ok(json!({ "columns": columns, "failures": board.skipped.len() }))
    }

    /// `GET /api/tickets/{id}`: everything the ticket page shows.
    pub fn ticket(&self, input: &str) -> Result<Value, WebError> {
        check_id(input)?;
        let cx = self.read_cx()?;
        let shown = tickets::show(
            &cx,
            &ShowRequest {
                id: input.to_string(),
                detail: Detail::Full,
            },
        )?;
        let full = shown.full();
        let all = everything(&cx)?;
        let by_id: HashMap<&str, &Listed> =
            all.iter().map(|l| (l.entry.meta.id.as_str(), l)).collect();
        let terminal = &cx.project.config.workflow.terminal;
        let id = full.meta.id.to_string();
        let refs = |ids: &mut dyn Iterator<Item = &str>| -> Vec<Value> {
            ids.map(|i| ref_json(&by_id, terminal, i)).collect()
        };
        let children: Vec<String> = all
            .iter()
            .filter(|l| l.entry.meta.parent.as_deref() == Some(id.as_str()))
            .map(|l| l.entry.meta.id.to_string())
            .collect();
        let dependents: Vec<String> = all
            .iter()
            .filter(|l| l.entry.meta.deps.iter().any(|d| *d == id))
            .map(|l| l.entry.meta.id.to_string())
            .collect();
        let blocked = by_id
            .get(id.as_str())
            .is_some_and(|l| l.blocked && !terminal.iter().any(|s| *s == l.entry.meta.status));
        let chain = if full.log_intact {
            json!({"intact": true, "entries": full.log.len()})
        } else {
            json!({"intact": false, "entries": full.log.len(), "problem": "the hash chain does not verify: run `docket check` to see where it breaks"})
        };
        let plan_json = full.plan.as_ref().map(|plan| {
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
        let next = cx.project.config.next_status(&full.meta.status);
        Ok(json!({
            "meta": full.meta,
            "handle": full.short,
            "path": full.path,
            "blocked": blocked,
            "description": full.description,
            "description_html": markdown::render(&full.description),
            "design": full.design,
            "design_html": markdown::render(&full.design),
            "notes": full.notes,
            "plan": plan_json,
            "log": full.log,
            "chain": chain,
            "deps": refs(&mut full.meta.deps.iter().map(|d| d.as_str())),
            "dependents": refs(&mut dependents.iter().map(String::as_str)),
            "children": refs(&mut children.iter().map(String::as_str)),
            "links": refs(&mut full.meta.links.iter().map(|l| l.as_str())),
            "parent": full.meta.parent.as_ref().map(|i| ref_json(&by_id, terminal, i)),
            "next": next,
        }))
    }

    /// `GET /api/tickets/{id}/graph`: the ticket, what it waits on (transitively,
    /// a few levels) and what waits on it, as nodes and edges for the SVG view.
    pub fn graph(&self, input: &str) -> Result<Value, WebError> {
        check_id(input)?;
        let cx = self.read_cx()?;
        let root = tickets::show(
            &cx,
            &ShowRequest {
                id: input.to_string(),
                detail: Detail::Compact,
            },
        )?
        .ticket
        .meta
        .id
        .to_string();
        let all = everything(&cx)?;
        let by_id: HashMap<&str, &Listed> =
            all.iter().map(|l| (l.entry.meta.id.as_str(), l)).collect();
        let terminal = &cx.project.config.workflow.terminal;
        let mut dependents: HashMap<&str, Vec<&str>> = HashMap::new();
        for l in &all {
            for d in &l.entry.meta.deps {
                dependents
                    .entry(d.as_str())
                    .or_default()
                    .push(l.entry.meta.id.as_str());
            }
        }
        const DEPTH: i64 = 3;
        const MAX_NODES: usize = 200;
        let mut level: BTreeMap<String, i64> = BTreeMap::new();
        let mut edges: Vec<(String, String)> = Vec::new();
        level.insert(root.clone(), 0);
        // Upstream: what the root waits on (negative levels, drawn to the left).
        let mut frontier = vec![root.clone()];
        for depth in 1..=DEPTH {
            let mut next = Vec::new();
            for id in &frontier {
                if let Some(l) = by_id.get(id.as_str()) {
                    for d in &l.entry.meta.deps {
                        edges.push((id.clone(), d.to_string()));
                        if !level.contains_key(d.as_str()) && level.len() < MAX_NODES {
                            level.insert(d.to_string(), -depth);
                            next.push(d.to_string());
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
                let mut r = ref_json(&by_id, terminal, id);
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

    /// `GET /api/activity`: the newest log entries across tickets (the api reads
    /// only the most recently updated tickets, so this stays cheap at any size).
    pub fn activity(&self, limit: usize, window: Option<String>) -> Result<Value, WebError> {
        let cx = self.read_cx()?;
        let req = insight::ActivityRequest {
            limit: Some(limit.clamp(1, 200)),
            window: Some(window.unwrap_or_else(|| "30d".into())),
        };
        let items = insight::activity(&cx, &req)?;
        let ids: Vec<&str> = items.iter().map(|a| a.id.as_str()).collect();
        let shorts = docket_api::view::short_ids(&cx.project, &ids);
        let out: Vec<Value> = items
            .iter()
            .zip(shorts)
            .map(|(a, short)| {
                json!({
                    "ticket": a.id,
                    "handle": short,
                    "title": a.title,
                    "entry": {"at": a.at, "kind": a.kind, "actor": a.actor, "text": a.text},
                })
            })
            .collect();
        Ok(json!({ "items": out }))
    }

    /// `GET /api/stats`: cycle time, throughput, burn and distribution over a
    /// window (`docket stats`).
    pub fn stats(&self, req: insight::StatsRequest) -> Result<Value, WebError> {
        let cx = self.read_cx()?;
        Ok(json!(insight::stats(&cx, &req)?))
    }

    /// `GET /api/sessions`: the active sessions.
    pub fn sessions(&self) -> Result<Value, WebError> {
        let cx = self.read_cx()?;
        Ok(json!({ "items": sessions::list(&cx)? }))
    }

    /// Start a detached session (the folder's default session is left alone, so
    /// a person's terminal is unaffected) for the page to act as.
    pub fn start_session(&self, req: StartSessionReq) -> Result<Value, WebError> {
        let cx = self.read_cx()?;
        let name = req
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(String::from);
        let s = sessions::start(
            &cx,
            &sessions::StartRequest {
                role: req.role.trim().to_string(),
                name,
                detach: true,
            },
        )?;
        Ok(json!(s))
    }

    /// End an active session (by id, prefix or name), as `docket session --end` does.
    pub fn end_session(&self, key: &str) -> Result<Value, WebError> {
        let cx = self.cx(Some(key))?;
        Ok(json!(sessions::end(&cx)?))
    }

    /// The active session a key (id, prefix or name) names, before the page picks it.
    pub fn find_session(&self, key: &str) -> Result<Value, WebError> {
        let cx = self.cx(Some(key))?;
        Ok(json!(cx.session))
    }

    /// `POST /api/tickets`.
    pub fn create(&self, sid: Option<&str>, req: CreateReq) -> Result<Value, WebError> {
        let cx = self.cx(sid)?;
        let nonblank = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        let out = tickets::create(
            &cx,
            CreateRequest {
                title: req.title,
                kind: nonblank(req.kind),
                priority: req.priority,
                mode: nonblank(req.mode),
                assignee: nonblank(req.assignee),
                parent: nonblank(req.parent),
                tags: req.tags,
                description: nonblank(req.description),
                design: nonblank(req.design),
                acceptance: req.acceptance,
                deps: req.deps,
                ..CreateRequest::default()
            },
        )?;
        Ok(json!(out))
    }

    /// `POST /api/tickets/{id}`: change fields.
    pub fn update(
        &self,
        sid: Option<&str>,
        input: &str,
        req: UpdateReq,
    ) -> Result<Value, WebError> {
        check_id(input)?;
        let cx = self.cx(sid)?;
        let out = tickets::update(
            &cx,
            UpdateRequest {
                id: input.to_string(),
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
                ..UpdateRequest::default()
            },
        )?;
        Ok(json!(out))
    }

    /// `POST /api/tickets/{id}/criteria`: check or uncheck one criterion.
    pub fn criterion(
        &self,
        sid: Option<&str>,
        input: &str,
        req: CriterionReq,
    ) -> Result<Value, WebError> {
        check_id(input)?;
        let cx = self.cx(sid)?;
        let out = tickets::update(
            &cx,
            UpdateRequest {
                id: input.to_string(),
                ac: Some(req.title),
                done: Some(req.done),
                ..UpdateRequest::default()
            },
        )?;
        Ok(json!(out))
    }

    /// `POST /api/tickets/{id}/notes`: a note, or a comment.
    pub fn note(&self, sid: Option<&str>, input: &str, req: NoteReq) -> Result<Value, WebError> {
        check_id(input)?;
        let cx = self.cx(sid)?;
        let r = notes::TextRequest {
            id: input.to_string(),
            text: req.text,
        };
        let out = if req.comment {
            notes::comment(&cx, &r)?
        } else {
            notes::add_note(&cx, &r)?
        };
        Ok(json!(out))
    }

    /// `POST /api/tickets/{id}/plan`: write or revise the plan.
    pub fn plan(&self, sid: Option<&str>, input: &str, req: PlanReq) -> Result<Value, WebError> {
        check_id(input)?;
        let cx = self.cx(sid)?;
        let out = notes::write_plan(
            &cx,
            &notes::TextRequest {
                id: input.to_string(),
                text: req.text,
            },
        )?;
        Ok(json!(out))
    }

    /// `POST /api/tickets/{id}/move`: the same move the CLI's `advance` makes.
    /// A refusal carries every guard's verdict (passed ones too) beside the
    /// api's failing ones and remedies; nothing is written.
    pub fn move_ticket(
        &self,
        sid: Option<&str>,
        input: &str,
        req: MoveReq,
    ) -> Result<Value, WebError> {
        check_id(input)?;
        let cx = self.cx(sid)?;
        let to = req
            .to
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from);
        let api_req = ApiMove {
            id: input.to_string(),
            kind: MoveKind::Advance,
            to,
            force: req.force,
            reason: req.reason.filter(|r| !r.trim().is_empty()),
            ..ApiMove::default()
        };
        let preview = docket_api::moves::explain(&cx, &api_req)?;
        if req.dry_run {
            return Ok(json!({"moved": false, "preview": preview}));
        }
        match docket_api::moves::move_ticket(&cx, api_req) {
            Ok(out) => Ok(json!({"moved": true, "changed": out, "preview": preview})),
            Err(e) => {
                let mut w = WebError::from(e);
                let d = w.details.get_or_insert_with(|| json!({}));
                if let Some(o) = d.as_object_mut() {
                    o.insert("preview".into(), json!(preview));
                }
                Err(w)
            }
        }
    }

    /// `GET /api/runs`: the ticket a run works on now, and the runner's log
    /// files (the api has no log listing, so their names are read here).
    pub fn runs(&self) -> Result<Value, WebError> {
        let cx = self.read_cx()?;
        let current = insight::current_run(&cx);
        let local = self.docket_dir().join("local");
        let mut logs: Vec<Value> = Vec::new();
        if let Ok(rd) = std::fs::read_dir(local.join("logs")) {
            for e in rd.flatten() {
                let meta = e.metadata().ok();
                let modified = meta
                    .as_ref()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| jiff::Timestamp::try_from(t).ok())
                    .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
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

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        let status = match e.code {
            "not_found" | "no_project" => 404,
            "guard_failed"
            | "transition_not_allowed"
            | "acceptance_incomplete"
            | "open_children"
            | "plan_frozen"
            | "has_incoming_refs"
            | "cycle"
            | "already_exists" => 409,
            "io_error" | "config_invalid" | "parse_error" => 500,
            _ => 400,
        };
        let mut w = WebError::new(status, e.code, e.message.clone());
        w.remedies = e
            .remedies
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect();
        if !e.details.is_empty() {
            w.details = Some(Value::Object(e.details.clone()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_anything_but_id_characters_are_refused() {
        for ok in ["t-01m8", "01m8ebgr2p", "w_1"] {
            assert!(valid_id(ok), "{ok}");
        }
        for bad in [
            "",
            "..",
            "../x",
            "a/b",
            "a\\b",
            "t-1\0",
            "x.md",
            &"a".repeat(81),
        ] {
            assert!(!valid_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn only_files_the_page_shows_wake_it() {
        let c = |p: &str| classify(Path::new(p));
        assert_eq!(
            c("tickets/t-01ab--fix-it.md"),
            Some(("tickets", Some("t-01ab".to_string())))
        );
        assert_eq!(c("archive/t-01ab--fix-it.md").map(|x| x.0), Some("tickets"));
        assert_eq!(c("local/sessions/s-1.json").map(|x| x.0), Some("sessions"));
        assert_eq!(c("local/run/current.json").map(|x| x.0), Some("runs"));
        assert_eq!(c("config.toml").map(|x| x.0), Some("config"));
        assert_eq!(c("local/cache-v1.bin"), None);
        assert_eq!(c("local/lock"), None);
        assert_eq!(c("tickets/.tmpAbc123"), None);
    }
}
