//! `docket init`

use clap::Args;
use docket_core::Project;
use docket_core::store::InitOptions;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::commands::agents;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Id prefix (default: derived from the folder name)
    #[arg(long)]
    pub prefix: Option<String>,
    /// Workflow preset
    #[arg(long, default_value = "simple")]
    pub preset: String,
    /// Rewrite the config of an existing project (tickets are kept)
    #[arg(long)]
    pub force: bool,
    /// Do not write the docket section of AGENTS.md
    #[arg(long)]
    pub no_agents: bool,
    /// Also write a CLAUDE.md pointer to the AGENTS.md section (for Claude Code)
    #[arg(long)]
    pub claude_md: bool,
}

/// A prefix from the folder name: its first letters/digits, lowercase, ≤ 4 chars.
fn default_prefix(root: &std::path::Path) -> String {
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let p: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .skip_while(|c| c.is_ascii_digit())
        .take(4)
        .collect();
    if p.is_empty() { "dk".into() } else { p }
}

pub fn run(g: &GlobalArgs, a: InitArgs, printer: &mut Printer) -> CliResult<u8> {
    let root = context::start_dir(&g.dir)?;
    let prefix = a.prefix.unwrap_or_else(|| default_prefix(&root));
    let project = Project::init(
        &root,
        &InitOptions {
            prefix: prefix.clone(),
            preset: a.preset.clone(),
            force: a.force,
        },
    )?;
    let agents_md = if a.no_agents {
        None
    } else {
        let (path, what) = agents::write_agents_md(&project.root)?;
        Some(json!({ "path": project.display_path(&path), "result": what }))
    };
    let claude_md = if a.claude_md {
        let (path, what) = agents::write_claude_md(&project.root)?;
        Some(json!({ "path": project.display_path(&path), "result": what }))
    } else {
        None
    };
    let mcp = agents::snippets(&project.root);
    let data = json!({
        "root": project.root.to_string_lossy(),
        "dir": project.display_path(&project.dir),
        "prefix": prefix,
        "preset": a.preset,
        "agents_md": agents_md,
        "mcp": mcp,
    });
    let mut data = data;
    if let Some(md) = &claude_md {
        data["claude_md"] = md.clone();
    }
    printer.success(&data, None, || {
        let mut s = format!(
            "Initialized docket project in {} (prefix `{prefix}`, preset `{}`)\n",
            project.dir.display(),
            a.preset
        );
        if let Some(md) = &agents_md {
            s.push_str(&format!(
                "{} {} (docket section for coding agents)\n",
                md["result"].as_str().unwrap_or_default(),
                md["path"].as_str().unwrap_or_default()
            ));
        }
        if let Some(md) = &claude_md {
            s.push_str(&format!(
                "{} {} (points Claude Code at AGENTS.md)\n",
                md["result"].as_str().unwrap_or_default(),
                md["path"].as_str().unwrap_or_default()
            ));
        }
        s.push_str(&agents::snippets_text(&mcp));
        s.push_str("\nNext: docket create \"My first ticket\" -d \"what and why\"");
        s
    });
    Ok(0)
}
