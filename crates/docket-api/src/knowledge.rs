//! Project knowledge: context entries (short facts every agent must know) and
//! documents (ADRs, specs). Files under `.docket/context/` and `.docket/docs/`.

use docket_core::knowledge::{self, ContextEntry, Doc, DocHit, DocInfo, WriteMode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::ApiResult;

/// Every context entry, whole (`readall`) or as key + first line (`list`).
#[derive(Debug, Clone, Serialize)]
pub struct ContextEntries {
    pub items: Vec<ContextEntry>,
    pub total: usize,
}

/// Read every context entry.
pub fn context_list(cx: &Context) -> ApiResult<ContextEntries> {
    let items = knowledge::context_list(&cx.project)?;
    Ok(ContextEntries {
        total: items.len(),
        items,
    })
}

/// A context entry to add or replace.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextWriteRequest {
    /// 1-64 letters, digits, `-` or `_`.
    pub key: String,
    /// Markdown; its first line is what `prime` shows.
    pub body: String,
}

/// What a context write or delete did.
#[derive(Debug, Clone, Serialize)]
pub struct ContextChanged {
    pub key: String,
    /// `added`, `updated` or `deleted`.
    pub action: &'static str,
    /// Path relative to the project root.
    pub path: String,
}

fn changed(cx: &Context, key: &str, action: &'static str) -> ContextChanged {
    ContextChanged {
        key: key.to_string(),
        action,
        path: cx.project.display_path(
            &cx.project
                .dir
                .join(knowledge::CONTEXT_DIR)
                .join(format!("{key}.md")),
        ),
    }
}

/// Add a context entry (refused when the key exists).
pub fn context_add(cx: &Context, req: &ContextWriteRequest) -> ApiResult<ContextChanged> {
    knowledge::context_write(&cx.project, &req.key, &req.body, WriteMode::Create)?;
    Ok(changed(cx, &req.key, "added"))
}

/// Replace a context entry (refused when the key does not exist).
pub fn context_update(cx: &Context, req: &ContextWriteRequest) -> ApiResult<ContextChanged> {
    knowledge::context_write(&cx.project, &req.key, &req.body, WriteMode::Replace)?;
    Ok(changed(cx, &req.key, "updated"))
}

/// A context entry or document by key.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// The key (context) or slug (document).
    #[serde(alias = "slug")]
    pub key: String,
}

/// Delete a context entry.
pub fn context_delete(cx: &Context, req: &KeyRequest) -> ApiResult<ContextChanged> {
    knowledge::context_delete(&cx.project, &req.key)?;
    Ok(changed(cx, &req.key, "deleted"))
}

/// Which documents to list.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocListRequest {
    /// Include archived documents.
    #[serde(default)]
    pub archived: bool,
}

/// Listed documents.
#[derive(Debug, Clone, Serialize)]
pub struct Docs {
    pub items: Vec<DocInfo>,
    pub total: usize,
}

/// List documents.
pub fn doc_list(cx: &Context, req: &DocListRequest) -> ApiResult<Docs> {
    let items = knowledge::doc_list(&cx.project, req.archived)?;
    Ok(Docs {
        total: items.len(),
        items,
    })
}

/// Read one document (a live one, else an archived one).
pub fn doc_read(cx: &Context, req: &KeyRequest) -> ApiResult<Doc> {
    Ok(knowledge::doc_read(&cx.project, &req.key)?)
}

/// A new document.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocAddRequest {
    /// 1-64 letters, digits, `-` or `_` (tickets refer to it by this).
    pub slug: String,
    /// One line; defaults to the slug.
    #[serde(default)]
    pub title: Option<String>,
    /// Markdown.
    pub body: String,
}

/// Add a document (refused when a live one has the slug).
pub fn doc_add(cx: &Context, req: &DocAddRequest) -> ApiResult<DocInfo> {
    Ok(knowledge::doc_add(&cx.project, &req.slug, req.title.as_deref(), &req.body)?.info)
}

/// New title and/or body for a live document.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocUpdateRequest {
    pub slug: String,
    /// One line; kept when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// Markdown; kept when absent.
    #[serde(default)]
    pub body: Option<String>,
}

/// What `doc update` did.
#[derive(Debug, Clone, Serialize)]
pub struct DocUpdated {
    #[serde(flatten)]
    pub info: DocInfo,
    /// False when the text was already that (nothing written).
    pub changed: bool,
}

/// Replace a document's title and/or body.
pub fn doc_update(cx: &Context, req: &DocUpdateRequest) -> ApiResult<DocUpdated> {
    let (d, changed) = knowledge::doc_update(
        &cx.project,
        &req.slug,
        req.title.as_deref(),
        req.body.as_deref(),
    )?;
    Ok(DocUpdated {
        info: d.info,
        changed,
    })
}

/// Archive a document (moved to `.docket/docs/archive/`).
pub fn doc_archive(cx: &Context, req: &KeyRequest) -> ApiResult<DocInfo> {
    Ok(knowledge::doc_archive(&cx.project, &req.key)?)
}

/// Documents containing every word (used by `search`).
pub fn doc_search(cx: &Context, text: &str) -> ApiResult<Vec<DocHit>> {
    Ok(knowledge::doc_search(&cx.project, text)?)
}
