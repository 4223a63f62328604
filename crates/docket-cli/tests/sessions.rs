//! End-to-end tests for sessions, roles and cleanup, driving the built binary.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().to_path_buf();
        let env = Env { _tmp: tmp, root };
        env.ok(&["init", "--prefix", "t"]);
        env
    }

    fn cmd(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let mut c = Command::cargo_bin("docket").expect("binary");
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.root)
            .env("NO_COLOR", "1")
            .env("DOCKET_ACTOR", "tester")
            .current_dir(&self.root)
            .args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().expect("run docket")
    }

    fn json(&self, args: &[&str], envs: &[(&str, &str)]) -> (Value, i32) {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.cmd(&all, envs);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: bad JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        (v, out.status.code().unwrap_or(-1))
    }

    /// A write's whole ticket afterwards (writes answer lean; see cli/common.rs).
    fn okw(&self, args: &[&str]) -> Value {
        let data = self.ok(args);
        // A lean answer `{id, handle, status, changed?, logged?, archived_to?}`;
        // a no-op write has neither `changed` nor `logged`.
        let lean = data.as_object().is_some_and(|o| {
            ["id", "handle", "status"]
                .iter()
                .all(|k| o.contains_key(*k))
                && o.keys().all(|k| {
                    ["id", "handle", "status", "changed", "logged", "archived_to"]
                        .contains(&k.as_str())
                })
        });
        let Some(id) = data["id"].as_str().filter(|_| lean) else {
            return data;
        };
        let (v, code) = self.json(&["show", "--full", id], &[]);
        assert_eq!(code, 0, "show {id} failed: {v}");
        v["data"].clone()
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (v, code) = self.json(args, &[]);
        assert_eq!(code, 0, "{args:?} failed: {v}");
        assert_eq!(v["ok"], true);
        v["data"].clone()
    }

    fn err(&self, args: &[&str], envs: &[(&str, &str)]) -> Value {
        let (v, code) = self.json(args, envs);
        assert_eq!(code, 1, "{args:?} should fail: {v}");
        assert_eq!(v["ok"], false);
        v["error"].clone()
    }

    fn sessions_dir(&self) -> PathBuf {
        self.root.join(".docket/local/sessions")
    }
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|r| r.count()).unwrap_or(0)
}

#[test]
fn session_lifecycle_start_show_list_end() {
    let env = Env::new();
    let err = env.err(&["session"], &[]);
    assert_eq!(err["code"], "no_session");
    let s = env.ok(&["session", "--role", "architect", "--name", "alice"]);
    assert_eq!(s["name"], "alice");
    assert_eq!(s["role"], "architect");
    assert!(s["id"].as_str().unwrap().starts_with("s-"));
    let cur = env.ok(&["session"]);
    assert_eq!(cur["id"], s["id"]);
    let list = env.ok(&["session", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let ended = env.ok(&["session", "--end"]);
    assert_eq!(ended["id"], s["id"]);
    assert_eq!(env.err(&["session"], &[])["code"], "no_session");
    assert_eq!(count_files(&env.sessions_dir()), 0);
}

#[test]
fn unknown_role_and_bad_names_change_nothing() {
    let env = Env::new();
    assert_eq!(
        env.err(&["session", "--role", "wizard"], &[])["code"],
        "unknown_role"
    );
    assert_eq!(
        env.err(
            &["session", "--role", "architect", "--name", "bad name!"],
            &[]
        )["code"],
        "invalid_argument"
    );
    assert_eq!(count_files(&env.sessions_dir()), 0);
    env.ok(&["session", "--role", "architect", "--name", "dup"]);
    assert_eq!(
        env.err(&["session", "--role", "implementer", "--name", "dup"], &[])["code"],
        "invalid_argument"
    );
    assert_eq!(count_files(&env.sessions_dir()), 1);
}

#[test]
fn notes_record_the_acting_session_chosen_by_env_then_flag() {
    let env = Env::new();
    let a = env.ok(&["session", "--role", "architect", "--name", "arch"]);
    let b = env.ok(&["session", "--role", "implementer", "--name", "impl"]);
    let t = env.okw(&["create", "Work"]);
    let id = t["id"].as_str().unwrap();
    // Default file points at the last started session (impl).
    env.okw(&["add-note", id, "from default"]);
    let a_id = a["id"].as_str().unwrap();
    let (v, code) = env.json(&["add-note", id, "from env"], &[("DOCKET_SESSION", a_id)]);
    assert_eq!(code, 0, "{v}");
    let (v, code) = env.json(
        &["add-note", id, "from flag", "--session", "impl"],
        &[("DOCKET_SESSION", a_id)],
    );
    assert_eq!(code, 0, "{v}");
    let notes = env.ok(&["show", "--full", id])["notes"].clone();
    let authors: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["author"].as_str().unwrap())
        .collect();
    assert_eq!(
        authors,
        vec![
            "impl (implementer)",
            "arch (architect)",
            "impl (implementer)"
        ]
    );
    let _ = b;
    // A session that does not exist is an error, and nothing is written.
    let before = std::fs::read(
        env.root
            .join(".docket/tickets")
            .read_dir()
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path(),
    )
    .unwrap();
    let err = env.err(&["add-note", id, "ghost"], &[("DOCKET_SESSION", "s-nope")]);
    assert_eq!(err["code"], "no_session");
    let after = std::fs::read(
        env.root
            .join(".docket/tickets")
            .read_dir()
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path(),
    )
    .unwrap();
    assert_eq!(before, after);
}

#[test]
fn parallel_sessions_by_env_do_not_step_on_each_other() {
    let env = Env::new();
    let t = env.okw(&["create", "Shared"]);
    let id = t["id"].as_str().unwrap().to_string();
    let ids: Vec<String> = (0..6)
        .map(|i| {
            let role = if i % 2 == 0 {
                "architect"
            } else {
                "implementer"
            };
            env.ok(&["session", "--role", role, "--name", &format!("agent{i}")])["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let bin = assert_cmd::cargo::cargo_bin("docket");
    // Spawn every agent at once, then wait: real parallel processes.
    let running: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, sid)| {
            std::process::Command::new(&bin)
                .current_dir(&env.root)
                .env("DOCKET_SESSION", sid)
                .args(["add-note", &id, &format!("parallel {i}")])
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for mut c in running {
        assert!(c.wait().expect("wait").success());
    }
    let notes = env.ok(&["show", "--full", &id])["notes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(notes.len(), 6);
    for i in 0..6 {
        let want_author = format!(
            "agent{i} ({})",
            if i % 2 == 0 {
                "architect"
            } else {
                "implementer"
            }
        );
        let n = notes
            .iter()
            .find(|n| n["text"] == format!("parallel {i}"))
            .expect("note present");
        assert_eq!(n["author"], want_author.as_str());
    }
}

#[test]
fn custom_roles_create_list_delete_refused_while_in_use() {
    let env = Env::new();
    let r = env.ok(&["role", "create", "security-expert", "--like", "architect"]);
    assert_eq!(r["like"], "architect");
    assert!(env.root.join(".docket/roles.toml").exists());
    let roles = env.ok(&["role", "list"]);
    assert!(
        roles
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "security-expert" && r["builtin"] == false)
    );
    let s = env.ok(&["session", "--role", "security-expert"]);
    assert_eq!(s["base_role"], "architect");
    let before = std::fs::read(env.root.join(".docket/roles.toml")).unwrap();
    let err = env.err(&["role", "delete", "security-expert"], &[]);
    assert_eq!(err["code"], "role_in_use");
    assert_eq!(
        std::fs::read(env.root.join(".docket/roles.toml")).unwrap(),
        before
    );
    env.ok(&["session", "--end"]);
    env.ok(&["role", "delete", "security-expert"]);
    assert_eq!(
        env.err(&["role", "delete", "architect"], &[])["code"],
        "invalid_argument"
    );
    assert_eq!(
        env.err(&["role", "create", "x", "--like", "wizard"], &[])["code"],
        "invalid_argument"
    );
}

#[test]
fn cleanup_expires_idle_sessions_only() {
    let env = Env::new();
    let old = env.json(
        &["session", "--role", "architect", "--name", "old"],
        &[("DOCKET_NOW", "2026-01-01T00:00:00Z")],
    );
    assert_eq!(old.1, 0);
    env.json(
        &["session", "--role", "implementer", "--name", "fresh"],
        &[("DOCKET_NOW", "2026-01-01T05:00:00Z")],
    );
    // Starting "fresh" five hours later already expired "old" lazily (limit 4h).
    let (v, _) = env.json(&["session", "list"], &[]);
    let names: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["fresh"]);
    let (dry, code) = env.json(
        &["cleanup", "--dry-run"],
        &[("DOCKET_NOW", "2026-01-01T10:00:00Z")],
    );
    assert_eq!(code, 0);
    assert_eq!(dry["data"]["expired"].as_array().unwrap().len(), 1);
    assert_eq!(count_files(&env.sessions_dir()), 1);
    let (done, _) = env.json(&["cleanup"], &[("DOCKET_NOW", "2026-01-01T10:00:00Z")]);
    assert_eq!(done["data"]["expired"][0]["name"], "fresh");
    assert_eq!(count_files(&env.sessions_dir()), 0);
}
