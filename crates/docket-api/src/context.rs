//! The acting context of one call: which project, what time it is, who acts.
//! A face builds it once per call; nothing here is process-global, so a
//! long-lived server can serve many callers at once.

use std::sync::{Arc, OnceLock};

use docket_core::Project;
use docket_core::ops::{self, format_ts};
use docket_core::session::{self, Session};

use crate::error::ApiResult;

/// How a face finds the actor (it may ask git): called at most once.
type Resolve = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// The actor of a [`Context`]: resolved once, shared by its clones.
#[derive(Clone)]
struct Actor(Arc<OnceLock<Option<String>>>, Resolve);

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Actor").field(&self.0.get()).finish()
    }
}

/// Who acts, when, on which project.
#[derive(Debug, Clone)]
pub struct Context {
    pub project: Project,
    /// The clock of this call (tests pin it).
    pub now: jiff::Timestamp,
    /// The name recorded when no session acts (a user, `DOCKET_ACTOR`, the git
    /// user): see [`Context::actor`]. Resolved on first use, so a read that never
    /// records a name never pays for finding it (the CLI asks `git config`).
    actor: Actor,
    /// The acting session, when there is one.
    pub session: Option<Session>,
    /// Listings may ask a running hot index (`docket watch`) first; it answers
    /// only when provably current, else the folders are scanned. Off unless a
    /// face turns it on ([`Context::with_hot_index`]).
    pub hot_index: bool,
}

impl Context {
    /// A context without a session.
    pub fn new(project: Project, now: jiff::Timestamp, actor: Option<String>) -> Context {
        let known = OnceLock::new();
        let _ = known.set(actor);
        Context::with_actor(project, now, Actor(Arc::new(known), Arc::new(|| None)))
    }

    /// A context whose actor is found by `resolve` the first time a call
    /// needs it (a write, or a read that asks who "I" am).
    pub fn with_lazy_actor(
        project: Project,
        now: jiff::Timestamp,
        resolve: impl Fn() -> Option<String> + Send + Sync + 'static,
    ) -> Context {
        Context::with_actor(
            project,
            now,
            Actor(Arc::new(OnceLock::new()), Arc::new(resolve)),
        )
    }

    fn with_actor(project: Project, now: jiff::Timestamp, actor: Actor) -> Context {
        Context {
            project,
            now,
            actor,
            session: None,
            hot_index: false,
        }
    }

    /// The name recorded when no session acts.
    pub fn actor(&self) -> Option<String> {
        self.actor.0.get_or_init(|| (self.actor.1)()).clone()
    }

    /// Let listings ask a running hot index first.
    pub fn with_hot_index(mut self, on: bool) -> Context {
        self.hot_index = on;
        self
    }

    /// Select the acting session: `explicit` (id, prefix or name), then `env`
    /// (`DOCKET_SESSION`), then the folder's default session.
    pub fn with_session(mut self, explicit: Option<&str>, env: Option<&str>) -> ApiResult<Context> {
        self.session = session::current(&self.project, explicit, env)?;
        Ok(self)
    }

    /// Act as exactly this session (e.g. the MCP server's own), looked up fresh.
    pub fn as_session(mut self, key: &str) -> ApiResult<Context> {
        self.session = Some(session::find(&self.project, key)?);
        Ok(self)
    }

    /// The core's mutation context for this call.
    pub fn ops(&self) -> ops::Ctx {
        ops::Ctx {
            now: format_ts(self.now),
            actor: self
                .session
                .as_ref()
                .map(|s| s.label())
                .or_else(|| self.actor()),
            session: self.session.clone(),
            user: self.actor(),
        }
    }

    /// The acting name, as recorded on changes.
    pub fn actor_label(&self) -> String {
        self.ops().author().actor
    }

    /// Mark the session as seen after a successful write, so it does not expire
    /// while in use. Best effort: failing to record it must not fail the write.
    pub(crate) fn touch(&self) {
        if let Some(s) = &self.session {
            let mut s = s.clone();
            let _ = session::touch(&self.project, &mut s, &format_ts(self.now));
        }
    }

    /// Run a write and touch the session only when it succeeded (a refused
    /// command changes nothing, not even the session's last-seen time).
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&ops::Ctx) -> docket_core::Result<T>,
    ) -> ApiResult<T> {
        let out = f(&self.ops())?;
        self.touch();
        Ok(out)
    }
}
