//! Process-level inputs turned into core values: project discovery, the clock
//! and the acting user. Tests pin the clock with `DOCKET_NOW`.

use std::path::{Path, PathBuf};

use docket_core::ops::{Ctx, format_ts};
use docket_core::session::{self, Session};
use docket_core::{Error, Project};

use crate::cli::GlobalArgs;

/// The current time, or `DOCKET_NOW` (RFC 3339) when set, for reproducible tests.
pub fn now() -> jiff::Timestamp {
    std::env::var("DOCKET_NOW")
        .ok()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(jiff::Timestamp::now)
}

/// Who is acting when there is no session: `DOCKET_ACTOR`, else the git user
/// (`git config user.name`), else the login name.
pub fn actor() -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    env("DOCKET_ACTOR")
        .or_else(git_user)
        .or_else(|| env("USER"))
        .or_else(|| env("USERNAME"))
}

/// `git config user.name`, when git is installed and a name is set.
fn git_user() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["config", "user.name"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?;
    let name = name.trim();
    (out.status.success() && !name.is_empty()).then(|| name.to_string())
}

/// The session selected by `--session`, then `DOCKET_SESSION`, then the folder default.
pub fn session(p: &Project, g: &GlobalArgs) -> Result<Option<Session>, Error> {
    let env = std::env::var("DOCKET_SESSION").ok();
    session::current(p, g.session.as_deref(), env.as_deref())
}

/// The session to mark as seen once the command has succeeded (a refused
/// command changes nothing, not even the session's last-seen time).
static PENDING_TOUCH: std::sync::Mutex<Option<(Project, Session, String)>> =
    std::sync::Mutex::new(None);

/// Mutation context for this invocation: the time and who is acting (the
/// current session, else the user). The session is touched on success.
pub fn ctx(p: &Project, g: &GlobalArgs) -> Result<Ctx, Error> {
    let now = format_ts(now());
    let current = session(p, g)?;
    if let (Some(s), Ok(mut pending)) = (current.as_ref(), PENDING_TOUCH.lock()) {
        *pending = Some((p.clone(), s.clone(), now.clone()));
    }
    Ok(Ctx {
        actor: current.as_ref().map(|s| s.label()).or_else(actor),
        session: current,
        now,
    })
}

/// The folder commands start from (`-C`, else the current directory).
pub fn start_dir(dir: &Option<PathBuf>) -> Result<PathBuf, Error> {
    match dir {
        Some(d) => Ok(d.clone()),
        None => std::env::current_dir().map_err(|e| Error::io(Path::new("."), e)),
    }
}

/// Find the project for this invocation.
pub fn project(dir: &Option<PathBuf>) -> Result<Project, Error> {
    Project::discover(&start_dir(dir)?)
}

/// Like [`ctx`] but without touching the session (for read-only previews).
pub fn ctx_readonly(p: &Project, g: &GlobalArgs) -> Result<Ctx, Error> {
    let current = session(p, g)?;
    Ok(Ctx {
        actor: current.as_ref().map(|s| s.label()).or_else(actor),
        session: current,
        now: format_ts(now()),
    })
}

/// Mark the acting session as seen (called after a successful command), so it
/// does not expire while in use.
pub fn touch_session() {
    let pending = PENDING_TOUCH.lock().ok().and_then(|mut p| p.take());
    if let Some((p, mut s, now)) = pending {
        // Best effort: failing to record last-seen must not fail the command.
        let _ = session::touch(&p, &mut s, &now);
    }
}
