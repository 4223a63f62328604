//! The workflow engine, the plan facts and the dependency graph as pure
//! functions: every guard's verdict at its boundaries, rule matching, and the
//! graph's readiness and cycles. No project on disk.

// Test helpers return the core's own `Result`.
#![allow(clippy::result_large_err)]

use std::path::Path;

use docket_core::Error;
use docket_core::audit::{self, Author, LogEntry, kind};
use docket_core::config::Config;
use docket_core::graph::Graph;
use docket_core::plan;
use docket_core::store::Entry;
use docket_core::ticket::{Criterion, List, Meta, Ticket};
use docket_core::workflow::{
    self, GraphFacts, Guard, GuardInput, LogFacts, Mover, Verdict, WipFacts,
};

const BASE: &str = r#"
[project]
prefix = "t"

[workflow]
statuses = ["todo", "plan", "doing", "review", "done", "dropped"]
terminal = ["done", "dropped"]
active = "doing"
planning = "plan"
types = ["task"]
modes = ["afk", "hitl"]
"#;

fn config(rules: &str) -> Config {
    Config::parse(&format!("{BASE}{rules}"), Path::new("config.toml")).expect("config")
}

fn meta(id: &str, status: &str) -> Meta {
    Meta {
        id: id.into(),
        title: id.into(),
        status: status.into(),
        kind: "task".into(),
        priority: 2,
        mode: "afk".into(),
        tier: None,
        attention: None,
        assignee: None,
        parent: None,
        created: "2026-01-01T00:00:00Z".into(),
        updated: "2026-01-01T00:00:00Z".into(),
        closed: None,
        tags: List::new(),
        external_refs: List::new(),
        deps: List::new(),
        links: List::new(),
        acceptance: List::new(),
    }
}

fn mover(session: Option<&str>, role: Option<&str>, base: Option<&str>, actor: &str) -> Mover {
    Mover {
        session: session.map(String::from),
        role: role.map(String::from),
        base_role: base.map(String::from),
        actor: actor.into(),
    }
}

struct Case {
    meta: Meta,
    graph: GraphFacts,
    log: LogFacts,
    mover: Mover,
    roles: Vec<Vec<String>>,
}

impl Case {
    fn new() -> Case {
        Case {
            meta: meta("t-1", "todo"),
            graph: GraphFacts::default(),
            log: LogFacts::default(),
            mover: mover(
                Some("s-1"),
                Some("architect"),
                Some("architect"),
                "ada (architect)",
            ),
            roles: vec![],
        }
    }

    fn one(&self, g: Guard) -> Verdict {
        let input = GuardInput {
            meta: &self.meta,
            graph: &self.graph,
            log: &self.log,
            mover: &self.mover,
            roles: &self.roles,
        };
        let mut all = workflow::evaluate(&[g], &input);
        assert_eq!(all.len(), 1);
        let v = all.remove(0);
        assert_eq!(v.guard, g.name());
        assert_eq!(v.forceable, g.forceable());
        v
    }
}

fn roles(lists: &[&[&str]]) -> Vec<Vec<String>> {
    lists
        .iter()
        .map(|l| l.iter().map(|r| r.to_string()).collect())
        .collect()
}

#[test]
fn every_guard_name_parses_back_to_itself() {
    for name in Guard::ALL {
        let g = Guard::parse(name).expect(name);
        assert_eq!(g.name(), *name);
    }
    assert_eq!(Guard::parse("deps"), None);
    assert_eq!(Guard::parse(""), None);
}

#[test]
fn only_graph_guards_need_the_graph_and_only_plan_present_is_unforceable() {
    for name in Guard::ALL {
        let g = Guard::parse(name).expect(name);
        let graph = matches!(*name, "children_done" | "deps_done" | "wip_limit");
        assert_eq!(g.needs_graph(), graph, "{name}");
        assert_eq!(g.forceable(), *name != "plan_present", "{name}");
    }
}

#[test]
fn a_mover_is_its_session_else_its_user() {
    assert_eq!(
        mover(Some("s-9"), None, None, "x").identity(),
        "session:s-9"
    );
    assert_eq!(mover(None, None, None, "bob").identity(), "user:bob");
}

#[test]
fn selectors_match_names_wildcards_terminal_open_and_active() {
    let c = config(
        r#"
[[workflow.transitions]]
from = ["todo"]
to = ["plan"]

[[workflow.transitions]]
from = ["@open"]
to = ["dropped"]

[[workflow.transitions]]
from = ["@terminal"]
to = ["todo"]

[[workflow.transitions]]
from = ["*"]
to = ["@active"]
"#,
    );
    assert!(workflow::rule_allows(&c, "todo", "plan"));
    assert!(!workflow::rule_allows(&c, "plan", "todo"));
    assert!(!workflow::rule_allows(&c, "review", "plan"));
    assert!(workflow::rule_allows(&c, "review", "dropped"));
    assert!(!workflow::rule_allows(&c, "done", "dropped"));
    assert!(workflow::rule_allows(&c, "done", "todo"));
    assert!(workflow::rule_allows(&c, "dropped", "todo"));
    assert!(!workflow::rule_allows(&c, "review", "todo"));
    assert!(workflow::rule_allows(&c, "done", "doing"));
    assert!(workflow::rule_allows(&c, "todo", "doing"));
    assert!(!workflow::rule_allows(&c, "todo", "review"));
}

#[test]
fn guards_for_merges_matching_rules_role_first_without_duplicates() {
    let c = config(
        r#"
[[workflow.transitions]]
from = ["plan"]
to = ["doing"]
guards = ["plan_present", "deps_done"]

[[workflow.transitions]]
from = ["@open"]
to = ["@active"]
roles = ["architect"]
guards = ["deps_done", "children_done"]

[[workflow.transitions]]
from = ["todo"]
to = ["doing"]
guards = ["acceptance_complete"]
"#,
    );
    let r = workflow::guards_for(&c, "t-1", "plan", "doing").expect("allowed");
    assert_eq!(
        r.guards,
        vec![
            Guard::Role,
            Guard::PlanPresent,
            Guard::DepsDone,
            Guard::ChildrenDone
        ]
    );
    assert_eq!(r.roles, roles(&[&["architect"]]));
    // A move only role-free rules match has no role guard.
    let c = config(
        r#"
[[workflow.transitions]]
from = ["todo"]
to = ["doing"]
guards = ["acceptance_complete"]
"#,
    );
    let r = workflow::guards_for(&c, "t-1", "todo", "doing").expect("allowed");
    assert_eq!(r.guards, vec![Guard::AcceptanceComplete]);
    assert!(r.roles.is_empty());
}

#[test]
fn guards_for_refuses_undeclared_moves_and_unknown_statuses() {
    let c = config(
        r#"
[[workflow.transitions]]
from = ["todo"]
to = ["doing"]
"#,
    );
    match workflow::guards_for(&c, "t-1", "doing", "todo") {
        Err(Error::TransitionNotAllowed { id, from, to }) => {
            assert_eq!(
                (id.as_str(), from.as_str(), to.as_str()),
                ("t-1", "doing", "todo")
            );
        }
        other => panic!("{other:?}"),
    }
    let err = workflow::guards_for(&c, "t-1", "todo", "nowhere").unwrap_err();
    assert!(
        err.to_string().contains("unknown status `nowhere`"),
        "{err}"
    );
    assert!(workflow::guards_for(&c, "t-1", "todo", "doing").is_ok());
}

#[test]
fn a_wip_limit_guards_moves_into_its_status_only() {
    let c = config(
        r#"
[workflow.wip]
doing = 2

[workflow.wip_per_session]
review = 1

[[workflow.transitions]]
from = ["*"]
to = ["*"]
"#,
    );
    let g = |from: &str, to: &str| {
        workflow::guards_for(&c, "t-1", from, to)
            .expect("allowed")
            .guards
    };
    assert_eq!(g("todo", "doing"), vec![Guard::WipLimit]);
    assert_eq!(g("todo", "review"), vec![Guard::WipLimit]);
    assert_eq!(g("doing", "doing"), vec![]);
    assert_eq!(g("todo", "plan"), vec![]);
}

#[test]
fn a_rule_listing_wip_limit_does_not_add_it_twice() {
    let c = config(
        r#"
[workflow.wip]
doing = 2

[[workflow.transitions]]
from = ["todo"]
to = ["doing"]
guards = ["wip_limit"]
"#,
    );
    let r = workflow::guards_for(&c, "t-1", "todo", "doing").expect("allowed");
    assert_eq!(r.guards, vec![Guard::WipLimit]);
}

#[test]
fn role_guard_needs_a_session_role_in_every_matching_list() {
    let mut c = Case::new();
    c.roles = roles(&[&["architect", "lead"], &["architect"]]);
    let v = c.one(Guard::Role);
    assert!(v.passed, "{}", v.message);
    assert!(v.items.is_empty());

    c.mover = mover(Some("s-1"), Some("lead"), Some("implementer"), "x");
    let v = c.one(Guard::Role);
    assert!(!v.passed);
    assert_eq!(v.items, vec!["architect".to_string(), "lead".to_string()]);

    // A custom role passes as the built-in role it maps to.
    c.mover = mover(Some("s-1"), Some("reviewer"), Some("architect"), "x");
    assert!(c.one(Guard::Role).passed);

    // Without a base role, the role itself is compared.
    c.mover = mover(Some("s-1"), Some("architect"), None, "x");
    assert!(c.one(Guard::Role).passed);

    c.mover = mover(None, None, None, "bob");
    let v = c.one(Guard::Role);
    assert!(!v.passed);
    assert!(v.message.contains("needs a session"), "{}", v.message);
}

#[test]
fn plan_present_and_approval_guards_read_the_plan_author() {
    let mut c = Case::new();
    assert!(!c.one(Guard::PlanPresent).passed);
    assert!(!c.one(Guard::PlanApprovedByOtherSession).passed);
    c.log.plan_author = Some(("session:s-1".into(), "ada (architect)".into()));
    assert!(c.one(Guard::PlanPresent).passed);
    let v = c.one(Guard::PlanApprovedByOtherSession);
    assert!(!v.passed);
    assert_eq!(v.items, vec!["ada (architect)".to_string()]);
    c.log.plan_author = Some(("session:s-2".into(), "ada (architect)".into()));
    assert!(c.one(Guard::PlanApprovedByOtherSession).passed);
}

#[test]
fn verifier_not_implementer_compares_identities() {
    let mut c = Case::new();
    assert!(c.one(Guard::VerifierNotImplementer).passed);
    c.log.implementers = vec![
        ("session:s-0".into(), "ivy (implementer)".into()),
        ("session:s-1".into(), "ada (architect)".into()),
    ];
    let v = c.one(Guard::VerifierNotImplementer);
    assert!(!v.passed);
    assert_eq!(v.items, vec!["ada (architect)".to_string()]);
    c.log.implementers.remove(1);
    assert!(c.one(Guard::VerifierNotImplementer).passed);
}

#[test]
fn acceptance_complete_lists_the_unchecked_criteria() {
    let mut c = Case::new();
    assert!(c.one(Guard::AcceptanceComplete).passed);
    c.meta.acceptance = vec![
        Criterion {
            title: "a".into(),
            done: true,
        },
        Criterion {
            title: "b".into(),
            done: false,
        },
    ]
    .into();
    let v = c.one(Guard::AcceptanceComplete);
    assert!(!v.passed);
    assert_eq!(v.items, vec!["b".to_string()]);
    assert!(v.message.starts_with("1 of 2"), "{}", v.message);
}

#[test]
fn children_and_deps_guards_fail_on_open_items() {
    let mut c = Case::new();
    assert!(c.one(Guard::ChildrenDone).passed);
    assert!(c.one(Guard::DepsDone).passed);
    c.graph.open_children = vec!["t-c".into()];
    c.graph.open_deps = vec!["t-d".into()];
    let v = c.one(Guard::ChildrenDone);
    assert!(!v.passed);
    assert_eq!(v.items, vec!["t-c".to_string()]);
    let v = c.one(Guard::DepsDone);
    assert!(!v.passed);
    assert_eq!(v.items, vec!["t-d".to_string()]);
}

fn wip(count: usize, limit: Option<usize>, mine: usize, per_session: Option<usize>) -> WipFacts {
    WipFacts {
        status: "doing".into(),
        count,
        limit,
        mine,
        per_session,
    }
}

#[test]
fn wip_limit_is_full_at_the_limit_not_below_it() {
    let mut c = Case::new();
    assert!(c.one(Guard::WipLimit).passed);
    c.graph.wip = Some(wip(1, Some(2), 0, None));
    assert!(c.one(Guard::WipLimit).passed);
    c.graph.wip = Some(wip(2, Some(2), 0, None));
    let v = c.one(Guard::WipLimit);
    assert!(!v.passed);
    assert!(v.message.contains("is full: 2 of 2"), "{}", v.message);
    c.graph.wip = Some(wip(5, None, 0, None));
    assert!(c.one(Guard::WipLimit).passed);
}

#[test]
fn wip_per_session_is_full_at_its_limit_not_below_it() {
    let mut c = Case::new();
    c.graph.wip = Some(wip(3, Some(9), 0, Some(1)));
    assert!(c.one(Guard::WipLimit).passed);
    c.graph.wip = Some(wip(3, Some(9), 1, Some(1)));
    let v = c.one(Guard::WipLimit);
    assert!(!v.passed);
    assert!(
        v.message.contains("you already have 1 of 1"),
        "{}",
        v.message
    );
    c.graph.wip = Some(wip(3, None, 4, None));
    assert!(c.one(Guard::WipLimit).passed);
}

fn failing(guard: &'static str, items: &[&str]) -> Verdict {
    Verdict {
        guard,
        passed: false,
        forceable: true,
        message: format!("{guard} failed"),
        items: items.iter().map(|s| s.to_string()).collect(),
    }
}

fn passing(guard: &'static str) -> Verdict {
    Verdict {
        passed: true,
        ..failing(guard, &[])
    }
}

#[test]
fn first_failure_names_the_first_failing_guard_with_every_failure() {
    let m = meta("t-1", "todo");
    assert!(workflow::first_failure("t-1", &m, &[passing("role")]).is_none());
    let vs = [
        passing("role"),
        failing("deps_done", &["t-2", "t-3"]),
        failing("wip_limit", &[]),
    ];
    match workflow::first_failure("t-1", &m, &vs) {
        Some(Error::GuardFailed {
            guard,
            message,
            failing,
            ..
        }) => {
            assert_eq!(guard, "deps_done");
            assert_eq!(message, "deps_done failed: t-2, t-3");
            assert_eq!(failing.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    // Other guards' items are not appended to the message.
    match workflow::first_failure("t-1", &m, &[failing("role", &["architect"])]) {
        Some(Error::GuardFailed { message, .. }) => assert_eq!(message, "role failed"),
        other => panic!("{other:?}"),
    }
    match workflow::first_failure("t-1", &m, &[failing("deps_done", &[])]) {
        Some(Error::GuardFailed { message, .. }) => assert_eq!(message, "deps_done failed"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn first_failure_maps_acceptance_and_children_to_their_errors() {
    let m = meta("t-1", "todo");
    let vs = [failing("acceptance_complete", &["b"])];
    assert!(matches!(
        workflow::first_failure("t-1", &m, &vs),
        Some(Error::AcceptanceIncomplete { .. })
    ));
    let vs = [failing("children_done", &["t-c"])];
    match workflow::first_failure("t-1", &m, &vs) {
        Some(Error::OpenChildren { children, .. }) => assert_eq!(children, vec!["t-c"]),
        other => panic!("{other:?}"),
    }
}

// ---- plan facts -----------------------------------------------------------

fn ticket() -> Ticket {
    docket_core::yaml::parse_ticket(
        "---\nid: t-1\ntitle: t\nstatus: todo\ntype: task\npriority: 2\nmode: afk\ncreated: \"2026-01-01T00:00:00Z\"\nupdated: \"2026-01-01T00:00:00Z\"\n---\n",
        Path::new("t-1--t.md"),
    )
    .expect("ticket")
}

fn who(name: &str, session: &str) -> Author {
    Author {
        actor: format!("{name} (architect)"),
        session: Some(session.into()),
        role: Some("architect".into()),
    }
}

fn log(t: &mut Ticket, author: &Author, kind: &str, data: &[(&str, &str)], text: &str) {
    audit::append(t, "2026-01-01T00:00:00Z", author, kind, data, text);
}

fn entries(t: &Ticket) -> Vec<LogEntry> {
    audit::parse(t).0
}

#[test]
fn plan_state_follows_revisions_approvals_and_deviations() {
    let mut t = ticket();
    let ada = who("ada", "s-a");
    let st = plan::state(&t, &entries(&t));
    assert_eq!(st.version(), 0);
    assert!(st.intact());
    let h1 = audit::plan_hash("first");
    log(
        &mut t,
        &ada,
        kind::PLAN,
        &[("version", "1"), ("plan_hash", &h1)],
        "first",
    );
    let h2 = audit::plan_hash("second");
    log(
        &mut t,
        &ada,
        kind::PLAN,
        &[("version", "2"), ("plan_hash", &h2)],
        "second",
    );
    t.set_section(docket_core::ticket::SECTION_PLAN, "second");
    let st = plan::state(&t, &entries(&t));
    assert_eq!(st.version(), 2);
    assert_eq!(st.revisions[1].hash, h2);
    assert_eq!(st.revisions[1].text, "second");
    assert_eq!(st.text, "second");
    assert!(st.frozen.is_none());

    log(
        &mut t,
        &who("bob", "s-b"),
        kind::APPROVAL,
        &[("version", "2"), ("plan_hash", &h2)],
        "",
    );
    log(
        &mut t,
        &ada,
        kind::COMMENT,
        &[("deviation", "true")],
        "changed course",
    );
    log(&mut t, &ada, kind::COMMENT, &[], "just a comment");
    let st = plan::state(&t, &entries(&t));
    let frozen = st.frozen.as_ref().expect("frozen");
    assert_eq!((frozen.version, frozen.hash.as_str()), (2, h2.as_str()));
    assert_eq!(frozen.approver, "bob (architect)");
    assert!(st.intact());
    assert_eq!(st.deviations.len(), 1);
    assert_eq!(st.deviations[0].text, "changed course");

    // Editing the frozen section is what `check` reports.
    t.set_section(docket_core::ticket::SECTION_PLAN, "edited");
    assert!(!plan::state(&t, &entries(&t)).intact());

    // A new revision (back in planning) lifts the freeze.
    log(
        &mut t,
        &ada,
        kind::PLAN,
        &[("version", "3"), ("plan_hash", "x")],
        "third",
    );
    assert!(plan::state(&t, &entries(&t)).frozen.is_none());
}

#[test]
fn log_facts_name_the_last_plan_author_and_everyone_who_submitted() {
    let c = config("");
    let mut t = ticket();
    let ada = who("ada", "s-a");
    let ivy = who("ivy", "s-i");
    log(&mut t, &ada, kind::PLAN, &[("version", "1")], "p");
    log(&mut t, &ivy, kind::PLAN, &[("version", "2")], "p2");
    log(
        &mut t,
        &ivy,
        kind::TRANSITION,
        &[("from", "doing"), ("to", "review")],
        "",
    );
    log(
        &mut t,
        &ada,
        kind::TRANSITION,
        &[("from", "review"), ("to", "doing")],
        "",
    );
    log(
        &mut t,
        &ivy,
        kind::TRANSITION,
        &[("from", "doing"), ("to", "review")],
        "",
    );
    let f = plan::log_facts(&c, &entries(&t));
    assert_eq!(
        f.plan_author,
        Some(("session:s-i".into(), "ivy (architect)".into()))
    );
    assert_eq!(
        f.implementers,
        vec![("session:s-i".to_string(), "ivy (architect)".to_string())]
    );
}

// ---- graph ------------------------------------------------------------------

fn entry(id: &str, status: &str, deps: &[&str], parent: Option<&str>) -> Entry {
    let mut m = meta(id, status);
    m.deps = deps.iter().map(|d| (*d).into()).collect();
    m.parent = parent.map(Into::into);
    Entry {
        meta: m,
        path: format!("{id}.md").into(),
        archived: false,
        sequence: None,
    }
}

#[test]
fn readiness_follows_the_dependencies() {
    let c = config("");
    let es = vec![
        entry("a", "done", &[], None),
        entry("b", "todo", &["a"], None),
        entry("c", "todo", &["b"], None),
        entry("d", "todo", &["ghost"], None),
        entry("e", "doing", &[], None),
        entry("f", "dropped", &["b"], None),
    ];
    let g = Graph::new(&es, &c);
    let by = |id: &str| g.get(id).expect(id);
    assert!(g.get("ghost").is_none());
    assert_eq!(by("b").meta.id, "b");
    assert!(g.is_terminal(by("a")) && !g.is_terminal(by("b")));
    assert_eq!(g.open_deps(by("b")), Vec::<String>::new());
    assert_eq!(g.open_deps(by("c")), vec!["b".to_string()]);
    assert_eq!(g.open_deps(by("d")), vec!["ghost".to_string()]);
    let ready: Vec<bool> = es.iter().map(|e| g.is_ready(e)).collect();
    assert_eq!(ready, [false, true, false, false, true, false]);
    let blocked: Vec<bool> = es.iter().map(|e| g.is_blocked(e)).collect();
    assert_eq!(blocked, [false, false, true, true, false, false]);
    // Pickable: ready and not begun (`doing` is started).
    let pickable: Vec<bool> = es.iter().map(|e| g.is_pickable(e)).collect();
    assert_eq!(pickable, [false, true, false, false, false, false]);
}

#[test]
fn open_children_are_the_non_terminal_ones_of_that_parent() {
    let c = config("");
    let es = vec![
        entry("p", "todo", &[], None),
        entry("c1", "todo", &[], Some("p")),
        entry("c2", "done", &[], Some("p")),
        entry("c3", "todo", &[], Some("q")),
    ];
    let g = Graph::new(&es, &c);
    assert_eq!(g.open_children("p"), vec!["c1".to_string()]);
    assert!(g.open_children("c1").is_empty());
}

#[test]
fn cycle_with_edge_reports_the_closed_loop() {
    let c = config("");
    let es = vec![
        entry("a", "todo", &["b"], None),
        entry("b", "todo", &["c"], None),
        entry("c", "todo", &[], None),
        entry("x", "todo", &[], None),
    ];
    let g = Graph::new(&es, &c);
    assert_eq!(
        g.cycle_with_edge("c", "a"),
        Some(vec!["c".into(), "a".into(), "b".into(), "c".into()])
    );
    assert_eq!(
        g.cycle_with_edge("a", "a"),
        Some(vec!["a".into(), "a".into()])
    );
    assert_eq!(g.cycle_with_edge("a", "c"), None);
    assert_eq!(g.cycle_with_edge("x", "a"), None);
}

#[test]
fn cycles_are_each_reported_once_in_canonical_rotation() {
    let c = config("");
    let es = vec![
        entry("c", "todo", &["a"], None),
        entry("a", "todo", &["b", "z"], None),
        entry("b", "todo", &["c"], None),
        entry("z", "todo", &["y"], None),
        entry("y", "todo", &[], None),
        entry("m", "todo", &["n"], None),
        entry("n", "todo", &["m", "ghost"], None),
    ];
    let g = Graph::new(&es, &c);
    let mut cycles = g.cycles();
    cycles.sort();
    assert_eq!(
        cycles,
        vec![
            vec!["a".to_string(), "b".into(), "c".into(), "a".into()],
            vec!["m".to_string(), "n".into(), "m".into()],
        ]
    );
    let acyclic = vec![
        entry("a", "todo", &["b"], None),
        entry("b", "todo", &[], None),
    ];
    assert!(Graph::new(&acyclic, &c).cycles().is_empty());
}

#[test]
fn the_dep_tree_marks_repeats_and_missing_tickets() {
    let c = config("");
    let es = vec![
        entry("a", "todo", &["b", "c"], None),
        entry("b", "todo", &["c"], None),
        entry("c", "done", &["ghost"], None),
    ];
    let g = Graph::new(&es, &c);
    let t = g.tree("a", false);
    assert_eq!(t.status.as_deref(), Some("todo"));
    assert_eq!(t.deps.len(), 2);
    let b = &t.deps[0];
    assert_eq!(b.id, "b");
    assert!(!b.seen);
    assert_eq!(b.deps[0].id, "c");
    assert!(b.deps[0].deps[0].missing);
    // c is shown a second time without its subtree.
    assert!(t.deps[1].seen && t.deps[1].deps.is_empty());
    // --full expands it again.
    let full = g.tree("a", true);
    assert!(!full.deps[1].seen);
    assert_eq!(full.deps[1].deps.len(), 1);
    // A cycle stops even in full.
    let cyc = vec![
        entry("a", "todo", &["b"], None),
        entry("b", "todo", &["a"], None),
    ];
    let g = Graph::new(&cyc, &c);
    let t = g.tree("a", true);
    assert!(t.deps[0].deps[0].seen);
}

// ---- audit log ------------------------------------------------------------

#[test]
fn a_lone_double_hash_line_is_refused_like_a_heading() {
    assert!(audit::validate_text("a\n##\nb").is_err());
    assert!(audit::validate_text("a\n  ## b").is_err());
    assert!(audit::validate_text("a\n##b\n### c").is_ok());
    assert!(audit::validate_no_marker("x\n  <!-- log n=1").is_err());
    assert!(audit::validate_no_marker("x\n## fine here").is_ok());
}

#[test]
fn an_actor_is_kept_on_one_line_and_never_empty() {
    let mut t = ticket();
    let odd = Author {
        actor: "a\tb · c\n".into(),
        session: None,
        role: None,
    };
    log(&mut t, &odd, kind::NOTE, &[], "x");
    let blank = Author {
        actor: " \u{7} ".into(),
        session: None,
        role: None,
    };
    log(&mut t, &blank, kind::NOTE, &[], "y");
    let es = entries(&t);
    assert_eq!(es[0].actor, "a b - c");
    assert_eq!(es[1].actor, "unknown");
    assert_eq!(es[1].identity(), "user:unknown");
    assert_eq!(audit::verify(&es), None);
}

#[test]
fn every_special_character_in_a_value_round_trips() {
    for v in ["%", "=", ">", " ", "\t", "\u{1}", "-->", "%41", "a b=c>d%"] {
        let mut t = ticket();
        log(&mut t, &who("ada", "s-a"), kind::NOTE, &[("to", v)], "x");
        let line = t
            .body
            .lines()
            .find(|l| l.starts_with("<!-- log "))
            .expect("marker")
            .to_string();
        let inner = &line["<!-- log ".len()..line.len() - "-->".len()];
        assert!(
            !inner.contains('>') && !inner.contains('\t'),
            "{v:?}: {line}"
        );
        let es = entries(&t);
        assert_eq!(es.len(), 1, "{v:?}: {line}");
        assert_eq!(es[0].get("to"), Some(v), "{line}");
        assert_eq!(audit::verify(&es), None);
    }
}

#[test]
fn the_chain_reports_the_first_bad_entry() {
    let mut t = ticket();
    let ada = who("ada", "s-a");
    for text in ["one", "two", "three"] {
        log(&mut t, &ada, kind::NOTE, &[], text);
    }
    let good = entries(&t);
    assert_eq!(audit::verify(&good), None);
    let mut renumbered = good.clone();
    renumbered[2].n = 7;
    let d = audit::verify(&renumbered).expect("defect");
    assert_eq!(d.entry, 3);
    assert!(d.message.contains("numbered 7"), "{}", d.message);
    let mut relinked = good.clone();
    relinked[1].prev = audit::GENESIS.into();
    let d = audit::verify(&relinked).expect("defect");
    assert_eq!(d.entry, 2);
    assert!(d.message.contains("does not link"), "{}", d.message);
    let mut edited = good.clone();
    edited[0].role = Some("implementer".into());
    assert_eq!(audit::verify(&edited).expect("defect").entry, 1);
    let mut edited = good;
    edited[2].kind = kind::COMMENT.into();
    assert_eq!(audit::verify(&edited).expect("defect").entry, 3);
}

#[test]
fn hashes_are_128_bit_hex_and_criteria_hashes_64_bit() {
    let h = audit::plan_hash(" plan \r\n");
    assert_eq!(h, audit::plan_hash("plan"));
    assert_eq!(h.len(), 32);
    assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
    let c = |done: bool, title: &str| Criterion {
        title: title.into(),
        done,
    };
    let a = audit::criteria_hash(&[c(false, "a")]);
    assert_eq!(a.len(), 16);
    assert_ne!(a, audit::criteria_hash(&[c(true, "a")]));
    assert_ne!(a, audit::criteria_hash(&[c(false, "b")]));
    assert_ne!(a, audit::criteria_hash(&[]));
    assert_eq!(audit::normalize_text("\r\na\r\nb\rc\n\n"), "a\nb\nc");
}

// ---- ids --------------------------------------------------------------------

#[test]
fn the_order_key_is_the_time_part_of_a_new_id_and_all_of_an_old_one() {
    use docket_core::id;
    assert_eq!(id::order_key("t-abcdef0123456789"), "0123456789");
    assert_eq!(id::order_key("dk-01aaa111"), "01aaa111");
    assert_eq!(id::order_key("dk-abc"), "abc");
    let fresh = id::generate("t");
    assert_eq!(id::order_key(&fresh).len(), 10);
    assert_eq!(id::suffix(&fresh).len(), id::SUFFIX_LEN);
}

#[test]
fn a_short_handle_never_cuts_a_character_in_half() {
    use docket_core::id;
    assert_eq!(
        id::shortest_unique_prefixes(&["x-éa", "x-za"], 1),
        ["x-é", "x-z"]
    );
}

#[test]
fn a_malformed_entry_is_reported_at_its_position() {
    let mut t = ticket();
    let ada = who("ada", "s-a");
    for text in ["one", "two", "three"] {
        log(&mut t, &ada, kind::NOTE, &[], text);
    }
    let broken = t.body.replacen("<!-- log n=2", "<!-- log n2", 1);
    let (es, defects) = audit::parse_body(&broken);
    assert_eq!(es.len(), 2);
    assert_eq!(defects.len(), 1);
    assert_eq!(defects[0].entry, 2);
}

#[test]
fn a_merge_entry_whose_counts_do_not_fit_is_a_defect() {
    let mut t = ticket();
    let ada = who("ada", "s-a");
    log(&mut t, &ada, kind::NOTE, &[], "one");
    let head = entries(&t)[0].hash.clone();
    // Entry 2 claims to re-chain 2 entries: more than there are before it.
    log(
        &mut t,
        &ada,
        kind::MERGE,
        &[
            ("base", "0"),
            ("count", "2"),
            ("rechained", "theirs"),
            ("ours", &head),
            ("theirs", &head),
        ],
        "",
    );
    let d = audit::verify(&entries(&t)).expect("defect");
    assert_eq!(d.entry, 2);
    assert!(d.message.contains("counts do not fit"), "{}", d.message);
}

#[test]
fn a_merge_entry_based_after_the_kept_side_is_a_defect() {
    let mut t = ticket();
    let ada = who("ada", "s-a");
    log(&mut t, &ada, kind::NOTE, &[], "one");
    log(&mut t, &ada, kind::NOTE, &[], "two");
    let es = entries(&t);
    let (one, two) = (es[0].hash.clone(), es[1].hash.clone());
    // Entry 3 re-chains entry 2 onto entry 1, yet claims both share 2 entries.
    log(
        &mut t,
        &ada,
        kind::MERGE,
        &[
            ("base", "2"),
            ("count", "1"),
            ("rechained", "theirs"),
            ("ours", &one),
            ("theirs", &two),
        ],
        "",
    );
    let d = audit::verify(&entries(&t)).expect("defect");
    assert_eq!(d.entry, 3);
    assert!(d.message.contains("counts do not fit"), "{}", d.message);
}

#[test]
fn a_merge_rechaining_several_entries_verifies() {
    let base = {
        let mut t = ticket();
        log(&mut t, &who("ada", "s-a"), kind::CREATED, &[], "");
        t
    };
    let render = |t: &Ticket| docket_core::yaml::render_ticket(t);
    let side = |name: &str| {
        let mut t = base.clone();
        for text in ["first", "second"] {
            log(
                &mut t,
                &who(name, name),
                kind::NOTE,
                &[],
                &format!("{name} {text}"),
            );
        }
        render(&t)
    };
    let merged = docket_core::merge::merge(
        &render(&base),
        &side("ann"),
        &side("bob"),
        "2026-01-02T00:00:00Z",
        &who("git", "s-g"),
    )
    .expect("merge");
    assert!(merged.conflicts.is_empty() && merged.joined, "{merged:?}");
    let (es, defects) = audit::parse_body(docket_core::yaml::body_of(&merged.text).expect("body"));
    assert!(defects.is_empty());
    assert_eq!(es.len(), 6);
    let m = es.last().expect("merge entry");
    assert_eq!((m.kind.as_str(), m.get("count")), (kind::MERGE, Some("2")));
    assert_eq!(audit::verify(&es), None);
    // Merged again with a side that has no merge entry: the side holding the
    // earlier merge (theirs) is kept verbatim and ours is re-chained onto it.
    let again = docket_core::merge::merge(
        &render(&base),
        &side("cy"),
        &merged.text,
        "2026-01-03T00:00:00Z",
        &who("git", "s-g"),
    )
    .expect("merge again");
    assert!(again.conflicts.is_empty() && again.joined, "{again:?}");
    let (es, defects) = audit::parse_body(docket_core::yaml::body_of(&again.text).expect("body"));
    assert!(defects.is_empty());
    let m = es.last().expect("merge entry");
    assert_eq!(m.get("rechained"), Some("ours"));
    assert_eq!(audit::verify(&es), None);
}
