//! Which tickets a run takes, in which order, and why the others wait.
//!
//! A run snapshots the tickets in the selected runnable stages. Each stage is
//! ordered by its in-stage dependencies (topologically), then `sequence` (lower
//! first, unnumbered last), then priority, then age. A dependency cycle, or a
//! sequence that contradicts a dependency, stops the run before any agent
//! starts. Across stages a dependency is satisfied when it is terminal or in a
//! strictly later stage (higher rank); otherwise the ticket is deferred for this
//! run, and the deferral cascades to its dependents.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::{format_sequence, sequence};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ticket::{Meta, Ticket};

/// What the planner needs to know about one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTicket {
    pub id: String,
    pub title: String,
    pub status: String,
    pub priority: i64,
    pub mode: String,
    pub tier: Option<String>,
    pub created: String,
    pub sequence: Option<f64>,
    pub deps: Vec<String>,
}

impl RunTicket {
    /// From frontmatter alone (no sequence: terminal or unselected tickets).
    pub fn from_meta(m: &Meta) -> RunTicket {
        RunTicket {
            id: m.id.to_string(),
            title: m.title.clone(),
            status: m.status.to_string(),
            priority: m.priority,
            mode: m.mode.to_string(),
            tier: m.tier.clone().map(String::from),
            created: m.created.to_string(),
            sequence: None,
            deps: crate::ticket::strings(&m.deps),
        }
    }

    /// From a whole ticket, with its sequence.
    pub fn from_ticket(t: &Ticket) -> RunTicket {
        RunTicket {
            sequence: sequence(t),
            ..RunTicket::from_meta(&t.meta)
        }
    }
}

/// One selected stage, with its optional sequence cap (`fix:15`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageSel {
    pub status: String,
    /// Only tickets with a sequence at or below this run; unnumbered ones wait.
    pub cap: Option<f64>,
}

/// The stages a run takes when `--stages` is not given: every runnable stage
/// not marked `manual`, in pipeline order.
pub fn default_stages(cfg: &Config) -> Vec<StageSel> {
    cfg.runnable_stages()
        .into_iter()
        .filter(|s| cfg.stage(s).is_some_and(|st| !st.manual))
        .map(|s| StageSel {
            status: s.to_string(),
            cap: None,
        })
        .collect()
}

/// Parse `--stages fix:15,plan,implement`.
pub fn parse_stages(cfg: &Config, spec: &str) -> Result<Vec<StageSel>> {
    let mut out: Vec<StageSel> = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, cap) = match part.split_once(':') {
            Some((n, c)) => {
                let cap: f64 = c
                    .trim()
                    .parse()
                    .ok()
                    .filter(|f: &f64| f.is_finite())
                    .ok_or_else(|| {
                        Error::invalid(format!(
                            "--stages: `{c}` in `{part}` is not a sequence number"
                        ))
                    })?;
                (n.trim(), Some(cap))
            }
            None => (part, None),
        };
        if !cfg.workflow.statuses.iter().any(|s| s == name) {
            return Err(Error::invalid(format!(
                "--stages: unknown status `{name}` (runnable: {})",
                cfg.runnable_stages().join(", ")
            )));
        }
        if !cfg.is_runnable(name) {
            return Err(Error::invalid(format!(
                "--stages: `{name}` is not a runnable stage (runnable: {})",
                cfg.runnable_stages().join(", ")
            )));
        }
        if out.iter().any(|s| s.status == name) {
            return Err(Error::invalid(format!("--stages: `{name}` is named twice")));
        }
        out.push(StageSel {
            status: name.to_string(),
            cap,
        });
    }
    if out.is_empty() {
        return Err(Error::invalid("--stages: name at least one stage"));
    }
    Ok(out)
}

/// `--max-sequence N`: a sequence ceiling for every selected stage without its
/// own cap (`fix:15` keeps 15). As with any cap, unnumbered tickets wait.
pub fn apply_max_sequence(stages: &mut [StageSel], max: Option<f64>) {
    if let Some(m) = max {
        for s in stages.iter_mut().filter(|s| s.cap.is_none()) {
            s.cap = Some(m);
        }
    }
}

/// Inputs of [`plan`].
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub stages: Vec<StageSel>,
    /// Drop up front every ticket whose dependency chain reaches a parked one.
    pub skip_blocked: bool,
    /// A ticket an interrupted run left in flight: it goes first.
    pub resume: Option<String>,
    /// Tickets resting after failures (id → until when), see [`super::backoff`].
    pub resting: HashMap<String, String>,
    /// Tickets another session holds a live claim on (id → holder's name).
    pub claimed: HashMap<String, String>,
}

/// A ticket the run will hand to an agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Planned {
    pub id: String,
    pub title: String,
    pub stage: String,
    pub sequence: Option<f64>,
    pub priority: i64,
    /// Picked up again after an interrupted run.
    pub resume: bool,
}

/// Why a ticket is left out of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipKind {
    /// A dependency is not far enough along (or itself deferred).
    Deferred,
    /// `--skip-blocked`: the dependency chain reaches a parked ticket.
    Blocked,
    /// Unnumbered or above the stage's sequence cap.
    Capped,
    /// The ticket's mode is not one the runner takes (e.g. hitl).
    Mode,
    /// Its last agent run failed; it rests (`--retry-failed` runs it now).
    BackOff,
    /// Another session holds a live claim on it.
    Claimed,
}

/// A ticket left out of the run, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub id: String,
    pub title: String,
    pub stage: String,
    pub kind: SkipKind,
    pub reason: String,
    /// The tickets behind the reason (dependencies, blocked ancestor).
    pub because: Vec<String>,
}

/// The run, before anything runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunPlan {
    pub queue: Vec<Planned>,
    pub skipped: Vec<Skipped>,
}

fn label(t: &RunTicket) -> String {
    format!("{} \"{}\"", t.id, t.title)
}

/// Order key: sequence (unnumbered last), priority, age, then the id's time
/// part (ids start with random characters), then the id.
fn order_key(t: &RunTicket) -> (bool, f64, i64, &str, &str) {
    (
        t.sequence.is_none(),
        t.sequence.unwrap_or(0.0),
        t.priority,
        t.created.as_str(),
        crate::id::order_key(&t.id),
    )
}

fn cmp_tickets(a: &RunTicket, b: &RunTicket) -> std::cmp::Ordering {
    let (ka, kb) = (order_key(a), order_key(b));
    ka.0.cmp(&kb.0)
        .then(ka.1.total_cmp(&kb.1))
        .then(ka.2.cmp(&kb.2))
        .then(ka.3.cmp(kb.3))
        .then(ka.4.cmp(kb.4))
        .then(a.id.cmp(&b.id))
}

/// Plan a run over `tickets` (every ticket of the project; terminal and
/// unselected ones are only consulted as dependencies).
pub fn plan(cfg: &Config, tickets: &[RunTicket], opts: &PlanOptions) -> Result<RunPlan> {
    let by_id: HashMap<&str, &RunTicket> = tickets.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut out = RunPlan::default();
    let skip = |out: &mut RunPlan, t: &RunTicket, kind, reason: String, because: Vec<String>| {
        out.skipped.push(Skipped {
            id: t.id.clone(),
            title: t.title.clone(),
            stage: t.status.clone(),
            kind,
            reason,
            because,
        })
    };

    // 1. The snapshot: tickets in the selected stages, minus mode and cap misses.
    let mut candidates: Vec<&RunTicket> = Vec::new();
    for sel in &opts.stages {
        let mut in_stage: Vec<&RunTicket> =
            tickets.iter().filter(|t| t.status == sel.status).collect();
        in_stage.sort_by(|a, b| cmp_tickets(a, b));
        for t in in_stage {
            if !cfg.runner.modes.is_empty() && !cfg.runner.modes.contains(&t.mode) {
                skip(
                    &mut out,
                    t,
                    SkipKind::Mode,
                    format!(
                        "mode {} (the runner takes {})",
                        t.mode,
                        cfg.runner.modes.join(", ")
                    ),
                    vec![],
                );
                continue;
            }
            if let Some(holder) = opts.claimed.get(&t.id) {
                skip(
                    &mut out,
                    t,
                    SkipKind::Claimed,
                    format!("claimed by {holder}"),
                    vec![],
                );
                continue;
            }
            if let Some(until) = opts.resting.get(&t.id) {
                skip(
                    &mut out,
                    t,
                    SkipKind::BackOff,
                    format!(
                        "its last agent run failed; it rests until {until} (--retry-failed runs it now)"
                    ),
                    vec![],
                );
                continue;
            }
            if let Some(cap) = sel.cap {
                match t.sequence {
                    None => {
                        skip(
                            &mut out,
                            t,
                            SkipKind::Capped,
                            format!(
                                "unnumbered; {} runs sequence ≤ {}",
                                sel.status,
                                format_sequence(cap)
                            ),
                            vec![],
                        );
                        continue;
                    }
                    Some(s) if s > cap => {
                        skip(
                            &mut out,
                            t,
                            SkipKind::Capped,
                            format!(
                                "sequence {} is above the cap {} for {}",
                                format_sequence(s),
                                format_sequence(cap),
                                sel.status
                            ),
                            vec![],
                        );
                        continue;
                    }
                    _ => {}
                }
            }
            candidates.push(t);
        }
    }

    // 2. Cycles among open tickets reachable from the snapshot stop the run.
    let open = |id: &str| {
        by_id
            .get(id)
            .copied()
            .filter(|t| !cfg.is_terminal(&t.status))
    };
    if let Some(cycle) = find_cycle(&candidates, &open) {
        return Err(Error::RunCycle {
            tickets: cycle
                .iter()
                .map(|id| {
                    by_id
                        .get(id.as_str())
                        .map(|t| label(t))
                        .unwrap_or(id.clone())
                })
                .collect(),
        });
    }

    // 3. --skip-blocked: drop tickets whose chain reaches a parked ticket.
    if opts.skip_blocked {
        let mut kept = Vec::new();
        for t in candidates {
            match parked_ancestor(cfg, t, &open) {
                Some(b) => skip(
                    &mut out,
                    t,
                    SkipKind::Blocked,
                    format!("its dependency chain reaches {} ({})", b.id, b.status),
                    vec![b.id.clone()],
                ),
                None => kept.push(t),
            }
        }
        candidates = kept;
    }

    // 4. Per stage: topological order by in-stage deps, then sequence/priority/age.
    let mut ordered: Vec<&RunTicket> = Vec::new();
    for sel in &opts.stages {
        let all_in_stage: Vec<&RunTicket> =
            tickets.iter().filter(|t| t.status == sel.status).collect();
        check_sequences(&all_in_stage)?;
        let stage: Vec<&RunTicket> = candidates
            .iter()
            .copied()
            .filter(|t| t.status == sel.status)
            .collect();
        ordered.extend(topo_order(&stage));
    }

    // 5. Cross-stage gating with cascade, in processing order.
    let mut queued: HashSet<&str> = HashSet::new();
    let mut deferred: HashSet<&str> = HashSet::new();
    let mut relies: HashMap<&str, bool> = HashMap::new();
    for t in ordered {
        let mut waits: Vec<String> = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        let mut relies_on_queue = false;
        for d in &t.deps {
            let Some(dep) = by_id.get(d.as_str()) else {
                continue; // unknown: assumed done, as tess does
            };
            match dep_state(cfg, t, dep) {
                DepState::Satisfied => {}
                DepState::SameStage if queued.contains(dep.id.as_str()) => {
                    relies_on_queue = true;
                }
                state => {
                    let why = if deferred.contains(dep.id.as_str()) {
                        format!("waits on deferred {}", dep.id)
                    } else {
                        match state {
                            DepState::Parked => {
                                format!("waits on {} ({}, parked)", dep.id, dep.status)
                            }
                            DepState::SameStage => {
                                format!("waits on {} ({}, not in this run)", dep.id, dep.status)
                            }
                            _ => format!(
                                "waits on {} (still in {}, not a later stage)",
                                dep.id, dep.status
                            ),
                        }
                    };
                    waits.push(dep.id.clone());
                    reasons.push(why);
                }
            }
        }
        if waits.is_empty() {
            queued.insert(t.id.as_str());
            relies.insert(t.id.as_str(), relies_on_queue);
            out.queue.push(Planned {
                id: t.id.clone(),
                title: t.title.clone(),
                stage: t.status.clone(),
                sequence: t.sequence,
                priority: t.priority,
                resume: false,
            });
        } else {
            deferred.insert(t.id.as_str());
            skip(&mut out, t, SkipKind::Deferred, reasons.join("; "), waits);
        }
    }

    // 6. An interrupted ticket goes first, unless it waits on a queued one.
    if let Some(r) = &opts.resume
        && let Some(pos) = out.queue.iter().position(|p| p.id == *r)
    {
        out.queue[pos].resume = true;
        if !relies.get(r.as_str()).copied().unwrap_or(false) {
            let item = out.queue.remove(pos);
            out.queue.insert(0, item);
        }
    }
    Ok(out)
}

/// How a dependency stands for a ticket's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepState {
    /// Terminal, or in a strictly later stage.
    Satisfied,
    /// In the same status: in-stage order decides.
    SameStage,
    /// In a parked status (outside the stage order, e.g. blocked).
    Parked,
    /// In an earlier or peer stage.
    Behind,
}

/// Where dependency `dep` stands relative to `t`'s current stage.
pub fn dep_state(cfg: &Config, t: &RunTicket, dep: &RunTicket) -> DepState {
    if cfg.is_terminal(&dep.status) {
        return DepState::Satisfied;
    }
    if dep.status == t.status {
        return DepState::SameStage;
    }
    match (cfg.stage_rank(&dep.status), cfg.stage_rank(&t.status)) {
        (None, _) => DepState::Parked,
        (Some(d), Some(r)) if d > r => DepState::Satisfied,
        _ => DepState::Behind,
    }
}

/// The runtime gate, on a fresh read of the board: every known dependency is
/// terminal or in a strictly later stage. Returns the reasons it is not.
pub fn gate(cfg: &Config, t: &RunTicket, board: &HashMap<String, RunTicket>) -> Vec<String> {
    t.deps
        .iter()
        .filter_map(|d| board.get(d))
        .filter_map(|dep| match dep_state(cfg, t, dep) {
            DepState::Satisfied => None,
            DepState::Parked => Some(format!("waits on {} ({}, parked)", dep.id, dep.status)),
            _ => Some(format!(
                "waits on {} (still in {}, not a later stage)",
                dep.id, dep.status
            )),
        })
        .collect()
}

/// The first open ticket in a parked status reachable through dependencies.
fn parked_ancestor<'a>(
    cfg: &Config,
    t: &'a RunTicket,
    open: &dyn Fn(&str) -> Option<&'a RunTicket>,
) -> Option<&'a RunTicket> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = t.deps.iter().map(String::as_str).collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(d) = open(id) else { continue };
        if cfg.is_parked(&d.status) {
            return Some(d);
        }
        stack.extend(d.deps.iter().map(String::as_str));
    }
    None
}

/// A dependency cycle through open tickets reachable from `starts`, as
/// `[a, b, …, a]`.
fn find_cycle<'a>(
    starts: &[&'a RunTicket],
    open: &dyn Fn(&str) -> Option<&'a RunTicket>,
) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Active,
        Done,
    }
    let mut mark: HashMap<&str, Mark> = HashMap::new();
    for s in starts {
        if mark.contains_key(s.id.as_str()) {
            continue;
        }
        let mut path: Vec<(&'a RunTicket, usize)> = vec![(s, 0)];
        mark.insert(s.id.as_str(), Mark::Active);
        while let Some((node, i)) = path.last().copied() {
            if i < node.deps.len() {
                if let Some(last) = path.last_mut() {
                    last.1 += 1;
                }
                let Some(d) = open(&node.deps[i]) else {
                    continue;
                };
                match mark.get(d.id.as_str()) {
                    None => {
                        mark.insert(d.id.as_str(), Mark::Active);
                        path.push((d, 0));
                    }
                    Some(Mark::Active) => {
                        let pos = path.iter().position(|(p, _)| p.id == d.id).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            path[pos..].iter().map(|(p, _)| p.id.clone()).collect();
                        cycle.push(d.id.clone());
                        return Some(cycle);
                    }
                    Some(Mark::Done) => {}
                }
            } else {
                mark.insert(node.id.as_str(), Mark::Done);
                path.pop();
            }
        }
    }
    None
}

/// In-stage dependencies of `t` (direct).
fn in_stage_deps<'a>(t: &RunTicket, stage: &[&'a RunTicket]) -> Vec<&'a RunTicket> {
    stage
        .iter()
        .copied()
        .filter(|s| t.deps.contains(&s.id))
        .collect()
}

/// A numbered ticket may not run before a numbered ticket it (transitively,
/// within its stage) depends on being given a higher sequence.
fn check_sequences(stage: &[&RunTicket]) -> Result<()> {
    for t in stage {
        let Some(seq) = t.sequence else { continue };
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack = in_stage_deps(t, stage);
        while let Some(d) = stack.pop() {
            if !seen.insert(d.id.as_str()) {
                continue;
            }
            if let Some(ds) = d.sequence
                && ds > seq
            {
                return Err(Error::SequenceConflict {
                    ticket: label(t),
                    sequence: format_sequence(seq),
                    dep: label(d),
                    dep_sequence: format_sequence(ds),
                });
            }
            stack.extend(in_stage_deps(d, stage));
        }
    }
    Ok(())
}

/// Kahn's algorithm, always taking the best-ranked ticket whose in-stage
/// dependencies are placed. A ticket ranks by the best key among itself and
/// everything in the stage that (transitively) waits on it, so a low sequence
/// pulls its prerequisites forward. Cycles were rejected before.
fn topo_order<'a>(stage: &[&'a RunTicket]) -> Vec<&'a RunTicket> {
    let mut eff: HashMap<&str, &RunTicket> = stage.iter().map(|t| (t.id.as_str(), *t)).collect();
    for t in stage {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack = in_stage_deps(t, stage);
        while let Some(d) = stack.pop() {
            if !seen.insert(d.id.as_str()) {
                continue;
            }
            if let Some(cur) = eff.get_mut(d.id.as_str())
                && cmp_tickets(t, cur).is_lt()
            {
                *cur = t;
            }
            stack.extend(in_stage_deps(d, stage));
        }
    }
    let key = |t: &RunTicket| eff.get(t.id.as_str()).copied();
    let mut placed: HashSet<&str> = HashSet::new();
    let mut out: Vec<&RunTicket> = Vec::new();
    let mut rest: Vec<&RunTicket> = stage.to_vec();
    rest.sort_by(|a, b| match (key(a), key(b)) {
        (Some(ka), Some(kb)) => cmp_tickets(ka, kb).then(cmp_tickets(a, b)),
        _ => cmp_tickets(a, b),
    });
    while !rest.is_empty() {
        let pos = rest
            .iter()
            .position(|t| {
                in_stage_deps(t, stage)
                    .iter()
                    .all(|d| placed.contains(d.id.as_str()))
            })
            .unwrap_or(0);
        let t = rest.remove(pos);
        placed.insert(t.id.as_str());
        out.push(t);
    }
    out
}

/// After an agent run in `chase`, whether to follow the ticket into its new
/// status; `Err` says why the chain ends.
pub fn chase_next(
    cfg: &Config,
    stages: &[StageSel],
    before: &str,
    after: Option<&str>,
    moves: usize,
    max_chain: usize,
) -> std::result::Result<(), String> {
    let Some(after) = after else {
        return Err("the ticket is gone (split or deleted)".into());
    };
    if after == before {
        return Err(format!("not advanced (still {after})"));
    }
    if cfg.is_terminal(after) {
        return Err(format!("done ({after})"));
    }
    if cfg.is_parked(after) {
        return Err(format!("parked in {after}"));
    }
    if !stages.iter().any(|s| s.status == after) {
        return Err(format!("{after} is not a stage of this run"));
    }
    if moves >= max_chain {
        return Err(format!("reached the chase cap of {max_chain} moves"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::preset_template;
    use std::path::Path;

    fn cfg() -> Config {
        let text = preset_template("pipeline", "dk").unwrap();
        Config::parse(&text, Path::new("c")).unwrap()
    }

    fn t(id: &str, status: &str, seq: Option<f64>, deps: &[&str]) -> RunTicket {
        RunTicket {
            id: id.into(),
            title: format!("T {id}"),
            status: status.into(),
            priority: 2,
            mode: "afk".into(),
            tier: None,
            created: format!("2026-01-01T00:00:{id}Z"),
            sequence: seq,
            deps: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn ids(p: &RunPlan) -> Vec<&str> {
        p.queue.iter().map(|q| q.id.as_str()).collect()
    }

    fn opts(c: &Config) -> PlanOptions {
        PlanOptions {
            stages: default_stages(c),
            ..Default::default()
        }
    }

    #[test]
    fn stage_order_then_topo_then_sequence_then_priority() {
        let c = cfg();
        let mut p1 = t("05", "implement", None, &[]);
        p1.priority = 0;
        let tickets = vec![
            t("01", "implement", None, &[]),
            p1,
            t("02", "fix", Some(2.0), &[]),
            t("03", "fix", Some(1.0), &["04"]),
            t("04", "fix", None, &[]),
            t("06", "review", None, &[]),
            t("07", "backlog", None, &[]),
        ];
        let p = plan(&c, &tickets, &opts(&c)).unwrap();
        // fix: 03 (sequence 1) pulls its unnumbered dependency 04 forward.
        assert_eq!(ids(&p), vec!["04", "03", "02", "05", "01", "06"]);
        assert!(p.skipped.is_empty());
    }

    #[test]
    fn cycle_stops_the_run() {
        let c = cfg();
        let tickets = vec![
            t("01", "fix", None, &["02"]),
            t("02", "implement", None, &["03"]),
            t("03", "blocked", None, &["01"]),
        ];
        let err = plan(&c, &tickets, &opts(&c)).unwrap_err();
        assert_eq!(err.code(), "run_cycle");
        let msg = err.to_string();
        for id in ["01", "02", "03"] {
            assert!(msg.contains(id), "{msg}");
        }
    }

    #[test]
    fn cycle_through_terminal_ticket_is_ignored() {
        let c = cfg();
        let tickets = vec![
            t("01", "fix", None, &["02"]),
            t("02", "complete", None, &["01"]),
        ];
        assert_eq!(ids(&plan(&c, &tickets, &opts(&c)).unwrap()), vec!["01"]);
    }

    #[test]
    fn sequence_contradicting_dependency_stops_the_run() {
        let c = cfg();
        let tickets = vec![
            t("01", "fix", Some(1.0), &["02"]),
            t("02", "fix", None, &["03"]),
            t("03", "fix", Some(5.0), &[]),
        ];
        let err = plan(&c, &tickets, &opts(&c)).unwrap_err();
        assert_eq!(err.code(), "sequence_conflict");
        let msg = err.to_string();
        assert!(msg.contains("01") && msg.contains("03"), "{msg}");
    }

    #[test]
    fn a_dependency_with_the_same_sequence_is_no_conflict() {
        let c = cfg();
        let tickets = vec![
            t("01", "fix", Some(2.0), &["02"]),
            t("02", "fix", Some(2.0), &[]),
        ];
        let p = plan(&c, &tickets, &opts(&c)).unwrap();
        assert_eq!(ids(&p), vec!["02", "01"]);
    }

    #[test]
    fn cross_stage_gating_and_cascade() {
        let c = cfg();
        let tickets = vec![
            // 10 in implement waits on 11 still in plan (earlier stage): deferred.
            t("10", "implement", None, &["11"]),
            t("11", "plan", None, &[]),
            // 12 in implement depends on 10 (deferred, same stage): cascade.
            t("12", "implement", None, &["10"]),
            // 13 in plan waits on 14 in fix (peer stage): deferred.
            t("13", "plan", None, &["14"]),
            t("14", "fix", None, &[]),
            // 15 in fix depends on 16 in review (later): fine.
            t("15", "fix", None, &["16"]),
            t("16", "review", None, &[]),
            // 17 waits on a blocked ticket; 18 on an archived one, 19 on a missing one.
            t("17", "implement", None, &["20"]),
            t("20", "blocked", None, &[]),
            t("18", "review", None, &["21", "zz"]),
            t("21", "complete", None, &[]),
        ];
        let p = plan(&c, &tickets, &opts(&c)).unwrap();
        assert_eq!(ids(&p), vec!["14", "15", "11", "16", "18"]);
        let why: Vec<(&str, &str)> = p
            .skipped
            .iter()
            .map(|s| (s.id.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            why,
            vec![
                ("13", "waits on 14 (still in fix, not a later stage)"),
                ("10", "waits on 11 (still in plan, not a later stage)"),
                ("12", "waits on deferred 10"),
                ("17", "waits on 20 (blocked, parked)"),
            ]
        );
        assert!(p.skipped.iter().all(|s| s.kind == SkipKind::Deferred));
    }

    #[test]
    fn same_stage_dependency_outside_the_run_defers() {
        let c = cfg();
        let tickets = vec![
            t("01", "fix", Some(1.0), &[]),
            t("02", "fix", Some(20.0), &[]),
            t("03", "fix", Some(2.0), &["02"]),
        ];
        let o = PlanOptions {
            stages: parse_stages(&c, "fix:10").unwrap(),
            ..Default::default()
        };
        // 03 (seq 2) depends on 02 (seq 20): a sequence conflict.
        assert_eq!(
            plan(&c, &tickets, &o).unwrap_err().code(),
            "sequence_conflict"
        );
        let tickets = vec![
            t("01", "fix", Some(1.0), &[]),
            t("02", "fix", Some(20.0), &[]),
            t("03", "fix", None, &["02"]),
            t("04", "fix", Some(3.0), &["02x"]),
        ];
        let p = plan(&c, &tickets, &o).unwrap();
        assert_eq!(ids(&p), vec!["01", "04"]);
        let kinds: Vec<(&str, SkipKind)> =
            p.skipped.iter().map(|s| (s.id.as_str(), s.kind)).collect();
        assert_eq!(
            kinds,
            vec![("02", SkipKind::Capped), ("03", SkipKind::Capped)]
        );
    }

    #[test]
    fn skip_blocked_drops_whole_chains() {
        let c = cfg();
        let tickets = vec![
            t("01", "fix", None, &["02"]),
            t("02", "review", None, &["03"]),
            t("03", "blocked", None, &[]),
            t("04", "fix", None, &[]),
        ];
        let mut o = opts(&c);
        let p = plan(&c, &tickets, &o).unwrap();
        // Without the flag, 01's dep 02 is in a later stage: it runs; 02 is
        // deferred at review (its dep is parked).
        assert_eq!(ids(&p), vec!["01", "04"]);
        o.skip_blocked = true;
        let p = plan(&c, &tickets, &o).unwrap();
        assert_eq!(ids(&p), vec!["04"]);
        assert_eq!(p.skipped.len(), 2);
        assert!(p.skipped.iter().all(|s| s.kind == SkipKind::Blocked));
        assert_eq!(p.skipped[0].because, vec!["03"]);
    }

    #[test]
    fn modes_filter_and_resume_first() {
        let mut c = cfg();
        let mut h = t("03", "fix", None, &[]);
        h.mode = "hitl".into();
        let tickets = vec![
            t("01", "fix", None, &[]),
            t("02", "implement", None, &[]),
            h,
        ];
        let mut o = opts(&c);
        o.resume = Some("02".into());
        let p = plan(&c, &tickets, &o).unwrap();
        assert_eq!(ids(&p), vec!["02", "01"]);
        assert!(p.queue[0].resume);
        assert_eq!(p.skipped[0].kind, SkipKind::Mode);
        c.runner.modes.clear();
        let p = plan(&c, &tickets, &opts(&c)).unwrap();
        assert_eq!(p.queue.len(), 3);
    }

    #[test]
    fn resume_waiting_on_a_queued_ticket_keeps_its_place() {
        let c = cfg();
        let tickets = vec![t("01", "fix", None, &[]), t("02", "fix", None, &["01"])];
        let mut o = opts(&c);
        o.resume = Some("02".into());
        let p = plan(&c, &tickets, &o).unwrap();
        assert_eq!(ids(&p), vec!["01", "02"]);
        assert!(p.queue[1].resume);
    }

    #[test]
    fn stages_spec() {
        let c = cfg();
        let s = parse_stages(&c, "fix:15, plan,implement:2.5").unwrap();
        assert_eq!(s[0].cap, Some(15.0));
        assert_eq!(s[1].cap, None);
        assert_eq!(s[2].cap, Some(2.5));
        for bad in ["nope", "blocked", "fix:x", "fix,fix", "", "complete"] {
            assert_eq!(
                parse_stages(&c, bad).unwrap_err().code(),
                "invalid_argument",
                "{bad}"
            );
        }
        let d: Vec<String> = default_stages(&c).into_iter().map(|s| s.status).collect();
        assert_eq!(d, vec!["fix", "plan", "implement", "review"]);
    }

    #[test]
    fn max_sequence_caps_stages_without_their_own() {
        let c = cfg();
        let mut st = parse_stages(&c, "fix:15,plan").unwrap();
        apply_max_sequence(&mut st, Some(3.0));
        assert_eq!(st[0].cap, Some(15.0));
        assert_eq!(st[1].cap, Some(3.0));
        let tickets = vec![
            t("01", "plan", Some(2.0), &[]),
            t("02", "plan", Some(4.0), &[]),
            t("03", "plan", None, &[]),
        ];
        let o = PlanOptions {
            stages: st,
            ..Default::default()
        };
        let p = plan(&c, &tickets, &o).unwrap();
        assert_eq!(ids(&p), vec!["01"]);
        assert!(p.skipped.iter().all(|s| s.kind == SkipKind::Capped));
    }

    #[test]
    fn resting_and_claimed_tickets_wait_with_their_dependents() {
        let c = cfg();
        let tickets = vec![
            t("01", "fix", Some(1.0), &[]),
            t("02", "fix", Some(2.0), &["01"]),
            t("03", "fix", Some(3.0), &[]),
            t("04", "fix", Some(4.0), &[]),
        ];
        let mut o = opts(&c);
        o.resting.insert("01".into(), "2026-01-01T00:30:00Z".into());
        o.claimed.insert("03".into(), "ann".into());
        let p = plan(&c, &tickets, &o).unwrap();
        assert_eq!(ids(&p), vec!["04"]);
        let kinds: Vec<(&str, SkipKind)> =
            p.skipped.iter().map(|s| (s.id.as_str(), s.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                ("01", SkipKind::BackOff),
                ("03", SkipKind::Claimed),
                ("02", SkipKind::Deferred)
            ]
        );
    }

    #[test]
    fn runtime_gate() {
        let c = cfg();
        let board: HashMap<String, RunTicket> = [
            t("01", "review", None, &[]),
            t("02", "implement", None, &[]),
            t("03", "blocked", None, &[]),
        ]
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
        assert!(gate(&c, &t("x", "implement", None, &["01", "zz"]), &board).is_empty());
        assert_eq!(
            gate(&c, &t("x", "implement", None, &["02", "03"]), &board).len(),
            2
        );
    }

    #[test]
    fn chase_decisions() {
        let c = cfg();
        let st = default_stages(&c);
        assert!(chase_next(&c, &st, "fix", Some("implement"), 1, 6).is_ok());
        assert!(chase_next(&c, &st, "fix", Some("fix"), 1, 6).is_err());
        assert!(chase_next(&c, &st, "review", Some("complete"), 1, 6).is_err());
        assert!(chase_next(&c, &st, "fix", Some("blocked"), 1, 6).is_err());
        assert!(chase_next(&c, &st, "plan", Some("backlog"), 1, 6).is_err());
        assert!(chase_next(&c, &st, "fix", Some("implement"), 6, 6).is_err());
        assert!(chase_next(&c, &st, "fix", None, 1, 6).is_err());
    }
}
