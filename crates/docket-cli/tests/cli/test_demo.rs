use crate::common::TestEnv;

#[test]
fn demo_builds_a_sample_project() {
    let env = TestEnv::new();
    let dir = env.home.join("demo");
    let r = env.run_in(&env.home, &["demo", "--dir", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("docket demo: sample project created in"),
        "{}",
        r.stdout
    );
    for heading in ["OPEN (", "IN_PROGRESS (", "CLOSED ("] {
        assert!(r.stdout.contains(heading), "{heading}: {}", r.stdout);
    }
    assert!(r.stdout.contains("Ship user accounts"), "{}", r.stdout);
    assert!(r.stdout.contains("Try: cd "), "{}", r.stdout);
    // It says where the binary it ran is, and how to put it on PATH.
    let bin = assert_cmd::cargo::cargo_bin("docket")
        .canonicalize()
        .unwrap();
    let bin_dir = bin.parent().unwrap().display().to_string();
    assert!(
        r.stdout
            .contains(&format!("docket is built at {}", bin.display())),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("export PATH=\"{bin_dir}:$PATH\"")),
        "{}",
        r.stdout
    );
    assert!(dir.join(".docket/config.toml").is_file());

    let r = env.run_in(&dir, &["check", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.envelope();
    assert_eq!(v["data"]["summary"]["errors"], 0);
    assert_eq!(v["data"]["summary"]["warnings"], 0);
    assert!(v["data"]["summary"]["scanned"].as_u64().unwrap() >= 5);

    // The project is usable: ready works and closed has the CI ticket.
    let r = env.run_in(&dir, &["closed", "--json"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.envelope()["data"][0]["title"], "Cache cargo builds in CI");

    // A second demo into the same folder refuses to clobber it.
    let r = env.run_in(
        &env.home,
        &["demo", "--dir", dir.to_str().unwrap(), "--json"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.envelope()["error"]["code"], "already_exists");
}
