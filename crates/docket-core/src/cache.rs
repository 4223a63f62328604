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
use crate::store::{Entry, FileAt, FileFailure, Project, Scan, Stamp, write_atomic};
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

/// One file's key and stamp, with its listed fields still encoded: indexing
/// the file borrows the name and skips the fields, and only a hit's fields
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
    index: Option<HashMap<(bool, u64), usize>>,
}

/// What [`InLine`] finds an entry by: archived or not, and a 64-bit hash of
/// the file name ([`name_hash`]). A hash, not the name: the frontmatter
/// cache's index need not keep 100k names (5 MB), and an entry is only
/// used when its stamp (size, times, inode) matches the file's too.
pub(crate) trait Keyed {
    fn key(&self) -> (bool, u64);
}

/// The hash [`Keyed`] entries are found by (fixed for the process).
pub(crate) fn name_hash(name: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x646f636b6574).hash_one(name)
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
        Self::of(entries.into_iter().map(Some).collect())
    }

    fn of(entries: Vec<Option<E>>) -> Self {
        InLine {
            entries,
            ..InLine::default()
        }
    }

    pub(crate) fn take(&mut self, archived: bool, name: &str) -> Option<E> {
        let key = (archived, name_hash(name));
        if let Some(Some(e)) = self.entries.get(self.next)
            && e.key() == key
        {
            self.next += 1;
            return self.entries[self.next - 1].take();
        }
        let entries = &self.entries;
        let index = self.index.get_or_insert_with(|| {
            entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.as_ref().map(|e| (e.key(), i)))
                .collect()
        });
        let i = index.remove(&key)?;
        self.next = i + 1;
        self.entries[i].take()
    }

    /// Whether entries are left that no file claimed (deleted files).
    pub(crate) fn has_leftovers(&self) -> bool {
        self.entries.iter().any(Option::is_some)
    }
}

/// What the cache knows of one file before anything is decoded: its key
/// (folder and name hash), stamp and where its listed fields sit in the
/// cache file. The file is read in parts (a round's
/// fields at a time), never held whole: at 100k tickets it is 24 MB, a fifth
/// of a scan's peak.
#[derive(Clone, Copy)]
struct Rec {
    archived: bool,
    name: u64,
    stamp: Stamp,
    /// Where the listed fields start in the file, and their length
    /// (0: the file failed to parse at this stamp, [`FAILED`]).
    at: u64,
    len: u32,
}

impl Keyed for Rec {
    fn key(&self) -> (bool, u64) {
        (self.archived, self.name)
    }
}

/// The cache file, open, with every entry's key and place: the index is
/// the only copy of them (at 100k tickets each copy costs 6 MB).
struct Loaded {
    file: fs::File,
    index: InLine<Rec>,
}

/// Why a value could not be decoded from the bytes read so far.
enum Cut {
    /// They end inside it: more bytes may complete it.
    Short,
    /// It is not a valid value.
    Bad,
}

impl From<postcard::Error> for Cut {
    fn from(e: postcard::Error) -> Self {
        match e {
            postcard::Error::DeserializeUnexpectedEnd => Cut::Short,
            _ => Cut::Bad,
        }
    }
}

/// Bytes read from the cache file at a time. Tiny in unit tests, so nearly
/// every entry there straddles two reads.
const CHUNK: usize = if cfg!(test) { 48 } else { 1 << 20 };

/// The cache file read front to back a chunk at a time.
struct Stream {
    file: fs::File,
    buf: Vec<u8>,
    /// Where decoding stands in `buf`.
    start: usize,
    /// The file offset of `buf[0]`.
    base: u64,
    /// The file's size when opened: no read asks for more (a small cache
    /// must not fault in a whole chunk).
    size: u64,
    eof: bool,
}

impl Stream {
    /// Reads more of the file after what is left undecoded; false at the end.
    fn refill(&mut self) -> bool {
        use std::io::Read;
        if self.eof {
            return false;
        }
        self.buf.drain(..self.start);
        self.base += self.start as u64;
        self.start = 0;
        // An entry bigger than the buffer makes it grow.
        let len = self.buf.len();
        // One byte past the end, so a file that grew is seen as corrupt.
        let left = self.size.saturating_sub(self.base + len as u64) + 1;
        let more = CHUNK
            .max(len)
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        self.buf.resize(len + more, 0);
        let mut got = len;
        while got < self.buf.len() {
            match self.file.read(&mut self.buf[got..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.eof = true;
                    break;
                }
            }
        }
        self.buf.truncate(got);
        got > len
    }

    /// Decodes the next value with `take` (which returns what to keep and
    /// how many bytes it used); `None` once the file is cut short or corrupt.
    /// Only a value cut at the end of what was read reads more: garbage
    /// stops the load at once instead of pulling in the rest of the file.
    fn next<R>(
        &mut self,
        mut take: impl FnMut(&[u8], u64) -> Result<(R, usize), Cut>,
    ) -> Option<R> {
        loop {
            match take(&self.buf[self.start..], self.base + self.start as u64) {
                Ok((r, used)) => {
                    self.start += used;
                    return Some(r);
                }
                Err(Cut::Short) if self.refill() => {}
                Err(_) => return None,
            }
        }
    }

    /// Whether every byte was decoded.
    fn at_end(&mut self) -> bool {
        self.start == self.buf.len() && !self.refill()
    }
}

/// The cache's index (every entry's key and place, not its fields); none
/// when it is missing, of another version or corrupt.
fn load(project: &Project) -> Option<Loaded> {
    let (file, size) = crate::store::open_derived(&project.local_dir().join(FILE_NAME)).ok()??;
    let mut stream = Stream {
        file,
        buf: Vec::new(),
        start: 0,
        base: 0,
        size,
        eof: false,
    };
    let header: Header = stream.next(|bytes, _| {
        let (h, rest) = postcard::take_from_bytes::<Header>(bytes)?;
        Ok((h, bytes.len() - rest.len()))
    })?;
    if header.version != VERSION {
        return None;
    }
    // An entry takes at least 7 bytes: a corrupt count cannot reserve much.
    let count = usize::try_from(header.count).ok()?;
    let mut recs = Vec::with_capacity(count.min(size as usize / 7));
    for _ in 0..count {
        let rec = stream.next(|bytes, base| {
            let (e, rest) = postcard::take_from_bytes::<CacheEntry>(bytes)?;
            // No ticket file has an empty name (a zero-filled file decodes
            // as records of empty names).
            if e.name.is_empty() {
                return Err(Cut::Bad);
            }
            let rec = Rec {
                archived: e.archived,
                name: name_hash(e.name),
                stamp: e.stamp,
                at: base + (e.listed.0.as_ptr() as usize - bytes.as_ptr() as usize) as u64,
                len: u32::try_from(e.listed.0.len()).map_err(|_| Cut::Bad)?,
            };
            Ok((rec, bytes.len() - rest.len()))
        })?;
        recs.push(Some(rec));
    }
    stream.at_end().then(|| Loaded {
        file: stream.file,
        index: InLine::of(recs),
    })
}

/// How many files the frontmatter cache of the project at `root` lists,
/// from its header alone: a face's cheap hint of the project's size before
/// anything is scanned (none when there is no readable cache).
pub fn listed_count(root: &Path) -> Option<u64> {
    use std::io::Read;
    let path = root
        .join(crate::store::DIR_NAME)
        .join(crate::store::LOCAL_DIR)
        .join(FILE_NAME);
    let (file, _) = crate::store::open_derived(&path).ok()??;
    // The header is two varints: at most 5 + 10 bytes.
    let mut head = Vec::with_capacity(16);
    file.take(16).read_to_end(&mut head).ok()?;
    let (header, _) = postcard::take_from_bytes::<Header>(&head).ok()?;
    (header.version == VERSION).then_some(header.count)
}

/// Reads parts of the old cache file in order, a window at a time.
struct Window<'f> {
    file: &'f fs::File,
    /// The file's size: no read asks for more.
    size: u64,
    buf: Vec<u8>,
    /// The file offset of `buf[0]`.
    start: u64,
}

impl<'f> Window<'f> {
    fn new(file: &'f fs::File) -> Self {
        Window {
            file,
            size: file.metadata().map_or(u64::MAX, |m| m.len()),
            buf: Vec::new(),
            start: 0,
        }
    }

    /// `len` bytes at `at`; `None` when the file no longer has them.
    fn get(&mut self, at: u64, len: u32) -> Option<&[u8]> {
        use std::os::unix::fs::FileExt;
        let len = len as usize;
        if len == 0 {
            // A file known to fail: nothing to read.
            return Some(&[]);
        }
        let inside = at >= self.start && at - self.start + len as u64 <= self.buf.len() as u64;
        if !inside {
            let left = usize::try_from(self.size.saturating_sub(at)).unwrap_or(usize::MAX);
            self.buf.resize(CHUNK.min(left).max(len), 0);
            let mut got = 0;
            while got < self.buf.len() {
                match self.file.read_at(&mut self.buf[got..], at + got as u64) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            self.buf.truncate(got);
            self.start = at;
            if got < len {
                return None;
            }
        }
        let from = usize::try_from(at - self.start).ok()?;
        self.buf.get(from..from + len)
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
fn stamp(f: &FileAt, ent: &fs::DirEntry, cap: u64) -> std::result::Result<Stamp, ParseFailure> {
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

/// Files per batch of a scan's decoding (what one worker takes at a time); a
/// round is a batch for every worker, and at least [`DECODE_ROUND`] files:
/// enough to keep every core busy, few enough that a round's outcomes stay
/// small next to the entries.
const DECODE_BATCH: usize = 128;
const DECODE_ROUND: usize = 512;

/// A worker's batch: files, with their hits' fields in one buffer (the
/// span of each file's, and their place in the old cache file), and the
/// vector their outcomes go into. A batch comes back emptied but for its
/// outcomes and is filled again for a later round: a scan allocates its
/// buffers once, not once a round (under mimalloc, buffers freed round after
/// round stayed resident: 30 MB at 100k tickets).
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    items: Vec<Item>,
    outcomes: Vec<Outcome>,
}

/// A file of a [`Batch`]: its stamp (or why it has none) and, on a hit, the
/// span of its fields in the batch's bytes and their place in the cache file.
type Item = (
    FileAt,
    std::result::Result<Stamp, ParseFailure>,
    Option<(usize, usize, Place)>,
);

/// Where a hit's listed fields sit in the old cache file (offset, length).
type Place = (u64, u32);

/// A file to decode: its stamp (or why it has none) and, on a hit, its
/// cached fields (read into the round's buffer) and their place.
type Work<'a> = (
    FileAt,
    std::result::Result<Stamp, ParseFailure>,
    Option<(&'a [u8], Place)>,
);

/// One file's outcome in a scan, in file order. Nearly every file is
/// `Listed`: boxing the entry would only add an allocation per file.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    /// Its entry and stamp, and where its encoded fields are in the old
    /// cache when they came from it (to copy them back unchanged).
    Listed(Entry, Stamp, Option<Place>),
    /// Why it could not be listed, its stamp when the stat worked, and
    /// whether the cache already knew it failed at that stamp.
    Failed(FileFailure, Option<Stamp>, bool),
}

/// Frontmatter of every ticket, from the cache where it is still valid.
///
/// The cache's index (keys and stamps, not fields) is read on one thread
/// while this one lists the folders and stats every file (on all cores).
/// Then, a round at a time, the hits' fields are read from the cache file
/// and every file decoded from them (a hit) or read and parsed (a miss), in
/// parallel, straight into the entries: nothing is decoded twice, and
/// neither the cache file nor the outcomes of the whole project are ever
/// held at once.
pub(crate) fn scan(project: &Project, keep_stamps: bool) -> Result<Scan> {
    let (loaded, listed) = std::thread::scope(|s| {
        let loader = s.spawn(move || load(project));
        let cap = project.config.project.max_ticket_bytes;
        let listed = project.file_entries_mapped(|f, ent| stamp(f, ent, cap));
        let loaded = loader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (loaded, listed)
    });
    let (stamped, temps) = listed?;
    let (old, mut cached) = match loaded {
        Some(l) => (Some(l.file), l.index),
        None => (None, InLine::default()),
    };
    let mut window = old.as_ref().map(Window::new);

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
    let mut stamped = stamped.into_iter().flatten();
    let mut i = 0;
    let decode_batch = |mut batch: Batch| -> Batch {
        let Batch {
            bytes,
            items,
            outcomes,
        } = &mut batch;
        outcomes.extend(items.drain(..).map(|(f, st, hit)| {
            let hit = hit.map(|(from, to, place)| (&bytes[from..to], place));
            entry_of(project, (f, st, hit))
        }));
        bytes.clear();
        batch
    };
    let round_len = DECODE_ROUND.max(DECODE_BATCH * crate::store::threads_for(count));
    let mut round = Vec::with_capacity(round_len);
    let mut spare: Vec<Batch> = Vec::new();
    crate::store::with_workers(count, decode_batch, |decode| {
        loop {
            // Each file's cached entry, if still valid.
            round.extend(stamped.by_ref().take(round_len).map(|(f, st)| {
                let hit = st.as_ref().ok().and_then(|st| {
                    let hit = cached
                        .take(f.archived, name_of(&f.path))
                        .filter(|e| e.stamp == *st);
                    dirty |= hit.is_none();
                    hit
                });
                (f, st, hit)
            }));
            if round.is_empty() {
                break;
            }
            // Batches for the workers, each with its hits' fields read (in
            // file order) into a buffer of its own; a hit the file no longer
            // has is a miss.
            let mut batches: Vec<Batch> = Vec::new();
            let mut files = round.drain(..).peekable();
            while files.peek().is_some() {
                let mut batch = spare.pop().unwrap_or_default();
                let Batch { bytes, items, .. } = &mut batch;
                items.extend(files.by_ref().take(DECODE_BATCH).map(|(f, st, hit)| {
                    let span = hit.and_then(|h: Rec| {
                        let from = bytes.len();
                        bytes.extend_from_slice(window.as_mut()?.get(h.at, h.len)?);
                        Some((from, bytes.len(), (h.at, h.len)))
                    });
                    (f, st, span)
                }));
                batches.push(batch);
            }
            drop(files);
            for mut batch in decode(batches) {
                for outcome in batch.outcomes.drain(..) {
                    match outcome {
                        Outcome::Listed(entry, st, place) => {
                            scan.stamps.entries.push(st);
                            fresh |= place.is_none();
                            encoded.push(place);
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
                spare.push(batch);
            }
        }
    });
    drop(stamped);
    // Entries left over belong to files that are gone.
    dirty |= cached.has_leftovers();
    drop(cached);
    if dirty || fresh {
        store(project, &scan, &encoded, old.as_ref());
    }
    if !keep_stamps {
        // Only a rewrite and `check` use them: 3 MB at 100k the caller
        // need not hold.
        scan.stamps.entries = Vec::new();
    }
    Ok(scan)
}

/// A file's entry: decoded from its cached fields on a hit, else read and
/// parsed.
fn entry_of(project: &Project, (f, st, hit): Work<'_>) -> Outcome {
    let st = match st {
        Ok(st) => st,
        Err(failure) => return Outcome::Failed(file_failure(f, failure), None, false),
    };
    if let Some((bytes, place)) = hit
        && let Ok(listed) = postcard::from_bytes(bytes)
    {
        return listed_outcome(f, st, listed, Some(place));
    }
    // A miss, or an entry that does not decode: read the file.
    match parse(project, &f.path) {
        Ok(listed) => listed_outcome(f, st, listed, None),
        // A parse error keeps its stamp: `check` can then cache what it
        // found in the file's body too.
        Err(failure) => {
            let known = hit.is_some_and(|(bytes, _)| bytes == FAILED);
            Outcome::Failed(file_failure(f, failure), Some(st), known)
        }
    }
}

fn listed_outcome(
    f: FileAt,
    st: Stamp,
    (meta, sequence): (Meta, Option<f64>),
    place: Option<Place>,
) -> Outcome {
    let entry = Entry {
        meta,
        path: f.path,
        archived: f.archived,
        sequence,
    };
    Outcome::Listed(entry, st, place)
}

fn file_failure(f: FileAt, failure: ParseFailure) -> FileFailure {
    let id = crate::store::id_from_file_name(name_of(&f.path)).unwrap_or_default();
    FileFailure {
        id: id.to_string(),
        path: f.path,
        failure,
    }
}

/// Best effort: a cache that cannot be written is simply rebuilt next time.
/// `encoded[i]` is where entry `i`'s bytes are in the `old` cache file, when
/// it was a hit: they are copied back as they were.
fn store(project: &Project, scan: &Scan, encoded: &[Option<Place>], old: Option<&fs::File>) {
    let dir = project.local_dir();
    if fs::create_dir_all(&dir).is_err() {
        return;
    }
    let Some(bytes) = encode(project, scan, encoded, old) else {
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
fn encode(
    project: &Project,
    scan: &Scan,
    encoded: &[Option<Place>],
    old: Option<&fs::File>,
) -> Option<Vec<u8>> {
    let mut window = old.map(Window::new);
    let archive = project.archive_dir();
    // Every failure keeps its place in the listing; only those with a stamp
    // are written (one whose stat failed has nothing to key on).
    let failed: Vec<(usize, bool, &Path, Option<Stamp>)> = scan
        .stamps
        .failures
        .iter()
        .zip(&scan.failures)
        .map(|(&(at, st), f)| {
            let archived = f.path.parent() == Some(archive.as_path());
            (at, archived, f.path.as_path(), st)
        })
        .collect();
    let stamped = failed.iter().filter(|f| f.3.is_some()).count();
    let header = Header {
        version: VERSION,
        count: (scan.entries.len() + stamped) as u64,
    };
    let mut out = postcard::to_allocvec(&header).ok()?;
    let mut scratch = Vec::new();
    let mut failed = failed.into_iter().peekable();
    // The position in the listing: entries and failures interleaved.
    let mut at = 0;
    let listed = scan.entries.iter().zip(&scan.stamps.entries).zip(encoded);
    for ((e, &stamp), place) in listed {
        while let Some((_, archived, path, st)) = failed.next_if(|f| f.0 <= at) {
            if let Some(st) = st {
                out = put(out, archived, path, st, FAILED)?;
            }
            at += 1;
        }
        let listed = match place {
            Some((at, len)) => window.as_mut()?.get(*at, *len)?,
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
        if let Some(st) = st {
            out = put(out, archived, path, st, FAILED)?;
        }
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

    /// Records of the cache as stored: (name, encoded fields), decoded
    /// from the whole file, and checked against what a scan's index finds
    /// (the name's hash, the fields read from their place).
    fn records(p: &Project) -> Vec<(String, Vec<u8>)> {
        let bytes = fs::read(p.local_dir().join(FILE_NAME)).unwrap();
        let (header, mut rest) = postcard::take_from_bytes::<Header>(&bytes).unwrap();
        let mut stored = Vec::new();
        for _ in 0..header.count {
            let (e, more) = postcard::take_from_bytes::<CacheEntry>(rest).unwrap();
            stored.push((e.name.to_string(), e.listed.0.to_vec()));
            rest = more;
        }
        let loaded = load(p).unwrap();
        let mut window = Window::new(&loaded.file);
        let indexed: Vec<(u64, Vec<u8>)> = (loaded.index.entries.iter().flatten())
            .map(|k| (k.name, window.get(k.at, k.len).unwrap().to_vec()))
            .collect();
        let hashed: Vec<(u64, Vec<u8>)> = (stored.iter())
            .map(|(name, fields)| (name_hash(name), fields.clone()))
            .collect();
        assert_eq!(indexed, hashed, "the index finds what the file holds");
        stored
    }

    /// How many entries the cache holds, when these bytes are its file.
    fn loads(p: &Project, bytes: &[u8]) -> Option<usize> {
        fs::write(p.local_dir().join(FILE_NAME), bytes).unwrap();
        load(p).map(|l| l.index.entries.len())
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
        assert_eq!(loads(&p, &bytes), Some(80));
        assert!(loads(&p, &bytes[..bytes.len() - 1]).is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(loads(&p, &longer).is_none());
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

    /// The cache's records follow the folder listing exactly, failures
    /// included, even when files whose stat fails (dangling symlinks, not
    /// written) sit among them: so the next scan finds each record next in
    /// line instead of building a map of every name.
    #[test]
    fn records_keep_the_listing_order_around_unstamped_failures() {
        let (_tmp, p, _ctx, paths) = project_with(60);
        for (i, path) in paths.iter().enumerate().filter(|(i, _)| i % 6 == 0) {
            fs::write(path, "---\nid: [broken\n---\n").unwrap();
            let dangling = p.tickets_dir().join(format!("t-dangling{i:02}--x.md"));
            std::os::unix::fs::symlink("/nonexistent/target.md", dangling).unwrap();
        }
        let scan = p.scan().unwrap();
        assert_eq!((scan.entries.len(), scan.failures.len()), (50, 20));
        let unstamped: Vec<&std::path::Path> = scan
            .failures
            .iter()
            .zip(&scan.stamps.failures)
            .filter(|(_, (_, st))| st.is_none())
            .map(|(f, _)| f.path.as_path())
            .collect();
        assert_eq!(unstamped.len(), 10);
        let want: Vec<String> = p
            .files()
            .unwrap()
            .into_iter()
            .filter(|f| !unstamped.contains(&f.path.as_path()))
            .map(|f| name_of(&f.path).to_string())
            .collect();
        let names: Vec<String> = records(&p).into_iter().map(|r| r.0).collect();
        assert_eq!(names, want);
    }

    /// The size hint a face reads before scanning: the header's count, from
    /// the project root or any folder below it; none without a cache or
    /// with one of another version.
    #[test]
    fn the_listed_count_is_the_header_count() {
        let (tmp, p, _, _) = project_with(70);
        assert_eq!(listed_count(tmp.path()), None, "no cache yet");
        p.scan().unwrap();
        assert_eq!(listed_count(tmp.path()), Some(70));
        let below = p.tickets_dir();
        let root = Project::find_root(&below).unwrap();
        assert_eq!(listed_count(&root), Some(70));
        let header = Header {
            version: VERSION + 1,
            count: 5,
        };
        fs::write(
            p.local_dir().join(FILE_NAME),
            postcard::to_allocvec(&header).unwrap(),
        )
        .unwrap();
        assert_eq!(listed_count(tmp.path()), None, "another version");
        fs::write(p.local_dir().join(FILE_NAME), [0xff; 3]).unwrap();
        assert_eq!(listed_count(tmp.path()), None, "garbage");
    }

    /// A count no file could hold reserves nothing and decodes to nothing.
    #[test]
    fn a_huge_count_is_refused() {
        let (_tmp, p) = simple_project();
        fs::create_dir_all(p.local_dir()).unwrap();
        let header = Header {
            version: VERSION,
            count: u64::MAX,
        };
        assert!(loads(&p, &postcard::to_allocvec(&header).unwrap()).is_none());
        let header = Header {
            version: VERSION - 1,
            count: 0,
        };
        assert!(loads(&p, &postcard::to_allocvec(&header).unwrap()).is_none());
        let header = Header {
            version: VERSION,
            count: 0,
        };
        assert_eq!(loads(&p, &postcard::to_allocvec(&header).unwrap()), Some(0));
        // Zeros decode as records of empty names: refused at the first.
        let header = Header {
            version: VERSION,
            count: 1 << 40,
        };
        let mut zeros = postcard::to_allocvec(&header).unwrap();
        zeros.resize(zeros.len() + 4096, 0);
        assert!(loads(&p, &zeros).is_none());
    }

    /// A record that is not valid ends the load at once (the rest of the
    /// file is not read); a record cut short at a read's end reads on.
    #[test]
    fn garbage_stops_the_load_and_a_cut_reads_on() {
        let (_tmp, p, _ctx, _paths) = project_with(20);
        p.scan().unwrap();
        let path = p.local_dir().join(FILE_NAME);
        let good = fs::read(&path).unwrap();
        // With CHUNK at 48 bytes in tests, nearly every record spans reads.
        assert!(good.len() > 20 * CHUNK);
        assert_eq!(loads(&p, &good), Some(20));
        let mut bad = good.clone();
        // A bool byte that is neither 0 nor 1 opens the first record.
        let first = postcard::to_allocvec(&Header {
            version: VERSION,
            count: 20,
        })
        .unwrap()
        .len();
        bad[first] = 7;
        let mut stream = Stream {
            file: {
                fs::write(&path, &bad).unwrap();
                fs::File::open(&path).unwrap()
            },
            buf: Vec::new(),
            start: 0,
            base: 0,
            size: bad.len() as u64,
            eof: false,
        };
        let _: Header = stream
            .next(|bytes, _| {
                let (h, rest) = postcard::take_from_bytes::<Header>(bytes)?;
                Ok((h, bytes.len() - rest.len()))
            })
            .unwrap();
        let entry = stream.next(|bytes, _| {
            let (e, rest) = postcard::take_from_bytes::<CacheEntry>(bytes)?;
            Ok((e.name.len(), bytes.len() - rest.len()))
        });
        assert!(entry.is_none());
        assert!(stream.buf.len() <= 2 * CHUNK, "stopped without reading on");
        assert!(loads(&p, &bad).is_none());
        // The scan then rebuilds the cache from the files.
        assert_eq!(p.scan().unwrap().entries.len(), 20);
        assert_eq!(loads(&p, &fs::read(&path).unwrap()), Some(20));
    }
}
