//! Agent onboarding: `docket agents install|snippets` (AGENTS.md section, Claude
//! Code skill and SessionStart hook, MCP client snippets) and `docket completions`.
//! `docket init` reuses [`write_agents_md`] and [`snippets`].

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Subcommand};
use clap_complete::Shell;
use docket_core::Error;
use docket_core::store::write_atomic;
use serde_json::{Map, Value, json};

use crate::cli::{Cli, GlobalArgs};
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, paint, style};

#[derive(Args, Debug)]
pub struct AgentsArgs {
    #[command(subcommand)]
    pub sub: AgentsSub,
}

#[derive(Subcommand, Debug)]
pub enum AgentsSub {
    /// Write the docket section of AGENTS.md (idempotent) and print MCP snippets
    Install {
        /// Also write the Claude Code skill .claude/skills/docket/SKILL.md
        #[arg(long)]
        claude_skill: bool,
        /// Also add a SessionStart hook running `docket prime` to .claude/settings.json
        #[arg(long)]
        hook: bool,
    },
    /// Print the MCP configuration snippets for Claude Code, Claude Desktop, Cursor, Zed and Codex
    Snippets,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// Shell to generate for
    #[arg(value_enum)]
    pub shell: Shell,
    /// A script that completes commands and flags only (no ticket handles,
    /// statuses, tags or sessions) and never calls docket while completing
    #[arg(long = "static")]
    pub static_script: bool,
}

/// `docket completions --help`: how to install completions in each shell.
pub const COMPLETIONS_HELP: &str = "\
Install: add one line to your shell's start-up file. Completions then offer
commands, flags, ticket handles (with titles), statuses, tags and session names
of the project in the current folder (none outside a project).

  bash        echo 'source <(COMPLETE=bash docket)' >> ~/.bashrc
  zsh         echo 'source <(COMPLETE=zsh docket)' >> ~/.zshrc
  fish        echo 'COMPLETE=fish docket | source' > ~/.config/fish/completions/docket.fish
  elvish      echo 'eval (E:COMPLETE=elvish docket | slurp)' >> ~/.config/elvish/rc.elv
  powershell  add these lines to $PROFILE:
                $env:COMPLETE = \"powershell\"
                docket | Out-String | Invoke-Expression
                Remove-Item Env:\\COMPLETE

Start a new shell afterwards. `docket completions <shell>` prints the same
script, to save in a file your shell loads instead; generate it again after
upgrading docket. With --static the script completes commands and flags only.";

pub const START: &str = "<!-- docket:start -->";
pub const END: &str = "<!-- docket:end -->";

/// The docket section of AGENTS.md, markers included.
pub fn agents_section() -> String {
    format!(
        "{START}\n## Tickets: docket\n\n\
This project tracks work with [docket](https://crates.io/crates/docket-cli): tickets are\n\
markdown files in `.docket/`, changed only through the `docket` CLI or its MCP server\n\
(`docket mcp`). Never edit `.docket/` files by hand.\n\n\
- Start every task with `docket prime` (add `--json` for machine-readable output).\n\
- Read `docket man minimal` once: the whole workflow in one page.\n\
- Loop: `docket ready` → `docket show <id>` → `docket start <id>` → work, `docket add-note <id> \"…\"`\n\
  → `docket update <id> --ac \"<criterion>\" --done` → `docket close <id> --summary \"…\"`.\n\
- File new work with `docket create \"title\" -d \"what and why\" --acceptance \"…\"`.\n\
- Errors carry a stable `code` and a `hint`: fix the cause instead of forcing a guard.\n\
{END}\n"
    )
}

/// What a write did: `created`, `updated` or `unchanged`.
fn write_if_changed(path: &Path, old: Option<&str>, new: &str) -> Result<&'static str, Error> {
    if old == Some(new) {
        return Ok("unchanged");
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    write_atomic(path, new.as_bytes())?;
    Ok(if old.is_some() { "updated" } else { "created" })
}

fn read_opt(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// `text` with the docket section inserted or replaced between the markers;
/// everything outside the markers is kept byte for byte.
pub fn merge_section(text: &str, section: &str) -> String {
    if let Some(s) = text.find(START)
        && let Some(e) = text[s..].find(END)
    {
        let mut end = s + e + END.len();
        if text[end..].starts_with('\n') {
            end += 1;
        }
        return format!("{}{section}{}", &text[..s], &text[end..]);
    }
    if text.is_empty() {
        return section.to_string();
    }
    let sep = if text.ends_with("\n\n") {
        ""
    } else if text.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    };
    format!("{text}{sep}{section}")
}

/// Write or update the docket section of `<root>/AGENTS.md`.
pub fn write_agents_md(root: &Path) -> Result<(PathBuf, &'static str), Error> {
    let path = root.join("AGENTS.md");
    let old = read_opt(&path)?;
    let new = merge_section(old.as_deref().unwrap_or(""), &agents_section());
    let what = write_if_changed(&path, old.as_deref(), &new)?;
    Ok((path, what))
}

/// The CLAUDE.md pointer: Claude Code reads CLAUDE.md, not AGENTS.md, so a
/// short section sends it to the one set of instructions (as tess does).
fn claude_section() -> String {
    format!(
        "{START}\n\
## Tickets (docket)\n\n\
This project tracks work with docket. Read AGENTS.md (the docket section) and run\n\
`docket prime` before starting; change tickets only through the `docket` CLI.\n\
{END}\n"
    )
}

/// Write or update the docket pointer section of `<root>/CLAUDE.md`.
pub fn write_claude_md(root: &Path) -> Result<(PathBuf, &'static str), Error> {
    let path = root.join("CLAUDE.md");
    let old = read_opt(&path)?;
    let new = merge_section(old.as_deref().unwrap_or(""), &claude_section());
    let what = write_if_changed(&path, old.as_deref(), &new)?;
    Ok((path, what))
}

/// The Claude Code skill (checked against the CLI by the manual tests).
pub const SKILL: &str = "---\n\
name: docket\n\
description: Use for any task that involves this project's tickets or planning work: finding what to do next, reading, creating, updating, moving or closing tickets with the docket CLI.\n\
---\n\n\
# docket\n\n\
Tickets live in `.docket/` and change only through the `docket` CLI (or the `docket` MCP tools).\n\n\
1. Run `docket prime --json` first, and `docket man minimal` once for the workflow.\n\
2. Pick work with `docket ready --json`; read it with `docket show <id> --json`.\n\
3. `docket start <id>` before coding; `docket add-note <id> \"…\"` for findings.\n\
4. Check criteria with `docket update <id> --ac \"<criterion>\" --done`; finish with\n   `docket close <id> --summary \"…\"`.\n\
5. On an error, read its `code` and `hint` and fix the cause.\n";

/// Add the SessionStart hook to `.claude/settings.json`, keeping everything else.
fn install_hook(root: &Path) -> Result<(PathBuf, &'static str), Error> {
    let path = root.join(".claude").join("settings.json");
    let old = read_opt(&path)?;
    let mut settings: Value = match old.as_deref() {
        Some(t) if !t.trim().is_empty() => serde_json::from_str(t).map_err(|e| {
            Error::invalid(format!(
                "{} is not valid JSON ({e}); fix it and run again",
                path.display()
            ))
        })?,
        _ => json!({}),
    };
    let obj = settings
        .as_object_mut()
        .ok_or_else(|| Error::invalid(format!("{} is not a JSON object", path.display())))?;
    let hooks = obj
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let hooks = hooks
        .as_object_mut()
        .ok_or_else(|| Error::invalid(format!("`hooks` in {} is not an object", path.display())))?;
    let list = hooks
        .entry("SessionStart")
        .or_insert_with(|| Value::Array(Vec::new()));
    let list = list.as_array_mut().ok_or_else(|| {
        Error::invalid(format!(
            "`hooks.SessionStart` in {} is not an array",
            path.display()
        ))
    })?;
    let present = list.iter().any(|entry| {
        entry["hooks"]
            .as_array()
            .is_some_and(|hs| hs.iter().any(|h| h["command"] == "docket prime"))
    });
    if !present {
        list.push(json!({ "hooks": [{ "type": "command", "command": "docket prime" }] }));
    }
    let mut new = serde_json::to_string_pretty(&settings).unwrap_or_default();
    new.push('\n');
    if present {
        return Ok((path, "unchanged"));
    }
    let what = write_if_changed(&path, old.as_deref(), &new)?;
    Ok((path, what))
}

/// MCP configuration snippets for the common clients. Project-scoped configs run
/// in the project; global ones name it with `-C`.
pub fn snippets(root: &Path) -> Value {
    let r = root.to_string_lossy().to_string();
    let global_args = json!(["mcp", "-C", r]);
    let desktop =
        json!({ "mcpServers": { "docket": { "command": "docket", "args": global_args } } });
    let cursor = json!({ "mcpServers": { "docket": { "command": "docket", "args": ["mcp"] } } });
    let zed = json!({ "context_servers": { "docket": {
        "source": "custom", "command": "docket", "args": global_args } } });
    let codex = format!(
        "[mcp_servers.docket]\ncommand = \"docket\"\nargs = [\"mcp\", \"-C\", {}]\n",
        json!(r)
    );
    json!({
        "claude_code": "claude mcp add docket -- docket mcp",
        "claude_desktop": desktop,
        "cursor": cursor,
        "zed": zed,
        "codex": codex,
    })
}

/// The snippets as text for people.
pub fn snippets_text(s: &Value) -> String {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    format!(
        "{}\n  {}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        paint(style::BOLD, "MCP set-up — Claude Code (in the project):"),
        s["claude_code"].as_str().unwrap_or_default(),
        paint(style::BOLD, "Claude Desktop (claude_desktop_config.json):"),
        pretty(&s["claude_desktop"]),
        paint(style::BOLD, "Cursor (.cursor/mcp.json):"),
        pretty(&s["cursor"]),
        paint(style::BOLD, "Zed (settings.json):"),
        pretty(&s["zed"]),
        paint(style::BOLD, "Codex (~/.codex/config.toml):"),
        s["codex"].as_str().unwrap_or_default().trim_end(),
    )
}

/// The folder to install into: the project root, else the start folder.
fn install_root(g: &GlobalArgs) -> Result<PathBuf, Error> {
    match context::project(&g.dir) {
        Ok(p) => Ok(p.root),
        Err(Error::NoProject { .. }) => context::start_dir(&g.dir),
        Err(e) => Err(e),
    }
}

pub fn run(g: &GlobalArgs, a: AgentsArgs, printer: &mut Printer) -> CliResult<u8> {
    let root = install_root(g)?;
    let rel = |p: &Path| {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    match a.sub {
        AgentsSub::Snippets => {
            let s = snippets(&root);
            printer.success(&s, None, || snippets_text(&s));
        }
        AgentsSub::Install { claude_skill, hook } => {
            let mut files = Vec::new();
            let (p, w) = write_agents_md(&root)?;
            files.push(json!({ "path": rel(&p), "result": w }));
            if claude_skill {
                let p = root
                    .join(".claude")
                    .join("skills")
                    .join("docket")
                    .join("SKILL.md");
                let old = read_opt(&p)?;
                let w = write_if_changed(&p, old.as_deref(), SKILL)?;
                files.push(json!({ "path": rel(&p), "result": w }));
            }
            if hook {
                let (p, w) = install_hook(&root)?;
                files.push(json!({ "path": rel(&p), "result": w }));
            }
            let s = snippets(&root);
            let data = json!({ "files": files, "mcp": s });
            printer.success(&data, None, || {
                let mut t = String::new();
                for f in &files {
                    t.push_str(&format!(
                        "{} {}\n",
                        f["result"].as_str().unwrap_or_default(),
                        f["path"].as_str().unwrap_or_default()
                    ));
                }
                t.push_str(&snippets_text(&s));
                t
            });
        }
    }
    Ok(0)
}

/// `docket completions <shell>`: the registration script of dynamic
/// completion (the shell asks `COMPLETE=<shell> docket -- <words>`), or with
/// `--static` clap's fixed script.
pub fn completions(_g: &GlobalArgs, a: CompletionsArgs, printer: &mut Printer) -> CliResult<u8> {
    let mut cmd = Cli::command();
    let mut buf: Vec<u8> = Vec::new();
    let name = a.shell.to_string();
    match clap_complete::env::Shells::builtins().completer(&name) {
        Some(shell) if !a.static_script => shell
            .write_registration("COMPLETE", "docket", "docket", &completer_path(), &mut buf)
            .map_err(|e| Error::io("<stdout>", e))?,
        _ => clap_complete::generate(a.shell, &mut cmd, "docket", &mut buf),
    }
    let script = String::from_utf8_lossy(&buf).to_string();
    let data = json!({ "shell": a.shell.to_string(), "script": script });
    printer.success(&data, None, || script.clone());
    Ok(0)
}

/// The program the shell calls for candidates: `docket` when started from
/// `$PATH`, else this binary's path (made absolute), as clap_complete does.
fn completer_path() -> String {
    let arg0 = std::env::args_os()
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("docket"));
    if arg0.components().count() > 1
        && let Ok(dir) = std::env::current_dir()
    {
        return dir.join(arg0).to_string_lossy().into_owned();
    }
    arg0.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_idempotent_and_keeps_user_text() {
        let s = agents_section();
        let user = "# My project\n\nOwn rules.\n";
        let once = merge_section(user, &s);
        assert!(once.starts_with(user));
        assert_eq!(merge_section(&once, &s), once);
        let edited = once.replace("Never edit", "Do not edit");
        assert_eq!(merge_section(&edited, &s), once);
        let after = format!("{once}\n## Later\nmore\n");
        assert_eq!(merge_section(&after, &s), after);
        assert_eq!(merge_section("", &s), s);
    }
}
