//! Data safety (issue 12): temp files, hostile files, file modes, identity
//! and cache keys. Each test fails without its fix.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::TestEnv;

fn check_codes(env: &TestEnv) -> Vec<String> {
    let r = env.run(&["check", "--json"]);
    let v = r.envelope();
    v["data"]["issues"]
        .as_array()
        .or_else(|| v["error"]["details"]["issues"].as_array())
        .map(|a| {
            a.iter()
                .map(|i| i["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn temp_files_are_reported_by_check_and_swept_by_the_next_mutation() {
    let env = TestEnv::init();
    env.create("A", &[]);
    let stray = env.tickets_dir().join(".tmp-AbC123");
    std::fs::write(&stray, "half a ticket").unwrap();
    let staged = env.docket_dir().join("local/tmp");
    std::fs::create_dir_all(&staged).unwrap();
    std::fs::write(staged.join(".tmp-x"), "half").unwrap();
    let codes = check_codes(&env);
    assert_eq!(
        codes.iter().filter(|c| *c == "temp_file_left").count(),
        2,
        "{codes:?}"
    );
    env.create("B", &[]);
    assert!(!stray.exists());
    assert_eq!(std::fs::read_dir(&staged).unwrap().count(), 0);
    assert!(!check_codes(&env).contains(&"temp_file_left".to_string()));
}

#[test]
fn ticket_writes_leave_no_temp_file_in_ticket_folders() {
    let env = TestEnv::init();
    let id = env.create("A", &[]);
    env.ok(&["close", &id]);
    for dir in [env.tickets_dir(), env.archive_dir()] {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            assert!(!e.file_name().to_string_lossy().starts_with(".tmp-"));
        }
    }
}

fn mkfifo(path: &std::path::Path) {
    let st = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(st.success());
}

#[test]
fn fifo_and_device_ticket_files_are_skipped_never_blocking() {
    let env = TestEnv::init();
    env.create("A", &[]);
    mkfifo(&env.tickets_dir().join("dk-01fifo00000000--f.md"));
    std::os::unix::fs::symlink(
        "/dev/zero",
        env.tickets_dir().join("dk-01zero00000000--z.md"),
    )
    .unwrap();
    let start = Instant::now();
    let r = env.run(&["list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.envelope()["data"].as_array().map(Vec::len), Some(1));
    let r = env.run(&["search", "anything", "--json"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let codes = check_codes(&env);
    assert_eq!(
        codes.iter().filter(|c| *c == "not_regular_file").count(),
        2,
        "{codes:?}"
    );
    let r = env.run(&["show", "dk-01zero", "--json"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(start.elapsed() < Duration::from_secs(20));
}

/// docket's own files replaced by FIFOs: the derived ones (frontmatter cache,
/// check verdicts, id index) are rebuilt, and a config that is not a regular
/// file is a clear error. No read ever blocks on one.
#[test]
fn fifos_in_place_of_docket_files_never_block() {
    let env = TestEnv::init();
    let id = env.create("A", &[]);
    env.ok(&["check"]);
    let local = env.docket_dir().join("local");
    let run = |args: &[&str]| {
        let out = env
            .cmd(args)
            .timeout(Duration::from_secs(20))
            .output()
            .expect("run docket");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    for name in ["cache-v4.bin", "check-v1.bin", "ids-v1.log", "ids-v1.base"] {
        let f = local.join(name);
        let _ = std::fs::remove_file(&f);
        mkfifo(&f);
        for args in [
            &["list", "--json"][..],
            &["show", &id, "--json"],
            &["check", "--json"],
            &["create", "B", "--json"],
        ] {
            let (code, stdout) = run(args);
            assert_eq!(code, Some(0), "{name}, {args:?}: {stdout}");
        }
        let _ = std::fs::remove_file(&f);
    }
    let cfg = env.docket_dir().join("config.toml");
    std::fs::remove_file(&cfg).unwrap();
    mkfifo(&cfg);
    let (code, stdout) = run(&["list", "--json"]);
    assert_eq!(code, Some(1), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["error"]["code"], "config_invalid", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{v}"
    );
}

#[test]
fn files_over_the_size_cap_are_skipped_with_a_warning_and_reported() {
    let env = TestEnv::init();
    let cfg = env.docket_dir().join("config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let text = text.replacen(
        "prefix = \"dk\"",
        "prefix = \"dk\"\nmax_ticket_bytes = 4000",
        1,
    );
    std::fs::write(&cfg, text).unwrap();
    env.create("Small", &[]);
    let big = "x".repeat(5000);
    env.create("Big", &["--description", &big]);
    let r = env.run(&["list", "--json"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.envelope()["data"].as_array().map(Vec::len), Some(1));
    assert!(r.stderr.contains("limit"), "{}", r.stderr);
    assert!(check_codes(&env).contains(&"file_too_large".to_string()));
}

#[test]
fn a_dangling_symlink_at_the_lock_creates_nothing_outside_the_project() {
    let env = TestEnv::init();
    let outside = env.home.join("outside-lock");
    let lock = env.docket_dir().join("local/lock");
    let _ = std::fs::remove_file(&lock);
    std::os::unix::fs::symlink(&outside, &lock).unwrap();
    let r = env.run(&["create", "A", "--json"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        !outside.exists(),
        "the lock followed a symlink out of the project"
    );
}

#[test]
fn a_symlinked_default_session_file_is_not_followed() {
    let env = TestEnv::init();
    let session = env.docket_dir().join("local/session");
    std::os::unix::fs::symlink("/dev/zero", &session).unwrap();
    let r = env.run(&["create", "A", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn created_files_follow_the_umask() {
    let env = TestEnv::new();
    let bin = assert_cmd::cargo::cargo_bin("docket");
    let run = |args: &str| {
        let st = Command::new("sh")
            .arg("-c")
            .arg(format!("umask 027 && exec '{}' {args}", bin.display()))
            .env("DOCKET_ACTOR", "t")
            .env("HOME", &env.home)
            .current_dir(&env.root)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    run("init --prefix dk");
    run("create A");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&env.docket_dir().join("config.toml")), 0o640);
    assert_eq!(mode(&env.docket_dir().join(".gitignore")), 0o640);
    let t = std::fs::read_dir(env.tickets_dir())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(mode(&t.path()), 0o640);
}

#[test]
fn an_id_mismatch_makes_mutations_refuse() {
    let env = TestEnv::init();
    let a = env.create("A", &[]);
    let path = env.path_of(&a);
    let text = std::fs::read_to_string(&path).unwrap();
    let other = "dk-01zzzzzzzzzzzz";
    std::fs::write(
        &path,
        text.replace(&format!("id: {a}"), &format!("id: {other}")),
    )
    .unwrap();
    let before = std::fs::read(&path).unwrap();
    env.fail(&["update", &a, "--add-tag", "x"], "id_mismatch");
    env.fail(&["close", &a], "id_mismatch");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let r = env.run(&["list"]);
    assert!(r.stderr.contains("id_mismatch"), "reads warn: {}", r.stderr);
    assert!(check_codes(&env).contains(&"id_mismatch".to_string()));
}

#[test]
fn a_duplicate_id_makes_mutations_refuse_and_never_renames_over_it() {
    let env = TestEnv::init();
    let a = env.create("A", &[]);
    let path = env.path_of(&a);
    let copy = env.archive_dir().join(format!("{a}--copy.md"));
    // Past the folder-mtime tick the id index is stamped with.
    std::thread::sleep(Duration::from_millis(50));
    std::fs::copy(&path, &copy).unwrap();
    env.fail(&["update", &a, "--add-tag", "x"], "duplicate_id");
    env.fail(&["close", &a], "duplicate_id");
    assert!(path.exists() && copy.exists());
    let r = env.run(&["list", "--all"]);
    assert!(
        r.stderr.contains("duplicate_id"),
        "reads warn: {}",
        r.stderr
    );
    assert!(check_codes(&env).contains(&"duplicate_id".to_string()));
    // Same name in the other folder: a close must not replace it.
    std::fs::remove_file(&copy).unwrap();
    let b = env.create("B", &[]);
    let bpath = env.path_of(&b);
    let twin = env.archive_dir().join(bpath.file_name().unwrap());
    std::thread::sleep(Duration::from_millis(50));
    let theirs = std::fs::read_to_string(&bpath)
        .unwrap()
        .replace("title: B", "title: Theirs");
    std::fs::write(&twin, &theirs).unwrap();
    env.fail(&["close", &b], "duplicate_id");
    assert_eq!(std::fs::read_to_string(&twin).unwrap(), theirs);
}

#[test]
fn an_edit_that_restores_size_and_mtime_is_seen() {
    let env = TestEnv::init();
    let a = env.create("Alpha", &[]);
    env.ok(&["list"]);
    let path = env.path_of(&a);
    let reference = env.home.join("ref");
    let st = Command::new("cp")
        .arg("-p")
        .arg(&path)
        .arg(&reference)
        .status()
        .unwrap();
    assert!(st.success());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("title: Alpha", "title: Omega")).unwrap();
    let st = Command::new("touch")
        .arg("-r")
        .arg(&reference)
        .arg(&path)
        .status()
        .unwrap();
    assert!(st.success());
    let list = env.ok(&["list"]);
    assert_eq!(list[0]["title"], "Omega", "{list}");
}

#[test]
fn control_characters_in_fields_are_escaped_in_human_output_only() {
    let env = TestEnv::init();
    let title = "Evil \u{1b}]52;c;aGk=\u{7} and \u{1b}[2J clear";
    let id = env.create(
        title,
        &["--tags", "t\u{1b}[31mred", "--description", "d\u{9b}x"],
    );
    for args in [
        vec!["list"],
        vec!["show", id.as_str()],
        vec!["show", id.as_str(), "--full"],
        vec!["search", "Evil"],
        vec!["update", id.as_str(), "--add-tag", "y"],
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        for out in [&r.stdout, &r.stderr] {
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{9b}'),
                "{args:?} printed a raw control character: {out:?}"
            );
        }
        if args[0] != "update" {
            assert!(
                r.stdout.contains("\\x1b]52;c;aGk=\\x07"),
                "{args:?}: {}",
                r.stdout
            );
        }
    }
    // JSON keeps the exact text.
    let v = env.show(&id);
    assert_eq!(v["title"], title);
}

fn edit_file(env: &TestEnv, id: &str, from: &str, to: &str) {
    let path = env.path_of(id);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in {text}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_status_changed_by_hand_is_reported() {
    let env = TestEnv::init();
    let id = env.create("A", &[]);
    env.ok(&["start", &id]);
    assert!(check_codes(&env).is_empty());
    edit_file(&env, &id, "status: in_progress", "status: open");
    assert!(check_codes(&env).contains(&"status_not_logged".to_string()));
}

#[test]
fn criteria_ticked_by_hand_are_reported_and_docket_ticks_are_not() {
    let env = TestEnv::init();
    let id = env.create("A", &["--acceptance", "one", "--acceptance", "two"]);
    env.ok(&["update", &id, "--ac", "one", "--done"]);
    assert!(check_codes(&env).is_empty(), "{:?}", check_codes(&env));
    let text = std::fs::read_to_string(env.path_of(&id)).unwrap();
    let ticked = text.replacen("done: false", "done: true", 1);
    assert_ne!(text, ticked);
    std::fs::write(env.path_of(&id), ticked).unwrap();
    assert!(check_codes(&env).contains(&"criteria_not_logged".to_string()));
}

#[test]
fn a_moved_ticket_without_its_log_is_reported() {
    let env = TestEnv::init();
    let id = env.create("A", &[]);
    env.ok(&["close", &id]);
    let path = env.path_of(&id);
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = &text[..text.find("## Log").unwrap()];
    std::fs::write(&path, cut).unwrap();
    assert!(check_codes(&env).contains(&"log_missing".to_string()));
}

#[test]
fn approval_by_another_session_of_the_plan_author_is_logged_and_warned() {
    let env = TestEnv::init_preset("plan-first");
    let a = env.session("architect", "ada");
    let b = env.session("architect", "bob");
    let id = env.ok_as(&a, &["create", "T"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.ok_as(&a, &["advance", &id]);
    env.ok_as(&a, &["plan", &id, "--body", "Step 1"]);
    env.ok_as(&b, &["advance", &id]);
    let text = std::fs::read_to_string(env.path_of(&id)).unwrap();
    assert!(text.contains("same_actor=true"), "{text}");
    let r = env.run(&["check", "--json"]);
    assert_eq!(r.code, 0, "a warning does not fail check: {}", r.stdout);
    assert!(check_codes(&env).contains(&"same_actor_approval".to_string()));
}

#[test]
fn a_close_keeps_hand_written_frontmatter_byte_for_byte() {
    let env = TestEnv::init();
    let id = env.create("A", &[]);
    let path = env.path_of(&id);
    let text = std::fs::read_to_string(&path).unwrap();
    let (fm, body) = text[4..].split_once("\n---\n").unwrap();
    let hand = format!(
        "---\n# written by hand\n{}\nowner: &o\n  name: ada   # lead\nreviewer: *o\ncustom: !!str 0123\n---\n{body}",
        fm.replace("title: A", "title: 'A'  # quoted")
    );
    std::fs::write(&path, &hand).unwrap();
    env.ok(&["close", &id]);
    let after = std::fs::read_to_string(env.path_of(&id)).unwrap();
    for kept in [
        "# written by hand\n",
        "title: 'A'  # quoted\n",
        "owner: &o\n  name: ada   # lead\nreviewer: *o\ncustom: !!str 0123\n",
    ] {
        assert!(after.contains(kept), "lost {kept:?}:\n{after}");
    }
    assert!(after.contains("status: closed\n"), "{after}");
}

/// A missing config still says so plainly (as `read_to_string` did before
/// configs were read only when regular), not Rust's bare "entity not found".
#[test]
fn a_missing_config_says_no_such_file() {
    let env = TestEnv::init();
    std::fs::remove_file(env.docket_dir().join("config.toml")).unwrap();
    let r = env.run(&["list", "--json"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v = r.envelope();
    assert_eq!(v["error"]["code"], "config_invalid", "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("No such file or directory"), "{message}");
}
