//! The core's rules driven through `ops` on a real (temporary) project: the
//! workflow guards, the plan guards' notion of identity, the audit chain as
//! `check` sees it, and the check codes. Fast (no binary, no git), so
//! `scripts/mutants.sh` can judge the core with the core's own tests.

use std::path::PathBuf;

use docket_core::Error;
use docket_core::check;
use docket_core::ops::{self, Ctx, MoveOptions, NewTicket, Target};
use docket_core::session::{self, Session};
use docket_core::store::{InitOptions, Project};

const NOW: &str = "2026-01-01T00:00:00Z";

struct Env {
    _tmp: tempfile::TempDir,
    p: Project,
}

fn project(preset: &str) -> Env {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = Project::init(
        tmp.path(),
        &InitOptions {
            prefix: "t".into(),
            preset: preset.into(),
            force: false,
        },
    )
    .expect("init");
    Env { _tmp: tmp, p }
}

impl Env {
    fn session(&self, role: &str, name: &str) -> Session {
        session::start(&self.p, NOW, role, Some(name)).expect("session")
    }

    fn as_user(&self, user: &str) -> Ctx {
        Ctx {
            now: NOW.into(),
            actor: Some(user.into()),
            session: None,
            user: Some(user.into()),
        }
    }

    fn create(&self, title: &str, deps: &[&str]) -> String {
        let new = NewTicket {
            title: title.into(),
            deps: deps.iter().map(|d| d.to_string()).collect(),
            ..Default::default()
        };
        ops::create(&self.p, &self.as_user("tester"), new)
            .expect("create")
            .ticket
            .meta
            .id
    }

    fn move_to(&self, ctx: &Ctx, id: &str, to: &str) -> docket_core::Result<ops::Outcome> {
        ops::transition(
            &self.p,
            ctx,
            id,
            Target::Status(to.into()),
            MoveOptions::default(),
        )
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.p.resolve(id).expect("resolve").path
    }

    fn edit_file(&self, id: &str, from: &str, to: &str) {
        let path = self.path_of(id);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{from:?} not in {text}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }

    /// Set a frontmatter key by hand (replacing its line, or adding one).
    fn set_key(&self, id: &str, key: &str, value: &str) {
        let path = self.path_of(id);
        let text = std::fs::read_to_string(&path).expect("read");
        let prefix = format!("{key}:");
        let line = format!("{key}: {value}");
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        match lines.iter().position(|l| l.starts_with(&prefix)) {
            Some(i) => lines[i] = line,
            None => lines.insert(1, line),
        }
        std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    }

    fn codes(&self) -> Vec<(&'static str, Option<String>)> {
        check::run(&self.p)
            .expect("check")
            .into_iter()
            .map(|i| (i.code, i.id))
            .collect()
    }
}

fn ctx_of(s: &Session) -> Ctx {
    Ctx {
        now: NOW.into(),
        actor: Some(s.label()),
        session: Some(s.clone()),
        user: Some("tester".into()),
    }
}

fn guard_of(e: &Error) -> &str {
    match e {
        Error::GuardFailed { guard, .. } => guard,
        other => panic!("expected guard_failed, got {other:?}"),
    }
}

/// plan-first: a ticket picked up by `planner`, with a plan written by it.
fn planned(env: &Env, planner: &Session, deps: &[&str]) -> String {
    let id = env.create("work", deps);
    env.move_to(&ctx_of(planner), &id, "planning")
        .expect("to planning");
    ops::write_plan(&env.p, &ctx_of(planner), &id, "1. do it").expect("plan");
    id
}

#[test]
fn deps_done_refuses_approval_while_a_dependency_is_open() {
    let env = project("plan-first");
    let dep = env.create("dependency", &[]);
    let planner = env.session("implementer", "ivy");
    let approver = env.session("architect", "ada");
    let id = planned(&env, &planner, &[&dep]);

    let preview = ops::preview_move(&env.p, &ctx_of(&approver), &id, &Target::Start).expect("dry");
    let v = preview
        .verdicts
        .iter()
        .find(|v| v.guard == "deps_done")
        .expect("deps_done verdict");
    assert!(!v.passed);
    assert_eq!(v.items, vec![dep.clone()]);
    assert!(!preview.allowed);

    let err = env
        .move_to(&ctx_of(&approver), &id, "in_progress")
        .unwrap_err();
    assert_eq!(guard_of(&err), "deps_done");
    assert!(err.to_string().contains(&dep), "{err}");

    // Once the dependency is terminal, the same approval goes through.
    env.move_to(&ctx_of(&approver), &dep, "cancelled")
        .expect("cancel dep");
    let out = env
        .move_to(&ctx_of(&approver), &id, "in_progress")
        .expect("approve");
    assert_eq!(out.ticket.meta.status, "in_progress");
}

#[test]
fn deps_done_refuses_a_missing_dependency() {
    let env = project("plan-first");
    let planner = env.session("implementer", "ivy");
    let approver = env.session("architect", "ada");
    let id = planned(&env, &planner, &["t-nowhere"]);
    let err = env
        .move_to(&ctx_of(&approver), &id, "in_progress")
        .unwrap_err();
    assert_eq!(guard_of(&err), "deps_done");
}

#[test]
fn plan_author_cannot_approve_its_own_plan() {
    let env = project("plan-first");
    let ada = env.session("architect", "ada");
    let id = planned(&env, &ada, &[]);
    let err = env.move_to(&ctx_of(&ada), &id, "in_progress").unwrap_err();
    assert_eq!(guard_of(&err), "plan_approved_by_other_session");
}

#[test]
fn a_new_session_reusing_an_ended_plan_authors_name_may_approve() {
    let env = project("plan-first");
    let first = env.session("architect", "ada");
    let id = planned(&env, &first, &[]);
    session::end(&env.p, &first).expect("end");
    // Same display name, new session: the guard compares sessions, not names.
    let again = env.session("architect", "ada");
    assert_eq!(again.label(), first.label());
    let out = env
        .move_to(&ctx_of(&again), &id, "in_progress")
        .expect("another session approves");
    assert_eq!(out.ticket.meta.status, "in_progress");
}

#[test]
fn a_new_session_reusing_an_ended_implementers_name_may_verify() {
    let env = project("plan-first");
    let ada = env.session("architect", "ada");
    let planner = env.session("implementer", "ivy");
    let id = planned(&env, &planner, &[]);
    env.move_to(&ctx_of(&ada), &id, "in_progress")
        .expect("approve");
    env.move_to(&ctx_of(&planner), &id, "done").expect("submit");
    session::end(&env.p, &planner).expect("end");
    // The verifier is an architect session that happens to reuse the name.
    let again = env.session("architect", "ivy");
    env.move_to(&ctx_of(&again), &id, "verified")
        .expect("a different session verifies");
}

#[test]
fn the_submitting_session_cannot_verify() {
    let env = project("plan-first");
    let ada = env.session("architect", "ada");
    let bob = env.session("architect", "bob");
    let id = planned(&env, &ada, &[]);
    env.move_to(&ctx_of(&bob), &id, "in_progress")
        .expect("approve");
    let ivy = env.session("implementer", "ivy");
    env.move_to(&ctx_of(&ivy), &id, "done").expect("submit");
    // The same session (its id), acting with the verifier's role.
    let mut ivy_verifies = ivy.clone();
    ivy_verifies.role = "architect".into();
    ivy_verifies.base_role = "architect".into();
    let err = env
        .move_to(&ctx_of(&ivy_verifies), &id, "verified")
        .unwrap_err();
    assert_eq!(guard_of(&err), "verifier_not_implementer");
    env.move_to(&ctx_of(&bob), &id, "verified")
        .expect("another session verifies");
}

#[test]
fn check_reports_invalid_type_mode_and_tier() {
    let env = project("simple");
    let a = env.create("typed", &[]);
    let b = env.create("moded", &[]);
    let c = env.create("tiered", &[]);
    env.set_key(&a, "type", "saga");
    env.set_key(&b, "mode", "never");
    env.set_key(&c, "tier", "legendary");
    let codes = env.codes();
    assert!(
        codes.contains(&("invalid_type", Some(a.clone()))),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("invalid_mode", Some(b.clone()))),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("invalid_tier", Some(c.clone()))),
        "{codes:?}"
    );
    // Each file has exactly its own problem.
    for (code, id) in [
        ("invalid_type", &a),
        ("invalid_mode", &b),
        ("invalid_tier", &c),
    ] {
        let n = codes
            .iter()
            .filter(|(k, i)| i.as_ref() == Some(id) && k.starts_with("invalid_"))
            .count();
        assert_eq!(n, 1, "{code} on {id}: {codes:?}");
    }
}

#[test]
fn check_accepts_every_configured_tier() {
    let env = project("simple");
    for tier in ops::TIERS {
        let id = env.create(tier, &[]);
        env.set_key(&id, "tier", tier);
    }
    assert!(env.codes().is_empty(), "{:?}", env.codes());
}

#[test]
fn check_reports_an_open_ticket_in_the_archive() {
    let env = project("simple");
    let id = env.create("misplaced", &[]);
    let path = env.path_of(&id);
    let dest = env.p.archive_dir().join(path.file_name().expect("name"));
    std::fs::rename(&path, &dest).expect("move");
    let codes = env.codes();
    assert_eq!(codes, vec![("open_in_archive", Some(id))]);
}

#[test]
fn check_reports_a_terminal_ticket_outside_the_archive() {
    let env = project("simple");
    let id = env.create("misplaced", &[]);
    let ctx = env.as_user("tester");
    env.move_to(&ctx, &id, "closed").expect("close");
    let path = env.path_of(&id);
    let dest = env.p.tickets_dir().join(path.file_name().expect("name"));
    std::fs::rename(&path, &dest).expect("move");
    let codes = env.codes();
    assert_eq!(codes, vec![("terminal_outside_archive", Some(id))]);
}

#[test]
fn check_reports_a_file_name_that_disagrees_with_its_id() {
    let env = project("simple");
    let id = env.create("renamed", &[]);
    let path = env.path_of(&id);
    let wrong = path.with_file_name("t-zzzzzz--renamed.md");
    std::fs::rename(&path, &wrong).expect("rename");
    let codes = env.codes();
    assert_eq!(codes, vec![("id_mismatch", Some(id.clone()))]);
    // A mutation refuses to write through the mismatched file.
    let err = ops::add_note(&env.p, &env.as_user("tester"), "t-zzzzzz", "hi").unwrap_err();
    assert!(matches!(err, Error::IdMismatch { .. }), "{err:?}");
}

#[test]
fn check_detects_a_tampered_log_role() {
    let env = project("plan-first");
    let ada = env.session("architect", "ada");
    let id = env.create("x", &[]);
    env.move_to(&ctx_of(&ada), &id, "planning")
        .expect("to planning");
    assert!(env.codes().is_empty(), "{:?}", env.codes());
    env.edit_file(&id, "role=architect", "role=implementer");
    let codes = env.codes();
    assert!(
        codes.contains(&("audit_chain_broken", Some(id.clone()))),
        "{codes:?}"
    );
}

#[test]
fn check_detects_a_tampered_log_kind() {
    let env = project("simple");
    let id = env.create("x", &[]);
    ops::add_note(&env.p, &env.as_user("tester"), &id, "hello").expect("note");
    env.edit_file(&id, " · note · ", " · comment · ");
    let codes = env.codes();
    assert!(
        codes.contains(&("audit_chain_broken", Some(id.clone()))),
        "{codes:?}"
    );
}

#[test]
fn a_reader_never_sees_a_partially_written_file() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t-1--big.md");
    let a = vec![b'a'; 512 * 1024];
    let b = vec![b'b'; 256 * 1024];
    docket_core::store::write_atomic(&path, &a).expect("first write");
    let done = AtomicBool::new(false);
    let reads = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..40 {
                let bytes = if i % 2 == 0 { &b } else { &a };
                docket_core::store::write_atomic(&path, bytes).expect("write");
            }
            done.store(true, Ordering::SeqCst);
        });
        while !done.load(Ordering::SeqCst) {
            let got = std::fs::read(&path).expect("read");
            assert!(
                got == a || got == b,
                "a reader saw {} bytes: a partial file",
                got.len()
            );
            reads.fetch_add(1, Ordering::Relaxed);
        }
    });
    assert!(reads.load(Ordering::Relaxed) > 0);
    // The writes left no temp file behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("t-1--big.md")]);
}
