//! `docket import` / `docket export`: every format from its fixture, the knot
//! round trip, idempotence, dry runs, status maps and old-id lookups.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::TestEnv;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fx(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

/// Every ticket in full, keyed by its `<format>:<old id>` reference.
fn by_ref(env: &TestEnv, format: &str) -> std::collections::BTreeMap<String, Value> {
    let list = env.ok(&["list", "--all", "--limit", "1000"]);
    let rows = list
        .get("tickets")
        .or(list.get("items"))
        .cloned()
        .unwrap_or(list.clone());
    let mut out = std::collections::BTreeMap::new();
    for row in rows.as_array().expect("rows") {
        let t = env.show(row["id"].as_str().expect("id"));
        let prefix = format!("{format}:");
        // Under every reference of the format (a re-imported export carries two).
        for r in t["external_refs"]
            .as_array()
            .expect("refs")
            .iter()
            .filter_map(Value::as_str)
            .filter(|r| r.starts_with(&prefix))
        {
            out.insert(r.to_string(), t.clone());
        }
    }
    out
}

fn id_of(tickets: &std::collections::BTreeMap<String, Value>, r: &str) -> String {
    tickets[r]["id"].as_str().expect("id").to_string()
}

#[test]
fn knot_import_keeps_every_field_and_is_idempotent() {
    let env = TestEnv::init();
    let before = env.snapshot();
    let dry = env.ok(&["import", "knot", &fx("knot"), "--dry-run"]);
    assert_eq!(dry["created"], 3, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(env.snapshot(), before, "a dry run writes nothing");

    let r = env.ok(&["import", "knot", &fx("knot")]);
    assert_eq!(
        (r["created"].clone(), r["updated"].clone()),
        (3.into(), 0.into()),
        "{r}"
    );
    assert_eq!(r["warnings"].as_array().map(Vec::len), Some(0), "{r}");
    let t = by_ref(&env, "knot");
    let login = &t["knot:kno-01jx0aaaaaaa"];
    let epic = id_of(&t, "knot:kno-01jx0ccccccc");
    let store = id_of(&t, "knot:kno-01jx0bbbbbbb");
    assert_eq!(login["title"], "Add login form");
    assert_eq!(login["status"], "in_progress");
    assert_eq!(login["type"], "feature");
    assert_eq!(login["priority"], 1);
    assert_eq!(login["mode"], "afk");
    assert_eq!(login["assignee"], "ada");
    assert_eq!(login["parent"], epic.as_str());
    assert_eq!(login["deps"], serde_json::json!([store]));
    assert_eq!(login["links"], serde_json::json!([epic]));
    assert_eq!(login["created"], "2026-01-05T09:00:00Z");
    assert_eq!(login["tags"], serde_json::json!(["auth", "ui"]));
    assert_eq!(login["acceptance"][0]["done"], true);
    assert_eq!(login["description"], "Users need a login form.");
    assert_eq!(login["design"], "A plain HTML form posting to /login.");
    assert_eq!(login["notes"][1]["author"], "bob");
    assert_eq!(login["notes"][1]["at"], "2026-01-06T10:00:00Z");
    let closed = &t["knot:kno-01jx0bbbbbbb"];
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closed"], "2026-01-03T17:00:00Z");
    assert!(env.archive_dir().read_dir().unwrap().count() == 1);

    // The old id finds the ticket.
    let shown = env.ok(&["show", "kno-01jx0aaaaaaa"]);
    assert_eq!(shown["title"], "Add login form");
    let shown = env.ok(&["show", "knot:kno-01jx0bbbbbbb"]);
    assert_eq!(shown["title"], "Session store");

    // Again: nothing changes, nothing is duplicated.
    let snap = env.snapshot();
    let again = env.ok(&["import", "knot", &fx("knot")]);
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(again["skipped"], 3, "{again}");
    assert_eq!(env.snapshot(), snap);

    // A change at the source updates the ticket it made.
    let tmp = env.home.join("knot-copy");
    copy_dir(&fixture("knot"), &tmp);
    let f = tmp.join(".tickets/kno-01jx0ccccccc--auth-epic.md");
    let text = std::fs::read_to_string(&f).unwrap();
    let text = text
        .replace("priority: 2", "priority: 0")
        .replace("status: open", "status: in_progress");
    std::fs::write(&f, text).unwrap();
    let upd = env.ok(&["import", "knot", &tmp.to_string_lossy()]);
    assert_eq!(upd["updated"], 1, "{upd}");
    let e = env.show(&epic);
    assert_eq!(e["priority"], 0);
    assert_eq!(e["status"], "in_progress");
    let (check, code) = env.json(&["check"]);
    assert_eq!(code, 0, "{check}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn knot_round_trip_keeps_what_knot_holds() {
    let a = TestEnv::init();
    a.ok(&["import", "knot", &fx("knot")]);
    let out = a.home.join("exported");
    let e = a.ok(&[
        "export",
        "--format",
        "knot",
        "--all",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(e["tickets"], 3, "{e}");
    assert!(out.join(".tickets/archive").is_dir());

    let b = TestEnv::init();
    b.ok(&["import", "knot", &out.to_string_lossy()]);
    let ta = by_ref(&a, "knot");
    let tb = by_ref(&b, "knot");
    // b's tickets carry `knot:<a's id>`; map a's ids to b's through them.
    let a_to_b = |id: &str| -> String {
        tb[&format!("knot:{id}")]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (r, x) in ta {
        if !r.starts_with("knot:kno-") {
            continue;
        }
        let y = &tb[&format!("knot:{}", x["id"].as_str().unwrap())];
        for k in [
            "title",
            "status",
            "type",
            "priority",
            "mode",
            "assignee",
            "created",
            "closed",
            "tags",
            "acceptance",
            "description",
            "design",
            "notes",
        ] {
            assert_eq!(x[k], y[k], "field {k}");
        }
        let map = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|i| a_to_b(i.as_str().unwrap()))
                .collect()
        };
        assert_eq!(map(&x["deps"]), strs(&y["deps"]));
        assert_eq!(map(&x["links"]), strs(&y["links"]));
        if let Some(p) = x["parent"].as_str() {
            assert_eq!(y["parent"], a_to_b(p).as_str());
        }
        for r in x["external_refs"].as_array().unwrap() {
            assert!(y["external_refs"].as_array().unwrap().contains(r), "{y}");
        }
    }
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn jsonl_export_round_trips_through_import() {
    let a = TestEnv::init();
    a.ok(&["import", "knot", &fx("knot")]);
    let r = a.run(&["export", "--all"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 3);
    for l in r.stdout.lines() {
        let v: Value = serde_json::from_str(l).expect("a JSON line");
        assert!(v["log"].as_array().is_some_and(|l| !l.is_empty()), "{v}");
    }
    let file = a.home.join("all.jsonl");
    std::fs::write(&file, &r.stdout).unwrap();
    let b = TestEnv::init();
    let imp = b.ok(&["import", "jsonl", &file.to_string_lossy()]);
    assert_eq!(imp["created"], 3, "{imp}");
    let tb = by_ref(&b, "jsonl");
    let login = tb
        .values()
        .find(|t| t["title"] == "Add login form")
        .unwrap();
    assert_eq!(login["notes"].as_array().unwrap().len(), 2);
    assert_eq!(login["acceptance"][1]["title"], "errors are shown");
    // Only open tickets without --all.
    let open = a.run(&["export"]);
    assert_eq!(open.stdout.lines().count(), 2);
    // The JSON envelope carries the lines.
    let env = a.ok(&["export"]);
    assert_eq!(env["lines"].as_array().map(Vec::len), Some(2));
}

#[test]
fn tess_v2_stages_map_to_the_pipeline() {
    let env = TestEnv::init_preset("pipeline");
    let r = env.ok(&["import", "tess", &fx("tess")]);
    assert_eq!(r["created"], 5, "{r}");
    let t = by_ref(&env, "tess");
    assert_eq!(t["tess:user-auth"]["status"], "plan");
    assert_eq!(t["tess:user-auth"]["title"], "Add JWT-based authentication");
    assert_eq!(t["tess:sso"]["status"], "blocked");
    assert_eq!(t["tess:user-model"]["status"], "complete");
    assert_eq!(t["tess:dark-mode"]["title"], "Dark mode");
    let mut deps = strs(&t["tess:user-auth"]["deps"]);
    deps.sort();
    let mut want = vec![
        id_of(&t, "tess:session-store"),
        id_of(&t, "tess:user-model"),
    ];
    want.sort();
    assert_eq!(deps, want);
    let text = env.read(&id_of(&t, "tess:user-auth"));
    assert!(text.contains("sequence: 3"), "{text}");
    assert!(text.contains("src/middleware/auth.ts"), "{text}");
    assert_eq!(
        env.ok(&["show", "user-auth"])["title"],
        "Add JWT-based authentication"
    );

    // Export to tess and back keeps stage, slug, sequence and prereqs.
    let out = env.home.join("tess-out");
    env.ok(&[
        "export",
        "--format",
        "tess",
        "--all",
        "--out",
        &out.to_string_lossy(),
    ]);
    let f = out.join("tickets/plan/3-add-jwt-based-authentication.md");
    let text = std::fs::read_to_string(&f).expect("exported tess file");
    assert!(
        text.starts_with("description: Add JWT-based authentication\n"),
        "{text}"
    );
    assert!(text.contains("prereq: "), "{text}");
    assert!(
        text.contains("files: src/server.ts, src/middleware/auth.ts"),
        "{text}"
    );
}

#[test]
fn tess_v1_prefixes_become_sequences() {
    let env = TestEnv::init();
    env.ok(&["import", "tess", &fx("tess-v1")]);
    let t = by_ref(&env, "tess");
    let api = env.read(&id_of(&t, "tess:api"));
    let db = env.read(&id_of(&t, "tess:db-schema"));
    // v1: higher prefix ran sooner; as v2 sequences the schema (5) comes first.
    assert!(db.contains("sequence: 1"), "{db}");
    assert!(api.contains("sequence: 4"), "{api}");
    assert_eq!(
        strs(&t["tess:api"]["deps"]),
        vec![id_of(&t, "tess:db-schema")]
    );
    assert_eq!(t["tess:api"]["status"], "in_progress");
}

#[test]
fn ticket_backlog_and_beads_import() {
    let env = TestEnv::init();
    let r = env.ok(&["import", "ticket", &fx("ticket")]);
    assert_eq!(r["created"], 3, "{r}");
    let t = by_ref(&env, "ticket");
    let sse = &t["ticket:nw-5c46"];
    assert_eq!(sse["title"], "Add SSE connection management");
    assert_eq!(sse["parent"], id_of(&t, "ticket:nw-9f00").as_str());
    assert_eq!(sse["acceptance"].as_array().unwrap().len(), 2);
    assert_eq!(sse["notes"][0]["at"], "2026-01-06T09:00:00Z");
    assert!(strs(&sse["external_refs"]).contains(&"gh-123".to_string()));
    assert_eq!(t["ticket:nw-1a2b"]["status"], "closed");

    let r = env.ok(&["import", "backlog", &fx("backlog")]);
    assert_eq!(r["created"], 3, "{r}");
    let t = by_ref(&env, "backlog");
    let login = &t["backlog:task-2"];
    assert_eq!(login["status"], "in_progress");
    assert_eq!(login["priority"], 1);
    assert_eq!(login["assignee"], "ada");
    assert_eq!(login["acceptance"][0]["done"], true);
    assert_eq!(
        login["deps"],
        serde_json::json!([id_of(&t, "backlog:task-1")])
    );
    assert_eq!(login["created"], "2025-06-02T09:15:00Z");
    assert_eq!(t["backlog:task-3"]["status"], "closed");

    let r = env.ok(&["import", "beads", &fx("beads")]);
    assert_eq!(r["created"], 3, "{r}");
    let t = by_ref(&env, "beads");
    let tok = &t["beads:bd-c3d4"];
    assert_eq!(tok["parent"], id_of(&t, "beads:bd-a1b2").as_str());
    assert_eq!(tok["deps"], serde_json::json!([id_of(&t, "beads:bd-e5f6")]));
    assert_eq!(tok["notes"].as_array().unwrap().len(), 2);
    assert_eq!(
        t["beads:bd-a1b2"]["acceptance"].as_array().unwrap().len(),
        2
    );
    assert_eq!(t["beads:bd-e5f6"]["closed"], "2025-10-19T18:00:00Z");
    assert_eq!(env.ok(&["show", "bd-c3d4"])["title"], "Tokenizer");
    let (check, code) = env.json(&["check"]);
    assert_eq!(code, 0, "{check}");
}

#[test]
fn status_map_and_unknown_statuses() {
    let env = TestEnv::init();
    let r = env.ok(&["import", "tess", &fx("tess")]);
    let w = strs(&r["warnings"]);
    assert!(w.iter().any(|w| w.contains("blocked")), "{w:?}");
    let env = TestEnv::init();
    let r = env.ok(&[
        "import",
        "tess",
        &fx("tess"),
        "--status-map",
        "blocked=closed",
    ]);
    assert!(strs(&r["warnings"]).is_empty(), "{r}");
    let before = env.snapshot();
    env.fail(
        &[
            "import",
            "tess",
            &fx("tess"),
            "--status-map",
            "blocked=nope",
        ],
        "invalid_argument",
    );
    env.fail(
        &["import", "tess", &fx("tess"), "--status-map", "oops"],
        "invalid_argument",
    );
    env.fail(&["import", "jira", &fx("tess")], "invalid_argument");
    env.fail(&["import", "knot", "/no/such/folder"], "invalid_argument");
    env.fail(&["export", "--format", "knot"], "invalid_argument");
    assert_eq!(env.snapshot(), before);
}
