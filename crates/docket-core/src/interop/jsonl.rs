//! docket's own JSON lines: one object per ticket with every field, the body's
//! sections, notes and the audit log. `export --format jsonl` writes it and
//! `import jsonl` reads it back (the log is informational: an import starts a
//! fresh chain, with the notes kept at their times).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Record, Source, read_text, split_sections};
use crate::audit::{self, LogEntry};
use crate::error::{Error, Result};
use crate::ticket::{
    Criterion, Extra, Note, SECTION_DESCRIPTION, SECTION_DESIGN, SECTION_LOG, SECTION_NOTES,
    SECTION_PLAN, Ticket,
};

/// One exported ticket (the JSON-lines wire type, documented in docs/JSON.md).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Line {
    pub id: String,
    pub title: String,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub priority: i64,
    pub mode: String,
    pub tier: Option<String>,
    pub attention: Option<i64>,
    pub assignee: Option<String>,
    pub parent: Option<String>,
    pub created: String,
    pub updated: String,
    pub closed: Option<String>,
    pub tags: Vec<String>,
    pub external_refs: Vec<String>,
    pub deps: Vec<String>,
    pub links: Vec<String>,
    pub acceptance: Vec<JsonCriterion>,
    /// Unknown frontmatter keys (`sequence`, …), verbatim.
    pub extra: Extra,
    pub description: String,
    pub design: String,
    pub plan: String,
    /// Other body sections, in order.
    pub sections: Vec<Section>,
    pub notes: Vec<JsonNote>,
    /// The audit log, entry by entry (hashes included).
    pub log: Vec<serde_json::Value>,
    pub archived: bool,
}

/// An acceptance criterion on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct JsonCriterion {
    pub title: String,
    pub done: bool,
}

/// A note on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct JsonNote {
    pub at: String,
    pub author: Option<String>,
    pub text: String,
}

/// A free body section on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Section {
    pub name: String,
    pub text: String,
}

/// The export line of one ticket.
pub fn line(t: &Ticket, archived: bool) -> Line {
    let m = &t.meta;
    let (_, sections) = split_sections(&t.body);
    let (entries, _) = audit::parse(t);
    Line {
        id: m.id.to_string(),
        title: m.title.clone(),
        status: m.status.to_string(),
        kind: m.kind.to_string(),
        priority: m.priority,
        mode: m.mode.to_string(),
        tier: m.tier.clone().map(String::from),
        attention: m.attention,
        assignee: m.assignee.clone().map(String::from),
        parent: m.parent.clone().map(String::from),
        created: m.created.to_string(),
        updated: m.updated.to_string(),
        closed: m.closed.clone().map(String::from),
        tags: crate::ticket::strings(&m.tags),
        external_refs: crate::ticket::strings(&m.external_refs),
        deps: crate::ticket::strings(&m.deps),
        links: crate::ticket::strings(&m.links),
        acceptance: m
            .acceptance
            .iter()
            .map(|c| JsonCriterion {
                title: c.title.clone(),
                done: c.done,
            })
            .collect(),
        extra: t.extra.clone(),
        description: t.section(SECTION_DESCRIPTION),
        design: t.section(SECTION_DESIGN),
        plan: t.section(SECTION_PLAN),
        sections: sections
            .into_iter()
            .filter(|(n, _)| {
                ![
                    SECTION_DESCRIPTION,
                    SECTION_DESIGN,
                    SECTION_PLAN,
                    SECTION_NOTES,
                    SECTION_LOG,
                ]
                .contains(&n.as_str())
            })
            .map(|(name, text)| Section { name, text })
            .collect(),
        notes: t
            .notes()
            .into_iter()
            .map(|n| JsonNote {
                at: n.at,
                author: n.author,
                text: n.text,
            })
            .collect(),
        log: entries.iter().map(entry_json).collect(),
        archived,
    }
}

fn entry_json(e: &LogEntry) -> serde_json::Value {
    serde_json::to_value(e).unwrap_or(serde_json::Value::Null)
}

/// Read a JSON-lines file (or `<dir>/docket.jsonl`).
pub fn read(path: &Path) -> Result<Source> {
    let file = if path.is_dir() {
        path.join("docket.jsonl")
    } else {
        path.to_path_buf()
    };
    if !file.is_file() {
        return Err(Error::invalid(format!(
            "{} is not a JSON-lines file (give the file, or a folder holding docket.jsonl)",
            file.display()
        )));
    }
    let text = read_text(&file)?;
    Ok(parse(&text, &file.display().to_string()))
}

/// Parse JSON lines; a bad line is a warning, never a stop.
pub fn parse(text: &str, origin: &str) -> Source {
    let mut src = Source::default();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let at = format!("{origin}:{}", i + 1);
        match serde_json::from_str::<Line>(l) {
            Ok(line) if !line.id.trim().is_empty() && !line.title.trim().is_empty() => {
                let mut r = record(line);
                r.origin = at;
                src.records.push(r);
            }
            Ok(_) => src
                .warnings
                .push(format!("{at}: skipped: a line needs an `id` and a `title`")),
            Err(e) => src.warnings.push(format!("{at}: skipped: {e}")),
        }
    }
    src
}

fn record(l: Line) -> Record {
    let opt = |s: String| (!s.trim().is_empty()).then_some(s);
    Record {
        source_id: l.id,
        title: l.title,
        status: opt(l.status),
        kind: opt(l.kind),
        priority: Some(l.priority),
        mode: opt(l.mode),
        tier: l.tier,
        assignee: l.assignee,
        parent: l.parent,
        created: opt(l.created),
        updated: opt(l.updated),
        closed: l.closed,
        tags: l.tags,
        external_refs: l.external_refs,
        deps: l.deps,
        links: l.links,
        acceptance: l
            .acceptance
            .into_iter()
            .map(|c| Criterion {
                title: c.title,
                done: c.done,
            })
            .collect(),
        description: l.description,
        design: l.design,
        sections: l.sections.into_iter().map(|s| (s.name, s.text)).collect(),
        notes: l
            .notes
            .into_iter()
            .map(|n| Note {
                at: n.at,
                author: n.author,
                text: n.text,
            })
            .collect(),
        extra: l.extra,
        origin: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_warn() {
        let src = parse(
            "{\"id\":\"dk-1\",\"title\":\"A\",\"status\":\"open\",\"tags\":[\"x\"]}\nnot json\n{\"id\":\"\"}\n",
            "f",
        );
        assert_eq!(src.records.len(), 1);
        assert_eq!(src.records[0].tags, ["x"]);
        assert_eq!(src.warnings.len(), 2);
        assert!(src.warnings[0].starts_with("f:2"));
    }
}
