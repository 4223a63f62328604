//! `docket prime`: the agent primer, capped so it stays small on any project.

use clap::Args;
use docket_api::project::{self, PrimeRequest, Section};

use crate::cli::GlobalArgs;
use crate::commands::listing::FilterArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, SCHEMA_V3, paint, style};

#[derive(Args, Debug)]
pub struct PrimeArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// One capped section; `more` says how to see the rest.
fn section(out: &mut String, title: &str, s: &Section, rest: &str) {
    out.push_str(&format!(
        "\n{} ({})\n",
        paint(style::BOLD, title),
        s.items.len() + s.more
    ));
    if s.items.is_empty() {
        out.push_str("  none\n");
    }
    for i in &s.items {
        let b = &i.brief;
        let mut flags = String::new();
        if i.mine {
            flags.push_str("  (yours)");
        }
        if i.stale {
            flags.push_str(&paint(style::WARN, "  [stale]"));
        }
        let ac =
            b.ac.as_deref()
                .map(|a| format!(" ac {a}"))
                .unwrap_or_default();
        out.push_str(&format!(
            "  {}  P{} {}{ac}  {}{flags}\n",
            paint(style::ID, &b.short),
            b.priority,
            b.kind,
            b.title
        ));
    }
    if s.more > 0 {
        out.push_str(&format!("  … and {} more: `{rest}`\n", s.more));
    }
}

pub fn run(g: &GlobalArgs, a: PrimeArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let req = PrimeRequest {
        filters: a.filter.filters()?,
        limit: a.filter.limit,
    };
    let primer = project::prime(&cx, &req)?;
    let work_loop = docket_core::prime::work_loop(&cx.project.config);
    printer.schema(SCHEMA_V3).success(&primer, None, || {
        let mut s = String::new();
        let pr = &primer.project;
        s.push_str(&format!(
            "{} docket project `{}` (prefix {}): {} open, {} closed. You are {}.\n",
            paint(style::BOLD, "#"),
            pr.name,
            pr.prefix,
            pr.open,
            pr.closed,
            primer.you
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
        let active = format!("docket list --status {}", sc.active);
        section(&mut s, "In progress", &primer.in_progress, &active);
        section(&mut s, "Ready to close", &primer.ready_to_close, &active);
        section(&mut s, "Ready", &primer.ready, "docket ready");
        section(&mut s, "Recently closed", &primer.recently_closed, "docket closed");
        if !primer.context.items.is_empty() {
            s.push_str(&format!(
                "\n{} (`docket context readall` for the full text)\n",
                paint(style::BOLD, "Context")
            ));
            for c in &primer.context.items {
                s.push_str(&format!("  {}: {}\n", c.key, c.summary));
            }
            if primer.context.more > 0 {
                s.push_str(&format!(
                    "  … and {} more: `docket context list`\n",
                    primer.context.more
                ));
            }
        }
        s.push_str("\nWork loop:\n");
        for (i, step) in work_loop.iter().enumerate() {
            s.push_str(&format!("  {}. {step}\n", i + 1));
        }
        s
    });
    Ok(0)
}
