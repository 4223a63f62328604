//! The graph family: dependencies (directional, cycle-checked), links
//! (symmetric) and the dependency tree.

use docket_core::graph::{Graph, TreeNode};
use docket_core::ops;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::context::Context;
use crate::error::{ApiError, ApiResult};
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
}

/// Add and remove dependencies in one write (cycle-checked).
pub fn depends(cx: &Context, req: &DepsRequest) -> ApiResult<Changed> {
    let id = need_id(&req.id)?;
    if req.on.is_empty() && req.remove.is_empty() {
        return Err(ApiError::invalid("give `on` or `remove` with ticket ids"));
    }
    let o = cx.write(|c| {
        if req.remove.is_empty() && req.on.len() == 1 {
            ops::dep(&cx.project, c, id, &req.on[0])
        } else if req.on.is_empty() && req.remove.len() == 1 {
            ops::undep(&cx.project, c, id, &req.remove[0])
        } else {
            ops::depends(&cx.project, c, id, &req.on, &req.remove)
        }
    })?;
    Ok(Changed::of(&cx.project, o))
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
