use serde_json::{Value, json};

use crate::common::{TestEnv, ids};

const OLD: &str = "2026-01-01T12:00:00Z";
const NOW: &str = "2026-01-16T12:00:00Z"; // 15 days later

fn at(env: &TestEnv, now: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let r = env.run_at(now, &a);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.envelope()["data"].clone()
}

struct Fixture {
    env: TestEnv,
    stale: String,
    fresh: String,
    done: String,
    ready: Vec<String>,
    closed: String,
}

fn fixture() -> Fixture {
    let env = TestEnv::init();
    let stale = at(&env, OLD, &["create", "stale work", "-p", "1"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    at(&env, OLD, &["start", &stale]);
    let fresh = at(&env, NOW, &["create", "fresh work", "-p", "2"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    at(&env, NOW, &["start", &fresh]);
    let done = at(&env, NOW, &["create", "all checked", "--acceptance", "ac"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    at(&env, NOW, &["start", &done]);
    at(&env, NOW, &["update", &done, "--ac", "ac", "--done"]);
    let mut ready = Vec::new();
    for p in ["0", "1", "3", "4"] {
        ready.push(
            at(&env, NOW, &["create", &format!("ready p{p}"), "-p", p])["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let closed = at(&env, NOW, &["create", "finished"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    at(&env, NOW, &["close", &closed, "--summary", "done"]);
    Fixture {
        env,
        stale,
        fresh,
        done,
        ready,
        closed,
    }
}

/// The `id`s of a capped primer section's `items`.
fn items(section: &Value) -> Vec<String> {
    ids(&section["items"])
}

/// The keys a lean primer row may carry.
const ROW_KEYS: &[&str] = &[
    "id", "handle", "title", "status", "type", "priority", "assignee", "tags", "ac", "stale",
    "mine",
];

#[test]
fn prime_json_sections() {
    let fx = fixture();
    let v = {
        let r = fx.env.run_at(NOW, &["prime", "--limit", "2", "--json"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.envelope()
    };
    assert_eq!(v["schema_version"], 3);
    let p = &v["data"];
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "in_progress",
            "project",
            "ready",
            "ready_to_close",
            "recently_closed",
            "schema",
            "you"
        ],
        "the work loop is only in the text form"
    );

    assert_eq!(p["project"]["name"], "proj");
    assert_eq!(p["project"]["prefix"], "dk");
    assert_eq!(p["project"]["open"], 7);
    assert_eq!(p["project"]["closed"], 1);
    assert_eq!(p["you"], "tester");
    assert_eq!(
        p["schema"]["statuses"],
        json!(["open", "in_progress", "closed"])
    );
    assert_eq!(p["schema"]["terminal"], json!(["closed"]));
    assert_eq!(p["schema"]["active"], "in_progress");
    assert!(p["schema"].get("planning").is_none(), "simple preset: {p}");
    assert_eq!(p["schema"]["modes"], json!(["afk", "hitl"]));
    assert!(
        p["schema"]["types"]
            .as_array()
            .unwrap()
            .contains(&json!("bug"))
    );

    // In progress: priority then oldest (fresh was created before done, in
    // the same second), capped by --limit with `more`; `stale: true` only on
    // the stale one.
    let ip = p["in_progress"]["items"].as_array().unwrap();
    assert_eq!(
        items(&p["in_progress"]),
        vec![fx.stale.clone(), fx.fresh.clone()]
    );
    assert_eq!(p["in_progress"]["more"], 1);
    assert_eq!(ip[0]["stale"], true);
    assert!(ip[1].get("stale").is_none(), "{}", ip[1]);

    assert_eq!(items(&p["ready_to_close"]), vec![fx.done.clone()]);
    assert_eq!(p["ready_to_close"]["items"][0]["ac"], "1/1");
    assert!(p["ready_to_close"].get("more").is_none());
    // Ready: capped by --limit, in-progress tickets excluded, no `stale` key.
    assert_eq!(
        items(&p["ready"]),
        vec![fx.ready[0].clone(), fx.ready[1].clone()]
    );
    assert_eq!(p["ready"]["more"], 2);
    // Recently closed shows half the cap (rounded up).
    assert_eq!(items(&p["recently_closed"]), vec![fx.closed.clone()]);
    assert!(p["recently_closed"].get("more").is_none());
    for section in ["ready", "ready_to_close", "recently_closed"] {
        for item in p[section]["items"].as_array().unwrap() {
            assert!(
                item.get("stale").is_none(),
                "{section} item has stale: {item}"
            );
        }
    }
    // Items are lean rows.
    for section in ["in_progress", "ready_to_close", "ready", "recently_closed"] {
        for item in p[section]["items"].as_array().unwrap() {
            for k in item.as_object().unwrap().keys() {
                assert!(ROW_KEYS.contains(&k.as_str()), "{section}: `{k}` in {item}");
            }
            let id = item["id"].as_str().unwrap();
            assert!(id.starts_with(item["handle"].as_str().unwrap()), "{item}");
            if section == "in_progress" || section == "ready_to_close" {
                // `start` claimed them for the caller, who is their assignee.
                assert_eq!(item["assignee"], "tester", "{item}");
                assert_eq!(item["mine"], true, "{item}");
            } else {
                assert!(item.get("assignee").is_none(), "{item}");
                assert!(item.get("mine").is_none(), "{section}: {item}");
            }
        }
    }

    // Default cap of 10: everything fits, no `more`.
    let p = at(&fx.env, NOW, &["prime"]);
    assert_eq!(p["ready"]["items"].as_array().unwrap().len(), 4);
    assert!(p["ready"].get("more").is_none());
    assert_eq!(
        items(&p["in_progress"]),
        vec![fx.stale.clone(), fx.fresh.clone(), fx.done.clone()]
    );

    // 13 days later nothing is stale; the age is measured from `updated`.
    let p = at(&fx.env, "2026-01-14T12:00:00Z", &["prime"]);
    assert!(p["in_progress"]["items"][0].get("stale").is_none());
    // A note refreshes the stale ticket.
    at(&fx.env, NOW, &["add-note", &fx.stale, "still on it"]);
    let p = at(&fx.env, NOW, &["prime"]);
    assert!(
        p["in_progress"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("stale").is_none())
    );
}

#[test]
fn prime_puts_the_callers_own_work_first() {
    let fx = fixture();
    // `start` made the caller the assignee of all three; hand two of them to
    // someone else: the caller's remaining one comes first, ahead of priority.
    at(&fx.env, NOW, &["update", &fx.stale, "-a", "someone"]);
    at(&fx.env, NOW, &["update", &fx.done, "-a", "someone"]);
    let p = at(&fx.env, NOW, &["prime"]);
    let ip = &p["in_progress"]["items"];
    assert_eq!(
        items(&p["in_progress"]),
        vec![fx.fresh.clone(), fx.stale.clone(), fx.done.clone()]
    );
    assert_eq!(ip[0]["mine"], true);
    assert_eq!(ip[0]["assignee"], "tester");
    assert!(ip[1].get("mine").is_none());
    assert!(ip[2].get("mine").is_none());
    assert_eq!(ip[1]["assignee"], "someone");
    let r = fx.env.run_at(NOW, &["prime"]);
    let line = r.stdout.lines().find(|l| l.contains("fresh work")).unwrap();
    assert!(line.contains("(yours)"), "{line}");
}

#[test]
fn prime_stays_capped_on_a_big_project() {
    let env = TestEnv::init();
    for i in 0..25 {
        env.create(&format!("r{i}"), &[]);
    }
    let p = env.ok(&["prime"]);
    assert_eq!(p["ready"]["items"].as_array().unwrap().len(), 10);
    assert_eq!(p["ready"]["more"], 15);
    assert_eq!(p["project"]["open"], 25);
    let r = env.run(&["prime"]);
    assert!(r.stdout.contains("Ready (25)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("… and 15 more: `docket ready`"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.matches("P2 task").count(), 10, "{}", r.stdout);
}

#[test]
fn prime_filters_apply_to_every_section() {
    let fx = fixture();
    let p = at(&fx.env, NOW, &["prime", "--status", "in_progress"]);
    assert_eq!(p["in_progress"]["items"].as_array().unwrap().len(), 3);
    assert_eq!(p["ready"], json!({"items": []}));
    assert_eq!(p["recently_closed"], json!({"items": []}));
    let p = at(&fx.env, NOW, &["prime", "--type", "bug"]);
    assert_eq!(p["in_progress"], json!({"items": []}));
    assert_eq!(p["ready"], json!({"items": []}));
}

#[test]
fn prime_text() {
    let fx = fixture();
    let r = fx.env.run_at(NOW, &["prime", "--limit", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = &r.stdout;
    assert!(
        out.contains("docket project `proj` (prefix dk): 7 open, 1 closed"),
        "{out}"
    );
    assert!(
        out.contains("statuses: open → in_progress → closed"),
        "{out}"
    );
    // Section counts are totals; the rows are capped with a pointer to the rest.
    assert!(out.contains("In progress (3)"), "{out}");
    assert!(
        out.contains("… and 1 more: `docket list --status in_progress`"),
        "{out}"
    );
    assert!(out.contains("Ready to close (1)"), "{out}");
    assert!(out.contains("Ready (4)"), "{out}");
    assert!(out.contains("… and 2 more: `docket ready`"), "{out}");
    assert!(out.contains("Recently closed (1)"), "{out}");
    let stale_line = out.lines().find(|l| l.contains("stale work")).unwrap();
    assert!(stale_line.contains("[stale]"), "{stale_line}");
    assert_eq!(out.matches("[stale]").count(), 1, "{out}");
    // Rows use short ids, not full ones.
    let p = at(&fx.env, NOW, &["prime"]);
    let short = p["in_progress"]["items"][0]["handle"].as_str().unwrap();
    assert!(short.len() < fx.stale.len(), "{short}");
    assert!(
        stale_line.trim_start().starts_with(&format!("{short} ")),
        "{stale_line}"
    );
    assert!(!out.contains(&fx.stale), "{out}");
    // The work loop is in the text form.
    assert!(out.contains("Work loop:"), "{out}");
    assert!(out.contains("docket ready"), "{out}");

    let empty = TestEnv::init();
    let r = empty.run(&["prime"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("In progress (0)\n  none"), "{}", r.stdout);
}
