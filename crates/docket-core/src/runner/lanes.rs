//! `docket run --parallel N`: the rules of running tickets side by side.
//! Each lane works one ticket in its own git worktree on its own branch; the
//! orchestrator merges a finished lane back, in completion order. Which queued
//! ticket a free lane takes is decided here: the first in plan order whose
//! dependencies are satisfied on the (merged) board. A ticket waiting on one
//! that is still queued or running in another lane waits for that lane's
//! merge; one waiting on anything else is deferred, as in a serial run.

use std::collections::{HashMap, HashSet};

use super::plan::{Planned, RunTicket, gate};
use crate::config::Config;

/// The branch a lane works on.
pub fn branch_name(id: &str) -> String {
    format!("docket/{id}")
}

/// Where lanes' worktrees live, relative to `.docket/local/` (git-ignored).
pub const LANES_DIR: &str = "lanes";

/// What the scheduler decided for the pending queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    /// Index into the pending queue of the ticket a free lane takes now.
    pub take: Option<usize>,
    /// Pending tickets that can no longer run in this run: (index, reason,
    /// the dependencies behind it).
    pub deferred: Vec<(usize, String, Vec<String>)>,
}

/// Decide for the pending queue (plan order). `board` is a fresh read of the
/// main worktree (merged lanes included); `running` holds the tickets lanes
/// work on now. Deferrals cascade: a deferred ticket stops counting as one
/// that will still move.
pub fn schedule(
    cfg: &Config,
    pending: &[Planned],
    board: &HashMap<String, RunTicket>,
    running: &HashSet<String>,
) -> Schedule {
    let mut busy: HashSet<&str> = running.iter().map(String::as_str).collect();
    busy.extend(pending.iter().map(|p| p.id.as_str()));
    let mut out = Schedule::default();
    for (i, p) in pending.iter().enumerate() {
        let Some(t) = board.get(&p.id) else {
            // Gone from the board: the lane will notice; let it be taken.
            if out.take.is_none() {
                out.take = Some(i);
            }
            continue;
        };
        let waits = gate(cfg, t, board);
        if waits.is_empty() {
            if out.take.is_none() {
                out.take = Some(i);
            }
            continue;
        }
        let failing: Vec<String> = t
            .deps
            .iter()
            .filter(|d| board.contains_key(d.as_str()))
            .filter(|d| waits.iter().any(|w| w.contains(d.as_str())))
            .cloned()
            .collect();
        if failing.iter().any(|d| busy.contains(d.as_str())) {
            continue; // waits for another lane's merge
        }
        busy.remove(p.id.as_str());
        out.deferred.push((i, waits.join("; "), failing));
    }
    out
}

/// What happens to a finished lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneEnd {
    /// Merge its branch, then remove its worktree and branch.
    Merge,
    /// Leave worktree and branch for the next run (it resumes) or a person.
    Keep,
}

/// A lane's run ended with `stopped` (the child run's `stopped`, or `error`
/// when it failed outright): interrupted, refused or failed lanes keep their
/// worktree; finished ones (whatever the agent's outcome, which is committed
/// with its note, as a serial run does) are merged.
pub fn lane_end(stopped: Option<&str>) -> LaneEnd {
    match stopped {
        None | Some("stop") | Some("max") => LaneEnd::Merge,
        Some(_) => LaneEnd::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::preset_template;
    use std::path::Path;

    fn cfg() -> Config {
        Config::parse(&preset_template("pipeline", "dk").unwrap(), Path::new("c")).unwrap()
    }

    fn t(id: &str, status: &str, deps: &[&str]) -> RunTicket {
        RunTicket {
            id: id.into(),
            title: id.into(),
            status: status.into(),
            priority: 2,
            mode: "afk".into(),
            tier: None,
            created: String::new(),
            sequence: None,
            deps: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn planned(id: &str, stage: &str) -> Planned {
        Planned {
            id: id.into(),
            title: id.into(),
            stage: stage.into(),
            sequence: None,
            priority: 2,
            resume: false,
        }
    }

    fn board(ts: Vec<RunTicket>) -> HashMap<String, RunTicket> {
        ts.into_iter().map(|t| (t.id.clone(), t)).collect()
    }

    #[test]
    fn dependents_wait_for_the_lane_then_run() {
        let c = cfg();
        // b depends on a (same stage), a runs in a lane: b waits, c goes.
        let b = board(vec![
            t("a", "fix", &[]),
            t("b", "fix", &["a"]),
            t("c", "fix", &[]),
        ]);
        let pending = vec![planned("b", "fix"), planned("c", "fix")];
        let running: HashSet<String> = ["a".to_string()].into();
        let s = schedule(&c, &pending, &b, &running);
        assert_eq!(s.take, Some(1));
        assert!(s.deferred.is_empty());
        // a merged into implement: b is free.
        let b2 = board(vec![t("a", "implement", &[]), t("b", "fix", &["a"])]);
        let s = schedule(&c, &pending[..1], &b2, &HashSet::new());
        assert_eq!(s.take, Some(0));
    }

    #[test]
    fn a_dependency_that_did_not_move_defers_with_cascade() {
        let c = cfg();
        // a's lane ended and a stayed in fix: b and its dependent d defer.
        let b = board(vec![
            t("a", "fix", &[]),
            t("b", "fix", &["a"]),
            t("d", "fix", &["b"]),
            t("e", "implement", &["x"]),
            t("x", "blocked", &[]),
        ]);
        let pending = vec![
            planned("b", "fix"),
            planned("d", "fix"),
            planned("e", "implement"),
        ];
        let s = schedule(&c, &pending, &b, &HashSet::new());
        assert_eq!(s.take, None);
        let d: Vec<usize> = s.deferred.iter().map(|d| d.0).collect();
        assert_eq!(d, vec![0, 1, 2]);
        assert_eq!(s.deferred[0].2, vec!["a".to_string()]);
    }

    #[test]
    fn lane_ends() {
        assert_eq!(lane_end(None), LaneEnd::Merge);
        assert_eq!(lane_end(Some("max")), LaneEnd::Merge);
        assert_eq!(lane_end(Some("interrupted")), LaneEnd::Keep);
        assert_eq!(lane_end(Some("commit_refused")), LaneEnd::Keep);
        assert_eq!(lane_end(Some("error")), LaneEnd::Keep);
        assert_eq!(branch_name("t-1"), "docket/t-1");
    }
}
