//! `docket run --parallel N`: N lanes at once. A lane is a git worktree under
//! `.docket/local/lanes/<ticket>` on a branch `docket/<ticket>` made from the
//! current branch, and a child `docket run --ticket <id>` working in it (the
//! serial runner, restricted to one ticket: sessions, claims, prompts, idle
//! timeouts and commits all come from there). The orchestrator picks tickets
//! ([`docket_core::runner::lanes::schedule`]), watches the children from
//! threads, and merges each finished lane into the current branch in
//! completion order. A conflicting merge is aborted and parks the ticket.
//! Signals are forwarded to every child, which stops its agent and records the
//! interruption; the kept lane is picked up again by the next run.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use docket_core::ops::{self, MoveOptions, Target};
use docket_core::runner::RunPaths;
use docket_core::runner::lanes::{self, LaneEnd};
use docket_core::runner::plan::{self, Planned, RunTicket, SkipKind, Skipped};
use docket_core::{Error, Project};
use serde::Serialize;

use super::git::{Committed, Git, Merged};
use super::{DirtyPolicy, Settings, Strategy, agent};

/// What `--parallel` adds to the settings of a run.
pub struct Lanes {
    pub n: usize,
    pub max_sequence: Option<f64>,
    /// `--stages` as given, passed on to every lane.
    pub stages_spec: Option<String>,
    /// `--idle-timeout` as given.
    pub idle_spec: Option<String>,
}

/// One lane's ticket, as reported in the summary.
#[derive(Debug, Clone, Serialize)]
pub struct LaneReport {
    pub ticket: String,
    pub title: String,
    pub stage: String,
    /// 1-based lane slot.
    pub lane: usize,
    pub branch: String,
    pub worktree: String,
    /// `merged`, `conflict` (merge aborted, ticket parked, branch kept) or
    /// `kept` (interrupted or failed: worktree and branch kept; the next run
    /// resumes it).
    pub outcome: &'static str,
    /// The lane run's own end (`interrupted`, `commit_refused`, `error`, …).
    pub stopped: Option<String>,
    pub merge_commit: Option<String>,
    pub conflicts: Vec<String>,
    /// Where a conflicting ticket was parked (None: left in its stage).
    pub parked: Option<String>,
    pub error: Option<String>,
    /// The lane's agent runs (as in a serial run's `runs`).
    pub runs: Vec<serde_json::Value>,
}

/// The whole parallel run (`--json`: the envelope's data).
#[derive(Debug, Clone, Serialize)]
pub struct ParallelSummary {
    pub parallel: usize,
    pub strategy: Strategy,
    pub agent: String,
    pub branch: String,
    /// In completion order.
    pub lanes: Vec<LaneReport>,
    pub skipped: Vec<Skipped>,
    /// `stop`, `max` or `interrupted`.
    pub stopped: Option<&'static str>,
    pub salvage_commit: Option<String>,
    pub log_dir: String,
}

enum Event {
    Line(usize, String),
    Exit(usize, Option<i32>, String),
}

struct Running {
    item: Planned,
    dir: PathBuf,
    pid: u32,
    last: String,
    started: Instant,
}

/// Per-lane progress: on a terminal one line per lane redrawn in place,
/// otherwise every event as its own line.
struct Board {
    live: bool,
    quiet: bool,
    lines: Vec<String>,
    drawn: usize,
    last_draw: Instant,
}

impl Board {
    fn new(n: usize, quiet: bool) -> Board {
        Board {
            live: !quiet && std::io::stderr().is_terminal(),
            quiet,
            lines: vec![String::from("idle"); n],
            drawn: 0,
            last_draw: Instant::now() - Duration::from_secs(1),
        }
    }

    fn width() -> usize {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .filter(|&c: &usize| c >= 40)
            .unwrap_or(100)
    }

    /// A lane said something.
    fn set(&mut self, lane: usize, text: String) {
        if self.quiet {
            return;
        }
        if !self.live {
            let _ = writeln!(std::io::stderr(), "[lane {}] {text}", lane + 1);
        }
        if let Some(l) = self.lines.get_mut(lane) {
            *l = text;
        }
    }

    /// A line above the lanes.
    fn note(&mut self, text: &str) {
        if self.quiet {
            return;
        }
        self.clear();
        let _ = writeln!(std::io::stderr(), "{text}");
    }

    fn clear(&mut self) {
        if self.live && self.drawn > 0 {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\x1b[{}A", self.drawn);
            for _ in 0..self.drawn {
                let _ = writeln!(e, "\r\x1b[2K");
            }
            let _ = write!(e, "\x1b[{}A", self.drawn);
            self.drawn = 0;
        }
    }

    fn draw(&mut self, running: &HashMap<usize, Running>) {
        if !self.live || self.last_draw.elapsed() < Duration::from_millis(250) {
            return;
        }
        self.last_draw = Instant::now();
        let w = Self::width();
        let mut e = std::io::stderr().lock();
        if self.drawn > 0 {
            // Overwrite the lanes' lines in place.
            let _ = write!(e, "\x1b[{}A", self.drawn);
        }
        for (i, l) in self.lines.iter().enumerate() {
            let text = match running.get(&i) {
                Some(r) => format!(
                    "lane {} · {} {} {} · {}s · {}",
                    i + 1,
                    r.item.stage,
                    r.item.id,
                    r.item.title,
                    r.started.elapsed().as_secs(),
                    r.last
                ),
                None => format!("lane {} · {l}", i + 1),
            };
            let t: String = text.chars().take(w).collect();
            let _ = writeln!(e, "\r\x1b[2K{t}");
        }
        self.drawn = self.lines.len();
    }
}

/// The run paths of the project inside a lane's worktree `dir`.
fn lane_paths(p: &Project, g: &Git, dir: &Path) -> RunPaths {
    let rel = p.root.strip_prefix(&g.top).unwrap_or(Path::new(""));
    let docket = p.dir.strip_prefix(&p.root).unwrap_or(Path::new(".docket"));
    RunPaths::for_dir(&dir.join(rel).join(docket))
}

fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) on a child we spawned (a negative pid: its group).
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// Run the plan in `lanes.n` lanes.
pub fn execute(
    p: &Project,
    s: &Settings,
    lanes: &Lanes,
    initial: plan::RunPlan,
) -> Result<ParallelSummary, Error> {
    if !s.commit {
        return Err(Error::invalid(
            "--parallel merges each lane's commits back: it cannot run with --no-commit",
        ));
    }
    let Some(g) = Git::discover(&p.root) else {
        return Err(Error::invalid(
            "--parallel needs a git repository (each lane is a git worktree)",
        ));
    };
    g.check_identity()?;
    let Some(branch) = g.current_branch() else {
        return Err(Error::invalid(
            "--parallel merges lanes into the current branch: check out a branch (HEAD is detached)",
        ));
    };
    let paths = RunPaths::new(p);
    let mut board_ui = Board::new(lanes.n, s.quiet);
    let mut salvage_commit = None;
    let dirty = g.snapshot()?;
    if !dirty.is_empty() {
        let list: Vec<String> = dirty.keys().cloned().collect();
        match s.dirty {
            DirtyPolicy::Abort => return Err(Error::DirtyTree { paths: list }),
            DirtyPolicy::Salvage => {
                let h =
                    g.salvage("docket run: salvage uncommitted changes found before the run")?;
                board_ui.note(&format!(
                    "salvaged {} uncommitted change(s) in {}",
                    list.len(),
                    &h[..h.len().min(12)]
                ));
                salvage_commit = Some(h);
            }
            DirtyPolicy::Ignore => board_ui.note(&format!(
                "note: {} uncommitted change(s) left alone; a merge that touches them fails",
                list.len()
            )),
        }
    }
    let top_rel = paths
        .lanes_dir
        .strip_prefix(&g.top)
        .map(|r| r.to_string_lossy().to_string())
        .unwrap_or_else(|_| p.display_path(&paths.lanes_dir));
    g.ensure_ignored(&top_rel)?;
    let _ = std::fs::remove_file(&paths.stop_file);
    agent::install_signal_handlers();
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let run_dir = paths
        .logs_dir
        .join(format!("{stamp}-{}", std::process::id()));

    let mut summary = ParallelSummary {
        parallel: lanes.n,
        strategy: s.strategy,
        agent: s.agent_name.clone(),
        branch: branch.clone(),
        lanes: Vec::new(),
        skipped: initial.skipped,
        stopped: None,
        salvage_commit,
        log_dir: p.display_path(&run_dir),
    };
    // Lanes an earlier run left (interrupted) go first: they resume.
    let mut pending: Vec<Planned> = initial.queue;
    if let Ok(rd) = std::fs::read_dir(&paths.lanes_dir) {
        for e in rd.flatten() {
            let id = e.file_name().to_string_lossy().to_string();
            if !pending.iter().any(|q| q.id == id) {
                board_ui.note(&format!(
                    "note: lane {} is kept from an earlier run but its ticket is not in this run; look at it, then `git worktree remove {}`",
                    id,
                    p.display_path(&e.path())
                ));
            }
        }
    }
    pending.sort_by_key(|q| !paths.lanes_dir.join(&q.id).join(".git").exists());
    let (tx, rx) = mpsc::channel::<Event>();
    let mut running: HashMap<usize, Running> = HashMap::new();
    let mut dispatched = 0usize;
    let mut stopping = false;
    let mut interrupted_at: Option<Instant> = None;
    loop {
        if agent::INTERRUPTED.load(Ordering::SeqCst) && interrupted_at.is_none() {
            interrupted_at = Some(Instant::now());
            stopping = true;
            summary.stopped = Some("interrupted");
            board_ui.note("interrupted: stopping every lane (each records where it was)");
            for r in running.values() {
                signal(r.pid, libc::SIGTERM);
            }
        }
        if let Some(at) = interrupted_at
            && at.elapsed() > Duration::from_secs(20)
        {
            // A lane that did not stop in time: kill its process group.
            for r in running.values() {
                if let Ok(pid) = i32::try_from(r.pid) {
                    // SAFETY: signalling the group of a child we spawned.
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                    }
                }
            }
        }
        if !stopping && paths.stop_file.exists() {
            let _ = std::fs::remove_file(&paths.stop_file);
            stopping = true;
            summary.stopped = Some("stop");
            board_ui.note(
                "stop requested (docket run --stop): lanes finish their ticket, no new ones start",
            );
            for r in running.values() {
                let stop = lane_paths(p, &g, &r.dir).stop_file;
                if let Some(d) = stop.parent() {
                    let _ = std::fs::create_dir_all(d);
                }
                let _ = std::fs::write(stop, b"stop\n");
            }
        }
        // Fill free lanes.
        while !stopping && running.len() < lanes.n && !pending.is_empty() {
            if s.max.is_some_and(|m| dispatched >= m) {
                summary.stopped = Some("max");
                stopping = true;
                break;
            }
            // An error here must not abandon running lanes: stop dispatching
            // and let them finish.
            let board: HashMap<String, RunTicket> = match super::board(p) {
                Ok(b) => b.into_iter().map(|b| (b.id.clone(), b)).collect(),
                Err(e) => {
                    board_ui.note(&format!("cannot read the board ({e}); no new lanes start"));
                    stopping = true;
                    break;
                }
            };
            let busy: HashSet<String> = running.values().map(|r| r.item.id.clone()).collect();
            let sched = lanes::schedule(&p.config, &pending, &board, &busy);
            let mut take = sched.take;
            for (i, reason, because) in sched.deferred.iter().rev() {
                let item = pending.remove(*i);
                if take.is_some_and(|t| t > *i) {
                    take = take.map(|t| t - 1);
                }
                board_ui.note(&format!(
                    "  deferred {} ({}): {reason}",
                    item.id, item.stage
                ));
                push_skip(
                    &mut summary.skipped,
                    &item,
                    SkipKind::Deferred,
                    reason.clone(),
                    because.clone(),
                );
            }
            let Some(i) = take else { break };
            let item = pending.remove(i);
            if let Some(c) = docket_core::claims::get(p, &item.id).filter(|c| c.session.is_some()) {
                let reason = format!("claimed by {} since {}", c.name, c.since);
                board_ui.note(&format!("  skipped {}: {reason}", item.id));
                push_skip(
                    &mut summary.skipped,
                    &item,
                    SkipKind::Claimed,
                    reason,
                    vec![],
                );
                continue;
            }
            let slot = (0..lanes.n).find(|k| !running.contains_key(k)).unwrap_or(0);
            let kept = paths.lanes_dir.join(&item.id);
            if kept.join(".git").exists()
                && !lane_paths(p, &g, &kept).current_file.exists()
                && !g.is_merged(&lanes::branch_name(&item.id))
            {
                // A lane whose work finished but was never merged (its
                // orchestrator died): merge it instead of running it again.
                board_ui.note(&format!(
                    "merging the finished lane of {} left by an earlier run",
                    item.id
                ));
                let r = Running {
                    item,
                    dir: kept,
                    pid: 0,
                    last: String::new(),
                    started: Instant::now(),
                };
                let done = r#"{"ok":true,"data":{"runs":[],"stopped":null}}"#;
                match finish_lane(p, &g, s, &paths, &run_dir, &branch, slot, r, Some(0), done) {
                    Ok(report) => summary.lanes.push(report),
                    Err(e) => board_ui.note(&format!("  cannot merge it: {e}")),
                }
                continue;
            }
            match start_lane(p, &g, s, lanes, &paths, &item, slot, tx.clone()) {
                Ok((dir, pid)) => {
                    dispatched += 1;
                    board_ui.set(slot, format!("{} {} {} …", item.stage, item.id, item.title));
                    running.insert(
                        slot,
                        Running {
                            item,
                            dir,
                            pid,
                            last: String::new(),
                            started: Instant::now(),
                        },
                    );
                }
                Err(e) => {
                    board_ui.note(&format!("  skipped {}: {e}", item.id));
                    push_skip(
                        &mut summary.skipped,
                        &item,
                        SkipKind::Deferred,
                        e.to_string(),
                        vec![],
                    );
                }
            }
        }
        if running.is_empty() {
            if !stopping && !pending.is_empty() {
                // Nothing runs and nothing can start: the rest waits on tickets
                // that did not move.
                for item in pending.drain(..) {
                    push_skip(
                        &mut summary.skipped,
                        &item,
                        SkipKind::Deferred,
                        "its dependencies did not advance in this run".into(),
                        vec![],
                    );
                }
            }
            break;
        }
        board_ui.draw(&running);
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Event::Line(slot, line)) => {
                if let Some(r) = running.get_mut(&slot) {
                    let text = line.trim().to_string();
                    let text = text.trim_start_matches("· ").to_string();
                    if !text.is_empty() {
                        r.last = text.clone();
                        board_ui.set(slot, format!("{}: {text}", r.item.id));
                    }
                }
            }
            Ok(Event::Exit(slot, code, stdout)) => {
                let Some(r) = running.remove(&slot) else {
                    continue;
                };
                let (ticket, title, stage) = (
                    r.item.id.clone(),
                    r.item.title.clone(),
                    r.item.stage.clone(),
                );
                let worktree = p.display_path(&r.dir);
                // A lane that cannot be merged or cleaned up is kept, and the
                // other lanes go on.
                let report =
                    finish_lane(p, &g, s, &paths, &run_dir, &branch, slot, r, code, &stdout)
                        .unwrap_or_else(|e| LaneReport {
                            branch: lanes::branch_name(&ticket),
                            ticket,
                            title,
                            stage,
                            lane: slot + 1,
                            worktree,
                            outcome: "kept",
                            stopped: Some("error".into()),
                            merge_commit: None,
                            conflicts: Vec::new(),
                            parked: None,
                            error: Some(e.to_string()),
                            runs: Vec::new(),
                        });
                board_ui.set(
                    slot,
                    format!(
                        "{} {}: {}{}",
                        report.ticket,
                        report.stage,
                        report.outcome,
                        report
                            .merge_commit
                            .as_ref()
                            .map(|h| format!(" · merge {}", &h[..h.len().min(10)]))
                            .unwrap_or_default()
                    ),
                );
                summary.lanes.push(report);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    board_ui.clear();
    Ok(summary)
}

fn push_skip(
    out: &mut Vec<Skipped>,
    item: &Planned,
    kind: SkipKind,
    reason: String,
    because: Vec<String>,
) {
    out.retain(|o| o.id != item.id);
    out.push(Skipped {
        id: item.id.clone(),
        title: item.title.clone(),
        stage: item.stage.clone(),
        kind,
        reason,
        because,
    });
}

/// Make (or reuse) the lane's worktree and start its child run.
#[allow(clippy::too_many_arguments)]
fn start_lane(
    p: &Project,
    g: &Git,
    s: &Settings,
    lanes: &Lanes,
    paths: &RunPaths,
    item: &Planned,
    slot: usize,
    tx: mpsc::Sender<Event>,
) -> Result<(PathBuf, u32), Error> {
    let dir = paths.lanes_dir.join(&item.id);
    let branch = lanes::branch_name(&item.id);
    if !dir.join(".git").exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        if g.branch_exists(&branch) {
            if g.is_merged(&branch) {
                g.branch_delete(&branch)?;
            } else {
                return Err(Error::RunnerFailed {
                    message: format!(
                        "branch {branch} from an earlier lane is not merged; merge or delete it (git branch -D {branch}) to run the ticket again"
                    ),
                });
            }
        }
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        g.worktree_add(&dir, &branch)?;
    }
    // The project inside the lane: same place relative to the repository top.
    let rel = p.root.strip_prefix(&g.top).unwrap_or(Path::new(""));
    let cwd = dir.join(rel);
    let exe = std::env::current_exe().map_err(|e| Error::RunnerFailed {
        message: format!("cannot find the docket binary to start a lane: {e}"),
    })?;
    let mut cmd = Command::new(exe);
    cmd.args(["run", "--json", "--events", "--ticket", &item.id])
        .args(["--agent", &s.agent_name])
        .args([
            "--strategy",
            match s.strategy {
                Strategy::Chase => "chase",
                // A lane runs one ticket: live has nothing more to re-read.
                _ => "batch",
            },
        ])
        .arg("--retry-failed")
        .current_dir(&cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(st) = &lanes.stages_spec {
        cmd.args(["--stages", st]);
    }
    if let Some(m) = lanes.max_sequence {
        cmd.args(["--max-sequence", &m.to_string()]);
    }
    if let Some(i) = &lanes.idle_spec {
        cmd.args(["--idle-timeout", i]);
    }
    if s.skip_blocked {
        cmd.arg("--skip-blocked");
    }
    // The lane's worktree is another path: it runs on the trust its
    // orchestrator checked, as long as its own config hashes the same.
    if let Some(h) = &s.trusted_hash {
        cmd.args(["--trusted-hash", h]);
    }
    let mut child = cmd.spawn().map_err(|e| Error::RunnerFailed {
        message: format!("cannot start a lane for {}: {e}", item.id),
    })?;
    let pid = child.id();
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let r = BufReader::new(err);
            for line in r.lines() {
                let Ok(line) = line else { break };
                if tx.send(Event::Line(slot, line)).is_err() {
                    break;
                }
            }
        });
    }
    let mut out = child.stdout.take();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_string(&mut text);
        }
        let code = child.wait().ok().and_then(|st| st.code());
        let _ = tx.send(Event::Exit(slot, code, text));
    });
    Ok((dir, pid))
}

/// A lane's child run ended: record, merge or keep, report.
#[allow(clippy::too_many_arguments)]
fn finish_lane(
    p: &Project,
    g: &Git,
    s: &Settings,
    paths: &RunPaths,
    run_dir: &Path,
    branch: &str,
    slot: usize,
    r: Running,
    code: Option<i32>,
    stdout: &str,
) -> Result<LaneReport, Error> {
    let env: Option<serde_json::Value> = serde_json::from_str(stdout.trim()).ok();
    let ok = env
        .as_ref()
        .and_then(|v| v.get("ok"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let data = env.as_ref().and_then(|v| v.get("data")).cloned();
    let error = env
        .as_ref()
        .and_then(|v| v.pointer("/error/message"))
        .and_then(|m| m.as_str())
        .map(str::to_string);
    let mut stopped: Option<String> = data
        .as_ref()
        .and_then(|d| d.get("stopped"))
        .and_then(|s| s.as_str())
        .map(str::to_string);
    if code == Some(130) {
        stopped = Some("interrupted".into());
    } else if !ok && stopped.is_none() {
        stopped = Some("error".into());
    }
    let mut runs: Vec<serde_json::Value> = data
        .as_ref()
        .and_then(|d| d.get("runs"))
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    for run in &runs {
        if let (Some(t), Some(st), Some(o)) = (
            run.get("ticket").and_then(|v| v.as_str()),
            run.get("stage").and_then(|v| v.as_str()),
            run.get("outcome").and_then(|v| v.as_str()),
        ) {
            super::note_outcome(paths, t, st, o == "failed");
        }
    }
    let lane_branch = lanes::branch_name(&r.item.id);
    let mut report = LaneReport {
        ticket: r.item.id.clone(),
        title: r.item.title.clone(),
        stage: r.item.stage.clone(),
        lane: slot + 1,
        branch: lane_branch.clone(),
        worktree: p.display_path(&r.dir),
        outcome: "kept",
        stopped: stopped.clone(),
        merge_commit: None,
        conflicts: Vec::new(),
        parked: None,
        error: error.or_else(|| {
            (!ok && env.is_none())
                .then(|| format!("the lane's run ended without a summary (exit {code:?})"))
        }),
        runs: Vec::new(),
    };
    if lanes::lane_end(stopped.as_deref()) == LaneEnd::Keep {
        // Logs stay in the kept worktree; point at them from here.
        let prefix = format!("{}/", report.worktree);
        for run in runs.iter_mut() {
            if let Some(l) = run.get("log").and_then(|v| v.as_str()) {
                let l = format!("{prefix}{l}");
                run["log"] = serde_json::Value::String(l);
            }
        }
        report.runs = runs;
        return Ok(report);
    }
    // Keep the lane's logs and stats with this run's before the worktree goes.
    let lane_paths = lane_paths(p, g, &r.dir);
    let dest = run_dir.join("lanes").join(&r.item.id);
    if lane_paths.logs_dir.is_dir() {
        if let Some(parent) = dest.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::rename(&lane_paths.logs_dir, &dest);
    }
    if let Ok(stats) = std::fs::read_to_string(&lane_paths.stats_file)
        && let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&paths.stats_file)
    {
        let _ = f.write_all(stats.as_bytes());
    }
    let dest_rel = p.display_path(&dest);
    for run in runs.iter_mut() {
        if let Some(l) = run.get("log").and_then(|v| v.as_str()) {
            // `.docket/local/logs/<run>/<file>` inside the lane → moved here.
            let tail = l.split_once("/logs/").map(|(_, t)| t).unwrap_or(l);
            run["log"] = serde_json::Value::String(format!("{dest_rel}/{tail}"));
        }
    }
    report.runs = runs;
    let message = format!(
        "docket run: merge lane {} {}\n\nBranch {lane_branch} into {branch} (docket run --parallel).\n",
        r.item.id, r.item.title
    );
    match g.merge(&lane_branch, &message)? {
        Merged::Commit(h) => {
            report.outcome = "merged";
            report.merge_commit = Some(h);
            g.worktree_remove(&r.dir, &lane_branch)?;
        }
        Merged::Conflict { files, why } => {
            report.outcome = "conflict";
            report.conflicts = files.clone();
            // The branch stays for a person; the worktree is not needed for that.
            let d = r.dir.to_string_lossy().to_string();
            let _ = Command::new("git")
                .args([
                    "-C",
                    &g.top.to_string_lossy(),
                    "worktree",
                    "remove",
                    "--force",
                    &d,
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            report.parked = park(p, g, s, &r.item, &lane_branch, branch, &files, &why)?;
        }
    }
    Ok(report)
}

/// A lane's merge conflicted: park the ticket (the workflow's parked status,
/// else leave it in its stage) with a note naming the files, and commit that.
#[allow(clippy::too_many_arguments)]
fn park(
    p: &Project,
    g: &Git,
    s: &Settings,
    item: &Planned,
    lane_branch: &str,
    branch: &str,
    files: &[String],
    why: &str,
) -> Result<Option<String>, Error> {
    let before = g.snapshot()?;
    let what = if files.is_empty() {
        format!("git said: {}", why.lines().next().unwrap_or("merge failed"))
    } else {
        format!("conflicting files: {}", files.join(", "))
    };
    let parked_status = p
        .config
        .workflow
        .statuses
        .iter()
        .find(|st| p.config.is_parked(st))
        .cloned();
    let note = format!(
        "docket run --parallel: the lane's work on branch {lane_branch} does not merge into {branch} ({what}). The merge was aborted; the branch is kept for a person to merge (git merge {lane_branch}) or drop (git branch -D {lane_branch}).{}",
        match &parked_status {
            Some(st) => format!(" Parked in {st}."),
            None => " Left in its stage.".to_string(),
        }
    );
    let mut parked = None;
    if let Some(st) = &parked_status
        && p.get(&item.id).is_ok_and(|t| t.meta.status != *st)
    {
        let moved = ops::transition(
            p,
            &s.ctx,
            &item.id,
            Target::Status(st.clone()),
            MoveOptions {
                summary: Some(note.clone()),
                ..Default::default()
            },
        );
        if moved.is_ok() {
            parked = Some(st.clone());
        }
    }
    if parked.is_none() && p.get(&item.id).is_ok() {
        ops::add_note(p, &s.ctx, &item.id, &note)?;
    }
    let changed = g.changed_since(&before)?;
    let msg = format!(
        "docket run: park {} {} (merge conflict)\n\n{note}\n",
        item.id, item.title
    );
    if let Committed::Refused { .. } = g.commit_paths(&changed, &msg, usize::MAX)? {
        // Cannot happen with no limit; keep the compiler honest.
    }
    Ok(parked)
}

/// Human summary of a parallel run.
pub fn summary_text(sum: &ParallelSummary) -> String {
    let count = |o: &str| sum.lanes.iter().filter(|l| l.outcome == o).count();
    let mut s = format!(
        "docket run --parallel {} (agent {}, into {}): {} lane run(s): {} merged, {} conflict(s) parked, {} kept\n",
        sum.parallel,
        sum.agent,
        sum.branch,
        sum.lanes.len(),
        count("merged"),
        count("conflict"),
        count("kept"),
    );
    for l in &sum.lanes {
        let outcome = l
            .runs
            .last()
            .and_then(|r| r.get("outcome"))
            .and_then(|o| o.as_str())
            .unwrap_or("-");
        s.push_str(&format!(
            "  lane {} {:<9} {:<10} {}  {}  (agent: {outcome}){}\n",
            l.lane,
            l.outcome,
            l.stage,
            l.ticket,
            l.title,
            match l.outcome {
                "conflict" => format!(
                    "\n      conflicts in {}; branch {} kept{}",
                    l.conflicts.join(", "),
                    l.branch,
                    l.parked
                        .as_ref()
                        .map(|st| format!(", ticket parked in {st}"))
                        .unwrap_or_default()
                ),
                "kept" => format!(
                    "\n      worktree {} kept ({}){}",
                    l.worktree,
                    l.stopped.as_deref().unwrap_or("unfinished"),
                    l.error
                        .as_ref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                ),
                _ => String::new(),
            }
        ));
    }
    s.push_str(&crate::commands::run::skipped_lines(&sum.skipped));
    match sum.stopped {
        Some("stop") => s.push_str("Stopped on request (docket run --stop): running lanes finished their ticket.\n"),
        Some("max") => s.push_str("Stopped at --max.\n"),
        Some("interrupted") => s.push_str(
            "Interrupted: every lane recorded where it was and kept its worktree; the next `docket run --parallel` resumes them first.\n",
        ),
        _ => {}
    }
    s.push_str(&format!("Logs: {}\n", sum.log_dir));
    s
}
