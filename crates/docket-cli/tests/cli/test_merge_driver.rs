//! The git merge driver, with real git: two branches change one ticket.

use std::path::Path;
use std::process::Command;

use crate::common::TestEnv;

/// Run git in the project with the docket binary on PATH (git runs the driver).
fn git(env: &TestEnv, args: &[&str]) -> (i32, String) {
    let bin = assert_cmd::cargo::cargo_bin("docket");
    let dir = bin.parent().expect("bin dir");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("git")
        .args(args)
        .current_dir(&env.root)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &env.home)
        .env("DOCKET_ACTOR", "tester")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn ok_git(env: &TestEnv, args: &[&str]) {
    let (code, text) = git(env, args);
    assert_eq!(code, 0, "git {}: {text}", args.join(" "));
}

fn setup() -> (TestEnv, String) {
    let env = TestEnv::new();
    ok_git(&env, &["init", "-q", "-b", "main"]);
    env.ok(&["init", "--prefix", "dk"]);
    let r = env.ok(&["merge-driver", "install"]);
    assert_eq!(r["gitattributes"]["result"], "created", "{r}");
    let again = env.ok(&["merge-driver", "install"]);
    assert_eq!(again["gitattributes"]["result"], "unchanged");
    assert_eq!(again["config"]["result"], "unchanged");
    let id = env.create("Shared ticket", &["-d", "base text"]);
    ok_git(&env, &["add", "-A"]);
    ok_git(&env, &["commit", "-qm", "base"]);
    (env, id)
}

fn ticket_file(env: &TestEnv, id: &str) -> String {
    env.read(id)
}

#[test]
fn two_branches_merge_cleanly_and_check_verifies_the_joined_log() {
    let (env, id) = setup();
    ok_git(&env, &["checkout", "-qb", "feat"]);
    env.ok(&["add-note", &id, "note on feat"]);
    env.ok(&["update", &id, "--add-tag", "feat"]);
    env.ok(&["start", &id]);
    ok_git(&env, &["commit", "-qam", "feat"]);
    ok_git(&env, &["checkout", "-q", "main"]);
    env.ok(&["add-note", &id, "note on main"]);
    env.ok(&["update", &id, "--add-tag", "main", "--priority", "0"]);
    ok_git(&env, &["commit", "-qam", "main"]);

    let (code, out) = git(&env, &["merge", "feat", "-m", "merge feat"]);
    assert_eq!(code, 0, "{out}");
    let text = ticket_file(&env, &id);
    assert!(!text.contains("<<<<<<<"), "{text}");
    let t = env.show(&id);
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["priority"], 0);
    let mut tags: Vec<&str> = t["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    tags.sort();
    assert_eq!(tags, ["feat", "main"]);
    let notes: Vec<&str> = t["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(text.contains(" · merge · "), "{text}");
    let (check, code) = env.json(&["check"]);
    assert_eq!(code, 0, "{check}");

    // Editing an entry that came from the other branch, even re-hashing the
    // chain after it, is caught by the merge entry's record of that branch.
    let path = env.path_of(&id);
    let forged = text.replacen("note on feat", "note on fext", 1);
    std::fs::write(&path, forged).unwrap();
    let (check, code) = env.json(&["check"]);
    assert_eq!(code, 1, "{check}");
}

#[test]
fn a_real_conflict_is_confined_to_its_key() {
    let (env, id) = setup();
    ok_git(&env, &["checkout", "-qb", "feat"]);
    env.ok(&["update", &id, "--title", "Title from feat"]);
    env.ok(&["add-note", &id, "feat note"]);
    ok_git(&env, &["commit", "-qam", "feat"]);
    ok_git(&env, &["checkout", "-q", "main"]);
    env.ok(&[
        "update",
        &id,
        "--title",
        "Title from main",
        "--add-tag",
        "x",
    ]);
    ok_git(&env, &["commit", "-qam", "main"]);

    let (code, out) = git(&env, &["merge", "feat", "-m", "merge feat"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("conflict confined to title"), "{out}");
    let text = std::fs::read_to_string(find_ticket(&env.root, &id)).unwrap();
    assert_eq!(text.matches("<<<<<<<").count(), 1, "{text}");
    assert!(
        text.contains(
            "<<<<<<< ours\ntitle: Title from main\n=======\ntitle: Title from feat\n>>>>>>> theirs\n"
        ),
        "{text}"
    );
    // Everything else merged: the tag from main, the note from feat.
    assert!(text.contains("- x\n"), "{text}");
    assert!(text.contains("feat note"), "{text}");
}

fn find_ticket(root: &Path, id: &str) -> std::path::PathBuf {
    let dir = root.join(".docket/tickets");
    std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(id))
        .expect("ticket file")
}
