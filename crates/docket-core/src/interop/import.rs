//! Turning [`Record`]s into docket tickets, idempotently.
//!
//! Every imported ticket carries `<format>:<source id>` in `external_refs`; a
//! later import of the same source finds it there and updates it instead of
//! creating a duplicate. Fields the source holds are set from it (source wins),
//! docket-only fields (tier, attention, plan, log) are left alone, notes are
//! added once each (matched by time and text), and the audit log records the
//! import (`created` at the source's creation time with `source=…`, each note
//! at its own time, an `import` entry on every later update). Everything is
//! computed in memory under the project lock before the first write, so a bad
//! source changes nothing; `dry_run` stops right there.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use super::{Format, Record, Source, normalize_time};
use crate::audit::{self, Author, kind};
use crate::error::{Error, Result};
use crate::id;
use crate::ops::Ctx;
use crate::store::Project;
use crate::ticket::{List, Meta, SECTION_DESCRIPTION, SECTION_DESIGN, Ticket};
use crate::yaml;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `from=to` status renames applied before the built-in mapping.
    pub status_map: Vec<(String, String)>,
    /// Report what would happen; write nothing.
    pub dry_run: bool,
}

/// What happened to one source ticket.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// `created`, `updated` or `skipped` (unchanged, or unreadable).
    pub action: &'static str,
    pub id: String,
    /// `<format>:<source id>`.
    pub source: String,
    pub title: String,
    pub status: String,
}

/// The answer of an import: counts, warnings and one item per source ticket.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub format: String,
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
    pub warnings: Vec<String>,
    pub items: Vec<Item>,
}

/// Parse `from=to,from2=to2` (the `--status-map` flag).
pub fn parse_status_map(text: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (from, to) = pair.split_once('=').ok_or_else(|| {
            Error::invalid(format!(
                "--status-map entry `{pair}` needs the form from=to (e.g. review=in_progress)"
            ))
        })?;
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() || to.is_empty() {
            return Err(Error::invalid(format!(
                "--status-map entry `{pair}` needs both a source status and a docket status"
            )));
        }
        out.push((from.to_string(), to.to_string()));
    }
    Ok(out)
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace([' ', '-'], "_")
}

/// The docket status a source status lands in, and a warning when it had to
/// guess.
pub fn map_status(
    cfg: &crate::config::Config,
    raw: &str,
    user: &[(String, String)],
) -> (String, Option<String>) {
    let n = norm(raw);
    if let Some((_, to)) = user.iter().find(|(from, _)| norm(from) == n) {
        return (to.clone(), None);
    }
    let statuses = &cfg.workflow.statuses;
    if let Some(s) = statuses.iter().find(|s| norm(s) == n) {
        return (s.clone(), None);
    }
    let has = |s: &str| statuses.iter().any(|x| x == s);
    let initial = cfg.initial_status().to_string();
    let mapped = match n.as_str() {
        "closed" | "done" | "complete" | "completed" | "resolved" | "fixed" | "merged"
        | "shipped" | "verified" | "archived" => cfg.close_status().to_string(),
        "wontfix" | "won't_fix" | "cancelled" | "canceled" | "rejected" | "duplicate" => {
            if has("cancelled") {
                "cancelled".into()
            } else {
                cfg.close_status().to_string()
            }
        }
        "in_progress" | "doing" | "active" | "started" | "wip" | "implement" | "implementing"
        | "in_review" | "review" => cfg.workflow.active.clone(),
        "open" | "todo" | "to_do" | "new" | "backlog" | "ready" | "fix" | "plan" | "triage"
        | "planning" => initial,
        _ => {
            return (
                initial.clone(),
                Some(format!(
                    "unknown status `{raw}` imported as `{initial}` (map it with --status-map {raw}=<status>)"
                )),
            );
        }
    };
    (mapped, None)
}

/// One planned write.
struct Planned {
    ticket: Ticket,
    action: &'static str,
    source: String,
}

/// Import `src` into the project. Nothing is written when `opts.dry_run`, or
/// when any check fails before the first write.
pub fn import(
    p: &Project,
    ctx: &Ctx,
    format: Format,
    src: Source,
    opts: &Options,
) -> Result<Report> {
    let cfg = &p.config;
    for (from, to) in &opts.status_map {
        if !cfg.workflow.statuses.iter().any(|s| s == to) {
            return Err(Error::invalid(format!(
                "--status-map {from}={to}: `{to}` is not a status of this project ({})",
                cfg.workflow.statuses.join(", ")
            )));
        }
    }
    let mut report = Report {
        format: format.name().into(),
        dry_run: opts.dry_run,
        warnings: src.warnings,
        ..Report::default()
    };
    let _lock = p.lock()?;
    let (existing, failures) = p.read_all()?;
    for f in failures {
        report.warnings.push(format!(
            "{}: cannot be read ({}); a ticket imported into it before would be duplicated",
            p.display_path(&f.path),
            f.failure.message
        ));
    }
    let mut by_ref: HashMap<String, usize> = HashMap::new();
    for (i, t) in existing.iter().enumerate() {
        for r in &t.meta.external_refs {
            by_ref.entry(r.to_string()).or_insert(i);
        }
    }
    let mut taken: HashSet<String> = existing
        .iter()
        .map(|t| t.meta.id.to_lowercase().to_string())
        .collect();

    // One docket id per source id: the ticket an earlier import made, or a new one.
    let mut seen: HashSet<String> = HashSet::new();
    let mut records: Vec<(Record, Option<usize>, String)> = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    for r in src.records {
        if r.title.trim().is_empty() {
            report.skipped += 1;
            report
                .warnings
                .push(format!("{}: skipped: no title", r.origin));
            continue;
        }
        if !seen.insert(r.source_id.clone()) {
            report.skipped += 1;
            report.warnings.push(format!(
                "{}: skipped: `{}` appears twice in the source",
                r.origin, r.source_id
            ));
            continue;
        }
        let reference = format.reference(&r.source_id);
        let (idx, id) = match by_ref.get(&reference) {
            Some(&i) => (Some(i), existing[i].meta.id.to_string()),
            None => {
                let mut id = id::generate(&cfg.project.prefix);
                while taken.contains(&id.to_lowercase()) || p.id_taken(&id)? {
                    id = id::generate(&cfg.project.prefix);
                }
                taken.insert(id.to_lowercase());
                (None, id)
            }
        };
        ids.insert(r.source_id.clone(), id.clone());
        records.push((r, idx, id));
    }
    let existing_ids: HashMap<String, String> = existing
        .iter()
        .map(|t| (t.meta.id.to_lowercase().to_string(), t.meta.id.to_string()))
        .collect();
    let resolve = |raw: &str| -> Option<String> {
        let raw = raw.trim();
        ids.get(raw)
            .cloned()
            .or_else(|| {
                by_ref
                    .get(&format.reference(raw))
                    .map(|&i| existing[i].meta.id.to_string())
            })
            .or_else(|| existing_ids.get(&raw.to_lowercase()).cloned())
    };

    let batch: HashSet<String> = records.iter().map(|(_, _, id)| id.clone()).collect();
    let mut planned: Vec<Planned> = Vec::new();
    for (r, idx, id) in &records {
        let reference = format.reference(&r.source_id);
        let mut warn = |m: String| report.warnings.push(format!("{reference}: {m}"));
        let before = idx.map(|i| existing[i].clone());
        let mut t = before.clone().unwrap_or_else(|| blank(p, ctx, id));
        let m = &mut t.meta;
        m.title = r.title.trim().to_string();
        if let Some(s) = &r.status {
            let (status, w) = map_status(cfg, s, &opts.status_map);
            if let Some(w) = w {
                warn(w);
            }
            m.status = status.into();
        }
        if let Some(k) = r.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            if cfg.workflow.types.iter().any(|x| x == k) {
                m.kind = k.to_string().into();
            } else {
                warn(format!(
                    "type `{k}` is not a type of this project; kept as a tag, type `{}`",
                    cfg.defaults.kind
                ));
                m.kind = cfg.defaults.kind.clone().into();
            }
        }
        if let Some(pr) = r.priority {
            if (0..=4).contains(&pr) {
                m.priority = pr;
            } else {
                let c = pr.clamp(0, 4);
                warn(format!("priority {pr} is outside 0-4; imported as {c}"));
                m.priority = c;
            }
        }
        if let Some(mode) = &r.mode {
            if cfg.workflow.modes.iter().any(|x| x == mode) {
                m.mode = mode.clone().into();
            } else {
                warn(format!(
                    "mode `{mode}` is not a mode of this project; left as `{}`",
                    m.mode
                ));
            }
        }
        if let Some(tier) = &r.tier
            && crate::ops::TIERS.contains(&tier.as_str())
        {
            m.tier = Some(tier.clone().into());
        }
        if r.assignee.is_some() {
            m.assignee = r.assignee.clone().map(Into::into);
        }
        m.parent = match r.parent.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(parent) => match resolve(parent) {
                Some(pid) => Some(pid.into()),
                None => {
                    warn(format!(
                        "parent `{parent}` not found; left without a parent"
                    ));
                    None
                }
            },
            None if before.is_some() && r.parent.is_none() => m.parent.clone(),
            None => None,
        };
        let time = |s: &Option<String>| {
            s.as_deref()
                .map(|v| normalize_time(v).unwrap_or_else(|| v.to_string()))
        };
        if let Some(c) = time(&r.created) {
            m.created = c.into();
        }
        if before.is_none() {
            m.updated = time(&r.updated)
                .unwrap_or_else(|| m.created.to_string())
                .into();
        }
        if cfg.is_terminal(&m.status) {
            m.closed = time(&r.closed)
                .or(m.closed.as_deref().map(String::from))
                .or(time(&r.updated))
                .or(Some(ctx.now.clone()))
                .map(Into::into);
        } else {
            m.closed = None;
        }
        let mut tags = Vec::new();
        for tag in r
            .tags
            .iter()
            .chain(r.kind.iter().filter(|k| !cfg.workflow.types.contains(k)))
        {
            let tag = tag.trim();
            if !tag.is_empty() && !tags.iter().any(|x: &String| x == tag) {
                tags.push(tag.to_string());
            }
        }
        m.tags = crate::ticket::texts(tags);
        for x in r.external_refs.iter().chain(std::iter::once(&reference)) {
            if !x.trim().is_empty() && !m.external_refs.iter().any(|e| e == x) {
                m.external_refs.push(x.into());
            }
        }
        let mut deps = Vec::new();
        for d in &r.deps {
            match resolve(d) {
                Some(did) if did == *id => warn(format!("depends on itself (`{d}`); dropped")),
                Some(did) => {
                    if !deps.contains(&did) {
                        deps.push(did)
                    }
                }
                None => warn(format!("dependency `{d}` not found; dropped")),
            }
        }
        m.deps = crate::ticket::texts(deps);
        let mut links = Vec::new();
        for l in &r.links {
            match resolve(l) {
                Some(lid) if batch.contains(&lid) && lid != *id => {
                    if !links.contains(&lid) {
                        links.push(lid)
                    }
                }
                Some(_) | None => warn(format!(
                    "link `{l}` is not a ticket of this import; dropped (links are symmetric)"
                )),
            }
        }
        m.links = crate::ticket::texts(links);
        if format != Format::Tess || !r.acceptance.is_empty() {
            m.acceptance = r.acceptance.clone().into();
        }
        for (k, v) in &r.extra {
            t.extra.insert(k.clone(), v.clone());
        }
        t.set_section(SECTION_DESCRIPTION, &r.description);
        t.set_section(SECTION_DESIGN, &r.design);
        for (name, text) in &r.sections {
            let name = match name.as_str() {
                // Reserved docket sections: kept under a name that says where they came from.
                "Plan" | "Log" | "Notes" => format!("{name} ({})", format.name()),
                _ => name.clone(),
            };
            t.set_section(&name, text);
        }
        let ac = audit::criteria_hash(&t.meta.acceptance);
        if before.is_none() {
            let status = t.meta.status.clone();
            let at = t.meta.created.clone();
            // `ac` records the criteria as imported, as `create` does.
            let mut data = vec![("status", status.as_str()), ("source", reference.as_str())];
            if !t.meta.acceptance.is_empty() {
                data.push(("ac", &ac));
            }
            audit::append(&mut t, &at, &ctx.author(), kind::CREATED, &data, "");
        }
        let known: HashSet<(String, String)> = t
            .notes()
            .into_iter()
            .map(|n| (n.at, n.text.trim().to_string()))
            .collect();
        let mut notes = r.notes.clone();
        notes.sort_by(|a, b| a.at.cmp(&b.at));
        for n in notes {
            let text = audit::normalize_text(&n.text);
            if text.trim().is_empty() {
                continue;
            }
            let at = normalize_time(&n.at).unwrap_or_else(|| t.meta.created.to_string());
            if known.contains(&(at.clone(), text.trim().to_string())) {
                continue;
            }
            if audit::validate_no_marker(&text).is_err() {
                warn(format!("a note at {at} holds a log marker; left out"));
                continue;
            }
            let author = Author {
                actor: n
                    .author
                    .clone()
                    .filter(|a| !a.trim().is_empty())
                    .unwrap_or_else(|| format.name().to_string()),
                session: None,
                role: None,
            };
            audit::append(&mut t, &at, &author, kind::NOTE, &[], &text);
        }
        let action = match &before {
            None => "created",
            Some(b) if yaml::render_ticket(b) == yaml::render_ticket(&t) => "skipped",
            Some(b) => {
                t.meta.updated = ctx.now.clone().into();
                // A status the source moved is logged as a transition, so the
                // log's last transition stays the ticket's status.
                if b.meta.status != t.meta.status {
                    let (from, to) = (b.meta.status.clone(), t.meta.status.clone());
                    audit::append(
                        &mut t,
                        &ctx.now,
                        &ctx.author(),
                        kind::TRANSITION,
                        &[("from", &from), ("to", &to), ("source", &reference)],
                        &format!("{from} → {to} (import)"),
                    );
                }
                let mut data = vec![("source", reference.as_str())];
                if b.meta.acceptance != t.meta.acceptance {
                    data.push(("ac", &ac));
                }
                audit::append(
                    &mut t,
                    &ctx.now,
                    &ctx.author(),
                    kind::IMPORT,
                    &data,
                    &format!("updated from {reference}"),
                );
                "updated"
            }
        };
        planned.push(Planned {
            ticket: t,
            action,
            source: reference,
        });
    }
    // Links are symmetric: a link named on one side only is added to the other.
    let pairs: Vec<(String, String)> = planned
        .iter()
        .flat_map(|pl| {
            pl.ticket
                .meta
                .links
                .iter()
                .map(|l| (pl.ticket.meta.id.to_string(), l.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (a, b) in pairs {
        if let Some(pl) = planned.iter_mut().find(|pl| pl.ticket.meta.id == b)
            && !pl.ticket.meta.links.iter().any(|l| *l == a)
        {
            pl.ticket.meta.links.push(a.into());
            if pl.action == "skipped" {
                pl.action = "updated";
            }
        }
    }
    for pl in &mut planned {
        match pl.action {
            "created" => report.created += 1,
            "updated" => report.updated += 1,
            _ => report.skipped += 1,
        }
        if !opts.dry_run && pl.action != "skipped" {
            if pl.action == "created" {
                pl.ticket.path = PathBuf::new();
            }
            p.save(&mut pl.ticket)?;
        }
        report.items.push(Item {
            action: pl.action,
            id: pl.ticket.meta.id.to_string(),
            source: pl.source.clone(),
            title: pl.ticket.meta.title.clone(),
            status: pl.ticket.meta.status.to_string(),
        });
    }
    Ok(report)
}

/// A new ticket with the project's defaults, before the source's fields.
fn blank(p: &Project, ctx: &Ctx, id: &str) -> Ticket {
    let cfg = &p.config;
    Ticket {
        meta: Meta {
            id: id.to_string().into(),
            title: String::new(),
            status: cfg.initial_status().to_string().into(),
            kind: cfg.defaults.kind.clone().into(),
            priority: cfg.defaults.priority,
            mode: cfg.defaults.mode.clone().into(),
            tier: None,
            attention: None,
            assignee: None,
            parent: None,
            created: ctx.now.clone().into(),
            updated: ctx.now.clone().into(),
            closed: None,
            tags: List::new(),
            external_refs: List::new(),
            deps: List::new(),
            links: List::new(),
            acceptance: List::new(),
        },
        extra: Default::default(),
        body: String::new(),
        path: PathBuf::new(),
        source: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_maps() {
        let text = crate::config::preset_template("simple", "dk").unwrap();
        let cfg = crate::config::Config::parse(&text, std::path::Path::new("c")).unwrap();
        assert_eq!(map_status(&cfg, "Done", &[]).0, "closed");
        assert_eq!(map_status(&cfg, "In Progress", &[]).0, "in_progress");
        assert_eq!(map_status(&cfg, "To Do", &[]).0, "open");
        let (s, w) = map_status(&cfg, "weird", &[]);
        assert_eq!(s, "open");
        assert!(w.is_some());
        let user = parse_status_map("weird=closed").unwrap();
        assert_eq!(map_status(&cfg, "Weird", &user).0, "closed");
        assert!(parse_status_map("nope").is_err());
    }
}
