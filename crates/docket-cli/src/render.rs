//! Wire types for JSON (`TicketView`) and the human renderings of tickets:
//! aligned tables, the `show` page and the board.

use docket_api::view::Listed;
use docket_core::audit::{self, LogEntry};
use docket_core::plan::PlanState;
use docket_core::store::Entry;
use docket_core::ticket::{SECTION_LOG, SECTION_PLAN};
use docket_core::{Meta, Project, Ticket, id};
use serde::Serialize;

use crate::output::{paint, style};

/// A ticket as listings show it: frontmatter fields, its handle and its path.
#[derive(Serialize)]
pub struct TicketRow<'a> {
    #[serde(flatten)]
    pub meta: &'a Meta,
    /// The shortest unique id prefix, as people type it.
    pub handle: &'a str,
    pub path: String,
}

/// A listing row: the frontmatter fields plus the handle and the path.
pub fn row<'a>(p: &Project, l: &'a Listed) -> TicketRow<'a> {
    TicketRow {
        meta: &l.entry.meta,
        handle: &l.short,
        path: p.display_path(&l.entry.path),
    }
}

/// Control characters in text a ticket's author wrote, made visible and
/// harmless before they reach a terminal: a title holding `ESC]52;…BEL`
/// (clipboard write) or `ESC[2J` (clear screen) prints as `\x1b]52;…\x07`.
/// Newlines and tabs stay; C0, DEL, C1 and bidi overrides become `\xNN` /
/// `\u{NNNN}`. With `keep_sgr`, colour sequences (`ESC[…m`, which docket's
/// own styling emits) pass: the printer applies this to every human line as
/// a safety net, while render escapes fields fully. JSON is never escaped.
pub fn escape_controls(s: &str, keep_sgr: bool) -> std::borrow::Cow<'_, str> {
    let risky = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(risky) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}' && keep_sgr {
            let tail = &rest[1..];
            if let Some(body) = tail.strip_prefix('[') {
                let n = body
                    .bytes()
                    .take_while(|b| b.is_ascii_digit() || *b == b';')
                    .count();
                if body.as_bytes().get(n) == Some(&b'm') {
                    let len = 2 + n + 1;
                    out.push_str(&rest[..len]);
                    rest = &rest[len..];
                    continue;
                }
            }
        }
        if risky(c) {
            if (c as u32) < 0x100 {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push_str(&format!("\\u{{{:04x}}}", c as u32));
            }
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

/// [`escape_controls`] for a one-line field: newlines escaped too.
pub fn escape_line(s: &str) -> String {
    escape_controls(s, false)
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn truncate(s: &str, max: usize) -> String {
    let s = &escape_line(s);
    if width(s) <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// An aligned table with a dim header; `styles` colours whole columns.
pub fn table(headers: &[&str], rows: &[Vec<String>], styles: &[Option<anstyle::Style>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| -> String {
        let n = cells.len();
        let mut l = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            l.push_str(&c);
            if i + 1 < n {
                l.push_str("  ");
            }
        }
        l.trim_end().to_string()
    };
    let head: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let w = if i + 1 == headers.len() { 0 } else { widths[i] };
            paint(style::DIM, &format!("{h:<w$}"))
        })
        .collect();
    out.push_str(&line(head));
    out.push('\n');
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = if i + 1 == r.len() {
                    0
                } else {
                    widths[i] - width(c)
                };
                let padded = format!("{c}{}", " ".repeat(pad));
                match styles.get(i).copied().flatten() {
                    Some(s) => paint(s, &padded),
                    None => padded,
                }
            })
            .collect();
        out.push_str(&line(cells));
        out.push('\n');
    }
    out
}

/// Shortest unique id prefixes for a set of rows, computed over every ticket.
pub fn short_ids(p: &Project, ids: &[&str]) -> Vec<String> {
    let all: Vec<String> = p
        .files()
        .map(|f| f.into_iter().map(|f| f.id).collect())
        .unwrap_or_default();
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let shorts = id::shortest_unique_prefixes(&refs, 4);
    let by_id: std::collections::HashMap<&str, &String> =
        refs.iter().copied().zip(&shorts).collect();
    ids.iter()
        .map(|id| {
            by_id
                .get(id)
                .map(|s| s.to_string())
                .unwrap_or_else(|| id.to_string())
        })
        .collect()
}

/// The standard ticket table: ID, P, STATUS, TYPE, TITLE (+ extras).
pub fn ticket_table(p: &Project, entries: &[&Entry]) -> String {
    if entries.is_empty() {
        return paint(style::DIM, "no tickets");
    }
    let ids: Vec<&str> = entries.iter().map(|e| e.meta.id.as_str()).collect();
    let shorts = short_ids(p, &ids);
    let rows: Vec<Vec<String>> = entries
        .iter()
        .zip(shorts)
        .map(|(e, short)| {
            let m = &e.meta;
            let mut title = truncate(&m.title, 70);
            if !m.tags.is_empty() {
                title.push_str(&escape_line(&format!("  #{}", m.tags.join(" #"))));
            }
            vec![
                short,
                format!("P{}", m.priority),
                m.status.clone(),
                m.kind.clone(),
                m.mode.clone(),
                escape_line(m.assignee.as_deref().unwrap_or_default()),
                title,
            ]
        })
        .collect();
    table(
        &["ID", "PRI", "STATUS", "TYPE", "MODE", "ASSIGNEE", "TITLE"],
        &rows,
        &[
            Some(style::ID),
            None,
            None,
            Some(style::DIM),
            Some(style::DIM),
            None,
            None,
        ],
    )
}

/// The human `show` page.
pub fn show(p: &Project, t: &Ticket) -> String {
    let m = &t.meta;
    let mut out = String::new();
    out.push_str(&format!(
        "{}  {}\n",
        paint(style::ID, &m.id),
        paint(style::BOLD, &escape_line(&m.title))
    ));
    let mut facts = vec![
        format!("status: {}", m.status),
        format!("type: {}", m.kind),
        format!("priority: P{}", m.priority),
        format!("mode: {}", m.mode),
    ];
    if let Some(a) = &m.assignee {
        facts.push(format!("assignee: {}", escape_line(a)));
    }
    if let Some(t) = &m.tier {
        facts.push(format!("tier: {t}"));
    }
    if let Some(a) = m.attention {
        facts.push(format!("attention: {a}"));
    }
    out.push_str(&paint(style::DIM, &facts.join("  ")));
    out.push('\n');
    let mut facts2 = vec![
        format!("created: {}", m.created),
        format!("updated: {}", m.updated),
    ];
    if let Some(c) = &m.closed {
        facts2.push(format!("closed: {c}"));
    }
    out.push_str(&paint(style::DIM, &facts2.join("  ")));
    out.push('\n');
    let lists = [
        ("parent", m.parent.iter().cloned().collect::<Vec<_>>()),
        ("tags", m.tags.clone()),
        ("deps", mark_missing(p, &m.deps)),
        ("links", m.links.clone()),
        ("external refs", m.external_refs.clone()),
        ("docs", docket_core::ops::docs_of(t)),
    ];
    for (name, vals) in lists {
        if !vals.is_empty() {
            out.push_str(&format!("{name}: {}\n", vals.join(", ")));
        }
    }
    out.push_str(&paint(
        style::DIM,
        &format!("file: {}", p.display_path(&t.path)),
    ));
    out.push('\n');
    // The plan and the log get their own renderings below.
    let mut rest = t.clone();
    rest.set_section(SECTION_PLAN, "");
    rest.set_section(SECTION_LOG, "");
    let body = rest.body.trim();
    if !body.is_empty() {
        out.push('\n');
        out.push_str(body);
        out.push('\n');
    }
    if !m.acceptance.is_empty() {
        out.push_str("\n## Acceptance Criteria\n\n");
        for c in &m.acceptance {
            let mark = if c.done {
                paint(style::OK, "[x]")
            } else {
                "[ ]".into()
            };
            out.push_str(&format!("- {mark} {}\n", c.title));
        }
    }
    let (log, defects) = audit::parse(t);
    let st = docket_core::plan::state(t, &log);
    if !st.text.is_empty() || !st.revisions.is_empty() {
        out.push_str(&plan_block(p, t, &st, &log));
    }
    if !log.is_empty() || !defects.is_empty() {
        out.push_str(&history(
            &log,
            defects.is_empty() && audit::verify(&log).is_none(),
        ));
    }
    out
}

/// The plan, and once it is frozen, the review view: the frozen plan, the
/// deviations recorded against it, and the submitted result side by side.
fn plan_block(p: &Project, t: &Ticket, st: &PlanState, log: &[LogEntry]) -> String {
    let mut out = String::new();
    let state = match &st.frozen {
        Some(a) => format!(
            "v{}, frozen: approved by {} at {}, hash {}",
            a.version, a.approver, a.at, a.hash
        ),
        None if st.revisions.is_empty() => "not recorded with `docket plan`".into(),
        None => format!("v{}, draft", st.version()),
    };
    out.push_str(&format!(
        "\n## Plan {}\n\n{}\n",
        paint(style::DIM, &format!("({state})")),
        st.text
    ));
    if st.frozen.is_some() && !st.intact() {
        out.push_str(&format!(
            "{}\n",
            paint(
                style::ERR,
                "the plan text no longer matches the approved hash (run `docket check`)"
            )
        ));
    }
    if st.frozen.is_some() {
        out.push_str("\n## Deviations\n\n");
        if st.deviations.is_empty() {
            out.push_str(&paint(style::DIM, "none recorded"));
            out.push('\n');
        }
        for d in &st.deviations {
            out.push_str(&format!("- {} {}: {}\n", d.at, d.actor, d.text));
        }
        // The result: what was said when the work left the active status.
        let active = &p.config.workflow.active;
        let submitted = log
            .iter()
            .rposition(|e| e.kind == audit::kind::TRANSITION && e.get("from") == Some(active));
        if let Some(i) = submitted {
            let e = &log[i];
            out.push_str(&format!(
                "\n## Result {}\n\n",
                paint(
                    style::DIM,
                    &format!(
                        "(submitted by {} at {}, now {})",
                        e.actor, e.at, t.meta.status
                    )
                )
            ));
            let notes: Vec<&LogEntry> = log[i + 1..]
                .iter()
                .take_while(|n| n.kind != audit::kind::TRANSITION)
                .filter(|n| n.kind == audit::kind::NOTE || n.kind == audit::kind::COMMENT)
                .collect();
            if notes.is_empty() {
                out.push_str(&paint(style::DIM, "no result note"));
                out.push('\n');
            }
            for n in notes {
                out.push_str(&format!("{}\n", n.text));
            }
        }
    }
    out
}

/// The log as a readable history.
fn history(log: &[LogEntry], intact: bool) -> String {
    let mut out = format!(
        "\n## History {}\n\n",
        if intact {
            paint(
                style::DIM,
                &format!(
                    "({}, hash chain intact)",
                    crate::output::count(log.len() as u64, "entry", "entries")
                ),
            )
        } else {
            paint(style::ERR, "(hash chain BROKEN: run `docket check`)")
        }
    );
    for e in log {
        let what = match e.kind.as_str() {
            audit::kind::PLAN => format!(
                "plan v{} ({})",
                e.get("version").unwrap_or("?"),
                e.get("plan_hash").unwrap_or("?")
            ),
            audit::kind::CREATED
            | audit::kind::TRANSITION
            | audit::kind::APPROVAL
            | audit::kind::CLAIM
            | audit::kind::EDIT => e.text.clone(),
            _ => String::new(),
        };
        let line = format!(
            "{}  {:<10} {}  {}",
            paint(style::DIM, &e.at),
            e.kind,
            e.actor,
            what
        );
        out.push_str(line.trim_end());
        out.push('\n');
        let shows_text = matches!(
            e.kind.as_str(),
            audit::kind::NOTE | audit::kind::COMMENT | audit::kind::VIOLATION
        );
        if shows_text {
            for line in e.text.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

/// A board: one block per status, in workflow order.
pub fn board(p: &Project, entries: &[Entry]) -> String {
    let mut out = String::new();
    // One shortest-prefix pass for the whole board, not one per column.
    let all: Vec<&str> = entries.iter().map(|e| e.meta.id.as_str()).collect();
    let shorts: std::collections::HashMap<&str, String> =
        all.iter().copied().zip(short_ids(p, &all)).collect();
    for status in &p.config.workflow.statuses {
        let mut col: Vec<&Entry> = entries
            .iter()
            .filter(|e| &e.meta.status == status)
            .collect();
        col.sort_by(|a, b| docket_core::query::by_priority_then_newest(&a.meta, &b.meta));
        out.push_str(&format!(
            "{} ({})\n",
            paint(style::BOLD, &status.to_uppercase()),
            col.len()
        ));
        for e in &col {
            let id = e.meta.id.as_str();
            let short = shorts.get(id).map(String::as_str).unwrap_or(id);
            out.push_str(&format!(
                "  {}  P{}  {}\n",
                paint(style::ID, short),
                e.meta.priority,
                truncate(&e.meta.title, 70)
            ));
        }
        out.push('\n');
    }
    out
}

/// One line describing a changed ticket, for mutating commands.
pub fn changed_line(verb: &str, short: &str, t: &Ticket) -> String {
    format!(
        "{verb} {}  {}  [{}]",
        paint(style::ID, short),
        escape_line(&t.meta.title),
        escape_line(&t.meta.status)
    )
}

/// Dependencies as people read them: one that matches no ticket is marked
/// `(missing)`, since it keeps its ticket blocked until it exists.
pub fn mark_missing(p: &Project, deps: &[String]) -> Vec<String> {
    let missing = docket_api::graph::missing(p, deps);
    deps.iter()
        .map(|d| {
            if missing.contains(d) {
                format!("{d} {}", paint(style::WARN, "(missing)"))
            } else {
                d.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod escape_tests {
    use super::{escape_controls, escape_line};

    #[test]
    fn escapes_everything_but_own_colour() {
        let s = "a\u{1b}]52;c;x\u{7}b\u{1b}[2Jc\u{1b}[1mbold\u{1b}[0m\u{9b}\u{202e}\n";
        assert_eq!(
            escape_controls(s, false),
            "a\\x1b]52;c;x\\x07b\\x1b[2Jc\\x1b[1mbold\\x1b[0m\\x9b\\u{202e}\n"
        );
        assert_eq!(
            escape_controls(s, true),
            "a\\x1b]52;c;x\\x07b\\x1b[2Jc\u{1b}[1mbold\u{1b}[0m\\x9b\\u{202e}\n"
        );
        assert_eq!(escape_line("a\nb\tc"), "a\\nb\tc");
        assert!(matches!(
            escape_controls("plain ✓", false),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
