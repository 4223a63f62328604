//! The uniform listing filters (`--type --mode --tag --status --assignee`, OR
//! within a flag, AND across flags) and the sort orders of the listings.

use std::cmp::Ordering;

use crate::config::Config;
use crate::store::Entry;
use crate::ticket::Meta;

/// Filters shared by list, ready, blocked, closed and prime.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub types: Vec<String>,
    pub modes: Vec<String>,
    pub tags: Vec<String>,
    pub statuses: Vec<String>,
    pub assignees: Vec<String>,
}

impl Filter {
    pub fn matches(&self, m: &Meta) -> bool {
        let any = |want: &[String], have: &str| want.is_empty() || want.iter().any(|w| w == have);
        any(&self.types, &m.kind)
            && any(&self.modes, &m.mode)
            && any(&self.statuses, &m.status)
            && (self.assignees.is_empty()
                || m.assignee
                    .as_deref()
                    .is_some_and(|a| self.assignees.iter().any(|w| w == a)))
            && (self.tags.is_empty() || self.tags.iter().any(|t| m.tags.contains(t)))
    }

    /// Values that are not in the config's allowed sets, as a message.
    pub fn validate(&self, config: &Config) -> Result<(), String> {
        let wf = &config.workflow;
        for (flag, vals, allowed) in [
            ("--type", &self.types, &wf.types),
            ("--mode", &self.modes, &wf.modes),
            ("--status", &self.statuses, &wf.statuses),
        ] {
            if let Some(bad) = vals.iter().find(|v| !allowed.contains(v)) {
                return Err(format!(
                    "{flag}: unknown value `{bad}` (allowed: {})",
                    allowed.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// Priority first (0 is highest), then newest first.
pub fn by_priority_then_newest(a: &Meta, b: &Meta) -> Ordering {
    a.priority
        .cmp(&b.priority)
        .then_with(|| b.created.cmp(&a.created))
        .then_with(|| crate::id::order_key(&b.id).cmp(crate::id::order_key(&a.id)))
        .then_with(|| b.id.cmp(&a.id))
}

/// Board order: status position in the workflow, then priority, then newest.
pub fn by_board_order(config: &Config) -> impl Fn(&Entry, &Entry) -> Ordering + '_ {
    move |a, b| {
        let pos = |s: &str| {
            config
                .workflow
                .statuses
                .iter()
                .position(|x| x == s)
                .unwrap_or(usize::MAX)
        };
        pos(&a.meta.status)
            .cmp(&pos(&b.meta.status))
            .then_with(|| by_priority_then_newest(&a.meta, &b.meta))
    }
}

/// Most recently closed first.
pub fn by_closed_desc(a: &Meta, b: &Meta) -> Ordering {
    let at = |m: &Meta| m.closed.clone().unwrap_or_else(|| m.updated.clone());
    at(b)
        .cmp(&at(a))
        .then_with(|| crate::id::order_key(&b.id).cmp(crate::id::order_key(&a.id)))
        .then_with(|| b.id.cmp(&a.id))
}

/// One `search` hit: the ticket and the first line that matched.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit<'a> {
    #[serde(skip)]
    pub entry: &'a Entry,
    /// The first matching line of the file (trimmed, at most 160 characters).
    pub line: String,
}

/// Full-text search: every whitespace-separated term must occur (ignoring case)
/// somewhere in the ticket file: title, fields, body, plan or log. Only the
/// files of `candidates` are read, in parallel.
pub fn search<'a>(candidates: &[&'a Entry], text: &str) -> Vec<Hit<'a>> {
    let terms: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    if terms.is_empty() {
        return Vec::new();
    }
    let found = crate::store::parallel_map(candidates, |e| {
        let raw = crate::store::read_listed_text(&e.path)?;
        let text = searchable(&raw);
        let lower = text.to_lowercase();
        if !terms.iter().all(|t| lower.contains(t.as_str())) {
            return None;
        }
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| {
                let l = l.to_lowercase();
                terms.iter().any(|t| l.contains(t.as_str()))
            })
            .unwrap_or_default();
        let line: String = if line.chars().count() > 160 {
            let mut s: String = line.chars().take(159).collect();
            s.push('…');
            s
        } else {
            line.to_string()
        };
        Some(line)
    });
    candidates
        .iter()
        .zip(found)
        .filter_map(|(e, line)| line.map(|line| Hit { entry: e, line }))
        .collect()
}

/// The words of a ticket file worth searching: the title and tags from the
/// frontmatter, and the body without the log's metadata lines.
fn searchable(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut lines = raw.lines();
    let mut in_front = raw.starts_with("---");
    if in_front {
        lines.next();
    }
    let mut in_tags = false;
    for line in lines {
        if in_front {
            // Tags are a flow list on the `tags:` line or a block list after it.
            in_tags = (in_tags && line.starts_with("- ")) || line.starts_with("tags:");
            if line.trim_end() == "---" {
                in_front = false;
            } else if let Some(v) = line.strip_prefix("title:") {
                out.push_str(v.trim().trim_matches('"'));
                out.push('\n');
            } else if in_tags {
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        if line.starts_with("<!-- log ") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn searchable_skips_metadata() {
        let raw = "---\nid: dk-1\ntitle: \"Fix: parser\"\nstatus: open\ntags:\n- core\n- ui\ndeps:\n- dk-2\n---\n\n## Log\n\n### 2026 · note · ada\n<!-- log n=1 prev=0 hash=1 -->\n\nhello\n";
        let s = super::searchable(raw);
        assert!(s.contains("Fix: parser"));
        assert!(s.contains("- core") && s.contains("- ui"));
        assert!(!s.contains("dk-2") && !s.contains("status") && !s.contains("prev="));
        assert!(s.contains("hello") && s.contains("### 2026 · note · ada"));
    }
}
