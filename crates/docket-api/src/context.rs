//! The acting context of one call: which project, what time it is, who acts.
//! A face builds it once per call; nothing here is process-global, so a
//! long-lived server can serve many callers at once.

use docket_core::Project;
use docket_core::ops::{self, format_ts};
use docket_core::session::{self, Session};

use crate::error::ApiResult;

/// Who acts, when, on which project.
#[derive(Debug, Clone)]
pub struct Context {
    pub project: Project,
    /// The clock of this call (tests pin it).
    pub now: jiff::Timestamp,
    /// The name recorded when no session acts (a user, `DOCKET_ACTOR`, the git user).
    pub actor: Option<String>,
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
        Context {
            project,
            now,
            actor,
            session: None,
            hot_index: false,
        }
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
                .or_else(|| self.actor.clone()),
            session: self.session.clone(),
            user: self.actor.clone(),
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
