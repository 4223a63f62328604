//! ticket / tk (wedow/ticket and its ports): `.tickets/<id>.md`, YAML
//! frontmatter (`id`, `status`, `deps`, `links`, `created`, `type`, `priority`,
//! `assignee`, `external-ref`, `parent`, `tags`), a `# Title` heading, the
//! description, then `## Design`, `## Acceptance Criteria` and `## Notes`
//! (`**<timestamp>**` entries).

use std::path::Path;

use super::{
    Record, Source, list_of, md_files, normalize_time, parse_checklist, pick_dir, read_text,
    split_sections, text_of,
};
use crate::error::Result;
use crate::ticket::Note;
use crate::yaml;

/// Keys mapped to record fields; the rest are kept as extra keys.
const KNOWN: &[&str] = &[
    "id",
    "title",
    "status",
    "deps",
    "links",
    "created",
    "type",
    "priority",
    "assignee",
    "external-ref",
    "external_ref",
    "parent",
    "tags",
];

/// Read `.tickets/` under `path` (or `path` itself).
pub fn read(path: &Path) -> Result<Source> {
    let dir = pick_dir(path, ".tickets");
    let mut src = Source::default();
    for f in md_files(&dir)? {
        let text = read_text(&f)?;
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        match parse(&text, stem) {
            Ok(mut r) => {
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

/// One ticket/tk file as a record (`stem` is the id when the frontmatter has none).
pub fn parse(text: &str, stem: &str) -> std::result::Result<Record, String> {
    let (map, body) = yaml::parse_foreign(text).map_err(|f| f.message)?;
    let id = text_of(map.get("id")).unwrap_or_else(|| stem.to_string());
    let lines = body.lines();
    let mut title = text_of(map.get("title"));
    let mut rest = String::new();
    for l in lines {
        if title.is_none()
            && let Some(h) = l.strip_prefix("# ")
        {
            title = Some(h.trim().to_string());
            continue;
        }
        rest.push_str(l);
        rest.push('\n');
    }
    let title = title
        .filter(|t| !t.is_empty())
        .ok_or("no `# Title` heading")?;
    let (pre, sections) = split_sections(&rest);
    let mut r = Record {
        source_id: id,
        title,
        status: text_of(map.get("status")),
        kind: text_of(map.get("type")),
        priority: text_of(map.get("priority")).and_then(|p| p.parse().ok()),
        assignee: text_of(map.get("assignee")),
        parent: text_of(map.get("parent")),
        created: text_of(map.get("created")).map(|c| normalize_time(&c).unwrap_or(c)),
        tags: list_of(map.get("tags")),
        deps: list_of(map.get("deps")),
        links: list_of(map.get("links")),
        external_refs: list_of(map.get("external-ref").or(map.get("external_ref"))),
        description: pre,
        ..Record::default()
    };
    for (k, v) in &map {
        if !KNOWN.contains(&k.as_str()) {
            r.extra.insert(k.clone(), v.clone());
        }
    }
    for (name, text) in sections {
        match name.as_str() {
            "Description" => {
                if !r.description.is_empty() {
                    r.description.push_str("\n\n");
                }
                r.description.push_str(&text);
            }
            "Design" => r.design = text,
            "Acceptance Criteria" => {
                let items = parse_checklist(&text);
                if items.is_empty() && !text.is_empty() {
                    r.sections.push((name, text));
                } else {
                    r.acceptance = items;
                }
            }
            "Notes" => r.notes = parse_notes(&text),
            _ => r.sections.push((name, text)),
        }
    }
    Ok(r)
}

/// `**<timestamp>**` lines start notes; the text runs to the next one.
pub fn parse_notes(text: &str) -> Vec<Note> {
    let mut notes: Vec<Note> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(ts) = t.strip_prefix("**").and_then(|s| s.strip_suffix("**"))
            && let Some(at) = normalize_time(ts)
        {
            notes.push(Note {
                at,
                author: None,
                text: String::new(),
            });
        } else if let Some(n) = notes.last_mut() {
            n.text.push_str(line);
            n.text.push('\n');
        }
    }
    for n in &mut notes {
        n.text = n.text.trim().to_string();
    }
    notes.retain(|n| !n.text.is_empty());
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tk_file() {
        let text = "---\nid: nw-5c46\nstatus: open\ndeps: [nw-1a2b]\nlinks: []\ncreated: 2026-01-05T10:00:00Z\ntype: feature\npriority: 1\nassignee: Ada\nexternal-ref: gh-12\n---\n# Add SSE\n\nStream events.\n\n## Acceptance Criteria\n\n- reconnects\n\n## Notes\n\n**2026-01-06T09:00:00Z**\n\nstarted\n";
        let r = parse(text, "nw-5c46").unwrap();
        assert_eq!(r.title, "Add SSE");
        assert_eq!(r.description, "Stream events.");
        assert_eq!(r.deps, ["nw-1a2b"]);
        assert_eq!(r.external_refs, ["gh-12"]);
        assert_eq!(r.acceptance[0].title, "reconnects");
        assert_eq!(r.notes[0].text, "started");
        assert_eq!(r.priority, Some(1));
    }
}
