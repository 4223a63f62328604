//! Storage: finding the project, reading ticket files, and writing them
//! atomically into the right folder under a per-project lock.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::cache;
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::id;
use crate::ticket::{Meta, Ticket};
use crate::yaml::{self, ParseFailure};

/// Name of the project folder docket looks for.
pub const DIR_NAME: &str = ".docket";
/// Git-ignored local state inside [`DIR_NAME`].
pub(crate) const LOCAL_DIR: &str = "local";

/// An opened project: its root (the folder holding `.docket/`) and its config.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub dir: PathBuf,
    pub config: Config,
    /// Where the lock, sessions and claims live: shared by every git worktree
    /// of one repository (see [`shared_dir_for`]), else `.docket/local`.
    pub shared: PathBuf,
}

/// The coordination space of a project rooted at `root`: inside a git
/// repository, `<git common dir>/docket/<project path in the worktree>`, so
/// every worktree of the repository sees the same lock, sessions and claims;
/// outside git, `.docket/local`. Found by reading `.git` (a folder, or a file
/// naming the worktree's git dir whose `commondir` names the common one): no
/// `git` process is started.
pub fn shared_dir_for(root: &Path) -> PathBuf {
    let local = root.join(DIR_NAME).join("local");
    let mut cur = Some(root);
    while let Some(dir) = cur {
        let dot_git = dir.join(".git");
        if let Some(common) = git_common_dir(&dot_git) {
            let rel = root.strip_prefix(dir).unwrap_or(Path::new(""));
            let key: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let key = if key.is_empty() {
                "root".to_string()
            } else {
                key.join("%")
            };
            return common.join("docket").join(key);
        }
        cur = dir.parent();
    }
    local
}

/// The common git dir behind a `.git` folder or `gitdir:` file, if any.
fn git_common_dir(dot_git: &Path) -> Option<PathBuf> {
    let meta = fs::metadata(dot_git).ok()?;
    if meta.is_dir() {
        return dot_git
            .join("HEAD")
            .is_file()
            .then(|| dot_git.to_path_buf());
    }
    // A worktree (or submodule): `.git` is a file `gitdir: <path>`.
    let text = fs::read_to_string(dot_git).ok()?;
    let gitdir = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
    let base = dot_git.parent()?;
    let gitdir = base.join(gitdir);
    match fs::read_to_string(gitdir.join("commondir")) {
        Ok(common) => Some(gitdir.join(common.trim())),
        Err(_) => Some(gitdir),
    }
    .filter(|d| d.is_dir())
}

/// A ticket file known by name only (no parsing): enough to resolve ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    pub id: String,
    pub path: PathBuf,
    pub archived: bool,
}

/// A ticket file as a scan's walk finds it: where it is. Its id is read
/// from the name only if the file fails (a scan holds 100k of these at once).
#[derive(Debug)]
pub(crate) struct FileAt {
    pub(crate) path: PathBuf,
    pub(crate) archived: bool,
}

/// A ticket's frontmatter and where its file is: what listings work on.
#[derive(Debug, Clone)]
pub struct Entry {
    pub meta: Meta,
    pub path: PathBuf,
    pub archived: bool,
    /// The runner's order (frontmatter `sequence`, a key `Meta` does not
    /// know): read with the frontmatter and cached with it, so ordering a
    /// board by it reads no file.
    pub sequence: Option<f64>,
}

/// A file that could not be loaded; skipped by commands, reported by `check`.
#[derive(Debug, Clone)]
pub struct FileFailure {
    pub path: PathBuf,
    pub id: String,
    pub failure: ParseFailure,
}

/// Every ticket's frontmatter, plus the files that failed to parse.
#[derive(Debug, Default)]
pub struct Scan {
    pub entries: Vec<Entry>,
    pub failures: Vec<FileFailure>,
    /// How each file looked when the scan stat'ed it, so `check`'s verdict
    /// cache can key on the very stat the frontmatter came from instead of
    /// stat'ing every file a second time. Whole only from
    /// [`Project::scan_stamped`]: [`Project::scan`] keeps the failures' part
    /// alone, and a scan built some other way (the hot index's) has none;
    /// users must check [`ScanStamps::cover`] and otherwise treat every file
    /// as unstamped.
    pub stamps: ScanStamps,
    /// Stray temp files (`.tmp-*`) in the ticket folders, seen by the same
    /// listing, so `check` need not list 100k names again to find them.
    /// `None` when the scan did not look (built some other way).
    pub stray_temps: Option<Vec<PathBuf>>,
}

impl Scan {
    /// Every scanned ticket file's id, from its name (parsed or not): what
    /// handles are computed over, without listing the folders again.
    pub fn file_ids(&self) -> Vec<&str> {
        self.entries
            .iter()
            .filter_map(|e| id_from_file_name(name_in(&e.path)))
            .chain(self.failures.iter().map(|f| f.id.as_str()))
            .collect()
    }
}

/// The stat stamps of a [`Scan`], alongside its entries and failures (kept
/// apart so that code building `Entry` and `FileFailure` values by hand needs
/// no change).
#[derive(Debug, Default, Clone)]
pub struct ScanStamps {
    /// One per [`Scan::entries`], same order; empty unless asked for
    /// ([`Project::scan_stamped`]).
    pub entries: Vec<Stamp>,
    /// One per [`Scan::failures`], same order: the file's position in the
    /// folder listing (entries and failures interleaved, live first), so a
    /// reader can walk every file in listing order; and its stamp, `None`
    /// when the stat itself failed or refused the file (not regular, too big).
    pub failures: Vec<(usize, Option<Stamp>)>,
}

impl ScanStamps {
    /// Whether these stamps describe `scan` (same counts): a scan assembled
    /// without them has none, and every file must then count as unstamped.
    pub fn cover(&self, scan_entries: usize, scan_failures: usize) -> bool {
        self.entries.len() == scan_entries && self.failures.len() == scan_failures
    }
}

/// A file's size, mtime and ctime (ns since the epoch) and inode: what the
/// derived caches key on besides the name. ctime and inode catch an edit that
/// restores size and mtime (`touch -r`, `os.utime`) or a file swapped in by
/// rename, since nobody can set ctime back (short of resetting the clock).
pub type Stamp = (u64, u64, u64, u64);

/// Options for [`Project::init`].
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub prefix: String,
    pub preset: String,
    pub force: bool,
}

/// Held while a mutation reads, changes and writes tickets; dropping releases it.
pub struct ProjectLock {
    _file: File,
}

impl Project {
    /// Find the nearest `.docket/` at or above `start` and load its config.
    pub fn discover(start: &Path) -> Result<Project> {
        let start_abs = if start.is_absolute() {
            start.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::io(start, e))?
                .join(start)
        };
        match Project::find_root(&start_abs) {
            Some(root) => Project::open(&root),
            None => Err(Error::NoProject { start: start_abs }),
        }
    }

    /// The nearest folder at or above `start` (relative to the current
    /// folder unless absolute) holding `.docket/`, found without loading its
    /// config (what [`Project::discover`] opens).
    pub fn find_root(start: &Path) -> Option<PathBuf> {
        let start = if start.is_absolute() {
            start.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(start)
        };
        start
            .ancestors()
            .find(|dir| dir.join(DIR_NAME).is_dir())
            .map(Path::to_path_buf)
    }

    /// Open the project whose root is exactly `root`.
    pub fn open(root: &Path) -> Result<Project> {
        let dir = root.join(DIR_NAME);
        let config = Config::load(&dir.join("config.toml"))?;
        Ok(Project {
            root: root.to_path_buf(),
            dir,
            config,
            shared: shared_dir_for(root),
        })
    }

    /// Create `.docket/` in `root` with a commented config for the preset.
    pub fn init(root: &Path, opts: &InitOptions) -> Result<Project> {
        config::validate_prefix(&opts.prefix)?;
        let text = config::preset_template(&opts.preset, &opts.prefix).ok_or_else(|| {
            Error::invalid(format!(
                "unknown preset `{}` (available: {})",
                opts.preset,
                config::PRESETS.join(", ")
            ))
        })?;
        let dir = root.join(DIR_NAME);
        if dir.exists() && !opts.force {
            return Err(Error::AlreadyExists { path: dir });
        }
        // Validate before touching the disk.
        let config = Config::parse(&text, &dir.join("config.toml"))?;
        for sub in ["tickets", "archive", "local"] {
            fs::create_dir_all(dir.join(sub)).map_err(|e| Error::io(dir.join(sub), e))?;
        }
        write_atomic(
            &dir.join(".gitignore"),
            b"# Derived state: caches, sessions, runner logs.\nlocal/\n",
        )?;
        write_atomic(&dir.join("config.toml"), text.as_bytes())?;
        Ok(Project {
            root: root.to_path_buf(),
            dir,
            config,
            shared: shared_dir_for(root),
        })
    }

    pub fn tickets_dir(&self) -> PathBuf {
        self.dir.join("tickets")
    }

    pub fn archive_dir(&self) -> PathBuf {
        self.dir.join("archive")
    }

    /// Git-ignored local state (cache, lock, later sessions and runner logs).
    pub fn local_dir(&self) -> PathBuf {
        self.dir.join(LOCAL_DIR)
    }

    /// `path` relative to the project root with forward slashes, for output.
    pub fn display_path(&self, path: &Path) -> String {
        self.display_path_of(path).into_owned()
    }

    /// [`Project::display_path`], borrowed from `path` when it can be (a
    /// listing calls this for every row).
    pub fn display_path_of<'a>(&self, path: &'a Path) -> std::borrow::Cow<'a, str> {
        // The common case, a path built under the root: the bytes after
        // `root/`, with no per-component work.
        let rest = path
            .as_os_str()
            .as_encoded_bytes()
            .strip_prefix(self.root.as_os_str().as_encoded_bytes())
            .and_then(|rest| rest.strip_prefix(b"/"));
        if let Some(rest) = rest
            && !rest.is_empty()
            && !rest.starts_with(b"/")
            && !rest.starts_with(b"./")
            && let Ok(rest) = std::str::from_utf8(rest)
        {
            return std::borrow::Cow::Borrowed(rest);
        }
        let Ok(rel) = path.strip_prefix(&self.root) else {
            // Outside the project (a worktree's shared space): as it is, not
            // `//abs/path` from joining the root component.
            return path.to_string_lossy();
        };
        // Unix separators already are `/`.
        rel.to_string_lossy()
    }

    /// The coordination space shared by every worktree (lock, sessions, claims).
    pub fn shared_dir(&self) -> &Path {
        &self.shared
    }

    /// Take the project's mutation lock, waiting for other writers (in every
    /// worktree of the repository: the lock lives in the shared space).
    pub fn lock(&self) -> Result<ProjectLock> {
        let shared = self.shared_dir();
        fs::create_dir_all(shared).map_err(|e| Error::io(shared, e))?;
        let path = shared.join("lock");
        // O_NOFOLLOW: a symlink planted at the lock path (dangling or not) must
        // not make docket create or truncate a file outside the project.
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let is_file = file.metadata().map(|m| m.is_file()).unwrap_or(false);
        if !is_file {
            return Err(Error::io(
                &path,
                std::io::Error::other("the lock path is not a regular file"),
            ));
        }
        file.lock().map_err(|e| Error::io(&path, e))?;
        let lock = ProjectLock { _file: file };
        // Before anything else under the lock: finish or undo a move a killed
        // process left half done, and sweep its temp files.
        self.recover()?;
        Ok(lock)
    }

    /// Where ticket writes stage their temp files: git-ignored, on the same
    /// file system as the ticket folders, swept under the lock.
    pub fn tmp_dir(&self) -> PathBuf {
        self.local_dir().join("tmp")
    }

    fn journal_path(&self) -> PathBuf {
        self.local_dir().join(MOVE_JOURNAL)
    }

    /// The interrupted move recorded in the journal, if any: (old, new) paths,
    /// both validated to be ticket file names in `tickets/` or `archive/`,
    /// so a planted journal cannot make docket unlink anything else.
    fn pending_move(&self) -> Option<(PathBuf, PathBuf)> {
        let text = read_small_regular(&self.journal_path(), 4096).ok()??;
        let text = String::from_utf8(text).ok()?;
        let mut lines = text.lines();
        if lines.next()? != JOURNAL_MAGIC {
            return None;
        }
        let mut path = || -> Option<PathBuf> {
            let rel = lines.next()?;
            let (dir, name) = rel.split_once('/')?;
            if !matches!(dir, "tickets" | "archive")
                || name.contains('/')
                || id_from_file_name(name).is_none()
            {
                return None;
            }
            Some(self.dir.join(dir).join(name))
        };
        let old = path()?;
        let new = path()?;
        Some((old, new))
    }

    /// Whether an interrupted move's journal is present (a reader of a derived
    /// view, such as the hot index, then falls back to the folder walk, which
    /// hides the move's old file).
    pub fn move_pending(&self) -> bool {
        self.pending_move().is_some()
    }

    /// Under the lock: complete or undo an interrupted move, then sweep temp
    /// files left by killed writes. A move is complete once its new file
    /// exists (it was renamed into place whole), so the old one goes;
    /// otherwise the old file is untouched and the journal is dropped.
    pub fn recover(&self) -> Result<()> {
        let journal = self.journal_path();
        if let Some((old, new)) = self.pending_move() {
            if is_regular(&new) && is_regular(&old) {
                fs::remove_file(&old).map_err(|e| Error::io(&old, e))?;
            }
            crate::index::forget(self);
        }
        match fs::remove_file(&journal) {
            Ok(()) => sync_dir(&self.local_dir()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&journal, e)),
        }
        // The ticket folders are listed for stray `.tmp-*` files (older
        // versions staged there) only when the id index is not current: a
        // current index means no file appeared there since a listing that
        // found none (a listing that sees strays leaves the index stale), so
        // a mutation costs the same at 100k tickets as at 1k.
        let strays = if crate::index::current_before_write(self) {
            self.temp_files_with(&[])
        } else {
            self.temp_files()
        };
        for path in strays {
            let _ = fs::remove_file(path);
        }
        sweep_stale_temps(&self.local_dir());
        Ok(())
    }

    /// Temp files left by killed ticket writes: everything in the staging
    /// folder, and `.tmp-*` files in the ticket folders (older versions staged
    /// there). `check` reports them; the next mutation sweeps them.
    pub fn temp_files(&self) -> Vec<PathBuf> {
        self.temp_files_from(&[self.tickets_dir(), self.archive_dir()], Vec::new())
    }

    /// [`Project::temp_files`] given the stray `.tmp-*` files a listing of
    /// the ticket folders already found ([`Scan::stray_temps`]): lists only
    /// the temp folder, not 100k ticket names again.
    pub fn temp_files_with(&self, strays: &[PathBuf]) -> Vec<PathBuf> {
        self.temp_files_from(&[], strays.to_vec())
    }

    fn temp_files_from(&self, ticket_dirs: &[PathBuf], mut out: Vec<PathBuf>) -> Vec<PathBuf> {
        let dirs = std::iter::once((self.tmp_dir(), true))
            .chain(ticket_dirs.iter().map(|d| (d.clone(), false)));
        for (dir, all) in dirs {
            let Ok(rd) = fs::read_dir(&dir) else {
                continue;
            };
            for ent in rd.flatten() {
                let name = ent.file_name();
                let name = name.to_string_lossy();
                if all || name.starts_with(".tmp-") {
                    out.push(ent.path());
                }
            }
        }
        out.sort();
        out
    }

    /// Write a ticket file atomically: staged in [`Project::tmp_dir`] (never a
    /// stray file in a ticket folder), fsynced, renamed into place.
    pub fn write_ticket_file(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let tmp_dir = self.tmp_dir();
        fs::create_dir_all(&tmp_dir).map_err(|e| Error::io(&tmp_dir, e))?;
        write_atomic_via(&tmp_dir, path, bytes)
    }

    /// Every ticket file, by name only, live first then archived. Also
    /// rebuilds the id index when it is not current.
    pub fn files(&self) -> Result<Vec<FileRef>> {
        let before = crate::index::stamp_now(self);
        let mut out = Vec::new();
        let mut strays = Vec::new();
        self.walk_with(
            |_, name, path, archived| out.push(file_ref(path, &name, archived)),
            Some(&mut strays),
        )?;
        // Stray temp files keep the index stale, so the next mutation lists
        // the folders and sweeps them (see `recover`).
        if strays.is_empty() && !crate::index::current_before_write(self) {
            crate::index::rebuild(self, &out, before);
        }
        Ok(out)
    }

    /// [`Project::files`], each with `f` of its directory entry (to stat it
    /// relative to the open folder, `fstatat`, instead of walking its whole
    /// path again), in folder order. Reading a large folder is slow in the
    /// kernel, so `f` runs on other cores while it is still being read.
    /// Also returns the stray temp files (`.tmp-*`) the same listing saw.
    /// The files come in batches, so a caller that consumes them in turn
    /// frees each as it goes (at 100k files they weigh 20 MB).
    #[allow(clippy::type_complexity)]
    pub(crate) fn file_entries_mapped<R: Send>(
        &self,
        f: impl Fn(&FileAt, &fs::DirEntry) -> R + Sync,
    ) -> Result<(Vec<Vec<(FileAt, R)>>, Vec<PathBuf>)> {
        let mut temps = Vec::new();
        let threads = threads_for(usize::MAX);
        let mut batch = Vec::with_capacity(WALK_BATCH);
        if threads <= 1 {
            let mut done = Vec::new();
            self.walk_with(
                |ent, _, path, archived| {
                    batch.push((FileAt { path, archived }, ent));
                    if batch.len() == WALK_BATCH {
                        done.push(map_batch(std::mem::take(&mut batch), &f));
                    }
                },
                Some(&mut temps),
            )?;
            done.push(map_batch(batch, &f));
            return Ok((done, temps));
        }
        let f = &f;
        let (tx, rx) = std::sync::mpsc::channel::<(usize, WalkBatch)>();
        let rx = &std::sync::Mutex::new(rx);
        std::thread::scope(|s| {
            let mut helpers = Vec::new();
            let mut sent = 0;
            let walked = self.walk_with(
                |ent, _, path, archived| {
                    batch.push((FileAt { path, archived }, ent));
                    if batch.len() == WALK_BATCH {
                        // Helpers start with the first full batch: a small
                        // project is cheaper on this thread alone.
                        if helpers.is_empty() {
                            helpers = (1..threads)
                                .map(|_| s.spawn(move || map_batches(rx, f)))
                                .collect();
                        }
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(WALK_BATCH));
                        // A helper that panicked drops its end; the join
                        // below passes the panic on.
                        let _ = tx.send((sent, full));
                        sent += 1;
                    }
                },
                Some(&mut temps),
            );
            let _ = tx.send((sent, std::mem::take(&mut batch)));
            drop(tx);
            // This thread takes what is left, then the helpers' parts.
            let mut parts = map_batches(rx, f);
            for h in helpers {
                parts.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
            walked?;
            parts.sort_unstable_by_key(|(i, _)| *i);
            Ok((parts.into_iter().map(|(_, part)| part).collect(), temps))
        })
    }

    /// Visit every ticket file's directory entry and (UTF-8) name, live
    /// first, also collecting stray temp files (`.tmp-*`, what
    /// [`Project::temp_files`] reports in ticket folders) into `temps`.
    fn walk_with(
        &self,
        mut visit: impl FnMut(fs::DirEntry, String, PathBuf, bool),
        mut temps: Option<&mut Vec<PathBuf>>,
    ) -> Result<()> {
        // An interrupted move (one failed open when there is none): its old
        // file is hidden once the new one exists, so a reader never sees the
        // ticket twice before the next mutation completes the move.
        let hidden = self
            .pending_move()
            .filter(|(_, new)| is_regular(new))
            .map(|(old, _)| old);
        for (dir, archived) in [(self.tickets_dir(), false), (self.archive_dir(), true)] {
            let rd = match fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(&dir, e)),
            };
            for ent in rd {
                let ent = ent.map_err(|e| Error::io(&dir, e))?;
                let name = ent.file_name();
                if let Some(temps) = temps.as_deref_mut()
                    && name.as_encoded_bytes().starts_with(b".tmp-")
                {
                    temps.push(ent.path());
                }
                let Ok(name) = name.into_string() else {
                    continue;
                };
                if id_from_file_name(&name).is_some() {
                    // Sized exactly: a scan keeps 100k of these.
                    let mut path = PathBuf::with_capacity(dir.as_os_str().len() + 1 + name.len());
                    path.push(&dir);
                    path.push(&name);
                    if hidden.as_ref().is_none_or(|h| *h != path) {
                        visit(ent, name, path, archived);
                    }
                }
            }
        }
        Ok(())
    }

    /// Resolve a partial id to its file (live or archived): from the id index
    /// when it is current (no folder listing), else from the names alone,
    /// building a path only for the match.
    pub fn resolve(&self, input: &str) -> Result<FileRef> {
        self.resolve_all(input)?
            .into_iter()
            .next()
            .ok_or(Error::NotFound {
                input: input.to_string(),
            })
    }

    /// Every file holding the id `input` resolves to: one, unless the id is
    /// duplicated (which mutations refuse).
    pub fn resolve_all(&self, input: &str) -> Result<Vec<FileRef>> {
        if let crate::index::Found::Candidates(found) = crate::index::candidates(self, input) {
            let id = id::resolve(input, found.iter().map(|f| f.id.as_str()))?;
            // Trusted, but verified: the file must be where the index says.
            let hits: Vec<FileRef> = found
                .into_iter()
                .filter(|f| f.id == id && fs::symlink_metadata(&f.path).is_ok())
                .collect();
            if !hits.is_empty() {
                return Ok(hits);
            }
        }
        let files = self.files()?;
        let id = id::resolve(input, files.iter().map(|f| f.id.as_str()))?;
        Ok(files.into_iter().filter(|f| f.id == id).collect())
    }

    /// Read and parse one ticket file.
    pub fn read(&self, f: &FileRef) -> Result<Ticket> {
        let text = self.read_text(&f.path).map_err(|p| Error::Parse {
            path: f.path.clone(),
            message: p.message,
        })?;
        yaml::parse_ticket(&text, &f.path).map_err(|p| Error::Parse {
            path: f.path.clone(),
            message: p.message,
        })
    }

    /// Resolve a partial id and read the ticket.
    pub fn get(&self, input: &str) -> Result<Ticket> {
        let f = self.resolve(input)?;
        self.read(&f)
    }

    /// A ticket file's text, within the size cap and only if regular.
    pub fn read_text(&self, path: &Path) -> std::result::Result<String, ParseFailure> {
        read_ticket_text(path, self.config.project.max_ticket_bytes)
    }

    /// [`Project::get`] for a mutation: refuses (`duplicate_id`) when several
    /// files hold the id and (`id_mismatch`) when the file name and the
    /// frontmatter id disagree, since writing either could clobber the
    /// ticket other tickets mean.
    pub fn get_for_write(&self, input: &str) -> Result<Ticket> {
        let all = self.resolve_all(input)?;
        if all.len() > 1 {
            return Err(Error::DuplicateId {
                id: all[0].id.clone(),
                paths: all.into_iter().map(|f| f.path).collect(),
            });
        }
        let f = all.into_iter().next().ok_or(Error::NotFound {
            input: input.to_string(),
        })?;
        self.read_for_write(&f)
    }

    /// [`Project::read`] refusing a file whose name and frontmatter id disagree.
    pub fn read_for_write(&self, f: &FileRef) -> Result<Ticket> {
        let t = self.read(f)?;
        if t.meta.id != f.id {
            return Err(Error::IdMismatch {
                path: f.path.clone(),
                file_id: f.id.clone(),
                meta_id: t.meta.id.to_string(),
            });
        }
        Ok(t)
    }

    /// Every ticket's frontmatter, served from the derived cache where the file
    /// is unchanged, parsed (on all cores) where it is not.
    pub fn scan(&self) -> Result<Scan> {
        cache::scan(self, false)
    }

    /// [`Project::scan`] with every entry's stamp kept ([`Scan::stamps`]),
    /// for `check`'s verdict cache; other scans drop them (3 MB at 100k).
    pub fn scan_stamped(&self) -> Result<Scan> {
        cache::scan(self, true)
    }

    /// Read every ticket in full (body and unknown keys), in parallel.
    pub fn read_all(&self) -> Result<(Vec<Ticket>, Vec<FileFailure>)> {
        let files = self.files()?;
        let results = parallel_map(&files, |f| {
            let text = self.read_text(&f.path)?;
            yaml::parse_ticket(&text, &f.path)
        });
        let mut tickets = Vec::with_capacity(files.len());
        let mut failures = Vec::new();
        for (f, r) in files.into_iter().zip(results) {
            match r {
                Ok(t) => tickets.push(t),
                Err(failure) => failures.push(FileFailure {
                    path: f.path,
                    id: f.id,
                    failure,
                }),
            }
        }
        Ok((tickets, failures))
    }

    /// Where a ticket's file belongs given its status.
    pub fn target_path(&self, t: &Ticket) -> PathBuf {
        let dir = if self.config.is_terminal(&t.meta.status) {
            self.archive_dir()
        } else {
            self.tickets_dir()
        };
        let name = t
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| id_from_file_name(n) == Some(t.meta.id.as_str()))
            .map(String::from)
            .unwrap_or_else(|| file_name(&t.meta.id, &t.meta.title));
        dir.join(name)
    }

    /// Write a ticket atomically, moving it between `tickets/` and `archive/` when
    /// its status says so. The caller holds the lock. Returns the new path.
    ///
    /// A move is journaled: the journal names (old, new); the new content is
    /// renamed into the target folder whole, then the old file is unlinked,
    /// then the journal. A process killed in between leaves both files for a
    /// moment: readers skip the old one (see [`Project::files`]) and the next
    /// lock holder removes it ([`Project::recover`]). Refuses to replace
    /// another ticket's file.
    pub fn save(&self, t: &mut Ticket) -> Result<PathBuf> {
        let target = self.target_path(t);
        let text = yaml::render_ticket(t);
        let old = t.path.clone();
        let indexed = crate::index::current_before_write(self);
        let moving = !old.as_os_str().is_empty() && old != target && old.exists();
        let creating = old.as_os_str().is_empty() || !old.exists();
        if (creating || moving) && fs::symlink_metadata(&target).is_ok() {
            return Err(Error::DuplicateId {
                id: t.meta.id.to_string(),
                paths: vec![target.clone()],
            });
        }
        if moving {
            self.write_journal(&old, &target)?;
            self.write_ticket_file(&target, text.as_bytes())?;
            sync_dir(target.parent().unwrap_or(Path::new(".")));
            fs::remove_file(&old).map_err(|e| Error::io(&old, e))?;
            sync_dir(old.parent().unwrap_or(Path::new(".")));
            let journal = self.journal_path();
            fs::remove_file(&journal).map_err(|e| Error::io(&journal, e))?;
        } else {
            self.write_ticket_file(&target, text.as_bytes())?;
        }
        t.path = target.clone();
        if indexed {
            let f = FileRef {
                id: t.meta.id.to_string(),
                path: target.clone(),
                archived: self.config.is_terminal(&t.meta.status),
            };
            crate::index::after_write(self, Some(&f), None);
        }
        Ok(target)
    }

    fn write_journal(&self, old: &Path, new: &Path) -> Result<()> {
        let rel = |p: &Path| -> Result<String> {
            let r = p
                .strip_prefix(&self.dir)
                .ok()
                .and_then(|r| r.to_str())
                .filter(|r| !r.contains('\n'))
                .ok_or_else(|| Error::invalid(format!("cannot journal {}", p.display())))?;
            Ok(r.to_string())
        };
        let text = format!("{JOURNAL_MAGIC}\n{}\n{}\n", rel(old)?, rel(new)?);
        self.write_ticket_file(&self.journal_path(), text.as_bytes())?;
        sync_dir(&self.local_dir());
        Ok(())
    }

    /// Whether a ticket with exactly this id exists (from the id index when it
    /// is current, else by listing).
    pub fn id_taken(&self, id: &str) -> Result<bool> {
        if let Some(known) = crate::index::exists(self, id) {
            return Ok(known);
        }
        Ok(self.files()?.iter().any(|f| f.id.eq_ignore_ascii_case(id)))
    }

    /// Remove a ticket file. The caller holds the lock.
    pub fn remove(&self, t: &Ticket) -> Result<()> {
        let indexed = crate::index::current_before_write(self);
        fs::remove_file(&t.path).map_err(|e| Error::io(&t.path, e))?;
        if indexed {
            crate::index::after_write(self, None, Some(&t.meta.id));
        }
        Ok(())
    }
}

fn file_ref(path: PathBuf, name: &str, archived: bool) -> FileRef {
    FileRef {
        id: id_from_file_name(name).unwrap_or_default().to_string(),
        path,
        archived,
    }
}

/// The id part of `<id>--<slug>.md` (or `<id>.md`); `None` for other files.
pub fn id_from_file_name(name: &str) -> Option<&str> {
    if name.starts_with('.') {
        return None;
    }
    let stem = name.strip_suffix(".md")?;
    // A byte search: `split_once("--")` sets up a substring searcher per call.
    let id = match stem.as_bytes().windows(2).position(|w| w == b"--") {
        Some(i) => &stem[..i],
        None => stem,
    };
    (!id.is_empty()).then_some(id)
}

/// The last component of a ticket file's path, cut from its bytes:
/// `Path::file_name` parses every component, which a listing of 100k files
/// pays for several times. Empty when it is not UTF-8.
pub fn name_in(path: &Path) -> &str {
    let bytes = path.as_os_str().as_encoded_bytes();
    let start = bytes.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    std::str::from_utf8(&bytes[start..]).unwrap_or_default()
}

/// `<id>--<slug>.md`
pub fn file_name(id: &str, title: &str) -> String {
    format!("{id}--{}.md", crate::ticket::slugify(title))
}

/// Temp file in the same folder, fsync, rename: readers see the old or the new
/// file, never a half-written one. The mode follows the umask (like any file
/// an editor creates), not tempfile's 0600.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    write_atomic_via(dir, path, bytes)
}

/// [`write_atomic`] staging the temp file in `tmp_dir` (same file system).
fn write_atomic_via(tmp_dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(tmp_dir)
        .map_err(|e| Error::io(tmp_dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// How old a derived file's temp file must be before a mutation sweeps it.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes `.tmp-*` files in `dir` (`.docket/local/`) older than
/// [`STALE_TEMP`]. Derived files (caches, indexes) are staged beside
/// themselves by reads, outside the lock, so a reader killed mid-write
/// leaves one (24 MB for the cache at 100k tickets) that nothing else would
/// ever remove. A younger one may still be in flight and is left alone;
/// losing one in flight would only lose that cache write. Best effort.
fn sweep_stale_temps(dir: &Path) {
    let Ok(rd) = fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for ent in rd.flatten() {
        if !ent.file_name().as_encoded_bytes().starts_with(b".tmp-") {
            continue;
        }
        // The entry's own metadata: a symlink is judged (and removed) as
        // itself, never followed.
        let old = ent
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .is_some_and(|t| now.duration_since(t).is_ok_and(|age| age >= STALE_TEMP));
        if old {
            let _ = fs::remove_file(ent.path());
        }
    }
}

/// Name of the move journal in `.docket/local/`.
const MOVE_JOURNAL: &str = "move-journal";
const JOURNAL_MAGIC: &str = "docket-move-v1";

/// fsync a folder so a rename in it survives a power cut; best effort.
fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// A regular file (not following a final symlink).
fn is_regular(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Read a file only if it is a regular file of at most `cap` bytes, without
/// ever blocking (FIFO) or following a symlink: `Ok(None)` when it is missing.
/// Errors say why a file was refused.
pub fn read_small_regular(path: &Path, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    read_regular(path, cap, false)
}

/// Largest derived file (cache, verdicts, id index) docket reads back.
pub const MAX_DERIVED_BYTES: u64 = 1 << 32;

/// A derived binary file in `.docket/local/` (`None`: missing). Like
/// [`read_small_regular`]: a FIFO, device or symlink put in its place is an
/// error (the caller rebuilds), never a read that blocks.
pub fn read_derived(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    read_regular(path, MAX_DERIVED_BYTES, false)
}

/// A file people edit (`config.toml`, `roles.toml`) as text, up to `cap`
/// bytes. Symlinks are followed (a shared config is fine), but only a
/// regular file is read: a FIFO or device fails here instead of blocking.
pub fn read_user_text(path: &Path, cap: u64) -> std::io::Result<String> {
    let bytes = read_regular(path, cap, true)?.ok_or_else(not_found)?;
    String::from_utf8(bytes).map_err(|_| std::io::Error::other("not UTF-8 text"))
}

/// Read a small local-state file (session, claim, journal) as text, never
/// following a symlink out of the project nor blocking on a FIFO; a missing
/// file is `NotFound`, like `fs::read_to_string`.
pub fn read_local_text(path: &Path) -> std::io::Result<String> {
    let bytes = read_regular(path, 1 << 20, false)?.ok_or_else(not_found)?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

/// A missing file's error as `fs::read_to_string` reports it ("No such file
/// or directory (os error 2)", kind `NotFound`): it reaches users in
/// `config_invalid` messages.
fn not_found() -> std::io::Error {
    std::io::Error::from_raw_os_error(libc::ENOENT)
}

/// Read a file that is (or, with `follow`, whose symlink target is) a regular
/// file of at most `cap` bytes. Opened non-blocking and checked with `fstat`
/// before reading, so a FIFO or a device (`/dev/zero`) is refused at once.
fn read_regular(path: &Path, cap: u64, follow: bool) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let Some((file, len)) = open_regular(path, cap, follow)? else {
        return Ok(None);
    };
    let mut buf = Vec::with_capacity(len as usize);
    file.take(cap.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(std::io::Error::other(format!("over the {cap}-byte limit")));
    }
    Ok(Some(buf))
}

/// Open a derived file to read it in parts, with [`read_derived`]'s checks;
/// also its size. `None` when it is missing.
pub fn open_derived(path: &Path) -> std::io::Result<Option<(File, u64)>> {
    open_regular(path, MAX_DERIVED_BYTES, false)
}

/// [`read_regular`]'s open and checks, without reading.
fn open_regular(path: &Path, cap: u64, follow: bool) -> std::io::Result<Option<(File, u64)>> {
    let flags = if follow {
        libc::O_NONBLOCK
    } else {
        libc::O_NOFOLLOW | libc::O_NONBLOCK
    };
    let file = match File::options().read(true).custom_flags(flags).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > cap {
        return Err(std::io::Error::other(format!(
            "{} bytes, over the {cap}-byte limit",
            meta.len()
        )));
    }
    Ok(Some((file, meta.len())))
}

/// Read a ticket file's text: only a regular file (a symlink to one is
/// fine) within the project's size cap. Failures carry the stable codes
/// `check` reports: `not_regular_file`, `file_too_large`,
/// `frontmatter_parse_error` (unreadable or not UTF-8).
pub fn read_ticket_text(path: &Path, cap: u64) -> std::result::Result<String, ParseFailure> {
    let meta = fs::metadata(path).map_err(|e| ParseFailure {
        code: "frontmatter_parse_error",
        message: e.to_string(),
    })?;
    check_ticket_meta(&meta, cap)?;
    let bytes = read_regular(path, cap, true)
        .map_err(|e| ParseFailure {
            code: if meta.len() > cap {
                "file_too_large"
            } else {
                "frontmatter_parse_error"
            },
            message: e.to_string(),
        })?
        .ok_or_else(|| ParseFailure {
            code: "frontmatter_parse_error",
            message: "file vanished".into(),
        })?;
    String::from_utf8(bytes).map_err(|_| ParseFailure {
        code: "frontmatter_parse_error",
        message: "file is not valid UTF-8".into(),
    })
}

/// Read a ticket file a scan already listed (its size was checked against
/// the project's cap then): still only a regular file, never blocking.
pub fn read_listed_text(path: &Path) -> Option<String> {
    read_ticket_text(path, u64::MAX).ok()
}

/// The type and size test of [`read_ticket_text`] on already-fetched
/// metadata (the cache stats every file anyway).
pub fn check_ticket_meta(meta: &fs::Metadata, cap: u64) -> std::result::Result<(), ParseFailure> {
    if !meta.is_file() {
        return Err(ParseFailure {
            code: "not_regular_file",
            message: "not a regular file (FIFO, device, folder or dangling link): skipped".into(),
        });
    }
    if meta.len() > cap {
        return Err(ParseFailure {
            code: "file_too_large",
            message: format!(
                "{} bytes, over the {cap}-byte limit ([project] max_ticket_bytes): skipped",
                meta.len()
            ),
        });
    }
    Ok(())
}

/// Files per unit of work while the folders are read and stat'ed at once.
const WALK_BATCH: usize = 512;

/// Ticket files with their directory entries, in folder order.
type WalkBatch = Vec<(FileAt, fs::DirEntry)>;

/// `f` over one batch; the directory entries are dropped as they are used.
fn map_batch<R>(batch: WalkBatch, f: &impl Fn(&FileAt, &fs::DirEntry) -> R) -> Vec<(FileAt, R)> {
    batch
        .into_iter()
        .map(|(r, ent)| {
            let out = f(&r, &ent);
            (r, out)
        })
        .collect()
}

/// [`map_batch`] over every numbered batch received until the walk is over.
fn map_batches<R>(
    rx: &std::sync::Mutex<std::sync::mpsc::Receiver<(usize, WalkBatch)>>,
    f: &impl Fn(&FileAt, &fs::DirEntry) -> R,
) -> Vec<(usize, Vec<(FileAt, R)>)> {
    let mut done = Vec::new();
    loop {
        let next = rx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .recv();
        match next {
            Ok((i, batch)) => done.push((i, map_batch(batch, f))),
            Err(_) => return done,
        }
    }
}

/// How many threads a parallel pass over `len` items uses (1: stay on this
/// thread).
pub(crate) fn threads_for(len: usize) -> usize {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if len < 64 { 1 } else { threads }
}

/// The results of per-chunk threads, in chunk order, in one vector: the first
/// chunk's grows once (no second full-size buffer).
fn join_in_order<R>(handles: Vec<std::thread::ScopedJoinHandle<'_, Vec<R>>>) -> Vec<R> {
    let mut out: Vec<R> = Vec::new();
    for h in handles {
        let part = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        if out.is_empty() {
            out = part;
        } else {
            out.extend(part);
        }
    }
    out
}

/// `f` over consecutive chunks of `items` (one per available core, each of
/// at least `min_chunk` items, sizes differing by one at most), in parallel,
/// in order.
pub fn parallel_chunks<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let parts = threads_for(usize::MAX)
        .min(items.len() / min_chunk.max(1))
        .max(1);
    if parts == 1 {
        return vec![f(items)];
    }
    let (base, extra) = (items.len() / parts, items.len() % parts);
    std::thread::scope(|s| {
        let f = &f;
        let mut rest = items;
        let handles: Vec<_> = (0..parts)
            .map(|i| {
                let (chunk, more) = rest.split_at(base + usize::from(i < extra));
                rest = more;
                s.spawn(move || vec![f(chunk)])
            })
            .collect();
        join_in_order(handles)
    })
}

/// Map `f` over `items` on all available cores, keeping order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len());
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        join_in_order(
            items
                .chunks(chunk)
                .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
                .collect(),
        )
    })
}

/// [`parallel_map`] consuming its items, so results can take what they own
/// (paths, say) without a copy.
pub fn parallel_map_owned<T: Send, R: Send>(
    mut items: Vec<T>,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let threads = threads_for(items.len());
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut parts = Vec::with_capacity(threads);
    while items.len() > chunk {
        parts.push(items.split_off(items.len() - chunk));
    }
    parts.push(items);
    parts.reverse();
    let f = &f;
    std::thread::scope(|s| {
        join_in_order(
            parts
                .into_iter()
                .map(|part| s.spawn(move || part.into_iter().map(f).collect::<Vec<R>>()))
                .collect(),
        )
    })
}

/// Maps batches on all cores, round after round.
pub(crate) type Rounds<'r, B, R> = dyn FnMut(Vec<B>) -> Vec<R> + 'r;

/// Runs `body` with a way to map batches with `work` on worker threads kept
/// for the whole pass over `len` items (none for a few: they are mapped on
/// this thread); each call's results come back in batch order. Threads
/// spawned afresh each round would each strand that round's freed memory in
/// an allocator heap nobody reuses: at 100k tickets, tens of MB of resident
/// garbage. A panic in `work` is passed on.
pub(crate) fn with_workers<B: Send, R: Send, O>(
    len: usize,
    work: impl Fn(B) -> R + Sync,
    body: impl FnOnce(&mut Rounds<'_, B, R>) -> O,
) -> O {
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    use std::sync::{Mutex, PoisonError, mpsc};
    let threads = threads_for(len);
    if threads <= 1 {
        return body(&mut |batches| batches.into_iter().map(&work).collect());
    }
    let work = &work;
    let (tx, rx) = mpsc::channel::<(usize, B)>();
    let rx = &Mutex::new(rx);
    // `tx` moves into the scope and is dropped when `body` is done (or
    // panics): the workers' `recv` then fails and they stop.
    std::thread::scope(move |s| {
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            s.spawn(move || {
                loop {
                    let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((i, batch)) = next else { return };
                    let out = catch_unwind(AssertUnwindSafe(|| work(batch)));
                    if done_tx.send((i, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        body(&mut |batches| {
            let n = batches.len();
            for (i, batch) in batches.into_iter().enumerate() {
                // Workers only stop once `tx` is dropped, after `body`.
                let _ = tx.send((i, batch));
            }
            let mut parts: Vec<Option<R>> = (0..n).map(|_| None).collect();
            for _ in 0..n {
                match done_rx.recv() {
                    Ok((i, Ok(part))) => parts[i] = Some(part),
                    Ok((_, Err(panic))) => resume_unwind(panic),
                    // Unreachable while workers live (they stop only once
                    // `tx` is dropped, after `body`).
                    Err(_) => unreachable!("workers stopped while a round was out"),
                }
            }
            parts.into_iter().flatten().collect()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::with_workers;

    /// Rounds of batches come back in order, whatever worker took which,
    /// and the same workers serve every round.
    #[test]
    fn workers_answer_each_round_in_batch_order() {
        let seen = std::sync::Mutex::new(std::collections::HashSet::new());
        let work = |b: Vec<u32>| {
            seen.lock().unwrap().insert(std::thread::current().id());
            b.into_iter().map(|x| x * 2).collect::<Vec<_>>()
        };
        let rounds = with_workers(usize::MAX, work, |map| {
            (0..50u32)
                .map(|r| {
                    let batches: Vec<Vec<u32>> = (0..7).map(|b| vec![r * 100 + b, r]).collect();
                    map(batches)
                })
                .collect::<Vec<_>>()
        });
        for (r, round) in rounds.iter().enumerate() {
            let r = r as u32;
            let want: Vec<Vec<u32>> = (0..7).map(|b| vec![(r * 100 + b) * 2, r * 2]).collect();
            assert_eq!(round, &want);
        }
        assert!(seen.lock().unwrap().len() <= super::threads_for(usize::MAX));
    }

    /// A panic in a worker reaches the caller instead of hanging it.
    #[test]
    fn a_worker_panic_is_passed_on() {
        let outcome = std::panic::catch_unwind(|| {
            with_workers(
                usize::MAX,
                |b: u32| {
                    assert!(b != 3, "boom");
                    vec![b]
                },
                |map| map((0..6).collect()),
            )
        });
        assert!(outcome.is_err());
    }
}
