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

#[test]
fn prime_json_sections() {
    let fx = fixture();
    let p = at(&fx.env, NOW, &["prime", "--limit", "2"]);

    assert_eq!(p["project"]["name"], "proj");
    assert_eq!(p["project"]["prefix"], "dk");
    assert_eq!(p["project"]["open"], 7);
    assert_eq!(p["project"]["closed"], 1);
    assert_eq!(
        p["schema"]["statuses"],
        json!(["open", "in_progress", "closed"])
    );
    assert_eq!(p["schema"]["terminal"], json!(["closed"]));
    assert_eq!(p["schema"]["active"], "in_progress");
    assert_eq!(p["schema"]["modes"], json!(["afk", "hitl"]));
    assert_eq!(p["schema"]["priorities"], json!([0, 1, 2, 3, 4]));
    assert!(
        p["schema"]["types"]
            .as_array()
            .unwrap()
            .contains(&json!("bug"))
    );

    // In progress: priority order, every entry carries `stale`.
    let ip = p["in_progress"].as_array().unwrap();
    assert_eq!(
        ids(&p["in_progress"]),
        vec![fx.stale.clone(), fx.done.clone(), fx.fresh.clone()]
    );
    assert_eq!(ip[0]["stale"], true);
    assert_eq!(ip[1]["stale"], false);
    assert_eq!(ip[2]["stale"], false);

    assert_eq!(ids(&p["ready_to_close"]), vec![fx.done.clone()]);
    // Ready: capped by --limit, in-progress tickets excluded, no `stale` key.
    assert_eq!(
        ids(&p["ready"]),
        vec![fx.ready[0].clone(), fx.ready[1].clone()]
    );
    assert_eq!(p["ready_remaining"], 2);
    assert_eq!(ids(&p["recently_closed"]), vec![fx.closed.clone()]);
    for section in ["ready", "ready_to_close", "recently_closed"] {
        for item in p[section].as_array().unwrap() {
            assert!(
                item.get("stale").is_none(),
                "{section} item has stale: {item}"
            );
        }
    }
    for item in ip {
        for k in ["tags", "deps", "links", "external_refs", "acceptance"] {
            assert!(item[k].is_array());
        }
    }

    // Default cap of 10: everything fits.
    let p = at(&fx.env, NOW, &["prime"]);
    assert_eq!(p["ready"].as_array().unwrap().len(), 4);
    assert_eq!(p["ready_remaining"], 0);

    // 13 days later nothing is stale; the age is measured from `updated`.
    let p = at(&fx.env, "2026-01-14T12:00:00Z", &["prime"]);
    assert_eq!(p["in_progress"][0]["stale"], false);
    // A note refreshes the stale ticket.
    at(&fx.env, NOW, &["add-note", &fx.stale, "still on it"]);
    let p = at(&fx.env, NOW, &["prime"]);
    assert!(
        p["in_progress"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["stale"] == false)
    );
}

#[test]
fn prime_filters_apply_to_every_section() {
    let fx = fixture();
    let p = at(&fx.env, NOW, &["prime", "--status", "in_progress"]);
    assert_eq!(p["in_progress"].as_array().unwrap().len(), 3);
    assert_eq!(p["ready"], json!([]));
    assert_eq!(p["recently_closed"], json!([]));
    let p = at(&fx.env, NOW, &["prime", "--type", "bug"]);
    assert_eq!(p["in_progress"], json!([]));
    assert_eq!(p["ready"], json!([]));
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
    assert!(out.contains("In progress (3)"), "{out}");
    assert!(out.contains("Ready to close (1)"), "{out}");
    assert!(out.contains("Ready (2)"), "{out}");
    assert!(out.contains("… and 2 more"), "{out}");
    assert!(out.contains("Recently closed (1)"), "{out}");
    let stale_line = out.lines().find(|l| l.contains("stale work")).unwrap();
    assert!(stale_line.contains("[stale]"), "{stale_line}");
    assert_eq!(out.matches("[stale]").count(), 1, "{out}");
    assert!(out.contains("docket ready"), "{out}");

    let empty = TestEnv::init();
    let r = empty.run(&["prime"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("In progress (0)\n  none"), "{}", r.stdout);
}
