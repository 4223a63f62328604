use crate::common::{TestEnv, strs};

#[test]
fn init_creates_the_project_layout() {
    let env = TestEnv::new();
    let data = env.ok(&["init", "--prefix", "dk"]);
    assert_eq!(data["prefix"], "dk");
    assert_eq!(data["preset"], "simple");
    assert_eq!(data["dir"], ".docket");

    let dir = env.docket_dir();
    assert!(dir.join("tickets").is_dir());
    assert!(dir.join("archive").is_dir());
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(config.contains("prefix = \"dk\""), "{config}");
    let gitignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(
        gitignore.lines().any(|l| l.trim() == "local/"),
        "{gitignore}"
    );

    // The new project is usable and clean.
    let info = env.ok(&["info"]);
    assert_eq!(info["project"]["prefix"], "dk");
    assert_eq!(info["paths"]["tickets"], ".docket/tickets");
    assert_eq!(info["paths"]["archive"], ".docket/archive");
    assert_eq!(strs(&info["workflow"]["terminal"]), vec!["closed"]);
    env.cmd(&["check"]).assert().code(0);
}

#[test]
fn init_human_output_and_default_prefix_from_folder() {
    let env = TestEnv::new();
    let r = env.run(&["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Initialized docket project"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("prefix `proj`"), "{}", r.stdout);
    let id = env.create("first", &[]);
    assert!(id.starts_with("proj-"), "{id}");
}

#[test]
fn init_twice_is_refused_and_force_rewrites_config() {
    let env = TestEnv::init();
    let id = env.create("kept across --force", &[]);
    let config_before = std::fs::read(env.docket_dir().join("config.toml")).unwrap();

    let err = env.fail(&["init", "--prefix", "zz"], "already_exists");
    assert!(err["message"].as_str().unwrap().contains("already exists"));
    assert!(err["hint"].as_str().unwrap().contains("--force"));
    assert_eq!(
        std::fs::read(env.docket_dir().join("config.toml")).unwrap(),
        config_before
    );
    // Human mode: message on stderr, nothing on stdout.
    let r = env.run(&["init", "--prefix", "zz"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);

    let data = env.ok(&["init", "--prefix", "zz", "--force"]);
    assert_eq!(data["prefix"], "zz");
    let config = std::fs::read_to_string(env.docket_dir().join("config.toml")).unwrap();
    assert!(config.contains("prefix = \"zz\""));
    // Tickets are kept.
    assert_eq!(env.show(&id)["title"], "kept across --force");
    let new_id = env.create("after force", &[]);
    assert!(new_id.starts_with("zz-"), "{new_id}");
}

#[test]
fn init_rejects_bad_prefix_and_unknown_preset_without_writing() {
    for bad in ["Bad", "1abc", "a-b", "", "waytoolongprefix"] {
        let env = TestEnv::new();
        let err = env.fail(&["init", "--prefix", bad], "invalid_argument");
        assert!(err["message"].as_str().unwrap().contains("prefix"), "{err}");
        assert!(!env.docket_dir().exists(), "prefix {bad:?} wrote .docket");
    }
    let env = TestEnv::new();
    let err = env.fail(
        &["init", "--prefix", "dk", "--preset", "kanban"],
        "invalid_argument",
    );
    assert!(err["message"].as_str().unwrap().contains("kanban"), "{err}");
    assert!(!env.docket_dir().exists());
    assert_eq!(std::fs::read_dir(&env.root).unwrap().count(), 0);
}

#[test]
fn discovery_walks_up_from_a_subfolder() {
    let env = TestEnv::init();
    let id = env.create("top level", &[]);
    let sub = env.root.join("src").join("deep");
    std::fs::create_dir_all(&sub).unwrap();

    let r = env.run_in(&sub, &["list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.envelope();
    assert_eq!(v["data"][0]["id"], id.as_str());

    // Writes from a subfolder land in the root project.
    let r = env.run_in(&sub, &["create", "from below", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let new_id = r.envelope()["data"]["id"].as_str().unwrap().to_string();
    assert!(env.path_of(&new_id).starts_with(env.tickets_dir()));
    assert!(!sub.join(".docket").exists());
}

#[test]
fn outside_a_project_is_no_project() {
    let env = TestEnv::new();
    for args in [
        vec!["list"],
        vec!["show", "dk-01"],
        vec!["create", "x"],
        vec!["prime"],
        vec!["info"],
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 1, "{args:?}");
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains("no docket project"), "{}", r.stderr);
        assert!(r.stderr.contains("docket init"), "{}", r.stderr);

        let mut a = args.clone();
        a.push("--json");
        let r = env.run(&a);
        assert_eq!(r.code, 1);
        let v = r.envelope();
        assert_eq!(v["error"]["code"], "no_project");
        let text = format!("{} {}", v["error"]["message"], v["error"]["hint"]);
        assert!(text.contains("docket init"), "{text}");
    }
    assert!(!env.root.join(".docket").exists());
}

#[test]
fn dash_c_runs_as_if_started_in_dir() {
    let env = TestEnv::new();
    // init through -C from the parent folder.
    let r = env.run_in(&env.home, &["-C", "proj", "init", "--prefix", "dk"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(env.root.join(".docket/config.toml").is_file());
    assert!(!env.home.join(".docket").exists());

    let id = env.create("via dash C", &[]);
    let r = env.run_in(&env.home, &["-C", "proj", "show", &id, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.envelope()["data"]["title"], "via dash C");

    let r = env.run_in(&env.home, &["--dir", "proj", "list", "--json"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.envelope()["data"].as_array().unwrap().len(), 1);

    // Without -C the parent is not a project.
    let r = env.run_in(&env.home, &["list", "--json"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.envelope()["error"]["code"], "no_project");

    // -C also works after the subcommand (global flag).
    let r = env.run_in(&env.home, &["list", "-C", "proj", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
