//! The derived frontmatter cache in `.docket/local/`. It only ever saves parsing:
//! an entry is used when the file's size and mtime are unchanged, and a missing
//! or unreadable cache is rebuilt silently. Correctness never depends on it.

use std::collections::HashMap;
use std::fs;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::{Entry, FileFailure, FileRef, Project, Scan, parallel_map, write_atomic};
use crate::ticket::Meta;
use crate::yaml::{self, ParseFailure};

const VERSION: u32 = 1;
const FILE_NAME: &str = "cache-v1.bin";

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    entries: Vec<CacheEntry>,
}

#[derive(Serialize, Deserialize, Clone)]
struct CacheEntry {
    archived: bool,
    name: String,
    size: u64,
    mtime_ns: u64,
    meta: Meta,
}

enum Outcome {
    Hit(Meta),
    Parsed(Meta, u64, u64),
    Failed(ParseFailure),
}

fn load(project: &Project) -> HashMap<(bool, String), CacheEntry> {
    let path = project.local_dir().join(FILE_NAME);
    let Ok(bytes) = fs::read(&path) else {
        return HashMap::new();
    };
    match postcard::from_bytes::<CacheFile>(&bytes) {
        Ok(c) if c.version == VERSION => c
            .entries
            .into_iter()
            .map(|e| ((e.archived, e.name.clone()), e))
            .collect(),
        _ => HashMap::new(),
    }
}

fn file_name(f: &FileRef) -> String {
    f.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Frontmatter of every ticket, from the cache where it is still valid.
pub(crate) fn scan(project: &Project) -> Result<Scan> {
    let files = project.files()?;
    let cached = load(project);
    let outcomes = parallel_map(&files, |f| {
        let md = match fs::metadata(&f.path) {
            Ok(md) => md,
            Err(e) => {
                return Outcome::Failed(ParseFailure {
                    code: "frontmatter_parse_error",
                    message: e.to_string(),
                });
            }
        };
        let size = md.len();
        let mtime_ns = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        if let Some(e) = cached.get(&(f.archived, file_name(f)))
            && e.size == size
            && e.mtime_ns == mtime_ns
        {
            return Outcome::Hit(e.meta.clone());
        }
        match fs::read_to_string(&f.path) {
            Ok(text) => match yaml::parse_meta(&text) {
                Ok(meta) => Outcome::Parsed(meta, size, mtime_ns),
                Err(p) => Outcome::Failed(p),
            },
            Err(e) => Outcome::Failed(ParseFailure {
                code: "frontmatter_parse_error",
                message: e.to_string(),
            }),
        }
    });

    let mut scan = Scan::default();
    let mut dirty = cached.len() != files.len();
    let mut fresh: Vec<CacheEntry> = Vec::with_capacity(files.len());
    for (f, outcome) in files.into_iter().zip(outcomes) {
        match outcome {
            Outcome::Hit(meta) => {
                if let Some(e) = cached.get(&(f.archived, file_name(&f))) {
                    fresh.push(e.clone());
                }
                scan.entries.push(Entry {
                    meta,
                    path: f.path,
                    archived: f.archived,
                });
            }
            Outcome::Parsed(meta, size, mtime_ns) => {
                dirty = true;
                fresh.push(CacheEntry {
                    archived: f.archived,
                    name: file_name(&f),
                    size,
                    mtime_ns,
                    meta: meta.clone(),
                });
                scan.entries.push(Entry {
                    meta,
                    path: f.path,
                    archived: f.archived,
                });
            }
            Outcome::Failed(failure) => {
                dirty = true;
                scan.failures.push(FileFailure {
                    path: f.path,
                    id: f.id,
                    failure,
                });
            }
        }
    }
    if dirty {
        store(project, fresh);
    }
    Ok(scan)
}

/// Best effort: a cache that cannot be written is simply rebuilt next time.
fn store(project: &Project, entries: Vec<CacheEntry>) {
    let dir = project.local_dir();
    if fs::create_dir_all(&dir).is_err() {
        return;
    }
    let file = CacheFile {
        version: VERSION,
        entries,
    };
    if let Ok(bytes) = postcard::to_allocvec(&file) {
        let _ = write_atomic(&dir.join(FILE_NAME), &bytes);
    }
}
