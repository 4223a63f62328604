//! The listing family: list, ready, blocked, closed, board, search.

use clap::Args;
use docket_core::graph::Graph;
use docket_core::query::{self, Filter};
use docket_core::store::{Entry, Scan};
use docket_core::{Error, Project};

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
    #[arg(long, value_delimiter = ',')]
    pub tag: Vec<String>,
    /// Only this status (repeatable)
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// Only this assignee (repeatable)
    #[arg(long, value_delimiter = ',')]
    pub assignee: Vec<String>,
    /// Show at most N tickets
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

impl FilterArgs {
    /// The core filter, with values checked against the config.
    pub fn filter(&self, p: &Project) -> Result<Filter, Error> {
        let f = Filter {
            types: self.kind.clone(),
            modes: self.mode.clone(),
            tags: self.tag.clone(),
            statuses: self.status.clone(),
            assignees: self.assignee.clone(),
        };
        f.validate(&p.config).map_err(Error::invalid)?;
        Ok(f)
    }
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Include tickets in terminal statuses
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct BoardArgs {}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// Words to find (all must occur, ignoring case) in titles, bodies, plans and logs
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
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

pub fn search(g: &GlobalArgs, a: SearchArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let filter = a.filter.filter(&p)?;
    let text = a.text.join(" ");
    if text.trim().is_empty() {
        return Err(Error::invalid("give at least one word to search for").into());
    }
    let scan = scan(&p, printer)?;
    let candidates = in_board_order(&p, &scan, &filter, a.all);
    let mut hits = query::search(&candidates, &text);
    if let Some(n) = a.filter.limit {
        hits.truncate(n);
    }
    let rows: Vec<SearchRow> = hits
        .iter()
        .map(|h| SearchRow {
            row: render::row(&p, h.entry),
            line: &h.line,
        })
        .collect();
    printer.success(&rows, None, || {
        let entries: Vec<&Entry> = hits.iter().map(|h| h.entry).collect();
        let mut out = render::ticket_table(&p, &entries);
        if !hits.is_empty() {
            out.push('\n');
            for h in &hits {
                out.push_str(&format!("{}: {}\n", h.entry.meta.id, h.line));
            }
        }
        out
    });
    Ok(0)
}

/// Scan the project, warning on stderr about files that cannot be parsed.
pub fn scan(p: &Project, printer: &mut Printer) -> Result<Scan, Error> {
    let scan = p.scan()?;
    for f in &scan.failures {
        printer.warn(&format!(
            "skipping {}: {} (run `docket check`)",
            p.display_path(&f.path),
            f.failure.message
        ));
    }
    Ok(scan)
}

fn emit(p: &Project, printer: &mut Printer, mut picked: Vec<&Entry>, limit: Option<usize>) {
    if let Some(n) = limit {
        picked.truncate(n);
    }
    let rows: Vec<render::TicketRow> = picked.iter().map(|e| render::row(p, e)).collect();
    printer.success(&rows, None, || render::ticket_table(p, &picked));
}

/// Filtered tickets in board order; terminal ones only with `all` or a
/// `--status` filter (shared by `list` and `search`).
fn in_board_order<'a>(p: &Project, scan: &'a Scan, filter: &Filter, all: bool) -> Vec<&'a Entry> {
    let include_terminal = all || !filter.statuses.is_empty();
    let mut picked: Vec<&Entry> = scan
        .entries
        .iter()
        .filter(|e| include_terminal || !p.config.is_terminal(&e.meta.status))
        .filter(|e| filter.matches(&e.meta))
        .collect();
    let order = query::by_board_order(&p.config);
    picked.sort_by(|a, b| order(a, b));
    picked
}

pub fn list(g: &GlobalArgs, a: ListArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let filter = a.filter.filter(&p)?;
    let scan = scan(&p, printer)?;
    let picked = in_board_order(&p, &scan, &filter, a.all);
    emit(&p, printer, picked, a.filter.limit);
    Ok(0)
}

fn graph_listing(
    g: &GlobalArgs,
    a: FilterArgs,
    printer: &mut Printer,
    pick: fn(&Graph, &Entry) -> bool,
) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let filter = a.filter(&p)?;
    let scan = scan(&p, printer)?;
    let graph = Graph::new(&scan.entries, &p.config);
    let mut picked: Vec<&Entry> = scan
        .entries
        .iter()
        .filter(|e| filter.matches(&e.meta) && pick(&graph, e))
        .collect();
    picked.sort_by(|x, y| query::by_priority_then_newest(&x.meta, &y.meta));
    emit(&p, printer, picked, a.limit);
    Ok(0)
}

pub fn ready(g: &GlobalArgs, a: FilterArgs, printer: &mut Printer) -> CliResult<u8> {
    graph_listing(g, a, printer, |g, e| g.is_ready(e))
}

pub fn blocked(g: &GlobalArgs, a: FilterArgs, printer: &mut Printer) -> CliResult<u8> {
    graph_listing(g, a, printer, |g, e| g.is_blocked(e))
}

pub fn closed(g: &GlobalArgs, a: FilterArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let filter = a.filter(&p)?;
    let scan = scan(&p, printer)?;
    let mut picked: Vec<&Entry> = scan
        .entries
        .iter()
        .filter(|e| p.config.is_terminal(&e.meta.status) && filter.matches(&e.meta))
        .collect();
    picked.sort_by(|x, y| query::by_closed_desc(&x.meta, &y.meta));
    emit(&p, printer, picked, a.limit);
    Ok(0)
}

pub fn board(g: &GlobalArgs, _a: BoardArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let scan = scan(&p, printer)?;
    print_board(&p, &scan.entries, printer);
    Ok(0)
}

/// The board as JSON (`{status: [rows]}` in workflow order) or text.
pub fn print_board(p: &Project, entries: &[Entry], printer: &mut Printer) {
    let mut columns = serde_json::Map::new();
    for status in &p.config.workflow.statuses {
        let mut col: Vec<&Entry> = entries
            .iter()
            .filter(|e| &e.meta.status == status)
            .collect();
        col.sort_by(|a, b| query::by_priority_then_newest(&a.meta, &b.meta));
        let rows: Vec<render::TicketRow> = col.iter().map(|e| render::row(p, e)).collect();
        columns.insert(
            status.clone(),
            serde_json::to_value(rows).unwrap_or_default(),
        );
    }
    printer.success(&columns, None, || render::board(p, entries));
}
