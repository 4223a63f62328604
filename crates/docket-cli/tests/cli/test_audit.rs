//! The hash-chained `## Log`: hand edits are caught by `check`, text cannot forge
//! log structure, and the graph/tier/attention commands that write log entries.

use serde_json::{Value, json};

use crate::common::{TestEnv, log_kinds};

/// Split a ticket file into (everything up to and including the `## Log`
/// heading, the entry blocks). Each block is trimmed at its end.
fn log_blocks(text: &str) -> (String, Vec<String>) {
    let marker = "\n## Log\n";
    let start = text.find(marker).expect("a ## Log section") + marker.len();
    let (head, log) = text.split_at(start);
    let lines: Vec<&str> = log.split_inclusive('\n').collect();
    let mut pre = String::new();
    let mut blocks: Vec<String> = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        let starts =
            l.starts_with("### ") && lines.get(k + 1).is_some_and(|n| n.starts_with("<!-- log "));
        if starts {
            blocks.push(String::new());
        }
        match blocks.last_mut() {
            Some(b) => b.push_str(l),
            None => pre.push_str(l),
        }
    }
    let blocks = blocks.iter().map(|b| b.trim_end().to_string()).collect();
    (format!("{head}{pre}"), blocks)
}

fn join_blocks(head: &str, blocks: &[String]) -> String {
    format!("{head}{}\n", blocks.join("\n\n"))
}

/// A simple-preset ticket with five log entries: created, three notes, an edit.
fn ticket_with_history(env: &TestEnv) -> String {
    let id = env.create("Audited", &[]);
    env.okw(&["add-note", &id, "first note"]);
    env.okw(&["add-note", &id, "second note"]);
    env.okw(&["add-note", &id, "third note"]);
    env.okw(&["update", &id, "--priority", "1"]);
    assert_eq!(
        log_kinds(&env.show(&id)),
        vec!["created", "note", "note", "note", "edit"]
    );
    id
}

fn write_ticket(env: &TestEnv, id: &str, text: &str) {
    std::fs::write(env.path_of(id), text).expect("write ticket");
}

/// `check --json`: the only issue is `code` on `id`, about log entry `entry`.
fn assert_single_issue(env: &TestEnv, id: &str, code: &str, needle: &str) -> Value {
    let (exit, codes, issues) = env.check_codes();
    assert_eq!(exit, 1, "{issues}");
    // Every harness session acts for one user: approvals warn about that.
    let codes: Vec<String> = codes
        .into_iter()
        .filter(|c| c != "same_actor_approval")
        .collect();
    assert_eq!(codes, vec![code.to_string()], "{issues}");
    let issues = Value::Array(
        issues
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["code"] != "same_actor_approval")
            .cloned()
            .collect(),
    );
    let issue = issues[0].clone();
    assert_eq!(issue["id"], id);
    assert_eq!(issue["severity"], "error");
    let msg = issue["message"].as_str().unwrap();
    assert!(msg.contains(needle), "`{needle}` not in: {msg}");
    issue
}

#[test]
fn untouched_history_verifies() {
    let env = TestEnv::init();
    let id = ticket_with_history(&env);
    let t = env.show(&id);
    assert_eq!(t["log_intact"], true);
    env.assert_check_clean();
    let (_, blocks) = log_blocks(&env.read(&id));
    assert_eq!(blocks.len(), 5);
    // The round trip of the splitter is exact.
    let (head, blocks) = log_blocks(&env.read(&id));
    assert_eq!(join_blocks(&head, &blocks), env.read(&id));
}

#[test]
fn entries_are_stamped_with_the_pinned_clock() {
    let env = TestEnv::init_preset("plan-first");
    let a = env.session("architect", "ada");
    let b = env.session("architect", "bob");
    let at = |now: &str, args: &[&str]| {
        let mut full = vec!["--session"];
        full.extend_from_slice(args);
        full.push("--json");
        let r = env.run_at(now, &full);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stdout);
        r.envelope()["data"].clone()
    };
    let t = at("2026-03-01T09:00:00Z", &[&a, "create", "Clocked"]);
    let id = t["id"].as_str().unwrap().to_string();
    at("2026-03-01T09:05:00Z", &[&a, "advance", &id]);
    at(
        "2026-03-01T09:10:00Z",
        &[&a, "plan", &id, "--body", "the plan"],
    );
    let w = at("2026-03-02T10:00:00Z", &[&b, "advance", &id]);
    // The write answers lean: what it logged, not the whole ticket.
    assert_eq!(w["logged"], json!(["approval", "transition"]), "{w}");
    assert_eq!(w["changed"]["updated"], Value::Null, "{w}");
    let t = env.show(&id);
    let stamps: Vec<(&str, &str)> = t["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["at"].as_str().unwrap()))
        .collect();
    assert_eq!(
        stamps,
        vec![
            ("created", "2026-03-01T09:00:00Z"),
            ("transition", "2026-03-01T09:05:00Z"),
            ("plan", "2026-03-01T09:10:00Z"),
            ("approval", "2026-03-02T10:00:00Z"),
            ("transition", "2026-03-02T10:00:00Z"),
        ]
    );
    assert_eq!(t["plan"]["frozen"]["at"], "2026-03-02T10:00:00Z");
    assert_eq!(t["plan"]["revisions"][0]["at"], "2026-03-01T09:10:00Z");
    assert_eq!(t["updated"], "2026-03-02T10:00:00Z");
    assert!(
        env.read(&id)
            .contains("### 2026-03-02T10:00:00Z · approval · bob (architect)\n")
    );
    let r = env.run(&["show", &id]);
    assert!(
        r.stdout
            .contains("2026-03-01T09:10:00Z  plan       ada (architect)"),
        "{}",
        r.stdout
    );
    env.assert_check_clean();
}

#[test]
fn editing_an_entry_text_breaks_the_chain_at_that_entry() {
    let env = TestEnv::init();
    let id = ticket_with_history(&env);
    let text = env.read(&id);
    assert_eq!(text.matches("\nsecond note\n").count(), 1);
    write_ticket(
        &env,
        &id,
        &text.replace("\nsecond note\n", "\nsecond NOTE\n"),
    );
    assert_single_issue(&env, &id, "audit_chain_broken", "log entry 3");
    let t = env.show(&id);
    assert_eq!(t["log_intact"], false);
    let r = env.run(&["show", &id]);
    assert!(r.stdout.contains("BROKEN"), "{}", r.stdout);
    // Human check names the ticket and the entry.
    let r = env.run(&["check"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("audit_chain_broken"), "{}", r.stdout);
    assert!(r.stdout.contains(&id), "{}", r.stdout);
    assert!(r.stdout.contains("log entry 3"), "{}", r.stdout);
    // Filters keep it.
    let r = env.run(&["check", &id, "--code", "audit_chain_broken", "--json"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.envelope()["data"]["issues"].as_array().unwrap().len(), 1);
    // Later appends do not heal the chain.
    env.okw(&["add-note", &id, "after the tampering"]);
    assert_single_issue(&env, &id, "audit_chain_broken", "log entry 3");
}

#[test]
fn editing_entry_metadata_or_heading_is_caught() {
    let env = TestEnv::init();
    let id = ticket_with_history(&env);
    let original = env.read(&id);
    let (head, blocks) = log_blocks(&original);

    // The actor in a heading.
    let mut b = blocks.clone();
    b[1] = b[1].replacen("· tester", "· mallory", 1);
    assert_ne!(b[1], blocks[1]);
    write_ticket(&env, &id, &join_blocks(&head, &b));
    assert_single_issue(&env, &id, "audit_chain_broken", "log entry 2");

    // A forged session on the metadata line.
    let mut b = blocks.clone();
    b[3] = b[3].replacen("session=-", "session=s-forged", 1);
    assert_ne!(b[3], blocks[3]);
    write_ticket(&env, &id, &join_blocks(&head, &b));
    assert_single_issue(&env, &id, "audit_chain_broken", "log entry 4");

    // A timestamp.
    let mut b = blocks.clone();
    let at = b[4][4..24].to_string();
    b[4] = b[4].replacen(&at, "2000-01-01T00:00:00Z", 1);
    write_ticket(&env, &id, &join_blocks(&head, &b));
    assert_single_issue(&env, &id, "audit_chain_broken", "log entry 5");

    write_ticket(&env, &id, &original);
    env.assert_check_clean();
}

#[test]
fn deleting_a_middle_entry_is_caught() {
    let env = TestEnv::init();
    let id = ticket_with_history(&env);
    let (head, mut blocks) = log_blocks(&env.read(&id));
    let removed = blocks.remove(2);
    assert!(removed.contains("second note"));
    write_ticket(&env, &id, &join_blocks(&head, &blocks));
    assert_single_issue(&env, &id, "audit_chain_broken", "log entry 3");
    assert_eq!(env.show(&id)["log_intact"], false);
}

#[test]
fn reordering_entries_is_caught() {
    let env = TestEnv::init();
    let id = ticket_with_history(&env);
    let (head, mut blocks) = log_blocks(&env.read(&id));
    blocks.swap(1, 2);
    write_ticket(&env, &id, &join_blocks(&head, &blocks));
    assert_single_issue(&env, &id, "audit_chain_broken", "log entry 2");

    // Renumbering the swapped entries by hand does not help: the links break.
    let (head, mut blocks) = log_blocks(&env.read(&id));
    assert!(blocks[1].contains("<!-- log n=3 "));
    blocks[1] = blocks[1].replacen("<!-- log n=3 ", "<!-- log n=2 ", 1);
    blocks[2] = blocks[2].replacen("<!-- log n=2 ", "<!-- log n=3 ", 1);
    write_ticket(&env, &id, &join_blocks(&head, &blocks));
    assert_single_issue(&env, &id, "audit_chain_broken", "log entry 2");
}

/// A plan-first ticket whose plan bob approved (in_progress), and the sessions.
fn approved_plan(env: &TestEnv) -> (String, String, String) {
    let a = env.session("architect", "ada");
    let b = env.session("architect", "bob");
    let i = env.session("implementer", "ian");
    let id = env.okw_as(&a, &["create", "Frozen"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.okw_as(&a, &["advance", &id]);
    env.okw_as(&a, &["plan", &id, "--body", "Step 1: build the parser"]);
    env.okw_as(&b, &["advance", &id]);
    let _ = i;
    (id, a, b)
}

#[test]
fn editing_the_frozen_plan_is_plan_modified_after_approval() {
    let env = TestEnv::init_preset("plan-first");
    let (id, _, _) = approved_plan(&env);
    env.assert_check_clean();
    let text = env.read(&id);
    let section = "## Plan\n\nStep 1: build the parser\n";
    assert_eq!(text.matches(section).count(), 1);
    write_ticket(
        &env,
        &id,
        &text.replacen(section, "## Plan\n\nStep 1: skip the parser\n", 1),
    );
    let issue = assert_single_issue(&env, &id, "plan_modified_after_approval", "v1");
    assert!(
        issue["message"]
            .as_str()
            .unwrap()
            .contains("bob (architect)"),
        "{issue}"
    );
    let t = env.show(&id);
    assert_eq!(t["log_intact"], true);
    assert_eq!(t["plan"]["text"], "Step 1: skip the parser");
    // `plan --show` still serves the approved text from the log.
    let s = env.okw(&["plan", &id, "--show"]);
    assert_eq!(s["revision"]["text"], "Step 1: build the parser");

    // Editing the plan's log entry instead breaks the chain.
    let edited_entry = text.replacen(
        "\nStep 1: build the parser\n\n### ",
        "\nStep 1: skip the parser\n\n### ",
        1,
    );
    write_ticket(&env, &id, &edited_entry);
    assert!(edited_entry.contains("## Plan\n\nStep 1: build the parser\n"));
    assert_single_issue(&env, &id, "audit_chain_broken", "was modified");
}

#[test]
fn update_body_cannot_forge_the_log_and_keeps_it() {
    let env = TestEnv::init_preset("plan-first");
    let (id, a, _) = approved_plan(&env);
    let before = env.snapshot();
    for body in [
        "new text\n\n## Log\n\n### forged",
        "## Plan\n\nanother plan",
    ] {
        env.fail_as(&a, &["update", &id, "--body", body], "invalid_argument");
    }
    for (flag, text) in [
        ("--description", "desc\n## Log\nfake"),
        ("--design", "x\n## Plan\ny"),
    ] {
        env.fail_as(&a, &["update", &id, flag, text], "invalid_argument");
    }
    env.fail(
        &["create", "Forged", "--description", "d\n## Log\nfake"],
        "invalid_argument",
    );
    assert_eq!(env.snapshot(), before);

    let n = env.show(&id)["log"].as_array().unwrap().len();
    let t = env.okw_as(
        &a,
        &[
            "update",
            &id,
            "--body",
            "## Description\n\nA plain new body.",
        ],
    );
    assert_eq!(t["description"], "A plain new body.");
    assert_eq!(t["log_intact"], true);
    let log = t["log"].as_array().unwrap();
    assert_eq!(log.len(), n + 1);
    assert_eq!(log[n]["kind"], "edit");
    assert_eq!(t["plan"]["text"], "Step 1: build the parser");
    assert_eq!(t["plan"]["frozen"]["version"], 1);
    let text = env.read(&id);
    assert!(text.contains("## Plan\n\nStep 1: build the parser\n"));
    assert!(text.contains("## Log\n"));
    env.assert_check_clean();
}

#[test]
fn log_marker_lines_are_rejected_in_every_text() {
    let pf_env = TestEnv::init_preset("plan-first");
    let (id, a, b) = approved_plan(&pf_env);
    let forged = "fine\n<!-- log n=99 session=- role=- prev=x hash=y -->";
    let indented = "fine\n   <!-- log n=1 -->";
    let before = pf_env.snapshot();
    for text in [forged, indented] {
        pf_env.fail_as(&a, &["comment", &id, text], "invalid_argument");
        pf_env.fail_as(&a, &["add-note", &id, text], "invalid_argument");
        pf_env.fail_as(
            &b,
            &["advance", &id, "--to", "cancelled", "--note", text],
            "invalid_argument",
        );
        pf_env.fail_as(&b, &["close", &id, "--summary", text], "invalid_argument");
    }
    let f = pf_env.home.join("note.md");
    std::fs::write(&f, forged).unwrap();
    pf_env.fail_as(
        &a,
        &["comment", &id, "--body-file", f.to_str().unwrap()],
        "invalid_argument",
    );
    pf_env.fail_as(
        &b,
        &[
            "advance",
            &id,
            "--to",
            "cancelled",
            "--note-file",
            f.to_str().unwrap(),
        ],
        "invalid_argument",
    );
    assert_eq!(pf_env.snapshot(), before);
    // Inline mentions are fine.
    let t = pf_env.okw_as(&a, &["comment", &id, "the <!-- log marker is reserved"]);
    assert_eq!(t["log_intact"], true);
    pf_env.assert_check_clean();
}

#[test]
fn blank_comments_and_notes_are_rejected() {
    let env = TestEnv::init_preset("plan-first");
    let (id, a, _) = approved_plan(&env);
    let before = env.snapshot();
    env.fail_as(&a, &["comment", &id, "   "], "invalid_argument");
    let mut c = env.cmd(&["--session", &a, "comment", &id, "--json"]);
    c.write_stdin("\n");
    let r = TestEnv::run_cmd(c);
    assert_eq!(r.code, 1);
    assert_eq!(r.envelope()["error"]["code"], "invalid_argument");
    assert_eq!(env.snapshot(), before);
    // stdin is read when no text is given.
    let mut c = env.cmd(&["--session", &a, "comment", &id, "--json"]);
    c.write_stdin("from stdin\n");
    let r = TestEnv::run_cmd(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.envelope()["data"]["logged"], json!(["comment"]));
    let t = env.show(&id);
    let last = t["log"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "comment");
    assert_eq!(last["text"], "from stdin");
}

#[test]
fn comment_text_with_a_section_heading_keeps_the_chain_intact() {
    // A line starting with `## ` inside a comment or note must either be
    // refused (invalid_argument, nothing written) or stored so that the log
    // still verifies.
    let env = TestEnv::init_preset("plan-first");
    let (id, a, b) = approved_plan(&env);
    for args in [
        vec!["comment", id.as_str(), "intro\n## Heading\nmore"],
        vec!["add-note", id.as_str(), "intro\n## Heading\nmore"],
        vec![
            "advance",
            id.as_str(),
            "--to",
            "cancelled",
            "--note",
            "why\n## Heading\nmore",
        ],
    ] {
        let sid = if args[0] == "advance" { &b } else { &a };
        let before = env.snapshot();
        let mut full = vec!["--session", sid.as_str()];
        full.extend_from_slice(&args);
        full.push("--json");
        let r = env.run(&full);
        let v = r.envelope();
        if r.code == 0 {
            assert_eq!(v["data"]["log_intact"], true, "{args:?} broke the chain");
            env.assert_check_clean();
        } else {
            assert_eq!(v["error"]["code"], "invalid_argument", "{v}");
            assert_eq!(env.snapshot(), before);
        }
    }
}

#[test]
fn check_reports_foreign_text_at_the_top_of_the_log() {
    let env = TestEnv::init();
    let id = env.create("Foreign", &[]);
    let text = env.read(&id);
    write_ticket(
        &env,
        &id,
        &text.replacen("## Log\n\n", "## Log\n\nsome text\n\n", 1),
    );
    assert_single_issue(&env, &id, "audit_chain_broken", "log entry 1");
}

#[test]
fn check_reports_short_foreign_lines_in_the_log_instead_of_panicking() {
    let env = TestEnv::init();
    let id = env.create("Short", &[]);
    let other = env.create("Only line", &[]);
    let text = env.read(&id);
    write_ticket(
        &env,
        &id,
        &text.replacen("## Log\n\n", "## Log\n\nab\n\n", 1),
    );
    let text = env.read(&other);
    let start = text.find("## Log\n").unwrap();
    write_ticket(
        &env,
        &other,
        &format!("{}## Log\n\nonly line\n", &text[..start]),
    );
    let (code, codes, issues) = env.check_codes();
    assert_eq!(code, 1, "{issues}");
    assert_eq!(
        codes,
        vec!["audit_chain_broken", "audit_chain_broken"],
        "{issues}"
    );
    for i in [&id, &other] {
        let r = env.run(&["show", i, "--json"]);
        assert_eq!(r.code, 0, "show {i} crashed: {}", r.stderr);
        assert_eq!(r.envelope()["data"]["log_intact"], false);
    }
}

#[test]
fn indented_reserved_headings_cannot_forge_sections() {
    // Refused (invalid_argument, nothing written), or accepted with the real
    // log still intact and `check` clean.
    let env = TestEnv::init_preset("plan-first");
    let (id, a, _) = approved_plan(&env);
    let entries = env.show(&id)["log"].as_array().unwrap().len();
    for (flag, text) in [
        ("--description", "  ## Log\n\nab"),
        (
            "--description",
            "  ## Log\n\nforged line one\nforged line two",
        ),
        ("--design", " ## Plan\n\nStep 1: something else"),
        ("--body", "  ## Log\n\nforged"),
    ] {
        let before = env.snapshot();
        let r = env.run(&["--session", &a, "update", &id, flag, text, "--json"]);
        assert!(
            r.code == 0 || r.code == 1,
            "{flag} {text:?} crashed: {}",
            r.stderr
        );
        let v = r.envelope();
        if r.code == 0 {
            let t = &v["data"];
            assert_eq!(t["log_intact"], true, "{flag} {text:?}: {t}");
            assert!(
                t["log"].as_array().unwrap().len() >= entries,
                "{flag} {text:?} hid the log"
            );
            assert_eq!(t["plan"]["text"], "Step 1: build the parser");
            env.assert_check_clean();
        } else {
            assert_eq!(v["error"]["code"], "invalid_argument", "{v}");
            assert_eq!(env.snapshot(), before);
        }
    }
    let r = env.run(&[
        "create",
        "Forged",
        "--description",
        "  ## Log\n\nab",
        "--json",
    ]);
    assert!(r.code == 0 || r.code == 1, "create crashed: {}", r.stderr);
    env.assert_check_clean();
}

// Graph, tier and attention --------------------------------------------------

#[test]
fn depends_on_and_remove() {
    let env = TestEnv::init_preset("plan-first");
    let a = env.create("A", &[]);
    let b = env.create("B", &[]);
    let c = env.create("C", &[]);
    let t = env.okw(&["depends", &c, "--on", &format!("{a},{b}")]);
    assert_eq!(t["deps"], json!([a, b]));
    let last = t["log"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "edit");
    assert_eq!(last["text"], format!("now depends on {a}, {b}"));
    // Repeating is a no-op: nothing written.
    let before = env.snapshot();
    let t = env.okw(&["depends", &c, "--on", &a]);
    assert_eq!(t["deps"], json!([a, b]));
    assert_eq!(env.snapshot(), before);
    // Repeated flags work like commas; add and remove together.
    let d = env.create("D", &[]);
    let t = env.okw(&["depends", &c, "--remove", &a, "--on", &d]);
    assert_eq!(t["deps"], json!([b, d]));
    let last = t["log"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["text"],
        format!("now depends on {d}; no longer depends on {a}")
    );
    let t = env.okw(&["depends", &c, "--remove", &b, "--remove", &d]);
    assert_eq!(t["deps"], json!([]));
    // Removing what is not there is refused, nothing written.
    let before = env.snapshot();
    env.fail(&["depends", &c, "--remove", &a], "invalid_argument");
    env.fail(&["depends", &c], "invalid_argument");
    env.fail(&["depends", "dk-nope", "--on", &a], "not_found");
    assert_eq!(env.snapshot(), before);
    assert_eq!(env.show(&c)["log_intact"], true);
    env.assert_check_clean();
}

#[test]
fn depends_refuses_cycles_and_writes_nothing() {
    let env = TestEnv::init();
    let a = env.create("A", &[]);
    let b = env.create("B", &[]);
    let c = env.create("C", &[]);
    env.okw(&["depends", &b, "--on", &a]);
    env.okw(&["depends", &c, "--on", &b]);
    let before = env.snapshot();
    let err = env.fail(&["depends", &a, "--on", &c], "cycle");
    assert_eq!(err["cycle"], json!([a, c, b, a]));
    // A partly valid batch is refused as a whole.
    assert_eq!(env.snapshot(), before);
    let d = env.create("D", &[]);
    let before = env.snapshot();
    let err = env.fail(&["depends", &a, "--on", &format!("{d},{c}")], "cycle");
    assert!(err["cycle"].is_array());
    let err = env.fail(&["depends", &a, "--on", &a], "cycle");
    assert_eq!(err["cycle"], json!([a, a]));
    assert_eq!(env.snapshot(), before);
    assert_eq!(env.show(&a)["deps"], json!([]));
    env.assert_check_clean();
}

#[test]
fn tier_set_clear_and_invalid() {
    let env = TestEnv::init_preset("plan-first");
    let id = env.create("Tiered", &[]);
    for tier in ["critical", "standard", "low"] {
        let t = env.okw(&["tier", &id, tier]);
        assert_eq!(t["tier"], tier);
        let last = t["log"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"], "edit");
        assert_eq!(last["text"], "changed tier");
    }
    assert!(env.read(&id).contains("tier: low"));
    let t = env.okw(&["tier", &id, "none"]);
    assert!(t["tier"].is_null());
    assert!(!env.read(&id).contains("tier:"));
    // Clearing again changes nothing.
    let before = env.snapshot();
    env.okw(&["tier", &id, "none"]);
    assert_eq!(env.snapshot(), before);
    for bad in ["urgent", "Critical", ""] {
        let r = env.run(&["tier", &id, bad, "--json"]);
        assert_ne!(r.code, 0, "tier {bad:?} accepted");
        assert_eq!(r.envelope()["error"]["code"], "invalid_argument");
    }
    env.fail(&["update", &id, "--tier", "urgent"], "invalid_argument");
    assert_eq!(env.snapshot(), before);
    assert_eq!(env.show(&id)["log_intact"], true);
}

#[test]
fn attention_range() {
    let env = TestEnv::init_preset("plan-first");
    let id = env.create("Attention", &[]);
    let t = env.okw(&["update", &id, "--attention", "5"]);
    assert_eq!(t["attention"], 5);
    let last = t["log"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["text"], "changed attention");
    let t = env.okw(&["update", &id, "--attention", "0"]);
    assert_eq!(t["attention"], 0);
    let t = env.okw(&["update", &id, "--attention", "99"]);
    assert_eq!(t["attention"], 99);
    let before = env.snapshot();
    for bad in ["100", "-1", "many"] {
        let err = env.fail(&["update", &id, "--attention", bad], "invalid_argument");
        assert!(
            err["message"].as_str().unwrap().contains("attention"),
            "{err}"
        );
    }
    assert_eq!(env.snapshot(), before);
    assert_eq!(env.show(&id)["attention"], 99);
}
