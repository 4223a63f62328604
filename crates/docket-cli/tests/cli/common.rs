//! `TestEnv`: a temporary home with a project folder, and helpers to run the
//! built `docket` binary in it and to parse its `--json` envelopes.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parse stdout as exactly one JSON envelope line and check its shape.
    pub fn envelope(&self) -> Value {
        let trimmed = self.stdout.trim_end_matches('\n');
        assert!(
            !trimmed.is_empty() && !trimmed.contains('\n'),
            "stdout must be exactly one JSON line, got:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        let v: Value = serde_json::from_str(trimmed).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        });
        assert_envelope_shape(&v);
        v
    }
}

/// `{schema_version: 1, ok, data|error, meta?}` and nothing else.
pub fn assert_envelope_shape(v: &Value) {
    let obj = v.as_object().expect("envelope is an object");
    let version = obj.get("schema_version").and_then(Value::as_u64);
    assert!(matches!(version, Some(1..=3)), "{v}");
    let ok = obj
        .get("ok")
        .and_then(Value::as_bool)
        .expect("ok is a bool");
    for k in obj.keys() {
        assert!(
            ["schema_version", "ok", "data", "error", "meta"].contains(&k.as_str()),
            "unexpected envelope key `{k}` in {v}"
        );
    }
    if obj.contains_key("error") {
        assert!(!ok, "error envelope must have ok:false: {v}");
        assert!(
            !obj.contains_key("data"),
            "error envelope must not carry data: {v}"
        );
        let err = &obj["error"];
        assert!(err["code"].is_string(), "error.code: {v}");
        assert!(err["message"].is_string(), "error.message: {v}");
    } else {
        assert!(obj.contains_key("data"), "success envelope needs data: {v}");
    }
}

pub struct TestEnv {
    _tmp: tempfile::TempDir,
    /// The temporary folder, used as $HOME; not a project.
    pub home: PathBuf,
    /// `<home>/proj`, where commands run by default.
    pub root: PathBuf,
}

impl TestEnv {
    /// A fresh folder without a project.
    pub fn new() -> TestEnv {
        let tmp = tempfile::Builder::new()
            .prefix("docket-e2e-")
            .tempdir()
            .expect("tempdir");
        let home = tmp.path().canonicalize().expect("canonical tempdir");
        let root = home.join("proj");
        std::fs::create_dir_all(&root).expect("create project folder");
        TestEnv {
            _tmp: tmp,
            home,
            root,
        }
    }

    /// A fresh folder with `docket init --prefix dk` already run.
    pub fn init() -> TestEnv {
        let env = TestEnv::new();
        env.ok(&["init", "--prefix", "dk"]);
        env
    }

    pub fn docket_dir(&self) -> PathBuf {
        self.root.join(".docket")
    }

    pub fn tickets_dir(&self) -> PathBuf {
        self.docket_dir().join("tickets")
    }

    pub fn archive_dir(&self) -> PathBuf {
        self.docket_dir().join("archive")
    }

    /// A hermetic `std::process::Command` for the binary, started in `dir`.
    pub fn std_command_in(&self, dir: &Path) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("docket"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("DOCKET_ACTOR", "tester")
            .env("NO_COLOR", "1")
            .current_dir(dir);
        c
    }

    /// A hermetic assert_cmd `Command`, started in `dir`.
    pub fn cmd_in<S: AsRef<OsStr>>(&self, dir: &Path, args: &[S]) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("docket").expect("docket binary");
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("DOCKET_ACTOR", "tester")
            .env("NO_COLOR", "1")
            .current_dir(dir)
            .args(args);
        c
    }

    pub fn cmd<S: AsRef<OsStr>>(&self, args: &[S]) -> assert_cmd::Command {
        self.cmd_in(&self.root, args)
    }

    pub fn run_cmd(mut c: assert_cmd::Command) -> Run {
        let out = c.output().expect("run docket");
        Run {
            code: out.status.code().expect("exit code"),
            stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
        }
    }

    /// Run in the project root.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        Self::run_cmd(self.cmd(args))
    }

    /// Run in `dir`.
    pub fn run_in<S: AsRef<OsStr>>(&self, dir: &Path, args: &[S]) -> Run {
        Self::run_cmd(self.cmd_in(dir, args))
    }

    /// Run in the project root with `DOCKET_NOW` pinned.
    pub fn run_at<S: AsRef<OsStr>>(&self, now: &str, args: &[S]) -> Run {
        let mut c = self.cmd(args);
        c.env("DOCKET_NOW", now);
        Self::run_cmd(c)
    }

    /// Run with `--json` appended and return the parsed envelope.
    pub fn json(&self, args: &[&str]) -> (Value, i32) {
        let mut a: Vec<&str> = args.to_vec();
        a.push("--json");
        let r = self.run(&a);
        (r.envelope(), r.code)
    }

    /// Run with `--json`, expect success (exit 0, ok:true) and return the envelope.
    pub fn ok_env(&self, args: &[&str]) -> Value {
        let mut a: Vec<&str> = args.to_vec();
        a.push("--json");
        let r = self.run(&a);
        let v = r.envelope();
        assert_eq!(
            r.code,
            0,
            "`docket {}` failed:\n{}\n{}",
            args.join(" "),
            r.stdout,
            r.stderr
        );
        assert_eq!(v["ok"], true, "{v}");
        v
    }

    /// Run with `--json`, expect success and return `data`.
    pub fn ok(&self, args: &[&str]) -> Value {
        self.ok_env(args)["data"].clone()
    }

    /// Like [`TestEnv::ok`] for a write: writes answer lean (schema 2: id,
    /// handle, status, changed, logged), so this returns the whole ticket after
    /// the write (`show --full`) with the lean answer's keys merged in. Reads
    /// pass through unchanged.
    pub fn okw(&self, args: &[&str]) -> Value {
        let data = self.ok(args);
        self.full_after(data)
    }

    fn full_after(&self, data: Value) -> Value {
        if !is_lean_write(&data) {
            return data;
        }
        let id = data["id"].as_str().expect("id");
        let mut full = self.show(id);
        for k in ["handle", "changed", "logged", "archived_to"] {
            if let Some(v) = data.get(k) {
                full[k] = v.clone();
            }
        }
        full
    }

    /// Run with `--json`, expect exit 1 with `error.code == code`; return `error`.
    pub fn fail(&self, args: &[&str], code: &str) -> Value {
        let mut a: Vec<&str> = args.to_vec();
        a.push("--json");
        let r = self.run(&a);
        let v = r.envelope();
        assert_eq!(
            r.code,
            1,
            "`docket {}` should exit 1:\n{}\n{}",
            args.join(" "),
            r.stdout,
            r.stderr
        );
        assert_eq!(v["ok"], false, "{v}");
        assert_eq!(v["error"]["code"], code, "`docket {}`: {v}", args.join(" "));
        v["error"].clone()
    }

    /// Create a ticket (extra flags allowed) and return its id.
    pub fn create(&self, title: &str, extra: &[&str]) -> String {
        let mut a = vec!["create", title];
        a.extend_from_slice(extra);
        let data = self.ok(&a);
        data["id"].as_str().expect("id").to_string()
    }

    /// The file of ticket `id`, live or archived.
    pub fn path_of(&self, id: &str) -> PathBuf {
        self.try_path_of(id)
            .unwrap_or_else(|| panic!("no file for {id}"))
    }

    pub fn try_path_of(&self, id: &str) -> Option<PathBuf> {
        for dir in [self.tickets_dir(), self.archive_dir()] {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name == format!("{id}.md") || name.starts_with(&format!("{id}--")) {
                    return Some(e.path());
                }
            }
        }
        None
    }

    pub fn read(&self, id: &str) -> String {
        std::fs::read_to_string(self.path_of(id)).expect("read ticket")
    }

    /// Every file under tickets/ and archive/ with its bytes, for "nothing written".
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        for dir in [self.tickets_dir(), self.archive_dir()] {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                out.insert(e.path(), std::fs::read(e.path()).expect("read"));
            }
        }
        out
    }

    /// Write a hand-made ticket file into `tickets/` or `archive/`.
    pub fn write_file(&self, sub: &str, name: &str, text: &str) -> PathBuf {
        let path = self.docket_dir().join(sub).join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// `show --full --json` data of one ticket.
    pub fn show(&self, id: &str) -> Value {
        self.ok(&["show", "--full", id])
    }
}

/// Whether `data` is the lean answer of a single-ticket write (schema 2):
/// `{id, handle, status, changed?, logged?, archived_to?}` and nothing else.
/// A no-op write has neither `changed` nor `logged`.
pub fn is_lean_write(data: &Value) -> bool {
    let Some(obj) = data.as_object() else {
        return false;
    };
    ["id", "handle", "status"]
        .iter()
        .all(|k| obj.contains_key(*k))
        && obj.keys().all(|k| {
            ["id", "handle", "status", "changed", "logged", "archived_to"].contains(&k.as_str())
        })
}

/// The frontmatter keys of a ticket file, in order (top-level keys only).
pub fn frontmatter_keys(text: &str) -> Vec<String> {
    let rest = text.strip_prefix("---\n").expect("frontmatter start");
    let end = rest.find("\n---\n").expect("frontmatter end");
    rest[..end]
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('-') && l.contains(':'))
        .map(|l| l.split(':').next().unwrap_or("").to_string())
        .collect()
}

/// The `id` strings of a JSON array of tickets.
pub fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_string())
        .collect()
}

/// `v` as a list of strings.
pub fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

/// The part of an id after `<prefix>-`.
pub fn suffix(id: &str) -> &str {
    id.split_once('-').map(|(_, s)| s).unwrap_or(id)
}

// ---------------------------------------------------------------------------
// Plan-first workflow helpers: presets, sessions, log inspection.

impl TestEnv {
    /// A fresh folder with `docket init --prefix dk --preset <preset>` already run.
    pub fn init_preset(preset: &str) -> TestEnv {
        let env = TestEnv::new();
        env.ok(&["init", "--prefix", "dk", "--preset", preset]);
        env
    }

    /// Start a session with `role` and `name`; return its id.
    pub fn session(&self, role: &str, name: &str) -> String {
        let s = self.ok(&["session", "--role", role, "--name", name]);
        s["id"].as_str().expect("session id").to_string()
    }

    /// `args` run as session `sid` (the global `--session` flag).
    pub fn as_session<'a>(sid: &'a str, args: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["--session", sid];
        a.extend_from_slice(args);
        a
    }

    /// `ok` as session `sid`.
    pub fn ok_as(&self, sid: &str, args: &[&str]) -> Value {
        self.ok(&Self::as_session(sid, args))
    }

    /// [`TestEnv::okw`] as session `sid`.
    pub fn okw_as(&self, sid: &str, args: &[&str]) -> Value {
        self.okw(&Self::as_session(sid, args))
    }

    /// `fail` as session `sid`.
    pub fn fail_as(&self, sid: &str, args: &[&str], code: &str) -> Value {
        self.fail(&Self::as_session(sid, args), code)
    }

    /// Run with extra environment variables.
    pub fn run_with<S: AsRef<OsStr>>(&self, args: &[S], envs: &[(&str, &str)]) -> Run {
        let mut c = self.cmd(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        Self::run_cmd(c)
    }

    /// Every session file with its bytes.
    pub fn sessions_snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        let dir = self.docket_dir().join("local").join("sessions");
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                out.insert(e.path(), std::fs::read(e.path()).expect("read"));
            }
        }
        out
    }

    /// `check --json`: exit code and the issue codes, in order.
    pub fn check_codes(&self) -> (i32, Vec<String>, Value) {
        let r = self.run(&["check", "--json"]);
        let v = r.envelope();
        let codes = v["data"]["issues"]
            .as_array()
            .unwrap_or_else(|| panic!("issues: {v}"))
            .iter()
            .map(|i| i["code"].as_str().expect("code").to_string())
            .collect();
        (r.code, codes, v["data"]["issues"].clone())
    }

    /// Assert `check` exits 0 with no issues at all, but for
    /// `same_actor_approval` warnings: every session of the harness acts for
    /// one user (`DOCKET_ACTOR=tester`), so every approval is one.
    pub fn assert_check_clean(&self) {
        let (code, codes, issues) = self.check_codes();
        assert_eq!(code, 0, "check not clean: {issues}");
        assert!(
            codes.iter().all(|c| c == "same_actor_approval"),
            "check issues: {issues}"
        );
    }
}

/// The `kind` of every entry of a `show --json` `log` array.
pub fn log_kinds(ticket: &Value) -> Vec<String> {
    ticket["log"]
        .as_array()
        .unwrap_or_else(|| panic!("no log: {ticket}"))
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_string())
        .collect()
}
