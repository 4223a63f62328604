//! Where each ticket file sits in the held scan, found by its name without
//! a second copy of 100k names: the table keeps only positions, and hashes
//! and compares the names the scan already holds (16 bytes a file, where a
//! map keyed by owned names took ~100).

use std::hash::BuildHasher;
use std::path::Path;

use docket_core::store::{Scan, name_in};
use hashbrown::HashTable;

/// A file's place in the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Entry(usize),
    Failure(usize),
}

/// A file's key: archived or not, and its file name.
pub(crate) type Key<'a> = (bool, &'a str);

/// The key of the file at `slot` in `scan`.
fn key_at<'a>(scan: &'a Scan, archive: &Path, slot: Slot) -> Key<'a> {
    match slot {
        Slot::Entry(i) => {
            let e = &scan.entries[i];
            (e.archived, name_in(&e.path))
        }
        Slot::Failure(i) => {
            let f = &scan.failures[i];
            (f.path.parent() == Some(archive), name_in(&f.path))
        }
    }
}

/// Every file of a scan by its key. Each call takes the scan the slots
/// point into; callers keep the two in step (see [`Slots::moved`]).
#[derive(Default)]
pub(crate) struct Slots {
    table: HashTable<Slot>,
    hasher: foldhash::fast::RandomState,
}

impl Slots {
    fn hash(&self, key: Key<'_>) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Slots for every file of `scan`.
    pub(crate) fn of(scan: &Scan, archive: &Path) -> Slots {
        let mut slots = Slots::default();
        slots
            .table
            .reserve(scan.entries.len() + scan.failures.len(), |_| 0);
        let all = (0..scan.entries.len())
            .map(Slot::Entry)
            .chain((0..scan.failures.len()).map(Slot::Failure));
        for slot in all {
            slots.insert(scan, archive, slot);
        }
        slots
    }

    /// Adds `slot` (already in `scan`). A slot of the same key is replaced,
    /// but its element stays in `scan`: callers [`Slots::remove`] it first.
    pub(crate) fn insert(&mut self, scan: &Scan, archive: &Path, slot: Slot) {
        let key = key_at(scan, archive, slot);
        let hash = self.hash(key);
        let hasher = &self.hasher;
        let entry = self.table.entry(
            hash,
            |s| key_at(scan, archive, *s) == key,
            |s| hasher.hash_one(key_at(scan, archive, *s)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(mut o) => *o.get_mut() = slot,
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(slot);
            }
        }
    }

    /// Drops the file of `key` from `scan` and from the slots (the last
    /// file of its list takes its place); whether it was there.
    pub(crate) fn remove(&mut self, scan: &mut Scan, archive: &Path, key: Key<'_>) -> bool {
        let hash = self.hash(key);
        let Ok(found) = self
            .table
            .find_entry(hash, |s| key_at(scan, archive, *s) == key)
        else {
            return false;
        };
        let slot = found.remove().0;
        let (i, last) = match slot {
            Slot::Entry(i) => {
                scan.entries.swap_remove(i);
                (i, scan.entries.len())
            }
            Slot::Failure(i) => {
                scan.failures.swap_remove(i);
                (i, scan.failures.len())
            }
        };
        if i < last {
            let (from, to) = match slot {
                Slot::Entry(_) => (Slot::Entry(last), Slot::Entry(i)),
                Slot::Failure(_) => (Slot::Failure(last), Slot::Failure(i)),
            };
            let hash = self.hash(key_at(scan, archive, to));
            if let Some(s) = self.table.find_mut(hash, |s| *s == from) {
                *s = to;
            }
        }
        true
    }

    /// Every key, in no particular order.
    pub(crate) fn keys<'a>(
        &'a self,
        scan: &'a Scan,
        archive: &'a Path,
    ) -> impl Iterator<Item = Key<'a>> {
        self.table.iter().map(move |s| key_at(scan, archive, *s))
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::PathBuf;

    use docket_core::store::{Entry, FileFailure};
    use docket_core::ticket::Meta;
    use docket_core::yaml::ParseFailure;

    use super::*;

    const LIVE: &str = "/p/.docket/tickets";
    const ARCHIVE: &str = "/p/.docket/archive";

    fn meta(id: &str) -> Meta {
        serde_json::from_value(serde_json::json!({
            "id": id, "title": id, "status": "open", "type": "task", "priority": 2,
            "mode": "afk", "tier": null, "attention": null, "assignee": null,
            "parent": null, "created": "", "updated": "", "closed": null, "tags": [],
            "external_refs": [], "deps": [], "links": [], "acceptance": []
        }))
        .unwrap()
    }

    fn path(archived: bool, name: &str) -> PathBuf {
        PathBuf::from(if archived { ARCHIVE } else { LIVE }).join(name)
    }

    /// Every key the model knows leads to the file of that name, and no
    /// other key is found.
    fn agree(slots: &Slots, scan: &Scan, model: &HashMap<(bool, String), bool>) {
        let archive = Path::new(ARCHIVE);
        assert_eq!(slots.len(), model.len());
        assert_eq!(scan.entries.len() + scan.failures.len(), model.len());
        let mut keys: Vec<(bool, String)> = slots
            .keys(scan, archive)
            .map(|(a, n)| (a, n.to_string()))
            .collect();
        keys.sort();
        let mut want: Vec<(bool, String)> = model.keys().cloned().collect();
        want.sort();
        assert_eq!(keys, want);
        for (i, e) in scan.entries.iter().enumerate() {
            assert_eq!(
                model.get(&(e.archived, name_in(&e.path).to_string())),
                Some(&true)
            );
            let hash = slots.hash((e.archived, name_in(&e.path)));
            assert!(slots.table.find(hash, |s| *s == Slot::Entry(i)).is_some());
        }
        for (i, f) in scan.failures.iter().enumerate() {
            let key = (f.path.parent() == Some(archive), name_in(&f.path));
            assert_eq!(model.get(&(key.0, key.1.to_string())), Some(&false));
            let hash = slots.hash(key);
            assert!(slots.table.find(hash, |s| *s == Slot::Failure(i)).is_some());
        }
    }

    /// Adds, replaces and removes in a scrambled order, live and archived,
    /// entries and failures, checked against a plain map after every step.
    #[test]
    fn slots_follow_every_add_and_remove() {
        let archive = Path::new(ARCHIVE);
        let mut scan = Scan::default();
        let mut slots = Slots::default();
        let mut model: HashMap<(bool, String), bool> = HashMap::new();
        // A fixed pseudo-random walk over 60 names.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for step in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let archived = x.is_multiple_of(3);
            let name = format!("t-{:02}--n.md", (x >> 8) % 60);
            let removed = slots.remove(&mut scan, archive, (archived, &name));
            assert_eq!(
                removed,
                model.remove(&(archived, name.clone())).is_some(),
                "step {step}"
            );
            if !x.is_multiple_of(5) {
                let ok = !x.is_multiple_of(7);
                let slot = if ok {
                    scan.entries.push(Entry {
                        meta: meta(&name[..4]),
                        path: path(archived, &name),
                        archived,
                        sequence: None,
                    });
                    Slot::Entry(scan.entries.len() - 1)
                } else {
                    scan.failures.push(FileFailure {
                        path: path(archived, &name),
                        id: name[..4].to_string(),
                        failure: ParseFailure {
                            code: "frontmatter_parse_error",
                            message: String::new(),
                        },
                    });
                    Slot::Failure(scan.failures.len() - 1)
                };
                slots.insert(&scan, archive, slot);
                model.insert((archived, name), ok);
            }
            agree(&slots, &scan, &model);
        }
        // Rebuilt from the scan alone, the same slots.
        let fresh = Slots::of(&scan, archive);
        agree(&fresh, &scan, &model);
    }
}
