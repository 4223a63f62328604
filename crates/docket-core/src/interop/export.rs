//! Writing docket tickets in other formats: JSON lines (every field), knot's
//! `.tickets/` folders and tess's `tickets/<stage>/` folders. Export reads the
//! project and writes only under the chosen output folder.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{jsonl, knot, split_sections, tess};
use crate::error::{Error, Result};
use crate::store::{self, Project};
use crate::ticket::{
    SECTION_DESCRIPTION, SECTION_DESIGN, SECTION_LOG, SECTION_NOTES, SECTION_PLAN, Ticket, slugify,
};

/// What an export wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Exported {
    pub format: String,
    pub tickets: usize,
    /// Files written, relative to the output folder (empty for stdout).
    pub files: Vec<String>,
    /// The output folder, or `-` for stdout.
    pub out: String,
    /// Tickets that could not be read (skipped).
    pub warnings: Vec<String>,
}

/// The tickets to export: live ones, and archived ones with `all`; sorted by id.
pub fn select(p: &Project, all: bool) -> Result<(Vec<Ticket>, Vec<Ticket>, Vec<String>)> {
    let (mut tickets, failures) = p.read_all()?;
    tickets.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
    let warnings = failures
        .iter()
        .map(|f| {
            format!(
                "{}: skipped: {}",
                p.display_path(&f.path),
                f.failure.message
            )
        })
        .collect();
    let chosen = tickets
        .iter()
        .filter(|t| all || !p.config.is_terminal(&t.meta.status))
        .cloned()
        .collect();
    Ok((chosen, tickets, warnings))
}

/// The JSON-lines text of `tickets`, one line each.
pub fn jsonl_text(p: &Project, tickets: &[Ticket]) -> String {
    let mut out = String::new();
    for t in tickets {
        let line = jsonl::line(t, p.config.is_terminal(&t.meta.status));
        if let Ok(s) = serde_json::to_string(&line) {
            out.push_str(&s);
            out.push('\n');
        }
    }
    out
}

fn write(root: &Path, rel: &Path, text: &str, files: &mut Vec<String>) -> Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    store::write_atomic(&path, text.as_bytes())?;
    files.push(rel.to_string_lossy().replace('\\', "/"));
    Ok(())
}

/// Write `<out>/docket.jsonl`.
pub fn write_jsonl(p: &Project, tickets: &[Ticket], out: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    write(
        out,
        Path::new("docket.jsonl"),
        &jsonl_text(p, tickets),
        &mut files,
    )?;
    Ok(files)
}

/// Write `<out>/.tickets/<id>--<slug>.md`, terminal tickets under `archive/`.
pub fn write_knot(p: &Project, tickets: &[Ticket], out: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for t in tickets {
        let mut rel = PathBuf::from(".tickets");
        if p.config.is_terminal(&t.meta.status) {
            rel.push("archive");
        }
        rel.push(store::file_name(&t.meta.id, &t.meta.title));
        write(out, &rel, &knot::render(t), &mut files)?;
    }
    Ok(files)
}

/// A unique tess slug per ticket (the title's slug; a clash gets the id's suffix).
pub fn tess_slugs(all: &[Ticket]) -> HashMap<String, String> {
    let mut used: HashSet<String> = HashSet::new();
    let mut out = HashMap::new();
    for t in all {
        let mut slug = slugify(&t.meta.title);
        if !used.insert(slug.clone()) {
            // The id's suffix is unique, whatever the id layout.
            slug = format!("{slug}-{}", crate::id::suffix(&t.meta.id).to_lowercase());
            used.insert(slug.clone());
        }
        out.insert(t.meta.id.to_string(), slug);
    }
    out
}

/// Write `<out>/tickets/<stage>/[<sequence>-]<slug>.md` (format v2) and
/// `tickets/.version`.
pub fn write_tess(
    p: &Project,
    tickets: &[Ticket],
    all: &[Ticket],
    out: &Path,
) -> Result<Vec<String>> {
    let slugs = tess_slugs(all);
    let mut files = Vec::new();
    write(out, Path::new("tickets/.version"), "2\n", &mut files)?;
    for t in tickets {
        let slug = &slugs[t.meta.id.as_str()];
        let stage = tess::stage_for(&p.config, &t.meta.status);
        let seq = t.extra.get("sequence").and_then(|v| v.as_f64());
        let name = match seq {
            Some(s) if s.fract() == 0.0 => format!("{}-{slug}.md", s as i64),
            Some(s) => format!("{s}-{slug}.md"),
            None => format!("{slug}.md"),
        };
        let prereq: Vec<String> = t
            .meta
            .deps
            .iter()
            .map(|d| {
                slugs
                    .get(d.as_str())
                    .cloned()
                    .unwrap_or_else(|| d.to_string())
            })
            .collect();
        let files_list = super::list_of(t.extra.get("files"));
        let rel = PathBuf::from("tickets").join(stage).join(name);
        let text = tess::render(&t.meta.title, &prereq, &files_list, &tess_body(t));
        write(out, &rel, &text, &mut files)?;
    }
    Ok(files)
}

/// The free markdown of a tess file: description, design and other sections,
/// the acceptance criteria as a checklist, and the notes.
fn tess_body(t: &Ticket) -> String {
    let mut body = t.section(SECTION_DESCRIPTION);
    let mut push = |name: &str, text: &str| {
        if !text.trim().is_empty() {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(&format!("## {name}\n\n{}", text.trim()));
        }
    };
    push(SECTION_DESIGN, &t.section(SECTION_DESIGN));
    let (_, sections) = split_sections(&t.body);
    for (name, text) in &sections {
        if ![
            SECTION_DESCRIPTION,
            SECTION_DESIGN,
            SECTION_PLAN,
            SECTION_NOTES,
            SECTION_LOG,
        ]
        .contains(&name.as_str())
        {
            push(name, text);
        }
    }
    let ac: Vec<String> = t
        .meta
        .acceptance
        .iter()
        .map(|c| format!("- [{}] {}", if c.done { "x" } else { " " }, c.title))
        .collect();
    push("Acceptance Criteria", &ac.join("\n"));
    let notes: Vec<String> = t
        .notes()
        .iter()
        .map(|n| format!("### {}\n\n{}", n.at, n.text.trim()))
        .collect();
    push(SECTION_NOTES, &notes.join("\n\n"));
    body
}
