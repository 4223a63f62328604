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
/// (`git config user.name` in the project), else the login name.
pub fn actor(project: Option<&Project>) -> Option<String> {
    actor_at(project.map(crate::git_user::At::of).as_ref())
}

/// [`actor`], for a project known by where it is.
fn actor_at(at: Option<&crate::git_user::At>) -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    env("DOCKET_ACTOR")
        .or_else(|| crate::git_user::name(at))
        .or_else(|| env("USER"))
        .or_else(|| env("USERNAME"))
}

/// The session selected by `--session`, then `DOCKET_SESSION`, then the folder default.
pub fn session(p: &Project, g: &GlobalArgs) -> Result<Option<Session>, Error> {
    let env = std::env::var("DOCKET_SESSION").ok();
    session::current(p, g.session.as_deref(), env.as_deref())
}

/// Mutation context for the few commands that still call the core directly
/// (the runner's own notes, the demo): the time and who is acting.
pub fn ctx(p: &Project, g: &GlobalArgs) -> Result<Ctx, Error> {
    let current = session(p, g)?;
    let user = actor(Some(p));
    Ok(Ctx {
        actor: current.as_ref().map(|s| s.label()).or_else(|| user.clone()),
        session: current,
        user,
        now: format_ts(now()),
    })
}

/// The API context of this invocation: the project found from `-C`/the current
/// folder, the clock, the user, and the session chosen by `--session`, then
/// `DOCKET_SESSION`, then the folder's default.
pub fn api(g: &GlobalArgs) -> Result<docket_api::Context, docket_api::ApiError> {
    let p = project(&g.dir)?;
    let env = std::env::var("DOCKET_SESSION").ok();
    lazy(p)
        .with_hot_index(hot_index())
        .with_session(g.session.as_deref(), env.as_deref())
}

/// The API context of `p` at this moment, asking who acts only when a call
/// needs it.
fn lazy(p: Project) -> docket_api::Context {
    let at = crate::git_user::At::of(&p);
    docket_api::Context::with_lazy_actor(p, now(), move || actor_at(Some(&at)))
}

/// Whether listings may ask a running hot index (`docket watch`) first:
/// yes unless `DOCKET_HOT_INDEX` is `0` or `off` (forces the folder scan).
pub fn hot_index() -> bool {
    !matches!(
        std::env::var("DOCKET_HOT_INDEX").as_deref(),
        Ok("0" | "off" | "false")
    )
}

/// The API context without resolving a session (for commands that manage
/// sessions themselves, so a stale `DOCKET_SESSION` cannot stop them).
pub fn api_bare(g: &GlobalArgs) -> Result<docket_api::Context, docket_api::ApiError> {
    Ok(lazy(project(&g.dir)?).with_hot_index(hot_index()))
}

/// The folder commands start from (`-C`, else the current directory).
pub fn start_dir(dir: &Option<PathBuf>) -> Result<PathBuf, Error> {
    match dir {
        Some(d) => Ok(d.clone()),
        None => std::env::current_dir().map_err(|e| Error::io(Path::new("."), e)),
    }
}

/// How many tickets this invocation's project has, as its cache last
/// counted them: a hint read from one file header, nothing loaded.
pub fn project_size_hint(dir: &Option<PathBuf>) -> Option<u64> {
    let root = Project::find_root(&start_dir(dir).ok()?)?;
    docket_core::cache::listed_count(&root)
}

/// Find the project for this invocation.
pub fn project(dir: &Option<PathBuf>) -> Result<Project, Error> {
    Project::discover(&start_dir(dir)?)
}

/// The user's docket config folder, where the runner's trust store lives
/// (`docket trust`): `DOCKET_CONFIG_DIR` (tests point it at a temp folder),
/// else `$XDG_CONFIG_HOME/docket`, else `$HOME/.config/docket`.
pub fn user_config_dir() -> Result<PathBuf, Error> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = env("DOCKET_CONFIG_DIR") {
        return Ok(PathBuf::from(d));
    }
    // The XDG spec ignores relative values.
    if let Some(x) = env("XDG_CONFIG_HOME").map(PathBuf::from)
        && x.is_absolute()
    {
        return Ok(x.join("docket"));
    }
    match env("HOME") {
        Some(h) => Ok(PathBuf::from(h).join(".config").join("docket")),
        None => Err(Error::invalid(
            "cannot find your config folder for the runner's trust store: set HOME, XDG_CONFIG_HOME or DOCKET_CONFIG_DIR",
        )),
    }
}

/// The runner's trust store in [`user_config_dir`].
pub fn trust_store() -> Result<docket_core::runner::trust::TrustStore, Error> {
    Ok(docket_core::runner::trust::TrustStore::new(
        user_config_dir()?,
    ))
}
