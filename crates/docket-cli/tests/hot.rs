//! End-to-end tests of the hot index (`docket watch`): real processes in a
//! temp git repository. After every kind of change — a create through the
//! CLI, an edit in place by another process, a rename, a delete, a close (a
//! move into the archive), a broken file, a config change, a `git checkout`
//! of a branch with other tickets — the listings answered by the index must
//! equal the folder scan (`DOCKET_HOT_INDEX=0`) byte for byte, and the index
//! must really have answered (`DOCKET_HOT_DEBUG=1` says which path did). A
//! dead, stopped or stale index must never be trusted.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_docket");

/// The listings compared after each change.
const QUERIES: &[&[&str]] = &[
    &["list", "--json"],
    &["list", "--json", "--all"],
    &["list"],
    &["list", "--json", "--limit", "2"],
    &["list", "--json", "--type", "bug"],
    &["list", "--json", "--all", "--sort", "-priority,title"],
    &["list", "--json", "--sort", "sequence"],
    &["list", "--json", "--priority", "0-1"],
    &["ready", "--json"],
    &["ready", "--json", "--include-started"],
    &["blocked", "--json"],
    &["closed", "--json"],
    &["ready"],
    &["closed"],
    &["list", "--all", "--sort", "title", "--limit", "3"],
];

struct Proj {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    watch: Option<Child>,
}

impl Drop for Proj {
    fn drop(&mut self) {
        self.stop();
    }
}

fn git(root: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(root)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Proj {
    fn new() -> Proj {
        let tmp = tempfile::Builder::new()
            .prefix("dk-hot-")
            .tempdir()
            .expect("tempdir");
        let root = tmp.path().canonicalize().expect("canonical");
        git(&root, &["init", "-q", "-b", "main"]);
        let p = Proj {
            _tmp: tmp,
            root,
            watch: None,
        };
        p.ok(&["init", "--prefix", "t", "--no-agents"]);
        p
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.root)
            .env("NO_COLOR", "1")
            .env("DOCKET_ACTOR", "tester")
            .current_dir(&self.root)
            .args(args);
        c
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = self.cmd(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run docket")
    }

    fn ok(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all, &[]);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json")["data"].clone()
    }

    fn create(&self, title: &str, extra: &[&str]) -> String {
        let mut args = vec!["create", title];
        args.extend_from_slice(extra);
        self.ok(&args)["id"].as_str().expect("id").to_string()
    }

    fn path_of(&self, id: &str) -> PathBuf {
        for d in ["tickets", "archive"] {
            let dir = self.root.join(".docket").join(d);
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{id}--"))
                {
                    return e.path();
                }
            }
        }
        panic!("no file for {id}");
    }

    fn start(&mut self) {
        self.start_with(&[]);
    }

    fn start_with(&mut self, env: &[(&str, &str)]) {
        let mut cmd = self.cmd(&["watch"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn docket watch");
        let mut line = String::new();
        let mut err = BufReader::new(child.stderr.take().expect("stderr"));
        err.read_line(&mut line).expect("read watch output");
        assert!(line.contains("hot index ready"), "watch said: {line}");
        self.watch = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.watch.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn pid(&self) -> i32 {
        self.watch
            .as_ref()
            .map(|c| c.id() as i32)
            .expect("watch running")
    }

    /// Every query answered by the index equals the scan; the index answered.
    fn same(&self, step: &str) {
        for q in QUERIES {
            let hot = self.run(q, &[("DOCKET_HOT_DEBUG", "1")]);
            let scan = self.run(q, &[("DOCKET_HOT_INDEX", "0")]);
            let hot_err = String::from_utf8_lossy(&hot.stderr);
            assert!(
                hot_err.contains("answered by the hot index"),
                "{step}: {q:?} was not answered by the index: {hot_err}"
            );
            assert_eq!(hot.status.code(), scan.status.code(), "{step}: {q:?} exit");
            assert_eq!(
                String::from_utf8_lossy(&hot.stdout),
                String::from_utf8_lossy(&scan.stdout),
                "{step}: {q:?} differs from the scan"
            );
            let scan_err = String::from_utf8_lossy(&scan.stderr);
            let warnings = |s: &str| -> Vec<String> {
                s.lines()
                    .filter(|l| !l.starts_with("docket: "))
                    .map(str::to_string)
                    .collect()
            };
            assert_eq!(
                warnings(&hot_err),
                warnings(&scan_err),
                "{step}: {q:?} warnings"
            );
        }
    }

    /// A listing that must have been scanned and must show `title`.
    fn scanned_shows(&self, title: &str) {
        let out = self.run(&["list", "--json", "--all"], &[("DOCKET_HOT_DEBUG", "1")]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("scanned the folders"), "not scanned: {err}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(title),
            "the scan misses {title}"
        );
    }
}

fn set_title(path: &Path, title: &str) {
    let text = std::fs::read_to_string(path).expect("read ticket");
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("title:") {
                format!("title: {title}")
            } else {
                l.to_string()
            }
        })
        .collect();
    // In place: same inode, as an editor writing through the file would.
    std::fs::write(path, out.join("\n") + "\n").expect("write ticket");
}

fn signal(pid: i32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill {sig} {pid}");
}

#[test]
fn the_index_answers_as_the_scan_after_every_kind_of_change() {
    let mut p = Proj::new();
    let a = p.create("alpha", &["--type", "bug"]);
    let b = p.create("beta", &["--priority", "1"]);
    let c = p.create("gamma", &["--dep", &a]);
    p.start();
    p.same("start");

    let d = p.create("delta", &["--type", "bug", "--dep", &b]);
    p.same("create");

    set_title(&p.path_of(&a), "alpha edited in place");
    p.same("edit in place");
    // The same size and a restored mtime (touch -r) are still seen.
    let pa = p.path_of(&a);
    let before = std::fs::metadata(&pa)
        .expect("stat")
        .modified()
        .expect("mtime");
    set_title(&pa, "alpha EDITED in place");
    std::fs::File::options()
        .write(true)
        .open(&pa)
        .and_then(|f| f.set_modified(before))
        .expect("restore mtime");
    p.same("same-size edit with the mtime restored");

    let pb = p.path_of(&b);
    std::fs::rename(&pb, pb.with_file_name(format!("{b}--renamed-by-hand.md"))).expect("rename");
    p.same("rename");

    std::fs::remove_file(p.path_of(&c)).expect("delete");
    p.same("delete by hand");

    p.ok(&["start", &d]);
    p.same("start (edit through the CLI)");
    p.ok(&["close", &a, "--force", "--reason", "test"]);
    p.same("close (move into the archive)");
    p.ok(&["reopen", &a]);
    p.same("reopen (move out of the archive)");

    let broken = p.root.join(".docket/tickets/t-broken0--oops.md");
    std::fs::write(&broken, "not frontmatter at all\n").expect("write");
    p.same("a broken file");
    std::fs::remove_file(&broken).expect("rm");

    // Branches with different tickets.
    git(&p.root, &["add", "-A"]);
    git(&p.root, &["commit", "-q", "-m", "main tickets"]);
    git(&p.root, &["checkout", "-q", "-b", "other"]);
    let e = p.create("epsilon on other", &[]);
    std::fs::remove_file(p.path_of(&d)).expect("rm");
    set_title(&p.path_of(&b), "beta on other");
    git(&p.root, &["add", "-A"]);
    git(&p.root, &["commit", "-q", "-m", "other tickets"]);
    p.same("branch other");
    git(&p.root, &["checkout", "-q", "main"]);
    p.same("checkout main");
    let out = p.run(&["list", "--json"], &[]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&e));
    git(&p.root, &["checkout", "-q", "other"]);
    p.same("checkout other again");

    // A config change (a new type) is picked up before answering.
    let cfg = p.root.join(".docket/config.toml");
    let text = std::fs::read_to_string(&cfg).expect("config");
    std::fs::write(&cfg, text.replace("\"bug\"", "\"bug\", \"spike\"")).expect("config");
    p.same("config change");

    // Many changes at once from another process.
    for i in 0..30 {
        p.create(&format!("burst {i}"), &[]);
    }
    p.same("a burst of creates");
}

#[test]
fn a_dead_or_stopped_index_is_never_trusted() {
    let mut p = Proj::new();
    let a = p.create("alpha", &[]);
    p.start();
    p.same("start");

    // Killed mid-way: the socket file stays behind, stale.
    signal(p.pid(), "-KILL");
    p.stop();
    assert!(p.root.join(".docket/local/hot.sock").exists());
    set_title(&p.path_of(&a), "changed while nobody watched");
    p.scanned_shows("changed while nobody watched");

    // A new watcher replaces the stale socket and answers again.
    p.start();
    p.same("restarted");

    // A stopped (hung) watcher cannot answer: the client gives up and scans.
    signal(p.pid(), "-STOP");
    set_title(&p.path_of(&a), "changed while it hung");
    p.scanned_shows("changed while it hung");
    signal(p.pid(), "-CONT");
    p.same("resumed");

    // A ticket file that is a symlink: its target is not watched, so the
    // index does not answer while it is there.
    let outside = p.root.join("outside.md");
    std::fs::copy(p.path_of(&a), &outside).expect("copy");
    let link = p.root.join(".docket/tickets/t-linked01--linked.md");
    std::os::unix::fs::symlink(&outside, &link).expect("symlink");
    set_title(&outside, "edited through the link target");
    p.scanned_shows("edited through the link target");
    std::fs::remove_file(&link).expect("rm link");
    p.same("link removed");

    // A move between folders interrupted half way (its journal and both
    // files exist): the scan hides the old file, so the index must not answer.
    let old = p.path_of(&a);
    let name = old.file_name().expect("name").to_string_lossy().to_string();
    let new = p.root.join(".docket/archive").join(&name);
    std::fs::create_dir_all(new.parent().expect("archive")).expect("mkdir");
    std::fs::copy(&old, &new).expect("copy");
    let journal = p.root.join(".docket/local/move-journal");
    std::fs::write(
        &journal,
        format!("docket-move-v1\ntickets/{name}\narchive/{name}\n"),
    )
    .expect("journal");
    let hot = p.run(&["list", "--json", "--all"], &[("DOCKET_HOT_DEBUG", "1")]);
    let scan = p.run(&["list", "--json", "--all"], &[("DOCKET_HOT_INDEX", "0")]);
    assert!(String::from_utf8_lossy(&hot.stderr).contains("scanned the folders"));
    assert_eq!(hot.stdout, scan.stdout);
    std::fs::remove_file(&journal).expect("rm journal");
    std::fs::remove_file(&new).expect("rm copy");
    p.same("interrupted move cleared");

    // A second watcher on the same project refuses to start.
    let out = p.run(&["watch", "--json"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("hot_index_running"));
}

#[test]
fn a_folder_replaced_under_the_watcher_is_reloaded() {
    let mut p = Proj::new();
    let a = p.create("alpha", &[]);
    p.start();
    p.same("start");
    // The whole tickets folder swapped for another (as a sync tool might).
    let tickets = p.root.join(".docket/tickets");
    let moved = p.root.join("old-tickets");
    std::fs::rename(&tickets, &moved).expect("move folder");
    std::fs::create_dir(&tickets).expect("mkdir");
    let pa = moved.join(
        std::fs::read_dir(&moved)
            .expect("ls")
            .flatten()
            .next()
            .expect("one file")
            .file_name(),
    );
    std::fs::copy(&pa, tickets.join(pa.file_name().expect("name"))).expect("copy");
    std::thread::sleep(Duration::from_millis(50));
    p.same("tickets folder replaced");
    set_title(&p.path_of(&a), "edited in the new folder");
    p.same("edit in the new folder");
}

#[test]
fn answers_wait_until_every_earlier_change_is_applied() {
    // Events reach the watcher late (as on a loaded machine): an answer must
    // still include every change made before the command started.
    let mut p = Proj::new();
    let a = p.create("alpha", &[]);
    p.start_with(&[("DOCKET_HOT_TEST_EVENT_DELAY_MS", "60")]);
    for i in 0..3 {
        set_title(&p.path_of(&a), &format!("alpha take {i}"));
        let out = p.run(&["list", "--json"], &[("DOCKET_HOT_DEBUG", "1")]);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("answered by the hot index"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!("alpha take {i}")),
            "stale answer at take {i}"
        );
        p.create(&format!("new {i}"), &[]);
        let out = p.run(&["list", "--json"], &[]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!("new {i}")),
            "a create is missing at take {i}"
        );
    }
}

#[test]
fn serve_keeps_the_hot_index_too() {
    let p = Proj::new();
    p.create("alpha", &[]);
    let mut child = p
        .cmd(&["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn docket serve");
    // The URL line comes once the server listens; the index starts before it.
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read serve output");
    let mut answered = false;
    for _ in 0..50 {
        let out = p.run(&["list", "--json"], &[("DOCKET_HOT_DEBUG", "1")]);
        if String::from_utf8_lossy(&out.stderr).contains("answered by the hot index") {
            answered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(answered, "serve did not keep a hot index");
}

/// On a terminal (a real pty via `script`), the human table the index lays
/// out is the scan's to the byte: cut to the client's width (a narrow one
/// drops columns), coloured unless `NO_COLOR`.
#[test]
fn the_index_lays_out_the_table_for_the_clients_terminal() {
    let mut p = Proj::new();
    p.create(
        "a title long enough to be cut on a narrow terminal",
        &["--tags", "x,y"],
    );
    p.create(
        "beta",
        &["--priority", "1", "--assignee", "someone-with-a-long-name"],
    );
    p.start();
    // `script -qec CMD /dev/null` runs CMD on a pty and copies what it printed.
    let on_tty = |columns: &str, color: bool, hot: bool| -> String {
        let mut c = Command::new("script");
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &p.root)
            .env("DOCKET_ACTOR", "tester")
            .env("COLUMNS", columns)
            .env("TERM", "xterm")
            .current_dir(&p.root)
            .args(["-qec", &format!("{BIN} list"), "/dev/null"]);
        if !color {
            c.env("NO_COLOR", "1");
        }
        if hot {
            c.env("DOCKET_HOT_DEBUG", "1");
        } else {
            c.env("DOCKET_HOT_INDEX", "0");
        }
        let out = c.output().expect("run script (util-linux)");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).replace('\r', "")
    };
    for columns in ["40", "60", "200"] {
        for color in [false, true] {
            let hot = on_tty(columns, color, true);
            assert!(
                hot.contains("answered by the hot index"),
                "{columns}/{color}: {hot}"
            );
            let table: String = hot
                .lines()
                .filter(|l| !l.contains("docket: "))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_eq!(
                table,
                on_tty(columns, color, false),
                "{columns} columns, colour {color}"
            );
            assert_eq!(table.contains("\u{1b}["), color, "{table}");
        }
    }
    let narrow = on_tty("40", false, false);
    assert!(
        !narrow.contains("ASSIGNEE") && narrow.contains('…'),
        "{narrow}"
    );
}
