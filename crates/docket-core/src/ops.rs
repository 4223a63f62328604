//! Every mutation docket can make, as one function each. Each takes the project
//! lock, validates everything before writing anything, and goes through the
//! workflow engine for status changes, so no front-end can bypass a rule.

use std::path::PathBuf;

use crate::audit::{self, Author, kind};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::id;
use crate::store::{FileRef, Project};
use crate::ticket::{
    Criterion, Holds, Meta, SECTION_DESCRIPTION, SECTION_DESIGN, SECTION_PLAN, Text, Ticket, texts,
};
use crate::workflow::{self, GraphFacts, Mover, Verdict};

/// Who is acting and when; every change is stamped with it.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// RFC 3339 UTC timestamp, second precision.
    pub now: String,
    /// Name recorded on notes: the session's `name (role)`, else the user.
    pub actor: Option<String>,
    /// The acting session, when there is one.
    pub session: Option<crate::session::Session>,
    /// The person or agent behind the session (`DOCKET_ACTOR`, else the
    /// user): recorded on plans and approvals, so an approval by another
    /// session of the same actor is logged as such and `check` can say so.
    pub user: Option<String>,
}

impl Ctx {
    /// The author stamped on log entries.
    pub fn author(&self) -> Author {
        Author {
            actor: self.actor.clone().unwrap_or_else(|| "unknown".into()),
            session: self.session.as_ref().map(|s| s.id.clone()),
            role: self.session.as_ref().map(|s| s.role.clone()),
        }
    }

    /// The mover the workflow guards judge.
    pub fn mover(&self) -> Mover {
        Mover {
            session: self.session.as_ref().map(|s| s.id.clone()),
            role: self.session.as_ref().map(|s| s.role.clone()),
            base_role: self.session.as_ref().map(|s| s.base_role.clone()),
            actor: self.author().actor,
        }
    }

    /// Append a log entry stamped with this context.
    fn log(&self, t: &mut Ticket, kind: &str, data: &[(&str, &str)], text: &str) {
        audit::append(t, &self.now, &self.author(), kind, data, text);
    }

    /// Context stamped with the current time.
    pub fn now(actor: Option<String>) -> Ctx {
        Ctx {
            now: format_ts(jiff::Timestamp::now()),
            user: actor.clone(),
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
    pub attention: Option<i64>,
    /// Slugs of project documents the ticket refers to (each must exist).
    pub docs: Vec<String>,
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
    /// The natural next status in board order (`advance`).
    Next,
}

/// Overrides and records attached to a move.
#[derive(Debug, Clone, Default)]
pub struct MoveOptions {
    /// Take over another live session's claim (needs a reason; logged as a violation).
    pub steal: bool,
    /// The move asks to take the ticket (`claim`): even in the status it is
    /// in, it claims it, and another live session's claim refuses it. `start`
    /// of a ticket already active asks too.
    pub claim: bool,
    /// Pass failing forceable guards (requires `reason` or `summary`).
    pub force: bool,
    /// Recorded as a note after the move (and the reason, when none is given).
    pub summary: Option<String>,
    /// Why a guard was forced; recorded on the violation entry.
    pub reason: Option<String>,
}

/// A ticket after a mutation, and where it went.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub ticket: Ticket,
    /// Set when the mutation moved the file into `archive/`.
    pub archived_to: Option<PathBuf>,
    /// False when nothing needed to change (the file was not rewritten).
    pub changed: bool,
    /// The ticket as it was on disk right before this write, read under the
    /// lock (so concurrent writers never leak into "what changed"); `None` for
    /// a new ticket or when nothing was written.
    pub before: Option<Box<Ticket>>,
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
    /// Flip criteria: (title, done) each.
    pub flip_ac: Vec<(String, bool)>,
    pub remove_ac: Vec<String>,
    pub status: Option<String>,
    pub force: bool,
    pub summary: Option<String>,
    /// Runner order within a stage: `Some(None)` clears it.
    pub sequence: Option<Option<f64>>,
    /// Document references to add (each must exist) and to remove.
    pub add_docs: Vec<String>,
    pub remove_docs: Vec<String>,
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

/// The frontmatter key holding document references. An unknown key to older
/// readers, so it survives their rewrites and keeps the cache format unchanged.
pub const DOCS_KEY: &str = "docs";

/// The documents a ticket refers to (`docs` frontmatter list).
pub fn docs_of(t: &Ticket) -> Vec<String> {
    t.extra
        .get(DOCS_KEY)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn set_docs(t: &mut Ticket, docs: Vec<String>) {
    if docs.is_empty() {
        t.extra.shift_remove(DOCS_KEY);
    } else {
        t.extra.insert(
            DOCS_KEY.into(),
            serde_json::Value::Array(docs.into_iter().map(serde_json::Value::from).collect()),
        );
    }
}

/// Validate document references to add: well-formed slugs of live documents.
fn check_docs(p: &Project, slugs: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for s in clean_list(slugs) {
        crate::knowledge::validate_key("document slug", &s)?;
        if !crate::knowledge::doc_exists(p, &s) {
            return Err(Error::EntryNotFound {
                what: "document",
                key: s,
            });
        }
        push_unique(&mut out, s);
    }
    Ok(out)
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

/// Adds `v` unless the list (a `Vec` or a ticket's [`crate::ticket::List`])
/// already holds it.
fn push_unique<T: PartialEq, L: AsRef<[T]> + Extend<T>>(list: &mut L, v: T) {
    if !list.as_ref().contains(&v) {
        list.extend([v]);
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

/// Refuse text that would forge sections. A description or design may not hold
/// any `## ` heading (it would end the section); a whole body (`--body`) may hold
/// its own sections but not Plan, Notes or Log, which only docket writes.
fn reject_reserved(what: &str, text: &str, whole_body: bool) -> Result<()> {
    audit::validate_no_marker(text)?;
    for line in text.lines() {
        // `set_section` trims the text, so a first line's indent disappears.
        let Some(title) = line.trim_start().strip_prefix("## ") else {
            continue;
        };
        let title = title.trim();
        if !whole_body {
            return Err(Error::invalid(format!(
                "{what} must not contain `## ` headings (they would end the section); use `###` or deeper"
            )));
        }
        if [
            SECTION_PLAN,
            crate::ticket::SECTION_NOTES,
            audit::SECTION_LOG,
        ]
        .contains(&title)
        {
            return Err(Error::invalid(format!(
                "{what} must not contain a `## {title}` section (plans go through `docket plan`; notes and the log are written by docket)"
            )));
        }
    }
    Ok(())
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
    if let Some(a) = new.attention {
        validate_attention(a)?;
    }
    for (what, text) in [("description", &new.description), ("design", &new.design)] {
        if let Some(t) = text {
            reject_reserved(what, t, false)?;
        }
    }
    let mut acceptance: Vec<Criterion> = Vec::new();
    for a in &new.acceptance {
        let title = non_blank("acceptance criterion", a)?;
        if !acceptance.iter().any(|c| c.title == title) {
            acceptance.push(Criterion { title, done: false });
        }
    }

    let _lock = p.lock()?;
    let docs = check_docs(p, &new.docs)?;
    // References resolve through the id index: no folder listing, so create
    // costs the same at any project size.
    let parent = match new
        .parent
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(parent) => Some(p.resolve(parent)?.id),
        None => None,
    };
    let mut deps = Vec::new();
    for d in &new.deps {
        let id = match p.resolve(d) {
            Err(Error::NotFound { .. }) => d.trim().to_string(),
            other => other?.id,
        };
        push_unique(&mut deps, id);
    }
    let mut links = Vec::new();
    for l in &new.links {
        push_unique(&mut links, p.resolve(l)?.id);
    }
    let mut id = id::generate(&cfg.project.prefix);
    while p.id_taken(&id)? {
        id = id::generate(&cfg.project.prefix);
    }
    let mut ticket = Ticket {
        source: Default::default(),
        meta: Meta {
            id: id.clone().into(),
            title,
            status: cfg.initial_status().to_string().into(),
            kind: kind.into(),
            priority,
            mode: mode.into(),
            tier: new.tier.map(Into::into),
            attention: new.attention,
            assignee: new
                .assignee
                .filter(|a| !a.trim().is_empty())
                .map(Into::into),
            parent: parent.map(Into::into),
            created: ctx.now.clone().into(),
            updated: ctx.now.clone().into(),
            closed: None,
            tags: texts(clean_list(&new.tags)),
            external_refs: texts(clean_list(&new.external_refs)),
            deps: texts(deps),
            links: texts(links.iter().map(String::as_str)),
            acceptance: acceptance.into(),
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
    set_docs(&mut ticket, docs);
    let status = ticket.meta.status.clone();
    let ac = audit::criteria_hash(&ticket.meta.acceptance);
    let mut data = vec![("status", status.as_str())];
    if !ticket.meta.acceptance.is_empty() {
        data.push(("ac", &ac));
    }
    ctx.log(&mut ticket, kind::CREATED, &data, "");
    // Read every link target before writing anything, so a bad file aborts cleanly.
    let mut targets = Vec::new();
    for l in &links {
        targets.push(p.get_for_write(l)?);
    }
    p.save(&mut ticket)?;
    for mut t in targets {
        if !t.meta.links.holds(&id) {
            t.meta.links.push(id.as_str().into());
            t.meta.updated = ctx.now.clone().into();
            p.save(&mut t)?;
        }
    }
    Ok(Outcome {
        ticket,
        archived_to: None,
        changed: true,
        before: None,
    })
}

fn target_status(p: &Project, from: &str, target: &Target) -> Result<String> {
    Ok(match target {
        Target::Status(s) => s.trim().to_string(),
        Target::Start => p.config.workflow.active.clone(),
        Target::Close => p.config.close_status().to_string(),
        Target::Reopen => p.config.reopen_status().unwrap_or_default().to_string(),
        Target::Next => p.config.next_status(from).ok_or_else(|| {
            Error::invalid(format!(
                "no next status after `{from}` in this workflow; name one with --to"
            ))
        })?,
    })
}

/// Everything the guards of one move look at.
fn judge(
    p: &Project,
    ctx: &Ctx,
    t: &Ticket,
    to: &str,
    rules: &workflow::Rules,
) -> Result<Vec<Verdict>> {
    let facts = graph_facts(p, ctx, &t.meta, to, &rules.guards)?;
    let (entries, _) = audit::parse(t);
    let log = crate::plan::log_facts(&p.config, &entries);
    let mover = ctx.mover();
    let input = workflow::GuardInput {
        meta: &t.meta,
        graph: &facts,
        log: &log,
        mover: &mover,
        roles: &rules.roles,
    };
    Ok(workflow::evaluate(&rules.guards, &input))
}

fn graph_facts(
    p: &Project,
    ctx: &Ctx,
    meta: &Meta,
    to: &str,
    guards: &[workflow::Guard],
) -> Result<GraphFacts> {
    if !guards.iter().any(|g| g.needs_graph()) {
        return Ok(GraphFacts::default());
    }
    let scan = p.scan()?;
    let graph = Graph::new(&scan.entries, &p.config);
    let open_deps = match graph.get(&meta.id) {
        Some(e) => graph.open_deps(e),
        None => Vec::new(),
    };
    let wf = &p.config.workflow;
    let wip = guards.contains(&workflow::Guard::WipLimit).then(|| {
        let me = ctx
            .session
            .as_ref()
            .map(|s| s.name.clone())
            .or_else(|| ctx.actor.clone());
        let others: Vec<&Meta> = scan
            .entries
            .iter()
            .map(|e| &e.meta)
            .filter(|m| m.status == to && m.id != meta.id)
            .collect();
        workflow::WipFacts {
            status: to.to_string(),
            count: others.len(),
            limit: wf.wip.get(to).copied(),
            mine: others
                .iter()
                .filter(|m| me.is_some() && m.assignee.as_deref() == me.as_deref())
                .count(),
            per_session: wf.wip_per_session.get(to).copied(),
        }
    });
    Ok(GraphFacts {
        open_children: graph.open_children(&meta.id),
        open_deps,
        wip,
    })
}

/// Evaluate a move without making it (`--dry-run` / `--explain`), as the
/// acting session would be judged.
pub fn preview_move(p: &Project, ctx: &Ctx, input: &str, target: &Target) -> Result<MovePreview> {
    let t = p.get(input)?;
    let to = target_status(p, &t.meta.status, target)?;
    let rules = workflow::guards_for(&p.config, &t.meta.id, &t.meta.status, &to)?;
    let verdicts = judge(p, ctx, &t, &to, &rules)?;
    Ok(MovePreview {
        id: t.meta.id.to_string(),
        from: t.meta.status.to_string(),
        allowed: verdicts.iter().all(|v| v.passed),
        to,
        verdicts,
    })
}

fn check_force(opts: &MoveOptions) -> Result<Option<String>> {
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let summary = clean(&opts.summary);
    let reason = clean(&opts.reason);
    if let Some(r) = &reason {
        audit::validate_text(r)?;
    }
    if opts.steal && reason.is_none() {
        return Err(Error::invalid(
            "taking over a claim needs a non-blank --reason (recorded as a violation)",
        ));
    }
    if opts.force && summary.is_none() && reason.is_none() {
        return Err(Error::invalid(
            "--force needs a non-blank --reason (or --summary) explaining why",
        ));
    }
    if let Some(s) = &summary {
        audit::validate_text(s)?;
    }
    Ok(summary)
}

/// What [`apply_move`] did.
#[derive(Debug, Clone, Copy, Default)]
struct Applied {
    /// The status changed.
    moved: bool,
}

/// Apply a status change to an in-memory ticket after running its guards, and
/// log it: a violation entry for each forced pass, an approval entry when the
/// ticket leaves planning with a plan (freezing it), then the transition.
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
    let from = t.meta.status.clone();
    let rules = workflow::guards_for(&p.config, &t.meta.id, &from, to)?;
    let verdicts = judge(p, ctx, t, to, &rules)?;
    if let Some(err) = workflow::first_failure(&t.meta.id, &t.meta, &verdicts) {
        let unforceable = verdicts.iter().find(|v| !v.passed && !v.forceable);
        if !opts.force || unforceable.is_some() {
            return Err(match unforceable {
                Some(v) if opts.force => Error::GuardFailed {
                    id: t.meta.id.to_string(),
                    guard: v.guard.to_string(),
                    message: format!("{} (--force cannot pass this guard)", v.message),
                    forceable: false,
                    failing: verdicts.iter().filter(|v| !v.passed).cloned().collect(),
                },
                _ => err,
            });
        }
        let failed: Vec<&str> = verdicts
            .iter()
            .filter(|v| !v.passed)
            .map(|v| v.guard)
            .collect();
        let reason = opts
            .reason
            .as_deref()
            .or(opts.summary.as_deref())
            .unwrap_or("")
            .trim();
        let guards = failed.join(",");
        ctx.log(
            t,
            kind::VIOLATION,
            &[("guards", &guards), ("from", &from), ("to", to)],
            &format!("forced past {}: {reason}", failed.join(", ")),
        );
    }
    // Leaving planning forward is the approval: towards the active status, or
    // through a rule that checks the plan. Cancelling a plan approves nothing.
    let approves = to == p.config.workflow.active
        || rules.guards.iter().any(|g| {
            matches!(
                g,
                workflow::Guard::PlanPresent | workflow::Guard::PlanApprovedByOtherSession
            )
        });
    if approves && p.config.workflow.planning.as_deref() == Some(from.as_str()) {
        let (entries, _) = audit::parse(t);
        let st = crate::plan::state(t, &entries);
        if let Some(rev) = st.revisions.last() {
            let version = rev.version.to_string();
            let author = entries.iter().rev().find(|e| e.kind == kind::PLAN);
            let user = ctx.user.clone().unwrap_or_default();
            // Another session, but the same person or agent behind it: allowed
            // by the guard (it compares sessions), logged for `check` to flag.
            let same_actor = ctx.session.is_some()
                && !user.is_empty()
                && author.is_some_and(|a| {
                    a.get("user") == Some(user.as_str())
                        && a.session.as_deref() != ctx.session.as_ref().map(|s| s.id.as_str())
                });
            let mut data = vec![
                ("version", version.as_str()),
                ("plan_hash", rev.hash.as_str()),
            ];
            if ctx.session.is_some() && !user.is_empty() {
                data.push(("user", &user));
            }
            if same_actor {
                data.push(("same_actor", "true"));
            }
            let mut text = format!("plan v{version} approved and frozen ({})", rev.hash);
            if same_actor {
                text.push_str(&format!(
                    "; approved by another session of the plan's author ({user})"
                ));
            }
            ctx.log(t, kind::APPROVAL, &data, &text);
        }
    }
    ctx.log(
        t,
        kind::TRANSITION,
        &[("from", &from), ("to", to)],
        &format!("{from} → {to}"),
    );
    t.meta.status = to.to_string().into();
    t.meta.closed = p
        .config
        .is_terminal(to)
        .then(|| ctx.now.clone())
        .map(Into::into);
    Ok(Applied { moved: true })
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
            before: None,
        });
    }
    t.meta.updated = ctx.now.clone().into();
    // The old file is still in place: what it says is exactly "before".
    let before = (!t.path.as_os_str().is_empty())
        .then(|| {
            let f = crate::store::FileRef {
                id: t.meta.id.to_string(),
                path: t.path.clone(),
                archived: was_archived,
            };
            p.read(&f).ok().map(Box::new)
        })
        .flatten();
    let path = p.save(&mut t)?;
    let archived_to = (!was_archived && p.config.is_terminal(&t.meta.status)).then_some(path);
    Ok(Outcome {
        ticket: t,
        archived_to,
        changed: true,
        before,
    })
}

/// What a move does to the ticket's claim.
#[derive(Debug, Clone, PartialEq)]
enum ClaimStep {
    /// Nothing to do: no claim status involved, or the mover already holds it,
    /// or the move passes between claim statuses (an approval keeps the
    /// planner's claim).
    Keep,
    /// The mover takes the claim (`stolen` names the live holder it replaces).
    Take {
        stolen: Option<crate::claims::Claim>,
    },
    /// The ticket leaves the claim statuses.
    Release,
}

/// Decide the claim side of a move, refusing to take a live claim of another
/// session unless `steal` is given.
fn claim_step(
    p: &Project,
    ctx: &Ctx,
    t: &Ticket,
    to: &str,
    opts: &MoveOptions,
) -> Result<ClaimStep> {
    use crate::claims;
    let from = t.meta.status.as_str();
    let me = ctx.mover().identity();
    let existing = claims::get(p, &t.meta.id);
    if !claims::holds(p, to) {
        return Ok(if claims::holds(p, from) {
            ClaimStep::Release
        } else {
            ClaimStep::Keep
        });
    }
    // Picking a ticket up (into the claim statuses, or asking to) takes the
    // claim. Moving between claim statuses (planning → active: the approval)
    // leaves it with whoever picked the ticket up: a claim never stops a move
    // that a guard gives to another role.
    let pickup = !claims::holds(p, from) || opts.claim;
    match existing {
        Some(c) if c.holder == me => Ok(ClaimStep::Keep),
        Some(_) if !pickup => Ok(ClaimStep::Keep),
        Some(c) if opts.steal => Ok(ClaimStep::Take { stolen: Some(c) }),
        Some(c) => Err(Error::Claimed {
            id: t.meta.id.to_string(),
            holder: c.name,
            session: c.session,
            since: c.since,
        }),
        None if pickup => Ok(ClaimStep::Take { stolen: None }),
        None => Ok(ClaimStep::Keep),
    }
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
    let _lock = p.lock()?;
    transition_locked(p, ctx, input, target, &opts, summary)
}

/// [`transition`] with the project lock already held.
fn transition_locked(
    p: &Project,
    ctx: &Ctx,
    input: &str,
    target: Target,
    opts: &MoveOptions,
    summary: Option<String>,
) -> Result<Outcome> {
    let mut t = p.get_for_write(input)?;
    let to = target_status(p, &t.meta.status, &target)?;
    let was_archived = p.config.is_terminal(&t.meta.status);
    // `start` on a ticket already active asks to take it (16 agents starting
    // one ticket: one wins); from planning it is the approval, which does not.
    let asks = matches!(target, Target::Start) && t.meta.status == to;
    let opts = &MoveOptions {
        claim: opts.claim || asks,
        ..opts.clone()
    };
    let step = claim_step(p, ctx, &t, &to, opts)?;
    let applied = apply_move(p, ctx, &mut t, &to, opts)?;
    let claim = take_claim(ctx, &mut t, &step, applied.moved, opts);
    let changed = applied.moved || claim.is_some();
    if let Some(s) = summary.filter(|_| applied.moved) {
        ctx.log(&mut t, kind::NOTE, &[], &s);
    }
    save_with_claim(p, ctx, t, was_archived, changed, &step, claim.as_ref())
}

/// Write the ticket and its claim: the claim file before the ticket, the
/// release after it, so a crash in between leaves a claim on a ticket outside
/// the claim statuses, which is ignored (see `claims`).
fn save_with_claim(
    p: &Project,
    ctx: &Ctx,
    t: Ticket,
    was_archived: bool,
    changed: bool,
    step: &ClaimStep,
    claim: Option<&crate::claims::Claim>,
) -> Result<Outcome> {
    let id = t.meta.id.clone();
    if let Some(c) = claim {
        crate::claims::put(p, c)?;
    }
    let out = finish(p, ctx, t, was_archived, changed)?;
    if *step == ClaimStep::Release {
        crate::claims::release(p, &id);
    }
    Ok(out)
}

/// Apply a [`ClaimStep::Take`] to the ticket: the assignee, the log entries
/// (a violation for a stolen claim; a `claim` entry when no move was logged),
/// and the claim to record.
fn take_claim(
    ctx: &Ctx,
    t: &mut Ticket,
    step: &ClaimStep,
    moved: bool,
    opts: &MoveOptions,
) -> Option<crate::claims::Claim> {
    let ClaimStep::Take { stolen } = step else {
        return None;
    };
    {
        let name = ctx
            .session
            .as_ref()
            .map(|s| s.name.clone())
            .or_else(|| ctx.actor.clone())
            .unwrap_or_else(|| "unknown".into());
        if let Some(old) = stolen {
            let reason = opts.reason.as_deref().unwrap_or("").trim();
            ctx.log(
                t,
                kind::VIOLATION,
                &[("guards", "claim"), ("from_holder", &old.name)],
                &format!(
                    "took over the claim of {} (since {}): {reason}",
                    old.name, old.since
                ),
            );
        }
        // The claim gets its own entry when it replaces another assignee, or
        // when no move was logged (the move's entry already names the mover).
        let was = t.meta.assignee.clone().unwrap_or_default();
        if !moved || (!was.is_empty() && was != name) {
            ctx.log(
                t,
                kind::CLAIM,
                &[("assignee", &name), ("was", &was)],
                &format!("claimed by {name}"),
            );
        }
        t.meta.assignee = Some(name.clone().into());
        Some(crate::claims::Claim {
            ticket: t.meta.id.to_string(),
            holder: ctx.mover().identity(),
            name,
            session: ctx.session.as_ref().map(|s| s.id.clone()),
            since: ctx.now.clone(),
        })
    }
}

/// Pick the first ticket that can be picked up now (not begun, every
/// dependency done, unclaimed, matching `filter`; by priority, then newest)
/// and move it to the pick-up status (planning when the workflow has one,
/// else the active status), claiming it: one atomic step under the lock, so
/// parallel callers always get different tickets.
pub fn claim_next(
    p: &Project,
    ctx: &Ctx,
    filter: &crate::query::Filter,
) -> Result<(Ticket, Outcome)> {
    let _lock = p.lock()?;
    let scan = p.scan()?;
    let graph = Graph::new(&scan.entries, &p.config);
    let claimed = crate::claims::live_ids(p);
    let mut candidates: Vec<&crate::store::Entry> = scan
        .entries
        .iter()
        .filter(|e| filter.matches(&e.meta) && graph.is_pickable(e))
        .filter(|e| !claimed.contains(e.meta.id.as_str()))
        .collect();
    candidates.sort_by(|a, b| crate::query::by_priority_then_oldest(&a.meta, &b.meta));
    let pickup = p
        .config
        .workflow
        .planning
        .clone()
        .unwrap_or_else(|| p.config.workflow.active.clone());
    let opts = MoveOptions::default();
    let mut refused = None;
    for e in candidates {
        let target = Target::Status(pickup.clone());
        let before = p.get_for_write(&e.meta.id)?;
        match transition_locked(p, ctx, &e.meta.id, target, &opts, None) {
            Ok(o) => return Ok((before, o)),
            // A guard (a role, a WIP limit) refuses this one: say so if no
            // other ticket can be taken either.
            Err(err @ (Error::GuardFailed { .. } | Error::TransitionNotAllowed { .. })) => {
                refused.get_or_insert(err);
            }
            Err(other) => return Err(other),
        }
    }
    Err(refused.unwrap_or(Error::NothingReady {
        message: "no ticket can be picked up now (none is ready and unclaimed)".into(),
    }))
}

/// Append a timestamped note.
pub fn add_note(p: &Project, ctx: &Ctx, input: &str, text: &str) -> Result<Outcome> {
    let text = non_blank("note", text)?;
    audit::validate_text(&text)?;
    let _lock = p.lock()?;
    let mut t = p.get_for_write(input)?;
    let was_archived = p.config.is_terminal(&t.meta.status);
    ctx.log(&mut t, kind::NOTE, &[], &text);
    finish(p, ctx, t, was_archived, true)
}

/// Record a usage entry (tokens, tools, duration, cost, model) with an optional
/// note. Any status, archived tickets too: usage is history, not workflow.
pub fn log_usage(
    p: &Project,
    ctx: &Ctx,
    input: &str,
    usage: &crate::insight::UsageFigures,
    note: Option<&str>,
) -> Result<Outcome> {
    usage.validate()?;
    let note = note.map(audit::normalize_text).unwrap_or_default();
    audit::validate_text(&note)?;
    let _lock = p.lock()?;
    let mut t = p.get_for_write(input)?;
    let was_archived = p.config.is_terminal(&t.meta.status);
    let data = usage.to_data();
    let pairs: Vec<(&str, &str)> = data.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ctx.log(&mut t, kind::USAGE, &pairs, &note);
    finish(p, ctx, t, was_archived, true)
}

/// Append a comment. While the work is in the active status against a frozen
/// plan, a comment is how a deviation from the plan is recorded.
pub fn comment(p: &Project, ctx: &Ctx, input: &str, text: &str) -> Result<Outcome> {
    let text = non_blank("comment", text)?;
    audit::validate_text(&text)?;
    let _lock = p.lock()?;
    let mut t = p.get_for_write(input)?;
    let was_archived = p.config.is_terminal(&t.meta.status);
    let (entries, _) = audit::parse(&t);
    let frozen = crate::plan::state(&t, &entries).frozen.is_some();
    let deviation = frozen && t.meta.status == p.config.workflow.active;
    let data: &[(&str, &str)] = if deviation {
        &[("deviation", "true")]
    } else {
        &[]
    };
    ctx.log(&mut t, kind::COMMENT, data, &text);
    finish(p, ctx, t, was_archived, true)
}

/// Write or revise the plan. Only in the planning status (any open status when
/// the workflow has none), and never once it is frozen.
pub fn write_plan(p: &Project, ctx: &Ctx, input: &str, text: &str) -> Result<Outcome> {
    let text = audit::normalize_text(text);
    if text.is_empty() {
        return Err(Error::invalid("the plan must not be empty"));
    }
    audit::validate_text(&text)?;
    let _lock = p.lock()?;
    let mut t = p.get_for_write(input)?;
    let cfg = &p.config;
    let status = t.meta.status.clone();
    let allowed = match &cfg.workflow.planning {
        Some(pl) => *pl == status,
        None => !cfg.is_terminal(&status),
    };
    let (entries, _) = audit::parse(&t);
    let st = crate::plan::state(&t, &entries);
    if !allowed {
        let why = match (&st.frozen, &cfg.workflow.planning) {
            (Some(a), _) => format!(
                "{}: the plan was frozen when {} approved v{} ({}); record deviations as comments",
                t.meta.id, a.approver, a.version, a.hash
            ),
            (None, Some(pl)) => format!(
                "{}: plans are written in the `{pl}` status, and the ticket is `{status}`; advance it there first",
                t.meta.id
            ),
            (None, None) => format!("{}: the ticket is closed", t.meta.id),
        };
        return Err(Error::PlanFrozen { message: why });
    }
    let hash = audit::plan_hash(&text);
    if st.revisions.last().is_some_and(|r| r.hash == hash) && st.text == text {
        return Ok(Outcome {
            ticket: t,
            archived_to: None,
            changed: false,
            before: None,
        });
    }
    let version = (st.version() + 1).to_string();
    t.set_section(SECTION_PLAN, &text);
    let user = ctx.user.clone().unwrap_or_default();
    let mut data = vec![("version", version.as_str()), ("plan_hash", hash.as_str())];
    if ctx.session.is_some() && !user.is_empty() {
        data.push(("user", &user));
    }
    ctx.log(&mut t, kind::PLAN, &data, &text);
    finish(p, ctx, t, false, true)
}

/// Set/replace fields; acceptance changes apply add → flip → remove, then the
/// status change runs through the workflow's guards.
pub fn update(p: &Project, ctx: &Ctx, input: &str, u: Update) -> Result<Outcome> {
    let cfg = &p.config;
    for (what, text, whole) in [
        ("description", &u.description, false),
        ("design", &u.design, false),
        ("--body", &u.body, true),
    ] {
        if let Some(t) = text {
            reject_reserved(what, t, whole)?;
        }
    }
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
        ..Default::default()
    };
    let summary = check_force(&opts)?;

    let _lock = p.lock()?;
    let add_docs = check_docs(p, &u.add_docs)?;
    let mut t = p.get_for_write(input)?;
    let before = t.clone();
    let was_archived = cfg.is_terminal(&t.meta.status);
    let m = &mut t.meta;
    if let Some(title) = title {
        m.title = title;
    }
    if let Some(k) = u.kind {
        m.kind = k.into();
    }
    if let Some(pr) = u.priority {
        m.priority = pr;
    }
    if let Some(mo) = u.mode {
        m.mode = mo.into();
    }
    if let Some(a) = u.assignee {
        m.assignee = Some(a.trim().to_string())
            .filter(|a| !a.is_empty())
            .map(Into::into);
    }
    if let Some(tier) = u.tier {
        m.tier = Some(tier.trim().to_string())
            .filter(|a| !a.is_empty())
            .map(Into::into);
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
            Some(pid.into())
        };
    }
    if let Some(tags) = u.tags {
        m.tags = texts(clean_list(&tags));
    }
    for tag in clean_list(&u.add_tags) {
        push_unique(&mut m.tags, tag.into());
    }
    for tag in clean_list(&u.remove_tags) {
        m.tags.retain(|t| *t != tag);
    }
    if let Some(refs) = u.external_refs {
        m.external_refs = texts(clean_list(&refs));
    }
    for a in &u.add_ac {
        let title = non_blank("acceptance criterion", a)?;
        if !m.acceptance.iter().any(|c| c.title == title) {
            m.acceptance.push(Criterion { title, done: false });
        }
    }
    for (title, done) in &u.flip_ac {
        let known: Vec<String> = m.acceptance.iter().map(|c| c.title.clone()).collect();
        let c = m
            .acceptance
            .iter_mut()
            .find(|c| c.title == *title)
            .ok_or_else(|| Error::NoSuchCriterion {
                id: m.id.to_string(),
                title: title.clone(),
                known,
            })?;
        c.done = *done;
    }
    for r in &u.remove_ac {
        m.acceptance.retain(|c| c.title != *r);
    }
    if let Some(b) = u.body {
        // The plan and the log are not body text: they survive a replacement.
        let plan = t.section(SECTION_PLAN);
        let log = t.section(audit::SECTION_LOG);
        t.body = if b.trim().is_empty() {
            String::new()
        } else {
            format!("\n{}\n", b.trim())
        };
        t.set_section(SECTION_PLAN, &plan);
        t.set_section(audit::SECTION_LOG, &log);
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
    if !add_docs.is_empty() || !u.remove_docs.is_empty() {
        let mut docs = docs_of(&t);
        docs.retain(|d| !u.remove_docs.iter().any(|r| r.trim() == d));
        for d in add_docs {
            push_unique(&mut docs, d);
        }
        set_docs(&mut t, docs);
    }
    let edited = changed_fields(&before, &t);
    if !edited.is_empty() {
        let ac = audit::criteria_hash(&t.meta.acceptance);
        let data: &[(&str, &str)] = if edited.contains(&"acceptance") {
            &[("ac", &ac)]
        } else {
            &[]
        };
        ctx.log(
            &mut t,
            kind::EDIT,
            data,
            &format!("changed {}", edited.join(", ")),
        );
    }
    let mut moved = false;
    let mut step = ClaimStep::Keep;
    let mut claim = None;
    if let Some(status) = u.status {
        // Judged on the status the ticket had before this update.
        let mut was = t.clone();
        was.meta.status = before.meta.status.clone();
        step = claim_step(p, ctx, &was, status.trim(), &opts)?;
        let applied = apply_move(p, ctx, &mut t, status.trim(), &opts)?;
        moved = applied.moved;
        claim = take_claim(ctx, &mut t, &step, applied.moved, &opts);
        if let Some(s) = summary.filter(|_| applied.moved) {
            ctx.log(&mut t, kind::NOTE, &[], &s);
        }
    }
    let changed =
        moved || t.meta != before.meta || t.body != before.body || t.extra != before.extra;
    save_with_claim(p, ctx, t, was_archived, changed, &step, claim.as_ref())
}

/// Names of the fields and sections that differ, for `edit` log entries.
fn changed_fields(a: &Ticket, b: &Ticket) -> Vec<&'static str> {
    let (x, y) = (&a.meta, &b.meta);
    let mut out = Vec::new();
    let mut diff = |name: &'static str, changed: bool| {
        if changed {
            out.push(name);
        }
    };
    diff("title", x.title != y.title);
    diff("type", x.kind != y.kind);
    diff("priority", x.priority != y.priority);
    diff("mode", x.mode != y.mode);
    diff("tier", x.tier != y.tier);
    diff("attention", x.attention != y.attention);
    diff("assignee", x.assignee != y.assignee);
    diff("parent", x.parent != y.parent);
    diff("tags", x.tags != y.tags);
    diff("external_refs", x.external_refs != y.external_refs);
    diff("deps", x.deps != y.deps);
    diff("links", x.links != y.links);
    diff("acceptance", x.acceptance != y.acceptance);
    diff(
        "description",
        a.section(SECTION_DESCRIPTION) != b.section(SECTION_DESCRIPTION),
    );
    diff(
        "design",
        a.section(SECTION_DESIGN) != b.section(SECTION_DESIGN),
    );
    diff("docs", docs_of(a) != docs_of(b));
    if out.is_empty() && a.body != b.body {
        out.push("body");
    }
    out
}

/// Load a ticket by exact id from a name-only listing (used for multi-ticket writes).
fn read_id(p: &Project, files: &[FileRef], id: &str) -> Result<Ticket> {
    let f = files.iter().find(|f| f.id == id).ok_or(Error::NotFound {
        input: id.to_string(),
    })?;
    p.read_for_write(f)
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
    if t.meta.deps.holds(&to_id) {
        return Ok(Outcome {
            ticket: t,
            archived_to: None,
            changed: false,
            before: None,
        });
    }
    let scan = p.scan()?;
    let graph = Graph::new(&scan.entries, &p.config);
    if let Some(path) = graph.cycle_with_edge(&from_id, &to_id) {
        return Err(Error::Cycle { path });
    }
    ctx.log(&mut t, kind::EDIT, &[], &format!("now depends on {to_id}"));
    t.meta.deps.push(to_id.into());
    finish(p, ctx, t, false, true).map(|mut o| {
        o.archived_to = None;
        o
    })
}

/// Add and remove several dependencies of one ticket at once (tkt's
/// `depends --on/--remove`): all resolve and pass the cycle check, or nothing
/// is written.
pub fn depends(
    p: &Project,
    ctx: &Ctx,
    input: &str,
    add: &[String],
    remove: &[String],
) -> Result<Outcome> {
    if add.is_empty() && remove.is_empty() {
        return Err(Error::invalid("give --on or --remove with ticket ids"));
    }
    let _lock = p.lock()?;
    let files = p.files()?;
    let id = resolve_in(&files, input)?;
    let mut t = read_id(p, &files, &id)?;
    let before = t.meta.deps.clone();
    let scan = p.scan()?;
    let mut graph_entries = scan.entries.clone();
    for r in clean_list(remove) {
        let rid = match resolve_in(&files, &r) {
            Ok(x) if t.meta.deps.holds(&x) => x,
            _ => r.clone(),
        };
        if !t.meta.deps.holds(&rid) {
            return Err(Error::invalid(format!("{id} does not depend on `{r}`")));
        }
        t.meta.deps.retain(|d| *d != rid);
    }
    for a in clean_list(add) {
        let aid = resolve_lenient(&files, &a)?;
        if aid == id {
            return Err(Error::Cycle {
                path: vec![id.clone(), id],
            });
        }
        if t.meta.deps.holds(&aid) {
            continue;
        }
        // Check each new edge against the graph including the edges added so far.
        if let Some(e) = graph_entries.iter_mut().find(|e| e.meta.id == id) {
            e.meta.deps = t.meta.deps.clone();
        }
        let graph = Graph::new(&graph_entries, &p.config);
        if let Some(path) = graph.cycle_with_edge(&id, &aid) {
            return Err(Error::Cycle { path });
        }
        t.meta.deps.push(aid.into());
    }
    if t.meta.deps == before {
        return Ok(Outcome {
            ticket: t,
            archived_to: None,
            changed: false,
            before: None,
        });
    }
    let added: Vec<&Text> = t.meta.deps.iter().filter(|d| !before.contains(d)).collect();
    let removed: Vec<&Text> = before.iter().filter(|d| !t.meta.deps.holds(d)).collect();
    let mut text = Vec::new();
    if !added.is_empty() {
        text.push(format!("now depends on {}", join_ids(&added)));
    }
    if !removed.is_empty() {
        text.push(format!("no longer depends on {}", join_ids(&removed)));
    }
    ctx.log(&mut t, kind::EDIT, &[], &text.join("; "));
    let was_archived = p.config.is_terminal(&t.meta.status);
    finish(p, ctx, t, was_archived, true).map(|mut o| {
        o.archived_to = None;
        o
    })
}

fn join_ids(ids: &[&Text]) -> String {
    ids.iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Remove `from -> to`.
pub fn undep(p: &Project, ctx: &Ctx, from: &str, to: &str) -> Result<Outcome> {
    let _lock = p.lock()?;
    let files = p.files()?;
    let from_id = resolve_in(&files, from)?;
    let mut t = read_id(p, &files, &from_id)?;
    let to_id = match resolve_in(&files, to) {
        Ok(id) if t.meta.deps.holds(&id) => id,
        _ => to.trim().to_string(),
    };
    if !t.meta.deps.holds(&to_id) {
        return Err(Error::invalid(format!(
            "{from_id} does not depend on `{to}`"
        )));
    }
    t.meta.deps.retain(|d| *d != to_id);
    ctx.log(
        &mut t,
        kind::EDIT,
        &[],
        &format!("no longer depends on {to_id}"),
    );
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
                push_unique(&mut t.meta.links, other.as_str().into());
            } else {
                t.meta.links.retain(|l| l != other);
            }
        }
        if t.meta.links != before {
            let verb = if add { "linked to" } else { "unlinked from" };
            let others: Vec<&str> = ids
                .iter()
                .filter(|o| **o != t.meta.id)
                .map(String::as_str)
                .collect();
            ctx.log(t, kind::EDIT, &[], &format!("{verb} {}", others.join(", ")));
            t.meta.updated = ctx.now.clone().into();
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
    let t = p.get_for_write(input)?;
    let id = t.meta.id.to_string();
    let scan = p.scan()?;
    let referrers: Vec<&crate::store::Entry> = scan
        .entries
        .iter()
        .filter(|e| {
            e.meta.id != id
                && (e.meta.deps.holds(&id)
                    || e.meta.links.holds(&id)
                    || e.meta.parent.as_deref() == Some(id.as_str()))
        })
        .collect();
    if !referrers.is_empty() && !cascade {
        let mut ids: Vec<String> = referrers.iter().map(|e| e.meta.id.to_string()).collect();
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
        ctx.log(
            o,
            kind::EDIT,
            &[],
            &format!("references to {id} removed ({id} was deleted)"),
        );
        o.meta.updated = ctx.now.clone().into();
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
    let old = p.get_for_write(input)?;
    let mut t = crate::yaml::parse_ticket(text, &old.path).map_err(|f| Error::Parse {
        path: old.path.clone(),
        message: f.message,
    })?;
    if t.meta.id != old.meta.id {
        return Err(Error::invalid(
            "the id in the frontmatter cannot be changed",
        ));
    }
    if !p
        .config
        .workflow
        .statuses
        .iter()
        .any(|s| *s == t.meta.status)
    {
        return Err(Error::invalid(format!(
            "unknown status `{}` (allowed: {})",
            t.meta.status,
            p.config.workflow.statuses.join(", ")
        )));
    }
    validate_value("type", &t.meta.kind, &p.config.workflow.types)?;
    validate_value("mode", &t.meta.mode, &p.config.workflow.modes)?;
    validate_priority(t.meta.priority)?;
    // Compared without line-ending differences: an editor saving CRLF is not an edit.
    let same = |a: String, b: String| a.replace("\r\n", "\n") == b.replace("\r\n", "\n");
    if !same(
        t.section(audit::SECTION_LOG),
        old.section(audit::SECTION_LOG),
    ) {
        return Err(Error::invalid(
            "the Log section is append-only and cannot be edited; add a note or a comment instead",
        ));
    }
    let (entries, _) = audit::parse(&old);
    let st = crate::plan::state(&old, &entries);
    if !same(t.section(SECTION_PLAN), old.section(SECTION_PLAN)) {
        return Err(Error::invalid(if st.frozen.is_some() {
            "the plan is frozen and cannot be edited; record deviations as comments"
        } else {
            "edit the plan with `docket plan <id>` so the revision is recorded"
        }));
    }
    let was_archived = p.config.is_terminal(&old.meta.status);
    let edited = changed_fields(&old, &t);
    if !edited.is_empty() || t.extra != old.extra {
        let what = if edited.is_empty() {
            "frontmatter".to_string()
        } else {
            edited.join(", ")
        };
        let ac = audit::criteria_hash(&t.meta.acceptance);
        let data: &[(&str, &str)] = if edited.contains(&"acceptance") {
            &[("ac", &ac)]
        } else {
            &[]
        };
        ctx.log(&mut t, kind::EDIT, data, &format!("edited {what}"));
    }
    // A status edited by hand still goes through the workflow's guards.
    let new_status = std::mem::replace(&mut t.meta.status, old.meta.status.clone());
    apply_move(p, ctx, &mut t, &new_status, &MoveOptions::default())?;
    let changed = t.meta != old.meta || t.body != old.body || t.extra != old.extra;
    finish(p, ctx, t, was_archived, changed)
}
