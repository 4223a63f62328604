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

/// A `git` first on PATH that logs each call, then runs the real git.
struct CountingGit {
    path: String,
    log: std::path::PathBuf,
}

impl CountingGit {
    fn new(env: &TestEnv) -> CountingGit {
        use std::os::unix::fs::PermissionsExt;
        let real = std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .expect("sh");
        let real = String::from_utf8(real.stdout).unwrap().trim().to_string();
        assert!(!real.is_empty(), "these tests need git on PATH");
        let bin = env.home.join("fake-bin");
        std::fs::create_dir_all(&bin).unwrap();
        let log = env.home.join("git-calls");
        let git = bin.join("git");
        std::fs::write(
            &git,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{real}' \"$@\"\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        CountingGit { path, log }
    }

    /// How many times git was run so far; the log starts over.
    fn calls(&self) -> usize {
        let n = std::fs::read_to_string(&self.log)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        let _ = std::fs::remove_file(&self.log);
        n
    }

    /// Run docket without `DOCKET_ACTOR` or `USER`, so the git user acts;
    /// `extra` adds environment variables.
    fn run(&self, env: &TestEnv, args: &[&str], extra: &[(&str, &str)]) -> String {
        let mut c = env.cmd(args);
        c.env("PATH", &self.path)
            .env_remove("DOCKET_ACTOR")
            .env_remove("USER");
        for (k, v) in extra {
            c.env(k, v);
        }
        let out = c.output().expect("run docket");
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// Create a ticket and return its file's text, which names its author.
    fn create(&self, env: &TestEnv, extra: &[(&str, &str)]) -> String {
        let out = self.run(env, &["create", "by git's user", "--json"], extra);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        env.read(v["data"]["id"].as_str().unwrap())
    }
}

/// Run the real git in `dir` with the test's `HOME`; it must succeed.
fn real_git(env: &TestEnv, dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", &env.home)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// Reads spawned `git config user.name` on every call to learn an actor they
/// never record; only writes may ask git, and only when its answer may have
/// changed since the last one.
#[test]
fn reads_never_ask_git_for_the_user_and_writes_ask_once_per_change() {
    let env = TestEnv::init();
    let git = CountingGit::new(&env);
    let global = env.home.join(".gitconfig");
    std::fs::write(&global, "[user]\n\tname = Gita\n").unwrap();
    git.run(&env, &["list", "--json"], &[]);
    git.run(&env, &["ready"], &[]);
    assert_eq!(git.calls(), 0, "a read asked git for the user");
    assert!(git.create(&env, &[]).contains("· created · Gita\n"));
    assert!(git.calls() > 0, "the first write asks git");
    // A file changed within 2 s is not remembered (a same-size edit in the
    // same timestamp tick would keep its stamp); once it is older, it is.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(git.create(&env, &[]).contains("· created · Gita\n"));
    git.calls();
    assert!(git.create(&env, &[]).contains("· created · Gita\n"));
    assert_eq!(git.calls(), 0, "nothing changed: the answer is remembered");

    // An edit to the global file is seen at once (same size, too).
    std::fs::write(&global, "[user]\n\tname = Gus \n").unwrap();
    assert!(git.create(&env, &[]).contains("· created · Gus\n"));
    assert!(git.calls() > 0);

    // A repository made in the project, with a name of its own.
    real_git(&env, &env.root, &["init", "-q"]);
    assert!(git.create(&env, &[]).contains("· created · Gus\n"));
    std::fs::write(
        env.root.join(".git/config"),
        "[core]\n\tbare = false\n[user]\n\tname = Local Lu\n",
    )
    .unwrap();
    assert!(git.create(&env, &[]).contains("· created · Local Lu\n"));
    assert!(git.create(&env, &[]).contains("· created · Local Lu\n"));
    git.calls();

    // Its removal brings the global name back.
    std::fs::remove_dir_all(env.root.join(".git")).unwrap();
    assert!(git.create(&env, &[]).contains("· created · Gus\n"));
    assert!(git.calls() > 0);
}

/// What the remembered answer cannot follow is asked every time: an included
/// file, and configuration picked by the environment.
#[test]
fn includes_and_git_environment_are_never_remembered() {
    let env = TestEnv::init();
    let git = CountingGit::new(&env);
    // An include of a file not made yet: git lists no setting from it, so
    // only never remembering sees it appear.
    let extra = env.home.join("extra.gitconfig");
    std::fs::write(
        env.home.join(".gitconfig"),
        format!(
            "[user]\n\tname = Ines\n[include]\n\tpath = {}\n",
            extra.display()
        ),
    )
    .unwrap();
    assert!(git.create(&env, &[]).contains("· created · Ines\n"));
    assert!(git.create(&env, &[]).contains("· created · Ines\n"));
    assert!(git.calls() >= 2, "an include must not be remembered");
    std::fs::write(&extra, "[user]\n\tname = Jo\n").unwrap();
    assert!(git.create(&env, &[]).contains("· created · Jo\n"));

    // A global file without includes is remembered (once it is 2 s old: a
    // file changed within 2 s is not)...
    let global = env.home.join(".gitconfig");
    std::fs::write(&global, "[user]\n\tname = Lea\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(git.create(&env, &[]).contains("· created · Lea\n"));
    git.calls();
    assert!(git.create(&env, &[]).contains("· created · Lea\n"));
    assert_eq!(git.calls(), 0, "remembered");
    // ...but with GIT_CONFIG_GLOBAL git is asked every time, and what it
    // says then is not remembered in place of the file's answer.
    let other = env.home.join("other.gitconfig");
    std::fs::write(&other, "[user]\n\tname = Kai\n").unwrap();
    let by_env = [("GIT_CONFIG_GLOBAL", other.to_str().unwrap())];
    assert!(git.create(&env, &by_env).contains("· created · Kai\n"));
    assert!(git.create(&env, &by_env).contains("· created · Kai\n"));
    assert_eq!(git.calls(), 2, "GIT_CONFIG_GLOBAL: asked every time");
    assert!(git.create(&env, &[]).contains("· created · Lea\n"));
    assert_eq!(
        git.calls(),
        0,
        "the file's answer is still the remembered one"
    );
}

/// A project in a repository's subfolder, reached through a symlink: git
/// walks the real path and names the repository's file from its top, and so
/// must the remembered answer.
#[test]
fn a_repository_above_a_symlinked_project_is_followed() {
    let env = TestEnv::init();
    let git = CountingGit::new(&env);
    std::fs::write(env.home.join(".gitconfig"), "[user]\n\tname = Mo\n").unwrap();
    real_git(&env, &env.home, &["init", "-q"]);
    let link = env.home.join("link");
    std::os::unix::fs::symlink(&env.root, &link).unwrap();
    let at_link = |extra: &[&str]| {
        let mut args = vec!["-C", link.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = git.run(&env, &args, &[]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        env.read(v["data"]["id"].as_str().unwrap())
    };
    assert!(at_link(&["create", "one", "--json"]).contains("· created · Mo\n"));
    real_git(&env, &env.home, &["config", "user.name", "Repo Ren"]);
    assert!(at_link(&["create", "two", "--json"]).contains("· created · Repo Ren\n"));
    assert!(at_link(&["create", "three", "--json"]).contains("· created · Repo Ren\n"));
}

/// The memo is a derived file: a FIFO, a symlink out of the project or
/// garbage in its place never blocks a write, never changes the name it
/// records, and nothing is written through the link.
#[test]
fn a_hostile_git_user_memo_is_ignored_and_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let env = TestEnv::init();
    let git = CountingGit::new(&env);
    std::fs::write(env.home.join(".gitconfig"), "[user]\n\tname = Nia\n").unwrap();
    let memo = env.docket_dir().join("local/git-user-v1.json");
    let outside = env.home.join("outside.json");
    std::fs::write(&outside, "precious").unwrap();
    let fifo = |p: &std::path::Path| {
        let made = std::process::Command::new("mkfifo")
            .arg(p)
            .status()
            .unwrap();
        assert!(made.success());
    };
    let planted: [(&str, &dyn Fn()); 3] = [
        ("fifo", &|| fifo(&memo)),
        ("symlink", &|| {
            std::os::unix::fs::symlink(&outside, &memo).unwrap()
        }),
        ("garbage", &|| {
            std::fs::write(&memo, b"{\"env\": [1, \xff").unwrap()
        }),
    ];
    // Old enough to be remembered, so each write also replaces the plant.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    for (what, plant) in planted {
        let _ = std::fs::remove_file(&memo);
        plant();
        let mut c = env.cmd(&["create", what, "--json"]);
        c.env("PATH", &git.path)
            .env_remove("DOCKET_ACTOR")
            .env_remove("USER")
            .timeout(std::time::Duration::from_secs(20));
        let out = c.output().expect("run docket");
        assert!(out.status.success(), "{what}: {out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let text = env.read(v["data"]["id"].as_str().unwrap());
        assert!(text.contains("· created · Nia\n"), "{what}: {text}");
        let kind = std::fs::symlink_metadata(&memo).unwrap().file_type();
        assert!(
            kind.is_file() && !kind.is_fifo(),
            "{what}: the memo was rewritten"
        );
        assert_eq!(
            std::fs::read_to_string(&outside).unwrap(),
            "precious",
            "{what}"
        );
    }
}

/// Through the binary: a broken ticket file is reported by every listing
/// but no longer makes each one rewrite the derived cache, and a derived
/// file's temp file a killed reader left behind is swept by the next write
/// once it is a minute old (a fresh one is left alone).
#[test]
fn a_broken_ticket_leaves_the_cache_alone_and_stale_local_temps_are_swept() {
    use std::os::unix::fs::MetadataExt;
    let env = TestEnv::init();
    for t in ["a", "b", "c"] {
        env.ok(&["create", t]);
    }
    std::fs::write(
        env.tickets_dir().join("x-zzzz--broken.md"),
        "---\nid: [broken\n---\n",
    )
    .unwrap();
    let cache = env.docket_dir().join("local/cache-v4.bin");
    let list = |env: &TestEnv| {
        let run = env.run(&["list", "--json"]);
        assert!(
            run.stderr.contains("x-zzzz"),
            "the broken file is reported: {}",
            run.stderr
        );
        run.envelope()["data"].as_array().map(Vec::len)
    };
    assert_eq!(list(&env), Some(3));
    let inode = std::fs::metadata(&cache).unwrap().ino();
    assert_eq!(list(&env), Some(3));
    assert_eq!(list(&env), Some(3));
    assert_eq!(
        std::fs::metadata(&cache).unwrap().ino(),
        inode,
        "the cache was not rewritten"
    );

    let local = env.docket_dir().join("local");
    let stale = local.join(".tmp-killed");
    let fresh = local.join(".tmp-in-flight");
    std::fs::write(&stale, "half a cache").unwrap();
    std::fs::write(&fresh, "being written").unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    env.ok(&["create", "d"]);
    assert!(!stale.exists(), "the stale temp file is swept");
    assert!(fresh.exists(), "a fresh one is left alone");
}
