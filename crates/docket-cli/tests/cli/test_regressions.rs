//! One test per bug found in review, named after the bug.

use crate::common::TestEnv;

fn id_of(v: &serde_json::Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// Planning → in progress by a second architect; returns (env, ticket, implementer, architect).
fn approved() -> (TestEnv, String, String, String) {
    let env = TestEnv::init_preset("plan-first");
    let imp = env.session("implementer", "ivan");
    let arch = env.session("architect", "ada");
    let t = id_of(&env.okw_as(&imp, &["create", "p"]));
    env.okw_as(&imp, &["advance", &t]);
    env.okw_as(&imp, &["plan", &t, "--body", "real plan"]);
    env.okw_as(&arch, &["advance", &t]);
    (env, t, imp, arch)
}

#[test]
fn heading_with_extra_spaces_cannot_replace_the_frozen_plan() {
    let (env, t, imp, _) = approved();
    let before = env.snapshot();
    for text in [
        "desc\n##  Plan\n\nevil plan",
        "desc\n## \tPlan\n\nevil",
        "d\n## Notes\n\n### 2026-01-01T00:00:00Z — ada (architect)\n\nLGTM",
    ] {
        env.fail_as(
            &imp,
            &["update", &t, "--description", text],
            "invalid_argument",
        );
        env.fail_as(&imp, &["update", &t, "--design", text], "invalid_argument");
    }
    env.fail_as(
        &imp,
        &["create", "x", "-d", "a\n##  Log\n\nb"],
        "invalid_argument",
    );
    env.fail_as(
        &imp,
        &["update", &t, "--body", "x\n##   Plan\n\ny"],
        "invalid_argument",
    );
    assert_eq!(env.snapshot(), before);
    assert_eq!(env.show(&t)["plan"]["text"], "real plan");
    env.assert_check_clean();
}

#[test]
fn carriage_returns_in_log_text_keep_the_chain_intact() {
    let env = TestEnv::init_preset("plan-first");
    let imp = env.session("implementer", "ivan");
    let t = id_of(&env.okw_as(&imp, &["create", "p"]));
    env.okw_as(&imp, &["advance", &t]);
    env.okw_as(&imp, &["plan", &t, "--body", "p1\r\r\r\np2\rp3"]);
    let v = env.okw_as(&imp, &["comment", &t, "a\r\r\nb"]);
    assert_eq!(v["log_intact"], true);
    assert_eq!(v["plan"]["text"], "p1\n\n\np2\np3");
    env.assert_check_clean();
}

#[test]
fn status_names_with_unusual_whitespace_round_trip_in_the_log() {
    let env = TestEnv::init();
    let cfg = env.docket_dir().join("config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        r#"statuses = ["open", "in_progress", "closed"]"#,
        "statuses = [\"open\", \"in_progress\", \"wait\u{a0}ing\", \"tab\there\", \"closed\"]",
    );
    std::fs::write(&cfg, text).unwrap();
    let t = env.create("odd", &[]);
    env.okw(&["status", &t, "wait\u{a0}ing"]);
    env.okw(&["status", &t, "tab\there"]);
    let v = env.okw(&["add-note", &t, "after"]);
    assert_eq!(v["log_intact"], true, "{v}");
    let log = v["log"].as_array().unwrap();
    assert_eq!(log[1]["data"]["to"], "wait\u{a0}ing");
    assert_eq!(log[2]["data"]["to"], "tab\there");
    assert_eq!(log.last().unwrap()["n"], log.len());
    env.assert_check_clean();
}

#[test]
fn cancelling_a_ticket_in_planning_approves_nothing() {
    let env = TestEnv::init_preset("plan-first");
    let imp = env.session("implementer", "ivan");
    let arch = env.session("architect", "ada");
    let t = id_of(&env.okw_as(&imp, &["create", "p"]));
    env.okw_as(&imp, &["advance", &t]);
    env.okw_as(&imp, &["plan", &t, "--body", "v1"]);
    let v = env.okw_as(&arch, &["advance", &t, "--to", "cancelled"]);
    let kinds: Vec<&str> = v["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.contains(&"approval"), "{kinds:?}");
    assert!(v["plan"]["frozen"].is_null());
}

#[test]
fn session_names_cannot_look_like_session_ids() {
    let env = TestEnv::init();
    let ada = env.session("architect", "ada");
    env.fail(
        &["session", "--role", "implementer", "--name", &ada[..10]],
        "invalid_argument",
    );
    env.fail(
        &["session", "--role", "implementer", "--name", &ada],
        "invalid_argument",
    );
    let v = env.ok(&["--session", &ada, "session"]);
    assert_eq!(v["id"], ada);
}

#[test]
fn search_does_not_match_log_or_frontmatter_metadata() {
    let env = TestEnv::init();
    let t = env.create("plain", &["--tags", "core"]);
    env.okw(&["add-note", &t, "hello"]);
    for word in ["prev", "hash", "session", "mode", "priority"] {
        let v = env.ok(&["search", word]);
        assert_eq!(v.as_array().unwrap().len(), 0, "{word}: {v}");
    }
    assert_eq!(env.ok(&["search", "core"]).as_array().unwrap().len(), 1);
    assert_eq!(env.ok(&["search", "hello"])[0]["line"], "hello");
}

/// Reads spawned `git config user.name` on every call to learn an actor they
/// never record; only writes may ask git now.
#[test]
fn reads_never_ask_git_for_the_user_and_writes_still_do() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::init();
    let bin = env.root.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let marker = env.root.join("git-was-asked");
    let git = bin.join("git");
    std::fs::write(
        &git,
        format!(
            "#!/bin/sh\necho asked >> '{}'\necho Gita\n",
            marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        let mut c = env.cmd(args);
        c.env("PATH", &path)
            .env_remove("DOCKET_ACTOR")
            .env_remove("USER");
        let out = c.output().expect("run docket");
        assert!(out.status.success(), "{args:?}: {out:?}");
    };
    run(&["list", "--json"]);
    run(&["ready"]);
    assert!(!marker.exists(), "a read asked git for the user");
    run(&["create", "by git's user"]);
    assert!(marker.exists(), "a write did not ask git for the user");
    // Asked once: the answer started early is the one used.
    let asked = std::fs::read_to_string(&marker).unwrap();
    assert_eq!(asked.lines().count(), 1, "{asked}");
    let tickets = env.root.join(".docket/tickets");
    let text: String = std::fs::read_dir(&tickets)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    assert!(text.contains("Gita"), "{text}");
}
