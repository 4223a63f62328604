//! Wire types for JSON (`TicketView`) and the human renderings of tickets:
//! aligned tables, the `show` page and the board.

use docket_core::audit::{self, LogEntry};
use docket_core::plan::PlanState;
use docket_core::store::Entry;
use docket_core::ticket::{SECTION_LOG, SECTION_PLAN, Text, strings};
use docket_core::{Meta, Project, Ticket};

use crate::output::{paint, style};

use docket_api::text::FLOOR_TITLE;
pub use docket_api::text::{self, escape_controls, escape_line, fit, width};
pub use docket_api::view::{ListRow as TicketRow, TableRow, list_row as row};

/// Narrowest board column for the side-by-side board.
const MIN_BOARD_COLUMN: usize = 20;

/// Shortest unique id prefixes for a set of rows, computed over every ticket.
pub use docket_api::view::short_ids;

/// The standard ticket table: ID, PRI, STATUS, TYPE, MODE, ASSIGNEE, TITLE
/// (with tags). With a `width` (a terminal), the title takes what the other
/// columns leave and is cut with `…`; when that would leave it under
/// [`MIN_TITLE`] columns, MODE and then ASSIGNEE are dropped first. Without
/// one (piped, `--wide`) nothing is cut.
pub fn ticket_table(p: &Project, entries: &[&Entry], width_limit: Option<usize>) -> String {
    let ids: Vec<&str> = entries.iter().map(|e| e.meta.id.as_str()).collect();
    ticket_table_with(entries, short_ids(p, &ids), width_limit)
}

/// [`ticket_table`] with the short ids already known (a listing carries
/// them), so the folders are not listed again.
pub fn ticket_table_with(
    entries: &[&Entry],
    shorts: Vec<String>,
    width_limit: Option<usize>,
) -> String {
    let rows: Vec<TableRow> = entries
        .iter()
        .zip(&shorts)
        .map(|(e, short)| TableRow::of(&e.meta, short))
        .collect();
    ticket_table_rows(&rows, width_limit)
}

/// The ticket table of rows a listing gave (see [`ticket_table`]), coloured
/// when stdout is.
pub fn ticket_table_rows(rows: &[TableRow], width_limit: Option<usize>) -> String {
    text::ticket_table(rows, width_limit, crate::output::color_on())
}

/// An aligned table (see [`text::table`]), coloured when stdout is.
pub fn table<S: AsRef<str> + Sync>(
    headers: &[&str],
    rows: &[Vec<S>],
    styles: &[Option<anstyle::Style>],
) -> String {
    text::table(headers, rows, styles, crate::output::color_on())
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
        (
            "parent",
            m.parent.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        ),
        ("tags", strings(&m.tags)),
        ("deps", mark_missing(p, &m.deps)),
        ("links", strings(&m.links)),
        ("external refs", strings(&m.external_refs)),
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

/// A board: one column per status in workflow order, cards in the order
/// given (the API's stage order). Side by side when a `width` (a terminal)
/// gives every column at least [`MIN_BOARD_COLUMN`] display columns, else one
/// block per status, titles cut to the width; without a width (piped,
/// `--wide`) the blocks and nothing cut, so scripts read a stable form.
pub fn board(
    p: &Project,
    columns: &[docket_api::query::Column],
    width_limit: Option<usize>,
) -> String {
    // One shortest-prefix pass for the whole board, not one per column.
    let all: Vec<&str> = columns
        .iter()
        .flat_map(|c| c.rows.iter().map(|l| l.entry.meta.id.as_str()))
        .collect();
    let shorts: std::collections::HashMap<&str, String> =
        all.iter().copied().zip(short_ids(p, &all)).collect();
    let short_of = |m: &Meta| -> String {
        shorts
            .get(m.id.as_str())
            .cloned()
            .unwrap_or_else(|| m.id.to_string())
    };
    const GAP: &str = " │ ";
    let n = columns.len().max(1);
    let side = width_limit
        .map(|w| w.saturating_sub(width(GAP) * (n - 1)) / n)
        .filter(|col| *col >= MIN_BOARD_COLUMN);
    if let Some(col_w) = side {
        return board_side_by_side(columns, col_w, GAP, &short_of);
    }
    let mut out = String::new();
    for col in columns {
        out.push_str(&format!(
            "{} ({})\n",
            paint(style::BOLD, &escape_line(&col.status.to_uppercase())),
            col.total
        ));
        for l in &col.rows {
            let m = &l.entry.meta;
            let short = short_of(m);
            let lead = format!("  {short}  P{}  ", m.priority);
            let title = escape_line(&m.title);
            let title = match width_limit {
                Some(w) => fit(&title, w.saturating_sub(width(&lead)).max(FLOOR_TITLE)),
                None => std::borrow::Cow::Borrowed(title.as_str()),
            };
            out.push_str(&format!(
                "  {}  P{}  {title}\n",
                paint(style::ID, &short),
                m.priority,
            ));
        }
        out.push('\n');
    }
    out
}

/// The board as columns `col_w` wide, separated by `gap`: a header row, then
/// one card (`id P title`, cut to fit) per line in each column.
fn board_side_by_side(
    columns: &[docket_api::query::Column],
    col_w: usize,
    gap: &str,
    short_of: &dyn Fn(&Meta) -> String,
) -> String {
    // Each cell as (styled text, display width of the plain text).
    let cell = |styled: String, plain_w: usize| (styled, plain_w);
    let mut grid: Vec<Vec<(String, usize)>> = Vec::new();
    for col in columns {
        let head = format!(
            "{} ({})",
            escape_line(&col.status.to_uppercase()),
            col.total
        );
        let head = fit(&head, col_w).into_owned();
        let mut cells = vec![cell(paint(style::BOLD, &head), width(&head))];
        for l in &col.rows {
            let m = &l.entry.meta;
            let short = short_of(m);
            let plain = format!("{short} P{} {}", m.priority, escape_line(&m.title));
            let cut = fit(&plain, col_w);
            let styled = match cut.strip_prefix(short.as_str()) {
                Some(rest) => format!("{}{rest}", paint(style::ID, &short)),
                None => cut.to_string(),
            };
            cells.push(cell(styled, width(&cut)));
        }
        grid.push(cells);
    }
    let height = grid.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = String::new();
    for row in 0..height {
        let mut line = String::new();
        for (i, cells) in grid.iter().enumerate() {
            if i > 0 {
                line.push_str(gap);
            }
            let (text, w) = cells.get(row).map_or(("", 0), |(t, w)| (t.as_str(), *w));
            line.push_str(text);
            line.push_str(&" ".repeat(col_w.saturating_sub(w)));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    // A blank line after the board, as after each block of the vertical form.
    out.push('\n');
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
pub fn mark_missing(p: &Project, deps: &[Text]) -> Vec<String> {
    let missing = docket_api::graph::missing(p, deps);
    deps.iter()
        .map(|d| {
            if missing.iter().any(|m| m == d) {
                format!("{d} {}", paint(style::WARN, "(missing)"))
            } else {
                d.to_string()
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

#[cfg(test)]
mod fit_tests {
    use super::{escape_line, fit, width};

    #[test]
    fn short_text_is_borrowed_untouched() {
        assert!(matches!(fit("abc", 3), std::borrow::Cow::Borrowed("abc")));
        assert_eq!(fit("", 0), "");
    }

    #[test]
    fn cuts_to_the_display_width_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abcdef", 1), "…");
        assert_eq!(fit("abcdef", 0), "");
        // Wide characters take two columns; one never straddles the limit.
        assert_eq!(fit("日本語です", 6), "日本…");
        assert_eq!(fit("日本語です", 5), "日本…");
        assert_eq!(width(&fit("日本語です", 4)), 3);
        // Emoji are wide; ZWJ and VS16 sequences never overflow.
        assert_eq!(fit("🎉🎉🎉🎉", 5), "🎉🎉…");
        for s in [
            "👨‍👩‍👧 family trip",
            "❤️❤️❤️❤️❤️",
            "e\u{301}e\u{301}e\u{301}e\u{301}",
        ] {
            for max in 0..8 {
                assert!(
                    width(&fit(s, max)) <= max,
                    "{s:?} at {max}: {:?}",
                    fit(s, max)
                );
            }
        }
    }

    #[test]
    fn escaped_sequences_are_cut_as_plain_text() {
        let s = escape_line("a\u{1b}[2Jb\u{1b}]52;c;x\u{7}tail");
        let cut = fit(&s, 8);
        assert_eq!(cut, "a\\x1b[2…");
        assert!(!cut.contains('\u{1b}'));
    }
}
