use serde_json::json;

use crate::common::{TestEnv, ids};

/// open A(p2), B(p1), C(p2, newer than A), D(p0, deps on A), E(dep on a missing id),
/// F closed, G in progress.
struct Fixture {
    env: TestEnv,
    a: String,
    b: String,
    c: String,
    d: String,
    e: String,
    f: String,
    g: String,
}

fn fixture() -> Fixture {
    let env = TestEnv::init();
    let a = env.create(
        "A",
        &["-t", "bug", "--mode", "afk", "--tags", "x", "-a", "alice"],
    );
    let b = env.create("B", &["-p", "1", "-t", "feature", "--tags", "y"]);
    let c = env.create("C", &["-t", "bug", "--tags", "x,y", "-a", "bob"]);
    let d = env.create("D", &["-p", "0", "--dep", &a, "--mode", "afk"]);
    let e = env.create("E", &["-p", "3", "--dep", "dk-01missing"]);
    let f = env.create("F", &["-t", "bug"]);
    env.okw(&["close", &f]);
    let g = env.create("G", &["-p", "4"]);
    env.okw(&["start", &g]);
    Fixture {
        env,
        a,
        b,
        c,
        d,
        e,
        f,
        g,
    }
}

#[test]
fn list_shows_open_tickets_by_default() {
    let fx = fixture();
    let env = &fx.env;
    let open = ids(&env.ok(&["list"]));
    // Board order: open (priority, then oldest first), then in_progress.
    assert_eq!(
        open,
        vec![
            fx.d.clone(),
            fx.b.clone(),
            fx.a.clone(),
            fx.c.clone(),
            fx.e.clone(),
            fx.g.clone()
        ]
    );
    assert!(!open.contains(&fx.f));
    assert_eq!(ids(&env.ok(&["ls"])), open, "ls is an alias");

    let all = ids(&env.ok(&["list", "--all"]));
    assert_eq!(all.len(), 7);
    assert_eq!(all.last(), Some(&fx.f));

    assert_eq!(
        ids(&env.ok(&["list", "--status", "closed"])),
        vec![fx.f.clone()]
    );
    assert_eq!(
        ids(&env.ok(&["list", "--status", "closed", "--status", "in_progress"])),
        vec![fx.g.clone(), fx.f.clone()]
    );
    assert_eq!(ids(&env.ok(&["list", "--limit", "2"])), open[..2].to_vec());
    assert_eq!(env.ok(&["list", "--limit", "0"]), json!([]));
}

#[test]
fn ready_blocked_closed() {
    let fx = fixture();
    let env = &fx.env;
    // Ready: what can be picked up now: not begun (before the active status)
    // and every dep terminal; sorted priority then oldest (A was created
    // before C). G is in progress: begun, so not ready.
    let ready = ids(&env.ok(&["ready"]));
    assert_eq!(ready, vec![fx.b.clone(), fx.a.clone(), fx.c.clone()]);
    assert!(!ready.contains(&fx.g), "a begun ticket is not ready");
    assert!(!ready.contains(&fx.d), "dep on open ticket is not ready");
    assert!(!ready.contains(&fx.e), "dep on missing ticket is not ready");
    assert!(!ready.contains(&fx.f), "a closed ticket is not ready");
    assert_eq!(ids(&env.ok(&["ready", "--limit", "1"])), vec![fx.b.clone()]);
    // --include-started is the old view: any open ticket whose deps are done,
    // begun or not (in-progress tickets have no deps here, so G is in).
    let started = ids(&env.ok(&["ready", "--include-started"]));
    assert_eq!(
        started,
        vec![fx.b.clone(), fx.a.clone(), fx.c.clone(), fx.g.clone()]
    );
    assert!(!started.contains(&fx.d) && !started.contains(&fx.e));
    assert!(!started.contains(&fx.f));
    assert_eq!(
        ids(&env.ok(&["ready", "--include-started", "--status", "in_progress"])),
        vec![fx.g.clone()]
    );
    assert_eq!(
        ids(&env.ok(&["ready", "--status", "in_progress"])),
        Vec::<String>::new()
    );

    let blocked = ids(&env.ok(&["blocked"]));
    assert_eq!(blocked, vec![fx.d.clone(), fx.e.clone()]);

    assert_eq!(ids(&env.ok(&["closed"])), vec![fx.f.clone()]);

    // Closing the dependency unblocks D.
    env.okw(&["close", &fx.a]);
    let ready = ids(&env.ok(&["ready"]));
    assert_eq!(ready[0], fx.d);
    assert!(!ready.contains(&fx.a));
    assert_eq!(ids(&env.ok(&["blocked"])), vec![fx.e.clone()]);
    // Starting it takes it off `ready` but not off `ready --include-started`.
    env.okw(&["start", &fx.d]);
    assert!(!ids(&env.ok(&["ready"])).contains(&fx.d));
    assert!(ids(&env.ok(&["ready", "--include-started"])).contains(&fx.d));
    // A begun ticket with an open dep stays out of both.
    env.okw(&["dep", &fx.g, &fx.b]);
    assert!(!ids(&env.ok(&["ready", "--include-started"])).contains(&fx.g));
    assert!(ids(&env.ok(&["blocked"])).contains(&fx.g));

    // Closed: most recently closed first (same second: newest id first).
    let closed = ids(&env.ok(&["closed"]));
    assert_eq!(closed.len(), 2);
    assert!(closed.contains(&fx.a) && closed.contains(&fx.f));
    assert_eq!(ids(&env.ok(&["closed", "--limit", "1"])).len(), 1);
    assert_eq!(
        ids(&env.ok(&["closed", "--type", "feature"])),
        Vec::<String>::new()
    );
}

#[test]
fn closed_orders_by_close_time() {
    let env = TestEnv::init();
    let x = env.create("x", &[]);
    let y = env.create("y", &[]);
    let r = env.run_at("2026-01-02T00:00:00Z", &["close", &y]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = env.run_at("2026-01-03T00:00:00Z", &["close", &x]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(ids(&env.ok(&["closed"])), vec![x.clone(), y.clone()]);
    let t = env.show(&x);
    assert_eq!(t["closed"], "2026-01-03T00:00:00Z");
}

#[test]
fn filters_or_within_and_across_flags() {
    let fx = fixture();
    let env = &fx.env;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let list = |args: &[&str]| {
        let mut a = vec!["list"];
        a.extend_from_slice(args);
        sorted(ids(&env.ok(&a)))
    };
    assert_eq!(
        list(&["--type", "bug"]),
        sorted(vec![fx.a.clone(), fx.c.clone()])
    );
    assert_eq!(
        list(&["--type", "bug", "--type", "feature"]),
        sorted(vec![fx.a.clone(), fx.b.clone(), fx.c.clone()])
    );
    assert_eq!(
        list(&["--type", "bug,feature"]),
        sorted(vec![fx.a.clone(), fx.b.clone(), fx.c.clone()])
    );
    assert_eq!(
        list(&["--type", "bug", "--mode", "afk"]),
        vec![fx.a.clone()]
    );
    assert_eq!(
        list(&["--mode", "afk"]),
        sorted(vec![fx.a.clone(), fx.d.clone()])
    );
    assert_eq!(
        list(&["--tag", "x"]),
        sorted(vec![fx.a.clone(), fx.c.clone()])
    );
    assert_eq!(
        list(&["--tag", "x", "--tag", "y"]),
        sorted(vec![fx.a.clone(), fx.b.clone(), fx.c.clone()])
    );
    assert_eq!(list(&["--tag", "y", "--type", "bug"]), vec![fx.c.clone()]);
    assert_eq!(list(&["--assignee", "alice"]), vec![fx.a.clone()]);
    assert_eq!(
        list(&["--assignee", "alice", "--assignee", "bob"]),
        sorted(vec![fx.a.clone(), fx.c.clone()])
    );
    assert_eq!(list(&["--assignee", "nobody"]), Vec::<String>::new());
    assert_eq!(list(&["--status", "in_progress"]), vec![fx.g.clone()]);
    assert_eq!(
        list(&["--status", "closed", "--type", "bug"]),
        vec![fx.f.clone()]
    );

    // The same filter set on ready / blocked / closed.
    assert_eq!(
        ids(&env.ok(&["ready", "--type", "bug", "--mode", "afk"])),
        vec![fx.a.clone()]
    );
    assert_eq!(
        ids(&env.ok(&["blocked", "--mode", "afk"])),
        vec![fx.d.clone()]
    );
    assert_eq!(
        ids(&env.ok(&["closed", "--type", "bug"])),
        vec![fx.f.clone()]
    );
    assert_eq!(
        ids(&env.ok(&["ready", "--tag", "y", "--limit", "1"])),
        vec![fx.b.clone()]
    );
}

#[test]
fn invalid_filter_values_are_invalid_argument() {
    let fx = fixture();
    for cmd in ["list", "ready", "blocked", "closed", "prime"] {
        for (flag, value) in [
            ("--type", "story"),
            ("--mode", "auto"),
            ("--status", "doing"),
        ] {
            let err = fx.env.fail(&[cmd, flag, value], "invalid_argument");
            let msg = err["message"].as_str().unwrap();
            assert!(msg.contains(value), "{cmd} {flag}: {msg}");
        }
        fx.env.fail(&[cmd, "--limit", "many"], "invalid_argument");
    }
}

#[test]
fn json_list_fields_are_always_arrays() {
    let fx = fixture();
    for cmd in ["list", "ready", "blocked", "closed"] {
        let args: Vec<&str> = if cmd == "list" {
            vec![cmd, "--all"]
        } else {
            vec![cmd]
        };
        let data = fx.env.ok(&args);
        let rows = data.as_array().unwrap();
        assert!(!rows.is_empty(), "{cmd}");
        for t in rows {
            for k in ["tags", "deps", "links", "external_refs", "acceptance"] {
                assert!(t[k].is_array(), "{cmd}: {k} in {t}");
            }
            assert!(t["path"].as_str().unwrap().starts_with(".docket/"));
            assert!(t.get("body").is_none(), "listings carry no body");
        }
    }
}

#[test]
fn human_list_table() {
    let fx = fixture();
    let r = fx.env.run(&["list", "--type", "feature"]);
    assert_eq!(r.code, 0);
    // The short-id column width varies with the ids; normalise it.
    insta::with_settings!({filters => vec![
        (r"(?m)^ID +", "ID    "),
        (r"(?m)^dk-[0-9a-z]{3,16} +", "[ID]  "),
    ]}, {
        insta::assert_snapshot!(r.stdout, @r"
        ID    PRI  STATUS  TYPE     MODE  ASSIGNEE  TITLE
        [ID]  P1   open    feature  hitl            B  #y
        ");
    });
    let r = fx.env.run(&["list", "--assignee", "nobody"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.trim(), "no tickets");
}

#[test]
fn malformed_file_is_skipped_with_a_warning() {
    let env = TestEnv::init();
    let good = env.create("good", &[]);
    let other = env.create("other", &[]);
    env.write_file(
        "tickets",
        "dk-01broken--broken.md",
        "this is not frontmatter\n",
    );

    let r = env.run(&["list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let data = r.envelope()["data"].clone();
    assert_eq!(data.as_array().unwrap().len(), 2);
    assert!(r.stderr.contains("warning"), "{}", r.stderr);
    assert!(r.stderr.contains("dk-01broken--broken.md"), "{}", r.stderr);

    let r = env.run(&["list"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("good") && r.stdout.contains("other"));
    assert!(r.stderr.contains("skipping"), "{}", r.stderr);

    // Other commands keep working.
    env.ok(&["show", &good]);
    env.okw(&["add-note", &good, "still works"]);
    env.ok(&["ready"]);
    env.ok(&["blocked"]);
    env.okw(&["start", &good]);
    env.okw(&["close", &good]);
    env.okw(&["dep", &other, &good]);
    env.ok(&["link", &other, &good]);
    env.ok(&["prime"]);
    let id = env.create("new one", &[]);
    env.okw(&["update", &id, "--priority", "0"]);
    // The broken file itself reports a parse error.
    let err = env.fail(&["show", "dk-01broken"], "parse_error");
    assert!(
        err["path"]
            .as_str()
            .unwrap()
            .contains("dk-01broken--broken.md")
    );
}

#[test]
fn ready_in_plan_first_leaves_out_tickets_in_planning_and_later() {
    // "Begun" is any status from the planning one on, not only the active one.
    let env = TestEnv::init_preset("plan-first");
    let fresh = env.create("fresh", &[]);
    let planning = env.create("planning", &[]);
    let a = env.session("architect", "ada");
    env.okw_as(&a, &["advance", &planning]);
    assert_eq!(env.show(&planning)["status"], "planning");
    assert_eq!(ids(&env.ok(&["ready"])), vec![fresh.clone()]);
    let started = ids(&env.ok(&["ready", "--include-started"]));
    assert_eq!(started.len(), 2, "{started:?}");
    assert!(started.contains(&fresh) && started.contains(&planning));
}

/// A listing larger than one render batch (8192 rows, rendered on all cores)
/// prints valid JSON with every row once and in order, the same with a cold
/// cache, a warm one and after one file changed.
#[test]
fn a_listing_larger_than_a_render_batch_is_whole_and_in_order() {
    let env = TestEnv::new();
    env.ok(&["gen", "--count", "8300", "--out", "big", "--seed", "7"]);
    let big = env.root.join("big");
    let list = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["-C", "big", "list", "--all", "--json"];
        a.extend_from_slice(args);
        let r = env.run(&a);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v = r.envelope();
        v["data"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| row["id"].as_str().expect("id").to_string())
            .collect()
    };
    let cold = list(&[]);
    assert_eq!(cold.len(), 8300);
    let unique: std::collections::HashSet<&String> = cold.iter().collect();
    assert_eq!(unique.len(), 8300, "every row once");
    // A shorter page is a prefix of the whole, and a sort by id comes out
    // sorted: a batch or chunk out of place would show in either.
    assert_eq!(list(&["--limit", "8250"]), cold[..8250].to_vec());
    let by_id = list(&["--sort", "id"]);
    assert_eq!(by_id.len(), 8300);
    assert!(by_id.windows(2).all(|w| w[0] < w[1]), "sorted by id");
    // The human table of as many rows (measured and written in chunks on
    // all cores): every row, in order, in aligned columns.
    let table = env.run(&["-C", "big", "list", "--all", "--sort", "id"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 8301, "a header and every row");
    let pri_at = lines[0].find("PRI").unwrap();
    let handles: Vec<&str> = lines[1..]
        .iter()
        .map(|l| {
            assert_eq!(&l[pri_at..pri_at + 1], "P", "aligned: {l}");
            l.split_whitespace().next().unwrap()
        })
        .collect();
    assert!(handles.windows(2).all(|w| w[0] < w[1]), "rows in order");
    for (h, id) in handles.iter().zip(&by_id) {
        assert!(id.starts_with(h), "{h} is a handle of {id}");
    }
    assert_eq!(list(&[]), cold, "warm cache");
    // One edit: the rewritten cache keeps every other record as it was.
    let first = big.join(".docket/tickets");
    let file = std::fs::read_dir(&first)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "md"))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("\ntitle: ", "\ntitle: edited ", 1)).unwrap();
    let after = list(&[]);
    assert_eq!(after.len(), 8300);
    assert_eq!(list(&[]), after, "warm after the rewrite");
    let titles = env
        .run(&["-C", "big", "list", "--all", "--json"])
        .envelope();
    let edited = titles["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["title"].as_str().unwrap().starts_with("edited "))
        .count();
    assert_eq!(edited, 1);
}
