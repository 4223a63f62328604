//! One checked call → one API operation → a lean result. Blocking: the server
//! runs it in `spawn_blocking` with the call's own [`Context`].

use docket_api::moves::{ClaimRequest, MoveRequest};
use docket_api::notes::{PlanShowRequest, TextRequest};
use docket_api::project::{CheckRequest, PrimeRequest};
use docket_api::query::{BoardRequest, ListRequest};
use docket_api::sessions::{RoleRequest, StartRequest};
use docket_api::tickets::{CreateRequest, DeleteRequest, ShowRequest, UpdateRequest};
use docket_api::view::{Changed, Detail, Page};
use docket_api::{
    ApiResult, Context, graph, guides, insight, knowledge, moves, notes, project, query, sessions,
    tickets,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::tools::{Call, CleanupArgs, ManArgs, NoteArgs, RoleName};

/// Rows of a query page unless the call passes `limit`.
pub const PAGE: usize = 50;
/// Cards per board column unless the call passes `per_column`.
pub const PER_COLUMN: usize = 10;

/// What a tool call answers: structured content, and the text form when it is
/// not simply that JSON (guides, the primer).
pub struct Output {
    pub structured: Value,
    pub text: Option<String>,
}

fn json_of<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn out<T: Serialize>(v: &T) -> Output {
    Output {
        structured: json_of(v),
        text: None,
    }
}

/// Wrap a list so the structured content is an object, as MCP requires.
fn items<T: Serialize>(v: &[T]) -> Output {
    Output {
        structured: json!({ "items": v }),
        text: None,
    }
}

/// The lean write answer. Criteria are summarized as `done/total`: the caller
/// knows which one it just checked, and a long list would blow the budget.
pub fn changed(c: &Changed) -> Value {
    let mut v = json_of(c);
    if let Some(ac) = v
        .get_mut("changed")
        .and_then(|m| m.as_object_mut())
        .and_then(|m| m.get_mut("acceptance"))
        && let Some(list) = ac.as_array()
    {
        let done = list
            .iter()
            .filter(|c| c.get("done").and_then(Value::as_bool) == Some(true))
            .count();
        *ac = json!(format!("{done}/{}", list.len()));
    }
    v
}

fn changed_out(c: ApiResult<Changed>) -> ApiResult<Output> {
    c.map(|c| Output {
        structured: changed(&c),
        text: None,
    })
}

/// Run the call.
pub fn run(call: &Call, cx: &Context) -> ApiResult<Output> {
    let action = call.action.name;
    match (call.tool.name, action) {
        ("query", "board") => {
            let mut req: BoardRequest = call.request()?;
            req.per_column.get_or_insert(PER_COLUMN);
            let b = query::board(cx, &req)?;
            let columns: Vec<Value> = b
                .columns
                .iter()
                .map(|c| {
                    json!({
                        "status": c.status,
                        "total": c.total,
                        "items": c.rows.iter().map(|r| r.brief()).collect::<Vec<_>>(),
                    })
                })
                .collect();
            Ok(Output {
                structured: json!({ "columns": columns }),
                text: None,
            })
        }
        ("query", "claims") => Ok(items(&moves::claims(cx)?)),
        ("query", _) => {
            let mut req: ListRequest = call.request()?;
            req.limit.get_or_insert(PAGE);
            let l = query::list(cx, &req)?;
            let page = Page {
                items: l.rows.iter().map(|r| r.brief()).collect(),
                total: l.total,
                next_cursor: l.next_cursor,
            };
            Ok(out(&page))
        }
        ("show", _) => {
            let req: ShowRequest = call.request()?;
            let shown = tickets::show(cx, &req)?;
            Ok(match req.detail {
                Detail::Compact => out(&shown.compact()),
                Detail::Full => out(&shown.full()),
            })
        }
        ("project", "prime") => {
            let req: PrimeRequest = call.request()?;
            let p = project::prime(cx, &req)?;
            Ok(Output {
                text: Some(crate::prime::text(&p, &cx.project.config)),
                structured: json_of(&p),
            })
        }
        ("project", "info") => Ok(out(&project::info(cx)?)),
        ("project", "check") => {
            let req: CheckRequest = call.request()?;
            Ok(out(&project::check(&cx.project, &req)?))
        }
        ("project", "stats") => Ok(out(&insight::stats(cx, &call.request()?)?)),
        ("log", _) => changed_out(insight::log_usage(cx, call.request()?)),
        ("knowledge", "context") => Ok(out(&knowledge::context_list(cx)?)),
        // One `set` per kind keeps the tool list short: update, or add when new.
        ("knowledge", "context_set") => {
            let req = call.request()?;
            Ok(out(&match knowledge::context_update(cx, &req) {
                Err(e) if e.code == "entry_not_found" => knowledge::context_add(cx, &req)?,
                other => other?,
            }))
        }
        ("knowledge", "context_delete") => {
            Ok(out(&knowledge::context_delete(cx, &call.request()?)?))
        }
        ("knowledge", "docs") => Ok(out(&knowledge::doc_list(cx, &call.request()?)?)),
        ("knowledge", "doc_read") => Ok(out(&knowledge::doc_read(cx, &call.request()?)?)),
        ("knowledge", "doc_set") => {
            let req: docket_api::knowledge::DocUpdateRequest = call.request()?;
            match knowledge::doc_update(cx, &req) {
                Err(e) if e.code == "entry_not_found" => {
                    let add = docket_api::knowledge::DocAddRequest {
                        slug: req.slug,
                        title: req.title,
                        body: req.body.ok_or_else(|| {
                            docket_api::ApiError::invalid("a new document needs `body`")
                        })?,
                    };
                    Ok(out(&knowledge::doc_add(cx, &add)?))
                }
                other => Ok(out(&other?)),
            }
        }
        ("knowledge", "doc_archive") => Ok(out(&knowledge::doc_archive(cx, &call.request()?)?)),
        ("create", _) => changed_out(tickets::create(cx, call.request::<CreateRequest>()?)),
        ("update", _) => changed_out(tickets::update(cx, call.request::<UpdateRequest>()?)),
        ("delete", _) => Ok(out(&tickets::delete(
            cx,
            &call.request::<DeleteRequest>()?,
        )?)),
        ("move", "claim") => changed_out(moves::claim(cx, call.request::<ClaimRequest>()?)),
        ("move", "explain") => Ok(out(&moves::explain(cx, &call.request::<MoveRequest>()?)?)),
        ("move", _) => changed_out(moves::move_ticket(cx, call.request::<MoveRequest>()?)),
        ("note", _) => {
            let a: NoteArgs = call.request()?;
            changed_out(if a.comment {
                notes::comment(cx, &a.text)
            } else {
                notes::add_note(cx, &a.text)
            })
        }
        ("plan", "write") => changed_out(notes::write_plan(cx, &call.request::<TextRequest>()?)),
        ("plan", _) => Ok(out(&notes::show_plan(
            cx,
            &call.request::<PlanShowRequest>()?,
        )?)),
        ("graph", "tree") => Ok(out(&graph::tree(cx, &call.request()?)?)),
        ("graph", "depends") => changed_out(graph::depends(cx, &call.request()?)),
        ("graph", _) => {
            let linked = graph::link(cx, &call.request()?)?;
            let rows: Vec<_> = linked.iter().map(|l| l.brief()).collect();
            Ok(items(&rows))
        }
        ("session", "show") => Ok(out(&sessions::current(cx)?)),
        ("session", "list") => Ok(items(&sessions::list(cx)?)),
        ("session", "roles") => Ok(items(&sessions::roles(cx)?)),
        ("session", "start") => Ok(out(&sessions::start(cx, &call.request::<StartRequest>()?)?)),
        ("session", "end") => Ok(out(&sessions::end(cx)?)),
        ("session", "role_create") => Ok(out(&sessions::create_role(
            cx,
            &call.request::<RoleRequest>()?,
        )?)),
        ("session", "role_delete") => Ok(out(&sessions::delete_role(
            cx,
            &call.request::<RoleName>()?.name,
        )?)),
        ("session", _) => {
            let a: CleanupArgs = call.request()?;
            let expired = sessions::cleanup(cx, a.dry_run)?;
            Ok(Output {
                structured: json!({ "expired": expired, "dry_run": a.dry_run }),
                text: None,
            })
        }
        ("man", _) => man(call.request::<ManArgs>()?),
        (tool, action) => Err(docket_api::ApiError::invalid(format!(
            "no operation for `{tool}` action `{action}`"
        ))),
    }
}

/// The guides: the list, or one page as text.
pub fn man(a: ManArgs) -> ApiResult<Output> {
    match a.page {
        None => {
            let pages: Vec<Value> = guides::GUIDES
                .iter()
                .map(|g| json!({ "name": g.name, "title": g.title }))
                .collect();
            let text = guides::GUIDES
                .iter()
                .map(|g| format!("{}: {}", g.name, g.title))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output {
                structured: json!({ "items": pages }),
                text: Some(text),
            })
        }
        Some(name) => {
            let g = guides::find(&name).ok_or_else(|| {
                let known: Vec<&str> = guides::GUIDES.iter().map(|g| g.name).collect();
                let mut e = docket_api::ApiError::invalid(format!(
                    "no manual page `{name}`: one of {}",
                    known.join(", ")
                ));
                e.details.insert("known".into(), json!(known));
                e.with_remedy(crate::remedy::direct(
                    "man",
                    Map::from_iter([("page".to_string(), json!("minimal"))]),
                    "the workflow guide".into(),
                ))
            })?;
            Ok(Output {
                structured: json!({ "name": g.name, "title": g.title, "text": g.text }),
                text: Some(g.text.to_string()),
            })
        }
    }
}
