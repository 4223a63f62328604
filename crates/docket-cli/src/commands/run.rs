//! `docket run`: drive coding agents through the runnable stages.

use std::time::Duration;

use clap::{Args, ValueEnum};
use docket_core::runner::plan::{self, PlanOptions, SkipKind, Skipped};
use docket_core::runner::trust::{self, Material, TrustState};
use docket_core::runner::{
    self as core_runner, AgentConfig, RunPaths, adapter, format_sequence, prompt,
};
use docket_core::{Error, Project};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, count};
use crate::runner::{self, DirtyPolicy, Settings, Strategy, Summary};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  docket run --dry-run\n  docket run --stages fix:15,plan,implement --max 5\n  docket run --strategy chase --agent codex\n  docket run --stop      (from another terminal: stop between tickets)\n\nSee docs/RUNNER.md."
)]
pub struct RunArgs {
    /// batch: each stage in turn; chase: one ticket through every stage; live: re-read the board after every run [default: config, else batch]
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// Stages in order, each with an optional sequence cap: fix:15,plan,implement
    #[arg(long, value_name = "LIST")]
    pub stages: Option<String>,
    /// Stop after N agent runs (chase: N tickets followed)
    #[arg(long, value_name = "N")]
    pub max: Option<usize>,
    /// Agent adapter: claude, codex, cursor, auggie, a [runner.agents.<name>], or a path to an executable (./my-agent)
    #[arg(long)]
    pub agent: Option<String>,
    /// Print what would run, in order, and why others wait; start nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Make no git commits
    #[arg(long)]
    pub no_commit: bool,
    /// Kill an agent silent this long, e.g. 10m or 30s [default: config, else 10m]
    #[arg(long, value_name = "DURATION")]
    pub idle_timeout: Option<String>,
    /// Uncommitted changes at start: salvage (commit them first), abort, or ignore (keep them out of the run's commits)
    #[arg(long, value_enum, default_value = "abort")]
    pub dirty_tree: DirtyArg,
    /// Drop up front every ticket whose dependency chain reaches a parked (blocked) ticket
    #[arg(long)]
    pub skip_blocked: bool,
    /// Ask a running `docket run` to stop between tickets, and exit
    #[arg(long, conflicts_with_all = ["dry_run", "write_templates"])]
    pub stop: bool,
    /// Copy the built-in prompt templates into .docket/templates/ (keeps existing files), and exit
    #[arg(long)]
    pub write_templates: bool,
    /// No progress lines on stderr
    #[arg(short, long)]
    pub quiet: bool,
    /// Run N agents at once, each on its own ticket in its own git worktree and branch, merging finished work back
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// Only tickets with a sequence at or below N, in every stage without its own cap (unnumbered tickets wait)
    #[arg(long, value_name = "N")]
    pub max_sequence: Option<f64>,
    /// Run tickets whose last agent run failed now, instead of after their back-off
    #[arg(long)]
    pub retry_failed: bool,
    /// Only this ticket (a lane of --parallel runs one ticket this way)
    #[arg(long, value_name = "ID", hide = true)]
    pub ticket: Option<String>,
    /// Report agent activity line by line (for an orchestrating --parallel run)
    #[arg(long, hide = true)]
    pub events: bool,
    /// The trust hash an orchestrating --parallel run checked (a lane's
    /// worktree is another path); accepted only if this config hashes the same
    #[arg(long, value_name = "HASH", hide = true)]
    pub trusted_hash: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StrategyArg {
    Batch,
    Chase,
    Live,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DirtyArg {
    Salvage,
    Abort,
    Ignore,
}

fn strategy_from(name: &str) -> Strategy {
    match name {
        "chase" => Strategy::Chase,
        "live" => Strategy::Live,
        _ => Strategy::Batch,
    }
}

fn stop(p: &Project, printer: &mut Printer) -> CliResult<u8> {
    let paths = RunPaths::new(p);
    if let Some(dir) = paths.stop_file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(&paths.stop_file, b"stop\n").map_err(|e| Error::io(&paths.stop_file, e))?;
    let rel = p.display_path(&paths.stop_file);
    printer.success(&json!({ "stop_file": rel }), None, || {
        format!("Stop requested ({rel}): a running `docket run` stops before its next ticket.")
    });
    Ok(0)
}

fn write_templates(p: &Project, printer: &mut Printer) -> CliResult<u8> {
    let dir = RunPaths::new(p).templates_dir;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut written = Vec::new();
    let mut kept = Vec::new();
    for (name, text) in prompt::DEFAULTS {
        let path = dir.join(name);
        if path.exists() {
            kept.push(p.display_path(&path));
        } else {
            docket_core::store::write_atomic(&path, text.as_bytes())?;
            written.push(p.display_path(&path));
        }
    }
    printer.success(&json!({ "written": written, "kept": kept }), None, || {
        let mut s = format!(
            "Wrote {} template(s) to {}",
            written.len(),
            p.display_path(&dir)
        );
        if !kept.is_empty() {
            s.push_str(&format!(" (kept {} existing)", kept.len()));
        }
        s
    });
    Ok(0)
}

pub(crate) fn skipped_lines(skipped: &[Skipped]) -> String {
    let mut s = String::new();
    for (kind, head) in [
        (SkipKind::Deferred, "Deferred"),
        (SkipKind::Blocked, "Dropped (--skip-blocked)"),
        (SkipKind::Capped, "Beyond the sequence cap"),
        (SkipKind::Mode, "Not for agents (mode)"),
        (
            SkipKind::BackOff,
            "Resting after a failure (--retry-failed runs them now)",
        ),
        (SkipKind::Claimed, "Claimed by another session"),
    ] {
        let items: Vec<&Skipped> = skipped.iter().filter(|k| k.kind == kind).collect();
        if items.is_empty() {
            continue;
        }
        s.push_str(&format!("{head}:\n"));
        for k in items {
            s.push_str(&format!(
                "  {:<10} {}  {} — {}\n",
                k.stage, k.id, k.title, k.reason
            ));
        }
    }
    s
}

fn summary_text(sum: &Summary) -> String {
    let mut s = String::new();
    let count = |o: &str| sum.runs.iter().filter(|r| r.outcome == o).count();
    let strategy = match sum.strategy {
        Strategy::Batch => "batch",
        Strategy::Chase => "chase",
        Strategy::Live => "live",
    };
    s.push_str(&format!(
        "docket run ({strategy}, agent {}): {} agent run(s): {} advanced, {} not advanced, {} failed\n",
        sum.agent,
        sum.runs.len(),
        count("advanced"),
        count("not_advanced"),
        count("failed")
    ));
    for r in &sum.runs {
        s.push_str(&format!(
            "  {:<12} {:<10} {}  {}{}\n",
            r.outcome,
            r.stage,
            r.ticket,
            r.title,
            r.commit
                .as_ref()
                .map(|c| format!("  [{}]", &c[..c.len().min(10)]))
                .unwrap_or_default()
        ));
    }
    s.push_str(&skipped_lines(&sum.skipped));
    match sum.stopped {
        Some("stop") => s.push_str("Stopped on request (docket run --stop).\n"),
        Some("max") => s.push_str("Stopped at --max.\n"),
        Some("interrupted") => s.push_str(
            "Interrupted: the agent's partial work is committed; the next `docket run` resumes the ticket in flight first.\n",
        ),
        Some("commit_refused") => {
            s.push_str("Stopped: the deletion guard refused a commit; review the working tree.\n")
        }
        _ => {}
    }
    s.push_str(&format!("Logs: {}\n", sum.log_dir));
    s
}

pub fn run(g: &GlobalArgs, a: RunArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    if a.stop {
        return stop(&p, printer);
    }
    if a.write_templates {
        return write_templates(&p, printer);
    }
    let cfg = &p.config;
    let rc = &cfg.runner;
    if cfg.runnable_stages().is_empty() {
        return Err(Error::invalid(format!(
            "this workflow has no runnable stages: add [workflow.stages.<status>] tables with runnable = true (or `docket init --preset pipeline`); see docs/RUNNER.md (preset `{}`)",
            cfg.workflow.preset
        ))
        .into());
    }
    let strategy = match a.strategy {
        Some(StrategyArg::Batch) => Strategy::Batch,
        Some(StrategyArg::Chase) => Strategy::Chase,
        Some(StrategyArg::Live) => Strategy::Live,
        None => strategy_from(rc.strategy.as_deref().unwrap_or("batch")),
    };
    let mut stages = match &a.stages {
        Some(spec) => plan::parse_stages(cfg, spec)?,
        None => plan::default_stages(cfg),
    };
    if let Some(m) = a.max_sequence
        && !m.is_finite()
    {
        return Err(Error::invalid("--max-sequence: give a number, e.g. 15").into());
    }
    plan::apply_max_sequence(&mut stages, a.max_sequence);
    if a.parallel == Some(0) {
        return Err(Error::invalid("--parallel: give at least 1 lane").into());
    }
    let agent_name = a
        .agent
        .clone()
        .or(rc.agent.clone())
        .unwrap_or_else(|| "claude".into());
    let agent = agent_for(rc, &agent_name)?;
    let agent_name = if adapter::is_path(&agent_name) {
        agent.command.first().cloned().unwrap_or(agent_name)
    } else {
        agent_name
    };
    // Repository-defined commands and templates run only once trusted on
    // this machine; checked before anything is written (the run lock too).
    let paths = RunPaths::new(&p);
    let material = trust::material(cfg, &paths.templates_dir)?;
    let trust_state = if material.required_for(&agent_name) {
        let entry = context::trust_store()?.get(&p.root)?;
        if !a.dry_run {
            trust::require(
                &material,
                &p.root,
                entry.as_ref(),
                a.trusted_hash.as_deref(),
            )?;
        }
        match a.trusted_hash.as_deref() {
            Some(h) if h == material.hash => TrustState::Trusted,
            _ => trust::state(&material, entry.as_ref()),
        }
    } else {
        TrustState::NotRequired
    };
    let idle_ms = match &a.idle_timeout {
        Some(text) => core_runner::parse_duration_ms(text).ok_or_else(|| {
            Error::invalid(format!(
                "--idle-timeout: `{text}` is not a duration like \"10m\" or \"30s\""
            ))
        })?,
        None => rc
            .idle_timeout_ms()
            .map_err(|m| Error::invalid(m.to_string()))?,
    };
    // One run per worktree: take the lock before reading what an earlier run
    // left, so a second run neither plans nor clears the first one's state.
    let run_lock = if a.dry_run {
        None
    } else {
        Some(runner::take_run_lock(&p)?)
    };
    let flight = runner::in_flight(&paths);
    if run_lock.is_some()
        && let Some(f) = &flight
    {
        runner::end_stale_session(&p, f);
    }
    let board = runner::board(&p)?;
    let only = match &a.ticket {
        Some(t) => Some(p.get(t)?.meta.id),
        None => None,
    };
    let opts = PlanOptions {
        stages: stages.clone(),
        skip_blocked: a.skip_blocked,
        resume: flight.as_ref().map(|f| f.ticket.clone()),
        resting: if a.retry_failed || only.is_some() {
            Default::default()
        } else {
            runner::resting(&paths, &board)
        },
        claimed: runner::claimed(&p, flight.as_ref()),
    };
    let mut the_plan = plan::plan(cfg, &board, &opts)?;
    if let Some(id) = &only {
        the_plan.queue.retain(|q| q.id == *id);
        the_plan.skipped.retain(|k| k.id == *id);
    }
    if let Some(f) = &flight
        && run_lock.is_some()
        && only.as_ref().is_none_or(|o| *o == f.ticket)
        && !the_plan.queue.iter().any(|q| q.id == f.ticket)
    {
        // The interrupted ticket is no longer runnable: forget it.
        let _ = std::fs::remove_file(&paths.current_file);
    }
    let commit = !a.no_commit && rc.commit.unwrap_or(true);
    let dirty = match a.dirty_tree {
        DirtyArg::Salvage => DirtyPolicy::Salvage,
        DirtyArg::Abort => DirtyPolicy::Abort,
        DirtyArg::Ignore => DirtyPolicy::Ignore,
    };

    if a.dry_run {
        let dirty_paths = if commit {
            runner::dirty_paths(&p, flight.as_ref())?
        } else {
            Vec::new()
        };
        return dry_run(
            &p,
            printer,
            DryRun {
                strategy,
                agent: &agent_name,
                max: a.max,
                parallel: a.parallel,
                plan: &the_plan,
                dirty: (&dirty_paths, dirty),
                agent_config: &agent,
                board: &board,
                trust: (&material, trust_state),
            },
        );
    }

    let settings = Settings {
        strategy,
        stages,
        max: a.max,
        agent_name,
        agent,
        commit,
        idle: Duration::from_millis(idle_ms),
        dirty,
        skip_blocked: a.skip_blocked,
        max_deletions: rc
            .max_deletions
            .unwrap_or(core_runner::DEFAULT_MAX_DELETIONS),
        max_chain: rc.max_chain.unwrap_or(core_runner::DEFAULT_MAX_CHAIN),
        quiet: a.quiet,
        events: a.events,
        ctx: {
            let mut c = context::ctx(&p, g)?;
            c.actor = Some(match &c.actor {
                Some(who) => format!("docket run ({who})"),
                None => "docket run".into(),
            });
            c
        },
        trusted_hash: (trust_state != TrustState::NotRequired).then(|| material.hash.clone()),
    };
    if let Some(n) = a.parallel {
        let lanes = runner::parallel::Lanes {
            n,
            max_sequence: a.max_sequence,
            stages_spec: a.stages.clone(),
            idle_spec: a.idle_timeout.clone(),
        };
        let summary = runner::parallel::execute(&p, &settings, &lanes, the_plan)?;
        let code = match summary.stopped {
            Some("interrupted") => 130,
            _ => 0,
        };
        printer.verdict(true, &summary, || runner::parallel::summary_text(&summary));
        drop(run_lock);
        return Ok(code);
    }
    let summary = runner::execute(&p, &settings, the_plan)?;
    // Interrupted: 130, as shells report SIGINT. A refused commit leaves work
    // for a person: exit 1 (with the summary, `ok: false`) so scripts notice.
    let code = match summary.stopped {
        Some("interrupted") => 130,
        Some("commit_refused") => 1,
        _ => 0,
    };
    printer.verdict(code != 1, &summary, || summary_text(&summary));
    drop(run_lock);
    Ok(code)
}

/// The adapter for `--agent`: a path to an executable, or a named adapter.
fn agent_for(
    rc: &core_runner::RunnerConfig,
    agent_name: &str,
) -> CliResult<core_runner::AgentConfig> {
    if adapter::is_path(agent_name) {
        use std::os::unix::fs::PermissionsExt;
        let path = std::path::Path::new(agent_name);
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::invalid(format!(
                "--agent {agent_name}: cannot use it as an agent: {e}"
            ))
        })?;
        if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
            return Err(Error::invalid(format!(
                "--agent {agent_name}: not an executable file (chmod +x it, or name an adapter)"
            ))
            .into());
        }
        // Absolute, so lanes in other worktrees start the same program.
        let abs = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
        return Ok(adapter::for_executable(&abs.to_string_lossy()));
    }
    Ok(adapter::resolve(rc, agent_name).ok_or_else(|| {
        let mut known: Vec<String> = adapter::BUILTIN.iter().map(|s| s.to_string()).collect();
        for k in rc.agents.keys() {
            if !known.contains(k) {
                known.push(k.clone());
            }
        }
        Error::invalid(format!(
            "unknown agent `{agent_name}` (known: {}); define others in [runner.agents.<name>], or give a path to an executable",
            known.join(", ")
        ))
    })?)
}

/// What `--dry-run` reports.
struct DryRun<'a> {
    strategy: Strategy,
    agent: &'a str,
    max: Option<usize>,
    parallel: Option<usize>,
    plan: &'a plan::RunPlan,
    /// Uncommitted changes and the policy the real run would apply.
    dirty: (&'a [String], DirtyPolicy),
    /// The adapter, for each ticket's exact command line.
    agent_config: &'a AgentConfig,
    /// The board the plan was made from (tickets' tiers pick their model).
    board: &'a [plan::RunTicket],
    /// What needs trust, and whether it has it.
    trust: (&'a Material, TrustState),
}

/// The exact command line the real run would start for the `n`th ticket of
/// the queue: the argv, and one shell line (with `< prompt file` when the
/// prompt goes to stdin). Only the run's log folder (`<run>`, a time stamp
/// and process id) and `{prompt}` (`<prompt>`) are not known ahead.
fn command_for(
    p: &Project,
    agent: &AgentConfig,
    board: &[plan::RunTicket],
    n: usize,
    q: &plan::Planned,
) -> (Vec<String>, String) {
    let cfg = &p.config;
    let tier = board
        .iter()
        .find(|b| b.id == q.id)
        .and_then(|b| b.tier.as_deref());
    let choice = core_runner::model_choice(cfg, &q.stage, tier);
    let prompt_file = RunPaths::new(p)
        .logs_dir
        .join("<run>")
        .join(format!(
            "{n:03}-{}-{}.prompt.md",
            q.id,
            runner::safe_name(&q.stage)
        ))
        .to_string_lossy()
        .into_owned();
    let inv = adapter::Invocation {
        prompt: "<prompt>".into(),
        prompt_file: prompt_file.clone(),
        model: choice.model,
        effort: choice.effort,
        ticket: q.id.clone(),
        stage: q.stage.clone(),
    };
    let argv = adapter::command_line(agent, &inv);
    let mut line = trust::shell_line(&argv);
    if agent.stdin {
        line.push_str(&format!(" < {}", trust::shell_quote(&prompt_file)));
    }
    (argv, line)
}

fn dry_run(p: &Project, printer: &mut Printer, d: DryRun) -> CliResult<u8> {
    let DryRun {
        strategy,
        agent,
        max,
        parallel,
        plan: the_plan,
        dirty: (dirty_paths, policy),
        agent_config,
        board,
        trust: (material, trust_state),
    } = d;
    let untrusted = matches!(trust_state, TrustState::Untrusted | TrustState::Changed);
    let commands: Vec<(Vec<String>, String)> = the_plan
        .queue
        .iter()
        .take(
            max.map(|m| m.min(the_plan.queue.len()))
                .unwrap_or(the_plan.queue.len()),
        )
        .enumerate()
        .map(|(i, q)| command_for(p, agent_config, board, i + 1, q))
        .collect();
    let would_refuse = !dirty_paths.is_empty() && policy == DirtyPolicy::Abort;
    let cfg = &p.config;
    let n = the_plan.queue.len();
    let take = max.map(|m| m.min(n)).unwrap_or(n);
    let queue: Vec<serde_json::Value> = the_plan
        .queue
        .iter()
        .take(take)
        .enumerate()
        .map(|(i, q)| {
            json!({
                "n": i + 1,
                "ticket": q.id,
                "title": q.title,
                "stage": q.stage,
                "role": cfg.stage(&q.stage).and_then(|s| s.role.clone()).unwrap_or_else(|| "implementer".into()),
                "next": cfg.next_status(&q.stage),
                "sequence": q.sequence,
                "priority": q.priority,
                "resume": q.resume,
                "argv": commands[i].0,
                "command": commands[i].1,
                "stdin": agent_config.stdin,
            })
        })
        .collect();
    let data = json!({
        "dry_run": true,
        "strategy": strategy,
        "agent": agent,
        "queue": queue,
        "beyond_max": n - take,
        "skipped": the_plan.skipped,
        "parallel": parallel,
        "dirty": {
            "paths": dirty_paths,
            "policy": policy,
            "would_refuse": would_refuse,
        },
        "trust": {
            "required": trust_state != TrustState::NotRequired,
            "state": trust_state,
            "hash": material.hash,
            "would_refuse": untrusted,
            "commands": material.command_lines(),
            "templates": material.template_paths(),
        },
    });
    printer.success(&data, None, || {
        let strategy = match strategy {
            Strategy::Batch => "batch",
            Strategy::Chase => "chase: each followed through its next stages",
            Strategy::Live => "live: the board is re-read after every run",
        };
        let mut s = match take {
            0 => format!("Dry run ({strategy}, agent {agent}): no ticket would run.\n"),
            1 => format!("Dry run ({strategy}, agent {agent}): 1 ticket would run:\n"),
            _ => format!(
                "Dry run ({strategy}, agent {agent}): {} would run, in this order:\n",
                count(take as u64, "ticket", "tickets")
            ),
        };
        for (i, q) in the_plan.queue.iter().take(take).enumerate() {
            let mut extra = vec![format!("p{}", q.priority)];
            if let Some(seq) = q.sequence {
                extra.insert(0, format!("seq {}", format_sequence(seq)));
            }
            if let Some(next) = cfg.next_status(&q.stage) {
                extra.push(format!("→ {next}"));
            }
            if q.resume {
                extra.push("resumes an interrupted run".into());
            }
            s.push_str(&format!(
                "  {:>2}. {:<10} {}  {}  ({})\n",
                i + 1,
                q.stage,
                q.id,
                q.title,
                extra.join(", ")
            ));
            s.push_str(&format!("      $ {}\n", commands[i].1));
        }
        if n > take {
            s.push_str(&format!("  … and {} more beyond --max {take}\n", n - take));
        }
        s.push_str(&skipped_lines(&the_plan.skipped));
        if let Some(n) = parallel {
            s.push_str(&format!(
                "In {n} lane(s) at once, each in its own worktree and branch, merged back as each finishes.\n"
            ));
        }
        if untrusted {
            s.push_str(&format!(
                "The real run would refuse to start: the runner config {} on this machine. It would run:\n{}\nReview it, then `docket trust`.\n",
                if trust_state == TrustState::Changed {
                    "changed since you trusted it"
                } else {
                    "is not trusted"
                },
                material.lines().join("\n")
            ));
        }
        if !dirty_paths.is_empty() {
            let list = dirty_paths
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = if dirty_paths.len() > 10 { ", …" } else { "" };
            s.push_str(&match policy {
                DirtyPolicy::Abort => format!(
                    "The real run would refuse to start: {} uncommitted change(s) ({list}{more}). Commit them, or pass --dirty-tree salvage (commit them first) or ignore (keep them out).\n",
                    dirty_paths.len()
                ),
                DirtyPolicy::Salvage => format!(
                    "The real run would first commit {} uncommitted change(s) ({list}{more}).\n",
                    dirty_paths.len()
                ),
                DirtyPolicy::Ignore => format!(
                    "The real run would leave {} uncommitted change(s) alone ({list}{more}).\n",
                    dirty_paths.len()
                ),
            });
        }
        s
    });
    Ok(0)
}
