use serde_json::{Value, json};

use crate::common::{TestEnv, ids, strs, suffix};

#[test]
fn dep_adds_and_undep_removes() {
    let env = TestEnv::init();
    let a = env.create("a", &[]);
    let b = env.create("b", &[]);

    let v = env.ok_env(&["dep", &a, suffix(&b)]);
    assert_eq!(v["data"]["id"], a.as_str());
    assert_eq!(v["data"]["changed"], json!({"deps": [b]}));
    assert_eq!(v["data"]["logged"], json!(["edit"]));
    assert!(v.get("meta").is_none());
    assert!(v["data"].get("archived_to").is_none());
    assert_eq!(env.show(&a)["deps"], json!([b]));
    assert_eq!(ids(&env.ok(&["blocked"])), vec![a.clone()]);

    // Duplicate: a no-op, file untouched.
    let before = std::fs::read(env.path_of(&a)).unwrap();
    let r = env.run(&["dep", &a, &b]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("no change"), "{}", r.stdout);
    let w = env.ok(&["dep", &a, &b]);
    assert!(
        w.get("changed").is_none() && w.get("logged").is_none(),
        "{w}"
    );
    let t = env.okw(&["dep", &a, &b]);
    assert_eq!(t["deps"], json!([b]));
    assert_eq!(std::fs::read(env.path_of(&a)).unwrap(), before);

    // Forward references are allowed.
    let t = env.okw(&["dep", &a, "dk-01later"]);
    assert_eq!(t["deps"], json!([b, "dk-01later"]));
    let t = env.okw(&["undep", &a, "dk-01later"]);
    assert_eq!(t["deps"], json!([b]));

    let t = env.okw(&["undep", &a, &b]);
    assert_eq!(t["deps"], json!([]));
    assert!(!env.read(&a).contains("deps:"));
    let err = env.fail(&["undep", &a, &b], "invalid_argument");
    assert!(err["message"].as_str().unwrap().contains("does not depend"));
    env.fail(&["dep", "dk-01nope", &b], "not_found");
}

#[test]
fn dep_rejects_cycles() {
    let env = TestEnv::init();
    let a = env.create("a", &[]);
    let b = env.create("b", &[]);
    let c = env.create("c", &[]);

    let err = env.fail(&["dep", &a, &a], "cycle");
    assert_eq!(err["cycle"], json!([a, a]));

    env.okw(&["dep", &a, &b]);
    let before = env.snapshot();
    let err = env.fail(&["dep", &b, &a], "cycle");
    assert_eq!(err["cycle"], json!([b, a, b]));

    env.okw(&["dep", &b, &c]);
    let before2 = env.snapshot();
    let err = env.fail(&["dep", &c, &a], "cycle");
    assert_eq!(err["cycle"], json!([c, a, b, c]));
    assert_eq!(env.snapshot(), before2);
    assert_ne!(before, before2);

    let r = env.run(&["dep", &c, &a]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("cycle"), "{}", r.stderr);
    env.cmd(&["check"]).assert().code(0);
}

fn node<'a>(n: &'a Value, path: &[usize]) -> &'a Value {
    path.iter().fold(n, |n, &i| &n["deps"][i])
}

#[test]
fn dep_tree_json_and_full() {
    let env = TestEnv::init();
    // a -> b -> d -> e, a -> c -> d, c -> missing
    let e = env.create("e", &[]);
    let d = env.create("d", &["--dep", &e]);
    let b = env.create("b", &["--dep", &d]);
    let c = env.create("c", &["--dep", &d, "--dep", "dk-01missing"]);
    let a = env.create("a", &["--dep", &b, "--dep", &c]);

    let tree = env.okw(&["dep", "tree", &a]);
    assert_eq!(tree["id"], a.as_str());
    assert_eq!(tree["title"], "a");
    assert_eq!(tree["status"], "open");
    assert_eq!(tree["missing"], false);
    assert_eq!(tree["seen"], false);
    assert_eq!(node(&tree, &[0])["id"], b.as_str());
    assert_eq!(node(&tree, &[0, 0])["id"], d.as_str());
    assert_eq!(node(&tree, &[0, 0, 0])["id"], e.as_str());
    assert_eq!(node(&tree, &[1])["id"], c.as_str());
    // d was shown under b: here it is marked seen, without children.
    let d2 = node(&tree, &[1, 0]);
    assert_eq!(d2["id"], d.as_str());
    assert_eq!(d2["seen"], true);
    assert_eq!(d2["deps"], json!([]));
    let missing = node(&tree, &[1, 1]);
    assert_eq!(
        missing,
        &json!({"id": "dk-01missing", "title": null, "status": null, "missing": true, "seen": false, "deps": []})
    );

    let full = env.okw(&["dep", "tree", suffix(&a), "--full"]);
    let d2 = node(&full, &[1, 0]);
    assert_eq!(d2["seen"], false);
    assert_eq!(d2["deps"][0]["id"], e.as_str());

    // Human rendering.
    let r = env.run(&["dep", "tree", &a]);
    assert_eq!(r.code, 0);
    insta::with_settings!({filters => vec![(r"dk-[0-9a-z]{16}", "[ID]")]}, {
        insta::assert_snapshot!(r.stdout, @r"
        [ID]  a  [open]
        ├── [ID]  b  [open]
        │   └── [ID]  d  [open]
        │       └── [ID]  e  [open]
        └── [ID]  c  [open]
            ├── [ID]  d  [open]  (shown above)
            └── dk-01missing  (missing)
        ");
    });
    env.fail(&["dep", "tree", "dk-01nope"], "not_found");
}

#[test]
fn link_is_symmetric_and_unlink_removes_both_sides() {
    let env = TestEnv::init();
    let a = env.create("a", &[]);
    let b = env.create("b", &[]);
    let c = env.create("c", &[]);

    let data = env.ok(&["link", &a, &b, suffix(&c)]);
    let mut got = ids(&data);
    got.sort();
    let mut want = vec![a.clone(), b.clone(), c.clone()];
    want.sort();
    assert_eq!(got, want);
    for row in data.as_array().unwrap() {
        assert!(row.get("body").is_none(), "link rows are ls-shaped");
    }
    assert_eq!(env.show(&a)["links"], json!([b, c]));
    assert_eq!(env.show(&b)["links"], json!([a, c]));
    assert_eq!(env.show(&c)["links"], json!([a, b]));

    // Linking again changes nothing.
    let before = env.snapshot();
    env.ok(&["link", &a, &b]);
    assert_eq!(env.snapshot(), before);

    env.ok(&["unlink", &a, &b]);
    assert_eq!(env.show(&a)["links"], json!([c]));
    assert_eq!(env.show(&b)["links"], json!([c]));
    assert_eq!(env.show(&c)["links"], json!([a, b]));
    env.cmd(&["check"]).assert().code(0);

    // Fewer than two distinct tickets.
    env.fail(&["link", &a, &a], "invalid_argument");
    env.fail(&["link", &a, "dk-01nope"], "not_found");
}

#[test]
fn link_and_dep_need_their_arguments() {
    let env = TestEnv::init();
    let a = env.create("a", &[]);
    for args in [
        vec!["link", a.as_str()],
        vec!["unlink", a.as_str()],
        vec!["dep", a.as_str()],
        vec!["undep", a.as_str()],
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 1, "{args:?}");
        assert!(r.stdout.is_empty());
        assert!(r.stderr.contains("Usage"), "{args:?}: {}", r.stderr);
        env.fail(&args, "invalid_argument");
    }
}

#[test]
fn links_and_deps_to_archived_tickets_keep_them_archived() {
    let env = TestEnv::init();
    let old = env.create("old", &[]);
    env.okw(&["close", &old]);
    let archived_path = env.path_of(&old);
    assert!(archived_path.starts_with(env.archive_dir()));

    let new = env.okw(&["create", "new", "--link", suffix(&old), "--dep", &old]);
    let new = new["id"].as_str().unwrap().to_string();
    assert_eq!(
        env.path_of(&old),
        archived_path,
        "reciprocal link unarchived the target"
    );
    assert_eq!(env.show(&old)["links"], json!([new]));
    assert_eq!(env.show(&old)["status"], "closed");
    // A dep on a closed ticket is satisfied.
    assert_eq!(ids(&env.ok(&["ready"])), vec![new.clone()]);

    // Graph writes on the archived ticket itself keep it archived too.
    let other = env.create("other", &[]);
    let v = env.ok_env(&["dep", &old, &other]);
    assert!(v.get("meta").is_none(), "{v}");
    env.ok(&["link", &old, &other]);
    env.ok(&["unlink", &old, &new]);
    assert_eq!(env.path_of(&old), archived_path);
    env.cmd(&["check"]).assert().code(0);
}

#[test]
fn dep_on_an_unknown_id_warns_on_stderr() {
    let env = TestEnv::init();
    let b = env.create("b", &[]);
    let r = env.run(&["dep", &b, "nonexist"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: `nonexist` matches no ticket"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("stays blocked"), "{}", r.stderr);
}

#[test]
fn dep_on_an_unknown_id_warns_in_json_meta() {
    let env = TestEnv::init();
    let b = env.create("b", &[]);
    let v = env.ok_env(&["dep", &b, "nonexist"]);
    let w = strs(&v["meta"]["warnings"]);
    assert_eq!(w.len(), 1, "{v}");
    assert!(w[0].contains("`nonexist` matches no ticket"), "{v}");
    assert!(crate::common::is_lean_write(&v["data"]), "{v}");
    // A dependency on a real ticket warns about nothing.
    let c = env.create("c", &[]);
    let v = env.ok_env(&["dep", &b, &c]);
    assert!(v.get("meta").is_none(), "{v}");
}

#[test]
fn dep_strict_refuses_an_unknown_id_and_writes_nothing() {
    let env = TestEnv::init();
    let b = env.create("b", &[]);
    let before = env.snapshot();
    let err = env.fail(&["dep", &b, "nonexist", "--strict"], "missing_dependency");
    assert_eq!(strs(&err["missing"]), ["nonexist"], "{err}");
    assert_eq!(env.snapshot(), before);
    // A known id passes the strict check.
    let c = env.create("c", &[]);
    env.ok(&["dep", &b, &c, "--strict"]);
}

#[test]
fn create_dep_on_an_unknown_id_warns_and_strict_refuses() {
    let env = TestEnv::init();
    let v = env.ok_env(&["create", "x", "--dep", "ghost"]);
    assert!(strs(&v["meta"]["warnings"])[0].contains("`ghost`"), "{v}");
    let before = env.snapshot();
    env.fail(
        &["create", "y", "--dep", "ghost", "--strict"],
        "missing_dependency",
    );
    assert_eq!(env.snapshot(), before);
}

#[test]
fn depends_strict_refuses_when_any_id_is_unknown() {
    let env = TestEnv::init();
    let b = env.create("b", &[]);
    let c = env.create("c", &[]);
    let before = env.snapshot();
    let on = format!("{c},ghost");
    env.fail(
        &["depends", &b, "--on", &on, "--strict"],
        "missing_dependency",
    );
    assert_eq!(env.snapshot(), before);
}

#[test]
fn show_marks_missing_dependencies() {
    let env = TestEnv::init();
    let c = env.create("c", &[]);
    let b = env.create("b", &["--dep", &c, "--dep", "nonexist"]);
    let r = env.run(&["show", &b]);
    assert!(
        r.stdout.contains(&format!("deps: {c}, nonexist (missing)")),
        "{}",
        r.stdout
    );
    let v = env.ok(&["show", &b]);
    assert_eq!(strs(&v["missing_deps"]), ["nonexist"], "{v}");
}

#[test]
fn blocked_marks_missing_dependencies() {
    let env = TestEnv::init();
    let b = env.create("b", &["--dep", "nonexist"]);
    let r = env.run(&["blocked"]);
    assert!(
        r.stdout
            .contains(&format!("{b} waits on nonexist (missing)")),
        "{}",
        r.stdout
    );
    let v = env.ok_env(&["blocked"]);
    assert_eq!(strs(&v["meta"]["missing_deps"][&b]), ["nonexist"], "{v}");
}
