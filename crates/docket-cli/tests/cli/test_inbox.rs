//! The inbox: dropped files become tickets with `docket inbox` and before any
//! write; prereqs resolve by slug or title; a bad file stays with a reason.

use crate::common::TestEnv;

fn drop_file(env: &TestEnv, name: &str, text: &str) -> std::path::PathBuf {
    let dir = env.docket_dir().join("inbox");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn titles(env: &TestEnv) -> Vec<String> {
    let v = env.ok(&["list", "--all"]);
    let mut t: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

#[test]
fn inbox_adopts_all_three_shapes_and_resolves_prereqs() {
    let env = TestEnv::init();
    let existing = env.create("User model", &[]);
    let plain = drop_file(
        &env,
        "session-store.md",
        "# Session store\n\nKeep sessions in Redis.\n",
    );
    let tess = drop_file(
        &env,
        "2-user-auth.md",
        "description: Add JWT auth\nprereq: session-store, user-model\n----\nRefresh tokens.\n",
    );
    let knot = drop_file(
        &env,
        "sso.md",
        "---\ntitle: Single sign-on\ntype: feature\npriority: 1\ntags: [auth]\ndeps: [Add JWT auth]\n---\n\n## Description\n\nSAML first.\n",
    );
    let before = env.snapshot();
    let dry = env.ok(&["inbox", "--dry-run"]);
    assert_eq!(dry["adopted"].as_array().unwrap().len(), 3, "{dry}");
    assert_eq!(dry["warnings"].as_array().unwrap().len(), 0, "{dry}");
    assert_eq!(env.snapshot(), before);
    assert!(plain.exists());

    let r = env.ok(&["inbox"]);
    assert_eq!(r["adopted"].as_array().unwrap().len(), 3, "{r}");
    assert!(!plain.exists() && !tess.exists() && !knot.exists());
    let ids: std::collections::HashMap<String, String> = r["adopted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap().to_string(),
                a["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let auth = env.show(&ids["Add JWT auth"]);
    let mut deps: Vec<String> = auth["deps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    deps.sort();
    let mut want = vec![ids["Session store"].clone(), existing];
    want.sort();
    assert_eq!(deps, want);
    assert_eq!(auth["description"], "Refresh tokens.");
    let sso = env.show(&ids["Single sign-on"]);
    assert_eq!(sso["type"], "feature");
    assert_eq!(sso["priority"], 1);
    assert_eq!(sso["deps"][0], ids["Add JWT auth"].as_str());
    assert_eq!(sso["description"], "SAML first.");
    let store = env.show(&ids["Session store"]);
    assert_eq!(store["description"], "Keep sessions in Redis.");
}

#[test]
fn next_write_adopts_and_a_bad_file_stays_with_its_reason() {
    let env = TestEnv::init();
    drop_file(&env, "idea.md", "Faster startup\n\nCache the config.\n");
    let bad = drop_file(&env, "bad.md", "---\ntitle: [\n---\n");
    let empty = drop_file(&env, "empty.md", "\n\n");
    // A read adopts nothing.
    assert_eq!(titles(&env), Vec::<String>::new());
    let r = env.run(&["create", "Other", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.envelope();
    assert!(r.stderr.contains("adopted inbox/idea.md"), "{}", r.stderr);
    assert!(
        r.stderr.contains("inbox/bad.md stays in the inbox"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("inbox/empty.md stays in the inbox: no title"),
        "{}",
        r.stderr
    );
    assert_eq!(titles(&env), vec!["Faster startup", "Other"]);
    assert!(bad.exists() && empty.exists());
    let inbox = env.ok(&["inbox"]);
    assert_eq!(inbox["kept"].as_array().unwrap().len(), 2, "{inbox}");
}

#[test]
fn init_can_write_a_claude_md_pointer() {
    let env = TestEnv::new();
    std::fs::write(env.root.join("CLAUDE.md"), "# Mine\n\nkeep me\n").unwrap();
    let v = env.ok(&["init", "--prefix", "dk", "--claude-md"]);
    assert_eq!(v["claude_md"]["result"], "updated", "{v}");
    let text = std::fs::read_to_string(env.root.join("CLAUDE.md")).unwrap();
    assert!(text.starts_with("# Mine\n\nkeep me\n"), "{text}");
    assert!(text.contains("AGENTS.md"), "{text}");
    let again = env.ok(&["init", "--prefix", "dk", "--claude-md", "--force"]);
    assert_eq!(again["claude_md"]["result"], "unchanged");
    let plain = TestEnv::new();
    let v = plain.ok(&["init", "--prefix", "dk"]);
    assert!(v.get("claude_md").is_none());
    assert!(!plain.root.join("CLAUDE.md").exists());
}
