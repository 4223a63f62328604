use serde_json::json;

use crate::common::{TestEnv, suffix};

#[test]
fn show_by_full_id_id_prefix_and_suffix_prefix() {
    let env = TestEnv::init();
    let id = env.create("Findable", &["-d", "desc"]);
    let other = env.create("Other", &[]);
    let _ = other;

    // Unique prefixes: the tail of the suffix differs between the two tickets,
    // so the full-length-minus-one prefixes are unique.
    let id_prefix = &id[..id.len() - 1];
    let suffix_prefix = &suffix(&id)[..suffix(&id).len() - 1];
    for input in [id.as_str(), id_prefix, suffix_prefix, &id.to_uppercase()] {
        let t = env.show(input);
        assert_eq!(t["id"], id.as_str(), "input {input}");
        assert_eq!(t["title"], "Findable");
        assert_eq!(t["description"], "desc");
        assert!(t.get("body").is_none(), "--full no longer repeats the body");
        // The compact default resolves the same inputs.
        let c = env.ok(&["show", input]);
        assert_eq!(c["id"], id.as_str(), "input {input}");
        assert_eq!(c["description"], "desc");
    }
    assert!(env.read(&id).contains("## Description\n\ndesc\n"));
}

#[test]
fn ambiguous_prefix_lists_sorted_candidates() {
    let env = TestEnv::init();
    // Ids start with random characters, so tickets rarely share a handle;
    // make four that do (as a merge of two branches could), by hand.
    let mut ids: Vec<String> = Vec::new();
    for i in 0..4 {
        let id = env.create(&format!("t{i}"), &[]);
        let path = env.path_of(&id);
        let shared_id = format!("dk-aaaa{}", &suffix(&id)[4..]);
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace(&id, &shared_id);
        std::fs::remove_file(&path).unwrap();
        env.write_file("tickets", &format!("{shared_id}--t{i}.md"), &text);
        ids.push(shared_id);
    }
    let shared = "aaaa";
    ids.sort();

    let err = env.fail(&["show", shared], "ambiguous_id");
    assert_eq!(err["input"], shared);
    assert_eq!(err["candidates"], json!(ids));
    // Same through the id prefix path.
    let err = env.fail(&["show", "dk-aaaa"], "ambiguous_id");
    assert_eq!(err["candidates"], json!(ids));

    // Human: candidates on stderr, nothing on stdout.
    let r = env.run(&["show", shared]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    for id in &ids {
        assert!(r.stderr.contains(id.as_str()), "{}", r.stderr);
    }

    // Mutations resolve the same way.
    env.fail(&["add-note", shared, "x"], "ambiguous_id");
    env.fail(&["start", shared], "ambiguous_id");
}

#[test]
fn unknown_id_is_not_found() {
    let env = TestEnv::init();
    env.create("something", &[]);
    let err = env.fail(&["show", "dk-01zzzz"], "not_found");
    assert_eq!(err["input"], "dk-01zzzz");
    env.fail(&["show", "zzz"], "not_found");
    env.fail(&["start", "zzz"], "not_found");
    env.fail(&["add-note", "zzz", "x"], "not_found");
    env.fail(&["update", "zzz", "--priority", "1"], "not_found");
    env.fail(&["show", " "], "invalid_argument");
}

#[test]
fn archived_tickets_resolve_by_partial_id() {
    let env = TestEnv::init();
    let id = env.create("Will be archived", &[]);
    env.okw(&["close", &id]);
    let partial = &suffix(&id)[..suffix(&id).len() - 2];
    let t = env.show(partial);
    assert_eq!(t["id"], id.as_str());
    assert_eq!(t["status"], "closed");
    assert!(t["path"].as_str().unwrap().starts_with(".docket/archive/"));
}

#[test]
fn show_human_page() {
    let env = TestEnv::init();
    let dep = env.create("Dep", &[]);
    let id = env.create(
        "Readable page",
        &[
            "-t",
            "bug",
            "-p",
            "1",
            "-a",
            "bob",
            "--tags",
            "x,y",
            "--dep",
            &dep,
            "-d",
            "Some description.",
            "--acceptance",
            "it works",
        ],
    );
    env.okw(&["add-note", &id, "a note"]);
    env.okw(&["start", &id]);
    env.okw(&[
        "update",
        &id,
        "--add-ac",
        "docs updated",
        "--ac",
        "it works",
        "--done",
    ]);
    let r = env.run(&["show", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::with_settings!({filters => vec![
        (r"dk-[0-9a-z]{16}", "[ID]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TS]"),
    ]}, {
        insta::assert_snapshot!(r.stdout, @r"
        [ID]  Readable page
        status: in_progress  type: bug  priority: P1  mode: hitl  assignee: tester
        created: [TS]  updated: [TS]
        tags: x, y
        deps: [ID]
        file: .docket/tickets/[ID]--readable-page.md

        ## Description

        Some description.

        ## Acceptance Criteria

        - [x] it works
        - [ ] docs updated

        ## History (5 entries, hash chain intact)

        [TS]  created    tester
        [TS]  note       tester
            a note
        [TS]  transition tester  open → in_progress
        [TS]  claim      tester  claimed by tester
        [TS]  edit       tester  changed acceptance
        ");
    });
}
