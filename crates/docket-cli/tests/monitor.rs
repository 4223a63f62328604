//! `docket monitor` in a real terminal: tmux runs it, `send-keys` drives it,
//! `capture-pane` reads the screen. tmux is required (scripts/test.sh installs
//! it); a missing tmux fails these tests, it never skips them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_docket");

/// A private tmux server (its own socket) and a temporary project.
struct Tmux {
    socket: String,
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Tmux {
    fn new(name: &str) -> Tmux {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "tmux is required for the monitor tests (apt-get install tmux)"
        );
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap().join("proj");
        std::fs::create_dir_all(&root).unwrap();
        let t = Tmux {
            socket: format!("docket-test-{}-{name}", std::process::id()),
            _tmp: tmp,
            root,
        };
        t.docket(&["init", "--prefix", "mo", "--no-agents"]);
        t
    }

    fn docket(&self, args: &[&str]) -> String {
        let o = Command::new(BIN)
            .args(args)
            .current_dir(&self.root)
            .env("DOCKET_ACTOR", "tester")
            .env_remove("DOCKET_SESSION")
            .env("HOME", self.root.parent().unwrap())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "docket {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn tmux(&self, args: &[&str]) -> String {
        let o = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Start `script` (sh) in a 120x36 pane that stays after its command ends.
    /// A fresh tmux server occasionally dies while starting; retry then.
    fn start(&self, script: &str) {
        let mut last = String::new();
        for _ in 0..3 {
            let o = Command::new("tmux")
                .arg("-L")
                .arg(&self.socket)
                .args([
                    "-f",
                    "/dev/null",
                    "new-session",
                    "-d",
                    "-s",
                    "t",
                    "-x",
                    "120",
                    "-y",
                    "36",
                ])
                .arg("-c")
                .arg(&self.root)
                .arg("-e")
                .arg("DOCKET_ACTOR=tester")
                .arg("-e")
                .arg(format!("HOME={}", self.root.parent().unwrap().display()))
                .arg(script)
                .output()
                .unwrap();
            if o.status.success() {
                self.tmux(&["set-option", "-t", "t", "remain-on-exit", "on"]);
                return;
            }
            last = String::from_utf8_lossy(&o.stderr).into_owned();
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("tmux new-session failed: {last}");
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Wait until the screen contains `want`; return how long it took.
    fn wait_for(&self, want: &str, limit: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(want) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < limit,
                "`{want}` did not appear within {limit:?}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn format(&self, f: &str) -> String {
        self.tmux(&["display-message", "-p", "-t", "t", f])
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

fn sh_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

#[test]
fn monitor_in_tmux_shows_live_changes_and_restores_the_terminal() {
    let t = Tmux::new("live");
    t.docket(&["create", "Existing ticket"]);
    let started = t.docket(&["create", "Started ticket"]);
    let id = started.split_whitespace().nth(1).unwrap().to_string();
    t.docket(&["start", &id]);
    let script = format!(
        "{} monitor; echo MONITOR-EXIT=$?; stty -a | grep -o -- '-\\?icanon' | head -n1 | sed 's/^/STTY=/'; sleep 60",
        sh_quote(Path::new(BIN))
    );
    t.start(&script);
    t.wait_for("docket monitor", Duration::from_secs(10));
    let s = t.screen();
    assert!(s.contains("open (1)"), "{s}");
    assert!(s.contains("in_progress (1)"), "{s}");
    assert!(s.contains("Existing ticket"), "{s}");
    assert!(s.contains("tester"), "the in-progress assignee: {s}");
    assert!(s.contains("transition"), "the activity feed: {s}");
    assert_eq!(
        t.format("#{alternate_on}"),
        "1",
        "the monitor uses the alternate screen"
    );

    // A change made by another process shows within 2 s.
    t.docket(&["create", "Made elsewhere"]);
    let took = t.wait_for("Made elsewhere", Duration::from_secs(2));
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Keys: help, filter, move, detail.
    t.keys(&["?"]);
    t.wait_for("this help", Duration::from_secs(2));
    t.keys(&["Escape"]);
    t.keys(&["/", "e", "l", "s", "e", "Enter"]);
    t.wait_for("filter: else", Duration::from_secs(2));
    let s = t.screen();
    assert!(s.contains("open (1)"), "only the matching ticket: {s}");
    t.keys(&["Escape"]);
    t.wait_for("open (2)", Duration::from_secs(2));
    t.keys(&["l", "Enter"]);
    t.wait_for("detail · Esc to close", Duration::from_secs(2));
    assert!(t.screen().contains("Started ticket"), "{}", t.screen());
    t.keys(&["Escape", "q"]);

    // The terminal is back: normal screen, cooked mode, exit 0.
    t.wait_for("MONITOR-EXIT=0", Duration::from_secs(5));
    t.wait_for("STTY=", Duration::from_secs(5));
    let s = t.screen();
    assert!(s.contains("STTY=icanon"), "canonical mode restored: {s}");
    assert_eq!(t.format("#{alternate_on}"), "0");
}

#[test]
fn monitor_restores_the_terminal_on_sigterm() {
    let t = Tmux::new("sig");
    t.docket(&["create", "A ticket"]);
    let pidfile = t.root.join("monitor.pid");
    // The inner shell execs the monitor in the foreground (stdin the pane's
    // terminal) and the outer one reaps it and reports how it ended: tmux
    // 3.3 sometimes leaves a dead pane's child unreaped for seconds.
    let script = format!(
        "sh -c 'echo $$ > {}; exec {} monitor'; echo MONITOR-EXIT=$?; sleep 30",
        sh_quote(&pidfile).replace('\'', r"'\''"),
        sh_quote(Path::new(BIN)).replace('\'', r"'\''")
    );
    t.start(&script);
    t.wait_for("docket monitor", Duration::from_secs(10));
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(ok.success());
    // Exit status 0 (a process killed by the signal reports 143).
    t.wait_for("MONITOR-EXIT=0", Duration::from_secs(5));
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
}

#[test]
fn monitor_refuses_json_and_pipes() {
    let t = Tmux::new("pipe");
    let o = Command::new(BIN)
        .args(["monitor", "--json"])
        .current_dir(&t.root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["code"], "invalid_argument");
    let o = Command::new(BIN)
        .args(["monitor"])
        .current_dir(&t.root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("interactive terminal"));
}

#[test]
fn doc_edit_runs_the_editor_in_a_terminal() {
    let t = Tmux::new("edit");
    t.docket(&[
        "doc", "add", "adr-9", "--title", "Before", "--body", "old text",
    ]);
    let script = format!(
        "EDITOR=\"sed -i -e s/old/new/ -e s/Before/After/\" {} doc edit adr-9; echo EDIT-EXIT=$?; sleep 60",
        sh_quote(Path::new(BIN))
    );
    t.start(&script);
    t.wait_for("EDIT-EXIT=0", Duration::from_secs(10));
    let text = std::fs::read_to_string(t.root.join(".docket/docs/adr-9.md")).unwrap();
    assert_eq!(text, "# After\n\nnew text\n");
}
