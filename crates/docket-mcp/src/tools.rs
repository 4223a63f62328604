//! The tool table: which API request each tool and action takes, and checking a
//! call's arguments against the schema derived from that request type.
//!
//! Lean by design: related operations share one tool behind an `action`
//! argument, and every schema comes from the request types (see `schema.rs`), so
//! a field added to a request shows up in `tools/list` without an edit here.

use docket_api::ApiError;
use docket_api::graph::{DepsRequest, LinkRequest, TreeRequest};
use docket_api::insight::{StatsRequest, UsageRequest};
use docket_api::knowledge::{ContextWriteRequest, DocListRequest, DocUpdateRequest, KeyRequest};
use docket_api::moves::{ClaimRequest, MoveRequest};
use docket_api::notes::{PlanShowRequest, TextRequest};
use docket_api::project::{CheckRequest, InitRequest, PrimeRequest};
use docket_api::query::{BoardRequest, ListRequest};
use docket_api::sessions::{RoleRequest, StartRequest};
use docket_api::tickets::{CreateRequest, DeleteRequest, ShowRequest, UpdateRequest};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::schema::object_of;

/// Arguments of `note`: the text, and whether it is a comment.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct NoteArgs {
    #[serde(flatten)]
    pub text: TextRequest,
    /// A comment instead (in progress against a frozen plan: a deviation).
    #[serde(default)]
    pub comment: bool,
}

/// Arguments of `man`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ManArgs {
    /// Omit to list pages; start with `minimal`.
    #[serde(default)]
    pub page: Option<String>,
}

/// Arguments of `session(action=cleanup)`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct CleanupArgs {
    /// Only report what would expire.
    #[serde(default)]
    pub dry_run: bool,
}

/// Arguments of `session(action=role_delete)`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct RoleName {
    pub name: String,
}

/// No arguments.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct NoArgs {}

type SchemaFn = fn() -> (Map<String, Value>, Vec<String>);

/// One value of a tool's `action` (or the only form of a tool without one).
pub struct ActionDef {
    /// "" for a tool without actions.
    pub name: &'static str,
    /// Hidden and refused under `--readonly`.
    pub write: bool,
    /// The request type's properties and required fields.
    pub schema: SchemaFn,
    /// Request fields the action sets itself (hidden from the schema), as JSON.
    pub fixed: &'static str,
    /// Request fields accepted but left out of `tools/list`: rarely useful to an
    /// agent and not worth their tokens in every conversation (runner ordering,
    /// filters of the primer and of `claim`). A unit test keeps this list honest.
    pub unlisted: &'static [&'static str],
}

impl ActionDef {
    /// Properties a caller may pass, and the required ones.
    pub fn props(&self) -> (Map<String, Value>, Vec<String>) {
        let (mut props, mut required) = (self.schema)();
        for k in self.fixed_args().keys() {
            props.remove(k);
            required.retain(|r| r != k);
        }
        (props, required)
    }

    /// The properties `tools/list` shows.
    pub fn listed_props(&self) -> (Map<String, Value>, Vec<String>) {
        let (mut props, required) = self.props();
        for k in self.unlisted {
            props.remove(*k);
        }
        (props, required)
    }

    /// The same action with `fields` accepted but not listed.
    const fn unlist(mut self, fields: &'static [&'static str]) -> ActionDef {
        self.unlisted = fields;
        self
    }

    /// The fixed fields.
    pub fn fixed_args(&self) -> Map<String, Value> {
        if self.fixed.is_empty() {
            return Map::new();
        }
        serde_json::from_str(self.fixed).unwrap_or_default()
    }
}

/// One MCP tool.
pub struct ToolDef {
    pub name: &'static str,
    /// `{statuses}` and `{types}` are replaced by the project's values.
    pub desc: &'static str,
    pub actions: &'static [ActionDef],
    /// Whether the tool takes `session` (act as another active session).
    pub session: bool,
    pub destructive: bool,
    pub idempotent: bool,
}

impl ToolDef {
    /// Whether the tool has an `action` argument.
    pub fn has_actions(&self) -> bool {
        self.actions.first().is_some_and(|a| !a.name.is_empty())
    }

    /// The actions available in this mode.
    pub fn visible_actions(&self, readonly: bool) -> impl Iterator<Item = &ActionDef> {
        self.actions.iter().filter(move |a| !readonly || !a.write)
    }

    /// Whether any part of the tool is available in this mode.
    pub fn visible(&self, readonly: bool) -> bool {
        self.visible_actions(readonly).next().is_some()
    }

    /// Whether every available action only reads.
    pub fn read_only(&self, readonly: bool) -> bool {
        self.visible_actions(readonly).all(|a| !a.write)
    }

    /// The action named `name` ("" for a tool without actions).
    pub fn action(&self, name: &str) -> Option<&ActionDef> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// The input schema in this mode: `action` first, then the union of the
    /// actions' properties in declared order, then `session`.
    pub fn schema(&self, readonly: bool) -> Map<String, Value> {
        let mut props = Map::new();
        let mut required: Vec<String> = Vec::new();
        let visible: Vec<&ActionDef> = self.visible_actions(readonly).collect();
        if self.has_actions() {
            let names: Vec<&str> = visible.iter().map(|a| a.name).collect();
            props.insert("action".into(), json!({ "type": "string", "enum": names }));
            required.push("action".into());
        }
        let mut common: Option<Vec<String>> = None;
        for a in &visible {
            let (p, r) = a.listed_props();
            for (k, v) in p {
                props.entry(k).or_insert(v);
            }
            common = Some(match common {
                None => r,
                Some(c) => c.into_iter().filter(|x| r.contains(x)).collect(),
            });
        }
        required.extend(common.unwrap_or_default());
        if self.session {
            // Explained once in the server instructions and `man mcp`, not per tool.
            props.insert("session".into(), json!({ "type": "string" }));
        }
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

fn s<T: JsonSchema>() -> (Map<String, Value>, Vec<String>) {
    object_of::<T>()
}

const fn r(name: &'static str, schema: SchemaFn, fixed: &'static str) -> ActionDef {
    ActionDef {
        name,
        write: false,
        schema,
        fixed,
        unlisted: &[],
    }
}

const fn w(name: &'static str, schema: SchemaFn, fixed: &'static str) -> ActionDef {
    ActionDef {
        name,
        write: true,
        schema,
        fixed,
        unlisted: &[],
    }
}

/// The uniform filters, where a tool accepts them without listing them.
const FILTERS: &[&str] = &["type", "mode", "tag", "status", "assignee", "priority"];

/// Every tool, in the order `tools/list` shows them.
pub static TOOLS: &[ToolDef] = &[
    ToolDef {
        name: "query",
        desc: "List tickets, 50 a page (pass `next_cursor` as `cursor`). ready: can be picked up now; list: open, board order; blocked; closed: newest first; search: all words of `text`; board: by status; claims: who holds what. Filters OR within, AND across; statuses {statuses}; types {types}.",
        actions: &[
            r("ready", s::<ListRequest>, r#"{"kind":"ready"}"#),
            r("list", s::<ListRequest>, r#"{"kind":"list"}"#),
            r("blocked", s::<ListRequest>, r#"{"kind":"blocked"}"#),
            r("closed", s::<ListRequest>, r#"{"kind":"closed"}"#),
            r("search", s::<ListRequest>, r#"{"kind":"search"}"#),
            r("board", s::<BoardRequest>, "").unlist(&["per_column"]),
            r("claims", s::<NoArgs>, ""),
        ],
        session: false,
        destructive: false,
        idempotent: true,
    },
    ToolDef {
        name: "show",
        desc: "One ticket: fields, sections, criteria, plan, the log's tail. detail=full: everything (whole log with hashes, notes, plan revisions).",
        actions: &[r("", s::<ShowRequest>, "")],
        session: false,
        destructive: false,
        idempotent: true,
    },
    ToolDef {
        name: "project",
        desc: "prime: the agent primer, read first. info: workflow, statuses, allowed values. check: integrity scan. stats: activity, cycle time, token burn over `window` (24h, 7d). init: create the project here.",
        actions: &[
            r("prime", s::<PrimeRequest>, "").unlist(FILTERS),
            r("info", s::<NoArgs>, ""),
            r("check", s::<CheckRequest>, "").unlist(&["code", "severity", "full"]),
            r("stats", s::<StatsRequest>, "")
                .unlist(&["since", "until", "type", "tier", "status", "assignee"]),
            w("init", s::<InitRequest>, ""),
        ],
        session: false,
        destructive: false,
        idempotent: true,
    },
    ToolDef {
        name: "create",
        desc: "Create a ticket. types: {types}.",
        actions: &[w("", s::<CreateRequest>, "").unlist(&[
            "sequence",
            "docs",
            "attention",
            "external_refs",
            "design",
        ])],
        session: true,
        destructive: false,
        idempotent: false,
    },
    ToolDef {
        name: "update",
        desc: "Change fields, sections or acceptance criteria (check one: ac, done=true). A status change goes through the workflow guards.",
        actions: &[w("", s::<UpdateRequest>, "").unlist(&[
            "sequence",
            "clear_sequence",
            "add_docs",
            "remove_docs",
            "external_refs",
            "body",
            "attention",
        ])],
        session: true,
        destructive: true,
        idempotent: false,
    },
    ToolDef {
        name: "move",
        desc: "Move a ticket through the workflow ({statuses}); guards apply. advance: next status (or `to`); start: the active status; status: `to`; close: archive; reopen; explain: each guard's verdict, moving nothing; claim: take `id`, or with `next` the first ready ticket matching the filters.",
        actions: &[
            w("advance", s::<MoveRequest>, r#"{"kind":"advance"}"#),
            w("start", s::<MoveRequest>, r#"{"kind":"start"}"#),
            w("status", s::<MoveRequest>, r#"{"kind":"status"}"#),
            w("close", s::<MoveRequest>, r#"{"kind":"close"}"#),
            w("reopen", s::<MoveRequest>, r#"{"kind":"reopen"}"#),
            r("explain", s::<MoveRequest>, r#"{"kind":"advance"}"#),
            w("claim", s::<ClaimRequest>, "").unlist(FILTERS),
        ],
        session: true,
        destructive: false,
        idempotent: false,
    },
    ToolDef {
        name: "note",
        desc: "Append a timestamped note (or a comment) to a ticket's log.",
        actions: &[w("", s::<NoteArgs>, "")],
        session: true,
        destructive: false,
        idempotent: false,
    },
    ToolDef {
        name: "log",
        desc: "Record your usage on a ticket's log (tokens, tool calls, duration, cost, model).",
        actions: &[w("", s::<UsageRequest>, "").unlist(&["input", "output", "cached", "note"])],
        session: true,
        destructive: false,
        idempotent: false,
    },
    ToolDef {
        name: "knowledge",
        desc: "Shared project knowledge. context: facts by `key`; docs: documents by `key` (slug).",
        actions: &[
            r("context", s::<NoArgs>, ""),
            w("context_set", s::<ContextWriteRequest>, ""),
            w("context_delete", s::<KeyRequest>, ""),
            r("docs", s::<DocListRequest>, "").unlist(&["archived"]),
            r("doc_read", s::<KeyRequest>, ""),
            w("doc_set", s::<DocUpdateRequest>, ""),
            w("doc_archive", s::<KeyRequest>, ""),
        ],
        session: true,
        destructive: false,
        idempotent: false,
    },
    ToolDef {
        name: "plan",
        desc: "A ticket's plan. write: a new revision of `text` (frozen once another session approves it by advancing). show: the latest, or `revision`.",
        actions: &[
            w("write", s::<TextRequest>, ""),
            r("show", s::<PlanShowRequest>, ""),
        ],
        session: true,
        destructive: false,
        idempotent: false,
    },
    ToolDef {
        name: "graph",
        desc: "Dependencies and links. tree: what `id` waits on, recursively. depends: `id` waits on `on`, stops waiting on `remove` (cycle-checked). link/unlink: symmetric links between all `ids`.",
        actions: &[
            r("tree", s::<TreeRequest>, "").unlist(&["full"]),
            w("depends", s::<DepsRequest>, ""),
            w("link", s::<LinkRequest>, r#"{"remove":false}"#),
            w("unlink", s::<LinkRequest>, r#"{"remove":true}"#),
        ],
        session: true,
        destructive: false,
        idempotent: true,
    },
    ToolDef {
        name: "delete",
        desc: "Delete a ticket (refused while others reference it, unless cascade).",
        actions: &[w("", s::<DeleteRequest>, "")],
        session: true,
        destructive: true,
        idempotent: true,
    },
    ToolDef {
        name: "session",
        desc: "Sessions (who acts) and roles. show/end: the acting session; start: a new one (pass its id as `session` to act as it); list; roles; role_create; role_delete; cleanup: expire idle ones.",
        actions: &[
            r("show", s::<NoArgs>, ""),
            r("list", s::<NoArgs>, ""),
            r("roles", s::<NoArgs>, ""),
            w("start", s::<StartRequest>, r#"{"detach":true}"#),
            w("end", s::<NoArgs>, ""),
            w("role_create", s::<RoleRequest>, ""),
            w("role_delete", s::<RoleName>, ""),
            w("cleanup", s::<CleanupArgs>, ""),
        ],
        session: true,
        destructive: false,
        idempotent: false,
    },
    ToolDef {
        name: "man",
        desc: "Built-in guides; `minimal` is the workflow guide for agents, `mcp` shows example calls.",
        actions: &[r("", s::<ManArgs>, "")],
        session: false,
        destructive: false,
        idempotent: true,
    },
];

/// The tool named `name`.
pub fn find(name: &str) -> Option<&'static ToolDef> {
    TOOLS.iter().find(|t| t.name == name)
}

/// Largest accepted string argument (a plan or description), in bytes.
pub const MAX_STRING: usize = 256 * 1024;
/// Most items accepted in one list argument.
pub const MAX_ITEMS: usize = 256;

/// A call whose arguments match its tool's schema.
pub struct Call {
    pub tool: &'static ToolDef,
    pub action: &'static ActionDef,
    /// The request fields: the caller's (nulls dropped) plus the action's fixed ones.
    pub args: Map<String, Value>,
    /// The `session` argument.
    pub session: Option<String>,
}

/// An argument error, with the corrected call(s) as remedies.
fn bad(
    tool: &ToolDef,
    message: String,
    details: Value,
    fixes: Vec<(Map<String, Value>, String)>,
) -> ApiError {
    let mut e = ApiError::invalid(message);
    if let Value::Object(d) = details {
        e.details = d;
    }
    for (a, why) in fixes {
        e = e.with_remedy(crate::remedy::direct(tool.name, a, why));
    }
    e
}

/// A placeholder value of a property's schema type, for a corrected call.
fn placeholder(name: &str, schema: &Value) -> Value {
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") | Some("number") => json!(0),
        Some("boolean") => json!(true),
        Some("array") => json!([format!("<{name}>")]),
        _ => json!(format!("<{name}>")),
    }
}

/// Whether `v` has the JSON type the property's schema asks for.
fn type_ok(v: &Value, schema: &Value) -> bool {
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        return allowed.contains(v);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        Some("array") => v.as_array().is_some_and(|items| {
            let item = schema.get("items").cloned().unwrap_or(Value::Null);
            items.iter().all(|i| item.is_null() || type_ok(i, &item))
        }),
        _ => true,
    }
}

fn want(schema: &Value) -> String {
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = allowed
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect();
        return format!("one of: {}", names.join(", "));
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => {
            let item = schema
                .get("items")
                .and_then(|i| i.get("type"))
                .and_then(Value::as_str)
                .unwrap_or("value");
            format!("an array of {item}s")
        }
        Some("integer") => "an integer".into(),
        Some(t) => format!("a {t}"),
        None => "a value".into(),
    }
}

/// Refuse strings over [`MAX_STRING`] and lists over [`MAX_ITEMS`], anywhere.
fn too_big(k: &str, v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.len() > MAX_STRING => {
            Some(format!("`{k}` is longer than {MAX_STRING} bytes"))
        }
        Value::Array(a) if a.len() > MAX_ITEMS => {
            Some(format!("`{k}` has more than {MAX_ITEMS} items"))
        }
        Value::Array(a) => a.iter().find_map(|i| too_big(k, i)),
        Value::Object(m) => m.values().find_map(|i| too_big(k, i)),
        _ => None,
    }
}

impl Call {
    /// Check `args` against the tool and action; every failure is an
    /// `invalid_argument` error whose remedies are corrected calls.
    pub fn validate(
        tool: &'static ToolDef,
        mut args: Map<String, Value>,
        readonly: bool,
    ) -> Result<Call, ApiError> {
        args.retain(|_, v| !v.is_null());
        let action_name = if tool.has_actions() {
            match args.remove("action") {
                Some(Value::String(a)) => a,
                other => {
                    let known: Vec<&str> = tool.visible_actions(readonly).map(|a| a.name).collect();
                    let message = match other {
                        None => format!(
                            "`{}` needs `action`: one of {}",
                            tool.name,
                            known.join(", ")
                        ),
                        Some(v) => format!("`action` must be a string, not {v}"),
                    };
                    let fixes = known
                        .iter()
                        .take(3)
                        .map(|a| {
                            let mut m = args.clone();
                            m.insert("action".into(), json!(a));
                            (m, format!("{} {a}", tool.name))
                        })
                        .collect();
                    return Err(bad(tool, message, json!({ "known": known }), fixes));
                }
            }
        } else {
            String::new()
        };
        let known: Vec<&str> = tool.visible_actions(readonly).map(|a| a.name).collect();
        let Some(action) = tool.action(&action_name).filter(|a| !readonly || !a.write) else {
            let message = if tool.action(&action_name).is_some() {
                format!("action `{action_name}` writes; this server is read-only (--readonly)")
            } else {
                format!(
                    "unknown action `{action_name}` for `{}`: one of {}",
                    tool.name,
                    known.join(", ")
                )
            };
            let fixes = if tool.action(&action_name).is_some() {
                Vec::new()
            } else {
                known
                    .iter()
                    .take(3)
                    .map(|a| {
                        let mut m = args.clone();
                        m.insert("action".into(), json!(a));
                        (m, format!("a `{}` action", tool.name))
                    })
                    .collect()
            };
            return Err(bad(tool, message, json!({ "known": known }), fixes));
        };
        let with_action = |m: &Map<String, Value>| {
            let mut out = Map::new();
            if !action.name.is_empty() {
                out.insert("action".into(), json!(action.name));
            }
            out.extend(m.clone());
            out
        };
        let session = match args.remove("session") {
            None => None,
            Some(Value::String(s)) if tool.session => Some(s),
            Some(v) if tool.session => {
                return Err(bad(
                    tool,
                    format!("`session` must be a string, not {v}"),
                    Value::Null,
                    vec![],
                ));
            }
            Some(_) => {
                let without = with_action(&args);
                return Err(bad(
                    tool,
                    format!("`{}` takes no `session`", tool.name),
                    Value::Null,
                    vec![(without, "the same call without `session`".into())],
                ));
            }
        };
        let (props, required) = action.props();
        let call_name = if action.name.is_empty() {
            format!("`{}`", tool.name)
        } else {
            format!("`{}` action `{}`", tool.name, action.name)
        };
        for (k, v) in &args {
            let Some(schema) = props.get(k) else {
                let mut allowed: Vec<&str> = props.keys().map(String::as_str).collect();
                if tool.session {
                    allowed.push("session");
                }
                let mut without = args.clone();
                without.remove(k);
                return Err(bad(
                    tool,
                    format!(
                        "unknown argument `{k}` for {call_name}; it takes: {}",
                        allowed.join(", ")
                    ),
                    json!({ "argument": k, "known": allowed }),
                    vec![(
                        with_action(&without),
                        format!("the same call without `{k}`"),
                    )],
                ));
            };
            if let Some(m) = too_big(k, v) {
                return Err(bad(tool, m, json!({ "argument": k }), vec![]));
            }
            if !type_ok(v, schema) {
                let mut fixed = args.clone();
                fixed.insert(k.clone(), placeholder(k, schema));
                return Err(bad(
                    tool,
                    format!("`{k}` must be {}, not {v}", want(schema)),
                    json!({ "argument": k }),
                    vec![(with_action(&fixed), format!("`{k}` as {}", want(schema)))],
                ));
            }
        }
        let missing: Vec<&String> = required.iter().filter(|r| !args.contains_key(*r)).collect();
        if !missing.is_empty() {
            let mut fixed = args.clone();
            for m in &missing {
                let ph = props
                    .get(*m)
                    .map(|s| placeholder(m, s))
                    .unwrap_or(json!("<value>"));
                fixed.insert((*m).clone(), ph);
            }
            let names: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            return Err(bad(
                tool,
                format!("{call_name} needs {}", names.join(" and ")),
                json!({ "missing": missing }),
                vec![(
                    with_action(&fixed),
                    "the same call with every required argument".into(),
                )],
            ));
        }
        args.extend(action.fixed_args());
        Ok(Call {
            tool,
            action,
            args,
            session,
        })
    }

    /// The request, deserialized from the checked arguments.
    pub fn request<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_value(Value::Object(self.args.clone()))
            .map_err(|e| ApiError::invalid(format!("bad arguments for `{}`: {e}", self.tool.name)))
    }
}

/// A remedy's call, for the readonly filter: whether it writes.
pub fn writes(tool: &str, args: &Map<String, Value>) -> bool {
    let Some(t) = find(tool) else {
        return false;
    };
    let action = args.get("action").and_then(Value::as_str).unwrap_or("");
    t.action(action).is_none_or(|a| a.write)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two actions of one tool must not give a property two different types:
    /// the merged schema would lie about one of them.
    #[test]
    fn merged_properties_agree() {
        for t in TOOLS {
            let mut seen: Map<String, Value> = Map::new();
            for a in t.actions {
                for (k, mut v) in a.props().0 {
                    if let Value::Object(m) = &mut v {
                        m.remove("description");
                    }
                    if let Some(prev) = seen.get(&k) {
                        assert_eq!(prev, &v, "{}: `{k}` differs between actions", t.name);
                    }
                    seen.insert(k, v);
                }
            }
        }
    }

    /// An unlisted field must be a real request field (a rename would otherwise
    /// silently list it again, or hide nothing).
    #[test]
    fn unlisted_fields_exist() {
        for t in TOOLS {
            for a in t.actions {
                let (props, _) = a.props();
                for f in a.unlisted {
                    assert!(
                        props.contains_key(*f),
                        "{} {}: no field {f}",
                        t.name,
                        a.name
                    );
                }
            }
        }
    }

    #[test]
    fn schemas_are_lean() {
        for t in TOOLS {
            let text = serde_json::to_string(&t.schema(false)).unwrap_or_default();
            assert!(
                !text.contains("$ref") && !text.contains("$defs"),
                "{}: {text}",
                t.name
            );
            assert!(!text.contains("\"null\""), "{}: {text}", t.name);
            assert!(!text.contains("\"format\":"), "{}: {text}", t.name);
        }
    }

    #[test]
    fn every_request_field_is_accepted() {
        let update = find("update")
            .and_then(|t| t.action(""))
            .map(|a| a.props().0);
        let update = update.unwrap_or_default();
        for f in [
            "id", "ac", "done", "add_ac", "status", "force", "summary", "sequence",
        ] {
            assert!(update.contains_key(f), "update lacks {f}");
        }
        let listed = find("update").map(|t| t.schema(false)).unwrap_or_default();
        assert!(listed["properties"].get("ac").is_some());
        assert!(
            listed["properties"].get("sequence").is_none(),
            "runner-only: unlisted"
        );
        let query = find("query").map(|t| t.schema(false)).unwrap_or_default();
        assert!(
            query["properties"].get("kind").is_none(),
            "kind is the action"
        );
        for f in ["cursor", "limit", "include_started", "type", "tag"] {
            assert!(query["properties"].get(f).is_some(), "query lacks {f}");
        }
    }
}
