//! The graph family: dependencies (directional, cycle-checked), links
//! (symmetric) and the dependency tree.

use docket_core::graph::{Graph, TreeNode};
use docket_core::ticket::Text;
use docket_core::{Error, Project, ops};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, json};

use crate::context::Context;
use crate::error::{ApiError, ApiResult, Op, Remedy};
use crate::query::need_id;
use crate::view::{Changed, Listed, short_ids};

/// Add or remove dependencies of one ticket.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepsRequest {
    /// The ticket that waits.
    pub id: String,
    /// Ids it should wait on.
    #[serde(default)]
    pub on: Vec<String>,
    /// Ids it should no longer wait on.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Refuse unknown ids; otherwise each is kept as a forward reference,
    /// with a warning.
    #[serde(default)]
    pub strict: bool,
}

/// Add and remove dependencies in one write (cycle-checked).
pub fn depends(cx: &Context, req: &DepsRequest) -> ApiResult<Changed> {
    let id = need_id(&req.id)?;
    if req.on.is_empty() && req.remove.is_empty() {
        return Err(ApiError::invalid("give `on` or `remove` with ticket ids"));
    }
    let missing = check_missing(cx, Some(id), &req.on, req.strict)?;
    let o = cx.write(|c| {
        if req.remove.is_empty() && req.on.len() == 1 {
            ops::dep(&cx.project, c, id, &req.on[0])
        } else if req.on.is_empty() && req.remove.len() == 1 {
            ops::undep(&cx.project, c, id, &req.remove[0])
        } else {
            ops::depends(&cx.project, c, id, &req.on, &req.remove)
        }
    })?;
    let mut changed = Changed::of(&cx.project, o);
    changed.warnings = missing_warnings(&changed.id, &missing);
    Ok(changed)
}

/// Which of a ticket's stored `deps` name no ticket, live or archived (the
/// graph matches stored ids exactly, so such a ticket stays blocked).
pub fn missing(p: &Project, deps: &[Text]) -> Vec<String> {
    deps.iter()
        .filter(|d| !matches!(p.resolve(d), Ok(f) if f.id == **d))
        .map(|d| d.to_string())
        .collect()
}

/// [`missing`] for many tickets at once (a `blocked` listing): each entry
/// with the stored `deps` that name no ticket file, from one folder listing
/// instead of one lookup per dependency.
pub fn missing_among(
    p: &Project,
    entries: &[&docket_core::store::Entry],
) -> Vec<(String, Vec<String>)> {
    if entries.iter().all(|e| e.meta.deps.is_empty()) {
        return Vec::new();
    }
    let Ok(files) = p.files() else {
        // Unlistable folders: ask ticket by ticket, as `missing` does.
        return entries
            .iter()
            .map(|e| (e.meta.id.to_string(), missing(p, &e.meta.deps)))
            .filter(|(_, m)| !m.is_empty())
            .collect();
    };
    let ids: std::collections::HashSet<&str> = files.iter().map(|f| f.id.as_str()).collect();
    entries
        .iter()
        .map(|e| {
            let gone: Vec<String> = e
                .meta
                .deps
                .iter()
                .filter(|d| !ids.contains(d.as_str()))
                .map(|d| d.to_string())
                .collect();
            (e.meta.id.to_string(), gone)
        })
        .filter(|(_, m)| !m.is_empty())
        .collect()
}

/// Which of `inputs` (ids or prefixes) match no ticket. Ambiguous prefixes
/// are not missing: the write reports them.
fn missing_inputs(p: &Project, inputs: &[String]) -> Vec<String> {
    inputs
        .iter()
        .map(|d| d.trim())
        .filter(|d| !d.is_empty() && matches!(p.resolve(d), Err(Error::NotFound { .. })))
        .map(String::from)
        .collect()
}

/// The dependencies among `on` that match no ticket; with `strict`, a
/// `missing_dependency` error instead (checked before anything is written).
pub(crate) fn check_missing(
    cx: &Context,
    id: Option<&str>,
    on: &[String],
    strict: bool,
) -> ApiResult<Vec<String>> {
    let missing = missing_inputs(&cx.project, on);
    if !strict || missing.is_empty() {
        return Ok(missing);
    }
    let mut details = Map::new();
    if let Some(id) = id {
        details.insert("id".into(), json!(id));
    }
    details.insert("missing".into(), json!(missing));
    let mut remedies = vec![Remedy::new(
        Op::Create,
        json!({ "title": "<title>" }),
        "create the ticket to wait on first, then add the dependency",
    )];
    if let Some(id) = id {
        remedies.push(Remedy::new(
            Op::Dep,
            json!({ "id": id, "on": missing[0] }),
            "keep it as a forward reference: leave out strict",
        ));
    }
    Err(ApiError {
        code: "missing_dependency",
        message: format!(
            "no ticket matches {}: nothing written (strict)",
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        remedies,
        details,
        source: None,
    })
}

/// One warning per dependency that matches no ticket.
pub(crate) fn missing_warnings(id: &str, missing: &[String]) -> Vec<String> {
    missing
        .iter()
        .map(|m| {
            format!(
                "`{m}` matches no ticket: kept as a forward reference, so {id} stays blocked until a ticket with that id exists"
            )
        })
        .collect()
}

/// Link tickets to each other, or unlink them.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// Two or more ids; every pair is linked (or unlinked).
    pub ids: Vec<String>,
    /// Remove the links instead.
    #[serde(default)]
    pub remove: bool,
}

/// Link or unlink; answers with the tickets touched.
pub fn link(cx: &Context, req: &LinkRequest) -> ApiResult<Vec<Listed>> {
    if req.ids.len() < 2 {
        return Err(ApiError::invalid("give at least two ticket ids"));
    }
    let tickets = cx.write(|c| ops::link(&cx.project, c, &req.ids, !req.remove))?;
    let ids: Vec<&str> = tickets.iter().map(|t| t.meta.id.as_str()).collect();
    let shorts = short_ids(&cx.project, &ids);
    Ok(tickets
        .iter()
        .zip(shorts)
        .map(|(t, short)| Listed {
            entry: docket_core::store::Entry {
                meta: t.meta.clone(),
                archived: cx.project.config.is_terminal(&t.meta.status),
                path: t.path.clone(),
                sequence: docket_core::runner::sequence(t),
            },
            short,
            blocked: false,
            line: None,
        })
        .collect())
}

/// The dependency tree under a ticket.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TreeRequest {
    pub id: String,
    /// Repeat subtrees reached twice instead of marking them `seen`.
    #[serde(default)]
    pub full: bool,
}

/// The dependency tree.
pub fn tree(cx: &Context, req: &TreeRequest) -> ApiResult<TreeNode> {
    let f = cx.project.resolve(need_id(&req.id)?)?;
    let scan = cx.project.scan()?;
    let graph = Graph::new(&scan.entries, &cx.project.config);
    Ok(graph.tree(&f.id, req.full))
}
