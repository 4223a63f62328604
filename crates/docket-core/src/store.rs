//! Storage: finding the project, reading ticket files, and writing them
//! atomically into the right folder under a per-project lock.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cache;
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::id;
use crate::ticket::{Meta, Ticket};
use crate::yaml::{self, ParseFailure};

/// Name of the project folder docket looks for.
pub const DIR_NAME: &str = ".docket";

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

/// A ticket's frontmatter and where its file is: what listings work on.
#[derive(Debug, Clone)]
pub struct Entry {
    pub meta: Meta,
    pub path: PathBuf,
    pub archived: bool,
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
}

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
        let mut cur = Some(start_abs.as_path());
        while let Some(dir) = cur {
            let candidate = dir.join(DIR_NAME);
            if candidate.is_dir() {
                return Project::open(dir);
            }
            cur = dir.parent();
        }
        Err(Error::NoProject { start: start_abs })
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
        self.dir.join("local")
    }

    /// `path` relative to the project root with forward slashes, for output.
    pub fn display_path(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
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
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        file.lock().map_err(|e| Error::io(&path, e))?;
        Ok(ProjectLock { _file: file })
    }

    /// Every ticket file, by name only, live first then archived. Also
    /// rebuilds the id index when it is not current.
    pub fn files(&self) -> Result<Vec<FileRef>> {
        let before = crate::index::stamp_now(self);
        let mut out = Vec::new();
        self.walk(|ent, name, archived| out.push(file_ref(ent.path(), &name, archived)))?;
        if !crate::index::current_before_write(self) {
            crate::index::rebuild(self, &out, before);
        }
        Ok(out)
    }

    /// [`Project::files`] with each file's directory entry, so callers can stat
    /// relative to the open directory (`fstatat`) instead of walking the full
    /// path again for every file.
    pub(crate) fn file_entries(&self) -> Result<Vec<(FileRef, fs::DirEntry)>> {
        let mut out = Vec::new();
        self.walk(|ent, name, archived| out.push((file_ref(ent.path(), &name, archived), ent)))?;
        Ok(out)
    }

    /// Visit every ticket file's directory entry and (UTF-8) name, live first.
    fn walk(&self, mut visit: impl FnMut(fs::DirEntry, String, bool)) -> Result<()> {
        for (dir, archived) in [(self.tickets_dir(), false), (self.archive_dir(), true)] {
            let rd = match fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(&dir, e)),
            };
            for ent in rd {
                let ent = ent.map_err(|e| Error::io(&dir, e))?;
                let Ok(name) = ent.file_name().into_string() else {
                    continue;
                };
                if id_from_file_name(&name).is_some() {
                    visit(ent, name, archived);
                }
            }
        }
        Ok(())
    }

    /// Resolve a partial id to its file (live or archived): from the id index
    /// when it is current (no folder listing), else from the names alone,
    /// building a path only for the match.
    pub fn resolve(&self, input: &str) -> Result<FileRef> {
        if let crate::index::Found::Candidates(found) = crate::index::candidates(self, input) {
            let id = id::resolve(input, found.iter().map(|f| f.id.as_str()))?;
            // Trusted, but verified: the file must be where the index says.
            if let Some(f) = found.into_iter().find(|f| f.id == id && f.path.is_file()) {
                return Ok(f);
            }
        }
        let files = self.files()?;
        let id = id::resolve(input, files.iter().map(|f| f.id.as_str()))?;
        files
            .into_iter()
            .find(|f| f.id == id)
            .ok_or(Error::NotFound {
                input: input.to_string(),
            })
    }

    /// Read and parse one ticket file.
    pub fn read(&self, f: &FileRef) -> Result<Ticket> {
        let text = fs::read_to_string(&f.path).map_err(|e| Error::io(&f.path, e))?;
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

    /// Every ticket's frontmatter, served from the derived cache where the file
    /// is unchanged, parsed (on all cores) where it is not.
    pub fn scan(&self) -> Result<Scan> {
        cache::scan(self)
    }

    /// Read every ticket in full (body and unknown keys), in parallel.
    pub fn read_all(&self) -> Result<(Vec<Ticket>, Vec<FileFailure>)> {
        let files = self.files()?;
        let results = parallel_map(&files, |f| {
            let text = fs::read_to_string(&f.path).map_err(|e| ParseFailure {
                code: "frontmatter_parse_error",
                message: e.to_string(),
            })?;
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
    pub fn save(&self, t: &mut Ticket) -> Result<PathBuf> {
        let target = self.target_path(t);
        let text = yaml::render_ticket(t);
        let old = t.path.clone();
        let indexed = crate::index::current_before_write(self);
        if old.as_os_str().is_empty() || !old.exists() {
            write_atomic(&target, text.as_bytes())?;
        } else {
            // Content first (one atomic rename in place), then a single rename
            // into the right folder: a crash leaves one whole file, never two.
            write_atomic(&old, text.as_bytes())?;
            if old != target {
                fs::rename(&old, &target).map_err(|e| Error::io(&target, e))?;
            }
        }
        t.path = target.clone();
        if indexed {
            let f = FileRef {
                id: t.meta.id.clone(),
                path: target.clone(),
                archived: self.config.is_terminal(&t.meta.status),
            };
            crate::index::after_write(self, Some(&f), None);
        }
        Ok(target)
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
    let id = stem.split_once("--").map(|(id, _)| id).unwrap_or(stem);
    (!id.is_empty()).then_some(id)
}

/// `<id>--<slug>.md`
pub fn file_name(id: &str, title: &str) -> String {
    format!("{id}--{}.md", crate::ticket::slugify(title))
}

/// Temp file in the same folder, fsync, rename: readers see the old or the new
/// file, never a half-written one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Map `f` over `items` on all available cores, keeping order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads <= 1 || items.len() < 64 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
