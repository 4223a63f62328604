//! The git user (`git config user.name`), remembered per project.
//!
//! Asking git spawns a process (1.5–2 ms), most of what a `create` costs. Its
//! answer changes only when a git config file, or the environment that picks
//! them, changes. So the answer is kept in `.docket/local/git-user-v1.json`
//! with the stamp (device, inode, size, mtime, ctime) of every file git reads
//! for it, and reused while all of them are unchanged.
//!
//! What this cannot follow is never remembered; git is asked every time:
//! includes (`include.path`, `includeIf`), configuration from the environment
//! or the command line (`GIT_CONFIG_*`, `GIT_DIR`, …), a `.git` file
//! (worktrees, submodules), and git versions without `--show-origin`.

use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use docket_core::Project;

/// Where git is asked (a project's root) and where its answer is kept.
#[derive(Debug, Clone)]
pub struct At {
    root: PathBuf,
    local: PathBuf,
}

impl At {
    /// The project's root and its `.docket/local/`.
    pub fn of(p: &Project) -> At {
        At {
            root: p.root.clone(),
            local: p.local_dir(),
        }
    }
}

/// The memo's file name in `.docket/local/`.
const MEMO: &str = "git-user-v1.json";

/// Variables that change which config files git reads, or add settings of
/// their own: with any of them set, git is asked every time.
const UNFOLLOWED_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_COMMON_DIR",
    "GIT_WORK_TREE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
];

/// A remembered answer and what it depends on.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Memo {
    /// `HOME` and `XDG_CONFIG_HOME`, which place the global files.
    env: [Option<String>; 2],
    /// Every file git reads (or would read, were it there), with its stamp.
    files: Vec<(PathBuf, Stamp)>,
    /// `user.name`, trimmed; `None` when unset or empty.
    name: Option<String>,
}

/// What a config file looked like: any edit, replacement or removal changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Stamp {
    Absent,
    Present {
        dev: u64,
        ino: u64,
        size: u64,
        mtime: (i64, i64),
        ctime: (i64, i64),
    },
}

impl Stamp {
    /// The stamp of `path` (symlinks followed, as git does); `None` when it
    /// cannot be told (a permission error, a parent that is not a folder).
    fn of(path: &Path) -> Option<Stamp> {
        match std::fs::metadata(path) {
            Ok(m) => Some(Stamp::Present {
                dev: m.dev(),
                ino: m.ino(),
                size: m.size(),
                mtime: (m.mtime(), m.mtime_nsec()),
                ctime: (m.ctime(), m.ctime_nsec()),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(Stamp::Absent),
            Err(_) => None,
        }
    }
}

/// `git config user.name` as run in `project`'s root (or the current folder
/// without a project), from the memo when nothing it depends on changed.
pub fn name(at: Option<&At>) -> Option<String> {
    let Some(p) = at else {
        return ask_plain(None);
    };
    let Some(env) = followed_env() else {
        return ask_plain(Some(&p.root));
    };
    let memo_path = p.local.join(MEMO);
    if let Some(memo) = read_memo(&memo_path)
        && memo.env == env
        && memo
            .files
            .iter()
            .all(|(f, stamp)| Stamp::of(f).as_ref() == Some(stamp))
    {
        return memo.name;
    }
    // Stamp before asking: an edit racing the question then fails the next
    // comparison instead of being remembered with the old answer.
    let Some(mut files) = candidates(&p.root, &env) else {
        return ask_plain(Some(&p.root));
    };
    let Some(listing) = ask_listing(&p.root) else {
        return ask_plain(Some(&p.root));
    };
    for origin in listing.origins {
        if !files.iter().any(|(f, _)| *f == origin) {
            match Stamp::of(&origin) {
                Some(s) => files.push((origin, s)),
                None => return listing.name,
            }
        }
    }
    let memo = Memo {
        env,
        files,
        name: listing.name,
    };
    if listing.followable
        && let Ok(bytes) = serde_json::to_vec(&memo)
    {
        // Best effort: a read-only project only loses the shortcut.
        let _ = docket_core::store::write_atomic(&memo_path, &bytes);
    }
    memo.name
}

/// `HOME` and `XDG_CONFIG_HOME`, or `None` when the environment steers git in
/// ways the memo does not follow.
fn followed_env() -> Option<[Option<String>; 2]> {
    let unfollowed = std::env::vars_os().any(|(k, _)| {
        let k = k.to_string_lossy();
        k.starts_with("GIT_CONFIG") || UNFOLLOWED_ENV.contains(&k.as_ref())
    });
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let home = var("HOME");
    (!unfollowed && home.is_some()).then(|| [home, var("XDG_CONFIG_HOME")])
}

/// The files git reads for `git config` in `root`, stamped: the system and
/// global files, and the repository's own. Every `.git` between `root` and
/// the repository is stamped absent too, so a `git init` in between is seen.
/// `None` when the layout is one the memo does not follow.
fn candidates(root: &Path, env: &[Option<String>; 2]) -> Option<Vec<(PathBuf, Stamp)>> {
    let [home, xdg] = env;
    let home = PathBuf::from(home.as_deref()?);
    let xdg = xdg
        .as_deref()
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".config"));
    let mut paths = vec![
        PathBuf::from("/etc/gitconfig"),
        xdg.join("git").join("config"),
        home.join(".gitconfig"),
    ];
    for dir in root.ancestors() {
        let dot_git = dir.join(".git");
        let meta = match std::fs::symlink_metadata(&dot_git) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                paths.push(dot_git);
                continue;
            }
            Err(_) => return None,
        };
        if !meta.is_dir() {
            return None;
        }
        paths.push(dot_git.join("config"));
        paths.push(dot_git.join("config.worktree"));
        break;
    }
    paths
        .into_iter()
        .map(|f| Stamp::of(&f).map(|s| (f, s)))
        .collect()
}

/// What `git config --list --show-origin` told.
struct Listing {
    name: Option<String>,
    /// The files settings came from.
    origins: Vec<PathBuf>,
    /// No includes and every setting from a file: safe to remember.
    followable: bool,
}

/// Every setting with its origin, in one spawn of git.
fn ask_listing(root: &Path) -> Option<Listing> {
    let out = git(root, &["config", "-z", "--list", "--show-origin"])?;
    let mut listing = Listing {
        name: None,
        origins: Vec::new(),
        followable: true,
    };
    // Pairs of `origin NUL key [LF value] NUL`.
    let mut fields = out.split(|b| *b == 0);
    while let Some(origin) = fields.next() {
        if origin.is_empty() {
            break;
        }
        let entry = fields.next()?;
        let (key, value) = match entry.iter().position(|b| *b == b'\n') {
            Some(i) => (&entry[..i], &entry[i + 1..]),
            None => (entry, &b""[..]),
        };
        match origin.strip_prefix(b"file:") {
            Some(path) => {
                // The repository's own file is named relative to `root`.
                let path = root.join(OsStr::new(std::str::from_utf8(path).ok()?));
                if !listing.origins.contains(&path) {
                    listing.origins.push(path);
                }
            }
            None => listing.followable = false,
        }
        if key.starts_with(b"include.") || key.starts_with(b"includeif.") {
            listing.followable = false;
        }
        if key == b"user.name" {
            listing.name = trimmed(value);
        }
    }
    Some(listing)
}

/// Plain `git config user.name`: the answer without a memo.
fn ask_plain(root: Option<&Path>) -> Option<String> {
    let here = std::env::current_dir().ok()?;
    trimmed(&git(root.unwrap_or(&here), &["config", "user.name"])?)
}

/// Run git in `dir`; its output when it succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// A name as git printed it: trimmed, and `None` when empty or not UTF-8.
fn trimmed(bytes: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(bytes).ok()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The memo, when there is a readable one.
fn read_memo(path: &Path) -> Option<Memo> {
    let bytes = docket_core::store::read_small_regular(path, 1 << 20)
        .ok()
        .flatten()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_tell_absent_from_present_and_see_edits() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config");
        assert_eq!(Stamp::of(&f), Some(Stamp::Absent));
        std::fs::write(&f, "[user]\n\tname = A\n").unwrap();
        let first = Stamp::of(&f).unwrap();
        assert_ne!(first, Stamp::Absent);
        std::fs::write(&f, "[user]\n\tname = Bb\n").unwrap();
        assert_ne!(Stamp::of(&f).unwrap(), first);
        // A path under a file cannot be told apart: never remembered.
        assert_eq!(Stamp::of(&f.join("x")), None);
    }

    #[test]
    fn names_are_trimmed_and_empty_ones_are_none() {
        assert_eq!(trimmed(b"  Ada \n"), Some("Ada".into()));
        assert_eq!(trimmed(b" \n"), None);
        assert_eq!(trimmed(b"\xff"), None);
    }
}
