//! The core's rules driven through `ops` on a real (temporary) project: the
//! workflow guards, the plan guards' notion of identity, the audit chain as
//! `check` sees it, and the check codes. Fast (no binary, no git), so
//! `scripts/mutants.sh` can judge the core with the core's own tests.

// Test helpers return the core's own `Result`.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;

use docket_core::Error;
use docket_core::check;
use docket_core::ops::{self, Ctx, MoveOptions, NewTicket, Target};
use docket_core::session::{self, Session};
use docket_core::store::Project;

mod common;

use common::NOW;

struct Env {
    _tmp: tempfile::TempDir,
    p: Project,
}

fn project(preset: &str) -> Env {
    let (tmp, p) = common::init(preset);
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
            .to_string()
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

#[test]
fn severities_parse_by_name() {
    use docket_core::check::Severity;
    assert_eq!(Severity::parse("error"), Some(Severity::Error));
    assert_eq!(Severity::parse("warning"), Some(Severity::Warning));
    assert_eq!(Severity::parse("info"), None);
}

fn issues(env: &Env) -> Vec<check::Issue> {
    check::run(&env.p).expect("check")
}

#[test]
fn a_clean_project_has_no_issues_through_a_whole_workflow() {
    let env = project("plan-first");
    let ada = env.session("architect", "ada");
    let ivy = env.session("implementer", "ivy");
    let id = planned(&env, &ivy, &[]);
    let mut ada_ctx = ctx_of(&ada);
    ada_ctx.user = Some("ada-user".into());
    env.move_to(&ada_ctx, &id, "in_progress").expect("approve");
    ops::comment(&env.p, &ctx_of(&ivy), &id, "deviation").expect("comment");
    env.move_to(&ctx_of(&ivy), &id, "done").expect("submit");
    env.move_to(&ctx_of(&ada), &id, "verified").expect("verify");
    env.move_to(&ctx_of(&ada), &id, "archived")
        .expect("archive");
    assert!(env.codes().is_empty(), "{:?}", env.codes());
}

#[test]
fn check_reports_unknown_status_and_priority_as_errors() {
    let env = project("simple");
    let a = env.create("a", &[]);
    let b = env.create("b", &[]);
    let c = env.create("c", &[]);
    env.set_key(&a, "status", "doing");
    env.set_key(&b, "priority", "5");
    env.set_key(&c, "priority", "0");
    let found = issues(&env);
    let of = |id: &str| {
        found
            .iter()
            .filter(|i| i.id.as_deref() == Some(id))
            .map(|i| (i.code, i.severity))
            .collect::<Vec<_>>()
    };
    use docket_core::check::Severity::Error as E;
    // An unknown status is not also judged as misplaced; the log still says
    // `open`, so it is unlogged too.
    assert_eq!(
        of(&a),
        vec![("invalid_status", E), ("status_not_logged", E)]
    );
    assert_eq!(of(&b), vec![("invalid_priority", E)]);
    assert_eq!(of(&c), vec![]);
}

#[test]
fn check_reports_duplicate_ids_unknown_references_and_cycles() {
    let env = project("simple");
    let a = env.create("a", &[]);
    let b = env.create("b", &[&a]);
    let c = env.create("c", &["t-ghost"]);
    // b -> a by the create; a -> b by hand closes a cycle.
    env.set_key(&a, "deps", &format!("[{b}]"));
    let copy = env.p.tickets_dir().join(format!("{c}--copy.md"));
    std::fs::copy(env.path_of(&c), &copy).expect("copy");
    let found = issues(&env);
    let codes: Vec<_> = found.iter().map(|i| (i.code, i.severity)).collect();
    use docket_core::check::Severity::{Error as E, Warning as W};
    assert!(codes.contains(&("duplicate_id", E)), "{codes:?}");
    assert!(codes.contains(&("unknown_id", W)), "{codes:?}");
    assert!(codes.contains(&("dep_cycle", E)), "{codes:?}");
    let cycle = found.iter().find(|i| i.code == "dep_cycle").expect("cycle");
    assert!(cycle.message.contains(&a) && cycle.message.contains(&b));
    assert!(cycle.path.is_some());
    let unknown = found
        .iter()
        .find(|i| i.code == "unknown_id")
        .expect("unknown");
    assert_eq!(unknown.id.as_deref(), Some(c.as_str()));
    assert!(unknown.message.contains("t-ghost"));
}

#[test]
fn check_reports_unreadable_files_and_temp_files() {
    let env = project("simple");
    std::fs::write(env.p.tickets_dir().join("t-bad--x.md"), "no frontmatter\n").expect("write");
    std::fs::create_dir_all(env.p.tmp_dir()).expect("mkdir");
    std::fs::write(env.p.tmp_dir().join(".tmp-left"), "x").expect("write");
    let found = issues(&env);
    let codes: Vec<_> = found.iter().map(|i| (i.code, i.severity)).collect();
    use docket_core::check::Severity::{Error as E, Warning as W};
    assert_eq!(
        codes,
        vec![("frontmatter_parse_error", E), ("temp_file_left", W)]
    );
}

/// Remove the `## Log` section of a ticket file by hand.
fn strip_log(env: &Env, id: &str) {
    let path = env.path_of(id);
    let text = std::fs::read_to_string(&path).expect("read");
    let cut = text.find("\n## Log").expect("log section");
    std::fs::write(&path, &text[..cut + 1]).expect("write");
}

#[test]
fn a_ticket_without_a_log_is_judged_by_what_it_claims() {
    let env = project("simple");
    let fresh = env.create("fresh", &[]);
    strip_log(&env, &fresh);
    assert!(
        env.codes().is_empty(),
        "a new ticket needs no log: {:?}",
        env.codes()
    );
    let moved = env.create("moved", &[]);
    strip_log(&env, &moved);
    env.set_key(&moved, "status", "in_progress");
    let ticked = env.create("ticked", &[]);
    strip_log(&env, &ticked);
    env.set_key(&ticked, "acceptance", "[{title: a, done: true}]");
    let unticked = env.create("unticked", &[]);
    strip_log(&env, &unticked);
    env.set_key(&unticked, "acceptance", "[{title: a, done: false}]");
    let codes = env.codes();
    assert!(codes.contains(&("log_missing", Some(moved))), "{codes:?}");
    assert!(codes.contains(&("log_missing", Some(ticked))), "{codes:?}");
    assert_eq!(codes.len(), 2, "{codes:?}");
}

#[test]
fn a_plan_without_a_log_is_log_missing() {
    let env = project("simple");
    let id = env.create("planned", &[]);
    ops::write_plan(&env.p, &env.as_user("tester"), &id, "the plan").expect("plan");
    let path = env.path_of(&id);
    let text = std::fs::read_to_string(&path).expect("read");
    let cut = text.find("\n## Log").expect("log");
    std::fs::write(&path, &text[..cut + 1]).expect("write");
    assert_eq!(env.codes(), vec![("log_missing", Some(id))]);
}

#[test]
fn a_status_changed_by_hand_is_not_logged() {
    let env = project("simple");
    let id = env.create("x", &[]);
    let other = env.create("y", &[]);
    env.move_to(&env.as_user("tester"), &other, "in_progress")
        .expect("move");
    env.set_key(&id, "status", "in_progress");
    assert_eq!(env.codes(), vec![("status_not_logged", Some(id))]);
}

#[test]
fn criteria_ticked_by_hand_are_not_logged_and_through_docket_they_are() {
    let env = project("simple");
    let ctx = env.as_user("tester");
    let new = NewTicket {
        title: "x".into(),
        acceptance: vec!["a".into(), "b".into()],
        ..Default::default()
    };
    let id = ops::create(&env.p, &ctx, new)
        .expect("create")
        .ticket
        .meta
        .id;
    let flip = ops::Update {
        flip_ac: vec![("a".into(), true)],
        ..Default::default()
    };
    ops::update(&env.p, &ctx, &id, flip).expect("tick");
    assert!(env.codes().is_empty(), "{:?}", env.codes());
    let path = env.path_of(&id);
    let text = std::fs::read_to_string(&path).expect("read");
    let i = text.find("title: b").expect("b");
    let j = i + text[i..].find("done: false").expect("done");
    let edited = format!(
        "{}done: true{}",
        &text[..j],
        &text[j + "done: false".len()..]
    );
    std::fs::write(&path, edited).expect("write");
    assert_eq!(
        env.codes(),
        vec![("criteria_not_logged", Some(id.to_string()))]
    );
}

#[test]
fn a_later_edit_of_another_field_does_not_hide_criteria_ticked_by_hand() {
    let env = project("simple");
    let ctx = env.as_user("tester");
    let new = NewTicket {
        title: "x".into(),
        acceptance: vec!["a".into()],
        ..Default::default()
    };
    let id = ops::create(&env.p, &ctx, new)
        .expect("create")
        .ticket
        .meta
        .id;
    // An edit entry that is not about the criteria comes last.
    let retitle = ops::Update {
        title: Some("y".into()),
        ..Default::default()
    };
    ops::update(&env.p, &ctx, &id, retitle).expect("retitle");
    assert!(env.codes().is_empty(), "{:?}", env.codes());
    let path = env.path_of(&id);
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replacen("done: false", "done: true", 1)).expect("write");
    assert_eq!(
        env.codes(),
        vec![("criteria_not_logged", Some(id.to_string()))]
    );
}

#[test]
fn criteria_ticked_by_hand_without_any_logged_state_are_not_logged() {
    let env = project("simple");
    let id = env.create("x", &[]);
    env.set_key(&id, "acceptance", "[{title: a, done: true}]");
    assert_eq!(env.codes(), vec![("criteria_not_logged", Some(id.clone()))]);
    // An unticked criterion added by hand is not a claim of progress.
    env.set_key(&id, "acceptance", "[{title: a, done: false}]");
    assert!(env.codes().is_empty(), "{:?}", env.codes());
}

#[test]
fn an_old_edit_entry_without_criteria_state_is_not_judged() {
    let env = project("simple");
    let id = env.create("x", &[]);
    let mut t = env.p.get(&id).expect("get");
    docket_core::audit::append(
        &mut t,
        NOW,
        &docket_core::audit::Author {
            actor: "old docket".into(),
            ..Default::default()
        },
        docket_core::audit::kind::EDIT,
        &[],
        "changed acceptance",
    );
    t.meta.acceptance = vec![docket_core::ticket::Criterion {
        title: "a".into(),
        done: true,
    }]
    .into();
    let _lock = env.p.lock().expect("lock");
    env.p.save(&mut t).expect("save");
    assert!(env.codes().is_empty(), "{:?}", env.codes());
}

#[test]
fn an_approval_by_another_session_of_the_same_user_is_a_warning() {
    let env = project("plan-first");
    let ivy = env.session("implementer", "ivy");
    let ada = env.session("architect", "ada");
    // Both sessions are run by `tester` (ctx_of): allowed, but flagged.
    let id = planned(&env, &ivy, &[]);
    env.move_to(&ctx_of(&ada), &id, "in_progress")
        .expect("approve");
    let found = issues(&env);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, "same_actor_approval");
    assert_eq!(found[0].severity, docket_core::check::Severity::Warning);
    assert!(found[0].message.contains("tester"), "{}", found[0].message);
}

#[test]
fn an_approval_by_another_user_is_not_flagged() {
    let env = project("plan-first");
    let ivy = env.session("implementer", "ivy");
    let ada = env.session("architect", "ada");
    let id = planned(&env, &ivy, &[]);
    let mut by_other = ctx_of(&ada);
    by_other.user = Some("someone-else".into());
    env.move_to(&by_other, &id, "in_progress").expect("approve");
    assert!(env.codes().is_empty(), "{:?}", env.codes());
}

#[test]
fn a_same_user_approval_logged_without_the_flag_is_still_found() {
    let env = project("plan-first");
    let ivy = env.session("implementer", "ivy");
    let ada = env.session("architect", "ada");
    let id = planned(&env, &ivy, &[]);
    env.move_to(&ctx_of(&ada), &id, "in_progress")
        .expect("approve");
    // An approval written before the flag existed: same user, other session.
    let mut t = env.p.get(&id).expect("get");
    t.body = t.body.replace(" same_actor=true", "");
    let (entries, _) = docket_core::audit::parse(&t);
    let mut rebuilt = t.clone();
    rebuilt.set_section(docket_core::audit::SECTION_LOG, "");
    for e in &entries {
        let data: Vec<(&str, &str)> = e
            .data
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let author = docket_core::audit::Author {
            actor: e.actor.clone(),
            session: e.session.clone(),
            role: e.role.clone(),
        };
        docket_core::audit::append(&mut rebuilt, &e.at, &author, &e.kind, &data, &e.text);
    }
    {
        let _lock = env.p.lock().expect("lock");
        env.p.save(&mut rebuilt).expect("save");
    }
    let codes = env.codes();
    assert_eq!(codes, vec![("same_actor_approval", Some(id))]);
}

#[test]
fn a_frozen_plan_edited_by_hand_is_reported() {
    let env = project("plan-first");
    let ivy = env.session("implementer", "ivy");
    let ada = env.session("architect", "ada");
    let id = planned(&env, &ivy, &[]);
    let mut other = ctx_of(&ada);
    other.user = Some("someone-else".into());
    env.move_to(&other, &id, "in_progress").expect("approve");
    env.edit_file(
        &id,
        "## Plan\n\n1. do it",
        "## Plan\n\n1. do something else",
    );
    assert_eq!(
        env.codes(),
        vec![("plan_modified_after_approval", Some(id))]
    );
}
