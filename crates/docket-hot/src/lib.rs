//! The hot index server (`docket watch`): holds every ticket's frontmatter,
//! keeps it current from file-system notifications and answers listings over
//! `.docket/local/hot.sock` (the protocol and the client are in
//! [`docket_api::hot`]).
//!
//! Trust: every request gets a fresh cookie file in `.docket/local/hot/`,
//! watched by the same inotify instance as the ticket folders, whose events
//! arrive in the order they happened. Events are applied by one thread in
//! that order; a request is answered only once that thread has applied the
//! cookie's creation, so every change made before the request was applied
//! too. A lost event (queue overflow, watcher error) triggers a full rescan
//! before any later cookie is seen; a lost cookie times out and the client
//! scans. The server never writes tickets: mutations keep their locked path.

use std::collections::HashSet;
use std::fs::{self, File};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use docket_api::hot::{self, HotReply, HotRequest, WireListing, WireText};
use docket_api::query::{Checked, page_in};
use docket_api::view::short_ids_in_sorted;
use docket_core::Project;
use docket_core::id::sorted_unique;
use docket_core::store::{Entry, FileFailure, Scan, id_from_file_name, name_in, read_user_text};
use notify::{EventKind, RecursiveMode, Watcher};
use slots::{Slot, Slots};

mod slots;

/// Why the hot index could not start.
#[derive(Debug, thiserror::Error)]
pub enum HotError {
    /// Another `docket watch` (or serve/monitor) already keeps this project's index.
    #[error("a hot index already runs for this project ({})", path.display())]
    AlreadyRunning { path: PathBuf },
    /// The socket path is longer than Unix sockets allow.
    #[error("the socket path {} is too long for a Unix socket; run from a shorter path", path.display())]
    PathTooLong { path: PathBuf },
    /// File-system notifications are unavailable.
    #[error("file-system notifications are unavailable: {message}")]
    Watch { message: String },
    /// Reading or writing the local files failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl HotError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            HotError::AlreadyRunning { .. } => "hot_index_running",
            HotError::PathTooLong { .. } => "socket_path_too_long",
            HotError::Watch { .. } => "watch_unavailable",
            HotError::Io { .. } => "io_error",
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HotError + '_ {
    move |source| HotError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How long a request waits for its cookie before the client is told to scan.
const COOKIE_WAIT: Duration = Duration::from_secs(2);
/// Largest request accepted.
const MAX_REQUEST: u64 = 1 << 20;
/// Lock file held while a server runs, in `.docket/local/`.
const LOCK: &str = "hot.lock";

/// The held view: what a scan would return, kept current.
struct Files {
    project: Project,
    /// The config text the view was loaded with.
    config: String,
    scan: Scan,
    slots: Slots,
    /// Every file's id, sorted (what handles are found among); dropped when
    /// files come or go.
    ids: Option<Arc<Vec<Box<str>>>>,
    /// False until the first full scan, and while the view is known incomplete.
    ready: bool,
    /// Why the view is not ready (for the client's debug output).
    why: String,
    /// Ticket files that are symlinks: their targets are not watched, so
    /// while there is one the view is not trusted.
    links: HashSet<(bool, String)>,
    /// Bumped by every applied change: a reply computed at one generation
    /// is the answer to the same request until the next.
    generation: u64,
    /// Recent replies: (generation, request key, encoded reply).
    memo: Vec<(u64, Vec<u8>, Arc<Vec<u8>>)>,
}

impl Files {
    fn rebuild(&mut self) {
        self.generation += 1;
        self.memo.clear();
        // The old view goes first, so it never weighs on memory together
        // with the new scan (it is not trusted from here on anyway).
        self.ready = false;
        self.slots = Slots::default();
        self.scan = Scan::default();
        self.ids = None;
        match self.project.scan() {
            Ok(scan) => {
                self.scan = scan;
                self.slots = Slots::of(&self.scan, &self.project.archive_dir());
                self.links = self.find_links();
                self.ready = true;
            }
            Err(e) => {
                self.why = format!("scan failed: {e}");
            }
        }
    }

    /// Symlinks among the ticket files, from the folder listing's file types
    /// (no stat per file).
    fn find_links(&self) -> HashSet<(bool, String)> {
        let mut links = HashSet::new();
        for (dir, archived) in [
            (self.project.tickets_dir(), false),
            (self.project.archive_dir(), true),
        ] {
            for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
                if e.file_type().is_ok_and(|t| t.is_symlink())
                    && let Ok(name) = e.file_name().into_string()
                {
                    links.insert((archived, name));
                }
            }
        }
        links
    }

    /// Re-read one file the way the scan would.
    fn refresh(&mut self, path: &Path, archived: bool) {
        self.generation += 1;
        self.memo.clear();
        let name = name_in(path);
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            self.links.insert((archived, name.to_string()));
        } else {
            self.links.remove(&(archived, name.to_string()));
        }
        let existed = self.slots.remove(
            &mut self.scan,
            &self.project.archive_dir(),
            (archived, name),
        );
        let Some(read) = docket_core::live::read_meta(&self.project, path) else {
            if existed {
                self.ids = None;
            }
            return;
        };
        if !existed {
            self.ids = None;
        }
        let slot = match read {
            Ok((meta, sequence)) => {
                self.scan.entries.push(Entry {
                    meta,
                    path: path.to_path_buf(),
                    archived,
                    sequence,
                });
                Slot::Entry(self.scan.entries.len() - 1)
            }
            Err(failure) => {
                let id = id_from_file_name(name).unwrap_or_default().to_string();
                self.scan.failures.push(FileFailure {
                    path: path.to_path_buf(),
                    id,
                    failure,
                });
                Slot::Failure(self.scan.failures.len() - 1)
            }
        };
        self.slots
            .insert(&self.scan, &self.project.archive_dir(), slot);
    }

    /// Every file's id, sorted: built once per set of files.
    fn ids(&mut self) -> Arc<Vec<Box<str>>> {
        if let Some(ids) = &self.ids {
            return ids.clone();
        }
        let archive = self.project.archive_dir();
        let mut ids: Vec<&str> = Vec::with_capacity(self.slots.len());
        ids.extend(
            self.slots
                .keys(&self.scan, &archive)
                .filter_map(|(_, name)| id_from_file_name(name)),
        );
        let ids = Arc::new(sorted_unique(ids).into_iter().map(Box::from).collect());
        self.ids = Some(Arc::clone(&ids));
        ids
    }
}

/// Cookie names whose creation the event thread has applied.
#[derive(Default)]
struct Cookies {
    seen: Mutex<HashSet<String>>,
    cond: Condvar,
}

struct Shared {
    dir: PathBuf,
    canonical: PathBuf,
    files: Mutex<Files>,
    cookies: Cookies,
    next_cookie: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running hot index; it lives as long as the process (threads are detached).
pub struct Server {
    shared: Arc<Shared>,
    listener: UnixListener,
    _lock: File,
    _watcher: Arc<Mutex<notify::RecommendedWatcher>>,
}

/// What the event thread receives.
type Msg = notify::Result<notify::Event>;

/// Start the hot index of `project`: take the lock, watch, load, bind.
pub fn start(project: Project) -> Result<Server, HotError> {
    let dir = project.dir.clone();
    let local = project.local_dir();
    let cookie_dir = local.join(hot::COOKIE_DIR);
    fs::create_dir_all(&cookie_dir).map_err(io(&cookie_dir))?;
    let lock_path = local.join(LOCK);
    let lock_file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io(&lock_path))?;
    let sock = hot::socket_path(&project);
    if lock_file.try_lock().is_err() {
        return Err(HotError::AlreadyRunning { path: sock });
    }
    // Cookies a killed server left behind.
    for e in fs::read_dir(&cookie_dir).into_iter().flatten().flatten() {
        let _ = fs::remove_file(e.path());
    }
    let canonical = fs::canonicalize(&dir).map_err(io(&dir))?;
    let config_path = dir.join("config.toml");
    let config = read_user_text(&config_path, 1 << 20).map_err(io(&config_path))?;

    let (tx, rx) = mpsc::channel::<Msg>();
    let mut watcher = notify::recommended_watcher(move |res: Msg| {
        let _ = tx.send(res);
    })
    .map_err(|e| HotError::Watch {
        message: e.to_string(),
    })?;
    let watch_err = |e: notify::Error| HotError::Watch {
        message: e.to_string(),
    };
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(watch_err)?;
    watcher
        .watch(&cookie_dir, RecursiveMode::NonRecursive)
        .map_err(watch_err)?;
    for d in [project.tickets_dir(), project.archive_dir()] {
        if d.is_dir() {
            watcher
                .watch(&d, RecursiveMode::NonRecursive)
                .map_err(watch_err)?;
        }
    }
    let watcher = Arc::new(Mutex::new(watcher));

    let shared = Arc::new(Shared {
        dir: dir.clone(),
        canonical,
        files: Mutex::new(Files {
            project,
            config,
            scan: Scan::default(),
            slots: Slots::default(),
            ids: None,
            ready: false,
            why: "loading".into(),
            links: HashSet::new(),
            generation: 0,
            memo: Vec::new(),
        }),
        cookies: Cookies::default(),
        next_cookie: AtomicU64::new(0),
    });
    // The first load happens after the watches are in place, so no change
    // falls between the two; events queued meanwhile are applied after it.
    lock(&shared.files).rebuild();
    {
        let shared = shared.clone();
        let watcher = watcher.clone();
        std::thread::Builder::new()
            .name("docket-hot-events".into())
            .spawn(move || apply_events(&shared, &watcher, rx))
            .map_err(io(&dir))?;
    }

    // A socket left by a killed server is stale: we hold the lock, so no live
    // server owns it.
    let _ = fs::remove_file(&sock);
    let listener = UnixListener::bind(&sock).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidInput {
            HotError::PathTooLong { path: sock.clone() }
        } else {
            HotError::Io {
                path: sock.clone(),
                source: e,
            }
        }
    })?;
    Ok(Server {
        shared,
        listener,
        _lock: lock_file,
        _watcher: watcher,
    })
}

impl Server {
    /// The socket path.
    pub fn socket(&self) -> PathBuf {
        self.shared.dir.join("local").join(hot::SOCKET)
    }

    /// Answer requests until the process ends (one thread per connection).
    pub fn serve(self) {
        for conn in self.listener.incoming() {
            let Ok(stream) = conn else { continue };
            let shared = self.shared.clone();
            let _ = std::thread::Builder::new()
                .name("docket-hot-conn".into())
                .spawn(move || handle(&shared, stream));
        }
    }
}

/// Apply events in order, one at a time.
fn apply_events(
    shared: &Shared,
    watcher: &Mutex<notify::RecommendedWatcher>,
    rx: mpsc::Receiver<Msg>,
) {
    let dir = &shared.dir;
    // Test knob: apply every event this much later, as a loaded machine
    // might, so tests can show that answers wait for the sync cookie.
    let delay = std::env::var("DOCKET_HOT_TEST_EVENT_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let (tickets, archive) = (dir.join("tickets"), dir.join("archive"));
    let cookie_dir = dir.join("local").join(hot::COOKIE_DIR);
    for msg in rx {
        if let Some(d) = delay {
            std::thread::sleep(d);
        }
        let ev = match msg {
            Ok(ev) => ev,
            Err(_) => {
                // An error may mean lost events: start over.
                lock(&shared.files).rebuild();
                continue;
            }
        };
        if ev.need_rescan() {
            lock(&shared.files).rebuild();
            continue;
        }
        if ev.kind.is_access() {
            continue;
        }
        for path in &ev.paths {
            let parent = path.parent();
            if parent == Some(cookie_dir.as_path()) {
                if matches!(ev.kind, EventKind::Create(_))
                    && let Some(name) = path.file_name().and_then(|n| n.to_str())
                {
                    lock(&shared.cookies.seen).insert(name.to_string());
                    shared.cookies.cond.notify_all();
                }
            } else if parent == Some(tickets.as_path()) {
                lock(&shared.files).refresh(path, false);
            } else if parent == Some(archive.as_path()) {
                lock(&shared.files).refresh(path, true);
            } else if path == &tickets || path == &archive || path == &cookie_dir {
                // A ticket folder (or the cookie folder) came, went or was
                // replaced: watch what is there now, then reload everything.
                let mut files = lock(&shared.files);
                files.ready = false;
                files.why = "a ticket folder was replaced".into();
                let _ = fs::create_dir_all(&cookie_dir);
                let mut w = lock(watcher);
                for d in [&tickets, &archive, &cookie_dir] {
                    let _ = w.unwatch(d);
                    if d.is_dir() {
                        let _ = w.watch(d, RecursiveMode::NonRecursive);
                    }
                }
                drop(w);
                files.rebuild();
            } else if path == dir && !dir.is_dir() {
                // The project itself is gone: never answer again.
                let mut files = lock(&shared.files);
                files.ready = false;
                files.why = "the project folder is gone".into();
            }
        }
    }
    // The watcher stopped: the view can no longer be kept current.
    let mut files = lock(&shared.files);
    files.ready = false;
    files.why = "the file watcher stopped".into();
}

fn handle(shared: &Shared, mut stream: UnixStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let reply = match hot::read_request(&mut stream, MAX_REQUEST) {
        Ok(req) => answer(shared, req),
        Err(e) => Err(e),
    };
    let _ = match reply {
        Ok(bytes) => hot::write_encoded(&mut stream, &bytes),
        Err(why) => hot::write_reply(&mut stream, &HotReply::Unsure(why)),
    };
}

/// Wait until the event thread has applied every event queued before now.
fn sync(shared: &Shared) -> Result<(), String> {
    let n = shared.next_cookie.fetch_add(1, Ordering::Relaxed);
    let name = format!("c-{}-{n}", std::process::id());
    let path = shared.dir.join("local").join(hot::COOKIE_DIR).join(&name);
    File::create(&path).map_err(|e| format!("cookie: {e}"))?;
    let deadline = Instant::now() + COOKIE_WAIT;
    let mut seen = lock(&shared.cookies.seen);
    let ok = loop {
        if seen.remove(&name) {
            break true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break false;
        }
        seen = shared
            .cookies
            .cond
            .wait_timeout(seen, left)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0);
    };
    drop(seen);
    let _ = fs::remove_file(&path);
    if ok {
        Ok(())
    } else {
        Err("no notification for the sync cookie (events lost or delayed)".into())
    }
}

/// How many recent replies are kept for repeated requests, and how many
/// bytes at most: a full listing at 100k (29 MB encoded) is kept, repeated
/// in 18 ms instead of 240; 48 MB let the server peak at 150 MB instead of
/// 134 while it built another reply beside the ones kept. A bigger project's
/// full listing is not kept (recomputed, ~240 ms at 100k) rather than grow
/// the server.
const MEMO: usize = 8;
const MEMO_BYTES: usize = 32 << 20;

/// The encoded reply to a request, or why the client must scan.
fn answer(shared: &Shared, req: HotRequest) -> Result<Arc<Vec<u8>>, String> {
    if req.protocol != hot::PROTOCOL || req.build != hot::BUILD {
        return Err(format!(
            "the server speaks {} (protocol {}), the client {} (protocol {})",
            hot::BUILD,
            hot::PROTOCOL,
            req.build,
            req.protocol
        ));
    }
    if req.dir != shared.canonical {
        return Err("another project".into());
    }
    sync(shared)?;
    let mut files = lock(&shared.files);
    let config_path = shared.dir.join("config.toml");
    let config = read_user_text(&config_path, 1 << 20).map_err(|e| format!("config.toml: {e}"))?;
    if config != req.config {
        return Err("the config changed since the client read it".into());
    }
    if config != files.config {
        // New config (statuses, size cap): reload and rescan before answering.
        let project = Project::open(&files.project.root).map_err(|e| e.to_string())?;
        files.project = project;
        files.config = config;
        files.rebuild();
    }
    if !files.ready {
        return Err(files.why.clone());
    }
    if !files.links.is_empty() {
        return Err("a ticket file is a symlink (its target is not watched)".into());
    }
    if files.project.move_pending() {
        return Err("a move between folders is in progress".into());
    }
    // The same request at the same generation has the same answer.
    let key = serde_json::to_vec(&(&req.req, &req.claimed, req.form)).map_err(|e| e.to_string())?;
    let generation = files.generation;
    if let Some((_, _, bytes)) = files
        .memo
        .iter()
        .find(|(g, k, _)| *g == generation && *k == key)
    {
        return Ok(bytes.clone());
    }
    let claimed: HashSet<String> = req.claimed.into_iter().collect();
    let form = req.form;
    let req = req.req;
    let offset = match req.cursor.as_deref() {
        None | Some("") => 0,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| format!("bad cursor `{s}`"))?,
    };
    let p = files.project.clone();
    let filter = req.filters.to_filter(&p).map_err(|e| e.message)?;
    let keys = docket_api::query::sort_keys(&req).map_err(|e| e.message)?;
    let checked = Checked {
        filter,
        keys,
        offset,
        claimed,
    };
    let sorted = files.ids();
    let sorted: Vec<&str> = sorted.iter().map(|id| &**id).collect();
    let page = page_in(&p, &files.scan, &req, &checked, &|ids| {
        short_ids_in_sorted(&sorted, ids)
    });
    let bytes = match form {
        hot::Form::Rows => hot::encode_reply(&HotReply::Listing(WireListing::from_listing(
            page.into_listing(),
        ))),
        hot::Form::Json => hot::encode_json_reply(page.into_json(&p)),
        hot::Form::Text { width, color } => {
            hot::encode_reply(&HotReply::Text(WireText::from_page(&page, width, color)))
        }
    };
    let bytes = Arc::new(bytes.map_err(|e| e.to_string())?);
    if bytes.len() <= MEMO_BYTES {
        while !files.memo.is_empty()
            && (files.memo.len() >= MEMO
                || files.memo.iter().map(|e| e.2.len()).sum::<usize>() + bytes.len() > MEMO_BYTES)
        {
            files.memo.remove(0);
        }
        files.memo.push((generation, key, bytes.clone()));
    }
    Ok(bytes)
}
