//! The inbox: markdown files dropped into `.docket/inbox/` become tickets.
//!
//! A file may be plain markdown (the first heading, or first line, is the
//! title), a tess-style `description:`/`prereq:` header ended by `----`, or
//! knot-style YAML frontmatter. Prereqs name other tickets by slug, title or
//! id (including other files of the same inbox, adopted first). A file is
//! claimed by renaming it to a hidden name (so two docket processes never
//! adopt it twice), the ticket is created through [`ops::create`], and only
//! then is the file removed; a file that cannot be adopted is put back and
//! reported with the reason.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::interop::{list_of, split_sections, tess, text_of};
use crate::ops::{self, Ctx, NewTicket};
use crate::store::Project;
use crate::ticket::slugify;
use crate::yaml;

/// The inbox folder of a project.
pub fn dir(p: &Project) -> PathBuf {
    p.dir.join("inbox")
}

/// A parsed inbox file, before its references are resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub title: String,
    pub kind: Option<String>,
    pub priority: Option<i64>,
    pub mode: Option<String>,
    pub assignee: Option<String>,
    pub parent: Option<String>,
    pub tags: Vec<String>,
    pub external_refs: Vec<String>,
    pub acceptance: Vec<String>,
    pub description: String,
    pub design: String,
    /// Slugs, titles or ids of tickets this one waits on.
    pub prereqs: Vec<String>,
    pub sequence: Option<f64>,
}

/// Parse one inbox file (`stem` is its name without extension).
pub fn parse(stem: &str, text: &str) -> std::result::Result<Draft, String> {
    let (seq, _) = tess::split_name(stem);
    let mut d = Draft {
        sequence: seq,
        ..Draft::default()
    };
    let trimmed = text.strip_prefix('\u{feff}').unwrap_or(text);
    if trimmed.starts_with("---\n") || trimmed.starts_with("---\r\n") {
        let (map, body) = yaml::parse_foreign(trimmed).map_err(|f| f.message)?;
        let (title, rest) = title_and_rest(&body);
        d.title = text_of(map.get("title")).or(title).unwrap_or_default();
        let rest = if text_of(map.get("title")).is_some() {
            body.trim().to_string()
        } else {
            rest
        };
        d.kind = text_of(map.get("type"));
        d.priority = match map.get("priority") {
            None => None,
            Some(v) => Some(
                text_of(Some(v))
                    .and_then(|p| crate::interop::backlog::priority(&p))
                    .ok_or_else(|| format!("priority `{v}` is not 0-4"))?,
            ),
        };
        d.mode = text_of(map.get("mode"));
        d.assignee = text_of(map.get("assignee"));
        d.parent = text_of(map.get("parent"));
        d.tags = list_of(map.get("tags").or(map.get("labels")));
        d.external_refs = list_of(map.get("external_refs"));
        for k in ["deps", "prereq", "dependencies"] {
            d.prereqs.extend(list_of(map.get(k)));
        }
        if let Some(serde_json::Value::Array(items)) = map.get("acceptance") {
            for i in items {
                if let Some(t) = text_of(Some(i)).or_else(|| text_of(i.get("title"))) {
                    d.acceptance.push(t);
                }
            }
        }
        let (pre, sections) = split_sections(&rest);
        let mut description = pre;
        for (name, text) in sections {
            match name.as_str() {
                "Description" => push_para(&mut description, &text),
                "Design" => d.design = text,
                _ => push_para(&mut description, &format!("## {name}\n\n{text}")),
            }
        }
        d.description = description;
    } else {
        let p = tess::parse_text(trimmed);
        if p.description.is_some() || !p.prereq.is_empty() {
            let (title, rest) = title_and_rest(&p.body);
            d.title = p
                .description
                .clone()
                .filter(|t| !t.is_empty())
                .or(title)
                .unwrap_or_default();
            d.description = if p.description.is_some() {
                p.body
            } else {
                rest
            };
            d.prereqs = p.prereq;
        } else {
            let (title, rest) = title_and_rest(trimmed);
            d.title = title.unwrap_or_default();
            d.description = rest;
        }
    }
    if let Some(pr) = d.priority
        && !(0..=4).contains(&pr)
    {
        return Err(format!("priority {pr} is outside 0-4"));
    }
    d.title = d.title.trim().to_string();
    if d.title.is_empty() {
        return Err("no title: give the file a `# heading`, a first line or a `title:`".into());
    }
    Ok(d)
}

fn push_para(s: &mut String, text: &str) {
    if text.trim().is_empty() {
        return;
    }
    if !s.is_empty() {
        s.push_str("\n\n");
    }
    s.push_str(text.trim());
}

/// The first heading (or first non-empty line) as the title, and the rest.
fn title_and_rest(body: &str) -> (Option<String>, String) {
    let mut lines = body.lines();
    let mut title = None;
    let mut rest = String::new();
    for l in lines.by_ref() {
        if l.trim().is_empty() {
            continue;
        }
        title = Some(l.trim().trim_start_matches('#').trim().to_string());
        break;
    }
    for l in lines {
        rest.push_str(l);
        rest.push('\n');
    }
    (title.filter(|t| !t.is_empty()), rest.trim().to_string())
}

/// A file adopted as a ticket.
#[derive(Debug, Clone, Serialize)]
pub struct Adopted {
    /// The file's name in the inbox.
    pub file: String,
    /// The new ticket's id (empty on a dry run).
    pub id: String,
    pub title: String,
}

/// A file left in the inbox, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    pub file: String,
    pub why: String,
}

/// What an inbox pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub adopted: Vec<Adopted>,
    pub kept: Vec<Kept>,
    pub warnings: Vec<String>,
}

/// Whether the inbox holds anything to adopt: one `read_dir`, and only when
/// the folder exists (the check every mutating command makes).
pub fn pending(p: &Project) -> bool {
    let Ok(rd) = std::fs::read_dir(dir(p)) else {
        return false;
    };
    rd.filter_map(|e| e.ok())
        .any(|e| candidate(&e.path()).is_some())
}

/// The stem of an inbox file worth adopting (`.md`, `.markdown`, `.txt`, not hidden).
fn candidate(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    if name.starts_with('.') || !path.is_file() {
        return None;
    }
    let (stem, ext) = name.rsplit_once('.')?;
    matches!(ext.to_ascii_lowercase().as_str(), "md" | "markdown" | "txt").then(|| stem.to_string())
}

/// Adopt every file of the inbox (nothing is written with `dry_run`).
pub fn adopt(p: &Project, ctx: &Ctx, dry_run: bool) -> Result<Report> {
    let mut report = Report {
        dry_run,
        ..Report::default()
    };
    let inbox = dir(p);
    let rd = match std::fs::read_dir(&inbox) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(report),
        Err(e) => return Err(Error::io(&inbox, e)),
    };
    let mut files: Vec<(PathBuf, String)> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter_map(|p| candidate(&p).map(|s| (p, s)))
        .collect();
    files.sort();
    let mut drafts: Vec<(PathBuf, String, Draft)> = Vec::new();
    for (path, stem) in files {
        let name = file_name(&path);
        let text = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                report.kept.push(Kept {
                    file: name,
                    why: "not UTF-8 text".into(),
                });
                continue;
            }
            Err(e) => {
                report.kept.push(Kept {
                    file: name,
                    why: e.to_string(),
                });
                continue;
            }
        };
        match parse(&stem, &text) {
            Ok(d) => drafts.push((path, tess::split_name(&stem).1, d)),
            Err(why) => report.kept.push(Kept { file: name, why }),
        }
    }
    if drafts.is_empty() {
        return Ok(report);
    }
    // Existing tickets by slug and title, for prereqs and parents.
    let scan = p.scan()?;
    let mut known: HashMap<String, String> = HashMap::new();
    for e in &scan.entries {
        known.insert(slugify(&e.meta.title), e.meta.id.to_string());
        known.insert(e.meta.title.trim().to_lowercase(), e.meta.id.to_string());
    }
    // Files of this inbox are known by their slug and title once adopted.
    let batch: HashMap<String, usize> = drafts
        .iter()
        .enumerate()
        .flat_map(|(i, (_, slug, d))| [(slug.clone(), i), (d.title.to_lowercase(), i)])
        .collect();
    let mut done: Vec<Option<String>> = vec![None; drafts.len()];
    let mut settled = vec![false; drafts.len()];
    loop {
        // Adopt a file once every prereq naming another inbox file is adopted;
        // when none can go (a cycle), the rest go with those prereqs dropped.
        let ready: Vec<usize> = (0..drafts.len())
            .filter(|&i| !settled[i])
            .filter(|&i| {
                drafts[i].2.prereqs.iter().all(|r| {
                    match batch.get(&r.trim().to_lowercase()).or(batch.get(r.trim())) {
                        Some(&j) => j == i || settled[j],
                        None => true,
                    }
                })
            })
            .collect();
        let pick = if ready.is_empty() {
            match (0..drafts.len()).find(|&i| !settled[i]) {
                Some(i) => vec![i],
                None => break,
            }
        } else {
            ready
        };
        for i in pick {
            settled[i] = true;
            let (path, _, d) = &drafts[i];
            let name = file_name(path);
            let resolve = |r: &str| -> Option<String> {
                let key = r.trim();
                if let Some(&j) = batch.get(&key.to_lowercase()).or(batch.get(key)) {
                    // A dry run adopts nothing, so another inbox file stands in.
                    return done[j]
                        .clone()
                        .or_else(|| dry_run.then(|| format!("inbox/{}", drafts[j].1)));
                }
                known
                    .get(key)
                    .or(known.get(&key.to_lowercase()))
                    .or(known.get(&slugify(key)))
                    .cloned()
                    .or_else(|| p.resolve(key).ok().map(|f| f.id))
            };
            let mut deps = Vec::new();
            for r in &d.prereqs {
                match resolve(r) {
                    Some(id) => deps.push(id),
                    None => report.warnings.push(format!(
                        "inbox/{name}: prereq `{r}` matches no ticket (slug, title or id); dropped"
                    )),
                }
            }
            let parent = match &d.parent {
                Some(r) => match resolve(r) {
                    Some(id) => Some(id),
                    None => {
                        report.warnings.push(format!(
                            "inbox/{name}: parent `{r}` matches no ticket; left without a parent"
                        ));
                        None
                    }
                },
                None => None,
            };
            if dry_run {
                report.adopted.push(Adopted {
                    file: name,
                    id: String::new(),
                    title: d.title.clone(),
                });
                continue;
            }
            // Claim the file: a rename only one process can win.
            let claimed = inbox.join(format!(".{name}.adopting"));
            match std::fs::rename(path, &claimed) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(path, e)),
            }
            let new = NewTicket {
                title: d.title.clone(),
                kind: d.kind.clone(),
                priority: d.priority,
                mode: d.mode.clone(),
                assignee: d.assignee.clone(),
                parent,
                tier: None,
                tags: d.tags.clone(),
                external_refs: d.external_refs.clone(),
                description: Some(d.description.clone()).filter(|s| !s.trim().is_empty()),
                design: Some(d.design.clone()).filter(|s| !s.trim().is_empty()),
                acceptance: d.acceptance.clone(),
                deps,
                links: Vec::new(),
                sequence: d.sequence,
                attention: None,
                docs: Vec::new(),
            };
            match ops::create(p, ctx, new) {
                Ok(o) => {
                    // The ticket is written: now the file may go.
                    let _ = std::fs::remove_file(&claimed);
                    done[i] = Some(o.ticket.meta.id.to_string());
                    report.adopted.push(Adopted {
                        file: name,
                        id: o.ticket.meta.id.to_string(),
                        title: o.ticket.meta.title,
                    });
                }
                Err(e) => {
                    let _ = std::fs::rename(&claimed, path);
                    report.kept.push(Kept {
                        file: name,
                        why: e.to_string(),
                    });
                }
            }
        }
    }
    Ok(report)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_markdown() {
        let d = parse("x", "# Fix the login\n\nIt fails on Safari.\n").unwrap();
        assert_eq!(d.title, "Fix the login");
        assert_eq!(d.description, "It fails on Safari.");
        let d = parse("x", "\nJust a line\nmore\n").unwrap();
        assert_eq!(d.title, "Just a line");
        assert!(parse("x", "\n\n").is_err());
    }

    #[test]
    fn tess_header() {
        let d = parse(
            "2-user-auth",
            "description: Add auth\nprereq: session-store\n----\nBody.\n",
        )
        .unwrap();
        assert_eq!(d.title, "Add auth");
        assert_eq!(d.prereqs, ["session-store"]);
        assert_eq!(d.sequence, Some(2.0));
        assert_eq!(d.description, "Body.");
    }

    #[test]
    fn knot_frontmatter() {
        let d = parse(
            "x",
            "---\ntitle: Add SSO\ntype: feature\npriority: 1\ntags: [auth]\ndeps: [user-model]\nacceptance:\n- title: works\n  done: false\n---\n\n## Description\n\nSAML.\n\n## Design\n\nUse a crate.\n",
        )
        .unwrap();
        assert_eq!(d.title, "Add SSO");
        assert_eq!(d.priority, Some(1));
        assert_eq!(d.prereqs, ["user-model"]);
        assert_eq!(d.acceptance, ["works"]);
        assert_eq!(d.description, "SAML.");
        assert_eq!(d.design, "Use a crate.");
        let d = parse("x", "---\ntype: bug\n---\n# Crash on start\n\nstack\n").unwrap();
        assert_eq!(d.title, "Crash on start");
        assert_eq!(d.description, "stack");
        assert!(parse("x", "---\npriority: [\n---\n# t\n").is_err());
    }
}
