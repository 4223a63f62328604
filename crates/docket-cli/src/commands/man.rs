//! `docket man`: built-in manual pages. Guides are markdown embedded in the
//! binary (`crates/docket-api/guides/`, shared with the MCP face); command reference pages are generated from
//! the clap definitions at run time, so their flags can never drift from the CLI.
//! A test checks that every flag the guides mention exists too.

use clap::{Arg, Args, CommandFactory};
use docket_core::Error;
use serde::Serialize;

use crate::cli::{Cli, GlobalArgs};
use crate::error::CliResult;
use crate::output::{Printer, paint, style};

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Page to print: a guide (minimal, workflow, …), a command family or a command; omit to list
    pub page: Option<String>,
}

/// Hand-written guides (shared with the MCP face): name, title, text.
pub use docket_api::guides::GUIDES;

/// Command families: (page, title, commands). Commands not listed here appear
/// on the `other` page, so a new command is always documented.
pub const FAMILIES: &[(&str, &str, &[&str])] = &[
    (
        "tickets",
        "Create, show, change and delete tickets",
        &["create", "show", "update", "edit", "delete"],
    ),
    (
        "queries",
        "Listings and queues",
        &["list", "ready", "blocked", "closed", "board", "search"],
    ),
    (
        "lifecycle",
        "Moves through the workflow",
        &["start", "status", "close", "reopen", "advance"],
    ),
    (
        "notes",
        "Notes, comments and plans",
        &["add-note", "comment", "plan"],
    ),
    (
        "graph",
        "Dependencies and links",
        &["dep", "undep", "depends", "link", "unlink"],
    ),
    (
        "project",
        "Project set-up and health",
        &["init", "info", "check", "prime", "tier", "demo"],
    ),
    ("insight", "Usage log and activity stats", &["log", "stats"]),
    (
        "knowledge",
        "Project context entries and documents",
        &["context", "doc"],
    ),
    (
        "interop",
        "Import, export, the inbox and the git merge driver",
        &["import", "export", "inbox", "merge-driver"],
    ),
    (
        "sessions",
        "Sessions and roles",
        &["session", "role", "cleanup"],
    ),
    (
        "faces",
        "Agent faces and tooling",
        &[
            "mcp",
            "monitor",
            "man",
            "agents",
            "completions",
            "run",
            "trust",
        ],
    ),
];

#[derive(Serialize)]
struct PageInfo {
    name: String,
    title: String,
}

#[derive(Serialize)]
struct Page {
    name: String,
    title: String,
    text: String,
}

/// Visible top-level commands not covered by a family.
fn other_commands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .filter(|n| {
            !FAMILIES
                .iter()
                .any(|(_, _, cmds)| cmds.contains(&n.as_str()))
        })
        .collect()
}

/// Every page: guides, then families.
fn index() -> Vec<PageInfo> {
    let mut out: Vec<PageInfo> = GUIDES
        .iter()
        .map(|g| PageInfo {
            name: g.name.to_string(),
            title: g.title.to_string(),
        })
        .collect();
    for (n, t, _) in FAMILIES {
        out.push(PageInfo {
            name: n.to_string(),
            title: format!("{t} (reference)"),
        });
    }
    if !other_commands().is_empty() {
        out.push(PageInfo {
            name: "other".into(),
            title: "Other commands (reference)".into(),
        });
    }
    out
}

fn arg_line(a: &Arg) -> Option<(String, String)> {
    if a.is_hide_set() {
        return None;
    }
    let id = a.get_id().as_str();
    if matches!(id, "help" | "version") {
        return None;
    }
    let takes = a.get_action().takes_values();
    let value = a
        .get_value_names()
        .map(|v| {
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| id.to_uppercase());
    let left = if a.is_positional() {
        format!("<{value}>")
    } else {
        let mut names = Vec::new();
        if let Some(s) = a.get_short() {
            names.push(format!("-{s}"));
        }
        if let Some(l) = a.get_long() {
            names.push(format!("--{l}"));
        }
        let mut left = names.join(", ");
        if takes {
            left.push_str(&format!(" <{value}>"));
        }
        left
    };
    let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
    Some((left, help))
}

/// The reference of one command (and its subcommands), from clap.
fn command_ref(cmd: &clap::Command, path: &str, out: &mut String) {
    let full = format!("{path} {}", cmd.get_name());
    out.push_str(&format!("\n## {full}\n"));
    if let Some(about) = cmd.get_about() {
        out.push_str(&format!("{about}\n"));
    }
    let aliases: Vec<&str> = cmd.get_visible_aliases().collect();
    if !aliases.is_empty() {
        out.push_str(&format!("Alias: {}\n", aliases.join(", ")));
    }
    let lines: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_global_set())
        .filter_map(arg_line)
        .collect();
    if !lines.is_empty() {
        out.push('\n');
        let width = lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        for (l, h) in lines {
            out.push_str(&format!("  {l:<width$}  {h}\n"));
        }
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() != "help" {
            command_ref(sub, &full, out);
        }
    }
}

const GLOBAL_NOTE: &str = "\nEvery command also takes --json (one envelope on stdout), -C/--dir DIR and --session SESSION.\n";

/// A generated page for a family or a single command, if `name` is one.
fn generated(name: &str) -> Option<Page> {
    let root = Cli::command();
    let (title, cmds): (String, Vec<String>) =
        if let Some((n, t, cmds)) = FAMILIES.iter().find(|(n, _, _)| *n == name) {
            let _ = n;
            (t.to_string(), cmds.iter().map(|s| s.to_string()).collect())
        } else if name == "other" {
            ("Other commands".into(), other_commands())
        } else {
            let c = root
                .get_subcommands()
                .find(|c| c.get_name() == name || c.get_all_aliases().any(|a| a == name))?;
            (
                c.get_about().map(|a| a.to_string()).unwrap_or_default(),
                vec![c.get_name().to_string()],
            )
        };
    let mut text = format!("# {title}\n");
    let mut found = false;
    for c in &cmds {
        if let Some(cmd) = root.get_subcommands().find(|s| s.get_name() == c) {
            command_ref(cmd, "docket", &mut text);
            found = true;
        }
    }
    if !found {
        return None;
    }
    text.push_str(GLOBAL_NOTE);
    Some(Page {
        name: name.to_string(),
        title,
        text,
    })
}

/// Look up a page by name (guides, `llm`, families, commands).
fn page(name: &str) -> Option<Page> {
    if let Some(g) = docket_api::guides::find(name) {
        // A guide named like a command (`stats`) also carries its reference.
        let mut text = g.text.to_string();
        if let Some(cmd) = generated(g.name) {
            text.push_str("\n---\n\n");
            text.push_str(&cmd.text);
        }
        return Some(Page {
            name: g.name.to_string(),
            title: g.title.to_string(),
            text,
        });
    }
    generated(name)
}

pub fn run(_g: &GlobalArgs, a: ManArgs, printer: &mut Printer) -> CliResult<u8> {
    match a.page {
        None => {
            let pages = index();
            printer.success(&pages, None, || {
                let width = pages.iter().map(|p| p.name.len()).max().unwrap_or(0);
                let mut s = String::from(
                    "docket manual pages (docket man <page>; also any command name):\n",
                );
                for p in &pages {
                    s.push_str(&format!(
                        "  {}  {}\n",
                        paint(style::BOLD, &format!("{:<width$}", p.name)),
                        p.title
                    ));
                }
                s
            });
        }
        Some(name) => {
            let p = page(&name).ok_or_else(|| {
                Error::invalid(format!(
                    "no manual page `{name}`: run `docket man` for the list"
                ))
            })?;
            printer.success(&p, None, || p.text.clone());
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Long flags of `cmd` and its subcommands.
    fn flags(cmd: &clap::Command, out: &mut BTreeSet<String>) {
        for a in cmd.get_arguments() {
            if let Some(l) = a.get_long() {
                out.insert(l.to_string());
            }
            for al in a.get_all_aliases().unwrap_or_default() {
                out.insert(al.to_string());
            }
        }
        for s in cmd.get_subcommands() {
            flags(s, out);
        }
    }

    fn global_flags() -> BTreeSet<String> {
        let root = Cli::command();
        let mut out = BTreeSet::new();
        for a in root.get_arguments() {
            if let Some(l) = a.get_long() {
                out.insert(l.to_string());
            }
        }
        out.insert("help".into());
        out.insert("version".into());
        out
    }

    /// Marks the rest of a line as another program's command line.
    const FOREIGN: &str = "<foreign>";

    /// Every `--flag` a guide mentions exists: on the `docket <command>` named
    /// earlier on the same line when there is one, else on some command.
    #[test]
    fn every_flag_in_the_guides_exists() {
        let root = Cli::command();
        let global = global_flags();
        let mut all = global.clone();
        flags(&root, &mut all);
        let mut bad = Vec::new();
        let section = crate::commands::agents::agents_section();
        let mut texts: Vec<(&str, &str)> = GUIDES.iter().map(|g| (g.name, g.text)).collect();
        texts.push(("AGENTS.md section", section.as_str()));
        texts.push(("SKILL.md", crate::commands::agents::SKILL));
        for (page, text) in texts {
            for line in text.lines() {
                // A TOML array in a config example is an agent's argv, not ours.
                let toml_argv = line.split_once(" = [").is_some_and(|(k, _)| {
                    k.trim().chars().all(|c| c.is_ascii_lowercase() || c == '_')
                });
                if toml_argv {
                    continue;
                }
                let mut current: Option<String> = None;
                let words: Vec<&str> = line
                    .split(|c: char| c.is_whitespace() || "`()[],;|\"'".contains(c))
                    .filter(|w| !w.is_empty())
                    .collect();
                for (i, w) in words.iter().enumerate() {
                    if *w == "docket"
                        && let Some(next) = words.get(i + 1)
                        && root.find_subcommand(next).is_some()
                    {
                        current = Some(next.to_string());
                    }
                    // Flags of the agent CLIs the runner drives are theirs, not ours.
                    if [
                        "claude",
                        "codex",
                        "agent",
                        "cursor-agent",
                        "auggie",
                        "git",
                        "my-agent",
                    ]
                    .contains(w)
                    {
                        current = Some(FOREIGN.into());
                    }
                    let Some(flag) = w.strip_prefix("--") else {
                        continue;
                    };
                    if current.as_deref() == Some(FOREIGN) {
                        continue;
                    }
                    let flag = flag.split('=').next().unwrap_or_default();
                    if !flag.starts_with(|c: char| c.is_ascii_alphanumeric())
                        || !flag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    {
                        continue;
                    }
                    let ok = match &current {
                        Some(cmd) => {
                            let mut f = global.clone();
                            if let Some(c) = root.find_subcommand(cmd) {
                                flags(c, &mut f);
                            }
                            f.contains(flag)
                        }
                        None => all.contains(flag),
                    };
                    if !ok {
                        bad.push(format!(
                            "man {page}: --{flag} (with {})",
                            current.as_deref().unwrap_or("any command")
                        ));
                    }
                }
            }
        }
        assert!(
            bad.is_empty(),
            "flags missing from the CLI:\n{}",
            bad.join("\n")
        );
    }

    /// Commands named as `docket <word>` in the guides exist.
    #[test]
    fn every_command_in_the_guides_exists() {
        let root = Cli::command();
        let mut bad = Vec::new();
        for g in GUIDES {
            let (page, text) = (g.name, g.text);
            for chunk in text.split("`docket ").skip(1) {
                let word = chunk
                    .split(|c: char| c.is_whitespace() || c == '`')
                    .next()
                    .unwrap_or_default();
                if word.starts_with('-') || word.starts_with('<') || word.is_empty() {
                    continue;
                }
                if root.find_subcommand(word).is_none() {
                    bad.push(format!("man {page}: docket {word}"));
                }
            }
        }
        assert!(bad.is_empty(), "unknown commands:\n{}", bad.join("\n"));
    }

    #[test]
    fn minimal_is_compact() {
        let text = GUIDES[0].text;
        // ~4 bytes per token: stay under ~1,500 tokens.
        assert!(text.len() < 6000, "man minimal is {} bytes", text.len());
    }

    #[test]
    fn every_page_renders() {
        for p in index() {
            assert!(page(&p.name).is_some(), "page {} does not render", p.name);
        }
        assert!(page("llm").is_some());
        let sm = page("state-machine").expect("state-machine alias");
        assert_eq!(sm.name, "states");
        let st = page("stats").expect("stats guide");
        assert!(st.text.contains("docket log <id>"), "guide text");
        assert!(st.text.contains("--window"), "command reference appended");
        assert!(page("new").is_some(), "alias of create");
        assert!(page("create").is_some());
        assert!(page("ls").is_some());
        assert!(page("nope").is_none());
    }
}
