//! The runner's commit decisions, on git's own output: which paths are dirty
//! (`git status --porcelain=v1 -z`), which staged changes are the run's and
//! which of them delete a file (`git diff --cached --name-status -M -z`), and
//! whether that is more than the deletion guard allows. Pure functions; the
//! CLI runs git (`docket-cli/src/runner/git.rs`).

/// One entry of `git status --porcelain=v1 -z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The two-letter status code (`" M"`, `"??"`, `"R "`, …).
    pub code: String,
    pub path: String,
    /// The original path of a rename or copy.
    pub orig: Option<String>,
}

/// Parse `git status --porcelain=v1 -z` output. A rename or copy is followed
/// by its original path as a separate field.
pub fn parse_status(out: &[u8]) -> Vec<StatusEntry> {
    let mut entries = Vec::new();
    let mut fields = out.split(|b| *b == 0).filter(|f| !f.is_empty());
    while let Some(entry) = fields.next() {
        if entry.len() < 4 {
            continue;
        }
        let code = String::from_utf8_lossy(&entry[..2]).to_string();
        let path = String::from_utf8_lossy(&entry[3..]).to_string();
        let renamed = code.contains('R') || code.contains('C');
        let orig = if renamed {
            fields
                .next()
                .map(|o| String::from_utf8_lossy(o).to_string())
        } else {
            None
        };
        entries.push(StatusEntry { code, path, orig });
    }
    entries
}

/// What the staged changes mean for a commit of `paths`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Staged {
    /// Some staged change touches one of `paths`.
    pub ours: bool,
    /// The run's staged deletions (a rename is not one).
    pub deletions: Vec<String>,
}

/// Read `git diff --cached --name-status -M -z` output against the run's
/// `paths`: a rename or copy names two paths and is ours when either is.
pub fn staged(diff: &[u8], paths: &[String]) -> Staged {
    let mut out = Staged::default();
    let mut fields = diff.split(|b| *b == 0).filter(|f| !f.is_empty());
    while let Some(status) = fields.next() {
        let s = String::from_utf8_lossy(status).to_string();
        let first = fields
            .next()
            .map(|p| String::from_utf8_lossy(p).to_string());
        let second = if s.starts_with('R') || s.starts_with('C') {
            fields
                .next()
                .map(|p| String::from_utf8_lossy(p).to_string())
        } else {
            None
        };
        let ours = |p: &Option<String>| p.as_ref().is_some_and(|p| paths.contains(p));
        if ours(&first) || ours(&second) {
            out.ours = true;
            if s.starts_with('D')
                && let Some(p) = first
            {
                out.deletions.push(p);
            }
        }
    }
    out
}

/// The deletion guard: a commit deleting more than `max` files is refused
/// (exactly `max` is allowed).
pub fn too_many_deletions(deletions: usize, max: usize) -> bool {
    deletions > max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(ps: &[&str]) -> Vec<String> {
        ps.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn status_entries_carry_code_path_and_rename_origin() {
        let out = b" M a.txt\0?? new dir/b.txt\0R  c.txt\0old c.txt\0 D d.txt\0C  e\0f\0";
        let e = parse_status(out);
        let got: Vec<(&str, &str, Option<&str>)> = e
            .iter()
            .map(|x| (x.code.as_str(), x.path.as_str(), x.orig.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (" M", "a.txt", None),
                ("??", "new dir/b.txt", None),
                ("R ", "c.txt", Some("old c.txt")),
                (" D", "d.txt", None),
                ("C ", "e", Some("f")),
            ]
        );
    }

    #[test]
    fn short_or_empty_status_fields_are_skipped() {
        assert!(parse_status(b"").is_empty());
        assert!(parse_status(b"\0\0").is_empty());
        let e = parse_status(b"?? x\0 M\0 M y\0");
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].path, "y");
        // Exactly four bytes is a one-letter path.
        assert_eq!(parse_status(b" M z\0")[0].path, "z");
    }

    #[test]
    fn only_the_runs_deletions_count() {
        let diff = b"D\0gone.txt\0D\0other.txt\0M\0kept.txt\0A\0new.txt\0";
        let s = staged(diff, &paths(&["gone.txt", "kept.txt"]));
        assert!(s.ours);
        assert_eq!(s.deletions, ["gone.txt"]);
        let s = staged(diff, &paths(&["new.txt"]));
        assert!(s.ours);
        assert!(s.deletions.is_empty());
        let s = staged(diff, &paths(&["unrelated.txt"]));
        assert_eq!(s, Staged::default());
    }

    #[test]
    fn a_rename_is_ours_by_either_path_and_no_deletion() {
        let diff = b"R100\0old.txt\0new.txt\0D\0x.txt\0";
        for p in ["old.txt", "new.txt"] {
            let s = staged(diff, &paths(&[p]));
            assert!(s.ours, "{p}");
            assert!(s.deletions.is_empty(), "{p}");
        }
        // The rename's two paths are consumed: `x.txt` is still a deletion.
        let s = staged(diff, &paths(&["x.txt"]));
        assert_eq!(s.deletions, ["x.txt"]);
        let copy = b"C75\0a\0b\0D\0c\0";
        assert_eq!(staged(copy, &paths(&["c"])).deletions, ["c"]);
        assert!(!staged(copy, &paths(&["z"])).ours);
    }

    #[test]
    fn the_guard_allows_exactly_the_limit() {
        assert!(!too_many_deletions(5, 5));
        assert!(too_many_deletions(6, 5));
        assert!(!too_many_deletions(0, 0));
        assert!(too_many_deletions(1, 0));
        assert!(!too_many_deletions(4, 5));
    }
}
