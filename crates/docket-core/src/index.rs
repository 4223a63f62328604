//! The id index: resolving an id without listing the tickets folder, so `show`
//! and every single-ticket write cost the same at 100 or 100,000 tickets.
//!
//! Derived and git-ignored (`.docket/local/`), never needed for correctness:
//!
//! - `ids-v1.base`: a header, then one fixed-width record per ticket file
//!   (`key id flag name`), sorted by lower-cased id, so a lookup is a binary
//!   search of a few `pread`s, whatever the project's size.
//! - `ids-v1.log`: changes since the base (`+` a file, `-` an id), each line
//!   ending with the stamp of both ticket folders (their mtimes) right after
//!   that change. Compacted into a new base when it grows.
//!
//! The index is trusted only when the folders' mtimes equal the last stamp:
//! any file added, removed or renamed by anyone (git, an editor, another
//! tool) changes a folder's mtime and sends the lookup back to listing the
//! folder, which also rebuilds the index. docket's own writes happen under
//! the project lock; they journal their change and restamp only when the
//! index was current right before the write. (The one window left: a foreign
//! change in the same clock tick as a docket write, a few milliseconds, is
//! not seen until the next change to that folder; docs/ARCHITECTURE.md.)

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::store::{FileRef, Project};

const BASE: &str = "ids-v1.base";
const LOG: &str = "ids-v1.log";
const MAGIC: &str = "docket-ids 1";
/// Journal lines before the next write compacts them into a new base.
const COMPACT_AFTER: usize = 256;

/// Both ticket folders' modification times, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(i128, i128);

impl Stamp {
    fn text(self) -> String {
        format!("{}:{}", self.0, self.1)
    }

    fn parse(s: &str) -> Option<Stamp> {
        let (a, b) = s.split_once(':')?;
        Some(Stamp(a.parse().ok()?, b.parse().ok()?))
    }
}

fn mtime_ns(path: &Path) -> i128 {
    match fs::metadata(path) {
        Ok(m) => i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        // A missing folder has a stamp of its own that any creation changes.
        Err(_) => -1,
    }
}

/// The folders' stamp now.
pub fn stamp_now(p: &Project) -> Stamp {
    Stamp(mtime_ns(&p.tickets_dir()), mtime_ns(&p.archive_dir()))
}

fn base_path(p: &Project) -> PathBuf {
    p.local_dir().join(BASE)
}

fn log_path(p: &Project) -> PathBuf {
    p.local_dir().join(LOG)
}

/// One entry: a ticket file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rec {
    id: String,
    archived: bool,
    name: String,
}

impl Rec {
    fn key(&self) -> String {
        self.id.to_ascii_lowercase()
    }
}

/// A journal change.
enum Change {
    Put(Rec),
    Del(String),
}

/// The journal: its changes and the last stamp, if every line is whole.
fn read_log(p: &Project) -> Option<(Vec<Change>, Stamp)> {
    let bytes = crate::store::read_derived(&log_path(p)).ok()??;
    let text = String::from_utf8(bytes).ok()?;
    if !text.ends_with('\n') {
        return None;
    }
    let mut changes = Vec::new();
    let mut last = None;
    for line in text.lines() {
        let mut parts = line.split('\t');
        let (op, id, flag, name, stamp) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        last = Some(Stamp::parse(stamp)?);
        match op {
            "+" => changes.push(Change::Put(Rec {
                id: id.to_string(),
                archived: flag == "A",
                name: name.to_string(),
            })),
            "-" => changes.push(Change::Del(id.to_string())),
            "=" => {}
            _ => return None,
        }
    }
    Some((changes, last?))
}

/// The base: its record width, count and the heads (id parts before `-`).
struct Base {
    file: File,
    width: u64,
    count: u64,
    offset: u64,
    heads: Vec<String>,
}

fn open_base(p: &Project) -> Option<Base> {
    // Only a regular file: a FIFO put in its place must not block a read.
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(base_path(p))
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut head = vec![0u8; 4096];
    let n = file.read_at(&mut head, 0).ok()?;
    let head = &head[..n];
    let end = head.iter().position(|b| *b == b'\n')?;
    let line = std::str::from_utf8(&head[..end]).ok()?;
    let rest = line.strip_prefix(MAGIC)?.trim();
    let mut parts = rest.split(' ');
    let width: u64 = parts.next()?.parse().ok()?;
    let count: u64 = parts.next()?.parse().ok()?;
    let heads = parts
        .next()
        .unwrap_or("")
        .split(',')
        .filter(|h| !h.is_empty())
        .map(String::from)
        .collect();
    (width > 0).then_some(Base {
        file,
        width,
        count,
        offset: end as u64 + 1,
        heads,
    })
}

impl Base {
    fn record(&self, i: u64) -> Option<(String, Rec)> {
        let mut buf = vec![0u8; self.width as usize];
        self.file
            .read_exact_at(&mut buf, self.offset + i * self.width)
            .ok()?;
        let line = std::str::from_utf8(&buf).ok()?.trim_end();
        let mut parts = line.split('\t');
        let key = parts.next()?.to_string();
        let rec = Rec {
            id: parts.next()?.to_string(),
            archived: parts.next()? == "A",
            name: parts.next()?.to_string(),
        };
        Some((key, rec))
    }

    /// Every record whose key starts with `prefix` (binary search, then a walk).
    fn with_prefix(&self, prefix: &str) -> Option<Vec<Rec>> {
        let (mut lo, mut hi) = (0u64, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (key, _) = self.record(mid)?;
            if key.as_str() < prefix {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut out = Vec::new();
        let mut i = lo;
        while i < self.count {
            let (key, rec) = self.record(i)?;
            if !key.starts_with(prefix) {
                break;
            }
            out.push(rec);
            i += 1;
        }
        Some(out)
    }
}

/// What a fresh index says about an input.
pub enum Found {
    /// Every ticket file that could match the input (hand to `id::resolve`).
    Candidates(Vec<FileRef>),
    /// The index is not current: list the folder.
    Unknown,
}

fn file_ref(p: &Project, r: &Rec) -> FileRef {
    let dir = if r.archived {
        p.archive_dir()
    } else {
        p.tickets_dir()
    };
    FileRef {
        id: r.id.clone(),
        path: dir.join(&r.name),
        archived: r.archived,
    }
}

/// The files that could match `input` (exact id, id prefix, or suffix prefix
/// under any id head), when the index is current.
pub fn candidates(p: &Project, input: &str) -> Found {
    let needle = input.trim().to_ascii_lowercase();
    let Some((changes, stamp)) = read_log(p) else {
        return Found::Unknown;
    };
    if stamp != stamp_now(p) {
        return Found::Unknown;
    }
    let Some(base) = open_base(p) else {
        return Found::Unknown;
    };
    let mut prefixes = vec![needle.clone()];
    let mut heads = base.heads.clone();
    for c in &changes {
        if let Change::Put(r) = c
            && let Some((h, _)) = r.id.split_once('-')
        {
            let h = h.to_ascii_lowercase();
            if !heads.contains(&h) {
                heads.push(h);
            }
        }
    }
    for h in &heads {
        prefixes.push(format!("{h}-{needle}"));
    }
    let mut found: Vec<Rec> = Vec::new();
    for prefix in &prefixes {
        let Some(recs) = base.with_prefix(prefix) else {
            return Found::Unknown;
        };
        found.extend(recs);
    }
    // Replay the journal over what the base said.
    for c in changes {
        match c {
            Change::Put(r) => {
                found.retain(|f| f.id != r.id);
                if prefixes.iter().any(|pre| r.key().starts_with(pre.as_str())) {
                    found.push(r);
                }
            }
            Change::Del(id) => found.retain(|f| f.id != id),
        }
    }
    // The same record may match two prefixes; two files holding one id (a
    // duplicate, which mutations refuse) both stay.
    found.sort_by(|a, b| (&a.id, a.archived, &a.name).cmp(&(&b.id, b.archived, &b.name)));
    found.dedup_by(|a, b| a.id == b.id && a.archived == b.archived && a.name == b.name);
    Found::Candidates(found.iter().map(|r| file_ref(p, r)).collect())
}

/// Whether `id` is a ticket's exact id, when the index is current.
pub fn exists(p: &Project, id: &str) -> Option<bool> {
    match candidates(p, id) {
        Found::Candidates(c) => Some(c.iter().any(|f| f.id.eq_ignore_ascii_case(id))),
        Found::Unknown => None,
    }
}

/// Rebuild the index from a full listing taken at `before` (the stamp read
/// before listing): written only when nothing changed while listing.
pub fn rebuild(p: &Project, files: &[FileRef], before: Stamp) {
    if stamp_now(p) != before {
        return;
    }
    let mut recs: Vec<Rec> = files
        .iter()
        .filter_map(|f| {
            Some(Rec {
                id: f.id.clone(),
                archived: f.archived,
                name: f.path.file_name()?.to_str()?.to_string(),
            })
        })
        .collect();
    // Names with tabs or newlines cannot be recorded: leave the index absent.
    if recs
        .iter()
        .any(|r| r.name.contains(['\t', '\n']) || r.id.contains(['\t', '\n']))
    {
        return;
    }
    recs.sort_by_key(Rec::key);
    let _ = write_base(p, &recs, before);
}

fn write_base(p: &Project, recs: &[Rec], stamp: Stamp) -> std::io::Result<()> {
    let lines: Vec<String> = recs
        .iter()
        .map(|r| {
            format!(
                "{}\t{}\t{}\t{}",
                r.key(),
                r.id,
                if r.archived { "A" } else { "L" },
                r.name
            )
        })
        .collect();
    let width = lines.iter().map(|l| l.len()).max().unwrap_or(0) + 1;
    let mut heads: Vec<String> = recs
        .iter()
        .filter_map(|r| r.key().split_once('-').map(|(h, _)| h.to_string()))
        .collect();
    heads.sort();
    heads.dedup();
    let mut out = format!("{MAGIC} {width} {} {}\n", lines.len(), heads.join(","));
    for l in &lines {
        out.push_str(l);
        out.push_str(&" ".repeat(width - 1 - l.len()));
        out.push('\n');
    }
    let local = p.local_dir();
    fs::create_dir_all(&local)?;
    // The base goes first; the journal that vouches for it last.
    write_file(&base_path(p), out.as_bytes())?;
    write_file(
        &log_path(p),
        format!("=\t-\t-\t-\t{}\n", stamp.text()).as_bytes(),
    )
}

/// Derived files need no fsync: a torn or lost write only makes the index
/// look stale.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Before a write (under the project lock): whether the index is current, so
/// the write may keep it current.
pub fn current_before_write(p: &Project) -> bool {
    read_log(p).is_some_and(|(_, stamp)| stamp == stamp_now(p))
}

/// After a write that was preceded by a current index: journal the change and
/// restamp. `put` is the file as it is now; `gone` an id whose file was removed.
pub fn after_write(p: &Project, put: Option<&FileRef>, gone: Option<&str>) {
    let Some((changes, _)) = read_log(p) else {
        return;
    };
    let stamp = stamp_now(p).text();
    let mut lines = String::new();
    if let Some(f) = put {
        let Some(name) = f.path.file_name().and_then(|n| n.to_str()) else {
            return;
        };
        if name.contains(['\t', '\n']) || f.id.contains(['\t', '\n']) {
            forget(p);
            return;
        }
        let flag = if f.archived { "A" } else { "L" };
        lines.push_str(&format!("+\t{}\t{flag}\t{name}\t{stamp}\n", f.id));
    }
    if let Some(id) = gone {
        lines.push_str(&format!("-\t{id}\t-\t-\t{stamp}\n"));
    }
    if lines.is_empty() {
        lines = format!("=\t-\t-\t-\t{stamp}\n");
    }
    if changes.len() >= COMPACT_AFTER {
        // Leave it stale: the next listing rebuilds a compact base.
        forget(p);
        return;
    }
    let ok = fs::OpenOptions::new()
        .append(true)
        .open(log_path(p))
        .and_then(|mut f| f.write_all(lines.as_bytes()));
    if ok.is_err() {
        forget(p);
    }
}

/// Drop the index (it will be rebuilt by the next listing).
pub fn forget(p: &Project) {
    let _ = fs::remove_file(log_path(p));
}

/// The ids sorting right before and after `id` (lower-cased keys), from a
/// current index, for the shortest unique prefix of one id without a listing.
/// `None` when the index is not current or cannot tell.
pub fn neighbors(p: &Project, id: &str) -> Option<Vec<String>> {
    let (changes, stamp) = read_log(p)?;
    if stamp != stamp_now(p) {
        return None;
    }
    let base = open_base(p)?;
    let key = id.to_ascii_lowercase();
    let (mut lo, mut hi) = (0u64, base.count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let (k, _) = base.record(mid)?;
        if k < key {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let mut out = Vec::new();
    if lo > 0 {
        out.push(base.record(lo - 1)?.0);
    }
    let mut i = lo;
    while i < base.count {
        let (k, _) = base.record(i)?;
        i += 1;
        if k != key {
            out.push(k);
            break;
        }
    }
    for c in changes {
        match c {
            Change::Put(r) if r.key() != key => out.push(r.key()),
            Change::Put(_) => {}
            // A removed neighbor hides the one behind it: cannot tell.
            Change::Del(d) if out.contains(&d.to_ascii_lowercase()) => return None,
            Change::Del(_) => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{self, Ctx, MoveOptions, NewTicket, Target};
    use crate::store::InitOptions;

    fn project() -> (tempfile::TempDir, Project) {
        let tmp = tempfile::tempdir().unwrap();
        let opts = InitOptions {
            prefix: "t".into(),
            preset: "simple".into(),
            force: false,
        };
        let p = Project::init(tmp.path(), &opts).unwrap();
        (tmp, p)
    }

    fn create(p: &Project, title: &str) -> String {
        let new = NewTicket {
            title: title.into(),
            ..Default::default()
        };
        ops::create(p, &Ctx::now(None), new)
            .unwrap()
            .ticket
            .meta
            .id
            .to_string()
    }

    /// What a listing says, for comparison with the index.
    fn by_listing(p: &Project, input: &str) -> std::result::Result<FileRef, String> {
        let files = p.files().map_err(|e| e.to_string())?;
        let id = crate::id::resolve(input, files.iter().map(|f| f.id.as_str()))
            .map_err(|e| e.code().to_string())?;
        Ok(files.into_iter().find(|f| f.id == id).unwrap())
    }

    fn by_index(p: &Project, input: &str) -> Option<std::result::Result<FileRef, String>> {
        match candidates(p, input) {
            Found::Unknown => None,
            Found::Candidates(c) => Some(
                crate::id::resolve(input, c.iter().map(|f| f.id.as_str()))
                    .map(|id| c.into_iter().find(|f| f.id == id).unwrap())
                    .map_err(|e| e.code().to_string()),
            ),
        }
    }

    fn agree(p: &Project, inputs: &[&str]) {
        for input in inputs {
            // Ask the index first: a listing would rebuild it.
            let fast = by_index(p, input);
            let slow = by_listing(p, input);
            if let Some(fast) = fast {
                assert_eq!(fast, slow, "index and listing disagree on `{input}`");
            }
        }
    }

    #[test]
    fn docket_writes_keep_the_index_current_and_it_agrees_with_listing() {
        let (_t, p) = project();
        let a = create(&p, "a");
        p.files().unwrap(); // builds the index
        let b = create(&p, "b");
        assert!(current_before_write(&p), "create keeps it current");
        let ctx = Ctx::now(None);
        ops::transition(&p, &ctx, &a, Target::Close, MoveOptions::default()).unwrap();
        ops::add_note(&p, &ctx, &b, "n").unwrap();
        assert!(current_before_write(&p), "moves and notes keep it current");
        let sa = &a[..a.len() - 3];
        agree(&p, &[&a, &b, sa, "t", "zzz", &a[2..8], &b.to_uppercase()]);
        let f = by_index(&p, &a).unwrap().unwrap();
        assert!(f.archived && f.path.starts_with(p.archive_dir()));
        let t = p.get(&b).unwrap();
        ops::delete(&p, &ctx, &b, false).unwrap();
        assert!(!t.path.exists());
        assert_eq!(by_index(&p, &b).unwrap().unwrap_err(), "not_found");
    }

    #[test]
    fn a_foreign_change_makes_the_index_untrusted() {
        let (_t, p) = project();
        let a = create(&p, "a");
        p.files().unwrap();
        assert!(by_index(&p, &a).is_some());
        // Another tool (git, an editor) adds a ticket file.
        let other = "t-01zzzzzzzzzzzzzz";
        let text = std::fs::read_to_string(p.get(&a).unwrap().path)
            .unwrap()
            .replace(&a, other);
        std::fs::write(p.tickets_dir().join(format!("{other}--x.md")), text).unwrap();
        assert!(by_index(&p, other).is_none(), "stale index is not used");
        assert_eq!(p.resolve(other).unwrap().id, other);
        // The listing rebuilt it; it is trusted again and knows the file.
        assert_eq!(by_index(&p, other).unwrap().unwrap().id, other);
        // A file removed by hand.
        std::fs::remove_file(p.get(other).unwrap().path).unwrap();
        assert!(by_index(&p, other).is_none());
        assert_eq!(p.resolve(other).unwrap_err().code(), "not_found");
    }

    #[test]
    fn the_journal_compacts_and_short_ids_match_a_listing() {
        let (_t, p) = project();
        let mut ids = Vec::new();
        for i in 0..(COMPACT_AFTER + 20) {
            ids.push(create(&p, &format!("t{i}")));
            if i == 0 {
                p.files().unwrap();
            }
        }
        // Past the cap the index was dropped and the next listing rebuilds it.
        p.files().unwrap();
        assert!(current_before_write(&p));
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let all = crate::id::shortest_unique_prefixes(&refs, 4);
        for (id, short) in ids.iter().zip(&all) {
            let mut near: Vec<String> = neighbors(&p, id).unwrap();
            near.push(id.clone());
            let near: Vec<&str> = near.iter().map(String::as_str).collect();
            let got = crate::id::shortest_unique_prefixes(&near, 4);
            assert_eq!(got.last().unwrap(), short, "{id}");
        }
        agree(&p, &refs[..20]);
    }
}
