//! The derived frontmatter cache in `.docket/local/`. It only ever saves parsing:
//! an entry is used when the file's size, mtime, ctime and inode are unchanged,
//! and a missing or unreadable cache is rebuilt silently. Correctness never
//! depends on it. `check`'s verdict cache (`verdicts.rs`) reuses the stamps
//! taken here and the in-line lookup ([`InLine`]).

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::{Entry, FileFailure, FileRef, Project, Scan, Stamp, parallel_map, write_atomic};
use crate::ticket::Meta;
use crate::yaml::ParseFailure;

const VERSION: u32 = 3;
const FILE_NAME: &str = "cache-v3.bin";

#[derive(Deserialize)]
struct CacheFile {
    version: u32,
    entries: Vec<CacheEntry>,
}

#[derive(Deserialize)]
struct CacheEntry {
    archived: bool,
    name: String,
    size: u64,
    mtime_ns: u64,
    ctime_ns: u64,
    ino: u64,
    meta: Meta,
    sequence: Option<f64>,
}

/// The same wire format as [`CacheFile`], borrowed: writing clones nothing.
#[derive(Serialize)]
struct CacheFileRef<'a> {
    version: u32,
    entries: Vec<CacheEntryRef<'a>>,
}

#[derive(Serialize)]
struct CacheEntryRef<'a> {
    archived: bool,
    name: &'a str,
    size: u64,
    mtime_ns: u64,
    ctime_ns: u64,
    ino: u64,
    meta: &'a Meta,
    sequence: Option<f64>,
}

/// A decoded per-file cache: this one, and `check`'s verdicts. Entries are
/// written in folder-listing order, and a folder's listing order is stable
/// while it is unchanged, so lookups first try the next entry in line and only
/// fall back to a by-name index (built on first need) after files were added,
/// removed or renamed. Hits are moved out.
pub(crate) struct InLine<E> {
    entries: Vec<Option<E>>,
    next: usize,
    index: Option<HashMap<(bool, String), usize>>,
}

/// What [`InLine`] finds an entry by: archived or not, and the file name.
pub(crate) trait Keyed {
    fn key(&self) -> (bool, &str);
}

impl Keyed for CacheEntry {
    fn key(&self) -> (bool, &str) {
        (self.archived, &self.name)
    }
}

impl<E> Default for InLine<E> {
    fn default() -> Self {
        InLine {
            entries: Vec::new(),
            next: 0,
            index: None,
        }
    }
}

impl<E: Keyed> InLine<E> {
    pub(crate) fn new(entries: Vec<E>) -> Self {
        InLine {
            entries: entries.into_iter().map(Some).collect(),
            ..InLine::default()
        }
    }

    pub(crate) fn take(&mut self, archived: bool, name: &str) -> Option<E> {
        if let Some(Some(e)) = self.entries.get(self.next)
            && e.key() == (archived, name)
        {
            self.next += 1;
            return self.entries[self.next - 1].take();
        }
        let entries = &self.entries;
        let index = self.index.get_or_insert_with(|| {
            entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    e.as_ref().map(|e| {
                        let (archived, name) = e.key();
                        ((archived, name.to_string()), i)
                    })
                })
                .collect()
        });
        let i = index.remove(&(archived, name.to_string()))?;
        self.next = i + 1;
        self.entries[i].take()
    }

    /// Whether entries are left that no file claimed (deleted files).
    pub(crate) fn has_leftovers(&self) -> bool {
        self.entries.iter().any(Option::is_some)
    }
}

fn load(project: &Project) -> InLine<CacheEntry> {
    let path = project.local_dir().join(FILE_NAME);
    let Ok(bytes) = fs::read(&path) else {
        return InLine::default();
    };
    match postcard::from_bytes::<CacheFile>(&bytes) {
        Ok(c) if c.version == VERSION => InLine::new(c.entries),
        _ => InLine::default(),
    }
}

fn io_failure(e: std::io::Error) -> ParseFailure {
    ParseFailure {
        code: "frontmatter_parse_error",
        message: e.to_string(),
    }
}

/// The cache key of a ticket file, stat'ed relative to its open directory.
/// Symlinks are followed, so an edit to the target is seen. A file that is
/// not regular or is over the size cap fails here, before anyone opens it.
fn stamp(f: &FileRef, ent: &fs::DirEntry, cap: u64) -> std::result::Result<Stamp, ParseFailure> {
    use std::os::unix::fs::MetadataExt;
    let mut md = ent.metadata().map_err(io_failure)?;
    if md.file_type().is_symlink() {
        md = fs::metadata(&f.path).map_err(|_| ParseFailure {
            code: "not_regular_file",
            message: "dangling symlink: skipped".into(),
        })?;
    }
    crate::store::check_ticket_meta(&md, cap)?;
    let mtime_ns = md
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let ctime_ns = (md.ctime() as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(md.ctime_nsec() as u64);
    Ok((md.len(), mtime_ns, ctime_ns, md.ino()))
}

fn parse(project: &Project, path: &Path) -> std::result::Result<(Meta, Option<f64>), ParseFailure> {
    let text = project.read_text(path)?;
    crate::query::listed_fields(&text, path)
}

pub(crate) fn name_of(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

/// Frontmatter of every ticket, from the cache where it is still valid.
///
/// The cache is read and decoded on one thread while this one lists the folders
/// and stats every file (on all cores); hits are then moved out of the cache
/// (no clones) and only misses are read and parsed, in parallel.
pub(crate) fn scan(project: &Project) -> Result<Scan> {
    let (mut cached, listed) = std::thread::scope(|s| {
        let loader = s.spawn(|| load(project));
        let listed = project.file_entries().map(|(entries, temps)| {
            let cap = project.config.project.max_ticket_bytes;
            let stamps = parallel_map(&entries, |(f, ent)| stamp(f, ent, cap));
            (entries, stamps, temps)
        });
        let cached = loader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (cached, listed)
    });
    let (entries, stamps, temps) = listed?;
    let files: Vec<FileRef> = entries.into_iter().map(|(f, _)| f).collect();

    // Hits, in file order; `None` for misses and failures.
    let mut dirty = false;
    let mut hits: Vec<Option<(Meta, Option<f64>)>> = Vec::with_capacity(files.len());
    let mut misses: Vec<usize> = Vec::new();
    for (i, (f, st)) in files.iter().zip(&stamps).enumerate() {
        let hit = match st {
            Ok(st) => match cached.take(f.archived, name_of(&f.path)) {
                Some(e) if (e.size, e.mtime_ns, e.ctime_ns, e.ino) == *st => {
                    Some((e.meta, e.sequence))
                }
                _ => {
                    misses.push(i);
                    None
                }
            },
            Err(_) => None,
        };
        dirty |= hit.is_none();
        hits.push(hit);
    }
    // Entries left over belong to files that are gone.
    dirty |= cached.has_leftovers();
    drop(cached);
    let parsed = parallel_map(&misses, |&i| parse(project, &files[i].path));
    let mut parsed = misses.into_iter().zip(parsed).peekable();

    let mut scan = Scan {
        stray_temps: Some(temps),
        ..Scan::default()
    };
    scan.entries.reserve(files.len());
    scan.stamps.entries.reserve(files.len());
    for (i, ((f, st), hit)) in files.into_iter().zip(stamps).zip(hits).enumerate() {
        // A failure keeps its stamp when the stat worked (a parse error):
        // `check` can then cache what it found in the file's body too.
        let stat_ok = st.as_ref().ok().copied();
        let meta = match (st, hit) {
            (Ok(st), Some(meta)) => Ok((st, meta)),
            (Err(failure), _) => Err(failure),
            (Ok(st), None) => {
                let (j, r) = parsed.next().expect("one parse per miss");
                debug_assert_eq!(i, j);
                r.map(|meta| (st, meta))
            }
        };
        match meta {
            Ok((st, (meta, sequence))) => {
                scan.stamps.entries.push(st);
                scan.entries.push(Entry {
                    meta,
                    path: f.path,
                    archived: f.archived,
                    sequence,
                });
            }
            Err(failure) => {
                scan.stamps.failures.push((i, stat_ok));
                scan.failures.push(FileFailure {
                    path: f.path,
                    id: f.id,
                    failure,
                });
            }
        }
    }
    if dirty {
        store(project, &scan.entries, &scan.stamps.entries);
    }
    Ok(scan)
}

/// Best effort: a cache that cannot be written is simply rebuilt next time.
fn store(project: &Project, entries: &[Entry], stamps: &[Stamp]) {
    let dir = project.local_dir();
    if fs::create_dir_all(&dir).is_err() {
        return;
    }
    let file = CacheFileRef {
        version: VERSION,
        entries: entries
            .iter()
            .zip(stamps)
            .map(|(e, &(size, mtime_ns, ctime_ns, ino))| CacheEntryRef {
                archived: e.archived,
                name: name_of(&e.path),
                size,
                mtime_ns,
                ctime_ns,
                ino,
                meta: &e.meta,
                sequence: e.sequence,
            })
            .collect(),
    };
    if let Ok(bytes) = postcard::to_allocvec(&file) {
        let _ = write_atomic(&dir.join(FILE_NAME), &bytes);
    }
    // A cache of an older format is dead weight once this one is written.
    let _ = fs::remove_file(dir.join("cache-v2.bin"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{self, Ctx, NewTicket};
    use crate::store::InitOptions;

    fn titles(p: &Project) -> Vec<String> {
        let s = p.scan().unwrap();
        let mut t: Vec<String> = s.entries.into_iter().map(|e| e.meta.title).collect();
        t.sort();
        t
    }

    /// A fresh project of the `simple` preset.
    fn simple_project() -> (tempfile::TempDir, Project) {
        let tmp = tempfile::tempdir().unwrap();
        let opts = InitOptions {
            prefix: "t".into(),
            preset: "simple".into(),
            force: false,
        };
        let p = Project::init(tmp.path(), &opts).unwrap();
        (tmp, p)
    }

    /// The cache only saves work: every change on disk shows up in the next scan.
    #[test]
    fn cache_follows_the_files() {
        let (_tmp, p) = simple_project();
        let ctx = Ctx::now(None);
        // Enough files for the parallel paths.
        let mut paths = Vec::new();
        for i in 0..100 {
            let new = NewTicket {
                title: format!("t{i:03}"),
                ..Default::default()
            };
            paths.push(ops::create(&p, &ctx, new).unwrap().ticket.path);
        }
        let mut want: Vec<String> = (0..100).map(|i| format!("t{i:03}")).collect();
        assert_eq!(titles(&p), want, "cold");
        assert!(p.local_dir().join(FILE_NAME).exists());
        assert_eq!(titles(&p), want, "warm");

        // Edited in place (different size), deleted, added, renamed.
        let text = fs::read_to_string(&paths[5]).unwrap();
        fs::write(
            &paths[5],
            text.replace("title: t005", "title: edited-longer"),
        )
        .unwrap();
        fs::remove_file(&paths[7]).unwrap();
        let renamed = paths[9].with_file_name("t-zzzzzzzz--moved.md");
        let text = fs::read_to_string(&paths[9]).unwrap();
        fs::rename(&paths[9], &renamed).unwrap();
        fs::write(&renamed, text.replace("id: t-", "id: t-x")).unwrap();
        ops::create(
            &p,
            &ctx,
            NewTicket {
                title: "t100".into(),
                ..Default::default()
            },
        )
        .unwrap();
        want[5] = "edited-longer".into();
        want.remove(7);
        want.push("t100".into());
        want.sort();
        assert_eq!(titles(&p), want, "after changes");
        assert_eq!(titles(&p), want, "after changes, warm");

        // Same size, new mtime: still re-parsed.
        let text = fs::read_to_string(&paths[6]).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&paths[6], text.replace("title: t006", "title: x006")).unwrap();
        want[6] = "x006".into();
        want.sort();
        assert_eq!(titles(&p), want, "same size");

        // A broken file is reported, not served from the cache.
        fs::write(&paths[8], "not frontmatter").unwrap();
        let s = p.scan().unwrap();
        assert_eq!(s.failures.len(), 1);
        assert_eq!(s.entries.len(), want.len() - 1);

        // A corrupt cache is ignored.
        fs::write(p.local_dir().join(FILE_NAME), b"\x01garbage").unwrap();
        assert_eq!(p.scan().unwrap().entries.len(), want.len() - 1);
    }

    /// `sequence` rides in the cache with the frontmatter, and follows edits.
    #[test]
    fn the_sequence_is_cached_and_follows_edits() {
        let (_tmp, p) = simple_project();
        let new = NewTicket {
            title: "a".into(),
            ..Default::default()
        };
        let path = ops::create(&p, &Ctx::now(None), new).unwrap().ticket.path;
        let seq = |p: &Project| p.scan().unwrap().entries[0].sequence;
        assert_eq!(seq(&p), None, "cold, no key");
        let text = fs::read_to_string(&path).unwrap();
        fs::write(
            &path,
            text.replacen("title: a", "title: a\nsequence: 2.5", 1),
        )
        .unwrap();
        assert_eq!(seq(&p), Some(2.5), "edited");
        assert_eq!(seq(&p), Some(2.5), "warm, from the cache");
        // A cache entry whose sequence disagrees with the file is never
        // served once the file changes.
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("sequence: 2.5", "sequence: 7")).unwrap();
        assert_eq!(seq(&p), Some(7.0), "edited again");
        // Odd YAML goes through the real parser.
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("sequence: 7", "sequence: &s 3")).unwrap();
        assert_eq!(seq(&p), Some(3.0), "anchored");
    }
}
