//! `docket log` (usage entries) and `docket stats` (figures computed from the
//! audit logs of a project built at known times with `DOCKET_NOW`).

use serde_json::{Value, json};

use crate::common::{TestEnv, log_kinds};

/// Run `args --json` at `now`, expect success, return `data`.
fn at(env: &TestEnv, now: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let r = env.run_at(now, &a);
    assert_eq!(
        r.code,
        0,
        "`docket {}`: {}{}",
        args.join(" "),
        r.stdout,
        r.stderr
    );
    r.envelope()["data"].clone()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

#[test]
fn log_records_a_usage_entry() {
    let env = TestEnv::init();
    let id = env.create("work", &[]);
    let w = env.ok(&[
        "log",
        &id,
        "--input",
        "1000",
        "--output",
        "200",
        "--cached",
        "50",
        "--tools",
        "7",
        "--duration",
        "3m20s",
        "--cost",
        "0.12",
        "--model",
        "opus",
        "--note",
        "first pass",
    ]);
    assert_eq!(w["logged"], json!(["usage"]));
    assert!(w.get("changed").is_none(), "usage changes no field: {w}");
    let t = env.show(&id);
    let e = t["log"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(e["kind"], "usage");
    assert_eq!(e["actor"], "tester");
    assert_eq!(e["text"], "first pass");
    assert_eq!(
        e["data"],
        json!({"input": "1000", "output": "200", "cached": "50", "tools": "7",
               "duration_s": "200", "cost": "0.12", "model": "opus"})
    );
    // ISO 8601 durations and a plain token total work too; the chain stays intact.
    env.ok(&["log", &id, "--tokens", "500", "--duration", "PT5M"]);
    let t = env.show(&id);
    assert_eq!(log_kinds(&t), ["created", "usage", "usage"]);
    let e = t["log"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(e["data"], json!({"tokens": "500", "duration_s": "300"}));
    env.ok(&["check"]);
    // Human output: one line.
    let r = env.run(&["log", &id, "--tools", "1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("logged usage on "), "{}", r.stdout);
}

#[test]
fn log_refuses_bad_input_and_writes_nothing() {
    let env = TestEnv::init();
    let id = env.create("work", &[]);
    let before = env.snapshot();
    env.fail(&["log", &id], "invalid_argument");
    env.fail(
        &["log", &id, "--model", "opus", "--note", "x"],
        "invalid_argument",
    );
    env.fail(&["log", &id, "--duration", "soon"], "invalid_argument");
    env.fail(&["log", &id, "--duration", "-5m"], "invalid_argument");
    env.fail(&["log", &id, "--cost", "-1"], "invalid_argument");
    env.fail(&["log", &id, "--cost", "NaN"], "invalid_argument");
    env.fail(&["log", &id, "--tokens", "-5"], "invalid_argument");
    env.fail(&["log", &id, "--tokens", "x"], "invalid_argument");
    env.fail(
        &["log", &id, "--tokens", "1", "--note", "## heading"],
        "invalid_argument",
    );
    env.fail(&["log", "dk-nope", "--tokens", "1"], "not_found");
    env.fail(
        &["log", &id, "--tokens", "1", "--bogus"],
        "invalid_argument",
    );
    assert_eq!(env.snapshot(), before);
    let r = env.run(&["log", "--help"]);
    assert_eq!(r.code, 0);
    for flag in [
        "--tokens",
        "--input",
        "--output",
        "--cached",
        "--tools",
        "--duration",
        "--cost",
        "--model",
        "--note",
    ] {
        assert!(r.stdout.contains(flag), "{flag}");
    }
}

/// A simple-preset project with known times:
/// - A: created 11-20 10:00, started 11:00, 1 usage at 12:00, closed 13:00,
///   reopened 11-23 09:00;
/// - B: created 11-20 10:00, started 11-21 10:00, 1 usage 11-21 12:00,
///   closed 11-22 10:00;
/// - C (bug, critical): created 11-21 09:00, still open.
fn known_project() -> (TestEnv, String, String, String) {
    let env = TestEnv::init();
    let a = id_of(&at(&env, "2026-11-20T10:00:00Z", &["create", "A"]));
    let b = id_of(&at(
        &env,
        "2026-11-20T10:00:00Z",
        &["create", "B", "-a", "bo"],
    ));
    at(&env, "2026-11-20T11:00:00Z", &["start", &a]);
    at(
        &env,
        "2026-11-20T12:00:00Z",
        &[
            "log",
            &a,
            "--input",
            "1000",
            "--output",
            "500",
            "--tools",
            "4",
            "--duration",
            "10m",
            "--cost",
            "0.5",
            "--model",
            "m-a",
        ],
    );
    at(&env, "2026-11-20T13:00:00Z", &["close", &a]);
    let c = id_of(&at(
        &env,
        "2026-11-21T09:00:00Z",
        &["create", "C", "-t", "bug", "--tier", "critical"],
    ));
    at(&env, "2026-11-21T10:00:00Z", &["start", &b]);
    at(
        &env,
        "2026-11-21T12:00:00Z",
        &[
            "log",
            &b,
            "--tokens",
            "3000",
            "--duration",
            "1h",
            "--cost",
            "1.25",
            "--model",
            "m-b",
        ],
    );
    at(&env, "2026-11-22T10:00:00Z", &["close", &b]);
    at(&env, "2026-11-23T09:00:00Z", &["reopen", &a]);
    (env, a, b, c)
}

#[test]
fn stats_figures_from_known_times() {
    let (env, a, b, _c) = known_project();
    let s = at(
        &env,
        "2026-11-27T12:00:00Z",
        &["stats", "--since", "2026-11-20", "--until", "2026-11-22"],
    );
    assert_eq!(s["since"], "2026-11-20T00:00:00Z");
    assert_eq!(
        s["until"], "2026-11-23T00:00:00Z",
        "a date as --until includes that day"
    );
    assert_eq!(s["tickets"], 3);
    let o = &s["overview"];
    assert_eq!(
        (
            o["created"].clone(),
            o["started"].clone(),
            o["closed"].clone(),
            o["reopened"].clone()
        ),
        (json!(3), json!(2), json!(2), json!(0))
    );
    assert_eq!(o["active_tickets"], 3);
    assert_eq!(o["violations"], 0);
    // Cycle time: A 3h and B 48h end to end; A 2h and B 24h from start.
    let ct = &s["cycle_time"];
    assert_eq!(
        ct["end_to_end"],
        json!({"count": 2, "median_s": 10800, "p90_s": 172800})
    );
    assert_eq!(
        ct["active_to_close"],
        json!({"count": 2, "median_s": 7200, "p90_s": 86400})
    );
    assert_eq!(
        ct["per_status"],
        json!([
            {"status": "open", "count": 2, "median_s": 3600, "p90_s": 86400},
            {"status": "in_progress", "count": 2, "median_s": 7200, "p90_s": 86400},
        ])
    );
    // Throughput per UTC day.
    let tp = &s["throughput"];
    assert_eq!(tp["bucket_days"], 1);
    assert_eq!(
        tp["buckets"],
        json!([
            {"day": "2026-11-20", "created": 2, "closed": 1},
            {"day": "2026-11-21", "created": 1, "closed": 0},
            {"day": "2026-11-22", "created": 0, "closed": 1},
        ])
    );
    assert_eq!(tp["closed_per_day"], 0.67);
    // Burn.
    let burn = &s["burn"];
    assert_eq!(
        burn["total"],
        json!({"entries": 2, "tokens": 4500, "input": 1000, "output": 500, "cached": 0,
               "tools": 4, "duration_s": 4200, "cost": 1.75})
    );
    let keys = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|k| k["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys(&burn["by_model"]), ["m-b", "m-a"]);
    assert_eq!(keys(&burn["by_ticket"]), [b.clone(), a.clone()]);
    assert_eq!(burn["by_ticket"][0]["title"], "B");
    assert_eq!(keys(&burn["by_type"]), ["task"]);
    assert_eq!(keys(&burn["by_session"]), ["tester"]);
    // Distribution: current statuses of open tickets and those active in the span.
    assert_eq!(
        s["distribution"]["status"],
        json!([{"key": "open", "count": 2}, {"key": "closed", "count": 1}])
    );
    assert_eq!(
        s["distribution"]["type"],
        json!([{"key": "task", "count": 2}, {"key": "bug", "count": 1}])
    );
    assert!(
        s.get("plan_first").is_none(),
        "simple preset has no planning"
    );
}

#[test]
fn stats_window_and_filters() {
    let (env, _a, _b, _c) = known_project();
    // The last 24h before 11-23 12:00: only A's reopen.
    let s = at(&env, "2026-11-23T12:00:00Z", &["stats"]);
    assert_eq!(s["since"], "2026-11-22T12:00:00Z");
    assert_eq!(s["overview"]["reopened"], 1);
    assert_eq!(s["overview"]["closed"], 0);
    assert_eq!(s["overview"]["active_tickets"], 1);
    // 7 days back from 11-23 12:00 sees everything.
    let s = at(&env, "2026-11-23T12:00:00Z", &["stats", "--window", "7d"]);
    assert_eq!(s["overview"]["created"], 3);
    assert_eq!(s["throughput"]["buckets"].as_array().unwrap().len(), 8);
    // Filters match current fields.
    let s = at(
        &env,
        "2026-11-23T12:00:00Z",
        &["stats", "--window", "7d", "--type", "bug"],
    );
    assert_eq!(
        (s["tickets"].clone(), s["overview"]["created"].clone()),
        (json!(1), json!(1))
    );
    let s = at(
        &env,
        "2026-11-23T12:00:00Z",
        &["stats", "--window", "7d", "--tier", "critical"],
    );
    assert_eq!(s["tickets"], 1);
    // `start` assigned A and B to the one who started them.
    let s = at(
        &env,
        "2026-11-23T12:00:00Z",
        &["stats", "--window", "7d", "--assignee", "tester"],
    );
    assert_eq!(
        (s["tickets"].clone(), s["overview"]["closed"].clone()),
        (json!(2), json!(2))
    );
    let s = at(
        &env,
        "2026-11-23T12:00:00Z",
        &["stats", "--window", "7d", "--assignee", "bo"],
    );
    assert_eq!(s["tickets"], 0);
    let s = at(
        &env,
        "2026-11-23T12:00:00Z",
        &["stats", "--window", "7d", "--status", "closed"],
    );
    assert_eq!(s["tickets"], 1);
    // --until with a time, --since with a time.
    let s = at(
        &env,
        "2026-11-27T00:00:00Z",
        &[
            "stats",
            "--since",
            "2026-11-20T10:30:00Z",
            "--until",
            "2026-11-20T12:30:00Z",
        ],
    );
    assert_eq!(s["overview"]["started"], 1);
    assert_eq!(s["overview"]["created"], 0);
    assert_eq!(s["burn"]["total"]["entries"], 1);
}

#[test]
fn stats_refuses_bad_input() {
    let (env, ..) = known_project();
    for args in [
        &["stats", "--window", "soon"][..],
        &["stats", "--window", "0h"],
        &["stats", "--since", "yesterday"],
        &["stats", "--since", "2026-11-22", "--until", "2026-11-21"],
        &["stats", "--type", "nope"],
        &["stats", "--tier", "huge"],
        &["stats", "--verified"],
        &["stats", "--status", "nope"],
        &["stats", "--window", "7d", "--since", "2026-11-01"],
    ] {
        env.fail(args, "invalid_argument");
    }
}

#[test]
fn stats_human_report_has_charts() {
    let (env, ..) = known_project();
    let r = env.run_at("2026-11-23T12:00:00Z", &["stats", "--window", "7d"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = &r.stdout;
    for want in [
        "Overview",
        "Cycle time",
        "Throughput",
        "Resource burn",
        "Distribution",
        "by model",
        "m-b",
    ] {
        assert!(out.contains(want), "missing {want}:\n{out}");
    }
    assert!(out.contains('█'), "bars:\n{out}");
    assert!(
        out.chars().any(|c| "▁▂▃▄▅▆▇".contains(c)),
        "sparkline:\n{out}"
    );
    assert!(out.contains("created → closed"), "{out}");
}

#[test]
fn stats_plan_first_metrics() {
    let env = TestEnv::init_preset("plan-first");
    let a = env.session("architect", "ada");
    let b = env.session("architect", "bob");
    let i = env.session("implementer", "ian");
    let id = env.ok_as(&a, &["create", "PF"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.ok_as(&a, &["advance", &id]);
    env.ok_as(&a, &["plan", &id, "--body", "v1"]);
    env.ok_as(&a, &["plan", &id, "--body", "v2"]);
    env.ok_as(&b, &["advance", &id]);
    env.ok_as(&i, &["comment", &id, "had to change the parser"]);
    env.ok_as(&i, &["log", &id, "--tokens", "10", "--model", "x"]);
    env.ok_as(&i, &["advance", &id]);
    env.ok_as(&a, &["advance", &id, "--to", "in_progress"]);
    env.ok_as(&i, &["advance", &id]);
    let s = env.ok(&["stats"]);
    let pf = &s["plan_first"];
    assert_eq!(pf["approvals"], 1);
    assert_eq!(pf["revisions_max"], 2);
    assert_eq!(pf["revisions_mean"], 2.0);
    assert_eq!(pf["deviations"], 1);
    assert_eq!(pf["tickets_with_deviations"], 1);
    assert_eq!(pf["deviations_per_ticket"], 1.0);
    assert_eq!(pf["submissions"], 2);
    assert_eq!(pf["rework_rate"], 0.5);
    assert_eq!(s["overview"]["reworked"], 1);
    assert_eq!(s["overview"]["started"], 1);
    assert_eq!(s["overview"]["verified"], 0);
    assert_eq!(s["burn"]["by_session"][0]["key"], "ian (implementer)");
    assert_eq!(s["burn"]["by_model"][0]["key"], "x");
    // --verified is --status verified: the ticket is in done, so none match yet.
    assert_eq!(env.ok(&["stats", "--verified"])["tickets"], 0);
    env.ok_as(&b, &["advance", &id]);
    let s = env.ok(&["stats", "--verified"]);
    assert_eq!(s["tickets"], 1);
    assert_eq!(s["overview"]["verified"], 1);
}
