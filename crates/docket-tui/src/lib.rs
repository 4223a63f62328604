//! `docket monitor`: a read-only terminal dashboard over docket's typed API.
//!
//! The screen is a pure function of a [`Snapshot`] (loaded through
//! `docket_api` only) and the [`App`] state (selection, filter, overlays), so
//! it is unit-tested with ratatui's `TestBackend`. The loop in [`run`] reloads
//! the snapshot when a file under `.docket/` changes (notify) and every 5 s
//! (the rescan that backs the watcher), and restores the terminal on exit,
//! panic (ratatui's hook) or SIGTERM/SIGHUP/SIGINT.

// `ApiError` is the API's error type for every face (see docket-api).
#![allow(clippy::result_large_err)]

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use docket_api::insight::{ActivityRequest, StatsRequest};
use docket_api::query::BoardRequest;
use docket_api::tickets::ShowRequest;
use docket_api::view::Compact;
use docket_api::{ApiResult, Context};
use docket_core::insight::{Activity, Stats};
use docket_core::runner::InFlight;
use ratatui::Frame;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

/// How often the snapshot is reloaded without a file event.
pub const RESCAN: Duration = Duration::from_secs(5);

/// The narrowest a board column may get before columns scroll instead.
const MIN_COLUMN: u16 = 22;

/// One card on the board.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub id: String,
    pub short: String,
    pub title: String,
    pub assignee: Option<String>,
    pub priority: i64,
    pub updated: String,
    pub blocked: bool,
}

/// One board column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub status: String,
    pub cards: Vec<Card>,
}

/// Everything the screen shows, read through the API in one go.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub project: String,
    pub now: String,
    pub active: String,
    pub columns: Vec<Column>,
    pub stats: Option<Stats>,
    pub activity: Vec<Activity>,
    pub run: Option<InFlight>,
    /// A load error (shown in the header; the last good data stays).
    pub error: Option<String>,
}

/// Read the snapshot through the API.
pub fn load(cx: &Context) -> ApiResult<Snapshot> {
    let board = docket_api::query::board(cx, &BoardRequest::default())?;
    let columns = board
        .columns
        .into_iter()
        .map(|c| Column {
            status: c.status,
            cards: c
                .rows
                .into_iter()
                .map(|l| Card {
                    id: l.entry.meta.id.to_string(),
                    short: l.short.clone(),
                    title: l.entry.meta.title.clone(),
                    assignee: l.entry.meta.assignee.clone().map(String::from),
                    priority: l.entry.meta.priority,
                    updated: l.entry.meta.updated.to_string(),
                    blocked: l.blocked,
                })
                .collect(),
        })
        .collect();
    let stats = docket_api::insight::stats(cx, &StatsRequest::default()).ok();
    let activity = docket_api::insight::activity(
        cx,
        &ActivityRequest {
            limit: Some(40),
            window: None,
        },
    )?;
    Ok(Snapshot {
        project: cx
            .project
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        now: docket_core::ops::format_ts(cx.now),
        active: cx.project.config.workflow.active.clone(),
        columns,
        stats,
        activity,
        run: docket_api::insight::current_run(cx),
        error: None,
    })
}

/// Which overlay is open.
#[derive(Debug, Clone)]
pub enum Overlay {
    None,
    Help,
    /// A ticket's compact view.
    Detail(Box<Compact>),
    /// Typing a filter.
    Filter,
}

/// The interactive state: selection, filter, overlay.
#[derive(Debug, Clone)]
pub struct App {
    pub snap: Snapshot,
    pub col: usize,
    pub row: usize,
    pub filter: String,
    pub overlay: Overlay,
    pub quit: bool,
}

/// What a key asks the loop to do beyond changing the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    /// Load this ticket's detail.
    Open(String),
}

impl App {
    pub fn new(snap: Snapshot) -> App {
        App {
            snap,
            col: 0,
            row: 0,
            filter: String::new(),
            overlay: Overlay::None,
            quit: false,
        }
    }

    /// The cards of a column that pass the filter.
    pub fn visible(&self, col: usize) -> Vec<&Card> {
        let f = self.filter.to_lowercase();
        self.snap
            .columns
            .get(col)
            .map(|c| {
                c.cards
                    .iter()
                    .filter(|k| {
                        f.is_empty()
                            || k.title.to_lowercase().contains(&f)
                            || k.id.to_lowercase().contains(&f)
                            || k.assignee
                                .as_deref()
                                .is_some_and(|a| a.to_lowercase().contains(&f))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The selected card, if any.
    pub fn selected(&self) -> Option<&Card> {
        self.visible(self.col).get(self.row).copied()
    }

    /// Keep the selection inside the data after a reload or a filter change.
    pub fn clamp(&mut self) {
        let n = self.snap.columns.len();
        self.col = self.col.min(n.saturating_sub(1));
        let rows = self.visible(self.col).len();
        self.row = self.row.min(rows.saturating_sub(1));
    }

    /// Replace the data, keeping the selection on the same ticket when it moved.
    pub fn replace(&mut self, snap: Snapshot) {
        let keep = self.selected().map(|c| c.id.clone());
        self.snap = snap;
        if let Some(id) = keep {
            for c in 0..self.snap.columns.len() {
                if let Some(r) = self.visible(c).iter().position(|k| k.id == id) {
                    self.col = c;
                    self.row = r;
                    return;
                }
            }
        }
        self.clamp();
    }

    /// Apply one key press.
    pub fn key(&mut self, k: KeyEvent) -> Action {
        if k.kind == KeyEventKind::Release {
            return Action::None;
        }
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            self.quit = true;
            return Action::None;
        }
        if matches!(self.overlay, Overlay::Filter) {
            match k.code {
                KeyCode::Enter => self.overlay = Overlay::None,
                KeyCode::Esc => {
                    self.filter.clear();
                    self.overlay = Overlay::None;
                }
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            self.row = 0;
            self.clamp();
            return Action::None;
        }
        if !matches!(self.overlay, Overlay::None) {
            match k.code {
                KeyCode::Char('q') => self.quit = true,
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('?') => self.overlay = Overlay::None,
                _ => {}
            }
            return Action::None;
        }
        match k.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Left | KeyCode::Char('h') => {
                self.col = self.col.saturating_sub(1);
                self.clamp();
            }
            KeyCode::Right | KeyCode::Char('l') => {
                self.col += 1;
                self.clamp();
            }
            KeyCode::Up | KeyCode::Char('k') => self.row = self.row.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.row += 1;
                self.clamp();
            }
            KeyCode::Char('/') => self.overlay = Overlay::Filter,
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            KeyCode::Esc => self.filter.clear(),
            KeyCode::Enter => {
                if let Some(c) = self.selected() {
                    return Action::Open(c.id.clone());
                }
            }
            _ => {}
        }
        Action::None
    }
}

/// `2h`, `3d`, `45s`: the largest whole unit of an age.
pub fn age(now: &str, then: &str) -> String {
    let (Ok(a), Ok(b)) = (
        now.parse::<jiff::Timestamp>(),
        then.parse::<jiff::Timestamp>(),
    ) else {
        return "?".into();
    };
    let s = (a.as_second() - b.as_second()).max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3_600 => format!("{}m", s / 60),
        3_600..86_400 => format!("{}h", s / 3_600),
        _ => format!("{}d", s / 86_400),
    }
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn header(app: &App, f: &mut Frame, area: Rect) {
    let s = &app.snap;
    let mut first = vec![Span::styled(
        format!("docket monitor · {}", s.project),
        bold(),
    )];
    if let Some(st) = &s.stats {
        let o = &st.overview;
        first.push(Span::raw(format!(
            "  ·  24h: created {} started {} closed {} reworked {} violations {}  ·  {} tokens, {} tools",
            o.created, o.started, o.closed, o.reworked, o.violations, st.burn.total.tokens, st.burn.total.tools
        )));
    }
    let second = match (&s.error, &s.run) {
        (Some(e), _) => Line::from(Span::styled(
            format!("error: {e}"),
            Style::new().add_modifier(Modifier::REVERSED),
        )),
        (None, Some(r)) => Line::from(format!(
            "run: {} in {} by {} for {}  ·  log {}",
            r.ticket,
            r.stage,
            r.agent,
            age(&s.now, &r.started),
            r.log
        )),
        (None, None) => Line::from(format!("no run going  ·  {}", s.now)),
    };
    let p = Paragraph::new(vec![Line::from(first), second])
        .block(Block::new().borders(Borders::BOTTOM));
    f.render_widget(p, area);
}

fn board(app: &App, f: &mut Frame, area: Rect) {
    let n = app.snap.columns.len();
    if n == 0 {
        return;
    }
    // As many columns as fit at MIN_COLUMN, scrolled so the selected one shows.
    let fit = ((area.width / MIN_COLUMN) as usize).clamp(1, n);
    let first = app.col.saturating_sub(fit - 1).min(n - fit);
    let areas = Layout::horizontal(vec![Constraint::Ratio(1, fit as u32); fit]).split(area);
    for (i, rect) in areas.iter().enumerate() {
        let c = first + i;
        let col = &app.snap.columns[c];
        let cards = app.visible(c);
        let title = format!(" {} ({}) ", col.status, cards.len());
        let focused = c == app.col;
        let block = Block::bordered().title(if focused {
            Span::styled(title, bold())
        } else {
            Span::raw(title)
        });
        let width = rect.width.saturating_sub(2) as usize;
        let items: Vec<ListItem> = cards
            .iter()
            .map(|k| {
                let mark = if k.blocked { "⊘" } else { " " };
                let text = format!("{mark}{} {}", k.short, k.title);
                ListItem::new(text.chars().take(width).collect::<String>())
            })
            .collect();
        let mut state = ListState::default();
        if focused && !cards.is_empty() {
            state.select(Some(app.row));
        }
        let list = List::new(items)
            .block(block)
            .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
        f.render_stateful_widget(list, *rect, &mut state);
    }
}

fn in_progress(app: &App, f: &mut Frame, area: Rect) {
    let s = &app.snap;
    let cards: Vec<&Card> = s
        .columns
        .iter()
        .filter(|c| c.status == s.active)
        .flat_map(|c| &c.cards)
        .collect();
    let width = area.width.saturating_sub(2) as usize;
    let items: Vec<ListItem> = cards
        .iter()
        .map(|k| {
            let line = format!(
                "{:<6} {} {}  {}",
                age(&s.now, &k.updated),
                k.short,
                k.assignee.as_deref().unwrap_or("-"),
                k.title
            );
            ListItem::new(line.chars().take(width).collect::<String>())
        })
        .collect();
    let title = format!(" {} ({}) · last change, who ", s.active, cards.len());
    f.render_widget(List::new(items).block(Block::bordered().title(title)), area);
}

fn feed(app: &App, f: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(2) as usize;
    let items: Vec<ListItem> = app
        .snap
        .activity
        .iter()
        .map(|a| {
            let hhmm = a.at.get(11..16).unwrap_or(&a.at);
            let line = format!(
                "{hhmm} {:<10} {} · {} · {}",
                a.kind, a.actor, a.title, a.text
            );
            ListItem::new(line.chars().take(width).collect::<String>())
        })
        .collect();
    f.render_widget(
        List::new(items).block(Block::bordered().title(" activity (7 days) ")),
        area,
    );
}

fn footer(app: &App, f: &mut Frame, area: Rect) {
    let text = match (&app.overlay, app.filter.is_empty()) {
        (Overlay::Filter, _) => format!("filter: {}▏  (Enter keep · Esc clear)", app.filter),
        (_, false) => format!(
            "filter: {}  ·  ←→↑↓/hjkl move · Enter detail · / filter · Esc clear · ? help · q quit",
            app.filter
        ),
        _ => "←→↑↓/hjkl move · Enter detail · / filter · ? help · q quit".to_string(),
    };
    f.render_widget(Paragraph::new(text), area);
}

fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn help(f: &mut Frame, area: Rect) {
    let r = popup(area, 60, 14);
    let lines = vec![
        Line::from(Span::styled("docket monitor (read-only)", bold())),
        Line::from(""),
        Line::from("←/h →/l   move between columns"),
        Line::from("↑/k ↓/j   move between tickets"),
        Line::from("Enter     the selected ticket's detail"),
        Line::from("/         filter by title, id or assignee"),
        Line::from("Esc       close a window, clear the filter"),
        Line::from("?         this help"),
        Line::from("q         quit"),
        Line::from(""),
        Line::from("Refreshes when a file changes, and every 5 s."),
    ];
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" help ")),
        r,
    );
}

fn detail(t: &Compact, f: &mut Frame, area: Rect) {
    let r = popup(
        area,
        area.width.saturating_sub(8),
        area.height.saturating_sub(4),
    );
    let mut lines = vec![
        Line::from(Span::styled(format!("{}  {}", t.id, t.title), bold())),
        Line::from(format!(
            "status: {}  type: {}  priority: P{}  mode: {}{}{}",
            t.status,
            t.kind,
            t.priority,
            t.mode,
            t.assignee
                .as_deref()
                .map(|a| format!("  assignee: {a}"))
                .unwrap_or_default(),
            t.tier
                .as_deref()
                .map(|a| format!("  tier: {a}"))
                .unwrap_or_default(),
        )),
        Line::from(format!("created: {}  updated: {}", t.created, t.updated)),
    ];
    for (name, v) in [("deps", &t.deps), ("tags", &t.tags), ("docs", &t.docs)] {
        if !v.is_empty() {
            lines.push(Line::from(format!("{name}: {}", v.join(", "))));
        }
    }
    if !t.acceptance.is_empty() {
        lines.push(Line::from(""));
        for c in &t.acceptance {
            lines.push(Line::from(format!(
                "[{}] {}",
                if c.done { "x" } else { " " },
                c.title
            )));
        }
    }
    if !t.description.is_empty() {
        lines.push(Line::from(""));
        lines.extend(t.description.lines().map(|l| Line::from(l.to_string())));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!(
            "log ({} {})",
            t.log_total,
            if t.log_total == 1 { "entry" } else { "entries" }
        ),
        bold(),
    )));
    for e in &t.log {
        lines.push(Line::from(format!(
            "{} {} {} {}",
            e.at,
            e.kind,
            e.actor,
            e.text.lines().next().unwrap_or_default()
        )));
    }
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" detail · Esc to close ")),
        r,
    );
}

/// Draw the whole screen.
pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    let [head, main, bottom, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(6),
        Constraint::Percentage(35),
        Constraint::Length(1),
    ])
    .areas(area);
    header(app, f, head);
    board(app, f, main);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
    in_progress(app, f, left);
    feed(app, f, right);
    footer(app, f, foot);
    match &app.overlay {
        Overlay::Help => help(f, area),
        Overlay::Detail(t) => detail(t, f, area),
        _ => {}
    }
}

/// Set by SIGTERM, SIGHUP or SIGINT: leave the loop and restore the terminal.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_sig: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn install_signal_handlers() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// Watch `.docket/` for changes that matter (tickets, archive, context, docs,
/// the runner's state), ignoring the rest of `local/` (cache, lock, sessions),
/// which docket itself rewrites while reading.
fn watch(dir: &Path, tx: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let local = dir.join("local");
    let run = local.join("run");
    let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && ev
                .paths
                .iter()
                .any(|p| !p.starts_with(&local) || p.starts_with(&run))
        {
            let _ = tx.send(());
        }
    })
    .ok()?;
    w.watch(dir, notify::RecursiveMode::Recursive).ok()?;
    Some(w)
}

/// Run the dashboard until `q`, Ctrl-C or a signal. `make_cx` builds a fresh
/// API context (project, clock) for each reload.
pub fn run(make_cx: &dyn Fn() -> ApiResult<Context>) -> Result<(), String> {
    let cx = make_cx().map_err(|e| e.message)?;
    let first = load(&cx).map_err(|e| e.message)?;
    let (tx, rx) = mpsc::channel();
    let _watcher = watch(&cx.project.dir, tx);
    install_signal_handlers();
    // ratatui::init enters the alternate screen and raw mode and installs a
    // panic hook that restores the terminal before the panic message prints.
    let mut term = ratatui::init();
    let mut app = App::new(first);
    let mut last = Instant::now();
    let result = (|| -> Result<(), String> {
        loop {
            term.draw(|f| draw(&app, f)).map_err(|e| e.to_string())?;
            if app.quit || STOP.load(Ordering::SeqCst) {
                return Ok(());
            }
            let mut dirty = last.elapsed() >= RESCAN;
            if event::poll(Duration::from_millis(200)).map_err(|e| e.to_string())? {
                match event::read().map_err(|e| e.to_string())? {
                    Event::Key(k) => {
                        if let Action::Open(id) = app.key(k)
                            && let Ok(cx) = make_cx()
                            && let Ok(s) = docket_api::tickets::show(
                                &cx,
                                &ShowRequest {
                                    id,
                                    ..Default::default()
                                },
                            )
                        {
                            app.overlay = Overlay::Detail(Box::new(s.compact()));
                        }
                    }
                    Event::Resize(..) => {}
                    _ => {}
                }
            }
            while rx.try_recv().is_ok() {
                dirty = true;
            }
            if dirty {
                match make_cx().and_then(|cx| load(&cx)) {
                    Ok(s) => app.replace(s),
                    Err(e) => app.snap.error = Some(e.message),
                }
                last = Instant::now();
            }
        }
    })();
    ratatui::restore();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_core::ops::{self, NewTicket};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn project() -> (tempfile::TempDir, Context) {
        let tmp = tempfile::tempdir().unwrap();
        let p = docket_core::Project::init(
            tmp.path(),
            &docket_core::store::InitOptions {
                prefix: "tt".into(),
                preset: "simple".into(),
                force: false,
            },
        )
        .unwrap();
        let now: jiff::Timestamp = "2026-11-27T12:00:00Z".parse().unwrap();
        let cx = Context::new(p, now, Some("ada".into()));
        (tmp, cx)
    }

    fn create(cx: &Context, title: &str) -> String {
        ops::create(
            &cx.project,
            &cx.ops(),
            NewTicket {
                title: title.into(),
                ..Default::default()
            },
        )
        .unwrap()
        .ticket
        .meta
        .id
        .to_string()
    }

    fn screen(app: &App, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw(app, f)).unwrap();
        let buf = t.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            for x in 0..w {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn board_feed_and_header() {
        let (_tmp, cx) = project();
        let a = create(&cx, "Fix the login bug");
        create(&cx, "Write docs");
        ops::transition(
            &cx.project,
            &cx.ops(),
            &a,
            ops::Target::Start,
            Default::default(),
        )
        .unwrap();
        let app = App::new(load(&cx).unwrap());
        let s = screen(&app, 120, 30);
        assert!(s.contains("docket monitor"), "{s}");
        assert!(s.contains("open (1)"), "{s}");
        assert!(s.contains("in_progress (1)"), "{s}");
        assert!(s.contains("Write docs"), "{s}");
        assert!(s.contains("Fix the login bug"), "{s}");
        assert!(s.contains("created 2 started 1"), "{s}");
        assert!(s.contains("transition"), "activity feed: {s}");
        assert!(s.contains("ada"), "assignee in progress: {s}");
        assert!(s.contains("q quit"), "{s}");
    }

    #[test]
    fn columns_scroll_when_narrow() {
        let (_tmp, cx) = project();
        create(&cx, "One");
        let mut app = App::new(load(&cx).unwrap());
        let s = screen(&app, 50, 24);
        assert!(s.contains("open"), "{s}");
        assert!(!s.contains("closed ("), "only two columns fit: {s}");
        app.key(key(KeyCode::Right));
        app.key(key(KeyCode::Char('l')));
        let s = screen(&app, 50, 24);
        assert!(s.contains("closed (0)"), "scrolled to the last column: {s}");
    }

    #[test]
    fn keys_filter_help_detail_quit() {
        let (_tmp, cx) = project();
        create(&cx, "Alpha task");
        create(&cx, "Beta task");
        let mut app = App::new(load(&cx).unwrap());
        assert_eq!(app.visible(0).len(), 2);
        app.key(key(KeyCode::Char('/')));
        for c in "beta".chars() {
            app.key(key(KeyCode::Char(c)));
        }
        app.key(key(KeyCode::Enter));
        assert_eq!(app.visible(0).len(), 1);
        let s = screen(&app, 100, 24);
        assert!(s.contains("filter: beta"), "{s}");
        assert!(s.contains("open (1)"), "{s}");
        app.key(key(KeyCode::Esc));
        assert_eq!(app.visible(0).len(), 2);
        app.key(key(KeyCode::Char('?')));
        assert!(screen(&app, 100, 24).contains("this help"));
        app.key(key(KeyCode::Esc));
        app.key(key(KeyCode::Char('j')));
        let Action::Open(id) = app.key(key(KeyCode::Enter)) else {
            panic!("Enter opens the selection");
        };
        let shown = docket_api::tickets::show(
            &cx,
            &ShowRequest {
                id,
                ..Default::default()
            },
        )
        .unwrap();
        app.overlay = Overlay::Detail(Box::new(shown.compact()));
        let s = screen(&app, 100, 24);
        assert!(s.contains("detail"), "{s}");
        assert!(s.contains("log (1 entry)"), "{s}");
        app.key(key(KeyCode::Esc));
        assert!(matches!(app.overlay, Overlay::None));
        app.key(key(KeyCode::Char('q')));
        assert!(app.quit);
    }

    #[test]
    fn selection_follows_a_ticket_across_reloads() {
        let (_tmp, cx) = project();
        let a = create(&cx, "Mover");
        let mut app = App::new(load(&cx).unwrap());
        assert_eq!(app.selected().map(|c| c.id.clone()), Some(a.clone()));
        ops::transition(
            &cx.project,
            &cx.ops(),
            &a,
            ops::Target::Start,
            Default::default(),
        )
        .unwrap();
        app.replace(load(&cx).unwrap());
        assert_eq!(app.col, 1);
        assert_eq!(app.selected().map(|c| c.id.clone()), Some(a));
    }

    #[test]
    fn header_shows_the_current_run() {
        let (_tmp, cx) = project();
        let a = create(&cx, "Being run");
        let dir = cx.project.local_dir().join("run");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("current.json"),
            format!(
                r#"{{"ticket":"{a}","stage":"fix","agent":"claude","started":"2026-11-27T11:45:00Z","log":".docket/local/logs/x.log"}}"#
            ),
        )
        .unwrap();
        let app = App::new(load(&cx).unwrap());
        let s = screen(&app, 120, 30);
        assert!(
            s.contains(&format!("run: {a} in fix by claude for 15m")),
            "{s}"
        );
    }

    #[test]
    fn ages() {
        assert_eq!(age("2026-11-27T12:00:00Z", "2026-11-27T11:59:30Z"), "30s");
        assert_eq!(age("2026-11-27T12:00:00Z", "2026-11-27T10:00:00Z"), "2h");
        assert_eq!(age("2026-11-27T12:00:00Z", "2026-11-20T12:00:00Z"), "7d");
        assert_eq!(age("x", "y"), "?");
    }
}
