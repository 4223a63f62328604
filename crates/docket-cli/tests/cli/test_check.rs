use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::TestEnv;

fn fm(id: &str, extra: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {id}\nstatus: open\ntype: task\npriority: 2\nmode: hitl\ncreated: \"2026-01-01T00:00:00Z\"\nupdated: \"2026-01-01T00:00:00Z\"\n{extra}---\n"
    )
}

/// A project with one clean ticket and one hand-broken file per issue code.
fn broken() -> (TestEnv, String) {
    let env = TestEnv::init();
    let clean = env.create("clean", &[]);
    env.write_file("tickets", "dk-parse--x.md", "no frontmatter at all\n");
    env.write_file(
        "tickets",
        "dk-unclosed--x.md",
        "---\nid: dk-unclosed\ntitle: x\n",
    );
    env.write_file("tickets", "dk-badyaml--x.md", "---\nid: [unclosed\n---\n");
    env.write_file(
        "tickets",
        "dk-missing--x.md",
        "---\ntitle: no id\nstatus: open\n---\n",
    );
    env.write_file(
        "tickets",
        "dk-status--x.md",
        &fm("dk-status", "").replace("status: open", "status: doing"),
    );
    env.write_file(
        "tickets",
        "dk-prio--x.md",
        &fm("dk-prio", "").replace("priority: 2", "priority: 9"),
    );
    env.write_file(
        "tickets",
        "dk-priotext--x.md",
        &fm("dk-priotext", "").replace("priority: 2", "priority: high"),
    );
    env.write_file("tickets", "dk-ac--x.md", &fm("dk-ac", "acceptance:\n- 1\n"));
    env.write_file(
        "tickets",
        "dk-term--x.md",
        &fm("dk-term", "").replace("status: open", "status: closed"),
    );
    env.write_file("tickets", "dk-dup--one.md", &fm("dk-dup", ""));
    env.write_file("tickets", "dk-dup--two.md", &fm("dk-dup", ""));
    env.write_file(
        "tickets",
        "dk-ghost--x.md",
        &fm("dk-ghost", "deps:\n- dk-nowhere\n"),
    );
    env.write_file(
        "tickets",
        "dk-cyca--x.md",
        &fm("dk-cyca", "deps:\n- dk-cycb\n"),
    );
    env.write_file(
        "tickets",
        "dk-cycb--x.md",
        &fm("dk-cycb", "deps:\n- dk-cyca\n"),
    );
    (env, clean)
}

fn codes(data: &Value) -> BTreeSet<String> {
    data["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

fn issue<'a>(data: &'a Value, code: &str, id: &str) -> &'a Value {
    data["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code && i["id"] == id)
        .unwrap_or_else(|| panic!("no {code} for {id} in {data}"))
}

#[test]
fn clean_project_exits_zero() {
    let env = TestEnv::init();
    let a = env.create("a", &["--acceptance", "x"]);
    let b = env.create("b", &["--dep", &a, "--link", &a, "--parent", &a]);
    env.okw(&["close", &b]);
    let r = env.run(&["check", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.envelope();
    assert_eq!(v["ok"], true);
    assert_eq!(v["data"]["issues"], json!([]));
    assert_eq!(
        v["data"]["summary"],
        json!({"errors": 0, "warnings": 0, "scanned": 2})
    );
    let r = env.run(&["check"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.trim(), "2 tickets checked: 0 errors, 0 warnings");
}

#[test]
fn broken_files_are_reported_with_codes() {
    let (env, clean) = broken();
    let r = env.run(&["check", "--json"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let v = r.envelope();
    assert_eq!(v["ok"], false, "check's ok mirrors health");
    let data = &v["data"];
    let got = codes(data);
    for code in [
        "frontmatter_parse_error",
        "missing_required_field",
        "invalid_status",
        "invalid_priority",
        "acceptance_invalid",
        "terminal_outside_archive",
        "duplicate_id",
        "unknown_id",
        "dep_cycle",
    ] {
        assert!(got.contains(code), "missing {code} in {got:?}");
    }
    assert_eq!(
        issue(data, "frontmatter_parse_error", "dk-parse")["severity"],
        "error"
    );
    issue(data, "frontmatter_parse_error", "dk-unclosed");
    issue(data, "frontmatter_parse_error", "dk-badyaml");
    issue(data, "missing_required_field", "dk-missing");
    issue(data, "invalid_status", "dk-status");
    issue(data, "invalid_priority", "dk-prio");
    issue(data, "invalid_priority", "dk-priotext");
    issue(data, "acceptance_invalid", "dk-ac");
    let t = issue(data, "terminal_outside_archive", "dk-term");
    assert_eq!(t["path"], ".docket/tickets/dk-term--x.md");
    issue(data, "duplicate_id", "dk-dup");
    let w = issue(data, "unknown_id", "dk-ghost");
    assert_eq!(w["severity"], "warning");
    assert!(w["message"].as_str().unwrap().contains("dk-nowhere"));
    let cyc = issue(data, "dep_cycle", "dk-cyca");
    assert!(
        cyc["message"]
            .as_str()
            .unwrap()
            .contains("dk-cyca -> dk-cycb -> dk-cyca"),
        "{cyc}"
    );
    assert_eq!(
        data["issues"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["code"] == "dep_cycle")
            .count(),
        1,
        "each cycle is reported once"
    );
    assert!(
        data["issues"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != clean.as_str())
    );
    let errors = data["summary"]["errors"].as_u64().unwrap();
    let warnings = data["summary"]["warnings"].as_u64().unwrap();
    assert_eq!(warnings, 1);
    assert_eq!(
        errors + warnings,
        data["issues"].as_array().unwrap().len() as u64
    );
    assert_eq!(data["summary"]["scanned"], 15);

    // Human output.
    let r = env.run(&["check"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("error dep_cycle dk-cyca"), "{}", r.stdout);
    assert!(
        r.stdout.contains("warning unknown_id dk-ghost"),
        "{}",
        r.stdout
    );
    let errors = if errors == 1 {
        "1 error".to_string()
    } else {
        format!("{errors} errors")
    };
    assert!(
        r.stdout
            .contains(&format!("15 tickets checked: {errors}, 1 warning")),
        "{}",
        r.stdout
    );
}

#[test]
fn filters_decide_the_exit_code() {
    let (env, clean) = broken();
    let run = |args: &[&str]| -> (i32, Value) {
        let mut a = vec!["check"];
        a.extend_from_slice(args);
        let (v, code) = env.json(&a);
        (code, v["data"].clone())
    };
    let (code, data) = run(&["--code", "unknown_id"]);
    assert_eq!(code, 0, "warnings only: exit 0");
    assert_eq!(codes(&data), BTreeSet::from(["unknown_id".to_string()]));

    let (code, data) = run(&["--code", "dep_cycle"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&data), BTreeSet::from(["dep_cycle".to_string()]));

    let (code, data) = run(&["--code", "dep_cycle", "--code", "unknown_id"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&data).len(), 2);
    let (code, data) = run(&["--code", "dep_cycle,unknown_id"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&data).len(), 2);

    let (code, data) = run(&["--severity", "warning"]);
    assert_eq!(code, 0);
    assert_eq!(data["summary"]["errors"], 0);
    assert_eq!(data["summary"]["warnings"], 1);

    let (code, data) = run(&["--severity", "error"]);
    assert_eq!(code, 1);
    assert_eq!(data["summary"]["warnings"], 0);

    // AND across flags: an error code filtered to warnings is empty.
    let (code, data) = run(&["--code", "dep_cycle", "--severity", "warning"]);
    assert_eq!(code, 0);
    assert_eq!(data["issues"], json!([]));

    // Unknown codes just match nothing.
    let (code, _) = run(&["--code", "no_such_code"]);
    assert_eq!(code, 0);

    // Id filters.
    let (code, data) = run(&[&clean]);
    assert_eq!(code, 0);
    assert_eq!(data["issues"], json!([]));
    let (code, data) = run(&["dk-cyca"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&data), BTreeSet::from(["dep_cycle".to_string()]));
    let (code, _) = run(&["dk-ghost"]);
    assert_eq!(code, 0);
    let (code, _) = run(&["dk-ghost", "dk-status"]);
    assert_eq!(code, 1);

    // A bad --severity is a usage error.
    let r = env.run(&["check", "--severity", "fatal"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("fatal"), "{}", r.stderr);
}

#[test]
fn dep_cycle_written_by_hand_blocks_both() {
    let env = TestEnv::init();
    env.write_file("tickets", "dk-x--x.md", &fm("dk-x", "deps:\n- dk-y\n"));
    env.write_file("tickets", "dk-y--y.md", &fm("dk-y", "deps:\n- dk-z\n"));
    env.write_file("tickets", "dk-z--z.md", &fm("dk-z", "deps:\n- dk-x\n"));
    let (v, code) = env.json(&["check", "--code", "dep_cycle"]);
    assert_eq!(code, 1);
    let issues = v["data"]["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0]["message"]
            .as_str()
            .unwrap()
            .contains("dk-x -> dk-y -> dk-z -> dk-x")
    );
    // Listing and dep tree still work on a cyclic graph.
    let blocked = env.ok(&["blocked"]);
    assert_eq!(blocked.as_array().unwrap().len(), 3);
    let tree = env.okw(&["dep", "tree", "dk-x"]);
    assert_eq!(tree["deps"][0]["deps"][0]["deps"][0]["seen"], true);
}

#[test]
fn outside_a_project_check_exits_two() {
    let env = TestEnv::new();
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("no docket project"), "{}", r.stderr);

    let r = env.run(&["check", "--json"]);
    assert_eq!(r.code, 2);
    let v = r.envelope();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["code"], "no_project");
}

#[test]
fn invalid_config_exits_two_for_check_and_one_elsewhere() {
    for text in [
        "this is = = not toml",
        "[project]\nprefix = \"dk\"\n",
        "[project]\nprefix = \"dk\"\n[workflow]\nstatuses=[\"open\",\"closed\"]\nterminal=[\"closed\"]\nactive=\"nope\"\ntypes=[\"task\"]\n",
    ] {
        let env = TestEnv::init();
        let id = env.create("x", &[]);
        std::fs::write(env.docket_dir().join("config.toml"), text).unwrap();

        let r = env.run(&["check", "--json"]);
        assert_eq!(r.code, 2, "{text}: {}", r.stdout);
        let v = r.envelope();
        assert_eq!(v["error"]["code"], "config_invalid");
        assert!(
            v["error"]["path"]
                .as_str()
                .unwrap()
                .ends_with("config.toml")
        );
        let r = env.run(&["check"]);
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("config"), "{}", r.stderr);

        for args in [
            vec!["list"],
            vec!["show", id.as_str()],
            vec!["create", "y"],
            vec!["info"],
        ] {
            env.fail(&args, "config_invalid");
        }
    }
}

/// `check --full` re-verifies every file instead of trusting the verdict
/// cache, and reports what a cached check reports: a log tampered with in
/// place (same size, mtime put back as `touch -r` would) is caught by both.
#[test]
fn full_check_matches_the_cached_one() {
    let env = TestEnv::init();
    let a = env.create("a", &[]);
    let b = env.create("b", &[]);
    env.okw(&["add-note", &b, "hello"]);
    // Older than the cache's racy window, so the first check stores verdicts.
    std::thread::sleep(std::time::Duration::from_millis(2_300));
    let cache = env.docket_dir().join("local").join("check-v1.bin");
    env.assert_check_clean();
    assert!(cache.exists(), "the first check stores its verdicts");
    let path = env.path_of(&b);
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("hello", "jello", 1)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();

    let cached = env.run(&["check", "--json"]);
    let full = env.run(&["check", "--full", "--json"]);
    assert_eq!(cached.code, 1, "{}", cached.stdout);
    assert_eq!(full.code, cached.code);
    assert_eq!(full.envelope(), cached.envelope());
    let v = cached.envelope();
    assert_eq!(
        issue(&v["data"], "audit_chain_broken", &b)["severity"],
        "error"
    );
    assert_eq!(v["data"]["summary"]["scanned"], 2);
    assert_eq!(
        env.run(&["check", "--full", &a]).code,
        0,
        "only b is broken"
    );

    let r = env.run(&["check", "--full"]);
    assert_eq!(r.code, 1);
    insta::with_settings!({filters => vec![
        (r"dk-[0-9a-z]{16}", "[ID]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TS]"),
    ]}, {
        insta::assert_snapshot!(r.stdout, @r"
        error audit_chain_broken [ID]: log entry 2: entry 2 (note at [TS]) was modified: its hash no longer matches its content
        2 tickets checked: 1 error, 0 warnings
        ");
    });
    let help = env.run(&["check", "--help"]);
    assert!(help.stdout.contains("--full"), "{}", help.stdout);
    assert!(help.stdout.contains("verdict cache"), "{}", help.stdout);
}
