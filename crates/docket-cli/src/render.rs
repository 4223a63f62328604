//! Wire types for JSON (`TicketView`) and the human renderings of tickets:
//! aligned tables, the `show` page and the board.

use docket_core::audit::{self, LogEntry};
use docket_core::plan::PlanState;
use docket_core::store::{Entry, parallel_chunks};
use docket_core::ticket::{SECTION_LOG, SECTION_PLAN};
use docket_core::{Meta, Project, Ticket};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::output::{paint, style};

pub use docket_api::view::{ListRow as TicketRow, TableRow, list_row as row};

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
    if plain_ascii(s) || !s.chars().any(risky) {
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

/// Printable ASCII, newlines and tabs only (nearly every line): checked in
/// blocks without an early exit, so the compiler can use vector instructions
/// (a 60k-row table is several megabytes).
fn plain_ascii(s: &str) -> bool {
    s.as_bytes().chunks(64).all(|block| {
        block.iter().fold(true, |ok, &b| {
            ok & (((0x20..0x7f).contains(&b)) | (b == b'\n') | (b == b'\t'))
        })
    })
}

/// [`plain_ascii`] without newlines: a table cell that needs no escaping.
fn plain_cell(s: &str) -> bool {
    s.as_bytes().chunks(64).all(|block| {
        block.iter().fold(true, |ok, &b| {
            ok & (((0x20..0x7f).contains(&b)) | (b == b'\t'))
        })
    })
}

/// [`escape_controls`] for a one-line field: newlines escaped too.
pub fn escape_line(s: &str) -> String {
    escape_cell(s).into_owned()
}

/// [`escape_line`], borrowing `s` when nothing needs escaping (most table
/// cells).
pub fn escape_cell(s: &str) -> std::borrow::Cow<'_, str> {
    // Nearly every cell: printable ASCII and tabs, one pass.
    if plain_cell(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let escaped = escape_controls(s, false);
    if !escaped.contains(['\n', '\r']) {
        return escaped;
    }
    std::borrow::Cow::Owned(escaped.replace('\n', "\\n").replace('\r', "\\r"))
}

/// Display width on a terminal: wide (CJK, most emoji) characters take two
/// columns, combining marks none. Text reaching here is already escaped, so
/// it holds no control characters.
pub fn width(s: &str) -> usize {
    if s.is_ascii() {
        // Escaped text has no control characters: one column per byte.
        return s.len();
    }
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` display columns, ending in `…` when cut. Cuts on
/// character boundaries only; a wide character that would straddle the limit
/// goes whole. Escape `s` first: an escape sequence cut in half could reach
/// the terminal raw.
pub fn fit(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if width(s) <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    if max == 0 {
        return std::borrow::Cow::Borrowed("");
    }
    let room = max - 1;
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room {
            break;
        }
        out.push(c);
        used += w;
    }
    // Character widths can undercount a sequence (an emoji with VS16): the
    // string's own width decides.
    while width(&out) > room {
        out.pop();
    }
    out.push('…');
    std::borrow::Cow::Owned(out)
}

/// Narrowest title column a width-limited table keeps before it drops the
/// optional columns (mode, then assignee).
const MIN_TITLE: usize = 30;
/// Narrowest title column at all: below this the line overflows instead.
const FLOOR_TITLE: usize = 10;
/// Narrowest board column for the side-by-side board.
const MIN_BOARD_COLUMN: usize = 20;

/// An aligned table with a dim header; `styles` colours whole columns.
pub fn table<S: AsRef<str> + Sync>(
    headers: &[&str],
    rows: &[Vec<S>],
    styles: &[Option<anstyle::Style>],
) -> String {
    // Big tables (a listing of 60k tickets) are measured and written in
    // chunks on all cores; the chunks' text is joined in order.
    const MIN_CHUNK: usize = 4096;
    let ncols = headers.len();
    // Per chunk: its length, every cell's width, each column's widest.
    let measured = parallel_chunks(rows, MIN_CHUNK, |rows| {
        let mut widest = vec![0; ncols];
        let mut cells = Vec::with_capacity(rows.len() * ncols);
        for r in rows {
            for (i, c) in r.iter().enumerate() {
                let w = width(c.as_ref());
                cells.push(w);
                if let Some(m) = widest.get_mut(i) {
                    *m = (*m).max(w);
                }
            }
        }
        (rows.len(), cells, widest)
    });
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for (_, _, widest) in &measured {
        for (w, m) in widths.iter_mut().zip(widest) {
            *w = (*w).max(*m);
        }
    }
    // The same chunks again, each with its cells' widths.
    let mut rest = rows;
    let chunks: Vec<(&[Vec<S>], Vec<usize>)> = measured
        .into_iter()
        .map(|(len, cells, _)| {
            let (chunk, more) = rest.split_at(len);
            rest = more;
            (chunk, cells)
        })
        .collect();
    let color = crate::output::color_on();
    let line_len: usize = widths.iter().sum::<usize>() + 2 * widths.len() + 1;
    // One line into `out`: cells padded to their column, two spaces
    // between, no trailing blanks.
    let push_line = |out: &mut String, cells: &mut dyn Iterator<Item = (&str, usize)>| {
        let start = out.len();
        let n = widths.len();
        for (i, (c, w)) in cells.enumerate() {
            let last = i + 1 == n;
            let pad = if last { 0 } else { widths[i].saturating_sub(w) };
            match styles.get(i).copied().flatten() {
                // What `paint` makes of the padded cell, written in place.
                Some(s) if color && (!c.is_empty() || pad > 0) => {
                    use std::fmt::Write;
                    let _ = write!(out, "{s}");
                    out.push_str(c);
                    out.extend(std::iter::repeat_n(' ', pad));
                    let _ = write!(out, "{s:#}");
                }
                _ => {
                    out.push_str(c);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            if !last {
                out.push_str("  ");
            }
        }
        let trimmed = out[start..].trim_end().len();
        out.truncate(start + trimmed);
        out.push('\n');
    };
    let mut out = String::with_capacity(line_len * (rows.len() + 1));
    let head: Vec<String> = headers.iter().map(|h| paint(style::DIM, h)).collect();
    push_line(
        &mut out,
        &mut head
            .iter()
            .zip(headers)
            .map(|(painted, h)| (painted.as_str(), width(h))),
    );
    // One thread per chunk.
    let bodies = parallel_chunks(&chunks, 1, |chunks| {
        let mut out = String::new();
        for (rows, ws) in chunks {
            out.reserve(line_len * rows.len());
            let mut k = 0;
            for r in *rows {
                let ws = &ws[k..k + r.len()];
                k += r.len();
                push_line(
                    &mut out,
                    &mut r.iter().zip(ws).map(|(c, w)| (c.as_ref(), *w)),
                );
            }
        }
        out
    });
    for body in bodies {
        out.push_str(&body);
    }
    out
}

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

/// The ticket table of rows a listing gave (see [`ticket_table`]).
pub fn ticket_table_rows(rows: &[TableRow], width_limit: Option<usize>) -> String {
    if rows.is_empty() {
        return paint(style::DIM, "no tickets");
    }
    // Cells borrow from the rows unless escaping changed them.
    // In chunks on all cores for a big table.
    let cells = parallel_chunks(rows, 4096, |rows| {
        rows.iter().map(row_cells).collect::<Vec<_>>()
    });
    let mut rows: Vec<Vec<std::borrow::Cow<str>>> = cells.into_iter().flatten().collect();
    let mut headers = vec!["ID", "PRI", "STATUS", "TYPE", "MODE", "ASSIGNEE", "TITLE"];
    let mut styles = vec![
        Some(style::ID),
        None,
        None,
        Some(style::DIM),
        Some(style::DIM),
        None,
        None,
    ];
    if let Some(limit) = width_limit {
        // Columns that may go, in the order they go: MODE, then ASSIGNEE.
        for drop in [4, 4] {
            if title_room(&headers, &rows, limit) >= MIN_TITLE {
                break;
            }
            headers.remove(drop);
            styles.remove(drop);
            for r in &mut rows {
                r.remove(drop);
            }
        }
        let room = title_room(&headers, &rows, limit).max(FLOOR_TITLE);
        for r in &mut rows {
            if let Some(t) = r.last_mut()
                && let std::borrow::Cow::Owned(cut) = fit(t, room)
            {
                *t = std::borrow::Cow::Owned(cut);
            }
        }
    }
    table(&headers, &rows, &styles)
}

/// The cells of a ticket table row; they borrow from the row unless
/// escaping changed them.
fn row_cells<'a>(r: &TableRow<'a>) -> Vec<std::borrow::Cow<'a, str>> {
    let mut title = escape_cell(r.title);
    if !r.tags.is_empty() {
        let title = title.to_mut();
        for (i, tag) in r.tags.iter().enumerate() {
            title.push_str(if i == 0 { "  #" } else { " #" });
            title.push_str(&escape_cell(tag));
        }
    }
    const PRIORITIES: [&str; 5] = ["P0", "P1", "P2", "P3", "P4"];
    let priority = usize::try_from(r.priority)
        .ok()
        .and_then(|i| PRIORITIES.get(i))
        .map_or_else(
            || std::borrow::Cow::Owned(format!("P{}", r.priority)),
            |p| std::borrow::Cow::Borrowed(*p),
        );
    vec![
        escape_cell(r.handle),
        priority,
        escape_cell(r.status),
        escape_cell(r.kind),
        escape_cell(r.mode),
        escape_cell(r.assignee.unwrap_or_default()),
        title,
    ]
}

/// Columns left for the last (title) column of a table `limit` wide: what
/// the other columns and the two-space gaps between all columns leave.
fn title_room<S: AsRef<str>>(headers: &[&str], rows: &[Vec<S>], limit: usize) -> usize {
    let n = headers.len();
    let fixed: usize = (0..n.saturating_sub(1))
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| width(c.as_ref())))
                .chain([width(headers[i])])
                .max()
                .unwrap_or(0)
        })
        .sum();
    limit.saturating_sub(fixed + 2 * n.saturating_sub(1))
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
            .unwrap_or_else(|| m.id.clone())
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
