//! Every mutation docket can make, as one function each. Each takes the project
//! lock, validates everything before writing anything, and goes through the
//! workflow engine for status changes, so no front-end can bypass a rule.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::id;
use crate::store::{FileRef, Project};
use crate::ticket::{Criterion, Meta, SECTION_DESCRIPTION, SECTION_DESIGN, Ticket};
use crate::workflow::{self, GraphFacts, Verdict};

/// Who is acting and when; every change is stamped with it.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// RFC 3339 UTC timestamp, second precision.
    pub now: String,
    /// Name recorded on notes: the session's `name (role)`, else the user.
    pub actor: Option<String>,
    /// The acting session, when there is one.
    pub session: Option<crate::session::Session>,
}

impl Ctx {
    /// Context stamped with the current time.
    pub fn now(actor: Option<String>) -> Ctx {
        Ctx {
            now: format_ts(jiff::Timestamp::now()),
            actor,
            session: None,
        }
    }
}

/// Second-precision RFC 3339 UTC, the one timestamp format in ticket files.
pub fn format_ts(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Fields of a new ticket; `None` means "use the config default".
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub title: String,
    pub kind: Option<String>,
    pub priority: Option<i64>,
    pub mode: Option<String>,
    pub assignee: Option<String>,
    pub parent: Option<String>,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub external_refs: Vec<String>,
    pub description: Option<String>,
    pub design: Option<String>,
    pub acceptance: Vec<String>,
    /// Lenient: unresolved ids are kept verbatim as forward references.
    pub deps: Vec<String>,
    /// Strict: every id must resolve, or nothing is written.
    pub links: Vec<String>,
    /// Runner order within a stage (lower runs sooner).
    pub sequence: Option<f64>,
}

/// Where a move should go.
#[derive(Debug, Clone)]
pub enum Target {
    Status(String),
    /// The configured active status.
    Start,
    /// The first terminal status.
    Close,
    /// The first status that is neither terminal nor active.
    Reopen,
}

/// Overrides and records attached to a move.
#[derive(Debug, Clone, Default)]
pub struct MoveOptions {
    /// Pass failing forceable guards (requires `summary`).
    pub force: bool,
    /// Recorded as a note; required with `force`.
    pub summary: Option<String>,
}

/// A ticket after a mutation, and where it went.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub ticket: Ticket,
    /// Set when the mutation moved the file into `archive/`.
    pub archived_to: Option<PathBuf>,
    /// False when nothing needed to change (the file was not rewritten).
    pub changed: bool,
}

/// A dry evaluation of a move: every guard's verdict.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MovePreview {
    pub id: String,
    pub from: String,
    pub to: String,
    pub allowed: bool,
    pub verdicts: Vec<Verdict>,
}

/// Changes `update` can make; `None`/empty means "leave as is".
#[derive(Debug, Clone, Default)]
pub struct Update {
    pub title: Option<String>,
    pub kind: Option<String>,
    pub priority: Option<i64>,
    pub mode: Option<String>,
    /// `Some("")` clears.
    pub assignee: Option<String>,
    /// `Some("")` clears.
    pub parent: Option<String>,
    /// `Some("")` clears.
    pub tier: Option<String>,
    pub attention: Option<i64>,
    /// Replace all tags (`Some(vec![])` clears).
    pub tags: Option<Vec<String>>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
    pub external_refs: Option<Vec<String>>,
    pub description: Option<String>,
    pub design: Option<String>,
    pub body: Option<String>,
    pub add_ac: Vec<String>,
    /// Flip one criterion: (title, done).
    pub flip_ac: Option<(String, bool)>,
    pub remove_ac: Vec<String>,
    pub status: Option<String>,
    pub force: bool,
    pub summary: Option<String>,
    /// Runner order within a stage: `Some(None)` clears it.
    pub sequence: Option<Option<f64>>,
}

fn validate_value<S: AsRef<str>>(kind: &str, value: &str, allowed: &[S]) -> Result<()> {
    if allowed.iter().any(|a| a.as_ref() == value) {
        Ok(())
    } else {
        let names: Vec<&str> = allowed.iter().map(AsRef::as_ref).collect();
        Err(Error::invalid(format!(
            "invalid {kind} `{value}` (allowed: {})",
            names.join(", ")
        )))
    }
}

fn validate_range(kind: &str, value: i64, lo: i64, hi: i64) -> Result<()> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid {kind} {value}: use {lo} to {hi}"
        )))
    }
}

fn validate_priority(p: i64) -> Result<()> {
    validate_range("priority", p, 0, 4)
}

/// Tier names accepted by `tier` and `update --tier`.
pub const TIERS: &[&str] = &["critical", "standard", "low"];

fn validate_tier(t: &str) -> Result<()> {
    validate_value("tier", t, TIERS)
}

fn validate_attention(a: i64) -> Result<()> {
    validate_range("attention", a, 0, 99)
}

fn validate_sequence(s: f64) -> Result<()> {
    if s.is_finite() && s >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid sequence {s}: use a number ≥ 0 (lower runs sooner)"
        )))
    }
}

/// Store a sequence as the unknown frontmatter key `sequence` (an integer when whole).
fn set_sequence(t: &mut Ticket, s: Option<f64>) {
    match s {
        None => {
            t.extra.shift_remove("sequence");
        }
        Some(s) => {
            let v = if s.fract() == 0.0 && s.abs() < 1e15 {
                serde_json::Value::from(s as i64)
            } else {
                serde_json::Value::from(s)
            };
            t.extra.insert("sequence".into(), v);
        }
    }
}

fn non_blank(what: &str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        Err(Error::invalid(format!("{what} must not be empty")))
    } else if t.contains('\n') && what == "title" {
        Err(Error::invalid("title must be a single line"))
    } else {
        Ok(t.to_string())
    }
}

fn push_unique(list: &mut Vec<String>, v: String) {
    if !list.contains(&v) {
        list.push(v);
    }
}

fn clean_list(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for v in values {
        let v = v.trim();
        if !v.is_empty() {
            push_unique(&mut out, v.to_string());
        }
    }
    out
}

/// Resolve an id strictly against a name-only file list.
fn resolve_in(files: &[FileRef], input: &str) -> Result<String> {
    id::resolve(input, files.iter().map(|f| f.id.as_str()))
}

/// Resolve leniently: a missing id is kept verbatim, ambiguity is still an error.
fn resolve_lenient(files: &[FileRef], input: &str) -> Result<String> {
    match resolve_in(files, input) {
        Err(Error::NotFound { .. }) => Ok(input.trim().to_string()),
        other => other,
    }
}

/// Create a ticket. Nothing is written if any strict reference fails.
pub fn create(p: &Project, ctx: &Ctx, new: NewTicket) -> Result<Outcome> {
    let cfg = &p.config;
    let title = non_blank("title", &new.title)?;
    let kind = new.kind.unwrap_or_else(|| cfg.defaults.kind.clone());
    validate_value("type", &kind, &cfg.workflow.types)?;
    let mode = new.mode.unwrap_or_else(|| cfg.defaults.mode.clone());
    validate_value("mode", &mode, &cfg.workflow.modes)?;
    let priority = new.priority.unwrap_or(cfg.defaults.priority);
    validate_priority(priority)?;
    if let Some(t) = &new.tier {
        validate_tier(t)?;
    }
    if let Some(s) = new.sequence {
        validate_sequence(s)?;
    }
    let mut acceptance: Vec<Criterion> = Vec::new();
    for a in &new.acceptance {
        let title = non_blank("acceptance criterion", a)?;
        if !acceptance.iter().any(|c| c.title == title) {
            acceptance.push(Criterion { title, done: false });
        }
    }

    let _lock = p.lock()?;
    let files = p.files()?;
    let parent = match new
        .parent
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(parent) => Some(resolve_in(&files, parent)?),
        None => None,
    };
    let mut deps = Vec::new();
    for d in &new.deps {
        push_unique(&mut deps, resolve_lenient(&files, d)?);
    }
    let mut links = Vec::new();
    for l in &new.links {
        push_unique(&mut links, resolve_in(&files, l)?);
    }
    let mut id = id::generate(&cfg.project.prefix);
    while files.iter().any(|f| f.id == id) {
        id = id::generate(&cfg.project.prefix);
    }
    let mut ticket = Ticket {
        meta: Meta {
            id: id.clone(),
            title,
            status: cfg.initial_status().to_string(),
            kind,
            priority,
            mode,
            tier: new.tier,
            attention: None,
            assignee: new.assignee.filter(|a| !a.trim().is_empty()),
            parent,
            created: ctx.now.clone(),
            updated: ctx.now.clone(),
            closed: None,
            tags: clean_list(&new.tags),
            external_refs: clean_list(&new.external_refs),
            deps,
            links: links.clone(),
            acceptance,
        },
        extra: Default::default(),
        body: String::new(),
        path: PathBuf::new(),
    };
    if let Some(d) = &new.description {
        ticket.set_section(SECTION_DESCRIPTION, d);
    }
    if let Some(d) = &new.design {
        ticket.set_section(SECTION_DESIGN, d);
    }
    if new.sequence.is_some() {
        set_sequence(&mut ticket, new.sequence);
    }
    // Read every link target before writing anything, so a bad file aborts cleanly.
    let mut targets = Vec::new();
    for l in &links {
        let f = files
            .iter()
            .find(|f| &f.id == l)
            .ok_or(Error::NotFound { input: l.clone() })?;
        targets.push(p.read(f)?);
    }
    p.save(&mut ticket)?;
    for mut t in targets {
        if !t.meta.links.contains(&id) {
            t.meta.links.push(id.clone());
            t.meta.updated = ctx.now.clone();
            p.save(&mut t)?;
        }
    }
    Ok(Outcome {
        ticket,
        archived_to: None,
        changed: true,
    })
}

fn target_status(p: &Project, target: &Target) -> String {
    match target {
        Target::Status(s) => s.trim().to_string(),
        Target::Start => p.config.workflow.active.clone(),
        Target::Close => p.config.close_status().to_string(),
        Target::Reopen => p.config.reopen_status().unwrap_or_default().to_string(),
    }
}

fn graph_facts(p: &Project, meta: &Meta, guards: &[workflow::Guard]) -> Result<GraphFacts> {
    if !guards.iter().any(|g| g.needs_graph()) {
        return Ok(GraphFacts::default());
    }
    let scan = p.scan()?;
    let graph = Graph::new(&scan.entries, &p.config);
    let open_deps = match graph.get(&meta.id) {
        Some(e) => graph.open_deps(e),
        None => Vec::new(),
    };
    Ok(GraphFacts {
        open_children: graph.open_children(&meta.id),
        open_deps,
    })
}

/// Evaluate a move without making it (`--dry-run` / `--explain`).
pub fn preview_move(p: &Project, input: &str, target: &Target) -> Result<MovePreview> {
    let t = p.get(input)?;
    let to = target_status(p, target);
    let guards = workflow::guards_for(&p.config, &t.meta.id, &t.meta.status, &to)?;
    let facts = graph_facts(p, &t.meta, &guards)?;
    let verdicts = workflow::evaluate(&guards, &t.meta, &facts);
    Ok(MovePreview {
        id: t.meta.id.clone(),
        from: t.meta.status.clone(),
        allowed: verdicts.iter().all(|v| v.passed),
        to,
        verdicts,
    })
}

fn check_force(opts: &MoveOptions) -> Result<Option<String>> {
    let summary = opts
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from);
    if opts.force && summary.is_none() {
        return Err(Error::invalid(
            "--force needs a non-blank --summary explaining why",
        ));
    }
    Ok(summary)
}

/// What [`apply_move`] did.
#[derive(Debug, Clone, Copy, Default)]
struct Applied {
    /// The status changed.
    moved: bool,
    /// A failing guard was forced past (the summary is already recorded).
    forced: bool,
}

/// Apply a status change to an in-memory ticket after running its guards.
fn apply_move(
    p: &Project,
    ctx: &Ctx,
    t: &mut Ticket,
    to: &str,
    opts: &MoveOptions,
) -> Result<Applied> {
    if t.meta.status == to {
        // Still validate that the status exists, so typos are caught.
        if !p.config.workflow.statuses.iter().any(|s| s == to) {
            return Err(Error::invalid(format!(
                "unknown status `{to}` (allowed: {})",
                p.config.workflow.statuses.join(", ")
            )));
        }
        return Ok(Applied::default());
    }
    let guards = workflow::guards_for(&p.config, &t.meta.id, &t.meta.status, to)?;
    let facts = graph_facts(p, &t.meta, &guards)?;
    let verdicts = workflow::evaluate(&guards, &t.meta, &facts);
    let mut forced = false;
    if let Some(err) = workflow::first_failure(&t.meta.id, &t.meta, &verdicts) {
        forced = true;
        if !opts.force {
            return Err(err);
        }
        let failed: Vec<&str> = verdicts
            .iter()
            .filter(|v| !v.passed)
            .map(|v| v.guard)
            .collect();
        let reason = opts.summary.as_deref().unwrap_or("").trim();
        t.append_note(
            &ctx.now,
            ctx.actor.as_deref(),
            &format!("Forced past {}: {reason}", failed.join(", ")),
        );
    }
    t.meta.status = to.to_string();
    t.meta.closed = p.config.is_terminal(to).then(|| ctx.now.clone());
    Ok(Applied {
        moved: true,
        forced,
    })
}

fn finish(
    p: &Project,
    ctx: &Ctx,
    mut t: Ticket,
    was_archived: bool,
    changed: bool,
) -> Result<Outcome> {
    if !changed {
        return Ok(Outcome {
            ticket: t,
            archived_to: None,
            changed: false,
        });
    }
    t.meta.updated = ctx.now.clone();
    let path = p.save(&mut t)?;
    let archived_to = (!was_archived && p.config.is_terminal(&t.meta.status)).then_some(path);
    Ok(Outcome {
        ticket: t,
        archived_to,
        changed: true,
    })
}

/// Move a ticket through the workflow (start, status, close, reopen).
pub fn transition(
    p: &Project,
    ctx: &Ctx,
    input: &str,
    target: Target,
    opts: MoveOptions,
) -> Result<Outcome> {
    let summary = check_force(&opts)?;
    let to = target_status(p, &target);
    let _lock = p.lock()?;
    let mut t = p.get(input)?;
    let was_archived = p.config.is_terminal(&t.meta.status);
    let applied = apply_move(p, ctx, &mut t, &to, &opts)?;
    // A forced pass already recorded the summary; an unneeded --force must not drop it.
    if let Some(s) = summary.filter(|_| applied.moved && !applied.forced) {
        t.append_note(&ctx.now, ctx.actor.as_deref(), &s);
    }
    finish(p, ctx, t, was_archived, applied.moved)
}

/// Append a timestamped note.
pub fn add_note(p: &Project, ctx: &Ctx, input: &str, text: &str) -> Result<Outcome> {
    let text = non_blank("note", text)?;
    let _lock = p.lock()?;
    let mut t = p.get(input)?;
    let was_archived = p.config.is_terminal(&t.meta.status);
    t.append_note(&ctx.now, ctx.actor.as_deref(), &text);
    finish(p, ctx, t, was_archived, true)
}

/// Set/replace fields; acceptance changes apply add → flip → remove, then the
/// status change runs through the workflow's guards.
pub fn update(p: &Project, ctx: &Ctx, input: &str, u: Update) -> Result<Outcome> {
    let cfg = &p.config;
    if u.body.is_some() && (u.description.is_some() || u.design.is_some()) {
        return Err(Error::invalid(
            "--body replaces the whole body; it cannot be combined with --description or --design",
        ));
    }
    if u.tags.is_some() && (!u.add_tags.is_empty() || !u.remove_tags.is_empty()) {
        return Err(Error::invalid(
            "--tags cannot be combined with --add-tag or --remove-tag",
        ));
    }
    if let Some(both) = u.add_ac.iter().find(|a| u.remove_ac.contains(a)) {
        return Err(Error::invalid(format!(
            "acceptance criterion `{both}` is both added and removed"
        )));
    }
    if let Some(k) = &u.kind {
        validate_value("type", k, &cfg.workflow.types)?;
    }
    if let Some(m) = &u.mode {
        validate_value("mode", m, &cfg.workflow.modes)?;
    }
    if let Some(pr) = u.priority {
        validate_priority(pr)?;
    }
    if let Some(t) = u.tier.as_deref().filter(|t| !t.is_empty()) {
        validate_tier(t)?;
    }
    if let Some(a) = u.attention {
        validate_attention(a)?;
    }
    if let Some(Some(s)) = u.sequence {
        validate_sequence(s)?;
    }
    let title = u
        .title
        .as_deref()
        .map(|t| non_blank("title", t))
        .transpose()?;
    let opts = MoveOptions {
        force: u.force,
        summary: u.summary.clone(),
    };
    let summary = check_force(&opts)?;

    let _lock = p.lock()?;
    let mut t = p.get(input)?;
    let before = t.clone();
    let was_archived = cfg.is_terminal(&t.meta.status);
    let m = &mut t.meta;
    if let Some(title) = title {
        m.title = title;
    }
    if let Some(k) = u.kind {
        m.kind = k;
    }
    if let Some(pr) = u.priority {
        m.priority = pr;
    }
    if let Some(mo) = u.mode {
        m.mode = mo;
    }
    if let Some(a) = u.assignee {
        m.assignee = Some(a.trim().to_string()).filter(|a| !a.is_empty());
    }
    if let Some(tier) = u.tier {
        m.tier = Some(tier.trim().to_string()).filter(|a| !a.is_empty());
    }
    if let Some(a) = u.attention {
        m.attention = Some(a);
    }
    if let Some(parent) = u.parent {
        let parent = parent.trim();
        m.parent = if parent.is_empty() {
            None
        } else {
            let files = p.files()?;
            let pid = resolve_in(&files, parent)?;
            if pid == m.id {
                return Err(Error::invalid("a ticket cannot be its own parent"));
            }
            Some(pid)
        };
    }
    if let Some(tags) = u.tags {
        m.tags = clean_list(&tags);
    }
    for tag in clean_list(&u.add_tags) {
        push_unique(&mut m.tags, tag);
    }
    for tag in clean_list(&u.remove_tags) {
        m.tags.retain(|t| *t != tag);
    }
    if let Some(refs) = u.external_refs {
        m.external_refs = clean_list(&refs);
    }
    for a in &u.add_ac {
        let title = non_blank("acceptance criterion", a)?;
        if !m.acceptance.iter().any(|c| c.title == title) {
            m.acceptance.push(Criterion { title, done: false });
        }
    }
    if let Some((title, done)) = &u.flip_ac {
        let c = m
            .acceptance
            .iter_mut()
            .find(|c| c.title == *title)
            .ok_or_else(|| {
                Error::invalid(format!("no acceptance criterion titled exactly `{title}`"))
            })?;
        c.done = *done;
    }
    for r in &u.remove_ac {
        m.acceptance.retain(|c| c.title != *r);
    }
    if let Some(b) = u.body {
        t.body = if b.trim().is_empty() {
            String::new()
        } else {
            format!("\n{}\n", b.trim())
        };
    }
    if let Some(d) = u.description {
        t.set_section(SECTION_DESCRIPTION, &d);
    }
    if let Some(d) = u.design {
        t.set_section(SECTION_DESIGN, &d);
    }
    if let Some(s) = u.sequence {
        set_sequence(&mut t, s);
    }
    let mut moved = false;
    if let Some(status) = u.status {
        let applied = apply_move(p, ctx, &mut t, status.trim(), &opts)?;
        moved = applied.moved;
        if let Some(s) = summary.filter(|_| applied.moved && !applied.forced) {
            t.append_note(&ctx.now, ctx.actor.as_deref(), &s);
        }
    }
    let changed =
        moved || t.meta != before.meta || t.body != before.body || t.extra != before.extra;
    finish(p, ctx, t, was_archived, changed)
}

/// Load a ticket by exact id from a name-only listing (used for multi-ticket writes).
fn read_id(p: &Project, files: &[FileRef], id: &str) -> Result<Ticket> {
    let f = files.iter().find(|f| f.id == id).ok_or(Error::NotFound {
        input: id.to_string(),
    })?;
    p.read(f)
}

/// Add `from -> to` (from waits on to). `to` may be a forward reference.
pub fn dep(p: &Project, ctx: &Ctx, from: &str, to: &str) -> Result<Outcome> {
    let _lock = p.lock()?;
    let files = p.files()?;
    let from_id = resolve_in(&files, from)?;
    let to_id = resolve_lenient(&files, to)?;
    if from_id == to_id {
        return Err(Error::Cycle {
            path: vec![from_id.clone(), from_id],
        });
    }
    let mut t = read_id(p, &files, &from_id)?;
    if t.meta.deps.contains(&to_id) {
        return Ok(Outcome {
            ticket: t,
            archived_to: None,
            changed: false,
        });
    }
    let scan = p.scan()?;
    let graph = Graph::new(&scan.entries, &p.config);
    if let Some(path) = graph.cycle_with_edge(&from_id, &to_id) {
        return Err(Error::Cycle { path });
    }
    t.meta.deps.push(to_id);
    finish(p, ctx, t, false, true).map(|mut o| {
        o.archived_to = None;
        o
    })
}

/// Remove `from -> to`.
pub fn undep(p: &Project, ctx: &Ctx, from: &str, to: &str) -> Result<Outcome> {
    let _lock = p.lock()?;
    let files = p.files()?;
    let from_id = resolve_in(&files, from)?;
    let mut t = read_id(p, &files, &from_id)?;
    let to_id = match resolve_in(&files, to) {
        Ok(id) if t.meta.deps.contains(&id) => id,
        _ => to.trim().to_string(),
    };
    if !t.meta.deps.contains(&to_id) {
        return Err(Error::invalid(format!(
            "{from_id} does not depend on `{to}`"
        )));
    }
    t.meta.deps.retain(|d| *d != to_id);
    finish(p, ctx, t, false, true).map(|mut o| {
        o.archived_to = None;
        o
    })
}

fn resolve_all(p: &Project, inputs: &[String]) -> Result<(Vec<FileRef>, Vec<String>)> {
    if inputs.len() < 2 {
        return Err(Error::invalid("give at least two ticket ids"));
    }
    let files = p.files()?;
    let mut ids = Vec::new();
    for i in inputs {
        push_unique(&mut ids, resolve_in(&files, i)?);
    }
    if ids.len() < 2 {
        return Err(Error::invalid(
            "the ids name fewer than two distinct tickets",
        ));
    }
    Ok((files, ids))
}

/// Link every pair of the given tickets (symmetric). Returns every touched ticket.
pub fn link(p: &Project, ctx: &Ctx, inputs: &[String], add: bool) -> Result<Vec<Ticket>> {
    let _lock = p.lock()?;
    let (files, ids) = resolve_all(p, inputs)?;
    let mut tickets = ids
        .iter()
        .map(|id| read_id(p, &files, id))
        .collect::<Result<Vec<_>>>()?;
    for t in &mut tickets {
        let before = t.meta.links.clone();
        for other in ids.iter().filter(|o| **o != t.meta.id) {
            if add {
                push_unique(&mut t.meta.links, other.clone());
            } else {
                t.meta.links.retain(|l| l != other);
            }
        }
        if t.meta.links != before {
            t.meta.updated = ctx.now.clone();
            p.save(t)?;
        }
    }
    Ok(tickets)
}

/// What `delete` did.
#[derive(Debug, Clone)]
pub struct Deleted {
    pub ticket: Ticket,
    /// Tickets whose references to it were removed (`--cascade`).
    pub updated: Vec<Ticket>,
}

/// Delete a ticket file; refused while others reference it unless `cascade`,
/// which first removes those references.
pub fn delete(p: &Project, ctx: &Ctx, input: &str, cascade: bool) -> Result<Deleted> {
    let _lock = p.lock()?;
    let t = p.get(input)?;
    let id = t.meta.id.clone();
    let scan = p.scan()?;
    let referrers: Vec<&crate::store::Entry> = scan
        .entries
        .iter()
        .filter(|e| {
            e.meta.id != id
                && (e.meta.deps.contains(&id)
                    || e.meta.links.contains(&id)
                    || e.meta.parent.as_deref() == Some(id.as_str()))
        })
        .collect();
    if !referrers.is_empty() && !cascade {
        let mut ids: Vec<String> = referrers.iter().map(|e| e.meta.id.clone()).collect();
        ids.sort();
        return Err(Error::HasIncomingRefs { id, referrers: ids });
    }
    let files = p.files()?;
    let mut others = referrers
        .iter()
        .map(|e| read_id(p, &files, &e.meta.id))
        .collect::<Result<Vec<_>>>()?;
    for o in &mut others {
        o.meta.deps.retain(|d| *d != id);
        o.meta.links.retain(|d| *d != id);
        if o.meta.parent.as_deref() == Some(id.as_str()) {
            o.meta.parent = None;
        }
        o.meta.updated = ctx.now.clone();
        p.save(o)?;
    }
    p.remove(&t)?;
    Ok(Deleted {
        ticket: t,
        updated: others,
    })
}

/// Replace a ticket's whole file text (from `edit`), validating it first.
pub fn replace_text(p: &Project, ctx: &Ctx, input: &str, text: &str) -> Result<Outcome> {
    let _lock = p.lock()?;
    let old = p.get(input)?;
    let mut t = crate::yaml::parse_ticket(text, &old.path).map_err(|f| Error::Parse {
        path: old.path.clone(),
        message: f.message,
    })?;
    if t.meta.id != old.meta.id {
        return Err(Error::invalid(
            "the id in the frontmatter cannot be changed",
        ));
    }
    if !p.config.workflow.statuses.contains(&t.meta.status) {
        return Err(Error::invalid(format!(
            "unknown status `{}` (allowed: {})",
            t.meta.status,
            p.config.workflow.statuses.join(", ")
        )));
    }
    validate_value("type", &t.meta.kind, &p.config.workflow.types)?;
    validate_value("mode", &t.meta.mode, &p.config.workflow.modes)?;
    validate_priority(t.meta.priority)?;
    let was_archived = p.config.is_terminal(&old.meta.status);
    // A status edited by hand still goes through the workflow's guards.
    let new_status = std::mem::replace(&mut t.meta.status, old.meta.status.clone());
    apply_move(p, ctx, &mut t, &new_status, &MoveOptions::default())?;
    let changed = t.meta != old.meta || t.body != old.body || t.extra != old.extra;
    finish(p, ctx, t, was_archived, changed)
}
