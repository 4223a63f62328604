//! Claims: which session is working on which ticket. Starting work claims a
//! ticket for the acting session, atomically under the project lock, so two
//! agents never do the same work. Claims live in the shared coordination space
//! (`Project::shared_dir`: every git worktree of a repository sees the same
//! ones), one small JSON file per claimed ticket; the ticket's `assignee` shows
//! the holder's name in the file itself.
//!
//! A claim is live while its session exists (or forever for a user without a
//! session, until the ticket leaves the claim statuses). It is judged without
//! looking at the ticket's status, because another worktree may hold a newer
//! copy of the ticket than this one. A claim of an ended or expired session is
//! a stale leftover and is ignored, so correctness never depends on cleaning
//! up. The claim file is written before the ticket and removed after it: a
//! crash in between leaves the mover holding a claim it can simply use again.

use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{Project, write_atomic};

/// One claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub ticket: String,
    /// `session:<id>` or `user:<name>`, as guards compare movers.
    pub holder: String,
    /// The holder's display name (also written as the ticket's assignee).
    pub name: String,
    /// The holder's session id, when a session holds it.
    pub session: Option<String>,
    pub since: String,
}

fn dir(p: &Project) -> PathBuf {
    p.shared_dir().join("claims")
}

fn path(p: &Project, id: &str) -> PathBuf {
    dir(p).join(format!("{id}.json"))
}

/// Whether a ticket in `status` is held by a claim (planning or active).
pub fn holds(p: &Project, status: &str) -> bool {
    let wf = &p.config.workflow;
    status == wf.active || wf.planning.as_deref() == Some(status)
}

fn session_alive(p: &Project, c: &Claim) -> bool {
    match &c.session {
        Some(s) => p
            .shared_dir()
            .join("sessions")
            .join(format!("{s}.json"))
            .is_file(),
        None => true,
    }
}

/// The live claim on a ticket, if any.
pub fn get(p: &Project, id: &str) -> Option<Claim> {
    let text = crate::store::read_local_text(&path(p, id)).ok()?;
    let c: Claim = serde_json::from_str(&text).ok()?;
    (c.ticket == id && session_alive(p, &c)).then_some(c)
}

/// Record a claim (under the project lock).
pub fn put(p: &Project, c: &Claim) -> Result<()> {
    let d = dir(p);
    fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
    let bytes = serde_json::to_vec(c).map_err(|e| Error::invalid(e.to_string()))?;
    write_atomic(&path(p, &c.ticket), &bytes)
}

/// Forget the claim on a ticket (it left the claim statuses).
pub fn release(p: &Project, id: &str) {
    // A leftover file is harmless (see the module docs), so failing is fine.
    let _ = fs::remove_file(path(p, id));
}

/// The ids of every ticket with a live claim (one folder read).
pub fn live_ids(p: &Project) -> std::collections::HashSet<String> {
    all(p)
        .into_iter()
        .filter(|c| session_alive(p, c))
        .map(|c| c.ticket)
        .collect()
}

/// Every claim file, live or not (for listings; check liveness with [`get`]).
pub fn all(p: &Project) -> Vec<Claim> {
    let Ok(rd) = fs::read_dir(dir(p)) else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| crate::store::read_local_text(&e.path()).ok())
        .filter_map(|t| serde_json::from_str::<Claim>(&t).ok())
        .collect()
}

/// Drop every claim a session holds (it ended or expired).
pub fn release_session(p: &Project, session: &str) {
    for c in all(p) {
        if c.session.as_deref() == Some(session) {
            release(p, &c.ticket);
        }
    }
}

/// Claim `id` for a runner's agent `session` where the ticket stands (the
/// runner hands it to the agent in its stage, which need not be a claim
/// status), atomically under the project lock. `Ok(Err(claim))` names the
/// other live session holding it: that ticket is someone else's work now. A
/// claim without a session (a person who moved the ticket into the active
/// stage, e.g. to queue it for agents) does not hold the runner off; the
/// agent's session takes it over. Ending the session releases the claim.
pub fn claim_for_session(
    p: &Project,
    id: &str,
    session: &crate::session::Session,
    now: &str,
) -> Result<std::result::Result<(), Claim>> {
    let _lock = p.lock()?;
    let holder = format!("session:{}", session.id);
    if let Some(c) = get(p, id)
        && c.holder != holder
        && c.session.is_some()
    {
        return Ok(Err(c));
    }
    put(
        p,
        &Claim {
            ticket: id.to_string(),
            holder,
            name: session.name.clone(),
            session: Some(session.id.clone()),
            since: now.to_string(),
        },
    )?;
    Ok(Ok(()))
}
