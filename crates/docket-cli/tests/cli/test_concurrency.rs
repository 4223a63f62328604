use std::collections::BTreeSet;
use std::process::Stdio;

use crate::common::TestEnv;

#[test]
fn parallel_writers_lose_no_updates() {
    let env = TestEnv::init();
    let id = env.create("hot ticket", &["-d", "contended"]);
    let other = env.create("other", &[]);

    const NOTES: usize = 8;
    const CREATES: usize = 6;
    let mut children = Vec::new();
    for i in 0..NOTES {
        let mut c = env.std_command_in(&env.root);
        c.args(["add-note", &id, &format!("note {i}")])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push((format!("add-note {i}"), c.spawn().expect("spawn")));
    }
    for i in 0..CREATES {
        let mut c = env.std_command_in(&env.root);
        c.args([
            "create",
            &format!("parallel {i}"),
            "--link",
            &other,
            "--json",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        children.push((format!("create {i}"), c.spawn().expect("spawn")));
    }
    // Readers racing the writers (they also rewrite the derived cache).
    for _ in 0..4 {
        let mut c = env.std_command_in(&env.root);
        c.args(["list", "--json"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push(("list".to_string(), c.spawn().expect("spawn")));
    }
    for (what, child) in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{what} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let t = env.show(&id);
    let notes: BTreeSet<String> = t["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = (0..NOTES).map(|i| format!("note {i}")).collect();
    assert_eq!(notes, want, "lost notes");
    assert_eq!(t["notes"].as_array().unwrap().len(), NOTES);
    assert_eq!(t["description"], "contended");

    let titles: BTreeSet<String> = env
        .ok(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect();
    for i in 0..CREATES {
        assert!(
            titles.contains(&format!("parallel {i}")),
            "lost ticket {i}: {titles:?}"
        );
    }
    assert_eq!(titles.len(), CREATES + 2);
    // Every reciprocal link write landed on the shared target.
    assert_eq!(env.show(&other)["links"].as_array().unwrap().len(), CREATES);

    let (v, code) = env.json(&["check"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["data"]["issues"], serde_json::json!([]));
    // No temp files left behind.
    for entry in std::fs::read_dir(env.tickets_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name.ends_with(".md") && !name.starts_with('.'),
            "stray file {name}"
        );
    }
}
