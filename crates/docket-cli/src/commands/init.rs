//! `docket init`

use clap::Args;
use docket_core::Project;
use docket_core::store::InitOptions;
use serde_json::json;

use crate::cli::GlobalArgs;
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
    let data = json!({
        "root": project.root.to_string_lossy(),
        "dir": project.display_path(&project.dir),
        "prefix": prefix,
        "preset": a.preset,
    });
    printer.success(&data, None, || {
        format!(
            "Initialized docket project in {} (prefix `{prefix}`, preset `{}`)\nNext: docket create \"My first ticket\" -d \"what and why\"",
            project.dir.display(),
            a.preset
        )
    });
    Ok(0)
}
