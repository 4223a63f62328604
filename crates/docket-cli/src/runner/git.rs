//! Git for the runner, through the `git` binary: a fingerprint of the dirty
//! tree before an agent runs, the paths it changed, and one commit per ticket
//! scoped to those paths, refused when it deletes too many files.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use docket_core::Error;
use docket_core::runner::commit;

/// A repository, addressed from its top folder (porcelain paths are relative to it).
pub struct Git {
    pub top: PathBuf,
}

/// Dirty paths and a fingerprint of each (status code and content hash).
pub type Snapshot = BTreeMap<String, (String, Option<u64>)>;

/// What a per-ticket commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// The new commit's hash.
    Commit(String),
    /// Nothing changed.
    Nothing,
    /// The change deletes more files than allowed; left uncommitted.
    Refused { deletions: Vec<String> },
}

fn failed(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::RunnerFailed {
        message: format!("git {what} failed: {detail}"),
    }
}

impl Git {
    /// The repository holding `root`, if any (and if git is installed).
    pub fn discover(root: &Path) -> Option<Git> {
        let out = Command::new("git")
            .args(["rev-parse", "--show-toplevel"])
            .current_dir(root)
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let top = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (!top.is_empty()).then(|| Git {
            top: PathBuf::from(top),
        })
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("git");
        c.arg("-C")
            .arg(&self.top)
            .args(args)
            .env("GIT_LITERAL_PATHSPECS", "1")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        let mut c = self.cmd(args);
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        if input.is_some() {
            c.stdin(Stdio::piped());
        }
        let mut child = c.spawn().map_err(|e| failed(args[0], e))?;
        if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
            let _ = stdin.write_all(bytes);
        }
        let out = child.wait_with_output().map_err(|e| failed(args[0], e))?;
        if !out.status.success() {
            return Err(failed(
                args[0],
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        Ok(out.stdout)
    }

    /// Fail early when commits would fail for want of an identity.
    pub fn check_identity(&self) -> Result<(), Error> {
        self.run(&["var", "GIT_COMMITTER_IDENT"], None)
            .map(|_| ())
            .map_err(|_| Error::RunnerFailed {
                message: "git has no committer identity: set user.name and user.email, or pass --no-commit".into(),
            })
    }

    /// Every dirty path (untracked included) with its fingerprint.
    pub fn snapshot(&self) -> Result<Snapshot, Error> {
        let out = self.run(
            &["status", "--porcelain=v1", "-z", "--untracked-files=all"],
            None,
        )?;
        let mut map = Snapshot::new();
        for e in commit::parse_status(&out) {
            let hash = self.hash_file(&e.path);
            map.insert(e.path, (e.code.clone(), hash));
            if let Some(orig) = e.orig {
                map.insert(orig, (e.code, None));
            }
        }
        Ok(map)
    }

    fn hash_file(&self, rel: &str) -> Option<u64> {
        let bytes = std::fs::read(self.top.join(rel)).ok()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut h);
        Some(h.finish())
    }

    /// Paths dirty now whose state differs from `before`.
    pub fn changed_since(&self, before: &Snapshot) -> Result<Vec<String>, Error> {
        let now = self.snapshot()?;
        Ok(now
            .into_iter()
            .filter(|(path, fp)| before.get(path) != Some(fp))
            .map(|(path, _)| path)
            .collect())
    }

    fn nul_list(paths: &[String]) -> Vec<u8> {
        let mut v = Vec::new();
        for p in paths {
            v.extend_from_slice(p.as_bytes());
            v.push(0);
        }
        v
    }

    /// Stage and commit exactly `paths`, unless the change deletes more than
    /// `max_deletions` files (renames do not count).
    pub fn commit_paths(
        &self,
        paths: &[String],
        message: &str,
        max_deletions: usize,
    ) -> Result<Committed, Error> {
        if paths.is_empty() {
            return Ok(Committed::Nothing);
        }
        let list = Self::nul_list(paths);
        self.run(
            &["add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul"],
            Some(&list),
        )?;
        let diff = self.run(
            &[
                "diff",
                "--cached",
                "--name-status",
                "-M",
                "-z",
                "--no-ext-diff",
            ],
            None,
        )?;
        let commit::Staged { ours, deletions } = commit::staged(&diff, paths);
        if !ours {
            return Ok(Committed::Nothing);
        }
        if commit::too_many_deletions(deletions.len(), max_deletions) {
            let _ = self.run(
                &[
                    "reset",
                    "-q",
                    "--pathspec-from-file=-",
                    "--pathspec-file-nul",
                ],
                Some(&list),
            );
            return Ok(Committed::Refused { deletions });
        }
        self.run(
            &[
                "commit",
                "-q",
                "-m",
                message,
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
            ],
            Some(&list),
        )?;
        let head = self.run(&["rev-parse", "HEAD"], None)?;
        Ok(Committed::Commit(
            String::from_utf8_lossy(&head).trim().to_string(),
        ))
    }

    /// Commit everything dirty as one salvage commit.
    pub fn salvage(&self, message: &str) -> Result<String, Error> {
        self.run(&["add", "-A"], None)?;
        self.run(&["commit", "-q", "-m", message], None)?;
        let head = self.run(&["rev-parse", "HEAD"], None)?;
        Ok(String::from_utf8_lossy(&head).trim().to_string())
    }

    /// The checked-out branch, `None` on a detached HEAD.
    pub fn current_branch(&self) -> Option<String> {
        let out = self
            .run(&["symbolic-ref", "-q", "--short", "HEAD"], None)
            .ok()?;
        let b = String::from_utf8_lossy(&out).trim().to_string();
        (!b.is_empty()).then_some(b)
    }

    /// Whether a local branch exists.
    pub fn branch_exists(&self, branch: &str) -> bool {
        self.run(
            &[
                "rev-parse",
                "--verify",
                "-q",
                &format!("refs/heads/{branch}"),
            ],
            None,
        )
        .is_ok()
    }

    /// Whether `branch` is already contained in HEAD (merged).
    pub fn is_merged(&self, branch: &str) -> bool {
        self.run(&["merge-base", "--is-ancestor", branch, "HEAD"], None)
            .is_ok()
    }

    /// A new worktree at `dir` on a new branch made from HEAD.
    pub fn worktree_add(&self, dir: &Path, branch: &str) -> Result<(), Error> {
        let _ = self.run(&["worktree", "prune"], None);
        let d = dir.to_string_lossy();
        self.run(&["worktree", "add", "-q", "-b", branch, &d, "HEAD"], None)
            .map(|_| ())
    }

    /// Remove a worktree (its changes were merged) and, with it, its branch.
    pub fn worktree_remove(&self, dir: &Path, branch: &str) -> Result<(), Error> {
        let d = dir.to_string_lossy();
        self.run(&["worktree", "remove", "--force", &d], None)?;
        self.run(&["branch", "-D", "-q", branch], None).map(|_| ())
    }

    /// Delete a branch.
    pub fn branch_delete(&self, branch: &str) -> Result<(), Error> {
        self.run(&["branch", "-D", "-q", branch], None).map(|_| ())
    }

    /// Merge `branch` into the checked-out branch with a merge commit. On a
    /// conflict (or any failure) the merge is aborted and the conflicting
    /// files (or the reason) are returned.
    pub fn merge(&self, branch: &str, message: &str) -> Result<Merged, Error> {
        let mut c = self.cmd(&["merge", "--no-ff", "--no-edit", "-q", "-m", message, branch]);
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        let out = c.output().map_err(|e| failed("merge", e))?;
        if out.status.success() {
            let head = self.run(&["rev-parse", "HEAD"], None)?;
            return Ok(Merged::Commit(
                String::from_utf8_lossy(&head).trim().to_string(),
            ));
        }
        let files = self
            .run(&["diff", "--name-only", "--diff-filter=U", "-z"], None)
            .map(|o| {
                o.split(|b| *b == 0)
                    .filter(|f| !f.is_empty())
                    .map(|f| String::from_utf8_lossy(f).to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let _ = self.run(&["merge", "--abort"], None);
        let why = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(Merged::Conflict { files, why })
    }

    /// Make sure `rel` (a path relative to the top) is git-ignored; when it is
    /// not, add it to the repository's `info/exclude` (never a tracked file).
    pub fn ensure_ignored(&self, rel: &str) -> Result<(), Error> {
        if self.run(&["check-ignore", "-q", rel], None).is_ok() {
            return Ok(());
        }
        let out = self.run(&["rev-parse", "--git-path", "info/exclude"], None)?;
        let path = PathBuf::from(String::from_utf8_lossy(&out).trim());
        let path = if path.is_absolute() {
            path
        } else {
            self.top.join(path)
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        writeln!(f, "\n# docket run --parallel: lanes' worktrees\n/{rel}/")
            .map_err(|e| Error::io(&path, e))
    }
}

/// What [`Git::merge`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// The merge commit (or HEAD, when there was nothing to merge).
    Commit(String),
    /// Aborted: the conflicting files, and git's words.
    Conflict { files: Vec<String>, why: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository with `files` committed, its own identity and no signing.
    fn repo(files: &[&str]) -> (tempfile::TempDir, Git) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let top = tmp.path().canonicalize().expect("canonical");
        let git = Git { top };
        git.run(&["init", "-q", "-b", "main"], None).expect("init");
        for (k, v) in [
            ("user.name", "Tester"),
            ("user.email", "tester@example.com"),
            ("commit.gpgsign", "false"),
        ] {
            git.run(&["config", k, v], None).expect("config");
        }
        for f in files {
            std::fs::write(git.top.join(f), format!("content of {f}\n")).expect("write");
        }
        git.run(&["add", "-A"], None).expect("add");
        git.run(&["commit", "-q", "--allow-empty", "-m", "init"], None)
            .expect("commit");
        (tmp, git)
    }

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("f{i}.txt")).collect()
    }

    fn staged(git: &Git) -> String {
        String::from_utf8_lossy(
            &git.run(&["diff", "--cached", "--name-only"], None)
                .expect("diff"),
        )
        .to_string()
    }

    fn delete_all(git: &Git, files: &[String]) -> Vec<String> {
        let before = git.snapshot().expect("snapshot");
        for f in files {
            std::fs::remove_file(git.top.join(f)).expect("rm");
        }
        git.changed_since(&before).expect("changed")
    }

    #[test]
    fn deleting_exactly_the_limit_is_committed() {
        let files = names(5);
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        let (_tmp, git) = repo(&refs);
        let changed = delete_all(&git, &files);
        assert_eq!(changed, files);
        let out = git
            .commit_paths(&changed, "delete five", 5)
            .expect("commit");
        assert!(matches!(out, Committed::Commit(_)), "{out:?}");
    }

    #[test]
    fn deleting_one_over_the_limit_is_refused_and_unstaged() {
        let files = names(6);
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        let (_tmp, git) = repo(&refs);
        let changed = delete_all(&git, &files);
        let out = git.commit_paths(&changed, "delete six", 5).expect("commit");
        assert_eq!(out, Committed::Refused { deletions: files });
        assert_eq!(staged(&git), "", "the refused change is left unstaged");
    }

    #[test]
    fn a_renamed_file_is_not_a_deletion() {
        let (_tmp, git) = repo(&["old.txt"]);
        let before = git.snapshot().expect("snapshot");
        std::fs::rename(git.top.join("old.txt"), git.top.join("new.txt")).expect("mv");
        let changed = git.changed_since(&before).expect("changed");
        assert_eq!(changed, vec!["new.txt".to_string(), "old.txt".to_string()]);
        let out = git.commit_paths(&changed, "rename", 0).expect("commit");
        assert!(matches!(out, Committed::Commit(_)), "{out:?}");
        let shown = git
            .run(&["show", "--name-status", "-M", "--format=", "HEAD"], None)
            .expect("show");
        assert!(
            String::from_utf8_lossy(&shown).starts_with('R'),
            "{shown:?}"
        );
    }

    #[test]
    fn only_paths_changed_since_the_snapshot_are_reported() {
        let (_tmp, git) = repo(&["a.txt", "b.txt", "c.txt"]);
        std::fs::write(git.top.join("a.txt"), "dirty before\n").expect("write");
        std::fs::write(git.top.join("c.txt"), "dirty before\n").expect("write");
        let before = git.snapshot().expect("snapshot");
        assert_eq!(
            before.keys().cloned().collect::<Vec<_>>(),
            vec!["a.txt".to_string(), "c.txt".to_string()]
        );
        // The agent edits a dirty file again, a clean one, and adds one.
        std::fs::write(git.top.join("a.txt"), "dirty after\n").expect("write");
        std::fs::write(git.top.join("b.txt"), "changed\n").expect("write");
        std::fs::write(git.top.join("new.txt"), "new\n").expect("write");
        let changed = git.changed_since(&before).expect("changed");
        assert_eq!(changed, vec!["a.txt", "b.txt", "new.txt"]);
    }

    #[test]
    fn a_commit_takes_only_the_given_paths() {
        let (_tmp, git) = repo(&["a.txt", "b.txt"]);
        std::fs::write(git.top.join("a.txt"), "mine\n").expect("write");
        std::fs::write(git.top.join("b.txt"), "someone else's\n").expect("write");
        let out = git
            .commit_paths(&["a.txt".to_string()], "a only", 5)
            .expect("commit");
        assert!(matches!(out, Committed::Commit(_)), "{out:?}");
        let files = git
            .run(&["show", "--name-only", "--format=", "HEAD"], None)
            .expect("show");
        assert_eq!(String::from_utf8_lossy(&files), "a.txt\n");
        assert!(git.snapshot().expect("snapshot").contains_key("b.txt"));
    }

    #[test]
    fn nothing_to_commit_is_nothing() {
        let (_tmp, git) = repo(&["a.txt"]);
        assert_eq!(
            git.commit_paths(&[], "none", 5).expect("empty"),
            Committed::Nothing
        );
        let unchanged = vec!["a.txt".to_string()];
        assert_eq!(
            git.commit_paths(&unchanged, "none", 5).expect("unchanged"),
            Committed::Nothing
        );
    }
}
