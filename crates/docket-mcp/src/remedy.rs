//! Errors as tool results: the API's remedies rendered as MCP calls (tool name +
//! arguments). This is the one place that maps an API [`Op`] to a tool.

use docket_api::{ApiError, Op, Remedy, Who};
use serde_json::{Map, Value, json};

/// Marks a remedy the MCP face built itself (a corrected call), already in
/// tool terms: its `args` carry the tool name under this key.
const TOOL_KEY: &str = "\u{0}tool";

/// A remedy that is already a call of `tool` with `args` (argument errors).
pub fn direct(tool: &str, mut args: Map<String, Value>, why: String) -> Remedy {
    args.insert(TOOL_KEY.into(), json!(tool));
    Remedy::new(Op::Show, Value::Object(args), why)
}

fn with_action(action: &str, args: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("action".into(), json!(action));
    out.extend(args);
    out
}

/// One id argument as a list (`on: "x"` → `on: ["x"]`).
fn listed(mut args: Map<String, Value>, key: &str, to: &str) -> Map<String, Value> {
    if let Some(v) = args.remove(key) {
        let v = if v.is_array() { v } else { json!([v]) };
        args.insert(to.into(), v);
    }
    args
}

/// The tool and arguments that perform `op` with the API's `args`.
pub fn call_for(op: Op, args: &Map<String, Value>) -> (&'static str, Map<String, Value>) {
    let a = args.clone();
    match op {
        Op::Init => ("project", with_action("init", a)),
        Op::Info => ("project", with_action("info", a)),
        Op::Prime => ("project", with_action("prime", a)),
        Op::Check => ("project", with_action("check", a)),
        Op::List => ("query", with_action("list", a)),
        Op::Ready => ("query", with_action("ready", a)),
        Op::Search => ("query", with_action("search", a)),
        Op::Show => ("show", a),
        Op::Create => ("create", a),
        Op::Update => ("update", a),
        Op::Advance => ("move", with_action("advance", a)),
        Op::Explain => ("move", with_action("explain", a)),
        Op::Start => ("move", with_action("start", a)),
        Op::Close => ("move", with_action("close", a)),
        Op::Reopen => ("move", with_action("reopen", a)),
        Op::Status => ("move", with_action("status", a)),
        Op::Note => ("note", a),
        Op::Comment => {
            let mut a = a;
            a.insert("comment".into(), json!(true));
            ("note", a)
        }
        // The plan text is the request's `text` (TextRequest).
        Op::PlanWrite => ("plan", with_action("write", a)),
        Op::Dep => ("graph", with_action("depends", listed(a, "on", "on"))),
        Op::Undep => ("graph", with_action("depends", listed(a, "on", "remove"))),
        Op::Delete => ("delete", a),
        Op::Claim => ("move", with_action("claim", a)),
        Op::SessionStart => ("session", with_action("start", a)),
        Op::SessionEnd => ("session", with_action("end", a)),
        Op::RoleCreate => ("session", with_action("role_create", a)),
        Op::Log => ("log", a),
        Op::Stats => ("project", with_action("stats", a)),
        Op::ContextList => ("knowledge", with_action("context", a)),
        Op::ContextAdd | Op::ContextUpdate => ("knowledge", with_action("context_set", a)),
        Op::DocList => ("knowledge", with_action("docs", a)),
        Op::DocAdd => ("knowledge", with_action("doc_set", a)),
        // No tool trusts a runner config: a person runs `docket trust` in a
        // terminal (the remedy says `by: person`).
        Op::Trust => ("docket trust (in a terminal)", a),
    }
}

/// One remedy as the client sees it: `{tool, args, by?, why}`.
pub fn render(r: &Remedy) -> Value {
    let (tool, args) = match r.args.get(TOOL_KEY).and_then(Value::as_str) {
        Some(tool) => {
            let mut a = r.args.clone();
            a.remove(TOOL_KEY);
            (tool.to_string(), a)
        }
        None => {
            let (t, a) = call_for(r.op, &r.args);
            (t.to_string(), a)
        }
    };
    let mut out = Map::new();
    out.insert("tool".into(), json!(tool));
    out.insert("args".into(), Value::Object(args));
    match &r.by {
        Who::Caller => {}
        Who::AnotherSession => {
            out.insert("by".into(), json!("another_session"));
        }
        Who::Person => {
            out.insert("by".into(), json!("person"));
        }
        Who::Role(role) => {
            out.insert("by".into(), json!(format!("role:{role}")));
        }
    }
    out.insert("why".into(), json!(r.why));
    Value::Object(out)
}

/// The structured content of a failed call: `{code, message, remedies, details}`.
/// Under `--readonly`, remedies that would write are left out.
pub fn error_content(e: &ApiError, readonly: bool) -> Value {
    let mut remedies: Vec<&Remedy> = e.remedies.iter().collect();
    // Never offer force first (the API sorts it last; keep it so).
    remedies.sort_by_key(|r| r.forces());
    let rendered: Vec<Value> = remedies
        .into_iter()
        .map(render)
        .filter(|v| {
            !readonly
                || !crate::tools::writes(
                    v["tool"].as_str().unwrap_or_default(),
                    v["args"].as_object().unwrap_or(&Map::new()),
                )
        })
        .collect();
    let mut out = Map::new();
    out.insert("code".into(), json!(e.code));
    out.insert("message".into(), json!(e.message));
    out.insert("remedies".into(), Value::Array(rendered));
    if !e.details.is_empty() {
        out.insert("details".into(), Value::Object(e.details.clone()));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::{Call, find};

    const ALL: &[Op] = &[
        Op::Init,
        Op::Info,
        Op::Prime,
        Op::Check,
        Op::List,
        Op::Ready,
        Op::Search,
        Op::Show,
        Op::Create,
        Op::Update,
        Op::Advance,
        Op::Explain,
        Op::Start,
        Op::Close,
        Op::Reopen,
        Op::Status,
        Op::Note,
        Op::Comment,
        Op::PlanWrite,
        Op::Dep,
        Op::Undep,
        Op::Delete,
        Op::Claim,
        Op::SessionStart,
        Op::SessionEnd,
        Op::RoleCreate,
    ];

    /// Every remedy the API can give is a call the tools accept as written.
    #[test]
    fn every_op_maps_to_a_valid_call() {
        let samples: &[(Op, Value)] = &[
            (Op::Init, json!({})),
            (Op::Info, json!({})),
            (Op::Prime, json!({})),
            (Op::Check, json!({})),
            (Op::List, json!({ "all": true })),
            (Op::Ready, json!({})),
            (Op::Search, json!({ "text": "x" })),
            (Op::Show, json!({ "id": "a" })),
            (Op::Create, json!({ "title": "t" })),
            (Op::Update, json!({ "id": "a", "ac": "t", "done": true })),
            (
                Op::Advance,
                json!({ "id": "a", "to": "closed", "force": true, "reason": "r" }),
            ),
            (Op::Explain, json!({ "id": "a" })),
            (Op::Start, json!({ "id": "a" })),
            (Op::Close, json!({ "id": "a" })),
            (Op::Reopen, json!({ "id": "a" })),
            (Op::Status, json!({ "id": "a", "to": "x" })),
            (Op::Note, json!({ "id": "a", "text": "t" })),
            (Op::Comment, json!({ "id": "a", "text": "t" })),
            (Op::PlanWrite, json!({ "id": "a", "text": "<the plan>" })),
            (Op::Dep, json!({ "id": "a", "on": "b" })),
            (Op::Undep, json!({ "id": "a", "on": "b" })),
            (Op::Delete, json!({ "id": "a", "cascade": true })),
            (
                Op::Claim,
                json!({ "id": "a", "steal": true, "reason": "r" }),
            ),
            (Op::SessionStart, json!({ "role": "implementer" })),
            (Op::SessionEnd, json!({})),
            (
                Op::RoleCreate,
                json!({ "name": "reviewer", "like": "implementer" }),
            ),
        ];
        assert_eq!(samples.len(), ALL.len());
        for (op, args) in samples {
            let r = Remedy::new(*op, args.clone(), "why");
            let v = render(&r);
            let tool = v["tool"].as_str().unwrap_or_default();
            let t = find(tool).unwrap_or_else(|| panic!("{op:?}: no tool {tool}"));
            let args = v["args"].as_object().cloned().unwrap_or_default();
            if let Err(e) = Call::validate(t, args, false) {
                panic!("{op:?} → {v}: {}", e.message);
            }
        }
    }
}
