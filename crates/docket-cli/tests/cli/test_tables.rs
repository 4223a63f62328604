//! Tables that fit (issue 15): widths from the terminal in a real
//! pseudo-terminal (`script` from util-linux), nothing cut when piped,
//! `--wide`, the side-by-side board in stage order, `--sort`, `--priority`
//! and the default oldest-first order at equal priority.

use std::process::{Command, Stdio};

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::common::{TestEnv, ids};

/// A title longer than any terminal in these tests.
fn long_title() -> String {
    let mut t = String::from("Long:");
    while t.len() < 200 {
        t.push_str(" lorem ipsum dolor");
    }
    t.push_str(" THE-END");
    t
}

/// Whether `script` (util-linux) is here to give the binary a terminal.
fn have_script() -> bool {
    Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Single-quote `s` for `sh -c`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Run `docket args…` with stdout on a pseudo-terminal, `COLUMNS` set when
/// given; returns what the terminal showed, lines without `\r`. Fails when
/// `script` is missing: these tests never pass without a terminal.
fn on_tty(env: &TestEnv, columns: Option<usize>, args: &[&str]) -> String {
    assert!(
        have_script(),
        "`script` (util-linux) is required for the terminal tests: apt-get install bsdutils"
    );
    let bin = assert_cmd::cargo::cargo_bin("docket");
    let mut line = sh_quote(&bin.to_string_lossy());
    for a in args {
        line.push(' ');
        line.push_str(&sh_quote(a));
    }
    let mut c = Command::new("script");
    c.args(["-qfec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &env.home)
        .env("SHELL", "/bin/sh")
        .env("DOCKET_ACTOR", "tester")
        .env("NO_COLOR", "1")
        .current_dir(&env.root)
        .stdin(Stdio::null());
    if let Some(n) = columns {
        c.env("COLUMNS", n.to_string());
    }
    let out = c.output().expect("run script");
    let text = String::from_utf8(out.stdout).expect("utf-8 terminal output");
    assert!(
        out.status.success(),
        "`docket {}` on a tty failed:\n{text}",
        args.join(" ")
    );
    text.replace('\r', "")
}

/// Every line fits in `n` display columns.
fn assert_fits(text: &str, n: usize) {
    for l in text.lines() {
        assert!(
            l.width() <= n,
            "line is {} columns wide, more than {n}:\n{l}\nin:\n{text}",
            l.width()
        );
    }
}

/// The table's line for the ticket whose handle starts the line.
fn line_of<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with `{needle}` in:\n{text}"))
}

/// A project with a 200-character title, a wide-character title with tags,
/// an emoji title, a title holding an escape sequence and a short one.
fn titles() -> (TestEnv, Vec<String>) {
    let env = TestEnv::init();
    let long = long_title();
    let ids = vec![
        env.create(&long, &["-p", "1", "-a", "someone-with-a-long-name"]),
        env.create(
            "日本語のタイトルはとても長いですね本当に長いですよこれは試験です",
            &["-p", "2", "--tags", "alpha,beta"],
        ),
        env.create(
            "Emoji 🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉 party",
            &["-p", "2"],
        ),
        env.create("Clear \u{1b}[2J screen and a longer tail of words", &[]),
        env.create("Short", &["-p", "3"]),
    ];
    (env, ids)
}

#[test]
fn a_terminal_60_columns_wide_gets_lines_of_at_most_60_columns() {
    let (env, _) = titles();
    for cmd in [
        &["list"][..],
        &["ready"],
        &["search", "e"],
        &["list", "--sort", "-priority"],
    ] {
        let out = on_tty(&env, Some(60), cmd);
        assert_fits(&out, 60);
        let long = line_of(&out, "Long:");
        assert!(long.ends_with('…'), "{cmd:?}: cut with an ellipsis: {long}");
        assert!(!out.contains("THE-END"), "{cmd:?}:\n{out}");
        // The handle, priority and status stay.
        assert!(long.contains("P1") && long.contains("open"), "{long}");
        let wide = line_of(&out, "日本語");
        assert!(wide.ends_with('…'), "{wide}");
        // Escapes stay escaped, even when cut.
        assert!(!out.contains('\u{1b}'), "raw escape reached the terminal");
        assert!(line_of(&out, "Clear").contains("\\x1b[2J"), "{out}");
    }
}

#[test]
fn the_title_column_takes_what_a_wider_terminal_leaves() {
    let (env, _) = titles();
    let out = on_tty(&env, Some(120), &["list"]);
    assert_fits(&out, 120);
    let long = line_of(&out, "Long:");
    assert!(long.ends_with('…'));
    // Everything but the title fits, so the line fills the terminal.
    assert!(long.width() >= 118, "{}: {long}", long.width());
    // Wide enough for every column: MODE and ASSIGNEE are shown.
    let head = out.lines().next().unwrap_or_default();
    assert!(head.contains("MODE") && head.contains("ASSIGNEE"), "{head}");
    let narrow = on_tty(&env, Some(60), &["list"]);
    let head = narrow.lines().next().unwrap_or_default();
    assert!(
        !head.contains("MODE"),
        "MODE goes first when narrow: {head}"
    );
}

#[test]
fn piped_output_never_cuts_even_with_columns_set() {
    let (env, _) = titles();
    let long = long_title();
    for cmd in [&["list"][..], &["ready"], &["search", "lorem"]] {
        let mut c = env.cmd(cmd);
        c.env("COLUMNS", "60");
        let r = TestEnv::run_cmd(c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains(&long),
            "{cmd:?}: full title:\n{}",
            r.stdout
        );
        // (search's matching line is an excerpt of at most 160 characters
        // in every form, JSON included: not a cut to the terminal.)
        let table = r.stdout.split("\n\n").next().unwrap_or_default();
        assert!(!table.contains('…'), "{cmd:?}:\n{}", r.stdout);
    }
    let r = env.run(&["board"]);
    assert!(r.stdout.contains(&long), "{}", r.stdout);
}

#[test]
fn wide_on_a_terminal_cuts_nothing() {
    let (env, _) = titles();
    for cmd in [&["list", "--wide"][..], &["board", "--wide"]] {
        let out = on_tty(&env, Some(60), cmd);
        assert!(out.contains("THE-END"), "{cmd:?}:\n{out}");
        assert!(!out.contains('…'), "{cmd:?}:\n{out}");
    }
}

#[test]
fn board_is_side_by_side_when_wide_and_a_list_when_narrow() {
    let (env, ids) = titles();
    env.okw(&["start", &ids[4]]);
    let wide = on_tty(&env, Some(160), &["board"]);
    assert_fits(&wide, 160);
    assert!(!wide.contains('\u{1b}'), "raw escape reached the terminal");
    assert!(line_of(&wide, "Clear").contains("\\x1b[2J"), "{wide}");
    let head = wide.lines().next().unwrap_or_default();
    assert!(
        head.contains("OPEN (4)")
            && head.contains("IN_PROGRESS (1)")
            && head.contains("CLOSED (0)"),
        "one header row: {head}"
    );
    // The in-progress card sits beside the first open card.
    let first = wide.lines().nth(1).unwrap_or_default();
    assert!(first.contains("Short") && first.contains('│'), "{wide}");
    assert!(line_of(&wide, "Long:").ends_with('…') || line_of(&wide, "Long:").contains("… │"));

    let narrow = on_tty(&env, Some(60), &["board"]);
    assert_fits(&narrow, 60);
    assert!(!narrow.contains('│'), "{narrow}");
    let heads: Vec<&str> = narrow
        .lines()
        .filter(|l| l.ends_with(')') && !l.starts_with(' '))
        .collect();
    assert_eq!(heads, vec!["OPEN (4)", "IN_PROGRESS (1)", "CLOSED (0)"]);
    assert!(line_of(&narrow, "Long:").ends_with('…'));
}

/// The ids of one board column, from `board --json`.
fn column(env: &TestEnv, status: &str) -> Vec<String> {
    ids(&env.ok(&["board"])[status])
}

#[test]
fn board_orders_a_stage_by_sequence_then_priority_then_age() {
    let env = TestEnv::init();
    let none_p0 = env.create("no sequence, p0", &["-p", "0"]);
    let s3 = env.create("sequence 3", &["--sequence", "3"]);
    let s1 = env.create("sequence 1", &["-p", "4", "--sequence", "1"]);
    let s2b = env.create("sequence 2 (p1)", &["-p", "1", "--sequence", "2"]);
    let s2a = env.create("sequence 2 (p0)", &["-p", "0", "--sequence", "2"]);
    let none_p2 = env.create("no sequence, p2", &[]);
    let want = vec![s1, s2a, s2b, s3, none_p0, none_p2];
    assert_eq!(column(&env, "open"), want);
    // The text board, piped: the same order.
    let r = env.run(&["board"]);
    let order: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.split("  ").nth(3))
        .collect();
    assert_eq!(
        order,
        vec![
            "sequence 1",
            "sequence 2 (p0)",
            "sequence 2 (p1)",
            "sequence 3",
            "no sequence, p0",
            "no sequence, p2"
        ],
        "{}",
        r.stdout
    );
    // `--sort sequence` orders a listing the same way.
    let listed = ids(&env.ok(&["list", "--sort", "sequence,priority"]));
    assert_eq!(listed, want);
    // The JSON board keeps its shape: status → rows.
    let b = env.ok(&["board"]);
    let keys: Vec<&String> = b.as_object().expect("object").keys().collect();
    assert_eq!(keys, vec!["open", "in_progress", "closed"]);
}

#[test]
fn equal_priority_lists_oldest_first() {
    let env = TestEnv::init();
    let new_at = |now: &str, title: &str| -> String {
        let r = env.run_at(now, &["create", title, "--json"]);
        r.envelope()["data"]["id"].as_str().expect("id").to_string()
    };
    // Created out of id order: the clock decides, not the id.
    let mid = new_at("2026-03-02T10:00:00Z", "middle");
    let old = new_at("2026-03-01T10:00:00Z", "oldest");
    let new = new_at("2026-03-03T10:00:00Z", "newest");
    let want = vec![old.clone(), mid.clone(), new.clone()];
    assert_eq!(ids(&env.ok(&["list"])), want);
    assert_eq!(ids(&env.ok(&["ready"])), want);
    assert_eq!(column(&env, "open"), want);
    // Same second: the id's time part orders them.
    let a = new_at("2026-03-04T10:00:00Z", "same second a");
    let b = new_at("2026-03-04T10:00:00Z", "same second b");
    let listed = ids(&env.ok(&["list"]));
    assert_eq!(&listed[3..], &[a, b]);
    // `--sort -created` turns it around.
    let desc = ids(&env.ok(&["list", "--sort=-created"]));
    assert_eq!(desc[2..], [new, mid, old]);
}

#[test]
fn sort_takes_fields_and_descending_and_refuses_unknown_fields() {
    let env = TestEnv::init();
    let c = env.create("charlie", &["-p", "1"]);
    let a = env.create("Alpha", &["-p", "3"]);
    let b = env.create("bravo", &["-p", "1"]);
    assert_eq!(
        ids(&env.ok(&["list", "--sort", "title"])),
        vec![a.clone(), b.clone(), c.clone()]
    );
    // A value starting with `-` is taken as the value, not a flag.
    assert_eq!(
        ids(&env.ok(&["list", "--sort", "-priority"])),
        vec![a.clone(), c.clone(), b.clone()]
    );
    assert_eq!(
        ids(&env.ok(&["list", "--sort", "-priority,-title"])),
        vec![a.clone(), c.clone(), b.clone()]
    );
    assert_eq!(
        ids(&env.ok(&["list", "--sort", "priority", "--sort", "-title"])),
        vec![c.clone(), b.clone(), a.clone()]
    );
    for cmd in ["ready", "blocked", "closed"] {
        env.ok(&[cmd, "--sort", "-updated"]);
    }
    assert_eq!(
        ids(&env.ok(&["search", "a", "--sort", "title"])),
        vec![a.clone(), b.clone(), c.clone()]
    );
    let err = env.fail(&["list", "--sort", "prio"], "invalid_argument");
    let msg = err["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("`prio`") && msg.contains("priority, created"),
        "{err}"
    );
    let allowed: Vec<&str> = err["allowed"]
        .as_array()
        .expect("allowed fields")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        allowed.contains(&"sequence") && allowed.contains(&"title"),
        "{err}"
    );
    env.fail(&["ready", "--sort", "-"], "invalid_argument");
    // Human form: the message on stderr, exit 1.
    let r = env.run(&["list", "--sort", "bogus"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("unknown field `bogus`"), "{}", r.stderr);
}

#[test]
fn priority_filter_takes_values_lists_and_ranges() {
    let env = TestEnv::init();
    let p: Vec<String> = (0..5)
        .map(|i| env.create(&format!("p{i}"), &["-p", &i.to_string()]))
        .collect();
    assert_eq!(
        ids(&env.ok(&["list", "--priority", "1"])),
        vec![p[1].clone()]
    );
    assert_eq!(
        ids(&env.ok(&["list", "--priority", "3,0"])),
        vec![p[0].clone(), p[3].clone()]
    );
    assert_eq!(
        ids(&env.ok(&["ready", "--priority", "0-2"])),
        p[..3].to_vec()
    );
    assert_eq!(
        ids(&env.ok(&["list", "--priority", "4", "--priority", "P1"])),
        vec![p[1].clone(), p[4].clone()]
    );
    assert_eq!(
        ids(&env.ok(&["blocked", "--priority", "1"])),
        Vec::<String>::new()
    );
    for bad in ["x", "2-1", "9", "5-6"] {
        let err = env.fail(&["list", "--priority", bad], "invalid_argument");
        assert!(
            err["message"]
                .as_str()
                .unwrap_or_default()
                .contains("--priority"),
            "{bad}: {err}"
        );
    }
    // The filter reaches `claim --next` too: it takes the p1 ticket.
    let claimed = env.ok(&["claim", "--next", "--priority", "1"]);
    assert_eq!(claimed["id"], p[1].as_str());
}

#[test]
fn a_pty_without_columns_uses_the_terminal_size() {
    // `stty cols` inside the pty sets its size; COLUMNS is unset.
    let (env, _) = titles();
    if !have_script() {
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("docket");
    let line = format!(
        "stty cols 70 rows 20; {} list",
        sh_quote(&bin.to_string_lossy())
    );
    let out = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &env.home)
        .env("SHELL", "/bin/sh")
        .env("NO_COLOR", "1")
        .current_dir(&env.root)
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert_fits(&text, 70);
    assert!(line_of(&text, "Long:").ends_with('…'), "{text}");
}
