//! `man`, `completions`, `init`'s AGENTS.md section and `agents install`.

use crate::common::TestEnv;

#[test]
fn man_lists_pages_and_prints_them() {
    let env = TestEnv::new();
    let pages = env.ok(&["man"]);
    let names: Vec<&str> = pages
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for want in [
        "minimal",
        "workflow",
        "states",
        "json",
        "mcp",
        "tickets",
        "lifecycle",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let minimal = env.ok(&["man", "minimal"]);
    let llm = env.ok(&["man", "llm"]);
    assert_eq!(minimal["text"], llm["text"]);
    assert!(minimal["text"].as_str().unwrap().len() < 6000);
    // Command pages come from the clap definitions.
    let create = env.ok(&["man", "create"])["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(create.contains("--acceptance"), "{create}");
    let human = env.run(&["man", "lifecycle"]);
    assert_eq!(human.code, 0);
    assert!(human.stdout.contains("docket advance"), "{}", human.stdout);
    env.fail(&["man", "no-such-page"], "invalid_argument");
}

#[test]
fn completions_for_every_shell() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        // The dynamic script asks the binary (`COMPLETE=<shell> docket`).
        let r = env.run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains("docket"), "{shell}");
        assert!(r.stdout.contains("COMPLETE"), "{shell}: {}", r.stdout);
        // --static: clap's fixed script, with the command names in it.
        let r = env.run(&["completions", shell, "--static"]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains("advance"), "{shell}");
    }
    let data = env.ok(&["completions", "bash"]);
    assert_eq!(data["shell"], "bash");
    env.fail(&["completions", "tcsh"], "invalid_argument");
}

#[test]
fn completions_help_says_how_to_install_for_every_shell() {
    let env = TestEnv::new();
    let r = env.run(&["completions", "--help"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "source <(COMPLETE=bash docket)",
        "source <(COMPLETE=zsh docket)",
        "COMPLETE=fish docket | source",
        "E:COMPLETE=elvish docket",
        "$env:COMPLETE = \"powershell\"",
    ] {
        assert!(r.stdout.contains(line), "{line}: {}", r.stdout);
    }
}

/// The candidates the binary offers for `words` (fish's protocol: one per
/// line, the value before a tab).
fn complete(env: &TestEnv, words: &[&str]) -> Vec<String> {
    let mut args = vec!["--", "docket"];
    args.extend_from_slice(words);
    let r = env.run_with(&args, &[("COMPLETE", "fish")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn completion_offers_ticket_handles_with_their_titles() {
    let env = TestEnv::init();
    let a = env.ok(&["create", "First"])["handle"]
        .as_str()
        .unwrap()
        .to_string();
    let b = env.ok(&["create", "Second"])["handle"]
        .as_str()
        .unwrap()
        .to_string();
    let got = complete(&env, &["start", "dk-"]);
    assert!(got.contains(&a) && got.contains(&b), "{got:?}");
    let r = env.run_with(&["--", "docket", "show", &a], &[("COMPLETE", "fish")]);
    assert!(r.stdout.contains(&format!("{a}\tFirst")), "{}", r.stdout);
    // Bash's protocol: the word index, and the separator, from the script.
    let r = env.run_with(
        &["--", "docket", "start", "dk-"],
        &[
            ("COMPLETE", "bash"),
            ("_CLAP_COMPLETE_INDEX", "2"),
            ("_CLAP_IFS", "\n"),
        ],
    );
    let got: Vec<&str> = r.stdout.lines().collect();
    assert!(
        got.contains(&a.as_str()) && got.contains(&b.as_str()),
        "{got:?}"
    );
}

#[test]
fn completion_offers_statuses_tags_and_session_names() {
    let env = TestEnv::init();
    let id = env.create("tagged", &["--tags", "backend,ui"]);
    env.session("implementer", "alice");
    let statuses = complete(&env, &["status", &id, ""]);
    assert!(
        statuses.contains(&"in_progress".to_string()),
        "{statuses:?}"
    );
    assert_eq!(complete(&env, &["list", "--tag", ""]), ["backend", "ui"]);
    assert_eq!(complete(&env, &["--session", "al"]), ["alice"]);
}

#[test]
fn completion_outside_a_project_offers_no_handles_and_does_not_fail() {
    let env = TestEnv::new();
    let got = complete(&env, &["show", "dk-"]);
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn init_writes_agents_md_idempotently_and_keeps_user_text() {
    let env = TestEnv::new();
    let path = env.root.join("AGENTS.md");
    std::fs::write(&path, "# Rules\n\nBe nice.\n").unwrap();
    let data = env.ok(&["init", "--prefix", "dk"]);
    assert_eq!(data["agents_md"]["result"], "updated");
    for client in ["claude_code", "claude_desktop", "cursor", "zed", "codex"] {
        assert!(!data["mcp"][client].is_null(), "{client} snippet");
    }
    let once = std::fs::read_to_string(&path).unwrap();
    assert!(once.starts_with("# Rules\n\nBe nice.\n"));
    assert!(once.contains("<!-- docket:start -->") && once.contains("<!-- docket:end -->"));
    // Again: byte-identical.
    let again = env.ok(&["init", "--force", "--prefix", "dk"]);
    assert_eq!(again["agents_md"]["result"], "unchanged");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), once);
    // Human output prints the MCP snippets.
    let fresh = TestEnv::new();
    let r = fresh.run(&["init", "--prefix", "dk"]);
    assert!(r.stdout.contains("claude mcp add docket"), "{}", r.stdout);
    assert!(r.stdout.contains("[mcp_servers.docket]"), "{}", r.stdout);
    let skip = TestEnv::new();
    let d = skip.ok(&["init", "--prefix", "dk", "--no-agents"]);
    assert!(d["agents_md"].is_null());
    assert!(!skip.root.join("AGENTS.md").exists());
}

#[test]
fn agents_install_writes_skill_and_merges_hook() {
    let env = TestEnv::init();
    let claude = env.root.join(".claude");
    std::fs::create_dir_all(&claude).unwrap();
    std::fs::write(
        claude.join("settings.json"),
        r#"{"model": "opus", "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "echo bye"}]}]}}"#,
    )
    .unwrap();
    let data = env.ok(&["agents", "install", "--claude-skill", "--hook"]);
    let results: Vec<(String, String)> = data["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(results[0], ("AGENTS.md".into(), "unchanged".into()));
    assert_eq!(
        results[1],
        (".claude/skills/docket/SKILL.md".into(), "created".into())
    );
    assert_eq!(
        results[2],
        (".claude/settings.json".into(), "updated".into())
    );
    let settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(claude.join("settings.json")).unwrap())
            .unwrap();
    assert_eq!(settings["model"], "opus");
    assert_eq!(
        settings["hooks"]["Stop"][0]["hooks"][0]["command"],
        "echo bye"
    );
    assert_eq!(
        settings["hooks"]["SessionStart"][0]["hooks"][0]["command"],
        "docket prime"
    );
    let skill = std::fs::read_to_string(claude.join("skills/docket/SKILL.md")).unwrap();
    assert!(skill.starts_with("---\nname: docket\n"));
    // Idempotent: a second run changes nothing.
    let before = env.snapshot();
    let settings_before = std::fs::read(claude.join("settings.json")).unwrap();
    let again = env.ok(&["agents", "install", "--claude-skill", "--hook"]);
    assert!(
        again["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["result"] == "unchanged"),
        "{again}"
    );
    assert_eq!(env.snapshot(), before);
    assert_eq!(
        std::fs::read(claude.join("settings.json")).unwrap(),
        settings_before
    );
    // Broken settings are reported, not overwritten.
    std::fs::write(claude.join("settings.json"), "{ not json").unwrap();
    env.fail(&["agents", "install", "--hook"], "invalid_argument");
    assert_eq!(
        std::fs::read_to_string(claude.join("settings.json")).unwrap(),
        "{ not json"
    );
    let snippets = env.ok(&["agents", "snippets"]);
    assert!(
        snippets["codex"]
            .as_str()
            .unwrap()
            .contains("mcp_servers.docket")
    );
}

#[test]
fn mcp_help_and_man_page_exist() {
    let env = TestEnv::new();
    let r = env.run(&["mcp", "--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("--readonly") && r.stdout.contains("--role"));
    let page = env.ok(&["man", "mcp"])["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(page.contains("docket://ticket/"));
}
