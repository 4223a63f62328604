//! The MCP request handler: tools, resources and prompts over the typed API.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use docket_api::project::PrimeRequest;
use docket_api::tickets::ShowRequest;
use docket_api::{ApiError, ApiResult, Context};
use docket_core::{Project, audit, session};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, GetPromptResult, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    Prompt, PromptArgument, PromptMessage, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, Resource, ResourceContents, ResourceTemplate, Role, ServerCapabilities,
    ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};

use crate::dispatch::{self, Output};
use crate::tools::{self, Call};
use crate::{Options, prime, remedy};

/// Resources per `resources/list` page.
const RESOURCE_PAGE: usize = 50;

/// State shared by every call of one server process.
pub struct Inner {
    pub opts: Options,
    /// The session this server opened (and ends on exit).
    pub own: Mutex<Option<String>>,
}

/// The handler; cheap to clone into blocking tasks.
#[derive(Clone)]
pub struct Docket(pub Arc<Inner>);

impl Inner {
    fn root(&self) -> PathBuf {
        self.opts.dir.clone()
    }

    /// The session calls act as by default: the explicit one, else the server's
    /// own, opened (or reopened after `cleanup` expired it) on demand.
    fn default_session(&self, p: &Project) -> Option<String> {
        if let Some(s) = &self.opts.session {
            return Some(s.clone());
        }
        if self.opts.readonly {
            return None;
        }
        let mut own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = own.as_deref() {
            if session::find(p, id).is_ok() {
                return Some(id.to_string());
            }
            eprintln!("docket mcp: session {id} has ended; opening a new one");
        }
        let cx = Context::new(p.clone(), (self.opts.clock)(), self.opts.actor.clone());
        let req = docket_api::sessions::StartRequest {
            role: self.opts.role.clone(),
            name: self.opts.name.clone(),
            detach: true,
        };
        match docket_api::sessions::start(&cx, &req) {
            Ok(s) => {
                *own = Some(s.id.clone());
                Some(s.id)
            }
            Err(e) => {
                eprintln!("docket mcp: cannot open a session: {e}");
                None
            }
        }
    }

    /// The context of one call: the project, the clock, and the session it
    /// names or the server's.
    pub fn context(&self, session: Option<&str>) -> ApiResult<Context> {
        let p = Project::discover(&self.root())?;
        let cx = Context::new(p, (self.opts.clock)(), self.opts.actor.clone())
            .with_hot_index(self.opts.hot_index);
        match session {
            Some(s) => cx.with_session(Some(s), None),
            None => match self.default_session(&cx.project) {
                Some(id) => cx.as_session(&id),
                None => Ok(cx),
            },
        }
    }

    /// Run one checked call (blocking).
    fn execute(&self, call: &Call) -> ApiResult<Output> {
        if call.tool.name == "project" && call.action.name == "init" {
            let req = call.request()?;
            let p = docket_api::project::init(&self.root(), &req)?;
            return Ok(Output {
                structured: json!({
                    "root": p.root.to_string_lossy(),
                    "prefix": p.config.project.prefix,
                    "preset": p.config.workflow.preset,
                    "statuses": p.config.workflow.statuses,
                }),
                text: None,
            });
        }
        if call.tool.name == "man" {
            return dispatch::man(call.request()?);
        }
        let cx = self.context(call.session.as_deref())?;
        dispatch::run(call, &cx)
    }

    /// End the session this server opened.
    pub fn end_own(&self) {
        let id = self.own.lock().ok().and_then(|mut o| o.take());
        if let Some(id) = id
            && let Ok(p) = Project::discover(&self.root())
            && let Ok(s) = session::find(&p, &id)
        {
            let _ = session::end(&p, &s);
        }
    }

    /// In-progress tickets that are the caller's: assigned to it, or moved into
    /// the active status by its session.
    fn my_work(&self) -> ApiResult<Vec<(String, String)>> {
        let cx = self.context(None)?;
        let p = &cx.project;
        let active = &p.config.workflow.active;
        let me: Vec<String> = [
            cx.session.as_ref().map(|s| s.name.clone()),
            cx.session.as_ref().map(|s| s.label()),
            cx.actor(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let sid = cx.session.as_ref().map(|s| s.id.clone());
        let scan = p.scan()?;
        let mut out = Vec::new();
        for e in scan.entries.iter().filter(|e| e.meta.status == active) {
            let assigned = e
                .meta
                .assignee
                .as_deref()
                .is_some_and(|a| me.iter().any(|x| x == a));
            let moved = sid.is_some() && {
                p.get(&e.meta.id).ok().is_some_and(|t| {
                    audit::parse(&t)
                        .0
                        .iter()
                        .rev()
                        .find(|l| l.kind == "transition")
                        .is_some_and(|l| l.session == sid)
                })
            };
            if assigned || moved {
                out.push((e.meta.id.to_string(), e.meta.title.clone()));
            }
        }
        Ok(out)
    }
}

/// A tool result: structured content, and its text (the JSON itself unless
/// the output has a text form of its own).
fn success(o: Output) -> CallToolResult {
    let text = o
        .text
        .unwrap_or_else(|| serde_json::to_string(&o.structured).unwrap_or_default());
    let mut r = CallToolResult::structured(o.structured);
    r.content = vec![ContentBlock::text(text)];
    r
}

/// A failed call as a tool result (`isError: true`), never a protocol error.
fn failure(e: &ApiError, readonly: bool) -> CallToolResult {
    let v = remedy::error_content(e, readonly);
    let text = serde_json::to_string(&v).unwrap_or_default();
    let mut r = CallToolResult::structured_error(v);
    r.content = vec![ContentBlock::text(text)];
    r
}

/// Replace `{statuses}`/`{types}` in a description with the project's values.
fn describe(desc: &str, p: Option<&Project>) -> String {
    let (statuses, types) = match p {
        Some(p) => (
            p.config.workflow.statuses.join("|"),
            p.config.workflow.types.join("|"),
        ),
        None => (
            "see project info".to_string(),
            "see project info".to_string(),
        ),
    };
    desc.replace("{statuses}", &statuses)
        .replace("{types}", &types)
}

impl Docket {
    fn tool_list(&self) -> Vec<Tool> {
        let ro = self.0.opts.readonly;
        let p = Project::discover(&self.0.root()).ok();
        tools::TOOLS
            .iter()
            .filter(|t| t.visible(ro))
            .map(|t| {
                let read_only = t.read_only(ro);
                let ann = ToolAnnotations::new()
                    .read_only(read_only)
                    .destructive(!read_only && t.destructive)
                    .idempotent(read_only || t.idempotent);
                Tool::new(t.name, describe(t.desc, p.as_ref()), Arc::new(t.schema(ro)))
                    .annotate(ann)
            })
            .collect()
    }

    /// Run blocking work off the protocol thread.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> T + Send + 'static,
    ) -> Result<T, String> {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&inner)))
                .map_err(|_| "the operation panicked; nothing more was written".to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

const INSTRUCTIONS: &str = "docket: this project's tickets. Start with project(action=prime); \
man(page=mcp) shows example calls. Write tools take `session` to act as another active session \
(default: the server's own). A refused call answers isError with code, message and remedies \
(tool calls that would fix it).";

fn internal(m: String) -> ApiError {
    let mut e = ApiError::invalid(m);
    e.code = "internal";
    e
}

impl ServerHandler for Docket {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("docket", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let me = self.clone();
        let list = self
            .blocking(move |_| me.tool_list())
            .await
            .map_err(|m| ErrorData::internal_error(m, None))?;
        Ok(ListToolsResult::with_all_items(list))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let ro = self.0.opts.readonly;
        let Some(tool) = tools::find(&request.name).filter(|t| t.visible(ro)) else {
            let known: Vec<&str> = tools::TOOLS
                .iter()
                .filter(|t| t.visible(ro))
                .map(|t| t.name)
                .collect();
            let mut e = ApiError::invalid(if tools::find(&request.name).is_some() {
                format!(
                    "`{}` writes; this server is read-only (--readonly)",
                    request.name
                )
            } else {
                format!(
                    "unknown tool `{}`: one of {}",
                    request.name,
                    known.join(", ")
                )
            });
            e.details.insert("known".into(), json!(known));
            let e = e.with_remedy(remedy::direct(
                "man",
                serde_json::Map::from_iter([("page".to_string(), json!("mcp"))]),
                "the tools and example calls".into(),
            ));
            return Ok(failure(&e, ro).into());
        };
        let args = request.arguments.unwrap_or_default();
        let call = match Call::validate(tool, args, ro) {
            Ok(c) => c,
            Err(e) => return Ok(failure(&e, ro).into()),
        };
        let result = self.blocking(move |inner| inner.execute(&call)).await;
        Ok(match result {
            Ok(Ok(o)) => success(o),
            Ok(Err(e)) => failure(&e, ro),
            Err(m) => failure(&internal(m), ro),
        }
        .into())
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let offset: usize = match request.and_then(|r| r.cursor) {
            None => 0,
            Some(c) => c
                .parse()
                .map_err(|_| ErrorData::invalid_params(format!("bad cursor `{c}`"), None))?,
        };
        let mine = self
            .blocking(|inner| inner.my_work().unwrap_or_default())
            .await
            .map_err(|m| ErrorData::internal_error(m, None))?;
        let mut all = vec![
            Resource::new("docket://prime", "prime")
                .with_description(
                    "The agent primer: in progress, ready, recently closed, work loop",
                )
                .with_mime_type("text/plain"),
        ];
        for (id, title) in mine {
            all.push(
                Resource::new(format!("docket://ticket/{id}"), id)
                    .with_title(title)
                    .with_mime_type("text/markdown"),
            );
        }
        let total = all.len();
        let end = offset.saturating_add(RESOURCE_PAGE).min(total);
        let page: Vec<Resource> = all
            .into_iter()
            .skip(offset)
            .take(end.saturating_sub(offset))
            .collect();
        let mut result = ListResourcesResult::with_all_items(page);
        if end < total {
            result.next_cursor = Some(end.to_string());
        }
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            ResourceTemplate::new("docket://ticket/{id}", "ticket")
                .with_description("Any ticket's file (id or unique prefix, archived too)")
                .with_mime_type("text/markdown"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri;
        let u = uri.clone();
        let read = self
            .blocking(move |inner| -> ApiResult<ResourceContents> {
                if u == "docket://prime" {
                    let cx = inner.context(None)?;
                    let p = docket_api::project::prime(&cx, &PrimeRequest::default())?;
                    let text = prime::text(&p, &cx.project.config);
                    return Ok(ResourceContents::text(text, u).with_mime_type("text/plain"));
                }
                let Some(id) = u.strip_prefix("docket://ticket/").filter(|i| !i.is_empty()) else {
                    return Err(ApiError::invalid(format!("no resource `{u}`")));
                };
                let cx = inner.context(None)?;
                let shown = docket_api::tickets::show(
                    &cx,
                    &ShowRequest {
                        id: id.to_string(),
                        ..Default::default()
                    },
                )?;
                let text = std::fs::read_to_string(&shown.ticket.path)
                    .map_err(|e| ApiError::from(docket_core::Error::io(&shown.ticket.path, e)))?;
                Ok(ResourceContents::text(text, u).with_mime_type("text/markdown"))
            })
            .await
            .map_err(|m| ErrorData::internal_error(m, None))?;
        match read {
            Ok(c) => Ok(ReadResourceResult::new(vec![c]).into()),
            Err(e) => Err(ErrorData::resource_not_found(
                e.message.clone(),
                Some(remedy::error_content(&e, self.0.opts.readonly)),
            )),
        }
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(vec![
            Prompt::new(
                "work_next",
                Some("Pick the next ready ticket (or the given one) and work it to done"),
                Some(vec![PromptArgument::new("id").with_description(
                    "a ticket to work instead of the next ready one",
                )]),
            ),
            Prompt::new(
                "file_ticket",
                Some("Turn a request into a well-formed ticket"),
                Some(vec![
                    PromptArgument::new("request")
                        .with_description("what needs doing")
                        .with_required(true),
                ]),
            ),
        ]))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let arg = |k: &str| {
            request
                .arguments
                .as_ref()
                .and_then(|a| a.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (id, req) = (arg("id"), arg("request"));
        let name = request.name.clone();
        let text = self
            .blocking(move |inner| -> Result<String, ErrorData> {
                let cfg = Project::discover(&inner.root())
                    .map(|p| p.config)
                    .map_err(|e| ErrorData::invalid_params(e.to_string(), None))?;
                match name.as_str() {
                    "work_next" => Ok(crate::prompts::work_next(&cfg, id.as_deref())),
                    "file_ticket" => {
                        let req = req.ok_or_else(|| {
                            ErrorData::invalid_params("missing argument `request`", None)
                        })?;
                        Ok(crate::prompts::file_ticket(&cfg, &req))
                    }
                    other => Err(ErrorData::invalid_params(
                        format!("unknown prompt `{other}`"),
                        None,
                    )),
                }
            })
            .await
            .map_err(|m| ErrorData::internal_error(m, None))??;
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).into())
    }
}
