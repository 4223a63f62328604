//! knot: `.tickets/<id>--<slug>.md` and `.tickets/archive/`, YAML frontmatter
//! with the same keys docket uses (docket's format grew out of knot's), a body of
//! `## Description`, `## Design` and `## Notes` (`### <time>` entries).

use std::path::Path;

use super::{Record, Source, md_files, pick_dir, read_text, split_sections};
use crate::error::Result;
use crate::ticket::{Note, SECTION_DESCRIPTION, SECTION_DESIGN, SECTION_NOTES, SECTION_PLAN};
use crate::yaml;

/// Sections knot's body never carries as free text: rebuilt from fields.
const DERIVED: &[&str] = &["Acceptance Criteria", "Log"];

/// Read `.tickets/` and `.tickets/archive/` under `path` (or `path` itself).
pub fn read(path: &Path) -> Result<Source> {
    let dir = pick_dir(path, ".tickets");
    let mut src = Source::default();
    let mut files = md_files(&dir)?;
    files.extend(md_files(&dir.join("archive"))?);
    for f in files {
        let text = read_text(&f)?;
        match parse(&text) {
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

/// One knot ticket file as a record.
pub fn parse(text: &str) -> std::result::Result<Record, String> {
    let t = yaml::parse_docket_shaped(text).map_err(|f| f.message)?;
    let m = &t.meta;
    let (pre, sections) = split_sections(&t.body);
    let mut r = Record {
        source_id: m.id.to_string(),
        title: m.title.clone(),
        status: Some(m.status.to_string()),
        kind: Some(m.kind.to_string()),
        priority: Some(m.priority),
        mode: Some(m.mode.to_string()),
        tier: m.tier.clone().map(String::from),
        assignee: m.assignee.clone().map(String::from),
        parent: m.parent.clone().map(String::from),
        created: (!m.created.is_empty())
            .then(|| m.created.clone())
            .map(String::from),
        updated: (!m.updated.is_empty())
            .then(|| m.updated.clone())
            .map(String::from),
        closed: m.closed.clone().map(String::from),
        tags: crate::ticket::strings(&m.tags),
        external_refs: crate::ticket::strings(&m.external_refs),
        deps: crate::ticket::strings(&m.deps),
        links: crate::ticket::strings(&m.links),
        acceptance: m.acceptance.to_vec(),
        extra: t.extra.clone(),
        notes: t.notes(),
        ..Record::default()
    };
    let mut description = pre;
    for (name, text) in sections {
        match name.as_str() {
            SECTION_DESCRIPTION => {
                if !description.is_empty() {
                    description.push_str("\n\n");
                }
                description.push_str(&text);
            }
            SECTION_DESIGN => r.design = text,
            SECTION_NOTES => {}
            n if DERIVED.contains(&n) => {}
            _ => r.sections.push((name, text)),
        }
    }
    r.description = description;
    Ok(r)
}

/// Render one docket ticket as a knot file: the frontmatter keys knot knows
/// (docket-only `tier` and `attention` are left out, unknown keys kept), the
/// description, design and other free sections, and every note under `## Notes`.
pub fn render(t: &crate::ticket::Ticket) -> String {
    let mut k = t.clone();
    k.meta.tier = None;
    k.meta.attention = None;
    k.body = String::new();
    let (_, sections) = split_sections(&t.body);
    let mut body = String::new();
    let mut push = |name: &str, text: &str| {
        if !text.trim().is_empty() {
            body.push_str(&format!("\n## {name}\n\n{}\n", text.trim()));
        }
    };
    push(SECTION_DESCRIPTION, &t.section(SECTION_DESCRIPTION));
    push(SECTION_DESIGN, &t.section(SECTION_DESIGN));
    for (name, text) in &sections {
        let n = name.as_str();
        if ![
            SECTION_DESCRIPTION,
            SECTION_DESIGN,
            SECTION_NOTES,
            SECTION_PLAN,
        ]
        .contains(&n)
            && !DERIVED.contains(&n)
        {
            push(n, text);
        }
    }
    let notes = t.notes();
    if !notes.is_empty() {
        body.push_str(&format!("\n## {SECTION_NOTES}\n"));
        for n in &notes {
            body.push_str(&render_note(n));
        }
    }
    let text = yaml::render_ticket(&k);
    format!("{text}{body}")
}

fn render_note(n: &Note) -> String {
    match n.author.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => format!("\n### {} — {a}\n\n{}\n", n.at, n.text.trim()),
        None => format!("\n### {}\n\n{}\n", n.at, n.text.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "---\nid: kno-01abc\ntitle: Fix login\nstatus: in_progress\ntype: bug\npriority: 1\nmode: afk\nassignee: ada\ncreated: 2026-01-01T00:00:00Z\nupdated: 2026-01-02T00:00:00Z\ntags: [auth]\ndeps: [kno-01def]\nlinks: [kno-01ghi]\nacceptance:\n- title: works\n  done: true\n---\n\n## Description\n\nThe form fails.\n\n## Design\n\nRetry.\n\n## Notes\n\n### 2026-01-01T10:00:00Z\n\nfirst note\n\n### 2026-01-01T11:00:00Z — bob\n\nsecond\n";

    #[test]
    fn parses_every_field() {
        let r = parse(SAMPLE).unwrap();
        assert_eq!(r.source_id, "kno-01abc");
        assert_eq!(r.status.as_deref(), Some("in_progress"));
        assert_eq!(r.priority, Some(1));
        assert_eq!(r.deps, ["kno-01def"]);
        assert_eq!(r.description, "The form fails.");
        assert_eq!(r.design, "Retry.");
        assert_eq!(r.notes.len(), 2);
        assert_eq!(r.notes[1].author.as_deref(), Some("bob"));
        assert!(r.acceptance[0].done);
    }

    #[test]
    fn render_then_parse_keeps_notes() {
        let t = crate::yaml::parse_docket_shaped(SAMPLE).unwrap();
        let text = render(&t);
        let r = parse(&text).unwrap();
        assert_eq!(r.notes.len(), 2);
        assert_eq!(r.notes[0].text, "first note");
        assert_eq!(r.description, "The form fails.");
    }
}
