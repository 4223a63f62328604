//! The query family: list, ready, blocked, closed, search and the board. Every
//! listing filters the same way (OR within a field, AND across fields) and pages
//! the same way (a limit and an opaque cursor).

use docket_core::graph::Graph;
use docket_core::query::{self, Filter};
use docket_core::store::{Entry, Scan};
use docket_core::{Error, Project};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::view::Listed;

/// Which listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Open tickets in board order (`all`: closed too).
    #[default]
    List,
    /// Can be picked up now: not begun, every dependency done, by priority.
    Ready,
    /// Open, waiting on an open or missing dependency.
    Blocked,
    /// Closed, most recently closed first.
    Closed,
    /// Every word of `text` occurs in title, body, plan or log.
    Search,
}

/// The uniform filters: OR within a field, AND across fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    #[serde(default, rename = "type")]
    pub types: Vec<String>,
    #[serde(default)]
    pub mode: Vec<String>,
    #[serde(default)]
    pub tag: Vec<String>,
    #[serde(default)]
    pub status: Vec<String>,
    #[serde(default)]
    pub assignee: Vec<String>,
    /// Only these priorities (0 highest .. 4).
    #[serde(default)]
    pub priority: Vec<i64>,
}

impl Filters {
    /// The core filter, with values checked against the project's config.
    pub fn to_filter(&self, p: &Project) -> ApiResult<Filter> {
        let f = Filter {
            types: self.types.clone(),
            modes: self.mode.clone(),
            tags: self.tag.clone(),
            statuses: self.status.clone(),
            assignees: self.assignee.clone(),
            priorities: self.priority.clone(),
        };
        f.validate(&p.config).map_err(ApiError::invalid)?;
        Ok(f)
    }
}

/// A listing request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ListRequest {
    #[serde(default)]
    pub kind: ListKind,
    #[serde(flatten)]
    pub filters: Filters,
    /// list, search: include closed tickets.
    #[serde(default)]
    pub all: bool,
    /// ready: also tickets already begun (the old view: open with deps done).
    #[serde(default)]
    pub include_started: bool,
    /// search: the words.
    #[serde(default)]
    pub text: Option<String>,
    /// At most this many rows (faces set their own default).
    #[serde(default)]
    pub limit: Option<usize>,
    /// From a previous page's `next_cursor`.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Sort fields (`-priority`: descending); ties keep the listing's own order. Fields: priority, created, updated, closed, status, type, title, sequence, id.
    #[serde(default)]
    pub sort: Vec<String>,
}

/// The request's sort keys, or an `invalid_argument` naming the valid fields.
pub fn sort_keys(req: &ListRequest) -> ApiResult<Vec<query::SortKey>> {
    query::parse_sort(&req.sort).map_err(|m| {
        let mut e = ApiError::invalid(m);
        e.details.insert("field".into(), "sort".into());
        e.details
            .insert("allowed".into(), query::SORT_FIELDS.into());
        e
    })
}

/// A page of listed tickets.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub rows: Vec<Listed>,
    /// How many matched before paging.
    pub total: usize,
    pub next_cursor: Option<String>,
    /// Files that could not be parsed and were skipped (path, message).
    pub skipped: Vec<(String, String)>,
    /// Listed files whose identity is in doubt (path, message): a duplicate
    /// id or a name/frontmatter id mismatch. Shown, but mutations refuse.
    pub suspect: Vec<(String, String)>,
    /// Which path answered.
    pub source: Source,
}

/// A [`Listing`] whose rows are JSON ([`crate::view::ListRow`]),
/// comma-separated: what a face that prints JSON needs. A hot index sends
/// them rendered, without any row being decoded; a scan renders them as they
/// are written, so 60k rows are never held whole.
#[derive(Debug)]
pub struct JsonListing<'a> {
    pub rows: JsonRows<'a>,
    /// How many rows `rows` holds.
    pub count: usize,
    pub total: usize,
    pub next_cursor: Option<String>,
    pub skipped: Vec<(String, String)>,
    pub suspect: Vec<(String, String)>,
    pub source: Source,
}

/// The rows of a [`JsonListing`].
pub enum JsonRows<'a> {
    /// Already rendered (a hot index's reply, read in place).
    Rendered(std::borrow::Cow<'a, str>),
    /// A scan's page, rendered as it is written.
    Page(&'a Project, Vec<PageRow<'a>>),
}

impl std::fmt::Debug for JsonRows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonRows::Rendered(s) => f.debug_tuple("Rendered").field(&s.len()).finish(),
            JsonRows::Page(_, rows) => f.debug_tuple("Page").field(&rows.len()).finish(),
        }
    }
}

impl JsonRows<'_> {
    /// Write the rows (the inside of a JSON array) to `w`.
    pub fn write_to(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        match self {
            JsonRows::Rendered(s) => w.write_all(s.as_bytes()),
            JsonRows::Page(p, rows) => crate::view::write_rows_json(p, rows, page_row_fields, w),
        }
    }

    /// The rows as one string (what a hot index sends).
    pub fn into_string(self) -> String {
        match self {
            JsonRows::Rendered(s) => s.into_owned(),
            JsonRows::Page(_, ref rows) => {
                // About 340 bytes a row at 100k tickets: room for most pages
                // at once (capacity never written costs no memory; growing by
                // doubling would copy 29 MB).
                let mut out = Vec::with_capacity(rows.len().saturating_mul(512));
                // Writing into a Vec cannot fail.
                let _ = self.write_to(&mut out);
                // serde_json writes UTF-8 only.
                String::from_utf8(out)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            }
        }
    }
}

/// What a page row's JSON is made of.
fn page_row_fields<'a>(
    r: &'a PageRow<'_>,
) -> (&'a docket_core::ticket::Meta, &'a str, &'a std::path::Path) {
    (&r.entry.meta, r.short.as_str(), &r.entry.path)
}

/// Duplicate ids and name/id mismatches among the scanned files.
fn suspect(p: &Project, scan: &Scan) -> Vec<(String, String)> {
    let mut seen: foldhash::HashMap<&str, &std::path::Path> = foldhash::HashMap::default();
    seen.reserve(scan.entries.len());
    let mut out = Vec::new();
    for e in &scan.entries {
        let file_id = docket_core::store::id_from_file_name(docket_core::store::name_in(&e.path))
            .unwrap_or("");
        if file_id != e.meta.id {
            out.push((
                p.display_path(&e.path),
                format!(
                    "named for `{file_id}` but its frontmatter id is `{}` (id_mismatch)",
                    e.meta.id
                ),
            ));
        }
        if let Some(other) = seen.insert(e.meta.id.as_str(), e.path.as_path()) {
            out.push((
                p.display_path(&e.path),
                format!(
                    "id `{}` is also held by {} (duplicate_id)",
                    e.meta.id,
                    p.display_path(other)
                ),
            ));
        }
    }
    out
}

fn skipped(p: &Project, scan: &Scan) -> Vec<(String, String)> {
    scan.failures
        .iter()
        .map(|f| (p.display_path(&f.path), f.failure.message.clone()))
        .collect()
}

/// Filtered tickets in board order; terminal ones only with `all` or a status
/// filter.
fn in_board_order<'a>(p: &Project, scan: &'a Scan, filter: &Filter, all: bool) -> Vec<&'a Entry> {
    let include_terminal = all || !filter.statuses.is_empty();
    let mut picked: Vec<&Entry> = scan
        .entries
        .iter()
        .filter(|e| include_terminal || !p.config.is_terminal(&e.meta.status))
        .filter(|e| filter.matches(&e.meta))
        .collect();
    // `query::by_board_order`, with each status's position looked up once per
    // ticket instead of twice per comparison.
    let pos = |s: &str| {
        p.config
            .workflow
            .statuses
            .iter()
            .position(|x| x == s)
            .unwrap_or(usize::MAX)
    };
    let mut keyed: Vec<(usize, &Entry)> =
        picked.drain(..).map(|e| (pos(&e.meta.status), e)).collect();
    // A total order (it ends on the id), so an unstable sort gives the same
    // result, faster.
    keyed.sort_unstable_by(|(pa, a), (pb, b)| {
        pa.cmp(pb)
            .then_with(|| query::by_priority_then_oldest(&a.meta, &b.meta))
    });
    picked.extend(keyed.into_iter().map(|(_, e)| e));
    picked
}

pub(crate) fn parse_cursor(c: Option<&str>) -> ApiResult<usize> {
    match c {
        None | Some("") => Ok(0),
        Some(s) => s.parse::<usize>().map_err(|_| {
            ApiError::invalid(format!(
                "bad cursor `{s}`: pass a previous page's next_cursor"
            ))
        }),
    }
}

/// Run a listing: answered by the hot index when the context allows it and
/// a current one answers (see [`crate::hot`]), else by scanning the folders.
pub fn list(cx: &Context, req: &ListRequest) -> ApiResult<Listing> {
    let checked = check(cx, req)?;
    let mut why_scan = None;
    if cx.hot_index && req.kind != ListKind::Search {
        match crate::hot::list(&cx.project, req, &checked.claimed) {
            Ok(listing) => return Ok(listing),
            Err(why) => why_scan = Some(why),
        }
    }
    scan_list(cx, req, checked, why_scan)
}

/// [`list`] with its rows as JSON, handed to `show` (a scan's rows borrow
/// from it, which lives only for this call): a hot index sends them ready,
/// so a large listing is printed without decoding a row, and a scan's are
/// rendered as they are written.
pub fn list_json<R>(
    cx: &Context,
    req: &ListRequest,
    show: impl FnOnce(JsonListing<'_>) -> R,
) -> ApiResult<R> {
    let checked = check(cx, req)?;
    let mut why_scan = None;
    if cx.hot_index && req.kind != ListKind::Search {
        let bytes = crate::hot::ask(&cx.project, req, &checked.claimed, crate::hot::Form::Json);
        match bytes {
            Ok(bytes) => match crate::hot::json_listing(&bytes) {
                Ok(listing) => return Ok(show(listing)),
                Err(why) => why_scan = Some(why),
            },
            Err(why) => why_scan = Some(why),
        }
    }
    scan_page(cx, req, checked, |page| {
        let mut json = page.into_json(&cx.project);
        json.source = Source::Scan(why_scan);
        show(json)
    })
}

/// A listing as the human ticket table's text ([`crate::text::ticket_table`]).
#[derive(Debug)]
pub struct TextListing {
    pub text: String,
    pub total: usize,
    pub next_cursor: Option<String>,
    pub skipped: Vec<(String, String)>,
    pub suspect: Vec<(String, String)>,
    pub source: Source,
}

/// [`list`] as the human table, laid out for `width` columns (`None`: never
/// cut) with or without colour: a hot index sends it laid out, so a large
/// table is printed as it came; a scan lays it out here, the same way.
pub fn list_text(
    cx: &Context,
    req: &ListRequest,
    width: Option<usize>,
    color: bool,
) -> ApiResult<TextListing> {
    let checked = check(cx, req)?;
    let mut why_scan = None;
    if cx.hot_index && req.kind != ListKind::Search {
        let form = crate::hot::Form::Text {
            width: width.map(|w| u32::try_from(w).unwrap_or(u32::MAX)),
            color,
        };
        let bytes = crate::hot::ask(&cx.project, req, &checked.claimed, form);
        match bytes.and_then(|b| crate::hot::decode(&b).map(crate::hot::HotReply::into_owned)) {
            Ok(crate::hot::HotReply::Text(t)) => {
                return Ok(TextListing {
                    text: t.text,
                    total: usize::try_from(t.total).unwrap_or(usize::MAX),
                    next_cursor: t.next_cursor,
                    skipped: t.skipped,
                    suspect: t.suspect,
                    source: Source::Hot,
                });
            }
            Ok(_) => why_scan = Some("hot index: a reply of another form".to_string()),
            Err(why) => why_scan = Some(why),
        }
    }
    scan_page(cx, req, checked, |page| TextListing {
        text: page.table(width, color),
        total: page.total,
        next_cursor: page.next_cursor,
        skipped: page.skipped,
        suspect: page.suspect,
        source: Source::Scan(why_scan),
    })
}

/// A listing request checked against the config, with the ids `ready`
/// leaves out.
fn check(cx: &Context, req: &ListRequest) -> ApiResult<Checked> {
    let p = &cx.project;
    let filter = req.filters.to_filter(p)?;
    let offset = parse_cursor(req.cursor.as_deref())?;
    let keys = sort_keys(req)?;
    if req.kind == ListKind::Search && req.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(ApiError::invalid(
            "give at least one word to search for (`text`)",
        ));
    }
    // Claimed elsewhere (another worktree may not show the move yet): judged
    // by this caller, with its own clock, whoever answers.
    let claimed = if req.kind == ListKind::Ready && !req.include_started {
        docket_core::claims::live_ids(p)
    } else {
        Default::default()
    };
    Ok(Checked {
        filter,
        keys,
        offset,
        claimed,
    })
}

/// A listing by scanning the folders.
fn scan_list(
    cx: &Context,
    req: &ListRequest,
    checked: Checked,
    why_scan: Option<String>,
) -> ApiResult<Listing> {
    scan_page(cx, req, checked, |page| {
        let mut listing = page.into_listing();
        listing.source = Source::Scan(why_scan);
        listing
    })
}

/// Scan the folders and hand the page, borrowed from the scan, to `f`.
fn scan_page<R>(
    cx: &Context,
    req: &ListRequest,
    checked: Checked,
    f: impl FnOnce(Page<'_>) -> R,
) -> ApiResult<R> {
    let p = &cx.project;
    let scan = p.scan()?;
    // Every ticket file's id, from the scan's file names (what `short_ids`
    // would list the folders again for), sorted on another thread while the
    // page is picked: handles are the last thing a page needs.
    Ok(std::thread::scope(|s| {
        let sort = || docket_core::id::sorted_unique(scan.file_ids());
        // A thread costs more than sorting a small project's ids.
        let sorting = std::cell::Cell::new((scan.entries.len() >= 4096).then(|| s.spawn(sort)));
        let sorted = std::cell::OnceCell::new();
        let shorts = |ids: &[&str]| {
            let all: &Vec<&str> = sorted.get_or_init(|| match sorting.take() {
                Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                None => sort(),
            });
            crate::view::short_ids_in_sorted(all, ids)
        };
        f(page_in(p, &scan, req, &checked, &shorts))
    }))
}

/// Which path answered a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The folders were scanned; when the hot index was asked first, why it
    /// did not answer.
    Scan(Option<String>),
    /// A current hot index answered.
    Hot,
}

impl Default for Source {
    fn default() -> Self {
        Source::Scan(None)
    }
}

/// What a listing request becomes once checked against the config, plus the
/// claimed ids `ready` leaves out.
pub struct Checked {
    pub filter: Filter,
    pub keys: Vec<query::SortKey>,
    pub offset: usize,
    pub claimed: std::collections::HashSet<String>,
}

/// One row of a [`Page`]: the entry stays in the scan.
pub struct PageRow<'a> {
    pub entry: &'a Entry,
    pub short: String,
    pub blocked: bool,
    pub line: Option<String>,
}

/// A listing whose rows borrow the scan's entries: rendered as they are
/// (JSON, a table) without copying 60k frontmatters first.
pub struct Page<'a> {
    pub rows: Vec<PageRow<'a>>,
    pub total: usize,
    pub next_cursor: Option<String>,
    pub skipped: Vec<(String, String)>,
    pub suspect: Vec<(String, String)>,
}

impl<'a> Page<'a> {
    /// The page as the human ticket table: what a scan and a hot index both
    /// print, so they cannot disagree.
    pub fn table(&self, width: Option<usize>, color: bool) -> String {
        crate::text::ticket_table_of(
            &self.rows,
            |r| crate::view::TableRow::of(&r.entry.meta, &r.short),
            width,
            color,
        )
    }

    /// The owned [`Listing`] (each row's entry copied out of the scan).
    pub fn into_listing(self) -> Listing {
        Listing {
            rows: self
                .rows
                .into_iter()
                .map(|r| Listed {
                    entry: r.entry.clone(),
                    short: r.short,
                    blocked: r.blocked,
                    line: r.line,
                })
                .collect(),
            total: self.total,
            next_cursor: self.next_cursor,
            skipped: self.skipped,
            suspect: self.suspect,
            source: Source::default(),
        }
    }

    /// The page as rendered JSON rows.
    pub fn into_json(self, p: &'a Project) -> JsonListing<'a> {
        JsonListing {
            count: self.rows.len(),
            rows: JsonRows::Page(p, self.rows),
            total: self.total,
            next_cursor: self.next_cursor,
            skipped: self.skipped,
            suspect: self.suspect,
            source: Source::default(),
        }
    }
}

/// A listing over an already loaded scan: the one implementation the scan and
/// the hot index both run, so they cannot disagree. `shorts` gives the
/// shortest unique prefixes of the page's ids over every ticket file.
pub fn list_in(
    p: &Project,
    scan: &Scan,
    req: &ListRequest,
    checked: &Checked,
    shorts: &dyn Fn(&[&str]) -> Vec<String>,
) -> Listing {
    page_in(p, scan, req, checked, shorts).into_listing()
}

/// [`list_in`] with the rows borrowed from `scan`.
pub fn page_in<'a>(
    p: &Project,
    scan: &'a Scan,
    req: &ListRequest,
    checked: &Checked,
    shorts: &dyn Fn(&[&str]) -> Vec<String>,
) -> Page<'a> {
    let Checked {
        filter,
        keys,
        offset,
        claimed,
    } = checked;
    let offset = *offset;
    let graph = Graph::new(&scan.entries, &p.config);
    let mut lines: Vec<Option<String>> = Vec::new();
    let mut picked: Vec<&Entry> = match req.kind {
        ListKind::List => in_board_order(p, scan, filter, req.all),
        ListKind::Search => {
            let candidates = in_board_order(p, scan, filter, req.all);
            let mut hits = query::search(&candidates, req.text.as_deref().unwrap_or(""));
            // Sorted here so each hit keeps its matching line.
            query::sort_by_keys(&mut hits, |h| h.entry, keys, &p.config);
            lines = hits.iter().map(|h| Some(h.line.clone())).collect();
            hits.iter().map(|h| h.entry).collect()
        }
        ListKind::Ready | ListKind::Blocked => {
            let mut v: Vec<&Entry> = scan
                .entries
                .iter()
                .filter(|e| filter.matches(&e.meta))
                .filter(|e| match req.kind {
                    ListKind::Ready if req.include_started => graph.is_ready(e),
                    ListKind::Ready => {
                        graph.is_pickable(e) && !claimed.contains(e.meta.id.as_str())
                    }
                    _ => graph.is_blocked(e),
                })
                .collect();
            v.sort_by(|x, y| query::by_priority_then_oldest(&x.meta, &y.meta));
            v
        }
        ListKind::Closed => {
            let mut v: Vec<&Entry> = scan
                .entries
                .iter()
                .filter(|e| p.config.is_terminal(&e.meta.status) && filter.matches(&e.meta))
                .collect();
            v.sort_by(|x, y| query::by_closed_desc(&x.meta, &y.meta));
            v
        }
    };
    if req.kind != ListKind::Search {
        query::sort_by_keys(&mut picked, |e| *e, keys, &p.config);
    }
    let total = picked.len();
    let end = match req.limit {
        Some(n) => offset.saturating_add(n).min(total),
        None => total,
    };
    let start = offset.min(total);
    let page = &picked[start..end];
    let ids: Vec<&str> = page.iter().map(|e| e.meta.id.as_str()).collect();
    let shorts = shorts(&ids);
    let rows = page
        .iter()
        .zip(shorts)
        .enumerate()
        .map(|(i, (e, short))| PageRow {
            entry: e,
            short,
            blocked: graph.is_blocked(e),
            line: lines.get(start + i).cloned().flatten(),
        })
        .collect();
    Page {
        rows,
        total,
        next_cursor: (end < total).then(|| end.to_string()),
        skipped: skipped(p, scan),
        suspect: suspect(p, scan),
    }
}

/// One board column.
#[derive(Debug, Clone)]
pub struct Column {
    pub status: String,
    /// Cards in stage order: sequence (unnumbered last), priority, oldest;
    /// terminal columns by priority, then oldest (at most `per_column`).
    pub rows: Vec<Listed>,
    /// Cards in the column in all.
    pub total: usize,
}

/// Every status with its tickets, in workflow order.
#[derive(Debug, Clone)]
pub struct Board {
    pub columns: Vec<Column>,
    pub skipped: Vec<(String, String)>,
}

/// The board request: filters, and an optional cap per column.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct BoardRequest {
    #[serde(flatten)]
    pub filters: Filters,
    /// At most this many cards per column.
    #[serde(default)]
    pub per_column: Option<usize>,
}

/// The board.
pub fn board(cx: &Context, req: &BoardRequest) -> ApiResult<Board> {
    let p = &cx.project;
    let filter = req.filters.to_filter(p)?;
    let scan = p.scan()?;
    let graph = Graph::new(&scan.entries, &p.config);
    // Handles over every ticket file, computed once for all columns (from
    // the scan's names: no second folder listing).
    let all = scan.file_ids();
    let handles: std::collections::HashMap<&str, String> = all
        .iter()
        .copied()
        .zip(docket_core::id::shortest_unique_prefixes(&all, 4))
        .collect();
    let mut columns = Vec::new();
    for status in &p.config.workflow.statuses {
        let mut col: Vec<&Entry> = scan
            .entries
            .iter()
            .filter(|e| e.meta.status == status && filter.matches(&e.meta))
            .collect();
        // Terminal columns (often the longest) keep priority order.
        let terminal = p.config.is_terminal(status);
        let seq = |e: &Entry| if terminal { None } else { e.sequence };
        col.sort_by(|a, b| query::by_stage_order((&a.meta, seq(a)), (&b.meta, seq(b))));
        let total = col.len();
        if let Some(n) = req.per_column {
            col.truncate(n);
        }
        let rows = col
            .iter()
            .map(|e| Listed {
                entry: (*e).clone(),
                short: handles
                    .get(e.meta.id.as_str())
                    .cloned()
                    .unwrap_or_else(|| e.meta.id.to_string()),
                blocked: graph.is_blocked(e),
                line: None,
            })
            .collect();
        columns.push(Column {
            status: status.clone(),
            rows,
            total,
        });
    }
    Ok(Board {
        columns,
        skipped: skipped(p, &scan),
    })
}

/// Guard against an empty id before touching the disk.
pub(crate) fn need_id(id: &str) -> ApiResult<&str> {
    if id.trim().is_empty() {
        return Err(Error::invalid("`id` must not be empty").into());
    }
    Ok(id)
}
