//! The schema-2 JSON contract ("lean results for agents"), pinned with insta
//! snapshots: the lean write answer of every reshaped write, `delete`, compact
//! and full `show`, the capped `prime`, `ready` vs `ready --include-started`,
//! and error objects with their remedies and failing guards.
//!
//! The clock is pinned (`DOCKET_NOW`); ids, short ids and session ids are
//! replaced by labels (`<A>`, `<A:short>`, `<ada>`) so a snapshot says which
//! ticket a value points at; hashes are filtered to `[HASH]`.

use std::cell::RefCell;

use serde_json::{Map, Value, json};

use crate::common::{TestEnv, assert_envelope_shape, is_lean_write};

const NOW: &str = "2026-11-27T12:00:00Z";

struct Contract {
    env: TestEnv,
    /// (raw id, label), longest first is not needed: ids have a fixed length.
    names: RefCell<Vec<(String, String)>>,
}

impl Contract {
    fn new(preset: Option<&str>) -> Contract {
        let env = TestEnv::new();
        let mut args = vec!["init", "--prefix", "dk"];
        if let Some(p) = preset {
            args.extend(["--preset", p]);
        }
        let c = Contract {
            env,
            names: RefCell::new(Vec::new()),
        };
        c.ok(&args);
        c
    }

    /// Run with `--json` and the pinned clock: the envelope and exit code.
    fn run(&self, args: &[&str]) -> (Value, i32) {
        let mut a = args.to_vec();
        a.push("--json");
        let r = self.env.run_at(NOW, &a);
        let v = r.envelope();
        assert_envelope_shape(&v);
        (v, r.code)
    }

    /// The whole success envelope.
    fn ok_env(&self, args: &[&str]) -> Value {
        let (v, code) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {v}");
        assert_eq!(v["ok"], true, "{v}");
        v
    }

    fn ok(&self, args: &[&str]) -> Value {
        self.ok_env(args)["data"].clone()
    }

    /// The whole error envelope (exit 1, `error.code == code`).
    fn fail_env(&self, args: &[&str], code: &str) -> Value {
        let (v, exit) = self.run(args);
        assert_eq!(exit, 1, "{args:?}: {v}");
        assert_eq!(v["error"]["code"], code, "{args:?}: {v}");
        v
    }

    fn label(&self, raw: &str, label: &str) {
        self.names
            .borrow_mut()
            .push((raw.to_string(), label.to_string()));
    }

    /// Create a ticket and label its id.
    fn create(&self, label: &str, args: &[&str]) -> String {
        let id = self.ok(args)["id"].as_str().expect("id").to_string();
        self.label(&id, label);
        id
    }

    /// Start a session and label its id with its name.
    fn session(&self, role: &str, name: &str) -> String {
        let s = self.ok(&["session", "--role", role, "--name", name]);
        let sid = s["id"].as_str().expect("session id").to_string();
        self.label(&sid, name);
        sid
    }

    /// Replace ids by labels: a whole id is `<L>`, a shorter prefix of it (a
    /// short id) is `<L:short>`, ids inside text are `<L>`.
    fn norm(&self, v: &Value) -> Value {
        let names = self.names.borrow();
        fn walk(v: &Value, names: &[(String, String)]) -> Value {
            match v {
                Value::String(s) => {
                    for (raw, label) in names {
                        if s.len() >= 7 && s.len() < raw.len() && raw.starts_with(s.as_str()) {
                            return Value::String(format!("<{label}:short>"));
                        }
                    }
                    let mut out = s.clone();
                    for (raw, label) in names {
                        out = out.replace(raw.as_str(), &format!("<{label}>"));
                    }
                    Value::String(out)
                }
                Value::Array(a) => Value::Array(a.iter().map(|x| walk(x, names)).collect()),
                Value::Object(o) => Value::Object(
                    o.iter()
                        .map(|(k, x)| (k.clone(), walk(x, names)))
                        .collect::<Map<_, _>>(),
                ),
                other => other.clone(),
            }
        }
        walk(v, &names)
    }
}

/// Snapshot `v` with hashes filtered.
macro_rules! snap {
    ($name:expr, $v:expr) => {
        insta::with_settings!({filters => vec![(r"\b[0-9a-f]{32}\b", "[HASH]")]}, {
            insta::assert_json_snapshot!($name, $v);
        })
    };
}

/// The sorted keys of an object.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

/// A lean write answer: schema 3, the lean keys only, no `meta`.
fn lean(c: &Contract, args: &[&str]) -> Value {
    let v = c.ok_env(args);
    assert_eq!(v["schema_version"], 3, "{args:?}: {v}");
    // `meta` carries warnings only (a dependency on an id no ticket has).
    assert!(
        v.get("meta").is_none() || keys(&v["meta"]) == ["warnings"],
        "{args:?}: {v}"
    );
    assert!(is_lean_write(&v["data"]), "{args:?}: {v}");
    c.norm(&v)
}

#[test]
fn contract_simple_writes() {
    let c = Contract::new(None);
    let a = c.create("A", &["create", "Contract"]);
    // create: `changed` is just the title.
    let b_env = {
        let v = c.ok_env(&["create", "Second", "-p", "1"]);
        c.label(v["data"]["id"].as_str().unwrap(), "B");
        assert!(is_lean_write(&v["data"]), "{v}");
        c.norm(&v)
    };
    snap!("create", b_env);
    let b = c.names.borrow()[1].0.clone();

    snap!(
        "update",
        lean(
            &c,
            &[
                "update",
                &a,
                "--priority",
                "1",
                "--tags",
                "x,y",
                "--add-ac",
                "it works",
                "--description",
                "What and why.",
            ],
        )
    );
    snap!("add_note", lean(&c, &["add-note", &a, "a note"]));
    snap!("dep", lean(&c, &["dep", &a, &b]));
    snap!("undep", lean(&c, &["undep", &a, &b]));
    snap!("start", lean(&c, &["start", &a]));
    // A no-op write: neither `changed` nor `logged`.
    snap!("start_again_no_op", lean(&c, &["start", &a]));
    c.ok(&["update", &a, "--ac", "it works", "--done"]);
    // close: the archive path is in `data.archived_to` (no `meta`).
    let closed = lean(&c, &["close", &a, "--summary", "shipped"]);
    let archived = closed["data"]["archived_to"].as_str().unwrap();
    assert_eq!(archived, ".docket/archive/<A>--contract.md");
    assert!(c.env.path_of(&a).starts_with(c.env.archive_dir()));
    snap!("close", closed);
    snap!("reopen", lean(&c, &["reopen", &a]));
    // advance in the simple preset: open -> in_progress.
    snap!(
        "advance_simple",
        lean(&c, &["advance", &b, "--note", "on it"])
    );
}

#[test]
fn contract_plan_first_writes_and_show() {
    let c = Contract::new(Some("plan-first"));
    let ada = c.session("architect", "ada");
    let bob = c.session("architect", "bob");
    let a = c.create("A", &["--session", &ada, "create", "Planned"]);
    snap!(
        "advance_to_planning",
        lean(&c, &["--session", &ada, "advance", &a])
    );
    snap!(
        "plan",
        lean(
            &c,
            &["--session", &ada, "plan", &a, "--body", "Step 1: do it"]
        )
    );
    snap!(
        "comment",
        lean(&c, &["--session", &bob, "comment", &a, "looks fine"])
    );
    snap!(
        "advance_approval",
        lean(&c, &["--session", &bob, "advance", &a])
    );
    snap!(
        "tier",
        lean(&c, &["--session", &bob, "tier", &a, "critical"])
    );
    snap!(
        "depends",
        lean(
            &c,
            &["--session", &bob, "depends", &a, "--on", "dk-01later"]
        )
    );
    let v = c.ok_env(&["show", &a]);
    assert_eq!(v["schema_version"], 3);
    snap!("show_compact", c.norm(&v));
}

#[test]
fn contract_show_compact_and_full() {
    let c = Contract::new(None);
    let a = c.create("A", &["create", "Shown", "-d", "desc"]);
    for i in 0..6 {
        c.ok(&["add-note", &a, &format!("note {i}")]);
    }
    // Compact: empty fields left out, the last 5 log entries without hashes.
    let v = c.ok_env(&["show", &a]);
    assert_eq!(v["schema_version"], 3);
    let d = &v["data"];
    assert_eq!(d["log"].as_array().unwrap().len(), 5);
    assert_eq!(d["log_total"], 7);
    assert!(d.get("log_intact").is_none(), "only when false: {d}");
    assert!(d.get("body").is_none());
    for e in d["log"].as_array().unwrap() {
        assert_eq!(keys(e), ["actor", "at", "kind", "n", "text"], "{e}");
    }
    snap!("show_compact_long_log", c.norm(&v));

    // Full: every key (no `body`), every log entry with its hash chain.
    let v = c.ok_env(&["show", "--full", &a]);
    assert_eq!(v["schema_version"], 3);
    let d = &v["data"];
    assert_eq!(d["log"].as_array().unwrap().len(), 7);
    assert_eq!(d["log_intact"], true);
    assert!(d.get("body").is_none());
    snap!(
        "show_full_keys",
        json!({
            "data": keys(d),
            "log[]": keys(&d["log"][0]),
            "notes[]": keys(&d["notes"][0]),
        })
    );
}

#[test]
fn contract_delete() {
    let c = Contract::new(None);
    let a = c.create("A", &["create", "Target"]);
    c.create("B", &["create", "Referrer", "--dep", &a]);
    let lone = c.create("C", &["create", "Lone"]);
    let v = c.ok_env(&["delete", &a, "--cascade"]);
    assert_eq!(v["schema_version"], 2);
    snap!("delete_cascade", c.norm(&v));
    let v = c.ok_env(&["delete", &lone]);
    snap!("delete", c.norm(&v));
}

#[test]
fn contract_prime() {
    let c = Contract::new(None);
    let w = c.create(
        "WORK",
        &[
            "create",
            "In progress",
            "-p",
            "1",
            "-a",
            "tester",
            "--acceptance",
            "ac",
        ],
    );
    c.ok(&["start", &w]);
    let d = c.create(
        "DONE",
        &[
            "create",
            "All checked",
            "-p",
            "2",
            "--acceptance",
            "ac",
            "--tags",
            "x",
        ],
    );
    c.ok(&["start", &d]);
    c.ok(&["update", &d, "--ac", "ac", "--done"]);
    for (p, label) in ["0", "1", "3"].iter().zip(["R0", "R1", "R3"]) {
        c.create(label, &["create", &format!("ready p{p}"), "-p", p]);
    }
    let f = c.create("F", &["create", "Finished"]);
    c.ok(&["close", &f]);
    let v = c.ok_env(&["prime", "--limit", "2"]);
    assert_eq!(v["schema_version"], 3);
    snap!("prime_limit_2", c.norm(&v));
}

#[test]
fn contract_ready_vs_include_started() {
    let c = Contract::new(None);
    let free = c.create("FREE", &["create", "Free", "-p", "1"]);
    let begun = c.create("BEGUN", &["create", "Begun", "-p", "2"]);
    c.ok(&["start", &begun]);
    let waiting = c.create("WAITING", &["create", "Waiting", "-p", "0", "--dep", &free]);
    let begun_blocked = c.create("BEGUN_BLOCKED", &["create", "Begun, blocked", "-p", "3"]);
    c.ok(&["start", &begun_blocked]);
    c.ok(&["dep", &begun_blocked, &waiting]);
    let labels = |args: &[&str]| -> Value {
        let v = c.ok_env(args);
        let rows: Vec<Value> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| json!([r["id"], r["status"]]))
            .collect();
        c.norm(&Value::Array(rows))
    };
    snap!(
        "ready_vs_include_started",
        json!({
            "ready": labels(&["ready"]),
            "ready --include-started": labels(&["ready", "--include-started"]),
        })
    );
}

#[test]
fn contract_acceptance_refusal_remedies() {
    let c = Contract::new(None);
    let a = c.create(
        "A",
        &[
            "create",
            "Gated",
            "--acceptance",
            "first",
            "--acceptance",
            "second",
        ],
    );
    c.ok(&["start", &a]);
    let before = c.env.snapshot();
    let v = c.fail_env(&["close", &a], "acceptance_incomplete");
    assert_eq!(c.env.snapshot(), before);
    let e = &v["error"];
    let remedies = e["remedies"].as_array().unwrap();
    // Check the criteria first; forcing is the last resort.
    assert_eq!(
        remedies[0]["command"],
        format!("docket update {a} --ac first --done")
    );
    let last = remedies.last().unwrap();
    assert_eq!(last["args"]["force"], true, "{last}");
    assert!(
        last["command"]
            .as_str()
            .unwrap()
            .starts_with(&format!("docket close {a} --force")),
        "{last}"
    );
    // The hint is built from the remedies, in order.
    let hint = e["hint"].as_str().unwrap();
    let mut at = 0;
    for r in remedies {
        let cmd = r["command"].as_str().unwrap();
        let i = hint[at..]
            .find(cmd)
            .unwrap_or_else(|| panic!("{cmd} not in {hint}"));
        at += i + cmd.len();
    }
    snap!("error_acceptance_incomplete", c.norm(&v));
}

#[test]
fn contract_wrong_ac_title_lists_the_real_titles() {
    let c = Contract::new(None);
    let a = c.create(
        "A",
        &[
            "create",
            "Titled",
            "--acceptance",
            "first",
            "--acceptance",
            "second",
        ],
    );
    let before = c.env.snapshot();
    let v = c.fail_env(
        &["update", &a, "--ac", "First", "--done"],
        "invalid_argument",
    );
    assert_eq!(c.env.snapshot(), before);
    assert_eq!(v["error"]["known"], json!(["first", "second"]));
    snap!("error_wrong_ac_title", c.norm(&v));
}

#[test]
fn contract_plan_first_refusal_lists_every_failing_guard() {
    let c = Contract::new(Some("plan-first"));
    let ada = c.session("architect", "ada");
    let ivan = c.session("implementer", "ivan");
    let a = c.create("A", &["--session", &ada, "create", "No plan yet"]);
    c.ok(&["--session", &ada, "advance", &a]);
    let before = c.env.snapshot();
    // An implementer advancing a ticket in planning without a plan: the role,
    // the missing plan and the missing approval all fail, and all are listed.
    let v = c.fail_env(&["--session", &ivan, "advance", &a], "guard_failed");
    assert_eq!(c.env.snapshot(), before);
    let failing: Vec<&str> = v["error"]["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["guard"].as_str().unwrap())
        .collect();
    assert_eq!(
        failing,
        ["role", "plan_present", "plan_approved_by_other_session"]
    );
    // plan_present cannot be forced, so no force remedy is offered.
    assert!(
        v["error"]["remedies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["args"].get("force").is_none()),
        "{v}"
    );
    snap!("error_plan_first_refusal", c.norm(&v));
}

#[test]
fn force_without_a_reason_is_invalid_but_a_summary_is_the_reason() {
    let c = Contract::new(None);
    let a = c.create("A", &["create", "Forced", "--acceptance", "open"]);
    c.ok(&["start", &a]);
    let before = c.env.snapshot();
    c.fail_env(&["close", &a, "--force"], "invalid_argument");
    assert_eq!(c.env.snapshot(), before);
    let v = lean(&c, &["close", &a, "--force", "--summary", "customer asked"]);
    assert_eq!(
        v["data"]["logged"],
        json!(["violation", "transition", "note"])
    );
    assert!(v["data"]["archived_to"].is_string());
}

#[test]
fn a_writes_answer_stays_small_whatever_the_log_length() {
    let env = TestEnv::init();
    let id = env.create("Busy ticket", &["-d", "Some description."]);
    for i in 0..50 {
        env.ok(&[
            "add-note",
            &id,
            &format!("progress note number {i}, with some words"),
        ]);
    }
    let r = env.run(&["add-note", &id, "one more", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.envelope();
    assert_eq!(v["data"]["logged"], json!(["note"]));
    let size = r.stdout.trim_end().len();
    assert!(size < 600, "{size} bytes: {}", r.stdout);
    // The compact show stays bounded as well: the log's tail only.
    let s = env.ok(&["show", &id]);
    assert_eq!(s["log"].as_array().unwrap().len(), 5);
    assert_eq!(s["log_total"], 52);
    // The full view has every entry.
    assert_eq!(env.show(&id)["log"].as_array().unwrap().len(), 52);
}
