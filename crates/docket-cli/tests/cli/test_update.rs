use serde_json::json;

use crate::common::{TestEnv, frontmatter_keys};

#[test]
fn update_frontmatter_fields() {
    let env = TestEnv::init();
    let parent = env.create("parent", &[]);
    let id = env.create("Original title", &["-a", "alice", "--tags", "a,b"]);
    let path = env.path_of(&id);

    let t = env.okw(&[
        "update",
        &id,
        "--title",
        "New title",
        "--type",
        "bug",
        "--priority",
        "0",
        "--mode",
        "afk",
        "--parent",
        &parent,
    ]);
    assert_eq!(t["title"], "New title");
    assert_eq!(t["type"], "bug");
    assert_eq!(t["priority"], 0);
    assert_eq!(t["mode"], "afk");
    assert_eq!(t["parent"], parent.as_str());
    // The file name keeps its original slug.
    assert_eq!(env.path_of(&id), path);
    assert!(path.to_string_lossy().ends_with("--original-title.md"));

    let t = env.okw(&["update", &id, "--assignee", ""]);
    assert!(t["assignee"].is_null());
    assert!(!frontmatter_keys(&env.read(&id)).contains(&"assignee".to_string()));
    let t = env.okw(&["update", &id, "-a", "bob"]);
    assert_eq!(t["assignee"], "bob");

    let t = env.okw(&["update", &id, "--parent", ""]);
    assert!(t["parent"].is_null());
    env.fail(&["update", &id, "--parent", &id], "invalid_argument");
    env.fail(&["update", &id, "--parent", "dk-01nope"], "not_found");

    let t = env.okw(&[
        "update",
        &id,
        "--external-ref",
        "https://x/1",
        "--external-ref",
        "GH-2",
    ]);
    assert_eq!(t["external_refs"], json!(["https://x/1", "GH-2"]));
    let t = env.okw(&["update", &id, "--external-ref", "GH-3"]);
    assert_eq!(t["external_refs"], json!(["GH-3"]));
    let t = env.okw(&["update", &id, "--external-ref"]);
    assert_eq!(t["external_refs"], json!([]));
    assert!(!frontmatter_keys(&env.read(&id)).contains(&"external_refs".to_string()));
}

#[test]
fn update_invalid_values_change_nothing() {
    let env = TestEnv::init();
    let id = env.create("x", &[]);
    let before = env.snapshot();
    for args in [
        vec!["update", id.as_str(), "--type", "story"],
        vec!["update", id.as_str(), "--mode", "auto"],
        vec!["update", id.as_str(), "--priority", "7"],
        vec!["update", id.as_str(), "--priority", "-1"],
        vec!["update", id.as_str(), "--title", "  "],
        vec!["update", id.as_str(), "--status", "doing"],
        vec!["update", id.as_str(), "--ac", "nope", "--done"],
        vec!["update", id.as_str(), "--priority", "0", "--type", "story"],
    ] {
        env.fail(&args, "invalid_argument");
    }
    assert_eq!(env.snapshot(), before);
}

#[test]
fn update_tags() {
    let env = TestEnv::init();
    let id = env.create("tags", &["--tags", "a,b,c"]);
    let t = env.okw(&[
        "update",
        &id,
        "--add-tag",
        "d",
        "--add-tag",
        "a",
        "--remove-tag",
        "b",
    ]);
    assert_eq!(t["tags"], json!(["a", "c", "d"]));
    let t = env.okw(&["update", &id, "--tags", "p0, auth"]);
    assert_eq!(t["tags"], json!(["p0", "auth"]));
    let t = env.okw(&["update", &id, "--remove-tag", "p0", "--remove-tag", "auth"]);
    assert_eq!(t["tags"], json!([]));
    assert!(!frontmatter_keys(&env.read(&id)).contains(&"tags".to_string()));
    env.okw(&["update", &id, "--tags", "x"]);
    let t = env.okw(&["update", &id, "--tags", ""]);
    assert_eq!(t["tags"], json!([]));

    let before = env.snapshot();
    env.fail(
        &["update", &id, "--tags", "a", "--add-tag", "b"],
        "invalid_argument",
    );
    env.fail(
        &["update", &id, "--tags", "a", "--remove-tag", "b"],
        "invalid_argument",
    );
    assert_eq!(env.snapshot(), before);
}

#[test]
fn update_body_sections() {
    let env = TestEnv::init();
    let id = env.create("body", &["-d", "old desc"]);
    env.okw(&["add-note", &id, "keep me"]);

    let t = env.okw(&[
        "update",
        &id,
        "--description",
        "new desc",
        "--design",
        "the design",
    ]);
    assert_eq!(t["description"], "new desc");
    assert_eq!(t["design"], "the design");
    assert_eq!(t["notes"][0]["text"], "keep me");
    let text = env.read(&id);
    let (d, g, n) = (
        text.find("## Description").unwrap(),
        text.find("## Design").unwrap(),
        text.find("## Log").unwrap(),
    );
    assert!(d < g && g < n, "{text}");
    assert!(!text.contains("old desc"));

    let before = env.snapshot();
    env.fail(
        &["update", &id, "--body", "x", "--description", "y"],
        "invalid_argument",
    );
    env.fail(
        &["update", &id, "--body", "x", "--design", "y"],
        "invalid_argument",
    );
    assert_eq!(env.snapshot(), before);

    // --body replaces the text but not the append-only log (notes survive).
    let t = env.okw(&["update", &id, "--body", "Plain body."]);
    assert!(
        t.get("body").is_none(),
        "show --full no longer sends the body"
    );
    assert_eq!(t["changed"]["description"], true, "{t}");
    assert_eq!(t["changed"]["design"], true, "{t}");
    assert_eq!(t["description"], "");
    assert_eq!(t["design"], "");
    assert_eq!(t["notes"][0]["text"], "keep me");
    assert!(env.read(&id).contains("---\n\nPlain body.\n\n## Log\n"));
    env.fail(
        &["update", &id, "--body", "x\n## Log\nforged"],
        "invalid_argument",
    );
}

#[test]
fn update_acceptance_criteria() {
    let env = TestEnv::init();
    let id = env.create("acs", &["--acceptance", "one", "--acceptance", "two"]);

    let t = env.okw(&["update", &id, "--ac", "one", "--done"]);
    assert_eq!(
        t["acceptance"],
        json!([{"title": "one", "done": true}, {"title": "two", "done": false}])
    );
    let t = env.okw(&["update", &id, "--ac", "one", "--undone"]);
    assert_eq!(t["acceptance"][0]["done"], false);

    let t = env.okw(&["update", &id, "--add-ac", "three", "--add-ac", "one"]);
    assert_eq!(
        t["acceptance"].as_array().unwrap().len(),
        3,
        "adds are idempotent"
    );
    let t = env.okw(&["update", &id, "--remove-ac", "two", "--remove-ac", "absent"]);
    assert_eq!(
        t["acceptance"],
        json!([{"title": "one", "done": false}, {"title": "three", "done": false}])
    );

    // add -> flip -> remove in one call: a flip can target a just-added title.
    let t = env.okw(&[
        "update",
        &id,
        "--add-ac",
        "four",
        "--ac",
        "four",
        "--done",
        "--remove-ac",
        "one",
    ]);
    assert_eq!(
        t["acceptance"],
        json!([{"title": "three", "done": false}, {"title": "four", "done": true}])
    );

    let before = env.snapshot();
    let err = env.fail(
        &["update", &id, "--add-ac", "x", "--remove-ac", "x"],
        "invalid_argument",
    );
    assert!(err["message"].as_str().unwrap().contains('x'));
    // --ac needs --done or --undone; they are exclusive; they need --ac.
    env.fail(&["update", &id, "--ac", "three"], "invalid_argument");
    env.fail(
        &["update", &id, "--ac", "three", "--done", "--undone"],
        "invalid_argument",
    );
    env.fail(&["update", &id, "--done"], "invalid_argument");
    // Titles must match exactly; the error lists the real ones.
    let err = env.fail(
        &["update", &id, "--ac", "Three", "--done"],
        "invalid_argument",
    );
    assert_eq!(err["title"], "Three", "{err}");
    assert_eq!(err["known"], json!(["three", "four"]), "{err}");
    assert_eq!(env.snapshot(), before);

    // Emptying the list clears the key.
    let t = env.okw(&["update", &id, "--remove-ac", "three", "--remove-ac", "four"]);
    assert_eq!(t["acceptance"], json!([]));
    assert!(!frontmatter_keys(&env.read(&id)).contains(&"acceptance".to_string()));
}

#[test]
fn check_last_criterion_then_close_in_one_call() {
    let env = TestEnv::init();
    let id = env.create("almost", &["--acceptance", "first", "--acceptance", "last"]);
    env.okw(&["start", &id]);
    env.okw(&["update", &id, "--ac", "first", "--done"]);
    let v = env.ok_env(&[
        "update", &id, "--ac", "last", "--done", "--status", "closed",
    ]);
    assert_eq!(v["data"]["status"], "closed");
    assert_eq!(
        v["data"]["changed"]["acceptance"][1],
        json!({"title": "last", "done": true})
    );
    assert_eq!(
        env.show(&id)["acceptance"][1],
        json!({"title": "last", "done": true})
    );
    assert!(env.path_of(&id).starts_with(env.archive_dir()));
    assert!(
        v["data"]["archived_to"]
            .as_str()
            .unwrap()
            .starts_with(".docket/archive/")
    );
    env.cmd(&["check"]).assert().code(0);
}

#[test]
fn no_op_update_leaves_the_file_untouched() {
    let env = TestEnv::init();
    let id = env.create(
        "Stable",
        &[
            "-p",
            "1",
            "--tags",
            "a,b",
            "-a",
            "alice",
            "-d",
            "desc",
            "--acceptance",
            "ac",
        ],
    );
    let path = env.path_of(&id);
    let bytes = std::fs::read(&path).unwrap();
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));

    for args in [
        vec!["update", id.as_str()],
        vec!["update", id.as_str(), "--title", "Stable"],
        vec![
            "update",
            id.as_str(),
            "--priority",
            "1",
            "--type",
            "task",
            "--mode",
            "hitl",
        ],
        vec!["update", id.as_str(), "--tags", "a,b"],
        vec![
            "update",
            id.as_str(),
            "--add-tag",
            "a",
            "--remove-tag",
            "zzz",
        ],
        vec!["update", id.as_str(), "-a", "alice"],
        vec!["update", id.as_str(), "--description", "desc"],
        vec!["update", id.as_str(), "--ac", "ac", "--undone"],
        vec!["update", id.as_str(), "--add-ac", "ac"],
        vec!["update", id.as_str(), "--status", "open"],
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stdout.contains("no change"), "{args:?}: {}", r.stdout);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{args:?} rewrote the file"
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            mtime,
            "{args:?} touched the file"
        );
    }
    // A real change does bump `updated`.
    let r = env.run_at(
        "2030-01-01T00:00:00Z",
        &["update", &id, "--priority", "3", "--json"],
    );
    assert_eq!(r.code, 0);
    let w = r.envelope()["data"].clone();
    // `updated` is never listed in `changed`; the ticket shows it bumped.
    assert_eq!(w["changed"], json!({"priority": 3}), "{w}");
    assert_eq!(env.show(&id)["updated"], "2030-01-01T00:00:00Z");
}

#[test]
fn unknown_frontmatter_keys_survive_round_trips() {
    let env = TestEnv::init();
    let id = "dk-01handwritten0";
    let text = "---\n\
id: dk-01handwritten0\n\
title: Hand written\n\
status: open\n\
zeta: 1\n\
type: task\n\
priority: 2\n\
mode: hitl\n\
created: \"2026-01-01T00:00:00Z\"\n\
updated: \"2026-01-01T00:00:00Z\"\n\
custom_list:\n\
- x\n\
- y\n\
- on\n\
alpha: keep me\n\
nested:\n  inner: true\n\
---\n\n## Description\n\nhello\n";
    env.write_file("tickets", "dk-01handwritten0--hand-written.md", text);

    let t = env.show(id);
    assert_eq!(
        t["extra"],
        json!({"zeta": 1, "custom_list": ["x", "y", "on"], "alpha": "keep me", "nested": {"inner": true}})
    );
    let keys: Vec<&String> = t["extra"].as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["zeta", "custom_list", "alpha", "nested"]);

    env.okw(&["update", id, "--priority", "1", "--add-tag", "t"]);
    env.okw(&["add-note", id, "n"]);
    env.okw(&["start", id]);
    let after = env.read(id);
    let keys = frontmatter_keys(&after);
    let pos = |k: &str| {
        keys.iter()
            .position(|x| x == k)
            .unwrap_or_else(|| panic!("{k} lost:\n{after}"))
    };
    assert!(pos("zeta") < pos("custom_list"));
    assert!(pos("custom_list") < pos("alpha"));
    assert!(pos("alpha") < pos("nested"));
    assert!(after.contains("alpha: keep me"), "{after}");
    let t = env.show(id);
    assert_eq!(
        t["extra"],
        json!({"zeta": 1, "custom_list": ["x", "y", "on"], "alpha": "keep me", "nested": {"inner": true}})
    );
    assert_eq!(t["priority"], 1);
    assert_eq!(t["description"], "hello");

    // A hand-written file round-trips byte for byte through a no-op update.
    let before = std::fs::read(env.path_of(id)).unwrap();
    env.okw(&["update", id, "--priority", "1"]);
    assert_eq!(std::fs::read(env.path_of(id)).unwrap(), before);
    env.cmd(&["check"]).assert().code(0);
}

#[test]
fn yaml_1_1_boolean_spellings_stay_text() {
    let env = TestEnv::init();
    env.write_file(
        "tickets",
        "dk-01yes--yes.md",
        "---\nid: dk-01yes\ntitle: yes\nstatus: open\nassignee: n\ntags:\n- y\n- off\nflag: on\nreal: true\n---\n",
    );
    let t = env.show("dk-01yes");
    assert_eq!(t["title"], "yes");
    assert_eq!(t["assignee"], "n");
    assert_eq!(t["tags"], json!(["y", "off"]));
    assert_eq!(t["extra"], json!({"flag": "on", "real": true}));
    let t = env.okw(&["update", "dk-01yes", "--priority", "1"]);
    assert_eq!(t["tags"], json!(["y", "off"]));
    assert_eq!(t["extra"], json!({"flag": "on", "real": true}));
    let t = env.show("dk-01yes");
    assert_eq!(t["title"], "yes");
    assert_eq!(t["extra"], json!({"flag": "on", "real": true}));
}
