//! The MCP request handler: tools, resources and prompts over the tool table.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, GetPromptResult, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    Prompt, PromptArgument, PromptMessage, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, Resource, ResourceContents, ResourceTemplate, Role, ServerCapabilities,
    ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use super::exec::{self, Ran};
use super::tools::{self, Call};

/// Shared state of one server process.
pub struct Docket {
    /// The project root (or the folder to `init` in), passed as `-C` to every call.
    pub root: PathBuf,
    /// Only read tools and actions.
    pub readonly: bool,
    /// The session tool calls act as unless they name another.
    pub session: Arc<Mutex<Option<String>>>,
}

/// Most lines of the text form: the full data is in the structured content.
const MAX_TEXT_LINES: usize = 300;

/// The human text, cut after [`MAX_TEXT_LINES`] lines (a huge listing).
fn short(text: &str) -> String {
    let total = text.lines().count();
    if total <= MAX_TEXT_LINES {
        return text.to_string();
    }
    let mut out: String = text
        .lines()
        .take(MAX_TEXT_LINES)
        .collect::<Vec<_>>()
        .join("\n");
    out.push_str(&format!(
        "\n… {} more lines (all of it is in structuredContent; pass limit to shorten)",
        total - MAX_TEXT_LINES
    ));
    out
}

/// Tool result: the CLI envelope as structured content, the human form as text.
fn tool_result(ran: Ran) -> CallToolResult {
    let mut text = if ran.is_error() {
        let e = &ran.envelope["error"];
        let mut t = format!(
            "error [{}]: {}",
            e["code"].as_str().unwrap_or("internal"),
            e["message"].as_str().unwrap_or("")
        );
        if let Some(h) = e["hint"].as_str() {
            t.push_str(&format!("\nhint: {h}"));
        }
        t
    } else if ran.text.trim().is_empty() {
        "ok".to_string()
    } else {
        short(ran.text.trim_end())
    };
    for w in &ran.warnings {
        text.push_str(&format!("\nwarning: {w}"));
    }
    let mut result = if ran.is_error() {
        CallToolResult::structured_error(ran.envelope)
    } else {
        CallToolResult::structured(ran.envelope)
    };
    result.content = vec![ContentBlock::text(text)];
    result
}

impl Docket {
    /// The session a call acts as: the one it names, else the server's. Reads
    /// pass it too, so `explain` judges the move as this server's session would make it.
    fn session_for(&self, call: &Call) -> Option<String> {
        if let Some(s) = call.str("session").filter(|s| !s.is_empty()) {
            return Some(s.to_string());
        }
        self.session.lock().ok().and_then(|g| g.clone())
    }

    /// Run argv in a blocking thread.
    async fn run(&self, session: Option<String>, argv: Vec<String>) -> Ran {
        let root = self.root.clone();
        match tokio::task::spawn_blocking(move || exec::run(&root, session.as_deref(), argv)).await
        {
            Ok(ran) => ran,
            Err(e) => exec::run_failed(&e.to_string()),
        }
    }

    fn tool_list(&self) -> Vec<Tool> {
        tools::TOOLS
            .iter()
            .filter(|t| t.visible(self.readonly))
            .map(|t| Tool::new(t.name, t.desc, Arc::new(t.schema(self.readonly))))
            .collect()
    }
}

const INSTRUCTIONS: &str = "docket: the project's tickets. Start with project(action=prime); \
read man(page=minimal) once for the workflow. Errors carry stable codes in structuredContent.error.";

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
        Ok(ListToolsResult::with_all_items(self.tool_list()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tool_list().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let tool = tools::find(&request.name)
            .filter(|t| t.visible(self.readonly))
            .ok_or_else(|| {
                ErrorData::invalid_params(format!("unknown tool `{}`", request.name), None)
            })?;
        let args = request.arguments.unwrap_or_default();
        let call = Call::validate(tool, args, self.readonly)
            .map_err(|m| ErrorData::invalid_params(m, None))?;
        super::ensure_session(self);
        let session = self.session_for(&call);
        let argv = (tool.build)(&call).map_err(|m| ErrorData::invalid_params(m, None))?;
        let is_init = tool.name == "project" && call.action() == "init";
        let ran = self.run(session, argv).await;
        if is_init && !ran.is_error() {
            super::ensure_session(self);
        }
        Ok(tool_result(ran).into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let mut out = vec![
            Resource::new("docket://prime", "prime")
                .with_description("The agent primer: in progress, ready, recently closed")
                .with_mime_type("text/plain"),
        ];
        // Open tickets in board order, capped: a resource list is for browsing.
        let ran = self
            .run(None, vec!["list".into(), "--limit=200".into()])
            .await;
        if let Some(rows) = ran.envelope["data"].as_array() {
            for row in rows {
                if let (Some(id), Some(title)) = (row["id"].as_str(), row["title"].as_str()) {
                    out.push(
                        Resource::new(format!("docket://ticket/{id}"), id.to_string())
                            .with_title(title)
                            .with_mime_type("text/markdown"),
                    );
                }
            }
        }
        Ok(ListResourcesResult::with_all_items(out))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            ResourceTemplate::new("docket://ticket/{id}", "ticket")
                .with_description("A ticket file (id or unique prefix)")
                .with_mime_type("text/markdown"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri;
        let (argv, ticket) = if uri == "docket://prime" {
            (vec!["prime".to_string()], false)
        } else if let Some(id) = uri
            .strip_prefix("docket://ticket/")
            .filter(|i| !i.is_empty())
        {
            (vec!["show".into(), "--".into(), id.to_string()], true)
        } else {
            return Err(ErrorData::resource_not_found(
                format!("no resource `{uri}`"),
                None,
            ));
        };
        let ran = self.run(None, argv).await;
        if ran.is_error() {
            let e = &ran.envelope["error"];
            return Err(ErrorData::resource_not_found(
                e["message"].as_str().unwrap_or("not found").to_string(),
                Some(e.clone()),
            ));
        }
        let contents = if ticket {
            let path = ran.envelope["data"]["path"].as_str().unwrap_or_default();
            let text = std::fs::read_to_string(self.root.join(path))
                .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
            ResourceContents::text(text, uri).with_mime_type("text/markdown")
        } else {
            ResourceContents::text(ran.text, uri).with_mime_type("text/plain")
        };
        Ok(ReadResourceResult::new(vec![contents]).into())
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
        let text = match request.name.as_str() {
            "work_next" => {
                let target = match arg("id") {
                    Some(id) => format!("ticket `{id}`"),
                    None => "the first ticket of query(action=ready)".to_string(),
                };
                format!(
                    "Work {target} with the docket tools.\n\
                     1. project(action=prime) for context; show(id) to read the ticket.\n\
                     2. move(action=start, id) before changing code.\n\
                     3. Do the work; note(id, text) with decisions and findings as you go.\n\
                     4. update(id, ac=<criterion>, done=true) for each acceptance criterion met.\n\
                     5. move(action=close, id, reason=<one-line summary>). If a tool error comes back, \
                     read its code and hint and fix the cause; never force a guard without a reason \
                     the user would accept."
                )
            }
            "file_ticket" => {
                let req = arg("request")
                    .ok_or_else(|| ErrorData::invalid_params("missing argument `request`", None))?;
                format!(
                    "File a docket ticket for this request:\n\n{req}\n\n\
                     Check query(action=list) for duplicates first. Then create(title, type, priority, \
                     description=<what and why>, acceptance=[<checkable criteria>], deps=[<ids it waits on>]). \
                     Reply with the new id."
                )
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("unknown prompt `{other}`"),
                    None,
                ));
            }
        };
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).into())
    }
}
