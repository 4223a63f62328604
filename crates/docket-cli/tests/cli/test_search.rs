use crate::common::TestEnv;

#[test]
fn search_finds_words_in_titles_bodies_and_logs() {
    let env = TestEnv::init();
    let a = env.create("Parser crash", &["-d", "Segfault on UTF-8 input"]);
    let b = env.create("Docs", &["-d", "mention the parser"]);
    env.okw(&["add-note", &b, "rewrote the utf-8 section"]);
    let c = env.create("Closed parser work", &[]);
    env.okw(&["close", &c]);

    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    // Every word must occur, ignoring case; terminal tickets only with --all.
    let v = env.ok(&["search", "PARSER"]);
    let mut got = ids(&v);
    got.sort();
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(ids(&env.ok(&["search", "parser", "utf-8"])).len(), 2);
    assert_eq!(ids(&env.ok(&["search", "segfault"])), vec![a.clone()]);
    assert_eq!(ids(&env.ok(&["search", "rewrote"])), vec![b.clone()]);
    assert_eq!(
        env.ok(&["search", "segfault"])[0]["line"],
        "Segfault on UTF-8 input"
    );
    assert!(ids(&env.ok(&["search", "parser", "--all"])).contains(&c));
    assert_eq!(ids(&env.ok(&["search", "parser", "--limit", "1"])).len(), 1);
    assert_eq!(ids(&env.ok(&["search", "nothing-like-this"])).len(), 0);
    assert_eq!(
        ids(&env.ok(&["search", "parser", "--status", "closed"])),
        vec![c]
    );
    env.fail(&["search", "x", "--status", "nope"], "invalid_argument");
    env.fail(&["search"], "invalid_argument");
    let r = env.run(&["search", "segfault"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Parser crash"), "{}", r.stdout);
}
