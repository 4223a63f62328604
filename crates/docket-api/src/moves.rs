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
    /// Take over another live session's claim; needs `reason`, logged as a violation.
    #[serde(default)]
    pub steal: bool,
    /// Set by `claim`: take the ticket even in the status it is in.
    #[serde(skip)]
    pub claim: bool,
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
            "forcing a move needs a non-blank reason (it is recorded on the violation)",
        ));
    }
    if req.reason.is_some() && !req.force && !req.steal {
        return Err(ApiError::invalid(
            "a reason goes with forcing a move or taking over a claim",
        ));
    }
    let opts = MoveOptions {
        force: req.force,
        summary: req.note,
        reason: req.reason,
        steal: req.steal,
        claim: req.claim,
    };
    let o = cx
        .write(|c| ops::transition(&cx.project, c, id, t, opts))
        .map_err(|e| same_move_forced(e, req.kind, req.to.as_deref()))?;
    Ok(Changed::of(&cx.project, o))
}

/// The force remedy of a refused move repeats the same move (same kind, same
/// target), forced.
fn same_move_forced(mut e: ApiError, kind: MoveKind, to: Option<&str>) -> ApiError {
    let op = match kind {
        MoveKind::Advance => crate::Op::Advance,
        MoveKind::Start => crate::Op::Start,
        MoveKind::Close => crate::Op::Close,
        MoveKind::Reopen => crate::Op::Reopen,
        MoveKind::Status => crate::Op::Status,
    };
    for r in e.remedies.iter_mut().filter(|r| r.forces()) {
        r.op = op;
        if let Some(to) = to {
            r.args.insert("to".into(), serde_json::json!(to));
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

/// Claim a ticket for the acting session, or the next one that can be picked up.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The ticket to claim (omit with `next`).
    #[serde(default)]
    pub id: Option<String>,
    /// Pick the first ready, unclaimed ticket matching the filters, and claim it.
    #[serde(default)]
    pub next: bool,
    #[serde(flatten)]
    pub filters: crate::query::Filters,
    /// Take over another live session's claim (needs `reason`).
    #[serde(default)]
    pub steal: bool,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Claim work: one ticket by id (moving it to the pick-up status: planning
/// when the workflow has one, else the active status), or with `next` the
/// first ticket that can be picked up now, atomically.
pub fn claim(cx: &Context, req: ClaimRequest) -> ApiResult<Changed> {
    match (req.id, req.next) {
        (Some(id), false) => {
            let wf = &cx.project.config.workflow;
            let t = cx.project.get(need_id(&id)?)?;
            // Already in a claim status: claim it where it is.
            let to = if docket_core::claims::holds(&cx.project, &t.meta.status) {
                t.meta.status.to_string()
            } else {
                wf.planning.clone().unwrap_or_else(|| wf.active.clone())
            };
            move_ticket(
                cx,
                MoveRequest {
                    id,
                    kind: MoveKind::Status,
                    to: Some(to),
                    steal: req.steal,
                    reason: req.reason,
                    claim: true,
                    ..Default::default()
                },
            )
        }
        (None, true) => {
            if req.steal {
                return Err(ApiError::invalid("`steal` needs a ticket `id`, not `next`"));
            }
            let filter = req.filters.to_filter(&cx.project)?;
            let (_, o) = cx.write(|c| ops::claim_next(&cx.project, c, &filter))?;
            let mut c = Changed::of(&cx.project, o);
            // Which ticket was picked is news too.
            c.changed
                .insert("title".into(), serde_json::json!(c.ticket.meta.title));
            Ok(c)
        }
        (Some(_), true) => Err(ApiError::invalid("give an `id` or `next`, not both")),
        (None, false) => Err(ApiError::invalid("give a ticket `id`, or `next: true`")),
    }
}

/// The live claims of the project, oldest first.
pub fn claims(cx: &Context) -> ApiResult<Vec<docket_core::claims::Claim>> {
    let p = &cx.project;
    let mut out: Vec<_> = docket_core::claims::all(p)
        .into_iter()
        .filter(|c| docket_core::claims::get(p, &c.ticket).is_some())
        .collect();
    out.sort_by(|a, b| a.since.cmp(&b.since));
    Ok(out)
}
