//! End-to-end tests of `docket run`: real processes, real git. The agent is the
//! scripted fake in `examples/fake_agent.rs`, which reads its prompt and calls
//! docket to advance, split, stall or fail, as `fake:` lines in the ticket say.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The fake agent binary; built on demand when `cargo test` did not build the
/// examples (e.g. `cargo test --test runner`).
fn fake_agent() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let exe = std::env::current_exe().expect("test exe");
        let debug = exe
            .parent()
            .and_then(Path::parent)
            .expect("target profile dir")
            .to_path_buf();
        let path = debug.join("examples").join("fake_agent");
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "docket-cli", "--example", "fake_agent"])
            .status()
            .expect("cargo build the fake agent");
        assert!(status.success(), "building the fake agent failed");
        assert!(path.exists(), "no fake agent at {}", path.display());
        path
    })
    .clone()
}

struct Env {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    root: PathBuf,
}

impl Env {
    /// A git repository with a docket project of `preset`, the fake agent
    /// configured as `fake` (and `fakeclaude` reading claude stream-json), all
    /// committed, and its runner config trusted (`docket trust`).
    fn new(preset: &str) -> Env {
        let env = Env::untrusted(preset);
        let d = env.ok(&["trust"]);
        assert_eq!(d["action"], "trusted", "{d}");
        env
    }

    /// [`Env::new`] without `docket trust`.
    fn untrusted(preset: &str) -> Env {
        let tmp = tempfile::Builder::new()
            .prefix("docket-run-")
            .tempdir()
            .expect("tempdir");
        let home = tmp.path().canonicalize().expect("canonical");
        let root = home.join("proj");
        std::fs::create_dir_all(&root).expect("mkdir");
        let env = Env {
            _tmp: tmp,
            home,
            root,
        };
        env.git(&["init", "-q", "-b", "main"]);
        env.ok(&["init", "--prefix", "t", "--preset", preset]);
        let fake = fake_agent();
        let cfg = env.root.join(".docket/config.toml");
        let mut text = std::fs::read_to_string(&cfg).expect("config");
        text.push_str(&format!(
            "\n[runner.agents.fake]\ncommand = [{fake:?}, \"{{prompt_file}}\"]\n\n[runner.agents.fakeclaude]\ncommand = [{fake:?}]\nstdin = true\nformat = \"claude\"\n",
            fake = fake.to_string_lossy()
        ));
        std::fs::write(&cfg, text).expect("write config");
        env.commit_all("init");
        env
    }

    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            // The trust store: never the real user's.
            .env("DOCKET_CONFIG_DIR", self.config_dir())
            .env("DOCKET_ACTOR", "tester")
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Tester")
            .env("GIT_AUTHOR_EMAIL", "tester@example.com")
            .env("GIT_COMMITTER_NAME", "Tester")
            .env("GIT_COMMITTER_EMAIL", "tester@example.com")
            .current_dir(&self.root);
        c
    }

    /// The user config folder of this test (`DOCKET_CONFIG_DIR`).
    fn config_dir(&self) -> PathBuf {
        self.home.join("user-config")
    }

    fn docket_cmd(&self, args: &[&str]) -> Command {
        let mut c = self.command(Path::new(env!("CARGO_BIN_EXE_docket")));
        c.args(args);
        c
    }

    fn docket(&self, args: &[&str]) -> Output {
        self.docket_cmd(args).output().expect("run docket")
    }

    /// `--json` envelope and exit code.
    fn json(&self, args: &[&str]) -> (Value, i32) {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.docket(&all);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: bad JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
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
        let (v, code) = self.json(&["show", "--full", id]);
        assert_eq!(code, 0, "show {id} failed: {v}");
        v["data"].clone()
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (v, code) = self.json(args);
        assert_eq!(code, 0, "{args:?} failed: {v}");
        v["data"].clone()
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self
            .command(Path::new("git"))
            .args(args)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn commit_all(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
    }

    /// Create a ticket in `status` with the fake agent's script as description.
    fn ticket(&self, title: &str, status: &str, script: &str, extra: &[&str]) -> String {
        let mut args = vec!["create", title, "-d", script, "--mode", "afk"];
        args.extend_from_slice(extra);
        let id = self.ok(&args)["id"].as_str().expect("id").to_string();
        let now = self.ok(&["show", &id])["status"].clone();
        if now != status {
            self.okw(&["status", &id, status]);
        }
        id
    }

    fn status(&self, id: &str) -> String {
        self.ok(&["show", id])["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Every note on the ticket (`show --full` `notes`), one per line block.
    fn notes(&self, id: &str) -> String {
        self.ok(&["show", "--full", id])["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .map(|n| n["text"].as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// `docket run --json -q --agent fake …`: the envelope and exit code.
    fn run(&self, args: &[&str]) -> (Value, i32) {
        let mut all = vec!["run", "-q", "--agent", "fake"];
        all.extend_from_slice(args);
        self.json(&all)
    }

    fn run_ok(&self, args: &[&str]) -> Value {
        let (v, code) = self.run(args);
        assert_eq!(code, 0, "run {args:?}: {v}");
        v["data"].clone()
    }

    fn subjects(&self) -> Vec<String> {
        self.git(&["log", "--format=%s"])
            .lines()
            .map(String::from)
            .collect()
    }
}

fn runs(summary: &Value) -> Vec<(String, String, String)> {
    summary["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| {
            (
                r["ticket"].as_str().unwrap_or("").to_string(),
                r["stage"].as_str().unwrap_or("").to_string(),
                r["outcome"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn order(summary: &Value) -> Vec<(String, String)> {
    runs(summary).into_iter().map(|(t, s, _)| (t, s)).collect()
}

fn pair(id: &str, stage: &str) -> (String, String) {
    (id.to_string(), stage.to_string())
}

#[test]
fn batch_runs_each_stage_in_order_with_one_commit_per_ticket() {
    let env = Env::new("pipeline");
    let a = env.ticket(
        "Fix A",
        "fix",
        "fake: write a.txt from A\nfake: advance",
        &["--sequence", "2"],
    );
    let b = env.ticket(
        "Fix B",
        "fix",
        "fake: write b.txt from B\nfake: advance",
        &["--sequence", "1"],
    );
    let c = env.ticket(
        "Build C",
        "implement",
        "fake: write c.txt from C\nfake: advance",
        &[],
    );
    let p = env.ticket("Plan P", "plan", "fake: advance", &[]);
    env.commit_all("tickets");

    let s = env.run_ok(&[]);
    assert_eq!(
        order(&s),
        vec![
            pair(&b, "fix"),
            pair(&a, "fix"),
            pair(&p, "plan"),
            pair(&c, "implement")
        ]
    );
    assert!(runs(&s).iter().all(|r| r.2 == "advanced"), "{s}");
    // One move per ticket in batch: A went fix -> implement only.
    assert_eq!(env.status(&a), "implement");
    assert_eq!(env.status(&c), "review");
    let subjects = env.subjects();
    assert_eq!(subjects[0], format!("docket(implement): {c} Build C"));
    assert_eq!(subjects[3], format!("docket(fix): {b} Fix B"));
    // Each commit holds the agent's file and the ticket, nothing else.
    let files = env.git(&["show", "--name-only", "--format=", "HEAD~3"]);
    let mut files: Vec<&str> = files.lines().collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(
        files[0],
        ".docket/tickets/".to_string() + &format!("{b}--fix-b.md")
    );
    assert_eq!(files[1], "b.txt");
    // The outcome is recorded in the ticket and the tree is clean.
    assert!(
        env.notes(&a)
            .contains("docket run: advanced fix → implement")
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    // Stats for `stats`: one line per agent run.
    let stats = std::fs::read_to_string(env.root.join(".docket/local/stats.jsonl")).unwrap();
    assert_eq!(stats.lines().count(), 4);
}

#[test]
fn chase_follows_each_ticket_through_every_stage() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "fake: advance", &[]);
    let b = env.ticket("B", "plan", "fake: advance", &[]);
    env.commit_all("tickets");
    let s = env.run_ok(&["--strategy", "chase"]);
    assert_eq!(
        order(&s),
        vec![
            pair(&a, "fix"),
            pair(&a, "implement"),
            pair(&a, "review"),
            pair(&b, "plan"),
            pair(&b, "implement"),
            pair(&b, "review"),
        ]
    );
    assert_eq!(env.status(&a), "complete");
    assert_eq!(env.status(&b), "complete");
    assert_eq!(env.subjects().len(), 2 + 6);
}

#[test]
fn chase_stops_following_a_parked_ticket_and_max_counts_chains() {
    let env = Env::new("pipeline");
    let a = env.ticket(
        "A",
        "fix",
        "fake@fix: advance\nfake@implement: docket status {id} blocked",
        &[],
    );
    let _b = env.ticket("B", "fix", "fake: advance", &[]);
    env.commit_all("tickets");
    let s = env.run_ok(&["--strategy", "chase", "--max", "1"]);
    assert_eq!(order(&s), vec![pair(&a, "fix"), pair(&a, "implement")]);
    assert_eq!(env.status(&a), "blocked");
    assert_eq!(s["stopped"], "max");
}

#[test]
fn live_rereads_the_board_after_every_run() {
    let env = Env::new("pipeline");
    let b = env.ticket("B", "implement", "fake: advance", &[]);
    let a = env.ticket("A", "fix", "fake: advance", &[]);
    env.commit_all("tickets");
    let s = env.run_ok(&["--strategy", "live"]);
    assert_eq!(
        order(&s),
        vec![
            pair(&a, "fix"),
            pair(&b, "implement"),
            pair(&a, "implement"),
            pair(&b, "review"),
            pair(&a, "review"),
        ]
    );
    // Batch on the same board would take one move each.
    let env = Env::new("pipeline");
    let b = env.ticket("B", "implement", "fake: advance", &[]);
    let a = env.ticket("A", "fix", "fake: advance", &[]);
    env.commit_all("tickets");
    let s = env.run_ok(&[]);
    assert_eq!(order(&s), vec![pair(&a, "fix"), pair(&b, "implement")]);
}

fn add_dep_by_hand(env: &Env, id: &str, dep: &str) {
    let dir = env.root.join(".docket/tickets");
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with(id) {
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.replacen("\nstatus:", &format!("\ndeps: [{dep}]\nstatus:"), 1);
            std::fs::write(&path, text).unwrap();
        }
    }
}

#[test]
fn cycles_and_sequence_conflicts_stop_the_run_before_any_agent() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "fake: advance", &[]);
    let b = env.ticket("B", "implement", "fake: advance", &[]);
    env.okw(&["dep", &a, &b]);
    add_dep_by_hand(&env, &b, &a);
    env.commit_all("tickets");
    let (v, code) = env.run(&[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "run_cycle");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(&a) && msg.contains(&b) && msg.contains("\"A\""),
        "{msg}"
    );
    assert!(!env.root.join(".docket/local/logs").exists());
    let (v, _) = env.run(&["--dry-run"]);
    assert_eq!(v["error"]["code"], "run_cycle");

    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "fake: advance", &["--sequence", "1"]);
    let b = env.ticket("B", "fix", "fake: advance", &["--sequence", "5"]);
    env.okw(&["dep", &a, &b]);
    env.commit_all("tickets");
    let (v, code) = env.run(&[]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "sequence_conflict");
    assert_eq!(v["error"]["tickets"].as_array().unwrap().len(), 2);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sequence 5")
    );
    assert_eq!(env.subjects().len(), 2);
}

/// Replace ids with titles (and the temporary project and fake agent paths
/// with `<root>`, `<fake>`) so snapshots are stable.
fn by_title(env: &Env, text: &str, ids: &[(&str, &str)]) -> String {
    let mut t = text
        .replace(fake_agent().to_string_lossy().as_ref(), "<fake>")
        .replace(env.root.to_string_lossy().as_ref(), "<root>");
    for (id, title) in ids {
        t = t.replace(id, &format!("<{title}>"));
    }
    let _ = env;
    t
}

#[test]
fn dry_run_lists_order_and_deferrals_with_gating_and_cascade() {
    let env = Env::new("pipeline");
    let p = env.ticket("Plan P", "plan", "", &[]);
    let i = env.ticket("Impl I", "implement", "", &["--dep", &p]);
    let i2 = env.ticket("Impl I2", "implement", "", &["--dep", &i]);
    let r = env.ticket("Review R", "review", "", &[]);
    let f = env.ticket("Fix F", "fix", "", &["--dep", &r, "--sequence", "3"]);
    let bl = env.ticket("Blocked BL", "blocked", "", &[]);
    let x = env.ticket("Impl X", "implement", "", &["--dep", &bl]);
    let h = env.ticket("Hitl H", "fix", "", &[]);
    env.okw(&["update", &h, "--mode", "hitl"]);
    let names = [
        (p.as_str(), "Plan P"),
        (i.as_str(), "Impl I"),
        (i2.as_str(), "Impl I2"),
        (r.as_str(), "Review R"),
        (f.as_str(), "Fix F"),
        (bl.as_str(), "Blocked BL"),
        (x.as_str(), "Impl X"),
        (h.as_str(), "Hitl H"),
    ];
    env.commit_all("tickets");
    let out = env.docket(&["run", "--agent", "fake", "--dry-run"]);
    assert!(out.status.success());
    let text = by_title(&env, &String::from_utf8_lossy(&out.stdout), &names);
    insta::assert_snapshot!("dry_run_batch", text);

    let out = env.docket(&[
        "run",
        "--agent",
        "fake",
        "--dry-run",
        "--skip-blocked",
        "--max",
        "2",
    ]);
    let text = by_title(&env, &String::from_utf8_lossy(&out.stdout), &names);
    insta::assert_snapshot!("dry_run_skip_blocked_max", text);

    let (v, _) = env.run(&["--dry-run", "--stages", "fix:2,review"]);
    let queue: Vec<&str> = v["data"]["queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["ticket"].as_str().unwrap())
        .collect();
    assert_eq!(queue, vec![r.as_str()]);
    let capped: Vec<&str> = v["data"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "capped")
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(capped, vec![f.as_str()]);
    // A dry run starts nothing and changes nothing.
    assert!(!env.root.join(".docket/local/logs").exists());
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn runtime_gating_defers_dependents_of_a_ticket_that_did_not_advance() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "implement", "fake: stay", &[]);
    let b = env.ticket("B", "implement", "fake: advance", &["--dep", &a]);
    let c = env.ticket("C", "implement", "fake: advance", &["--dep", &b]);
    env.commit_all("tickets");
    let s = env.run_ok(&[]);
    assert_eq!(
        runs(&s),
        vec![(a.clone(), "implement".into(), "not_advanced".into())]
    );
    let deferred: Vec<&str> = s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert_eq!(deferred, vec![b.as_str(), c.as_str()]);
    assert!(env.notes(&a).contains("not advanced"));
    assert!(env.notes(&a).contains("for a person"));
}

#[test]
fn stop_request_halts_between_tickets() {
    let env = Env::new("pipeline");
    let a = env.ticket(
        "A",
        "fix",
        "fake: docket run --stop\nfake: advance",
        &["--sequence", "1"],
    );
    let b = env.ticket("B", "fix", "fake: advance", &["--sequence", "2"]);
    env.commit_all("tickets");
    let s = env.run_ok(&[]);
    assert_eq!(order(&s), vec![pair(&a, "fix")]);
    assert_eq!(s["stopped"], "stop");
    assert_eq!(env.status(&b), "fix");
    assert!(!env.root.join(".docket/local/run/stop").exists());
    // `--stop` itself just leaves the request.
    let d = env.ok(&["run", "--stop"]);
    assert_eq!(d["stop_file"], ".docket/local/run/stop");
}

fn wait_for(path: &Path, secs: u64) -> String {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if let Ok(t) = std::fs::read_to_string(path)
            && !t.trim().is_empty()
        {
            return t.trim().to_string();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {}", path.display());
}

fn alive(pid: &str) -> bool {
    Command::new("kill")
        .args(["-0", pid])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn an_interrupted_run_kills_the_agent_and_the_next_run_resumes_first() {
    let env = Env::new("pipeline");
    let first = env.ticket("First", "fix", "fake: advance", &["--sequence", "1"]);
    let slow = env.ticket(
        "Slow",
        "fix",
        "fake: pid .docket/local/agent.pid\nfake: stall-once 30\nfake: advance",
        &["--sequence", "2"],
    );
    env.commit_all("tickets");
    let child = env
        .docket_cmd(&["run", "-q", "--agent", "fake", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn run");
    let agent_pid = wait_for(&env.root.join(".docket/local/agent.pid"), 20);
    // One run per project at a time.
    let (v, code) = env.run(&["--dirty-tree", "ignore"]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "runner_failed");
    assert!(v["error"]["message"].as_str().unwrap().contains("another"));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["data"]["stopped"], "interrupted");
    // The agent's whole process group is gone; the in-flight record stays.
    std::thread::sleep(Duration::from_millis(100));
    assert!(!alive(&agent_pid), "agent {agent_pid} survived");
    let flight: Value = serde_json::from_str(
        &std::fs::read_to_string(env.root.join(".docket/local/run/current.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(flight["ticket"], slow.as_str());
    let prior_log = flight["log"].as_str().unwrap().to_string();

    // The interrupted attempt's work is committed with a note saying what
    // comes next, so a plain run starts on a clean tree and resumes it.
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    assert!(
        env.subjects()[0].ends_with("(interrupted)"),
        "{:?}",
        env.subjects()
    );
    assert!(
        env.notes(&slow)
            .contains("The next `docket run` resumes this ticket first")
    );
    let s = env.run_ok(&[]);
    assert_eq!(order(&s)[0], pair(&slow, "fix"));
    assert!(s["runs"][0]["outcome"] == "advanced");
    let prompt_path = env.root.join(
        s["runs"][0]["log"]
            .as_str()
            .unwrap()
            .replace(".log", ".prompt.md"),
    );
    let prompt = std::fs::read_to_string(prompt_path).unwrap();
    assert!(prompt.contains("## Resume"), "{prompt}");
    assert!(prompt.contains(&prior_log));
    assert!(!env.root.join(".docket/local/run/current.json").exists());
    // First ran in the first run (fix -> implement) and again now.
    assert_eq!(env.status(&first), "review");
}

#[test]
fn idle_timeout_kills_retries_once_then_notes_and_moves_on() {
    let env = Env::new("pipeline");
    let once = env.ticket(
        "Once",
        "fix",
        "fake: print 2\nfake: stall-once 20\nfake: advance",
        &["--sequence", "1"],
    );
    let never = env.ticket("Never", "fix", "fake: stall 20", &["--sequence", "2"]);
    let after = env.ticket("After", "fix", "fake: advance", &["--sequence", "3"]);
    env.commit_all("tickets");
    let start = Instant::now();
    let s = env.run_ok(&["--idle-timeout", "700ms"]);
    assert!(start.elapsed() < Duration::from_secs(15));
    let r = &s["runs"];
    assert_eq!(r[0]["ticket"], once.as_str());
    assert_eq!(r[0]["attempts"], 2);
    assert_eq!(r[0]["outcome"], "advanced");
    assert_eq!(r[1]["ticket"], never.as_str());
    assert_eq!(r[1]["attempts"], 2);
    assert_eq!(r[1]["outcome"], "failed");
    assert_eq!(r[1]["exit"], "idle timeout");
    assert_eq!(r[2]["ticket"], after.as_str());
    assert_eq!(r[2]["outcome"], "advanced");
    assert!(env.notes(&never).contains("no output for 0.7s twice"));
    assert_eq!(env.status(&never), "fix");
    // The retry prompt points at the first attempt's log.
    let retry = std::fs::read_to_string(
        env.root
            .join(r[0]["log"].as_str().unwrap().replace(".log", ".prompt.md")),
    )
    .unwrap();
    assert!(retry.contains("idle timeout"), "{retry}");
    assert!(r[0]["log"].as_str().unwrap().ends_with("-retry.log"));
}

#[test]
fn deletion_guard_refuses_the_commit_and_stops() {
    let env = Env::new("pipeline");
    for i in 1..=7 {
        std::fs::write(env.root.join(format!("del-{i}.txt")), "x").unwrap();
    }
    let script: String = (1..=7)
        .map(|i| format!("fake: rm del-{i}.txt\n"))
        .collect::<String>()
        + "fake: advance";
    let a = env.ticket("Deleter", "fix", &script, &["--sequence", "1"]);
    let b = env.ticket("Next", "fix", "fake: advance", &["--sequence", "2"]);
    env.commit_all("tickets");
    let before = env.subjects().len();
    let (v, code) = env.run(&[]);
    assert_eq!(code, 1, "a refused commit fails the run: {v}");
    assert_eq!(v["ok"], false);
    let s = v["data"].clone();
    assert_eq!(s["stopped"], "commit_refused");
    assert_eq!(order(&s), vec![pair(&a, "fix")]);
    assert_eq!(
        s["runs"][0]["refused_deletions"].as_array().unwrap().len(),
        7
    );
    assert_eq!(env.subjects().len(), before);
    assert!(env.git(&["status", "--porcelain"]).contains(" D del-1.txt"));
    assert!(env.notes(&a).contains("commit refused"));
    assert_eq!(env.status(&b), "fix");
    // Within the limit, deletions are committed.
    let env = Env::new("pipeline");
    std::fs::write(env.root.join("old.txt"), "x").unwrap();
    env.ticket("Small", "fix", "fake: rm old.txt\nfake: advance", &[]);
    env.commit_all("tickets");
    let s = env.run_ok(&[]);
    assert!(s["runs"][0]["commit"].is_string());
    assert!(
        env.git(&["show", "--name-status", "--format=", "HEAD"])
            .contains("D\told.txt")
    );
}

/// `KEY=value` lines written by the fake agent's `env` action.
fn env_file(path: &Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .expect("env file")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_agent_is_given_its_session_ticket_stage_log_prompt_and_docket() {
    let env = Env::new("pipeline");
    let out = env.home.join("agent-env.txt");
    let script = format!("fake: env {}\nfake: advance", out.display());
    let a = env.ticket("A", "fix", &script, &[]);
    env.commit_all("tickets");
    let s = env.run_ok(&[]);
    assert_eq!(s["runs"][0]["outcome"], "advanced");
    let vars = env_file(&out);
    assert_eq!(vars["DOCKET_TICKET"], a);
    assert_eq!(vars["DOCKET_STAGE"], "fix");
    // The agent acts as the run's session for this ticket: its move is logged
    // under that session.
    let sid = &vars["DOCKET_SESSION"];
    assert!(sid.starts_with("s-"), "{vars:?}");
    let file = std::fs::read_dir(env.root.join(".docket/tickets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&a))
        .expect("ticket file");
    let text = std::fs::read_to_string(file).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains(&format!("session={sid} ")) && l.contains("from=fix")),
        "{text}"
    );
    let log = s["runs"][0]["log"].as_str().unwrap();
    assert!(vars["DOCKET_RUN_LOG"].ends_with(log), "{vars:?} vs {log}");
    assert!(!vars["DOCKET_PROMPT_FILE"].is_empty(), "{vars:?}");
    // The same docket runs it, first on its PATH.
    let bin = Path::new(env!("CARGO_BIN_EXE_docket"))
        .canonicalize()
        .unwrap();
    assert_eq!(Path::new(&vars["DOCKET_BIN"]).canonicalize().unwrap(), bin);
    assert_eq!(
        Path::new(&vars["PATH0"]).canonicalize().unwrap(),
        bin.parent().unwrap()
    );
}

#[test]
fn no_commit_leaves_the_agents_work_uncommitted() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "fake: write a.txt A\nfake: advance", &[]);
    env.commit_all("tickets");
    let before = env.subjects();
    let s = env.run_ok(&["--no-commit"]);
    assert_eq!(s["runs"][0]["outcome"], "advanced");
    assert!(s["runs"][0]["commit"].is_null(), "{s}");
    assert_eq!(env.subjects(), before);
    assert_eq!(env.status(&a), "implement");
    assert!(env.git(&["status", "--porcelain"]).contains("?? a.txt"));
}

#[test]
fn commit_false_in_the_config_makes_no_commits() {
    let env = Env::new("pipeline");
    let cfg = env.root.join(".docket/config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("\ncommit = true"), "{text}");
    std::fs::write(
        &cfg,
        text.replacen("\ncommit = true", "\ncommit = false", 1),
    )
    .unwrap();
    env.ticket("A", "fix", "fake: write a.txt A\nfake: advance", &[]);
    env.commit_all("tickets");
    let before = env.subjects();
    let s = env.run_ok(&[]);
    assert_eq!(s["runs"][0]["outcome"], "advanced");
    assert!(s["runs"][0]["commit"].is_null(), "{s}");
    assert_eq!(env.subjects(), before);
    assert!(env.git(&["status", "--porcelain"]).contains("?? a.txt"));
}

#[test]
fn outside_git_the_run_works_without_commits() {
    let env = Env::new("pipeline");
    std::fs::remove_dir_all(env.root.join(".git")).unwrap();
    let a = env.ticket("A", "fix", "fake: write a.txt A\nfake: advance", &[]);
    let s = env.run_ok(&[]);
    assert_eq!(s["runs"][0]["outcome"], "advanced");
    assert!(s["runs"][0]["commit"].is_null(), "{s}");
    assert_eq!(env.status(&a), "implement");
    assert!(env.root.join("a.txt").exists());
    assert!(!env.root.join(".git").exists());
}

#[test]
fn a_failing_agent_is_noted_and_the_run_goes_on() {
    let env = Env::new("pipeline");
    let a = env.ticket(
        "Bad",
        "fix",
        "fake: write half.txt partial\nfake: fail 3",
        &["--sequence", "1"],
    );
    let b = env.ticket("Good", "fix", "fake: advance", &["--sequence", "2"]);
    env.commit_all("tickets");
    let s = env.run_ok(&[]);
    assert_eq!(
        runs(&s),
        vec![
            (a.clone(), "fix".into(), "failed".into()),
            (b.clone(), "fix".into(), "advanced".into())
        ]
    );
    assert_eq!(s["runs"][0]["exit"], "exit code 3");
    assert!(
        env.notes(&a)
            .contains("failed: the agent ended with exit code 3")
    );
    // The partial work is committed with the ticket, for a person to review.
    assert!(env.subjects().contains(&format!("docket(fix): {a} Bad")));
}

#[test]
fn dirty_tree_abort_salvage_ignore() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "fake: write a.txt A\nfake: advance", &[]);
    env.commit_all("tickets");
    std::fs::write(env.root.join("mine.txt"), "local work").unwrap();
    let (v, code) = env.run(&[]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "dirty_tree");
    assert_eq!(v["error"]["paths"][0], "mine.txt");
    assert_eq!(env.status(&a), "fix");

    let s = env.run_ok(&["--dirty-tree", "ignore"]);
    assert_eq!(s["runs"][0]["outcome"], "advanced");
    let files = env.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        !files.contains("mine.txt") && files.contains("a.txt"),
        "{files}"
    );
    assert!(env.git(&["status", "--porcelain"]).contains("?? mine.txt"));

    let s = env.run_ok(&["--dirty-tree", "salvage"]);
    assert!(s["salvage_commit"].is_string());
    assert!(env.subjects().iter().any(|m| m.contains("salvage")));
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn split_tickets_land_in_the_same_commit() {
    let env = Env::new("pipeline");
    let a = env.ticket("Big", "plan", "fake: split 2\nfake: advance", &[]);
    env.commit_all("tickets");
    let s = env.run_ok(&[]);
    assert_eq!(s["runs"][0]["outcome"], "advanced");
    let files = env.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.lines().count(), 3, "{files}");
    let list = env.ok(&["list", "--status", "backlog"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list[0]["deps"][0] == a.as_str());
}

#[test]
fn claude_stream_json_usage_is_recorded() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "fake: claude-usage\nfake: advance", &[]);
    env.commit_all("tickets");
    let (v, code) = env.json(&["run", "-q", "--agent", "fakeclaude"]);
    assert_eq!(code, 0, "{v}");
    let u = &v["data"]["runs"][0]["usage"];
    assert_eq!(u["input_tokens"], 1000);
    assert_eq!(u["output_tokens"], 234);
    assert_eq!(u["tool_calls"], 2);
    assert!(env.notes(&a).contains("1234 tokens, 2 tool calls"));
    let stats = std::fs::read_to_string(env.root.join(".docket/local/stats.jsonl")).unwrap();
    let line: Value = serde_json::from_str(stats.lines().next().unwrap()).unwrap();
    assert_eq!(line["ticket"], a.as_str());
    assert_eq!(line["output_tokens"], 234);
    assert_eq!(line["tool_calls"], 2);
    // The same figures travel with the ticket as a `usage` log entry by the
    // agent's own session, and `stats` counts them.
    let t = env.ok(&["show", &a, "--full"]);
    let usage: Vec<&Value> = t["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "usage")
        .collect();
    assert_eq!(usage.len(), 1, "{t}");
    assert_eq!(usage[0]["data"]["input"], "1000");
    assert_eq!(usage[0]["data"]["output"], "234");
    assert_eq!(usage[0]["data"]["tools"], "2");
    assert!(usage[0]["data"]["duration_s"].is_string());
    assert!(usage[0]["session"].is_string(), "{}", usage[0]);
    let s = env.ok(&["stats"]);
    assert_eq!(s["burn"]["total"]["tokens"], 1234);
    assert_eq!(s["burn"]["total"]["tools"], 2);
}

#[test]
fn plan_first_runs_between_two_agent_sessions() {
    let env = Env::new("plan-first");
    let script = "fake@todo: advance\nfake@todo: docket plan {id} --body Step-one-then-step-two.\nfake@planning: advance\nfake@in_progress: write feature.txt done\nfake@in_progress: advance\nfake@done: advance\nfake: record .docket/local/roles.txt";
    let t = env.ticket("Feature", "todo", script, &[]);
    env.commit_all("tickets");
    let s = env.run_ok(&["--strategy", "chase"]);
    assert_eq!(
        runs(&s),
        vec![
            (t.clone(), "todo".into(), "advanced".into()),
            (t.clone(), "planning".into(), "advanced".into()),
            (t.clone(), "in_progress".into(), "advanced".into()),
            (t.clone(), "done".into(), "advanced".into()),
        ]
    );
    assert_eq!(env.status(&t), "verified");
    // Each stage ran as its own session with the stage's role.
    let roles = std::fs::read_to_string(env.root.join(".docket/local/roles.txt")).unwrap();
    let roles: Vec<&str> = roles
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(
        roles,
        vec!["implementer", "architect", "implementer", "architect"]
    );
    let sessions: Vec<&str> = s["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["session"].as_str().unwrap())
        .collect();
    assert_eq!(
        sessions
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        4
    );
    // The audit chain is intact.
    let (v, code) = env.json(&["check"]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn plan_first_approval_by_the_plan_author_is_refused() {
    // Make the planning agent an architect, so only the session rule stands
    // between it and approving its own plan: the move is refused.
    let env = Env::new("plan-first");
    let cfg = env.root.join(".docket/config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "role = \"implementer\"\nprompt = \"plan-first-plan.md\"",
        "role = \"architect\"\nprompt = \"plan-first-plan.md\"",
    );
    std::fs::write(&cfg, text).unwrap();
    let script = "fake@todo: advance\nfake@todo: docket plan {id} --body The-plan.\nfake@todo: docket advance {id}";
    let t = env.ticket("Feature", "todo", script, &[]);
    env.commit_all("tickets");
    let s = env.run_ok(&["--stages", "todo"]);
    assert_eq!(s["runs"][0]["outcome"], "failed");
    assert_eq!(env.status(&t), "planning");
    let log =
        std::fs::read_to_string(env.root.join(s["runs"][0]["log"].as_str().unwrap())).unwrap();
    assert!(
        log.contains("guard `plan_approved_by_other_session` refused"),
        "{log}"
    );
}

#[test]
fn run_needs_runnable_stages_and_a_known_agent() {
    let env = Env::new("simple");
    let (v, code) = env.run(&[]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "invalid_argument");
    assert!(v["error"]["message"].as_str().unwrap().contains("runnable"));
    let env = Env::new("pipeline");
    let (v, _) = env.json(&["run", "--agent", "nobody"]);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown agent")
    );
    let (v, _) = env.json(&["run", "--stages", "blocked"]);
    assert_eq!(v["error"]["code"], "invalid_argument");
    let (v, _) = env.json(&["run", "--idle-timeout", "soon"]);
    assert_eq!(v["error"]["code"], "invalid_argument");
    // --write-templates copies the defaults and keeps edits.
    std::fs::create_dir_all(env.root.join(".docket/templates")).unwrap();
    std::fs::write(env.root.join(".docket/templates/fix.md"), "mine").unwrap();
    let d = env.ok(&["run", "--write-templates"]);
    assert_eq!(d["kept"].as_array().unwrap().len(), 1);
    assert!(env.root.join(".docket/templates/prompt.md").exists());
    assert_eq!(
        std::fs::read_to_string(env.root.join(".docket/templates/fix.md")).unwrap(),
        "mine"
    );
}

#[test]
fn sequence_is_set_updated_and_cleared() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "", &["--sequence", "3"]);
    assert_eq!(env.ok(&["show", "--full", &a])["extra"]["sequence"], 3);
    env.okw(&["update", &a, "--sequence", "1.5"]);
    assert_eq!(env.ok(&["show", "--full", &a])["extra"]["sequence"], 1.5);
    env.okw(&["update", &a, "--sequence", ""]);
    assert!(
        env.ok(&["show", "--full", &a])["extra"]
            .get("sequence")
            .is_none()
    );
    let (v, code) = env.json(&["update", &a, "--sequence", "soon"]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "invalid_argument");
    let (v, _) = env.json(&["create", "B", "--sequence", "-1"]);
    assert_eq!(v["error"]["code"], "invalid_argument");
}

/// `docket run` with an extra folder first on PATH, spawned.
fn spawn_run(env: &Env, args: &[&str]) -> std::process::Child {
    let mut all = vec!["run", "-q", "--json", "--agent", "fake"];
    all.extend_from_slice(args);
    env.docket_cmd(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn run")
}

fn kill(sig: &str, pid: &str) {
    let _ = Command::new("kill").args([sig, pid]).status();
}

#[test]
fn a_run_killed_hard_leaves_work_the_next_run_commits_and_resumes() {
    let env = Env::new("pipeline");
    let slow = env.ticket(
        "Slow",
        "fix",
        "fake: write s.txt partial\nfake: pid .docket/local/agent.pid\nfake: stall-once 30\nfake: advance",
        &[],
    );
    env.commit_all("tickets");
    let mut child = spawn_run(&env, &[]);
    let agent_pid = wait_for(&env.root.join(".docket/local/agent.pid"), 20);
    // SIGKILL: no chance to record anything; the agent lives on in its group.
    kill("-KILL", &child.id().to_string());
    let _ = child.wait();
    kill("-KILL", &agent_pid);
    assert!(env.git(&["status", "--porcelain"]).contains("s.txt"));
    // The dry run does not count the interrupted run's leftovers as a dirty tree.
    let d = env.ok(&["run", "--dry-run", "--agent", "fake"]);
    assert_eq!(d["dirty"]["would_refuse"], false, "{d}");
    assert_eq!(d["queue"][0]["resume"], true);
    let s = env.run_ok(&[]);
    assert_eq!(
        runs(&s),
        vec![(slow.clone(), "fix".into(), "advanced".into())]
    );
    assert!(
        env.subjects()
            .iter()
            .any(|m| m.contains("work of an interrupted run")),
        "{:?}",
        env.subjects()
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn dry_run_reports_a_dirty_tree_the_real_run_would_refuse() {
    let env = Env::new("pipeline");
    env.ticket("A", "fix", "fake: advance", &[]);
    env.commit_all("tickets");
    std::fs::write(env.root.join("mine.txt"), "local work").unwrap();
    let d = env.ok(&["run", "--dry-run", "--agent", "fake"]);
    assert_eq!(d["dirty"]["would_refuse"], true);
    assert_eq!(d["dirty"]["paths"][0], "mine.txt");
    let out = env.docket(&["run", "--dry-run", "--agent", "fake"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("would refuse to start"), "{text}");
    let d = env.ok(&[
        "run",
        "--dry-run",
        "--agent",
        "fake",
        "--dirty-tree",
        "ignore",
    ]);
    assert_eq!(d["dirty"]["would_refuse"], false);
}

#[test]
fn a_failed_ticket_backs_off_until_retry_failed() {
    let env = Env::new("pipeline");
    let bad = env.ticket("Bad", "fix", "fake: fail 3", &["--sequence", "1"]);
    let good = env.ticket("Good", "fix", "fake: advance", &["--sequence", "2"]);
    env.commit_all("tickets");
    let s = env.run_ok(&[]);
    assert_eq!(s["runs"][0]["outcome"], "failed");
    // The next run leaves it resting and gets on with the rest.
    let s = env.run_ok(&[]);
    assert_eq!(order(&s), vec![pair(&good, "implement")]);
    let rest = s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == bad.as_str())
        .expect("resting ticket reported");
    assert_eq!(rest["kind"], "back_off");
    assert!(rest["reason"].as_str().unwrap().contains("--retry-failed"));
    let f: Value = serde_json::from_str(
        &std::fs::read_to_string(env.root.join(".docket/local/run/failures.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(f[&bad]["count"], 1);
    let s = env.run_ok(&["--retry-failed", "--stages", "fix"]);
    assert_eq!(runs(&s), vec![(bad.clone(), "fix".into(), "failed".into())]);
    let f: Value = serde_json::from_str(
        &std::fs::read_to_string(env.root.join(".docket/local/run/failures.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(f[&bad]["count"], 2);
}

#[test]
fn an_executable_path_is_an_agent() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "fake: advance", &[]);
    env.commit_all("tickets");
    let fake = fake_agent();
    let (v, code) = env.json(&["run", "-q", "--agent", &fake.to_string_lossy()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["data"]["runs"][0]["outcome"], "advanced");
    assert_eq!(env.status(&a), "implement");
    let (v, code) = env.json(&["run", "-q", "--agent", "./no-such-agent"]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "invalid_argument", "{v}");
}

#[test]
fn cursor_gets_a_200_kb_ticket_through_a_file() {
    let env = Env::new("pipeline");
    let a = env.ticket("Huge", "fix", "fake: advance", &[]);
    // 200 KB of description, written straight into the file (files are the truth).
    let path = env.root.join(".docket/tickets").join(format!("{a}.md"));
    let path = if path.exists() {
        path
    } else {
        std::fs::read_dir(env.root.join(".docket/tickets"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().contains(&a))
            .expect("ticket file")
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let filler = "filler text for a very long ticket description\n".repeat(4300);
    std::fs::write(
        &path,
        text.replacen(
            "## Description\n\n",
            &format!("## Description\n\n{filler}\n"),
            1,
        ),
    )
    .unwrap();
    env.commit_all("huge ticket");
    // A stand-in `cursor-agent` that refuses long arguments and runs the fake
    // agent on the prompt file.
    let bin = env.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("cursor-agent");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor a; do last=\"$a\"; done\n[ ${{#last}} -lt 1000 ] || {{ echo 'argument too long' >&2; exit 7; }}\nexec {:?} \"$DOCKET_PROMPT_FILE\"\n",
            fake_agent().to_string_lossy()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = env
        .docket_cmd(&["run", "-q", "--json", "--agent", "cursor"])
        .env("PATH", path_var)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["data"]["runs"][0]["outcome"], "advanced", "{v}");
    let prompt = env.root.join(
        v["data"]["runs"][0]["log"]
            .as_str()
            .unwrap()
            .replace(".log", ".prompt.md"),
    );
    let prompt = std::fs::read_to_string(prompt).unwrap();
    assert!(prompt.len() > 200_000);
    // Prompts leave out the audit chain's hashes.
    assert!(!prompt.contains("hash="), "log hashes in the prompt");
}

#[test]
fn max_sequence_caps_every_stage() {
    let env = Env::new("pipeline");
    let one = env.ticket("One", "fix", "fake: advance", &["--sequence", "1"]);
    env.ticket("Five", "fix", "fake: advance", &["--sequence", "5"]);
    env.ticket("None", "plan", "fake: advance", &[]);
    env.commit_all("tickets");
    let d = env.ok(&["run", "--dry-run", "--agent", "fake", "--max-sequence", "3"]);
    let q: Vec<&str> = d["queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["ticket"].as_str().unwrap())
        .collect();
    assert_eq!(q, vec![one.as_str()]);
    assert_eq!(d["skipped"].as_array().unwrap().len(), 2);
    assert!(
        d["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["kind"] == "capped")
    );
}

fn lane(summary: &Value, id: &str) -> Value {
    summary["lanes"]
        .as_array()
        .expect("lanes")
        .iter()
        .find(|l| l["ticket"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no lane for {id}: {summary}"))
}

#[test]
fn parallel_lanes_merge_back_and_a_conflict_is_parked() {
    let env = Env::new("pipeline");
    std::fs::write(env.root.join("shared.txt"), "base\n").unwrap();
    let a = env.ticket(
        "A",
        "fix",
        "fake: write a.txt A\nfake: write shared.txt from A\nfake: advance",
        &["--sequence", "1"],
    );
    // B finishes once A's lane is merged (a.txt on the main branch), so its
    // merge is the one that conflicts.
    let b = env.ticket(
        "B",
        "fix",
        &format!(
            "fake: wait-for {}\nfake: write shared.txt from B\nfake: advance",
            env.root.join("a.txt").display()
        ),
        &["--sequence", "2"],
    );
    let c = env.ticket(
        "C",
        "fix",
        "fake: write c.txt C\nfake: advance",
        &["--sequence", "3"],
    );
    // D waits on A (same stage): it runs once A's lane merged.
    let d = env.ticket(
        "D",
        "fix",
        "fake: write d.txt D\nfake: advance",
        &["--sequence", "4"],
    );
    env.okw(&["dep", &d, &a]);
    env.commit_all("tickets");
    let s = env.run_ok(&["--parallel", "3"]);
    assert_eq!(s["parallel"], 3);
    assert_eq!(s["lanes"].as_array().unwrap().len(), 4, "{s}");
    for id in [&a, &c, &d] {
        assert_eq!(lane(&s, id)["outcome"], "merged", "{s}");
        assert_eq!(env.status(id), "implement");
        assert!(
            !env.git(&["branch", "--list", &format!("docket/{id}")])
                .contains("docket/")
        );
    }
    let order: Vec<&str> = s["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["ticket"].as_str().unwrap())
        .collect();
    let pos = |id: &str| order.iter().position(|o| *o == id).unwrap();
    assert!(pos(&a) < pos(&d), "D ran before A merged: {order:?}");
    // B's merge conflicts on shared.txt: aborted, parked, branch kept.
    let lb = lane(&s, &b);
    assert_eq!(lb["outcome"], "conflict", "{s}");
    assert_eq!(lb["conflicts"][0], "shared.txt");
    assert_eq!(lb["parked"], "blocked");
    assert_eq!(env.status(&b), "blocked");
    assert!(env.notes(&b).contains("shared.txt"));
    assert!(
        env.git(&["branch", "--list", &format!("docket/{b}")])
            .contains("docket/")
    );
    assert_eq!(
        std::fs::read_to_string(env.root.join("shared.txt")).unwrap(),
        "from A\n"
    );
    for f in ["a.txt", "c.txt", "d.txt"] {
        assert!(env.root.join(f).exists(), "{f} not merged");
    }
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    let left: Vec<_> = std::fs::read_dir(env.root.join(".docket/local/lanes"))
        .map(|r| r.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "worktrees left: {left:?}");
    // Lanes' logs are kept with the run.
    let log = lane(&s, &c)["runs"][0]["log"].as_str().unwrap().to_string();
    assert!(env.root.join(&log).exists(), "{log}");
}

#[test]
fn killing_the_parallel_orchestrator_keeps_lanes_and_the_next_run_resumes_them() {
    let env = Env::new("pipeline");
    let slow = env.ticket(
        "Slow",
        "fix",
        "fake: write s.txt partial\nfake: pid agent.pid\nfake: stall-once 30\nfake: advance",
        &["--sequence", "1"],
    );
    let quick = env.ticket("Quick", "fix", "fake: advance", &["--sequence", "2"]);
    env.commit_all("tickets");
    let child = spawn_run(&env, &["--parallel", "2"]);
    let lane_dir = env.root.join(".docket/local/lanes").join(&slow);
    let agent_pid = wait_for(&lane_dir.join("agent.pid"), 20);
    kill("-TERM", &child.id().to_string());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["data"];
    assert_eq!(s["stopped"], "interrupted");
    let ls = lane(s, &slow);
    assert_eq!(ls["outcome"], "kept");
    assert_eq!(ls["stopped"], "interrupted");
    std::thread::sleep(Duration::from_millis(100));
    assert!(!alive(&agent_pid), "agent {agent_pid} survived");
    assert!(lane_dir.join(".git").exists(), "lane worktree kept");
    let _ = quick;
    // The next run resumes the kept lane first, with a resume note.
    let s = env.run_ok(&["--parallel", "2"]);
    let ls = lane(&s, &slow);
    assert_eq!(ls["outcome"], "merged", "{s}");
    let prompt = env.root.join(
        ls["runs"][0]["log"]
            .as_str()
            .unwrap()
            .replace(".log", ".prompt.md"),
    );
    let prompt = std::fs::read_to_string(&prompt).unwrap();
    assert!(prompt.contains("## Resume"), "{prompt}");
    assert_eq!(env.status(&slow), "implement");
    assert!(env.root.join("s.txt").exists());
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn stop_lets_running_lanes_finish_and_starts_no_more() {
    let env = Env::new("pipeline");
    let go = env.home.join("go");
    let a = env.ticket(
        "A",
        "fix",
        &format!(
            "fake: pid started.pid\nfake: wait-for {}\nfake: advance",
            go.display()
        ),
        &["--sequence", "1"],
    );
    let b = env.ticket("B", "fix", "fake: advance", &["--sequence", "2"]);
    env.commit_all("tickets");
    let child = spawn_run(&env, &["--parallel", "1"]);
    wait_for(
        &env.root
            .join(".docket/local/lanes")
            .join(&a)
            .join("started.pid"),
        20,
    );
    env.ok(&["run", "--stop"]);
    // A finishes once the orchestrator took the request.
    let stop = env.root.join(".docket/local/run/stop");
    let start = Instant::now();
    while stop.exists() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::write(&go, "go").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["data"];
    assert_eq!(s["stopped"], "stop", "{s}");
    assert_eq!(lane(s, &a)["outcome"], "merged");
    assert_eq!(s["lanes"].as_array().unwrap().len(), 1);
    assert_eq!(env.status(&a), "implement");
    assert_eq!(env.status(&b), "fix");
}

#[test]
fn a_ticket_claimed_by_a_live_session_is_left_alone() {
    let env = Env::new("pipeline");
    let mine = env.ticket("Mine", "fix", "fake: advance", &[]);
    let free = env.ticket("Free", "fix", "fake: advance", &[]);
    env.ok(&[
        "session",
        "--role",
        "implementer",
        "--name",
        "ann",
        "--detach",
    ]);
    env.ok(&["claim", &mine, "--session", "ann"]);
    env.commit_all("tickets");
    let d = env.ok(&[
        "run",
        "--dry-run",
        "--agent",
        "fake",
        "--stages",
        "fix,implement",
    ]);
    let claimed = d["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == mine.as_str())
        .cloned()
        .expect("claimed ticket reported");
    assert_eq!(claimed["kind"], "claimed");
    assert!(claimed["reason"].as_str().unwrap().contains("ann"));
    let s = env.run_ok(&["--parallel", "2", "--stages", "fix,implement"]);
    let ran: Vec<&str> = s["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["ticket"].as_str().unwrap())
        .collect();
    assert_eq!(ran, vec![free.as_str()]);
    assert_eq!(env.status(&free), "implement");
}

#[test]
fn a_finished_lane_left_by_a_dead_orchestrator_is_merged_not_rerun() {
    let env = Env::new("pipeline");
    let a = env.ticket(
        "A",
        "fix",
        "fake: pid agent.pid\nfake: print 6\nfake: write a.txt A\nfake: advance",
        &[],
    );
    env.commit_all("tickets");
    let mut child = spawn_run(&env, &["--parallel", "1"]);
    let lane_dir = env.root.join(".docket/local/lanes").join(&a);
    wait_for(&lane_dir.join("agent.pid"), 20);
    kill("-KILL", &child.id().to_string());
    let _ = child.wait();
    // The lane's own run goes on and commits on its branch.
    let flight = lane_dir.join(".docket/local/run/current.json");
    let start = Instant::now();
    while flight.exists() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(env.status(&a), "fix");
    let s = env.run_ok(&["--parallel", "1"]);
    let l = lane(&s, &a);
    assert_eq!(l["outcome"], "merged", "{s}");
    assert_eq!(l["runs"].as_array().unwrap().len(), 0, "ran again: {s}");
    assert_eq!(env.status(&a), "implement");
    assert!(env.root.join("a.txt").exists());
}

#[test]
fn dry_run_with_nothing_to_run_says_no_ticket_would_run() {
    let env = Env::new("pipeline");
    let out = env.docket(&["run", "--agent", "fake", "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.starts_with("Dry run (batch, agent fake): no ticket would run."),
        "{text}"
    );
    assert!(!text.contains("ticket(s)"), "{text}");
}

// ---- Trust: repository-defined commands and templates run only once trusted.

/// Every file under the project (git's own folder aside) with its bytes.
fn tree(root: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir") {
            let path = e.expect("entry").path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).expect("meta");
            if meta.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    out
}

fn append_config(env: &Env, text: &str) {
    let cfg = env.root.join(".docket/config.toml");
    let mut all = std::fs::read_to_string(&cfg).expect("config");
    all.push_str(text);
    std::fs::write(&cfg, all).expect("write config");
}

#[test]
fn an_untrusted_config_is_refused_with_its_commands_and_nothing_changes() {
    let env = Env::untrusted("pipeline");
    let t = env.ticket("A", "fix", "fake: write a.txt A\nfake: advance", &[]);
    env.commit_all("tickets");
    let before = tree(&env.root);
    let head = env.git(&["rev-parse", "HEAD"]);
    let (v, code) = env.run(&[]);
    assert_eq!(code, 1, "{v}");
    let e = &v["error"];
    assert_eq!(e["code"], "runner_untrusted", "{v}");
    let fake = fake_agent().to_string_lossy().to_string();
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("is not trusted"), "{msg}");
    assert!(
        msg.contains(&format!("agent `fake`: {fake} {{prompt_file}}")),
        "{msg}"
    );
    assert_eq!(e["changed"], false);
    assert!(e["commands"].as_array().unwrap().len() == 2, "{v}");
    assert_eq!(e["remedies"][0]["command"], "docket trust");
    assert_eq!(e["remedies"][0]["by"]["kind"], "person");
    // People see the commands and the remedy too.
    let out = env.docket(&["run", "-q", "--agent", "fake"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&fake) && err.contains("`docket trust`"),
        "{err}"
    );
    // Nothing written: no lock, no log, no session, no commit, no store.
    assert_eq!(tree(&env.root), before);
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head);
    assert!(!env.config_dir().exists());
    // The dry run says the real run would refuse, and why.
    let d = env.ok(&["run", "--dry-run", "--agent", "fake"]);
    assert_eq!(d["trust"]["would_refuse"], true, "{d}");
    assert_eq!(d["trust"]["state"], "untrusted");
    // --show records nothing.
    let d = env.ok(&["trust", "--show"]);
    assert_eq!(d["state"], "untrusted");
    assert_eq!(d["agents"][0]["name"], "fake");
    assert_eq!(d["agents"][0]["command"][0], fake.as_str());
    assert!(!env.config_dir().join("trusted.toml").exists());
    // A built-in adapter with the built-in templates needs no trust.
    let d = env.ok(&["run", "--dry-run", "--agent", "claude"]);
    assert_eq!(d["trust"]["state"], "not_required", "{d}");
    // Trust, then the run works.
    let d = env.ok(&["trust"]);
    assert_eq!(d["action"], "trusted");
    assert_eq!(d["state"], "trusted");
    assert!(d["hash"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(d["project"], env.root.to_string_lossy().as_ref());
    let store = std::fs::read_to_string(env.config_dir().join("trusted.toml")).unwrap();
    assert!(store.contains(d["hash"].as_str().unwrap()), "{store}");
    assert_eq!(env.ok(&["trust"])["action"], "already_trusted");
    let s = env.run_ok(&[]);
    assert_eq!(runs(&s), vec![(t.clone(), "fix".into(), "advanced".into())]);
}

#[test]
fn a_changed_config_or_template_needs_trust_again_and_revoke_forgets() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "fake: advance", &[]);
    env.commit_all("tickets");
    // A changed command.
    let text = std::fs::read_to_string(env.root.join(".docket/config.toml")).unwrap();
    std::fs::write(
        env.root.join(".docket/config.toml"),
        text.replace("\"{prompt_file}\"]", "\"{prompt_file}\", \"--extra\"]"),
    )
    .unwrap();
    env.commit_all("config");
    let (v, code) = env.run(&[]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "runner_untrusted", "{v}");
    assert_eq!(v["error"]["changed"], true);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("changed since you trusted it")
    );
    assert!(v["error"]["message"].as_str().unwrap().contains("--extra"));
    assert_eq!(env.ok(&["trust", "--show"])["state"], "changed");
    assert_eq!(env.ok(&["trust"])["action"], "trusted");
    // A project template: listed, hashed, needs trust.
    std::fs::create_dir_all(env.root.join(".docket/templates")).unwrap();
    std::fs::write(
        env.root.join(".docket/templates/fix.md"),
        "Our own fix rules for {{id}}.",
    )
    .unwrap();
    env.commit_all("template");
    let (v, _) = env.run(&[]);
    assert_eq!(v["error"]["code"], "runner_untrusted", "{v}");
    assert_eq!(v["error"]["templates"][0], ".docket/templates/fix.md");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("template .docket/templates/fix.md (stage fix)")
    );
    let d = env.ok(&["trust"]);
    assert_eq!(d["templates"][0]["path"], ".docket/templates/fix.md");
    // Editing the template needs trust again.
    std::fs::write(
        env.root.join(".docket/templates/fix.md"),
        "Edited rules for {{id}}.",
    )
    .unwrap();
    env.commit_all("template edit");
    let (v, _) = env.run(&[]);
    assert_eq!(v["error"]["code"], "runner_untrusted", "{v}");
    env.ok(&["trust"]);
    let s = env.run_ok(&[]);
    assert_eq!(runs(&s), vec![(a.clone(), "fix".into(), "advanced".into())]);
    let prompt = std::fs::read_to_string(
        env.root.join(
            s["runs"][0]["log"]
                .as_str()
                .unwrap()
                .replace(".log", ".prompt.md"),
        ),
    )
    .unwrap();
    assert!(
        prompt.contains(&format!("Edited rules for {a}.")),
        "{prompt}"
    );
    // Revoke forgets it; the next run is refused; revoking again is a no-op.
    let d = env.ok(&["trust", "--revoke"]);
    assert_eq!(d["action"], "revoked");
    assert_eq!(d["state"], "untrusted");
    let b = env.ticket("B", "fix", "fake: advance", &[]);
    env.commit_all("b");
    let (v, _) = env.run(&[]);
    assert_eq!(v["error"]["code"], "runner_untrusted", "{v}");
    assert_eq!(env.status(&b), "fix");
    assert_eq!(env.ok(&["trust", "--revoke"])["action"], "not_trusted");
    // An agent started by the runner cannot trust for its person.
    let out = env
        .docket_cmd(&["trust", "--json"])
        .env("DOCKET_RUN_LOG", "x.log")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is for people"));
}

#[test]
fn builtin_adapter_names_are_not_redefined_silently() {
    let env = Env::new("pipeline");
    env.ticket("A", "fix", "fake: advance", &[]);
    let fake = fake_agent().to_string_lossy().to_string();
    append_config(
        &env,
        &format!("\n[runner.agents.claude]\ncommand = [{fake:?}, \"{{prompt_file}}\"]\n"),
    );
    env.commit_all("redefine claude");
    for agent in ["claude", "fake"] {
        let (v, code) = env.json(&["run", "-q", "--agent", agent]);
        assert_eq!(code, 1);
        assert_eq!(v["error"]["code"], "agent_redefined", "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("override = true")
        );
    }
    let (v, _) = env.json(&["trust"]);
    assert_eq!(v["error"]["code"], "agent_redefined", "{v}");
    // Other commands are not held up by the runner's config.
    env.ok(&["list"]);
    // On purpose: `override = true`, which then needs trust like any command.
    let cfg = env.root.join(".docket/config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[runner.agents.claude]\n",
        "[runner.agents.claude]\noverride = true\n",
    );
    std::fs::write(&cfg, text).unwrap();
    env.commit_all("override claude");
    let (v, _) = env.json(&["run", "-q", "--agent", "claude"]);
    assert_eq!(v["error"]["code"], "runner_untrusted", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("agent `claude` (overrides the built-in)")
    );
    env.ok(&["trust"]);
    let d = env.ok(&["run", "--dry-run", "--agent", "claude"]);
    assert_eq!(d["queue"][0]["argv"][0], fake.as_str(), "{d}");
    // An override with its own command says its own `stdin` (default false).
    assert_eq!(d["queue"][0]["stdin"], false);
}

#[test]
fn templates_outside_the_project_are_refused() {
    let env = Env::new("pipeline");
    env.ticket("A", "fix", "fake: advance", &[]);
    env.commit_all("tickets");
    let outside = env.home.join("outside.md");
    std::fs::write(&outside, "secret instructions").unwrap();
    let cfg = env.root.join(".docket/config.toml");
    let original = std::fs::read_to_string(&cfg).unwrap();
    for prompt in [
        "../../outside.md".to_string(),
        outside.to_string_lossy().to_string(),
    ] {
        let text = original.replace("prompt = \"fix.md\"", &format!("prompt = {prompt:?}"));
        assert_ne!(text, original);
        std::fs::write(&cfg, text).unwrap();
        for args in [
            vec!["run", "-q", "--agent", "fake"],
            vec!["run", "--dry-run", "--agent", "fake"],
            vec!["trust"],
        ] {
            let (v, code) = env.json(&args);
            assert_eq!(code, 1, "{args:?}");
            assert_eq!(v["error"]["code"], "template_outside", "{args:?}: {v}");
        }
        // The rest of docket still reads the config.
        env.ok(&["list"]);
    }
    std::fs::write(&cfg, &original).unwrap();
    // A symlink in .docket/templates leading out of the project.
    std::fs::create_dir_all(env.root.join(".docket/templates")).unwrap();
    std::os::unix::fs::symlink(&outside, env.root.join(".docket/templates/fix.md")).unwrap();
    env.commit_all("link");
    let (v, _) = env.run(&[]);
    assert_eq!(v["error"]["code"], "template_outside", "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("leads to"),
        "{v}"
    );
    // The templates folder itself linked elsewhere.
    std::fs::remove_file(env.root.join(".docket/templates/fix.md")).unwrap();
    std::fs::remove_dir(env.root.join(".docket/templates")).unwrap();
    let elsewhere = env.home.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("prompt.md"), "frame").unwrap();
    std::os::unix::fs::symlink(&elsewhere, env.root.join(".docket/templates")).unwrap();
    let (v, _) = env.json(&["trust"]);
    assert_eq!(v["error"]["code"], "template_outside", "{v}");
}

#[test]
fn dry_run_prints_each_tickets_exact_command_line() {
    let env = Env::new("pipeline");
    let a = env.ticket("A", "fix", "fake: advance", &[]);
    let b = env.ticket("B", "implement", "fake: advance", &["--tier", "critical"]);
    append_config(&env, "\n[runner.tiers.critical]\nmodel = \"big model\"\n");
    // Model arguments for the fake adapter, so the tier's model shows.
    let cfg = env.root.join(".docket/config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap().replacen(
        "\n\n[runner.agents.fakeclaude]",
        "\nmodel_args = [\"--model\", \"{model}\"]\n\n[runner.agents.fakeclaude]",
        1,
    );
    std::fs::write(&cfg, text).unwrap();
    env.commit_all("tickets");
    env.ok(&["trust"]);
    let fake = fake_agent().to_string_lossy().to_string();
    let logs = env.root.join(".docket/local/logs/<run>");
    let d = env.ok(&["run", "--dry-run", "--agent", "fake"]);
    let q = d["queue"].as_array().unwrap();
    let pf = |n: usize, id: &str, stage: &str| {
        logs.join(format!("{n:03}-{id}-{stage}.prompt.md"))
            .to_string_lossy()
            .to_string()
    };
    assert_eq!(
        q[0]["argv"],
        serde_json::json!([fake, pf(1, &a, "fix")]),
        "{d}"
    );
    assert_eq!(
        q[1]["argv"],
        serde_json::json!([fake, pf(2, &b, "implement"), "--model", "big model"])
    );
    assert_eq!(
        q[1]["command"],
        format!("{fake} '{}' --model 'big model'", pf(2, &b, "implement"))
    );
    let out = env.docket(&["run", "--dry-run", "--agent", "fake"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("$ {fake} '{}'\n", pf(1, &a, "fix"))),
        "{text}"
    );
    // An adapter reading stdin shows where the prompt comes from.
    let d = env.ok(&["run", "--dry-run", "--agent", "fakeclaude"]);
    assert_eq!(d["queue"][0]["stdin"], true);
    assert_eq!(
        d["queue"][0]["command"],
        format!("{fake} < '{}'", pf(1, &a, "fix"))
    );
}

#[test]
fn trust_has_help() {
    let env = Env::new("pipeline");
    let out = env.docket(&["trust", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--revoke") && text.contains("--show"),
        "{text}"
    );
    assert!(text.contains("DOCKET_CONFIG_DIR"), "{text}");
}

/// A FIFO in place of the run's state files (the ticket in flight, the
/// recorded failures) is refused, never read: a dry run must not block on
/// one (like `insight::current_run`, which the web and TUI use).
#[test]
fn fifos_in_place_of_the_run_state_never_block_a_dry_run() {
    let env = Env::new("pipeline");
    env.ticket("A", "fix", "fake: advance", &[]);
    env.commit_all("tickets");
    let run_dir = env.root.join(".docket/local/run");
    std::fs::create_dir_all(&run_dir).expect("mkdir");
    for name in ["current.json", "failures.json"] {
        let f = run_dir.join(name);
        let st = Command::new("mkfifo").arg(&f).status().expect("mkfifo");
        assert!(st.success());
        let mut child = env
            .docket_cmd(&["run", "--dry-run", "--agent", "fake", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let start = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break Some(st);
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let status = status.unwrap_or_else(|| panic!("a FIFO at {name} blocked the dry run"));
        assert!(status.success(), "{name}: {status:?}");
        std::fs::remove_file(&f).expect("rm fifo");
    }
}
