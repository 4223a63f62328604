//! The README's quick start and plan-first walkthrough, run as pasted: every
//! `sh` block under "## Quick start" goes through `bash -e` with the built
//! binary first on PATH, so a README example that stops working fails here.

use std::path::Path;
use std::process::Command;

use crate::common::TestEnv;

/// The fenced `sh` blocks of the README section headed `heading`.
fn sh_blocks(readme: &str, heading: &str) -> Vec<String> {
    let start = readme
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has no `{heading}` section"));
    let rest = &readme[start + heading.len() + 2..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "```sh" {
            let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
            blocks.push(body.join("\n"));
        }
    }
    blocks
}

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(&path).expect("read README.md")
}

/// Runs one block with `bash -e -u -o pipefail` in the test's home.
fn run_block(env: &TestEnv, block: &str) -> (i32, String, String) {
    let bin = assert_cmd::cargo::cargo_bin("docket");
    let bin_dir = bin.parent().expect("binary folder");
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", block])
        .env_clear()
        .env("PATH", path)
        .env("HOME", &env.home)
        .env("TMPDIR", &env.home)
        .env("NO_COLOR", "1")
        .current_dir(&env.home)
        .output()
        .expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn readme_quick_start_runs_clean_when_pasted() {
    let blocks = sh_blocks(&readme(), "## Quick start");
    assert_eq!(blocks.len(), 2, "quick start and plan-first blocks");
    let env = TestEnv::new();
    let (code, out, err) = run_block(&env, &blocks[0]);
    assert_eq!(code, 0, "quick start failed:\n{out}\n{err}");
    // The gate refuses first, then the same close goes through.
    assert!(out.contains("refused: criteria unchecked"), "{out}");
    assert!(err.contains("acceptance"), "{err}");
    assert!(out.contains("closed "), "{out}");
}

#[test]
fn readme_blocks_have_no_placeholders() {
    for block in sh_blocks(&readme(), "## Quick start") {
        assert!(
            !block.contains('<'),
            "a placeholder cannot be pasted:\n{block}"
        );
    }
}

#[test]
fn readme_plan_first_walkthrough_runs_clean_when_pasted() {
    let blocks = sh_blocks(&readme(), "## Quick start");
    let env = TestEnv::new();
    let (code, out, err) = run_block(&env, &blocks[1]);
    assert_eq!(code, 0, "plan-first walkthrough failed:\n{out}\n{err}");
    assert!(out.contains("Plan (v1, frozen: approved by bob"), "{out}");
    assert!(out.contains("used PKCE too"), "{out}");
    assert!(out.contains("status: verified"), "{out}");
    assert!(out.contains("0 errors"), "{out}");
}
