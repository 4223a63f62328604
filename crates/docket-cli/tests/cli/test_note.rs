use crate::common::TestEnv;

#[test]
fn add_note_from_arguments() {
    let env = TestEnv::init();
    let id = env.create("noted", &["-d", "desc"]);
    let t = env.okw(&["add-note", &id, "raced", "GC", "under load"]);
    let notes = t["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["text"], "raced GC under load");
    assert_eq!(notes[0]["author"], "tester");
    assert!(notes[0]["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        t["changed"],
        serde_json::Value::Null,
        "a note changes no field"
    );
    assert_eq!(t["logged"], serde_json::json!(["note"]));
    assert!(
        t.get("body").is_none(),
        "show --full no longer sends the body"
    );
    assert!(env.read(&id).contains("\n\nraced GC under load\n"));

    let r = env.run_at("2026-03-04T05:06:07Z", &["add-note", &id, "second"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = env.show(&id);
    let notes = t["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1]["text"], "second");
    assert_eq!(notes[1]["at"], "2026-03-04T05:06:07Z");
    assert_eq!(t["updated"], "2026-03-04T05:06:07Z");
    // The description is untouched, notes come after it.
    assert_eq!(t["description"], "desc");
    let text = env.read(&id);
    assert!(text.find("## Description").unwrap() < text.find("## Log").unwrap());
    assert!(
        text.contains("### 2026-03-04T05:06:07Z · note · tester\n<!-- log n=3 "),
        "{text}"
    );
    assert!(text.ends_with(" -->\n\nsecond\n"), "{text}");
}

#[test]
fn add_note_from_stdin() {
    let env = TestEnv::init();
    let id = env.create("stdin", &[]);
    let r = TestEnv::run_cmd({
        let mut c = env.cmd(&["add-note", &id, "--json"]);
        c.write_stdin("line one with `code`, $vars and \"quotes\"\nline two\n");
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.envelope();
    assert_eq!(v["data"]["id"], id.as_str());
    assert_eq!(v["data"]["logged"], serde_json::json!(["note"]));
    assert_eq!(
        env.show(&id)["notes"][0]["text"],
        "line one with `code`, $vars and \"quotes\"\nline two"
    );
}

#[test]
fn blank_note_is_rejected() {
    let env = TestEnv::init();
    let id = env.create("blank", &[]);
    let before = env.snapshot();
    env.fail(&["add-note", &id, "   "], "invalid_argument");
    let r = TestEnv::run_cmd({
        let mut c = env.cmd(&["add-note", &id, "--json"]);
        c.write_stdin("\n\n");
        c
    });
    assert_eq!(r.code, 1);
    assert_eq!(r.envelope()["error"]["code"], "invalid_argument");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn add_note_on_an_archived_ticket_keeps_it_archived() {
    let env = TestEnv::init();
    let id = env.create("archived", &[]);
    env.okw(&["close", &id]);
    let v = env.ok_env(&["add-note", &id, "post-mortem"]);
    assert!(v.get("meta").is_none(), "{v}");
    assert_eq!(v["data"]["status"], "closed");
    assert!(env.path_of(&id).starts_with(env.archive_dir()));
    env.cmd(&["check"]).assert().code(0);
}
