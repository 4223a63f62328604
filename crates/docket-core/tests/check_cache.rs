//! `check`'s verdict cache (`.docket/local/check-v1.bin`): a warm check reads
//! no unchanged ticket body, yet reports exactly what a cold or `--full` check
//! reports, whatever happened to the files, the config or the cache itself.

// Test helpers return the core's own `Result`.
#![allow(clippy::result_large_err)]

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use docket_core::check::{self, Options};
use docket_core::ops::{self, Ctx, MoveOptions, NewTicket, Target};
use docket_core::session::{self, Session};
use docket_core::store::Project;
use docket_core::verdicts;

mod common;

use common::NOW;

struct Env {
    tmp: tempfile::TempDir,
    p: Project,
}

fn project(preset: &str) -> Env {
    let (tmp, p) = common::init(preset);
    Env { tmp, p }
}

fn user(name: &str) -> Ctx {
    Ctx {
        now: NOW.into(),
        actor: Some(name.into()),
        session: None,
        user: Some(name.into()),
    }
}

fn ctx_of(s: &Session, user: &str) -> Ctx {
    Ctx {
        now: NOW.into(),
        actor: Some(s.label()),
        session: Some(s.clone()),
        user: Some(user.into()),
    }
}

/// Issues as comparable tuples, in the order `check` reports them.
type Seen = Vec<(&'static str, Option<String>, Option<String>, String)>;

impl Env {
    fn create(&self, title: &str) -> String {
        let new = NewTicket {
            title: title.into(),
            ..Default::default()
        };
        ops::create(&self.p, &user("tester"), new)
            .expect("create")
            .ticket
            .meta
            .id
            .to_string()
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.p.resolve(id).expect("resolve").path
    }

    /// Replace `from` by `to` in the ticket's file (plain write: new ctime).
    fn edit(&self, id: &str, from: &str, to: &str) {
        let path = self.path_of(id);
        let text = fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{from:?} not in {text}");
        fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }

    fn check_with(&self, full: bool) -> Seen {
        check::run_with(&self.p, Options { full })
            .expect("check")
            .issues
            .into_iter()
            .map(|i| (i.code, i.id, i.path, i.message))
            .collect()
    }

    fn check(&self) -> Seen {
        self.check_with(false)
    }

    fn cache(&self) -> PathBuf {
        verdicts::path(&self.p)
    }

    /// The cache file's inode: a rewrite (atomic rename) changes it, so an
    /// unchanged inode after a check means every verdict came from the cache.
    fn cache_ino(&self) -> u64 {
        fs::metadata(self.cache()).expect("cache file").ino()
    }

    /// Reopen the project (after a config change).
    fn reopen(&mut self) {
        self.p = Project::open(self.tmp.path()).expect("open");
    }
}

fn codes(seen: &Seen) -> Vec<(&'static str, Option<String>)> {
    seen.iter().map(|(c, id, ..)| (*c, id.clone())).collect()
}

/// Files changed within `verdicts::RACY_NS` of a check are never cached: let
/// everything written so far age past it.
fn age() {
    std::thread::sleep(Duration::from_nanos(verdicts::RACY_NS) + Duration::from_millis(200));
}

/// Cut the `## Log` section off a ticket file.
fn strip_log(path: &Path) {
    let text = fs::read_to_string(path).expect("read");
    let cut = text.find("\n## Log").expect("log");
    fs::write(path, &text[..cut + 1]).expect("write");
}

/// A plan-first project with one issue of each kind the audit pass finds,
/// plus clean tickets: (env, broken chain, frozen plan edited, status not
/// logged, log missing).
fn troubled() -> (Env, [String; 4]) {
    let env = project("plan-first");
    for i in 0..70 {
        // Enough files for the parallel paths.
        env.create(&format!("clean {i}"));
    }
    let chain = env.create("chain");
    ops::add_note(&env.p, &user("tester"), &chain, "hello").expect("note");
    env.edit(&chain, "hello", "jello");

    let ivy = session::start(&env.p, NOW, "implementer", Some("ivy")).expect("session");
    let ada = session::start(&env.p, NOW, "architect", Some("ada")).expect("session");
    let plan = env.create("plan");
    let mv = |ctx: &Ctx, id: &str, to: &str| {
        ops::transition(
            &env.p,
            ctx,
            id,
            Target::Status(to.into()),
            MoveOptions::default(),
        )
        .expect("move")
    };
    mv(&ctx_of(&ivy, "ivy"), &plan, "planning");
    ops::write_plan(&env.p, &ctx_of(&ivy, "ivy"), &plan, "1. do it").expect("plan");
    mv(&ctx_of(&ada, "ada"), &plan, "in_progress");
    env.edit(
        &plan,
        "## Plan\n\n1. do it",
        "## Plan\n\n1. do something else",
    );

    let status = env.create("status");
    let text = fs::read_to_string(env.path_of(&status)).expect("read");
    let open = format!("status: {}", env.p.config.initial_status());
    assert!(text.contains(&open), "{text}");
    env.edit(&status, &open, "status: planning");

    let missing = env.create("missing");
    let path = env.path_of(&missing);
    strip_log(&path);
    env.edit(&missing, &open, "status: planning");
    (env, [chain, plan, status, missing])
}

#[test]
fn warm_check_reports_what_the_cold_one_did() {
    let (env, [chain, plan, status, missing]) = troubled();
    age();
    assert!(!env.cache().exists());
    let cold = env.check();
    let want = vec![
        ("audit_chain_broken", Some(chain.clone())),
        ("plan_modified_after_approval", Some(plan.clone())),
        ("status_not_logged", Some(status.clone())),
        ("log_missing", Some(missing.clone())),
    ];
    let mut got = codes(&cold);
    got.sort();
    let mut sorted = want.clone();
    sorted.sort();
    assert_eq!(got, sorted, "{cold:#?}");
    let ino = env.cache_ino();
    let warm = env.check();
    assert_eq!(warm, cold);
    assert_eq!(
        env.cache_ino(),
        ino,
        "a warm check of unchanged files rewrites nothing"
    );
    assert_eq!(env.check_with(true), cold, "--full");

    // Repairing a file is seen too (a verdict with issues is not sticky).
    let path = env.path_of(&chain);
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, text.replacen("jello", "hello", 1)).expect("write");
    let fixed = env.check();
    assert!(
        !codes(&fixed).contains(&("audit_chain_broken", Some(chain))),
        "{fixed:#?}"
    );
    assert_eq!(fixed.len(), cold.len() - 1, "{fixed:#?}");
}

/// Set a file's mtime back to what it was (as `touch -r` would).
fn restore_mtime(path: &Path, mtime: std::time::SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .expect("open")
        .set_modified(mtime)
        .expect("set mtime");
}

#[test]
fn tampering_that_keeps_size_and_mtime_is_still_reported() {
    let env = project("simple");
    let ids: Vec<String> = (0..70).map(|i| env.create(&format!("t{i}"))).collect();
    for id in &ids[..3] {
        ops::add_note(&env.p, &user("tester"), id, "hello").expect("note");
    }
    age();
    assert_eq!(env.check(), vec![], "cold");
    let ino = env.cache_ino();
    assert_eq!(env.check(), vec![], "warm");
    assert_eq!(env.cache_ino(), ino, "served from the cache");

    // In place: same size, mtime restored (ctime moves).
    let path = env.path_of(&ids[0]);
    let before = fs::metadata(&path).expect("stat");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, text.replacen("hello", "jello", 1)).expect("write");
    restore_mtime(&path, before.modified().expect("mtime"));
    let after = fs::metadata(&path).expect("stat");
    assert_eq!(
        (after.len(), after.modified().ok(), after.ino()),
        (before.len(), before.modified().ok(), before.ino())
    );

    // Swapped in by rename: same size, mtime restored, another inode.
    let path1 = env.path_of(&ids[1]);
    let before1 = fs::metadata(&path1).expect("stat");
    let text = fs::read_to_string(&path1).expect("read");
    let staged = env.tmp.path().join("staged.md");
    fs::write(&staged, text.replacen("hello", "jello", 1)).expect("write");
    restore_mtime(&staged, before1.modified().expect("mtime"));
    fs::rename(&staged, &path1).expect("rename");

    let got = codes(&env.check());
    let mut want = vec![
        ("audit_chain_broken", Some(ids[0].clone())),
        ("audit_chain_broken", Some(ids[1].clone())),
    ];
    want.sort();
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, want);
    assert_eq!(codes(&env.check()), got, "still reported when warm");
    assert_eq!(codes(&env.check_with(true)), got, "--full");
}

#[test]
fn a_config_change_invalidates_the_verdicts() {
    let mut env = project("simple");
    let ids: Vec<String> = (0..70).map(|i| env.create(&format!("t{i}"))).collect();
    // No log, in the initial status: nothing to say (a new ticket needs none).
    strip_log(&env.path_of(&ids[0]));
    age();
    assert_eq!(env.check(), vec![], "cold");
    assert_eq!(env.check(), vec![], "warm");

    // Another initial status: the log-less ticket's status now needs a log.
    let cfg = env.p.dir.join("config.toml");
    let text = fs::read_to_string(&cfg).expect("config");
    let from = r#"statuses = ["open", "in_progress", "closed"]"#;
    assert!(text.contains(from), "{text}");
    fs::write(
        &cfg,
        text.replace(
            from,
            r#"statuses = ["triage", "open", "in_progress", "closed"]"#,
        ),
    )
    .expect("write config");
    env.reopen();
    assert_eq!(env.p.config.initial_status(), "triage");
    let got = codes(&env.check());
    assert_eq!(got, vec![("log_missing", Some(ids[0].clone()))]);
    assert_eq!(codes(&env.check()), got, "warm, under the new config");
}

#[test]
fn a_corrupt_cache_is_ignored_and_rebuilt() {
    let (env, _) = troubled();
    age();
    let cold = env.check();
    assert_eq!(cold.len(), 4, "{cold:#?}");
    let good = fs::read(env.cache()).expect("cache");
    for bad in [
        b"\x01garbage".to_vec(),
        good[..good.len() / 2].to_vec(),
        Vec::new(),
    ] {
        fs::write(env.cache(), &bad).expect("corrupt");
        assert_eq!(env.check(), cold, "corrupt cache of {} bytes", bad.len());
        // Rebuilt: the next check is served from it without a rewrite.
        let ino = env.cache_ino();
        assert_eq!(env.check(), cold);
        assert_eq!(env.cache_ino(), ino, "rebuilt after {} bytes", bad.len());
    }
    // Deleted: the same.
    fs::remove_file(env.cache()).expect("rm");
    assert_eq!(env.check(), cold);
    assert!(env.cache().exists());
}

#[test]
fn full_check_equals_the_cached_one() {
    let (env, [chain, ..]) = troubled();
    age();
    let full = env.check_with(true);
    assert_eq!(full.len(), 4, "{full:#?}");
    assert_eq!(env.check(), full, "warm after --full");
    assert_eq!(env.check_with(true), full, "--full again");
    // A new problem after a warm check: both see it.
    ops::add_note(&env.p, &user("tester"), &chain, "more").expect("note");
    let plain = env.check();
    assert_eq!(env.check_with(true), plain);
    assert_eq!(plain.len(), 4, "{plain:#?}");
}
