//! The listing family: list, ready, blocked, closed, board, search.

use clap::Args;
use docket_api::query::{self, BoardRequest, Filters, ListKind, ListRequest};
use docket_core::store::Entry;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;
use crate::render;

/// The uniform filter set (repeatable: OR within a flag, AND across flags).
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Only this type (repeatable)
    #[arg(long = "type", value_name = "TYPE", value_delimiter = ',')]
    pub kind: Vec<String>,
    /// Only this mode: afk or hitl (repeatable)
    #[arg(long, value_delimiter = ',')]
    pub mode: Vec<String>,
    /// Only tickets with this tag (repeatable)
    #[arg(long, value_delimiter = ',', add = crate::complete::tags())]
    pub tag: Vec<String>,
    /// Only this status (repeatable)
    #[arg(long, value_delimiter = ',', add = crate::complete::statuses())]
    pub status: Vec<String>,
    /// Only this assignee (repeatable)
    #[arg(long, value_delimiter = ',')]
    pub assignee: Vec<String>,
    /// Only these priorities: 1, a list 0,1 or a range 0-2 (repeatable)
    #[arg(long, value_name = "P")]
    pub priority: Vec<String>,
    /// Show at most N tickets
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

impl FilterArgs {
    /// The API's filters (checked against the config by the API); fails
    /// only on a `--priority` that is not a number or range.
    pub fn filters(&self) -> CliResult<Filters> {
        let priority = docket_core::query::parse_priorities(&self.priority)
            .map_err(docket_api::ApiError::invalid)?;
        Ok(Filters {
            types: self.kind.clone(),
            mode: self.mode.clone(),
            tag: self.tag.clone(),
            status: self.status.clone(),
            assignee: self.assignee.clone(),
            priority,
        })
    }
}

/// How a listing is ordered and shown.
#[derive(Args, Debug, Clone, Default)]
pub struct ViewArgs {
    /// Sort by FIELD[,FIELD] (priority, created, updated, closed, status, type, title, sequence, id); -FIELD descends
    #[arg(long, value_name = "FIELD[,FIELD]", allow_hyphen_values = true)]
    pub sort: Vec<String>,
    /// Never cut titles to the terminal's width (piped output is never cut)
    #[arg(long)]
    pub wide: bool,
}

impl ViewArgs {
    /// The table width: the terminal's (or `COLUMNS`), none with `--wide`.
    fn width(&self) -> Option<usize> {
        if self.wide {
            None
        } else {
            crate::output::term_width()
        }
    }
}

/// `blocked` and `closed`: the filters and the view flags.
#[derive(Args, Debug)]
pub struct QueueArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub view: ViewArgs,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub view: ViewArgs,
    /// Include tickets in terminal statuses
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct BoardArgs {
    /// Never cut titles, and list the statuses one below the other
    #[arg(long)]
    pub wide: bool,
}

#[derive(Args, Debug)]
pub struct ReadyArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub view: ViewArgs,
    /// Also list tickets already begun (in progress, in review, ...) whose deps are done
    #[arg(long)]
    pub include_started: bool,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// Words to find (all must occur, ignoring case) in titles, bodies, plans and logs
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub view: ViewArgs,
    /// Include tickets in terminal statuses
    #[arg(long)]
    pub all: bool,
}

/// A `search` result row: the ticket row plus the first matching line.
#[derive(serde::Serialize)]
struct SearchRow<'a> {
    #[serde(flatten)]
    row: render::TicketRow<'a>,
    line: &'a str,
}

/// Warn on stderr about files that could not be parsed.
fn warn_skipped(printer: &mut Printer, skipped: &[(String, String)]) {
    for (path, message) in skipped {
        printer.warn(&format!("skipping {path}: {message} (run `docket check`)"));
    }
}

/// What a listing says on stderr besides its rows: skipped and suspect files,
/// and (with `DOCKET_HOT_DEBUG`) which path answered.
fn report(
    printer: &mut Printer,
    source: &query::Source,
    skipped: &[(String, String)],
    suspect: &[(String, String)],
) {
    if std::env::var_os("DOCKET_HOT_DEBUG").is_some() {
        printer.debug(&match source {
            query::Source::Hot => "answered by the hot index".to_string(),
            query::Source::Scan(None) => "scanned the folders".to_string(),
            query::Source::Scan(Some(why)) => format!("scanned the folders ({why})"),
        });
    }
    warn_skipped(printer, skipped);
    for (path, message) in suspect {
        printer.warn(&format!(
            "{path}: {message}; changes to it are refused until fixed (run `docket check`)"
        ));
    }
}

fn request(kind: ListKind, f: &FilterArgs, v: &ViewArgs, all: bool) -> CliResult<ListRequest> {
    Ok(ListRequest {
        kind,
        filters: f.filters()?,
        all,
        limit: f.limit,
        sort: v.sort.clone(),
        ..Default::default()
    })
}

/// Run a listing and print its rows (full frontmatter rows, schema 1).
fn emit(g: &GlobalArgs, req: ListRequest, v: &ViewArgs, printer: &mut Printer) -> CliResult<u8> {
    let width = v.width();
    let cx = context::api(g)?;
    if g.json
        && matches!(
            req.kind,
            ListKind::List | ListKind::Ready | ListKind::Closed
        )
    {
        // Rows rendered once, in the API (by a hot index when one runs),
        // and printed as they are: nothing else here needs them decoded.
        query::list_json(&cx, &req, |listing| {
            report(printer, &listing.source, &listing.skipped, &listing.suspect);
            printer.success_json_rows(|w| listing.rows.write_to(w), None);
        })?;
        return Ok(0);
    }
    if !g.json
        && matches!(
            req.kind,
            ListKind::List | ListKind::Ready | ListKind::Closed
        )
    {
        // Only what the table shows, read in place from the answer.
        let t = query::list_text(&cx, &req, width, crate::output::color_on())?;
        report(printer, &t.source, &t.skipped, &t.suspect);
        printer.success(&(), None, || t.text);
        return Ok(0);
    }
    let listing = query::list(&cx, &req)?;
    report(printer, &listing.source, &listing.skipped, &listing.suspect);
    let p = &cx.project;
    let entries: Vec<&Entry> = listing.rows.iter().map(|l| &l.entry).collect();
    if req.kind == ListKind::Search {
        let rows: Vec<SearchRow> = listing
            .rows
            .iter()
            .map(|l| SearchRow {
                row: render::row(p, l),
                line: l.line.as_deref().unwrap_or(""),
            })
            .collect();
        let docs = docket_api::knowledge::doc_search(&cx, req.text.as_deref().unwrap_or(""))?;
        // Document hits ride in `meta`, so `data` stays the list of ticket rows.
        let meta = (!docs.is_empty()).then(|| serde_json::json!({ "docs": docs }));
        printer.success(&rows, meta, || {
            let mut out = if listing.rows.is_empty() && !docs.is_empty() {
                String::new()
            } else {
                render::ticket_table(p, &entries, width)
            };
            // Free text lines: escaped, then cut to the terminal like the table.
            let mut line_out = |text: String| {
                let text = render::escape_line(&text);
                match width {
                    Some(w) => out.push_str(&render::fit(&text, w)),
                    None => out.push_str(&text),
                }
                out.push('\n');
            };
            if !listing.rows.is_empty() {
                line_out(String::new());
                for l in &listing.rows {
                    let line = l.line.as_deref().unwrap_or("");
                    line_out(format!("{}: {line}", l.entry.meta.id));
                }
            }
            if !docs.is_empty() {
                line_out(String::new());
                line_out("Documents:".into());
                for d in &docs {
                    line_out(format!("  {} ({}): {}", d.slug, d.title, d.line));
                }
            }
            out
        });
        return Ok(0);
    }
    // JSON rows only for JSON: the human table reads the entries directly.
    let rows: Vec<render::TicketRow> = if g.json {
        listing.rows.iter().map(|l| render::row(p, l)).collect()
    } else {
        Vec::new()
    };
    let missing = if req.kind == ListKind::Blocked {
        docket_api::graph::missing_among(p, &entries)
    } else {
        Vec::new()
    };
    // Which blocked tickets wait on ids no ticket has: in `meta`, so `data`
    // stays the list of rows.
    let meta = (!missing.is_empty()).then(|| {
        let map: serde_json::Map<String, serde_json::Value> = missing
            .iter()
            .map(|(id, m)| (id.clone(), serde_json::json!(m)))
            .collect();
        serde_json::json!({ "missing_deps": map })
    });
    let shorts = listing.rows.iter().map(|l| l.short.clone()).collect();
    printer.success(&rows, meta, || {
        let mut out = render::ticket_table_with(&entries, shorts, width);
        if !missing.is_empty() {
            out.push_str("\nWaiting on ids no ticket has (forward references):\n");
            for (id, _) in &missing {
                let deps = entries
                    .iter()
                    .find(|e| e.meta.id == *id)
                    .map(|e| render::mark_missing(p, &e.meta.deps))
                    .unwrap_or_default();
                out.push_str(&format!("  {id} waits on {}\n", deps.join(", ")));
            }
        }
        out
    });
    // The process ends right after: freeing tens of thousands of small
    // allocations one by one would cost more than building them.
    std::mem::forget(rows);
    std::mem::forget(listing);
    Ok(0)
}

pub fn search(g: &GlobalArgs, a: SearchArgs, printer: &mut Printer) -> CliResult<u8> {
    let mut req = request(ListKind::Search, &a.filter, &a.view, a.all)?;
    req.text = Some(a.text.join(" "));
    emit(g, req, &a.view, printer)
}

pub fn list(g: &GlobalArgs, a: ListArgs, printer: &mut Printer) -> CliResult<u8> {
    let req = request(ListKind::List, &a.filter, &a.view, a.all)?;
    emit(g, req, &a.view, printer)
}

pub fn ready(g: &GlobalArgs, a: ReadyArgs, printer: &mut Printer) -> CliResult<u8> {
    let mut req = request(ListKind::Ready, &a.filter, &a.view, false)?;
    req.include_started = a.include_started;
    emit(g, req, &a.view, printer)
}

pub fn blocked(g: &GlobalArgs, a: QueueArgs, printer: &mut Printer) -> CliResult<u8> {
    let req = request(ListKind::Blocked, &a.filter, &a.view, false)?;
    emit(g, req, &a.view, printer)
}

pub fn closed(g: &GlobalArgs, a: QueueArgs, printer: &mut Printer) -> CliResult<u8> {
    let req = request(ListKind::Closed, &a.filter, &a.view, false)?;
    emit(g, req, &a.view, printer)
}

pub fn board(g: &GlobalArgs, a: BoardArgs, printer: &mut Printer) -> CliResult<u8> {
    let width = if a.wide {
        None
    } else {
        crate::output::term_width()
    };
    print_board(&context::api(g)?, width, printer)
}

/// The board as JSON (`{status: [rows]}` in workflow order) or text, side by
/// side when `width` (a terminal's) allows.
pub fn print_board(
    cx: &docket_api::Context,
    width: Option<usize>,
    printer: &mut Printer,
) -> CliResult<u8> {
    let board = query::board(cx, &BoardRequest::default())?;
    warn_skipped(printer, &board.skipped);
    let p = &cx.project;
    if printer.json {
        printer.success(&BoardJson(p, &board.columns), None, String::new);
    } else {
        printer.success(&(), None, || render::board(p, &board.columns, width));
    }
    Ok(0)
}

/// The board's JSON, `{status: [rows]}` in workflow order, streamed from the
/// columns (no intermediate JSON tree).
struct BoardJson<'a>(&'a docket_core::Project, &'a [query::Column]);

impl serde::Serialize for BoardJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        /// One column's rows, rendered as they are written.
        struct Rows<'a>(&'a docket_core::Project, &'a [docket_api::view::Listed]);
        impl serde::Serialize for Rows<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.1.len()))?;
                for l in self.1 {
                    seq.serialize_element(&render::row(self.0, l))?;
                }
                seq.end()
            }
        }
        let mut map = s.serialize_map(Some(self.1.len()))?;
        for col in self.1 {
            map.serialize_entry(&col.status, &Rows(self.0, &col.rows))?;
        }
        map.end()
    }
}
