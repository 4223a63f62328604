//! The typed API on real temp projects: requests in, responses and remedies out,
//! no processes. Rules themselves are tested in the core; this checks the mapping.
#![allow(clippy::result_large_err)]

use docket_api::moves::{self, MoveKind, MoveRequest};
use docket_api::notes::{self, TextRequest};
use docket_api::query::{self, ListKind, ListRequest};
use docket_api::tickets::{self, CreateRequest, ShowRequest, UpdateRequest};
use docket_api::{Context, Op, Who, project, sessions};
use docket_core::Project;
use docket_core::store::InitOptions;

fn project(preset: &str) -> (tempfile::TempDir, Context) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Project::init(
        dir.path(),
        &InitOptions {
            prefix: "t".into(),
            preset: preset.into(),
            force: false,
        },
    )
    .expect("init");
    let now = "2026-11-27T10:00:00Z".parse().expect("time");
    (dir, Context::new(p, now, Some("tester".into())))
}

fn create(cx: &Context, title: &str, f: impl FnOnce(&mut CreateRequest)) -> String {
    let mut req = CreateRequest {
        title: title.into(),
        ..Default::default()
    };
    f(&mut req);
    tickets::create(cx, req).expect("create").id
}

#[test]
fn a_write_answers_with_what_changed_only() {
    let (_d, cx) = project("simple");
    let id = create(&cx, "a", |r| r.acceptance = vec!["x".into()]);
    for i in 0..40 {
        let text = format!("note {i}");
        notes::add_note(
            &cx,
            &TextRequest {
                id: id.clone(),
                text,
            },
        )
        .expect("note");
    }
    let c = tickets::update(
        &cx,
        UpdateRequest {
            id: id.clone(),
            ac: Some("x".into()),
            done: Some(true),
            priority: Some(1),
            ..Default::default()
        },
    )
    .expect("update");
    let json = serde_json::to_value(&c).expect("json");
    let keys: Vec<&String> = json["changed"]
        .as_object()
        .expect("changed")
        .keys()
        .collect();
    assert_eq!(keys, ["priority", "acceptance"]);
    assert_eq!(json["logged"], serde_json::json!(["edit"]));
    // Whatever the log length, the answer stays small.
    assert!(json.to_string().len() < 300, "{json}");
}

#[test]
fn a_refused_move_lists_every_failing_guard_and_offers_force_last() {
    let (_d, cx) = project("simple");
    let parent = create(&cx, "parent", |r| {
        r.acceptance = vec!["a".into(), "b".into()]
    });
    create(&cx, "child", |r| r.parent = Some(parent.clone()));
    let start = MoveRequest {
        id: parent.clone(),
        kind: MoveKind::Start,
        ..Default::default()
    };
    moves::move_ticket(&cx, start).expect("start");
    let close = MoveRequest {
        id: parent.clone(),
        kind: MoveKind::Close,
        ..Default::default()
    };
    let err = moves::move_ticket(&cx, close).expect_err("refused");
    let failing: Vec<&str> = err.details["failing"]
        .as_array()
        .expect("failing")
        .iter()
        .filter_map(|v| v["guard"].as_str())
        .collect();
    assert_eq!(failing, ["acceptance_complete", "children_done"]);
    let ops: Vec<Op> = err.remedies.iter().map(|r| r.op).collect();
    assert_eq!(ops.first(), Some(&Op::Update));
    assert!(err.remedies.last().is_some_and(|r| r.forces()), "{ops:?}");
    assert_eq!(err.remedies.iter().filter(|r| r.forces()).count(), 1);
}

#[test]
fn a_wrong_criterion_title_lists_the_real_ones() {
    let (_d, cx) = project("simple");
    let id = create(&cx, "a", |r| r.acceptance = vec!["returns 401".into()]);
    let err = tickets::update(
        &cx,
        UpdateRequest {
            id,
            ac: Some("returns 400".into()),
            done: Some(true),
            ..Default::default()
        },
    )
    .expect_err("unknown title");
    assert_eq!(err.code, "invalid_argument");
    assert_eq!(err.details["known"], serde_json::json!(["returns 401"]));
    assert_eq!(err.remedies[0].args["ac"], "returns 401");
}

#[test]
fn plan_approval_by_its_author_is_for_another_session() {
    let (_d, cx) = project("plan-first");
    let start = |role: &str, name: &str| {
        let req = sessions::StartRequest {
            role: role.into(),
            name: Some(name.into()),
            detach: true,
        };
        let s = sessions::start(&cx, &req).expect("session");
        cx.clone().as_session(&s.id).expect("as session")
    };
    let ada = start("architect", "ada");
    let id = create(&ada, "sso", |_| {});
    let adv = |cx: &Context| {
        moves::move_ticket(
            cx,
            MoveRequest {
                id: id.clone(),
                ..Default::default()
            },
        )
    };
    adv(&ada).expect("to planning");
    let text = "1. do it".to_string();
    notes::write_plan(
        &ada,
        &TextRequest {
            id: id.clone(),
            text,
        },
    )
    .expect("plan");
    let err = adv(&ada).expect_err("author cannot approve");
    assert_eq!(err.code, "guard_failed");
    assert!(
        err.remedies
            .iter()
            .any(|r| r.by == Who::AnotherSession && r.op == Op::Advance),
        "{:?}",
        err.remedies
    );
    let bob = start("architect", "bob");
    let c = adv(&bob).expect("another architect approves");
    assert_eq!(c.status, "in_progress");
    assert_eq!(c.logged, ["approval", "transition"]);
}

#[test]
fn listings_page_with_a_total_and_a_cursor() {
    let (_d, cx) = project("simple");
    for i in 0..7 {
        create(&cx, &format!("t{i}"), |_| {});
    }
    let mut req = ListRequest {
        kind: ListKind::List,
        limit: Some(3),
        ..Default::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = query::list(&cx, &req).expect("list");
        assert_eq!(page.total, 7);
        seen.extend(page.rows.iter().map(|r| r.entry.meta.id.clone()));
        match page.next_cursor {
            Some(c) => req.cursor = Some(c),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7);
    req.cursor = Some("nope".into());
    assert_eq!(
        query::list(&cx, &req).expect_err("bad").code,
        "invalid_argument"
    );
}

#[test]
fn ready_means_pickable_and_prime_agrees() {
    let (_d, cx) = project("simple");
    let started = create(&cx, "started", |_| {});
    let waiting_on = create(&cx, "dep", |_| {});
    create(&cx, "blocked", |r| r.deps = vec![waiting_on.clone()]);
    let start = MoveRequest {
        id: started.clone(),
        kind: MoveKind::Start,
        ..Default::default()
    };
    moves::move_ticket(&cx, start).expect("start");
    let ready = |include_started| {
        let req = ListRequest {
            kind: ListKind::Ready,
            include_started,
            ..Default::default()
        };
        let mut ids: Vec<String> = query::list(&cx, &req)
            .expect("ready")
            .rows
            .iter()
            .map(|r| r.entry.meta.id.to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ready(false), std::slice::from_ref(&waiting_on));
    let mut old = vec![waiting_on.clone(), started];
    old.sort();
    assert_eq!(ready(true), old);
    let primer = project::prime(&cx, &Default::default()).expect("prime");
    let primed: Vec<&str> = primer
        .ready
        .items
        .iter()
        .map(|i| i.brief.id.as_str())
        .collect();
    assert_eq!(primed, [waiting_on.as_str()]);
}

#[test]
fn show_is_compact_unless_full_is_asked() {
    let (_d, cx) = project("simple");
    let id = create(&cx, "a", |r| r.description = Some("words".into()));
    for i in 0..10 {
        let text = format!("n{i}");
        notes::add_note(
            &cx,
            &TextRequest {
                id: id.clone(),
                text,
            },
        )
        .expect("note");
    }
    let shown = tickets::show(
        &cx,
        &ShowRequest {
            id,
            ..Default::default()
        },
    )
    .expect("show");
    let compact = serde_json::to_value(shown.compact()).expect("json");
    assert_eq!(compact["log"].as_array().map(Vec::len), Some(5));
    assert_eq!(compact["log_total"], 11);
    assert!(compact["log"][0].get("hash").is_none());
    assert!(compact.get("body").is_none());
    let full = serde_json::to_value(shown.full()).expect("json");
    assert_eq!(full["log"].as_array().map(Vec::len), Some(11));
    assert!(full["log"][0]["hash"].is_string());
}

#[test]
fn an_unknown_id_offers_a_listing_and_an_ambiguous_one_the_matches() {
    let (_d, cx) = project("simple");
    create(&cx, "a", |_| {});
    create(&cx, "b", |_| {});
    let err = tickets::show(
        &cx,
        &ShowRequest {
            id: "t-zzzz".into(),
            ..Default::default()
        },
    )
    .expect_err("missing");
    assert_eq!(err.code, "not_found");
    assert_eq!(err.remedies[0].op, Op::List);
    let err = tickets::show(
        &cx,
        &ShowRequest {
            id: "t".into(),
            ..Default::default()
        },
    )
    .expect_err("ambiguous");
    assert_eq!(err.code, "ambiguous_id");
    assert_eq!(err.remedies.len(), 2);
    assert!(err.remedies.iter().all(|r| r.op == Op::Show));
}

#[test]
fn a_dependency_on_an_unknown_id_warns_and_strict_refuses_it() {
    use docket_api::graph::{self, DepsRequest};
    let (_d, cx) = project("simple");
    let b = create(&cx, "b", |_| {});
    let req = |strict| DepsRequest {
        id: b.clone(),
        on: vec!["ghost".into()],
        strict,
        ..Default::default()
    };
    let e = graph::depends(&cx, &req(true)).expect_err("strict refuses");
    assert_eq!(e.code, "missing_dependency");
    assert_eq!(e.details["missing"], serde_json::json!(["ghost"]));
    assert!(e.remedies.iter().any(|r| r.op == Op::Dep));
    let c = graph::depends(&cx, &req(false)).expect("lenient");
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    // The warning rides in the serialized answer (MCP and the web show it).
    let v = serde_json::to_value(&c).expect("json");
    assert!(
        v["warnings"][0].as_str().unwrap().contains("`ghost`"),
        "{v}"
    );
    assert!(v.get("short").is_none() && v["handle"].is_string(), "{v}");
    let new = tickets::create(
        &cx,
        CreateRequest {
            title: "c".into(),
            deps: vec!["ghost".into()],
            ..Default::default()
        },
    )
    .expect("create");
    assert_eq!(new.warnings.len(), 1);
}

#[test]
fn sort_and_priority_ride_in_the_request_and_old_requests_still_parse() {
    let (_d, cx) = project("simple");
    let a = create(&cx, "alpha", |r| r.priority = Some(2));
    let b = create(&cx, "bravo", |r| r.priority = Some(1));
    let c = create(&cx, "charlie", |r| r.priority = Some(3));
    let ids = |req: &ListRequest| -> Vec<String> {
        query::list(&cx, req)
            .expect("list")
            .rows
            .iter()
            .map(|r| r.entry.meta.id.to_string())
            .collect()
    };
    // A request from before `sort` and `priority` existed.
    let old: ListRequest = serde_json::from_str(r#"{"kind": "list", "type": []}"#).expect("old");
    assert_eq!(ids(&old), [b.clone(), a.clone(), c.clone()]);
    let req: ListRequest =
        serde_json::from_str(r#"{"kind": "list", "sort": ["-title"], "priority": [2, 3]}"#)
            .expect("new");
    assert_eq!(ids(&req), [c, a]);
    let bad: ListRequest = serde_json::from_str(r#"{"sort": ["nope"]}"#).expect("parses");
    let err = query::list(&cx, &bad).expect_err("unknown field");
    assert_eq!(err.code, "invalid_argument");
    assert_eq!(err.details["field"], "sort");
    assert!(
        err.details["allowed"]
            .as_array()
            .is_some_and(|a| a.len() == 9)
    );
    let out_of_range: ListRequest = serde_json::from_str(r#"{"priority": [7]}"#).expect("parses");
    assert_eq!(
        query::list(&cx, &out_of_range).expect_err("range").code,
        "invalid_argument"
    );
}
