//! `docket info`

use clap::Args;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct InfoArgs {}

pub fn run(g: &GlobalArgs, _a: InfoArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let files = p.files()?;
    let archived = files.iter().filter(|f| f.archived).count();
    let wf = &p.config.workflow;
    let data = json!({
        "project": { "prefix": p.config.project.prefix, "preset": wf.preset },
        "paths": {
            "root": p.root.to_string_lossy(),
            "config": p.display_path(&p.dir.join("config.toml")),
            "tickets": p.display_path(&p.tickets_dir()),
            "archive": p.display_path(&p.archive_dir()),
            "local": p.display_path(&p.local_dir()),
        },
        "counts": { "live": files.len() - archived, "archived": archived },
        "workflow": {
            "statuses": wf.statuses,
            "terminal": wf.terminal,
            "active": wf.active,
            "planning": wf.planning,
            "initial": p.config.initial_status(),
            "transitions": wf.transitions,
            "stages": wf.stages,
        },
        "types": wf.types,
        "modes": wf.modes,
        "priorities": [0, 1, 2, 3, 4],
        "tiers": docket_core::ops::TIERS,
        "defaults": p.config.defaults,
    });
    printer.success(&data, None, || {
        let mut s = String::new();
        s.push_str(&format!("root:      {}\n", p.root.display()));
        s.push_str(&format!("prefix:    {}\n", p.config.project.prefix));
        s.push_str(&format!("preset:    {}\n", wf.preset));
        s.push_str(&format!(
            "tickets:   {} live, {} archived\n",
            files.len() - archived,
            archived
        ));
        s.push_str(&format!("statuses:  {}\n", wf.statuses.join(" → ")));
        s.push_str(&format!("terminal:  {}\n", wf.terminal.join(", ")));
        s.push_str(&format!("active:    {}\n", wf.active));
        if let Some(pl) = &wf.planning {
            s.push_str(&format!("planning:  {pl}\n"));
        }
        s.push_str(&format!("types:     {}\n", wf.types.join(", ")));
        s.push_str(&format!("modes:     {}\n", wf.modes.join(", ")));
        s.push_str("transitions:\n");
        for r in &wf.transitions {
            let mut guards = if r.guards.is_empty() {
                String::new()
            } else {
                format!("  guards: {}", r.guards.join(", "))
            };
            if !r.roles.is_empty() {
                guards.push_str(&format!("  roles: {}", r.roles.join(", ")));
            }
            s.push_str(&format!(
                "  {} → {}{guards}\n",
                r.from.join("|"),
                r.to.join("|")
            ));
        }
        let runnable: Vec<String> = wf
            .stages
            .iter()
            .filter(|(_, st)| st.runnable)
            .map(|(name, st)| match (&st.role, st.rank) {
                (Some(role), Some(rank)) => format!("{name} (rank {rank}, {role})"),
                (Some(role), None) => format!("{name} ({role})"),
                (None, Some(rank)) => format!("{name} (rank {rank})"),
                (None, None) => name.clone(),
            })
            .collect();
        if !runnable.is_empty() {
            s.push_str(&format!("agent stages: {}\n", runnable.join(", ")));
        }
        s
    });
    Ok(0)
}
