//! Project knowledge: short context entries every agent must know
//! (`.docket/context/<key>.md`) and long-form documents such as ADRs and specs
//! (`.docket/docs/<slug>.md`, archived into `.docket/docs/archive/`). Both are
//! plain committed markdown files. Keys and slugs are restricted to
//! `[A-Za-z0-9_-]` so no name can reach outside its folder; every write takes
//! the project lock and replaces files atomically.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::{Project, write_atomic};

/// Folder of context entries, under `.docket/`.
pub const CONTEXT_DIR: &str = "context";
/// Folder of documents, under `.docket/`.
pub const DOCS_DIR: &str = "docs";
/// Folder of archived documents, under the docs folder.
pub const ARCHIVE_DIR: &str = "archive";

const WHAT_CONTEXT: &str = "context entry";
const WHAT_DOC: &str = "document";

/// Largest accepted body (a context entry or document), in bytes.
pub const MAX_BODY: usize = 1 << 20;

/// Check a key or slug: 1–64 characters of `[A-Za-z0-9_-]`, starting with a
/// letter or digit. This is what keeps every path inside `.docket/`.
pub fn validate_key(what: &str, key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid {what} `{key}`: use 1-64 letters, digits, `-` or `_`, starting with a letter or digit"
        )))
    }
}

fn validate_body(what: &str, body: &str) -> Result<String> {
    let body = crate::audit::normalize_text(body);
    if body.is_empty() {
        return Err(Error::invalid(format!("the {what} must not be empty")));
    }
    if body.len() > MAX_BODY {
        return Err(Error::invalid(format!(
            "the {what} is {} bytes; the limit is {MAX_BODY}",
            body.len()
        )));
    }
    Ok(body)
}

/// One context entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextEntry {
    pub key: String,
    /// The first non-blank line (what `prime` shows).
    pub summary: String,
    pub body: String,
}

fn first_line(text: &str) -> String {
    let l = text
        .lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if l.chars().count() > 120 {
        let mut s: String = l.chars().take(119).collect();
        s.push('…');
        s
    } else {
        l.to_string()
    }
}

fn context_dir(p: &Project) -> PathBuf {
    p.dir.join(CONTEXT_DIR)
}

fn md_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for ent in rd {
        let ent = ent.map_err(|e| Error::io(dir, e))?;
        let path = ent.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(key) = name.strip_suffix(".md") else {
            continue;
        };
        if validate_key("key", key).is_ok() && path.is_file() {
            out.push((key.to_string(), path));
        }
    }
    out.sort();
    Ok(out)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// Every context entry, by key.
pub fn context_list(p: &Project) -> Result<Vec<ContextEntry>> {
    md_files(&context_dir(p))?
        .into_iter()
        .map(|(key, path)| {
            let body = read(&path)?.trim().to_string();
            Ok(ContextEntry {
                key,
                summary: first_line(&body),
                body,
            })
        })
        .collect()
}

/// How a context write treats an existing entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Refuse when it exists (`add`).
    Create,
    /// Refuse when it does not exist (`update`).
    Replace,
}

/// Add or replace a context entry. Returns whether the file changed.
pub fn context_write(p: &Project, key: &str, body: &str, mode: WriteMode) -> Result<ContextEntry> {
    validate_key("context key", key)?;
    let body = validate_body("context entry", body)?;
    let _lock = p.lock()?;
    let dir = context_dir(p);
    let path = dir.join(format!("{key}.md"));
    let exists = path.is_file();
    match (mode, exists) {
        (WriteMode::Create, true) => {
            return Err(Error::EntryExists {
                what: WHAT_CONTEXT,
                key: key.into(),
            });
        }
        (WriteMode::Replace, false) => {
            return Err(Error::EntryNotFound {
                what: WHAT_CONTEXT,
                key: key.into(),
            });
        }
        _ => {}
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    write_atomic(&path, format!("{body}\n").as_bytes())?;
    Ok(ContextEntry {
        key: key.into(),
        summary: first_line(&body),
        body,
    })
}

/// Remove a context entry.
pub fn context_delete(p: &Project, key: &str) -> Result<()> {
    validate_key("context key", key)?;
    let _lock = p.lock()?;
    let path = context_dir(p).join(format!("{key}.md"));
    if !path.is_file() {
        return Err(Error::EntryNotFound {
            what: WHAT_CONTEXT,
            key: key.into(),
        });
    }
    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))
}

/// A document's listing row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocInfo {
    pub slug: String,
    pub title: String,
    pub archived: bool,
    /// Path relative to the project root.
    pub path: String,
    pub bytes: u64,
}

/// A whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Doc {
    #[serde(flatten)]
    pub info: DocInfo,
    /// The text after the title heading.
    pub body: String,
}

fn docs_dir(p: &Project) -> PathBuf {
    p.dir.join(DOCS_DIR)
}

/// Split a document file into its `# Title` heading and the rest.
fn split_doc(slug: &str, text: &str) -> (String, String) {
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed.strip_prefix("# ") {
        let (title, body) = rest.split_once('\n').unwrap_or((rest, ""));
        (title.trim().to_string(), body.trim().to_string())
    } else {
        (slug.to_string(), text.trim().to_string())
    }
}

fn doc_at(p: &Project, slug: String, path: PathBuf, archived: bool) -> Result<Doc> {
    let text = read(&path)?;
    let (title, body) = split_doc(&slug, &text);
    Ok(Doc {
        info: DocInfo {
            slug,
            title,
            archived,
            path: p.display_path(&path),
            bytes: text.len() as u64,
        },
        body,
    })
}

/// Documents, live first; archived ones only when asked.
pub fn doc_list(p: &Project, archived: bool) -> Result<Vec<DocInfo>> {
    let mut out = Vec::new();
    for (slug, path) in md_files(&docs_dir(p))? {
        out.push(doc_at(p, slug, path, false)?.info);
    }
    if archived {
        for (slug, path) in md_files(&docs_dir(p).join(ARCHIVE_DIR))? {
            out.push(doc_at(p, slug, path, true)?.info);
        }
    }
    Ok(out)
}

/// Read a live document, else an archived one with that slug.
pub fn doc_read(p: &Project, slug: &str) -> Result<Doc> {
    validate_key("document slug", slug)?;
    let live = docs_dir(p).join(format!("{slug}.md"));
    if live.is_file() {
        return doc_at(p, slug.into(), live, false);
    }
    let old = docs_dir(p).join(ARCHIVE_DIR).join(format!("{slug}.md"));
    if old.is_file() {
        return doc_at(p, slug.into(), old, true);
    }
    Err(Error::EntryNotFound {
        what: WHAT_DOC,
        key: slug.into(),
    })
}

/// Whether a live document with this slug exists (ticket references).
pub fn doc_exists(p: &Project, slug: &str) -> bool {
    validate_key("document slug", slug).is_ok() && docs_dir(p).join(format!("{slug}.md")).is_file()
}

/// Add a document; refused when a live one has the slug.
pub fn doc_add(p: &Project, slug: &str, title: Option<&str>, body: &str) -> Result<Doc> {
    validate_key("document slug", slug)?;
    let body = validate_body("document", body)?;
    let title = title
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(slug);
    if title.contains('\n') || title.chars().count() > 200 {
        return Err(Error::invalid(
            "the title must be one line of at most 200 characters",
        ));
    }
    let _lock = p.lock()?;
    let dir = docs_dir(p);
    let path = dir.join(format!("{slug}.md"));
    if path.is_file() {
        return Err(Error::EntryExists {
            what: WHAT_DOC,
            key: slug.into(),
        });
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    write_atomic(&path, format!("# {title}\n\n{body}\n").as_bytes())?;
    doc_at(p, slug.into(), path, false)
}

/// Replace a live document's title and/or body (what is not given is kept).
/// Returns the document and whether the file changed.
pub fn doc_update(
    p: &Project,
    slug: &str,
    title: Option<&str>,
    body: Option<&str>,
) -> Result<(Doc, bool)> {
    validate_key("document slug", slug)?;
    if title.is_none() && body.is_none() {
        return Err(Error::invalid("give a new --title, a new body, or both"));
    }
    let body = body.map(|b| validate_body("document", b)).transpose()?;
    let title = title.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = title
        && (t.contains('\n') || t.chars().count() > 200)
    {
        return Err(Error::invalid(
            "the title must be one line of at most 200 characters",
        ));
    }
    let _lock = p.lock()?;
    let path = docs_dir(p).join(format!("{slug}.md"));
    if !path.is_file() {
        return Err(Error::EntryNotFound {
            what: WHAT_DOC,
            key: slug.into(),
        });
    }
    let old = read(&path)?;
    let (old_title, old_body) = split_doc(slug, &old);
    let text = format!(
        "# {}\n\n{}\n",
        title.unwrap_or(&old_title),
        body.as_deref().unwrap_or(&old_body)
    );
    let changed = text != old;
    if changed {
        write_atomic(&path, text.as_bytes())?;
    }
    Ok((doc_at(p, slug.into(), path, false)?, changed))
}

/// The whole file of a live document (what `doc edit` hands to the editor).
pub fn doc_text(p: &Project, slug: &str) -> Result<String> {
    validate_key("document slug", slug)?;
    let path = docs_dir(p).join(format!("{slug}.md"));
    if !path.is_file() {
        return Err(Error::EntryNotFound {
            what: WHAT_DOC,
            key: slug.into(),
        });
    }
    read(&path)
}

/// Split an edited document file back into title and body (`doc edit`).
pub fn split_doc_text(slug: &str, text: &str) -> (String, String) {
    split_doc(slug, text)
}

/// Move a live document into the archive folder (a previous archived copy with
/// the same slug is kept under a numbered name).
pub fn doc_archive(p: &Project, slug: &str) -> Result<DocInfo> {
    validate_key("document slug", slug)?;
    let _lock = p.lock()?;
    let from = docs_dir(p).join(format!("{slug}.md"));
    if !from.is_file() {
        return Err(Error::EntryNotFound {
            what: WHAT_DOC,
            key: slug.into(),
        });
    }
    let adir = docs_dir(p).join(ARCHIVE_DIR);
    std::fs::create_dir_all(&adir).map_err(|e| Error::io(&adir, e))?;
    let to = adir.join(format!("{slug}.md"));
    if to.exists() {
        let mut n = 2;
        let mut older = adir.join(format!("{slug}-{n}.md"));
        while older.exists() {
            n += 1;
            older = adir.join(format!("{slug}-{n}.md"));
        }
        std::fs::rename(&to, &older).map_err(|e| Error::io(&to, e))?;
    }
    std::fs::rename(&from, &to).map_err(|e| Error::io(&from, e))?;
    Ok(doc_at(p, slug.into(), to, true)?.info)
}

/// One document matching a search, with its first matching line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocHit {
    pub slug: String,
    pub title: String,
    pub line: String,
}

/// Live documents containing every word of `text` (ignoring case).
pub fn doc_search(p: &Project, text: &str) -> Result<Vec<DocHit>> {
    let terms: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (slug, path) in md_files(&docs_dir(p))? {
        let raw = read(&path)?;
        let lower = raw.to_lowercase();
        if !terms.iter().all(|t| lower.contains(t.as_str())) {
            continue;
        }
        let (title, _) = split_doc(&slug, &raw);
        let line = raw
            .lines()
            .map(str::trim)
            .find(|l| {
                let l = l.to_lowercase();
                terms.iter().any(|t| l.contains(t.as_str()))
            })
            .unwrap_or_default();
        out.push(DocHit {
            slug,
            title,
            line: first_line(line),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape() {
        for bad in [
            "",
            "../x",
            "a/b",
            ".hidden",
            "-x",
            "a b",
            "a.md",
            "é",
            &"x".repeat(65),
        ] {
            assert!(validate_key("key", bad).is_err(), "{bad}");
        }
        for good in ["a", "adr-001", "Build_Notes", "0x"] {
            assert!(validate_key("key", good).is_ok(), "{good}");
        }
    }

    #[test]
    fn doc_title_split() {
        assert_eq!(
            split_doc("s", "# Title here\n\nbody\n"),
            ("Title here".into(), "body".into())
        );
        assert_eq!(
            split_doc("s", "no title\n"),
            ("s".into(), "no title".into())
        );
        assert_eq!(first_line("\n\n## Heading\nx"), "Heading");
    }
}
