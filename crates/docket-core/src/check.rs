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
];

/// Scan the whole project (live and archive) and return every issue.
pub fn run(p: &Project) -> Result<Vec<Issue>> {
    let cfg = &p.config;
    let scan = p.scan()?;
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
                id: Some(m.id.clone()),
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
        let known_status = wf.statuses.contains(&m.status);
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
        if !wf.types.contains(&m.kind) {
            push(
                "invalid_type",
                Severity::Error,
                format!("type `{}` is not one of: {}", m.kind, wf.types.join(", ")),
            );
        }
        if !wf.modes.contains(&m.mode) {
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
            .map(|d| ("deps", d))
            .chain(m.links.iter().map(|l| ("links", l)))
            .chain(m.parent.iter().map(|x| ("parent", x)));
        for (field, target) in refs {
            if graph.get(target).is_none() {
                issues.push(Issue {
                    code: "unknown_id",
                    severity: Severity::Warning,
                    id: Some(m.id.clone()),
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
    audit_issues(p, &mut issues)?;
    for path in p.temp_files() {
        issues.push(Issue {
            code: "temp_file_left",
            severity: Severity::Warning,
            id: None,
            path: rel(&path),
            message: "temp file of an interrupted write; the next docket mutation removes it"
                .into(),
        });
    }
    Ok(issues)
}

/// Verify every ticket's log chain and frozen plan hash. Reads every file (the
/// derived cache is not trusted here: a tampered file may keep its size and
/// mtime) but only its body; files whose frontmatter fails were reported above.
fn audit_issues(p: &Project, issues: &mut Vec<Issue>) -> Result<()> {
    let files = p.files()?;
    // Reading, parsing and hashing every log is the bulk of the work: on all cores.
    let verdicts = crate::store::parallel_map(&files, |f| {
        let text = p.read_text(&f.path).ok()?;
        let body = crate::yaml::body_of(&text).ok()?;
        let (entries, defects) = crate::audit::parse_body(body);
        let broken = defects
            .into_iter()
            .next()
            .or_else(|| crate::audit::verify(&entries));
        let st = crate::plan::state_of_body(body, &entries);
        Some((broken, st))
    });
    for (f, verdict) in files.iter().zip(verdicts) {
        let Some((broken, st)) = verdict else {
            continue;
        };
        let path = Some(p.display_path(&f.path));
        if let Some(d) = broken {
            issues.push(Issue {
                code: "audit_chain_broken",
                severity: Severity::Error,
                id: Some(f.id.clone()),
                path: path.clone(),
                message: format!("log entry {}: {}", d.entry, d.message),
            });
        }
        if let Some(a) = st.frozen.as_ref().filter(|_| !st.intact()) {
            issues.push(Issue {
                code: "plan_modified_after_approval",
                severity: Severity::Error,
                id: Some(f.id.clone()),
                path,
                message: format!(
                    "the Plan section no longer matches v{} approved by {} at {} (hash {} expected, {} found)",
                    a.version,
                    a.approver,
                    a.at,
                    a.hash,
                    crate::audit::plan_hash(&st.text)
                ),
            });
        }
    }
    Ok(())
}
