//! Every mutation in `ops`, on a temporary project: validation before any
//! write, what each change logs, forcing, plans and approvals, claims, WIP
//! limits, dependencies, links, deletion and whole-file edits.

// Test helpers return the core's own `Result`.
#![allow(clippy::result_large_err)]

use docket_core::Error;
use docket_core::audit::{self, kind};
use docket_core::ops::{self, Ctx, MoveOptions, NewTicket, Target, Update};
use docket_core::session::{self, Session};
use docket_core::store::Project;

mod common;

use common::NOW;

struct Env {
    _tmp: tempfile::TempDir,
    p: Project,
}

fn project(preset: &str) -> Env {
    project_with(preset, "")
}

/// A project of `preset` with `extra` appended to its config.
fn project_with(preset: &str, extra: &str) -> Env {
    let (tmp, p) = common::init(preset);
    let p = if extra.is_empty() {
        p
    } else {
        let cfg = p.dir.join("config.toml");
        let text = std::fs::read_to_string(&cfg).expect("config");
        std::fs::write(&cfg, format!("{text}\n{extra}\n")).expect("write");
        Project::open(&p.root).expect("reopen")
    };
    Env { _tmp: tmp, p }
}

fn user() -> Ctx {
    Ctx {
        now: NOW.into(),
        actor: Some("tester".into()),
        session: None,
        user: Some("tester".into()),
    }
}

fn ctx_of(s: &Session) -> Ctx {
    Ctx {
        now: NOW.into(),
        actor: Some(s.label()),
        session: Some(s.clone()),
        user: Some(s.name.clone()),
    }
}

impl Env {
    fn new_ticket(&self, new: NewTicket) -> docket_core::Result<String> {
        ops::create(&self.p, &user(), new).map(|o| o.ticket.meta.id.to_string())
    }

    fn create(&self, title: &str) -> String {
        self.new_ticket(NewTicket {
            title: title.into(),
            ..Default::default()
        })
        .expect("create")
    }

    fn session(&self, role: &str, name: &str) -> Session {
        session::start(&self.p, NOW, role, Some(name)).expect("session")
    }

    fn get(&self, id: &str) -> docket_core::Ticket {
        self.p.get(id).expect("get")
    }

    fn count(&self) -> usize {
        self.p.files().expect("files").len()
    }

    fn kinds(&self, id: &str) -> Vec<String> {
        audit::parse(&self.get(id))
            .0
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }

    fn last(&self, id: &str) -> audit::LogEntry {
        audit::parse(&self.get(id)).0.pop().expect("an entry")
    }

    fn go(&self, ctx: &Ctx, id: &str, to: &str) -> docket_core::Result<ops::Outcome> {
        ops::transition(
            &self.p,
            ctx,
            id,
            Target::Status(to.into()),
            MoveOptions::default(),
        )
    }

    fn update(&self, id: &str, u: Update) -> docket_core::Result<ops::Outcome> {
        ops::update(&self.p, &user(), id, u)
    }
}

impl Env {
    /// A ticket with one unchecked criterion, started (the acceptance gate
    /// guards in_progress -> terminal in `simple`).
    fn unfinished(&self, title: &str) -> String {
        let id = self
            .new_ticket(NewTicket {
                title: title.into(),
                acceptance: vec!["a".into()],
                ..Default::default()
            })
            .expect("create");
        self.go(&user(), &id, "in_progress").expect("start");
        id
    }
}

fn invalid<T: std::fmt::Debug>(r: docket_core::Result<T>) -> String {
    match r {
        Err(Error::InvalidArgument { message }) => message,
        other => panic!("expected invalid_argument, got {other:?}"),
    }
}

#[test]
fn timestamps_are_second_precision_utc() {
    let ts: jiff::Timestamp = "2026-03-04T05:06:07.891Z".parse().expect("ts");
    assert_eq!(ops::format_ts(ts), "2026-03-04T05:06:07Z");
    let c = Ctx::now(Some("me".into()));
    assert_eq!(c.user.as_deref(), Some("me"));
    assert_eq!(c.actor.as_deref(), Some("me"));
    assert_eq!(c.now.len(), 20);
    assert_eq!(c.author().actor, "me");
    assert_eq!(Ctx::now(None).author().actor, "unknown");
}

#[test]
fn create_refuses_bad_fields_and_writes_nothing() {
    let env = project("simple");
    let bad = [
        NewTicket {
            title: "  ".into(),
            ..Default::default()
        },
        NewTicket {
            kind: Some("saga".into()),
            ..Default::default()
        },
        NewTicket {
            mode: Some("never".into()),
            ..Default::default()
        },
        NewTicket {
            priority: Some(5),
            ..Default::default()
        },
        NewTicket {
            priority: Some(-1),
            ..Default::default()
        },
        NewTicket {
            tier: Some("epic".into()),
            ..Default::default()
        },
        NewTicket {
            attention: Some(100),
            ..Default::default()
        },
        NewTicket {
            attention: Some(-1),
            ..Default::default()
        },
        NewTicket {
            sequence: Some(-0.5),
            ..Default::default()
        },
        NewTicket {
            sequence: Some(f64::INFINITY),
            ..Default::default()
        },
        NewTicket {
            description: Some("a\n## Forged\nb".into()),
            ..Default::default()
        },
        NewTicket {
            design: Some("<!-- log n=1 -->".into()),
            ..Default::default()
        },
        NewTicket {
            acceptance: vec![" ".into()],
            ..Default::default()
        },
    ];
    for mut new in bad {
        if new.title.is_empty() {
            new.title = "x".into();
        }
        let shown = format!("{new:?}");
        invalid(env.new_ticket(new));
        assert_eq!(env.count(), 0, "{shown}");
    }
    // Strict links: an unknown one aborts the create.
    let err = env
        .new_ticket(NewTicket {
            title: "x".into(),
            links: vec!["t-nowhere".into()],
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(env.count(), 0);
}

#[test]
fn create_accepts_the_edges_of_every_range() {
    let env = project("simple");
    for (priority, attention, sequence) in [(0, 0, 0.0), (4, 99, 2.5)] {
        let id = env
            .new_ticket(NewTicket {
                title: "edge".into(),
                priority: Some(priority),
                attention: Some(attention),
                sequence: Some(sequence),
                tier: Some("low".into()),
                ..Default::default()
            })
            .expect("valid");
        let t = env.get(&id);
        assert_eq!(t.meta.priority, priority);
        assert_eq!(t.meta.attention, Some(attention));
        assert_eq!(t.meta.tier.as_deref(), Some("low"));
    }
}

#[test]
fn create_fills_defaults_cleans_lists_and_logs_the_status() {
    let env = project("simple");
    let dep = env.create("dep");
    let parent = env.create("parent");
    let id = env
        .new_ticket(NewTicket {
            title: " Title ".into(),
            tags: vec![" a ".into(), "".into(), "a".into(), "b".into()],
            external_refs: vec!["gh:1".into(), "gh:1".into()],
            acceptance: vec!["one".into(), "one".into(), "two".into()],
            deps: vec![
                dep[..dep.len() - 2].to_string(),
                " t-later ".into(),
                dep.clone(),
            ],
            parent: Some(parent.clone()),
            assignee: Some("  ".into()),
            sequence: Some(3.0),
            description: Some("desc".into()),
            design: Some("how".into()),
            ..Default::default()
        })
        .expect("create");
    let t = env.get(&id);
    assert_eq!(t.meta.title, "Title");
    assert_eq!((t.meta.kind.as_str(), t.meta.priority), ("task", 2));
    assert_eq!(t.meta.status, "open");
    assert_eq!(t.meta.tags, ["a", "b"]);
    assert_eq!(t.meta.external_refs, ["gh:1"]);
    assert_eq!(
        t.meta
            .acceptance
            .iter()
            .map(|c| c.title.as_str())
            .collect::<Vec<_>>(),
        ["one", "two"]
    );
    assert_eq!(t.meta.deps, [dep.as_str(), "t-later"]);
    assert_eq!(t.meta.parent.as_deref(), Some(parent.as_str()));
    assert_eq!(t.meta.assignee, None);
    assert_eq!(
        (t.meta.created.as_str(), t.meta.updated.as_str()),
        (NOW, NOW)
    );
    assert_eq!(t.section("Description"), "desc");
    assert_eq!(t.section("Design"), "how");
    let text = std::fs::read_to_string(&t.path).expect("read");
    assert!(text.contains("\nsequence: 3\n"), "{text}");
    let created = env.last(&id);
    assert_eq!(created.kind, kind::CREATED);
    assert_eq!(created.get("status"), Some("open"));
    assert_eq!(
        created.get("ac"),
        Some(audit::criteria_hash(&t.meta.acceptance).as_str())
    );
    // Without criteria there is no `ac`.
    assert_eq!(env.last(&dep).get("ac"), None);
}

#[test]
fn a_fractional_sequence_is_kept_as_a_number() {
    let env = project("simple");
    let id = env
        .new_ticket(NewTicket {
            title: "x".into(),
            sequence: Some(1.5),
            ..Default::default()
        })
        .expect("create");
    let text = std::fs::read_to_string(env.get(&id).path).expect("read");
    assert!(text.contains("\nsequence: 1.5\n"), "{text}");
    env.update(
        &id,
        Update {
            sequence: Some(None),
            ..Default::default()
        },
    )
    .expect("clear");
    let text = std::fs::read_to_string(env.get(&id).path).expect("read");
    assert!(!text.contains("sequence"), "{text}");
}

#[test]
fn links_given_at_create_are_symmetric() {
    let env = project("simple");
    let a = env.create("a");
    let b = env
        .new_ticket(NewTicket {
            title: "b".into(),
            links: vec![a.clone()],
            ..Default::default()
        })
        .expect("create");
    assert_eq!(env.get(&a).meta.links, [b.as_str()]);
    assert_eq!(env.get(&b).meta.links, [a.as_str()]);
}

#[test]
fn update_logs_exactly_the_fields_it_changed() {
    let env = project("simple");
    let parent = env.create("parent");
    let id = env.create("x");
    let cases: Vec<(Update, &str)> = vec![
        (
            Update {
                title: Some("y".into()),
                ..Default::default()
            },
            "title",
        ),
        (
            Update {
                kind: Some("bug".into()),
                ..Default::default()
            },
            "type",
        ),
        (
            Update {
                priority: Some(0),
                ..Default::default()
            },
            "priority",
        ),
        (
            Update {
                mode: Some("afk".into()),
                ..Default::default()
            },
            "mode",
        ),
        (
            Update {
                tier: Some("critical".into()),
                ..Default::default()
            },
            "tier",
        ),
        (
            Update {
                attention: Some(7),
                ..Default::default()
            },
            "attention",
        ),
        (
            Update {
                assignee: Some("ann".into()),
                ..Default::default()
            },
            "assignee",
        ),
        (
            Update {
                parent: Some(parent.clone()),
                ..Default::default()
            },
            "parent",
        ),
        (
            Update {
                add_tags: vec!["t".into()],
                ..Default::default()
            },
            "tags",
        ),
        (
            Update {
                external_refs: Some(vec!["gh:2".into()]),
                ..Default::default()
            },
            "external_refs",
        ),
        (
            Update {
                add_ac: vec!["c".into()],
                ..Default::default()
            },
            "acceptance",
        ),
        (
            Update {
                description: Some("d".into()),
                ..Default::default()
            },
            "description",
        ),
        (
            Update {
                design: Some("e".into()),
                ..Default::default()
            },
            "design",
        ),
    ];
    for (u, field) in cases {
        let out = env.update(&id, u).expect(field);
        assert!(out.changed, "{field}");
        let e = env.last(&id);
        assert_eq!(e.kind, kind::EDIT, "{field}");
        assert_eq!(e.text, format!("changed {field}"));
        assert_eq!(e.get("ac").is_some(), field == "acceptance", "{field}");
        assert_eq!(out.before.expect("before").meta.id, id);
    }
    let t = env.get(&id).meta;
    assert_eq!(
        (
            t.title.as_str(),
            t.kind.as_str(),
            t.priority,
            t.mode.as_str()
        ),
        ("y", "bug", 0, "afk")
    );
    assert_eq!(t.tier.as_deref(), Some("critical"));
    assert_eq!(t.attention, Some(7));
    assert_eq!(t.assignee.as_deref(), Some("ann"));
    // Clearing with empty strings.
    env.update(
        &id,
        Update {
            assignee: Some(" ".into()),
            tier: Some("".into()),
            parent: Some("".into()),
            tags: Some(vec![]),
            remove_ac: vec!["c".into()],
            ..Default::default()
        },
    )
    .expect("clear");
    let t = env.get(&id).meta;
    assert_eq!((t.assignee, t.tier, t.parent), (None, None, None));
    assert!(t.tags.is_empty() && t.acceptance.is_empty());
    assert_eq!(
        env.last(&id).text,
        "changed tier, assignee, parent, tags, acceptance"
    );
}

#[test]
fn an_update_that_changes_nothing_writes_nothing() {
    let env = project("simple");
    let id = env.create("x");
    let path = env.get(&id).path;
    let before = std::fs::read(&path).expect("read");
    let out = env
        .update(
            &id,
            Update {
                title: Some("x".into()),
                remove_tags: vec!["none".into()],
                ..Default::default()
            },
        )
        .expect("update");
    assert!(!out.changed);
    assert!(out.before.is_none());
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn update_refuses_contradictions() {
    let env = project("simple");
    let id = env.create("x");
    for u in [
        Update {
            body: Some("b".into()),
            description: Some("d".into()),
            ..Default::default()
        },
        Update {
            body: Some("b".into()),
            design: Some("d".into()),
            ..Default::default()
        },
        Update {
            tags: Some(vec![]),
            add_tags: vec!["a".into()],
            ..Default::default()
        },
        Update {
            tags: Some(vec![]),
            remove_tags: vec!["a".into()],
            ..Default::default()
        },
        Update {
            add_ac: vec!["a".into()],
            remove_ac: vec!["a".into()],
            ..Default::default()
        },
        Update {
            parent: Some(id.clone()),
            ..Default::default()
        },
        Update {
            kind: Some("saga".into()),
            ..Default::default()
        },
        Update {
            mode: Some("never".into()),
            ..Default::default()
        },
        Update {
            priority: Some(9),
            ..Default::default()
        },
        Update {
            tier: Some("epic".into()),
            ..Default::default()
        },
        Update {
            attention: Some(100),
            ..Default::default()
        },
        Update {
            sequence: Some(Some(-1.0)),
            ..Default::default()
        },
        Update {
            title: Some(" ".into()),
            ..Default::default()
        },
        Update {
            description: Some("## x".into()),
            ..Default::default()
        },
        Update {
            force: true,
            status: Some("closed".into()),
            ..Default::default()
        },
    ] {
        invalid(env.update(&id, u));
    }
    match env.update(
        &id,
        Update {
            flip_ac: vec![("ghost".into(), true)],
            ..Default::default()
        },
    ) {
        Err(Error::NoSuchCriterion { title, .. }) => assert_eq!(title, "ghost"),
        other => panic!("{other:?}"),
    }
    assert_eq!(env.kinds(&id), [kind::CREATED]);
}

#[test]
fn a_new_body_keeps_the_plan_and_the_log() {
    let env = project("simple");
    let id = env.create("x");
    ops::write_plan(&env.p, &user(), &id, "the plan").expect("plan");
    env.update(
        &id,
        Update {
            body: Some("## Description\n\nnew".into()),
            ..Default::default()
        },
    )
    .expect("body");
    let t = env.get(&id);
    assert_eq!(t.section("Description"), "new");
    assert_eq!(t.section("Plan"), "the plan");
    assert_eq!(env.kinds(&id), [kind::CREATED, kind::PLAN, kind::EDIT]);
    assert_eq!(env.last(&id).text, "changed description");
}

#[test]
fn update_status_runs_the_guards_and_logs_the_summary() {
    let env = project("simple");
    let id = env.unfinished("x");
    let err = env
        .update(
            &id,
            Update {
                status: Some("closed".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::AcceptanceIncomplete { .. }), "{err:?}");
    let out = env
        .update(
            &id,
            Update {
                status: Some("closed".into()),
                force: true,
                summary: Some("shipped anyway".into()),
                ..Default::default()
            },
        )
        .expect("forced");
    assert!(out.archived_to.is_some());
    assert_eq!(
        env.kinds(&id),
        [
            kind::CREATED,
            kind::TRANSITION,
            kind::VIOLATION,
            kind::TRANSITION,
            kind::NOTE
        ]
    );
    assert_eq!(env.last(&id).text, "shipped anyway");
    assert_eq!(env.get(&id).meta.closed.as_deref(), Some(NOW));
}

#[test]
fn forcing_needs_a_reason_and_logs_a_violation() {
    let env = project("simple");
    let id = env.unfinished("x");
    let force = |reason: Option<&str>| MoveOptions {
        force: true,
        reason: reason.map(String::from),
        ..Default::default()
    };
    invalid(ops::transition(
        &env.p,
        &user(),
        &id,
        Target::Close,
        force(None),
    ));
    invalid(ops::transition(
        &env.p,
        &user(),
        &id,
        Target::Close,
        force(Some("  ")),
    ));
    invalid(ops::transition(
        &env.p,
        &user(),
        &id,
        Target::Close,
        force(Some("## x")),
    ));
    let out = ops::transition(&env.p, &user(), &id, Target::Close, force(Some("urgent")))
        .expect("forced");
    assert_eq!(out.ticket.meta.status, "closed");
    let (entries, _) = audit::parse(&env.get(&id));
    let v = &entries[2];
    assert_eq!(v.kind, kind::VIOLATION);
    assert_eq!(v.get("guards"), Some("acceptance_complete"));
    assert_eq!(
        (v.get("from"), v.get("to")),
        (Some("in_progress"), Some("closed"))
    );
    assert_eq!(v.text, "forced past acceptance_complete: urgent");
    // A summary alone also explains a force, and is noted after the move.
    let id2 = env.unfinished("y");
    let opts = MoveOptions {
        force: true,
        summary: Some("done enough".into()),
        ..Default::default()
    };
    ops::transition(&env.p, &user(), &id2, Target::Close, opts).expect("forced");
    assert_eq!(
        env.kinds(&id2),
        [
            kind::CREATED,
            kind::TRANSITION,
            kind::VIOLATION,
            kind::TRANSITION,
            kind::NOTE
        ]
    );
}

#[test]
fn plan_present_cannot_be_forced() {
    let env = project("plan-first");
    let ada = env.session("architect", "ada");
    let id = env.create("x");
    env.go(&ctx_of(&ada), &id, "planning").expect("planning");
    let opts = MoveOptions {
        force: true,
        reason: Some("trust me".into()),
        ..Default::default()
    };
    match ops::transition(&env.p, &ctx_of(&ada), &id, Target::Start, opts) {
        Err(Error::GuardFailed {
            guard,
            forceable,
            message,
            failing,
            ..
        }) => {
            assert_eq!(guard, "plan_present");
            assert!(!forceable);
            assert!(message.contains("--force cannot pass"), "{message}");
            let names: Vec<&str> = failing.iter().map(|v| v.guard).collect();
            assert_eq!(names, ["plan_present", "plan_approved_by_other_session"]);
            assert!(failing.iter().all(|v| !v.passed));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.get(&id).meta.status, "planning");
}

#[test]
fn leaving_planning_approves_and_freezes_the_plan() {
    let env = project("plan-first");
    let ivy = env.session("implementer", "ivy");
    let ada = env.session("architect", "ada");
    let id = env.create("x");
    // Plans are written in planning only.
    match ops::write_plan(&env.p, &ctx_of(&ivy), &id, "early") {
        Err(Error::PlanFrozen { message }) => assert!(message.contains("`planning`"), "{message}"),
        other => panic!("{other:?}"),
    }
    invalid(ops::write_plan(&env.p, &ctx_of(&ivy), &id, "  "));
    env.go(&ctx_of(&ivy), &id, "planning").expect("planning");
    ops::write_plan(&env.p, &ctx_of(&ivy), &id, "v1").expect("v1");
    let out = ops::write_plan(&env.p, &ctx_of(&ivy), &id, "v1").expect("same");
    assert!(!out.changed, "an identical plan is no revision");
    ops::write_plan(&env.p, &ctx_of(&ivy), &id, "v2").expect("v2");
    let plan = env.last(&id);
    assert_eq!(plan.get("version"), Some("2"));
    assert_eq!(plan.get("plan_hash"), Some(audit::plan_hash("v2").as_str()));
    assert_eq!(plan.get("user"), Some("ivy"));
    // A comment before the work is no deviation.
    ops::comment(&env.p, &ctx_of(&ivy), &id, "thinking").expect("comment");
    assert_eq!(env.last(&id).get("deviation"), None);
    env.go(&ctx_of(&ada), &id, "in_progress").expect("approve");
    let (entries, _) = audit::parse(&env.get(&id));
    let approval = &entries[entries.len() - 2];
    assert_eq!(approval.kind, kind::APPROVAL);
    assert_eq!(approval.get("version"), Some("2"));
    assert_eq!(
        approval.get("plan_hash"),
        Some(audit::plan_hash("v2").as_str())
    );
    assert_eq!(approval.get("user"), Some("ada"));
    assert_eq!(approval.get("same_actor"), None);
    assert!(approval.text.starts_with("plan v2 approved and frozen"));
    match ops::write_plan(&env.p, &ctx_of(&ivy), &id, "v3") {
        Err(Error::PlanFrozen { message }) => assert!(message.contains("frozen"), "{message}"),
        other => panic!("{other:?}"),
    }
    ops::comment(&env.p, &ctx_of(&ivy), &id, "changed course").expect("comment");
    assert_eq!(env.last(&id).get("deviation"), Some("true"));
}

#[test]
fn cancelling_a_plan_approves_nothing() {
    let env = project("plan-first");
    let ada = env.session("architect", "ada");
    let id = env.create("x");
    env.go(&ctx_of(&ada), &id, "planning").expect("planning");
    ops::write_plan(&env.p, &ctx_of(&ada), &id, "p").expect("plan");
    env.go(&ctx_of(&ada), &id, "cancelled").expect("cancel");
    assert!(!env.kinds(&id).contains(&kind::APPROVAL.to_string()));
}

#[test]
fn an_approval_by_the_same_user_in_another_session_is_flagged() {
    let env = project("plan-first");
    let ivy = env.session("implementer", "ivy");
    let ada = env.session("architect", "ada");
    let id = env.create("x");
    let mut as_ivy = ctx_of(&ivy);
    as_ivy.user = Some("pat".into());
    let mut as_ada = ctx_of(&ada);
    as_ada.user = Some("pat".into());
    env.go(&as_ivy, &id, "planning").expect("planning");
    ops::write_plan(&env.p, &as_ivy, &id, "p").expect("plan");
    env.go(&as_ada, &id, "in_progress").expect("approve");
    let (entries, _) = audit::parse(&env.get(&id));
    let approval = &entries[entries.len() - 2];
    assert_eq!(approval.get("same_actor"), Some("true"));
    assert!(
        approval
            .text
            .contains("another session of the plan's author (pat)")
    );
}

#[test]
fn a_move_to_the_same_status_is_no_change_but_a_typo_is_an_error() {
    let env = project("simple");
    let id = env.create("x");
    let out = env.go(&user(), &id, "open").expect("same");
    assert!(!out.changed);
    invalid(env.go(&user(), &id, "opne"));
    match env.go(&user(), &id, "nowhere") {
        Err(Error::InvalidArgument { message }) => assert!(message.contains("unknown status")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn targets_name_the_start_close_reopen_and_next_statuses() {
    let env = project("simple");
    let id = env.create("x");
    let go = |t: Target| {
        ops::transition(&env.p, &user(), &id, t, MoveOptions::default())
            .expect("move")
            .ticket
            .meta
            .status
    };
    assert_eq!(go(Target::Next), "in_progress");
    assert_eq!(go(Target::Close), "closed");
    assert_eq!(go(Target::Reopen), "open");
    assert_eq!(go(Target::Start), "in_progress");
    go(Target::Close);
    let err = ops::preview_move(&env.p, &user(), &id, &Target::Next).unwrap_err();
    assert!(err.to_string().contains("no next status"), "{err}");
}

#[test]
fn a_preview_judges_without_writing() {
    let env = project("simple");
    let id = env.unfinished("x");
    let before = std::fs::read(env.get(&id).path).expect("read");
    let p = ops::preview_move(&env.p, &user(), &id, &Target::Close).expect("preview");
    assert_eq!(
        (p.from.as_str(), p.to.as_str(), p.allowed),
        ("in_progress", "closed", false)
    );
    assert!(
        p.verdicts
            .iter()
            .any(|v| v.guard == "acceptance_complete" && !v.passed)
    );
    assert_eq!(std::fs::read(env.get(&id).path).expect("read"), before);
    let p = ops::preview_move(&env.p, &user(), &id, &Target::Reopen).expect("preview");
    assert!(p.allowed);
}

#[test]
fn starting_claims_and_another_session_is_refused_unless_it_steals() {
    let env = project("simple");
    let ann = env.session("implementer", "ann");
    let bob = env.session("implementer", "bob");
    let id = env.create("x");
    ops::transition(
        &env.p,
        &ctx_of(&ann),
        &id,
        Target::Start,
        MoveOptions::default(),
    )
    .expect("start");
    assert_eq!(env.get(&id).meta.assignee.as_deref(), Some("ann"));
    let claim = docket_core::claims::get(&env.p, &id).expect("claimed");
    assert_eq!(claim.holder, format!("session:{}", ann.id));
    // Starting again as the holder changes nothing.
    let out = ops::transition(
        &env.p,
        &ctx_of(&ann),
        &id,
        Target::Start,
        MoveOptions::default(),
    )
    .expect("again");
    assert!(!out.changed);
    match ops::transition(
        &env.p,
        &ctx_of(&bob),
        &id,
        Target::Start,
        MoveOptions::default(),
    ) {
        Err(Error::Claimed { holder, .. }) => assert_eq!(holder, "ann"),
        other => panic!("{other:?}"),
    }
    let steal = |reason: Option<&str>| MoveOptions {
        steal: true,
        reason: reason.map(String::from),
        ..Default::default()
    };
    invalid(ops::transition(
        &env.p,
        &ctx_of(&bob),
        &id,
        Target::Start,
        steal(None),
    ));
    ops::transition(
        &env.p,
        &ctx_of(&bob),
        &id,
        Target::Start,
        steal(Some("ann left")),
    )
    .expect("steal");
    assert_eq!(env.get(&id).meta.assignee.as_deref(), Some("bob"));
    let (entries, _) = audit::parse(&env.get(&id));
    let n = entries.len();
    assert_eq!(entries[n - 2].kind, kind::VIOLATION);
    assert_eq!(entries[n - 2].get("from_holder"), Some("ann"));
    assert_eq!(entries[n - 1].kind, kind::CLAIM);
    assert_eq!(entries[n - 1].get("was"), Some("ann"));
    // Closing releases the claim.
    env.go(&ctx_of(&bob), &id, "closed").expect("close");
    assert!(docket_core::claims::get(&env.p, &id).is_none());
}

#[test]
fn a_move_within_the_claim_statuses_leaves_the_claim_with_its_holder() {
    let env = project("plan-first");
    let ivy = env.session("implementer", "ivy");
    let ada = env.session("architect", "ada");
    let id = env.create("x");
    env.go(&ctx_of(&ivy), &id, "planning").expect("pick up");
    ops::write_plan(&env.p, &ctx_of(&ivy), &id, "p").expect("plan");
    env.go(&ctx_of(&ada), &id, "in_progress").expect("approve");
    let claim = docket_core::claims::get(&env.p, &id).expect("claim");
    assert_eq!(claim.name, "ivy");
    assert_eq!(env.get(&id).meta.assignee.as_deref(), Some("ivy"));
}

#[test]
fn claim_next_takes_the_best_ready_ticket_once() {
    let env = project("simple");
    let ann = env.session("implementer", "ann");
    let bob = env.session("implementer", "bob");
    let low = env
        .new_ticket(NewTicket {
            title: "low".into(),
            priority: Some(3),
            ..Default::default()
        })
        .expect("create");
    let high = env
        .new_ticket(NewTicket {
            title: "high".into(),
            priority: Some(1),
            ..Default::default()
        })
        .expect("create");
    env.new_ticket(NewTicket {
        title: "blocked".into(),
        priority: Some(0),
        deps: vec![low.clone()],
        ..Default::default()
    })
    .expect("create");
    let filter = docket_core::query::Filter::default();
    let (before, out) = ops::claim_next(&env.p, &ctx_of(&ann), &filter).expect("first");
    assert_eq!(before.meta.id, high);
    assert_eq!(out.ticket.meta.status, "in_progress");
    let (_, out) = ops::claim_next(&env.p, &ctx_of(&bob), &filter).expect("second");
    assert_eq!(out.ticket.meta.id, low);
    assert!(matches!(
        ops::claim_next(&env.p, &ctx_of(&bob), &filter),
        Err(Error::NothingReady { .. })
    ));
}

#[test]
fn a_wip_limit_refuses_a_move_into_a_full_status() {
    let env = project_with("simple", "[workflow.wip]\nin_progress = 2\n");
    let ctx = user();
    let ids: Vec<String> = (0..3).map(|i| env.create(&format!("t{i}"))).collect();
    env.go(&ctx, &ids[0], "in_progress").expect("first");
    env.go(&ctx, &ids[1], "in_progress").expect("second");
    match env.go(&ctx, &ids[2], "in_progress") {
        Err(Error::GuardFailed { guard, .. }) => assert_eq!(guard, "wip_limit"),
        other => panic!("{other:?}"),
    }
    env.go(&ctx, &ids[0], "closed").expect("close");
    env.go(&ctx, &ids[2], "in_progress").expect("room again");
}

#[test]
fn a_per_session_wip_limit_counts_the_movers_own_tickets() {
    let env = project_with("simple", "[workflow.wip_per_session]\nin_progress = 1\n");
    let ann = env.session("implementer", "ann");
    let bob = env.session("implementer", "bob");
    let ids: Vec<String> = (0..3).map(|i| env.create(&format!("t{i}"))).collect();
    env.go(&ctx_of(&ann), &ids[0], "in_progress")
        .expect("ann's first");
    match env.go(&ctx_of(&ann), &ids[1], "in_progress") {
        Err(Error::GuardFailed { guard, .. }) => assert_eq!(guard, "wip_limit"),
        other => panic!("{other:?}"),
    }
    env.go(&ctx_of(&bob), &ids[1], "in_progress")
        .expect("bob's first");
    // Without a session nobody owns anything.
    env.go(&user(), &ids[2], "in_progress").expect("no session");
}

#[test]
fn dependencies_refuse_cycles_and_log_changes() {
    let env = project("simple");
    let a = env.create("a");
    let b = env.create("b");
    let c = env.create("c");
    assert!(matches!(
        ops::dep(&env.p, &user(), &a, &a),
        Err(Error::Cycle { .. })
    ));
    ops::dep(&env.p, &user(), &a, &b).expect("a on b");
    assert_eq!(env.last(&a).text, format!("now depends on {b}"));
    assert!(!ops::dep(&env.p, &user(), &a, &b).expect("again").changed);
    ops::dep(&env.p, &user(), &b, &c).expect("b on c");
    match ops::dep(&env.p, &user(), &c, &a) {
        Err(Error::Cycle { path }) => {
            assert_eq!(path, [c.clone(), a.clone(), b.clone(), c.clone()])
        }
        other => panic!("{other:?}"),
    }
    // A forward reference is allowed.
    ops::dep(&env.p, &user(), &c, "t-future").expect("forward");
    assert_eq!(env.get(&c).meta.deps, ["t-future"]);
    ops::undep(&env.p, &user(), &a, &b).expect("undep");
    assert!(env.get(&a).meta.deps.is_empty());
    assert!(ops::undep(&env.p, &user(), &a, &b).is_err());
    ops::undep(&env.p, &user(), &c, "t-future").expect("undep forward");
}

#[test]
fn depends_adds_and_removes_in_one_checked_step() {
    let env = project("simple");
    let a = env.create("a");
    let b = env.create("b");
    let c = env.create("c");
    invalid(ops::depends(&env.p, &user(), &a, &[], &[]));
    ops::depends(&env.p, &user(), &a, &[b.clone(), c.clone()], &[]).expect("on b, c");
    assert_eq!(env.get(&a).meta.deps, [b.clone(), c.clone()]);
    assert_eq!(env.last(&a).text, format!("now depends on {b}, {c}"));
    let out = ops::depends(&env.p, &user(), &a, std::slice::from_ref(&b), &[]).expect("no-op");
    assert!(!out.changed);
    ops::depends(&env.p, &user(), &a, &[], std::slice::from_ref(&b)).expect("remove b");
    assert_eq!(env.last(&a).text, format!("no longer depends on {b}"));
    invalid(ops::depends(
        &env.p,
        &user(),
        &a,
        &[],
        std::slice::from_ref(&b),
    ));
    assert!(matches!(
        ops::depends(&env.p, &user(), &a, std::slice::from_ref(&a), &[]),
        Err(Error::Cycle { .. })
    ));
    // Two new edges that close a cycle together are refused as a whole.
    ops::depends(&env.p, &user(), &b, std::slice::from_ref(&c), &[]).expect("b on c");
    assert!(matches!(
        ops::depends(&env.p, &user(), &c, &["t-x".into(), a.clone()], &[]),
        Err(Error::Cycle { .. })
    ));
    assert!(env.get(&c).meta.deps.is_empty());
    ops::depends(
        &env.p,
        &user(),
        &a,
        std::slice::from_ref(&b),
        std::slice::from_ref(&c),
    )
    .expect("swap");
    assert_eq!(
        env.last(&a).text,
        format!("now depends on {b}; no longer depends on {c}")
    );
}

#[test]
fn links_are_added_and_removed_on_both_sides() {
    let env = project("simple");
    let a = env.create("a");
    let b = env.create("b");
    let c = env.create("c");
    let ids = vec![a.clone(), b.clone(), c.clone()];
    ops::link(&env.p, &user(), &ids, true).expect("link");
    assert_eq!(env.get(&a).meta.links, [b.clone(), c.clone()]);
    assert_eq!(env.get(&b).meta.links, [a.clone(), c.clone()]);
    assert_eq!(env.last(&b).text, format!("linked to {a}, {c}"));
    let before = env.kinds(&a).len();
    ops::link(&env.p, &user(), &ids, true).expect("again");
    assert_eq!(env.kinds(&a).len(), before, "no change, no entry");
    ops::link(&env.p, &user(), &[a.clone(), b.clone()], false).expect("unlink");
    assert_eq!(env.get(&a).meta.links, [c.as_str()]);
    assert_eq!(env.get(&b).meta.links, [c.as_str()]);
    assert_eq!(env.last(&a).text, format!("unlinked from {b}"));
    assert!(ops::link(&env.p, &user(), &[a.clone(), "t-none".into()], true).is_err());
}

#[test]
fn delete_refuses_a_referenced_ticket_unless_it_cascades() {
    let env = project("simple");
    let target = env.create("target");
    let dependent = env
        .new_ticket(NewTicket {
            title: "dependent".into(),
            deps: vec![target.clone()],
            ..Default::default()
        })
        .expect("create");
    let child = env
        .new_ticket(NewTicket {
            title: "child".into(),
            parent: Some(target.clone()),
            links: vec![target.clone()],
            ..Default::default()
        })
        .expect("create");
    let lone = env.create("lone");
    match ops::delete(&env.p, &user(), &target, false) {
        Err(Error::HasIncomingRefs { referrers, .. }) => {
            let mut want = vec![dependent.clone(), child.clone()];
            want.sort();
            assert_eq!(referrers, want);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.count(), 4);
    let d = ops::delete(&env.p, &user(), &lone, false).expect("lone");
    assert!(d.updated.is_empty());
    let d = ops::delete(&env.p, &user(), &target, true).expect("cascade");
    assert_eq!(d.updated.len(), 2);
    assert!(env.get(&dependent).meta.deps.is_empty());
    let c = env.get(&child).meta;
    assert_eq!((c.parent, c.links.len()), (None, 0));
    assert_eq!(
        env.last(&child).text,
        format!("references to {target} removed ({target} was deleted)")
    );
    assert_eq!(env.count(), 2);
}

#[test]
fn a_whole_file_edit_is_validated_and_logged() {
    let env = project("simple");
    let id = env.create("x");
    let path = env.get(&id).path;
    let text = std::fs::read_to_string(&path).expect("read");
    let replace = |t: &str| ops::replace_text(&env.p, &user(), &id, t);
    invalid(replace(&text.replace(&format!("id: {id}"), "id: t-other")));
    invalid(replace(&text.replace("status: open", "status: doing")));
    invalid(replace(&text.replace("type: task", "type: saga")));
    invalid(replace(&text.replace("priority: 2", "priority: 7")));
    invalid(replace(&text.replace("· created ·", "· forged ·")));
    invalid(replace(&format!("{text}\n## Plan\n\nsneaky\n")));
    assert!(!replace(&text).expect("same").changed);
    let out = replace(&text.replace("title: x", "title: y")).expect("retitle");
    assert!(out.changed);
    assert_eq!(env.last(&id).text, "edited title");
    // A status edited by hand goes through the workflow.
    let text = std::fs::read_to_string(&path).expect("read");
    let out = replace(&text.replace("status: open", "status: in_progress")).expect("move");
    assert_eq!(out.ticket.meta.status, "in_progress");
    assert_eq!(env.last(&id).kind, kind::TRANSITION);
}

#[test]
fn notes_usage_and_comments_append_to_the_log() {
    let env = project("simple");
    let id = env.create("x");
    invalid(ops::add_note(&env.p, &user(), &id, " "));
    invalid(ops::add_note(&env.p, &user(), &id, "## heading"));
    invalid(ops::comment(&env.p, &user(), &id, ""));
    ops::add_note(&env.p, &user(), &id, "a note").expect("note");
    ops::comment(&env.p, &user(), &id, "a comment").expect("comment");
    assert_eq!(env.kinds(&id), [kind::CREATED, kind::NOTE, kind::COMMENT]);
    assert_eq!(env.last(&id).text, "a comment");
    assert_eq!(env.last(&id).actor, "tester");
}

#[test]
fn documents_are_referenced_only_when_they_exist() {
    let env = project("simple");
    docket_core::knowledge::doc_add(&env.p, "design", None, "the design").expect("doc");
    docket_core::knowledge::doc_add(&env.p, "api", None, "the api").expect("doc");
    let err = env
        .new_ticket(NewTicket {
            title: "x".into(),
            docs: vec!["missing".into()],
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(err, Error::EntryNotFound { .. }), "{err:?}");
    assert_eq!(env.count(), 0);
    let id = env
        .new_ticket(NewTicket {
            title: "x".into(),
            docs: vec![" design ".into(), "design".into()],
            ..Default::default()
        })
        .expect("create");
    assert_eq!(ops::docs_of(&env.get(&id)), ["design"]);
    env.update(
        &id,
        Update {
            add_docs: vec!["api".into()],
            remove_docs: vec!["design".into()],
            ..Default::default()
        },
    )
    .expect("update");
    assert_eq!(ops::docs_of(&env.get(&id)), ["api"]);
    assert_eq!(env.last(&id).text, "changed docs");
    env.update(
        &id,
        Update {
            remove_docs: vec!["api".into()],
            ..Default::default()
        },
    )
    .expect("update");
    assert!(ops::docs_of(&env.get(&id)).is_empty());
    let text = std::fs::read_to_string(env.get(&id).path).expect("read");
    assert!(!text.contains("docs:"), "{text}");
    // Adding alone.
    env.update(
        &id,
        Update {
            add_docs: vec!["design".into()],
            ..Default::default()
        },
    )
    .expect("update");
    assert_eq!(ops::docs_of(&env.get(&id)), ["design"]);
}

#[test]
fn adding_a_criterion_keeps_the_others_and_skips_a_duplicate() {
    let env = project("simple");
    let id = env.create("x");
    let add = |titles: &[&str]| Update {
        add_ac: titles.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    };
    env.update(&id, add(&["a"])).expect("a");
    env.update(&id, add(&["b", "a"])).expect("b");
    let titles: Vec<String> = env
        .get(&id)
        .meta
        .acceptance
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(titles, ["a", "b"]);
    assert!(!env.update(&id, add(&["b"])).expect("dup").changed);
}

#[test]
fn moving_to_the_status_a_ticket_is_in_takes_no_claim() {
    let env = project("simple");
    let ann = env.session("implementer", "ann");
    let bob = env.session("implementer", "bob");
    let id = env.create("x");
    ops::transition(
        &env.p,
        &ctx_of(&ann),
        &id,
        Target::Start,
        MoveOptions::default(),
    )
    .expect("start");
    let out = env.go(&ctx_of(&bob), &id, "in_progress").expect("no-op");
    assert!(!out.changed);
    assert_eq!(
        docket_core::claims::get(&env.p, &id).expect("claim").name,
        "ann"
    );
}

#[test]
fn approving_with_start_leaves_the_claim_with_the_planner() {
    let env = project("plan-first");
    let ivy = env.session("implementer", "ivy");
    let ada = env.session("architect", "ada");
    let id = env.create("x");
    env.go(&ctx_of(&ivy), &id, "planning").expect("pick up");
    ops::write_plan(&env.p, &ctx_of(&ivy), &id, "p").expect("plan");
    ops::transition(
        &env.p,
        &ctx_of(&ada),
        &id,
        Target::Start,
        MoveOptions::default(),
    )
    .expect("approve with start");
    assert_eq!(
        docket_core::claims::get(&env.p, &id).expect("claim").name,
        "ivy"
    );
}

#[test]
fn only_a_move_into_the_archive_reports_archived_to() {
    let env = project("simple");
    let id = env.create("x");
    let closed = env.go(&user(), &id, "closed").expect("close");
    assert!(closed.archived_to.is_some());
    let noted = ops::add_note(&env.p, &user(), &id, "after").expect("note");
    assert_eq!(noted.archived_to, None);
    let reopened = env.go(&user(), &id, "open").expect("reopen");
    assert_eq!(reopened.archived_to, None);
}

#[test]
fn an_approval_after_the_planner_left_takes_no_claim() {
    let env = project("plan-first");
    let ivy = env.session("implementer", "ivy");
    let ada = env.session("architect", "ada");
    let id = env.create("x");
    env.go(&ctx_of(&ivy), &id, "planning").expect("pick up");
    ops::write_plan(&env.p, &ctx_of(&ivy), &id, "p").expect("plan");
    session::end(&env.p, &ivy).expect("end");
    env.go(&ctx_of(&ada), &id, "in_progress").expect("approve");
    assert!(docket_core::claims::get(&env.p, &id).is_none());
    assert_eq!(env.get(&id).meta.assignee.as_deref(), Some("ivy"));
}

#[test]
fn removing_a_forward_reference_uses_its_text_even_when_it_now_resolves() {
    let env = project("simple");
    let a = env.create("a");
    ops::dep(&env.p, &user(), &a, "t-zzz").expect("forward reference");
    // A ticket whose id the reference is now a prefix of.
    let text = std::fs::read_to_string(env.get(&a).path)
        .expect("read")
        .replace(&a, "t-zzzabc");
    std::fs::write(env.p.tickets_dir().join("t-zzzabc--other.md"), text).expect("write");
    ops::depends(&env.p, &user(), &a, &[], &["t-zzz".into()]).expect("remove");
    assert!(env.get(&a).meta.deps.is_empty());
}

#[test]
fn a_claim_that_replaces_another_assignee_is_logged_with_who_it_was() {
    let env = project("simple");
    let ann = env.session("implementer", "ann");
    let id = env.create("x");
    env.update(
        &id,
        Update {
            assignee: Some("carl".into()),
            ..Default::default()
        },
    )
    .expect("assign");
    env.go(&ctx_of(&ann), &id, "in_progress").expect("start");
    let claim = env.last(&id);
    assert_eq!(claim.kind, kind::CLAIM);
    assert_eq!(claim.get("was"), Some("carl"));
    assert_eq!(claim.get("assignee"), Some("ann"));
}

#[test]
fn a_claim_by_the_assignee_with_a_move_adds_no_claim_entry() {
    let env = project("simple");
    let ann = env.session("implementer", "ann");
    let id = env.create("x");
    env.update(
        &id,
        Update {
            assignee: Some("ann".into()),
            ..Default::default()
        },
    )
    .expect("assign");
    env.go(&ctx_of(&ann), &id, "in_progress").expect("start");
    assert!(!env.kinds(&id).contains(&kind::CLAIM.to_string()));
    assert_eq!(env.get(&id).meta.assignee.as_deref(), Some("ann"));
}

#[test]
fn without_a_session_plans_and_approvals_record_no_user() {
    // A plan-first workflow loosened so that no session is needed.
    let env = project("plan-first");
    let cfg = env.p.dir.join("config.toml");
    let text = std::fs::read_to_string(&cfg)
        .expect("config")
        .replace("roles = [\"architect\", \"implementer\"]\n", "")
        .replace(
            "roles = [\"architect\"]\nguards = [\"plan_present\", \"plan_approved_by_other_session\", \"deps_done\"]",
            "guards = [\"plan_present\"]",
        );
    std::fs::write(&cfg, text).expect("write");
    let p = Project::open(&env.p.root).expect("reopen");
    let id = ops::create(
        &p,
        &user(),
        NewTicket {
            title: "x".into(),
            ..Default::default()
        },
    )
    .expect("create")
    .ticket
    .meta
    .id;
    let go = |to: &str| {
        ops::transition(
            &p,
            &user(),
            &id,
            Target::Status(to.into()),
            MoveOptions::default(),
        )
    };
    go("planning").expect("planning");
    ops::write_plan(&p, &user(), &id, "p").expect("plan");
    go("in_progress").expect("approve");
    let (entries, _) = audit::parse(&p.get(&id).expect("get"));
    let plan = entries.iter().find(|e| e.kind == kind::PLAN).expect("plan");
    let approval = entries
        .iter()
        .find(|e| e.kind == kind::APPROVAL)
        .expect("approval");
    assert_eq!(plan.get("user"), None);
    assert_eq!(approval.get("user"), None);
    assert_eq!(
        approval.get("plan_hash"),
        Some(audit::plan_hash("p").as_str())
    );
}

#[test]
fn a_whole_file_edit_of_the_description_alone_is_saved() {
    let env = project("simple");
    let id = env
        .new_ticket(NewTicket {
            title: "x".into(),
            description: Some("old words".into()),
            ..Default::default()
        })
        .expect("create");
    let text = std::fs::read_to_string(env.get(&id).path).expect("read");
    let out = ops::replace_text(
        &env.p,
        &user(),
        &id,
        &text.replace("old words", "new words"),
    )
    .expect("edit");
    assert!(out.changed);
    assert_eq!(env.get(&id).section("Description"), "new words");
}

#[test]
fn undep_takes_a_prefix_of_the_dependency() {
    let env = project("simple");
    let b = env.create("b");
    let a = env
        .new_ticket(NewTicket {
            title: "a".into(),
            deps: vec![b.clone()],
            ..Default::default()
        })
        .expect("create");
    ops::undep(&env.p, &user(), &a, &b[..b.len() - 4]).expect("undep by prefix");
    assert!(env.get(&a).meta.deps.is_empty());
}

#[test]
fn delete_refuses_a_ticket_that_is_only_a_parent() {
    let env = project("simple");
    let target = env.create("target");
    let child = env
        .new_ticket(NewTicket {
            title: "child".into(),
            parent: Some(target.clone()),
            ..Default::default()
        })
        .expect("create");
    match ops::delete(&env.p, &user(), &target, false) {
        Err(Error::HasIncomingRefs { referrers, .. }) => assert_eq!(referrers, [child]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn staying_in_an_unknown_status_is_refused() {
    let env = project("simple");
    let id = env.create("x");
    let path = env.get(&id).path;
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("status: open", "status: doing")).expect("write");
    let message = invalid(env.go(&user(), &id, "doing"));
    assert!(message.contains("unknown status `doing`"), "{message}");
}
