use serde_json::json;

use crate::common::{TestEnv, frontmatter_keys, suffix};

#[test]
fn create_with_every_flag() {
    let env = TestEnv::init();
    let parent = env.create("The epic", &["-t", "epic"]);
    let dep = env.create("Blocker", &[]);
    let target = env.create("Link target", &[]);
    let target_before = env.read(&target);

    let dep_partial = &suffix(&dep)[..14];
    let env_v = env.ok_env(&[
        "create",
        "Fix the Login bug!",
        "-t",
        "bug",
        "-p",
        "1",
        "-a",
        "alice",
        "--mode",
        "afk",
        "--tags",
        "auth,web",
        "--parent",
        &parent,
        "--external-ref",
        "https://example.com/pr/1",
        "--external-ref",
        "GH-2",
        "-d",
        "What and why.",
        "--design",
        "How.",
        "--acceptance",
        "first AC",
        "--acceptance",
        "second AC",
        "--dep",
        dep_partial,
        "--dep",
        "dk-01future",
        "--link",
        &target,
    ]);
    // Only the forward reference's warning rides in `meta`.
    assert_eq!(
        env_v["meta"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect::<Vec<_>>()),
        Some(vec!["warnings"]),
        "create never archives: {env_v}"
    );
    // The write answers lean (schema 3): which ticket, its handle, its status,
    // the title as the only `changed` key and the `created` log entry.
    assert_eq!(env_v["schema_version"], 3, "{env_v}");
    let w = &env_v["data"];
    let id = w["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("dk-"), "{id}");
    assert_eq!(suffix(&id).len(), 16);
    assert!(id.starts_with(w["handle"].as_str().unwrap()), "{w}");
    assert_eq!(w["status"], "open");
    // docs/JSON.md says `changed` is `{title}` for create; the API also flags
    // the body sections it wrote (`description`/`design: true`). Pin the title
    // and that no other frontmatter field is listed (see the report to the lead).
    assert_eq!(w["changed"]["title"], "Fix the Login bug!");
    for (k, v) in w["changed"].as_object().unwrap() {
        assert!(
            k == "title" || (["description", "design"].contains(&k.as_str()) && v == true),
            "unexpected `changed.{k}` on create: {w}"
        );
    }
    assert_eq!(w["logged"], json!(["created"]));
    assert!(w.get("archived_to").is_none(), "{w}");
    // The ticket as written.
    let t = &env.show(&id);
    assert_eq!(t["title"], "Fix the Login bug!");
    assert_eq!(t["status"], "open");
    assert_eq!(t["type"], "bug");
    assert_eq!(t["priority"], 1);
    assert_eq!(t["mode"], "afk");
    assert_eq!(t["assignee"], "alice");
    assert_eq!(t["parent"], parent.as_str());
    assert_eq!(t["tags"], json!(["auth", "web"]));
    assert_eq!(
        t["external_refs"],
        json!(["https://example.com/pr/1", "GH-2"])
    );
    // --dep resolves partial ids and keeps unknown ones verbatim.
    assert_eq!(t["deps"], json!([dep, "dk-01future"]));
    assert_eq!(t["links"], json!([target]));
    assert_eq!(
        t["acceptance"],
        json!([{"title": "first AC", "done": false}, {"title": "second AC", "done": false}])
    );
    assert_eq!(t["description"], "What and why.");
    assert_eq!(t["design"], "How.");
    assert!(t["closed"].is_null());
    assert_eq!(t["created"], t["updated"]);

    // File name and location.
    let path = env.path_of(&id);
    assert_eq!(path.parent().unwrap(), env.tickets_dir());
    assert_eq!(
        path.file_name().unwrap().to_string_lossy(),
        format!("{id}--fix-the-login-bug.md")
    );
    assert_eq!(
        t["path"],
        format!(".docket/tickets/{id}--fix-the-login-bug.md")
    );

    // Frontmatter key order is fixed.
    let text = env.read(&id);
    assert_eq!(
        frontmatter_keys(&text),
        vec![
            "id",
            "title",
            "status",
            "type",
            "priority",
            "mode",
            "assignee",
            "parent",
            "created",
            "updated",
            "tags",
            "external_refs",
            "deps",
            "links",
            "acceptance"
        ]
    );
    // The acceptance criteria live only in the frontmatter; the body has sections.
    assert!(text.contains("## Description\n\nWhat and why.\n"), "{text}");
    assert!(text.contains("## Design\n\nHow.\n"), "{text}");
    assert!(!text.contains("## Acceptance"), "{text}");
    assert!(
        text.find("## Description").unwrap() < text.find("## Design").unwrap(),
        "{text}"
    );

    // The link is reciprocal.
    let target_after = env.read(&target);
    assert_ne!(target_after, target_before);
    assert_eq!(env.show(&target)["links"], json!([id]));
    // The dep target is not touched.
    assert_eq!(env.show(&dep)["links"], json!([]));
    env.cmd(&["check", "--severity", "error"]).assert().code(0);
}

#[test]
fn minimal_create_uses_defaults_and_omits_empty_keys() {
    let env = TestEnv::init();
    let t = env.okw(&["create", "  Just a title  "]);
    assert_eq!(t["title"], "Just a title");
    assert_eq!(t["status"], "open");
    assert_eq!(t["type"], "task");
    assert_eq!(t["priority"], 2);
    assert_eq!(t["mode"], "hitl");
    for k in ["tags", "deps", "links", "external_refs", "acceptance"] {
        assert_eq!(t[k], json!([]), "{k} must be an empty array");
    }
    assert_eq!(t["notes"], json!([]));
    let text = env.read(t["id"].as_str().unwrap());
    assert_eq!(
        frontmatter_keys(&text),
        vec![
            "id", "title", "status", "type", "priority", "mode", "created", "updated"
        ]
    );
    assert!(text.starts_with(&format!("---\nid: {}\n", t["id"].as_str().unwrap())));
}

#[test]
fn create_human_output() {
    let env = TestEnv::init();
    let r = env.run(&["create", "Human output"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("created dk-"), "{}", r.stdout);
    assert!(r.stdout.contains("Human output  [open]"), "{}", r.stdout);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn create_dep_dedupes_and_dep_plus_link_records_both() {
    let env = TestEnv::init();
    let a = env.create("a", &[]);
    let t = env.okw(&[
        "create",
        "b",
        "--dep",
        &a,
        "--dep",
        suffix(&a),
        "--link",
        &a,
        "--link",
        &a,
    ]);
    assert_eq!(t["deps"], json!([a]));
    assert_eq!(t["links"], json!([a]));
}

#[test]
fn bad_link_is_not_found_and_writes_nothing() {
    let env = TestEnv::init();
    let good = env.create("good target", &[]);
    let before = env.snapshot();

    let err = env.fail(&["create", "x", "--link", "dk-01nope"], "not_found");
    assert_eq!(err["input"], "dk-01nope");
    assert_eq!(env.snapshot(), before);

    // A good link followed by a bad one: still nothing written, target untouched.
    env.fail(
        &["create", "x", "--link", &good, "--link", "nope"],
        "not_found",
    );
    assert_eq!(env.snapshot(), before);

    // A bad parent is strict as well.
    env.fail(&["create", "x", "--parent", "dk-01nope"], "not_found");
    assert_eq!(env.snapshot(), before);

    let r = env.run(&["create", "x", "--link", "nope"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("nope"), "{}", r.stderr);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn invalid_values_are_rejected_before_writing() {
    let env = TestEnv::init();
    let before = env.snapshot();
    for args in [
        vec!["create", "x", "-t", "story"],
        vec!["create", "x", "--mode", "auto"],
        vec!["create", "x", "-p", "5"],
        vec!["create", "x", "-p", "-1"],
        vec!["create", "   "],
        vec!["create", "x", "--acceptance", " "],
    ] {
        let err = env.fail(&args, "invalid_argument");
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    // Not a number at all: a usage error, same code.
    env.fail(&["create", "x", "-p", "high"], "invalid_argument");
    assert_eq!(env.snapshot(), before);
    assert!(before.is_empty());
}

#[test]
fn slug_is_derived_from_title() {
    let env = TestEnv::init();
    let id = env.create("¡¡¡", &[]);
    assert!(env.path_of(&id).ends_with(format!("{id}--ticket.md")));
    let id = env.create("Über  café -- déjà vu 2", &[]);
    let name = env
        .path_of(&id)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(name, format!("{id}--ber-caf-d-j-vu-2.md"));
    let all = env.ok(&["list"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
}
