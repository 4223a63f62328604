//! Storage rules on a temporary project: discovery, the shared space, the
//! lock, recovery of an interrupted move, temp files, file names, identity
//! checks, safe reads and the size cap.

// Test helpers return the core's own `Result`.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};

use docket_core::Error;
use docket_core::ops::{self, Ctx, MoveOptions, NewTicket, Target};
use docket_core::store::{self, InitOptions, Project};

fn init_at(root: &Path, preset: &str, force: bool) -> docket_core::Result<Project> {
    Project::init(
        root,
        &InitOptions {
            prefix: "t".into(),
            preset: preset.into(),
            force,
        },
    )
}

fn project() -> (tempfile::TempDir, Project) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = init_at(tmp.path(), "simple", false).expect("init");
    (tmp, p)
}

fn ctx() -> Ctx {
    Ctx {
        now: "2026-01-01T00:00:00Z".into(),
        actor: Some("tester".into()),
        session: None,
        user: Some("tester".into()),
    }
}

fn create(p: &Project, title: &str) -> String {
    let new = NewTicket {
        title: title.into(),
        ..Default::default()
    };
    ops::create(p, &ctx(), new)
        .expect("create")
        .ticket
        .meta
        .id
        .to_string()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn discovery_walks_up_to_the_nearest_project() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical");
    let outside = root.join("outside");
    let proj = root.join("proj");
    std::fs::create_dir_all(proj.join("a/b")).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    init_at(&proj, "simple", false).expect("init");
    let p = Project::discover(&proj.join("a/b")).expect("discover");
    assert_eq!(p.root, proj);
    assert_eq!(p.dir, proj.join(".docket"));
    assert_eq!(p.config.project.prefix, "t");
    assert!(matches!(
        Project::discover(&outside),
        Err(Error::NoProject { .. })
    ));
}

#[test]
fn init_writes_the_folders_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = init_at(tmp.path(), "plan-first", false).expect("init");
    assert_eq!(
        names_in(&p.dir),
        [".gitignore", "archive", "config.toml", "local", "tickets"]
    );
    assert_eq!(p.tickets_dir(), p.dir.join("tickets"));
    assert_eq!(p.archive_dir(), p.dir.join("archive"));
    assert_eq!(p.local_dir(), p.dir.join("local"));
    assert_eq!(p.tmp_dir(), p.dir.join("local/tmp"));
    assert_eq!(p.config.workflow.planning.as_deref(), Some("planning"));
    assert!(matches!(
        init_at(tmp.path(), "simple", false),
        Err(Error::AlreadyExists { .. })
    ));
    let again = init_at(tmp.path(), "simple", true).expect("force");
    assert_eq!(again.config.workflow.planning, None);
    assert!(init_at(tmp.path(), "nope", true).is_err());
}

#[test]
fn display_paths_are_relative_to_the_root() {
    let (_t, p) = project();
    assert_eq!(
        p.display_path(&p.tickets_dir().join("t-1--x.md")),
        ".docket/tickets/t-1--x.md"
    );
    assert_eq!(p.display_path(Path::new("/elsewhere/f")), "/elsewhere/f");
}

#[test]
fn outside_git_the_shared_space_is_local() {
    let (_t, p) = project();
    assert_eq!(p.shared_dir(), p.local_dir());
    assert_eq!(store::shared_dir_for(&p.root), p.local_dir());
}

#[test]
fn inside_git_the_shared_space_is_in_the_common_git_dir() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().canonicalize().expect("canonical");
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").expect("head");
    assert_eq!(store::shared_dir_for(&repo), repo.join(".git/docket/root"));
    assert_eq!(
        store::shared_dir_for(&repo.join("a/b")),
        repo.join(".git/docket/a%b")
    );
    // A `.git` folder without HEAD is not a repository.
    let fake = repo.join("fake");
    std::fs::create_dir_all(fake.join(".git")).expect("mkdir");
    assert_eq!(
        store::shared_dir_for(&fake.join("p")),
        repo.join(".git/docket/fake%p")
    );
    // A worktree: `.git` is a file naming its git dir, whose commondir names
    // the repository's.
    let wt = repo.join("wt");
    let gitdir = repo.join(".git/worktrees/wt");
    std::fs::create_dir_all(&gitdir).expect("mkdir");
    std::fs::create_dir_all(&wt).expect("mkdir");
    std::fs::write(gitdir.join("commondir"), "../..\n").expect("commondir");
    std::fs::write(wt.join(".git"), format!("gitdir: {}\n", gitdir.display())).expect("file");
    let shared = store::shared_dir_for(&wt);
    assert_eq!(
        shared.canonicalize().ok(),
        None,
        "not created by asking: {shared:?}"
    );
    assert_eq!(shared, gitdir.join("../..").join("docket/root"));
}

#[test]
fn the_lock_refuses_a_symlink_or_a_folder_at_its_path() {
    let (_t, p) = project();
    let lock = p.shared_dir().join("lock");
    std::os::unix::fs::symlink(p.dir.join("nowhere"), &lock).expect("symlink");
    assert!(matches!(p.lock(), Err(Error::Io { .. })));
    assert!(!p.dir.join("nowhere").exists());
    std::fs::remove_file(&lock).expect("rm");
    std::fs::create_dir(&lock).expect("mkdir");
    assert!(p.lock().is_err());
    std::fs::remove_dir(&lock).expect("rmdir");
    drop(p.lock().expect("a regular lock file"));
    assert!(lock.is_file());
}

fn journal(p: &Project, old: &str, new: &str) {
    std::fs::write(
        p.local_dir().join("move-journal"),
        format!("docket-move-v1\n{old}\n{new}\n"),
    )
    .expect("journal");
}

#[test]
fn an_interrupted_move_is_finished_once_the_new_file_exists() {
    let (_t, p) = project();
    let id = create(&p, "moving");
    let old = p.resolve(&id).expect("resolve").path;
    let name = old
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let new = p.archive_dir().join(&name);
    std::fs::copy(&old, &new).expect("copy");
    journal(&p, &format!("tickets/{name}"), &format!("archive/{name}"));
    // Readers already see the ticket once.
    let files = p.files().expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, new);
    assert!(files[0].archived);
    drop(p.lock().expect("lock"));
    assert!(!old.exists() && new.exists());
    assert!(!p.local_dir().join("move-journal").exists());
}

#[test]
fn an_interrupted_move_without_its_new_file_is_dropped() {
    let (_t, p) = project();
    let id = create(&p, "staying");
    let old = p.resolve(&id).expect("resolve").path;
    let name = old
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    journal(&p, &format!("tickets/{name}"), &format!("archive/{name}"));
    assert_eq!(p.files().expect("files").len(), 1);
    drop(p.lock().expect("lock"));
    assert!(old.exists());
    assert!(!p.local_dir().join("move-journal").exists());
}

#[test]
fn a_planted_journal_cannot_delete_other_files() {
    let (_t, p) = project();
    let id = create(&p, "kept");
    let path = p.resolve(&id).expect("resolve").path;
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let cases = [
        ("config.toml".to_string(), format!("tickets/{name}")),
        (
            "local/../config.toml".to_string(),
            format!("tickets/{name}"),
        ),
        (
            format!("tickets/{name}"),
            "archive/not-a-ticket.txt".to_string(),
        ),
    ];
    for (old, new) in cases {
        std::fs::write(p.archive_dir().join("not-a-ticket.txt"), "x").expect("write");
        journal(&p, &old, &new);
        drop(p.lock().expect("lock"));
        assert!(p.dir.join("config.toml").exists());
        assert!(path.exists(), "{old} -> {new}");
    }
    // A journal with another magic line is ignored too.
    std::fs::write(
        p.local_dir().join("move-journal"),
        format!("docket-move-v0\narchive/{name}\ntickets/{name}\n"),
    )
    .expect("journal");
    std::fs::copy(&path, p.archive_dir().join(&name)).expect("copy");
    assert_eq!(p.files().expect("files").len(), 2);
}

#[test]
fn temp_files_are_listed_and_swept_under_the_lock() {
    let (_t, p) = project();
    let id = create(&p, "x");
    std::fs::create_dir_all(p.tmp_dir()).expect("mkdir");
    std::fs::write(p.tmp_dir().join("anything"), "x").expect("write");
    std::fs::write(p.tickets_dir().join(".tmp-abc"), "x").expect("write");
    std::fs::write(p.archive_dir().join(".tmp-def"), "x").expect("write");
    std::fs::write(p.tickets_dir().join("notes.txt"), "x").expect("write");
    let left: Vec<String> = p.temp_files().iter().map(|f| p.display_path(f)).collect();
    assert_eq!(
        left,
        [
            ".docket/archive/.tmp-def",
            ".docket/local/tmp/anything",
            ".docket/tickets/.tmp-abc"
        ]
    );
    drop(p.lock().expect("lock"));
    assert!(p.temp_files().is_empty());
    assert!(p.tickets_dir().join("notes.txt").exists());
    assert!(p.resolve(&id).is_ok());
}

#[test]
fn ticket_file_names_carry_the_id() {
    assert_eq!(store::id_from_file_name("t-1--a-slug.md"), Some("t-1"));
    assert_eq!(store::id_from_file_name("t-1.md"), Some("t-1"));
    assert_eq!(store::id_from_file_name(".tmp-t-1.md"), None);
    assert_eq!(store::id_from_file_name("t-1--x.txt"), None);
    assert_eq!(store::id_from_file_name("--x.md"), None);
    assert_eq!(
        store::file_name("t-1", "Fix the Thing!"),
        "t-1--fix-the-thing.md"
    );
}

#[test]
fn only_ticket_files_are_listed_live_first() {
    let (_t, p) = project();
    let a = create(&p, "a");
    let b = create(&p, "b");
    ops::transition(&p, &ctx(), &b, Target::Close, MoveOptions::default()).expect("close");
    std::fs::write(p.tickets_dir().join("README.txt"), "x").expect("write");
    let files = p.files().expect("files");
    let seen: Vec<(&str, bool)> = files.iter().map(|f| (f.id.as_str(), f.archived)).collect();
    assert_eq!(seen, [(a.as_str(), false), (b.as_str(), true)]);
    assert!(p.id_taken(&a).expect("taken"));
    assert!(p.id_taken(&a.to_uppercase()).expect("taken"));
    assert!(!p.id_taken("t-nothere").expect("taken"));
    let (tickets, failures) = p.read_all().expect("read all");
    assert_eq!(tickets.len(), 2);
    assert!(failures.is_empty());
}

#[test]
fn a_missing_archive_folder_is_no_error() {
    let (_t, p) = project();
    create(&p, "a");
    std::fs::remove_dir(p.archive_dir()).expect("rmdir");
    assert_eq!(p.files().expect("files").len(), 1);
}

#[test]
fn resolve_finds_every_file_of_a_duplicated_id() {
    let (_t, p) = project();
    let id = create(&p, "dup");
    let path = p.resolve(&id).expect("resolve").path;
    assert_eq!(p.resolve_all(&id).expect("all").len(), 1);
    std::fs::copy(&path, p.tickets_dir().join(format!("{id}--copy.md"))).expect("copy");
    assert_eq!(p.resolve_all(&id).expect("all").len(), 2);
    match p.get_for_write(&id) {
        Err(Error::DuplicateId { paths, .. }) => assert_eq!(paths.len(), 2),
        other => panic!("{other:?}"),
    }
    // Reads still work.
    assert_eq!(p.get(&id).expect("get").meta.id, id);
    assert!(matches!(p.resolve("t-none"), Err(Error::NotFound { .. })));
}

#[test]
fn resolving_through_a_stale_index_finds_the_file_where_it_is() {
    let (_t, p) = project();
    let id = create(&p, "moved by hand");
    let path = p.resolve(&id).expect("resolve").path;
    let elsewhere = p.archive_dir().join(path.file_name().expect("name"));
    std::fs::rename(&path, &elsewhere).expect("mv");
    let f = p.resolve(&id).expect("resolve");
    assert_eq!(f.path, elsewhere);
    assert!(f.archived);
}

#[test]
fn save_moves_a_ticket_by_status_and_never_overwrites_another() {
    let (_t, p) = project();
    let id = create(&p, "mover");
    let mut t = p.get_for_write(&id).expect("get");
    let live = t.path.clone();
    assert_eq!(p.target_path(&t), live);
    t.meta.status = "closed".into();
    let archived = p.target_path(&t);
    assert_eq!(
        archived,
        p.archive_dir().join(live.file_name().expect("name"))
    );
    {
        let _lock = p.lock().expect("lock");
        assert_eq!(p.save(&mut t).expect("save"), archived);
    }
    assert!(!live.exists() && archived.exists());
    assert_eq!(t.path, archived);
    assert!(names_in(&p.tmp_dir()).is_empty());
    // A file already at the target is refused.
    let mut back = p.get_for_write(&id).expect("get");
    back.meta.status = "open".into();
    std::fs::write(&live, "someone else's").expect("write");
    {
        let _lock = p.lock().expect("lock");
        assert!(matches!(p.save(&mut back), Err(Error::DuplicateId { .. })));
    }
    assert_eq!(
        std::fs::read_to_string(&live).expect("read"),
        "someone else's"
    );
    std::fs::remove_file(&live).expect("rm");
    // A retitled ticket keeps its file name; one without a path gets a new one.
    let mut t = p.get_for_write(&id).expect("get");
    t.meta.title = "Another title".into();
    assert_eq!(p.target_path(&t), archived);
    t.path = PathBuf::from("elsewhere/other-id--x.md");
    assert_eq!(
        p.target_path(&t),
        p.archive_dir().join(store::file_name(&id, "Another title"))
    );
}

#[test]
fn remove_deletes_the_file() {
    let (_t, p) = project();
    let id = create(&p, "gone");
    let t = p.get(&id).expect("get");
    {
        let _lock = p.lock().expect("lock");
        p.remove(&t).expect("remove");
    }
    assert!(!t.path.exists());
    assert!(matches!(p.get(&id), Err(Error::NotFound { .. })));
}

#[test]
fn reads_are_capped_and_only_of_regular_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let f = dir.join("f.md");
    std::fs::write(&f, "12345").expect("write");
    assert_eq!(store::read_ticket_text(&f, 5).expect("at the cap"), "12345");
    let e = store::read_ticket_text(&f, 4).unwrap_err();
    assert_eq!(e.code, "file_too_large");
    assert_eq!(
        store::read_small_regular(&f, 5).expect("ok"),
        Some(b"12345".to_vec())
    );
    assert!(store::read_small_regular(&f, 4).is_err());
    assert_eq!(
        store::read_small_regular(&dir.join("none"), 5).expect("missing"),
        None
    );
    assert_eq!(
        store::read_local_text(&dir.join("none"))
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::NotFound
    );
    assert_eq!(store::read_local_text(&f).expect("text"), "12345");
    assert_eq!(store::read_listed_text(&f).as_deref(), Some("12345"));
    // A symlink is followed for tickets, never for local state.
    let link = dir.join("link.md");
    std::os::unix::fs::symlink(&f, &link).expect("symlink");
    assert_eq!(
        store::read_ticket_text(&link, 100).expect("followed"),
        "12345"
    );
    assert!(store::read_small_regular(&link, 100).is_err());
    // Folders are not regular files; bad UTF-8 is a parse error.
    assert_eq!(
        store::read_ticket_text(dir, 100).unwrap_err().code,
        "not_regular_file"
    );
    std::fs::write(&f, [0xff, 0xfe]).expect("write");
    assert_eq!(
        store::read_ticket_text(&f, 100).unwrap_err().code,
        "frontmatter_parse_error"
    );
    assert!(store::read_local_text(&f).is_err());
    assert_eq!(
        store::read_ticket_text(&dir.join("none"), 100)
            .unwrap_err()
            .code,
        "frontmatter_parse_error"
    );
}

#[test]
fn the_metadata_check_refuses_folders_and_oversized_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let f = tmp.path().join("f");
    std::fs::write(&f, "123").expect("write");
    let meta = std::fs::metadata(&f).expect("meta");
    assert!(store::check_ticket_meta(&meta, 3).is_ok());
    assert_eq!(
        store::check_ticket_meta(&meta, 2).unwrap_err().code,
        "file_too_large"
    );
    let dir_meta = std::fs::metadata(tmp.path()).expect("meta");
    assert_eq!(
        store::check_ticket_meta(&dir_meta, u64::MAX)
            .unwrap_err()
            .code,
        "not_regular_file"
    );
}

/// A scan reads the folders and stats their files at once, in batches on
/// several threads, then decodes them in rounds: its entries still come in
/// folder order, live first, the same as a plain listing, cold and from the
/// cache, and each broken file keeps its place in that order.
#[test]
fn a_scan_over_many_batches_and_rounds_keeps_the_folder_order() {
    let (_tmp, p) = project();
    let model = create(&p, "model");
    let text = std::fs::read_to_string(p.resolve(&model).unwrap().path).unwrap();
    std::fs::create_dir_all(p.archive_dir()).unwrap();
    // More than one decode round (8,192 files).
    for i in 0..8400 {
        let id = format!("t-{i:05}");
        let dir = if i % 7 == 0 {
            p.archive_dir()
        } else {
            p.tickets_dir()
        };
        // Every archived file is broken: archived files are listed last, so
        // some failures sit past the first decode round.
        let body = if i % 1000 == 999 || i % 7 == 0 {
            "---\nid: [broken\n---\n".to_string()
        } else {
            // Long titles: the cache outgrows one read (1 MiB).
            let title = format!("title: model {}", "x".repeat(120));
            text.replace(&model, &id)
                .replacen("title: model", &title, 1)
        };
        std::fs::write(dir.join(format!("{id}--x.md")), body).unwrap();
    }
    let listed: Vec<PathBuf> = p.files().unwrap().into_iter().map(|f| f.path).collect();
    assert_eq!(listed.len(), 8401);
    for round in ["cold", "cached"] {
        let plain = p.scan().unwrap();
        assert!(
            !plain
                .stamps
                .cover(plain.entries.len(), plain.failures.len())
        );
        let scan = p.scan_stamped().unwrap();
        assert_eq!(plain.entries.len(), scan.entries.len(), "{round}");
        assert_eq!(scan.failures.len(), 1207, "{round}");
        assert!(scan.stamps.failures.iter().any(|(at, _)| *at >= 8192));
        assert!(scan.stamps.cover(scan.entries.len(), scan.failures.len()));
        // Entries and failures, put back at their positions, are the listing.
        let mut all: Vec<Option<PathBuf>> = vec![None; listed.len()];
        for (f, (at, _)) in scan.failures.iter().zip(&scan.stamps.failures) {
            all[*at] = Some(f.path.clone());
        }
        let mut entries = scan.entries.iter();
        for slot in all.iter_mut().filter(|s| s.is_none()) {
            *slot = entries.next().map(|e| e.path.clone());
        }
        let all: Vec<PathBuf> = all.into_iter().map(Option::unwrap).collect();
        assert_eq!(all, listed, "{round}");
        for e in &scan.entries {
            assert!(!e.archived, "{round}");
            assert!(
                e.path.to_string_lossy().contains(e.meta.id.as_str()),
                "{round}"
            );
        }
    }
    // One edit: the rewritten cache copies every other entry from the old
    // file (1.5 MB, read in parts) and serves them all again.
    let edited = p.tickets_dir().join("t-00005--x.md");
    let text = std::fs::read_to_string(&edited).unwrap();
    let (title, _) = text
        .split_once("\n---")
        .unwrap()
        .0
        .split_once("title: ")
        .unwrap()
        .1
        .split_once('\n')
        .unwrap();
    std::fs::write(&edited, text.replacen(title, "edited", 1)).unwrap();
    let local = p.local_dir().join("cache-v4.bin");
    let size = std::fs::metadata(&local).unwrap().len();
    assert!(size > 1 << 20, "spans several reads: {size} bytes");
    for round in ["rewritten", "from the rewrite"] {
        let scan = p.scan().unwrap();
        assert_eq!(
            (scan.entries.len(), scan.failures.len()),
            (8401 - 1207, 1207),
            "{round}"
        );
        for e in &scan.entries {
            assert!(
                e.path.to_string_lossy().contains(e.meta.id.as_str()),
                "{round}"
            );
            assert_eq!(e.meta.title == "edited", e.path == edited, "{round}");
        }
    }
}

#[test]
fn parallel_map_keeps_the_order() {
    for n in [0usize, 3, 63, 64, 65, 500] {
        let items: Vec<usize> = (0..n).collect();
        let out = store::parallel_map(&items, |x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>(), "{n}");
    }
}

#[test]
fn a_ticket_write_stages_in_the_local_tmp_folder() {
    let (_t, p) = project();
    let target = p.tickets_dir().join("t-x--y.md");
    p.write_ticket_file(&target, b"hello").expect("write");
    assert_eq!(std::fs::read(&target).expect("read"), b"hello");
    assert!(p.tmp_dir().is_dir());
    assert!(names_in(&p.tmp_dir()).is_empty());
    assert_eq!(names_in(&p.tickets_dir()), ["t-x--y.md"]);
}

#[test]
fn a_save_whose_file_vanished_never_overwrites_the_target() {
    let (_t, p) = project();
    let id = create(&p, "vanishing");
    let mut t = p.get_for_write(&id).expect("get");
    let name = t.path.file_name().expect("name").to_owned();
    // Someone moved the file into the archive by hand since it was read.
    std::fs::rename(&t.path, p.archive_dir().join(&name)).expect("mv");
    std::fs::write(p.archive_dir().join(&name), "someone else's").expect("write");
    t.meta.status = "closed".into();
    let _lock = p.lock().expect("lock");
    assert!(matches!(p.save(&mut t), Err(Error::DuplicateId { .. })));
    assert_eq!(
        std::fs::read_to_string(p.archive_dir().join(&name)).expect("read"),
        "someone else's"
    );
}

#[test]
fn a_current_index_pointing_at_a_vanished_file_falls_back_to_listing() {
    let (_t, p) = project();
    let id = create(&p, "moved");
    // Make the id index current, then move the file and put both folders'
    // times back, as a foreign change within one clock tick would.
    p.files().expect("files");
    assert_eq!(
        p.resolve(&id).expect("resolve").path.parent(),
        Some(p.tickets_dir().as_path())
    );
    let mtime = |d: &Path| {
        std::fs::metadata(d)
            .expect("meta")
            .modified()
            .expect("mtime")
    };
    let (live, arch) = (mtime(&p.tickets_dir()), mtime(&p.archive_dir()));
    let path = p.resolve(&id).expect("resolve").path;
    let moved = p.archive_dir().join(path.file_name().expect("name"));
    std::fs::rename(&path, &moved).expect("mv");
    for (dir, t) in [(p.tickets_dir(), live), (p.archive_dir(), arch)] {
        std::fs::File::open(&dir)
            .expect("open dir")
            .set_modified(t)
            .expect("set mtime");
    }
    assert_eq!(p.resolve(&id).expect("resolve").path, moved);
}

#[test]
fn an_exact_id_wins_over_a_longer_id_it_prefixes_in_the_index() {
    let (_t, p) = project();
    let a = create(&p, "short");
    // A hand-written ticket whose id extends `a` by one character.
    let long = format!("{a}z");
    let text = std::fs::read_to_string(p.get(&a).unwrap().path)
        .unwrap()
        .replace(&a, &long);
    std::fs::write(p.tickets_dir().join(format!("{long}--long.md")), text).unwrap();
    p.files().unwrap(); // rebuilds the id index with both
    let hits = p.resolve_all(&a).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, a);
    assert_eq!(p.resolve(&long).unwrap().id, long);
}

#[test]
fn a_read_that_fails_under_the_size_cap_is_a_parse_error_not_too_large() {
    // A regular file by stat (size 0) whose read fails (EIO).
    let f = store::read_ticket_text(Path::new("/proc/self/mem"), 1 << 20).unwrap_err();
    assert_eq!(f.code, "frontmatter_parse_error", "{}", f.message);
}

#[test]
fn a_journal_that_cannot_be_removed_fails_recovery() {
    let (_t, p) = project();
    // Not a file: removing it fails with something other than "not found".
    std::fs::create_dir_all(p.local_dir().join("move-journal").join("x")).unwrap();
    assert!(p.recover().is_err());
}

#[test]
fn a_journal_naming_a_file_outside_the_ticket_folders_is_ignored() {
    let (_t, p) = project();
    let id = create(&p, "kept");
    let path = p.resolve(&id).expect("resolve").path;
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    // A ticket-like file in `local/`, named as the old side of a move.
    let planted = p.local_dir().join(&name);
    std::fs::copy(&path, &planted).expect("copy");
    journal(&p, &format!("local/{name}"), &format!("tickets/{name}"));
    assert!(!p.move_pending());
    drop(p.lock().expect("lock"));
    assert!(planted.exists());
}

#[test]
fn a_stray_temp_file_seen_by_a_read_is_still_swept_by_the_next_mutation() {
    let (_t, p) = project();
    create(&p, "x");
    p.files().expect("files"); // the index is current
    let stray = p.tickets_dir().join(".tmp-old");
    std::fs::write(&stray, "half").expect("write");
    // A read lists the folder and sees the stray: the index stays stale ...
    p.files().expect("files");
    // ... so the next mutation lists the folders again and sweeps it.
    drop(p.lock().expect("lock"));
    assert!(!stray.exists());
    assert!(p.temp_files().is_empty());
}

#[test]
fn a_ticket_folder_that_cannot_be_listed_is_an_error_not_an_empty_project() {
    let (_t, p) = project();
    create(&p, "x");
    std::fs::remove_dir_all(p.archive_dir()).unwrap();
    // A file where the folder should be: listing it fails with ENOTDIR.
    std::fs::write(p.archive_dir(), "not a folder").unwrap();
    assert!(p.files().is_err());
}

/// The parallel helpers keep order and lose nothing, below and above their
/// thresholds.
#[test]
fn parallel_helpers_keep_order() {
    for n in [0usize, 1, 63, 64, 65, 1000, 1001] {
        let items: Vec<usize> = (0..n).collect();
        let want: Vec<usize> = items.iter().map(|i| i * 2).collect();
        assert_eq!(store::parallel_map(&items, |i| i * 2), want, "map {n}");
        let owned = store::parallel_map_owned(items.clone(), |i| i * 2);
        assert_eq!(owned, want, "owned {n}");
        for min in [0, 1, 7, 512, 5000] {
            let parts = store::parallel_chunks(&items, min, |c| c.to_vec());
            assert!(!parts.is_empty());
            assert!(
                parts.iter().all(|p| p.len() >= min.min(n)),
                "chunks of at least {min}"
            );
            assert_eq!(parts.concat(), items, "chunks {n}/{min}");
        }
    }
}

/// The borrowed fast path of `display_path_of` agrees with the general one.
#[test]
fn display_paths() {
    let (_tmp, p) = project();
    let under = p.tickets_dir().join("t-1--a.md");
    assert!(matches!(
        p.display_path_of(&under),
        std::borrow::Cow::Borrowed(".docket/tickets/t-1--a.md")
    ));
    // Odd spellings take the general path, with its answers.
    let root = p.root.display();
    assert_eq!(
        p.display_path(&PathBuf::from(format!("{root}//x.md"))),
        "x.md"
    );
    assert_eq!(
        p.display_path(&PathBuf::from(format!("{root}/./x.md"))),
        "x.md"
    );
    assert_eq!(p.display_path(&p.root), "");
    let sibling = PathBuf::from(format!("{root}x/y.md"));
    assert_eq!(p.display_path(&sibling), sibling.to_string_lossy());
    assert_eq!(
        p.display_path(Path::new("/elsewhere/z.md")),
        "/elsewhere/z.md"
    );
}

/// A derived file's temp file left in `.docket/local/` by a killed reader is
/// swept by the next mutation once it is a minute old; a fresh one (maybe
/// still being written) is left alone.
#[test]
fn a_stale_derived_temp_file_is_swept_by_the_next_mutation() {
    let (_t, p) = project();
    create(&p, "first");
    let local = p.local_dir();
    std::fs::create_dir_all(&local).expect("local");
    let stale = local.join(".tmp-killed");
    let fresh = local.join(".tmp-in-flight");
    std::fs::write(&stale, "half a cache").expect("write");
    std::fs::write(&fresh, "being written").expect("write");
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .expect("open")
        .set_modified(hour_ago)
        .expect("mtime");
    // A read leaves both.
    p.scan().expect("scan");
    assert!(stale.exists() && fresh.exists());
    create(&p, "second");
    assert!(!stale.exists(), "the stale temp file is swept");
    assert!(fresh.exists(), "a fresh one is left alone");
    assert!(local.join("cache-v4.bin").exists(), "derived files stay");
}
