use serde_json::json;

use crate::common::TestEnv;

#[test]
fn start_status_close_reopen_move_files() {
    let env = TestEnv::init();
    let id = env.create("Lifecycle", &[]);
    let live = env.path_of(&id);
    let name = live.file_name().unwrap().to_string_lossy().into_owned();

    let v = env.ok_env(&["start", &id]);
    assert_eq!(v["data"]["status"], "in_progress");
    assert!(v.get("meta").is_none());
    assert!(live.exists());

    let v = env.ok_env(&["status", &id, "open"]);
    assert_eq!(v["data"]["status"], "open");

    let v = env.ok_env(&["close", &id]);
    assert_eq!(v["data"]["status"], "closed");
    assert!(v["data"]["changed"]["closed"].is_string(), "{v}");
    // archived_to moved from meta into the lean answer's data.
    assert!(v.get("meta").is_none(), "{v}");
    assert_eq!(v["data"]["archived_to"], format!(".docket/archive/{name}"));
    let t = env.show(&id);
    assert!(t["closed"].is_string());
    assert_eq!(t["path"], format!(".docket/archive/{name}"));
    assert!(!live.exists(), "file left in tickets/");
    assert!(env.archive_dir().join(&name).is_file());
    env.cmd(&["check"]).assert().code(0);

    let v = env.ok_env(&["reopen", &id]);
    assert_eq!(v["data"]["status"], "open");
    assert!(v["data"]["changed"]["closed"].is_null(), "{v}");
    assert!(v.get("meta").is_none(), "reopen does not archive: {v}");
    assert!(
        v["data"].get("archived_to").is_none(),
        "reopen does not archive: {v}"
    );
    assert!(env.show(&id)["closed"].is_null());
    assert!(live.exists());
    assert!(!env.archive_dir().join(&name).exists());
    assert!(!env.read(&id).contains("closed:"));

    // A terminal `status` also archives and reports it.
    let v = env.ok_env(&["status", &id, "closed"]);
    assert_eq!(v["data"]["archived_to"], format!(".docket/archive/{name}"));
    assert!(env.archive_dir().join(&name).is_file());
    env.cmd(&["check"]).assert().code(0);

    // Human output mentions the archive.
    env.okw(&["reopen", &id]);
    let r = env.run(&["close", &id]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("closed dk-"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&format!("archived to .docket/archive/{name}")),
        "{}",
        r.stdout
    );
}

#[test]
fn moving_to_the_same_status_is_a_no_op() {
    let env = TestEnv::init();
    let id = env.create("same", &[]);
    env.okw(&["start", &id]);
    let before = std::fs::read(env.path_of(&id)).unwrap();
    let r = env.run(&["start", &id]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("no change"), "{}", r.stdout);
    assert_eq!(std::fs::read(env.path_of(&id)).unwrap(), before);
}

#[test]
fn unknown_status_is_invalid_argument() {
    let env = TestEnv::init();
    let id = env.create("x", &[]);
    let before = env.snapshot();
    let err = env.fail(&["status", &id, "doing"], "invalid_argument");
    assert!(err["message"].as_str().unwrap().contains("doing"));
    assert_eq!(env.snapshot(), before);
}

#[test]
fn close_summary_is_recorded_as_a_note() {
    let env = TestEnv::init();
    let id = env.create("with summary", &[]);
    env.okw(&["start", &id]);
    let t = env.okw(&["close", &id, "--summary", "shipped in #482"]);
    let notes = t["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["text"], "shipped in #482");
    assert_eq!(notes[0]["author"], "tester");
}

fn gated() -> (TestEnv, String) {
    let env = TestEnv::init();
    let id = env.create(
        "Gated",
        &["--acceptance", "first AC", "--acceptance", "second AC"],
    );
    env.okw(&["start", &id]);
    (env, id)
}

#[test]
fn acceptance_gate_blocks_active_to_terminal() {
    let (env, id) = gated();
    let path = env.path_of(&id);
    let before = std::fs::read(&path).unwrap();
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();

    for args in [
        vec!["close", id.as_str()],
        vec!["close", id.as_str(), "--summary", "done"],
        vec!["status", id.as_str(), "closed"],
        vec!["update", id.as_str(), "--status", "closed"],
        vec![
            "update",
            id.as_str(),
            "--status",
            "closed",
            "--priority",
            "0",
        ],
    ] {
        let err = env.fail(&args, "acceptance_incomplete");
        assert_eq!(
            err["open_acceptance"],
            json!([{"title": "first AC"}, {"title": "second AC"}]),
            "{args:?}"
        );
        assert_eq!(err["id"], id.as_str());
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{args:?} changed the file"
        );
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    }
    assert!(env.try_path_of(&id).unwrap().starts_with(env.tickets_dir()));

    // Human message lists the unchecked criteria on stderr.
    let r = env.run(&["close", &id]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("first AC") && r.stderr.contains("second AC"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--force"), "{}", r.stderr);

    // Checking one is not enough.
    env.okw(&["update", &id, "--ac", "first AC", "--done"]);
    let err = env.fail(&["close", &id], "acceptance_incomplete");
    assert_eq!(err["open_acceptance"], json!([{"title": "second AC"}]));
}

#[test]
fn force_needs_a_summary() {
    let (env, id) = gated();
    let before = env.snapshot();
    for args in [
        vec!["close", id.as_str(), "--force"],
        vec!["close", id.as_str(), "--force", "--summary", "   "],
        vec!["status", id.as_str(), "closed", "--force"],
        vec!["update", id.as_str(), "--status", "closed", "--force"],
    ] {
        let err = env.fail(&args, "invalid_argument");
        // The message names the missing reason. (start/close/status say
        // "`force` needs a non-blank `reason`", update says "--reason (or
        // --summary)": reported to the lead, the CLI flag is --summary/--reason.)
        assert!(err["message"].as_str().unwrap().contains("reason"), "{err}");
    }
    assert_eq!(env.snapshot(), before);

    let v = env.ok_env(&[
        "close",
        &id,
        "--force",
        "--summary",
        "customer asked to ship",
    ]);
    assert_eq!(v["data"]["status"], "closed");
    assert!(
        v["data"]["archived_to"]
            .as_str()
            .unwrap()
            .starts_with(".docket/archive/")
    );
    // The override is logged as a violation, then the summary note.
    let logged = crate::common::strs(&v["data"]["logged"]);
    assert!(logged.contains(&"violation".to_string()), "{v}");
    assert!(logged.contains(&"note".to_string()), "{v}");
    let t = env.show(&id);
    let notes = t["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    let text = notes[0]["text"].as_str().unwrap();
    assert!(text.contains("customer asked to ship"), "{text}");
    // The criteria stay unchecked: the override is recorded, not hidden.
    assert_eq!(t["acceptance"][0]["done"], false);
    assert!(v["data"]["changed"].get("acceptance").is_none(), "{v}");
    assert!(env.read(&id).contains("customer asked to ship"));
}

#[test]
fn update_force_summary_passes_the_gate() {
    let (env, id) = gated();
    let v = env.ok_env(&[
        "update",
        &id,
        "--status",
        "closed",
        "--force",
        "--summary",
        "override",
    ]);
    assert_eq!(v["data"]["status"], "closed");
    assert!(v["data"]["archived_to"].is_string(), "{v}");
    assert!(
        env.show(&id)["notes"][0]["text"]
            .as_str()
            .unwrap()
            .contains("override")
    );
    assert!(env.path_of(&id).starts_with(env.archive_dir()));
}

#[test]
fn intake_to_terminal_skips_the_acceptance_gate() {
    let env = TestEnv::init();
    let id = env.create("never started", &["--acceptance", "unchecked"]);
    let v = env.ok_env(&["close", &id]);
    assert_eq!(v["data"]["status"], "closed");
    assert_eq!(
        env.show(&id)["acceptance"],
        json!([{"title": "unchecked", "done": false}])
    );
    assert!(v["data"]["archived_to"].is_string());
    assert!(env.path_of(&id).starts_with(env.archive_dir()));
}

#[test]
fn children_gate_blocks_closing_a_parent() {
    let env = TestEnv::init();
    let parent = env.create("parent", &["-t", "epic"]);
    let c1 = env.create("child one", &["--parent", &parent]);
    let c2 = env.create("child two", &["--parent", &parent]);
    let before = env.snapshot();

    let err = env.fail(&["close", &parent], "open_children");
    let mut want = vec![c1.clone(), c2.clone()];
    want.sort();
    let mut got: Vec<String> = serde_json::from_value(err["children"].clone()).unwrap();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(env.snapshot(), before);
    // Also from the active status.
    env.okw(&["start", &parent]);
    env.fail(&["close", &parent], "open_children");

    env.okw(&["close", &c1]);
    let err = env.fail(&["close", &parent], "open_children");
    assert_eq!(err["children"], json!([c2]));
    env.okw(&["close", &c2]);
    env.okw(&["close", &parent]);
}

#[test]
fn children_gate_can_be_forced() {
    let env = TestEnv::init();
    let parent = env.create("parent", &[]);
    env.create("child", &["--parent", &parent]);
    let t = env.okw(&["close", &parent, "--force", "--summary", "split elsewhere"]);
    assert_eq!(t["status"], "closed");
    assert!(
        t["notes"][0]["text"]
            .as_str()
            .unwrap()
            .contains("split elsewhere")
    );
}

#[test]
fn unneeded_force_still_records_the_summary() {
    let env = TestEnv::init();
    // No criteria, no children: the gate would not fire, --force is a no-op,
    // but the summary must not be dropped.
    let a = env.create("a", &[]);
    env.okw(&["start", &a]);
    let t = env.okw(&["close", &a, "--force", "--summary", "shipped in #482"]);
    assert_eq!(t["status"], "closed");
    let notes = t["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{t}");
    assert_eq!(notes[0]["text"], "shipped in #482");

    let b = env.create("b", &[]);
    let t = env.okw(&[
        "update",
        &b,
        "--status",
        "closed",
        "--force",
        "--summary",
        "why",
    ]);
    assert_eq!(t["notes"][0]["text"], "why");
    assert_eq!(t["notes"].as_array().unwrap().len(), 1);

    // When the gate does fire, the summary is recorded once (in the override note).
    let c = env.create("c", &["--acceptance", "ac"]);
    env.okw(&["start", &c]);
    let t = env.okw(&["close", &c, "--force", "--summary", "override"]);
    let notes = t["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{t}");
    assert!(notes[0]["text"].as_str().unwrap().contains("override"));
}
