//! beads: a JSONL export (`.beads/issues.jsonl`), one issue per line with
//! `id`, `title`, `description`, `design`, `acceptance_criteria`, `notes`,
//! `status`, `priority`, `issue_type`, `assignee`, `labels`, `created_at`,
//! `updated_at`, `closed_at`, `external_ref`, `dependencies` (`blocks`,
//! `parent-child`, `related`, `discovered-from`) and `comments`.

use std::path::Path;

use serde_json::Value;

use super::{Record, Source, list_of, normalize_time, parse_checklist, read_text, text_of};
use crate::error::{Error, Result};
use crate::ticket::Note;

const KNOWN: &[&str] = &[
    "id",
    "title",
    "description",
    "design",
    "acceptance_criteria",
    "notes",
    "status",
    "priority",
    "issue_type",
    "assignee",
    "labels",
    "created_at",
    "updated_at",
    "closed_at",
    "external_ref",
    "dependencies",
    "comments",
];

/// Read `issues.jsonl` (the file, a folder holding it, or `.beads/issues.jsonl`).
pub fn read(path: &Path) -> Result<Source> {
    let file = [
        path.to_path_buf(),
        path.join("issues.jsonl"),
        path.join(".beads").join("issues.jsonl"),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .ok_or_else(|| {
        Error::invalid(format!(
            "no beads export at {} (give issues.jsonl or the folder holding .beads/)",
            path.display()
        ))
    })?;
    let text = read_text(&file)?;
    Ok(parse(&text, &file.display().to_string()))
}

/// Parse beads JSON lines; a bad line is a warning.
pub fn parse(text: &str, origin: &str) -> Source {
    let mut src = Source::default();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let at = format!("{origin}:{}", i + 1);
        let v: Value = match serde_json::from_str(l) {
            Ok(v) => v,
            Err(e) => {
                src.warnings.push(format!("{at}: skipped: {e}"));
                continue;
            }
        };
        match record(&v) {
            Ok(Some(mut r)) => {
                r.origin = at;
                src.records.push(r);
            }
            Ok(None) => {}
            Err(why) => src.warnings.push(format!("{at}: skipped: {why}")),
        }
    }
    src
}

fn record(v: &Value) -> std::result::Result<Option<Record>, String> {
    let o = v.as_object().ok_or("not a JSON object")?;
    let id = text_of(o.get("id")).ok_or("no `id`")?;
    let title = text_of(o.get("title")).ok_or("no `title`")?;
    let status = text_of(o.get("status"));
    if matches!(status.as_deref(), Some("tombstone" | "deleted")) {
        return Ok(None);
    }
    let time = |k: &str| text_of(o.get(k)).map(|c| normalize_time(&c).unwrap_or(c));
    let mut r = Record {
        source_id: id.clone(),
        title,
        status,
        kind: text_of(o.get("issue_type")),
        priority: o.get("priority").and_then(Value::as_i64),
        assignee: text_of(o.get("assignee")),
        created: time("created_at"),
        updated: time("updated_at"),
        closed: time("closed_at"),
        tags: list_of(o.get("labels")),
        external_refs: text_of(o.get("external_ref")).into_iter().collect(),
        description: text_of(o.get("description")).unwrap_or_default(),
        design: text_of(o.get("design")).unwrap_or_default(),
        ..Record::default()
    };
    if let Some(ac) = text_of(o.get("acceptance_criteria")) {
        let items = parse_checklist(&ac);
        if items.is_empty() {
            r.acceptance = ac
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| crate::ticket::Criterion {
                    title: l.to_string(),
                    done: false,
                })
                .collect();
        } else {
            r.acceptance = items;
        }
    }
    if let Some(n) = text_of(o.get("notes")) {
        r.notes.push(Note {
            at: r.updated.clone().or(r.created.clone()).unwrap_or_default(),
            author: None,
            text: n,
        });
    }
    for c in o
        .get("comments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(text) = text_of(c.get("text")) else {
            continue;
        };
        let at = text_of(c.get("created_at"))
            .and_then(|t| normalize_time(&t))
            .unwrap_or_default();
        r.notes.push(Note {
            at,
            author: text_of(c.get("author")),
            text,
        });
    }
    r.notes.sort_by(|a, b| a.at.cmp(&b.at));
    for d in o
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let on = text_of(d.get("depends_on_id"));
        let from = text_of(d.get("issue_id")).unwrap_or_else(|| id.clone());
        let Some(on) = on else { continue };
        if from != id {
            continue;
        }
        match text_of(d.get("type")).as_deref().unwrap_or("blocks") {
            "parent-child" => r.parent = Some(on),
            "related" | "discovered-from" => r.links.push(on),
            _ => r.deps.push(on),
        }
    }
    for (k, v) in o {
        if !KNOWN.contains(&k.as_str()) && !v.is_null() {
            r.extra.insert(format!("beads_{k}"), v.clone());
        }
    }
    Ok(Some(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_issue() {
        let line = r#"{"id":"bd-2","title":"Child","description":"d","status":"closed","priority":1,"issue_type":"bug","labels":["x"],"created_at":"2025-10-20T10:00:00.5-07:00","closed_at":"2025-10-21T10:00:00Z","dependencies":[{"issue_id":"bd-2","depends_on_id":"bd-1","type":"parent-child"},{"issue_id":"bd-2","depends_on_id":"bd-3","type":"blocks"}],"comments":[{"id":1,"issue_id":"bd-2","author":"ada","text":"hi","created_at":"2025-10-20T12:00:00Z"}]}"#;
        let src = parse(line, "f");
        let r = &src.records[0];
        assert_eq!(r.parent.as_deref(), Some("bd-1"));
        assert_eq!(r.deps, ["bd-3"]);
        assert_eq!(r.created.as_deref(), Some("2025-10-20T17:00:00Z"));
        assert_eq!(r.notes[0].author.as_deref(), Some("ada"));
        assert_eq!(r.kind.as_deref(), Some("bug"));
    }
}
