//! The move family: advance, start, close, reopen, a status, and explain. Every
//! move goes through the workflow engine's guards in the core.

use docket_core::ops::{self, MoveOptions, MovePreview, Target};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::query::need_id;
use crate::view::Changed;

/// Where a move goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoveKind {
    /// The next status in the workflow (or `to`).
    #[default]
    Advance,
    /// The active status.
    Start,
    /// The first terminal status (archives the ticket).
    Close,
    /// Back to the first open status.
    Reopen,
    /// Exactly `to`.
    Status,
}

/// A move request.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    pub id: String,
    #[serde(default)]
    pub kind: MoveKind,
    /// Target status (required for `status`; optional for `advance`).
    #[serde(default)]
    pub to: Option<String>,
    /// Recorded as a note with the move (the result, the hand-over).
    #[serde(default)]
    pub note: Option<String>,
    /// Pass failing forceable guards; recorded as a violation. Needs `reason`.
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    pub reason: Option<String>,
}

fn target(req: &MoveRequest) -> ApiResult<Target> {
    Ok(match (req.kind, &req.to) {
        (MoveKind::Advance, Some(s)) | (MoveKind::Status, Some(s)) => Target::Status(s.clone()),
        (MoveKind::Advance, None) => Target::Next,
        (MoveKind::Status, None) => {
            return Err(ApiError::invalid("`status` needs `to` (the target status)"));
        }
        (MoveKind::Start, None) => Target::Start,
        (MoveKind::Close, None) => Target::Close,
        (MoveKind::Reopen, None) => Target::Reopen,
        (k, Some(_)) => {
            return Err(ApiError::invalid(
                format!("`to` goes with advance or status, not {k:?}").to_lowercase(),
            ));
        }
    })
}

/// Make a move through the guards.
pub fn move_ticket(cx: &Context, req: MoveRequest) -> ApiResult<Changed> {
    let id = need_id(&req.id)?;
    let t = target(&req)?;
    if req.force && req.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(ApiError::invalid(
            "`force` needs a non-blank `reason`, recorded on the violation",
        ));
    }
    if req.reason.is_some() && !req.force {
        return Err(ApiError::invalid("`reason` goes with `force`"));
    }
    let before = cx.project.get(id)?;
    let opts = MoveOptions {
        force: req.force,
        summary: req.note,
        reason: req.reason,
    };
    let o = cx
        .write(|c| ops::transition(&cx.project, c, id, t, opts))
        .map_err(|e| with_target(e, req.to.as_deref()))?;
    Ok(Changed::diff(
        &cx.project,
        Some(&before),
        o.ticket,
        o.archived_to.as_deref(),
    ))
}

/// Keep the explicit target in the remedies of a refused move.
fn with_target(mut e: ApiError, to: Option<&str>) -> ApiError {
    if let Some(to) = to {
        for r in &mut e.remedies {
            if r.op == crate::Op::Advance {
                r.args.insert("to".into(), serde_json::json!(to));
            }
        }
    }
    e
}

/// Judge a move without making it: every guard's verdict and what satisfies it.
/// Touches nothing, not even the session.
pub fn explain(cx: &Context, req: &MoveRequest) -> ApiResult<MovePreview> {
    let id = need_id(&req.id)?;
    let t = target(req)?;
    Ok(ops::preview_move(&cx.project, &cx.ops(), id, &t)?)
}
