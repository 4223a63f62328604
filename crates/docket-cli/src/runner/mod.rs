//! The runner's front-end half: it executes what `docket_core::runner::plan`
//! decides. For each ticket it starts a session with the stage's role, renders
//! the prompt, supervises the agent ([`agent`]), records the outcome in the
//! ticket, and commits what the agent changed ([`git`]), showing progress on
//! the terminal ([`progress`]).

pub mod agent;
pub mod git;
pub mod parallel;
pub mod progress;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use docket_core::insight::UsageFigures;
use docket_core::ops::{self, Ctx};
use docket_core::runner::adapter::{self, Invocation, Usage};
use docket_core::runner::plan::{self, PlanOptions, RunTicket, SkipKind, Skipped, StageSel};
use docket_core::runner::trust;
use docket_core::runner::{AgentConfig, ModelChoice};
use docket_core::runner::{InFlight, RunPaths, backoff, progress_label, prompt};
use docket_core::store::FileRef;
use docket_core::{Error, Project, session};
use serde::Serialize;

use agent::{AgentSpec, Exit};
use git::{Committed, Git};
use progress::Progress;

/// How `docket run` walks the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Each stage in turn, one move per ticket.
    Batch,
    /// Follow one ticket through every stage before the next.
    Chase,
    /// Re-read the board after every agent run and take the first runnable ticket.
    Live,
}

/// What to do with uncommitted changes found at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DirtyPolicy {
    Salvage,
    Abort,
    Ignore,
}

/// Everything a run needs, resolved from flags and config.
pub struct Settings {
    pub strategy: Strategy,
    pub stages: Vec<StageSel>,
    pub max: Option<usize>,
    pub agent_name: String,
    pub agent: AgentConfig,
    pub commit: bool,
    pub idle: Duration,
    pub dirty: DirtyPolicy,
    pub skip_blocked: bool,
    pub max_deletions: usize,
    pub max_chain: usize,
    pub quiet: bool,
    /// Print the agent's activity as lines (a lane of `--parallel` reports to
    /// its orchestrator this way).
    pub events: bool,
    /// Who records outcomes (`docket run`, plus the invoking session if any).
    pub ctx: Ctx,
    /// The trust hash checked at start (`None`: nothing needed trust); every
    /// ticket re-checks against it, and `--parallel` lanes get it.
    pub trusted_hash: Option<String>,
}

/// One agent run over one ticket, as reported in the summary.
#[derive(Debug, Clone, Serialize)]
pub struct TicketRun {
    pub ticket: String,
    pub title: String,
    pub stage: String,
    /// `advanced`, `not_advanced` or `failed`.
    pub outcome: &'static str,
    /// Status after the run (`None` when the ticket is gone: split or deleted).
    pub to: Option<String>,
    pub exit: String,
    pub attempts: u32,
    pub duration_ms: u64,
    pub usage: Usage,
    pub session: String,
    pub log: String,
    pub commit: Option<String>,
    /// Set when the deletion guard refused the commit.
    pub refused_deletions: Option<Vec<String>>,
}

/// The whole run, as printed at the end (`--json`: the envelope's data).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub strategy: Strategy,
    pub agent: String,
    pub runs: Vec<TicketRun>,
    pub skipped: Vec<Skipped>,
    /// Why the run ended early: `stop`, `max`, `interrupted`, `commit_refused`.
    pub stopped: Option<&'static str>,
    pub salvage_commit: Option<String>,
    pub log_dir: String,
}

/// Every ticket of the project as the planner sees it; tickets in runnable
/// statuses are read whole for their sequence.
pub fn board(p: &Project) -> Result<Vec<RunTicket>, Error> {
    let scan = p.scan()?;
    let mut out = Vec::with_capacity(scan.entries.len());
    for e in &scan.entries {
        if !e.archived && p.config.is_runnable(&e.meta.status) {
            let f = FileRef {
                id: e.meta.id.to_string(),
                path: e.path.clone(),
                archived: e.archived,
            };
            match p.read(&f) {
                Ok(t) => out.push(RunTicket::from_ticket(&t)),
                Err(_) => out.push(RunTicket::from_meta(&e.meta)),
            }
        } else {
            out.push(RunTicket::from_meta(&e.meta));
        }
    }
    Ok(out)
}

/// The interrupted run's ticket, if a previous run left one in flight.
pub fn in_flight(paths: &RunPaths) -> Option<InFlight> {
    // Regular files only: a FIFO put in its place must not block the run.
    let text = docket_core::store::read_local_text(&paths.current_file).ok()?;
    serde_json::from_str(&text).ok()
}

/// The result of handing one ticket to the agent.
enum Step {
    /// The agent ran; the ticket's status afterwards (None: gone).
    Ran { advanced: bool, to: Option<String> },
    /// Not run: gated, moved or gone before its turn.
    NotRun,
    /// The run must end now.
    Stop,
}

struct Runner<'a> {
    p: &'a Project,
    s: &'a Settings,
    paths: RunPaths,
    git: Option<Git>,
    progress: Progress,
    run_dir: PathBuf,
    summary: Summary,
    resume: Option<InFlight>,
    count: usize,
    total: String,
    /// Chase: the chain being followed and its moves so far (progress label).
    chain: Option<(usize, usize)>,
}

/// Execute a run. The plan was made (and validated) by the caller, holding
/// the run lock ([`take_run_lock`]).
pub fn execute(p: &Project, s: &Settings, initial: plan::RunPlan) -> Result<Summary, Error> {
    let paths = RunPaths::new(p);
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let run_dir = paths
        .logs_dir
        .join(format!("{stamp}-{}", std::process::id()));
    let mut progress = Progress::new(s.quiet, s.events);
    let git = if s.commit {
        match Git::discover(&p.root) {
            Some(g) => Some(g),
            None => {
                progress.note("note: not a git repository; the run makes no commits");
                None
            }
        }
    } else {
        None
    };
    let mut salvage_commit = None;
    if let Some(g) = &git {
        g.check_identity()?;
        if let Some(f) = in_flight(&paths) {
            recover_interrupted(p, g, &f, s, &mut progress)?;
        }
        let dirty = g.snapshot()?;
        if !dirty.is_empty() {
            let list: Vec<String> = dirty.keys().cloned().collect();
            match s.dirty {
                DirtyPolicy::Abort => return Err(Error::DirtyTree { paths: list }),
                DirtyPolicy::Salvage => {
                    let hash =
                        g.salvage("docket run: salvage uncommitted changes found before the run")?;
                    progress.note(&format!(
                        "salvaged {} uncommitted change(s) in {}",
                        list.len(),
                        &hash[..hash.len().min(12)]
                    ));
                    salvage_commit = Some(hash);
                }
                DirtyPolicy::Ignore => progress.note(&format!(
                    "note: {} uncommitted change(s) left alone and kept out of the run's commits",
                    list.len()
                )),
            }
        }
    }
    // A stop request from before this run started is stale.
    let _ = std::fs::remove_file(&paths.stop_file);
    agent::install_signal_handlers();
    let total = match s.strategy {
        Strategy::Live => "?".to_string(),
        _ => {
            let n = initial.queue.len();
            s.max.map(|m| m.min(n)).unwrap_or(n).to_string()
        }
    };
    let resume = in_flight(&paths);
    let mut r = Runner {
        p,
        s,
        progress,
        run_dir: run_dir.clone(),
        summary: Summary {
            strategy: s.strategy,
            agent: s.agent_name.clone(),
            runs: Vec::new(),
            skipped: Vec::new(),
            stopped: None,
            salvage_commit,
            log_dir: p.display_path(&run_dir),
        },
        paths,
        git,
        resume,
        count: 0,
        total,
        chain: None,
    };
    match s.strategy {
        Strategy::Batch => r.batch(initial)?,
        Strategy::Chase => r.chase(initial)?,
        Strategy::Live => r.live(initial)?,
    }
    Ok(r.summary)
}

/// One run per worktree at a time: a second would race for the same tickets.
/// The lock is released when the returned file is dropped (or the process dies).
pub fn take_run_lock(p: &Project) -> Result<std::fs::File, Error> {
    let run_lock_path = p.local_dir().join("run").join("lock");
    if let Some(dir) = run_lock_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let run_lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&run_lock_path)
        .map_err(|e| Error::io(&run_lock_path, e))?;
    if run_lock.try_lock().is_err() {
        return Err(Error::RunnerFailed {
            message:
                "another `docket run` is active in this project (stop it with `docket run --stop`)"
                    .into(),
        });
    }
    Ok(run_lock)
}

/// Uncommitted changes a run would find at start, leaving out what an
/// interrupted run left (the run commits that itself and resumes).
pub fn dirty_paths(p: &Project, flight: Option<&InFlight>) -> Result<Vec<String>, Error> {
    let Some(g) = Git::discover(&p.root) else {
        return Ok(Vec::new());
    };
    Ok(g.snapshot()?
        .into_keys()
        .filter(|k| flight.is_none_or(|f| f.baseline.contains(k)))
        .collect())
}

/// A run that died without recording its interruption (killed hard, a crash)
/// leaves its agent's work uncommitted: every dirty path that was clean when
/// the agent started is that work. Commit it with the ticket, so the next run
/// starts from a clean tree and resumes the ticket (the in-flight record stays).
fn recover_interrupted(
    p: &Project,
    g: &Git,
    f: &InFlight,
    s: &Settings,
    progress: &mut Progress,
) -> Result<(), Error> {
    let leftovers: Vec<String> = g
        .snapshot()?
        .into_keys()
        .filter(|k| !f.baseline.contains(k))
        .collect();
    if leftovers.is_empty() {
        return Ok(());
    }
    let message = format!(
        "docket({}): {} work of an interrupted run\n\nThe run stopped while the agent worked ({}); the next run resumes the ticket. Log: {}\n",
        f.stage, f.ticket, f.started, f.log
    );
    match g.commit_paths(&leftovers, &message, s.max_deletions)? {
        Committed::Commit(h) => progress.note(&format!(
            "committed {} change(s) an interrupted run left on {} ({}); resuming it",
            leftovers.len(),
            f.ticket,
            &h[..h.len().min(10)]
        )),
        Committed::Nothing => {}
        Committed::Refused { deletions } => {
            return Err(Error::RunnerFailed {
                message: format!(
                    "an interrupted run on {} left changes that delete {} files ({}); review them, commit or restore, then run again",
                    f.ticket,
                    deletions.len(),
                    deletions.join(", ")
                ),
            });
        }
    }
    let _ = p;
    Ok(())
}

/// The recorded failures (back-off), empty when none or unreadable.
pub fn load_failures(paths: &RunPaths) -> backoff::Failures {
    // Regular files only (a FIFO must not block the run); a big history is fine.
    docket_core::store::read_small_regular(&paths.failures_file, 1 << 26)
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Record one agent run's outcome in the back-off file (best effort: losing
/// it only means a failed ticket is tried again sooner).
pub fn note_outcome(paths: &RunPaths, ticket: &str, stage: &str, failed: bool) {
    let mut all = load_failures(paths);
    let before = all.clone();
    backoff::record(
        &mut all,
        ticket,
        stage,
        failed,
        &ops::format_ts(jiff::Timestamp::now()),
    );
    if all == before {
        return;
    }
    if let Some(dir) = paths.failures_file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(text) = serde_json::to_string_pretty(&all) {
        let _ = docket_core::store::write_atomic(&paths.failures_file, text.as_bytes());
    }
}

/// Tickets resting after failures, with when they may run again.
pub fn resting(paths: &RunPaths, board: &[RunTicket]) -> HashMap<String, String> {
    let all = load_failures(paths);
    let now = ops::format_ts(jiff::Timestamp::now());
    board
        .iter()
        .filter_map(|t| {
            let f = all.get(&t.id)?;
            Some((t.id.clone(), backoff::resting_until(f, &t.status, &now)?))
        })
        .collect()
}

/// Live claims of sessions (id → holder's name): tickets someone works on
/// now. Claims without a session do not hold the runner off (see
/// `claims::claim_for_session`), nor does the claim of an interrupted run's
/// agent on the ticket it left in flight.
pub fn claimed(p: &Project, flight: Option<&InFlight>) -> HashMap<String, String> {
    let mine = flight.and_then(|f| f.session.clone());
    docket_core::claims::all(p)
        .into_iter()
        .filter_map(|c| {
            let live = docket_core::claims::get(p, &c.ticket)?;
            let held = live.session.is_some() && live.session != mine;
            held.then_some((live.ticket, live.name))
        })
        .collect()
}

/// A run about to resume: end the session an interrupted run's agent left
/// (killed hard, nobody ended it), which releases its claims.
pub fn end_stale_session(p: &Project, flight: &InFlight) {
    if let Some(id) = &flight.session
        && let Ok(s) = session::find(p, id)
    {
        let _ = session::end(p, &s);
    }
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

fn usage_text(u: &Usage) -> String {
    let mut parts = Vec::new();
    if u.reported {
        parts.push(format!("{} tokens", u.tokens()));
    }
    if u.tool_calls > 0 {
        parts.push(format!("{} tool calls", u.tool_calls));
    }
    if let Some(c) = u.cost_usd {
        parts.push(format!("${c:.2}"));
    }
    parts.iter().map(|p| format!(", {p}")).collect()
}

/// An agent run's figures as a usage record: tokens only when the agent
/// reported them, the wall time always.
fn run_usage(u: &Usage, dur: Duration, model: &Option<String>) -> UsageFigures {
    UsageFigures {
        tokens: None,
        input: u.reported.then_some(u.input_tokens),
        output: u.reported.then_some(u.output_tokens),
        cached: (u.reported && u.cache_read_tokens > 0).then_some(u.cache_read_tokens),
        tools: (u.tool_calls > 0).then_some(u.tool_calls),
        duration_s: Some(dur.as_secs()),
        cost: u.cost_usd.filter(|c| c.is_finite() && *c >= 0.0),
        model: model.clone().filter(|m| !m.trim().is_empty()),
    }
}

pub(crate) fn safe_name(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

impl Runner<'_> {
    fn skip(&mut self, sk: Skipped) {
        self.progress.note(&format!(
            "  {} {} ({}): {}",
            match sk.kind {
                SkipKind::Deferred => "deferred",
                _ => "skipped",
            },
            sk.id,
            sk.stage,
            sk.reason
        ));
        self.summary.skipped.retain(|o| o.id != sk.id);
        self.summary.skipped.push(sk);
    }

    /// Stop file, `--max` and interruption, checked between tickets.
    fn must_stop(&mut self, done: usize) -> bool {
        if agent::INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            self.summary.stopped = Some("interrupted");
            return true;
        }
        if self.paths.stop_file.exists() {
            let _ = std::fs::remove_file(&self.paths.stop_file);
            self.progress
                .note("stop requested (docket run --stop): stopping between tickets");
            self.summary.stopped = Some("stop");
            return true;
        }
        if self.s.max.is_some_and(|m| done >= m) {
            self.summary.stopped = Some("max");
            return true;
        }
        false
    }

    fn batch(&mut self, plan: plan::RunPlan) -> Result<(), Error> {
        self.summary.skipped = plan.skipped;
        for item in plan.queue {
            if self.must_stop(self.count) {
                break;
            }
            if let Step::Stop = self.process(&item.id, &item.stage, item.resume)? {
                break;
            }
        }
        Ok(())
    }

    fn chase(&mut self, plan: plan::RunPlan) -> Result<(), Error> {
        self.summary.skipped = plan.skipped;
        'roots: for (chains, item) in plan.queue.into_iter().enumerate() {
            if self.must_stop(chains) {
                break;
            }
            let mut status = item.stage.clone();
            let mut resume = item.resume;
            let mut moves = 0;
            loop {
                self.chain = Some((chains + 1, moves));
                match self.process(&item.id, &status, resume)? {
                    Step::Stop => break 'roots,
                    Step::NotRun => break,
                    Step::Ran { to, .. } => {
                        moves += 1;
                        resume = false;
                        match plan::chase_next(
                            &self.p.config,
                            &self.s.stages,
                            &status,
                            to.as_deref(),
                            moves,
                            self.s.max_chain,
                        ) {
                            Ok(()) => status = to.unwrap_or_default(),
                            Err(why) => {
                                self.progress
                                    .note(&format!("  chase of {} ends: {why}", item.id));
                                break;
                            }
                        }
                        if agent::INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
                            || self.paths.stop_file.exists()
                        {
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn live(&mut self, first: plan::RunPlan) -> Result<(), Error> {
        let mut attempts: HashMap<String, usize> = HashMap::new();
        let mut stuck: HashSet<String> = HashSet::new();
        let mut waiting: HashSet<String> = HashSet::new();
        let mut plan = first;
        loop {
            if self.must_stop(self.count) {
                break;
            }
            let pick = plan
                .queue
                .iter()
                .find(|q| {
                    !stuck.contains(&q.id)
                        && !waiting.contains(&q.id)
                        && attempts.get(&q.id).copied().unwrap_or(0) < self.s.max_chain
                })
                .cloned();
            let Some(item) = pick else { break };
            match self.process(&item.id, &item.stage, item.resume)? {
                Step::Stop => break,
                Step::NotRun => {
                    waiting.insert(item.id.clone());
                }
                Step::Ran { advanced, .. } => {
                    *attempts.entry(item.id.clone()).or_default() += 1;
                    if advanced {
                        waiting.clear();
                    } else {
                        stuck.insert(item.id.clone());
                    }
                }
            }
            let opts = PlanOptions {
                stages: self.s.stages.clone(),
                skip_blocked: self.s.skip_blocked,
                ..Default::default()
            };
            plan = plan::plan(&self.p.config, &board(self.p)?, &opts)?;
        }
        for sk in plan.skipped {
            if !self.summary.skipped.iter().any(|o| o.id == sk.id) {
                self.summary.skipped.push(sk);
            }
        }
        Ok(())
    }

    /// Hand `id` (expected in `stage`) to the agent, record the outcome, commit.
    fn process(&mut self, id: &str, stage: &str, resume: bool) -> Result<Step, Error> {
        let p = self.p;
        let cfg = &p.config;
        let Ok(t) = p.get(id) else {
            self.progress.note(&format!("  {id} is gone; skipped"));
            return Ok(Step::NotRun);
        };
        if t.meta.status != stage {
            self.progress.note(&format!(
                "  {id} moved to {} since the snapshot; skipped",
                t.meta.status
            ));
            return Ok(Step::NotRun);
        }
        let me = RunTicket::from_ticket(&t);
        let board: HashMap<String, RunTicket> =
            board(p)?.into_iter().map(|b| (b.id.clone(), b)).collect();
        let waits = plan::gate(cfg, &me, &board);
        if !waits.is_empty() {
            let because = me
                .deps
                .iter()
                .filter(|d| waits.iter().any(|w| w.contains(d.as_str())))
                .cloned()
                .collect();
            self.skip(Skipped {
                id: id.to_string(),
                title: t.meta.title.clone(),
                stage: stage.to_string(),
                kind: SkipKind::Deferred,
                reason: waits.join("; "),
                because,
            });
            return Ok(Step::NotRun);
        }
        self.count += 1;
        let n = self.count;
        let stage_cfg = cfg.stage(stage).cloned().unwrap_or_default();
        let role = stage_cfg
            .role
            .clone()
            .unwrap_or_else(|| "implementer".into());
        let ModelChoice { model, effort } =
            docket_core::runner::model_choice(cfg, stage, t.meta.tier.as_deref());
        let now = ops::format_ts(jiff::Timestamp::now());
        // The id's random characters (its tail is the clock, shared by
        // lanes that start in the same millisecond).
        let fresh = docket_core::id::generate("x");
        let suffix: String = docket_core::id::suffix(&fresh)
            .chars()
            .take(docket_core::id::RANDOM_LEN)
            .collect();
        let sess_name: String = format!("{}-run-{suffix}", safe_name(&role))
            .chars()
            .take(40)
            .collect();
        // The templates are read again for every ticket: one changed since the
        // run checked its trust (an agent may edit them) stops the run here.
        let material = trust::material(cfg, &self.paths.templates_dir)?;
        if material.required_for(&self.s.agent_name) {
            trust::require(&material, &p.root, None, self.s.trusted_hash.as_deref())?;
        }
        // Render once before anything starts, so a broken template fails cleanly.
        prompt::build(
            cfg,
            &self.paths.templates_dir,
            &prompt::PromptInput {
                ticket: &t,
                file_text: "",
                role: &role,
                advance: String::new(),
                resume: None,
            },
        )?;
        let sess = session::start_detached(p, &now, &role, Some(&sess_name))?;
        // Claim it for the agent's session: two runs (lanes, worktrees) never
        // work one ticket, and people see who has it.
        if let Err(c) = docket_core::claims::claim_for_session(p, id, &sess, &now)? {
            let _ = session::end(p, &sess);
            self.count -= 1;
            self.skip(Skipped {
                id: id.to_string(),
                title: t.meta.title.clone(),
                stage: stage.to_string(),
                kind: SkipKind::Claimed,
                reason: format!("claimed by {} since {}", c.name, c.since),
                because: vec![],
            });
            return Ok(Step::NotRun);
        }
        let base = format!("{n:03}-{}-{}", id, safe_name(stage));
        let mut resume_note = None;
        if resume && let Some(f) = self.resume.take().filter(|f| f.ticket == id) {
            resume_note = Some(prompt::resume_note(
                "interrupted",
                &f.started,
                &f.agent,
                &f.log,
            ));
        }
        let label = match self.chain {
            Some((chain, moves)) => progress_label(chain, &self.total, moves),
            None => progress_label(n, &self.total, 0),
        };
        let head = format!(
            "{label} {stage} {id} {}",
            t.meta.title.chars().take(50).collect::<String>()
        );
        self.progress.start(head);
        let baseline = match &self.git {
            Some(g) => Some(g.snapshot()?),
            None => None,
        };
        let mut attempts = 0;
        let mut total_dur = Duration::ZERO;
        let mut usage = Usage::default();
        let mut log_rel;
        let result = loop {
            attempts += 1;
            let t = p.get(id)?;
            let file_text = std::fs::read_to_string(&t.path).unwrap_or_default();
            let advance = format!("docket advance {id}");
            let prompt_text = prompt::build(
                cfg,
                &self.paths.templates_dir,
                &prompt::PromptInput {
                    ticket: &t,
                    file_text: &file_text,
                    role: &role,
                    advance,
                    resume: resume_note.clone(),
                },
            )?;
            let name = if attempts == 1 {
                base.clone()
            } else {
                format!("{base}-retry")
            };
            let log = self.run_dir.join(format!("{name}.log"));
            let prompt_file = self.run_dir.join(format!("{name}.prompt.md"));
            std::fs::create_dir_all(&self.run_dir).map_err(|e| Error::io(&self.run_dir, e))?;
            std::fs::write(&prompt_file, &prompt_text).map_err(|e| Error::io(&prompt_file, e))?;
            log_rel = p.display_path(&log);
            let flight = InFlight {
                ticket: id.to_string(),
                stage: stage.to_string(),
                agent: self.s.agent_name.clone(),
                started: now.clone(),
                log: log_rel.clone(),
                baseline: baseline
                    .as_ref()
                    .map(|b| b.keys().cloned().collect())
                    .unwrap_or_default(),
                session: Some(sess.id.clone()),
            };
            if let Some(dir) = self.paths.current_file.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            docket_core::store::write_atomic(
                &self.paths.current_file,
                serde_json::to_string_pretty(&flight)
                    .unwrap_or_default()
                    .as_bytes(),
            )?;
            let inv = Invocation {
                prompt: prompt_text.clone(),
                prompt_file: prompt_file.to_string_lossy().to_string(),
                model: model.clone(),
                effort: effort.clone(),
                ticket: id.to_string(),
                stage: stage.to_string(),
            };
            let argv = adapter::command_line(&self.s.agent, &inv);
            let spec = AgentSpec {
                header: format!(
                    "# docket run: {id} ({stage}) attempt {attempts}, agent {}, session {}\n# command: {}\n",
                    self.s.agent_name,
                    sess.name,
                    argv.first().cloned().unwrap_or_default()
                ),
                argv,
                stdin: self.s.agent.stdin.then(|| prompt_text.clone()),
                cwd: p.root.clone(),
                env: self.agent_env(&sess.id, id, stage, &log, &prompt_file),
                log,
                idle: self.s.idle,
                format: self.s.agent.format.clone(),
            };
            let res = match agent::run(&spec, &mut self.progress) {
                Ok(r) => r,
                Err(e) => {
                    let _ = session::end(p, &sess);
                    let _ = std::fs::remove_file(&self.paths.current_file);
                    return Err(e);
                }
            };
            total_dur += res.duration;
            usage.input_tokens += res.usage.input_tokens;
            usage.output_tokens += res.usage.output_tokens;
            usage.cache_read_tokens += res.usage.cache_read_tokens;
            usage.tool_calls += res.usage.tool_calls;
            usage.reported |= res.usage.reported;
            usage.cost_usd = match (usage.cost_usd, res.usage.cost_usd) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            if res.exit == Exit::TimedOut && attempts == 1 {
                self.progress.activity("idle timeout: retrying once");
                resume_note = Some(prompt::resume_note(
                    "killed after an idle timeout",
                    &now,
                    &self.s.agent_name,
                    &log_rel,
                ));
                continue;
            }
            break res.exit;
        };
        let _ = session::end(p, &sess);
        if result == Exit::Interrupted {
            // Record it and commit what the agent did so far with the note: the
            // tree is clean again, and the next plain `docket run` resumes this
            // ticket first (the in-flight record stays).
            let committed = self.git.is_some();
            let _ = ops::add_note(
                p,
                &self.s.ctx,
                id,
                &format!(
                    "docket run: interrupted while the agent worked{}. The next `docket run` resumes this ticket first, pointing the agent at this attempt's log: {log_rel}",
                    if committed {
                        "; its partial work is committed"
                    } else {
                        ""
                    }
                ),
            );
            let mut line = "interrupted: the next `docket run` resumes it".to_string();
            if let (Some(g), Some(before)) = (&self.git, &baseline) {
                let changed = g.changed_since(before)?;
                let message = format!(
                    "docket({stage}): {id} {} (interrupted)\n\nInterrupted while the agent worked; the next run resumes it. Log: {log_rel}\n",
                    t.meta.title
                );
                if let Committed::Commit(h) =
                    g.commit_paths(&changed, &message, self.s.max_deletions)?
                {
                    line.push_str(&format!(" · partial work in {}", &h[..h.len().min(10)]));
                }
            }
            self.progress.finish(&line);
            self.summary.stopped = Some("interrupted");
            return Ok(Step::Stop);
        }
        let after = p.get(id).ok();
        let to = after.as_ref().map(|a| a.meta.status.to_string());
        let moved = to.as_deref() != Some(stage);
        let (outcome, note) = match (&result, moved) {
            (Exit::Code(0), true) => (
                "advanced",
                format!(
                    "docket run: advanced {stage} → {} (agent {}, {}{}). Log: {log_rel}",
                    to.as_deref().unwrap_or("(removed)"),
                    self.s.agent_name,
                    fmt_duration(total_dur),
                    usage_text(&usage)
                ),
            ),
            (Exit::Code(0), false) => (
                "not_advanced",
                format!(
                    "docket run: not advanced. The agent ({}) finished without advancing the ticket; left in {stage} for a person to look at ({}{}). Log: {log_rel}",
                    self.s.agent_name,
                    fmt_duration(total_dur),
                    usage_text(&usage)
                ),
            ),
            (exit, _) => {
                let why = match exit {
                    Exit::TimedOut => format!(
                        "no output for {} twice (killed, retried once, killed again)",
                        fmt_duration(self.s.idle)
                    ),
                    other => format!("the agent ended with {}", agent::describe(other)),
                };
                (
                    "failed",
                    format!(
                        "docket run: failed: {why}; the ticket is {} (agent {}, {}{}). Log: {log_rel}",
                        to.as_deref().unwrap_or("gone"),
                        self.s.agent_name,
                        fmt_duration(total_dur),
                        usage_text(&usage)
                    ),
                )
            }
        };
        if after.is_some() {
            ops::add_note(p, &self.s.ctx, id, &note)?;
            // The run's usage as a `usage` entry by the agent's own session, so
            // it travels with the ticket and `stats` can burn it down by session.
            let figures = run_usage(&usage, total_dur, &model);
            let agent_ctx = ops::Ctx {
                actor: Some(sess.label()),
                session: Some(sess.clone()),
                ..self.s.ctx.clone()
            };
            ops::log_usage(
                p,
                &agent_ctx,
                id,
                &figures,
                Some(&format!("docket run: {stage} ({outcome})")),
            )?;
        }
        note_outcome(&self.paths, id, stage, outcome == "failed");
        self.record_stats(
            &now, id, stage, outcome, &to, &result, attempts, total_dur, &usage, &sess.name,
            &log_rel, &model,
        );
        let mut run = TicketRun {
            ticket: id.to_string(),
            title: t.meta.title.clone(),
            stage: stage.to_string(),
            outcome,
            to: to.clone(),
            exit: agent::describe(&result),
            attempts,
            duration_ms: u64::try_from(total_dur.as_millis()).unwrap_or(u64::MAX),
            usage,
            session: sess.name.clone(),
            log: log_rel,
            commit: None,
            refused_deletions: None,
        };
        let mut step = Step::Ran {
            advanced: outcome == "advanced",
            to,
        };
        if let (Some(g), Some(before)) = (&self.git, &baseline) {
            let changed = g.changed_since(before)?;
            let message = format!(
                "docket({stage}): {id} {}\n\n{}\n",
                t.meta.title,
                note.trim_start_matches("docket run: ")
            );
            match g.commit_paths(&changed, &message, self.s.max_deletions)? {
                Committed::Commit(h) => run.commit = Some(h),
                Committed::Nothing => {}
                Committed::Refused { deletions } => {
                    let text = format!(
                        "docket run: commit refused: the change deletes {} files (more than {}): {}. Left uncommitted for review; the run stopped.",
                        deletions.len(),
                        self.s.max_deletions,
                        deletions.join(", ")
                    );
                    if after.is_some() {
                        ops::add_note(p, &self.s.ctx, id, &text)?;
                    }
                    self.progress.note(&text);
                    run.refused_deletions = Some(deletions);
                    self.summary.stopped = Some("commit_refused");
                    step = Step::Stop;
                }
            }
        }
        let _ = std::fs::remove_file(&self.paths.current_file);
        let mut line = format!("{outcome} → {}", run.to.as_deref().unwrap_or("(removed)"));
        if let Some(h) = &run.commit {
            line.push_str(&format!(" · commit {}", &h[..h.len().min(10)]));
        }
        self.progress.finish(&line);
        self.summary.runs.push(run);
        Ok(step)
    }

    fn agent_env(
        &self,
        session: &str,
        id: &str,
        stage: &str,
        log: &std::path::Path,
        prompt_file: &std::path::Path,
    ) -> Vec<(String, String)> {
        let mut env = vec![
            ("DOCKET_SESSION".to_string(), session.to_string()),
            ("DOCKET_TICKET".into(), id.to_string()),
            ("DOCKET_STAGE".into(), stage.to_string()),
            ("DOCKET_RUN_LOG".into(), log.to_string_lossy().to_string()),
            (
                "DOCKET_PROMPT_FILE".into(),
                prompt_file.to_string_lossy().to_string(),
            ),
        ];
        // The agent calls the same docket that runs it.
        if let Ok(exe) = std::env::current_exe() {
            env.push(("DOCKET_BIN".into(), exe.to_string_lossy().to_string()));
            if let Some(dir) = exe.parent() {
                let path = std::env::var_os("PATH").unwrap_or_default();
                let mut dirs = vec![dir.to_path_buf()];
                dirs.extend(std::env::split_paths(&path));
                if let Ok(joined) = std::env::join_paths(dirs) {
                    env.push(("PATH".into(), joined.to_string_lossy().to_string()));
                }
            }
        }
        env
    }

    #[allow(clippy::too_many_arguments)]
    fn record_stats(
        &self,
        at: &str,
        id: &str,
        stage: &str,
        outcome: &str,
        to: &Option<String>,
        exit: &Exit,
        attempts: u32,
        dur: Duration,
        u: &Usage,
        session: &str,
        log: &str,
        model: &Option<String>,
    ) {
        let line = serde_json::json!({
            "at": at, "ticket": id, "stage": stage, "outcome": outcome, "to": to,
            "exit": agent::describe(exit), "attempts": attempts,
            "agent": self.s.agent_name, "model": model, "session": session,
            "duration_ms": u64::try_from(dur.as_millis()).unwrap_or(u64::MAX),
            "input_tokens": u.input_tokens, "output_tokens": u.output_tokens,
            "cache_read_tokens": u.cache_read_tokens, "tool_calls": u.tool_calls,
            "cost_usd": u.cost_usd, "usage_reported": u.reported, "log": log,
        });
        if let Some(dir) = self.paths.stats_file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.paths.stats_file)
        {
            let _ = writeln!(f, "{line}");
        }
    }
}
