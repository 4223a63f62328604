//! Sessions and roles: names, lookup, the current session, ending, expiry and
//! custom roles, on a temporary project.

// Test helpers return the core's own `Result`.
#![allow(clippy::result_large_err)]

use docket_core::Error;
use docket_core::session::{self, Session};
use docket_core::store::{InitOptions, Project};

const T0: &str = "2026-01-01T00:00:00Z";

fn project() -> (tempfile::TempDir, Project) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = Project::init(
        tmp.path(),
        &InitOptions {
            prefix: "t".into(),
            preset: "plan-first".into(),
            force: false,
        },
    )
    .expect("init");
    (tmp, p)
}

fn start(p: &Project, role: &str, name: &str) -> Session {
    session::start(p, T0, role, Some(name)).expect("start")
}

fn names(p: &Project) -> Vec<String> {
    session::list(p)
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect()
}

#[test]
fn the_default_idle_limit_is_four_hours() {
    assert_eq!(session::DEFAULT_IDLE_LIMIT_SECS, 14_400);
}

#[test]
fn a_session_is_labelled_name_and_role() {
    let (_t, p) = project();
    let s = start(&p, "architect", "ada");
    assert_eq!(s.label(), "ada (architect)");
    assert_eq!(s.base_role, "architect");
    assert!(s.id.starts_with("s-"));
    assert_eq!((s.started.as_str(), s.last_seen.as_str()), (T0, T0));
}

#[test]
fn session_names_are_short_words_not_ids() {
    let (_t, p) = project();
    let forty = "a".repeat(40);
    assert_eq!(start(&p, "implementer", &forty).name, forty);
    for bad in [
        "",
        "has space",
        "dot.ted",
        "s-lookalike",
        "S-upper",
        &"a".repeat(41),
    ] {
        let err = session::start(&p, T0, "implementer", Some(bad)).unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument { .. }),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(start(&p, "implementer", "a-b_C9").name, "a-b_C9");
}

#[test]
fn a_generated_name_starts_with_the_role() {
    let (_t, p) = project();
    let s = session::start(&p, T0, "architect", None).expect("start");
    assert!(s.name.starts_with("architect-"), "{}", s.name);
    assert_eq!(s.name.split('-').count(), 3, "{}", s.name);
}

#[test]
fn an_active_name_cannot_be_reused_until_it_ends() {
    let (_t, p) = project();
    let ada = start(&p, "architect", "ada");
    let err = session::start(&p, T0, "implementer", Some("ada")).unwrap_err();
    assert!(err.to_string().contains("already named"), "{err}");
    session::end(&p, &ada).expect("end");
    let again = start(&p, "implementer", "ada");
    assert_ne!(again.id, ada.id);
}

#[test]
fn sessions_are_listed_oldest_first() {
    let (_t, p) = project();
    session::start(&p, "2026-01-03T00:00:00Z", "architect", Some("late")).expect("s");
    session::start(&p, "2026-01-01T00:00:00Z", "architect", Some("early")).expect("s");
    session::start(&p, "2026-01-02T00:00:00Z", "architect", Some("middle")).expect("s");
    assert_eq!(names(&p), ["early", "middle", "late"]);
    // Files that are not sessions are skipped.
    let dir = p.shared_dir().join("sessions");
    std::fs::write(dir.join("notes.txt"), "x").expect("write");
    std::fs::write(dir.join("broken.json"), "{").expect("write");
    assert_eq!(session::list(&p).expect("list").len(), 3);
}

#[test]
fn find_takes_an_id_a_name_or_an_id_prefix() {
    let (_t, p) = project();
    let ada = start(&p, "architect", "ada");
    let bob = start(&p, "implementer", "bob");
    assert_eq!(session::find(&p, &ada.id).expect("id").id, ada.id);
    assert_eq!(session::find(&p, "bob").expect("name").id, bob.id);
    let prefix = &bob.id[..bob.id.len() - 3];
    assert_eq!(session::find(&p, prefix).expect("prefix").id, bob.id);
    // A name wins over an id prefix it happens to spell.
    let head = &ada.id[2..6];
    let named = start(&p, "architect", head);
    assert_eq!(session::find(&p, head).expect("name").id, named.id);
    let err = session::find(&p, "nobody").unwrap_err();
    assert!(matches!(err, Error::NoSession { .. }), "{err:?}");
}

#[test]
fn the_current_session_is_explicit_then_env_then_the_default() {
    let (_t, p) = project();
    let ada = start(&p, "architect", "ada");
    let bob = session::start_detached(&p, T0, "implementer", Some("bob")).expect("bob");
    let cur = |e: Option<&str>, v: Option<&str>| {
        session::current(&p, e, v).expect("current").map(|s| s.name)
    };
    // start made ada the default; start_detached left it alone.
    assert_eq!(cur(None, None).as_deref(), Some("ada"));
    assert_eq!(cur(None, Some("bob")).as_deref(), Some("bob"));
    assert_eq!(cur(Some("ada"), Some("bob")).as_deref(), Some("ada"));
    assert_eq!(cur(Some(&bob.id), None).as_deref(), Some("bob"));
    assert_eq!(cur(Some("  "), None).as_deref(), Some("ada"));
    assert!(session::current(&p, Some("ghost"), None).is_err());
    // Ending the default session clears it.
    session::end(&p, &ada).expect("end");
    assert_eq!(cur(None, None), None);
}

#[test]
fn ending_another_session_keeps_the_default() {
    let (_t, p) = project();
    let bob = start(&p, "implementer", "bob");
    let ada = start(&p, "architect", "ada");
    session::end(&p, &bob).expect("end");
    assert_eq!(names(&p), ["ada"]);
    let cur = session::current(&p, None, None).expect("current");
    assert_eq!(cur.map(|s| s.id), Some(ada.id));
    assert!(session::end(&p, &bob).is_err(), "ending twice fails");
}

#[test]
fn touch_records_activity() {
    let (_t, p) = project();
    let mut s = start(&p, "architect", "ada");
    session::touch(&p, &mut s, "2026-01-01T05:00:00Z").expect("touch");
    let listed = session::find(&p, "ada").expect("find");
    assert_eq!(listed.last_seen, "2026-01-01T05:00:00Z");
}

#[test]
fn cleanup_expires_sessions_idle_longer_than_the_limit() {
    let (_t, p) = project();
    let now: jiff::Timestamp = "2026-01-01T04:00:00Z".parse().expect("ts");
    session::start(&p, "2026-01-01T00:00:00Z", "architect", Some("old")).expect("s");
    session::start(&p, "2026-01-01T01:00:00Z", "architect", Some("edge")).expect("s");
    session::start(&p, "2026-01-01T03:59:00Z", "architect", Some("fresh")).expect("s");
    let limit = 3 * 3600;
    let dry = session::cleanup(&p, now, limit, true).expect("dry");
    assert_eq!(
        dry.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["old"]
    );
    assert_eq!(
        names(&p),
        ["old", "edge", "fresh"],
        "a dry run removes nothing"
    );
    let gone = session::cleanup(&p, now, limit, false).expect("cleanup");
    assert_eq!(gone.len(), 1);
    assert_eq!(names(&p), ["edge", "fresh"]);
}

#[test]
fn a_session_with_an_unreadable_time_expires() {
    let (_t, p) = project();
    let mut s = start(&p, "architect", "ada");
    session::touch(&p, &mut s, "yesterday").expect("touch");
    let now: jiff::Timestamp = T0.parse().expect("ts");
    assert_eq!(
        session::cleanup(&p, now, 3600, false)
            .expect("cleanup")
            .len(),
        1
    );
}

#[test]
fn custom_roles_map_to_a_builtin_role() {
    let (_t, p) = project();
    let listed = |p: &Project| {
        session::roles(p)
            .expect("roles")
            .into_iter()
            .map(|r| (r.name, r.like, r.builtin))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed(&p),
        [
            ("architect".into(), "architect".into(), true),
            ("implementer".into(), "implementer".into(), true)
        ]
    );
    let r = session::create_role(&p, "reviewer", "architect").expect("create");
    assert_eq!(
        (r.name.as_str(), r.like.as_str(), r.builtin),
        ("reviewer", "architect", false)
    );
    assert_eq!(listed(&p).len(), 3);
    assert_eq!(
        listed(&p)[2],
        ("reviewer".into(), "architect".into(), false)
    );
    assert_eq!(
        session::base_role(&p, "reviewer").expect("base"),
        "architect"
    );
    assert_eq!(
        session::base_role(&p, "implementer").expect("base"),
        "implementer"
    );
    let s = start(&p, "reviewer", "rita");
    assert_eq!(
        (s.role.as_str(), s.base_role.as_str()),
        ("reviewer", "architect")
    );
    match session::base_role(&p, "ghost").unwrap_err() {
        Error::UnknownRole { role, known } => {
            assert_eq!(role, "ghost");
            assert_eq!(known, ["architect", "implementer", "reviewer"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn creating_a_role_checks_its_name_and_base() {
    let (_t, p) = project();
    for (name, like) in [
        ("bad name", "architect"),
        ("", "architect"),
        ("architect", "architect"),
        ("lead", "reviewer"),
    ] {
        let err = session::create_role(&p, name, like).unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument { .. }),
            "{name}: {err:?}"
        );
    }
    session::create_role(&p, "lead", "architect").expect("create");
    let err = session::create_role(&p, "lead", "implementer").unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert!(session::roles(&p).expect("roles").len() == 3);
}

#[test]
fn a_role_in_use_cannot_be_deleted() {
    let (_t, p) = project();
    session::create_role(&p, "lead", "architect").expect("create");
    let s = start(&p, "lead", "lee");
    match session::delete_role(&p, "lead").unwrap_err() {
        Error::RoleInUse { role, sessions } => {
            assert_eq!(role, "lead");
            assert_eq!(sessions, ["lee"]);
        }
        other => panic!("{other:?}"),
    }
    session::end(&p, &s).expect("end");
    let r = session::delete_role(&p, "lead").expect("delete");
    assert_eq!(r.like, "architect");
    assert_eq!(session::roles(&p).expect("roles").len(), 2);
    assert!(matches!(
        session::delete_role(&p, "lead").unwrap_err(),
        Error::UnknownRole { .. }
    ));
    assert!(matches!(
        session::delete_role(&p, "architect").unwrap_err(),
        Error::InvalidArgument { .. }
    ));
}

#[test]
fn a_broken_roles_file_is_a_config_error() {
    let (_t, p) = project();
    std::fs::write(p.dir.join("roles.toml"), "[roles\n").expect("write");
    assert!(matches!(
        session::roles(&p).unwrap_err(),
        Error::ConfigInvalid { .. }
    ));
}

#[test]
fn a_blank_default_session_file_selects_no_session() {
    let (_t, p) = project();
    session::start_detached(&p, T0, "implementer", Some("bob")).expect("bob");
    std::fs::write(p.local_dir().join("session"), "  \n").expect("write");
    assert_eq!(session::current(&p, None, None).expect("current"), None);
}
