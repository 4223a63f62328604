//! Issue 15, people at the keyboard: free text that starts with `-`, repeated
//! `--ac`, one hint per usage error, counts in words, an honest `reopen`.

use crate::common::TestEnv;

/// A heredoc-style body: a markdown list, so its first line starts with `- `.
const LIST: &str = "- first item\n- second item\n";

#[test]
fn create_description_may_start_with_a_dash() {
    let env = TestEnv::init();
    let id = env.create("bulleted", &["-d", LIST, "--design", "-x"]);
    let t = env.show(&id);
    assert_eq!(t["description"], LIST.trim_end(), "{t}");
    assert_eq!(t["design"], "-x", "{t}");
}

#[test]
fn create_acceptance_may_start_with_a_dash() {
    let env = TestEnv::init();
    let id = env.create(
        "criteria",
        &["--acceptance", "- works", "--acceptance", "-q"],
    );
    let t = env.show(&id);
    let titles: Vec<&str> = t["acceptance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["- works", "-q"]);
}

#[test]
fn update_text_flags_may_start_with_a_dash() {
    let env = TestEnv::init();
    let id = env.create("t", &[]);
    env.ok(&[
        "update",
        &id,
        "--title",
        "-renamed",
        "--description",
        LIST,
        "--add-ac",
        "- ac",
    ]);
    let t = env.show(&id);
    assert_eq!(t["title"], "-renamed");
    assert_eq!(t["description"], LIST.trim_end());
    env.ok(&["update", &id, "--body", "- only a list"]);
    assert!(env.read(&id).contains("\n- only a list\n"));
}

#[test]
fn move_summary_may_start_with_a_dash() {
    let env = TestEnv::init();
    let id = env.create("t", &[]);
    env.ok(&["start", &id, "--summary", "-x picked up"]);
    assert!(env.read(&id).contains("-x picked up"));
}

#[test]
fn note_text_may_start_with_a_dash() {
    let env = TestEnv::init();
    let id = env.create("t", &[]);
    // `--json` after the text is still the flag (env.ok appends it).
    env.ok(&["add-note", &id, "- done the first part"]);
    env.ok(&["comment", &id, "-", "dashes", "everywhere"]);
    let text = env.read(&id);
    assert!(text.contains("- done the first part"), "{text}");
    assert!(text.contains("- dashes everywhere"), "{text}");
    assert!(!text.contains("--json"), "{text}");
}

#[test]
fn plan_and_context_bodies_may_start_with_a_dash() {
    let env = TestEnv::init();
    env.ok(&["context", "add", "style", "--body", LIST]);
    let all = env.ok(&["context", "readall"]);
    assert_eq!(
        all["items"][0]["body"].as_str().unwrap().trim_end(),
        LIST.trim_end()
    );
    env.ok(&["doc", "add", "adr-1", "--title", "-t", "--body", "- b"]);
}

#[test]
fn update_ac_can_be_repeated() {
    let env = TestEnv::init();
    let id = env.create(
        "t",
        &[
            "--acceptance",
            "A",
            "--acceptance",
            "B",
            "--acceptance",
            "C",
        ],
    );
    let c = env.ok(&["update", &id, "--ac", "A", "--ac", "B", "--done"]);
    let done: Vec<bool> = c["changed"]["acceptance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["done"].as_bool().unwrap())
        .collect();
    assert_eq!(done, [true, true, false], "{c}");
}

#[test]
fn update_repeated_ac_with_one_unknown_title_writes_nothing() {
    let env = TestEnv::init();
    let id = env.create("t", &["--acceptance", "A"]);
    let before = env.snapshot();
    env.fail(
        &["update", &id, "--ac", "A", "--ac", "nope", "--done"],
        "invalid_argument",
    );
    assert_eq!(env.snapshot(), before);
}

#[test]
fn usage_error_prints_one_hint() {
    let env = TestEnv::init();
    let r = env.run(&["create"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert_eq!(r.stderr.matches("hint:").count(), 1, "{}", r.stderr);
    assert!(!r.stderr.contains("For more information"), "{}", r.stderr);
    assert!(!r.stderr.contains("\\x1b"), "{}", r.stderr);
}

#[test]
fn check_counts_one_ticket_in_the_singular() {
    let env = TestEnv::init();
    env.create("only", &[]);
    let r = env.run(&["check"]);
    assert!(
        r.stdout.contains("1 ticket checked: 0 errors, 0 warnings"),
        "{}",
        r.stdout
    );
}

#[test]
fn reopen_of_a_ticket_in_progress_says_it_was_not_closed() {
    let env = TestEnv::init();
    let id = env.create("t", &[]);
    env.ok(&["start", &id]);
    let r = env.run(&["reopen", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("not closed; moved back from in_progress:"),
        "{}",
        r.stdout
    );
    env.ok(&["close", &id]);
    let r = env.run(&["reopen", &id]);
    assert!(r.stdout.starts_with("reopened "), "{}", r.stdout);
}

#[test]
fn global_flags_after_note_text_are_still_flags() {
    let env = TestEnv::init();
    let id = env.create("t", &[]);
    let sid = env.session("implementer", "impl");
    env.session("architect", "arch");
    let v = env.ok(&["add-note", &id, "- from", "flag", "--session", "impl"]);
    assert_eq!(v["logged"][0], "note", "{v}");
    let full = env.show(&id);
    let note = full["notes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(note["text"], "- from flag", "{note}");
    assert!(
        note["author"].as_str().unwrap().contains("impl"),
        "{note} ({sid})"
    );
}

#[test]
fn unknown_long_flag_after_note_text_is_refused_unless_after_double_dash() {
    let env = TestEnv::init();
    let id = env.create("t", &[]);
    let before = env.snapshot();
    let r = env.run(&["add-note", &id, "text", "--bogus"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("'--bogus'"), "{}", r.stderr);
    assert_eq!(env.snapshot(), before);
    let r = env.run(&["add-note", &id, "--", "--bogus", "is text here"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(env.read(&id).contains("--bogus is text here"));
}
