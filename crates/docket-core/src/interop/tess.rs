//! tess: `tickets/<stage>/[<sequence>-]<slug>.md`, a `key: value` header
//! (`description`, `prereq`, `files`; v1 used `dependencies`) ended by a `----`
//! line, then free markdown. The slug is the identity; the stage is the status.
//! Format v1 (`tickets/.version` = 1) used numeric prefixes as priorities
//! (higher runs sooner): they are inverted into sequences the way tess's own
//! migration does, so the execution order is kept.

use std::path::Path;

use serde_json::Value;

use super::{Record, Source, md_files, pick_dir, read_text};
use crate::error::Result;

/// tess's stage folders, in pipeline order.
pub const STAGES: &[&str] = &[
    "backlog",
    "fix",
    "plan",
    "implement",
    "review",
    "complete",
    "blocked",
];

/// A parsed tess file name: optional sequence and the slug.
pub fn split_name(stem: &str) -> (Option<f64>, String) {
    if let Some((num, slug)) = stem.split_once('-')
        && !num.is_empty()
        && !slug.is_empty()
        && num.chars().all(|c| c.is_ascii_digit() || c == '.')
        && let Ok(n) = num.parse::<f64>()
    {
        return (Some(n), slug.to_string());
    }
    (None, stem.to_string())
}

/// Header fields and the body of one tess file.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub description: Option<String>,
    pub prereq: Vec<String>,
    pub files: Vec<String>,
    /// Whether the header used v1's `dependencies:`.
    pub v1_header: bool,
    pub body: String,
}

/// Split a tess file into header and body. A file without a `----` line after
/// `key: value` lines has no header.
pub fn parse_text(text: &str) -> Parsed {
    let mut p = Parsed::default();
    let lines: Vec<&str> = text.lines().collect();
    let sep = lines.iter().position(|l| l.trim() == "----");
    let header_ok = sep.is_some_and(|s| {
        lines[..s]
            .iter()
            .all(|l| l.trim().is_empty() || header_kv(l).is_some())
    });
    let body_from = match (sep, header_ok) {
        (Some(s), true) => {
            for l in &lines[..s] {
                if let Some((k, v)) = header_kv(l) {
                    let list = || {
                        v.split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect::<Vec<_>>()
                    };
                    match k.as_str() {
                        "description" => p.description = Some(v.trim().to_string()),
                        "prereq" | "prereqs" => p.prereq = list(),
                        "dependencies" | "depends" => {
                            p.v1_header = true;
                            p.prereq = list();
                        }
                        "files" => p.files = list(),
                        _ => {}
                    }
                }
            }
            s + 1
        }
        _ => 0,
    };
    p.body = lines[body_from..].join("\n").trim().to_string();
    p
}

fn header_kv(line: &str) -> Option<(String, &str)> {
    let (k, v) = line.split_once(':')?;
    let k = k.trim();
    (!k.is_empty()
        && k.len() <= 20
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then(|| (k.to_ascii_lowercase(), v))
}

/// A v1 reference (`3-session-store.md`) as the slug tess v2 uses.
pub fn ref_slug(r: &str) -> String {
    let r = r.trim().trim_end_matches(".md");
    let r = r.rsplit('/').next().unwrap_or(r);
    split_name(r).1
}

/// Read `tickets/<stage>/` folders under `path` (or `path` itself).
pub fn read(path: &Path) -> Result<Source> {
    let dir = pick_dir(path, "tickets");
    let version = std::fs::read_to_string(dir.join(".version"))
        .ok()
        .map(|v| v.trim().to_string());
    let mut src = Source::default();
    let mut found: Vec<(String, std::path::PathBuf)> = Vec::new();
    for stage in STAGES {
        for f in md_files(&dir.join(stage))? {
            found.push((stage.to_string(), f));
        }
    }
    // Other folders holding .md files are stages of a customised pipeline.
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut extra: Vec<_> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .filter(|n| !n.starts_with('.') && !STAGES.contains(&n.as_str()))
            .collect();
        extra.sort();
        for stage in extra {
            for f in md_files(&dir.join(&stage))? {
                found.push((stage.clone(), f));
            }
        }
    }
    let mut parsed = Vec::new();
    for (stage, f) in found {
        let text = read_text(&f)?;
        let stem = f
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        parsed.push((stage, f, stem, parse_text(&text)));
    }
    let v1 = match version.as_deref() {
        Some("1") => true,
        Some(_) => false,
        None => parsed.iter().any(|(_, _, _, p)| p.v1_header),
    };
    let max_prefix = parsed
        .iter()
        .filter_map(|(_, _, stem, _)| split_name(stem).0)
        .fold(0.0_f64, f64::max);
    for (stage, f, stem, p) in parsed {
        let (num, slug) = split_name(&stem);
        let sequence = if v1 {
            num.map(|n| max_prefix + 1.0 - n)
        } else {
            num
        };
        src.records.push(record(&stage, &slug, sequence, p, v1, &f));
    }
    Ok(src)
}

fn record(stage: &str, slug: &str, sequence: Option<f64>, p: Parsed, v1: bool, f: &Path) -> Record {
    let title = p
        .description
        .clone()
        .filter(|d| !d.is_empty())
        .or_else(|| {
            p.body
                .lines()
                .find_map(|l| l.strip_prefix("# ").map(|h| h.trim().to_string()))
        })
        .unwrap_or_else(|| slug.replace('-', " "));
    let mut r = Record {
        source_id: slug.to_string(),
        title,
        status: Some(stage.to_string()),
        deps: if v1 {
            p.prereq.iter().map(|d| ref_slug(d)).collect()
        } else {
            p.prereq.clone()
        },
        description: p.body,
        origin: f.display().to_string(),
        ..Record::default()
    };
    if let Some(s) = sequence {
        let v = if s.fract() == 0.0 && s.abs() < 1e15 {
            Value::from(s as i64)
        } else {
            serde_json::Number::from_f64(s)
                .map(Value::Number)
                .unwrap_or(Value::Null)
        };
        r.extra.insert("sequence".into(), v);
    }
    if !p.files.is_empty() {
        r.extra.insert(
            "files".into(),
            Value::Array(p.files.into_iter().map(Value::String).collect()),
        );
    }
    r
}

/// The tess stage a docket status lands in: the status itself when it is a tess
/// stage, else by its role in the workflow.
pub fn stage_for(cfg: &crate::config::Config, status: &str) -> &'static str {
    if let Some(s) = STAGES.iter().find(|s| **s == status) {
        return s;
    }
    if cfg.is_terminal(status) {
        "complete"
    } else if status == cfg.workflow.active {
        "implement"
    } else if cfg.workflow.planning.as_deref() == Some(status) {
        "plan"
    } else if cfg.is_started(status) {
        "review"
    } else {
        "backlog"
    }
}

/// Render a tess v2 file: header, `----`, then the ticket's description and
/// other sections.
pub fn render(title: &str, prereq: &[String], files: &[String], body: &str) -> String {
    let mut out = format!("description: {}\n", one_line(title));
    if !prereq.is_empty() {
        out.push_str(&format!("prereq: {}\n", prereq.join(", ")));
    }
    if !files.is_empty() {
        out.push_str(&format!("files: {}\n", files.join(", ")));
    }
    out.push_str("----\n");
    if !body.trim().is_empty() {
        out.push_str(body.trim());
        out.push('\n');
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(split_name("3-user-auth"), (Some(3.0), "user-auth".into()));
        assert_eq!(split_name("3.5-x"), (Some(3.5), "x".into()));
        assert_eq!(split_name("user-auth"), (None, "user-auth".into()));
        assert_eq!(ref_slug("12-session-store.md"), "session-store");
    }

    #[test]
    fn header_and_body() {
        let p = parse_text(
            "description: Add JWT auth\nprereq: session-store, user-model\nfiles: src/a.ts\n----\nDesign it.\n\nTODO\n- a\n",
        );
        assert_eq!(p.description.as_deref(), Some("Add JWT auth"));
        assert_eq!(p.prereq, ["session-store", "user-model"]);
        assert_eq!(p.files, ["src/a.ts"]);
        assert!(p.body.starts_with("Design it."));
        let plain = parse_text("# Just markdown\n\ntext: with colon\n");
        assert_eq!(plain.description, None);
        assert!(plain.body.starts_with("# Just"));
        let v1 = parse_text("description: old\ndependencies: 3-a.md\n----\nx");
        assert!(v1.v1_header);
    }

    #[test]
    fn render_parses_back() {
        let text = render("Do it", &["a".into()], &[], "Body");
        let p = parse_text(&text);
        assert_eq!(p.description.as_deref(), Some("Do it"));
        assert_eq!(p.prereq, ["a"]);
        assert_eq!(p.body, "Body");
    }
}
