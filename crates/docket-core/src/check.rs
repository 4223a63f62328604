//! `check`: the project integrity scan. Every issue has a stable code and a
//! severity; the exit-code decision happens after filtering.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Result;
use crate::graph::Graph;
use crate::store::Project;

/// How bad an issue is; only errors make `check` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            _ => None,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    pub code: &'static str,
    pub severity: Severity,
    pub id: Option<String>,
    pub path: Option<String>,
    pub message: String,
}

/// Every issue code `check` can report.
pub const CODES: &[&str] = &[
    "dep_cycle",
    "unknown_id",
    "invalid_status",
    "invalid_type",
    "invalid_mode",
    "invalid_priority",
    "invalid_tier",
    "terminal_outside_archive",
    "open_in_archive",
    "missing_required_field",
    "frontmatter_parse_error",
    "acceptance_invalid",
    "duplicate_id",
    "id_mismatch",
    "audit_chain_broken",
    "plan_modified_after_approval",
    "not_regular_file",
    "file_too_large",
    "temp_file_left",
    "status_not_logged",
    "criteria_not_logged",
    "log_missing",
    "same_actor_approval",
];

/// How `check` works.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Re-read and re-verify every file's log and plan, ignoring the verdict
    /// cache (which trusts ctime; someone able to reset the clock could forge
    /// it). The cache is still rewritten from what this run found.
    pub full: bool,
}

/// What a check found, and how many ticket files it looked at.
#[derive(Debug, Clone)]
pub struct Report {
    pub issues: Vec<Issue>,
    /// Ticket files seen by the scan (parsed or not): counted here so callers
    /// need not list the folders again.
    pub scanned: usize,
}

/// Scan the whole project (live and archive) and return every issue.
pub fn run(p: &Project) -> Result<Vec<Issue>> {
    Ok(run_with(p, Options::default())?.issues)
}

/// [`run`] with options, and the number of files scanned.
pub fn run_with(p: &Project, opts: Options) -> Result<Report> {
    let cfg = &p.config;
    // Before the scan stats anything: files changed after this are "racy".
    let started_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let key = crate::verdicts::key(p);
    // The verdict cache decodes on one thread while this one scans.
    let (scan, cached) = std::thread::scope(|s| {
        let loader = s.spawn(|| match key {
            Some(k) if !opts.full => crate::verdicts::load(p, &k),
            _ => Default::default(),
        });
        let scan = p.scan_stamped();
        let cached = loader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (scan, cached)
    });
    let scan = scan?;
    let mut issues = Vec::new();
    let rel = |path: &std::path::Path| Some(p.display_path(path));
    for f in &scan.failures {
        issues.push(Issue {
            code: f.failure.code,
            severity: Severity::Error,
            id: Some(f.id.clone()),
            path: rel(&f.path),
            message: f.failure.message.clone(),
        });
    }
    let mut seen: HashMap<&str, &std::path::Path> = HashMap::new();
    let wf = &cfg.workflow;
    for e in &scan.entries {
        let m = &e.meta;
        let mut push = |code: &'static str, severity: Severity, message: String| {
            issues.push(Issue {
                code,
                severity,
                id: Some(m.id.to_string()),
                path: rel(&e.path),
                message,
            })
        };
        let file_id = e
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(crate::store::id_from_file_name)
            .unwrap_or("");
        if file_id != m.id {
            push(
                "id_mismatch",
                Severity::Error,
                format!(
                    "file name says `{file_id}` but the frontmatter id is `{}`",
                    m.id
                ),
            );
        }
        if let Some(other) = seen.insert(m.id.as_str(), e.path.as_path()) {
            push(
                "duplicate_id",
                Severity::Error,
                format!("id `{}` is also used by {}", m.id, p.display_path(other)),
            );
        }
        let known_status = wf.statuses.iter().any(|s| *s == m.status);
        if !known_status {
            push(
                "invalid_status",
                Severity::Error,
                format!(
                    "status `{}` is not one of: {}",
                    m.status,
                    wf.statuses.join(", ")
                ),
            );
        }
        if !wf.types.iter().any(|s| *s == m.kind) {
            push(
                "invalid_type",
                Severity::Error,
                format!("type `{}` is not one of: {}", m.kind, wf.types.join(", ")),
            );
        }
        if !wf.modes.iter().any(|s| *s == m.mode) {
            push(
                "invalid_mode",
                Severity::Error,
                format!("mode `{}` is not one of: {}", m.mode, wf.modes.join(", ")),
            );
        }
        if !(0..=4).contains(&m.priority) {
            push(
                "invalid_priority",
                Severity::Error,
                format!("priority {} is not in 0..=4", m.priority),
            );
        }
        if let Some(t) = m.tier.as_deref().filter(|t| !crate::ops::TIERS.contains(t)) {
            push(
                "invalid_tier",
                Severity::Error,
                format!("tier `{t}` is not one of: {}", crate::ops::TIERS.join(", ")),
            );
        }
        if known_status {
            let terminal = cfg.is_terminal(&m.status);
            if terminal && !e.archived {
                push(
                    "terminal_outside_archive",
                    Severity::Error,
                    format!(
                        "status `{}` is terminal but the file is not in archive/",
                        m.status
                    ),
                );
            } else if !terminal && e.archived {
                push(
                    "open_in_archive",
                    Severity::Error,
                    format!(
                        "status `{}` is not terminal but the file is in archive/",
                        m.status
                    ),
                );
            }
        }
    }
    let graph = Graph::new(&scan.entries, cfg);
    for e in &scan.entries {
        let m = &e.meta;
        let refs = m
            .deps
            .iter()
            .map(|d| ("deps", d.as_str()))
            .chain(m.links.iter().map(|l| ("links", l.as_str())))
            .chain(m.parent.iter().map(|x| ("parent", x.as_str())));
        for (field, target) in refs {
            if graph.get(target).is_none() {
                issues.push(Issue {
                    code: "unknown_id",
                    severity: Severity::Warning,
                    id: Some(m.id.to_string()),
                    path: rel(&e.path),
                    message: format!("`{field}` names `{target}`, which matches no ticket"),
                });
            }
        }
    }
    for cycle in graph.cycles() {
        issues.push(Issue {
            code: "dep_cycle",
            severity: Severity::Error,
            id: cycle.first().cloned(),
            path: cycle
                .first()
                .and_then(|id| graph.get(id))
                .and_then(|e| rel(&e.path)),
            message: format!("dependency cycle: {}", cycle.join(" -> ")),
        });
    }
    let audit = Audit {
        key,
        cached,
        started_ns,
    };
    audit_issues(p, &scan, audit, &mut issues);
    let temps = match &scan.stray_temps {
        Some(strays) => p.temp_files_with(strays),
        None => p.temp_files(),
    };
    for path in temps {
        issues.push(Issue {
            code: "temp_file_left",
            severity: Severity::Warning,
            id: None,
            path: rel(&path),
            message: "temp file of an interrupted write; the next docket mutation removes it"
                .into(),
        });
    }
    Ok(Report {
        issues,
        scanned: scan.entries.len() + scan.failures.len(),
    })
}

/// What the audit pass starts from: the verdict cache's key (`None`: cache
/// nothing), its decoded entries and when the check began.
struct Audit {
    key: Option<crate::verdicts::Key>,
    cached: crate::cache::InLine<crate::verdicts::Verdict>,
    started_ns: u64,
}

/// One ticket file as the audit pass sees it, in folder-listing order.
struct AuditFile<'a> {
    id: &'a str,
    path: &'a std::path::Path,
    archived: bool,
    /// From the scan's own stat; `None` when it failed (never cached).
    stamp: Option<crate::store::Stamp>,
    /// `None` for a file whose frontmatter failed (reported above).
    meta: Option<&'a crate::ticket::Meta>,
}

/// Every scanned file (entries and failures) in folder-listing order, with
/// its stamp when the scan has them.
fn audit_files<'a>(p: &Project, scan: &'a crate::store::Scan) -> Vec<AuditFile<'a>> {
    let archive = p.archive_dir();
    let stamped = scan.stamps.cover(scan.entries.len(), scan.failures.len());
    let total = scan.entries.len() + scan.failures.len();
    let mut out = Vec::with_capacity(total);
    let (mut e, mut f) = (0, 0);
    for pos in 0..total {
        let failure_here = f < scan.failures.len()
            && (e == scan.entries.len() || (stamped && scan.stamps.failures[f].0 == pos));
        if failure_here {
            let x = &scan.failures[f];
            out.push(AuditFile {
                id: &x.id,
                path: &x.path,
                archived: x.path.parent() == Some(archive.as_path()),
                stamp: stamped.then(|| scan.stamps.failures[f].1).flatten(),
                meta: None,
            });
            f += 1;
        } else {
            let x = &scan.entries[e];
            out.push(AuditFile {
                id: crate::store::id_from_file_name(crate::cache::name_of(&x.path)).unwrap_or(""),
                path: &x.path,
                archived: x.archived,
                stamp: stamped.then(|| scan.stamps.entries[e]),
                meta: Some(&x.meta),
            });
            e += 1;
        }
    }
    out
}

/// Verify every ticket's log chain and frozen plan hash, and what its
/// frontmatter says that its log does not. Reads the body of every file the
/// verdict cache has no current entry for (on all cores: reading, parsing
/// and hashing logs is the bulk of a cold check); files whose frontmatter
/// fails were reported above but their logs are still checked.
fn audit_issues(p: &Project, scan: &crate::store::Scan, audit: Audit, issues: &mut Vec<Issue>) {
    use crate::verdicts::{self, Found, VerdictEntry};
    let Audit {
        key,
        mut cached,
        started_ns,
    } = audit;
    let files = audit_files(p, scan);
    let mut found: Vec<Option<Found>> = Vec::with_capacity(files.len());
    let mut misses: Vec<usize> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let hit = f.stamp.and_then(|st| {
            cached
                .take(f.archived, crate::cache::name_of(f.path))?
                .found_for(st, f.meta.is_some())
        });
        if hit.is_none() {
            misses.push(i);
        }
        found.push(hit);
    }
    let dirty = !misses.is_empty() || cached.has_leftovers();
    drop(cached);
    let verified = crate::store::parallel_map(&misses, |&i| verify_file(p, &files[i]));
    for (i, v) in misses.into_iter().zip(verified) {
        found[i] = Some(v);
    }
    for (f, found) in files.iter().zip(&found) {
        let Some(found) = found else { continue };
        if found.is_empty() {
            continue;
        }
        let path = Some(p.display_path(f.path));
        for (code, severity, message) in found {
            issues.push(Issue {
                code,
                severity: *severity,
                id: Some(f.id.to_string()),
                path: path.clone(),
                message: message.clone(),
            });
        }
    }
    if let Some(key) = key.filter(|_| dirty) {
        let entries = files
            .iter()
            .zip(&found)
            .filter_map(|(f, found)| {
                let st = f.stamp.filter(|st| !verdicts::racy(*st, started_ns))?;
                let name = crate::cache::name_of(f.path);
                Some(VerdictEntry::new(
                    f.archived,
                    name,
                    st,
                    f.meta.is_some(),
                    found.as_ref()?,
                ))
            })
            .collect();
        verdicts::store(p, key, entries);
    }
}

/// What the audit pass finds in one file: its log holes, a broken chain, a
/// plan changed after approval; nothing when the file cannot be read (the
/// scan reported it).
fn verify_file(p: &Project, f: &AuditFile) -> crate::verdicts::Found {
    let mut out = Vec::new();
    let Ok(text) = p.read_text(f.path) else {
        return out;
    };
    let Ok(body) = crate::yaml::body_of(&text) else {
        return out;
    };
    let (entries, defects) = crate::audit::parse_body(body);
    let broken = defects
        .into_iter()
        .next()
        .or_else(|| crate::audit::verify(&entries));
    let st = crate::plan::state_of_body(body, &entries);
    if let Some(m) = f.meta {
        out = log_holes(p, m, &entries, &st);
    }
    if let Some(d) = broken {
        out.push((
            "audit_chain_broken",
            Severity::Error,
            format!("log entry {}: {}", d.entry, d.message),
        ));
    }
    if let Some(a) = st.frozen.as_ref().filter(|_| !st.intact()) {
        out.push((
            "plan_modified_after_approval",
            Severity::Error,
            format!(
                "the Plan section no longer matches v{} approved by {} at {} (hash {} expected, {} found)",
                a.version,
                a.approver,
                a.at,
                a.hash,
                crate::audit::plan_hash(&st.text)
            ),
        ));
    }
    out
}

/// What the frontmatter says that the log does not: a status no transition
/// led to, criteria ticked or unticked outside docket, a ticket with a
/// workflow history but no log, and approvals by another session of the
/// plan's own author. Logs written before docket recorded criteria states
/// (`edit` entries without `ac=`) are not judged on criteria.
fn log_holes(
    p: &Project,
    m: &crate::ticket::Meta,
    entries: &[crate::audit::LogEntry],
    st: &crate::plan::PlanState,
) -> Vec<(&'static str, Severity, String)> {
    use crate::audit::kind;
    let mut out = Vec::new();
    let any_done = m.acceptance.iter().any(|c| c.done);
    if entries.is_empty() {
        let initial = p.config.initial_status();
        if m.status != initial || !st.text.trim().is_empty() || any_done {
            out.push((
                "log_missing",
                Severity::Error,
                format!(
                    "status `{}`{} but the ticket has no log",
                    m.status,
                    if any_done { ", checked criteria" } else { "" }
                ),
            ));
        }
        return out;
    }
    let logged_status = entries.iter().rev().find_map(|e| match e.kind.as_str() {
        kind::TRANSITION => e.get("to"),
        kind::CREATED => e.get("status"),
        _ => None,
    });
    if let Some(s) = logged_status.filter(|s| *s != m.status) {
        out.push((
            "status_not_logged",
            Severity::Error,
            format!(
                "status is `{}` but the log's last transition is to `{s}`",
                m.status
            ),
        ));
    }
    let last_ac = entries.iter().rev().find_map(|e| {
        if let Some(h) = e.get("ac") {
            Some(Some(h))
        } else if e.kind == kind::EDIT && e.text.contains("acceptance") {
            Some(None)
        } else {
            None
        }
    });
    let now = crate::audit::criteria_hash(&m.acceptance);
    let unlogged = match last_ac {
        Some(Some(h)) => h != now,
        Some(None) => false,
        None => any_done,
    };
    if unlogged {
        out.push((
            "criteria_not_logged",
            Severity::Error,
            "the acceptance criteria differ from their last logged change".to_string(),
        ));
    }
    for (i, e) in entries.iter().enumerate() {
        if e.kind != kind::APPROVAL {
            continue;
        }
        let plan = entries[..i].iter().rev().find(|x| x.kind == kind::PLAN);
        let same = e.get("same_actor") == Some("true")
            || plan.is_some_and(|pl| {
                pl.get("user").is_some()
                    && pl.get("user") == e.get("user")
                    && pl.session != e.session
            });
        if same {
            out.push((
                "same_actor_approval",
                Severity::Warning,
                format!(
                    "log entry {}: plan approved by {}, another session of its author ({})",
                    e.n,
                    e.actor,
                    e.get("user").unwrap_or("?")
                ),
            ));
        }
    }
    out
}
