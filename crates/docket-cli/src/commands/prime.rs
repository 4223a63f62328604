//! `docket prime`: the agent primer.

use clap::Args;
use docket_core::prime::{self, PrimeItem};

use crate::cli::GlobalArgs;
use crate::commands::listing::FilterArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, paint, style};

#[derive(Args, Debug)]
pub struct PrimeArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
}

fn section(out: &mut String, title: &str, items: &[PrimeItem]) {
    out.push_str(&format!(
        "\n{} ({})\n",
        paint(style::BOLD, title),
        items.len()
    ));
    if items.is_empty() {
        out.push_str("  none\n");
    }
    for i in items {
        let stale = if i.stale == Some(true) {
            paint(style::WARN, "  [stale]")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  {}  P{} {}  {}{stale}\n",
            paint(style::ID, &i.meta.id),
            i.meta.priority,
            i.meta.mode,
            i.meta.title
        ));
    }
}

pub fn run(g: &GlobalArgs, a: PrimeArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let filter = a.filter.filter(&p)?;
    let primer = prime::build(&p, &filter, a.filter.limit, context::now())?;
    printer.success(&primer, None, || {
        let mut s = String::new();
        let pr = &primer.project;
        s.push_str(&format!(
            "{} docket project `{}` (prefix {}): {} open, {} closed\n",
            paint(style::BOLD, "#"),
            pr.name,
            pr.prefix,
            pr.open,
            pr.closed
        ));
        let sc = &primer.schema;
        s.push_str(&format!(
            "statuses: {} (active: {}, terminal: {})\ntypes: {}  modes: {}  priorities: 0 (highest)..4\n",
            sc.statuses.join(" → "),
            sc.active,
            sc.terminal.join(", "),
            sc.types.join(", "),
            sc.modes.join(", ")
        ));
        section(&mut s, "In progress", &primer.in_progress);
        section(&mut s, "Ready to close", &primer.ready_to_close);
        section(&mut s, "Ready", &primer.ready);
        if primer.ready_remaining > 0 {
            s.push_str(&format!("  … and {} more (docket ready)\n", primer.ready_remaining));
        }
        section(&mut s, "Recently closed", &primer.recently_closed);
        s.push_str("\nWork loop:\n");
        for (i, step) in primer.work_loop.iter().enumerate() {
            s.push_str(&format!("  {}. {step}\n", i + 1));
        }
        s
    });
    Ok(0)
}
