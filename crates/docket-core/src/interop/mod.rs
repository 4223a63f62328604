//! Interop with other ticket tools: reading their files into neutral
//! [`Record`]s (one module per format), turning records into docket tickets
//! idempotently (`import`), and writing docket tickets out in other formats
//! (`export`).
//!
//! Format modules are pure text → records functions with unit tests; the only
//! I/O here is walking a source folder and the writes of `import::apply`, which
//! go through [`crate::Project::save`] under the project lock.

pub mod backlog;
pub mod beads;
pub mod export;
pub mod import;
pub mod jsonl;
pub mod knot;
pub mod tess;
pub mod tk;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::ticket::{Criterion, Extra, Note};

/// A ticket read from another tool, before it becomes a docket ticket. `None`
/// and empty fields mean "the source does not say"; references (`parent`,
/// `deps`, `links`) are the source's own ids (or slugs), rewritten on import.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Record {
    /// The id (or slug) the source tool knows the ticket by.
    pub source_id: String,
    pub title: String,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub priority: Option<i64>,
    pub mode: Option<String>,
    pub tier: Option<String>,
    pub assignee: Option<String>,
    pub parent: Option<String>,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub closed: Option<String>,
    pub tags: Vec<String>,
    pub external_refs: Vec<String>,
    pub deps: Vec<String>,
    pub links: Vec<String>,
    pub acceptance: Vec<Criterion>,
    pub description: String,
    pub design: String,
    /// Other body sections worth keeping, `(heading, text)`, in source order.
    pub sections: Vec<(String, String)>,
    /// Notes and comments with their times, oldest first.
    pub notes: Vec<Note>,
    /// Frontmatter keys docket keeps verbatim (`sequence`, `files`, unknown keys).
    pub extra: Extra,
    /// Where the record came from (a file, `file:line`), for warnings.
    pub origin: String,
}

/// What a format reader found: records plus what it could not read.
#[derive(Debug, Default)]
pub struct Source {
    pub records: Vec<Record>,
    pub warnings: Vec<String>,
}

/// The formats docket reads (`import`) or writes (`export`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Knot,
    Jsonl,
    Tess,
    Ticket,
    Backlog,
    Beads,
}

impl Format {
    /// Every import format, in the order the docs list them.
    pub const ALL: &'static [Format] = &[
        Format::Knot,
        Format::Jsonl,
        Format::Tess,
        Format::Ticket,
        Format::Backlog,
        Format::Beads,
    ];

    /// The name used on the command line and in `external_refs` (`knot:<id>`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Knot => "knot",
            Format::Jsonl => "jsonl",
            Format::Tess => "tess",
            Format::Ticket => "ticket",
            Format::Backlog => "backlog",
            Format::Beads => "beads",
        }
    }

    /// Parse a format name (`tk` is an alias of `ticket`, `backlog.md` of `backlog`).
    pub fn parse(name: &str) -> Result<Format> {
        let n = name.trim().to_ascii_lowercase();
        let f = match n.as_str() {
            "knot" => Format::Knot,
            "jsonl" | "docket" => Format::Jsonl,
            "tess" => Format::Tess,
            "ticket" | "tk" => Format::Ticket,
            "backlog" | "backlog.md" => Format::Backlog,
            "beads" | "bd" => Format::Beads,
            _ => {
                return Err(Error::invalid(format!(
                    "unknown format `{name}`; use one of: {}",
                    Format::ALL
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        };
        Ok(f)
    }

    /// The `external_refs` entry that marks a ticket imported from `source_id`.
    pub fn reference(self, source_id: &str) -> String {
        format!("{}:{source_id}", self.name())
    }

    /// Read every record of this format at `path` (a project root, the format's
    /// folder itself, or for JSON-lines formats the file).
    pub fn read(self, path: &Path) -> Result<Source> {
        match self {
            Format::Knot => knot::read(path),
            Format::Jsonl => jsonl::read(path),
            Format::Tess => tess::read(path),
            Format::Ticket => tk::read(path),
            Format::Backlog => backlog::read(path),
            Format::Beads => beads::read(path),
        }
    }
}

/// The `.md` files of a folder, sorted by name; a missing folder is empty.
pub(crate) fn md_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "md"))
        .collect();
    out.sort();
    Ok(out)
}

/// Read a file as text, naming it in the error.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// Pick `root/<sub>` when it exists, else `root` itself (the user may point
/// at the project or at the format's folder).
pub(crate) fn pick_dir(root: &Path, sub: &str) -> PathBuf {
    let inner = root.join(sub);
    if inner.is_dir() {
        inner
    } else {
        root.to_path_buf()
    }
}

/// A body split at its `## ` headings: the text before the first heading and
/// each `(heading, text)` section, trimmed, in order.
pub fn split_sections(body: &str) -> (String, Vec<(String, String)>) {
    let mut pre = String::new();
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut in_fence = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && let Some(h) = line.strip_prefix("## ") {
            sections.push((h.trim().to_string(), String::new()));
            continue;
        }
        match sections.last_mut() {
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {
                pre.push_str(line);
                pre.push('\n');
            }
        }
    }
    for (_, t) in &mut sections {
        *t = t.trim().to_string();
    }
    (pre.trim().to_string(), sections)
}

/// Normalise a foreign timestamp to docket's `YYYY-MM-DDTHH:MM:SSZ`: RFC 3339
/// with any offset or fraction, `YYYY-MM-DD HH:MM[:SS]` and `YYYY-MM-DD` (read
/// as UTC). Anything else is `None`.
pub fn normalize_time(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(ts) = raw.parse::<jiff::Timestamp>() {
        return Some(crate::ops::format_ts(ts));
    }
    let fixed = raw.replace(' ', "T");
    if let Ok(dt) = fixed.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| crate::ops::format_ts(z.timestamp()));
    }
    if let Ok(d) = raw.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| crate::ops::format_ts(z.timestamp()));
    }
    None
}

/// A YAML/JSON value as text (numbers and booleans too); `None` for null,
/// empty text, lists and maps.
pub(crate) fn text_of(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value as a list of texts: a YAML list, or a comma-separated text.
pub(crate) fn list_of(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(|i| text_of(Some(i))).collect()
        }
        Some(serde_json::Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// Checklist lines (`- [ ] a`, `- [x] b`, `* c`, `1. d`) as criteria; a
/// `#N ` number prefix (Backlog.md) is dropped.
pub fn parse_checklist(text: &str) -> Vec<Criterion> {
    let mut out: Vec<Criterion> = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        let rest = l
            .strip_prefix("- ")
            .or_else(|| l.strip_prefix("* "))
            .or_else(|| {
                let digits = l.chars().take_while(char::is_ascii_digit).count();
                (digits > 0)
                    .then(|| l[digits..].strip_prefix(". "))
                    .flatten()
            });
        let Some(rest) = rest else { continue };
        let (done, title) = if let Some(t) = rest.strip_prefix("[ ] ") {
            (false, t)
        } else if let Some(t) = rest
            .strip_prefix("[x] ")
            .or_else(|| rest.strip_prefix("[X] "))
        {
            (true, t)
        } else {
            (false, rest)
        };
        let title = match title.strip_prefix('#') {
            Some(t) => {
                let digits = t.chars().take_while(char::is_ascii_digit).count();
                if digits > 0 {
                    t[digits..].trim_start()
                } else {
                    title
                }
            }
            None => title,
        }
        .trim();
        if !title.is_empty() && !out.iter().any(|c| c.title == title) {
            out.push(Criterion {
                title: title.to_string(),
                done,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_normalise() {
        assert_eq!(
            normalize_time("2025-10-20T10:00:00.123456-07:00").as_deref(),
            Some("2025-10-20T17:00:00Z")
        );
        assert_eq!(
            normalize_time("2025-06-01 10:00").as_deref(),
            Some("2025-06-01T10:00:00Z")
        );
        assert_eq!(
            normalize_time("2025-06-01").as_deref(),
            Some("2025-06-01T00:00:00Z")
        );
        assert_eq!(normalize_time("soon"), None);
    }

    #[test]
    fn sections_split_outside_fences() {
        let (pre, s) = split_sections("intro\n## A\n\na\n```\n## not\n```\n## B\nb\n");
        assert_eq!(pre, "intro");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].1, "a\n```\n## not\n```");
    }

    #[test]
    fn checklists() {
        let c = parse_checklist("- [ ] #1 first\n- [x] #2 second\n* third\nnot a line\n1. fourth");
        let titles: Vec<_> = c.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["first", "second", "third", "fourth"]);
        assert!(c[1].done);
    }

    #[test]
    fn formats_parse() {
        assert_eq!(Format::parse("tk").unwrap(), Format::Ticket);
        assert!(Format::parse("jira").is_err());
    }
}
