//! The ticket family: create, show, update, delete.

use docket_core::ops::{self, NewTicket, Update};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::query::need_id;
use crate::view::{Changed, Detail, Shown};

/// A new ticket. Only `title` is required; the rest take the project's defaults.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    pub title: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// 0 (highest) to 4.
    #[serde(default)]
    pub priority: Option<i64>,
    #[serde(default)]
    pub assignee: Option<String>,
    /// afk or hitl.
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub external_refs: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub design: Option<String>,
    /// Acceptance criteria (titles).
    #[serde(default)]
    pub acceptance: Vec<String>,
    /// Ids this ticket waits on (unknown ids are kept as forward references, with a warning).
    #[serde(default)]
    pub deps: Vec<String>,
    /// Refuse unknown deps; nothing is written then.
    #[serde(default)]
    pub strict: bool,
    #[serde(default)]
    pub links: Vec<String>,
    /// critical, standard or low.
    #[serde(default)]
    pub tier: Option<String>,
    /// Runner order within a stage (lower runs sooner).
    #[serde(default)]
    pub sequence: Option<f64>,
    /// How much human attention it needs, 0 to 99.
    #[serde(default)]
    pub attention: Option<i64>,
    /// Slugs of project documents it refers to (each must exist).
    #[serde(default)]
    pub docs: Vec<String>,
}

/// Create a ticket.
pub fn create(cx: &Context, req: CreateRequest) -> ApiResult<Changed> {
    let missing = crate::graph::check_missing(cx, None, &req.deps, req.strict)?;
    let new = NewTicket {
        title: req.title,
        kind: req.kind,
        priority: req.priority,
        mode: req.mode,
        assignee: req.assignee,
        parent: req.parent,
        tier: req.tier,
        tags: req.tags,
        external_refs: req.external_refs,
        description: req.description,
        design: req.design,
        acceptance: req.acceptance,
        deps: req.deps,
        links: req.links,
        sequence: req.sequence,
        attention: req.attention,
        docs: req.docs,
    };
    let o = cx.write(|c| ops::create(&cx.project, c, new))?;
    let mut changed = Changed::of(&cx.project, o);
    changed.warnings = crate::graph::missing_warnings(&changed.id, &missing);
    Ok(changed)
}

/// Which ticket to show, and how much of it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowRequest {
    /// Ticket id or any unique prefix (live or archived).
    pub id: String,
    #[serde(default)]
    pub detail: Detail,
}

/// Read one ticket (no lock: atomic renames mean a whole file, old or new).
pub fn show(cx: &Context, req: &ShowRequest) -> ApiResult<Shown> {
    let input = need_id(&req.id)?;
    let t = match cx.project.get(input) {
        Err(docket_core::Error::NotFound { .. }) => match by_external_ref(cx, input)? {
            Some(t) => t,
            None => cx.project.get(input)?,
        },
        other => other?,
    };
    Ok(Shown::new(&cx.project, t))
}

/// The ticket an import made from `input` (an old id such as `kno-01abc`, or
/// the whole `knot:kno-01abc` reference): only tried once normal id resolution
/// found nothing, so it never shadows a docket id. `None` unless exactly one
/// ticket carries the reference.
fn by_external_ref(cx: &Context, input: &str) -> ApiResult<Option<docket_core::ticket::Ticket>> {
    let input = input.trim();
    let scan = cx.project.scan()?;
    let hits: Vec<_> = scan
        .entries
        .iter()
        .filter(|e| {
            e.meta.external_refs.iter().any(|r| {
                r == input
                    || r.split_once(':').is_some_and(|(fmt, old)| {
                        old == input && docket_core::interop::Format::parse(fmt).is_ok()
                    })
            })
        })
        .collect();
    match hits.as_slice() {
        [one] => Ok(Some(cx.project.get(&one.meta.id)?)),
        _ => Ok(None),
    }
}

/// Fields to set; anything absent is left as is. An empty string clears
/// `assignee`, `parent` and `tier`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub priority: Option<i64>,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub assignee: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub attention: Option<i64>,
    /// Replace every tag.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub add_tags: Vec<String>,
    #[serde(default)]
    pub remove_tags: Vec<String>,
    /// Replace every external ref.
    #[serde(default)]
    pub external_refs: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub design: Option<String>,
    /// Replace the whole body (Plan and Log are kept).
    #[serde(default)]
    pub body: Option<String>,
    /// Add acceptance criteria.
    #[serde(default)]
    pub add_ac: Vec<String>,
    /// A criterion's exact title; `done: true` checks it, `false` unchecks it.
    #[serde(default)]
    pub ac: Option<String>,
    #[serde(default)]
    pub done: Option<bool>,
    /// More criteria titles flipped with `ac` to the same `done` (the command
    /// line's repeated `--ac`; not part of the wire format).
    #[serde(skip)]
    #[schemars(skip)]
    pub more_ac: Vec<String>,
    #[serde(default)]
    pub remove_ac: Vec<String>,
    /// Move to this status (through the workflow's guards).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub force: bool,
    /// Recorded as a note (and as the reason of `force`).
    #[serde(default)]
    pub summary: Option<String>,
    /// Runner order within a stage; `null` leaves it, NaN is refused.
    #[serde(default)]
    pub sequence: Option<f64>,
    /// Clear the runner sequence.
    #[serde(default)]
    pub clear_sequence: bool,
    /// Document slugs to refer to (each must exist).
    #[serde(default)]
    pub add_docs: Vec<String>,
    /// Document slugs to stop referring to.
    #[serde(default)]
    pub remove_docs: Vec<String>,
}

/// Update fields, sections, criteria and (through the guards) the status.
pub fn update(cx: &Context, req: UpdateRequest) -> ApiResult<Changed> {
    let flip_ac = match (req.ac, req.done) {
        (Some(t), Some(d)) => std::iter::once(t)
            .chain(req.more_ac)
            .map(|t| (t, d))
            .collect(),
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "`ac` needs `done` (true to check the criterion, false to uncheck it)",
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "`done` needs `ac` (the criterion's exact title)",
            ));
        }
        (None, None) if req.more_ac.is_empty() => Vec::new(),
        (None, None) => {
            return Err(ApiError::invalid("`more_ac` needs `ac` and `done`"));
        }
    };
    let sequence = match (req.sequence, req.clear_sequence) {
        (Some(_), true) => {
            return Err(ApiError::invalid(
                "give `sequence` or `clear_sequence`, not both",
            ));
        }
        (Some(n), false) if !n.is_finite() => {
            return Err(ApiError::invalid("`sequence` must be a finite number"));
        }
        (Some(n), false) => Some(Some(n)),
        (None, true) => Some(None),
        (None, false) => None,
    };
    let u = Update {
        title: req.title,
        kind: req.kind,
        priority: req.priority,
        mode: req.mode,
        assignee: req.assignee,
        parent: req.parent,
        tier: req.tier,
        attention: req.attention,
        tags: req.tags,
        add_tags: req.add_tags,
        remove_tags: req.remove_tags,
        external_refs: req.external_refs,
        description: req.description,
        design: req.design,
        body: req.body,
        add_ac: req.add_ac,
        flip_ac,
        remove_ac: req.remove_ac,
        status: req.status,
        force: req.force,
        summary: req.summary,
        sequence,
        add_docs: req.add_docs,
        remove_docs: req.remove_docs,
    };
    let id = need_id(&req.id)?;
    let o = cx.write(|c| ops::update(&cx.project, c, id, u))?;
    Ok(Changed::of(&cx.project, o))
}

/// Which ticket to delete.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteRequest {
    pub id: String,
    /// Also remove every reference to it from other tickets.
    #[serde(default)]
    pub cascade: bool,
}

/// What `delete` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Deleted {
    pub id: String,
    pub title: String,
    /// Tickets whose references to it were removed.
    pub updated: Vec<String>,
    /// The removed ticket and the updated ones (not serialized).
    #[serde(skip)]
    pub outcome: Option<std::sync::Arc<ops::Deleted>>,
}

/// Delete a ticket (refused while referenced, unless `cascade`).
pub fn delete(cx: &Context, req: &DeleteRequest) -> ApiResult<Deleted> {
    let id = need_id(&req.id)?;
    let d = cx.write(|c| ops::delete(&cx.project, c, id, req.cascade))?;
    Ok(Deleted {
        id: d.ticket.meta.id.to_string(),
        title: d.ticket.meta.title.clone(),
        updated: d.updated.iter().map(|t| t.meta.id.to_string()).collect(),
        outcome: Some(std::sync::Arc::new(d)),
    })
}

/// Replace the ticket's whole text (the `edit` flow), checked like `edit`.
pub fn replace_text(cx: &Context, id: &str, text: &str) -> ApiResult<Changed> {
    let id = need_id(id)?;
    let o = cx.write(|c| ops::replace_text(&cx.project, c, id, text))?;
    Ok(Changed::of(&cx.project, o))
}
