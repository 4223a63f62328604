//! The MCP tool table: each tool's JSON input schema, its description, and how its
//! validated arguments become a `docket` argv. Tool calls run through the CLI's own
//! parser and dispatcher (see `exec.rs`), so this table is the only MCP-specific
//! knowledge of the commands: data, errors and guards are the CLI's by construction.
//!
//! Lean by design: agents pay for `tools/list` in every conversation, so related
//! operations share one tool behind an `action` argument, descriptions are terse,
//! and properties without an obvious meaning carry a few words at most.

use serde_json::{Map, Value, json};

/// The JSON type of one tool property.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Str,
    Int,
    Bool,
    /// An array of strings.
    List,
}

/// One property of a tool's input schema.
#[derive(Clone, Copy, Debug)]
pub struct Prop {
    pub name: &'static str,
    pub kind: Kind,
    /// Empty when the name says it all (keeps `tools/list` small).
    pub desc: &'static str,
}

const fn p(name: &'static str, kind: Kind, desc: &'static str) -> Prop {
    Prop { name, kind, desc }
}

/// One value of a tool's `action` argument.
#[derive(Clone, Copy, Debug)]
pub struct Action {
    pub name: &'static str,
    /// Write actions are hidden and refused under `--readonly`.
    pub write: bool,
}

const fn r(name: &'static str) -> Action {
    Action { name, write: false }
}

const fn w(name: &'static str) -> Action {
    Action { name, write: true }
}

/// One MCP tool.
pub struct ToolDef {
    pub name: &'static str,
    pub desc: &'static str,
    /// Values of the `action` argument (empty: the tool has none).
    pub actions: &'static [Action],
    /// Whether the tool writes (for tools without actions).
    pub write: bool,
    pub props: &'static [Prop],
    pub required: &'static [&'static str],
    /// Turn validated arguments into the command line after `docket`.
    pub build: fn(&Call) -> Result<Vec<String>, String>,
}

impl ToolDef {
    /// Whether any part of the tool is available in this mode.
    pub fn visible(&self, readonly: bool) -> bool {
        !readonly
            || if self.actions.is_empty() {
                !self.write
            } else {
                self.actions.iter().any(|a| !a.write)
            }
    }

    /// The JSON schema of the tool's arguments in this mode.
    pub fn schema(&self, readonly: bool) -> Map<String, Value> {
        let mut props = Map::new();
        if !self.actions.is_empty() {
            let names: Vec<&str> = self
                .actions
                .iter()
                .filter(|a| !readonly || !a.write)
                .map(|a| a.name)
                .collect();
            props.insert("action".into(), json!({ "type": "string", "enum": names }));
        }
        for prop in self.props {
            let mut s = match prop.kind {
                Kind::Str => json!({ "type": "string" }),
                Kind::Int => json!({ "type": "integer" }),
                Kind::Bool => json!({ "type": "boolean" }),
                Kind::List => json!({ "type": "array", "items": { "type": "string" } }),
            };
            if !prop.desc.is_empty() {
                s["description"] = json!(prop.desc);
            }
            props.insert(prop.name.into(), s);
        }
        let mut required: Vec<&str> = Vec::new();
        if !self.actions.is_empty() {
            required.push("action");
        }
        required.extend(self.required);
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            schema.insert("required".into(), json!(required));
        }
        schema.insert("additionalProperties".into(), json!(false));
        schema
    }
}

/// Largest accepted string argument (a plan or description), in bytes.
pub const MAX_STRING: usize = 256 * 1024;
/// Most items accepted in one list argument.
pub const MAX_ITEMS: usize = 256;

/// Validated arguments of one call, with helpers that build the argv.
pub struct Call {
    args: Map<String, Value>,
    argv: Vec<String>,
    positionals: Vec<String>,
}

impl Call {
    /// Check `args` against `tool`'s schema in this mode.
    pub fn validate(
        tool: &ToolDef,
        args: Map<String, Value>,
        readonly: bool,
    ) -> Result<Call, String> {
        for (k, v) in &args {
            if k == "action" && !tool.actions.is_empty() {
                let a = v.as_str().ok_or("`action` must be a string")?;
                let Some(found) = tool.actions.iter().find(|x| x.name == a) else {
                    let names: Vec<&str> = tool.actions.iter().map(|x| x.name).collect();
                    return Err(format!(
                        "unknown action `{a}`; one of: {}",
                        names.join(", ")
                    ));
                };
                if readonly && found.write {
                    return Err(format!("action `{a}` writes; this server is --readonly"));
                }
                continue;
            }
            let prop = tool
                .props
                .iter()
                .find(|p| p.name == *k)
                .ok_or_else(|| format!("unknown argument `{k}` for tool `{}`", tool.name))?;
            let ok = match (prop.kind, v) {
                (Kind::Str, Value::String(s)) => check_len(k, s)?,
                (Kind::Int, Value::Number(n)) => n.is_i64(),
                (Kind::Bool, Value::Bool(_)) => true,
                (Kind::List, Value::Array(items)) => {
                    if items.len() > MAX_ITEMS {
                        return Err(format!("`{k}` has more than {MAX_ITEMS} items"));
                    }
                    let mut all = true;
                    for i in items {
                        match i {
                            Value::String(s) => {
                                check_len(k, s)?;
                            }
                            _ => all = false,
                        }
                    }
                    all
                }
                (_, Value::Null) => true,
                _ => false,
            };
            if !ok {
                let want = match prop.kind {
                    Kind::Str => "a string",
                    Kind::Int => "an integer",
                    Kind::Bool => "a boolean",
                    Kind::List => "an array of strings",
                };
                return Err(format!("`{k}` must be {want}"));
            }
        }
        if !tool.actions.is_empty() && !args.contains_key("action") {
            return Err("missing required argument `action`".into());
        }
        for req in tool.required {
            if args.get(*req).is_none_or(Value::is_null) {
                return Err(format!("missing required argument `{req}`"));
            }
        }
        Ok(Call {
            args,
            argv: Vec::new(),
            positionals: Vec::new(),
        })
    }

    /// The `action` argument ("" when the tool has none).
    pub fn action(&self) -> &str {
        self.str("action").unwrap_or("")
    }

    pub fn str(&self, k: &str) -> Option<&str> {
        self.args.get(k).and_then(Value::as_str)
    }

    pub fn bool(&self, k: &str) -> bool {
        self.args.get(k).and_then(Value::as_bool).unwrap_or(false)
    }

    /// The items of a list argument (`None` when absent).
    pub fn list(&self, k: &str) -> Option<Vec<&str>> {
        self.args
            .get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
    }

    /// A required string (validated present for tools that declare it).
    pub fn need(&self, k: &str) -> Result<&str, String> {
        self.str(k)
            .ok_or_else(|| format!("`{k}` is required for action `{}`", self.action()))
    }

    /// Literal words (the command and subcommand).
    fn words(&mut self, words: &[&str]) -> &mut Self {
        self.argv.extend(words.iter().map(|w| w.to_string()));
        self
    }

    /// `--flag=value` when the argument is present: the `=` form keeps a value
    /// that starts with `-` from being read as a flag.
    fn opt(&mut self, k: &str, flag: &str) -> &mut Self {
        let v = match self.args.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        if let Some(v) = v {
            self.argv.push(format!("--{flag}={v}"));
        }
        self
    }

    /// `--flag=item` for each item of a list argument.
    fn each(&mut self, k: &str, flag: &str) -> &mut Self {
        let items: Vec<String> = self
            .list(k)
            .unwrap_or_default()
            .iter()
            .map(|s| format!("--{flag}={s}"))
            .collect();
        self.argv.extend(items);
        self
    }

    /// `--flag` when a boolean argument is true.
    fn switch(&mut self, k: &str, flag: &str) -> &mut Self {
        if self.bool(k) {
            self.argv.push(format!("--{flag}"));
        }
        self
    }

    /// A positional argument, placed after `--` so it is never read as a flag.
    fn pos(&mut self, value: &str) -> &mut Self {
        self.positionals.push(value.to_string());
        self
    }

    /// The finished command line.
    fn done(&mut self) -> Result<Vec<String>, String> {
        let mut out = std::mem::take(&mut self.argv);
        if !self.positionals.is_empty() {
            out.push("--".into());
            out.append(&mut self.positionals);
        }
        Ok(out)
    }
}

fn check_len(k: &str, s: &str) -> Result<bool, String> {
    if s.len() > MAX_STRING {
        return Err(format!("`{k}` is longer than {MAX_STRING} bytes"));
    }
    Ok(true)
}

// Shared properties.
const ID: Prop = p("id", Kind::Str, "ticket id or unique prefix");
const SESSION: Prop = p(
    "session",
    Kind::Str,
    "act as this session (default: the server's)",
);
const FORCE: Prop = p("force", Kind::Bool, "pass failing guards; needs reason");
const REASON: Prop = p("reason", Kind::Str, "why (recorded as a note)");
const FILTERS: [Prop; 5] = [
    p("type", Kind::List, ""),
    p("mode", Kind::List, "afk|hitl"),
    p("tag", Kind::List, ""),
    p("status", Kind::List, ""),
    p("assignee", Kind::List, ""),
];

const QUERY_PROPS: &[Prop] = &[
    FILTERS[0],
    FILTERS[1],
    FILTERS[2],
    FILTERS[3],
    FILTERS[4],
    p("limit", Kind::Int, ""),
    p("all", Kind::Bool, "list, search: include closed"),
    p("text", Kind::Str, "search: words that must all occur"),
];

fn build_query(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    let kind = c.action().to_string();
    c.words(&[&kind]);
    if kind != "board" {
        for f in ["type", "mode", "tag", "status", "assignee"] {
            c.each(f, f);
        }
        c.opt("limit", "limit");
    }
    if kind == "list" || kind == "search" {
        c.switch("all", "all");
    }
    if kind == "search" {
        let text = c.need("text")?.to_string();
        c.pos(&text);
    }
    c.done()
}

fn build_show(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    let id = c.need("id")?.to_string();
    c.words(&["show"]).pos(&id).done()
}

const PROJECT_PROPS: &[Prop] = &[
    p("ids", Kind::List, "check: only these tickets"),
    p("limit", Kind::Int, "prime: ready items shown"),
    p("prefix", Kind::Str, "init: id prefix"),
    p("preset", Kind::Str, "init: workflow preset"),
];

fn build_project(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    match c.action() {
        "info" => c.words(&["info"]).done(),
        "prime" => c.words(&["prime"]).opt("limit", "limit").done(),
        "check" => {
            c.words(&["check"]);
            for id in c
                .list("ids")
                .unwrap_or_default()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
            {
                c.pos(&id);
            }
            c.done()
        }
        "init" => c
            .words(&["init"])
            .opt("prefix", "prefix")
            .opt("preset", "preset")
            .done(),
        a => Err(format!("unknown action `{a}`")),
    }
}

const CREATE_PROPS: &[Prop] = &[
    p("title", Kind::Str, ""),
    p("type", Kind::Str, ""),
    p("priority", Kind::Int, "0 (highest)..4"),
    p("assignee", Kind::Str, ""),
    p("mode", Kind::Str, "afk|hitl"),
    p("tags", Kind::List, ""),
    p("parent", Kind::Str, ""),
    p("external_refs", Kind::List, ""),
    p("description", Kind::Str, ""),
    p("design", Kind::Str, ""),
    p("acceptance", Kind::List, "criteria"),
    p("deps", Kind::List, "ids it waits on"),
    p("links", Kind::List, ""),
    p("tier", Kind::Str, "critical|standard|low"),
    SESSION,
];

fn build_create(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    let title = c.need("title")?.to_string();
    c.words(&["create"])
        .opt("type", "type")
        .opt("priority", "priority")
        .opt("assignee", "assignee")
        .opt("mode", "mode")
        .each("tags", "tags")
        .opt("parent", "parent")
        .each("external_refs", "external-ref")
        .opt("description", "description")
        .opt("design", "design")
        .each("acceptance", "acceptance")
        .each("deps", "dep")
        .each("links", "link")
        .opt("tier", "tier")
        .pos(&title)
        .done()
}

const UPDATE_PROPS: &[Prop] = &[
    ID,
    p("title", Kind::Str, ""),
    p("type", Kind::Str, ""),
    p("priority", Kind::Int, ""),
    p("mode", Kind::Str, ""),
    p("assignee", Kind::Str, "\"\" clears"),
    p("parent", Kind::Str, "\"\" clears"),
    p("tier", Kind::Str, "\"\" clears"),
    p("attention", Kind::Int, "0-99"),
    p("tags", Kind::List, "replace all"),
    p("add_tags", Kind::List, ""),
    p("remove_tags", Kind::List, ""),
    p("external_refs", Kind::List, "replace all"),
    p("description", Kind::Str, "replace section"),
    p("design", Kind::Str, "replace section"),
    p("body", Kind::Str, "replace whole body"),
    p("ac", Kind::Str, "criterion title to mark, with done"),
    p("done", Kind::Bool, "mark ac done (false: undone)"),
    p("add_ac", Kind::List, ""),
    p("remove_ac", Kind::List, ""),
    p("status", Kind::Str, "move through the guards"),
    FORCE,
    REASON,
    SESSION,
];

fn build_update(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    let id = c.need("id")?.to_string();
    c.words(&["update"])
        .opt("title", "title")
        .opt("type", "type")
        .opt("priority", "priority")
        .opt("mode", "mode")
        .opt("assignee", "assignee")
        .opt("parent", "parent")
        .opt("tier", "tier")
        .opt("attention", "attention");
    if let Some(tags) = c.list("tags") {
        let joined = tags.join(",");
        c.argv.push(format!("--tags={joined}"));
    }
    c.each("add_tags", "add-tag")
        .each("remove_tags", "remove-tag");
    if let Some(refs) = c.list("external_refs") {
        if refs.is_empty() {
            c.argv.push("--external-ref".into());
        }
        c.each("external_refs", "external-ref");
    }
    c.opt("description", "description")
        .opt("design", "design")
        .opt("body", "body");
    if c.str("ac").is_some() {
        c.opt("ac", "ac");
        let flip = if c.args.get("done").and_then(Value::as_bool) == Some(false) {
            "--undone"
        } else {
            "--done"
        };
        c.argv.push(flip.into());
    }
    c.each("add_ac", "add-ac")
        .each("remove_ac", "remove-ac")
        .opt("status", "status")
        .switch("force", "force")
        .opt("reason", "summary")
        .pos(&id)
        .done()
}

const MOVE_PROPS: &[Prop] = &[
    ID,
    p(
        "to",
        Kind::Str,
        "target status (status; advance: default next)",
    ),
    p("note", Kind::Str, "recorded with the move"),
    p("dry_run", Kind::Bool, "advance: only say if it would pass"),
    FORCE,
    REASON,
    SESSION,
];

fn build_move(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    let id = c.need("id")?.to_string();
    match c.action().to_string().as_str() {
        a @ ("advance" | "explain") => {
            c.words(&["advance"])
                .opt("to", "to")
                .opt("note", "note")
                .switch("force", "force")
                .opt("reason", "reason");
            if a == "explain" {
                c.words(&["--explain"]);
            } else {
                c.switch("dry_run", "dry-run");
            }
            c.pos(&id).done()
        }
        a => {
            c.words(&[a])
                .switch("force", "force")
                .opt("note", "summary")
                .opt("reason", "reason")
                .pos(&id);
            if a == "status" {
                let to = c.need("to")?.to_string();
                c.pos(&to);
            }
            c.done()
        }
    }
}

const NOTE_PROPS: &[Prop] = &[
    ID,
    p("text", Kind::Str, ""),
    p(
        "comment",
        Kind::Bool,
        "a comment (against a frozen plan: a deviation)",
    ),
    SESSION,
];

fn build_note(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    let id = c.need("id")?.to_string();
    let text = c.need("text")?.to_string();
    if text.trim().is_empty() {
        return Err("`text` is empty".into());
    }
    let cmd = if c.bool("comment") {
        "comment"
    } else {
        "add-note"
    };
    c.words(&[cmd]).pos(&id).pos(&text).done()
}

const PLAN_PROPS: &[Prop] = &[
    ID,
    p("text", Kind::Str, "write: the plan (markdown)"),
    p("revision", Kind::Int, "show: this revision"),
    SESSION,
];

fn build_plan(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    let id = c.need("id")?.to_string();
    match c.action() {
        "show" => c
            .words(&["plan", "--show"])
            .opt("revision", "revision")
            .pos(&id)
            .done(),
        _ => {
            let text = c.need("text")?.to_string();
            if text.trim().is_empty() {
                return Err("`text` is empty".into());
            }
            c.words(&["plan"]).opt("text", "body").pos(&id).done()
        }
    }
}

const GRAPH_PROPS: &[Prop] = &[
    ID,
    p("to", Kind::Str, "dep/undep: the ticket id waits on"),
    p("ids", Kind::List, "link/unlink: with id"),
    p("on", Kind::List, "depends: add these deps"),
    p("remove", Kind::List, "depends: drop these deps"),
    p("full", Kind::Bool, "tree: expand repeated subtrees"),
    SESSION,
];

fn build_graph(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    let id = c.need("id")?.to_string();
    match c.action() {
        "tree" => c
            .words(&["dep", "tree"])
            .switch("full", "full")
            .pos(&id)
            .done(),
        "depends" => c
            .words(&["depends"])
            .each("on", "on")
            .each("remove", "remove")
            .pos(&id)
            .done(),
        a @ ("dep" | "undep") => {
            let a = a.to_string();
            let to = c.need("to")?.to_string();
            c.words(&[&a]).pos(&id).pos(&to).done()
        }
        a @ ("link" | "unlink") => {
            let a = a.to_string();
            let others: Vec<String> = c
                .list("ids")
                .unwrap_or_default()
                .iter()
                .map(|s| s.to_string())
                .collect();
            if others.is_empty() {
                return Err(format!("`ids` is required for action `{a}`"));
            }
            c.words(&[&a]).pos(&id);
            for o in &others {
                c.pos(o);
            }
            c.done()
        }
        a => Err(format!("unknown action `{a}`")),
    }
}

const DELETE_PROPS: &[Prop] = &[
    ID,
    p("cascade", Kind::Bool, "also drop references to it"),
    SESSION,
];

fn build_delete(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    let id = c.need("id")?.to_string();
    c.words(&["delete"])
        .switch("cascade", "cascade")
        .pos(&id)
        .done()
}

const SESSION_PROPS: &[Prop] = &[
    p("role", Kind::Str, "start; role_create/delete: the role"),
    p("name", Kind::Str, "start: session name"),
    p("like", Kind::Str, "role_create: architect|implementer"),
    p("dry_run", Kind::Bool, "cleanup: report only"),
    SESSION,
];

fn build_session(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    match c.action() {
        "show" => c.words(&["session"]).done(),
        "list" => c.words(&["session", "list"]).done(),
        "start" => {
            c.need("role")?;
            c.words(&["session", "--detach"])
                .opt("role", "role")
                .opt("name", "name")
                .done()
        }
        "end" => c.words(&["session", "--end"]).done(),
        "roles" => c.words(&["role", "list"]).done(),
        "role_create" => {
            let role = c.need("role")?.to_string();
            c.need("like")?;
            c.words(&["role", "create"])
                .opt("like", "like")
                .pos(&role)
                .done()
        }
        "role_delete" => {
            let role = c.need("role")?.to_string();
            c.words(&["role", "delete"]).pos(&role).done()
        }
        "cleanup" => c.words(&["cleanup"]).switch("dry_run", "dry-run").done(),
        a => Err(format!("unknown action `{a}`")),
    }
}

const MAN_PROPS: &[Prop] = &[p(
    "page",
    Kind::Str,
    "omit to list pages; start with minimal",
)];

fn build_man(c: &Call) -> Result<Vec<String>, String> {
    let mut c = c.fork();
    c.words(&["man"]);
    if let Some(page) = c.str("page").map(String::from) {
        c.pos(&page);
    }
    c.done()
}

impl Call {
    /// A copy with an empty argv, for the builders.
    fn fork(&self) -> Call {
        Call {
            args: self.args.clone(),
            argv: Vec::new(),
            positionals: Vec::new(),
        }
    }
}

/// Every tool, in the order `tools/list` shows them.
pub static TOOLS: &[ToolDef] = &[
    ToolDef {
        name: "query",
        desc: "List tickets. action: ready (workable now: open, deps done), list (open, board order), blocked, closed (newest first), board (by status), search (text in title/body/plan/log). Filters: OR within, AND across.",
        actions: &[
            r("ready"),
            r("list"),
            r("blocked"),
            r("closed"),
            r("board"),
            r("search"),
        ],
        write: false,
        props: QUERY_PROPS,
        required: &[],
        build: build_query,
    },
    ToolDef {
        name: "show",
        desc: "One ticket in full: fields, description, design, acceptance, notes.",
        actions: &[],
        write: false,
        props: &[ID],
        required: &["id"],
        build: build_show,
    },
    ToolDef {
        name: "project",
        desc: "prime: the agent primer (read first). info: workflow, statuses, allowed values. check: integrity scan. init: create the project.",
        actions: &[r("prime"), r("info"), r("check"), w("init")],
        write: false,
        props: PROJECT_PROPS,
        required: &[],
        build: build_project,
    },
    ToolDef {
        name: "create",
        desc: "Create a ticket; returns it.",
        actions: &[],
        write: true,
        props: CREATE_PROPS,
        required: &["title"],
        build: build_create,
    },
    ToolDef {
        name: "update",
        desc: "Change fields, sections or acceptance criteria of a ticket; status moves go through the workflow guards.",
        actions: &[],
        write: true,
        props: UPDATE_PROPS,
        required: &["id"],
        build: build_update,
    },
    ToolDef {
        name: "move",
        desc: "Move a ticket through the workflow; guards apply (role, plan approved by another session, deps, acceptance). advance: to the next status (or `to`); explain: every guard's verdict for that move, without moving; start: to the active status; status: to `to`; close: to the first terminal status (archives); reopen.",
        actions: &[
            w("advance"),
            r("explain"),
            w("start"),
            w("status"),
            w("close"),
            w("reopen"),
        ],
        write: false,
        props: MOVE_PROPS,
        required: &["id"],
        build: build_move,
    },
    ToolDef {
        name: "note",
        desc: "Append a timestamped note (or comment) to a ticket.",
        actions: &[],
        write: true,
        props: NOTE_PROPS,
        required: &["id", "text"],
        build: build_note,
    },
    ToolDef {
        name: "plan",
        desc: "A ticket's plan. write: record a new revision (in planning; frozen once approved by another session advancing it). show: the latest or `revision`.",
        actions: &[w("write"), r("show")],
        write: false,
        props: PLAN_PROPS,
        required: &["id"],
        build: build_plan,
    },
    ToolDef {
        name: "graph",
        desc: "Dependencies and links. tree: what id waits on, recursively. dep/undep: id waits on `to` (cycle-checked). depends: add `on`/drop `remove` deps at once. link/unlink: symmetric links between id and ids.",
        actions: &[
            r("tree"),
            w("dep"),
            w("undep"),
            w("depends"),
            w("link"),
            w("unlink"),
        ],
        write: false,
        props: GRAPH_PROPS,
        required: &["id"],
        build: build_graph,
    },
    ToolDef {
        name: "delete",
        desc: "Delete a ticket (refused while others reference it, unless cascade).",
        actions: &[],
        write: true,
        props: DELETE_PROPS,
        required: &["id"],
        build: build_delete,
    },
    ToolDef {
        name: "session",
        desc: "Sessions (who acts) and roles. show/end: the current or named session; start: a new session to pass as `session` later; list; roles; role_create; role_delete; cleanup: expire idle sessions.",
        actions: &[
            r("show"),
            r("list"),
            r("roles"),
            w("start"),
            w("end"),
            w("role_create"),
            w("role_delete"),
            w("cleanup"),
        ],
        write: false,
        props: SESSION_PROPS,
        required: &[],
        build: build_session,
    },
    ToolDef {
        name: "man",
        desc: "Built-in manual pages; `minimal` is the workflow guide for agents.",
        actions: &[],
        write: false,
        props: MAN_PROPS,
        required: &[],
        build: build_man,
    },
];

/// The tool named `name`.
pub fn find(name: &str) -> Option<&'static ToolDef> {
    TOOLS.iter().find(|t| t.name == name)
}
