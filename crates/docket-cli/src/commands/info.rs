//! `docket info`

use clap::Args;
use docket_api::project;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct InfoArgs {}

pub fn run(g: &GlobalArgs, _a: InfoArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let data = project::info(&cx)?;
    let p = &cx.project;
    let wf = &p.config.workflow;
    let (live, archived) = (
        data.counts["live"].as_u64().unwrap_or(0),
        data.counts["archived"].as_u64().unwrap_or(0),
    );
    printer.success(&data, None, || {
        let mut s = String::new();
        s.push_str(&format!("root:      {}\n", p.root.display()));
        s.push_str(&format!("prefix:    {}\n", p.config.project.prefix));
        s.push_str(&format!("preset:    {}\n", wf.preset));
        s.push_str(&format!(
            "tickets:   {} live, {} archived\n",
            live, archived
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
