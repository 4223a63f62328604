//! Response types for tickets: the lean row, the compact and full detail, and
//! the lean write result. Faces pick what to show; agents get lean by default.

use docket_core::audit::{self, LogEntry};
use docket_core::plan::{Approval, PlanState};
use docket_core::store::Entry;
use docket_core::ticket::{Criterion, Extra, Note, SECTION_DESCRIPTION, SECTION_DESIGN, strings};
use docket_core::{Meta, Project, Ticket, id};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Shortest unique id prefixes for `ids`, over every ticket of the project.
pub fn short_ids(p: &Project, ids: &[&str]) -> Vec<String> {
    let all: Vec<String> = p
        .files()
        .map(|f| f.into_iter().map(|f| f.id).collect())
        .unwrap_or_default();
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    short_ids_among(&refs, ids)
}

/// Shortest unique id prefixes for `ids`, over the ids `all` (every ticket
/// file's id; a hot index holds them already).
pub fn short_ids_among(all: &[&str], ids: &[&str]) -> Vec<String> {
    id::unique_prefixes_among(all, ids, 4)
}

/// [`short_ids_among`] every id in `sorted` ([`id::sorted_unique`]).
pub fn short_ids_in_sorted(sorted: &[&str], ids: &[&str]) -> Vec<String> {
    id::unique_prefixes_in_sorted(sorted, ids, 4)
}

/// The short handle of one ticket: from the id index's neighbors when it is
/// current (no folder listing), else over every ticket.
pub fn short_id(p: &Project, id: &str) -> String {
    if let Some(others) = docket_core::index::neighbors(p, id) {
        let mut all: Vec<&str> = others.iter().map(String::as_str).collect();
        let lower = id.to_ascii_lowercase();
        all.push(&lower);
        let shorts = id::shortest_unique_prefixes(&all, 4);
        if let Some(s) = shorts.last() {
            // Keep the id's own spelling.
            return id[..s.len().min(id.len())].to_string();
        }
    }
    short_ids(p, &[id]).pop().unwrap_or_else(|| id.to_string())
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A ticket as a lean list row: what an agent picks work by.
#[derive(Debug, Clone, Serialize)]
pub struct Brief {
    pub id: String,
    /// The handle people type: the shortest unique id prefix (JSON `handle`).
    #[serde(rename = "handle")]
    pub short: String,
    pub title: String,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub priority: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Checked / total acceptance criteria, when there are any (`"1/3"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ac: Option<String>,
    /// Waiting on an open or missing dependency.
    #[serde(skip_serializing_if = "is_false")]
    pub blocked: bool,
    /// The matching line, for search results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
}

/// A ticket as a full listing shows it in JSON (the CLI's `--json` rows): the
/// frontmatter fields, its handle and its path. Built here, in one place, so
/// rows a hot index renders ahead are the bytes a scan would print.
#[derive(Serialize)]
pub struct ListRow<'a> {
    #[serde(flatten)]
    pub meta: &'a Meta,
    /// The shortest unique id prefix, as people type it.
    pub handle: &'a str,
    pub path: std::borrow::Cow<'a, str>,
}

/// The JSON row of a listed ticket.
pub fn list_row<'a>(p: &Project, l: &'a Listed) -> ListRow<'a> {
    ListRow {
        meta: &l.entry.meta,
        handle: &l.short,
        path: p.display_path_of(&l.entry.path),
    }
}

/// Listed tickets as their JSON rows ([`ListRow`]), comma-separated: the
/// inside of a JSON array, ready to print without decoding a row. `fields`
/// gives a row's frontmatter, handle and path. Rendered a batch at a time on
/// all cores, so memory stays bounded whatever the listing's size.
pub fn write_rows_json<T: Sync>(
    p: &Project,
    rows: &[T],
    fields: impl Fn(&T) -> (&Meta, &str, &std::path::Path) + Sync,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    const BATCH: usize = 8192;
    let mut first = true;
    for batch in rows.chunks(BATCH) {
        let parts = docket_core::store::parallel_chunks(batch, 512, |rows| {
            let mut out: Vec<u8> = Vec::with_capacity(rows.len() * 480);
            for (i, r) in rows.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let (meta, handle, path) = fields(r);
                let row = ListRow {
                    meta,
                    handle,
                    path: p.display_path_of(path),
                };
                // Writing into a Vec cannot fail, and these types always
                // serialize.
                let _ = serde_json::to_writer(&mut out, &row);
            }
            out
        });
        for part in parts.iter().filter(|part| !part.is_empty()) {
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            w.write_all(part)?;
        }
    }
    Ok(())
}

/// What a ticket table shows of a ticket. Borrowed, so a hot index's reply
/// is read in place (no row is copied out of it), and a scan's rows are
/// shown without cloning.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableRow<'a> {
    pub handle: &'a str,
    pub priority: i64,
    pub status: &'a str,
    pub kind: &'a str,
    pub mode: &'a str,
    pub assignee: Option<&'a str>,
    pub title: &'a str,
    #[serde(borrow)]
    pub tags: Vec<&'a str>,
}

impl<'a> TableRow<'a> {
    /// The table row of a ticket whose handle is `handle`.
    pub fn of(meta: &'a Meta, handle: &'a str) -> TableRow<'a> {
        TableRow {
            handle,
            priority: meta.priority,
            status: &meta.status,
            kind: &meta.kind,
            mode: &meta.mode,
            assignee: meta.assignee.as_deref(),
            title: &meta.title,
            tags: meta.tags.iter().map(|t| t.as_str()).collect(),
        }
    }
}

/// One listed ticket: its entry plus what a listing knows about it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub entry: Entry,
    pub short: String,
    pub blocked: bool,
    /// The first matching line, for search results.
    pub line: Option<String>,
}

impl Listed {
    /// The lean row.
    pub fn brief(&self) -> Brief {
        let m = &self.entry.meta;
        Brief {
            id: m.id.to_string(),
            short: self.short.clone(),
            title: m.title.clone(),
            status: m.status.to_string(),
            kind: m.kind.to_string(),
            priority: m.priority,
            assignee: m.assignee.clone().map(String::from),
            tags: strings(&m.tags),
            ac: ac_progress(&m.acceptance),
            blocked: self.blocked,
            line: self.line.clone(),
        }
    }
}

/// `"done/total"` when there are criteria.
pub fn ac_progress(ac: &[Criterion]) -> Option<String> {
    (!ac.is_empty()).then(|| format!("{}/{}", ac.iter().filter(|c| c.done).count(), ac.len()))
}

/// How much to return.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Fields, sections, criteria, the plan and the last few log entries (no hashes).
    #[default]
    Compact,
    /// Everything: every log entry with hashes, plan revisions, notes, unknown keys.
    Full,
}

/// How many log entries the compact view carries.
pub const LOG_TAIL: usize = 5;

/// A log entry without its hash chain, for compact views.
#[derive(Debug, Clone, Serialize)]
pub struct LogLine {
    pub n: u64,
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub text: String,
}

/// The plan in the compact view: current text, version, and the freeze.
#[derive(Debug, Clone, Serialize)]
pub struct PlanBrief {
    pub text: String,
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen: Option<Approval>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deviations: Vec<LogLine>,
}

fn log_line(e: &LogEntry) -> LogLine {
    LogLine {
        n: e.n,
        at: e.at.clone(),
        kind: e.kind.clone(),
        actor: e.actor.clone(),
        text: e.text.clone(),
    }
}

/// `show` by default: every field once, sections, plan, the log's tail.
#[derive(Debug, Clone, Serialize)]
pub struct Compact {
    pub id: String,
    /// The handle people type: the shortest unique id prefix (JSON `handle`).
    #[serde(rename = "handle")]
    pub short: String,
    pub title: String,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub priority: i64,
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deps: Vec<String>,
    /// Dependencies that match no ticket (forward references: the ticket
    /// stays blocked until they exist).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_deps: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_refs: Vec<String>,
    /// Slugs of project documents it refers to (`docket doc read <slug>`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub docs: Vec<String>,
    pub created: String,
    pub updated: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub acceptance: Vec<Criterion>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub design: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanBrief>,
    /// The last few log entries, oldest first.
    pub log: Vec<LogLine>,
    /// How many log entries there are in all (`detail: full` returns them).
    pub log_total: usize,
    /// False when the hash chain does not verify (`check` says where).
    #[serde(skip_serializing_if = "Clone::clone")]
    pub log_intact: bool,
    pub path: String,
}

/// `show --full`: the whole ticket (the body's sections once, not the body twice).
#[derive(Debug, Clone, Serialize)]
pub struct Full {
    #[serde(flatten)]
    pub meta: Meta,
    /// The handle people type: the shortest unique id prefix (JSON `handle`).
    #[serde(rename = "handle")]
    pub short: String,
    pub path: String,
    /// Dependencies that match no ticket.
    pub missing_deps: Vec<String>,
    pub description: String,
    pub design: String,
    pub notes: Vec<Note>,
    /// The plan, its revisions, the freeze and the deviations; `null` when none.
    pub plan: Option<PlanState>,
    /// The audit log, oldest first, with its hash chain.
    pub log: Vec<LogEntry>,
    /// Whether the log's hash chain verifies.
    pub log_intact: bool,
    /// Unknown frontmatter keys, kept verbatim.
    pub extra: Extra,
}

/// Everything a face may want to show of one ticket, parsed once.
#[derive(Debug, Clone)]
pub struct Shown {
    pub ticket: Ticket,
    pub short: String,
    pub path: String,
    pub log: Vec<LogEntry>,
    pub log_intact: bool,
    pub plan: Option<PlanState>,
    /// Dependencies that match no ticket.
    pub missing_deps: Vec<String>,
}

impl Shown {
    /// Parse a ticket's log and plan once.
    pub fn new(p: &Project, t: Ticket) -> Shown {
        let (log, defects) = audit::parse(&t);
        let log_intact = defects.is_empty() && audit::verify(&log).is_none();
        let plan = docket_core::plan::state(&t, &log);
        let has_plan = !plan.revisions.is_empty() || !plan.text.is_empty();
        Shown {
            short: short_id(p, &t.meta.id),
            path: p.display_path(&t.path),
            log,
            log_intact,
            plan: has_plan.then_some(plan),
            missing_deps: crate::graph::missing(p, &t.meta.deps),
            ticket: t,
        }
    }

    /// The compact view.
    pub fn compact(&self) -> Compact {
        let m = &self.ticket.meta;
        let tail = self.log.len().saturating_sub(LOG_TAIL);
        Compact {
            id: m.id.to_string(),
            short: self.short.clone(),
            title: m.title.clone(),
            status: m.status.to_string(),
            kind: m.kind.to_string(),
            priority: m.priority,
            mode: m.mode.to_string(),
            tier: m.tier.clone().map(String::from),
            attention: m.attention,
            assignee: m.assignee.clone().map(String::from),
            parent: m.parent.clone().map(String::from),
            tags: strings(&m.tags),
            deps: strings(&m.deps),
            missing_deps: self.missing_deps.clone(),
            links: strings(&m.links),
            external_refs: strings(&m.external_refs),
            docs: docket_core::ops::docs_of(&self.ticket),
            created: m.created.to_string(),
            updated: m.updated.to_string(),
            closed: m.closed.clone().map(String::from),
            acceptance: m.acceptance.to_vec(),
            description: self.ticket.section(SECTION_DESCRIPTION),
            design: self.ticket.section(SECTION_DESIGN),
            plan: self.plan.as_ref().map(|pl| PlanBrief {
                text: pl.text.clone(),
                version: pl.version(),
                frozen: pl.frozen.clone(),
                deviations: pl.deviations.iter().map(log_line).collect(),
            }),
            log: self.log[tail..].iter().map(log_line).collect(),
            log_total: self.log.len(),
            log_intact: self.log_intact,
            path: self.path.clone(),
        }
    }

    /// The full view.
    pub fn full(&self) -> Full {
        let t = &self.ticket;
        Full {
            meta: t.meta.clone(),
            short: self.short.clone(),
            path: self.path.clone(),
            missing_deps: self.missing_deps.clone(),
            description: t.section(SECTION_DESCRIPTION),
            design: t.section(SECTION_DESIGN),
            notes: t.notes(),
            plan: self.plan.clone(),
            log: self.log.clone(),
            log_intact: self.log_intact,
            extra: t.extra.clone(),
        }
    }
}

/// The lean answer of a write: which ticket, where it is now, what changed.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub id: String,
    /// The handle people type: the shortest unique id prefix (JSON `handle`).
    #[serde(rename = "handle")]
    pub short: String,
    pub status: String,
    /// New values of the frontmatter fields that changed (`updated` aside), and
    /// `true` for each body section that changed (`description`, `design`, `plan`).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub changed: Map<String, Value>,
    /// Kinds of the audit-log entries this write appended, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logged: Vec<String>,
    /// Set when the ticket moved into the archive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_to: Option<String>,
    /// What the caller should know about a write that succeeded, e.g. a
    /// dependency on an id that matches no ticket.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The whole ticket after the write, for faces that show it (not serialized).
    #[serde(skip)]
    pub ticket: Ticket,
}

impl Changed {
    /// The answer of a core write: compared with the ticket as it was on disk
    /// right before the write (read under the lock), so a concurrent write to
    /// the same ticket never shows up as this one's change.
    pub fn of(p: &Project, o: docket_core::ops::Outcome) -> Changed {
        if !o.changed {
            let mut c = Changed::diff(p, Some(&o.ticket), o.ticket.clone(), None);
            c.changed.clear();
            c.logged.clear();
            return c;
        }
        Changed::diff(p, o.before.as_deref(), o.ticket, o.archived_to.as_deref())
    }

    /// Compare the ticket before and after a write.
    pub fn diff(
        p: &Project,
        before: Option<&Ticket>,
        after: Ticket,
        archived_to: Option<&std::path::Path>,
    ) -> Changed {
        let mut changed = Map::new();
        let new = serde_json::to_value(&after.meta).unwrap_or(Value::Null);
        let old = before
            .and_then(|b| serde_json::to_value(&b.meta).ok())
            .unwrap_or(Value::Null);
        if before.is_none() {
            // A new ticket: everything is new; the title says which one it is.
            changed.insert("title".into(), Value::String(after.meta.title.clone()));
        } else if let Value::Object(newm) = &new {
            for (k, v) in newm {
                if k == "updated" {
                    continue;
                }
                let was = old.get(k).unwrap_or(&Value::Null);
                if was != v {
                    changed.insert(k.clone(), v.clone());
                }
            }
        }
        for (key, name) in [
            ("description", SECTION_DESCRIPTION),
            ("design", SECTION_DESIGN),
            ("plan", docket_core::ticket::SECTION_PLAN),
        ] {
            let now = after.section(name);
            let was = before.map(|b| b.section(name)).unwrap_or_default();
            if now != was {
                changed.insert(key.into(), Value::Bool(true));
            }
        }
        let docs = docket_core::ops::docs_of(&after);
        if before.map(docket_core::ops::docs_of).unwrap_or_default() != docs {
            changed.insert("docs".into(), serde_json::json!(docs));
        }
        let before_n = before.map(|b| audit::parse(b).0.len()).unwrap_or(0);
        let logged = audit::parse(&after)
            .0
            .into_iter()
            .skip(before_n)
            .map(|e| e.kind)
            .collect();
        Changed {
            id: after.meta.id.to_string(),
            short: short_id(p, &after.meta.id),
            status: after.meta.status.to_string(),
            changed,
            logged,
            archived_to: archived_to.map(|a| p.display_path(a)),
            warnings: Vec::new(),
            ticket: after,
        }
    }
}

/// A page of results: the rows, how many matched in all, and where to go on.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
