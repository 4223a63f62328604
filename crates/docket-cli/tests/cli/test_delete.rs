use serde_json::json;

use crate::common::TestEnv;

#[test]
fn delete_is_refused_while_referenced() {
    let env = TestEnv::init();
    let target = env.create("target", &[]);
    let by_dep = env.create("by dep", &["--dep", &target]);
    let by_link = env.create("by link", &["--link", &target]);
    let by_parent = env.create("by parent", &["--parent", &target]);
    let unrelated = env.create("unrelated", &[]);
    let before = env.snapshot();

    let err = env.fail(&["delete", &target], "has_incoming_refs");
    let mut want = vec![by_dep.clone(), by_link.clone(), by_parent.clone()];
    want.sort();
    assert_eq!(err["referrers"], json!(want));
    assert_eq!(err["id"], target.as_str());
    assert_eq!(env.snapshot(), before);

    let r = env.run(&["delete", &target]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--cascade"), "{}", r.stderr);

    let v = env.ok_env(&["delete", &target, "--cascade"]);
    assert_eq!(v["schema_version"], 2, "{v}");
    let data = &v["data"];
    // Lean (schema 2): the deleted id and title, and the ids of the tickets
    // whose references were removed.
    let mut keys: Vec<&str> = data
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    assert_eq!(keys, vec!["id", "title", "updated"], "{data}");
    assert_eq!(data["id"], target.as_str());
    assert_eq!(data["title"], "target");
    let mut updated: Vec<String> = data["updated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().expect("updated lists ids").to_string())
        .collect();
    updated.sort();
    assert_eq!(updated, want);
    assert!(env.try_path_of(&target).is_none(), "file still there");
    assert_eq!(env.show(&by_dep)["deps"], json!([]));
    assert_eq!(env.show(&by_link)["links"], json!([]));
    assert!(env.show(&by_parent)["parent"].is_null());
    env.fail(&["show", &target], "not_found");
    let out = env.run(&["check", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.envelope()["data"]["issues"], json!([]));

    // An unreferenced ticket is deleted directly.
    let data = env.ok(&["delete", &unrelated]);
    assert_eq!(data["id"], unrelated.as_str());
    // No referrer was updated (the API leaves out an empty `updated`).
    assert!(
        data.get("updated").is_none_or(|u| *u == json!([])),
        "{data}"
    );
    assert!(env.try_path_of(&unrelated).is_none());
}

#[test]
fn delete_archived_ticket_and_missing_id() {
    let env = TestEnv::init();
    let id = env.create("old", &[]);
    env.okw(&["close", &id]);
    env.ok(&["delete", &id]);
    assert!(env.try_path_of(&id).is_none());
    env.fail(&["delete", &id], "not_found");
}
