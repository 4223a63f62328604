//! Proptest-driven fuzzing on stable Rust: the frontmatter parser and writer
//! (including the lossless splice), the audit-log parser and config loading
//! must never panic nor hang on any input. The suite runs a brief pass;
//! `DOCKET_FUZZ_CASES=100000 cargo test -p docket-core --test fuzz` is the
//! long run (results in docs/BENCHMARKS.md).

use std::path::Path;
use std::time::{Duration, Instant};

use docket_core::config::Config;
use docket_core::{audit, yaml};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("DOCKET_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

/// One case may not take longer than this: a parser that blows up on
/// aliases or nesting shows here, not as a stuck test run.
/// How many generated frontmatters parsed (printed with --nocapture).
static PARSED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

const SLOW: Duration = Duration::from_secs(2);

/// YAML-ish fragments, so generated text reaches deep into the parser:
/// every kind of scalar, anchors, aliases, merge keys, tags, flow and block
/// collections, comments, odd indentation and stray document markers.
fn yaml_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("id: dk-01abc\n".to_string()),
        Just("title: t\n".to_string()),
        Just("status: open\n".to_string()),
        prop::sample::select(vec![
            "id",
            "title",
            "status",
            "type",
            "priority",
            "mode",
            "tier",
            "attention",
            "assignee",
            "parent",
            "created",
            "updated",
            "closed",
            "tags",
            "external_refs",
            "deps",
            "links",
            "acceptance",
            "sequence",
            "<<",
            "x",
            "\"q k\"",
            "? k",
        ])
        .prop_map(|k| format!("{k}: ")),
        prop::sample::select(vec![
            "&a ",
            "*a",
            "*b",
            "&b ",
            "!!str ",
            "!!int ",
            "!custom ",
            "!<tag:x> ",
            "|\n  ",
            ">-\n  ",
            "[",
            "]",
            "{",
            "}",
            ", ",
            "- ",
            "  - ",
            "\n",
            "# c\n",
            "---\n",
            "...\n",
            "'",
            "\"",
            "\\",
            "~",
            "null",
            "true",
            "yes",
            "0x1F",
            "1e400",
            "-0",
            ".nan",
            "2026-01-01T00:00:00Z",
            "- title: a\n  done: true\n",
            "{title: x, done: 1}",
            "[[[[[[[[[[",
            "]]]]]]]]]]",
            "\t",
            "\r\n",
            "\u{feff}",
            "\u{0}",
            "é",
            "💥",
        ])
        .prop_map(String::from),
        "[a-z0-9 :#&*!|>'\"\\[\\]{},.-]{0,12}",
        "\\PC{0,8}",
    ]
}

fn yaml_text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => prop::collection::vec(yaml_piece(), 0..40).prop_map(|v| v.concat()),
        2 => ticket_like(),
    ]
}

/// Mostly valid tickets: the required keys plus `key: value` lines whose
/// values are odd, so rendering and splicing get exercised, not just errors.
fn ticket_like() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        prop::sample::select(vec![
            "x",
            "'q: x'",
            "\"d \\\" q\"",
            "&a v",
            "*a",
            "!!str 012",
            "[a, b]",
            "[]",
            "{}",
            "~",
            "2",
            "-1",
            "true",
            "|\n  block\n  text",
            ">\n  folded",
            "\n  - a\n  - b",
            "\n- title: c\n  done: false",
            "# only a comment",
            "x # trailing",
            "é💥",
        ])
        .prop_map(String::from),
        "[a-z0-9 ]{0,10}",
    ];
    let key = prop::sample::select(vec![
        "type",
        "priority",
        "mode",
        "tier",
        "assignee",
        "parent",
        "created",
        "updated",
        "closed",
        "tags",
        "deps",
        "links",
        "acceptance",
        "sequence",
        "extra",
        "other",
        "<<",
    ]);
    (
        prop::collection::vec((key, value), 0..10),
        0usize..12,
        0usize..12,
    )
        .prop_map(|(lines, a, b)| {
            let mut out: Vec<String> = lines
                .into_iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            out.insert(a.min(out.len()), "id: dk-01abc".into());
            out.insert(b.min(out.len()), "title: fuzz".into());
            out.push("status: open".into());
            out.join("\n")
        })
}

proptest! {
    #![proptest_config(config())]

    /// Any frontmatter text: parsing never panics; what parses renders,
    /// re-parses to the same ticket, and a one-field change through the
    /// splice still re-parses.
    #[test]
    fn frontmatter_never_panics(fm in yaml_text(), body in "\\PC{0,40}") {
        let started = Instant::now();
        let text = format!("---\n{fm}\n---\n{body}");
        if let Ok(mut t) = yaml::parse_ticket(&text, Path::new("x.md")) {
            let n = PARSED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n.is_power_of_two() && n >= 1024 {
                eprintln!("fuzz: {n} generated frontmatters parsed as tickets so far");
            }
            let out = yaml::render_ticket(&t);
            let back = yaml::parse_ticket(&out, Path::new("x.md"));
            prop_assert!(back.is_ok(), "render of a parsed ticket does not parse:\n{out}");
            let back = back.unwrap();
            prop_assert_eq!(&back.meta, &t.meta);
            t.meta.status = "closed".into();
            t.meta.tags.push("fuzz".into());
            let out = yaml::render_ticket(&t);
            let back = yaml::parse_ticket(&out, Path::new("x.md"));
            prop_assert!(back.is_ok(), "splice broke the file:\n{out}");
            prop_assert_eq!(&back.unwrap().meta, &t.meta);
        }
        let _ = yaml::parse_meta(&text);
        let _ = yaml::parse_frontmatter(&fm);
        prop_assert!(started.elapsed() < SLOW, "slow case: {:?}", started.elapsed());
    }

    /// Raw text, not shaped like YAML at all.
    #[test]
    fn raw_text_never_panics(text in "\\PC{0,200}") {
        let _ = yaml::parse_ticket(&text, Path::new("x.md"));
        let _ = yaml::parse_meta(&format!("---\n{text}\n---\n"));
    }
}

/// Log-ish fragments: headings, marker comments with every field, hashes.
fn log_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("## Log\n".to_string()),
        Just("### 2026-01-01T00:00:00Z · note · bob (architect)\n".to_string()),
        Just("### x · y\n".to_string()),
        Just(
            "<!-- log n=1 session=- role=- prev=00000000000000000000000000000000 hash=abc -->\n"
                .to_string()
        ),
        prop::sample::select(vec![
            "<!-- log ",
            " -->",
            "n=",
            "n=18446744073709551616 ",
            "session=",
            "role=",
            "prev=",
            "hash=",
            "from=a ",
            "to=b ",
            "version=1 ",
            "plan_hash=x ",
            "%20",
            "%",
            "%zz",
            "=",
            "\n",
            "## Plan\n",
            "## Notes\n",
            "### ",
            " · ",
            "`",
            "```\n",
            "\u{0}",
            "💥",
        ])
        .prop_map(String::from),
        "[a-z0-9 =%<>!#·-]{0,16}",
        "\\PC{0,8}",
    ]
}

proptest! {
    #![proptest_config(config())]

    /// The audit-log parser and chain check never panic.
    #[test]
    fn audit_log_never_panics(parts in prop::collection::vec(log_piece(), 0..40)) {
        let started = Instant::now();
        let body = parts.concat();
        let (entries, _defects) = audit::parse_body(&body);
        let _ = audit::verify(&entries);
        prop_assert!(started.elapsed() < SLOW);
    }
}

fn toml_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[project]\nprefix = \"dk\"\n".to_string()),
        Just(
            "[workflow]\nstatuses = [\"open\", \"closed\"]\nterminal = [\"closed\"]\n".to_string()
        ),
        Just("[[workflow.transitions]]\nfrom = \"*\"\nto = \"*\"\n".to_string()),
        prop::sample::select(vec![
            "[project]\n",
            "[workflow]\n",
            "[defaults]\n",
            "[sessions]\n",
            "[workflow.wip]\n",
            "[workflow.stages.fix]\n",
            "[[workflow.transitions]]\n",
            "prefix = ",
            "statuses = ",
            "terminal = ",
            "active = ",
            "planning = ",
            "guards = ",
            "roles = ",
            "from = ",
            "to = ",
            "max_ticket_bytes = ",
            "idle_limit = ",
            "\"",
            "[",
            "]",
            ", ",
            "\n",
            "=",
            "\"open\"",
            "\"@terminal\"",
            "\"*\"",
            "-1",
            "99999999999999999999",
            "\"\"",
            "{a = 1}",
            "# c\n",
            "'''",
            "\u{0}",
        ])
        .prop_map(String::from),
        "[a-z0-9_ =\"\\[\\],.@*-]{0,16}",
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Config loading (TOML, then every consistency check) never panics.
    #[test]
    fn config_never_panics(parts in prop::collection::vec(toml_piece(), 0..30)) {
        let started = Instant::now();
        let text = parts.concat();
        let _ = Config::parse(&text, Path::new("config.toml"));
        prop_assert!(started.elapsed() < SLOW);
    }
}
