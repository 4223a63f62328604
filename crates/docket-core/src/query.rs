//! The uniform listing filters (`--type --mode --tag --status --assignee
//! --priority`, OR within a flag, AND across flags), the sort orders of the
//! listings and the board, and the `--sort FIELD[,FIELD]` keys every face
//! shares.

use std::cmp::Ordering;

use crate::config::Config;
use crate::store::Entry;
use crate::ticket::{Holds, Meta};

/// Filters shared by list, ready, blocked, closed and prime.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub types: Vec<String>,
    pub modes: Vec<String>,
    pub tags: Vec<String>,
    pub statuses: Vec<String>,
    pub assignees: Vec<String>,
    /// Priorities (0..=4); empty means any.
    pub priorities: Vec<i64>,
}

impl Filter {
    pub fn matches(&self, m: &Meta) -> bool {
        let any = |want: &[String], have: &str| want.is_empty() || want.iter().any(|w| w == have);
        any(&self.types, &m.kind)
            && any(&self.modes, &m.mode)
            && any(&self.statuses, &m.status)
            && (self.priorities.is_empty() || self.priorities.contains(&m.priority))
            && (self.assignees.is_empty()
                || m.assignee
                    .as_deref()
                    .is_some_and(|a| self.assignees.iter().any(|w| w == a)))
            && (self.tags.is_empty() || self.tags.iter().any(|t| m.tags.holds(t)))
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
        if let Some(bad) = self.priorities.iter().find(|p| !(0..=4).contains(*p)) {
            return Err(format!(
                "--priority: `{bad}` is not a priority (allowed: 0 to 4, 0 is highest)"
            ));
        }
        Ok(())
    }
}

/// Parse priority specs for `--priority`: each item a comma list of
/// priorities (`1`) or inclusive ranges (`0-2`). Faces with text input (CLI,
/// web query strings) share it; range checks are [`Filter::validate`]'s.
pub fn parse_priorities(items: &[String]) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    for part in items.iter().flat_map(|i| i.split(',')) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let num = |s: &str| {
            s.trim().trim_start_matches(['P', 'p']).parse::<i64>().map_err(|_| {
                format!(
                    "--priority: `{part}` is not a priority (give 0 to 4, a list `0,1` or a range `0-2`)"
                )
            })
        };
        match part.split_once('-') {
            Some((lo, hi)) => {
                let (lo, hi) = (num(lo)?, num(hi)?);
                if lo > hi || hi - lo > 4 {
                    return Err(format!(
                        "--priority: `{part}` is not a range from low to high within 0 to 4"
                    ));
                }
                out.extend(lo..=hi);
            }
            None => out.push(num(part)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Oldest first: creation time, then the id's time part (same-second ties),
/// then the id, so every order ends total and repeatable.
fn by_age(a: &Meta, b: &Meta) -> Ordering {
    a.created
        .cmp(&b.created)
        .then_with(|| crate::id::order_key(&a.id).cmp(crate::id::order_key(&b.id)))
        .then_with(|| a.id.cmp(&b.id))
}

/// Priority first (0 is highest), then oldest first: work waiting longest at
/// a given priority comes up first (issue 15).
pub fn by_priority_then_oldest(a: &Meta, b: &Meta) -> Ordering {
    a.priority.cmp(&b.priority).then_with(|| by_age(a, b))
}

/// Board order: status position in the workflow, then priority, then oldest.
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
            .then_with(|| by_priority_then_oldest(&a.meta, &b.meta))
    }
}

/// Order within one board column (a stage): the runner's order — sequence
/// (unnumbered last), then priority, then oldest — so the board reads top
/// down in the order `docket run` would take the tickets.
pub fn by_stage_order(
    (a, seq_a): (&Meta, Option<f64>),
    (b, seq_b): (&Meta, Option<f64>),
) -> Ordering {
    cmp_sequence(seq_a, seq_b).then_with(|| by_priority_then_oldest(a, b))
}

/// Numbered before unnumbered, then ascending.
fn cmp_sequence(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// A field the listings can be sorted by (`--sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Priority,
    Created,
    Updated,
    Closed,
    Status,
    Type,
    Title,
    Sequence,
    Id,
}

/// The `--sort` field names, in the order error messages list them.
pub const SORT_FIELDS: &[&str] = &[
    "priority", "created", "updated", "closed", "status", "type", "title", "sequence", "id",
];

impl SortField {
    fn from_name(s: &str) -> Option<SortField> {
        Some(match s {
            "priority" => SortField::Priority,
            "created" => SortField::Created,
            "updated" => SortField::Updated,
            "closed" => SortField::Closed,
            "status" => SortField::Status,
            "type" => SortField::Type,
            "title" => SortField::Title,
            "sequence" => SortField::Sequence,
            "id" => SortField::Id,
            _ => return None,
        })
    }
}

/// One sort key: a field, ascending unless `desc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: SortField,
    pub desc: bool,
}

/// Parse sort specs: each item is a comma list of field names, a leading `-`
/// sorting that field descending (`-priority,created`). Empty parts are
/// ignored. The error message names the bad field and the valid ones.
pub fn parse_sort(items: &[String]) -> Result<Vec<SortKey>, String> {
    let mut keys = Vec::new();
    for part in items.iter().flat_map(|i| i.split(',')) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (desc, name) = match part.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, part.strip_prefix('+').unwrap_or(part)),
        };
        let field = SortField::from_name(&name.to_ascii_lowercase()).ok_or_else(|| {
            format!(
                "--sort: unknown field `{name}` (allowed: {}; prefix `-` for descending)",
                SORT_FIELDS.join(", ")
            )
        })?;
        keys.push(SortKey { field, desc });
    }
    Ok(keys)
}

/// Sort `entries` by `keys`, stably: entries equal on every key keep the
/// order they came in (the listing's own order). `sequence` reads the
/// tickets' frontmatter (it is not cached), and only when asked for.
/// Missing values (no sequence, not closed) sort last either way.
pub fn sort_by_keys<T>(
    items: &mut [T],
    entry: impl Fn(&T) -> &Entry,
    keys: &[SortKey],
    config: &Config,
) {
    if keys.is_empty() {
        return;
    }
    let seqs: std::collections::HashMap<std::path::PathBuf, Option<f64>> =
        if keys.iter().any(|k| k.field == SortField::Sequence) {
            let es: Vec<&Entry> = items.iter().map(&entry).collect();
            let found = sequences(&es);
            es.iter().map(|e| e.path.clone()).zip(found).collect()
        } else {
            Default::default()
        };
    let pos = |s: &str| {
        config
            .workflow
            .statuses
            .iter()
            .position(|x| x == s)
            .unwrap_or(usize::MAX)
    };
    let last_if_none = |a: Option<&str>, b: Option<&str>, desc: bool| match (a, b) {
        (Some(x), Some(y)) => {
            let o = x.cmp(y);
            if desc { o.reverse() } else { o }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    items.sort_by(|x, y| {
        let (ex, ey) = (entry(x), entry(y));
        let (a, b) = (&ex.meta, &ey.meta);
        for k in keys {
            let dir = |o: Ordering| if k.desc { o.reverse() } else { o };
            let o = match k.field {
                SortField::Priority => dir(a.priority.cmp(&b.priority)),
                SortField::Created => dir(by_age(a, b)),
                SortField::Updated => dir(a.updated.cmp(&b.updated)),
                SortField::Closed => last_if_none(a.closed.as_deref(), b.closed.as_deref(), k.desc),
                SortField::Status => dir(pos(&a.status).cmp(&pos(&b.status))),
                SortField::Type => dir(a.kind.cmp(&b.kind)),
                SortField::Title => dir(a
                    .title
                    .to_lowercase()
                    .cmp(&b.title.to_lowercase())
                    .then_with(|| a.title.cmp(&b.title))),
                SortField::Sequence => {
                    let s = |e: &Entry| seqs.get(&e.path).copied().flatten();
                    match (s(ex), s(ey)) {
                        (Some(p), Some(q)) => dir(p.total_cmp(&q)),
                        (p, q) => cmp_sequence(p, q),
                    }
                }
                SortField::Id => dir(a.id.cmp(&b.id)),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

/// Each entry's `sequence` (the runner's order), as read with its frontmatter.
pub fn sequences(entries: &[&Entry]) -> Vec<Option<f64>> {
    entries.iter().map(|e| e.sequence).collect()
}

/// The `sequence` of a ticket file's text (the runner's order, an unknown
/// frontmatter key): none when absent or not a usable number.
pub fn sequence_in(raw: &str, path: &std::path::Path) -> Option<f64> {
    match frontmatter_sequence(raw) {
        Scanned::Plain(v) => v,
        // Anchors, tags, odd quoting: let the real parser decide.
        Scanned::Odd => crate::yaml::parse_ticket(raw, path)
            .ok()
            .and_then(|t| crate::runner::sequence(&t)),
    }
}

/// What listings keep of a ticket file's text: its frontmatter and its
/// `sequence`.
pub fn listed_fields(
    raw: &str,
    path: &std::path::Path,
) -> std::result::Result<(Meta, Option<f64>), crate::yaml::ParseFailure> {
    let meta = crate::yaml::parse_meta(raw)?;
    Ok((meta, sequence_in(raw, path)))
}

/// What a line scan of the frontmatter found for `sequence`.
#[derive(Debug, PartialEq)]
enum Scanned {
    /// No key, or a plain number.
    Plain(Option<f64>),
    /// A `sequence:` line this scan does not understand.
    Odd,
}

/// The top-level `sequence:` value of a ticket's frontmatter, by a line scan
/// (most files hold a plain number or none; the YAML parser is the fallback).
fn frontmatter_sequence(raw: &str) -> Scanned {
    let mut lines = raw.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return Scanned::Plain(None);
    }
    for line in lines {
        if line.trim_end() == "---" {
            break;
        }
        let Some(v) = line.strip_prefix("sequence:") else {
            continue;
        };
        let v = v.split(" #").next().unwrap_or("").trim();
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
            .unwrap_or(v)
            .trim();
        if v.is_empty() || v == "~" || v == "null" {
            return Scanned::Plain(None);
        }
        return match v.parse::<f64>() {
            Ok(f) if f.is_finite() => Scanned::Plain(Some(f)),
            _ => Scanned::Odd,
        };
    }
    Scanned::Plain(None)
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
    use super::{Scanned, SortField, SortKey, frontmatter_sequence, parse_sort};

    #[test]
    fn sort_specs_parse() {
        let keys = parse_sort(&["-priority,created".into(), "Title".into()]).expect("parses");
        assert_eq!(
            keys,
            vec![
                SortKey {
                    field: SortField::Priority,
                    desc: true
                },
                SortKey {
                    field: SortField::Created,
                    desc: false
                },
                SortKey {
                    field: SortField::Title,
                    desc: false
                },
            ]
        );
        assert_eq!(parse_sort(&[" , ".into()]), Ok(vec![]));
        let err = parse_sort(&["prio".into()]).expect_err("unknown");
        assert!(err.contains("`prio`") && err.contains("sequence"), "{err}");
    }

    #[test]
    fn priority_specs_parse() {
        let p = |v: &[&str]| {
            super::parse_priorities(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(p(&["1"]), Ok(vec![1]));
        assert_eq!(p(&["3,0-1", "P2"]), Ok(vec![0, 1, 2, 3]));
        assert!(p(&["x"]).is_err());
        assert!(p(&["2-1"]).is_err());
        assert!(p(&["-1"]).is_err());
    }

    #[test]
    fn sequence_line_scan() {
        let fm = |v: &str| format!("---\nid: dk-1\n{v}\ntitle: x\n---\nsequence: 9\n");
        assert_eq!(
            frontmatter_sequence(&fm("sequence: 3")),
            Scanned::Plain(Some(3.0))
        );
        assert_eq!(
            frontmatter_sequence(&fm("sequence: '2.5' # c")),
            Scanned::Plain(Some(2.5))
        );
        assert_eq!(
            frontmatter_sequence(&fm("sequence: \"7\"")),
            Scanned::Plain(Some(7.0))
        );
        assert_eq!(
            frontmatter_sequence(&fm("sequence: ~")),
            Scanned::Plain(None)
        );
        assert_eq!(frontmatter_sequence(&fm("other: 1")), Scanned::Plain(None));
        assert_eq!(frontmatter_sequence(&fm("sequence: &a 4")), Scanned::Odd);
        assert_eq!(
            frontmatter_sequence("no front matter\nsequence: 1"),
            Scanned::Plain(None)
        );
    }

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
