//! End-to-end tests of `docket serve`: the real binary on a free port in a temp
//! project, spoken to over plain HTTP/1.1 (std `TcpStream`). They check the
//! mapping (JSON API, envelope, status codes) and the face's own safety rules;
//! workflow rules themselves are tested in the core and the CLI suite.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_docket");

fn docket(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", root)
        .env("NO_COLOR", "1")
        .env("DOCKET_ACTOR", "tester")
        .current_dir(root)
        .args(args)
        .output()
        .expect("run docket")
}

fn docket_json(root: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = docket(root, &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice::<Value>(&out.stdout).expect("json")["data"].clone()
}

/// A temp project with a running server; the server is killed on drop.
struct Served {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    child: Child,
    port: u16,
}

impl Served {
    fn project() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().to_path_buf();
        docket_json(&root, &["init", "--prefix", "t", "--no-agents"]);
        (tmp, root)
    }

    fn start(extra: &[&str]) -> Served {
        let (tmp, root) = Served::project();
        Served::start_in(tmp, root, extra)
    }

    fn start_in(tmp: tempfile::TempDir, root: PathBuf, extra: &[&str]) -> Served {
        let mut args = vec!["serve"];
        if !extra.contains(&"--port") {
            args.extend_from_slice(&["--port", "0"]);
        }
        args.extend_from_slice(extra);
        let mut child = Command::new(BIN)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &root)
            .env("DOCKET_ACTOR", "web-tester")
            .current_dir(&root)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn docket serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read url");
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|s| s.split('/').next())
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Served {
            _tmp: tmp,
            root,
            child,
            port,
        }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn raw(&self, request: &str) -> Resp {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        s.write_all(request.as_bytes()).expect("write");
        let mut buf = Vec::new();
        // The server may close early on an oversized body; take what came.
        let _ = s.read_to_end(&mut buf);
        Resp::parse(&buf)
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Resp {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            req.push_str(&format!("Content-Length: {}\r\n\r\n{b}", b.len()));
        } else {
            req.push_str("\r\n");
        }
        self.raw(&req)
    }

    fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], None)
    }

    /// The CSRF token the page carries.
    fn csrf(&self) -> String {
        let page = self.get("/").body;
        let at = page
            .find("name=\"csrf-token\" content=\"")
            .expect("csrf meta")
            + 27;
        page[at..at + 32].to_string()
    }

    /// A write as the page makes it: same origin, CSRF token, JSON.
    fn post(&self, path: &str, body: &Value) -> Resp {
        let csrf = self.csrf();
        let origin = self.origin();
        self.request(
            "POST",
            path,
            &[
                ("Origin", &origin),
                ("X-CSRF-Token", &csrf),
                ("Content-Type", "application/json"),
            ],
            Some(&body.to_string()),
        )
    }

    fn ticket_files(&self) -> usize {
        ["tickets", "archive"]
            .iter()
            .map(|d| {
                std::fs::read_dir(self.root.join(".docket").join(d))
                    .map(|r| r.count())
                    .unwrap_or(0)
            })
            .sum()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Resp {
    status: u16,
    head: String,
    body: String,
}

impl Resp {
    fn parse(buf: &[u8]) -> Resp {
        let text = String::from_utf8_lossy(buf).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Resp {
            status,
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.head, self.body))
    }

    fn code(&self) -> String {
        let v = self.json();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["ok"], false, "{v}");
        v["error"]["code"].as_str().unwrap_or("").to_string()
    }
}

#[test]
fn lists_shows_and_boards_tickets_as_envelopes() {
    let (tmp, root) = Served::project();
    let a = docket_json(&root, &["create", "Alpha", "--tags", "ui", "-t", "bug"]);
    docket_json(&root, &["create", "Beta", "--acceptance", "works"]);
    let s = Served::start_in(tmp, root, &[]);

    let r = s.get("/api/tickets");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["data"]["total"], 2);

    let v = s.get("/api/tickets?type=bug").json();
    assert_eq!(v["data"]["total"], 1);
    assert_eq!(v["data"]["items"][0]["title"], "Alpha");
    assert_eq!(
        s.get("/api/tickets?tag=ui&limit=1").json()["data"]["items"][0]["tags"],
        json!(["ui"])
    );
    let v = s.get("/api/tickets?limit=1").json();
    assert_eq!(v["data"]["items"].as_array().map(Vec::len), Some(1));
    let next = v["data"]["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_string();
    assert_eq!(
        s.get(&format!("/api/tickets?limit=1&cursor={next}")).json()["data"]["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(s.get("/api/tickets?q=beta").json()["data"]["total"], 1);
    assert_eq!(s.get("/api/tickets?type=nope").code(), "invalid_argument");
    // Sort and priority reach the web through the same API request.
    let titles = |path: &str| -> Vec<String> {
        s.get(path).json()["data"]["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["title"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(titles("/api/tickets?sort=-title"), vec!["Beta", "Alpha"]);
    assert_eq!(titles("/api/tickets?sort=title"), vec!["Alpha", "Beta"]);
    assert_eq!(titles("/api/tickets?priority=0-1"), Vec::<String>::new());
    assert_eq!(titles("/api/tickets?priority=2&sort=-created").len(), 2);
    assert_eq!(s.get("/api/tickets?sort=bogus").code(), "invalid_argument");
    assert_eq!(s.get("/api/tickets?priority=x").code(), "invalid_argument");

    let id = a["id"].as_str().expect("id");
    let v = s.get(&format!("/api/tickets/{id}")).json();
    assert_eq!(v["data"]["meta"]["title"], "Alpha");
    assert_eq!(v["data"]["chain"]["intact"], true);
    let board = s.get("/api/board").json();
    let cols = board["data"]["columns"].as_array().expect("columns");
    assert_eq!(cols[0]["status"], "open");
    assert_eq!(cols[0]["total"], 2);

    let stats = s.get("/api/stats?window=7d").json();
    assert_eq!(stats["data"]["overview"]["created"], 2, "{stats}");
    assert_eq!(
        s.get("/api/stats?window=forever").code(),
        "invalid_argument"
    );
    let act = s.get("/api/activity?limit=5").json();
    assert_eq!(act["data"]["items"][0]["entry"]["kind"], "created", "{act}");
    let r = s.get("/api/tickets/t-zzzzzzzz");
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "not_found");
    assert_eq!(s.get("/api/nothing").code(), "not_found");
    // The page shell and its assets are served, with a strict CSP.
    let page = s.get("/t/whatever");
    assert_eq!(page.status, 200);
    assert!(
        page.head
            .to_lowercase()
            .contains("content-security-policy: default-src 'self'")
    );
    assert!(s.get("/assets/app.js").body.contains("textContent"));
}

#[test]
fn writes_need_same_origin_and_csrf_token() {
    let s = Served::start(&[]);
    let body = json!({"title": "from the web"}).to_string();
    let csrf = s.csrf();
    let origin = s.origin();
    let ct = ("Content-Type", "application/json");

    let r = s.request(
        "POST",
        "/api/tickets",
        &[("Origin", &origin), ct],
        Some(&body),
    );
    assert_eq!((r.status, r.code().as_str()), (403, "csrf"));
    let r = s.request(
        "POST",
        "/api/tickets",
        &[
            ("Origin", "http://evil.example"),
            ("X-CSRF-Token", &csrf),
            ct,
        ],
        Some(&body),
    );
    assert_eq!((r.status, r.code().as_str()), (403, "bad_origin"));
    let r = s.request(
        "POST",
        "/api/tickets",
        &[("X-CSRF-Token", &csrf), ct],
        Some(&body),
    );
    assert_eq!((r.status, r.code().as_str()), (403, "bad_origin"));
    let r = s.request(
        "POST",
        "/api/tickets",
        &[
            ("Origin", &origin),
            ("X-CSRF-Token", "0".repeat(32).as_str()),
            ct,
        ],
        Some(&body),
    );
    assert_eq!((r.status, r.code().as_str()), (403, "csrf"));
    // A form post (no JSON) is refused too.
    let r = s.request(
        "POST",
        "/api/tickets",
        &[
            ("Origin", &origin),
            ("X-CSRF-Token", &csrf),
            ("Content-Type", "text/plain"),
        ],
        Some(&body),
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (415, "unsupported_media_type")
    );
    // A rebound DNS name is not this server.
    let r = s.raw(&format!(
        "GET /api/tickets HTTP/1.1\r\nHost: evil.example:{}\r\nConnection: close\r\n\r\n",
        s.port
    ));
    assert_eq!((r.status, r.code().as_str()), (403, "bad_host"));
    assert_eq!(s.ticket_files(), 0, "nothing written by refused requests");

    let r = s.post(
        "/api/tickets",
        &json!({"title": "from the web", "tags": ["x"]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()["data"]["id"].as_str().expect("id").to_string();
    assert_eq!(s.ticket_files(), 1);
    let r = s.post(
        &format!("/api/tickets/{id}/notes"),
        &json!({"text": "hello"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let shown = docket_json(&s.root, &["show", &id]);
    assert!(shown.to_string().contains("hello"));
    // Unknown fields and bad JSON are refused with the envelope.
    assert_eq!(
        s.post("/api/tickets", &json!({"title": "x", "evil": 1}))
            .code(),
        "invalid_json"
    );
    assert_eq!(
        s.post("/api/tickets", &json!({"title": ""})).code(),
        "invalid_argument"
    );
}

#[test]
fn ids_with_paths_never_reach_the_filesystem() {
    let s = Served::start(&[]);
    for path in [
        "/api/tickets/..%2F..%2Fetc%2Fpasswd",
        "/api/tickets/..%2Fconfig.toml",
        "/api/tickets/t-1%00",
        "/api/tickets/..",
    ] {
        let r = s.get(path);
        assert!(r.status == 400 || r.status == 404, "{path}: {}", r.status);
        let code = r.code();
        assert!(
            code == "invalid_id" || code == "not_found",
            "{path}: {code}"
        );
    }
    let r = s.get("/api/tickets/%FF%FE");
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_id"));
    let r = s.get("/api/tickets?limit=lots");
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_argument"));
    let r = s.get("/api/tickets/..%2F..%2Fetc%2Fpasswd");
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_id"));
    let r = s.post("/api/tickets/..%2Fconfig/notes", &json!({"text": "x"}));
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_id"));
    let r = s.raw(&format!(
        "GET /api/tickets/../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
        s.port
    ));
    assert_eq!(r.status, 404);
    assert!(!r.body.contains("root:"));
}

#[test]
fn readonly_refuses_every_write() {
    let s = Served::start(&["--readonly"]);
    let r = s.post("/api/tickets", &json!({"title": "nope"}));
    assert_eq!((r.status, r.code().as_str()), (403, "readonly"));
    let r = s.post("/api/sessions", &json!({"role": "architect"}));
    assert_eq!((r.status, r.code().as_str()), (403, "readonly"));
    let r = s.request("DELETE", "/api/tickets", &[], None);
    assert!(r.status == 403 || r.status == 405, "{}", r.status);
    r.code();
    assert_eq!(s.ticket_files(), 0);
    assert_eq!(s.get("/api/info").json()["data"]["readonly"], true);
}

#[test]
fn public_address_without_token_refuses_to_start() {
    let (_tmp, root) = Served::project();
    let out = docket(&root, &["serve", "--host", "0.0.0.0", "--port", "0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--token"), "{err}");
    assert!(err.contains("insecure_bind"), "{err}");
}

#[test]
fn token_is_required_on_every_request_when_set() {
    let s = Served::start(&["--token", "s3cret-token"]);
    let r = s.get("/api/tickets");
    assert_eq!((r.status, r.code().as_str()), (401, "unauthorized"));
    assert_eq!(s.get("/").status, 401);
    let r = s.request(
        "GET",
        "/api/tickets",
        &[("Authorization", "Bearer s3cret-token")],
        None,
    );
    assert_eq!(r.status, 200);
    let r = s.request(
        "GET",
        "/api/tickets",
        &[("Authorization", "Bearer wrong")],
        None,
    );
    assert_eq!(r.status, 401);
    let r = s.get("/?token=s3cret-token");
    assert_eq!(r.status, 200);
    assert!(r.head.contains("docket_token=s3cret-token"), "{}", r.head);
    let r = s.request(
        "GET",
        "/api/info",
        &[("Cookie", "docket_token=s3cret-token")],
        None,
    );
    assert_eq!(r.status, 200);
}

#[test]
fn request_bodies_are_size_limited() {
    let s = Served::start(&[]);
    let big = json!({"title": "x", "description": "a".repeat(2 * 1024 * 1024)});
    let r = s.post("/api/tickets", &big);
    assert_eq!((r.status, r.code().as_str()), (413, "body_too_large"));
    assert_eq!(s.ticket_files(), 0);
}

#[test]
fn a_refused_move_shows_every_verdict_and_changes_nothing() {
    let (tmp, root) = Served::project();
    let t = docket_json(&root, &["create", "Gated", "--acceptance", "tests pass"]);
    let id = t["id"].as_str().expect("id").to_string();
    docket_json(&root, &["start", &id]);
    let s = Served::start_in(tmp, root, &[]);
    let before = std::fs::read_dir(s.root.join(".docket/tickets"))
        .expect("dir")
        .flatten()
        .map(|e| std::fs::read(e.path()).expect("read"))
        .collect::<Vec<_>>();

    let r = s.post(&format!("/api/tickets/{id}/move"), &json!({"to": "closed"}));
    assert_eq!(r.status, 409, "{}", r.body);
    let v = r.json();
    assert_eq!(v["error"]["code"], "acceptance_incomplete");
    let verdicts = v["error"]["details"]["preview"]["verdicts"]
        .as_array()
        .expect("verdicts");
    assert!(
        verdicts
            .iter()
            .any(|x| x["guard"] == "acceptance_complete" && x["passed"] == false)
    );
    assert!(
        !v["error"]["remedies"]
            .as_array()
            .expect("remedies")
            .is_empty()
    );
    let after = std::fs::read_dir(s.root.join(".docket/tickets"))
        .expect("dir")
        .flatten()
        .map(|e| std::fs::read(e.path()).expect("read"))
        .collect::<Vec<_>>();
    assert_eq!(before, after, "a refused move writes nothing");

    let r = s.post(
        &format!("/api/tickets/{id}/move"),
        &json!({"to": "closed", "dry_run": true}),
    );
    assert_eq!(r.json()["data"]["preview"]["allowed"], false);
    let r = s.post(
        &format!("/api/tickets/{id}/criteria"),
        &json!({"title": "tests pass", "done": true}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s.post(&format!("/api/tickets/{id}/move"), &json!({"to": "closed"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"]["changed"]["status"], "closed");
    assert_eq!(
        std::fs::read_dir(s.root.join(".docket/archive"))
            .expect("dir")
            .count(),
        1
    );
}

#[test]
fn plan_approval_needs_another_session_from_the_web_too() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    docket_json(
        &root,
        &[
            "init",
            "--prefix",
            "t",
            "--preset",
            "plan-first",
            "--no-agents",
        ],
    );
    let t = docket_json(&root, &["create", "Planned"]);
    let id = t["id"].as_str().expect("id").to_string();
    let s = Served::start_in(tmp, root, &[]);
    let start = |role: &str| -> String {
        let r = s.post("/api/sessions", &json!({"role": role}));
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.head.contains("docket_session="), "{}", r.head);
        r.json()["data"]["id"].as_str().expect("sid").to_string()
    };
    let architect = start("architect");
    let other = start("architect");
    let as_session = |sid: &str, path: &str, body: Value| -> Resp {
        let csrf = s.csrf();
        let origin = s.origin();
        s.request(
            "POST",
            path,
            &[
                ("Origin", &origin),
                ("X-CSRF-Token", &csrf),
                ("Content-Type", "application/json"),
                ("Cookie", &format!("docket_session={sid}")),
            ],
            Some(&body.to_string()),
        )
    };
    let mv = format!("/api/tickets/{id}/move");
    assert_eq!(
        as_session(&architect, &mv, json!({"to": "planning"})).status,
        200
    );
    let r = as_session(
        &architect,
        &format!("/api/tickets/{id}/plan"),
        json!({"text": "1. do it"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // The plan's author cannot approve it by starting the work.
    let r = as_session(&architect, &mv, json!({"to": "in_progress"}));
    assert_eq!(r.status, 409, "{}", r.body);
    let v = r.json();
    let verdicts = v["error"]["details"]["preview"]["verdicts"]
        .as_array()
        .expect("verdicts");
    assert!(
        verdicts
            .iter()
            .any(|x| x["guard"] == "plan_approved_by_other_session" && x["passed"] == false),
        "{v}"
    );
    // Another session can.
    let r = as_session(&other, &mv, json!({"to": "in_progress"}));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = as_session("s-nonexistent", &mv, json!({}));
    assert_eq!(r.code(), "no_session");
    // Ending a session from the page ends it for every face.
    let r = as_session(&other, "/api/session/end", json!({"id": other}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.head.contains("docket_session=;"), "{}", r.head);
    let listed = s.get("/api/sessions").json();
    assert!(!listed.to_string().contains(&other), "{listed}");
}

#[test]
fn file_changes_reach_open_pages_as_events() {
    let s = Served::start(&[]);
    let mut stream = TcpStream::connect(("127.0.0.1", s.port)).expect("connect");
    stream
        .write_all(format!("GET /events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n", s.port).as_bytes())
        .expect("write");
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .ok();
    let mut seen = String::new();
    let read_until =
        |stream: &mut TcpStream, seen: &mut String, what: &str, within: Duration| -> bool {
            let mut buf = [0u8; 4096];
            let deadline = Instant::now() + within;
            while Instant::now() < deadline {
                if seen.contains(what) {
                    return true;
                }
                if let Ok(n) = stream.read(&mut buf) {
                    seen.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
            seen.contains(what)
        };
    assert!(
        read_until(
            &mut stream,
            &mut seen,
            "event: hello",
            Duration::from_secs(5)
        ),
        "{seen}"
    );
    let t = docket_json(&s.root, &["create", "From the CLI"]);
    let id = t["id"].as_str().expect("id").to_string();
    assert!(
        read_until(&mut stream, &mut seen, &id, Duration::from_secs(3)),
        "no change event for {id}: {seen}"
    );
    assert!(seen.contains("event: change"));
}

#[test]
fn a_busy_port_falls_back_to_a_free_one() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let busy = holder.local_addr().expect("addr").port().to_string();
    let (tmp, root) = Served::project();
    let s = Served::start_in(tmp, root, &["--port", &busy]);
    assert_ne!(s.port.to_string(), busy);
    assert_eq!(s.get("/api/info").status, 200);
}

#[test]
fn the_ticket_page_reports_a_tampered_audit_chain() {
    let (tmp, root) = Served::project();
    let t = docket_json(&root, &["create", "Audited"]);
    let id = t["id"].as_str().expect("id").to_string();
    docket_json(&root, &["add-note", &id, "original words"]);
    let s = Served::start_in(tmp, root, &[]);
    let path = |s: &Served| {
        std::fs::read_dir(s.root.join(".docket/tickets"))
            .expect("dir")
            .flatten()
            .map(|e| e.path())
            .next()
            .expect("file")
    };
    let v = s.get(&format!("/api/tickets/{id}")).json();
    assert_eq!(v["data"]["chain"]["intact"], true);
    let file = path(&s);
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replace("original words", "forged words")).expect("write");
    let v = s.get(&format!("/api/tickets/{id}")).json();
    assert_eq!(v["data"]["chain"]["intact"], false, "{v}");
}

#[test]
fn the_global_session_flag_is_the_default_acting_session() {
    let (tmp, root) = Served::project();
    let sess = docket_json(
        &root,
        &[
            "session",
            "--role",
            "implementer",
            "--name",
            "webby",
            "--detach",
        ],
    );
    let sid = sess["id"].as_str().expect("sid").to_string();
    let out = docket(
        &root,
        &["serve", "--port", "0", "--session", "nobody-like-this"],
    );
    assert!(!out.status.success(), "an unknown session refuses to start");
    let s = Served::start_in(tmp, root, &["--session", &sid]);
    let info = s.get("/api/info").json();
    assert_eq!(info["data"]["session"]["name"], "webby", "{info}");
    let r = s.post("/api/tickets", &json!({"title": "as webby"}));
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()["data"]["id"].as_str().expect("id").to_string();
    let shown = docket_json(&s.root, &["show", &id, "--full"]);
    assert!(shown.to_string().contains("webby (implementer)"), "{shown}");
}
