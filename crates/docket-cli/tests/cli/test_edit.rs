use crate::common::TestEnv;

#[test]
fn edit_without_a_terminal_is_not_interactive() {
    let env = TestEnv::init();
    let id = env.create("no tty", &[]);
    let before = env.snapshot();

    let err = env.fail(&["edit", &id], "not_interactive");
    assert!(
        err["message"].as_str().unwrap().contains("docket update"),
        "{err}"
    );

    // Even with an editor configured, piped stdio is refused.
    let mut c = env.cmd(&["edit", &id]);
    c.env("EDITOR", "true")
        .env("VISUAL", "true")
        .write_stdin("");
    let r = TestEnv::run_cmd(c);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("interactive terminal"), "{}", r.stderr);
    assert_eq!(env.snapshot(), before);

    // Id resolution still comes first.
    env.fail(&["edit", "dk-01nope"], "not_found");
}
