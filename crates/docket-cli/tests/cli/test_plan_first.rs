//! The plan-first workflow end to end: sessions with roles, plans that freeze on
//! approval, guards (and forcing them), `advance` and its previews, custom roles,
//! and parallel sessions chosen by `DOCKET_SESSION`.

use serde_json::{Value, json};

use crate::common::{TestEnv, log_kinds};

/// A plan-first project with two architects (ada, bob) and an implementer (ian).
struct Pf {
    env: TestEnv,
    a: String,
    b: String,
    i: String,
}

fn plan_first() -> Pf {
    let env = TestEnv::init_preset("plan-first");
    let a = env.session("architect", "ada");
    let b = env.session("architect", "bob");
    let i = env.session("implementer", "ian");
    Pf { env, a, b, i }
}

impl Pf {
    /// ada creates a ticket and moves it to planning.
    fn in_planning(&self, title: &str, extra: &[&str]) -> String {
        let mut args = vec!["create", title];
        args.extend_from_slice(extra);
        let id = self.env.ok_as(&self.a, &args)["id"]
            .as_str()
            .unwrap()
            .to_string();
        let t = self.env.okw_as(&self.a, &["advance", &id]);
        assert_eq!(t["status"], "planning");
        id
    }

    /// ... and writes its plan.
    fn planned(&self, title: &str, extra: &[&str]) -> String {
        let id = self.in_planning(title, extra);
        self.env
            .okw_as(&self.a, &["plan", &id, "--body", "Step 1: do it"]);
        id
    }

    /// ... and bob approves it (now in_progress).
    fn approved(&self, title: &str, extra: &[&str]) -> String {
        let id = self.planned(title, extra);
        let t = self.env.okw_as(&self.b, &["advance", &id]);
        assert_eq!(t["status"], "in_progress");
        id
    }

    /// ... and ian submits it (now done).
    fn submitted(&self, title: &str) -> String {
        let id = self.approved(title, &[]);
        let t = self.env.okw_as(&self.i, &["advance", &id]);
        assert_eq!(t["status"], "done");
        id
    }
}

fn actors(t: &Value) -> Vec<String> {
    t["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap().to_string())
        .collect()
}

/// The last log entry of a ticket.
fn last_entry(t: &Value) -> Value {
    t["log"].as_array().unwrap().last().unwrap().clone()
}

// 1. Full lifecycle -----------------------------------------------------------

#[test]
fn full_lifecycle_with_four_sessions() {
    let Pf { env, a, b, i } = plan_first();
    // A fourth session that only reviews the plan during planning.
    let r = env.session("architect", "rae");

    let t = env.okw_as(&a, &["create", "Feature X", "--acceptance", "tests pass"]);
    let id = t["id"].as_str().unwrap().to_string();
    assert_eq!(t["status"], "todo");
    assert_eq!(env.okw_as(&a, &["advance", &id])["status"], "planning");
    let t = env.okw_as(
        &a,
        &["plan", &id, "--body", "1. parse\n2. store\n### risks\nnone"],
    );
    assert_eq!(t["plan"]["revisions"].as_array().unwrap().len(), 1);
    assert!(t["plan"]["frozen"].is_null());

    // A comment during planning is not a deviation.
    let t = env.okw_as(&r, &["comment", &id, "looks sound"]);
    assert_eq!(last_entry(&t)["kind"], "comment");
    assert!(last_entry(&t)["data"].get("deviation").is_none());

    // ada wrote the plan: her approval is refused, nothing written.
    let before = env.snapshot();
    let err = env.fail_as(&a, &["advance", &id], "guard_failed");
    assert_eq!(err["guard"], "plan_approved_by_other_session");
    assert_eq!(err["forceable"], true);
    assert_eq!(err["id"], id.as_str());
    assert_eq!(env.snapshot(), before);

    // bob approves, with a note.
    let t = env.okw_as(&b, &["advance", &id, "--note", "approved, go ahead"]);
    assert_eq!(t["status"], "in_progress");
    let frozen = &t["plan"]["frozen"];
    assert_eq!(frozen["version"], 1);
    assert_eq!(frozen["approver"], "bob (architect)");
    assert_eq!(frozen["session"], b.as_str());
    assert_eq!(frozen["hash"], t["plan"]["revisions"][0]["hash"]);
    assert_eq!(frozen["hash"].as_str().unwrap().len(), 32);
    assert_eq!(
        t["notes"],
        json!([{"at": t["updated"], "author": "bob (architect)", "text": "approved, go ahead"}])
    );

    // ian works: a comment against the frozen plan is a deviation.
    let t = env.okw_as(&i, &["comment", &id, "used serde instead of a hand parser"]);
    let devs = t["plan"]["deviations"].as_array().unwrap();
    assert_eq!(devs.len(), 1);
    assert_eq!(devs[0]["text"], "used serde instead of a hand parser");
    assert_eq!(devs[0]["actor"], "ian (implementer)");
    assert_eq!(devs[0]["data"]["deviation"], "true");
    env.okw_as(&i, &["update", &id, "--ac", "tests pass", "--done"]);
    let note = env.home.join("handover.md");
    std::fs::write(&note, "Result: parser and store done.\nSee PR 12.\n").unwrap();
    let t = env.okw_as(&i, &["advance", &id, "--note-file", note.to_str().unwrap()]);
    assert_eq!(t["status"], "done");
    assert_eq!(
        last_entry(&t)["text"],
        "Result: parser and store done.\nSee PR 12."
    );

    // ada (who did not implement) verifies, then archives.
    let t = env.okw_as(&a, &["advance", &id]);
    assert_eq!(t["status"], "verified");
    let live = env.path_of(&id);
    assert!(live.starts_with(env.tickets_dir()));
    let name = live.file_name().unwrap().to_string_lossy().into_owned();
    let v = env.ok_env(&["--session", &a, "advance", &id]);
    assert_eq!(v["data"]["status"], "archived");
    assert_eq!(v["data"]["archived_to"], format!(".docket/archive/{name}"));
    assert!(v.get("meta").is_none(), "{v}");
    assert!(!live.exists());
    assert!(env.archive_dir().join(&name).is_file());

    let t = env.show(&id);
    assert_eq!(
        log_kinds(&t),
        vec![
            "created",
            "transition",
            "plan",
            "comment",
            "approval",
            "transition",
            "note",
            "comment",
            "edit",
            "transition",
            "note",
            "transition",
            "transition",
        ]
    );
    let (ada, bob, ian, rae) = (
        "ada (architect)",
        "bob (architect)",
        "ian (implementer)",
        "rae (architect)",
    );
    assert_eq!(
        actors(&t),
        vec![
            ada, ada, ada, rae, bob, bob, bob, ian, ian, ian, ian, ada, ada
        ]
    );
    let moves: Vec<(String, String)> = t["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "transition")
        .map(|e| {
            (
                e["data"]["from"].as_str().unwrap().to_string(),
                e["data"]["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("todo", "planning"),
        ("planning", "in_progress"),
        ("in_progress", "done"),
        ("done", "verified"),
        ("verified", "archived"),
    ]
    .iter()
    .map(|(f, t)| (f.to_string(), t.to_string()))
    .collect();
    assert_eq!(moves, want);
    // Entries are numbered and chained.
    let log = t["log"].as_array().unwrap();
    for (k, e) in log.iter().enumerate() {
        assert_eq!(e["n"], k as u64 + 1);
        if k == 0 {
            assert_eq!(e["prev"], "00000000000000000000000000000000");
        } else {
            assert_eq!(e["prev"], log[k - 1]["hash"]);
        }
    }
    assert_eq!(log[4]["data"]["version"], "1");
    assert_eq!(log[4]["data"]["plan_hash"], t["plan"]["frozen"]["hash"]);
    assert_eq!(t["log_intact"], true);
    assert_eq!(t["plan"]["frozen"]["approver"], bob);
    assert_eq!(t["plan"]["deviations"].as_array().unwrap().len(), 1);
    assert_eq!(t["status"], "archived");
    assert!(t["closed"].is_string());

    // Human `show` prints the history.
    let r = env.run(&["show", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("History (13 entries, hash chain intact)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Deviations"), "{}", r.stdout);
    assert!(
        r.stdout.contains("approved by bob (architect)"),
        "{}",
        r.stdout
    );

    env.assert_check_clean();
}

// 2. Isolation and roles ------------------------------------------------------

#[test]
fn approval_by_the_plan_author_or_an_implementer_is_refused() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.planned("Isolated", &[]);
    let before = env.snapshot();
    let sessions = env.sessions_snapshot();

    let err = env.fail_as(&pf.a, &["advance", &id], "guard_failed");
    assert_eq!(err["guard"], "plan_approved_by_other_session");
    assert!(
        err["message"].as_str().unwrap().contains("ada (architect)"),
        "{err}"
    );
    // Naming the target explicitly changes nothing.
    let err = env.fail_as(
        &pf.a,
        &["advance", &id, "--to", "in_progress"],
        "guard_failed",
    );
    assert_eq!(err["guard"], "plan_approved_by_other_session");

    let err = env.fail_as(&pf.i, &["advance", &id], "guard_failed");
    assert_eq!(err["guard"], "role");
    assert_eq!(err["forceable"], true);
    assert!(
        err["message"].as_str().unwrap().contains("architect"),
        "{err}"
    );

    // Without --session, the folder default (the last session started: ian) acts.
    let r = env.run(&["advance", &id, "--json"]);
    assert_eq!(r.code, 1);
    let v = r.envelope();
    // The folder default is the last session started (ian).
    assert_eq!(v["error"]["guard"], "role");

    assert_eq!(env.snapshot(), before);
    // Refused moves still count as activity for the acting session, but
    // never create or remove sessions.
    assert_eq!(
        env.sessions_snapshot().keys().collect::<Vec<_>>(),
        sessions.keys().collect::<Vec<_>>()
    );

    // A revision by bob makes bob the author: now ada may approve, bob may not.
    env.okw_as(
        &pf.b,
        &["plan", &id, "--body", "Step 1: do it\nStep 2: test it"],
    );
    let err = env.fail_as(&pf.b, &["advance", &id], "guard_failed");
    assert_eq!(err["guard"], "plan_approved_by_other_session");
    let t = env.okw_as(&pf.a, &["advance", &id]);
    assert_eq!(t["plan"]["frozen"]["version"], 2);
    assert_eq!(t["plan"]["frozen"]["approver"], "ada (architect)");
}

#[test]
fn implementer_cannot_verify_own_work() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.submitted("Own work");
    let before = env.snapshot();
    let err = env.fail_as(&pf.i, &["advance", &id], "guard_failed");
    assert_eq!(err["guard"], "role");
    // The preview shows both reasons.
    let r = env.run(&["--session", &pf.i, "advance", &id, "--dry-run", "--json"]);
    assert_eq!(r.code, 1);
    let v = r.envelope();
    let failed: Vec<&str> = v["data"]["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["passed"] == false)
        .map(|x| x["guard"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec!["role", "verifier_not_implementer"]);
    assert_eq!(env.snapshot(), before);
    // bob did not submit it: he may verify.
    assert_eq!(env.okw_as(&pf.b, &["advance", &id])["status"], "verified");
}

#[test]
fn verifier_not_implementer_is_enforced_for_an_architect_like_role() {
    let pf = plan_first();
    let env = &pf.env;
    env.ok(&["role", "create", "security-expert", "--like", "architect"]);
    let sec = env.session("security-expert", "sec");
    let id = pf.approved("Audit fix", &[]);
    // sec submits (only implementers may: forced, recorded) ...
    let t = env.okw_as(
        &sec,
        &[
            "advance",
            &id,
            "--force",
            "--reason",
            "security fix, done myself",
        ],
    );
    assert_eq!(t["status"], "done");
    // ... and cannot verify its own submission: the role passes, isolation does not.
    let before = env.snapshot();
    let err = env.fail_as(&sec, &["advance", &id], "guard_failed");
    assert_eq!(err["guard"], "verifier_not_implementer");
    assert_eq!(err["forceable"], true);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("sec (security-expert)")
    );
    let r = env.run(&["--session", &sec, "advance", &id, "--explain", "--json"]);
    assert_eq!(r.code, 1);
    let v = r.envelope();
    let verdicts: Vec<(String, bool)> = v["data"]["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["guard"].as_str().unwrap().to_string(),
                x["passed"] == true,
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("role".to_string(), true),
            ("verifier_not_implementer".to_string(), false),
            ("children_done".to_string(), true),
        ]
    );
    assert_eq!(env.snapshot(), before);
    // Another architect verifies.
    assert_eq!(env.okw_as(&pf.a, &["advance", &id])["status"], "verified");
    env.assert_check_clean();
}

// 3. Forcing ------------------------------------------------------------------

#[test]
fn force_with_reason_passes_role_and_records_a_violation() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.planned("Hotfix", &[]);
    let t = env.okw_as(
        &pf.i,
        &[
            "advance",
            &id,
            "--force",
            "--reason",
            "prod is down, no second architect online",
        ],
    );
    assert_eq!(t["status"], "in_progress");
    let log = t["log"].as_array().unwrap();
    let n = log.len();
    let kinds: Vec<&str> = log[n - 3..]
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["violation", "approval", "transition"]);
    let v = &log[n - 3];
    assert_eq!(v["actor"], "ian (implementer)");
    assert_eq!(v["session"], pf.i.as_str());
    assert_eq!(v["role"], "implementer");
    assert_eq!(
        v["data"],
        json!({"guards": "role", "from": "planning", "to": "in_progress"})
    );
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("role"), "{text}");
    assert!(
        text.contains("prod is down, no second architect online"),
        "{text}"
    );
    assert_eq!(t["log_intact"], true);
    // The violation is visible in the human history too.
    let r = env.run(&["show", &id]);
    assert!(r.stdout.contains("violation"), "{}", r.stdout);
    env.assert_check_clean();

    // Both the role and the isolation guard are named when both fail.
    let id2 = pf.planned("Solo", &[]);
    let t = env.okw_as(
        &pf.a,
        &["advance", &id2, "--force", "--reason", "solo project"],
    );
    let v = t["log"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "violation")
        .unwrap()
        .clone();
    assert_eq!(v["data"]["guards"], "plan_approved_by_other_session");
    assert!(v["text"].as_str().unwrap().contains("solo project"));
}

#[test]
fn force_needs_a_non_blank_reason() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.planned("Needs reason", &[]);
    let before = env.snapshot();
    // The message names the missing reason (it now says "`force` needs a
    // non-blank `reason`", the API's field names; reported to the lead).
    let err = env.fail_as(&pf.i, &["advance", &id, "--force"], "invalid_argument");
    assert!(err["message"].as_str().unwrap().contains("reason"), "{err}");
    let err = env.fail_as(
        &pf.i,
        &["advance", &id, "--force", "--reason", "   "],
        "invalid_argument",
    );
    assert!(err["message"].as_str().unwrap().contains("reason"), "{err}");
    // A reason with a log marker line is refused as well.
    env.fail_as(
        &pf.i,
        &["advance", &id, "--force", "--reason", "x\n<!-- log n=1 -->"],
        "invalid_argument",
    );
    // Human form: a usage error on stderr, exit 1.
    let r = env.run(&["--session", &pf.i, "advance", &id, "--force"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("reason"), "{}", r.stderr);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn plan_present_cannot_be_forced() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.in_planning("No plan", &[]);
    let before = env.snapshot();
    let err = env.fail_as(&pf.b, &["advance", &id], "guard_failed");
    assert_eq!(err["guard"], "plan_present");
    assert_eq!(err["forceable"], false);
    for sid in [&pf.b, &pf.i] {
        let err = env.fail_as(
            sid,
            &["advance", &id, "--force", "--reason", "we know what to do"],
            "guard_failed",
        );
        assert_eq!(err["guard"], "plan_present");
        assert_eq!(err["forceable"], false);
    }
    // Human form says it cannot be forced.
    let r = env.run(&[
        "--session",
        &pf.b,
        "advance",
        &id,
        "--force",
        "--reason",
        "x",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("plan_present"), "{}", r.stderr);
    assert!(
        r.stderr.contains("--force cannot pass this guard"),
        "{}",
        r.stderr
    );
    // The first remedy is to write the plan.
    assert!(
        r.stderr
            .contains(&format!("hint: `docket plan {id} --body '<the plan>'`")),
        "{}",
        r.stderr
    );
    let r = env.run(&["--session", &pf.b, "advance", &id, "--explain"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("(cannot be forced)"), "{}", r.stdout);
    assert_eq!(env.snapshot(), before);
    assert_eq!(env.show(&id)["status"], "planning");
}

// 4. Plans --------------------------------------------------------------------

#[test]
fn plan_revisions_are_versioned_and_showable() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.in_planning("Versioned", &[]);
    // --body
    let t = env.okw_as(&pf.a, &["plan", &id, "--body", "first plan"]);
    assert_eq!(t["plan"]["text"], "first plan");
    // --file
    let f = env.home.join("plan.md");
    std::fs::write(&f, "second plan\n\n### Steps\n- one\n- two\n").unwrap();
    let t = env.okw_as(&pf.a, &["plan", &id, "--file", f.to_str().unwrap()]);
    let revs = t["plan"]["revisions"].as_array().unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[1]["version"], 2);
    assert_eq!(revs[1]["text"], "second plan\n\n### Steps\n- one\n- two");
    assert_ne!(revs[0]["hash"], revs[1]["hash"]);

    // An identical plan (whitespace aside) is a no-op: the file is untouched.
    let before = env.snapshot();
    let r = env.run(&[
        "--session",
        &pf.a,
        "plan",
        &id,
        "--file",
        f.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut c = env.cmd(&["--session", &pf.a, "plan", &id, "--stdin", "--json"]);
    c.write_stdin("  second plan\r\n\r\n### Steps\r\n- one\r\n- two\r\n\n");
    let r = TestEnv::run_cmd(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Same plan again (CR/space differences only): no change, nothing logged.
    let w = r.envelope()["data"].clone();
    assert!(
        w.get("changed").is_none() && w.get("logged").is_none(),
        "{w}"
    );
    assert_eq!(
        env.show(&id)["plan"]["revisions"].as_array().unwrap().len(),
        2
    );
    assert_eq!(env.snapshot(), before);

    // --stdin, by another session.
    let mut c = env.cmd(&["--session", &pf.b, "plan", &id, "--stdin", "--json"]);
    c.write_stdin("third plan from stdin\n");
    let r = TestEnv::run_cmd(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let w = r.envelope()["data"].clone();
    assert_eq!(w["changed"], json!({"plan": true}), "{w}");
    assert_eq!(w["logged"], json!(["plan"]), "{w}");
    let t = env.show(&id);
    assert_eq!(t["plan"]["revisions"][2]["version"], 3);
    assert_eq!(t["plan"]["revisions"][2]["author"], "bob (architect)");
    assert_eq!(t["plan"]["text"], "third plan from stdin");
    assert!(env.read(&id).contains("## Plan\n\nthird plan from stdin\n"));

    // --show: latest, or a given revision.
    let s = env.okw(&["plan", &id, "--show"]);
    assert_eq!(s["version"], 3);
    assert_eq!(s["frozen"], false);
    assert_eq!(s["revision"]["text"], "third plan from stdin");
    let s = env.okw(&["plan", &id, "--show", "--revision", "1"]);
    assert_eq!(s["id"], id.as_str());
    assert_eq!(s["version"], 1);
    assert_eq!(s["revision"]["text"], "first plan");
    assert_eq!(s["revision"]["author"], "ada (architect)");
    let r = env.run(&["plan", &id, "--show", "--revision", "2"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("plan v2 of"), "{}", r.stdout);
    assert!(r.stdout.contains("### Steps"), "{}", r.stdout);
    env.fail(
        &["plan", &id, "--show", "--revision", "9"],
        "invalid_argument",
    );
    // --revision needs --show.
    env.fail(&["plan", &id, "--revision", "1"], "invalid_argument");

    // After approval, --show reports the frozen revision.
    env.okw_as(&pf.a, &["advance", &id]);
    let s = env.okw(&["plan", &id, "--show"]);
    assert_eq!(s["version"], 3);
    assert_eq!(s["frozen"], true);
    let s = env.okw(&["plan", &id, "--show", "--revision", "1"]);
    assert_eq!(s["frozen"], false);
    env.assert_check_clean();
}

#[test]
fn plan_outside_planning_is_refused_before_and_after_approval() {
    let pf = plan_first();
    let env = &pf.env;
    let id = env.okw_as(&pf.a, &["create", "Early"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = env.snapshot();
    let err = env.fail_as(&pf.a, &["plan", &id, "--body", "too early"], "plan_frozen");
    assert!(
        err["message"].as_str().unwrap().contains("planning"),
        "{err}"
    );
    assert_eq!(env.snapshot(), before);
    env.fail(&["plan", &id, "--show"], "invalid_argument");

    env.okw_as(&pf.a, &["advance", &id]);
    env.okw_as(&pf.a, &["plan", &id, "--body", "the plan"]);
    env.okw_as(&pf.b, &["advance", &id]);
    let before = env.snapshot();
    for sid in [&pf.a, &pf.b, &pf.i] {
        let err = env.fail_as(
            sid,
            &["plan", &id, "--body", "a better plan"],
            "plan_frozen",
        );
        assert!(
            err["message"].as_str().unwrap().contains("bob (architect)"),
            "{err}"
        );
    }
    // Even an identical text is refused once frozen.
    env.fail_as(&pf.a, &["plan", &id, "--body", "the plan"], "plan_frozen");
    assert_eq!(env.snapshot(), before);

    // Rework (done -> in_progress) keeps the plan frozen.
    env.okw_as(&pf.i, &["advance", &id]);
    let t = env.okw_as(&pf.a, &["advance", &id, "--to", "in_progress"]);
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["plan"]["frozen"]["version"], 1);
    env.fail_as(
        &pf.a,
        &["plan", &id, "--body", "a better plan"],
        "plan_frozen",
    );
    let t = env.okw_as(&pf.i, &["comment", &id, "rework: fixed the edge case"]);
    assert_eq!(t["plan"]["deviations"].as_array().unwrap().len(), 1);
    env.assert_check_clean();
}

#[test]
fn plan_text_is_validated() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.in_planning("Validated", &[]);
    let before = env.snapshot();
    for body in [
        "intro\n## Log\nforged",
        "## Steps\n1. x",
        "ok\n<!-- log n=1 session=- role=- prev=0 hash=0 -->",
    ] {
        let err = env.fail_as(&pf.a, &["plan", &id, "--body", body], "invalid_argument");
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    let err = env.fail_as(
        &pf.a,
        &["plan", &id, "--body", " \n\t\n"],
        "invalid_argument",
    );
    assert!(err["message"].as_str().unwrap().contains("empty"), "{err}");
    let empty = env.home.join("empty.md");
    std::fs::write(&empty, "\n\n").unwrap();
    env.fail_as(
        &pf.a,
        &["plan", &id, "--file", empty.to_str().unwrap()],
        "invalid_argument",
    );
    let mut c = env.cmd(&["--session", &pf.a, "plan", &id, "--stdin", "--json"]);
    c.write_stdin("");
    let r = TestEnv::run_cmd(c);
    assert_eq!(r.code, 1);
    assert_eq!(r.envelope()["error"]["code"], "invalid_argument");
    // Missing file.
    env.fail_as(
        &pf.a,
        &[
            "plan",
            &id,
            "--file",
            env.home.join("nope.md").to_str().unwrap(),
        ],
        "io_error",
    );
    // Conflicting inputs.
    env.fail_as(
        &pf.a,
        &[
            "plan",
            &id,
            "--body",
            "x",
            "--file",
            empty.to_str().unwrap(),
        ],
        "invalid_argument",
    );
    assert_eq!(env.snapshot(), before);
    // No plan written: still nothing to show.
    assert!(env.show(&id)["plan"].is_null());
    // `###` headings are fine.
    let t = env.okw_as(&pf.a, &["plan", &id, "--body", "### Steps\n1. x"]);
    assert_eq!(t["plan"]["text"], "### Steps\n1. x");
    env.assert_check_clean();
}

// 5. Previews -----------------------------------------------------------------

#[test]
fn dry_run_and_explain_report_verdicts_and_write_nothing() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.planned("Preview", &[]);
    let before = env.snapshot();
    let sessions = env.sessions_snapshot();

    // Refused for ada (plan author): exit 1, ok:false with data.
    let r = env.run(&["--session", &pf.a, "advance", &id, "--dry-run", "--json"]);
    assert_eq!(r.code, 1);
    let v = r.envelope();
    assert_eq!(v["ok"], false);
    let d = &v["data"];
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["id", "from", "to", "allowed", "verdicts"]);
    assert_eq!(d["id"], id.as_str());
    assert_eq!(d["from"], "planning");
    assert_eq!(d["to"], "in_progress");
    assert_eq!(d["allowed"], false);
    let names: Vec<&str> = d["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["guard"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "role",
            "plan_present",
            "plan_approved_by_other_session",
            "deps_done"
        ]
    );
    for x in d["verdicts"].as_array().unwrap() {
        let mut k: Vec<&String> = x.as_object().unwrap().keys().collect();
        k.sort();
        assert_eq!(k, vec!["forceable", "guard", "items", "message", "passed"]);
    }
    assert_eq!(d["verdicts"][2]["passed"], false);
    assert_eq!(d["verdicts"][2]["items"], json!(["ada (architect)"]));
    assert_eq!(d["verdicts"][1]["forceable"], false);

    // Would pass for bob: exit 0, ok:true.
    let r = env.run(&["--session", &pf.b, "advance", &id, "--dry-run", "--json"]);
    assert_eq!(r.code, 0);
    let v = r.envelope();
    assert_eq!(v["ok"], true);
    assert_eq!(v["data"]["allowed"], true);
    assert!(
        v["data"]["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["passed"] == true)
    );

    // --explain has the same JSON; --to is honoured.
    let r = env.run(&["--session", &pf.b, "advance", &id, "--explain", "--json"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.envelope()["data"]["verdicts"].as_array().unwrap().len(),
        4
    );
    let r = env.run(&[
        "--session",
        &pf.b,
        "advance",
        &id,
        "--to",
        "cancelled",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(r.code, 0);
    let v = r.envelope();
    assert_eq!(v["data"]["to"], "cancelled");
    assert_eq!(v["data"]["verdicts"][0]["guard"], "role");

    // Human output: --dry-run lists only failures, --explain every guard.
    let r = env.run(&["--session", &pf.a, "advance", &id, "--dry-run"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("would be refused"), "{}", r.stdout);
    assert!(
        r.stdout.contains("FAIL plan_approved_by_other_session"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("pass role"), "{}", r.stdout);
    let r = env.run(&["--session", &pf.a, "advance", &id, "--explain"]);
    assert_eq!(r.code, 1);
    for g in [
        "pass role",
        "pass plan_present",
        "FAIL plan_approved_by_other_session",
        "pass deps_done",
    ] {
        assert!(r.stdout.contains(g), "{g}: {}", r.stdout);
    }
    let r = env.run(&["--session", &pf.b, "advance", &id, "--explain"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("would pass"), "{}", r.stdout);

    // Previews of invalid moves are errors, not verdicts.
    env.fail_as(
        &pf.b,
        &["advance", &id, "--to", "archived", "--dry-run"],
        "transition_not_allowed",
    );
    env.fail_as(
        &pf.b,
        &["advance", &id, "--to", "nowhere", "--explain"],
        "invalid_argument",
    );
    // --dry-run and --explain do not combine.
    env.fail_as(
        &pf.b,
        &["advance", &id, "--dry-run", "--explain"],
        "invalid_argument",
    );

    assert_eq!(env.snapshot(), before);
    assert_eq!(
        env.sessions_snapshot(),
        sessions,
        "a preview touched a session"
    );
}

// 6. advance: next status and errors ----------------------------------------

#[test]
fn advance_walks_the_simple_preset() {
    let env = TestEnv::init();
    let id = env.create("Simple", &[]);
    let t = env.okw(&["advance", &id]);
    assert_eq!(t["status"], "in_progress");
    let v = env.ok_env(&["advance", &id, "--note", "shipped"]);
    assert_eq!(v["data"]["status"], "closed");
    assert!(
        v["data"]["archived_to"]
            .as_str()
            .unwrap()
            .starts_with(".docket/archive/")
    );
    assert_eq!(v["data"]["logged"], json!(["transition", "note"]));
    let t = env.show(&id);
    assert_eq!(t["notes"][0]["text"], "shipped");
    assert_eq!(t["notes"][0]["author"], "tester");
    let before = env.snapshot();
    let err = env.fail(&["advance", &id], "invalid_argument");
    assert!(err["message"].as_str().unwrap().contains("closed"), "{err}");
    env.fail(&["advance", &id, "--to", "doing"], "invalid_argument");
    assert_eq!(env.snapshot(), before);
    // The simple preset's gates still apply to advance.
    let g = env.create("Gated", &["--acceptance", "works"]);
    env.okw(&["advance", &g]);
    let before = env.snapshot();
    let err = env.fail(&["advance", &g], "acceptance_incomplete");
    assert_eq!(err["open_acceptance"], json!([{"title": "works"}]));
    assert_eq!(env.snapshot(), before);
    let t = env.okw(&["advance", &g, "--force", "--reason", "verified by hand"]);
    assert_eq!(t["status"], "closed");
    let kinds = log_kinds(&t);
    assert_eq!(kinds[kinds.len() - 2..], ["violation", "transition"]);
    env.assert_check_clean();
}

#[test]
fn advance_walks_the_plan_first_preset_and_refuses_bad_targets() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.approved("Walk", &[]);
    assert_eq!(env.okw_as(&pf.i, &["advance", &id])["status"], "done");
    assert_eq!(env.okw_as(&pf.a, &["advance", &id])["status"], "verified");
    assert_eq!(env.okw_as(&pf.a, &["advance", &id])["status"], "archived");
    let before = env.snapshot();
    let err = env.fail_as(&pf.a, &["advance", &id], "invalid_argument");
    assert!(err["message"].as_str().unwrap().contains("--to"), "{err}");
    env.fail_as(
        &pf.a,
        &["advance", &id, "--to", "nowhere"],
        "invalid_argument",
    );
    assert_eq!(env.snapshot(), before);

    let t = env.okw_as(&pf.a, &["create", "Fresh"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before2 = env.snapshot();
    let err = env.fail_as(
        &pf.a,
        &["advance", &t, "--to", "done"],
        "transition_not_allowed",
    );
    assert_eq!(err["from"], "todo");
    assert_eq!(err["to"], "done");
    env.fail_as(&pf.a, &["advance", &t, "--to", "open"], "invalid_argument");
    env.fail_as(
        &pf.a,
        &["advance", &t, "--to", "verified"],
        "transition_not_allowed",
    );
    env.fail_as(&pf.a, &["advance", "dk-zzzzzz"], "not_found");
    assert_eq!(env.snapshot(), before2);
    // Moving to the current status is a no-op.
    let r = env.run(&["--session", &pf.a, "advance", &t, "--to", "todo"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env.snapshot(), before2);
    // Cancel and revive go through the architect rules.
    env.fail_as(&pf.i, &["advance", &t, "--to", "cancelled"], "guard_failed");
    let v = env.ok_env(&["--session", &pf.a, "advance", &t, "--to", "cancelled"]);
    assert_eq!(v["data"]["status"], "cancelled");
    assert!(v["data"]["archived_to"].is_string());
    assert!(env.path_of(&t).starts_with(env.archive_dir()));
    let t2 = env.okw_as(&pf.a, &["advance", &t, "--to", "todo"]);
    assert_eq!(t2["status"], "todo");
    assert!(env.path_of(&t).starts_with(env.tickets_dir()));
    env.assert_check_clean();
}

// 7. start / close in plan-first ---------------------------------------------

#[test]
fn start_and_close_go_through_the_plan_first_guards() {
    let pf = plan_first();
    let env = &pf.env;
    let todo = env.okw_as(&pf.a, &["create", "Todo"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = env.snapshot();
    let err = env.fail_as(&pf.a, &["start", &todo], "transition_not_allowed");
    assert_eq!(err["to"], "in_progress");
    let err = env.fail_as(&pf.a, &["close", &todo], "transition_not_allowed");
    assert_eq!(err["to"], "archived");
    env.fail_as(&pf.a, &["status", &todo, "done"], "transition_not_allowed");
    env.fail_as(
        &pf.a,
        &["update", &todo, "--status", "in_progress"],
        "transition_not_allowed",
    );
    assert_eq!(env.snapshot(), before);

    // `start` from planning is the approval, with the same guards.
    let p = pf.planned("Start me", &[]);
    let before = env.snapshot();
    let err = env.fail_as(&pf.a, &["start", &p], "guard_failed");
    assert_eq!(err["guard"], "plan_approved_by_other_session");
    let err = env.fail_as(&pf.i, &["start", &p], "guard_failed");
    assert_eq!(err["guard"], "role");
    assert_eq!(env.snapshot(), before);
    let t = env.okw_as(&pf.b, &["start", &p]);
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["plan"]["frozen"]["approver"], "bob (architect)");

    env.okw_as(&pf.i, &["status", &p, "done"]);
    env.okw_as(&pf.a, &["status", &p, "verified"]);
    // close from verified -> archived: architects only.
    let before = env.snapshot();
    let err = env.fail_as(&pf.i, &["close", &p], "guard_failed");
    assert_eq!(err["guard"], "role");
    assert_eq!(env.snapshot(), before);
    let v = env.ok_env(&["--session", &pf.a, "close", &p, "--summary", "released"]);
    assert_eq!(v["data"]["status"], "archived");
    assert!(v["data"]["archived_to"].is_string());
    assert!(env.path_of(&p).starts_with(env.archive_dir()));
    assert_eq!(last_entry(&env.show(&p))["text"], "released");
    env.assert_check_clean();
}

// 8. Custom roles and expired sessions ---------------------------------------

#[test]
fn custom_architect_role_can_approve() {
    let pf = plan_first();
    let env = &pf.env;
    env.ok(&["role", "create", "security-expert", "--like", "architect"]);
    env.ok(&["role", "create", "junior", "--like", "implementer"]);
    let sec = env.session("security-expert", "sec");
    let jun = env.session("junior", "jun");
    let id = pf.planned("Needs security review", &[]);
    let before = env.snapshot();
    let err = env.fail_as(&jun, &["advance", &id], "guard_failed");
    assert_eq!(err["guard"], "role");
    assert_eq!(env.snapshot(), before);
    let t = env.okw_as(&sec, &["advance", &id, "--note", "threat model ok"]);
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["plan"]["frozen"]["approver"], "sec (security-expert)");
    let approval = t["log"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "approval")
        .unwrap()
        .clone();
    assert_eq!(approval["role"], "security-expert");
    assert_eq!(approval["session"], sec.as_str());
    // The junior implementer may submit.
    assert_eq!(env.okw_as(&jun, &["advance", &id])["status"], "done");
    env.assert_check_clean();
}

#[test]
fn expired_sessions_can_no_longer_act() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.planned("Stale", &[]);
    let r = env.run_with(
        &["session", "--role", "architect", "--name", "old", "--json"],
        &[("DOCKET_NOW", "2020-01-01T00:00:00Z")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let old = r.envelope()["data"]["id"].as_str().unwrap().to_string();
    // Before cleanup, it could approve (dry run).
    let r = env.run(&["--session", &old, "advance", &id, "--dry-run", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = env.ok(&["cleanup"]);
    let expired: Vec<&str> = v["expired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(expired, vec!["old"]);

    let before = env.snapshot();
    for args in [
        vec!["--session", old.as_str(), "advance", id.as_str()],
        vec!["--session", "old", "advance", id.as_str()],
        vec!["--session", old.as_str(), "comment", id.as_str(), "hello"],
        vec![
            "--session",
            old.as_str(),
            "plan",
            id.as_str(),
            "--body",
            "x",
        ],
        vec![
            "--session",
            old.as_str(),
            "advance",
            id.as_str(),
            "--dry-run",
        ],
    ] {
        let err = env.fail(&args, "no_session");
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    let r = env.run_with(&["advance", &id, "--json"], &[("DOCKET_SESSION", &old)]);
    assert_eq!(r.code, 1);
    assert_eq!(r.envelope()["error"]["code"], "no_session");
    assert_eq!(env.snapshot(), before);
    // The live sessions still work.
    assert_eq!(
        env.okw_as(&pf.b, &["advance", &id])["status"],
        "in_progress"
    );
}

// 9. Parallel sessions --------------------------------------------------------

fn spawn(env: &TestEnv, sid: &str, args: &[&str]) -> std::process::Child {
    env.std_command_in(&env.root)
        .env("DOCKET_SESSION", sid)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn docket")
}

fn wait_ok(c: std::process::Child) -> Value {
    let out = c.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "parallel docket failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).expect("json")
}

#[test]
fn parallel_sessions_by_env_approve_and_comment_without_losing_entries() {
    let pf = plan_first();
    let env = &pf.env;
    let tickets: Vec<String> = (0..4)
        .map(|k| pf.planned(&format!("Parallel {k}"), &[]))
        .collect();

    // bob approves all four at once, one process each.
    let running: Vec<_> = tickets
        .iter()
        .map(|id| spawn(env, &pf.b, &["advance", id, "--json"]))
        .collect();
    for c in running {
        let v = wait_ok(c);
        assert_eq!(v["data"]["status"], "in_progress");
    }
    for id in &tickets {
        let t = env.show(id);
        assert_eq!(t["status"], "in_progress");
        assert_eq!(t["plan"]["frozen"]["approver"], "bob (architect)");
        assert_eq!(
            log_kinds(&t),
            vec!["created", "transition", "plan", "approval", "transition"]
        );
        assert_eq!(t["log_intact"], true);
    }

    // Six sessions comment on one ticket, three comments each, all at once.
    let target = &tickets[0];
    let sessions: Vec<(String, String)> = (0..6)
        .map(|k| {
            let role = if k % 2 == 0 {
                "implementer"
            } else {
                "architect"
            };
            let name = format!("agent{k}");
            (env.session(role, &name), format!("{name} ({role})"))
        })
        .collect();
    let running: Vec<_> = sessions
        .iter()
        .enumerate()
        .flat_map(|(k, (sid, _))| {
            (0..3)
                .map(|j| {
                    spawn(
                        env,
                        sid,
                        &["comment", target, &format!("c{k}-{j}"), "--json"],
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for c in running {
        wait_ok(c);
    }
    let t = env.show(target);
    assert_eq!(t["log_intact"], true);
    let log = t["log"].as_array().unwrap();
    assert_eq!(log.len(), 5 + 18);
    for (k, (_, label)) in sessions.iter().enumerate() {
        for j in 0..3 {
            let e = log
                .iter()
                .find(|e| e["text"] == format!("c{k}-{j}"))
                .unwrap_or_else(|| panic!("comment c{k}-{j} lost"));
            assert_eq!(e["actor"], label.as_str());
            assert_eq!(e["data"]["deviation"], "true");
        }
    }
    assert_eq!(t["plan"]["deviations"].as_array().unwrap().len(), 18);
    env.assert_check_clean();
}

#[test]
fn racing_approvals_of_one_ticket_approve_it_once() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.planned("Contended", &[]);
    let approvers: Vec<String> = (0..4)
        .map(|k| env.session("architect", &format!("arch{k}")))
        .collect();
    let running: Vec<_> = approvers
        .iter()
        .map(|sid| spawn(env, sid, &["advance", &id, "--to", "in_progress", "--json"]))
        .collect();
    for c in running {
        wait_ok(c);
    }
    let t = env.show(&id);
    assert_eq!(t["status"], "in_progress");
    assert_eq!(
        log_kinds(&t),
        vec!["created", "transition", "plan", "approval", "transition"]
    );
    assert_eq!(t["log_intact"], true);
    env.assert_check_clean();
}

#[test]
fn a_revived_ticket_is_replanned_and_approved_again() {
    let pf = plan_first();
    let env = &pf.env;
    let id = pf.approved("Revived", &[]);
    let v = env.ok_env(&["--session", &pf.a, "advance", &id, "--to", "cancelled"]);
    assert!(v["data"]["archived_to"].is_string());
    assert!(env.path_of(&id).starts_with(env.archive_dir()));
    assert_eq!(
        env.okw_as(&pf.a, &["advance", &id, "--to", "todo"])["status"],
        "todo"
    );
    let t = env.okw_as(&pf.a, &["advance", &id]);
    assert_eq!(t["status"], "planning");
    // The old approval still describes v1 until a new revision is written.
    assert_eq!(t["plan"]["frozen"]["version"], 1);
    let t = env.okw_as(
        &pf.b,
        &["plan", &id, "--body", "Step 1: do it again, better"],
    );
    assert!(t["plan"]["frozen"].is_null());
    assert_eq!(t["plan"]["revisions"][1]["version"], 2);
    // bob wrote v2 (ada wrote v1): now bob may not approve, ada may.
    let before = env.snapshot();
    let err = env.fail_as(&pf.b, &["advance", &id], "guard_failed");
    assert_eq!(err["guard"], "plan_approved_by_other_session");
    assert_eq!(env.snapshot(), before);
    let mut c = env.cmd(&["--session", &pf.a, "advance", &id, "--note-stdin", "--json"]);
    c.write_stdin("second approval\n");
    let r = TestEnv::run_cmd(c);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let w = r.envelope()["data"].clone();
    assert_eq!(w["status"], "in_progress");
    assert_eq!(
        w["logged"],
        json!(["approval", "transition", "note"]),
        "{w}"
    );
    let t = env.show(&id);
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["plan"]["frozen"]["version"], 2);
    assert_eq!(t["plan"]["frozen"]["approver"], "ada (architect)");
    assert_eq!(last_entry(&t)["text"], "second approval");
    let approvals = log_kinds(&t).iter().filter(|k| *k == "approval").count();
    assert_eq!(approvals, 2);
    env.assert_check_clean();
}

#[test]
fn a_refused_move_leaves_the_session_untouched_and_a_later_success_touches_it() {
    let env = TestEnv::init_preset("plan-first");
    let ada = env.session("architect", "ada");
    let t = env.okw_as(&ada, &["create", "x"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = env.sessions_snapshot();
    let tickets = env.snapshot();
    let later = env.run_at(
        "2030-01-01T00:00:00Z",
        &["--session", &ada, "advance", &t, "--to", "done"],
    );
    assert_eq!(later.code, 1, "{}", later.stderr);
    assert_eq!(env.sessions_snapshot(), before);
    assert_eq!(env.snapshot(), tickets);
    let ok = env.run_at("2030-01-01T00:00:00Z", &["--session", &ada, "advance", &t]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_ne!(env.sessions_snapshot(), before);
}
