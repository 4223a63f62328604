//! `check`'s verdict cache in `.docket/local/check-v1.bin`: what the audit
//! pass (log chain, frozen plan, log holes) found in each ticket file, so a
//! `check` of an unchanged project reads no ticket bodies.
//!
//! An entry is used only when the file's stamp from this very scan (size,
//! mtime, ctime, inode; see [`crate::store::Stamp`]) and whether its
//! frontmatter parsed are what they were, and the whole file only when its key
//! matches: the format version, docket's version and a hash of the loaded
//! config (`log_holes` reads the initial status, the size cap decides what is
//! read). A missing, corrupt or mismatched cache is rebuilt silently; a file
//! changed within [`RACY_NS`] of the check's start is never stored (a second
//! same-size edit within one timestamp tick would keep its stamp, git's "racy
//! clean" problem). `check --full` ignores the cache (someone able to reset the
//! clock could forge ctime) and rewrites it. Correctness never depends on it.

use std::fs;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cache::{InLine, Keyed};
use crate::check::{CODES, Severity};
use crate::store::{Project, Stamp, write_atomic};

const VERSION: u32 = 1;
const FILE_NAME: &str = "check-v1.bin";

/// How recently changed (ctime, before the check started) a file must be for
/// its verdict not to be stored: at least any file system's timestamp
/// granularity (a second on old ext, two on FAT), so any later change to it
/// gets a different ctime.
pub const RACY_NS: u64 = 2_000_000_000;

/// What the audit pass found in one file: code, severity, message, in the
/// order `check` reports them.
pub(crate) type Found = Vec<(&'static str, Severity, String)>;

/// What identifies a usable cache file as a whole.
pub(crate) type Key = [u8; 32];

#[derive(Serialize, Deserialize)]
struct VerdictFile {
    version: u32,
    key: Key,
    entries: Vec<VerdictEntry>,
}

/// One file's verdict, under the stamp it was computed for.
#[derive(Serialize, Deserialize)]
pub(crate) struct VerdictEntry {
    archived: bool,
    name: String,
    stamp: Stamp,
    has_meta: bool,
    issues: Vec<CachedIssue>,
}

/// The cache file as loaded: [`VerdictFile`] with each name read in place
/// and kept as its hash ([`Verdict`]).
#[derive(Deserialize)]
struct LoadedFile {
    version: u32,
    key: Key,
    entries: Vec<Verdict>,
}

/// A stored [`VerdictEntry`] (same fields, same order) as a check looks it
/// up: the name only as its hash, as the frontmatter cache's index keeps it
/// (100k names would be 6 MB a check holds for nothing).
#[derive(Deserialize)]
pub(crate) struct Verdict {
    archived: bool,
    #[serde(deserialize_with = "name_hash_of")]
    name: u64,
    stamp: Stamp,
    has_meta: bool,
    issues: Vec<CachedIssue>,
}

/// A name read in place from the file's bytes, as its hash.
fn name_hash_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let name: &'de str = Deserialize::deserialize(d)?;
    Ok(crate::cache::name_hash(name))
}

#[derive(Serialize, Deserialize)]
struct CachedIssue {
    code: String,
    error: bool,
    message: String,
}

impl Keyed for Verdict {
    fn key(&self) -> (bool, u64) {
        (self.archived, self.name)
    }
}

impl Verdict {
    /// The verdict, if it was made for this stamp and frontmatter outcome and
    /// names only codes this build knows.
    pub(crate) fn found_for(self, stamp: Stamp, has_meta: bool) -> Option<Found> {
        if self.stamp != stamp || self.has_meta != has_meta {
            return None;
        }
        self.issues
            .into_iter()
            .map(|i| {
                let code = CODES.iter().find(|c| **c == i.code)?;
                let severity = if i.error {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                Some((*code, severity, i.message))
            })
            .collect()
    }
}

impl VerdictEntry {
    pub(crate) fn new(
        archived: bool,
        name: &str,
        stamp: Stamp,
        has_meta: bool,
        found: &Found,
    ) -> Self {
        VerdictEntry {
            archived,
            name: name.to_string(),
            stamp,
            has_meta,
            issues: found
                .iter()
                .map(|(code, severity, message)| CachedIssue {
                    code: code.to_string(),
                    error: *severity == Severity::Error,
                    message: message.clone(),
                })
                .collect(),
        }
    }
}

/// The cache key: format version, docket's version, the loaded config.
/// `None` when the config cannot be encoded (then nothing is cached).
pub(crate) fn key(project: &Project) -> Option<Key> {
    let config = postcard::to_allocvec(&project.config).ok()?;
    let mut h = Sha256::new();
    h.update(VERSION.to_le_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update([0]);
    h.update(&config);
    Some(h.finalize().into())
}

/// The stored verdicts when the file exists, decodes and has this key; else
/// none (every file then counts as changed).
pub(crate) fn load(project: &Project, key: &Key) -> InLine<Verdict> {
    let Ok(Some(bytes)) = crate::store::read_derived(&project.local_dir().join(FILE_NAME)) else {
        return InLine::default();
    };
    match postcard::from_bytes::<LoadedFile>(&bytes) {
        Ok(f) if f.version == VERSION && f.key == *key => InLine::new(f.entries),
        _ => InLine::default(),
    }
}

/// Whether a file with this stamp changed too recently (relative to
/// `started_ns`, when the check began) to be cached.
pub(crate) fn racy(stamp: Stamp, started_ns: u64) -> bool {
    stamp.2.saturating_add(RACY_NS) > started_ns
}

/// Best effort: a cache that cannot be written is simply rebuilt next time.
pub(crate) fn store(project: &Project, key: Key, entries: Vec<VerdictEntry>) {
    let dir = project.local_dir();
    if fs::create_dir_all(&dir).is_err() {
        return;
    }
    let file = VerdictFile {
        version: VERSION,
        key,
        entries,
    };
    if let Ok(bytes) = postcard::to_allocvec(&file) {
        let _ = write_atomic(&dir.join(FILE_NAME), &bytes);
    }
}

/// The cache file's path: derived data, safe to delete at any time.
pub fn path(project: &Project) -> std::path::PathBuf {
    project.local_dir().join(FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{self, Options};
    use crate::ops::{self, Ctx, NewTicket};
    use crate::store::InitOptions;

    /// The cache is trusted (a forged "all clean" verdict under a file's real
    /// stamp hides its issue, which is what forging ctime would do), and
    /// `--full` ignores it, reports the truth and rewrites it.
    #[test]
    fn full_ignores_a_forged_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let opts = InitOptions {
            prefix: "t".into(),
            preset: "simple".into(),
            force: false,
        };
        let p = Project::init(tmp.path(), &opts).unwrap();
        let ctx = Ctx::now(Some("tester".into()));
        let mut broken = None;
        for i in 0..70 {
            let new = NewTicket {
                title: format!("t{i}"),
                ..Default::default()
            };
            let t = ops::create(&p, &ctx, new).unwrap().ticket;
            if i == 5 {
                ops::add_note(&p, &ctx, &t.meta.id, "hello").unwrap();
                let text = fs::read_to_string(&t.path).unwrap();
                fs::write(&t.path, text.replacen("hello", "jello", 1)).unwrap();
                broken = Some(t.meta.id.to_string());
            }
        }
        std::thread::sleep(std::time::Duration::from_nanos(RACY_NS + 200_000_000));
        let run = |full| -> Vec<(&'static str, Option<String>)> {
            check::run_with(&p, Options { full })
                .unwrap()
                .issues
                .into_iter()
                .map(|i| (i.code, i.id))
                .collect()
        };
        let truth = vec![("audit_chain_broken", broken)];
        assert_eq!(run(false), truth, "cold");

        let mut file: VerdictFile = postcard::from_bytes(&fs::read(path(&p)).unwrap()).unwrap();
        assert_eq!(file.entries.len(), 70, "every file is cached");
        file.entries.iter_mut().for_each(|e| e.issues.clear());
        fs::write(path(&p), postcard::to_allocvec(&file).unwrap()).unwrap();
        assert_eq!(run(false), vec![], "the forged verdicts are served");
        assert_eq!(run(true), truth, "--full");
        assert_eq!(run(false), truth, "--full rewrote the cache");
    }
}
