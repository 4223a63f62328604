//! `docket merge-driver`: the git merge driver for ticket files, and
//! `docket merge-driver install` to register it (`.gitattributes` + git config).

use std::path::Path;
use std::process::Command as Process;

use clap::{Args, Subcommand};
use docket_api::interop::{self, MergeRequest};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::{CliError, CliResult};
use crate::output::Printer;

/// The lines `install` puts in `.gitattributes` (paths relative to the project root).
const ATTRIBUTES: &[&str] = &[
    ".docket/tickets/*.md merge=docket",
    ".docket/archive/*.md merge=docket",
];

/// The driver command git runs; `docket` must be on PATH.
const DRIVER: &str = "docket merge-driver %O %A %B %P";

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MergeDriverArgs {
    #[command(subcommand)]
    pub action: Option<MergeDriverAction>,
    /// The ancestor's version (%O)
    pub base: Option<String>,
    /// Our version (%A); the result is written here
    pub ours: Option<String>,
    /// Their version (%B)
    pub theirs: Option<String>,
    /// The ticket's path in the repository (%P)
    pub path: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum MergeDriverAction {
    /// Register the driver: .gitattributes lines and `git config merge.docket.*`
    Install(InstallArgs),
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Show what would be written; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(g: &GlobalArgs, a: MergeDriverArgs, printer: &mut Printer) -> CliResult<u8> {
    if let Some(MergeDriverAction::Install(i)) = a.action {
        return install(g, i, printer);
    }
    let (Some(base), Some(ours), Some(theirs)) = (a.base, a.ours, a.theirs) else {
        return Err(CliError::Usage(
            "merge-driver needs BASE OURS THEIRS [PATH] (git passes %O %A %B %P), or `install`"
                .into(),
        ));
    };
    let req = MergeRequest {
        base,
        ours,
        theirs,
        path: a.path,
    };
    let r = match interop::merge_driver(
        &req,
        context::now(),
        context::actor(context::project(&g.dir).ok().as_ref()),
    ) {
        Ok(r) => r,
        // Not a ticket file (e.g. a hand-broken one): an ordinary line merge.
        Err(e) if e.code == "invalid_argument" => {
            printer.warn(&format!(
                "{}: {e}; falling back to a line merge",
                req.path.as_deref().unwrap_or(&req.ours)
            ));
            return line_merge(&req);
        }
        Err(e) => return Err(e.into()),
    };
    let clean = r.conflicts.is_empty();
    if clean {
        printer.verdict(true, &r, String::new);
        return Ok(0);
    }
    printer.warn(&format!(
        "{}: conflict confined to {} (markers left there)",
        r.path,
        r.conflicts.join(", ")
    ));
    printer.verdict(false, &r, String::new);
    Ok(1)
}

fn line_merge(req: &MergeRequest) -> CliResult<u8> {
    let status = Process::new("git")
        .args(["merge-file", "-L", "ours", "-L", "base", "-L", "theirs"])
        .args([&req.ours, &req.base, &req.theirs])
        .status()
        .map_err(|e| CliError::from(docket_core::Error::io(Path::new("git"), e)))?;
    Ok(if status.success() { 0 } else { 1 })
}

fn install(g: &GlobalArgs, a: InstallArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let git = |args: &[&str]| Process::new("git").args(args).current_dir(&p.root).output();
    let inside = git(&["rev-parse", "--is-inside-work-tree"])
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !inside {
        return Err(docket_core::Error::invalid(format!(
            "{} is not in a git repository; run `git init` first",
            p.root.display()
        ))
        .into());
    }
    let path = p.root.join(".gitattributes");
    let old = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(docket_core::Error::io(&path, e).into()),
    };
    let mut text = old.clone().unwrap_or_default();
    let mut added = Vec::new();
    for line in ATTRIBUTES {
        if !text.lines().any(|l| l.trim() == *line) {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(line);
            text.push('\n');
            added.push(*line);
        }
    }
    let attributes = match (&old, added.is_empty()) {
        (_, true) => "unchanged",
        (None, false) => "created",
        (Some(_), false) => "updated",
    };
    let current = git(&["config", "--get", "merge.docket.driver"])
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let config = if current.as_deref() == Some(DRIVER) {
        "unchanged"
    } else {
        "set"
    };
    if !a.dry_run {
        if !added.is_empty() {
            docket_core::store::write_atomic(&path, text.as_bytes())?;
        }
        for (k, v) in [
            ("merge.docket.name", "docket: per-key ticket merge"),
            ("merge.docket.driver", DRIVER),
        ] {
            let ok = git(&["config", k, v])
                .map(|o| o.status.success())
                .unwrap_or(false);
            if !ok {
                return Err(docket_core::Error::invalid(format!("`git config {k}` failed")).into());
            }
        }
    }
    let data = json!({
        "dry_run": a.dry_run,
        "gitattributes": { "path": ".gitattributes", "result": attributes, "added": added },
        "config": { "merge.docket.driver": DRIVER, "result": config },
    });
    printer.success(&data, None, || {
        let verb = if a.dry_run { "would write" } else { "wrote" };
        format!(
            "{verb} .gitattributes ({attributes}) and git config merge.docket.driver = \"{DRIVER}\" ({config})\n\
             Ticket files now merge per key; `docket` must be on PATH for git to run it."
        )
    });
    Ok(0)
}
