//! The runner's pure decisions, from outside the crate: sequences, stage
//! selections, agent output lines, template paths and the resume note.

// Test helpers return the core's own `Result`.
#![allow(clippy::result_large_err)]

use std::path::Path;

use docket_core::Error;
use docket_core::config::{Config, preset_template};
use docket_core::runner::{self, adapter::OutputReader, plan, prompt};

fn pipeline() -> Config {
    let text = preset_template("pipeline", "t").expect("preset");
    Config::parse(&text, Path::new("config.toml")).expect("config")
}

fn with_sequence(value: &str) -> docket_core::Ticket {
    let text = format!(
        "---\nid: t-1\ntitle: t\nstatus: fix\ntype: task\npriority: 2\nmode: afk\ncreated: \"2026-01-01T00:00:00Z\"\nupdated: \"2026-01-01T00:00:00Z\"\n{value}---\n"
    );
    docket_core::yaml::parse_ticket(&text, Path::new("t-1--t.md")).expect("ticket")
}

#[test]
fn a_sequence_is_a_finite_number_or_nothing() {
    assert_eq!(runner::sequence(&with_sequence("")), None);
    assert_eq!(runner::sequence(&with_sequence("sequence: 3\n")), Some(3.0));
    assert_eq!(
        runner::sequence(&with_sequence("sequence: \" 2.5 \"\n")),
        Some(2.5)
    );
    assert_eq!(runner::sequence(&with_sequence("sequence: soon\n")), None);
    assert_eq!(runner::sequence(&with_sequence("sequence: [1]\n")), None);
    assert_eq!(
        runner::sequence(&with_sequence("sequence: \"inf\"\n")),
        None
    );
}

#[test]
fn a_run_ticket_keeps_the_tickets_sequence() {
    let t = with_sequence("sequence: 4\n");
    assert_eq!(plan::RunTicket::from_ticket(&t).sequence, Some(4.0));
    assert_eq!(plan::RunTicket::from_meta(&t.meta).sequence, None);
}

#[test]
fn a_stage_selection_names_known_runnable_statuses() {
    let c = pipeline();
    let sel = plan::parse_stages(&c, "fix,review").expect("valid");
    assert_eq!(sel.len(), 2);
    match plan::parse_stages(&c, "fix,nowhere") {
        Err(Error::InvalidArgument { message }) => {
            assert!(message.contains("unknown status `nowhere`"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // `complete` exists but agents do not work it.
    assert!(plan::parse_stages(&c, "complete").is_err());
}

#[test]
fn a_text_line_is_shown_whole_up_to_eighty_characters() {
    let mut r = OutputReader::new(None);
    let eighty = "x".repeat(80);
    assert_eq!(r.line(&eighty).as_deref(), Some(eighty.as_str()));
    let long = "y".repeat(81);
    let shown = r.line(&long).expect("shown");
    assert_eq!(shown.chars().count(), 80);
    assert!(shown.ends_with('…'));
    assert_eq!(r.line("  a   b  ").as_deref(), Some("a b"));
    assert_eq!(r.line("   "), None);
}

/// A template that is a FIFO (or a device) is refused at once, never read
/// (which would block the runner until something wrote to it).
#[test]
fn a_template_that_is_a_fifo_is_refused_without_blocking() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(".docket/templates");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let st = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.md"))
        .status()
        .expect("mkfifo");
    assert!(st.success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.md")).expect("link");
    for name in ["pipe.md", "zero.md"] {
        match prompt::load(&dir, name) {
            Err(e) => assert!(!e.to_string().is_empty()),
            Ok(text) => panic!("{name} read: {} bytes", text.len()),
        }
    }
    std::fs::write(dir.join("here.md"), "hello").expect("write");
    assert_eq!(prompt::load(&dir, "here.md").expect("here"), "hello");
}

#[test]
fn a_template_that_is_a_dangling_link_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(".docket/templates");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::os::unix::fs::symlink(tmp.path().join("nowhere.md"), dir.join("gone.md")).expect("link");
    match prompt::project_template(&dir, "gone.md") {
        Err(Error::TemplateOutside { reason, .. }) => {
            assert!(reason.contains("symlink to nothing"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        prompt::project_template(&dir, "absent.md").expect("absent"),
        None
    );
    std::fs::write(dir.join("here.md"), "x").expect("write");
    assert!(
        prompt::project_template(&dir, "here.md")
            .expect("here")
            .is_some()
    );
}

#[test]
fn the_resume_note_says_why_when_who_and_where_the_log_is() {
    let note = prompt::resume_note(
        "idle timeout",
        "2026-01-01T00:00:00Z",
        "claude",
        "run/x.log",
    );
    for part in [
        "idle timeout",
        "2026-01-01T00:00:00Z",
        "agent claude",
        "`run/x.log`",
        "resume",
    ] {
        assert!(note.contains(part), "{part}: {note}");
    }
}

fn run_ticket(id: &str, status: &str, deps: &[&str]) -> plan::RunTicket {
    plan::RunTicket {
        id: id.into(),
        title: id.into(),
        status: status.into(),
        priority: 2,
        mode: "afk".into(),
        tier: None,
        created: format!("2026-01-01T00:00:{id}Z"),
        sequence: None,
        deps: deps.iter().map(|d| d.to_string()).collect(),
    }
}

#[test]
fn a_same_stage_dependency_left_out_of_the_run_defers_its_dependent() {
    let c = pipeline();
    let tickets = vec![
        run_ticket("01", "fix", &["02"]),
        run_ticket("02", "fix", &[]),
    ];
    let opts = plan::PlanOptions {
        stages: plan::default_stages(&c),
        claimed: [("02".to_string(), "bob".to_string())].into(),
        ..Default::default()
    };
    let p = plan::plan(&c, &tickets, &opts).expect("plan");
    assert!(p.queue.is_empty(), "{:?}", p.queue);
    let reasons: Vec<(&str, &str)> = p
        .skipped
        .iter()
        .map(|s| (s.id.as_str(), s.reason.as_str()))
        .collect();
    assert!(
        reasons.contains(&("01", "waits on 02 (fix, not in this run)")),
        "{reasons:?}"
    );
}

#[test]
fn claude_input_tokens_include_cache_writes_and_reads() {
    let mut r = OutputReader::new(Some("claude"));
    let line = r#"{"type":"result","total_cost_usd":0.25,"usage":{"input_tokens":100,"cache_creation_input_tokens":20,"cache_read_input_tokens":30,"output_tokens":7}}"#;
    assert_eq!(r.line(line).as_deref(), Some("finished"));
    assert_eq!(r.usage.input_tokens, 150);
    assert_eq!(r.usage.cache_read_tokens, 30);
    assert_eq!(r.usage.output_tokens, 7);
    assert_eq!(r.usage.cost_usd, Some(0.25));
    assert!(r.usage.reported);
}

#[test]
fn trust_is_needed_for_the_repositorys_own_adapter_only() {
    use docket_core::runner::trust::{Material, TrustedAgent};
    let agent = TrustedAgent {
        name: "mine".into(),
        overrides_builtin: false,
        command: vec!["mine".into()],
        stdin: false,
        model_args: vec![],
        effort_args: vec![],
        format: None,
    };
    let m = Material {
        agents: vec![agent],
        templates: vec![],
        settings: serde_json::Value::Null,
        hash: String::new(),
    };
    assert!(m.required());
    assert!(m.required_for("mine"));
    assert!(!m.required_for("claude"));
}

#[test]
fn an_unreadable_trust_store_is_an_error_not_an_empty_one() {
    use docket_core::runner::trust::TrustStore;
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = TrustStore::new(tmp.path());
    assert_eq!(store.get(tmp.path()).expect("missing store"), None);
    std::fs::create_dir_all(store.file()).expect("a folder where the file goes");
    assert!(matches!(store.get(tmp.path()), Err(Error::Io { .. })));
}
