//! Text for a terminal: escaping what ticket authors wrote, display widths,
//! and aligned tables. Here, not in the CLI, so the hot index can answer a
//! human listing with the very table the CLI would print (given the
//! client's width and colour choice), and both paths share one renderer.

use anstyle::{AnsiColor, Style};
use docket_core::store::parallel_chunks;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::view::TableRow;

/// Ticket ids in tables.
pub const ID: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));
/// Headers and secondary columns.
pub const DIM: Style = Style::new().dimmed();

/// `text` in `style` when `color` is on.
pub fn paint(style: Style, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    format!("{style}{text}{style:#}")
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
pub const MIN_TITLE: usize = 30;
/// Narrowest title column at all: below this the line overflows instead.
pub const FLOOR_TITLE: usize = 10;
/// An aligned table with a dim header; `styles` colours whole columns.
pub fn table<S: AsRef<str> + Sync>(
    headers: &[&str],
    rows: &[Vec<S>],
    styles: &[Option<anstyle::Style>],
    color: bool,
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
    let line_len: usize = widths.iter().sum::<usize>() + 2 * widths.len() + 1;
    let lines = Lines {
        widths: &widths,
        styles,
        color,
    };
    let mut out = String::with_capacity(line_len * (rows.len() + 1));
    lines.header(&mut out, headers);
    // One thread per chunk.
    let bodies = parallel_chunks(&chunks, 1, |chunks| {
        let mut out = String::new();
        for (rows, ws) in chunks {
            out.reserve(line_len * rows.len());
            let mut k = 0;
            for r in *rows {
                let ws = &ws[k..k + r.len()];
                k += r.len();
                lines.push(
                    &mut out,
                    &mut r.iter().zip(ws).map(|(c, w)| (c.as_ref(), *w)),
                );
            }
        }
        out
    });
    join(out, bodies)
}

/// `head` then every body, each body freed as soon as it is copied.
fn join(mut head: String, bodies: Vec<String>) -> String {
    head.reserve(bodies.iter().map(String::len).sum());
    for body in bodies {
        head.push_str(&body);
    }
    head
}

/// How a table's lines are written: its columns' widths and styles.
struct Lines<'a> {
    widths: &'a [usize],
    styles: &'a [Option<anstyle::Style>],
    color: bool,
}

impl Lines<'_> {
    /// One line into `out`: cells (with their widths) padded to their
    /// column, two spaces between, no trailing blanks.
    fn push(&self, out: &mut String, cells: &mut dyn Iterator<Item = (&str, usize)>) {
        let start = out.len();
        let n = self.widths.len();
        for (i, (c, w)) in cells.enumerate() {
            let last = i + 1 == n;
            let pad = if last {
                0
            } else {
                self.widths[i].saturating_sub(w)
            };
            match self.styles.get(i).copied().flatten() {
                // What `paint` makes of the padded cell, written in place.
                Some(s) if self.color && (!c.is_empty() || pad > 0) => {
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
    }

    /// The dim header line.
    fn header(&self, out: &mut String, headers: &[&str]) {
        let head: Vec<String> = headers.iter().map(|h| paint(DIM, h, self.color)).collect();
        self.push(
            out,
            &mut head
                .iter()
                .zip(headers)
                .map(|(painted, h)| (painted.as_str(), width(h))),
        );
    }
}

/// The standard ticket table: ID, PRI, STATUS, TYPE, MODE, ASSIGNEE, TITLE
/// (with tags). With a `width_limit` (a terminal), the title takes what the
/// other columns leave and is cut with `…`; when that would leave it under
/// [`MIN_TITLE`] columns, MODE and then ASSIGNEE are dropped first. Without
/// one (piped, `--wide`) nothing is cut.
pub fn ticket_table(rows: &[TableRow], width_limit: Option<usize>, color: bool) -> String {
    ticket_table_of(rows, |r| r.clone(), width_limit, color)
}

/// [`ticket_table`] of any items, each made a row only while it is measured
/// and while it is written: a table of 60k tickets holds its text, not every
/// row's cells (the columns' widths come from a first pass; the title, the
/// last column, is never padded, so its width is not needed).
pub fn ticket_table_of<T: Sync>(
    items: &[T],
    row: impl for<'r> Fn(&'r T) -> TableRow<'r> + Sync,
    width_limit: Option<usize>,
    color: bool,
) -> String {
    const MIN_CHUNK: usize = 4096;
    if items.is_empty() {
        return paint(DIM, "no tickets", color);
    }
    let mut headers = vec!["ID", "PRI", "STATUS", "TYPE", "MODE", "ASSIGNEE", "TITLE"];
    let mut styles = vec![Some(ID), None, None, Some(DIM), Some(DIM), None, None];
    // Every column's widest cell (header included).
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    let widest = parallel_chunks(items, MIN_CHUNK, |items| {
        let mut widest = vec![0; widths.len()];
        for item in items {
            for (m, c) in widest.iter_mut().zip(row_cells(&row(item))) {
                *m = (*m).max(width(&c));
            }
        }
        widest
    });
    for chunk in &widest {
        for (w, m) in widths.iter_mut().zip(chunk) {
            *w = (*w).max(*m);
        }
    }
    // Columns kept (by their place in a row's cells), and the title's room.
    let mut kept: Vec<usize> = (0..headers.len()).collect();
    let mut room = None;
    if let Some(limit) = width_limit {
        let title_room = |widths: &[usize]| {
            let n = widths.len();
            let fixed: usize = widths[..n - 1].iter().sum();
            limit.saturating_sub(fixed + 2 * (n - 1))
        };
        // Columns that may go, in the order they go: MODE, then ASSIGNEE.
        for drop in [4, 4] {
            if title_room(&widths) >= MIN_TITLE {
                break;
            }
            headers.remove(drop);
            styles.remove(drop);
            widths.remove(drop);
            kept.remove(drop);
        }
        room = Some(title_room(&widths).max(FLOOR_TITLE));
    }
    let lines = Lines {
        widths: &widths,
        styles: &styles,
        color,
    };
    let mut out = String::new();
    lines.header(&mut out, &headers);
    let bodies = parallel_chunks(items, MIN_CHUNK, |items| {
        let mut out = String::new();
        for item in items {
            let mut cells = row_cells(&row(item));
            let mut at = 0;
            cells.retain(|_| {
                at += 1;
                kept.contains(&(at - 1))
            });
            if let Some(room) = room
                && let Some(t) = cells.last_mut()
                && let std::borrow::Cow::Owned(cut) = fit(t, room)
            {
                *t = std::borrow::Cow::Owned(cut);
            }
            lines.push(&mut out, &mut cells.iter().map(|c| (c.as_ref(), width(c))));
        }
        out
    });
    join(out, bodies)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// [`ticket_table`] as it was before [`ticket_table_of`]: every row's cells
    /// held at once. Kept to check the lean one against.
    fn ticket_table_held(rows: &[TableRow], width_limit: Option<usize>, color: bool) -> String {
        if rows.is_empty() {
            return paint(DIM, "no tickets", color);
        }
        // Cells borrow from the rows unless escaping changed them.
        // In chunks on all cores for a big table.
        let cells = parallel_chunks(rows, 4096, |rows| {
            rows.iter().map(row_cells).collect::<Vec<_>>()
        });
        let mut rows: Vec<Vec<std::borrow::Cow<str>>> = cells.into_iter().flatten().collect();
        let mut headers = vec!["ID", "PRI", "STATUS", "TYPE", "MODE", "ASSIGNEE", "TITLE"];
        let mut styles = vec![Some(ID), None, None, Some(DIM), Some(DIM), None, None];
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
        table(&headers, &rows, &styles, color)
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

    /// The lean table is the held one, line for line: every width (none, a
    /// terminal that drops columns, one too narrow for anything), with and
    /// without colour, with escapes, wide characters, tags and long titles,
    /// and enough rows for several chunks.
    #[test]
    fn the_lean_ticket_table_is_the_held_one() {
        let titles = [
            "Short",
            "A title long enough to be cut on any terminal narrower than its own width, surely",
            "Wide 漢字タイトル with emoji 🎉 and more",
            "Escape \u{1b}[31m red",
        ];
        let tags: [&[&str]; 3] = [&[], &["db"], &["perf", "ui", "漢字"]];
        let handles: Vec<String> = (0..9000).map(|i| format!("t-{i:05x}")).collect();
        let rows: Vec<TableRow> = (0..9000)
            .map(|i| TableRow {
                handle: &handles[i],
                priority: (i % 7) as i64 - 1,
                status: ["open", "in_progress", "x\u{7}y"][i % 3],
                kind: ["bug", "feature"][i % 2],
                mode: ["afk", "hitl", ""][i % 3],
                assignee: (i % 4 == 0).then_some("somebody-with-a-long-name"),
                title: titles[i % titles.len()],
                tags: tags[i % tags.len()].to_vec(),
            })
            .collect();
        for n in [0, 1, 3, 9000] {
            for width in [None, Some(200), Some(100), Some(70), Some(40), Some(5)] {
                for color in [false, true] {
                    assert_eq!(
                        ticket_table(&rows[..n], width, color),
                        ticket_table_held(&rows[..n], width, color),
                        "{n} rows, width {width:?}, colour {color}"
                    );
                }
            }
        }
    }
}
