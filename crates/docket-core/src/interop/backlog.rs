//! Backlog.md: `backlog/tasks/<id> - <title>.md` (and `backlog/completed/`),
//! YAML frontmatter (`id`, `title`, `status` such as "To Do", `assignee` list,
//! `created_date`, `updated_date`, `labels`, `dependencies`, `parent_task_id`,
//! `priority` high/medium/low), and body sections whose content sits between
//! `<!-- SECTION:…:BEGIN/END -->` or `<!-- AC:BEGIN/END -->` markers.

use std::path::Path;

use super::{
    Record, Source, list_of, md_files, normalize_time, parse_checklist, pick_dir, read_text,
    split_sections, text_of,
};
use crate::error::Result;
use crate::ticket::Note;
use crate::yaml;

const KNOWN: &[&str] = &[
    "id",
    "title",
    "status",
    "assignee",
    "reporter",
    "created_date",
    "updated_date",
    "labels",
    "dependencies",
    "parent_task_id",
    "parent",
    "priority",
];

/// Read `backlog/tasks/` and `backlog/completed/` under `path` (or `path`
/// being the `backlog/` folder itself).
pub fn read(path: &Path) -> Result<Source> {
    let dir = pick_dir(path, "backlog");
    let mut src = Source::default();
    let mut files = md_files(&dir.join("tasks"))?;
    let completed = md_files(&dir.join("completed"))?;
    let done_from = files.len();
    files.extend(completed);
    for (i, f) in files.iter().enumerate() {
        let text = read_text(f)?;
        match parse(&text) {
            Ok(mut r) => {
                if i >= done_from && r.status.is_none() {
                    r.status = Some("Done".into());
                }
                r.origin = f.display().to_string();
                src.records.push(r);
            }
            Err(why) => src
                .warnings
                .push(format!("{}: skipped: {why}", f.display())),
        }
    }
    Ok(src)
}

/// Text between a section's BEGIN/END markers (or the whole text without them).
fn unmark(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let t = l.trim();
            !(t.starts_with("<!--")
                && t.ends_with("-->")
                && (t.contains(":BEGIN") || t.contains(":END")))
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Backlog.md's priority words as docket's 0–4.
pub fn priority(word: &str) -> Option<i64> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" | "urgent" => Some(0),
        "high" => Some(1),
        "medium" => Some(2),
        "low" => Some(3),
        n => n.parse().ok(),
    }
}

/// One Backlog.md task file as a record.
pub fn parse(text: &str) -> std::result::Result<Record, String> {
    let (map, body) = yaml::parse_foreign(text).map_err(|f| f.message)?;
    let id = text_of(map.get("id")).ok_or("no `id` in the frontmatter")?;
    let title = text_of(map.get("title")).ok_or("no `title` in the frontmatter")?;
    let assignees: Vec<String> = list_of(map.get("assignee"))
        .into_iter()
        .map(|a| a.trim_start_matches('@').to_string())
        .collect();
    let time = |k: &str| text_of(map.get(k)).map(|c| normalize_time(&c).unwrap_or(c));
    let mut r = Record {
        source_id: id,
        title,
        status: text_of(map.get("status")),
        priority: text_of(map.get("priority")).and_then(|p| priority(&p)),
        assignee: assignees.first().cloned(),
        parent: text_of(map.get("parent_task_id").or(map.get("parent"))),
        created: time("created_date"),
        updated: time("updated_date"),
        tags: list_of(map.get("labels")),
        deps: list_of(map.get("dependencies")),
        ..Record::default()
    };
    if assignees.len() > 1 {
        r.extra.insert(
            "assignees".into(),
            serde_json::Value::Array(
                assignees
                    .into_iter()
                    .map(serde_json::Value::String)
                    .collect(),
            ),
        );
    }
    for (k, v) in &map {
        if !KNOWN.contains(&k.as_str()) {
            r.extra.insert(k.clone(), v.clone());
        }
    }
    let (pre, sections) = split_sections(&body);
    r.description = unmark(&pre);
    for (name, text) in sections {
        let text = unmark(&text);
        match name.as_str() {
            "Description" => {
                if !r.description.is_empty() {
                    r.description.push_str("\n\n");
                }
                r.description.push_str(&text);
            }
            "Acceptance Criteria" => r.acceptance = parse_checklist(&text),
            "Implementation Notes" if !text.is_empty() => r.notes.push(Note {
                at: r.updated.clone().or(r.created.clone()).unwrap_or_default(),
                author: None,
                text,
            }),
            _ if text.is_empty() => {}
            _ => r.sections.push((name, text)),
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_task() {
        let text = "---\nid: task-2\ntitle: Add login\nstatus: In Progress\nassignee:\n  - '@ada'\ncreated_date: '2025-06-01 10:00'\nlabels: [auth]\ndependencies: [task-1]\npriority: high\n---\n\n## Description\n\n<!-- SECTION:DESCRIPTION:BEGIN -->\nLet users log in.\n<!-- SECTION:DESCRIPTION:END -->\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [x] #1 form renders\n- [ ] #2 errors shown\n<!-- AC:END -->\n\n## Implementation Plan\n\n<!-- SECTION:PLAN:BEGIN -->\n1. form\n<!-- SECTION:PLAN:END -->\n";
        let r = parse(text).unwrap();
        assert_eq!(r.source_id, "task-2");
        assert_eq!(r.assignee.as_deref(), Some("ada"));
        assert_eq!(r.priority, Some(1));
        assert_eq!(r.created.as_deref(), Some("2025-06-01T10:00:00Z"));
        assert_eq!(r.description, "Let users log in.");
        assert_eq!(r.acceptance.len(), 2);
        assert!(r.acceptance[0].done);
        assert_eq!(
            r.sections[0],
            ("Implementation Plan".into(), "1. form".into())
        );
    }
}
