//! The git user (`git config user.name`), remembered per project.
//!
//! Asking git spawns a process (1.5–2 ms), most of what a `create` costs. Its
//! answer changes only when a git config file, or the environment that picks
//! them, changes. So the answer is kept in `.docket/local/git-user-v1.json`
//! with the stamp (device, inode, size, mtime, ctime) of every file git reads
//! for it (the system and global ones as `git var` names them), the owners of
//! the repository's folders, the user and `HOME`, and reused while all of
//! them are unchanged.
//!
//! What this cannot follow is never remembered; git is asked every time:
//! includes (`include.path`, `includeIf`), configuration from the environment
//! or the command line (`GIT_CONFIG_*`, `GIT_DIR`, …), a `.git` file
//! (worktrees, submodules), a file changed in the last 2 s, and git versions
//! without `git var GIT_CONFIG_SYSTEM` (2.42).

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
    /// `HOME`, `XDG_CONFIG_HOME`, the effective user and `SUDO_UID`: where
    /// the global files are, and whom git judges `safe.directory` for.
    env: Vec<Option<String>>,
    /// Every file git reads (or would read, were it there), with its stamp.
    files: Vec<(PathBuf, Stamp)>,
    /// The owners of the repository's folder and its `.git`: git ignores a
    /// repository owned by someone else, and a `chown` stamps no file.
    owners: Vec<(PathBuf, u32)>,
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
        && memo.owners.iter().all(|(f, uid)| owner(f) == Some(*uid))
    {
        return memo.name;
    }
    match ask_and_stamp(&p.root, env) {
        Ok(memo) => {
            if let Ok(bytes) = serde_json::to_vec(&memo) {
                // Best effort: a read-only project only loses the shortcut.
                let _ = docket_core::store::write_atomic(&memo_path, &bytes);
            }
            memo.name
        }
        Err(name) => name,
    }
}

/// Ask git, with what its answer depends on: `Err` carries the answer when
/// it must not be remembered. Files are stamped before git is asked, so an
/// edit racing the question fails the next comparison.
fn ask_and_stamp(root: &Path, env: Vec<Option<String>>) -> Result<Memo, Option<String>> {
    // Git walks the real path up to the repository.
    let Ok(root) = std::fs::canonicalize(root) else {
        return Err(ask_plain(Some(root)));
    };
    let Some(layout) = layout(&root) else {
        return Err(ask_plain(Some(&root)));
    };
    let files: Option<Vec<(PathBuf, Stamp)>> = layout
        .files
        .iter()
        .map(|f| Stamp::of(f).map(|s| (f.clone(), s)))
        .collect();
    let owners: Option<Vec<(PathBuf, u32)>> = layout
        .owned
        .iter()
        .map(|f| owner(f).map(|uid| (f.clone(), uid)))
        .collect();
    let Some(listing) = ask_listing(&root) else {
        return Err(ask_plain(Some(&root)));
    };
    let (Some(files), Some(owners)) = (files, owners) else {
        return Err(listing.name);
    };
    // Every setting must come from a stamped file; the repository's own is
    // named relative to its top folder.
    let stamped = |origin: &PathBuf| {
        let origin = match &layout.top {
            Some(top) if origin.is_relative() => top.join(origin),
            _ => origin.clone(),
        };
        files.iter().any(|(f, _)| *f == origin)
    };
    if !listing.followable || !listing.origins.iter().all(stamped) || recently_changed(&files) {
        return Err(listing.name);
    }
    Ok(Memo {
        env,
        files,
        owners,
        name: listing.name,
    })
}

/// Whether a file changed within the last 2 s: a second edit of the same
/// size within one timestamp tick would keep its stamp (git's "racy clean").
fn recently_changed(files: &[(PathBuf, Stamp)]) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(i64::MAX, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    files.iter().any(|(_, s)| match s {
        Stamp::Present { mtime, ctime, .. } => now - mtime.0.max(ctime.0) < 2,
        Stamp::Absent => false,
    })
}

/// The owner of a folder (not following a final symlink), when it exists.
fn owner(path: &Path) -> Option<u32> {
    std::fs::symlink_metadata(path).ok().map(|m| m.uid())
}

/// `HOME`, `XDG_CONFIG_HOME`, the effective user and `SUDO_UID`, or `None`
/// when the environment steers git in ways the memo does not follow.
fn followed_env() -> Option<Vec<Option<String>>> {
    let unfollowed = std::env::vars_os().any(|(k, _)| {
        let k = k.to_string_lossy();
        k.starts_with("GIT_CONFIG") || UNFOLLOWED_ENV.contains(&k.as_ref())
    });
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    (!unfollowed).then(|| {
        vec![
            var("HOME"),
            var("XDG_CONFIG_HOME"),
            Some(euid.to_string()),
            var("SUDO_UID"),
        ]
    })
}

/// The files `git config` reads in `root`, and the folders whose owner
/// decides whether the repository's file counts.
struct Layout {
    files: Vec<PathBuf>,
    owned: Vec<PathBuf>,
    /// The repository's top folder, when `root` is in one.
    top: Option<PathBuf>,
}

/// Where git looks, as git itself says (`git var`: the system and global
/// files, which depend on how git was built), then every `.git` from `root`
/// up to the repository (absent ones too, so a `git init` in between is
/// seen) and the repository's `config` and `config.worktree`. `None` when the
/// layout is one the memo does not follow (a `.git` file, an old git).
fn layout(root: &Path) -> Option<Layout> {
    let var = |name: &str| {
        let out = git(root, &["var", name])?;
        let text = String::from_utf8(out).ok()?;
        Some(text.lines().map(PathBuf::from).collect::<Vec<_>>())
    };
    let mut files = var("GIT_CONFIG_SYSTEM")?;
    files.extend(var("GIT_CONFIG_GLOBAL")?);
    let mut owned = Vec::new();
    let mut top = None;
    for dir in root.ancestors() {
        let dot_git = dir.join(".git");
        let meta = match std::fs::symlink_metadata(&dot_git) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                files.push(dot_git);
                continue;
            }
            Err(_) => return None,
        };
        if !meta.is_dir() {
            return None;
        }
        files.push(dot_git.join("config"));
        files.push(dot_git.join("config.worktree"));
        owned.push(dir.to_path_buf());
        owned.push(dot_git);
        top = Some(dir.to_path_buf());
        break;
    }
    Some(Layout { files, owned, top })
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
                // The repository's own file is named relative to its top.
                let path = PathBuf::from(OsStr::new(std::str::from_utf8(path).ok()?));
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
