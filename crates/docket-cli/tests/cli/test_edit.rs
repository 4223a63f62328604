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

/// Run `docket edit <args>` on a pseudo-terminal (util-linux `script`), with
/// `$EDITOR` a shell script whose `case` on the call number (1, 2, …) edits
/// the file `$1`. The script counts its calls in `<home>/calls` and keeps what
/// it was shown in `<home>/seen-N`. Output is the terminal's (stdout and
/// stderr together).
fn edit_on_a_terminal(env: &TestEnv, args: &str, cases: &str) -> crate::common::Run {
    let editor = env.home.join("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\n\
             dir='{home}'\n\
             n=$(cat \"$dir/calls\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$dir/calls\"\n\
             cp \"$1\" \"$dir/seen-$n\"\n\
             case $n in\n{cases}\nesac\n",
            home = env.home.display()
        ),
    )
    .expect("write editor");
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod editor");
    let bin = assert_cmd::cargo::cargo_bin("docket");
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} edit {args}", bin.display()),
            "/dev/null",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &env.home)
        .env("SHELL", "/bin/sh")
        .env("DOCKET_ACTOR", "tester")
        .env("NO_COLOR", "1")
        .env("EDITOR", &editor)
        .current_dir(&env.root)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` is needed to give `docket edit` a terminal");
    crate::common::Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn calls(env: &TestEnv) -> String {
    std::fs::read_to_string(env.home.join("calls"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

const BAD_PRIORITY: &str = "1) sed -i 's/^priority: .*/priority: banana/' \"$1\" ;;";

#[test]
fn edit_failing_its_check_reopens_the_editor_with_the_error_on_top() {
    let env = TestEnv::init();
    let id = env.create("fix me", &[]);
    let r = edit_on_a_terminal(
        &env,
        &id,
        &format!("{BAD_PRIORITY}\n2) sed -i 's/^priority: banana/priority: 1/' \"$1\" ;;"),
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(calls(&env), "2");
    let seen = std::fs::read_to_string(env.home.join("seen-2")).unwrap();
    assert!(
        seen.starts_with("# docket: this edit was not saved (parse_error):\n# error: "),
        "{seen}"
    );
    assert!(seen.contains("banana"), "{seen}");
    // The `#` lines were stripped: the second attempt was saved as a ticket.
    assert_eq!(env.show(&id)["priority"], 1);
    assert!(!env.read(&id).contains("# docket"));
}

#[test]
fn edit_given_up_keeps_the_text_in_a_recovery_file_and_the_ticket_untouched() {
    let env = TestEnv::init();
    let id = env.create("keep me", &[]);
    let before = env.snapshot();
    // The second call saves the file unchanged: the user gives up.
    let r = edit_on_a_terminal(&env, &id, &format!("{BAD_PRIORITY}\n*) ;;"));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(calls(&env), "2");
    assert_eq!(env.snapshot(), before, "the ticket file must be untouched");
    assert!(r.stdout.contains("was not saved"), "{}", r.stdout);
    let dir = env.docket_dir().join("local").join("recovery");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    let saved = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(saved.contains("priority: banana"), "{saved}");
    assert!(!saved.contains("# docket"), "{saved}");
    assert!(
        r.stdout.contains(&files[0].path().display().to_string()),
        "the path is printed: {}",
        r.stdout
    );
}

#[test]
fn edit_given_up_by_emptying_the_file_keeps_the_failed_text() {
    let env = TestEnv::init();
    let id = env.create("empty me", &[]);
    let r = edit_on_a_terminal(&env, &id, &format!("{BAD_PRIORITY}\n2) : > \"$1\" ;;"));
    assert_eq!(r.code, 1, "{}", r.stdout);
    let dir = env.docket_dir().join("local").join("recovery");
    let file = std::fs::read_dir(&dir).unwrap().flatten().next().unwrap();
    assert!(
        std::fs::read_to_string(file.path())
            .unwrap()
            .contains("priority: banana")
    );
    assert_eq!(env.show(&id)["priority"], 2);
}

#[test]
fn edit_not_saved_has_a_stable_code_in_json() {
    let env = TestEnv::init();
    let id = env.create("json", &[]);
    let r = edit_on_a_terminal(
        &env,
        &format!("{id} --json"),
        &format!("{BAD_PRIORITY}\n*) ;;"),
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let line = r.stdout.lines().find(|l| l.starts_with('{')).unwrap();
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["error"]["code"], "edit_not_saved", "{v}");
    assert_eq!(v["error"]["id"], id.as_str(), "{v}");
    assert!(
        v["error"]["recovery"].as_str().unwrap().ends_with(".md"),
        "{v}"
    );
}

#[test]
fn edit_from_a_recovery_file_continues_the_edit() {
    let env = TestEnv::init();
    let id = env.create("continue", &[]);
    edit_on_a_terminal(&env, &id, &format!("{BAD_PRIORITY}\n*) ;;"));
    let dir = env.docket_dir().join("local").join("recovery");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    std::fs::remove_file(env.home.join("calls")).unwrap();
    let r = edit_on_a_terminal(
        &env,
        &format!("{id} --from {}", file.display()),
        "1) sed -i 's/^priority: banana/priority: 3/' \"$1\" ;;",
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(env.show(&id)["priority"], 3);
}
