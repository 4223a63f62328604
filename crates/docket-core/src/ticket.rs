//! The ticket model: typed frontmatter, unknown keys kept in order, and a markdown
//! body made of `## ` sections.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One acceptance criterion, stored only in the frontmatter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub title: String,
    pub done: bool,
}

/// A short frontmatter string (an id, a status, a timestamp): kept inline
/// up to 24 bytes, so most fields of a ticket need no allocation of their
/// own (a scan holds 100k tickets).
pub type Text = compact_str::CompactString;

/// A list field of a ticket: one pointer wide, so the five of them cost
/// 40 bytes a ticket instead of 120 (a scan holds 100k tickets).
pub type List<T> = thin_vec::ThinVec<T>;

/// A list of short strings (tags, ids, references) as owned `String`s, for
/// the interchange formats that speak plain strings.
pub fn strings(list: &[Text]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Membership by plain string in a ticket's list field.
pub trait Holds {
    fn holds(&self, s: &str) -> bool;
}

impl Holds for [Text] {
    fn holds(&self, s: &str) -> bool {
        self.iter().any(|x| x == s)
    }
}

/// Plain strings as a ticket's list field.
pub fn texts<S: Into<Text>>(items: impl IntoIterator<Item = S>) -> List<Text> {
    items.into_iter().map(Into::into).collect()
}

/// Unknown frontmatter keys with their values, in file order.
pub type Extra = IndexMap<String, serde_json::Value>;

/// The known frontmatter fields. Cheap to cache and enough for every listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub id: Text,
    pub title: String,
    pub status: Text,
    #[serde(rename = "type")]
    pub kind: Text,
    pub priority: i64,
    pub mode: Text,
    pub tier: Option<Text>,
    pub attention: Option<i64>,
    pub assignee: Option<Text>,
    pub parent: Option<Text>,
    pub created: Text,
    pub updated: Text,
    pub closed: Option<Text>,
    pub tags: List<Text>,
    pub external_refs: List<Text>,
    pub deps: List<Text>,
    pub links: List<Text>,
    pub acceptance: List<Criterion>,
}

/// A whole ticket file: known fields, unknown keys (order kept) and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub meta: Meta,
    /// Frontmatter keys docket does not know, kept verbatim and in order.
    pub extra: Extra,
    /// Markdown after the frontmatter.
    pub body: String,
    /// Where the file currently is (absolute).
    pub path: PathBuf,
    /// The frontmatter text as read from the file, so a rewrite changes only
    /// the keys whose values changed (see `yaml::render_ticket`).
    pub source: Source,
}

/// The frontmatter text a ticket was parsed from. It never takes part in
/// equality: two tickets with the same content are equal however their
/// files were formatted.
#[derive(Debug, Clone, Default)]
pub struct Source(pub Option<std::sync::Arc<str>>);

impl PartialEq for Source {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Body section names docket manages, in the order they appear.
pub const SECTION_DESCRIPTION: &str = "Description";
pub const SECTION_DESIGN: &str = "Design";
/// Legacy notes section (knot); new notes are log entries.
pub const SECTION_NOTES: &str = "Notes";
/// The current plan; its revisions live in the log.
pub const SECTION_PLAN: &str = "Plan";
pub use crate::audit::SECTION_LOG;

/// One timestamped entry of the `## Notes` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub at: String,
    pub author: Option<String>,
    pub text: String,
}

impl Ticket {
    /// Text of the `## <name>` section, trimmed; empty when absent.
    pub fn section(&self, name: &str) -> String {
        section_of(&self.body, name)
    }

    /// Replace (or create, or with empty text remove) the `## <name>` section.
    pub fn set_section(&mut self, name: &str, text: &str) {
        let text = text.trim();
        match find_section(&self.body, name) {
            Some((heading_start, _, end)) => {
                if text.is_empty() {
                    self.body.replace_range(heading_start..end, "");
                } else {
                    let mut block = format!("## {name}\n\n{text}\n");
                    if end < self.body.len() {
                        block.push('\n');
                    }
                    self.body.replace_range(heading_start..end, &block);
                }
            }
            None if text.is_empty() => {}
            None => {
                let block = format!("## {name}\n\n{text}\n");
                // Keep Description, Design, ..., Plan, Notes, Log in that order.
                let later: &[&str] = match name {
                    SECTION_DESCRIPTION => &[],
                    SECTION_LOG => &[],
                    SECTION_NOTES => &[SECTION_LOG],
                    SECTION_PLAN => &[SECTION_NOTES, SECTION_LOG],
                    _ => &[SECTION_PLAN, SECTION_NOTES, SECTION_LOG],
                };
                let before = if name == SECTION_DESCRIPTION {
                    first_heading(&self.body)
                } else {
                    later
                        .iter()
                        .filter_map(|n| find_section(&self.body, n).map(|(s, _, _)| s))
                        .min()
                };
                match before {
                    Some(pos) => self.body.insert_str(pos, &format!("{block}\n")),
                    None => {
                        if !self.body.is_empty() && !self.body.ends_with("\n\n") {
                            if !self.body.ends_with('\n') {
                                self.body.push('\n');
                            }
                            self.body.push('\n');
                        } else if self.body.is_empty() {
                            self.body.push('\n');
                        }
                        self.body.push_str(&block);
                    }
                }
            }
        }
    }

    /// Append a timestamped note to `## Notes` (created at the end when missing).
    pub fn append_note(&mut self, at: &str, author: Option<&str>, text: &str) {
        let heading = match author {
            Some(a) if !a.is_empty() => format!("### {at} — {a}"),
            _ => format!("### {at}"),
        };
        let entry = format!("{heading}\n\n{}\n", text.trim());
        match find_section(&self.body, SECTION_NOTES) {
            Some((_, start, end)) => {
                let existing = self.body[start..end].trim();
                let mut block = String::from("\n");
                if !existing.is_empty() {
                    block.push_str(existing);
                    block.push_str("\n\n");
                }
                block.push_str(&entry);
                if end < self.body.len() {
                    block.push('\n');
                }
                self.body.replace_range(start..end, &block);
            }
            None => self.set_section(SECTION_NOTES, &entry),
        }
    }

    /// Every note: legacy `## Notes` entries, then `note` entries of the log.
    pub fn notes(&self) -> Vec<Note> {
        let mut notes = self.legacy_notes();
        let (entries, _) = crate::audit::parse(self);
        let merged = entries.iter().any(|e| e.kind == crate::audit::kind::MERGE);
        notes.extend(
            entries
                .into_iter()
                .filter(|e| e.kind == crate::audit::kind::NOTE)
                .map(|e| Note {
                    at: e.at,
                    author: Some(e.actor),
                    text: e.text,
                }),
        );
        // A merged log holds one branch's new entries after the other's: its
        // notes are shown in time order (stable, so equal times keep file
        // order). An unmerged log is already in the order notes were written.
        if merged {
            notes.sort_by(|a, b| a.at.cmp(&b.at));
        }
        notes
    }

    /// Notes parsed back from a knot-style `## Notes` section (`### <timestamp>`).
    fn legacy_notes(&self) -> Vec<Note> {
        let text = self.section(SECTION_NOTES);
        let mut notes: Vec<Note> = Vec::new();
        for line in text.lines() {
            if let Some(head) = line.strip_prefix("### ") {
                let (at, author) = match head.split_once(" — ") {
                    Some((a, b)) => (a.trim().to_string(), Some(b.trim().to_string())),
                    None => (head.trim().to_string(), None),
                };
                notes.push(Note {
                    at,
                    author,
                    text: String::new(),
                });
            } else if let Some(last) = notes.last_mut() {
                last.text.push_str(line);
                last.text.push('\n');
            }
        }
        for n in &mut notes {
            n.text = n.text.trim().to_string();
        }
        notes
    }
}

/// Text of the `## <name>` section of a markdown body, trimmed; empty when absent.
pub fn section_of(body: &str, name: &str) -> String {
    find_section(body, name)
        .map(|(_, start, end)| body[start..end].trim().to_string())
        .unwrap_or_default()
}

/// Position of the first `## ` heading in `body`.
fn first_heading(body: &str) -> Option<usize> {
    line_starts(body).find(|&i| body[i..].starts_with("## "))
}

fn line_starts(body: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(body.match_indices('\n').map(|(i, _)| i + 1))
}

/// `(heading_start, content_start, end)` of the `## <name>` section; the section
/// ends at the next `## ` heading (not `###`) or the end of the body.
fn find_section(body: &str, name: &str) -> Option<(usize, usize, usize)> {
    let mut heading = None;
    for i in line_starts(body) {
        if i >= body.len() {
            break;
        }
        let rest = &body[i..];
        let line = rest.split('\n').next().unwrap_or("");
        if let Some(title) = line.strip_prefix("## ") {
            if let Some((h, c)) = heading {
                let _ = h;
                return Some((h, c, i));
            }
            if title.trim() == name {
                let content = (i + line.len() + 1).min(body.len());
                heading = Some((i, content));
            }
        }
    }
    heading.map(|(h, c)| (h, c, body.len()))
}

/// A file-name slug: lowercase ASCII letters, digits and dashes, at most 50 chars.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    if slug.len() > 50 {
        slug.truncate(50);
        if let Some(cut) = slug.rfind('-').filter(|&i| i >= 20) {
            slug.truncate(cut);
        }
    }
    let slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        "ticket".into()
    } else {
        slug
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    pub(crate) fn ticket(body: &str) -> Ticket {
        Ticket {
            source: Source::default(),
            meta: Meta {
                id: "dk-1".into(),
                title: "t".into(),
                status: "open".into(),
                kind: "task".into(),
                priority: 2,
                mode: "hitl".into(),
                tier: None,
                attention: None,
                assignee: None,
                parent: None,
                created: "x".into(),
                updated: "x".into(),
                closed: None,
                tags: List::new(),
                external_refs: List::new(),
                deps: List::new(),
                links: List::new(),
                acceptance: List::new(),
            },
            extra: IndexMap::new(),
            body: body.into(),
            path: PathBuf::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::ticket;
    use super::*;

    #[test]
    fn sections_created_in_order() {
        let mut t = ticket("");
        t.set_section(SECTION_DESIGN, "design text");
        t.set_section(SECTION_DESCRIPTION, "desc text");
        t.append_note("2026-01-01T00:00:00Z", Some("me"), "hello");
        assert_eq!(
            t.body,
            "\n## Description\n\ndesc text\n\n## Design\n\ndesign text\n\n## Notes\n\n### 2026-01-01T00:00:00Z — me\n\nhello\n"
        );
        assert_eq!(t.section(SECTION_DESCRIPTION), "desc text");
        t.set_section(SECTION_DESIGN, "new design");
        assert_eq!(t.section(SECTION_DESIGN), "new design");
        assert_eq!(t.section(SECTION_NOTES).lines().count(), 3);
        t.append_note("2026-01-02T00:00:00Z", None, "second");
        let notes = t.notes();
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[1].text, "second");
        assert_eq!(notes[0].author.as_deref(), Some("me"));
        t.set_section(SECTION_DESIGN, "");
        assert_eq!(t.section(SECTION_DESIGN), "");
        assert_eq!(t.section(SECTION_DESCRIPTION), "desc text");
    }

    #[test]
    fn subheadings_stay_in_section() {
        let t = ticket("## Description\n\na\n### sub\nb\n## Design\n\nc\n");
        assert_eq!(t.section(SECTION_DESCRIPTION), "a\n### sub\nb");
        assert_eq!(t.section(SECTION_DESIGN), "c");
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Fix the Login bug!"), "fix-the-login-bug");
        assert_eq!(slugify("¡¡¡"), "ticket");
        assert!(slugify(&"word ".repeat(40)).len() <= 50);
    }
}
