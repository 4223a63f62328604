//! Notes, comments and plans: append-only text on a ticket's audit log.

use docket_core::ops;
use docket_core::plan::Revision;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::query::need_id;
use crate::view::Changed;

/// Text to append to a ticket.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextRequest {
    pub id: String,
    pub text: String,
}

/// Append a timestamped note.
pub fn add_note(cx: &Context, req: &TextRequest) -> ApiResult<Changed> {
    append(cx, req, ops::add_note)
}

/// Append a comment (against a frozen plan in progress it is a deviation).
pub fn comment(cx: &Context, req: &TextRequest) -> ApiResult<Changed> {
    append(cx, req, ops::comment)
}

/// Write or revise the plan (versioned; refused once frozen).
pub fn write_plan(cx: &Context, req: &TextRequest) -> ApiResult<Changed> {
    append(cx, req, ops::write_plan)
}

type AppendFn =
    fn(&docket_core::Project, &ops::Ctx, &str, &str) -> docket_core::Result<ops::Outcome>;

fn append(cx: &Context, req: &TextRequest, f: AppendFn) -> ApiResult<Changed> {
    let id = need_id(&req.id)?;
    let o = cx.write(|c| f(&cx.project, c, id, &req.text))?;
    Ok(Changed::of(&cx.project, o))
}

/// Which plan revision to read.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanShowRequest {
    pub id: String,
    /// Revision number (default: the latest).
    #[serde(default)]
    pub revision: Option<u64>,
}

/// One plan revision and whether it is the frozen one.
#[derive(Debug, Clone, Serialize)]
pub struct PlanShown {
    pub id: String,
    pub version: u64,
    pub frozen: bool,
    pub revision: Revision,
}

/// Read a plan revision.
pub fn show_plan(cx: &Context, req: &PlanShowRequest) -> ApiResult<PlanShown> {
    let t = cx.project.get(need_id(&req.id)?)?;
    let (entries, _) = docket_core::audit::parse(&t);
    let st = docket_core::plan::state(&t, &entries);
    let want = req.revision.unwrap_or(st.version());
    let rev = st
        .revisions
        .iter()
        .find(|r| r.version == want)
        .ok_or_else(|| {
            ApiError::invalid(if st.revisions.is_empty() {
                format!("{} has no plan yet", t.meta.id)
            } else {
                format!(
                    "{} has no plan revision {want} (latest is {})",
                    t.meta.id,
                    st.version()
                )
            })
        })?;
    Ok(PlanShown {
        id: t.meta.id.to_string(),
        version: rev.version,
        frozen: st.frozen.as_ref().is_some_and(|f| f.version == rev.version),
        revision: rev.clone(),
    })
}
