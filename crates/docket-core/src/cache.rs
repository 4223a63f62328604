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
use crate::store::{
    Entry, FileFailure, FileRef, Project, Scan, Stamp, parallel_map_owned, write_atomic,
};
use crate::ticket::Meta;
use crate::yaml::ParseFailure;

const VERSION: u32 = 4;
const FILE_NAME: &str = "cache-v4.bin";
/// Caches of older formats: dead weight once this one is written.
const OLD_FILE_NAMES: [&str; 2] = ["cache-v2.bin", "cache-v3.bin"];

/// The file opens with this; `count` [`CacheEntry`]s follow back to back, so
/// the entry list is sized exactly once.
#[derive(Serialize, Deserialize)]
struct Header {
    version: u32,
    count: u64,
}

/// One file's key and stamp, with its listed fields still encoded: decoding
/// borrows names and fields from the file's bytes, and only a hit's fields
/// are ever decoded, straight into the scan's entry.
#[derive(Serialize, Deserialize, Clone, Copy)]
struct CacheEntry<'a> {
    archived: bool,
    name: &'a str,
    stamp: Stamp,
    #[serde(borrow)]
    listed: Encoded<'a>,
}

/// Postcard bytes of a file's `(Meta, sequence)`. A hit's bytes are written
/// back as they were, so rewriting the cache after one change re-encodes one
/// entry, not all. Empty for a file that failed to parse at this stamp
/// ([`FAILED`]): it is parsed again for its error, but one broken ticket no
/// longer makes every scan rewrite the whole cache.
#[derive(Clone, Copy)]
struct Encoded<'a>(&'a [u8]);

impl Serialize for Encoded<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Encoded<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        <&'a [u8]>::deserialize(d).map(Encoded)
    }
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

impl Keyed for CacheEntry<'_> {
    fn key(&self) -> (bool, &str) {
        (self.archived, self.name)
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

/// The cache's entries, borrowed from its bytes (read into `raw`); none when
/// it is missing, of another version or corrupt.
fn load<'a>(project: &Project, raw: &'a mut Vec<u8>) -> InLine<CacheEntry<'a>> {
    match crate::store::read_derived(&project.local_dir().join(FILE_NAME)) {
        Ok(Some(bytes)) => *raw = bytes,
        _ => return InLine::default(),
    }
    let raw: &'a Vec<u8> = raw;
    decode(raw).map(InLine::new).unwrap_or_default()
}

fn decode(bytes: &[u8]) -> Option<Vec<CacheEntry<'_>>> {
    let (header, mut rest) = postcard::take_from_bytes::<Header>(bytes).ok()?;
    if header.version != VERSION {
        return None;
    }
    // An entry takes more than 8 bytes: a corrupt count cannot reserve much.
    let count = usize::try_from(header.count).ok()?;
    let mut entries = Vec::with_capacity(count.min(bytes.len() / 8));
    for _ in 0..count {
        let (entry, more) = postcard::take_from_bytes::<CacheEntry>(rest).ok()?;
        entries.push(entry);
        rest = more;
    }
    rest.is_empty().then_some(entries)
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
    crate::store::name_in(path)
}

/// The listed bytes of a file that failed to parse: no `(Meta, sequence)`
/// encodes to nothing.
const FAILED: &[u8] = &[];

/// Files decoded per round of a scan: enough to keep every core busy, few
/// enough that a round's outcomes stay small next to the entries.
const DECODE_ROUND: usize = 8192;

/// A file to decode: its stamp (or why it has none) and its cached fields.
type Work<'a> = (
    FileRef,
    std::result::Result<Stamp, ParseFailure>,
    Option<&'a [u8]>,
);

/// One file's outcome in a scan, in file order. Nearly every file is
/// `Listed`: boxing the entry would only add an allocation per file.
#[allow(clippy::large_enum_variant)]
enum Outcome<'a> {
    /// Its entry and stamp, and its encoded fields when they came from the
    /// cache (to write back unchanged).
    Listed(Entry, Stamp, Option<&'a [u8]>),
    /// Why it could not be listed, its stamp when the stat worked, and
    /// whether the cache already knew it failed at that stamp.
    Failed(FileFailure, Option<Stamp>, bool),
}

/// Frontmatter of every ticket, from the cache where it is still valid.
///
/// The cache is read and its index decoded on one thread while this one lists
/// the folders and stats every file (on all cores). Then every file's fields
/// are decoded from the cache (a hit) or read and parsed (a miss), in
/// parallel, straight into the entries: nothing is decoded twice or copied.
pub(crate) fn scan(project: &Project) -> Result<Scan> {
    let mut raw = Vec::new();
    let (mut cached, listed) = std::thread::scope(|s| {
        let raw = &mut raw;
        let loader = s.spawn(move || load(project, raw));
        let cap = project.config.project.max_ticket_bytes;
        let listed = project.file_entries_mapped(|f, ent| stamp(f, ent, cap));
        let cached = loader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (cached, listed)
    });
    let (stamped, temps) = listed?;

    let mut scan = Scan {
        stray_temps: Some(temps),
        ..Scan::default()
    };
    let count = stamped.iter().map(Vec::len).sum();
    scan.entries.reserve_exact(count);
    scan.stamps.entries.reserve_exact(count);
    let mut encoded = Vec::with_capacity(count);
    // Any miss, or a cached entry no file claims, means a rewrite.
    let mut dirty = false;
    let mut fresh = false;
    // Decoded a round at a time on all cores, each round moved straight into
    // the entries: the outcomes of the whole project never exist at once.
    let mut stamped = stamped.into_iter().flatten();
    let mut i = 0;
    loop {
        // Each file's cached fields, if still valid.
        let round: Vec<Work<'_>> = stamped
            .by_ref()
            .take(DECODE_ROUND)
            .map(|(f, st)| {
                let hit = st.as_ref().ok().and_then(|st| {
                    let hit = cached
                        .take(f.archived, name_of(&f.path))
                        .filter(|e| e.stamp == *st)
                        .map(|e| e.listed.0);
                    dirty |= hit.is_none();
                    hit
                });
                (f, st, hit)
            })
            .collect();
        if round.is_empty() {
            break;
        }
        for outcome in parallel_map_owned(round, |w| entry_of(project, w)) {
            match outcome {
                Outcome::Listed(entry, st, bytes) => {
                    scan.stamps.entries.push(st);
                    fresh |= bytes.is_none();
                    encoded.push(bytes);
                    scan.entries.push(entry);
                }
                Outcome::Failed(failure, st, known) => {
                    fresh |= st.is_some() && !known;
                    scan.stamps.failures.push((i, st));
                    scan.failures.push(failure);
                }
            }
            i += 1;
        }
    }
    drop(stamped);
    // Entries left over belong to files that are gone.
    dirty |= cached.has_leftovers();
    drop(cached);
    if dirty || fresh {
        store(project, &scan, &encoded);
    }
    Ok(scan)
}

/// A file's entry: decoded from its cached fields on a hit, else read and
/// parsed.
fn entry_of<'a>(project: &Project, (f, st, hit): Work<'a>) -> Outcome<'a> {
    let st = match st {
        Ok(st) => st,
        Err(failure) => return Outcome::Failed(file_failure(f, failure), None, false),
    };
    if let Some(bytes) = hit
        && let Ok(listed) = postcard::from_bytes(bytes)
    {
        return listed_outcome(f, st, listed, Some(bytes));
    }
    // A miss, or an entry that does not decode: read the file.
    match parse(project, &f.path) {
        Ok(listed) => listed_outcome(f, st, listed, None),
        // A parse error keeps its stamp: `check` can then cache what it
        // found in the file's body too.
        Err(failure) => Outcome::Failed(file_failure(f, failure), Some(st), hit == Some(FAILED)),
    }
}

fn listed_outcome<'a>(
    f: FileRef,
    st: Stamp,
    (meta, sequence): (Meta, Option<f64>),
    bytes: Option<&'a [u8]>,
) -> Outcome<'a> {
    let entry = Entry {
        meta,
        path: f.path,
        archived: f.archived,
        sequence,
    };
    Outcome::Listed(entry, st, bytes)
}

fn file_failure(f: FileRef, failure: ParseFailure) -> FileFailure {
    FileFailure {
        path: f.path,
        id: f.id,
        failure,
    }
}

/// Best effort: a cache that cannot be written is simply rebuilt next time.
/// `encoded[i]` is entry `i`'s bytes from the old cache, when it was a hit.
fn store(project: &Project, scan: &Scan, encoded: &[Option<&[u8]>]) {
    let dir = project.local_dir();
    if fs::create_dir_all(&dir).is_err() {
        return;
    }
    let Some(bytes) = encode(project, scan, encoded) else {
        return;
    };
    let _ = write_atomic(&dir.join(FILE_NAME), &bytes);
    for old in OLD_FILE_NAMES {
        let _ = fs::remove_file(dir.join(old));
    }
}

/// The cache's bytes: every listed file and every file that failed to parse
/// (with its stamp), in folder-listing order so the next scan finds each one
/// next in line.
fn encode(project: &Project, scan: &Scan, encoded: &[Option<&[u8]>]) -> Option<Vec<u8>> {
    let archive = project.archive_dir();
    let failed: Vec<(usize, bool, &Path, Stamp)> = scan
        .stamps
        .failures
        .iter()
        .zip(&scan.failures)
        .filter_map(|(&(at, st), f)| {
            let archived = f.path.parent() == Some(archive.as_path());
            Some((at, archived, f.path.as_path(), st?))
        })
        .collect();
    let header = Header {
        version: VERSION,
        count: (scan.entries.len() + failed.len()) as u64,
    };
    let mut out = postcard::to_allocvec(&header).ok()?;
    let mut scratch = Vec::new();
    let mut failed = failed.into_iter().peekable();
    // The position in the listing: entries and failures interleaved.
    let mut at = 0;
    let listed = scan.entries.iter().zip(&scan.stamps.entries).zip(encoded);
    for ((e, &stamp), bytes) in listed {
        while let Some((_, archived, path, st)) = failed.next_if(|f| f.0 <= at) {
            out = put(out, archived, path, st, FAILED)?;
            at += 1;
        }
        let listed = match bytes {
            Some(bytes) => bytes,
            None => {
                scratch.clear();
                scratch = postcard::to_extend(&(&e.meta, e.sequence), scratch).ok()?;
                &scratch[..]
            }
        };
        out = put(out, e.archived, &e.path, stamp, listed)?;
        at += 1;
    }
    for (_, archived, path, st) in failed {
        out = put(out, archived, path, st, FAILED)?;
    }
    Some(out)
}

/// `out` with one more entry.
fn put(out: Vec<u8>, archived: bool, path: &Path, stamp: Stamp, listed: &[u8]) -> Option<Vec<u8>> {
    let entry = CacheEntry {
        archived,
        name: name_of(path),
        stamp,
        listed: Encoded(listed),
    };
    postcard::to_extend(&entry, out).ok()
}

#[cfg(test)]
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

    /// A project of the `simple` preset with `n` tickets titled `t000`, …,
    /// the context that made them, and their paths.
    fn project_with(n: usize) -> (tempfile::TempDir, Project, Ctx, Vec<std::path::PathBuf>) {
        let (tmp, p) = simple_project();
        let ctx = Ctx::now(None);
        let paths = (0..n)
            .map(|i| {
                let new = NewTicket {
                    title: format!("t{i:03}"),
                    ..Default::default()
                };
                ops::create(&p, &ctx, new).unwrap().ticket.path
            })
            .collect();
        (tmp, p, ctx, paths)
    }

    /// The cache only saves work: every change on disk shows up in the next scan.
    #[test]
    fn cache_follows_the_files() {
        // Enough files for the parallel paths.
        let (_tmp, p, ctx, paths) = project_with(100);
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

    /// Records of the cache as stored: (name, encoded fields).
    fn records(p: &Project) -> Vec<(String, Vec<u8>)> {
        let bytes = fs::read(p.local_dir().join(FILE_NAME)).unwrap();
        decode(&bytes)
            .unwrap()
            .into_iter()
            .map(|e| (e.name.to_string(), e.listed.0.to_vec()))
            .collect()
    }

    /// A rewrite after one change copies every other record as it was, and
    /// a record whose fields do not decode is read from its file instead.
    #[test]
    fn hits_are_written_back_as_they_were_and_bad_records_are_reread() {
        let (_tmp, p, _ctx, paths) = project_with(80);
        let want: Vec<String> = (0..80).map(|i| format!("t{i:03}")).collect();
        assert_eq!(titles(&p), want);
        let before = records(&p);
        assert_eq!(before.len(), 80);

        let text = fs::read_to_string(&paths[3]).unwrap();
        fs::write(&paths[3], text.replace("title: t003", "title: t003-x")).unwrap();
        let mut edited = want.clone();
        edited[3] = "t003-x".into();
        assert_eq!(titles(&p), edited);
        let after = records(&p);
        let name3 = name_of(&paths[3]);
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(a.0, b.0, "same order");
            assert_eq!(
                a.1 == b.1,
                a.0 != name3,
                "{}: only the edited record changes",
                a.0
            );
        }

        // Corrupt one record's fields in place (same length, so the index
        // still decodes): that file is parsed again, and the cache healed.
        let path = p.local_dir().join(FILE_NAME);
        let mut bytes = fs::read(&path).unwrap();
        let victim = &after[10].1;
        let at = bytes
            .windows(victim.len())
            .position(|w| w == &victim[..])
            .unwrap();
        bytes[at..at + victim.len()].fill(0xff);
        fs::write(&path, &bytes).unwrap();
        assert_eq!(titles(&p), edited, "the bad record was not trusted");
        assert_eq!(records(&p), after, "and was rewritten");

        // A cache cut short, or with bytes after its last record, is ignored.
        let bytes = fs::read(&path).unwrap();
        assert!(decode(&bytes[..bytes.len() - 1]).is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(titles(&p), edited);
    }

    /// A file that fails to parse is remembered as failed at its stamp, in
    /// its place: later scans still report it (parsing it again for the
    /// error) but leave the cache alone, and a fix is picked up.
    #[test]
    fn a_broken_file_does_not_make_every_scan_rewrite_the_cache() {
        use std::os::unix::fs::MetadataExt;
        let (_tmp, p, _ctx, paths) = project_with(60);
        let cache = p.local_dir().join(FILE_NAME);
        let good = fs::read_to_string(&paths[20]).unwrap();
        fs::write(&paths[20], "---\nid: [broken\n---\n").unwrap();
        let scan = p.scan().unwrap();
        assert_eq!((scan.entries.len(), scan.failures.len()), (59, 1));
        let names: Vec<String> = records(&p).into_iter().map(|r| r.0).collect();
        let at = p.scan().unwrap().stamps.failures[0].0;
        assert_eq!(names.len(), 60, "the failure is recorded too");
        assert_eq!(
            names[at],
            name_of(&paths[20]),
            "in its place in the listing"
        );
        assert!(records(&p)[at].1.is_empty(), "as failed");

        let inode = fs::metadata(&cache).unwrap().ino();
        for _ in 0..3 {
            let scan = p.scan().unwrap();
            assert_eq!(scan.failures.len(), 1, "still reported");
            assert!(scan.failures[0].failure.message.contains("bracket"));
        }
        assert_eq!(
            fs::metadata(&cache).unwrap().ino(),
            inode,
            "never rewritten"
        );

        fs::write(&paths[20], good).unwrap();
        let scan = p.scan().unwrap();
        assert_eq!((scan.entries.len(), scan.failures.len()), (60, 0));
        assert_ne!(
            fs::metadata(&cache).unwrap().ino(),
            inode,
            "the fix is cached"
        );
        assert!(records(&p).iter().all(|r| !r.1.is_empty()));
        let want: Vec<String> = (0..60).map(|i| format!("t{i:03}")).collect();
        assert_eq!(titles(&p), want);
    }

    /// A count no file could hold reserves nothing and decodes to nothing.
    #[test]
    fn a_huge_count_is_refused() {
        let header = Header {
            version: VERSION,
            count: u64::MAX,
        };
        let bytes = postcard::to_allocvec(&header).unwrap();
        assert!(decode(&bytes).is_none());
        let header = Header {
            version: VERSION - 1,
            count: 0,
        };
        assert!(decode(&postcard::to_allocvec(&header).unwrap()).is_none());
        let header = Header {
            version: VERSION,
            count: 0,
        };
        assert_eq!(
            decode(&postcard::to_allocvec(&header).unwrap()).map(|v| v.len()),
            Some(0)
        );
    }
}
