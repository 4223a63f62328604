//! Live updates: a `notify` watcher on `.docket/`, always backed by a periodic
//! rescan (a fingerprint of every watched file's size and mtime every 2 s), so a
//! missed or coalesced inotify event, a network file system or a `git pull` that
//! swaps whole folders is still noticed. Each change becomes one broadcast
//! [`Change`] that the SSE route forwards to every open page.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use notify::{RecursiveMode, Watcher};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::backend;

/// One batch of changes under `.docket/`.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Increases with every batch, so a page can tell it missed none.
    pub seq: u64,
    /// Affected areas: `tickets`, `sessions`, `runs`, `config`.
    pub kinds: Vec<String>,
    /// Ticket ids whose files changed (empty when unknown).
    pub ids: Vec<String>,
}

/// How often the fallback rescan runs.
const RESCAN: Duration = Duration::from_secs(2);
/// Events closer together than this become one batch.
const DEBOUNCE: Duration = Duration::from_millis(80);

type Fingerprint = HashMap<PathBuf, (u64, Option<SystemTime>)>;

/// Start watching `dir` (the `.docket/` folder) on a background thread.
pub fn spawn(dir: PathBuf, tx: broadcast::Sender<Change>) {
    std::thread::Builder::new()
        .name("docket-web-watch".into())
        .spawn(move || run(dir, tx))
        .map(|_| ())
        .unwrap_or_else(|e| warn(&format!("cannot start the file watcher: {e}")));
}

/// A warning on stderr; a closed stderr is ignored (never a panic).
fn warn(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "docket serve: {msg}");
}

fn run(dir: PathBuf, tx: broadcast::Sender<Change>) {
    let (ev_tx, ev_rx) = mpsc::channel::<()>();
    // Without inotify (limits reached, odd file systems) the rescan still works.
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && !ev.kind.is_access()
        {
            let _ = ev_tx.send(());
        }
    })
    .and_then(|mut w| w.watch(&dir, RecursiveMode::Recursive).map(|_| w));
    if let Err(e) = &watcher {
        warn(&format!(
            "file events unavailable ({e}); rescanning every 2 s"
        ));
    }
    let mut last = fingerprint(&dir);
    let mut seq = 0u64;
    loop {
        match ev_rx.recv_timeout(RESCAN) {
            Ok(()) => {
                // Let a burst (a rename, a create with its cache write) settle.
                std::thread::sleep(DEBOUNCE);
                while ev_rx.try_recv().is_ok() {}
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(RESCAN),
        }
        let now = fingerprint(&dir);
        let mut kinds = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for (path, stamp) in &now {
            if last.get(path) != Some(stamp) {
                note(&dir, path, &mut kinds, &mut ids);
            }
        }
        for path in last.keys() {
            if !now.contains_key(path) {
                note(&dir, path, &mut kinds, &mut ids);
            }
        }
        last = now;
        if !kinds.is_empty() {
            seq += 1;
            // No receiver (no open page) is fine.
            let _ = tx.send(Change {
                seq,
                kinds: kinds.into_iter().collect(),
                ids: ids.into_iter().collect(),
            });
        }
    }
}

fn note(dir: &Path, path: &Path, kinds: &mut BTreeSet<String>, ids: &mut BTreeSet<String>) {
    if let Some((kind, id)) = path.strip_prefix(dir).ok().and_then(backend::classify) {
        kinds.insert(kind.to_string());
        if let Some(id) = id {
            ids.insert(id);
        }
    }
}

/// Size and mtime of every file the dashboard shows something of.
fn fingerprint(dir: &Path) -> Fingerprint {
    let mut fp = Fingerprint::new();
    for f in [
        "config.toml",
        "roles.toml",
        "local/session",
        "local/run/current.json",
    ] {
        stamp(&dir.join(f), &mut fp);
    }
    for d in [
        "tickets",
        "archive",
        "local/sessions",
        "local/logs",
        "local/run",
    ] {
        if let Ok(rd) = std::fs::read_dir(dir.join(d)) {
            for e in rd.flatten() {
                stamp(&e.path(), &mut fp);
            }
        }
    }
    fp
}

fn stamp(path: &Path, fp: &mut Fingerprint) {
    if let Ok(m) = std::fs::metadata(path)
        && m.is_file()
    {
        fp.insert(path.to_path_buf(), (m.len(), m.modified().ok()));
    }
}
