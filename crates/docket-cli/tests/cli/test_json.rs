use serde_json::{Value, json};

use crate::common::{TestEnv, assert_envelope_shape};

const COMMANDS: &[&str] = &[
    "init", "info", "create", "show", "list", "ls", "ready", "blocked", "closed", "board", "start",
    "status", "close", "reopen", "add-note", "update", "edit", "delete", "dep", "undep", "link",
    "unlink", "check", "prime", "demo",
];

#[test]
fn every_command_speaks_the_envelope() {
    let env = TestEnv::init();
    let a = env.create("a", &["--acceptance", "ac"]);
    let b = env.create("b", &[]);
    let c = env.create("c", &[]);
    let demo_dir = env.home.join("demo");
    let demo_dir = demo_dir.to_str().unwrap();
    let cases: Vec<(Vec<&str>, bool)> = vec![
        (vec!["info"], true),
        (vec!["create", "json"], true),
        (vec!["show", &a], true),
        (vec!["list"], true),
        (vec!["ls"], true),
        (vec!["ready"], true),
        (vec!["blocked"], true),
        (vec!["closed"], true),
        (vec!["board"], true),
        (vec!["start", &a], true),
        (vec!["status", &a, "open"], true),
        (vec!["add-note", &a, "n"], true),
        (vec!["update", &a, "--priority", "1"], true),
        (vec!["dep", &a, &b], true),
        (vec!["dep", "tree", &a], true),
        (vec!["undep", &a, &b], true),
        (vec!["link", &a, &b], true),
        (vec!["unlink", &a, &b], true),
        (vec!["check"], true),
        (vec!["prime"], true),
        (vec!["close", &b], true),
        (vec!["reopen", &b], true),
        (vec!["delete", &c], true),
        (vec!["demo", "--dir", demo_dir], true),
        (vec!["show", "dk-01nope"], false),
        (vec!["close", "dk-01nope"], false),
        (vec!["edit", &a], false),
        (vec!["init"], false),
        (vec!["dep", &a, &a], false),
        (vec!["update", &a, "--type", "nope"], false),
    ];
    for (args, ok) in cases {
        let mut full = args.clone();
        full.push("--json");
        let r = env.run(&full);
        let v = r.envelope();
        assert_eq!(v["ok"], ok, "{args:?}: {v}");
        assert_eq!(r.code, if ok { 0 } else { 1 }, "{args:?}: {v}");
        if !ok {
            assert!(
                r.stderr.is_empty(),
                "{args:?}: errors go in the envelope: {}",
                r.stderr
            );
        }
    }
    let board = env.ok(&["board"]);
    let keys: Vec<&String> = board.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["open", "in_progress", "closed"]);
}

#[test]
fn json_flag_position_does_not_matter() {
    let env = TestEnv::init();
    let id = env.create("x", &[]);
    for args in [
        vec!["--json", "show", id.as_str()],
        vec!["show", "--json", id.as_str()],
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 0);
        assert_eq!(r.envelope()["data"]["id"], id.as_str());
    }
}

#[test]
fn unknown_flags_are_rejected() {
    let env = TestEnv::init();
    let id = env.create("x", &[]);
    let before = env.snapshot();
    for cmd in [
        vec!["list"],
        vec!["ready"],
        vec!["show", id.as_str()],
        vec!["create", "y"],
        vec!["update", id.as_str()],
        vec!["close", id.as_str()],
        vec!["add-note", id.as_str(), "z"],
        vec!["check"],
        vec!["prime"],
        vec!["info"],
        vec!["link", id.as_str(), id.as_str()],
    ] {
        let mut args = cmd.clone();
        args.push("--bogus");
        let r = env.run(&args);
        assert_eq!(r.code, 1, "{args:?}");
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains("--bogus"), "{args:?}: {}", r.stderr);

        args.push("--json");
        let r = env.run(&args);
        assert_eq!(r.code, 1, "{args:?}");
        let v = r.envelope();
        assert_eq!(v["error"]["code"], "invalid_argument", "{args:?}");
        assert!(v["error"]["message"].as_str().unwrap().contains("--bogus"));
    }
    // Typos of real flags (--tag vs --tags) are not silently absorbed.
    env.fail(&["create", "y", "--tag", "a"], "invalid_argument");
    env.fail(&["list", "--tags", "a"], "invalid_argument");
    // Unknown subcommand.
    let r = env.run(&["frobnicate", "--json"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.envelope()["error"]["code"], "invalid_argument");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn help_works_on_every_command() {
    let env = TestEnv::new();
    let r = env.run(&["--help"]);
    assert_eq!(r.code, 0);
    for cmd in COMMANDS {
        assert!(r.stdout.contains(cmd), "top-level help lacks {cmd}");
    }
    let r = env.run(&["--version"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("docket "), "{}", r.stdout);

    for cmd in COMMANDS
        .iter()
        .map(|c| vec![*c])
        .chain([vec!["dep", "tree"]])
    {
        for flag in ["--help", "-h"] {
            let mut args = cmd.clone();
            args.push(flag);
            let r = env.run(&args);
            assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
            assert!(r.stdout.contains("Usage: docket"), "{args:?}: {}", r.stdout);
        }
    }
    let r = env.run(&["help", "create"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("--acceptance"));
    // No subcommand: help on stderr or stdout, but never a crash.
    let r = env.run::<&str>(&[]);
    assert!(r.code == 0 || r.code == 1 || r.code == 2, "{r:?}");
}

#[test]
fn mutating_commands_answer_lean() {
    // Every single-ticket write answers with schema 3 and the lean result
    // `{id, handle, status, changed, logged, archived_to?}`, never the ticket.
    let env = TestEnv::init();
    let a = env.create("a", &[]);
    let b = env.create("b", &[]);
    let check = |args: &[&str], status: &str, changed: Value, logged: Value| {
        let v = env.ok_env(args);
        assert_envelope_shape(&v);
        assert_eq!(v["schema_version"], 3, "{args:?}: {v}");
        assert!(v.get("meta").is_none(), "{args:?}: {v}");
        let d = &v["data"];
        assert!(crate::common::is_lean_write(d), "{args:?}: {d}");
        assert_eq!(d["id"], a.as_str(), "{args:?}");
        assert!(a.starts_with(d["handle"].as_str().unwrap()), "{d}");
        assert_eq!(d["status"], status, "{args:?}: {d}");
        assert_eq!(d["changed"], changed, "{args:?}: {d}");
        assert_eq!(d["logged"], logged, "{args:?}: {d}");
        for k in ["body", "notes", "log", "title"] {
            assert!(d.get(k).is_none(), "{args:?}: `{k}` in lean answer {d}");
        }
        v
    };
    check(
        &["start", &a],
        "in_progress",
        // Starting claims the ticket: the mover becomes the assignee.
        json!({"status": "in_progress", "assignee": "tester"}),
        json!(["transition"]),
    );
    check(
        &["add-note", &a, "x"],
        "in_progress",
        Value::Null,
        json!(["note"]),
    );
    assert_eq!(env.show(&a)["notes"].as_array().unwrap().len(), 1);
    check(
        &["update", &a, "--title", "A"],
        "in_progress",
        json!({"title": "A"}),
        json!(["edit"]),
    );
    check(
        &["dep", &a, &b],
        "in_progress",
        json!({"deps": [b]}),
        json!(["edit"]),
    );
    check(
        &["undep", &a, &b],
        "in_progress",
        json!({"deps": []}),
        json!(["edit"]),
    );
    let v = env.ok_env(&["close", &a]);
    let d = &v["data"];
    assert_eq!(d["status"], "closed");
    assert_eq!(d["changed"]["status"], "closed");
    assert!(d["changed"]["closed"].is_string(), "{d}");
    assert_eq!(d["logged"], json!(["transition"]));
    let archived = d["archived_to"].as_str().expect("archived_to in data");
    assert!(env.root.join(archived).is_file(), "{archived}");
    assert!(v.get("meta").is_none(), "{v}");
    let v = env.ok_env(&["reopen", &a]);
    assert_eq!(v["data"]["status"], "open");
    assert_eq!(
        v["data"]["changed"],
        json!({"status": "open", "closed": null})
    );
    assert!(v["data"].get("archived_to").is_none());
    assert_eq!(env.path_of(&a).parent().unwrap(), env.tickets_dir());
    check(
        &["update", &a, "--priority", "0"],
        "open",
        json!({"priority": 0}),
        json!(["edit"]),
    );
    assert_eq!(env.show(&a)["priority"], 0);
}
