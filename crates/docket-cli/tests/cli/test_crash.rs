//! Crash safety: a SIGKILL injected by strace at every rename, unlink, write
//! and fsync of every kind of mutation (close, reopen, create, update,
//! delete) must leave each ticket one whole file in the folder its status
//! says — at once for readers, and on disk after the next mutation — with no
//! temp file left behind. strace is required: a missing strace fails the test
//! (scripts/test.sh installs it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::TestEnv;

const SYSCALLS: &[&str] = &[
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "write",
    "fsync",
    "fdatasync",
];

/// A project with an open ticket to close, a closed one to reopen, one to
/// update and one to delete; cache and id index warm.
struct Template {
    env: TestEnv,
    to_close: String,
    to_reopen: String,
    to_update: String,
    to_delete: String,
}

fn template() -> Template {
    let env = TestEnv::init();
    let to_close = env.create("Close me", &[]);
    let to_reopen = env.create("Reopen me", &[]);
    env.ok(&["close", &to_reopen]);
    let to_update = env.create("Update me", &[]);
    let to_delete = env.create("Delete me", &[]);
    env.ok(&["list", "--all"]);
    Template {
        env,
        to_close,
        to_reopen,
        to_update,
        to_delete,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    let st = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(st.success());
}

/// Every ticket file: id → [(path, status)]; panics on a file that does not
/// parse as a whole ticket (a torn write).
fn tickets_on_disk(docket: &Path) -> BTreeMap<String, Vec<(PathBuf, String)>> {
    let mut out: BTreeMap<String, Vec<(PathBuf, String)>> = BTreeMap::new();
    for sub in ["tickets", "archive"] {
        for e in std::fs::read_dir(docket.join(sub))
            .expect("read_dir")
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".md") || name.starts_with('.') {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).expect("read ticket");
            assert!(
                text.starts_with("---\n") && text.contains("\n## Log"),
                "torn ticket file {name}:\n{text}"
            );
            let field = |k: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                    .unwrap_or_else(|| panic!("{name} has no {k}"))
                    .trim()
                    .to_string()
            };
            out.entry(field("id"))
                .or_default()
                .push((e.path(), field("status")));
        }
    }
    out
}

fn temp_files(docket: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["tickets", "archive", "local/tmp"] {
        if let Ok(rd) = std::fs::read_dir(docket.join(sub)) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if sub == "local/tmp" || name.starts_with(".tmp-") {
                    out.push(e.path());
                }
            }
        }
    }
    out
}

fn assert_placed(tickets: &BTreeMap<String, Vec<(PathBuf, String)>>, what: &str) {
    for (id, files) in tickets {
        assert_eq!(files.len(), 1, "{what}: {id} duplicated: {files:?}");
        let (path, status) = &files[0];
        let archived = path.parent().and_then(|p| p.file_name()).unwrap() == "archive";
        assert_eq!(
            archived,
            status == "closed",
            "{what}: {id} misplaced ({status}) at {}",
            path.display()
        );
    }
}

/// Run `args` under strace, killed at the `n`th call of `syscall`; returns
/// whether the kill happened (false: the command ran to its end first).
fn run_killed(env: &TestEnv, syscall: &str, n: usize, args: &[&str]) -> bool {
    let log = env.home.join("strace.log");
    let c = env.std_command_in(&env.root);
    let mut s = Command::new("strace");
    s.env_clear()
        .arg("-f")
        .arg("-o")
        .arg(&log)
        .arg("-e")
        .arg(format!("trace={syscall}"))
        .arg("-e")
        .arg(format!("inject={syscall}:signal=SIGKILL:when={n}"))
        .arg(c.get_program())
        .args(args)
        .current_dir(&env.root);
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            s.env(k, v);
        }
    }
    let out = s.output().unwrap_or_else(|e| {
        panic!("strace is required for the crash tests (apt-get install -y strace): {e}")
    });
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        trace.contains("+++") || out.status.success(),
        "strace did not run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    trace.contains("killed by SIGKILL")
}

#[test]
fn sigkill_at_any_syscall_leaves_every_ticket_whole_and_placed() {
    let t = template();
    let base = tickets_on_disk(&t.env.docket_dir());
    assert_placed(&base, "template");
    let before: BTreeSet<String> = base.keys().cloned().collect();
    let ops: Vec<(&str, Vec<&str>)> = vec![
        ("close", vec!["close", &t.to_close]),
        ("reopen", vec!["reopen", &t.to_reopen]),
        ("create", vec!["create", "Brand new"]),
        ("update", vec!["update", &t.to_update, "--add-tag", "x"]),
        ("delete", vec!["delete", &t.to_delete]),
    ];
    let mut kills = 0;
    for (name, args) in &ops {
        for syscall in SYSCALLS {
            for n in 1.. {
                let env = TestEnv::new();
                std::fs::remove_dir_all(&env.root).expect("rm root");
                copy_dir(&t.env.root, &env.root);
                let docket = env.docket_dir();
                let killed = run_killed(&env, syscall, n, args);
                let what = format!("{name} killed at {syscall} #{n}");

                // Readers, before any recovery: every ticket exactly once.
                let listed = env.ok(&["list", "--all", "--limit", "1000"]);
                let listed = crate::common::ids(&listed);
                let uniq: BTreeSet<&String> = listed.iter().collect();
                assert_eq!(
                    uniq.len(),
                    listed.len(),
                    "{what}: list shows a ticket twice"
                );

                // The next mutation completes or undoes the interrupted one.
                let next = env.create("Next", &[]);
                let after = tickets_on_disk(&docket);
                assert_placed(&after, &what);
                let ids: BTreeSet<String> = after.keys().cloned().collect();
                let mut expected = before.clone();
                expected.insert(next.clone());
                let lost: Vec<_> = expected
                    .iter()
                    .filter(|i| !ids.contains(*i) && **i != t.to_delete)
                    .collect();
                assert!(lost.is_empty(), "{what}: lost {lost:?}");
                let extra: Vec<_> = ids.iter().filter(|i| !expected.contains(*i)).collect();
                assert!(
                    extra.len() <= usize::from(*name == "create"),
                    "{what}: unexpected tickets {extra:?}"
                );
                assert!(
                    temp_files(&docket).is_empty(),
                    "{what}: temp files left: {:?}",
                    temp_files(&docket)
                );
                assert!(
                    !docket.join("local/move-journal").exists(),
                    "{what}: journal left"
                );
                let check = env.run(&["check", "--json"]);
                assert_eq!(check.code, 0, "{what}: check: {}", check.stdout);
                if !killed {
                    break;
                }
                kills += 1;
            }
        }
    }
    eprintln!("crash test: {kills} kills injected");
    assert!(kills >= 20, "only {kills} kills injected");
}

/// Which folders `args` opened for listing (strace of `openat` with
/// `O_DIRECTORY`), as paths relative to the project.
fn folders_listed(env: &TestEnv, args: &[&str]) -> Vec<String> {
    let log = env.home.join("strace-dirs.log");
    let c = env.std_command_in(&env.root);
    let mut s = Command::new("strace");
    s.env_clear()
        .args(["-f", "-o"])
        .arg(&log)
        .args(["-e", "trace=openat"])
        .arg(c.get_program())
        .args(args)
        .current_dir(&env.root);
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            s.env(k, v);
        }
    }
    let out = s
        .output()
        .unwrap_or_else(|e| panic!("strace is required (apt-get install -y strace): {e}"));
    assert!(out.status.success(), "{args:?}: {out:?}");
    let root = env.root.display().to_string();
    std::fs::read_to_string(&log)
        .expect("strace log")
        .lines()
        .filter(|l| l.contains("O_DIRECTORY") && !l.contains("= -1"))
        .filter_map(|l| l.split('"').nth(1))
        .map(|p| p.strip_prefix(&root).unwrap_or(p).to_string())
        .collect()
}

/// `show` and `create` cost the same at any project size: with the id index
/// current, neither lists a ticket folder (issue 16).
#[test]
fn show_and_create_list_no_ticket_folder() {
    let env = TestEnv::init();
    let a = env.create("A", &[]);
    env.create("B", &[]);
    env.ok(&["list"]); // builds the id index
    for args in [vec!["show", a.as_str()], vec!["create", "C"]] {
        let listed = folders_listed(&env, &args);
        assert!(
            !listed
                .iter()
                .any(|d| d.ends_with("/.docket/tickets") || d.ends_with("/.docket/archive")),
            "{args:?} listed {listed:?}"
        );
    }
}
