//! Claims and WIP limits under real parallel processes, and claims shared by
//! every git worktree of a repository.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::common::TestEnv;

/// Start `n` detached sessions and return their ids.
fn sessions(env: &TestEnv, n: usize) -> Vec<String> {
    sessions_named(env, "agent", n)
}

fn sessions_named(env: &TestEnv, prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| env.session("implementer", &format!("{prefix}{i}")))
        .collect()
}

fn spawn(env: &TestEnv, dir: &Path, sid: &str, args: &[&str]) -> Child {
    let mut c = env.std_command_in(dir);
    c.env("DOCKET_SESSION", sid)
        .args(args)
        .arg("--json")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.spawn().expect("spawn")
}

/// Wait for every child: (exit code, envelope).
fn collect(children: Vec<Child>) -> Vec<(i32, Value)> {
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("wait");
            let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                panic!(
                    "bad JSON ({e}): {}\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
            });
            (out.status.code().unwrap_or(-1), v)
        })
        .collect()
}

#[test]
fn sixteen_parallel_starts_of_one_ticket_have_exactly_one_winner() {
    let env = TestEnv::init();
    let id = env.create("contended", &[]);
    let sids = sessions(&env, 16);
    let children = sids
        .iter()
        .map(|s| spawn(&env, &env.root, s, &["start", &id]))
        .collect();
    let results = collect(children);
    let winners: Vec<&Value> = results
        .iter()
        .filter(|(c, _)| *c == 0)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for (code, v) in results.iter().filter(|(c, _)| *c != 0) {
        assert_eq!(*code, 1);
        assert_eq!(v["error"]["code"], "claimed", "{v}");
    }
    let winner = winners[0]["data"]["changed"]["assignee"]
        .as_str()
        .expect("assignee");
    let t = env.show(&id);
    assert_eq!(t["assignee"], winner);
    assert_eq!(t["status"], "in_progress");
    // One transition, no entries for the 15 refusals.
    let kinds: Vec<&str> = t["log"]
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["created", "transition"]);
    env.assert_check_clean();
}

#[test]
fn sixteen_parallel_claim_next_get_sixteen_different_tickets() {
    let env = TestEnv::init();
    for i in 0..18 {
        env.create(&format!("t{i}"), &[]);
    }
    let sids = sessions(&env, 16);
    let children = sids
        .iter()
        .map(|s| spawn(&env, &env.root, s, &["claim", "--next"]))
        .collect();
    let results = collect(children);
    let mut got = BTreeSet::new();
    for (code, v) in &results {
        assert_eq!(*code, 0, "{v}");
        got.insert(v["data"]["id"].as_str().expect("id").to_string());
    }
    assert_eq!(
        got.len(),
        16,
        "every caller got its own ticket: {results:?}"
    );
    // Two are left; a third claim finds one, then nothing is ready.
    let extra = sessions_named(&env, "late", 3);
    env.ok_as(&extra[0], &["claim", "--next"]);
    env.ok_as(&extra[1], &["claim", "--next"]);
    let err = env.fail_as(&extra[2], &["claim", "--next"], "nothing_ready");
    assert!(err["hint"].is_string(), "{err}");
    assert!(env.ok(&["ready"]).as_array().expect("rows").is_empty());
    let claims = env.ok(&["claim", "--list"]);
    assert_eq!(claims.as_array().map(Vec::len), Some(18));
}

#[test]
fn a_wip_limit_holds_under_eight_parallel_starts() {
    let env = TestEnv::init();
    let cfg = env.docket_dir().join("config.toml");
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str("\n[workflow.wip]\nin_progress = 3\n");
    std::fs::write(&cfg, text).expect("write config");
    let ids: Vec<String> = (0..8).map(|i| env.create(&format!("t{i}"), &[])).collect();
    let sids = sessions(&env, 8);
    let children = sids
        .iter()
        .zip(&ids)
        .map(|(s, id)| spawn(&env, &env.root, s, &["start", id]))
        .collect();
    let results = collect(children);
    let ok = results.iter().filter(|(c, _)| *c == 0).count();
    assert_eq!(ok, 3, "{results:?}");
    for (_, v) in results.iter().filter(|(c, _)| *c != 0) {
        assert_eq!(v["error"]["code"], "guard_failed", "{v}");
        assert_eq!(v["error"]["guard"], "wip_limit", "{v}");
    }
    let started = env.ok(&["list", "--status", "in_progress"]);
    assert_eq!(started.as_array().map(Vec::len), Some(3));
    // Refused starts wrote nothing: five tickets are still open and unassigned.
    let open = env.ok(&["list", "--status", "open"]);
    assert_eq!(open.as_array().map(Vec::len), Some(5));
    assert!(
        open.as_array()
            .expect("rows")
            .iter()
            .all(|t| t["assignee"].is_null())
    );
}

#[test]
fn explain_names_the_wip_limit_and_force_records_a_violation() {
    let env = TestEnv::init();
    let cfg = env.docket_dir().join("config.toml");
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str("\n[workflow.wip]\nin_progress = 1\n");
    std::fs::write(&cfg, text).expect("write config");
    let a = env.create("a", &[]);
    let b = env.create("b", &[]);
    env.ok(&["start", &a]);
    let (v, code) = env.json(&["advance", &b, "--to", "in_progress", "--explain"]);
    assert_eq!(code, 1, "{v}");
    let verdicts = v["data"]["verdicts"].as_array().expect("verdicts");
    let wip = verdicts
        .iter()
        .find(|x| x["guard"] == "wip_limit")
        .expect("wip_limit verdict");
    assert_eq!(wip["passed"], false);
    assert!(
        wip["message"].as_str().unwrap_or("").contains("1 of 1"),
        "{wip}"
    );
    env.okw(&["start", &b, "--force", "--reason", "hotfix"]);
    let t = env.show(&b);
    let kinds: Vec<&str> = t["log"]
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"violation"), "{kinds:?}");
}

#[test]
fn a_claim_ends_with_its_session_and_steal_needs_a_reason() {
    let env = TestEnv::init();
    let id = env.create("t", &[]);
    let ann = env.session("implementer", "ann");
    let bob = env.session("implementer", "bob");
    env.ok_as(&ann, &["start", &id]);
    let err = env.fail_as(&bob, &["start", &id], "claimed");
    assert_eq!(err["holder"], "ann");
    // The force-like remedy comes last.
    let remedies = err["remedies"].as_array().expect("remedies");
    assert!(
        remedies.last().expect("one")["command"]
            .as_str()
            .unwrap_or("")
            .contains("--steal")
    );
    // --steal without a reason is refused by the parser.
    let r = env.run(&["--session", &bob, "start", &id, "--steal", "--json"]);
    assert_eq!(r.code, 1);
    // Taking it over is logged as a violation.
    let before = env.read(&id);
    env.okw_as(&bob, &["start", &id, "--steal", "--reason", "ann left"]);
    assert_ne!(before, env.read(&id));
    assert_eq!(env.show(&id)["assignee"], "bob");
    // Bob ends his session: the claim goes with it; ann may take it back.
    env.ok_as(&bob, &["session", "--end"]);
    env.okw_as(&ann, &["start", &id]);
    assert_eq!(env.show(&id)["assignee"], "ann");
    // Leaving the active status releases the claim.
    env.okw_as(&ann, &["status", &id, "open"]);
    assert!(
        env.ok(&["claim", "--list"])
            .as_array()
            .expect("list")
            .is_empty()
    );
}

#[test]
fn plan_first_keeps_the_planners_claim_through_approval() {
    let env = TestEnv::init_preset("plan-first");
    let ada = env.session("architect", "ada");
    let bob = env.session("architect", "bob");
    let id = env.create("sso", &[]);
    env.okw_as(&ada, &["claim", &id]);
    assert_eq!(env.show(&id)["status"], "planning");
    env.okw_as(&ada, &["plan", &id, "--body", "1. do it"]);
    // Bob approves (planning → in_progress): allowed, and the claim stays ada's.
    env.okw_as(&bob, &["advance", &id]);
    let t = env.show(&id);
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["assignee"], "ada");
    let claims = env.ok(&["claim", "--list"]);
    assert_eq!(claims[0]["name"], "ada", "{claims}");
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn worktrees_of_one_repository_share_claims_and_sessions() {
    let env = TestEnv::new();
    git(&env.root, &["init", "-q", "-b", "main"]);
    env.ok(&["init", "--prefix", "dk"]);
    let id = env.create("shared", &[]);
    git(&env.root, &["add", "-A"]);
    git(&env.root, &["commit", "-q", "-m", "tickets"]);
    let wt = env.home.join("wt2");
    let wt_s = wt.to_string_lossy().into_owned();
    git(&env.root, &["worktree", "add", "-q", &wt_s, "-b", "lane2"]);
    // The lock, sessions and claims live under the common git dir.
    let ann = env.session("implementer", "ann");
    assert!(env.root.join(".git/docket/root/sessions").is_dir());
    let r = env.run_in(&wt, &["--session", &ann, "start", &id, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // A session started in the other worktree cannot claim the same ticket
    // in the first one, though each worktree has its own ticket file.
    let r = env.run_in(
        &wt,
        &[
            "session",
            "--role",
            "implementer",
            "--name",
            "bob",
            "--detach",
            "--json",
        ],
    );
    let bob = r.envelope()["data"]["id"]
        .as_str()
        .expect("bob")
        .to_string();
    let err = env.fail(&["--session", &bob, "start", &id], "claimed");
    assert_eq!(err["holder"], "ann");
    let listed = env.run_in(&wt, &["claim", "--list", "--json"]).envelope();
    assert_eq!(listed["data"][0]["name"], "ann");
}
