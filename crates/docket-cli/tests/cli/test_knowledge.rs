//! `docket context` and `docket doc`: files under `.docket/`, atomic writes,
//! validated keys; `prime`, `show`, `search` and `create/update --doc` use them.

use serde_json::json;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// Every file under `.docket/` except `local/`, with its bytes: "nothing written"
/// covers context and docs too.
fn tree(env: &TestEnv) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "local") {
                    walk(&p, out);
                }
            } else {
                out.insert(p.clone(), std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&env.docket_dir(), &mut out);
    out
}

#[test]
fn context_entries_round_trip() {
    let env = TestEnv::init();
    let c = env.ok(&[
        "context",
        "add",
        "build",
        "--body",
        "Build with cargo.\nNever --release.",
    ]);
    assert_eq!(
        c,
        json!({"key": "build", "action": "added", "path": ".docket/context/build.md"})
    );
    assert_eq!(
        std::fs::read_to_string(env.docket_dir().join("context/build.md")).unwrap(),
        "Build with cargo.\nNever --release.\n"
    );
    std::fs::write(env.root.join("fact.md"), "# Time\nTests pin DOCKET_NOW\n").unwrap();
    env.ok(&["context", "add", "time", "--file", "fact.md"]);
    let r = TestEnv::run_cmd({
        let mut c = env.cmd(&["context", "add", "stdin-key", "--stdin", "--json"]);
        c.write_stdin("from stdin\n");
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    let l = env.ok(&["context", "list"]);
    assert_eq!(l["total"], 3);
    assert_eq!(
        l["items"][0],
        json!({"key": "build", "summary": "Build with cargo."})
    );
    assert_eq!(l["items"][2], json!({"key": "time", "summary": "Time"}));
    let all = env.ok(&["context", "readall"]);
    assert_eq!(
        all["items"][0]["body"],
        "Build with cargo.\nNever --release."
    );
    env.ok(&["context", "update", "build", "--body", "Use cargo check"]);
    assert_eq!(
        env.ok(&["context", "readall"])["items"][0]["body"],
        "Use cargo check"
    );
    env.ok(&["context", "delete", "stdin-key"]);
    assert_eq!(env.ok(&["context", "list"])["total"], 2);
    // Human output.
    let r = env.run(&["context", "readall"]);
    assert!(
        r.stdout.contains("## build\nUse cargo check"),
        "{}",
        r.stdout
    );
}

#[test]
fn context_refuses_bad_input_and_writes_nothing() {
    let env = TestEnv::init();
    env.ok(&["context", "add", "k", "--body", "x"]);
    let before = tree(&env);
    let ctx_dir = env.docket_dir().join("context");
    let listing = || {
        let mut v: Vec<String> = std::fs::read_dir(&ctx_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let files = listing();
    let e = env.fail(&["context", "add", "k", "--body", "y"], "entry_exists");
    assert!(
        e["hint"]
            .as_str()
            .unwrap()
            .contains("docket context update k"),
        "{e}"
    );
    env.fail(
        &["context", "update", "missing", "--body", "y"],
        "entry_not_found",
    );
    env.fail(&["context", "delete", "missing"], "entry_not_found");
    for bad in ["../evil", "a/b", ".x", "-x", "a b", ""] {
        env.fail(&["context", "add", bad, "--body", "y"], "invalid_argument");
    }
    env.fail(&["context", "add", "new"], "invalid_argument");
    env.fail(
        &["context", "add", "new", "--body", "  "],
        "invalid_argument",
    );
    env.fail(
        &["context", "add", "new", "--body", "x", "--stdin"],
        "invalid_argument",
    );
    env.fail(&["context", "add", "new", "--file", "nope.md"], "io_error");
    assert_eq!(tree(&env), before);
    assert_eq!(listing(), files);
    assert!(!env.home.join("evil.md").exists());
}

#[test]
fn prime_shows_context_first_lines() {
    let env = TestEnv::init();
    env.ok(&[
        "context",
        "add",
        "build",
        "--body",
        "Build with cargo.\nSecond line hidden.",
    ]);
    let p = env.ok(&["prime"]);
    assert_eq!(
        p["context"]["items"],
        json!([{"key": "build", "summary": "Build with cargo."}])
    );
    let r = env.run(&["prime"]);
    assert!(
        r.stdout.contains("build: Build with cargo."),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("Second line hidden"), "{}", r.stdout);
    for i in 0..12 {
        env.ok(&["context", "add", &format!("k{i:02}"), "--body", "fact"]);
    }
    let p = env.ok(&["prime"]);
    assert_eq!(p["context"]["items"].as_array().unwrap().len(), 8);
    assert_eq!(p["context"]["more"], 5);
}

#[test]
fn prime_stays_small_with_context_on_500_tickets() {
    let env = TestEnv::new();
    let r = env.run(&[
        "gen",
        "--count",
        "500",
        "--out",
        env.root.to_str().unwrap(),
        "--seed",
        "7",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let long = "a fact every agent must know ".repeat(20);
    for i in 0..20 {
        env.ok(&["context", "add", &format!("fact-{i:02}"), "--body", &long]);
    }
    let r = env.run(&["prime"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // ~1,500 cl100k tokens at ~3.7 bytes per token.
    assert!(
        r.stdout.len() < 5_500,
        "prime is {} bytes:\n{}",
        r.stdout.len(),
        r.stdout
    );
    assert!(
        r.stdout.contains("… and 12 more: `docket context list`"),
        "{}",
        r.stdout
    );
}

#[test]
fn prime_without_context_has_no_context_key() {
    let env = TestEnv::init();
    assert!(env.ok(&["prime"]).get("context").is_none());
}

#[test]
fn docs_add_list_read_archive() {
    let env = TestEnv::init();
    let d = env.ok(&[
        "doc",
        "add",
        "adr-001",
        "--title",
        "Use jiff",
        "--body",
        "We parse durations with jiff.",
    ]);
    assert_eq!(d["slug"], "adr-001");
    assert_eq!(d["title"], "Use jiff");
    assert_eq!(d["path"], ".docket/docs/adr-001.md");
    assert_eq!(
        std::fs::read_to_string(env.docket_dir().join("docs/adr-001.md")).unwrap(),
        "# Use jiff\n\nWe parse durations with jiff.\n"
    );
    std::fs::write(env.root.join("spec.md"), "Spec body\n").unwrap();
    env.ok(&["doc", "add", "spec", "--file", "spec.md"]);
    let l = env.ok(&["doc", "list"]);
    assert_eq!(l["total"], 2);
    assert_eq!(
        l["items"][1]["title"], "spec",
        "the title defaults to the slug"
    );
    let r = env.ok(&["doc", "read", "adr-001"]);
    assert_eq!(r["body"], "We parse durations with jiff.");
    assert_eq!(r["archived"], false);
    env.fail(
        &["doc", "add", "adr-001", "--body", "again"],
        "entry_exists",
    );
    let a = env.ok(&["doc", "archive", "adr-001"]);
    assert_eq!(a["path"], ".docket/docs/archive/adr-001.md");
    assert_eq!(env.ok(&["doc", "list"])["total"], 1);
    assert_eq!(env.ok(&["doc", "list", "--archived"])["total"], 2);
    assert_eq!(env.ok(&["doc", "read", "adr-001"])["archived"], true);
    // The slug is free again; archiving twice keeps both old copies.
    env.ok(&["doc", "add", "adr-001", "--body", "second"]);
    env.ok(&["doc", "archive", "adr-001"]);
    assert!(env.docket_dir().join("docs/archive/adr-001-2.md").exists());
    let before = tree(&env);
    env.fail(&["doc", "read", "nope"], "entry_not_found");
    env.fail(&["doc", "archive", "nope"], "entry_not_found");
    env.fail(
        &["doc", "add", "../../x", "--body", "b"],
        "invalid_argument",
    );
    env.fail(
        &["doc", "add", "t", "--title", "two\nlines", "--body", "b"],
        "invalid_argument",
    );
    env.fail(&["doc", "add", "t"], "invalid_argument");
    assert_eq!(tree(&env), before);
}

#[test]
fn tickets_reference_docs() {
    let env = TestEnv::init();
    env.ok(&["doc", "add", "adr-1", "--body", "b"]);
    env.ok(&["doc", "add", "adr-2", "--body", "b"]);
    let id = env.create("refers", &["--doc", "adr-1"]);
    let t = env.ok(&["show", &id]);
    assert_eq!(t["docs"], json!(["adr-1"]));
    assert!(
        env.read(&id).contains("docs:\n- adr-1\n") || env.read(&id).contains("docs: [adr-1]"),
        "{}",
        env.read(&id)
    );
    let w = env.ok(&["update", &id, "--doc", "adr-2", "--remove-doc", "adr-1"]);
    assert_eq!(w["changed"]["docs"], json!(["adr-2"]));
    let r = env.run(&["show", &id]);
    assert!(r.stdout.contains("docs: adr-2"), "{}", r.stdout);
    let before = tree(&env);
    env.fail(&["create", "bad", "--doc", "missing"], "entry_not_found");
    env.fail(&["update", &id, "--doc", "../x"], "invalid_argument");
    env.fail(&["update", &id, "--doc", "missing"], "entry_not_found");
    assert_eq!(tree(&env), before);
    env.ok(&["check"]);
}

#[test]
fn search_finds_words_in_docs() {
    let env = TestEnv::init();
    env.ok(&[
        "doc",
        "add",
        "adr-7",
        "--title",
        "Storage",
        "--body",
        "Writes are atomic renames.",
    ]);
    env.create("atomic ticket", &[]);
    let v = env.ok_env(&["search", "atomic"]);
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["meta"]["docs"][0]["slug"], "adr-7");
    assert_eq!(v["meta"]["docs"][0]["line"], "Writes are atomic renames.");
    let v = env.ok_env(&["search", "renames"]);
    assert_eq!(v["data"], json!([]));
    assert_eq!(v["meta"]["docs"][0]["title"], "Storage");
    let r = env.run(&["search", "renames"]);
    assert!(r.stdout.contains("adr-7 (Storage)"), "{}", r.stdout);
}

#[test]
fn tkt_conveniences() {
    let env = TestEnv::init();
    // `new` is `create`.
    let id = env.ok(&["new", "via new", "--attention", "5"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(env.ok(&["show", &id])["attention"], 5);
    std::fs::write(env.root.join("desc.md"), "From a file.\n").unwrap();
    let id = env.create("described", &["--description-file", "desc.md"]);
    assert_eq!(env.ok(&["show", &id])["description"], "From a file.");
    let before = tree(&env);
    env.fail(&["create", "x", "--attention", "100"], "invalid_argument");
    env.fail(&["create", "x", "--attention", "-1"], "invalid_argument");
    env.fail(
        &["create", "x", "--description-file", "missing.md"],
        "io_error",
    );
    env.fail(
        &["create", "x", "-d", "a", "--description-file", "desc.md"],
        "invalid_argument",
    );
    assert_eq!(tree(&env), before);
    let r = env.run(&["--help"]);
    assert!(r.stdout.contains("[alias: new]"), "{}", r.stdout);
}

#[test]
fn doc_add_from_stdin_and_help() {
    let env = TestEnv::init();
    let r = TestEnv::run_cmd({
        let mut c = env.cmd(&[
            "doc", "add", "spec-1", "--title", "Spec", "--stdin", "--json",
        ]);
        c.write_stdin("Line one\nLine two\n");
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        env.ok(&["doc", "read", "spec-1"])["body"],
        "Line one\nLine two"
    );
    for args in [
        &["context", "--help"][..],
        &["context", "add", "--help"],
        &["doc", "--help"],
        &["doc", "add", "--help"],
        &["log", "--help"],
        &["stats", "--help"],
        &["monitor", "--help"],
    ] {
        let r = env.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stdout.contains("Usage: docket"), "{args:?}: {}", r.stdout);
    }
}

#[test]
fn man_state_machine_and_stats_pages() {
    let env = TestEnv::init();
    let p = env.ok(&["man", "state-machine"]);
    assert_eq!(p["name"], "states");
    assert!(p["text"].as_str().unwrap().contains("plan-first"));
    let p = env.ok(&["man", "stats"]);
    let text = p["text"].as_str().unwrap();
    assert!(text.contains("docket log <id>"), "{text}");
    assert!(text.contains("--window"), "{text}");
    let list = env.ok(&["man"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for want in ["stats", "states", "insight", "knowledge"] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
}

#[test]
fn doc_update_and_edit() {
    let env = TestEnv::init();
    env.ok(&[
        "doc",
        "add",
        "adr-2",
        "--title",
        "Old title",
        "--body",
        "Old body.",
    ]);
    let d = env.ok(&["doc", "update", "adr-2", "--title", "New title"]);
    assert_eq!(
        (d["title"].clone(), d["changed"].clone()),
        (json!("New title"), json!(true))
    );
    assert_eq!(env.ok(&["doc", "read", "adr-2"])["body"], "Old body.");
    std::fs::write(env.root.join("b.md"), "New body.\n").unwrap();
    env.ok(&["doc", "update", "adr-2", "--file", "b.md"]);
    let path = env.docket_dir().join("docs/adr-2.md");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# New title\n\nNew body.\n"
    );
    let d = env.ok(&["doc", "update", "adr-2", "--body", "New body."]);
    assert_eq!(d["changed"], false);
    let before = tree(&env);
    env.fail(&["doc", "update", "adr-2"], "invalid_argument");
    env.fail(&["doc", "update", "nope", "--body", "x"], "entry_not_found");
    env.fail(
        &["doc", "update", "../adr-2", "--body", "x"],
        "invalid_argument",
    );
    env.fail(
        &["doc", "update", "adr-2", "--body", " "],
        "invalid_argument",
    );
    // No terminal here: edit refuses and points at update.
    let e = env.fail(&["doc", "edit", "adr-2"], "not_interactive");
    assert!(e["message"].as_str().unwrap().contains("doc update"), "{e}");
    env.fail(&["doc", "edit", "nope"], "entry_not_found");
    assert_eq!(tree(&env), before);
}
