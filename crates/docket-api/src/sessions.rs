//! Sessions (who is acting) and roles. A session is picked per call through
//! the [`Context`]; these operations start, end and list them.

use docket_core::session::{self, RoleInfo, Session};
use docket_core::{Error, Project};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::context::Context;
use crate::error::ApiResult;

/// Start a session.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// architect, implementer, or a custom role.
    pub role: String,
    /// A readable name (default: generated).
    #[serde(default)]
    pub name: Option<String>,
    /// Do not make it the folder's default session (agents, servers).
    #[serde(default)]
    pub detach: bool,
}

fn idle_limit(p: &Project) -> ApiResult<i64> {
    Ok(p.config
        .sessions
        .idle_limit_secs()
        .map_err(|m| Error::ConfigInvalid {
            path: p.dir.join("config.toml"),
            message: m,
        })?)
}

/// Start a session (expiring idle ones first, lazily).
pub fn start(cx: &Context, req: &StartRequest) -> ApiResult<Session> {
    let p = &cx.project;
    session::cleanup(p, cx.now, idle_limit(p)?, false)?;
    let now = docket_core::ops::format_ts(cx.now);
    Ok(if req.detach {
        session::start_detached(p, &now, &req.role, req.name.as_deref())?
    } else {
        session::start(p, &now, &req.role, req.name.as_deref())?
    })
}

/// The acting session, or a `no_session` error.
pub fn current(cx: &Context) -> ApiResult<Session> {
    cx.session.clone().ok_or_else(|| {
        Error::NoSession {
            message: "no session is active here".into(),
        }
        .into()
    })
}

/// End the acting session.
pub fn end(cx: &Context) -> ApiResult<Session> {
    let s = current(cx)?;
    session::end(&cx.project, &s)?;
    Ok(s)
}

/// Every active session.
pub fn list(cx: &Context) -> ApiResult<Vec<Session>> {
    Ok(session::list(&cx.project)?)
}

/// Expire sessions idle past the configured limit.
pub fn cleanup(cx: &Context, dry_run: bool) -> ApiResult<Vec<Session>> {
    let p = &cx.project;
    Ok(session::cleanup(p, cx.now, idle_limit(p)?, dry_run)?)
}

/// Define a custom role mapped to a built-in one.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    pub name: String,
    /// architect or implementer.
    pub like: String,
}

/// Create a custom role.
pub fn create_role(cx: &Context, req: &RoleRequest) -> ApiResult<RoleInfo> {
    Ok(session::create_role(&cx.project, &req.name, &req.like)?)
}

/// Delete a custom role (refused while a session uses it).
pub fn delete_role(cx: &Context, name: &str) -> ApiResult<RoleInfo> {
    Ok(session::delete_role(&cx.project, name)?)
}

/// Built-in and custom roles.
pub fn roles(cx: &Context) -> ApiResult<Vec<RoleInfo>> {
    Ok(session::roles(&cx.project)?)
}
